/**
 * Credit records (信用记录) on employers found in arrears, and how long they count: rules kept as data, each version
 * in force from its date, so a change of rule applies to records made from then on and never rewrites an earlier
 * record's life (a record keeps the version it was recorded under, credit_records.rule_version).
 *
 * The first version follows the national measures on the list of employers in wage arrears (拖欠农民工工资失信联合
 * 惩戒对象名单管理暂行办法, 2021): a record counts for 3 years from the day it was made, and an employer that has
 * paid the arrears in full may have it repaired (信用修复, removed early) once it has gone 12 months from paying
 * without a new record. The bureau's decision to repair is entered by the platform operator with its reason.
 *
 * Pure: dates are given (YYYY-MM-DD in the zone the caller counts in).
 */
import type { WorkDate } from '../kernel/time.ts'

export interface CreditRule {
  version: string
  /** The first day records made under it are recorded on. */
  effectiveFrom: WorkDate
  /** A record stops counting this many months after it was recorded (on the same day of the month, or the month's last). */
  expiresAfterMonths: number
  /** Repair may be granted this many months after the arrears were paid in full. */
  repairAfterPaidMonths: number
  /** Where the numbers come from, for the person reading a record. */
  source: string
}

export const CREDIT_RULES: readonly CreditRule[] = [
  {
    version: 'credit-2026.1',
    effectiveFrom: '2000-01-01',
    expiresAfterMonths: 36,
    repairAfterPaidMonths: 12,
    source: '拖欠农民工工资失信联合惩戒对象名单管理暂行办法 (2021): 3 years on the list; early removal 12 months after the arrears are paid in full',
  },
]

/** The rule in force on a date: the newest version whose effectiveFrom is on or before it. */
export function creditRuleOn(date: WorkDate, rules: readonly CreditRule[] = CREDIT_RULES): CreditRule {
  const inForce = rules.filter((r) => r.effectiveFrom <= date).sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : 1))
  const rule = inForce.at(-1)
  if (!rule) throw new Error(`no credit rule is in force on ${date}`)
  return rule
}

export function creditRuleOf(version: string, rules: readonly CreditRule[] = CREDIT_RULES): CreditRule {
  const rule = rules.find((r) => r.version === version)
  if (!rule) throw new Error(`unknown credit rule version ${version}`)
  return rule
}

/** The date `months` calendar months after `date`, on the same day or the month's last when it has fewer days. */
export function addMonthsToDate(date: WorkDate, months: number): WorkDate {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const index = y * 12 + (m - 1) + months
  const year = Math.floor(index / 12)
  const month = (index % 12) + 1
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate()
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`
}

/** The first day a record no longer counts. */
export const expiresOn = (recordedOn: WorkDate, rule: CreditRule): WorkDate => addMonthsToDate(recordedOn, rule.expiresAfterMonths)

export interface CreditRecordFacts {
  recordedOn: WorkDate
  ruleVersion: string
  /** The dates its repair and its expiry were recorded on, when they were. */
  repairedOn: WorkDate | null
  expiredOn: WorkDate | null
}

export type CreditRecordState = 'not_yet' | 'active' | 'repaired' | 'expired'

/** What a record is on a date: active from the day it was recorded until its rule's expiry or its repair. */
export function creditRecordState(r: CreditRecordFacts, onDate: WorkDate, rules: readonly CreditRule[] = CREDIT_RULES): CreditRecordState {
  if (onDate < r.recordedOn) return 'not_yet'
  if (r.repairedOn !== null && r.repairedOn <= onDate) return 'repaired'
  const expiry = expiresOn(r.recordedOn, creditRuleOf(r.ruleVersion, rules))
  if (onDate >= expiry || (r.expiredOn !== null && r.expiredOn <= onDate)) return 'expired'
  return 'active'
}

export type RepairRefusal =
  | { code: 'not_active'; state: CreditRecordState }
  | { code: 'paid_in_future' }
  | { code: 'paid_before_arrears'; periodFrom: WorkDate }
  | { code: 'too_early'; repairableOn: WorkDate }
  | { code: 'newer_record'; recordId: string; recordedOn: WorkDate }

/**
 * Whether a repair may be recorded today for arrears paid in full on `paidInFullOn`. `periodFrom`: the first day of the
 * arrears the record is for; they cannot have been paid in full before they began, and a date before it would clear
 * the record the day it is made. `others`: the employer's other records; the months since paying must have passed
 * without a new one, so a record made after the payment (by today) refuses the repair, naming the first such record.
 */
export function repairCheck(
  r: CreditRecordFacts,
  paidInFullOn: WorkDate,
  today: WorkDate,
  rules: readonly CreditRule[] = CREDIT_RULES,
  periodFrom?: WorkDate,
  others: ReadonlyArray<{ id: string; recordedOn: WorkDate }> = [],
): { ok: true } | { ok: false; refusal: RepairRefusal } {
  const state = creditRecordState(r, today, rules)
  if (state !== 'active') return { ok: false, refusal: { code: 'not_active', state } }
  if (paidInFullOn > today) return { ok: false, refusal: { code: 'paid_in_future' } }
  if (periodFrom !== undefined && paidInFullOn < periodFrom) return { ok: false, refusal: { code: 'paid_before_arrears', periodFrom } }
  const newer = others
    .filter((o) => o.recordedOn > paidInFullOn && o.recordedOn <= today)
    .sort((a, b) => (a.recordedOn < b.recordedOn ? -1 : a.recordedOn > b.recordedOn ? 1 : a.id < b.id ? -1 : 1))[0]
  if (newer !== undefined) return { ok: false, refusal: { code: 'newer_record', recordId: newer.id, recordedOn: newer.recordedOn } }
  const repairableOn = addMonthsToDate(paidInFullOn, creditRuleOf(r.ruleVersion, rules).repairAfterPaidMonths)
  if (today < repairableOn) return { ok: false, refusal: { code: 'too_early', repairableOn } }
  return { ok: true }
}
