/**
 * A correction's author is what the request typed (the clerk who signed the paper) together with the login that
 * recorded it, whenever they differ: the append-only record says who made the change, not only a name anyone could
 * type (found by review: the author was the free text alone).
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

t.test("a correction records the login that made it beside the author typed", async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const { api: admin } = await startTestServer(t, { clock })
  const site = await registerAccessSite(admin, { tag: 'CAU', regionCode: '330106', bankCode: '103331000011', seed: 93 })
  await createLogin(admin, 'lm.cau', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = admin.as(await logIn(admin, 'lm.cau'))
  const W = `/api/projects/${site.projectId}/workers/${site.workerId}`
  const typed = await lm.post<{ author: string }>(`${W}/days/2026-10-12/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '王芳' })
  t.equal(typed.author, '王芳 (lm.cau)')
  const own = await lm.post<{ author: string }>(`${W}/days/2026-10-13/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: 'lm.cau' })
  t.equal(own.author, 'lm.cau', 'the login itself: not repeated')
})
