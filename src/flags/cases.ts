/**
 * A flag is a case (案件): the life of one problem across reconciliation runs. A run (src/payouts/reconcile.ts)
 * raises its flags from scratch every time; a case is what lets someone take the problem, work it, see it age and see
 * it close when the money arrives.
 *
 * Events are the truth. Each change is an append-only event with its actor (or run) and time; a case is a fold over
 * its events (`foldCase`), never a row that is edited. `applyRun` and `applyClock` compute the events a run or the
 * passing of time adds, `act` the event a person adds.
 *
 * The case key (案件编号) is stable across runs: the kind's family + the subject (the worker, or the payee card for a
 * card no worker owns, or the project, narrowed by the flag's scope) + the month (YYYY-MM) + the project. UNPAID and
 * SHORTFALL are one family (`CASE_FAMILY`): they are the same problem, a worker not paid in full, at two amounts, so a
 * part payment updates the case instead of closing one and opening another, and a return after success (退票) reopens
 * the very case the payment had closed.
 *
 * Life cycle:
 *
 *   opened ──acknowledged──▶ acknowledged
 *     │  ╲                        │
 *     │   ╲── (run no longer raises it) ──▶ resolved ──(raised again)──▶ reopened (= open)
 *     │                           │
 *     └──dismissed (role, reason)─┴──▶ dismissed ──(raised with other figures)──▶ reopened (= open)
 *
 * - resolved: automatically, by the first run of the project-month that does not raise the flag; the event links
 *   that run and what the worker's due and paid became in it (the evidence that made it good).
 * - dismissed: by a permitted role (`ACTION_ROLES`) with a reason. A run that raises the flag again with the same
 *   figures (flag kind, due, paid) does not reopen it: that is the evidence the person judged. A run that raises it
 *   with other figures does — the amount at stake changed, so the judgement no longer covers it. A dismissed case the
 *   run no longer raises stays dismissed (the dismissal is the record of how it ended).
 * - reopened: a resolved case raised again (a return after success, a payment reversed) or a dismissed one whose
 *   figures changed. It is open again, counts its reopenings, and starts a new episode: acknowledgement and clocks
 *   start afresh, because a reversal is a new failure to handle.
 *
 * Clocks (the seeds' deadlines, shared/domain.md): "any case handled within 7 days" (the programme targets) and
 * complaint clues "go to the construction bureau within 7 days of receipt and must be resolved within 15 days"
 * (Hangzhou notice, 2024). Here: a case still open (nobody took it) when its 7th day after the episode began is over
 * is escalated on the handling clock; a case not resolved when its 15th day is over is escalated on the resolution
 * clock (`CASE_CLOCKS`). "Within N days" is read as for complaint clues (src/risk/clues.ts): calendar days between
 * dates in the project's time zone (Asia/Shanghai by default), the opening day not counted. A case opened on the 1st,
 * whatever the hour, is 7 days old on the 8th, due to be taken by the end of the 8th and escalated from 00:00 on the
 * 9th; due to be resolved by the end of the 16th and escalated from 00:00 on the 17th.
 *
 * Pure: no I/O, no clock of its own (times are given), never throws on bad input (typed refusals and problems).
 */
import type { Role } from '../access/roles.ts'
import type { Fen } from '../kernel/money.ts'
import { DEFAULT_TIME_ZONE, isMonth, workDateOf, addDays, type WorkDate } from '../kernel/time.ts'

export type CaseState = 'open' | 'acknowledged' | 'resolved' | 'dismissed'
export type Severity = 'red' | 'yellow'

/**
 * Flag kinds that are one case. The worker's arrears (欠薪) are UNPAID at nothing paid and SHORTFALL at part paid:
 * one problem whose amount moves. Kinds not listed are their own family.
 */
export const CASE_FAMILY: Readonly<Record<string, string>> = { SHORTFALL: 'UNPAID' }

export const caseFamily = (kind: string): string => CASE_FAMILY[kind] ?? kind

/**
 * A flag as a run raised it: the shape of reconcile's `Flag`, with the kind a plain string so kinds added later
 * (RETURNED, SHARED_CARD, …) need no change here.
 */
export interface RunFlag {
  kind: string
  workerId: string | null
  /** Full card number (spaces allowed): the subject of a flag about a card no worker owns. */
  payeeCard: string | null
  dueFen: Fen | null
  paidFen: Fen | null
  evidence: Record<string, unknown>
  /**
   * Narrows a flag that names neither worker nor card, when a month can hold several of its kind (NO_PAYROLL_SHEET per
   * team, PAYER_NOT_DEDICATED per debited account). Absent: taken from the evidence's `teamId`, then `debitAccountNo`.
   */
  scope?: string
}

/** What a worker's due and paid were in a run: Reconciliation.perWorker. */
export interface WorkerFigures {
  workerId: string
  dueFen: Fen
  paidFen: Fen
}

/** One reconciliation run of a project-month, as the cases see it. */
export interface CaseRun {
  runId: string
  projectId: string
  /** YYYY-MM */
  month: string
  atMs: number
  flags: readonly RunFlag[]
  /** The run's per-worker figures: linked as the evidence when a worker's case resolves. */
  perWorker?: readonly WorkerFigures[]
}

/** Who acted. Roles are the access roles (src/access/roles.ts). */
export interface CaseActor {
  id: string
  role: Role
  /** The login or key prefix, as a person reads it in the history. */
  label: string
}

/** The figures a case is about; a change of any of them is an update (or, on a dismissed case, a reopening). */
export interface CaseFigures {
  flagKind: string
  dueFen: Fen | null
  paidFen: Fen | null
  /**
   * For a flag whose size is in its evidence only (MEASURED_BY): those evidence figures, so a shortfall that grows is
   * an update, and reopens a dismissed case, as a worker's does. Absent on events recorded before it was kept.
   */
  measure?: Readonly<Record<string, number>> | null
}

export type EscalationClock = 'handling' | 'resolution'

interface EventBase {
  caseKey: string
  atMs: number
}

export type CaseEvent =
  | (EventBase & {
      type: 'opened'
      runId: string
      /** The case family (the key's kind). */
      kind: string
      projectId: string
      month: string
      workerId: string | null
      payeeCard: string | null
      scope: string | null
      evidence: Record<string, unknown>
    } & CaseFigures)
  | (EventBase & { type: 'updated'; runId: string; before: CaseFigures; evidence: Record<string, unknown> } & CaseFigures)
  | (EventBase & {
      type: 'resolved'
      /** The resolving run; for a case a person closes (a complaint), `person:<actor id>`. */
      runId: string
      /** The figures the flag had when last raised. */
      before: CaseFigures
      /** What the worker's due and paid became in the resolving run; null when the run does not say (a card, the project). */
      became: { dueFen: Fen; paidFen: Fen } | null
      /** Who closed it and what was done, when a person did (PERSON_CLOSED_FAMILIES). */
      actor?: CaseActor
      reason?: string
    })
  | (EventBase & {
      type: 'reopened'
      runId: string
      /** raised_again: a resolved case raised again; amount_changed: a dismissed case raised with other figures. */
      reason: 'raised_again' | 'amount_changed'
      /** Reopenings including this one. */
      reopenings: number
      evidence: Record<string, unknown>
    } & CaseFigures)
  | (EventBase & { type: 'acknowledged'; actor: CaseActor })
  | (EventBase & { type: 'dismissed'; actor: CaseActor; reason: string })
  | (EventBase & { type: 'commented'; actor: CaseActor; text: string })
  | (EventBase & {
      type: 'escalated'
      clock: EscalationClock
      thresholdDays: number
      /** Age of the episode in calendar days when the clock was read. */
      ageDays: number
      /** The last day the clock allowed (the episode's first date + thresholdDays); escalated the day after. */
      dueDate: WorkDate
    })

export type CaseEventType = CaseEvent['type']

export interface FlagCase {
  key: string
  /** The case family (UNPAID for UNPAID and SHORTFALL). */
  kind: string
  /** The kind of the flag as last raised. */
  flagKind: string
  projectId: string
  month: string
  workerId: string | null
  payeeCard: string | null
  scope: string | null
  dueFen: Fen | null
  paidFen: Fen | null
  /** CaseFigures' measure, as last raised. */
  measure?: Readonly<Record<string, number>> | null
  evidence: Record<string, unknown>
  state: CaseState
  firstOpenedAtMs: number
  /** When the current episode began: the first opening, or the latest reopening. */
  episodeOpenedAtMs: number
  reopenings: number
  /** The run that last opened, changed, reopened or resolved the case. */
  lastRunId: string
  /** In the current episode. */
  acknowledged: { actor: CaseActor; atMs: number } | null
  resolution: { runId: string; atMs: number; became: { dueFen: Fen; paidFen: Fen } | null } | null
  /** With the figures the person judged: the same figures raised again do not reopen the case. */
  dismissal: ({ actor: CaseActor; atMs: number; reason: string } & CaseFigures) | null
  /** Clocks run out in the current episode, once each. */
  escalations: Array<{ clock: EscalationClock; thresholdDays: number; atMs: number }>
  comments: number
  /** Events folded: the case's history length. */
  events: number
}

export type CaseFoldError =
  | { code: 'no_events' }
  | { code: 'first_event_not_opened'; index: number; type: CaseEventType }
  | { code: 'event_of_another_case'; index: number; caseKey: string }
  | { code: 'event_not_allowed_in_state'; index: number; type: CaseEventType; state: CaseState }

export type FoldResult = { ok: true; case: FlagCase } | { ok: false; error: CaseFoldError }

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const live = (s: CaseState): boolean => s === 'open' || s === 'acknowledged'

/**
 * The evidence fields that measure a flag with no worker's due and paid (dueFen and paidFen null, or not the whole
 * story): what a person judged when dismissing it, and what an update reports. Days and dates are left out, so the
 * daily run does not update a case only because time passed.
 */
export const MEASURED_BY: Readonly<Record<string, readonly string[]>> = {
  FUNDING_SHORT: ['requiredFen', 'balanceFen'],
  FUNDING_LATE: ['amountFen', 'appliedFen'],
  PAYER_NOT_DEDICATED: ['totalFen', 'payoutsCount'],
  DEPOSIT_MISSING: ['requiredFen'],
  DEPOSIT_SHORT: ['requiredFen', 'inForceFen'],
  DEPOSIT_EXPIRING: ['requiredFen', 'coverAfterExpiryFen'],
  HEADCOUNT_GAP: ['attendedCount', 'withoutPayoutCount'],
  PAYMENT_PENDING_TOO_LONG: ['pendingFen', 'count'],
  SHARED_CARD: ['workerCount'],
  OVERSIZED: ['yearToDateFen'],
}

/** The flag's measure from its evidence: the MEASURED_BY fields that hold whole numbers; null for other kinds. */
export function measureOf(kind: string, evidence: Record<string, unknown>): Record<string, number> | null {
  const fields = MEASURED_BY[kind]
  if (fields === undefined) return null
  const measure: Record<string, number> = {}
  for (const f of fields) {
    const v = evidence[f]
    if (typeof v === 'number' && Number.isSafeInteger(v)) measure[f] = v
  }
  return measure
}

const sameMeasure = (a: CaseFigures['measure'], b: CaseFigures['measure']): boolean => {
  // A case recorded before measures were kept has none to compare: only its due and paid tell.
  if (a === undefined || b === undefined) return true
  if (a === null || b === null) return a === b
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  for (const k of keys) if (a[k] !== b[k]) return false
  return true
}

const sameFigures = (a: CaseFigures, b: CaseFigures): boolean => a.flagKind === b.flagKind && a.dueFen === b.dueFen && a.paidFen === b.paidFen && sameMeasure(a.measure, b.measure)

const figuresOf = (x: CaseFigures): CaseFigures => ({ flagKind: x.flagKind, dueFen: x.dueFen, paidFen: x.paidFen, ...(x.measure === undefined ? {} : { measure: x.measure }) })

/** States each event may follow. `opened` only starts a case. */
const ALLOWED_FROM: Readonly<Record<Exclude<CaseEventType, 'opened'>, readonly CaseState[]>> = {
  updated: ['open', 'acknowledged'],
  resolved: ['open', 'acknowledged'],
  reopened: ['resolved', 'dismissed'],
  acknowledged: ['open'],
  dismissed: ['open', 'acknowledged'],
  commented: ['open', 'acknowledged', 'resolved', 'dismissed'],
  escalated: ['open', 'acknowledged'],
}

/** Folds one case's events, in the order they were appended. */
export function foldCase(events: readonly CaseEvent[]): FoldResult {
  const first = events[0]
  if (first === undefined) return { ok: false, error: { code: 'no_events' } }
  if (first.type !== 'opened') return { ok: false, error: { code: 'first_event_not_opened', index: 0, type: first.type } }
  let c: FlagCase = {
    key: first.caseKey,
    kind: first.kind,
    flagKind: first.flagKind,
    projectId: first.projectId,
    month: first.month,
    workerId: first.workerId,
    payeeCard: first.payeeCard,
    scope: first.scope,
    dueFen: first.dueFen,
    paidFen: first.paidFen,
    ...(first.measure === undefined ? {} : { measure: first.measure }),
    evidence: first.evidence,
    state: 'open',
    firstOpenedAtMs: first.atMs,
    episodeOpenedAtMs: first.atMs,
    reopenings: 0,
    lastRunId: first.runId,
    acknowledged: null,
    resolution: null,
    dismissal: null,
    escalations: [],
    comments: 0,
    events: 1,
  }
  for (let i = 1; i < events.length; i++) {
    const e = events[i] as CaseEvent
    if (e.caseKey !== c.key) return { ok: false, error: { code: 'event_of_another_case', index: i, caseKey: e.caseKey } }
    if (e.type === 'opened' || !ALLOWED_FROM[e.type].includes(c.state)) {
      return { ok: false, error: { code: 'event_not_allowed_in_state', index: i, type: e.type, state: c.state } }
    }
    c = { ...c, events: c.events + 1 }
    switch (e.type) {
      case 'updated':
        c = { ...c, ...figuresOf(e), evidence: e.evidence, lastRunId: e.runId }
        break
      case 'resolved':
        c = { ...c, state: 'resolved', lastRunId: e.runId, resolution: { runId: e.runId, atMs: e.atMs, became: e.became } }
        break
      case 'reopened':
        c = {
          ...c,
          ...figuresOf(e),
          evidence: e.evidence,
          state: 'open',
          lastRunId: e.runId,
          reopenings: e.reopenings,
          episodeOpenedAtMs: e.atMs,
          acknowledged: null,
          resolution: null,
          dismissal: null,
          escalations: [],
        }
        break
      case 'acknowledged':
        c = { ...c, state: 'acknowledged', acknowledged: { actor: e.actor, atMs: e.atMs } }
        break
      case 'dismissed':
        c = { ...c, state: 'dismissed', dismissal: { actor: e.actor, atMs: e.atMs, reason: e.reason, ...figuresOf(c) } }
        break
      case 'commented':
        c = { ...c, comments: c.comments + 1 }
        break
      case 'escalated':
        c = { ...c, escalations: [...c.escalations, { clock: e.clock, thresholdDays: e.thresholdDays, atMs: e.atMs }] }
        break
    }
  }
  return { ok: true, case: c }
}

/**
 * Folds the events of many cases (rows of the event table in append order): one case per key, sorted by key. A key
 * whose events do not fold is reported, not thrown.
 */
export function foldCases(events: readonly CaseEvent[]): { cases: FlagCase[]; errors: Array<{ caseKey: string; error: CaseFoldError }> } {
  const byKey = new Map<string, CaseEvent[]>()
  for (const e of events) {
    const list = byKey.get(e.caseKey)
    if (list) list.push(e)
    else byKey.set(e.caseKey, [e])
  }
  const cases: FlagCase[] = []
  const errors: Array<{ caseKey: string; error: CaseFoldError }> = []
  for (const key of [...byKey.keys()].sort(compareText)) {
    const r = foldCase(byKey.get(key) ?? [])
    if (r.ok) cases.push(r.case)
    else errors.push({ caseKey: key, error: r.error })
  }
  return { cases, errors }
}

const cardDigits = (card: string): string => card.replace(/\s/g, '')

/** The flag's scope: given, or the evidence's team, or its debited account. Only flags without worker and card use it. */
function scopeOf(flag: RunFlag): string | null {
  if (flag.scope !== undefined) return flag.scope
  for (const field of ['teamId', 'debitAccountNo']) {
    const v = flag.evidence[field]
    if (typeof v === 'string' && v !== '') return `${field}:${v}`
  }
  return null
}

/** Whom a flag is about: `worker:<id>`, `card:<digits>` for a card no worker owns, else the project (narrowed by scope). */
export function caseSubject(flag: RunFlag): { subject: string; scope: string | null } {
  if (flag.workerId !== null) return { subject: `worker:${flag.workerId}`, scope: null }
  if (flag.payeeCard !== null && cardDigits(flag.payeeCard) !== '') return { subject: `card:${cardDigits(flag.payeeCard)}`, scope: null }
  const scope = scopeOf(flag)
  return { subject: scope === null ? 'project' : `project:${scope}`, scope }
}

/**
 * The stable key: a JSON array [family, subject, month, project], unambiguous whatever the ids hold. It holds a full
 * card number for a card no worker owns, as the flag's own payeeCard column does: it is a stored id, never shown as
 * it is (webhooks send a digest of it).
 */
export function caseKey(projectId: string, month: string, flag: RunFlag): string {
  return JSON.stringify([caseFamily(flag.kind), caseSubject(flag).subject, month, projectId])
}

export type RunProblem =
  | { code: 'invalid_month'; month: string }
  /** Two flags of one run fall on one case (a month-level kind raised twice without a scope): the first in canonical order is kept. */
  | { code: 'duplicate_case_key'; caseKey: string; kept: CaseFigures; dropped: CaseFigures }

/** A total order of flags, so which of two flags on one key is kept does not depend on the order they arrive in. */
function compareFlags(a: RunFlag, b: RunFlag): number {
  const n = (x: Fen | null): number => (x === null ? -1 : x)
  return compareText(a.kind, b.kind) || n(a.dueFen) - n(b.dueFen) || n(a.paidFen) - n(b.paidFen) || compareText(JSON.stringify(a.evidence), JSON.stringify(b.evidence))
}

/**
 * The events a run appends to the cases of its project-month. `cases` are the current cases (folded from their
 * events); cases of other project-months are left alone. Per case, at most one event:
 *
 * | the run…                | open / acknowledged        | resolved            | dismissed                                  | no case |
 * |-------------------------|----------------------------|---------------------|--------------------------------------------|---------|
 * | raises it, same figures | —                          | reopened            | —                                          | opened  |
 * | raises it, new figures  | updated                    | reopened            | reopened (amount_changed)                  | opened  |
 * | does not raise it       | resolved (run, became)     | —                   | —                                          | —       |
 *
 * Deterministic (events sorted by case key) and idempotent: after these events are appended, the same run appends
 * nothing.
 */
export function applyRun(cases: readonly FlagCase[], run: CaseRun): { events: CaseEvent[]; problems: RunProblem[] } {
  return applyRaised(cases, run, (family) => !PERSON_CLOSED_FAMILIES.has(family) && !UPSTREAM_FAMILIES.has(family))
}

/**
 * The upstream watch's run (src/upstream/watch.ts): the same rules as a reconciliation run's, over the upstream
 * families only, so neither kind of run resolves the other's cases.
 */
export function applyUpstreamRun(cases: readonly FlagCase[], run: CaseRun): { events: CaseEvent[]; problems: RunProblem[] } {
  if (run.flags.some((f) => !UPSTREAM_FAMILIES.has(caseFamily(f.kind)))) throw new RangeError('an upstream run raises upstream flags only')
  return applyRaised(cases, run, (family) => UPSTREAM_FAMILIES.has(family))
}

/** applyRun over the cases of the families `inScope` takes: a case out of scope is neither resolved nor reopened. */
function applyRaised(cases: readonly FlagCase[], run: CaseRun, inScope: (family: string) => boolean): { events: CaseEvent[]; problems: RunProblem[] } {
  if (!isMonth(run.month)) return { events: [], problems: [{ code: 'invalid_month', month: run.month }] }
  const problems: RunProblem[] = []
  const raised = new Map<string, RunFlag>()
  for (const flag of [...run.flags].sort(compareFlags)) {
    const key = caseKey(run.projectId, run.month, flag)
    const kept = raised.get(key)
    if (kept === undefined) raised.set(key, flag)
    else problems.push({ code: 'duplicate_case_key', caseKey: key, kept: flagFigures(kept), dropped: flagFigures(flag) })
  }
  const current = new Map<string, FlagCase>()
  for (const c of cases) if (c.projectId === run.projectId && c.month === run.month && inScope(c.kind)) current.set(c.key, c)
  // What a resolved case's worker became: indexed the first time a worker's case resolves (in a clean month, never).
  let became: Map<string, { dueFen: Fen; paidFen: Fen }> | undefined
  const becameOf = (workerId: string): { dueFen: Fen; paidFen: Fen } | null => {
    if (became === undefined) {
      became = new Map()
      for (const w of run.perWorker ?? []) became.set(w.workerId, { dueFen: w.dueFen, paidFen: w.paidFen })
    }
    return became.get(workerId) ?? null
  }

  const events: CaseEvent[] = []
  const base = (caseKey: string): EventBase & { runId: string } => ({ caseKey, atMs: run.atMs, runId: run.runId })
  for (const key of [...new Set([...raised.keys(), ...current.keys()])].sort(compareText)) {
    const flag = raised.get(key)
    const c = current.get(key)
    if (flag !== undefined) {
      const figures = flagFigures(flag)
      if (c === undefined) {
        const { scope } = caseSubject(flag)
        events.push({
          ...base(key),
          type: 'opened',
          kind: caseFamily(flag.kind),
          projectId: run.projectId,
          month: run.month,
          workerId: flag.workerId,
          payeeCard: flag.payeeCard === null ? null : cardDigits(flag.payeeCard),
          scope,
          ...figures,
          evidence: flag.evidence,
        })
        continue
      }
      switch (c.state) {
        case 'open':
        case 'acknowledged':
          // A case opened before measures were kept takes its measure at the next run, once.
          if (!sameFigures(c, figures) || (c.measure === undefined && figures.measure != null)) {
            events.push({ ...base(key), type: 'updated', before: figuresOf(c), ...figures, evidence: flag.evidence })
          }
          break
        case 'resolved':
          events.push({ ...base(key), type: 'reopened', reason: 'raised_again', reopenings: c.reopenings + 1, ...figures, evidence: flag.evidence })
          break
        case 'dismissed':
          if (c.dismissal !== null && !sameFigures(c.dismissal, figures)) {
            events.push({ ...base(key), type: 'reopened', reason: 'amount_changed', reopenings: c.reopenings + 1, ...figures, evidence: flag.evidence })
          }
          break
      }
    } else if (c !== undefined && live(c.state)) {
      events.push({ ...base(key), type: 'resolved', before: figuresOf(c), became: c.workerId === null ? null : becameOf(c.workerId) })
    }
  }
  return { events, problems }
}

function flagFigures(f: RunFlag): CaseFigures {
  const measure = measureOf(f.kind, f.evidence)
  return { flagKind: f.kind, dueFen: f.dueFen, paidFen: f.paidFen, ...(measure === null ? {} : { measure }) }
}

// ---------------------------------------------------------------------------------------------------------------------
// What people do

export type CaseAction = { type: 'acknowledge' } | { type: 'dismiss'; reason: string } | { type: 'comment'; text: string } | { type: 'resolve'; reason: string }

/**
 * Who may do what (scope — which projects and teams — is the HTTP edge's, src/http/access.ts). Dismissing closes a
 * case without the money arriving, so only the GC's labour manager (劳资专管员), who answers for the project's wages
 * (Art. 28, 31), and the platform operator may. Inspectors and banks do nothing here: an inspector reads everything of
 * the region and never writes, a bank posts files and reads instructions (issue 9), and a note in a case's history is a
 * write. Workers act through complaints.
 */
export const ACTION_ROLES: Readonly<Record<CaseAction['type'], readonly Role[]>> = {
  acknowledge: ['admin', 'labour_manager', 'team_manager'],
  dismiss: ['admin', 'labour_manager'],
  comment: ['admin', 'labour_manager', 'team_manager'],
  /** Closing a complaint with what was done: the labour manager answers for the project's wages. */
  resolve: ['admin', 'labour_manager'],
}

/** A dismissal reason or a comment: room for a paragraph, bounded like every stored text. */
export const CASE_TEXT_LENGTH_MAX = 2000

export type CaseRefusal =
  | { code: 'role_not_permitted'; action: CaseAction['type']; role: Role; permitted: readonly Role[] }
  | { code: 'case_closed'; action: CaseAction['type']; state: CaseState }
  | { code: 'already_acknowledged'; by: CaseActor; atMs: number }
  | { code: 'reason_required' }
  | { code: 'text_required' }
  | { code: 'text_too_long'; length: number; max: number }
  /** `resolve` is for the cases a person closes (complaints); a run's case is resolved by the run that no longer raises it. */
  | { code: 'closed_by_runs'; kind: string }

export type ActResult = { ok: true; event: CaseEvent } | { ok: false; refusal: CaseRefusal }

/**
 * A person's action on a case. Refusals in order of precedence: the role, then the state, then the text. Comments are
 * allowed on closed cases too (what was learnt after); acknowledging twice is refused with who already took it.
 */
export function act(c: FlagCase, action: CaseAction, actor: CaseActor, atMs: number): ActResult {
  const permitted = ACTION_ROLES[action.type]
  if (!permitted.includes(actor.role)) return { ok: false, refusal: { code: 'role_not_permitted', action: action.type, role: actor.role, permitted } }
  const base = { caseKey: c.key, atMs, actor }
  switch (action.type) {
    case 'acknowledge':
      if (c.state === 'acknowledged' && c.acknowledged !== null) return { ok: false, refusal: { code: 'already_acknowledged', by: c.acknowledged.actor, atMs: c.acknowledged.atMs } }
      if (c.state !== 'open') return { ok: false, refusal: { code: 'case_closed', action: action.type, state: c.state } }
      return { ok: true, event: { ...base, type: 'acknowledged' } }
    case 'dismiss': {
      if (!live(c.state)) return { ok: false, refusal: { code: 'case_closed', action: action.type, state: c.state } }
      const reason = caseText(action.reason)
      if (reason === '') return { ok: false, refusal: { code: 'reason_required' } }
      if (characters(reason) > CASE_TEXT_LENGTH_MAX) return { ok: false, refusal: { code: 'text_too_long', length: characters(reason), max: CASE_TEXT_LENGTH_MAX } }
      return { ok: true, event: { ...base, type: 'dismissed', reason } }
    }
    case 'comment': {
      const text = caseText(action.text)
      if (text === '') return { ok: false, refusal: { code: 'text_required' } }
      if (characters(text) > CASE_TEXT_LENGTH_MAX) return { ok: false, refusal: { code: 'text_too_long', length: characters(text), max: CASE_TEXT_LENGTH_MAX } }
      return { ok: true, event: { ...base, type: 'commented', text } }
    }
    case 'resolve': {
      if (!PERSON_CLOSED_FAMILIES.has(c.kind)) return { ok: false, refusal: { code: 'closed_by_runs', kind: c.kind } }
      if (!live(c.state)) return { ok: false, refusal: { code: 'case_closed', action: action.type, state: c.state } }
      const reason = caseText(action.reason)
      if (reason === '') return { ok: false, refusal: { code: 'reason_required' } }
      if (characters(reason) > CASE_TEXT_LENGTH_MAX) return { ok: false, refusal: { code: 'text_too_long', length: characters(reason), max: CASE_TEXT_LENGTH_MAX } }
      return { ok: true, event: { ...base, type: 'resolved', runId: `person:${actor.id}`, before: figuresOf(c), became: null, reason } }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Wage complaints

/**
 * A worker's wage complaint (欠薪投诉) is a case of its own family, COMPLAINT, keyed like a run's case (family, the
 * worker, the month, the project): it sits beside the worker's UNPAID case of the month in every list, ages on the
 * same clocks (7 days to be taken, 15 to be closed: CASE_CLOCKS) and notifies the same webhooks. What differs is who
 * opens and closes it. The worker's complaint opens it (an `opened` event whose runId is `complaint:<id>`); a person
 * closes it (`resolve`: the labour manager, with what was done); a run never touches it (PERSON_CLOSED_FAMILIES): the
 * money arriving answers an arrears flag, not a complaint, which may be about something no run sees (a wrong rate, a
 * day missing, pay held back). A second complaint of the month while the case is live is the worker's comment on it;
 * one after it was closed reopens it (a new episode: the clocks start afresh).
 *
 * Why a case family and not a table of complaints: a complaint's life is a case's life (open, taken, aged, escalated,
 * closed, reopened), kept as the same append-only events, and the bureau counts cases (open by age against 7 and 15
 * days); a second life cycle would be a second thing to count and to keep in step with the first.
 */
export const COMPLAINT_KIND = 'COMPLAINT'

/** Families a person closes (`resolve`); runs neither resolve nor reopen them. */
export const PERSON_CLOSED_FAMILIES: ReadonlySet<string> = new Set([COMPLAINT_KIND])

// ---------------------------------------------------------------------------------------------------------------------
// Upstream reporting

/**
 * The real-name platform's cases (src/upstream): raised by the upstream watch, never by a reconciliation run, and
 * resolved by the watch once what they are about was accepted.
 * - UPSTREAM_LATE: a day's attendance not all accepted by the platform by 24:00 of that day in the project's zone
 *   (Zhejiang's rule: the day's attendance reaches the provincial warehouse the same day). One case per project-day
 *   (scope: the date), the month the day's; resolved when every record of the day is accepted.
 * - UPSTREAM_REFUSED: a record the platform refused, with its reason in the evidence, for a person to fix the cause
 *   and resend. One case per record key (scope: kind and key); resolved when a revision of it is accepted.
 */
export const UPSTREAM_LATE = 'UPSTREAM_LATE'
export const UPSTREAM_REFUSED = 'UPSTREAM_REFUSED'
export const UPSTREAM_FAMILIES: ReadonlySet<string> = new Set([UPSTREAM_LATE, UPSTREAM_REFUSED])

export interface WorkerComplaint {
  /** The complaint's own id (UUIDv7): the opening event's runId is `complaint:<id>`. */
  id: string
  projectId: string
  /** The pay month complained of, YYYY-MM. */
  month: string
  workerId: string
  /** The worker, as signed in. */
  actor: CaseActor
  text: string
  /** What the worker's page showed due and paid for the month when they complained (null: no approved sheet yet). */
  dueFen: Fen | null
  paidFen: Fen | null
  atMs: number
}

export const complaintKey = (projectId: string, month: string, workerId: string): string => JSON.stringify([COMPLAINT_KIND, `worker:${workerId}`, month, projectId])

/**
 * A person's text on a case, trimmed of spaces and of invisible format characters (zero-width spaces and the like):
 * a reason of those alone is no reason.
 */
function caseText(raw: string): string {
  return raw.replace(/^[\s\p{Cf}]+|[\s\p{Cf}]+$/gu, '')
}

/** Its length in characters, as the routes' schemas count it (an emoji is one, not two UTF-16 units). */
const characters = (text: string): number => [...text].length

/** The event a worker's complaint appends to their complaint case of the month (`existing`, folded; undefined: none yet). */
export function complain(existing: FlagCase | undefined, c: WorkerComplaint): ActResult {
  const text = caseText(c.text)
  if (text === '') return { ok: false, refusal: { code: 'text_required' } }
  if (characters(text) > CASE_TEXT_LENGTH_MAX) return { ok: false, refusal: { code: 'text_too_long', length: characters(text), max: CASE_TEXT_LENGTH_MAX } }
  const caseKey = complaintKey(c.projectId, c.month, c.workerId)
  const runId = `complaint:${c.id}`
  const figures: CaseFigures = { flagKind: COMPLAINT_KIND, dueFen: c.dueFen, paidFen: c.paidFen }
  const evidence = { complaintId: c.id, text, by: c.actor.label }
  if (existing === undefined) {
    return {
      ok: true,
      event: { caseKey, atMs: c.atMs, type: 'opened', runId, kind: COMPLAINT_KIND, projectId: c.projectId, month: c.month, workerId: c.workerId, payeeCard: null, scope: null, ...figures, evidence },
    }
  }
  if (live(existing.state)) return { ok: true, event: { caseKey, atMs: c.atMs, type: 'commented', actor: c.actor, text } }
  return { ok: true, event: { caseKey, atMs: c.atMs, type: 'reopened', runId, reason: 'raised_again', reopenings: existing.reopenings + 1, ...figures, evidence } }
}

// ---------------------------------------------------------------------------------------------------------------------
// Ageing

/**
 * The seeds' clocks (shared/domain.md): "any case handled within 7 days" and complaint clues sent on "within 7 days of
 * receipt and … resolved within 15 days (Hangzhou notice, 2024)". Handling is taking the case (acknowledging it), so
 * the 7-day clock runs while it is open; the 15-day clock runs until it is resolved or dismissed.
 */
export const CASE_CLOCKS: ReadonlyArray<{ clock: EscalationClock; thresholdDays: number; runsWhile: readonly CaseState[] }> = [
  { clock: 'handling', thresholdDays: 7, runsWhile: ['open'] },
  { clock: 'resolution', thresholdDays: 15, runsWhile: ['open', 'acknowledged'] },
]

/** Calendar days from one date to another (YYYY-MM-DD); negative when `to` is earlier. */
export function daysBetween(from: WorkDate, to: WorkDate): number {
  const utc = (d: WorkDate): number => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)))
  return Math.round((utc(to) - utc(from)) / 86_400_000)
}

/** When the case stopped ageing: its resolution or dismissal, or undefined while it is live. */
function closedAtMs(c: FlagCase): number | undefined {
  if (c.state === 'resolved') return c.resolution?.atMs
  if (c.state === 'dismissed') return c.dismissal?.atMs
  return undefined
}

/**
 * A case's age in calendar days in the project's zone: `ageDays` from its first opening (how long the problem has
 * existed), `episodeAgeDays` from its latest (re)opening (what the clocks read). A closed case stops ageing when it
 * closes. Never negative (a clock behind the case's events reads 0).
 */
export function caseAge(c: FlagCase, nowMs: number, timeZone: string = DEFAULT_TIME_ZONE): { ageDays: number; episodeAgeDays: number } {
  const until = workDateOf(closedAtMs(c) ?? nowMs, timeZone)
  return {
    ageDays: Math.max(0, daysBetween(workDateOf(c.firstOpenedAtMs, timeZone), until)),
    episodeAgeDays: Math.max(0, daysBetween(workDateOf(c.episodeOpenedAtMs, timeZone), until)),
  }
}

/**
 * The escalations the clock owes at `nowMs`: once per case, clock and episode, for live cases past a threshold in a
 * state the clock runs in. Applying the same clock twice (its events appended) adds nothing. Sorted by case key,
 * then threshold.
 */
export function applyClock(cases: readonly FlagCase[], nowMs: number, timeZone: string = DEFAULT_TIME_ZONE): CaseEvent[] {
  const events: CaseEvent[] = []
  for (const c of [...cases].sort((a, b) => compareText(a.key, b.key))) {
    if (!live(c.state)) continue
    const { episodeAgeDays } = caseAge(c, nowMs, timeZone)
    const began = workDateOf(c.episodeOpenedAtMs, timeZone)
    for (const clock of CASE_CLOCKS) {
      // Due on the episode's first date + thresholdDays, so overdue only once that date is over.
      if (!clock.runsWhile.includes(c.state) || episodeAgeDays <= clock.thresholdDays) continue
      if (c.escalations.some((e) => e.clock === clock.clock)) continue
      events.push({
        caseKey: c.key,
        atMs: nowMs,
        type: 'escalated',
        clock: clock.clock,
        thresholdDays: clock.thresholdDays,
        ageDays: episodeAgeDays,
        dueDate: addDays(began, clock.thresholdDays),
      })
    }
  }
  return events
}

// ---------------------------------------------------------------------------------------------------------------------
// Severity

export interface SeverityRule {
  /** The colour a new case has. */
  base: Severity
  /** A yellow case still live this many days into its episode turns red; null: age alone never does. */
  redAfterDays: number | null
  why: string
}

/**
 * Severity per flag kind (红黄预警). Any escalation (a clock run out) also makes a yellow case red.
 *
 * | kind                     | base   | red after | why                                                                      |
 * |--------------------------|--------|-----------|--------------------------------------------------------------------------|
 * | UNPAID, SHORTFALL        | yellow | 7 days    | wages owed (欠薪); a week unresolved is arrears, not a delay             |
 * | FAILED                   | yellow | 7 days    | a failed payment not made good is the same arrears                      |
 * | RETURNED                 | yellow | 7 days    | a return (退票) reopens the worker's arrears                             |
 * | EXITED_UNSETTLED         | yellow | 7 days    | a worker gone without settlement may be unreachable soon                |
 * | PAYMENT_PENDING_TOO_LONG | yellow | 7 days    | pending that long is likely lost or rejected                            |
 * | GROUP_ARREARS            | red    | —         | 10+ workers: the group incident the programme targets say must not occur |
 * | HEADCOUNT_GAP            | red    | —         | ≥ 10% of attended workers unpaid: the platform colours the project red   |
 * | UNKNOWN_PAYEE            | red    | —         | money to a card no worker owns (Art. 11, 31)                             |
 * | PAID_TO_NON_WORKER       | red    | —         | a team leader or labour boss paid instead of the worker (Art. 31)        |
 * | SHARED_CARD              | red    | —         | one card for two workers: someone holds another's card (Art. 11)         |
 * | PAYER_NOT_DEDICATED      | red    | —         | wages not from the dedicated account (人社部发〔2021〕53号)              |
 * | PAID_WITHOUT_ATTENDANCE  | yellow | 7 days    | pay without work: 借名/挂名 until explained                              |
 * | NO_PAYROLL_SHEET         | yellow | 7 days    | no sheet after the pay date (Art. 56)                                   |
 * | FUNDING_LATE / _SHORT    | yellow | 7 days    | labour cost not funded (Art. 57), the first warning sign                 |
 * | DEPOSIT_MISSING / _SHORT | yellow | 15 days   | the deposit (Art. 32, 55): serious, but not a worker's pay today         |
 * | BELOW_MINIMUM_WAGE       | yellow | 7 days    | paid below the local minimum for full-time work                          |
 * | UPSTREAM_LATE / _REFUSED | yellow | 7 days    | the real-name platform not told of a day, or a record refused            |
 * | LATE, PAYEE_NAME_MISMATCH, OVERPAID, OVERSIZED, NOT_WORKER_CONFIRMED, DEPOSIT_EXPIRING | yellow | — | to check and explain; red only when escalated |
 * | any other kind           | yellow | —         | until a rule is written for it                                           |
 */
export const SEVERITY_RULES: Readonly<Record<string, SeverityRule>> = {
  UNPAID: { base: 'yellow', redAfterDays: 7, why: 'wages owed; a week unresolved is arrears' },
  SHORTFALL: { base: 'yellow', redAfterDays: 7, why: 'wages owed in part; a week unresolved is arrears' },
  FAILED: { base: 'yellow', redAfterDays: 7, why: 'a failed payment not made good' },
  RETURNED: { base: 'yellow', redAfterDays: 7, why: 'a payment returned after success' },
  EXITED_UNSETTLED: { base: 'yellow', redAfterDays: 7, why: 'a worker left without settlement' },
  PAYMENT_PENDING_TOO_LONG: { base: 'yellow', redAfterDays: 7, why: 'a payment pending past its time' },
  GROUP_ARREARS: { base: 'red', redAfterDays: null, why: 'ten or more workers unpaid: a group incident' },
  HEADCOUNT_GAP: { base: 'red', redAfterDays: null, why: '10% or more of attended workers without a payout' },
  UNKNOWN_PAYEE: { base: 'red', redAfterDays: null, why: 'paid to a card no worker owns' },
  PAID_TO_NON_WORKER: { base: 'red', redAfterDays: null, why: 'paid to someone on the roster who did not work' },
  SHARED_CARD: { base: 'red', redAfterDays: null, why: 'one card paid for two or more workers' },
  PAYER_NOT_DEDICATED: { base: 'red', redAfterDays: null, why: 'not paid from the dedicated account' },
  PAID_WITHOUT_ATTENDANCE: { base: 'yellow', redAfterDays: 7, why: 'pay without attendance' },
  NO_PAYROLL_SHEET: { base: 'yellow', redAfterDays: 7, why: 'no payroll sheet after the pay date' },
  FUNDING_LATE: { base: 'yellow', redAfterDays: 7, why: 'labour cost funded late' },
  FUNDING_SHORT: { base: 'yellow', redAfterDays: 7, why: 'labour cost funded short' },
  DEPOSIT_MISSING: { base: 'yellow', redAfterDays: 15, why: 'no wage guarantee deposit' },
  DEPOSIT_SHORT: { base: 'yellow', redAfterDays: 15, why: 'wage guarantee deposit short' },
  BELOW_MINIMUM_WAGE: { base: 'yellow', redAfterDays: 7, why: 'below the local minimum wage' },
  COMPLAINT: { base: 'yellow', redAfterDays: 7, why: "a worker's wage complaint, to be handled within 7 days" },
  LATE: { base: 'yellow', redAfterDays: null, why: 'paid in full, after the pay date' },
  PAYEE_NAME_MISMATCH: { base: 'yellow', redAfterDays: null, why: 'the card holder name differs from the roster' },
  OVERPAID: { base: 'yellow', redAfterDays: null, why: 'paid more than due' },
  OVERSIZED: { base: 'yellow', redAfterDays: null, why: 'an unusually large amount to one worker' },
  NOT_WORKER_CONFIRMED: { base: 'yellow', redAfterDays: null, why: 'the worker did not confirm the sheet' },
  DEPOSIT_EXPIRING: { base: 'yellow', redAfterDays: null, why: 'the deposit guarantee expires soon' },
  UPSTREAM_LATE: { base: 'yellow', redAfterDays: 7, why: "a day's attendance not accepted upstream by 24:00" },
  UPSTREAM_REFUSED: { base: 'yellow', redAfterDays: 7, why: 'a record the real-name platform refused, to be fixed and resent' },
}

export const DEFAULT_SEVERITY_RULE: SeverityRule = { base: 'yellow', redAfterDays: null, why: 'no rule yet for this kind' }

export const severityRuleOf = (flagKind: string): SeverityRule => SEVERITY_RULES[flagKind] ?? DEFAULT_SEVERITY_RULE

/** A case's colour at `nowMs` by SEVERITY_RULES: a closed case keeps the colour it had when it closed. */
export function severityOf(c: FlagCase, nowMs: number, timeZone: string = DEFAULT_TIME_ZONE): Severity {
  const rule = severityRuleOf(c.flagKind)
  if (rule.base === 'red' || c.escalations.length > 0) return 'red'
  if (rule.redAfterDays !== null && caseAge(c, nowMs, timeZone).episodeAgeDays >= rule.redAfterDays) return 'red'
  return 'yellow'
}
