/**
 * Pay inputs routes (工资计算依据): a worker's wage terms versions, piece quantities (计件) with the worker's answers,
 * and the month's additions and deductions (加扣项); a team's quantities for its manager. Everything is append-only: a
 * change is a new version or a withdrawal row naming what it takes back.
 */
import type { FastifyInstance } from 'fastify'
import { maskText } from '../../access/masking.ts'
import { LIMITS } from '../../config/limits.ts'
import { DEDUCTION_REASONS } from '../../payroll/pay-line.ts'
import type { ListedVersion, NewPayItem, NewQuantity, PayItemView, QuantityView, TermsListing } from '../../payroll/inputs-service.ts'
import type { WageTerms } from '../../payroll/terms.ts'
import type { PieceAnswerRow } from '../../payroll/inputs-repository.ts'
import type { Services } from '../../services.ts'
import { checkAnswerChannel, principalOf } from '../access.ts'
import { authorsFor, type AuthorOf } from '../authors.ts'
import { linkNext, pageOf } from '../paging.ts'
import { date, errors, idParam, limitQuery, month } from '../schemas.ts'

const nullableString = { type: ['string', 'null'] } as const
const CHANNELS = ['app', 'kiosk', 'sms', 'paper', 'wechat'] as const
/** Free text people type: a reason, a note, an item kind. */
const NOTE_LENGTH_MAX = 500
const LABEL_LENGTH_MAX = 64

const iso = (ms: number): string => new Date(ms).toISOString()
const maskNote = (text: string | null): string | null => (text === null ? null : maskText(text))

const workerParams = {
  type: 'object',
  properties: { projectId: idParam, workerId: idParam },
  required: ['projectId', 'workerId'],
  additionalProperties: false,
} as const

const periodQuery = {
  type: 'object',
  properties: { period: month },
  required: ['period'],
  additionalProperties: false,
} as const

/**
 * Terms as sent and as shown. Rates are `number`, not `integer`, so that a rate that is not whole fen is refused by
 * the terms rule itself (wage_terms_invalid, details.reason terms_rate_invalid) like every other fault of the terms.
 */
const termsSchema = {
  oneOf: [
    { type: 'object', properties: { kind: { const: 'daily' }, dailyRateFen: { type: 'number' } }, required: ['kind', 'dailyRateFen'], additionalProperties: false },
    { type: 'object', properties: { kind: { const: 'hourly' }, hourlyRateFen: { type: 'number' } }, required: ['kind', 'hourlyRateFen'], additionalProperties: false },
    {
      type: 'object',
      properties: { kind: { const: 'monthly' }, monthlyWageFen: { type: 'number' }, expectedDays: { type: 'number', description: "the month's expected days (应出勤天数), 1-31" } },
      required: ['kind', 'monthlyWageFen', 'expectedDays'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: {
        kind: { const: 'piece' },
        rates: {
          type: 'array',
          maxItems: 100,
          items: {
            type: 'object',
            properties: { itemKind: { type: 'string', maxLength: LABEL_LENGTH_MAX, description: 'e.g. 砌砖 m³' }, unitPriceFen: { type: 'number' } },
            required: ['itemKind', 'unitPriceFen'],
            additionalProperties: false,
          },
        },
      },
      required: ['kind', 'rates'],
      additionalProperties: false,
    },
  ],
} as const

const termsReply = {
  type: 'object',
  properties: {
    kind: { type: 'string' },
    dailyRateFen: { type: 'integer' },
    hourlyRateFen: { type: 'integer' },
    monthlyWageFen: { type: 'integer' },
    expectedDays: { type: 'integer' },
    rates: { type: 'array', items: { type: 'object', properties: { itemKind: { type: 'string' }, unitPriceFen: { type: 'integer' } } } },
  },
} as const

const versionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'base:<enrolmentId> for the base version' },
    enrolmentId: { type: 'string' },
    effectiveFrom: { type: 'string' },
    terms: termsReply,
    reason: { type: 'string' },
    recordedBy: { type: 'string' },
    recordedAt: { type: 'string' },
    base: { type: 'boolean', description: "the enrolment's daily rate, not a recorded version" },
    status: { type: 'string', enum: ['in_force', 'restated', 'replaced'], description: 'restated: a version recorded later from the same date counts instead; replaced: the base version, when a recorded version takes effect on or before the entry date' },
    supersededBy: nullableString,
    until: { type: ['string', 'null'], description: 'for a version in force: the last date it applies to; null while open-ended' },
  },
} as const

const answerSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    quantityId: { type: 'string' },
    decision: { type: 'string' },
    channel: { type: 'string' },
    note: nullableString,
    answeredAt: { type: 'string' },
  },
} as const

const withdrawalSchema = {
  type: ['object', 'null'],
  properties: { id: { type: 'string' }, note: nullableString, enteredBy: { type: 'string' }, enteredAt: { type: 'string' } },
} as const

const quantitySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    workerId: { type: 'string' },
    workerName: { type: 'string' },
    enrolmentId: { type: 'string' },
    period: { type: 'string' },
    workDate: { type: 'string' },
    itemKind: { type: 'string' },
    quantity: { type: 'string', description: 'exact decimal text' },
    note: nullableString,
    withdrawsId: { type: ['string', 'null'], description: 'set on a withdrawal row: the quantity it takes back' },
    enteredBy: { type: 'string' },
    enteredAt: { type: 'string' },
    state: { type: 'string', enum: ['open', 'confirmed', 'disputed', 'withdrawn'], description: "the worker's newest answer, or withdrawn" },
    answer: { ...answerSchema, type: ['object', 'null'] },
    withdrawal: withdrawalSchema,
  },
} as const

const payItemSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    workerId: { type: 'string' },
    period: { type: 'string' },
    side: { type: 'string', enum: ['addition', 'deduction'] },
    reason: { type: 'string' },
    amountFen: { type: 'integer' },
    note: nullableString,
    withdrawsId: { type: ['string', 'null'], description: 'set on a withdrawal row: the item it takes back' },
    enteredBy: { type: 'string' },
    enteredAt: { type: 'string' },
    counted: { type: 'boolean', description: 'false once withdrawn (and on a withdrawal row)' },
    withdrawal: withdrawalSchema,
  },
} as const

function versionJson(v: ListedVersion): Record<string, unknown> {
  return { ...v, reason: maskText(v.reason), recordedBy: maskText(v.recordedBy), recordedAt: iso(v.recordedAtMs) }
}

function answerJson(a: PieceAnswerRow): Record<string, unknown> {
  return { id: a.id, quantityId: a.quantityId, decision: a.decision, channel: a.channel, note: maskNote(a.note), answeredAt: iso(a.answeredAtMs) }
}

const withdrawalJson = (w: { id: string; note: string | null; enteredBy: string; enteredAtMs: number } | null): Record<string, unknown> | null =>
  w ? { id: w.id, note: maskNote(w.note), enteredBy: maskText(w.enteredBy), enteredAt: iso(w.enteredAtMs) } : null

function quantityJson(v: QuantityView): Record<string, unknown> {
  const r = v.row
  return {
    id: r.id,
    workerId: r.workerId,
    ...(r.workerName === undefined ? {} : { workerName: maskText(r.workerName) }),
    enrolmentId: r.enrolmentId,
    period: r.period,
    workDate: r.workDate,
    itemKind: maskText(r.itemKind),
    quantity: r.quantity,
    note: maskNote(r.note),
    withdrawsId: r.withdrawsId,
    enteredBy: maskText(r.enteredBy),
    enteredAt: iso(r.enteredAtMs),
    state: v.state,
    answer: v.answer ? answerJson(v.answer) : null,
    withdrawal: withdrawalJson(v.withdrawal),
  }
}

function payItemJson(v: PayItemView): Record<string, unknown> {
  const r = v.row
  return {
    id: r.id,
    workerId: r.workerId,
    period: r.period,
    side: r.side,
    reason: maskText(r.reason),
    amountFen: r.amountFen,
    note: maskNote(r.note),
    withdrawsId: r.withdrawsId,
    enteredBy: maskText(r.enteredBy),
    enteredAt: iso(r.enteredAtMs),
    counted: r.withdrawsId === null && v.withdrawal === null,
    withdrawal: withdrawalJson(v.withdrawal),
  }
}

/** Quantities or pay items with who entered each, and its withdrawal, as `authorOf` reads them. */
function withAuthors<V extends { row: { enteredBy: string }; withdrawal: { enteredBy: string } | null }>(views: readonly V[], authorOf: AuthorOf): Promise<V[]> {
  return Promise.all(
    views.map(async (v) => ({
      ...v,
      row: { ...v.row, enteredBy: await authorOf(v.row.enteredBy) },
      withdrawal: v.withdrawal && { ...v.withdrawal, enteredBy: await authorOf(v.withdrawal.enteredBy) },
    })),
  )
}

function listingJson(l: TermsListing): Record<string, unknown> {
  return { ...l, versions: l.versions.map(versionJson) }
}

export async function payInputsRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { payInputs } = services
  const workerReaders = ['labour_manager', 'team_manager', 'auditor', 'worker'] as const
  const writers = ['labour_manager', 'team_manager'] as const

  // ---- wage terms -----------------------------------------------------------------------------------------------

  app.get<{ Params: { projectId: string; workerId: string } }>(
    '/api/projects/:projectId/workers/:workerId/wage-terms',
    { config: { policy: { roles: [...workerReaders], write: false, personal: true } },
      schema: {
        tags: ['pay inputs'],
        summary: "The worker's wage terms versions (工资标准) on the project: recorded ones and the enrolment's daily rate as the base, with who recorded them, when, why, and which is in force",
        params: workerParams,
        response: {
          200: {
            type: 'object',
            properties: {
              projectId: { type: 'string' },
              workerId: { type: 'string' },
              enrolmentId: { type: 'string' },
              entryDate: { type: 'string' },
              inForceToday: { type: ['string', 'null'], description: "the version in force today in the project's time zone" },
              versions: { type: 'array', items: versionSchema },
            },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const authorOf = authorsFor(req, services)
      const listing = await payInputs.termsOf(req.params.projectId, req.params.workerId)
      return listingJson({ ...listing, versions: await Promise.all(listing.versions.map(async (v) => ({ ...v, recordedBy: await authorOf(v.recordedBy) }))) })
    },
  )

  app.post<{ Params: { projectId: string; workerId: string }; Body: { effectiveFrom: string; terms: WageTerms; reason: string } }>(
    '/api/projects/:projectId/workers/:workerId/wage-terms',
    { config: { policy: { roles: [...writers], write: true, personal: true } },
      schema: {
        tags: ['pay inputs'],
        summary: 'Records a wage terms version from a date (a rise from the 16th applies from the 16th); a second version from the same date restates it. Never edited.',
        params: workerParams,
        body: {
          type: 'object',
          properties: {
            effectiveFrom: date,
            terms: termsSchema,
            reason: { type: 'string', minLength: 1, maxLength: NOTE_LENGTH_MAX, pattern: '\\S' },
          },
          required: ['effectiveFrom', 'terms', 'reason'],
          additionalProperties: false,
        },
        response: { 201: versionSchema, ...errors },
      },
    },
    async (req, reply) => {
      const v = await payInputs.recordTerms(req.params.projectId, req.params.workerId, req.body, principalOf(req).label)
      return reply.code(201).send(versionJson(v))
    },
  )

  // ---- piece quantities -----------------------------------------------------------------------------------------

  app.get<{ Params: { projectId: string; workerId: string }; Querystring: { period: string } }>(
    '/api/projects/:projectId/workers/:workerId/piece-quantities',
    { config: { policy: { roles: [...workerReaders], write: false, personal: true } },
      schema: {
        tags: ['pay inputs'],
        summary: "The worker's piece quantities (计件数量) of a month in the order entered, each with its state, the worker's newest answer and its withdrawal",
        params: workerParams,
        querystring: periodQuery,
        response: {
          200: {
            type: 'object',
            properties: { projectId: { type: 'string' }, workerId: { type: 'string' }, period: { type: 'string' }, quantities: { type: 'array', items: quantitySchema } },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const { projectId, workerId } = req.params
      const views = await withAuthors(await payInputs.quantitiesOf(projectId, workerId, req.query.period), authorsFor(req, services))
      return { projectId, workerId, period: req.query.period, quantities: views.map(quantityJson) }
    },
  )

  app.post<{ Params: { projectId: string; workerId: string }; Body: NewQuantity }>(
    '/api/projects/:projectId/workers/:workerId/piece-quantities',
    { config: { policy: { roles: [...writers], write: true, personal: true } },
      schema: {
        tags: ['pay inputs'],
        summary: 'Enters a piece quantity on a date whose terms are piece terms pricing the item kind, or withdraws one (withdrawsId, with a note). Correcting is withdrawing and entering again.',
        params: workerParams,
        body: {
          type: 'object',
          properties: {
            workDate: date,
            itemKind: { type: 'string', minLength: 1, maxLength: LABEL_LENGTH_MAX },
            quantity: { type: 'string', minLength: 1, maxLength: 20, description: 'decimal text, at most three decimals, e.g. "12.5"' },
            note: { type: 'string', maxLength: NOTE_LENGTH_MAX },
            withdrawsId: { ...idParam, description: 'an earlier quantity of this worker to take back' },
          },
          anyOf: [{ required: ['workDate', 'itemKind', 'quantity'] }, { required: ['withdrawsId'] }],
          additionalProperties: false,
        },
        response: { 201: quantitySchema, ...errors },
      },
    },
    async (req, reply) => {
      const v = await payInputs.enterQuantity(req.params.projectId, req.params.workerId, req.body, principalOf(req).label)
      return reply.code(201).send(quantityJson(v))
    },
  )

  app.post<{ Params: { projectId: string; workerId: string; quantityId: string }; Body: { decision: 'confirm' | 'dispute'; channel: (typeof CHANNELS)[number]; note?: string } }>(
    '/api/projects/:projectId/workers/:workerId/piece-quantities/:quantityId/answer',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'worker'], write: true, personal: true } },
      schema: {
        tags: ['pay inputs'],
        summary: 'The worker confirms a piece quantity, or disputes it with a note (异议); recorded with time and channel, the newest answer counts. Only confirmed quantities are paid.',
        params: {
          type: 'object',
          properties: { projectId: idParam, workerId: idParam, quantityId: idParam },
          required: ['projectId', 'workerId', 'quantityId'],
          additionalProperties: false,
        },
        body: {
          type: 'object',
          properties: {
            decision: { type: 'string', enum: ['confirm', 'dispute'] },
            channel: { type: 'string', enum: CHANNELS },
            note: { type: 'string', maxLength: NOTE_LENGTH_MAX },
          },
          required: ['decision', 'channel'],
          additionalProperties: false,
        },
        response: { 201: answerSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { projectId, workerId, quantityId } = req.params
      checkAnswerChannel(req, req.body.channel)
      const a = await payInputs.answerQuantity(projectId, workerId, quantityId, { decision: req.body.decision, channel: req.body.channel, note: req.body.note ?? null })
      return reply.code(201).send(answerJson(a))
    },
  )

  app.get<{ Params: { projectId: string; teamId: string }; Querystring: { period: string; after?: string; limit: number } }>(
    '/api/projects/:projectId/teams/:teamId/piece-quantities',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['pay inputs'],
        summary: "A team's piece quantities of a month (by the workers' current team), in the order entered, a page at a time, each with its state and answer",
        description: 'At most `limit` a page; `next` (also `Link: rel="next"`) is the `after` of the next page, null on the last. Withdrawal rows are shown on what they withdraw.',
        params: {
          type: 'object',
          properties: { projectId: idParam, teamId: idParam },
          required: ['projectId', 'teamId'],
          additionalProperties: false,
        },
        querystring: { type: 'object', properties: { period: month, after: idParam, limit: limitQuery }, required: ['period'], additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              projectId: { type: 'string' },
              teamId: { type: 'string' },
              period: { type: 'string' },
              next: { type: ['string', 'null'], description: 'pass as `after` for the next page; null on the last' },
              quantities: { type: 'array', items: quantitySchema },
            },
          },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const { projectId, teamId } = req.params
      const { period, after, limit } = req.query
      const rows = await payInputs.teamQuantities(projectId, teamId, period, after, Math.min(limit, LIMITS.page_size_max) + 1)
      const { page, next } = pageOf(rows, limit, (v) => v.row.id)
      linkNext(req, reply, limit, 'after', next)
      return { projectId, teamId, period, next: next ?? null, quantities: page.map(quantityJson) }
    },
  )

  // ---- pay items ------------------------------------------------------------------------------------------------

  app.get<{ Params: { projectId: string; workerId: string }; Querystring: { period: string } }>(
    '/api/projects/:projectId/workers/:workerId/pay-items',
    { config: { policy: { roles: [...workerReaders], write: false, personal: true } },
      schema: {
        tags: ['pay inputs'],
        summary: "The worker's additions and deductions (加扣项) of a month in the order entered (the order deductions apply in), with the totals of those counted",
        params: workerParams,
        querystring: periodQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              projectId: { type: 'string' },
              workerId: { type: 'string' },
              period: { type: 'string' },
              additionsFen: { type: 'integer', description: 'the additions counted (not withdrawn)' },
              deductionsFen: { type: 'integer', description: 'the deductions counted, before any cut at zero net on the sheet' },
              items: { type: 'array', items: payItemSchema },
            },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const { projectId, workerId } = req.params
      const views = await withAuthors(await payInputs.payItemsOf(projectId, workerId, req.query.period), authorsFor(req, services))
      const total = (side: 'addition' | 'deduction'): number => views.filter((v) => v.row.side === side && v.withdrawal === null).reduce((n, v) => n + v.row.amountFen, 0)
      return { projectId, workerId, period: req.query.period, additionsFen: total('addition'), deductionsFen: total('deduction'), items: views.map(payItemJson) }
    },
  )

  app.post<{ Params: { projectId: string; workerId: string }; Body: NewPayItem }>(
    '/api/projects/:projectId/workers/:workerId/pay-items',
    { config: { policy: { roles: [...writers], write: true, personal: true } },
      schema: {
        tags: ['pay inputs'],
        summary: `Enters an addition (a short label) or a deduction (${DEDUCTION_REASONS.join(', ')}; other needs a note) for a month, or withdraws one (withdrawsId, with a note)`,
        params: workerParams,
        body: {
          type: 'object',
          properties: {
            period: month,
            side: { type: 'string', enum: ['addition', 'deduction'] },
            reason: { type: 'string', minLength: 1, maxLength: LABEL_LENGTH_MAX, description: `a deduction: ${DEDUCTION_REASONS.join(', ')}; an addition: a short label (e.g. 高温补贴)` },
            amountFen: { type: 'number', description: 'whole fen, more than zero' },
            note: { type: 'string', maxLength: NOTE_LENGTH_MAX },
            withdrawsId: { ...idParam, description: 'an earlier item of this worker to take back' },
          },
          anyOf: [{ required: ['period', 'side', 'reason', 'amountFen'] }, { required: ['withdrawsId'] }],
          additionalProperties: false,
        },
        response: { 201: payItemSchema, ...errors },
      },
    },
    async (req, reply) => {
      const v = await payInputs.enterPayItem(req.params.projectId, req.params.workerId, req.body, principalOf(req).label)
      return reply.code(201).send(payItemJson(v))
    },
  )
}
