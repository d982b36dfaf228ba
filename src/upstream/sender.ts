/**
 * The upstream sender (上报发送): one pass sends what is due to one platform and reads its verdicts; the server (or a
 * test) runs passes. The rules are outbox.ts's; this file only moves rows and makes calls, and never holds a
 * transaction across a call.
 *
 * A pass:
 * 1. Claims whose sender died mid-call (older than claim_stale_ms) are queued again.
 * 2. Batches the platform holds are asked for their verdict (AsyncHandleResult.Query) when due: pending, ask again
 *    after poll_interval_ms; handled, each record accepted or refused with its reason; no answer, ask again after a
 *    back-off; the serial code unknown to the platform for verdict_wait_ms_max, queued again as lost. A failList index
 *    outside the batch is a protocol fault, kept for the log (protocolFaults); a failed batch's records it leaves
 *    unnamed are then refused with the fault, not sent again into the same failure.
 * 3. Each ready lane (project and kind whose oldest unsettled record is queued and due, and no record of an earlier
 *    kind of its project is unsettled) sends its oldest queued records, at most the platform's batch size, claimed
 *    by a guarded UPDATE first (of two senders, one gets each row). Taken: the serial code is kept and the verdict
 *    asked for later. No answer or an error code: the batch goes back to the queue with the back-off.
 */
import type { Database } from '../db/database.ts'
import { newId } from '../kernel/ids.ts'
import type { Clock } from '../kernel/time.ts'
import type { PlatformClient } from './client.ts'
import { ANSWER_CODES, type AsyncStatus } from './protocol.ts'
import { UPSTREAM_LIMITS, nextAttemptAtMs } from './outbox.ts'
import { UpstreamOutboxRepository, type LaneHead, type NewUpstreamAttempt, type UpstreamRecordRow } from './outbox-repository.ts'
import type { PayloadOf, RecordKind } from './records.ts'

export interface PassCounts {
  /** Records the platform took (a serial code) in this pass. */
  taken: number
  /** Records whose batch got no answer or an error code: queued again with the back-off. */
  retried: number
  accepted: number
  refused: number
}

export interface UpstreamSenderOptions {
  /** The jitter's source (Math.random unless a test fixes it). */
  random?: () => number
  limits?: Partial<Record<keyof typeof UPSTREAM_LIMITS, number>>
  /** The projects this platform takes (a province's), read at each pass; all projects when absent. */
  projects?: () => Promise<readonly string[]>
}

export class UpstreamSender {
  private readonly repo = new UpstreamOutboxRepository()
  private readonly limits: Record<keyof typeof UPSTREAM_LIMITS, number>
  private readonly random: () => number
  private readonly projects: (() => Promise<readonly string[]>) | undefined

  constructor(
    private readonly db: Database,
    private readonly client: PlatformClient,
    private readonly clock: Clock,
    opts: UpstreamSenderOptions = {},
  ) {
    this.limits = { ...UPSTREAM_LIMITS, ...opts.limits }
    this.random = opts.random ?? Math.random
    this.projects = opts.projects
  }

  async pass(): Promise<PassCounts> {
    const counts: PassCounts = { taken: 0, retried: 0, accepted: 0, refused: 0 }
    const now = this.clock.nowMs()
    await this.repo.requeueStale(this.db, now - this.limits.claim_stale_ms, now)
    const projects = this.projects ? await this.projects() : undefined
    // The verdicts asked for together, as the batches were sent: each touches only its own batch's rows.
    await Promise.all((await this.repo.sentDue(this.db, now, this.limits.lanes_per_pass_max, projects)).map(({ requestSerialCode }) => this.poll(requestSerialCode, counts)))
    const heads = await this.repo.laneHeads(this.db, this.limits.lanes_per_pass_max, projects)
    // The platform's kind order per project (team before worker before attendance), judged on the project's whole
    // outbox: a lane of an earlier kind may be past this page of heads.
    const earliest = await this.repo.earliestUnsettledKinds(this.db, [...new Set(heads.map((h) => h.projectId))])
    const ready = heads.filter((h) => h.state === 'queued' && h.nextAttemptAtMs <= now && (earliest.get(h.projectId) ?? h.kindRank) >= h.kindRank)
    await Promise.all(ready.map((h) => this.sendLane(h, counts)))
    return counts
  }

  private async sendLane(head: LaneHead, counts: PassCounts): Promise<void> {
    const token = `batch-${newId()}`
    const rows = await this.repo.claim(this.db, head, this.client.batchSizeMax, token, this.clock.nowMs())
    const first = rows[0]
    if (first === undefined) return
    const kind = first.kind
    const payloads = rows.map((r) => JSON.parse(r.payload) as PayloadOf[RecordKind])
    const outcome = await this.client.add(kind, payloads)
    const at = this.clock.nowMs()
    if (outcome.outcome === 'taken') {
      await this.db.tx(async (tx) => {
        await this.repo.markTaken(tx, rows, token, outcome.requestSerialCode, at + this.limits.poll_interval_ms)
        await this.repo.insertAttempts(tx, rows.map((r) => attempt(r, 'add', 'taken', at, outcome.requestSerialCode, 0, null)))
      })
      counts.taken += rows.length
      return
    }
    const tries = Math.max(...rows.map((r) => r.attempts)) + 1
    const nextAt = nextAttemptAtMs(tries, at, this.random, this.limits)
    const reason = outcome.outcome === 'unreachable' ? `no answer: ${outcome.error}` : `refused the call (${outcome.code}): ${outcome.message}`
    await this.db.tx(async (tx) => {
      await this.repo.markRetry(tx, token, nextAt, reason)
      await this.repo.insertAttempts(
        tx,
        rows.map((r) => attempt(r, 'add', outcome.outcome === 'unreachable' ? 'unreachable' : 'call_refused', at, null, outcome.outcome === 'refused' ? outcome.code : null, reason)),
      )
    })
    counts.retried += rows.length
  }

  private async poll(serial: string, counts: PassCounts): Promise<void> {
    const q = await this.client.query(serial)
    const at = this.clock.nowMs()
    if (q.outcome === 'refused' && q.code === ANSWER_CODES.bad_parameters && (await this.lostSince(serial, at))) {
      // The platform has not known the serial code for a day: the batch was lost there. Queued again, in its place.
      const reason = `verdict refused (${q.code}): ${q.message}`
      await this.db.tx(async (tx) => {
        const rows = await this.repo.sentOf(tx, serial)
        await this.repo.requeueLost(tx, serial, at, reason)
        await this.repo.insertAttempts(tx, rows.map((r) => attempt(r, 'result', 'lost', at, serial, q.code, reason)))
      })
      counts.retried += 1
      return
    }
    if (q.outcome !== 'result') {
      // No answer, or the query refused: ask again after a back-off; the batch stays with the platform.
      await this.repo.pollLater(this.db, serial, nextAttemptAtMs(2, at, this.random, this.limits))
      return
    }
    if (q.result.status === '0') {
      await this.repo.pollLater(this.db, serial, at + this.limits.poll_interval_ms)
      return
    }
    // Failed as a whole without a reason per record: every record carries the batch's.
    const failed = q.result.status === '10'
    const whole = failed && q.result.failList.length === 0 ? q.result.result || 'the batch failed' : null
    const status = q.result.status
    const fault = await this.db.tx(async (tx) => {
      const rows = await this.repo.sentOf(tx, serial)
      const log: NewUpstreamAttempt[] = []
      // An index outside the batch names no record that was sent (a platform counting from 1, say): a protocol fault.
      // The indexes in range are read as ever.
      const size = await this.repo.batchSize(tx, serial)
      const reasons = new Map<number, string>()
      const outside: number[] = []
      for (const f of q.result.failList) {
        if (f.index < 0 || f.index >= size) outside.push(f.index)
        else reasons.set(f.index, reasons.has(f.index) ? `${reasons.get(f.index)}; ${f.reason}` : f.reason)
      }
      const reasonOf = (r: UpstreamRecordRow): string | undefined => whole ?? (r.batchIndex === null ? undefined : reasons.get(r.batchIndex))
      // The refused one by one with their reasons; the rest of the batch accepted in one statement.
      for (const r of rows) {
        const reason = reasonOf(r)
        if (reason === undefined || !(await this.repo.settle(tx, r.id, 'refused', reason, at))) continue
        log.push(attempt(r, 'result', 'refused', at, serial, 0, reason))
        counts.refused++
      }
      const refusedIndexes = rows.flatMap((r) => (reasonOf(r) !== undefined && r.batchIndex !== null ? [r.batchIndex] : []))
      if (failed && whole === null && outside.length > 0) {
        // A failed batch stored none of it, and its answer cannot say which of the others failed it: sent again, the
        // batch would fail the same way at once, and again. Refused with the fault, for a person to take up with the
        // platform and resend.
        const faulted = `the batch failed (${q.result.result || '处理失败'}) naming records outside it (index ${outside.join(', ')} of a batch of ${size}): the platform's answer cannot say which record failed; resend once checked with the platform`
        for (const r of rows) {
          if (reasonOf(r) !== undefined || !(await this.repo.settle(tx, r.id, 'refused', faulted, at))) continue
          log.push(attempt(r, 'result', 'refused', at, serial, 0, faulted))
          counts.refused++
        }
      } else if (failed && whole === null) {
        // A failed batch (处理失败) stored none of it: the records it did not name were not at fault and go out again.
        const requeued = `the batch failed (${q.result.result || '处理失败'}) because of other records: sent again`
        for (const r of rows) if (reasonOf(r) === undefined) log.push(attempt(r, 'result', 'requeued', at, serial, 0, requeued))
        await this.repo.requeueLost(tx, serial, at, requeued)
      }
      const accepted = failed ? new Set<number>() : await this.repo.acceptBatch(tx, serial, refusedIndexes, at)
      for (const r of rows) {
        if (!accepted.has(Number(r.id))) continue
        log.push(attempt(r, 'result', 'accepted', at, serial, 0, null))
        counts.accepted++
      }
      await this.repo.insertAttempts(tx, log)
      const first = rows[0]
      return outside.length > 0 && first !== undefined ? { requestSerialCode: serial, projectId: first.projectId, kind: first.kind, status, size, indexes: outside } : undefined
    })
    // Kept to a bound when no runner empties it (a test, a CLI): the oldest go first.
    if (fault) {
      if (this.protocolFaults.length >= PROTOCOL_FAULTS_MAX) this.protocolFaults.shift()
      this.protocolFaults.push(fault)
    }
  }

  /**
   * Verdicts whose failList named indexes outside their batch (a protocol fault of the platform's): the runner logs
   * each once (upstream_protocol_fault) and empties this list.
   */
  protocolFaults: Array<{ requestSerialCode: string; projectId: string; kind: RecordKind; status: AsyncStatus; size: number; indexes: number[] }> = []

  /** True when the batch was taken longer ago than the platform may take to know it. */
  private async lostSince(serial: string, nowMs: number): Promise<boolean> {
    const rows = await this.repo.sentOf(this.db, serial)
    const takenAt = Math.min(...rows.map((r) => r.claimedAtMs ?? nowMs))
    return rows.length > 0 && nowMs - takenAt >= this.limits.verdict_wait_ms_max
  }
}

/** Protocol faults kept for the log between two runner rounds. */
const PROTOCOL_FAULTS_MAX = 1_000

function attempt(
  r: UpstreamRecordRow,
  action: NewUpstreamAttempt['action'],
  outcome: NewUpstreamAttempt['outcome'],
  atMs: number,
  requestSerialCode: string | null,
  code: number | null,
  detail: string | null,
): NewUpstreamAttempt {
  return { recordId: r.id, action, outcome, atMs, requestSerialCode, code, detail }
}
