/** The payroll sheet rules, directly: the state machine, the next version, and lines made from a month, adjustments and inputs. */
import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import type { MinimumWageTable } from '../../src/payroll/minimum-wage.ts'
import {
  answerCounts,
  makeSheetLine,
  minimumWageFinding,
  moneyStateOf,
  nextVersion,
  reopeningsOf,
  SHEET_STATES,
  SHEET_TRANSITIONS,
  stateOf,
  transition,
  type SheetAction,
  type SheetState,
} from '../../src/payroll/sheet-rules.ts'
import type { PieceQuantity } from '../../src/payroll/terms.ts'
import { codeOf, daily, MONTH, version } from './helpers/terms.ts'

t.test('the state machine: every action from every state', async (t) => {
  const table: Record<SheetAction, SheetState[]> = {
    send: ['draft'],
    submit: ['sent'],
    approve: ['submitted'],
    instruct: ['approved'],
    settle: ['instructed'],
    reopen: ['settled'],
    withdraw: ['draft', 'sent', 'submitted'],
    supersede: ['approved', 'instructed', 'settled'],
  }
  const to: Record<SheetAction, SheetState> = { send: 'sent', submit: 'submitted', approve: 'approved', instruct: 'instructed', settle: 'settled', reopen: 'instructed', withdraw: 'withdrawn', supersede: 'superseded' }
  for (const action of Object.keys(table) as SheetAction[]) {
    for (const state of SHEET_STATES) {
      const r = transition(state, action)
      if (table[action].includes(state)) t.same(r, { ok: true, to: to[action] }, `${action} from ${state}`)
      else t.same(r, { ok: false, state, allowedFrom: SHEET_TRANSITIONS[action].from }, `${action} refused from ${state}`)
    }
  }
  t.notOk(transition('withdrawn', 'send').ok, 'a withdrawn sheet is final')
  t.notOk(transition('superseded', 'approve').ok, 'a superseded sheet is final')
  t.notOk(transition('approved', 'withdraw').ok, 'no withdrawal after approval: a new version instead')
})

t.test('state and money state from the events', async (t) => {
  const ev = (...s: SheetState[]) => s.map((state) => ({ state }))
  t.equal(stateOf(ev('draft', 'sent')), 'sent')
  t.equal(stateOf(ev('draft', 'sent', 'submitted', 'approved', 'superseded')), 'superseded')
  t.equal(moneyStateOf(ev('draft', 'sent', 'submitted', 'approved', 'instructed', 'superseded')), 'instructed', 'a superseded sheet keeps where its money stands')
  t.throws(() => stateOf([]))
})

t.test('reopenings: each time a return took the money from settled back to instructed', async (t) => {
  const ev = (...s: SheetState[]) => s.map((state) => ({ state }))
  t.equal(reopeningsOf(ev('draft', 'sent', 'submitted', 'approved', 'instructed', 'settled')), 0)
  t.equal(reopeningsOf(ev('approved', 'instructed', 'settled', 'instructed')), 1)
  t.equal(reopeningsOf(ev('approved', 'instructed', 'settled', 'instructed', 'settled', 'instructed', 'settled')), 2)
  t.equal(reopeningsOf(ev('approved', 'instructed', 'settled', 'superseded', 'instructed', 'superseded')), 1, 'a superseded sheet in force reopened')
  t.equal(reopeningsOf(ev('approved', 'instructed', 'settled', 'superseded', 'settled')), 0, 'put back in force, settled: no reopening')
})

t.test('the next version of a team-month', async (t) => {
  t.same(nextVersion([]), { ok: true, version: 1, supersedes: null })
  t.same(nextVersion([{ id: 'a', version: 1, state: 'sent' }]), { ok: false, liveId: 'a', version: 1, state: 'sent' }, 'a live sheet blocks a new one')
  t.same(nextVersion([{ id: 'a', version: 1, state: 'withdrawn' }]), { ok: true, version: 2, supersedes: null }, 'after a withdrawal, a new one')
  t.same(nextVersion([{ id: 'a', version: 1, state: 'approved' }]), { ok: true, version: 2, supersedes: 'a' }, 'after approval, the next version supersedes')
  t.same(nextVersion([{ id: 'a', version: 1, state: 'settled' }, { id: 'b', version: 2, state: 'draft' }]), { ok: false, liveId: 'b', version: 2, state: 'draft' })
  t.same(nextVersion([{ id: 'b', version: 2, state: 'instructed' }, { id: 'a', version: 1, state: 'superseded' }]), { ok: true, version: 3, supersedes: 'b' }, 'in any order given')
  t.same(
    nextVersion([{ id: 'a', version: 1, state: 'approved' }, { id: 'b', version: 2, state: 'withdrawn' }]),
    { ok: true, version: 3, supersedes: 'a' },
    'a withdrawn correction: the approved sheet before it is live and is superseded by the next',
  )
})

const days = (n: number, from = 1) => Array.from({ length: n }, (_, i) => ({ workDate: `${MONTH}-${String(from + i).padStart(2, '0')}`, creditHalves: 2, workedMinutes: 480 }))

t.test('a line from the month, an adjustment priced at the old rate after a rise, additions and deductions', async (t) => {
  // 350 a day until 2026-10-31, 400 from the 1st of November: an October day added in November pays at 350.
  const versions = [version('v1', '2026-09-01', daily(35_000)), version('v2', `${MONTH}-01`, daily(40_000))]
  const line = makeSheetLine({
    workerId: 'w1',
    enrolmentId: 'e1',
    period: MONTH,
    versions,
    days: days(10),
    adjustments: [
      { id: 'adj1', workDate: '2026-10-12', deltaHalves: 2, deltaMinutes: 480, cause: 'correction' },
      { id: 'adj2', workDate: '2026-10-13', deltaHalves: -1, deltaMinutes: -240, cause: 'late_punch' },
    ],
    additions: [{ reason: '高温补贴', amountFen: fen(10_000) }],
    deductions: [
      { reason: 'advance', amountFen: fen(100_000) },
      { reason: 'income_tax', amountFen: fen(1_234) },
    ],
  })
  t.equal(line.creditHalves, 20)
  t.equal(line.adjustmentHalves, 1)
  t.equal(line.adjustmentMinutes, 240)
  t.match(line.adjustments, [
    { adjustmentId: 'adj1', versionId: 'v1', rateFen: 35_000, amountFen: 35_000 },
    { adjustmentId: 'adj2', versionId: 'v1', rateFen: 35_000, amountFen: -17_500 },
  ])
  t.same(
    line.payable.map((i) => [i.kind, i.amountFen]),
    [
      ['base', 400_000],
      ['addition', 10_000],
      ['adjustment', 35_000],
    ],
  )
  t.equal(line.payableFen, 445_000)
  t.match(line.deductions, [
    { reason: 'other', adjustmentId: 'adj2', amountFen: 17_500, appliedFen: 17_500 },
    { reason: 'advance', appliedFen: 100_000 },
    { reason: 'income_tax', appliedFen: 1_234 },
  ], 'the day taken back comes off first, then the deductions in entry order')
  t.equal(line.deductedFen, 118_734)
  t.equal(line.netFen, 445_000 - 118_734)
  t.equal(line.monthPayableFen, 410_000, 'the month itself, without the adjustments')
})

t.test('deductions stop at zero net; the rest is unapplied, never dropped', async (t) => {
  const line = makeSheetLine({
    workerId: 'w1',
    enrolmentId: 'e1',
    period: MONTH,
    versions: [version('v1', '2026-01-01', daily(30_000))],
    days: days(1),
    adjustments: [{ id: 'adj', workDate: '2026-10-02', deltaHalves: -2, deltaMinutes: 0, cause: 'correction' }],
    deductions: [{ reason: 'advance', amountFen: fen(50_000) }],
  })
  t.equal(line.payableFen, 30_000)
  t.match(line.deductions, [
    { adjustmentId: 'adj', appliedFen: 30_000, unappliedFen: 0 },
    { reason: 'advance', appliedFen: 0, unappliedFen: 50_000 },
  ])
  t.equal(line.netFen, 0)
  t.equal(line.unappliedFen, 50_000)
})

t.test('adjustments under hourly, monthly and piece terms, each rounded once', async (t) => {
  const mk = (terms: Parameters<typeof version>[2], deltaHalves: number, deltaMinutes: number) =>
    makeSheetLine({ workerId: 'w', enrolmentId: 'e1', period: MONTH, versions: [version('v', '2026-01-01', terms)], days: [], adjustments: [{ id: 'a', workDate: '2026-10-05', deltaHalves, deltaMinutes, cause: 'x' }] }).adjustments[0]!
  t.equal(mk({ kind: 'hourly', hourlyRateFen: fen(2_501) }, 0, 61).amountFen, 2_543, '2501 × 61 ÷ 60 = 2542.68 → 2543')
  t.equal(mk({ kind: 'monthly', monthlyWageFen: fen(600_000), expectedDays: 22 }, 1, 0).amountFen, 13_636, '600000 × 1 ÷ 44 = 13636.36 → 13636')
  t.equal(mk({ kind: 'piece', rates: [] }, 2, 480).amountFen, 0, 'attendance does not pay piece work')
  t.equal(mk(daily(33_333), -1, 0).amountFen, -16_667, 'half of 333.33 taken back, rounded half up away from zero')
})

t.test('an adjustment before the first terms cannot be priced', async (t) => {
  t.equal(
    codeOf(() => makeSheetLine({ workerId: 'w', enrolmentId: 'e1', period: MONTH, versions: [version('v', `${MONTH}-01`, daily(1))], days: [], adjustments: [{ id: 'a', workDate: '2026-10-31', deltaHalves: 2, deltaMinutes: 0, cause: 'x' }] })),
    'attendance_without_terms',
  )
  t.equal(codeOf(() => makeSheetLine({ workerId: 'w', enrolmentId: 'e1', period: MONTH, versions: [version('v', `${MONTH}-10`, daily(1))], days: days(1) })), 'attendance_without_terms', 'a day of the month too')
  t.equal(codeOf(() => makeSheetLine({ workerId: 'w', enrolmentId: 'e1', period: MONTH, versions: [version('v', `${MONTH}-01`, daily(1))], days: [], deductions: [{ reason: 'other', amountFen: fen(1) }] })), 'pay_item_invalid', 'a deduction for another reason needs a note')
})

t.test('piece quantities: confirmed paid; unconfirmed and disputed held and shown', async (t) => {
  const q = (id: string, quantity: string, confirmed: boolean): PieceQuantity => ({ id, enrolmentId: 'e1', itemKind: '砌砖', quantity, workDate: `${MONTH}-15`, enteredBy: 'tm', confirmedAtMs: confirmed ? 1 : null })
  const line = makeSheetLine({
    workerId: 'w',
    enrolmentId: 'e1',
    period: MONTH,
    versions: [version('v', '2026-01-01', { kind: 'piece', rates: [{ itemKind: '砌砖', unitPriceFen: fen(8_500) }] })],
    days: days(3),
    pieceQuantities: [q('q1', '10.5', true), q('q2', '3', false), q('q3', '2', false)],
    disputedQuantityIds: ['q3'],
  })
  t.equal(line.payableFen, 89_250)
  t.same(
    line.heldPieceQuantities.map((h) => [h.id, h.disputed]),
    [
      ['q2', false],
      ['q3', true],
    ],
  )
})

t.test('the minimum wage finding: a full-time month below the minimum, judged on the month itself', async (t) => {
  const table: MinimumWageTable = {
    provinceCode: '99',
    standards: [{ effectiveFrom: '2020-01-01', source: 'test', tiers: { 1: { monthlyFen: fen(200_000), hourlyFen: fen(2_000) } }, assignments: [{ regionCode: '990000', tier: 1, source: 'test' }] }],
  }
  const mk = (rate: number, n: number, extra: Partial<Parameters<typeof makeSheetLine>[0]> = {}) =>
    makeSheetLine({ workerId: 'w', enrolmentId: 'e1', period: MONTH, versions: [version('v', '2026-01-01', daily(rate))], days: days(n), ...extra })
  t.match(minimumWageFinding(mk(9_000, 22), '990101', [table]), { code: 'BELOW_MINIMUM_WAGE', evidence: { basis: 'monthly', minimumFen: 200_000, countedFen: 198_000 } }, '22 days × 90 yuan is below 2000')
  t.equal(minimumWageFinding(mk(9_100, 22), '990101', [table]), null, '22 days × 91 yuan meets it')
  t.equal(minimumWageFinding(mk(5_000, 21), '990101', [table]), null, '21 days under daily terms is not full-time (21.75): not judged')
  t.equal(minimumWageFinding(mk(9_100, 22, { deductions: [{ reason: 'advance', amountFen: fen(100_000) }] }), '990101', [table]), null, 'an advance is the worker’s money: it does not count against the minimum')
  t.ok(minimumWageFinding(mk(9_100, 22, { deductions: [{ reason: 'other', note: '罚款', amountFen: fen(10_000) }] }), '990101', [table]), 'a fine does')
  t.ok(minimumWageFinding(mk(9_000, 22, { adjustments: [{ id: 'a', workDate: '2026-10-01', deltaHalves: 2, deltaMinutes: 0, cause: 'x' }] }), '990101', [table]), 'pay for an earlier month does not lift this month above the minimum')
  t.equal(minimumWageFinding(mk(9_000, 22), '110101', [table]), null, 'a region without a known minimum: no finding')
})

t.test('answer counts', async (t) => {
  t.same(answerCounts(['a', 'b', 'c', 'd'], new Map([['a', { decision: 'confirm' as const }], ['b', { decision: 'dispute' as const }]])), { confirmed: 1, disputed: 1, unanswered: 2 })
})
