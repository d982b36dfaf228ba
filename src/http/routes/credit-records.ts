/**
 * Credit records (信用记录, issue 15) on employers whose arrears a clue's resolution confirmed. The bureau (auditor)
 * reads those of its region (the confirming clue's project, else the region in the credit code); a repair (信用修复)
 * is the bureau's decision, entered by the platform operator (admin) with its reason, as auditors only read here.
 */
import type { FastifyInstance } from 'fastify'
import { maskText } from '../../access/masking.ts'
import { formatYuan, fen } from '../../kernel/money.ts'
import type { CreditRecordView } from '../../risk/credit-service.ts'
import type { Services } from '../../services.ts'
import { principalOf } from '../access.ts'
import { date, errors, idParam } from '../schemas.ts'
import { regionOf } from './clues.ts'

const record = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    creditCode: { type: 'string' },
    employerName: { type: 'string' },
    organisationId: { type: ['string', 'null'] },
    regionCode: { type: ['string', 'null'] },
    reason: { type: 'string' },
    periodFrom: { type: 'string' },
    periodTo: { type: 'string' },
    amountFen: { type: 'integer' },
    amountYuan: { type: 'string' },
    recordedOn: { type: 'string' },
    expiresOn: { type: 'string', description: "the first day it no longer counts, by its rule's term" },
    sourceKind: { type: 'string' },
    sourceId: { type: 'string' },
    ruleVersion: { type: 'string' },
    ruleSource: { type: 'string' },
    state: { type: 'string', enum: ['not_yet', 'active', 'repaired', 'expired'] },
    actor: { type: 'string' },
    recordedAt: { type: 'string' },
    events: {
      type: 'array',
      items: { type: 'object', properties: { type: { type: 'string', enum: ['repaired', 'expired'] }, actor: { type: 'string' }, reason: { type: 'string' }, at: { type: 'string' } } },
    },
  },
} as const

/** The reason quotes the clue's resolution note, and a repair's the bureau's words: typed text, masked by shape. */
export const presentCreditRecord = (v: CreditRecordView) => ({
  ...v,
  reason: maskText(v.reason),
  amountYuan: formatYuan(fen(v.amountFen)),
  recordedAt: new Date(v.atMs).toISOString(),
  events: v.events.map((e) => ({ type: e.type, actor: e.actor, reason: maskText(e.reason), at: new Date(e.atMs).toISOString() })),
})

const recordParams = { type: 'object', properties: { creditRecordId: idParam }, required: ['creditRecordId'], additionalProperties: false } as const

export async function creditRecordsRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { credit } = services

  app.get<{ Querystring: { creditCode?: string; state?: CreditRecordView['state'] } }>(
    '/api/credit-records',
    {
      config: { policy: { roles: ['auditor'], write: false } },
      schema: {
        tags: ['clues'],
        summary: "The region's credit records, newest first (at most 1,000), or one employer's (creditCode=), each with its state today (state=active: those counting; the state is applied before the limit)",
        querystring: {
          type: 'object',
          properties: { creditCode: { type: 'string', minLength: 18, maxLength: 18 }, state: { type: 'string', enum: ['not_yet', 'active', 'repaired', 'expired'] } },
          additionalProperties: false,
        },
        response: { 200: { type: 'array', items: record }, ...errors },
      },
    },
    async (req) => (await credit.list(regionOf(principalOf(req)), req.query.creditCode?.toUpperCase(), req.query.state)).map(presentCreditRecord),
  )

  app.get<{ Params: { creditRecordId: string } }>(
    '/api/credit-records/:creditRecordId',
    { config: { policy: { roles: ['auditor'], write: false } }, schema: { tags: ['clues'], summary: 'A credit record with its repair or expiry', params: recordParams, response: { 200: record, ...errors } } },
    async (req) => presentCreditRecord(await credit.get(req.params.creditRecordId, regionOf(principalOf(req)))),
  )

  app.post<{ Params: { creditRecordId: string }; Body: { paidInFullOn: string; reason: string } }>(
    '/api/credit-records/:creditRecordId/repair',
    {
      config: { policy: { roles: [], write: true } },
      schema: {
        tags: ['clues'],
        summary: "Repair a credit record (信用修复) as the bureau decided: the arrears paid in full on paidInFullOn, and the rule's months since passed (409 credit_repair_refused otherwise)",
        params: recordParams,
        body: { type: 'object', properties: { paidInFullOn: date, reason: { type: 'string', minLength: 1, maxLength: 500, pattern: '\\S' } }, required: ['paidInFullOn', 'reason'], additionalProperties: false },
        response: { 201: record, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(presentCreditRecord(await credit.repair(req.params.creditRecordId, req.body, principalOf(req).label))),
  )
}
