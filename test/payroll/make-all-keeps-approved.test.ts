/**
 * (Found by review.) "Make every ready team's sheet" supersedes sheets that are already approved, instructed or settled.
 *
 * README (Payroll sheets → Making every team's at once): "every team whose month is confirmed and has **no live
 * sheet** gets its next version … Calling it again makes nothing twice." An approved (or instructed, settled) sheet is
 * the live sheet of its team-month (sheet-rules.ts nextVersion: "the live sheet (the newest not withdrawn, not
 * superseded)"). Yet makeAll only skips a team when nextVersion refuses, and nextVersion refuses only a live sheet
 * *not yet approved*: so the labour manager's month-end bulk step, run a second time (a late team, a retry), makes a
 * copy of every approved team's sheet, marks the approved one `superseded` (it can no longer be instructed, README
 * Payroll sheets) and starts a draft to be sent, answered, submitted and approved all over again — for teams nobody
 * meant to correct, including a team whose sheet has been paid and settled.
 *
 * What should happen: makeAll skips a team whose sheet in force is approved or later (a correction is the team's own
 * make, a deliberate step), reporting it as skipped with the sheet it already has, and leaves that sheet untouched.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

t.test('running "make every team\'s" again does not supersede an approved sheet', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const admin = server.api
  const site = await registerAccessSite(admin, { tag: 'RMA', regionCode: '330106', bankCode: '103331000011', seed: 91 })
  const P = `/api/projects/${site.projectId}`
  const T = `${P}/teams/${site.teamId}/payroll-sheets`
  await admin.post(`${P}/workers/${site.workerId}/days/2026-10-12/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })
  await admin.post(`${P}/teams/${site.teamId}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员' })

  type Made = { teams: Array<{ teamId: string; sheet: { version: number } | null; skipped: { code: string } | null }> }
  const first = await admin.post<Made>(`${P}/payroll-sheets`, { month: '2026-10' })
  t.match(first.teams.find((x) => x.teamId === site.teamId), { sheet: { version: 1 } })
  for (const step of ['send', 'submit', 'approve']) await admin.post(`${T}/2026-10/${step}`, {})
  const v1 = await admin.get<{ sheetId: string; state: string }>(`${T}/2026-10`)
  t.equal(v1.state, 'approved')

  // Month end again (another team was late): the same bulk step.
  const again = await admin.post<Made>(`${P}/payroll-sheets`, { month: '2026-10' })
  const ours = again.teams.find((x) => x.teamId === site.teamId)
  t.equal(ours?.sheet, null, `no new version for a team whose sheet is approved: ${JSON.stringify(ours)}`)
  t.ok(ours?.skipped, 'the team is reported as skipped')
  const after = await admin.get<{ sheetId: string; state: string; version: number }>(`${T}/2026-10?version=1`)
  t.equal(after.state, 'approved', 'the approved sheet is not superseded by a bulk step')
  const inForce = await server.services.sheets.approvedForMonth(site.projectId, '2026-10')
  t.match(inForce, [{ sheetId: v1.sheetId, superseded: false }], 'and it can still be instructed')
})
