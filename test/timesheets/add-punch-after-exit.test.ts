/**
 * (Found by review.) An add_punch correction (补卡) whose time falls on the day after the worker's exit is accepted
 * (201, stored) and then silently has no effect.
 *
 * A worker's last shift is a night shift: in at 20:00 on the exit date (2026-10-05), the gate misses the out at 06:00
 * the next morning. The labour manager does what the README says ("Corrections": add_punch "may fall on the next
 * morning (a night shift's out)") and files the out on the exit date. addCorrection checks only the day it is filed
 * on against the enrolment (src/timesheets/service.ts, addCorrection: `date_outside_enrolment` tests `workDate`, never
 * the date of `at`), so the correction is stored; the rules then date the added punch by its own time
 * (src/timesheets/rules.ts, buildWorkerDays: `outsideEnrolment(workDateOf(c.atMs))`) and exclude it as after_exit.
 * Result: the exit day stays `incomplete` / needs review (it holds the month's confirmation), the manager's correction
 * shows up as a `punch_after_exit` flag on 2026-10-06, and nothing tells them why their 补卡 did nothing.
 *
 * Now refused up front, 400 date_outside_enrolment naming the date of `at`: the worker's own out after the exit is
 * left out by design (rules.test.ts), so the exit is to be recorded on the day the shift really ended.
 */
import t from 'tap'
import { AppError } from '../../src/kernel/errors.ts'
import { reviewSite } from '../timesheets/helpers/site.ts'

t.test("an out added for the exit day's night shift is either counted or refused, never accepted and ignored", async (t) => {
  const s = await reviewSite(t, { nowIso: '2026-10-05T13:00:00Z', entryDate: '2026-10-01' })
  await s.punch('2026-10-05T20:00:00+08:00', 'in')
  await s.inbox.idle()
  const { enrolment } = await s.roster.enrolmentOf(s.project.id, s.worker.id)
  s.clock.set(Date.parse('2026-10-06T02:00:00Z'))
  await s.roster.recordExit(s.project.id, enrolment.id, '2026-10-05')

  let refused: AppError | undefined
  try {
    await s.timesheets.addCorrection(s.project.id, s.worker.id, '2026-10-05', { kind: 'add_punch', at: '2026-10-06 06:00', direction: 'out', reason: '闸机漏记下班卡', author: '王芳' })
  } catch (err) {
    if (!(err instanceof AppError)) throw err
    refused = err
  }
  t.equal(refused?.code, 'date_outside_enrolment', 'refused with a reason the manager can act on')
  t.match(refused?.details, { workDate: '2026-10-06', exitDate: '2026-10-05' }, 'naming the date of the punch, not the day it was filed on')
  const stored = await s.timesheets.workerMonth(s.project.id, s.worker.id, '2026-10')
  t.match(stored.line.month.days.find((d) => d.workDate === '2026-10-05'), { status: 'incomplete' }, 'nothing stored: the day is as it was')
})
