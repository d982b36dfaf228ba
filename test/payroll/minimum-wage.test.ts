import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { belowMinimumWage, checkMinimumWage, minimumWageFor, type MinimumWageLine, type MinimumWageTable } from '../../src/payroll/minimum-wage.ts'

/** A made-up province (99) to test the lookup's mechanics apart from the real data. */
const TEST_TABLE: MinimumWageTable = {
  provinceCode: '99',
  standards: [
    {
      effectiveFrom: '2024-07-01',
      source: 'test standard B',
      tiers: { 1: { monthlyFen: fen(300_000), hourlyFen: fen(3_000) }, 2: { monthlyFen: fen(250_000), hourlyFen: fen(2_500) } },
      assignments: [
        { regionCode: '990000', tier: 2, source: 'province-wide' },
        { regionCode: '990100', tier: 1, source: 'city 9901' },
      ],
    },
    {
      effectiveFrom: '2020-01-01',
      source: 'test standard A',
      tiers: { 1: { monthlyFen: fen(200_000), hourlyFen: fen(2_000) }, 2: { monthlyFen: fen(180_000), hourlyFen: fen(1_800) }, 3: { monthlyFen: fen(160_000), hourlyFen: fen(1_600) } },
      assignments: [
        { regionCode: '990101', tier: 3, source: 'county 990101' },
        { regionCode: '990100', tier: 2, source: 'city 9901' },
      ],
    },
  ],
}

t.test('Zhejiang: Hangzhou districts and counties by their own tier under the 2021 standard', async (t) => {
  const xihu = minimumWageFor('330106', '2023-06-15')
  t.match(xihu, { monthlyFen: 228_000, hourlyFen: 2_200, tier: 1, standardEffectiveFrom: '2021-08-01', assignedRegionCode: '330106' })
  t.match(xihu?.source, /浙江省人民政府/)
  t.match(xihu?.source, /杭州/)
  for (const district of ['330102', '330105', '330108', '330109', '330110', '330111', '330112', '330113', '330114']) {
    t.equal(minimumWageFor(district, '2022-01-01')?.monthlyFen, 228_000, district)
  }
  for (const county of ['330122', '330127', '330182']) {
    t.match(minimumWageFor(county, '2022-01-01'), { monthlyFen: 207_000, hourlyFen: 2_000, tier: 2 }, county)
  }
})

t.test('Zhejiang: no standard before 2021-08-01 is kept; from 2025-01-01 the new standard applies, and an unsourced tier is unknown', async (t) => {
  t.equal(minimumWageFor('330106', '2021-07-31'), undefined)
  t.equal(minimumWageFor('330106', '2021-08-01')?.monthlyFen, 228_000)
  t.equal(minimumWageFor('330106', '2024-12-31')?.monthlyFen, 228_000)
  // Hangzhou's tiers under the 2025 standard were not sourced: unknown, not the 2021 tier carried over.
  t.equal(minimumWageFor('330106', '2025-01-01'), undefined)
  // A Zhejiang county no source names (宁波市海曙区) is unknown under either standard.
  t.equal(minimumWageFor('330203', '2023-01-01'), undefined)
})

t.test('lookup: the county first, then its city, then the province', async (t) => {
  t.match(minimumWageFor('990101', '2021-05-01', [TEST_TABLE]), { tier: 3, monthlyFen: 160_000, assignedRegionCode: '990101' })
  t.match(minimumWageFor('990102', '2021-05-01', [TEST_TABLE]), { tier: 2, monthlyFen: 180_000, assignedRegionCode: '990100' }, 'a county without its own entry takes its city’s')
  t.equal(minimumWageFor('990201', '2021-05-01', [TEST_TABLE]), undefined, 'no city or province entry under standard A: unknown')
  t.match(minimumWageFor('990201', '2024-07-01', [TEST_TABLE]), { tier: 2, monthlyFen: 250_000, assignedRegionCode: '990000' }, 'falls back to the province')
  t.match(minimumWageFor('990101', '2024-07-01', [TEST_TABLE]), { tier: 1, monthlyFen: 300_000, assignedRegionCode: '990100' }, 'the county’s entry under A does not carry into B')
})

t.test('lookup: the effective date switches standards on its first day', async (t) => {
  t.equal(minimumWageFor('990102', '2024-06-30', [TEST_TABLE])?.monthlyFen, 180_000)
  t.equal(minimumWageFor('990102', '2024-07-01', [TEST_TABLE])?.monthlyFen, 300_000)
  t.equal(minimumWageFor('990102', '2019-12-31', [TEST_TABLE]), undefined, 'before any standard')
})

t.test('lookup: unknown and malformed regions and dates', async (t) => {
  t.equal(minimumWageFor('110105', '2024-01-01'), undefined, 'a province not kept here')
  t.equal(minimumWageFor('3301', '2024-01-01'), undefined)
  t.equal(minimumWageFor('33010x', '2024-01-01'), undefined)
  t.equal(minimumWageFor('330106', '2024-02-30'), undefined)
})

function line(over: Partial<MinimumWageLine> = {}): MinimumWageLine {
  return {
    workerId: 'w1',
    period: '2024-03',
    regionCode: '330106',
    daysCredited: 26,
    expectedDays: 26,
    payableFen: fen(260_000),
    overtimeFen: fen(0),
    excludedAllowancesFen: fen(0),
    deductions: [],
    netFen: fen(260_000),
    ...over,
  }
}

t.test('BELOW_MINIMUM_WAGE: a full month below the monthly minimum, with the figures', async (t) => {
  const flag = belowMinimumWage(line({ payableFen: fen(227_999), netFen: fen(227_999) }))
  t.match(flag, {
    code: 'BELOW_MINIMUM_WAGE',
    workerId: 'w1',
    period: '2024-03',
    evidence: { basis: 'monthly', minimumFen: 228_000, minimumYuan: '2280.00', countedFen: 227_999, shortFen: 1, shortYuan: '0.01', tier: 1, regionCode: '330106' },
  })
  t.equal(belowMinimumWage(line({ payableFen: fen(228_000) })), undefined, 'exactly the minimum meets it')
})

t.test('what counts: overtime and special allowances are taken out; the worker’s own deductions are not', async (t) => {
  // 3000 payable of which 800 overtime: 2200 for normal hours is below 2280.
  t.match(belowMinimumWage(line({ payableFen: fen(300_000), overtimeFen: fen(80_000) }))?.evidence, { countedFen: 220_000, shortFen: 8_000, overtimeFen: 80_000 })
  t.match(belowMinimumWage(line({ payableFen: fen(250_000), excludedAllowancesFen: fen(30_000) }))?.evidence, { countedFen: 220_000 })
  // Net 1900 after social insurance, tax and an advance: the pay itself (2500) meets the minimum.
  const own = line({
    payableFen: fen(250_000),
    netFen: fen(190_000),
    deductions: [
      { kind: 'personal_social_insurance', amountFen: fen(30_000) },
      { kind: 'income_tax', amountFen: fen(0) },
      { kind: 'advance', amountFen: fen(30_000) },
    ],
  })
  t.match(checkMinimumWage(own), { outcome: 'met', countedFen: 250_000, minimumFen: 228_000 })
  // A fine of 300 leaves 2200 that counts.
  t.match(belowMinimumWage(line({ payableFen: fen(250_000), deductions: [{ kind: 'other', amountFen: fen(30_000) }] }))?.evidence, { otherDeductionsFen: 30_000, countedFen: 220_000 })
})

t.test('full-time by days credited or by the flag; part-time against the hourly minimum × hours', async (t) => {
  t.match(checkMinimumWage(line({ daysCredited: 25.5, payableFen: fen(100_000) })), { outcome: 'not_judged' }, 'a partial month without hours is not judged')
  t.match(checkMinimumWage(line({ daysCredited: 10, fullTime: true, payableFen: fen(100_000) })), { outcome: 'below' }, 'the full-time flag')
  // 40.5 hours × 22 yuan = 891 yuan.
  t.match(checkMinimumWage(line({ daysCredited: 5, hours: 40.5, payableFen: fen(89_100) })), { outcome: 'met', minimumFen: 89_100 })
  t.match(belowMinimumWage(line({ daysCredited: 5, hours: 40.5, payableFen: fen(89_099) }))?.evidence, { basis: 'hourly', hours: 40.5, minimumFen: 89_100, shortFen: 1 })
  // 0.25 hours × 22.00 yuan = 5.50 yuan.
  t.match(checkMinimumWage(line({ daysCredited: 1, hours: 0.25, payableFen: fen(550) })), { outcome: 'met', minimumFen: 550 })
})

t.test('a region whose tier is not kept: judged against the province’s lowest tier, never a guessed one', async (t) => {
  // Ningbo (330203) under the 2021 standard: its tier is unsourced; the lowest tier is 1,840 yuan.
  t.match(checkMinimumWage(line({ regionCode: '330203', payableFen: fen(183_999) })), {
    outcome: 'below',
    flag: { evidence: { tier: null, assignedRegionCode: null, minimumFen: 184_000, shortFen: 1, source: /province's lowest tier/ } },
  })
  t.match(checkMinimumWage(line({ regionCode: '330203', payableFen: fen(200_000) })), { outcome: 'met', minimumFen: 184_000 }, 'above the floor: met against the floor only')
  // Hangzhou under the 2025 standard (tier unsourced): the floor is 2,010 yuan.
  t.match(belowMinimumWage(line({ period: '2025-02', payableFen: fen(200_000) })), { evidence: { minimumFen: 201_000, standardEffectiveFrom: '2025-01-01', tier: null } })
  t.equal(belowMinimumWage(line({ period: '2025-02', payableFen: fen(201_000) })), undefined)
  t.match(checkMinimumWage(line({ regionCode: '440106', payableFen: fen(1) })), { outcome: 'minimum_unknown', regionCode: '440106' }, 'a province not kept here: unknown')
})

t.test('the month is judged by the standard in force on its last day', async (t) => {
  t.match(checkMinimumWage(line({ period: '2021-07' })), { outcome: 'minimum_unknown', workDate: '2021-07-31' })
  t.match(checkMinimumWage(line({ period: '2021-08' })), { outcome: 'met', minimumFen: 228_000 })
  t.match(checkMinimumWage(line({ period: '2024-02' })), { outcome: 'met' })
})
