/**
 * A withdrawn correction puts the superseded sheet back in force with an event of its money state. That event is no
 * approval (the approval stays the one who approved, when they did), and the restored sheet's lines are answered as
 * the sheet in force (answers looked only at the newest version, the withdrawn one: a dispute could never be lifted).
 */
import t, { type Test } from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

async function setup(t: Test, seed: number, tag: string) {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const admin = server.api
  const site = await registerAccessSite(admin, { tag, regionCode: '330106', bankCode: '103331000011', seed })
  const P = `/api/projects/${site.projectId}`
  const T = `${P}/teams/${site.teamId}/payroll-sheets`
  await admin.post(`${P}/workers/${site.workerId}/days/2026-10-12/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })
  await admin.post(`${P}/teams/${site.teamId}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员' })
  await admin.post(`${T}/2026-10`, {})
  await createLogin(admin, `${tag}-tm`, 'team_manager', { organisationId: site.subcontractorId })
  const tm = admin.as(await logIn(admin, `${tag}-tm`))
  await createLogin(admin, `${tag}-w`, 'worker', { workerId: site.workerId })
  const worker = admin.as(await logIn(admin, `${tag}-w`))
  return { clock, server, admin, site, P, T, tm, worker }
}

t.test('restoring the superseded sheet is not a new approval', async (t) => {
  const { clock, server, admin, site, T, tm } = await setup(t, 81, 'RVR1')
  for (const step of ['send', 'submit', 'approve']) await admin.post(`${T}/2026-10/${step}`, {})
  const approvedAt = clock.nowMs()
  const before = await server.services.sheets.approvedForMonth(site.projectId, '2026-10')
  clock.advance(3_600_000)
  await admin.post(`${T}/2026-10`, { reason: '补录一笔' })
  // The team manager (who may never approve) abandons the correction.
  await tm.post(`${T}/2026-10/withdraw`, { reason: '不需要了' })
  const after = await server.services.sheets.approvedForMonth(site.projectId, '2026-10')
  t.equal(after[0]?.approvedAtMs, approvedAt, 'approved when the labour manager approved it, not when a draft was withdrawn')
  t.equal(after[0]?.approvedBy, before[0]?.approvedBy, 'approved by the approver, not by the team manager who withdrew v2')
})

t.test("a worker answers the restored sheet's line (their dispute can be lifted)", async (t) => {
  const { admin, T, P, site, worker, clock } = await setup(t, 82, 'RVR2')
  await admin.post(`${T}/2026-10/send`, {})
  await worker.post(`${P}/workers/${site.workerId}/payroll/2026-10/answer`, { decision: 'dispute', channel: 'app', note: '少算' })
  for (const step of ['submit', 'approve']) await admin.post(`${T}/2026-10/${step}`, {})
  clock.advance(60_000)
  await admin.post(`${T}/2026-10`, { reason: '更正' })
  await admin.post(`${T}/2026-10/withdraw`, { reason: '核实无误，不改了' })
  clock.advance(60_000)
  // Version 1 is in force again; the worker, satisfied, confirms their line on it.
  const res = await worker.fetch(`${P}/workers/${site.workerId}/payroll/2026-10/answer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'confirm', channel: 'app' }) })
  t.equal(res.status, 201, `answer on the sheet in force: ${(await res.text()).slice(0, 200)}`)
  const ins = await admin.fetch(`${T}/2026-10/instruction`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  t.equal(ins.status, 201, `the confirmed line is instructed: ${(await ins.text()).slice(0, 200)}`)
})
