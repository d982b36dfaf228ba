/**
 * The cases' clocks at their boundary (src/flags/cases.ts, `applyClock`). (Found by review.)
 *
 * "Handled within 7 days" and "resolved within 15" are read as the README reads them for complaint clues: calendar
 * days in the project's zone, the day the case opened not counted. A case opened on the 1st is due to be taken by the
 * end of the 8th and escalated from 00:00 on the 9th; due to be resolved by the end of the 16th and escalated from
 * 00:00 on the 17th — whatever the hour it opened, and not by 24-hour periods or UTC dates. The escalation was
 * appended on the due date itself (at 00:00 on the 8th), a day early.
 */
import t from 'tap'
import { applyClock, applyRun, foldCases, type CaseEvent, type FlagCase, type RunFlag } from '../../src/flags/cases.ts'
import { fen } from '../../src/kernel/money.ts'
import { zonedToUtcMs } from '../../src/kernel/time.ts'

const ZONE = 'Asia/Shanghai'
/** A local time in Shanghai, March 2026. */
const at = (day: number, hour = 12, minute = 0): number => zonedToUtcMs({ year: 2026, month: 3, day, hour, minute, second: 0 }, ZONE)

const unpaid: RunFlag = { kind: 'UNPAID', workerId: 'w-1', payeeCard: null, dueFen: fen(500_000), paidFen: fen(0), evidence: {} }

function openedAt(atMs: number): FlagCase {
  const { events } = applyRun([], { runId: 'r1', projectId: 'p-1', month: '2026-02', atMs, flags: [unpaid], perWorker: [] })
  const [c] = foldCases(events).cases
  if (c === undefined) throw new Error('no case')
  return c
}

const escalations = (events: CaseEvent[]): Array<[string, string]> =>
  events.flatMap((e) => (e.type === 'escalated' ? [[e.clock, e.dueDate] as [string, string]] : []))

t.test('the 7-day handling clock: due on the 8th, escalated from 00:00 on the 9th', async (t) => {
  const c = openedAt(at(1, 23, 30))
  t.same(escalations(applyClock([c], at(8, 12), ZONE)), [], 'the 8th is the seventh day after the 1st: still within 7 days')
  t.same(escalations(applyClock([c], at(9, 0) - 1, ZONE)), [], 'not at 23:59:59 on the 8th either')
  t.same(escalations(applyClock([c], at(9, 0), ZONE)), [['handling', '2026-03-08']], 'escalated at 00:00 on the 9th, naming the 8th as the due date')
})

t.test('the 15-day resolution clock: due on the 16th, escalated from 00:00 on the 17th', async (t) => {
  const c = openedAt(at(1, 9))
  t.same(escalations(applyClock([c], at(17, 0) - 1, ZONE)), [['handling', '2026-03-08']], 'only the handling clock at 23:59:59 on the 16th')
  t.same(escalations(applyClock([c], at(17, 0), ZONE)), [['handling', '2026-03-08'], ['resolution', '2026-03-16']])
})

t.test("days are the project's calendar days, not 24-hour periods or UTC dates", async (t) => {
  // Opened at 23:30 on the 1st: by 00:00 on the 9th only 7 days and 30 minutes have passed, yet the 8th is over.
  t.same(escalations(applyClock([openedAt(at(1, 23, 30))], at(9, 0), ZONE)), [['handling', '2026-03-08']])
  // Opened at 07:00 on the 2nd in Shanghai, which is 23:00 UTC on the 1st: counted by UTC dates it would be overdue
  // from 08:00 on the 9th in Shanghai; in the project's zone it is due by the end of the 9th.
  const c = openedAt(at(2, 7))
  t.same(escalations(applyClock([c], at(9, 23, 59), ZONE)), [], 'the 9th in Shanghai is still within 7 days')
  t.same(escalations(applyClock([c], at(10, 0), ZONE)), [['handling', '2026-03-09']])
  t.same(escalations(applyClock([c], at(9, 8), 'UTC')), [['handling', '2026-03-08']], 'read in UTC, the same instants fall on other dates')
})
