/**
 * Reconciliation against the approved payroll sheets (issue 10), pure: what is due is the approved line's 实发 (a
 * deduction is no shortfall), a team without an approved sheet keeps its timesheet due and is flagged after pay day,
 * unanswered and disputed lines are flagged, payouts not debited from the dedicated account do not count, and the
 * month's funding and deposit flags are listed in kind order.
 */
import t from 'tap'
import type { DedicatedAccount } from '../../src/account/funding.ts'
import { fen, type Fen } from '../../src/kernel/money.ts'
import type { ApprovedLine, ApprovedTeamMonth } from '../../src/payroll/approved.ts'
import { FLAG_KINDS, reconcile, type CardOwner, type DueLine, type PaidLine, type ReconcileInput } from '../../src/payouts/reconcile.ts'

const PERIOD = '2024-02'
const PAY_DATE = '2024-03-15'
const ZHANG = { workerId: 'w-zhang', workerName: '张伟', cardNo: '6222020200110000001' }
const LI = { workerId: 'w-li', workerName: '李娜', cardNo: '6222020200110000002' }
const WANG = { workerId: 'w-wang', workerName: '王芳', cardNo: '6222020200110000003' }
const ACCOUNT: DedicatedAccount = { projectId: 'p1', bank: '工商银行杭州分行', bankCode: '102331000001', accountNo: '1202020209000012345', accountName: '某总包某项目农民工工资专用账户', openedOn: '2024-01-01' }

const owners = new Map<string, CardOwner>([ZHANG, LI, WANG].map((w) => [w.cardNo, { workerId: w.workerId, workerName: w.workerName }]))

function line(w: typeof ZHANG, netYuan: number, opts: { payableYuan?: number; answer?: ApprovedLine['answer']; sheetId?: string } = {}): ApprovedLine {
  return {
    sheetId: opts.sheetId ?? 'S-A',
    lineId: `SL-${w.workerId}`,
    workerId: w.workerId,
    workerName: w.workerName,
    cardNo: w.cardNo,
    netFen: fen(netYuan * 100),
    payableFen: fen((opts.payableYuan ?? netYuan) * 100),
    dayHalves: 44,
    answer: opts.answer === undefined ? 'confirm' : opts.answer,
    answeredAtMs: opts.answer === null ? null : Date.UTC(2024, 2, 2),
  }
}

function sheet(teamId: string, sheetId: string, lines: ApprovedLine[], state: ApprovedTeamMonth['state'] = 'approved'): ApprovedTeamMonth {
  return {
    teamId,
    teamName: `班组${teamId}`,
    sheetId,
    version: 2,
    state,
    approvedAtMs: Date.UTC(2024, 2, 5),
    approvedBy: 'lm',
    netFen: fen(lines.reduce((n, l) => n + l.netFen, 0)),
    lines: lines.map((l) => ({ ...l, sheetId })),
  }
}

const timesheetDue = (w: typeof ZHANG, yuan: number, teamId: string, days = 22): DueLine => ({ ...w, dueFen: fen(yuan * 100), daysPresent: days, teamId, teamName: `班组${teamId}` })

let n = 0
function paid(w: typeof ZHANG, yuan: number, extra: Partial<PaidLine> = {}): PaidLine {
  n++
  return { lineId: `L${n}`, fileId: 'F1', lineNo: n + 1, payeeCard: w.cardNo, payeeName: w.workerName, amountFen: fen(yuan * 100), status: 'success', bankRef: `B${n}`, valueDate: '2024-03-14', failureReason: null, ...extra }
}

function run(over: Partial<ReconcileInput> & { approved?: ApprovedTeamMonth[]; asOf?: string; pending?: Map<string, { sheetId: string; version: number; state: string }> }) {
  const { approved = [], asOf = '2024-03-10', pending = new Map(), ...rest } = over
  return reconcile({ period: PERIOD, payDate: PAY_DATE, due: [], payouts: [], cardOwners: owners, sheets: { approved, pending, asOf }, ...rest })
}

t.test('what is due is the approved net: a deduction is not a shortfall', async (t) => {
  // Timesheet says 6000 (daily rate × days); the sheet pays 6000 less 800 advance already paid = 5200.
  const r = run({
    due: [timesheetDue(ZHANG, 6000, 'A')],
    approved: [sheet('A', 'S-A', [line(ZHANG, 5200, { payableYuan: 6000 })])],
    payouts: [paid(ZHANG, 5200)],
  })
  t.same(r.flags, [])
  t.same(r.perWorker, [{ workerId: 'w-zhang', dueFen: 520000, paidFen: 520000, status: 'paid' }])
  t.equal(r.totals.dueFen, 520000)
  t.same(r.sheetsPaidInFull, ['S-A'])
})

t.test('paid less than the net is SHORTFALL, with the sheet line in evidence', async (t) => {
  const r = run({ approved: [sheet('A', 'S-A', [line(ZHANG, 5200, { payableYuan: 6000 })])], payouts: [paid(ZHANG, 5000)] })
  t.same(r.flags.map((f) => f.kind), ['SHORTFALL'])
  const e = r.flags[0]!.evidence
  t.equal(e.dueFrom, 'payroll_sheet')
  t.match(e.sheetLines, [{ sheetId: 'S-A', version: 2, lineId: 'SL-w-zhang', payableFen: 600000, deductionsFen: 80000, netFen: 520000, answer: 'confirm' }])
  t.equal(e.shortFen, 20000)
  t.same(r.sheetsPaidInFull, [])
})

t.test('a team without an approved sheet keeps its timesheet due; NO_PAYROLL_SHEET only after pay day, once per team', async (t) => {
  const input = {
    due: [timesheetDue(ZHANG, 6000, 'A'), timesheetDue(LI, 4000, 'B'), timesheetDue(WANG, 3000, 'B', 10)],
    approved: [sheet('A', 'S-A', [line(ZHANG, 5200)])],
    payouts: [paid(ZHANG, 5200), paid(LI, 4000), paid(WANG, 3000)],
    pending: new Map([['B', { sheetId: 'S-B', version: 1, state: 'sent' }]]),
  }
  const before = run({ ...input, asOf: PAY_DATE })
  t.same(before.flags, [], 'on pay day itself nothing is missing yet')
  t.equal(before.totals.dueFen, 520000 + 400000 + 300000)
  const after = run({ ...input, asOf: '2024-03-16' })
  t.same(after.flags.map((f) => [f.kind, f.workerId]), [['NO_PAYROLL_SHEET', null]])
  t.match(after.flags[0]!.evidence, {
    teamId: 'B',
    teamName: '班组B',
    workerCount: 2,
    days: 32,
    dueFen: 700000,
    dueFrom: 'timesheet',
    sheet: { sheetId: 'S-B', version: 1, state: 'sent' },
    workers: [{ workerId: 'w-li', days: 22 }, { workerId: 'w-wang', days: 10 }],
  })
  t.equal(after.flags[0]!.dueFen, 700000)
})

t.test('a team with no attendance needs no sheet; without `sheets` nothing changes', async (t) => {
  const r = run({ due: [timesheetDue(LI, 0, 'B', 0)], asOf: '2024-04-01' })
  t.same(r.flags, [])
  const old = reconcile({ period: PERIOD, payDate: PAY_DATE, due: [timesheetDue(LI, 4000, 'B')], payouts: [paid(LI, 4000)], cardOwners: owners })
  t.same(old.flags, [])
  t.same(old.sheetsPaidInFull, [])
})

t.test('NOT_WORKER_CONFIRMED: one flag per unanswered or disputed line; a disputed line is still due as approved', async (t) => {
  const r = run({
    approved: [sheet('A', 'S-A', [line(ZHANG, 5200, { answer: 'dispute' }), line(LI, 4000, { answer: null }), line(WANG, 3000)])],
    payouts: [paid(ZHANG, 5200), paid(LI, 4000), paid(WANG, 3000)],
  })
  t.same(r.flags.map((f) => [f.kind, f.workerId]), [
    ['NOT_WORKER_CONFIRMED', 'w-li'],
    ['NOT_WORKER_CONFIRMED', 'w-zhang'],
  ])
  t.match(r.flags[0]!.evidence, { sheetId: 'S-A', version: 2, lineId: 'SL-w-li', answer: null, answeredAt: null, netFen: 400000 })
  t.match(r.flags[1]!.evidence, { sheetId: 'S-A', answer: 'dispute', answeredAt: '2024-03-02T00:00:00.000Z' })
  t.equal(r.flags[1]!.payeeCard, ZHANG.cardNo)
  t.same(r.perWorker.map((w) => w.status), ['paid', 'paid', 'paid'])
  // Disputed and unpaid: the UNPAID evidence shows the dispute.
  const unpaid = run({ approved: [sheet('A', 'S-A', [line(ZHANG, 5200, { answer: 'dispute' })])] })
  t.same(unpaid.flags.map((f) => f.kind), ['UNPAID', 'NOT_WORKER_CONFIRMED'])
  t.match(unpaid.flags[0]!.evidence, { dueFrom: 'payroll_sheet', sheetLines: [{ answer: 'dispute' }] })
})

t.test('BELOW_MINIMUM_WAGE: a line the sheet found below the minimum wage is listed with its finding, last in kind order', async (t) => {
  const finding = { code: 'BELOW_MINIMUM_WAGE', regionCode: '330106', monthlyMinimumFen: 249000, netFen: 200000 }
  const r = run({ approved: [sheet('A', 'S-A', [{ ...line(ZHANG, 2000), minimumWage: finding }, { ...line(LI, 4000), minimumWage: null }])], payouts: [paid(ZHANG, 2000), paid(LI, 4000)] })
  t.same(r.flags.map((f) => [f.kind, f.workerId]), [['BELOW_MINIMUM_WAGE', 'w-zhang']])
  t.match(r.flags[0]!.evidence, { sheetId: 'S-A', lineId: 'SL-w-zhang', finding })
  // Last of issue 10's kinds; issue 11's (RETURNED, PAYMENT_PENDING_TOO_LONG, then the project-level checks) were appended after it.
  t.same(FLAG_KINDS.slice(FLAG_KINDS.indexOf('BELOW_MINIMUM_WAGE')), [
    'BELOW_MINIMUM_WAGE',
    'RETURNED',
    'PAYMENT_PENDING_TOO_LONG',
    'SHARED_CARD',
    'PAID_TO_NON_WORKER',
    'OVERSIZED',
    'EXITED_UNSETTLED',
    'GROUP_ARREARS',
    'HEADCOUNT_GAP',
  ])
})

t.test('PAYER_NOT_DEDICATED: a line debited from another account does not count; no payer account means the dedicated one', async (t) => {
  const approved = [sheet('A', 'S-A', [line(ZHANG, 5200), line(LI, 4000), line(WANG, 3000)], 'instructed')]
  const r = run({
    approved,
    payer: { projectId: 'p1', account: ACCOUNT },
    payouts: [
      paid(ZHANG, 5200, { payerAccountNo: '6217888800001111' }),
      paid(LI, 4000, { payerAccountNo: ACCOUNT.accountNo }),
      paid(WANG, 3000),
    ],
  })
  t.same(r.flags.map((f) => [f.kind, f.workerId]), [
    ['UNPAID', 'w-zhang'],
    ['PAYER_NOT_DEDICATED', null],
  ])
  const e = r.flags[1]!.evidence
  t.match(e, { reason: 'other_account', debitAccount: '****1111', payoutsCount: 1, totalFen: 520000, payouts: [{ payeeName: '张伟', payeeCard: '****0001' }] })
  t.equal(r.flags[1]!.paidFen, 520000)
  t.equal(r.totals.paidFen, 700000)
  t.same(r.sheetsPaidInFull, [], 'a sheet with a worker unpaid is not settled')
  // No account registered: a line naming a payer cannot be shown to come from it.
  const none = run({ approved, payer: { projectId: 'p1', account: undefined }, payouts: [paid(ZHANG, 5200, { payerAccountNo: ACCOUNT.accountNo }), paid(LI, 4000), paid(WANG, 3000)] })
  t.match(none.flags.find((f) => f.kind === 'PAYER_NOT_DEDICATED')?.evidence, { reason: 'no_dedicated_account' })
})

t.test('month flags are listed with the rest, in FLAG_KINDS order', async (t) => {
  const r = run({
    approved: [sheet('A', 'S-A', [line(ZHANG, 5200, { answer: null })])],
    payouts: [paid(ZHANG, 5200)],
    monthFlags: [
      { kind: 'DEPOSIT_EXPIRING', evidence: { contractorId: 'gc', expiresOn: '2024-04-01' } },
      { kind: 'FUNDING_LATE', evidence: { periodId: '2024-02' } },
      { kind: 'FUNDING_LATE', evidence: { periodId: '2024-01' } },
    ],
  })
  t.same(r.flags.map((f) => f.kind), ['NOT_WORKER_CONFIRMED', 'FUNDING_LATE', 'FUNDING_LATE', 'DEPOSIT_EXPIRING'])
  t.same(r.flags.slice(1, 3).map((f) => f.evidence.periodId), ['2024-02', '2024-01'], "a rule's own order is kept")
  for (const f of r.flags) t.ok(FLAG_KINDS.indexOf(f.kind) >= 0)
})

t.test('a worker on two teams\' sheets is owed the sum of the nets', async (t) => {
  const r = run({
    approved: [sheet('A', 'S-A', [line(ZHANG, 1000)]), sheet('B', 'S-B', [{ ...line(ZHANG, 2000), lineId: 'SL-z2' }])],
    payouts: [paid(ZHANG, 3000)],
  })
  t.same(r.flags, [])
  t.same(r.perWorker, [{ workerId: 'w-zhang', dueFen: 300000 as Fen, paidFen: 300000, status: 'paid' }])
  t.same(r.sheetsPaidInFull, ['S-A', 'S-B'])
  t.throws(() => run({ approved: [sheet('A', 'S-A', []), sheet('A', 'S-A2', [])] }), RangeError, 'two sheets in force for one team is the caller\'s bug')
})
