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
 *
 * Several instances may share one database (PostgreSQL behind a province's
 * instances, or processes on one SQLite file). What keeps each race safe:
 * - two instances adjusting the same worker (one after its commit, another's
 *   sweep): every adjustment transaction takes the lock
 *   `adjust:{project}:{worker}` before it reads the confirmation, the day's
 *   adjustments and the punches, so the second sees what the first added; and
 *   it is idempotent by comparison (the day as it now computes against the
 *   frozen day plus earlier adjustments), so a second run adds nothing;
 * - a confirmation against a correction: the confirmation reads and inserts
 *   holding `timesheet:{project}:{team}`, which every adjustment transaction
 *   (a correction's included) also takes, so a correction is either in the
 *   snapshot or sees the confirmation and becomes an adjustment;
 * - a confirmation against a late punch: ingest commits punches without
 *   waiting on timesheet locks, and checks them against a confirmed-month
 *   cache that may be a few seconds behind another instance. The sweep, on
 *   every instance, looks at punches received from CONFIRM_RACE_MARGIN_MS
 *   before each confirmation, and the comparison leaves a punch already in the
 *   snapshot without adjustment: never both, never neither;
 * - two confirmations of one month: the unique index (INSERT … ON CONFLICT DO
 *   NOTHING), answered timesheet_already_confirmed;
 * - two revokes of one correction: checked under the worker's lock.
 * Caches: snapshots are keyed by confirmation id and never change (the parsed ones kept up to a size); the
 * confirmed-month cache serves only the after-commit check on the ingest path
 * (the sweep catches what it misses); views read confirmations from the
 * database.
 */
import { AppError } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import { addDays, datesOfMonth, monthBoundsMs, monthOf, nextMonth, looksLikeInstant, parseInstantText, parseLocalDateTime, workDateOf, type Clock, type Month, type WorkDate } from '../kernel/time.ts'
import type { PunchRecord } from '../punches/admit.ts'
import type { EnrolmentRow, EnrolmentWithWorker, ProjectRow, WorkerRow } from '../roster/repository.ts'
import type { RosterService } from '../roster/service.ts'
import { enrolledBetween, enrolledOn } from '../roster/spells.ts'
import type { AdjustmentCause, ConfirmationChannel } from '../db/schema/timesheets.ts'
import type { Transaction } from '../db/database.ts'
import type { AttendancePolicy } from './policy.ts'
import { buildWorkerDays, foldMonth, inputDates, type ClockSuspect, type Correction, type RawPunch, type CorrectionKind, type SetStatus, type WorkerDay, type WorkerMonth } from './rules.ts'
import type { AdjustmentRow, ConfirmationHead, ConfirmationRow, CorrectionRow, ReceivedPunch, TimesheetRepository, WorkerConfirmationRow } from './repository.ts'

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
  /** The correction that added the punch (补卡, add_punch), which has no punch id; null otherwise. */
  correctionId: string | null
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

/** How long the after-commit check trusts its list of a project's confirmed months before reading it again. */
const CONFIRMED_CACHE_MS = 5_000
/**
 * How long before its confirmation a punch may have been received and still be missing from the snapshot. A
 * confirmation reads the month, then commits; a punch another instance commits in between is not in the snapshot,
 * and that instance's after-commit check may not see the confirmation yet (its cache, or the commit not visible).
 * Such a punch was received (by its instance's clock) at most a batch's retries before its commit, and the commit
 * came at most a confirmation's own duration before confirmedAtMs (by the confirming instance's clock). So the sweep
 * looks at punches received from confirmedAtMs minus this margin: it must exceed a batch's retries, a confirmation's
 * duration and the clock skew between instances together (seconds each in practice). A punch received earlier than
 * that was committed before the month was read, and is in the snapshot.
 */
const CONFIRM_RACE_MARGIN_MS = 10 * 60_000
const SWEEP_FIRST_LOOKBACK_MS = 24 * 3_600_000
const SWEEP_OVERLAP_MS = 2 * 60_000
/** An instant as ISO 8601 with its offset; anything else is read as local time in the project's zone. */
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

/** A correction committed: the row, the work dates it touched, and for a revoke the correction it withdrew. */
export interface CorrectionMade {
  correction: CorrectionRow
  dates: WorkDate[]
  revoked: CorrectionRow | null
}

export class TimesheetService {
  /**
   * Confirmed snapshots never change: parsed once. Only committed confirmations are read into it (this service
   * inserts one only in confirmByManager, and caches it after that transaction returns), so a rollback can never
   * leave one here that the database does not hold.
   */
  private readonly snapshots = new SnapshotCache(SNAPSHOT_CACHE_TEXT_BYTES_MAX)
  /**
   * project → confirmed months (any team), for the late-punch check on the
   * ingest path. Re-read after a short while, so a month another service
   * instance confirmed is seen; sweep() catches what arrived in between.
   */
  private confirmed = new Map<string, { readAtMs: number; months: Set<Month> }>()
  /** Receipt time up to which the sweep has looked. */
  private sweptUntilMs: number | undefined
  /** The sweep running now: a timer's next turn joins it instead of starting a second one. */
  private sweeping: Promise<number> | undefined

  constructor(
    private readonly repo: TimesheetRepository,
    private readonly roster: RosterService,
    private readonly clock: Clock,
  ) {}

  private readonly correctedListeners: Array<(c: CorrectionMade) => void> = []

  /**
   * Called after each correction commits, with the work dates it touched (the day filed, the day of an added punch,
   * of a voided or accepted punch, of what a revoke withdraws): the upstream reporter queues those days again.
   */
  onCorrected(listener: (c: CorrectionMade) => void): void {
    this.correctedListeners.push(listener)
  }

  // ---- reading ----------------------------------------------------------------

  /** Live worker-days of one worker for dates from..to (inclusive). */
  async workerDays(project: ProjectRow, workerId: string, from: WorkDate, to: WorkDate, policy?: AttendancePolicy): Promise<WorkerDay[]> {
    const { enrolment } = await this.roster.enrolmentOf(project.id, workerId)
    return this.daysOf(project, enrolment, from, to, policy ?? (await this.roster.policy(project.id)))
  }

  private async daysOf(project: ProjectRow, enrolment: EnrolmentRow, from: WorkDate, to: WorkDate, policy: AttendancePolicy): Promise<WorkerDay[]> {
    const workerId = enrolment.workerId
    const range = inputDates(from, to)
    const punches = (await this.repo.punchesByWorker(project.id, range.from, range.to, workerId)).get(workerId) ?? []
    const corrections = (await this.repo.correctionsByWorker(project.id, addDays(range.from, -1), addDays(range.to, 1), workerId)).get(workerId) ?? []
    return buildWorkerDays({ workerId, enrolment, punches, corrections }, policy, project.timeZone, from, to)
  }

  /**
   * Live months of every worker of the project with anything in the month.
   * One pass over the month's punches (and two days either side).
   */
  async liveMonths(project: ProjectRow, month: Month, policy?: AttendancePolicy): Promise<Map<string, WorkerMonth>> {
    const months = new Map<string, WorkerMonth>()
    await this.forEachLiveMonth(project, month, policy ?? (await this.roster.policy(project.id)), (m) => months.set(m.workerId, m))
    return months
  }

  /**
   * Builds each worker's live month and hands it to fn without keeping it, so
   * a month of a very large project (the benchmark's 100,000 workers) is built
   * in bounded memory. fn runs while the project's punches are being read: it
   * must not use the database.
   */
  async forEachLiveMonth(project: ProjectRow, month: Month, policy: AttendancePolicy, fn: (m: WorkerMonth) => void): Promise<void> {
    const dates = datesOfMonth(month)
    const from = dates[0] as WorkDate
    const to = dates[dates.length - 1] as WorkDate
    const range = inputDates(from, to)
    const corrections = await this.repo.correctionsByWorker(project.id, addDays(range.from, -1), addDays(range.to, 1))
    const enrolments = new Map((await this.roster.listEnrolments(project.id)).map(({ enrolment }) => [enrolment.workerId, enrolment]))
    const build = (w: string, punches: readonly RawPunch[]): void => {
      const enrolment = enrolments.get(w)
      if (!enrolment) return
      const days = buildWorkerDays({ workerId: w, enrolment, punches, corrections: corrections.get(w) ?? [] }, policy, project.timeZone, from, to)
      if (days.length > 0) fn(foldMonth(w, days))
    }
    const seen = new Set<string>()
    await this.repo.forEachWorkerPunches(project.id, range.from, range.to, undefined, (w, punches) => {
      seen.add(w)
      build(w, punches)
    })
    // Workers with corrections but no punch in the range (a day added by hand), in id order so fn sees the same on both engines.
    for (const w of [...corrections.keys()].sort()) if (!seen.has(w)) build(w, [])
  }

  /**
   * Live months of a few workers (a team, one worker): each worker's punches
   * by index seeks, so a team's month costs its own workers' rows, not the
   * project's.
   */
  private async liveFor(project: ProjectRow, month: Month, policy: AttendancePolicy, enrolments: readonly EnrolmentRow[]): Promise<Map<string, WorkerMonth>> {
    const dates = datesOfMonth(month)
    const from = dates[0] as WorkDate
    const to = dates[dates.length - 1] as WorkDate
    const range = inputDates(from, to)
    const single = enrolments.length === 1 ? enrolments[0]?.workerId : undefined
    const corrections = await this.repo.correctionsByWorker(project.id, addDays(range.from, -1), addDays(range.to, 1), single)
    const months = new Map<string, WorkerMonth>()
    for (const enrolment of enrolments) {
      const w = enrolment.workerId
      const punches = (await this.repo.punchesByWorker(project.id, range.from, range.to, w)).get(w) ?? []
      const days = buildWorkerDays({ workerId: w, enrolment, punches, corrections: corrections.get(w) ?? [] }, policy, project.timeZone, from, to)
      if (days.length > 0) months.set(w, foldMonth(w, days))
    }
    return months
  }

  /**
   * Every worker's line for a month: frozen where the team's month is confirmed, live elsewhere. `enrolled` narrows it
   * to those enrolments (the caller's read of the roster, e.g. the teams a payroll sheet does not yet cover).
   */
  async projectMonth(projectId: string, month: Month, enrolled?: readonly EnrolmentWithWorker[]): Promise<Map<string, WorkerMonthLine>> {
    const project = await this.roster.project(projectId)
    // From the database, not the cache: a month another instance confirmed a moment ago is read frozen.
    const confirmedTeams = new Map((await this.repo.confirmedTeamMonths(projectId)).filter((c) => c.month === month).map((c) => [c.teamId, c.id]))
    let live: Map<string, WorkerMonth> | undefined
    const adjustments = await this.adjustmentsByWorker(projectId, month)
    const lines = new Map<string, WorkerMonthLine>()
    // This call's snapshots, held for its length whatever the shared cache keeps: enrolments come in any team order.
    const held = new Map<string, Snapshot>()
    for (const { enrolment } of enrolled ?? (await this.roster.listEnrolments(projectId))) {
      const confirmationId = confirmedTeams.get(enrolment.teamId)
      let m: WorkerMonth | undefined
      if (confirmationId) {
        let snapshot = held.get(confirmationId)
        if (!snapshot) held.set(confirmationId, (snapshot = await this.snapshot(confirmationId)))
        m = snapshot.workers[enrolment.workerId]
      }
      else m = (live ??= await this.liveMonths(project, month)).get(enrolment.workerId)
      const adj = adjustments.get(enrolment.workerId) ?? []
      if (!m && adj.length === 0) continue
      lines.set(enrolment.workerId, lineOf(enrolment, m ?? foldMonth(enrolment.workerId, []), confirmationId !== undefined, adj))
    }
    return lines
  }

  /** One worker's month: frozen when confirmed. */
  async workerMonth(projectId: string, workerId: string, month: Month): Promise<{ project: ProjectRow; worker: WorkerRow; enrolment: EnrolmentRow; line: WorkerMonthLine; answer: WorkerConfirmationRow | null }> {
    const project = await this.roster.project(projectId)
    const { enrolment, worker } = await this.roster.enrolmentOf(projectId, workerId)
    const confirmationId = (await this.repo.confirmationHead(projectId, enrolment.teamId, month))?.id
    const m = confirmationId
      ? ((await this.snapshot(confirmationId)).workers[workerId] ?? foldMonth(workerId, []))
      : ((await this.liveFor(project, month, await this.roster.policy(projectId), [enrolment])).get(workerId) ?? foldMonth(workerId, []))
    const adj = (await this.adjustmentsByWorker(projectId, month)).get(workerId) ?? []
    const answer = confirmationId ? ((await this.answers(confirmationId)).get(workerId) ?? null) : null
    const later = confirmationId ? (await this.repo.adjustmentsOfConfirmation(confirmationId)).filter((a) => a.workerId === workerId) : []
    return { project, worker, enrolment, line: lineOf(enrolment, m, confirmationId !== undefined, adj, later), answer }
  }

  /**
   * The days of each month that `carried` adjusts, as credited before them: the month as confirmed, with the
   * adjustments carried into earlier months applied (in the order recorded). What a sheet prices a change under
   * monthly terms against, since such a month pays at most the monthly wage.
   */
  async creditedBefore(workerId: string, carried: readonly AdjustmentRow[]): Promise<Map<Month, Array<{ workDate: WorkDate; creditHalves: number; workedMinutes: number }>>> {
    const out = new Map<Month, Array<{ workDate: WorkDate; creditHalves: number; workedMinutes: number }>>()
    const ids = new Set(carried.map((a) => a.id))
    for (const confirmationId of new Set(carried.map((a) => a.confirmationId))) {
      const first = carried.find((a) => a.confirmationId === confirmationId) as AdjustmentRow
      const days = new Map(((await this.snapshot(confirmationId)).workers[workerId]?.days ?? []).map((d) => [d.workDate, { workDate: d.workDate, creditHalves: d.creditHalves, workedMinutes: d.workedMinutes }]))
      for (const a of await this.repo.adjustmentsOfConfirmation(confirmationId)) {
        if (a.workerId !== workerId || ids.has(a.id) || a.recordedMonth >= first.recordedMonth) continue
        days.set(a.workDate, { workDate: a.workDate, creditHalves: a.afterHalves, workedMinutes: a.afterMinutes })
      }
      out.set(monthOf(first.workDate), [...days.values()].sort((x, y) => (x.workDate < y.workDate ? -1 : 1)))
    }
    return out
  }

  /** A team's month: every enrolled worker of the team who was enrolled at any time in the month. */
  async teamMonth(projectId: string, teamId: string, month: Month): Promise<TeamMonth> {
    const project = await this.roster.project(projectId)
    const team = await this.roster.team(projectId, teamId)
    const dates = datesOfMonth(month)
    const first = dates[0] as WorkDate
    const last = dates[dates.length - 1] as WorkDate
    const confirmation = await this.repo.confirmationWithoutSnapshot(projectId, teamId, month)
    const snapshot = confirmation ? await this.snapshot(confirmation.id) : undefined
    // Everyone enrolled in the team during the month; for a confirmed month also everyone it froze, whatever
    // their enrolment says now (an exit recorded later must not drop a line the month was confirmed and paid with).
    // The team's own enrolments are read, not the project's (a sheet is made per team: reading every team's members for
    // each would cost teams × workers); the whole roster only when the snapshot froze someone now in another team.
    const own = await this.roster.listTeamEnrolments(projectId, teamId)
    const ownIds = new Set(own.map((e) => e.worker.id))
    const movedAway = snapshot !== undefined && Object.keys(snapshot.workers).some((id) => !ownIds.has(id))
    const candidates = movedAway ? await this.roster.listEnrolments(projectId) : own
    const adjustments = await this.adjustmentsByWorker(projectId, month)
    // And a worker who has left with a day of an earlier month corrected after its confirmation: the adjustment is
    // carried into this month, and this month's sheet is the only one that can pay it (or take it back).
    const members = candidates.filter(
      ({ enrolment }) =>
        (enrolment.teamId === teamId && (enrolledBetween(enrolment, first, last) || adjustments.has(enrolment.workerId))) ||
        snapshot?.workers[enrolment.workerId] !== undefined,
    )
    const policy = snapshot?.policy ?? (await this.roster.policy(projectId))
    const live = snapshot ? undefined : await this.liveFor(project, month, policy, members.map((m) => m.enrolment))
    const answers = confirmation ? await this.answers(confirmation.id) : new Map<string, WorkerConfirmationRow>()
    const laterByWorker = new Map<string, AdjustmentRow[]>()
    for (const a of confirmation ? await this.repo.adjustmentsOfConfirmation(confirmation.id) : []) laterByWorker.set(a.workerId, [...(laterByWorker.get(a.workerId) ?? []), a])
    const workers: TeamMonthWorker[] = members
      .map(({ enrolment, worker }) => {
        const m = (snapshot ? snapshot.workers[worker.id] : live?.get(worker.id)) ?? foldMonth(worker.id, [])
        const later = laterByWorker.get(worker.id) ?? []
        return { worker, enrolment, line: lineOf(enrolment, m, snapshot !== undefined, adjustments.get(worker.id) ?? [], later), answer: answers.get(worker.id) ?? null }
      })
      .sort((a, b) => (a.worker.name < b.worker.name ? -1 : a.worker.name > b.worker.name ? 1 : a.worker.id < b.worker.id ? -1 : 1))
    const state: TeamMonthState = !snapshot ? 'open' : stateOf(snapshot, answers)
    return {
      projectId,
      projectName: project.name,
      teamId,
      teamName: team.name,
      month,
      timeZone: project.timeZone,
      policy,
      state,
      confirmation: confirmation ?? null,
      workers,
    }
  }

  /** A project's month at a glance, per team: state, days credited, days waiting for review, answers. */
  async projectSummary(projectId: string, month: Month): Promise<{ project: ProjectRow; teams: TeamSummary[]; lines: Map<string, WorkerMonthLine> }> {
    const project = await this.roster.project(projectId)
    const lines = await this.projectMonth(projectId, month)
    const teams: TeamSummary[] = []
    for (const team of await this.roster.listTeams(projectId)) {
      const confirmation = await this.repo.confirmation(projectId, team.id, month)
      const answers = confirmation ? await this.answers(confirmation.id) : new Map<string, WorkerConfirmationRow>()
      const teamLines = [...lines.values()].filter((l) => l.teamId === team.id)
      teams.push({
        teamId: team.id,
        name: team.name,
        state: !confirmation ? 'open' : stateOf(await this.snapshot(confirmation.id), answers),
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
      })
    }
    return { project, teams, lines }
  }

  /**
   * What in a month needs someone's attention (考勤预警): punches left out
   * (before entry, after exit, suspect clock), days waiting for review, and
   * adjustments to confirmed months carried into this month.
   */
  async attendanceFlags(projectId: string, month: Month): Promise<AttendanceFlag[]> {
    const flags: AttendanceFlag[] = []
    for (const line of (await this.projectMonth(projectId, month)).values()) {
      for (const d of line.month.days) {
        for (const p of d.punches) {
          if (p.reason === 'before_entry' || p.reason === 'after_exit' || p.reason === 'clock_suspect') {
            flags.push({ kind: p.reason === 'clock_suspect' ? 'clock_suspect' : `punch_${p.reason}`, workerId: line.workerId, teamId: line.teamId, workDate: d.workDate, punchId: p.punchId, correctionId: p.correctionId, detail: { atMs: p.atMs, clockSuspect: p.clockSuspect, ...(p.clockSuspect ? CLOCK_SUSPECT_ADVICE[p.clockSuspect] : {}) } })
          }
        }
        if (d.needsReview) flags.push({ kind: 'day_needs_review', workerId: line.workerId, teamId: line.teamId, workDate: d.workDate, punchId: null, correctionId: null, detail: { reasons: d.reviewReasons } })
      }
      for (const a of line.adjustments) {
        flags.push({
          kind: 'change_to_confirmed_month',
          workerId: line.workerId,
          teamId: line.teamId,
          workDate: a.workDate,
          punchId: null,
          correctionId: null,
          detail: { adjustmentId: a.id, cause: a.cause, before: { status: a.beforeStatus, creditHalves: a.beforeHalves, workedMinutes: a.beforeMinutes }, after: { status: a.afterStatus, creditHalves: a.afterHalves, workedMinutes: a.afterMinutes } },
        })
      }
    }
    const project = await this.roster.project(projectId)
    const { startMs, endMs } = monthBoundsMs(month, project.timeZone)
    const teamOf = new Map((await this.roster.listEnrolments(projectId)).map(({ enrolment }) => [enrolment.workerId, enrolment.teamId]))
    // What arrived this month, whatever date its clock claimed: every punch that reached a confirmed month after the
    // confirmation (changed figure or not: the month was signed without it), and readings of a clock far off, which
    // put themselves on a date nobody reviews (a reset clock says 2000-01-01).
    const confirmedAt = new Map((await this.repo.confirmedTeamMonths(projectId)).map((c) => [`${c.teamId}|${c.month}`, c]))
    const frozenIds = new Map<string, Set<number>>()
    const received = await this.repo.receivedBetween(projectId, startMs, endMs)
    // A suspect reading a person has accepted or voided is settled: no longer listed as waiting for them.
    const settled = await this.repo.settledPunchIds(projectId, received.filter((p) => p.clockSuspect !== null && monthOf(p.workDate) !== month).map((p) => p.id))
    // Received after the confirmation; or just before it (another instance's commit racing it) and not in the snapshot.
    const lateFor = async (p: ReceivedPunch, c: ConfirmationHead | undefined): Promise<boolean> =>
      c !== undefined && (p.receivedAtMs > c.confirmedAtMs || (p.receivedAtMs >= c.confirmedAtMs - CONFIRM_RACE_MARGIN_MS && !(await this.frozenPunchIds(c.id, frozenIds)).has(p.id)))
    for (const p of received) {
      const teamId = teamOf.get(p.workerId) ?? ''
      let c = confirmedAt.get(`${teamId}|${monthOf(p.workDate)}`)
      if (!(await lateFor(p, c))) {
        // A night shift's out on the 1st is listed on the day of its in, the last of the month before: it reaches that
        // month when it is listed there (under the policy the month was confirmed with).
        const dayBefore = addDays(p.workDate, -1)
        const before = monthOf(dayBefore) === monthOf(p.workDate) ? undefined : confirmedAt.get(`${teamId}|${monthOf(dayBefore)}`)
        c = before !== undefined && (await lateFor(p, before)) && (await this.listedOn(project, p, dayBefore, before)) ? before : undefined
      }
      if (c) {
        flags.push({ kind: 'late_punch_in_confirmed_month', workerId: p.workerId, teamId, workDate: p.workDate, punchId: p.id, correctionId: null, detail: { confirmedMonth: c.month, confirmationId: c.id, receivedAtMs: p.receivedAtMs } })
      }
      if (p.clockSuspect !== null && monthOf(p.workDate) !== month && !settled.has(p.id)) {
        flags.push({
          kind: 'clock_suspect',
          workerId: p.workerId,
          teamId,
          workDate: p.workDate,
          punchId: p.id,
          correctionId: null,
          detail: { atMs: p.deviceTimeMs, clockSuspect: p.clockSuspect, ...CLOCK_SUSPECT_ADVICE[p.clockSuspect], receivedAtMs: p.receivedAtMs, deviceId: p.deviceId, note: 'received this month; the device clock put it on another date' },
        })
      }
    }
    return flags.sort((a, b) => (a.workDate < b.workDate ? -1 : a.workDate > b.workDate ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0))
  }

  /** Whether the worker's day `date` lists the punch, computed under the policy of the confirmation holding that day. */
  private async listedOn(project: ProjectRow, p: ReceivedPunch, date: WorkDate, c: ConfirmationHead): Promise<boolean> {
    const days = await this.workerDays(project, p.workerId, date, date, (await this.snapshot(c.id)).policy)
    return days.some((d) => d.workDate === date && d.punches.some((x) => x.punchId === p.id))
  }

  /** Every punch a confirmed month's snapshot holds, counted or not. */
  private async frozenPunchIds(confirmationId: string, memo: Map<string, Set<number>>): Promise<Set<number>> {
    let ids = memo.get(confirmationId)
    if (!ids) {
      ids = new Set()
      for (const m of Object.values((await this.snapshot(confirmationId)).workers)) for (const d of m.days) for (const p of d.punches) if (p.punchId !== null) ids.add(p.punchId)
      memo.set(confirmationId, ids)
    }
    return ids
  }

  /** The corrections made to a worker's days of a month (and the two days either side), oldest first. */
  async corrections(projectId: string, workerId: string, month: Month): Promise<Correction[]> {
    const dates = datesOfMonth(month)
    return (await this.repo.correctionsByWorker(projectId, addDays(dates[0] as WorkDate, -1), addDays(dates[dates.length - 1] as WorkDate, 1), workerId)).get(workerId) ?? []
  }

  // ---- corrections ------------------------------------------------------------

  /** Appends a correction to a worker-day. A day of a confirmed month keeps its figures: the change becomes an adjustment. */
  async addCorrection(projectId: string, workerId: string, workDate: WorkDate, input: NewCorrection): Promise<CorrectionRow> {
    const project = await this.roster.project(projectId)
    const { enrolment } = await this.roster.enrolmentOf(projectId, workerId)
    // A reading voided where it fell outside the enrolment (a reset clock's 2000-01-01) counts for nothing either way,
    // but voiding it settles its clock_suspect flag; so may its withdrawal be.
    const settlesReading = input.kind === 'void_punch' || input.kind === 'revoke'
    // Checked again under the worker's locks: an exit or an entry date moved meanwhile (they take the same locks) is
    // the enrolment the correction is judged by and its adjustments are made with.
    const withinEnrolment = (e: EnrolmentRow, addedOn: WorkDate | undefined): void => {
      // Between an exit and the return that followed it (再次进场), as after the last exit: the worker had left.
      if (!settlesReading && !enrolledOn(e, workDate)) {
        throw new AppError('date_outside_enrolment', { workDate, entryDate: e.entryDate, exitDate: e.exitDate, ...breaksOf(e) })
      }
      // A night shift's out on the morning after the exit would be stored and then left out as after the exit:
      // refused, naming the date, so the exit can be recorded on the day the shift really ended.
      if (addedOn !== undefined && addedOn >= e.entryDate && !enrolledOn(e, addedOn)) {
        throw new AppError('date_outside_enrolment', { workDate: addedOn, entryDate: e.entryDate, exitDate: e.exitDate, ...breaksOf(e), at: input.at })
      }
    }
    withinEnrolment(enrolment, undefined)
    const invalid = (message: string, more: Record<string, unknown> = {}): never => {
      throw new AppError('correction_invalid', { kind: input.kind, message, ...more })
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
    let revoked: CorrectionRow | null = null
    switch (input.kind) {
      case 'add_punch': {
        if (input.at === undefined || input.direction === undefined) return invalid('add_punch needs `at` and `direction`')
        const atMs = looksLikeInstant(input.at) ? parseInstantText(input.at) : parseLocalDateTime(input.at, project.timeZone)
        if (atMs === undefined || atMs < AT_MS_MIN || atMs > AT_MS_MAX) {
          return invalid(`"${input.at}" is not a time; send an instant with its offset ("2026-10-12T17:00:00+08:00") or local time "YYYY-MM-DD HH:mm"`)
        }
        if (atMs > this.clock.nowMs()) return invalid(`${input.at} has not happened yet`)
        const date = workDateOf(atMs, project.timeZone)
        const fallsOn = { workDate, fallsOn: date, timeZone: project.timeZone }
        // The day itself, or the next morning for the end of a night shift.
        if (date !== workDate && date !== addDays(workDate, 1)) return invalid(`${input.at} falls on ${date} (${project.timeZone}); a punch added to ${workDate} must fall on that day or the next morning`, fallsOn)
        // A shift belongs to the day of its in (rules.ts, pairing): an in on the next day would open a shift there, and
        // the correction filed under this day would count on another. Refused, naming the day, rather than moved.
        if (input.direction === 'in' && date !== workDate) {
          return invalid(
            `${input.at} falls on ${date} (${project.timeZone}), not on ${workDate}: an in counts on the day it falls on. ` +
              `Add it to ${date} if the shift began then, or give the time on ${workDate} (local "${workDate} HH:mm"); only an out may fall on the next morning (a night shift's end)`,
            fallsOn,
          )
        }
        withinEnrolment(enrolment, date)
        row.atMs = atMs
        row.direction = input.direction
        affected.add(date)
        break
      }
      case 'void_punch':
      case 'accept_punch': {
        if (input.punchId === undefined) return invalid(`${input.kind} needs \`punchId\``)
        const punch = await this.repo.punch(projectId, input.punchId)
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
        const target = await this.repo.correction(projectId, input.revokesId)
        if (!target || target.workerId !== workerId) throw new AppError('correction_not_found', { correctionId: input.revokesId })
        if (target.kind === 'revoke') return invalid('a revoke cannot be revoked; add the correction again')
        row.revokesId = target.id
        revoked = target
        row.workDate = target.workDate
        affected.add(target.workDate)
        if (target.atMs !== null) affected.add(workDateOf(target.atMs, project.timeZone))
        // Withdrawing a void or an accept changes the day the punch is on, which may not be the day it was filed on.
        if (target.punchId !== null) {
          const punch = await this.repo.punch(projectId, target.punchId)
          if (punch) affected.add(punch.workDate)
        }
        break
      }
    }
    await this.repo.transaction(async (tx) => {
      await this.lockWorker(tx, projectId, workerId, enrolment.teamId)
      const { enrolment: current } = await this.roster.enrolmentOf(projectId, workerId)
      withinEnrolment(current, row.atMs === null ? undefined : workDateOf(row.atMs, project.timeZone))
      if (row.kind === 'revoke') {
        // Under the worker's lock: two requests (on two instances) revoking the same correction cannot both pass.
        const already = (await this.repo.correctionsByWorker(projectId, addDays(row.workDate, -1), addDays(row.workDate, 1), workerId)).get(workerId) ?? []
        if (already.some((c) => c.kind === 'revoke' && c.revokesId === row.revokesId)) invalid(`correction ${row.revokesId} is already revoked`)
      }
      await this.repo.insertCorrection(row)
      await this.syncAdjustments(tx, project, current, affected, 'correction', { correctionId: row.id })
    })
    const made: CorrectionMade = { correction: row, dates: [...affected].sort(), revoked }
    for (const l of this.correctedListeners) l(made)
    return row
  }

  // ---- confirmation -----------------------------------------------------------

  /** The labour manager confirms the team's month (班组长/劳资员确认): its figures are frozen as they stand. */
  async confirmByManager(projectId: string, teamId: string, month: Month, confirmedBy: string, note: string | null): Promise<TeamMonth> {
    const project = await this.roster.project(projectId)
    await this.roster.team(projectId, teamId)
    const dates = datesOfMonth(month)
    const today = workDateOf(this.clock.nowMs(), project.timeZone)
    if ((dates[dates.length - 1] as WorkDate) >= today) throw new AppError('month_not_ended', { month, today })
    if (await this.repo.confirmationHead(projectId, teamId, month)) throw new AppError('timesheet_already_confirmed', { teamId, month })
    // Read and frozen under the team's lock, which every adjustment transaction (a correction's included) takes too:
    // a correction is in the snapshot, or it commits after this and finds the month confirmed. A punch committed
    // meanwhile takes no such lock; the sweep finds it (CONFIRM_RACE_MARGIN_MS).
    const { row, snapshot } = await this.repo.transaction(async (tx) => {
      await tx.lock(teamLockKey(projectId, teamId))
      if (await this.repo.confirmationHead(projectId, teamId, month)) throw new AppError('timesheet_already_confirmed', { teamId, month })
      const view = await this.teamMonth(projectId, teamId, month)
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
      // Another instance confirmed the same month a moment ago: the unique index says so.
      if (!(await this.repo.insertConfirmation(row))) throw new AppError('timesheet_already_confirmed', { teamId, month })
      return { row, snapshot }
    })
    this.confirmed.delete(projectId)
    this.snapshots.set(row.id, snapshot, row.snapshot.length)
    return this.teamMonth(projectId, teamId, month)
  }

  /** A worker answers their confirmed month: confirm, or dispute with a reason (异议). The newest answer counts. */
  async answerByWorker(projectId: string, workerId: string, month: Month, input: { decision: 'confirm' | 'dispute'; channel: ConfirmationChannel; note: string | null }): Promise<WorkerConfirmationRow> {
    const { enrolment } = await this.roster.enrolmentOf(projectId, workerId)
    const confirmation = await this.repo.confirmationHead(projectId, enrolment.teamId, month)
    if (!confirmation) throw new AppError('timesheet_not_confirmed', { teamId: enrolment.teamId, month })
    if (!(await this.snapshot(confirmation.id)).workers[workerId]) throw new AppError('worker_not_in_timesheet', { workerId, month })
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
    await this.repo.insertWorkerConfirmation(row)
    return row
  }

  // ---- late punches and adjustments -------------------------------------------------

  /**
   * Called after each ingest commit. A punch on (or next to) a day of a
   * confirmed month may change that day: recompute the day and its neighbours
   * and record the difference as an adjustment. Months not confirmed need
   * nothing: they are computed when read. Which months are confirmed comes
   * from a cache a few seconds old at most; a month another instance
   * confirmed in that time is left to the sweep.
   */
  async punchesStored(punches: readonly PunchRecord[]): Promise<number> {
    let made = 0
    const byWorker = new Map<string, { projectId: string; workerId: string; dates: Set<WorkDate> }>()
    for (const p of punches) {
      const months = await this.confirmedMonthsOf(p.projectId)
      if (months.size === 0) continue
      if (![addDays(p.workDate, -1), p.workDate, addDays(p.workDate, 1)].some((d) => months.has(monthOf(d)))) continue
      const key = `${p.projectId}\u0000${p.workerId}`
      let w = byWorker.get(key)
      if (!w) byWorker.set(key, (w = { projectId: p.projectId, workerId: p.workerId, dates: new Set() }))
      w.dates.add(p.workDate)
    }
    for (const { projectId, workerId, dates } of byWorker.values()) {
      const project = await this.roster.project(projectId)
      const { enrolment } = await this.roster.enrolmentOf(projectId, workerId)
      made += await this.adjust(project, enrolment, dates, 'late_punch', {})
    }
    return made
  }

  /** Syncs the worker's confirmed days around the dates in a transaction of its own. */
  private adjust(project: ProjectRow, enrolment: EnrolmentRow, dates: Set<WorkDate>, cause: AdjustmentCause, causeDetail: Record<string, unknown>): Promise<number> {
    return this.repo.transaction((tx) => this.syncAdjustments(tx, project, enrolment, dates, cause, causeDetail))
  }

  /**
   * Serialises the transactions that change a worker's confirmed days, across instances: the worker's lock keeps two
   * adjustment runs for the same worker apart, the team's lock keeps them apart from a confirmation of the team's
   * month. Always in this order (a confirmation takes only the team's), so no two transactions wait on each other.
   * PostgreSQL: transaction-level advisory locks, taken again at no cost; SQLite: the write transaction already
   * excludes every other writer.
   */
  private async lockWorker(tx: Transaction, projectId: string, workerId: string, teamId: string): Promise<void> {
    await tx.lock(`adjust:${projectId}:${workerId}`)
    await tx.lock(teamLockKey(projectId, teamId))
  }

  /**
   * For each confirmed day among the dates and their neighbours, compares the
   * day as it now computes (under the policy it was confirmed with) with the
   * day as confirmed plus earlier adjustments, and appends an adjustment for
   * any difference. Idempotent: running it again finds nothing new. Runs inside
   * tx; takes the worker's locks before it reads anything, and reads which
   * months are confirmed from the database, not the cache (a month confirmed a
   * moment ago on another instance counts).
   */
  private async syncAdjustments(tx: Transaction, project: ProjectRow, enrolment: EnrolmentRow, dates: Set<WorkDate>, cause: AdjustmentCause, causeDetail: Record<string, unknown>): Promise<number> {
    const workerId = enrolment.workerId
    await this.lockWorker(tx, project.id, workerId, enrolment.teamId)
    const candidates = new Set<WorkDate>()
    for (const d of dates) for (const n of [-1, 0, 1]) candidates.add(addDays(d, n))
    // By month: each confirmed month's candidate days are computed in one read of the worker's punches, corrections
    // and adjustments (a day is a function of its neighbours, so a range gives each day as it computes alone).
    const byMonth = new Map<Month, WorkDate[]>()
    for (const date of [...candidates].sort()) {
      const list = byMonth.get(monthOf(date))
      if (list) list.push(date)
      else byMonth.set(monthOf(date), [date])
    }
    let recordedMonth: Month | undefined
    let made = 0
    for (const [month, days] of byMonth) {
      const confirmation = await this.repo.confirmationHead(project.id, enrolment.teamId, month)
      if (!confirmation) continue
      const snapshot = await this.snapshot(confirmation.id)
      const first = days[0] as WorkDate
      const last = days[days.length - 1] as WorkDate
      const current = new Map((await this.daysOf(project, enrolment, first, last, snapshot.policy)).map((d) => [d.workDate, d]))
      const latest = new Map((await this.repo.adjustmentsOfDays(project.id, workerId, first, last)).map((a) => [a.workDate, a]))
      for (const date of days) {
        const frozen = snapshot.workers[workerId]?.days.find((d) => d.workDate === date)
        const now = current.get(date)
        const earlier = latest.get(date)
        const before = earlier
          ? { status: earlier.afterStatus, halves: earlier.afterHalves, minutes: earlier.afterMinutes }
          : { status: frozen?.status ?? 'absent', halves: frozen?.creditHalves ?? 0, minutes: frozen?.workedMinutes ?? 0 }
        // A day with nothing counted is absent whether or not it has a line: no adjustment for that difference alone.
        const after = { status: now?.status ?? 'absent', halves: now?.creditHalves ?? 0, minutes: now?.workedMinutes ?? 0 }
        if (before.status === after.status && before.halves === after.halves && before.minutes === after.minutes) continue
        recordedMonth ??= await this.openMonth(project, enrolment.teamId)
        await this.repo.insertAdjustment({
          id: newId(),
          projectId: project.id,
          teamId: enrolment.teamId,
          workerId,
          confirmationId: confirmation.id,
          workDate: date,
          recordedMonth,
          cause,
          beforeStatus: before.status,
          afterStatus: after.status,
          beforeHalves: before.halves,
          afterHalves: after.halves,
          beforeMinutes: before.minutes,
          afterMinutes: after.minutes,
          detail: JSON.stringify({ ...causeDetail, day: now ?? null }),
          // After the day's previous adjustment even when this instance's clock is behind the one that made it: the
          // newest by this time is the one the next run compares with.
          recordedAtMs: Math.max(this.clock.nowMs(), earlier ? earlier.recordedAtMs + 1 : 0),
        })
        made++
      }
    }
    return made
  }

  /** The month an adjustment is carried into: the current month, or the first after it not yet confirmed. */
  private async openMonth(project: ProjectRow, teamId: string): Promise<Month> {
    let m = monthOf(workDateOf(this.clock.nowMs(), project.timeZone))
    while (await this.repo.confirmationHead(project.id, teamId, m)) m = nextMonth(m)
    return m
  }

  adjustmentsRecordedIn(projectId: string, month: Month): Promise<AdjustmentRow[]> {
    return this.repo.adjustmentsRecordedIn(projectId, month)
  }

  private async adjustmentsByWorker(projectId: string, month: Month): Promise<Map<string, AdjustmentRow[]>> {
    const by = new Map<string, AdjustmentRow[]>()
    for (const a of await this.repo.adjustmentsRecordedIn(projectId, month)) {
      const list = by.get(a.workerId)
      if (list) list.push(a)
      else by.set(a.workerId, [a])
    }
    return by
  }

  /** The months (of any team) confirmed on a project, as last read: a few seconds old at most. */
  private async confirmedMonthsOf(projectId: string): Promise<Set<Month>> {
    const now = this.clock.nowMs()
    const c = this.confirmed.get(projectId)
    if (c && now - c.readAtMs <= CONFIRMED_CACHE_MS && now >= c.readAtMs) return c.months
    const months = new Set((await this.repo.confirmedTeamMonths(projectId)).map((r) => r.month))
    this.confirmed.set(projectId, { readAtMs: now, months })
    return months
  }

  /**
   * Records an exit (退场, RosterService.recordExit) and, in the same transaction, the adjustments it makes to the
   * worker's confirmed months (every day of each is checked again: the days after the exit no longer count). Under the
   * worker's locks, taken before anything is read, as a correction takes them: the exit and its adjustments commit
   * together, or neither does (they were two commits, and a failure between them left the exit without its
   * adjustments, the confirmed month paying the days after it, with nothing to repair it).
   */
  async recordExit(projectId: string, enrolmentId: string, exitDate: string, input: { reason?: string; actor?: string } = {}): Promise<EnrolmentRow> {
    const project = await this.roster.project(projectId)
    return this.roster.recordExit(projectId, enrolmentId, exitDate, input, this.enrolmentChange(project))
  }

  /**
   * Records a return (再次进场, RosterService.recordReturn) and, in the same transaction and the same way as an exit,
   * the adjustments it makes to the worker's confirmed months (days from the return on, stored as after the exit, now
   * counted).
   */
  async recordReturn(projectId: string, enrolmentId: string, returnDate: string, input: { reason?: string; actor?: string } = {}): Promise<EnrolmentRow> {
    const project = await this.roster.project(projectId)
    return this.roster.recordReturn(projectId, enrolmentId, returnDate, input, this.enrolmentChange(project))
  }

  /**
   * Corrects an enrolment's entry date (RosterService.correctEntry) and, in the same transaction and the same way as
   * an exit, records the adjustments it makes to the worker's confirmed months (days before the old entry date now
   * counted, or days before the new one no longer).
   */
  async correctEntry(projectId: string, enrolmentId: string, entryDate: string, input: { reason: string; actor?: string }): Promise<EnrolmentRow> {
    const project = await this.roster.project(projectId)
    return this.roster.correctEntry(projectId, enrolmentId, entryDate, input, this.enrolmentChange(project))
  }

  /**
   * Corrects a return's date (RosterService.correctReturn) and, in the same transaction and the same way as an exit,
   * records the adjustments it makes to the worker's confirmed months (days between the two dates now counted, or no
   * longer).
   */
  async correctReturn(projectId: string, enrolmentId: string, previousReturnDate: string, returnDate: string, input: { reason: string; actor?: string }): Promise<EnrolmentRow> {
    const project = await this.roster.project(projectId)
    return this.roster.correctReturn(projectId, enrolmentId, previousReturnDate, returnDate, input, this.enrolmentChange(project))
  }

  /** Corrects an exit's date, the exit in force or an earlier spell's (RosterService.correctExit), with its adjustments as for an exit. */
  async correctExit(projectId: string, enrolmentId: string, previousExitDate: string, exitDate: string, input: { reason: string; actor?: string }): Promise<EnrolmentRow> {
    const project = await this.roster.project(projectId)
    return this.roster.correctExit(projectId, enrolmentId, previousExitDate, exitDate, input, this.enrolmentChange(project))
  }

  /** What an enrolment's change does in its transaction, for a change made elsewhere (a return the roster import records). */
  enrolmentChangeOf(project: ProjectRow): { lock: (tx: Transaction, e: EnrolmentRow) => Promise<void>; then: (tx: Transaction, e: EnrolmentRow) => Promise<void> } {
    return this.enrolmentChange(project)
  }

  /** What an enrolment's change does in its transaction: the worker's locks first, then every confirmed month of the team re-checked. */
  private enrolmentChange(project: ProjectRow): { lock: (tx: Transaction, e: EnrolmentRow) => Promise<void>; then: (tx: Transaction, e: EnrolmentRow) => Promise<void> } {
    return {
      lock: (tx, e) => this.lockWorker(tx, project.id, e.workerId, e.teamId),
      then: async (tx, e) => {
        for (const c of await this.repo.confirmedTeamMonths(project.id)) {
          if (c.teamId !== e.teamId) continue
          await this.syncAdjustments(tx, project, e, new Set(datesOfMonth(c.month)), 'recomputed', { because: 'enrolment_changed' })
        }
      },
    }
  }

  /**
   * Finds every punch received since the last sweep that reached a confirmed
   * month after its confirmation, and makes sure its adjustment exists.
   * Adjustments are made right after each commit; this catches a failure in
   * between, and a punch whose instance had not seen the confirmation yet
   * (its cache, or a confirmation committing as the punch did). Runs on every
   * instance: safe under the worker's lock and idempotent. The first sweep
   * after a start looks back a day: a crash between a commit and its
   * adjustment is seconds, not a day.
   */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepOnce().finally(() => {
      this.sweeping = undefined
    })
    return this.sweeping
  }

  private async sweepOnce(): Promise<number> {
    const now = this.clock.nowMs()
    // Overlap the previous window: a batch committed while the last sweep ran carries a receipt time before it.
    const since = this.sweptUntilMs === undefined ? now - SWEEP_FIRST_LOOKBACK_MS : this.sweptUntilMs - SWEEP_OVERLAP_MS
    let made = 0
    for (const projectId of await this.repo.projectsWithConfirmations()) {
      const confirmations = await this.repo.confirmedTeamMonths(projectId)
      const confirmed = new Map(confirmations.map((c) => [`${c.teamId}|${c.month}`, c]))
      // A confirmation the previous sweep may not have seen yet can lack a punch received up to the margin before it:
      // look back that far for it. Once past, the window is the usual one again.
      let from = since
      for (const c of confirmations) if (c.confirmedAtMs >= since - CONFIRM_RACE_MARGIN_MS) from = Math.min(from, c.confirmedAtMs - CONFIRM_RACE_MARGIN_MS)
      const received = await this.repo.receivedBetween(projectId, from, now + 1)
      if (received.length === 0) continue
      const enrolments = new Map((await this.roster.listEnrolments(projectId)).map(({ enrolment }) => [enrolment.workerId, enrolment]))
      const byWorker = new Map<string, Set<WorkDate>>()
      for (const p of received) {
        // The punch's own month, or the neighbouring one whose last or first day it can change. Received from the
        // margin before the confirmation on: one that made it into the snapshot yields no adjustment.
        const team = enrolments.get(p.workerId)?.teamId
        const reaches = [p.workDate, addDays(p.workDate, -1), addDays(p.workDate, 1)].some((d) => {
          const c = confirmed.get(`${team}|${monthOf(d)}`)
          return c !== undefined && p.receivedAtMs >= c.confirmedAtMs - CONFIRM_RACE_MARGIN_MS
        })
        if (!reaches) continue
        let set = byWorker.get(p.workerId)
        if (!set) byWorker.set(p.workerId, (set = new Set()))
        set.add(p.workDate)
      }
      if (byWorker.size === 0) continue
      const project = await this.roster.project(projectId)
      for (const [workerId, set] of byWorker) {
        const enrolment = enrolments.get(workerId)
        if (enrolment) made += await this.adjust(project, enrolment, set, 'late_punch', { foundBy: 'sweep' })
      }
    }
    this.sweptUntilMs = now
    return made
  }

  /** A confirmed month's frozen figures. Read only for committed confirmations (see `snapshots`). */
  private async snapshot(confirmationId: string): Promise<Snapshot> {
    let s = this.snapshots.get(confirmationId)
    if (!s) {
      const row = await this.repo.confirmationById(confirmationId)
      if (!row) throw new AppError('timesheet_not_confirmed', { confirmationId })
      s = JSON.parse(row.snapshot) as Snapshot
      this.snapshots.set(confirmationId, s, row.snapshot.length)
    }
    return s
  }

  private async answers(confirmationId: string): Promise<Map<string, WorkerConfirmationRow>> {
    // Oldest first, so the newest answer of each worker is the one left in the map.
    return new Map((await this.repo.workerConfirmations(confirmationId)).map((a) => [a.workerId, a]))
  }
}

/**
 * Parsed snapshots kept, by the length of their JSON text: a long-running service reads many confirmed months, and a
 * large team's snapshot parses to hundreds of megabytes, so the cache forgets the least recently read past this.
 * 64 MiB of text holds a month of several thousand workers; a read past it parses again.
 */
const SNAPSHOT_CACHE_TEXT_BYTES_MAX = 64 * 1024 * 1024

class SnapshotCache {
  private readonly entries = new Map<string, { snapshot: Snapshot; bytes: number }>()
  private bytes = 0
  constructor(private readonly max: number) {}

  get(id: string): Snapshot | undefined {
    const e = this.entries.get(id)
    if (!e) return undefined
    this.entries.delete(id)
    this.entries.set(id, e)
    return e.snapshot
  }

  set(id: string, snapshot: Snapshot, bytes: number): void {
    const old = this.entries.get(id)
    if (old) {
      this.bytes -= old.bytes
      this.entries.delete(id)
    }
    this.entries.set(id, { snapshot, bytes })
    this.bytes += bytes
    for (const [oldest, e] of this.entries) {
      if (this.bytes <= this.max || oldest === id) break
      this.entries.delete(oldest)
      this.bytes -= e.bytes
    }
  }
}

/** The lock a confirmation of a team's month and every change to the team's confirmed days take (see the head comment). */
function teamLockKey(projectId: string, teamId: string): string {
  return `timesheet:${projectId}:${teamId}`
}

/** Worker-confirmed once every worker the month froze has confirmed; a dispute, or no answer yet, keeps it at the manager's. */
function stateOf(snapshot: Snapshot, answers: Map<string, WorkerConfirmationRow>): TeamMonthState {
  const frozen = Object.keys(snapshot.workers)
  return frozen.length > 0 && frozen.every((w) => answers.get(w)?.decision === 'confirm') ? 'worker_confirmed' : 'manager_confirmed'
}

/** An enrolment's breaks (再次进场) for a refusal's details: none named when it has none. */
function breaksOf(e: EnrolmentRow): { breaks?: EnrolmentRow['breaks'] } {
  return e.breaks.length === 0 ? {} : { breaks: e.breaks }
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
