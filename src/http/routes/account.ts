/**
 * The dedicated account (专用账户): the register entry, the contract and its funding schedule, the bank's statements
 * (posted as their raw bytes) and the balance with the funding position.
 *
 * Access: the GC's labour manager keeps the register and the contract; the labour manager and the account's bank
 * post statements; the labour manager, the auditor and the bank read the account and its statements; the contract
 * (commercial figures) is read by the labour manager and the auditor. Team managers and workers have no part in it.
 * Counterparty accounts of movements may be workers' cards (the wages paid out of the account): replies mask them.
 */
import { LIMITS } from '../../config/limits.ts'
import type { FastifyInstance } from 'fastify'
import { principalOf } from '../access.ts'
import { AppError } from '../../kernel/errors.ts'
import { FEN_MAX, formatYuan, fen } from '../../kernel/money.ts'
import { maskCard } from '../../roster/identity.ts'
import { maskText } from '../../access/masking.ts'
import type { ContractView, NewContract, NewDedicatedAccount, PostedStatement } from '../../account/service.ts'
import { openedOnOf, type DedicatedAccountRow, type HeldMovementRow, type StatementRow } from '../../account/repository.ts'
import { STATEMENT_BYTES_MAX } from '../../account/statements/statement.ts'
import type { Services } from '../../services.ts'
import { decodeCursor, linkNext, pageAfter } from '../paging.ts'
import { date, errorResponse, errors, fenAmount, keyCursorQuery, limitQuery, projectParams } from '../schemas.ts'

/** A statement is posted as its raw bytes: camt XML or a CSV export. A JSON body would mean a client wrapped it. */
const STATEMENT_CONTENT_TYPES = ['application/xml', 'text/xml', 'text/csv', 'text/plain', 'application/octet-stream'] as const

const accountNo = { type: 'string', pattern: '^\\d{8,32}$', description: 'digits only' } as const
const reason = { type: 'string', minLength: 1, maxLength: 500 } as const

const registerEntry = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    bank: { type: 'string' },
    bankCode: { type: 'string' },
    accountNo: { type: 'string' },
    accountName: { type: 'string' },
    openedOn: { type: ['string', 'null'], description: "YYYY-MM-DD; null: not given (the account the project was created with, registered without its opening date)" },
    openingFen: fenAmount,
    reason: { type: 'string' },
    recordedBy: { type: 'string' },
    recordedAt: { type: 'string' },
  },
} as const
const register = { type: 'object', properties: { inForce: { anyOf: [registerEntry, { type: 'null' }] }, history: { type: 'array', items: registerEntry } } } as const

const fundingAmount = {
  oneOf: [
    { type: 'object', properties: { kind: { const: 'fixed' }, amountFen: { type: 'integer', minimum: 1 } }, required: ['kind', 'amountFen'], additionalProperties: false },
    { type: 'object', properties: { kind: { const: 'share' }, shareBp: { type: 'integer', minimum: 1, maximum: 10_000 } }, required: ['kind', 'shareBp'], additionalProperties: false },
  ],
} as const
const period = {
  type: 'object',
  properties: { periodId: { type: 'string', minLength: 1, maxLength: 40 }, dueOn: date, amount: fundingAmount },
  required: ['periodId', 'dueOn', 'amount'],
  additionalProperties: false,
} as const
const contractEntry = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    contractAmountFen: fenAmount,
    labourCostFen: fenAmount,
    funderAccountNos: { type: 'array', items: { type: 'string' } },
    signedOn: { type: 'string' },
    reason: { type: 'string' },
    recordedBy: { type: 'string' },
    recordedAt: { type: 'string' },
    periods: {
      type: 'array',
      items: {
        type: 'object',
        properties: { periodId: { type: 'string' }, dueOn: { type: 'string' }, amount: { type: 'object', additionalProperties: true } },
      },
    },
  },
} as const
const contracts = { type: 'object', properties: { inForce: { anyOf: [contractEntry, { type: 'null' }] }, history: { type: 'array', items: contractEntry } } } as const

const statement = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    format: { type: 'string', description: 'camt.053.001.02, camt.054.001.08, csv:cn-generic, …' },
    sha256: { type: 'string' },
    filename: { type: ['string', 'null'] },
    accountNo: { type: 'string' },
    lineCount: { type: 'integer', description: 'lines read from the file' },
    newLineCount: { type: 'integer', description: 'of them, lines the ledger did not hold before (the rest were read from an earlier statement)' },
    postedBy: { type: 'string' },
    postedAt: { type: 'string' },
  },
} as const
const balance = {
  type: 'object',
  properties: { kind: { type: 'string' }, amountFen: fenAmount, amountYuan: { type: 'string' }, currency: { type: 'string' }, date: { type: ['string', 'null'] } },
} as const
const postReply = {
  type: 'object',
  properties: {
    outcome: { type: 'string', enum: ['statement_stored', 'statement_exists'] },
    statement,
    stated: {
      type: 'array',
      items: {
        ...balance,
        properties: {
          ...balance.properties,
          ledgerFen: { type: ['integer', 'null'], description: "the ledger's balance at the same moment: just before the statement's first line for the opening balance, the end of its day for the closing" },
          differenceFen: { type: ['integer', 'null'], description: 'stated minus ledger: not 0 when the ledger lacks movements the bank booked, or the registered opening balance is wrong' },
        },
      },
      description: "the statement's own opening and closing balances, as it states them (none on a repeat post), each beside the ledger's",
    },
    balance: {
      type: 'object',
      properties: { asOf: { type: ['string', 'null'], description: 'the last booking day the ledger holds' }, balanceFen: fenAmount, balanceYuan: { type: 'string' } },
    },
  },
} as const
const movement = {
  type: 'object',
  properties: {
    bankRef: { type: 'string' },
    bookingDate: { type: 'string' },
    valueDate: { type: 'string' },
    valueDateAssumed: { type: 'boolean', description: 'no statement gave the value date (a camt.054 without ValDt): valueDate is the booking date' },
    direction: { type: 'string', enum: ['credit', 'debit'] },
    amountFen: fenAmount,
    amountYuan: { type: 'string' },
    counterpartyAccount: { type: 'string', description: 'masked (****1234): it may be a worker\'s card' },
    counterpartyName: { type: 'string' },
    reversalOf: { type: ['string', 'null'] },
    endToEndId: { type: ['string', 'null'] },
    statementId: { type: 'string' },
  },
} as const
const periodFunding = {
  type: 'object',
  properties: {
    periodId: { type: 'string' },
    dueOn: { type: 'string' },
    amountFen: fenAmount,
    cumulativeDueFen: fenAmount,
    appliedFen: fenAmount,
    completedOn: { type: ['string', 'null'] },
    state: { type: 'string', enum: ['received', 'received_late', 'late', 'not_due'] },
  },
} as const
const position = {
  type: 'object',
  properties: {
    account: registerEntry,
    asOf: { type: 'string' },
    openingFen: fenAmount,
    balanceFen: fenAmount,
    balanceYuan: { type: 'string' },
    funding: {
      anyOf: [{ type: 'object', properties: { receivedFen: fenAmount, receivedYuan: { type: 'string' }, periods: { type: 'array', items: periodFunding } } }, { type: 'null' }],
      description: 'null when no contract (funding schedule) is recorded',
    },
    movementCount: { type: 'integer', description: 'movements booked by asOf, listed or not' },
    movements: { type: 'array', items: movement, description: 'a page of the movements booked by asOf, in booking-date then reference order' },
    next: { type: ['string', 'null'], description: 'pass as `after` for the next page (also `Link: rel="next"`)' },
  },
} as const

const presentEntry = (r: DedicatedAccountRow) => ({ ...r, openedOn: openedOnOf(r.openedOn), recordedBy: maskText(r.recordedBy), recordedAt: new Date(r.recordedAtMs).toISOString() })
const presentRegister = (v: { inForce: DedicatedAccountRow | null; history: DedicatedAccountRow[] }) => ({ inForce: v.inForce && presentEntry(v.inForce), history: v.history.map(presentEntry) })
const presentContract = (v: ContractView) => ({
  ...v.contract,
  funderAccountNos: v.funderAccountNos,
  recordedAt: new Date(v.contract.recordedAtMs).toISOString(),
  periods: v.periods.map((p) => ({
    periodId: p.periodId,
    dueOn: p.dueOn,
    amount: p.amountKind === 'fixed' ? { kind: 'fixed', amountFen: p.amountFen } : { kind: 'share', shareBp: p.shareBp },
  })),
})
const presentStatement = (s: StatementRow) => ({ ...s, filename: s.filename === null ? null : maskText(s.filename), postedAt: new Date(s.postedAtMs).toISOString() })
const presentMovement = (m: HeldMovementRow) => ({
  bankRef: m.bankRef,
  bookingDate: m.bookingDate,
  valueDate: m.valueDate,
  valueDateAssumed: m.valueDateAssumed,
  direction: m.direction,
  amountFen: m.amountFen,
  amountYuan: formatYuan(fen(m.amountFen)),
  counterpartyAccount: m.counterpartyAccountNo === '' ? '' : maskCard(m.counterpartyAccountNo),
  counterpartyName: maskText(m.counterpartyName, { accountRuns: true }),
  reversalOf: m.reversalOf,
  endToEndId: m.endToEndId,
  statementId: m.statementId,
})
const presentPosted = (r: PostedStatement) => ({
  outcome: r.outcome,
  statement: presentStatement(r.statement),
  stated: r.stated.map((b) => ({ ...b, amountYuan: formatYuan(b.amountFen), date: b.date ?? null })),
  balance: { ...r.balance, balanceYuan: formatYuan(r.balance.balanceFen) },
})

export async function accountRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { account } = services

  // Statements arrive as bytes in whatever encoding the bank wrote (UTF-8 or GBK): never let a text parser touch them.
  for (const type of STATEMENT_CONTENT_TYPES) {
    if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type)
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: STATEMENT_BYTES_MAX }, (_req, body, done) => done(null, body))
  }

  app.post<{ Params: { projectId: string }; Body: NewDedicatedAccount }>(
    '/api/projects/:projectId/dedicated-account',
    {
      config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        tags: ['account'],
        summary: "Register the project's dedicated wage account (专用账户登记); a newer entry restates the older",
        params: projectParams,
        body: {
          type: 'object',
          properties: {
            bank: { type: 'string', minLength: 1, maxLength: 100 },
            bankCode: { type: 'string', description: '联行号 (CNAPS), 12 digits' },
            accountNo,
            accountName: { type: 'string', minLength: 1, maxLength: 200 },
            openedOn: date,
            openingFen: { type: 'integer', minimum: -FEN_MAX, maximum: FEN_MAX, description: 'the balance when registered, before every statement line read afterwards (default 0)' },
            reason,
          },
          required: ['bank', 'bankCode', 'accountNo', 'accountName', 'openedOn', 'reason'],
          additionalProperties: false,
        },
        response: { 201: register, ...errors },
      },
    },
    async (req, res) => {
      const p = principalOf(req)
      const reaches = async (projectId: string): Promise<boolean> => (await services.access.checkScope(p, { projectId })) === undefined
      return res.status(201).send(presentRegister(await account.registerAccount(req.params.projectId, req.body, p.label, reaches)))
    },
  )

  app.get<{ Params: { projectId: string } }>(
    '/api/projects/:projectId/dedicated-account',
    {
      config: { policy: { roles: ['labour_manager', 'auditor', 'bank'], write: false } },
      schema: { tags: ['account'], summary: 'The register entry in force (null when none) and every entry, newest first', params: projectParams, response: { 200: register, ...errors } },
    },
    async (req) => presentRegister(await account.accountRegister(req.params.projectId)),
  )

  app.post<{ Params: { projectId: string }; Body: NewContract }>(
    '/api/projects/:projectId/contract',
    {
      config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        tags: ['account'],
        summary: "Record the construction contract's figures and its labour-cost funding schedule (人工费用拨付计划); a newer one restates the older",
        params: projectParams,
        body: {
          type: 'object',
          properties: {
            contractAmountFen: { type: 'integer', minimum: 1, maximum: LIMITS.contract_amount_fen_max },
            labourCostFen: { type: 'integer', minimum: 0, maximum: LIMITS.contract_amount_fen_max },
            funderAccountNos: { type: 'array', minItems: 1, maxItems: 20, items: accountNo, description: "the construction unit's accounts funding comes from" },
            signedOn: date,
            reason,
            periods: { type: 'array', maxItems: 240, items: period },
          },
          required: ['contractAmountFen', 'labourCostFen', 'funderAccountNos', 'signedOn', 'reason', 'periods'],
          additionalProperties: false,
        },
        response: { 201: contracts, ...errors },
      },
    },
    async (req, res) => {
      const r = await account.recordContract(req.params.projectId, req.body, principalOf(req).label)
      return res.status(201).send({ inForce: presentContract(r.inForce), history: r.history.map(presentContract) })
    },
  )

  app.get<{ Params: { projectId: string } }>(
    '/api/projects/:projectId/contract',
    {
      config: { policy: { roles: ['labour_manager', 'auditor'], write: false } },
      schema: { tags: ['account'], summary: 'The contract in force (null when none) with its schedule, and every one recorded, newest first', params: projectParams, response: { 200: contracts, ...errors } },
    },
    async (req) => {
      const history = await account.contracts(req.params.projectId)
      return { inForce: history[0] === undefined ? null : presentContract(history[0]), history: history.map(presentContract) }
    },
  )

  app.post<{ Params: { projectId: string }; Querystring: { filename?: string }; Body: Buffer }>(
    '/api/projects/:projectId/account-statements',
    {
      config: { policy: { roles: ['labour_manager', 'bank'], write: true, personal: true } },
      bodyLimit: STATEMENT_BYTES_MAX,
      onRequest: async (req) => {
        const header = req.headers['content-type']
        if (header === undefined && req.headers['transfer-encoding'] === undefined && Number(req.headers['content-length'] ?? 0) === 0) return
        const type = header === undefined ? null : (header.split(';')[0] ?? '').trim().toLowerCase()
        if (type === null || !(STATEMENT_CONTENT_TYPES as readonly string[]).includes(type)) {
          throw new AppError('unsupported_media_type', { contentType: type, accepted: STATEMENT_CONTENT_TYPES })
        }
      },
      schema: {
        tags: ['account'],
        summary: "Post a statement of the project's dedicated account (camt.053, camt.054 or a CSV export); all-or-nothing, idempotent",
        description:
          'Body: the file bytes (Content-Type application/xml, text/xml, text/csv, text/plain or application/octet-stream), UTF-8 or GBK. ' +
          'The format is read from the content. Every line must be in CNY and the statement of the dedicated account in force. ' +
          'A valid statement is stored (201) with the lines the ledger did not hold; the same bytes again return the stored statement (200). ' +
          'An invalid one is refused whole with every fault (422 statement_invalid, details.errors: entry or line, field, message) and kept in rejected inputs.',
        params: projectParams,
        querystring: { type: 'object', properties: { filename: { type: 'string', maxLength: 200 } }, additionalProperties: false },
        response: { 200: postReply, 201: postReply, ...errors, 415: errorResponse },
      },
    },
    async (req, res) => {
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
      const r = await account.postStatement({ projectId: req.params.projectId, bytes, filename: req.query.filename ?? null, postedBy: principalOf(req).label })
      return res.status(r.outcome === 'statement_stored' ? 201 : 200).send(presentPosted(r))
    },
  )

  app.get<{ Params: { projectId: string } }>(
    '/api/projects/:projectId/account-statements',
    {
      config: { policy: { roles: ['labour_manager', 'auditor', 'bank'], write: false } },
      schema: { tags: ['account'], summary: "The project's statements in the order posted", params: projectParams, response: { 200: { type: 'array', items: statement }, ...errors } },
    },
    async (req) => (await account.statements(req.params.projectId)).map(presentStatement),
  )

  app.get<{ Params: { projectId: string }; Querystring: { asOf?: string; after?: string; limit: number } }>(
    '/api/projects/:projectId/account',
    {
      config: { policy: { roles: ['labour_manager', 'auditor', 'bank'], write: false, personal: true } },
      schema: {
        tags: ['account'],
        summary: "The dedicated account's balance at the end of a day, each scheduled period's funding, and its movements, a page at a time",
        description:
          'asOf: a project date (default today in the project\'s time zone). The balance is the opening balance of the register entry plus the ' +
          'statement lines booked by then, each once; funding credits (from the contract\'s funder accounts) are applied to the periods oldest first.',
        params: projectParams,
        querystring: { type: 'object', properties: { asOf: date, after: keyCursorQuery, limit: limitQuery }, additionalProperties: false },
        response: { 200: position, ...errors },
      },
    },
    async (req, reply) => {
      const { asOf, after, limit } = req.query
      const key = after === undefined ? undefined : decodeCursor(after)
      if (after !== undefined && (key?.length !== 2 || key.some((k) => typeof k !== 'string'))) throw new AppError('validation_failed', [{ field: 'querystring/after', message: 'not a cursor this listing gave' }])
      const p = await account.position(req.params.projectId, asOf)
      const { page, next } = pageAfter(p.movements, (m) => [m.bookingDate, m.bankRef], key, limit)
      linkNext(req, reply, limit, 'after', next)
      return {
        account: presentEntry(p.account),
        asOf: p.asOf,
        openingFen: p.openingFen,
        balanceFen: p.balanceFen,
        balanceYuan: formatYuan(p.balanceFen),
        funding:
          p.funding === null
            ? null
            : { receivedFen: p.funding.receivedFen, receivedYuan: formatYuan(p.funding.receivedFen), periods: p.funding.periods.map((x) => ({ ...x, completedOn: x.completedOn ?? null })) },
        movementCount: p.movements.length,
        movements: page.map(presentMovement),
        next: next ?? null,
      }
    },
  )
}
