/**
 * The pure parts of case notifications (通知): what a webhook carries, how it is signed, and when a failed delivery
 * is tried again. The outbox table, the HTTP client and the delivery log are the integrator's; nothing here does I/O
 * (HMAC and SHA-256 are computations).
 *
 * Which events are sent: a case opened, escalated or reopened (`NOTIFIED_EVENTS`), the moments someone must act.
 *
 * Signature (the scheme Stripe uses, GitHub's idea of an HMAC over the raw body):
 *
 *   Wage-Ledger-Signature: t=1767225600,v1=5257a869e7…
 *
 * - `t` is the signing time in Unix seconds; `v1` is the lowercase hex HMAC-SHA256, keyed with the endpoint's secret
 *   (its UTF-8 bytes), of the string `${t}.${body}` where body is the exact bytes sent (UTF-8 JSON). During a secret
 *   rotation the header carries one `v1=` per active secret.
 * - A receiver: splits the header on `,` and each part on the first `=`; takes `t` and every `v1`; computes the HMAC
 *   of `${t}.${rawBody}` with its secret; accepts when one `v1` equals it in constant time (crypto.timingSafeEqual)
 *   and |now − t| ≤ SIGNATURE_TOLERANCE_S (five minutes), which stops a captured delivery being replayed later. It
 *   should then drop deliveries whose `id` it has already seen (a retry re-sends the same id, freshly signed).
 *
 * Retries: exponential back-off with jitter, capped, given up after WEBHOOK_ATTEMPTS_MAX attempts or
 * WEBHOOK_GIVE_UP_AFTER_MS after the first; see `nextAttempt`. A dead endpoint only fills its own outbox rows: the
 * run that produced the event has long committed.
 */
import { createHmac, createHash, timingSafeEqual } from 'node:crypto'
import { maskDeep } from '../access/masking.ts'
import { formatYuan, type Fen } from '../kernel/money.ts'
import { HOUR_MS } from '../kernel/time.ts'
import { maskCard } from '../roster/identity.ts'
import type { CaseEvent, CaseEventType, FlagCase, Severity } from './cases.ts'

export const SIGNATURE_HEADER = 'Wage-Ledger-Signature'
/** How far a receiver lets the signing time stray from its clock. */
export const SIGNATURE_TOLERANCE_S = 300

export const NOTIFIED_EVENTS: readonly CaseEventType[] = ['opened', 'escalated', 'reopened']

export const isNotified = (e: CaseEvent): boolean => NOTIFIED_EVENTS.includes(e.type)

/**
 * The case's id outside the service: a digest of its key, stable for the case's life, so a receiver can thread
 * deliveries. The key itself may hold a full card number (a card no worker owns) and is never sent.
 */
export function publicCaseId(caseKey: string): string {
  return createHash('sha256').update(caseKey, 'utf8').digest('hex').slice(0, 32)
}

export interface WebhookPayload {
  /** The delivery's id: the stored event's id, the same on every retry (receivers deduplicate on it). */
  id: string
  type: `case.${CaseEventType}`
  /** When the event happened (ISO 8601 UTC). */
  occurredAt: string
  case: {
    id: string
    kind: string
    flagKind: string
    projectId: string
    month: string
    workerId: string | null
    /** Masked: ****1234. */
    payeeCard: string | null
    state: FlagCase['state']
    severity: Severity
    ageDays: number
    reopenings: number
    dueFen: Fen | null
    dueYuan: string | null
    paidFen: Fen | null
    paidYuan: string | null
  }
  /** What happened: for escalations the clock and threshold, for openings and reopenings the flag's evidence (masked). */
  detail: Record<string, unknown>
}

/** What the payload needs that the case alone does not hold. */
export interface PayloadContext {
  eventId: string
  /** The case after the event (folded with it). */
  case: FlagCase
  severity: Severity
  ageDays: number
}

function detailOf(e: CaseEvent): Record<string, unknown> {
  switch (e.type) {
    case 'opened':
      return { runId: e.runId, evidence: e.evidence }
    case 'updated':
      return { runId: e.runId, before: e.before, evidence: e.evidence }
    case 'reopened':
      return { runId: e.runId, reason: e.reason, reopenings: e.reopenings, evidence: e.evidence }
    case 'resolved':
      return { runId: e.runId, before: e.before, became: e.became }
    case 'escalated':
      return { clock: e.clock, thresholdDays: e.thresholdDays, ageDays: e.ageDays, dueDate: e.dueDate }
    case 'acknowledged':
      return { actor: { id: e.actor.id, role: e.actor.role, label: e.actor.label } }
    case 'dismissed':
      return { actor: { id: e.actor.id, role: e.actor.role, label: e.actor.label }, reason: e.reason }
    case 'commented':
      return { actor: { id: e.actor.id, role: e.actor.role, label: e.actor.label }, text: e.text }
  }
}

/**
 * The payload of one case event. No full card or ID number leaves: the card is masked, the key replaced by its
 * digest, and the detail (evidence, free text) passed through maskDeep, which masks card, account, ID and phone
 * numbers wherever they sit.
 */
export function casePayload(event: CaseEvent, ctx: PayloadContext): WebhookPayload {
  const c = ctx.case
  return {
    id: ctx.eventId,
    type: `case.${event.type}`,
    occurredAt: new Date(event.atMs).toISOString(),
    case: {
      id: publicCaseId(c.key),
      kind: c.kind,
      flagKind: c.flagKind,
      projectId: c.projectId,
      month: c.month,
      workerId: c.workerId,
      payeeCard: c.payeeCard === null ? null : maskCard(c.payeeCard),
      state: c.state,
      severity: ctx.severity,
      ageDays: ctx.ageDays,
      reopenings: c.reopenings,
      dueFen: c.dueFen,
      dueYuan: c.dueFen === null ? null : formatYuan(c.dueFen),
      paidFen: c.paidFen,
      paidYuan: c.paidFen === null ? null : formatYuan(c.paidFen),
    },
    detail: maskDeep(detailOf(event)) as Record<string, unknown>,
  }
}

/** The body as sent: the bytes that are signed. */
export const payloadBody = (payload: WebhookPayload): string => JSON.stringify(payload)

const hmacHex = (secret: string, timestampS: number, body: string): string => createHmac('sha256', secret).update(`${timestampS}.${body}`, 'utf8').digest('hex')

/** The signature header's value for a body signed at `timestampS`, one `v1` per secret (rotation: the new one first). */
export function signatureHeader(secrets: readonly string[], body: string, timestampS: number): string {
  return [`t=${Math.trunc(timestampS)}`, ...secrets.map((s) => `v1=${hmacHex(s, Math.trunc(timestampS), body)}`)].join(',')
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'malformed_header' | 'timestamp_out_of_tolerance' | 'no_matching_signature' }

/** The receiver's check, as documented above: what an integrator's test (or a receiver in TypeScript) runs. */
export function verifySignature(header: string, body: string, secret: string, nowS: number, toleranceS: number = SIGNATURE_TOLERANCE_S): SignatureCheck {
  let t: number | undefined
  const v1: string[] = []
  for (const part of header.split(',')) {
    const at = part.indexOf('=')
    if (at < 0) continue
    const name = part.slice(0, at).trim()
    const value = part.slice(at + 1).trim()
    if (name === 't' && /^\d{1,12}$/.test(value)) t = Number(value)
    else if (name === 'v1' && /^[0-9a-f]{64}$/.test(value)) v1.push(value)
  }
  if (t === undefined || v1.length === 0) return { ok: false, reason: 'malformed_header' }
  if (Math.abs(nowS - t) > toleranceS) return { ok: false, reason: 'timestamp_out_of_tolerance' }
  const expected = Buffer.from(hmacHex(secret, t, body), 'hex')
  return v1.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected)) ? { ok: true } : { ok: false, reason: 'no_matching_signature' }
}

// ---------------------------------------------------------------------------------------------------------------------
// Retries

/** The first retry waits about this long; each later one twice the previous. */
export const WEBHOOK_BACKOFF_BASE_MS = 30_000
/** No wait is longer than this, however many attempts failed. */
export const WEBHOOK_BACKOFF_CAP_MS = 2 * HOUR_MS
/** Attempts in all (the first delivery included). With the waits below (`retryDelayMs`), the last comes 8 to 16 hours after
 * the first: a receiver down overnight still gets everything. */
export const WEBHOOK_ATTEMPTS_MAX = 16
/** A delivery older than this is given up whatever its count: a receiver back after three days reads the cases instead. */
export const WEBHOOK_GIVE_UP_AFTER_MS = 72 * HOUR_MS

/**
 * The wait after failed attempt number `attempt` (1 = the first delivery): the exponential step
 * min(cap, base × 2^(attempt−1)), of which the second half is jittered ("equal jitter": step/2 + random × step/2), so
 * receivers coming back from an outage are not hit by every sender at once, yet no wait is shorter than half its step.
 * `random` is any source of numbers in [0, 1); values outside are clamped.
 *
 * | attempt failed | step    |   | attempt failed | step     |
 * |----------------|---------|---|----------------|----------|
 * | 1              | 30 s    |   | 6              | 16 min   |
 * | 2              | 1 min   |   | 7              | 32 min   |
 * | 3              | 2 min   |   | 8              | 64 min   |
 * | 4              | 4 min   |   | 9 and after    | 2 h (cap)|
 * | 5              | 8 min   |   |                |          |
 */
export function retryDelayMs(attempt: number, random: () => number): number {
  const n = Number.isFinite(attempt) ? Math.max(1, Math.trunc(attempt)) : 1
  // 2^(n−1) stops growing long before it could overflow: past the cap it no longer matters.
  const step = Math.min(WEBHOOK_BACKOFF_CAP_MS, WEBHOOK_BACKOFF_BASE_MS * 2 ** Math.min(n - 1, 30))
  const r = random()
  const jitter = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0
  return Math.floor(step / 2 + jitter * (step / 2))
}

/** What an attempt's response means: 2xx delivered; 410 Gone (the receiver says the endpoint is no more) stops; the rest retries. */
export type AttemptOutcome = { status: number } | { error: 'timeout' | 'network' }

export function isDelivered(outcome: AttemptOutcome): boolean {
  return 'status' in outcome && outcome.status >= 200 && outcome.status < 300
}

export type NextAttempt = { kind: 'delivered' } | { kind: 'retry'; atMs: number; attempt: number } | { kind: 'give_up'; reason: 'gone' | 'attempts_exhausted' | 'too_old' }

/**
 * After attempt number `attempt` (1-based) ended with `outcome` at `nowMs`: delivered, retry at a time, or give up
 * (410 Gone, WEBHOOK_ATTEMPTS_MAX attempts made, or the next try would fall past WEBHOOK_GIVE_UP_AFTER_MS from the
 * first attempt).
 */
export function nextAttempt(input: { attempt: number; firstAttemptAtMs: number; nowMs: number; outcome: AttemptOutcome; random: () => number }): NextAttempt {
  if (isDelivered(input.outcome)) return { kind: 'delivered' }
  if ('status' in input.outcome && input.outcome.status === 410) return { kind: 'give_up', reason: 'gone' }
  if (input.attempt >= WEBHOOK_ATTEMPTS_MAX) return { kind: 'give_up', reason: 'attempts_exhausted' }
  const atMs = input.nowMs + retryDelayMs(input.attempt, input.random)
  if (atMs - input.firstAttemptAtMs > WEBHOOK_GIVE_UP_AFTER_MS) return { kind: 'give_up', reason: 'too_old' }
  return { kind: 'retry', atMs, attempt: input.attempt + 1 }
}
