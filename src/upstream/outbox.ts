/**
 * The upstream outbox's rules (上报队列), pure. A record is queued in the transaction that creates what it reports; a
 * sender sends the queued ones in batches and reads the platform's verdicts. Its life:
 *
 *   queued ──take──▶ sending ──taken (serial code)──▶ sent ──verdict──▶ accepted | refused
 *      ▲                │                               │
 *      └── no answer, or the call refused (back-off) ───┘ (the platform lost the batch: queued again)
 *
 * - **Exactly once, once accepted.** An accepted record is never sent again. Enqueueing the same key with the same
 *   payload is a no-op; with another payload it is refused by name (`differs_from_accepted`): a correction after
 *   sending is a new record under its own key (records.ts builds those), never an overwrite of what the platform holds.
 * - **A refusal fixed and resent.** A refused record keeps its reason for a person to read; enqueueing its key again
 *   with the fixed payload makes the next revision, queued afresh.
 * - **Order.** Records go out per project and kind in the order they were queued (so each worker's in order): a lane
 *   sends its oldest queued records, and waits while its oldest unsettled one waits (back-off, or a verdict). A kind
 *   waits while a record of an earlier kind of its project is unsettled, whenever it was queued (the platform refuses
 *   attendance of a worker it does not know yet): KIND_ORDER. A refused record settles: it holds nothing up.
 * - **Withdrawn while queued.** What it reports no longer stands before it went out (a punch voided by a correction):
 *   a guarded change queued → withdrawn, never sent, settled (it holds nothing up). Once sending, sent or accepted it
 *   is left as it is: the platform has it or may have it. The same key queued again (the void revoked) is the next
 *   revision.
 * - **No answer** (refused connection, timeout) says nothing about whether the platform took the batch; it is sent
 *   again after the back-off. Down means no connection, so nothing is doubled; a batch lost after the platform read it
 *   can be (the docking scheme has no idempotency key): the platform sees the same record twice, never a different one.
 *   So can a batch whose verdict the platform refuses for a day (verdict_wait_ms_max): it is taken as lost and resent.
 */
import type { RecordKind } from './records.ts'

export type OutboxState = 'queued' | 'sending' | 'sent' | 'accepted' | 'refused' | 'withdrawn'
export const OUTBOX_STATES = ['queued', 'sending', 'sent', 'accepted', 'refused', 'withdrawn'] as const satisfies readonly OutboxState[]
/** States still to be settled: they hold their lane. */
export const UNSETTLED_STATES: readonly OutboxState[] = ['queued', 'sending', 'sent']

/** add: a batch call; result: the verdict read. */
export type AttemptAction = 'add' | 'result'
/**
 * taken (a serial code), unreachable (no answer), call_refused (an error code), accepted, refused, lost (the platform
 * no longer knows the batch), requeued (the batch failed (处理失败) for other records: this one is sent again).
 */
export type AttemptOutcome = 'taken' | 'unreachable' | 'call_refused' | 'accepted' | 'refused' | 'lost' | 'requeued'

/** The platform's order: a team before its workers, a worker before their entry, attendance and pay. */
export const KIND_ORDER: readonly RecordKind[] = ['TeamMaster', 'ProjectWorker', 'EntryExitHistory', 'WorkerAttendance', 'PayRoll', 'PayRollDetail']

export function kindRank(kind: RecordKind): number {
  return KIND_ORDER.indexOf(kind)
}

export const UPSTREAM_LIMITS = {
  /** The first retry's delay; each later one doubles it. */
  retry_base_ms: 30_000,
  /** Retries never wait longer than this: an hour's outage is caught up within the hour after. */
  retry_cap_ms: 30 * 60_000,
  /** How often a batch's verdict is asked for while the platform has it pending. */
  poll_interval_ms: 10_000,
  /** A batch claimed this long ago with no outcome was lost with its sender (well past the call's timeout). */
  claim_stale_ms: 5 * 60_000,
  /**
   * A batch whose verdict the platform still refuses to give (-1: it does not know the serial code) this long after it
   * was taken is taken as lost by the platform and queued again. A day: far beyond any platform's handling time, and
   * the day's attendance is then still late rather than never sent.
   */
  verdict_wait_ms_max: 24 * 3_600_000,
  /** Lanes looked at per pass. */
  lanes_per_pass_max: 100,
} as const

/**
 * When to try again after `attempts` calls that got nowhere: base × 2^(attempts−1), capped, with ±20 % jitter so that
 * projects whose calls failed together do not all come back in the same second.
 */
export function nextAttemptAtMs(attempts: number, nowMs: number, random: () => number, limits: { retry_base_ms: number; retry_cap_ms: number } = UPSTREAM_LIMITS): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30)
  const delay = Math.min(limits.retry_cap_ms, limits.retry_base_ms * 2 ** exponent)
  const jitter = 0.8 + 0.4 * Math.min(Math.max(random(), 0), 1)
  return nowMs + Math.round(delay * jitter)
}

/** What enqueueing a record came to. */
export type EnqueueOutcome =
  | 'queued'
  /** The same key and payload are already in the outbox (in any state but refused): nothing to do. */
  | 'already_queued'
  /** The newest revision was refused: this one (fixed, or the same once its cause is put right) is queued as the next. */
  | 'revised'
  /** The platform accepted another payload under this key: a correction is a new record with its own key. */
  | 'differs_from_accepted'
  /** Another payload under this key is on its way: wait for its verdict, then fix it if refused. */
  | 'differs_in_flight'
  /** Refused with this very payload: held until a person resends it (holdRefused). */
  | 'held_refused'

export interface NewestRevision {
  revision: number
  state: OutboxState
  payload: string
}

/**
 * holdRefused: a refused record enqueued again with the same payload waits for a person (`held_refused`) instead of
 * going out again: the sweeps re-enqueue everything, and the platform would refuse it again for the same reason. A
 * different payload (the data fixed in the ledger) is still queued as the next revision; a person's resend passes
 * holdRefused false.
 */
export function enqueueDecision(newest: NewestRevision | undefined, payload: string, opts: { holdRefused?: boolean } = {}): { outcome: EnqueueOutcome; revision: number | null } {
  if (newest === undefined) return { outcome: 'queued', revision: 1 }
  if (newest.state === 'withdrawn') return { outcome: 'queued', revision: newest.revision + 1 }
  if (newest.payload === payload && newest.state !== 'refused') return { outcome: 'already_queued', revision: null }
  if (newest.payload === payload && opts.holdRefused === true) return { outcome: 'held_refused', revision: null }
  switch (newest.state) {
    case 'refused':
      // Fixed, or the same again once what made the platform refuse it is put right (a worker registered since).
      return { outcome: 'revised', revision: newest.revision + 1 }
    case 'accepted':
      return { outcome: 'differs_from_accepted', revision: null }
    case 'queued':
    case 'sending':
    case 'sent':
      return { outcome: 'differs_in_flight', revision: null }
  }
}

/** The verdict of each record of a handled batch, by its place in the batch. */
export function verdicts(size: number, failList: ReadonlyArray<{ index: number; reason: string }>): Array<{ accepted: true } | { accepted: false; reason: string }> {
  const reasons = new Map<number, string>()
  for (const f of failList) if (f.index >= 0 && f.index < size) reasons.set(f.index, reasons.has(f.index) ? `${reasons.get(f.index)}; ${f.reason}` : f.reason)
  return Array.from({ length: size }, (_, i) => {
    const reason = reasons.get(i)
    return reason === undefined ? { accepted: true as const } : { accepted: false as const, reason }
  })
}
