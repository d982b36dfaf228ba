/**
 * What the ledger reports upstream, and when it is queued (上报采集). Only projects configured to report
 * (config/upstream.ts) queue anything; for every other project each step here is a no-op.
 *
 * Why after the commit and not inside it: the roster writes each change as one statement with no transaction of its
 * own, the punch inbox commits batches of frames in a transaction that must do database work only (it may run again
 * on PostgreSQL) and would need the timesheet rules' view of the day (the direction a single terminal settles by
 * order) which reads outside it, and the sheet service's steps end in its own transactions. Queueing inside each of
 * them would change three services' commit paths. So each is queued right after its commit (the roster's change
 * callback, the inbox's after-commit hook, the sheet service's and the reconciliation's change listeners), and a
 * sweep queues everything again: the
 * outbox takes a record once per key and payload, so what is already queued costs one read and nothing else, and a
 * step that failed or a process that died between a commit and its queueing is caught up by the next sweep.
 */
import type { Database } from '../db/database.ts'
import { q } from '../db/database.ts'
import type { UpstreamConfig, UpstreamProjectSettings } from '../config/upstream.ts'
import { reportingOf } from '../config/upstream.ts'
import type { Channel } from '../punches/canonical.ts'
import type { PayrollSheetService } from '../payroll/sheet-service.ts'
import type { ProjectRow, TeamRow } from '../roster/repository.ts'
import type { RosterService } from '../roster/service.ts'
import type { CorrectionMade, TimesheetService } from '../timesheets/service.ts'
import { addDays, clampedDate, monthOf, nextMonth, workDateOf, zonedToUtcMs, type Clock, type Month, type WorkDate } from '../kernel/time.ts'
import { fen, sumFen } from '../kernel/money.ts'
import type { LinePayments } from '../payroll/ledger-repository.ts'
import { UpstreamOutbox } from './outbox-service.ts'
import type { OutboxState } from './outbox.ts'
import {
  attendanceSources,
  entryExitRecords,
  payRollCode,
  payRollDetailRecord,
  payRollRecord,
  projectWorkerKey,
  projectWorkerRecord,
  teamMasterRecord,
  workerAttendanceRecord,
  type Employer,
  type PaymentState,
  type ProjectContext,
  type UpstreamRecord,
} from './records.ts'

export interface ReporterDeps {
  roster: RosterService
  timesheets: TimesheetService
  sheets: PayrollSheetService
  /** The month's last reconciliation run (src/payouts): which workers' payments failed or came back. */
  payouts?: { latest(projectId: string, period: Month): Promise<{ flags: ReadonlyArray<{ kind: string; workerId: string | null }> } | undefined> }
  /**
   * The month's payments per worker as the ledger shows them (src/payroll/ledger-repository.ts): those that stand, how
   * many lines failed or came back, and each line's part of them as the ledger sets it (a worker on two teams' sheets
   * is paid once, not once per line). Without it a line counts as paid once its sheet is settled.
   */
  payments?: { linePayments(projectId: string, period: Month): Promise<LinePayments> }
  /** The worker-month's payment attempts (src/instructions): a failed payment with a newer attempt out is retrying. */
  instructions?: { workerMonth(projectId: string, workerId: string, period: Month): Promise<{ state: { kind: string; line?: { attempt: number; previousLineId?: string | null } } }> }
}

/** What one step queued: records new or revised, and those whose key the platform already holds with another payload. */
export interface QueuedCounts {
  queued: number
  differs: number
}

export class UpstreamReporter {
  readonly outbox: UpstreamOutbox

  constructor(
    private readonly db: Database,
    private readonly deps: ReporterDeps,
    private readonly clock: Clock,
    private readonly config: UpstreamConfig | undefined,
  ) {
    this.outbox = new UpstreamOutbox(clock)
  }

  /** The project's reporting settings, or undefined when it does not report. */
  settingsOf(project: ProjectRow): UpstreamProjectSettings | undefined {
    return reportingOf(this.config, project)?.project
  }

  private work: Promise<void> = Promise.resolve()
  private rosterPending = false
  /** After-commit steps that threw (the sweep catches their records up); the last error, for the log. */
  failures = 0
  lastError: unknown = undefined

  /**
   * The roster changed (its callback says nothing of which project): the rosters of the reporting projects are
   * queued again once the current step is done; changes in a burst (an import) are taken together.
   */
  rosterChanged(): void {
    this.reporting = undefined
    if (!this.config || this.rosterPending) return
    this.rosterPending = true
    this.after(async () => {
      this.rosterPending = false
      for (const ids of (await this.reportingProjects()).values()) for (const id of ids) await this.reportRoster(id)
    })
  }

  /** Runs a step after the ones before it; a failure is counted, not thrown (the sweep catches it up). */
  after(step: () => Promise<unknown>): void {
    this.work = this.work.then(step).then(
      () => undefined,
      (err: unknown) => {
        this.failures++
        this.lastError = err
      },
    )
  }

  /** Settles once the after-commit steps queued so far are done. */
  async idle(): Promise<void> {
    let seen: Promise<void> | undefined
    while (seen !== this.work) {
      seen = this.work
      await seen
    }
  }

  /** The last reading of which projects report, and when: read again after a roster change or a minute. */
  private reporting: { atMs: number; byProvince: Map<string, string[]> } | undefined

  /** Ids of the projects that report, by province. */
  async reportingProjects(): Promise<Map<string, string[]>> {
    const now = this.clock.nowMs()
    if (this.reporting && now - this.reporting.atMs < 60_000 && now >= this.reporting.atMs) return this.reporting.byProvince
    const out = new Map<string, string[]>()
    if (!this.config) return out
    for (const p of await this.deps.roster.listProjects()) {
      const r = reportingOf(this.config, p)
      if (r) out.set(r.province, [...(out.get(r.province) ?? []), p.id])
    }
    this.reporting = { atMs: now, byProvince: out }
    return out
  }

  /** Teams, workers and their entries and exits of a reporting project. */
  async reportRoster(projectId: string): Promise<QueuedCounts> {
    const project = await this.deps.roster.project(projectId)
    const settings = this.settingsOf(project)
    if (!settings) return { queued: 0, differs: 0 }
    const ctx = contextOf(project, settings)
    const teams = new Map((await this.deps.roster.listTeams(projectId)).map((t) => [t.id, t]))
    const employers = new Map<string, Employer>()
    const employerOf = async (team: TeamRow): Promise<Employer> => {
      let e = employers.get(team.employerId)
      if (!e) {
        const org = await this.deps.roster.organisation(team.employerId)
        e = { name: org.name, creditCode: org.creditCode }
        employers.set(team.employerId, e)
      }
      return e
    }
    const records: UpstreamRecord[] = []
    for (const team of teams.values()) records.push(teamMasterRecord(ctx, await employerOf(team), team))
    const held = await this.outbox.newestPayloads(this.db, projectId, 'ProjectWorker')
    for (const { enrolment, worker } of await this.deps.roster.listEnrolments(projectId)) {
      const team = teams.get(enrolment.teamId)
      if (!team) continue
      const employer = await employerOf(team)
      records.push(projectWorkerKey(projectWorkerRecord(ctx, employer, team, worker, enrolment), held))
      records.push(...entryExitRecords(ctx, employer, team, worker, enrolment))
    }
    return this.enqueue(projectId, records)
  }

  /** The punches of a worker's days as the timesheet rules see them now, each due by 24:00 of its day. */
  async reportAttendance(projectId: string, workerId: string, dates: readonly WorkDate[]): Promise<QueuedCounts> {
    const total = { queued: 0, differs: 0 }
    if (dates.length === 0) return total
    const project = await this.deps.roster.project(projectId)
    const settings = this.settingsOf(project)
    if (!settings) return total
    const ctx = contextOf(project, settings)
    const { enrolment, worker } = await this.deps.roster.enrolmentOf(projectId, workerId)
    const team = await this.deps.roster.team(projectId, enrolment.teamId)
    const wanted = new Set(dates)
    // A device replaying weeks of stored punches touches dates far apart: read them a month's span at a time, which is
    // as much as the timesheet reads for one worker at once.
    for (const run of dateRuns([...wanted].sort(), ATTENDANCE_SPAN_DAYS)) {
      const days = await this.deps.timesheets.workerDays(project, workerId, run[0] as WorkDate, run[run.length - 1] as WorkDate)
      const devices = await this.devicesOf(days.flatMap((d) => d.punches.flatMap((p) => (p.punchId === null ? [] : [p.punchId]))))
      for (const day of days) {
        if (!wanted.has(day.workDate)) continue
        const records = attendanceSources(day.punches, (id) => devices.get(id)).map((s) => workerAttendanceRecord(ctx, team, worker, s))
        const c = await this.enqueue(projectId, records, endOfDayMs(day.workDate, project.timeZone))
        total.queued += c.queued
        total.differs += c.differs
      }
    }
    return total
  }

  /** After the inbox's commit: the stored punches' worker-days, per project that reports. */
  async punchesStored(punches: ReadonlyArray<{ projectId: string; workerId: string; workDate: string }>): Promise<void> {
    if (!this.config) return
    const byWorker = new Map<string, { projectId: string; workerId: string; dates: Set<WorkDate> }>()
    for (const p of punches) {
      const k = `${p.projectId}\u0000${p.workerId}`
      const e = byWorker.get(k) ?? { projectId: p.projectId, workerId: p.workerId, dates: new Set<WorkDate>() }
      e.dates.add(p.workDate)
      // A night shift's out, stored on the next date, is listed on the day of its in: that day is reported too.
      e.dates.add(addDays(p.workDate, -1))
      byWorker.set(k, e)
    }
    const reporting = new Set([...(await this.reportingProjects()).values()].flat())
    // Worker by worker: one worker's failure (a lookup, a write) is kept for the next sweep and the log, and the batch's
    // other workers are queued all the same.
    for (const e of byWorker.values()) {
      if (!reporting.has(e.projectId)) continue
      try {
        await this.reportAttendance(e.projectId, e.workerId, [...e.dates])
      } catch (err) {
        this.attendanceMissed(e.projectId, e.workerId, e.dates, err)
      }
    }
  }

  /**
   * Worker-days whose queueing after the commit failed, by project and worker: the next sweep queues them again,
   * whatever their dates (its own window is yesterday and today, and a device's replay may be weeks old).
   */
  private readonly missed = new Map<string, { projectId: string; workerId: string; dates: Set<WorkDate> }>()
  /**
   * The same, for the log: each failure once, with the error (the runner logs and empties it). Kept to a bound when no
   * runner empties it (a test, a CLI): the oldest go first.
   */
  missedAttendance: Array<{ projectId: string; workerId: string; dates: WorkDate[]; err: unknown }> = []

  private attendanceMissed(projectId: string, workerId: string, dates: Iterable<WorkDate>, err: unknown): void {
    this.failures++
    this.lastError = err
    const k = `${projectId}\u0000${workerId}`
    const e = this.missed.get(k) ?? { projectId, workerId, dates: new Set<WorkDate>() }
    for (const d of dates) e.dates.add(d)
    // Bounded like the log: a failure this wide (the database down) is what the sweep's window and a restart's are for.
    if (!this.missed.has(k) && this.missed.size >= MISSED_WORKERS_MAX) this.missed.delete(this.missed.keys().next().value as string)
    this.missed.set(k, e)
    if (this.missedAttendance.length >= MISSED_WORKERS_MAX) this.missedAttendance.shift()
    this.missedAttendance.push({ projectId, workerId, dates: [...e.dates].sort(), err })
  }

  /** The worker-days missed after commits, queued again; those that fail again stay for the next sweep. */
  private async retryMissed(): Promise<QueuedCounts> {
    const total = { queued: 0, differs: 0 }
    const reporting = new Set([...(await this.reportingProjects()).values()].flat())
    for (const [k, e] of [...this.missed]) {
      this.missed.delete(k)
      if (!reporting.has(e.projectId)) continue
      try {
        const c = await this.reportAttendance(e.projectId, e.workerId, [...e.dates])
        total.queued += c.queued
        total.differs += c.differs
      } catch (err) {
        this.attendanceMissed(e.projectId, e.workerId, e.dates, err)
      }
    }
    return total
  }

  /** Every team's payroll sheet of the month in a state the platform takes (submitted, approved, settled). */
  async reportPayroll(projectId: string, period: Month): Promise<QueuedCounts> {
    const project = await this.deps.roster.project(projectId)
    const settings = this.settingsOf(project)
    if (!settings) return { queued: 0, differs: 0 }
    const ctx = contextOf(project, settings)
    const teams = new Map((await this.deps.roster.listTeams(projectId)).map((t) => [t.id, t]))
    const summaries = await this.deps.sheets.monthSummary(projectId, period)
    // The sequence of each team's sheet among its subcontractor's of the month. A sheet already reported keeps the
    // code it went out under; the others are numbered in the order their teams were registered, skipping the numbers
    // held, so a team added later takes a new number and a code once reported stays its sheet's alone (by name, a new
    // 木工班 renumbered 钢筋班's sheet between its approval and its settlement).
    const held = new Map<string, number>()
    for (const s of summaries) {
      const team = teams.get(s.teamId)
      if (!team || !s.sheet) continue
      const no = settings.subcontractors[(await this.deps.roster.organisation(team.employerId)).creditCode]
      const n = no === undefined ? undefined : await this.heldSequence(s.sheet.id, no, period)
      if (n !== undefined) held.set(team.id, n)
    }
    const sequence = new Map<string, number>(held)
    const taken = new Map<string, Set<number>>()
    for (const [teamId, n] of held) {
      const employerId = teams.get(teamId)!.employerId
      taken.set(employerId, (taken.get(employerId) ?? new Set()).add(n))
    }
    const next = new Map<string, number>()
    for (const team of [...teams.values()].sort((a, b) => a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      if (sequence.has(team.id)) continue
      const used = taken.get(team.employerId) ?? new Set<number>()
      let n = (next.get(team.employerId) ?? 0) + 1
      while (used.has(n)) n++
      next.set(team.employerId, n)
      sequence.set(team.id, n)
    }
    const records: UpstreamRecord[] = []
    const codes = new Map<string, string>()
    for (const s of summaries) {
      const team = teams.get(s.teamId)
      if (!team || !s.sheet) continue
      const org = await this.deps.roster.organisation(team.employerId)
      const subcontractorNo = settings.subcontractors[org.creditCode]
      // A subcontractor the platform has not numbered yet: its payroll waits for the number (the sweep queues it then).
      if (subcontractorNo === undefined) continue
      const r = payRollRecord(ctx, { name: org.name, creditCode: org.creditCode }, {
        sheetId: s.sheet.id,
        version: s.sheet.version,
        state: s.sheet.state,
        period,
        teamName: s.teamName,
        subcontractorNo,
        sequence: sequence.get(s.teamId) ?? 1,
        workerCount: s.sheet.workerCount,
        payableFen: fen(s.sheet.payableFen),
        netFen: fen(s.sheet.netFen),
        reopenings: s.sheet.reopenings,
      })
      if (r) records.push(r)
      codes.set(s.teamId, payRollCode(subcontractorNo, period, sequence.get(s.teamId) ?? 1))
    }
    records.push(...(await this.payRollDetails(project, period, codes)))
    return this.enqueue(projectId, records)
  }

  /** The sequence of the code a sheet's PayRoll record went out under, if one did (with this number and month). */
  private async heldSequence(sheetId: string, subcontractorNo: string, period: Month): Promise<number | undefined> {
    for (const status of [2, 3, 50]) {
      const code = (await this.outbox.heldPayload(this.db, 'PayRoll', `payroll:${sheetId}:${status}`))?.PayRollCode
      if (typeof code === 'string' && code.startsWith(`GZD${subcontractorNo}${period.replace('-', '')}`)) return Number(code.slice(-3))
    }
    return undefined
  }

  /**
   * The lines of each team's approved sheet in force, each with its own PayStatus: 20 once the payments that stand
   * (the bank's, net of returns) counted against the line cover its net pay, whatever the rest of the sheet — a worker
   * on two teams' sheets in the month has their payments set against their lines as the wage payment ledger and the
   * pay slip set them (LedgerRepository.linePayments), so a payment counts on one line only; 30 when the last
   * reconciliation found the payment failed or returned and it is not paid again; 40 while a re-attempt is out
   * unanswered; 0 otherwise. BalanceDate is the bank's value date of the last payment once paid, the pay date before.
   * The worker's cumulative figures on the project: payable on the approved sheets of the months up to this one
   * (累计应发), and what the payments that stand paid in them (累计已发). A worker-month with no bank line at all (a
   * sheet settled without files, as before files were read) counts as paid in full once its sheet is settled.
   */
  private async payRollDetails(project: ProjectRow, period: Month, codes: ReadonlyMap<string, string>): Promise<UpstreamRecord[]> {
    const approved = (await this.deps.sheets.approvedForMonth(project.id, period)).filter((a) => codes.has(a.teamId))
    if (approved.length === 0) return []
    const enrolled = new Map((await this.deps.roster.listEnrolments(project.id)).map((e) => [e.worker.id, e]))
    const cumulative = new Map<string, { settledFen: number; paidFen: number }>()
    const paymentsOfMonth = new Map<Month, LinePayments | undefined>()
    const monthPayments = async (m: Month): Promise<LinePayments | undefined> => {
      if (!paymentsOfMonth.has(m)) paymentsOfMonth.set(m, await this.deps.payments?.linePayments(project.id, m))
      return paymentsOfMonth.get(m)
    }
    const firstMonth = [period, ...[...enrolled.values()].map((e) => monthOf(e.enrolment.entryDate))].sort()[0] as Month
    for (let m = firstMonth; m <= period; m = nextMonth(m)) {
      for (const a of m === period ? approved : await this.deps.sheets.approvedForMonth(project.id, m)) {
        for (const l of a.lines) {
          const c = cumulative.get(l.workerId) ?? { settledFen: 0, paidFen: 0 }
          c.settledFen += l.payableFen
          c.paidFen += paidOf(a.state, l, await monthPayments(m)).paidFen
          cumulative.set(l.workerId, c)
        }
      }
    }
    const payDate = clampedDate(nextMonth(period), project.payDay)
    // What the bank's result files said, as the month's last reconciliation run read them: a worker whose payment
    // failed (FAILED) or came back after success (RETURNED).
    const failed = new Map<string, PaymentState>()
    for (const f of (await this.deps.payouts?.latest(project.id, period))?.flags ?? []) {
      if (f.workerId === null) continue
      if (f.kind === 'FAILED') failed.set(f.workerId, 'failed')
      else if (f.kind === 'RETURNED' && !failed.has(f.workerId)) failed.set(f.workerId, 'returned')
    }
    // A failed or returned payment whose next attempt is out and unanswered is being paid again (40, 重新发放中).
    const retrying = new Set<string>()
    for (const workerId of failed.keys()) {
      const s = (await this.deps.instructions?.workerMonth(project.id, workerId, period))?.state
      // A re-attempt repeats a line; a 补发's first line (a payment of its own) repeats none.
      if (s?.kind === 'live' && (s.line?.previousLineId ?? null) !== null) retrying.add(workerId)
    }
    const out: UpstreamRecord[] = []
    for (const a of approved) {
      const view = await this.deps.sheets.view(project.id, a.teamId, period, a.version)
      const minutes = new Map(view.lines.map((l) => [l.row.id, l.row.workedMinutes]))
      for (const line of a.lines) {
        const e = enrolled.get(line.workerId)
        if (!e) continue
        const payments = await monthPayments(period)
        // Both choose the newest approved version of each team; a line the ledger does not hold in force was read
        // across an approval's commit: that approval's own report tells the platform, and nothing half-read goes out.
        if (payments !== undefined && payments.partOf(line.lineId) === undefined) continue
        const c = cumulative.get(line.workerId) ?? { settledFen: 0, paidFen: 0 }
        const paid = paidOf(a.state, line, payments)
        const setback = failed.get(line.workerId)
        const state: PaymentState = paid.inFull ? 'success' : (setback ?? 'none')
        out.push(
          payRollDetailRecord({
            payRollCode: codes.get(a.teamId) as string,
            line,
            worker: e.worker,
            workedMinutes: minutes.get(line.lineId) ?? 0,
            account: { accountNo: project.accountNo, bank: project.accountBank },
            payment: { state, retrying: retrying.has(line.workerId), valueDate: paid.valueDate, setbacks: paid.setbacks },
            payDate,
            cumulativePaidFen: fen(c.paidFen),
            cumulativeSettledFen: fen(c.settledFen),
          }),
        )
      }
    }
    return out
  }

  /**
   * After a correction's commit: the days it touched, and their neighbours (a night shift's out is listed on the day
   * of its in, and a day's pairs look one date either way), queued again up to today — a punch added for a day a week
   * back is reported then, not left to a sweep that looks at yesterday and today only.
   */
  async correctionMade(made: CorrectionMade): Promise<QueuedCounts> {
    const { projectId, workerId } = made.correction
    if (!this.config) return { queued: 0, differs: 0 }
    const reporting = new Set([...(await this.reportingProjects()).values()].flat())
    if (!reporting.has(projectId)) return { queued: 0, differs: 0 }
    // A punch voided, or an added punch revoked: its record, if still queued, is withdrawn before it goes out. One
    // already sending, sent or accepted stays with the platform: counted and logged for a person to see (sentThenVoided).
    const gone = made.correction.kind === 'void_punch' && made.correction.punchId !== null ? `punch:${made.correction.punchId}` : made.revoked?.kind === 'add_punch' ? `correction:${made.revoked.id}` : null
    if (gone !== null) {
      const reason = `${made.correction.kind === 'void_punch' ? 'voided' : 'revoked'} by correction ${made.correction.id}`
      const state = await this.db.tx((tx) => this.outbox.withdraw(tx, projectId, 'WorkerAttendance', gone, reason))
      if (state === 'sending' || state === 'sent' || state === 'accepted') {
        // Kept to a bound when no runner empties it (a test, a CLI): the oldest go first.
        if (this.sentThenVoided.length >= 1_000) this.sentThenVoided.shift()
        this.sentThenVoided.push({ projectId, key: gone, state, correctionId: made.correction.id })
      }
    }
    const project = await this.deps.roster.project(projectId)
    return this.reportAttendance(projectId, workerId, aroundDates(made.dates, workDateOf(this.clock.nowMs(), project.timeZone)))
  }

  /**
   * Attendance records a correction took back after they had gone out (or were going out): the platform keeps them.
   * The runner logs each once (and empties this list); GET …/upstream lists the record as sent or accepted.
   */
  sentThenVoided: Array<{ projectId: string; key: string; state: OutboxState; correctionId: string }> = []

  /**
   * Everything of every reporting project queued again: the worker-days whose queueing after a commit failed, the
   * roster, the attendance of yesterday and today in the project's zone (a failed after-commit step), the days of the
   * corrections made since yesterday began whatever date they are for (a process that died between a correction's
   * commit and its queueing), the payroll of this month and the last.
   */
  async sweep(): Promise<QueuedCounts> {
    const total = { queued: 0, differs: 0 }
    const add = (c: QueuedCounts): void => {
      total.queued += c.queued
      total.differs += c.differs
    }
    add(await this.retryMissed())
    for (const ids of (await this.reportingProjects()).values()) {
      for (const projectId of ids) {
        const project = await this.deps.roster.project(projectId)
        add(await this.reportRoster(projectId))
        const today = workDateOf(this.clock.nowMs(), project.timeZone)
        const dates = [addDays(today, -1), today]
        // Only the workers with a punch or a correction on those days, or a correction made since: the others have nothing to report.
        const byWorker = new Map<string, Set<WorkDate>>()
        for (const workerId of await this.workersWithAttendance(projectId, dates)) byWorker.set(workerId, new Set(dates))
        const since = endOfDayMs(addDays(today, -2), project.timeZone)
        for (const [workerId, corrected] of await this.correctedSince(projectId, since)) {
          const all = byWorker.get(workerId) ?? new Set<WorkDate>()
          for (const d of aroundDates(corrected, today)) all.add(d)
          byWorker.set(workerId, all)
        }
        for (const [workerId, all] of [...byWorker].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) add(await this.reportAttendance(projectId, workerId, [...all]))
        const month = monthOf(today)
        add(await this.reportPayroll(projectId, monthOf(addDays(`${month}-01`, -1))))
        add(await this.reportPayroll(projectId, month))
      }
    }
    return total
  }

  private async enqueue(projectId: string, records: readonly UpstreamRecord[], dueByMs: number | null = null): Promise<QueuedCounts> {
    if (records.length === 0) return { queued: 0, differs: 0 }
    // A record refused with the same payload waits for a person's resend; one whose data was fixed goes out again.
    const outcomes = await this.db.tx((tx) => this.outbox.enqueue(tx, projectId, records, { dueByMs, holdRefused: true }))
    return {
      queued: outcomes.filter((o) => o.outcome === 'queued' || o.outcome === 'revised').length,
      differs: outcomes.filter((o) => o.outcome === 'differs_from_accepted' || o.outcome === 'differs_in_flight').length,
    }
  }

  private async workersWithAttendance(projectId: string, dates: readonly WorkDate[]): Promise<string[]> {
    const marks = dates.map(() => '?').join(', ')
    const rows = await this.db.all<{ workerId: string }>(
      q(
        `SELECT worker_id AS "workerId" FROM punches WHERE project_id = ? AND work_date IN (${marks})
         UNION SELECT worker_id AS "workerId" FROM corrections WHERE project_id = ? AND work_date IN (${marks}) ORDER BY 1`,
        projectId,
        ...dates,
        projectId,
        ...dates,
      ),
    )
    return rows.map((r) => r.workerId)
  }

  /** The work dates of the corrections made since `sinceMs` (by when they were made, not the date they are for), by worker. */
  private async correctedSince(projectId: string, sinceMs: number): Promise<Map<string, WorkDate[]>> {
    const rows = await this.db.all<{ workerId: string; workDate: WorkDate }>(
      q(`SELECT DISTINCT worker_id AS "workerId", work_date AS "workDate" FROM corrections WHERE project_id = ? AND created_at_ms >= ? ORDER BY 1, 2`, projectId, sinceMs),
    )
    const out = new Map<string, WorkDate[]>()
    for (const r of rows) out.set(r.workerId, [...(out.get(r.workerId) ?? []), r.workDate])
    return out
  }

  private async devicesOf(punchIds: readonly number[]): Promise<Map<number, { serial: string; channel: Channel }>> {
    const out = new Map<number, { serial: string; channel: Channel }>()
    for (let i = 0; i < punchIds.length; i += 500) {
      const ids = punchIds.slice(i, i + 500)
      const rows = await this.db.all<{ id: number; serial: string; channel: Channel }>(
        q(`SELECT p.id AS "id", d.serial AS "serial", p.channel AS "channel" FROM punches p JOIN devices d ON d.id = p.device_id WHERE p.id IN (${ids.map(() => '?').join(', ')})`, ...ids),
      )
      for (const r of rows) out.set(Number(r.id), { serial: r.serial, channel: r.channel })
    }
    return out
  }
}

function contextOf(project: ProjectRow, settings: UpstreamProjectSettings): ProjectContext {
  return { projectId: project.id, projectCode: settings.projectCode, timeZone: project.timeZone }
}

/** The dates and the day either side of each, none after today: the days a correction on those dates may change. */
function aroundDates(dates: readonly WorkDate[], today: WorkDate): WorkDate[] {
  const out = new Set<WorkDate>()
  for (const d of dates) for (const n of [addDays(d, -1), d, addDays(d, 1)]) if (n <= today) out.add(n)
  return [...out].sort()
}

/** 24:00 of the date in the zone: the platform's deadline for the day's attendance. */
export function endOfDayMs(date: WorkDate, timeZone: string): number {
  const [y, m, d] = addDays(date, 1).split('-').map(Number) as [number, number, number]
  return zonedToUtcMs({ year: y, month: m, day: d, hour: 0, minute: 0, second: 0 }, timeZone)
}

/**
 * What the payments that stand paid a line of a month: the sum and last value date of the part of them the ledger
 * counts against the line (all of them when the worker has one line in the month), whether that covers the line's net
 * pay, and the worker's lines that failed or came back. A worker-month with no bank line at all counts as paid in full
 * once its sheet is settled (the reconciliation settled it).
 */
function paidOf(
  sheetState: string,
  line: { lineId: string; workerId: string; cardNo: string; netFen: number },
  payments: LinePayments | undefined,
): { paidFen: number; inFull: boolean; valueDate: WorkDate | null; setbacks: number } {
  const standing = payments?.of(line.workerId, line.cardNo) ?? []
  const setbacks = payments?.setbacksOf(line.workerId, line.cardNo) ?? 0
  // Whether the worker has any bank line, not this line's part: a second line the first took every payment from is
  // unpaid, not a month without files.
  if (standing.length === 0 && setbacks === 0) {
    const settled = sheetState === 'settled'
    return { paidFen: settled ? line.netFen : 0, inFull: settled, valueDate: null, setbacks: 0 }
  }
  const part = payments?.partOf(line.lineId) ?? []
  const paidFen = Number(sumFen(part.map((p) => p.amountFen)))
  return { paidFen, inFull: paidFen >= line.netFen, valueDate: part.at(-1)?.valueDate ?? null, setbacks }
}

/** Workers whose missed attendance is kept for the next sweep (and entries kept for the log). */
const MISSED_WORKERS_MAX = 10_000

/** Days of one worker's attendance read at once: a month and a day, within what the timesheet reads for one worker. */
const ATTENDANCE_SPAN_DAYS = 31

/** Sorted dates cut into runs whose first and last are at most spanDays - 1 apart. */
export function dateRuns(sorted: readonly WorkDate[], spanDays: number): WorkDate[][] {
  const runs: WorkDate[][] = []
  for (const d of sorted) {
    const run = runs.at(-1)
    if (run && d <= addDays(run[0] as WorkDate, spanDays - 1)) run.push(d)
    else runs.push([d])
  }
  return runs
}
