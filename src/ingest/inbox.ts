/**
 * The durable inbox: every frame a device publishes passes through here, and
 * its promise settles only after the outcome (punch, duplicate or rejection)
 * is committed to the database. The broker adapters acknowledge (PUBACK) on
 * that settlement, so nothing acknowledged is ever lost.
 *
 * Frames that arrive while a commit is running are grouped into the next
 * transaction (group commit): one fsync covers a whole batch, which is what
 * makes synchronous=FULL affordable under a site's morning rush.
 */
import { LIMITS } from '../config/limits.ts'
import type { Clock } from '../kernel/time.ts'
import { workDateOf } from '../kernel/time.ts'
import { admit, samePunch, type Frame, type KnownDevice, type Lookups, type PunchRecord, type RejectReason } from '../punches/admit.ts'
import type { PunchRepository } from '../punches/repository.ts'

export type IngestOutcome =
  | { kind: 'stored' }
  | { kind: 'duplicate' }
  | { kind: 'rejected'; reason: RejectReason; detail: string }

export interface CommittedFrame {
  device: KnownDevice | undefined
  recordId: string | undefined
  outcome: IngestOutcome
  /** The punch, when this frame stored one. */
  punch?: PunchRecord
}

export interface InboxFrame {
  topic: string
  payload: Buffer
  clientId: string | undefined
  source?: 'mqtt' | 'http'
}

interface Pending {
  frame: Frame & { source: 'mqtt' | 'http' }
  resolve(outcome: IngestOutcome): void
  reject(err: unknown): void
}

export interface InboxStats {
  stored: number
  duplicates: number
  rejected: number
  batches: number
  /** Listeners that threw after a commit; the punches are stored regardless. */
  listenerErrors: number
}

export class PunchInbox {
  private queue: Pending[] = []
  lastListenerError: unknown = undefined
  private scheduled = false
  private readonly listeners: Array<(batch: CommittedFrame[]) => void> = []
  readonly stats: InboxStats = { stored: 0, duplicates: 0, rejected: 0, batches: 0, listenerErrors: 0 }

  constructor(
    private readonly repo: PunchRepository,
    private readonly lookups: Lookups,
    private readonly clock: Clock,
    private readonly batchSizeMax: number = LIMITS.ingest_batch_size_max,
  ) {}

  submit(input: InboxFrame): Promise<IngestOutcome> {
    return new Promise<IngestOutcome>((resolve, reject) => {
      const frame = { ...input, source: input.source ?? 'mqtt', receivedAtMs: this.clock.nowMs() }
      this.queue.push({ frame, resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        // setImmediate lets every frame already read from the sockets join this batch.
        setImmediate(() => this.drain())
      }
    })
  }

  /** Called after each commit with what it committed (acks to devices, progress counters). */
  onCommitted(listener: (batch: CommittedFrame[]) => void): void {
    this.listeners.push(listener)
  }

  get pending(): number {
    return this.queue.length
  }

  private drain(): void {
    const batch = this.queue.splice(0, this.batchSizeMax)
    let committed: CommittedFrame[] = []
    try {
      committed = this.repo.transaction(() => batch.map((p) => this.apply(p.frame)))
      batch.forEach((p, i) => p.resolve((committed[i] as CommittedFrame).outcome))
    } catch {
      // One frame must not take its batch-mates down: commit each alone and fail only the guilty one.
      committed = []
      for (const p of batch) {
        try {
          const c = this.repo.transaction(() => this.apply(p.frame))
          committed.push(c)
          p.resolve(c.outcome)
        } catch (err) {
          p.reject(err)
        }
      }
    }
    this.stats.batches++
    for (const c of committed) {
      switch (c.outcome.kind) {
        case 'stored':
          this.stats.stored++
          break
        case 'duplicate':
          this.stats.duplicates++
          break
        case 'rejected':
          this.stats.rejected++
          break
      }
    }
    for (const l of this.listeners) {
      // A listener's fault must not stall the inbox: what it reacts to is already committed.
      try {
        l(committed)
      } catch (err) {
        this.stats.listenerErrors++
        this.lastListenerError = err
      }
    }
    if (this.queue.length > 0) setImmediate(() => this.drain())
    else this.scheduled = false
  }

  /** Runs inside the batch transaction: synchronous, no I/O but the database. */
  private apply(frame: Frame & { source: 'mqtt' | 'http' }): CommittedFrame {
    const a = admit(frame, this.lookups)
    if (a.ok) {
      const r = this.repo.append(a.punch)
      if (r.stored) return { device: a.device, recordId: a.punch.recordId, outcome: { kind: 'stored' }, punch: a.punch }
      if (samePunch(r.existing, a.punch)) {
        this.repo.addDuplicates(a.device.id, workDateOf(frame.receivedAtMs, a.device.timeZone), 1)
        return { device: a.device, recordId: a.punch.recordId, outcome: { kind: 'duplicate' } }
      }
      const detail = `record id "${a.punch.recordId}" was already stored with different content (time ${new Date(r.existing.deviceTimeMs).toISOString()}); a device must never reuse a record id`
      this.rejectFrame(frame, 'record_id_conflict', detail, a.device, a.device.serial, a.punch.recordId)
      return { device: a.device, recordId: a.punch.recordId, outcome: { kind: 'rejected', reason: 'record_id_conflict', detail } }
    }
    this.rejectFrame(frame, a.reason, a.detail, a.device ?? a.projectId, a.deviceSerial, a.recordId)
    return { device: a.device, recordId: a.recordId, outcome: { kind: 'rejected', reason: a.reason, detail: a.detail } }
  }

  private rejectFrame(
    frame: Frame & { source: 'mqtt' | 'http' },
    reason: RejectReason,
    detail: string,
    /** The device when known (its codec redacts what must not be kept), else the project the topic claims. */
    deviceOrProject: KnownDevice | string | undefined,
    deviceSerial: string | undefined,
    recordId: string | undefined,
  ): void {
    const device = typeof deviceOrProject === 'object' ? deviceOrProject : undefined
    const projectId: string | undefined = typeof deviceOrProject === 'object' ? deviceOrProject.projectId : deviceOrProject
    const payload = device?.codec.redact ? device.codec.redact(frame.payload) : frame.payload
    this.repo.reject(
      {
        source: frame.source,
        channel: frame.topic,
        sender: frame.clientId ?? null,
        projectId: projectId ?? null,
        deviceSerial: deviceSerial ?? null,
        recordId: recordId ?? null,
        reason,
        detail,
        payload,
        receivedAtMs: frame.receivedAtMs,
      },
      LIMITS.rejected_payload_bytes_max,
    )
  }
}
