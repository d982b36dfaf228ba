/**
 * Payroll documents (工资单据): the month's wage payment ledger (工资支付台账, Art. 15) as XLSX or CSV, and one
 * worker's pay slip (工资清单) as a printable page. Both read the approved payroll (the sheet in force of each team,
 * src/payroll/ledger-repository.ts) with the workers' answers and the bank's matched payments.
 *
 * ID, card and phone numbers are masked (the export and the slip mask them); the ledger's reveal route gives them in
 * full for a stated purpose, written to the access log as a reveal and counted against the caller's hourly reveals
 * (src/http/reveal.ts). Free text typed by people (names, item reasons, a dispute note) goes through
 * maskText, so a number typed into it is masked too. Voucher references are the bank's and are shown as they are.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { maskText } from '../../access/masking.ts'
import { AppError } from '../../kernel/errors.ts'
import { ledgerCsv, ledgerXlsx } from '../../payroll/ledger-export.ts'
import { LedgerRepository, ledgerRowOf, type LedgerLine } from '../../payroll/ledger-repository.ts'
import { paySlipHtml, type PaySlip } from '../../payroll/pay-slip.ts'
import type { Services } from '../../services.ts'
import { purposeSchema, revealLimit, statePurpose } from '../reveal.ts'
import { errors, idParam, month } from '../schemas.ts'

const ledgerParams = {
  type: 'object',
  properties: { projectId: idParam, month },
  required: ['projectId', 'month'],
  additionalProperties: false,
} as const

const slipParams = {
  type: 'object',
  properties: { projectId: idParam, workerId: idParam, month },
  required: ['projectId', 'workerId', 'month'],
  additionalProperties: false,
} as const

const FORMATS = ['xlsx', 'csv'] as const
type LedgerFormat = (typeof FORMATS)[number]

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** Text people typed, masked where it holds a personal number. */
function maskSlip(s: PaySlip): PaySlip {
  return {
    ...s,
    projectName: maskText(s.projectName),
    employerName: maskText(s.employerName),
    teamName: maskText(s.teamName),
    workerName: maskText(s.workerName),
    payable: s.payable.map((i) => ({ ...i, label: maskText(i.label) })),
    deductions: s.deductions.map((i) => ({ ...i, label: maskText(i.label) })),
    answer: s.answer && { ...s.answer, note: s.answer.note === null ? null : maskText(s.answer.note) },
  }
}

const maskLine = (l: LedgerLine): LedgerLine => ({ ...l, slip: maskSlip(l.slip) })

/** `attachment; filename="<ascii>"; filename*=UTF-8''<the Chinese name>` (RFC 6266, RFC 8187). */
function disposition(kind: 'attachment' | 'inline', ascii: string, utf8: string): string {
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(utf8)}`
}

export async function payrollDocumentsRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const ledger = new LedgerRepository(services.db)
  const { roster, clock } = services

  /** The ledger file of the month; `reveal` shows full ID, card and phone numbers (the reveal route only). */
  async function sendLedger(req: FastifyRequest<{ Params: { projectId: string; month: string } }>, reply: FastifyReply, format: LedgerFormat, reveal: boolean): Promise<FastifyReply> {
    const { projectId } = req.params
    await roster.project(projectId)
    const m = await ledger.month(projectId, req.params.month)
    // What is missing is the month's ledger, not a sheet version the caller never named.
    if (!m || m.lines.length === 0) throw new AppError('payroll_ledger_not_found', { projectId, month: req.params.month })
    const rows = m.lines.map((l) => ledgerRowOf(maskLine(l)))
    req.accessRecordIds = [...new Set(m.lines.map((l) => l.sheetId))]
    const name = `工资支付台账-${maskText(m.projectName)}-${req.params.month}.${format}`
    const ascii = `payroll-ledger-${req.params.month}.${format}`
    reply.header('content-disposition', disposition('attachment', ascii, name))
    if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(ledgerCsv(rows, { timeZone: m.timeZone, reveal }))
    return reply.type(XLSX_TYPE).send(await ledgerXlsx(rows, { timeZone: m.timeZone, reveal, createdAtMs: clock.nowMs() }))
  }

  app.get<{ Params: { projectId: string; month: string }; Querystring: { format: LedgerFormat } }>(
    '/api/projects/:projectId/payroll-ledger/:month',
    {
      config: { policy: { roles: ['labour_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['payroll'],
        summary: 'The wage payment ledger (工资支付台账) of a pay month: XLSX (default) or CSV with BOM; one line per worker of each team’s approved sheet',
        description:
          'Per team, the sheet in force: the newest version that is approved, instructed or settled. Columns as Art. 15 of ' +
          '保障农民工工资支付条例 lists them: employer, team, worker, ID number and phone (masked), days and hours, payable by ' +
          'item, deductions by item, the sheet’s net as what was due (应付金额（工资表实发）), what the bank actually paid ' +
          '(实际支付金额: successful payments no return undid), what is missing (未付金额) and the state (支付状态), card (masked) ' +
          'and bank, pay date and bank voucher reference of the payments matched (by EndToEndId, else by card), and the ' +
          'worker’s confirmation with its time and channel. 404 payroll_ledger_not_found ' +
          'when no team has an approved sheet for the month (GET …/payroll-sheets?month=YYYY-MM shows each team’s sheet and state).',
        params: ledgerParams,
        querystring: {
          type: 'object',
          properties: { format: { type: 'string', enum: FORMATS, default: 'xlsx', description: 'xlsx (a sheet named YYYY-MM, totals row) or csv (UTF-8 with BOM, CRLF)' } },
          additionalProperties: false,
        },
        produces: [XLSX_TYPE, 'text/csv'],
        response: {
          200: { type: 'string', format: 'binary', description: 'the ledger file; Content-Disposition names it (工资支付台账-<project>-<YYYY-MM>.xlsx|.csv)' },
          ...errors,
        },
      },
    },
    async (req, reply) => sendLedger(req, reply, req.query.format, false),
  )

  app.post<{ Params: { projectId: string; month: string }; Body: { purpose: string; format?: LedgerFormat } }>(
    '/api/projects/:projectId/payroll-ledger/:month/reveal',
    {
      config: { policy: { roles: ['labour_manager', 'auditor'], write: false, personal: true } },
      preHandler: revealLimit(app),
      schema: {
        tags: ['payroll'],
        summary: 'The wage payment ledger with full ID, card and phone numbers, for a stated purpose: logged in the access log as a reveal, rate-limited',
        description:
          'The same file as GET …/payroll-ledger/{month}, unmasked (e.g. for the labour bureau). The access log keeps the caller, ' +
          'the sheets and the purpose; the reveal counts against the caller’s hourly reveals (429 too_many_requests past them).',
        params: ledgerParams,
        body: {
          type: 'object',
          properties: { purpose: purposeSchema, format: { type: 'string', enum: FORMATS, default: 'xlsx' } },
          required: ['purpose'],
          additionalProperties: false,
        },
        produces: [XLSX_TYPE, 'text/csv'],
        response: {
          200: { type: 'string', format: 'binary', description: 'the ledger file, unmasked' },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      statePurpose(req, req.body.purpose)
      return sendLedger(req, reply, req.body.format ?? 'xlsx', true)
    },
  )

  app.get<{ Params: { projectId: string; workerId: string; month: string } }>(
    '/api/projects/:projectId/workers/:workerId/pay-slip/:month',
    {
      config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor', 'worker'], write: false, personal: true } },
      schema: {
        tags: ['payroll'],
        summary: "A worker's pay slip (工资清单) of a pay month: a printable zh-CN page (text/html) from the approved sheet, with the payment evidence",
        description:
          'Header (project, employer, team, month), the worker with masked ID and card numbers, days and hours, payable and ' +
          'deductions by item, net (实发), the worker’s own answer (channel and time in the project’s zone), and the bank’s ' +
          'value date and voucher reference once a payment is matched, else 未支付. A worker on two teams’ sheets in the ' +
          'month gets one slip per line, each on its own page. A worker sees only their own. 404 payroll_line_not_found when ' +
          'no approved sheet of the month has a line for the worker.',
        params: slipParams,
        produces: ['text/html'],
        response: {
          200: { type: 'string', description: 'the slip, text/html; charset=utf-8, self-contained (inline CSS with print rules)' },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const { projectId, workerId } = req.params
      await roster.project(projectId)
      const m = await ledger.month(projectId, req.params.month, { workerId })
      if (!m || m.lines.length === 0) throw new AppError('payroll_line_not_found', { workerId, month: req.params.month })
      req.accessRecordIds = m.lines.map((l) => l.lineId)
      return reply
        .type('text/html; charset=utf-8')
        .header('content-disposition', disposition('inline', `pay-slip-${req.params.month}.html`, `工资清单-${req.params.month}.html`))
        // Each slip lists the payments (or their parts) counted against its line, as its 实际支付 counts them: a worker's
        // second line listed the payment that paid the first, beside 未支付 of nothing paid to it.
        .send(paySlipHtml(m.lines.map((l) => maskSlip({ ...l.slip, payments: l.paid }))))
    },
  )
}
