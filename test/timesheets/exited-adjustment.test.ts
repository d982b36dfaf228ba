/**
 * A worker who left in September; September is confirmed; in November the gate replays a September day it had not
 * delivered. The adjustment (+1 day) is carried into November and paid with November's payroll, so the team's November
 * month, the attendance sheet workers sign and the labour bureau reads, lists the worker with it (it used to list only
 * those enrolled in November, and the sheet's adjustments disagreed with what was paid).
 */
import t from 'tap'
import { attendanceSheetCsv } from '../../src/timesheets/export.ts'
import { reviewSite } from './helpers/site.ts'

t.test('an adjustment carried into a month shows on the team month of that month, exited worker or not', async (t) => {
  const s = await reviewSite(t, { nowIso: '2026-09-25T04:00:00Z', entryDate: '2026-09-01' })
  for (let d = 1; d <= 14; d++) {
    const day = String(d).padStart(2, '0')
    await s.punch(`2026-09-${day}T07:00:00+08:00`, 'in')
    await s.punch(`2026-09-${day}T17:00:00+08:00`, 'out')
  }
  const { enrolment } = await s.roster.enrolmentOf(s.project.id, s.worker.id)
  await s.roster.recordExit(s.project.id, enrolment.id, '2026-09-20')
  s.clock.set(Date.parse('2026-10-05T02:00:00Z'))
  await s.timesheets.confirmByManager(s.project.id, s.team.id, '2026-09', '王芳', null)

  // November: the gate replays 15 September.
  s.clock.set(Date.parse('2026-11-03T02:00:00Z'))
  await s.punch('2026-09-15T07:00:00+08:00', 'in')
  await s.punch('2026-09-15T17:00:00+08:00', 'out')
  await s.inbox.idle()
  await s.timesheets.sweep()

  const paid = (await s.timesheets.projectMonth(s.project.id, '2026-11')).get(s.worker.id)
  t.equal(paid?.adjustmentHalves, 2, 'November pays the worker one more day (the adjustment)')
  const team = await s.timesheets.teamMonth(s.project.id, s.team.id, '2026-11')
  const line = team.workers.find((w) => w.worker.id === s.worker.id)
  t.ok(line, "the team's November month lists the worker whose adjustment it carries")
  t.equal(line?.line.adjustmentHalves ?? 0, 2)
  const csv = attendanceSheetCsv(team).toString('utf8')
  t.match(csv, '张三', 'the attendance sheet has the line that is paid')
})
