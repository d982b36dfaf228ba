/**
 * (Found by review.) A correction is judged by the enrolment as it stands under the worker's locks, the locks an exit
 * and an entry-date correction take: a correction checked just before an exit commits, for a day after that exit, is
 * refused (date_outside_enrolment), not stored and credited to the confirmed month as an adjustment that pays a day
 * after the exit. The interleaving is forced: the exit commits between the correction's first read of the enrolment
 * and its transaction.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

t.test('a correction racing an exit does not credit a day after the exit to a confirmed month', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const { api, services } = await startTestServer(t, { clock })
  const site = await registerAccessSite(api, { tag: 'RV-EX1', regionCode: '330106', bankCode: '103331000011', seed: 4751 })
  const P = `/api/projects/${site.projectId}`
  const W = site.workerId
  const set = (d: string) => api.fetch(`${P}/workers/${W}/days/${d}/corrections`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' }) })
  for (const d of ['2026-10-12', '2026-10-13']) t.equal((await set(d)).status, 201)
  await api.post(`${P}/teams/${site.teamId}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员' })

  // The exit (dated 20 October) commits while the correction below is between its checks and its transaction.
  const roster = services.roster as unknown as { enrolmentOf: (p: string, w: string) => Promise<unknown> }
  const original = roster.enrolmentOf.bind(services.roster)
  let armed = true
  roster.enrolmentOf = async (p: string, w: string) => {
    const stale = await original(p, w)
    if (armed && w === W) {
      armed = false
      await services.timesheets.recordExit(site.projectId, site.enrolmentId, '2026-10-20', { actor: 'review' })
    }
    return stale
  }
  const res = await set('2026-10-26')
  roster.enrolmentOf = original
  t.notOk(armed, 'the exit was recorded in between')

  const after = (await services.timesheets.adjustmentsRecordedIn(site.projectId, '2026-11')).filter((a) => a.workerId === W && a.workDate > '2026-10-20' && a.afterHalves > 0)
  t.same(
    after.map((a) => [a.workDate, a.beforeHalves, a.afterHalves]),
    [],
    `no day after the exit is credited to confirmed October (correction answered ${res.status})`,
  )
})
