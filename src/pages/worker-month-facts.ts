/**
 * What the worker's own page says, from what the services read: the month's days as a worker reads a time card
 * (date, first in, last out, hours), and per pay month what was due, what the bank paid and when, and whether that is
 * all of it. Pure: the page's route reads, this decides, the template prints.
 *
 * Due is the approved payroll sheet's net (实发) on the worker's line, summed over the line of each team they worked
 * in that month; paid is what the bank's result files show paid successfully for them that month (the ledger's
 * payments: src/payroll/ledger-repository.ts), each with the bank's value date. A month with no approved sheet has
 * nothing due yet: the page says so rather than showing 0 as if it were owed nothing.
 */
import { formatYuan, sumFen, fen, type Fen } from '../kernel/money.ts'
import { localTimeOf, type Month, type WorkDate } from '../kernel/time.ts'
import type { PaySlip } from '../payroll/pay-slip.ts'
import type { EnrolmentBreak } from '../roster/spells.ts'
import type { DayStatus, WorkerDay } from '../timesheets/rules.ts'

export interface DayRow {
  date: WorkDate
  /** 10月12日 周一 */
  label: string
  /** HH:MM in the project's zone, or null when the day has no counted in (or out). */
  firstIn: string | null
  lastOut: string | null
  /** Worked hours with one decimal (the paired minutes). */
  hours: string
  status: DayStatus
  statusText: string
  needsReview: boolean
}

const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六']

const STATUS_TEXT: Record<DayStatus, string> = {
  present: '出勤',
  half_day: '半天',
  incomplete: '打卡不全',
  absent: '未出勤',
}

const hhmm = (atMs: number, timeZone: string): string => localTimeOf(atMs, timeZone).slice(0, 5)

export function dayLabel(date: WorkDate): string {
  const weekday = WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()] ?? ''
  return `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日 ${weekday}`
}

export const hoursOf = (minutes: number): string => (Math.round(minutes / 6) / 10).toFixed(1)

/**
 * The days the worker was on site (any punch used, or any credit), in date order. First in and last out are the
 * punches the rules used (paired or not): a day with an in and no out shows the in, and the out as missing.
 */
export function dayRows(days: readonly WorkerDay[], timeZone: string): DayRow[] {
  return [...days]
    .filter((d) => d.creditHalves > 0 || d.punches.some((p) => p.use === 'paired' || p.use === 'unpaired'))
    .sort((a, b) => (a.workDate < b.workDate ? -1 : a.workDate > b.workDate ? 1 : 0))
    .map((d) => {
      const used = d.punches.filter((p) => p.use === 'paired' || p.use === 'unpaired')
      const ins = [...d.pairs.map((p) => p.inAtMs), ...used.filter((p) => p.direction === 'in').map((p) => p.atMs)]
      const outs = [...d.pairs.map((p) => p.outAtMs), ...used.filter((p) => p.direction === 'out').map((p) => p.atMs)]
      return {
        date: d.workDate,
        label: dayLabel(d.workDate),
        firstIn: ins.length === 0 ? null : hhmm(Math.min(...ins), timeZone),
        lastOut: outs.length === 0 ? null : hhmm(Math.max(...outs), timeZone),
        hours: hoursOf(d.workedMinutes),
        status: d.status,
        statusText: STATUS_TEXT[d.status],
        needsReview: d.needsReview,
      }
    })
}

export type PayState = 'paid_in_full' | 'short' | 'unpaid' | 'not_due_yet' | 'month_running'

export const PAY_STATE_TEXT: Record<PayState, string> = {
  paid_in_full: '已足额支付',
  short: '未付足',
  unpaid: '未支付',
  not_due_yet: '工资表未审核',
  month_running: '本月未结束，月底后编制工资表',
}

export interface MonthPay {
  month: Month
  /** 2026年10月 */
  label: string
  state: PayState
  stateText: string
  /** Null when no approved sheet has a line for the worker. */
  dueFen: Fen | null
  paidFen: Fen
  dueYuan: string | null
  paidYuan: string
  /** Due minus paid, when positive. */
  owedYuan: string | null
  /** The date wages for the month are due (应付日期), from the sheet. */
  dueDate: WorkDate | null
  /** Each payment the bank made, with its value date. */
  payments: Array<{ valueDate: WorkDate; amountYuan: string; bankRef: string }>
}

export const monthLabel = (m: Month): string => `${m.slice(0, 4)}年${Number(m.slice(5, 7))}月`

/**
 * A pay month from the worker's lines on the month's approved sheets (one per team). Payments are counted once each
 * (by the bank's reference), though every line of the worker carries them. `running` is a month not ended yet in the
 * project's zone: with no sheet it says the month is still on, not "工资表未审核" as if a sheet were late.
 */
export function monthPay(month: Month, slips: readonly Pick<PaySlip, 'netFen' | 'dueDate' | 'payments'>[], running = false): MonthPay {
  const seen = new Set<string>()
  const payments = slips.flatMap((s) => s.payments).filter((p) => (seen.has(p.bankRef) ? false : (seen.add(p.bankRef), true)))
  const paid: Fen = sumFen(payments.map((p) => p.amountFen))
  const base = {
    month,
    label: monthLabel(month),
    paidFen: paid,
    paidYuan: formatYuan(paid),
    payments: payments.map((p) => ({ valueDate: p.valueDate, amountYuan: formatYuan(p.amountFen), bankRef: p.bankRef })),
  }
  if (slips.length === 0) {
    const state: PayState = running ? 'month_running' : 'not_due_yet'
    return { ...base, state, stateText: PAY_STATE_TEXT[state], dueFen: null, dueYuan: null, owedYuan: null, dueDate: null }
  }
  const due: Fen = sumFen(slips.map((s) => s.netFen))
  const state: PayState = paid >= due ? 'paid_in_full' : paid === 0 ? 'unpaid' : 'short'
  const dueDate = slips.map((s) => s.dueDate).sort()[0] ?? null
  return { ...base, state, stateText: PAY_STATE_TEXT[state], dueFen: due, dueYuan: formatYuan(due), owedYuan: paid < due ? formatYuan(fen(due - paid)) : null, dueDate }
}

/**
 * Whether the worker spent the whole month away: inside one break between an exit and the return after it (再次进场:
 * src/roster/spells.ts), its exit before the month's first day and its return after its last. Such a month is none of
 * theirs: no timesheet, no sheet, nothing due, never "工资表未审核" as if wages for it were on their way.
 */
export function awayAllMonth(breaks: readonly EnrolmentBreak[], month: Month): boolean {
  const first = `${month}-01`
  const last = `${month}-31`
  return breaks.some((b) => b.exitDate < first && b.returnDate > last)
}

/**
 * The months the page offers the worker: from the entry month to `now`, but a month spent wholly away between an exit
 * and a return (awayAllMonth). `now` is always offered: it is where the page opens. A month after the last exit stays,
 * as it did: the wages of the last spell are paid after it.
 */
export function monthOffered(now: Month, entryMonth: Month, breaks: readonly EnrolmentBreak[], month: Month): boolean {
  return month === now || (month < now && month >= entryMonth && !awayAllMonth(breaks, month))
}

/**
 * The months to show pay for, newest first: the months offered (monthOffered), from `now` back to the entry month, at
 * most `count` of them (a month spent away takes no place in the list).
 */
export function payMonths(now: Month, entryMonth: Month, count: number, breaks: readonly EnrolmentBreak[] = []): Month[] {
  const out: Month[] = []
  for (let m = now; out.length < count && m >= entryMonth; m = previousMonth(m)) {
    if (monthOffered(now, entryMonth, breaks, m)) out.push(m)
  }
  return out
}

export function previousMonth(m: Month): Month {
  const y = Number(m.slice(0, 4))
  const mm = Number(m.slice(5, 7))
  return mm === 1 ? `${y - 1}-12` : `${y}-${String(mm - 1).padStart(2, '0')}`
}

