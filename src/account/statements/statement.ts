/**
 * What every statement parser returns: the account the statement is of, its lines as `AccountMovement`s (with the
 * entry or line they came from, their currency and the end-to-end id when the bank gives it back), the opening and
 * closing balances where the statement states them, and every fault found. A parser never throws on a bad file and
 * never stops at the first fault: the caller refuses the file whole with all of them (all-or-nothing).
 *
 * Parsers are pure: bytes or text in, this out. Amounts are read from decimal strings straight into fen with
 * decimal.js (kernel/money), never through a float.
 */
import { FEN_MAX, Money, fen, type Fen } from '../../kernel/money.ts'
import { isWorkDate, workDateOf, type WorkDate } from '../../kernel/time.ts'
import type { AccountMovement } from '../funding.ts'

/** A statement file: a province's monthly statement of a busy account is a few thousand lines, as a payout file. */
export const STATEMENT_BYTES_MAX = 10 * 1024 * 1024
/** Lines (entries, or entry details) one statement may hold. */
export const STATEMENT_LINES_MAX = 50_000
/**
 * One line's amount: ¥100,000,000.00. A month's labour-cost funding of the largest site stays below it; with
 * STATEMENT_LINES_MAX lines a statement's sum stays far inside FEN_MAX (kernel/money).
 */
export const STATEMENT_LINE_AMOUNT_FEN_MAX = 10_000_000_000
/** Faults listed for one refused statement. */
export const STATEMENT_ERRORS_MAX = 1_000

/** One line of a statement, as read: a movement and where it came from. */
export interface StatementLine extends AccountMovement {
  /** camt: the entry's position (1-based, Ntry in document order); CSV: the file's line number. */
  entry: number
  /** ISO 4217 code the amount is in (the CSV profile's 人民币 reads as CNY). */
  currency: string
  /** The EndToEndId given back by the bank (Refs/EndToEndId), when it is not NOTPROVIDED. */
  endToEndId?: string
}

export interface StatementBalance {
  /** OPBD / CLBD (camt), or the first line's balance before it and the last line's after it (CSV). */
  kind: 'opening' | 'closing'
  /** Signed: a debit balance (DBIT) is negative. */
  amountFen: Fen
  currency: string
  date?: WorkDate
  /**
   * An opening balance: the first booking date of the report it opens (camt: its Stmt; CSV: the file), when the report
   * has lines. The ledger is compared just before it, whichever day the bank dated the balance.
   */
  firstBookedOn?: WorkDate
}

export type StatementFormat = 'camt.053' | 'camt.054' | 'csv'

export interface ParsedStatement {
  format: StatementFormat
  /** The message version or profile: 'camt.053.001.02', 'camt.054.001.08', 'csv:cn-generic'. */
  variant: string
  /** The account the statement is of: IBAN or Othr/Id (camt), the 账号 of the preamble (CSV); digits as written, spaces removed. */
  accountNo: string
  /** Acct/Ccy (camt) or 币种 (CSV), when stated. */
  accountCurrency?: string
  balances: StatementBalance[]
  lines: StatementLine[]
  /** Entries read but not booked (Sts PDNG, INFO): not movements of the account yet. */
  notBooked: number
}

/** One fault: where (entry or line, 0 for the file as a whole), which field, and what is wrong, in words a clerk can act on. */
export interface StatementFault {
  entry: number
  field: string
  message: string
}

export interface StatementParse {
  /** What could be read (undefined when not even the account could be); never to be stored while `errors` is not empty. */
  statement?: ParsedStatement
  errors: StatementFault[]
}

const DECIMAL_TEXT = /^(\d{1,16})(?:\.(\d+))?$/

/**
 * A decimal string (ISO 20022 ActiveOrHistoricCurrencyAndAmount, or a CSV amount) to fen, exactly, up to `maxFen`
 * (`above` says what that ceiling is, for the reason). More than two decimals are refused unless the extra ones are
 * zeros ("8.850" is 885 fen; "8.855" is no amount in fen). Returns a reason when it is not an amount.
 */
export function decimalTextToFen(text: string, maxFen: number, above: string): { fen: Fen } | { reason: string } {
  const s = text.trim()
  const m = DECIMAL_TEXT.exec(s)
  if (!m) return { reason: `"${s}" is not an amount written as digits with an optional decimal point` }
  const decimals = m[2] ?? ''
  if (decimals.length > 2 && !/^0+$/.test(decimals.slice(2))) return { reason: `"${s}" has more than two decimals, which is no whole number of fen` }
  const value = new Money(s).times(100)
  if (!value.isInteger()) return { reason: `"${s}" is no whole number of fen` }
  if (value.gt(maxFen)) return { reason: `"${s}" is above ${above} (${maxFen / 100} yuan)` }
  return { fen: fen(value.toNumber()) }
}

/** One statement line's amount to fen: `decimalTextToFen` within the ceiling of one line. */
export const decimalToFen = (text: string): { fen: Fen } | { reason: string } =>
  decimalTextToFen(text, STATEMENT_LINE_AMOUNT_FEN_MAX, 'the largest line a statement may carry')

/** A balance or a sum of lines (OPBD, CLBD, TxsSummry, a 余额 column) to fen: bounded by the ledger's range, not a line's. */
export const decimalSumToFen = (text: string): { fen: Fen } | { reason: string } => decimalTextToFen(text, FEN_MAX, 'the largest sum the ledger holds')

/** A date as banks write it: YYYY-MM-DD, YYYYMMDD, YYYY/MM/DD, an xs:date with a zone, or the date part of an ISO date-time. */
export function readDate(text: string): WorkDate | undefined {
  const s = text.trim()
  // xs:date may carry a zone (2026-03-02+08:00, 2026-03-02Z): the date is as written.
  const m = /^(\d{4})[-/]?(\d{2})[-/]?(\d{2})(?:$|[T ]|Z$|[+-]\d{2}:\d{2}$)/.exec(s)
  if (!m) return undefined
  const d = `${m[1]}-${m[2]}-${m[3]}`
  return isWorkDate(d) ? d : undefined
}

/**
 * An ISO date-time's date (camt's DtTm): one with an offset or Z is an instant, dated in `timeZone`
 * (2026-03-31T17:00:00Z is 1 April in Shanghai); one without is local time, its date part as written.
 */
export function readDateTimeDate(text: string, timeZone: string): WorkDate | undefined {
  const s = text.trim()
  const written = readDate(s)
  if (written === undefined || !/(?:Z|[+-]\d{2}:?\d{2})$/i.test(s)) return written
  const ms = Date.parse(s)
  return Number.isFinite(ms) ? workDateOf(ms, timeZone) : undefined
}

/** Account numbers as statements print them, grouped with spaces or dashes: the number is what is left. */
export const accountDigits = (text: string): string => text.replace(/[\s-]+/g, '')
