/**
 * (Found by review.) A dedicated account is one project's (条例 Art. 26): a register entry whose account number is in
 * force on another project is refused (dedicated_account_invalid, field accountNo, naming that project). Nothing
 * refused it before, so the bank's statement of the one account was taken by both projects: the same
 * construction-unit credit counted as funding (and balance) of both, and each project's FUNDING_SHORT / FUNDING_LATE
 * was judged against money that is the other's.
 */
import t from 'tap'
import type { Api } from '../../simulators/api.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { startTestServer } from '../helpers/server.ts'
import { camt } from './fixtures/camt-cny.ts'

const ACCOUNT = '19045101040012345'
const FUNDER = '330100001111'

async function newProject(api: Api, siteCode: string, seed: number): Promise<string> {
  const plan = planSite({ ...DEFAULT_SITE, siteCode, workers: 0, teams: 1, seed })
  return (await registerSite(api, { ...plan, devices: [] })).projectId
}

const entry = {
  bank: '中国农业银行杭州西湖支行',
  bankCode: '103331000011',
  accountNo: ACCOUNT,
  accountName: '总包某项目农民工工资专用账户',
  openedOn: '2026-01-05',
  reason: '开户登记',
}

t.test("one account's statement does not fund two projects", async (t) => {
  const { api } = await startTestServer(t)
  const a = await newProject(api, 'REV-TWO-A', 7)
  const b = await newProject(api, 'REV-TWO-B', 8)
  await api.post(`/api/projects/${a}/dedicated-account`, entry)
  const statement = Buffer.from(camt({ kind: '053', account: ACCOUNT, entries: [{ ref: 'F-1', amount: '300000.00', cd: 'CRDT', booking: '2026-02-09', counterpartyAccount: FUNDER }] }))
  await api.request('POST', `/api/projects/${a}/account-statements`, statement, 'application/xml')

  const secondEntry = await api.post(`/api/projects/${b}/dedicated-account`, entry).then(
    () => true,
    () => false,
  )
  const secondPost = !secondEntry
    ? false
    : await api.request('POST', `/api/projects/${b}/account-statements`, statement, 'application/xml').then(
        () => true,
        () => false,
      )
  t.notOk(secondEntry && secondPost, 'project A\'s account is refused as project B\'s, or its statement is refused on B')
  if (secondEntry && secondPost) {
    const position = await api.get<{ balanceFen: number }>(`/api/projects/${b}/account?asOf=2026-03-01`)
    t.equal(position.balanceFen, 0, "project B's balance holds none of project A's money")
  }
})

t.test('the refusal names the project, and lasts only while the account is in force there', async (t) => {
  const { api } = await startTestServer(t)
  const a = await newProject(api, 'REV-TWO-C', 9)
  const b = await newProject(api, 'REV-TWO-D', 10)
  await api.post(`/api/projects/${a}/dedicated-account`, entry)
  const refused = await api.post(`/api/projects/${b}/dedicated-account`, entry).then(
    () => undefined,
    (err: unknown) => err,
  )
  t.match(refused, { status: 400, body: { error: { code: 'dedicated_account_invalid', details: { field: 'accountNo', projectId: a } } } }, 'refused, naming the project it is in force on')
  // Restating the entry on its own project is no conflict.
  await api.post(`/api/projects/${a}/dedicated-account`, { ...entry, reason: '更正开户行' })
  // Once project A's entry in force names another account, the number is free for B.
  await api.post(`/api/projects/${a}/dedicated-account`, { ...entry, accountNo: '19045101040099999', reason: '换户' })
  const taken = await api.post<{ inForce: { accountNo: string } }>(`/api/projects/${b}/dedicated-account`, entry)
  t.equal(taken.inForce.accountNo, ACCOUNT)
})
