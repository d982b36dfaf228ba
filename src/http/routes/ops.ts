/**
 * Operations: liveness (/health), readiness (/ready) and Prometheus metrics
 * (/metrics). None of them reads the database, so they answer while it is
 * locked or full; they report what the inbox and the heartbeat probe met.
 */
import type { FastifyInstance } from 'fastify'
import { liveness, readiness, type ServiceState } from '../../ops/readiness.ts'
import type { Services } from '../../services.ts'

const check = { type: 'object', properties: { ok: { type: 'boolean' }, reason: { type: 'string' } }, required: ['ok'] } as const

const ingestCounters = {
  type: 'object',
  description: 'since this process started',
  properties: {
    received: { type: 'integer' },
    stored: { type: 'integer' },
    duplicates: { type: 'integer' },
    rejected: { type: 'integer' },
    batches: { type: 'integer' },
    dbFaults: { type: 'integer' },
    pending: { type: 'integer', description: 'frames waiting for a commit (the backlog)' },
    oldestPendingMs: { type: 'integer' },
  },
} as const

const healthReply = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['ok', 'failing'] }, reason: { type: 'string' }, ingest: ingestCounters },
  required: ['status'],
} as const

const readyReply = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    reasons: { type: 'array', items: { type: 'string' } },
    checks: {
      type: 'object',
      properties: { database: check, broker: check, backlog: check, oldestPending: check },
    },
    broker: { type: 'object', properties: { kind: { type: 'string' }, connections: { type: 'integer' } } },
    ingest: ingestCounters,
    lastWriteAgeMs: { type: 'integer' },
  },
  required: ['status', 'reasons', 'checks'],
} as const

export async function opsRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const state = (): ServiceState => ({
    database: { fault: services.database.fault, lastWriteAgeMs: services.database.lastWriteAgeMs() },
    broker: { kind: services.broker.kind, connected: services.broker.connected(), connections: services.broker.connections() },
    inbox: { backlog: services.inbox.pending, oldestPendingMs: services.inbox.oldestPendingMs() },
    nowMs: services.clock.nowMs(),
  })
  const ingest = () => {
    const { received, stored, duplicates, rejected, batches, dbFaults } = services.inbox.stats
    return { received, stored, duplicates, rejected, batches, dbFaults, pending: services.inbox.pending, oldestPendingMs: services.inbox.oldestPendingMs() }
  }

  app.get(
    '/health',
    { config: { policy: { public: 'liveness: no data' } },
      schema: {
        tags: ['operations'],
        summary: 'Liveness: 200 while the service can write its ledger, 503 with the reason while the database fails',
        response: { 200: healthReply, 503: healthReply },
      },
    },
    async (_req, res) => {
      const live = liveness(state())
      if (live.ok) return { status: 'ok', ingest: ingest() }
      return res.status(503).send({ status: 'failing', reason: live.reason, ingest: ingest() })
    },
  )

  app.get(
    '/ready',
    { config: { policy: { public: 'readiness for load balancers: no data' } },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: database writable, MQTT broker connected, ingest backlog and oldest pending frame under their limits; 503 lists what is not',
        response: { 200: readyReply, 503: readyReply },
      },
    },
    async (_req, res) => {
      const s = state()
      const a = readiness(s)
      const body = {
        status: a.ok ? 'ready' : 'not_ready',
        reasons: a.reasons,
        checks: a.checks,
        broker: { kind: s.broker.kind, connections: s.broker.connections },
        ingest: ingest(),
        lastWriteAgeMs: s.database.lastWriteAgeMs,
      }
      return res.status(a.ok ? 200 : 503).send(body)
    },
  )

  app.get(
    '/metrics',
    { config: { policy: { public: 'Prometheus scraping: counters, no personal data (restrict it by network)' } },
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics (text exposition format); the README lists them with the alerts to set',
        response: { 200: { type: 'string' } },
      },
    },
    async (_req, res) => {
      const text = await services.metrics.text()
      return res.header('content-type', services.metrics.contentType).send(text)
    },
  )
}
