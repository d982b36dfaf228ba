/**
 * Bank payout result files (银行代发结果文件) for a project's dedicated account,
 * their lines, reconciliation runs and the flags each run raised. Append-only:
 * a later file or run adds rows; earlier ones stay as evidence.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { projects, workers } from './roster.ts'

/** What a payout line reports of its payment (see payout_lines.status). */
export type PayoutLineStatus = 'success' | 'failed' | 'pending' | 'returned'

export const payoutFiles = sqliteTable(
  'payout_files',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    /** The pay month (工资所属期) the batch pays, YYYY-MM. */
    period: text('period').notNull(),
    /** SHA-256 of the bytes as posted: the same file posted twice is recognised by it. */
    sha256: text('sha256').notNull(),
    filename: text('filename'),
    encoding: text('encoding').$type<'utf-8' | 'gbk'>().notNull(),
    lineCount: integer('line_count').notNull(),
    successCount: integer('success_count').notNull(),
    successFen: integer('success_fen').notNull(),
    failedCount: integer('failed_count').notNull(),
    failedFen: integer('failed_fen').notNull(),
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
    returnedFen: integer('returned_fen').notNull().default(0),
    postedBy: text('posted_by'),
    postedAtMs: integer('posted_at_ms').notNull(),
  },
  (t) => [uniqueIndex('payout_files_project_sha').on(t.projectId, t.sha256), index('payout_files_period').on(t.projectId, t.period)],
)

export const payoutLines = sqliteTable(
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
    amountFen: integer('amount_fen').notNull(),
    /**
     * success: booking evidence (paid); failed: rejected by the bank; pending: accepted or processing, neither paid nor
     * failed; returned: a return (退票) of an earlier success, which it names (return_of_*), never changing it.
     */
    status: text('status').$type<PayoutLineStatus>().notNull(),
    bankRef: text('bank_ref').notNull(),
    valueDate: text('value_date').notNull(),
    failureReason: text('failure_reason'),
    /** 付款账号: the account debited, when the file gives it; a line without it was paid from the account the file is posted for. */
    payerAccountNo: text('payer_account_no'),
    /** The EndToEndId of the instruction line it pays, when the file gives it. */
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
    // A bank reference with a status is one report: a re-sent file with other bytes must not count it twice; the same
    // reference may come back with another status (pending, then paid; a return is its own reference).
    uniqueIndex('payout_lines_project_bank_ref_status').on(t.projectId, t.bankRef, t.status),
  ],
)

/**
 * An upper bound of one pay month's payments to any single card, written with the month's lines each time a file is
 * stored (same transaction, under the month's lock). OVERSIZED's year rule reads these instead of every earlier line
 * of the year: a worker with k cards was paid at most k × the bounds of the earlier months, so a year of ordinary wages
 * is cleared without reading its lines. A bound counts only while `line_count` is the month's line count (the sum of its
 * files'); a month stored before bounds existed, or otherwise not covered, is read line by line as before.
 */
export const payoutMonthBounds = sqliteTable(
  'payout_month_bounds',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    period: text('period').notNull(),
    /** The stored file whose lines completed the month as this bound saw it. */
    fileId: text('file_id').notNull().references(() => payoutFiles.id),
    /** The month's lines the bound covers: all of them when it was written. */
    lineCount: integer('line_count').notNull(),
    /** The most any one card (spaces removed) received in the month's successful lines, each amount taken absolute. */
    cardPeakFen: integer('card_peak_fen').notNull(),
    computedAtMs: integer('computed_at_ms').notNull(),
  },
  (t) => [index('payout_month_bounds_project_period').on(t.projectId, t.period, t.lineCount)],
)

/** One reconciliation of a project's pay month (对账). The newest run is the current view. */
export const reconciliationRuns = sqliteTable(
  'reconciliation_runs',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    period: text('period').notNull(),
    payDate: text('pay_date').notNull(),
    workers: integer('workers').notNull(),
    dueFen: integer('due_fen').notNull(),
    paidFen: integer('paid_fen').notNull(),
    unknownPaidFen: integer('unknown_paid_fen').notNull(),
    shortFen: integer('short_fen').notNull(),
    flagCount: integer('flag_count').notNull(),
    trigger: text('trigger').notNull(),
    ranAtMs: integer('ran_at_ms').notNull(),
  },
  (t) => [index('reconciliation_runs_project_period').on(t.projectId, t.period, t.ranAtMs)],
)

/** A flag (预警): one shortfall, missed, failed, late or misdirected payment, with its evidence. */
export const flags = sqliteTable(
  'flags',
  {
    id: text('id').primaryKey(),
    runId: text('run_id').notNull().references(() => reconciliationRuns.id),
    projectId: text('project_id').notNull().references(() => projects.id),
    period: text('period').notNull(),
    kind: text('kind').notNull(),
    workerId: text('worker_id').references(() => workers.id),
    payeeCard: text('payee_card'),
    dueFen: integer('due_fen'),
    paidFen: integer('paid_fen'),
    /** JSON: the payout lines, amounts and dates that prove the flag. */
    evidence: text('evidence').notNull(),
    raisedAtMs: integer('raised_at_ms').notNull(),
  },
  (t) => [index('flags_run').on(t.runId), index('flags_project_period').on(t.projectId, t.period)],
)
