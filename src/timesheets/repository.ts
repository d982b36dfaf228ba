/**
 * Database access for timesheets: the punches the rules read, corrections,
 * confirmations and adjustments. Every table here is appended to, never
 * updated. The month read runs over a whole project (a province's biggest
 * site, or the benchmark's 10 million punches), so it streams one row per
 * worker instead of building objects per punch twice.
 */
import { and, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm'
import { LIMITS } from '../config/limits.ts'
import { q, type Database, type Transaction } from '../db/database.ts'
import { insertInto, rowOf, selectFrom } from '../db/rows.ts'
import { corrections, timesheetAdjustments, timesheetConfirmations, workerConfirmations } from '../db/schema/index.ts'
import { addDays, type WorkDate } from '../kernel/time.ts'
import type { Direction } from '../punches/canonical.ts'
import type { ClockSuspect, Correction, RawPunch } from './rules.ts'

export type CorrectionRow = typeof corrections.$inferSelect
export type ConfirmationRow = typeof timesheetConfirmations.$inferSelect
export type WorkerConfirmationRow = typeof workerConfirmations.$inferSelect
export type AdjustmentRow = typeof timesheetAdjustments.$inferSelect
/** A confirmation without its (large) snapshot. */
export interface ConfirmationHead {
  id: string
  teamId: string
  month: string
  confirmedAtMs: number
}
export interface ReceivedPunch {
  id: number
  workerId: string
  deviceId: string
  deviceTimeMs: number
  workDate: string
  receivedAtMs: number
  clockSuspect: ClockSuspect | null
}

/** A month and the days either side that the rules read; a longer range for one worker is a mistake, not a query. */
const WORKER_DATES_MAX = 40

type JsonPunch = [id: number, deviceId: string, deviceTimeMs: number, direction: Direction, workDate: string, clockSuspect: ClockSuspect | null]

const RECEIVED_BETWEEN = `SELECT id, worker_id AS "workerId", device_id AS "deviceId", device_time_ms AS "deviceTimeMs", work_date AS "workDate",
    received_at_ms AS "receivedAtMs", clock_suspect AS "clockSuspect"
  FROM punches WHERE project_id = ? AND received_at_ms >= ? AND received_at_ms < ? ORDER BY id`
const PROJECTS_WITH_CONFIRMATIONS = `SELECT DISTINCT project_id AS "projectId" FROM timesheet_confirmations ORDER BY project_id`
const PUNCH = `SELECT id, worker_id AS "workerId", work_date AS "workDate", clock_suspect AS "clockSuspect" FROM punches WHERE project_id = ? AND id = ?`
const CONFIRMED_TEAM_MONTHS = `SELECT id, team_id AS "teamId", month, confirmed_at_ms AS "confirmedAtMs"
  FROM timesheet_confirmations WHERE project_id = ? ORDER BY team_id, month`
const CONFIRMATION_WITHOUT_SNAPSHOT = `SELECT id, project_id AS "projectId", team_id AS "teamId", month, confirmed_by AS "confirmedBy", note,
  confirmed_at_ms AS "confirmedAtMs" FROM timesheet_confirmations WHERE project_id = ? AND team_id = ? AND month = ?`

const CONFIRMATION_HEAD = `SELECT id, team_id AS "teamId", month, confirmed_at_ms AS "confirmedAtMs"
  FROM timesheet_confirmations WHERE project_id = ? AND team_id = ? AND month = ?`

/** One worker's punches of n listed dates: each date is one seek in (project_id, work_date, worker_id). Text per n, so each is prepared once. */
const workerPunchesTexts = new Map<number, string>()
function workerPunchesText(n: number): string {
  let text = workerPunchesTexts.get(n)
  if (text === undefined) {
    text = `SELECT id, device_id AS "deviceId", device_time_ms AS "deviceTimeMs", direction, work_date AS "workDate", clock_suspect AS "clockSuspect"
      FROM punches WHERE project_id = ? AND worker_id = ? AND work_date IN (${Array.from({ length: n }, () => '?').join(', ')}) ORDER BY id`
    workerPunchesTexts.set(n, text)
  }
  return text
}

export class TimesheetRepository {
  constructor(private readonly db: Database) {}

  /**
   * Runs fn in one transaction; every repository call made inside it (its async context, even through another
   * service) joins it. fn does database work only: on PostgreSQL it may run again after a serialization failure.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.db.tx(fn)
  }

  /** Raw punches of work dates from..to, grouped by worker; one worker's when workerId is given. */
  async punchesByWorker(projectId: string, from: WorkDate, to: WorkDate, workerId?: string): Promise<Map<string, RawPunch[]>> {
    const byWorker = new Map<string, RawPunch[]>()
    await this.forEachWorkerPunches(projectId, from, to, workerId, (w, punches) => byWorker.set(w, punches))
    return byWorker
  }

  /**
   * Hands fn each worker's raw punches of work dates from..to (one worker's when
   * workerId is given), one worker at a time, each worker exactly once, in no
   * particular order of workers (the rules order a worker's punches themselves).
   *
   * A whole project is streamed: the engine groups the rows by worker (its
   * sorter spills to temporary files, not to our heap) and hands over one JSON
   * array per worker, so memory holds one worker's punches at a time and
   * JavaScript pays one row crossing per worker instead of one per punch. fn
   * runs while that read is open: it must not use the database.
   */
  async forEachWorkerPunches(projectId: string, from: WorkDate, to: WorkDate, workerId: string | undefined, fn: (workerId: string, punches: RawPunch[]) => void): Promise<void> {
    if (workerId !== undefined) {
      // A few days (or a month) of one worker: one index seek per date, never another worker's rows.
      const dates: WorkDate[] = []
      for (let d = from; d <= to; d = addDays(d, 1)) {
        if (dates.length === WORKER_DATES_MAX) throw new Error(`a worker's punches are read for at most ${WORKER_DATES_MAX} dates; asked for ${from}..${to}`)
        dates.push(d)
      }
      const punches = await this.db.all<RawPunch>(q(workerPunchesText(dates.length), projectId, workerId, ...dates))
      if (punches.length > 0) fn(workerId, punches)
      return
    }
    const { dialect } = this.db
    await this.db.each<{ workerId: string; punches: unknown }>(q(dialect.punchesByWorkerJson, projectId, from, to), (row) => {
      const rows = dialect.parseJson<JsonPunch[]>(row.punches)
      const punches = new Array<RawPunch>(rows.length)
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i] as JsonPunch
        punches[i] = { id: r[0], deviceId: r[1], deviceTimeMs: r[2], direction: r[3], workDate: r[4], clockSuspect: r[5] }
      }
      fn(row.workerId, punches)
    }, { rowsPerFetch: LIMITS.month_workers_per_fetch })
  }

  /** Punches of a project received in [fromMs, toMs), in the order they were stored. */
  receivedBetween(projectId: string, fromMs: number, toMs: number): Promise<ReceivedPunch[]> {
    return this.db.all<ReceivedPunch>(q(RECEIVED_BETWEEN, projectId, fromMs, toMs))
  }

  /** Projects with any confirmed month, in id order. */
  async projectsWithConfirmations(): Promise<string[]> {
    return (await this.db.all<{ projectId: string }>(q(PROJECTS_WITH_CONFIRMATIONS))).map((r) => r.projectId)
  }

  punch(projectId: string, punchId: number): Promise<{ id: number; workerId: string; workDate: string; clockSuspect: ClockSuspect | null } | undefined> {
    return this.db.get(q(PUNCH, projectId, punchId))
  }

  async insertCorrection(row: CorrectionRow): Promise<void> {
    await this.db.run(insertInto(corrections, [row]))
  }

  async correction(projectId: string, id: string): Promise<CorrectionRow | undefined> {
    const raw = await this.db.get(sql`${selectFrom(corrections)} WHERE ${and(eq(corrections.projectId, projectId), eq(corrections.id, id))}`)
    return raw ? rowOf<CorrectionRow>(corrections, raw) : undefined
  }

  /** Corrections made on work dates from..to, grouped by worker, oldest first; one worker's when workerId is given. */
  async correctionsByWorker(projectId: string, from: WorkDate, to: WorkDate, workerId?: string): Promise<Map<string, Correction[]>> {
    const conds = [eq(corrections.projectId, projectId), gte(corrections.workDate, from), lte(corrections.workDate, to)]
    if (workerId !== undefined) conds.push(eq(corrections.workerId, workerId))
    const rows = await this.db.all(sql`${selectFrom(corrections)} WHERE ${and(...conds)} ORDER BY ${corrections.createdAtMs}, ${corrections.id}`)
    const byWorker = new Map<string, Correction[]>()
    for (const raw of rows) {
      const r = rowOf<CorrectionRow>(corrections, raw)
      const list = byWorker.get(r.workerId)
      if (list) list.push(r)
      else byWorker.set(r.workerId, [r])
    }
    return byWorker
  }

  /** Of the punches given, those a standing correction (accept_punch or void_punch, not revoked) has settled. */
  async settledPunchIds(projectId: string, punchIds: readonly number[]): Promise<Set<number>> {
    const settled = new Map<string, number>()
    for (let i = 0; i < punchIds.length; i += 500) {
      const chunk = punchIds.slice(i, i + 500)
      const rows = await this.db.all(
        sql`${selectFrom(corrections)} WHERE ${and(eq(corrections.projectId, projectId), inArray(corrections.punchId, [...chunk]), inArray(corrections.kind, ['accept_punch', 'void_punch']))}`,
      )
      for (const raw of rows) {
        const r = rowOf<CorrectionRow>(corrections, raw)
        if (r.punchId !== null) settled.set(r.id, r.punchId)
      }
    }
    const ids = [...settled.keys()]
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db.all(sql`${selectFrom(corrections)} WHERE ${and(eq(corrections.projectId, projectId), eq(corrections.kind, 'revoke'), inArray(corrections.revokesId, ids.slice(i, i + 500)))}`)
      for (const raw of rows) settled.delete(rowOf<CorrectionRow>(corrections, raw).revokesId ?? '')
    }
    return new Set(settled.values())
  }

  /**
   * Stores the confirmation unless the team's month is confirmed already (the unique index on project, team and
   * month): false then. No error, so it can run inside a transaction on PostgreSQL, where a failed statement
   * would abort it; a concurrent confirmation not yet committed is waited for.
   */
  async insertConfirmation(row: ConfirmationRow): Promise<boolean> {
    const r = await this.db.run(sql`${insertInto(timesheetConfirmations, [row])} ON CONFLICT (project_id, team_id, month) DO NOTHING`)
    return r.changes === 1
  }

  async confirmation(projectId: string, teamId: string, month: string): Promise<ConfirmationRow | undefined> {
    const raw = await this.db.get(
      sql`${selectFrom(timesheetConfirmations)} WHERE ${and(eq(timesheetConfirmations.projectId, projectId), eq(timesheetConfirmations.teamId, teamId), eq(timesheetConfirmations.month, month))}`,
    )
    return raw ? rowOf<ConfirmationRow>(timesheetConfirmations, raw) : undefined
  }

  /**
   * The team's month's confirmation, every column but its snapshot (megabytes of JSON for a large team, which the
   * service parses once from confirmationById and keeps): for reads that need who confirmed and when.
   */
  confirmationWithoutSnapshot(projectId: string, teamId: string, month: string): Promise<Omit<ConfirmationRow, 'snapshot'> | undefined> {
    return this.db.get<Omit<ConfirmationRow, 'snapshot'>>(q(CONFIRMATION_WITHOUT_SNAPSHOT, projectId, teamId, month))
  }

  /** The team's month's confirmation without its snapshot, when there is one: one seek in the unique index. */
  confirmationHead(projectId: string, teamId: string, month: string): Promise<ConfirmationHead | undefined> {
    return this.db.get<ConfirmationHead>(q(CONFIRMATION_HEAD, projectId, teamId, month))
  }

  /** Which team months of a project are confirmed, without their (large) snapshots; by team, then month. */
  confirmedTeamMonths(projectId: string): Promise<ConfirmationHead[]> {
    return this.db.all<ConfirmationHead>(q(CONFIRMED_TEAM_MONTHS, projectId))
  }

  async confirmationById(id: string): Promise<ConfirmationRow | undefined> {
    const raw = await this.db.get(sql`${selectFrom(timesheetConfirmations)} WHERE ${eq(timesheetConfirmations.id, id)}`)
    return raw ? rowOf<ConfirmationRow>(timesheetConfirmations, raw) : undefined
  }

  async insertWorkerConfirmation(row: WorkerConfirmationRow): Promise<void> {
    await this.db.run(insertInto(workerConfirmations, [row]))
  }

  /** The answers to a confirmed month, oldest first. */
  async workerConfirmations(confirmationId: string): Promise<WorkerConfirmationRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(workerConfirmations)} WHERE ${eq(workerConfirmations.confirmationId, confirmationId)} ORDER BY ${workerConfirmations.recordedAtMs}, ${workerConfirmations.id}`,
    )
    return rows.map((r) => rowOf<WorkerConfirmationRow>(workerConfirmations, r))
  }

  async insertAdjustment(row: AdjustmentRow): Promise<void> {
    await this.db.run(insertInto(timesheetAdjustments, [row]))
  }

  /** Adjustments already made to a worker's days from..to, by day, each day's oldest first: one range in (project, worker, date). */
  async adjustmentsOfDays(projectId: string, workerId: string, from: WorkDate, to: WorkDate): Promise<AdjustmentRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(timesheetAdjustments)} WHERE ${and(eq(timesheetAdjustments.projectId, projectId), eq(timesheetAdjustments.workerId, workerId), gte(timesheetAdjustments.workDate, from), lte(timesheetAdjustments.workDate, to))}
        ORDER BY ${timesheetAdjustments.workDate}, ${timesheetAdjustments.recordedAtMs}, ${timesheetAdjustments.id}`,
    )
    return rows.map((r) => rowOf<AdjustmentRow>(timesheetAdjustments, r))
  }

  /** Adjustments made to the days of one confirmed team month, oldest first. */
  async adjustmentsOfConfirmation(confirmationId: string): Promise<AdjustmentRow[]> {
    return this.adjustments(eq(timesheetAdjustments.confirmationId, confirmationId))
  }

  /** Adjustments carried into a month, oldest first. */
  async adjustmentsRecordedIn(projectId: string, month: string): Promise<AdjustmentRow[]> {
    return this.adjustments(and(eq(timesheetAdjustments.projectId, projectId), eq(timesheetAdjustments.recordedMonth, month)))
  }

  private async adjustments(where: SQL | undefined): Promise<AdjustmentRow[]> {
    const rows = await this.db.all(sql`${selectFrom(timesheetAdjustments)} WHERE ${where} ORDER BY ${timesheetAdjustments.recordedAtMs}, ${timesheetAdjustments.id}`)
    return rows.map((r) => rowOf<AdjustmentRow>(timesheetAdjustments, r))
  }
}
