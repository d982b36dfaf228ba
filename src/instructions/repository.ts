/** Database access for bank instructions (代发指令), their lines, and what they are made from and answered by. */
import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import type { Database, Transaction } from '../db/database.ts'
import { BulkInsert, insertInto, rowOf, selectFrom } from '../db/rows.ts'
import { answersInEffect } from '../payroll/answers-in-effect.ts'
import {
  instructionLines,
  organisations,
  paymentInstructions,
  payoutLines,
  payrollSheetEvents,
  payrollSheetLines,
  payrollSheets,
  projects,
  workers,
} from '../db/schema/index.ts'

export type InstructionRow = typeof paymentInstructions.$inferSelect
export type InstructionLineRow = typeof instructionLines.$inferSelect
export type SheetRow = typeof payrollSheets.$inferSelect
export type SheetLineRow = typeof payrollSheetLines.$inferSelect
export type SheetEventRow = typeof payrollSheetEvents.$inferSelect
export type ProjectRow = typeof projects.$inferSelect
export type OrganisationRow = typeof organisations.$inferSelect
export type PayoutResultRow = Pick<typeof payoutLines.$inferSelect, 'id' | 'status' | 'endToEndId' | 'payeeCard' | 'amountFen' | 'bankRef' | 'valueDate' | 'failureReason'> & {
  /** When the file that reported it was posted. */
  postedAtMs: number
}

/** Rows per IN list: well inside both engines' parameter limits. */
const IN_LIST_MAX = 500

export class InstructionRepository {
  private readonly lineInsert = new BulkInsert<InstructionLineRow>(instructionLines)

  constructor(private readonly db: Database) {}

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.db.tx(fn)
  }

  async project(projectId: string): Promise<ProjectRow | undefined> {
    const raw = await this.db.get(sql`${selectFrom(projects)} WHERE ${eq(projects.id, projectId)}`)
    return raw && rowOf<ProjectRow>(projects, raw)
  }

  async organisation(id: string): Promise<OrganisationRow | undefined> {
    const raw = await this.db.get(sql`${selectFrom(organisations)} WHERE ${eq(organisations.id, id)}`)
    return raw && rowOf<OrganisationRow>(organisations, raw)
  }

  /** The team-month's newest sheet version, or undefined. */
  /** The team-month's versions, newest first. */
  async sheetsNewestFirst(projectId: string, teamId: string, period: string): Promise<SheetRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(payrollSheets)} WHERE ${and(eq(payrollSheets.projectId, projectId), eq(payrollSheets.teamId, teamId), eq(payrollSheets.period, period))}
        ORDER BY ${payrollSheets.version} DESC`,
    )
    return rows.map((r) => rowOf<SheetRow>(payrollSheets, r))
  }

  async sheetEvents(sheetId: string): Promise<SheetEventRow[]> {
    const rows = await this.db.all(sql`${selectFrom(payrollSheetEvents)} WHERE ${eq(payrollSheetEvents.sheetId, sheetId)} ORDER BY ${asc(payrollSheetEvents.seq)}`)
    return rows.map((r) => rowOf<SheetEventRow>(payrollSheetEvents, r))
  }

  async insertSheetEvent(event: SheetEventRow): Promise<void> {
    await this.db.run(insertInto(payrollSheetEvents, [event]))
  }

  async sheetLines(sheetId: string): Promise<SheetLineRow[]> {
    const rows = await this.db.all(sql`${selectFrom(payrollSheetLines)} WHERE ${eq(payrollSheetLines.sheetId, sheetId)} ORDER BY ${asc(payrollSheetLines.lineNo)}`)
    return rows.map((r) => rowOf<SheetLineRow>(payrollSheetLines, r))
  }

  async teamOfSheet(sheetId: string): Promise<string | undefined> {
    const row = await this.db.get<{ teamId: string }>(sql`SELECT ${payrollSheets.teamId} AS "teamId" FROM ${payrollSheets} WHERE ${eq(payrollSheets.id, sheetId)}`)
    return row?.teamId
  }

  async sheetLine(id: string): Promise<SheetLineRow | undefined> {
    const raw = await this.db.get(sql`${selectFrom(payrollSheetLines)} WHERE ${eq(payrollSheetLines.id, id)}`)
    return raw && rowOf<SheetLineRow>(payrollSheetLines, raw)
  }

  /** The decision in effect per line of the sheet: the newest own answer, or one carried from the version superseded. */
  async newestDecisions(sheetId: string): Promise<Map<string, 'confirm' | 'dispute'>> {
    return new Map([...(await answersInEffect(this.db, sheetId))].map(([lineId, a]) => [lineId, a.decision]))
  }

  /** The workers of the pay month that already have an instruction line (any attempt). */
  async instructedWorkers(projectId: string, period: string, workerIds: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>()
    for (let i = 0; i < workerIds.length; i += IN_LIST_MAX) {
      const rows = await this.db.all<{ workerId: string }>(
        sql`SELECT DISTINCT ${instructionLines.workerId} AS "workerId" FROM ${instructionLines}
          WHERE ${and(eq(instructionLines.projectId, projectId), eq(instructionLines.period, period), inArray(instructionLines.workerId, workerIds.slice(i, i + IN_LIST_MAX)))}
          ORDER BY 1`,
      )
      for (const r of rows) out.add(r.workerId)
    }
    return out
  }

  /** The month's instruction lines to these cards, each with its EndToEndId, card and amount. */
  async linesToCards(projectId: string, period: string, cards: readonly string[]): Promise<Array<{ endToEndId: string; cardNo: string; amountFen: number }>> {
    const select = sql`SELECT ${instructionLines.endToEndId} AS "endToEndId", ${instructionLines.cardNo} AS "cardNo", ${instructionLines.amountFen} AS "amountFen" FROM ${instructionLines}`
    const month = and(eq(instructionLines.projectId, projectId), eq(instructionLines.period, period))
    // Each statement reads the month's lines through the (project, period, …) index: past one IN list, the month is
    // read once and sifted here rather than once per list (a 100,000-line file names 100,000 cards).
    type Row = { endToEndId: string; cardNo: string; amountFen: number }
    let rows: Row[]
    if (cards.length <= IN_LIST_MAX) rows = await this.db.all<Row>(sql`${select} WHERE ${and(month, inArray(instructionLines.cardNo, [...cards]))}`)
    else {
      rows = await this.db.all<Row>(sql`${select} WHERE ${month}`)
      // The cards' set is made only when the month holds instruction lines to sift.
      if (rows.length > 0) {
        const wanted = new Set(cards)
        rows = rows.filter((r) => wanted.has(r.cardNo))
      }
    }
    // PostgreSQL's bigint comes back as text.
    return rows.map((r) => ({ ...r, amountFen: Number(r.amountFen) }))
  }

  /** The card each worker holds now (the roster's; a card changed after a sheet was prepared is this one). */
  async cardsNow(workerIds: readonly string[]): Promise<Map<string, { cardNo: string; bankName: string }>> {
    const out = new Map<string, { cardNo: string; bankName: string }>()
    for (let i = 0; i < workerIds.length; i += IN_LIST_MAX) {
      const rows = await this.db.all<{ id: string; cardNo: string; bankName: string }>(
        sql`SELECT ${workers.id} AS "id", ${workers.cardNo} AS "cardNo", ${workers.bankName} AS "bankName" FROM ${workers}
          WHERE ${inArray(workers.id, workerIds.slice(i, i + IN_LIST_MAX))}`,
      )
      for (const r of rows) out.set(r.id, { cardNo: r.cardNo, bankName: r.bankName })
    }
    return out
  }

  async insertInstruction(instruction: InstructionRow, lines: readonly InstructionLineRow[]): Promise<void> {
    await this.db.run(insertInto(paymentInstructions, [instruction]))
    await this.lineInsert.run(this.db, lines)
  }

  async instruction(projectId: string, id: string): Promise<InstructionRow | undefined> {
    const raw = await this.db.get(sql`${selectFrom(paymentInstructions)} WHERE ${and(eq(paymentInstructions.projectId, projectId), eq(paymentInstructions.id, id))}`)
    return raw && rowOf<InstructionRow>(paymentInstructions, raw)
  }

  /** The project's instructions, of one pay month or all, in the order made. */
  async instructions(projectId: string, period: string | undefined): Promise<InstructionRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(paymentInstructions)} WHERE ${and(eq(paymentInstructions.projectId, projectId), period === undefined ? undefined : eq(paymentInstructions.period, period))}
        ORDER BY ${asc(paymentInstructions.createdAtMs)}, ${asc(paymentInstructions.id)}`,
    )
    return rows.map((r) => rowOf<InstructionRow>(paymentInstructions, r))
  }

  /** An instruction's lines, in the order written (attempt of each worker-month; the sheet's line order by id, which is time-ordered). */
  async linesOf(instructionId: string): Promise<InstructionLineRow[]> {
    const rows = await this.db.all(sql`${selectFrom(instructionLines)} WHERE ${eq(instructionLines.instructionId, instructionId)} ORDER BY ${asc(instructionLines.id)}`)
    return rows.map((r) => rowOf<InstructionLineRow>(instructionLines, r))
  }

  /** One worker-month's lines, oldest attempt first. */
  async workerMonthLines(projectId: string, workerId: string, period: string): Promise<Array<InstructionLineRow & { instructedAtMs: number }>> {
    const rows = await this.db.all(
      sql`${selectFrom(instructionLines)} WHERE ${and(eq(instructionLines.projectId, projectId), eq(instructionLines.period, period), eq(instructionLines.workerId, workerId))}
        ORDER BY ${asc(instructionLines.attempt)}`,
    )
    const lines = rows.map((r) => rowOf<InstructionLineRow>(instructionLines, r))
    const ids = [...new Set(lines.map((l) => l.instructionId))]
    const made = new Map<string, number>()
    if (ids.length > 0) {
      for (const r of await this.db.all<{ id: string; createdAtMs: number }>(
        sql`SELECT ${paymentInstructions.id} AS "id", ${paymentInstructions.createdAtMs} AS "createdAtMs" FROM ${paymentInstructions} WHERE ${inArray(paymentInstructions.id, ids)}`,
      )) {
        made.set(r.id, r.createdAtMs)
      }
    }
    return lines.map((l) => ({ ...l, instructedAtMs: made.get(l.instructionId) ?? 0 }))
  }

  /** The instruction lines of a project with these EndToEndIds (what a bank's status report names), by EndToEndId. */
  async linesByEndToEndId(projectId: string, endToEndIds: readonly string[]): Promise<Map<string, InstructionLineRow>> {
    const by = new Map<string, InstructionLineRow>()
    for (let i = 0; i < endToEndIds.length; i += IN_LIST_MAX) {
      const rows = await this.db.all(
        sql`${selectFrom(instructionLines)} WHERE ${and(eq(instructionLines.projectId, projectId), inArray(instructionLines.endToEndId, endToEndIds.slice(i, i + IN_LIST_MAX)))}`,
      )
      for (const raw of rows) {
        const line = rowOf<InstructionLineRow>(instructionLines, raw)
        by.set(line.endToEndId, line)
      }
    }
    return by
  }

  /**
   * The instruction lines of a project at these places of these batches (what a CMB 代发 result names a payment by:
   * the batch's YURREF, which is our MsgId, and TRXSEQ, the line's 1-based place in the batch), by batch reference
   * and place. The place is counted as the 代发 file was written (`linesOf`'s order, by line id), so the lines of each
   * batch named are read whole; a batch reference of no instruction of the project, or a place past its last line, is
   * simply absent. Served by the unique index on msg_id and the index on instruction_lines' instruction_id.
   */
  async linesByBatchSeq(projectId: string, refs: ReadonlyArray<{ batchRef: string; seq: number }>): Promise<Map<string, Map<number, InstructionLineRow>>> {
    const wanted = new Map<string, Set<number>>()
    for (const { batchRef, seq } of refs) {
      const seqs = wanted.get(batchRef)
      if (seqs) seqs.add(seq)
      else wanted.set(batchRef, new Set([seq]))
    }
    const batchRefs = [...wanted.keys()]
    const msgIdOf = new Map<string, string>()
    for (let i = 0; i < batchRefs.length; i += IN_LIST_MAX) {
      const rows = await this.db.all<{ id: string; msgId: string }>(
        sql`SELECT ${paymentInstructions.id} AS "id", ${paymentInstructions.msgId} AS "msgId" FROM ${paymentInstructions}
          WHERE ${and(eq(paymentInstructions.projectId, projectId), inArray(paymentInstructions.msgId, batchRefs.slice(i, i + IN_LIST_MAX)))}`,
      )
      for (const r of rows) msgIdOf.set(r.id, r.msgId)
    }
    const by = new Map<string, Map<number, InstructionLineRow>>()
    for (const [instructionId, batchRef] of msgIdOf) {
      const seqs = wanted.get(batchRef) ?? new Set<number>()
      const found = new Map<number, InstructionLineRow>()
      const lines = await this.linesOf(instructionId)
      lines.forEach((line, i) => {
        if (seqs.has(i + 1)) found.set(i + 1, line)
      })
      by.set(batchRef, found)
    }
    return by
  }

  /** The pay month's payout lines that carry one of these EndToEndIds or were paid to one of these cards. */
  /**
   * The month's payout results that may answer these attempts: by EndToEndId, by a return's EndToEndId, or to these
   * cards. A return (退票) that names the payment it undoes only by the bank's reference reads as that payment's
   * EndToEndId, whichever file came first, so the attempts see what came back in any order of files.
   */
  async resultsFor(projectId: string, period: string, endToEndIds: readonly string[], cards: readonly string[]): Promise<PayoutResultRow[]> {
    if (endToEndIds.length === 0 && cards.length === 0) return []
    const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ')
    const match = [
      ...(endToEndIds.length > 0 ? [`pl.end_to_end_id IN (${marks(endToEndIds.length)})`, `pl.return_of_end_to_end_id IN (${marks(endToEndIds.length)})`] : []),
      ...(cards.length > 0 ? [`pl.payee_card IN (${marks(cards.length)})`] : []),
    ].join(' OR ')
    return this.db.all<PayoutResultRow>({
      text: `SELECT pl.id AS "id", pl.status AS "status",
          COALESCE(pl.end_to_end_id, pl.return_of_end_to_end_id,
            CASE WHEN pl.status = 'returned' AND pl.return_of_bank_ref IS NOT NULL THEN
              (SELECT MIN(o.end_to_end_id) FROM payout_lines o WHERE o.project_id = pl.project_id AND o.bank_ref = pl.return_of_bank_ref AND o.status = 'success') END) AS "endToEndId",
          pl.payee_card AS "payeeCard", pl.amount_fen AS "amountFen", pl.bank_ref AS "bankRef", pl.value_date AS "valueDate", pl.failure_reason AS "failureReason",
          f.posted_at_ms AS "postedAtMs"
        FROM payout_lines pl INNER JOIN payout_files f ON f.id = pl.file_id
        WHERE pl.project_id = ? AND pl.period = ? AND (${match})
        ORDER BY pl.value_date, pl.file_id, pl.line_no`,
      params: [projectId, period, ...endToEndIds, ...(endToEndIds.length > 0 ? endToEndIds : []), ...cards],
    })
  }

}
