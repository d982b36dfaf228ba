/**
 * Bank instruction routes (代发指令): make the instruction of a team-month's approved payroll sheet, make a new attempt
 * of a worker-month whose payment failed, read instructions (cards masked), and fetch what the bank takes: the
 * pain.001.001.09 XML (streamed) or a bank's GBK 代发 file. The two documents carry full card numbers — the bank cannot
 * pay a masked one — so they are personal-data reads, logged as the other personal routes are.
 */
import { PassThrough } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { maskText } from '../../access/masking.ts'
import { AppError } from '../../kernel/errors.ts'
import { formatYuan, fen } from '../../kernel/money.ts'
import { maskCard } from '../../roster/identity.ts'
import { AgencyFileRefused, writeAgencyFile, type AgencyFileProfile } from '../../instructions/agency-file.ts'
import { Pain001Refused, pain001Totals, writePain001 } from '../../instructions/pain001.ts'
import { AGENCY_FILE_PROFILES } from '../../instructions/profiles/index.ts'
import type { InstructionLineRow, InstructionRow } from '../../instructions/repository.ts'
import type { InstructionView } from '../../instructions/service.ts'
import type { Services } from '../../services.ts'
import { principalOf } from '../access.ts'
import { actorOf } from './access.ts'
import { date, errors, fenAmount, idParam, month, projectParams } from '../schemas.ts'

/** The 代发 file profiles served, by the name a caller asks for. */
const AGENCY_PROFILES: Readonly<Record<string, AgencyFileProfile>> = AGENCY_FILE_PROFILES
const FORMATS = ['pain001', ...Object.keys(AGENCY_PROFILES).map((p) => `agency-file?profile=${p}`)]

const instructionParams = {
  type: 'object',
  properties: { projectId: idParam, instructionId: idParam },
  required: ['projectId', 'instructionId'],
  additionalProperties: false,
} as const

const reasonText = { type: 'string', minLength: 1, maxLength: 500, pattern: '\\S' } as const

const instructionLine = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    workerId: { type: 'string' },
    sheetLineId: { type: 'string' },
    attempt: { type: 'integer' },
    previousLineId: { type: ['string', 'null'] },
    endToEndId: { type: 'string' },
    payeeName: { type: 'string' },
    cardNoMasked: { type: 'string' },
    bankName: { type: 'string' },
    amountFen: fenAmount,
    amountYuan: { type: 'string' },
    reason: { type: 'string' },
  },
} as const

const instructionSummary = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    projectId: { type: 'string' },
    period: { type: 'string' },
    sheetId: { type: ['string', 'null'] },
    msgId: { type: 'string' },
    debtorAccountNo: { type: 'string', description: "the project's dedicated account (an account of the employer, not personal data)" },
    debtorName: { type: 'string' },
    debtorBankCode: { type: ['string', 'null'] },
    requestedOn: { type: 'string' },
    nbOfTxs: { type: 'integer', description: 'NbOfTxs' },
    ctrlSumFen: { ...fenAmount, description: 'CtrlSum in fen' },
    ctrlSum: { type: 'string', description: 'CtrlSum in yuan, as the pain.001 writes it' },
    createdBy: { type: 'string' },
    createdAt: { type: 'string' },
  },
} as const

const instructionWithLines = {
  type: 'object',
  properties: { ...instructionSummary.properties, lines: { type: 'array', items: instructionLine } },
} as const

function presentInstruction(i: InstructionRow) {
  return {
    ...i,
    createdBy: maskText(i.createdBy),
    nbOfTxs: i.txCount,
    ctrlSum: formatYuan(fen(i.ctrlSumFen)),
    createdAt: new Date(i.createdAtMs).toISOString(),
  }
}
function presentLine(l: InstructionLineRow) {
  return { ...l, payeeName: maskText(l.payeeName), cardNoMasked: maskCard(l.cardNo), amountYuan: formatYuan(fen(l.amountFen)), reason: maskText(l.reason) }
}
const presentView = (v: InstructionView) => ({ ...presentInstruction(v.instruction), lines: v.lines.map(presentLine) })

/** A writer's refusal of a stored instruction, as an error a user can act on (never a 500 for bad data). */
function refusal(err: unknown, format: string): never {
  if (err instanceof Pain001Refused || err instanceof AgencyFileRefused) {
    const account = ['invalid_account_no', 'invalid_bank_code'].includes(err.reason)
    if (account) throw new AppError('dedicated_account_invalid', { format, reason: err.reason, message: err.message })
    const field = format === 'pain001' ? 'pain001' : `agency-file?profile=${format}`
    throw new AppError('validation_failed', [{ field, message: err.message, reason: err.reason }])
  }
  throw err
}

export async function instructionsRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { instructions } = services

  app.post<{ Params: { projectId: string; teamId: string; month: string }; Body: { requestedOn?: string } | undefined }>(
    '/api/projects/:projectId/teams/:teamId/payroll-sheets/:month/instruction',
    {
      config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        tags: ['instructions'],
        summary: "Instruct the bank (代发指令) to pay the team-month's approved payroll sheet from the dedicated account",
        description:
          'From the newest version of the sheet, approved or already instructed (else 409 payroll_sheet_state): one line per ' +
          'worker line not held by a dispute, owed more than zero, and whose worker-month has no instruction yet (attempt 1). ' +
          'Nothing left: 409 instruction_nothing_to_pay. The debtor is the dedicated account in force (the account the project was created with, unless restated), else the project\'s ' +
          'account fields (neither: 409 dedicated_account_missing); a header no bank would take (the account\'s bank code or name, the ' +
          'general contractor\'s name or credit code): 409 instruction_payer_refused, nothing stored. The sheet moves to `instructed` in the same transaction. ' +
          '`requestedOn` (ReqdExctnDt) defaults to the sheet\'s pay date, or today once that has passed. Cards are masked in the reply.',
        params: {
          type: 'object',
          properties: { projectId: idParam, teamId: idParam, month },
          required: ['projectId', 'teamId', 'month'],
          additionalProperties: false,
        },
        body: { type: ['object', 'null'], properties: { requestedOn: date }, additionalProperties: false },
        response: { 201: instructionWithLines, ...errors },
      },
    },
    async (req, res) => {
      const { projectId, teamId } = req.params
      const body = req.body ?? {}
      const v = await instructions.instruct(projectId, teamId, req.params.month, body.requestedOn === undefined ? {} : { requestedOn: body.requestedOn }, actorOf(principalOf(req)))
      return res.status(201).send(presentView(v))
    },
  )

  app.post<{ Params: { projectId: string; workerId: string; month: string }; Body: { reason: string; cardNo?: string; bankName?: string } }>(
    '/api/projects/:projectId/workers/:workerId/instructions/:month/retry',
    {
      config: { policy: { roles: ['labour_manager'], write: true, personal: true } },
      schema: {
        tags: ['instructions'],
        summary: "A new attempt (补发) of a worker-month whose latest attempt failed: a single-line instruction linked to the one before",
        description:
          'Made only when the latest attempt has a failed (or returned) result — a payout line of the month matching it by ' +
          'EndToEndId, else by card and amount — and nothing paid the worker-month; otherwise 409 instruction_live with ' +
          'details.endToEndId. The card is `cardNo` when given, with its bank `bankName` (required when it is not the card on the ' +
          'roster: 400 instruction_card_bank_required), else the worker\'s card and bank in the roster now. 404 ' +
          'instruction_not_found when the worker-month was never instructed.',
        params: {
          type: 'object',
          properties: { projectId: idParam, workerId: idParam, month },
          required: ['projectId', 'workerId', 'month'],
          additionalProperties: false,
        },
        body: {
          type: 'object',
          properties: {
            reason: reasonText,
            cardNo: { type: 'string', pattern: '^\\d{12,19}$', description: 'the card to pay this time (digits)' },
            bankName: { type: 'string', minLength: 1, maxLength: 140, description: "the bank of cardNo (开户行), as the bank's file carries it" },
          },
          required: ['reason'],
          additionalProperties: false,
        },
        response: { 201: instructionWithLines, ...errors },
      },
    },
    async (req, res) => {
      const { projectId, workerId } = req.params
      const v = await instructions.retry(projectId, workerId, req.params.month, req.body, actorOf(principalOf(req)))
      req.accessRecordIds = v.lines.map((l) => l.id)
      return res.status(201).send(presentView(v))
    },
  )

  app.get<{ Params: { projectId: string }; Querystring: { month?: string } }>(
    '/api/projects/:projectId/instructions',
    {
      config: { policy: { roles: ['labour_manager', 'bank', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['instructions'],
        summary: "The project's bank instructions in the order made, of one pay month or all (without lines)",
        params: projectParams,
        querystring: { type: 'object', properties: { month }, additionalProperties: false },
        response: { 200: { type: 'array', items: instructionSummary }, ...errors },
      },
    },
    async (req) => (await instructions.list(req.params.projectId, req.query.month)).map(presentInstruction),
  )

  app.get<{ Params: { projectId: string; instructionId: string } }>(
    '/api/projects/:projectId/instructions/:instructionId',
    {
      config: { policy: { roles: ['labour_manager', 'bank', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['instructions'],
        summary: 'One instruction with its totals (NbOfTxs, CtrlSum) and its lines, cards masked',
        params: instructionParams,
        response: { 200: instructionWithLines, ...errors },
      },
    },
    async (req) => presentView(await instructions.get(req.params.projectId, req.params.instructionId)),
  )

  app.get<{ Params: { projectId: string; instructionId: string } }>(
    '/api/projects/:projectId/instructions/:instructionId/pain001',
    {
      config: { policy: { roles: ['labour_manager', 'bank'], write: false, personal: true } },
      schema: {
        tags: ['instructions'],
        summary: 'The instruction as ISO 20022 pain.001.001.09 (application/xml), streamed; full card numbers, as the bank needs them',
        description: "The labour manager's and the bank's: an inspector reads the instruction and its lines masked (GET …/instructions/{id}), never a file of full card numbers.",
        params: instructionParams,
        produces: ['application/xml'],
        response: { 200: { type: 'string', description: 'the pain.001 document' }, ...errors },
      },
    },
    async (req, reply) => {
      const doc = await instructions.document(req.params.projectId, req.params.instructionId)
      try {
        pain001Totals(doc.header, doc.lines)
      } catch (err) {
        refusal(err, 'pain001')
      }
      req.accessRecordIds = [doc.instruction.id]
      const body = new PassThrough()
      writePain001(doc.header, doc.lines, body).then(
        () => body.end(),
        (err: unknown) => body.destroy(err instanceof Error ? err : new Error(String(err))),
      )
      return reply
        .type('application/xml; charset=utf-8')
        .header('content-disposition', `attachment; filename="pain001-${doc.instruction.msgId}.xml"`)
        .send(body)
    },
  )

  app.get<{ Params: { projectId: string; instructionId: string }; Querystring: { profile: string } }>(
    '/api/projects/:projectId/instructions/:instructionId/agency-file',
    {
      config: { policy: { roles: ['labour_manager', 'bank'], write: false, personal: true } },
      schema: {
        tags: ['instructions'],
        summary: "The instruction as a bank's 代发 text file in GBK (text/plain; charset=GBK): profile cmb or city-bank",
        description: 'An unknown profile: 400 instruction_format_unknown with details.formats. Full card numbers, as the bank needs them.',
        params: instructionParams,
        querystring: { type: 'object', properties: { profile: { type: 'string', minLength: 1, maxLength: 40 } }, required: ['profile'], additionalProperties: false },
        produces: ['text/plain'],
        response: { 200: { type: 'string', format: 'binary', description: 'the file bytes, GBK' }, ...errors },
      },
    },
    async (req, reply) => {
      const profile = Object.hasOwn(AGENCY_PROFILES, req.query.profile) ? AGENCY_PROFILES[req.query.profile] : undefined
      if (!profile) throw new AppError('instruction_format_unknown', { profile: req.query.profile, formats: FORMATS })
      const doc = await instructions.document(req.params.projectId, req.params.instructionId)
      let bytes: Buffer
      try {
        bytes = writeAgencyFile(profile, doc.header, doc.lines)
      } catch (err) {
        refusal(err, req.query.profile)
      }
      req.accessRecordIds = [doc.instruction.id]
      return reply
        .type('text/plain; charset=GBK')
        .header('content-disposition', `attachment; filename="daifa-${req.query.profile}-${doc.instruction.msgId}.txt"`)
        .send(bytes)
    },
  )
}
