/**
 * The project-level checks regulators and platforms run (shared/domain.md, "What regulators and platforms flag"),
 * beyond the per-line ones of src/payouts/reconcile.ts: one card paid for several workers, unusually large payouts,
 * a group of workers in arrears, attended workers without pay, a worker who left unsettled, a payment pending too
 * long. Each is a function over plain inputs that returns flags in reconcile's shape (a case opens on each, see
 * src/flags/cases.ts), in a deterministic order whatever order the inputs come in.
 *
 * Pure: no I/O, no clock (the caller gives `asOf`). Cards in evidence are masked (****1234); the one full card a flag
 * may carry is `payeeCard`, as in reconcile. Malformed dates in the input are skipped and reported, never thrown.
 */
import { LIMITS } from '../config/limits.ts'
import { addFen, formatYuan, subFen, sumFen, ZERO_FEN, fen, type Fen } from '../kernel/money.ts'
import { addDays, isMonth, isWorkDate, monthOf, type Month, type WorkDate } from '../kernel/time.ts'
import { maskCard } from '../roster/identity.ts'
import { daysBetween, type RunFlag } from './cases.ts'

export type ProjectFlagKind = 'SHARED_CARD' | 'OVERSIZED' | 'GROUP_ARREARS' | 'HEADCOUNT_GAP' | 'EXITED_UNSETTLED' | 'PAYMENT_PENDING_TOO_LONG'

/** A flag of one of these kinds: reconcile's Flag shape, so it goes through the same cases and views. */
export interface ProjectFlag extends RunFlag {
  kind: ProjectFlagKind
}

/** An input line skipped because a date or month in it is not one. */
export interface InputProblem {
  code: 'invalid_date'
  field: string
  value: string
  ref: string
}

export interface ProjectFlagsResult {
  flags: ProjectFlag[]
  problems: InputProblem[]
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const yuan = (amount: Fen): string => formatYuan(amount)

/**
 * A card as ownership reads it: its digits, without the spaces people write them with (every `\s`). A month reads
 * hundreds of thousands of cards, nearly all without a space: one pass over the characters finds that no character can
 * be whitespace (every `\s` is a control or space at or below U+0020, or above U+007E) before any regex runs.
 */
export function cardKey(card: string): string {
  for (let i = 0; i < card.length; i++) {
    const c = card.charCodeAt(i)
    if (c <= 0x20 || c >= 0x7f) return card.replace(/\s/g, '')
  }
  return card
}

// ---------------------------------------------------------------------------------------------------------------------
// SHARED_CARD (一卡多人)

/** A successful payout line, with the worker it was paid for (the instruction's or the payroll sheet's line). */
export interface PaymentFor {
  lineId: string
  payeeCard: string
  /** The worker the payment was for; null when nothing says (such lines cannot share a card and are ignored). */
  forWorkerId: string | null
  amountFen: Fen
  valueDate: WorkDate
}

/**
 * SHARED_CARD: one card paid, in the month, for two or more workers. Art. 11 and 31: one card each, held by the worker;
 * a card that receives several workers' wages is held by someone else (a team leader, a labour boss). One flag per
 * card (workerId null, payeeCard the card), paidFen the card's total, the workers and their amounts in evidence.
 */
export function sharedCard(month: Month, payments: readonly PaymentFor[]): ProjectFlag[] {
  // First, per card, the first worker it was paid for, and which cards were paid for another as well: nearly every card
  // of a month is one worker's, never shared (SHARED_CARD_WORKERS_MIN is at least two), and only the others are grouped
  // by worker.
  const firstWorker = new Map<string, string>()
  const shared = new Set<string>()
  const cards: Array<string | undefined> = []
  for (const p of payments) {
    if (p.forWorkerId === null) {
      cards.push(undefined)
      continue
    }
    const card = cardKey(p.payeeCard)
    cards.push(card)
    const first = firstWorker.get(card)
    if (first === undefined) firstWorker.set(card, p.forWorkerId)
    else if (first !== p.forWorkerId) shared.add(card)
  }
  const byCard = new Map<string, Map<string, PaymentFor[]>>()
  payments.forEach((p, i) => {
    const card = cards[i]
    if (card === undefined || p.forWorkerId === null || !shared.has(card)) return
    const workers = byCard.get(card) ?? new Map<string, PaymentFor[]>()
    const lines = workers.get(p.forWorkerId)
    if (lines === undefined) workers.set(p.forWorkerId, [p])
    else lines.push(p)
    byCard.set(card, workers)
  })
  const flags: ProjectFlag[] = []
  for (const card of [...byCard.keys()].sort(compareText)) {
    const workers = byCard.get(card) as Map<string, PaymentFor[]>
    if (workers.size < SHARED_CARD_WORKERS_MIN) continue
    const perWorker = [...workers.entries()]
      .sort(([a], [b]) => compareText(a, b))
      .map(([workerId, lines]) => {
        const amountFen = sumFen(lines.map((l) => l.amountFen))
        return { workerId, lines: lines.length, amountFen, amountYuan: yuan(amountFen), lineIds: lines.map((l) => l.lineId).sort(compareText).slice(0, LIMITS.flag_evidence_lines_max) }
      })
    const paidFen = sumFen(perWorker.map((w) => w.amountFen))
    flags.push({
      kind: 'SHARED_CARD',
      workerId: null,
      payeeCard: card,
      dueFen: null,
      paidFen,
      evidence: { period: month, payeeCard: maskCard(card), workerCount: perWorker.length, workers: perWorker.slice(0, LIMITS.flag_evidence_lines_max), paidYuan: yuan(paidFen) },
    })
  }
  return flags
}

/** Two workers on one card is already one too many. */
export const SHARED_CARD_WORKERS_MIN = 2

// ---------------------------------------------------------------------------------------------------------------------
// OVERSIZED (大额异常)

/** "Unusually large payouts to one worker (one platform: over ¥50,000 a month or ¥300,000 a year)", shared/domain.md. */
export const OVERSIZED_MONTH_FEN: Fen = fen(5_000_000) // ¥50,000
export const OVERSIZED_YEAR_FEN: Fen = fen(30_000_000) // ¥300,000

/** A worker's successful pay in one month (net of returns), on this project. */
export interface WorkerMonthPaid {
  workerId: string
  /** YYYY-MM */
  month: Month
  paidFen: Fen
}

/**
 * OVERSIZED: one worker paid over OVERSIZED_MONTH_FEN in `month`, or whose calendar-year total passed
 * OVERSIZED_YEAR_FEN in `month` (the year's total before it was at most the limit). The year rule flags the month the
 * total crossed, not every later month: one case per crossing, not twelve. Strictly over: exactly ¥50,000 is not.
 * `paid` may hold the whole year (other months give the year-to-date); only its months up to `month` count.
 */
export function oversized(month: Month, paid: readonly WorkerMonthPaid[]): ProjectFlagsResult {
  const problems: InputProblem[] = []
  if (!isMonth(month)) return { flags: [], problems: [{ code: 'invalid_date', field: 'month', value: month, ref: 'input' }] }
  const year = month.slice(0, 4)
  // Per worker, this month's amounts and the earlier months': one amount as itself, several in an array (most workers
  // have one of each, and a month of 100,000 workers need not make 200,000 arrays).
  const byWorker = new Map<string, { thisMonth: Fen | Fen[] | undefined; before: Fen | Fen[] | undefined }>()
  // The rows of a year name a dozen months at most: a month once found valid is not matched again.
  let valid = month
  for (const p of paid) {
    if (p.month !== valid) {
      if (!isMonth(p.month)) {
        problems.push({ code: 'invalid_date', field: 'month', value: p.month, ref: p.workerId })
        continue
      }
      valid = p.month
    }
    if (!p.month.startsWith(year) || p.month > month) continue
    let w = byWorker.get(p.workerId)
    if (w === undefined) {
      w = { thisMonth: undefined, before: undefined }
      byWorker.set(p.workerId, w)
    }
    if (p.month === month) w.thisMonth = withAmount(w.thisMonth, p.paidFen)
    else w.before = withAmount(w.before, p.paidFen)
  }
  const found: Array<{ workerId: string; monthFen: Fen; yearFen: Fen; overMonth: boolean; crossedYear: boolean }> = []
  const check = (workerId: string, w: { thisMonth: Fen | Fen[] | undefined; before: Fen | Fen[] | undefined }): void => {
    const monthFen = sumOfAmounts(w.thisMonth)
    const beforeFen = sumOfAmounts(w.before)
    const yearFen = addFen(beforeFen, monthFen)
    const overMonth = monthFen > OVERSIZED_MONTH_FEN
    const crossedYear = yearFen > OVERSIZED_YEAR_FEN && beforeFen <= OVERSIZED_YEAR_FEN
    if (overMonth || crossedYear) found.push({ workerId, monthFen, yearFen, overMonth, crossedYear })
  }
  // Workers are checked as they come and only those flagged are put in order. A sum out of range throws, and then it
  // is the error of the first such worker in worker order, as when every worker was checked in that order.
  try {
    for (const [workerId, w] of byWorker) check(workerId, w)
  } catch (error) {
    for (const workerId of [...byWorker.keys()].sort(compareText)) check(workerId, byWorker.get(workerId) as { thisMonth: Fen | Fen[] | undefined; before: Fen | Fen[] | undefined })
    throw error
  }
  const flags: ProjectFlag[] = []
  for (const { workerId, monthFen, yearFen, overMonth, crossedYear } of found.sort((a, b) => compareText(a.workerId, b.workerId))) {
    flags.push({
      kind: 'OVERSIZED',
      workerId,
      payeeCard: null,
      dueFen: null,
      paidFen: monthFen,
      evidence: {
        period: month,
        rules: [...(overMonth ? ['month'] : []), ...(crossedYear ? ['year'] : [])],
        monthFen,
        monthYuan: yuan(monthFen),
        monthLimitYuan: yuan(OVERSIZED_MONTH_FEN),
        yearToDateFen: yearFen,
        yearToDateYuan: yuan(yearFen),
        yearLimitYuan: yuan(OVERSIZED_YEAR_FEN),
      },
    })
  }
  return { flags, problems }
}

/**
 * Whether `oversized` could flag a worker paid `monthFen` in the month whose earlier rows of the year add up, in
 * absolute value, to at most `earlierAbsFen`. False only when it cannot: not over the month's limit, and the year to
 * date (earlier + this month) at most the year's limit whatever the signs. A caller may leave such a worker out.
 */
export function mayBeOversized(monthFen: Fen, earlierAbsFen: number): boolean {
  return monthFen > OVERSIZED_MONTH_FEN || !(Math.abs(monthFen) + earlierAbsFen <= OVERSIZED_YEAR_FEN)
}

function withAmount(amounts: Fen | Fen[] | undefined, amount: Fen): Fen | Fen[] {
  if (amounts === undefined) return amount
  if (Array.isArray(amounts)) {
    amounts.push(amount)
    return amounts
  }
  return [amounts, amount]
}

/** sumFen of the amounts; one amount is checked as sumFen([amount]) checks it, by addFen(0, amount). */
function sumOfAmounts(amounts: Fen | Fen[] | undefined): Fen {
  if (amounts === undefined) return ZERO_FEN
  return Array.isArray(amounts) ? sumFen(amounts) : addFen(ZERO_FEN, amounts)
}

// ---------------------------------------------------------------------------------------------------------------------
// GROUP_ARREARS (群体性欠薪)

/** "No incident involving 10 or more workers" (shared/domain.md, the programme targets): the seeds' group threshold. */
export const GROUP_ARREARS_WORKERS_MIN = 10

/** A worker's figures in the month's reconciliation (Reconciliation.perWorker). */
export interface WorkerStanding {
  workerId: string
  dueFen: Fen
  paidFen: Fen
}

/**
 * GROUP_ARREARS: GROUP_ARREARS_WORKERS_MIN or more workers of the project unpaid or short in the month (paid < due,
 * due > 0), as the month's reconciliation stands. One flag for the project-month: due and paid are those workers'
 * sums; the evidence names them (the first LIMITS.flag_evidence_lines_max by id) and the total short.
 */
export function groupArrears(month: Month, standing: readonly WorkerStanding[]): ProjectFlag[] {
  const short = standing.filter((w) => w.dueFen > 0 && w.paidFen < w.dueFen).sort((a, b) => compareText(a.workerId, b.workerId))
  if (short.length < GROUP_ARREARS_WORKERS_MIN) return []
  const dueFen = sumFen(short.map((w) => w.dueFen))
  const paidFen = sumFen(short.map((w) => w.paidFen))
  const shortFen = subFen(dueFen, paidFen)
  return [
    {
      kind: 'GROUP_ARREARS',
      workerId: null,
      payeeCard: null,
      dueFen,
      paidFen,
      evidence: {
        period: month,
        workerCount: short.length,
        threshold: GROUP_ARREARS_WORKERS_MIN,
        unpaidCount: short.filter((w) => w.paidFen === 0).length,
        shortFen,
        shortYuan: yuan(shortFen),
        workers: short.slice(0, LIMITS.flag_evidence_lines_max).map((w) => ({ workerId: w.workerId, dueFen: w.dueFen, paidFen: w.paidFen, shortFen: subFen(w.dueFen, w.paidFen) })),
      },
    },
  ]
}

// ---------------------------------------------------------------------------------------------------------------------
// HEADCOUNT_GAP (考勤人数与发薪人数差)

/**
 * "One platform colours a project red … when 10% or more of attended workers have no pay record" (shared/domain.md).
 * As a fraction, compared in integers: gap × 100 ≥ attended × HEADCOUNT_GAP_PERCENT_MIN.
 */
export const HEADCOUNT_GAP_PERCENT_MIN = 10

export interface HeadcountInput {
  month: Month
  /** The month's pay date: no one is missing a payout before it has passed. */
  payDate: WorkDate
  /** Today, in the project's zone. */
  asOf: WorkDate
  /** Workers with attendance in the month (days present > 0). */
  attended: readonly string[]
  /** Workers with at least one successful payout for the month (to any of their cards). */
  paid: readonly string[]
}

/**
 * HEADCOUNT_GAP: after the pay date, HEADCOUNT_GAP_PERCENT_MIN % or more of the workers with attendance have no
 * successful payout. One flag for the project-month; paidFen and dueFen null (it counts people, not money).
 */
export function headcountGap(input: HeadcountInput): ProjectFlagsResult {
  for (const [field, value] of [['payDate', input.payDate], ['asOf', input.asOf]] as const) {
    if (!isWorkDate(value)) return { flags: [], problems: [{ code: 'invalid_date', field, value, ref: 'input' }] }
  }
  if (input.asOf <= input.payDate) return { flags: [], problems: [] }
  // Each attended worker once, and whether they were paid: one map, not a set of each.
  const paidOf = new Map<string, boolean>()
  for (const w of input.attended) paidOf.set(w, false)
  for (const w of input.paid) if (paidOf.get(w) === false) paidOf.set(w, true)
  const missing: string[] = []
  for (const [w, paid] of paidOf) if (!paid) missing.push(w)
  const attendedCount = paidOf.size
  if (attendedCount === 0 || missing.length * 100 < attendedCount * HEADCOUNT_GAP_PERCENT_MIN) return { flags: [], problems: [] }
  // Only the workers without a payout are listed, so only they are put in order.
  missing.sort(compareText)
  return {
    flags: [
      {
        kind: 'HEADCOUNT_GAP',
        workerId: null,
        payeeCard: null,
        dueFen: null,
        paidFen: null,
        evidence: {
          period: input.month,
          payDate: input.payDate,
          asOf: input.asOf,
          attendedCount,
          withoutPayoutCount: missing.length,
          thresholdPercent: HEADCOUNT_GAP_PERCENT_MIN,
          // Objects, as every other flag's `workers` list: the flag views give that list one shape whatever the kind.
          workers: missing.slice(0, LIMITS.flag_evidence_lines_max).map((workerId) => ({ workerId })),
        },
      },
    ],
    problems: [],
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// EXITED_UNSETTLED (退场未结清)

/**
 * When a worker leaves, the wages are settled in full as the contract ends or is ended (条例; 工资支付暂行规定
 * Art. 9: "一次付清"). The deadline is the exit date (退场) plus EXIT_SETTLEMENT_GRACE_DAYS calendar days: the law
 * allows no delay, but a 代发 batch sent on the exit day books a day or two later, and a flag on money already on its
 * way would teach people to ignore the flag. Pass 0 for the strict reading.
 */
export const EXIT_SETTLEMENT_GRACE_DAYS = 3

/** A worker who left the project, with what they were owed for the whole engagement and what reached them. */
export interface ExitedWorker {
  workerId: string
  exitDate: WorkDate
  /** The card named for the settlement, when known (kept full as payeeCard, masked in evidence). */
  payeeCard: string | null
  /** Everything due through the exit (应发/实发 of every month on the project, the last part-month included). */
  dueFen: Fen
  /** Successful payouts for that engagement (net of returns), with their value dates. */
  paid: ReadonlyArray<{ amountFen: Fen; valueDate: WorkDate }>
}

/**
 * EXITED_UNSETTLED: past the settlement deadline, a worker who left has been paid less than due in total. Raised while
 * it stays so; once the rest is paid the case resolves with that evidence (its age shows how late). The flag's month
 * is the month of the exit; one flag per worker, in worker order.
 */
export function exitedUnsettled(exited: readonly ExitedWorker[], asOf: WorkDate, graceDays: number = EXIT_SETTLEMENT_GRACE_DAYS): ProjectFlagsResult {
  if (!isWorkDate(asOf)) return { flags: [], problems: [{ code: 'invalid_date', field: 'asOf', value: asOf, ref: 'input' }] }
  const problems: InputProblem[] = []
  const flags: ProjectFlag[] = []
  for (const w of [...exited].sort((a, b) => compareText(a.workerId, b.workerId) || compareText(a.exitDate, b.exitDate))) {
    if (!isWorkDate(w.exitDate)) {
      problems.push({ code: 'invalid_date', field: 'exitDate', value: w.exitDate, ref: w.workerId })
      continue
    }
    const deadline = addDays(w.exitDate, Math.max(0, Math.trunc(graceDays)))
    if (asOf <= deadline) continue
    const valid = w.paid.filter((p) => isWorkDate(p.valueDate))
    for (const p of w.paid) if (!isWorkDate(p.valueDate)) problems.push({ code: 'invalid_date', field: 'valueDate', value: p.valueDate, ref: w.workerId })
    const paidFen = sumFen(valid.filter((p) => p.valueDate <= asOf).map((p) => p.amountFen))
    if (paidFen >= w.dueFen) continue
    const paidByDeadlineFen = sumFen(valid.filter((p) => p.valueDate <= deadline).map((p) => p.amountFen))
    const shortFen = subFen(w.dueFen, paidFen)
    flags.push({
      kind: 'EXITED_UNSETTLED',
      workerId: w.workerId,
      payeeCard: w.payeeCard === null ? null : cardKey(w.payeeCard),
      dueFen: w.dueFen,
      paidFen,
      evidence: {
        period: monthOf(w.exitDate),
        exitDate: w.exitDate,
        deadline,
        graceDays: Math.max(0, Math.trunc(graceDays)),
        asOf,
        paidByDeadlineFen,
        shortFen,
        shortYuan: yuan(shortFen),
        payeeCard: w.payeeCard === null ? null : maskCard(cardKey(w.payeeCard)),
      },
    })
  }
  return { flags, problems }
}

// ---------------------------------------------------------------------------------------------------------------------
// PAYMENT_PENDING_TOO_LONG (长时间处理中)

/**
 * A payment accepted but not booked (pain.002 ACCP/ACSP/PDNG, a 代发 "processing") books within a business day or
 * two; past a long weekend's worth of calendar days it has most likely been lost or rejected without a report.
 */
export const PAYMENT_PENDING_DAYS_MAX = 3

/** A payment line whose newest evidence is pending. */
export interface PendingPayment {
  lineId: string
  workerId: string | null
  payeeCard: string
  amountFen: Fen
  /** The pay month the line is for. */
  month: Month
  /** The first date the bank reported it pending (or sent, if it never reported). */
  pendingSince: WorkDate
}

/**
 * PAYMENT_PENDING_TOO_LONG: pending more than `maxDays` calendar days at `asOf`. One flag per worker (or per card, for
 * a line without a worker) and month, paidFen the pending total (not paid: pending is neither paid nor failed).
 */
export function paymentPendingTooLong(pending: readonly PendingPayment[], asOf: WorkDate, maxDays: number = PAYMENT_PENDING_DAYS_MAX): ProjectFlagsResult {
  if (!isWorkDate(asOf)) return { flags: [], problems: [{ code: 'invalid_date', field: 'asOf', value: asOf, ref: 'input' }] }
  const problems: InputProblem[] = []
  const groups = new Map<string, { workerId: string | null; card: string | null; month: Month; lines: Array<PendingPayment & { days: number }> }>()
  for (const p of pending) {
    if (!isWorkDate(p.pendingSince)) {
      problems.push({ code: 'invalid_date', field: 'pendingSince', value: p.pendingSince, ref: p.lineId })
      continue
    }
    if (!isMonth(p.month)) {
      problems.push({ code: 'invalid_date', field: 'month', value: p.month, ref: p.lineId })
      continue
    }
    const days = daysBetween(p.pendingSince, asOf)
    if (days <= maxDays) continue
    const card = p.workerId === null ? cardKey(p.payeeCard) : null
    const key = JSON.stringify([p.month, p.workerId ?? '', card ?? ''])
    const g = groups.get(key) ?? { workerId: p.workerId, card, month: p.month, lines: [] }
    g.lines.push({ ...p, days })
    groups.set(key, g)
  }
  const flags: ProjectFlag[] = []
  for (const key of [...groups.keys()].sort(compareText)) {
    const g = groups.get(key) as { workerId: string | null; card: string | null; month: Month; lines: Array<PendingPayment & { days: number }> }
    const lines = g.lines.sort((a, b) => compareText(a.pendingSince, b.pendingSince) || compareText(a.lineId, b.lineId))
    const totalFen = lines.length === 0 ? ZERO_FEN : sumFen(lines.map((l) => l.amountFen))
    flags.push({
      kind: 'PAYMENT_PENDING_TOO_LONG',
      workerId: g.workerId,
      payeeCard: g.card,
      dueFen: null,
      paidFen: null,
      evidence: {
        period: g.month,
        asOf,
        maxDays,
        pendingFen: totalFen,
        pendingYuan: yuan(totalFen),
        count: lines.length,
        oldestSince: lines[0]?.pendingSince ?? null,
        lines: lines.slice(0, LIMITS.flag_evidence_lines_max).map((l) => ({
          lineId: l.lineId,
          payeeCard: maskCard(cardKey(l.payeeCard)),
          amountFen: l.amountFen,
          amountYuan: yuan(l.amountFen),
          pendingSince: l.pendingSince,
          days: l.days,
        })),
      },
    })
  }
  return { flags, problems }
}
