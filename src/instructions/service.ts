/**
 * Bank instructions (代发指令) from approved payroll sheets, and re-attempts after a failed payment.
 *
 * An instruction is made from a team-month's current sheet (its newest version) once approved: one line per worker
 * line that is not held (the worker's newest answer a dispute), is owed more than zero, and whose worker-month has no
 * instruction line yet (attempt 1). It is stored with the debtor as it is then (the registered dedicated account, else
 * the project's own account fields), and in the same transaction, under the sheet's lock (sheetLockKey, the one every
 * transition of the team-month takes), the sheet moves to `instructed`.
 *
 * A re-attempt is one worker-month's new line in a new single-line instruction, made only when the rule of attempts
 * (attempts.ts) says the latest attempt failed and nothing paid the worker-month, under a per-worker-month lock; the
 * unique index on (project, period, worker, attempt) stops a racing twin on an engine where the lock is not enough.
 *
 * What a line was paid is what the bank booked against it, read as the pay slip reads it (LedgerRepository.linePayments:
 * each payment once, none a return undid, a worker's payments split across their lines of the month), not what we
 * instructed: a payment booked short leaves the difference for the next instruction of the sheet (补发), and a
 * re-attempt never sends more than the line in force is still owed.
 */
import type { Database } from '../db/database.ts'
import { isUniqueViolation } from '../db/faults.ts'
import { AppError } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import { fen, sumFen } from '../kernel/money.ts'
import { workDateOf, type Clock, type Month } from '../kernel/time.ts'
import type { RosterService } from '../roster/service.ts'
import type { AccountService } from '../account/service.ts'
import type { LinePayments, MonthPayments } from '../payroll/ledger-repository.ts'
import type { PayrollSheetService } from '../payroll/sheet-service.ts'
import { sheetLockKey } from '../payroll/sheet-service.ts'
import { attemptState, failedPayments, nextAttempt, reattemptFen, topUpFen, type AttemptLine, type AttemptResult } from './attempts.ts'
import { checkInstruction, checkLine, endToEndId, Pain001Refused, type Pain001Instruction, type Pain001Line } from './pain001.ts'
import { InstructionRepository, type InstructionLineRow, type InstructionRow, type PayoutResultRow, type SheetEventRow, type SheetLineRow, type SheetRow } from './repository.ts'

/** States of the sheet from which an instruction may be made. */
const INSTRUCTABLE = ['approved', 'instructed'] as const

export interface InstructionView {
  instruction: InstructionRow
  lines: InstructionLineRow[]
}

/** Everything a writer (pain.001, 代发 file) needs, full card numbers included. */
export interface InstructionDocument {
  instruction: InstructionRow
  header: Pain001Instruction
  lines: Pain001Line[]
}

export interface RetryInput {
  reason: string
  /** The card to pay this time, recorded as the worker's card from now on (换卡); else the worker's card in the roster now. */
  cardNo?: string
  /** The bank of `cardNo`, required when it is not the roster's card (a new card's bank is seldom the closed one's). */
  bankName?: string
}

/** The per-worker-month lock a re-attempt takes. */
export function workerMonthLockKey(projectId: string, workerId: string, period: string): string {
  return `instruction:${projectId}:${workerId}:${period}`
}

/**
 * The debtor of a new instruction: the dedicated account in force (from the project's creation, the account it was
 * created with), else the project's own account fields: a project created without its account's bank code, whose
 * header the bank-code check then refuses with the reason (instruction_payer_refused) rather than a bare "missing".
 */
interface Debtor {
  accountNo: string
  name: string
  bankCode: string | null
}

/**
 * The card a sheet line is instructed to: the sheet's, or the one the worker holds now when it was changed (换卡) after
 * the sheet was prepared — the sheet settles the amount, the roster where it goes; the reason says which.
 */
function cardOf(l: SheetLineRow, now: { cardNo: string; bankName: string } | undefined, version: number): Pick<InstructionLineRow, 'cardNo' | 'bankName' | 'reason'> {
  const reason = `approved payroll sheet v${version}`
  if (now === undefined || (now.cardNo === l.cardNo && now.bankName === l.bankName)) return { cardNo: l.cardNo, bankName: l.bankName, reason }
  return { cardNo: now.cardNo, bankName: now.bankName, reason: `${reason}; card changed since the sheet` }
}

const toAttemptLine = (l: InstructionLineRow & { instructedAtMs?: number }): AttemptLine => ({
  lineId: l.id,
  attempt: l.attempt,
  endToEndId: l.endToEndId,
  cardNo: l.cardNo,
  amountFen: l.amountFen,
  previousLineId: l.previousLineId,
  ...(l.instructedAtMs === undefined ? {} : { instructedAtMs: l.instructedAtMs }),
})
/** A pending report (accepted, processing) answers no attempt yet: neither paid nor failed. */
const answered = (r: PayoutResultRow): r is PayoutResultRow & { status: AttemptResult['status'] } => r.status !== 'pending'
const toAttemptResult = (r: PayoutResultRow & { status: AttemptResult['status'] }): AttemptResult => ({ status: r.status, endToEndId: r.endToEndId, payeeCard: r.payeeCard, amountFen: r.amountFen, postedAtMs: r.postedAtMs })

/**
 * What the bank booked for the worker in the month: the sum of their payments that stand, as the pay slip and the
 * ledger show it (by our EndToEndIds, else to any card the worker held), so that what the instruction tops up is what
 * the worker's page says is missing.
 */
const bookedFen = (payments: MonthPayments, workerId: string, cardNo: string): number => sumFen(payments.of(workerId, cardNo).map((p) => p.amountFen))

/**
 * What was booked against one line of the sheets in force: its part of the worker's payments as the ledger and the pay
 * slip set them (allocatePayments), so that a worker on two teams' sheets has each line compared with its own part,
 * not with every payment of the month (one line's payment hid the other's shortfall). A line on no sheet in force is
 * compared with all of the worker's payments, as before. (Found by review.)
 */
const bookedOnLine = (payments: LinePayments, lineId: string, workerId: string, cardNo: string): number => {
  const part = payments.partOf(lineId)
  return part === undefined ? bookedFen(payments, workerId, cardNo) : sumFen(part.map((p) => p.amountFen))
}

/** pain.001 MsgId: 'WL' and the id's 32 hex digits (time-ordered, unique), 34 characters of the 35 allowed. */
const messageIdOf = (id: string): string => `WL${id.replaceAll('-', '').toUpperCase()}`

export class InstructionService {
  private readonly repo: InstructionRepository

  constructor(
    readonly db: Database,
    readonly deps: {
      roster: RosterService
      sheets: PayrollSheetService
      account: AccountService
      /** The month's payments that stand per worker, and each line's part, as the pay slip reads them (LedgerRepository). */
      payments: { linePayments(projectId: string, period: Month): Promise<LinePayments> }
    },
    readonly clock: Clock,
  ) {
    this.repo = new InstructionRepository(db)
  }

  private async debtor(projectId: string): Promise<Debtor> {
    const account = await this.deps.account.dedicatedAccount(projectId)
    if (account) return { accountNo: account.accountNo, name: account.accountName, bankCode: account.bankCode }
    const p = await this.repo.project(projectId)
    if (p && p.accountNo.trim() !== '' && p.accountName.trim() !== '') return { accountNo: p.accountNo, name: p.accountName, bankCode: p.accountBankCode }
    throw new AppError('dedicated_account_missing', { projectId })
  }

  /** The general contractor, the instruction's initiating party (InitgPty); blank when the record is gone, refused then. */
  private async initiatingParty(projectId: string): Promise<{ name: string; creditCode: string }> {
    const project = await this.repo.project(projectId)
    const gc = project && (await this.repo.organisation(project.generalContractorId))
    return { name: gc?.name ?? '', creditCode: gc?.creditCode ?? '' }
  }

  /** Makes the instruction of a team-month's approved sheet (attempt 1 of every payable line not yet instructed). */
  async instruct(projectId: string, teamId: string, period: Month, input: { requestedOn?: string }, actor: string): Promise<InstructionView> {
    await this.deps.roster.team(projectId, teamId)
    const project = await this.deps.roster.project(projectId)
    const debtor = await this.debtor(projectId)
    const initiatingParty = await this.initiatingParty(projectId)
    const nowMs = this.clock.nowMs()
    const today = workDateOf(nowMs, project.timeZone)
    try {
      const made = await this.repo.transaction(async (tx) => {
        await tx.lock(sheetLockKey(projectId, teamId, period))
        // The newest version not withdrawn: a correction withdrawn leaves the approved sheet before it in force.
        let sheet: SheetRow | undefined
        let events: SheetEventRow[] = []
        for (const candidate of await this.repo.sheetsNewestFirst(projectId, teamId, period)) {
          sheet = candidate
          events = await this.repo.sheetEvents(candidate.id)
          if (events.at(-1)?.state !== 'withdrawn') break
        }
        if (!sheet) throw new AppError('payroll_sheet_not_found', { teamId, month: period })
        const state = events.at(-1)?.state ?? 'draft'
        if (!(INSTRUCTABLE as readonly string[]).includes(state)) throw new AppError('payroll_sheet_state', { sheetId: sheet.id, version: sheet.version, state, allowedFrom: INSTRUCTABLE })
        const sheetLines = await this.repo.sheetLines(sheet.id)
        const decisions = await this.repo.newestDecisions(sheet.id)
        const instructed = await this.repo.instructedWorkers(projectId, period, sheetLines.map((l) => l.workerId))
        const payable = sheetLines.filter((l) => decisions.get(l.id) !== 'dispute' && l.netFen > 0 && !instructed.has(l.workerId))
        // 补发: a worker whose payments are all booked, for less than this version nets (a version that raises the line,
        // or a bank that booked short), is owed the difference, a payment of its own (attempts.ts); one whose payment is
        // still at the bank, or failed, waits for that first. The month's payments are read once, and only when needed.
        const topUps: Array<{ line: SheetLineRow; amountFen: number; attempt: number; bookedFen: number }> = []
        let payments: LinePayments | undefined
        for (const l of sheetLines) {
          if (decisions.get(l.id) === 'dispute' || l.netFen <= 0 || !instructed.has(l.workerId)) continue
          const existing = await this.repo.workerMonthLines(projectId, l.workerId, period)
          const results = await this.repo.resultsFor(projectId, period, existing.map((e) => e.endToEndId), [...new Set(existing.map((e) => e.cardNo))])
          const attemptLines = existing.map(toAttemptLine)
          const attemptResults = results.filter(answered).map(toAttemptResult)
          const s = attemptState(attemptLines, attemptResults)
          if (s.kind !== 'paid' && s.kind !== 'failed') continue
          let lineHasFailed = false
          for (const f of s.kind === 'failed' ? failedPayments(attemptLines, attemptResults) : []) {
            const madeFrom = await this.repo.sheetLine(existing.find((e) => e.id === f.lineId)!.sheetLineId)
            if (!madeFrom || (await this.repo.teamOfSheet(madeFrom.sheetId)) === teamId) lineHasFailed = true
          }
          if (lineHasFailed) continue
          payments ??= await this.deps.payments.linePayments(projectId, period)
          const booked = bookedOnLine(payments, l.id, l.workerId, l.cardNo)
          const amountFen = topUpFen(s, l.netFen, booked, lineHasFailed)
          if (amountFen === 0) continue
          topUps.push({ line: l, amountFen, attempt: Math.max(...existing.map((e) => e.attempt)) + 1, bookedFen: booked })
        }
        if (payable.length === 0 && topUps.length === 0) {
          const held = sheetLines.filter((l) => decisions.get(l.id) === 'dispute').length
          throw new AppError('instruction_nothing_to_pay', { sheetId: sheet.id, lines: sheetLines.length, held, alreadyInstructed: sheetLines.filter((l) => instructed.has(l.workerId)).length })
        }
        const id = newId()
        // A card changed (换卡) since the sheet was prepared: the money goes to the card the worker holds now.
        const cardsNow = await this.repo.cardsNow([...payable, ...topUps.map((u) => u.line)].map((l) => l.workerId))
        const lines: InstructionLineRow[] = [
          ...payable.map((l) => ({
            id: newId(),
            instructionId: id,
            projectId,
            period,
            workerId: l.workerId,
            sheetLineId: l.id,
            attempt: 1,
            previousLineId: null,
            endToEndId: endToEndId(l.workerId, period, 1),
            payeeName: l.workerName,
            ...cardOf(l, cardsNow.get(l.workerId), sheet.version),
            amountFen: l.netFen,
          })),
          ...topUps.map(({ line: l, amountFen, attempt, bookedFen: booked }) => {
            const card = cardOf(l, cardsNow.get(l.workerId), sheet.version)
            return {
              id: newId(),
              instructionId: id,
              projectId,
              period,
              workerId: l.workerId,
              sheetLineId: l.id,
              attempt,
              previousLineId: null,
              endToEndId: endToEndId(l.workerId, period, attempt),
              payeeName: l.workerName,
              ...card,
              reason: `${card.reason}: 补发 of the difference, ${booked} fen booked by the bank before`,
              amountFen,
            }
          }),
        ]
        refuseUncarriable(lines)
        // The pay date, or today once it has passed (a late or second instruction): a bank does not execute in the past.
        const requestedOn = input.requestedOn ?? (sheet.payDate < today ? today : sheet.payDate)
        // A date asked for is taken only from today on: a bank rejects execution in the past (ISO reason DT01).
        if (requestedOn < today) throw new AppError('instruction_requested_on_past', { requestedOn, today })
        refuseUnwritableHeader(initiatingParty, debtor, requestedOn, nowMs)
        const instruction: InstructionRow = {
          id,
          projectId,
          period,
          sheetId: sheet.id,
          msgId: messageIdOf(id),
          debtorAccountNo: debtor.accountNo,
          debtorName: debtor.name,
          debtorBankCode: debtor.bankCode,
          requestedOn,
          txCount: lines.length,
          ctrlSumFen: lines.reduce((n, l) => n + l.amountFen, 0),
          createdBy: actor,
          createdAtMs: nowMs,
        }
        await this.repo.insertInstruction(instruction, lines)
        if (state !== 'instructed') {
          await this.repo.insertSheetEvent({ id: newId(), sheetId: sheet.id, seq: (events.at(-1)?.seq ?? 0) + 1, state: 'instructed', actor, reason: `bank instruction ${instruction.msgId}`, atMs: nowMs })
        }
        return { instruction, lines }
      })
      // The sheet is instructed now: upstream reporting queues the month's records at once, not at its next sweep.
      this.deps.sheets.changed(projectId, period)
      return made
    } catch (err) {
      // A worker of this sheet was instructed meanwhile from another team's sheet of the month (another lock).
      if (isUniqueViolation(err)) throw new AppError('instruction_live', { teamId, month: period, endToEndId: null, state: 'live' })
      throw err
    }
  }

  /** A new attempt of a worker-month whose latest attempt failed and that nothing paid; a single-line instruction. */
  async retry(projectId: string, workerId: string, period: Month, input: RetryInput, actor: string): Promise<InstructionView> {
    const project = await this.deps.roster.project(projectId)
    const worker = await this.deps.roster.worker(workerId)
    const debtor = await this.debtor(projectId)
    const initiatingParty = await this.initiatingParty(projectId)
    const nowMs = this.clock.nowMs()
    refuseUnwritableHeader(initiatingParty, debtor, workDateOf(nowMs, project.timeZone), nowMs)
    const cardNo = input.cardNo ?? worker.cardNo
    const bankName = cardNo === worker.cardNo ? worker.bankName : input.bankName?.trim()
    // The card's bank goes in the file beside it (CdtrAgt, the 代发 line's 开户行): a card of another bank sent under the
    // closed card's bank name is returned, or lands at the wrong bank.
    if (bankName === undefined || bankName === '') throw new AppError('instruction_card_bank_required', { workerId })
    try {
      return await this.repo.transaction(async (tx) => {
        await tx.lock(workerMonthLockKey(projectId, workerId, period))
        const existing = await this.repo.workerMonthLines(projectId, workerId, period)
        if (existing.length === 0) throw new AppError('instruction_not_found', { workerId, month: period, reason: 'the worker-month has no instruction to attempt again' })
        const results = await this.repo.resultsFor(projectId, period, existing.map((l) => l.endToEndId), [...new Set(existing.map((l) => l.cardNo))])
        const next = nextAttempt(existing.map(toAttemptLine), results.filter(answered).map(toAttemptResult))
        if (!next.ok) {
          const s = next.state
          const line = s.kind === 'none' ? undefined : s.line
          throw new AppError('instruction_live', { endToEndId: line?.endToEndId ?? null, attempt: line?.attempt ?? null, state: s.kind === 'failed' ? 'attempts_exhausted' : s.kind })
        }
        const previous = existing.find((l) => l.id === next.previous.lineId)!
        const amountFen = await this.reattemptAmount(projectId, workerId, period, previous)
        // Nothing is owed any more (the bank's bookings reach the net): the worker-month reads as paid.
        if (amountFen === 0) throw new AppError('instruction_live', { endToEndId: previous.endToEndId, attempt: previous.attempt, state: 'paid' })
        const id = newId()
        const line: InstructionLineRow = {
          id: newId(),
          instructionId: id,
          projectId,
          period,
          workerId,
          sheetLineId: previous.sheetLineId,
          attempt: next.attempt,
          previousLineId: previous.id,
          endToEndId: endToEndId(workerId, period, next.attempt),
          payeeName: previous.payeeName,
          cardNo,
          bankName,
          amountFen,
          reason: input.reason,
        }
        refuseUncarriable([line])
        // A new card is the worker's card from now on (换卡), recorded with this re-attempt's reason: reconciliation
        // then knows whose it is when the bank pays it, and the next sheet and re-attempt use it.
        if (cardNo !== worker.cardNo || bankName !== worker.bankName) {
          await this.deps.roster.changeWorkerCard(workerId, { cardNo, bankName, reason: `re-attempt ${next.attempt}: ${input.reason}` }, actor)
        }
        const sheetLine = await this.repo.sheetLine(previous.sheetLineId)
        const instruction: InstructionRow = {
          id,
          projectId,
          period,
          sheetId: sheetLine?.sheetId ?? null,
          msgId: messageIdOf(id),
          debtorAccountNo: debtor.accountNo,
          debtorName: debtor.name,
          debtorBankCode: debtor.bankCode,
          requestedOn: workDateOf(nowMs, project.timeZone),
          txCount: 1,
          ctrlSumFen: line.amountFen,
          createdBy: actor,
          createdAtMs: nowMs,
        }
        await this.repo.insertInstruction(instruction, [line])
        return { instruction, lines: [line] }
      })
    } catch (err) {
      if (!isUniqueViolation(err)) throw err
      // A twin made the same attempt between our read and our insert: it is the live one now.
      const lines = await this.repo.workerMonthLines(projectId, workerId, period)
      throw new AppError('instruction_live', { endToEndId: lines.at(-1)?.endToEndId ?? null, attempt: lines.at(-1)?.attempt ?? null, state: 'live' })
    }
  }

  /**
   * A re-attempt's amount (attempts.ts reattemptFen): the failed payment's own, unless the line it pays is owed less —
   * the net of that team's line in the version in force (a correction approved since the payment was instructed
   * counts, not the version last instructed), less what was booked against that line (its part of the worker's
   * payments, allocatePayments). A line on no sheet in force leaves the line the payment was made from, against all of
   * the worker's payments. (Found by review.)
   */
  private async reattemptAmount(projectId: string, workerId: string, period: Month, previous: InstructionLineRow): Promise<number> {
    const payments = await this.deps.payments.linePayments(projectId, period)
    const madeFrom = await this.repo.sheetLine(previous.sheetLineId)
    if (!madeFrom) return previous.amountFen
    const teamId = await this.repo.teamOfSheet(madeFrom.sheetId)
    const inForce = payments.linesOf(workerId).find((l) => l.teamId === teamId)
    if (!inForce) return reattemptFen(previous.amountFen, madeFrom.netFen, bookedFen(payments, workerId, madeFrom.cardNo))
    return reattemptFen(previous.amountFen, inForce.netFen, bookedOnLine(payments, inForce.lineId, workerId, inForce.cardNo))
  }

  /** The worker-month's attempts with each one's state by the bank's results (for replies and tests). */
  async workerMonth(projectId: string, workerId: string, period: Month): Promise<{ lines: InstructionLineRow[]; state: ReturnType<typeof attemptState> }> {
    const lines = await this.repo.workerMonthLines(projectId, workerId, period)
    const results = await this.repo.resultsFor(projectId, period, lines.map((l) => l.endToEndId), [...new Set(lines.map((l) => l.cardNo))])
    return { lines, state: attemptState(lines.map(toAttemptLine), results.filter(answered).map(toAttemptResult)) }
  }

  async list(projectId: string, period: Month | undefined): Promise<InstructionRow[]> {
    await this.deps.roster.project(projectId)
    return this.repo.instructions(projectId, period)
  }

  async get(projectId: string, instructionId: string): Promise<InstructionView> {
    await this.deps.roster.project(projectId)
    const instruction = await this.repo.instruction(projectId, instructionId)
    if (!instruction) throw new AppError('instruction_not_found', { instructionId })
    return { instruction, lines: await this.repo.linesOf(instructionId) }
  }

  /** The instruction as the writers take it: the general contractor as initiating party, the debtor as stored. */
  async document(projectId: string, instructionId: string): Promise<InstructionDocument> {
    const { instruction, lines } = await this.get(projectId, instructionId)
    const project = await this.repo.project(projectId)
    const gc = project && (await this.repo.organisation(project.generalContractorId))
    if (!gc) throw new AppError('organisation_not_found', { id: project?.generalContractorId ?? null })
    return {
      instruction,
      header: {
        messageId: instruction.msgId,
        createdAtMs: instruction.createdAtMs,
        initiatingParty: { name: gc.name, creditCode: gc.creditCode },
        debtor: { name: instruction.debtorName, accountNo: instruction.debtorAccountNo, bankCode: instruction.debtorBankCode ?? '' },
        requestedExecutionDate: instruction.requestedOn,
      },
      lines: lines.map((l) => ({
        workerId: l.workerId,
        month: l.period,
        attempt: l.attempt,
        workerName: l.payeeName,
        cardNo: l.cardNo,
        cardBankName: l.bankName,
        amountFen: fen(l.amountFen),
      })),
    }
  }
}

/**
 * The header as the bank files will carry it: a dedicated account without its bank code, a name with a stray space, a
 * general contractor whose credit code fails its check would be stored, move the sheet to `instructed` and then have
 * every file refused, leaving the month with an instruction that can neither be sent nor made again.
 */
function refuseUnwritableHeader(initiatingParty: { name: string; creditCode: string }, debtor: Debtor, requestedOn: string, nowMs: number): void {
  try {
    checkInstruction({ messageId: messageIdOf(newId()), createdAtMs: nowMs, initiatingParty, debtor: { ...debtor, bankCode: debtor.bankCode ?? '' }, requestedExecutionDate: requestedOn })
  } catch (err) {
    if (err instanceof Pain001Refused) throw new AppError('instruction_payer_refused', { reason: err.reason, problem: err.message })
    throw err
  }
}

/**
 * Every line as the bank files will carry it (pain.001's line rules, the common ground of every format): a line no
 * file could carry — above the per-line maximum, say — refuses the whole instruction before it is stored, instead of
 * an instruction that stands but whose file is refused, holding the month.
 */
function refuseUncarriable(lines: readonly InstructionLineRow[]): void {
  lines.forEach((l, i) => {
    try {
      checkLine({ workerId: l.workerId, month: l.period, attempt: l.attempt, workerName: l.payeeName, cardNo: l.cardNo, cardBankName: l.bankName, amountFen: fen(l.amountFen) }, i)
    } catch (err) {
      if (err instanceof Pain001Refused) throw new AppError('instruction_line_refused', { workerId: l.workerId, reason: err.reason, problem: err.message })
      throw err
    }
  })
}
