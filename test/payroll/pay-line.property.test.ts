/**
 * Properties of pay lines over generated months: any mix of terms versions (daily, hourly, monthly, piece) taking
 * effect before or inside the month, any attendance, confirmed and unconfirmed piece quantities, additions and
 * deductions of any size.
 */
import fc from 'fast-check'
import t from 'tap'
import { holds } from '../helpers/property.ts'
import { fen, Money, type Fen } from '../../src/kernel/money.ts'
import { addDays, datesOfMonth, type WorkDate } from '../../src/kernel/time.ts'
import { DEDUCTION_REASONS, payLine, sheetTotals, type Addition, type Deduction, type PayLine, type PayLineInput } from '../../src/payroll/pay-line.ts'
import { orderedVersions, versionOn, type AttendanceDay, type PieceQuantity, type TermsVersion, type WageTerms } from '../../src/payroll/terms.ts'

const MONTH = '2026-02' // 28 days: a short month makes expected days and the cap meet often
const DATES = datesOfMonth(MONTH)
const ITEM_KINDS = ['砌砖', '抹灰'] as const

const amount = (max: number): fc.Arbitrary<Fen> => fc.integer({ min: 0, max }).map(fen)

const termsArb: fc.Arbitrary<WageTerms> = fc.oneof(
  amount(100_000).map((r): WageTerms => ({ kind: 'daily', dailyRateFen: r })),
  amount(20_000).map((r): WageTerms => ({ kind: 'hourly', hourlyRateFen: r })),
  fc.tuple(amount(3_000_000), fc.integer({ min: 1, max: 31 })).map(([w, d]): WageTerms => ({ kind: 'monthly', monthlyWageFen: w, expectedDays: d })),
  fc.tuple(amount(50_000), amount(50_000)).map(([a, b]): WageTerms => ({ kind: 'piece', rates: [{ itemKind: ITEM_KINDS[0], unitPriceFen: a }, { itemKind: ITEM_KINDS[1], unitPriceFen: b }] })),
)

/** Effective dates from a month before to the month's last day, distinct. */
const effectiveDatesArb = fc.uniqueArray(fc.integer({ min: -31, max: DATES.length - 1 }), { minLength: 1, maxLength: 4 }).map((offsets) => offsets.map((o) => addDays(DATES[0]!, o)))

const versionsArb: fc.Arbitrary<TermsVersion[]> = effectiveDatesArb.chain((dates) =>
  fc.tuple(...dates.map(() => termsArb)).map((terms) => dates.map((effectiveFrom, i) => ({ id: `v${i}`, enrolmentId: 'e1', effectiveFrom, terms: terms[i]! }))),
)

const dayArb = fc.record({ creditHalves: fc.integer({ min: 0, max: 2 }), workedMinutes: fc.integer({ min: 0, max: 900 }) })
const daysArb: fc.Arbitrary<AttendanceDay[]> = fc.array(fc.option(dayArb, { freq: 3 }), { minLength: DATES.length, maxLength: DATES.length }).map((ds) =>
  ds.flatMap((d, i) => (d ? [{ workDate: DATES[i]!, ...d }] : [])),
)

// Six entries of at most 333 at ¥500 stay within what one bank line carries (¥1,000,000): beyond it a month is refused.
const quantityText = fc.tuple(fc.integer({ min: 0, max: 332 }), fc.integer({ min: 0, max: 999 })).map(([i, f]) => (f === 0 ? String(i) : `${i}.${String(f).padStart(3, '0')}`))
const quantitiesArb = fc.array(
  fc.record({ day: fc.integer({ min: 0, max: DATES.length - 1 }), itemKind: fc.constantFrom(...ITEM_KINDS), quantity: quantityText, confirmed: fc.boolean() }),
  { maxLength: 6 },
)

const additionsArb: fc.Arbitrary<Addition[]> = fc.array(fc.record({ reason: fc.constantFrom('加班', '高温补贴', '奖金'), amountFen: amount(500_000) }), { maxLength: 3 })
const deductionsArb: fc.Arbitrary<Deduction[]> = fc.array(
  fc.record({ reason: fc.constantFrom(...DEDUCTION_REASONS), amountFen: amount(3_000_000) }).map((d): Deduction => (d.reason === 'other' ? { ...d, note: '其他扣款' } : d)),
  { maxLength: 5 },
)

/**
 * A month the terms can price: attendance before the first version dropped, piece quantities only on dates under
 * piece terms (other inputs are refused by design, and terms.test.ts covers the refusals).
 */
const inputArb: fc.Arbitrary<PayLineInput> = fc
  .record({ versions: versionsArb, days: daysArb, quantities: quantitiesArb, additions: additionsArb, deductions: deductionsArb, worker: fc.nat(999) })
  .map(({ versions: generated, days, quantities, additions, deductions, worker }) => {
    // One figure of expected days per month (splitMonth refuses two): every monthly version states the first one's.
    const expectedDays = generated.flatMap((v) => (v.terms.kind === 'monthly' ? [v.terms.expectedDays] : []))[0]
    const versions = generated.map((v) => (v.terms.kind === 'monthly' && expectedDays !== undefined ? { ...v, terms: { ...v.terms, expectedDays } } : v))
    const ordered = orderedVersions(versions)
    const first = ordered[0]!.effectiveFrom
    const pieceQuantities: PieceQuantity[] = quantities.flatMap((q, i) => {
      const workDate: WorkDate = DATES[q.day]!
      return versionOn(ordered, workDate)?.terms.kind === 'piece'
        ? [{ id: `q${i}`, enrolmentId: 'e1', itemKind: q.itemKind, quantity: q.quantity, workDate, enteredBy: 'm1', confirmedAtMs: q.confirmed ? 1 : null }]
        : []
    })
    return {
      workerId: `w${worker}`,
      enrolmentId: 'e1',
      period: MONTH,
      versions,
      days: days.filter((d) => d.workDate >= first),
      pieceQuantities,
      additions,
      deductions,
    }
  })

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => new Money(a).plus(b).toNumber(), 0)

function balances(l: PayLine): boolean {
  const items = sum(l.payable.map((i) => i.amountFen))
  const applied = sum(l.deductions.map((d) => d.appliedFen))
  return (
    l.netFen >= 0 &&
    items === l.payableFen &&
    applied === l.deductedFen &&
    items - applied === l.netFen &&
    l.unappliedFen === sum(l.deductions.map((d) => d.unappliedFen)) &&
    l.deductions.every((d) => d.appliedFen >= 0 && d.unappliedFen >= 0 && d.appliedFen + d.unappliedFen === d.amountFen) &&
    // A deduction is left unapplied only once the pay is used up.
    (l.unappliedFen === 0 || l.netFen === 0)
  )
}

t.test('(a) payable items − applied deductions = net, and net ≥ 0', async (t) => {
  holds(t, 'a line balances', fc.property(inputArb, (input) => balances(payLine(input))), { numRuns: 500 })
})

t.test('(b) a sheet total is the sum of its lines, unrounded', async (t) => {
  holds(
    t,
    'sheet totals are sums of lines and of their items',
    fc.property(fc.array(inputArb, { maxLength: 8 }), (inputs) => {
      const lines = inputs.map(payLine)
      const totals = sheetTotals(lines)
      const allItems = lines.flatMap((l) => l.payable.map((i) => i.amountFen))
      const allApplied = lines.flatMap((l) => l.deductions.map((d) => d.appliedFen))
      return (
        totals.lineCount === lines.length &&
        totals.netFen === sum(lines.map((l) => l.netFen)) &&
        totals.payableFen === sum(allItems) &&
        totals.deductedFen === sum(allApplied) &&
        totals.netFen === sum(allItems) - sum(allApplied) &&
        totals.unappliedFen === sum(lines.map((l) => l.unappliedFen))
      )
    }),
    { numRuns: 200 },
  )
})

t.test('(c) a version restating the same terms at any date changes no pay', async (t) => {
  const sameTermsArb = fc.oneof(
    amount(100_000).map((r): WageTerms => ({ kind: 'daily', dailyRateFen: r })),
    amount(20_000).map((r): WageTerms => ({ kind: 'hourly', hourlyRateFen: r })),
    fc.tuple(amount(3_000_000), fc.integer({ min: 1, max: 31 })).map(([w, d]): WageTerms => ({ kind: 'monthly', monthlyWageFen: w, expectedDays: d })),
  )
  const first = addDays(DATES[0]!, -40)
  holds(
    t,
    'two versions of the same daily rate pay as one',
    fc.property(amount(100_000), fc.integer({ min: -39, max: DATES.length + 5 }), daysArb, deductionsArb, (rate, splitOffset, days, deductions) => {
      const terms: WageTerms = { kind: 'daily', dailyRateFen: rate }
      const base = { workerId: 'w1', enrolmentId: 'e1', period: MONTH, days, deductions }
      const one = payLine({ ...base, versions: [{ id: 'v1', enrolmentId: 'e1', effectiveFrom: first, terms }] })
      const two = payLine({
        ...base,
        versions: [
          { id: 'v1', enrolmentId: 'e1', effectiveFrom: first, terms },
          { id: 'v2', enrolmentId: 'e1', effectiveFrom: addDays(DATES[0]!, splitOffset), terms: { ...terms } },
        ],
      })
      return one.payableFen === two.payableFen && one.netFen === two.netFen && one.payable.length === two.payable.length
    }),
    { numRuns: 500 },
  )
  holds(
    t,
    'the same holds for hourly and monthly terms',
    fc.property(sameTermsArb, fc.integer({ min: -39, max: DATES.length + 5 }), daysArb, (terms, splitOffset, days) => {
      const base = { workerId: 'w1', enrolmentId: 'e1', period: MONTH, days }
      const one = payLine({ ...base, versions: [{ id: 'v1', enrolmentId: 'e1', effectiveFrom: first, terms }] })
      const two = payLine({
        ...base,
        versions: [
          { id: 'v1', enrolmentId: 'e1', effectiveFrom: first, terms },
          { id: 'v2', enrolmentId: 'e1', effectiveFrom: addDays(DATES[0]!, splitOffset), terms: { ...terms } },
        ],
      })
      return one.payableFen === two.payableFen
    }),
    { numRuns: 300 },
  )
})

t.test('monthly terms never pay more than the highest monthly wage in force', async (t) => {
  holds(
    t,
    'capped at the monthly wage',
    fc.property(effectiveDatesArb, fc.array(amount(3_000_000), { minLength: 4, maxLength: 4 }), fc.integer({ min: 1, max: 31 }), daysArb, (dates, wages, expectedDays, days) => {
      const versions = dates.map((effectiveFrom, i): TermsVersion => ({ id: `v${i}`, enrolmentId: 'e1', effectiveFrom, terms: { kind: 'monthly', monthlyWageFen: wages[i]!, expectedDays } }))
      const first = orderedVersions(versions)[0]!.effectiveFrom
      const l = payLine({ workerId: 'w1', enrolmentId: 'e1', period: MONTH, versions, days: days.filter((d) => d.workDate >= first) })
      const highest = Math.max(...versions.map((v) => (v.terms.kind === 'monthly' ? v.terms.monthlyWageFen : 0)))
      return l.payableFen <= highest
    }),
    { numRuns: 300 },
  )
})

t.test('(m) a day more never pays less', async (t) => {
  holds(
    t,
    "raising one day's credit (and its minutes) never lowers the payable",
    fc.property(inputArb, fc.nat(DATES.length - 1), (input, at) => {
      const workDate = DATES[at]!
      const first = orderedVersions(input.versions)[0]!.effectiveFrom
      if (workDate < first) return true
      const day = input.days.find((d) => d.workDate === workDate)
      if (day && day.creditHalves === 2) return true
      const better = day ? { ...day, creditHalves: day.creditHalves + 1, workedMinutes: day.workedMinutes + 240 } : { workDate, creditHalves: 1, workedMinutes: 240 }
      const days = [...input.days.filter((d) => d.workDate !== workDate), better].sort((a, b) => (a.workDate < b.workDate ? -1 : 1))
      return payLine({ ...input, days }).payableFen >= payLine(input).payableFen
    }),
    { numRuns: 3_000 },
  )
})
