/**
 * (Found by review.) A worker on two teams' sheets in one month (two payroll lines: 3,000.00 and 2,000.00) paid once by
 * the bank, 3,000.00. The wage payment ledger and the pay slip set the payment against the lines once, in the ledger's
 * order (team name, then line number: allocatePayments), so one line is paid in full and the other not at all. The
 * upstream report summed every payment of the worker on each line: both lines went out as paid (PayStatus 20) and
 * 累计已发 as 6000.00, twice what the bank paid. Now each line is reported as the ledger counts it: the line the payment
 * fills is 20 on the bank's value date, the other 0 (not paid) on the pay date; 累计已发 is the worker's on the
 * project, so it reads 3000.00 on both lines beside 累计应发 5000.00.
 *
 * The teams are named so the ledger's order (by name) is not the order of their ids (the order the sheet service
 * lists approved sheets in): the payment fills the second team registered, as the ledger says, not the first.
 */
import t from 'tap'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { LedgerRepository } from '../../src/payroll/ledger-repository.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'
import { creditCode } from '../helpers/upstream.ts'

const AT_MS = Date.UTC(2026, 10, 11, 4) // 11 November 2026, after October's pay day (the 10th)
const SEED = 2610
const TAG = 'REV-2LINE'

interface Detail {
  PayRollCode: string
  WorkerName: string
  ActualAmount: string
  PayStatus: number
  BalanceDate: string
  CumulativePaidAmount: string
  CumulativeSettledAmount: string
}

t.test('a worker on two lines of the month paid once is reported paid on the line the ledger counts it against, unpaid on the other', async (t) => {
  const subCredit = creditCode(SEED + 3)
  const upstream = parseUpstreamConfig({
    provinces: { 33: { endpoint: 'http://127.0.0.1:9/open.api', appId: 'a', appSecret: 'Wl0Test5ecret0fThePlatform2026AB' } },
    projects: { [TAG]: { projectCode: 'P330106802', subcontractors: { [subCredit]: '000802' } } },
    passMs: 3_600_000,
    sweepMs: 3_600_000,
    watchMs: 3_600_000,
  })
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS }, config: { upstream } })
  const org = (kind: string, n: number, credit = creditCode(n)) => api.post<{ id: string }>('/api/organisations', { kind, name: `${kind} ${n}`, creditCode: credit })
  const cu = await org('construction_unit', SEED + 1)
  const gc = await org('general_contractor', SEED + 2)
  const sub = await org('subcontractor', SEED + 3, subCredit)
  const project = await api.post<{ id: string }>('/api/projects', { siteCode: TAG, name: '工程', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '招商银行', bankCode: '308584000013', no: '755900008010402', name: '专户' } })
  const first = await api.post<{ id: string }>(`/api/projects/${project.id}/teams`, { name: 'B 钢筋班', employerId: sub.id })
  const second = await api.post<{ id: string }>(`/api/projects/${project.id}/teams`, { name: 'A 木工班', employerId: sub.id })
  t.ok(first.id < second.id, 'ids are time-ordered: by id the first team registered comes first, by name the second')
  const card = cardNumber(SEED)
  const id = idNumber(new Rng(SEED), SEED)
  const w = await api.post<{ id: string }>('/api/workers', { name: '王强', idNumber: id, bankName: '招行', cardNo: card })
  const e = await api.post<{ id: string }>(`/api/projects/${project.id}/enrolments`, { workerId: w.id, teamId: first.id, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: `W-${TAG}` })
  const line = (netFen: number) => ({ workerId: w.id, enrolmentId: e.id, workerName: '王强', idNumber: id, bankName: '招行', cardNo: card, netFen, answer: 'confirm' as const })
  await insertApprovedSheet(services.db, { projectId: project.id, teamId: first.id, period: '2026-10', payDate: '2026-11-10', atMs: AT_MS, lines: [line(2000_00)] })
  await insertApprovedSheet(services.db, { projectId: project.id, teamId: second.id, period: '2026-10', payDate: '2026-11-10', atMs: AT_MS, lines: [line(3000_00)] })

  // The bank pays 3000.00 to the worker's card on 9 November, the day before the pay date.
  const file = ['seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason', `1|${card}|王强|3000.00|success|VCH-2LINE-1|2026-11-09|`].join('\n')
  const posted = await api.fetch(`/api/projects/${project.id}/payout-files?period=2026-10`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: file })
  t.equal(posted.status, 201, 'the bank paid 3000.00 once')

  const ledger = await new LedgerRepository(services.db).month(project.id, '2026-10')
  t.same(
    ledger?.lines.map((l) => [l.slip.teamName, l.slip.netFen, l.slip.paidFen]),
    [
      ['A 木工班', 3000_00, 3000_00],
      ['B 钢筋班', 2000_00, 0],
    ],
    'the ledger: the payment fills the line of the team first by name, and nothing is left for the other',
  )

  // The reconciliation's report runs after its commit: wait for it, then report the month as a sweep would.
  await services.upstream.reporter.idle()
  await services.upstream.reporter.reportPayroll(project.id, '2026-10')
  const details = (await services.upstream.reporter.outbox.records(services.db, project.id))
    .filter((r) => r.kind === 'PayRollDetail')
    .map((r) => JSON.parse(r.payload) as Detail)
  const newest = (amount: string) => details.filter((d) => d.ActualAmount === amount).at(-1)
  t.match(
    newest('3000.00'),
    { PayStatus: 20, BalanceDate: '2026-11-09', CumulativePaidAmount: '3000.00', CumulativeSettledAmount: '5000.00' },
    "the line the ledger counts the payment against: paid, on the bank's value date",
  )
  t.match(
    newest('2000.00'),
    { PayStatus: 0, BalanceDate: '2026-11-10', CumulativePaidAmount: '3000.00', CumulativeSettledAmount: '5000.00' },
    "the other line: not paid (0), on the pay date; 累计已发 is the worker's 3000.00 once, not 6000.00",
  )
  t.notOk(
    details.some((d) => d.ActualAmount === '2000.00' && d.PayStatus === 20),
    'the unpaid line never went out as paid',
  )
  t.notOk(
    details.some((d) => d.CumulativePaidAmount !== '0.00' && d.CumulativePaidAmount !== '3000.00'),
    '累计已发 never read more than the bank paid',
  )
})
