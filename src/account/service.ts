/**
 * The dedicated account (农民工工资专用账户): its register, the construction contract and its labour-cost funding
 * schedule, the bank's statements and their movements, the balance and the funding flags. The rules are in
 * funding.ts (pure); this reads and writes them through the repository.
 *
 * A statement is taken all-or-nothing: it is parsed whole (camt.053, camt.054 or a CSV profile, statements/), every
 * line must be in CNY and on the project's dedicated account, and together with what the ledger already holds the
 * lines must settle (one bank reference, one set of facts; reversals that mirror their original). Any fault refuses
 * the file with every fault found, and the file is kept in rejected inputs. The same bytes again return the stored
 * statement; a line already read from another statement (camt.054 first, camt.053 later) is stored once.
 */
import { LIMITS } from '../config/limits.ts'
import { createHash } from 'node:crypto'
import { isUniqueViolation } from '../db/faults.ts'
import type { Database } from '../db/database.ts'
import { maskText } from '../access/masking.ts'
import { AppError } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import { FEN_MAX, fen, subFen, type Fen } from '../kernel/money.ts'
import { addDays, isWorkDate, workDateOf, type Clock, type Month, type WorkDate } from '../kernel/time.ts'
import { PunchRepository } from '../punches/repository.ts'
import type { RosterService } from '../roster/service.ts'
import {
  AccountError,
  accountBalance,
  fundingLate,
  fundingPosition,
  fundingShort,
  settleMovements,
  validateSchedule,
  type AccountMovement,
  type ApprovedSheet,
  type DedicatedAccount,
  type FundingAmount,
  type FundingFlag,
  type FundingPosition,
  type FundingSchedule,
  type FundingShortInput,
} from './funding.ts'
import { AccountRepository, openedOnOf, type ContractRow, type DedicatedAccountRow, type FundingPeriodRow, type HeldMovementRow, type MovementFillRow, type MovementValueDateRow, type StatementRow } from './repository.ts'
import { inForceElsewhere, registerEntry } from './register.ts'
import { parseStatement } from './statements/detect.ts'
import { STATEMENT_BYTES_MAX, STATEMENT_ERRORS_MAX, type ParsedStatement, type StatementFault, type StatementLine } from './statements/statement.ts'

/** The currency of a Chinese wage account: a line in any other is not a movement of it. */
export const ACCOUNT_CURRENCY = 'CNY'
/** The refused bytes kept with a refusal (a statement's first 10 MB: all of it, by STATEMENT_BYTES_MAX). */
const REJECTED_STATEMENT_BYTES_MAX = STATEMENT_BYTES_MAX

export interface NewDedicatedAccount {
  bank: string
  bankCode: string
  accountNo: string
  accountName: string
  openedOn: WorkDate
  openingFen?: number
  reason: string
}

export interface NewContract {
  contractAmountFen: number
  labourCostFen: number
  funderAccountNos: string[]
  signedOn: WorkDate
  reason: string
  periods: { periodId: string; dueOn: WorkDate; amount: FundingAmount }[]
}

export interface ContractView {
  contract: ContractRow
  funderAccountNos: string[]
  periods: FundingPeriodRow[]
}

export type StatementOutcome = 'statement_stored' | 'statement_exists'

export interface PostedStatement {
  outcome: StatementOutcome
  statement: StatementRow
  /**
   * The statement's own balances (OPBD/CLBD, or the CSV balance column), as it states them, each beside the ledger's
   * balance at the same moment: the opening balance just before the statement's first line, the closing balance at
   * the end of the day it is dated. A difference means the ledger lacks movements the bank booked (a statement not
   * posted) or the registered opening balance is wrong; the statement is still taken, being the bank's own word.
   */
  stated: Array<ParsedStatement['balances'][number] & { ledgerFen: Fen | null; differenceFen: Fen | null }>
  /** The ledger's balance after this statement, at the end of the last booking day held. */
  balance: { asOf: WorkDate | null; balanceFen: Fen }
}

export interface AccountPosition {
  account: DedicatedAccountRow
  asOf: WorkDate
  openingFen: Fen
  balanceFen: Fen
  /** Null when no contract (funding schedule) is recorded. */
  funding: FundingPosition | null
  movements: HeldMovementRow[]
}

const toMovement = (m: HeldMovementRow): AccountMovement => ({
  bankRef: m.bankRef,
  bookingDate: m.bookingDate,
  valueDate: m.valueDate,
  ...(m.valueDateAssumed ? { valueDateAssumed: true as const } : {}),
  direction: m.direction,
  amountFen: fen(m.amountFen),
  counterpartyAccountNo: m.counterpartyAccountNo,
  counterpartyName: m.counterpartyName,
  ...(m.reversalOf === null ? {} : { reversalOf: m.reversalOf }),
})

const toAccount = (r: DedicatedAccountRow): DedicatedAccount => ({
  projectId: r.projectId,
  bank: r.bank,
  bankCode: r.bankCode,
  accountNo: r.accountNo,
  accountName: r.accountName,
  openedOn: openedOnOf(r.openedOn),
})

/** Messages quote the file: a counterparty's account there may be a worker's card. */
const maskFault = (f: StatementFault): StatementFault => ({ ...f, message: maskText(f.message, { accountRuns: true }) })

export class AccountService {
  private readonly repo: AccountRepository
  private readonly rejects: PunchRepository

  constructor(
    readonly db: Database,
    readonly deps: { roster: RosterService },
    readonly clock: Clock,
  ) {
    this.repo = new AccountRepository(db)
    this.rejects = new PunchRepository(db)
  }

  /** Today in the project's time zone. */
  async today(projectId: string): Promise<WorkDate> {
    const project = await this.deps.roster.project(projectId)
    return workDateOf(this.clock.nowMs(), project.timeZone)
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The register

  /**
   * `reaches` answers whether the caller may see a project: a refusal names the project an account number is in force
   * on only to a caller who reaches it, or a labour manager would learn another contractor's project, and which project
   * an account number belongs to, by trying numbers.
   */
  async registerAccount(
    projectId: string,
    input: NewDedicatedAccount,
    recordedBy: string,
    reaches: (projectId: string) => Promise<boolean>,
  ): Promise<{ inForce: DedicatedAccountRow; history: DedicatedAccountRow[] }> {
    await this.deps.roster.project(projectId)
    const openingFen = input.openingFen ?? 0
    if (!Number.isSafeInteger(openingFen) || Math.abs(openingFen) > FEN_MAX) {
      throw new AppError('dedicated_account_invalid', { reason: `openingFen must be a whole number of fen within ±${FEN_MAX}`, field: 'openingFen' })
    }
    if (input.reason.trim() === '') throw new AppError('dedicated_account_invalid', { reason: 'a register entry needs a reason', field: 'reason' })
    const account: DedicatedAccount = { projectId, bank: input.bank, bankCode: input.bankCode, accountNo: input.accountNo, accountName: input.accountName, openedOn: input.openedOn }
    const row = registerEntry(account, { openingFen: fen(openingFen), reason: input.reason, recordedBy, recordedAtMs: this.clock.nowMs() })
    const done = await this.repo.transaction(async (tx) => {
      const others = await this.repo.insertAccountUnlessElsewhere(tx, row)
      if (others.length > 0) return { others }
      const history = await this.repo.accountHistory(projectId)
      return { inForce: history[0]!, history }
    })
    if (done.others === undefined) return done
    // Who may see those projects is asked after the transaction: the scope reads need not hold the number's lock.
    throw inForceElsewhere(account.accountNo, done.others, (await Promise.all(done.others.map(reaches))).every(Boolean), 'accountNo')
  }

  async accountRegister(projectId: string): Promise<{ inForce: DedicatedAccountRow | null; history: DedicatedAccountRow[] }> {
    await this.deps.roster.project(projectId)
    const history = await this.repo.accountHistory(projectId)
    return { inForce: history[0] ?? null, history }
  }

  /** The register entry in force (the newest recorded), or undefined when none is registered. */
  async dedicatedAccount(projectId: string): Promise<DedicatedAccount | undefined> {
    const [row] = await this.repo.accountHistory(projectId)
    return row === undefined ? undefined : toAccount(row)
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The contract and its funding schedule

  async recordContract(projectId: string, input: NewContract, recordedBy: string): Promise<{ inForce: ContractView; history: ContractView[] }> {
    await this.deps.roster.project(projectId)
    const refuse = (reason: string, details: Record<string, unknown> = {}): never => {
      throw new AppError('contract_invalid', { reason, ...details })
    }
    if (!Number.isSafeInteger(input.contractAmountFen) || input.contractAmountFen <= 0) refuse('contractAmountFen must be a whole number of fen above zero')
    if (input.contractAmountFen > LIMITS.contract_amount_fen_max) refuse(`contractAmountFen is above the largest contract the ledger holds (${LIMITS.contract_amount_fen_max} fen, ¥1 trillion); check the amount`, { contractAmountFen: input.contractAmountFen })
    if (input.labourCostFen > input.contractAmountFen) refuse('the labour cost cannot be more than the contract amount', { labourCostFen: input.labourCostFen, contractAmountFen: input.contractAmountFen })
    if (!isWorkDate(input.signedOn)) refuse(`signedOn "${input.signedOn}" is not a date written YYYY-MM-DD`)
    if (input.reason.trim() === '') refuse('a contract entry needs a reason')
    const schedule: FundingSchedule = { projectId, labourCostFen: fen(input.labourCostFen), funderAccountNos: input.funderAccountNos, periods: input.periods }
    try {
      validateSchedule(schedule)
    } catch (err) {
      if (err instanceof AccountError) refuse(err.message, err.details)
      throw err
    }
    const contract: ContractRow = {
      id: newId(),
      projectId,
      contractAmountFen: input.contractAmountFen,
      labourCostFen: input.labourCostFen,
      funderAccountNos: JSON.stringify(input.funderAccountNos),
      signedOn: input.signedOn,
      reason: input.reason,
      recordedBy,
      recordedAtMs: this.clock.nowMs(),
    }
    const periods: FundingPeriodRow[] = input.periods.map((p) => ({
      id: newId(),
      contractId: contract.id,
      projectId,
      periodId: p.periodId,
      dueOn: p.dueOn,
      amountKind: p.amount.kind,
      amountFen: p.amount.kind === 'fixed' ? p.amount.amountFen : null,
      shareBp: p.amount.kind === 'share' ? p.amount.shareBp : null,
    }))
    await this.repo.transaction(() => this.repo.insertContract(contract, periods))
    const history = await this.contracts(projectId)
    return { inForce: history[0]!, history }
  }

  /** Every contract recorded, newest (in force) first, each with its schedule. */
  async contracts(projectId: string): Promise<ContractView[]> {
    await this.deps.roster.project(projectId)
    const rows = await this.repo.contractHistory(projectId)
    const out: ContractView[] = []
    for (const contract of rows) out.push({ contract, funderAccountNos: JSON.parse(contract.funderAccountNos) as string[], periods: await this.repo.periodsOf(contract.id) })
    return out
  }

  /** The contract in force, or undefined when none is recorded. */
  async contract(projectId: string): Promise<ContractView | undefined> {
    const [contract] = await this.repo.contractHistory(projectId)
    if (contract === undefined) return undefined
    return { contract, funderAccountNos: JSON.parse(contract.funderAccountNos) as string[], periods: await this.repo.periodsOf(contract.id) }
  }

  private scheduleOf(projectId: string, view: ContractView): FundingSchedule {
    return {
      projectId,
      labourCostFen: fen(view.contract.labourCostFen),
      funderAccountNos: view.funderAccountNos,
      periods: view.periods.map((p) => ({
        periodId: p.periodId,
        dueOn: p.dueOn,
        amount: p.amountKind === 'fixed' ? { kind: 'fixed', amountFen: fen(p.amountFen ?? 0) } : { kind: 'share', shareBp: p.shareBp ?? 0 },
      })),
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Statements

  async postStatement(input: { projectId: string; bytes: Buffer; filename: string | null; postedBy: string }): Promise<PostedStatement> {
    const { projectId } = input
    const project = await this.deps.roster.project(projectId)
    const accountRow = (await this.repo.accountHistory(projectId))[0]
    if (accountRow === undefined) throw new AppError('dedicated_account_missing', { projectId })
    const sha256 = createHash('sha256').update(input.bytes).digest('hex')
    const existing = await this.repo.statementBySha(projectId, sha256)
    if (existing) return this.answer('statement_exists', existing, [], accountRow)
    if (input.bytes.length === 0) return this.refuse(input, [{ entry: 0, field: 'file', message: 'The statement is empty.' }])

    const parsed = parseStatement(input.bytes, project.timeZone)
    const errors = [...parsed.errors]
    const statement = parsed.statement
    if (statement !== undefined) errors.push(...this.accountFaults(statement, accountRow))
    if (statement === undefined || errors.length > 0) return this.refuse(input, errors)

    const statementRow: StatementRow = {
      id: newId(),
      projectId,
      format: statement.variant,
      sha256,
      filename: input.filename,
      accountNo: accountRow.accountNo,
      lineCount: statement.lines.length,
      newLineCount: 0,
      postedBy: input.postedBy,
      postedAtMs: this.clock.nowMs(),
    }
    let result: { stored: StatementRow } | { refused: StatementFault[] }
    try {
      result = await this.repo.transaction(async (tx) => {
        // Statements of one project's account are read in turn: the lines held are the ones this statement joins.
        await tx.lock(`account-statement:${projectId}`)
        const held = (await this.repo.movementsOf(projectId, accountRow.accountNo)).map(toMovement)
        const settled = settle(held, statement.lines)
        if ('refused' in settled) return settled
        const heldRefs = new Set(held.map((m) => m.bankRef))
        const fresh = new Map<string, StatementLine>()
        // A line the settling folded into what is held (a batch entry whose transactions are held) is not new.
        for (const l of statement.lines) if (!heldRefs.has(l.bankRef) && !fresh.has(l.bankRef) && settled.refs.has(l.bankRef)) fresh.set(l.bankRef, l)
        const row = { ...statementRow, newLineCount: fresh.size }
        // A held movement read again with the counterparty or the value date it was first read without is filled in, not
        // refused.
        const heldByRef = new Map(held.map((m) => [m.bankRef, m]))
        const fills: MovementFillRow[] = []
        const valueDates: MovementValueDateRow[] = []
        for (const l of statement.lines) {
          const h = heldByRef.get(l.bankRef)
          if (h === undefined) continue
          if (h.counterpartyAccountNo.trim() === '' && l.counterpartyAccountNo.trim() !== '' && !fills.some((f) => f.bankRef === l.bankRef)) {
            fills.push({ id: newId(), projectId, accountNo: accountRow.accountNo, bankRef: l.bankRef, statementId: row.id, counterpartyAccountNo: l.counterpartyAccountNo, counterpartyName: l.counterpartyName, atMs: statementRow.postedAtMs })
          }
          if (h.valueDateAssumed === true && l.valueDateAssumed !== true && !valueDates.some((v) => v.bankRef === l.bankRef)) {
            valueDates.push({ id: newId(), projectId, accountNo: accountRow.accountNo, bankRef: l.bankRef, statementId: row.id, valueDate: l.valueDate, atMs: statementRow.postedAtMs })
          }
        }
        await this.repo.insertStatement(
          row,
          [...fresh.values()].map((l) => ({
            id: newId(),
            projectId,
            statementId: row.id,
            accountNo: accountRow.accountNo,
            bankRef: l.bankRef,
            bookingDate: l.bookingDate,
            // Not given (no ValDt) is stored empty, so a later reading that gives it can fill it (movementsOf).
            valueDate: l.valueDateAssumed === true ? '' : l.valueDate,
            direction: l.direction,
            amountFen: l.amountFen,
            counterpartyAccountNo: l.counterpartyAccountNo,
            counterpartyName: l.counterpartyName,
            reversalOf: l.reversalOf ?? null,
            endToEndId: l.endToEndId ?? null,
          })),
          fills,
          valueDates,
        )
        return { stored: row }
      })
    } catch (err) {
      if (!isUniqueViolation(err)) throw err
      // The same bytes stored by another request between the check above and this transaction.
      const again = await this.repo.statementBySha(projectId, sha256)
      if (again) return this.answer('statement_exists', again, [], accountRow)
      throw err
    }
    // Refused after the transaction, never inside it: the refusal is kept in rejected inputs, which a rollback would undo.
    if ('refused' in result) return this.refuse(input, result.refused)
    return this.answer('statement_stored', result.stored, statement.balances, accountRow)
  }

  /**
   * The statement must be of the dedicated account, in CNY, and hold no line before the account was opened (when the
   * opening date is known: the account a project was created with may have none).
   */
  private accountFaults(statement: ParsedStatement, account: DedicatedAccountRow): StatementFault[] {
    const faults: StatementFault[] = []
    if (statement.accountNo !== account.accountNo) {
      faults.push({
        entry: 0,
        field: 'account',
        message: `The statement is of account ${statement.accountNo}, not of the project's dedicated account ${account.accountNo} (${account.bank}); post it to the project whose account it is.`,
      })
    }
    if (statement.accountCurrency !== undefined && statement.accountCurrency !== ACCOUNT_CURRENCY) {
      faults.push({ entry: 0, field: 'currency', message: `The account's currency is ${statement.accountCurrency}; a dedicated wage account is held in ${ACCOUNT_CURRENCY}.` })
    }
    for (const b of statement.balances) {
      if (b.currency !== ACCOUNT_CURRENCY) faults.push({ entry: 0, field: `balance/${b.kind}`, message: `The ${b.kind} balance is in ${b.currency}, not ${ACCOUNT_CURRENCY}.` })
    }
    const openedOn = openedOnOf(account.openedOn)
    for (const l of statement.lines) {
      if (l.currency !== ACCOUNT_CURRENCY) faults.push({ entry: l.entry, field: 'currency', message: `Line ${l.bankRef} is in ${l.currency}, not ${ACCOUNT_CURRENCY}: it is no movement of a Chinese wage account.` })
      if (openedOn !== null && l.bookingDate < openedOn) faults.push({ entry: l.entry, field: 'bookingDate', message: `Line ${l.bankRef} is booked on ${l.bookingDate}, before the account was opened on ${openedOn}.` })
    }
    return faults
  }

  /**
   * An opening balance is compared with the ledger just before the first line of the report it opens (firstBookedOn),
   * whatever day the bank dated it (banks date OPBD by the period's first day or by the previous day's close); with no
   * line, on the day it is dated.
   */
  private async answer(outcome: StatementOutcome, statement: StatementRow, stated: ParsedStatement['balances'], account: DedicatedAccountRow): Promise<PostedStatement> {
    const movements = (await this.repo.movementsOf(statement.projectId, account.accountNo)).map(toMovement)
    const last = movements.at(-1)?.bookingDate ?? null
    const balanceFen = last === null ? fen(account.openingFen) : accountBalance(fen(account.openingFen), movements, last)
    const checked = stated.map((b) => {
      if (b.date === undefined) return { ...b, ledgerFen: null, differenceFen: null }
      const at = b.kind === 'opening' && b.firstBookedOn !== undefined ? addDays(b.firstBookedOn, -1) : b.date
      const ledgerFen = accountBalance(fen(account.openingFen), movements, at)
      return { ...b, ledgerFen, differenceFen: subFen(b.amountFen, ledgerFen) }
    })
    return { outcome, statement, stated: checked, balance: { asOf: last, balanceFen } }
  }

  /** Keeps the refused file in rejected inputs with its faults (masked), then answers 422 with them. */
  private async refuse(input: { projectId: string; bytes: Buffer; filename: string | null; postedBy: string }, faults: StatementFault[]): Promise<never> {
    const errors = faults.slice(0, STATEMENT_ERRORS_MAX).map(maskFault)
    await this.rejects.reject(
      {
        source: 'http',
        channel: `POST /api/projects/${input.projectId}/account-statements`,
        sender: input.postedBy,
        projectId: input.projectId,
        deviceSerial: null,
        recordId: input.filename,
        reason: 'statement_invalid',
        detail: JSON.stringify(errors),
        payload: input.bytes,
        receivedAtMs: this.clock.nowMs(),
      },
      REJECTED_STATEMENT_BYTES_MAX,
    )
    throw new AppError('statement_invalid', { errorCount: faults.length, errors })
  }

  async statements(projectId: string): Promise<StatementRow[]> {
    await this.deps.roster.project(projectId)
    return this.repo.statements(projectId)
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Balance, funding and flags

  /** The balance at the end of `asOf` (default today), each scheduled period's funding, and the movements booked by then. */
  async position(projectId: string, asOf?: WorkDate): Promise<AccountPosition> {
    const day = asOf ?? (await this.today(projectId))
    const account = (await this.repo.accountHistory(projectId))[0]
    if (account === undefined) throw new AppError('dedicated_account_missing', { projectId })
    const rows = await this.repo.movementsOf(projectId, account.accountNo)
    const movements = rows.map(toMovement)
    const view = await this.contract(projectId)
    // The movements as the balance counts them: a batch entry held whole and by its transactions is listed once.
    const standing = new Set(settleMovements(movements).lines.map((m) => m.bankRef))
    return {
      account,
      asOf: day,
      openingFen: fen(account.openingFen),
      balanceFen: accountBalance(fen(account.openingFen), movements, day),
      funding: view === undefined ? null : fundingPosition(this.scheduleOf(projectId, view), movements, day),
      movements: rows.filter((m) => m.bookingDate <= day && standing.has(m.bankRef)),
    }
  }

  /**
   * FUNDING_LATE for every scheduled period due by `asOf` and not received, and FUNDING_SHORT for the month's pay
   * day against the approved sheets (empty when no contract or account is registered).
   */
  async fundingFlags(
    projectId: string,
    period: Month,
    payDate: WorkDate,
    approvedSheets: readonly ApprovedSheet[],
    asOf: WorkDate,
    paidOut: FundingShortInput['paidOut'] = [],
  ): Promise<FundingFlag[]> {
    const accountRow = (await this.repo.accountHistory(projectId))[0]
    const view = await this.contract(projectId)
    if (accountRow === undefined || view === undefined) return []
    const movements = (await this.repo.movementsOf(projectId, accountRow.accountNo)).map(toMovement)
    const flags = fundingLate(this.scheduleOf(projectId, view), movements, asOf)
    const short = fundingShort({ account: toAccount(accountRow), openingFen: fen(accountRow.openingFen), movements, period, payDate, approvedSheets, paidOut, asOf })
    if (short) flags.push(short)
    return flags
  }
}

/**
 * The held lines settled with a statement's: the references that stand (a batch entry read whole is folded into its
 * transactions), or the faults settling raises (a reference read with other facts, a bad reversal).
 */
function settle(held: readonly AccountMovement[], lines: readonly StatementLine[]): { refs: Set<string> } | { refused: StatementFault[] } {
  try {
    return { refs: new Set(settleMovements([...held, ...lines]).lines.map((m) => m.bankRef)) }
  } catch (err) {
    if (!(err instanceof AccountError)) throw err
    const ref = typeof err.details['bankRef'] === 'string' ? err.details['bankRef'] : undefined
    const entry = lines.find((l) => l.bankRef === ref || l.reversalOf === ref || l.bankRef.startsWith(`${ref ?? '\u0000'}/`))?.entry ?? 0
    return { refused: [{ entry, field: err.code, message: err.message }] }
  }
}
