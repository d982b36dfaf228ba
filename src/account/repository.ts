/**
 * Database access for the dedicated account: register entries, contracts with their funding periods, statements and
 * movements. Every table is append-only: a newer register entry or contract restates the older (the newest recorded
 * is in force: by recorded time, then id, which is time-ordered), and a movement once read is never rewritten.
 */
import { and, asc, desc, eq, ne, sql } from 'drizzle-orm'
import type { Database, Transaction } from '../db/database.ts'
import { insertInto, rowOf, selectFrom } from '../db/rows.ts'
import { accountMovementFills, accountMovementValueDates, accountMovements, accountStatements, dedicatedAccounts, fundingPeriods, projectContracts } from '../db/schema/index.ts'

export type DedicatedAccountRow = typeof dedicatedAccounts.$inferSelect
export type ContractRow = typeof projectContracts.$inferSelect
export type FundingPeriodRow = typeof fundingPeriods.$inferSelect
export type StatementRow = typeof accountStatements.$inferSelect
export type MovementRow = typeof accountMovements.$inferSelect
export type MovementFillRow = typeof accountMovementFills.$inferSelect
export type MovementValueDateRow = typeof accountMovementValueDates.$inferSelect
/**
 * A held movement as its fullest reading tells it. `valueDateAssumed`: no reading gave its value date (a camt.054
 * without ValDt, not yet followed by one with it), so `valueDate` is the booking date.
 */
export type HeldMovementRow = MovementRow & { valueDateAssumed: boolean }

/**
 * The opening date as stored: '' when not given (the column is NOT NULL on both engines, and a date no payment can
 * precede would be a made-up one). Read back with `openedOnOf`.
 */
export const storedOpenedOn = (openedOn: string | null): string => openedOn ?? ''
/** The opening date of a stored entry: null when it was not given. */
export const openedOnOf = (stored: string): string | null => (stored === '' ? null : stored)

/** Movements one INSERT carries: 500 × 14 columns stays far inside both engines' parameter limits. */
const INSERT_MOVEMENTS_MAX = 500

export class AccountRepository {
  constructor(private readonly db: Database) {}

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.db.tx(fn)
  }

  async insertAccount(row: DedicatedAccountRow): Promise<void> {
    await this.db.run(insertInto(dedicatedAccounts, [row]))
  }

  /**
   * Records the entry unless its account number is in force on another project; answers those projects (nothing is
   * recorded then). In `tx`: registrations of one number are taken in turn, with the project's creation alike.
   */
  async insertAccountUnlessElsewhere(tx: Transaction, row: DedicatedAccountRow): Promise<string[]> {
    await tx.lock(`dedicated-account-no:${row.accountNo}`)
    const others = await this.projectsWithAccountInForce(row.accountNo, row.projectId)
    if (others.length === 0) await this.insertAccount(row)
    return others
  }

  /** Every register entry of the project, newest first: the first is in force. */
  async accountHistory(projectId: string): Promise<DedicatedAccountRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(dedicatedAccounts)} WHERE ${eq(dedicatedAccounts.projectId, projectId)} ORDER BY ${desc(dedicatedAccounts.recordedAtMs)}, ${desc(dedicatedAccounts.id)}`,
    )
    return rows.map((r) => rowOf<DedicatedAccountRow>(dedicatedAccounts, r))
  }

  /**
   * The other projects whose register entry in force (their newest) holds this account number: a dedicated account
   * is one project's, and its statements would otherwise count for each of them.
   */
  async projectsWithAccountInForce(accountNo: string, exceptProjectId: string): Promise<string[]> {
    const rows = await this.db.all(
      sql`SELECT DISTINCT ${dedicatedAccounts.projectId} AS "projectId" FROM ${dedicatedAccounts} WHERE ${and(eq(dedicatedAccounts.accountNo, accountNo), ne(dedicatedAccounts.projectId, exceptProjectId))}`,
    )
    const out: string[] = []
    for (const { projectId } of rows as { projectId: string }[]) {
      if ((await this.accountHistory(projectId))[0]?.accountNo === accountNo) out.push(projectId)
    }
    return out.sort()
  }

  async insertContract(row: ContractRow, periods: readonly FundingPeriodRow[]): Promise<void> {
    await this.db.run(insertInto(projectContracts, [row]))
    if (periods.length > 0) await this.db.run(insertInto(fundingPeriods, periods))
  }

  /** Every contract of the project, newest first: the first is in force. */
  async contractHistory(projectId: string): Promise<ContractRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(projectContracts)} WHERE ${eq(projectContracts.projectId, projectId)} ORDER BY ${desc(projectContracts.recordedAtMs)}, ${desc(projectContracts.id)}`,
    )
    return rows.map((r) => rowOf<ContractRow>(projectContracts, r))
  }

  async periodsOf(contractId: string): Promise<FundingPeriodRow[]> {
    const rows = await this.db.all(sql`${selectFrom(fundingPeriods)} WHERE ${eq(fundingPeriods.contractId, contractId)} ORDER BY ${asc(fundingPeriods.dueOn)}, ${asc(fundingPeriods.periodId)}`)
    return rows.map((r) => rowOf<FundingPeriodRow>(fundingPeriods, r))
  }

  async statementBySha(projectId: string, sha256: string): Promise<StatementRow | undefined> {
    const raw = await this.db.get(sql`${selectFrom(accountStatements)} WHERE ${and(eq(accountStatements.projectId, projectId), eq(accountStatements.sha256, sha256))}`)
    return raw && rowOf<StatementRow>(accountStatements, raw)
  }

  /** The project's statements in the order posted. */
  async statements(projectId: string): Promise<StatementRow[]> {
    const rows = await this.db.all(sql`${selectFrom(accountStatements)} WHERE ${eq(accountStatements.projectId, projectId)} ORDER BY ${asc(accountStatements.postedAtMs)}, ${asc(accountStatements.id)}`)
    return rows.map((r) => rowOf<StatementRow>(accountStatements, r))
  }

  /** The movements of one account of the project, in booking-date then reference order (bytewise: pages compare so). */
  async movementsOf(projectId: string, accountNo: string): Promise<HeldMovementRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(accountMovements)} WHERE ${and(eq(accountMovements.projectId, projectId), eq(accountMovements.accountNo, accountNo))} ORDER BY ${asc(accountMovements.bookingDate)}, ${this.db.dialect.bytewise(accountMovements.bankRef)}`,
    )
    const held = rows.map((r) => rowOf<MovementRow>(accountMovements, r))
    const fills = await this.db.all(sql`${selectFrom(accountMovementFills)} WHERE ${and(eq(accountMovementFills.projectId, projectId), eq(accountMovementFills.accountNo, accountNo))}`)
    // A movement as its fullest reading tells it: the counterparty a later statement gave (account_movement_fills)
    // and the value date a later statement gave (account_movement_value_dates) where the first reading had none.
    const fillOf = new Map(fills.map((r) => rowOf<MovementFillRow>(accountMovementFills, r)).map((f) => [f.bankRef, f]))
    const valueDateOf = new Map<string, string>()
    if (held.some((m) => m.valueDate === '')) {
      const given = await this.db.all(
        sql`${selectFrom(accountMovementValueDates)} WHERE ${and(eq(accountMovementValueDates.projectId, projectId), eq(accountMovementValueDates.accountNo, accountNo))}`,
      )
      for (const r of given.map((g) => rowOf<MovementValueDateRow>(accountMovementValueDates, g))) valueDateOf.set(r.bankRef, r.valueDate)
    }
    return held.map((m) => {
      const f = fillOf.get(m.bankRef)
      const filled = f === undefined ? m : { ...m, counterpartyAccountNo: f.counterpartyAccountNo, counterpartyName: f.counterpartyName }
      if (m.valueDate !== '') return { ...filled, valueDateAssumed: false }
      const valueDate = valueDateOf.get(m.bankRef)
      return valueDate === undefined ? { ...filled, valueDate: m.bookingDate, valueDateAssumed: true } : { ...filled, valueDate, valueDateAssumed: false }
    })
  }

  /**
   * Stores a statement, those of its movements not yet held (a reference already held is kept as it was), and what it
   * says of held movements that they did not: their counterparties (`fills`) and value dates (`valueDates`), each
   * once per movement.
   */
  async insertStatement(
    statement: StatementRow,
    movements: readonly MovementRow[],
    fills: readonly MovementFillRow[] = [],
    valueDates: readonly MovementValueDateRow[] = [],
  ): Promise<void> {
    await this.db.run(insertInto(accountStatements, [statement]))
    for (let i = 0; i < fills.length; i += INSERT_MOVEMENTS_MAX) {
      await this.db.run(sql`${insertInto(accountMovementFills, fills.slice(i, i + INSERT_MOVEMENTS_MAX))} ON CONFLICT (project_id, account_no, bank_ref) DO NOTHING`)
    }
    for (let i = 0; i < valueDates.length; i += INSERT_MOVEMENTS_MAX) {
      await this.db.run(sql`${insertInto(accountMovementValueDates, valueDates.slice(i, i + INSERT_MOVEMENTS_MAX))} ON CONFLICT (project_id, account_no, bank_ref) DO NOTHING`)
    }
    for (let i = 0; i < movements.length; i += INSERT_MOVEMENTS_MAX) {
      const chunk = movements.slice(i, i + INSERT_MOVEMENTS_MAX)
      await this.db.run(sql`${insertInto(accountMovements, chunk)} ON CONFLICT (project_id, account_no, bank_ref) DO NOTHING`)
    }
  }
}
