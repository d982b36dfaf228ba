/**
 * Complaint clues imported from a file (欠薪线索, issue 15): the 12333 hotline system's export or another department's,
 * posted by the platform operator as its bytes (src/risk/clue-imports.ts). A plugin of its own so that its body
 * parsers (the file's bytes, whatever the type says) stay out of POST /api/clues, which takes JSON.
 */
import type { FastifyInstance } from 'fastify'
import { LIMITS } from '../../config/limits.ts'
import { AppError } from '../../kernel/errors.ts'
import { XLSX_CONTENT_TYPE } from '../../roster/roster-import-file.ts'
import type { Services } from '../../services.ts'
import { errors } from '../schemas.ts'
import { actorOf } from './clues.ts'

/** What a clue file is sent as: its own bytes, read by their first bytes whatever the type says. */
export const CLUE_FILE_CONTENT_TYPES = ['text/csv', 'application/csv', 'text/plain', 'text/tab-separated-values', XLSX_CONTENT_TYPE, 'application/vnd.ms-excel', 'application/octet-stream'] as const

/** Refuses, before the body is read, a Content-Type that is not a clue file. */
async function clueFileOnly(req: { headers: Record<string, string | string[] | undefined> }): Promise<void> {
  const header = req.headers['content-type']
  const type = typeof header === 'string' ? (header.split(';')[0] ?? '').trim().toLowerCase() : null
  if (type === null || !(CLUE_FILE_CONTENT_TYPES as readonly string[]).includes(type)) throw new AppError('unsupported_media_type', { contentType: type, accepted: CLUE_FILE_CONTENT_TYPES })
}

const result = (outcome: string) =>
  ({
    type: 'object',
    properties: {
      outcome: { type: 'string', enum: [outcome] },
      created: { type: 'integer' },
      existing: { type: 'integer', description: 'rows whose ticket was already held with the same facts: skipped' },
      clueIds: { type: 'array', items: { type: 'string' }, description: 'the clues this import created, in file order' },
      rows: {
        type: 'array',
        items: {
          type: 'object',
          properties: { row: { type: 'integer' }, externalRef: { type: 'string' }, clueId: { type: 'string' }, outcome: { type: 'string', enum: ['clue_created', 'clue_exists'] } },
        },
      },
    },
  }) as const

export async function clueImportsRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  for (const type of CLUE_FILE_CONTENT_TYPES) {
    if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type)
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: LIMITS.clue_file_bytes_max }, (_req, body, done) => done(null, body))
  }
  const { clueImports } = services

  app.post<{ Body: Buffer; Querystring: { filename?: string; reason?: string; channel?: 'import' | 'hotline_12333' } }>(
    '/api/clues/imports',
    {
      config: { policy: { roles: [], write: true, personal: true } },
      bodyLimit: LIMITS.clue_file_bytes_max,
      onRequest: clueFileOnly,
      schema: {
        tags: ['clues'],
        summary: "Import complaint clues from a file (the 12333 hotline's or a department's export, CSV or XLSX): received whole or refused whole; the same file again creates nothing (200)",
        description:
          'Body: the file bytes (Content-Type ' +
          CLUE_FILE_CONTENT_TYPES.join(', ') +
          '). Columns: 工单编号, 受理时间 (Beijing time, or ISO with an offset), 涉及人数, 涉及金额 (yuan), 诉求内容 required, and 项目编号 or 统一社会信用代码 (at least one per row); 欠薪月份 optional. ' +
          'English keys too: externalRef, receivedAt, siteCode, employerCreditCode, headcount, amountYuan, summary, month. ' +
          'A ticket already held with the same facts is skipped (existing); with other facts, an unknown site code or any bad value, the file is refused (422 clue_file_invalid, every row with its problems) and kept in rejected inputs. ' +
          'channel=hotline_12333 for the hotline’s own export, so tickets already entered by hand count as existing (default import). ' +
          'Each clue is received as POST /api/clues receives one: 10 or more workers or ¥5,000,000 make it a major incident at once.',
        querystring: {
          type: 'object',
          properties: {
            filename: { type: 'string', minLength: 1, maxLength: 255 },
            reason: { type: 'string', minLength: 1, maxLength: 500 },
            channel: { type: 'string', enum: ['import', 'hotline_12333'], default: 'import' },
          },
          additionalProperties: false,
        },
        response: { 200: result('clues_exist'), 201: result('clues_imported'), ...errors },
      },
    },
    async (req, res) => {
      const r = await clueImports.importFile({ bytes: req.body, filename: req.query.filename ?? 'unnamed', reason: req.query.reason ?? null, channel: req.query.channel, actor: actorOf(req) })
      const clueIds = r.rows.filter((x) => x.outcome === 'clue_created').map((x) => x.clueId)
      return res.status(r.outcome === 'clues_imported' ? 201 : 200).send({ outcome: r.outcome, created: r.created, existing: r.existing, clueIds, rows: r.rows })
    },
  )
}
