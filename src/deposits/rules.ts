/**
 * The wage guarantee deposit (工资保证金): how much a general contractor must lodge for a project, and the flags
 * when it has not (人社部发〔2021〕65号《工资保证金管理暂行办法》; 条例 Art. 32).
 *
 * The measure fixes the frame and leaves the figures to each province:
 * - Art. 7: the deposit is a share of the construction contract amount (施工合同额, or the year's amount for a long
 *   contract), "in principle no less than 1% and no more than 3%", with a cap a province may set for large contracts;
 * - Art. 8: a contractor with several projects in one deposit region may lodge at a lower rate, never below 0.5%;
 * - Art. 9: a project under ¥3 million whose contractor had no arrears in the year before the contract may be
 *   exempted (the province may adjust the threshold);
 * - Art. 10: after 2 consecutive clean years in the region a new project's rate is cut by at least 50%; after 3, with
 *   real-name management and the dedicated account in place, a new project may be exempted; arrears in the 2 years
 *   before lodging raise the rate by at least 50%, and a place on the serious-dishonesty list (严重失信主体名单) for
 *   wage arrears by at least 100%;
 * - Art. 11: a bank guarantee letter (银行保函) may stand in for cash; regions may also accept a guarantee company's
 *   letter or engineering guarantee insurance (工程保证保险).
 *
 * The figures a province chooses live in a `DepositRateTable`; `assertWithinMeasure` holds every table to the
 * measure's bounds, so a table typed in wrong fails at load rather than understating a deposit.
 */
import { Money, fen, formatYuan, subFen, sumFen, type Fen } from '../kernel/money.ts'
import { DAY_MS, addDays, type WorkDate } from '../kernel/time.ts'

/** 现金存储 (cash in the deposit account), 银行保函 (bank guarantee letter), 保证保险 (guarantee insurance). */
export type DepositForm = 'cash' | 'bank_guarantee' | 'insurance'

/** A deposit lodged for a project. A letter or a policy covers up to and including `expiresOn`; cash does not expire. */
export type DepositRecord = {
  depositId: string
  projectId: string
  amountFen: Fen
  lodgedOn: WorkDate
  /** Returned or released to the contractor (返还): no longer in force from this date. */
  releasedOn?: WorkDate
} & ({ form: 'cash' } | { form: 'bank_guarantee' | 'insurance'; expiresOn: WorkDate; issuer: string })

/** The province's figures under the measure. Rates and factors are decimal strings, read exactly. */
export interface DepositRateTable {
  /** GB/T 2260 code of the province (xx0000). */
  regionCode: string
  /** Where each figure comes from, and which are defaults awaiting the province's own notice. */
  source: string
  /** Art. 7: the base share of the contract amount. */
  baseRate: string
  /** Art. 8: the share when the contractor has several projects under construction in the region (≥ 0.5%). */
  severalProjectsRate: string
  /** Art. 10: consecutive clean years after which a new project's rate is cut, and the factor (≤ 0.5). */
  cutAfterCleanYears: number
  cutFactor: string
  /** Art. 10: consecutive clean years after which a new project is exempt (with real-name management and the dedicated account). */
  waiveAfterCleanYears: number
  /** Art. 10: arrears in the 2 years before lodging raise the rate by this factor (≥ 1.5); a place on the serious-dishonesty list by the second (≥ 2). */
  arrearsFactor: string
  seriousDishonestyFactor: string
  /** Art. 9: contracts below this amount are exempt when the contractor had no arrears in the year before; undefined: the province does not exempt them. */
  smallContractExemptBelowFen?: Fen
  /** Art. 7: the most a single project's deposit need be; undefined: no cap. */
  capFen?: Fen
}

/**
 * Zhejiang (330000). The figures are the national measure's bounds: base 1% (its floor), the several-projects floor
 * of 0.5%, cut by 50% after 2 clean years, exemption after 3, raised by 50% after arrears and by 100% for the
 * serious-dishonesty list, small contracts under ¥3 million exempt. Zhejiang's own implementing measure (its base
 * rate, cap and threshold) was not found in the material searched, so every figure here is a default standing in for
 * the province's: replace them from its notice when it is at hand. The national figures were read from the measure's
 * published text, not from a copy kept in this repository; check them against it when entering Zhejiang's.
 */
export const ZHEJIANG_DEPOSIT_RATES: DepositRateTable = {
  regionCode: '330000',
  source: '人社部发〔2021〕65号 Arts. 7–10 (national bounds used as defaults; Zhejiang implementing figures not yet entered)',
  baseRate: '0.01',
  severalProjectsRate: '0.005',
  cutAfterCleanYears: 2,
  cutFactor: '0.5',
  waiveAfterCleanYears: 3,
  arrearsFactor: '1.5',
  seriousDishonestyFactor: '2',
  smallContractExemptBelowFen: fen(300_000_000), // ¥3,000,000
}

/** The bounds the measure sets on any province's table. */
export function assertWithinMeasure(table: DepositRateTable): void {
  const between = (name: string, v: string, min: string, max: string) => {
    const d = new Money(v)
    if (!d.isFinite() || d.lt(min) || d.gt(max)) throw new RangeError(`${table.regionCode} ${name} ${v} is outside [${min}, ${max}] (人社部发〔2021〕65号)`)
  }
  between('baseRate', table.baseRate, '0.01', '0.03')
  between('severalProjectsRate', table.severalProjectsRate, '0.005', table.baseRate)
  between('cutFactor', table.cutFactor, '0', '0.5')
  between('arrearsFactor', table.arrearsFactor, '1.5', '10')
  between('seriousDishonestyFactor', table.seriousDishonestyFactor, '2', '10')
  if (table.cutAfterCleanYears > 2 || table.waiveAfterCleanYears < table.cutAfterCleanYears) {
    throw new RangeError(`${table.regionCode}: the cut comes after at most 2 clean years and before any exemption`)
  }
}

export const DEPOSIT_RATE_TABLES: readonly DepositRateTable[] = [ZHEJIANG_DEPOSIT_RATES]
for (const table of DEPOSIT_RATE_TABLES) assertWithinMeasure(table)

/** The table for a project's region: the province's, found by the code's first two digits. */
export function depositRateTableFor(regionCode: string, tables: readonly DepositRateTable[] = DEPOSIT_RATE_TABLES): DepositRateTable | undefined {
  return tables.find((t) => t.regionCode.slice(0, 2) === regionCode.slice(0, 2))
}

/** What the contractor's record in the deposit region says, as of lodging. */
export interface ContractorRecord {
  /** Arrears (工资拖欠) on any of its projects in the region in the 2 years before lodging. */
  arrearsInPriorTwoYears: boolean
  /** Arrears in the year before the contract was signed (Art. 9). */
  arrearsInPriorYear: boolean
  /** On the serious-dishonesty list (严重失信主体名单) for wage arrears. */
  seriouslyDishonest: boolean
  /** Consecutive years in the region without arrears, counted since it first lodged a deposit there. */
  consecutiveCleanYears: number
  /** Real-name management and the dedicated wage account in place on its projects (Art. 10's condition for exemption). */
  realNameAndDedicatedAccount: boolean
  /** Other projects of its under construction in the same deposit region (Art. 8). */
  severalProjectsInRegion: boolean
}

/** Why the rate is what it is, in precedence order: a raise for arrears beats any cut or exemption. */
export type DepositBasis = 'raised_serious_dishonesty' | 'raised_arrears' | 'exempt_clean_years' | 'cut_clean_years' | 'exempt_small_contract' | 'base'

export interface RequiredDeposit {
  requiredFen: Fen
  /** The share applied, as a decimal string ('0' when exempt). */
  rate: string
  basis: DepositBasis
  /** True when the cap lowered the amount. */
  capped: boolean
}

/**
 * The deposit a project needs: contract amount × rate, rounded half up to the fen once, then capped. The rate is the
 * base (or the several-projects rate) times the factor the contractor's record calls for.
 */
export function requiredDeposit(contractAmountFen: Fen, record: ContractorRecord, table: DepositRateTable): RequiredDeposit {
  const rateBase = new Money(record.severalProjectsInRegion ? table.severalProjectsRate : table.baseRate)
  let basis: DepositBasis
  let factor: string
  if (record.seriouslyDishonest) {
    basis = 'raised_serious_dishonesty'
    factor = table.seriousDishonestyFactor
  } else if (record.arrearsInPriorTwoYears) {
    basis = 'raised_arrears'
    factor = table.arrearsFactor
  } else if (record.consecutiveCleanYears >= table.waiveAfterCleanYears && record.realNameAndDedicatedAccount) {
    basis = 'exempt_clean_years'
    factor = '0'
  } else if (table.smallContractExemptBelowFen !== undefined && contractAmountFen < table.smallContractExemptBelowFen && !record.arrearsInPriorYear) {
    // An exemption before a cut: a clean record must never owe more than the small contract would owe anyway.
    basis = 'exempt_small_contract'
    factor = '0'
  } else if (record.consecutiveCleanYears >= table.cutAfterCleanYears) {
    basis = 'cut_clean_years'
    factor = table.cutFactor
  } else {
    basis = 'base'
    factor = '1'
  }
  const rate = rateBase.times(factor)
  const uncapped = fen(new Money(contractAmountFen).times(rate).toDecimalPlaces(0, Money.ROUND_HALF_UP).toNumber())
  const capped = table.capFen !== undefined && uncapped > table.capFen
  return { requiredFen: capped ? table.capFen! : uncapped, rate: rate.toString(), basis, capped }
}

/** A project the register watches. */
export interface DepositProject {
  projectId: string
  contractorId: string
  regionCode: string
  /** 施工合同额 (or the year's amount for a contract that sets one). */
  contractAmountFen: Fen
  /** Under construction (在建): from start of works until wages are settled. */
  underConstruction: boolean
}

export type DepositFlagCode = 'DEPOSIT_MISSING' | 'DEPOSIT_SHORT' | 'DEPOSIT_EXPIRING'

export interface DepositFlag {
  code: DepositFlagCode
  projectId: string
  contractorId: string
  /** JSON-serialisable proof: the required amount and its basis, the deposits counted, dates. */
  evidence: Record<string, unknown>
  /** DEPOSIT_EXPIRING: the letter or policy (several may lapse in one month), for the case's key. */
  scope?: string
}

/** Days before a letter's or policy's expiry at which it is flagged (the issue: 30 days). */
export const DEPOSIT_EXPIRY_WARNING_DAYS = 30

/** In force on a date: lodged, not released, and (a letter or a policy) not past its last covered day. */
export function inForce(deposit: DepositRecord, date: WorkDate): boolean {
  // Dates are ISO YYYY-MM-DD: text order is date order.
  if (deposit.lodgedOn > date) return false
  if (deposit.releasedOn !== undefined && deposit.releasedOn <= date) return false
  return deposit.form === 'cash' || deposit.expiresOn >= date
}

export interface DepositCheckInput {
  project: DepositProject
  record: ContractorRecord
  /** The project's deposits, any state. */
  deposits: readonly DepositRecord[]
  asOf: WorkDate
  table: DepositRateTable
}

function depositEvidence(d: DepositRecord): Record<string, unknown> {
  return {
    depositId: d.depositId,
    form: d.form,
    amountFen: d.amountFen,
    amountYuan: formatYuan(d.amountFen),
    lodgedOn: d.lodgedOn,
    ...(d.form === 'cash' ? {} : { expiresOn: d.expiresOn, issuer: d.issuer }),
  }
}

function requiredEvidence(input: DepositCheckInput, required: RequiredDeposit): Record<string, unknown> {
  return {
    asOf: input.asOf,
    contractAmountFen: input.project.contractAmountFen,
    requiredFen: required.requiredFen,
    requiredYuan: formatYuan(required.requiredFen),
    rate: required.rate,
    basis: required.basis,
    capped: required.capped,
    rateSource: input.table.source,
  }
}

/** DEPOSIT_MISSING: a project under construction that needs a deposit has none in force. */
export function depositMissing(input: DepositCheckInput): DepositFlag | undefined {
  if (!input.project.underConstruction) return undefined
  const required = requiredDeposit(input.project.contractAmountFen, input.record, input.table)
  if (required.requiredFen <= 0) return undefined
  if (input.deposits.some((d) => d.projectId === input.project.projectId && inForce(d, input.asOf))) return undefined
  const lapsed = input.deposits.filter((d) => d.projectId === input.project.projectId && d.lodgedOn <= input.asOf)
  return {
    code: 'DEPOSIT_MISSING',
    projectId: input.project.projectId,
    contractorId: input.project.contractorId,
    evidence: { ...requiredEvidence(input, required), lapsedDeposits: lapsed.map(depositEvidence) },
  }
}

/** DEPOSIT_SHORT: deposits are in force but add up to less than required. None in force is DEPOSIT_MISSING instead. */
export function depositShort(input: DepositCheckInput): DepositFlag | undefined {
  if (!input.project.underConstruction) return undefined
  const required = requiredDeposit(input.project.contractAmountFen, input.record, input.table)
  const current = input.deposits.filter((d) => d.projectId === input.project.projectId && inForce(d, input.asOf))
  if (current.length === 0) return undefined
  const inForceFen = sumFen(current.map((d) => d.amountFen))
  if (inForceFen >= required.requiredFen) return undefined
  const shortFen = subFen(required.requiredFen, inForceFen)
  return {
    code: 'DEPOSIT_SHORT',
    projectId: input.project.projectId,
    contractorId: input.project.contractorId,
    evidence: { ...requiredEvidence(input, required), inForceFen, inForceYuan: formatYuan(inForceFen), shortFen, shortYuan: formatYuan(shortFen), deposits: current.map(depositEvidence) },
  }
}

/**
 * DEPOSIT_EXPIRING: a guarantee letter or policy in force whose last covered day is within
 * DEPOSIT_EXPIRY_WARNING_DAYS of `asOf` (asOf itself up to asOf + 30, inclusive). Not raised when what stays in force
 * the day after it lapses (a renewal already lodged, cash, other letters) still covers the required amount.
 */
export function depositExpiring(input: DepositCheckInput): DepositFlag[] {
  if (!input.project.underConstruction) return []
  const required = requiredDeposit(input.project.contractAmountFen, input.record, input.table)
  if (required.requiredFen <= 0) return []
  const mine = input.deposits.filter((d) => d.projectId === input.project.projectId).sort((a, b) => a.depositId.localeCompare(b.depositId))
  const horizon = addDays(input.asOf, DEPOSIT_EXPIRY_WARNING_DAYS)
  const flags: DepositFlag[] = []
  for (const d of mine) {
    if (d.form === 'cash' || !inForce(d, input.asOf) || d.expiresOn > horizon) continue
    const dayAfter = addDays(d.expiresOn, 1)
    const coverAfterFen = sumFen(mine.filter((o) => inForce(o, dayAfter)).map((o) => o.amountFen))
    if (coverAfterFen >= required.requiredFen) continue
    flags.push({
      code: 'DEPOSIT_EXPIRING',
      projectId: input.project.projectId,
      contractorId: input.project.contractorId,
      scope: `deposit:${d.depositId}`,
      evidence: {
        ...requiredEvidence(input, required),
        deposit: depositEvidence(d),
        daysLeft: daysBetween(input.asOf, d.expiresOn),
        coverAfterExpiryFen: coverAfterFen,
        coverAfterExpiryYuan: formatYuan(coverAfterFen),
      },
    })
  }
  return flags
}

/** Every deposit flag for a project, in precedence order: missing, short, then expiring letters. */
export function depositFlags(input: DepositCheckInput): DepositFlag[] {
  const flags: DepositFlag[] = []
  const missing = depositMissing(input)
  if (missing) flags.push(missing)
  const short = depositShort(input)
  if (short) flags.push(short)
  flags.push(...depositExpiring(input))
  return flags
}

function daysBetween(from: WorkDate, to: WorkDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS)
}
