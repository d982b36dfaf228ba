/**
 * Upstream records (上报数据): what the ledger holds, in the shapes of the national data standard of the
 * 全国建筑工人管理服务信息平台 and the provincial data warehouses that follow its docking scheme (信息共享).
 *
 * Field names and codes are the standard's: IDCardType 01 (居民身份证), direction 01 in / 02 out, EntryExitHistory
 * Type 0 entry / 1 exit, DataResource 0 device / 1 manual, PayRoll Status 2 subcontractor approved / 3 general
 * contractor re-checked / 50 paid, PayStatus 0 unpaid / 20 paid / 30 failed / 40 retrying. Amounts are yuan strings
 * with two decimals, made from integer fen exactly (kernel/money). Times are Beijing wall time — the project's zone
 * — to the second, as the platform reads them ("YYYY-MM-DD HH:mm:ss").
 *
 * ID and card numbers stay in clear here: which fields the platform wants encrypted is listed in ENCRYPTED_FIELDS,
 * and protocol.ts encrypts them on the way out.
 *
 * Pure: no I/O, no clock. Each builder takes the ledger's own types (roster rows, the timesheet's day punches, the
 * approved payroll, the payout status) and returns one record with its key: the key is what the outbox holds it by, so
 * the same ledger fact always makes the same record under the same key, and a correction is a new key.
 */
import { formatYuan, parseYuan, type Fen } from '../kernel/money.ts'
import { isMonth, isWorkDate, localParts, type Month, type WorkDate } from '../kernel/time.ts'
import type { SheetState } from '../payroll/sheet-rules.ts'
import type { ApprovedLine } from '../payroll/approved.ts'
import type { Channel } from '../punches/canonical.ts'
import type { DayPunch } from '../timesheets/rules.ts'
import { spellsOf, type EnrolmentBreak } from '../roster/spells.ts'

export const RECORD_KINDS = ['ProjectWorker', 'TeamMaster', 'EntryExitHistory', 'WorkerAttendance', 'PayRoll', 'PayRollDetail'] as const
export type RecordKind = (typeof RECORD_KINDS)[number]

/** 证件类型: 01 is the resident identity card (居民身份证), the only identity the roster registers. */
export const ID_CARD_TYPE_RESIDENT = '01'

/** The ledger's ID types, as the standard codes them. */
export function idCardTypeOf(idType: 'resident_id'): string {
  switch (idType) {
    case 'resident_id':
      return ID_CARD_TYPE_RESIDENT
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Shapes

/** The parties every roster record names: the project as the platform knows it, and the worker's employer. */
export interface ProjectParty {
  /** 项目编码: the project's code on the platform (assigned when the project was registered there). */
  ProjectCode: string
  /** 统一社会信用代码 of the employer (the team's subcontractor). */
  CorpCode: string
  CorpName: string
}

/** 班组 (TeamMaster). */
export interface TeamMasterRecord extends ProjectParty {
  TeamName: string
  /** 班组长; the roster does not name one today, so both may be absent. */
  TeamLeaderName?: string
  TeamLeaderIDCardType?: string
  TeamLeaderIDCardNumber?: string
  /** 进场日期 of the team: the day it was registered on the project. */
  EntryTime: WorkDate
}

/** 项目人员 (ProjectWorker): one worker enrolled on the project. */
export interface ProjectWorkerRecord extends ProjectParty {
  TeamName: string
  WorkerName: string
  IDCardType: string
  IDCardNumber: string
  /** GB/T 2261.1: 1 male, 2 female. */
  Gender: '1' | '2'
  BirthDate: WorkDate
  Nation?: string
  Address?: string
  CellPhone?: string
  WorkTypeName?: string
  /** 0 no, 1 yes. */
  IsTeamLeader: 0 | 1
  HasContract: 0 | 1
  ContractCode?: string
  HasSafetyTraining: 0 | 1
  PayRollBankCardNumber: string
  PayRollBankName: string
  EntryTime: WorkDate
  ExitTime?: WorkDate
}

/** 0 entry (进场), 1 exit (退场). */
export type EntryExitType = 0 | 1

/** 人员进退场 (EntryExitHistory). */
export interface EntryExitHistoryRecord extends ProjectParty {
  TeamName: string
  IDCardType: string
  IDCardNumber: string
  Date: WorkDate
  Type: EntryExitType
}

/** 01 in (进), 02 out (出). */
export type AttendanceDirection = '01' | '02'
/** 0 from a device (设备采集), 1 entered by a person (人工补录): a correction's added punch. */
export type DataResource = 0 | 1

/** 考勤 (WorkerAttendance): one punch. */
export interface WorkerAttendanceRecord {
  ProjectCode: string
  TeamName: string
  IDCardType: string
  IDCardNumber: string
  /** The punch's instant as wall time in the project's zone, to the second. */
  CheckTime: string
  Direction: AttendanceDirection
  /** The device's serial, or `manual` for a punch a labour manager added. */
  CheckChannel: string
  DataResource: DataResource
}

/** 2 subcontractor approved (分包审核), 3 general contractor re-checked (总包复核), 50 paid (已发放). */
export type PayRollStatus = 2 | 3 | 50

/** 工资单 (PayRoll): one team's payroll sheet for a month. */
export interface PayRollRecord extends ProjectParty {
  /** GZD + 6-digit subcontractor number + YYYYMM + 3-digit sequence. */
  PayRollCode: string
  TeamName: string
  PayMonth: Month
  Status: PayRollStatus
  WorkerCount: number
  TotalPayAmount: string
  ActualAmount: string
}

/** 0 unpaid (未发放), 20 paid (已发放), 30 failed (发放失败), 40 retrying (重新发放中). */
export type PayStatus = 0 | 20 | 30 | 40

/** 工资单明细 (PayRollDetail): one worker's line of a payroll sheet. */
export interface PayRollDetailRecord {
  PayRollCode: string
  WorkerName: string
  IDCardType: string
  IDCardNumber: string
  /** Days credited, halves as .5. */
  Days: number
  /** Hours worked, to two decimals. */
  WorkHours: number
  /** 应发 */
  TotalPayAmount: string
  /** 实发 */
  ActualAmount: string
  /** 发放日期: the bank's value date of the payment, or the pay date while it is not paid. */
  BalanceDate: WorkDate
  PayRollBankCardNumber: string
  PayRollBankName: string
  /** The dedicated wage account it is paid from (代发账户). */
  PayBankCardNumber: string
  PayBankName: string
  /** The worker's pay on this project so far: paid (累计已发) and settled on sheets (累计应发). */
  CumulativePaidAmount: string
  CumulativeSettledAmount: string
  PayStatus: PayStatus
}

export interface PayloadOf {
  ProjectWorker: ProjectWorkerRecord
  TeamMaster: TeamMasterRecord
  EntryExitHistory: EntryExitHistoryRecord
  WorkerAttendance: WorkerAttendanceRecord
  PayRoll: PayRollRecord
  PayRollDetail: PayRollDetailRecord
}

/** A record with the key the outbox holds it by. */
export type UpstreamRecord = { [K in RecordKind]: { kind: K; key: string; payload: PayloadOf[K] } }[RecordKind]
export type RecordOf<K extends RecordKind> = Extract<UpstreamRecord, { kind: K }>

/** The fields the docking scheme wants AES-encrypted (ID and card numbers), per kind. */
export const ENCRYPTED_FIELDS: { readonly [K in RecordKind]: ReadonlyArray<keyof PayloadOf[K] & string> } = {
  ProjectWorker: ['IDCardNumber', 'PayRollBankCardNumber'],
  TeamMaster: ['TeamLeaderIDCardNumber'],
  EntryExitHistory: ['IDCardNumber'],
  WorkerAttendance: ['IDCardNumber'],
  PayRoll: [],
  PayRollDetail: ['IDCardNumber', 'PayRollBankCardNumber', 'PayBankCardNumber'],
}

// ---------------------------------------------------------------------------------------------------------------
// Formats

const pad2 = (n: number): string => String(n).padStart(2, '0')

/** "YYYY-MM-DD HH:mm:ss" of an instant in the zone: the platform's CheckTime. Milliseconds are dropped, not rounded. */
export function wallTimeOf(instantMs: number, timeZone: string): string {
  const p = localParts(instantMs, timeZone)
  return `${p.year}-${pad2(p.month)}-${pad2(p.day)} ${pad2(p.hour)}:${pad2(p.minute)}:${pad2(p.second)}`
}

/** Fen as the standard's yuan string: 123450 → "1234.50". */
export function yuanOf(amount: Fen): string {
  return formatYuan(amount)
}

/** The standard's yuan string back to fen; undefined when it is not plainly an amount. */
export function fenOf(yuan: string): Fen | undefined {
  return parseYuan(yuan)
}

const PAYROLL_CODE = /^GZD(\d{6})(\d{4})(0[1-9]|1[0-2])(\d{3})$/

/** GZD + 6-digit subcontractor number + YYYYMM + 3-digit sequence (1–999). Throws on inputs out of that shape. */
export function payRollCode(subcontractorNo: string, month: Month, sequence: number): string {
  if (!/^\d{6}$/.test(subcontractorNo)) throw new RangeError(`subcontractor number must be 6 digits, got ${subcontractorNo}`)
  if (!isMonth(month)) throw new RangeError(`not a month: ${month}`)
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > 999) throw new RangeError(`payroll sequence must be 1–999, got ${sequence}`)
  return `GZD${subcontractorNo}${month.replace('-', '')}${String(sequence).padStart(3, '0')}`
}

/** The parts of a payroll code, or undefined when it is not one. */
export function parsePayRollCode(code: string): { subcontractorNo: string; month: Month; sequence: number } | undefined {
  const m = PAYROLL_CODE.exec(code)
  if (!m) return undefined
  const sequence = Number(m[4])
  if (sequence < 1) return undefined
  return { subcontractorNo: m[1] as string, month: `${m[2]}-${m[3]}`, sequence }
}

/** Halves as days: 43 → 21.5 (exact in a double). */
export function daysOf(halves: number): number {
  return halves / 2
}

/** Minutes as hours to two decimals, half up: 10_101 → 168.35. Integer arithmetic on hundredths, no float rounding. */
export function hoursOf(minutes: number): number {
  const hundredths = Math.floor((minutes * 100 + 30) / 60)
  return hundredths / 100
}

// ---------------------------------------------------------------------------------------------------------------
// Builders

/** What the roster records need of the project and a team's employer. */
export interface ProjectContext {
  projectId: string
  /** The project's code on the platform; a project registered there under its site code passes that. */
  projectCode: string
  timeZone: string
}

export interface Employer {
  name: string
  creditCode: string
}

/** The roster's team row, as far as the record needs it. */
export interface TeamFacts {
  id: string
  name: string
  createdAtMs: number
}

/** The roster's worker row, as far as the records need it. */
export interface WorkerFacts {
  id: string
  name: string
  idType: 'resident_id'
  idNumber: string
  gender: 'male' | 'female'
  birthDate: string
  ethnicity: string | null
  address: string | null
  phone: string | null
  trade: string | null
  bankName: string
  cardNo: string
}

/** The roster's enrolment row, as far as the records need it. */
export interface EnrolmentFacts {
  id: string
  contractNo: string | null
  safetyTrained: boolean
  entryDate: WorkDate
  exitDate: WorkDate | null
  /** Exits a return (再次进场) followed, each with its return (src/roster/spells.ts); absent: none. */
  breaks?: readonly EnrolmentBreak[]
}

function party(project: ProjectContext, employer: Employer): ProjectParty {
  return { ProjectCode: project.projectCode, CorpCode: employer.creditCode, CorpName: employer.name }
}

function withOptional<T extends object>(record: T, extra: Record<string, string | null | undefined>): T {
  const out: Record<string, unknown> = { ...(record as Record<string, unknown>) }
  for (const [k, v] of Object.entries(extra)) if (v !== null && v !== undefined && v !== '') out[k] = v
  return out as T
}

export function teamMasterRecord(
  project: ProjectContext,
  employer: Employer,
  team: TeamFacts,
  leader?: { name: string; idNumber: string } | null,
): RecordOf<'TeamMaster'> {
  const base: TeamMasterRecord = { ...party(project, employer), TeamName: team.name, EntryTime: dateOf(team.createdAtMs, project.timeZone) }
  const payload = leader
    ? { ...base, TeamLeaderName: leader.name, TeamLeaderIDCardType: ID_CARD_TYPE_RESIDENT, TeamLeaderIDCardNumber: leader.idNumber }
    : base
  return { kind: 'TeamMaster', key: `team:${team.id}`, payload }
}

export function projectWorkerRecord(
  project: ProjectContext,
  employer: Employer,
  team: Pick<TeamFacts, 'name'>,
  worker: WorkerFacts,
  enrolment: EnrolmentFacts,
  isTeamLeader = false,
): RecordOf<'ProjectWorker'> {
  const payload = withOptional<ProjectWorkerRecord>(
    {
      ...party(project, employer),
      TeamName: team.name,
      WorkerName: worker.name,
      IDCardType: idCardTypeOf(worker.idType),
      IDCardNumber: worker.idNumber,
      Gender: worker.gender === 'male' ? '1' : '2',
      BirthDate: worker.birthDate,
      IsTeamLeader: isTeamLeader ? 1 : 0,
      HasContract: enrolment.contractNo ? 1 : 0,
      HasSafetyTraining: enrolment.safetyTrained ? 1 : 0,
      PayRollBankCardNumber: worker.cardNo,
      PayRollBankName: worker.bankName,
      EntryTime: enrolment.entryDate,
    },
    {
      Nation: worker.ethnicity,
      Address: worker.address,
      CellPhone: worker.phone,
      WorkTypeName: worker.trade,
      ContractCode: enrolment.contractNo,
      ExitTime: enrolment.exitDate,
    },
  )
  return { kind: 'ProjectWorker', key: `worker:${enrolment.id}`, payload }
}

/**
 * The key a worker's record goes under, given the newest held revision of each key (the outbox's): the platform checks
 * payouts against the card it holds and an accepted record is never overwritten, so a card changed (换卡) after the
 * newest record was accepted goes out as a new record, `worker:{enrolment}:card:{n}`. Anything else (a refusal to fix,
 * a record still in flight, another field changed) stays under the newest key, where the outbox's rules apply.
 */
export function projectWorkerKey(record: RecordOf<'ProjectWorker'>, held: ReadonlyMap<string, { state: string; payload: string }>): RecordOf<'ProjectWorker'> {
  const keyOf = (n: number): string => (n === 0 ? record.key : `${record.key}:card:${n}`)
  let n = 0
  while (held.has(keyOf(n + 1))) n++
  const newest = held.get(keyOf(n))
  if (newest?.state === 'accepted') {
    const accepted = JSON.parse(newest.payload) as Partial<ProjectWorkerRecord>
    if (accepted.PayRollBankCardNumber !== record.payload.PayRollBankCardNumber || accepted.PayRollBankName !== record.payload.PayRollBankName) n++
  }
  return { ...record, key: keyOf(n) }
}

/**
 * The enrolment's entry (0), and its exit (1) once it has one: each its own record under its own key, so an exit
 * recorded later is a new record and the entry already sent is never sent again. A worker who left and came back
 * (再次进场) has each spell's: the entry, the exit a return followed, the return as an entry of its own, and so on, in
 * the order they happened.
 */
export function entryExitRecords(
  project: ProjectContext,
  employer: Employer,
  team: Pick<TeamFacts, 'name'>,
  worker: Pick<WorkerFacts, 'idType' | 'idNumber'>,
  enrolment: Pick<EnrolmentFacts, 'id' | 'entryDate' | 'exitDate' | 'breaks'>,
): Array<RecordOf<'EntryExitHistory'>> {
  const one = (date: WorkDate, type: EntryExitType): RecordOf<'EntryExitHistory'> => ({
    kind: 'EntryExitHistory',
    key: `${type === 0 ? 'entry' : 'exit'}:${enrolment.id}:${date}`,
    payload: {
      ...party(project, employer),
      TeamName: team.name,
      IDCardType: idCardTypeOf(worker.idType),
      IDCardNumber: worker.idNumber,
      Date: date,
      Type: type,
    },
  })
  const out: Array<RecordOf<'EntryExitHistory'>> = []
  for (const spell of spellsOf(enrolment)) {
    out.push(one(spell.entryDate, 0))
    if (spell.exitDate !== null) out.push(one(spell.exitDate, 1))
  }
  return out
}

/**
 * A punch as the platform takes it: from a device (its serial the channel, DataResource 0) or added by a labour
 * manager's correction (channel `manual`, DataResource 1). The direction is the one settled: the device's, or for a
 * single terminal that cannot tell, the one the timesheet rules gave it by order.
 */
export type AttendanceSource =
  | { kind: 'device'; punchId: number; deviceSerial: string; channel: Channel; atMs: number; direction: 'in' | 'out' }
  | { kind: 'correction'; correctionId: string; atMs: number; direction: 'in' | 'out' }

export const MANUAL_CHECK_CHANNEL = 'manual'

export function workerAttendanceRecord(
  project: Pick<ProjectContext, 'projectCode' | 'timeZone'>,
  team: Pick<TeamFacts, 'name'>,
  worker: Pick<WorkerFacts, 'idType' | 'idNumber'>,
  source: AttendanceSource,
): RecordOf<'WorkerAttendance'> {
  const manual = source.kind === 'correction' || source.channel === 'manual'
  return {
    kind: 'WorkerAttendance',
    key: source.kind === 'device' ? `punch:${source.punchId}` : `correction:${source.correctionId}`,
    payload: {
      ProjectCode: project.projectCode,
      TeamName: team.name,
      IDCardType: idCardTypeOf(worker.idType),
      IDCardNumber: worker.idNumber,
      CheckTime: wallTimeOf(source.atMs, project.timeZone),
      Direction: source.direction === 'in' ? '01' : '02',
      CheckChannel: source.kind === 'device' ? source.deviceSerial : MANUAL_CHECK_CHANNEL,
      DataResource: manual ? 1 : 0,
    },
  }
}

/**
 * The punches of a worker-day worth reporting, from the timesheet's view of the day: every punch the rules kept or
 * saw as a real repeat, with the direction the device gave or the rules settled. Left out: punches a correction voided,
 * clocks not believed (until a manager accepts them), punches outside the enrolment (the platform does not know the
 * worker on the project then), and a punch whose direction nobody could tell.
 */
export function attendanceSources(punches: readonly DayPunch[], deviceOf: (punchId: number) => { serial: string; channel: Channel } | undefined): AttendanceSource[] {
  const out: AttendanceSource[] = []
  for (const p of punches) {
    if (p.reason === 'voided' || p.reason === 'clock_suspect' || p.reason === 'before_entry' || p.reason === 'after_exit') continue
    const direction = p.direction ?? (p.deviceDirection === 'unknown' ? null : p.deviceDirection)
    if (direction === null) continue
    if (p.punchId !== null) {
      const device = deviceOf(p.punchId)
      if (!device) continue
      out.push({ kind: 'device', punchId: p.punchId, deviceSerial: device.serial, channel: device.channel, atMs: p.atMs, direction })
    } else if (p.correctionId !== null) {
      out.push({ kind: 'correction', correctionId: p.correctionId, atMs: p.atMs, direction })
    }
  }
  return out
}

/**
 * The sheet's state as the platform's payroll status: submitted by the subcontractor (2), approved by the general
 * contractor (3, also once instructed to the bank), settled — every line paid (50). Drafts, sheets still with the
 * workers, superseded and withdrawn ones are not reported: null.
 */
export function payRollStatusOf(state: SheetState): PayRollStatus | null {
  switch (state) {
    case 'submitted':
      return 2
    case 'approved':
    case 'instructed':
      return 3
    case 'settled':
      return 50
    case 'draft':
    case 'sent':
    case 'superseded':
    case 'withdrawn':
      return null
  }
}

export interface PayRollSheet {
  sheetId: string
  version: number
  state: SheetState
  period: Month
  teamName: string
  /** The subcontractor's 6-digit number (its number on the platform) and this sheet's sequence among its sheets of the month. */
  subcontractorNo: string
  sequence: number
  workerCount: number
  payableFen: Fen
  netFen: Fen
  /** Times a return (退票) took the sheet from settled back to instructed; absent, none. */
  reopenings?: number
}

/**
 * One team-month's sheet. The key carries the sheet's version and status: a new version (a change after approval) or
 * a later status is a new record the platform takes as the newer one, never an overwrite of what it accepted.
 *
 * A settled sheet a payment of which came back (退票) is instructed again. The standard has no status for a payroll
 * paid in part or returned (2, 3, 50 only), so it goes out as 3 (re-checked, not yet paid out) under a key of its
 * round (`payroll:{sheet}:3:1`), and 50 again, once paid again, as `payroll:{sheet}:50:1`: the same status a second
 * time is news, not the record the platform holds (as PayRollDetail's setbacks). Its lines say which worker (PayStatus
 * 30 or 40).
 */
export function payRollRecord(project: ProjectContext, employer: Employer, sheet: PayRollSheet): RecordOf<'PayRoll'> | null {
  const status = payRollStatusOf(sheet.state)
  if (status === null) return null
  return {
    kind: 'PayRoll',
    key: (sheet.reopenings ?? 0) === 0 ? `payroll:${sheet.sheetId}:${status}` : `payroll:${sheet.sheetId}:${status}:${sheet.reopenings}`,
    payload: {
      ...party(project, employer),
      PayRollCode: payRollCode(sheet.subcontractorNo, sheet.period, sheet.sequence),
      TeamName: sheet.teamName,
      PayMonth: sheet.period,
      Status: status,
      WorkerCount: sheet.workerCount,
      TotalPayAmount: yuanOf(sheet.payableFen),
      ActualAmount: yuanOf(sheet.netFen),
    },
  }
}

/** What the bank's result files say of a line so far (src/payouts): nothing yet, pending, booked, rejected, returned. */
export type PaymentState = 'none' | 'pending' | 'success' | 'failed' | 'returned'

/** A failed or returned payment is retrying (40) while a newer instruction for it is out; failed (30) otherwise. */
export function payStatusOf(state: PaymentState, retrying: boolean): PayStatus {
  switch (state) {
    case 'none':
    case 'pending':
      return 0
    case 'success':
      return 20
    case 'failed':
    case 'returned':
      return retrying ? 40 : 30
  }
}

export interface PayRollDetailInput {
  payRollCode: string
  line: Pick<ApprovedLine, 'lineId' | 'workerName' | 'cardNo' | 'netFen' | 'payableFen' | 'dayHalves'>
  worker: Pick<WorkerFacts, 'idType' | 'idNumber' | 'bankName'>
  workedMinutes: number
  /** The dedicated account the bank pays from. */
  account: { accountNo: string; bank: string }
  /** `setbacks`: the payment's lines that failed or came back so far, each a new round of statuses (none: 0). */
  payment: { state: PaymentState; retrying: boolean; valueDate: WorkDate | null; setbacks?: number }
  /** The month's pay date (the project's pay day), BalanceDate while the line is not paid. */
  payDate: WorkDate
  cumulativePaidFen: Fen
  cumulativeSettledFen: Fen
}

/**
 * One line. The key carries its PayStatus and, after the first setback, the number of setbacks: a payment that fails
 * and is paid on retry is reported at each step, and paid, returned, paid again is reported paid again (the same
 * status a second time is a new round, not the record the platform holds).
 */
export function payRollDetailRecord(input: PayRollDetailInput): RecordOf<'PayRollDetail'> {
  const status = payStatusOf(input.payment.state, input.payment.retrying)
  const balanceDate = status === 20 && input.payment.valueDate !== null ? input.payment.valueDate : input.payDate
  if (!isWorkDate(balanceDate)) throw new RangeError(`not a date: ${balanceDate}`)
  return {
    kind: 'PayRollDetail',
    key: (input.payment.setbacks ?? 0) === 0 ? `payline:${input.line.lineId}:${status}` : `payline:${input.line.lineId}:${status}:${input.payment.setbacks}`,
    payload: {
      PayRollCode: input.payRollCode,
      WorkerName: input.line.workerName,
      IDCardType: idCardTypeOf(input.worker.idType),
      IDCardNumber: input.worker.idNumber,
      Days: daysOf(input.line.dayHalves),
      WorkHours: hoursOf(input.workedMinutes),
      TotalPayAmount: yuanOf(input.line.payableFen),
      ActualAmount: yuanOf(input.line.netFen),
      BalanceDate: balanceDate,
      PayRollBankCardNumber: input.line.cardNo,
      PayRollBankName: input.worker.bankName,
      PayBankCardNumber: input.account.accountNo,
      PayBankName: input.account.bank,
      CumulativePaidAmount: yuanOf(input.cumulativePaidFen),
      CumulativeSettledAmount: yuanOf(input.cumulativeSettledFen),
      PayStatus: status,
    },
  }
}

function dateOf(instantMs: number, timeZone: string): WorkDate {
  return wallTimeOf(instantMs, timeZone).slice(0, 10)
}
