/**
 * Money (工资金额). Stored and passed as integer fen (分); decimal strings only
 * where a person or a bank file reads them. Arithmetic goes through `Money`,
 * one configured decimal.js clone, so no amount ever passes through a float.
 */
import { Decimal } from 'decimal.js'

declare const fenBrand: unique symbol
/** An amount in integer fen (1 yuan = 100 fen). */
export type Fen = number & { readonly [fenBrand]: 'Fen' }

/** Rounding is explicit wherever a value is rounded: half-up, as banks and payroll sheets do. */
export const Money = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP })
export type MoneyDecimal = InstanceType<typeof Money>

/**
 * The range every figure must stay in, a single amount or a total: ¥10 trillion, exact in a double (2^53 ≈ 9.0e15)
 * with room to spare. `fen()` asserts it, so a figure outside it is a bug and throws.
 *
 * Totals do not get a wider type: they cannot overflow because what they add up is bounded where it enters, each
 * amount and count by its own limit far below this range, so a sum is at most a product of limits (合计不溢出). A pay
 * month's payout lines: payout_line_amount_fen_max × payout_lines_per_project_month_max (asserted at load in
 * payouts/reconcile.ts); a file's: the per-line maximum × payout_file_lines_max (payouts/file-format.ts). The input
 * that would break a bound is refused with a reason and kept, so nothing stored can make a later sum throw. Raising a
 * limit means re-checking its product, not widening this range. Pay due is a daily rate × days × workers; the rate
 * is bounded today only by the yuan schema's ten digits, far above any wage, which leaves this range to catch it.
 */
export const FEN_MAX = 1_000_000_000_000_000 // ¥10 trillion

export function fen(n: number): Fen {
  if (!Number.isSafeInteger(n)) throw new RangeError(`fen must be a whole number, got ${n}`)
  if (Math.abs(n) > FEN_MAX) throw new RangeError(`fen out of range: ${n}`)
  return n as Fen
}

export const ZERO_FEN = fen(0)

/** Yuan with at most two decimals, optional sign, no exponent, no thousands separators; 12 digits keep it within FEN_MAX. */
const YUAN_TEXT = /^-?(0|[1-9]\d{0,11})(\.\d{1,2})?$/

/**
 * Parses "1234.50" (yuan) into fen. Returns undefined for anything that is not plainly an amount.
 *
 * Integer arithmetic, not decimal.js (a bank file of 100,000 lines was 100,000 decimals built to be dropped), and
 * exact: YUAN_TEXT admits at most 12 whole digits and 2 decimals, so each digit string is an integer below 10^12,
 * which `Number` reads exactly (every integer below 2^53 ≈ 9.0e15 is a double), and whole × 100 + cents is at most
 * 99,999,999,999,999 < 2^53, each step an integer result within the safe range and so computed exactly. The sign is
 * applied last, as the decimal reading does ("-0.00" is -0 both ways).
 */
export function parseYuan(text: string): Fen | undefined {
  const m = YUAN_TEXT.exec(text.trim())
  if (m === null) return undefined
  const decimals = m[2]
  const cents = decimals === undefined ? 0 : decimals.length === 2 ? Number(decimals[1]) * 10 : Number(decimals.slice(1))
  const amount = Number(m[1]) * 100 + cents
  return fen(m[0].charCodeAt(0) === 0x2d ? -amount : amount)
}

/** Formats fen as yuan with exactly two decimals: 123450 → "1234.50". */
export function formatYuan(amount: Fen): string {
  return new Money(amount).dividedBy(100).toFixed(2)
}

/*
 * Sums and differences of fen are done in plain integer arithmetic, not through `Money` (a month of 100,000 lines is
 * otherwise 100,000 decimals built and dropped per total). Why this is exact: a double holds every integer up to
 * 2^53 − 1, and IEEE addition rounds the exact result to the nearest double, so when both operands are safe integers
 * and the exact result is one too, the computed result is that exact result. When the exact result is not a safe
 * integer (|x| ≥ 2^53), rounding is monotonic and 2^53 is a double, so the computed result is not a safe integer
 * either, and `Number.isSafeInteger` sees it at that very step. Whatever that check does not vouch for (an operand
 * that is not a safe integer, a running total that leaves the safe range) goes the old way, through `Money`, from the
 * exact total so far: results and errors stay exactly what they were, and `fen()` checks FEN_MAX at the end as before.
 */

export function addFen(a: Fen, b: Fen): Fen {
  if (Number.isSafeInteger(a) && Number.isSafeInteger(b)) {
    const total = a + b
    if (Number.isSafeInteger(total)) return fen(total)
  }
  return fen(new Money(a).plus(b).toNumber())
}

export function sumFen(amounts: Iterable<Fen>): Fen {
  let total = 0
  /** Set once the integer total can no longer vouch for itself: the decimal sum picks up from it, `total` being exact. */
  let exact: MoneyDecimal | undefined
  for (const a of amounts) {
    if (exact === undefined) {
      if (Number.isSafeInteger(a)) {
        const sum = total + a
        if (Number.isSafeInteger(sum)) {
          total = sum
          continue
        }
      }
      exact = new Money(total)
    }
    exact = exact.plus(a)
  }
  return fen(exact === undefined ? total : exact.toNumber())
}

export function subFen(a: Fen, b: Fen): Fen {
  if (Number.isSafeInteger(a) && Number.isSafeInteger(b)) {
    const difference = a - b
    if (Number.isSafeInteger(difference)) return fen(difference)
  }
  return fen(new Money(a).minus(b).toNumber())
}

/** rate × quantity, rounded half-up to the fen (quantity may be fractional, e.g. half days). */
export function timesFen(rate: Fen, quantity: MoneyDecimal | number | string): Fen {
  return fen(new Money(rate).times(quantity).toDecimalPlaces(0, Money.ROUND_HALF_UP).toNumber())
}
