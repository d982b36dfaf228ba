/** PostgreSQL twin of src/db/schema/punches.ts (which says what each table and index is for). */
import { bigint, customType, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import type { Channel, Direction, VerifyMethod } from '../../punches/canonical.ts'
import type { ClockSuspect } from '../../timesheets/rules.ts'
import type { RejectedSource } from '../schema/punches.ts'
import { devices, enrolments, projects, workers } from './roster.ts'

/** pg-core has no bytea column; node-postgres reads and writes it as a Buffer, as better-sqlite3 does a blob. */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => 'bytea',
})

export const punches = pgTable(
  'punches',
  {
    // Generated always: an increasing id, as SQLite's AUTOINCREMENT, read back through RETURNING.
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    projectId: text('project_id').notNull().references(() => projects.id),
    deviceId: text('device_id').notNull().references(() => devices.id),
    recordId: text('record_id').notNull(),
    workerId: text('worker_id').notNull().references(() => workers.id),
    enrolmentId: text('enrolment_id').notNull().references(() => enrolments.id),
    deviceTimeMs: bigint('device_time_ms', { mode: 'number' }).notNull(),
    receivedAtMs: bigint('received_at_ms', { mode: 'number' }).notNull(),
    workDate: text('work_date').notNull(),
    direction: text('direction').$type<Direction>().notNull(),
    verifyMethod: text('verify_method').$type<VerifyMethod>().notNull(),
    channel: text('channel').$type<Channel>().notNull(),
    clockSuspect: text('clock_suspect').$type<ClockSuspect>(),
  },
  (t) => [
    uniqueIndex('punches_device_record').on(t.deviceId, t.recordId),
    index('punches_project_date_worker').on(t.projectId, t.workDate, t.workerId),
    index('punches_project_received').on(t.projectId, t.receivedAtMs),
  ],
)

export const rejectedInputs = pgTable(
  'rejected_inputs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    source: text('source').$type<RejectedSource>().notNull(),
    channel: text('channel').notNull(),
    sender: text('sender'),
    projectId: text('project_id'),
    deviceSerial: text('device_serial'),
    recordId: text('record_id'),
    reason: text('reason').notNull(),
    detail: text('detail').notNull(),
    payloadBytes: integer('payload_bytes').notNull(),
    receivedAtMs: bigint('received_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [
    // The same columns as on SQLite, where every index ends with the rowid (id) too; here they do not, so a listing
    // of one reason newest first sorts that reason's rows instead of reading the index backwards.
    index('rejected_project').on(t.projectId, t.id),
    index('rejected_reason').on(t.reason),
    index('rejected_project_reason').on(t.projectId, t.reason),
    index('rejected_project_received_reason').on(t.projectId, t.receivedAtMs, t.reason),
  ],
)

export const rejectedPayloads = pgTable('rejected_payloads', {
  rejectedId: bigint('rejected_id', { mode: 'number' })
    .primaryKey()
    .references(() => rejectedInputs.id),
  payload: bytea('payload').notNull(),
})

export const rejectedInputRetries = pgTable(
  'rejected_input_retries',
  {
    id: text('id').primaryKey(),
    rejectedId: bigint('rejected_id', { mode: 'number' })
      .notNull()
      .references(() => rejectedInputs.id),
    outcome: text('outcome').$type<'stored' | 'duplicate' | 'rejected'>().notNull(),
    refusedReason: text('refused_reason'),
    refusedDetail: text('refused_detail'),
    reason: text('reason').notNull(),
    actor: text('actor').notNull(),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('rejected_input_retries_rejected').on(t.rejectedId)],
)

export const duplicateCounts = pgTable(
  'duplicate_counts',
  {
    deviceId: text('device_id').notNull().references(() => devices.id),
    receivedDate: text('received_date').notNull(),
    // A counter that only grows.
    count: bigint('count', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('duplicate_counts_device_date').on(t.deviceId, t.receivedDate)],
)
