/**
 * Wage terms (工资标准) as dated versions on an enrolment, and the split of a pay month into the spans each version
 * covers. A version applies from its `effectiveFrom` work date until the day before the next version's: a rise agreed
 * from the 16th applies from the 16th, and the days before it keep the old rate. Versions are never edited; a change
 * is a new version, so a month already paid can always be recomputed from what was in force.
 *
 * Plain data in, plain data out: no database, no clock. The service that reads enrolments, timesheets and the team
 * manager's piece quantities passes them in; a broken input is a `TermsError` with a code and the facts to fix it.
 */
import { Money, type Fen } from '../kernel/money.ts'
import { datesOfMonth, isMonth, isWorkDate, monthOf, type Month, type WorkDate } from '../kernel/time.ts'

/** Daily rate (日工资): paid per day credited, half days at half the rate. */
export interface DailyTerms {
  kind: 'daily'
  dailyRateFen: Fen
}

/** Hourly rate (小时工资): paid per worked minute at rate ÷ 60. */
export interface HourlyTerms {
  kind: 'hourly'
  hourlyRateFen: Fen
}

/**
 * Monthly wage (月工资) with the month's expected days (应出勤天数): paid in full when the days credited reach the
 * expected days, prorated below them. The figure applies to every month the version covers; a month with a different
 * figure is a new version from that month's first day (a month holds one figure: `splitMonth` refuses two).
 */
export interface MonthlyTerms {
  kind: 'monthly'
  monthlyWageFen: Fen
  expectedDays: number
}

/** One item kind's unit price in piece work (计件单价), e.g. "砌砖 m³" at 8500 fen. */
export interface PieceRate {
  itemKind: string
  unitPriceFen: Fen
}

/** Piece work (计件): paid per confirmed quantity of each item kind; attendance does not pay by itself. */
export interface PieceTerms {
  kind: 'piece'
  rates: PieceRate[]
}

export type WageTerms = DailyTerms | HourlyTerms | MonthlyTerms | PieceTerms
export type WageTermsKind = WageTerms['kind']
export const WAGE_TERMS_KINDS = ['daily', 'hourly', 'monthly', 'piece'] as const satisfies readonly WageTermsKind[]

/** A dated version of an enrolment's wage terms (工资标准版本). */
export interface TermsVersion {
  id: string
  enrolmentId: string
  /** The first work date the version applies to; it applies until the next version's `effectiveFrom`. */
  effectiveFrom: WorkDate
  terms: WageTerms
}

/**
 * A quantity of piece work (计件数量), entered by the team manager and confirmed by the worker. Only confirmed
 * quantities are paid; the others are held on the pay line, shown, until the worker answers.
 */
export interface PieceQuantity {
  id: string
  enrolmentId: string
  itemKind: string
  /** Decimal text, at most three decimals (m³, m², pieces): an exact figure, never a float. */
  quantity: string
  /** The work date the quantity is measured on (计量日期); the month's last day when it is entered once a month. */
  workDate: WorkDate
  enteredBy: string
  /** When the worker confirmed it; null while unconfirmed. */
  confirmedAtMs: number | null
}

/** One work date of the timesheet, as it gives them (`WorkerDay`): days credited in halves and worked minutes. */
export interface AttendanceDay {
  workDate: WorkDate
  /** 2 a full day, 1 a half, 0 none. */
  creditHalves: number
  workedMinutes: number
}

/**
 * The dates of a month under one set of terms (计薪区间). Adjacent versions whose terms are equal form one span, so a
 * version that restates the same rate does not split a line and change its rounding.
 */
export interface TermsSpan {
  /** The versions in force over the span, in date order (more than one only when they state equal terms). */
  versionIds: string[]
  terms: WageTerms
  from: WorkDate
  to: WorkDate
  creditHalves: number
  workedMinutes: number
  /** Confirmed piece quantities measured in the span (piece terms only). */
  pieceQuantities: PieceQuantity[]
}

export interface MonthSplit {
  period: Month
  spans: TermsSpan[]
  /** Piece quantities not yet confirmed by the worker: held, not paid, never dropped. */
  heldPieceQuantities: PieceQuantity[]
}

export type TermsErrorCode =
  | 'terms_invalid_date'
  | 'terms_duplicate_effective_date'
  | 'terms_rate_invalid'
  | 'terms_expected_days_invalid'
  | 'terms_expected_days_conflict'
  | 'terms_piece_item_invalid'
  | 'attendance_invalid'
  | 'attendance_without_terms'
  | 'piece_quantity_invalid'
  | 'piece_quantity_outside_piece_terms'
  | 'piece_quantity_unpriced'
  | 'pay_item_invalid'

export class TermsError extends Error {
  constructor(
    readonly code: TermsErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message)
    this.name = 'TermsError'
  }
}

/** Decimal text of a piece quantity: no sign, no exponent, at most three decimals. */
const QUANTITY_TEXT = /^(0|[1-9]\d{0,8})(\.\d{1,3})?$/
/** Expected days in a month cannot exceed the month. */
const EXPECTED_DAYS_MAX = 31

function isAmountFen(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0
}

/** Checks one version's terms; throws the first fault found. */
export function validateTerms(version: TermsVersion): void {
  const { id, terms } = version
  if (!isWorkDate(version.effectiveFrom)) {
    throw new TermsError('terms_invalid_date', `Terms version ${id}: effectiveFrom "${version.effectiveFrom}" is not a date written YYYY-MM-DD.`, { versionId: id })
  }
  const rate = (field: string, value: number): void => {
    if (!isAmountFen(value)) throw new TermsError('terms_rate_invalid', `Terms version ${id}: ${field} must be a whole number of fen, zero or more; got ${value}.`, { versionId: id, field, value })
  }
  switch (terms.kind) {
    case 'daily':
      rate('dailyRateFen', terms.dailyRateFen)
      return
    case 'hourly':
      rate('hourlyRateFen', terms.hourlyRateFen)
      return
    case 'monthly':
      rate('monthlyWageFen', terms.monthlyWageFen)
      if (!Number.isInteger(terms.expectedDays) || terms.expectedDays < 1 || terms.expectedDays > EXPECTED_DAYS_MAX) {
        throw new TermsError('terms_expected_days_invalid', `Terms version ${id}: expectedDays must be a whole number from 1 to ${EXPECTED_DAYS_MAX}; got ${terms.expectedDays}.`, { versionId: id, expectedDays: terms.expectedDays })
      }
      return
    case 'piece': {
      const seen = new Set<string>()
      for (const r of terms.rates) {
        if (r.itemKind.trim() === '' || seen.has(r.itemKind)) {
          throw new TermsError('terms_piece_item_invalid', `Terms version ${id}: each piece item kind must be named, once; "${r.itemKind}" is empty or repeated.`, { versionId: id, itemKind: r.itemKind })
        }
        seen.add(r.itemKind)
        rate(`unitPriceFen of "${r.itemKind}"`, r.unitPriceFen)
      }
      return
    }
  }
}

/**
 * Checks an enrolment's versions and returns them in date order. Two versions from the same date would make the
 * terms of that date ambiguous (the only way versions that run "until the next" can overlap), so both are refused.
 */
export function orderedVersions(versions: readonly TermsVersion[]): TermsVersion[] {
  for (const v of versions) validateTerms(v)
  const sorted = [...versions].sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : a.effectiveFrom > b.effectiveFrom ? 1 : 0))
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!
    const b = sorted[i]!
    if (a.effectiveFrom === b.effectiveFrom) {
      throw new TermsError('terms_duplicate_effective_date', `Terms versions ${a.id} and ${b.id} both take effect on ${a.effectiveFrom}; one date has one set of terms.`, {
        versionIds: [a.id, b.id],
        effectiveFrom: a.effectiveFrom,
      })
    }
  }
  return sorted
}

/** The version in force on a date, or undefined before the first. `ordered` is `orderedVersions`' result. */
export function versionOn(ordered: readonly TermsVersion[], date: WorkDate): TermsVersion | undefined {
  let found: TermsVersion | undefined
  for (const v of ordered) {
    if (v.effectiveFrom <= date) found = v
    else break
  }
  return found
}

/** Equal terms: same kind and the same figures (piece rates compared as a set of item kinds). */
export function sameTerms(a: WageTerms, b: WageTerms): boolean {
  switch (a.kind) {
    case 'daily':
      return b.kind === 'daily' && a.dailyRateFen === b.dailyRateFen
    case 'hourly':
      return b.kind === 'hourly' && a.hourlyRateFen === b.hourlyRateFen
    case 'monthly':
      return b.kind === 'monthly' && a.monthlyWageFen === b.monthlyWageFen && a.expectedDays === b.expectedDays
    case 'piece': {
      if (b.kind !== 'piece' || a.rates.length !== b.rates.length) return false
      const prices = new Map(b.rates.map((r) => [r.itemKind, r.unitPriceFen]))
      return a.rates.every((r) => prices.get(r.itemKind) === r.unitPriceFen)
    }
  }
}

function validateDays(period: Month, days: readonly AttendanceDay[]): Map<WorkDate, AttendanceDay> {
  const byDate = new Map<WorkDate, AttendanceDay>()
  for (const d of days) {
    const fault =
      !isWorkDate(d.workDate) || monthOf(d.workDate) !== period
        ? `is not a date of ${period}`
        : byDate.has(d.workDate)
          ? 'appears twice'
          : !Number.isInteger(d.creditHalves) || d.creditHalves < 0 || d.creditHalves > 2
            ? `credits ${d.creditHalves} halves (0, 1 or 2 allowed)`
            : !Number.isSafeInteger(d.workedMinutes) || d.workedMinutes < 0
              ? `has ${d.workedMinutes} worked minutes (a whole number, zero or more)`
              : undefined
    if (fault) throw new TermsError('attendance_invalid', `Attendance day ${d.workDate} ${fault}.`, { workDate: d.workDate })
    byDate.set(d.workDate, d)
  }
  return byDate
}

function validateQuantity(period: Month, q: PieceQuantity): void {
  if (!QUANTITY_TEXT.test(q.quantity)) {
    throw new TermsError('piece_quantity_invalid', `Piece quantity ${q.id}: "${q.quantity}" is not a plain quantity with at most three decimals.`, { quantityId: q.id })
  }
  if (!isWorkDate(q.workDate) || monthOf(q.workDate) !== period) {
    throw new TermsError('piece_quantity_invalid', `Piece quantity ${q.id}: work date "${q.workDate}" is not a date of ${period}.`, { quantityId: q.id })
  }
}

/**
 * Splits a pay month into the spans each terms version covers, with the attendance and the confirmed piece
 * quantities of each span. Dates before the first version form no span; attendance on them is an error, since a day
 * worked without terms cannot be priced and paying it nothing would hide it.
 */
export function splitMonth(
  period: Month,
  versions: readonly TermsVersion[],
  days: readonly AttendanceDay[],
  pieceQuantities: readonly PieceQuantity[] = [],
): MonthSplit {
  if (!isMonth(period)) throw new TermsError('attendance_invalid', `The pay month "${period}" is not written YYYY-MM.`, { period })
  const ordered = orderedVersions(versions)
  const byDate = validateDays(period, days)

  const spans: TermsSpan[] = []
  const uncovered: WorkDate[] = []
  for (const date of datesOfMonth(period)) {
    const day = byDate.get(date)
    const version = versionOn(ordered, date)
    if (!version) {
      if (day && (day.creditHalves > 0 || day.workedMinutes > 0)) uncovered.push(date)
      continue
    }
    let span = spans.at(-1)
    if (!span || !sameTerms(span.terms, version.terms)) {
      span = { versionIds: [version.id], terms: version.terms, from: date, to: date, creditHalves: 0, workedMinutes: 0, pieceQuantities: [] }
      spans.push(span)
    } else if (span.versionIds.at(-1) !== version.id) {
      span.versionIds.push(version.id)
    }
    span.to = date
    span.creditHalves += day?.creditHalves ?? 0
    span.workedMinutes += day?.workedMinutes ?? 0
  }
  // Expected days belong to the month: two figures in one month would leave its proration (and its cap) ambiguous.
  const expected = new Set(spans.flatMap((s) => (s.terms.kind === 'monthly' ? [s.terms.expectedDays] : [])))
  if (expected.size > 1) {
    throw new TermsError('terms_expected_days_conflict', `The monthly terms in force in ${period} state different expected days (${[...expected].join(', ')}); a change of expected days takes effect on the first of a month.`, {
      period,
      expectedDays: [...expected],
    })
  }
  if (uncovered.length > 0) {
    throw new TermsError('attendance_without_terms', `Attendance on ${uncovered.join(', ')} comes before the first wage terms of the enrolment; add terms that cover it.`, {
      workDates: uncovered,
    })
  }

  const held: PieceQuantity[] = []
  for (const q of [...pieceQuantities].sort((a, b) => (a.workDate < b.workDate ? -1 : a.workDate > b.workDate ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    validateQuantity(period, q)
    if (q.confirmedAtMs === null) {
      held.push(q)
      continue
    }
    const span = spans.find((s) => s.from <= q.workDate && q.workDate <= s.to)
    if (!span || span.terms.kind !== 'piece') {
      throw new TermsError('piece_quantity_outside_piece_terms', `Piece quantity ${q.id} on ${q.workDate} falls on a date whose terms are not piece work.`, { quantityId: q.id, workDate: q.workDate })
    }
    if (!span.terms.rates.some((r) => r.itemKind === q.itemKind)) {
      throw new TermsError('piece_quantity_unpriced', `Piece quantity ${q.id}: item kind "${q.itemKind}" has no unit price in the terms in force on ${q.workDate}.`, {
        quantityId: q.id,
        itemKind: q.itemKind,
      })
    }
    span.pieceQuantities.push(q)
  }
  return { period, spans, heldPieceQuantities: held }
}

/** The sum of piece quantities, exact (decimal text in, decimal text out). */
export function sumQuantities(quantities: readonly PieceQuantity[]): string {
  let total = new Money(0)
  for (const q of quantities) total = total.plus(q.quantity)
  return total.toFixed()
}
