import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { datesOfMonth } from '../../src/kernel/time.ts'
import { dueFor } from '../../src/payroll/rules.ts'
import { applyDeductions, payLine, sheetTotals, type BasePayItem, type Deduction, type PayLineInput, type PiecePayItem } from '../../src/payroll/pay-line.ts'
import { type AttendanceDay, type PieceQuantity, type TermsVersion, type WageTerms } from '../../src/payroll/terms.ts'
import { codeOf, daily, MONTH, version } from './helpers/terms.ts'


/** The given dates (day numbers of the month) worked: full days of 8 hours unless halves/minutes say otherwise. */
function worked(dayNumbers: number[], creditHalves = 2, workedMinutes = 480): AttendanceDay[] {
  const dates = datesOfMonth(MONTH)
  return dayNumbers.map((n) => ({ workDate: dates[n - 1]!, creditHalves, workedMinutes }))
}
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i)

function line(overrides: Partial<PayLineInput>): ReturnType<typeof payLine> {
  return payLine({ workerId: 'w1', enrolmentId: 'e1', period: MONTH, versions: [], days: [], ...overrides })
}

t.test('daily: rate × halves ÷ 2, the rule of dueFor', async (t) => {
  const l = line({ versions: [version('v1', '2026-01-01', daily(35050))], days: [...worked(range(1, 20)), ...worked([21], 1)] })
  t.equal(l.payableFen, 35050 * 20 + 17525)
  t.equal(l.payableFen, dueFor(fen(35050), 41))
  t.equal(l.creditHalves, 41)
  t.equal(l.netFen, l.payableFen)
  t.match(l.payable, [{ kind: 'base', termsKind: 'daily', rateFen: 35050, creditHalves: 41 }])
})

t.test('daily: a half day at an odd rate rounds half up once, on its line', async (t) => {
  const l = line({ versions: [version('v1', '2026-01-01', daily(101))], days: worked([3], 1) })
  t.equal(l.payableFen, 51) // 50.5 fen → 51
})

t.test('a mid-month rise: each span at its own rate, each line rounded on its own', async (t) => {
  const l = line({
    versions: [version('v1', '2026-03-01', daily(30001)), version('v2', '2026-11-16', daily(35001))],
    days: [...worked(range(1, 14)), ...worked([15], 1), ...worked(range(16, 29)), ...worked([30], 1)],
  })
  const items = l.payable as BasePayItem[]
  t.same(
    items.map((i) => [i.versionIds, i.from, i.to, i.creditHalves, i.amountFen]),
    [
      [['v1'], '2026-11-01', '2026-11-15', 29, 435015], // 30001 × 14.5 = 435014.5 → 435015
      [['v2'], '2026-11-16', '2026-11-30', 29, 507515], // 35001 × 14.5 = 507514.5 → 507515
    ],
  )
  t.equal(l.payableFen, 435015 + 507515, 'the total is the sum of rounded lines')
})

t.test('hourly: rate × minutes ÷ 60, half up', async (t) => {
  const l = line({ versions: [version('v1', '2026-01-01', { kind: 'hourly', hourlyRateFen: fen(4500) })], days: [...worked([2], 2, 481), ...worked([3], 2, 7)] })
  t.equal(l.workedMinutes, 488)
  // 4500 × 488 / 60 = 36600
  t.equal(l.payableFen, 36600)
  const odd = line({ versions: [version('v1', '2026-01-01', { kind: 'hourly', hourlyRateFen: fen(1001) })], days: worked([2], 2, 1) })
  t.equal(odd.payableFen, 17) // 1001 / 60 = 16.683… → 17
  const half = line({ versions: [version('v1', '2026-01-01', { kind: 'hourly', hourlyRateFen: fen(3) })], days: worked([2], 2, 10) })
  t.equal(half.payableFen, 1) // 3 × 10 / 60 = 0.5 → 1 (half up, exact: the product is taken before the division)
})

t.test('monthly: prorated below the expected days, full at or above them, never more', async (t) => {
  const monthly = (wage: number, expectedDays: number): TermsVersion[] => [version('v1', '2026-01-01', { kind: 'monthly', monthlyWageFen: fen(wage), expectedDays })]
  const part = line({ versions: monthly(600000, 22), days: [...worked(range(1, 10)), ...worked([11], 1)] })
  // 600000 × 21 halves / 44 halves = 286363.63… → 286364
  t.equal(part.payableFen, 286364)
  t.match(part.payable, [{ termsKind: 'monthly', expectedDays: 22, paidHalves: 21, cappedHalves: 0 }])
  const full = line({ versions: monthly(600000, 22), days: worked(range(1, 22)) })
  t.equal(full.payableFen, 600000)
  const over = line({ versions: monthly(600000, 22), days: worked(range(1, 26)) })
  t.equal(over.payableFen, 600000, 'capped at the monthly wage')
  t.match(over.payable, [{ paidHalves: 44, cappedHalves: 8 }])
  const none = line({ versions: monthly(600000, 22), days: [] })
  t.equal(none.payableFen, 0)
})

t.test('monthly with a rise mid-month: the expected days are filled from the better-paid span first', async (t) => {
  const l = line({
    versions: [
      version('v1', '2026-01-01', { kind: 'monthly', monthlyWageFen: fen(440000), expectedDays: 22 }),
      version('v2', '2026-11-16', { kind: 'monthly', monthlyWageFen: fen(660000), expectedDays: 22 }),
    ],
    days: worked([...range(1, 13), ...range(16, 28)]),
  })
  const items = l.payable as BasePayItem[]
  t.same(
    items.map((i) => [i.paidHalves, i.cappedHalves, i.amountFen]),
    [
      [18, 8, 180000], // 440000 × 18/44: the 9 days left of the 22, the rest capped
      [26, 0, 390000], // 660000 × 26/44: the new wage's days first
    ],
  )
  t.ok(l.payableFen <= 660000)
})

t.test('monthly across a rise: a day more never pays less', async (t) => {
  const versions = [
    version('v1', '2026-01-01', { kind: 'monthly', monthlyWageFen: fen(600000), expectedDays: 22 }),
    version('v2', '2026-11-16', { kind: 'monthly', monthlyWageFen: fen(660000), expectedDays: 22 }),
  ]
  // 11 + 11 days fill the 22 exactly; two more before the rise used to push two days at the new wage out of the cap.
  const even = line({ versions, days: worked([...range(1, 11), ...range(16, 26)]) })
  const more = line({ versions, days: worked([...range(1, 13), ...range(16, 26)]) })
  t.ok(more.payableFen >= even.payableFen, `${more.payableFen} ≥ ${even.payableFen}`)
  t.equal(even.payableFen, 630000)
  t.equal(more.payableFen, 630000, 'the 11 new-wage days stay paid; the extra old-wage days are over the cap')
})

t.test('piece: unit price × confirmed quantity per item kind and span; unconfirmed held', async (t) => {
  const terms = (brick: number): WageTerms => ({ kind: 'piece', rates: [{ itemKind: '砌砖', unitPriceFen: fen(brick) }, { itemKind: '抹灰', unitPriceFen: fen(1250) }] })
  const q = (id: string, workDate: string, itemKind: string, quantity: string, confirmedAtMs: number | null = 1): PieceQuantity => ({ id, enrolmentId: 'e1', itemKind, quantity, workDate, enteredBy: 'm1', confirmedAtMs })
  const l = line({
    versions: [version('v1', '2026-01-01', terms(8500)), version('v2', '2026-11-16', terms(9000))],
    days: worked(range(1, 25)),
    pieceQuantities: [
      q('a', '2026-11-05', '砌砖', '10.5'),
      q('b', '2026-11-12', '砌砖', '2.25'),
      q('c', '2026-11-12', '抹灰', '0.333'),
      q('d', '2026-11-30', '砌砖', '7'),
      q('e', '2026-11-30', '抹灰', '100', null),
    ],
  })
  const items = l.payable as PiecePayItem[]
  t.same(
    items.map((i) => [i.itemKind, i.versionIds, i.quantity, i.quantityIds, i.amountFen]),
    [
      ['砌砖', ['v1'], '12.75', ['a', 'b'], 108375], // 8500 × 12.75
      ['抹灰', ['v1'], '0.333', ['c'], 416], // 1250 × 0.333 = 416.25 → 416
      ['砌砖', ['v2'], '7', ['d'], 63000],
    ],
  )
  t.equal(l.payableFen, 108375 + 416 + 63000)
  t.same(l.heldPieceQuantities.map((h) => h.id), ['e'])
  t.equal(l.creditHalves, 50, 'attendance is still shown on a piece line')
})

t.test('additions are items with their reason', async (t) => {
  const l = line({ versions: [version('v1', '2026-01-01', daily(30000))], days: worked([1, 2]), additions: [{ reason: '高温补贴', amountFen: fen(5000) }] })
  t.equal(l.payableFen, 65000)
  t.match(l.payable[1], { kind: 'addition', reason: '高温补贴', amountFen: 5000 })
  t.equal(codeOf(() => line({ additions: [{ reason: '', amountFen: fen(1) }] })), 'pay_item_invalid')
  t.equal(codeOf(() => line({ additions: [{ reason: 'x', amountFen: fen(-1) }] })), 'pay_item_invalid')
})

t.test('deductions are applied in order and net is payable − applied', async (t) => {
  const deductions: Deduction[] = [
    { reason: 'advance', amountFen: fen(100000) },
    { reason: 'social_insurance', amountFen: fen(35050) },
    { reason: 'income_tax', amountFen: fen(0) },
    { reason: 'other', note: '宿舍损坏赔偿', amountFen: fen(2000) },
  ]
  const l = line({ versions: [version('v1', '2026-01-01', daily(35000))], days: worked(range(1, 20)), deductions })
  t.equal(l.payableFen, 700000)
  t.equal(l.deductedFen, 137050)
  t.equal(l.unappliedFen, 0)
  t.equal(l.netFen, 700000 - 137050)
  t.same(l.deductions.map((d) => [d.reason, d.appliedFen, d.unappliedFen]), [
    ['advance', 100000, 0],
    ['social_insurance', 35050, 0],
    ['income_tax', 0, 0],
    ['other', 2000, 0],
  ])
})

t.test('a deduction bigger than the pay: net stops at zero, the rest is reported per item', async (t) => {
  const l = line({
    versions: [version('v1', '2026-01-01', daily(30000))],
    days: worked([1, 2, 3]),
    deductions: [
      { reason: 'social_insurance', amountFen: fen(40000) },
      { reason: 'advance', amountFen: fen(80000) },
      { reason: 'income_tax', amountFen: fen(500) },
    ],
  })
  t.equal(l.payableFen, 90000)
  t.same(l.deductions.map((d) => [d.reason, d.appliedFen, d.unappliedFen]), [
    ['social_insurance', 40000, 0],
    ['advance', 50000, 30000],
    ['income_tax', 0, 500],
  ])
  t.equal(l.deductedFen, 90000)
  t.equal(l.unappliedFen, 30500)
  t.equal(l.netFen, 0)
})

t.test('applyDeductions on no pay applies nothing', async (t) => {
  t.same(applyDeductions(fen(0), [{ reason: 'advance', amountFen: fen(7) }]), [{ reason: 'advance', amountFen: 7, appliedFen: 0, unappliedFen: 7 }])
})

t.test('deductions are validated', async (t) => {
  t.equal(codeOf(() => line({ deductions: [{ reason: 'other', amountFen: fen(1) }] })), 'pay_item_invalid', 'other needs a note')
  t.equal(codeOf(() => line({ deductions: [{ reason: 'other', note: '  ', amountFen: fen(1) }] })), 'pay_item_invalid')
  t.equal(codeOf(() => line({ deductions: [{ reason: 'fine' as never, amountFen: fen(1) }] })), 'pay_item_invalid', 'unknown reason')
  t.equal(codeOf(() => line({ deductions: [{ reason: 'advance', amountFen: fen(-1) }] })), 'pay_item_invalid')
  t.equal(codeOf(() => line({ deductions: [{ reason: 'advance', amountFen: 0.5 as never }] })), 'pay_item_invalid')
})

t.test('sheetTotals adds the lines as they are', async (t) => {
  const v = [version('v1', '2026-01-01', daily(101))]
  const a = line({ versions: v, days: worked([1], 1) }) // 50.5 → 51
  const b = line({ versions: v, days: worked([2], 1), deductions: [{ reason: 'advance', amountFen: fen(60) }] }) // 51, 51 applied, 9 unapplied
  t.same(sheetTotals([a, b]), { lineCount: 2, payableFen: 102, deductedFen: 51, unappliedFen: 9, netFen: 51 })
  t.same(sheetTotals([]), { lineCount: 0, payableFen: 0, deductedFen: 0, unappliedFen: 0, netFen: 0 })
})

t.test('inputs the terms cannot price are refused', async (t) => {
  t.equal(codeOf(() => line({ versions: [], days: worked([1]) })), 'attendance_without_terms')
  t.equal(codeOf(() => line({ versions: [version('a', '2026-01-01', daily(-5))] })), 'terms_rate_invalid')
})
