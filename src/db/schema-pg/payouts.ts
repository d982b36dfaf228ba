/** PostgreSQL twin of src/db/schema/payouts.ts (which says what each table is for). */
import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
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
    status: text('status').$type<'success' | 'failed'>().notNull(),
    bankRef: text('bank_ref').notNull(),
    valueDate: text('value_date').notNull(),
    failureReason: text('failure_reason'),
    payerAccountNo: text('payer_account_no'),
    endToEndId: text('end_to_end_id'),
  },
  (t) => [
    index('payout_lines_project_period').on(t.projectId, t.period),
    index('payout_lines_file').on(t.fileId),
    uniqueIndex('payout_lines_project_bank_ref').on(t.projectId, t.bankRef),
  ],
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
