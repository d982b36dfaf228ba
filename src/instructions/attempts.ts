/**
 * The rule of attempts (代发重试): given one worker-month's instruction lines and the bank's results that may answer
 * them, which attempt is live, whether a new attempt may be made, and its number. Pure: no clock, no database.
 *
 * A result answers a line by its EndToEndId when it carries one (the bank returns ours untouched). A result without
 * one answers by card and amount: the failed (or returned) ones of a card and amount are given to that card and
 * amount's lines not already answered by EndToEndId, one each, oldest attempt first — two failures of the same card
 * and amount answer two attempts, never one twice.
 *
 * Paid: a successful result with the attempt's EndToEndId, or without an EndToEndId to its card for its amount, makes
 * the attempt paid, and a paid payment is never attempted again (a re-issued instruction never pays the same amount
 * twice). A success without our reference for another amount pays no attempt: it is money the worker received (the
 * booked figure counts it, as reconciliation does) but not our payment, which stays at the bank, so no 补发 is sent
 * beside it; a re-attempt of a failed one sends only what is owed once it is counted (reattemptFen).
 *
 * A worker-month may hold more than one payment (补发): when a newer approved version of the sheet raises a paid line,
 * the difference is a payment of its own, a chain of attempts whose first line has no previous line. Each chain is
 * live, paid or failed on its own; the worker-month is live while any chain is, failed while any chain failed and no
 * other is live (its next attempt answers that chain), and paid when every chain is. Attempt numbers run on across
 * chains (they make the EndToEndIds, unique in the month).
 *
 * Paid says that a payment is no longer at the bank, not how much it brought: a bank may book 2,900.00 of a 3,000.00
 * line. What the worker-month was paid is what the bank booked (the payments that stand, as the pay slip and
 * reconciliation count them), and the 补发 of the difference (`topUpFen`) and a re-attempt's amount (`reattemptFen`)
 * are read from that figure, never from the amounts instructed.
 *
 * 'returned' (退票: paid, then sent back by the payee's bank) is a failure of the attempt it answers by EndToEndId,
 * whatever success the same attempt has: the money is back in the dedicated account (issue 11 brings these results).
 * A plain failure and a success of the same attempt read as paid. The order of the results never matters.
 */
import { Money } from '../kernel/money.ts'
import { PAIN001_ATTEMPT_MAX } from './pain001.ts'

export type AttemptResultStatus = 'success' | 'failed' | 'returned'

/** One instruction line of the worker-month (an attempt). */
export interface AttemptLine {
  lineId: string
  attempt: number
  endToEndId: string
  cardNo: string
  amountFen: number
  /** The attempt this one repeats; null or absent for a payment's first attempt. */
  previousLineId?: string | null
  /** When it was instructed: a report posted before then cannot answer it. */
  instructedAtMs?: number
}

/** One bank result that may answer the worker-month's lines (a payout line: its status, EndToEndId, card, amount). */
export interface AttemptResult {
  status: AttemptResultStatus
  endToEndId: string | null
  payeeCard: string
  amountFen: number
  /** When the file that reported it was posted. */
  postedAtMs?: number
}

/**
 * Whether a report without an EndToEndId can answer a line: one to the line's card, posted after the line was made.
 * A report read before a 补发 of the same card and amount was instructed tells of an earlier payment, never of it.
 */
const mayAnswer = (l: AttemptLine, r: AttemptResult): boolean =>
  l.cardNo === r.payeeCard && (r.postedAtMs === undefined || l.instructedAtMs === undefined || l.instructedAtMs <= r.postedAtMs)

export type AttemptOutcome = 'pending' | 'paid' | 'failed'

export type AttemptState =
  /** No instruction line yet: the sheet's instruction makes attempt 1. */
  | { kind: 'none' }
  /** The latest attempt is sent and not answered: wait for the bank. */
  | { kind: 'live'; line: AttemptLine }
  /** Every payment of the worker-month was booked (for whatever amount the bank booked): none is attempted again. */
  | { kind: 'paid'; line: AttemptLine }
  /** The latest attempt failed and nothing paid: attempt `next` may be made, unless `next` is past the maximum. */
  | { kind: 'failed'; line: AttemptLine; next: number; exhausted: boolean }

/** Each line's outcome by the results given, keyed by line id. */
export function outcomes(lines: readonly AttemptLine[], results: readonly AttemptResult[]): Map<string, AttemptOutcome> {
  const sorted = [...lines].sort((a, b) => a.attempt - b.attempt)
  const out = new Map<string, AttemptOutcome>(sorted.map((l) => [l.lineId, 'pending']))
  const byE2e = new Map(sorted.map((l) => [l.endToEndId, l]))
  const answered = new Set<string>()
  // Answers by EndToEndId first, in any order: a return beats a success (the money came back), a success beats a
  // failure (paid is the safe reading: a second payment cannot be taken back).
  const returned = new Set<string>()
  for (const r of results) {
    if (r.endToEndId === null) continue
    const line = byE2e.get(r.endToEndId)
    if (!line) continue
    answered.add(line.lineId)
    if (r.status === 'returned') {
      returned.add(line.lineId)
      out.set(line.lineId, 'failed')
    } else if (r.status === 'success') {
      if (!returned.has(line.lineId)) out.set(line.lineId, 'paid')
    } else if (out.get(line.lineId) === 'pending') {
      out.set(line.lineId, 'failed')
    }
  }
  // Then failures without an EndToEndId, each to one line of the same card and amount not answered yet, oldest
  // attempt first, and only to a line made before the failure was reported.
  const newestFirst = [...sorted].reverse()
  const failedBy = new Set<string>()
  for (const r of results) {
    if (r.endToEndId !== null || r.status === 'success') continue
    const line = sorted.find((l) => !answered.has(l.lineId) && !failedBy.has(l.lineId) && l.amountFen === r.amountFen && mayAnswer(l, r))
    if (line) {
      failedBy.add(line.lineId)
      out.set(line.lineId, 'failed')
    }
  }
  // Successes without an EndToEndId answer a line of their card and amount only: the amount is all that ties a report
  // without our reference to our payment. One of another amount (a stray 代发 from another payer or file, a booking
  // short that does not name us) pays no line of ours: it is the worker's money, counted in what was booked, and our
  // line stays at the bank until its own result comes — paying it on such a report let a 补发 go out beside a payment
  // still to book. The same payment reported again by another file lands on the line it reports.
  for (const r of results) {
    if (r.endToEndId !== null || r.status !== 'success') continue
    const candidates = newestFirst.filter((l) => l.amountFen === r.amountFen && mayAnswer(l, r))
    if (candidates.length === 0) continue
    // A line its own EndToEndId answered keeps that answer when another fits: the report tells of that other.
    const line = candidates.find((l) => out.get(l.lineId) !== 'paid' && !answered.has(l.lineId)) ?? candidates.find((l) => out.get(l.lineId) !== 'paid') ?? candidates.at(-1)
    if (line) out.set(line.lineId, 'paid')
  }
  return out
}

/** The worker-month's payments: chains of attempts, each from its first attempt, attempts in order. */
export function chainsOf(lines: readonly AttemptLine[]): AttemptLine[][] {
  const sorted = [...lines].sort((a, b) => a.attempt - b.attempt)
  const byId = new Map(sorted.map((l) => [l.lineId, l]))
  const rootOf = (l: AttemptLine): string => {
    let at = l
    for (let hops = 0; at.previousLineId && byId.has(at.previousLineId) && hops < sorted.length; hops++) at = byId.get(at.previousLineId)!
    return at.lineId
  }
  const chains = new Map<string, AttemptLine[]>()
  for (const l of sorted) {
    const root = rootOf(l)
    const chain = chains.get(root)
    if (chain) chain.push(l)
    else chains.set(root, [l])
  }
  return [...chains.values()]
}

/** The worker-month's state: what the latest attempt is, and whether a new one may be made. */
export function attemptState(lines: readonly AttemptLine[], results: readonly AttemptResult[]): AttemptState {
  if (lines.length === 0) return { kind: 'none' }
  const o = outcomes(lines, results)
  const next = Math.max(...lines.map((l) => l.attempt)) + 1
  let failed: AttemptLine | undefined
  let paid: AttemptLine | undefined
  for (const chain of chainsOf(lines)) {
    const paidLine = chain.find((l) => o.get(l.lineId) === 'paid')
    if (paidLine) {
      paid = paidLine
      continue
    }
    const latest = chain.at(-1)!
    if (o.get(latest.lineId) !== 'failed') return { kind: 'live', line: latest }
    if (!failed || latest.attempt > failed.attempt) failed = latest
  }
  if (failed) return { kind: 'failed', line: failed, next, exhausted: next > PAIN001_ATTEMPT_MAX }
  return { kind: 'paid', line: paid! }
}

/** Whether a new attempt may be made now, and its number. */
export function nextAttempt(lines: readonly AttemptLine[], results: readonly AttemptResult[]): { ok: true; attempt: number; previous: AttemptLine } | { ok: false; state: AttemptState } {
  const s = attemptState(lines, results)
  if (s.kind === 'failed' && !s.exhausted) return { ok: true, attempt: s.next, previous: s.line }
  return { ok: false, state: s }
}

/**
 * What the worker-month is still owed: its line's net (实发) less what the bank booked, never below zero — a bank that
 * booked more than the line leaves nothing owed, and the overpayment is the reconciliation's to show. `bookedFen` is
 * the payments that stand (each once however many files reported it, none a return undid), as the pay slip reads
 * them (LedgerRepository.monthPayments), not the amounts we instructed: those are what was asked, not what arrived.
 */
export function owedFen(netFen: number, bookedFen: number): number {
  assertFen(netFen, 'netFen')
  assertFen(bookedFen, 'bookedFen')
  return netFen > bookedFen ? new Money(netFen).minus(bookedFen).toNumber() : 0
}

/**
 * The 补发 of the difference a sheet's instruction makes for a line whose worker-month is already instructed: what the
 * line is owed, once no payment of the worker-month is at the bank; nothing while one is, whose money may still arrive,
 * so that the difference is never sent beside a payment that might yet bring it. A failed payment of this line holds
 * it too (its re-attempt sends what the line is owed), but a failed payment of the worker's other line (two teams'
 * sheets) does not: that one's re-attempt is capped by its own line, and a failed payment of a line owed nothing any
 * more (a correction lowered it) can never be re-attempted, so it held the other line's 补发 for good. (Found by review.)
 * `lineHasFailed`: whether a failed payment is of this line; by default any failure holds.
 */
export function topUpFen(state: AttemptState, netFen: number, bookedFen: number, lineHasFailed = true): number {
  if (state.kind === 'paid' || (state.kind === 'failed' && !lineHasFailed)) return owedFen(netFen, bookedFen)
  return 0
}

/** The worker-month's failed payments: the latest attempt of each chain that failed, none of whose attempts was paid. */
export function failedPayments(lines: readonly AttemptLine[], results: readonly AttemptResult[]): AttemptLine[] {
  const o = outcomes(lines, results)
  return chainsOf(lines)
    .filter((chain) => !chain.some((l) => o.get(l.lineId) === 'paid') && o.get(chain.at(-1)!.lineId) === 'failed')
    .map((chain) => chain.at(-1)!)
}

/**
 * A re-attempt's amount: the failed payment's own, unless less is owed. A payment booked short (2,900.00 of 3,000.00)
 * whose difference was topped up, then returned (退票), is owed 2,900.00 again, not the 3,000.00 it was asked for:
 * the 100.00 top-up still stands. 0: nothing is owed, and no re-attempt is made.
 */
export function reattemptFen(previousAmountFen: number, netFen: number, bookedFen: number): number {
  assertFen(previousAmountFen, 'previousAmountFen')
  const owed = owedFen(netFen, bookedFen)
  return owed < previousAmountFen ? owed : previousAmountFen
}

function assertFen(n: number, name: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer of fen, got ${n}`)
}
