/**
 * (Found by review.)
 * POST …/dedicated-account refuses an account number in force on another project (dedicated_account_invalid). The
 * refusal named that project (details.projectId, details.projectIds, and the id again in details.reason) whoever asked:
 * a labour manager of another general contractor so learned the id of a project outside their scope, and which project
 * an account number belongs to. It names the project only to a caller who reaches it; others get the fault alone.
 */
import t from 'tap'
import { startTestServer } from '../helpers/server.ts'
import { createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'

const entry = { bank: '中国农业银行杭州西湖支行', bankCode: '103331000011', accountNo: '19045101040055555', accountName: '总包A 农民工工资专用账户', openedOn: '2026-01-05', reason: '开户登记' }

interface Refusal { error: { code: string; details: { reason: string; field: string; projectId?: string; projectIds?: string[] } } }

t.test("a refusal does not name another organisation's project", async (t) => {
  const { api: admin } = await startTestServer(t)
  const A = await registerAccessSite(admin, { tag: 'DA-A', regionCode: '330102', bankCode: '103331000011', seed: 621 })
  const B = await registerAccessSite(admin, { tag: 'DA-B', regionCode: '330201', bankCode: '102332000019', seed: 622 })
  await admin.post(`/api/projects/${A.projectId}/dedicated-account`, entry)

  await createLogin(admin, 'lm.b', 'labour_manager', { organisationId: B.generalContractorId })
  const managerB = admin.as(await logIn(admin, 'lm.b'))
  const res = await managerB.fetch(`/api/projects/${B.projectId}/dedicated-account`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...entry, accountName: '总包B 专户', reason: '开户' }),
  })
  const text = await res.text()
  t.equal(res.status, 400, text)
  t.notOk(text.includes(A.projectId), "B's labour manager is not told the id of A's project")
  const body = JSON.parse(text) as Refusal
  t.equal(body.error.code, 'dedicated_account_invalid')
  t.equal(body.error.details.field, 'accountNo', 'the field at fault is named')
  t.match(body.error.details.reason, /in force on another project/, 'and why')
  t.notOk('projectId' in body.error.details || 'projectIds' in body.error.details, 'no project ids')
})

t.test('a labour manager who reaches the other project is told which it is', async (t) => {
  const { api: admin } = await startTestServer(t)
  const A = await registerAccessSite(admin, { tag: 'DA-C', regionCode: '330102', bankCode: '103331000011', seed: 623 })
  // A second project of the same general contractor.
  const second = await admin.post<{ id: string }>('/api/projects', {
    siteCode: 'DA-C2',
    name: '工程 DA-C2',
    regionCode: '330102',
    payDay: 10,
    constructionUnitId: A.constructionUnitId,
    generalContractorId: A.generalContractorId,
    account: { bank: '专户银行', bankCode: '103331000011', no: '19045101040077777', name: '总包 DA-C2 农民工工资专用账户' },
  })
  await admin.post(`/api/projects/${A.projectId}/dedicated-account`, entry)
  await createLogin(admin, 'lm.c', 'labour_manager', { organisationId: A.generalContractorId })
  const manager = admin.as(await logIn(admin, 'lm.c'))
  const res = await manager.fetch(`/api/projects/${second.id}/dedicated-account`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(entry),
  })
  const text = await res.text()
  t.equal(res.status, 400, text)
  t.match(JSON.parse(text) as Refusal, { error: { code: 'dedicated_account_invalid', details: { field: 'accountNo', projectId: A.projectId, projectIds: [A.projectId] } } }, 'the project it is in force on is named')
})
