/**
 * Case notifications (通知): webhook endpoints, the outbox of deliveries and the delivery log, all append-only. An
 * endpoint is disabled by a row of its own; a delivery's state is its newest attempt (a claim, then its result).
 * src/flags/webhook-service.ts says how they are used.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { projects } from './roster.ts'

export const webhookEndpoints = sqliteTable('webhook_endpoints', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  /**
   * The HMAC key, kept as given: it must be usable to sign, so it cannot be hashed. Not encrypted at rest: whoever
   * reads the database reads it (as they read every worker's card).
   */
  secret: text('secret').notNull(),
  /** The project whose cases it receives; null: every project. */
  projectId: text('project_id').references(() => projects.id),
  createdBy: text('created_by').notNull(),
  createdAtMs: integer('created_at_ms').notNull(),
})

/** An endpoint disabled: once, for good (register another to resume). */
export const webhookEndpointDisablements = sqliteTable('webhook_endpoint_disablements', {
  endpointId: text('endpoint_id')
    .primaryKey()
    .references(() => webhookEndpoints.id),
  disabledBy: text('disabled_by').notNull(),
  disabledAtMs: integer('disabled_at_ms').notNull(),
})

/** The outbox: one row per notified case event and endpoint, written in the transaction that appended the event. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id),
    /** The case event's id (flag_case_events.id): the payload's id, which receivers deduplicate on. */
    eventId: text('event_id').notNull(),
    projectId: text('project_id').notNull(),
    /** case.opened, case.escalated, case.reopened. */
    type: text('type').notNull(),
    /** The exact bytes sent (JSON), fixed when the event happened: every attempt sends them again, freshly signed. */
    body: text('body').notNull(),
    /** When it was queued: the first attempt is due then, and the give-up age counts from it. */
    createdAtMs: integer('created_at_ms').notNull(),
  },
  (t) => [uniqueIndex('webhook_deliveries_endpoint_event').on(t.endpointId, t.eventId), index('webhook_deliveries_created').on(t.createdAtMs)],
)

/**
 * An attempt taken: inserted before the request is sent. The unique (delivery, attempt) is the lock between
 * instances: of two inserting the same attempt, one inserts nothing and leaves it to the other.
 */
export const webhookAttempts = sqliteTable(
  'webhook_attempts',
  {
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id),
    /** 1 for the first delivery. */
    attempt: integer('attempt').notNull(),
    claimedBy: text('claimed_by').notNull(),
    startedAtMs: integer('started_at_ms').notNull(),
  },
  (t) => [uniqueIndex('webhook_attempts_delivery_attempt').on(t.deliveryId, t.attempt)],
)

/** How an attempt ended: the delivery log. */
export const webhookAttemptResults = sqliteTable(
  'webhook_attempt_results',
  {
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id),
    attempt: integer('attempt').notNull(),
    finishedAtMs: integer('finished_at_ms').notNull(),
    /** The receiver's HTTP status, or null when there was no answer (see error). */
    statusCode: integer('status_code'),
    /** timeout or network, when there was no answer. */
    error: text('error'),
    /** delivered, retry, give_up. */
    outcome: text('outcome').notNull(),
    /** For a retry: when the next attempt is due. */
    nextAtMs: integer('next_at_ms'),
    /** For give_up: gone (410), attempts_exhausted, too_old. */
    reason: text('reason'),
  },
  (t) => [uniqueIndex('webhook_attempt_results_delivery_attempt').on(t.deliveryId, t.attempt)],
)
