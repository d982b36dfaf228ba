/**
 * Database access for what a payroll sheet is made from besides attendance: wage terms versions, piece quantities with
 * the workers' answers, and pay items (additions and deductions). Every table is append-only: this file inserts and
 * reads, nothing else.
 *
 * The month reads (`each…`) are one statement per table for a whole project month, streamed row by row: a sheet of a
 * 100,000-worker site must not cost a query per worker. With a short list of workers (a team) the same statement
 * carries the list; with a long one the project's rows are read and the caller keeps the workers it wants.
 */
import { and, asc, eq, gt, inArray, isNull, sql, type SQL } from 'drizzle-orm'
import type { Database, Transaction } from '../db/database.ts'
import { columnsOf, insertInto, rowOf, selectFrom } from '../db/rows.ts'
import { enrolments, payItems, pieceQuantities, pieceQuantityAnswers, wageTerms, workers } from '../db/schema/index.ts'
import type { EnrolmentBreak } from '../roster/spells.ts'

export type WageTermsRow = typeof wageTerms.$inferSelect
export type PieceQuantityRow = typeof pieceQuantities.$inferSelect
export type PieceAnswerRow = typeof pieceQuantityAnswers.$inferSelect
export type PayItemRow = typeof payItems.$inferSelect

/** What a month read needs of an enrolment: the base version's facts and whose it is. */
export interface EnrolmentFacts {
  id: string
  workerId: string
  teamId: string
  dailyRateFen: number
  entryDate: string
  exitDate: string | null
  /** The breaks between spells (src/roster/spells.ts), where the caller read them; the month reads leave them out. */
  breaks?: readonly EnrolmentBreak[]
  createdAtMs: number
}

/** A quantity of a team listing, with the worker's name. */
export interface TeamQuantityRow extends PieceQuantityRow {
  workerName: string
}

/**
 * Workers one statement names in an IN list: inside both engines' parameter limits (SQLite 32,766, PostgreSQL 65,535)
 * with room for the other parameters, and above a large team (a sheet is made per team: at 100,000 workers in 20
 * teams, a team of 5,000 filtered in memory would read the whole project's rows 20 times). A longer list reads the
 * project's rows and filters them in memory (one statement still, streamed).
 */
export const WORKER_IDS_INLINE_MAX = 10_000

const ENROLMENT_FACTS = sql`SELECT ${enrolments.id} AS "id", ${enrolments.workerId} AS "workerId", ${enrolments.teamId} AS "teamId",
  ${enrolments.dailyRateFen} AS "dailyRateFen", ${enrolments.entryDate} AS "entryDate", ${enrolments.exitDate} AS "exitDate",
  ${enrolments.createdAtMs} AS "createdAtMs" FROM ${enrolments}`

export class PayInputsRepository {
  constructor(private readonly db: Database) {}

  /** One transaction: every call made inside fn joins it. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.db.tx(fn)
  }

  // ---- wage terms -----------------------------------------------------------------------------------------------

  async insertTerms(row: WageTermsRow): Promise<void> {
    await this.db.run(insertInto(wageTerms, [row]))
  }

  /** Every recorded version of the enrolment, by date, then in the order recorded. */
  async termsOfEnrolment(enrolmentId: string): Promise<WageTermsRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(wageTerms)} WHERE ${eq(wageTerms.enrolmentId, enrolmentId)}
        ORDER BY ${asc(wageTerms.effectiveFrom)}, ${asc(wageTerms.recordedAtMs)}, ${asc(wageTerms.id)}`,
    )
    return rows.map((r) => rowOf<WageTermsRow>(wageTerms, r))
  }

  // ---- piece quantities -----------------------------------------------------------------------------------------

  async insertQuantity(row: PieceQuantityRow): Promise<void> {
    await this.db.run(insertInto(pieceQuantities, [row]))
  }

  async quantity(projectId: string, workerId: string, id: string): Promise<PieceQuantityRow | undefined> {
    const raw = await this.db.get(
      sql`${selectFrom(pieceQuantities)} WHERE ${and(eq(pieceQuantities.projectId, projectId), eq(pieceQuantities.workerId, workerId), eq(pieceQuantities.id, id))}`,
    )
    return raw && rowOf<PieceQuantityRow>(pieceQuantities, raw)
  }

  /** The row that withdrew this quantity, if any. */
  async quantityWithdrawal(projectId: string, id: string): Promise<PieceQuantityRow | undefined> {
    const raw = await this.db.get(
      sql`${selectFrom(pieceQuantities)} WHERE ${and(eq(pieceQuantities.projectId, projectId), eq(pieceQuantities.withdrawsId, id))} ORDER BY ${asc(pieceQuantities.id)} LIMIT 1`,
    )
    return raw && rowOf<PieceQuantityRow>(pieceQuantities, raw)
  }

  /** A worker's quantities of the month, withdrawals included, in the order entered. */
  async quantitiesOfWorker(projectId: string, workerId: string, period: string): Promise<PieceQuantityRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(pieceQuantities)} WHERE ${and(eq(pieceQuantities.projectId, projectId), eq(pieceQuantities.workerId, workerId), eq(pieceQuantities.period, period))}
        ORDER BY ${asc(pieceQuantities.enteredAtMs)}, ${asc(pieceQuantities.id)}`,
    )
    return rows.map((r) => rowOf<PieceQuantityRow>(pieceQuantities, r))
  }

  /**
   * A page of a team's quantities of the month (not the withdrawal rows), in the order entered (ids are time-ordered),
   * after the id `after`. The team is the enrolment's.
   */
  async quantitiesOfTeam(projectId: string, teamId: string, period: string, after: string | undefined, limit: number): Promise<TeamQuantityRow[]> {
    const rows = await this.db.all(
      sql`SELECT ${columnsOf(pieceQuantities)}, ${workers.name} AS "workerName" FROM ${pieceQuantities}
        JOIN ${enrolments} ON ${enrolments.id} = ${pieceQuantities.enrolmentId}
        JOIN ${workers} ON ${workers.id} = ${pieceQuantities.workerId}
        WHERE ${and(
          eq(pieceQuantities.projectId, projectId),
          eq(pieceQuantities.period, period),
          eq(enrolments.teamId, teamId),
          isNull(pieceQuantities.withdrawsId),
          after === undefined ? undefined : gt(pieceQuantities.id, after),
        )}
        ORDER BY ${asc(pieceQuantities.id)} LIMIT ${limit}`,
    )
    return rows.map((r) => rowOf<TeamQuantityRow>(pieceQuantities, r))
  }

  /** The withdrawals of these quantities (a page's worth of ids). */
  async withdrawalsOf(projectId: string, ids: readonly string[]): Promise<PieceQuantityRow[]> {
    if (ids.length === 0) return []
    const rows = await this.db.all(
      sql`${selectFrom(pieceQuantities)} WHERE ${and(eq(pieceQuantities.projectId, projectId), inArray(pieceQuantities.withdrawsId, [...ids]))} ORDER BY ${asc(pieceQuantities.id)}`,
    )
    return rows.map((r) => rowOf<PieceQuantityRow>(pieceQuantities, r))
  }

  async insertAnswer(row: PieceAnswerRow): Promise<void> {
    await this.db.run(insertInto(pieceQuantityAnswers, [row]))
  }

  /** The answers to these quantities, oldest first (the last of each quantity counts). */
  async answersOf(ids: readonly string[]): Promise<PieceAnswerRow[]> {
    if (ids.length === 0) return []
    const rows = await this.db.all(
      sql`${selectFrom(pieceQuantityAnswers)} WHERE ${inArray(pieceQuantityAnswers.quantityId, [...ids])}
        ORDER BY ${asc(pieceQuantityAnswers.answeredAtMs)}, ${asc(pieceQuantityAnswers.id)}`,
    )
    return rows.map((r) => rowOf<PieceAnswerRow>(pieceQuantityAnswers, r))
  }

  // ---- pay items ------------------------------------------------------------------------------------------------

  async insertPayItem(row: PayItemRow): Promise<void> {
    await this.db.run(insertInto(payItems, [row]))
  }

  async payItem(projectId: string, workerId: string, id: string): Promise<PayItemRow | undefined> {
    const raw = await this.db.get(sql`${selectFrom(payItems)} WHERE ${and(eq(payItems.projectId, projectId), eq(payItems.workerId, workerId), eq(payItems.id, id))}`)
    return raw && rowOf<PayItemRow>(payItems, raw)
  }

  async payItemWithdrawal(projectId: string, id: string): Promise<PayItemRow | undefined> {
    const raw = await this.db.get(sql`${selectFrom(payItems)} WHERE ${and(eq(payItems.projectId, projectId), eq(payItems.withdrawsId, id))} ORDER BY ${asc(payItems.id)} LIMIT 1`)
    return raw && rowOf<PayItemRow>(payItems, raw)
  }

  /** A worker's pay items of the month, withdrawals included, in the order entered. */
  async payItemsOfWorker(projectId: string, workerId: string, period: string): Promise<PayItemRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(payItems)} WHERE ${and(eq(payItems.projectId, projectId), eq(payItems.workerId, workerId), eq(payItems.period, period))}
        ORDER BY ${asc(payItems.enteredAtMs)}, ${asc(payItems.id)}`,
    )
    return rows.map((r) => rowOf<PayItemRow>(payItems, r))
  }

  // ---- a project month, streamed ----------------------------------------------------------------------------------

  /** The project's enrolments (of these workers, when the list is short enough to send). */
  async eachEnrolment(projectId: string, workerIds: readonly string[] | undefined, fn: (row: EnrolmentFacts) => void): Promise<void> {
    await this.db.each<EnrolmentFacts>(sql`${ENROLMENT_FACTS} WHERE ${and(eq(enrolments.projectId, projectId), inlineWorkers(enrolments.workerId, workerIds))} ORDER BY ${asc(enrolments.id)}`, fn)
  }

  /** Every recorded terms version of the project's enrolments, by enrolment, date, then in the order recorded. */
  async eachTerms(projectId: string, workerIds: readonly string[] | undefined, fn: (row: WageTermsRow) => void): Promise<void> {
    const within = inline(workerIds)
      ? sql`AND ${wageTerms.enrolmentId} IN (SELECT ${enrolments.id} FROM ${enrolments} WHERE ${and(eq(enrolments.projectId, projectId), inlineWorkers(enrolments.workerId, workerIds))})`
      : sql``
    await this.db.each<WageTermsRow>(
      sql`${selectFrom(wageTerms)} WHERE ${eq(wageTerms.projectId, projectId)} ${within}
        ORDER BY ${asc(wageTerms.enrolmentId)}, ${asc(wageTerms.effectiveFrom)}, ${asc(wageTerms.recordedAtMs)}, ${asc(wageTerms.id)}`,
      fn,
    )
  }

  /** The month's quantities, withdrawal rows included, in the order entered. */
  async eachQuantity(projectId: string, period: string, workerIds: readonly string[] | undefined, fn: (row: PieceQuantityRow) => void): Promise<void> {
    await this.db.each<PieceQuantityRow>(
      sql`${selectFrom(pieceQuantities)} WHERE ${and(eq(pieceQuantities.projectId, projectId), eq(pieceQuantities.period, period), inlineWorkers(pieceQuantities.workerId, workerIds))}
        ORDER BY ${asc(pieceQuantities.enteredAtMs)}, ${asc(pieceQuantities.id)}`,
      fn,
    )
  }

  /** The answers to the month's quantities, oldest first. */
  async eachAnswer(projectId: string, period: string, workerIds: readonly string[] | undefined, fn: (row: PieceAnswerRow) => void): Promise<void> {
    await this.db.each<PieceAnswerRow>(
      sql`${selectFrom(pieceQuantityAnswers)} JOIN ${pieceQuantities} ON ${pieceQuantities.id} = ${pieceQuantityAnswers.quantityId}
        WHERE ${and(eq(pieceQuantities.projectId, projectId), eq(pieceQuantities.period, period), inlineWorkers(pieceQuantities.workerId, workerIds))}
        ORDER BY ${asc(pieceQuantityAnswers.answeredAtMs)}, ${asc(pieceQuantityAnswers.id)}`,
      fn,
    )
  }

  /** The month's pay items, withdrawal rows included, in the order entered. */
  async eachPayItem(projectId: string, period: string, workerIds: readonly string[] | undefined, fn: (row: PayItemRow) => void): Promise<void> {
    await this.db.each<PayItemRow>(
      sql`${selectFrom(payItems)} WHERE ${and(eq(payItems.projectId, projectId), eq(payItems.period, period), inlineWorkers(payItems.workerId, workerIds))}
        ORDER BY ${asc(payItems.enteredAtMs)}, ${asc(payItems.id)}`,
      fn,
    )
  }
}

/** Whether a worker list goes into the statement (short), or the caller filters the project's rows (long, or none). */
export function inline(workerIds: readonly string[] | undefined): workerIds is readonly string[] {
  return workerIds !== undefined && workerIds.length <= WORKER_IDS_INLINE_MAX
}

function inlineWorkers(column: typeof enrolments.workerId | typeof pieceQuantities.workerId | typeof payItems.workerId, workerIds: readonly string[] | undefined): SQL | undefined {
  if (!inline(workerIds)) return undefined
  // An empty list matches nothing (IN () is not SQL both engines accept).
  return workerIds.length === 0 ? sql`1 = 0` : inArray(column, [...workerIds])
}
