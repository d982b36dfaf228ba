/**
 * Devices that go quiet, the pure rules (src/punches/device-health.ts `isOffline`, src/punches/device-incidents.ts):
 * silence counted within the site's hours in the project's zone, an incident opened by the watch and closed when the
 * device is heard again, and the webhook payload.
 */
import t from 'tap'
import fc from 'fast-check'
import { isOffline, siteMinutesBetween } from '../../src/punches/device-health.ts'
import { foldIncidents, incidentPayload, watchStep, type DeviceIncident, type IncidentEvent, type OfflineRule, type StoredIncidentEvent } from '../../src/punches/device-incidents.ts'

const SH = 'Asia/Shanghai'
/** 2026-11-03 at hh:mm in Shanghai (UTC+8, no DST). */
const sh = (hh: number, mm = 0, day = 3) => Date.UTC(2026, 10, day, hh - 8, mm)
const HOURS = { from: 6, to: 20 }
const RULE: OfflineRule = { offlineAfterMinutes: 60, siteHours: HOURS }
const at = (nowMs: number, timeZone = SH) => ({ nowMs, timeZone, offlineAfterMinutes: 60, siteHours: HOURS })

t.test('site minutes: only the silence within the site hours of the project zone counts', async (t) => {
  t.equal(siteMinutesBetween(sh(9), sh(10), SH, HOURS), 60)
  t.equal(siteMinutesBetween(sh(19, 50), sh(6, 30, 4), SH, HOURS), 40, '10 minutes before 20:00, 30 after 6:00 the next day')
  t.equal(siteMinutesBetween(sh(21), sh(5, 59, 4), SH, HOURS), 0, 'a night')
  t.equal(siteMinutesBetween(sh(10), sh(10, 0, 5), SH, HOURS), 2 * 14 * 60, 'two whole days of 14 site hours')
  t.equal(siteMinutesBetween(sh(10), sh(9), SH, HOURS), 0, 'backwards is nothing')
  t.equal(siteMinutesBetween(sh(22), sh(1, 0, 4), SH, { from: 0, to: 24 }), 180, 'a site that works round the clock: midnight included')
  t.ok(siteMinutesBetween(sh(10, 0, 1), sh(10, 0, 30), SH, HOURS, 60) <= 60 + 14 * 60, 'counting stops past the cap')
})

t.test('site minutes in a zone with daylight saving: the hours its wall clock shows', async (t) => {
  const NY = 'America/New_York'
  // 2026-03-08: clocks go from 2:00 to 3:00; site hours 1–5 hold 3 real hours that day.
  const from = Date.UTC(2026, 2, 8, 5, 0) // 0:00 EST
  const to = Date.UTC(2026, 2, 8, 12, 0) // 8:00 EDT
  t.equal(siteMinutesBetween(from, to, NY, { from: 1, to: 5 }), 180)
  // The same UTC instants read in Shanghai: 13:00 to 20:00, all within 6–20.
  t.equal(siteMinutesBetween(from, to, SH, HOURS), 420, 'the zone decides')
})

t.test('property: site minutes never exceed the span, and add up over a split', async () => {
  const base = sh(0, 0, 1)
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 5 * 1440 }), fc.integer({ min: 0, max: 5 * 1440 }), fc.integer({ min: 0, max: 5 * 1440 }), (a, b, c) => {
      const [x, y, z] = [a, b, c].sort((p, q) => p - q).map((m) => base + m * 60_000) as [number, number, number]
      const whole = siteMinutesBetween(x, z, SH, HOURS)
      return whole <= (z - x) / 60_000 && Math.abs(whole - siteMinutesBetween(x, y, SH, HOURS) - siteMinutesBetween(y, z, SH, HOURS)) <= 1
    }),
  )
})

t.test('offline: silent past the limit within site hours, in the project zone', async (t) => {
  t.equal(isOffline(sh(8, 59), at(sh(10))), true, '61 minutes in the day')
  t.equal(isOffline(sh(9, 1), at(sh(10))), false)
  t.equal(isOffline(sh(19, 50), at(sh(6, 30, 4))), false, 'stopped at 19:50: 40 site minutes by 6:30 the next day')
  t.equal(isOffline(sh(19, 50), at(sh(6, 51, 4))), true, '61 site minutes by 6:51')
  t.equal(isOffline(sh(10), at(sh(23))), false, 'nothing is offline outside the hours')
  t.equal(isOffline(null, at(sh(10))), true, 'never heard')
  // 10:00 in Shanghai is 03:00 in Berlin: outside a Berlin site's hours.
  t.equal(isOffline(sh(8), at(sh(10), 'Europe/Berlin')), false, "the project's zone decides the hours")
})

const sighting = (lastSeenAtMs: number | null, kind: string | null = 'adms_poll') => ({ serial: 'ZK-1', lastSeenAtMs, lastSeenKind: kind, registeredAtMs: sh(7) })

function stored(events: IncidentEvent[]): StoredIncidentEvent[] {
  let incidentId = ''
  return events.map((event, i) => {
    if (event.type === 'opened') incidentId = `e${i + 1}`
    return { id: `e${i + 1}`, incidentId, deviceId: 'd1', projectId: 'p1', seq: i + 1, event }
  })
}

t.test('the watch: opened when silent too long, closed when heard again, once each', async (t) => {
  t.equal(watchStep(undefined, sighting(sh(9, 30)), RULE, sh(10), SH), undefined, 'heard 30 minutes ago')
  const opened = watchStep(undefined, sighting(sh(8, 30)), RULE, sh(10), SH)
  t.match(opened, { type: 'opened', serial: 'ZK-1', atMs: sh(10), silentSinceMs: sh(8, 30), neverHeard: false, rule: RULE })
  const [incident] = foldIncidents(stored([opened!]))
  t.match(incident, { id: 'e1', state: 'open', openedAtMs: sh(10), silentSinceMs: sh(8, 30), closedAtMs: null })
  t.equal(watchStep(incident, sighting(sh(8, 30)), RULE, sh(11), SH), undefined, 'still silent: nothing more')
  t.equal(watchStep(incident, sighting(sh(8, 30)), RULE, sh(23), SH), undefined, 'night does not close it')
  const closed = watchStep(incident, sighting(sh(11, 10), 'dahua_stream'), RULE, sh(11, 11), SH)
  t.match(closed, { type: 'closed', atMs: sh(11, 11), heardAtMs: sh(11, 10), contactKind: 'dahua_stream' })
  const [after] = foldIncidents(stored([opened!, closed!]))
  t.match(after, { state: 'closed', closedAtMs: sh(11, 11), heardAtMs: sh(11, 10), contactKind: 'dahua_stream' })
  t.equal(watchStep(undefined, sighting(sh(11, 10)), RULE, sh(11, 12), SH), undefined, 'heard: no new incident')
})

t.test('the watch: a device registered and never heard is silent since its registration', async (t) => {
  t.equal(watchStep(undefined, sighting(null, null), RULE, sh(7, 59), SH), undefined, '59 minutes after registration')
  const opened = watchStep(undefined, sighting(null, null), RULE, sh(8, 1), SH)
  t.match(opened, { type: 'opened', silentSinceMs: sh(7), neverHeard: true })
  const [incident] = foldIncidents(stored([opened!]))
  t.match(watchStep(incident, sighting(sh(6), 'frame'), RULE, sh(9), SH), { type: 'closed', heardAtMs: sh(6) }, 'any contact closes a never-heard incident')
})

t.test('fold: a device has one open incident at a time; stray events are skipped', async (t) => {
  const open = (atMs: number): IncidentEvent => ({ type: 'opened', serial: 'ZK-1', atMs, silentSinceMs: atMs - 3_600_000, neverHeard: false, rule: RULE })
  const close = (atMs: number): IncidentEvent => ({ type: 'closed', serial: 'ZK-1', atMs, heardAtMs: atMs, contactKind: 'frame' })
  const list = foldIncidents(stored([open(sh(10)), close(sh(11)), open(sh(14)), open(sh(15))]))
  t.equal(list.length, 2)
  t.match(list, [{ state: 'closed' }, { state: 'open', openedAtMs: sh(14) }])
  t.same(foldIncidents(stored([close(sh(9))])), [], 'a close with nothing open')
})

t.test('webhook payload: device.offline and device.online, no personal data', async (t) => {
  const opened: IncidentEvent = { type: 'opened', serial: 'ZK-1', atMs: sh(10), silentSinceMs: sh(8, 30), neverHeard: false, rule: RULE }
  const [incident] = foldIncidents(stored([opened])) as [DeviceIncident]
  const p = incidentPayload('e1', incident, opened, SH)
  t.same(p, {
    id: 'e1',
    type: 'device.offline',
    occurredAt: new Date(sh(10)).toISOString(),
    device: { serial: 'ZK-1', projectId: 'p1' },
    incident: {
      id: 'e1',
      state: 'open',
      openedAt: new Date(sh(10)).toISOString(),
      silentSince: new Date(sh(8, 30)).toISOString(),
      neverHeard: false,
      offlineAfterMinutes: 60,
      siteHours: HOURS,
      closedAt: null,
      heardAt: null,
      contactKind: null,
      silentSiteMinutes: 90,
    },
  })
  const closed: IncidentEvent = { type: 'closed', serial: 'ZK-1', atMs: sh(11), heardAtMs: sh(10, 45), contactKind: 'mqtt_ping' }
  const [done] = foldIncidents(stored([opened, closed])) as [DeviceIncident]
  t.match(incidentPayload('e2', done, closed, SH), { id: 'e2', type: 'device.online', incident: { id: 'e1', state: 'closed', heardAt: new Date(sh(10, 45)).toISOString(), silentSiteMinutes: 135 } })
})
