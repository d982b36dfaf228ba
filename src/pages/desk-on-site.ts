/**
 * Today on site (今日在场人员), for the labour manager's desk: per team, who punched today and who is in now. A pure
 * rule over today's raw punches (as GET /api/projects/{id}/punches?date= reads them) and the roster.
 *
 * "In now" is the timesheet's own reading of the day (src/timesheets/rules.ts, buildWorkerDays): repeats debounced,
 * directions from the device or, for terminals that know none, by order within the day; a worker is in when the last
 * punch the rules use is an in. Corrections are not read here: a correction is made after the fact, not at the gate,
 * and the review queue shows the day as corrected. A punch whose device clock is suspect is left out, as the
 * timesheet leaves it out until accepted. A night shift that began yesterday is not shown as in (today's punches only).
 */
import { localTimeOf, type WorkDate } from '../kernel/time.ts'
import type { AttendancePolicy } from '../timesheets/policy.ts'
import { buildWorkerDays, type RawPunch } from '../timesheets/rules.ts'
import { enrolledOn, type EnrolmentBreak } from '../roster/spells.ts'

export interface OnSiteTeam {
  teamId: string
  name: string
}

export interface OnSiteEnrolment {
  workerId: string
  name: string
  teamId: string
  entryDate: WorkDate
  exitDate: WorkDate | null
  /** Exits a return (再次进场) followed, each with its return (src/roster/spells.ts). */
  breaks?: readonly EnrolmentBreak[]
}

export interface OnSiteWorker {
  workerId: string
  name: string
  /** The first in today, local time (HH:mm:ss); null when the day has no in the rules use. */
  firstIn: string | null
  /** The last punch the rules use, local time, and its direction. */
  last: string | null
  lastDirection: 'in' | 'out' | null
  inNow: boolean
}

export interface OnSiteTeamToday {
  teamId: string
  name: string
  /** Workers with a punch today, in now first, then by name. */
  workers: OnSiteWorker[]
  inNow: number
  enrolled: number
}

export interface OnSiteToday {
  date: WorkDate
  teams: OnSiteTeamToday[]
  inNow: number
  punchedToday: number
}

const byName = (a: { name: string; workerId: string }, b: { name: string; workerId: string }): number => a.name.localeCompare(b.name, 'zh-CN') || (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0)

/**
 * Who is on site today, per team of `teams` (the teams the caller may see, in the order given); punches of workers
 * not enrolled on those teams are ignored.
 */
export function onSiteToday(input: {
  date: WorkDate
  timeZone: string
  policy: AttendancePolicy
  teams: readonly OnSiteTeam[]
  enrolments: readonly OnSiteEnrolment[]
  punches: ReadonlyArray<RawPunch & { workerId: string }>
}): OnSiteToday {
  const { date, timeZone, policy } = input
  const teamIds = new Set(input.teams.map((t) => t.teamId))
  // A worker may have had an earlier enrolment on the project: today's is the one whose dates hold today.
  const enrolmentOf = new Map<string, OnSiteEnrolment>()
  for (const e of input.enrolments) {
    if (!teamIds.has(e.teamId) || !enrolledOn(e, date)) continue
    enrolmentOf.set(e.workerId, e)
  }
  const punchesOf = new Map<string, RawPunch[]>()
  for (const p of input.punches) {
    if (p.workDate !== date || !enrolmentOf.has(p.workerId)) continue
    const list = punchesOf.get(p.workerId)
    if (list) list.push(p)
    else punchesOf.set(p.workerId, [p])
  }
  const byTeam = new Map<string, OnSiteWorker[]>()
  for (const [workerId, punches] of punchesOf) {
    const e = enrolmentOf.get(workerId) as OnSiteEnrolment
    const [day] = buildWorkerDays({ workerId, enrolment: e, punches, corrections: [] }, policy, timeZone, date, date)
    const used = (day?.punches ?? []).filter((p) => (p.use === 'paired' || p.use === 'unpaired') && p.direction !== null)
    const firstIn = used.find((p) => p.direction === 'in')
    const last = used[used.length - 1]
    const w: OnSiteWorker = {
      workerId,
      name: e.name,
      firstIn: firstIn ? localTimeOf(firstIn.atMs, timeZone) : null,
      last: last ? localTimeOf(last.atMs, timeZone) : null,
      lastDirection: last?.direction ?? null,
      inNow: last?.direction === 'in',
    }
    const list = byTeam.get(e.teamId)
    if (list) list.push(w)
    else byTeam.set(e.teamId, [w])
  }
  const enrolledIn = new Map<string, number>()
  for (const e of enrolmentOf.values()) enrolledIn.set(e.teamId, (enrolledIn.get(e.teamId) ?? 0) + 1)
  const teams = input.teams.map((t) => {
    const workers = (byTeam.get(t.teamId) ?? []).sort((a, b) => Number(b.inNow) - Number(a.inNow) || byName(a, b))
    return { teamId: t.teamId, name: t.name, workers, inNow: workers.filter((w) => w.inNow).length, enrolled: enrolledIn.get(t.teamId) ?? 0 }
  })
  return { date, teams, inNow: teams.reduce((n, t) => n + t.inNow, 0), punchedToday: teams.reduce((n, t) => n + t.workers.length, 0) }
}
