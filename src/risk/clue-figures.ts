/**
 * The county's clue figures against the target "clues closed within their limits" (issue 15): per month of receipt,
 * how many clues came in, how many were closed with every clock met in time, how many ran late on any clock (routed
 * after 7 days, or resolved after 15 days from the bureau's receipt, or still open past either), and how many are
 * still open in time. A month meets the target when none ran late.
 *
 * Pure: the clues as folded, each with its clocks at the same instant.
 */
import { monthOf, workDateOf, type Month } from '../kernel/time.ts'
import type { ClueClock, ClueState } from './clues.ts'

export interface ClueMonthFigures {
  month: Month
  received: number
  closedInTime: number
  late: number
  openInTime: number
}

export function clueFigures(clues: ReadonlyArray<{ receivedAtMs: number; state: ClueState; clocks: readonly ClueClock[] }>, timeZone: string): ClueMonthFigures[] {
  const byMonth = new Map<Month, ClueMonthFigures>()
  for (const c of clues) {
    const month = monthOf(workDateOf(c.receivedAtMs, timeZone))
    let f = byMonth.get(month)
    if (f === undefined) byMonth.set(month, (f = { month, received: 0, closedInTime: 0, late: 0, openInTime: 0 }))
    f.received++
    if (c.clocks.some((k) => k.overdue)) f.late++
    else if (c.state === 'resolved') f.closedInTime++
    else f.openInTime++
  }
  return [...byMonth.values()].sort((a, b) => (a.month < b.month ? 1 : -1))
}
