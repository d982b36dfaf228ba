/**
 * A payroll sheet (工资支付表) written straight into the tables, already approved, for tests of what comes after
 * approval (instructions, reconciliation) that should not depend on the whole making-sending-answering chain. The
 * chain itself is tested through HTTP in test/payroll; this fixture writes rows of the same shape.
 */
import type { Database } from '../../src/db/database.ts'
import { insertInto } from '../../src/db/rows.ts'
import { payrollLineAnswers, payrollSheetEvents, payrollSheetLines, payrollSheets } from '../../src/db/schema/index.ts'
import { newId } from '../../src/kernel/ids.ts'
import type { Month } from '../../src/kernel/time.ts'

export interface FixtureLine {
  workerId: string
  enrolmentId: string
  workerName: string
  idNumber: string
  bankName: string
  cardNo: string
  netFen: number
  /** Defaults to netFen (no deductions). */
  payableFen?: number
  dayHalves?: number
  /** The worker's answer; none by default. */
  answer?: 'confirm' | 'dispute'
}

export interface FixtureSheet {
  projectId: string
  teamId: string
  period: Month
  payDate: string
  lines: FixtureLine[]
  version?: number
  /** The states after draft, in order; default sent, submitted, approved. */
  states?: Array<'sent' | 'submitted' | 'approved' | 'instructed' | 'settled'>
  atMs?: number
}

export async function insertApprovedSheet(db: Database, spec: FixtureSheet): Promise<{ sheetId: string; lineIds: Map<string, string> }> {
  const sheetId = newId()
  const at = spec.atMs ?? Date.now()
  const lines = spec.lines.map((l, i) => {
    const payable = l.payableFen ?? l.netFen
    return {
      id: newId(),
      sheetId,
      projectId: spec.projectId,
      period: spec.period,
      lineNo: i + 1,
      workerId: l.workerId,
      enrolmentId: l.enrolmentId,
      workerName: l.workerName,
      idNumber: l.idNumber,
      bankName: l.bankName,
      cardNo: l.cardNo,
      dayHalves: l.dayHalves ?? 0,
      workedMinutes: 0,
      payableFen: payable,
      deductionsFen: payable - l.netFen,
      netFen: l.netFen,
      items: JSON.stringify({ payable: [{ kind: 'addition', reason: 'fixture', amountFen: payable }], deductions: [], heldPieceQuantities: [] }),
      minimumWage: null,
    }
  })
  const sum = (f: (l: (typeof lines)[number]) => number): number => lines.reduce((n, l) => n + f(l), 0)
  await db.tx(async () => {
    await db.run(
      insertInto(payrollSheets, [
        {
          id: sheetId,
          projectId: spec.projectId,
          teamId: spec.teamId,
          period: spec.period,
          version: spec.version ?? 1,
          supersedesId: null,
          payDate: spec.payDate,
          workerCount: lines.length,
          payableFen: sum((l) => l.payableFen),
          deductionsFen: sum((l) => l.deductionsFen),
          netFen: sum((l) => l.netFen),
          basis: JSON.stringify({ fixture: true }),
          madeBy: 'fixture',
          madeAtMs: at,
        },
      ]),
    )
    if (lines.length > 0) await db.run(insertInto(payrollSheetLines, lines))
    const states = ['draft', ...(spec.states ?? ['sent', 'submitted', 'approved'])]
    await db.run(insertInto(payrollSheetEvents, states.map((state, seq) => ({ id: newId(), sheetId, seq: seq + 1, state, actor: 'fixture', reason: null, atMs: at + seq }))))
    const answers = spec.lines.flatMap((l, i) =>
      l.answer ? [{ id: newId(), sheetId, lineId: lines[i]!.id, workerId: l.workerId, decision: l.answer, channel: 'app', note: null, answeredAtMs: at }] : [],
    )
    if (answers.length > 0) await db.run(insertInto(payrollLineAnswers, answers))
  })
  return { sheetId, lineIds: new Map(lines.map((l) => [l.workerId, l.id])) }
}
