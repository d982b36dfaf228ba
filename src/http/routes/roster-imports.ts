/**
 * Roster import routes (花名册导入, issue 13): the spreadsheet posted as its raw bytes (XLSX, or CSV in UTF-8 or GBK),
 * previewed with every row's problems, then applied whole or not at all (src/roster/roster-import-service.ts).
 * Labour managers, and team managers for their own organisation's teams (a file naming another team is refused as
 * naming an unknown one).
 */
import type { FastifyInstance } from 'fastify'
import type { Principal } from '../../access/roles.ts'
import { AppError } from '../../kernel/errors.ts'
import { ROSTER_FILE_CONTENT_TYPES } from '../../roster/roster-import-file.ts'
import { presentRow } from '../../roster/roster-import.ts'
import type { Services } from '../../services.ts'
import { principalOf } from '../access.ts'
import { actorOf } from './access.ts'
import { errorResponse, errors, projectParams } from '../schemas.ts'

/** A 花名册 of ROSTER_ROWS_MAX rows is well under 1 MiB as XLSX; 8 MiB leaves room for one saved with pictures. */
export const ROSTER_FILE_BYTES_MAX = 8 * 1024 * 1024

/** The subcontractor whose teams a team manager may name; undefined for a labour manager (every team of the project). */
export const importEmployer = (p: Principal): string | undefined => (p.role === 'team_manager' ? (p.organisationId ?? '') : undefined)

const problem = {
  type: 'object',
  properties: { code: { type: 'string' }, field: { type: 'string' }, message: { type: 'string' }, problem: { type: 'string' }, exitDate: { type: 'string' }, today: { type: 'string' }, lines: { type: 'array', items: { type: 'integer' } }, max: { type: 'integer' }, fields: { type: 'array', items: { type: 'string' } } },
  required: ['code', 'message'],
} as const

const row = {
  type: 'object',
  properties: {
    line: { type: 'integer', description: 'the row number in the spreadsheet' },
    name: { type: 'string' },
    idNumberMasked: { type: 'string' },
    team: { type: 'string' },
    teamId: { type: ['string', 'null'] },
    trade: { type: ['string', 'null'] },
    cardMasked: { type: 'string' },
    bankName: { type: 'string' },
    phoneMasked: { type: ['string', 'null'] },
    entryDate: { type: 'string' },
    dailyRate: { type: 'string' },
    safetyTrained: { type: 'boolean' },
    workerId: { type: ['string', 'null'] },
    action: { type: 'string', enum: ['register_and_enrol', 'enrol', 'return', 'already_enrolled'] },
    problems: { type: 'array', items: problem },
    notices: { type: 'array', items: problem },
  },
} as const

const counts = { type: 'object', properties: { register_and_enrol: { type: 'integer' }, enrol: { type: 'integer' }, return: { type: 'integer' }, already_enrolled: { type: 'integer' } } } as const

const preview = {
  type: 'object',
  properties: { fileHash: { type: 'string' }, rowsWithProblems: { type: 'integer' }, counts, rows: { type: 'array', items: row } },
} as const

const applied = {
  type: 'object',
  properties: {
    fileHash: { type: 'string' },
    outcome: { type: 'string', enum: ['imported', 'already_imported'] },
    counts,
    rows: {
      type: 'array',
      items: { type: 'object', properties: { line: { type: 'integer' }, workerId: { type: 'string' }, enrolmentId: { type: ['string', 'null'] }, outcome: { type: 'string' } } },
    },
  },
} as const

const DESCRIPTION =
  'Body: the file bytes (Content-Type ' + ROSTER_FILE_CONTENT_TYPES.join(', ') + '); its first bytes decide how it is read (XLSX, or CSV/TSV in UTF-8 with or without BOM, or GBK). ' +
  'The header row (within the first 10) names the columns: 姓名, 身份证号, 班组, 银行卡号, 开户行, 进场日期, 日工资 required; 工种, 手机号, 安全教育, 考勤号, 合同编号, 民族, 住址 optional (README: "Roster import").'

/** Refuses, before the body is read, a Content-Type that is not a spreadsheet (a JSON wrapper, a form). */
export async function spreadsheetOnly(req: { headers: Record<string, string | string[] | undefined> }): Promise<void> {
  const header = req.headers['content-type']
  const type = typeof header === 'string' ? (header.split(';')[0] ?? '').trim().toLowerCase() : null
  if (type === null || !(ROSTER_FILE_CONTENT_TYPES as readonly string[]).includes(type)) throw new AppError('unsupported_media_type', { contentType: type, accepted: ROSTER_FILE_CONTENT_TYPES })
}

export function addRosterFileParsers(app: FastifyInstance): void {
  for (const type of ROSTER_FILE_CONTENT_TYPES) {
    if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type)
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: ROSTER_FILE_BYTES_MAX }, (_req, body, done) => done(null, body))
  }
}

export async function rosterImportRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  addRosterFileParsers(app)

  app.post<{ Params: { projectId: string }; Body: Buffer }>(
    '/api/projects/:projectId/roster-imports/preview',
    {
      config: { policy: { roles: ['labour_manager', 'team_manager'], write: false, personal: true } },
      bodyLimit: ROSTER_FILE_BYTES_MAX,
      onRequest: spreadsheetOnly,
      schema: {
        tags: ['roster'],
        summary: 'Preview a 花名册 (roster spreadsheet): every row with what it would do and its problems; nothing is stored',
        description: DESCRIPTION,
        params: projectParams,
        response: { 200: preview, ...errors },
      },
    },
    async (req) => {
      const p = await services.rosterImports.preview(req.params.projectId, req.body, importEmployer(principalOf(req)))
      return { fileHash: p.fileHash, rowsWithProblems: p.rowsWithProblems, counts: p.counts, rows: p.rows.map(presentRow) }
    },
  )

  app.post<{ Params: { projectId: string }; Body: Buffer }>(
    '/api/projects/:projectId/roster-imports',
    {
      config: { policy: { roles: ['labour_manager', 'team_manager'], write: true, personal: true } },
      bodyLimit: ROSTER_FILE_BYTES_MAX,
      onRequest: spreadsheetOnly,
      schema: {
        tags: ['roster'],
        summary: 'Import a 花名册: registers and enrols every row in one transaction, or nothing (422 with every row problem); the same file again answers 200 already_imported',
        description: DESCRIPTION,
        params: projectParams,
        response: { 200: applied, 201: applied, ...errors, 415: errorResponse },
      },
    },
    async (req, res) => {
      const r = await services.rosterImports.apply(req.params.projectId, req.body, importEmployer(principalOf(req)), actorOf(principalOf(req)))
      return res.status(r.outcome === 'imported' ? 201 : 200).send({ fileHash: r.fileHash, outcome: r.outcome, counts: r.preview.counts, rows: r.rows })
    },
  )
}
