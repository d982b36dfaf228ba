/**
 * What the gap watch asks on its own (src/punches/backfill.ts), directly: which devices, a Hikvision serial range that
 * was searched through is never asked again though its door events stay absent, and one ZKTeco sweep per device and
 * local day, for the previous day, in the project's zone.
 */
import fc from 'fast-check'
import t from 'tap'
import { loadConfig } from '../../src/config/env.ts'
import { holds } from '../helpers/property.ts'
import { autoBackfillOf, closingOf, coalesce, gapKeyOf, gapsToAsk, planGapRequests, planSweep, rangeMinus, sweepDayOf, type BackfillRange, type PastRequest } from '../../src/punches/backfill.ts'
import { sequenceGaps } from '../../src/punches/device-health.ts'

const numbered = (from: number, to: number, attempt: number, state: PastRequest['state']): PastRequest => ({
  recordFrom: from,
  recordTo: to,
  windowFromMs: 0,
  windowToMs: 1,
  gapKey: `records:${from}-${to}`,
  attempt,
  state,
})

t.test('which devices the watch asks by itself, and how', async (t) => {
  t.equal(autoBackfillOf({ model: 'gate-ts200', settings: {} }), 'record_gaps')
  t.equal(autoBackfillOf({ model: 'canonical', settings: {} }), 'record_gaps')
  t.equal(autoBackfillOf({ model: 'hikvision-isapi', settings: { connect: { url: 'http://10.0.0.5' } } }), 'record_gaps', 'a Hikvision terminal the poller can search')
  t.equal(autoBackfillOf({ model: 'hikvision-isapi', settings: {} }), undefined, 'push-only: the service cannot ask it')
  t.equal(autoBackfillOf({ model: 'zkteco-adms', settings: {} }), 'daily_sweep', 'no numbers: a daily sweep')
  t.equal(autoBackfillOf({ model: 'dahua-access', settings: { connect: {} } }), undefined)
  t.equal(autoBackfillOf({ model: 'face-fr900', settings: {} }), undefined)
})

t.test('Hikvision: a hole covered by a filled request is not asked again, though its numbers stay absent', async (t) => {
  const o = { attemptsMax: 3 }
  // Stored serialNos 1, 2, 5, 8, 10: the search of 3-4, 6-7 and 9 stored 3 and 7; 4, 6 and 9 were door events.
  const before = sequenceGaps(['1', '2', '5', '8', '10'], 20).gaps
  t.same(
    planGapRequests(before, [], o).map((p) => p.gap),
    [
      { from: 3, to: 4 },
      { from: 6, to: 7 },
      { from: 9, to: 9 },
    ],
  )
  const filled = [numbered(3, 4, 1, 'filled'), numbered(6, 7, 1, 'filled'), numbered(9, 9, 1, 'filled')]
  const after = sequenceGaps(['1', '2', '3', '5', '7', '8', '10'], 20).gaps
  t.same(after, [{ from: 4, to: 4 }, { from: 6, to: 6 }, { from: 9, to: 9 }], 'the door events stay holes in the punches')
  t.same(planGapRequests(after, filled, o), [], 'and none is asked again')
  t.same(planGapRequests([{ from: 4, to: 14 }], [numbered(3, 10, 1, 'filled')], o), [{ gap: { from: 11, to: 14 }, attempt: 1 }], 'a hole grown past a filled range: only the new numbers')
  t.same(planGapRequests([{ from: 2, to: 12 }], [numbered(4, 5, 1, 'answered'), numbered(8, 8, 2, 'filled')], o).map((p) => p.gap), [
    { from: 2, to: 3 },
    { from: 6, to: 7 },
    { from: 9, to: 12 },
  ], 'the numbers an open or filled request covers are cut out')
  t.same(planGapRequests([{ from: 3, to: 4 }], [numbered(3, 4, 1, 'expired')], o), [{ gap: { from: 3, to: 4 }, attempt: 2 }], 'an expired search is asked again')
})

t.test('Hikvision: a serial range is filled by the search going through it, not by its numbers being stored', async (t) => {
  const r = { state: 'handed_out' as const, recordFrom: 3, expiresAtMs: 1000, kind: 'isapi_search' as const }
  t.equal(closingOf(r, { nowMs: 500, storedAll: false, answeredOk: true }), 'filled', 'searched through: door events accounted for')
  t.equal(closingOf(r, { nowMs: 500, storedAll: false, answeredOk: false }), undefined, 'not yet searched (or more pages than one search reads)')
  t.equal(closingOf(r, { nowMs: 500, storedAll: true, answeredOk: false }), 'filled', 'every number a punch, stored by a push meanwhile')
  t.equal(closingOf({ ...r, kind: 'mqtt_backfill' }, { nowMs: 500, storedAll: false, answeredOk: true }), undefined, 'a gate\'s numbers are all punches: only their storing fills')
})

t.test('planning, for any holes and history: a number an open or filled request covers is never asked again', async (t) => {
  const range = fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 8 })).map(([from, n]) => ({ from, to: from + n }))
  const state = fc.constantFrom('pending', 'handed_out', 'answered', 'filled', 'expired' as const)
  holds(
    t,
    'planGapRequests covers',
    fc.property(fc.array(range, { maxLength: 6 }), fc.array(fc.record({ r: range, attempt: fc.integer({ min: 1, max: 3 }), state }), { maxLength: 8 }), (gaps, history) => {
      const past = history.map((h) => numbered(h.r.from, h.r.to, h.attempt, h.state))
      const done = past.filter((p) => p.state !== 'expired')
      const asked = planGapRequests(gaps, past, { attemptsMax: 3 })
      for (const { gap } of asked) {
        if (done.some((p) => p.recordFrom! <= gap.to && gap.from <= p.recordTo!)) return false
        if (!gaps.some((g) => g.from <= gap.from && gap.to <= g.to)) return false
      }
      // Every number of a hole is asked, or covered, or given up on.
      for (const g of gaps) {
        for (let n = g.from; n <= g.to; n++) {
          const covered = done.some((p) => p.recordFrom! <= n && n <= p.recordTo!)
          const inAsked = asked.some((a) => a.gap.from <= n && n <= a.gap.to)
          const givenUp = past.some((p) => p.state === 'expired' && p.attempt >= 3 && p.recordFrom! <= n && n <= p.recordTo!)
          if (!covered && !inAsked && !givenUp) return false
        }
      }
      return true
    }),
  )
})

t.test('rangeMinus: what of a range the others leave', async (t) => {
  t.same(rangeMinus({ from: 1, to: 10 }, []), [{ from: 1, to: 10 }])
  t.same(rangeMinus({ from: 1, to: 10 }, [{ from: 1, to: 10 }]), [])
  t.same(rangeMinus({ from: 1, to: 10 }, [{ from: 3, to: 4 }, { from: 9, to: 20 }]), [{ from: 1, to: 2 }, { from: 5, to: 8 }])
  t.same(rangeMinus({ from: 5, to: 6 }, [{ from: 1, to: 2 }]), [{ from: 5, to: 6 }])
})

t.test('ZKTeco: the sweep is of the previous local day once the sweep hour has come, the day before that until then', async (t) => {
  const at = (iso: string) => Date.parse(iso)
  // 2026-11-04 02:30 in Shanghai (UTC+8) is 2026-11-03T18:30Z.
  t.same(sweepDayOf(at('2026-11-03T18:30:00Z'), 'Asia/Shanghai', 2), { date: '2026-11-03', windowFromMs: at('2026-11-02T16:00:00Z'), windowToMs: at('2026-11-03T15:59:59Z') })
  t.equal(sweepDayOf(at('2026-11-03T17:59:59Z'), 'Asia/Shanghai', 2).date, '2026-11-02', '01:59:59 local: the sweep of the 3rd is not due yet')
  t.equal(sweepDayOf(at('2026-11-03T18:00:00Z'), 'Asia/Shanghai', 2).date, '2026-11-03', '02:00 local: it is')
  t.equal(sweepDayOf(at('2026-11-03T18:00:00Z'), 'UTC', 2).date, '2026-11-02', 'the same instant is 18:00 on the 3rd in UTC: the 2nd')
  t.equal(sweepDayOf(at('2026-11-04T15:59:59Z'), 'Asia/Shanghai', 2).date, '2026-11-03', 'all day long, the same day')
  t.equal(sweepDayOf(at('2026-11-03T16:30:00Z'), 'Asia/Shanghai', 0).date, '2026-11-03', 'hour 0: at midnight')
  // Berlin springs forward on 2026-03-29 (02:00 → 03:00) and falls back on 2026-10-25: days of 23 and 25 hours.
  const spring = sweepDayOf(at('2026-03-30T01:00:00Z'), 'Europe/Berlin', 2)
  t.same(spring, { date: '2026-03-29', windowFromMs: at('2026-03-28T23:00:00Z'), windowToMs: at('2026-03-29T21:59:59Z') }, '23 hours')
  const autumn = sweepDayOf(at('2026-10-26T02:00:00Z'), 'Europe/Berlin', 2)
  t.equal(autumn.windowToMs + 1000 - autumn.windowFromMs, 25 * 3_600_000, '25 hours')
  t.equal(sweepDayOf(at('2026-03-29T01:30:00Z'), 'Europe/Berlin', 2).date, '2026-03-28', 'the hour 02:00 does not exist that day: at 03:30 the sweep is due')
})

t.test('ZKTeco: one sweep per device and day, asked again only after it expired, at most attemptsMax times', async (t) => {
  const day: BackfillRange = { recordFrom: null, recordTo: null, windowFromMs: 1_000_000, windowToMs: 87_399_000 }
  const key = gapKeyOf(day)
  const sweep = (attempt: number, state: PastRequest['state']): PastRequest => ({ ...day, gapKey: key, attempt, state })
  const o = { attemptsMax: 3 }
  t.same(planSweep(day, [], o), { attempt: 1 })
  for (const state of ['pending', 'handed_out', 'answered', 'filled'] as const) t.equal(planSweep(day, [sweep(1, state)], o), undefined, `not while ${state}`)
  t.same(planSweep(day, [sweep(1, 'expired')], o), { attempt: 2 }, 'the terminal was off: asked again')
  t.equal(planSweep(day, [sweep(1, 'expired'), sweep(2, 'expired'), sweep(3, 'expired')], o), undefined, 'given up after three')
  const other: PastRequest = { ...day, windowFromMs: 0, windowToMs: 999_000, gapKey: gapKeyOf({ ...day, windowFromMs: 0, windowToMs: 999_000 }), attempt: 1, state: 'filled' }
  t.same(planSweep(day, [other], o), { attempt: 1 }, "another day's sweep, or a person's window, is another request")
  holds(
    t,
    'every local day has exactly one sweep key, whatever the hour of the watch within the day',
    fc.property(fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') }), fc.constantFrom('Asia/Shanghai', 'Europe/Berlin', 'America/New_York', 'UTC'), fc.integer({ min: 0, max: 23 }), (nowMs, zone, hour) => {
      const a = sweepDayOf(nowMs, zone, hour)
      const b = sweepDayOf(nowMs + 60_000, zone, hour)
      // A minute later: the same day, or the next one exactly when the sweep hour begins.
      if (a.date !== b.date && b.windowFromMs !== a.windowToMs + 1000) return false
      return a.windowToMs < nowMs && a.windowToMs > a.windowFromMs
    }),
  )
})

t.test('ZKTECO_SWEEP_HOUR: 2 unless set, a local hour from 0 to 23', async (t) => {
  t.equal(loadConfig({}).zktecoSweepHour, 2)
  t.equal(loadConfig({ ZKTECO_SWEEP_HOUR: '0' }).zktecoSweepHour, 0)
  t.equal(loadConfig({ ZKTECO_SWEEP_HOUR: '23' }).zktecoSweepHour, 23)
  t.throws(() => loadConfig({ ZKTECO_SWEEP_HOUR: '24' }), /ZKTECO_SWEEP_HOUR must be a local hour from 0 to 23/)
  t.throws(() => loadConfig({ ZKTECO_SWEEP_HOUR: '2am' }), /ZKTECO_SWEEP_HOUR must be a non-negative whole number/)
})

t.test('a new hole is asked for though older holes, door events accounted for, outnumber a round', async (t) => {
  // serialNo 1…202, every third a door event (3, 6, …, 201: 67 holes, all searched through and filled), and 200 lost.
  const ids: string[] = []
  const past: PastRequest[] = []
  for (let n = 1; n <= 202; n++) {
    if (n === 200) continue
    if (n % 3 === 0) past.push(numbered(n, n, 1, 'filled'))
    else ids.push(String(n))
  }
  const o = { attemptsMax: 3, perRoundMax: 20, recordsMax: 5000 }
  t.same(gapsToAsk(ids, past, o), [{ gap: { from: 200, to: 200 }, attempt: 1 }], 'only the new hole')
  t.equal(gapsToAsk(ids, [], o).length, 20, 'with nothing asked yet, a round asks for 20, the rest next round')
  t.same(gapsToAsk(['1', '2', '9000'], [], o), [], 'a hole of 5,000 numbers or more is a restarted sequence: left to a person')
})

t.test('Hikvision: holes near each other are asked as one range, not a request per door event', async (t) => {
  // A busy gate: person events on the odd numbers, door events on the even ones, 1..399; one lost punch at 201.
  const ids = Array.from({ length: 200 }, (_, i) => String(2 * i + 1)).filter((id) => id !== '201')
  const o = { attemptsMax: 3, perRoundMax: 20, recordsMax: 5_000 }
  t.equal(gapsToAsk(ids, [], o).length, 20, 'without merging: a request per hole, and 179 more waiting')
  const merged = gapsToAsk(ids, [], { ...o, mergeWithin: 200 })
  t.same(merged, [{ gap: { from: 2, to: 398 }, attempt: 1 }], 'merged: one search of the stretch')
  // Searched through and filled: nothing is asked again, though the door events' numbers stay absent.
  const filled = [{ ...numbered(2, 398, 1, 'filled') }]
  t.same(gapsToAsk(ids, filled, { ...o, mergeWithin: 200 }), [])
  // Expired: the same stretch again, next attempt, up to the limit.
  t.same(gapsToAsk(ids, [numbered(2, 398, 1, 'expired')], { ...o, mergeWithin: 200 }), [{ gap: { from: 2, to: 398 }, attempt: 2 }])
  t.same(gapsToAsk(ids, [numbered(2, 398, 3, 'expired')], { ...o, mergeWithin: 200 }), [], 'given up after the last attempt')
})

t.test('coalesce: joins what lies close, never past the range limit', async (t) => {
  t.same(coalesce([{ from: 10, to: 10 }, { from: 2, to: 3 }, { from: 300, to: 301 }], 100, 5_000), [{ from: 2, to: 10 }, { from: 300, to: 301 }])
  t.same(coalesce([{ from: 1, to: 1 }, { from: 3, to: 3 }, { from: 5, to: 5 }], 10, 4), [{ from: 1, to: 3 }, { from: 5, to: 5 }], 'a range stays under 4 numbers')
  holds(
    t,
    'coalesced ranges cover every gap, in order, without overlap, never more of them',
    fc.property(fc.array(fc.record({ from: fc.integer({ min: 1, max: 10_000 }), len: fc.integer({ min: 0, max: 20 }) }), { maxLength: 40 }), fc.integer({ min: 1, max: 500 }), (raw, within) => {
      const gaps = raw.map((r) => ({ from: r.from, to: r.from + r.len }))
      const out = coalesce(gaps, within, 5_000)
      for (const g of gaps) for (let n = g.from; n <= g.to; n++) if (!out.some((r) => r.from <= n && n <= r.to)) return false
      for (let i = 1; i < out.length; i++) if ((out[i] as { from: number }).from <= (out[i - 1] as { to: number }).to) return false
      return out.length <= gaps.length
    }),
  )
})
