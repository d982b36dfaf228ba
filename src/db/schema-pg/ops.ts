/** PostgreSQL twin of src/db/schema/ops.ts (which says what the table is for). */
import { bigint, pgTable, text } from 'drizzle-orm/pg-core'

export const serviceHeartbeats = pgTable('service_heartbeats', {
  instance: text('instance').primaryKey(),
  startedAtMs: bigint('started_at_ms', { mode: 'number' }).notNull(),
  beatAtMs: bigint('beat_at_ms', { mode: 'number' }).notNull(),
})
