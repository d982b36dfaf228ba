import t from 'tap'
import fc from 'fast-check'
import { holds } from '../helpers/property.ts'
import { buildWorkerDays, monthOfWorkers, type TimesheetPunch } from '../../src/timesheets/rules.ts'
import { parseLocalDateTime } from '../../src/kernel/time.ts'

const TZ = 'Asia/Shanghai'
let nextId = 1
const p = (workerId: string, local: string, direction: TimesheetPunch['direction']): TimesheetPunch => ({
  id: nextId++,
  workerId,
  deviceTimeMs: parseLocalDateTime(local, TZ)!,
  direction,
  workDate: local.slice(0, 10),
})

t.test('gate day: first in to last out', async (t) => {
  const [d] = buildWorkerDays([p('w1', '2026-10-08 07:00:00', 'in'), p('w1', '2026-10-08 12:00:00', 'out'), p('w1', '2026-10-08 13:00:00', 'in'), p('w1', '2026-10-08 17:30:00', 'out')])
  t.equal(d!.status, 'present')
  t.equal(d!.workedMinutes, 630)
  t.equal(d!.rule, 'direction')
})

t.test('face terminal day: paired by order', async (t) => {
  const [d] = buildWorkerDays([p('w1', '2026-10-08 17:31:00', 'unknown'), p('w1', '2026-10-08 07:01:00', 'unknown')])
  t.equal(d!.status, 'present')
  t.equal(d!.workedMinutes, 630)
  t.equal(d!.rule, 'order')
})

t.test('a missing out makes the day incomplete, never a full day', async (t) => {
  const [gate] = buildWorkerDays([p('w1', '2026-10-08 07:00:00', 'in')])
  t.equal(gate!.status, 'incomplete')
  t.equal(gate!.workedMinutes, 0)
  const [face] = buildWorkerDays([p('w2', '2026-10-08 07:00:00', 'unknown')])
  t.equal(face!.status, 'incomplete')
  const [outOnly] = buildWorkerDays([p('w3', '2026-10-08 17:00:00', 'out')])
  t.equal(outOnly!.status, 'incomplete')
})

t.test('month fold counts days and minutes per worker', async (t) => {
  const m = monthOfWorkers(
    buildWorkerDays([
      p('w1', '2026-10-08 07:00:00', 'in'),
      p('w1', '2026-10-08 17:00:00', 'out'),
      p('w1', '2026-10-09 07:00:00', 'in'),
    ]),
  )
  t.same({ ...m.get('w1'), days: undefined }, { workerId: 'w1', daysPresent: 1, daysIncomplete: 1, workedMinutes: 600, days: undefined })
})

const arbPunches = fc.array(
  fc.record({
    worker: fc.constantFrom('w1', 'w2', 'w3'),
    day: fc.integer({ min: 1, max: 28 }),
    minute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
    direction: fc.constantFrom('in', 'out', 'unknown'),
  }),
  { maxLength: 60 },
).map((rows) =>
  rows.map((r, i): TimesheetPunch => {
    const date = `2026-10-${String(r.day).padStart(2, '0')}`
    const hh = String(Math.floor(r.minute / 60)).padStart(2, '0')
    const mm = String(r.minute % 60).padStart(2, '0')
    return { id: i + 1, workerId: r.worker, deviceTimeMs: parseLocalDateTime(`${date} ${hh}:${mm}:00`, TZ)!, direction: r.direction, workDate: date }
  }),
)

t.test('properties', async (t) => {
  holds(t, 'order of arrival never changes the timesheet', fc.property(arbPunches, fc.integer(), (ps, seed) => {
    const shuffled = [...ps].sort((a, b) => ((a.id * 2654435761) ^ seed) % 97 - ((b.id * 2654435761) ^ seed) % 97)
    return JSON.stringify(buildWorkerDays(ps)) === JSON.stringify(buildWorkerDays(shuffled))
  }))
  holds(t, 'worked minutes in a day never exceed 24 h', fc.property(arbPunches, (ps) => buildWorkerDays(ps).every((d) => d.workedMinutes >= 0 && d.workedMinutes <= 24 * 60)))
  holds(t, 'every punch is in exactly one worker-day', fc.property(arbPunches, (ps) => {
    const used = buildWorkerDays(ps).flatMap((d) => d.punchIds).sort((a, b) => a - b)
    return JSON.stringify(used) === JSON.stringify(ps.map((x) => x.id).sort((a, b) => a - b))
  }))
  holds(t, 'a present day has an in before its out', fc.property(arbPunches, (ps) => buildWorkerDays(ps).every((d) => d.status !== 'present' || (d.firstInMs! < d.lastOutMs! ))))
})
