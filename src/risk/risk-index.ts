/**
 * The wage-arrears risk index (欠薪风险指数) of a project or an employer for a month: where the bureau looks first, and
 * why. Issue 15; the province's own index (浙江安薪指数) is the model, its weights are not public, so ours are written
 * down here, versioned, and each score shows what raised it.
 *
 * A subject's signals are the ledger's own (open arrears cases, late or short funding, the unpaid share of the roster,
 * payroll sheets not made, gates offline, the guarantee deposit missing or short) and the other departments' (tax or
 * social insurance arrears, utility arrears or cut-off, lawsuits, abnormal operation, work stoppage: 联合预警).
 *
 * Rules the tests hold the formula to, whatever its weights:
 * - a score is the sum of its parts, each part the sum of its reasons, all whole points (tenths of the 0–100 scale, so
 *   no float ever adds up differently);
 * - a part never exceeds its cap, and the caps add up to the top of the scale, so no total needs clipping (clipping
 *   the total would break the first rule);
 * - adding a signal never lowers a score: every weight is a non-negative step of a non-decreasing table, the parts
 *   that sum take the sum, and the ones that cannot (the unpaid share, the deposit) take the worst signal;
 * - a formula applies from its effective date: a month is scored by the newest formula in force on its last day, and
 *   a new formula never rescores the months before it (their scores are kept as they were).
 *
 * Pure: the caller gathers the signals (src/oversight, the outside imports) and keeps the history.
 */
import { formatYuan, type Fen } from '../kernel/money.ts'
import type { WorkDate } from '../kernel/time.ts'

/** What the other departments report monthly about an employer (联合预警监控), by unified social credit code. */
export type OutsideKind = 'tax_arrears' | 'social_insurance_arrears' | 'utility_arrears' | 'utility_cutoff' | 'lawsuit' | 'abnormal_operation' | 'work_stoppage'

export type RiskSignal =
  /** An open arrears case (UNPAID / SHORTFALL): what it owes, to how many, and how long past its 7-day clock. */
  | { kind: 'arrears_case'; caseId: string; amountFen: Fen; headcount: number; overdueDays: number }
  /** Labour cost funded late or short against the contract's schedule (人工费用拨付). */
  | { kind: 'funding_late'; periodId: string; daysLate: number; shortFen: Fen }
  /** Workers on the roster in the month due with no paid bank line, of all on it. */
  | { kind: 'unpaid_headcount'; unpaid: number; onRoster: number }
  /** Teams whose month has no payroll sheet made or no confirmed timesheet. */
  | { kind: 'sheet_missing'; teamId: string; teamName?: string; month?: string }
  /** A gate or terminal offline on site hours. */
  | { kind: 'device_offline'; serial: string }
  /** The guarantee deposit (工资保证金) missing, or short by an amount. */
  | { kind: 'deposit_gap'; gap: 'missing' | 'short'; shortFen: Fen }
  /** A credit record (信用记录) counting on the month's last day: arrears a case confirmed, not yet expired or repaired. */
  | { kind: 'credit_record'; recordId: string; employerName: string; amountFen: Fen; recordedOn: WorkDate }
  /** A department's signal on the employer. Severity 1 (notice) to 3 (serious), as the department grades it. */
  | { kind: 'outside'; signal: OutsideKind; severity: 1 | 2 | 3; amountFen: Fen | null; source: string; period: string }

export type RiskPart = 'arrears' | 'funding' | 'unpaid' | 'sheets' | 'devices' | 'deposit' | 'outside' | 'credit'

export type RiskLevel = 'green' | 'yellow' | 'red'

/** A step table: the points of the highest threshold reached (thresholds ascending, points non-decreasing). */
export type Steps = ReadonlyArray<readonly [threshold: number, points: number]>

export interface RiskFormula {
  version: string
  effectiveFrom: WorkDate
  /** Each part's cap in points (tenths); they add up to SCALE_TOP. */
  caps: Readonly<Record<RiskPart, number>>
  arrears: { perCase: number; amountYuan: Steps; headcount: Steps; overdueDays: Steps }
  funding: { daysLate: Steps; shortYuan: Steps }
  /** The unpaid share in basis points (1/10,000 of the roster). */
  unpaidShareBp: Steps
  sheetPerTeam: number
  devicePerGate: number
  deposit: { missing: number; shortYuan: Steps }
  outside: { perSeverity: number; kind: Readonly<Record<OutsideKind, number>>; amountYuan: Steps }
  /** Each credit record counting, and more for its amount. */
  credit: { perRecord: number; amountYuan: Steps }
  /** Scores at or above these are yellow, red. */
  levels: { yellow: number; red: number }
}

/** 100.0 on the scale shown, kept as whole tenths. */
export const SCALE_TOP = 1000

/** The first formula: the ledger's signals and the departments'. */
const FORMULA_2026_1: RiskFormula = {
  version: '2026.1',
  effectiveFrom: '2026-01-01',
  // Credit records did not count yet (listed with 0 points when a month of this formula has one).
  caps: { arrears: 350, funding: 150, unpaid: 150, sheets: 60, devices: 40, deposit: 100, outside: 150, credit: 0 },
  // Money and headcount weigh most, as the programme's targets do (no case of ¥5M or more, none of 10 or more workers).
  arrears: {
    perCase: 40,
    amountYuan: [[10_000, 20], [100_000, 40], [1_000_000, 80], [5_000_000, 150]],
    headcount: [[3, 20], [10, 60], [30, 100]],
    overdueDays: [[1, 30], [8, 60]],
  },
  funding: { daysLate: [[1, 30], [15, 60], [30, 90]], shortYuan: [[1, 30], [100_000, 60]] },
  unpaidShareBp: [[500, 50], [2_000, 100], [5_000, 150]],
  sheetPerTeam: 20,
  devicePerGate: 10,
  deposit: { missing: 100, shortYuan: [[1, 40], [100_000, 70]] },
  outside: {
    perSeverity: 20,
    kind: { utility_cutoff: 30, work_stoppage: 30, social_insurance_arrears: 20, tax_arrears: 20, lawsuit: 20, utility_arrears: 10, abnormal_operation: 10 },
    amountYuan: [[1_000_000, 20]],
  },
  credit: { perRecord: 0, amountYuan: [] },
  levels: { yellow: 150, red: 400 },
}

export const RISK_FORMULAS: readonly RiskFormula[] = [
  FORMULA_2026_1,
  {
    // Credit records (issue 15) join the index: an employer whose arrears a case confirmed is watched on every project
    // it answers for. Their cap is taken from the parts that warn of arrears rather than show them (the departments'
    // signals, funding, sheets, gates); arrears, the unpaid share and the deposit keep theirs, so a month with every
    // worker unpaid is still yellow on that alone. Every weight is unchanged.
    ...FORMULA_2026_1,
    version: '2026.2',
    effectiveFrom: '2026-12-01',
    caps: { arrears: 350, funding: 130, unpaid: 150, sheets: 50, devices: 30, deposit: 100, outside: 110, credit: 80 },
    credit: { perRecord: 50, amountYuan: [[100_000, 15], [1_000_000, 30]] },
  },
]

/** The formula in force on a date: the newest whose effective date has come; undefined before the first. */
export function formulaFor(date: WorkDate, formulas: readonly RiskFormula[] = RISK_FORMULAS): RiskFormula | undefined {
  let found: RiskFormula | undefined
  for (const f of formulas) if (f.effectiveFrom <= date && (!found || f.effectiveFrom > found.effectiveFrom)) found = f
  return found
}

export function stepPoints(steps: Steps, value: number): number {
  let points = 0
  for (const [threshold, p] of steps) if (value >= threshold) points = p
  return points
}

/** Whole yuan for the step tables (a fen short of a threshold has not reached it). */
const yuanOf = (f: Fen): number => Math.floor(f / 100)

export interface RiskReason {
  /** The signal, as it came, for the explanation. */
  signal: RiskSignal
  points: number
  /** What the points are for, in words for the inspector. */
  why: string
}

export interface RiskPartScore {
  part: RiskPart
  /** Equal to the sum of its reasons' points, never above the cap. */
  points: number
  cap: number
  reasons: RiskReason[]
}

export interface RiskScore {
  formula: string
  /** Whole tenths, 0 to SCALE_TOP; the sum of the parts. */
  points: number
  level: RiskLevel
  parts: RiskPartScore[]
}

/** Each part's name as the pages show it beside its points. */
export const RISK_PART_NAMES: Readonly<Record<RiskPart, string>> = {
  arrears: '欠薪案件',
  funding: '人工费拨付',
  unpaid: '未发放人数',
  sheets: '工资表',
  devices: '考勤设备',
  deposit: '工资保证金',
  outside: '部门预警',
  credit: '信用记录',
}

const OUTSIDE_NAMES: Readonly<Record<OutsideKind, string>> = {
  tax_arrears: '欠缴税费',
  social_insurance_arrears: '欠缴社保',
  utility_arrears: '欠缴水电费',
  utility_cutoff: '停水停电',
  lawsuit: '涉诉',
  abnormal_operation: '经营异常',
  work_stoppage: '停工',
}

const yuanText = (f: Fen): string => `¥${formatYuan(f)}`

/** Points of one signal before its part's cap, with the words for them. */
function signalPoints(f: RiskFormula, s: RiskSignal): { part: RiskPart; points: number; why: string } {
  switch (s.kind) {
    case 'arrears_case': {
      const points = f.arrears.perCase + stepPoints(f.arrears.amountYuan, yuanOf(s.amountFen)) + stepPoints(f.arrears.headcount, s.headcount) + stepPoints(f.arrears.overdueDays, s.overdueDays)
      return { part: 'arrears', points, why: `欠薪案件 ${yuanText(s.amountFen)}，${s.headcount} 人${s.overdueDays > 0 ? `，超期 ${s.overdueDays} 天` : ''}` }
    }
    case 'funding_late':
      return {
        part: 'funding',
        points: stepPoints(f.funding.daysLate, s.daysLate) + stepPoints(f.funding.shortYuan, yuanOf(s.shortFen)),
        why: `人工费用 ${s.periodId} 期${s.daysLate > 0 ? `迟拨 ${s.daysLate} 天` : ''}${s.shortFen > 0 ? `，少拨 ${yuanText(s.shortFen)}` : ''}`,
      }
    case 'unpaid_headcount': {
      const bp = s.onRoster <= 0 ? 0 : Math.floor((Math.min(s.unpaid, s.onRoster) * 10_000) / s.onRoster)
      return { part: 'unpaid', points: stepPoints(f.unpaidShareBp, bp), why: `在册 ${s.onRoster} 人中 ${s.unpaid} 人未发放（${(bp / 100).toFixed(2)}%）` }
    }
    case 'sheet_missing':
      return { part: 'sheets', points: f.sheetPerTeam, why: `班组 ${s.teamName ?? s.teamId} ${s.month === undefined ? '本月' : `${s.month} `}工资表未编制或考勤未确认` }
    case 'device_offline':
      return { part: 'devices', points: f.devicePerGate, why: `考勤设备 ${s.serial} 离线` }
    case 'deposit_gap':
      return s.gap === 'missing'
        ? { part: 'deposit', points: f.deposit.missing, why: '工资保证金未存储' }
        : { part: 'deposit', points: stepPoints(f.deposit.shortYuan, yuanOf(s.shortFen)), why: `工资保证金不足 ${yuanText(s.shortFen)}` }
    case 'credit_record':
      return {
        part: 'credit',
        points: f.credit.perRecord + stepPoints(f.credit.amountYuan, yuanOf(s.amountFen)),
        why: `信用记录：${s.employerName} 拖欠工资 ${yuanText(s.amountFen)}（${s.recordedOn} 记录）`,
      }
    case 'outside':
      return {
        part: 'outside',
        points: f.outside.perSeverity * s.severity + f.outside.kind[s.signal] + (s.amountFen === null ? 0 : stepPoints(f.outside.amountYuan, yuanOf(s.amountFen))),
        why: `${s.source}：${OUTSIDE_NAMES[s.signal]}（${s.period}，${s.severity} 级${s.amountFen === null ? '' : `，${yuanText(s.amountFen)}`}）`,
      }
  }
}

/** Parts that count only their worst signal: a share or a gap is one fact about the month, not a sum of reports. */
const WORST_ONLY: ReadonlySet<RiskPart> = new Set(['unpaid', 'deposit'])

const PART_ORDER: readonly RiskPart[] = ['arrears', 'funding', 'unpaid', 'sheets', 'devices', 'deposit', 'outside', 'credit']

/**
 * The subject's score under a formula. A part's reasons are its signals' points, largest first; where the cap cuts,
 * the reason that reaches it keeps only what fits and the rest keep 0 (still listed: the inspector sees every
 * signal), so the parts still sum exactly.
 */
export function riskScore(signals: readonly RiskSignal[], f: RiskFormula): RiskScore {
  const byPart = new Map<RiskPart, RiskReason[]>()
  for (const s of signals) {
    const { part, points, why } = signalPoints(f, s)
    const list = byPart.get(part) ?? []
    list.push({ signal: s, points, why })
    byPart.set(part, list)
  }
  const parts: RiskPartScore[] = []
  for (const part of PART_ORDER) {
    const raw = byPart.get(part)
    if (!raw) continue
    const cap = f.caps[part]
    // Largest first, then by the words, so equal inputs in any order give the same explanation.
    const sorted = [...raw].sort((a, b) => b.points - a.points || (a.why < b.why ? -1 : a.why > b.why ? 1 : 0))
    let room = cap
    const reasons = sorted.map((r, i) => {
      const counted = WORST_ONLY.has(part) && i > 0 ? 0 : Math.min(r.points, room)
      room -= counted
      return { ...r, points: counted }
    })
    parts.push({ part, points: cap - room, cap, reasons })
  }
  const points = parts.reduce((sum, p) => sum + p.points, 0)
  return { formula: f.version, points, level: points >= f.levels.red ? 'red' : points >= f.levels.yellow ? 'yellow' : 'green', parts }
}

/** The score of a month under the formula in force on its last day; undefined before any formula. */
export function riskScoreOfMonth(signals: readonly RiskSignal[], monthEnd: WorkDate, formulas: readonly RiskFormula[] = RISK_FORMULAS): RiskScore | undefined {
  const f = formulaFor(monthEnd, formulas)
  return f && riskScore(signals, f)
}

/** The score as the pages show it: 0.0 to 100.0. */
export const scoreText = (points: number): string => (points / 10).toFixed(1)
