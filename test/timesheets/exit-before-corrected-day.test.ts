/**
 * An exit dated before a day a person's correction put the worker on site (a day set present, an added punch) is
 * refused without a reason, as one before a gate's punch is: recorded, it dropped that day from the worker's pay
 * without a word (found by review). A correction withdrawn no longer counts.
 */
import t from 'tap'
import { reviewSite } from './helpers/site.ts'

t.test('an exit before a corrected day needs a reason', async (t) => {
  const s = await reviewSite(t, { nowIso: '2026-10-20T02:00:00Z', entryDate: '2026-10-01' })
  const { enrolment } = await s.roster.enrolmentOf(s.project.id, s.worker.id)
  const present = await s.timesheets.addCorrection(s.project.id, s.worker.id, '2026-10-10', { kind: 'set_status', status: 'present', reason: '手工考勤', author: '王芳' })
  await t.rejects(s.roster.recordExit(s.project.id, enrolment.id, '2026-10-08'), { code: 'exit_before_attendance', details: { lastAttendedOn: '2026-10-10' } })
  await s.timesheets.addCorrection(s.project.id, s.worker.id, '2026-10-10', { kind: 'revoke', revokesId: present.id, reason: '记错', author: '王芳' })
  const exited = await s.roster.recordExit(s.project.id, enrolment.id, '2026-10-08')
  t.equal(exited.exitDate, '2026-10-08', 'the correction withdrawn: the exit stands')
})
