import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import {
  ZHEJIANG_DEPOSIT_RATES,
  assertWithinMeasure,
  depositExpiring,
  depositFlags,
  depositMissing,
  depositRateTableFor,
  depositShort,
  inForce,
  requiredDeposit,
  type ContractorRecord,
  type DepositCheckInput,
  type DepositRecord,
} from '../../src/deposits/rules.ts'

const CLEAN_START: ContractorRecord = {
  arrearsInPriorTwoYears: false,
  arrearsInPriorYear: false,
  seriouslyDishonest: false,
  consecutiveCleanYears: 0,
  realNameAndDedicatedAccount: true,
  severalProjectsInRegion: false,
}

// ¥50,000,000 contract: 1% is ¥500,000.
const CONTRACT = fen(5_000_000_000)

function input(deposits: DepositRecord[], over: Partial<DepositCheckInput> = {}): DepositCheckInput {
  return {
    project: { projectId: 'p1', contractorId: 'gc1', regionCode: '330106', contractAmountFen: CONTRACT, underConstruction: true },
    record: CLEAN_START,
    deposits,
    asOf: '2026-03-01',
    table: ZHEJIANG_DEPOSIT_RATES,
    ...over,
  }
}

const cash = (amountFen: number, over: Partial<DepositRecord> = {}): DepositRecord =>
  ({ depositId: 'd-cash', projectId: 'p1', form: 'cash', amountFen: fen(amountFen), lodgedOn: '2025-01-10', ...over }) as DepositRecord
const letter = (amountFen: number, expiresOn: string, depositId = 'd-letter', over: Partial<DepositRecord> = {}): DepositRecord =>
  ({ depositId, projectId: 'p1', form: 'bank_guarantee', issuer: '中国建设银行杭州分行', amountFen: fen(amountFen), lodgedOn: '2025-01-10', expiresOn, ...over })

t.test('required amount: contract × rate, by the contractor’s record', async (t) => {
  t.same(requiredDeposit(CONTRACT, CLEAN_START, ZHEJIANG_DEPOSIT_RATES), { requiredFen: 50_000_000, rate: '0.01', basis: 'base', capped: false })
  t.match(requiredDeposit(CONTRACT, { ...CLEAN_START, severalProjectsInRegion: true }, ZHEJIANG_DEPOSIT_RATES), { requiredFen: 25_000_000, rate: '0.005' })
  t.match(requiredDeposit(CONTRACT, { ...CLEAN_START, consecutiveCleanYears: 2 }, ZHEJIANG_DEPOSIT_RATES), { requiredFen: 25_000_000, basis: 'cut_clean_years' })
  t.match(requiredDeposit(CONTRACT, { ...CLEAN_START, consecutiveCleanYears: 3 }, ZHEJIANG_DEPOSIT_RATES), { requiredFen: 0, rate: '0', basis: 'exempt_clean_years' })
  t.match(
    requiredDeposit(CONTRACT, { ...CLEAN_START, consecutiveCleanYears: 3, realNameAndDedicatedAccount: false }, ZHEJIANG_DEPOSIT_RATES),
    { requiredFen: 25_000_000, basis: 'cut_clean_years' },
    'no exemption without real-name management and the dedicated account',
  )
})

t.test('the rate is raised after arrears, and more for the serious-dishonesty list; a raise beats any cut', async (t) => {
  t.match(requiredDeposit(CONTRACT, { ...CLEAN_START, arrearsInPriorTwoYears: true }, ZHEJIANG_DEPOSIT_RATES), { requiredFen: 75_000_000, rate: '0.015', basis: 'raised_arrears' })
  t.match(requiredDeposit(CONTRACT, { ...CLEAN_START, arrearsInPriorTwoYears: true, seriouslyDishonest: true }, ZHEJIANG_DEPOSIT_RATES), { requiredFen: 100_000_000, rate: '0.02', basis: 'raised_serious_dishonesty' })
  t.match(requiredDeposit(CONTRACT, { ...CLEAN_START, arrearsInPriorTwoYears: true, consecutiveCleanYears: 5 }, ZHEJIANG_DEPOSIT_RATES), { basis: 'raised_arrears' })
  t.match(requiredDeposit(CONTRACT, { ...CLEAN_START, arrearsInPriorTwoYears: true, severalProjectsInRegion: true }, ZHEJIANG_DEPOSIT_RATES), { rate: '0.0075', requiredFen: 37_500_000 })
})

t.test('small contracts: exempt under ¥3 million without arrears in the year before', async (t) => {
  t.match(requiredDeposit(fen(299_999_999), CLEAN_START, ZHEJIANG_DEPOSIT_RATES), { requiredFen: 0, basis: 'exempt_small_contract' })
  t.match(requiredDeposit(fen(300_000_000), CLEAN_START, ZHEJIANG_DEPOSIT_RATES), { requiredFen: 3_000_000, basis: 'base' })
  t.match(requiredDeposit(fen(299_999_999), { ...CLEAN_START, arrearsInPriorYear: true }, ZHEJIANG_DEPOSIT_RATES), { requiredFen: 3_000_000, basis: 'base' }, '2999999.99 × 1% = 29999.9999 → 30000.00')
})

t.test('rounding half up once, and the cap', async (t) => {
  // ¥12,345,678.50 × 1% = 123456.785 yuan = 12345678.5 fen → 12345679.
  t.match(requiredDeposit(fen(1_234_567_850), CLEAN_START, ZHEJIANG_DEPOSIT_RATES), { requiredFen: 12_345_679 })
  t.match(requiredDeposit(fen(1_234_567_849), CLEAN_START, ZHEJIANG_DEPOSIT_RATES), { requiredFen: 12_345_678 })
  const capped = { ...ZHEJIANG_DEPOSIT_RATES, capFen: fen(40_000_000) }
  t.match(requiredDeposit(CONTRACT, CLEAN_START, capped), { requiredFen: 40_000_000, capped: true })
  t.match(requiredDeposit(fen(1_000_000_000), CLEAN_START, capped), { requiredFen: 10_000_000, capped: false })
})

t.test('a table outside the measure’s bounds is refused', async (t) => {
  t.doesNotThrow(() => assertWithinMeasure(ZHEJIANG_DEPOSIT_RATES))
  t.throws(() => assertWithinMeasure({ ...ZHEJIANG_DEPOSIT_RATES, baseRate: '0.009' }), /baseRate/)
  t.throws(() => assertWithinMeasure({ ...ZHEJIANG_DEPOSIT_RATES, baseRate: '0.031' }), /baseRate/)
  t.throws(() => assertWithinMeasure({ ...ZHEJIANG_DEPOSIT_RATES, severalProjectsRate: '0.004' }), /severalProjectsRate/)
  t.throws(() => assertWithinMeasure({ ...ZHEJIANG_DEPOSIT_RATES, arrearsFactor: '1.4' }), /arrearsFactor/)
  t.throws(() => assertWithinMeasure({ ...ZHEJIANG_DEPOSIT_RATES, seriousDishonestyFactor: '1.9' }), /seriousDishonestyFactor/)
  t.throws(() => assertWithinMeasure({ ...ZHEJIANG_DEPOSIT_RATES, cutFactor: '0.6' }), /cutFactor/)
  t.throws(() => assertWithinMeasure({ ...ZHEJIANG_DEPOSIT_RATES, cutAfterCleanYears: 3 }))
  t.equal(depositRateTableFor('330106'), ZHEJIANG_DEPOSIT_RATES)
  t.equal(depositRateTableFor('320106'), undefined)
})

t.test('in force: lodged, not released, a letter not past its last day', async (t) => {
  const l = letter(1, '2026-03-31', 'd', { releasedOn: '2026-03-20' })
  t.notOk(inForce(l, '2025-01-09'))
  t.ok(inForce(l, '2025-01-10'))
  t.ok(inForce(l, '2026-03-19'))
  t.notOk(inForce(l, '2026-03-20'), 'released')
  t.ok(inForce(letter(1, '2026-03-31'), '2026-03-31'), 'the last covered day')
  t.notOk(inForce(letter(1, '2026-03-31'), '2026-04-01'))
  t.ok(inForce(cash(1), '2099-01-01'), 'cash does not expire')
})

t.test('DEPOSIT_MISSING: a project under construction with nothing in force', async (t) => {
  const flag = depositMissing(input([letter(50_000_000, '2026-02-28')]))
  t.match(flag, { code: 'DEPOSIT_MISSING', projectId: 'p1', contractorId: 'gc1', evidence: { requiredFen: 50_000_000, requiredYuan: '500000.00', basis: 'base', lapsedDeposits: [{ depositId: 'd-letter', expiresOn: '2026-02-28' }] } })
  t.equal(depositMissing(input([]))?.code, 'DEPOSIT_MISSING')
  t.equal(depositMissing(input([cash(1)])), undefined, 'something in force: short, not missing')
  t.equal(depositMissing(input([], { project: { projectId: 'p1', contractorId: 'gc1', regionCode: '330106', contractAmountFen: CONTRACT, underConstruction: false } })), undefined, 'not under construction')
  t.equal(depositMissing(input([], { record: { ...CLEAN_START, consecutiveCleanYears: 3 } })), undefined, 'exempt')
  t.equal(depositMissing(input([cash(50_000_000, { projectId: 'p2' })]))?.code, 'DEPOSIT_MISSING', 'another project’s deposit does not count')
})

t.test('DEPOSIT_SHORT: in force but less than required', async (t) => {
  const flag = depositShort(input([cash(20_000_000), letter(29_999_999, '2027-01-01')]))
  t.match(flag, { code: 'DEPOSIT_SHORT', evidence: { requiredFen: 50_000_000, inForceFen: 49_999_999, shortFen: 1, shortYuan: '0.01' } })
  t.equal(depositShort(input([cash(20_000_000), letter(30_000_000, '2027-01-01')])), undefined, 'exactly the required amount')
  t.equal(depositShort(input([])), undefined, 'nothing in force is DEPOSIT_MISSING')
  // After arrears the same deposit falls short.
  t.match(depositShort(input([cash(50_000_000)], { record: { ...CLEAN_START, arrearsInPriorTwoYears: true } })), { evidence: { requiredFen: 75_000_000, shortFen: 25_000_000, basis: 'raised_arrears' } })
})

t.test('DEPOSIT_EXPIRING: a letter or policy within 30 days, the boundary included', async (t) => {
  // asOf 2026-03-01: +30 days is 2026-03-31.
  t.match(depositExpiring(input([letter(50_000_000, '2026-03-31')])), [{ code: 'DEPOSIT_EXPIRING', scope: 'deposit:d-letter', evidence: { daysLeft: 30, deposit: { depositId: 'd-letter', form: 'bank_guarantee' }, coverAfterExpiryFen: 0 } }])
  t.same(depositExpiring(input([letter(50_000_000, '2026-04-01')])), [], '31 days away')
  t.match(depositExpiring(input([letter(50_000_000, '2026-03-01')])), [{ evidence: { daysLeft: 0 } }], 'its last day')
  t.same(depositExpiring(input([letter(50_000_000, '2026-02-28')])), [], 'already lapsed: missing, not expiring')
  const policy = { ...letter(50_000_000, '2026-03-15', 'd-ins'), form: 'insurance' } as DepositRecord
  t.match(depositExpiring(input([policy])), [{ evidence: { deposit: { form: 'insurance' }, daysLeft: 14 } }])
  t.same(depositExpiring(input([cash(50_000_000)])), [], 'cash never expires')
})

t.test('DEPOSIT_EXPIRING is not raised when a renewal already covers the day after', async (t) => {
  const renewal = letter(50_000_000, '2027-03-31', 'd-renewal', { lodgedOn: '2026-03-20' })
  t.same(depositExpiring(input([letter(50_000_000, '2026-03-31'), renewal])), [])
  const smallRenewal = letter(10_000_000, '2027-03-31', 'd-renewal', { lodgedOn: '2026-03-20' })
  t.match(depositExpiring(input([letter(50_000_000, '2026-03-31'), smallRenewal])), [{ evidence: { coverAfterExpiryFen: 10_000_000 } }])
  t.same(depositExpiring(input([letter(50_000_000, '2026-03-31')], { record: { ...CLEAN_START, consecutiveCleanYears: 3 } })), [], 'exempt project')
})

t.test('depositFlags: missing, short, then expiring, each once', async (t) => {
  t.same(depositFlags(input([])).map((f) => f.code), ['DEPOSIT_MISSING'])
  t.same(depositFlags(input([cash(10_000_000), letter(20_000_000, '2026-03-10')])).map((f) => f.code), ['DEPOSIT_SHORT', 'DEPOSIT_EXPIRING'])
  t.same(depositFlags(input([cash(50_000_000)])), [])
})
