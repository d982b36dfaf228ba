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
import { LIMITS } from '../config/limits.ts'
import { FEN_MAX, ZERO_FEN, formatYuan, subFen, sumFen, type Fen } from '../kernel/money.ts'
import { isMonth, isWorkDate } from '../kernel/time.ts'
import { maskCard } from '../roster/identity.ts'

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
}

export interface PaidLine {
  lineId: string
  fileId: string
  lineNo: number
  payeeCard: string
  payeeName: string
  amountFen: Fen
  status: 'success' | 'failed'
  bankRef: string
  valueDate: string
  failureReason: string | null
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
}

/** Cards may arrive with the spaces people write them with; ownership is by digits. */
const cardKey = (card: string): string => card.replace(/\s/g, '')

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
  return compareText(a.valueDate, b.valueDate) || compareText(a.fileId, b.fileId) || a.lineNo - b.lineNo || compareText(a.lineId, b.lineId)
}

const yuan = (amount: Fen): string => formatYuan(amount)

function lineEvidence(l: PaidLine): Record<string, unknown> {
  return {
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
}

/** The first lines (already in money order) as evidence, and what all of them add up to. */
function evidenceLines(lines: readonly PaidLine[], status: PaidLine['status']): { shown: Array<Record<string, unknown>>; total: EvidenceLinesTotal } {
  const shown = lines.slice(0, LIMITS.flag_evidence_lines_max).map(lineEvidence)
  const amountFen = sumFen(lines.map((l) => l.amountFen))
  return { shown, total: { count: lines.length, amountFen, amountYuan: yuan(amountFen), shown: shown.length, status } }
}

interface DueWorker {
  workerId: string
  workerName: string
  /** Cards named on the payroll sheet, sorted. */
  cards: string[]
  dueFen: Fen
  daysPresent: number
}

interface Owner {
  workerId: string
  workerName: string
}

/**
 * One payroll sheet may list a worker twice (two teams, a supplementary
 * sheet): they are one person owed the sum, so due lines are merged by worker.
 */
function mergeDue(due: readonly DueLine[]): Map<string, DueWorker> {
  const byWorker = new Map<string, { names: string[]; cards: Set<string>; amounts: Fen[]; days: number }>()
  for (const d of due) {
    const w = byWorker.get(d.workerId) ?? { names: [], cards: new Set<string>(), amounts: [], days: 0 }
    w.names.push(d.workerName)
    w.cards.add(cardKey(d.cardNo))
    w.amounts.push(d.dueFen)
    w.days += d.daysPresent
    byWorker.set(d.workerId, w)
  }
  const merged = new Map<string, DueWorker>()
  for (const [workerId, w] of byWorker) {
    merged.set(workerId, {
      workerId,
      workerName: [...w.names].sort(compareText)[0] ?? '',
      cards: [...w.cards].sort(compareText),
      dueFen: sumFen(w.amounts),
      daysPresent: w.days,
    })
  }
  return merged
}

interface WorkerTally {
  workerId: string
  workerName: string
  due: DueWorker | undefined
  successes: PaidLine[]
  failures: PaidLine[]
  paidFen: Fen
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
 * Throws RangeError on malformed input (bad period or date, a payout line id
 * twice): those are the caller's bugs, not findings about the bank.
 */
export function reconcile(input: ReconcileInput): Reconciliation {
  if (!isMonth(input.period)) throw new RangeError(`period must be YYYY-MM, got ${JSON.stringify(input.period)}`)
  if (!isWorkDate(input.payDate)) throw new RangeError(`payDate must be YYYY-MM-DD, got ${JSON.stringify(input.payDate)}`)
  const lineIds = new Set<string>()
  for (const p of input.payouts) {
    if (lineIds.has(p.lineId)) throw new RangeError(`payout line ${p.lineId} is listed twice`)
    lineIds.add(p.lineId)
  }

  const dueWorkers = mergeDue(input.due)

  const owners = new Map<string, Owner>()
  for (const [card, owner] of input.cardOwners) owners.set(cardKey(card), owner)
  // The payroll line's card as a fallback owner; the smallest worker id wins a card two sheets name, so order cannot matter.
  const dueCardOwners = new Map<string, Owner>()
  for (const w of [...dueWorkers.values()].sort((a, b) => compareText(a.workerId, b.workerId))) {
    for (const card of w.cards) if (!dueCardOwners.has(card)) dueCardOwners.set(card, { workerId: w.workerId, workerName: w.workerName })
  }
  const ownerOf = (card: string): Owner | undefined => owners.get(card) ?? dueCardOwners.get(card)

  const workers = new Map<string, WorkerTally>()
  const tallyOf = (owner: Owner): WorkerTally => {
    let w = workers.get(owner.workerId)
    if (!w) {
      const due = dueWorkers.get(owner.workerId)
      w = { workerId: owner.workerId, workerName: due?.workerName ?? owner.workerName, due, successes: [], failures: [], paidFen: ZERO_FEN }
      workers.set(owner.workerId, w)
    }
    return w
  }
  for (const due of dueWorkers.values()) tallyOf(due)

  const unknownSuccess = new Map<string, PaidLine[]>()
  const unknownFailures: PaidLine[] = []
  /** The name to expect is the card owner's on the real-name roster (实名制), taken from the ID card, which is what the bank's account holds. */
  const nameChecks: Array<{ line: PaidLine; owner: Owner }> = []
  for (const line of [...input.payouts].sort(compareLines)) {
    const card = cardKey(line.payeeCard)
    const owner = ownerOf(card)
    if (owner === undefined) {
      if (line.status === 'success') {
        const lines = unknownSuccess.get(card) ?? []
        lines.push(line)
        unknownSuccess.set(card, lines)
      } else unknownFailures.push(line)
      continue
    }
    const w = tallyOf(owner)
    if (line.status === 'success') {
      w.successes.push(line)
      nameChecks.push({ line, owner })
    } else w.failures.push(line)
  }
  for (const w of workers.values()) w.paidFen = sumFen(w.successes.map((l) => l.amountFen))

  const flags: Array<{ flag: Flag; tie: string }> = []
  const raise = (flag: Flag, tie = ''): void => {
    flags.push({ flag, tie })
  }

  for (const w of workers.values()) {
    const dueFen = w.due?.dueFen ?? ZERO_FEN
    const paidFen = w.paidFen
    const card = w.due?.cards[0] ?? cardKey(w.successes[0]?.payeeCard ?? w.failures[0]?.payeeCard ?? '')
    const payeeCard = card === '' ? null : card
    // Only as many lines as a flag shows are turned into evidence: a worker paid 50,000 times costs 20 objects, not 50,000.
    const successes = evidenceLines(w.successes, 'success')
    const failures = evidenceLines(w.failures, 'failed')
    const lines = { lines: successes.shown, linesTotal: successes.total }
    const failedLines = { failedLines: failures.shown, failedLinesTotal: failures.total }
    const amounts = { dueFen, dueYuan: yuan(dueFen), paidFen, paidYuan: yuan(paidFen) }

    if (dueFen > 0) {
      if (paidFen === 0) {
        raise({
          kind: 'UNPAID',
          workerId: w.workerId,
          payeeCard,
          dueFen,
          paidFen,
          evidence: { period: input.period, payDate: input.payDate, ...amounts, daysPresent: w.due?.daysPresent ?? 0, ...failedLines },
        })
      } else if (paidFen < dueFen) {
        const shortFen = subFen(dueFen, paidFen)
        raise({
          kind: 'SHORTFALL',
          workerId: w.workerId,
          payeeCard,
          dueFen,
          paidFen,
          evidence: { ...amounts, shortFen, shortYuan: yuan(shortFen), ...lines, ...failedLines },
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
              ...amounts,
              ...lines,
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
            evidence: { ...amounts, overFen, overYuan: yuan(overFen), ...lines },
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
              evidence: { line: lineEvidence(f), bankRef: f.bankRef, failureReason: f.failureReason, ...amounts },
            },
            f.lineId,
          )
        }
      }
    } else if (paidFen > 0) {
      raise({
        kind: 'PAID_WITHOUT_ATTENDANCE',
        workerId: w.workerId,
        payeeCard: cardKey(w.successes[0]?.payeeCard ?? '') || null,
        dueFen: w.due === undefined ? null : dueFen,
        paidFen,
        evidence: {
          onPayrollSheet: w.due !== undefined,
          daysPresent: w.due?.daysPresent ?? null,
          ...amounts,
          ...lines,
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
          evidence: { expectedName: expected, payeeName: line.payeeName.trim(), line: lineEvidence(line) },
        },
        line.lineId,
      )
    }
  }

  for (const [card, lines] of unknownSuccess) {
    const shown = evidenceLines(lines, 'success')
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
        evidence: { line: lineEvidence(f), bankRef: f.bankRef, failureReason: f.failureReason, enrolledCard: false },
      },
      f.lineId,
    )
  }

  flags.sort(
    (a, b) =>
      FLAG_KINDS.indexOf(a.flag.kind) - FLAG_KINDS.indexOf(b.flag.kind) ||
      compareNullable(a.flag.workerId, b.flag.workerId) ||
      compareNullable(a.flag.payeeCard, b.flag.payeeCard) ||
      compareText(a.tie, b.tie),
  )

  const perWorker: WorkerReconciliation[] = [...workers.values()]
    .sort((a, b) => compareText(a.workerId, b.workerId))
    .map((w) => {
      const dueFen = w.due?.dueFen ?? ZERO_FEN
      return { workerId: w.workerId, dueFen, paidFen: w.paidFen, status: payStatus(dueFen, w.paidFen) }
    })

  return {
    period: input.period,
    payDate: input.payDate,
    flags: flags.map((f) => f.flag),
    totals: {
      workers: perWorker.length,
      dueFen: sumFen([...dueWorkers.values()].map((w) => w.dueFen)),
      paidFen: sumFen(perWorker.map((w) => w.paidFen)),
      unknownPaidFen: sumFen([...unknownSuccess.values()].flat().map((l) => l.amountFen)),
      shortFen: sumFen(perWorker.map((w) => (w.paidFen < w.dueFen ? subFen(w.dueFen, w.paidFen) : ZERO_FEN))),
    },
    perWorker,
  }
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
  const byDate = [...successes].sort(compareLines)
  const paidByPayDate = sumFen(byDate.filter((l) => l.valueDate <= payDate).map((l) => l.amountFen))
  if (paidByPayDate >= dueFen) return undefined
  let running: Fen = ZERO_FEN
  for (const l of byDate) {
    running = sumFen([running, l.amountFen])
    if (running >= dueFen) return { reachedOn: l.valueDate, paidByPayDate }
  }
  return undefined
}
