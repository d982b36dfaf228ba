/**
 * A worker who exited and came back (再次进场) in the same month: the gates' punches of either spell count, those of
 * the days between the exit and the return count for nothing and are flagged as after the exit (as a punch of a
 * worker who has left is); the month's timesheet and payroll sheet pay the days of both spells. A return recorded
 * after the month was confirmed makes the days from it an adjustment, in the return's transaction, as an exit does.
 */
import t from 'tap'
import { reviewSite } from './helpers/site.ts'

const DAY_RATE_FEN = 30_000

t.test('a month spanning an exit and a return: both spells worked, the days away not', async (t) => {
  const s = await reviewSite(t, { nowIso: '2026-10-05T12:00:00Z', entryDate: '2026-10-01' })
  const P = s.project.id
  const { enrolment } = await s.roster.enrolmentOf(P, s.worker.id)
  // Each day's punches arrive that evening: a clock ahead of the service's would be suspect.
  const day = async (date: string): Promise<void> => {
    s.clock.set(Date.parse(`${date}T12:00:00Z`))
    await s.punch(`${date}T07:00:00+08:00`, 'in')
    await s.punch(`${date}T17:00:00+08:00`, 'out')
  }
  await day('2026-10-05')
  await day('2026-10-06')
  s.clock.set(Date.parse('2026-10-10T12:00:00Z'))
  await s.timesheets.recordExit(P, enrolment.id, '2026-10-10')
  // The worker's card is used at the gate while they are away: stored, counted for nothing.
  await day('2026-10-14')
  s.clock.set(Date.parse('2026-10-20T02:00:00Z'))
  const back = await s.timesheets.recordReturn(P, enrolment.id, '2026-10-20', { actor: '王芳' })
  t.same(back.breaks, [{ exitDate: '2026-10-10', returnDate: '2026-10-20' }])
  await day('2026-10-21')
  await day('2026-10-22')
  await s.inbox.idle()

  const days = await s.timesheets.workerDays(s.project, s.worker.id, '2026-10-01', '2026-10-31')
  const credited = days.filter((d) => d.creditHalves > 0).map((d) => d.workDate)
  t.same(credited, ['2026-10-05', '2026-10-06', '2026-10-21', '2026-10-22'], 'the days of both spells, not the day away')
  const away = days.find((d) => d.workDate === '2026-10-14')
  t.ok(away?.punches.length === 2 && away.punches.every((p) => p.reason === 'after_exit'), "the day away's punches: after the exit")

  s.clock.set(Date.parse('2026-11-02T02:00:00Z'))
  const flags = await s.timesheets.attendanceFlags(P, '2026-10')
  t.same([...new Set(flags.map((f) => `${f.kind} ${f.workDate}`))], ['punch_after_exit 2026-10-14'], 'flagged as a punch of a worker who had left, nothing else')

  const month = await s.timesheets.teamMonth(P, s.team.id, '2026-10')
  t.equal(month.workers.find((w) => w.worker.id === s.worker.id)?.line.month.creditHalves, 8, "the team's October: four days")
  await s.timesheets.confirmByManager(P, s.team.id, '2026-10', '王芳', null)
  const sheet = await s.services.sheets.make(P, s.team.id, '2026-10', '王芳', null)
  const line = sheet.lines.find((l) => l.row.workerId === s.worker.id)?.row
  t.match(line, { dayHalves: 8, payableFen: 4 * DAY_RATE_FEN }, 'the payroll sheet pays the four days of both spells')
})

t.test('a return recorded after the month was confirmed: the days from it become an adjustment', async (t) => {
  const s = await reviewSite(t, { nowIso: '2026-10-05T12:00:00Z', entryDate: '2026-10-01' })
  const P = s.project.id
  const { enrolment } = await s.roster.enrolmentOf(P, s.worker.id)
  await s.punch('2026-10-05T07:00:00+08:00', 'in')
  await s.punch('2026-10-05T17:00:00+08:00', 'out')
  s.clock.set(Date.parse('2026-10-10T12:00:00Z')) // an exit is recorded once it has happened
  await s.timesheets.recordExit(P, enrolment.id, '2026-10-10')
  // Back on the 26th, but nobody recorded the return before October was confirmed.
  s.clock.set(Date.parse('2026-10-26T12:00:00Z'))
  await s.punch('2026-10-26T07:00:00+08:00', 'in')
  await s.punch('2026-10-26T17:00:00+08:00', 'out')
  await s.inbox.idle()
  s.clock.set(Date.parse('2026-11-02T02:00:00Z'))
  await s.timesheets.confirmByManager(P, s.team.id, '2026-10', '王芳', null)
  t.equal((await s.timesheets.projectMonth(P, '2026-10')).get(s.worker.id)?.month.creditHalves, 2, 'October confirmed with the one day before the exit')

  await s.timesheets.recordReturn(P, enrolment.id, '2026-10-26', { actor: '王芳', reason: '10月26日再次进场, 漏登记' })
  const adjustments = await s.timesheets.adjustmentsRecordedIn(P, '2026-11')
  t.match(adjustments, [{ workerId: s.worker.id, workDate: '2026-10-26', cause: 'recomputed', beforeHalves: 0, afterHalves: 2 }], 'the day after the return, carried into November')
})

t.test('punches during the break are refused as after an exit; after the return they count', async (t) => {
  const s = await reviewSite(t, { nowIso: '2026-11-03T02:00:00Z', entryDate: '2026-10-01' })
  const P = s.project.id
  const { enrolment } = await s.roster.enrolmentOf(P, s.worker.id)
  await s.timesheets.recordExit(P, enrolment.id, '2026-10-10')
  await s.timesheets.recordReturn(P, enrolment.id, '2026-10-20')
  await s.timesheets.recordExit(P, enrolment.id, '2026-10-25')
  await s.timesheets.recordReturn(P, enrolment.id, '2026-11-01')
  for (const d of ['2026-10-15', '2026-10-22', '2026-10-28', '2026-11-02']) {
    await s.punch(`${d}T07:00:00+08:00`, 'in')
    await s.punch(`${d}T17:00:00+08:00`, 'out')
  }
  await s.inbox.idle()
  const days = await s.timesheets.workerDays(s.project, s.worker.id, '2026-10-01', '2026-11-02')
  const counted = (d: string): boolean => (days.find((x) => x.workDate === d)?.creditHalves ?? 0) > 0
  t.same(['2026-10-15', '2026-10-22', '2026-10-28', '2026-11-02'].map(counted), [false, true, false, true], 'each break out, each spell in')
  // A correction on a day of a break is refused, naming the breaks.
  await t.rejects(
    s.timesheets.addCorrection(P, s.worker.id, '2026-10-28', { kind: 'set_status', status: 'present', reason: '纸质考勤', author: '王芳' }),
    { code: 'date_outside_enrolment' },
  )
  // An added night shift's out falling on a day of a break: refused as one after an exit is.
  await t.rejects(
    s.timesheets.addCorrection(P, s.worker.id, '2026-10-25', { kind: 'add_punch', at: '2026-10-26 06:00', direction: 'out', reason: '夜班下班漏打卡', author: '王芳' }),
    { code: 'date_outside_enrolment' },
  )
})
