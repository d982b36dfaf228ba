import t from 'tap'
import fc from 'fast-check'
import { holds } from '../helpers/property.ts'
import { LIMITS } from '../../src/config/limits.ts'
import { FEN_MAX, fen, formatYuan, parseYuan, sumFen, timesFen } from '../../src/kernel/money.ts'

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
