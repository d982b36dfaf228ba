/** Device health's rules (src/punches/device-health.ts): gaps in numbered records, clock offset, offline during site hours. */
import t from 'tap'
import fc from 'fast-check'
import { clockOffsetMs, deviceHealth, isOffline, sequenceGaps, type PunchSample } from '../../src/punches/device-health.ts'

const NOW = Date.UTC(2026, 10, 3, 2, 0) // 10:00 in Shanghai
const SITE = { nowMs: NOW, timeZone: 'Asia/Shanghai', offlineAfterMinutes: 60, siteHours: { from: 6, to: 20 }, gapsMax: 20 }

t.test('sequence gaps: the missing numbers between the lowest and highest, largest first', async (t) => {
  t.same(sequenceGaps(['1001', '1002', '1005', '1006', '1010'], 20), { gaps: [{ from: 1007, to: 1009 }, { from: 1003, to: 1004 }], missing: 5 })
  t.same(sequenceGaps(['7', '7', '8'], 20), { gaps: [], missing: 0 }, 'a re-sent record is no gap')
  t.same(sequenceGaps(['20240101080000-0-1-d9051633b8b19fc8', '5'], 20), { gaps: [], missing: 0 }, 'record ids that are no numbers have no sequence')
  t.same(sequenceGaps([], 20), { gaps: [], missing: 0 })
  t.same(sequenceGaps(['000101', '000103'], 20), { gaps: [], missing: 0 }, 'zero-padded ids have no sequence: a request for "102" would never be seen filled by "000102"')
  t.same(sequenceGaps(['0', '2'], 20), { gaps: [{ from: 1, to: 1 }], missing: 1 }, 'zero itself is a number')
  t.equal(sequenceGaps(['1', '3', '5', '7'], 2).gaps.length, 2, 'at most max ranges, the count whole')
  t.equal(sequenceGaps(['1', '3', '5', '7'], 2).missing, 3)
})

t.test('property: missing = span − distinct, and no gap holds a number received', async () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 300 }), (nums) => {
      const { gaps, missing } = sequenceGaps(nums.map(String), Number.MAX_SAFE_INTEGER)
      const span = Math.max(...nums) - Math.min(...nums) + 1
      if (missing !== span - nums.length) return false
      const got = new Set(nums)
      return gaps.every((g) => g.from <= g.to && !Array.from({ length: g.to - g.from + 1 }, (_, i) => g.from + i).some((n) => got.has(n)))
    }),
  )
})

t.test('clock offset: from promptly delivered punches, a backlog ignored', async (t) => {
  const fast3min = (i: number): PunchSample => ({ recordId: String(i), deviceTimeMs: NOW - 3_600_000 + i * 60_000 + 180_000, receivedAtMs: NOW - 3_600_000 + i * 60_000 + 2_000 })
  const prompt = Array.from({ length: 20 }, (_, i) => fast3min(i))
  const backlog: PunchSample[] = Array.from({ length: 50 }, (_, i) => ({ recordId: String(100 + i), deviceTimeMs: NOW - 86_400_000 + i * 1000, receivedAtMs: NOW }))
  t.equal(clockOffsetMs([...prompt, ...backlog]), 178_000, 'a clock about 3 minutes fast reads +178 s (2 s of transport taken as its own)')
  t.equal(clockOffsetMs(prompt.slice(0, 4)), null, 'too few to say')
})

t.test('offline: silent past the limit within site hours only', async (t) => {
  t.equal(isOffline(NOW - 61 * 60_000, SITE), true)
  t.equal(isOffline(NOW - 59 * 60_000, SITE), false)
  t.equal(isOffline(null, SITE), true, 'never heard')
  const night = { ...SITE, nowMs: Date.UTC(2026, 10, 3, 15, 0) } // 23:00 in Shanghai
  t.equal(isOffline(NOW - 10 * 3_600_000, night), false, 'a silent night is no outage')
})

t.test('a device as a whole', async (t) => {
  const punches: PunchSample[] = [1001, 1002, 1004].map((n) => ({ recordId: String(n), deviceTimeMs: NOW - 2 * 3_600_000 + n, receivedAtMs: NOW - 2 * 3_600_000 + n + 1000 }))
  const gate = deviceHealth({ serial: 'GT-01', model: 'gate-ts200', punches, refusals: { count: 2, lastAtMs: NOW - 30 * 60_000, lastReason: 'unknown_worker' }, lastPunchBeforeMs: null }, SITE)
  t.match(gate, { lastSeenAtMs: NOW - 30 * 60_000, silentMinutes: 30, offline: false, punches: 3, refusals: 2, lastRefusalReason: 'unknown_worker', missingRecords: 1, gaps: [{ from: 1003, to: 1003 }] })
  const hik = deviceHealth({ serial: 'HK-01', model: 'hikvision-isapi', punches, refusals: { count: 0, lastAtMs: null, lastReason: null }, lastPunchBeforeMs: null }, SITE)
  t.match(hik, { offline: true, missingRecords: 0, gaps: [] }, "Hikvision's serialNo also counts events that are not stored: no gaps from punches alone")
  const silent = deviceHealth({ serial: 'FT-01', model: 'face-fr900', punches: [], refusals: { count: 0, lastAtMs: null, lastReason: null }, lastPunchBeforeMs: NOW - 3 * 86_400_000 }, SITE)
  t.match(silent, { lastSeenAtMs: NOW - 3 * 86_400_000, silentMinutes: 3 * 1440, offline: true, punches: 0 })
  const idle = { serial: 'ZK-01', model: 'zkteco-adms', punches: [], refusals: { count: 0, lastAtMs: null, lastReason: null }, lastPunchBeforeMs: null }
  t.match(deviceHealth({ ...idle, contact: { atMs: NOW - 2 * 60_000, kind: 'adms_poll' } }, SITE), { lastSeenAtMs: NOW - 2 * 60_000, lastContactKind: 'adms_poll', offline: false }, 'a poll without punches is a contact')
  t.match(deviceHealth({ ...idle, registeredAtMs: NOW - 30 * 60_000 }, SITE), { lastSeenAtMs: null, offline: false }, 'registered half an hour ago, never heard: not offline yet')
  t.match(deviceHealth(idle, SITE), { offline: true }, 'never heard, registration unknown')
})
