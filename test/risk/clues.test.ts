/**
 * Complaint clues on their clocks (src/risk/clues.ts), pure: the route (received → checked → routed → at the bureau →
 * resolved) and its refusals; the 7-day routing and 15-day resolution clocks in Asia/Shanghai across a weekend, a
 * month's end and February; major incidents at 10 workers or ¥5M with their 2-hour report clock.
 */
import t from 'tap'
import fc from 'fast-check'
import { fen } from '../../src/kernel/money.ts'
import { addDays, workDateOf } from '../../src/kernel/time.ts'
import { clueClocks, clueState, incidentReportClock, majorIncident, routeFor, type ClueStep } from '../../src/risk/clues.ts'
import { holds } from '../helpers/property.ts'

const TZ = 'Asia/Shanghai'
/** Wall time in Shanghai (UTC+8, no daylight saving) as an instant. */
const sh = (local: string): number => Date.parse(`${local}+08:00`)

const route = (receivedAt: string, cause: 'real_name_failure' | 'illegal_contracting' | 'other' = 'real_name_failure'): ClueStep[] => [
  { type: 'received', channel: 'worker_page', atMs: sh(receivedAt), actor: 'worker' },
  { type: 'checked', cause, atMs: sh(receivedAt) + 3_600_000, actor: 'lm', note: '花名册无此人' },
]

t.test('the route: the check decides where it goes; steps out of order are refused with the reason', async (t) => {
  t.equal(routeFor('real_name_failure'), 'construction_bureau')
  t.equal(routeFor('illegal_contracting'), 'construction_bureau')
  t.equal(routeFor('other'), 'hrss_bureau')
  const steps = route('2026-11-02T10:00:00')
  t.match(clueState(steps), { ok: true, state: 'checked' })
  const full: ClueStep[] = [
    ...steps,
    { type: 'routed', to: 'construction_bureau', atMs: sh('2026-11-03T09:00:00'), actor: 'lm' },
    { type: 'bureau_received', atMs: sh('2026-11-04T09:00:00'), actor: '住建局' },
    { type: 'resolved', atMs: sh('2026-11-10T09:00:00'), actor: '住建局', outcome: '已足额支付' },
  ]
  t.match(clueState(full), { ok: true, state: 'resolved' })
  t.match(clueState([]), { ok: false, refusal: { reason: 'a clue starts with its receipt' } })
  t.match(clueState([steps[0]!, { type: 'routed', to: 'construction_bureau', atMs: sh('2026-11-03T09:00:00'), actor: 'lm' }]), { ok: false, at: 1, refusal: { code: 'clue_step_order', reason: 'routed cannot follow received' } })
  t.match(clueState([...route('2026-11-02T10:00:00', 'other'), { type: 'routed', to: 'construction_bureau', atMs: sh('2026-11-03T09:00:00'), actor: 'lm' }]), {
    ok: false,
    refusal: { reason: 'a clue checked as other goes to the hrss_bureau, not the construction_bureau' },
  })
  t.match(clueState([...steps, { type: 'routed', to: 'construction_bureau', atMs: sh('2026-11-01T09:00:00'), actor: 'lm' }]), { ok: false, refusal: { reason: 'routed is dated before the step it follows' } })
  t.match(clueState([...full, { type: 'resolved', atMs: sh('2026-11-11T09:00:00'), actor: 'x', outcome: 'again' }]), { ok: false, refusal: { reason: 'resolved cannot follow resolved' } })
  // The bureau's clock starts on its receipt: a clue it must have is not resolved past it.
  t.match(clueState([...full.slice(0, 3), { type: 'resolved', atMs: sh('2026-11-10T09:00:00'), actor: 'lm', outcome: '已足额支付' }]), {
    ok: false,
    at: 3,
    refusal: { reason: 'a clue routed to the construction bureau is resolved there: record its receipt (bureau_received) first' },
  })
  const toHrss: ClueStep[] = [...route('2026-11-02T10:00:00', 'other'), { type: 'routed', to: 'hrss_bureau', atMs: sh('2026-11-03T09:00:00'), actor: 'lm' }]
  t.match(clueState([...toHrss, { type: 'resolved', atMs: sh('2026-11-10T09:00:00'), actor: '人社', outcome: '已足额支付' }]), { ok: true, state: 'resolved' }, '人社 resolves from its route')
})

t.test('the routing clock: 7 calendar days in Shanghai, due to the end of the 7th day after receipt, weekends counted', async (t) => {
  // Received Friday 2026-11-27 at 23:30 Shanghai (15:30 UTC, still the 27th there).
  const steps = route('2026-11-27T23:30:00')
  const [clock] = clueClocks(steps, sh('2026-11-30T12:00:00'), TZ)
  t.match(clock, { clock: 'routing', startedOn: '2026-11-27', dueOn: '2026-12-04', overdue: false, daysLeft: 4, metAtMs: undefined }, 'across the month end')
  t.equal(clock!.overdueAtMs, sh('2026-12-05T00:00:00'), 'overdue from 00:00 on the 5th, Shanghai')
  t.match(clueClocks(steps, sh('2026-12-04T23:59:59'), TZ)[0], { overdue: false, daysLeft: 0 }, 'the last second of the due day is in time')
  t.match(clueClocks(steps, sh('2026-12-05T00:00:00'), TZ)[0], { overdue: true, daysLeft: -1 })
  const routedLate = [...steps, { type: 'routed' as const, to: 'construction_bureau' as const, atMs: sh('2026-12-05T08:00:00'), actor: 'lm' }]
  t.match(clueClocks(routedLate, sh('2026-12-20T00:00:00'), TZ)[0], { overdue: true, metAtMs: sh('2026-12-05T08:00:00'), daysLeft: undefined }, 'met late stays late')
  const routedInTime = [...steps, { type: 'routed' as const, to: 'construction_bureau' as const, atMs: sh('2026-12-04T18:00:00'), actor: 'lm' }]
  t.match(clueClocks(routedInTime, sh('2026-12-20T00:00:00'), TZ)[0], { overdue: false })
})

t.test('the resolution clock: 15 days from the bureau’s receipt, across February', async (t) => {
  for (const [year, due] of [
    ['2027', '2027-03-12'],
    ['2028', '2028-03-11'],
  ] as const) {
    const steps: ClueStep[] = [
      ...route(`${year}-02-20T09:00:00`),
      { type: 'routed', to: 'construction_bureau', atMs: sh(`${year}-02-21T09:00:00`), actor: 'lm' },
      { type: 'bureau_received', atMs: sh(`${year}-02-25T16:00:00`), actor: '住建局' },
    ]
    const clocks = clueClocks(steps, sh(`${year}-03-01T10:00:00`), TZ)
    t.same(clocks.map((c) => c.clock), ['routing', 'resolution'])
    t.match(clocks[1], { startedOn: `${year}-02-25`, dueOn: due, overdue: false }, `${year}: due ${due}`)
  }
  t.same(clueClocks([], 0, TZ), [], 'no receipt, no clock')
})

t.test('property: the routing clock is overdue exactly from 00:00 Shanghai on the 8th day after the receipt’s date', async (t) => {
  holds(
    t,
    'overdue ⇔ now ≥ start of (receipt date + 8)',
    fc.property(fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2030-12-31T00:00:00Z') }), fc.integer({ min: 0, max: 20 * 86_400_000 }), (receivedMs, later) => {
      const steps: ClueStep[] = [{ type: 'received', channel: 'hotline_12333', atMs: receivedMs, actor: 'staff' }]
      const nowMs = receivedMs + later
      const [c] = clueClocks(steps, nowMs, TZ)
      const boundary = Date.parse(`${addDays(workDateOf(receivedMs, TZ), 8)}T00:00:00+08:00`)
      return c!.overdue === nowMs >= boundary && c!.overdueAtMs === boundary
    }),
  )
})

t.test('major incidents: 10 workers or ¥5,000,000, reported within 2 hours', async (t) => {
  t.equal(majorIncident({ headcount: 9, amountFen: fen(499_999_999) }), undefined)
  t.same(majorIncident({ headcount: 10, amountFen: fen(0) }), { reasons: ['headcount'] })
  t.same(majorIncident({ headcount: 3, amountFen: fen(500_000_000) }), { reasons: ['amount'] })
  t.same(majorIncident({ headcount: 12, amountFen: fen(600_000_000) }), { reasons: ['headcount', 'amount'] })
  const at = sh('2026-12-04T10:00:00')
  t.same(incidentReportClock(at, undefined, at + 3_600_000), { dueAtMs: at + 7_200_000, met: false, overdue: false })
  t.same(incidentReportClock(at, undefined, at + 7_200_001), { dueAtMs: at + 7_200_000, met: false, overdue: true })
  t.same(incidentReportClock(at, at + 7_200_000, at + 9e6), { dueAtMs: at + 7_200_000, met: true, overdue: false }, 'reported on the dot is in time')
})
