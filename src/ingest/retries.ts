/**
 * Taking a refused input in again (重新接收) once what refused it was put right: a worker enrolled, a 考勤号 set, a
 * device or site registered. The kept bytes go through the inbox as they came (same topic, same sender), so every
 * check runs again and nothing is admitted that a fresh frame would not be: a punch stored (received now, dated by
 * its device time, so a confirmed month gets its adjustment as for any late punch), a duplicate of one stored since,
 * or refused again, kept as any refusal is. Each retry is recorded, append-only, with who asked and why.
 */
import { insertInto, rowOf, selectFrom } from '../db/rows.ts'
import type { Database } from '../db/database.ts'
import { rejectedInputRetries } from '../db/schema/index.ts'
import { AppError } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import type { Clock } from '../kernel/time.ts'
import type { PunchRepository } from '../punches/repository.ts'
import type { IngestOutcome, PunchInbox } from './inbox.ts'
import { eq, sql } from 'drizzle-orm'

export type RetryRow = typeof rejectedInputRetries.$inferSelect

/**
 * The refusals a change of the roster can put right. A frame refused for what it holds (garbled, a clock far behind,
 * a record id reused) would be refused again as it is; a bank file is posted again, not retried.
 */
export const RETRYABLE_REASONS = ['unknown_worker', 'worker_not_enrolled', 'unknown_device', 'unknown_topic'] as const

export class RejectedRetries {
  constructor(
    private readonly db: Database,
    private readonly punches: PunchRepository,
    private readonly inbox: PunchInbox,
    private readonly clock: Clock,
  ) {}

  /** Retries one refused input. The caller has checked the caller's scope on `projectId` (undefined: not found). */
  async retry(id: number, input: { reason: string; actor: string }): Promise<{ retry: RetryRow; outcome: IngestOutcome }> {
    const kept = await this.punches.rejectedPayload(id)
    if (!kept) throw new AppError('rejected_input_not_found', { id })
    if (!(RETRYABLE_REASONS as readonly string[]).includes(kept.reason)) {
      throw new AppError('rejected_input_not_retryable', { id, reason: kept.reason, why: `refused as ${kept.reason}, which taking it in again would not change`, retryable: RETRYABLE_REASONS })
    }
    if (kept.payloadBytes > kept.payload.length) {
      throw new AppError('rejected_input_not_retryable', { id, reason: kept.reason, why: `only ${kept.payload.length} of its ${kept.payloadBytes} bytes were kept`, retryable: RETRYABLE_REASONS })
    }
    const taken = (await this.retriesOf(id)).find((r) => r.outcome !== 'rejected')
    if (taken) throw new AppError('rejected_input_not_retryable', { id, reason: kept.reason, why: `taken in already (${taken.outcome}) on ${new Date(taken.atMs).toISOString()}`, retryable: RETRYABLE_REASONS })
    const meta = await this.punches.rejectedById(id)
    const outcome = await this.inbox.submit({ topic: kept.channel, payload: kept.payload, clientId: meta?.sender ?? undefined, source: kept.source })
    const retry: RetryRow = {
      id: newId(),
      rejectedId: id,
      outcome: outcome.kind,
      refusedReason: outcome.kind === 'rejected' ? outcome.reason : null,
      refusedDetail: outcome.kind === 'rejected' ? outcome.detail : null,
      reason: input.reason.trim(),
      actor: input.actor,
      atMs: this.clock.nowMs(),
    }
    await this.db.run(insertInto(rejectedInputRetries, [retry]))
    return { retry, outcome }
  }

  /** The retries of one refused input, oldest first. */
  async retriesOf(id: number): Promise<RetryRow[]> {
    const rows = await this.db.all(sql`${selectFrom(rejectedInputRetries)} WHERE ${eq(rejectedInputRetries.rejectedId, id)} ORDER BY ${rejectedInputRetries.atMs}, ${rejectedInputRetries.id}`)
    return rows.map((r) => rowOf<RetryRow>(rejectedInputRetries, r))
  }
}
