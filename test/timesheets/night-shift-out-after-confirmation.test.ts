/**
 * A night shift that starts on the 31st and ends at 06:00 on the 1st belongs to the 31st. When its out arrives after
 * the month of the 31st was confirmed, the 31st changes (an adjustment, change_to_confirmed_month), and the punch has
 * reached a confirmed month after its confirmation, so it is flagged late_punch_in_confirmed_month too, as every such
 * punch is. The flag looked only at the month of the punch's own work date (the 1st, not confirmed), so the out
 * raised an adjustment and no late-punch flag. (Found by review.)
 */
import t from 'tap'
import { reviewSite } from './helpers/site.ts'

t.test("a night shift's out on the 1st, after the month of its in was confirmed, is flagged as a late punch", async (t) => {
  const { clock, timesheets, inbox, project, team, worker, punch } = await reviewSite(t, { nowIso: '2026-11-03T02:00:00Z', entryDate: '2026-10-01', incompleteDay: 'count_half' })
  await punch('2026-10-30T07:00:00+08:00', 'in')
  await punch('2026-10-30T17:00:00+08:00', 'out')
  await punch('2026-10-31T20:00:00+08:00', 'in')
  await inbox.idle()
  await timesheets.confirmByManager(project.id, team.id, '2026-10', '王芳', null)
  clock.advance(60_000)

  await punch('2026-11-01T06:00:00+08:00', 'out')
  await inbox.idle()

  const flags = await timesheets.attendanceFlags(project.id, '2026-11')
  t.same(
    flags.filter((f) => f.kind === 'change_to_confirmed_month').map((f) => [f.workerId, f.workDate]),
    [[worker.id, '2026-10-31']],
    'the 31st changed: an adjustment carried into November',
  )
  const late = flags.filter((f) => f.kind === 'late_punch_in_confirmed_month')
  t.same(late.map((f) => [f.workerId, f.detail['confirmedMonth']]), [[worker.id, '2026-10']], 'the out reached confirmed October: flagged once')

  // A day punch of the 1st received after October's confirmation reaches no confirmed day: not flagged.
  await punch('2026-11-01T14:00:00+08:00', 'in')
  await punch('2026-11-01T18:00:00+08:00', 'out')
  await inbox.idle()
  const again = (await timesheets.attendanceFlags(project.id, '2026-11')).filter((f) => f.kind === 'late_punch_in_confirmed_month')
  t.equal(again.length, 1, 'the day shift of the 1st, listed on the 1st, is not flagged')
})
