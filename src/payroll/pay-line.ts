/**
 * A pay line (工资支付表的一行): what one worker is paid for a month, from the terms spans of `terms.ts`, the
 * additions and the deductions. Payable (应发) is itemised — base pay per terms span, piece pay per item kind and span,
 * other additions with their reason — then deductions and withholdings (扣款与代扣) are applied in the order given, and
 * net (实发) is what is left.
 *
 * Rounding (取整) happens once per item line, half up, to the fen; totals are sums of rounded lines and are never
 * rounded themselves, so the sheet, the bank instruction's control sum and the lines always agree.
 *
 * Deductions never take the net below zero (条例 does not let a deduction turn wages into a debt): the part of a
 * deduction that does not fit is reported on that deduction as `unappliedFen` for a person to settle, never dropped.
 */
import { LIMITS } from '../config/limits.ts'
import { Money, fen, sumFen, timesFen, type Fen } from '../kernel/money.ts'
import type { Month, WorkDate } from '../kernel/time.ts'
import { dueFor } from './rules.ts'
import {
  splitMonth,
  sumQuantities,
  TermsError,
  type AttendanceDay,
  type PieceQuantity,
  type TermsSpan,
  type TermsVersion,
  type WageTermsKind,
} from './terms.ts'

/** Base pay of one terms span (基本工资): daily, hourly or monthly terms over the span's dates. */
export interface BasePayItem {
  kind: 'base'
  termsKind: Exclude<WageTermsKind, 'piece'>
  versionIds: string[]
  from: WorkDate
  to: WorkDate
  /** The rate of the terms: per day, per hour or per month. */
  rateFen: Fen
  /** Days credited in the span, in halves (daily and monthly terms pay on them). */
  creditHalves: number
  /** Worked minutes in the span (hourly terms pay on them). */
  workedMinutes: number
  /**
   * Monthly terms only: the month's expected days and the halves paid, which stop at the expected days (满勤即足额).
   * Halves credited beyond them are `cappedHalves`: the monthly wage is the most a month pays; overtime is not
   * modelled in this slice.
   */
  expectedDays?: number
  paidHalves?: number
  cappedHalves?: number
  amountFen: Fen
}

/** Piece pay (计件工资) of one item kind within one terms span: unit price × confirmed quantity. */
export interface PiecePayItem {
  kind: 'piece'
  versionIds: string[]
  from: WorkDate
  to: WorkDate
  itemKind: string
  unitPriceFen: Fen
  /** The confirmed quantity, exact decimal text. */
  quantity: string
  quantityIds: string[]
  amountFen: Fen
}

/** Any other addition to pay (其他应发), e.g. a bonus or an allowance, with its reason. */
export interface Addition {
  reason: string
  amountFen: Fen
}

export interface AdditionItem extends Addition {
  kind: 'addition'
}

export type PayableItem = BasePayItem | PiecePayItem | AdditionItem

/** Why an amount is taken off the pay: 已预支, 个人社保, 个税, 其他. */
export type DeductionReason = 'advance' | 'social_insurance' | 'income_tax' | 'other'
export const DEDUCTION_REASONS = ['advance', 'social_insurance', 'income_tax', 'other'] as const satisfies readonly DeductionReason[]

/** A deduction or withholding (扣款 / 代扣), in the order it is to be applied. */
export interface Deduction {
  reason: DeductionReason
  /** Free text saying what it is; required when the reason is `other`. */
  note?: string
  amountFen: Fen
}

export interface AppliedDeduction extends Deduction {
  /** The part taken off this line's pay. */
  appliedFen: Fen
  /** The part that did not fit because the net would go below zero: to settle by a person, never dropped. */
  unappliedFen: Fen
}

export interface PayLineInput {
  workerId: string
  enrolmentId: string
  period: Month
  versions: readonly TermsVersion[]
  days: readonly AttendanceDay[]
  pieceQuantities?: readonly PieceQuantity[]
  additions?: readonly Addition[]
  deductions?: readonly Deduction[]
}

export interface PayLine {
  workerId: string
  enrolmentId: string
  period: Month
  /** Days credited in the month, in halves, and worked minutes: the sheet's 出勤 columns. */
  creditHalves: number
  workedMinutes: number
  payable: PayableItem[]
  /** 应发合计: the sum of the payable items. */
  payableFen: Fen
  deductions: AppliedDeduction[]
  /** 扣款合计: the sum of the applied parts of the deductions. */
  deductedFen: Fen
  /** The sum of the parts that did not fit. */
  unappliedFen: Fen
  /** 实发: payable − deducted, never below zero. */
  netFen: Fen
  /** Piece quantities the worker has not confirmed: not paid on this line, shown so nobody loses them. */
  heldPieceQuantities: PieceQuantity[]
}

/** amount × numerator ÷ denominator, rounded once, half up, to the fen. Multiplying first keeps the only inexact step the division. */
function mulDivFen(amountFen: Fen, numerator: number, denominator: number): Fen {
  return fen(new Money(amountFen).times(numerator).div(denominator).toDecimalPlaces(0, Money.ROUND_HALF_UP).toNumber())
}

function isAmountFen(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0
}

function validateAdditions(additions: readonly Addition[]): void {
  for (const a of additions) {
    if (a.reason.trim() === '') throw new TermsError('pay_item_invalid', 'An addition to pay needs a reason.', { addition: a })
    if (!isAmountFen(a.amountFen)) throw new TermsError('pay_item_invalid', `Addition "${a.reason}": the amount must be a whole number of fen, zero or more (a deduction is its own line); got ${a.amountFen}.`, { addition: a })
  }
}

function validateDeductions(deductions: readonly Deduction[]): void {
  for (const d of deductions) {
    if (!(DEDUCTION_REASONS as readonly string[]).includes(d.reason)) throw new TermsError('pay_item_invalid', `Unknown deduction reason "${d.reason}".`, { deduction: d })
    if (d.reason === 'other' && (d.note ?? '').trim() === '') throw new TermsError('pay_item_invalid', 'A deduction for another reason needs a note saying what it is.', { deduction: d })
    if (!isAmountFen(d.amountFen)) throw new TermsError('pay_item_invalid', `Deduction ${d.reason}: the amount must be a whole number of fen, zero or more; got ${d.amountFen}.`, { deduction: d })
  }
}

/**
 * Halves paid per monthly span: a month pays at most its expected days across its spans, and when the days credited
 * are more than that, the cap is filled from the best-paid span first (ties: the earlier first). Filling it in date
 * order made pay fall as days rose: two more days at the old wage before a mid-month rise pushed two days at the new
 * wage out of the cap. Best-paid first, a day more anywhere never pays less.
 */
function monthlyPaidHalves(spans: readonly TermsSpan[]): Map<number, number> {
  const monthly = spans.flatMap((s, i) => (s.terms.kind === 'monthly' ? [{ i, wage: s.terms.monthlyWageFen, expectedHalves: s.terms.expectedDays * 2, creditHalves: s.creditHalves }] : []))
  // Wage per half-day compared exactly: a/b > c/d as a·d > c·b.
  monthly.sort((a, b) => b.wage * a.expectedHalves - a.wage * b.expectedHalves || a.i - b.i)
  const paid = new Map<number, number>()
  let paidSoFar = 0
  for (const m of monthly) {
    const halves = Math.max(0, Math.min(m.creditHalves, m.expectedHalves - paidSoFar))
    paidSoFar += halves
    paid.set(m.i, halves)
  }
  return paid
}

/** The payable items of the spans, in date order; monthly spans share the month's expected days, best-paid first. */
export function spanItems(spans: readonly TermsSpan[]): Array<BasePayItem | PiecePayItem> {
  const items: Array<BasePayItem | PiecePayItem> = []
  const monthlyPaid = monthlyPaidHalves(spans)
  for (const [index, s] of spans.entries()) {
    const common = { versionIds: [...s.versionIds], from: s.from, to: s.to }
    const base = { kind: 'base' as const, ...common, creditHalves: s.creditHalves, workedMinutes: s.workedMinutes }
    const t = s.terms
    switch (t.kind) {
      case 'daily':
        items.push({ ...base, termsKind: 'daily', rateFen: t.dailyRateFen, amountFen: dueFor(t.dailyRateFen, s.creditHalves) })
        break
      case 'hourly':
        items.push({ ...base, termsKind: 'hourly', rateFen: t.hourlyRateFen, amountFen: mulDivFen(t.hourlyRateFen, s.workedMinutes, 60) })
        break
      case 'monthly': {
        const expectedHalves = t.expectedDays * 2
        const paidHalves = monthlyPaid.get(index) ?? 0
        items.push({
          ...base,
          termsKind: 'monthly',
          rateFen: t.monthlyWageFen,
          expectedDays: t.expectedDays,
          paidHalves,
          cappedHalves: s.creditHalves - paidHalves,
          amountFen: mulDivFen(t.monthlyWageFen, paidHalves, expectedHalves),
        })
        break
      }
      case 'piece':
        for (const rate of t.rates) {
          const lines = s.pieceQuantities.filter((q) => q.itemKind === rate.itemKind)
          if (lines.length === 0) continue
          const quantity = sumQuantities(lines)
          // A typo of a few digits in a quantity prices beyond what one bank line carries (and, further, beyond the
          // ledger's range): refused naming the item, as a term that cannot price the month.
          if (new Money(rate.unitPriceFen).times(quantity).greaterThan(LIMITS.payout_line_amount_fen_max)) {
            throw new TermsError('pay_item_invalid', `Piece item "${rate.itemKind}": ${quantity.toString()} at ${rate.unitPriceFen} fen comes to more than one bank line can carry (${LIMITS.payout_line_amount_fen_max} fen); check the quantities.`, {
              itemKind: rate.itemKind,
              quantity: quantity.toString(),
              unitPriceFen: rate.unitPriceFen,
            })
          }
          items.push({
            kind: 'piece',
            ...common,
            itemKind: rate.itemKind,
            unitPriceFen: rate.unitPriceFen,
            quantity,
            quantityIds: lines.map((q) => q.id),
            amountFen: timesFen(rate.unitPriceFen, quantity),
          })
        }
        break
    }
  }
  return items
}

/** Applies deductions in the order given: each takes what is left of the pay, never more. */
export function applyDeductions(payableFen: Fen, deductions: readonly Deduction[]): AppliedDeduction[] {
  let left = new Money(payableFen)
  return deductions.map((d) => {
    const applied = Money.min(left, d.amountFen)
    left = left.minus(applied)
    return { ...d, appliedFen: fen(applied.toNumber()), unappliedFen: fen(new Money(d.amountFen).minus(applied).toNumber()) }
  })
}

/** Makes one worker's pay line for a month. Throws `TermsError` on inputs that cannot be priced. */
export function payLine(input: PayLineInput): PayLine {
  const additions = input.additions ?? []
  const deductions = input.deductions ?? []
  validateAdditions(additions)
  validateDeductions(deductions)
  const split = splitMonth(input.period, input.versions, input.days, input.pieceQuantities ?? [])

  const payable: PayableItem[] = [...spanItems(split.spans), ...additions.map((a) => ({ kind: 'addition' as const, reason: a.reason, amountFen: a.amountFen }))]
  const payableFen = sumFen(payable.map((i) => i.amountFen))
  const applied = applyDeductions(payableFen, deductions)
  const deductedFen = sumFen(applied.map((d) => d.appliedFen))
  return {
    workerId: input.workerId,
    enrolmentId: input.enrolmentId,
    period: input.period,
    creditHalves: split.spans.reduce((n, s) => n + s.creditHalves, 0),
    workedMinutes: split.spans.reduce((n, s) => n + s.workedMinutes, 0),
    payable,
    payableFen,
    deductions: applied,
    deductedFen,
    unappliedFen: sumFen(applied.map((d) => d.unappliedFen)),
    netFen: fen(new Money(payableFen).minus(deductedFen).toNumber()),
    heldPieceQuantities: split.heldPieceQuantities,
  }
}

export interface SheetTotals {
  lineCount: number
  payableFen: Fen
  deductedFen: Fen
  unappliedFen: Fen
  netFen: Fen
}

/** A sheet's totals (合计): sums of the lines' own figures, with no rounding of their own. */
export function sheetTotals(lines: readonly PayLine[]): SheetTotals {
  return {
    lineCount: lines.length,
    payableFen: sumFen(lines.map((l) => l.payableFen)),
    deductedFen: sumFen(lines.map((l) => l.deductedFen)),
    unappliedFen: sumFen(lines.map((l) => l.unappliedFen)),
    netFen: sumFen(lines.map((l) => l.netFen)),
  }
}
