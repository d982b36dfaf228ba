/**
 * Operational state, not ledger history: one row per service instance, written
 * by the readiness probe. A write proves the database takes writes (a lock
 * check alone passes on a full disk), and the rows show which instances are
 * alive. Rows are overwritten in place; nothing of the ledger is here.
 */
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export const serviceHeartbeats = sqliteTable('service_heartbeats', {
  instance: text().primaryKey(),
  startedAtMs: integer().notNull(),
  beatAtMs: integer().notNull(),
})

/**
 * Who runs under each instance name (MQTT_INSTANCE) now: one process per name, so that two never take each other's
 * broker sessions over (src/ops/instance-lease.ts). Overwritten in place, removed at a clean stop.
 */
export const instanceLeases = sqliteTable('instance_leases', {
  /** `MQTT_GROUP/MQTT_INSTANCE`. */
  instance: text().primaryKey(),
  /** The holding process's claim, new at each start. */
  holder: text().notNull(),
  host: text().notNull(),
  pid: integer().notNull(),
  acquiredAtMs: integer().notNull(),
  renewedAtMs: integer().notNull(),
  /** Renewals so far: a process watching the lease sees it move while the holder lives. */
  beats: integer().notNull().default(0),
})
