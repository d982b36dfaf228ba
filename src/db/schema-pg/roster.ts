/** PostgreSQL twin of src/db/schema/roster.ts (which says what each table is for). */
import { sql } from 'drizzle-orm'
import { bigint, boolean, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import type { IncompleteDayPolicy } from '../../timesheets/policy.ts'
import type { Gender, OrganisationKind } from '../schema/roster.ts'

export const organisations = pgTable('organisations', {
  id: text('id').primaryKey(),
  kind: text('kind').$type<OrganisationKind>().notNull(),
  name: text('name').notNull(),
  creditCode: text('credit_code').notNull().unique(),
  createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
})

export const projects = pgTable('projects', {
  id: text('id').primaryKey(),
  siteCode: text('site_code').notNull().unique(),
  name: text('name').notNull(),
  regionCode: text('region_code').notNull(),
  timeZone: text('time_zone').notNull(),
  payDay: integer('pay_day').notNull(),
  constructionUnitId: text('construction_unit_id').notNull().references(() => organisations.id),
  generalContractorId: text('general_contractor_id').notNull().references(() => organisations.id),
  accountBank: text('account_bank').notNull(),
  accountBankCode: text('account_bank_code'),
  accountNo: text('account_no').notNull(),
  accountName: text('account_name').notNull(),
  debounceMinutes: integer('debounce_minutes').notNull().default(2),
  maxShiftMinutes: integer('max_shift_minutes').notNull().default(960),
  incompleteDayPolicy: text('incomplete_day_policy').$type<IncompleteDayPolicy>().notNull().default('needs_review'),
  clockAheadMinutes: integer('clock_ahead_minutes').notNull().default(10),
  createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
})

export const teams = pgTable(
  'teams',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    employerId: text('employer_id').notNull().references(() => organisations.id),
    name: text('name').notNull(),
    createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('teams_project_name').on(t.projectId, t.name)],
)

export const workers = pgTable(
  'workers',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    idType: text('id_type').$type<'resident_id'>().notNull(),
    idNumber: text('id_number').notNull().unique(),
    gender: text('gender').$type<Gender>().notNull(),
    birthDate: text('birth_date').notNull(),
    ethnicity: text('ethnicity'),
    address: text('address'),
    phone: text('phone'),
    trade: text('trade'),
    bankName: text('bank_name').notNull(),
    cardNo: text('card_no').notNull(),
    createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('workers_card_no').on(t.cardNo)],
)

export const enrolmentReturns = pgTable(
  'enrolment_returns',
  {
    id: text('id').primaryKey(),
    enrolmentId: text('enrolment_id').notNull().references(() => enrolments.id),
    returnDate: text('return_date').notNull(),
    exitDate: text('exit_date').notNull(),
    reason: text('reason'),
    actor: text('actor').notNull(),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('enrolment_returns_enrolment').on(t.enrolmentId)],
)

export const enrolmentEntries = pgTable(
  'enrolment_entries',
  {
    id: text('id').primaryKey(),
    enrolmentId: text('enrolment_id').notNull().references(() => enrolments.id),
    entryDate: text('entry_date').notNull(),
    previousEntryDate: text('previous_entry_date').notNull(),
    reason: text('reason').notNull(),
    actor: text('actor').notNull(),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('enrolment_entries_enrolment').on(t.enrolmentId)],
)

export const enrolmentBreakCorrections = pgTable(
  'enrolment_break_corrections',
  {
    id: text('id').primaryKey(),
    enrolmentId: text('enrolment_id').notNull().references(() => enrolments.id),
    exitDate: text('exit_date').notNull(),
    returnDate: text('return_date').notNull(),
    previousExitDate: text('previous_exit_date').notNull(),
    previousReturnDate: text('previous_return_date').notNull(),
    reason: text('reason').notNull(),
    actor: text('actor').notNull(),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('enrolment_break_corrections_enrolment').on(t.enrolmentId)],
)

export const enrolmentDeviceUsers = pgTable(
  'enrolment_device_users',
  {
    id: text('id').primaryKey(),
    enrolmentId: text('enrolment_id').notNull().references(() => enrolments.id),
    deviceUserId: text('device_user_id').notNull(),
    previousDeviceUserId: text('previous_device_user_id'),
    reason: text('reason').notNull(),
    actor: text('actor').notNull(),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('enrolment_device_users_enrolment').on(t.enrolmentId)],
)

export const enrolmentExits = pgTable(
  'enrolment_exits',
  {
    id: text('id').primaryKey(),
    enrolmentId: text('enrolment_id').notNull().references(() => enrolments.id),
    exitDate: text('exit_date').notNull(),
    lastAttendedOn: text('last_attended_on'),
    reason: text('reason'),
    actor: text('actor').notNull(),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('enrolment_exits_enrolment').on(t.enrolmentId)],
)

export const workerCardChanges = pgTable(
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
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('worker_card_changes_worker_seq').on(t.workerId, t.seq), index('worker_card_changes_previous_card').on(t.previousCardNo)],
)

export const enrolments = pgTable(
  'enrolments',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    workerId: text('worker_id').notNull().references(() => workers.id),
    teamId: text('team_id').notNull().references(() => teams.id),
    deviceUserId: text('device_user_id'),
    dailyRateFen: bigint('daily_rate_fen', { mode: 'number' }).notNull(),
    contractNo: text('contract_no'),
    safetyTrained: boolean('safety_trained').notNull(),
    entryDate: text('entry_date').notNull(),
    exitDate: text('exit_date'),
    /** JSON text, as on SQLite (src/db/schema/roster.ts). */
    breaks: text('breaks').notNull().default(sql`'[]'`),
    createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [
    uniqueIndex('enrolments_project_worker').on(t.projectId, t.workerId),
    // NULLs stay distinct, as on SQLite: many enrolments without a device user on one project.
    uniqueIndex('enrolments_project_device_user').on(t.projectId, t.deviceUserId),
    // Covers the bureau overview's roster counts (src/oversight/repository.ts): on site, papers, months enrolled, per
    // project, read from the index alone; through the table they cost 5–10× as much on 100,000 workers.
    index('enrolments_project_dates').on(t.projectId, t.entryDate, t.exitDate, t.safetyTrained, t.contractNo),
  ],
)

export const devices = pgTable(
  'devices',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    serial: text('serial').notNull().unique(),
    model: text('model').notNull(),
    settings: text('settings').notNull().default(sql`'{}'`),
    location: text('location'),
    installedAtMs: bigint('installed_at_ms', { mode: 'number' }).notNull(),
    createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('devices_project').on(t.projectId)],
)

export const projectContacts = pgTable(
  'project_contacts',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    labourManagerName: text('labour_manager_name').notNull(),
    labourManagerPhone: text('labour_manager_phone').notNull(),
    localComplaintName: text('local_complaint_name'),
    localComplaintPhone: text('local_complaint_phone'),
    reason: text('reason').notNull(),
    recordedBy: text('recorded_by').notNull(),
    recordedAtMs: bigint('recorded_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('project_contacts_project').on(t.projectId, t.recordedAtMs)],
)
