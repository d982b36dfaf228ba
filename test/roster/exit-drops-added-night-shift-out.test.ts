/**
 * (Found by review.) An exit dated before attendance needs a reason (409 exit_before_attendance), and an added punch
 * (补卡, add_punch) is attendance on the date its time falls on in the project's zone, not the date it was filed on.
 * A night shift's out added on the day of its in falls on the next morning: an exit dated the night's day is refused,
 * naming the next date, as it is before a gate's out at the same time. It passed without a word, the added out was
 * then after the exit and left out, and the night shift already credited became unpaired.
 */
import t from 'tap'
import { reviewSite } from '../timesheets/helpers/site.ts'

t.test("an exit before an added night shift's out needs a reason, like one before a gate's", async (t) => {
  const s = await reviewSite(t, { nowIso: '2026-10-20T02:00:00Z', entryDate: '2026-10-01' })
  const { enrolment } = await s.roster.enrolmentOf(s.project.id, s.worker.id)
  // The night of the 12th: the gate saw the in; the out at 06:00 on the 13th was missed and is added on the 12th.
  await s.punch('2026-10-12T20:00:00+08:00', 'in')
  await s.inbox.idle()
  await s.timesheets.addCorrection(s.project.id, s.worker.id, '2026-10-12', { kind: 'add_punch', at: '2026-10-13 06:00', direction: 'out', reason: '闸机漏刷, 班组长证明', author: '王芳' })
  const before = (await s.timesheets.workerDays(s.project, s.worker.id, '2026-10-12', '2026-10-12'))[0]
  t.equal(before?.creditHalves, 2, 'the night of the 12th is credited')

  const exit = s.roster.recordExit(s.project.id, enrolment.id, '2026-10-12')
  await t.rejects(exit, { code: 'exit_before_attendance', details: { lastAttendedOn: '2026-10-13' } }, 'the exit would drop the added out: refused, naming the 13th')

  const after = (await s.timesheets.workerDays(s.project, s.worker.id, '2026-10-12', '2026-10-12'))[0]
  t.equal(after?.creditHalves, 2, 'the night of the 12th is still credited')
})
