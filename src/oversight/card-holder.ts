/**
 * Whose a payment to a contested card is: a card two workers held in turn, or one worker held before a change (换卡)
 * and another holds now. The roster refuses this since 9c0c1d8 (card_held_by_another_worker), but records from before
 * carry it, and a payment to such a card must pay one worker, not each who ever held it.
 *
 * The rule, in order:
 * 1. the worker who held the card on the payment's value date (a holding runs from the worker's registration or the
 *    change that gave them the card to the day of the change that took it away, both days included);
 * 2. when that is not one worker (the card changed hands that day, or two held it at once) or no one held it that
 *    day: among those who held it that day, else among all who held it, the one holding it now (the smallest worker
 *    id if several, as cardOwnersOf picks), else the one who gave it up last — a payment made to a card after its
 *    holder changed it (a sheet instructed before the change) is still theirs, as reconciliation counts it.
 * Pure: the repository reads the holdings and the lines.
 */
import type { WorkDate } from '../kernel/time.ts'

export interface CardHolding {
  workerId: string
  /** The first day the worker held the card, in the project's zone. */
  from: WorkDate
  /** The day they changed it away; null while they hold it. */
  to: WorkDate | null
}

const byId = (a: CardHolding, b: CardHolding): number => (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0)

export function holderOn(holdings: readonly CardHolding[], valueDate: WorkDate): string | undefined {
  const on = holdings.filter((h) => h.from <= valueDate && (h.to === null || valueDate <= h.to))
  if (new Set(on.map((h) => h.workerId)).size === 1) return on[0]?.workerId
  const pool = on.length > 0 ? on : holdings
  const now = pool.filter((h) => h.to === null).sort(byId)[0]
  if (now) return now.workerId
  return [...pool].sort((a, b) => ((a.to as string) > (b.to as string) ? -1 : (a.to as string) < (b.to as string) ? 1 : byId(a, b)))[0]?.workerId
}
