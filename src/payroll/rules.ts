/**
 * Pay due (应发工资), first cut: the enrolment's daily rate × days present.
 * Incomplete days earn nothing until corrected: the flag for them is on the
 * timesheet, and paying a guessed day would hide the missing punch.
 */
import { timesFen, type Fen } from '../kernel/money.ts'
import { clampedDate, nextMonth, type Month, type WorkDate } from '../kernel/time.ts'

export function dueFor(dailyRateFen: Fen, daysPresent: number): Fen {
  return timesFen(dailyRateFen, daysPresent)
}

/** Wages for month M fall due on the project's pay day of month M+1 (条例 Art. 12: at least monthly, on the agreed day). */
export function payDateOf(period: Month, payDay: number): WorkDate {
  return clampedDate(nextMonth(period), payDay)
}
