/**
 * Complaint clues (欠薪线索) kept: received from the worker's page (their complaint, in the transaction that opens
 * its case), entered by staff from the 12333 hotline, or imported with the source's reference (never taken twice);
 * then checked, routed, received by the bureau and resolved (src/risk/clues.ts orders the steps and runs the clocks),
 * with comments and, for illegal contracting, the linked contracting case (一案双查). Every step is an event with its
 * actor and time, appended under the clue's lock; a step out of order is refused with the rule's reason.
 *
 * Around the steps: a clue whose figures make it a major incident becomes one as it is received (IncidentService);
 * one resolved with the arrears confirmed records the employer's credit record (CreditService) in the same
 * transaction; the escalation sweep appends one `escalated` event per clock that runs out, with its webhook; and a
 * clue read alone carries the evidence the ledger holds for the worker and month it names (their days, their line on
 * the payroll sheet, the bank's payments of it).
 */
import type { Database, Transaction } from '../db/database.ts'
import type { CaseEvent, FlagCase } from '../flags/cases.ts'
import { AppError, outOfScope } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import { sumFen } from '../kernel/money.ts'
import { isMonth, monthBoundsMs, monthOf, workDateOf, type Clock } from '../kernel/time.ts'
import type { LedgerLine } from '../payroll/ledger-repository.ts'
import { isCreditCode } from '../roster/identity.ts'
import type { WorkerMonth } from '../timesheets/rules.ts'
import { clueClocks, clueState, routeFor, type ClueCause, type ClueChannel, type ClueClock, type ClueState, type ClueStep } from './clues.ts'
import { clueFigures, type ClueMonthFigures } from './clue-figures.ts'
import { clueEscalationPayload, NO_PROJECT, type RiskOutbox } from './clue-notifications.ts'
import { ClueRepository, type ClueEventRow, type ClueRow, type ClueWithRegion, type RegionFilter } from './clue-repository.ts'
import type { CreditService } from './credit-service.ts'
import { inRegion, type IncidentService } from './incident-service.ts'

export type ClueOutcome = 'arrears_confirmed' | 'not_substantiated' | 'withdrawn' | 'transferred'
export const CLUE_OUTCOMES: readonly ClueOutcome[] = ['arrears_confirmed', 'not_substantiated', 'withdrawn', 'transferred']
export type ClueEventType = ClueStep['type'] | 'commented' | 'linked' | 'escalated'

export interface ClueActor {
  id: string
  role: string
  label: string
}

export interface NewClue {
  channel: Exclude<ClueChannel, 'worker_page'>
  projectId?: string
  employerCreditCode?: string
  workerId?: string
  /** The pay month complained of, when the complainant names one: the evidence is read for it. */
  month?: string
  summary: string
  headcount: number
  amountFen: number
  /** The hotline's ticket or the imported row's reference; required for an import. */
  externalRef?: string
  /** When the hotline took it, if earlier than its entry here (not in the future). */
  receivedAtMs?: number
}

export type ClueStepInput =
  | {
      type: 'checked'
      cause: ClueCause
      note: string
      /** What the check found, when it differs from what was claimed: a clue found to reach 10 workers or ¥5M becomes a major incident then. */
      headcount?: number
      amountFen?: number
    }
  | { type: 'routed'; to: 'construction_bureau' | 'hrss_bureau'; note?: string }
  | { type: 'bureau_received'; note?: string }
  | {
      type: 'resolved'
      outcome: ClueOutcome
      note: string
      /** For arrears_confirmed: the employer (default: the clue's), the amount confirmed (default: claimed), the months. */
      creditCode?: string
      employerName?: string
      amountFen?: number
      periodFrom?: string
      periodTo?: string
    }
  | { type: 'commented'; text: string }
  | { type: 'linked'; caseRef: string; note?: string }

export interface ClueEventView {
  seq: number
  type: ClueEventType
  actor: string
  atMs: number
  body: Record<string, unknown>
}

export interface ClueView {
  clue: ClueWithRegion
  month: string | null
  state: ClueState
  cause: ClueCause | null
  routedTo: 'construction_bureau' | 'hrss_bureau' | null
  outcome: ClueOutcome | null
  events: ClueEventView[]
  clocks: ClueClock[]
  /** A clock run out and not yet met. */
  overdue: boolean
  /** The workers and amount the check found, when it restated them; else null (the claim stands). */
  found: { headcount: number; amountFen: number } | null
}

export interface ClueEvidence {
  month: string
  days: { frozen: boolean; creditHalves: number; workedMinutes: number; list: Array<{ date: string; status: string; creditHalves: number; workedMinutes: number }> } | null
  sheetLines: Array<{
    sheetId: string
    teamName: string
    sheetVersion: number
    sheetState: string
    dueDate: string
    netFen: number
    answer: string | null
    /**
     * What the bank paid against this line (实际支付), as the wage payment ledger sets it: a worker on two lines of the
     * month (two teams' sheets) has their payments counted once, split between the lines (allocatePayments).
     */
    paidFen: number
    /** The payments (or the parts of them) counted against this line: each fen the bank paid is on one line only. */
    payments: Array<{ bankRef: string; valueDate: string; amountFen: number; matchedBy: string }>
  }>
  /** What the bank paid the worker in the month against these lines, each payment once: the lines' paidFen added up. */
  paidFen: number
}

/** What the evidence is read from: the timesheets and the payroll ledger, as the worker's own page reads them. */
export interface ClueEvidenceSources {
  workerMonth(projectId: string, workerId: string, month: string): Promise<{ frozen: boolean; month: WorkerMonth }>
  ledgerLines(projectId: string, month: string, workerId: string): Promise<LedgerLine[]>
}

/** Clues read for a list before it is filtered by state and clocks: a region's board, not an archive. */
export const CLUE_LIST_MAX = 2000
/** The months the clue figures cover, this one included: two years, for a year's targets against the year before. */
export const CLUE_FIGURE_MONTHS = 24
export const CLUE_TEXT_LENGTH_MAX = 2000
/** How far back the start-up catch-up looks for worker complaints that became no clue. */
export const COMPLAINT_CATCH_UP_MS = 90 * 86_400_000

const ROUTE_STEPS: ReadonlySet<string> = new Set(['received', 'checked', 'routed', 'bureau_received', 'resolved'])
const lockKey = (clueId: string): string => `clue:${clueId}`

const parse = (e: ClueEventRow): Record<string, unknown> => JSON.parse(e.body) as Record<string, unknown>

/** The route's steps among a clue's events, as src/risk/clues.ts reads them. */
export function stepsOf(events: readonly ClueEventRow[]): ClueStep[] {
  return events.filter((e) => ROUTE_STEPS.has(e.type)).map((e) => parse(e) as unknown as ClueStep)
}

/** The figures the check restated, if it did. */
function foundOf(steps: readonly ClueStep[]): { headcount: number; amountFen: number } | null {
  const checked = steps.find((s) => s.type === 'checked') as (ClueStep & { found?: { headcount: number; amountFen: number } }) | undefined
  return checked?.found ?? null
}

/** A reference given again names the same clue when its facts are the same; other facts are another clue, refused. */
export function sameFacts(a: Pick<ClueRow, 'summary' | 'headcount' | 'amountFen' | 'projectId' | 'employerCreditCode'>, b: Pick<ClueRow, 'summary' | 'headcount' | 'amountFen' | 'projectId' | 'employerCreditCode'>): boolean {
  return a.summary === b.summary && a.headcount === b.headcount && a.amountFen === b.amountFen && a.projectId === b.projectId && a.employerCreditCode === b.employerCreditCode
}

export class ClueService {
  readonly repo: ClueRepository

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly defaultTimeZone: string,
    private readonly deps: { incidents: IncidentService; credit: CreditService; evidence: ClueEvidenceSources; outbox?: RiskOutbox },
  ) {
    this.repo = new ClueRepository(db)
  }

  // Receiving ------------------------------------------------------------------------------------------------------

  /** A clue entered by staff (12333) or imported. The same reference again with the same facts is the same clue. */
  async create(input: NewClue, actor: ClueActor): Promise<{ outcome: 'clue_created' | 'clue_exists'; clue: ClueView }> {
    const summary = input.summary.trim()
    if (summary === '') throw new AppError('clue_invalid', { problem: 'summary_required' })
    // Trimmed as the file import trims it: 'GD-9 ' and 'GD-9' are one ticket.
    const externalRef = input.externalRef?.trim() || undefined
    if (input.externalRef !== undefined && externalRef === undefined) throw new AppError('clue_invalid', { problem: 'external_ref_blank' })
    if (input.channel === 'import' && !externalRef) throw new AppError('clue_invalid', { problem: 'external_ref_required' })
    if (input.month !== undefined && !isMonth(input.month)) throw new AppError('invalid_month', { month: input.month })
    let creditCode = input.employerCreditCode?.trim().toUpperCase()
    if (creditCode !== undefined && !isCreditCode(creditCode)) throw new AppError('invalid_credit_code', { creditCode })
    if (input.projectId === undefined && creditCode === undefined) throw new AppError('clue_invalid', { problem: 'project_or_employer_required' })
    if (input.projectId !== undefined && !(await this.repo.projectZone(input.projectId))) throw new AppError('project_not_found', { id: input.projectId })
    if (input.workerId !== undefined) {
      if (input.projectId === undefined) throw new AppError('clue_invalid', { problem: 'worker_needs_project' })
      const employer = await this.repo.employerOfWorker(input.projectId, input.workerId)
      if (!employer) throw new AppError('clue_invalid', { problem: 'worker_not_on_project', workerId: input.workerId })
      creditCode ??= employer.creditCode
    }
    const now = this.clock.nowMs()
    const receivedAtMs = input.receivedAtMs ?? now
    if (receivedAtMs > now) throw new AppError('clue_invalid', { problem: 'received_in_future' })
    const row: ClueRow = {
      id: newId(),
      projectId: input.projectId ?? null,
      employerCreditCode: creditCode ?? null,
      workerId: input.workerId ?? null,
      channel: input.channel,
      summary,
      headcount: input.headcount,
      amountFen: input.amountFen,
      externalRef: externalRef ?? null,
      receivedAtMs,
      createdBy: actor.label,
    }
    const made = await this.db.tx(async () => this.receive(row, input.month ?? null, actor))
    if (made) return { outcome: 'clue_created', clue: await this.get(row.id, undefined) }
    const existing = await this.repo.clueByRef(row.channel, row.externalRef!)
    if (!existing) throw new AppError('clue_external_ref_taken', { channel: row.channel, externalRef: row.externalRef })
    if (!sameFacts(existing, row)) throw new AppError('clue_external_ref_taken', { channel: row.channel, externalRef: row.externalRef, clueId: existing.id })
    return { outcome: 'clue_exists', clue: await this.get(existing.id, undefined) }
  }

  /**
   * A file's clues (src/risk/clue-imports.ts, which checked them first), received in one transaction as create
   * receives one: each with its receipt and the incident its figures make. A reference taken meanwhile by another
   * request throws clue_external_ref_taken and nothing is stored; the caller checks the file again.
   */
  async receiveFile(rows: ReadonlyArray<{ row: ClueRow; month: string | null }>, actor: ClueActor, file: { filename: string; reason: string | null; fileHash: string }): Promise<void> {
    await this.db.tx(async () => {
      for (const { row, month } of rows) {
        if (!(await this.receive(row, month, actor, { file }))) throw new AppError('clue_external_ref_taken', { channel: row.channel, externalRef: row.externalRef })
      }
    })
  }

  /** Stores a clue and its receipt, and the incident its figures make (inside the caller's transaction). */
  private async receive(row: ClueRow, month: string | null, actor: ClueActor, extra: Record<string, unknown> = {}): Promise<boolean> {
    if (!(await this.repo.insertClue(row))) return false
    const step: ClueStep & { month: string | null; actorId: string; actorRole: string } = { type: 'received', channel: row.channel as ClueChannel, atMs: row.receivedAtMs, actor: actor.label, month, actorId: actor.id, actorRole: actor.role, ...extra }
    await this.repo.insertEvents([{ id: newId(), clueId: row.id, seq: 1, type: 'received', actor: actor.label, body: JSON.stringify(step), atMs: row.receivedAtMs }])
    await this.deps.incidents.raise({ kind: 'clue', id: row.id, projectId: row.projectId, headcount: row.headcount, amountFen: row.amountFen, atMs: row.receivedAtMs })
    return true
  }

  /**
   * The CaseService hook, inside the transaction that appends a project-month's case events: a worker's complaint
   * (a COMPLAINT case opened or reopened from their page) becomes a clue of channel worker_page, its reference the
   * complaint's id. A second complaint while the case is live is a comment on it, and stays one.
   */
  async complaintsAppended(projectId: string, month: string, events: readonly CaseEvent[], cases: () => readonly FlagCase[]): Promise<void> {
    for (const e of events) {
      if ((e.type !== 'opened' && e.type !== 'reopened') || !e.runId.startsWith('complaint:')) continue
      const workerId = e.type === 'opened' ? e.workerId : (cases().find((c) => c.key === e.caseKey)?.workerId ?? null)
      if (workerId === null) continue
      await this.fromComplaint({ complaintId: e.runId.slice('complaint:'.length), projectId, month, workerId, evidence: e.evidence, dueFen: e.dueFen, paidFen: e.paidFen, atMs: e.atMs })
    }
  }

  private async fromComplaint(c: { complaintId: string; projectId: string; month: string; workerId: string; evidence: Record<string, unknown>; dueFen: number | null; paidFen: number | null; atMs: number }): Promise<boolean> {
    const by = typeof c.evidence.by === 'string' ? c.evidence.by : `worker:${c.workerId}`
    const text = typeof c.evidence.text === 'string' ? c.evidence.text : ''
    const employer = await this.repo.employerOfWorker(c.projectId, c.workerId)
    return this.receive(
      {
        id: newId(),
        projectId: c.projectId,
        employerCreditCode: employer?.creditCode ?? null,
        workerId: c.workerId,
        channel: 'worker_page',
        summary: text === '' ? '(no text)' : text,
        headcount: 1,
        amountFen: c.dueFen === null ? 0 : Math.max(0, c.dueFen - (c.paidFen ?? 0)),
        externalRef: c.complaintId,
        receivedAtMs: c.atMs,
        createdBy: by,
      },
      c.month,
      { id: c.workerId, role: 'worker', label: by },
    )
  }

  /** Worker complaints of the last days that became no clue (made before this existed): run once at start. */
  async catchUpComplaints(): Promise<number> {
    let made = 0
    for (const r of await this.repo.complaintsWithoutClue(this.clock.nowMs() - COMPLAINT_CATCH_UP_MS)) {
      const e = JSON.parse(r.body) as CaseEvent
      if (e.type !== 'opened' && e.type !== 'reopened') continue
      const key = JSON.parse(e.caseKey) as unknown[]
      const workerId = typeof key[1] === 'string' && key[1].startsWith('worker:') ? key[1].slice('worker:'.length) : undefined
      if (workerId === undefined) continue
      const ok = await this.db.tx(async () =>
        this.fromComplaint({ complaintId: e.runId.slice('complaint:'.length), projectId: r.projectId, month: r.month, workerId, evidence: e.evidence, dueFen: e.dueFen, paidFen: e.paidFen, atMs: e.atMs }),
      )
      if (ok) made++
    }
    return made
  }

  // Steps ----------------------------------------------------------------------------------------------------------

  async step(clueId: string, input: ClueStepInput, actor: ClueActor): Promise<ClueView> {
    await this.get(clueId, undefined)
    await this.db.tx(async (tx: Transaction) => {
      await tx.lock(lockKey(clueId))
      const clue = (await this.repo.clue(clueId))!
      const events = await this.repo.events(clueId)
      const steps = stepsOf(events)
      const atMs = this.clock.nowMs()
      const checked = steps.find((s): s is Extract<ClueStep, { type: 'checked' }> => s.type === 'checked')
      const who = { actor: actor.label, actorId: actor.id, actorRole: actor.role }
      let body: Record<string, unknown>
      switch (input.type) {
        case 'checked':
        case 'routed':
        case 'bureau_received':
        case 'resolved': {
          const step = await this.routeStep(clue, steps, input, atMs, actor.label)
          if (input.type === 'routed' && checked !== undefined && input.to !== routeFor(checked.cause)) {
            throw new AppError('clue_step_refused', { code: 'route_contradicts_cause', cause: checked.cause, to: input.to, expected: routeFor(checked.cause) })
          }
          const r = clueState([...steps, step.step])
          if (!r.ok) throw new AppError('clue_step_refused', { code: r.refusal.code, reason: r.refusal.reason })
          body = { ...step.step, ...step.extra, ...who }
          if (step.credit) body.creditRecordId = await this.deps.credit.record({ ...step.credit, sourceKind: 'clue', sourceId: clue.id, actor: actor.label, atMs })
          if (input.type === 'checked' && step.extra.found !== undefined) {
            const found = step.extra.found as { headcount: number; amountFen: number }
            await this.deps.incidents.raise({ kind: 'clue', id: clue.id, projectId: clue.projectId, headcount: found.headcount, amountFen: found.amountFen, atMs })
          }
          break
        }
        case 'commented': {
          const text = input.text.trim()
          if (text === '') throw new AppError('clue_step_invalid', { problem: 'text_required' })
          body = { type: 'commented', text, atMs, ...who }
          break
        }
        case 'linked': {
          if (checked?.cause !== 'illegal_contracting') throw new AppError('clue_step_refused', { code: 'link_needs_illegal_contracting', cause: checked?.cause ?? null })
          const caseRef = input.caseRef.trim()
          if (caseRef === '') throw new AppError('clue_step_invalid', { problem: 'case_ref_required' })
          body = { type: 'linked', caseRef, note: input.note?.trim() || null, atMs, ...who }
          break
        }
      }
      const seq = (events.at(-1)?.seq ?? 0) + 1
      await this.repo.insertEvents([{ id: newId(), clueId, seq, type: input.type, actor: actor.label, body: JSON.stringify(body), atMs }])
    })
    return this.get(clueId, undefined)
  }

  /** The route step an input makes, and for a confirmed resolution the credit record it makes. */
  private async routeStep(
    clue: ClueWithRegion,
    steps: readonly ClueStep[],
    input: Extract<ClueStepInput, { type: 'checked' | 'routed' | 'bureau_received' | 'resolved' }>,
    atMs: number,
    actor: string,
  ): Promise<{ step: ClueStep; extra: Record<string, unknown>; credit?: Omit<Parameters<CreditService['record']>[0], 'sourceKind' | 'sourceId' | 'actor' | 'atMs'> }> {
    switch (input.type) {
      case 'checked': {
        const note = input.note.trim()
        if (note === '') throw new AppError('clue_step_invalid', { problem: 'note_required' })
        const restated = input.headcount !== undefined || input.amountFen !== undefined
        return { step: { type: 'checked', cause: input.cause, atMs, actor, note }, extra: restated ? { found: { headcount: input.headcount ?? clue.headcount, amountFen: input.amountFen ?? clue.amountFen } } : {} }
      }
      case 'routed':
        return { step: { type: 'routed', to: input.to, atMs, actor }, extra: { note: input.note?.trim() || null } }
      case 'bureau_received':
        return { step: { type: 'bureau_received', atMs, actor }, extra: { note: input.note?.trim() || null } }
      case 'resolved': {
        const note = input.note.trim()
        if (note === '') throw new AppError('clue_step_invalid', { problem: 'note_required' })
        const step: ClueStep = { type: 'resolved', atMs, actor, outcome: input.outcome }
        if (input.outcome !== 'arrears_confirmed') return { step, extra: { note } }
        const creditCode = (input.creditCode ?? clue.employerCreditCode ?? '').trim().toUpperCase()
        if (creditCode === '') throw new AppError('clue_step_invalid', { problem: 'credit_code_required' })
        if (!isCreditCode(creditCode)) throw new AppError('invalid_credit_code', { creditCode })
        const amountFen = input.amountFen ?? foundOf(steps)?.amountFen ?? clue.amountFen
        if (amountFen <= 0) throw new AppError('clue_step_invalid', { problem: 'amount_required' })
        const received = steps.find((s) => s.type === 'received') as (ClueStep & { month?: string | null }) | undefined
        const periodFrom = input.periodFrom ?? received?.month ?? undefined
        if (periodFrom === undefined) throw new AppError('clue_step_invalid', { problem: 'period_required' })
        const periodTo = input.periodTo ?? periodFrom
        if (!isMonth(periodFrom) || !isMonth(periodTo) || periodTo < periodFrom) throw new AppError('clue_step_invalid', { problem: 'period_invalid', periodFrom, periodTo })
        const organisation = await this.repo.organisationByCreditCode(creditCode)
        const employerName = input.employerName?.trim() || organisation?.name
        if (employerName === undefined) throw new AppError('clue_step_invalid', { problem: 'employer_name_required' })
        const recordedOn = workDateOf(atMs, await this.zoneOf(clue))
        return {
          step,
          extra: { note, confirmed: { creditCode, employerName, amountFen, periodFrom, periodTo } },
          credit: { creditCode, employerName, organisationId: organisation?.id ?? null, reason: `拖欠农民工工资 (${note})`, periodFrom, periodTo, amountFen, recordedOn },
        }
      }
    }
  }

  // Clocks ---------------------------------------------------------------------------------------------------------

  /**
   * The escalation sweep: for each unresolved clue, one `escalated` event per clock run out and not met, with its
   * webhook, appended under the clue's lock after reading its events again (so instances running it at once append
   * each escalation once). Returns how many were appended.
   */
  async tick(): Promise<number> {
    const now = this.clock.nowMs()
    let appended = 0
    const open = await this.repo.unresolvedClues()
    const eventsOf = await this.repo.eventsOf(open.map((c) => c.id))
    const zones = new Map<string, Promise<string>>()
    for (const clue of open) {
      const timeZone = await this.zoneOf(clue, zones)
      const due = (events: readonly ClueEventRow[]): ClueClock[] => {
        const escalated = new Set(events.filter((e) => e.type === 'escalated').map((e) => String(parse(e).clock)))
        return clueClocks(stepsOf(events), now, timeZone).filter((c) => c.overdue && c.metAtMs === undefined && !escalated.has(c.clock))
      }
      if (due(eventsOf.get(clue.id) ?? []).length === 0) continue
      await this.db.tx(async (tx: Transaction) => {
        await tx.lock(lockKey(clue.id))
        const events = await this.repo.events(clue.id)
        let seq = events.at(-1)?.seq ?? 0
        const state = clueState(stepsOf(events))
        for (const c of due(events)) {
          const id = newId()
          const body = { type: 'escalated', clock: c.clock, startedOn: c.startedOn, dueOn: c.dueOn, overdueAtMs: c.overdueAtMs, atMs: now }
          await this.repo.insertEvents([{ id, clueId: clue.id, seq: ++seq, type: 'escalated', actor: 'clock', body: JSON.stringify(body), atMs: now }])
          await this.deps.outbox?.enqueue(clue.projectId ?? NO_PROJECT, [clueEscalationPayload(id, now, clue, state.ok ? state.state : 'received', c)])
          appended++
        }
      })
    }
    return appended
  }

  // Reading --------------------------------------------------------------------------------------------------------

  async get(clueId: string, region: RegionFilter): Promise<ClueView> {
    const clue = await this.repo.clue(clueId)
    if (!clue) throw new AppError('clue_not_found', { clueId })
    if (!inRegion(clue.regionCode, region)) throw outOfScope('clue_not_found', { clueId })
    return this.viewOf(clue, await this.repo.events(clueId), this.clock.nowMs())
  }

  /**
   * The region's clues, newest first. Asked for a state short of resolved, or for overdue ones (only an unresolved clue
   * has a clock not met), the newest CLUE_LIST_MAX unresolved clues are read: an old clue still open is never pushed
   * out by newer ones closed. Otherwise the newest CLUE_LIST_MAX clues.
   */
  async list(region: RegionFilter, filter: { state?: ClueState; overdue?: boolean; limit: number }): Promise<ClueView[]> {
    const unresolvedOnly = (filter.state !== undefined && filter.state !== 'resolved') || filter.overdue === true
    return this.views(await this.repo.clues(region, { limit: CLUE_LIST_MAX, unresolvedOnly }), filter)
  }

  private async views(clues: readonly ClueWithRegion[], filter: { state?: ClueState; overdue?: boolean; limit?: number }): Promise<ClueView[]> {
    const events = await this.repo.eventsOf(clues.map((c) => c.id))
    const now = this.clock.nowMs()
    const zones = new Map<string, Promise<string>>()
    const out: ClueView[] = []
    for (const c of clues) {
      const v = await this.viewOf(c, events.get(c.id) ?? [], now, zones)
      if (filter.state !== undefined && v.state !== filter.state) continue
      if (filter.overdue !== undefined && v.overdue !== filter.overdue) continue
      out.push(v)
      if (filter.limit !== undefined && out.length >= filter.limit) break
    }
    return out
  }

  /**
   * The region's clue figures per month of receipt, against "closed within their limits" (src/risk/clue-figures.ts),
   * for the CLUE_FIGURE_MONTHS months to this one: every clue received in them is counted, however many.
   */
  async figures(region: RegionFilter): Promise<ClueMonthFigures[]> {
    const [year, month] = monthOf(workDateOf(this.clock.nowMs(), this.defaultTimeZone)).split('-').map(Number) as [number, number]
    const first = new Date(Date.UTC(year, month - 1 - (CLUE_FIGURE_MONTHS - 1), 1)).toISOString().slice(0, 7)
    const since = monthBoundsMs(first, this.defaultTimeZone).startMs
    const views = await this.views(await this.repo.clues(region, { receivedSinceMs: since }), {})
    return clueFigures(
      views.map((v) => ({ receivedAtMs: v.clue.receivedAtMs, state: v.state, clocks: v.clocks })),
      this.defaultTimeZone,
    )
  }

  /** What the ledger holds for the worker and month the clue names; null when it names no worker or month. */
  async evidence(view: ClueView): Promise<ClueEvidence | null> {
    const { projectId, workerId } = view.clue
    if (projectId === null || workerId === null || view.month === null) return null
    const month = view.month
    let days: ClueEvidence['days'] = null
    try {
      const m = await this.deps.evidence.workerMonth(projectId, workerId, month)
      days = {
        frozen: m.frozen,
        creditHalves: m.month.creditHalves,
        workedMinutes: m.month.workedMinutes,
        list: m.month.days.filter((d) => d.creditHalves > 0 || d.workedMinutes > 0).map((d) => ({ date: d.workDate, status: d.status, creditHalves: d.creditHalves, workedMinutes: d.workedMinutes })),
      }
    } catch (err) {
      // A worker no longer enrolled (or a month before their entry) has no days to show: the rest still is.
      if (!(err instanceof AppError)) throw err
    }
    // The ledger's lines, each with its part of the worker's payments (l.paid): never every payment on every line, which
    // showed a line not paid as paid and the worker paid more than the bank paid.
    const lines = await this.deps.evidence.ledgerLines(projectId, month, workerId)
    return {
      month,
      days,
      sheetLines: lines.map((l) => ({
        sheetId: l.sheetId,
        teamName: l.slip.teamName,
        sheetVersion: l.slip.sheetVersion,
        sheetState: l.sheetState,
        dueDate: l.slip.dueDate,
        netFen: l.slip.netFen,
        answer: l.slip.answer?.decision ?? null,
        paidFen: l.slip.paidFen,
        payments: l.paid.map((p) => ({ bankRef: p.bankRef, valueDate: p.valueDate, amountFen: p.amountFen, matchedBy: p.matchedBy })),
      })),
      paidFen: sumFen(lines.map((l) => l.slip.paidFen)),
    }
  }

  private async zoneOf(clue: Pick<ClueRow, 'projectId'>, memo?: Map<string, Promise<string>>): Promise<string> {
    if (clue.projectId === null) return this.defaultTimeZone
    const projectId = clue.projectId
    const read = async (): Promise<string> => (await this.repo.projectZone(projectId))?.timeZone ?? this.defaultTimeZone
    if (memo === undefined) return read()
    let zone = memo.get(projectId)
    if (zone === undefined) memo.set(projectId, (zone = read()))
    return zone
  }

  /** `zones`: the project zones already read for a list (a board of clues reads each project's once). */
  private async viewOf(clue: ClueWithRegion, events: readonly ClueEventRow[], now: number, zones?: Map<string, Promise<string>>): Promise<ClueView> {
    const steps = stepsOf(events)
    const folded = clueState(steps)
    const clocks = clueClocks(steps, now, await this.zoneOf(clue, zones))
    const received = steps.find((s) => s.type === 'received') as (ClueStep & { month?: string | null }) | undefined
    const checked = steps.find((s) => s.type === 'checked')
    const routed = steps.find((s) => s.type === 'routed')
    const resolved = steps.find((s) => s.type === 'resolved')
    return {
      clue,
      month: received?.month ?? null,
      // Steps are checked before they are stored, so a stored clue always folds; a received clue is the floor.
      state: folded.ok ? folded.state : 'received',
      cause: checked?.type === 'checked' ? checked.cause : null,
      routedTo: routed?.type === 'routed' ? routed.to : null,
      outcome: resolved?.type === 'resolved' ? (resolved.outcome as ClueOutcome) : null,
      events: events.map((e) => ({ seq: e.seq, type: e.type as ClueEventType, actor: e.actor, atMs: e.atMs, body: parse(e) })),
      clocks,
      overdue: clocks.some((c) => c.overdue && c.metAtMs === undefined),
      found: foundOf(steps),
    }
  }
}
