/**
 * The local minimum wage (最低工资标准) and the check that a month's pay meets it.
 *
 * A province sets the amount of each tier (档次), monthly for full-time work and hourly for part-time work (非全日制),
 * and its cities choose each county's tier. So the lookup takes a GB/T 2260 region code and a work date, finds the
 * provincial standard in force on that date, and then the tier named for the county, failing that for its city, failing
 * that for the whole province. A region no source names is unknown: the check says so instead of guessing a tier.
 *
 * What is compared (最低工资规定, 劳动和社会保障部令第21号, Art. 12): the pay for normal working hours, after taking
 * out (1) overtime pay (延长工作时间工资), (2) allowances for night shifts, heat, cold, underground, toxic or otherwise
 * special conditions (特殊工作环境、条件下的津贴), and (3) statutory welfare. Not the net (实发): the worker's own
 * social insurance, income tax and an advance already paid are the worker's money, paid out on the worker's behalf or
 * earlier, and Zhejiang's standard is understood to include the worker's own social insurance and housing-fund
 * contributions. The employer's social insurance is never part of the line's pay, so it is not counted either. A
 * deduction of any other kind (a fine, a charge for damage) is taken off what counts: 工资支付暂行规定 Art. 16 lets a
 * deduction for damage leave no less than the minimum wage.
 */
import { Money, formatYuan, subFen, sumFen, timesFen, type Fen } from '../kernel/money.ts'
import { clampedDate, isWorkDate, type Month, type WorkDate } from '../kernel/time.ts'
import { ZHEJIANG_MINIMUM_WAGE } from './minimum-wage.zhejiang.ts'

/** A tier (档次) of a provincial standard: 1 is the highest. */
export type MinimumWageTier = 1 | 2 | 3 | 4

export interface TierAmounts {
  /** Monthly minimum for full-time work (月最低工资标准). */
  monthlyFen: Fen
  /** Hourly minimum for part-time work (非全日制小时最低工资标准). */
  hourlyFen: Fen
}

/** A region's tier under one standard, as its city published it. `regionCode` is a county, a city (xxxx00) or the province (xx0000). */
export interface TierAssignment {
  regionCode: string
  tier: MinimumWageTier
  source: string
}

/** One provincial standard: the tier amounts in force from a date, and the regions' tiers chosen under it. */
export interface MinimumWageStandard {
  effectiveFrom: WorkDate
  source: string
  tiers: Partial<Record<MinimumWageTier, TierAmounts>>
  assignments: readonly TierAssignment[]
}

export interface MinimumWageTable {
  /** The first two digits of the province's GB/T 2260 codes. */
  provinceCode: string
  /** In any order; the lookup picks the newest in force on the date. */
  standards: readonly MinimumWageStandard[]
}

export interface MinimumWage extends TierAmounts {
  tier: MinimumWageTier
  /** The standard's source and the tier assignment's source. */
  source: string
  standardEffectiveFrom: WorkDate
  /** The code whose assignment was used: the county's own, its city's or the province's. */
  assignedRegionCode: string
}

export const MINIMUM_WAGE_TABLES: readonly MinimumWageTable[] = [ZHEJIANG_MINIMUM_WAGE]

const REGION_CODE = /^\d{6}$/

/** The provincial standard in force at a region on a date (whatever tier the region is in), or undefined. */
export function provincialStandardFor(regionCode: string, workDate: WorkDate, tables: readonly MinimumWageTable[] = MINIMUM_WAGE_TABLES): MinimumWageStandard | undefined {
  if (!REGION_CODE.test(regionCode) || !isWorkDate(workDate)) return undefined
  const table = tables.find((t) => t.provinceCode === regionCode.slice(0, 2))
  if (!table) return undefined
  let standard: MinimumWageStandard | undefined
  for (const s of table.standards) {
    // Dates are ISO YYYY-MM-DD, so text order is date order.
    if (s.effectiveFrom <= workDate && (!standard || s.effectiveFrom > standard.effectiveFrom)) standard = s
  }
  return standard
}

/**
 * The minimum wage in force at a region on a date, or undefined when no source names the region's tier under the
 * standard then in force (or no standard was yet in force, or the province is not kept here).
 */
export function minimumWageFor(regionCode: string, workDate: WorkDate, tables: readonly MinimumWageTable[] = MINIMUM_WAGE_TABLES): MinimumWage | undefined {
  const standard = provincialStandardFor(regionCode, workDate, tables)
  if (!standard) return undefined
  // The county first, then its city, then the whole province; a code that is itself a city's or the province's
  // simply finds its own entry at the matching step.
  const candidates = [regionCode, `${regionCode.slice(0, 4)}00`, `${regionCode.slice(0, 2)}0000`]
  for (const code of candidates) {
    const assignment = standard.assignments.find((a) => a.regionCode === code)
    if (!assignment) continue
    const amounts = standard.tiers[assignment.tier]
    // A tier the standard does not define is a data error; treat the region as unknown rather than invent a figure.
    if (!amounts) return undefined
    return {
      ...amounts,
      tier: assignment.tier,
      source: `${standard.source}; ${assignment.source}`,
      standardEffectiveFrom: standard.effectiveFrom,
      assignedRegionCode: code,
    }
  }
  return undefined
}

/** The minimum a line is judged against: the region's own, or the province's floor (tier and region null). */
type JudgedMinimum = Omit<MinimumWage, 'tier' | 'assignedRegionCode'> & { tier: MinimumWageTier | null; assignedRegionCode: string | null }

/**
 * Where the region's tier under the standard in force is unsourced: the standard's lowest tier. Pay below it is below
 * the minimum wherever in the province the project is, so the clearest shortfalls are still caught without guessing
 * the region's own tier (which may be higher: a line above this floor is `met` only against the floor, and the
 * evidence says so with `tier: null`).
 */
function provincialFloor(regionCode: string, workDate: WorkDate, tables: readonly MinimumWageTable[]): JudgedMinimum | undefined {
  const standard = provincialStandardFor(regionCode, workDate, tables)
  if (!standard) return undefined
  let lowest: JudgedMinimum | undefined
  for (const amounts of Object.values(standard.tiers)) {
    if (amounts === undefined) continue
    if (lowest === undefined || amounts.monthlyFen < lowest.monthlyFen) {
      lowest = { ...amounts, tier: null, source: `${standard.source}; the region's tier is not kept here: the province's lowest tier`, standardEffectiveFrom: standard.effectiveFrom, assignedRegionCode: null }
    }
  }
  return lowest
}

export type DeductionKind = 'advance' | 'personal_social_insurance' | 'income_tax' | 'other'

/** One payroll sheet line, as the minimum wage check reads it. */
export interface MinimumWageLine {
  workerId: string
  period: Month
  /** The project's region (GB/T 2260 county code). */
  regionCode: string
  /** Days credited this month (halves allowed). */
  daysCredited: number
  /** The month's expected days under the wage terms. */
  expectedDays: number
  /** Set when the terms say the worker is full-time whatever the days credited (e.g. a monthly wage). */
  fullTime?: boolean
  /** Hours worked: needed to judge a line that is not a full month. */
  hours?: number
  /** 应发: everything payable this month, before deductions. */
  payableFen: Fen
  /** Part of payableFen that is overtime pay (加班工资). */
  overtimeFen: Fen
  /** Part of payableFen that is allowances for special conditions or statutory welfare (特殊条件津贴、福利待遇). */
  excludedAllowancesFen: Fen
  deductions: ReadonlyArray<{ kind: DeductionKind; amountFen: Fen }>
  /** 实发, shown in the evidence. */
  netFen: Fen
}

export interface BelowMinimumWageFlag {
  code: 'BELOW_MINIMUM_WAGE'
  workerId: string
  period: Month
  evidence: Record<string, unknown>
}

/**
 * Named outcomes of the check:
 * - `met`: the pay that counts is at least the minimum;
 * - `below`: it is not, and the flag carries the figures;
 * - `minimum_unknown`: no minimum is kept for the region on that date (the region's tier is unsourced);
 * - `not_judged`: a month that is neither full-time nor carries hours, so there is nothing to compare it with.
 */
export type MinimumWageOutcome =
  | { outcome: 'met'; countedFen: Fen; minimumFen: Fen }
  | { outcome: 'below'; flag: BelowMinimumWageFlag }
  | { outcome: 'minimum_unknown'; regionCode: string; workDate: WorkDate }
  | { outcome: 'not_judged'; reason: 'partial_month_without_hours' }

/**
 * The month's minimum is the one in force on its last day: both Zhejiang standards took effect on the 1st of a month,
 * so a month never straddles two of them here, and where one did the later (higher) figure is the worker's.
 */
export function checkMinimumWage(line: MinimumWageLine, tables: readonly MinimumWageTable[] = MINIMUM_WAGE_TABLES): MinimumWageOutcome {
  const workDate = clampedDate(line.period, 31)
  const minimum: JudgedMinimum | undefined = minimumWageFor(line.regionCode, workDate, tables) ?? provincialFloor(line.regionCode, workDate, tables)
  if (!minimum) return { outcome: 'minimum_unknown', regionCode: line.regionCode, workDate }

  const fullTime = line.fullTime === true || new Money(line.daysCredited).gte(line.expectedDays)
  let minimumFen: Fen
  let basis: Record<string, unknown>
  if (fullTime) {
    minimumFen = minimum.monthlyFen
    basis = { basis: 'monthly', daysCredited: line.daysCredited, expectedDays: line.expectedDays, fullTimeFlag: line.fullTime === true }
  } else if (line.hours !== undefined && line.hours > 0) {
    // Rounded once, half up, to the fen: hourly minimum × hours.
    minimumFen = timesFen(minimum.hourlyFen, line.hours)
    basis = { basis: 'hourly', hours: line.hours, hourlyFen: minimum.hourlyFen, hourlyYuan: formatYuan(minimum.hourlyFen) }
  } else {
    return { outcome: 'not_judged', reason: 'partial_month_without_hours' }
  }

  const otherDeductionsFen = sumFen(line.deductions.filter((d) => d.kind === 'other').map((d) => d.amountFen))
  const normalHoursFen = subFen(subFen(line.payableFen, line.overtimeFen), line.excludedAllowancesFen)
  const countedFen = subFen(normalHoursFen, otherDeductionsFen)
  if (countedFen >= minimumFen) return { outcome: 'met', countedFen, minimumFen }

  const shortFen = subFen(minimumFen, countedFen)
  return {
    outcome: 'below',
    flag: {
      code: 'BELOW_MINIMUM_WAGE',
      workerId: line.workerId,
      period: line.period,
      evidence: {
        ...basis,
        regionCode: line.regionCode,
        assignedRegionCode: minimum.assignedRegionCode,
        tier: minimum.tier,
        standardEffectiveFrom: minimum.standardEffectiveFrom,
        source: minimum.source,
        minimumFen,
        minimumYuan: formatYuan(minimumFen),
        payableFen: line.payableFen,
        overtimeFen: line.overtimeFen,
        excludedAllowancesFen: line.excludedAllowancesFen,
        otherDeductionsFen,
        countedFen,
        countedYuan: formatYuan(countedFen),
        netFen: line.netFen,
        netYuan: formatYuan(line.netFen),
        shortFen,
        shortYuan: formatYuan(shortFen),
      },
    },
  }
}

/** The flag alone, for detectors that only collect flags: a line below the minimum, or undefined. */
export function belowMinimumWage(line: MinimumWageLine, tables: readonly MinimumWageTable[] = MINIMUM_WAGE_TABLES): BelowMinimumWageFlag | undefined {
  const r = checkMinimumWage(line, tables)
  return r.outcome === 'below' ? r.flag : undefined
}

