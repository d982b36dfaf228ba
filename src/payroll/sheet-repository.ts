/** Database access for payroll sheets (工资支付表): sheets, their lines, their state transitions and the workers' answers. */
import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import type { Database, Transaction } from '../db/database.ts'
import { BulkInsert, insertInto, rowOf, selectFrom } from '../db/rows.ts'
import { payrollLineAnswers, payrollSheetEvents, payrollSheetLines, payrollSheets } from '../db/schema/index.ts'
import { fen } from '../kernel/money.ts'
import type { ApprovedLine } from './approved.ts'
import { answersInEffect, carriedAnswers, type AnswerInEffect, type LineAnswerRow } from './answers-in-effect.ts'

export type SheetRow = typeof payrollSheets.$inferSelect
export type SheetLineRow = typeof payrollSheetLines.$inferSelect
export type SheetEventRow = typeof payrollSheetEvents.$inferSelect
export type { AnswerInEffect, LineAnswerRow }

/** Sheet ids a single IN (…) names. */
const IN_IDS_MAX = 500

export class SheetRepository {
  private readonly lineInsert = new BulkInsert<SheetLineRow>(payrollSheetLines)

  constructor(private readonly db: Database) {}

  /** One transaction: every repository call made inside fn joins it. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.db.tx(fn)
  }

  async sheet(id: string): Promise<SheetRow | undefined> {
    const raw = await this.db.get(sql`${selectFrom(payrollSheets)} WHERE ${eq(payrollSheets.id, id)}`)
    return raw && rowOf<SheetRow>(payrollSheets, raw)
  }

  /** Every version of a team's month, oldest first. */
  async sheetsOfTeamMonth(projectId: string, teamId: string, period: string): Promise<SheetRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(payrollSheets)} WHERE ${and(eq(payrollSheets.projectId, projectId), eq(payrollSheets.teamId, teamId), eq(payrollSheets.period, period))} ORDER BY ${asc(payrollSheets.version)}`,
    )
    return rows.map((r) => rowOf<SheetRow>(payrollSheets, r))
  }

  /** Every sheet of a project's month, by team and version. */
  async sheetsOfMonth(projectId: string, period: string): Promise<SheetRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(payrollSheets)} WHERE ${and(eq(payrollSheets.projectId, projectId), eq(payrollSheets.period, period))} ORDER BY ${asc(payrollSheets.teamId)}, ${asc(payrollSheets.version)}`,
    )
    return rows.map((r) => rowOf<SheetRow>(payrollSheets, r))
  }

  /** The events of these sheets, each sheet's in order. */
  async eventsOf(sheetIds: readonly string[]): Promise<Map<string, SheetEventRow[]>> {
    const by = new Map<string, SheetEventRow[]>()
    for (let i = 0; i < sheetIds.length; i += IN_IDS_MAX) {
      const ids = sheetIds.slice(i, i + IN_IDS_MAX)
      const rows = await this.db.all(sql`${selectFrom(payrollSheetEvents)} WHERE ${inArray(payrollSheetEvents.sheetId, ids)} ORDER BY ${asc(payrollSheetEvents.sheetId)}, ${asc(payrollSheetEvents.seq)}`)
      for (const raw of rows) {
        const e = rowOf<SheetEventRow>(payrollSheetEvents, raw)
        const list = by.get(e.sheetId)
        if (list) list.push(e)
        else by.set(e.sheetId, [e])
      }
    }
    return by
  }

  async linesOf(sheetId: string): Promise<SheetLineRow[]> {
    const rows = await this.db.all(sql`${selectFrom(payrollSheetLines)} WHERE ${eq(payrollSheetLines.sheetId, sheetId)} ORDER BY ${asc(payrollSheetLines.lineNo)}`)
    return rows.map((r) => rowOf<SheetLineRow>(payrollSheetLines, r))
  }

  /**
   * A sheet's lines as reconciliation reads them (ApprovedLine), in line order, each with its worker's answer in effect
   * (answers-in-effect.ts): eight columns and one statement for the lines' own answers, not every column and the
   * answers' history (a month of 100,000 workers is read on every bank file posted); the answers carried from the
   * version superseded, for the lines without one, only on a correction. Read as arrays and made into ApprovedLine at
   * once: one object per line, not a row keyed by alias and then its copy (0.1 s of a 100,000-line month).
   */
  async approvedLinesOf(sheetId: string): Promise<ApprovedLine[]> {
    const l = payrollSheetLines
    const a = payrollLineAnswers
    type Row = [lineId: string, workerId: string, workerName: string, cardNo: string, netFen: number, payableFen: number, dayHalves: number, minimumWage: string | null, decision: LineAnswerRow['decision'] | null, answeredAtMs: number | null]
    const rows = await this.db.values<Row>(
      sql`SELECT ${l.id}, ${l.workerId}, ${l.workerName}, ${l.cardNo}, ${l.netFen}, ${l.payableFen}, ${l.dayHalves}, ${l.minimumWage}, newest.decision, newest.answered_at_ms
        FROM ${l}
        LEFT JOIN (
          SELECT ${a.lineId} AS line_id, ${a.decision} AS decision, ${a.answeredAtMs} AS answered_at_ms,
            row_number() OVER (PARTITION BY ${a.lineId} ORDER BY ${a.answeredAtMs} DESC, ${a.id} DESC) AS n
          FROM ${a} WHERE ${a.sheetId} = ${sheetId}
        ) newest ON newest.line_id = ${l.id} AND newest.n = 1
        WHERE ${l.sheetId} = ${sheetId} ORDER BY ${l.lineNo}`,
    )
    const lines = rows.map(
      (r): ApprovedLine => ({
        sheetId,
        lineId: r[0],
        workerId: r[1],
        workerName: r[2],
        cardNo: r[3],
        netFen: fen(r[4]),
        payableFen: fen(r[5]),
        dayHalves: r[6],
        answer: r[8],
        answeredAtMs: r[9],
        minimumWage: r[7] === null ? null : (JSON.parse(r[7]) as Record<string, unknown>),
      }),
    )
    // Which lines have an answer of their own is asked only of a correction (a sheet superseding another).
    let answered: Set<string> | undefined
    const carried = await carriedAnswers(this.db, sheetId, { has: (lineId) => (answered ??= new Set(lines.filter((x) => x.answer !== null).map((x) => x.lineId))).has(lineId) })
    if (carried.size === 0) return lines
    return lines.map((x) => {
      const c = carried.get(x.lineId)
      return c ? { ...x, answer: c.decision, answeredAtMs: c.answeredAtMs } : x
    })
  }

  /** A worker's lines of a month, on every sheet and version. */
  async linesOfWorker(projectId: string, workerId: string, period: string): Promise<SheetLineRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(payrollSheetLines)} WHERE ${and(eq(payrollSheetLines.projectId, projectId), eq(payrollSheetLines.workerId, workerId), eq(payrollSheetLines.period, period))} ORDER BY ${asc(payrollSheetLines.sheetId)}`,
    )
    return rows.map((r) => rowOf<SheetLineRow>(payrollSheetLines, r))
  }

  /** The answer in effect on each line of a sheet: its newest own, or one carried from the version superseded. */
  answersInEffect(sheetId: string): Promise<Map<string, AnswerInEffect>> {
    return answersInEffect(this.db, sheetId)
  }

  /** A sheet, its lines and its first event: call inside a transaction. */
  async insertSheet(sheet: SheetRow, lines: readonly SheetLineRow[], first: SheetEventRow): Promise<void> {
    await this.db.run(insertInto(payrollSheets, [sheet]))
    await this.lineInsert.run(this.db, lines)
    await this.db.run(insertInto(payrollSheetEvents, [first]))
  }

  async insertEvent(event: SheetEventRow): Promise<void> {
    await this.db.run(insertInto(payrollSheetEvents, [event]))
  }

  async insertAnswer(answer: LineAnswerRow): Promise<void> {
    await this.db.run(insertInto(payrollLineAnswers, [answer]))
  }
}
