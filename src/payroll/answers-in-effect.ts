/**
 * The workers' answers in effect on a payroll sheet's lines (工资确认), the one rule every reader shares: the sheet's
 * view and counts, the worker's own lines and page, the approved lines reconciliation (NOT_WORKER_CONFIRMED) and the
 * upstream report read, the bank instruction's holds, and the ledger and pay slip.
 *
 * A line's answer is its newest own answer. A version that supersedes another (a correction after approval) has, on a
 * line without an answer of its own, the answer in effect on the same worker's line of the version it supersedes when
 * both lines have the same figures (sameFigures): the worker answered those very figures, and asking again would only
 * make them answer twice. The answer is carried, not copied: nothing is written, the row stays the record of the
 * version it was given on (its sheetId and lineId), and `carriedFromVersion` names that version. A line whose figures
 * changed, and a new line, have no answer until the worker gives one on the new version.
 */
import { and, asc, eq, sql } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { rowOf, selectFrom } from '../db/rows.ts'
import { payrollLineAnswers, payrollSheetLines, payrollSheets } from '../db/schema/index.ts'

export type LineAnswerRow = typeof payrollLineAnswers.$inferSelect

/** An answer as it counts on a line: the line's own (carriedFromVersion null), or carried from an earlier version. */
export type AnswerInEffect = LineAnswerRow & { carriedFromVersion: number | null }

/** What the worker confirms or disputes on a line: a line with the same figures is the same answer's subject. */
export interface LineFigures {
  id: string
  workerId: string
  dayHalves: number
  workedMinutes: number
  payableFen: number
  deductionsFen: number
  netFen: number
  cardNo: string
}

export function sameFigures(a: LineFigures, b: LineFigures): boolean {
  return (
    a.workerId === b.workerId &&
    a.dayHalves === b.dayHalves &&
    a.workedMinutes === b.workedMinutes &&
    a.payableFen === b.payableFen &&
    a.deductionsFen === b.deductionsFen &&
    a.netFen === b.netFen &&
    a.cardNo === b.cardNo
  )
}

/** The answers in effect on a sheet's lines (of one worker, when given), by line id. */
export async function answersInEffect(db: Database, sheetId: string, workerId?: string): Promise<Map<string, AnswerInEffect>> {
  const out = new Map<string, AnswerInEffect>()
  for (const [lineId, a] of await ownAnswers(db, sheetId, workerId)) out.set(lineId, { ...a, carriedFromVersion: null })
  for (const [lineId, a] of await carriedAnswers(db, sheetId, new Set(out.keys()), workerId)) out.set(lineId, a)
  return out
}

/**
 * The answers carried onto a sheet's lines that have none of their own (`answered` names those that have), by line id:
 * empty unless the sheet supersedes another.
 */
export async function carriedAnswers(db: Database, sheetId: string, answered: { has(lineId: string): boolean }, workerId?: string): Promise<Map<string, AnswerInEffect>> {
  const out = new Map<string, AnswerInEffect>()
  const head = await db.get<{ supersedesId: string | null }>(sql`SELECT ${payrollSheets.supersedesId} AS "supersedesId" FROM ${payrollSheets} WHERE ${eq(payrollSheets.id, sheetId)}`)
  if (!head?.supersedesId) return out
  const previous = await db.get<{ version: number }>(sql`SELECT ${payrollSheets.version} AS "version" FROM ${payrollSheets} WHERE ${eq(payrollSheets.id, head.supersedesId)}`)
  if (!previous) return out
  const open = (await figuresOf(db, sheetId, workerId)).filter((l) => !answered.has(l.id))
  if (open.length === 0) return out
  const before = await answersInEffect(db, head.supersedesId, workerId)
  if (before.size === 0) return out
  const lineBefore = new Map((await figuresOf(db, head.supersedesId, workerId)).map((l) => [l.workerId, l]))
  for (const line of open) {
    const was = lineBefore.get(line.workerId)
    const answer = was && before.get(was.id)
    if (was && answer && sameFigures(line, was)) out.set(line.id, { ...answer, carriedFromVersion: answer.carriedFromVersion ?? previous.version })
  }
  return out
}

/** The newest own answer of each line (answers oldest first, so the newest is left in the map). */
async function ownAnswers(db: Database, sheetId: string, workerId: string | undefined): Promise<Map<string, LineAnswerRow>> {
  const rows = await db.all(
    sql`${selectFrom(payrollLineAnswers)} WHERE ${and(eq(payrollLineAnswers.sheetId, sheetId), workerId === undefined ? undefined : eq(payrollLineAnswers.workerId, workerId))}
        ORDER BY ${asc(payrollLineAnswers.answeredAtMs)}, ${asc(payrollLineAnswers.id)}`,
  )
  return new Map(rows.map((r) => rowOf<LineAnswerRow>(payrollLineAnswers, r)).map((a) => [a.lineId, a]))
}

async function figuresOf(db: Database, sheetId: string, workerId: string | undefined): Promise<LineFigures[]> {
  const l = payrollSheetLines
  return db.all<LineFigures>(
    sql`SELECT ${l.id} AS "id", ${l.workerId} AS "workerId", ${l.dayHalves} AS "dayHalves", ${l.workedMinutes} AS "workedMinutes", ${l.payableFen} AS "payableFen",
          ${l.deductionsFen} AS "deductionsFen", ${l.netFen} AS "netFen", ${l.cardNo} AS "cardNo"
        FROM ${l} WHERE ${and(eq(l.sheetId, sheetId), workerId === undefined ? undefined : eq(l.workerId, workerId))}`,
  )
}
