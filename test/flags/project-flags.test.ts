import t from 'tap'
import fc from 'fast-check'
import { holds } from '../helpers/property.ts'
import { fen } from '../../src/kernel/money.ts'
import {
  GROUP_ARREARS_WORKERS_MIN,
  mayBeOversized,
  OVERSIZED_MONTH_FEN,
  exitedUnsettled,
  groupArrears,
  headcountGap,
  oversized,
  paymentPendingTooLong,
  sharedCard,
  type PaymentFor,
  type WorkerStanding,
} from '../../src/flags/project-flags.ts'
import { applyRun, caseKey } from '../../src/flags/cases.ts'

const MONTH = '2026-03'
const CARD_A = '6222020200110000001'
const CARD_B = '6222 0202 0011 0000 002'

const pay = (lineId: string, card: string, forWorkerId: string | null, yuan: number): PaymentFor => ({ lineId, payeeCard: card, forWorkerId, amountFen: fen(yuan * 100), valueDate: '2026-04-10' })

t.test('SHARED_CARD: one card paid for two workers, one flag per card, cards masked in evidence', async (t) => {
  const payments = [pay('L3', CARD_B, 'w3', 100), pay('L1', CARD_A, 'w1', 5000), pay('L2', CARD_A, 'w2', 4000), pay('L4', CARD_A, 'w1', 10), pay('L5', CARD_B, null, 7)]
  const flags = sharedCard(MONTH, payments)
  t.equal(flags.length, 1, 'CARD_B paid for one worker (and one line for nobody named) is not shared')
  const [f] = flags
  t.match(f, { kind: 'SHARED_CARD', workerId: null, payeeCard: CARD_A, dueFen: null, paidFen: 901000 })
  t.same(f?.evidence.workers, [
    { workerId: 'w1', lines: 2, amountFen: 501000, amountYuan: '5010.00', lineIds: ['L1', 'L4'] },
    { workerId: 'w2', lines: 1, amountFen: 400000, amountYuan: '4000.00', lineIds: ['L2'] },
  ])
  t.equal(f?.evidence.payeeCard, '****0001')
  t.notMatch(JSON.stringify(f?.evidence), /6222020200110000001/, 'no full card in the evidence')
  t.same(sharedCard(MONTH, [...payments].reverse()), flags, 'order of lines does not matter')
  t.same(sharedCard(MONTH, [pay('L1', CARD_B, 'w1', 1), pay('L2', '6222020200110000002', 'w2', 1)])[0]?.payeeCard, '6222020200110000002', 'spaces do not make two cards')
})

t.test('OVERSIZED: over ¥50,000 in the month, or the month the year passes ¥300,000', async (t) => {
  const m = (workerId: string, month: string, yuan: number) => ({ workerId, month, paidFen: fen(yuan * 100) })
  t.same(oversized(MONTH, [m('w1', MONTH, 50_000)]).flags, [], 'exactly ¥50,000 is not over')
  const r = oversized(MONTH, [{ workerId: 'w1', month: MONTH, paidFen: fen(OVERSIZED_MONTH_FEN + 1) }])
  t.match(r.flags, [{ kind: 'OVERSIZED', workerId: 'w1', paidFen: 5_000_001, evidence: { rules: ['month'], monthYuan: '50000.01' } }])

  // ¥48,000 a month (never over the month's limit): ¥288,000 by June, ¥308,000 in July; not again in August.
  const year = [...['01', '02', '03', '04', '05', '06'].map((mm) => m('w2', `2026-${mm}`, 48_000)), m('w2', '2026-07', 20_000), m('w2', '2026-08', 10_000), m('w2', '2025-12', 400_000)]
  t.match(oversized('2026-07', year).flags, [{ workerId: 'w2', paidFen: 2_000_000, evidence: { rules: ['year'], yearToDateFen: 30_800_000 } }])
  t.same(oversized('2026-08', year).flags, [], 'the crossing month only')
  t.same(oversized('2026-06', year).flags, [], 'later months do not count towards an earlier one, nor last year')
  t.match(oversized('2026-02', [m('w2', '2026-02', 310_000)]).flags, [{ evidence: { rules: ['month', 'year'] } }])
  t.same(oversized(MONTH, [m('w3', '2026-3', 1)]).problems, [{ code: 'invalid_date', field: 'month', value: '2026-3', ref: 'w3' }])
  t.same(oversized('March', []).flags, [])
})

t.test('GROUP_ARREARS: 10 or more workers unpaid or short', async (t) => {
  const standing = (n: number, paidYuan: number): WorkerStanding[] =>
    Array.from({ length: n }, (_, i) => ({ workerId: `w${String(i).padStart(2, '0')}`, dueFen: fen(500_000), paidFen: fen(paidYuan * 100) }))
  const paidInFull = standing(30, 5000).map((w) => ({ ...w, workerId: `z${w.workerId}` }))
  t.same(groupArrears(MONTH, [...standing(GROUP_ARREARS_WORKERS_MIN - 1, 0), ...paidInFull]), [], 'nine is not a group incident')
  const nothingDue = { workerId: 'y1', dueFen: fen(0), paidFen: fen(0) }
  const [f] = groupArrears(MONTH, [...standing(6, 0), ...standing(10, 2000).slice(6), nothingDue, ...paidInFull])
  t.match(f, { kind: 'GROUP_ARREARS', workerId: null, payeeCard: null, dueFen: 5_000_000, paidFen: 4 * 200_000, evidence: { workerCount: 10, unpaidCount: 6, shortFen: 4_200_000, shortYuan: '42000.00' } })
  t.equal((f?.evidence.workers as unknown[]).length, 10)
  t.equal((groupArrears(MONTH, standing(50, 0))[0]?.evidence.workers as unknown[]).length, 20, 'evidence bounded')
})

t.test('HEADCOUNT_GAP: 10% or more of attended workers without a payout, after the pay date', async (t) => {
  const attended = Array.from({ length: 20 }, (_, i) => `w${i}`)
  const input = { month: MONTH, payDate: '2026-04-15', asOf: '2026-04-16', attended, paid: attended.slice(2) }
  t.match(headcountGap(input).flags, [{ kind: 'HEADCOUNT_GAP', evidence: { attendedCount: 20, withoutPayoutCount: 2, workers: [{ workerId: 'w0' }, { workerId: 'w1' }] } }], '2 of 20 is 10%')
  t.same(headcountGap({ ...input, paid: attended.slice(1) }).flags, [], '1 of 20 is 5%')
  t.same(headcountGap({ ...input, asOf: '2026-04-15' }).flags, [], 'not before the pay date has passed')
  t.same(headcountGap({ ...input, attended: [], paid: [] }).flags, [])
  t.same(headcountGap({ ...input, paid: [...attended.slice(2), 'x-not-attended'], attended: [...attended, 'w0'] }).flags.length, 1, 'duplicates and others do not skew it')
  t.same(headcountGap({ ...input, asOf: '16/04/2026' }).problems, [{ code: 'invalid_date', field: 'asOf', value: '16/04/2026', ref: 'input' }])
})

t.test('EXITED_UNSETTLED: not paid in full by exit + grace; raised while unsettled', async (t) => {
  const worker = { workerId: 'w1', exitDate: '2026-03-20', payeeCard: CARD_B, dueFen: fen(800_000), paid: [{ amountFen: fen(300_000), valueDate: '2026-03-20' }] }
  t.same(exitedUnsettled([worker], '2026-03-23').flags, [], 'within the 3-day grace')
  const r = exitedUnsettled([worker], '2026-03-24')
  t.match(r.flags, [{ kind: 'EXITED_UNSETTLED', workerId: 'w1', payeeCard: '6222020200110000002', dueFen: 800_000, paidFen: 300_000, evidence: { period: '2026-03', deadline: '2026-03-23', shortFen: 500_000, paidByDeadlineFen: 300_000, payeeCard: '****0002' } }])
  t.same(exitedUnsettled([worker], '2026-03-21', 0).flags.length, 1, 'the strict reading: the exit day itself')
  const settledLate = { ...worker, paid: [...worker.paid, { amountFen: fen(500_000), valueDate: '2026-03-28' }] }
  t.match(exitedUnsettled([settledLate], '2026-03-27').flags, [{ paidFen: 300_000 }], 'not yet')
  t.same(exitedUnsettled([settledLate], '2026-03-28').flags, [], 'settled: the case resolves')
  t.same(exitedUnsettled([{ ...worker, exitDate: '2026-02-30' }], '2026-04-01').problems, [{ code: 'invalid_date', field: 'exitDate', value: '2026-02-30', ref: 'w1' }])
})

t.test('PAYMENT_PENDING_TOO_LONG: pending more than N days, one flag per worker-month', async (t) => {
  const p = (lineId: string, workerId: string | null, since: string, yuan = 100) => ({ lineId, workerId, payeeCard: CARD_A, amountFen: fen(yuan * 100), month: MONTH, pendingSince: since })
  const pending = [p('L1', 'w1', '2026-04-10'), p('L2', 'w1', '2026-04-12'), p('L3', 'w2', '2026-04-14'), p('L4', null, '2026-04-01', 7)]
  const r = paymentPendingTooLong(pending, '2026-04-15')
  t.same(
    r.flags.map((f) => [f.workerId, f.payeeCard, f.evidence.count, f.evidence.pendingFen]),
    [
      [null, CARD_A, 1, 700],
      ['w1', null, 1, 10_000],
    ],
    'L2 is 3 days old (the default allows 3), L3 1 day; a line with no worker is flagged on its card',
  )
  t.match(r.flags[1]?.evidence.lines, [{ lineId: 'L1', payeeCard: '****0001', days: 5 }])
  t.same(paymentPendingTooLong(pending, '2026-04-15', 0).flags.map((f) => f.evidence.count), [1, 2, 1])
  t.same(paymentPendingTooLong([p('L9', 'w1', 'soon')], '2026-04-15').problems, [{ code: 'invalid_date', field: 'pendingSince', value: 'soon', ref: 'L9' }])
})

t.test('the flags open cases like any other', async (t) => {
  const flags = [...sharedCard(MONTH, [pay('L1', CARD_A, 'w1', 1), pay('L2', CARD_A, 'w2', 1)]), ...groupArrears(MONTH, Array.from({ length: 10 }, (_, i) => ({ workerId: `w${i}`, dueFen: fen(100), paidFen: fen(0) })))]
  const { events, problems } = applyRun([], { runId: 'r1', projectId: 'p1', month: MONTH, atMs: 0, flags })
  t.same(problems, [])
  t.same(
    events.map((e) => e.caseKey),
    [caseKey('p1', MONTH, flags[1]!), caseKey('p1', MONTH, flags[0]!)].sort(),
  )
})

t.test('mayBeOversized is false only for a worker OVERSIZED cannot flag', async (t) => {
  const months = ['2025-12', '2026-01', '2026-02', MONTH, '2026-04']
  const row = fc.record({
    workerId: fc.constantFrom('w1', 'w2', 'w3'),
    month: fc.constantFrom(...months),
    paidFen: fc.oneof(fc.integer({ min: -40_000_000, max: 40_000_000 }), fc.integer({ min: 0, max: 6_000_000 })).map(fen),
  })
  holds(
    t,
    'every flagged worker is one mayBeOversized admits, from this month\'s total and the absolute sum of the earlier rows',
    fc.property(fc.array(row, { maxLength: 12 }), (rows) => {
      const flagged = oversized(MONTH, rows).flags.map((f) => f.workerId)
      return flagged.every((workerId) => {
        const mine = rows.filter((r) => r.workerId === workerId)
        const monthFen = mine.filter((r) => r.month === MONTH).reduce((n, r) => n + r.paidFen, 0)
        const earlierAbsFen = mine.filter((r) => r.month < MONTH).reduce((n, r) => n + Math.abs(r.paidFen), 0)
        return mayBeOversized(fen(monthFen), earlierAbsFen)
      })
    }),
    { numRuns: 2000 },
  )
  t.notOk(mayBeOversized(fen(OVERSIZED_MONTH_FEN), 25_000_000 - OVERSIZED_MONTH_FEN), 'at the month\'s limit and under the year\'s: nothing to flag')
  t.ok(mayBeOversized(fen(OVERSIZED_MONTH_FEN + 1), 0), 'over the month')
  t.ok(mayBeOversized(fen(1), Number.NaN), 'an earlier sum that is not a number is no bound')
})

t.test('HEADCOUNT_GAP counts each attended worker once, paid or not', async (t) => {
  const base = { month: MONTH, payDate: '2026-04-15', asOf: '2026-04-20' }
  const r = headcountGap({ ...base, attended: ['w1', 'w2', 'w1', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8', 'w9', 'w10', 'w2'], paid: ['w2', 'w1', 'w1', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8', 'w9', 'x'] })
  t.match(r.flags, [{ kind: 'HEADCOUNT_GAP', evidence: { attendedCount: 10, withoutPayoutCount: 1, workers: [{ workerId: 'w10' }] } }])
})
