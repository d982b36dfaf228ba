/**
 * Properties of sheet lines over generated months: terms versions of every kind taking effect in the month before or
 * inside it, any attendance, adjustments to the month before (adding or taking back), additions and deductions.
 */
import fc from 'fast-check'
import t from 'tap'
import { holds } from '../helpers/property.ts'
import { fen, Money, type Fen } from '../../src/kernel/money.ts'
import { addDays, datesOfMonth } from '../../src/kernel/time.ts'
import { DEDUCTION_REASONS, payLine, type Deduction } from '../../src/payroll/pay-line.ts'
import { makeSheetLine, sheetLineTotals, type CarriedAdjustment, type SheetLine, type SheetLineInput } from '../../src/payroll/sheet-rules.ts'
import type { AttendanceDay, TermsVersion, WageTerms } from '../../src/payroll/terms.ts'

const MONTH = '2026-03'
const DATES = datesOfMonth(MONTH)
const BEFORE = datesOfMonth('2026-02')

const amount = (max: number): fc.Arbitrary<Fen> => fc.integer({ min: 0, max }).map(fen)

const termsArb: fc.Arbitrary<WageTerms> = fc.oneof(
  amount(100_000).map((r): WageTerms => ({ kind: 'daily', dailyRateFen: r })),
  amount(20_000).map((r): WageTerms => ({ kind: 'hourly', hourlyRateFen: r })),
  fc.tuple(amount(3_000_000), fc.integer({ min: 20, max: 26 })).map(([w, d]): WageTerms => ({ kind: 'monthly', monthlyWageFen: w, expectedDays: d })),
  fc.constant<WageTerms>({ kind: 'piece', rates: [] }),
)

/** A first version on 2026-02-01 (so every adjusted day is covered), then up to three more on distinct later dates. */
const versionsArb: fc.Arbitrary<TermsVersion[]> = fc
  .tuple(termsArb, fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 58 }), termsArb), { maxLength: 3, selector: ([o]) => o }))
  .map(([first, later]) => [
    { id: 'v0', enrolmentId: 'e1', effectiveFrom: BEFORE[0]!, terms: first },
    ...later.map(([o, terms], i) => ({ id: `v${i + 1}`, enrolmentId: 'e1', effectiveFrom: addDays(BEFORE[0]!, o), terms })),
  ])
  // One month holds one figure of expected days: every monthly version states the first one's.
  .map((vs) => {
    const first = vs.find((v) => v.terms.kind === 'monthly')
    return vs.map((v) => (v.terms.kind === 'monthly' && first?.terms.kind === 'monthly' ? { ...v, terms: { ...v.terms, expectedDays: first.terms.expectedDays } } : v))
  })

const daysArb: fc.Arbitrary<AttendanceDay[]> = fc
  .array(fc.option(fc.record({ creditHalves: fc.integer({ min: 0, max: 2 }), workedMinutes: fc.integer({ min: 0, max: 900 }) }), { freq: 3 }), { minLength: DATES.length, maxLength: DATES.length })
  .map((ds) => ds.flatMap((d, i) => (d ? [{ workDate: DATES[i]!, ...d }] : [])))

const adjustmentsArb: fc.Arbitrary<CarriedAdjustment[]> = fc.array(
  fc.record({ day: fc.integer({ min: 0, max: BEFORE.length - 1 }), deltaHalves: fc.integer({ min: -2, max: 2 }), deltaMinutes: fc.integer({ min: -900, max: 900 }) }),
  { maxLength: 6 },
).map((as) => as.map((a, i) => ({ id: `adj${i}`, workDate: BEFORE[a.day]!, deltaHalves: a.deltaHalves, deltaMinutes: a.deltaMinutes, cause: 'correction' })))

const deductionsArb: fc.Arbitrary<Deduction[]> = fc.array(
  fc.record({ reason: fc.constantFrom(...DEDUCTION_REASONS), amountFen: amount(3_000_000) }).map((d): Deduction => (d.reason === 'other' ? { ...d, note: '罚款' } : d)),
  { maxLength: 4 },
)

const inputArb: fc.Arbitrary<SheetLineInput> = fc
  .record({ versions: versionsArb, days: daysArb, adjustments: adjustmentsArb, additions: fc.array(fc.record({ reason: fc.constant('补贴'), amountFen: amount(100_000) }), { maxLength: 2 }), deductions: deductionsArb })
  .map((r): SheetLineInput => ({ workerId: 'w1', enrolmentId: 'e1', period: MONTH, ...r }))

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => new Money(a).plus(b).toNumber(), 0)

function lineHolds(l: SheetLine): boolean {
  return (
    l.payableFen === sum(l.payable.map((i) => i.amountFen)) &&
    l.payable.every((i) => i.amountFen >= 0) &&
    l.deductedFen === sum(l.deductions.map((d) => d.appliedFen)) &&
    l.deductions.every((d) => d.appliedFen >= 0 && d.unappliedFen >= 0 && d.appliedFen + d.unappliedFen === d.amountFen) &&
    l.netFen === l.payableFen - l.deductedFen &&
    l.netFen >= 0 &&
    l.unappliedFen === sum(l.deductions.map((d) => d.unappliedFen))
  )
}

t.test('each line: net = payable − applied deductions ≥ 0, every deduction applied or reported as unapplied', async (t) => {
  holds(t, 'line arithmetic', fc.property(inputArb, (input) => lineHolds(makeSheetLine(input))), { numRuns: 300 })
})

t.test('the sheet: its totals are the sums of its lines', async (t) => {
  holds(
    t,
    'totals = sums of lines',
    fc.property(fc.array(inputArb, { minLength: 0, maxLength: 8 }), (inputs) => {
      const lines = inputs.map(makeSheetLine)
      const totals = sheetLineTotals(lines)
      return (
        totals.workerCount === lines.length &&
        totals.payableFen === sum(lines.map((l) => l.payableFen)) &&
        totals.deductedFen === sum(lines.map((l) => l.deductedFen)) &&
        totals.netFen === sum(lines.map((l) => l.netFen)) &&
        totals.netFen === totals.payableFen - totals.deductedFen &&
        totals.unappliedFen === sum(lines.map((l) => l.unappliedFen))
      )
    }),
    { numRuns: 100 },
  )
})

t.test('an adjustment is priced at the terms of its own date: versions taking effect later change nothing of it', async (t) => {
  holds(
    t,
    'later versions do not reprice an adjustment',
    fc.property(inputArb, termsArb, (input, newTerms) => {
      const a = makeSheetLine(input)
      // A rise (or any change) from the first of the pay month, after every adjusted day.
      const versions = [...input.versions.filter((v) => v.effectiveFrom < MONTH), { id: 'rise', enrolmentId: 'e1', effectiveFrom: DATES[0]!, terms: newTerms }]
      const b = makeSheetLine({ ...input, versions, days: [] })
      return JSON.stringify(a.adjustments) === JSON.stringify(b.adjustments)
    }),
    { numRuns: 200 },
  )
})

/** February's days as credited before the adjustments: any attendance. */
const februaryArb: fc.Arbitrary<AttendanceDay[]> = fc
  .array(fc.option(fc.record({ creditHalves: fc.integer({ min: 0, max: 2 }), workedMinutes: fc.integer({ min: 0, max: 900 }) }), { freq: 4 }), { minLength: BEFORE.length, maxLength: BEFORE.length })
  .map((ds) => ds.flatMap((d, i) => (d ? [{ workDate: BEFORE[i]!, ...d }] : [])))

/** February's base pay under its monthly terms, capped, as February's own line computes it. */
function februaryMonthlyFen(versions: readonly TermsVersion[], days: readonly AttendanceDay[]): number {
  const line = payLine({ workerId: 'w1', enrolmentId: 'e1', period: '2026-02', versions, days })
  return sum(line.payable.flatMap((i) => (i.kind === 'base' && i.termsKind === 'monthly' ? [i.amountFen] : [])))
}

t.test("under monthly terms, a month's adjustments add up to exactly the change of its capped pay", async (t) => {
  holds(
    t,
    'Σ monthly adjustments = capped pay after − before',
    fc.property(inputArb, februaryArb, (input, credited) => {
      const line = makeSheetLine({ ...input, adjustedMonths: new Map([['2026-02', credited]]) })
      // The days after the adjustments, each applied to the day as it then stood (between nothing and a full day).
      const after = new Map(credited.map((d) => [d.workDate, d]))
      for (const a of input.adjustments ?? []) {
        const d = after.get(a.workDate) ?? { workDate: a.workDate, creditHalves: 0, workedMinutes: 0 }
        after.set(a.workDate, { workDate: a.workDate, creditHalves: Math.min(2, Math.max(0, d.creditHalves + a.deltaHalves)), workedMinutes: Math.max(0, d.workedMinutes + a.deltaMinutes) })
      }
      const monthly = line.adjustments.filter((a) => a.termsKind === 'monthly')
      return sum(monthly.map((a) => a.amountFen)) === februaryMonthlyFen(input.versions, [...after.values()]) - februaryMonthlyFen(input.versions, credited)
    }),
    { numRuns: 300 },
  )
})
