/**
 * The dedicated account (农民工工资专用账户) and what stands behind it: the account register, the construction
 * contract's labour-cost funding schedule (人工费用拨付), the statements the bank sends and their movements, and the
 * wage guarantee deposit register (工资保证金). Append-only: a register entry or a schedule is restated by a newer row
 * (the newest recorded is in force; the older stay as evidence), and a statement line once read is never rewritten.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { organisations, projects } from './roster.ts'

/**
 * A register entry of the project's dedicated account (专用账户登记). The first is recorded with the project when it
 * is created with its account's bank code (src/roster); a newer one restates it.
 */
export const dedicatedAccounts = sqliteTable(
  'dedicated_accounts',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    bank: text('bank').notNull(),
    bankCode: text('bank_code').notNull(),
    accountNo: text('account_no').notNull(),
    accountName: text('account_name').notNull(),
    /**
     * YYYY-MM-DD; '' when not given (the entry a project's creation records from its account without an opening date,
     * and the migration's for projects created before that): nothing is then refused as before the opening.
     */
    openedOn: text('opened_on').notNull(),
    /** Opening balance known at registration (fen), before every statement line read afterwards. */
    openingFen: integer('opening_fen').notNull(),
    reason: text('reason').notNull(),
    recordedBy: text('recorded_by').notNull(),
    recordedAtMs: integer('recorded_at_ms').notNull(),
  },
  (t) => [index('dedicated_accounts_project').on(t.projectId, t.recordedAtMs)],
)

/**
 * The construction contract's figures the ledger checks against: contract amount (for the deposit), labour cost and
 * the funder's accounts (for the funding schedule). A newer row restates them.
 */
export const projectContracts = sqliteTable(
  'project_contracts',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    contractAmountFen: integer('contract_amount_fen').notNull(),
    labourCostFen: integer('labour_cost_fen').notNull(),
    /** JSON array of the construction unit's account numbers funding comes from. */
    funderAccountNos: text('funder_account_nos').notNull(),
    signedOn: text('signed_on').notNull(),
    reason: text('reason').notNull(),
    recordedBy: text('recorded_by').notNull(),
    recordedAtMs: integer('recorded_at_ms').notNull(),
  },
  (t) => [index('project_contracts_project').on(t.projectId, t.recordedAtMs)],
)

/** One period of a contract's funding schedule: a fixed amount or a share (basis points) of the labour cost. */
export const fundingPeriods = sqliteTable(
  'funding_periods',
  {
    id: text('id').primaryKey(),
    contractId: text('contract_id').notNull().references(() => projectContracts.id),
    projectId: text('project_id').notNull().references(() => projects.id),
    periodId: text('period_id').notNull(),
    dueOn: text('due_on').notNull(),
    amountKind: text('amount_kind').$type<'fixed' | 'share'>().notNull(),
    amountFen: integer('amount_fen'),
    shareBp: integer('share_bp'),
  },
  (t) => [uniqueIndex('funding_periods_contract_period').on(t.contractId, t.periodId), index('funding_periods_project').on(t.projectId)],
)

/** A statement of the dedicated account as posted (camt.053, camt.054, a CSV profile), kept whole. */
export const accountStatements = sqliteTable(
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
    postedAtMs: integer('posted_at_ms').notNull(),
  },
  (t) => [uniqueIndex('account_statements_project_sha').on(t.projectId, t.sha256)],
)

/**
 * One movement of the account, by the bank's own reference (AcctSvcrRef). The same line on a later statement (camt.054
 * then camt.053) is the same movement: the unique index keeps it once.
 */
export const accountMovements = sqliteTable(
  'account_movements',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    statementId: text('statement_id').notNull().references(() => accountStatements.id),
    accountNo: text('account_no').notNull(),
    bankRef: text('bank_ref').notNull(),
    bookingDate: text('booking_date').notNull(),
    /** ValDt; empty when the reading gave none (a camt.054 may leave it out): account_movement_value_dates may fill it. */
    valueDate: text('value_date').notNull(),
    direction: text('direction').$type<'credit' | 'debit'>().notNull(),
    amountFen: integer('amount_fen').notNull(),
    counterpartyAccountNo: text('counterparty_account_no').notNull(),
    counterpartyName: text('counterparty_name').notNull(),
    reversalOf: text('reversal_of'),
    /** End-to-end id of a debit we instructed, when the bank gives it back. */
    endToEndId: text('end_to_end_id'),
  },
  (t) => [uniqueIndex('account_movements_project_ref').on(t.projectId, t.accountNo, t.bankRef), index('account_movements_project_date').on(t.projectId, t.bookingDate)],
)

/**
 * What a later reading of a held movement says of the counterparty that the held one did not (an intraday camt.054
 * without RltdPties, then the day's camt.053 with them): the movement itself is kept as first stored; this row fills
 * it, once, so a funder's credit first notified without its account still counts as funding.
 */
export const accountMovementFills = sqliteTable(
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
    atMs: integer('at_ms').notNull(),
  },
  (t) => [uniqueIndex('account_movement_fills_project_ref').on(t.projectId, t.accountNo, t.bankRef)],
)

/**
 * The value date a later reading gives of a held movement first read without one (a camt.054 without ValDt, then the
 * day's camt.053 with it): the movement itself is kept as first stored, its value date empty (not given, shown as the
 * booking date, assumed); this row fills it, once, with the statement whose reading gave it.
 */
export const accountMovementValueDates = sqliteTable(
  'account_movement_value_dates',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    accountNo: text('account_no').notNull(),
    bankRef: text('bank_ref').notNull(),
    /** The statement whose reading gave it. */
    statementId: text('statement_id').notNull().references(() => accountStatements.id),
    valueDate: text('value_date').notNull(),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [uniqueIndex('account_movement_value_dates_project_ref').on(t.projectId, t.accountNo, t.bankRef)],
)

/** A wage guarantee deposit (工资保证金) lodged by a general contractor for a project. `withdrawsId` takes one back. */
export const wageDeposits = sqliteTable(
  'wage_deposits',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    contractorId: text('contractor_id').notNull().references(() => organisations.id),
    form: text('form').$type<'cash' | 'bank_guarantee' | 'insurance'>().notNull(),
    amountFen: integer('amount_fen').notNull(),
    /** Bank or insurer of a letter or policy; the custodian bank of cash. */
    issuer: text('issuer').notNull(),
    reference: text('reference').notNull(),
    effectiveOn: text('effective_on').notNull(),
    /** Null for cash held until released. */
    expiresOn: text('expires_on'),
    withdrawsId: text('withdraws_id'),
    reason: text('reason').notNull(),
    recordedBy: text('recorded_by').notNull(),
    recordedAtMs: integer('recorded_at_ms').notNull(),
  },
  (t) => [index('wage_deposits_project').on(t.projectId)],
)
