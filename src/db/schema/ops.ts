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
