/**
 * Queueing upstream records (上报入队). Called with the caller's transaction, in the same transaction that creates
 * what the records report (a worker enrolled, a punch stored, a sheet approved), so a record is queued if and only if
 * its fact is stored. Nothing is sent here: a slow or absent platform never holds a roster or punch transaction.
 * What happens to each record is outbox.ts's enqueueDecision, returned by name.
 */
import type { Executor } from '../db/database.ts'
import type { Clock } from '../kernel/time.ts'
import { enqueueDecision, kindRank, type EnqueueOutcome } from './outbox.ts'
import { UpstreamOutboxRepository, type UpstreamAttemptRow, type UpstreamRecordRow } from './outbox-repository.ts'
import type { UpstreamRecord } from './records.ts'

export interface EnqueueOptions {
  /** The platform's deadline for these records (a day's attendance: 24:00 that day in the project's zone). */
  dueByMs?: number | null
}

export class UpstreamOutbox {
  private readonly repo = new UpstreamOutboxRepository()

  constructor(private readonly clock: Clock) {}

  async enqueue(ex: Executor, projectId: string, records: readonly UpstreamRecord[], opts: EnqueueOptions = {}): Promise<Array<{ key: string; outcome: EnqueueOutcome }>> {
    const now = this.clock.nowMs()
    const out: Array<{ key: string; outcome: EnqueueOutcome }> = []
    for (const record of records) {
      const payload = JSON.stringify(record.payload)
      const decision = enqueueDecision(await this.repo.newestRevision(ex, record.kind, record.key), payload)
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

  /** A project's outbox, oldest first: every record with its state, attempts, serial code and reason. */
  async records(ex: Executor, projectId: string): Promise<UpstreamRecordRow[]> {
    return this.repo.recordsOf(ex, projectId)
  }

  /** A project's attempt log, in the order the attempts ended. */
  async attempts(ex: Executor, projectId: string): Promise<UpstreamAttemptRow[]> {
    return this.repo.attemptsOf(ex, projectId)
  }
}
