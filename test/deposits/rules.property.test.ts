/**
 * Properties of the required deposit over any contractor record and any rate table within the measure's bounds:
 * the amount is exact in fen (an independent BigInt computation agrees), never above the cap, and never falls as the
 * contract grows, outside the small-contract exemption, which is a step by design (Art. 9).
 */
import fc from 'fast-check'
import t from 'tap'
import { holds } from '../helpers/property.ts'
import { Money, fen } from '../../src/kernel/money.ts'
import { ZHEJIANG_DEPOSIT_RATES, assertWithinMeasure, requiredDeposit, type ContractorRecord, type DepositRateTable } from '../../src/deposits/rules.ts'

/** Parts per ten thousand as a decimal string: 150 → '0.015'. */
const perTenThousand = (n: number): string => new Money(n).div(10_000).toString()

const tableArb: fc.Arbitrary<DepositRateTable> = fc
  .record({
    baseBp: fc.integer({ min: 100, max: 300 }),
    severalShare: fc.double({ min: 0, max: 1, noNaN: true }),
    cut: fc.constantFrom('0', '0.3', '0.5'),
    arrears: fc.constantFrom('1.5', '1.75', '2'),
    dishonest: fc.constantFrom('2', '2.5', '3'),
    exempt: fc.option(fc.integer({ min: 1, max: 1_000_000_000 }), { nil: undefined }),
    cap: fc.option(fc.integer({ min: 1, max: 10_000_000_000 }), { nil: undefined }),
  })
  .map(({ baseBp, severalShare, cut, arrears, dishonest, exempt, cap }) => ({
    ...ZHEJIANG_DEPOSIT_RATES,
    baseRate: perTenThousand(baseBp),
    severalProjectsRate: perTenThousand(50 + Math.floor((baseBp - 50) * severalShare)),
    cutFactor: cut,
    arrearsFactor: arrears,
    seriousDishonestyFactor: dishonest,
    ...(exempt === undefined ? { smallContractExemptBelowFen: undefined } : { smallContractExemptBelowFen: fen(exempt) }),
    ...(cap === undefined ? {} : { capFen: fen(cap) }),
  }))

const recordArb: fc.Arbitrary<ContractorRecord> = fc.record({
  arrearsInPriorTwoYears: fc.boolean(),
  arrearsInPriorYear: fc.boolean(),
  seriouslyDishonest: fc.boolean(),
  consecutiveCleanYears: fc.integer({ min: 0, max: 6 }),
  realNameAndDedicatedAccount: fc.boolean(),
  severalProjectsInRegion: fc.boolean(),
})

/** Up to ¥100 billion, in fen. */
const contractArb = fc.integer({ min: 0, max: 10_000_000_000_000 })

/** A decimal string as numerator / 10^scale, for BigInt arithmetic. */
function asFraction(decimal: string): { num: bigint; den: bigint } {
  const [whole, frac = ''] = decimal.split('.') as [string, string?]
  return { num: BigInt(whole + frac), den: 10n ** BigInt(frac.length) }
}

t.test('the required deposit is contract × rate rounded half up once, then capped', async (t) => {
  holds(
    t,
    'exact in fen against BigInt',
    fc.property(contractArb, recordArb, tableArb, (contract, record, table) => {
      assertWithinMeasure(table)
      const r = requiredDeposit(fen(contract), record, table)
      const { num, den } = asFraction(r.rate)
      // Half up for a non-negative product: floor((2·c·num + den) / (2·den)).
      const expected = (2n * BigInt(contract) * num + den) / (2n * den)
      const capped = table.capFen !== undefined && expected > BigInt(table.capFen) ? BigInt(table.capFen) : expected
      return Number.isSafeInteger(r.requiredFen) && BigInt(r.requiredFen) === capped && r.capped === (capped !== expected)
    }),
  )
})

t.test('the required deposit never falls as the contract grows', async (t) => {
  holds(
    t,
    'monotonic in the contract amount, outside the small-contract step',
    fc.property(contractArb, contractArb, recordArb, tableArb, (a, b, record, table) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a]
      const threshold = table.smallContractExemptBelowFen
      // The exemption is a step: below the threshold a clean contractor owes nothing, at it the full rate.
      if (threshold !== undefined && lo < threshold && !record.arrearsInPriorYear) return true
      return requiredDeposit(fen(lo), record, table).requiredFen <= requiredDeposit(fen(hi), record, table).requiredFen
    }),
  )
  holds(
    t,
    'a raise for arrears never asks for less than the same record without arrears',
    fc.property(contractArb, recordArb, tableArb, (contract, record, table) => {
      const without = requiredDeposit(fen(contract), { ...record, arrearsInPriorTwoYears: false, seriouslyDishonest: false }, table)
      const withArrears = requiredDeposit(fen(contract), { ...record, arrearsInPriorTwoYears: true }, table)
      return withArrears.requiredFen >= without.requiredFen
    }),
  )
})

t.test('a better record never owes more', async (t) => {
  holds(
    t,
    'more clean years, all else the same, never raise the deposit',
    // Contracts around the small-contract threshold as often as large ones: that is where the rules meet.
    fc.property(fc.oneof(contractArb, fc.integer({ min: 0, max: 1_000_000_000 })), recordArb, fc.integer({ min: 1, max: 6 }), tableArb, (contract, record, more, table) => {
      const better = { ...record, consecutiveCleanYears: record.consecutiveCleanYears + more }
      return requiredDeposit(fen(contract), better, table).requiredFen <= requiredDeposit(fen(contract), record, table).requiredFen
    }),
    // The rules meet in a narrow corner (a small contract, a record near the cut): enough runs to land in it.
    { numRuns: 5_000 },
  )
})
