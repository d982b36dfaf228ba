/**
 * A return (退票) cannot bring back more than was paid. The bank sends a payment back, whole or less its charges, so
 * a return of 9999.00 for a payment of 9660.00 is a wrong amount or a wrong reference, never a fact: a file carrying
 * one is refused whole (all-or-nothing, as any bad line refuses a file), naming the payment and its amount; stored, it
 * would show a worker more money returned than was ever paid.
 *
 * Each return is bounded by its payment, not the sum of a payment's returns: the same return may reach the ledger
 * through two channels under two references (a CMB 退票 query, then the camt.054 of the day), and reconciliation
 * counts a payment undone once however many returns name it (`Payment.returns`), as it counts a payment reported by
 * several files once. A sum rule would refuse the second channel's whole file for a report that changes nothing.
 *
 * A payment and the returns that undo it are told apart exactly as reconciliation tells them (`paymentsOf`: by
 * EndToEndId, else by any report's bank reference), so the rule holds for every format that carries returns (camt
 * `RtrInf` and reversals, the CMB 退票 query, text profiles' 退票 lines). Only booked payments are bounded: a return
 * naming no payment on file, or one only pending or failed so far, has no paid amount to bound it (reconciliation lists
 * it for someone to place). Returns may arrive before their payment, so the payment's report is checked too: a payment
 * booked for less than a return of it posted before is refused the same way.
 *
 * Pure: the month's stored lines and the file's own in, the lines of the file at fault out.
 */
import { fen, type Fen } from '../kernel/money.ts'
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
  /** The return found larger than the payment: `line` itself, or (returns posted first) the largest held. */
  returnedFen: Fen
}

/**
 * The lines of `added` (a file about to be stored) that would leave some booked payment with a return larger than it
 * paid, over `stored` (the pay month's lines already held) and `added` together. Empty when the file may be stored.
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
    const addedReturns = p.returns.filter(isAdded)
    for (const r of addedReturns) if (r.amountFen > paidFen) out.push({ line: r, payment: p.counted, paymentId, paidFen, returnedFen: r.amountFen })
    // Returns posted before their payment: the file that books the payment is the one that shows them too large.
    if (isAdded(p.counted)) {
      const largest = p.returns.reduce((max, r) => (!isAdded(r) && r.amountFen > max ? r.amountFen : max), 0)
      if (largest > paidFen) out.push({ line: p.counted, payment: p.counted, paymentId, paidFen, returnedFen: fen(largest) })
    }
  }
  return out.sort((a, b) => (place.get(a.line.lineId) ?? 0) - (place.get(b.line.lineId) ?? 0))
}
