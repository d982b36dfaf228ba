/**
 * The project's dedicated wage account (农民工工资专用账户) and its funding: what the construction unit (建设单位) owes
 * into it by the contract's schedule, what the bank's statements say came in and went out, and the flags when it falls
 * behind (保障农民工工资支付条例 Art. 24, 26, 27, 29; 人社部发〔2021〕53号《农民工工资专用账户管理暂行办法》).
 *
 * - The balance is the bank's own arithmetic over statement lines: an opening balance plus credits minus debits
 *   booked up to a date. Statements overlap (a camt.054 notification, then the day's camt.053, then a monthly one), so
 *   a line is known by the bank's reference (AcctSvcrRef) and counted once however often it is read.
 * - A reversal (冲正, RvslInd) is a line of its own, booked on its own date in the opposite direction: the original
 *   counts until the reversal is booked, and both together count for nothing, as on the bank's statement.
 * - Funding received is the credits from the construction unit's accounts, less their reversals, applied to the
 *   schedule's periods oldest first: money paid early for next month is not lost, and a shortfall stays with the
 *   oldest unpaid period until it is made up.
 *
 * Pure: no I/O, no clock (`asOf` is passed in). The same lines in any order, read any number of times, give the same
 * balance and the same flags. Dates are project dates YYYY-MM-DD, compared as text.
 */
import { createHash } from 'node:crypto'
import { LIMITS } from '../config/limits.ts'
import { Money, ZERO_FEN, fen, formatYuan, subFen, sumFen, type Fen, type MoneyDecimal } from '../kernel/money.ts'
import { DAY_MS, addDays, isWorkDate, type Month, type WorkDate } from '../kernel/time.ts'
import { maskCard } from '../roster/identity.ts'

/** The register entry of a project's dedicated account (专用账户登记), opened by the general contractor. */
export interface DedicatedAccount {
  projectId: string
  /** The bank and branch holding it (开户银行). */
  bank: string
  /** The branch's 联行号 (CNAPS code): 12 digits. */
  bankCode: string
  /** 账号: digits only, as the roster schema holds it. */
  accountNo: string
  /** 户名: by Art. 26 "GC name + project name + 农民工工资专用账户". */
  accountName: string
  /**
   * 开户日期. Null when not given: the account the project was created with, without its opening date. No payment and
   * no statement line is then refused as before the opening (before_opened): the ledger does not know when that was,
   * and a project is often entered after its account paid the first months.
   */
  openedOn: WorkDate | null
}

/** A period's labour cost due: a fixed amount, or a share of the contract's labour cost in basis points (1 bp = 0.01%). */
export type FundingAmount = { kind: 'fixed'; amountFen: Fen } | { kind: 'share'; shareBp: number }

/** One period of the construction contract's labour-cost schedule (人工费用拨付计划). */
export interface FundingPeriod {
  /** The contract's name for the period, e.g. "2026-03"; unique within the schedule. */
  periodId: string
  /** The last day on which the funding may arrive and still be on time. */
  dueOn: WorkDate
  amount: FundingAmount
}

export interface FundingSchedule {
  projectId: string
  /** 人工费: the contract's labour cost, what `share` periods are a share of. */
  labourCostFen: Fen
  /** The construction unit's accounts funding is paid from; a credit from any other account is not funding. */
  funderAccountNos: readonly string[]
  periods: readonly FundingPeriod[]
}

export type Direction = 'credit' | 'debit'

/** One line of a statement of the dedicated account, as a parser reads it (camt.053 Ntry, camt.054, a CSV profile). */
export interface AccountMovement {
  /** AcctSvcrRef: the bank's own reference of the line, the same on every statement that shows it. */
  bankRef: string
  /** BookgDt: the day it is on the account. Balances and funding are reckoned by it. */
  bookingDate: WorkDate
  /** ValDt: kept for evidence; the bank's closing booked balance (CLBD) is by booking date, and so is ours. */
  valueDate: WorkDate
  /**
   * Set when the reading gave no value date (a camt.054 may leave ValDt out): `valueDate` is then the booking date,
   * assumed. Another reading's value date does not contradict it, and the reading that gives one is kept (fuller).
   */
  valueDateAssumed?: true
  /** CdtDbtInd: credit (money in) or debit (money out), from the account's side. */
  direction: Direction
  /** Always positive; `direction` carries the sign. */
  amountFen: Fen
  counterpartyAccountNo: string
  counterpartyName: string
  /**
   * Set on a reversal (RvslInd true): the bankRef of the line it cancels. ISO 20022 books a reversal in the direction
   * opposite to the original (a reversed credit shows as DBIT), and so must this line.
   */
  reversalOf?: string
}

export type AccountErrorCode =
  | 'account_invalid'
  | 'schedule_invalid'
  | 'movement_invalid'
  /** One bank reference read with different facts (amount, direction, dates, counterparty account, reversal). */
  | 'movement_ref_conflict'
  /** A reversal that does not mirror the line it names, or a line reversed twice. */
  | 'reversal_invalid'
  /** A check's own parameters: its dates, the days before pay day. */
  | 'check_invalid'

export class AccountError extends Error {
  constructor(
    readonly code: AccountErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message)
    this.name = 'AccountError'
  }
}

const BANK_CODE_TEXT = /^\d{12}$/
/** As the roster schema (http/routes/roster.ts): Chinese account numbers are 8 to 32 digits. */
const ACCOUNT_NO_TEXT = /^\d{8,32}$/
/** Basis points in a whole: a share is at most 100% of the labour cost. */
const BP_WHOLE = 10_000

/** Account numbers as statements print them may be grouped with spaces; the number is the digits. */
function sameAccountNo(a: string, b: string): boolean {
  return a.replace(/\s+/g, '') === b.replace(/\s+/g, '')
}

export function validateDedicatedAccount(account: DedicatedAccount): void {
  const fault = (field: string, why: string) => {
    throw new AccountError('account_invalid', `Dedicated account of project ${account.projectId}: ${field} ${why}.`, { projectId: account.projectId, field })
  }
  if (account.bank.trim() === '') fault('bank', 'is empty')
  if (!BANK_CODE_TEXT.test(account.bankCode)) fault('bankCode', 'must be the 12-digit 联行号')
  if (!ACCOUNT_NO_TEXT.test(account.accountNo)) fault('accountNo', 'must be 8 to 32 digits')
  if (account.accountName.trim() === '') fault('accountName', 'is empty')
  // The bank matches the payer's name to its own record exactly: a stray space is refused here, not at every file.
  if (account.accountName.trim() !== account.accountName || [...account.accountName].length > 140) {
    fault('accountName', 'must be the name exactly as the bank holds it: no spaces at either end, at most 140 characters')
  }
  if (account.openedOn !== null && !isWorkDate(account.openedOn)) fault('openedOn', 'must be a date written YYYY-MM-DD')
}

/** Checks a schedule; throws the first fault found. Shares may not add up to more than the whole labour cost. */
export function validateSchedule(schedule: FundingSchedule): void {
  const fault = (message: string, details: Record<string, unknown> = {}) => {
    throw new AccountError('schedule_invalid', `Funding schedule of project ${schedule.projectId}: ${message}.`, { projectId: schedule.projectId, ...details })
  }
  if (!Number.isSafeInteger(schedule.labourCostFen) || schedule.labourCostFen < 0) fault('labourCostFen must be a whole number of fen, zero or more')
  if (schedule.funderAccountNos.length === 0) fault("it names none of the construction unit's accounts")
  const seen = new Set<string>()
  let shareBp = 0
  for (const p of schedule.periods) {
    if (p.periodId === '' || seen.has(p.periodId)) fault(`period id "${p.periodId}" is empty or repeated`, { periodId: p.periodId })
    seen.add(p.periodId)
    if (!isWorkDate(p.dueOn)) fault(`period ${p.periodId}: dueOn "${p.dueOn}" is not a date written YYYY-MM-DD`, { periodId: p.periodId })
    if (p.amount.kind === 'fixed') {
      if (!Number.isSafeInteger(p.amount.amountFen) || p.amount.amountFen <= 0) fault(`period ${p.periodId}: the amount must be a whole number of fen above zero`, { periodId: p.periodId })
    } else {
      if (!Number.isSafeInteger(p.amount.shareBp) || p.amount.shareBp <= 0 || p.amount.shareBp > BP_WHOLE) {
        fault(`period ${p.periodId}: the share must be whole basis points from 1 to ${BP_WHOLE}`, { periodId: p.periodId })
      }
      shareBp += p.amount.shareBp
    }
  }
  if (shareBp > BP_WHOLE) fault(`the periods' shares add up to ${shareBp} bp, more than the whole labour cost`, { shareBp })
}

/** The schedule's order: due date, then period id. Funding is applied to periods in it, and shares are summed in it. */
const byDueThenId = (a: FundingPeriod, b: FundingPeriod): number =>
  a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : a.periodId < b.periodId ? -1 : a.periodId > b.periodId ? 1 : 0

/** Labour cost × bp / 10,000, rounded half up to the fen. */
const shareOfLabourFen = (labourCostFen: Fen, bp: number): MoneyDecimal =>
  new Money(labourCostFen).times(bp).div(BP_WHOLE).toDecimalPlaces(0, Money.ROUND_HALF_UP)

/**
 * A period's amount in fen. A share is rounded on the running total, not on its own: the shares up to and including
 * this one (in the schedule's order, due date then id) make labour cost × their bp / 10,000 rounded half up once, and
 * the period is that less the same for the shares before it. So shares of 100% add up to the labour cost exactly,
 * never a fen more (50% twice of an odd number of fen is x.5 rounded up once and down once, not up twice).
 */
export function periodAmountFen(schedule: FundingSchedule, period: FundingPeriod): Fen {
  if (period.amount.kind === 'fixed') return period.amount.amountFen
  let before = 0
  for (const p of schedule.periods) {
    if (p.amount.kind === 'share' && p.periodId !== period.periodId && byDueThenId(p, period) < 0) before += p.amount.shareBp
  }
  const through = before + period.amount.shareBp
  return fen(shareOfLabourFen(schedule.labourCostFen, through).minus(shareOfLabourFen(schedule.labourCostFen, before)).toNumber())
}

function validateMovement(m: AccountMovement): void {
  const fault = (why: string) => {
    throw new AccountError('movement_invalid', `Statement line ${JSON.stringify(m.bankRef)}: ${why}.`, { bankRef: m.bankRef })
  }
  if (m.bankRef.trim() === '') fault('has no bank reference (AcctSvcrRef), so a second reading of it could not be recognised')
  if (!isWorkDate(m.bookingDate)) fault(`booking date "${m.bookingDate}" is not a date written YYYY-MM-DD`)
  if (!isWorkDate(m.valueDate)) fault(`value date "${m.valueDate}" is not a date written YYYY-MM-DD`)
  if (m.direction !== 'credit' && m.direction !== 'debit') fault(`direction "${String(m.direction)}" is neither credit nor debit`)
  if (!Number.isSafeInteger(m.amountFen) || m.amountFen <= 0) fault(`amount ${m.amountFen} is not a whole number of fen above zero`)
  if (m.reversalOf === m.bankRef) fault('reverses itself')
}

function describe(m: AccountMovement): string {
  const reversal = m.reversalOf === undefined ? '' : ` reversing ${m.reversalOf}`
  const value = m.valueDateAssumed === true ? 'not given' : m.valueDate
  return `${m.direction} ${formatYuan(m.amountFen)} booked ${m.bookingDate} value ${value} counterparty ${m.counterpartyAccountNo}${reversal}`
}

/**
 * The facts two readings of one line must agree on. The counterparty's name may differ: formats truncate it
 * differently. A reading without the counterparty's account (an intraday camt.054 often leaves RltdPties out), or
 * without a value date (ValDt is optional, and a camt.054 may leave it out: valueDateAssumed), does not contradict one
 * that has it: it says less, and the fuller reading is kept (fuller).
 */
function sameFacts(a: AccountMovement, b: AccountMovement): boolean {
  const account = (m: AccountMovement): string => m.counterpartyAccountNo.replace(/\s+/g, '')
  return (
    a.direction === b.direction &&
    a.amountFen === b.amountFen &&
    a.bookingDate === b.bookingDate &&
    (a.valueDate === b.valueDate || a.valueDateAssumed === true || b.valueDateAssumed === true) &&
    (account(a) === '' || account(b) === '' || sameAccountNo(a.counterpartyAccountNo, b.counterpartyAccountNo)) &&
    a.reversalOf === b.reversalOf
  )
}

/**
 * Of two readings with the same facts, the one kept: the one naming the counterparty's account, then the one naming
 * them at all, then the name that sorts first; with the value date of the one that gives it, when only one does. So
 * the result does not depend on the order the statements came in.
 */
function fuller(a: AccountMovement, b: AccountMovement): AccountMovement {
  const rank = (m: AccountMovement): number => (m.counterpartyAccountNo.trim() === '' ? 0 : 2) + (m.counterpartyName.trim() === '' ? 0 : 1)
  const ra = rank(a)
  const rb = rank(b)
  const kept = ra !== rb ? (ra > rb ? a : b) : b.counterpartyName < a.counterpartyName ? b : a
  const other = kept === a ? b : a
  if (kept.valueDateAssumed !== true || other.valueDateAssumed === true) return kept
  const { valueDateAssumed: _assumed, ...given } = kept
  return { ...given, valueDate: other.valueDate }
}

const byBookingThenRef = (a: AccountMovement, b: AccountMovement): number =>
  a.bookingDate < b.bookingDate ? -1 : a.bookingDate > b.bookingDate ? 1 : a.bankRef < b.bankRef ? -1 : a.bankRef > b.bankRef ? 1 : 0

export interface SettledMovements {
  /** Each line once, in booking-date then reference order. */
  lines: AccountMovement[]
  /** Original bankRef → the reversal that cancels it, for originals present in the input. */
  reversedBy: ReadonlyMap<string, AccountMovement>
  /** Reversals whose original is not in the input (booked before the opening balance): counted by their own direction. */
  orphanReversals: AccountMovement[]
}

/**
 * The statement lines once each, checked: a reference read twice with different facts, a reversal that does not mirror
 * its original (same amount, opposite direction, not booked before it, not itself a reversal), or a line reversed twice
 * is an error naming both lines, because either reading could be the wrong one and a balance built on a guess is worse
 * than none. Of two readings differing only in how much they say of the counterparty, the fuller is kept (fuller).
 */
export function settleMovements(movements: readonly AccountMovement[]): SettledMovements {
  const byRef = new Map<string, AccountMovement>()
  for (const m of movements) {
    validateMovement(m)
    const seen = byRef.get(m.bankRef)
    if (seen === undefined) {
      byRef.set(m.bankRef, m)
    } else if (!sameFacts(seen, m)) {
      const [first, second] = [seen, m].sort((a, b) => (describe(a) < describe(b) ? -1 : 1)) as [AccountMovement, AccountMovement]
      throw new AccountError('movement_ref_conflict', `Bank reference ${m.bankRef} was read as two different lines: ${describe(first)}; and ${describe(second)}.`, {
        bankRef: m.bankRef,
        readings: [first, second],
      })
    } else {
      byRef.set(m.bankRef, fuller(seen, m))
    }
  }
  foldBatchReadings(byRef)
  const lines = [...byRef.values()].sort(byBookingThenRef)
  const reversedBy = new Map<string, AccountMovement>()
  const orphanReversals: AccountMovement[] = []
  for (const r of lines) {
    if (r.reversalOf === undefined) continue
    const original = byRef.get(r.reversalOf)
    if (original === undefined) {
      orphanReversals.push(r)
      continue
    }
    const fault = (why: string) => {
      throw new AccountError('reversal_invalid', `Reversal ${r.bankRef} of ${original.bankRef} ${why}: ${describe(r)}; original ${describe(original)}.`, {
        bankRef: r.bankRef,
        reversalOf: original.bankRef,
        readings: [original, r],
      })
    }
    if (original.reversalOf !== undefined) fault('names a line that is itself a reversal')
    if (original.direction === r.direction) fault('is booked in the same direction as the line it cancels')
    if (original.amountFen !== r.amountFen) fault('is for a different amount than the line it cancels')
    if (r.bookingDate < original.bookingDate) fault('is booked before the line it cancels')
    const earlier = reversedBy.get(original.bankRef)
    if (earlier !== undefined) {
      throw new AccountError('reversal_invalid', `Line ${original.bankRef} is reversed twice, by ${earlier.bankRef} and by ${r.bankRef}.`, {
        bankRef: original.bankRef,
        readings: [earlier, r],
      })
    }
    reversedBy.set(original.bankRef, r)
  }
  return { lines, reversedBy, orphanReversals }
}

/**
 * A batch entry read whole by one statement (`X`: a camt.053 entry without amounts per transaction) and by its
 * transactions by another (`X/1`, `X/2`: a camt.054's TxDtls with amounts) is one entry, not three lines: the parts
 * stand for it when they are on its side and day and add up to it, and the whole reading is dropped; otherwise the
 * two readings contradict each other and the statement is refused, as for any reference read with other facts.
 */
function foldBatchReadings(byRef: Map<string, AccountMovement>): void {
  const partsOf = new Map<string, AccountMovement[]>()
  for (const m of byRef.values()) {
    const slash = m.bankRef.lastIndexOf('/')
    if (slash <= 0 || !/^\d+$/.test(m.bankRef.slice(slash + 1))) continue
    const whole = m.bankRef.slice(0, slash)
    if (!byRef.has(whole)) continue
    const parts = partsOf.get(whole) ?? []
    parts.push(m)
    partsOf.set(whole, parts)
  }
  for (const [whole, parts] of partsOf) {
    const entry = byRef.get(whole)!
    const sum = parts.reduce((s, p) => s.plus(p.amountFen), new Money(0))
    if (parts.some((p) => p.direction !== entry.direction || p.bookingDate !== entry.bookingDate || p.reversalOf !== undefined) || !sum.eq(entry.amountFen)) {
      throw new AccountError('movement_ref_conflict', `Bank reference ${whole} was read as one entry (${describe(entry)}) and as ${parts.length} transactions of it adding up to ${sum.div(100).toFixed(2)} yuan; they do not agree.`, {
        bankRef: whole,
        readings: [entry, ...parts],
      })
    }
    byRef.delete(whole)
  }
}

const signedFen = (m: AccountMovement): MoneyDecimal => (m.direction === 'credit' ? new Money(m.amountFen) : new Money(m.amountFen).neg())

/**
 * The balance at the end of `asOf` (日终余额): the opening balance (before every line given) plus the lines booked on or
 * before that day. A reversal is a line in the opposite direction, so an original and its reversal together add
 * nothing from the day the reversal is booked.
 */
export function accountBalance(openingFen: Fen, movements: readonly AccountMovement[], asOf: WorkDate): Fen {
  if (!isWorkDate(asOf)) throw new AccountError('check_invalid', `The balance date "${asOf}" is not a date written YYYY-MM-DD.`, { asOf })
  return balanceOfSettled(openingFen, settleMovements(movements).lines, asOf)
}

function balanceOfSettled(openingFen: Fen, lines: readonly AccountMovement[], asOf: WorkDate): Fen {
  let total = new Money(openingFen)
  for (const m of lines) if (m.bookingDate <= asOf) total = total.plus(signedFen(m))
  return fen(total.toNumber())
}

export type FundingFlagCode = 'FUNDING_LATE' | 'FUNDING_SHORT' | 'PAYER_NOT_DEDICATED'

export interface FundingFlag {
  code: FundingFlagCode
  projectId: string
  /**
   * JSON-serialisable proof: amounts in fen and as yuan strings, dates, the statement lines or sheets the flag rests on
   * (at most LIMITS.flag_evidence_lines_max of them, beside their count and total). A debit account that is not the
   * dedicated one may be a person's card, so it is masked here and carried whole only in `debitAccountNo`.
   */
  evidence: Record<string, unknown>
  /** PAYER_NOT_DEDICATED: the account the payouts were debited from, whole, for a view to mask or guard. */
  debitAccountNo?: string
  /**
   * For the case's key, where a month holds several flags of the code: FUNDING_LATE's scheduled period, and
   * PAYER_NOT_DEDICATED's account and reason (as a digest: a case's scope is shown, and the account may be a person's
   * card).
   */
  scope?: string
}

/** PAYER_NOT_DEDICATED's scope: the debited account (digest, not the number) and the reason. */
export const payerScope = (debitAccountNo: string, reason: string): string =>
  `payer:${createHash('sha256').update(debitAccountNo.replace(/\s+/g, '')).digest('hex').slice(0, 16)}:${reason}`

function lineEvidence(m: AccountMovement): Record<string, unknown> {
  return {
    bankRef: m.bankRef,
    bookingDate: m.bookingDate,
    valueDate: m.valueDate,
    ...(m.valueDateAssumed === true ? { valueDateAssumed: true } : {}),
    direction: m.direction,
    amountFen: m.amountFen,
    amountYuan: formatYuan(m.amountFen),
    counterpartyAccountNo: m.counterpartyAccountNo,
    counterpartyName: m.counterpartyName,
    ...(m.reversalOf === undefined ? {} : { reversalOf: m.reversalOf }),
  }
}

/** A bounded list of evidence and what the whole list stands for. */
function bounded<T>(items: readonly T[], show: (item: T) => Record<string, unknown>): { shown: Record<string, unknown>[]; count: number } {
  return { shown: items.slice(0, LIMITS.flag_evidence_lines_max).map(show), count: items.length }
}

/**
 * Where a period stands as of a date. `received`: its amount was there by its due date (and still is); `received_late`:
 * it is all there now, but was completed after the due date; `late`: the due date has passed and it is not all there;
 * `not_due`: not all there, but the due date is today or later.
 */
export type FundingState = 'received' | 'received_late' | 'late' | 'not_due'

export interface PeriodFunding {
  periodId: string
  dueOn: WorkDate
  amountFen: Fen
  /** This period and every earlier one: what must have come in by its due date. */
  cumulativeDueFen: Fen
  /** Of the funding received as of `asOf`, what is applied to this period (oldest periods first), 0 ≤ it ≤ amountFen. */
  appliedFen: Fen
  /** The day from which the period has been whole without a break, when it is whole as of `asOf`. */
  completedOn?: WorkDate
  state: FundingState
}

export interface FundingPosition {
  asOf: WorkDate
  /** Funder credits less their reversals, booked on or before `asOf`. */
  receivedFen: Fen
  /** The lines counted as funding: credits from a funder account and the reversals of those credits. */
  fundingLines: AccountMovement[]
  periods: PeriodFunding[]
}

/** The funding lines: credits from a funder account, and whatever reverses one of them (its counterparty may differ). */
function fundingLinesOf(schedule: FundingSchedule, settled: SettledMovements): AccountMovement[] {
  const isFunderCredit = (m: AccountMovement) =>
    m.direction === 'credit' && m.reversalOf === undefined && schedule.funderAccountNos.some((a) => sameAccountNo(a, m.counterpartyAccountNo))
  const credits = new Set(settled.lines.filter(isFunderCredit).map((m) => m.bankRef))
  return settled.lines.filter((m) => credits.has(m.bankRef) || (m.reversalOf !== undefined && credits.has(m.reversalOf)))
}

/** Each period's standing as of `asOf`, in due-date order (then period id). */
export function fundingPosition(schedule: FundingSchedule, movements: readonly AccountMovement[], asOf: WorkDate): FundingPosition {
  validateSchedule(schedule)
  if (!isWorkDate(asOf)) throw new AccountError('check_invalid', `The date "${asOf}" is not a date written YYYY-MM-DD.`, { asOf })
  const lines = fundingLinesOf(schedule, settleMovements(movements)).filter((m) => m.bookingDate <= asOf)
  // Received to date after each booking day, so a period's completion day can be found by walking forward.
  const days: { day: WorkDate; receivedFen: MoneyDecimal }[] = []
  let running = new Money(0)
  for (const m of lines) {
    running = running.plus(signedFen(m))
    const last = days.at(-1)
    if (last !== undefined && last.day === m.bookingDate) last.receivedFen = running
    else days.push({ day: m.bookingDate, receivedFen: running })
  }
  const receivedFen = fen(running.toNumber())
  const periods = [...schedule.periods].sort(byDueThenId)
  let cumulative = new Money(0)
  const out: PeriodFunding[] = []
  for (const p of periods) {
    const amountFen = periodAmountFen(schedule, p)
    const before = cumulative
    cumulative = cumulative.plus(amountFen)
    const applied = Money.min(Money.max(running.minus(before), 0), amountFen)
    const whole = running.gte(cumulative)
    let completedOn: WorkDate | undefined
    if (whole) {
      // The last day the running total rose to the period's cumulative due from below it (or its first day).
      for (let i = days.length - 1; i >= 0; i--) {
        const prev = days[i - 1]
        if (prev === undefined || prev.receivedFen.lt(cumulative)) {
          completedOn = days[i]!.day
          break
        }
      }
    }
    const state: FundingState = whole
      ? completedOn === undefined || completedOn <= p.dueOn
        ? 'received'
        : 'received_late'
      : asOf > p.dueOn
        ? 'late'
        : 'not_due'
    out.push({
      periodId: p.periodId,
      dueOn: p.dueOn,
      amountFen,
      cumulativeDueFen: fen(cumulative.toNumber()),
      appliedFen: fen(applied.toNumber()),
      ...(completedOn === undefined ? {} : { completedOn }),
      state,
    })
  }
  return { asOf, receivedFen, fundingLines: lines, periods: out }
}

function daysBetween(from: WorkDate, to: WorkDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS)
}

/**
 * FUNDING_LATE: one flag per scheduled period whose due date has passed (asOf after dueOn) and whose amount is not all
 * in the account as of `asOf`. Funding booked on the due date is on time. Funding completed late clears the flag (the
 * period shows `received_late` in fundingPosition), and a reversal of a funding credit raises it again.
 */
export function fundingLate(schedule: FundingSchedule, movements: readonly AccountMovement[], asOf: WorkDate): FundingFlag[] {
  const position = fundingPosition(schedule, movements, asOf)
  const funding = bounded(position.fundingLines, lineEvidence)
  const byId = new Map(schedule.periods.map((p) => [p.periodId, p]))
  return position.periods
    .filter((p) => p.state === 'late')
    .map((p) => {
      const shortFen = subFen(p.amountFen, p.appliedFen)
      const amount = byId.get(p.periodId)!.amount
      return {
        code: 'FUNDING_LATE' as const,
        projectId: schedule.projectId,
        scope: `fundingPeriod:${p.periodId}`,
        evidence: {
          periodId: p.periodId,
          dueOn: p.dueOn,
          asOf,
          daysLate: daysBetween(p.dueOn, asOf),
          amountFen: p.amountFen,
          amountYuan: formatYuan(p.amountFen),
          ...(amount.kind === 'share' ? { shareBp: amount.shareBp, labourCostFen: schedule.labourCostFen } : {}),
          appliedFen: p.appliedFen,
          appliedYuan: formatYuan(p.appliedFen),
          shortFen,
          shortYuan: formatYuan(shortFen),
          cumulativeDueFen: p.cumulativeDueFen,
          receivedFen: position.receivedFen,
          receivedYuan: formatYuan(position.receivedFen),
          funderAccountNos: [...schedule.funderAccountNos],
          fundingLines: funding.shown,
          fundingLinesCount: funding.count,
        },
      }
    })
}

/** Days before pay day on which the balance must cover the approved payroll (the default: 5). */
export const FUNDING_SHORT_DAYS_BEFORE_DEFAULT = 5
/** A check earlier than a month before pay day would judge a month by the one before it. */
const FUNDING_SHORT_DAYS_BEFORE_MAX = 31

/** An approved payroll sheet (工资支付表, approved by the GC's labour manager) due on the pay day: its total 实发. */
export interface ApprovedSheet {
  sheetId: string
  netFen: Fen
}

export interface FundingShortInput {
  account: DedicatedAccount
  /** The balance before every line in `movements`. */
  openingFen: Fen
  movements: readonly AccountMovement[]
  period: Month
  payDate: WorkDate
  /** Every approved sheet of the project paid on `payDate`. */
  approvedSheets: readonly ApprovedSheet[]
  /**
   * The month's wages already paid out of the dedicated account, each payment once and none given back (退票), with
   * the day it was booked: what was paid by the check day has left the balance and no longer needs covering.
   */
  paidOut?: ReadonlyArray<{ amountFen: Fen; valueDate: WorkDate }> | (() => ReadonlyArray<{ amountFen: Fen; valueDate: WorkDate }>)
  /** Calendar days before pay day at which the balance is judged; default FUNDING_SHORT_DAYS_BEFORE_DEFAULT. */
  daysBefore?: number
  /** Today: before the check day has ended nothing is judged, its statement lines are not all in. */
  asOf: WorkDate
}

/**
 * FUNDING_SHORT: the balance at the end of the check day (pay day − daysBefore, calendar days) is below what of the
 * approved sheets' total net is still to pay: the total less the month's wages paid out of the account by then
 * (`paidOut`). Without that, a month paid early (before the check day) read as short: the balance had already paid
 * it. An exactly equal balance is enough. Not judged until the check day has ended (asOf after it: money may still
 * arrive on the day itself), nor with no approved sheet (that is NO_PAYROLL_SHEET's business).
 *
 * A payment reported by the bank before its debit is in an imported statement is subtracted all the same, so for
 * those days the check is lenient by that amount: the debit's statement line is what brings the balance down.
 */
export function fundingShort(input: FundingShortInput): FundingFlag | undefined {
  const daysBefore = input.daysBefore ?? FUNDING_SHORT_DAYS_BEFORE_DEFAULT
  if (!Number.isSafeInteger(daysBefore) || daysBefore < 0 || daysBefore > FUNDING_SHORT_DAYS_BEFORE_MAX) {
    throw new AccountError('check_invalid', `daysBefore must be a whole number of days from 0 to ${FUNDING_SHORT_DAYS_BEFORE_MAX}; got ${daysBefore}.`, { daysBefore })
  }
  if (!isWorkDate(input.payDate) || !isWorkDate(input.asOf)) {
    throw new AccountError('check_invalid', `Pay date "${input.payDate}" and asOf "${input.asOf}" must be dates written YYYY-MM-DD.`, { payDate: input.payDate, asOf: input.asOf })
  }
  const checkOn = addDays(input.payDate, -daysBefore)
  if (input.asOf <= checkOn || input.approvedSheets.length === 0) return undefined
  const approvedFen = sumFen(input.approvedSheets.map((s) => s.netFen))
  const balanceFen = accountBalance(input.openingFen, input.movements, checkOn)
  // What was paid is read only when the balance falls short of the whole: most months it does not (a function, so
  // that a month of 100,000 payments is not gone through for nothing).
  if (balanceFen >= approvedFen) return undefined
  const paidOut = typeof input.paidOut === 'function' ? input.paidOut() : (input.paidOut ?? [])
  const paidFen = sumFen(paidOut.filter((p) => p.valueDate <= checkOn).map((p) => p.amountFen))
  const requiredFen = paidFen >= approvedFen ? ZERO_FEN : subFen(approvedFen, paidFen)
  if (requiredFen === ZERO_FEN || balanceFen >= requiredFen) return undefined
  const shortFen = subFen(requiredFen, balanceFen)
  const sheets = bounded(
    [...input.approvedSheets].sort((a, b) => (a.sheetId < b.sheetId ? -1 : a.sheetId > b.sheetId ? 1 : 0)),
    (s) => ({ sheetId: s.sheetId, netFen: s.netFen, netYuan: formatYuan(s.netFen) }),
  )
  return {
    code: 'FUNDING_SHORT',
    projectId: input.account.projectId,
    evidence: {
      period: input.period,
      payDate: input.payDate,
      checkOn,
      daysBefore,
      accountNo: input.account.accountNo,
      balanceFen,
      balanceYuan: formatYuan(balanceFen),
      requiredFen,
      requiredYuan: formatYuan(requiredFen),
      approvedFen,
      approvedYuan: formatYuan(approvedFen),
      paidBeforeFen: paidFen,
      paidBeforeYuan: formatYuan(paidFen),
      shortFen,
      shortYuan: formatYuan(shortFen),
      sheets: sheets.shown,
      sheetsCount: sheets.count,
    },
  }
}

/** A payout (代发) as the bank's result file reports it, with the account it was debited from. */
export interface DebitedPayout {
  /** The payout line's own id. */
  payoutId: string
  debitAccountNo: string
  /** The debiting bank's 联行号, when the file gives it. */
  debitBankCode?: string
  amountFen: Fen
  valueDate: WorkDate
  bankRef: string
}

/**
 * Why a payout is not from the dedicated account: debited from another account number; from the same number at
 * another bank; before the account was opened (when its opening date is known); or the project has no dedicated
 * account registered at all (neither with the project's bank code when it was created nor since).
 */
export type NotDedicatedReason = 'other_account' | 'other_bank' | 'before_opened' | 'no_dedicated_account'

export interface DedicatedPayouts {
  /** Payouts from the dedicated account: the only ones that count as paid. */
  counted: DebitedPayout[]
  /** One PAYER_NOT_DEDICATED per debit account and reason, in account then reason order. */
  flags: FundingFlag[]
}

function notDedicatedReason(account: DedicatedAccount | undefined, p: DebitedPayout): NotDedicatedReason | undefined {
  if (account === undefined) return 'no_dedicated_account'
  if (!sameAccountNo(account.accountNo, p.debitAccountNo)) return 'other_account'
  if (p.debitBankCode !== undefined && p.debitBankCode !== account.bankCode) return 'other_bank'
  if (account.openedOn !== null && p.valueDate < account.openedOn) return 'before_opened'
  return undefined
}

/**
 * PAYER_NOT_DEDICATED: payouts not debited from the project's dedicated account (Art. 26, 31: wages are paid from it
 * and from nothing else). They do not count as paid, so the workers they went to stay unpaid in reconciliation; the
 * rest are returned as `counted`. Payouts debited from one account for one reason are one flag: a whole batch paid
 * from the wrong account is one fact, with its lines as evidence.
 */
export function dedicatedPayouts(projectId: string, account: DedicatedAccount | undefined, payouts: readonly DebitedPayout[]): DedicatedPayouts {
  const counted: DebitedPayout[] = []
  const groups = new Map<string, { debitAccountNo: string; reason: NotDedicatedReason; payouts: DebitedPayout[] }>()
  for (const p of payouts) {
    const reason = notDedicatedReason(account, p)
    if (reason === undefined) {
      counted.push(p)
      continue
    }
    const debitAccountNo = p.debitAccountNo.replace(/\s+/g, '')
    const key = `${debitAccountNo}\u0000${reason}`
    const group = groups.get(key)
    if (group) group.payouts.push(p)
    else groups.set(key, { debitAccountNo, reason, payouts: [p] })
  }
  const byMoneyOrder = (a: DebitedPayout, b: DebitedPayout): number =>
    a.valueDate < b.valueDate ? -1 : a.valueDate > b.valueDate ? 1 : a.payoutId < b.payoutId ? -1 : a.payoutId > b.payoutId ? 1 : 0
  const flags = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]): FundingFlag => {
      const lines = bounded([...g.payouts].sort(byMoneyOrder), (p) => ({
        payoutId: p.payoutId,
        bankRef: p.bankRef,
        valueDate: p.valueDate,
        amountFen: p.amountFen,
        amountYuan: formatYuan(p.amountFen),
        ...(p.debitBankCode === undefined ? {} : { debitBankCode: p.debitBankCode }),
      }))
      const totalFen = sumFen(g.payouts.map((p) => p.amountFen))
      return {
        code: 'PAYER_NOT_DEDICATED',
        projectId,
        debitAccountNo: g.debitAccountNo,
        scope: payerScope(g.debitAccountNo, g.reason),
        evidence: {
          reason: g.reason,
          debitAccount: maskCard(g.debitAccountNo),
          ...(account === undefined ? {} : { dedicatedAccountNo: account.accountNo, dedicatedBankCode: account.bankCode, openedOn: account.openedOn }),
          payouts: lines.shown,
          payoutsCount: lines.count,
          totalFen,
          totalYuan: formatYuan(totalFen),
        },
      }
    })
  return { counted, flags }
}
