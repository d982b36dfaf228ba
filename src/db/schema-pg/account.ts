/** PostgreSQL twin of src/db/schema/account.ts (which says what each table is for). */
import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { organisations, projects } from './roster.ts'
export const dedicatedAccounts = pgTable(
  'dedicated_accounts',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    bank: text('bank').notNull(),
    bankCode: text('bank_code').notNull(),
    accountNo: text('account_no').notNull(),
    accountName: text('account_name').notNull(),
    openedOn: text('opened_on').notNull(),
    openingFen: bigint('opening_fen', { mode: 'number' }).notNull(),
    reason: text('reason').notNull(),
    recordedBy: text('recorded_by').notNull(),
    recordedAtMs: bigint('recorded_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('dedicated_accounts_project').on(t.projectId, t.recordedAtMs)],
)
export const projectContracts = pgTable(
  'project_contracts',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    contractAmountFen: bigint('contract_amount_fen', { mode: 'number' }).notNull(),
    labourCostFen: bigint('labour_cost_fen', { mode: 'number' }).notNull(),
    funderAccountNos: text('funder_account_nos').notNull(),
    signedOn: text('signed_on').notNull(),
    reason: text('reason').notNull(),
    recordedBy: text('recorded_by').notNull(),
    recordedAtMs: bigint('recorded_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('project_contracts_project').on(t.projectId, t.recordedAtMs)],
)
export const fundingPeriods = pgTable(
  'funding_periods',
  {
    id: text('id').primaryKey(),
    contractId: text('contract_id').notNull().references(() => projectContracts.id),
    projectId: text('project_id').notNull().references(() => projects.id),
    periodId: text('period_id').notNull(),
    dueOn: text('due_on').notNull(),
    amountKind: text('amount_kind').$type<'fixed' | 'share'>().notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }),
    shareBp: integer('share_bp'),
  },
  (t) => [uniqueIndex('funding_periods_contract_period').on(t.contractId, t.periodId), index('funding_periods_project').on(t.projectId)],
)
export const accountStatements = pgTable(
  'account_statements',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    format: text('format').notNull(),
    sha256: text('sha256').notNull(),
    filename: text('filename'),
    accountNo: text('account_no').notNull(),
    lineCount: integer('line_count').notNull(),
    newLineCount: integer('new_line_count').notNull(),
    postedBy: text('posted_by').notNull(),
    postedAtMs: bigint('posted_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('account_statements_project_sha').on(t.projectId, t.sha256)],
)
export const accountMovements = pgTable(
  'account_movements',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    statementId: text('statement_id').notNull().references(() => accountStatements.id),
    accountNo: text('account_no').notNull(),
    bankRef: text('bank_ref').notNull(),
    bookingDate: text('booking_date').notNull(),
    valueDate: text('value_date').notNull(),
    direction: text('direction').$type<'credit' | 'debit'>().notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    counterpartyAccountNo: text('counterparty_account_no').notNull(),
    counterpartyName: text('counterparty_name').notNull(),
    reversalOf: text('reversal_of'),
    endToEndId: text('end_to_end_id'),
  },
  (t) => [uniqueIndex('account_movements_project_ref').on(t.projectId, t.accountNo, t.bankRef), index('account_movements_project_date').on(t.projectId, t.bookingDate)],
)
export const accountMovementFills = pgTable(
  'account_movement_fills',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    accountNo: text('account_no').notNull(),
    bankRef: text('bank_ref').notNull(),
    /** The statement whose reading filled it. */
    statementId: text('statement_id').notNull().references(() => accountStatements.id),
    counterpartyAccountNo: text('counterparty_account_no').notNull(),
    counterpartyName: text('counterparty_name').notNull(),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('account_movement_fills_project_ref').on(t.projectId, t.accountNo, t.bankRef)],
)

export const accountMovementValueDates = pgTable(
  'account_movement_value_dates',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    accountNo: text('account_no').notNull(),
    bankRef: text('bank_ref').notNull(),
    /** The statement whose reading gave it. */
    statementId: text('statement_id').notNull().references(() => accountStatements.id),
    valueDate: text('value_date').notNull(),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('account_movement_value_dates_project_ref').on(t.projectId, t.accountNo, t.bankRef)],
)

export const wageDeposits = pgTable(
  'wage_deposits',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    contractorId: text('contractor_id').notNull().references(() => organisations.id),
    form: text('form').$type<'cash' | 'bank_guarantee' | 'insurance'>().notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    issuer: text('issuer').notNull(),
    reference: text('reference').notNull(),
    effectiveOn: text('effective_on').notNull(),
    expiresOn: text('expires_on'),
    withdrawsId: text('withdraws_id'),
    reason: text('reason').notNull(),
    recordedBy: text('recorded_by').notNull(),
    recordedAtMs: bigint('recorded_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('wage_deposits_project').on(t.projectId)],
)
