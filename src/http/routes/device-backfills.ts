/**
 * Backfills (补传, src/punches/backfill.ts): what the project's devices were asked to send again and what came of it,
 * and a person's request for a window a device should send again (a ZKTeco terminal, whose records carry no number
 * the gap watch could follow; any device after an outage). Read like device health, by the labour manager and the
 * auditor; asked for by the labour manager.
 */
import type { FastifyInstance } from 'fastify'
import { principalOf } from '../access.ts'
import type { BackfillView } from '../../punches/backfill-service.ts'
import type { Services } from '../../services.ts'
import { AppError } from '../../kernel/errors.ts'
import { errors, idParam, projectParams } from '../schemas.ts'

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())
const nullableInteger = { type: ['integer', 'null'] } as const
const nullableText = { type: ['string', 'null'] } as const
const SERIAL = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'

const backfill = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    serial: { type: 'string' },
    kind: { type: 'string', enum: ['adms_data_query', 'isapi_search', 'mqtt_backfill'], description: 'how the device is asked: a ZKTeco DATA QUERY, a Hikvision event search, an MQTT backfill message' },
    commandNo: { type: 'integer', description: 'the number the device knows the command by' },
    attempt: { type: 'integer' },
    state: { type: 'string', enum: ['pending', 'handed_out', 'answered', 'filled', 'expired'] },
    recordFrom: nullableInteger,
    recordTo: nullableInteger,
    windowFrom: { type: 'string' },
    windowTo: { type: 'string' },
    command: { type: 'string', description: 'what the device is handed, exactly' },
    requestedBy: { type: 'string', description: 'gap-watch, or the person who asked' },
    requestedAt: { type: 'string' },
    expiresAt: { type: 'string' },
    handedOutAt: nullableText,
    answeredAt: nullableText,
    returnCode: { ...nullableInteger, description: "the device's answer (ZKTeco Return; 0 is success)" },
    closedAt: nullableText,
  },
} as const

const present = (b: BackfillView) => ({
  id: b.id,
  serial: b.serial,
  kind: b.kind,
  commandNo: b.commandNo,
  attempt: b.attempt,
  state: b.state,
  recordFrom: b.recordFrom,
  recordTo: b.recordTo,
  windowFrom: iso(b.windowFromMs),
  windowTo: iso(b.windowToMs),
  command: b.command,
  requestedBy: b.requestedBy,
  requestedAt: iso(b.requestedAtMs),
  expiresAt: iso(b.expiresAtMs),
  handedOutAt: iso(b.handedOutAtMs),
  answeredAt: iso(b.answeredAtMs),
  returnCode: b.returnCode,
  closedAt: iso(b.closedAtMs),
})

export async function deviceBackfillRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get<{ Params: { projectId: string } }>(
    '/api/projects/:projectId/devices/backfills',
    {
      config: { policy: { roles: ['labour_manager', 'auditor'], write: false } },
      schema: {
        tags: ['roster'],
        summary: "The project's backfills, newest first (at most 500): each device asked to send a gap or window again, and whether it was handed out, answered, filled or expired",
        params: projectParams,
        response: { 200: { type: 'array', items: backfill }, ...errors },
      },
    },
    async (req) => (await services.backfills.list(req.params.projectId)).map(present),
  )

  app.post<{ Params: { projectId: string; serial: string }; Body: { from: string; to: string; fromRecord?: number; toRecord?: number } }>(
    '/api/projects/:projectId/devices/:serial/backfills',
    {
      config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        tags: ['roster'],
        summary: 'Ask a device to send the records of a window again (201; 200 with the request already open for the same window)',
        params: { type: 'object', properties: { projectId: idParam, serial: { type: 'string', pattern: SERIAL } }, required: ['projectId', 'serial'], additionalProperties: false },
        body: {
          type: 'object',
          properties: {
            from: { type: 'string', format: 'date-time', description: 'device time, from (RFC 3339 with offset)' },
            to: { type: 'string', format: 'date-time', description: 'device time, to (included); at most 31 days after from' },
            fromRecord: { type: 'integer', minimum: 0, maximum: 999_999_999_999_999, description: 'first record number, for a numbered device (with toRecord)' },
            toRecord: { type: 'integer', minimum: 0, maximum: 999_999_999_999_999 },
          },
          required: ['from', 'to'],
          additionalProperties: false,
        },
        response: { 200: backfill, 201: backfill, ...errors },
      },
    },
    async (req, reply) => {
      const fromMs = Date.parse(req.body.from)
      const toMs = Date.parse(req.body.to)
      if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) throw new AppError('backfill_window_invalid', { windowDaysMax: 31 })
      const p = principalOf(req)
      const r = await services.backfills.request(
        req.params.projectId,
        req.params.serial,
        { recordFrom: req.body.fromRecord ?? null, recordTo: req.body.toRecord ?? null, windowFromMs: fromMs, windowToMs: toMs },
        p.label,
      )
      return reply.code(r.created ? 201 : 200).send(present(r.backfill))
    },
  )
}
