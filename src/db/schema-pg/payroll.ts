/** PostgreSQL twin of src/db/schema/payroll.ts (which says what each table is for). */
import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import type { ConfirmationChannel } from '../schema/timesheets.ts'
import type { PayrollSheetState } from '../schema/payroll.ts'
import { enrolments, projects, teams, workers } from './roster.ts'
export const wageTerms = pgTable(
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
    recordedAtMs: bigint('recorded_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('wage_terms_enrolment').on(t.enrolmentId, t.effectiveFrom, t.recordedAtMs), index('wage_terms_project').on(t.projectId)],
)
export const pieceQuantities = pgTable(
  'piece_quantities',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    workerId: text('worker_id').notNull().references(() => workers.id),
    enrolmentId: text('enrolment_id').notNull().references(() => enrolments.id),
    period: text('period').notNull(),
    workDate: text('work_date').notNull(),
    itemKind: text('item_kind').notNull(),
    quantity: text('quantity').notNull(),
    withdrawsId: text('withdraws_id'),
    note: text('note'),
    enteredBy: text('entered_by').notNull(),
    enteredAtMs: bigint('entered_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('piece_quantities_worker_period').on(t.projectId, t.workerId, t.period), index('piece_quantities_project_period').on(t.projectId, t.period)],
)
export const pieceQuantityAnswers = pgTable(
  'piece_quantity_answers',
  {
    id: text('id').primaryKey(),
    quantityId: text('quantity_id').notNull().references(() => pieceQuantities.id),
    workerId: text('worker_id').notNull().references(() => workers.id),
    decision: text('decision').$type<'confirm' | 'dispute'>().notNull(),
    channel: text('channel').$type<ConfirmationChannel>().notNull(),
    note: text('note'),
    answeredAtMs: bigint('answered_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('piece_quantity_answers_quantity').on(t.quantityId, t.answeredAtMs)],
)
export const payItems = pgTable(
  'pay_items',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    workerId: text('worker_id').notNull().references(() => workers.id),
    period: text('period').notNull(),
    side: text('side').$type<'addition' | 'deduction'>().notNull(),
    reason: text('reason').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    note: text('note'),
    withdrawsId: text('withdraws_id'),
    enteredBy: text('entered_by').notNull(),
    enteredAtMs: bigint('entered_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('pay_items_worker_period').on(t.projectId, t.workerId, t.period), index('pay_items_project_period').on(t.projectId, t.period)],
)
export const payrollSheets = pgTable(
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
    payableFen: bigint('payable_fen', { mode: 'number' }).notNull(),
    deductionsFen: bigint('deductions_fen', { mode: 'number' }).notNull(),
    netFen: bigint('net_fen', { mode: 'number' }).notNull(),
    basis: text('basis').notNull(),
    madeBy: text('made_by').notNull(),
    madeAtMs: bigint('made_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('payroll_sheets_team_period_version').on(t.projectId, t.teamId, t.period, t.version), index('payroll_sheets_project_period').on(t.projectId, t.period)],
)
export const payrollSheetLines = pgTable(
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
    dayHalves: integer('day_halves').notNull(),
    workedMinutes: integer('worked_minutes').notNull(),
    payableFen: bigint('payable_fen', { mode: 'number' }).notNull(),
    deductionsFen: bigint('deductions_fen', { mode: 'number' }).notNull(),
    netFen: bigint('net_fen', { mode: 'number' }).notNull(),
    items: text('items').notNull(),
    minimumWage: text('minimum_wage'),
  },
  (t) => [uniqueIndex('payroll_sheet_lines_sheet_worker').on(t.sheetId, t.workerId), index('payroll_sheet_lines_worker_period').on(t.projectId, t.workerId, t.period)],
)

export const payrollSheetEvents = pgTable(
  'payroll_sheet_events',
  {
    id: text('id').primaryKey(),
    sheetId: text('sheet_id').notNull().references(() => payrollSheets.id),
    seq: integer('seq').notNull(),
    state: text('state').$type<PayrollSheetState>().notNull(),
    actor: text('actor').notNull(),
    reason: text('reason'),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('payroll_sheet_events_sheet_seq').on(t.sheetId, t.seq)],
)
export const payrollLineAnswers = pgTable(
  'payroll_line_answers',
  {
    id: text('id').primaryKey(),
    sheetId: text('sheet_id').notNull().references(() => payrollSheets.id),
    lineId: text('line_id').notNull().references(() => payrollSheetLines.id),
    workerId: text('worker_id').notNull().references(() => workers.id),
    decision: text('decision').$type<'confirm' | 'dispute'>().notNull(),
    channel: text('channel').$type<ConfirmationChannel>().notNull(),
    note: text('note'),
    answeredAtMs: bigint('answered_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('payroll_line_answers_line').on(t.lineId, t.answeredAtMs), index('payroll_line_answers_sheet').on(t.sheetId)],
)
