/**
 * Complaint clues (欠薪线索, issue 15). Who does what:
 * - the platform operator (admin) enters the 12333 hotline's clues and imported ones, and takes the route's steps
 *   (check, route, the bureau's receipt, resolution, comments, the linked contracting case): the bureau's decisions
 *   are entered by the operator, as auditors only read in this product;
 * - the bureau (auditor) reads the clues of its region — a clue's region is its project's, or, naming no project, the
 *   region that registered its employer (characters 3–8 of the credit code) — with their steps, clocks and evidence;
 * - a worker's complaint on their own page becomes a clue by itself (src/risk/clue-service.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Principal } from '../../access/roles.ts'
import { maskDeep, maskText } from '../../access/masking.ts'
import { formatYuan, fen } from '../../kernel/money.ts'
import { AppError } from '../../kernel/errors.ts'
import type { ClueClock, ClueState } from '../../risk/clues.ts'
import { CLUE_OUTCOMES, CLUE_TEXT_LENGTH_MAX, type ClueStepInput, type ClueView, type NewClue } from '../../risk/clue-service.ts'
import type { RegionFilter } from '../../risk/clue-repository.ts'
import type { Services } from '../../services.ts'
import { principalOf } from '../access.ts'
import { errors, idParam, limitQuery, month } from '../schemas.ts'

/** The region a principal's reads are narrowed to: all for the operator, the auditor's prefix otherwise. */
export function regionOf(p: Principal): RegionFilter {
  return p.role === 'admin' ? undefined : (p.regionCode ?? '\u0000')
}

export const actorOf = (req: FastifyRequest): { id: string; role: string; label: string } => {
  const p = principalOf(req)
  return { id: p.id, role: p.role, label: p.label }
}

const iso = (ms: number | undefined | null): string | null => (ms === undefined || ms === null ? null : new Date(ms).toISOString())

const clock = {
  type: 'object',
  properties: {
    clock: { type: 'string', enum: ['routing', 'resolution'] },
    startedOn: { type: 'string' },
    dueOn: { type: 'string', description: 'the last day in time (calendar days in the project zone)' },
    overdueAt: { type: 'string', description: '00:00 local on the day after dueOn' },
    metAt: { type: ['string', 'null'] },
    overdue: { type: 'boolean' },
    daysLeft: { type: ['integer', 'null'], description: 'negative once overdue; null once met' },
  },
} as const

const clue = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    projectId: { type: ['string', 'null'] },
    employerCreditCode: { type: ['string', 'null'] },
    workerId: { type: ['string', 'null'] },
    regionCode: { type: ['string', 'null'] },
    channel: { type: 'string', enum: ['worker_page', 'hotline_12333', 'import'] },
    summary: { type: 'string' },
    headcount: { type: 'integer' },
    amountFen: { type: 'integer' },
    amountYuan: { type: 'string' },
    externalRef: { type: ['string', 'null'] },
    month: { type: ['string', 'null'] },
    receivedAt: { type: 'string' },
    createdBy: { type: 'string' },
    state: { type: 'string', enum: ['received', 'checked', 'routed', 'at_bureau', 'resolved'] },
    cause: { type: ['string', 'null'] },
    routedTo: { type: ['string', 'null'] },
    outcome: { type: ['string', 'null'] },
    overdue: { type: 'boolean', description: 'a clock has run out and is not met' },
    found: {
      anyOf: [{ type: 'object', properties: { headcount: { type: 'integer' }, amountFen: { type: 'integer' } } }, { type: 'null' }],
      description: 'the workers and amount the check found, when it restated the claim',
    },
    clocks: { type: 'array', items: clock },
  },
} as const

const step = {
  type: 'object',
  properties: { seq: { type: 'integer' }, type: { type: 'string' }, actor: { type: 'string' }, at: { type: 'string' }, body: { type: 'object', additionalProperties: true } },
} as const

const clueDetail = {
  type: 'object',
  properties: {
    ...clue.properties,
    steps: { type: 'array', items: step },
    incidentId: { type: ['string', 'null'] },
    evidence: {
      anyOf: [{ type: 'object', additionalProperties: true }, { type: 'null' }],
      description: "the worker's days in the month, their lines on the payroll sheet in force and the bank's payments of them; null when the clue names no worker and month",
    },
  },
} as const

const clueParams = { type: 'object', properties: { clueId: idParam }, required: ['clueId'], additionalProperties: false } as const

const presentClock = (c: ClueClock) => ({ clock: c.clock, startedOn: c.startedOn, dueOn: c.dueOn, overdueAt: iso(c.overdueAtMs), metAt: iso(c.metAtMs), overdue: c.overdue, daysLeft: c.daysLeft ?? null })

export const presentClue = (v: ClueView) => ({
  ...v.clue,
  // The complainant's own words: a phone or ID number typed in is masked, as the desk's cases mask it.
  summary: maskText(v.clue.summary),
  amountYuan: formatYuan(fen(v.clue.amountFen)),
  month: v.month,
  receivedAt: iso(v.clue.receivedAtMs),
  state: v.state,
  cause: v.cause,
  routedTo: v.routedTo,
  outcome: v.outcome,
  overdue: v.overdue,
  found: v.found,
  clocks: v.clocks.map(presentClock),
})

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const

export async function cluesRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { clues, incidents } = services

  const detail = async (v: ClueView) => ({
    ...presentClue(v),
    steps: v.events.map((e) => ({ seq: e.seq, type: e.type, actor: e.actor, at: iso(e.atMs), body: maskDeep(e.body) as Record<string, unknown> })),
    incidentId: (await incidents.bySource('clue', v.clue.id)) ?? null,
    evidence: await clues.evidence(v),
  })

  app.post<{ Body: Omit<NewClue, 'receivedAtMs'> & { receivedAt?: string } }>(
    '/api/clues',
    {
      config: { policy: { roles: [], write: true, personal: true } },
      schema: {
        tags: ['clues'],
        summary: 'Receive a complaint clue (欠薪线索) from the 12333 hotline or an import: the 7-day routing clock starts at receipt',
        description:
          'The platform operator enters it. A project or an employer (unified social credit code) must be named; a worker named must be enrolled on the project (their employer is then the clue’s). ' +
          'An import needs externalRef; the same reference again with the same facts answers 200 clue_exists, with other facts 409 clue_external_ref_taken. ' +
          '10 or more workers or ¥5,000,000 make it a major incident at once (GET /api/incidents).',
        body: {
          type: 'object',
          properties: {
            channel: { type: 'string', enum: ['hotline_12333', 'import'] },
            projectId: idParam,
            employerCreditCode: { type: 'string', minLength: 18, maxLength: 18 },
            workerId: idParam,
            month,
            summary: text(CLUE_TEXT_LENGTH_MAX),
            headcount: { type: 'integer', minimum: 1, maximum: 1_000_000 },
            amountFen: { type: 'integer', minimum: 0, maximum: 1_000_000_000_000 },
            externalRef: text(100),
            receivedAt: { type: 'string', format: 'date-time', description: 'when the hotline took it, if earlier than now' },
          },
          required: ['channel', 'summary', 'headcount', 'amountFen'],
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { outcome: { type: 'string' }, clue: clueDetail } }, 201: { type: 'object', properties: { outcome: { type: 'string' }, clue: clueDetail } }, ...errors },
      },
    },
    async (req, reply) => {
      const { receivedAt, ...rest } = req.body
      const r = await clues.create({ ...rest, ...(receivedAt === undefined ? {} : { receivedAtMs: Date.parse(receivedAt) }) }, actorOf(req))
      return reply.status(r.outcome === 'clue_created' ? 201 : 200).send({ outcome: r.outcome, clue: await detail(r.clue) })
    },
  )

  app.get<{ Querystring: { state?: ClueState; overdue?: boolean; limit: number } }>(
    '/api/clues',
    {
      config: { policy: { roles: ['auditor'], write: false, personal: true } },
      schema: {
        tags: ['clues'],
        summary: "The clue board: the region's clues, newest first, each with its state and clocks (state=, overdue=true: a clock run out and not met)",
        querystring: {
          type: 'object',
          properties: { state: { type: 'string', enum: ['received', 'checked', 'routed', 'at_bureau', 'resolved'] }, overdue: { type: 'boolean' }, limit: limitQuery },
          additionalProperties: false,
        },
        response: { 200: { type: 'array', items: clue }, ...errors },
      },
    },
    async (req) => (await clues.list(regionOf(principalOf(req)), { state: req.query.state, overdue: req.query.overdue, limit: req.query.limit })).map(presentClue),
  )

  app.get(
    '/api/clues/figures',
    {
      config: { policy: { roles: ['auditor'], write: false } },
      schema: {
        tags: ['clues'],
        summary: 'The region\'s clue figures per month of receipt, newest first, against "clues closed within their limits": received, closed with every clock in time, late on any clock, open in time',
        response: {
          200: {
            type: 'array',
            items: { type: 'object', properties: { month: { type: 'string' }, received: { type: 'integer' }, closedInTime: { type: 'integer' }, late: { type: 'integer' }, openInTime: { type: 'integer' } } },
          },
          ...errors,
        },
      },
    },
    async (req) => clues.figures(regionOf(principalOf(req))),
  )

  app.get<{ Params: { clueId: string } }>(
    '/api/clues/:clueId',
    {
      config: { policy: { roles: ['auditor'], write: false, personal: true } },
      schema: { tags: ['clues'], summary: 'A clue with its steps (actor and time of each), its clocks, its incident and the evidence the ledger holds', params: clueParams, response: { 200: clueDetail, ...errors } },
    },
    async (req) => detail(await clues.get(req.params.clueId, regionOf(principalOf(req)))),
  )

  app.post<{
    Params: { clueId: string }
    Body: { type: ClueStepInput['type']; cause?: 'real_name_failure' | 'illegal_contracting' | 'other'; note?: string; headcount?: number; to?: 'construction_bureau' | 'hrss_bureau'; outcome?: (typeof CLUE_OUTCOMES)[number]; text?: string; caseRef?: string; creditCode?: string; employerName?: string; amountFen?: number; periodFrom?: string; periodTo?: string }
  }>(
    '/api/clues/:clueId/steps',
    {
      config: { policy: { roles: [], write: true, personal: true } },
      schema: {
        tags: ['clues'],
        summary: "Take a clue's next step: checked (cause, note; headcount and amountFen when the check finds other figures than claimed), routed (to), bureau_received, resolved (outcome, note); or commented (text), linked (caseRef: 一案双查, for illegal contracting)",
        description:
          'Routed goes to the construction bureau for real_name_failure and illegal_contracting, to the hrss bureau otherwise (409 clue_step_refused route_contradicts_cause). ' +
          'A step out of order is 409 clue_step_refused clue_step_order. Resolved with arrears_confirmed records a credit record on the employer (creditCode: the clue’s unless given; amountFen: the claimed unless given; periodFrom/periodTo: the clue’s month unless given).',
        params: clueParams,
        body: {
          type: 'object',
          properties: {
            type: { type: 'string', enum: ['checked', 'routed', 'bureau_received', 'resolved', 'commented', 'linked'] },
            cause: { type: 'string', enum: ['real_name_failure', 'illegal_contracting', 'other'] },
            headcount: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'checked: the workers the check found, when not as claimed' },
            note: { type: 'string', maxLength: CLUE_TEXT_LENGTH_MAX },
            to: { type: 'string', enum: ['construction_bureau', 'hrss_bureau'] },
            outcome: { type: 'string', enum: [...CLUE_OUTCOMES] },
            text: { type: 'string', maxLength: CLUE_TEXT_LENGTH_MAX },
            caseRef: { type: 'string', maxLength: 100 },
            creditCode: { type: 'string', minLength: 18, maxLength: 18 },
            employerName: { type: 'string', minLength: 1, maxLength: 200 },
            amountFen: { type: 'integer', minimum: 1, maximum: 1_000_000_000_000, description: 'checked: the amount the check found; resolved (arrears_confirmed): the amount confirmed' },
            periodFrom: month,
            periodTo: month,
          },
          required: ['type'],
          additionalProperties: false,
        },
        response: { 201: clueDetail, ...errors },
      },
    },
    async (req, reply) => {
      const b = req.body
      const need = <T>(v: T | undefined, field: string): T => {
        if (v === undefined) throw new AppError('clue_step_invalid', { problem: `${field}_required` })
        return v
      }
      let input: ClueStepInput
      switch (b.type) {
        case 'checked':
          input = { type: 'checked', cause: need(b.cause, 'cause'), note: b.note ?? '', headcount: b.headcount, amountFen: b.amountFen }
          break
        case 'routed':
          input = { type: 'routed', to: need(b.to, 'to'), note: b.note }
          break
        case 'bureau_received':
          input = { type: 'bureau_received', note: b.note }
          break
        case 'resolved':
          input = { type: 'resolved', outcome: need(b.outcome, 'outcome'), note: b.note ?? '', creditCode: b.creditCode, employerName: b.employerName, amountFen: b.amountFen, periodFrom: b.periodFrom, periodTo: b.periodTo }
          break
        case 'commented':
          input = { type: 'commented', text: b.text ?? '' }
          break
        case 'linked':
          input = { type: 'linked', caseRef: b.caseRef ?? '', note: b.note }
          break
      }
      return reply.status(201).send(await detail(await clues.step(req.params.clueId, input, actorOf(req))))
    },
  )
}
