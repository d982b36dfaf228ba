/**
 * Bank payout result files (代发结果) and reconciliation (对账). A file is
 * validated whole before anything is stored; a rejected file is kept in
 * rejected inputs with every line's error. Posting the same bytes again is
 * recognised by their hash and changes nothing.
 */
import { createHash } from 'node:crypto'
import { isUniqueViolation } from '../db/faults.ts'
import type { Transaction } from '../db/database.ts'
import { AppError } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import { fen, sumFen, type Fen } from '../kernel/money.ts'
import { nextMonth, workDateOf, type Clock, type Month, type WorkDate } from '../kernel/time.ts'
import { LIMITS } from '../config/limits.ts'
import type { ApprovedSheet, DedicatedAccount, FundingFlag } from '../account/funding.ts'
import type { DepositFlag } from '../deposits/rules.ts'
import type { ApprovedPayrollSource, ApprovedTeamMonth } from '../payroll/approved.ts'
import type { PunchRepository } from '../punches/repository.ts'
import type { PayrollService } from '../payroll/service.ts'
import type { EnrolmentWithWorker } from '../roster/repository.ts'
import type { RosterService } from '../roster/service.ts'
import type { CaseRun } from '../flags/cases.ts'
import type { WorkerMonthPaid } from '../flags/project-flags.ts'
import { evidenceLines, type FileError, type InstructedPayment } from './evidence-lines.ts'
import { maskBankText, parsePayoutFile } from './file-format.ts'
import { BANK_FORMATS, detectFormat, formatNamed } from './formats/index.ts'
import { bookedByCard, reconcile, type CardOwner, type MonthFlag, type PaidLine, type Reconciliation } from './reconcile.ts'
import type { FlagRow, PayoutFileRow, PayoutLineKey, PayoutLineRow, PayoutRepository, ReconciliationRunRow } from './repository.ts'

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
    fundingFlags(projectId: string, period: Month, payDate: WorkDate, approvedSheets: readonly ApprovedSheet[], asOf: WorkDate): Promise<FundingFlag[]>
  }
  deposits: { flags(projectId: string, asOf: WorkDate): Promise<DepositFlag[]> }
  /** Our instruction lines by EndToEndId: what a status report naming a payment by it alone paid, to whom. */
  instructed?: { linesByEndToEndId(projectId: string, endToEndIds: readonly string[]): Promise<ReadonlyMap<string, InstructedPayment>> }
}

/** Who settles a sheet paid in full (payroll_sheet_events.actor). */
const SETTLING_ACTOR = 'reconciliation'

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    return true
  } catch {
    return false
  }
}

/** A stored payout line as reconcile reads it. */
function paidLineOf(l: PayoutLineRow): PaidLine {
  return {
    lineId: l.id,
    fileId: l.fileId,
    lineNo: l.lineNo,
    payeeCard: l.payeeCard,
    payeeName: l.payeeName,
    amountFen: fen(l.amountFen),
    status: l.status,
    bankRef: l.bankRef,
    valueDate: l.valueDate,
    failureReason: l.failureReason,
    payerAccountNo: l.payerAccountNo,
    endToEndId: l.endToEndId,
    returnOf: l.status === 'returned' ? { endToEndId: l.returnOfEndToEndId, bankRef: l.returnOfBankRef } : null,
  }
}

/** Every card of every enrolled worker, and whose it is. */
function cardOwnersOf(enrolments: readonly EnrolmentWithWorker[]): Map<string, CardOwner> {
  const cardOwners = new Map<string, CardOwner>()
  for (const { worker } of enrolments) cardOwners.set(worker.cardNo, { workerId: worker.id, workerName: worker.name })
  return cardOwners
}

export class PayoutService {
  constructor(
    private readonly repo: PayoutRepository,
    private readonly rejects: PunchRepository,
    private readonly roster: RosterService,
    private readonly payroll: PayrollService,
    private readonly clock: Clock,
    /** Without it the month is reconciled against the timesheet alone, as before sheets existed. */
    private readonly moneyOut?: MoneyOutSources,
    /** Where each run's flags become cases (预警案件); without it flags are kept per run only. */
    private readonly cases?: { onRun(run: CaseRun): Promise<unknown> },
  ) {}

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
    const errors: FileError[] = await this.bankRefErrors(input.projectId, lines)
    const tooMany = await this.monthLimitError(input.projectId, input.period, lines.length)
    if (tooMany) errors.push(tooMany)
    if (errors.length > 0) return this.refuse(input, errors)

    let stored: { reconciliation: ReconciliationView } | { refused: FileError }
    try {
      stored = await this.repo.transaction(async (tx) => {
        // Posts to the month queue behind one another, so the line count read under the lock is the count this file
        // joins: another instance's file stored since the check above is counted.
        await this.lockMonth(tx, input.projectId, input.period)
        const refused = await this.monthLimitError(input.projectId, input.period, lines.length)
        if (refused) return { refused }
        await this.repo.insertFile(file, lines)
        return { reconciliation: await this.runInTransaction(tx, input.projectId, input.period, `payout_file:${file.id}`) }
      })
    } catch (err) {
      if (isUniqueViolation(err)) {
        // Another instance stored the same bytes, or a payment of this file, between the checks above and this
        // transaction; the unique index decided. Read again, outside the failed transaction, and answer as a repeat
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
    if ('refused' in stored) return this.refuse(input, [stored.refused])
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
    const fileId = newId()
    const base = { id: fileId, projectId: input.projectId, period: input.period, sha256, filename: input.filename, postedBy: input.postedBy, postedAtMs: now }
    if (format === undefined || format.name === 'delimited') {
      const parsed = parsePayoutFile(input.bytes)
      if (!parsed.ok) return { errors: parsed.errors }
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
      return { file, lines }
    }
    const parsed = format.parse(input.bytes, input.filename === null ? {} : { fileName: input.filename })
    if (!parsed.file || parsed.errors.length > 0) return { errors: parsed.errors.map((e) => ({ line: e.lineNo, field: e.field, code: e.code, message: e.message })) }
    const ids = [...new Set(parsed.file.lines.flatMap((l) => (l.endToEndId === null ? [] : [l.endToEndId])))]
    const instructed = ids.length > 0 && this.moneyOut?.instructed ? await this.moneyOut.instructed.linesByEndToEndId(input.projectId, ids) : new Map<string, InstructedPayment>()
    const project = await this.roster.project(input.projectId)
    const made = evidenceLines(parsed.file, { projectId: input.projectId, period: input.period, fileId, postedOn: workDateOf(now, project.timeZone), sha256, instructed, newId })
    if ('errors' in made) return made
    const t = made.totals
    const file: PayoutFileRow = {
      ...base,
      encoding: isUtf8(input.bytes) ? 'utf-8' : 'gbk',
      format: parsed.file.format,
      variant: parsed.file.variant,
      messageId: parsed.file.messageId,
      ...t,
    }
    return { file, lines: made.lines }
  }

  /**
   * Every report is counted once: a bank reference already posted with the same status (in another file) refuses this
   * one. The same reference with another status is news of the same payment (pending, then paid) and is stored.
   */
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
    return cardOwnersOf(await this.roster.listEnrolments(projectId))
  }

  /**
   * What each worker was paid on the project in the pay months of `period`'s calendar year before it (OVERSIZED's year
   * rule): each earlier month's lines read by the (project, period) index, one month at a time so only one month's
   * lines (at most payout_lines_per_project_month_max) are held, reduced to per-card sums as reconcile counts payments
   * (bookedByCard) and attributed to workers by the roster's cards as they are now. At most eleven months.
   */
  private async paidEarlierInYear(projectId: string, period: Month, cardOwners: ReadonlyMap<string, CardOwner>): Promise<WorkerMonthPaid[]> {
    const owners = new Map([...cardOwners].map(([card, owner]) => [card.replace(/\s/g, ''), owner.workerId]))
    const paid: WorkerMonthPaid[] = []
    for (let month = `${period.slice(0, 4)}-01`; month < period; month = nextMonth(month)) {
      const byWorker = new Map<string, Fen[]>()
      for (const [card, amountFen] of bookedByCard((await this.repo.linesOfPeriod(projectId, month)).map(paidLineOf))) {
        const workerId = owners.get(card)
        if (workerId !== undefined) byWorker.set(workerId, [...(byWorker.get(workerId) ?? []), amountFen])
      }
      for (const [workerId, amounts] of byWorker) paid.push({ workerId, month, paidFen: sumFen(amounts) })
    }
    return paid
  }

  /** Reconciles a pay month now and records the run; earlier runs stay as history. */
  async reconcile(projectId: string, period: Month, trigger: string): Promise<ReconciliationView> {
    await this.roster.project(projectId)
    return this.repo.transaction((tx) => this.runInTransaction(tx, projectId, period, trigger))
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

  /** The reconciliation and the approved sheets it read (none without the money-out sources). */
  private async computeWithSheets(projectId: string, period: Month): Promise<{ reconciliation: Reconciliation; approved: readonly ApprovedTeamMonth[] }> {
    const project = await this.roster.project(projectId)
    const due = await this.payroll.due(projectId, period)
    const enrolments = await this.roster.listEnrolments(projectId)
    const cardOwners = cardOwnersOf(enrolments)
    const lines = await this.repo.linesOfPeriod(projectId, period)
    const teamNames = new Map((await this.roster.listTeams(projectId)).map((t) => [t.id, t.name]))
    const moneyOut = await this.moneyOutOf(projectId, period, due.payDate, workDateOf(this.clock.nowMs(), project.timeZone))
    const reconciliation = reconcile({
      period,
      payDate: due.payDate,
      asOf: workDateOf(this.clock.nowMs(), project.timeZone),
      ...moneyOut,
      due: due.workers.map((w) => ({
        workerId: w.workerId,
        workerName: w.name,
        cardNo: w.cardNo,
        dueFen: w.dueFen,
        daysPresent: w.dueHalves / 2,
        teamId: w.teamId,
        ...(teamNames.has(w.teamId) ? { teamName: teamNames.get(w.teamId) } : {}),
      })),
      payouts: lines.map(paidLineOf),
      cardOwners,
      enrolments: enrolments.map(({ enrolment }) => ({ workerId: enrolment.workerId, entryDate: enrolment.entryDate, exitDate: enrolment.exitDate })),
      paidEarlierInYear: await this.paidEarlierInYear(projectId, period, cardOwners),
    })
    return { reconciliation, approved: moneyOut.sheets?.approved ?? [] }
  }

  /** The reconciliation's inputs about money going out, read as of `asOf`; none without the sources. */
  private async moneyOutOf(projectId: string, period: Month, payDate: WorkDate, asOf: WorkDate): Promise<Pick<Parameters<typeof reconcile>[0], 'sheets' | 'payer' | 'monthFlags'>> {
    const m = this.moneyOut
    if (m === undefined) return {}
    const approved = await m.sheets.approvedForMonth(projectId, period)
    const approvedTeams = new Set(approved.map((a) => a.teamId))
    const pending = new Map([...(await this.repo.newestSheetsOfMonth(projectId, period))].filter(([teamId]) => !approvedTeams.has(teamId)))
    const funding = await m.account.fundingFlags(
      projectId,
      period,
      payDate,
      approved.map((a) => ({ sheetId: a.sheetId, netFen: a.netFen })),
      asOf,
    )
    const deposits = await m.deposits.flags(projectId, asOf)
    const monthFlags: MonthFlag[] = [
      ...funding.map((f): MonthFlag => ({ kind: f.code, evidence: f.evidence })),
      ...deposits.map((f): MonthFlag => ({ kind: f.code, evidence: { contractorId: f.contractorId, ...f.evidence } })),
    ]
    return {
      sheets: { approved, pending, asOf },
      payer: { projectId, account: await m.account.dedicatedAccount(projectId) },
      monthFlags,
    }
  }

  /**
   * An instructed sheet every line of which the run found paid in full is settled (已结清), in the run's transaction, so
   * a settlement always rests on a stored run. Approved sheets not yet instructed are not: nothing was sent for them.
   */
  private async settlePaidSheets(r: Reconciliation, approved: readonly ApprovedTeamMonth[], runId: string): Promise<void> {
    const m = this.moneyOut
    if (m === undefined || r.sheetsPaidInFull.length === 0) return
    const instructed = new Set(approved.filter((s) => s.state === 'instructed').map((s) => s.sheetId))
    for (const sheetId of r.sheetsPaidInFull) {
      if (instructed.has(sheetId)) await m.sheets.settle(sheetId, SETTLING_ACTOR, `reconciliation run ${runId}: every line of the sheet paid in full`)
    }
  }

  /** Records a run of the month inside the caller's transaction, after every other run or post of the month. */
  private async runInTransaction(tx: Transaction, projectId: string, period: Month, trigger: string): Promise<ReconciliationView> {
    await this.lockMonth(tx, projectId, period)
    const { reconciliation: r, approved } = await this.computeWithSheets(projectId, period)
    const now = this.clock.nowMs()
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
      flags: r.flags.map((f) => ({ kind: f.kind, workerId: f.workerId, payeeCard: f.payeeCard, dueFen: f.dueFen, paidFen: f.paidFen, evidence: f.evidence })),
      perWorker: r.perWorker.map((w) => ({ workerId: w.workerId, dueFen: w.dueFen, paidFen: w.paidFen })),
    })
    return { run, flags: rows }
  }
}
