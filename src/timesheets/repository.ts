/**
 * Database access for timesheets: the punches the rules read, corrections,
 * confirmations and adjustments. Every table here is appended to, never
 * updated. The month read runs over a whole project (a province's biggest
 * site, or the benchmark's 10 million punches), so it streams raw rows
 * through a prepared statement instead of building objects per row twice.
 */
import { and, asc, eq, gte, lte } from 'drizzle-orm'
import type { Statement } from 'better-sqlite3'
import type { Db } from '../db/client.ts'
import { corrections, timesheetAdjustments, timesheetConfirmations, workerConfirmations } from '../db/schema/index.ts'
import { addDays, type WorkDate } from '../kernel/time.ts'
import type { Direction } from '../punches/canonical.ts'
import type { ClockSuspect, Correction, RawPunch } from './rules.ts'

export type CorrectionRow = typeof corrections.$inferSelect
export type ConfirmationRow = typeof timesheetConfirmations.$inferSelect
export type WorkerConfirmationRow = typeof workerConfirmations.$inferSelect
export type AdjustmentRow = typeof timesheetAdjustments.$inferSelect

const PUNCH_COLUMNS = 'id, worker_id, device_id, device_time_ms, direction, work_date, clock_suspect'
/** A month and the days either side that the rules read; a longer range for one worker is a mistake, not a query. */
const WORKER_DATES_MAX = 40

type PunchTuple = [id: number, workerId: string, deviceId: string, deviceTimeMs: number, direction: Direction, workDate: string, clockSuspect: ClockSuspect | null]
type JsonPunch = [id: number, deviceId: string, deviceTimeMs: number, direction: Direction, workDate: string, clockSuspect: ClockSuspect | null]

export class TimesheetRepository {
  /**
   * A project's punches of a date range, one row per worker: its punches as a
   * JSON array of [id, device_id, device_time_ms, direction, work_date,
   * clock_suspect], in no particular order. Integers below 2^53 survive JSON.
   *
   * The one statement here only SQLite accepts, kept for speed (1.6× the
   * GROUP BY floor against 2.5× for the portable ORDER BY scan, bench/README.md).
   * On PostgreSQL it is json_agg(json_build_array(...)) with the same shape.
   */
  private static readonly PROJECT_PUNCHES_SQL = `SELECT worker_id, json_group_array(json_array(id, device_id, device_time_ms, direction, work_date, clock_suspect))
    FROM punches WHERE project_id = ? AND work_date >= ? AND work_date <= ? GROUP BY worker_id`
  private readonly projectPunchesStmt: Statement
  /** One worker's punches of n listed dates, by number of dates: each date is one seek in (project_id, work_date, worker_id). */
  private readonly workerPunchesStmts = new Map<number, Statement>()

  constructor(private readonly db: Db) {
    const c = db.$client
    this.projectPunchesStmt = c.prepare(TimesheetRepository.PROJECT_PUNCHES_SQL).raw(true)

  }

  private workerPunchesStmt(n: number): Statement {
    let stmt = this.workerPunchesStmts.get(n)
    if (!stmt) {
      stmt = this.db.$client
        .prepare(`SELECT ${PUNCH_COLUMNS} FROM punches WHERE project_id = ? AND worker_id = ? AND work_date IN (${Array.from({ length: n }, () => '?').join(', ')})`)
        .raw(true)
      this.workerPunchesStmts.set(n, stmt)
    }
    return stmt
  }

  transaction<T>(fn: () => T): T {
    return this.db.$client.transaction(fn)()
  }

  /** Raw punches of work dates from..to, grouped by worker; one worker's when workerId is given. */
  punchesByWorker(projectId: string, from: WorkDate, to: WorkDate, workerId?: string): Map<string, RawPunch[]> {
    const byWorker = new Map<string, RawPunch[]>()
    this.forEachWorkerPunches(projectId, from, to, workerId, (w, punches) => byWorker.set(w, punches))
    return byWorker
  }

  /**
   * Hands fn each worker's raw punches of work dates from..to (one worker's when
   * workerId is given), one worker at a time, each worker exactly once.
   *
   * A whole project is streamed: SQLite groups the rows by worker (its sorter
   * spills to temporary files, not to our heap) and hands over one JSON array
   * per worker, so memory holds one worker's punches at a time and JavaScript
   * pays one row crossing per worker instead of one per punch. fn runs while
   * that read is open: it may read, but must not write to the database
   * (better-sqlite3 refuses writes on a connection with an open iterator).
   */
  forEachWorkerPunches(projectId: string, from: WorkDate, to: WorkDate, workerId: string | undefined, fn: (workerId: string, punches: RawPunch[]) => void): void {
    if (workerId !== undefined) {
      // A few days (or a month) of one worker: one index seek per date, never another worker's rows.
      const punches: RawPunch[] = []
      const dates: WorkDate[] = []
      for (let d = from; d <= to; d = addDays(d, 1)) {
        if (dates.length === WORKER_DATES_MAX) throw new Error(`a worker's punches are read for at most ${WORKER_DATES_MAX} dates; asked for ${from}..${to}`)
        dates.push(d)
      }
      for (const r of this.workerPunchesStmt(dates.length).iterate(projectId, workerId, ...dates) as IterableIterator<PunchTuple>) {
        punches.push({ id: r[0], deviceId: r[2], deviceTimeMs: r[3], direction: r[4], workDate: r[5], clockSuspect: r[6] })
      }
      if (punches.length > 0) fn(workerId, punches)
      return
    }
    // A nested call (from fn) cannot reuse the statement while it is iterating.
    const stmt = this.projectPunchesStmt.busy ? this.db.$client.prepare(TimesheetRepository.PROJECT_PUNCHES_SQL).raw(true) : this.projectPunchesStmt
    for (const [w, json] of stmt.iterate(projectId, from, to) as IterableIterator<[workerId: string, punches: string]>) {
      const rows = JSON.parse(json) as JsonPunch[]
      const punches = new Array<RawPunch>(rows.length)
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i] as JsonPunch
        punches[i] = { id: r[0], deviceId: r[1], deviceTimeMs: r[2], direction: r[3], workDate: r[4], clockSuspect: r[5] }
      }
      fn(w, punches)
    }
  }

  /** Punches of a project received in [fromMs, toMs), in the order they were stored. */
  receivedBetween(projectId: string, fromMs: number, toMs: number): Array<{ id: number; workerId: string; deviceId: string; deviceTimeMs: number; workDate: string; receivedAtMs: number; clockSuspect: ClockSuspect | null }> {
    return this.db.$client
      .prepare(
        `SELECT id, worker_id AS workerId, device_id AS deviceId, device_time_ms AS deviceTimeMs, work_date AS workDate, received_at_ms AS receivedAtMs, clock_suspect AS clockSuspect
         FROM punches WHERE project_id = ? AND received_at_ms >= ? AND received_at_ms < ? ORDER BY id`,
      )
      .all(projectId, fromMs, toMs) as Array<{ id: number; workerId: string; deviceId: string; deviceTimeMs: number; workDate: string; receivedAtMs: number; clockSuspect: ClockSuspect | null }>
  }

  /** Projects with any confirmed month. */
  projectsWithConfirmations(): string[] {
    return this.db.selectDistinct({ projectId: timesheetConfirmations.projectId }).from(timesheetConfirmations).all().map((r) => r.projectId)
  }

  punch(projectId: string, punchId: number): { id: number; workerId: string; workDate: string; clockSuspect: ClockSuspect | null } | undefined {
    return this.db.$client
      .prepare('SELECT id, worker_id AS workerId, work_date AS workDate, clock_suspect AS clockSuspect FROM punches WHERE project_id = ? AND id = ?')
      .get(projectId, punchId) as { id: number; workerId: string; workDate: string; clockSuspect: ClockSuspect | null } | undefined
  }

  insertCorrection(row: CorrectionRow): void {
    this.db.insert(corrections).values(row).run()
  }

  correction(projectId: string, id: string): CorrectionRow | undefined {
    return this.db.select().from(corrections).where(and(eq(corrections.projectId, projectId), eq(corrections.id, id))).get()
  }

  /** Corrections made on work dates from..to, grouped by worker; one worker's when workerId is given. */
  correctionsByWorker(projectId: string, from: WorkDate, to: WorkDate, workerId?: string): Map<string, Correction[]> {
    const conds = [eq(corrections.projectId, projectId), gte(corrections.workDate, from), lte(corrections.workDate, to)]
    if (workerId !== undefined) conds.push(eq(corrections.workerId, workerId))
    const rows = this.db.select().from(corrections).where(and(...conds)).orderBy(asc(corrections.createdAtMs), asc(corrections.id)).all()
    const byWorker = new Map<string, Correction[]>()
    for (const r of rows) {
      const list = byWorker.get(r.workerId)
      if (list) list.push(r)
      else byWorker.set(r.workerId, [r])
    }
    return byWorker
  }

  insertConfirmation(row: ConfirmationRow): void {
    this.db.insert(timesheetConfirmations).values(row).run()
  }

  confirmation(projectId: string, teamId: string, month: string): ConfirmationRow | undefined {
    return this.db
      .select()
      .from(timesheetConfirmations)
      .where(and(eq(timesheetConfirmations.projectId, projectId), eq(timesheetConfirmations.teamId, teamId), eq(timesheetConfirmations.month, month)))
      .get()
  }

  /** Which team months of a project are confirmed, without their (large) snapshots. */
  confirmedTeamMonths(projectId: string): Array<{ id: string; teamId: string; month: string; confirmedAtMs: number }> {
    return this.db
      .select({ id: timesheetConfirmations.id, teamId: timesheetConfirmations.teamId, month: timesheetConfirmations.month, confirmedAtMs: timesheetConfirmations.confirmedAtMs })
      .from(timesheetConfirmations)
      .where(eq(timesheetConfirmations.projectId, projectId))
      .all()
  }

  confirmationById(id: string): ConfirmationRow | undefined {
    return this.db.select().from(timesheetConfirmations).where(eq(timesheetConfirmations.id, id)).get()
  }

  insertWorkerConfirmation(row: WorkerConfirmationRow): void {
    this.db.insert(workerConfirmations).values(row).run()
  }

  workerConfirmations(confirmationId: string): WorkerConfirmationRow[] {
    return this.db
      .select()
      .from(workerConfirmations)
      .where(eq(workerConfirmations.confirmationId, confirmationId))
      .orderBy(asc(workerConfirmations.recordedAtMs), asc(workerConfirmations.id))
      .all()
  }

  insertAdjustment(row: AdjustmentRow): void {
    this.db.insert(timesheetAdjustments).values(row).run()
  }

  /** Adjustments already made to a worker's day, oldest first. */
  adjustmentsOfDay(projectId: string, workerId: string, workDate: WorkDate): AdjustmentRow[] {
    return this.db
      .select()
      .from(timesheetAdjustments)
      .where(and(eq(timesheetAdjustments.projectId, projectId), eq(timesheetAdjustments.workerId, workerId), eq(timesheetAdjustments.workDate, workDate)))
      .orderBy(asc(timesheetAdjustments.recordedAtMs), asc(timesheetAdjustments.id))
      .all()
  }

  /** Adjustments made to the days of one confirmed team month, oldest first. */
  adjustmentsOfConfirmation(confirmationId: string): AdjustmentRow[] {
    return this.db
      .select()
      .from(timesheetAdjustments)
      .where(eq(timesheetAdjustments.confirmationId, confirmationId))
      .orderBy(asc(timesheetAdjustments.recordedAtMs), asc(timesheetAdjustments.id))
      .all()
  }

  /** Adjustments carried into a month, oldest first. */
  adjustmentsRecordedIn(projectId: string, month: string): AdjustmentRow[] {
    return this.db
      .select()
      .from(timesheetAdjustments)
      .where(and(eq(timesheetAdjustments.projectId, projectId), eq(timesheetAdjustments.recordedMonth, month)))
      .orderBy(asc(timesheetAdjustments.recordedAtMs), asc(timesheetAdjustments.id))
      .all()
  }
}
