/**
 * The upstream watch (上报预警): reads the outbox and raises the upstream families' cases through the case service
 * (src/flags/cases.ts, UPSTREAM_LATE and UPSTREAM_REFUSED), as a reconciliation run raises its own:
 * - UPSTREAM_LATE per project-day whose attendance is not all accepted by its deadline (24:00 of the day in the
 *   project's zone, the due time each record was queued with); resolved once every record of the day is accepted.
 * - UPSTREAM_REFUSED per record key whose newest revision is not accepted after a refusal, the platform's reason in
 *   the evidence; resolved once a revision of it (fixed and resent) is accepted.
 * Only each key's newest revision counts: a refused revision followed by an accepted one is history, not a problem;
 * so is a record withdrawn before it went out (what it reported no longer stands).
 * Idempotent: a watch that finds what the last one found appends nothing.
 */
import { maskText } from '../access/masking.ts'
import { q, type Database } from '../db/database.ts'
import type { CaseService } from '../flags/case-service.ts'
import { UPSTREAM_LATE, UPSTREAM_REFUSED, type RunFlag } from '../flags/cases.ts'
import { monthOf, workDateOf, type Clock } from '../kernel/time.ts'

const NEWEST = `NOT EXISTS (SELECT 1 FROM upstream_records n WHERE n.kind = r.kind AND n.key = r.key AND n.revision > r.revision)`

const LATE = `SELECT r.project_id AS "projectId", r.due_by_ms AS "dueByMs", COUNT(*) AS "waiting", MIN(r.id) AS "oldestId",
    SUM(CASE WHEN r.state = 'refused' THEN 1 ELSE 0 END) AS "refused"
  FROM upstream_records r
  WHERE r.kind = 'WorkerAttendance' AND r.due_by_ms IS NOT NULL AND r.due_by_ms <= ? AND r.state NOT IN ('accepted', 'withdrawn') AND ${NEWEST}
  GROUP BY r.project_id, r.due_by_ms
  ORDER BY r.project_id, r.due_by_ms`

const REFUSED = `SELECT r.id AS "id", r.project_id AS "projectId", r.kind AS "kind", r.key AS "key", r.revision AS "revision", r.state AS "state",
    r.due_by_ms AS "dueByMs", r.created_at_ms AS "createdAtMs",
    (SELECT o.reason FROM upstream_records o WHERE o.kind = r.kind AND o.key = r.key AND o.state = 'refused' ORDER BY o.revision DESC LIMIT 1) AS "reason"
  FROM upstream_records r
  WHERE r.state NOT IN ('accepted', 'withdrawn') AND ${NEWEST}
    AND EXISTS (SELECT 1 FROM upstream_records o WHERE o.kind = r.kind AND o.key = r.key AND o.state = 'refused')
  ORDER BY r.id`

/** Project-months with an upstream case still live: the watch looks at them to resolve what it no longer raises. */
const LIVE_UPSTREAM = `SELECT DISTINCT e.project_id AS "projectId", e.month AS "month" FROM flag_case_events e
  WHERE e.type IN ('opened', 'reopened') AND substr(e.case_key, 1, 11) = '["UPSTREAM_' AND NOT EXISTS (
    SELECT 1 FROM flag_case_events later WHERE later.case_key = e.case_key AND later.seq > e.seq AND later.type IN ('resolved', 'dismissed'))`

export interface WatchCounts {
  /** Project-months looked at. */
  months: number
  /** Case events appended. */
  events: number
}

export class UpstreamWatch {
  constructor(
    private readonly db: Database,
    private readonly cases: Pick<CaseService, 'onUpstream'>,
    private readonly clock: Clock,
    private readonly timeZoneOf: (projectId: string) => Promise<string>,
  ) {}

  async run(): Promise<WatchCounts> {
    const now = this.clock.nowMs()
    const flags = new Map<string, { projectId: string; month: string; flags: RunFlag[] }>()
    const zones = new Map<string, string>()
    const zoneOf = async (projectId: string): Promise<string> => {
      let z = zones.get(projectId)
      if (z === undefined) zones.set(projectId, (z = await this.timeZoneOf(projectId)))
      return z
    }
    const add = (projectId: string, month: string, flag: RunFlag | null): void => {
      const k = `${projectId}\u0000${month}`
      const e = flags.get(k) ?? { projectId, month, flags: [] }
      if (flag) e.flags.push(flag)
      flags.set(k, e)
    }
    for (const r of await this.db.all<{ projectId: string; dueByMs: number; waiting: number; oldestId: number; refused: number }>(q(LATE, now))) {
      const day = workDateOf(Number(r.dueByMs) - 1, await zoneOf(r.projectId))
      add(r.projectId, monthOf(day), {
        kind: UPSTREAM_LATE,
        workerId: null,
        payeeCard: null,
        dueFen: null,
        paidFen: null,
        scope: day,
        evidence: { date: day, dueByMs: Number(r.dueByMs), notAccepted: Number(r.waiting), refused: Number(r.refused), oldestRecordId: Number(r.oldestId) },
      })
    }
    type Refused = { id: number; projectId: string; kind: string; key: string; revision: number; state: string; dueByMs: number | null; createdAtMs: number; reason: string | null }
    for (const r of await this.db.all<Refused>(q(REFUSED))) {
      const zone = await zoneOf(r.projectId)
      const day = r.dueByMs === null ? workDateOf(Number(r.createdAtMs), zone) : workDateOf(Number(r.dueByMs) - 1, zone)
      add(r.projectId, monthOf(day), {
        kind: UPSTREAM_REFUSED,
        workerId: null,
        payeeCard: null,
        dueFen: null,
        paidFen: null,
        scope: `${r.kind}:${r.key}`,
        evidence: { recordId: Number(r.id), kind: r.kind, key: r.key, revision: Number(r.revision), state: r.state, reason: r.reason === null ? null : maskText(r.reason) },
      })
    }
    for (const m of await this.db.all<{ projectId: string; month: string }>(q(LIVE_UPSTREAM))) add(m.projectId, m.month, null)
    let events = 0
    for (const { projectId, month, flags: raised } of flags.values()) {
      events += (await this.cases.onUpstream({ runId: `upstream:${now}`, projectId, month, atMs: now, flags: raised })).length
    }
    return { months: flags.size, events }
  }
}
