/**
 * (Found by review.)
 * Every read of personal data writes an access-log row (README, The access log). The bureau's drill-down
 * pages show a team's workers (names, days) and one worker's month (days with punches, payroll lines, the bank's lines
 * with the card, cases): the same data as GET …/teams/{teamId}/timesheets/{month}, …/workers/{workerId}/timesheets/{month}
 * and …/payouts/{month}/lines?workerId=, which are logged. The pages' policy was not marked personal, so an auditor's
 * reads of them left no row.
 */
import t from 'tap'
import { q } from '../../src/db/database.ts'
import { startTestServer } from '../helpers/server.ts'
import { createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'

t.test("an auditor's drill-down to a worker is written to the access log", async (t) => {
  const { api: admin, services } = await startTestServer(t)
  const site = await registerAccessSite(admin, { tag: 'OD1', regionCode: '330106', bankCode: '103331000001', seed: 631 })
  const auditorId = await createLogin(admin, 'auditor.od', 'auditor', { regionCode: '3301' })
  const auditor = admin.as(await logIn(admin, 'auditor.od'))
  // The month's page lists its cases by worker: logged too, as GET …/cases is.
  t.equal((await auditor.fetch(`/pages/oversight/projects/${site.projectId}/months/${MONTH}`)).status, 200, 'the month page: 200')
  const paths = [
    `/pages/oversight/projects/${site.projectId}/months/${MONTH}/teams/${site.teamId}`,
    `/pages/oversight/projects/${site.projectId}/months/${MONTH}/workers/${site.workerId}`,
  ]
  for (const path of paths) {
    const res = await auditor.fetch(path)
    const html = await res.text()
    t.equal(res.status, 200, `${path}: 200`)
    t.match(html, /张/, 'the page names the worker')
  }
  const rows = await services.db.all<{ route: string; recordIds: string }>(
    q(`SELECT route AS "route", record_ids AS "recordIds" FROM access_log WHERE actor_id = ? AND action = 'read' ORDER BY id`, auditorId),
  )
  t.ok(rows.some((r) => r.route.endsWith('/months/:month')), `the month page's read is logged (rows: ${JSON.stringify(rows)})`)
  t.ok(rows.some((r) => r.route.includes('/teams/:teamId') && r.recordIds.includes(site.workerId)), "the team page's read is logged with the workers shown")
  t.ok(rows.some((r) => r.route.includes('/workers/:workerId') && r.recordIds.includes(site.workerId)), "the worker page's read is logged with the worker's id")
})
