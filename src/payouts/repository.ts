/** Database access for payout files, their lines, reconciliation runs and flags. */
import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { flags, payoutFiles, payoutLines, reconciliationRuns } from '../db/schema/index.ts'

export type PayoutFileRow = typeof payoutFiles.$inferSelect
export type PayoutLineRow = typeof payoutLines.$inferSelect
export type ReconciliationRunRow = typeof reconciliationRuns.$inferSelect
export type FlagRow = typeof flags.$inferSelect
/** A payout line's place in money order: value date, file id, line number, id. */
export type PayoutLineKey = readonly [valueDate: string, fileId: string, lineNo: number, id: string]

export class PayoutRepository {
  // Prepared once: a file is up to 50,000 lines and a month up to 200,000, and drizzle building the SQL of every
  // 500-row insert or of the month's read took most of a large file's post (2.2 s of 3.7 s for 50,000 lines).
  private readonly insertLineStmt
  private readonly linesOfPeriodStmt
  private readonly insertFlagStmt

  constructor(private readonly db: Db) {
    const p = <K extends keyof PayoutLineRow>(name: K) => sql.placeholder(name)
    this.insertLineStmt = db
      .insert(payoutLines)
      .values({
        id: p('id'),
        fileId: p('fileId'),
        projectId: p('projectId'),
        period: p('period'),
        lineNo: p('lineNo'),
        seq: p('seq'),
        payeeCard: p('payeeCard'),
        payeeName: p('payeeName'),
        amountFen: p('amountFen'),
        status: p('status'),
        bankRef: p('bankRef'),
        valueDate: p('valueDate'),
        failureReason: p('failureReason'),
      })
      .prepare()
    const f = <K extends keyof FlagRow>(name: K) => sql.placeholder(name)
    // A run raises up to a flag a line (a month paid line by line to strangers' cards): stored like the lines.
    this.insertFlagStmt = db
      .insert(flags)
      .values({
        id: f('id'),
        runId: f('runId'),
        projectId: f('projectId'),
        period: f('period'),
        kind: f('kind'),
        workerId: f('workerId'),
        payeeCard: f('payeeCard'),
        dueFen: f('dueFen'),
        paidFen: f('paidFen'),
        evidence: f('evidence'),
        raisedAtMs: f('raisedAtMs'),
      })
      .prepare()
    this.linesOfPeriodStmt = db
      .select()
      .from(payoutLines)
      .where(and(eq(payoutLines.projectId, sql.placeholder('projectId')), eq(payoutLines.period, sql.placeholder('period'))))
      .orderBy(asc(payoutLines.fileId), asc(payoutLines.lineNo))
      .prepare()
  }

  transaction<T>(fn: () => T): T {
    return this.db.$client.transaction(fn)()
  }

  fileBySha(projectId: string, sha256: string): PayoutFileRow | undefined {
    return this.db.select().from(payoutFiles).where(and(eq(payoutFiles.projectId, projectId), eq(payoutFiles.sha256, sha256))).get()
  }

  insertFile(file: PayoutFileRow, lines: PayoutLineRow[]): void {
    this.db.insert(payoutFiles).values(file).run()
    for (const line of lines) this.insertLineStmt.run(line)
  }

  /** Which of these bank references the project already holds, and in which file. */
  postedBankRefs(projectId: string, bankRefs: string[]): Array<{ bankRef: string; fileId: string }> {
    const found: Array<{ bankRef: string; fileId: string }> = []
    for (let i = 0; i < bankRefs.length; i += 500) {
      found.push(
        ...this.db
          .select({ bankRef: payoutLines.bankRef, fileId: payoutLines.fileId })
          .from(payoutLines)
          .where(and(eq(payoutLines.projectId, projectId), inArray(payoutLines.bankRef, bankRefs.slice(i, i + 500))))
          .all(),
      )
    }
    return found
  }

  /** Payout lines the project holds for the pay month, from the files' own counts (a few rows, not every line). */
  lineCountOfPeriod(projectId: string, period: string): number {
    const row = this.db
      .select({ n: sql<number>`coalesce(sum(${payoutFiles.lineCount}), 0)` })
      .from(payoutFiles)
      .where(and(eq(payoutFiles.projectId, projectId), eq(payoutFiles.period, period)))
      .get()
    return row?.n ?? 0
  }

  /** A page of the project's files in the order posted, keyset after (posted at, id) of the previous page's last. */
  filesPage(projectId: string, after: readonly [postedAtMs: number, id: string] | undefined, limit: number): PayoutFileRow[] {
    return this.db
      .select()
      .from(payoutFiles)
      .where(and(eq(payoutFiles.projectId, projectId), after === undefined ? undefined : sql`(${payoutFiles.postedAtMs}, ${payoutFiles.id}) > (${after[0]}, ${after[1]})`))
      .orderBy(asc(payoutFiles.postedAtMs), asc(payoutFiles.id))
      .limit(limit)
      .all()
  }

  file(projectId: string, fileId: string): PayoutFileRow | undefined {
    return this.db.select().from(payoutFiles).where(and(eq(payoutFiles.projectId, projectId), eq(payoutFiles.id, fileId))).get()
  }

  /** A page of one file's lines in file order, after line number `afterLineNo`. */
  linesOfFilePage(fileId: string, afterLineNo: number | undefined, limit: number): PayoutLineRow[] {
    return this.db
      .select()
      .from(payoutLines)
      .where(and(eq(payoutLines.fileId, fileId), afterLineNo === undefined ? undefined : gt(payoutLines.lineNo, afterLineNo)))
      .orderBy(asc(payoutLines.lineNo))
      .limit(limit)
      .all()
  }

  linesOfPeriod(projectId: string, period: string): PayoutLineRow[] {
    return this.linesOfPeriodStmt.all({ projectId, period })
  }

  /**
   * One page of the month's payout lines in money order (value date, file, line, id: reconcile.ts's order, so the
   * first page is what a flag shows), keyset after `after` (that order's key of the last line of the previous page).
   * `cards` narrows to lines paid to those cards (an empty list matches nothing); `status` to successes or failures.
   */
  linesOfPeriodPage(
    projectId: string,
    period: string,
    filter: { cards?: readonly string[]; status?: PayoutLineRow['status'] },
    after: PayoutLineKey | undefined,
    limit: number,
  ): PayoutLineRow[] {
    if (filter.cards?.length === 0) return []
    return this.db
      .select()
      .from(payoutLines)
      .where(
        and(
          eq(payoutLines.projectId, projectId),
          eq(payoutLines.period, period),
          filter.cards === undefined ? undefined : inArray(payoutLines.payeeCard, [...filter.cards]),
          filter.status === undefined ? undefined : eq(payoutLines.status, filter.status),
          after === undefined
            ? undefined
            : sql`(${payoutLines.valueDate}, ${payoutLines.fileId}, ${payoutLines.lineNo}, ${payoutLines.id}) > (${after[0]}, ${after[1]}, ${after[2]}, ${after[3]})`,
        ),
      )
      .orderBy(asc(payoutLines.valueDate), asc(payoutLines.fileId), asc(payoutLines.lineNo), asc(payoutLines.id))
      .limit(limit)
      .all()
  }

  flagById(flagId: string): FlagRow | undefined {
    return this.db.select().from(flags).where(eq(flags.id, flagId)).get()
  }

  insertRun(run: ReconciliationRunRow, rows: FlagRow[]): void {
    this.db.insert(reconciliationRuns).values(run).run()
    for (const row of rows) this.insertFlagStmt.run(row)
  }

  latestRun(projectId: string, period: string): ReconciliationRunRow | undefined {
    return this.db
      .select()
      .from(reconciliationRuns)
      .where(and(eq(reconciliationRuns.projectId, projectId), eq(reconciliationRuns.period, period)))
      .orderBy(desc(reconciliationRuns.ranAtMs), desc(reconciliationRuns.id))
      .limit(1)
      .get()
  }

  /** A page of a run's flags in the order the run raised them (ids are time-ordered and given in that order). */
  flagsOfRunPage(runId: string, after: string | undefined, limit: number): FlagRow[] {
    return this.db
      .select()
      .from(flags)
      .where(and(eq(flags.runId, runId), after === undefined ? undefined : gt(flags.id, after)))
      .orderBy(asc(flags.id))
      .limit(limit)
      .all()
  }

  flagsOfRun(runId: string): FlagRow[] {
    return this.db.select().from(flags).where(eq(flags.runId, runId)).orderBy(asc(flags.id)).all()
  }
}
