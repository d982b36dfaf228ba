/** Backfill rules (src/punches/backfill.ts), directly: which gaps are asked for, how each family is asked, when a request closes. */
import fc from 'fast-check'
import t from 'tap'
import { holds } from '../helpers/property.ts'
import {
  admsCommandLine,
  admsDataQuery,
  backfillKindOf,
  closingOf,
  gapKeyOf,
  gapWindow,
  isOpen,
  mqttBackfillMessage,
  parseAdmsCommandReplies,
  planGapRequests,
  stateOf,
  type PastRequest,
} from '../../src/punches/backfill.ts'

t.test('each model is asked in its own protocol; a Dahua stream cannot be', async (t) => {
  t.equal(backfillKindOf('zkteco-adms'), 'adms_data_query')
  t.equal(backfillKindOf('hikvision-isapi'), 'isapi_search')
  t.equal(backfillKindOf('gate-ts200'), 'mqtt_backfill')
  t.equal(backfillKindOf('canonical'), 'mqtt_backfill')
  t.equal(backfillKindOf('dahua-access'), undefined)
})

t.test('state: a closing event wins over an answer, an answer over the handing out', async (t) => {
  t.equal(stateOf([]), 'pending')
  t.equal(stateOf([{ type: 'handed_out' }]), 'handed_out')
  t.equal(stateOf([{ type: 'handed_out' }, { type: 'answered' }]), 'answered')
  t.equal(stateOf([{ type: 'handed_out' }, { type: 'answered' }, { type: 'filled' }]), 'filled')
  t.equal(stateOf([{ type: 'handed_out' }, { type: 'expired' }]), 'expired')
  t.ok(isOpen('answered'))
  t.notOk(isOpen('filled'))
  t.notOk(isOpen('expired'))
})

t.test("a gap's window runs from its neighbours' device times, to the second", async (t) => {
  const samples = [
    { recordId: '100', deviceTimeMs: 1_000_400 },
    { recordId: '101', deviceTimeMs: 2_000_000 },
    { recordId: '105', deviceTimeMs: 9_000_700 },
    { recordId: 'x', deviceTimeMs: 0 },
  ]
  t.same(gapWindow({ from: 102, to: 104 }, samples), { fromMs: 2_000_000, toMs: 9_001_000 })
  t.equal(gapWindow({ from: 90, to: 99 }, samples), null, 'no record before it in the samples')
})

t.test('gap keys: record numbers when there are any, else the window', async (t) => {
  t.equal(gapKeyOf({ recordFrom: 3, recordTo: 4, windowFromMs: 1, windowToMs: 2 }), 'records:3-4')
  t.equal(gapKeyOf({ recordFrom: null, recordTo: null, windowFromMs: 1000, windowToMs: 2000 }), 'window:1000-2000')
})

t.test('planning: a gap is asked for once while open, never again once filled, at most attemptsMax times', async (t) => {
  const past = (recordFrom: number, recordTo: number, attempt: number, state: PastRequest['state']): PastRequest => ({
    recordFrom,
    recordTo,
    windowFromMs: 0,
    windowToMs: 1,
    gapKey: `records:${recordFrom}-${recordTo}`,
    attempt,
    state,
  })
  const o = { attemptsMax: 3 }
  t.same(planGapRequests([{ from: 3, to: 4 }], [], o), [{ gap: { from: 3, to: 4 }, attempt: 1 }], 'a new gap: attempt 1')
  t.same(planGapRequests([{ from: 3, to: 4 }], [past(3, 4, 1, 'handed_out')], o), [], 'asked and still open: not again')
  t.same(planGapRequests([{ from: 4, to: 4 }], [past(2, 6, 1, 'pending')], o), [], 'inside a wider open request: not again')
  t.same(planGapRequests([{ from: 3, to: 4 }], [past(3, 4, 1, 'filled')], o), [], 'filled (a search that found door events only): not again')
  t.same(planGapRequests([{ from: 3, to: 4 }], [past(3, 4, 1, 'expired')], o), [{ gap: { from: 3, to: 4 }, attempt: 2 }], 'expired: the next attempt')
  t.same(planGapRequests([{ from: 3, to: 4 }], [past(3, 4, 1, 'expired'), past(3, 4, 2, 'expired'), past(3, 4, 3, 'expired')], o), [], 'three expired: given up')
  t.same(planGapRequests([{ from: 4, to: 4 }], [past(3, 4, 1, 'expired')], o), [{ gap: { from: 4, to: 4 }, attempt: 1 }], 'half filled before it expired: the rest is a gap of its own')
})

t.test('closing: numbered requests by what was delivered, window requests by the answer, any by its time', async (t) => {
  const numbered = { state: 'handed_out' as const, recordFrom: 3, expiresAtMs: 1000 }
  const window = { state: 'handed_out' as const, recordFrom: null, expiresAtMs: 1000 }
  t.equal(closingOf(numbered, { nowMs: 500, storedAll: true, answeredOk: false }), 'filled')
  t.equal(closingOf(numbered, { nowMs: 500, storedAll: false, answeredOk: true }), undefined, 'an answer alone does not fill numbered records')
  t.equal(closingOf(numbered, { nowMs: 1000, storedAll: false, answeredOk: false }), 'expired')
  t.equal(closingOf(numbered, { nowMs: 2000, storedAll: true, answeredOk: false }), 'filled', 'records that came late still fill it')
  t.equal(closingOf(window, { nowMs: 500, storedAll: false, answeredOk: true }), 'filled')
  t.equal(closingOf(window, { nowMs: 500, storedAll: false, answeredOk: false }), undefined)
  t.equal(closingOf({ ...window, state: 'expired' }, { nowMs: 500, storedAll: false, answeredOk: true }), undefined, 'closed stays closed')
})

t.test('ADMS: DATA QUERY in the device zone, C:<id>: lines, devicecmd replies', async (t) => {
  const from = Date.parse('2026-11-03T00:00:00Z')
  const to = Date.parse('2026-11-03T01:30:05Z')
  t.equal(admsDataQuery(from, to, 'Asia/Shanghai'), 'DATA QUERY ATTLOG StartTime=2026-11-03 08:00:00\tEndTime=2026-11-03 09:30:05')
  t.equal(admsDataQuery(from, to, 'UTC'), 'DATA QUERY ATTLOG StartTime=2026-11-03 00:00:00\tEndTime=2026-11-03 01:30:05')
  t.equal(admsCommandLine(7, 'DATA QUERY ATTLOG'), 'C:7:DATA QUERY ATTLOG')
  t.same(parseAdmsCommandReplies('ID=7&Return=0&CMD=DATA\r\nID=8&Return=-1002&CMD=REBOOT\nID=x&Return=0\n\ngarbage\n'), [
    { commandNo: 7, returnCode: 0, cmd: 'DATA' },
    { commandNo: 8, returnCode: -1002, cmd: 'REBOOT' },
  ])
})

t.test('MQTT: the backfill message names the records and the window', async (t) => {
  const msg = JSON.parse(mqttBackfillMessage(3, { recordFrom: 10, recordTo: 12, windowFromMs: Date.parse('2026-11-03T00:00:00Z'), windowToMs: Date.parse('2026-11-03T01:00:00Z') })) as unknown
  t.same(msg, { command: 'backfill', id: 3, fromRecord: '10', toRecord: '12', from: '2026-11-03T00:00:00.000Z', to: '2026-11-03T01:00:00.000Z' })
  const window = JSON.parse(mqttBackfillMessage(4, { recordFrom: null, recordTo: null, windowFromMs: 0, windowToMs: 1000 })) as Record<string, unknown>
  t.notOk('fromRecord' in window, 'no record numbers for a window alone')
})

t.test('planning, for any gaps and history: never a gap an open request covers, never past attemptsMax, each attempt the next', async (t) => {
  const range = fc.tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 5 })).map(([from, n]) => ({ from, to: from + n }))
  const state = fc.constantFrom('pending', 'handed_out', 'answered', 'filled', 'expired' as const)
  const request = fc.record({ r: range, attempt: fc.integer({ min: 1, max: 4 }), state })
  holds(
    t,
    'planGapRequests',
    fc.property(fc.array(range, { maxLength: 6 }), fc.array(request, { maxLength: 8 }), fc.integer({ min: 1, max: 4 }), (gaps, history, attemptsMax) => {
      const past: PastRequest[] = history.map((h) => ({ recordFrom: h.r.from, recordTo: h.r.to, windowFromMs: 0, windowToMs: 1, gapKey: `records:${h.r.from}-${h.r.to}`, attempt: h.attempt, state: h.state }))
      for (const { gap, attempt } of planGapRequests(gaps, past, { attemptsMax })) {
        if (past.some((p) => isOpen(p.state) && p.recordFrom! <= gap.from && gap.to <= p.recordTo!)) return false
        const same = past.filter((p) => p.gapKey === `records:${gap.from}-${gap.to}`)
        if (same.some((p) => p.state === 'filled')) return false
        if (attempt > attemptsMax || attempt !== same.reduce((n, p) => Math.max(n, p.attempt), 0) + 1) return false
      }
      return true
    }),
  )
})
