/**
 * Case notifications (通知) delivered: webhook endpoints registered by an administrator, an outbox row per notified
 * case event and endpoint, and the deliverer that sends them, signed, with retries (the pure rules: ./webhooks.ts).
 *
 * - **Outbox.** CaseService calls `enqueue` inside the transaction that appends the events (a run's, a person's, the
 *   clock's), so an event is queued if and only if it is stored. Nothing is sent there: a receiver that is slow or
 *   dead never holds a reconciliation's transaction or its month's lock.
 * - **Deliverer.** `deliverDue` (the server runs it every few seconds) takes a bounded batch of due deliveries, and for
 *   each inserts a claim row (delivery, attempt number) before sending. The pair is unique: of two instances (or two
 *   ticks) reaching the same attempt, the insert of the second changes nothing and it leaves the delivery alone, so an
 *   attempt is sent once. Then a POST with the signature header and a timeout; the result is appended with the next
 *   attempt's time (`nextAttempt`). A claim whose result never came (its instance died mid-request) is taken again as
 *   the next attempt once WEBHOOK_CLAIM_STALE_MS have passed: the receiver may then get the same id twice, which the
 *   payload's id is for.
 * - **Order.** Deliveries are sent oldest first but concurrently and retried apart: a receiver must not rely on order
 *   (the event's occurredAt and the case's state say what is newest).
 * - **Secrets** are stored as given, not hashed (they must sign) and not encrypted at rest: out of scope here, as it is
 *   for the workers' cards in the same database.
 */
import { randomBytes } from 'node:crypto'
import type { Database } from '../db/database.ts'
import { AppError } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import type { Clock } from '../kernel/time.ts'
import type { CaseOutbox } from './case-service.ts'
import { WebhookRepository, type AttemptLogRow, type DueDelivery, type EndpointWithState, type WebhookDeliveryRow } from './webhook-repository.ts'
import { nextAttempt, signatureHeader, SIGNATURE_HEADER, WEBHOOK_ATTEMPTS_MAX, WEBHOOK_GIVE_UP_AFTER_MS, type AttemptOutcome, type NextAttempt, type WebhookPayload } from './webhooks.ts'

/** A receiver has this long to answer: a hung one costs a slot of the batch for no longer. */
export const WEBHOOK_TIMEOUT_MS = 10_000
/** Deliveries taken per pass, sent at once: bounds the sockets one instance opens. */
export const WEBHOOK_BATCH = 20
/** An attempt with no result this long after it was taken was lost with its instance (well past the timeout). */
export const WEBHOOK_CLAIM_STALE_MS = 5 * 60_000

/**
 * How far before the give-up age the sweep of deliveries left unfinished looks (an outage of the whole service longer
 * than the give-up age leaves them so), and how often it runs.
 */
export const WEBHOOK_EXPIRY_LOOKBACK_MS = 30 * 24 * 3_600_000
export const WEBHOOK_EXPIRY_SWEEP_MS = 3_600_000

/** What one attempt came to, for the metric: delivered, failed (a retry is scheduled) or gave_up. */
export type DeliveryOutcome = 'delivered' | 'failed' | 'gave_up'

export interface WebhookEndpointView {
  id: string
  url: string
  /** null: every project's cases. */
  projectId: string | null
  createdBy: string
  createdAt: string
  disabled: { by: string; at: string } | null
}

export interface WebhookServiceOptions {
  /** The HTTP client (tests may stub it); default: the global fetch. */
  fetch?: typeof fetch
  timeoutMs?: number
  batch?: number
  /** The jitter's source; default Math.random (spreading retries needs no secret randomness). */
  random?: () => number
}

const viewOf = (e: EndpointWithState): WebhookEndpointView => ({
  id: e.id,
  url: e.url,
  projectId: e.projectId,
  createdBy: e.createdBy,
  createdAt: new Date(e.createdAtMs).toISOString(),
  disabled: e.disabledAtMs === null || e.disabledBy === null ? null : { by: e.disabledBy, at: new Date(e.disabledAtMs).toISOString() },
})

/** An absolute http(s) URL without credentials in it (they would sit in the table and the logs in the clear). */
export function webhookUrlProblem(text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return 'not an absolute URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `scheme ${url.protocol} (http: or https: only)`
  if (url.username !== '' || url.password !== '') return 'a user name or password in the URL'
  return undefined
}

export class WebhookService implements CaseOutbox {
  private readonly repo: WebhookRepository
  private readonly listeners: Array<(outcome: DeliveryOutcome) => void> = []
  /** Who took an attempt, in the log: this process. */
  private readonly instance = `deliverer-${newId()}`
  /** Aborted on stop: a request in flight is cut short (and logged as failed, retried later) rather than outliving the database. */
  private readonly stopping = new AbortController()
  private readonly passes = new Set<Promise<unknown>>()

  constructor(
    db: Database,
    private readonly clock: Clock,
    private readonly opts: WebhookServiceOptions = {},
  ) {
    this.repo = new WebhookRepository(db)
  }

  /** Registers an endpoint. The secret (generated when not given) is in this reply and nowhere else afterwards. */
  async register(input: { url: string; secret?: string; projectId: string | null }, by: string): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
    const problem = webhookUrlProblem(input.url)
    if (problem !== undefined) throw new AppError('webhook_url_invalid', { url: input.url, problem })
    const secret = input.secret ?? `whsec_${randomBytes(24).toString('base64url')}`
    const id = newId()
    await this.repo.insertEndpoint({ id, url: input.url, secret, projectId: input.projectId, createdBy: by, createdAtMs: this.clock.nowMs() })
    return { endpoint: await this.endpoint(id), secret }
  }

  async list(): Promise<WebhookEndpointView[]> {
    return (await this.repo.endpoints()).map(viewOf)
  }

  async endpoint(id: string): Promise<WebhookEndpointView> {
    const e = await this.repo.endpoint(id)
    if (!e) throw new AppError('webhook_not_found', { webhookId: id })
    return viewOf(e)
  }

  /** Disables an endpoint for good: nothing more is queued for it, and what is queued is not sent. Twice is once. */
  async disable(id: string, by: string): Promise<WebhookEndpointView> {
    await this.endpoint(id)
    await this.repo.disable(id, by, this.clock.nowMs())
    return this.endpoint(id)
  }

  /** An endpoint's delivery log: every attempt, with its status or error and what was decided after it. */
  async log(id: string): Promise<AttemptLogRow[]> {
    await this.endpoint(id)
    return this.repo.log(id)
  }

  /**
   * Called inside the appending transaction, by CaseService (case.* events) and the device watch (device.offline,
   * device.online): one outbox row per payload and live endpoint.
   */
  async enqueue(projectId: string, payloads: ReadonlyArray<Pick<WebhookPayload, 'id'> & { type: string }>): Promise<void> {
    if (payloads.length === 0) return
    const endpoints = await this.repo.liveEndpointsOf(projectId)
    const now = this.clock.nowMs()
    const rows: WebhookDeliveryRow[] = endpoints.flatMap((e) =>
      payloads.map((p) => ({ id: newId(), endpointId: e.id, eventId: p.id, projectId, type: p.type, body: JSON.stringify(p), createdAtMs: now })),
    )
    await this.repo.insertDeliveries(rows)
  }

  /** Each attempt's outcome as it is recorded (the server counts them in wl_webhook_deliveries_total). */
  onAttempt(listener: (outcome: DeliveryOutcome) => void): void {
    this.listeners.push(listener)
  }

  /**
   * One pass: the due deliveries (at most a batch), each claimed, sent and logged. Returns what became of the attempts
   * this pass made; deliveries another instance claimed first are not counted.
   */
  async deliverDue(): Promise<Record<DeliveryOutcome, number>> {
    if (this.stopping.signal.aborted) return { delivered: 0, failed: 0, gave_up: 0 }
    const pass = this.pass()
    this.passes.add(pass)
    try {
      return await pass
    } finally {
      this.passes.delete(pass)
    }
  }

  /** Cuts the requests in flight short and waits for their results to be written: before the database closes. */
  async stop(): Promise<void> {
    this.stopping.abort()
    await Promise.allSettled([...this.passes])
  }

  private async pass(): Promise<Record<DeliveryOutcome, number>> {
    const now = this.clock.nowMs()
    const due = await this.repo.due({
      nowMs: now,
      // Older ones have been given up (nextAttempt never schedules past this age), or outlived it unfinished (the
      // service down, a claim lost at the edge): those are not sent late but given up by the sweep below.
      notBeforeMs: now - WEBHOOK_GIVE_UP_AFTER_MS,
      staleStartedBeforeMs: now - WEBHOOK_CLAIM_STALE_MS,
      limit: this.opts.batch ?? WEBHOOK_BATCH,
    })
    const counts: Record<DeliveryOutcome, number> = { delivered: 0, failed: 0, gave_up: 0 }
    const outcomes = await Promise.all(due.map((d) => this.attempt(d)))
    for (const o of outcomes) if (o !== undefined) counts[o]++
    counts.gave_up += await this.expireUnfinished(now)
    return counts
  }

  private lastExpirySweepMs = -Infinity

  /**
   * Deliveries past the give-up age that no attempt finished (never tried, a retry due, a claim lost), because no
   * instance ran for that long: each ends with an attempt given up as too_old, unsent, so the delivery log shows what
   * became of it instead of leaving it pending for ever. At most hourly, over the month before the give-up age.
   */
  private async expireUnfinished(now: number): Promise<number> {
    if (now - this.lastExpirySweepMs < WEBHOOK_EXPIRY_SWEEP_MS) return 0
    this.lastExpirySweepMs = now
    const oldest = now - WEBHOOK_GIVE_UP_AFTER_MS
    let expired = 0
    for (;;) {
      const batch = await this.repo.due({
        nowMs: now,
        notBeforeMs: oldest - WEBHOOK_EXPIRY_LOOKBACK_MS,
        createdUntilMs: oldest - 1,
        staleStartedBeforeMs: now - WEBHOOK_CLAIM_STALE_MS,
        limit: this.opts.batch ?? WEBHOOK_BATCH,
      })
      const before = expired
      for (const d of batch) {
        const attempt = (d.lastAttempt ?? 0) + 1
        if (!(await this.repo.claim(d.id, attempt, this.instance, this.clock.nowMs()))) continue
        await this.repo.recordResult({ deliveryId: d.id, attempt, finishedAtMs: this.clock.nowMs(), statusCode: null, error: null, outcome: 'give_up', nextAtMs: null, reason: 'too_old' })
        for (const l of this.listeners) l('gave_up')
        expired++
      }
      // A full batch all taken by another instance: it is sweeping them; leave the rest to it.
      if (batch.length < (this.opts.batch ?? WEBHOOK_BATCH) || expired === before || this.stopping.signal.aborted) return expired
    }
  }

  private async attempt(d: DueDelivery): Promise<DeliveryOutcome | undefined> {
    const attempt = (d.lastAttempt ?? 0) + 1
    if (!(await this.repo.claim(d.id, attempt, this.instance, this.clock.nowMs()))) return undefined
    let outcome: AttemptOutcome | undefined
    let next: NextAttempt
    if (attempt > WEBHOOK_ATTEMPTS_MAX) {
      // Only lost claims get here (a result stops at the maximum): not sent again.
      next = { kind: 'give_up', reason: 'attempts_exhausted' }
    } else {
      outcome = await this.send(d)
      next = nextAttempt({ attempt, firstAttemptAtMs: d.createdAtMs, nowMs: this.clock.nowMs(), outcome, random: this.opts.random ?? Math.random })
    }
    await this.repo.recordResult({
      deliveryId: d.id,
      attempt,
      finishedAtMs: this.clock.nowMs(),
      statusCode: outcome !== undefined && 'status' in outcome ? outcome.status : null,
      error: outcome !== undefined && 'error' in outcome ? outcome.error : null,
      outcome: next.kind,
      nextAtMs: next.kind === 'retry' ? next.atMs : null,
      reason: next.kind === 'give_up' ? next.reason : null,
    })
    const counted: DeliveryOutcome = next.kind === 'delivered' ? 'delivered' : next.kind === 'retry' ? 'failed' : 'gave_up'
    for (const l of this.listeners) l(counted)
    return counted
  }

  private async send(d: DueDelivery): Promise<AttemptOutcome> {
    const header = signatureHeader([d.secret], d.body, Math.floor(this.clock.nowMs() / 1000))
    try {
      const res = await (this.opts.fetch ?? fetch)(d.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'wage-ledger-webhooks', [SIGNATURE_HEADER]: header },
        body: d.body,
        // A redirect is not a delivery: the receiver fixes its URL (a 3xx is retried, then given up).
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS), this.stopping.signal]),
      })
      // The answer's body is not read: only its status counts.
      await res.body?.cancel().catch(() => {})
      return { status: res.status }
    } catch (err) {
      return { error: err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError') ? 'timeout' : 'network' }
    }
  }
}
