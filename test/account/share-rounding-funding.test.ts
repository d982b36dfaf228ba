/**
 * (Found by review.) A schedule's shares are rounded on their running total, not each on its own: a period of a share
 * is round(labour cost × bp through it) − round(labour cost × bp before it), so shares adding up to 100% ask for
 * exactly the labour cost. Rounded each on its own, 50% twice of an odd number of fen is x.5 rounded up twice: a
 * construction unit that funded exactly the contract's labour cost, every period on time, was left with a period
 * `late` and a FUNDING_LATE for one fen it never owed.
 */
import t from 'tap'
import type { Api } from '../../simulators/api.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { startTestServer } from '../helpers/server.ts'
import { camt } from './fixtures/camt-cny.ts'

const ACCOUNT = '19045101040012345'
const FUNDER = '330100001111'
const LABOUR_COST_FEN = 100_000_001 // ¥1,000,000.01

async function newProject(api: Api, siteCode: string): Promise<string> {
  const plan = planSite({ ...DEFAULT_SITE, siteCode, workers: 0, teams: 1, seed: 7 })
  return (await registerSite(api, { ...plan, devices: [] })).projectId
}

t.test('shares of 100% funded with exactly the labour cost, on time: every period received, no FUNDING_LATE', async (t) => {
  const { api, services } = await startTestServer(t)
  const projectId = await newProject(api, 'REV-SHARE')
  await api.post(`/api/projects/${projectId}/dedicated-account`, {
    bank: '中国农业银行杭州西湖支行',
    bankCode: '103331000011',
    accountNo: ACCOUNT,
    accountName: '总包某项目农民工工资专用账户',
    openedOn: '2026-01-05',
    reason: '开户登记',
  })
  await api.post(`/api/projects/${projectId}/contract`, {
    contractAmountFen: 500_000_000,
    labourCostFen: LABOUR_COST_FEN,
    funderAccountNos: [FUNDER],
    signedOn: '2026-01-01',
    reason: '施工合同',
    periods: [
      { periodId: 'H1', dueOn: '2026-02-10', amount: { kind: 'share', shareBp: 5_000 } },
      { periodId: 'H2', dueOn: '2026-03-10', amount: { kind: 'share', shareBp: 5_000 } },
    ],
  })
  // The whole labour cost, ¥1,000,000.01, in two payments each on time: ¥500,000.01 then ¥500,000.00.
  const statement = camt({
    kind: '053',
    account: ACCOUNT,
    entries: [
      { ref: 'F-1', amount: '500000.01', cd: 'CRDT', booking: '2026-02-09', counterpartyAccount: FUNDER, counterpartyName: '建设单位' },
      { ref: 'F-2', amount: '500000.00', cd: 'CRDT', booking: '2026-03-09', counterpartyAccount: FUNDER, counterpartyName: '建设单位' },
    ],
  })
  await api.request('POST', `/api/projects/${projectId}/account-statements`, Buffer.from(statement), 'application/xml')

  const position = await api.get<{ funding: { receivedFen: number; periods: { periodId: string; amountFen: number; state: string }[] } }>(
    `/api/projects/${projectId}/account?asOf=2026-04-01`,
  )
  t.equal(position.funding.receivedFen, LABOUR_COST_FEN, 'the whole labour cost was received')
  const due = position.funding.periods.reduce((s, p) => s + p.amountFen, 0)
  t.ok(due <= LABOUR_COST_FEN, `the periods of a 100% schedule ask for no more than the labour cost (asked ${due}, labour cost ${LABOUR_COST_FEN})`)
  t.same(position.funding.periods.map((p) => p.state), ['received', 'received'], 'both periods funded in full by their due dates')

  const flags = await services.account.fundingFlags(projectId, '2026-03', '2026-04-10', [], '2026-04-01')
  t.same(flags.map((f) => f.code), [], 'no FUNDING_LATE for a fen never owed')
})
