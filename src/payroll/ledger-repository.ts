/**
 * Reads a month's wage payment ledger (工资支付台账) from the tables: for each team of the project the sheet in force —
 * the newest version whose money state (its newest transition other than `superseded`, sheet-rules.ts moneyStateOf)
 * is approved, instructed or settled, so an approved sheet stays in force until the version replacing it is approved —
 * its lines, each worker's newest answer, and the bank's payment of the line.
 *
 * The payment (支付凭证) is a successful payout line of the project-month: the one whose EndToEndId is one of the
 * worker's instruction lines of the month (every attempt), or — for a bank file that carries no EndToEndId, or one
 * no instruction of the month knows — one paid to the card on the worker's line. Its `bank_ref` is the voucher
 * reference and its `value_date` the pay date. Several such lines (a payment made in parts) are all shown.
 *
 * What was actually paid (实际支付) is the sum of those payments, set against the line's net: a worker with lines on
 * two teams' sheets in the month has their payments counted once, filling the lines in order (allocatePayments), so
 * neither line reads as paid by the other's money and the ledger's totals are the bank's.
 *
 * Read only; the sheets, answers, instructions and payout lines are written by their own services.
 */
import { and, asc, eq, sql } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { rowOf, selectFrom } from '../db/rows.ts'
import { enrolments, instructionLines, organisations, payrollSheetEvents, payrollSheetLines, payrollSheets, projects, teams, workerCardChanges, workers } from '../db/schema/index.ts'
import { ZERO_FEN, fen, subFen, sumFen, type Fen } from '../kernel/money.ts'
import type { Month } from '../kernel/time.ts'
import type { LedgerRow } from './ledger-export.ts'
import { paidLineOf, PayoutRepository } from '../payouts/repository.ts'
import { cardKey } from '../flags/project-flags.ts'
import { monthPaymentsOf, type PaidLine } from '../payouts/reconcile.ts'
import { answersInEffect, type AnswerInEffect } from './answers-in-effect.ts'
import { lineItems, type PaySlip, type SlipAnswer, type SlipPayment } from './pay-slip.ts'
import { APPROVED_OR_LATER, moneyStateOf, type SheetState } from './sheet-rules.ts'

type SheetLineRow = typeof payrollSheetLines.$inferSelect

/** One worker's line of the month as the ledger and the slip show it. */
export interface LedgerLine {
  projectId: string
  teamId: string
  sheetId: string
  /** The sheet's money state: approved, instructed or settled. */
  sheetState: SheetState
  lineId: string
  workerId: string
  phone: string | null
  /**
   * The line as the slip shows it, its paidFen the line's part. Its `payments` are every payment of the worker's month
   * (the worker's own page counts them once by reference); a slip printed lists `paid` instead.
   */
  slip: PaySlip
  /**
   * The parts of the worker's month payments counted against this line (allocatePayments): all of them when the
   * worker has one line in the month. Their sum is the slip's paidFen.
   */
  paid: SlipPayment[]
  /** The worker's payments of the month that failed or came back (退票), each once. */
  setbacks: number
}

/** A month's payments per worker (LedgerRepository.monthPayments). */
export interface MonthPayments {
  /** The payments that stand, by EndToEndId to the worker, else by the card. */
  of(workerId: string, cardNo: string): SlipPayment[]
  /** Lines that failed or came back, for the worker or their card. */
  setbacksOf(workerId: string, cardNo: string): number
}

/** A month's payments per worker, and per line of the sheets in force the part counted against it (LedgerRepository.linePayments). */
export interface LinePayments extends MonthPayments {
  /**
   * The parts of the worker's payments counted against the line (allocatePayments over the worker's lines in the
   * ledger's order); undefined for a line on no sheet in force.
   */
  partOf(lineId: string): SlipPayment[] | undefined
  /** The worker's lines on the sheets in force, in the ledger's order: a team's line is that of the version in force. */
  linesOf(workerId: string): ReadonlyArray<{ lineId: string; teamId: string; netFen: Fen; cardNo: string }>
}

export interface LedgerMonth {
  projectName: string
  timeZone: string
  /** Lines by team name, then line number. Empty when no team has an approved sheet for the month. */
  lines: LedgerLine[]
}

interface SheetHead {
  id: string
  teamId: string
  version: number
  payDate: string
  teamName: string
  employerName: string
}

export class LedgerRepository {
  private readonly payouts: PayoutRepository

  constructor(private readonly db: Database) {
    this.payouts = new PayoutRepository(db)
  }

  /** The month's ledger of a project, or of one worker (their line, if a sheet in force has one). */
  async month(projectId: string, period: Month, opt: { workerId?: string } = {}): Promise<LedgerMonth | undefined> {
    const project = await this.db.get<{ name: string; timeZone: string }>(sql`SELECT ${projects.name} AS "name", ${projects.timeZone} AS "timeZone" FROM ${projects} WHERE ${eq(projects.id, projectId)}`)
    if (!project) return undefined
    const heads = await this.sheetsInForce(projectId, period)
    const lines: LedgerLine[] = []
    const payments = await this.monthPayments(projectId, period)
    for (const { head, state } of heads) {
      const rows = (
        await this.db.all(
          sql`${selectFrom(payrollSheetLines)} WHERE ${and(eq(payrollSheetLines.sheetId, head.id), opt.workerId === undefined ? undefined : eq(payrollSheetLines.workerId, opt.workerId))} ORDER BY ${asc(payrollSheetLines.lineNo)}`,
        )
      ).map((r) => rowOf<SheetLineRow>(payrollSheetLines, r))
      if (rows.length === 0) continue
      const answers = await this.newestAnswers(head.id, opt.workerId)
      const phones = await this.phones(head.id, opt.workerId)
      for (const line of rows) {
        const a = answers.get(line.id)
        const answer: SlipAnswer | null = a ? { decision: a.decision, channel: a.channel, atMs: a.answeredAtMs, note: a.note, carriedFromVersion: a.carriedFromVersion } : null
        const items = lineItems(line.items, line)
        lines.push({
          projectId,
          teamId: head.teamId,
          sheetId: head.id,
          sheetState: state,
          lineId: line.id,
          workerId: line.workerId,
          phone: phones.get(line.workerId) ?? null,
          slip: {
            projectName: project.name,
            timeZone: project.timeZone,
            month: period,
            employerName: head.employerName,
            teamName: head.teamName,
            sheetVersion: head.version,
            dueDate: head.payDate,
            workerName: line.workerName,
            idNumber: line.idNumber,
            bankName: line.bankName,
            cardNo: line.cardNo,
            creditHalves: line.dayHalves,
            workedMinutes: line.workedMinutes,
            payable: items.payable,
            deductions: items.deductions,
            netFen: fen(line.netFen),
            answer,
            payments: payments.of(line.workerId, line.cardNo),
            paidFen: ZERO_FEN,
          },
          paid: [],
          setbacks: payments.setbacksOf(line.workerId, line.cardNo),
        })
      }
    }
    const parts = partsOfLines(lines.map((l) => ({ workerId: l.workerId, netFen: l.slip.netFen, payments: l.slip.payments })))
    lines.forEach((l, i) => {
      l.paid = parts[i]!
      l.slip = { ...l.slip, paidFen: sumFen(l.paid.map((p) => p.amountFen)) }
    })
    return { projectName: project.name, timeZone: project.timeZone, lines }
  }

  /**
   * The month's payments as `monthPayments` gives them, and each line of the sheets in force with its part of them,
   * set as the ledger and the pay slip set it (the same sheets, lines and order as `month`): what the upstream report
   * tells the platform, so it says what the ledger says. Reads the lines' figures only (no answers, phones or items).
   */
  async linePayments(projectId: string, period: Month): Promise<LinePayments> {
    const payments = await this.monthPayments(projectId, period)
    const lines: Array<{ lineId: string; teamId: string; workerId: string; cardNo: string; netFen: Fen }> = []
    for (const { head } of await this.sheetsInForce(projectId, period)) {
      const rows = await this.db.all<{ lineId: string; workerId: string; cardNo: string; netFen: number }>(
        sql`SELECT ${payrollSheetLines.id} AS "lineId", ${payrollSheetLines.workerId} AS "workerId", ${payrollSheetLines.cardNo} AS "cardNo", ${payrollSheetLines.netFen} AS "netFen"
            FROM ${payrollSheetLines} WHERE ${eq(payrollSheetLines.sheetId, head.id)} ORDER BY ${asc(payrollSheetLines.lineNo)}`,
      )
      for (const r of rows) lines.push({ lineId: r.lineId, teamId: head.teamId, workerId: r.workerId, cardNo: r.cardNo, netFen: fen(Number(r.netFen)) })
    }
    const parts = partsOfLines(lines.map((l) => ({ workerId: l.workerId, netFen: l.netFen, payments: payments.of(l.workerId, l.cardNo) })))
    const byLine = new Map(lines.map((l, i) => [l.lineId, parts[i]!]))
    return { ...payments, partOf: (lineId) => byLine.get(lineId), linesOf: (workerId) => lines.filter((l) => l.workerId === workerId) }
  }

  /** Per team, the newest version whose money state is approved or later; by team name. */
  private async sheetsInForce(projectId: string, period: Month): Promise<Array<{ head: SheetHead; state: SheetState }>> {
    const heads = await this.db.all<SheetHead>(
      sql`SELECT ${payrollSheets.id} AS "id", ${payrollSheets.teamId} AS "teamId", ${payrollSheets.version} AS "version", ${payrollSheets.payDate} AS "payDate",
            ${teams.name} AS "teamName", ${organisations.name} AS "employerName"
          FROM ${payrollSheets} JOIN ${teams} ON ${teams.id} = ${payrollSheets.teamId} JOIN ${organisations} ON ${organisations.id} = ${teams.employerId}
          WHERE ${and(eq(payrollSheets.projectId, projectId), eq(payrollSheets.period, period))}
          ORDER BY ${asc(teams.name)}, ${asc(payrollSheets.teamId)}, ${asc(payrollSheets.version)}`,
    )
    if (heads.length === 0) return []
    const events = new Map<string, Array<{ state: SheetState }>>()
    const rows = await this.db.all<{ sheetId: string; state: SheetState }>(
      sql`SELECT ${payrollSheetEvents.sheetId} AS "sheetId", ${payrollSheetEvents.state} AS "state"
          FROM ${payrollSheetEvents} JOIN ${payrollSheets} ON ${payrollSheets.id} = ${payrollSheetEvents.sheetId}
          WHERE ${and(eq(payrollSheets.projectId, projectId), eq(payrollSheets.period, period))}
          ORDER BY ${asc(payrollSheetEvents.sheetId)}, ${asc(payrollSheetEvents.seq)}`,
    )
    for (const r of rows) {
      const list = events.get(r.sheetId)
      if (list) list.push({ state: r.state })
      else events.set(r.sheetId, [{ state: r.state }])
    }
    const byTeam = new Map<string, { head: SheetHead; state: SheetState }>()
    for (const head of heads) {
      const ev = events.get(head.id)
      if (!ev || ev.length === 0) continue
      const state = moneyStateOf(ev)
      // Heads come oldest version first: a later approved version replaces an earlier one.
      if (APPROVED_OR_LATER.includes(state)) byTeam.set(head.teamId, { head, state })
    }
    return [...byTeam.values()]
  }

  /** The answer in effect on each line: its newest own, or one carried from the version superseded (answers-in-effect.ts). */
  private newestAnswers(sheetId: string, workerId: string | undefined): Promise<Map<string, AnswerInEffect>> {
    return answersInEffect(this.db, sheetId, workerId)
  }

  /** The workers' phones (the sheet line does not copy it): as the roster has them now. */
  private async phones(sheetId: string, workerId: string | undefined): Promise<Map<string, string | null>> {
    const rows = await this.db.all<{ workerId: string; phone: string | null }>(
      sql`SELECT ${workers.id} AS "workerId", ${workers.phone} AS "phone"
          FROM ${payrollSheetLines} JOIN ${workers} ON ${workers.id} = ${payrollSheetLines.workerId}
          WHERE ${and(eq(payrollSheetLines.sheetId, sheetId), workerId === undefined ? undefined : eq(payrollSheetLines.workerId, workerId))}`,
    )
    return new Map(rows.map((r) => [r.workerId, r.phone]))
  }

  /**
   * The month's payments that stand (each once, however many files reported it, none a return undid: monthPaymentsOf)
   * by worker: those our instruction's EndToEndId names the worker in, and those to the worker's card otherwise; and
   * the setbacks so far, each a payment rejected or given back (退票) once, which the upstream report counts to tell a
   * payment made again from the first. A slip lists the payments by value date, then bank reference.
   */
  async monthPayments(projectId: string, period: Month): Promise<MonthPayments> {
    const e2e = await this.db.all<{ endToEndId: string; workerId: string }>(
      sql`SELECT ${instructionLines.endToEndId} AS "endToEndId", ${instructionLines.workerId} AS "workerId" FROM ${instructionLines}
          WHERE ${and(eq(instructionLines.projectId, projectId), eq(instructionLines.period, period))}`,
    )
    const workerOfE2e = new Map(e2e.map((r) => [r.endToEndId, r.workerId]))
    // The cards the project's workers held before and after a change (换卡): a payment to any of them is theirs, as
    // reconciliation counts it, whichever card the sheet line names.
    const changes = await this.db.all<{ workerId: string; previousCardNo: string; cardNo: string }>(
      sql`SELECT ${workerCardChanges.workerId} AS "workerId", ${workerCardChanges.previousCardNo} AS "previousCardNo", ${workerCardChanges.cardNo} AS "cardNo"
          FROM ${workerCardChanges} WHERE ${workerCardChanges.workerId} IN (SELECT ${enrolments.workerId} FROM ${enrolments} WHERE ${eq(enrolments.projectId, projectId)})`,
    )
    const otherCards = new Map<string, Set<string>>()
    for (const c of changes) {
      const cards = otherCards.get(c.workerId) ?? new Set<string>()
      cards.add(cardKey(c.previousCardNo)).add(cardKey(c.cardNo))
      otherCards.set(c.workerId, cards)
    }
    const cardsOf = (workerId: string, cardNo: string): Set<string> => new Set([cardKey(cardNo), ...(otherCards.get(workerId) ?? [])])
    const { standing, setbacks } = monthPaymentsOf((await this.payouts.linesOfPeriod(projectId, period)).map(paidLineOf))
    const byWorker = new Map<string, SlipPayment[]>()
    const byCard = new Map<string, SlipPayment[]>()
    const push = (m: Map<string, SlipPayment[]>, k: string, p: SlipPayment): void => {
      const list = m.get(k)
      if (list) list.push(p)
      else m.set(k, [p])
    }
    const workerOf = (l: PaidLine): string | undefined => (l.endToEndId === null || l.endToEndId === undefined ? undefined : workerOfE2e.get(l.endToEndId))
    for (const p of standing) {
      const worker = workerOf(p)
      if (worker !== undefined) push(byWorker, worker, { bankRef: p.bankRef, valueDate: p.valueDate, amountFen: p.amountFen, matchedBy: 'end_to_end_id' })
      else push(byCard, cardKey(p.payeeCard), { bankRef: p.bankRef, valueDate: p.valueDate, amountFen: p.amountFen, matchedBy: 'card' })
    }
    const setbacksOfWorker = new Map<string, number>()
    const setbacksOfCard = new Map<string, number>()
    for (const l of setbacks) {
      const worker = workerOf(l)
      if (worker !== undefined) setbacksOfWorker.set(worker, (setbacksOfWorker.get(worker) ?? 0) + 1)
      else setbacksOfCard.set(cardKey(l.payeeCard), (setbacksOfCard.get(cardKey(l.payeeCard)) ?? 0) + 1)
    }
    return {
      // Both are the worker's (a 代发 line or a top-up to the card beside our instruction's payment), as reconciliation
      // counts every payment to the card's owner.
      of: (workerId, cardNo) => {
        const both = [...(byWorker.get(workerId) ?? []), ...[...cardsOf(workerId, cardNo)].flatMap((card) => byCard.get(card) ?? [])]
        return both.sort((a, b) => (a.valueDate !== b.valueDate ? (a.valueDate < b.valueDate ? -1 : 1) : a.bankRef < b.bankRef ? -1 : a.bankRef > b.bankRef ? 1 : 0))
      },
      setbacksOf: (workerId, cardNo) => (setbacksOfWorker.get(workerId) ?? 0) + [...cardsOf(workerId, cardNo)].reduce((n, card) => n + (setbacksOfCard.get(card) ?? 0), 0),
    }
  }
}

/**
 * A worker's payments of the month set against their lines of the month (one per team's sheet), in the order given:
 * each payment, in value-date order, fills the first line not yet paid its net, a payment larger than what is left
 * on it is split across the next, and whatever exceeds every net stays on the last line (paid above the due). So
 * every fen paid is on exactly one line, and a line shows as paid only what was paid. One line takes every payment.
 */
export function allocatePayments(nets: readonly Fen[], payments: readonly SlipPayment[]): SlipPayment[][] {
  const parts: SlipPayment[][] = nets.map(() => [])
  if (nets.length === 0) return parts
  const left = [...nets]
  let i = 0
  for (const p of payments) {
    let rest: Fen = p.amountFen
    while (rest > 0) {
      while (i < nets.length - 1 && left[i]! <= 0) i++
      const take = i === nets.length - 1 ? rest : rest < left[i]! ? rest : left[i]!
      parts[i]!.push({ ...p, amountFen: take })
      left[i] = subFen(left[i]!, take)
      rest = subFen(rest, take)
    }
  }
  return parts
}

/**
 * Each line's part of its worker's payments, the lines given in the ledger's order (team name, then line number): a
 * worker's payments of the month are theirs once, however many lines they have, set against their lines in that order
 * (allocatePayments). Every line of a worker carries the same payments (the first line's are used).
 */
function partsOfLines(lines: ReadonlyArray<{ workerId: string; netFen: Fen; payments: readonly SlipPayment[] }>): SlipPayment[][] {
  const byWorker = new Map<string, number[]>()
  lines.forEach((l, i) => byWorker.set(l.workerId, [...(byWorker.get(l.workerId) ?? []), i]))
  const out: SlipPayment[][] = lines.map(() => [])
  for (const own of byWorker.values()) {
    const parts = allocatePayments(own.map((i) => lines[i]!.netFen), lines[own[0]!]!.payments)
    own.forEach((i, k) => {
      out[i] = parts[k] ?? []
    })
  }
  return out
}

/** A ledger line as the export's row (工资支付台账 columns): the sheet's net beside what the bank actually paid. */
export function ledgerRowOf(line: LedgerLine): LedgerRow {
  const s = line.slip
  const paid = line.paid
  // The parts come in the payments' order (value date, then reference): the last is the latest.
  const last = paid.at(-1)
  return {
    month: s.month,
    employerName: s.employerName,
    teamName: s.teamName,
    workerName: s.workerName,
    idNumber: s.idNumber,
    phone: line.phone,
    creditHalves: s.creditHalves,
    workedMinutes: s.workedMinutes,
    payable: s.payable,
    deductions: s.deductions,
    netFen: s.netFen,
    paidFen: sumFen(paid.map((p) => p.amountFen)),
    setbacks: line.setbacks,
    cardNo: s.cardNo,
    bankName: s.bankName,
    payDate: last ? last.valueDate : null,
    voucherRef: paid.length === 0 ? null : [...new Set(paid.map((p) => p.bankRef))].join('；'),
    confirmation: s.answer?.decision === 'confirm' ? { atMs: s.answer.atMs, channel: s.answer.channel } : null,
  }
}
