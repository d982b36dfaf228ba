/**
 * The upstream outbox (上报队列): one row per record the real-name platform is to receive (src/upstream/records.ts),
 * written in the transaction that creates what it reports, and the append-only log of every attempt to send it.
 * src/upstream/outbox.ts says how a row moves (queued → sending → sent → accepted or refused) and why the row itself
 * changes while the attempts never do: the row is the queue's state, the attempts are the history.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import type { OutboxState, AttemptAction, AttemptOutcome } from '../../upstream/outbox.ts'
import type { RecordKind } from '../../upstream/records.ts'
import { projects } from './roster.ts'

export const upstreamRecords = sqliteTable(
  'upstream_records',
  {
    /** Increasing: the order records are sent in, per project and kind (so per worker). */
    id: integer('id').primaryKey({ autoIncrement: true }),
    projectId: text('project_id').notNull().references(() => projects.id),
    kind: text('kind').$type<RecordKind>().notNull(),
    /** The kind's place in the platform's order (teams before workers before attendance before payroll). */
    kindRank: integer('kind_rank').notNull(),
    /** The record's key (records.ts): with the revision, the idempotency key of the enqueue. */
    key: text('key').notNull(),
    /** 1, then one more for each fix of a refused record resent under the same key. */
    revision: integer('revision').notNull(),
    /** The record in the standard's shape, in clear (JSON): encrypted only on the way out. */
    payload: text('payload').notNull(),
    state: text('state').$type<OutboxState>().notNull(),
    /** Calls that tried to send it. */
    attempts: integer('attempts').notNull(),
    /** When it may be sent (queued) or its result asked for (sent) next. */
    nextAttemptAtMs: integer('next_attempt_at_ms').notNull(),
    /** The batch that holds it while sending: the claim's token; and when that batch was claimed (kept while the platform holds it). */
    claimedBy: text('claimed_by'),
    claimedAtMs: integer('claimed_at_ms'),
    /** The platform's request serial code of the batch that carried it, and its place in that batch's dataList. */
    requestSerialCode: text('request_serial_code'),
    batchIndex: integer('batch_index'),
    /** The platform's reason when refused; the last call's error while it is retried. */
    reason: text('reason'),
    /** The platform's deadline for it (a day's attendance: 24:00 of that day in the project's zone), if any. */
    dueByMs: integer('due_by_ms'),
    createdAtMs: integer('created_at_ms').notNull(),
    /** When it was accepted or refused. */
    settledAtMs: integer('settled_at_ms'),
  },
  (t) => [
    uniqueIndex('upstream_records_kind_key_revision').on(t.kind, t.key, t.revision),
    // The lanes' heads and a lane's next batch: the unsettled rows of a project and kind, oldest first.
    index('upstream_records_state_project_kind').on(t.state, t.projectId, t.kindRank, t.id),
    index('upstream_records_serial').on(t.requestSerialCode),
  ],
)

/** Every call about a record, as it ended: append-only. */
export const upstreamAttempts = sqliteTable(
  'upstream_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    recordId: integer('record_id')
      .notNull()
      .references(() => upstreamRecords.id),
    /** add: the batch was sent; result: the platform's verdict was read. */
    action: text('action').$type<AttemptAction>().notNull(),
    outcome: text('outcome').$type<AttemptOutcome>().notNull(),
    atMs: integer('at_ms').notNull(),
    requestSerialCode: text('request_serial_code'),
    /** The platform's answer code when it answered with one. */
    code: integer('code'),
    detail: text('detail'),
  },
  (t) => [index('upstream_attempts_record').on(t.recordId, t.id)],
)
