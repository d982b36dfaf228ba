/**
 * A bank reaches the projects whose account it holds now (found by review): a project created with its account at
 * one bank whose dedicated account is then registered at another is the second bank's, for reads, posts and lists;
 * the first bank gets 403 account_scope, as for any account it does not hold.
 */
import t from 'tap'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

t.test('bank scope follows the dedicated account in force', async (t) => {
  const server = await startTestServer(t)
  const { api } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'BANK-MOVE', workers: 0, teams: 1, seed: 7 })
  const { projectId } = await registerSite(api, { ...plan, devices: [] })
  const created = await api.get<{ account: { bankCode: string | null } }>(`/api/projects/${projectId}`)
  const key = async (bankCode: string) => api.as((await server.services.access.createKey({ name: `bank ${bankCode}`, role: 'bank', bankCode, days: 1 }, 'test')).key)
  const before = created.account.bankCode ?? ''
  t.ok(before.startsWith('103'), `created with its account at bank ${before}`)
  const abc = await key('103')
  const icbc = await key('102')
  t.equal((await abc.get<Array<{ id: string }>>('/api/projects')).length, 1, 'before: bank 103 lists the project')

  await api.post(`/api/projects/${projectId}/dedicated-account`, { bank: '中国工商银行杭州分行', bankCode: '102331000001', accountNo: '19045101040012345', accountName: 'x农民工工资专用账户', openedOn: '2026-01-05', openingFen: 0, reason: '开户登记' })
  t.ok(await icbc.get(`/api/projects/${projectId}/account`), 'the bank holding the dedicated account reads it')
  t.match(await failure(abc.get(`/api/projects/${projectId}/account`)), { status: 403, code: 'account_scope' }, 'the bank it was created with no longer does')
  t.same((await icbc.get<Array<{ id: string }>>('/api/projects')).map((p) => p.id), [projectId], 'bank 102 lists it')
  t.same(await abc.get('/api/projects'), [], 'bank 103 does not')
})
