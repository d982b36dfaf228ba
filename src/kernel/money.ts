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

/** Largest amount we accept in one figure: well above any wage, far below 2^53 fen. */
export const FEN_MAX = 1_000_000_000_000 // ¥10 billion

export function fen(n: number): Fen {
  if (!Number.isSafeInteger(n)) throw new RangeError(`fen must be a whole number, got ${n}`)
  if (Math.abs(n) > FEN_MAX) throw new RangeError(`fen out of range: ${n}`)
  return n as Fen
}

export const ZERO_FEN = fen(0)

/** Yuan with at most two decimals, optional sign, no exponent, no thousands separators. */
const YUAN_TEXT = /^-?(0|[1-9]\d{0,11})(\.\d{1,2})?$/

/** Parses "1234.50" (yuan) into fen. Returns undefined for anything that is not plainly an amount. */
export function parseYuan(text: string): Fen | undefined {
  const s = text.trim()
  if (!YUAN_TEXT.test(s)) return undefined
  return fen(new Money(s).times(100).toNumber())
}

/** Formats fen as yuan with exactly two decimals: 123450 → "1234.50". */
export function formatYuan(amount: Fen): string {
  return new Money(amount).dividedBy(100).toFixed(2)
}

export function addFen(a: Fen, b: Fen): Fen {
  return fen(new Money(a).plus(b).toNumber())
}

export function sumFen(amounts: Iterable<Fen>): Fen {
  let total = new Money(0)
  for (const a of amounts) total = total.plus(a)
  return fen(total.toNumber())
}

export function subFen(a: Fen, b: Fen): Fen {
  return fen(new Money(a).minus(b).toNumber())
}

/** rate × quantity, rounded half-up to the fen (quantity may be fractional, e.g. half days). */
export function timesFen(rate: Fen, quantity: MoneyDecimal | number | string): Fen {
  return fen(new Money(rate).times(quantity).toDecimalPlaces(0, Money.ROUND_HALF_UP).toNumber())
}
