/**
 * Flag cases (预警案件) kept: the events of src/flags/cases.ts stored append-only, appended by every reconciliation run
 * of a project-month (in the run's transaction), by people acting on a case, and by the clock that escalates the
 * cases nobody handled in time. A case is read by folding its events; outside the service it is known by its public
 * id (a digest of its key, which can hold a full card number).
 *
 * Concurrency: everything that appends to a project-month's cases holds the month's reconciliation lock
 * (`reconcile:{project}:{month}`), so a run, a person and the clock never append from the same folded state.
 */
import type { Database, Transaction } from '../db/database.ts'
import { AppError } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import type { Clock, Month } from '../kernel/time.ts'
import { act, applyClock, applyRun, applyUpstreamRun, caseAge, complain, complaintKey, foldCase, foldCases, severityOf, type CaseAction, type CaseActor, type CaseEvent, type CaseRun, type FlagCase, type Severity, type WorkerComplaint } from './cases.ts'
import { CaseRepository, type CaseEventRow } from './case-repository.ts'
import { casePayload, isNotified, publicCaseId, type WebhookPayload } from './webhooks.ts'

/** The lock a project-month's reconciliation runs take (PayoutService): the cases' appends take it too. */
export const monthLockKey = (projectId: string, month: string): string => `reconcile:${projectId}:${month}`

/**
 * Where notified events go (src/flags/webhook-service.ts): called inside the transaction that appends them, so an
 * event and its outbox rows commit together or not at all. It writes rows only; sending happens later, outside.
 */
export interface CaseOutbox {
  enqueue(projectId: string, payloads: readonly WebhookPayload[]): Promise<void>
}

export interface CaseView {
  id: string
  case: FlagCase
  severity: Severity
  ageDays: number
  episodeAgeDays: number
}

export interface CaseHistory extends CaseView {
  events: Array<{ seq: number; event: CaseEvent }>
}

/** What a team manager reaches of a project's cases: the teams their organisation employs there, and those teams' workers. */
export interface TeamReach {
  teamIds: ReadonlySet<string>
  workerIds: ReadonlySet<string>
}

/**
 * Whether a case is a team manager's, by its subject: a worker's case when the worker is enrolled in one of their
 * teams; a case of no worker when its evidence names one of their teams (NO_PAYROLL_SHEET's teamId). Every other case
 * of no worker is about the project as a whole (GROUP_ARREARS, HEADCOUNT_GAP, funding, deposit, the paying account)
 * or about a card no worker owns (UNKNOWN_PAYEE, SHARED_CARD, which lists workers of any team): the labour manager's.
 */
export function inTeamReach(c: FlagCase, reach: TeamReach): boolean {
  if (c.workerId !== null) return reach.workerIds.has(c.workerId)
  const teamId = c.evidence.teamId
  return typeof teamId === 'string' && reach.teamIds.has(teamId)
}

/**
 * Told, inside the transaction that appends them, of a project-month's new case events, with the month's cases as
 * they now fold (computed when first asked): what must change with the cases or not at all (a worker's complaint
 * becoming a complaint clue, a month's arrears becoming a major incident: src/risk). Database work only.
 */
export type CasesAppended = (e: { projectId: string; month: string; events: readonly CaseEvent[]; cases: () => readonly FlagCase[] }) => Promise<void>

export class CaseService {
  private readonly repo: CaseRepository
  private readonly appended: CasesAppended[] = []

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly timeZoneOf: (projectId: string) => Promise<string>,
    private readonly outbox?: CaseOutbox,
  ) {
    this.repo = new CaseRepository(db)
  }

  /** Adds a hook run inside every appending transaction (CasesAppended). */
  onAppended(hook: CasesAppended): void {
    this.appended.push(hook)
  }

  /**
   * What a reconciliation run changes in its month's cases: opened, updated, resolved, reopened. Called inside the
   * run's transaction, which holds the month's lock. Returns the events appended.
   */
  async onRun(run: CaseRun): Promise<CaseEvent[]> {
    const rows = await this.repo.eventsOfMonth(run.projectId, run.month)
    const { cases } = foldCases(rows.map(eventOf))
    const { events } = applyRun(cases, run)
    await this.append(run.projectId, run.month, rows, events)
    return events
  }

  /**
   * What the upstream watch raises in a project-month (src/upstream/watch.ts): the upstream families' cases opened,
   * updated, reopened, or resolved when no longer raised; other families left alone. Under the month's lock.
   */
  async onUpstream(run: CaseRun): Promise<CaseEvent[]> {
    return this.db.tx(async (tx: Transaction) => {
      await tx.lock(monthLockKey(run.projectId, run.month))
      const rows = await this.repo.eventsOfMonth(run.projectId, run.month)
      const { events } = applyUpstreamRun(foldCases(rows.map(eventOf)).cases, run)
      await this.append(run.projectId, run.month, rows, events)
      return events
    })
  }

  /** The month's cases, newest first within their state: open and acknowledged before closed. */
  async list(projectId: string, month: Month, state?: FlagCase['state']): Promise<CaseView[]> {
    const timeZone = await this.timeZoneOf(projectId)
    const { cases } = foldCases((await this.repo.eventsOfMonth(projectId, month)).map(eventOf))
    const now = this.clock.nowMs()
    return cases
      .filter((c) => state === undefined || c.state === state)
      .map((c) => this.viewOf(c, now, timeZone))
      .sort((a, b) => closedRank(a.case) - closedRank(b.case) || b.case.episodeOpenedAtMs - a.case.episodeOpenedAtMs || (a.id < b.id ? -1 : 1))
  }

  /** The teams an organisation employs on the project and their workers: a team manager's reach (`inTeamReach`). */
  teamReach(projectId: string, organisationId: string): Promise<TeamReach> {
    return this.repo.teamReach(projectId, organisationId)
  }

  async history(projectId: string, caseId: string): Promise<CaseHistory> {
    const rows = await this.repo.eventsOfCase(projectId, caseId)
    const folded = foldCase(rows.map(eventOf))
    if (!folded.ok) throw new AppError('flag_case_not_found', { caseId })
    const timeZone = await this.timeZoneOf(projectId)
    return { ...this.viewOf(folded.case, this.clock.nowMs(), timeZone), events: rows.map((r) => ({ seq: r.seq, event: eventOf(r) })) }
  }

  /** A person's action (acknowledge, dismiss with a reason, comment), refused with the rule's reason. */
  async act(projectId: string, caseId: string, action: CaseAction, actor: CaseActor): Promise<CaseHistory> {
    const first = (await this.repo.eventsOfCase(projectId, caseId))[0]
    if (!first) throw new AppError('flag_case_not_found', { caseId })
    await this.db.tx(async (tx: Transaction) => {
      await tx.lock(monthLockKey(projectId, first.month))
      const rows = await this.repo.eventsOfCase(projectId, caseId)
      const folded = foldCase(rows.map(eventOf))
      if (!folded.ok) throw new AppError('flag_case_not_found', { caseId })
      const r = act(folded.case, action, actor, this.clock.nowMs())
      if (!r.ok) {
        if (r.refusal.code === 'role_not_permitted') throw new AppError('role_forbidden', { role: r.refusal.role, allowed: r.refusal.permitted })
        throw new AppError('flag_case_refused', { ...r.refusal })
      }
      await this.append(projectId, first.month, rows, [r.event])
    })
    return this.history(projectId, caseId)
  }

  /**
   * A worker's wage complaint (src/flags/cases.ts `complain`): opens their complaint case of the month, or adds to it,
   * or reopens it; under the month's lock like every append. Returns the case as it now stands.
   */
  async complain(c: WorkerComplaint): Promise<CaseView> {
    const key = complaintKey(c.projectId, c.month, c.workerId)
    await this.db.tx(async (tx: Transaction) => {
      await tx.lock(monthLockKey(c.projectId, c.month))
      const rows = await this.repo.eventsOfMonth(c.projectId, c.month)
      const mine = rows.filter((r) => r.caseKey === key).map(eventOf)
      const folded = mine.length === 0 ? undefined : foldCase(mine)
      if (folded !== undefined && !folded.ok) throw new AppError('flag_case_not_found', { caseId: publicCaseId(key) })
      const r = complain(folded?.case, c)
      if (!r.ok) throw new AppError('flag_case_refused', { ...r.refusal })
      await this.append(c.projectId, c.month, rows, [r.event])
    })
    return (await this.complaintOf(c.projectId, c.month, c.workerId))!
  }

  /** The worker's complaint case of the month, if they made one. */
  async complaintOf(projectId: string, month: string, workerId: string): Promise<CaseView | undefined> {
    const key = complaintKey(projectId, month, workerId)
    const rows = await this.repo.eventsOfCase(projectId, publicCaseId(key))
    if (rows.length === 0) return undefined
    const folded = foldCase(rows.map(eventOf))
    if (!folded.ok) return undefined
    return this.viewOf(folded.case, this.clock.nowMs(), await this.timeZoneOf(projectId))
  }

  /**
   * The clock: escalates every live case past a threshold (7 days unhandled, 15 unresolved), once each. Run by the
   * server every few minutes; idempotent, so several instances running it at once append each escalation once (each
   * month's appends are serialised by its lock and re-read under it).
   */
  /** Project-months with a case neither resolved nor dismissed: what the clocks keep checking. */
  liveMonths(): Promise<Array<{ projectId: string; month: string }>> {
    return this.repo.liveMonths()
  }

  async tick(): Promise<number> {
    let appended = 0
    for (const { projectId, month } of await this.repo.liveMonths()) {
      const timeZone = await this.timeZoneOf(projectId)
      await this.db.tx(async (tx: Transaction) => {
        await tx.lock(monthLockKey(projectId, month))
        const rows = await this.repo.eventsOfMonth(projectId, month)
        const events = applyClock(foldCases(rows.map(eventOf)).cases, this.clock.nowMs(), timeZone)
        await this.append(projectId, month, rows, events)
        appended += events.length
      })
    }
    return appended
  }

  private viewOf(c: FlagCase, now: number, timeZone: string): CaseView {
    const age = caseAge(c, now, timeZone)
    return { id: publicCaseId(c.key), case: c, severity: severityOf(c, now, timeZone), ...age }
  }

  /** Appends events after what `rows` (the cases' events as read under the lock) hold, each case's seq continuing. */
  private async append(projectId: string, month: string, rows: readonly CaseEventRow[], events: readonly CaseEvent[]): Promise<void> {
    const seqs = new Map<string, number>()
    for (const r of rows) seqs.set(r.caseKey, Math.max(seqs.get(r.caseKey) ?? 0, r.seq))
    const out: CaseEventRow[] = events.map((e) => {
      const seq = (seqs.get(e.caseKey) ?? 0) + 1
      seqs.set(e.caseKey, seq)
      return {
        id: newId(),
        projectId,
        month,
        caseKey: e.caseKey,
        caseId: publicCaseId(e.caseKey),
        seq,
        type: e.type,
        runId: 'runId' in e ? e.runId : null,
        actor: 'actor' in e ? (e.actor?.label ?? null) : null,
        body: JSON.stringify(e),
        atMs: e.atMs,
      }
    })
    await this.repo.insert(out)
    if (this.outbox) {
      const payloads = await this.payloadsOf(projectId, rows, events, out)
      if (payloads.length > 0) await this.outbox.enqueue(projectId, payloads)
    }
    if (events.length > 0 && this.appended.length > 0) {
      let folded: readonly FlagCase[] | undefined
      const cases = (): readonly FlagCase[] => (folded ??= foldCases([...rows.map(eventOf), ...events]).cases)
      for (const hook of this.appended) await hook({ projectId, month, events, cases })
    }
  }

  /** The payload of each notified event, its case folded up to and including it (figures as they were then). */
  private async payloadsOf(projectId: string, rows: readonly CaseEventRow[], events: readonly CaseEvent[], out: readonly CaseEventRow[]): Promise<WebhookPayload[]> {
    if (!events.some(isNotified)) return []
    const timeZone = await this.timeZoneOf(projectId)
    const history = new Map<string, CaseEvent[]>()
    const of = (key: string): CaseEvent[] => {
      let h = history.get(key)
      if (h === undefined) history.set(key, (h = []))
      return h
    }
    for (const r of rows) of(r.caseKey).push(eventOf(r))
    const payloads: WebhookPayload[] = []
    events.forEach((e, i) => {
      const h = of(e.caseKey)
      h.push(e)
      if (!isNotified(e)) return
      const folded = foldCase(h)
      // applyRun and act only append what folds; a case that does not is left unnotified rather than failing the run.
      if (!folded.ok) return
      payloads.push(casePayload(e, { eventId: out[i]!.id, case: folded.case, severity: severityOf(folded.case, e.atMs, timeZone), ageDays: caseAge(folded.case, e.atMs, timeZone).ageDays }))
    })
    return payloads
  }
}

const eventOf = (r: CaseEventRow): CaseEvent => JSON.parse(r.body) as CaseEvent
const closedRank = (c: FlagCase): number => (c.state === 'open' || c.state === 'acknowledged' ? 0 : 1)
