/**
 * What a payroll sheet is made from besides attendance (工资计算依据): each worker's wage terms versions, piece
 * quantities with the worker's answers, and the itemised additions and deductions of the month. The pay-inputs
 * service (inputs-service.ts) keeps them; the sheet service reads them through this shape only.
 */
import type { Month } from '../kernel/time.ts'
import type { Addition, Deduction } from './pay-line.ts'
import type { PieceQuantity, TermsVersion } from './terms.ts'

export interface WorkerPayInputs {
  workerId: string
  enrolmentId: string
  /** Every version in force (the newest recorded per date), plus the enrolment's daily rate as the base version. */
  versions: TermsVersion[]
  /** The month's quantities not withdrawn; `confirmedAtMs` set only when the worker's newest answer confirms. */
  pieceQuantities: PieceQuantity[]
  /** Quantities the worker disputed (newest answer): held on the line, like unconfirmed ones, with the dispute shown. */
  disputedQuantityIds: string[]
  additions: Addition[]
  /** In the order they were entered: the order they apply in. */
  deductions: Deduction[]
  /** Ids of the pay items (additions and deductions) counted, for the sheet's basis. */
  payItemIds: string[]
}

export interface PayInputsSource {
  /**
   * The inputs of every enrolment of the project for the month (workers filtered when `workerIds` is given). Terms
   * versions are every version of the enrolment, whatever their dates: a month's adjustments to earlier months are
   * priced at the terms of their own dates.
   */
  forMonth(projectId: string, period: Month, workerIds?: readonly string[]): Promise<Map<string, WorkerPayInputs>>
}
