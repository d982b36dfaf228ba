/**
 * Bank payout result files (代发结果) and reconciliation (对账). A file is
 * validated whole before anything is stored; a rejected file is kept in
 * rejected inputs with every line's error. Posting the same bytes again is
 * recognised by their hash and changes nothing.
 */
import { isUtf8 } from 'node:buffer'
import { createHash } from 'node:crypto'
import { isUniqueViolation } from '../db/faults.ts'
import type { Transaction } from '../db/database.ts'
import { AppError } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import { addFen, fen, formatYuan, ZERO_FEN, type Fen } from '../kernel/money.ts'
import { addDays, monthOf, nextMonth, workDateOf, type Clock, type Month, type WorkDate } from '../kernel/time.ts'
import { payDateOf } from '../payroll/rules.ts'
import { LIMITS } from '../config/limits.ts'
import { dedicatedPayouts, type ApprovedSheet, type DedicatedAccount, type FundingFlag } from '../account/funding.ts'
import type { DepositFlag } from '../deposits/rules.ts'
import type { ApprovedPayrollSource, ApprovedTeamMonth } from '../payroll/approved.ts'
import type { PunchRepository } from '../punches/repository.ts'
import type { PayrollService } from '../payroll/service.ts'
import type { CardHolder } from '../roster/repository.ts'
import type { RosterService } from '../roster/service.ts'
import type { CaseRun } from '../flags/cases.ts'
import { EXIT_SETTLEMENT_GRACE_DAYS, OVERSIZED_MONTH_FEN, OVERSIZED_YEAR_FEN, type WorkerMonthPaid } from '../flags/project-flags.ts'
import { batchSeqKey, batchSeqOf, evidenceLines, type FileError, type InstructedPayment, type PaidPayment } from './evidence-lines.ts'
import { maskBankText, parsePayoutFile } from './file-format.ts'
import { BANK_FORMATS, detectFormat, formatNamed, undetectedNotAResult } from './formats/index.ts'
import { bookedByCard, cardPeaks, reconcile, standingPayments, type CardPeaks, type CardOwner, type MonthFlag, type PaidLine, type Reconciliation, type SheetReturned } from './reconcile.ts'
import { returnsBeyondPaid } from './return-bounds.ts'
import { paidLineOf, type FlagRow, type PaymentReportRow, type PayoutFileRow, type PayoutLineKey, type PayoutLineRow, type PayoutRepository, type ReconciliationRunRow } from './repository.ts'

export type PostOutcome = 'payout_file_stored' | 'payout_file_exists'

/** Which of a month's payout lines to list: at most one of card, worker or flag, and optionally one status. */
export interface MonthLinesFilter {
  /** Lines paid to this card (digits, as stored). */
  card?: string
  /** Lines paid to any card the reconciliation attributes to this worker (the roster's). */
  workerId?: string
  /** The lines a flag rests on: its worker's, or its card's when the card is no worker's (UNKNOWN_PAYEE). */
  flagId?: string
  status?: PayoutLineRow['status']
}

export interface ReconciliationView {
  run: ReconciliationRunRow
  flags: FlagRow[]
}

/**
 * Where money going out is read from (issue 10): the approved payroll sheets, the dedicated account and its funding,
 * the deposit. Declared here as the methods used, so a test can give its own (AccountService, DepositService and
 * PayrollSheetService are these).
 */
export interface MoneyOutSources {
  sheets: ApprovedPayrollSource
  account: {
    dedicatedAccount(projectId: string): Promise<DedicatedAccount | undefined>
    /** `paidOut`: the month's wages already paid out of the dedicated account, each payment once, with its value date. */
    fundingFlags(
      projectId: string,
      period: Month,
      payDate: WorkDate,
      approvedSheets: readonly ApprovedSheet[],
      asOf: WorkDate,
      paidOut?: ReadonlyArray<{ amountFen: Fen; valueDate: WorkDate }> | (() => ReadonlyArray<{ amountFen: Fen; valueDate: WorkDate }>),
    ): Promise<FundingFlag[]>
  }
  deposits: { flags(projectId: string, asOf: WorkDate): Promise<DepositFlag[]> }
  /** Our instruction lines by EndToEndId: what a status report naming a payment by it alone paid, to whom. */
  instructed?: {
    linesByEndToEndId(projectId: string, endToEndIds: readonly string[]): Promise<ReadonlyMap<string, InstructedPayment>>
    /** Our instruction lines by batch reference and 1-based place in the batch: what a CMB 代发 result names a payment by. */
    linesByBatchSeq?(projectId: string, refs: ReadonlyArray<{ batchRef: string; seq: number }>): Promise<ReadonlyMap<string, ReadonlyMap<number, InstructedPayment & { endToEndId: string }>>>
    /** The month's instruction lines to these cards (a card may be named more than once): what a report without an EndToEndId may answer by card and amount. */
    linesToCards?(projectId: string, period: string, cards: readonly string[]): Promise<ReadonlyArray<{ endToEndId: string; cardNo: string; amountFen: number }>>
  }
}

/** Who settles a sheet paid in full, and reopens it when a payment comes back (payroll_sheet_events.actor). */
const SETTLING_ACTOR = 'reconciliation'

/** Workers and returns named in a reopening's reason at most; the run's RETURNED flags list them all. */
const REOPEN_REASON_NAMED_MAX = 20

const listed = (items: readonly string[]): string =>
  items.slice(0, REOPEN_REASON_NAMED_MAX).join(', ') + (items.length > REOPEN_REASON_NAMED_MAX ? ` and ${items.length - REOPEN_REASON_NAMED_MAX} more` : '')

/** The reason of a reopening: the run, the workers unpaid again and the returns (the bank's references) that did it. */
export function reopenReason(runId: string, s: SheetReturned): string {
  const workers = s.workers.map((w) => w.workerId)
  return `reconciliation run ${runId}: a payment came back (退票) and ${workers.length} worker(s) are no longer paid in full: workers ${listed(workers)}; returns ${listed(s.workers.flatMap((w) => w.returnBankRefs))}`
}

/** A payment report as bookedByCard reads it: the fields it does not read are left empty. */
function reportOf(l: PaymentReportRow): PaidLine {
  return {
    lineId: l.id,
    fileId: l.fileId,
    lineNo: l.lineNo,
    payeeCard: l.payeeCard,
    payeeName: '',
    amountFen: fen(l.amountFen),
    status: l.status,
    bankRef: l.bankRef,
    valueDate: l.valueDate,
    failureReason: null,
    endToEndId: l.endToEndId,
    returnOf: l.status === 'returned' ? { endToEndId: l.returnOfEndToEndId, bankRef: l.returnOfBankRef } : null,
  }
}

/**
 * Every card of every enrolled worker, and whose it is. A card two workers of the roster give (一卡多人: the roster
 * does not forbid it; SHARED_CARD flags it when paid for both) is the smallest worker id's, as the payroll's fallback
 * decides: the rows come in no order, and an owner picked by row order would move the month's cases from one worker
 * to the other between runs with no money moving.
 */
export function cardOwnersOf(holders: readonly Pick<CardHolder, 'workerId' | 'workerName' | 'cardNo'>[]): Map<string, CardOwner> {
  const cardOwners = new Map<string, CardOwner>()
  // The holder row itself stands for its owner (a CardOwner and more): a month of 100,000 workers is not copied.
  for (const h of holders) {
    const known = cardOwners.get(h.cardNo)
    if (known === undefined || h.workerId < known.workerId) cardOwners.set(h.cardNo, h)
  }
  return cardOwners
}

/**
 * The owners of every card with the cards workers held before a change (换卡) added: a payment made to a former card
 * is still its worker's. A former card that someone on the roster holds now stays theirs.
 */
export function withFormerCards(owners: Map<string, CardOwner>, former: ReadonlyArray<CardOwner & { cardNo: string }>): Map<string, CardOwner> {
  for (const f of former) {
    const known = owners.get(f.cardNo)
    if (known === undefined) owners.set(f.cardNo, f)
  }
  return owners
}

/**
 * The month's lines in linesOfPeriod's order (file id, line number, id) when one file's lines are held in memory and
 * the others were read: the held file's block goes where its id sorts.
 */
function withFileLines(others: readonly PayoutLineRow[], held: { fileId: string; lines: readonly PayoutLineRow[] }): readonly PayoutLineRow[] {
  let at = 0
  while (at < others.length && (others[at] as PayoutLineRow).fileId < held.fileId) at++
  const byLine = (a: PayoutLineRow, b: PayoutLineRow): number => a.lineNo - b.lineNo || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  // A file is read in line order, so its lines come sorted: copied and sorted only when they do not.
  const inOrder = held.lines.every((l, i) => i === 0 || byLine(held.lines[i - 1] as PayoutLineRow, l) < 0)
  const own = inOrder ? held.lines : [...held.lines].sort(byLine)
  if (others.length === 0) return own
  return [...others.slice(0, at), ...own, ...others.slice(at)]
}

export class PayoutService {
  private readonly reconciledListeners: Array<(projectId: string, period: Month) => void> = []

  constructor(
    private readonly repo: PayoutRepository,
    private readonly rejects: PunchRepository,
    private readonly roster: RosterService,
    private readonly payroll: PayrollService,
    private readonly clock: Clock,
    /** Without it the month is reconciled against the timesheet alone, as before sheets existed. */
    private readonly moneyOut?: MoneyOutSources,
    /** Where each run's flags become cases (预警案件); without it flags are kept per run only. */
    private readonly cases?: {
      onRun(run: CaseRun): Promise<unknown>
      /** Project-months with a case not yet resolved or dismissed. */
      liveMonths?(): Promise<ReadonlyArray<{ projectId: string; month: string }>>
    },
  ) {}

  /**
   * Called after a run's commit (a file stored, a run asked for, the clock's): upstream reporting reads the month's
   * payment states from the newest run (PayStatus), and should not wait for its sweep to see them.
   */
  onReconciled(listener: (projectId: string, period: Month) => void): void {
    this.reconciledListeners.push(listener)
  }

  private reconciled(projectId: string, period: Month): void {
    for (const l of this.reconciledListeners) l(projectId, period)
  }

  /**
   * `channel` names where the file came from in rejected inputs when it is refused: the upload route by default, the
   * watched folder's path for a dropped file.
   */
  async post(input: { projectId: string; period: Month; bytes: Buffer; filename: string | null; postedBy: string | null; format?: string; channel?: string }): Promise<{
    outcome: PostOutcome
    file: PayoutFileRow
    reconciliation: ReconciliationView | undefined
  }> {
    await this.roster.project(input.projectId)
    if (input.bytes.length === 0) throw new AppError('payout_file_empty')
    if (input.bytes.length > LIMITS.payout_file_bytes_max) throw new AppError('payout_file_too_large', { bytes: input.bytes.length, max: LIMITS.payout_file_bytes_max })
    const sha256 = createHash('sha256').update(input.bytes).digest('hex')
    const existing = await this.alreadyPosted(input, sha256)
    if (existing) return existing

    const now = this.clock.nowMs()
    const read = await this.read(input, sha256, now)
    if ('errors' in read) return this.refuse(input, read.errors)
    const { file, lines } = read
    // A bank reference already held with the same status is found by the unique index when the lines are stored (the
    // catch below lists every such line): looking 100,000 references up first cost more than the rest of the check.
    const tooMany = await this.monthLimitError(input.projectId, input.period, lines.length)
    if (tooMany) return this.refuse(input, [tooMany])

    let stored: { reconciliation: ReconciliationView } | { refused: FileError[] }
    try {
      stored = await this.repo.transaction(async (tx) => {
        // Posts to the month queue behind one another, so the line count read under the lock is the count this file
        // joins: another instance's file stored since the check above is counted.
        await this.lockMonth(tx, input.projectId, input.period)
        const refused = await this.monthLimitError(input.projectId, input.period, lines.length)
        if (refused) return { refused: [refused] }
        // Under the lock too: a return posted by another file a moment ago counts against the same payment.
        const beyond = await this.returnsBeyondPaidErrors(input.projectId, input.period, lines)
        if (beyond.length > 0) return { refused: beyond }
        await this.repo.insertFile(file, lines)
        return { reconciliation: await this.runInTransaction(tx, input.projectId, input.period, `payout_file:${file.id}`, { fileId: file.id, lines }) }
      })
    } catch (err) {
      if (isUniqueViolation(err)) {
        // A payment of this file is already held (with the same status), or another instance stored the same bytes
        // between the check above and this transaction: the unique index decided. Read again, outside the failed transaction, and answer as a repeat
        // post answers.
        const posted = await this.alreadyPosted(input, sha256)
        if (posted) return posted
        const refs = await this.bankRefErrors(input.projectId, lines)
        if (refs.length > 0) return this.refuse(input, refs)
        throw err
      }
      // The limits make this unreachable (kernel/money, FEN_MAX). Should a figure still leave its range, the
      // transaction has rolled back: the file is refused and kept with the reason, never stored to fail every later read.
      if (!(err instanceof RangeError)) throw err
      return this.refuse(input, [
        {
          line: 0,
          code: 'not_reconcilable',
          message: `The pay month could not be reconciled with this file (${err.message}); nothing was stored. Check the file's amounts and the month's daily rates, and report it.`,
        },
      ])
    }
    // Refused after the transaction, never inside it: the refusal is kept in rejected inputs, which a rollback would undo.
    if ('refused' in stored) return this.refuse(input, stored.refused)
    this.reconciled(input.projectId, input.period)
    return { outcome: 'payout_file_stored', file, reconciliation: stored.reconciliation }
  }

  /** The answer to bytes the project already holds: the stored file and its month's flags, or a refusal if the month differs. */
  private async alreadyPosted(
    input: { projectId: string; period: Month },
    sha256: string,
  ): Promise<{ outcome: PostOutcome; file: PayoutFileRow; reconciliation: ReconciliationView | undefined } | undefined> {
    const existing = await this.repo.fileBySha(input.projectId, sha256)
    if (!existing) return undefined
    if (existing.period !== input.period) throw new AppError('payout_file_exists_with_different_period', { fileId: existing.id, period: existing.period })
    // The first page of flags and one more, as a stored file's reply carries (the rest are listed by GET flags).
    return { outcome: 'payout_file_exists', file: existing, reconciliation: await this.latestPage(input.projectId, input.period, undefined, LIMITS.page_size_max + 1) }
  }

  /**
   * The file read to the rows it would store, or its faults. The delimited layout (the ledger's own, and what a file
   * in no other format is read as, so its faults name what that layout lacks) is read as it always was; the other
   * formats (src/payouts/formats: pain.002, camt, CMB 代发, text profiles) to payment evidence first, then to lines,
   * taking card, name and amount from our instruction line where the bank names the payment only by EndToEndId.
   */
  private async read(
    input: { projectId: string; period: Month; bytes: Buffer; filename: string | null; postedBy: string | null; format?: string },
    sha256: string,
    now: number,
  ): Promise<{ file: PayoutFileRow; lines: PayoutLineRow[] } | { errors: FileError[] }> {
    const format = input.format === undefined ? detectFormat(input.bytes) : formatNamed(input.format)
    if (input.format !== undefined && format === undefined) {
      return { errors: [{ line: 0, field: 'format', code: 'unknown_format', message: `"${input.format}" is not a format this ledger reads: ${BANK_FORMATS.map((f) => f.name).join(', ')}.` }] }
    }
    // A file no format claims that is XML or our own instruction (pain.001 or a 代发 file sent back, above all) is
    // refused for what it is, as `npm run bank-file` refuses it (parseBankFile), not read as a delimited file.
    const notResult = format === undefined ? undetectedNotAResult(input.bytes) : undefined
    if (notResult !== undefined) return { errors: [{ line: notResult.lineNo, field: notResult.field, code: notResult.code, message: notResult.message }] }
    const fileId = newId()
    const base = { id: fileId, projectId: input.projectId, period: input.period, sha256, filename: input.filename, postedBy: input.postedBy, postedAtMs: now }
    if (format === undefined || format.name === 'delimited') {
      const parsed = parsePayoutFile(input.bytes)
      if (!parsed.ok) return { errors: parsed.errors }
      // A line naming our EndToEndId answers that instruction's month, whatever the format: another month's refuses the
      // file, or one payment would count in two pay months.
      const named = [...new Set(parsed.file.lines.flatMap((l) => (l.endToEndId === null ? [] : [l.endToEndId])))]
      if (named.length > 0 && this.moneyOut?.instructed) {
        const instructed = await this.moneyOut.instructed.linesByEndToEndId(input.projectId, named)
        const errors: FileError[] = []
        for (const l of parsed.file.lines) {
          const i = l.endToEndId === null ? undefined : instructed.get(l.endToEndId)
          if (i !== undefined && i.period !== input.period) {
            errors.push({ line: l.lineNo, field: 'end_to_end_id', code: 'wrong_period', message: `Line ${l.lineNo} answers the instruction of ${i.period} (EndToEndId ${l.endToEndId}), not ${input.period}. Post the file for ${i.period}.` })
          }
        }
        if (errors.length > 0) return { errors }
      }
      const t = parsed.file.totals
      const file: PayoutFileRow = {
        ...base,
        encoding: parsed.file.encoding,
        format: 'delimited',
        variant: null,
        messageId: null,
        lineCount: t.lineCount,
        successCount: t.successCount,
        successFen: t.successFen,
        failedCount: t.failedCount,
        failedFen: t.failedFen,
        pendingCount: 0,
        returnedCount: 0,
        returnedFen: 0,
      }
      const lines: PayoutLineRow[] = parsed.file.lines.map((l) => ({
        id: newId(),
        fileId,
        projectId: input.projectId,
        period: input.period,
        lineNo: l.lineNo,
        seq: l.seq,
        payeeCard: l.payeeCard,
        payeeName: l.payeeName,
        amountFen: l.amountFen,
        status: l.status,
        bankRef: l.bankRef,
        valueDate: l.valueDate,
        failureReason: l.failureReason,
        payerAccountNo: l.payerAccountNo,
        endToEndId: l.endToEndId,
        reasonCode: null,
        returnOfEndToEndId: null,
        returnOfBankRef: null,
        uetr: null,
      }))
      return { file, lines: await this.answeredByCardAndAmount(input.projectId, input.period, lines) }
    }
    const parsed = format.parse(input.bytes, input.filename === null ? {} : { fileName: input.filename })
    if (!parsed.file || parsed.errors.length > 0) return { errors: parsed.errors.map((e) => ({ line: e.lineNo, field: e.field, code: e.code, message: e.message })) }
    const ids = [...new Set(parsed.file.lines.flatMap((l) => (l.endToEndId === null ? [] : [l.endToEndId])))]
    const instructed = ids.length > 0 && this.moneyOut?.instructed ? await this.moneyOut.instructed.linesByEndToEndId(input.projectId, ids) : new Map<string, InstructedPayment>()
    // Reports that name the payment by our batch and its place in it (CMB 代发: YURREF and TRXSEQ), not by EndToEndId.
    const places = parsed.file.lines.flatMap((l) => batchSeqOf(l) ?? [])
    const instructedByBatchSeq = new Map<string, InstructedPayment & { endToEndId: string }>()
    if (places.length > 0 && this.moneyOut?.instructed?.linesByBatchSeq) {
      for (const [batchRef, bySeq] of await this.moneyOut.instructed.linesByBatchSeq(input.projectId, places)) {
        for (const [seq, line] of bySeq) instructedByBatchSeq.set(batchSeqKey(batchRef, seq), line)
      }
    }
    // Returns that name their payment by the bank's reference alone, without the payee: whom that payment paid.
    const payeeless = [...new Set(parsed.file.lines.flatMap((l) => (l.status === 'returned' && l.payeeCard === null && l.endToEndId === null && l.returnOf?.bankRef ? [l.returnOf.bankRef] : [])))]
    const paidByBankRef = new Map<string, PaidPayment>()
    if (payeeless.length > 0) {
      for (const r of await this.repo.postedBankRefs(input.projectId, payeeless)) if (r.status === 'success') paidByBankRef.set(r.bankRef, { payeeCard: r.payeeCard, payeeName: r.payeeName })
    }
    const project = await this.roster.project(input.projectId)
    const made = evidenceLines(parsed.file, { projectId: input.projectId, period: input.period, fileId, postedOn: workDateOf(now, project.timeZone), sha256, instructed, instructedByBatchSeq, paidByBankRef, newId })
    if ('errors' in made) return made
    const misplaced = await this.returnsOfOtherMonths(input.projectId, input.period, made.lines)
    if (misplaced.length > 0) return { errors: misplaced }
    const t = made.totals
    const file: PayoutFileRow = {
      ...base,
      // Checked in place: decoding a 20 MB file to a string only to drop it cost 0.15 s a post.
      encoding: isUtf8(input.bytes) ? 'utf-8' : 'gbk',
      format: parsed.file.format,
      variant: parsed.file.variant,
      messageId: parsed.file.messageId,
      ...t,
    }
    return { file, lines: await this.returnsByBankRef(input.projectId, await this.answeredByCardAndAmount(input.projectId, input.period, made.lines)) }
  }

  /**
   * A return (退票) that names the payment it undoes only by the bank's reference (a camt reversal, a text profile's
   * original reference) takes that payment's EndToEndId, on both ends as a camt return carries it, when the payment —
   * posted before or in the same file — has exactly one: the attempts and reconciliation find what came back by it.
   * Without it the payment stayed "paid" to the attempts, and its re-attempt was refused although the money was back.
   */
  private async returnsByBankRef(projectId: string, lines: PayoutLineRow[]): Promise<PayoutLineRow[]> {
    const open = lines.filter((l) => l.status === 'returned' && l.endToEndId === null && l.returnOfEndToEndId === null && l.returnOfBankRef !== null)
    if (open.length === 0) return lines
    const ids = new Map<string, Set<string>>()
    const note = (bankRef: string, e2e: string | null): void => {
      if (e2e === null) return
      const set = ids.get(bankRef) ?? new Set<string>()
      set.add(e2e)
      ids.set(bankRef, set)
    }
    for (const r of await this.repo.postedBankRefs(projectId, [...new Set(open.map((l) => l.returnOfBankRef!))])) if (r.status === 'success') note(r.bankRef, r.endToEndId)
    for (const l of lines) if (l.status === 'success' && l.bankRef !== null) note(l.bankRef, l.endToEndId)
    return lines.map((l) => {
      if (!open.includes(l)) return l
      const found = ids.get(l.returnOfBankRef!)
      if (found?.size !== 1) return l
      const e2e = [...found][0]!
      return { ...l, endToEndId: e2e, returnOfEndToEndId: e2e }
    })
  }

  /**
   * Reports without an EndToEndId (a 代发 result, a text file) take the EndToEndId of the month's one instruction line
   * with the same card and amount, so that the same payment reported again by a camt.054 or pain.002 that names it is
   * one payment to reconciliation and to the attempts, not two (two counted as paid kept a worker whose money came
   * back by a return "paid"). Only where exactly one line of ours fits, the file names that EndToEndId nowhere else, and
   * the payment is not reported booked on another day: attempts to one card for one amount, a line the file also
   * reports by id, or money paid again after a return (on a later day) leave the report as it was. A payment made
   * outside our instructions to the same card for the same amount on the day ours was booked reads as ours: counted
   * once, not as an overpayment.
   */
  private async answeredByCardAndAmount(projectId: string, period: string, lines: PayoutLineRow[]): Promise<PayoutLineRow[]> {
    const source = this.moneyOut?.instructed
    if (source?.linesToCards === undefined) return lines
    const open = lines.filter((l) => l.endToEndId === null && l.status !== 'returned')
    if (open.length === 0) return lines
    // The cards as the lines name them, repeats and all: the source sifts the month by a set of its own, and a set made
    // here first cost a tenth of a second of a 100,000-line post, for nothing when the month holds no instruction.
    const instructed = await source.linesToCards(projectId, period, open.map((l) => l.payeeCard))
    if (instructed.length === 0) return lines
    const key = (card: string, amountFen: number): string => `${card}\u0000${amountFen}`
    const byKey = new Map<string, string | null>()
    for (const i of instructed) {
      const k = key(i.cardNo, i.amountFen)
      // Two attempts (or two lines) to one card for one amount: which one a report answers is not known.
      byKey.set(k, byKey.has(k) ? null : i.endToEndId)
    }
    // A payment of ours reported booked on another day is not the one a new report tells of: money paid again after a
    // return (补发) is new money. Its returns do not decide it: a return posted before the 代发 result of the same
    // payment must still find it (the order files arrive in never changes what they say).
    const stored = await this.repo.reportsOfEndToEndIds(projectId, period, [...new Set([...byKey.values()].filter((e): e is string => e !== null))])
    const bookedOn = new Map<string, Set<string>>()
    for (const r of stored) if (r.status === 'success') bookedOn.set(r.endToEndId, (bookedOn.get(r.endToEndId) ?? new Set()).add(r.valueDate))
    const named = new Set(lines.flatMap((l) => (l.endToEndId === null ? [] : [l.endToEndId])))
    const counts = new Map<string, number>()
    for (const l of open) counts.set(key(l.payeeCard, l.amountFen), (counts.get(key(l.payeeCard, l.amountFen)) ?? 0) + 1)
    return lines.map((l) => {
      if (l.endToEndId !== null || l.status === 'returned') return l
      const k = key(l.payeeCard, l.amountFen)
      const e2e = byKey.get(k)
      // Two reports of the file fit one line: two payments, neither taken for ours.
      if (e2e === undefined || e2e === null || named.has(e2e) || counts.get(k) !== 1) return l
      const days = bookedOn.get(e2e)
      if (days !== undefined && !days.has(l.valueDate)) return l
      return { ...l, endToEndId: e2e }
    })
  }

  /**
   * A return (退票) that names the payment it undoes by the bank's reference belongs to that payment's pay month, as one
   * naming it by EndToEndId does: posted under another month it would leave the month it undoes paid and settled.
   */
  private async returnsOfOtherMonths(projectId: string, period: Month, lines: readonly PayoutLineRow[]): Promise<FileError[]> {
    const named = lines.filter((l) => l.status === 'returned' && l.returnOfBankRef !== null)
    if (named.length === 0) return []
    const originals = new Map<string, string>()
    for (const r of await this.repo.postedBankRefs(projectId, [...new Set(named.map((l) => l.returnOfBankRef!))])) {
      if (r.status === 'success') originals.set(r.bankRef, r.period)
    }
    return named.flatMap((l) => {
      const month = originals.get(l.returnOfBankRef!)
      if (month === undefined || month === period) return []
      return [{ line: l.lineNo, field: 'bank_ref', code: 'wrong_period', message: `Line ${l.lineNo} returns the payment ${l.returnOfBankRef}, paid for ${month}, not ${period}. Post the file for ${month}.` }]
    })
  }

  /**
   * Every report is counted once: a bank reference already posted with the same status (in another file) refuses this
   * one. The same reference with another status is news of the same payment (pending, then paid) and is stored.
   */
  /**
   * The lines of a file whose returns (退票) would bring back more than their payment paid, over every return of that
   * payment held and in the file (return-bounds.ts). The month's lines are read only when returns are involved: the
   * file carries one, or books payments in a month that holds some (a return may come before its payment).
   */
  private async returnsBeyondPaidErrors(projectId: string, period: Month, lines: readonly PayoutLineRow[]): Promise<FileError[]> {
    const returns = lines.some((l) => l.status === 'returned')
    if (!returns && !(lines.some((l) => l.status === 'success') && (await this.repo.periodHasReturns(projectId, period)))) return []
    const stored = (await this.repo.paymentReportsOfPeriod(projectId, period)).map(reportOf)
    return returnsBeyondPaid(stored, lines.map(paidLineOf)).map((b) => {
      const paid = `${formatYuan(b.paidFen)} (line ${b.payment.lineNo} of ${lines.some((l) => l.id === b.payment.lineId) ? 'this file' : 'a file posted before'}, ${b.payment.valueDate})`
      const message =
        b.line.status === 'returned'
          ? `Line ${b.line.lineNo} returns ${formatYuan(b.line.amountFen)} of the payment ${b.paymentId}, which paid ${paid}: a return cannot bring back more than was paid. Check the amount and the payment it names with the bank; nothing was stored.`
          : `Line ${b.line.lineNo} books the payment ${b.paymentId} for ${formatYuan(b.paidFen)}, but a return of ${formatYuan(b.returnedFen)} of it is already held: a return cannot bring back more than was paid. Check this amount and that return with the bank; nothing was stored.`
      return { line: b.line.lineNo, field: 'amount', code: 'return_exceeds_payment', message }
    })
  }

  private async bankRefErrors(projectId: string, lines: ReadonlyArray<{ lineNo: number; bankRef: string; status: string }>): Promise<FileError[]> {
    const posted = new Map((await this.repo.postedBankRefs(projectId, lines.map((l) => l.bankRef))).map((r) => [`${r.bankRef}\u0000${r.status}`, r.fileId]))
    const errors: FileError[] = []
    for (const l of lines) {
      const fileId = posted.get(`${l.bankRef}\u0000${l.status}`)
      if (fileId) errors.push({ line: l.lineNo, field: 'bank_ref', code: 'bank_ref_already_posted', message: `Bank reference ${l.bankRef} was already posted in file ${fileId}; a payment is counted once. Post only new payments.` })
    }
    return errors
  }

  /** The month's sums are bounded by its line count (see reconcile.ts), so the count is a limit like any other. */
  private async monthLimitError(projectId: string, period: Month, adding: number): Promise<FileError | undefined> {
    const held = await this.repo.lineCountOfPeriod(projectId, period)
    if (held + adding <= LIMITS.payout_lines_per_project_month_max) return undefined
    return {
      line: 0,
      code: 'month_too_many_lines',
      message:
        `The project already holds ${held} payout lines for ${period}; this file's ${adding} would pass the ` +
        `limit of ${LIMITS.payout_lines_per_project_month_max} lines a pay month may hold. Check that the file belongs to this project and month.`,
    }
  }

  /** Runs of one project's month never interleave, on any instance: each reads the month and records what it read. */
  private lockMonth(tx: Transaction, projectId: string, period: Month): Promise<void> {
    return tx.lock(`reconcile:${projectId}:${period}`)
  }

  /**
   * Keeps the refused file in rejected inputs with its errors, then answers 422 with them. The errors are masked first
   * (values quoted from the file, bank references, whatever a message carries): neither the reply nor the kept detail
   * shows an account or ID number; the file's bytes are kept whole, for a reveal.
   */
  private async refuse(input: { projectId: string; bytes: Buffer; filename: string | null; postedBy: string | null; channel?: string }, unmasked: readonly FileError[]): Promise<never> {
    const errors = unmasked.map((e) => ({ ...e, message: maskBankText(e.message), ...(e.field === undefined ? {} : { field: maskBankText(e.field) }) }))
    await this.rejects.reject(
      {
        source: 'http',
        channel: input.channel ?? `POST /api/projects/${input.projectId}/payout-files`,
        sender: input.postedBy,
        projectId: input.projectId,
        deviceSerial: null,
        recordId: input.filename,
        reason: 'payout_file_invalid',
        detail: JSON.stringify(errors.slice(0, LIMITS.payout_file_errors_max)),
        payload: input.bytes,
        receivedAtMs: this.clock.nowMs(),
      },
      LIMITS.payout_file_bytes_max,
    )
    throw new AppError('payout_file_invalid', {
      errorCount: errors.length,
      errors: errors.slice(0, LIMITS.payout_file_errors_max),
    })
  }

  /** A page of the project's files in the order posted (a project posts a few a month, for years). */
  async filesPage(projectId: string, after: readonly [postedAtMs: number, id: string] | undefined, limit: number): Promise<PayoutFileRow[]> {
    await this.roster.project(projectId)
    return this.repo.filesPage(projectId, after, limit)
  }

  /** A page of one file's lines (up to payout_file_lines_max of them) in file order. */
  async fileLinesPage(projectId: string, fileId: string, afterLineNo: number | undefined, limit: number): Promise<PayoutLineRow[]> {
    await this.roster.project(projectId)
    if (!(await this.repo.file(projectId, fileId))) throw new AppError('payout_file_not_found', { fileId })
    return this.repo.linesOfFilePage(fileId, afterLineNo, limit)
  }

  /**
   * A page of the month's payout lines in money order, the order a flag's evidence shows them in, so walking the
   * listing from a flag's filter returns every line its `linesTotal` counts. Attribution to a worker is the one the
   * reconciliation uses (cardOwners), read now: after a roster change it may differ from an older run's.
   */
  async monthLines(projectId: string, period: Month, filter: MonthLinesFilter, after: PayoutLineKey | undefined, limit: number): Promise<PayoutLineRow[]> {
    await this.roster.project(projectId)
    let cards: string[] | undefined
    let workerId = filter.workerId
    if (filter.flagId !== undefined) {
      const flag = await this.repo.flagById(filter.flagId)
      if (!flag || flag.projectId !== projectId || flag.period !== period) throw new AppError('flag_not_found', { flagId: filter.flagId, period })
      if (flag.workerId !== null) workerId = flag.workerId
      else cards = flag.payeeCard === null ? [] : [flag.payeeCard]
    } else if (filter.card !== undefined) cards = [filter.card]
    if (workerId !== undefined) {
      await this.roster.worker(workerId)
      cards = [...(await this.cardOwners(projectId))].filter(([, owner]) => owner.workerId === workerId).map(([card]) => card)
    }
    return this.repo.linesOfPeriodPage(projectId, period, { ...(cards === undefined ? {} : { cards }), ...(filter.status === undefined ? {} : { status: filter.status }) }, after, limit)
  }

  /** Every card of every worker enrolled on the project, and whose it is: what the reconciliation attributes payments by. */
  private async cardOwners(projectId: string): Promise<Map<string, CardOwner>> {
    return withFormerCards(cardOwnersOf(await this.roster.cardHolders(projectId)), await this.roster.formerCards(projectId))
  }

  /**
   * What each worker was paid on the project in the pay months of `period`'s calendar year before it (OVERSIZED's year
   * rule), for the workers the rule could concern: attributed to workers by the roster's cards as they are now.
   *
   * One grouped statement first bounds every card's earlier year from above (each successful line summed, a payment
   * reported twice counted twice, returns not taken off). A worker whose bound plus everything that reached their cards
   * this month stays within OVERSIZED's year limit, and whose month stays within the month limit, cannot be OVERSIZED,
   * and no other rule reads the earlier year: they are left out (a month of 100,000 workers paid ordinary wages costs
   * that one statement, not a read of the year's lines). For the others, each earlier month's lines to their cards are
   * reduced as reconcile counts payments (bookedByCard): each payment once, net of returns. (Reports of one payment name
   * one card; a bank that reported a payment under two cards would have it counted for each card concerned.)
   */
  private async paidEarlierInYear(
    projectId: string,
    period: Month,
    cardOwners: ReadonlyMap<string, CardOwner>,
    monthLines: readonly PayoutLineRow[],
    monthPeak: Fen,
    oneCardEach: boolean,
  ): Promise<WorkerMonthPaid[]> {
    const yearStart = `${period.slice(0, 4)}-01`
    if (period <= yearStart) return []
    // The bounds reason from one card per worker: a worker with a former card may have been paid on both in a month.
    if (oneCardEach && (await this.clearedByMonthBounds(projectId, yearStart, period, monthPeak))) return []
    // bookedByCard keys cards without their spaces, as reconcile does; the roster's cards are keyed the same way.
    const key = (card: string): string => (/\s/.test(card) ? card.replace(/\s/g, '') : card)
    const owners = new Map<string, string>()
    for (const [card, owner] of cardOwners) owners.set(key(card), owner.workerId)
    const monthBound = new Map<string, number>()
    for (const l of monthLines) {
      const workerId = owners.get(key(l.payeeCard))
      if (workerId !== undefined) monthBound.set(workerId, (monthBound.get(workerId) ?? 0) + Math.abs(l.amountFen))
    }
    const bounds = await this.repo.successSumsByCard(projectId, yearStart, period)
    if (bounds.length === 0) return []
    // Bounds are sums of stored amounts, each within payout_line_amount_fen_max, of at most a year of lines: safe integers.
    const earlierBound = new Map<string, number>()
    for (const b of bounds) {
      const workerId = owners.get(key(b.card))
      if (workerId !== undefined) earlierBound.set(workerId, (earlierBound.get(workerId) ?? 0) + Math.abs(b.fen))
    }
    if (earlierBound.size === 0) return []
    const concerned = new Set<string>()
    for (const [workerId, earlier] of earlierBound) {
      const month = monthBound.get(workerId) ?? 0
      if (month > OVERSIZED_MONTH_FEN || earlier + month > OVERSIZED_YEAR_FEN) concerned.add(workerId)
    }
    if (concerned.size === 0) return []
    const cards = [...cardOwners].filter(([, owner]) => concerned.has(owner.workerId)).map(([card]) => card)
    const paid: WorkerMonthPaid[] = []
    for (let month = yearStart; month < period; month = nextMonth(month)) {
      const reports = await this.repo.paymentReportsOfCards(projectId, month, cards)
      if (reports.length === 0) continue
      const byWorker = new Map<string, Fen>()
      for (const [card, amountFen] of bookedByCard(reports.map(reportOf))) {
        const workerId = owners.get(card)
        if (workerId !== undefined && concerned.has(workerId)) byWorker.set(workerId, addFen(byWorker.get(workerId) ?? ZERO_FEN, amountFen))
      }
      for (const [workerId, paidFen] of byWorker) paid.push({ workerId, month, paidFen })
    }
    return paid
  }

  /**
   * Whether the earlier months' stored bounds (payout_month_bounds) alone clear every worker of OVERSIZED's year rule,
   * so that paidEarlierInYear need read none of their lines, nor attribute this month's. The roster gives a worker one
   * card (workers.card_no; cardHolders repeats it per enrolment), so what a worker was paid in a month is at most that
   * month's card peak (this month's over every line, as the rule's month bound reads them); when the peaks stay within
   * the month and year limits, the grouped statement would have left every worker out. A month with lines and no bound
   * covering all of them (stored before bounds were kept) answers no: the lines are read as before.
   */
  private async clearedByMonthBounds(projectId: string, yearStart: Month, period: Month, monthPeak: Fen): Promise<boolean> {
    let earlierPeaks = 0
    for (const m of await this.repo.monthBounds(projectId, yearStart, period)) {
      if (m.boundLineCount !== m.lineCount || m.cardPeakFen === null) return false
      earlierPeaks += m.cardPeakFen
    }
    return monthPeak <= OVERSIZED_MONTH_FEN && earlierPeaks + monthPeak <= OVERSIZED_YEAR_FEN
  }

  /** Reconciles a pay month now and records the run; earlier runs stay as history. */
  async reconcile(projectId: string, period: Month, trigger: string): Promise<ReconciliationView> {
    await this.roster.project(projectId)
    const view = await this.repo.transaction((tx) => this.runInTransaction(tx, projectId, period, trigger))
    this.reconciled(projectId, period)
    return view
  }

  /**
   * The reconciliation clock (对账时钟): a month's flags change with the date alone — the pay date passing with nothing
   * paid (UNPAID, NO_PAYROLL_SHEET, HEADCOUNT_GAP), a payment pending for days, an exit's settlement deadline, funding
   * and the deposit — and no file may come to run it. So once a day in each project's zone, after the pay date, the
   * month just paid is reconciled, and so is every month with a case still live (so a case can also close on time).
   * Each such run is recorded with trigger `clock:YYYY-MM-DD`; a month already run that day (by a post or another
   * instance) is left alone, and a month that holds nothing (no one due or paid, no flag) and was never run is not
   * given an empty run. Returns the runs recorded.
   */
  async runClock(): Promise<number> {
    const live = new Map<string, Set<string>>()
    for (const { projectId, month } of (await this.cases?.liveMonths?.()) ?? []) live.set(projectId, (live.get(projectId) ?? new Set()).add(month))
    let runs = 0
    for (const project of await this.roster.listProjects()) {
      const today = workDateOf(this.clock.nowMs(), project.timeZone)
      const paid = monthOf(addDays(`${monthOf(today)}-01`, -1))
      const months = new Set(live.get(project.id))
      if (payDateOf(paid, project.payDay) <= today) months.add(paid)
      // The month of an exit whose settlement deadline (exit + grace) passed in the last month: EXITED_UNSETTLED is raised
      // then, not at the month's pay date weeks later. Past that window an unsettled exit has a live case, visited above.
      for (const m of await this.roster.exitMonths(project.id, addDays(today, -(EXIT_SETTLEMENT_GRACE_DAYS + 31)), addDays(today, -(EXIT_SETTLEMENT_GRACE_DAYS + 1)))) months.add(m)
      for (const month of [...months].sort()) {
        if (await this.clockRun(project.id, month, today)) {
          runs++
          this.reconciled(project.id, month)
        }
      }
    }
    return runs
  }

  private clockRun(projectId: string, period: Month, today: WorkDate): Promise<boolean> {
    return this.repo.transaction(async (tx) => {
      await this.lockMonth(tx, projectId, period)
      const project = await this.roster.project(projectId)
      const latest = await this.repo.latestRun(projectId, period)
      if (latest !== undefined && workDateOf(latest.ranAtMs, project.timeZone) >= today) return false
      if (latest === undefined) {
        const r = (await this.computeWithSheets(projectId, period)).reconciliation
        if (r.totals.workers === 0 && r.flags.length === 0) return false
      }
      await this.runInTransaction(tx, projectId, period, `clock:${today}`)
      return true
    })
  }

  /**
   * A page of the newest run's flags, in the order the run raised them. A month paid line by line to strangers'
   * cards raises a flag a line (up to 200,000), so the flags are paged like every list; `after` is the last flag id of
   * the previous page, and must be a flag of the newest run: a run in between starts the walk again.
   */
  async latestPage(projectId: string, period: Month, after: string | undefined, limit: number): Promise<ReconciliationView | undefined> {
    await this.roster.project(projectId)
    const run = await this.repo.latestRun(projectId, period)
    if (after !== undefined && (await this.repo.flagById(after))?.runId !== run?.id) throw new AppError('cursor_not_found', { after, runId: run?.id ?? null })
    return run ? { run, flags: await this.repo.flagsOfRunPage(run.id, after, limit) } : undefined
  }

  async latest(projectId: string, period: Month): Promise<ReconciliationView | undefined> {
    await this.roster.project(projectId)
    const run = await this.repo.latestRun(projectId, period)
    return run ? { run, flags: await this.repo.flagsOfRun(run.id) } : undefined
  }

  /**
   * Pure reconciliation of what is stored, without recording a run. With the money-out sources: what is due comes from
   * the approved sheets where a team has one, payer accounts are checked against the dedicated account, and the
   * month's funding and deposit flags are listed with the rest, all as of today in the project's zone.
   */
  async compute(projectId: string, period: Month): Promise<Reconciliation> {
    return (await this.computeWithSheets(projectId, period)).reconciliation
  }

  /**
   * The reconciliation and the approved sheets it read (none without the money-out sources). `held`: a file whose lines
   * the caller has just stored in this transaction and still holds, so they are not read back.
   *
   * A team whose approved sheet is in force is due what the sheet says, and its workers' attendance is the sheet's
   * lines (made from the confirmed timesheet): its timesheet is not read. The roster is read once, narrowed to what
   * attributing payments needs (cardHolders).
   */
  private async computeWithSheets(
    projectId: string,
    period: Month,
    held?: { fileId: string; lines: readonly PayoutLineRow[] },
  ): Promise<{ reconciliation: Reconciliation; approved: readonly ApprovedTeamMonth[]; lines: readonly PayoutLineRow[]; peaks: CardPeaks }> {
    const project = await this.roster.project(projectId)
    const asOf = workDateOf(this.clock.nowMs(), project.timeZone)
    const approved = this.moneyOut === undefined ? undefined : await this.moneyOut.sheets.approvedForMonth(projectId, period)
    const due = await this.payroll.due(projectId, period, approved === undefined ? undefined : new Set(approved.map((a) => a.teamId)))
    const holders = await this.roster.cardHolders(projectId)
    const former = await this.roster.formerCards(projectId)
    const cardOwners = withFormerCards(cardOwnersOf(holders), former)
    const lines = held === undefined ? await this.repo.linesOfPeriod(projectId, period) : withFileLines(await this.repo.linesOfPeriod(projectId, period, held.fileId), held)
    const teamNames = new Map((await this.roster.listTeams(projectId)).map((t) => [t.id, t.name]))
    const moneyOut = approved === undefined ? {} : await this.moneyOutOf(projectId, period, approved, due.payDate, asOf, lines)
    const peaks = cardPeaks(lines)
    const earlier = await this.paidEarlierInYear(projectId, period, cardOwners, lines, peaks.any, former.length === 0)
    const reconciliation = reconcile({
      period,
      payDate: due.payDate,
      asOf,
      ...moneyOut,
      due: [
        ...due.workers.map((w) => ({
          workerId: w.workerId,
          workerName: w.name,
          cardNo: w.cardNo,
          dueFen: w.dueFen,
          daysPresent: w.dueHalves / 2,
          teamId: w.teamId,
          ...(teamNames.has(w.teamId) ? { teamName: teamNames.get(w.teamId) } : {}),
        })),
        // The attendance of a team whose sheet is in force, as the sheet froze it (its due is the sheet's, dueBasis).
        ...(approved ?? []).flatMap((team) =>
          team.lines.map((l) => ({ workerId: l.workerId, workerName: l.workerName, cardNo: l.cardNo, dueFen: l.netFen, daysPresent: l.dayHalves / 2, teamId: team.teamId, teamName: team.teamName })),
        ),
      ],
      payouts: lines.map(paidLineOf),
      cardOwners,
      enrolments: holders,
      paidEarlierInYear: earlier,
    })
    return { reconciliation, approved: approved ?? [], lines, peaks }
  }

  /** The reconciliation's inputs about money going out, read as of `asOf`; none without the sources. */
  private async moneyOutOf(
    projectId: string,
    period: Month,
    approved: readonly ApprovedTeamMonth[],
    payDate: WorkDate,
    asOf: WorkDate,
    lines: readonly PayoutLineRow[],
  ): Promise<Pick<Parameters<typeof reconcile>[0], 'sheets' | 'payer' | 'monthFlags'>> {
    const m = this.moneyOut
    if (m === undefined) return {}
    const approvedTeams = new Set(approved.map((a) => a.teamId))
    const pending = new Map([...(await this.repo.newestSheetsOfMonth(projectId, period))].filter(([teamId]) => !approvedTeams.has(teamId)))
    const account = await m.account.dedicatedAccount(projectId)
    const funding = await m.account.fundingFlags(
      projectId,
      period,
      payDate,
      approved.map((a) => ({ sheetId: a.sheetId, netFen: a.netFen })),
      asOf,
      () => paidOutOf(account, lines),
    )
    const deposits = await m.deposits.flags(projectId, asOf)
    const monthFlags: MonthFlag[] = [
      ...funding.map((f): MonthFlag => ({ kind: f.code, evidence: f.evidence, ...(f.scope === undefined ? {} : { scope: f.scope }) })),
      ...deposits.map((f): MonthFlag => ({ kind: f.code, evidence: { contractorId: f.contractorId, ...f.evidence }, ...(f.scope === undefined ? {} : { scope: f.scope }) })),
    ]
    return {
      sheets: { approved, pending, asOf },
      payer: { projectId, account },
      monthFlags,
    }
  }

  /**
   * An instructed sheet every line of which the run found paid in full is settled (已结清), in the run's transaction, so
   * a settlement always rests on a stored run. Approved sheets not yet instructed are not: nothing was sent for them.
   */
  private async settlePaidSheets(r: Reconciliation, approved: readonly ApprovedTeamMonth[], runId: string): Promise<void> {
    const m = this.moneyOut
    if (m === undefined) return
    const instructed = new Set(approved.filter((s) => s.state === 'instructed').map((s) => s.sheetId))
    for (const sheetId of r.sheetsPaidInFull) {
      if (instructed.has(sheetId)) await m.sheets.settle(sheetId, SETTLING_ACTOR, `reconciliation run ${runId}: every line of the sheet paid in full`)
    }
    // A settled sheet a payment of which came back (退票) is paid in part again: back to instructed, the returns its
    // evidence (the run's RETURNED flags carry them in full), settled again once every line is paid again.
    const settled = new Set(approved.filter((s) => s.state === 'settled').map((s) => s.sheetId))
    for (const s of r.sheetsReturned) {
      if (settled.has(s.sheetId)) await m.sheets.reopen(s.sheetId, SETTLING_ACTOR, reopenReason(runId, s))
    }
  }

  /** Records a run of the month inside the caller's transaction, after every other run or post of the month. */
  private async runInTransaction(tx: Transaction, projectId: string, period: Month, trigger: string, held?: { fileId: string; lines: readonly PayoutLineRow[] }): Promise<ReconciliationView> {
    await this.lockMonth(tx, projectId, period)
    const { reconciliation: r, approved, lines, peaks } = await this.computeWithSheets(projectId, period, held)
    const now = this.clock.nowMs()
    // The month's lines have just changed and are all in hand: their bound is written with them.
    if (held !== undefined) {
      await this.repo.insertMonthBound({ id: newId(), projectId, period, fileId: held.fileId, lineCount: lines.length, cardPeakFen: peaks.success, computedAtMs: now })
    }
    const run: ReconciliationRunRow = {
      id: newId(),
      projectId,
      period,
      payDate: r.payDate,
      workers: r.totals.workers,
      dueFen: r.totals.dueFen,
      paidFen: r.totals.paidFen,
      unknownPaidFen: r.totals.unknownPaidFen,
      shortFen: r.totals.shortFen,
      flagCount: r.flags.length,
      trigger,
      ranAtMs: now,
    }
    const rows: FlagRow[] = r.flags.map((f) => ({
      id: newId(),
      runId: run.id,
      projectId,
      period,
      kind: f.kind,
      workerId: f.workerId,
      payeeCard: f.payeeCard,
      dueFen: f.dueFen,
      paidFen: f.paidFen,
      evidence: JSON.stringify(f.evidence),
      raisedAtMs: now,
    }))
    await this.repo.insertRun(run, rows)
    await this.settlePaidSheets(r, approved, run.id)
    // The run's flags carried into the month's cases (opened, updated, resolved, reopened), under the same lock.
    await this.cases?.onRun({
      runId: run.id,
      projectId,
      month: period,
      atMs: now,
      flags: r.flags.map((f) => ({ kind: f.kind, workerId: f.workerId, payeeCard: f.payeeCard, dueFen: f.dueFen, paidFen: f.paidFen, evidence: f.evidence, ...(f.scope === undefined ? {} : { scope: f.scope }) })),
      perWorker: r.perWorker.map((w) => ({ workerId: w.workerId, dueFen: w.dueFen, paidFen: w.paidFen })),
    })
    return { run, flags: rows }
  }
}

/**
 * The month's wages paid out of the dedicated account, as FUNDING_SHORT subtracts them: each payment once, none given
 * back (standingPayments, as reconcile counts them), debited from the account (a line naming no payer was paid from
 * the account its file was posted for), with its value date.
 */
function paidOutOf(account: DedicatedAccount | undefined, lines: readonly PayoutLineRow[]): Array<{ amountFen: Fen; valueDate: WorkDate }> {
  if (account === undefined || lines.length === 0) return []
  const standing = standingPayments(lines.map(paidLineOf))
  const named = standing.filter((l) => l.payerAccountNo !== undefined && l.payerAccountNo !== null)
  const debited = dedicatedPayouts(
    account.projectId,
    account,
    named.map((l) => ({ payoutId: l.lineId, debitAccountNo: l.payerAccountNo ?? '', amountFen: l.amountFen, valueDate: l.valueDate, bankRef: l.bankRef })),
  ).counted
  return [...standing.filter((l) => l.payerAccountNo === undefined || l.payerAccountNo === null), ...debited].map((l) => ({ amountFen: l.amountFen, valueDate: l.valueDate }))
}
