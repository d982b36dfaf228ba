/** Database access for payout files, their lines, reconciliation runs and flags. */
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { flags, payoutFiles, payoutLines, reconciliationRuns } from '../db/schema/index.ts'

export type PayoutFileRow = typeof payoutFiles.$inferSelect
export type PayoutLineRow = typeof payoutLines.$inferSelect
export type ReconciliationRunRow = typeof reconciliationRuns.$inferSelect
export type FlagRow = typeof flags.$inferSelect

export class PayoutRepository {
  constructor(private readonly db: Db) {}

  transaction<T>(fn: () => T): T {
    return this.db.$client.transaction(fn)()
  }

  fileBySha(projectId: string, sha256: string): PayoutFileRow | undefined {
    return this.db.select().from(payoutFiles).where(and(eq(payoutFiles.projectId, projectId), eq(payoutFiles.sha256, sha256))).get()
  }

  insertFile(file: PayoutFileRow, lines: PayoutLineRow[]): void {
    this.db.insert(payoutFiles).values(file).run()
    // SQLite caps bound variables per statement; 13 columns × 500 rows stays well under it.
    for (let i = 0; i < lines.length; i += 500) this.db.insert(payoutLines).values(lines.slice(i, i + 500)).run()
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

  listFiles(projectId: string): PayoutFileRow[] {
    return this.db.select().from(payoutFiles).where(eq(payoutFiles.projectId, projectId)).orderBy(asc(payoutFiles.postedAtMs)).all()
  }

  linesOfFile(fileId: string): PayoutLineRow[] {
    return this.db.select().from(payoutLines).where(eq(payoutLines.fileId, fileId)).orderBy(asc(payoutLines.lineNo)).all()
  }

  linesOfPeriod(projectId: string, period: string): PayoutLineRow[] {
    return this.db
      .select()
      .from(payoutLines)
      .where(and(eq(payoutLines.projectId, projectId), eq(payoutLines.period, period)))
      .orderBy(asc(payoutLines.fileId), asc(payoutLines.lineNo))
      .all()
  }

  insertRun(run: ReconciliationRunRow, rows: FlagRow[]): void {
    this.db.insert(reconciliationRuns).values(run).run()
    for (let i = 0; i < rows.length; i += 500) this.db.insert(flags).values(rows.slice(i, i + 500)).run()
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

  flagsOfRun(runId: string): FlagRow[] {
    return this.db.select().from(flags).where(eq(flags.runId, runId)).orderBy(asc(flags.id)).all()
  }
}
