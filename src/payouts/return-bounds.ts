/**
 * A return (退票) cannot bring back more than was paid. The bank sends a payment back, or part of it (less its
 * charges): the returns of one payment, over every file that reports them, add up to at most what it paid. A file
 * whose returns would pass that — a return of 9999.00 for a payment of 9660.00, or a second return of a payment
 * already returned in full — is refused whole (all-or-nothing, as any bad line refuses a file), naming the payment,
 * its amount and what had already come back; stored, it would show a worker more money returned than was ever paid.
 *
 * A payment and the returns that undo it are told apart exactly as reconciliation tells them (`paymentsOf`: by
 * EndToEndId, else by any report's bank reference), so the rule holds for every format that carries returns (camt
 * `RtrInf` and reversals, the CMB 退票 query, text profiles' 退票 lines). Only booked payments are bounded: a return
 * naming no payment on file, or one only pending or failed so far, has no paid amount to bound it (reconciliation lists
 * it for someone to place). Returns may arrive before their payment, so the payment's report is checked too: a payment
 * posted after returns of more than it paid is refused the same way.
 *
 * Pure: the month's stored lines and the file's own in, the lines of the file at fault out.
 */
import { sumFen, type Fen } from '../kernel/money.ts'
import { paymentsOf, type PaidLine } from './reconcile.ts'

export interface ReturnBeyondPaid {
  /** The line of the file at fault: a return, or (returns posted first) the payment's own report. */
  line: PaidLine
  /** The payment's report that counts (its earliest booking): the payment returned. */
  payment: PaidLine
  /** The payment's identity as reconciliation knows it: its EndToEndId, else its bank reference. */
  paymentId: string
  /** What the payment paid: its counted report's amount. */
  paidFen: Fen
  /** What had come back of it before `line`: every return stored, and the file's own returns above this one. */
  alreadyReturnedFen: Fen
}

/**
 * The lines of `added` (a file about to be stored) that would make some booked payment's returns add up to more than
 * it paid, over `stored` (the pay month's lines already held) and `added` together. Empty when the file may be stored.
 */
export function returnsBeyondPaid(stored: readonly PaidLine[], added: readonly PaidLine[]): ReturnBeyondPaid[] {
  if (!added.some((l) => l.status === 'returned' || l.status === 'success')) return []
  const place = new Map(added.map((l, i) => [l.lineId, i]))
  const isAdded = (l: PaidLine): boolean => place.has(l.lineId)
  const { payments } = paymentsOf([...stored, ...added])
  const out: ReturnBeyondPaid[] = []
  for (const p of payments) {
    if (p.outcome !== 'booked' || p.returns.length === 0) continue
    // A month held before this rule may already break it: only what this file brings is refused.
    if (!p.returns.some(isAdded) && !isAdded(p.counted)) continue
    const paidFen = p.counted.amountFen
    const paymentId = p.key
    const storedReturns = p.returns.filter((r) => !isAdded(r))
    const addedReturns = p.returns.filter(isAdded).sort((a, b) => (place.get(a.lineId) ?? 0) - (place.get(b.lineId) ?? 0))
    let already = sumFen(storedReturns.map((r) => r.amountFen))
    for (const r of addedReturns) {
      if (sumFen([already, r.amountFen]) > paidFen) out.push({ line: r, payment: p.counted, paymentId, paidFen, alreadyReturnedFen: already })
      already = sumFen([already, r.amountFen])
    }
    // Returns posted before their payment: the file that books the payment is the one that shows them too large.
    if (addedReturns.length === 0 && already > paidFen) out.push({ line: p.counted, payment: p.counted, paymentId, paidFen, alreadyReturnedFen: already })
  }
  return out.sort((a, b) => (place.get(a.line.lineId) ?? 0) - (place.get(b.line.lineId) ?? 0))
}
