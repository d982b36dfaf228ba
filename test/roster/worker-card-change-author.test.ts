/**
 * A worker reading their own card changes (换卡) saw who made each as staff views name it: `user:<login>` or
 * `key:<key prefix>`, a login name or a credential's prefix. The worker reads the login's display name, or the
 * organisation of the key; staff keep the login and the key.
 */
import t from 'tap'
import { cardNumber } from '../../simulators/identities.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createKey, createLogin, logIn, PASSWORD, registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

t.test("a worker sees who changed their card by name or organisation, never a login or key prefix", async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const { api: admin } = await startTestServer(t, { clock })
  const site = await registerAccessSite(admin, { tag: 'WCC', regionCode: '330106', bankCode: '103331000011', seed: 97 })
  const staff = await admin.post<{ id: string }>('/api/users', { login: 'lm.wcc', displayName: '张立明', password: PASSWORD, role: 'labour_manager', organisationId: site.generalContractorId })
  const lm = admin.as(await logIn(admin, 'lm.wcc'))
  const k = await createKey(admin, 'HR system', 'labour_manager', { organisationId: site.generalContractorId })
  const C = `/api/workers/${site.workerId}/card-changes`
  await lm.post(C, { bankName: '中国建设银行', cardNo: cardNumber(97_001), reason: '原卡挂失' })
  clock.advance(1_000)
  await admin.as(k.key).post(C, { bankName: '中国工商银行', cardNo: cardNumber(97_002), reason: '换回工行' })

  type Change = { actor: string }
  t.same((await admin.get<Change[]>(C)).map((c) => c.actor), ['user:lm.wcc', `key:${k.prefix}`], 'staff see the login and the key')

  await createLogin(admin, 'wcc-w', 'worker', { workerId: site.workerId })
  const own = await admin.as(await logIn(admin, 'wcc-w')).get<Change[]>(C)
  t.same(own.map((c) => c.actor), ['张立明', '总包 WCC'], "the login's display name, the key's organisation")
  const text = JSON.stringify(own)
  t.notMatch(text, /lm\.wcc|wlk_|user:|key:/, 'no login name or key prefix in the reply')
  t.notOk(text.includes(staff.id) || text.includes(k.id), 'no id of the login or key in the reply')
})
