/** PostgreSQL twin of src/db/schema/ops.ts (which says what the table is for). */
import { bigint, integer, pgTable, text } from 'drizzle-orm/pg-core'

export const serviceHeartbeats = pgTable('service_heartbeats', {
  instance: text('instance').primaryKey(),
  startedAtMs: bigint('started_at_ms', { mode: 'number' }).notNull(),
  beatAtMs: bigint('beat_at_ms', { mode: 'number' }).notNull(),
})

/** PostgreSQL twin of instance_leases in src/db/schema/ops.ts. */
export const instanceLeases = pgTable('instance_leases', {
  instance: text('instance').primaryKey(),
  holder: text('holder').notNull(),
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  acquiredAtMs: bigint('acquired_at_ms', { mode: 'number' }).notNull(),
  renewedAtMs: bigint('renewed_at_ms', { mode: 'number' }).notNull(),
  beats: bigint('beats', { mode: 'number' }).notNull().default(0),
})
