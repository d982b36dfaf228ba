/**
 * Webhook endpoints for case notifications (通知): registered, listed and disabled by an administrator, who also reads
 * each endpoint's delivery log. An endpoint receives one project's cases or, registered without a project, every
 * project's. Its secret is shown once, in the registration's reply; the list never shows it.
 */
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../services.ts'
import { principalOf } from '../access.ts'
import { errors, idParam } from '../schemas.ts'

const endpoint = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    projectId: { type: ['string', 'null'], description: 'null: every project' },
    createdBy: { type: 'string' },
    createdAt: { type: 'string' },
    disabled: { type: ['object', 'null'], properties: { by: { type: 'string' }, at: { type: 'string' } } },
  },
} as const

const webhookParams = { type: 'object', properties: { webhookId: idParam }, required: ['webhookId'], additionalProperties: false } as const

const attempt = {
  type: 'object',
  properties: {
    deliveryId: { type: 'string' },
    eventId: { type: 'string', description: "the payload's id" },
    type: { type: 'string' },
    attempt: { type: 'integer' },
    startedAt: { type: 'string' },
    finishedAt: { type: ['string', 'null'], description: 'null: in hand, or lost with its instance (taken again later)' },
    statusCode: { type: ['integer', 'null'] },
    error: { type: ['string', 'null'], description: 'timeout or network, when the receiver did not answer' },
    outcome: { type: ['string', 'null'], enum: ['delivered', 'retry', 'give_up', null] },
    nextAttemptAt: { type: ['string', 'null'] },
    reason: { type: ['string', 'null'], description: 'why it was given up: gone (410), attempts_exhausted, too_old' },
  },
} as const

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

export async function webhooksRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { webhooks } = services

  app.post<{ Body: { url: string; secret?: string; projectId?: string | null } }>(
    '/api/webhooks',
    {
      config: { policy: { roles: [], write: true } },
      schema: {
        tags: ['flags'],
        summary: 'Registers a webhook endpoint for case notifications (opened, escalated, reopened), signed with its secret',
        description: 'The secret is generated when not sent, and returned in this reply only: keep it. projectId null or absent: every project.',
        body: {
          type: 'object',
          properties: {
            url: { type: 'string', minLength: 1, maxLength: 2000 },
            secret: { type: 'string', minLength: 16, maxLength: 200, pattern: '^[\\x21-\\x7e]+$', description: 'printable ASCII, 16 to 200 characters' },
            projectId: { anyOf: [idParam, { type: 'null' }] },
          },
          required: ['url'],
          additionalProperties: false,
        },
        response: { 201: { type: 'object', properties: { ...endpoint.properties, secret: { type: 'string' } } }, ...errors },
      },
    },
    async (req, reply) => {
      const projectId = req.body.projectId ?? null
      if (projectId !== null) await services.roster.project(projectId)
      const { endpoint: e, secret } = await webhooks.register({ url: req.body.url, secret: req.body.secret, projectId }, principalOf(req).label)
      return reply.code(201).send({ ...e, secret })
    },
  )

  app.get(
    '/api/webhooks',
    { config: { policy: { roles: [], write: false } }, schema: { tags: ['flags'], summary: 'The webhook endpoints, disabled ones included (secrets are not shown)', response: { 200: { type: 'array', items: endpoint }, ...errors } } },
    async () => webhooks.list(),
  )

  app.post<{ Params: { webhookId: string } }>(
    '/api/webhooks/:webhookId/disable',
    {
      config: { policy: { roles: [], write: true } },
      schema: {
        tags: ['flags'],
        summary: 'Disables an endpoint for good: nothing more is queued for it and what is queued is not sent (register another to resume)',
        params: webhookParams,
        body: { type: 'object', properties: {}, additionalProperties: false },
        response: { 200: endpoint, ...errors },
      },
    },
    async (req) => webhooks.disable(req.params.webhookId, principalOf(req).label),
  )

  app.get<{ Params: { webhookId: string } }>(
    '/api/webhooks/:webhookId/deliveries',
    { config: { policy: { roles: [], write: false } }, schema: { tags: ['flags'], summary: "An endpoint's delivery log: every attempt, oldest first", params: webhookParams, response: { 200: { type: 'array', items: attempt }, ...errors } } },
    async (req) =>
      (await webhooks.log(req.params.webhookId)).map((a) => ({
        deliveryId: a.deliveryId,
        eventId: a.eventId,
        type: a.type,
        attempt: a.attempt,
        startedAt: iso(a.startedAtMs),
        finishedAt: iso(a.finishedAtMs),
        statusCode: a.statusCode,
        error: a.error,
        outcome: a.outcome,
        nextAttemptAt: iso(a.nextAtMs),
        reason: a.reason,
      })),
  )
}
