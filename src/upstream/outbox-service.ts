/**
 * Queueing upstream records (上报入队). Called with the caller's transaction, in the same transaction that creates
 * what the records report (a worker enrolled, a punch stored, a sheet approved), so a record is queued if and only if
 * its fact is stored. Nothing is sent here: a slow or absent platform never holds a roster or punch transaction.
 * What happens to each record is outbox.ts's enqueueDecision, returned by name.
 */
import type { Executor } from '../db/database.ts'
import type { Clock } from '../kernel/time.ts'
import { enqueueDecision, kindRank, type EnqueueOutcome, type OutboxState } from './outbox.ts'
import { UpstreamOutboxRepository, type KindSummary, type UpstreamAttemptRow, type UpstreamRecordRow } from './outbox-repository.ts'
import { AppError } from '../kernel/errors.ts'
import type { RecordKind, UpstreamRecord } from './records.ts'

export interface EnqueueOptions {
  /** The platform's deadline for these records (a day's attendance: 24:00 that day in the project's zone). */
  dueByMs?: number | null
  /** Leave a record refused with the same payload for a person to resend (the sweeps pass true). */
  holdRefused?: boolean
}

/** Records in one enqueue from which each kind's newest payloads are read in one statement. */
const BULK_CHECK_MIN = 100

export class UpstreamOutbox {
  private readonly repo = new UpstreamOutboxRepository()

  constructor(private readonly clock: Clock) {}

  /** Each key's newest revision (state and payload) of a kind, for a project. */
  async newestPayloads(ex: Executor, projectId: string, kind: RecordKind): Promise<Map<string, { state: OutboxState; payload: string }>> {
    return this.repo.newestPayloadsOfKind(ex, projectId, kind)
  }

  async enqueue(ex: Executor, projectId: string, records: readonly UpstreamRecord[], opts: EnqueueOptions = {}): Promise<Array<{ key: string; outcome: EnqueueOutcome }>> {
    const now = this.clock.nowMs()
    const out: Array<{ key: string; outcome: EnqueueOutcome }> = []
    // A large enqueue (a roster swept again) reads each kind's newest payloads once, and skips what is unchanged
    // without a read per record; what is left is decided one by one as below.
    const known = new Map<string, Map<string, { state: OutboxState; payload: string }>>()
    if (records.length >= BULK_CHECK_MIN) {
      for (const kind of new Set(records.map((r) => r.kind))) known.set(kind, await this.repo.newestPayloadsOfKind(ex, projectId, kind))
    }
    for (const record of records) {
      const payload = JSON.stringify(record.payload)
      const seen = known.get(record.kind)?.get(record.key)
      if (seen !== undefined && seen.state !== 'withdrawn' && seen.payload === payload && (seen.state !== 'refused' || opts.holdRefused === true)) {
        out.push({ key: record.key, outcome: seen.state === 'refused' ? 'held_refused' : 'already_queued' })
        continue
      }
      const decision = enqueueDecision(await this.repo.newestRevision(ex, record.kind, record.key), payload, { holdRefused: opts.holdRefused })
      if (decision.revision === null) {
        out.push({ key: record.key, outcome: decision.outcome })
        continue
      }
      const inserted = await this.repo.insert(ex, {
        projectId,
        kind: record.kind,
        kindRank: kindRank(record.kind),
        key: record.key,
        revision: decision.revision,
        payload,
        state: 'queued',
        attempts: 0,
        nextAttemptAtMs: now,
        claimedBy: null,
        claimedAtMs: null,
        requestSerialCode: null,
        batchIndex: null,
        reason: null,
        dueByMs: opts.dueByMs ?? null,
        createdAtMs: now,
        settledAtMs: null,
      })
      // Another transaction queued the same revision at the same moment: it is queued, once.
      out.push({ key: record.key, outcome: inserted ? decision.outcome : 'already_queued' })
    }
    return out
  }

  /**
   * Takes back a key's record that is still queued (what it reports no longer stands): a guarded change queued →
   * withdrawn, so a sender that claimed it a moment before keeps it. Returns the newest revision's state after: withdrawn,
   * or the state it was already past (sending, sent, accepted: the platform has it or may), or undefined (never queued).
   */
  async withdraw(ex: Executor, projectId: string, kind: RecordKind, key: string, reason: string): Promise<OutboxState | undefined> {
    if (await this.repo.withdraw(ex, projectId, kind, key, reason, this.clock.nowMs())) return 'withdrawn'
    return (await this.repo.newestRevision(ex, kind, key))?.state
  }

  /** Per kind: how many records (newest revision of each key) are in each state, and the oldest one waiting. */
  async summary(ex: Executor, projectId: string): Promise<KindSummary[]> {
    return this.repo.summaryOf(ex, projectId)
  }

  /** The newest revision of each key of a kind (in `state` when given), oldest first: what an export lists. */
  async newestOfKind(ex: Executor, projectId: string, kind: RecordKind, state: OutboxState | undefined, limit: number): Promise<UpstreamRecordRow[]> {
    return this.repo.newestOfKind(ex, projectId, kind, state, limit)
  }

  /** The records whose newest revision the platform refused, with its reason, oldest first. */
  async refused(ex: Executor, projectId: string, limit: number): Promise<UpstreamRecordRow[]> {
    return this.repo.refusedOf(ex, projectId, limit)
  }

  /**
   * A person's resend of a refused record once its cause is put right (the platform registered what it lacked): the
   * same payload queued as the next revision. Refused with a reason when the record is not the newest refused
   * revision of its key (a newer one is on its way or accepted).
   */
  async resend(ex: Executor, projectId: string, recordId: number): Promise<UpstreamRecordRow> {
    const row = await this.repo.recordOf(ex, projectId, recordId)
    if (!row) throw new AppError('upstream_record_not_found', { recordId })
    const newest = await this.repo.newestRevision(ex, row.kind, row.key)
    if (row.state !== 'refused' || newest?.revision !== row.revision) {
      throw new AppError('upstream_record_not_refused', { recordId, state: row.state, newestRevision: newest?.revision ?? null })
    }
    await this.enqueue(ex, projectId, [{ kind: row.kind, key: row.key, payload: JSON.parse(row.payload) }], { dueByMs: row.dueByMs })
    const next = await this.repo.revisionOf(ex, row.kind, row.key, row.revision + 1)
    if (!next) throw new Error(`resend of upstream record ${recordId} queued nothing`)
    return next
  }

  /** The newest revision's payload held under a key, if any (parsed). */
  async heldPayload(ex: Executor, kind: RecordKind, key: string): Promise<Record<string, unknown> | undefined> {
    const newest = await this.repo.newestRevision(ex, kind, key)
    return newest === undefined ? undefined : (JSON.parse(newest.payload) as Record<string, unknown>)
  }

  /** A project's outbox, oldest first: every record with its state, attempts, serial code and reason. */
  async records(ex: Executor, projectId: string): Promise<UpstreamRecordRow[]> {
    return this.repo.recordsOf(ex, projectId)
  }

  /** A project's attempt log, in the order the attempts ended. */
  async attempts(ex: Executor, projectId: string): Promise<UpstreamAttemptRow[]> {
    return this.repo.attemptsOf(ex, projectId)
  }
}
