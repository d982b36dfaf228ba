/**
 * Database access for case notifications (通知): endpoints, the outbox and the delivery log, every table append-only
 * (src/db/schema/webhooks.ts). A delivery's state is read, never stored: its newest attempt and that attempt's result.
 */
import { asc, eq, sql } from 'drizzle-orm'
import { q, type Database } from '../db/database.ts'
import { BulkInsert, insertInto, rowOf, selectFrom } from '../db/rows.ts'
import { webhookAttemptResults, webhookAttempts, webhookDeliveries, webhookEndpointDisablements, webhookEndpoints } from '../db/schema/index.ts'

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect
export type WebhookAttemptRow = typeof webhookAttempts.$inferSelect
export type WebhookAttemptResultRow = typeof webhookAttemptResults.$inferSelect

export interface EndpointWithState extends WebhookEndpointRow {
  disabledBy: string | null
  disabledAtMs: number | null
}

/** A delivery whose next attempt is due, with what sending it needs. */
export interface DueDelivery {
  id: string
  endpointId: string
  eventId: string
  body: string
  createdAtMs: number
  url: string
  secret: string
  /** The newest attempt taken, or null before the first. */
  lastAttempt: number | null
}

/** One attempt as the log shows it: taken, and how it ended (null: still in hand, or its instance died). */
export interface AttemptLogRow {
  deliveryId: string
  eventId: string
  type: string
  attempt: number
  startedAtMs: number
  finishedAtMs: number | null
  statusCode: number | null
  error: string | null
  outcome: string | null
  nextAtMs: number | null
  reason: string | null
}

const ENDPOINTS = `SELECT e.id AS "id", e.url AS "url", e.secret AS "secret", e.project_id AS "projectId", e.created_by AS "createdBy",
    e.created_at_ms AS "createdAtMs", x.disabled_by AS "disabledBy", x.disabled_at_ms AS "disabledAtMs"
  FROM webhook_endpoints e LEFT JOIN webhook_endpoint_disablements x ON x.endpoint_id = e.id`

const LIVE_ENDPOINTS_OF_PROJECT = `SELECT e.id AS "id", e.url AS "url", e.secret AS "secret", e.project_id AS "projectId", e.created_by AS "createdBy", e.created_at_ms AS "createdAtMs"
  FROM webhook_endpoints e
  WHERE (e.project_id = ? OR e.project_id IS NULL) AND NOT EXISTS (SELECT 1 FROM webhook_endpoint_disablements x WHERE x.endpoint_id = e.id)
  ORDER BY e.created_at_ms, e.id`

/**
 * Due, each endpoint's oldest first and the endpoints in turn (the first of each, then the second of each, …): an
 * endpoint that hangs, with a backlog of retries older than everyone's news, holds its share of a pass, not all of it,
 * so the others' webhooks go out every pass (they waited behind it for minutes to hours; found by review).
 *
 * Due: never tried and queued by now; or its newest attempt ended asking for a retry that is due; or its newest
 * attempt has no result long after it started (the instance that took it died mid-request). Only deliveries younger
 * than the give-up age are looked at, so the scan is bounded by a few days of events, not by the table.
 */
const DUE = `SELECT x."id", x."endpointId", x."eventId", x."body", x."createdAtMs", x."url", x."secret", x."lastAttempt" FROM (
  SELECT d.id AS "id", d.endpoint_id AS "endpointId", d.event_id AS "eventId", d.body AS "body", d.created_at_ms AS "createdAtMs",
    e.url AS "url", e.secret AS "secret", a.attempt AS "lastAttempt",
    ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.created_at_ms, d.id) AS "turn"
  FROM webhook_deliveries d
  JOIN webhook_endpoints e ON e.id = d.endpoint_id
  LEFT JOIN webhook_attempts a ON a.delivery_id = d.id AND a.attempt = (SELECT MAX(m.attempt) FROM webhook_attempts m WHERE m.delivery_id = d.id)
  LEFT JOIN webhook_attempt_results r ON r.delivery_id = a.delivery_id AND r.attempt = a.attempt
  WHERE d.created_at_ms >= ? AND d.created_at_ms <= ?
    AND NOT EXISTS (SELECT 1 FROM webhook_endpoint_disablements x WHERE x.endpoint_id = d.endpoint_id)
    AND ((a.attempt IS NULL) OR (r.outcome = 'retry' AND r.next_at_ms <= ?) OR (r.attempt IS NULL AND a.started_at_ms <= ?))
  ) x
  ORDER BY x."turn", x."createdAtMs", x."id"
  LIMIT ?`

const CLAIM = `INSERT INTO webhook_attempts (delivery_id, attempt, claimed_by, started_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT (delivery_id, attempt) DO NOTHING`

const LOG = `SELECT d.id AS "deliveryId", d.event_id AS "eventId", d.type AS "type", a.attempt AS "attempt", a.started_at_ms AS "startedAtMs",
    r.finished_at_ms AS "finishedAtMs", r.status_code AS "statusCode", r.error AS "error", r.outcome AS "outcome", r.next_at_ms AS "nextAtMs", r.reason AS "reason"
  FROM webhook_deliveries d
  JOIN webhook_attempts a ON a.delivery_id = d.id
  LEFT JOIN webhook_attempt_results r ON r.delivery_id = a.delivery_id AND r.attempt = a.attempt
  WHERE d.endpoint_id = ?
  ORDER BY d.created_at_ms, d.id, a.attempt`

export class WebhookRepository {
  private readonly deliveryInsert = new BulkInsert<WebhookDeliveryRow>(webhookDeliveries)

  constructor(private readonly db: Database) {}

  async insertEndpoint(row: WebhookEndpointRow): Promise<void> {
    await this.db.run(insertInto(webhookEndpoints, [row]))
  }

  async endpoint(id: string): Promise<EndpointWithState | undefined> {
    return this.db.get<EndpointWithState>(q(`${ENDPOINTS} WHERE e.id = ?`, id))
  }

  async endpoints(): Promise<EndpointWithState[]> {
    return this.db.all<EndpointWithState>(q(`${ENDPOINTS} ORDER BY e.created_at_ms, e.id`))
  }

  /** Disables an endpoint once: a second disabling keeps the first's who and when. */
  async disable(endpointId: string, by: string, atMs: number): Promise<void> {
    await this.db.run(sql`${insertInto(webhookEndpointDisablements, [{ endpointId, disabledBy: by, disabledAtMs: atMs }])} ON CONFLICT (endpoint_id) DO NOTHING`)
  }

  /** The endpoints that receive a project's cases now: its own and those of every project, not disabled. */
  async liveEndpointsOf(projectId: string): Promise<WebhookEndpointRow[]> {
    return this.db.all<WebhookEndpointRow>(q(LIVE_ENDPOINTS_OF_PROJECT, projectId))
  }

  async insertDeliveries(rows: readonly WebhookDeliveryRow[]): Promise<void> {
    if (rows.length > 0) await this.deliveryInsert.run(this.db, rows)
  }

  /** `createdUntilMs` (default now): the newest delivery looked at, for the sweep of those past the give-up age. */
  async due(input: { nowMs: number; notBeforeMs: number; createdUntilMs?: number; staleStartedBeforeMs: number; limit: number }): Promise<DueDelivery[]> {
    return this.db.all<DueDelivery>(q(DUE, input.notBeforeMs, input.createdUntilMs ?? input.nowMs, input.nowMs, input.staleStartedBeforeMs, input.limit))
  }

  /** Takes attempt number `attempt` of a delivery: false when another instance (or tick) took it first. */
  async claim(deliveryId: string, attempt: number, by: string, atMs: number): Promise<boolean> {
    return (await this.db.run(q(CLAIM, deliveryId, attempt, by, atMs))).changes === 1
  }

  async recordResult(row: WebhookAttemptResultRow): Promise<void> {
    await this.db.run(insertInto(webhookAttemptResults, [row]))
  }

  /** An endpoint's delivery log, oldest delivery first, each attempt in order. */
  async log(endpointId: string): Promise<AttemptLogRow[]> {
    return this.db.all<AttemptLogRow>(q(LOG, endpointId))
  }

  /** The outbox rows of an endpoint (attempted or not). */
  async deliveriesOf(endpointId: string): Promise<WebhookDeliveryRow[]> {
    const rows = await this.db.all(sql`${selectFrom(webhookDeliveries)} WHERE ${eq(webhookDeliveries.endpointId, endpointId)} ORDER BY ${asc(webhookDeliveries.createdAtMs)}, ${asc(webhookDeliveries.id)}`)
    return rows.map((r) => rowOf<WebhookDeliveryRow>(webhookDeliveries, r))
  }
}
