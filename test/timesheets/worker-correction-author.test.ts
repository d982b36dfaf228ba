/**
 * (Found by review.) A worker reading their month's corrections saw the API key that recorded them ("王芳
 * (wlk_0123456789)"), a credential's prefix, where they should see who corrected: the person's name, or, for a
 * correction made by a key alone, the organisation the key belongs to. Staff views keep the key prefix (it names the
 * key in the access log and the key list).
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { createKey, createLogin, logIn, PASSWORD, registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

t.test("a worker sees the corrector's name or organisation, never a key prefix", async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const { api: admin } = await startTestServer(t, { clock })
  const site = await registerAccessSite(admin, { tag: 'WCA', regionCode: '330106', bankCode: '103331000011', seed: 95 })
  const k = await createKey(admin, 'HR system', 'labour_manager', { organisationId: site.generalContractorId })
  const robot = admin.as(k.key)
  const W = `/api/projects/${site.projectId}/workers/${site.workerId}`
  await robot.post(`${W}/days/2026-10-12/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '王芳' })
  await robot.post(`${W}/days/2026-10-13/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: k.prefix })

  type Month = { corrections: Array<{ workDate: string; author: string }> }
  const staff = await admin.get<Month>(`${W}/timesheets/2026-10`)
  t.same(
    staff.corrections.map((c) => c.author),
    [`王芳 (${k.prefix})`, k.prefix],
    'staff see the key that recorded each correction',
  )

  await createLogin(admin, 'wca-w', 'worker', { workerId: site.workerId })
  const worker = admin.as(await logIn(admin, 'wca-w'))
  const own = await worker.get<Month>(`${W}/timesheets/2026-10`)
  t.same(
    own.corrections.map((c) => c.author),
    ['王芳', `总包 WCA`],
    'the worker sees the name typed, or the organisation of a key that recorded in its own name',
  )
  t.notMatch(JSON.stringify(own), /wlk_/, 'no key prefix anywhere in the worker\'s reply')
})

t.test("a worker sees the name typed or the login's display name, never the login that recorded a correction", async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const { api: admin } = await startTestServer(t, { clock })
  const site = await registerAccessSite(admin, { tag: 'WCL', regionCode: '330106', bankCode: '103331000011', seed: 96 })
  const staff = await admin.post<{ id: string }>('/api/users', { login: 'lm.wcl', displayName: '张立明', password: PASSWORD, role: 'labour_manager', organisationId: site.generalContractorId })
  const lm = admin.as(await logIn(admin, 'lm.wcl'))
  const W = `/api/projects/${site.projectId}/workers/${site.workerId}`
  await lm.post(`${W}/days/2026-10-12/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '王芳' })
  await lm.post(`${W}/days/2026-10-13/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: 'lm.wcl' })

  type Month = { corrections: Array<{ author: string }> }
  t.same((await admin.get<Month>(`${W}/timesheets/2026-10`)).corrections.map((c) => c.author), ['王芳 (lm.wcl)', 'lm.wcl'], 'staff see the login that recorded each')

  await createLogin(admin, 'wcl-w', 'worker', { workerId: site.workerId })
  const own = await admin.as(await logIn(admin, 'wcl-w')).get<Month>(`${W}/timesheets/2026-10`)
  t.same(own.corrections.map((c) => c.author), ['王芳', '张立明'], 'the name typed, or the display name of the login that recorded in its own name')
  const text = JSON.stringify(own)
  t.notMatch(text, /lm\.wcl/, 'no login name in the reply')
  t.notOk(text.includes(staff.id), "no login's id in the reply")
})
