/**
 * Pay due (应发工资): the enrolment's daily rate × days credited. Days are
 * counted in halves (a half day is a real outcome of the timesheet rules), so
 * the product is exact and rounded once, half up, to the fen. Incomplete days
 * earn what the project's policy credits them — nothing while they wait for
 * review — because paying a guessed day would hide the missing punch.
 */
import { Money, timesFen, type Fen } from '../kernel/money.ts'
import { clampedDate, nextMonth, type Month, type WorkDate } from '../kernel/time.ts'

export function dueFor(dailyRateFen: Fen, creditHalves: number): Fen {
  // An adjustment can take back a day a confirmed month credited; it never makes the wage negative.
  return timesFen(dailyRateFen, new Money(Math.max(0, creditHalves)).div(2))
}

/** Wages for month M fall due on the project's pay day of month M+1 (条例 Art. 12: at least monthly, on the agreed day). */
export function payDateOf(period: Month, payDay: number): WorkDate {
  return clampedDate(nextMonth(period), payDay)
}
