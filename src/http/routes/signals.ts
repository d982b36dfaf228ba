/**
 * Outside signals (联合预警, issue 15): the departments' monthly files, imported by the platform operator (the files
 * reach the platform, not a county's desk), and read by the bureau (src/risk/signal-imports.ts).
 *
 * Who: the platform operator imports and reads everything. An auditor reads the imports' metadata (which department
 * sent what, and when), an import's rows only for employers that are a party of a project in their region, and an
 * employer's signals only when it is such a party (otherwise 404 employer_not_found, as for one nobody reported).
 * Labour managers, team managers, banks and workers: role_forbidden.
 */
import type { FastifyInstance } from 'fastify'
import { LIMITS } from '../../config/limits.ts'
import { AppError } from '../../kernel/errors.ts'
import { XLSX_CONTENT_TYPE } from '../../roster/roster-import-file.ts'
import type { EmployerSignalRow, SignalImportRow } from '../../risk/signal-imports.ts'
import type { Services } from '../../services.ts'
import { principalOf } from '../access.ts'
import { linkNext, pageOf } from '../paging.ts'
import { errorResponse, errors, idParam, keyCursorQuery, limitQuery, smallInt } from '../schemas.ts'

/** What a department's file is sent as: its own bytes, read by their first bytes whatever the type says. */
export const SIGNAL_FILE_CONTENT_TYPES = ['text/csv', 'application/csv', 'text/plain', 'text/tab-separated-values', 'application/json', XLSX_CONTENT_TYPE, 'application/octet-stream'] as const

const iso = (ms: number): string => new Date(ms).toISOString()

const importSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    fileHash: { type: 'string', description: 'SHA-256 of the bytes: the same file again is this import' },
    filename: { type: 'string' },
    format: { type: 'string', enum: ['csv', 'xlsx', 'json'] },
    rowCount: { type: 'integer' },
    importedBy: { type: 'string' },
    reason: { type: ['string', 'null'] },
    at: { type: 'string', format: 'date-time' },
  },
} as const

const signalSchema = {
  type: 'object',
  properties: {
    importId: { type: 'string' },
    rowNo: { type: 'integer', description: "the row's place among the file's rows, from 1" },
    creditCode: { type: 'string' },
    employerName: { type: 'string' },
    signal: { type: 'string', enum: ['tax_arrears', 'social_insurance_arrears', 'utility_arrears', 'utility_cutoff', 'lawsuit', 'abnormal_operation', 'work_stoppage'] },
    source: { type: 'string' },
    period: { type: 'string' },
    amountFen: { type: ['integer', 'null'] },
    severity: { type: 'integer', enum: [1, 2, 3] },
  },
} as const

const presentImport = (r: SignalImportRow): Record<string, unknown> => ({ id: r.id, fileHash: r.fileHash, filename: r.filename, format: r.format, rowCount: r.rowCount, importedBy: r.importedBy, reason: r.reason, at: iso(r.atMs) })
const presentSignal = (r: EmployerSignalRow): Record<string, unknown> => ({ importId: r.importId, rowNo: r.rowNo, creditCode: r.creditCode, employerName: r.employerName, signal: r.signal, source: r.source, period: r.period, amountFen: r.amountFen, severity: r.severity })

/** Refuses, before the body is read, a Content-Type that is not a signal file. */
async function signalFileOnly(req: { headers: Record<string, string | string[] | undefined> }): Promise<void> {
  const header = req.headers['content-type']
  const type = typeof header === 'string' ? (header.split(';')[0] ?? '').trim().toLowerCase() : null
  if (type === null || !(SIGNAL_FILE_CONTENT_TYPES as readonly string[]).includes(type)) throw new AppError('unsupported_media_type', { contentType: type, accepted: SIGNAL_FILE_CONTENT_TYPES })
}

export async function signalsRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  // Inside this plugin only: a JSON file is kept as its bytes (hashed, kept if refused), not parsed into an object.
  for (const type of SIGNAL_FILE_CONTENT_TYPES) {
    if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type)
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: LIMITS.signal_file_bytes_max }, (_req, body, done) => done(null, body))
  }
  const { signals, access } = services

  app.post<{ Body: Buffer; Querystring: { filename?: string; reason?: string } }>(
    '/api/signals/imports',
    {
      config: { policy: { roles: [], write: true } },
      bodyLimit: LIMITS.signal_file_bytes_max,
      onRequest: signalFileOnly,
      schema: {
        tags: ['risk'],
        summary: "Import a department's monthly employer signals (CSV, XLSX or JSON): stored whole or refused whole; the same file again answers 200 signal_import_exists",
        description:
          'Body: the file bytes (Content-Type ' +
          SIGNAL_FILE_CONTENT_TYPES.join(', ') +
          '). Columns: 统一社会信用代码, 预警类型, 来源部门, 所属期, 等级 required; 单位名称, 金额 optional (JSON: creditCode, signal, source, period, severity, employerName, amountYuan). ' +
          'Any row with a problem refuses the file (422 signal_file_invalid, every row with its problems) and the file is kept in rejected inputs. README: "Outside signals".',
        querystring: {
          type: 'object',
          properties: { filename: { type: 'string', minLength: 1, maxLength: 255 }, reason: { type: 'string', minLength: 1, maxLength: 500 } },
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { outcome: { type: 'string', enum: ['signal_import_exists'] }, import: importSchema } },
          201: { type: 'object', properties: { outcome: { type: 'string', enum: ['signal_import_stored'] }, import: importSchema } },
          ...errors,
          415: errorResponse,
        },
      },
    },
    async (req, res) => {
      const r = await signals.importFile({ bytes: req.body, filename: req.query.filename ?? 'unnamed', actor: principalOf(req).label, reason: req.query.reason ?? null })
      return res.status(r.outcome === 'signal_import_stored' ? 201 : 200).send({ outcome: r.outcome, import: presentImport(r.import) })
    },
  )

  app.get<{ Querystring: { after?: string; limit: number } }>(
    '/api/signals/imports',
    {
      config: { policy: { roles: ['auditor'], write: false } },
      schema: {
        tags: ['risk'],
        summary: 'The signal imports, newest first (metadata: which file, when, by whom, how many rows)',
        querystring: { type: 'object', properties: { after: keyCursorQuery, limit: limitQuery }, additionalProperties: false },
        response: { 200: { type: 'array', items: importSchema }, ...errors },
      },
    },
    async (req, res) => {
      const { page, next } = pageOf(await signals.imports(req.query.after, req.query.limit + 1), req.query.limit, (r) => r.id)
      linkNext(req, res, req.query.limit, 'after', next)
      return page.map(presentImport)
    },
  )

  app.get<{ Params: { importId: string }; Querystring: { afterRow?: number; limit: number } }>(
    '/api/signals/imports/:importId',
    {
      config: { policy: { roles: ['auditor'], write: false } },
      schema: {
        tags: ['risk'],
        summary: "One import and a page of its rows in file order (an auditor's: the rows of employers that are a party of a project in their region)",
        params: { type: 'object', properties: { importId: idParam }, required: ['importId'], additionalProperties: false },
        querystring: { type: 'object', properties: { afterRow: { ...smallInt, minimum: 0, description: 'the rowNo of the last row of the previous page' }, limit: limitQuery }, additionalProperties: false },
        response: { 200: { type: 'object', properties: { import: importSchema, rows: { type: 'array', items: signalSchema }, next: { type: ['integer', 'null'] } } }, ...errors },
      },
    },
    async (req, res) => {
      const p = principalOf(req)
      const r = await signals.importWithRows(req.params.importId, req.query.afterRow ?? 0, req.query.limit + 1, access.projectCondition(p), p.role !== 'admin')
      const { page, next } = pageOf(r.rows, req.query.limit, (row) => row.rowNo)
      linkNext(req, res, req.query.limit, 'afterRow', next)
      return { import: presentImport(r.import), rows: page.map(presentSignal), next: next ?? null }
    },
  )

  app.get<{ Params: { creditCode: string } }>(
    '/api/employers/:creditCode/signals',
    {
      config: { policy: { roles: ['auditor'], write: false } },
      schema: {
        tags: ['risk'],
        summary: "An employer's outside signals (newest period first) and the organisations and projects its credit code matches on the roster now",
        params: { type: 'object', properties: { creditCode: { type: 'string', minLength: 1, maxLength: 32 } }, required: ['creditCode'], additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              creditCode: { type: 'string' },
              organisations: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string' } } } },
              projects: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, regionCode: { type: 'string' }, as: { type: 'string' } } } },
              signals: { type: 'array', items: signalSchema },
            },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const p = principalOf(req)
      const m = await signals.employer(req.params.creditCode, access.projectCondition(p), p.role !== 'admin')
      return { ...m, signals: m.signals.map(presentSignal) }
    },
  )
}
