import t from 'tap'
import fc from 'fast-check'
import { holds } from '../helpers/property.ts'
import { LIMITS } from '../../src/config/limits.ts'
import { FEN_MAX, Money, addFen, fen, formatYuan, parseYuan, subFen, sumFen, timesFen, type Fen } from '../../src/kernel/money.ts'

t.test('parseYuan takes plain amounts only', async (t) => {
  t.equal(parseYuan('350.00'), 35000)
  t.equal(parseYuan('0.1'), 10)
  t.equal(parseYuan('12'), 1200)
  t.equal(parseYuan('-5.25'), -525)
  for (const bad of ['', '1.234', '1e3', '01.00', '1,000.00', 'NaN', '.5', '¥5', '5.']) t.equal(parseYuan(bad), undefined, bad)
})

t.test('0.1 + 0.2 in fen is exact', async (t) => {
  t.equal(sumFen([parseYuan('0.10')!, parseYuan('0.20')!]), 30)
  t.equal(formatYuan(fen(30)), '0.30')
})

t.test('timesFen rounds half up to the fen', async (t) => {
  t.equal(timesFen(fen(35050), 0.5), 17525)
  t.equal(timesFen(fen(33333), '0.5'), 16667)
  t.equal(timesFen(fen(35000), 26), 910000)
})

t.test('format and parse round-trip any amount', async (t) => {
  holds(t, 'parseYuan(formatYuan(x)) === x', fc.property(fc.integer({ min: -1e12, max: 1e12 }), (n) => parseYuan(formatYuan(fen(n))) === n))
})

t.test('parseYuan reads every amount as the decimal reading does, and nothing else', async (t) => {
  const digits = (min: number, max: number): fc.Arbitrary<string> => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((ds) => ds.join(''))
  // Whole parts of 1 to 12 digits as the pattern has them (0, or no leading zero), the longest as often as the shortest.
  const whole = fc.oneof(fc.constant('0'), fc.tuple(fc.integer({ min: 1, max: 9 }), digits(0, 11)).map(([d, ds]) => `${d}${ds}`), fc.tuple(fc.integer({ min: 1, max: 9 }), digits(11, 11)).map(([d, ds]) => `${d}${ds}`))
  const amount = fc.tuple(fc.boolean(), whole, fc.oneof(fc.constant(''), digits(1, 1).map((d) => `.${d}`), digits(2, 2).map((d) => `.${d}`))).map(([minus, w, decimals]) => `${minus ? '-' : ''}${w}${decimals}`)
  const padding = fc.constantFrom('', ' ', '\t', '\u3000')
  holds(
    t,
    'parseYuan(s) is the decimal reading of s in fen, sign and -0 included',
    fc.property(amount, padding, padding, (s, before, after) => Object.is(parseYuan(before + s + after), new Money(s).times(100).toNumber())),
    { numRuns: 5000 },
  )
  t.ok(Object.is(parseYuan('-0.00'), -0) && Object.is(parseYuan('0.00'), 0), 'the sign of zero as decimal.js gives it')

  const YUAN = /^-?(0|[1-9]\d{0,11})(\.\d{1,2})?$/
  const nearMiss = fc.array(fc.constantFrom('-', '+', '0', '1', '9', '.', ',', 'e', ' ', '00', '12345678901', '¥'), { maxLength: 12 }).map((ts) => ts.join(''))
  holds(
    t,
    'any other text is not an amount',
    fc.property(fc.oneof(nearMiss, fc.string(), amount.map((s) => `${s}0`), amount.map((s) => `0${s}`)), (s) => YUAN.test(s.trim()) || parseYuan(s) === undefined),
    { numRuns: 5000 },
  )
})

t.test('fen refuses fractions and huge values', async (t) => {
  t.throws(() => fen(1.5))
  t.throws(() => fen(FEN_MAX + 1))
  t.throws(() => fen(-FEN_MAX - 1))
  t.ok(Number.isSafeInteger(FEN_MAX * 2), 'the sum or difference of two figures in range is still exact in a double')
})

t.test('parseYuan reads any amount its pattern admits without throwing', async (t) => {
  t.equal(parseYuan('999999999999.99'), 99_999_999_999_999)
  t.equal(parseYuan('-999999999999.99'), -99_999_999_999_999)
  t.equal(parseYuan('1000000000000.00'), undefined, 'thirteen digits are not an amount')
})

t.test('a pay month at its limits sums exactly, without leaving the range', async (t) => {
  const lineMax = fen(LIMITS.payout_line_amount_fen_max)
  const monthMax = LIMITS.payout_lines_per_project_month_max
  t.equal(sumFen(Array.from({ length: monthMax }, () => lineMax)), LIMITS.payout_line_amount_fen_max * monthMax)
  t.ok(LIMITS.payout_line_amount_fen_max * monthMax <= FEN_MAX)
  holds(
    t,
    'a month full of lines at the limit, less any few, sums to its exact total',
    fc.property(fc.array(fc.integer({ min: 1, max: LIMITS.payout_line_amount_fen_max }), { maxLength: 100 }), (amounts) => {
      const fill = monthMax - amounts.length
      const lines = [...amounts.map(fen), ...Array.from({ length: fill }, () => lineMax)]
      return sumFen(lines) === amounts.reduce((s, a) => s + a, 0) + fill * LIMITS.payout_line_amount_fen_max
    }),
    { numRuns: 10 },
  )
})

/** The decimal reference sumFen, addFen and subFen were before they added integers directly: exact, then range-checked. */
const outcome = (f: () => number): { value: number } | { error: string } => {
  try {
    return { value: f() }
  } catch (e) {
    return { error: e instanceof RangeError ? 'RangeError' : String(e) }
  }
}
const decimalSum = (amounts: readonly number[]): number => fen(amounts.reduce((total, a) => total.plus(a), new Money(0)).toNumber())

t.test('integer sums and differences agree with the decimal ones, result or RangeError', async (t) => {
  // Safe integers of every size: small amounts, amounts near FEN_MAX, near 2^53 (where a running total leaves the
  // safe integers and comes back), and their negatives.
  const amount = fc.oneof(
    fc.integer({ min: -1_000_000, max: 1_000_000 }),
    fc.integer({ min: -FEN_MAX, max: FEN_MAX }),
    fc.maxSafeInteger(),
    fc.constantFrom(FEN_MAX, -FEN_MAX, FEN_MAX + 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 52),
  )
  holds(
    t,
    'sumFen(xs) is the decimal sum of xs, or throws RangeError when it is out of range',
    fc.property(fc.array(amount, { maxLength: 12 }), (xs) => {
      const expected = outcome(() => decimalSum(xs))
      const actual = outcome(() => sumFen(xs as Fen[]))
      const fromIterable = outcome(() => sumFen(new Set(xs) as Set<Fen>))
      return JSON.stringify(actual) === JSON.stringify(expected) && JSON.stringify(fromIterable) === JSON.stringify(outcome(() => decimalSum([...new Set(xs)])))
    }),
    { numRuns: 2000 },
  )
  holds(
    t,
    'addFen and subFen are the decimal sum and difference, or throw RangeError when out of range',
    fc.property(amount, amount, (a, b) => {
      const sum = outcome(() => addFen(a as Fen, b as Fen))
      const difference = outcome(() => subFen(a as Fen, b as Fen))
      return (
        JSON.stringify(sum) === JSON.stringify(outcome(() => fen(new Money(a).plus(b).toNumber()))) &&
        JSON.stringify(difference) === JSON.stringify(outcome(() => fen(new Money(a).minus(b).toNumber())))
      )
    }),
    { numRuns: 2000 },
  )
  t.equal(sumFen([Number.MAX_SAFE_INTEGER, 1, -Number.MAX_SAFE_INTEGER] as Fen[]), 1, 'a running total past 2^53 that comes back is still exact')
  t.equal(sumFen([FEN_MAX, FEN_MAX, -FEN_MAX] as Fen[]), FEN_MAX, 'only the total is held to FEN_MAX, as before')
  t.throws(() => sumFen([FEN_MAX, 1] as Fen[]), RangeError)
  t.throws(() => addFen(fen(FEN_MAX), fen(1)), RangeError)
  t.throws(() => subFen(fen(-FEN_MAX), fen(1)), RangeError)
  t.equal(sumFen([]), 0)
})
