/**
 * Timesheets (考勤表): a worker's month, a team's month and a project's month,
 * built from raw punches by the pure rules; corrections (考勤更正); the
 * confirmation of a team's month by its labour manager and then by each
 * worker (考勤确认); and adjustments (补差) when a confirmed month changes.
 *
 * Open months are computed on request from raw punches and corrections, so
 * they are never stale and a late punch needs no rebuild. A confirmed month is
 * its snapshot, frozen; a change that reaches a confirmed day (a replayed
 * punch, a correction) is detected by recomputing only that day and its
 * neighbours, and recorded as an adjustment carried into the open month.
 */
import { AppError } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import { addDays, datesOfMonth, monthBoundsMs, monthOf, nextMonth, parseLocalDateTime, workDateOf, type Clock, type Month, type WorkDate } from '../kernel/time.ts'
import type { PunchRecord } from '../punches/admit.ts'
import type { EnrolmentRow, ProjectRow, WorkerRow } from '../roster/repository.ts'
import type { RosterService } from '../roster/service.ts'
import type { AdjustmentCause, ConfirmationChannel } from '../db/schema/timesheets.ts'
import type { AttendancePolicy } from './policy.ts'
import { buildWorkerDays, foldMonth, inputDates, type ClockSuspect, type Correction, type RawPunch, type CorrectionKind, type SetStatus, type WorkerDay, type WorkerMonth } from './rules.ts'
import type { AdjustmentRow, ConfirmationRow, CorrectionRow, TimesheetRepository, WorkerConfirmationRow } from './repository.ts'

/** A worker's line in a month: the month itself, and the adjustments to confirmed months carried into it. */
export interface WorkerMonthLine {
  workerId: string
  teamId: string
  /** True when the month is a confirmed, frozen snapshot. */
  frozen: boolean
  month: WorkerMonth
  adjustments: AdjustmentRow[]
  adjustmentHalves: number
  adjustmentMinutes: number
  /** For a confirmed month: changes made to its days after confirmation (each carried into a later month). */
  laterAdjustments: AdjustmentRow[]
}

export type TeamMonthState = 'open' | 'manager_confirmed' | 'worker_confirmed'

export interface TeamMonthWorker {
  worker: WorkerRow
  enrolment: EnrolmentRow
  line: WorkerMonthLine
  /** The worker's newest answer to the confirmed month. */
  answer: WorkerConfirmationRow | null
}

export interface TeamMonth {
  projectId: string
  projectName: string
  teamId: string
  teamName: string
  month: Month
  timeZone: string
  policy: AttendancePolicy
  state: TeamMonthState
  confirmation: Omit<ConfirmationRow, 'snapshot'> | null
  workers: TeamMonthWorker[]
}

export interface TeamSummary {
  teamId: string
  name: string
  state: TeamMonthState
  confirmedBy: string | null
  confirmedAtMs: number | null
  workers: number
  creditHalves: number
  adjustmentHalves: number
  workedMinutes: number
  daysIncomplete: number
  daysNeedingReview: number
  daysCorrected: number
  workersConfirmed: number
  workersDisputed: number
}

export type AttendanceFlagKind = 'punch_before_entry' | 'punch_after_exit' | 'clock_suspect' | 'day_needs_review' | 'late_punch_in_confirmed_month' | 'change_to_confirmed_month'

export interface AttendanceFlag {
  kind: AttendanceFlagKind
  workerId: string
  teamId: string
  workDate: WorkDate
  punchId: number | null
  detail: Record<string, unknown>
}

interface Snapshot {
  policy: AttendancePolicy
  timeZone: string
  workers: Record<string, WorkerMonth>
}

export interface NewCorrection {
  kind: CorrectionKind
  punchId?: number
  /** add_punch: an instant with its offset, or local time "YYYY-MM-DD HH:mm[:ss]" in the project's zone. */
  at?: string
  direction?: 'in' | 'out'
  status?: SetStatus
  revokesId?: string
  reason: string
  author: string
}

/**
 * Why a clock reading is suspect and what a person does about it, carried on each clock_suspect flag. Most
 * before_install flags come from a device registered without its installation time (it then defaults to the moment
 * of registration), so a replayed earlier month is flagged whole.
 */
const CLOCK_SUSPECT_ADVICE: Record<ClockSuspect, { why: string; action: string }> = {
  before_install: {
    why: "the device's time is earlier than the device's recorded installation (installedAt; when none was given at registration, the moment it was registered)",
    action:
      "if the device was in fact installed earlier, correct its installation time (POST /api/projects/{id}/devices/{deviceId}/installation): the readings it clears are accepted at once; otherwise accept this punch (accept_punch) or void it",
  },
  ahead_of_receipt: {
    why: "the device's time is ahead of the moment the service received the reading by more than the project's clockAheadMinutes",
    action: "set the device's clock right; then accept this punch (accept_punch) if the reading is believed, or add the right time (add_punch) and void it",
  },
}

const CONFIRMED_CACHE_MS = 5_000
const SWEEP_FIRST_LOOKBACK_MS = 24 * 3_600_000
const SWEEP_OVERLAP_MS = 2 * 60_000
/** An instant as ISO 8601 with its offset; anything else is read as local time in the project's zone. */
const INSTANT_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:[zZ]|[+-]\d{2}:\d{2})$/
const AT_MS_MIN = Date.UTC(2000, 0, 1)
const AT_MS_MAX = Date.UTC(2100, 0, 1)
/** Which kinds of correction each optional field belongs to. */
const KIND_FIELDS = {
  punchId: ['void_punch', 'accept_punch'],
  at: ['add_punch'],
  direction: ['add_punch'],
  status: ['set_status'],
  revokesId: ['revoke'],
} as const satisfies Record<string, readonly CorrectionKind[]>

export class TimesheetService {
  /** Confirmed snapshots never change: parsed once. */
  private readonly snapshots = new Map<string, Snapshot>()
  /**
   * project → "teamId|month" → confirmation id, for the late-punch check on the
   * ingest path. Re-read after a short while, so a month another service
   * instance confirmed is seen; sweep() catches what arrived in between.
   */
  private confirmed = new Map<string, { readAtMs: number; months: Map<string, string> }>()
  /** Receipt time up to which the sweep has looked. */
  private sweptUntilMs: number | undefined

  constructor(
    private readonly repo: TimesheetRepository,
    private readonly roster: RosterService,
    private readonly clock: Clock,
  ) {}

  // ---- reading ----------------------------------------------------------------

  /** Live worker-days of one worker for dates from..to (inclusive). */
  workerDays(project: ProjectRow, workerId: string, from: WorkDate, to: WorkDate, policy = this.roster.policy(project.id)): WorkerDay[] {
    const { enrolment } = this.roster.enrolmentOf(project.id, workerId)
    const range = inputDates(from, to)
    const punches = this.repo.punchesByWorker(project.id, range.from, range.to, workerId).get(workerId) ?? []
    const corrections = this.repo.correctionsByWorker(project.id, addDays(range.from, -1), addDays(range.to, 1), workerId).get(workerId) ?? []
    return buildWorkerDays({ workerId, enrolment, punches, corrections }, policy, project.timeZone, from, to)
  }

  /**
   * Live months of every worker of the project with anything in the month.
   * One pass over the month's punches (and two days either side).
   */
  liveMonths(project: ProjectRow, month: Month, policy = this.roster.policy(project.id)): Map<string, WorkerMonth> {
    const months = new Map<string, WorkerMonth>()
    this.forEachLiveMonth(project, month, policy, (m) => months.set(m.workerId, m))
    return months
  }

  /**
   * Builds each worker's live month and hands it to fn without keeping it, so
   * a month of a very large project (the benchmark's 100,000 workers) is built
   * in bounded memory.
   */
  forEachLiveMonth(project: ProjectRow, month: Month, policy: AttendancePolicy, fn: (m: WorkerMonth) => void): void {
    const dates = datesOfMonth(month)
    const from = dates[0] as WorkDate
    const to = dates[dates.length - 1] as WorkDate
    const range = inputDates(from, to)
    const corrections = this.repo.correctionsByWorker(project.id, addDays(range.from, -1), addDays(range.to, 1))
    const enrolments = new Map(this.roster.listEnrolments(project.id).map(({ enrolment }) => [enrolment.workerId, enrolment]))
    const build = (w: string, punches: readonly RawPunch[]): void => {
      const enrolment = enrolments.get(w)
      if (!enrolment) return
      const days = buildWorkerDays({ workerId: w, enrolment, punches, corrections: corrections.get(w) ?? [] }, policy, project.timeZone, from, to)
      if (days.length > 0) fn(foldMonth(w, days))
    }
    const seen = new Set<string>()
    this.repo.forEachWorkerPunches(project.id, range.from, range.to, undefined, (w, punches) => {
      seen.add(w)
      build(w, punches)
    })
    // Workers with corrections but no punch in the range (a day added by hand).
    for (const w of corrections.keys()) if (!seen.has(w)) build(w, [])
  }

  /**
   * Live months of a few workers (a team, one worker): each worker's punches
   * by index seeks, so a team's month costs its own workers' rows, not the
   * project's.
   */
  private liveFor(project: ProjectRow, month: Month, policy: AttendancePolicy, enrolments: readonly EnrolmentRow[]): Map<string, WorkerMonth> {
    const dates = datesOfMonth(month)
    const from = dates[0] as WorkDate
    const to = dates[dates.length - 1] as WorkDate
    const range = inputDates(from, to)
    const single = enrolments.length === 1 ? enrolments[0]?.workerId : undefined
    const corrections = this.repo.correctionsByWorker(project.id, addDays(range.from, -1), addDays(range.to, 1), single)
    const months = new Map<string, WorkerMonth>()
    for (const enrolment of enrolments) {
      const w = enrolment.workerId
      const punches = this.repo.punchesByWorker(project.id, range.from, range.to, w).get(w) ?? []
      const days = buildWorkerDays({ workerId: w, enrolment, punches, corrections: corrections.get(w) ?? [] }, policy, project.timeZone, from, to)
      if (days.length > 0) months.set(w, foldMonth(w, days))
    }
    return months
  }

  /** Every worker's line for a month: frozen where the team's month is confirmed, live elsewhere. */
  projectMonth(projectId: string, month: Month): Map<string, WorkerMonthLine> {
    const project = this.roster.project(projectId)
    let live: Map<string, WorkerMonth> | undefined
    const adjustments = this.adjustmentsByWorker(projectId, month)
    const lines = new Map<string, WorkerMonthLine>()
    for (const { enrolment } of this.roster.listEnrolments(projectId)) {
      const confirmationId = this.confirmedId(projectId, enrolment.teamId, month)
      let m: WorkerMonth | undefined
      if (confirmationId) m = this.snapshot(confirmationId).workers[enrolment.workerId]
      else m = (live ??= this.liveMonths(project, month)).get(enrolment.workerId)
      const adj = adjustments.get(enrolment.workerId) ?? []
      if (!m && adj.length === 0) continue
      lines.set(enrolment.workerId, lineOf(enrolment, m ?? foldMonth(enrolment.workerId, []), confirmationId !== undefined, adj))
    }
    return lines
  }

  /** One worker's month: frozen when confirmed. */
  workerMonth(projectId: string, workerId: string, month: Month): { project: ProjectRow; worker: WorkerRow; enrolment: EnrolmentRow; line: WorkerMonthLine; answer: WorkerConfirmationRow | null } {
    const project = this.roster.project(projectId)
    const { enrolment, worker } = this.roster.enrolmentOf(projectId, workerId)
    const confirmationId = this.confirmedId(projectId, enrolment.teamId, month)
    const m = confirmationId
      ? (this.snapshot(confirmationId).workers[workerId] ?? foldMonth(workerId, []))
      : (this.liveFor(project, month, this.roster.policy(projectId), [enrolment]).get(workerId) ?? foldMonth(workerId, []))
    const adj = this.adjustmentsByWorker(projectId, month).get(workerId) ?? []
    const answer = confirmationId ? (this.answers(confirmationId).get(workerId) ?? null) : null
    const later = confirmationId ? this.repo.adjustmentsOfConfirmation(confirmationId).filter((a) => a.workerId === workerId) : []
    return { project, worker, enrolment, line: lineOf(enrolment, m, confirmationId !== undefined, adj, later), answer }
  }

  /** A team's month: every enrolled worker of the team who was enrolled at any time in the month. */
  teamMonth(projectId: string, teamId: string, month: Month): TeamMonth {
    const project = this.roster.project(projectId)
    const team = this.roster.team(projectId, teamId)
    const dates = datesOfMonth(month)
    const first = dates[0] as WorkDate
    const last = dates[dates.length - 1] as WorkDate
    const confirmation = this.repo.confirmation(projectId, teamId, month)
    const snapshot = confirmation ? this.snapshot(confirmation.id) : undefined
    // Everyone enrolled in the team during the month; for a confirmed month also everyone it froze, whatever
    // their enrolment says now (an exit recorded later must not drop a line the month was confirmed and paid with).
    const members = this.roster
      .listEnrolments(projectId)
      .filter(({ enrolment }) => (enrolment.teamId === teamId && enrolment.entryDate <= last && (enrolment.exitDate === null || enrolment.exitDate >= first)) || snapshot?.workers[enrolment.workerId] !== undefined)
    const policy = snapshot?.policy ?? this.roster.policy(projectId)
    const live = snapshot ? undefined : this.liveFor(project, month, policy, members.map((m) => m.enrolment))
    const adjustments = this.adjustmentsByWorker(projectId, month)
    const answers = confirmation ? this.answers(confirmation.id) : new Map<string, WorkerConfirmationRow>()
    const laterByWorker = new Map<string, AdjustmentRow[]>()
    for (const a of confirmation ? this.repo.adjustmentsOfConfirmation(confirmation.id) : []) laterByWorker.set(a.workerId, [...(laterByWorker.get(a.workerId) ?? []), a])
    const workers: TeamMonthWorker[] = members
      .map(({ enrolment, worker }) => {
        const m = (snapshot ? snapshot.workers[worker.id] : live?.get(worker.id)) ?? foldMonth(worker.id, [])
        const later = laterByWorker.get(worker.id) ?? []
        return { worker, enrolment, line: lineOf(enrolment, m, snapshot !== undefined, adjustments.get(worker.id) ?? [], later), answer: answers.get(worker.id) ?? null }
      })
      .sort((a, b) => (a.worker.name < b.worker.name ? -1 : a.worker.name > b.worker.name ? 1 : a.worker.id < b.worker.id ? -1 : 1))
    const state: TeamMonthState = !snapshot ? 'open' : stateOf(snapshot, answers)
    const { snapshot: _s, ...confirmationHead } = confirmation ?? { snapshot: '' }
    return {
      projectId,
      projectName: project.name,
      teamId,
      teamName: team.name,
      month,
      timeZone: project.timeZone,
      policy,
      state,
      confirmation: confirmation ? (confirmationHead as Omit<ConfirmationRow, 'snapshot'>) : null,
      workers,
    }
  }

  /** A project's month at a glance, per team: state, days credited, days waiting for review, answers. */
  projectSummary(projectId: string, month: Month): { project: ProjectRow; teams: TeamSummary[]; lines: Map<string, WorkerMonthLine> } {
    const project = this.roster.project(projectId)
    const lines = this.projectMonth(projectId, month)
    const teams: TeamSummary[] = this.roster.listTeams(projectId).map((team) => {
      const confirmation = this.repo.confirmation(projectId, team.id, month)
      const answers = confirmation ? this.answers(confirmation.id) : new Map<string, WorkerConfirmationRow>()
      const teamLines = [...lines.values()].filter((l) => l.teamId === team.id)
      return {
        teamId: team.id,
        name: team.name,
        state: !confirmation ? 'open' : stateOf(this.snapshot(confirmation.id), answers),
        confirmedBy: confirmation?.confirmedBy ?? null,
        confirmedAtMs: confirmation?.confirmedAtMs ?? null,
        workers: teamLines.length,
        creditHalves: teamLines.reduce((n, l) => n + l.month.creditHalves, 0),
        adjustmentHalves: teamLines.reduce((n, l) => n + l.adjustmentHalves, 0),
        workedMinutes: teamLines.reduce((n, l) => n + l.month.workedMinutes, 0),
        daysIncomplete: teamLines.reduce((n, l) => n + l.month.daysIncomplete, 0),
        daysNeedingReview: teamLines.reduce((n, l) => n + l.month.daysNeedingReview, 0),
        daysCorrected: teamLines.reduce((n, l) => n + l.month.daysCorrected, 0),
        workersConfirmed: [...answers.values()].filter((a) => a.decision === 'confirm').length,
        workersDisputed: [...answers.values()].filter((a) => a.decision === 'dispute').length,
      }
    })
    return { project, teams, lines }
  }

  /**
   * What in a month needs someone's attention (考勤预警): punches left out
   * (before entry, after exit, suspect clock), days waiting for review, and
   * adjustments to confirmed months carried into this month.
   */
  attendanceFlags(projectId: string, month: Month): AttendanceFlag[] {
    const flags: AttendanceFlag[] = []
    for (const line of this.projectMonth(projectId, month).values()) {
      for (const d of line.month.days) {
        for (const p of d.punches) {
          if (p.reason === 'before_entry' || p.reason === 'after_exit' || p.reason === 'clock_suspect') {
            flags.push({ kind: p.reason === 'clock_suspect' ? 'clock_suspect' : `punch_${p.reason}`, workerId: line.workerId, teamId: line.teamId, workDate: d.workDate, punchId: p.punchId, detail: { atMs: p.atMs, clockSuspect: p.clockSuspect, ...(p.clockSuspect ? CLOCK_SUSPECT_ADVICE[p.clockSuspect] : {}) } })
          }
        }
        if (d.needsReview) flags.push({ kind: 'day_needs_review', workerId: line.workerId, teamId: line.teamId, workDate: d.workDate, punchId: null, detail: { reasons: d.reviewReasons } })
      }
      for (const a of line.adjustments) {
        flags.push({
          kind: 'change_to_confirmed_month',
          workerId: line.workerId,
          teamId: line.teamId,
          workDate: a.workDate,
          punchId: null,
          detail: { adjustmentId: a.id, cause: a.cause, before: { status: a.beforeStatus, creditHalves: a.beforeHalves, workedMinutes: a.beforeMinutes }, after: { status: a.afterStatus, creditHalves: a.afterHalves, workedMinutes: a.afterMinutes } },
        })
      }
    }
    const project = this.roster.project(projectId)
    const { startMs, endMs } = monthBoundsMs(month, project.timeZone)
    const teamOf = new Map(this.roster.listEnrolments(projectId).map(({ enrolment }) => [enrolment.workerId, enrolment.teamId]))
    // What arrived this month, whatever date its clock claimed: every punch that reached a confirmed month after the
    // confirmation (changed figure or not: the month was signed without it), and readings of a clock far off, which
    // put themselves on a date nobody reviews (a reset clock says 2000-01-01).
    const confirmedAt = new Map(this.repo.confirmedTeamMonths(projectId).map((c) => [`${c.teamId}|${c.month}`, c]))
    for (const p of this.repo.receivedBetween(projectId, startMs, endMs)) {
      const teamId = teamOf.get(p.workerId) ?? ''
      const c = confirmedAt.get(`${teamId}|${monthOf(p.workDate)}`)
      if (c && p.receivedAtMs > c.confirmedAtMs) {
        flags.push({ kind: 'late_punch_in_confirmed_month', workerId: p.workerId, teamId, workDate: p.workDate, punchId: p.id, detail: { confirmedMonth: c.month, confirmationId: c.id, receivedAtMs: p.receivedAtMs } })
      }
      if (p.clockSuspect !== null && monthOf(p.workDate) !== month) {
        flags.push({
          kind: 'clock_suspect',
          workerId: p.workerId,
          teamId,
          workDate: p.workDate,
          punchId: p.id,
          detail: { atMs: p.deviceTimeMs, clockSuspect: p.clockSuspect, ...CLOCK_SUSPECT_ADVICE[p.clockSuspect], receivedAtMs: p.receivedAtMs, deviceId: p.deviceId, note: 'received this month; the device clock put it on another date' },
        })
      }
    }
    return flags.sort((a, b) => (a.workDate < b.workDate ? -1 : a.workDate > b.workDate ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0))
  }

  /** The corrections made to a worker's days of a month (and the two days either side), oldest first. */
  corrections(projectId: string, workerId: string, month: Month): Correction[] {
    const dates = datesOfMonth(month)
    return this.repo.correctionsByWorker(projectId, addDays(dates[0] as WorkDate, -1), addDays(dates[dates.length - 1] as WorkDate, 1), workerId).get(workerId) ?? []
  }

  // ---- corrections ------------------------------------------------------------

  /** Appends a correction to a worker-day. A day of a confirmed month keeps its figures: the change becomes an adjustment. */
  addCorrection(projectId: string, workerId: string, workDate: WorkDate, input: NewCorrection): CorrectionRow {
    const project = this.roster.project(projectId)
    const { enrolment } = this.roster.enrolmentOf(projectId, workerId)
    if (workDate < enrolment.entryDate || (enrolment.exitDate !== null && workDate > enrolment.exitDate)) {
      throw new AppError('date_outside_enrolment', { workDate, entryDate: enrolment.entryDate, exitDate: enrolment.exitDate })
    }
    const invalid = (message: string): never => {
      throw new AppError('correction_invalid', { kind: input.kind, message })
    }
    const row: CorrectionRow = {
      id: newId(),
      projectId,
      workerId,
      workDate,
      kind: input.kind,
      punchId: null,
      atMs: null,
      direction: null,
      status: null,
      revokesId: null,
      reason: input.reason.trim(),
      author: input.author.trim(),
      createdAtMs: this.clock.nowMs(),
    }
    if (row.reason === '') invalid('a correction needs a reason')
    if (row.author === '') invalid('a correction needs its author')
    const today = workDateOf(this.clock.nowMs(), project.timeZone)
    if (workDate > today) throw new AppError('date_in_future', { workDate, today })
    const foreign = (Object.keys(KIND_FIELDS) as Array<keyof typeof KIND_FIELDS>).filter((f) => input[f] !== undefined && !(KIND_FIELDS[f] as readonly CorrectionKind[]).includes(input.kind))
    if (foreign.length > 0) invalid(`${foreign.map((f) => `\`${f}\``).join(', ')} ${foreign.length === 1 ? 'does' : 'do'} not belong to ${input.kind}`)
    const affected = new Set<WorkDate>([workDate])
    switch (input.kind) {
      case 'add_punch': {
        if (input.at === undefined || input.direction === undefined) return invalid('add_punch needs `at` and `direction`')
        const atMs = INSTANT_TEXT.test(input.at) ? Date.parse(input.at) : parseLocalDateTime(input.at, project.timeZone)
        if (atMs === undefined || Number.isNaN(atMs) || atMs < AT_MS_MIN || atMs > AT_MS_MAX) {
          return invalid(`"${input.at}" is not a time; send an instant with its offset ("2026-10-12T17:00:00+08:00") or local time "YYYY-MM-DD HH:mm"`)
        }
        if (atMs > this.clock.nowMs()) return invalid(`${input.at} has not happened yet`)
        const date = workDateOf(atMs, project.timeZone)
        // The day itself, or the next morning for the end of a night shift.
        if (date !== workDate && date !== addDays(workDate, 1)) return invalid(`${input.at} falls on ${date}; a punch added to ${workDate} must fall on that day or the next morning`)
        row.atMs = atMs
        row.direction = input.direction
        affected.add(date)
        break
      }
      case 'void_punch':
      case 'accept_punch': {
        if (input.punchId === undefined) return invalid(`${input.kind} needs \`punchId\``)
        const punch = this.repo.punch(projectId, input.punchId)
        if (!punch || punch.workerId !== workerId) throw new AppError('punch_not_found', { punchId: input.punchId, workerId })
        if (punch.workDate < addDays(workDate, -1) || punch.workDate > addDays(workDate, 1)) return invalid(`punch ${punch.id} is on ${punch.workDate}, not on ${workDate} or a neighbouring day`)
        if (input.kind === 'accept_punch' && punch.clockSuspect === null) return invalid(`punch ${punch.id} is not clock_suspect; only a suspect clock reading needs accepting`)
        row.punchId = punch.id
        affected.add(punch.workDate)
        break
      }
      case 'set_status':
        if (input.status === undefined) return invalid('set_status needs `status`')
        row.status = input.status
        break
      case 'revoke': {
        if (input.revokesId === undefined) return invalid('revoke needs `revokesId`')
        const target = this.repo.correction(projectId, input.revokesId)
        if (!target || target.workerId !== workerId) throw new AppError('correction_not_found', { correctionId: input.revokesId })
        if (target.kind === 'revoke') return invalid('a revoke cannot be revoked; add the correction again')
        const already = this.repo.correctionsByWorker(projectId, addDays(target.workDate, -1), addDays(target.workDate, 1), workerId).get(workerId) ?? []
        if (already.some((c) => c.kind === 'revoke' && c.revokesId === target.id)) return invalid(`correction ${target.id} is already revoked`)
        row.revokesId = target.id
        row.workDate = target.workDate
        affected.add(target.workDate)
        if (target.atMs !== null) affected.add(workDateOf(target.atMs, project.timeZone))
        // Withdrawing a void or an accept changes the day the punch is on, which may not be the day it was filed on.
        if (target.punchId !== null) {
          const punch = this.repo.punch(projectId, target.punchId)
          if (punch) affected.add(punch.workDate)
        }
        break
      }
    }
    this.repo.transaction(() => {
      this.repo.insertCorrection(row)
      this.syncAdjustments(project, workerId, affected, 'correction', { correctionId: row.id })
    })
    return row
  }

  // ---- confirmation -----------------------------------------------------------

  /** The labour manager confirms the team's month (班组长/劳资员确认): its figures are frozen as they stand. */
  confirmByManager(projectId: string, teamId: string, month: Month, confirmedBy: string, note: string | null): TeamMonth {
    const project = this.roster.project(projectId)
    this.roster.team(projectId, teamId)
    const dates = datesOfMonth(month)
    const today = workDateOf(this.clock.nowMs(), project.timeZone)
    if ((dates[dates.length - 1] as WorkDate) >= today) throw new AppError('month_not_ended', { month, today })
    if (this.repo.confirmation(projectId, teamId, month)) throw new AppError('timesheet_already_confirmed', { teamId, month })
    const view = this.teamMonth(projectId, teamId, month)
    const review = view.workers.flatMap((w) => w.line.month.days.filter((d) => d.needsReview).map((d) => ({ workerId: w.worker.id, name: w.worker.name, workDate: d.workDate, reasons: d.reviewReasons })))
    if (review.length > 0) throw new AppError('timesheet_needs_review', { count: review.length, days: review.slice(0, 100) })
    const snapshot: Snapshot = { policy: view.policy, timeZone: project.timeZone, workers: {} }
    for (const w of view.workers) if (w.line.month.days.length > 0) snapshot.workers[w.worker.id] = w.line.month
    if (Object.keys(snapshot.workers).length === 0) throw new AppError('timesheet_empty', { teamId, month })
    const row: ConfirmationRow = {
      id: newId(),
      projectId,
      teamId,
      month,
      confirmedBy: confirmedBy.trim(),
      note,
      snapshot: JSON.stringify(snapshot),
      confirmedAtMs: this.clock.nowMs(),
    }
    try {
      this.repo.insertConfirmation(row)
    } catch (err) {
      // Another instance confirmed the same month a moment ago: the unique index says so.
      if (this.repo.confirmation(projectId, teamId, month)) throw new AppError('timesheet_already_confirmed', { teamId, month })
      throw err
    }
    this.confirmed.delete(projectId)
    this.snapshots.set(row.id, snapshot)
    return this.teamMonth(projectId, teamId, month)
  }

  /** A worker answers their confirmed month: confirm, or dispute with a reason (异议). The newest answer counts. */
  answerByWorker(projectId: string, workerId: string, month: Month, input: { decision: 'confirm' | 'dispute'; channel: ConfirmationChannel; note: string | null }): WorkerConfirmationRow {
    const { enrolment } = this.roster.enrolmentOf(projectId, workerId)
    const confirmation = this.repo.confirmation(projectId, enrolment.teamId, month)
    if (!confirmation) throw new AppError('timesheet_not_confirmed', { teamId: enrolment.teamId, month })
    if (!this.snapshot(confirmation.id).workers[workerId]) throw new AppError('worker_not_in_timesheet', { workerId, month })
    if (input.decision === 'dispute' && !input.note?.trim()) throw new AppError('correction_invalid', { message: 'a dispute needs a note saying what is wrong' })
    const row: WorkerConfirmationRow = {
      id: newId(),
      confirmationId: confirmation.id,
      workerId,
      decision: input.decision,
      channel: input.channel,
      note: input.note,
      recordedAtMs: this.clock.nowMs(),
    }
    this.repo.insertWorkerConfirmation(row)
    return row
  }

  // ---- late punches and adjustments -------------------------------------------------

  /**
   * Called after each ingest commit. A punch on (or next to) a day of a
   * confirmed month may change that day: recompute the day and its neighbours
   * and record the difference as an adjustment. Months not confirmed need
   * nothing: they are computed when read.
   */
  punchesStored(punches: readonly PunchRecord[]): number {
    let made = 0
    const byWorker = new Map<string, { projectId: string; dates: Set<WorkDate> }>()
    for (const p of punches) {
      const teams = this.confirmedOf(p.projectId)
      if (teams.size === 0) continue
      const key = `${p.projectId}\u0000${p.workerId}`
      let w = byWorker.get(key)
      if (!w) byWorker.set(key, (w = { projectId: p.projectId, dates: new Set() }))
      w.dates.add(p.workDate)
    }
    for (const [key, { projectId, dates }] of byWorker) {
      const workerId = key.slice(key.indexOf('\u0000') + 1)
      const project = this.roster.project(projectId)
      made += this.repo.transaction(() => this.syncAdjustments(project, workerId, dates, 'late_punch', {}))
    }
    return made
  }

  /**
   * For each confirmed day among the dates and their neighbours, compares the
   * day as it now computes (under the policy it was confirmed with) with the
   * day as confirmed plus earlier adjustments, and appends an adjustment for
   * any difference. Idempotent: running it again finds nothing new.
   */
  private syncAdjustments(project: ProjectRow, workerId: string, dates: Set<WorkDate>, cause: AdjustmentCause, causeDetail: Record<string, unknown>): number {
    const { enrolment } = this.roster.enrolmentOf(project.id, workerId)
    const candidates = new Set<WorkDate>()
    for (const d of dates) for (const n of [-1, 0, 1]) candidates.add(addDays(d, n))
    let made = 0
    for (const date of [...candidates].sort()) {
      const confirmationId = this.confirmedId(project.id, enrolment.teamId, monthOf(date))
      if (!confirmationId) continue
      const snapshot = this.snapshot(confirmationId)
      const frozen = snapshot.workers[workerId]?.days.find((d) => d.workDate === date)
      const now = this.workerDays(project, workerId, date, date, snapshot.policy)[0]
      const earlier = this.repo.adjustmentsOfDay(project.id, workerId, date).at(-1)
      const before = earlier
        ? { status: earlier.afterStatus, halves: earlier.afterHalves, minutes: earlier.afterMinutes }
        : { status: frozen?.status ?? 'absent', halves: frozen?.creditHalves ?? 0, minutes: frozen?.workedMinutes ?? 0 }
      // A day with nothing counted is absent whether or not it has a line: no adjustment for that difference alone.
      const after = { status: now?.status ?? 'absent', halves: now?.creditHalves ?? 0, minutes: now?.workedMinutes ?? 0 }
      if (before.status === after.status && before.halves === after.halves && before.minutes === after.minutes) continue
      this.repo.insertAdjustment({
        id: newId(),
        projectId: project.id,
        teamId: enrolment.teamId,
        workerId,
        confirmationId,
        workDate: date,
        recordedMonth: this.openMonth(project, enrolment.teamId),
        cause,
        beforeStatus: before.status,
        afterStatus: after.status,
        beforeHalves: before.halves,
        afterHalves: after.halves,
        beforeMinutes: before.minutes,
        afterMinutes: after.minutes,
        detail: JSON.stringify({ ...causeDetail, day: now ?? null }),
        recordedAtMs: this.clock.nowMs(),
      })
      made++
    }
    return made
  }

  /** The month an adjustment is carried into: the current month, or the first after it not yet confirmed. */
  private openMonth(project: ProjectRow, teamId: string): Month {
    let m = monthOf(workDateOf(this.clock.nowMs(), project.timeZone))
    while (this.confirmedId(project.id, teamId, m)) m = nextMonth(m)
    return m
  }

  adjustmentsRecordedIn(projectId: string, month: Month): AdjustmentRow[] {
    return this.repo.adjustmentsRecordedIn(projectId, month)
  }

  private adjustmentsByWorker(projectId: string, month: Month): Map<string, AdjustmentRow[]> {
    const by = new Map<string, AdjustmentRow[]>()
    for (const a of this.repo.adjustmentsRecordedIn(projectId, month)) {
      const list = by.get(a.workerId)
      if (list) list.push(a)
      else by.set(a.workerId, [a])
    }
    return by
  }

  private confirmedOf(projectId: string): Map<string, string> {
    const now = this.clock.nowMs()
    let c = this.confirmed.get(projectId)
    if (!c || now - c.readAtMs > CONFIRMED_CACHE_MS || now < c.readAtMs) {
      c = { readAtMs: now, months: new Map(this.repo.confirmedTeamMonths(projectId).map((r) => [`${r.teamId}|${r.month}`, r.id])) }
      this.confirmed.set(projectId, c)
    }
    return c.months
  }

  /** The worker's enrolment changed (an exit recorded): re-checks every day of the worker's confirmed months. */
  enrolmentChanged(projectId: string, workerId: string): number {
    const project = this.roster.project(projectId)
    const { enrolment } = this.roster.enrolmentOf(projectId, workerId)
    let made = 0
    for (const [key] of this.confirmedOf(projectId)) {
      const [teamId, month] = key.split('|') as [string, Month]
      if (teamId !== enrolment.teamId) continue
      made += this.repo.transaction(() => this.syncAdjustments(project, workerId, new Set(datesOfMonth(month)), 'recomputed', { because: 'enrolment_changed' }))
    }
    return made
  }

  /**
   * Finds every punch received since the last sweep that reached a confirmed
   * month after its confirmation, and makes sure its adjustment exists.
   * Adjustments are made right after each commit; this catches a failure in
   * between and a month another instance confirmed a moment before.
   * Idempotent. The first sweep after a start looks back a day: a crash
   * between a commit and its adjustment is seconds, not a day.
   */
  sweep(): number {
    const now = this.clock.nowMs()
    // Overlap the previous window: a batch committed while the last sweep ran carries a receipt time before it.
    const since = this.sweptUntilMs === undefined ? now - SWEEP_FIRST_LOOKBACK_MS : this.sweptUntilMs - SWEEP_OVERLAP_MS
    let made = 0
    for (const projectId of this.repo.projectsWithConfirmations()) {
      const project = this.roster.project(projectId)
      const confirmed = new Map(this.repo.confirmedTeamMonths(projectId).map((c) => [`${c.teamId}|${c.month}`, c]))
      const teamOf = new Map(this.roster.listEnrolments(projectId).map(({ enrolment }) => [enrolment.workerId, enrolment.teamId]))
      const byWorker = new Map<string, Set<WorkDate>>()
      for (const p of this.repo.receivedBetween(projectId, since, now + 1)) {
        // The punch's own month, or the neighbouring one whose last or first day it can change.
        const team = teamOf.get(p.workerId)
        const reaches = [p.workDate, addDays(p.workDate, -1), addDays(p.workDate, 1)].some((d) => {
          const c = confirmed.get(`${team}|${monthOf(d)}`)
          return c !== undefined && p.receivedAtMs > c.confirmedAtMs
        })
        if (!reaches) continue
        let set = byWorker.get(p.workerId)
        if (!set) byWorker.set(p.workerId, (set = new Set()))
        set.add(p.workDate)
      }
      for (const [workerId, set] of byWorker) made += this.repo.transaction(() => this.syncAdjustments(project, workerId, set, 'late_punch', { foundBy: 'sweep' }))
    }
    this.sweptUntilMs = now
    return made
  }

  private confirmedId(projectId: string, teamId: string, month: Month): string | undefined {
    return this.confirmedOf(projectId).get(`${teamId}|${month}`)
  }

  private snapshot(confirmationId: string): Snapshot {
    let s = this.snapshots.get(confirmationId)
    if (!s) {
      const row = this.repo.confirmationById(confirmationId)
      if (!row) throw new AppError('timesheet_not_confirmed', { confirmationId })
      s = JSON.parse(row.snapshot) as Snapshot
      this.snapshots.set(confirmationId, s)
    }
    return s
  }

  private answers(confirmationId: string): Map<string, WorkerConfirmationRow> {
    // Oldest first, so the newest answer of each worker is the one left in the map.
    return new Map(this.repo.workerConfirmations(confirmationId).map((a) => [a.workerId, a]))
  }
}

/** Worker-confirmed once every worker the month froze has confirmed; a dispute, or no answer yet, keeps it at the manager's. */
function stateOf(snapshot: Snapshot, answers: Map<string, WorkerConfirmationRow>): TeamMonthState {
  const frozen = Object.keys(snapshot.workers)
  return frozen.length > 0 && frozen.every((w) => answers.get(w)?.decision === 'confirm') ? 'worker_confirmed' : 'manager_confirmed'
}

function lineOf(enrolment: EnrolmentRow, month: WorkerMonth, frozen: boolean, adjustments: AdjustmentRow[], laterAdjustments: AdjustmentRow[] = []): WorkerMonthLine {
  return {
    laterAdjustments,
    workerId: enrolment.workerId,
    teamId: enrolment.teamId,
    frozen,
    month,
    adjustments,
    adjustmentHalves: adjustments.reduce((n, a) => n + a.afterHalves - a.beforeHalves, 0),
    adjustmentMinutes: adjustments.reduce((n, a) => n + a.afterMinutes - a.beforeMinutes, 0),
  }
}

export type { Correction }
