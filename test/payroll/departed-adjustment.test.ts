/**
 * A worker who left mid-month. A day of theirs corrected after the month was confirmed is an adjustment carried into
 * the team's next open month, and that month's payroll sheet pays it although the worker is no longer enrolled there
 * (it used to have no line for them: the day was never paid).
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

t.test("a departed worker's late-corrected day reaches a payroll sheet", async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const admin = server.api
  const site = await registerAccessSite(admin, { tag: 'RVD', regionCode: '330106', bankCode: '103331000011', seed: 72 })
  const P = `/api/projects/${site.projectId}`
  const T = `${P}/teams/${site.teamId}/payroll-sheets`
  const rng = new Rng(3)
  const stay = await admin.post<{ id: string }>('/api/workers', { name: '留下', idNumber: idNumber(rng, 700), bankName: '建行', cardNo: cardNumber(700) })
  await admin.post(`${P}/enrolments`, { workerId: stay.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: 'W-RVD-2' })
  const present = (w: string, d: string) => admin.post(`${P}/workers/${w}/days/${d}/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })

  // The worker works 5 and 6 October and leaves on the 10th.
  await present(site.workerId, '2026-10-05')
  await present(site.workerId, '2026-10-06')
  await present(stay.id, '2026-10-05')
  await admin.post(`${P}/enrolments/${site.enrolmentId}/exit`, { exitDate: '2026-10-10' })
  await admin.post(`${P}/teams/${site.teamId}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员' })
  const oct = await admin.post<{ lines: Array<{ workerId: string; payableFen: number }> }>(`${T}/2026-10`, {})
  t.equal(oct.lines.find((l) => l.workerId === site.workerId)?.payableFen, 70_000, 'October pays the two days')

  // A missed day (7 October) is found after confirmation: an adjustment of +1 day, carried into the next open month.
  await present(site.workerId, '2026-10-07')
  const carried = await server.services.timesheets.adjustmentsRecordedIn(site.projectId, '2026-11')
  t.match(carried, [{ workerId: site.workerId, workDate: '2026-10-07', beforeHalves: 0, afterHalves: 2 }], 'the adjustment exists, carried into November')

  clock.set(Date.parse('2026-12-02T02:00:00Z'))
  await present(stay.id, '2026-11-03')
  await admin.post(`${P}/teams/${site.teamId}/timesheets/2026-11/confirmation`, { confirmedBy: '劳资员' })
  const nov = await admin.post<{ lines: Array<{ workerId: string; adjustmentHalves: number; payableFen: number }> }>(`${T}/2026-11`, {})
  const line = nov.lines.find((l) => l.workerId === site.workerId)
  t.ok(line, "November's sheet has a line for the departed worker's carried-in day")
  t.match(line, { adjustmentHalves: 2, payableFen: 35_000 })
})
