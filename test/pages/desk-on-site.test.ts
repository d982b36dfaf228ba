/**
 * Today on site (src/pages/desk-on-site.ts), the rule alone: who is in now is the timesheet's reading of the day (a
 * repeat debounced, a terminal without direction read by order, a suspect clock left out), per team of those given,
 * in now first; workers of other teams and enrolments that do not hold today are left out.
 */
import t from 'tap'
import { onSiteToday } from '../../src/pages/desk-on-site.ts'
import { DEFAULT_POLICY } from '../../src/timesheets/policy.ts'

const TZ = 'Asia/Shanghai'
const DATE = '2026-11-03'
/** Local time on DATE in Shanghai as an instant. */
const at = (hhmm: string): number => Date.parse(`${DATE}T${hhmm}:00+08:00`)
let id = 0
const punch = (workerId: string, hhmm: string, direction: 'in' | 'out' | 'unknown', clockSuspect: 'ahead_of_receipt' | null = null) => ({
  id: ++id,
  deviceId: 'D1',
  deviceTimeMs: at(hhmm),
  direction,
  workDate: DATE,
  clockSuspect,
  workerId,
})
const enrol = (workerId: string, name: string, teamId: string, exitDate: string | null = null) => ({ workerId, name, teamId, entryDate: '2026-09-01', exitDate })

t.test('who is in now, per team', async (t) => {
  const view = onSiteToday({
    date: DATE,
    timeZone: TZ,
    policy: DEFAULT_POLICY,
    teams: [
      { teamId: 'T1', name: '钢筋班' },
      { teamId: 'T2', name: '木工班' },
    ],
    enrolments: [enrol('A', '张伟', 'T1'), enrol('B', '李强', 'T1'), enrol('C', '王芳', 'T2'), enrol('D', '赵六', 'T3'), enrol('E', '钱七', 'T1', '2026-10-31')],
    punches: [
      // In, a repeat a minute later (debounced), out at noon, in again: in now.
      punch('A', '07:30', 'in'),
      punch('A', '07:31', 'in'),
      punch('A', '12:00', 'out'),
      punch('A', '13:00', 'in'),
      // A face terminal without direction: in, then out by order.
      punch('B', '07:45', 'unknown'),
      punch('B', '09:30', 'unknown'),
      // A suspect clock's in is left out until accepted.
      punch('C', '07:50', 'in', 'ahead_of_receipt'),
      // Another team's worker, and a worker who left the project before today.
      punch('D', '07:00', 'in'),
      punch('E', '07:00', 'in'),
    ],
  })
  t.equal(view.date, DATE)
  const [t1, t2] = view.teams
  t.same(
    t1?.workers.map((w) => [w.name, w.inNow, w.firstIn, w.last, w.lastDirection]),
    [
      ['张伟', true, '07:30:00', '13:00:00', 'in'],
      ['李强', false, '07:45:00', '09:30:00', 'out'],
    ],
    'in now first; debounced repeat and direction by order as the timesheet reads them',
  )
  t.equal(t1?.inNow, 1)
  t.equal(t1?.enrolled, 2, 'the enrolment that ended before today is not counted')
  t.same(t2?.workers.map((w) => [w.name, w.inNow, w.firstIn]), [['王芳', false, null]], 'a suspect clock does not put anyone in')
  t.equal(view.inNow, 1)
  t.equal(view.punchedToday, 3)
  t.notOk(JSON.stringify(view).includes('赵六'), "a team not given (another organisation's) is not shown")
})

t.test('no teams, no punches', async (t) => {
  const view = onSiteToday({ date: DATE, timeZone: TZ, policy: DEFAULT_POLICY, teams: [{ teamId: 'T1', name: '钢筋班' }], enrolments: [enrol('A', '张伟', 'T1')], punches: [] })
  t.same(view.teams, [{ teamId: 'T1', name: '钢筋班', workers: [], inNow: 0, enrolled: 1 }])
  t.equal(view.inNow, 0)
})
