/**
 * Database access for the upstream outbox (src/db/schema/upstream.ts). Every function takes the executor to run on:
 * the caller's transaction when a record is queued with what it reports, the database for the sender's steps. The
 * statements are the same text on both engines. A row's state changes only by a guarded UPDATE (… WHERE state = the
 * state it leaves), so two senders (two instances) never both move the same row; upstream_attempts is only inserted.
 */
import { sql } from 'drizzle-orm'
import { q, type Executor } from '../db/database.ts'
import { insertInto } from '../db/rows.ts'
import { upstreamAttempts, upstreamRecords } from '../db/schema/index.ts'
import type { NewestRevision, OutboxState } from './outbox.ts'
import type { RecordKind } from './records.ts'

export type UpstreamRecordRow = typeof upstreamRecords.$inferSelect
export type UpstreamAttemptRow = typeof upstreamAttempts.$inferSelect
export type NewUpstreamAttempt = Omit<UpstreamAttemptRow, 'id'>

const COLUMNS = `id AS "id", project_id AS "projectId", kind AS "kind", kind_rank AS "kindRank", key AS "key", revision AS "revision",
  payload AS "payload", state AS "state", attempts AS "attempts", next_attempt_at_ms AS "nextAttemptAtMs", claimed_by AS "claimedBy",
  claimed_at_ms AS "claimedAtMs", request_serial_code AS "requestSerialCode", batch_index AS "batchIndex", reason AS "reason",
  due_by_ms AS "dueByMs", created_at_ms AS "createdAtMs", settled_at_ms AS "settledAtMs"`

const NEWEST = `SELECT revision AS "revision", state AS "state", payload AS "payload" FROM upstream_records WHERE kind = ? AND key = ? ORDER BY revision DESC LIMIT 1`

/** Each lane (project, kind) with something unsettled: its head (oldest unsettled row), oldest heads first. */
const LANE_HEADS = (within: string): string => `SELECT h.id AS "id", h.project_id AS "projectId", h.kind_rank AS "kindRank", h.state AS "state",
    h.next_attempt_at_ms AS "nextAttemptAtMs", h.claimed_at_ms AS "claimedAtMs"
  FROM upstream_records h
  JOIN (SELECT MIN(id) AS id FROM upstream_records WHERE state IN ('queued', 'sending', 'sent')${within} GROUP BY project_id, kind_rank) m ON m.id = h.id
  ORDER BY h.id
  LIMIT ?`

/** ` AND project_id IN (?, …)` for a sender of one platform (a province's projects); nothing for all projects. */
function projectsWithin(projectIds: readonly string[] | undefined): string {
  return projectIds === undefined ? '' : ` AND project_id IN (${projectIds.length === 0 ? 'NULL' : projectIds.map(() => '?').join(', ')})`
}

/**
 * Claims a lane's oldest queued rows and returns them. The outer `state || ''` keeps SQLite from scanning the whole
 * queue by the state index to test each row against the list: the ids the subquery picks are looked up by key. The
 * guard on the state itself stays (another sender may claim a row between the subquery and the update on PostgreSQL).
 */
const CLAIM = `UPDATE upstream_records SET state = 'sending', claimed_by = ?, claimed_at_ms = ?
  WHERE id IN (SELECT id FROM upstream_records WHERE state = 'queued' AND project_id = ? AND kind_rank = ? ORDER BY id LIMIT ?) AND state || '' = 'queued'
  RETURNING ${COLUMNS}`

/** A claimed batch taken by the platform, in one statement: each row's place in the batch is the order it was sent in. */
const TAKEN = (size: number): string => `UPDATE upstream_records SET state = 'sent', request_serial_code = ?,
  batch_index = CASE id ${Array.from({ length: size }, () => 'WHEN ? THEN CAST(? AS INTEGER)').join(' ')} END,
  attempts = attempts + 1, next_attempt_at_ms = ?, reason = NULL, claimed_by = NULL
  WHERE id IN (${Array.from({ length: size }, () => '?').join(', ')}) AND state || '' = 'sending' AND claimed_by = ?`

const RETRY = `UPDATE upstream_records SET state = 'queued', attempts = attempts + 1, next_attempt_at_ms = ?, reason = ?, claimed_by = NULL, claimed_at_ms = NULL
  WHERE claimed_by = ? AND state = 'sending'`

/** Claims whose sender never came back: queued again, due at once (the lane's order is kept by the ids). */
const STALE = `UPDATE upstream_records SET state = 'queued', claimed_by = NULL, claimed_at_ms = NULL, next_attempt_at_ms = ?
  WHERE state = 'sending' AND claimed_at_ms <= ?`

/** Batches the platform holds whose verdict is due to be asked for. */
const SENT_DUE = (within: string): string => `SELECT request_serial_code AS "requestSerialCode", COUNT(*) AS "size" FROM upstream_records
  WHERE state = 'sent'${within} GROUP BY request_serial_code HAVING MIN(next_attempt_at_ms) <= ? ORDER BY MIN(id) LIMIT ?`

const SENT_OF = `SELECT ${COLUMNS} FROM upstream_records WHERE request_serial_code = ? AND state = 'sent' ORDER BY batch_index`

/** How many records a batch was sent with, whatever has become of them since: its indexes run from 0 to one less. */
const BATCH_SIZE = `SELECT COUNT(*) AS "size" FROM upstream_records WHERE request_serial_code = ?`

const POLL_LATER = `UPDATE upstream_records SET next_attempt_at_ms = ? WHERE request_serial_code = ? AND state = 'sent'`

/** A key's queued revision taken back before it went out: only while queued (a sender's claim moves it first). */
const WITHDRAW = `UPDATE upstream_records SET state = 'withdrawn', reason = ?, settled_at_ms = ? WHERE project_id = ? AND kind = ? AND key = ? AND state = 'queued'`

const SETTLE = `UPDATE upstream_records SET state = ?, reason = ?, settled_at_ms = ? WHERE id = ? AND state = 'sent'`

/** Every row of a batch still waiting, accepted, but those the platform refused (settled one by one): the ids changed. */
const ACCEPT_BATCH = (refused: number): string => `UPDATE upstream_records SET state = 'accepted', reason = NULL, settled_at_ms = ?
  WHERE request_serial_code = ? AND state = 'sent'${refused > 0 ? ` AND batch_index NOT IN (${Array.from({ length: refused }, () => '?').join(', ')})` : ''} RETURNING id AS "id"`

const LOST = `UPDATE upstream_records SET state = 'queued', request_serial_code = NULL, batch_index = NULL, claimed_at_ms = NULL, next_attempt_at_ms = ?, reason = ?
  WHERE request_serial_code = ? AND state = 'sent'`

/** Per kind and state, the newest revision of each key only (an older refused revision is history). */
const SUMMARY = `SELECT r.kind AS "kind", r.state AS "state", COUNT(*) AS "count", MIN(CASE WHEN r.state IN ('queued', 'sending', 'sent') THEN r.created_at_ms END) AS "oldestWaitingMs"
  FROM upstream_records r
  WHERE r.project_id = ? AND NOT EXISTS (SELECT 1 FROM upstream_records n WHERE n.kind = r.kind AND n.key = r.key AND n.revision > r.revision)
  GROUP BY r.kind, r.state`

const REFUSED_OF = `SELECT ${COLUMNS} FROM upstream_records r WHERE project_id = ? AND state = 'refused'
  AND NOT EXISTS (SELECT 1 FROM upstream_records n WHERE n.kind = r.kind AND n.key = r.key AND n.revision > r.revision) ORDER BY id LIMIT ?`

const NEWEST_OF_KIND = (withState: boolean): string => `SELECT ${COLUMNS} FROM upstream_records r WHERE project_id = ? AND kind = ?${withState ? ' AND state = ?' : ''}
  AND NOT EXISTS (SELECT 1 FROM upstream_records n WHERE n.kind = r.kind AND n.key = r.key AND n.revision > r.revision) ORDER BY id LIMIT ?`

const NEWEST_PAYLOADS_OF_KIND = `SELECT r.key AS "key", r.state AS "state", r.payload AS "payload" FROM upstream_records r WHERE project_id = ? AND kind = ?
  AND NOT EXISTS (SELECT 1 FROM upstream_records n WHERE n.kind = r.kind AND n.key = r.key AND n.revision > r.revision)`

const RECORD_OF = `SELECT ${COLUMNS} FROM upstream_records WHERE project_id = ? AND id = ?`
const REVISION_OF = `SELECT ${COLUMNS} FROM upstream_records WHERE kind = ? AND key = ? AND revision = ?`

const OF_PROJECT = `SELECT ${COLUMNS} FROM upstream_records WHERE project_id = ? ORDER BY id`
const ATTEMPTS_OF_PROJECT = `SELECT a.id AS "id", a.record_id AS "recordId", a.action AS "action", a.outcome AS "outcome", a.at_ms AS "atMs",
    a.request_serial_code AS "requestSerialCode", a.code AS "code", a.detail AS "detail"
  FROM upstream_attempts a JOIN upstream_records r ON r.id = a.record_id WHERE r.project_id = ? ORDER BY a.id`

export interface KindSummary {
  kind: RecordKind
  counts: Record<OutboxState, number>
  /** When the oldest record still waiting (queued, sending or sent) was queued; null when none waits. */
  oldestWaitingMs: number | null
}

export interface LaneHead {
  id: number
  projectId: string
  kindRank: number
  state: OutboxState
  nextAttemptAtMs: number
  claimedAtMs: number | null
}

export class UpstreamOutboxRepository {
  async newestRevision(ex: Executor, kind: RecordKind, key: string): Promise<NewestRevision | undefined> {
    return ex.get<NewestRevision>(q(NEWEST, kind, key))
  }

  /** Inserts a revision; false when another transaction inserted the same (kind, key, revision) first. */
  async insert(ex: Executor, row: Omit<UpstreamRecordRow, 'id'>): Promise<boolean> {
    const r = await ex.run(sql`${insertInto(upstreamRecords, [row])} ON CONFLICT (kind, key, revision) DO NOTHING`)
    return r.changes === 1
  }

  /** projectIds: only these projects' lanes (one platform's); all when undefined. */
  async laneHeads(ex: Executor, limit: number, projectIds?: readonly string[]): Promise<LaneHead[]> {
    return ex.all<LaneHead>(q(LANE_HEADS(projectsWithin(projectIds)), ...(projectIds ?? []), limit))
  }

  /**
   * Per project, the earliest kind (rank) with a record unsettled (queued, sending or sent): the only lane of the
   * project that may go out. Read for the projects of a pass's lanes, whatever lanes fell past its page.
   */
  async earliestUnsettledKinds(ex: Executor, projectIds: readonly string[]): Promise<Map<string, number>> {
    if (projectIds.length === 0) return new Map()
    const rows = await ex.all<{ projectId: string; kindRank: unknown }>(
      q(
        `SELECT project_id AS "projectId", MIN(kind_rank) AS "kindRank" FROM upstream_records
          WHERE state IN ('queued', 'sending', 'sent') AND project_id IN (${projectIds.map(() => '?').join(', ')}) GROUP BY project_id`,
        ...projectIds,
      ),
    )
    return new Map(rows.map((r) => [r.projectId, Number(r.kindRank)]))
  }

  /** Claims up to `size` of the lane's oldest queued rows under `token`; returns them, oldest first. */
  async claim(ex: Executor, lane: { projectId: string; kindRank: number }, size: number, token: string, nowMs: number): Promise<UpstreamRecordRow[]> {
    const rows = await ex.all<UpstreamRecordRow>(q(CLAIM, token, nowMs, lane.projectId, lane.kindRank, size))
    return rows.sort((a, b) => Number(a.id) - Number(b.id))
  }

  /** The batch `rows` (as claimed, in the order sent) taken under `serial`. */
  async markTaken(ex: Executor, rows: ReadonlyArray<{ id: number }>, token: string, serial: string, pollAtMs: number): Promise<void> {
    if (rows.length === 0) return
    const ids = rows.map((r) => Number(r.id))
    await ex.run(q(TAKEN(ids.length), serial, ...ids.flatMap((id, index) => [id, index]), pollAtMs, ...ids, token))
  }

  async markRetry(ex: Executor, token: string, nextAtMs: number, reason: string): Promise<void> {
    await ex.run(q(RETRY, nextAtMs, reason, token))
  }

  async requeueStale(ex: Executor, claimedBeforeMs: number, nowMs: number): Promise<number> {
    return (await ex.run(q(STALE, nowMs, claimedBeforeMs))).changes
  }

  async sentDue(ex: Executor, nowMs: number, limit: number, projectIds?: readonly string[]): Promise<Array<{ requestSerialCode: string }>> {
    return ex.all<{ requestSerialCode: string }>(q(SENT_DUE(projectsWithin(projectIds)), ...(projectIds ?? []), nowMs, limit))
  }

  async sentOf(ex: Executor, serial: string): Promise<UpstreamRecordRow[]> {
    return ex.all<UpstreamRecordRow>(q(SENT_OF, serial))
  }

  async pollLater(ex: Executor, serial: string, atMs: number): Promise<void> {
    await ex.run(q(POLL_LATER, atMs, serial))
  }

  /** True when the key's queued revision was withdrawn. */
  async withdraw(ex: Executor, projectId: string, kind: RecordKind, key: string, reason: string, atMs: number): Promise<boolean> {
    return (await ex.run(q(WITHDRAW, reason, atMs, projectId, kind, key))).changes > 0
  }

  /** Settles one row of a batch; false when it was no longer waiting (another sender settled it). */
  async settle(ex: Executor, id: number, state: 'accepted' | 'refused', reason: string | null, atMs: number): Promise<boolean> {
    return (await ex.run(q(SETTLE, state, reason, atMs, id))).changes === 1
  }

  async batchSize(ex: Executor, serial: string): Promise<number> {
    return Number((await ex.get<{ size: number | string }>(q(BATCH_SIZE, serial)))?.size ?? 0)
  }

  /** Accepts the batch's waiting rows but the refused indexes; returns the ids it changed (another sender may have settled some). */
  async acceptBatch(ex: Executor, serial: string, refusedIndexes: readonly number[], atMs: number): Promise<Set<number>> {
    const rows = await ex.all<{ id: number | string }>(q(ACCEPT_BATCH(refusedIndexes.length), atMs, serial, ...refusedIndexes))
    return new Set(rows.map((r) => Number(r.id)))
  }

  async requeueLost(ex: Executor, serial: string, nextAtMs: number, reason: string): Promise<void> {
    await ex.run(q(LOST, nextAtMs, reason, serial))
  }

  async insertAttempts(ex: Executor, rows: readonly NewUpstreamAttempt[]): Promise<void> {
    if (rows.length > 0) await ex.run(insertInto(upstreamAttempts, rows))
  }

  async summaryOf(ex: Executor, projectId: string): Promise<KindSummary[]> {
    const rows = await ex.all<{ kind: RecordKind; state: OutboxState; count: number | string; oldestWaitingMs: number | string | null }>(q(SUMMARY, projectId))
    const out = new Map<RecordKind, KindSummary>()
    for (const r of rows) {
      const s = out.get(r.kind) ?? { kind: r.kind, counts: { queued: 0, sending: 0, sent: 0, accepted: 0, refused: 0, withdrawn: 0 }, oldestWaitingMs: null }
      s.counts[r.state] = Number(r.count)
      if (r.oldestWaitingMs !== null) s.oldestWaitingMs = Math.min(s.oldestWaitingMs ?? Infinity, Number(r.oldestWaitingMs))
      out.set(r.kind, s)
    }
    return [...out.values()]
  }

  async refusedOf(ex: Executor, projectId: string, limit: number): Promise<UpstreamRecordRow[]> {
    return ex.all<UpstreamRecordRow>(q(REFUSED_OF, projectId, limit))
  }

  /** The newest revision of each key of a kind, in the order queued; only those in `state` when given. */
  async newestOfKind(ex: Executor, projectId: string, kind: RecordKind, state: OutboxState | undefined, limit: number): Promise<UpstreamRecordRow[]> {
    return state === undefined ? ex.all<UpstreamRecordRow>(q(NEWEST_OF_KIND(false), projectId, kind, limit)) : ex.all<UpstreamRecordRow>(q(NEWEST_OF_KIND(true), projectId, kind, state, limit))
  }

  /** Each key's newest state and payload, for a kind of a project: what a large enqueue checks against in one read. */
  async newestPayloadsOfKind(ex: Executor, projectId: string, kind: RecordKind): Promise<Map<string, { state: OutboxState; payload: string }>> {
    const rows = await ex.all<{ key: string; state: OutboxState; payload: string }>(q(NEWEST_PAYLOADS_OF_KIND, projectId, kind))
    return new Map(rows.map((r) => [r.key, { state: r.state, payload: r.payload }]))
  }

  async recordOf(ex: Executor, projectId: string, id: number): Promise<UpstreamRecordRow | undefined> {
    return ex.get<UpstreamRecordRow>(q(RECORD_OF, projectId, id))
  }

  async revisionOf(ex: Executor, kind: RecordKind, key: string, revision: number): Promise<UpstreamRecordRow | undefined> {
    return ex.get<UpstreamRecordRow>(q(REVISION_OF, kind, key, revision))
  }

  async recordsOf(ex: Executor, projectId: string): Promise<UpstreamRecordRow[]> {
    return ex.all<UpstreamRecordRow>(q(OF_PROJECT, projectId))
  }

  async attemptsOf(ex: Executor, projectId: string): Promise<UpstreamAttemptRow[]> {
    return ex.all<UpstreamAttemptRow>(q(ATTEMPTS_OF_PROJECT, projectId))
  }
}
