/**
 * (Found by review.) months the API refuses with 400 (its schema: 2000-2099) reach the services from two page forms: the desk's
 * month confirmation answers 500 for 9999-12, and the worker's complaint form stores a COMPLAINT case for any month
 * (9999-12, 0000-01, decades ahead) that no case list of the desk or the API can then show or close.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { DESK_NOW_MS, registerDeskSite } from './helpers/desk-site.ts'
import { postForm as post, signIn } from './helpers/http.ts'
import { registerWorkerSite, WORKER_NOW_MS } from './helpers/worker-site.ts'

t.test('desk confirmation of a month out of range: a clear 400, not a 500', async (t) => {
  const { api, httpUrl: base } = await startTestServer(t, { clock: new ManualClock(DESK_NOW_MS) })
  const d = await registerDeskSite(api, { tag: 'MB', seed: 95 })
  const lm = await signIn(base, d.logins.labourManager)
  const url = `/pages/projects/${d.site.projectId}/desk/review/teams/${d.site.teamId}/confirmation`
  const apiAnswer = await api.fetch(`/api/projects/${d.site.projectId}/teams/${d.site.teamId}/timesheets/9999-12/confirmation`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ confirmedBy: '劳资员' }) })
  t.equal(apiAnswer.status, 400, 'the API refuses the month')
  const page = await post(base, url, lm, { month: '9999-12' })
  t.equal(page.status, 400, 'the page refuses it too')
  const correction = await post(base, `/pages/projects/${d.site.projectId}/desk/review/workers/${d.site.workerId}/days/2026-10-12/corrections`, lm, { kind: 'set_status', status: 'present', reason: '', month: '9999-12' })
  t.ok(correction.status < 500, `a correction form naming month 9999-12: ${correction.status}`)
})

t.test("a worker's complaint names a month the page offers, not any month", async (t) => {
  const { api, services, httpUrl: base } = await startTestServer(t, { clock: new ManualClock(WORKER_NOW_MS) })
  const ws = await registerWorkerSite(api, services, { tag: 'MBW', seed: 1451, month: false })
  const P = ws.site.projectId
  const s = await services.access.workerSession({ id: ws.a.id, name: '张伟' }, 'test')
  const cookie = `wl_session=${s!.token}`
  for (const month of ['9999-12', '2099-12', '2001-01']) {
    const r = await post(base, `/w/${P}/me/complaint`, cookie, { month, text: '工资没发' })
    t.equal(r.status, 400, `${month}: refused (the worker entered 2026-09; it is 2026-11)`)
  }
  const stored = await services.db.all<{ month: string }>({ text: 'SELECT DISTINCT month AS "month" FROM flag_case_events WHERE project_id = ?', params: [P] })
  t.same(stored, [], 'no case stored for those months')
  const listed = await api.fetch(`/api/projects/${P}/cases?month=9999-12`)
  t.equal(listed.status, 400, 'and the API could never list a 9999-12 case to close it')
})
