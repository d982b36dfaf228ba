import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { datesOfMonth } from '../../src/kernel/time.ts'
import {
  orderedVersions,
  sameTerms,
  splitMonth,
  sumQuantities,
  versionOn,
  type AttendanceDay,
  type PieceQuantity,
  type WageTerms,
} from '../../src/payroll/terms.ts'
import { codeOf, daily, MONTH, version } from './helpers/terms.ts'


/** Every day of the month a full day of 8 hours. */
function fullMonth(month = MONTH): AttendanceDay[] {
  return datesOfMonth(month).map((workDate) => ({ workDate, creditHalves: 2, workedMinutes: 480 }))
}

function quantity(id: string, workDate: string, itemKind: string, q: string, confirmed = true): PieceQuantity {
  return { id, enrolmentId: 'e1', itemKind, quantity: q, workDate, enteredBy: 'manager', confirmedAtMs: confirmed ? 1 : null }
}

t.test('one version covers the whole month from its date', async (t) => {
  const split = splitMonth(MONTH, [version('v1', '2026-01-01', daily(35000))], fullMonth())
  t.equal(split.spans.length, 1)
  t.match(split.spans[0], { versionIds: ['v1'], from: '2026-11-01', to: '2026-11-30', creditHalves: 60, workedMinutes: 30 * 480 })
})

t.test('a rise from the 16th applies from the 16th', async (t) => {
  const split = splitMonth(MONTH, [version('v2', '2026-11-16', daily(40000)), version('v1', '2026-03-01', daily(35000))], fullMonth())
  t.same(
    split.spans.map((s) => [s.versionIds, s.from, s.to, s.creditHalves]),
    [
      [['v1'], '2026-11-01', '2026-11-15', 30],
      [['v2'], '2026-11-16', '2026-11-30', 30],
    ],
  )
})

t.test('adjacent versions with equal terms form one span', async (t) => {
  const split = splitMonth(MONTH, [version('v1', '2026-01-01', daily(35000)), version('v2', '2026-11-10', daily(35000))], fullMonth())
  t.equal(split.spans.length, 1)
  t.same(split.spans[0]!.versionIds, ['v1', 'v2'])
})

t.test('a version starting after the month does not apply to it; one starting mid-month leaves no span before it', async (t) => {
  const later = splitMonth(MONTH, [version('v1', '2026-01-01', daily(100)), version('v2', '2026-12-01', daily(200))], fullMonth())
  t.same(later.spans.map((s) => s.versionIds), [['v1']])
  const days = fullMonth().map((d) => (d.workDate < '2026-11-20' ? { ...d, creditHalves: 0, workedMinutes: 0 } : d))
  const joined = splitMonth(MONTH, [version('v1', '2026-11-20', daily(100))], days)
  t.match(joined.spans, [{ from: '2026-11-20', to: '2026-11-30', creditHalves: 22 }])
})

t.test('attendance before the first terms is an error, not unpaid', async (t) => {
  t.equal(codeOf(() => splitMonth(MONTH, [version('v1', '2026-11-10', daily(100))], fullMonth())), 'attendance_without_terms')
  t.equal(codeOf(() => splitMonth(MONTH, [], fullMonth())), 'attendance_without_terms')
  t.same(splitMonth(MONTH, [], []).spans, [])
})

t.test('versions are validated', async (t) => {
  t.equal(codeOf(() => orderedVersions([version('a', '2026-11-16', daily(1)), version('b', '2026-11-16', daily(2))])), 'terms_duplicate_effective_date')
  t.equal(codeOf(() => orderedVersions([version('a', '2026-11-31', daily(1))])), 'terms_invalid_date')
  t.equal(codeOf(() => orderedVersions([version('a', '2026-11-01', daily(-1))])), 'terms_rate_invalid')
  t.equal(codeOf(() => orderedVersions([version('a', '2026-11-01', { kind: 'daily', dailyRateFen: 1.5 as never })])), 'terms_rate_invalid')
  t.equal(codeOf(() => orderedVersions([version('a', '2026-11-01', { kind: 'hourly', hourlyRateFen: fen(-5) })])), 'terms_rate_invalid')
  t.equal(codeOf(() => orderedVersions([version('a', '2026-11-01', { kind: 'monthly', monthlyWageFen: fen(600000), expectedDays: 0 })])), 'terms_expected_days_invalid')
  t.equal(codeOf(() => orderedVersions([version('a', '2026-11-01', { kind: 'monthly', monthlyWageFen: fen(600000), expectedDays: 21.5 })])), 'terms_expected_days_invalid')
  t.equal(codeOf(() => orderedVersions([version('a', '2026-11-01', { kind: 'monthly', monthlyWageFen: fen(-1), expectedDays: 22 })])), 'terms_rate_invalid')
  const piece = (rates: Array<[string, number]>): WageTerms => ({ kind: 'piece', rates: rates.map(([itemKind, p]) => ({ itemKind, unitPriceFen: fen(p) })) })
  t.equal(codeOf(() => orderedVersions([version('a', '2026-11-01', piece([['砌砖', 100], ['砌砖', 200]]))])), 'terms_piece_item_invalid')
  t.equal(codeOf(() => orderedVersions([version('a', '2026-11-01', piece([[' ', 100]]))])), 'terms_piece_item_invalid')
  t.equal(codeOf(() => orderedVersions([version('a', '2026-11-01', piece([['砌砖', -100]]))])), 'terms_rate_invalid')
  t.same(
    orderedVersions([version('b', '2026-11-16', daily(2)), version('a', '2026-01-01', daily(1))]).map((v) => v.id),
    ['a', 'b'],
  )
})

t.test('one month holds one figure of expected days', async (t) => {
  const monthly = (wage: number, expectedDays: number): WageTerms => ({ kind: 'monthly', monthlyWageFen: fen(wage), expectedDays })
  t.equal(codeOf(() => splitMonth(MONTH, [version('a', '2026-01-01', monthly(500000, 26)), version('b', '2026-11-16', monthly(600000, 22))], fullMonth())), 'terms_expected_days_conflict')
  // From the first of a month, or with a daily span between them, it is fine.
  t.equal(splitMonth(MONTH, [version('a', '2026-01-01', monthly(500000, 26)), version('b', '2026-11-01', monthly(600000, 22))], fullMonth()).spans.length, 1)
  t.equal(splitMonth(MONTH, [version('a', '2026-01-01', monthly(500000, 22)), version('b', '2026-11-10', daily(20000)), version('c', '2026-11-20', monthly(600000, 22))], fullMonth()).spans.length, 3)
})

t.test('versionOn finds the version in force', async (t) => {
  const ordered = orderedVersions([version('a', '2026-11-01', daily(1)), version('b', '2026-11-16', daily(2))])
  t.equal(versionOn(ordered, '2026-10-31'), undefined)
  t.equal(versionOn(ordered, '2026-11-15')?.id, 'a')
  t.equal(versionOn(ordered, '2026-11-16')?.id, 'b')
  t.equal(versionOn(ordered, '2027-01-01')?.id, 'b')
})

t.test('attendance days are validated', async (t) => {
  const v = [version('v1', '2026-01-01', daily(100))]
  t.equal(codeOf(() => splitMonth(MONTH, v, [{ workDate: '2026-10-31', creditHalves: 2, workedMinutes: 0 }])), 'attendance_invalid')
  t.equal(codeOf(() => splitMonth(MONTH, v, [{ workDate: '2026-11-02', creditHalves: 3, workedMinutes: 0 }])), 'attendance_invalid')
  t.equal(codeOf(() => splitMonth(MONTH, v, [{ workDate: '2026-11-02', creditHalves: 2, workedMinutes: -1 }])), 'attendance_invalid')
  const day = { workDate: '2026-11-02', creditHalves: 2, workedMinutes: 0 }
  t.equal(codeOf(() => splitMonth(MONTH, v, [day, day])), 'attendance_invalid')
  t.equal(codeOf(() => splitMonth('2026-13', v, [])), 'attendance_invalid')
})

t.test('piece quantities go to the span of their date; unconfirmed ones are held', async (t) => {
  const rates = (p: number): WageTerms => ({ kind: 'piece', rates: [{ itemKind: '砌砖', unitPriceFen: fen(p) }, { itemKind: '抹灰', unitPriceFen: fen(1200) }] })
  const split = splitMonth(
    MONTH,
    [version('v1', '2026-01-01', rates(8500)), version('v2', '2026-11-16', rates(9000))],
    fullMonth(),
    [quantity('q1', '2026-11-10', '砌砖', '12.5'), quantity('q2', '2026-11-30', '砌砖', '3'), quantity('q3', '2026-11-30', '抹灰', '40', false)],
  )
  t.same(split.spans.map((s) => s.pieceQuantities.map((q) => q.id)), [['q1'], ['q2']])
  t.same(split.heldPieceQuantities.map((q) => q.id), ['q3'])
})

t.test('piece quantities are validated against the terms in force', async (t) => {
  const piece = version('v1', '2026-01-01', { kind: 'piece', rates: [{ itemKind: '砌砖', unitPriceFen: fen(8500) }] })
  t.equal(codeOf(() => splitMonth(MONTH, [piece], [], [quantity('q', '2026-11-02', '抹灰', '1')])), 'piece_quantity_unpriced')
  t.equal(codeOf(() => splitMonth(MONTH, [version('d', '2026-01-01', daily(100))], [], [quantity('q', '2026-11-02', '砌砖', '1')])), 'piece_quantity_outside_piece_terms')
  t.equal(codeOf(() => splitMonth(MONTH, [piece], [], [quantity('q', '2026-12-01', '砌砖', '1')])), 'piece_quantity_invalid')
  for (const bad of ['-1', '1.2345', '1e3', '', '01', 'NaN']) t.equal(codeOf(() => splitMonth(MONTH, [piece], [], [quantity('q', '2026-11-02', '砌砖', bad)])), 'piece_quantity_invalid', bad)
  // An unconfirmed quantity is still checked: a held line must be payable once the worker confirms it.
  t.equal(codeOf(() => splitMonth(MONTH, [piece], [], [quantity('q', '2026-11-02', '砌砖', 'x', false)])), 'piece_quantity_invalid')
})

t.test('sameTerms compares kind and figures', async (t) => {
  t.ok(sameTerms(daily(1), daily(1)))
  t.notOk(sameTerms(daily(1), daily(2)))
  t.notOk(sameTerms(daily(1), { kind: 'hourly', hourlyRateFen: fen(1) }))
  t.notOk(sameTerms({ kind: 'monthly', monthlyWageFen: fen(1), expectedDays: 22 }, { kind: 'monthly', monthlyWageFen: fen(1), expectedDays: 26 }))
  t.ok(
    sameTerms(
      { kind: 'piece', rates: [{ itemKind: 'a', unitPriceFen: fen(1) }, { itemKind: 'b', unitPriceFen: fen(2) }] },
      { kind: 'piece', rates: [{ itemKind: 'b', unitPriceFen: fen(2) }, { itemKind: 'a', unitPriceFen: fen(1) }] },
    ),
  )
})

t.test('sumQuantities is exact', async (t) => {
  t.equal(sumQuantities([quantity('a', '2026-11-01', 'x', '0.1'), quantity('b', '2026-11-01', 'x', '0.2')]), '0.3')
  t.equal(sumQuantities([]), '0')
})
