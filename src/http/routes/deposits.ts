/**
 * The wage guarantee deposit register (工资保证金): the GC's labour manager records deposits and their release; the
 * labour manager and the auditor read the register with the required amount and the flags as of a date.
 */
import { LIMITS } from '../../config/limits.ts'
import type { FastifyInstance } from 'fastify'
import { principalOf } from '../access.ts'
import { maskText } from '../../access/masking.ts'
import { formatYuan, fen, sumFen } from '../../kernel/money.ts'
import type { DepositRow } from '../../deposits/repository.ts'
import type { DepositView, NewDeposit } from '../../deposits/service.ts'
import type { Services } from '../../services.ts'
import { date, errors, fenAmount, idParam, projectParams } from '../schemas.ts'

const entry = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    contractorId: { type: 'string' },
    form: { type: 'string', enum: ['cash', 'bank_guarantee', 'insurance'] },
    amountFen: fenAmount,
    amountYuan: { type: 'string' },
    issuer: { type: 'string' },
    reference: { type: 'string' },
    effectiveOn: { type: 'string' },
    expiresOn: { type: ['string', 'null'] },
    withdrawsId: { type: ['string', 'null'] },
    reason: { type: 'string' },
    recordedBy: { type: 'string' },
    recordedAt: { type: 'string' },
  },
} as const
const deposit = {
  type: 'object',
  properties: {
    ...entry.properties,
    state: { type: 'string', enum: ['in_force', 'not_yet', 'expired', 'released'] },
    releasedOn: { type: ['string', 'null'] },
    releasedById: { type: ['string', 'null'] },
  },
} as const
const registerReply = {
  type: 'object',
  properties: {
    asOf: { type: 'string' },
    contractorId: { type: 'string' },
    required: {
      anyOf: [
        {
          type: 'object',
          properties: {
            requiredFen: fenAmount,
            requiredYuan: { type: 'string' },
            rate: { type: 'string' },
            basis: { type: 'string' },
            capped: { type: 'boolean' },
            contractAmountFen: fenAmount,
            regionCode: { type: 'string' },
            rateSource: { type: 'string' },
          },
        },
        { type: 'null' },
      ],
      description: "null when no contract is recorded or no rate table covers the project's province",
    },
    record: { type: 'object', additionalProperties: true, description: "the contractor's record the rate assumes (a clean record unless the bureau says otherwise)" },
    inForceFen: fenAmount,
    deposits: { type: 'array', items: deposit },
    withdrawals: { type: 'array', items: entry },
    flags: {
      type: 'array',
      items: { type: 'object', properties: { code: { type: 'string' }, projectId: { type: 'string' }, contractorId: { type: 'string' }, evidence: { type: 'object', additionalProperties: true } } },
    },
  },
} as const

const presentEntry = (r: DepositRow) => ({ ...r, amountYuan: formatYuan(fen(r.amountFen)), recordedBy: maskText(r.recordedBy), recordedAt: new Date(r.recordedAtMs).toISOString() })
const presentDeposit = (v: DepositView) => ({ ...presentEntry(v.deposit), state: v.state, releasedOn: v.releasedOn, releasedById: v.releasedById })

export async function depositsRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { deposits } = services

  app.post<{ Params: { projectId: string }; Body: NewDeposit }>(
    '/api/projects/:projectId/wage-deposits',
    {
      config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        tags: ['account'],
        summary: 'Record a wage guarantee deposit (工资保证金), or release one (withdrawsId: the deposit, effectiveOn: the release date)',
        description:
          "A deposit: contractorId (the project's general contractor), form, amountFen, issuer, reference, effectiveOn, expiresOn (a letter or a policy; never cash), reason. " +
          'A release: withdrawsId, effectiveOn and reason (other fields, when given, must be those of the deposit released).',
        params: projectParams,
        body: {
          type: 'object',
          properties: {
            contractorId: idParam,
            form: { type: 'string', enum: ['cash', 'bank_guarantee', 'insurance'] },
            amountFen: { type: 'integer', minimum: 1, maximum: LIMITS.deposit_amount_fen_max },
            issuer: { type: 'string', minLength: 1, maxLength: 200 },
            reference: { type: 'string', minLength: 1, maxLength: 100 },
            effectiveOn: date,
            expiresOn: date,
            reason: { type: 'string', minLength: 1, maxLength: 500 },
            withdrawsId: idParam,
          },
          required: ['effectiveOn', 'reason'],
          additionalProperties: false,
        },
        response: { 201: entry, ...errors },
      },
    },
    async (req, res) => res.status(201).send(presentEntry(await deposits.record(req.params.projectId, req.body, principalOf(req).label))),
  )

  app.get<{ Params: { projectId: string }; Querystring: { asOf?: string } }>(
    '/api/projects/:projectId/wage-deposits',
    {
      config: { policy: { roles: ['labour_manager', 'auditor'], write: false } },
      schema: {
        tags: ['account'],
        summary: 'The deposit register as of a date (default today): each deposit and its state, the required amount, DEPOSIT_MISSING / DEPOSIT_SHORT / DEPOSIT_EXPIRING',
        params: projectParams,
        querystring: { type: 'object', properties: { asOf: date }, additionalProperties: false },
        response: { 200: registerReply, ...errors },
      },
    },
    async (req) => {
      const r = await deposits.register(req.params.projectId, req.query.asOf)
      const inForceFen = sumFen(r.deposits.filter((d) => d.state === 'in_force').map((d) => fen(d.deposit.amountFen)))
      return {
        asOf: r.asOf,
        contractorId: r.contractorId,
        required: r.required === null ? null : { ...r.required, requiredYuan: formatYuan(r.required.requiredFen) },
        record: r.record,
        inForceFen,
        deposits: r.deposits.map(presentDeposit),
        withdrawals: r.withdrawals.map(presentEntry),
        flags: r.flags,
      }
    },
  )
}
