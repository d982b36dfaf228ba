/**
 * Timesheet rules (考勤规则), first cut. Pure: punches in, worker-days out.
 *
 * A worker-day is the worker's punches whose device time falls on one work
 * date in the project's zone. First in and last out bound the day; a day with
 * only one side of that pair is `incomplete` — never a full day, never absent —
 * because pay follows from it and a guess either way wrongs someone.
 */
import type { Direction } from '../punches/canonical.ts'
import { MINUTE_MS } from '../kernel/time.ts'

export interface TimesheetPunch {
  id: number
  workerId: string
  deviceTimeMs: number
  direction: Direction
  workDate: string
}

export type DayStatus = 'present' | 'incomplete'

export interface WorkerDay {
  workerId: string
  workDate: string
  firstInMs: number | null
  lastOutMs: number | null
  workedMinutes: number
  status: DayStatus
  /** How the pair was chosen: from the devices' directions, or by order for devices that cannot tell. */
  rule: 'direction' | 'order'
  punchIds: number[]
}

/** Builds the worker-days of a set of punches, ordered by worker then date. */
export function buildWorkerDays(punches: readonly TimesheetPunch[]): WorkerDay[] {
  const groups = new Map<string, TimesheetPunch[]>()
  for (const p of punches) {
    const key = `${p.workerId}\u0000${p.workDate}`
    const g = groups.get(key)
    if (g) g.push(p)
    else groups.set(key, [p])
  }
  const days: WorkerDay[] = []
  for (const g of groups.values()) days.push(dayOf(g))
  days.sort((a, b) => (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : a.workDate < b.workDate ? -1 : a.workDate > b.workDate ? 1 : 0))
  return days
}

function dayOf(group: TimesheetPunch[]): WorkerDay {
  const sorted = [...group].sort((a, b) => a.deviceTimeMs - b.deviceTimeMs || a.id - b.id)
  const first = sorted[0] as TimesheetPunch
  const last = sorted[sorted.length - 1] as TimesheetPunch
  const knowsDirection = sorted.every((p) => p.direction !== 'unknown')
  let inMs: number | null
  let outMs: number | null
  if (knowsDirection) {
    inMs = sorted.find((p) => p.direction === 'in')?.deviceTimeMs ?? null
    outMs = [...sorted].reverse().find((p) => p.direction === 'out')?.deviceTimeMs ?? null
  } else {
    // A face terminal cannot tell in from out: the day's first punch is taken as in and its last as out.
    inMs = first.deviceTimeMs
    outMs = sorted.length > 1 ? last.deviceTimeMs : null
  }
  // Punches at one instant are one presence, not a shift of zero minutes.
  if (inMs !== null && outMs !== null && outMs <= inMs) outMs = null
  const complete = inMs !== null && outMs !== null
  return {
    workerId: first.workerId,
    workDate: first.workDate,
    firstInMs: inMs,
    lastOutMs: outMs,
    workedMinutes: complete ? Math.floor(((outMs as number) - (inMs as number)) / MINUTE_MS) : 0,
    status: complete ? 'present' : 'incomplete',
    rule: knowsDirection ? 'direction' : 'order',
    punchIds: sorted.map((p) => p.id),
  }
}

export interface WorkerMonth {
  workerId: string
  daysPresent: number
  daysIncomplete: number
  workedMinutes: number
  days: WorkerDay[]
}

/** Folds worker-days into one month line per worker. */
export function monthOfWorkers(days: readonly WorkerDay[]): Map<string, WorkerMonth> {
  const months = new Map<string, WorkerMonth>()
  for (const d of days) {
    let m = months.get(d.workerId)
    if (!m) {
      m = { workerId: d.workerId, daysPresent: 0, daysIncomplete: 0, workedMinutes: 0, days: [] }
      months.set(d.workerId, m)
    }
    m.days.push(d)
    if (d.status === 'present') m.daysPresent++
    else m.daysIncomplete++
    m.workedMinutes += d.workedMinutes
  }
  return months
}
