/**
 * Money going out, first half: wage terms (工资标准), piece quantities (计件数量), itemised additions and deductions
 * (加项 / 扣款), and the payroll sheet (工资支付表) with its lines, its state transitions and the workers' answers.
 * Append-only, every one: a change of terms is a new version, a wrong quantity or deduction is withdrawn by a new row
 * that names it, a sheet's state is its newest transition, and a change after approval is a new version of the sheet.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import type { ConfirmationChannel } from './timesheets.ts'
import { enrolments, projects, teams, workers } from './roster.ts'

/**
 * A dated version of an enrolment's wage terms. `terms` is the JSON of src/payroll/terms.ts WageTerms. Two rows of one
 * enrolment from the same date: the later recorded one is the terms of that date (a mistyped version is restated, the
 * first kept as evidence).
 */
export const wageTerms = sqliteTable(
  'wage_terms',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    enrolmentId: text('enrolment_id').notNull().references(() => enrolments.id),
    effectiveFrom: text('effective_from').notNull(),
    kind: text('kind').$type<'daily' | 'hourly' | 'monthly' | 'piece'>().notNull(),
    terms: text('terms').notNull(),
    reason: text('reason').notNull(),
    recordedBy: text('recorded_by').notNull(),
    recordedAtMs: integer('recorded_at_ms').notNull(),
  },
  (t) => [index('wage_terms_enrolment').on(t.enrolmentId, t.effectiveFrom, t.recordedAtMs), index('wage_terms_project').on(t.projectId)],
)

/** A piece quantity entered by the team manager (计件数量). `withdrawsId` names an earlier row this one takes back. */
export const pieceQuantities = sqliteTable(
  'piece_quantities',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    workerId: text('worker_id').notNull().references(() => workers.id),
    enrolmentId: text('enrolment_id').notNull().references(() => enrolments.id),
    period: text('period').notNull(),
    workDate: text('work_date').notNull(),
    itemKind: text('item_kind').notNull(),
    /** Decimal text, at most three decimals. */
    quantity: text('quantity').notNull(),
    withdrawsId: text('withdraws_id'),
    note: text('note'),
    enteredBy: text('entered_by').notNull(),
    enteredAtMs: integer('entered_at_ms').notNull(),
  },
  (t) => [index('piece_quantities_worker_period').on(t.projectId, t.workerId, t.period), index('piece_quantities_project_period').on(t.projectId, t.period)],
)

/** The worker's answer to a piece quantity: the newest answer counts. */
export const pieceQuantityAnswers = sqliteTable(
  'piece_quantity_answers',
  {
    id: text('id').primaryKey(),
    quantityId: text('quantity_id').notNull().references(() => pieceQuantities.id),
    workerId: text('worker_id').notNull().references(() => workers.id),
    decision: text('decision').$type<'confirm' | 'dispute'>().notNull(),
    channel: text('channel').$type<ConfirmationChannel>().notNull(),
    note: text('note'),
    answeredAtMs: integer('answered_at_ms').notNull(),
  },
  (t) => [index('piece_quantity_answers_quantity').on(t.quantityId, t.answeredAtMs)],
)

/**
 * An itemised addition (加项: allowance, bonus) or deduction (扣款 / 代扣: advance already paid, personal social
 * insurance, income tax, other) on a worker's pay month, with its reason. `withdrawsId` takes an earlier one back.
 */
export const payItems = sqliteTable(
  'pay_items',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    workerId: text('worker_id').notNull().references(() => workers.id),
    period: text('period').notNull(),
    side: text('side').$type<'addition' | 'deduction'>().notNull(),
    /** advance | social_insurance | income_tax | other for a deduction; a short label for an addition. */
    reason: text('reason').notNull(),
    amountFen: integer('amount_fen').notNull(),
    note: text('note'),
    withdrawsId: text('withdraws_id'),
    enteredBy: text('entered_by').notNull(),
    enteredAtMs: integer('entered_at_ms').notNull(),
  },
  (t) => [index('pay_items_worker_period').on(t.projectId, t.workerId, t.period), index('pay_items_project_period').on(t.projectId, t.period)],
)

/**
 * A payroll sheet (工资支付表) of one team and pay month, one version. Its figures are fixed when it is made; a change
 * after approval is a new version (`supersedesId`), never an edit. Its state is its newest transition.
 */
export const payrollSheets = sqliteTable(
  'payroll_sheets',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    teamId: text('team_id').notNull().references(() => teams.id),
    period: text('period').notNull(),
    version: integer('version').notNull(),
    supersedesId: text('supersedes_id'),
    payDate: text('pay_date').notNull(),
    workerCount: integer('worker_count').notNull(),
    payableFen: integer('payable_fen').notNull(),
    deductionsFen: integer('deductions_fen').notNull(),
    netFen: integer('net_fen').notNull(),
    /** JSON: what the sheet was made from (the timesheet confirmation, adjustments carried in, terms versions). */
    basis: text('basis').notNull(),
    madeBy: text('made_by').notNull(),
    madeAtMs: integer('made_at_ms').notNull(),
  },
  (t) => [uniqueIndex('payroll_sheets_team_period_version').on(t.projectId, t.teamId, t.period, t.version), index('payroll_sheets_project_period').on(t.projectId, t.period)],
)

/** One worker's line of a sheet: the real-name data, card and figures as they were when the sheet was made. */
export const payrollSheetLines = sqliteTable(
  'payroll_sheet_lines',
  {
    id: text('id').primaryKey(),
    sheetId: text('sheet_id').notNull().references(() => payrollSheets.id),
    projectId: text('project_id').notNull().references(() => projects.id),
    period: text('period').notNull(),
    lineNo: integer('line_no').notNull(),
    workerId: text('worker_id').notNull().references(() => workers.id),
    enrolmentId: text('enrolment_id').notNull().references(() => enrolments.id),
    workerName: text('worker_name').notNull(),
    idNumber: text('id_number').notNull(),
    bankName: text('bank_name').notNull(),
    cardNo: text('card_no').notNull(),
    /** Days credited, in halves. */
    dayHalves: integer('day_halves').notNull(),
    workedMinutes: integer('worked_minutes').notNull(),
    payableFen: integer('payable_fen').notNull(),
    deductionsFen: integer('deductions_fen').notNull(),
    netFen: integer('net_fen').notNull(),
    /** JSON: the payable items (with rate, quantity, span), the deductions as applied, held piece quantities. */
    items: text('items').notNull(),
    /** JSON of the BELOW_MINIMUM_WAGE finding, or null. */
    minimumWage: text('minimum_wage'),
  },
  (t) => [uniqueIndex('payroll_sheet_lines_sheet_worker').on(t.sheetId, t.workerId), index('payroll_sheet_lines_worker_period').on(t.projectId, t.workerId, t.period)],
)

export type PayrollSheetState = 'draft' | 'sent' | 'submitted' | 'approved' | 'instructed' | 'settled' | 'superseded' | 'withdrawn'

/** A sheet's state transitions (状态流转), in order; the newest is its state. */
export const payrollSheetEvents = sqliteTable(
  'payroll_sheet_events',
  {
    id: text('id').primaryKey(),
    sheetId: text('sheet_id').notNull().references(() => payrollSheets.id),
    seq: integer('seq').notNull(),
    state: text('state').$type<PayrollSheetState>().notNull(),
    actor: text('actor').notNull(),
    reason: text('reason'),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [uniqueIndex('payroll_sheet_events_sheet_seq').on(t.sheetId, t.seq)],
)

/** A worker's answer to their sheet line (工资确认): confirmed or disputed, with channel and time. The newest counts. */
export const payrollLineAnswers = sqliteTable(
  'payroll_line_answers',
  {
    id: text('id').primaryKey(),
    sheetId: text('sheet_id').notNull().references(() => payrollSheets.id),
    lineId: text('line_id').notNull().references(() => payrollSheetLines.id),
    workerId: text('worker_id').notNull().references(() => workers.id),
    decision: text('decision').$type<'confirm' | 'dispute'>().notNull(),
    channel: text('channel').$type<ConfirmationChannel>().notNull(),
    note: text('note'),
    answeredAtMs: integer('answered_at_ms').notNull(),
  },
  (t) => [index('payroll_line_answers_line').on(t.lineId, t.answeredAtMs), index('payroll_line_answers_sheet').on(t.sheetId)],
)
