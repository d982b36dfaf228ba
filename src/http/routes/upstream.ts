/**
 * Upstream reporting for people (上报情况): what the project's outbox holds per record kind — queued, being sent, sent
 * and waiting for the verdict, accepted, refused — with the oldest record still waiting, and the refused records with
 * the platform's reasons; and the resend of a refused record once a person has put its cause right. Read-only apart
 * from the resend: what is reported is what the ledger holds (src/upstream/reporter.ts).
 *
 * ID and card numbers in a refused record's payload are masked as the roster's lists mask them: the reason names the
 * field, the person fixes it in the roster, not here.
 */
import type { FastifyInstance } from 'fastify'
import { reportingOf } from '../../config/upstream.ts'
import { ENCRYPTED_FIELDS } from '../../upstream/records.ts'
import type { UpstreamRecordRow } from '../../upstream/outbox-repository.ts'
import type { Services } from '../../services.ts'
import { errors, projectParams } from '../schemas.ts'

/** The refused records listed with the summary. */
const REFUSED_LIST_MAX = 500

const counts = {
  type: 'object',
  properties: { queued: { type: 'integer' }, sending: { type: 'integer' }, sent: { type: 'integer' }, accepted: { type: 'integer' }, refused: { type: 'integer' } },
} as const

const record = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    kind: { type: 'string' },
    key: { type: 'string' },
    revision: { type: 'integer' },
    state: { type: 'string' },
    attempts: { type: 'integer' },
    reason: { type: ['string', 'null'] },
    queuedAt: { type: 'string' },
    settledAt: { type: ['string', 'null'] },
    dueBy: { type: ['string', 'null'] },
    payload: { type: 'object', additionalProperties: true },
  },
} as const

const summary = {
  type: 'object',
  properties: {
    configured: { type: 'boolean', description: 'false: the project is not configured to report (nothing is queued)' },
    province: { type: ['string', 'null'] },
    projectCode: { type: ['string', 'null'], description: "the project's code on the platform" },
    kinds: {
      type: 'array',
      items: {
        type: 'object',
        properties: { kind: { type: 'string' }, counts, oldestWaitingSince: { type: ['string', 'null'] } },
      },
    },
    refused: { type: 'array', items: record },
  },
} as const

/** "330106198001010012" → "3301**********0012": enough to find the person, not enough to use the number. */
function masked(value: unknown): unknown {
  if (typeof value !== 'string' || value.length < 8) return value
  return `${value.slice(0, 4)}${'*'.repeat(value.length - 8)}${value.slice(-4)}`
}

function present(r: UpstreamRecordRow) {
  const payload = JSON.parse(r.payload) as Record<string, unknown>
  for (const f of ENCRYPTED_FIELDS[r.kind] as readonly string[]) if (f in payload) payload[f] = masked(payload[f])
  return {
    id: Number(r.id),
    kind: r.kind,
    key: r.key,
    revision: Number(r.revision),
    state: r.state,
    attempts: Number(r.attempts),
    reason: r.reason,
    queuedAt: new Date(Number(r.createdAtMs)).toISOString(),
    settledAt: r.settledAtMs === null ? null : new Date(Number(r.settledAtMs)).toISOString(),
    dueBy: r.dueByMs === null ? null : new Date(Number(r.dueByMs)).toISOString(),
    payload,
  }
}

export async function upstreamRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { reporter } = services.upstream

  app.get<{ Params: { projectId: string } }>(
    '/api/projects/:projectId/upstream',
    {
      config: { policy: { roles: ['labour_manager', 'auditor'], write: false } },
      schema: {
        tags: ['upstream'],
        summary: 'What the project reported to the real-name platform: per record kind queued, sending, sent, accepted, refused and the oldest waiting; the refused records with the reasons',
        params: projectParams,
        response: { 200: summary, ...errors },
      },
    },
    async (req) => {
      const project = await services.roster.project(req.params.projectId)
      const reporting = reportingOf(services.config.upstream, project)
      const kinds = await reporter.outbox.summary(services.db, project.id)
      const refused = await reporter.outbox.refused(services.db, project.id, REFUSED_LIST_MAX)
      return {
        configured: reporting !== undefined,
        province: reporting?.province ?? null,
        projectCode: reporting?.project.projectCode ?? null,
        kinds: kinds.map((k) => ({ kind: k.kind, counts: k.counts, oldestWaitingSince: k.oldestWaitingMs === null ? null : new Date(k.oldestWaitingMs).toISOString() })),
        refused: refused.map(present),
      }
    },
  )

  app.post<{ Params: { projectId: string; recordId: number } }>(
    '/api/projects/:projectId/upstream/records/:recordId/resend',
    {
      // The general contractor's labour manager answers for the project's real-name data (条例 Art. 28).
      config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        tags: ['upstream'],
        summary: 'Resend a refused record once its cause is put right: queued again as the next revision, the same payload; 409 when it is not the newest refused revision',
        params: {
          type: 'object',
          properties: { projectId: projectParams.properties.projectId, recordId: { type: 'integer', minimum: 1 } },
          required: ['projectId', 'recordId'],
          additionalProperties: false,
        },
        response: { 201: record, ...errors },
      },
    },
    async (req, res) => {
      await services.roster.project(req.params.projectId)
      const next = await services.db.tx((tx) => reporter.outbox.resend(tx, req.params.projectId, req.params.recordId))
      return res.status(201).send(present(next))
    },
  )
}
