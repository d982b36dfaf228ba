/**
 * Raw punches (原始考勤记录) and everything that arrived but was not attendance.
 * Both tables are append-only: nothing here is ever updated or deleted.
 */
import { index, integer, sqliteTable, text, uniqueIndex, blob } from 'drizzle-orm/sqlite-core'
import type { Channel, Direction, VerifyMethod } from '../../punches/canonical.ts'
import type { ClockSuspect } from '../../timesheets/rules.ts'
import { devices, enrolments, projects, workers } from './roster.ts'

export const punches = sqliteTable(
  'punches',
  {
    /** Integer and increasing: inserts append to the B-tree. */
    id: integer('id').primaryKey({ autoIncrement: true }),
    projectId: text('project_id').notNull().references(() => projects.id),
    deviceId: text('device_id').notNull().references(() => devices.id),
    /** The device's record id: with deviceId, the idempotency key. */
    recordId: text('record_id').notNull(),
    workerId: text('worker_id').notNull().references(() => workers.id),
    enrolmentId: text('enrolment_id').notNull().references(() => enrolments.id),
    /** The device's claim of when (UTC). */
    deviceTimeMs: integer('device_time_ms').notNull(),
    /** When the service committed it (UTC, the service's clock). */
    receivedAtMs: integer('received_at_ms').notNull(),
    /** The work date the device time falls on in the project's zone, for indexing. */
    workDate: text('work_date').notNull(),
    direction: text('direction').$type<Direction>().notNull(),
    verifyMethod: text('verify_method').$type<VerifyMethod>().notNull(),
    channel: text('channel').$type<Channel>().notNull(),
    /** Set when the device clock is not believed: kept, but left out of the timesheet until a manager accepts it. */
    clockSuspect: text('clock_suspect').$type<ClockSuspect>(),
  },
  (t) => [
    uniqueIndex('punches_device_record').on(t.deviceId, t.recordId),
    // Date first: a day's inserts land in one small, hot block of the index (a worker-first index takes one page per
    // worker per commit, and halved ingest). The worker second: a worker's days are found by one seek per date,
    // without touching other workers' rows.
    index('punches_project_date_worker').on(t.projectId, t.workDate, t.workerId),
    // What arrived when: late punches into confirmed months and suspect clocks are flagged in the month they arrived,
    // and the sweep reads what arrived since it last ran. Receipt time only grows, so inserts append.
    index('punches_project_received').on(t.projectId, t.receivedAtMs),
  ],
)

export type RejectedSource = 'mqtt' | 'http'

/**
 * Inputs refused with a reason (拒收记录): kept with their raw bytes so a person can inspect and replay them. The bytes
 * are in rejected_payloads: listings and counts read this table only.
 */
export const rejectedInputs = sqliteTable(
  'rejected_inputs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    source: text('source').$type<RejectedSource>().notNull(),
    /** MQTT topic, or HTTP route. */
    channel: text('channel').notNull(),
    /** The MQTT client id or HTTP caller that sent it. */
    sender: text('sender'),
    projectId: text('project_id'),
    deviceSerial: text('device_serial'),
    recordId: text('record_id'),
    reason: text('reason').notNull(),
    detail: text('detail').notNull(),
    /** Bytes as received (after a face photo is cut out); at most rejected_payload_bytes_max of them are kept. */
    payloadBytes: integer('payload_bytes').notNull(),
    receivedAtMs: integer('received_at_ms').notNull(),
  },
  (t) => [
    index('rejected_project').on(t.projectId, t.id),
    // Listings by reason, and by project and reason, newest first: an index ends with the rowid, so either is one
    // seek read backwards, however many refusals of that reason other projects have.
    index('rejected_reason').on(t.reason),
    index('rejected_project_reason').on(t.projectId, t.reason),
    // A month's refusals by reason, counted from the index alone: a flood of one project's refusals in another month
    // is never read.
    index('rejected_project_received_reason').on(t.projectId, t.receivedAtMs, t.reason),
  ],
)

/**
 * The kept bytes of a rejected input, one row each, apart from its metadata. In the same row, every column after a
 * 64 KiB blob is read through the blob's overflow pages: a page of 200 listed inputs read 13 MB to show 80 KB.
 */
export const rejectedPayloads = sqliteTable('rejected_payloads', {
  rejectedId: integer('rejected_id')
    .primaryKey()
    .references(() => rejectedInputs.id),
  payload: blob('payload', { mode: 'buffer' }).notNull(),
})

/**
 * A refused input taken in again once what refused it was put right (a worker enrolled, a 考勤号 set, a device
 * registered), append-only: who asked, why, and what came of it — a punch stored, a duplicate of one stored, or
 * refused again, with the reason.
 */
export const rejectedInputRetries = sqliteTable(
  'rejected_input_retries',
  {
    id: text('id').primaryKey(),
    rejectedId: integer('rejected_id')
      .notNull()
      .references(() => rejectedInputs.id),
    outcome: text('outcome').$type<'stored' | 'duplicate' | 'rejected'>().notNull(),
    /** Refused again: the reason code and detail (the new refusal is kept as any is). */
    refusedReason: text('refused_reason'),
    refusedDetail: text('refused_detail'),
    reason: text('reason').notNull(),
    actor: text('actor').notNull(),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [index('rejected_input_retries_rejected').on(t.rejectedId)],
)

/**
 * Re-sends of a record already stored (重复上报): counted per device, not stored again.
 * One row per device and day keeps the counter from becoming a hot single row.
 */
export const duplicateCounts = sqliteTable(
  'duplicate_counts',
  {
    deviceId: text('device_id').notNull().references(() => devices.id),
    receivedDate: text('received_date').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [uniqueIndex('duplicate_counts_device_date').on(t.deviceId, t.receivedDate)],
)
