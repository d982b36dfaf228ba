/** PostgreSQL twin of src/db/schema/webhooks.ts (which says what the tables are for). */
import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { projects } from './roster.ts'

export const webhookEndpoints = pgTable('webhook_endpoints', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  secret: text('secret').notNull(),
  projectId: text('project_id').references(() => projects.id),
  createdBy: text('created_by').notNull(),
  createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
})

export const webhookEndpointDisablements = pgTable('webhook_endpoint_disablements', {
  endpointId: text('endpoint_id')
    .primaryKey()
    .references(() => webhookEndpoints.id),
  disabledBy: text('disabled_by').notNull(),
  disabledAtMs: bigint('disabled_at_ms', { mode: 'number' }).notNull(),
})

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id),
    eventId: text('event_id').notNull(),
    projectId: text('project_id').notNull(),
    type: text('type').notNull(),
    body: text('body').notNull(),
    createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('webhook_deliveries_endpoint_event').on(t.endpointId, t.eventId), index('webhook_deliveries_created').on(t.createdAtMs)],
)

export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id),
    attempt: integer('attempt').notNull(),
    claimedBy: text('claimed_by').notNull(),
    startedAtMs: bigint('started_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('webhook_attempts_delivery_attempt').on(t.deliveryId, t.attempt)],
)

export const webhookAttemptResults = pgTable(
  'webhook_attempt_results',
  {
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id),
    attempt: integer('attempt').notNull(),
    finishedAtMs: bigint('finished_at_ms', { mode: 'number' }).notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    outcome: text('outcome').notNull(),
    nextAtMs: bigint('next_at_ms', { mode: 'number' }),
    reason: text('reason'),
  },
  (t) => [uniqueIndex('webhook_attempt_results_delivery_attempt').on(t.deliveryId, t.attempt)],
)
