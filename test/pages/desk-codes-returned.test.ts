/**
 * (Found by review.) The desk's sign-in-code list (工人登录码) took a worker with no exit in force for one on the roster
 * today: a worker away between an exit and a return recorded ahead (再次进场: the return already on the enrolment, so no
 * exit in force) was listed all through the break. Now the list is read by the spells: the worker is listed while on
 * site, not on a day of the break, and again from the return.
 *
 * The worker 张伟: entered 2026-09-01, exited 30 September, back 2 November. An exit or return is recorded once it has
 * happened (date_in_future otherwise, test/roster/future-exit-return.test.ts): both are recorded on 2 November, and the
 * list is read on days before and after, as it was for spells recorded ahead before that rule.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { registerDeskSite } from './helpers/desk-site.ts'
import { getPage, signIn } from './helpers/http.ts'

t.test('desk sign-in codes: a worker away between an exit and a return is not listed during the break', async (t) => {
  const clock = new ManualClock(Date.parse('2026-09-15T02:00:00Z'))
  const { api: admin, httpUrl: base } = await startTestServer(t, { clock })
  const d = await registerDeskSite(admin, { tag: 'DWB', seed: 93 })
  const E = `/api/projects/${d.site.projectId}/enrolments/${d.site.enrolmentId}`
  clock.set(Date.parse('2026-11-02T02:00:00Z'))
  await admin.post(`${E}/exit`, { exitDate: '2026-09-30' })
  await admin.post(`${E}/return`, { returnDate: '2026-11-02' })
  const page = `/pages/projects/${d.site.projectId}/desk/workers`
  const listed = async (iso: string): Promise<boolean> => {
    clock.set(Date.parse(iso))
    const res = await getPage(base, page, await signIn(base, d.logins.labourManager))
    t.equal(res.status, 200, `the page on ${iso.slice(0, 10)}`)
    return res.text.includes('<th scope="row">张伟</th>')
  }
  t.equal(await listed('2026-09-15T02:00:00Z'), true, 'on site before the exit')
  t.equal(await listed('2026-10-15T02:00:00Z'), false, 'away all of October: not on the roster today')
  t.equal(await listed('2026-11-01T02:00:00Z'), false, 'the day before the return')
  t.equal(await listed('2026-11-02T02:00:00Z'), true, 'back on the day of the return')
})
