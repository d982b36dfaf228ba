/**
 * The real-name roster (实名制管理): registering organisations, projects, teams,
 * workers, enrolments and devices, with every identity checked on the way in.
 */
import { codecFor } from '../../devices/registry.ts'
import { AppError } from '../kernel/errors.ts'
import { LIMITS } from '../config/limits.ts'
import { newId } from '../kernel/ids.ts'
import { fen, formatYuan, parseYuan, type Fen } from '../kernel/money.ts'
import { isTimeZone, workDateOf, type Clock } from '../kernel/time.ts'
import { DEFAULT_POLICY, type AttendancePolicy } from '../timesheets/policy.ts'
import { checkIdNumber, isCreditCode } from './identity.ts'
import type {
  BeforeInstallPunch,
  DeviceRow,
  EnrolmentRow,
  OrganisationRow,
  PageQuery,
  ProjectRow,
  RosterRepository,
  TeamRow,
  WorkerRow,
} from './repository.ts'
import type { OrganisationKind } from '../db/schema/roster.ts'

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
  account: { bank: string; no: string; name: string }
}

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
  createOrganisation(input: NewOrganisation): OrganisationRow {
    return this.registerOrganisation(input).row
  }

  registerOrganisation(input: NewOrganisation): Registered<OrganisationRow> {
    const creditCode = input.creditCode.trim().toUpperCase()
    if (!isCreditCode(creditCode)) throw new AppError('invalid_credit_code', { creditCode })
    const existing = this.repo.organisationByCreditCode(creditCode)
    if (existing) {
      // Registering the same organisation again is safe: it returns the record it already has.
      return { row: existing, created: false }
    }
    const row: OrganisationRow = { id: newId(), kind: input.kind, name: input.name.trim(), creditCode, createdAtMs: this.clock.nowMs() }
    this.repo.insertOrganisation(row)
    return { row, created: true }
  }

  private organisationOfKind(id: string, kind: OrganisationKind): OrganisationRow {
    const org = this.repo.organisation(id)
    if (!org) throw new AppError('organisation_not_found', { id })
    if (org.kind !== kind) throw new AppError('organisation_wrong_kind', { id, expected: kind, actual: org.kind })
    return org
  }

  createProject(input: NewProject): ProjectRow {
    const timeZone = input.timeZone ?? this.defaultTimeZone
    if (!isTimeZone(timeZone)) throw new AppError('invalid_time_zone', { timeZone })
    this.organisationOfKind(input.constructionUnitId, 'construction_unit')
    this.organisationOfKind(input.generalContractorId, 'general_contractor')
    if (this.repo.projectBySiteCode(input.siteCode)) throw new AppError('project_site_code_exists', { siteCode: input.siteCode })
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
      accountNo: input.account.no,
      accountName: input.account.name,
      debounceMinutes: DEFAULT_POLICY.debounceMinutes,
      maxShiftMinutes: DEFAULT_POLICY.maxShiftMinutes,
      incompleteDayPolicy: DEFAULT_POLICY.incompleteDay,
      clockAheadMinutes: DEFAULT_POLICY.clockAheadMinutes,
      createdAtMs: this.clock.nowMs(),
    }
    this.repo.insertProject(row)
    this.onChange()
    return row
  }

  project(id: string): ProjectRow {
    const p = this.repo.project(id)
    if (!p) throw new AppError('project_not_found', { id })
    return p
  }

  /** The project's attendance policy (考勤规则设置). */
  policy(projectId: string): AttendancePolicy {
    const p = this.project(projectId)
    return { debounceMinutes: p.debounceMinutes, maxShiftMinutes: p.maxShiftMinutes, incompleteDay: p.incompleteDayPolicy, clockAheadMinutes: p.clockAheadMinutes }
  }

  /** Changes the policy for every month not yet confirmed; confirmed months keep the policy they were confirmed under. */
  setPolicy(projectId: string, policy: AttendancePolicy): AttendancePolicy {
    this.project(projectId)
    this.repo.setPolicy(projectId, policy)
    this.onChange()
    return this.policy(projectId)
  }

  team(projectId: string, teamId: string): TeamRow {
    const t = this.repo.team(projectId, teamId)
    if (!t) throw new AppError('team_not_found', { teamId })
    return t
  }

  /** The worker's enrolment on the project, with the worker. */
  enrolmentOf(projectId: string, workerId: string): { enrolment: EnrolmentRow; worker: WorkerRow } {
    const worker = this.worker(workerId)
    const enrolment = this.repo.enrolmentOf(projectId, workerId)
    if (!enrolment) throw new AppError('enrolment_not_found', { workerId })
    return { enrolment, worker }
  }

  /** Every project, unpaged: for the service's own use, never a reply. */
  listProjects(): ProjectRow[] {
    return this.repo.listProjects()
  }

  pageProjects(page: PageQuery): ProjectRow[] {
    return this.repo.pageProjects(page)
  }

  pageOrganisations(page: PageQuery): OrganisationRow[] {
    return this.repo.pageOrganisations(page)
  }

  createTeam(projectId: string, input: { name: string; employerId: string }): TeamRow {
    this.project(projectId)
    this.organisationOfKind(input.employerId, 'subcontractor')
    const row: TeamRow = { id: newId(), projectId, employerId: input.employerId, name: input.name.trim(), createdAtMs: this.clock.nowMs() }
    this.repo.insertTeam(row)
    this.onChange()
    return row
  }

  listTeams(projectId: string): TeamRow[] {
    this.project(projectId)
    return this.repo.listTeams(projectId)
  }

  pageTeams(projectId: string, page: PageQuery): TeamRow[] {
    this.project(projectId)
    return this.repo.pageTeams(projectId, page) ?? cursorNotFound(page)
  }

  /**
   * Registers a worker, or answers with the worker already registered under the ID number when the repeat states
   * the same facts (a client that lost the first reply can recover the id: lists mask ID numbers). A repeat that
   * states different facts is refused, naming the record and the fields that differ, never their values: the
   * record is a person's real-name registration and is not overwritten by whoever registers next.
   */
  registerWorker(input: NewWorker): Registered<WorkerRow> {
    const today = workDateOf(this.clock.nowMs(), this.defaultTimeZone)
    const checked = checkIdNumber(input.idNumber, today)
    if (!checked.ok) throw new AppError('invalid_id_number', { problem: checked.problem })
    const existing = this.repo.workerByIdNumber(checked.facts.idNumber)
    if (existing) return { row: sameWorker(existing, input), created: false }
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
      cardNo: input.cardNo.replace(/\s+/g, ''),
      createdAtMs: this.clock.nowMs(),
    }
    try {
      this.repo.insertWorker(row)
    } catch (err) {
      // Another instance registered the same person a moment ago: the unique index says so.
      const raced = this.repo.workerByIdNumber(row.idNumber)
      if (raced) return { row: sameWorker(raced, input), created: false }
      throw err
    }
    this.onChange()
    return { row, created: true }
  }

  /** The worker, new or already registered under the ID number with the same facts. */
  createWorker(input: NewWorker): WorkerRow {
    return this.registerWorker(input).row
  }

  worker(id: string): WorkerRow {
    const w = this.repo.worker(id)
    if (!w) throw new AppError('worker_not_found', { id })
    return w
  }

  pageWorkers(page: PageQuery): WorkerRow[] {
    return this.repo.pageWorkers(page)
  }

  enrol(projectId: string, input: NewEnrolment): EnrolmentRow {
    this.project(projectId)
    this.worker(input.workerId)
    if (!this.repo.team(projectId, input.teamId)) throw new AppError('team_not_found', { teamId: input.teamId })
    if (this.repo.enrolmentOf(projectId, input.workerId)) throw new AppError('enrolment_exists')
    if (input.deviceUserId && this.repo.enrolmentByDeviceUser(projectId, input.deviceUserId)) {
      throw new AppError('device_user_id_taken', { deviceUserId: input.deviceUserId })
    }
    if (input.exitDate && input.exitDate < input.entryDate) throw new AppError('exit_before_entry')
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
      createdAtMs: this.clock.nowMs(),
    }
    this.repo.insertEnrolment(row)
    this.onChange()
    return row
  }

  recordExit(projectId: string, enrolmentId: string, exitDate: string): EnrolmentRow {
    const e = this.repo.enrolment(projectId, enrolmentId)
    if (!e) throw new AppError('enrolment_not_found', { enrolmentId })
    if (exitDate < e.entryDate) throw new AppError('exit_before_entry')
    this.repo.setExitDate(enrolmentId, exitDate)
    this.onChange()
    return { ...e, exitDate }
  }

  listEnrolments(projectId: string): Array<{ enrolment: EnrolmentRow; worker: WorkerRow }> {
    this.project(projectId)
    return this.repo.listEnrolments(projectId)
  }

  pageEnrolments(projectId: string, page: PageQuery): Array<{ enrolment: EnrolmentRow; worker: WorkerRow }> {
    this.project(projectId)
    return this.repo.pageEnrolments(projectId, page) ?? cursorNotFound(page)
  }

  registerDevice(projectId: string, input: NewDevice): DeviceRow {
    this.project(projectId)
    const codec = codecFor(input.model)
    if (!codec) throw new AppError('device_model_unknown', { model: input.model })
    const settings = input.settings ?? {}
    const problem = codec.checkSettings(settings)
    if (problem) throw new AppError('validation_failed', [{ field: 'settings', message: problem }])
    if (this.repo.deviceBySerial(input.serial)) throw new AppError('device_exists', { serial: input.serial })
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
    this.repo.insertDevice(row)
    this.onChange()
    return row
  }

  /** Every device of the project, unpaged: for the service's own use, never a reply. */
  listDevices(projectId: string): DeviceRow[] {
    this.project(projectId)
    return this.repo.listDevices(projectId)
  }

  pageDevices(projectId: string, page: PageQuery): DeviceRow[] {
    this.project(projectId)
    return this.repo.pageDevices(projectId, page) ?? cursorNotFound(page)
  }

  device(projectId: string, deviceId: string): DeviceRow {
    this.project(projectId)
    const d = this.repo.device(projectId, deviceId)
    if (!d) throw new AppError('device_not_found', { deviceId })
    return d
  }

  /**
   * Records the device's corrected installation time. The device row is master data and changes in place, like an
   * exit date; the punches it stored are evidence and never change. Readings from now on are judged against the new
   * time; stored readings marked before_install that the new time clears are listed by punchesClearedByInstall for
   * the timesheets to accept, with the author and reason of this change.
   */
  setInstalledAt(projectId: string, deviceId: string, installedAtMs: number): { device: DeviceRow; previousInstalledAtMs: number } {
    const d = this.device(projectId, deviceId)
    this.repo.setInstalledAt(d.id, installedAtMs)
    this.onChange()
    return { device: { ...d, installedAtMs }, previousInstalledAtMs: d.installedAtMs }
  }

  punchesClearedByInstall(device: DeviceRow, afterPunchId: number, limit: number): BeforeInstallPunch[] {
    return this.repo.punchesClearedByInstall(device.id, device.installedAtMs, afterPunchId, limit)
  }

  countBeforeInstall(device: DeviceRow): number {
    return this.repo.countBeforeInstall(device.id, device.installedAtMs)
  }
}

function cursorNotFound(page: PageQuery): never {
  throw new AppError('cursor_not_found', { after: page.after })
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
  const differs = WORKER_FACTS.filter((f) => stated[f] !== undefined && stated[f] !== existing[f])
  if (differs.length > 0) throw new AppError('worker_exists_with_different_facts', { workerId: existing.id, differs })
  return existing
}
