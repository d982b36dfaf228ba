/**
 * Review: POST …/dedicated-account refuses an account number in force on another project (dedicated_account_invalid)
 * and names that project (details.projectId, details.projectIds, and the id again in details.reason) whoever asks. A
 * labour manager of another general contractor so learns the id of a project outside their scope, and confirms
 * which project an account number belongs to: an object outside the caller's scope must not be revealed in an error body.
 */
import t from 'tap'
import { startTestServer } from '../helpers/server.ts'
import { createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'

t.test("a refusal does not name another organisation's project", async (t) => {
  const { api: admin } = await startTestServer(t)
  const A = await registerAccessSite(admin, { tag: 'DA-A', regionCode: '330102', bankCode: '103331000011', seed: 621 })
  const B = await registerAccessSite(admin, { tag: 'DA-B', regionCode: '330201', bankCode: '102332000019', seed: 622 })
  const entry = { bank: '中国农业银行杭州西湖支行', bankCode: '103331000011', accountNo: '19045101040055555', accountName: '总包A 农民工工资专用账户', openedOn: '2026-01-05', reason: '开户登记' }
  await admin.post(`/api/projects/${A.projectId}/dedicated-account`, entry)

  await createLogin(admin, 'lm.b', 'labour_manager', { organisationId: B.generalContractorId })
  const managerB = admin.as(await logIn(admin, 'lm.b'))
  const res = await managerB.fetch(`/api/projects/${B.projectId}/dedicated-account`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...entry, accountName: '总包B 专户', reason: '开户' }),
  })
  const text = await res.text()
  t.comment(`${res.status} ${text}`)
  t.notOk(text.includes(A.projectId), "B's labour manager is not told the id of A's project")
})
