/**
 * Major incidents (重大欠薪事件): a case reaching 10 or more workers or ¥5,000,000 (src/risk/clues.ts majorIncident)
 * becomes one the moment it does, once per source (major_incidents is unique on its source), with a webhook
 * (`incident.major`) queued in the same transaction and its 2-hour report clock started; reports to the authority
 * above (上报) are appended with who made them and to whom.
 *
 * Two sources:
 * - a complaint clue, by the headcount and amount it was received with;
 * - the ledger's own arrears: the live (open or acknowledged) UNPAID cases of one project-month taken together —
 *   headcount the workers not paid in full, amount the sum of what each is still owed (due − paid). A month is the
 *   unit because that is how a site's wages fall due and how GROUP_ARREARS already counts a group of 10; so the
 *   incident's source is the project-month (`flag_case`, `<projectId>:<month>`), checked inside every transaction
 *   that appends to the month's cases (a run, a person, the clock).
 */
import type { Database } from '../db/database.ts'
import { AppError, outOfScope } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import type { Fen } from '../kernel/money.ts'
import type { Clock } from '../kernel/time.ts'
import { caseFamily, type FlagCase } from '../flags/cases.ts'
import { incidentReportClock, majorIncident } from './clues.ts'
import { incidentPayload, incidentRestatedPayload, NO_PROJECT, type RiskOutbox } from './clue-notifications.ts'
import { ClueRepository, type IncidentReportRow, type IncidentWithRegion, type RegionFilter } from './clue-repository.ts'

export interface IncidentView {
  id: string
  sourceKind: string
  sourceId: string
  projectId: string | null
  regionCode: string | null
  headcount: number
  amountFen: number
  reasons: string[]
  becameMajorAtMs: number
  reportClock: { dueAtMs: number; overdue: boolean; met: boolean }
  reports: IncidentReportRow[]
}

/** A project-month's arrears as one source: the live cases of the UNPAID family. */
export function monthArrears(cases: readonly FlagCase[]): { headcount: number; amountFen: number } {
  const workers = new Set<string>()
  let amountFen = 0
  for (const c of cases) {
    if (caseFamily(c.kind) !== 'UNPAID' || (c.state !== 'open' && c.state !== 'acknowledged') || c.workerId === null) continue
    workers.add(c.workerId)
    if (c.dueFen !== null) amountFen += Math.max(0, c.dueFen - (c.paidFen ?? 0))
  }
  return { headcount: workers.size, amountFen }
}

export const INCIDENT_LIST_MAX = 1000
/** How a case key of the UNPAID family begins (src/flags/cases.ts: the key is the JSON array [family, subject, month, project]). */
const UNPAID_KEY_HEAD = '["UNPAID",'

export class IncidentService {
  readonly repo: ClueRepository

  constructor(
    db: Database,
    private readonly clock: Clock,
    private readonly outbox?: RiskOutbox,
  ) {
    this.repo = new ClueRepository(db)
  }

  /**
   * Records the source as a major incident if its figures make it one and it is not one already; queues the webhook
   * when it becomes one. Meant to run inside the transaction that stored the figures. Returns the incident's id when
   * this call made it.
   */
  async raise(source: { kind: 'clue' | 'flag_case'; id: string; projectId: string | null; headcount: number; amountFen: number; atMs: number }): Promise<string | undefined> {
    const major = majorIncident({ headcount: source.headcount, amountFen: source.amountFen as Fen })
    // Figures not major on their own may still be larger than an incident's (8 workers found owed ¥3,000,000 after 12
    // were reported owed ¥100,000): restated, not dropped.
    if (!major) {
      await this.restate(source, [])
      return undefined
    }
    const row = {
      id: newId(),
      sourceKind: source.kind,
      sourceId: source.id,
      projectId: source.projectId,
      headcount: source.headcount,
      amountFen: source.amountFen,
      reasons: JSON.stringify(major.reasons),
      becameMajorAtMs: source.atMs,
    }
    if (!(await this.repo.insertIncident(row))) {
      await this.restate(source, major.reasons)
      return undefined
    }
    await this.outbox?.enqueue(source.projectId ?? NO_PROJECT, [incidentPayload({ ...row, reasons: major.reasons })])
    return row.id
  }

  /**
   * A source already major raised again: its figures restated when they grew or it gained a reason (a check finding
   * ¥6,000,000 where ¥100,000 was reported is a ¥5,000,000 case, which the bureau's targets count). The peak stands:
   * arrears paid down later do not make the incident smaller than it was.
   */
  private async restate(source: { kind: string; id: string; projectId: string | null; headcount: number; amountFen: number; atMs: number }, reasons: readonly string[]): Promise<void> {
    const existing = await this.repo.incidentBySource(source.kind, source.id)
    if (!existing) return
    const had = JSON.parse(existing.reasons) as string[]
    const gained = reasons.filter((r) => !had.includes(r))
    if (source.headcount <= existing.headcount && source.amountFen <= existing.amountFen && gained.length === 0) return
    const headcount = Math.max(existing.headcount, source.headcount)
    const amountFen = Math.max(Number(existing.amountFen), source.amountFen)
    const peak = majorIncident({ headcount, amountFen: amountFen as Fen })?.reasons ?? []
    const figures = { id: newId(), incidentId: existing.id, headcount, amountFen, reasons: [...new Set([...peak, ...had])], atMs: source.atMs }
    await this.repo.insertIncidentFigures({ ...figures, reasons: JSON.stringify(figures.reasons) })
    // A reason gained (a case of 12 workers found to be ¥6,000,000) changes what the incident is, and what the bureau
    // must report (a case of ¥5,000,000 or more): notified. Figures that only grow within the reasons it has are not.
    const newReasons = figures.reasons.filter((r) => !had.includes(r))
    if (newReasons.length > 0) {
      await this.outbox?.enqueue(source.projectId ?? existing.projectId ?? NO_PROJECT, [
        incidentRestatedPayload({ ...existing, reasons: figures.reasons }, { figuresId: figures.id, headcount, amountFen, gained: newReasons, atMs: source.atMs }),
      ])
    }
  }

  /**
   * The CaseService hook: a project-month's cases changed (inside its transaction). Only events of the UNPAID family
   * can change its arrears, so the month's cases are folded only then.
   */
  async casesChanged(projectId: string, month: string, events: ReadonlyArray<{ caseKey: string; atMs: number }>, cases: () => readonly FlagCase[]): Promise<void> {
    if (!events.some((e) => e.caseKey.startsWith(UNPAID_KEY_HEAD))) return
    const atMs = events.at(-1)!.atMs
    const { headcount, amountFen } = monthArrears(cases())
    await this.raise({ kind: 'flag_case', id: `${projectId}:${month}`, projectId, headcount, amountFen, atMs })
  }

  async list(region: RegionFilter, filter: { reported?: boolean; overdue?: boolean } = {}): Promise<IncidentView[]> {
    const rows = await this.repo.incidents(region, INCIDENT_LIST_MAX)
    const reports = await this.repo.reportsOf(rows.map((r) => r.id))
    const now = this.clock.nowMs()
    return rows
      .map((r) => viewOf(r, reports.get(r.id) ?? [], now))
      .filter((v) => (filter.reported === undefined || filter.reported === v.reports.length > 0) && (filter.overdue === undefined || filter.overdue === (v.reportClock.overdue && v.reports.length === 0)))
  }

  /** One incident, as the caller's region reaches it (404 otherwise, as if it did not exist). */
  async get(id: string, region: RegionFilter): Promise<IncidentView> {
    const r = await this.repo.incident(id)
    if (!r) throw new AppError('incident_not_found', { incidentId: id })
    if (!inRegion(r.regionCode, region)) throw outOfScope('incident_not_found', { incidentId: id })
    return viewOf(r, (await this.repo.reportsOf([id])).get(id) ?? [], this.clock.nowMs())
  }

  async bySource(kind: 'clue' | 'flag_case', id: string): Promise<string | undefined> {
    return (await this.repo.incidentBySource(kind, id))?.id
  }

  /** A report to the authority above; the first one meets (or misses) the 2-hour clock, later ones follow it up. */
  async report(id: string, input: { reportedTo: string; note?: string }, actor: string): Promise<IncidentView> {
    await this.get(id, undefined)
    await this.repo.insertReport({ id: newId(), incidentId: id, reportedTo: input.reportedTo.trim(), note: input.note?.trim() || null, actor, atMs: this.clock.nowMs() })
    return this.get(id, undefined)
  }
}

export const inRegion = (regionCode: string | null, region: RegionFilter): boolean => region === undefined || (regionCode !== null && regionCode.startsWith(region))

function viewOf(r: IncidentWithRegion, reports: IncidentReportRow[], now: number): IncidentView {
  return {
    id: r.id,
    sourceKind: r.sourceKind,
    sourceId: r.sourceId,
    projectId: r.projectId,
    regionCode: r.regionCode,
    headcount: r.headcount,
    amountFen: r.amountFen,
    reasons: JSON.parse(r.reasons) as string[],
    becameMajorAtMs: r.becameMajorAtMs,
    reportClock: incidentReportClock(r.becameMajorAtMs, reports[0]?.atMs, now),
    reports,
  }
}
