/**
 * Reconciliation of one project's pay month (对账): what each worker was due
 * on the confirmed payroll sheet (工资支付表, 应发/实发) against what the bank
 * actually paid from the dedicated wage account (农民工工资专用账户) according
 * to its result files. The flags it raises are the checks regulators run
 * (保障农民工工资支付条例 Art. 11, 31; 人社部发〔2021〕53号): paid in full, on
 * time, to the worker's own card, to no one else.
 *
 * Pure: no I/O, no clock. The same input always gives the same flags in the
 * same order, whatever order the lines arrive in, so a re-run is a no-op diff.
 */
import { dedicatedPayouts, type DedicatedAccount } from '../account/funding.ts'
import { LIMITS } from '../config/limits.ts'
import { FEN_MAX, ZERO_FEN, addFen, fen, formatYuan, subFen, sumFen, type Fen } from '../kernel/money.ts'
import {
  PAYMENT_PENDING_DAYS_MAX,
  cardKey,
  exitedUnsettled,
  mayBeOversized,
  groupArrears,
  headcountGap,
  oversized,
  paymentPendingTooLong,
  sharedCard,
  type ExitedWorker,
  type WorkerStanding,
  type PaymentFor,
  type PendingPayment,
  type WorkerMonthPaid,
} from '../flags/project-flags.ts'
import { isMonth, isWorkDate, monthOf } from '../kernel/time.ts'
import type { ApprovedLine, ApprovedTeamMonth } from '../payroll/approved.ts'
import { maskCard } from '../roster/identity.ts'
import { enrolledBetween, settlementExitIn, type EnrolmentBreak } from '../roster/spells.ts'

/**
 * Every paid figure here (a worker's, a card's, the month's, a running total)
 * adds lines of one project's pay month, so it is at most the per-line maximum
 * × the month's line maximum, both refused where files enter (file-format,
 * PayoutService.post). Asserted once at load: raising either limit must not
 * make a stored month's sum throw on every later request.
 */
if (LIMITS.payout_line_amount_fen_max * LIMITS.payout_lines_per_project_month_max > FEN_MAX) {
  throw new Error('limits: payout_line_amount_fen_max × payout_lines_per_project_month_max must stay within FEN_MAX, or a month total could overflow')
}

export interface DueLine {
  workerId: string
  workerName: string
  cardNo: string
  dueFen: Fen
  daysPresent: number
  /** The team the worker's timesheet line is under: an approved sheet of that team replaces the line (see `sheets`). */
  teamId?: string
  teamName?: string
}

export interface PaidLine {
  lineId: string
  fileId: string
  lineNo: number
  payeeCard: string
  payeeName: string
  amountFen: Fen
  /** success (booked), failed (rejected), pending (neither yet), returned (退票: undoes the payment it names). */
  status: 'success' | 'failed' | 'pending' | 'returned'
  bankRef: string
  valueDate: string
  failureReason: string | null
  /**
   * 付款账号: the account the bank debited, when the file gives it. Null (or absent): the line was paid from the account
   * the file was posted for, the project's dedicated account.
   */
  payerAccountNo?: string | null
  /** Our instruction line's EndToEndId, as the bank gave it back. */
  endToEndId?: string | null
  /** On a returned line: the payment it undoes, by EndToEndId and/or the bank's reference. */
  returnOf?: { endToEndId: string | null; bankRef: string | null } | null
}

export interface CardOwner {
  workerId: string
  workerName: string
}

export interface ReconcileInput {
  /** YYYY-MM */
  period: string
  /** YYYY-MM-DD: the pay date (工资支付日) of the period, the deadline. */
  payDate: string
  due: DueLine[]
  payouts: PaidLine[]
  /** Every card of every worker enrolled on the project, old cards included. */
  cardOwners: ReadonlyMap<string, CardOwner>
  /**
   * The month's payroll sheets (工资支付表). Given, what is due is the approved sheets' 实发 for the teams that have one
   * and `due` (the timesheet's) for the others; absent, `due` alone, as before sheets existed.
   */
  sheets?: MonthSheets
  /**
   * The project's dedicated account (专用账户). Given, a successful line naming a payer account counts as paid only when
   * debited from it (src/account/funding.ts dedicatedPayouts); absent, every line counts, as before.
   */
  payer?: { projectId: string; account: DedicatedAccount | undefined }
  /** Flags found about the month elsewhere (funding of the account, the deposit), listed with the others in kind order. */
  monthFlags?: readonly MonthFlag[]
  /**
   * Today (YYYY-MM-DD, the project's zone), what a pending payment's age is counted to. Absent: `sheets.asOf`; neither:
   * no PAYMENT_PENDING_TOO_LONG, there being no today to age by.
   */
  asOf?: string
  /** Calendar days a payment may stay pending before PAYMENT_PENDING_TOO_LONG; default PAYMENT_PENDING_DAYS_MAX. */
  pendingDaysMax?: number
  /**
   * The project's enrolments (进退场), every one, exited included. Given: a payment to an enrolled person absent from the
   * month's timesheet raises PAID_TO_NON_WORKER (instead of PAID_WITHOUT_ATTENDANCE), and a worker whose exit date falls
   * in the month and who is not paid the month in full by the settlement deadline raises EXITED_UNSETTLED (with `asOf`).
   * Absent: neither is raised and PAID_WITHOUT_ATTENDANCE reads as before.
   */
  enrolments?: readonly EnrolmentSpan[]
  /**
   * What each worker was paid on the project in the calendar year's earlier pay months (each payment once, net of
   * returns): OVERSIZED's year rule counts from it. Absent: the year holds this month alone.
   */
  paidEarlierInYear?: readonly WorkerMonthPaid[]
}

/** A worker's enrolment on the project: when they came and, once they have left, when they left (退场). */
export interface EnrolmentSpan {
  workerId: string
  entryDate: string
  exitDate: string | null
  /** Exits a return (再次进场) followed, each with its return (src/roster/spells.ts); absent: none. */
  breaks?: readonly EnrolmentBreak[]
}

/** How long a payment may stay pending by default: the rule's own constant (src/flags/project-flags.ts), 3 days. */
export { PAYMENT_PENDING_DAYS_MAX }

/** A team's newest sheet of the month when it is not (or no longer) approved: what NO_PAYROLL_SHEET shows. */
export interface PendingSheet {
  sheetId: string
  version: number
  state: string
}

export interface MonthSheets {
  /** Per team, the approved sheet in force (ApprovedPayrollSource.approvedForMonth). */
  approved: readonly ApprovedTeamMonth[]
  /** Per team id, its newest sheet of the month when none is approved. */
  pending: ReadonlyMap<string, PendingSheet>
  /** Today (YYYY-MM-DD, the project's zone): a team without an approved sheet is flagged only once the pay date has passed. */
  asOf: string
}

/** A flag about the month rather than a worker (workerId and card null), with its evidence as its rule gave it. */
export interface MonthFlag {
  kind: FlagKind
  evidence: Record<string, unknown>
  /** As Flag's: what tells apart several of the kind in one month (a funding period, a deposit letter). */
  scope?: string
}

/** In order of precedence: the order flags are listed in. */
export const FLAG_KINDS = [
  'UNPAID',
  'SHORTFALL',
  'UNKNOWN_PAYEE',
  'FAILED',
  'LATE',
  'PAYEE_NAME_MISMATCH',
  'OVERPAID',
  'PAID_WITHOUT_ATTENDANCE',
  // Issue 10: money going out. After the payment flags, so a month's existing order is unchanged.
  'PAYER_NOT_DEDICATED',
  'NO_PAYROLL_SHEET',
  'NOT_WORKER_CONFIRMED',
  'FUNDING_LATE',
  'FUNDING_SHORT',
  'DEPOSIT_MISSING',
  'DEPOSIT_SHORT',
  'DEPOSIT_EXPIRING',
  'BELOW_MINIMUM_WAGE',
  // Issue 11: evidence coming back. Last again, for the same reason.
  'RETURNED',
  'PAYMENT_PENDING_TOO_LONG',
  // Issue 11, the project-level checks (src/flags/project-flags.ts), last again: first who received the money (one
  // card for several workers, a roster member who did not work), then how much (one worker), then a leaver's
  // settlement, then the project-month's counts (a group in arrears, attended workers without a payout).
  'SHARED_CARD',
  'PAID_TO_NON_WORKER',
  'OVERSIZED',
  'EXITED_UNSETTLED',
  'GROUP_ARREARS',
  'HEADCOUNT_GAP',
] as const
export type FlagKind = (typeof FLAG_KINDS)[number]

/**
 * What a list of evidence lines stands for (证据行汇总): every line the flag rests on, not only those shown. A flag
 * shows at most LIMITS.flag_evidence_lines_max lines, the first in money order (value date, file, line); `count` and
 * `amountFen` cover them all, so the flag's figure stays provable, and `status` with the flag's worker (or card, for
 * a card no worker owns) names the listing that returns all of them in the same order (the HTTP edge adds its URL).
 */
export interface EvidenceLinesTotal {
  count: number
  amountFen: Fen
  amountYuan: string
  /** Lines shown in the evidence: min(count, flag_evidence_lines_max). */
  shown: number
  status: PaidLine['status']
}

export interface Flag {
  kind: FlagKind
  workerId: string | null
  payeeCard: string | null
  dueFen: Fen | null
  paidFen: Fen | null
  /**
   * JSON-serialisable proof: payout line ids and bank refs, dates, amounts as
   * fen and as yuan strings. Cards in it are masked (****1234); the one full
   * card number a flag needs is `payeeCard`, a column a view can mask or guard.
   * Bounded whatever the month holds: a list of lines (`lines`, `failedLines`)
   * shows at most LIMITS.flag_evidence_lines_max of them beside its
   * EvidenceLinesTotal (`linesTotal`, `failedLinesTotal`).
   */
  evidence: Record<string, unknown>
  /**
   * What tells apart flags of one kind in one month that name neither worker nor card, for the key of their case
   * (src/flags/cases.ts caseSubject): without it the second would be folded into the first's case and lost.
   */
  scope?: string
}

export type WorkerPayStatus = 'paid' | 'short' | 'unpaid' | 'over'

export interface WorkerReconciliation {
  workerId: string
  dueFen: Fen
  paidFen: Fen
  status: WorkerPayStatus
}

export interface Reconciliation {
  period: string
  payDate: string
  flags: Flag[]
  totals: {
    /** Workers due or paid this period: the rows of perWorker. */
    workers: number
    dueFen: Fen
    /** Successful payouts to enrolled workers' cards. */
    paidFen: Fen
    /** Successful payouts to cards no enrolled worker owns. */
    unknownPaidFen: Fen
    /** Sum over due workers of max(0, due − paid). */
    shortFen: Fen
  }
  perWorker: WorkerReconciliation[]
  /**
   * Approved sheets every line of which is paid in full: no UNPAID, SHORTFALL or FAILED flag names a worker of theirs.
   * Sorted; the service settles those that are instructed.
   */
  sheetsPaidInFull: string[]
  /**
   * Approved sheets a worker of which is not paid in full because a payment to them came back (退票): UNPAID,
   * SHORTFALL or FAILED beside a RETURNED flag of theirs, with the returns' bank references as evidence. Sorted by
   * sheet; the service moves those that were settled back to instructed (paid in part, not settled).
   */
  sheetsReturned: SheetReturned[]
}

/** A sheet no longer paid in full for a return: its workers unpaid again, each with the returns of their payments. */
export interface SheetReturned {
  sheetId: string
  workers: Array<{ workerId: string; returnBankRefs: string[] }>
}

const lineIdOf = (l: PaidLine): string => l.lineId

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Nulls last: per-worker flags read first, then the ones about strangers' cards. */
function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  return compareText(a, b)
}

/** Money order of events: by value date, then where the line was reported. lineId makes it total. */
function compareLines(a: PaidLine, b: PaidLine): number {
  // compareText's order, each field read once when equal (a month's lines mostly share their date and file).
  if (a.valueDate !== b.valueDate) return a.valueDate < b.valueDate ? -1 : 1
  if (a.fileId !== b.fileId) return a.fileId < b.fileId ? -1 : 1
  return a.lineNo - b.lineNo || compareText(a.lineId, b.lineId)
}

const yuan = (amount: Fen): string => formatYuan(amount)

/** Per counted line, the other reports of its payment (other files, other formats): listed, never counted. */
type OtherReports = ReadonlyMap<string, readonly PaidLine[]>
const NO_OTHER_REPORTS: OtherReports = new Map()

function lineEvidence(l: PaidLine, others: OtherReports = NO_OTHER_REPORTS): Record<string, unknown> {
  const evidence: Record<string, unknown> = {
    lineId: l.lineId,
    fileId: l.fileId,
    lineNo: l.lineNo,
    bankRef: l.bankRef,
    valueDate: l.valueDate,
    payeeCard: maskCard(cardKey(l.payeeCard)),
    payeeName: l.payeeName,
    amountFen: l.amountFen,
    amountYuan: yuan(l.amountFen),
    status: l.status,
    failureReason: l.failureReason,
  }
  // Only lines of the newer formats carry these, so a month of delimited files shows exactly what it always did.
  if (l.endToEndId !== undefined && l.endToEndId !== null) evidence.endToEndId = l.endToEndId
  if (l.returnOf !== undefined && l.returnOf !== null) evidence.returnOf = l.returnOf
  const also = others.get(l.lineId)
  if (also !== undefined && also.length > 0) {
    evidence.otherReports = also.slice(0, LIMITS.flag_evidence_lines_max).map((o) => ({ lineId: o.lineId, fileId: o.fileId, lineNo: o.lineNo, bankRef: o.bankRef, valueDate: o.valueDate, status: o.status, amountFen: o.amountFen }))
    evidence.otherReportCount = also.length
  }
  return evidence
}

/** The first lines (already in money order) as evidence, and what all of them add up to (`amountFen`, when already summed). */
function evidenceLines(
  lines: readonly PaidLine[],
  status: PaidLine['status'],
  others: OtherReports = NO_OTHER_REPORTS,
  amountFen: Fen = totalOf(lines),
): { shown: Array<Record<string, unknown>>; total: EvidenceLinesTotal } {
  const shown = lines.slice(0, LIMITS.flag_evidence_lines_max).map((l) => lineEvidence(l, others))
  return { shown, total: { count: lines.length, amountFen, amountYuan: yuan(amountFen), shown: shown.length, status } }
}

/** What the lines add up to: sumFen of their amounts (a single line's checked the same way, without an array). */
function totalOf(lines: readonly PaidLine[]): Fen {
  if (lines.length === 0) return ZERO_FEN
  if (lines.length === 1) return addFen(ZERO_FEN, (lines[0] as PaidLine).amountFen)
  return sumFen(lines.map((l) => l.amountFen))
}

/** The parts of a worker's flags' evidence: their figures and where the due comes from, their paid and failed lines. */
interface WorkerEvidence {
  amounts: Record<string, unknown>
  lines: { lines: Array<Record<string, unknown>>; linesTotal: EvidenceLinesTotal }
  failedLines: { failedLines: Array<Record<string, unknown>>; failedLinesTotal: EvidenceLinesTotal }
}

function workerEvidence(w: WorkerTally, dueFen: Fen, failedFen: Fen, basis: DueBasis, others: OtherReports): WorkerEvidence {
  const successes = evidenceLines(w.successes, 'success', others, w.paidFen)
  const failures = evidenceLines(w.failures, 'failed', others, failedFen)
  return {
    amounts: { dueFen, dueYuan: yuan(dueFen), paidFen: w.paidFen, paidYuan: yuan(w.paidFen), ...basis.evidenceOf(w.due) },
    lines: { lines: successes.shown, linesTotal: successes.total },
    failedLines: { failedLines: failures.shown, failedLinesTotal: failures.total },
  }
}

interface DueWorker {
  workerId: string
  workerName: string
  /** The smallest card named on the payroll sheet (most workers have one, kept without an array). */
  card: string
  /** Every card named on the payroll sheet, sorted, when there are several (`card` is the first); else undefined. */
  moreCards: string[] | undefined
  dueFen: Fen
  daysPresent: number
  /**
   * The worker's first approved sheet line and its team, and any others in line order: most workers have one line,
   * kept without an object of its own.
   */
  sheetLine: ApprovedLine | undefined
  sheetTeam: ApprovedTeamMonth | undefined
  moreSheetLines: SheetLineRef[] | undefined
}

interface Owner {
  workerId: string
  workerName: string
}

/**
 * One payroll sheet may list a worker twice (two teams, a supplementary
 * sheet): they are one person owed the sum, so due lines are merged by worker.
 * The approved sheets' lines come first, then the timesheet's lines of teams without one (dueBasis). Each worker due
 * something gets their tally here, in that order: the tallies of a month are these, then the payees met after.
 */
function mergeDue(basis: DueBasis): { workers: Map<string, WorkerTally>; due: DueWorker[] } {
  const workers = new Map<string, WorkerTally>()
  const due: DueWorker[] = []
  /** The amounts of workers with more than one line, summed once all are in; most workers have one. */
  const amountsOf = new Map<string, Fen[]>()
  const add = (workerId: string, workerName: string, cardNo: string, dueFen: Fen, daysPresent: number, team: ApprovedTeamMonth | undefined, sheetLine: ApprovedLine | undefined): void => {
    const card = cardKey(cardNo)
    const w = workers.get(workerId)?.due
    if (w === undefined) {
      // One object is both the worker's tally and their due (its own `due`): one allocation per worker, not two.
      const tally: WorkerTally & DueWorker = { workerId, workerName, due: undefined, successes: NO_LINES, failures: NO_LINES, paidFen: ZERO_FEN, earlierAbsFen: 0, card, moreCards: undefined, dueFen, daysPresent: 0 + daysPresent, sheetLine, sheetTeam: team, moreSheetLines: undefined }
      tally.due = tally
      due.push(tally)
      workers.set(workerId, tally)
      return
    }
    // The smallest name, whichever line comes first.
    if (workerName < w.workerName) w.workerName = workerName
    if (w.moreCards === undefined) {
      if (card !== w.card) w.moreCards = [w.card, card]
    } else if (!w.moreCards.includes(card)) w.moreCards.push(card)
    const amounts = amountsOf.get(workerId)
    if (amounts === undefined) amountsOf.set(workerId, [w.dueFen, dueFen])
    else amounts.push(dueFen)
    w.daysPresent += daysPresent
    if (sheetLine !== undefined) {
      if (w.sheetLine === undefined) {
        w.sheetLine = sheetLine
        w.sheetTeam = team
      } else (w.moreSheetLines ??= []).push({ team: team as ApprovedTeamMonth, line: sheetLine })
    }
  }
  for (const team of basis.approved) for (const l of team.lines) add(l.workerId, l.workerName, l.cardNo, l.netFen, l.dayHalves / 2, team, l)
  for (const d of basis.timesheetLines) add(d.workerId, d.workerName, d.cardNo, d.dueFen, d.daysPresent, undefined, undefined)
  for (const w of due) {
    const amounts = amountsOf.size === 0 ? undefined : amountsOf.get(w.workerId)
    // addFen(0, x) is sumFen([x]): the same check of a single amount, without an array per worker.
    w.dueFen = amounts === undefined ? addFen(ZERO_FEN, w.dueFen) : sumFen(amounts)
    if (w.moreCards !== undefined) w.card = w.moreCards.sort(compareText)[0] as string
  }
  return { workers, due }
}

/**
 * The roster's card owners by the card's digits. A roster whose cards are all written without spaces (as the roster
 * schema holds them) is that map already, and is read as it is rather than copied.
 */
function ownersByCard(cardOwners: ReadonlyMap<string, Owner>): ReadonlyMap<string, Owner> {
  let normalised = true
  for (const card of cardOwners.keys()) {
    if (cardKey(card) !== card) {
      normalised = false
      break
    }
  }
  if (normalised) return cardOwners
  const owners = new Map<string, Owner>()
  for (const [card, owner] of cardOwners) owners.set(cardKey(card), owner)
  return owners
}

/**
 * No lines yet: shared (frozen) by every tally without a failed line and every payment without a return, which are
 * most of a month's, instead of an empty array each. `withLine` gives a list its first line, in an array of one (an
 * empty array grows to 17 slots at its first push, and a month's workers are mostly paid once).
 */
const NO_LINES: readonly PaidLine[] = Object.freeze([])

function withLine(lines: readonly PaidLine[], line: PaidLine): readonly PaidLine[] {
  if (lines === NO_LINES) return [line]
  ;(lines as PaidLine[]).push(line)
  return lines
}

interface WorkerTally {
  workerId: string
  workerName: string
  due: DueWorker | undefined
  successes: readonly PaidLine[]
  failures: readonly PaidLine[]
  paidFen: Fen
  /** The absolute amounts of the worker's `paidEarlierInYear` rows before this month, added up (oversizedRows). */
  earlierAbsFen: number
}

/**
 * Reconciles one pay month. Rules, each a flag:
 *
 * - Payments are attributed by card, not by name: a card belongs to the worker
 *   `cardOwners` says (any of the worker's cards, so a retry to a replacement
 *   card counts), or failing that to the worker whose payroll line names it.
 *   Names are not unique (two 张伟 on one site) and are what a labour boss fakes.
 * - UNKNOWN_PAYEE (非本项目人员收款): a successful payout to a card no enrolled
 *   worker owns. The dedicated account may pay only this project's workers;
 *   paying a labour boss or team leader on the workers' behalf (包工头/班组长代领)
 *   or a ghost is what the rule forbids. One flag per card, with its total.
 * - UNPAID (未发放): due > 0 and nothing reached the worker's cards.
 * - SHORTFALL (少发/克扣): 0 < paid < due; evidence carries the short amount.
 * - OVERPAID (超发): paid > due. Money moved that the sheet does not explain:
 *   often the other half of someone else's shortfall, or wages routed through
 *   one worker's card for a team.
 * - FAILED (代发失败未补发): a failed line (closed or frozen card, 户名不符)
 *   that was not made good — its card's worker did not end up paid in full,
 *   or the card is no enrolled worker's. A failure later retried successfully
 *   is history, not a problem. Failures to an enrolled worker who was owed
 *   nothing moved no money and are not flagged.
 * - LATE (逾期支付): the worker was paid in full, but the cumulative successful
 *   amount reached the due only on a value date after the pay date (按月足额
 *   按时支付). A worker never paid in full is UNPAID or SHORTFALL instead.
 * - PAYEE_NAME_MISMATCH (户名不符): a successful line to an enrolled worker's card
 *   under another name (after trimming): the card may be held by someone else
 *   (Art. 11: no one may hold a worker's card), or the roster is wrong.
 * - PAID_WITHOUT_ATTENDANCE (无考勤发薪): a successful payout to an enrolled
 *   worker with no payroll line or a due of 0: pay without work is how wages
 *   are siphoned through borrowed names (借名/挂名). One flag per worker.
 *
 * With `sheets` (issue 10), what is due is the approved sheet's 实发 (dueBasis), and:
 * - NO_PAYROLL_SHEET (无工资支付表): after the pay date, a team with attendance
 *   and no approved sheet; its workers are due their timesheet figures meanwhile.
 * - NOT_WORKER_CONFIRMED (未经本人确认): an approved line whose worker's newest
 *   answer is not `confirm`. Due all the same: the GC approved it.
 * What counts as paid (issue 11, src/payouts/formats/evidence.ts): only booking evidence (status `success`). The lines
 * are grouped into payments (paymentsOf: by EndToEndId, else bank reference), so a payment reported by a pain.002, a
 * camt.054 and a 代发 result counts once, at its earliest success report; the other reports are listed beside it
 * (`otherReports`). A payment with a success and a failure is booked (no FAILED); one with only pending reports is
 * neither paid nor failed. A `returned` line (退票) undoes the payment it names:
 * - RETURNED (退票): the payment no longer counts, so UNPAID / SHORTFALL reappear; one flag per worker or card
 *   (returnedFlags). A return naming no payment on file is listed with `original: null`.
 * - PAYMENT_PENDING_TOO_LONG (长时间处理中): a payment with only pending reports, the earliest more than
 *   `pendingDaysMax` days before `asOf` (src/flags/project-flags.ts paymentPendingTooLong).
 * - A success report naming no payee (an empty name: a camt transaction without Cdtr/Nm) is no evidence about the
 *   name and raises no PAYEE_NAME_MISMATCH; a payment raises at most one.
 * Lines without EndToEndIds, success or failed, are each their own payment: months posted before read as they did.
 *
 * The project-level checks (issue 11, src/flags/project-flags.ts; see projectFlags), after the others in FLAG_KINDS:
 * - SHARED_CARD (一卡多人): one card paid, in the month, for two or more workers; the card is the subject.
 * - PAID_TO_NON_WORKER (付给非务工人员), with `enrolments`: a payment that counts to an enrolled person who is on
 *   neither the month's timesheet nor an approved sheet's line (a team leader, a labour boss who never punches). It is
 *   what PAID_WITHOUT_ATTENDANCE said with `onPayrollSheet: false`, and replaces it for that person; PAID_WITHOUT_
 *   ATTENDANCE stays the flag of someone on the month's timesheet or sheet who was due nothing (and of a card owner the
 *   given enrolments do not list); UNKNOWN_PAYEE stays the flag of a card no enrolled person owns. Never two of them.
 * - OVERSIZED (大额异常): a worker paid over ¥50,000 this month, or whose year (`paidEarlierInYear` + this month)
 *   crosses ¥300,000 this month.
 * - EXITED_UNSETTLED (退场未结清), with `enrolments` and `asOf`: exit date in the month, not paid the month in full by
 *   exit + 3 days.
 * - GROUP_ARREARS (群体性欠薪), with `asOf` after the pay date: 10 or more workers unpaid or short; the project.
 * - HEADCOUNT_GAP (发薪人数缺口), with `asOf` after the pay date: 10% or more of the workers with a day present have no
 *   payment that counts; the project.
 * None of them changes a paid or due figure, `totals`, `perWorker` or `sheetsPaidInFull`.
 *
 * With `payer`, PAYER_NOT_DEDICATED (非专用账户代发): successes debited from
 *   another account, which do not count as paid (payerCheck). `monthFlags`
 *   (FUNDING_*, DEPOSIT_*) are listed as given, after the others.
 *
 * Throws RangeError on malformed input (bad period or date, asOf or pendingDaysMax, a payout line id
 * twice, two approved sheets for one team): those are the caller's bugs, not
 * findings about the bank.
 */
export function reconcile(input: ReconcileInput): Reconciliation {
  if (!isMonth(input.period)) throw new RangeError(`period must be YYYY-MM, got ${JSON.stringify(input.period)}`)
  if (!isWorkDate(input.payDate)) throw new RangeError(`payDate must be YYYY-MM-DD, got ${JSON.stringify(input.payDate)}`)
  const asOf = input.asOf ?? input.sheets?.asOf
  if (asOf !== undefined && !isWorkDate(asOf)) throw new RangeError(`asOf must be YYYY-MM-DD, got ${JSON.stringify(asOf)}`)
  const pendingDaysMax = input.pendingDaysMax ?? PAYMENT_PENDING_DAYS_MAX
  if (!Number.isSafeInteger(pendingDaysMax) || pendingDaysMax < 0) throw new RangeError(`pendingDaysMax must be a whole number of days, got ${String(pendingDaysMax)}`)
  // A year's rows name a dozen months at most: a month once found valid is not matched again.
  let validMonth = input.period
  for (const p of input.paidEarlierInYear ?? []) {
    if (p.month === validMonth) continue
    if (!isMonth(p.month)) throw new RangeError(`paidEarlierInYear: month must be YYYY-MM, got ${JSON.stringify(p.month)} for ${p.workerId}`)
    validMonth = p.month
  }
  // Built in one go (no call per line); only a month with a line id twice is walked again, for the first repeat.
  if (new Set(input.payouts.map(lineIdOf)).size !== input.payouts.length) {
    const lineIds = new Set<string>()
    for (const p of input.payouts) {
      const before = lineIds.size
      if (lineIds.add(p.lineId).size === before) throw new RangeError(`payout line ${p.lineId} is listed twice`)
    }
  }

  const basis = dueBasis(input)
  const { workers, due: dueWorkers } = mergeDue(basis)

  const owners = ownersByCard(input.cardOwners)
  // The payroll line's card as a fallback owner; the smallest worker id wins a card two sheets name, so order cannot
  // matter. A card the roster gives an owner never reaches the fallback, so it is left out, and the fallback is indexed
  // the first time a card the roster does not know is met (in most months, never).
  let dueCardOwners: Map<string, Owner> | undefined
  const payrollOwnerOf = (card: string): Owner | undefined => {
    if (dueCardOwners === undefined) {
      dueCardOwners = new Map<string, Owner>()
      for (const w of dueWorkers) {
        for (const c of w.moreCards ?? [w.card]) {
          if (owners.get(c) !== undefined) continue
          const known = dueCardOwners.get(c)
          if (known === undefined || w.workerId < known.workerId) dueCardOwners.set(c, { workerId: w.workerId, workerName: w.workerName })
        }
      }
    }
    return dueCardOwners.get(card)
  }
  const ownerOf = (card: string): Owner | undefined => owners.get(card) ?? payrollOwnerOf(card)

  // Every worker due something has a tally already (mergeDue); a payee met here is due nothing.
  const tallyOf = (owner: Owner): WorkerTally => {
    let w = workers.get(owner.workerId)
    if (!w) {
      w = { workerId: owner.workerId, workerName: owner.workerName, due: undefined, successes: NO_LINES, failures: NO_LINES, paidFen: ZERO_FEN, earlierAbsFen: 0 }
      workers.set(owner.workerId, w)
    }
    return w
  }

  const unknownSuccess = new Map<string, PaidLine[]>()
  const unknownFailures: PaidLine[] = []
  /** The name to expect is the card owner's on the real-name roster (实名制), taken from the ID card, which is what the bank's account holds. */
  const nameChecks: Array<{ line: PaidLine; owner: Owner }> = []
  const { payments, returns } = paymentsOf(input.payouts)
  // A payment is debited once: its account is checked once, on the report it counts at, naming the account any of its
  // success reports names (a pain.002 names none where the camt.054 of the same payment does).
  // Without a payer to check (payerCheck gives every booked payment back), there is nothing to gather.
  const booked: PaidLine[] = []
  if (input.payer !== undefined) {
    for (const p of payments) {
      if (p.outcome !== 'booked') continue
      const named = p.reports.find(namesPayerAccount)
      booked.push(named === undefined || named === p.counted ? p.counted : { ...p.counted, payerAccountNo: named.payerAccountNo ?? null })
    }
  }
  const payer = payerCheck(input, booked)
  // Given back whole (no payer to check, or no line names one): every booked payment counts, and no set is needed.
  const dedicatedIds = payer.payouts === booked ? undefined : new Set(payer.payouts.map((l) => l.lineId))
  const dedicated = (lineId: string): boolean => dedicatedIds === undefined || dedicatedIds.has(lineId)
  const others = otherReportsOf(payments)
  const pending: PendingPayment[] = []
  /** Payments that count to a card under a name other than its owner's: the only ones that can make a card shared. */
  const misnamed: PaidLine[] = []
  // Each payment once: its counted report stands for it, the others are evidence (src/payouts/formats/evidence.ts).
  for (const p of [...payments].sort((a, b) => compareLines(a.counted, b.counted))) {
    const line = p.counted
    /** Whether the counted report's name differs from its card owner's, once the name check below has compared them. */
    let lineMisnamed: boolean | undefined
    const card = cardKey(line.payeeCard)
    const owner = ownerOf(card)
    if (p.outcome === 'booked') {
      // Debited from another account: PAYER_NOT_DEDICATED says so, and it pays nothing here.
      if (!dedicated(line.lineId)) continue
      for (const report of p.reports) {
        if (report.status !== 'success' || report.payeeName.trim() === '') continue
        // A format that names no payee (a camt transaction without Cdtr/Nm) gives no evidence about the name; of the
        // reports that do, the first that differs stands for the payment, so one payment raises at most one flag.
        const reportOwner = report === line ? owner : ownerOf(cardKey(report.payeeCard))
        if (reportOwner === undefined) continue
        const differs = report.payeeName.trim() !== reportOwner.workerName.trim()
        if (report === line) lineMisnamed = differs
        if (differs) {
          nameChecks.push({ line: report, owner: reportOwner })
          break
        }
      }
      if (p.returns.length > 0) continue
    } else if (p.outcome === 'pending') {
      // A return names a payment the bank booked: whatever else was reported, it is no longer in flight.
      if (p.returns.length === 0) pending.push({ lineId: line.lineId, workerId: owner?.workerId ?? null, payeeCard: card, amountFen: line.amountFen, month: input.period, pendingSince: line.valueDate })
      continue
    }
    if (owner === undefined) {
      if (p.outcome === 'booked') {
        const lines = unknownSuccess.get(card) ?? []
        lines.push(line)
        unknownSuccess.set(card, lines)
      } else unknownFailures.push(line)
      continue
    }
    const w = tallyOf(owner)
    if (p.outcome === 'booked') {
      w.successes = withLine(w.successes, line)
      if (lineMisnamed ?? line.payeeName.trim() !== owner.workerName.trim()) misnamed.push(line)
    } else w.failures = withLine(w.failures, line)
  }
  for (const w of workers.values()) w.paidFen = totalOf(w.successes)

  const flags: Array<{ flag: Flag; tie: string }> = []
  const raise = (flag: Flag, tie = ''): void => {
    flags.push({ flag, tie })
  }

  // Who is on the month's timesheet (attendance, 考勤), and who is on the roster: PAID_TO_NON_WORKER is the payment to
  // someone of the second and not of the first (nor of an approved sheet).
  // Both are read only for a worker paid with nothing due, so they are indexed the first time one is met.
  let onTimesheet: ReadonlySet<string> | undefined
  let enrolledBy: ReadonlyMap<string, EnrolmentSpan> | undefined
  const enrolmentOf = (workerId: string): EnrolmentSpan | undefined => {
    if (input.enrolments === undefined) return undefined
    enrolledBy ??= new Map(input.enrolments.map((e) => [e.workerId, e]))
    return enrolledBy.get(workerId)
  }
  const absent = (workerId: string): boolean => {
    if (enrolmentOf(workerId) === undefined) return false
    onTimesheet ??= new Set(input.due.map((d) => d.workerId))
    return !onTimesheet.has(workerId)
  }

  // Evidence is built only for a worker who raises a flag (most of a month's workers raise none), once for all their
  // flags, and then only as many lines as a flag shows: a worker paid 50,000 times costs 20 objects, not 50,000.
  const shownFor = new Map<WorkerTally, WorkerEvidence>()
  const evidence = (w: WorkerTally, failedFen: Fen): WorkerEvidence => {
    let shown = shownFor.get(w)
    if (shown === undefined) shownFor.set(w, (shown = workerEvidence(w, w.due?.dueFen ?? ZERO_FEN, failedFen, basis, others)))
    return shown
  }
  for (const w of workers.values()) {
    const dueFen = w.due?.dueFen ?? ZERO_FEN
    const paidFen = w.paidFen
    const card = w.due?.card ?? cardKey(w.successes[0]?.payeeCard ?? w.failures[0]?.payeeCard ?? '')
    const payeeCard = card === '' ? null : card
    // Summed for every worker, as when every worker's evidence was built: a figure out of range throws whether or not
    // a flag shows it.
    const failedFen = totalOf(w.failures)

    if (dueFen > 0) {
      if (paidFen === 0) {
        raise({
          kind: 'UNPAID',
          workerId: w.workerId,
          payeeCard,
          dueFen,
          paidFen,
          evidence: { period: input.period, payDate: input.payDate, ...evidence(w, failedFen).amounts, daysPresent: w.due?.daysPresent ?? 0, ...evidence(w, failedFen).failedLines },
        })
      } else if (paidFen < dueFen) {
        const shortFen = subFen(dueFen, paidFen)
        raise({
          kind: 'SHORTFALL',
          workerId: w.workerId,
          payeeCard,
          dueFen,
          paidFen,
          evidence: { ...evidence(w, failedFen).amounts, shortFen, shortYuan: yuan(shortFen), ...evidence(w, failedFen).lines, ...evidence(w, failedFen).failedLines },
        })
      } else {
        const late = lateness(w.successes, dueFen, input.payDate)
        if (late !== undefined) {
          raise({
            kind: 'LATE',
            workerId: w.workerId,
            payeeCard,
            dueFen,
            paidFen,
            evidence: {
              payDate: input.payDate,
              paidInFullOn: late.reachedOn,
              paidByPayDateFen: late.paidByPayDate,
              paidByPayDateYuan: yuan(late.paidByPayDate),
              ...evidence(w, failedFen).amounts,
              ...evidence(w, failedFen).lines,
            },
          })
        }
        if (paidFen > dueFen) {
          const overFen = subFen(paidFen, dueFen)
          raise({
            kind: 'OVERPAID',
            workerId: w.workerId,
            payeeCard,
            dueFen,
            paidFen,
            evidence: { ...evidence(w, failedFen).amounts, overFen, overYuan: yuan(overFen), ...evidence(w, failedFen).lines },
          })
        }
      }
      if (paidFen < dueFen) {
        for (const f of w.failures) {
          raise(
            {
              kind: 'FAILED',
              workerId: w.workerId,
              payeeCard: cardKey(f.payeeCard),
              dueFen,
              paidFen,
              evidence: { line: lineEvidence(f, others), bankRef: f.bankRef, failureReason: f.failureReason, ...evidence(w, failedFen).amounts },
            },
            f.lineId,
          )
        }
      }
    }
    if (paidFen > 0 && w.due === undefined && absent(w.workerId)) {
      // On the roster, on neither the month's timesheet nor a payroll sheet line, and paid: PAID_TO_NON_WORKER says it,
      // and PAID_WITHOUT_ATTENDANCE is not raised beside it (one problem, one case).
      const enrolment = enrolmentOf(w.workerId)
      const payeeNames = [...new Set(w.successes.map((l) => l.payeeName.trim()))].sort(compareText)
      raise({
        kind: 'PAID_TO_NON_WORKER',
        workerId: w.workerId,
        payeeCard: cardKey(w.successes[0]?.payeeCard ?? '') || null,
        dueFen: null,
        paidFen,
        evidence: {
          period: input.period,
          entryDate: enrolment?.entryDate ?? null,
          exitDate: enrolment?.exitDate ?? null,
          // The dates alone (first entry, exit null again after a return) would read as on site all month: a person
          // away the whole month, between an exit and the return after it (再次进场), was not enrolled in it.
          ...(enrolment?.breaks === undefined || enrolment.breaks.length === 0 ? {} : { breaks: enrolment.breaks }),
          enrolledInMonth: enrolment !== undefined && enrolledBetween(enrolment, `${input.period}-01`, `${input.period}-31`),
          onTimesheet: false,
          onPayrollSheet: false,
          payeeNames: payeeNames.slice(0, LIMITS.flag_evidence_lines_max),
          payeeNameCount: payeeNames.length,
          ...evidence(w, failedFen).amounts,
          ...evidence(w, failedFen).lines,
        },
      })
    } else if (dueFen === 0 && paidFen > 0) {
      raise({
        kind: 'PAID_WITHOUT_ATTENDANCE',
        workerId: w.workerId,
        payeeCard: cardKey(w.successes[0]?.payeeCard ?? '') || null,
        dueFen: w.due === undefined ? null : dueFen,
        paidFen,
        evidence: {
          onPayrollSheet: w.due !== undefined,
          daysPresent: w.due?.daysPresent ?? null,
          ...evidence(w, failedFen).amounts,
          ...evidence(w, failedFen).lines,
        },
      })
    }
  }

  for (const { line, owner } of nameChecks) {
    const expected = owner.workerName.trim()
    if (line.payeeName.trim() !== expected) {
      const w = workers.get(owner.workerId)
      raise(
        {
          kind: 'PAYEE_NAME_MISMATCH',
          workerId: owner.workerId,
          payeeCard: cardKey(line.payeeCard),
          dueFen: w?.due?.dueFen ?? null,
          paidFen: line.amountFen,
          evidence: { expectedName: expected, payeeName: line.payeeName.trim(), line: lineEvidence(line, others) },
        },
        line.lineId,
      )
    }
  }

  for (const [card, lines] of unknownSuccess) {
    const shown = evidenceLines(lines, 'success', others)
    const paidFen = shown.total.amountFen
    // A labour boss's card may be paid under every worker's name: the names are bounded like the lines.
    const payeeNames = [...new Set(lines.map((l) => l.payeeName.trim()))].sort(compareText)
    raise({
      kind: 'UNKNOWN_PAYEE',
      workerId: null,
      payeeCard: card,
      dueFen: null,
      paidFen,
      evidence: {
        paidFen,
        paidYuan: yuan(paidFen),
        payeeNames: payeeNames.slice(0, LIMITS.flag_evidence_lines_max),
        payeeNameCount: payeeNames.length,
        lines: shown.shown,
        linesTotal: shown.total,
      },
    })
  }
  for (const f of unknownFailures) {
    raise(
      {
        kind: 'FAILED',
        workerId: null,
        payeeCard: cardKey(f.payeeCard),
        dueFen: null,
        paidFen: null,
        evidence: { line: lineEvidence(f, others), bankRef: f.bankRef, failureReason: f.failureReason, enrolledCard: false },
      },
      f.lineId,
    )
  }

  for (const f of returnedFlags(input.period, payments, returns, ownerOf, workers)) raise(f.flag, f.tie)
  if (asOf !== undefined) {
    // The rule is project-flags' (one flag per worker, or card, and month); its input is already valid here.
    for (const f of paymentPendingTooLong(pending, asOf, pendingDaysMax).flags) raise({ ...f, kind: 'PAYMENT_PENDING_TOO_LONG' })
  }
  for (const f of projectFlags(input, asOf, { workers, unknownSuccess, misnamed, ownerOf, dueWorkers })) raise(f)
  for (const f of payer.flags) raise(f.flag, f.tie)
  for (const f of basis.flags) raise(f.flag, f.tie)
  ;(input.monthFlags ?? []).forEach((f, i) => {
    // Each rule gives its flags in its own deterministic order; the index keeps it.
    raise({ kind: f.kind, workerId: null, payeeCard: null, dueFen: null, paidFen: null, evidence: f.evidence, ...(f.scope === undefined ? {} : { scope: f.scope }) }, String(i).padStart(9, '0'))
  })

  flags.sort(
    (a, b) =>
      FLAG_KINDS.indexOf(a.flag.kind) - FLAG_KINDS.indexOf(b.flag.kind) ||
      compareNullable(a.flag.workerId, b.flag.workerId) ||
      compareNullable(a.flag.payeeCard, b.flag.payeeCard) ||
      compareText(a.tie, b.tie),
  )

  // A month's workers are distinct keys, never equal: one comparison says which comes first.
  const perWorker: WorkerReconciliation[] = [...workers.values()]
    .sort((a, b) => (a.workerId < b.workerId ? -1 : 1))
    .map((w) => {
      const dueFen = w.due?.dueFen ?? ZERO_FEN
      return { workerId: w.workerId, dueFen, paidFen: w.paidFen, status: payStatus(dueFen, w.paidFen) }
    })

  const unpaidWorkers = new Set(flags.filter((f) => f.flag.workerId !== null && UNPAID_KINDS.has(f.flag.kind)).map((f) => f.flag.workerId))
  const sheetsPaidInFull = (input.sheets?.approved ?? [])
    .filter((s) => unpaidWorkers.size === 0 || s.lines.every((l) => !unpaidWorkers.has(l.workerId)))
    .map((s) => s.sheetId)
    .sort(compareText)
  // The returns of each worker's payments (by the card's owner, as RETURNED groups them), in report order.
  const returnsOf = new Map<string, string[]>()
  for (const p of payments) {
    const owner = p.returns.length > 0 ? ownerOf(cardKey(p.counted.payeeCard)) : undefined
    if (owner === undefined) continue
    returnsOf.set(owner.workerId, [...(returnsOf.get(owner.workerId) ?? []), ...p.returns.map((r) => r.bankRef)])
  }
  // A sheet lists a worker only if one is unpaid again for a return: in most months none is, and no sheet is walked.
  const sheetsReturned: SheetReturned[] = (unpaidWorkers.size === 0 || returnsOf.size === 0 ? [] : (input.sheets?.approved ?? []))
    .map((s) => ({
      sheetId: s.sheetId,
      workers: [...new Set(s.lines.map((l) => l.workerId))]
        .filter((id) => unpaidWorkers.has(id) && returnsOf.has(id))
        .sort(compareText)
        .map((workerId) => ({ workerId, returnBankRefs: returnsOf.get(workerId)! })),
    }))
    .filter((s) => s.workers.length > 0)
    .sort((a, b) => compareText(a.sheetId, b.sheetId))

  return {
    period: input.period,
    payDate: input.payDate,
    sheetsPaidInFull,
    sheetsReturned,
    flags: flags.map((f) => f.flag),
    totals: {
      workers: perWorker.length,
      dueFen: sumFenOf(dueWorkers, dueOf),
      paidFen: sumFenOf(perWorker, paidOf),
      unknownPaidFen: unknownSuccess.size === 0 ? ZERO_FEN : sumFen([...unknownSuccess.values()].flat().map((l) => l.amountFen)),
      shortFen: sumFenOf(perWorker, shortOf),
    },
    perWorker,
  }
}

const dueOf = (w: DueWorker): Fen => w.dueFen
const paidOf = (w: WorkerReconciliation): Fen => w.paidFen
const shortOf = (w: WorkerReconciliation): Fen => (w.paidFen < w.dueFen ? subFen(w.dueFen, w.paidFen) : ZERO_FEN)

/**
 * sumFen of the items' amounts without an array of them: the integer sum while every step is a safe integer, as sumFen
 * takes it; past that, sumFen itself over the amounts, so the figure (or the error) is the one it gives.
 */
function sumFenOf<T>(items: readonly T[], amountOf: (item: T) => Fen): Fen {
  let total = 0
  for (const item of items) {
    const a = amountOf(item)
    const sum = total + a
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(sum)) return sumFen(items.map(amountOf))
    total = sum
  }
  return fen(total)
}

/** A success report that names the account it was debited from. */
const namesPayerAccount = (r: PaidLine): boolean => r.status === 'success' && r.payerAccountNo !== undefined && r.payerAccountNo !== null

/** What keeps a sheet from being paid in full: a worker of it not paid all of their due. */
const UNPAID_KINDS: ReadonlySet<FlagKind> = new Set(['UNPAID', 'SHORTFALL', 'FAILED'])

/** An approved sheet line as the flags of its worker show it: where the due comes from, and the worker's answer. */
function sheetLineEvidence(team: ApprovedTeamMonth, l: ApprovedLine, deductionsFen: Fen): Record<string, unknown> {
  return {
    teamId: team.teamId,
    teamName: team.teamName,
    sheetId: team.sheetId,
    version: team.version,
    lineId: l.lineId,
    payableFen: l.payableFen,
    payableYuan: yuan(l.payableFen),
    deductionsFen,
    deductionsYuan: yuan(deductionsFen),
    netFen: l.netFen,
    netYuan: yuan(l.netFen),
    answer: l.answer,
    answeredAt: l.answeredAtMs === null ? null : new Date(l.answeredAtMs).toISOString(),
  }
}

interface RaisedFlag {
  flag: Flag
  tie: string
}

/** An approved sheet line of a worker, with its team. */
interface SheetLineRef {
  team: ApprovedTeamMonth
  line: ApprovedLine
}

/** Sheet, then line: the order a worker's sheet lines are shown in. */
function compareSheetLineRefs(a: SheetLineRef, b: SheetLineRef): number {
  return compareText(`${a.team.sheetId}\u0000${a.line.lineId}`, `${b.team.sheetId}\u0000${b.line.lineId}`)
}

/** The largest time a Date holds (ECMA-262 TimeClip): beyond it toISOString throws. */
const DATE_MS_MAX = 8.64e15

interface DueBasis {
  /** What is due, line by line: the approved sheets' lines (the 实发 of each), then the timesheet's of teams without one. */
  approved: readonly ApprovedTeamMonth[]
  timesheetLines: readonly DueLine[]
  /** The per-worker flags' evidence of where their due comes from ({} without sheets). */
  evidenceOf: (due: DueWorker | undefined) => Record<string, unknown>
  /** NO_PAYROLL_SHEET, NOT_WORKER_CONFIRMED and BELOW_MINIMUM_WAGE. */
  flags: RaisedFlag[]
}

/**
 * What is due for each worker-month (应付): the 实发 (net) of their line on their team's approved sheet, a deduction
 * being no shortfall; a disputed or unanswered line is still what the general contractor approved (and raises
 * NOT_WORKER_CONFIRMED). A team with attendance and no approved sheet is due its timesheet figures, as before sheets,
 * and raises NO_PAYROLL_SHEET once the pay date has passed.
 */
function dueBasis(input: ReconcileInput): DueBasis {
  const sheets = input.sheets
  if (sheets === undefined) return { approved: [], timesheetLines: input.due, evidenceOf: () => ({}), flags: [] }
  if (!isWorkDate(sheets.asOf)) throw new RangeError(`sheets.asOf must be YYYY-MM-DD, got ${JSON.stringify(sheets.asOf)}`)
  const approvedTeams = new Set<string>()
  for (const team of sheets.approved) {
    if (approvedTeams.has(team.teamId)) throw new RangeError(`team ${team.teamId} has two approved sheets in force for ${input.period}`)
    approvedTeams.add(team.teamId)
  }
  const timesheetLines: DueLine[] = []
  // A line's evidence is built only when a flag shows it (most workers of a month raise none), for each flag that does.
  const flags: RaisedFlag[] = []
  for (const team of sheets.approved) {
    for (const l of team.lines) {
      // Checked for every line, shown or not, as when every line's evidence was built: a bad figure or time is the
      // caller's bug and throws here (the same RangeError toISOString throws), not only once a flag shows the line.
      const deductionsFen = subFen(l.payableFen, l.netFen)
      if (l.answeredAtMs !== null && !(Math.abs(l.answeredAtMs) <= DATE_MS_MAX)) throw new RangeError('Invalid time value')
      const evidence = l.answer !== 'confirm' || l.minimumWage ? sheetLineEvidence(team, l, deductionsFen) : undefined
      if (l.answer !== 'confirm') {
        flags.push({
          flag: {
            kind: 'NOT_WORKER_CONFIRMED',
            workerId: l.workerId,
            payeeCard: cardKey(l.cardNo) || null,
            dueFen: l.netFen,
            paidFen: null,
            evidence: { period: input.period, state: team.state, approvedAt: new Date(team.approvedAtMs).toISOString(), approvedBy: team.approvedBy, ...evidence },
          },
          tie: `${team.sheetId}\u0000${l.lineId}`,
        })
      }
      // A full-time month whose net is below the local minimum wage, as the sheet found it when it was made.
      if (l.minimumWage) {
        flags.push({
          flag: {
            kind: 'BELOW_MINIMUM_WAGE',
            workerId: l.workerId,
            payeeCard: cardKey(l.cardNo) || null,
            dueFen: l.netFen,
            paidFen: null,
            evidence: { period: input.period, state: team.state, finding: l.minimumWage, ...evidence },
          },
          tie: `${team.sheetId}\u0000${l.lineId}`,
        })
      }
    }
  }
  const timesheetTeams = new Map<string, { teamName: string | null; lines: DueLine[] }>()
  for (const d of input.due) {
    if (d.teamId !== undefined && approvedTeams.has(d.teamId)) continue
    timesheetLines.push(d)
    if (d.teamId === undefined) continue
    const team = timesheetTeams.get(d.teamId) ?? { teamName: d.teamName ?? null, lines: [] }
    team.lines.push(d)
    timesheetTeams.set(d.teamId, team)
  }
  if (sheets.asOf > input.payDate) {
    for (const [teamId, team] of timesheetTeams) {
      const present = team.lines.filter((d) => d.daysPresent > 0).sort((a, b) => compareText(a.workerId, b.workerId))
      if (present.length === 0) continue
      const dueFen = sumFen(present.map((d) => d.dueFen))
      const days = present.reduce((n, d) => n + d.daysPresent, 0)
      const pending = sheets.pending.get(teamId)
      flags.push({
        flag: {
          kind: 'NO_PAYROLL_SHEET',
          workerId: null,
          payeeCard: null,
          dueFen,
          paidFen: null,
          evidence: {
            period: input.period,
            payDate: input.payDate,
            asOf: sheets.asOf,
            teamId,
            teamName: team.teamName,
            workers: present.slice(0, LIMITS.flag_evidence_lines_max).map((d) => ({ workerId: d.workerId, workerName: d.workerName, days: d.daysPresent, dueFen: d.dueFen, dueYuan: yuan(d.dueFen) })),
            workerCount: present.length,
            days,
            dueFen,
            dueYuan: yuan(dueFen),
            dueFrom: 'timesheet',
            sheet: pending === undefined ? null : { sheetId: pending.sheetId, version: pending.version, state: pending.state },
          },
        },
        tie: teamId,
      })
    }
  }
  const evidenceOf = (due: DueWorker | undefined): Record<string, unknown> => {
    if (due?.sheetLine === undefined || due.sheetTeam === undefined) return { dueFrom: 'timesheet' }
    const first: SheetLineRef = { team: due.sheetTeam, line: due.sheetLine }
    const sorted = due.moreSheetLines === undefined ? [first] : [first, ...due.moreSheetLines].sort(compareSheetLineRefs)
    return {
      dueFrom: 'payroll_sheet',
      sheetLines: sorted.slice(0, LIMITS.flag_evidence_lines_max).map((r) => sheetLineEvidence(r.team, r.line, subFen(r.line.payableFen, r.line.netFen))),
      sheetLineCount: sorted.length,
    }
  }
  return { approved: sheets.approved, timesheetLines, evidenceOf, flags }
}

/**
 * The booked payments that count (Art. 26, 31: wages are paid from the dedicated account and from nothing else), each
 * given as the report it counts at: those without a payer account (paid from the account the file was posted for)
 * and those debited from the dedicated account; the rest raise PAYER_NOT_DEDICATED and count for nothing, so their
 * workers stay unpaid. Each flag's shown payouts carry their payee (card masked) besides the rule's own evidence.
 */
function payerCheck(input: ReconcileInput, booked: readonly PaidLine[]): { payouts: readonly PaidLine[]; flags: RaisedFlag[] } {
  const payer = input.payer
  if (payer === undefined) return { payouts: booked, flags: [] }
  const named = booked.filter((l) => l.payerAccountNo !== undefined && l.payerAccountNo !== null)
  if (named.length === 0) return { payouts: booked, flags: [] }
  // The rule judges each payout by its debit account and value date alone (no bank code is given here). When every
  // named line has the first's, the first stands for all: no flag for it is no flag for any, and the month's lines
  // (a camt.054 names the account on every one) are not each copied for the rule.
  const first = named[0] as PaidLine
  if (named.every((l) => l.payerAccountNo === first.payerAccountNo && l.valueDate === first.valueDate)) {
    const one = dedicatedPayouts(payer.projectId, payer.account, [{ payoutId: first.lineId, debitAccountNo: first.payerAccountNo ?? '', amountFen: first.amountFen, valueDate: first.valueDate, bankRef: first.bankRef }])
    if (one.flags.length === 0) return { payouts: booked, flags: [] }
  }
  const checked = dedicatedPayouts(
    payer.projectId,
    payer.account,
    named.map((l) => ({ payoutId: l.lineId, debitAccountNo: l.payerAccountNo ?? '', amountFen: l.amountFen, valueDate: l.valueDate, bankRef: l.bankRef })),
  )
  // A payment not counted is always in a flag's group: with no flag, every line counts (a month paid from the
  // dedicated account, the usual case, builds no index of its lines).
  if (checked.flags.length === 0) return { payouts: booked, flags: [] }
  const byId = new Map(named.map((l) => [l.lineId, l]))
  const counted = new Set(checked.counted.map((p) => p.payoutId))
  const payouts = booked.filter((l) => !byId.has(l.lineId) || counted.has(l.lineId))
  const flags = checked.flags.map((f): RaisedFlag => {
    const shown = Array.isArray(f.evidence.payouts) ? (f.evidence.payouts as Array<Record<string, unknown>>) : []
    const payouts = shown.map((p) => {
      const line = typeof p.payoutId === 'string' ? byId.get(p.payoutId) : undefined
      return line === undefined ? p : { ...p, fileId: line.fileId, lineNo: line.lineNo, payeeCard: maskCard(cardKey(line.payeeCard)), payeeName: line.payeeName }
    })
    const totalFen = typeof f.evidence.totalFen === 'number' ? f.evidence.totalFen : null
    return {
      flag: {
        kind: 'PAYER_NOT_DEDICATED',
        workerId: null,
        payeeCard: null,
        dueFen: null,
        paidFen: totalFen === null ? null : (totalFen as Fen),
        evidence: { period: input.period, ...f.evidence, payouts },
        ...(f.scope === undefined ? {} : { scope: f.scope }),
      },
      tie: `${f.debitAccountNo ?? ''}\u0000${String(f.evidence.reason)}`,
    }
  })
  return { payouts, flags }
}

function payStatus(dueFen: Fen, paidFen: Fen): WorkerPayStatus {
  if (paidFen > dueFen) return 'over'
  if (paidFen === dueFen) return 'paid'
  return paidFen === 0 ? 'unpaid' : 'short'
}

/**
 * When the running total of successful payments first covered the due, if
 * that was after the pay date. Same-day lines count together: a bank value
 * date has no time of day.
 */
function lateness(successes: readonly PaidLine[], dueFen: Fen, payDate: string): { reachedOn: string; paidByPayDate: Fen } | undefined {
  // What was paid by the pay date does not depend on the order: the lines are sorted only for a worker paid late. When
  // every line was by then (most months), it is the total of them all.
  let allByPayDate = true
  for (const l of successes) {
    if (!(l.valueDate <= payDate)) {
      allByPayDate = false
      break
    }
  }
  const paidByPayDate = allByPayDate ? totalOf(successes) : totalOf(successes.filter((l) => l.valueDate <= payDate))
  if (paidByPayDate >= dueFen) return undefined
  const byDate = [...successes].sort(compareLines)
  let running: Fen = ZERO_FEN
  for (const l of byDate) {
    running = sumFen([running, l.amountFen])
    if (running >= dueFen) return { reachedOn: l.valueDate, paidByPayDate }
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------------------------------
// One payment, however many reports (付款与其回单)

/**
 * A payment as the bank reported it, once or several times: a pain.002 ACSC, then a camt.054 BOOK entry, then a 代发
 * result are three lines of one payment, each with its own bank reference, and it is paid once.
 */
export interface Payment {
  /**
   * Its identity: its EndToEndId (`byEndToEndId`) or its bank reference. Identities are ordered as the strings
   * `e2e␀<EndToEndId>` and `ref␀<bankRef>` are (compareIdentities), without those strings being made.
   */
  byEndToEndId: boolean
  key: string
  /** Every report of it (never a return), in report order. */
  reports: PaidLine[]
  /** booked if any report is a success; else failed if any is a failure (a pending report after it changes nothing); else pending. */
  outcome: 'booked' | 'failed' | 'pending'
  /** The report the payment counts at: its earliest success when booked, else its earliest failure, else its earliest report. */
  counted: PaidLine
  /** Return lines (退票) naming it, in report order: one or two of them undo it once. */
  returns: readonly PaidLine[]
}

/** `e2e␀<EndToEndId>` before `ref␀<bankRef>`, and within each kind by the key: those strings' order. */
function compareIdentities(a: Payment, b: Payment): number {
  if (a.byEndToEndId !== b.byEndToEndId) return a.byEndToEndId ? -1 : 1
  return compareText(a.key, b.key)
}

/** Report order: by value date, then line id (a total order over the month's lines, whatever order they came in). */
function compareReports(a: PaidLine, b: PaidLine): number {
  return compareText(a.valueDate, b.valueDate) || compareText(a.lineId, b.lineId)
}

const endToEndIdOf = (l: PaidLine): string | null => (l.endToEndId === undefined || l.endToEndId === null || l.endToEndId === '' ? null : l.endToEndId)

/**
 * The month's lines as payments, and the returns that name none of them. A payment's identity is its EndToEndId when
 * a report carries one, else its bank reference; a report without an EndToEndId whose bank reference is that of a
 * report with one joins that payment (a 代发 result and a pain.002 with the same 流水号), so the same payment is one
 * whichever files name it how. Lines without EndToEndIds have distinct bank references (the ledger refuses a
 * reference posted twice), so for them every line is its own payment, as before.
 *
 * A return (status `returned`) names what it undoes by `returnOf.endToEndId` (or, absent `returnOf`, its own
 * EndToEndId: a camt return gives back the original's), matched to a payment's identity; else by `returnOf.bankRef`,
 * matched to any report's bank reference (several: the smallest identity).
 */
export function paymentsOf(lines: readonly PaidLine[]): { payments: Payment[]; returns: PaidLine[] } {
  // Reports are gathered into their payments first, by EndToEndId and by bank reference (two maps, so no identity
  // string is made per line); a payment of one report is what that report says, the others' outcome and counted report
  // are set once all are in.
  const byEndToEndId = new Map<string, Payment>()
  const byBankRef = new Map<string, Payment>()
  const add = (map: Map<string, Payment>, key: string, l: PaidLine): void => {
    const payment = map.get(key)
    if (payment) payment.reports.push(l)
    else map.set(key, { byEndToEndId: map === byEndToEndId, key, reports: [l], outcome: outcomeOfOne(l), counted: l, returns: NO_LINES })
  }
  const returnLines: PaidLine[] = []
  const withoutE2e: PaidLine[] = []
  /** Bank reference → the smallest EndToEndId a report with that reference has. */
  const e2eOfRef = new Map<string, string>()
  for (const l of lines) {
    if (l.status === 'returned') returnLines.push(l)
    else {
      const e2e = endToEndIdOf(l)
      if (e2e === null) withoutE2e.push(l)
      else {
        add(byEndToEndId, e2e, l)
        const known = e2eOfRef.get(l.bankRef)
        if (known === undefined || e2e < known) e2eOfRef.set(l.bankRef, e2e)
      }
    }
  }
  let payments: Payment[]
  if (byEndToEndId.size === 0 && new Set(withoutE2e.map(bankRefOf)).size === withoutE2e.length) {
    // No EndToEndIds and no bank reference twice (a month of 代发 result files): every line is a payment of its own,
    // the one report it counts at, in line order, with no map of references built line by line.
    payments = withoutE2e.map(paymentOfOne)
  } else {
    for (const l of withoutE2e) {
      const e2e = e2eOfRef.size === 0 ? undefined : e2eOfRef.get(l.bankRef)
      if (e2e === undefined) add(byBankRef, l.bankRef, l)
      else add(byEndToEndId, e2e, l)
    }
    // Every EndToEndId payment was met before any bank-reference one: the order the payments were first met in.
    payments = [...byEndToEndId.values(), ...byBankRef.values()]
  }
  for (const payment of payments) {
    const reports = payment.reports
    if (reports.length === 1) continue
    reports.sort(compareReports)
    let success: PaidLine | undefined
    let failure: PaidLine | undefined
    for (const r of reports) {
      if (r.status === 'success') {
        success = r
        break
      }
      if (r.status === 'failed') failure ??= r
    }
    payment.outcome = success ? 'booked' : failure ? 'failed' : 'pending'
    payment.counted = success ?? failure ?? (reports[0] as PaidLine)
  }

  const unmatched: PaidLine[] = []
  if (returnLines.length === 0) return { payments, returns: unmatched }
  // Bank reference → the payment of smallest identity a report with that reference belongs to: for returns only.
  const paymentOfRef = new Map<string, Payment>()
  for (const p of payments) {
    for (const r of p.reports) {
      const known = paymentOfRef.get(r.bankRef)
      if (known === undefined || compareIdentities(p, known) < 0) paymentOfRef.set(r.bankRef, p)
    }
  }
  for (const r of returnLines.sort(compareReports)) {
    const { e2e, ref } = namesOf(r)
    const byE2e = e2e === null ? undefined : byEndToEndId.get(e2e)
    const byRef = ref === null ? undefined : paymentOfRef.get(ref)
    const target = byE2e ?? byRef
    if (target) target.returns = withLine(target.returns, r)
    else unmatched.push(r)
  }
  return { payments, returns: unmatched }
}

const bankRefOf = (l: PaidLine): string => l.bankRef

/** A payment of one report (not a return), by its bank reference: booked, failed or pending as that report is. */
function paymentOfOne(l: PaidLine): Payment {
  return { byEndToEndId: false, key: l.bankRef, reports: [l], outcome: outcomeOfOne(l), counted: l, returns: NO_LINES }
}

/** The outcome of a payment reported once (a return is never a report): as paymentsOf reads a payment's reports. */
function outcomeOfOne(l: PaidLine): Payment['outcome'] {
  return l.status === 'success' ? 'booked' : l.status === 'failed' ? 'failed' : 'pending'
}

/** What a return names the payment it undoes by: `returnOf`'s EndToEndId (absent `returnOf`, its own) and bank reference. */
function namesOf(r: PaidLine): { e2e: string | null; ref: string | null } {
  return { e2e: r.returnOf === undefined || r.returnOf === null ? endToEndIdOf(r) : r.returnOf.endToEndId || null, ref: r.returnOf?.bankRef || null }
}

/** The payment a return names, as one key (its EndToEndId, else its bank reference); null when it names none. */
function namedPaymentOf(r: PaidLine): string | null {
  const { e2e, ref } = namesOf(r)
  return e2e !== null ? `e2e\u0000${e2e}` : ref !== null ? `ref\u0000${ref}` : null
}

/** Per payment reported more than once, its counted report's line id → the other reports, in report order. */
function otherReportsOf(payments: readonly Payment[]): Map<string, PaidLine[]> {
  const others = new Map<string, PaidLine[]>()
  for (const p of payments) {
    if (p.reports.length > 1) others.set(p.counted.lineId, p.reports.filter((r) => r.lineId !== p.counted.lineId))
  }
  return others
}

/**
 * RETURNED (退票): a payment the bank booked and then sent back. It no longer counts as paid, so the worker's UNPAID or
 * SHORTFALL reappears beside it; one flag per worker (or per card no worker owns, at the original payment's card),
 * listing each returned payment with its booking report, the first return line (reason kept as the bank gave it) and
 * how many returns named it; not raised for a worker paid in full again after it. A return that names no payment on file is listed the same way with `original: null`
 * (under the card it came back from): money came back for something the ledger cannot place, which someone has to
 * look at, and one kind keeps it in the same case as the worker's other returns.
 *
 * The returns naming one payment are reports of one return (a CMB 退票 query and the day's camt.054 under two
 * references), as they undo it once: what came back (`returnedFen`, each payment's and the flag's) counts it once, at
 * its earliest report's amount; `returnCount` and `returnLineIds` still list every report.
 */
function returnedFlags(
  period: string,
  payments: readonly Payment[],
  unmatched: readonly PaidLine[],
  ownerOf: (card: string) => Owner | undefined,
  workers: ReadonlyMap<string, WorkerTally>,
): RaisedFlag[] {
  interface Entry {
    payment: Payment | undefined
    returns: readonly PaidLine[]
    card: string
  }
  // What one return brought back: its earliest report's amount (the return line the evidence shows), however many
  // reports of it came in — a payment is returned once, as reconciliation undoes it once (each report is already
  // bounded by the payment: return-bounds.ts).
  const cameBackOf = (e: Entry): Fen => (e.returns[0] as PaidLine).amountFen
  const bySubject = new Map<string, { owner: Owner | undefined; entries: Entry[] }>()
  const add = (e: Entry): void => {
    const owner = ownerOf(e.card)
    const key = owner === undefined ? `card\u0000${e.card}` : `worker\u0000${owner.workerId}`
    const group = bySubject.get(key) ?? { owner, entries: [] }
    group.entries.push(e)
    bySubject.set(key, group)
  }
  for (const p of payments) if (p.returns.length > 0) add({ payment: p, returns: p.returns, card: cardKey(p.counted.payeeCard) })
  // Returns naming no payment on file are one return when they name the same payment the same way (by EndToEndId, else
  // by bank reference, as paymentsOf would match them once it is posted) and came back from the same card; a return
  // naming nothing stands alone.
  const sameUnplaced = new Map<string, PaidLine[]>()
  for (const r of unmatched) {
    const named = namedPaymentOf(r)
    if (named === null) add({ payment: undefined, returns: [r], card: cardKey(r.payeeCard) })
    else {
      const key = `${named}\u0000${cardKey(r.payeeCard)}`
      const reports = sameUnplaced.get(key)
      if (reports) reports.push(r)
      else {
        const list = [r]
        sameUnplaced.set(key, list)
        add({ payment: undefined, returns: list, card: cardKey(r.payeeCard) })
      }
    }
  }

  const flags: RaisedFlag[] = []
  for (const group of bySubject.values()) {
    const entries = group.entries.sort((a, b) => compareReports(a.returns[0] as PaidLine, b.returns[0] as PaidLine))
    const card = (entries[0] as Entry).card
    const undone = entries.flatMap((e) => (e.payment?.outcome === 'booked' ? [e.payment.counted.amountFen] : []))
    const undoneFen = undone.length === 0 ? ZERO_FEN : sumFen(undone)
    const returnLines = entries.flatMap((e) => e.returns)
    // What came back: each return once, however many reports of it (channels, files, references) came in.
    const returnedFen = sumFen(entries.map(cameBackOf))
    const w = group.owner === undefined ? undefined : workers.get(group.owner.workerId)
    const dueFen = group.owner === undefined ? null : (w?.due?.dueFen ?? null)
    const paidFen = group.owner === undefined ? null : (w?.paidFen ?? ZERO_FEN)
    // Paid in full again (a new attempt booked after the return): the money arrived, nothing is left to act on, and
    // the worker's case resolves with this run. Money that came back for no payment on file, or to a card no worker
    // owns, always needs placing.
    if (dueFen !== null && paidFen !== null && paidFen >= dueFen && entries.every((e) => e.payment !== undefined)) continue
    flags.push({
      flag: {
        kind: 'RETURNED',
        workerId: group.owner?.workerId ?? null,
        payeeCard: w?.due?.card ?? card,
        dueFen,
        paidFen,
        evidence: {
          period,
          ...(dueFen === null ? {} : { dueFen, dueYuan: yuan(dueFen) }),
          ...(paidFen === null ? {} : { paidFen, paidYuan: yuan(paidFen) }),
          undoneFen,
          undoneYuan: yuan(undoneFen),
          returnedFen,
          returnedYuan: yuan(returnedFen),
          paymentCount: entries.length,
          returnCount: returnLines.length,
          payments: entries.slice(0, LIMITS.flag_evidence_lines_max).map((e) => ({
            original:
              e.payment === undefined
                ? null
                : {
                    outcome: e.payment.outcome,
                    line: lineEvidence(e.payment.counted),
                    reportCount: e.payment.reports.length,
                    reportLineIds: e.payment.reports.slice(0, LIMITS.flag_evidence_lines_max).map((r) => r.lineId),
                  },
            returnLine: lineEvidence(e.returns[0] as PaidLine),
            returnedFen: cameBackOf(e),
            returnCount: e.returns.length,
            returnLineIds: e.returns.slice(0, LIMITS.flag_evidence_lines_max).map((r) => r.lineId),
          })),
        },
      },
      tie: card,
    })
  }
  return flags
}

// ---------------------------------------------------------------------------------------------------------------------
// The project-level checks (src/flags/project-flags.ts), over what the month's reconciliation found

/** What of the month's tally the project-level checks read. */
interface MonthTally {
  workers: ReadonlyMap<string, WorkerTally>
  unknownSuccess: ReadonlyMap<string, readonly PaidLine[]>
  ownerOf: (card: string) => Owner | undefined
  dueWorkers: readonly DueWorker[]
  /** The payments that count to an owned card under a name other than its owner's. */
  misnamed: readonly PaidLine[]
}

/**
 * SHARED_CARD, OVERSIZED, EXITED_UNSETTLED, GROUP_ARREARS and HEADCOUNT_GAP (PAID_TO_NON_WORKER is raised with the
 * worker's other flags), each through its rule in src/flags/project-flags.ts, over the payments that count (booked,
 * from the dedicated account, not returned). They only read the tally: paid and due figures are never changed by them.
 *
 * - SHARED_CARD: the worker a payment was for is the card's owner when the bank's payee name is the owner's; else the
 *   one worker (roster or payroll line) who bears that name, when exactly one does; else the card's owner. So a card
 *   paid under two workers' names — the labour boss's card, or one worker's card carrying a teammate's wages — is one
 *   card for two workers, while a misspelt or ambiguous name (two 张伟) is not evidence of a second worker.
 * - OVERSIZED: this month's paid per worker, with `paidEarlierInYear` for the year rule.
 * - EXITED_UNSETTLED (needs `enrolments` and `asOf`): a worker whose exit date falls in this month, paid less than the
 *   month's due by the deadline (exit + EXIT_SETTLEMENT_GRACE_DAYS); earlier months keep their own UNPAID / SHORTFALL.
 * - GROUP_ARREARS (needs `asOf` after the pay date: before it nobody is in arrears yet): 10 or more workers short.
 * - HEADCOUNT_GAP (needs `asOf`; the rule waits for the pay date): attended = on the month's timesheet with a day
 *   present; paid = at least one payment that counts.
 */
function projectFlags(input: ReconcileInput, asOf: string | undefined, tally: MonthTally): Flag[] {
  const period = input.period
  const flags: Flag[] = []

  // Per name, the one worker who bears it (null: several do). Needed only for a payment under a name other than its
  // card owner's, so it is built the first time one is met: in most months, never.
  let namesOf: Map<string, string | null> | undefined
  const workerNamed = (name: string): string | undefined => {
    if (namesOf === undefined) {
      const names = new Map<string, string | null>()
      const addName = (name: string, workerId: string): void => {
        const key = name.trim()
        if (key === '') return
        const known = names.get(key)
        if (known === undefined) names.set(key, workerId)
        else if (known !== workerId) names.set(key, null)
      }
      for (const owner of input.cardOwners.values()) addName(owner.workerName, owner.workerId)
      for (const w of tally.dueWorkers) addName(w.workerName, w.workerId)
      namesOf = names
    }
    return namesOf.get(name) ?? undefined
  }
  const forWorkerOf = (line: PaidLine): string | null => {
    const owner = tally.ownerOf(cardKey(line.payeeCard))
    const name = line.payeeName.trim()
    if (owner !== undefined && owner.workerName.trim() === name) return owner.workerId
    return workerNamed(name) ?? owner?.workerId ?? null
  }
  const paymentFor = (l: PaidLine): PaymentFor => ({ lineId: l.lineId, payeeCard: l.payeeCard, forWorkerId: forWorkerOf(l), amountFen: l.amountFen, valueDate: l.valueDate })
  // A payment under its card owner's name is for that owner, so a card none of whose payments is under another name (or
  // to no owner) is one worker's and cannot be shared. Only the other cards' payments, all of them, in the same order,
  // go to the rule: its flags are those it would find among all the month's payments.
  const suspect = new Set<string>()
  for (const l of tally.misnamed) suspect.add(cardKey(l.payeeCard))
  for (const card of tally.unknownSuccess.keys()) suspect.add(card)
  const counted: PaymentFor[] = []
  if (suspect.size > 0) {
    for (const w of tally.workers.values()) for (const l of w.successes) if (suspect.has(cardKey(l.payeeCard))) counted.push(paymentFor(l))
    for (const lines of tally.unknownSuccess.values()) for (const l of lines) counted.push(paymentFor(l))
  }
  flags.push(...sharedCard(period, counted))

  const cardOf = (w: WorkerTally): string | null => w.due?.card ?? (cardKey(w.successes[0]?.payeeCard ?? '') || null)
  for (const f of oversized(period, oversizedRows(period, input.paidEarlierInYear ?? [], tally.workers)).flags) {
    const w = f.workerId === null ? undefined : tally.workers.get(f.workerId)
    flags.push({ ...f, payeeCard: w === undefined ? null : cardOf(w) })
  }

  if (asOf === undefined) return flags

  if (input.enrolments !== undefined) {
    const exited: ExitedWorker[] = []
    for (const e of input.enrolments) {
      // The month's exit, a return's or the last (src/roster/spells.ts): none when a return followed it in the month.
      const exitDate = settlementExitIn(e, period)
      // A malformed exit date on the roster is the roster's problem, shown there; the month reconciles without it.
      if (exitDate === null || !isWorkDate(exitDate) || monthOf(exitDate) !== period) continue
      const w = tally.workers.get(e.workerId)
      exited.push({
        workerId: e.workerId,
        exitDate,
        payeeCard: w === undefined ? null : cardOf(w),
        dueFen: w?.due?.dueFen ?? ZERO_FEN,
        paid: (w?.successes ?? []).map((l) => ({ amountFen: l.amountFen, valueDate: l.valueDate })),
      })
    }
    flags.push(...exitedUnsettled(exited, asOf).flags)
  }

  if (asOf > input.payDate) {
    // Only the workers paid less than due can be in arrears: the rule is given those, as it would pick them out itself.
    const standing: WorkerStanding[] = []
    for (const w of tally.workers.values()) {
      const dueFen = w.due?.dueFen ?? ZERO_FEN
      if (dueFen > 0 && w.paidFen < dueFen) standing.push({ workerId: w.workerId, dueFen, paidFen: w.paidFen })
    }
    flags.push(...groupArrears(period, standing))
  }

  // Attended: days present summed over the worker's timesheet lines > 0. When no line has a negative (or NaN) count,
  // that is a line with a day present, and the rule counts each worker once however often they are listed.
  let attended: string[] = []
  if (input.due.every((d) => d.daysPresent >= 0)) {
    // The rule lists attended workers without a payment that counts. When every one has one (most months), it has no
    // one to list and raises nothing, so it is not asked.
    const paidAny = (workerId: string): boolean => (tally.workers.get(workerId)?.successes.length ?? 0) > 0
    if (input.due.every((d) => !(d.daysPresent > 0) || paidAny(d.workerId))) return flags
    for (const d of input.due) if (d.daysPresent > 0) attended.push(d.workerId)
  } else {
    const days = new Map<string, number>()
    for (const d of input.due) days.set(d.workerId, (days.get(d.workerId) ?? 0) + d.daysPresent)
    attended = [...days].filter(([, n]) => n > 0).map(([workerId]) => workerId)
  }
  const paid: string[] = []
  for (const w of tally.workers.values()) if (w.successes.length > 0) paid.push(w.workerId)
  flags.push(...headcountGap({ month: period, payDate: input.payDate, asOf, attended, paid }).flags)
  return flags
}

/**
 * What OVERSIZED is given: the earlier months' rows (before this one) and, per worker paid this month, this month's
 * total. Only the workers it could flag are given (mayBeOversized: the rule's own bound, from this month's total and
 * the absolute sum of the worker's earlier rows), the rule being per worker; which workers those are is exact when
 * every earlier amount is a safe integer and their absolute values add up within FEN_MAX, since then no worker left out
 * could have a sum out of range either. Otherwise every row is given, as before, and the rule finds what it finds.
 */
function oversizedRows(period: string, paidEarlierInYear: readonly WorkerMonthPaid[], workers: ReadonlyMap<string, WorkerTally>): WorkerMonthPaid[] {
  // The rule's bound is monotone in both figures: when the month's largest total beside all earlier rows together cannot
  // be flagged, no worker can, and none is given (what the walk below finds, without a lookup per row).
  let allAbsFen = 0
  let allBounded = true
  for (const p of paidEarlierInYear) {
    if (!(p.month < period)) continue
    allAbsFen += Math.abs(p.paidFen)
    if (!Number.isSafeInteger(p.paidFen) || !Number.isSafeInteger(allAbsFen) || allAbsFen > FEN_MAX) {
      allBounded = false
      break
    }
  }
  if (allBounded) {
    let mostFen = 0
    for (const w of workers.values()) if (w.paidFen > mostFen) mostFen = w.paidFen
    if (mostFen === 0 || !mayBeOversized(fen(mostFen), allAbsFen)) return []
  }
  const earlier = paidEarlierInYear.filter((p) => p.month < period)
  let totalAbsFen = 0
  let bounded = true
  for (const p of earlier) {
    // Integer additions stay exact while the total is a safe integer, and a total past it is no longer one (money.ts).
    totalAbsFen += Math.abs(p.paidFen)
    if (!Number.isSafeInteger(p.paidFen) || !Number.isSafeInteger(totalAbsFen) || totalAbsFen > FEN_MAX) {
      bounded = false
      break
    }
    const w = workers.get(p.workerId)
    if (w !== undefined) w.earlierAbsFen += Math.abs(p.paidFen)
  }
  const rows: WorkerMonthPaid[] = []
  const given = new Set<string>()
  for (const w of workers.values()) {
    if (w.paidFen <= 0 || (bounded && !mayBeOversized(w.paidFen, w.earlierAbsFen))) continue
    given.add(w.workerId)
  }
  for (const p of earlier) if (!bounded || given.has(p.workerId)) rows.push(p)
  for (const w of workers.values()) if (w.paidFen > 0 && (!bounded || given.has(w.workerId))) rows.push({ workerId: w.workerId, month: period, paidFen: w.paidFen })
  return rows
}

/**
 * What each card was paid in a month's lines, each payment once (its reports counted once, as reconcile counts them)
 * and net of returns: the earlier months of the year OVERSIZED's year rule reads. Pure; the caller attributes cards to
 * workers with the roster. A payment debited from another account is counted: the money did reach the card.
 */
export function bookedByCard(lines: readonly PaidLine[]): Map<string, Fen> {
  const byCard = new Map<string, Fen>()
  for (const counted of standingPayments(lines)) {
    const card = cardKey(counted.payeeCard)
    byCard.set(card, sumFen([byCard.get(card) ?? ZERO_FEN, counted.amountFen]))
  }
  return byCard
}

/**
 * The month's payments that stand: each booked payment once (the report reconcile counts of it, however many files
 * reported it), unless a return (退票) undoes it. What a pay slip and the payroll ledger (工资支付台账) show as paid,
 * so that they say what the reconciliation says.
 */
export function standingPayments(lines: readonly PaidLine[]): PaidLine[] {
  return monthPaymentsOf(lines).standing
}

/**
 * The month's payments as a pay slip and the upstream report read them: those that stand (standingPayments), and the
 * setbacks — a payment rejected (failed, not booked) or given back (退票) — each once however many files reported it,
 * as the payment's counted report.
 */
export function monthPaymentsOf(lines: readonly PaidLine[]): { standing: PaidLine[]; setbacks: PaidLine[] } {
  const standing: PaidLine[] = []
  const setbacks: PaidLine[] = []
  for (const p of paymentsOf(lines).payments) {
    if (p.outcome === 'booked' && p.returns.length === 0) standing.push(p.counted)
    else if (p.outcome === 'failed' || (p.outcome === 'booked' && p.returns.length > 0)) setbacks.push(p.counted)
  }
  return { standing, setbacks }
}

/** A month's card peaks (cardPeaks). */
export interface CardPeaks {
  /** The most any one card received in successful lines: what payout_month_bounds stores. */
  success: Fen
  /** The same over every line, whatever its status: a bound of any card's month in OVERSIZED's reading. */
  any: Fen
}

/**
 * The most any one card (cardKey) received in a month's lines, each amount taken absolute and every report of a
 * payment counted: given the month's every line, no card's bookedByCard figure for that month can exceed `success`.
 * What payout_month_bounds stores, so that OVERSIZED's year rule can clear a year of ordinary wages without reading its
 * lines. Plain integer sums: the month's lines are bounded (asserted at the top of this module), so every sum stays a
 * safe integer.
 */
export function cardPeaks(lines: ReadonlyArray<{ payeeCard: string; amountFen: number; status: PaidLine['status'] }>): CardPeaks {
  const cards = lines.map(cardKeyOf)
  if (new Set(cards).size === cards.length) {
    // Every card paid once (a month of one line per worker): a card's sum is its one amount, and no sums are kept.
    let any = 0
    let success = 0
    for (const l of lines) {
      const amount = Math.abs(l.amountFen)
      if (amount > any) any = amount
      if (l.status === 'success' && amount > success) success = amount
    }
    return { success: fen(success), any: fen(any) }
  }
  const any = peakByCard(lines, () => true)
  // In most months every line is a success and the two peaks are one: the lines are summed again only when not.
  const success = lines.every((l) => l.status === 'success') ? any : peakByCard(lines, (l) => l.status === 'success')
  return { success: fen(success), any: fen(any) }
}

const cardKeyOf = (l: { payeeCard: string }): string => cardKey(l.payeeCard)

function peakByCard<L extends { payeeCard: string; amountFen: number }>(lines: readonly L[], counts: (l: L) => boolean): number {
  const byCard = new Map<string, number>()
  let peak = 0
  for (const l of lines) {
    if (!counts(l)) continue
    const card = cardKey(l.payeeCard)
    const sum = (byCard.get(card) ?? 0) + Math.abs(l.amountFen)
    byCard.set(card, sum)
    if (sum > peak) peak = sum
  }
  return peak
}
