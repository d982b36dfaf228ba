/** Database access for payout files, their lines, reconciliation runs and flags. */
import { and, asc, desc, eq, gt, gte, inArray, lt, sql } from 'drizzle-orm'
import type { Database, Transaction } from '../db/database.ts'
import { BulkInsert, insertInto, rowOf, selectFrom } from '../db/rows.ts'
import { flags, payoutFiles, payoutLines, payoutMonthBounds, payrollSheetEvents, payrollSheets, reconciliationRuns } from '../db/schema/index.ts'
import { fen } from '../kernel/money.ts'
import type { PaidLine } from './reconcile.ts'

export type PayoutFileRow = typeof payoutFiles.$inferSelect
export type PayoutLineRow = typeof payoutLines.$inferSelect

/** A stored payout line as reconcile reads it. */
export function paidLineOf(l: PayoutLineRow): PaidLine {
  return {
    lineId: l.id,
    fileId: l.fileId,
    lineNo: l.lineNo,
    payeeCard: l.payeeCard,
    payeeName: l.payeeName,
    amountFen: fen(l.amountFen),
    status: l.status,
    bankRef: l.bankRef,
    valueDate: l.valueDate,
    failureReason: l.failureReason,
    payerAccountNo: l.payerAccountNo,
    endToEndId: l.endToEndId,
    returnOf: l.status === 'returned' ? { endToEndId: l.returnOfEndToEndId, bankRef: l.returnOfBankRef } : null,
  }
}
export type ReconciliationRunRow = typeof reconciliationRuns.$inferSelect
export type FlagRow = typeof flags.$inferSelect
export type PayoutMonthBoundRow = typeof payoutMonthBounds.$inferSelect
/** A payout line's place in money order: value date, file id, line number, id. */
export type PayoutLineKey = readonly [valueDate: string, fileId: string, lineNo: number, id: string]

/** A payout line narrowed to the payment it reports: identity, card, amount, status and what it returns. */
export type PaymentReportRow = Pick<PayoutLineRow, 'id' | 'fileId' | 'lineNo' | 'payeeCard' | 'amountFen' | 'status' | 'bankRef' | 'valueDate' | 'endToEndId' | 'returnOfEndToEndId' | 'returnOfBankRef'>

/** Values a single IN (…) names. */
const IN_LIST_MAX = 500

export class PayoutRepository {
  private readonly lineInsert = new BulkInsert<PayoutLineRow>(payoutLines)
  private readonly flagInsert = new BulkInsert<FlagRow>(flags)

  constructor(private readonly db: Database) {}

  /** One transaction: every repository call made inside fn (through any service) joins it. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.db.tx(fn)
  }

  async fileBySha(projectId: string, sha256: string): Promise<PayoutFileRow | undefined> {
    const raw = await this.db.get(sql`${selectFrom(payoutFiles)} WHERE ${and(eq(payoutFiles.projectId, projectId), eq(payoutFiles.sha256, sha256))}`)
    return raw && rowOf<PayoutFileRow>(payoutFiles, raw)
  }

  async insertFile(file: PayoutFileRow, lines: readonly PayoutLineRow[]): Promise<void> {
    await this.db.run(insertInto(payoutFiles, [file]))
    await this.insertLines(lines)
  }

  /** Lines of a file already inserted, in chunks: call inside the transaction that inserted the file. */
  async insertLines(lines: readonly PayoutLineRow[]): Promise<void> {
    await this.lineInsert.run(this.db, lines)
  }

  /** Which of these bank references the project already holds, with which status, and in which file. */
  async postedBankRefs(projectId: string, bankRefs: readonly string[]): Promise<Array<{ bankRef: string; status: string; fileId: string; period: string; endToEndId: string | null; payeeCard: string; payeeName: string }>> {
    const found: Array<{ bankRef: string; status: string; fileId: string; period: string; endToEndId: string | null; payeeCard: string; payeeName: string }> = []
    for (let i = 0; i < bankRefs.length; i += IN_LIST_MAX) {
      found.push(
        ...(await this.db.all<{ bankRef: string; status: string; fileId: string; period: string; endToEndId: string | null; payeeCard: string; payeeName: string }>(
          sql`SELECT ${payoutLines.bankRef} AS "bankRef", ${payoutLines.status} AS "status", ${payoutLines.fileId} AS "fileId", ${payoutLines.period} AS "period", ${payoutLines.endToEndId} AS "endToEndId", ${payoutLines.payeeCard} AS "payeeCard", ${payoutLines.payeeName} AS "payeeName" FROM ${payoutLines}
            WHERE ${and(eq(payoutLines.projectId, projectId), inArray(payoutLines.bankRef, bankRefs.slice(i, i + IN_LIST_MAX)))}
            ORDER BY ${payoutLines.bankRef}`,
        )),
      )
    }
    return found
  }

  /** Payout lines the project holds for the pay month, from the files' own counts (a few rows, not every line). */
  async lineCountOfPeriod(projectId: string, period: string): Promise<number> {
    const row = await this.db.get<{ n: number }>(
      sql`SELECT CAST(coalesce(sum(${payoutFiles.lineCount}), 0) AS BIGINT) AS "n" FROM ${payoutFiles}
        WHERE ${and(eq(payoutFiles.projectId, projectId), eq(payoutFiles.period, period))}`,
    )
    return row?.n ?? 0
  }

  /** A page of the project's files in the order posted, keyset after (posted at, id) of the previous page's last. */
  async filesPage(projectId: string, after: readonly [postedAtMs: number, id: string] | undefined, limit: number): Promise<PayoutFileRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(payoutFiles)} WHERE ${and(
        eq(payoutFiles.projectId, projectId),
        after === undefined ? undefined : sql`(${payoutFiles.postedAtMs}, ${payoutFiles.id}) > (${after[0]}, ${after[1]})`,
      )} ORDER BY ${asc(payoutFiles.postedAtMs)}, ${asc(payoutFiles.id)} LIMIT ${limit}`,
    )
    return rows.map((r) => rowOf<PayoutFileRow>(payoutFiles, r))
  }

  async file(projectId: string, fileId: string): Promise<PayoutFileRow | undefined> {
    const raw = await this.db.get(sql`${selectFrom(payoutFiles)} WHERE ${and(eq(payoutFiles.projectId, projectId), eq(payoutFiles.id, fileId))}`)
    return raw && rowOf<PayoutFileRow>(payoutFiles, raw)
  }

  /** A page of one file's lines in file order, after line number `afterLineNo`. */
  async linesOfFilePage(fileId: string, afterLineNo: number | undefined, limit: number): Promise<PayoutLineRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(payoutLines)} WHERE ${and(eq(payoutLines.fileId, fileId), afterLineNo === undefined ? undefined : gt(payoutLines.lineNo, afterLineNo))}
        ORDER BY ${asc(payoutLines.lineNo)}, ${asc(payoutLines.id)} LIMIT ${limit}`,
    )
    return rows.map((r) => rowOf<PayoutLineRow>(payoutLines, r))
  }

  /** Every line of the pay month (up to payout_lines_per_project_month_max), in file and line order. */
  /** `exceptFileId`: a file the caller holds the lines of already (the one it has just stored), left out. */
  async linesOfPeriod(projectId: string, period: string, exceptFileId?: string): Promise<PayoutLineRow[]> {
    const rows: PayoutLineRow[] = []
    await this.db.each(
      sql`${selectFrom(payoutLines)} WHERE ${and(eq(payoutLines.projectId, projectId), eq(payoutLines.period, period), exceptFileId === undefined ? undefined : sql`${payoutLines.fileId} <> ${exceptFileId}`)}
        ORDER BY ${asc(payoutLines.fileId)}, ${asc(payoutLines.lineNo)}, ${asc(payoutLines.id)}`,
      (raw: Record<string, unknown>) => rows.push(rowOf<PayoutLineRow>(payoutLines, raw)),
    )
    return rows
  }

  /** The month's stored reports naming these EndToEndIds: their status and value date. */
  async reportsOfEndToEndIds(projectId: string, period: string, endToEndIds: readonly string[]): Promise<Array<{ endToEndId: string; status: string; valueDate: string }>> {
    type Row = { endToEndId: string; status: string; valueDate: string }
    const select = sql`SELECT ${payoutLines.endToEndId} AS "endToEndId", ${payoutLines.status} AS "status", ${payoutLines.valueDate} AS "valueDate" FROM ${payoutLines}`
    const month = and(eq(payoutLines.projectId, projectId), eq(payoutLines.period, period))
    if (endToEndIds.length === 0) return []
    // Each statement reads the month's lines through the (project, period, …) index: past one IN list, the month is
    // read once and sifted here rather than once per list.
    if (endToEndIds.length <= IN_LIST_MAX) return this.db.all<Row>(sql`${select} WHERE ${and(month, inArray(payoutLines.endToEndId, [...endToEndIds]))}`)
    const wanted = new Set(endToEndIds)
    return (await this.db.all<Row>(sql`${select} WHERE ${and(month, sql`${payoutLines.endToEndId} IS NOT NULL`)}`)).filter((r) => wanted.has(r.endToEndId))
  }

  /**
   * Per card, the sum of every successful line in pay months [fromPeriod, toPeriod): an upper bound of what the card was
   * paid (a payment reported twice is summed twice, a return is not taken off), read in one statement.
   */
  async successSumsByCard(projectId: string, fromPeriod: string, toPeriod: string): Promise<Array<{ card: string; fen: number }>> {
    const rows = await this.db.all<{ card: string; fen: number | string }>(
      sql`SELECT ${payoutLines.payeeCard} AS "card", sum(${payoutLines.amountFen}) AS "fen" FROM ${payoutLines}
        WHERE ${and(eq(payoutLines.projectId, projectId), gte(payoutLines.period, fromPeriod), lt(payoutLines.period, toPeriod), eq(payoutLines.status, 'success'))}
        GROUP BY ${payoutLines.payeeCard}`,
    )
    return rows.map((r) => ({ card: r.card, fen: Number(r.fen) }))
  }

  /** A month's bound, in the transaction that stored the lines it covers. */
  async insertMonthBound(row: PayoutMonthBoundRow): Promise<void> {
    await this.db.run(insertInto(payoutMonthBounds, [row]))
  }

  /**
   * Per pay month in [fromPeriod, toPeriod) that holds lines: how many (its files' line counts added up), and the
   * widest bound written for it with the lines that bound covered. Bounds only grow with the lines (append-only), so the
   * largest line count and the largest peak belong to the same, newest, bound.
   */
  async monthBounds(projectId: string, fromPeriod: string, toPeriod: string): Promise<Array<{ period: string; lineCount: number; boundLineCount: number | null; cardPeakFen: number | null }>> {
    const files = await this.db.all<{ period: string; n: number | string }>(
      sql`SELECT ${payoutFiles.period} AS "period", sum(${payoutFiles.lineCount}) AS "n" FROM ${payoutFiles}
        WHERE ${and(eq(payoutFiles.projectId, projectId), gte(payoutFiles.period, fromPeriod), lt(payoutFiles.period, toPeriod))} GROUP BY ${payoutFiles.period}`,
    )
    const bounds = await this.db.all<{ period: string; n: number | string; peak: number | string }>(
      sql`SELECT ${payoutMonthBounds.period} AS "period", max(${payoutMonthBounds.lineCount}) AS "n", max(${payoutMonthBounds.cardPeakFen}) AS "peak" FROM ${payoutMonthBounds}
        WHERE ${and(eq(payoutMonthBounds.projectId, projectId), gte(payoutMonthBounds.period, fromPeriod), lt(payoutMonthBounds.period, toPeriod))} GROUP BY ${payoutMonthBounds.period}`,
    )
    const byPeriod = new Map(bounds.map((b) => [b.period, b]))
    return files
      .map((f) => {
        const b = byPeriod.get(f.period)
        return { period: f.period, lineCount: Number(f.n), boundLineCount: b === undefined ? null : Number(b.n), cardPeakFen: b === undefined ? null : Number(b.peak) }
      })
      .filter((m) => m.lineCount > 0)
  }

  /** paymentReportsOfPeriod narrowed to lines paid to these cards (as stored). */
  async paymentReportsOfCards(projectId: string, period: string, cards: readonly string[]): Promise<PaymentReportRow[]> {
    const out: PaymentReportRow[] = []
    for (let i = 0; i < cards.length; i += IN_LIST_MAX) {
      out.push(
        ...(await this.db.all<PaymentReportRow>(
          sql`SELECT ${payoutLines.id} AS "id", ${payoutLines.fileId} AS "fileId", ${payoutLines.lineNo} AS "lineNo", ${payoutLines.payeeCard} AS "payeeCard",
              ${payoutLines.amountFen} AS "amountFen", ${payoutLines.status} AS "status", ${payoutLines.bankRef} AS "bankRef", ${payoutLines.valueDate} AS "valueDate",
              ${payoutLines.endToEndId} AS "endToEndId", ${payoutLines.returnOfEndToEndId} AS "returnOfEndToEndId", ${payoutLines.returnOfBankRef} AS "returnOfBankRef"
            FROM ${payoutLines} WHERE ${and(eq(payoutLines.projectId, projectId), eq(payoutLines.period, period), inArray(payoutLines.payeeCard, cards.slice(i, i + IN_LIST_MAX)))}`,
        )),
      )
    }
    return out.sort((a, b) => (a.fileId < b.fileId ? -1 : a.fileId > b.fileId ? 1 : a.lineNo - b.lineNo || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
  }

  /** Whether the month holds any return (退票) line. */
  async periodHasReturns(projectId: string, period: string): Promise<boolean> {
    const row = await this.db.get(
      sql`SELECT 1 AS "one" FROM ${payoutLines} WHERE ${and(eq(payoutLines.projectId, projectId), eq(payoutLines.period, period), eq(payoutLines.status, 'returned'))} LIMIT 1`,
    )
    return row !== undefined
  }

  /**
   * The month's lines with only what tells payments apart and what each paid (PaymentReportRow), in the order
   * linesOfPeriod gives: what an earlier month of the year contributes to OVERSIZED's year rule.
   */
  async paymentReportsOfPeriod(projectId: string, period: string): Promise<PaymentReportRow[]> {
    return this.db.all<PaymentReportRow>(
      sql`SELECT ${payoutLines.id} AS "id", ${payoutLines.fileId} AS "fileId", ${payoutLines.lineNo} AS "lineNo", ${payoutLines.payeeCard} AS "payeeCard",
          ${payoutLines.amountFen} AS "amountFen", ${payoutLines.status} AS "status", ${payoutLines.bankRef} AS "bankRef", ${payoutLines.valueDate} AS "valueDate",
          ${payoutLines.endToEndId} AS "endToEndId", ${payoutLines.returnOfEndToEndId} AS "returnOfEndToEndId", ${payoutLines.returnOfBankRef} AS "returnOfBankRef"
        FROM ${payoutLines} WHERE ${and(eq(payoutLines.projectId, projectId), eq(payoutLines.period, period))}
        ORDER BY ${asc(payoutLines.fileId)}, ${asc(payoutLines.lineNo)}, ${asc(payoutLines.id)}`,
    )
  }

  /**
   * One page of the month's payout lines in money order (value date, file, line, id: reconcile.ts's order, so the
   * first page is what a flag shows), keyset after `after` (that order's key of the last line of the previous page).
   * `cards` narrows to lines paid to those cards (an empty list matches nothing); `status` to successes or failures.
   */
  async linesOfPeriodPage(
    projectId: string,
    period: string,
    filter: { cards?: readonly string[]; status?: PayoutLineRow['status'] },
    after: PayoutLineKey | undefined,
    limit: number,
  ): Promise<PayoutLineRow[]> {
    if (filter.cards?.length === 0) return []
    const rows = await this.db.all(
      sql`${selectFrom(payoutLines)} WHERE ${and(
        eq(payoutLines.projectId, projectId),
        eq(payoutLines.period, period),
        filter.cards === undefined ? undefined : inArray(payoutLines.payeeCard, [...filter.cards]),
        filter.status === undefined ? undefined : eq(payoutLines.status, filter.status),
        after === undefined
          ? undefined
          : sql`(${payoutLines.valueDate}, ${payoutLines.fileId}, ${payoutLines.lineNo}, ${payoutLines.id}) > (${after[0]}, ${after[1]}, ${after[2]}, ${after[3]})`,
      )} ORDER BY ${asc(payoutLines.valueDate)}, ${asc(payoutLines.fileId)}, ${asc(payoutLines.lineNo)}, ${asc(payoutLines.id)} LIMIT ${limit}`,
    )
    return rows.map((r) => rowOf<PayoutLineRow>(payoutLines, r))
  }

  /**
   * Per team, the newest version of its sheet of the month and that version's state (its newest transition), whatever
   * the state: what NO_PAYROLL_SHEET shows of a team whose sheet is not approved. Read only; the sheet service owns them.
   */
  async newestSheetsOfMonth(projectId: string, period: string): Promise<Map<string, { sheetId: string; version: number; state: string }>> {
    const rows = await this.db.all<{ teamId: string; sheetId: string; version: number; state: string }>(
      sql`SELECT ${payrollSheets.teamId} AS "teamId", ${payrollSheets.id} AS "sheetId", ${payrollSheets.version} AS "version", ${payrollSheetEvents.state} AS "state"
        FROM ${payrollSheets} JOIN ${payrollSheetEvents} ON ${payrollSheetEvents.sheetId} = ${payrollSheets.id}
        WHERE ${and(eq(payrollSheets.projectId, projectId), eq(payrollSheets.period, period))}
        ORDER BY ${asc(payrollSheets.teamId)}, ${desc(payrollSheets.version)}, ${desc(payrollSheetEvents.seq)}`,
    )
    const newest = new Map<string, { sheetId: string; version: number; state: string }>()
    for (const r of rows) if (!newest.has(r.teamId)) newest.set(r.teamId, { sheetId: r.sheetId, version: Number(r.version), state: r.state })
    return newest
  }

  async flagById(flagId: string): Promise<FlagRow | undefined> {
    const raw = await this.db.get(sql`${selectFrom(flags)} WHERE ${eq(flags.id, flagId)}`)
    return raw && rowOf<FlagRow>(flags, raw)
  }

  async insertRun(run: ReconciliationRunRow, rows: readonly FlagRow[]): Promise<void> {
    await this.db.run(insertInto(reconciliationRuns, [run]))
    await this.flagInsert.run(this.db, rows)
  }

  async latestRun(projectId: string, period: string): Promise<ReconciliationRunRow | undefined> {
    const raw = await this.db.get(
      sql`${selectFrom(reconciliationRuns)} WHERE ${and(eq(reconciliationRuns.projectId, projectId), eq(reconciliationRuns.period, period))}
        ORDER BY ${desc(reconciliationRuns.ranAtMs)}, ${desc(reconciliationRuns.id)} LIMIT 1`,
    )
    return raw && rowOf<ReconciliationRunRow>(reconciliationRuns, raw)
  }

  /** A page of a run's flags in the order the run raised them (ids are time-ordered and given in that order). */
  async flagsOfRunPage(runId: string, after: string | undefined, limit: number): Promise<FlagRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(flags)} WHERE ${and(eq(flags.runId, runId), after === undefined ? undefined : gt(flags.id, after))} ORDER BY ${asc(flags.id)} LIMIT ${limit}`,
    )
    return rows.map((r) => rowOf<FlagRow>(flags, r))
  }

  async flagsOfRun(runId: string): Promise<FlagRow[]> {
    const rows = await this.db.all(sql`${selectFrom(flags)} WHERE ${eq(flags.runId, runId)} ORDER BY ${asc(flags.id)}`)
    return rows.map((r) => rowOf<FlagRow>(flags, r))
  }
}
