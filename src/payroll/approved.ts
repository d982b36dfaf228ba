/**
 * The approved payroll of a month (已审核工资支付表) as reconciliation reads it: per team the sheet in force (the
 * newest approved version, whatever happened after: instructed, settled) and its lines with each worker's answer.
 * The sheet service provides it; the payout service reads it through this shape only.
 */
import type { Fen } from '../kernel/money.ts'
import type { Month } from '../kernel/time.ts'

export interface ApprovedLine {
  sheetId: string
  lineId: string
  workerId: string
  workerName: string
  cardNo: string
  /** 实发: what the bank is to pay. */
  netFen: Fen
  payableFen: Fen
  dayHalves: number
  /** The worker's newest answer to the line, if any. */
  answer: 'confirm' | 'dispute' | null
  answeredAtMs: number | null
  /** The line's BELOW_MINIMUM_WAGE finding as the sheet stored it (src/payroll/minimum-wage.ts), or null. */
  minimumWage?: Record<string, unknown> | null
}

export interface ApprovedTeamMonth {
  teamId: string
  teamName: string
  sheetId: string
  version: number
  state: 'approved' | 'instructed' | 'settled'
  approvedAtMs: number
  approvedBy: string
  netFen: Fen
  lines: ApprovedLine[]
  /**
   * True when a newer version of the team-month has been made (a change after approval) and not yet approved: this
   * sheet stays the approved one until then, but it is superseded and can no longer be instructed.
   */
  superseded?: boolean
}

export interface ApprovedPayrollSource {
  /** Every team of the project with an approved sheet for the month. */
  approvedForMonth(projectId: string, period: Month): Promise<ApprovedTeamMonth[]>
  /** Moves an instructed sheet to settled once reconciliation finds every line paid (a no-op if it already is). */
  settle(sheetId: string, actor: string, reason: string): Promise<void>
  /** Moves a settled sheet back to instructed when a payment of it came back (退票) (a no-op unless it is settled). */
  reopen(sheetId: string, actor: string, reason: string): Promise<void>
}
