/**
 * Payroll sheets (工资支付表): made from a team's confirmed month, sent to the workers, answered by them (工资确认),
 * submitted by the team manager, approved by the labour manager, instructed to the bank, settled by reconciliation
 * (and reopened by it, back to instructed, when a payment comes back).
 * The rules are in sheet-rules.ts; this file reads what a sheet is made from, and keeps the transitions.
 *
 * A sheet's figures are fixed when it is made, from: the frozen snapshot of the team's confirmed month, the
 * adjustments to earlier confirmed months carried into it (each priced at the terms of its own date), and the pay
 * inputs (PayInputsSource: terms versions, confirmed piece quantities, additions, deductions in entry order). A worker
 * without recorded terms is paid at the enrolment's daily rate. Real-name data, card and bank are copied as they are
 * at making: the sheet is what was approved and paid, whatever the roster says later.
 *
 * Concurrency: every transition of a team-month — making a version, send, submit, approve, withdraw, an answer, and
 * the instruction service's move to instructed — takes `payroll-sheet:{project}:{team}:{period}` (sheetLockKey) and
 * reads the sheet's state under it, so two steps never both start from the same state.
 */
import type { Database } from '../db/database.ts'
import type { ConfirmationChannel } from '../db/schema/timesheets.ts'
import { AppError, type ErrorCode } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import { fen } from '../kernel/money.ts'
import type { Clock, Month, WorkDate } from '../kernel/time.ts'
import type { ProjectRow } from '../roster/repository.ts'
import type { RosterService } from '../roster/service.ts'
import type { TimesheetService } from '../timesheets/service.ts'
import type { ApprovedPayrollSource, ApprovedTeamMonth } from './approved.ts'
import type { PayInputsSource, WorkerPayInputs } from './inputs.ts'
import { payDateOf } from './rules.ts'
import { SheetRepository, type AnswerInEffect, type LineAnswerRow, type SheetEventRow, type SheetLineRow, type SheetRow } from './sheet-repository.ts'
import {
  ANSWERABLE_STATES,
  answerCounts,
  enrolmentDailyTerms,
  firstDateOf,
  makeSheetLine,
  minimumWageFinding,
  moneyStateOf,
  nextVersion,
  reopeningsOf,
  sheetLineTotals,
  stateOf,
  transition,
  type CarriedAdjustment,
  type MakeOutcome,
  type SheetAction,
  type SheetLine,
  type SheetState,
} from './sheet-rules.ts'
import { TermsError } from './terms.ts'

/** The lock every transition of a team's month takes (see the head comment); the instruction service takes it too. */
export function sheetLockKey(projectId: string, teamId: string, period: string): string {
  return `payroll-sheet:${projectId}:${teamId}:${period}`
}

export interface SheetLineView {
  row: SheetLineRow
  answer: AnswerInEffect | null
}

export interface SheetView {
  sheet: SheetRow
  teamName: string
  state: SheetState
  events: SheetEventRow[]
  lines: SheetLineView[]
  counts: { confirmed: number; disputed: number; unanswered: number }
  /** How many versions the team-month has, this one included. */
  versions: number
}

export interface SheetSummary {
  teamId: string
  teamName: string
  sheet: null | {
    id: string
    version: number
    state: SheetState
    workerCount: number
    payableFen: number
    deductionsFen: number
    netFen: number
    madeAtMs: number
    counts: { confirmed: number; disputed: number; unanswered: number }
    /** Times a return (退票) took the sheet from settled back to instructed (sheet-rules reopeningsOf). */
    reopenings: number
  }
}

export interface WorkerSheetLine {
  sheet: SheetRow
  state: SheetState
  line: SheetLineRow
  answer: AnswerInEffect | null
}

export interface AnswerInput {
  decision: 'confirm' | 'dispute'
  channel: ConfirmationChannel
  note: string | null
  /**
   * The line the worker saw or signed (a page's, a paper copy's). When given and no longer the line in force (a new
   * version was sent meanwhile), the answer is refused: a confirmation stands for the figures confirmed.
   */
  lineId?: string
}

/** A team's outcome of makeAll: the sheet made, or why none was (the code and details its own make would answer). */
export interface MadeTeam {
  teamId: string
  teamName: string
  sheet: { id: string; version: number; workerCount: number; netFen: number } | null
  skipped: { code: ErrorCode; details: Record<string, unknown> } | null
}

const detailsOf = (err: AppError): Record<string, unknown> => (typeof err.details === 'object' && err.details !== null ? (err.details as Record<string, unknown>) : {})

interface PreparedSheet {
  project: ProjectRow
  teamId: string
  period: Month
  sheetId: string
  lines: SheetLineRow[]
  totals: ReturnType<typeof sheetLineTotals>
  basis: Record<string, unknown>
  /** Set when stored. */
  version: number | undefined
}

/** Actions a person takes through the routes. */
export type PersonAction = Extract<SheetAction, 'send' | 'submit' | 'approve' | 'withdraw'>

export class PayrollSheetService implements ApprovedPayrollSource {
  private readonly repo: SheetRepository
  private readonly changedListeners: Array<(projectId: string, period: Month) => void> = []

  constructor(
    readonly db: Database,
    readonly deps: { roster: RosterService; timesheets: TimesheetService; inputs: PayInputsSource },
    readonly clock: Clock,
  ) {
    this.repo = new SheetRepository(db)
  }

  /**
   * Called after a sheet's step commits (made, sent, submitted, approved, withdrawn, instructed, settled): upstream
   * reporting queues the month's PayRoll records by state then, not at its next sweep.
   */
  onChanged(listener: (projectId: string, period: Month) => void): void {
    this.changedListeners.push(listener)
  }

  /** Tells the listeners; also called by the instruction service once it has moved a sheet to instructed. */
  changed(projectId: string, period: Month): void {
    for (const l of this.changedListeners) l(projectId, period)
  }

  // ---- making -------------------------------------------------------------------------------------------------

  /**
   * Makes the team-month's sheet (the next version): refused while the month is not confirmed, while a sheet not yet
   * approved is live, or when any worker's month cannot be priced (every such worker named, nothing stored).
   */
  async make(projectId: string, teamId: string, period: Month, actor: string, reason: string | null): Promise<SheetView> {
    const project = await this.deps.roster.project(projectId)
    await this.deps.roster.team(projectId, teamId)
    const prepared = await this.prepare(project, teamId, period, reason)
    await this.repo.transaction(async (tx) => {
      await tx.lock(sheetLockKey(projectId, teamId, period))
      const refused = await this.store(prepared, actor, reason, this.clock.nowMs())
      if (refused) throw refused
    })
    this.changed(projectId, period)
    return this.view(projectId, teamId, period)
  }

  /**
   * Makes the month's sheet of every team that is ready for one (生成全部班组工资表): the labour manager's one step at
   * month end, and what a project of many teams is made with in the time of reading its month once. A team whose
   * month is not confirmed, which has a live sheet not yet approved, or with a worker who cannot be priced is
   * skipped with the same code and details its own make would have answered; the others are stored together, in one
   * transaction, each under its team-month's lock. Teams are read and priced one at a time, so memory holds one
   * team's month, not the project's.
   */
  async makeAll(projectId: string, period: Month, actor: string, reason: string | null): Promise<MadeTeam[]> {
    const project = await this.deps.roster.project(projectId)
    const results: MadeTeam[] = []
    const ready: PreparedSheet[] = []
    for (const team of await this.deps.roster.listTeams(projectId)) {
      const sheets = await this.withStates(await this.repo.sheetsOfTeamMonth(projectId, team.id, period))
      const next = bulkNextVersion(sheets.map(({ sheet, state }) => ({ id: sheet.id, version: sheet.version, state })))
      if (!next.ok) {
        results.push({ teamId: team.id, teamName: team.name, sheet: null, skipped: { code: 'payroll_sheet_exists', details: { sheetId: next.liveId, version: next.version, state: next.state } } })
        continue
      }
      try {
        ready.push(await this.prepare(project, team.id, period, reason))
        results.push({ teamId: team.id, teamName: team.name, sheet: null, skipped: null })
      } catch (err) {
        if (!(err instanceof AppError) || (err.code !== 'timesheet_not_confirmed' && err.code !== 'payroll_sheet_cannot_price')) throw err
        results.push({ teamId: team.id, teamName: team.name, sheet: null, skipped: { code: err.code, details: detailsOf(err) } })
      }
    }
    const now = this.clock.nowMs()
    await this.repo.transaction(async (tx) => {
      for (const prepared of ready) {
        await tx.lock(sheetLockKey(projectId, prepared.teamId, period))
        const refused = await this.store(prepared, actor, reason, now, bulkNextVersion)
        const result = results.find((r) => r.teamId === prepared.teamId)!
        if (refused) result.skipped = { code: refused.code, details: detailsOf(refused) }
        else result.sheet = { id: prepared.sheetId, version: prepared.version!, workerCount: prepared.totals.workerCount, netFen: prepared.totals.netFen }
      }
    })
    if (results.some((r) => r.sheet !== null)) this.changed(projectId, period)
    return results
  }

  /** What a team-month's next sheet holds, read and priced, not stored. Throws what make answers. */
  private async prepare(project: ProjectRow, teamId: string, period: Month, reason: string | null): Promise<PreparedSheet> {
    const projectId = project.id
    const tm = await this.deps.timesheets.teamMonth(projectId, teamId, period)
    if (tm.state === 'open' || !tm.confirmation) throw new AppError('timesheet_not_confirmed', { teamId, month: period })
    const inputs = await this.deps.inputs.forMonth(
      projectId,
      period,
      tm.workers.map((w) => w.worker.id),
    )

    const made: Array<{ line: SheetLine; worker: (typeof tm.workers)[number]['worker']; fallback: boolean; inputs: WorkerPayInputs | undefined }> = []
    const failures: Array<Record<string, unknown>> = []
    for (const w of tm.workers) {
      const inp = inputs.get(w.worker.id)
      const hasDays = w.line.month.days.length > 0
      const adjustments: CarriedAdjustment[] = w.line.adjustments.map((a) => ({
        id: a.id,
        workDate: a.workDate,
        deltaHalves: a.afterHalves - a.beforeHalves,
        deltaMinutes: a.afterMinutes - a.beforeMinutes,
        cause: a.cause,
      }))
      if (!hasDays && adjustments.length === 0 && (inp?.pieceQuantities.length ?? 0) === 0 && (inp?.additions.length ?? 0) === 0) continue
      const fallback = !inp || inp.versions.length === 0
      const from = [w.enrolment.entryDate, firstDateOf(period), ...adjustments.map((a) => a.workDate)].sort()[0] as WorkDate
      const versions = fallback ? [enrolmentDailyTerms(w.enrolment.id, fen(w.enrolment.dailyRateFen), from)] : inp.versions
      try {
        const line = makeSheetLine({
          workerId: w.worker.id,
          enrolmentId: w.enrolment.id,
          period,
          versions,
          days: w.line.month.days.map((d) => ({ workDate: d.workDate, creditHalves: d.creditHalves, workedMinutes: d.workedMinutes })),
          adjustments,
          ...(!fallback && adjustments.length > 0 && versions.some((v) => v.terms.kind === 'monthly') ? { adjustedMonths: await this.deps.timesheets.creditedBefore(w.worker.id, w.line.adjustments) } : {}),
          pieceQuantities: inp?.pieceQuantities ?? [],
          disputedQuantityIds: inp?.disputedQuantityIds ?? [],
          additions: inp?.additions ?? [],
          deductions: inp?.deductions ?? [],
        })
        made.push({ line, worker: w.worker, fallback, inputs: inp })
      } catch (err) {
        if (!(err instanceof TermsError)) throw err
        failures.push({ workerId: w.worker.id, name: w.worker.name, code: err.code, message: err.message, ...err.details })
      }
    }
    if (failures.length > 0) throw new AppError('payroll_sheet_cannot_price', { teamId, workers: failures })

    const totals = sheetLineTotals(made.map((m) => m.line))
    const sheetId = newId()
    const lines: SheetLineRow[] = made.map(({ line, worker, fallback }, i) => ({
      id: newId(),
      sheetId,
      projectId,
      period,
      lineNo: i + 1,
      workerId: worker.id,
      enrolmentId: line.enrolmentId,
      workerName: worker.name,
      idNumber: worker.idNumber,
      bankName: worker.bankName,
      cardNo: worker.cardNo,
      dayHalves: line.creditHalves,
      workedMinutes: line.workedMinutes,
      payableFen: line.payableFen,
      deductionsFen: line.deductedFen,
      netFen: line.netFen,
      items: JSON.stringify({
        payable: line.payable,
        deductions: line.deductions,
        heldPieceQuantities: line.heldPieceQuantities,
        adjustments: line.adjustments,
        adjustmentHalves: line.adjustmentHalves,
        adjustmentMinutes: line.adjustmentMinutes,
        unappliedFen: line.unappliedFen,
        expectedDays: line.expectedDays,
        termsSource: fallback ? 'enrolment_daily_rate' : 'wage_terms',
      }),
      minimumWage: ((f) => (f ? JSON.stringify(f) : null))(minimumWageFinding(line, project.regionCode)),
    }))
    const basis = {
      reason,
      confirmationId: tm.confirmation.id,
      confirmedAtMs: tm.confirmation.confirmedAtMs,
      adjustmentIds: made.flatMap((m) => m.line.adjustments.map((a) => a.adjustmentId)),
      termsVersionIds: [...new Set(made.flatMap((m) => (m.inputs && !m.fallback ? m.inputs.versions.map((v) => v.id) : [])))],
      enrolmentRateWorkerIds: made.filter((m) => m.fallback).map((m) => m.worker.id),
      pieceQuantityIds: made.flatMap((m) => m.inputs?.pieceQuantities.map((q) => q.id) ?? []),
      payItemIds: made.flatMap((m) => m.inputs?.payItemIds ?? []),
    }
    return { project, teamId, period, sheetId, lines, totals, basis, version: undefined }
  }

  /**
   * Stores a prepared sheet as the team-month's next version, superseding an approved one: inside a transaction
   * holding the team-month's lock. Returns the refusal instead of storing when a live sheet appeared meanwhile.
   */
  private async store(prepared: PreparedSheet, actor: string, reason: string | null, now: number, versionOf: typeof nextVersion = nextVersion): Promise<AppError | undefined> {
    const { project, teamId, period, sheetId, lines, totals, basis } = prepared
    const existing = await this.withStates(await this.repo.sheetsOfTeamMonth(project.id, teamId, period))
    const next = versionOf(existing.map(({ sheet, state }) => ({ id: sheet.id, version: sheet.version, state })))
    if (!next.ok) return new AppError('payroll_sheet_exists', { sheetId: next.liveId, version: next.version, state: next.state })
    prepared.version = next.version
    const sheet: SheetRow = {
      id: sheetId,
      projectId: project.id,
      teamId,
      period,
      version: next.version,
      supersedesId: next.supersedes,
      payDate: payDateOf(period, project.payDay),
      workerCount: totals.workerCount,
      payableFen: totals.payableFen,
      deductionsFen: totals.deductedFen,
      netFen: totals.netFen,
      basis: JSON.stringify({ ...basis, previousId: existing.at(-1)?.sheet.id ?? null }),
      madeBy: actor,
      madeAtMs: now,
    }
    await this.repo.insertSheet(sheet, lines, { id: newId(), sheetId, seq: 1, state: 'draft', actor, reason, atMs: now })
    if (next.supersedes) {
      const old = existing.find((e) => e.sheet.id === next.supersedes)!
      await this.repo.insertEvent({ id: newId(), sheetId: old.sheet.id, seq: old.events.length + 1, state: 'superseded', actor, reason: reason ?? `superseded by version ${next.version}`, atMs: now })
    }
    return undefined
  }

  // ---- transitions --------------------------------------------------------------------------------------------

  /** send, submit, approve or withdraw the newest version of a team's month. */
  async act(projectId: string, teamId: string, period: Month, action: PersonAction, actor: string, reason: string | null): Promise<SheetView> {
    await this.deps.roster.team(projectId, teamId)
    const acted = await this.repo.transaction(async (tx) => {
      await tx.lock(sheetLockKey(projectId, teamId, period))
      const sheets = await this.withStates(await this.repo.sheetsOfTeamMonth(projectId, teamId, period))
      const newest = sheets.at(-1)
      if (!newest) throw new AppError('payroll_sheet_not_found', { teamId, month: period })
      await this.step(newest, action, actor, reason)
      // A correction withdrawn: the approved sheet it superseded is in force again, with its money where it stood
      // (approved, instructed or settled), so the month can be paid without making, sending and approving a copy.
      const superseded = action === 'withdraw' && newest.sheet.supersedesId !== null ? sheets.find((s) => s.sheet.id === newest.sheet.supersedesId) : undefined
      if (superseded && superseded.state === 'superseded') {
        const seq = superseded.events.length + 1
        await this.repo.insertEvent({ id: newId(), sheetId: superseded.sheet.id, seq, state: moneyStateOf(superseded.events), actor, reason: `in force again: version ${newest.sheet.version} was withdrawn`, atMs: this.clock.nowMs() })
      }
      return newest.sheet.version
    })
    this.changed(projectId, period)
    // The version acted on (a withdrawn one included: the reply shows the withdrawal).
    return this.view(projectId, teamId, period, acted)
  }

  /** The instruction service's step (approved → instructed), for a caller that does not hold the lock itself. */
  async instruct(sheetId: string, actor: string, reason: string | null): Promise<void> {
    const sheet = await this.sheetOrThrow(sheetId)
    await this.repo.transaction(async (tx) => {
      await tx.lock(sheetLockKey(sheet.projectId, sheet.teamId, sheet.period))
      const events = (await this.repo.eventsOf([sheetId])).get(sheetId) ?? []
      await this.step({ sheet, events, state: stateOf(events) }, 'instruct', actor, reason)
    })
    this.changed(sheet.projectId, sheet.period)
  }

  async settle(sheetId: string, actor: string, reason: string): Promise<void> {
    const sheet = await this.sheetOrThrow(sheetId)
    await this.repo.transaction(async (tx) => {
      await tx.lock(sheetLockKey(sheet.projectId, sheet.teamId, sheet.period))
      const events = (await this.repo.eventsOf([sheetId])).get(sheetId) ?? []
      const money = moneyStateOf(events)
      if (money === 'settled') return
      const state = stateOf(events)
      if (state === 'superseded' && money === 'instructed') {
        // Still the sheet in force until its successor is approved: its money is settled, and it stays superseded.
        await this.repo.insertEvent({ id: newId(), sheetId, seq: events.length + 1, state: 'settled', actor, reason, atMs: this.clock.nowMs() })
        await this.repo.insertEvent({ id: newId(), sheetId, seq: events.length + 2, state: 'superseded', actor, reason: 'still superseded by a later version', atMs: this.clock.nowMs() })
        return
      }
      await this.step({ sheet, events, state }, 'settle', actor, reason)
    })
  }

  /**
   * Reconciliation's step back (settled → instructed) when a payment of the sheet came back (退票) and its worker is
   * unpaid again: a new event, the return as its reason, never an edit of the settlement (a no-op unless the sheet's
   * money is settled). A superseded sheet still in force keeps its `superseded` state, as in settle.
   */
  async reopen(sheetId: string, actor: string, reason: string): Promise<void> {
    const sheet = await this.sheetOrThrow(sheetId)
    await this.repo.transaction(async (tx) => {
      await tx.lock(sheetLockKey(sheet.projectId, sheet.teamId, sheet.period))
      const events = (await this.repo.eventsOf([sheetId])).get(sheetId) ?? []
      if (moneyStateOf(events) !== 'settled') return
      const state = stateOf(events)
      if (state === 'superseded') {
        await this.repo.insertEvent({ id: newId(), sheetId, seq: events.length + 1, state: 'instructed', actor, reason, atMs: this.clock.nowMs() })
        await this.repo.insertEvent({ id: newId(), sheetId, seq: events.length + 2, state: 'superseded', actor, reason: 'still superseded by a later version', atMs: this.clock.nowMs() })
        return
      }
      await this.step({ sheet, events, state }, 'reopen', actor, reason)
    })
  }

  private async step(s: { sheet: SheetRow; events: SheetEventRow[]; state: SheetState }, action: SheetAction, actor: string, reason: string | null): Promise<void> {
    const t = transition(s.state, action)
    if (!t.ok) throw new AppError('payroll_sheet_state', { sheetId: s.sheet.id, version: s.sheet.version, state: t.state, allowedFrom: t.allowedFrom })
    await this.repo.insertEvent({ id: newId(), sheetId: s.sheet.id, seq: s.events.length + 1, state: t.to, actor, reason, atMs: this.clock.nowMs() })
  }

  // ---- answers ------------------------------------------------------------------------------------------------

  /**
   * A worker's answer to their line (工资确认) on the current sheet of their team's month, once it is sent. The newest
   * answer counts; a dispute holds the line and needs a note saying what is wrong.
   */
  async answer(projectId: string, workerId: string, period: Month, input: AnswerInput): Promise<{ answer: LineAnswerRow; sheet: SheetRow }> {
    if (input.decision === 'dispute' && !input.note?.trim()) throw new AppError('correction_invalid', { message: 'a dispute needs a note saying what is wrong' })
    const current = await this.currentLine(projectId, workerId, period)
    if (!current) throw new AppError('payroll_line_not_found', { workerId, month: period })
    return this.repo.transaction(async (tx) => {
      await tx.lock(sheetLockKey(projectId, current.sheet.teamId, period))
      // Read again under the lock: a new version made meanwhile is the one to answer.
      const again = await this.currentLine(projectId, workerId, period)
      if (!again) throw new AppError('payroll_line_not_found', { workerId, month: period })
      if (input.lineId !== undefined && input.lineId !== again.line.id) {
        throw new AppError('payroll_line_superseded', { lineId: input.lineId, current: { lineId: again.line.id, sheetId: again.sheet.id, version: again.sheet.version, netFen: again.line.netFen } })
      }
      const answer: LineAnswerRow = {
        id: newId(),
        sheetId: again.sheet.id,
        lineId: again.line.id,
        workerId,
        decision: input.decision,
        channel: input.channel,
        note: input.note,
        answeredAtMs: this.clock.nowMs(),
      }
      await this.repo.insertAnswer(answer)
      return { answer, sheet: again.sheet }
    })
  }

  /** The worker's line on the newest version of a team-month that is sent or later, the newest made if several teams. */
  private async currentLine(projectId: string, workerId: string, period: Month): Promise<{ sheet: SheetRow; line: SheetLineRow } | undefined> {
    const lines = await this.repo.linesOfWorker(projectId, workerId, period)
    const teams = new Set<string>()
    for (const l of lines) {
      const s = await this.repo.sheet(l.sheetId)
      if (s) teams.add(s.teamId)
    }
    let found: { sheet: SheetRow; line: SheetLineRow } | undefined
    for (const teamId of [...teams].sort()) {
      // The sheet in force: the newest neither withdrawn nor superseded (a correction withdrawn leaves the one before).
      const newest = (await this.withStates(await this.repo.sheetsOfTeamMonth(projectId, teamId, period))).filter((s) => s.state !== 'withdrawn' && s.state !== 'superseded').at(-1)
      if (!newest || !ANSWERABLE_STATES.includes(newest.state)) continue
      const line = lines.find((l) => l.sheetId === newest.sheet.id)
      if (line && (!found || newest.sheet.madeAtMs > found.sheet.madeAtMs)) found = { sheet: newest.sheet, line }
    }
    return found
  }

  // ---- reading ------------------------------------------------------------------------------------------------

  /** A team-month's sheet (the newest version, or the one asked for) with its lines, answers and history. */
  async view(projectId: string, teamId: string, period: Month, version?: number): Promise<SheetView> {
    const team = await this.deps.roster.team(projectId, teamId)
    const sheets = await this.withStates(await this.repo.sheetsOfTeamMonth(projectId, teamId, period))
    const s = version === undefined ? inForce(sheets) : sheets.find((x) => x.sheet.version === version)
    if (!s) throw new AppError('payroll_sheet_not_found', { teamId, month: period, ...(version === undefined ? {} : { version }) })
    const answers = await this.repo.answersInEffect(s.sheet.id)
    const rows = await this.repo.linesOf(s.sheet.id)
    return {
      sheet: s.sheet,
      teamName: team.name,
      state: s.state,
      events: s.events,
      lines: rows.map((row) => ({ row, answer: answers.get(row.id) ?? null })),
      counts: answerCounts(
        rows.map((r) => r.id),
        answers,
      ),
      versions: sheets.length,
    }
  }

  /** Per team of the project (a team manager's employer's teams only, when given), the newest sheet of the month. */
  async monthSummary(projectId: string, period: Month, employerId?: string): Promise<SheetSummary[]> {
    const teams = (await this.deps.roster.listTeams(projectId)).filter((t) => employerId === undefined || t.employerId === employerId)
    const all = await this.withStates(await this.repo.sheetsOfMonth(projectId, period))
    const out: SheetSummary[] = []
    for (const team of teams) {
      const newest = inForce(all.filter((s) => s.sheet.teamId === team.id))
      if (!newest) {
        out.push({ teamId: team.id, teamName: team.name, sheet: null })
        continue
      }
      const answers = await this.repo.answersInEffect(newest.sheet.id)
      const lineIds = (await this.repo.linesOf(newest.sheet.id)).map((l) => l.id)
      const { sheet } = newest
      out.push({
        teamId: team.id,
        teamName: team.name,
        sheet: {
          id: sheet.id,
          version: sheet.version,
          state: newest.state,
          workerCount: sheet.workerCount,
          payableFen: sheet.payableFen,
          deductionsFen: sheet.deductionsFen,
          netFen: sheet.netFen,
          madeAtMs: sheet.madeAtMs,
          counts: answerCounts(lineIds, answers),
          reopenings: reopeningsOf(newest.events),
        },
      })
    }
    return out
  }

  /** A worker's lines of a month on every sheet version that was sent to the workers, newest first. */
  async workerLines(projectId: string, workerId: string, period: Month): Promise<WorkerSheetLine[]> {
    await this.deps.roster.enrolmentOf(projectId, workerId)
    const lines = await this.repo.linesOfWorker(projectId, workerId, period)
    const events = await this.repo.eventsOf(lines.map((l) => l.sheetId))
    const out: WorkerSheetLine[] = []
    for (const line of lines) {
      const ev = events.get(line.sheetId) ?? []
      if (!ev.some((e) => e.state === 'sent')) continue
      const sheet = await this.repo.sheet(line.sheetId)
      if (!sheet) continue
      out.push({ sheet, state: stateOf(ev), line, answer: (await this.repo.answersInEffect(sheet.id)).get(line.id) ?? null })
    }
    return out.sort((a, b) => b.sheet.madeAtMs - a.sheet.madeAtMs || (a.sheet.id < b.sheet.id ? 1 : -1))
  }

  async approvedForMonth(projectId: string, period: Month): Promise<ApprovedTeamMonth[]> {
    const teams = new Map((await this.deps.roster.listTeams(projectId)).map((t) => [t.id, t.name]))
    const all = await this.withStates(await this.repo.sheetsOfMonth(projectId, period))
    const inForce = new Map<string, (typeof all)[number]>()
    for (const s of all) if (s.events.some((e) => e.state === 'approved')) inForce.set(s.sheet.teamId, s)
    const out: ApprovedTeamMonth[] = []
    for (const s of [...inForce.values()].sort((a, b) => (a.sheet.teamId < b.sheet.teamId ? -1 : 1))) {
      // The approval itself: a sheet put back in force when its correction was withdrawn gets a later `approved` event,
      // which is no approval by anyone.
      const approved = s.events.find((e) => e.state === 'approved')!
      const money = moneyStateOf(s.events)
      const lines = await this.repo.approvedLinesOf(s.sheet.id)
      out.push({
        teamId: s.sheet.teamId,
        teamName: teams.get(s.sheet.teamId) ?? '',
        sheetId: s.sheet.id,
        version: s.sheet.version,
        state: money === 'instructed' || money === 'settled' ? money : 'approved',
        approvedAtMs: approved.atMs,
        approvedBy: approved.actor,
        netFen: fen(s.sheet.netFen),
        lines,
        superseded: s.state === 'superseded',
      })
    }
    return out
  }

  private async sheetOrThrow(sheetId: string): Promise<SheetRow> {
    const sheet = await this.repo.sheet(sheetId)
    if (!sheet) throw new AppError('payroll_sheet_not_found', { sheetId })
    return sheet
  }

  /** Sheets with their events and state, in the order given. */
  private async withStates(sheets: readonly SheetRow[]): Promise<Array<{ sheet: SheetRow; events: SheetEventRow[]; state: SheetState }>> {
    const events = await this.repo.eventsOf(sheets.map((s) => s.id))
    return sheets.map((sheet) => {
      const ev = events.get(sheet.id) ?? []
      return { sheet, events: ev, state: stateOf(ev) }
    })
  }
}

/**
 * The version of a team-month in force, from its versions oldest first: the newest neither withdrawn nor superseded (a
 * correction withdrawn puts the version before it back), else the newest (every version withdrawn: that is the story).
 */
function inForce<S extends { state: SheetState }>(versions: readonly S[]): S | undefined {
  return versions.filter((s) => s.state !== 'withdrawn' && s.state !== 'superseded').at(-1) ?? versions.at(-1)
}

/**
 * The next version as the bulk make sees it: a team whose sheet in force is approved or later already has its sheet;
 * a correction superseding it is the team's own make, a deliberate step, never a side effect of making the others'.
 */
function bulkNextVersion(sheets: ReadonlyArray<{ id: string; version: number; state: SheetState }>): MakeOutcome {
  const next = nextVersion(sheets)
  if (!next.ok || next.supersedes === null) return next
  const live = sheets.find((s) => s.id === next.supersedes)!
  return { ok: false, liveId: live.id, version: live.version, state: live.state }
}
