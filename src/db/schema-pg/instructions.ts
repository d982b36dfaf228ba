/** PostgreSQL twin of src/db/schema/instructions.ts (which says what each table is for). */
import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { payrollSheetLines, payrollSheets } from './payroll.ts'
import { projects, workers } from './roster.ts'
export const paymentInstructions = pgTable(
  'payment_instructions',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    period: text('period').notNull(),
    sheetId: text('sheet_id').references(() => payrollSheets.id),
    msgId: text('msg_id').notNull().unique(),
    debtorAccountNo: text('debtor_account_no').notNull(),
    debtorName: text('debtor_name').notNull(),
    debtorBankCode: text('debtor_bank_code'),
    requestedOn: text('requested_on').notNull(),
    txCount: integer('tx_count').notNull(),
    ctrlSumFen: bigint('ctrl_sum_fen', { mode: 'number' }).notNull(),
    createdBy: text('created_by').notNull(),
    createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('payment_instructions_project_period').on(t.projectId, t.period)],
)
export const instructionLines = pgTable(
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
    endToEndId: text('end_to_end_id').notNull(),
    payeeName: text('payee_name').notNull(),
    cardNo: text('card_no').notNull(),
    bankName: text('bank_name').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    reason: text('reason').notNull(),
  },
  (t) => [
    uniqueIndex('instruction_lines_worker_attempt').on(t.projectId, t.period, t.workerId, t.attempt),
    uniqueIndex('instruction_lines_project_end_to_end_id').on(t.projectId, t.endToEndId),
    index('instruction_lines_instruction').on(t.instructionId),
  ],
)
