/**
 * FUNDING_SHORT through the real service (the run's engine): a month whose wages were paid out of the dedicated account
 * before the check day (pay day − 5) is not short. Before, the balance on the check day, already lowered by those
 * very wages, was held against the whole approved net, and a month paid early and in full raised FUNDING_SHORT.
 * A payment from another account is no money out of this one, and leaves the month short as it was.
 */
import t, { type Test } from 'tap'
import { MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { fen } from '../../src/kernel/money.ts'
import { formatPayoutFile } from '../../src/payouts/file-format.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'
import { camt } from './fixtures/camt-cny.ts'

const ACCOUNT = '19045101040077777'
const FUNDER = '330100001111'
/** After the check day (2026-11-05) and the pay day (2026-11-10) of October's wages. */
const AT_MS = Date.UTC(2026, 10, 12, 2)
const NET_FEN = 600_000

async function site(t: Test, tag: string, seed: number) {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const s = await registerAccessSite(api, { tag, regionCode: '330106', bankCode: '103331000011', seed })
  await api.post(`/api/projects/${s.projectId}/dedicated-account`, {
    bank: '中国农业银行杭州西湖支行',
    bankCode: '103331000011',
    accountNo: ACCOUNT,
    accountName: `总包 ${tag} 农民工工资专用账户`,
    openedOn: '2026-09-01',
    reason: '开户登记',
  })
  await api.post(`/api/projects/${s.projectId}/contract`, {
    contractAmountFen: 500_000_000,
    labourCostFen: 100_000_000,
    funderAccountNos: [FUNDER],
    signedOn: '2026-09-01',
    reason: '施工合同',
    periods: [],
  })
  const w = (await services.db.get<{ name: string; idNumber: string; cardNo: string; bankName: string }>({
    text: 'SELECT name AS "name", id_number AS "idNumber", card_no AS "cardNo", bank_name AS "bankName" FROM workers WHERE id = ?',
    params: [s.workerId],
  }))!
  await insertApprovedSheet(services.db, {
    projectId: s.projectId,
    teamId: s.teamId,
    period: MONTH,
    payDate: '2026-11-10',
    atMs: AT_MS - 20 * 86_400_000,
    lines: [{ workerId: s.workerId, enrolmentId: s.enrolmentId, workerName: w.name, idNumber: w.idNumber, bankName: w.bankName, cardNo: w.cardNo, netFen: NET_FEN, answer: 'confirm' }],
  })
  // Funded with exactly the month's wages on 1 November; the debit of the wages on 3 November.
  const statement = camt({
    kind: '053',
    account: ACCOUNT,
    entries: [
      { ref: 'F-1101', amount: '6000.00', cd: 'CRDT', booking: '2026-11-01', value: '2026-11-01', counterpartyAccount: FUNDER, counterpartyName: '建设单位' },
      { ref: 'P-1103', amount: '6000.00', cd: 'DBIT', booking: '2026-11-03', value: '2026-11-03', counterpartyAccount: w.cardNo, counterpartyName: w.name },
    ],
  })
  await api.request('POST', `/api/projects/${s.projectId}/account-statements`, Buffer.from(statement, 'utf8'), 'application/xml')
  const post = (payerAccountNo: string | null) =>
    services.payouts.post({
      projectId: s.projectId,
      period: MONTH,
      bytes: formatPayoutFile(
        [{ seq: 1, payeeCard: w.cardNo, payeeName: w.name, amountFen: fen(NET_FEN), status: 'success', bankRef: 'P-1103', valueDate: '2026-11-03', failureReason: null, ...(payerAccountNo === null ? {} : { payerAccountNo }) }],
        { encoding: 'utf-8' },
      ),
      filename: 'result.txt',
      postedBy: 'test',
    })
  return { services, projectId: s.projectId, post }
}

t.test('wages paid from the dedicated account before the check day: the month is not short', async (t) => {
  const { services, projectId, post } = await site(t, 'FS-EARLY', 4101)
  const before = await services.payouts.reconcile(projectId, MONTH, 'test')
  t.same(
    before.flags.filter((f) => f.kind === 'FUNDING_SHORT').map((f) => JSON.parse(f.evidence) as Record<string, unknown>).map((e) => [e.requiredFen, e.balanceFen]),
    [[NET_FEN, 0]],
    'nothing reported paid yet: the balance (0 after the debit) is short of the month',
  )
  const posted = await post(null)
  // The only flag left is the deposit's, which this fixture never lodged.
  t.same(posted.reconciliation?.flags.map((f) => f.kind), ['DEPOSIT_MISSING'], 'paid in full on the 3rd, out of the account: no FUNDING_SHORT, no shortfall')
})

t.test('wages paid from another account: this account still had to hold them', async (t) => {
  const { projectId, post, services } = await site(t, 'FS-OTHER', 4102)
  const posted = await post('6222020000000000999')
  const kinds = posted.reconciliation?.flags.map((f) => f.kind) ?? []
  t.ok(kinds.includes('PAYER_NOT_DEDICATED'))
  t.ok(kinds.includes('FUNDING_SHORT'), 'a payment from elsewhere is no money out of the dedicated account')
  const again = await services.payouts.reconcile(projectId, MONTH, 'test')
  t.match(JSON.parse(again.flags.find((f) => f.kind === 'FUNDING_SHORT')!.evidence), { paidBeforeFen: 0, requiredFen: NET_FEN })
})
