/**
 * Wage terms, piece quantities and pay items (工资标准、计件数量、加扣项): recorded append-only, read for payroll sheets.
 *
 * - Wage terms are dated versions on an enrolment. The enrolment's daily rate is the base version (`base:<id>`), in
 *   force from the entry date until the first recorded version; a recorded version from the entry date or earlier
 *   replaces it whole. Two versions from one date: the one recorded later is the terms of that date (a restatement);
 *   the earlier stays as evidence.
 * - Piece quantities (计件) are entered by the team manager on a date whose terms are piece terms pricing the item
 *   kind; the worker answers each one (the newest answer counts). A wrong quantity is withdrawn by a new row naming it;
 *   correcting is withdrawing and entering again.
 * - Pay items are the month's itemised additions (加项) and deductions (扣款 / 代扣), withdrawn the same way.
 *
 * `forMonth` reads a project month for the sheets with one statement per table, whatever the number of workers.
 */
import { LIMITS } from '../config/limits.ts'
import type { Database } from '../db/database.ts'
import { AppError } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import { fen, Money, type Fen } from '../kernel/money.ts'
import { addDays, datesOfMonth, isWorkDate, monthOf, workDateOf, type Clock, type Month, type WorkDate } from '../kernel/time.ts'
import type { RosterService } from '../roster/service.ts'
import type { ConfirmationChannel } from '../db/schema/timesheets.ts'
import { inline, PayInputsRepository, type EnrolmentFacts, type PayItemRow, type PieceAnswerRow, type PieceQuantityRow, type TeamQuantityRow, type WageTermsRow } from './inputs-repository.ts'
import type { PayInputsSource, WorkerPayInputs } from './inputs.ts'
import { DEDUCTION_REASONS, type DeductionReason } from './pay-line.ts'
import { TermsError, validateTerms, versionOn, type TermsVersion, type WageTerms } from './terms.ts'
import { enrolledBetween, enrolledOn, type EnrolmentBreak } from '../roster/spells.ts'

/** The base version's id: the enrolment's own daily rate, which needs no row of its own. */
export const baseVersionId = (enrolmentId: string): string => `base:${enrolmentId}`

/** A rate per hour is below a day's; per month, per piece and per item at most one payout line. */
const RATE_FEN_MAX: Record<string, number> = {
  dailyRateFen: LIMITS.daily_rate_fen_max,
  hourlyRateFen: LIMITS.daily_rate_fen_max,
  monthlyWageFen: LIMITS.payout_line_amount_fen_max,
  unitPriceFen: LIMITS.payout_line_amount_fen_max,
}
/** Decimal text of a piece quantity, as terms.ts reads it: no sign, no exponent, at most three decimals. */
const QUANTITY_TEXT = /^(0|[1-9]\d{0,8})(\.\d{1,3})?$/
/** The largest pay item: one payout line. */
export const PAY_ITEM_FEN_MAX = LIMITS.payout_line_amount_fen_max

export type VersionStatus = 'in_force' | 'restated' | 'replaced'

/** A terms version as the listing shows it: recorded or base, and whether it counts. */
export interface ListedVersion {
  id: string
  enrolmentId: string
  effectiveFrom: WorkDate
  terms: WageTerms
  reason: string
  recordedBy: string
  recordedAtMs: number
  /** The enrolment's daily rate, not a recorded row. */
  base: boolean
  /** in_force: counts from its date; restated: a version recorded later from the same date counts instead; replaced: the base version, when a recorded version takes effect on or before the entry date. */
  status: VersionStatus
  /** The version that restated or replaced it. */
  supersededBy: string | null
  /** For a version in force: the last date it applies to (the day before the next), null while open-ended. */
  until: WorkDate | null
}

export interface TermsListing {
  projectId: string
  workerId: string
  enrolmentId: string
  entryDate: WorkDate
  /** Every version, by date, then in the order recorded (the base version first on its date). */
  versions: ListedVersion[]
  /** The version in force on today's date in the project's time zone; null before the first. */
  inForceToday: string | null
}

export interface NewTerms {
  effectiveFrom: string
  terms: WageTerms
  reason: string
}

export type QuantityState = 'open' | 'confirmed' | 'disputed' | 'withdrawn'

export interface QuantityView {
  row: PieceQuantityRow & { workerName?: string }
  state: QuantityState
  answer: PieceAnswerRow | null
  withdrawal: PieceQuantityRow | null
}

export interface NewQuantity {
  workDate?: string
  itemKind?: string
  quantity?: string
  note?: string
  withdrawsId?: string
}

export interface NewAnswer {
  decision: 'confirm' | 'dispute'
  channel: ConfirmationChannel
  note: string | null
}

export interface PayItemView {
  row: PayItemRow
  withdrawal: PayItemRow | null
}

export interface NewPayItem {
  period?: string
  side?: 'addition' | 'deduction'
  reason?: string
  amountFen?: number
  note?: string
  withdrawsId?: string
}

/**
 * The versions of an enrolment that count (newest recorded per date, the base version unless replaced), in date
 * order, and the listing of every version with its status. `rows` are the recorded versions in the order
 * `termsOfEnrolment` gives (date, then recorded).
 */
export function versionsOf(e: EnrolmentFacts, rows: readonly WageTermsRow[]): { versions: TermsVersion[]; listed: ListedVersion[] } {
  const listed: ListedVersion[] = []
  const firstRecorded = rows[0]
  const baseReplacedBy = firstRecorded !== undefined && firstRecorded.effectiveFrom <= e.entryDate ? firstRecorded : undefined
  const base: ListedVersion = {
    id: baseVersionId(e.id),
    enrolmentId: e.id,
    effectiveFrom: e.entryDate,
    terms: { kind: 'daily', dailyRateFen: fen(e.dailyRateFen) },
    reason: "the enrolment's daily rate (base version)",
    recordedBy: 'enrolment',
    recordedAtMs: e.createdAtMs,
    base: true,
    status: baseReplacedBy ? 'replaced' : 'in_force',
    supersededBy: null,
    until: null,
  }
  let baseListed = false
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!
    if (!baseListed && r.effectiveFrom >= e.entryDate) {
      listed.push(base)
      baseListed = true
    }
    // The newest recorded of its date counts; the ones before it on that date are restated by it.
    let newest = i
    while (rows[newest + 1]?.effectiveFrom === r.effectiveFrom) newest++
    listed.push({
      id: r.id,
      enrolmentId: r.enrolmentId,
      effectiveFrom: r.effectiveFrom,
      terms: JSON.parse(r.terms) as WageTerms,
      reason: r.reason,
      recordedBy: r.recordedBy,
      recordedAtMs: r.recordedAtMs,
      base: false,
      status: newest === i ? 'in_force' : 'restated',
      supersededBy: newest === i ? null : rows[newest]!.id,
      until: null,
    })
  }
  if (!baseListed) listed.push(base)
  if (baseReplacedBy) {
    // Whichever version of the first recorded date counts is the one that replaces the base.
    base.supersededBy = listed.find((v) => !v.base && v.effectiveFrom === baseReplacedBy.effectiveFrom && v.status === 'in_force')?.id ?? baseReplacedBy.id
  }
  const counting = listed.filter((v) => v.status === 'in_force')
  for (let i = 0; i < counting.length - 1; i++) counting[i]!.until = addDays(counting[i + 1]!.effectiveFrom, -1)
  return { versions: counting.map((v) => ({ id: v.id, enrolmentId: v.enrolmentId, effectiveFrom: v.effectiveFrom, terms: v.terms })), listed }
}

/** The terms as stored: only the fields of their kind, in a fixed order. */
function normalTerms(t: WageTerms): WageTerms {
  switch (t.kind) {
    case 'daily':
      return { kind: 'daily', dailyRateFen: t.dailyRateFen }
    case 'hourly':
      return { kind: 'hourly', hourlyRateFen: t.hourlyRateFen }
    case 'monthly':
      return { kind: 'monthly', monthlyWageFen: t.monthlyWageFen, expectedDays: t.expectedDays }
    case 'piece':
      return { kind: 'piece', rates: t.rates.map((r) => ({ itemKind: r.itemKind, unitPriceFen: r.unitPriceFen })) }
  }
}

const termsInvalid = (reason: string, message: string, details: Record<string, unknown> = {}): AppError => new AppError('wage_terms_invalid', { ...details, reason, message })
const quantityInvalid = (reason: string, message: string, details: Record<string, unknown> = {}): AppError => new AppError('piece_quantity_invalid', { ...details, reason, message })
const payItemInvalid = (reason: string, message: string, details: Record<string, unknown> = {}): AppError => new AppError('pay_item_invalid', { ...details, reason, message })

function factsOf(e: { id: string; workerId: string; teamId: string; dailyRateFen: number; entryDate: string; exitDate: string | null; breaks: readonly EnrolmentBreak[]; createdAtMs: number }): EnrolmentFacts {
  return { id: e.id, workerId: e.workerId, teamId: e.teamId, dailyRateFen: e.dailyRateFen, entryDate: e.entryDate, exitDate: e.exitDate, breaks: e.breaks, createdAtMs: e.createdAtMs }
}

/** An enrolment's breaks (再次进场) for a refusal's details: none named when it has none. */
function breaksOf(facts: EnrolmentFacts): { breaks?: readonly EnrolmentBreak[] } {
  return facts.breaks === undefined || facts.breaks.length === 0 ? {} : { breaks: facts.breaks }
}

/** The newest answer of each quantity, from answers oldest first. */
function newestAnswers(answers: readonly PieceAnswerRow[]): Map<string, PieceAnswerRow> {
  const m = new Map<string, PieceAnswerRow>()
  for (const a of answers) m.set(a.quantityId, a)
  return m
}

function quantityState(withdrawal: PieceQuantityRow | null, answer: PieceAnswerRow | null): QuantityState {
  if (withdrawal) return 'withdrawn'
  if (!answer) return 'open'
  return answer.decision === 'confirm' ? 'confirmed' : 'disputed'
}

export class PayInputsService implements PayInputsSource {
  private readonly repo: PayInputsRepository

  constructor(
    readonly db: Database,
    readonly deps: { roster: RosterService },
    readonly clock: Clock,
  ) {
    this.repo = new PayInputsRepository(db)
  }

  // ---- wage terms -----------------------------------------------------------------------------------------------

  private async enrolment(projectId: string, workerId: string): Promise<{ facts: EnrolmentFacts; timeZone: string }> {
    const project = await this.deps.roster.project(projectId)
    const { enrolment } = await this.deps.roster.enrolmentOf(projectId, workerId)
    return { facts: factsOf(enrolment), timeZone: project.timeZone }
  }

  private async listing(projectId: string, facts: EnrolmentFacts, timeZone: string): Promise<TermsListing> {
    const { versions, listed } = versionsOf(facts, await this.repo.termsOfEnrolment(facts.id))
    const today = workDateOf(this.clock.nowMs(), timeZone)
    return {
      projectId,
      workerId: facts.workerId,
      enrolmentId: facts.id,
      entryDate: facts.entryDate,
      versions: listed,
      inForceToday: versionOn(versions, today)?.id ?? null,
    }
  }

  /** Every terms version of the worker's enrolment on the project, recorded and base, with which counts. */
  async termsOf(projectId: string, workerId: string): Promise<TermsListing> {
    const { facts, timeZone } = await this.enrolment(projectId, workerId)
    return this.listing(projectId, facts, timeZone)
  }

  /** Records a terms version; returns it as the listing now shows it. */
  async recordTerms(projectId: string, workerId: string, input: NewTerms, actor: string): Promise<ListedVersion> {
    const { facts, timeZone } = await this.enrolment(projectId, workerId)
    const terms = normalTerms(input.terms)
    const id = newId()
    try {
      validateTerms({ id, enrolmentId: facts.id, effectiveFrom: input.effectiveFrom, terms })
    } catch (e) {
      if (e instanceof TermsError) throw termsInvalid(e.code, e.message, e.details)
      throw e
    }
    const figures: Array<[string, number]> =
      terms.kind === 'piece' ? terms.rates.map((r) => ['unitPriceFen', r.unitPriceFen]) : terms.kind === 'monthly' ? [['monthlyWageFen', terms.monthlyWageFen]] : terms.kind === 'daily' ? [['dailyRateFen', terms.dailyRateFen]] : [['hourlyRateFen', terms.hourlyRateFen]]
    for (const [field, value] of figures) {
      const max = RATE_FEN_MAX[field]!
      if (value > max) throw termsInvalid('terms_rate_invalid', `${field} is ${value} fen, above the most a version may state (${max} fen).`, { field, value, max })
    }
    if (terms.kind === 'piece' && terms.rates.length === 0) {
      throw termsInvalid('terms_piece_item_invalid', 'Piece terms need at least one item kind with its unit price.', {})
    }
    if (input.reason.trim() === '') throw termsInvalid('reason_missing', 'A terms version needs a reason (an agreed rise, a new contract…).')
    await this.repo.insertTerms({
      id,
      projectId,
      enrolmentId: facts.id,
      effectiveFrom: input.effectiveFrom,
      kind: terms.kind,
      terms: JSON.stringify(terms),
      reason: input.reason,
      recordedBy: actor,
      recordedAtMs: this.clock.nowMs(),
    })
    const listing = await this.listing(projectId, facts, timeZone)
    return listing.versions.find((v) => v.id === id)!
  }

  // ---- piece quantities -----------------------------------------------------------------------------------------

  private async quantityViews(rows: ReadonlyArray<PieceQuantityRow | TeamQuantityRow>, withdrawals: readonly PieceQuantityRow[]): Promise<QuantityView[]> {
    const entered = rows.filter((r) => r.withdrawsId === null)
    const withdrawnBy = new Map(withdrawals.map((w) => [w.withdrawsId!, w]))
    const answers = newestAnswers(await this.repo.answersOf(entered.map((r) => r.id)))
    return entered.map((row) => {
      const withdrawal = withdrawnBy.get(row.id) ?? null
      const answer = answers.get(row.id) ?? null
      return { row, state: quantityState(withdrawal, answer), answer, withdrawal }
    })
  }

  /** The worker's quantities of the month in the order entered, each with its state, newest answer and withdrawal. */
  async quantitiesOf(projectId: string, workerId: string, period: Month): Promise<QuantityView[]> {
    await this.enrolment(projectId, workerId)
    const rows = await this.repo.quantitiesOfWorker(projectId, workerId, period)
    return this.quantityViews(rows, rows.filter((r) => r.withdrawsId !== null))
  }

  /** A page of the team's quantities of the month (by the workers' current team), in the order entered. */
  async teamQuantities(projectId: string, teamId: string, period: Month, after: string | undefined, limit: number): Promise<QuantityView[]> {
    await this.deps.roster.project(projectId)
    await this.deps.roster.team(projectId, teamId)
    const rows = await this.repo.quantitiesOfTeam(projectId, teamId, period, after, limit)
    return this.quantityViews(rows, await this.repo.withdrawalsOf(projectId, rows.map((r) => r.id)))
  }

  /** Enters a quantity, or withdraws one (`withdrawsId`). */
  async enterQuantity(projectId: string, workerId: string, input: NewQuantity, actor: string): Promise<QuantityView> {
    const { facts, timeZone } = await this.enrolment(projectId, workerId)
    const note = input.note?.trim() ? input.note : null
    if (input.withdrawsId !== undefined) return this.withdrawQuantity(projectId, workerId, input.withdrawsId, input, note, actor)

    const { workDate, itemKind, quantity } = input
    if (workDate === undefined || itemKind === undefined || quantity === undefined) {
      throw quantityInvalid('fields_missing', 'A quantity needs workDate, itemKind and quantity (or withdrawsId to take one back).')
    }
    if (!QUANTITY_TEXT.test(quantity)) throw quantityInvalid('quantity_not_plain', `"${quantity}" is not a plain quantity with at most three decimals (e.g. 12.5).`, { quantity })
    if (new Money(quantity).isZero()) throw quantityInvalid('quantity_zero', 'A quantity of zero records nothing; enter what was measured.', { quantity })
    if (!isWorkDate(workDate)) throw quantityInvalid('work_date_invalid', `"${workDate}" is not a calendar date.`, { workDate })
    // A day between an exit and the return that followed it (再次进场) is outside too: the worker had left.
    if (!enrolledOn(facts, workDate)) {
      const away = breaksOf(facts)
      throw quantityInvalid('outside_enrolment', `${workDate} is outside the enrolment (entry ${facts.entryDate}, exit ${facts.exitDate ?? 'none'}${away.breaks ? `, away ${away.breaks.map((b) => `after ${b.exitDate} until ${b.returnDate}`).join(', ')}` : ''}).`, { workDate, entryDate: facts.entryDate, exitDate: facts.exitDate, ...away })
    }
    const today = workDateOf(this.clock.nowMs(), timeZone)
    if (workDate > today) throw quantityInvalid('date_in_future', `${workDate} has not happened yet in the project's time zone (today is ${today}).`, { workDate, today })
    if (itemKind.trim() === '') throw quantityInvalid('item_kind_missing', 'The item kind is blank.')
    const { versions } = versionsOf(facts, await this.repo.termsOfEnrolment(facts.id))
    const version = versionOn(versions, workDate)
    if (!version || version.terms.kind !== 'piece') {
      throw quantityInvalid('piece_quantity_outside_piece_terms', `The terms in force on ${workDate} are not piece work (${version ? `${version.terms.kind}, version ${version.id}` : 'none'}); record piece terms from that date first.`, {
        workDate,
        versionId: version?.id ?? null,
        termsKind: version?.terms.kind ?? null,
      })
    }
    if (!version.terms.rates.some((r) => r.itemKind === itemKind)) {
      throw quantityInvalid('piece_quantity_unpriced', `The piece terms in force on ${workDate} (version ${version.id}) price no item kind "${itemKind}".`, {
        workDate,
        versionId: version.id,
        itemKind,
        pricedItemKinds: version.terms.rates.map((r) => r.itemKind),
      })
    }
    const row: PieceQuantityRow = {
      id: newId(),
      projectId,
      workerId,
      enrolmentId: facts.id,
      period: monthOf(workDate),
      workDate,
      itemKind,
      quantity,
      withdrawsId: null,
      note,
      enteredBy: actor,
      enteredAtMs: this.clock.nowMs(),
    }
    await this.repo.insertQuantity(row)
    return { row, state: 'open', answer: null, withdrawal: null }
  }

  private async withdrawQuantity(projectId: string, workerId: string, withdrawsId: string, input: NewQuantity, note: string | null, actor: string): Promise<QuantityView> {
    return this.repo.transaction(async (tx) => {
      // Two withdrawals of one quantity at once: the second waits, then finds the first.
      await tx.lock(`piece-quantity:${withdrawsId}`)
      const target = await this.repo.quantity(projectId, workerId, withdrawsId)
      if (!target) throw new AppError('piece_quantity_not_found', { quantityId: withdrawsId })
      if (target.withdrawsId !== null) throw quantityInvalid('withdraws_a_withdrawal', `${withdrawsId} is itself a withdrawal; enter the quantity again instead.`, { quantityId: withdrawsId })
      const earlier = await this.repo.quantityWithdrawal(projectId, withdrawsId)
      if (earlier) throw quantityInvalid('already_withdrawn', `Quantity ${withdrawsId} is already withdrawn (by ${earlier.id}).`, { quantityId: withdrawsId, withdrawalId: earlier.id })
      const differs = (['workDate', 'itemKind', 'quantity'] as const).filter((k) => input[k] !== undefined && input[k] !== target[k])
      if (differs.length > 0) throw quantityInvalid('withdrawal_differs', `The withdrawal names quantity ${withdrawsId} but states other ${differs.join(', ')}; send withdrawsId alone, or the quantity's own figures.`, { quantityId: withdrawsId, differs })
      if (note === null) throw quantityInvalid('note_required', 'A withdrawal needs a note saying why the quantity is taken back.', { quantityId: withdrawsId })
      const row: PieceQuantityRow = { ...target, id: newId(), withdrawsId, note, enteredBy: actor, enteredAtMs: this.clock.nowMs() }
      await this.repo.insertQuantity(row)
      return { row, state: 'withdrawn' as const, answer: null, withdrawal: null }
    })
  }

  /** The worker's answer to one quantity (confirm, or dispute with a note): the newest answer counts. */
  async answerQuantity(projectId: string, workerId: string, quantityId: string, input: NewAnswer): Promise<PieceAnswerRow> {
    await this.enrolment(projectId, workerId)
    const target = await this.repo.quantity(projectId, workerId, quantityId)
    if (!target) throw new AppError('piece_quantity_not_found', { quantityId })
    if (target.withdrawsId !== null) throw quantityInvalid('withdrawal_row', `${quantityId} is a withdrawal, not a quantity to answer.`, { quantityId })
    const withdrawal = await this.repo.quantityWithdrawal(projectId, quantityId)
    if (withdrawal) throw quantityInvalid('withdrawn', `Quantity ${quantityId} was withdrawn (by ${withdrawal.id}); answer the quantity entered in its place.`, { quantityId, withdrawalId: withdrawal.id })
    // As a timesheet's answer: a dispute says what is wrong.
    if (input.decision === 'dispute' && !input.note?.trim()) throw new AppError('correction_invalid', { message: 'a dispute needs a note saying what is wrong' })
    const row: PieceAnswerRow = { id: newId(), quantityId, workerId, decision: input.decision, channel: input.channel, note: input.note, answeredAtMs: this.clock.nowMs() }
    await this.repo.insertAnswer(row)
    return row
  }

  // ---- pay items --------------------------------------------------------------------------------------------------

  /** The worker's pay items of the month in the order entered (withdrawal rows folded into what they withdraw). */
  async payItemsOf(projectId: string, workerId: string, period: Month): Promise<PayItemView[]> {
    await this.enrolment(projectId, workerId)
    const rows = await this.repo.payItemsOfWorker(projectId, workerId, period)
    const withdrawnBy = new Map(rows.filter((r) => r.withdrawsId !== null).map((w) => [w.withdrawsId!, w]))
    return rows.filter((r) => r.withdrawsId === null).map((row) => ({ row, withdrawal: withdrawnBy.get(row.id) ?? null }))
  }

  /** Enters an addition or deduction, or withdraws one (`withdrawsId`). */
  async enterPayItem(projectId: string, workerId: string, input: NewPayItem, actor: string): Promise<PayItemView> {
    const { facts } = await this.enrolment(projectId, workerId)
    const note = input.note?.trim() ? input.note : null
    if (input.withdrawsId !== undefined) return this.withdrawPayItem(projectId, workerId, input.withdrawsId, input, note, actor)
    const { period, side, reason, amountFen } = input
    if (period === undefined || side === undefined || reason === undefined || amountFen === undefined) {
      throw payItemInvalid('fields_missing', 'A pay item needs period, side, reason and amountFen (or withdrawsId to take one back).')
    }
    if (side === 'deduction') {
      if (!(DEDUCTION_REASONS as readonly string[]).includes(reason)) {
        throw payItemInvalid('deduction_reason_unknown', `"${reason}" is not a deduction reason; use one of ${DEDUCTION_REASONS.join(', ')}.`, { given: reason, reasons: DEDUCTION_REASONS })
      }
      if ((reason as DeductionReason) === 'other' && note === null) throw payItemInvalid('note_required', 'A deduction for another reason needs a note saying what it is.', { deductionReason: reason })
    } else if (reason.trim() === '') {
      throw payItemInvalid('reason_missing', 'An addition needs a short label saying what it is (e.g. 高温补贴).')
    }
    if (!Number.isSafeInteger(amountFen) || amountFen <= 0 || amountFen > PAY_ITEM_FEN_MAX) {
      throw payItemInvalid('amount_invalid', `The amount must be a whole number of fen from 1 to ${PAY_ITEM_FEN_MAX}; got ${amountFen}.`, { amountFen, max: PAY_ITEM_FEN_MAX })
    }
    // A month the worker was not enrolled in has no sheet line for them, so an item there would never be paid or deducted.
    // A month spent wholly between an exit and a return (再次进场) is such a month too.
    if (!enrolledBetween(facts, `${period}-01`, datesOfMonth(period).at(-1) as WorkDate)) {
      throw payItemInvalid('outside_enrolment', `${period} is outside the enrolment (entry ${facts.entryDate}, exit ${facts.exitDate ?? 'none'}); enter the item under a month the worker was enrolled in.`, { period, entryDate: facts.entryDate, exitDate: facts.exitDate, ...breaksOf(facts) })
    }
    const row: PayItemRow = { id: newId(), projectId, workerId, period, side, reason, amountFen, note, withdrawsId: null, enteredBy: actor, enteredAtMs: this.clock.nowMs() }
    await this.repo.insertPayItem(row)
    return { row, withdrawal: null }
  }

  private async withdrawPayItem(projectId: string, workerId: string, withdrawsId: string, input: NewPayItem, note: string | null, actor: string): Promise<PayItemView> {
    return this.repo.transaction(async (tx) => {
      await tx.lock(`pay-item:${withdrawsId}`)
      const target = await this.repo.payItem(projectId, workerId, withdrawsId)
      if (!target) throw new AppError('pay_item_not_found', { payItemId: withdrawsId })
      if (target.withdrawsId !== null) throw payItemInvalid('withdraws_a_withdrawal', `${withdrawsId} is itself a withdrawal; enter the item again instead.`, { payItemId: withdrawsId })
      const earlier = await this.repo.payItemWithdrawal(projectId, withdrawsId)
      if (earlier) throw payItemInvalid('already_withdrawn', `Pay item ${withdrawsId} is already withdrawn (by ${earlier.id}).`, { payItemId: withdrawsId, withdrawalId: earlier.id })
      const differs = (['period', 'side', 'reason', 'amountFen'] as const).filter((k) => input[k] !== undefined && input[k] !== target[k])
      if (differs.length > 0) throw payItemInvalid('withdrawal_differs', `The withdrawal names pay item ${withdrawsId} but states other ${differs.join(', ')}; send withdrawsId alone, or the item's own figures.`, { payItemId: withdrawsId, differs })
      if (note === null) throw payItemInvalid('note_required', 'A withdrawal needs a note saying why the item is taken back.', { payItemId: withdrawsId })
      const row: PayItemRow = { ...target, id: newId(), withdrawsId, note, enteredBy: actor, enteredAtMs: this.clock.nowMs() }
      await this.repo.insertPayItem(row)
      return { row, withdrawal: null }
    })
  }

  // ---- a project month, for the sheets ----------------------------------------------------------------------------

  async forMonth(projectId: string, period: Month, workerIds?: readonly string[]): Promise<Map<string, WorkerPayInputs>> {
    // A long list is not sent to the database: the project's rows are read and these workers kept.
    const wanted = workerIds !== undefined && !inline(workerIds) ? new Set(workerIds) : undefined
    const out = new Map<string, WorkerPayInputs>()
    const enrolmentsById = new Map<string, { facts: EnrolmentFacts; rows: WageTermsRow[] }>()
    await this.repo.eachEnrolment(projectId, workerIds, (e) => {
      if (wanted !== undefined && !wanted.has(e.workerId)) return
      enrolmentsById.set(e.id, { facts: e, rows: [] })
      out.set(e.workerId, { workerId: e.workerId, enrolmentId: e.id, versions: [], pieceQuantities: [], disputedQuantityIds: [], additions: [], deductions: [], payItemIds: [] })
    })
    if (out.size === 0) return out

    await this.repo.eachTerms(projectId, workerIds, (r) => enrolmentsById.get(r.enrolmentId)?.rows.push(r))
    for (const { facts, rows } of enrolmentsById.values()) out.get(facts.workerId)!.versions = versionsOf(facts, rows).versions

    const withdrawn = new Set<string>()
    const quantities: PieceQuantityRow[] = []
    await this.repo.eachQuantity(projectId, period, workerIds, (r) => {
      if (!out.has(r.workerId)) return
      if (r.withdrawsId !== null) withdrawn.add(r.withdrawsId)
      else quantities.push(r)
    })
    const answers = new Map<string, PieceAnswerRow>()
    if (quantities.length > 0) await this.repo.eachAnswer(projectId, period, workerIds, (a) => answers.set(a.quantityId, a))
    for (const q of quantities) {
      if (withdrawn.has(q.id)) continue
      const inputs = out.get(q.workerId)!
      const answer = answers.get(q.id)
      inputs.pieceQuantities.push({
        id: q.id,
        enrolmentId: q.enrolmentId,
        itemKind: q.itemKind,
        quantity: q.quantity,
        workDate: q.workDate,
        enteredBy: q.enteredBy,
        confirmedAtMs: answer?.decision === 'confirm' ? answer.answeredAtMs : null,
      })
      if (answer?.decision === 'dispute') inputs.disputedQuantityIds.push(q.id)
    }

    const items: PayItemRow[] = []
    const itemsWithdrawn = new Set<string>()
    await this.repo.eachPayItem(projectId, period, workerIds, (r) => {
      if (!out.has(r.workerId)) return
      if (r.withdrawsId !== null) itemsWithdrawn.add(r.withdrawsId)
      else items.push(r)
    })
    for (const item of items) {
      if (itemsWithdrawn.has(item.id)) continue
      const inputs = out.get(item.workerId)!
      const amountFen: Fen = fen(item.amountFen)
      if (item.side === 'addition') inputs.additions.push({ reason: item.reason, amountFen })
      else inputs.deductions.push({ reason: item.reason as DeductionReason, ...(item.note === null ? {} : { note: item.note }), amountFen })
      inputs.payItemIds.push(item.id)
    }
    return out
  }
}
