/**
 * Payroll sheet rules (工资支付表规则), pure: the states a sheet goes through and the step each action takes, and one
 * worker's line made from the confirmed timesheet line, the adjustments carried into the month and the pay inputs.
 *
 * States. A sheet is made as `draft`, sent to the team for the workers' answers (`sent`), submitted by the team
 * manager (`submitted`), approved by the labour manager (`approved`), put into a bank instruction (`instructed`) and
 * settled once reconciliation finds every line paid (`settled`). A settled sheet a payment of which the bank gives
 * back (退票) is reopened: a new `instructed` event (paid in part, not settled), the return as its reason, and it is
 * settled again once reconciliation finds every line paid again. Before approval it may be withdrawn (`withdrawn`),
 * after which a new sheet may be made. After approval nothing is edited: a change is a new version, and the version it
 * replaces gets a `superseded` transition. The events are append-only; the newest is the state.
 *
 * Lines. The month's own days are priced by `payLine` (terms spans, piece quantities, additions), then every
 * adjustment (补差) to a confirmed earlier month carried into this one is priced on its own at the terms in force on
 * its own work date — a day taken back after a rise is taken back at the old rate, never the new one:
 * - daily terms: rate × halves ÷ 2; hourly: rate × minutes ÷ 60; monthly: the change of the adjusted month's capped
 *   pay when the sheet is given that month's days (`adjustedMonths`, see `priceAdjustments`), else the monthly wage ×
 *   halves ÷ (expected days × 2); piece terms: nothing, since attendance does not pay piece work (the item is shown
 *   with 0);
 * - each is rounded once, half up, to the fen (its own item line);
 * - an adjustment that adds pays as a payable item; one that takes back becomes a deduction applied before the entered
 *   deductions (a wage is never negative), so what does not fit is `unappliedFen` like any deduction.
 * Deductions then apply in entry order and never take the net below zero (pay-line.ts).
 */
import { Money, fen, sumFen, type Fen } from '../kernel/money.ts'
import { datesOfMonth, type Month, type WorkDate } from '../kernel/time.ts'
import type { PayrollSheetState } from '../db/schema/payroll.ts'
import { checkMinimumWage, type BelowMinimumWageFlag, type DeductionKind, type MinimumWageTable, MINIMUM_WAGE_TABLES } from './minimum-wage.ts'
import { applyDeductions, payLine, spanItems, type Addition, type AppliedDeduction, type Deduction, type PayableItem } from './pay-line.ts'
import { orderedVersions, splitMonth, TermsError, versionOn, type AttendanceDay, type PieceQuantity, type TermsVersion, type WageTermsKind } from './terms.ts'

export type SheetState = PayrollSheetState
export const SHEET_STATES = ['draft', 'sent', 'submitted', 'approved', 'instructed', 'settled', 'superseded', 'withdrawn'] as const satisfies readonly SheetState[]

/** What moves a sheet from one state to the next. `supersede` is done by making the next version. */
export type SheetAction = 'send' | 'submit' | 'approve' | 'instruct' | 'settle' | 'reopen' | 'withdraw' | 'supersede'

/** Each action: the states it may start from and the state it leads to. */
export const SHEET_TRANSITIONS: Readonly<Record<SheetAction, { from: readonly SheetState[]; to: SheetState }>> = {
  send: { from: ['draft'], to: 'sent' },
  submit: { from: ['sent'], to: 'submitted' },
  approve: { from: ['submitted'], to: 'approved' },
  instruct: { from: ['approved'], to: 'instructed' },
  settle: { from: ['instructed'], to: 'settled' },
  /** A payment came back after the sheet was settled: instructed again, paid in part, until every line is paid again. */
  reopen: { from: ['settled'], to: 'instructed' },
  withdraw: { from: ['draft', 'sent', 'submitted'], to: 'withdrawn' },
  supersede: { from: ['approved', 'instructed', 'settled'], to: 'superseded' },
}

export type TransitionOutcome = { ok: true; to: SheetState } | { ok: false; state: SheetState; allowedFrom: readonly SheetState[] }

/** The step an action takes from a state, or why it cannot. */
export function transition(state: SheetState, action: SheetAction): TransitionOutcome {
  const t = SHEET_TRANSITIONS[action]
  return t.from.includes(state) ? { ok: true, to: t.to } : { ok: false, state, allowedFrom: t.from }
}

/** States in which the workers see the sheet and answer it (工资确认). */
export const ANSWERABLE_STATES: readonly SheetState[] = ['sent', 'submitted', 'approved', 'instructed', 'settled']
/** States from which the sheet is approved (or was, before a later version superseded it). */
export const APPROVED_OR_LATER: readonly SheetState[] = ['approved', 'instructed', 'settled']

/** A sheet's state from its events in order: the newest. */
export function stateOf(events: ReadonlyArray<{ state: SheetState }>): SheetState {
  const last = events.at(-1)
  if (!last) throw new Error('a payroll sheet has at least its draft event')
  return last.state
}

/**
 * Where the money of a sheet stands: its newest state other than `superseded`. A superseded approved sheet stays the
 * one in force (and may still be instructed and settled) until the version that replaces it is approved.
 */
export function moneyStateOf(events: ReadonlyArray<{ state: SheetState }>): SheetState {
  for (let i = events.length - 1; i >= 0; i--) {
    const s = events[i]!.state
    if (s !== 'superseded') return s
  }
  throw new Error('a payroll sheet has at least its draft event')
}

/**
 * How many times the sheet's money went from settled back to instructed (a return reopened it): each round is news to
 * whoever was told it was settled (upstream's PayRoll record is keyed by it).
 */
export function reopeningsOf(events: ReadonlyArray<{ state: SheetState }>): number {
  let n = 0
  let money: SheetState | undefined
  for (const e of events) {
    if (e.state === 'superseded') continue
    if (money === 'settled' && e.state === 'instructed') n++
    money = e.state
  }
  return n
}

/** The version a new sheet of a team-month is made as, or why none may be made now. */
export type MakeOutcome = { ok: true; version: number; supersedes: string | null } | { ok: false; liveId: string; version: number; state: SheetState }

/**
 * A team-month's next sheet: the first is version 1; the live sheet (the newest not withdrawn, not superseded) blocks
 * a new one unless it is approved or later, in which case the new one supersedes it. The live sheet need not be the
 * newest version: an approved sheet whose correction was withdrawn is in force again, and the next correction
 * supersedes it.
 */
export function nextVersion(sheets: ReadonlyArray<{ id: string; version: number; state: SheetState }>): MakeOutcome {
  const byVersion = [...sheets].sort((a, b) => b.version - a.version)
  const newest = byVersion[0]
  if (!newest) return { ok: true, version: 1, supersedes: null }
  const live = byVersion.find((s) => s.state !== 'withdrawn' && s.state !== 'superseded')
  if (!live) return { ok: true, version: newest.version + 1, supersedes: null }
  if (APPROVED_OR_LATER.includes(live.state)) return { ok: true, version: newest.version + 1, supersedes: live.id }
  return { ok: false, liveId: live.id, version: live.version, state: live.state }
}

// ---- lines ---------------------------------------------------------------------------------------------------------

/** An adjustment to a confirmed earlier month carried into this one (补差): the change of one work date. */
export interface CarriedAdjustment {
  id: string
  workDate: WorkDate
  /** afterHalves − beforeHalves: negative when a day is taken back. */
  deltaHalves: number
  deltaMinutes: number
  cause: string
}

/** A carried adjustment as priced: at the terms in force on its own work date. */
export interface AdjustmentItem {
  kind: 'adjustment'
  adjustmentId: string
  workDate: WorkDate
  versionId: string
  termsKind: WageTermsKind
  /** The rate of those terms: per day, per hour, per month (piece terms: 0). */
  rateFen: Fen
  deltaHalves: number
  deltaMinutes: number
  /** Signed: negative when the adjustment takes pay back. */
  amountFen: number
}

export type SheetPayableItem = PayableItem | (AdjustmentItem & { amountFen: Fen })

/** A deduction on a sheet line: an entered one, or an adjustment taking pay back (then `adjustmentId` names it). */
export type SheetDeduction = AppliedDeduction & { adjustmentId?: string }

/** A piece quantity held on the line (not paid): unconfirmed, or disputed by the worker. */
export type HeldPieceQuantity = PieceQuantity & { disputed: boolean }

export interface SheetLineInput {
  workerId: string
  enrolmentId: string
  period: Month
  versions: readonly TermsVersion[]
  /** The month's days as confirmed (the frozen timesheet). */
  days: readonly AttendanceDay[]
  /** In the order they were recorded: monthly terms price each against the days before it (see `priceAdjustments`). */
  adjustments?: readonly CarriedAdjustment[]
  /**
   * Each adjusted month's days as credited before this sheet's adjustments (its confirmed days and the adjustments
   * carried into earlier sheets). Without a month here, its adjustments under monthly terms are priced per day.
   */
  adjustedMonths?: ReadonlyMap<Month, readonly AttendanceDay[]>
  pieceQuantities?: readonly PieceQuantity[]
  disputedQuantityIds?: readonly string[]
  additions?: readonly Addition[]
  /** In entry order: the order they apply in. */
  deductions?: readonly Deduction[]
}

export interface SheetLine {
  workerId: string
  enrolmentId: string
  period: Month
  /** This month's days credited (halves) and worked minutes, as confirmed. */
  creditHalves: number
  workedMinutes: number
  /** The halves and minutes the carried adjustments add (negative: take back). */
  adjustmentHalves: number
  adjustmentMinutes: number
  payable: SheetPayableItem[]
  payableFen: Fen
  /** Adjustments that take pay back first, then the entered deductions, as applied. */
  deductions: SheetDeduction[]
  deductedFen: Fen
  unappliedFen: Fen
  netFen: Fen
  heldPieceQuantities: HeldPieceQuantity[]
  /** Every carried adjustment as priced, adding or taking back. */
  adjustments: AdjustmentItem[]
  /** Pay of the month itself (base, piece, additions), without the adjustments: what the minimum wage check reads. */
  monthPayableFen: Fen
  /** The monthly terms' expected days, when the month had monthly terms. */
  expectedDays: number | null
}

/** amount × numerator ÷ denominator, signed, rounded once half up (away from zero at .5) to the fen. */
function mulDiv(amountFen: number, numerator: number, denominator: number): number {
  return new Money(amountFen).times(numerator).div(denominator).toDecimalPlaces(0, Money.ROUND_HALF_UP).toNumber()
}

/** Prices one carried adjustment at the terms in force on its work date. */
export function priceAdjustment(ordered: readonly TermsVersion[], a: CarriedAdjustment): AdjustmentItem {
  const version = versionOn(ordered, a.workDate)
  if (!version) {
    throw new TermsError('attendance_without_terms', `The adjustment of ${a.workDate} comes before the first wage terms of the enrolment; add terms that cover it.`, {
      workDates: [a.workDate],
      adjustmentId: a.id,
    })
  }
  const t = version.terms
  const common = { kind: 'adjustment' as const, adjustmentId: a.id, workDate: a.workDate, versionId: version.id, termsKind: t.kind, deltaHalves: a.deltaHalves, deltaMinutes: a.deltaMinutes }
  switch (t.kind) {
    case 'daily':
      return { ...common, rateFen: t.dailyRateFen, amountFen: mulDiv(t.dailyRateFen, a.deltaHalves, 2) }
    case 'hourly':
      return { ...common, rateFen: t.hourlyRateFen, amountFen: mulDiv(t.hourlyRateFen, a.deltaMinutes, 60) }
    case 'monthly':
      return { ...common, rateFen: t.monthlyWageFen, amountFen: mulDiv(t.monthlyWageFen, a.deltaHalves, t.expectedDays * 2) }
    case 'piece':
      return { ...common, rateFen: fen(0), amountFen: 0 }
  }
}

/** Base pay of a month's days under monthly terms: what the month pays with its cap (the days under other terms left out). */
function monthlyBaseFen(ordered: readonly TermsVersion[], month: Month, days: ReadonlyMap<WorkDate, AttendanceDay>): number {
  const monthlyDays = [...days.values()].filter((d) => versionOn(ordered, d.workDate)?.terms.kind === 'monthly')
  const items = spanItems(splitMonth(month, ordered, monthlyDays).spans)
  return sumFen(items.map((i) => i.amountFen))
}

/**
 * Prices the carried adjustments, in the order recorded. Under monthly terms a month pays at most the monthly wage, so
 * a change to such a month is what the month pays after it less what it paid before (its capped pay, recomputed from
 * the days as credited): a day taken back from a month still over its expected days takes nothing back, and a day
 * added to a month already at the cap adds nothing. Priced per day alone, both moved money nobody owed (found by
 * review). The amounts of one month add up to exactly its capped pay's change; daily and hourly terms stay per day.
 */
export function priceAdjustments(
  ordered: readonly TermsVersion[],
  adjustments: readonly CarriedAdjustment[],
  adjustedMonths?: ReadonlyMap<Month, readonly AttendanceDay[]>,
): AdjustmentItem[] {
  const state = new Map<Month, Map<WorkDate, AttendanceDay>>()
  return adjustments.map((a) => {
    const item = priceAdjustment(ordered, a)
    const month = a.workDate.slice(0, 7)
    const credited = adjustedMonths?.get(month)
    if (item.termsKind !== 'monthly' || credited === undefined) return item
    let days = state.get(month)
    if (!days) {
      days = new Map(credited.map((d) => [d.workDate, d]))
      state.set(month, days)
    }
    const before = monthlyBaseFen(ordered, month, days)
    const day = days.get(a.workDate) ?? { workDate: a.workDate, creditHalves: 0, workedMinutes: 0 }
    days.set(a.workDate, { workDate: a.workDate, creditHalves: Math.min(2, Math.max(0, day.creditHalves + a.deltaHalves)), workedMinutes: Math.max(0, day.workedMinutes + a.deltaMinutes) })
    return { ...item, amountFen: monthlyBaseFen(ordered, month, days) - before }
  })
}

/** Makes one worker's sheet line. Throws `TermsError` on inputs that cannot be priced. */
export function makeSheetLine(input: SheetLineInput): SheetLine {
  const month = payLine({
    workerId: input.workerId,
    enrolmentId: input.enrolmentId,
    period: input.period,
    versions: input.versions,
    days: input.days,
    pieceQuantities: input.pieceQuantities ?? [],
    additions: input.additions ?? [],
    // Given here so they are checked; applied below, after the adjustments that take pay back.
    deductions: input.deductions ?? [],
  })
  const ordered = orderedVersions(input.versions)
  const adjustments = priceAdjustments(ordered, input.adjustments ?? [], input.adjustedMonths)
  const payable: SheetPayableItem[] = [...month.payable, ...adjustments.filter((a) => a.amountFen >= 0).map((a) => ({ ...a, amountFen: fen(a.amountFen) }))]
  const recoveries = adjustments
    .filter((a) => a.amountFen < 0)
    .map((a): Deduction & { adjustmentId: string } => ({ reason: 'other', note: `补差 ${a.workDate}: taken back`, amountFen: fen(-a.amountFen), adjustmentId: a.adjustmentId }))
  const payableFen = sumFen(payable.map((i) => i.amountFen))
  const applied: SheetDeduction[] = applyDeductions(payableFen, [...recoveries, ...(input.deductions ?? [])])
  const deductedFen = sumFen(applied.map((d) => d.appliedFen))
  const disputed = new Set(input.disputedQuantityIds ?? [])
  const monthly = month.payable.find((i) => i.kind === 'base' && i.termsKind === 'monthly')
  return {
    workerId: input.workerId,
    enrolmentId: input.enrolmentId,
    period: input.period,
    creditHalves: month.creditHalves,
    workedMinutes: month.workedMinutes,
    adjustmentHalves: adjustments.reduce((n, a) => n + a.deltaHalves, 0),
    adjustmentMinutes: adjustments.reduce((n, a) => n + a.deltaMinutes, 0),
    payable,
    payableFen,
    deductions: applied,
    deductedFen,
    unappliedFen: sumFen(applied.map((d) => d.unappliedFen)),
    netFen: fen(new Money(payableFen).minus(deductedFen).toNumber()),
    heldPieceQuantities: month.heldPieceQuantities.map((q) => ({ ...q, disputed: disputed.has(q.id) })),
    adjustments,
    monthPayableFen: month.payableFen,
    expectedDays: monthly?.kind === 'base' ? (monthly.expectedDays ?? null) : null,
  }
}

/**
 * The days a month is worked full-time (月计薪天数 21.75, 劳社部发〔2008〕3号) where the terms state none: a line
 * crediting at least this many days is judged against the monthly minimum wage.
 */
export const STANDARD_EXPECTED_DAYS = 21.75

const DEDUCTION_KIND: Record<Deduction['reason'], DeductionKind> = {
  advance: 'advance',
  social_insurance: 'personal_social_insurance',
  income_tax: 'income_tax',
  other: 'other',
}

/**
 * Additions to pay the minimum wage leaves out (最低工资规定 Art. 12), told by their label, as people write them:
 * overtime pay (加班工资), and allowances for the middle or night shift, heat, cold, underground, toxic or hazardous
 * work (中班、夜班、高温、低温、井下、有毒有害等特殊工作环境、条件下的津贴). An allowance labelled otherwise counts as pay,
 * which can only spare an employer a finding, never raise a wrong one.
 */
const OVERTIME_LABEL = /加班/
const EXCLUDED_ALLOWANCE_LABEL = /中班|夜班|高温|防暑|降温|低温|井下|有毒|有害|特殊(?:工作)?(?:环境|条件)/

function additionsLabelled(line: SheetLine, which: 'overtime' | 'allowance'): Fen {
  const counted = line.payable.filter((i) => {
    if (i.kind !== 'addition') return false
    const overtime = OVERTIME_LABEL.test(i.reason)
    return which === 'overtime' ? overtime : !overtime && EXCLUDED_ALLOWANCE_LABEL.test(i.reason)
  })
  return sumFen(counted.map((i) => i.amountFen))
}

/**
 * The minimum wage finding of a line, or null. Only a full-time month is judged (days credited reach the monthly
 * terms' expected days or 21.75, whichever is fewer): a part-time month would need the hourly minimum and hours
 * contracted, which the sheet does not know. What counts is the month's own pay (adjustments belong to earlier
 * months) less deductions of kind `other` entered by a person (minimum-wage.ts says why).
 */
export function minimumWageFinding(line: SheetLine, regionCode: string, tables: readonly MinimumWageTable[] = MINIMUM_WAGE_TABLES): BelowMinimumWageFlag | null {
  const r = checkMinimumWage(
    {
      workerId: line.workerId,
      period: line.period,
      regionCode,
      daysCredited: line.creditHalves / 2,
      // Terms may state more expected days than the statutory 21.75, which would both cut the pay and keep the month
      // from counting as full-time: a month is full-time at whichever is fewer.
      expectedDays: Math.min(line.expectedDays ?? STANDARD_EXPECTED_DAYS, STANDARD_EXPECTED_DAYS),
      payableFen: line.monthPayableFen,
      overtimeFen: additionsLabelled(line, 'overtime'),
      excludedAllowancesFen: additionsLabelled(line, 'allowance'),
      deductions: line.deductions.filter((d) => d.adjustmentId === undefined).map((d) => ({ kind: DEDUCTION_KIND[d.reason], amountFen: d.appliedFen })),
      netFen: line.netFen,
    },
    tables,
  )
  return r.outcome === 'below' ? r.flag : null
}

/** The daily terms a worker is paid at when no terms are recorded: the enrolment's daily rate, from `from`. */
export function enrolmentDailyTerms(enrolmentId: string, dailyRateFen: Fen, from: WorkDate): TermsVersion {
  return { id: `enrolment:${enrolmentId}`, enrolmentId, effectiveFrom: from, terms: { kind: 'daily', dailyRateFen } }
}

/** The first date of the month, for the fallback terms' start when the enrolment began later than an adjusted day. */
export function firstDateOf(period: Month): WorkDate {
  return datesOfMonth(period)[0]!
}

/** A sheet's totals: sums of its lines, never rounded. */
export function sheetLineTotals(lines: readonly SheetLine[]): { workerCount: number; payableFen: Fen; deductedFen: Fen; unappliedFen: Fen; netFen: Fen } {
  return {
    workerCount: lines.length,
    payableFen: sumFen(lines.map((l) => l.payableFen)),
    deductedFen: sumFen(lines.map((l) => l.deductedFen)),
    unappliedFen: sumFen(lines.map((l) => l.unappliedFen)),
    netFen: sumFen(lines.map((l) => l.netFen)),
  }
}

/** Answer counts of a sheet's lines: the newest answer of each line. */
export function answerCounts(lineIds: readonly string[], newest: ReadonlyMap<string, { decision: 'confirm' | 'dispute' }>): { confirmed: number; disputed: number; unanswered: number } {
  let confirmed = 0
  let disputed = 0
  for (const id of lineIds) {
    const a = newest.get(id)
    if (a?.decision === 'confirm') confirmed++
    else if (a?.decision === 'dispute') disputed++
  }
  return { confirmed, disputed, unanswered: lineIds.length - confirmed - disputed }
}
