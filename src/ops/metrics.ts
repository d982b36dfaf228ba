/**
 * /metrics in the Prometheus text format (prom-client). One registry per
 * running service, so two services in one process (tests) never share
 * counters. The names and the alerts an operator should set are in the
 * README ("Operating it").
 *
 * Counters are fed by events (inbox batches, refusals, database faults);
 * gauges that describe a state (backlog, oldest pending age, connections,
 * database failing) are read when scraped, so they are never stale.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { PunchInbox } from '../ingest/inbox.ts'
import type { DatabaseWatch } from './database-watch.ts'

export interface MetricsSources {
  inbox: PunchInbox
  database: DatabaseWatch
  broker: BrokerStatus
}

/** The MQTT side as /ready and /metrics see it; the broker adapter fills it in once started. */
export interface BrokerStatus {
  kind: 'embedded' | 'external' | 'none'
  /** Embedded: listening. External: at least one subscriber connection is up. */
  connected(): boolean
  /** Device connections to the embedded broker, or the service's subscriber connections to an external one. */
  connections(): number
}

export class Metrics {
  readonly registry = new Registry()
  readonly contentType = this.registry.contentType
  /** MQTT connections and subscriptions the embedded broker refused (bad credentials, a topic not the device's own). */
  readonly mqttRefused: Counter<'stage' | 'reason'>
  /** Device credentials committed that a broker was not told of at once (it catches up by itself: reconciliation). */
  readonly brokerCredentialFailures: Counter<'kind'>

  constructor(sources: MetricsSources) {
    const r = this.registry
    const { inbox, database } = sources
    collectDefaultMetrics({ register: r, prefix: 'wl_' })

    // Counters the inbox keeps itself are brought up to date when scraped.
    let seenReceived = 0
    let seenBacklogFull = 0
    new Counter({
      name: 'wl_ingest_frames_received_total',
      help: 'Device frames taken into the durable inbox',
      registers: [r],
      collect() {
        this.inc(inbox.stats.received - seenReceived)
        seenReceived = inbox.stats.received
      },
    })
    const stored = new Counter({ name: 'wl_ingest_punches_stored_total', help: 'Punches committed', registers: [r] })
    const duplicates = new Counter({ name: 'wl_ingest_duplicates_total', help: 'Re-sent records recognised and counted once', registers: [r] })
    const refused = new Counter({ name: 'wl_ingest_refused_total', help: 'Frames refused and kept in rejected inputs, by reason', labelNames: ['reason'], registers: [r] })
    new Counter({
      name: 'wl_ingest_backlog_full_total',
      help: 'Frames not taken because the inbox backlog was full (not acknowledged; the sender keeps them)',
      registers: [r],
      collect() {
        this.inc(inbox.stats.refusedBacklogFull - seenBacklogFull)
        seenBacklogFull = inbox.stats.refusedBacklogFull
      },
    })
    const commitSeconds = new Histogram({
      name: 'wl_ingest_commit_seconds',
      help: 'Duration of one inbox commit attempt (the batch transaction, fsync included)',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [r],
    })
    const batchSize = new Histogram({
      name: 'wl_ingest_batch_frames',
      help: 'Frames committed in one transaction (group commit)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
      registers: [r],
    })
    const dbErrors = new Counter({ name: 'wl_db_errors_total', help: 'Database faults met, by operation and SQLite code', labelNames: ['operation', 'code'], registers: [r] })

    new Gauge({ name: 'wl_ingest_backlog_frames', help: 'Frames waiting for a commit', registers: [r], collect() { this.set(inbox.pending) } })
    new Gauge({
      name: 'wl_ingest_oldest_pending_seconds',
      help: 'How long the oldest frame waiting for a commit has waited',
      registers: [r],
      collect() {
        this.set(inbox.oldestPendingMs() / 1000)
      },
    })
    new Gauge({ name: 'wl_db_failing', help: '1 while the database is failing (from the first fault to the next successful write)', registers: [r], collect() { this.set(database.fault ? 1 : 0) } })
    new Gauge({
      name: 'wl_db_last_write_age_seconds',
      help: 'Seconds since the last successful write (commit or heartbeat)',
      registers: [r],
      collect() {
        this.set(database.lastWriteAgeMs() / 1000)
      },
    })
    this.mqttRefused = new Counter({ name: 'wl_mqtt_refused_total', help: 'MQTT connections and subscriptions the embedded broker refused, by stage and reason', labelNames: ['stage', 'reason'], registers: [r] })
    this.brokerCredentialFailures = new Counter({ name: 'wl_broker_credential_failures_total', help: 'Device credentials issued or revoked that a broker was not told of at once (the credential stands; the broker is reconciled later)', labelNames: ['kind'], registers: [r] })
    new Gauge({ name: 'wl_mqtt_connections', help: 'MQTT connections: devices on the embedded broker, or subscriber connections to an external one', registers: [r], collect() { this.set(sources.broker.connections()) } })

    inbox.onBatch((b) => {
      commitSeconds.observe({ outcome: b.ok ? 'committed' : 'failed' }, b.seconds)
      if (b.ok) batchSize.observe(b.frames)
    })
    inbox.onCommitted((batch) => {
      for (const c of batch) {
        switch (c.outcome.kind) {
          case 'stored':
            stored.inc()
            break
          case 'duplicate':
            duplicates.inc()
            break
          case 'rejected':
            refused.inc({ reason: c.outcome.reason })
            break
        }
      }
    })
    database.onFault((operation, fault) => dbErrors.inc({ operation, code: fault.code }))
  }

  text(): Promise<string> {
    return this.registry.metrics()
  }
}
