/**
 * The real-name roster (实名制管理): registering organisations, projects, teams,
 * workers, enrolments and devices, with every identity checked on the way in.
 */
import { isDeepStrictEqual } from 'node:util'
import { codecFor } from '../../devices/registry.ts'
import { AppError } from '../kernel/errors.ts'
import { maskText } from '../access/masking.ts'
import { LIMITS } from '../config/limits.ts'
import { newId } from '../kernel/ids.ts'
import { ZERO_FEN, fen, formatYuan, parseYuan, type Fen } from '../kernel/money.ts'
import { isTimeZone, workDateOf, type Clock, type WorkDate } from '../kernel/time.ts'
import { WITH_PROJECT_REASON, inForceElsewhere, registerEntry } from '../account/register.ts'
import { openedOnOf } from '../account/repository.ts'
import { DEFAULT_POLICY, type AttendancePolicy } from '../timesheets/policy.ts'
import { isUniqueViolation } from '../db/faults.ts'
import type { Transaction } from '../db/database.ts'
import { breakCorrectionProblem, exitsOf, firstExitOf, lastEntryOf, withBreak, type EnrolmentBreak } from './spells.ts'
import { checkIdNumber, isCreditCode, nameKey, ofWorkingAge, WORKING_AGE_MIN } from './identity.ts'
import type {
  BeforeInstallPunch,
  CardHolder,
  DeviceRow,
  EnrolmentBreakCorrectionRow,
  EnrolmentDeviceUserRow,
  EnrolmentEntryRow,
  EnrolmentExitRow,
  EnrolmentReturnRow,
  EnrolmentRow,
  EnrolmentWithWorker,
  OrganisationRow,
  PageQuery,
  ProjectRow,
  RosterRepository,
  TeamRow,
  WorkerCardChangeRow,
  WorkerRow,
} from './repository.ts'
import type { OrganisationKind } from '../db/schema/roster.ts'
import type { SQL } from 'drizzle-orm'

export interface NewOrganisation {
  kind: OrganisationKind
  name: string
  creditCode: string
}

export interface NewProject {
  siteCode: string
  name: string
  regionCode: string
  timeZone?: string
  payDay: number
  constructionUnitId: string
  generalContractorId: string
  /**
   * The project's dedicated wage account (农民工工资专用账户). bankCode: the account bank's 联行号 (CNAPS, 12 digits); a
   * bank's key reaches the projects whose code starts with its own. With it, the account is recorded as the first entry
   * of the dedicated account's register (src/account/register.ts); openedOn (开户日期) is that entry's, null if not given.
   */
  account: { bank: string; bankCode?: string; no: string; name: string; openedOn?: WorkDate }
}

/** Who creates a project, for the register entry of its account; `reaches` as for a registration (AccountService). */
export interface ProjectCreator {
  createdBy: string
  reaches?: (projectId: string) => Promise<boolean>
}

/** The request's names of the account's fields, for a refusal's details.field. */
const ACCOUNT_FIELDS: Record<string, string> = { bank: 'account.bank', bankCode: 'account.bankCode', accountNo: 'account.no', accountName: 'account.name', openedOn: 'account.openedOn' }

export interface NewWorker {
  name: string
  idNumber: string
  ethnicity?: string
  address?: string
  phone?: string
  trade?: string
  bankName: string
  cardNo: string
}

export interface NewEnrolment {
  workerId: string
  teamId: string
  deviceUserId?: string
  /** Daily wage rate in yuan, "350.00". */
  dailyRate: string
  contractNo?: string
  safetyTrained: boolean
  entryDate: string
  exitDate?: string
}

export interface NewDevice {
  serial: string
  model: string
  settings?: Record<string, unknown>
  location?: string
  /**
   * RFC 3339 instant of installation; punches timed before it are clock_suspect (before_install). Defaults to the
   * moment of registration, so a device registered today that replays an earlier month needs it set (or corrected
   * later with correctInstallation).
   */
  installedAt?: string
}

/** A repeat registration answers with what is stored: `created` false when the record was there already. */
export interface Registered<T> {
  row: T
  created: boolean
}

/** Facts of a worker a repeat registration is compared on (the ID number itself is the key). */
const WORKER_FACTS = ['name', 'ethnicity', 'address', 'phone', 'trade', 'bankName', 'cardNo'] as const

export class RosterService {
  constructor(
    private readonly repo: RosterRepository,
    private readonly clock: Clock,
    private readonly defaultTimeZone: string,
    /** Told after every change, so caches of the roster (ingest lookups) drop what they hold. */
    private readonly onChange: () => void = () => {},
  ) {}

  /** The organisation, new or already registered under the credit code. */
  async createOrganisation(input: NewOrganisation): Promise<OrganisationRow> {
    return (await this.registerOrganisation(input)).row
  }

  /**
   * Registers an organisation, or answers with the one already registered under the credit code when the repeat
   * states its kind and name (sameOrganisation); a repeat that states another is refused, naming the fields.
   */
  async registerOrganisation(input: NewOrganisation): Promise<Registered<OrganisationRow>> {
    const creditCode = input.creditCode.trim().toUpperCase()
    if (!isCreditCode(creditCode)) throw new AppError('invalid_credit_code', { creditCode })
    const existing = await this.repo.organisationByCreditCode(creditCode)
    // Registering the same organisation again is safe: it returns the record it already has, when the facts match.
    if (existing) return { row: sameOrganisation(existing, input), created: false }
    const row: OrganisationRow = { id: newId(), kind: input.kind, name: input.name.trim(), creditCode, createdAtMs: this.clock.nowMs() }
    try {
      await this.repo.insertOrganisation(row)
    } catch (err) {
      // Another instance registered it a moment ago: the same answer as a repeat.
      const raced = isUniqueViolation(err) ? await this.repo.organisationByCreditCode(creditCode) : undefined
      if (raced) return { row: sameOrganisation(raced, input), created: false }
      throw err
    }
    return { row, created: true }
  }

  async organisation(id: string): Promise<OrganisationRow> {
    const org = await this.repo.organisation(id)
    if (!org) throw new AppError('organisation_not_found', { id })
    return org
  }

  private async organisationOfKind(id: string, kind: OrganisationKind): Promise<OrganisationRow> {
    const org = await this.repo.organisation(id)
    if (!org) throw new AppError('organisation_not_found', { id })
    if (org.kind !== kind) throw new AppError('organisation_wrong_kind', { id, expected: kind, actual: org.kind })
    return org
  }

  /** The project, new or already registered under the site code with the same facts (registerProject). */
  async createProject(input: NewProject, creator: ProjectCreator = { createdBy: 'roster' }): Promise<ProjectRow> {
    return (await this.registerProject(input, creator)).row
  }

  /**
   * The project, and with its account's bank code the first entry of its dedicated account's register in the same
   * transaction (README step 2: the account a project is created with is its dedicated account): the payer check,
   * bank instructions, the bank's scope, the register and the bureau's overview all read that register. Without the
   * bank code the account cannot be instructed or reached by a bank, and is no register entry until it is registered
   * (POST …/dedicated-account). An account number in force on another project is refused, as at registration.
   *
   * A repeat (the site code already registered) answers with the project stored when every fact it states matches
   * (a client that lost the first reply gets the id back, as for organisations, teams and workers); one that states
   * different facts is refused, project_site_code_exists naming the fields (details.differs), and the project only to
   * a caller who reaches it (`creator.reaches`). The project is master data: a repeat never changes it.
   */
  async registerProject(input: NewProject, creator: ProjectCreator = { createdBy: 'roster' }): Promise<Registered<ProjectRow>> {
    const timeZone = input.timeZone ?? this.defaultTimeZone
    if (!isTimeZone(timeZone)) throw new AppError('invalid_time_zone', { timeZone })
    await this.organisationOfKind(input.constructionUnitId, 'construction_unit')
    await this.organisationOfKind(input.generalContractorId, 'general_contractor')
    const existing = await this.repo.projectBySiteCode(input.siteCode)
    if (existing) return { row: await this.sameProject(existing, input, creator), created: false }
    const row: ProjectRow = {
      id: newId(),
      siteCode: input.siteCode,
      name: input.name.trim(),
      regionCode: input.regionCode,
      timeZone,
      payDay: input.payDay,
      constructionUnitId: input.constructionUnitId,
      generalContractorId: input.generalContractorId,
      accountBank: input.account.bank,
      accountBankCode: input.account.bankCode ?? null,
      accountNo: input.account.no,
      accountName: input.account.name,
      debounceMinutes: DEFAULT_POLICY.debounceMinutes,
      maxShiftMinutes: DEFAULT_POLICY.maxShiftMinutes,
      incompleteDayPolicy: DEFAULT_POLICY.incompleteDay,
      clockAheadMinutes: DEFAULT_POLICY.clockAheadMinutes,
      createdAtMs: this.clock.nowMs(),
    }
    const { bankCode, openedOn } = input.account
    if (bankCode === undefined && openedOn !== undefined) {
      // The opening date is the register entry's, and an entry names its bank by its code: it would be dropped.
      throw new AppError('dedicated_account_invalid', { reason: 'an opening date is recorded with the account in the dedicated-account register, which needs its 12-digit bankCode (联行号)', field: 'account.bankCode' })
    }
    const entry =
      bankCode === undefined
        ? undefined
        : registerEntry(
            { projectId: row.id, bank: input.account.bank, bankCode, accountNo: input.account.no, accountName: input.account.name, openedOn: openedOn ?? null },
            { openingFen: ZERO_FEN, reason: WITH_PROJECT_REASON, recordedBy: creator.createdBy, recordedAtMs: row.createdAtMs },
            (field) => ACCOUNT_FIELDS[field] ?? field,
          )
    let others: string[]
    try {
      others = await this.repo.insertProject(row, entry)
    } catch (err) {
      // Another instance registered the site code a moment ago: the same answer as a repeat.
      const raced = isUniqueViolation(err) ? await this.repo.projectBySiteCode(input.siteCode) : undefined
      if (raced) return { row: await this.sameProject(raced, input, creator), created: false }
      throw err
    }
    if (others.length > 0) {
      const reached = creator.reaches !== undefined && (await Promise.all(others.map(creator.reaches))).every(Boolean)
      throw inForceElsewhere(input.account.no, others, reached, 'account.no')
    }
    this.onChange()
    return { row, created: true }
  }

  /**
   * The stored project when every fact the repeat states matches it (facts left out, as timeZone or account.bankCode,
   * are not compared); otherwise project_site_code_exists naming the fields that differ, never their values, and the
   * project only to a caller who reaches it: the site code may be another contractor's.
   */
  private async sameProject(existing: ProjectRow, input: NewProject, creator: ProjectCreator): Promise<ProjectRow> {
    const { account } = input
    const stated: Array<[string, unknown, unknown]> = [
      ['name', nameFact(input.name), nameFact(existing.name)],
      ['regionCode', input.regionCode, existing.regionCode],
      ['timeZone', input.timeZone ?? existing.timeZone, existing.timeZone],
      ['payDay', input.payDay, existing.payDay],
      ['constructionUnitId', input.constructionUnitId, existing.constructionUnitId],
      ['generalContractorId', input.generalContractorId, existing.generalContractorId],
      ['account.bank', account.bank, existing.accountBank],
      ['account.bankCode', account.bankCode ?? existing.accountBankCode, existing.accountBankCode],
      ['account.no', account.no, existing.accountNo],
      ['account.name', account.name, existing.accountName],
    ]
    if (account.openedOn !== undefined) {
      // The opening date is the register entry's that was recorded with the project; none when it had no bank code.
      const first = existing.accountBankCode === null ? undefined : await this.repo.firstAccountEntry(existing.id)
      stated.push(['account.openedOn', account.openedOn, first?.reason === WITH_PROJECT_REASON ? openedOnOf(first.openedOn) : null])
    }
    const differs = stated.filter(([, given, stored]) => given !== stored).map(([field]) => field)
    if (differs.length === 0) return existing
    const reached = creator.reaches === undefined || (await creator.reaches(existing.id))
    throw new AppError('project_site_code_exists', { siteCode: existing.siteCode, differs, ...(reached ? { projectId: existing.id } : {}) })
  }

  async project(id: string): Promise<ProjectRow> {
    const p = await this.repo.project(id)
    if (!p) throw new AppError('project_not_found', { id })
    return p
  }

  /** The project's attendance policy (考勤规则设置). */
  async policy(projectId: string): Promise<AttendancePolicy> {
    return policyOf(await this.project(projectId))
  }

  /** Changes the policy for every month not yet confirmed; confirmed months keep the policy they were confirmed under. */
  async setPolicy(projectId: string, policy: AttendancePolicy): Promise<AttendancePolicy> {
    await this.project(projectId)
    await this.repo.setPolicy(projectId, policy)
    this.onChange()
    return this.policy(projectId)
  }

  async team(projectId: string, teamId: string): Promise<TeamRow> {
    const t = await this.repo.team(projectId, teamId)
    if (!t) throw new AppError('team_not_found', { teamId })
    return t
  }

  /** The worker's enrolment on the project, with the worker. */
  async enrolmentOf(projectId: string, workerId: string): Promise<EnrolmentWithWorker> {
    const worker = await this.worker(workerId)
    const enrolment = await this.repo.enrolmentOf(projectId, workerId)
    if (!enrolment) throw new AppError('enrolment_not_found', { workerId })
    return { enrolment, worker }
  }

  /** Every project, unpaged: for the service's own use, never a reply. */
  async listProjects(): Promise<ProjectRow[]> {
    return this.repo.listProjects()
  }

  /** within: a condition on projects (the caller's scope, AccessService.projectCondition); undefined for all. */
  async pageProjects(page: PageQuery, within?: SQL): Promise<ProjectRow[]> {
    return this.repo.pageProjects(page, within)
  }

  async pageOrganisations(page: PageQuery): Promise<OrganisationRow[]> {
    return this.repo.pageOrganisations(page)
  }

  /** The team, new or already on the project under the name with the same employer. */
  async createTeam(projectId: string, input: { name: string; employerId: string }): Promise<TeamRow> {
    return (await this.registerTeam(projectId, input)).row
  }

  /**
   * Adds a team, or answers with the project's team of that name when the repeat names the same employer (a client
   * that lost the first reply gets the id back, as for organisations and workers). A name another subcontractor's
   * team holds is refused: a team's employer is who its payroll sheets are drawn up for, and is not changed by a repeat.
   */
  async registerTeam(projectId: string, input: { name: string; employerId: string }): Promise<Registered<TeamRow>> {
    await this.project(projectId)
    await this.organisationOfKind(input.employerId, 'subcontractor')
    const name = input.name.trim()
    const existing = await this.repo.teamByName(projectId, name)
    if (existing) return { row: sameTeam(existing, input.employerId), created: false }
    const row: TeamRow = { id: newId(), projectId, employerId: input.employerId, name, createdAtMs: this.clock.nowMs() }
    try {
      await this.repo.insertTeam(row)
    } catch (err) {
      // Another instance added it a moment ago: the same answer as a repeat.
      const raced = isUniqueViolation(err) ? await this.repo.teamByName(projectId, name) : undefined
      if (raced) return { row: sameTeam(raced, input.employerId), created: false }
      throw err
    }
    this.onChange()
    return { row, created: true }
  }

  async listTeams(projectId: string): Promise<TeamRow[]> {
    await this.project(projectId)
    return this.repo.listTeams(projectId)
  }

  /** employerId: only the teams this subcontractor employs (a team manager's view). */
  async pageTeams(projectId: string, page: PageQuery, employerId?: string): Promise<TeamRow[]> {
    await this.project(projectId)
    return (await this.repo.pageTeams(projectId, page, employerId)) ?? cursorNotFound(page)
  }

  /**
   * Registers a worker, or answers with the worker already registered under the ID number when the repeat states
   * the same facts (a client that lost the first reply can recover the id: lists mask ID numbers). A repeat that
   * states different facts is refused, naming the record and the fields that differ, never their values: the
   * record is a person's real-name registration and is not overwritten by whoever registers next.
   */
  async registerWorker(input: NewWorker): Promise<Registered<WorkerRow>> {
    const today = workDateOf(this.clock.nowMs(), this.defaultTimeZone)
    const checked = checkIdNumber(input.idNumber, today)
    if (!checked.ok) throw new AppError('invalid_id_number', { problem: checked.problem })
    // A child (童工) is never put on a payroll: the roster refuses them, whatever a subcontractor sends.
    if (!ofWorkingAge(checked.facts.birthDate, today)) throw new AppError('worker_under_age', { minimumAge: WORKING_AGE_MIN })
    const existing = await this.repo.workerByIdNumber(checked.facts.idNumber)
    // A repeat answers with what is stored, whatever rules came after it was stored (a card of 20 digits, say).
    if (existing) return { row: sameWorker(existing, input), created: false }
    const cardNo = cardNoOf(input.cardNo)
    const row: WorkerRow = {
      id: newId(),
      name: input.name.trim(),
      idType: 'resident_id',
      idNumber: checked.facts.idNumber,
      gender: checked.facts.gender,
      birthDate: checked.facts.birthDate,
      ethnicity: input.ethnicity ?? null,
      address: input.address ?? null,
      phone: input.phone ?? null,
      trade: input.trade ?? null,
      bankName: input.bankName,
      cardNo,
      createdAtMs: this.clock.nowMs(),
    }
    try {
      // 一卡多人: the card is checked and taken under its lock, so two registrations at once cannot both take it.
      await this.repo.withCardLock(cardNo, async () => {
        if (await this.repo.cardHeldByAnother(cardNo, null)) throw new AppError('card_held_by_another_worker', {})
        await this.repo.insertWorker(row)
      })
    } catch (err) {
      // Another instance registered the same person a moment ago: the unique index says so. Read again outside any
      // transaction (on PostgreSQL the failed insert has aborted the one it ran in).
      const raced = isUniqueViolation(err) ? await this.repo.workerByIdNumber(row.idNumber) : undefined
      if (raced) return { row: sameWorker(raced, input), created: false }
      throw err
    }
    this.onChange()
    return { row, created: true }
  }

  /** The worker, new or already registered under the ID number with the same facts. */
  async createWorker(input: NewWorker): Promise<WorkerRow> {
    return (await this.registerWorker(input)).row
  }

  /**
   * Changes the worker's wage card (换卡): the new card is the one payroll sheets, instructions and retries use from
   * now on; the card it replaces stays the worker's for payments already made to it. Recorded with author and reason.
   */
  async changeWorkerCard(workerId: string, input: { bankName: string; cardNo: string; reason: string }, actor: string): Promise<WorkerCardChangeRow> {
    const worker = await this.worker(workerId)
    const cardNo = cardNoOf(input.cardNo)
    const bankName = input.bankName.trim()
    const reason = input.reason.trim()
    if (cardNo === worker.cardNo && bankName === worker.bankName) throw new AppError('worker_card_unchanged', { workerId })
    const change = await this.repo.changeWorkerCard({ workerId, previousCardNo: worker.cardNo, previousBankName: worker.bankName, bankName, cardNo, reason, actor, atMs: this.clock.nowMs() })
    // 一卡多人: wages go to each worker's own card; a labour boss's card for several workers is what the rule forbids.
    if (change === 'held') throw new AppError('card_held_by_another_worker', {})
    // Another change went first: the caller saw a card the worker no longer holds.
    if (change === undefined) throw new AppError('worker_card_changed_meanwhile', { workerId })
    this.onChange()
    return change
  }

  /** The worker's card changes, oldest first. */
  async workerCardChanges(workerId: string): Promise<WorkerCardChangeRow[]> {
    await this.worker(workerId)
    return this.repo.workerCardChanges(workerId)
  }

  async worker(id: string): Promise<WorkerRow> {
    const w = await this.repo.worker(id)
    if (!w) throw new AppError('worker_not_found', { id })
    return w
  }

  async pageWorkers(page: PageQuery): Promise<WorkerRow[]> {
    return this.repo.pageWorkers(page)
  }

  /**
   * Enrols a worker (进场登记). The entry date may be after today: a worker is registered before entering the site, and
   * the days before the entry count for nothing. An exit given with it has happened (date_in_future otherwise).
   */
  async enrol(projectId: string, input: NewEnrolment): Promise<EnrolmentRow> {
    const project = await this.project(projectId)
    await this.worker(input.workerId)
    if (!(await this.repo.team(projectId, input.teamId))) throw new AppError('team_not_found', { teamId: input.teamId })
    await this.enrolmentIsFree(projectId, input)
    if (input.exitDate && input.exitDate < input.entryDate) throw new AppError('exit_before_entry', { entryDate: input.entryDate, exitDate: input.exitDate })
    if (input.exitDate) this.happened(project, 'exitDate', input.exitDate)
    const rate: Fen | undefined = parseYuan(input.dailyRate)
    if (rate === undefined || rate < 0) throw new AppError('validation_failed', [{ field: 'dailyRate', message: 'must be yuan with at most two decimals, e.g. "350.00"' }])
    if (rate > LIMITS.daily_rate_fen_max) {
      throw new AppError('validation_failed', [{ field: 'dailyRate', message: `must be at most ${formatYuan(fen(LIMITS.daily_rate_fen_max))} yuan a day; check the figure (yuan, not fen)` }])
    }
    const row: EnrolmentRow = {
      id: newId(),
      projectId,
      workerId: input.workerId,
      teamId: input.teamId,
      deviceUserId: input.deviceUserId ?? null,
      dailyRateFen: fen(rate),
      contractNo: input.contractNo ?? null,
      safetyTrained: input.safetyTrained,
      entryDate: input.entryDate,
      exitDate: input.exitDate ?? null,
      breaks: [],
      createdAtMs: this.clock.nowMs(),
    }
    try {
      await this.repo.insertEnrolment(row)
    } catch (err) {
      // Another instance enrolled the worker, or gave the device user id away, a moment ago: say which.
      if (isUniqueViolation(err)) await this.enrolmentIsFree(projectId, input)
      throw err
    }
    this.onChange()
    return row
  }

  /**
   * Refuses an exit (退场) or a return (再次进场) dated after today in the project's time zone, 400 date_in_future: both
   * are recorded once they have happened. An exit dated ahead would have every report, and the upstream platform, say
   * the worker left while still on site (and the days they work after a planned date that slips count for nothing); a
   * return dated ahead would put them back on site today (the enrolment's exit cleared at once).
   */
  private happened(project: ProjectRow, field: 'exitDate' | 'returnDate', date: string): void {
    const today = workDateOf(this.clock.nowMs(), project.timeZone)
    if (date > today) throw new AppError('date_in_future', { field, [field]: date, today })
  }

  /** Throws enrolment_exists or device_user_id_taken when the project already has what the enrolment would add. */
  private async enrolmentIsFree(projectId: string, input: NewEnrolment): Promise<void> {
    const existing = await this.repo.enrolmentOf(projectId, input.workerId)
    // One who exited and comes back is recorded as a return on this enrolment: the refusal names it.
    if (existing) throw new AppError('enrolment_exists', { enrolmentId: existing.id, exitDate: existing.exitDate })
    if (input.deviceUserId && (await this.repo.enrolmentByDeviceUser(projectId, input.deviceUserId))) {
      // Masked as replies show it: some sites enrol workers on the gates under their ID number.
      throw new AppError('device_user_id_taken', { deviceUserId: maskText(input.deviceUserId) })
    }
  }

  /** An enrolment of the project by its id; undefined when there is none. */
  async findEnrolment(projectId: string, enrolmentId: string): Promise<EnrolmentRow | undefined> {
    return this.repo.enrolment(projectId, enrolmentId)
  }

  /**
   * Records the exit (退场) date of an enrolment, kept as history with its author. An exit dated before days the gates
   * recorded the worker on the project would take those days out of the worker's pay without a word: refused (409
   * exit_before_attendance, with the last such date) unless a reason is given (a card used by someone else after the
   * worker left, say), which is kept with the exit.
   *
   * `alongside` runs in the exit's own transaction: `lock` before anything is read (the locks the writes that follow
   * need, taken first as every writer of them does), `then` once the exit is written, with the enrolment as it now
   * stands. A failure in either leaves no exit (the timesheets' adjustments of confirmed months go in `then`).
   */
  async recordExit(
    projectId: string,
    enrolmentId: string,
    exitDate: string,
    input: { reason?: string; actor?: string; replaces?: string } = {},
    alongside: { lock?: (tx: Transaction, e: EnrolmentRow) => Promise<void>; then?: (tx: Transaction, e: EnrolmentRow) => Promise<void> } = {},
  ): Promise<EnrolmentRow> {
    const found = await this.repo.enrolment(projectId, enrolmentId)
    if (!found) throw new AppError('enrolment_not_found', { enrolmentId })
    const project = await this.project(projectId)
    this.happened(project, 'exitDate', exitDate)
    const reason = input.reason?.trim() || null
    const exited = await this.repo.transaction(async (tx) => {
      await alongside.lock?.(tx, found)
      // Read again under the locks: the enrolment as the writes find it.
      const e = (await this.repo.enrolment(projectId, enrolmentId)) ?? found
      // A correction (correctExit) names the exit it replaces: a return recorded meanwhile made it a break's.
      if (input.replaces !== undefined && e.exitDate !== input.replaces) throw new AppError('exit_not_found', { exitDate: input.replaces, exits: exitsOf(e) })
      // The exit ends the last spell: after a return (再次进场), it is dated on or after the return.
      const spellEntry = lastEntryOf(e)
      if (exitDate < spellEntry) throw new AppError('exit_before_entry', { entryDate: spellEntry, exitDate })
      const lastAttendedOn = (await this.repo.lastPunchDateAfter(projectId, e.workerId, exitDate, project.timeZone)) ?? null
      if (lastAttendedOn !== null && reason === null) throw new AppError('exit_before_attendance', { exitDate, lastAttendedOn })
      await this.repo.recordExit({ id: newId(), enrolmentId, exitDate, lastAttendedOn, reason, actor: input.actor ?? 'system', atMs: this.clock.nowMs() })
      const now = { ...e, exitDate }
      await alongside.then?.(tx, now)
      return now
    })
    // After the commit: a cache refilled while the transaction was open would hold the enrolment without its exit.
    this.onChange()
    return exited
  }

  /**
   * Records a return (再次进场) of a worker who had exited the project: a new spell on the same enrolment from
   * `returnDate`, which is after the exit in force (400 return_before_exit otherwise). The exit stays as the end of the
   * spell before (its settlement deadline with it); the days between the two are outside the enrolment, as days after
   * an exit are. A worker not exited is 409 enrolment_not_exited. Kept as history (`enrolment_returns`) with the exit
   * it followed, author, time and the reason if one is given. `alongside` as for an exit: the timesheets' re-check of
   * confirmed months runs in the same transaction.
   */
  async recordReturn(
    projectId: string,
    enrolmentId: string,
    returnDate: string,
    input: { reason?: string; actor?: string } = {},
    alongside: { lock?: (tx: Transaction, e: EnrolmentRow) => Promise<void>; then?: (tx: Transaction, e: EnrolmentRow) => Promise<void> } = {},
  ): Promise<EnrolmentRow> {
    const found = await this.repo.enrolment(projectId, enrolmentId)
    if (!found) throw new AppError('enrolment_not_found', { enrolmentId })
    this.happened(await this.project(projectId), 'returnDate', returnDate)
    const reason = input.reason?.trim() || null
    const returned = await this.repo.transaction(async (tx) => {
      await alongside.lock?.(tx, found)
      const e = (await this.repo.enrolment(projectId, enrolmentId)) ?? found
      if (e.exitDate === null) throw new AppError('enrolment_not_exited', { enrolmentId, entryDate: lastEntryOf(e) })
      if (returnDate <= e.exitDate) throw new AppError('return_before_exit', { exitDate: e.exitDate, returnDate })
      const breaks = [...e.breaks, { exitDate: e.exitDate, returnDate }]
      await this.repo.recordReturn({ id: newId(), enrolmentId, returnDate, exitDate: e.exitDate, reason, actor: input.actor ?? 'system', atMs: this.clock.nowMs() }, breaks)
      const now = { ...e, exitDate: null, breaks }
      await alongside.then?.(tx, now)
      return now
    })
    // After the commit, as for an exit: the ingest lookups must not keep the enrolment as it was.
    this.onChange()
    return returned
  }

  /**
   * Corrects the date of a return (再次进场) recorded wrong: the return dated `previousReturnDate` is dated `returnDate`
   * instead, kept as history (`enrolment_break_corrections`: the break before and after, author, time and the reason,
   * which is required). The spells keep their order: the return stays after the exit it follows (400
   * return_before_exit) and on or before the exit that ends its spell (400 exit_before_entry). No return dated
   * `previousReturnDate` is 404 return_not_found. `alongside` as for an exit: the timesheets' re-check of confirmed
   * months runs in the same transaction (days the return moved past now count, or no longer do).
   */
  async correctReturn(
    projectId: string,
    enrolmentId: string,
    previousReturnDate: string,
    returnDate: string,
    input: { reason: string; actor?: string },
    alongside: { lock?: (tx: Transaction, e: EnrolmentRow) => Promise<void>; then?: (tx: Transaction, e: EnrolmentRow) => Promise<void> } = {},
  ): Promise<EnrolmentRow> {
    const reason = input.reason.trim()
    if (reason === '') throw new AppError('validation_failed', [{ field: 'reason', message: 'a return date is corrected with the reason it was wrong' }])
    this.happened(await this.project(projectId), 'returnDate', returnDate)
    return this.correctBreak(projectId, enrolmentId, alongside, (e) => {
      const index = e.breaks.findIndex((b) => b.returnDate === previousReturnDate)
      if (index < 0) throw new AppError('return_not_found', { returnDate: previousReturnDate, returns: e.breaks.map((b) => b.returnDate) })
      if (returnDate === previousReturnDate) throw new AppError('validation_failed', [{ field: 'returnDate', message: `${returnDate} is already the return date` }])
      return { index, corrected: { exitDate: (e.breaks[index] as EnrolmentBreak).exitDate, returnDate }, reason, actor: input.actor ?? 'system' }
    })
  }

  /**
   * Corrects the date of an exit (退场) recorded wrong: the exit dated `previousExitDate` is dated `exitDate` instead,
   * with the reason (required). The exit in force (the last spell's) is recorded again as an exit is (recordExit: kept
   * in `enrolment_exits` with the reason, which stands for any attendance after it); an exit a return followed (an
   * earlier spell's) is corrected in its break (`enrolment_break_corrections`), on or after the entry or return that
   * began its spell (400 exit_before_entry) and before the return that followed it (400 return_before_exit). No exit
   * dated `previousExitDate` is 404 exit_not_found. `alongside` as for an exit.
   */
  async correctExit(
    projectId: string,
    enrolmentId: string,
    previousExitDate: string,
    exitDate: string,
    input: { reason: string; actor?: string },
    alongside: { lock?: (tx: Transaction, e: EnrolmentRow) => Promise<void>; then?: (tx: Transaction, e: EnrolmentRow) => Promise<void> } = {},
  ): Promise<EnrolmentRow> {
    const reason = input.reason.trim()
    if (reason === '') throw new AppError('validation_failed', [{ field: 'reason', message: 'an exit date is corrected with the reason it was wrong' }])
    if (exitDate === previousExitDate) throw new AppError('validation_failed', [{ field: 'exitDate', message: `${exitDate} is already the exit date` }])
    const found = await this.repo.enrolment(projectId, enrolmentId)
    if (!found) throw new AppError('enrolment_not_found', { enrolmentId })
    this.happened(await this.project(projectId), 'exitDate', exitDate)
    // The exit in force is corrected as it is recorded; recordExit checks under its locks that it still is.
    if (found.exitDate === previousExitDate) return this.recordExit(projectId, enrolmentId, exitDate, { reason, replaces: previousExitDate, ...(input.actor === undefined ? {} : { actor: input.actor }) }, alongside)
    return this.correctBreak(projectId, enrolmentId, alongside, (e) => {
      const index = e.breaks.findIndex((b) => b.exitDate === previousExitDate)
      if (index < 0) throw new AppError('exit_not_found', { exitDate: previousExitDate, exits: exitsOf(e) })
      return { index, corrected: { exitDate, returnDate: (e.breaks[index] as EnrolmentBreak).returnDate }, reason, actor: input.actor ?? 'system' }
    })
  }

  /** A break corrected under the locks: `pick` names it and its corrected dates from the enrolment as the writes find it. */
  private async correctBreak(
    projectId: string,
    enrolmentId: string,
    alongside: { lock?: (tx: Transaction, e: EnrolmentRow) => Promise<void>; then?: (tx: Transaction, e: EnrolmentRow) => Promise<void> },
    pick: (e: EnrolmentRow) => { index: number; corrected: EnrolmentBreak; reason: string; actor: string },
  ): Promise<EnrolmentRow> {
    const found = await this.repo.enrolment(projectId, enrolmentId)
    if (!found) throw new AppError('enrolment_not_found', { enrolmentId })
    const corrected = await this.repo.transaction(async (tx) => {
      await alongside.lock?.(tx, found)
      const e = (await this.repo.enrolment(projectId, enrolmentId)) ?? found
      const { index, corrected: b, reason, actor } = pick(e)
      const problem = breakCorrectionProblem(e, index, b)
      if (problem) {
        const { code, ...details } = problem
        throw new AppError(code, details)
      }
      const previous = e.breaks[index] as EnrolmentBreak
      const breaks = withBreak(e, index, b)
      await this.repo.recordBreakCorrection(
        { id: newId(), enrolmentId, exitDate: b.exitDate, returnDate: b.returnDate, previousExitDate: previous.exitDate, previousReturnDate: previous.returnDate, reason, actor, atMs: this.clock.nowMs() },
        breaks,
      )
      const now = { ...e, breaks }
      await alongside.then?.(tx, now)
      return now
    })
    // After the commit, as for an exit: the ingest lookups must not keep the enrolment as it was.
    this.onChange()
    return corrected
  }

  /** The corrections of an enrolment's breaks (a return's date, an earlier spell's exit), oldest first. */
  async breakCorrectionsOf(projectId: string, enrolmentId: string): Promise<EnrolmentBreakCorrectionRow[]> {
    const e = await this.repo.enrolment(projectId, enrolmentId)
    if (!e) throw new AppError('enrolment_not_found', { enrolmentId })
    return this.repo.breakCorrectionsOf(enrolmentId)
  }

  /** The returns recorded for an enrolment, oldest first. */
  async returnsOf(projectId: string, enrolmentId: string): Promise<EnrolmentReturnRow[]> {
    const e = await this.repo.enrolment(projectId, enrolmentId)
    if (!e) throw new AppError('enrolment_not_found', { enrolmentId })
    return this.repo.returnsOf(enrolmentId)
  }

  /**
   * Corrects the entry date (进场日期) of an enrolment entered wrong, kept as history (the date it replaces, author,
   * time and the reason, which is required). Days before the entry date are neither credited nor correctable
   * (date_outside_enrolment): this is how they become so, or stop being so. The exit, if any, stays on or after it.
   * `alongside` as for an exit: the timesheets' re-check of confirmed months runs in the same transaction.
   */
  async correctEntry(
    projectId: string,
    enrolmentId: string,
    entryDate: string,
    input: { reason: string; actor?: string },
    alongside: { lock?: (tx: Transaction, e: EnrolmentRow) => Promise<void>; then?: (tx: Transaction, e: EnrolmentRow) => Promise<void> } = {},
  ): Promise<EnrolmentRow> {
    const found = await this.repo.enrolment(projectId, enrolmentId)
    if (!found) throw new AppError('enrolment_not_found', { enrolmentId })
    const reason = input.reason.trim()
    if (reason === '') throw new AppError('validation_failed', [{ field: 'reason', message: 'an entry date is corrected with the reason it was wrong' }])
    const corrected = await this.repo.transaction(async (tx) => {
      await alongside.lock?.(tx, found)
      const e = (await this.repo.enrolment(projectId, enrolmentId)) ?? found
      if (entryDate === e.entryDate) throw new AppError('validation_failed', [{ field: 'entryDate', message: `${entryDate} is already the entry date` }])
      // The entry date is the first spell's: it stays on or before the exit that ended it.
      const firstExit = firstExitOf(e)
      if (firstExit !== null && firstExit < entryDate) throw new AppError('exit_before_entry', { entryDate, exitDate: firstExit })
      await this.repo.recordEntry({ id: newId(), enrolmentId, entryDate, previousEntryDate: e.entryDate, reason, actor: input.actor ?? 'system', atMs: this.clock.nowMs() })
      const now = { ...e, entryDate }
      await alongside.then?.(tx, now)
      return now
    })
    this.onChange()
    return corrected
  }

  /**
   * Sets the user id a worker is enrolled under on the site's devices (考勤号): one given none at enrolment (faces are
   * often enrolled on the terminals later), or one typed wrong. Kept as history with the id it replaces, author, time
   * and the reason. Punches already stored stay the worker's; frames refused meanwhile as `unknown_worker` can be
   * taken in again (POST /api/rejected-inputs/{id}/retry). An id another enrolment of the project holds is refused.
   */
  async setDeviceUser(projectId: string, enrolmentId: string, deviceUserId: string, input: { reason: string; actor?: string }): Promise<EnrolmentRow> {
    const found = await this.repo.enrolment(projectId, enrolmentId)
    if (!found) throw new AppError('enrolment_not_found', { enrolmentId })
    const reason = input.reason.trim()
    if (reason === '') throw new AppError('validation_failed', [{ field: 'reason', message: 'a 考勤号 is changed with the reason' }])
    // Refusals show the id masked, as replies do: some sites enrol workers on the gates under their ID number.
    const shown = maskText(deviceUserId)
    let changed: EnrolmentRow
    try {
      changed = await this.repo.transaction(async () => {
        const e = (await this.repo.enrolment(projectId, enrolmentId)) ?? found
        if (e.deviceUserId === deviceUserId) throw new AppError('validation_failed', [{ field: 'deviceUserId', message: `${shown} is already the enrolment's 考勤号` }])
        const holder = await this.repo.enrolmentByDeviceUser(projectId, deviceUserId)
        if (holder && holder.id !== enrolmentId) throw new AppError('device_user_id_taken', { deviceUserId: shown })
        await this.repo.recordDeviceUser({ id: newId(), enrolmentId, deviceUserId, previousDeviceUserId: e.deviceUserId, reason, actor: input.actor ?? 'system', atMs: this.clock.nowMs() })
        return { ...e, deviceUserId }
      })
    } catch (err) {
      // Another enrolment took the id between the check and the write: the unique index says so.
      if (isUniqueViolation(err)) throw new AppError('device_user_id_taken', { deviceUserId: shown })
      throw err
    }
    // After the commit: the lookups cache who is behind each 考勤号.
    this.onChange()
    return changed
  }

  /** The 考勤号 changes recorded for an enrolment, oldest first. */
  async deviceUsersOf(projectId: string, enrolmentId: string): Promise<EnrolmentDeviceUserRow[]> {
    const e = await this.repo.enrolment(projectId, enrolmentId)
    if (!e) throw new AppError('enrolment_not_found', { enrolmentId })
    return this.repo.deviceUsersOf(enrolmentId)
  }

  /** The entry-date corrections recorded for an enrolment, oldest first. */
  async entriesOf(projectId: string, enrolmentId: string): Promise<EnrolmentEntryRow[]> {
    const e = await this.repo.enrolment(projectId, enrolmentId)
    if (!e) throw new AppError('enrolment_not_found', { enrolmentId })
    return this.repo.entriesOf(enrolmentId)
  }

  /** The exits recorded for an enrolment, oldest first. */
  async exitsOf(projectId: string, enrolmentId: string): Promise<EnrolmentExitRow[]> {
    const e = await this.repo.enrolment(projectId, enrolmentId)
    if (!e) throw new AppError('enrolment_not_found', { enrolmentId })
    return this.repo.exitsOf(enrolmentId)
  }

  /** The months of the project's exits dated from `from` to `to` (inclusive): what the reconciliation clock visits. */
  async exitMonths(projectId: string, from: string, to: string): Promise<string[]> {
    return this.repo.exitMonths(projectId, from, to)
  }

  async listEnrolments(projectId: string): Promise<EnrolmentWithWorker[]> {
    await this.project(projectId)
    return this.repo.listEnrolments(projectId)
  }

  /** The cards the project's workers held before a change, with their workers (RosterRepository.formerCards). */
  async formerCards(projectId: string): Promise<Array<{ workerId: string; workerName: string; cardNo: string }>> {
    return this.repo.formerCards(projectId)
  }

  /** Every enrolment's worker, card, team and dates (RosterRepository.cardHolders). */
  async cardHolders(projectId: string): Promise<CardHolder[]> {
    await this.project(projectId)
    return this.repo.cardHolders(projectId)
  }

  async listTeamEnrolments(projectId: string, teamId: string): Promise<EnrolmentWithWorker[]> {
    await this.project(projectId)
    return this.repo.listTeamEnrolments(projectId, teamId)
  }

  /** employerId: only the enrolments on this subcontractor's teams (a team manager's view). */
  async pageEnrolments(projectId: string, page: PageQuery, employerId?: string): Promise<EnrolmentWithWorker[]> {
    await this.project(projectId)
    return (await this.repo.pageEnrolments(projectId, page, employerId)) ?? cursorNotFound(page)
  }

  /** The device, new or already registered under the serial with the same facts (registerDevice). */
  async createDevice(projectId: string, input: NewDevice): Promise<DeviceRow> {
    return (await this.registerDevice(projectId, input)).row
  }

  /**
   * Registers a device, or answers with the device already registered under the serial when the repeat registers it
   * on the same project with the same facts (sameDevice); different facts are 409 device_exists naming them. The
   * device's secret is not the roster's: the route issues one for a device made now only (a repeat never shows one).
   */
  async registerDevice(projectId: string, input: NewDevice): Promise<Registered<DeviceRow>> {
    await this.project(projectId)
    const codec = codecFor(input.model)
    if (!codec) throw new AppError('device_model_unknown', { model: input.model })
    const settings = input.settings ?? {}
    const problem = codec.checkSettings(settings)
    if (problem) throw new AppError('validation_failed', [{ field: 'settings', message: problem }])
    const existing = await this.repo.deviceBySerial(input.serial)
    if (existing) return { row: sameDevice(existing, projectId, input), created: false }
    const now = this.clock.nowMs()
    const row: DeviceRow = {
      id: newId(),
      projectId,
      serial: input.serial,
      model: input.model,
      settings: JSON.stringify(settings),
      location: input.location ?? null,
      installedAtMs: input.installedAt ? Date.parse(input.installedAt) : now,
      createdAtMs: now,
    }
    try {
      await this.repo.insertDevice(row)
    } catch (err) {
      // Another instance registered the serial a moment ago: the same answer as a repeat.
      const raced = isUniqueViolation(err) ? await this.repo.deviceBySerial(input.serial) : undefined
      if (raced) return { row: sameDevice(raced, projectId, input), created: false }
      throw err
    }
    this.onChange()
    return { row, created: true }
  }

  /** Every device of the project, unpaged: for the service's own use, never a reply. */
  async listDevices(projectId: string): Promise<DeviceRow[]> {
    await this.project(projectId)
    return this.repo.listDevices(projectId)
  }

  async pageDevices(projectId: string, page: PageQuery): Promise<DeviceRow[]> {
    await this.project(projectId)
    return (await this.repo.pageDevices(projectId, page)) ?? cursorNotFound(page)
  }

  async device(projectId: string, deviceId: string): Promise<DeviceRow> {
    await this.project(projectId)
    const d = await this.repo.device(projectId, deviceId)
    if (!d) throw new AppError('device_not_found', { deviceId })
    return d
  }

  /**
   * Records the device's corrected installation time. The device row is master data and changes in place, like an
   * exit date; the punches it stored are evidence and never change. Readings from now on are judged against the new
   * time; stored readings marked before_install that the new time clears are listed by punchesClearedByInstall for
   * the timesheets to accept, with the author and reason of this change.
   */
  async setInstalledAt(projectId: string, deviceId: string, installedAtMs: number): Promise<{ device: DeviceRow; previousInstalledAtMs: number }> {
    const d = await this.device(projectId, deviceId)
    await this.repo.setInstalledAt(d.id, installedAtMs)
    this.onChange()
    return { device: { ...d, installedAtMs }, previousInstalledAtMs: d.installedAtMs }
  }

  async punchesClearedByInstall(device: DeviceRow, afterPunchId: number, limit: number): Promise<BeforeInstallPunch[]> {
    return this.repo.punchesClearedByInstall(device.id, device.installedAtMs, afterPunchId, limit)
  }

  async countBeforeInstall(device: DeviceRow): Promise<number> {
    return this.repo.countBeforeInstall(device.id, device.installedAtMs)
  }
}

/** A project's attendance policy as its row holds it: for callers that have the row already. */
export function policyOf(p: ProjectRow): AttendancePolicy {
  return { debounceMinutes: p.debounceMinutes, maxShiftMinutes: p.maxShiftMinutes, incompleteDay: p.incompleteDayPolicy, clockAheadMinutes: p.clockAheadMinutes }
}

function cursorNotFound(page: PageQuery): never {
  throw new AppError('cursor_not_found', { after: page.after })
}

/** A wage card number as stored: the spaces it was written with taken out, 12 to 19 digits (a bank card or account). */
function cardNoOf(raw: string): string {
  const cardNo = raw.replace(/\s+/g, '')
  if (!/^\d{12,19}$/.test(cardNo)) throw new AppError('invalid_card_no', { digits: cardNo.length })
  return cardNo
}

/** A name as a repeat is compared on: spaces aside, full-width forms as their narrow ones (（杭州） is (杭州)). */
function nameFact(name: string): string {
  return nameKey(name.normalize('NFKC'))
}

/**
 * The stored organisation when the repeat states its kind and name; otherwise organisation_exists_with_different_facts
 * naming the fields that differ (the credit code is the key). A repeat never renames or re-kinds a registration:
 * projects and teams already name it in its role.
 */
function sameOrganisation(existing: OrganisationRow, input: NewOrganisation): OrganisationRow {
  const differs: string[] = []
  if (input.kind !== existing.kind) differs.push('kind')
  if (nameFact(input.name) !== nameFact(existing.name)) differs.push('name')
  if (differs.length > 0) throw new AppError('organisation_exists_with_different_facts', { organisationId: existing.id, differs })
  return existing
}

/**
 * The stored device when the repeat registers it on the same project with the facts it states (settings, location
 * and installedAt left out are not compared); otherwise device_exists naming the fields that differ, never their
 * values. A serial on another project is named `projectId` there, without the device: that project may be another
 * contractor's.
 */
function sameDevice(existing: DeviceRow, projectId: string, input: NewDevice): DeviceRow {
  if (existing.projectId !== projectId) throw new AppError('device_exists', { serial: existing.serial, differs: ['projectId'] })
  const differs: string[] = []
  if (input.model !== existing.model) differs.push('model')
  if (input.settings !== undefined && !isDeepStrictEqual(input.settings, JSON.parse(existing.settings))) differs.push('settings')
  if (input.location !== undefined && input.location !== existing.location) differs.push('location')
  if (input.installedAt !== undefined && Date.parse(input.installedAt) !== existing.installedAtMs) differs.push('installedAt')
  if (differs.length > 0) throw new AppError('device_exists', { serial: existing.serial, deviceId: existing.id, differs })
  return existing
}

/** The stored team when the repeat names its employer; another subcontractor's team of the name is a conflict. */
function sameTeam(existing: TeamRow, employerId: string): TeamRow {
  if (existing.employerId !== employerId) throw new AppError('team_name_exists', { teamId: existing.id, name: existing.name, employerId: existing.employerId })
  return existing
}

/** The stored worker when every fact the repeat states matches it; facts left out are not compared. */
function sameWorker(existing: WorkerRow, input: NewWorker): WorkerRow {
  const stated: Record<(typeof WORKER_FACTS)[number], string | undefined> = {
    name: input.name.trim(),
    ethnicity: input.ethnicity,
    address: input.address,
    phone: input.phone,
    trade: input.trade,
    bankName: input.bankName,
    cardNo: input.cardNo.replace(/\s+/g, ''),
  }
  const differs = WORKER_FACTS.filter((f) => stated[f] !== undefined && (f === 'name' ? nameKey(stated[f]) !== nameKey(existing[f]) : stated[f] !== existing[f]))
  if (differs.length > 0) throw new AppError('worker_exists_with_different_facts', { workerId: existing.id, differs })
  return existing
}
