/**
 * (Found by review.) The worker's own page offered every month from the worker's first entry on: a worker who left and
 * came back (再次进场) saw the month they spent wholly away, between the exit and the return, in their pay list as
 * 工资表未审核 (as if wages for it were on their way), could open it, and could complain about it. Now the months the
 * page offers skip a month spent away; the months of both spells, and this month, stay.
 *
 * The worker 张伟: entered 2026-09-01, exited 2026-09-30, back on 2026-11-02: away all of October. Today 5 December.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { payMonths } from '../../src/pages/worker-month-facts.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

const BREAKS = [{ exitDate: '2026-09-30', returnDate: '2026-11-02' }]

t.test('the pay months skip a month spent wholly away', async (t) => {
  t.same(payMonths('2026-12', '2026-09', 6, BREAKS), ['2026-12', '2026-11', '2026-09'], 'October, away from 1 to 31: not listed')
  t.same(payMonths('2026-12', '2026-09', 2, BREAKS), ['2026-12', '2026-11'], 'at most the count')
  t.same(payMonths('2026-12', '2026-09', 6, [{ exitDate: '2026-10-01', returnDate: '2026-11-02' }]), ['2026-12', '2026-11', '2026-10', '2026-09'], 'a month with a day on site (the exit day) stays')
  t.same(payMonths('2026-12', '2026-09', 6, [{ exitDate: '2026-09-30', returnDate: '2026-10-31' }]), ['2026-12', '2026-11', '2026-10', '2026-09'], 'as does one with the return day')
  t.same(payMonths('2026-12', '2026-09', 6), ['2026-12', '2026-11', '2026-10', '2026-09'], 'no breaks: as before')
})

t.test("the worker's page over HTTP: October, spent away, is not offered", async (t) => {
  const clock = new ManualClock(Date.parse('2026-12-05T02:00:00Z'))
  const { api, services, httpUrl } = await startTestServer(t, { clock })
  const site = await registerAccessSite(api, { tag: 'WP-BRK', regionCode: '330106', bankCode: '103331000011', seed: 4713 })
  const E = `/api/projects/${site.projectId}/enrolments/${site.enrolmentId}`
  await api.post(`${E}/exit`, { exitDate: '2026-09-30' })
  await api.post(`${E}/return`, { returnDate: '2026-11-02' })
  const session = await services.access.workerSession({ id: site.workerId, name: '张伟' }, 'test')
  const cookie = `wl_session=${session!.token}`
  const open = async (month?: string): Promise<string> => {
    const res = await fetch(`${httpUrl}/w/${site.projectId}/me${month ? `?month=${month}` : ''}`, { headers: { accept: 'text/html', cookie } })
    t.equal(res.status, 200, `the page${month ? ` for ${month}` : ''}`)
    return res.text()
  }
  const listed = (html: string): string[] => [...html.matchAll(/<span class="pay-label">([^<]+)<\/span>/g)].map((m) => m[1]!)

  t.same(listed(await open()), ['2026年12月', '2026年11月', '2026年9月'], 'the pay list: the months of both spells and this month, not October')
  t.match(await open('2026-09'), /<title>我的工资 · 2026年9月/, 'September, on site: opens')
  t.match(await open('2026-10'), /<title>我的工资 · 2026年12月/, 'October, away: this month opens instead')

  const complain = (month: string): Promise<Response> =>
    fetch(`${httpUrl}/w/${site.projectId}/me/complaint`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', cookie }, body: new URLSearchParams({ month, text: '工资没发' }) })
  t.equal((await complain('2026-10')).status, 400, 'no complaint about a month spent away')
  t.equal((await complain('2026-09')).status, 303, 'one about a month on site is made')
})
