/** PostgreSQL twin of src/db/schema/payouts.ts (which says what each table is for). */
import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import type { PayoutLineStatus } from '../schema/payouts.ts'
import { projects, workers } from './roster.ts'

export const payoutFiles = pgTable(
  'payout_files',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    period: text('period').notNull(),
    sha256: text('sha256').notNull(),
    filename: text('filename'),
    encoding: text('encoding').$type<'utf-8' | 'gbk'>().notNull(),
    lineCount: integer('line_count').notNull(),
    successCount: integer('success_count').notNull(),
    successFen: bigint('success_fen', { mode: 'number' }).notNull(),
    failedCount: integer('failed_count').notNull(),
    failedFen: bigint('failed_fen', { mode: 'number' }).notNull(),
    /**
     * The format the file was read as (src/payouts/formats): 'delimited', 'pain.002', 'camt.054', 'camt.053',
     * 'cmb-agency', 'text:<profile>'; files stored before formats existed are 'delimited'.
     */
    format: text('format').notNull().default('delimited'),
    /** The message version or profile read ('pain.002.001.03', 'camt.054.001.08', 'NTAGDINF'). */
    variant: text('variant'),
    /** The bank's id of the message (GrpHdr/MsgId), when it gives one. */
    messageId: text('message_id'),
    pendingCount: integer('pending_count').notNull().default(0),
    returnedCount: integer('returned_count').notNull().default(0),
    returnedFen: bigint('returned_fen', { mode: 'number' }).notNull().default(0),
    postedBy: text('posted_by'),
    postedAtMs: bigint('posted_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('payout_files_project_sha').on(t.projectId, t.sha256), index('payout_files_period').on(t.projectId, t.period)],
)

export const payoutLines = pgTable(
  'payout_lines',
  {
    id: text('id').primaryKey(),
    fileId: text('file_id').notNull().references(() => payoutFiles.id),
    projectId: text('project_id').notNull().references(() => projects.id),
    period: text('period').notNull(),
    lineNo: integer('line_no').notNull(),
    seq: integer('seq').notNull(),
    payeeCard: text('payee_card').notNull(),
    payeeName: text('payee_name').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    /**
     * success: booking evidence (paid); failed: rejected by the bank; pending: accepted or processing, neither paid nor
     * failed; returned: a return (退票) of an earlier success, which it names (return_of_*), never changing it.
     */
    status: text('status').$type<PayoutLineStatus>().notNull(),
    bankRef: text('bank_ref').notNull(),
    valueDate: text('value_date').notNull(),
    failureReason: text('failure_reason'),
    payerAccountNo: text('payer_account_no'),
    endToEndId: text('end_to_end_id'),
    /** The bank's reason code (AM04, AC04, CMB RTNCOD), on failed, pending and returned lines when given. */
    reasonCode: text('reason_code'),
    /** On a returned line: the payment it undoes, by our EndToEndId and/or the bank's reference, as the bank names it. */
    returnOfEndToEndId: text('return_of_end_to_end_id'),
    returnOfBankRef: text('return_of_bank_ref'),
    /** SWIFT gpi UETR, when the bank gives one (camt.054 001.08). */
    uetr: text('uetr'),
  },
  (t) => [
    index('payout_lines_project_period').on(t.projectId, t.period),
    index('payout_lines_file').on(t.fileId),
    uniqueIndex('payout_lines_project_bank_ref_status').on(t.projectId, t.bankRef, t.status),
  ],
)

export const payoutMonthBounds = pgTable(
  'payout_month_bounds',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    period: text('period').notNull(),
    fileId: text('file_id').notNull().references(() => payoutFiles.id),
    lineCount: integer('line_count').notNull(),
    cardPeakFen: bigint('card_peak_fen', { mode: 'number' }).notNull(),
    computedAtMs: bigint('computed_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('payout_month_bounds_project_period').on(t.projectId, t.period, t.lineCount)],
)

export const reconciliationRuns = pgTable(
  'reconciliation_runs',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    period: text('period').notNull(),
    payDate: text('pay_date').notNull(),
    workers: integer('workers').notNull(),
    dueFen: bigint('due_fen', { mode: 'number' }).notNull(),
    paidFen: bigint('paid_fen', { mode: 'number' }).notNull(),
    unknownPaidFen: bigint('unknown_paid_fen', { mode: 'number' }).notNull(),
    shortFen: bigint('short_fen', { mode: 'number' }).notNull(),
    flagCount: integer('flag_count').notNull(),
    trigger: text('trigger').notNull(),
    ranAtMs: bigint('ran_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('reconciliation_runs_project_period').on(t.projectId, t.period, t.ranAtMs)],
)

export const flags = pgTable(
  'flags',
  {
    id: text('id').primaryKey(),
    runId: text('run_id').notNull().references(() => reconciliationRuns.id),
    projectId: text('project_id').notNull().references(() => projects.id),
    period: text('period').notNull(),
    kind: text('kind').notNull(),
    workerId: text('worker_id').references(() => workers.id),
    payeeCard: text('payee_card'),
    dueFen: bigint('due_fen', { mode: 'number' }),
    paidFen: bigint('paid_fen', { mode: 'number' }),
    // JSON kept as text, as on SQLite: the bytes stored are the bytes read back.
    evidence: text('evidence').notNull(),
    raisedAtMs: bigint('raised_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('flags_run').on(t.runId), index('flags_project_period').on(t.projectId, t.period)],
)
