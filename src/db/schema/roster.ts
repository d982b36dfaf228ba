/**
 * The real-name roster (实名制花名册): organisations, projects, teams, workers,
 * enrolments and devices. Master data: it changes (a worker exits, a device
 * moves) but attendance and payouts that refer to it are never rewritten.
 */
import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import type { IncompleteDayPolicy } from '../../timesheets/policy.ts'
import type { EnrolmentBreak } from '../../roster/spells.ts'

export type OrganisationKind = 'construction_unit' | 'general_contractor' | 'subcontractor'

/** 建设单位 / 施工总承包 / 分包单位, identified by the unified social credit code (统一社会信用代码). */
export const organisations = sqliteTable('organisations', {
  id: text('id').primaryKey(),
  kind: text('kind').$type<OrganisationKind>().notNull(),
  name: text('name').notNull(),
  creditCode: text('credit_code').notNull().unique(),
  createdAtMs: integer('created_at_ms').notNull(),
})

/** A construction project (工程项目): one site, one dedicated wage account (农民工工资专用账户). */
export const projects = sqliteTable('projects', {
  id: text('id').primaryKey(),
  siteCode: text('site_code').notNull().unique(),
  name: text('name').notNull(),
  /** Administrative division code (行政区划代码) of the site, six digits. */
  regionCode: text('region_code').notNull(),
  timeZone: text('time_zone').notNull(),
  /** Wages for month M are due by this day of month M+1 (clamped to the month's end). */
  payDay: integer('pay_day').notNull(),
  constructionUnitId: text('construction_unit_id').notNull().references(() => organisations.id),
  generalContractorId: text('general_contractor_id').notNull().references(() => organisations.id),
  accountBank: text('account_bank').notNull(),
  /** The account bank's code (联行号, CNAPS, 12 digits): a bank's API key sees the projects whose code starts with its own. */
  accountBankCode: text('account_bank_code'),
  accountNo: text('account_no').notNull(),
  accountName: text('account_name').notNull(),
  // The attendance policy (考勤规则设置); defaults in timesheets/policy.ts.
  debounceMinutes: integer('debounce_minutes').notNull().default(2),
  maxShiftMinutes: integer('max_shift_minutes').notNull().default(960),
  incompleteDayPolicy: text('incomplete_day_policy').$type<IncompleteDayPolicy>().notNull().default('needs_review'),
  clockAheadMinutes: integer('clock_ahead_minutes').notNull().default(10),
  createdAtMs: integer('created_at_ms').notNull(),
})

/** A team (班组) of a subcontractor on a project. */
export const teams = sqliteTable(
  'teams',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    employerId: text('employer_id').notNull().references(() => organisations.id),
    name: text('name').notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
  },
  (t) => [uniqueIndex('teams_project_name').on(t.projectId, t.name)],
)

export type Gender = 'male' | 'female'

/** A worker's real-name record (实名信息), per 建市〔2019〕18号 Art. 11. One per person, across projects. */
export const workers = sqliteTable('workers', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  idType: text('id_type').$type<'resident_id'>().notNull(),
  idNumber: text('id_number').notNull().unique(),
  gender: text('gender').$type<Gender>().notNull(),
  birthDate: text('birth_date').notNull(),
  ethnicity: text('ethnicity'),
  address: text('address'),
  phone: text('phone'),
  /** 工种 */
  trade: text('trade'),
  /** The worker's own wage card (工资卡): bank name and card number. */
  bankName: text('bank_name').notNull(),
  cardNo: text('card_no').notNull(),
  createdAtMs: integer('created_at_ms').notNull(),
}, (t) => [index('workers_card_no').on(t.cardNo)])

/**
 * Each exit (退场) recorded for an enrolment, append-only: the enrolment holds the exit date in force (the newest);
 * these say who recorded which date when, and why an exit was dated before attendance the gates recorded.
 */
export const enrolmentExits = sqliteTable(
  'enrolment_exits',
  {
    id: text('id').primaryKey(),
    enrolmentId: text('enrolment_id').notNull().references(() => enrolments.id),
    exitDate: text('exit_date').notNull(),
    /** The last date the worker punched on the project after the exit date, when the exit was recorded despite it. */
    lastAttendedOn: text('last_attended_on'),
    reason: text('reason'),
    actor: text('actor').notNull(),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [index('enrolment_exits_enrolment').on(t.enrolmentId)],
)

/**
 * Each correction of an enrolment's entry date (进场日期 entered wrong), append-only: the enrolment holds the entry
 * date in force (the newest); these say who changed it from which date to which, when and why.
 */
export const enrolmentEntries = sqliteTable(
  'enrolment_entries',
  {
    id: text('id').primaryKey(),
    enrolmentId: text('enrolment_id').notNull().references(() => enrolments.id),
    entryDate: text('entry_date').notNull(),
    /** The entry date in force before this correction. */
    previousEntryDate: text('previous_entry_date').notNull(),
    reason: text('reason').notNull(),
    actor: text('actor').notNull(),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [index('enrolment_entries_enrolment').on(t.enrolmentId)],
)

/**
 * Each return (再次进场) of a worker who had exited the project, append-only: the worker comes back on the same
 * enrolment for a new spell. The enrolment holds the dates in force (its exit cleared, the break added to `breaks`);
 * these say which exit each return followed, who recorded it, when and why.
 */
export const enrolmentReturns = sqliteTable(
  'enrolment_returns',
  {
    id: text('id').primaryKey(),
    enrolmentId: text('enrolment_id').notNull().references(() => enrolments.id),
    returnDate: text('return_date').notNull(),
    /** The exit in force when the return was recorded: the end of the spell before it. */
    exitDate: text('exit_date').notNull(),
    reason: text('reason'),
    actor: text('actor').notNull(),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [index('enrolment_returns_enrolment').on(t.enrolmentId)],
)

/**
 * Each correction of a break between two spells (再次进场 recorded with the wrong date, or the exit before it),
 * append-only: the enrolment holds the breaks in force; these say who changed which break from which dates to which,
 * when and why. The exit in force (the last spell's) is corrected as it is recorded, in `enrolment_exits`.
 */
export const enrolmentBreakCorrections = sqliteTable(
  'enrolment_break_corrections',
  {
    id: text('id').primaryKey(),
    enrolmentId: text('enrolment_id').notNull().references(() => enrolments.id),
    /** The break as corrected: the exit that ended the spell before, and the return that followed it. */
    exitDate: text('exit_date').notNull(),
    returnDate: text('return_date').notNull(),
    /** The break in force before this correction. */
    previousExitDate: text('previous_exit_date').notNull(),
    previousReturnDate: text('previous_return_date').notNull(),
    reason: text('reason').notNull(),
    actor: text('actor').notNull(),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [index('enrolment_break_corrections_enrolment').on(t.enrolmentId)],
)

/**
 * A change of the user id a worker is enrolled under on the site's devices (考勤号), append-only: an id typed wrong,
 * or none given at enrolment (faces are often enrolled on the terminals later). The enrolment holds the id in force;
 * these say who set it from which to which, when and why.
 */
export const enrolmentDeviceUsers = sqliteTable(
  'enrolment_device_users',
  {
    id: text('id').primaryKey(),
    enrolmentId: text('enrolment_id').notNull().references(() => enrolments.id),
    deviceUserId: text('device_user_id').notNull(),
    /** The id in force before this change; null when the enrolment had none. */
    previousDeviceUserId: text('previous_device_user_id'),
    reason: text('reason').notNull(),
    actor: text('actor').notNull(),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [index('enrolment_device_users_enrolment').on(t.enrolmentId)],
)

/**
 * A change of a worker's wage card (换卡: a card lost, closed or moved to another bank), append-only. The worker row
 * holds the card in use; each change keeps the card it replaced, so a payment made to a former card still belongs to
 * the worker, and who changed it, when and why. `seq` counts a worker's changes from 1: two changes made at once
 * cannot both follow the same card.
 */
export const workerCardChanges = sqliteTable(
  'worker_card_changes',
  {
    id: text('id').primaryKey(),
    workerId: text('worker_id').notNull().references(() => workers.id),
    seq: integer('seq').notNull(),
    previousBankName: text('previous_bank_name').notNull(),
    previousCardNo: text('previous_card_no').notNull(),
    bankName: text('bank_name').notNull(),
    cardNo: text('card_no').notNull(),
    reason: text('reason').notNull(),
    actor: text('actor').notNull(),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [uniqueIndex('worker_card_changes_worker_seq').on(t.workerId, t.seq), index('worker_card_changes_previous_card').on(t.previousCardNo)],
)

/** Enrolment (进场登记) of a worker on a project: team, wage terms, entry and exit (进退场) dates. */
export const enrolments = sqliteTable(
  'enrolments',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    workerId: text('worker_id').notNull().references(() => workers.id),
    teamId: text('team_id').notNull().references(() => teams.id),
    /** The user id the worker is enrolled under on this site's face terminals and gates. */
    deviceUserId: text('device_user_id'),
    dailyRateFen: integer('daily_rate_fen').notNull(),
    /** Labour contract (劳动合同) number, or written work agreement. */
    contractNo: text('contract_no'),
    safetyTrained: integer('safety_trained', { mode: 'boolean' }).notNull(),
    /** The first entry date (进场): a return starts a new spell without changing it. */
    entryDate: text('entry_date').notNull(),
    /** The exit in force of the last spell; null while the worker is on site. */
    exitDate: text('exit_date'),
    /**
     * The breaks between spells, oldest first (src/roster/spells.ts): each exit a return followed, with that return.
     * JSON text on both engines; `[]` for a worker who never left and came back.
     */
    breaks: text('breaks', { mode: 'json' }).$type<EnrolmentBreak[]>().notNull().default(sql`'[]'`),
    createdAtMs: integer('created_at_ms').notNull(),
  },
  (t) => [
    uniqueIndex('enrolments_project_worker').on(t.projectId, t.workerId),
    uniqueIndex('enrolments_project_device_user').on(t.projectId, t.deviceUserId),
    // Covers the bureau overview's roster counts (src/oversight/repository.ts): on site, papers, months enrolled, per
    // project, read from the index alone; through the table they cost 5–10× as much on 100,000 workers.
    index('enrolments_project_dates').on(t.projectId, t.entryDate, t.exitDate, t.safetyTrained, t.contractNo),
  ],
)

/** A gate turnstile (闸机) or face terminal (人脸识别考勤机) installed on a project. */
export const devices = sqliteTable(
  'devices',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    serial: text('serial').notNull().unique(),
    model: text('model').notNull(),
    /** JSON object of model settings (e.g. lane directions). */
    settings: text('settings').notNull().default(sql`'{}'`),
    location: text('location'),
    installedAtMs: integer('installed_at_ms').notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
  },
  (t) => [index('devices_project').on(t.projectId)],
)

/**
 * Who the rights board (维权信息告示牌) names for the project, as the general contractor registered it: the labour
 * manager appointed to the site (劳资专管员) with the phone posted for workers, and the local complaint line (the
 * county's labour inspection brigade, 劳动保障监察). Append-only like the account register: a newer entry restates the
 * older (a new labour manager, a changed number) and the older stay as evidence of what the board said and when.
 */
export const projectContacts = sqliteTable(
  'project_contacts',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    labourManagerName: text('labour_manager_name').notNull(),
    labourManagerPhone: text('labour_manager_phone').notNull(),
    /** The local line's name as posted (e.g. 西湖区劳动保障监察大队); both null when none is registered. */
    localComplaintName: text('local_complaint_name'),
    localComplaintPhone: text('local_complaint_phone'),
    reason: text('reason').notNull(),
    recordedBy: text('recorded_by').notNull(),
    recordedAtMs: integer('recorded_at_ms').notNull(),
  },
  (t) => [index('project_contacts_project').on(t.projectId, t.recordedAtMs)],
)
