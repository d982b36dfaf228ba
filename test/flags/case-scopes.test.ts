/**
 * Flags of one kind that name neither worker nor card, several in a month: each its own case. Two payouts debited
 * from two wrong accounts, two funding periods late, two guarantee letters lapsing were folded into one case before
 * (the second flag dropped as a duplicate key), so the second account or letter was never shown.
 */
import t from 'tap'
import { payerScope, type DedicatedAccount } from '../../src/account/funding.ts'
import { applyRun, foldCases, type RunFlag } from '../../src/flags/cases.ts'
import { fen } from '../../src/kernel/money.ts'
import type { ApprovedLine, ApprovedTeamMonth } from '../../src/payroll/approved.ts'
import { reconcile, type CardOwner, type MonthFlag, type PaidLine } from '../../src/payouts/reconcile.ts'

const ZHANG = { workerId: 'w-zhang', workerName: '张伟', cardNo: '6222020200110000001' }
const LI = { workerId: 'w-li', workerName: '李娜', cardNo: '6222020200110000002' }
const ACCOUNT: DedicatedAccount = { projectId: 'p1', bank: '工商银行', bankCode: '102331000001', accountNo: '1202020209000012345', accountName: '专用账户', openedOn: '2024-01-01' }
const owners = new Map<string, CardOwner>([ZHANG, LI].map((w) => [w.cardNo, { workerId: w.workerId, workerName: w.workerName }]))
const line = (w: typeof ZHANG, yuan: number): ApprovedLine => ({
  sheetId: 'S-A',
  lineId: `SL-${w.workerId}`,
  workerId: w.workerId,
  workerName: w.workerName,
  cardNo: w.cardNo,
  netFen: fen(yuan * 100),
  payableFen: fen(yuan * 100),
  dayHalves: 44,
  answer: 'confirm',
  answeredAtMs: Date.UTC(2024, 2, 2),
})
const sheet: ApprovedTeamMonth = { teamId: 'A', teamName: 'A', sheetId: 'S-A', version: 2, state: 'instructed', approvedAtMs: Date.UTC(2024, 2, 5), approvedBy: 'lm', netFen: fen(920_000), lines: [line(ZHANG, 5200), line(LI, 4000)] }
const paid = (w: typeof ZHANG, yuan: number, n: number, payer: string): PaidLine => ({
  lineId: `L${n}`,
  fileId: 'F1',
  lineNo: n + 1,
  payeeCard: w.cardNo,
  payeeName: w.workerName,
  amountFen: fen(yuan * 100),
  status: 'success',
  bankRef: `B${n}`,
  valueDate: '2024-03-14',
  failureReason: null,
  payerAccountNo: payer,
})

function casesOf(flags: readonly RunFlag[], kind: string) {
  const { events, problems } = applyRun([], { runId: 'r1', projectId: 'p1', month: '2024-02', atMs: Date.UTC(2024, 2, 10), flags })
  return { problems, cases: foldCases(events).cases.filter((c) => c.kind === kind) }
}

t.test('payouts debited from two wrong accounts: two cases, neither naming the account in its scope', async (t) => {
  const r = reconcile({
    period: '2024-02',
    payDate: '2024-03-15',
    due: [],
    cardOwners: owners,
    sheets: { approved: [sheet], pending: new Map(), asOf: '2024-03-10' },
    payer: { projectId: 'p1', account: ACCOUNT },
    payouts: [paid(ZHANG, 5200, 1, '6217888800001111'), paid(LI, 4000, 2, '6217 9999 0000 2222')],
  })
  const raised = r.flags.filter((f) => f.kind === 'PAYER_NOT_DEDICATED')
  t.equal(raised.length, 2, 'one flag per debited account')
  const { problems, cases } = casesOf(r.flags, 'PAYER_NOT_DEDICATED')
  t.same(problems, [], 'no flag folded into another')
  t.equal(cases.length, 2, 'one case per debited account')
  t.same(cases.map((c) => c.scope).sort(), [payerScope('6217888800001111', 'other_account'), payerScope('6217999900002222', 'other_account')].sort())
  for (const c of cases) t.notMatch(String(c.scope), /6217|1111|2222/, 'the scope is a digest, not the account (it may be a card)')
  t.equal(payerScope('6217 9999 0000 2222', 'other_account'), payerScope('6217999900002222', 'other_account'), 'spaces are not part of the account')
})

t.test('two funding periods late and two letters lapsing: a case each', async (t) => {
  const month = (kind: MonthFlag['kind'], scope: string): MonthFlag => ({ kind, scope, evidence: {} })
  const r = reconcile({
    period: '2024-02',
    payDate: '2024-03-15',
    due: [],
    payouts: [],
    cardOwners: owners,
    sheets: { approved: [], pending: new Map(), asOf: '2024-03-10' },
    monthFlags: [month('FUNDING_LATE', 'fundingPeriod:P1'), month('FUNDING_LATE', 'fundingPeriod:P2'), month('DEPOSIT_EXPIRING', 'deposit:d1'), month('DEPOSIT_EXPIRING', 'deposit:d2')],
  })
  for (const kind of ['FUNDING_LATE', 'DEPOSIT_EXPIRING']) {
    const { problems, cases } = casesOf(r.flags, kind)
    t.same(problems, [], `${kind}: no flag folded into another`)
    t.equal(cases.length, 2, `${kind}: two cases`)
  }
})
