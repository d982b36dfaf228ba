/**
 * Upstream reporting for people (上报情况): what the project's outbox holds per record kind — queued, being sent, sent
 * and waiting for the verdict, accepted, refused — with the oldest record still waiting, and the refused records with
 * the platform's reasons; and the resend of a refused record once a person has put its cause right. Read-only apart
 * from the resend: what is reported is what the ledger holds (src/upstream/reporter.ts).
 *
 * ID and card numbers in a refused record's payload, and in the platform's reason, are masked as the roster's lists
 * mask them: the reason names the field, the person fixes it in the roster, not here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { reportingOf } from '../../config/upstream.ts'
import { maskText } from '../../access/masking.ts'
import { AppError } from '../../kernel/errors.ts'
import { maskPayload, upstreamCsv, upstreamXlsx } from '../../upstream/export.ts'
import { OUTBOX_STATES, type OutboxState } from '../../upstream/outbox.ts'
import { RECORD_KINDS, type RecordKind } from '../../upstream/records.ts'
import type { UpstreamRecordRow } from '../../upstream/outbox-repository.ts'
import type { Services } from '../../services.ts'
import { purposeSchema, revealLimit, statePurpose } from '../reveal.ts'
import { errors, projectParams, rowId } from '../schemas.ts'

/** The refused records listed with the summary. */
const REFUSED_LIST_MAX = 500

const counts = {
  type: 'object',
  properties: { queued: { type: 'integer' }, sending: { type: 'integer' }, sent: { type: 'integer' }, accepted: { type: 'integer' }, refused: { type: 'integer' }, withdrawn: { type: 'integer' } },
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

/** Rows an export holds at most: a province-sized day is the platform's API's business, not a spreadsheet's. */
const EXPORT_ROWS_MAX = 100_000
const FORMATS = ['xlsx', 'csv'] as const
type ExportFormat = (typeof FORMATS)[number]
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

interface ExportQuery {
  kind: RecordKind
  format?: ExportFormat
  state?: OutboxState
}

const exportProperties = {
  kind: { type: 'string', enum: RECORD_KINDS, description: 'the record kind: one kind per file, as the platform takes uploads' },
  format: { type: 'string', enum: FORMATS, default: 'xlsx', description: 'xlsx (a sheet named after the kind) or csv (UTF-8 with BOM, CRLF)' },
  state: { type: 'string', enum: OUTBOX_STATES, description: "only records in this state (queued: what the platform has not had yet); all when absent" },
} as const

function present(r: UpstreamRecordRow) {
  const payload = maskPayload(r.kind, JSON.parse(r.payload) as Record<string, unknown>)
  return {
    id: Number(r.id),
    kind: r.kind,
    key: r.key,
    revision: Number(r.revision),
    state: r.state,
    attempts: Number(r.attempts),
    // A platform may quote the number it refused in its words (身份证号…在其他项目在场): masked like the payload.
    reason: r.reason === null ? null : maskText(r.reason),
    queuedAt: new Date(Number(r.createdAtMs)).toISOString(),
    settledAt: r.settledAtMs === null ? null : new Date(Number(r.settledAtMs)).toISOString(),
    dueBy: r.dueByMs === null ? null : new Date(Number(r.dueByMs)).toISOString(),
    payload,
  }
}

export async function upstreamRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { reporter } = services.upstream

  async function sendExport(req: FastifyRequest<{ Params: { projectId: string } }>, reply: FastifyReply, q: ExportQuery, reveal: boolean): Promise<FastifyReply> {
    const project = await services.roster.project(req.params.projectId)
    const rows = await reporter.outbox.newestOfKind(services.db, project.id, q.kind, q.state, EXPORT_ROWS_MAX + 1)
    if (rows.length > EXPORT_ROWS_MAX) throw new AppError('validation_failed', [{ field: 'state', message: `more than ${EXPORT_ROWS_MAX} records: narrow the export by state` }])
    const payloads = rows.map((r) => {
      const p = JSON.parse(r.payload) as Record<string, unknown>
      return reveal ? p : maskPayload(r.kind, p)
    })
    const format = q.format ?? 'xlsx'
    const ascii = `upstream-${project.siteCode.replace(/[^A-Za-z0-9-]/g, '_')}-${q.kind}${q.state ? `-${q.state}` : ''}.${format}`
    reply.header('content-disposition', `attachment; filename="${ascii}"`)
    if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(upstreamCsv(payloads))
    return reply.type(XLSX_TYPE).send(await upstreamXlsx(q.kind, payloads, services.clock.nowMs()))
  }

  app.get<{ Params: { projectId: string }; Querystring: ExportQuery }>(
    '/api/projects/:projectId/upstream/export',
    {
      config: { policy: { roles: ['labour_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['upstream'],
        summary: "The project's upstream records of one kind as a file (XLSX or CSV with BOM), the standard's fields as columns, ID and card numbers masked",
        params: projectParams,
        querystring: { type: 'object', properties: exportProperties, required: ['kind'], additionalProperties: false },
        produces: [XLSX_TYPE, 'text/csv'],
        response: { 200: { type: 'string', format: 'binary', description: 'the file; Content-Disposition names it' }, ...errors },
      },
    },
    async (req, reply) => sendExport(req, reply, req.query, false),
  )

  app.post<{ Params: { projectId: string }; Body: ExportQuery & { purpose: string } }>(
    '/api/projects/:projectId/upstream/export/reveal',
    {
      // The file a person uploads to a platform by hand needs the full numbers: the labour manager's, for a purpose.
      config: { policy: { roles: ['labour_manager'], write: false, personal: true } },
      preHandler: revealLimit(app),
      schema: {
        tags: ['upstream'],
        summary: 'The same file with full ID and card numbers, for an upload by hand: logged in the access log as a reveal with its purpose, rate-limited',
        params: projectParams,
        body: { type: 'object', properties: { ...exportProperties, purpose: purposeSchema }, required: ['kind', 'purpose'], additionalProperties: false },
        produces: [XLSX_TYPE, 'text/csv'],
        response: { 200: { type: 'string', format: 'binary', description: 'the file, unmasked' }, ...errors },
      },
    },
    async (req, reply) => {
      statePurpose(req, req.body.purpose)
      return sendExport(req, reply, req.body, true)
    },
  )

  app.get<{ Params: { projectId: string } }>(
    '/api/projects/:projectId/upstream',
    {
      config: { policy: { roles: ['labour_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['upstream'],
        summary: 'What the project reported to the real-name platform: per record kind queued, sending, sent, accepted, refused, withdrawn (taken back before it went out) and the oldest waiting; the refused records with the reasons',
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
          properties: { projectId: projectParams.properties.projectId, recordId: rowId },
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
