/**
 * Bank instructions (代发指令): what the general contractor told the bank to pay from the dedicated account, per
 * approved payroll sheet, and each worker's transaction in it. Append-only. A failed or returned payment is paid again
 * by a new attempt, a new instruction line that names the one it follows (`previousLineId`); the unique index on
 * (project, period, worker, attempt) and the service's check that the previous attempt has failed keep a worker-month
 * from ever having two live instructions.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { payrollSheetLines, payrollSheets } from './payroll.ts'
import { projects, workers } from './roster.ts'

/** One message to the bank (one pain.001 MsgId / one 代发 batch). */
export const paymentInstructions = sqliteTable(
  'payment_instructions',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    period: text('period').notNull(),
    /** The approved sheet it pays; null for a batch of re-attempts drawn from several sheets' lines. */
    sheetId: text('sheet_id').references(() => payrollSheets.id),
    /** pain.001 GrpHdr/MsgId and PmtInf/PmtInfId: ≤ 35 characters, unique. */
    msgId: text('msg_id').notNull().unique(),
    /** The debtor: the dedicated account as it was when instructed. */
    debtorAccountNo: text('debtor_account_no').notNull(),
    debtorName: text('debtor_name').notNull(),
    debtorBankCode: text('debtor_bank_code'),
    requestedOn: text('requested_on').notNull(),
    txCount: integer('tx_count').notNull(),
    ctrlSumFen: integer('ctrl_sum_fen').notNull(),
    createdBy: text('created_by').notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
  },
  (t) => [index('payment_instructions_project_period').on(t.projectId, t.period)],
)

/** One worker's transaction in an instruction (CdtTrfTxInf / a 代发 line). */
export const instructionLines = sqliteTable(
  'instruction_lines',
  {
    id: text('id').primaryKey(),
    instructionId: text('instruction_id').notNull().references(() => paymentInstructions.id),
    projectId: text('project_id').notNull().references(() => projects.id),
    period: text('period').notNull(),
    workerId: text('worker_id').notNull().references(() => workers.id),
    sheetLineId: text('sheet_line_id').notNull().references(() => payrollSheetLines.id),
    attempt: integer('attempt').notNull(),
    previousLineId: text('previous_line_id'),
    /** Deterministic from worker, month and attempt (src/instructions/pain001.ts endToEndId). Unique per project: a worker
     * on two projects in one month has the same id on each, sent from two dedicated accounts, and a result finds its
     * line within the project whose account it reports on. */
    endToEndId: text('end_to_end_id').notNull(),
    payeeName: text('payee_name').notNull(),
    cardNo: text('card_no').notNull(),
    bankName: text('bank_name').notNull(),
    amountFen: integer('amount_fen').notNull(),
    /** Why this attempt was made (the first: the approved sheet; later ones: the failure or return it answers). */
    reason: text('reason').notNull(),
  },
  (t) => [
    uniqueIndex('instruction_lines_worker_attempt').on(t.projectId, t.period, t.workerId, t.attempt),
    uniqueIndex('instruction_lines_project_end_to_end_id').on(t.projectId, t.endToEndId),
    index('instruction_lines_instruction').on(t.instructionId),
  ],
)
