/** PostgreSQL twin of src/db/schema/backfills.ts (which says what the tables are for). */
import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { devices, projects } from './roster.ts'

export const deviceBackfills = pgTable(
  'device_backfills',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    deviceId: text('device_id').notNull().references(() => devices.id),
    deviceSerial: text('device_serial').notNull(),
    commandNo: integer('command_no').notNull(),
    kind: text('kind').notNull(),
    gapKey: text('gap_key').notNull(),
    attempt: integer('attempt').notNull(),
    recordFrom: bigint('record_from', { mode: 'number' }),
    recordTo: bigint('record_to', { mode: 'number' }),
    windowFromMs: bigint('window_from_ms', { mode: 'number' }).notNull(),
    windowToMs: bigint('window_to_ms', { mode: 'number' }).notNull(),
    command: text('command').notNull(),
    requestedBy: text('requested_by').notNull(),
    requestedAtMs: bigint('requested_at_ms', { mode: 'number' }).notNull(),
    expiresAtMs: bigint('expires_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [
    uniqueIndex('device_backfills_device_command').on(t.deviceId, t.commandNo),
    uniqueIndex('device_backfills_gap_attempt').on(t.deviceId, t.gapKey, t.attempt),
    index('device_backfills_project').on(t.projectId, t.requestedAtMs),
  ],
)

export const deviceBackfillEvents = pgTable(
  'device_backfill_events',
  {
    id: text('id').primaryKey(),
    backfillId: text('backfill_id').notNull().references(() => deviceBackfills.id),
    type: text('type').notNull(),
    returnCode: integer('return_code'),
    detail: text('detail'),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('device_backfill_events_type').on(t.backfillId, t.type)],
)
