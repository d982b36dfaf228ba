/**
 * The durable inbox: every frame a device publishes passes through here, and
 * its promise settles only after the outcome (punch, duplicate or rejection)
 * is committed to the database. The broker adapters acknowledge (PUBACK) on
 * that settlement, so nothing acknowledged is ever lost.
 *
 * Frames that arrive while a commit is running are grouped into the next
 * transaction (group commit): one fsync covers a whole batch, which is what
 * makes synchronous=FULL affordable under a site's morning rush. One batch is
 * committed at a time: the next starts only after the previous has settled,
 * so batches never interleave and frames are stored in the order they came.
 * On PostgreSQL a failed statement aborts its whole transaction, so the
 * fallback that keeps one bad frame from failing its batch-mates gives each
 * frame a transaction of its own.
 *
 * When the database fails (a lock held elsewhere, a full disk, an I/O error),
 * the batch goes back to the head of the queue and is tried again with
 * back-off: its promises stay unsettled, so nothing is acknowledged, and the
 * inbox recovers by itself when the database does — on either broker, with
 * no restart. Each attempt waits for a lock at most `db_busy_wait_ms_max`, so
 * the event loop (HTTP, MQTT keep-alives, /health) runs between attempts.
 */
import { LIMITS } from '../config/limits.ts'
import { dbFaultOf, type DbFault } from '../db/faults.ts'
import type { Clock } from '../kernel/time.ts'
import { workDateOf } from '../kernel/time.ts'
import { admit, samePunch, siteCodeOfTopic, type Admission, type Frame, type KnownDevice, type Lookups, type PunchRecord, type RejectReason } from '../punches/admit.ts'
import type { AppendResult, PunchRepository } from '../punches/repository.ts'

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

/** A frame the adapter refused itself (not read whole, or not allowed): kept through the same commit path as any refusal. */
export interface Refusal {
  reason: Extract<RejectReason, 'packet_too_large' | 'publish_not_allowed' | 'payload_too_large' | 'malformed_payload'>
  detail: string
  /**
   * Where the refusal is filed when the adapter knows the sender (an authenticated device): its own project and serial,
   * not the ones its topic claims. Left out, it is filed under the project of the topic's site code.
   */
  sender?: { projectId: string; deviceSerial: string }
  /** How many of the payload's bytes are kept, when fewer than rejected_payload_bytes_max (its size is recorded whole). */
  payloadBytesKept?: number
}

type QueuedFrame = Frame & { source: 'mqtt' | 'http'; refusal?: Refusal }

interface Pending {
  frame: QueuedFrame
  resolve(outcome: IngestOutcome): void
  reject(err: unknown): void
}

export interface InboxStats {
  /** Frames taken into the inbox. */
  received: number
  stored: number
  duplicates: number
  rejected: number
  batches: number
  /** Listeners that threw after a commit; the punches are stored regardless. */
  listenerErrors: number
  /** Commit attempts that failed on a database fault (each is retried). */
  dbFaults: number
  /** Frames not taken because the backlog was full (the device or broker keeps them). */
  refusedBacklogFull: number
}

/** What one commit attempt did, for metrics and logs. */
export type BatchReport =
  | { ok: true; frames: number; seconds: number }
  | { ok: false; frames: number; seconds: number; fault: DbFault; attempt: number; retryInMs: number }

/** The backlog is full: the frame was not taken and must not be acknowledged. */
export class InboxFullError extends Error {
  constructor(readonly backlog: number) {
    super(`ingest backlog full (${backlog} frames waiting for the database); not acknowledged, send again later`)
    this.name = 'InboxFullError'
  }
}

export class PunchInbox {
  private queue: Pending[] = []
  /** The batch being committed, and how many of it are settled: frames that left the queue but are not yet acknowledged. */
  private inFlight: Pending[] = []
  private inFlightSettled = 0
  /** Settles when the batch in flight does; undefined while none is. */
  private commit: Promise<void> | undefined
  lastListenerError: unknown = undefined
  /** True from the moment a drain is due until the queue is empty: at most one drain runs or waits at a time. */
  private scheduled = false
  private stopped = false
  private retryTimer: NodeJS.Timeout | undefined
  /** Consecutive failed attempts; 0 while the database takes commits. */
  private failedAttempts = 0
  private readonly listeners: Array<(batch: CommittedFrame[]) => void | Promise<void>> = []
  /** After-commit work still running (a late punch's adjustment): not waited for by ingest, but by idle() and pending. */
  private readonly listenerWork = new Set<Promise<void>>()
  private readonly reporters: Array<(report: BatchReport) => void> = []
  private readonly frameFailedListeners: Array<(err: unknown, topic: string) => void> = []
  readonly stats: InboxStats = { received: 0, stored: 0, duplicates: 0, rejected: 0, batches: 0, listenerErrors: 0, dbFaults: 0, refusedBacklogFull: 0 }

  constructor(
    private readonly repo: PunchRepository,
    private readonly lookups: Lookups,
    private readonly clock: Clock,
    private readonly batchSizeMax: number = LIMITS.ingest_batch_size_max,
    private readonly backlogMax: number = LIMITS.inbox_backlog_max,
  ) {}

  /** Keeps a frame the adapter has already refused (it could not be read whole); settles once the refusal is committed. */
  refuse(input: InboxFrame, refusal: Refusal): Promise<IngestOutcome> {
    return this.submit(input, refusal)
  }

  submit(input: InboxFrame, refusal?: Refusal): Promise<IngestOutcome> {
    if (this.stopped) return Promise.reject(new Error('the inbox is stopped (the service is closing); not acknowledged, send again later'))
    const backlog = this.pending
    if (backlog >= this.backlogMax) {
      this.stats.refusedBacklogFull++
      return Promise.reject(new InboxFullError(backlog))
    }
    this.stats.received++
    return new Promise<IngestOutcome>((resolve, reject) => {
      const frame: QueuedFrame = { ...input, source: input.source ?? 'mqtt', receivedAtMs: this.clock.nowMs(), refusal }
      this.queue.push({ frame, resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        // setImmediate lets every frame already read from the sockets join this batch.
        setImmediate(() => this.run())
      }
    })
  }

  /** A frame made the service fail (not the database): it was kept as `ingest_failed`; the error is for the log. */
  onFrameFailed(listener: (err: unknown, topic: string) => void): void {
    this.frameFailedListeners.push(listener)
  }

  /** Called after each commit attempt, failed or not (metrics, logs). */
  onBatch(reporter: (report: BatchReport) => void): void {
    this.reporters.push(reporter)
  }

  /**
   * Called after each commit with what it committed (acks to devices, progress counters, adjustments). A listener that
   * returns a promise runs on while the next batch commits; its failure is counted like a thrown one.
   */
  onCommitted(listener: (batch: CommittedFrame[]) => void | Promise<void>): void {
    this.listeners.push(listener)
  }

  /** Frames taken and not yet settled: those queued and those of the batch being committed. */
  get pending(): number {
    return this.queue.length + this.inFlight.length - this.inFlightSettled + this.listenerWork.size
  }

  /** How long the oldest frame still waiting for a commit has waited (0 when none waits). */
  oldestPendingMs(nowMs: number = this.clock.nowMs()): number {
    const oldest = this.inFlight[this.inFlightSettled] ?? this.queue[0]
    return oldest ? Math.max(0, nowMs - oldest.frame.receivedAtMs) : 0
  }

  /** True while the last commit attempt failed and its frames wait for a retry. */
  get failing(): boolean {
    return this.failedAttempts > 0
  }

  /** Stops retrying and taking frames (at close); frames still queued stay unacknowledged. */
  stop(): void {
    this.stopped = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = undefined
  }

  /** Settles once no batch commit is in flight (call after stop(), before the database closes). */
  async idle(): Promise<void> {
    while (this.commit || this.listenerWork.size > 0) {
      if (this.commit) await this.commit
      else await Promise.allSettled([...this.listenerWork])
    }
  }

  private run(): void {
    this.retryTimer = undefined
    if (this.stopped) {
      this.scheduled = false
      return
    }
    this.commit = this.drain().then(
      () => {
        this.commit = undefined
      },
      (err: unknown) => {
        this.commit = undefined
        // A bug of the inbox itself, not of a frame or the database: fail what was in flight (unacknowledged, so the
        // devices send it again) rather than leave it waiting forever, and go on with the rest.
        for (const p of this.inFlight.slice(this.inFlightSettled)) p.reject(err)
        this.inFlight = []
        this.inFlightSettled = 0
        this.next()
      },
    )
  }

  /** The next batch, once this one has settled: batches never overlap. */
  private next(): void {
    if (this.queue.length > 0 && !this.stopped) setImmediate(() => this.run())
    else this.scheduled = false
  }

  private async drain(): Promise<void> {
    const batch = this.queue.splice(0, this.batchSizeMax)
    this.inFlight = batch
    this.inFlightSettled = 0
    const startedMs = performance.now()
    let committed: CommittedFrame[]
    try {
      committed = await this.repo.transaction(() => this.apply(batch.map((p) => p.frame)))
      batch.forEach((p, i) => p.resolve((committed[i] as CommittedFrame).outcome))
    } catch (err) {
      const fault = dbFaultOf(err)
      if (fault) return this.retryLater(batch, fault, startedMs)
      // One frame must not take its batch-mates down: commit each alone and keep only the guilty one aside.
      const alone = await this.oneByOne(batch)
      committed = alone.committed
      if (alone.fault) {
        this.afterCommit(committed, undefined)
        return this.retryLater(alone.unsettled, alone.fault, startedMs)
      }
    }
    this.inFlight = []
    this.inFlightSettled = 0
    this.afterCommit(committed, startedMs)
    this.next()
  }

  /**
   * Each frame in its own transaction (on PostgreSQL the batch's transaction is aborted by the statement that failed,
   * so nothing more could run in it). A frame that fails for a reason other than the database (a bug it triggers) is
   * kept as a rejected input and acknowledged: redelivering it would fail the same way, forever. A database fault
   * stops the walk: that frame and the rest go back to the queue.
   */
  private async oneByOne(batch: Pending[]): Promise<{ committed: CommittedFrame[]; unsettled: Pending[]; fault?: DbFault }> {
    const committed: CommittedFrame[] = []
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i] as Pending
      try {
        const [c] = (await this.repo.transaction(() => this.apply([p.frame]))) as [CommittedFrame]
        committed.push(c)
        this.inFlightSettled++
        p.resolve(c.outcome)
        continue
      } catch (err) {
        const fault = dbFaultOf(err)
        if (fault) return { committed, unsettled: batch.slice(i), fault }
        const detail = `the service failed on this frame (${err instanceof Error ? err.name : 'error'}); it is kept for inspection, report it`
        try {
          const c = await this.repo.transaction(async (): Promise<CommittedFrame> => {
            await this.rejectFrame(p.frame, 'ingest_failed', detail, undefined, undefined, undefined)
            return { device: undefined, recordId: undefined, outcome: { kind: 'rejected', reason: 'ingest_failed', detail } }
          })
          committed.push(c)
          this.inFlightSettled++
          p.resolve(c.outcome)
          for (const l of this.frameFailedListeners) this.safely(() => l(err, p.frame.topic))
        } catch (err2) {
          const fault2 = dbFaultOf(err2)
          if (fault2) return { committed, unsettled: batch.slice(i), fault: fault2 }
          this.inFlightSettled++
          p.reject(err)
        }
      }
    }
    return { committed, unsettled: [] }
  }

  private retryLater(unsettled: Pending[], fault: DbFault, startedMs: number): void {
    this.inFlight = []
    this.inFlightSettled = 0
    this.queue.unshift(...unsettled)
    this.failedAttempts++
    this.stats.dbFaults++
    const retryInMs = Math.min(LIMITS.ingest_retry_ms_max, LIMITS.ingest_retry_ms_min * 2 ** Math.min(this.failedAttempts - 1, 16))
    this.report({ ok: false, frames: unsettled.length, seconds: (performance.now() - startedMs) / 1000, fault, attempt: this.failedAttempts, retryInMs })
    // `scheduled` stays true: frames submitted meanwhile wait for this timer instead of hammering a failing database.
    if (!this.stopped) this.retryTimer = setTimeout(() => this.run(), retryInMs)
  }

  private report(r: BatchReport): void {
    for (const rep of this.reporters) {
      try {
        rep(r)
      } catch {
        // metrics and logs must never stall ingest
      }
    }
  }

  /** A listener's fault must not stall the inbox: what it reacts to is already committed. */
  private safely(fn: () => void | Promise<void>): void {
    const failed = (err: unknown): void => {
      this.stats.listenerErrors++
      this.lastListenerError = err
    }
    try {
      const r = fn()
      if (r instanceof Promise) {
        const work: Promise<void> = r.catch(failed).finally(() => this.listenerWork.delete(work))
        this.listenerWork.add(work)
      }
    } catch (err) {
      failed(err)
    }
  }

  private afterCommit(committed: CommittedFrame[], startedMs: number | undefined): void {
    if (committed.length === 0) return
    this.failedAttempts = 0
    if (startedMs !== undefined) this.report({ ok: true, frames: committed.length, seconds: (performance.now() - startedMs) / 1000 })
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
    for (const l of this.listeners) this.safely(() => l(committed))
  }

  /**
   * Runs inside the batch transaction: database work only (lookups and statements), no timers, no network, and no
   * side effects outside it, since on PostgreSQL the transaction may be run again. Admission first (lookups, cached),
   * then the admitted punches in a few multi-row statements, then each frame's outcome in the order frames came.
   */
  private async apply(frames: QueuedFrame[]): Promise<CommittedFrame[]> {
    const admissions: Array<Admission | undefined> = []
    const punches: PunchRecord[] = []
    for (const frame of frames) {
      const a = frame.refusal ? undefined : await admit(frame, this.lookups)
      admissions.push(a)
      if (a?.ok) punches.push(a.punch)
    }
    const appended = punches.length > 0 ? await this.repo.appendMany(punches) : []
    const duplicates = new Map<string, { deviceId: string; receivedDate: string; n: number }>()
    const out: CommittedFrame[] = []
    let next = 0
    for (const [i, frame] of frames.entries()) {
      const a = admissions[i]
      if (a === undefined) {
        const { reason, detail, sender, payloadBytesKept } = frame.refusal as Refusal
        const siteCode = siteCodeOfTopic(frame.topic)
        const projectId = sender ? sender.projectId : siteCode === undefined ? undefined : await this.lookups.projectIdOfSite(siteCode)
        await this.rejectFrame(frame, reason, detail, projectId, sender?.deviceSerial, undefined, payloadBytesKept)
        out.push({ device: undefined, recordId: undefined, outcome: { kind: 'rejected', reason, detail } })
        continue
      }
      if (!a.ok) {
        await this.rejectFrame(frame, a.reason, a.detail, a.device ?? a.projectId, a.deviceSerial, a.recordId)
        out.push({ device: a.device, recordId: a.recordId, outcome: { kind: 'rejected', reason: a.reason, detail: a.detail } })
        continue
      }
      const r = appended[next++] as AppendResult
      if (r.stored) {
        out.push({ device: a.device, recordId: a.punch.recordId, outcome: { kind: 'stored' }, punch: a.punch })
      } else if (samePunch(r.existing, a.punch)) {
        const receivedDate = workDateOf(frame.receivedAtMs, a.device.timeZone)
        const key = `${a.device.id}\u0000${receivedDate}`
        const d = duplicates.get(key)
        if (d) d.n++
        else duplicates.set(key, { deviceId: a.device.id, receivedDate, n: 1 })
        out.push({ device: a.device, recordId: a.punch.recordId, outcome: { kind: 'duplicate' } })
      } else {
        const detail = `record id "${a.punch.recordId}" was already stored with different content (time ${new Date(r.existing.deviceTimeMs).toISOString()}); a device must never reuse a record id`
        await this.rejectFrame(frame, 'record_id_conflict', detail, a.device, a.device.serial, a.punch.recordId)
        out.push({ device: a.device, recordId: a.punch.recordId, outcome: { kind: 'rejected', reason: 'record_id_conflict', detail } })
      }
    }
    // One counter row per device and day, in key order: two instances counting the same rows take their locks alike.
    for (const key of [...duplicates.keys()].sort()) {
      const d = duplicates.get(key) as { deviceId: string; receivedDate: string; n: number }
      await this.repo.addDuplicates(d.deviceId, d.receivedDate, d.n)
    }
    return out
  }

  private rejectFrame(
    frame: QueuedFrame,
    reason: RejectReason,
    detail: string,
    /** The device when known (its codec redacts what must not be kept), else the project the topic claims. */
    deviceOrProject: KnownDevice | string | undefined,
    deviceSerial: string | undefined,
    recordId: string | undefined,
    payloadBytesKept: number = LIMITS.rejected_payload_bytes_max,
  ): Promise<void> {
    const device = typeof deviceOrProject === 'object' ? deviceOrProject : undefined
    const projectId: string | undefined = typeof deviceOrProject === 'object' ? deviceOrProject.projectId : deviceOrProject
    const payload = device?.codec.redact ? device.codec.redact(frame.payload) : frame.payload
    return this.repo.reject(
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
      Math.min(payloadBytesKept, LIMITS.rejected_payload_bytes_max),
    )
  }
}
