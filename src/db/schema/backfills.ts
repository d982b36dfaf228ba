/**
 * Backfills (补传): the service asking a device to send again the records of a gap it found, or of a window a person
 * named (src/punches/backfill.ts). The request is a row that never changes; what happened to it — handed out to the
 * device, answered, filled, expired — is appended as events, at most one of each type, so that any instance can hand
 * a command out or record its answer and two instances never do it twice.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { devices, projects } from './roster.ts'

export const deviceBackfills = sqliteTable(
  'device_backfills',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    deviceId: text('device_id').notNull().references(() => devices.id),
    deviceSerial: text('device_serial').notNull(),
    /** The number the device knows the command by (ADMS `C:<commandNo>:…`, the MQTT backfill's id), from 1 per device. */
    commandNo: integer('command_no').notNull(),
    /** adms_data_query, isapi_search or mqtt_backfill: how the device is asked (src/punches/backfill.ts). */
    kind: text('kind').notNull(),
    /** What is asked for (`records:101-105`, `window:FROM_MS-TO_MS`): with attempt, one request per gap and try. */
    gapKey: text('gap_key').notNull(),
    /** 1 for the first request of a gap; the next only once the one before expired. */
    attempt: integer('attempt').notNull(),
    /** The missing record numbers, for a gap in a numbered sequence; null for a window alone. */
    recordFrom: integer('record_from'),
    recordTo: integer('record_to'),
    /** The device-time window asked for, UTC [from, to]. */
    windowFromMs: integer('window_from_ms').notNull(),
    windowToMs: integer('window_to_ms').notNull(),
    /** What the device is handed, exactly (the ADMS command line, or the MQTT message). */
    command: text('command').notNull(),
    /** `gap-watch`, or the person (login or key as the access log names it) who asked. */
    requestedBy: text('requested_by').notNull(),
    requestedAtMs: integer('requested_at_ms').notNull(),
    /** Not filled by then: expired (and the watch may ask again). */
    expiresAtMs: integer('expires_at_ms').notNull(),
  },
  (t) => [
    uniqueIndex('device_backfills_device_command').on(t.deviceId, t.commandNo),
    uniqueIndex('device_backfills_gap_attempt').on(t.deviceId, t.gapKey, t.attempt),
    index('device_backfills_project').on(t.projectId, t.requestedAtMs),
  ],
)

export const deviceBackfillEvents = sqliteTable(
  'device_backfill_events',
  {
    id: text('id').primaryKey(),
    backfillId: text('backfill_id').notNull().references(() => deviceBackfills.id),
    /** handed_out, answered, filled or expired; filled and expired close the request. */
    type: text('type').notNull(),
    /** The device's return code (ADMS `Return=`; 0 is success), for answered. */
    returnCode: integer('return_code'),
    detail: text('detail'),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [uniqueIndex('device_backfill_events_type').on(t.backfillId, t.type)],
)
