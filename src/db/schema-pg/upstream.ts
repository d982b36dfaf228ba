/** PostgreSQL twin of src/db/schema/upstream.ts (which says what the tables are for). */
import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import type { OutboxState, AttemptAction, AttemptOutcome } from '../../upstream/outbox.ts'
import type { RecordKind } from '../../upstream/records.ts'
import { projects } from './roster.ts'

export const upstreamRecords = pgTable(
  'upstream_records',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    projectId: text('project_id').notNull().references(() => projects.id),
    kind: text('kind').$type<RecordKind>().notNull(),
    kindRank: integer('kind_rank').notNull(),
    key: text('key').notNull(),
    revision: integer('revision').notNull(),
    payload: text('payload').notNull(),
    state: text('state').$type<OutboxState>().notNull(),
    attempts: integer('attempts').notNull(),
    nextAttemptAtMs: bigint('next_attempt_at_ms', { mode: 'number' }).notNull(),
    claimedBy: text('claimed_by'),
    claimedAtMs: bigint('claimed_at_ms', { mode: 'number' }),
    requestSerialCode: text('request_serial_code'),
    batchIndex: integer('batch_index'),
    reason: text('reason'),
    dueByMs: bigint('due_by_ms', { mode: 'number' }),
    createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
    settledAtMs: bigint('settled_at_ms', { mode: 'number' }),
  },
  (t) => [
    uniqueIndex('upstream_records_kind_key_revision').on(t.kind, t.key, t.revision),
    index('upstream_records_state_project_kind').on(t.state, t.projectId, t.kindRank, t.id),
    index('upstream_records_serial').on(t.requestSerialCode),
  ],
)

export const upstreamAttempts = pgTable(
  'upstream_attempts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    recordId: bigint('record_id', { mode: 'number' })
      .notNull()
      .references(() => upstreamRecords.id),
    action: text('action').$type<AttemptAction>().notNull(),
    outcome: text('outcome').$type<AttemptOutcome>().notNull(),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
    requestSerialCode: text('request_serial_code'),
    code: integer('code'),
    detail: text('detail'),
  },
  (t) => [index('upstream_attempts_record').on(t.recordId, t.id)],
)
