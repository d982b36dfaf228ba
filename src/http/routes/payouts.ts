/** Payout routes: bank result files (代发结果), reconciliation (对账) and flags (预警), and the month summary. */
import type { FastifyInstance } from 'fastify'
import { LIMITS } from '../../config/limits.ts'
import { AppError } from '../../kernel/errors.ts'
import { formatYuan, fen, sumFen } from '../../kernel/money.ts'
import { monthBoundsMs } from '../../kernel/time.ts'
import { creditText } from '../../timesheets/rules.ts'
import { isAccountName, maskText } from '../../access/masking.ts'
import { maskCard } from '../../roster/identity.ts'
import type { FlagRow, PayoutFileRow, PayoutLineKey, PayoutLineRow, ReconciliationRunRow } from '../../payouts/repository.ts'
import { BANK_FORMATS } from '../../payouts/formats/index.ts'
import type { ReconciliationView } from '../../payouts/service.ts'
import type { Services } from '../../services.ts'
import type { Principal } from '../../access/roles.ts'
import { principalOf } from '../access.ts'
import { decodeCursor, encodeCursor, linkNext, pageOf } from '../paging.ts'
import { errorResponse, errors, fenAmount, idParam, keyCursorQuery, limitQuery, month, projectMonthParams, projectParams } from '../schemas.ts'

/** What a bank file is posted as: its raw bytes. JSON or XML would mean a client wrapped the file, not sent it. */
/** Bank files as banks send them: text, CSV, XML (ISO 20022, 银企直联), a CMB JSON answer, or plain bytes. */
const PAYOUT_FILE_CONTENT_TYPES = ['text/plain', 'text/csv', 'application/octet-stream', 'application/xml', 'text/xml'] as const

const payoutFile = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    projectId: { type: 'string' },
    period: { type: 'string' },
    sha256: { type: 'string' },
    filename: { type: ['string', 'null'] },
    encoding: { type: 'string' },
    lineCount: { type: 'integer' },
    successCount: { type: 'integer' },
    successFen: fenAmount,
    failedCount: { type: 'integer' },
    failedFen: fenAmount,
    pendingCount: { type: 'integer', description: 'reports of payments accepted or processing: neither paid nor failed yet' },
    returnedCount: { type: 'integer', description: 'returns (退票) of earlier payments' },
    returnedFen: fenAmount,
    format: { type: 'string', description: 'what the file was read as: delimited, pain.002, camt.054, camt.053, cmb-agency, text:<profile>' },
    variant: { type: ['string', 'null'], description: 'the message version or profile read (pain.002.001.03, camt.054.001.08, NTAGDINF)' },
    messageId: { type: ['string', 'null'], description: "the bank's id of the message (GrpHdr/MsgId), when it gives one" },
    postedBy: {
      type: ['string', 'null'],
      description: 'who posted the file: the API key (its visible prefix) or user (login) that posted it, with the sender it named beside in brackets; the watched folder\'s files "payout inbox folder"; null only for files stored before callers were recorded',
    },
    postedAt: { type: 'string' },
  },
} as const

const payoutLine = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    fileId: { type: 'string' },
    lineNo: { type: 'integer' },
    seq: { type: 'integer' },
    payeeCardMasked: { type: 'string' },
    payeeName: { type: 'string' },
    amountFen: fenAmount,
    status: { type: 'string', enum: ['success', 'failed', 'pending', 'returned'] },
    bankRef: { type: 'string' },
    valueDate: { type: 'string' },
    failureReason: { type: ['string', 'null'] },
    reasonCode: { type: ['string', 'null'], description: "the bank's reason code (AM04, AC04, CMB RTNCOD), when given" },
    returnOfEndToEndId: { type: ['string', 'null'], description: 'on a return (退票): the EndToEndId of the payment it undoes' },
    returnOfBankRef: { type: ['string', 'null'], description: "on a return: the bank's reference of the payment it undoes" },
    uetr: { type: ['string', 'null'] },
    payerAccountMasked: { type: ['string', 'null'], description: "付款账号, masked; null: paid from the account the file was posted for (the project's dedicated account)" },
    endToEndId: { type: ['string', 'null'], description: "端到端标识号: the instruction line's EndToEndId, when the file gives it" },
  },
} as const

/** A payout line as a flag's evidence shows it (reconcile.ts lineEvidence), card masked. */
const evidenceLine = {
  type: 'object',
  properties: {
    lineId: { type: 'string' },
    fileId: { type: 'string' },
    lineNo: { type: 'integer' },
    bankRef: { type: 'string' },
    valueDate: { type: 'string' },
    payeeCard: { type: 'string', description: 'masked (****1234)' },
    payeeName: { type: 'string' },
    amountFen: fenAmount,
    amountYuan: { type: 'string' },
    status: { type: 'string' },
    failureReason: { type: ['string', 'null'] },
  },
} as const

const evidenceLines = {
  type: 'array',
  maxItems: LIMITS.flag_evidence_lines_max,
  items: evidenceLine,
  description: `the first lines the flag rests on in money order (value date, file, line), at most ${LIMITS.flag_evidence_lines_max}`,
} as const

/** reconcile.ts EvidenceLinesTotal, and the listing that returns every line it counts. */
const evidenceLinesTotal = {
  type: 'object',
  properties: {
    count: { type: 'integer', description: 'every line the list stands for, shown or not' },
    amountFen: { ...fenAmount, description: 'their total in fen' },
    amountYuan: { type: 'string' },
    shown: { type: 'integer', description: 'lines shown in the evidence beside this total' },
    status: { type: 'string', enum: ['success', 'failed', 'pending', 'returned'] },
    href: { type: 'string', description: 'all of them, paged, in the same order: the month\'s payout lines of this flag with this status' },
  },
} as const

const flagEvidence = {
  type: 'object',
  additionalProperties: true,
  description: 'what proves the flag; its fields depend on the kind (README, Reconciliation and flags). Lists are bounded, each beside its total.',
  properties: {
    lines: evidenceLines,
    linesTotal: evidenceLinesTotal,
    failedLines: evidenceLines,
    failedLinesTotal: evidenceLinesTotal,
    line: evidenceLine,
    payeeNames: { type: 'array', maxItems: LIMITS.flag_evidence_lines_max, items: { type: 'string' }, description: 'UNKNOWN_PAYEE: the names the card was paid under, sorted, the first of them' },
    payeeNameCount: { type: 'integer', description: 'UNKNOWN_PAYEE: how many names in all' },
    dueFrom: { type: 'string', enum: ['payroll_sheet', 'timesheet'], description: "a worker's flags, when the month has sheets: where the due comes from" },
    sheetLines: {
      type: 'array',
      maxItems: LIMITS.flag_evidence_lines_max,
      items: { type: 'object', additionalProperties: true },
      description: 'the approved sheet lines the due is the net of (team, sheet id and version, line id, payable, deductions, net, the worker\'s answer)',
    },
    sheetLineCount: { type: 'integer' },
    workers: {
      type: 'array',
      maxItems: LIMITS.flag_evidence_lines_max,
      items: { type: 'object', additionalProperties: true },
      description: 'NO_PAYROLL_SHEET: the first workers of the team with attendance (id, name, days, timesheet due), by worker id; SHARED_CARD, GROUP_ARREARS, HEADCOUNT_GAP: the first workers concerned, each an object with at least workerId',
    },
    workerCount: { type: 'integer', description: 'NO_PAYROLL_SHEET, SHARED_CARD, GROUP_ARREARS, HEADCOUNT_GAP: how many in all' },
    sheet: { anyOf: [{ type: 'object', additionalProperties: true }, { type: 'null' }], description: "NO_PAYROLL_SHEET: the team's newest sheet of the month, not approved (id, version, state), or null" },
    payouts: {
      type: 'array',
      maxItems: LIMITS.flag_evidence_lines_max,
      items: { type: 'object', additionalProperties: true },
      description: 'PAYER_NOT_DEDICATED: the first payouts debited from the account (money order), each with its payee (card masked)',
    },
    payoutsCount: { type: 'integer' },
  },
} as const

const flag = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    period: { type: 'string' },
    workerId: { type: ['string', 'null'] },
    workerName: { type: ['string', 'null'] },
    payeeCardMasked: { type: ['string', 'null'] },
    dueFen: { type: ['integer', 'null'] },
    paidFen: { type: ['integer', 'null'] },
    evidence: flagEvidence,
    raisedAt: { type: 'string' },
  },
} as const

const run = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    period: { type: 'string' },
    payDate: { type: 'string' },
    workers: { type: 'integer' },
    dueFen: fenAmount,
    paidFen: fenAmount,
    unknownPaidFen: fenAmount,
    shortFen: fenAmount,
    flagCount: { type: 'integer' },
    trigger: { type: 'string' },
    ranAt: { type: 'string' },
  },
} as const

const reconciliation = {
  type: 'object',
  properties: {
    run: { anyOf: [run, { type: 'null' }] },
    flags: {
      type: 'array',
      items: flag,
      description: `the run's flags in the order raised, a page of them (at most ${LIMITS.page_size_max}; run.flagCount counts them all); empty in a bank's reply: a bank may not read flags`,
    },
    next: {
      type: ['string', 'null'],
      description: "when more flags follow: pass as `after` to GET /api/projects/{id}/flags/{YYYY-MM} (also its `Link: rel=\"next\"`); null on the last page",
    },
  },
} as const

/** Text a bank wrote in its file: any run of 12–19 digits in it is taken for an account (src/access/masking.ts). */
const maskBankText = (text: string): string => maskText(text, { accountRuns: true })

/**
 * Who posted a file, as stored: the authenticated caller (the key's visible prefix or the user's login, as the access
 * log names them), so a bank's file is never kept as posted by no one, nor by whoever the bank claims. A `postedBy`
 * the caller gives (the clerk at the bank who sent the file) is kept beside it, `<caller> (<given>)`; the caller's own
 * name given is kept once.
 */
function postedByOf(caller: string, given: string | undefined): string {
  const stated = given?.trim() ?? ''
  return stated === '' || stated === caller ? caller : `${caller} (${stated})`
}

function presentFile(f: PayoutFileRow) {
  return {
    ...f,
    filename: f.filename === null ? null : maskText(f.filename),
    postedBy: f.postedBy === null ? null : maskText(f.postedBy),
    postedAt: new Date(f.postedAtMs).toISOString(),
  }
}
function presentLine(l: PayoutLineRow) {
  return {
    ...l,
    payeeCardMasked: maskCard(l.payeeCard),
    payeeName: maskBankText(l.payeeName),
    failureReason: l.failureReason === null ? null : maskBankText(l.failureReason),
    payerAccountMasked: l.payerAccountNo === null ? null : maskCard(l.payerAccountNo),
    endToEndId: l.endToEndId === null ? null : maskBankText(l.endToEndId),
    returnOfEndToEndId: l.returnOfEndToEndId === null ? null : maskBankText(l.returnOfEndToEndId),
    returnOfBankRef: l.returnOfBankRef === null ? null : maskBankText(l.returnOfBankRef),
  }
}

/** Evidence fields whose text comes from the bank's file (a failure reason may well quote the account). */
const FROM_BANK_FILE = new Set(['failureReason', 'payeeName', 'payeeNames'])

/**
 * Evidence carries full card numbers for the bureau's file; replies mask them: a value that is all digits (12–19) is a
 * card, text from the bank file is masked as a bank file's, and any other text as free text.
 */
function maskEvidence(value: unknown, key?: string): unknown {
  if (typeof value === 'string') {
    if (/^\d{12,19}$/.test(value)) return maskCard(value)
    return maskText(value, { accountRuns: key !== undefined && (FROM_BANK_FILE.has(key) || isAccountName(key)) })
  }
  if (Array.isArray(value)) return value.map((v) => maskEvidence(v, key))
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskEvidence(v, k)]))
  return value
}

/**
 * Each bounded list of a flag's evidence points to all its lines. By flag id rather than card: a reply never carries
 * a full card number, and a flag about a stranger's card (UNKNOWN_PAYEE) has no worker to filter by.
 */
function linkEvidenceLines(f: FlagRow, evidence: unknown): unknown {
  if (!evidence || typeof evidence !== 'object' || Array.isArray(evidence)) return evidence
  const linked: Record<string, unknown> = { ...evidence }
  for (const key of ['linesTotal', 'failedLinesTotal']) {
    const total = linked[key]
    if (total && typeof total === 'object' && 'status' in total && typeof total.status === 'string') {
      const query = new URLSearchParams({ flagId: f.id, status: total.status })
      linked[key] = { ...total, href: `/api/projects/${encodeURIComponent(f.projectId)}/payouts/${f.period}/lines?${query.toString()}` }
    }
  }
  return linked
}

/**
 * Parts of a cursor a client sent back, as a column can hold them: a whole number in the exact range (PostgreSQL
 * refuses 1.5 or 1e30 for a BIGINT, where SQLite compared them), text without NUL (PostgreSQL text cannot hold it).
 */
const isCursorInteger = (v: unknown): v is number => Number.isSafeInteger(v)
/** Line numbers are a 32-bit integer column on PostgreSQL: a number past it is no line's, and must not reach the query. */
const LINE_NO_MAX = 2_147_483_647
const isCursorText = (v: unknown): v is string => typeof v === 'string' && !v.includes('\u0000')

/** A listing cursor back to the line's place in money order, or undefined when it is not one this listing gave. */
function lineKeyOf(cursor: string): PayoutLineKey | undefined {
  const key = decodeCursor(cursor)
  if (key?.length !== 4) return undefined
  const [valueDate, fileId, lineNo, id] = key
  return isCursorText(valueDate) && isCursorText(fileId) && isCursorInteger(lineNo) && lineNo <= LINE_NO_MAX && isCursorText(id) ? [valueDate, fileId, lineNo, id] : undefined
}

export async function payoutRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { payouts, roster, punches, payroll } = services

  const workerNames = async (projectId: string): Promise<Map<string, string>> => new Map((await roster.listEnrolments(projectId)).map(({ worker }) => [worker.id, worker.name]))
  const presentFlag = (names: Map<string, string>) => (f: FlagRow) => ({
    ...f,
    workerName: f.workerId ? (names.get(f.workerId) ?? null) : null,
    payeeCardMasked: f.payeeCard ? maskCard(f.payeeCard) : null,
    evidence: linkEvidenceLines(f, maskEvidence(JSON.parse(f.evidence))),
    raisedAt: new Date(f.raisedAtMs).toISOString(),
  })
  const presentRun = (r: ReconciliationRunRow) => ({ ...r, ranAt: new Date(r.ranAtMs).toISOString() })
  /**
   * A run with a page of its flags: `flags` read with one to spare (limit + 1), as pageOf expects. A bank that posts a
   * file or runs a reconciliation gets the run's figures (as the month summary it may read gives them) and no flag: the
   * flags (names, disputes, the contract's funding schedule and funder accounts) are the labour manager's and the
   * auditor's to read, and GET …/flags/{month} refuses the bank (README, Reconciliation and flags).
   */
  const presentReconciliation = async (projectId: string, v: ReconciliationView | undefined, limit: number, reader: Principal) => {
    if (!v) return { run: null, flags: [], next: null }
    if (reader.role === 'bank') return { run: presentRun(v.run), flags: [], next: null }
    const { page, next } = pageOf(v.flags, limit, (f) => f.id)
    return { run: presentRun(v.run), flags: page.map(presentFlag(await workerNames(projectId))), next: next ?? null }
  }

  // Bank files arrive as bytes in whatever encoding the bank wrote (UTF-8 or GBK): never let a text parser touch them.
  for (const type of PAYOUT_FILE_CONTENT_TYPES) {
    if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type)
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: LIMITS.payout_file_bytes_max }, (_req, body, done) => done(null, body))
  }

  app.post<{ Params: { projectId: string }; Querystring: { period: string; filename?: string; postedBy?: string; format?: string }; Body: Buffer }>(
    '/api/projects/:projectId/payout-files',
    {
      config: { policy: { roles: ['bank'], write: true, personal: true }, bodyTooLarge: 'payout_file_too_large' },
      bodyLimit: LIMITS.payout_file_bytes_max,
      // Before the body is read: a JSON body would otherwise be parsed in full, only to be answered "empty".
      onRequest: async (req) => {
        const header = req.headers['content-type']
        // A post with no body and no type is answered payout_file_empty by the handler; bytes without a type are refused here.
        if (header === undefined && req.headers['transfer-encoding'] === undefined && Number(req.headers['content-length'] ?? 0) === 0) return
        const type = header === undefined ? null : (header.split(';')[0] ?? '').trim().toLowerCase()
        if (type === null || !(PAYOUT_FILE_CONTENT_TYPES as readonly string[]).includes(type)) {
          throw new AppError('unsupported_media_type', { contentType: type, accepted: PAYOUT_FILE_CONTENT_TYPES })
        }
      },
      schema: {
        tags: ['payouts'],
        summary: "Post a bank payout result file for the project's dedicated account; all-or-nothing, idempotent",
        description:
          'Body: the file bytes (Content-Type text/plain, text/csv, application/xml, text/xml or application/octet-stream), UTF-8 or GBK: ' +
          'the delimited layout, ISO 20022 pain.002 or camt.053/054, a CMB 代发 result, or a text profile (format, detected or named). ' +
          'A valid file is stored and the pay month reconciled at once (201); the same bytes again change nothing (200). ' +
          "The reply carries the run and its first flags; a bank's reply the run's figures and no flag. " +
          'An invalid file is refused whole with every line error (422) and kept in rejected inputs. ' +
          'Any other Content-Type (a JSON wrapper, a form) is refused with 415 and the accepted types.',
        params: projectParams,
        querystring: {
          type: 'object',
          properties: {
            period: month,
            filename: { type: 'string', maxLength: 200, description: "the file's name as the bank gave it (some banks date their files only there)" },
            postedBy: {
              type: 'string',
              maxLength: 100,
              description: 'who at the caller sent the file (e.g. the clerk); stored beside the caller, never instead of it: the file records the key or user that posted it as postedBy, this as "<caller> (<postedBy>)"',
            },
            format: { type: 'string', enum: BANK_FORMATS.map((f) => f.name), description: 'the format to read the file as; detected from its content when absent' },
          },
          required: ['period'],
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { outcome: { type: 'string' }, file: payoutFile, reconciliation } },
          201: { type: 'object', properties: { outcome: { type: 'string' }, file: payoutFile, reconciliation } },
          ...errors,
          415: errorResponse,
        },
      },
    },
    async (req, res) => {
      if (!Buffer.isBuffer(req.body)) throw new AppError('payout_file_empty')
      const r = await payouts.post({
        projectId: req.params.projectId,
        period: req.query.period,
        bytes: req.body,
        filename: req.query.filename ?? null,
        postedBy: postedByOf(principalOf(req).label, req.query.postedBy),
        ...(req.query.format === undefined ? {} : { format: req.query.format }),
      })
      return res.status(r.outcome === 'payout_file_stored' ? 201 : 200).send({
        outcome: r.outcome,
        file: presentFile(r.file),
        reconciliation: await presentReconciliation(req.params.projectId, r.reconciliation, LIMITS.page_size_max, principalOf(req)),
      })
    },
  )

  app.get<{ Params: { projectId: string }; Querystring: { after?: string; limit: number } }>(
    '/api/projects/:projectId/payout-files',
    { config: { policy: { roles: ['labour_manager', 'bank', 'auditor'], write: false } },
      schema: {
        tags: ['payouts'],
        summary: "The project's payout files in the order posted, a page at a time (`Link: rel=\"next\"` when more follow)",
        params: projectParams,
        querystring: { type: 'object', properties: { after: keyCursorQuery, limit: limitQuery }, additionalProperties: false },
        response: { 200: { type: 'array', items: payoutFile }, ...errors },
      },
    },
    async (req, reply) => {
      const { after, limit } = req.query
      const key = after === undefined ? undefined : decodeCursor(after)
      const position = key?.length === 2 && isCursorInteger(key[0]) && isCursorText(key[1]) ? ([key[0], key[1]] as const) : undefined
      if (after !== undefined && position === undefined) throw new AppError('validation_failed', [{ field: 'querystring/after', message: 'not a cursor this listing gave' }])
      const { page, next } = pageOf(await payouts.filesPage(req.params.projectId, position, limit + 1), limit, (f) => encodeCursor([f.postedAtMs, f.id]))
      linkNext(req, reply, limit, 'after', next)
      return page.map(presentFile)
    },
  )

  app.get<{ Params: { projectId: string; fileId: string }; Querystring: { after?: number; limit: number } }>(
    '/api/projects/:projectId/payout-files/:fileId/lines',
    { config: { policy: { roles: ['labour_manager', 'bank', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['payouts'],
        summary: "One file's lines in file order, a page at a time (`after`: the line number of the previous page's last)",
        params: { type: 'object', properties: { projectId: idParam, fileId: idParam }, required: ['projectId', 'fileId'], additionalProperties: false },
        querystring: {
          type: 'object',
          properties: { after: { type: 'integer', minimum: 0, maximum: LINE_NO_MAX, description: 'the line number (lineNo) of the last line of the previous page' }, limit: limitQuery },
          additionalProperties: false,
        },
        response: { 200: { type: 'array', items: payoutLine }, ...errors },
      },
    },
    async (req, reply) => {
      const { after, limit } = req.query
      const { page, next } = pageOf(await payouts.fileLinesPage(req.params.projectId, req.params.fileId, after, limit + 1), limit, (l) => l.lineNo)
      linkNext(req, reply, limit, 'after', next)
      return page.map(presentLine)
    },
  )

  app.get<{
    Params: { projectId: string; month: string }
    Querystring: { card?: string; workerId?: string; flagId?: string; status?: 'success' | 'failed'; after?: string; limit: number }
  }>(
    '/api/projects/:projectId/payouts/:month/lines',
    {
      config: { policy: { roles: ['labour_manager', 'bank', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['payouts'],
        summary: "The pay month's payout lines over all its files, a page at a time: all, or a card's, a worker's or a flag's",
        description:
          'In money order (value date, file, line), the order a flag shows its first lines in: walked from a flag\'s ' +
          '`linesTotal.href`, the pages hold every line the flag counts. At most one of `card`, `workerId` and `flagId`. ' +
          '`workerId` and a flag with a worker take the cards the reconciliation attributes to the worker. Cards are masked. ' +
          'When more follow, `Link: <…>; rel="next"` is the same request with `after` set.',
        params: projectMonthParams,
        querystring: {
          type: 'object',
          properties: {
            card: { type: 'string', pattern: '^\\d{12,19}$', description: 'lines paid to this card number (digits)' },
            workerId: idParam,
            flagId: { ...idParam, description: "the lines a flag rests on: its worker's, or its card's when the card is no worker's" },
            status: { type: 'string', enum: ['success', 'failed', 'pending', 'returned'] },
            after: keyCursorQuery,
            limit: limitQuery,
          },
          additionalProperties: false,
        },
        response: { 200: { type: 'array', items: payoutLine }, ...errors },
      },
    },
    async (req, reply) => {
      const { card, workerId, flagId, status, after, limit } = req.query
      if ([card, workerId, flagId].filter((v) => v !== undefined).length > 1) throw new AppError('validation_failed', [{ field: 'querystring', message: 'give at most one of card, workerId and flagId' }])
      const key = after === undefined ? undefined : lineKeyOf(after)
      if (after !== undefined && key === undefined) throw new AppError('validation_failed', [{ field: 'querystring/after', message: 'not a cursor this listing gave' }])
      const rows = await payouts.monthLines(
        req.params.projectId,
        req.params.month,
        { ...(card === undefined ? {} : { card }), ...(workerId === undefined ? {} : { workerId }), ...(flagId === undefined ? {} : { flagId }), ...(status === undefined ? {} : { status }) },
        key,
        limit + 1,
      )
      const { page, next } = pageOf(rows, limit, (l) => encodeCursor([l.valueDate, l.fileId, l.lineNo, l.id]))
      linkNext(req, reply, limit, 'after', next)
      return page.map(presentLine)
    },
  )

  app.post<{ Params: { projectId: string; month: string } }>(
    '/api/projects/:projectId/reconciliations/:month',
    // Personal as the flags listing is: the reply carries the run's flags (names, disputes, sheet lines).
    { config: { policy: { roles: ['labour_manager', 'bank'], write: true, personal: true } },
      schema: {
        tags: ['payouts'],
        summary: 'Reconcile the pay month now (e.g. after late punches or a roster fix) and record the run',
        params: projectMonthParams,
        response: { 201: reconciliation, ...errors },
      },
    },
    async (req, res) => {
      const v = await payouts.reconcile(req.params.projectId, req.params.month, 'manual')
      return res.status(201).send(await presentReconciliation(req.params.projectId, v, LIMITS.page_size_max, principalOf(req)))
    },
  )

  /**
   * The reconciliation record (对账记录) of the month: its newest run's figures, what the bureau's pages link as the
   * month's due, paid and short (and "对账记录", 按月足额支付), for anyone who may read those figures. The POST at the
   * same path runs a reconciliation and is the labour manager's and the bank's; this only reads. The flags themselves
   * (names, disputes) are the flags listing's, linked, with its own policy.
   */
  app.get<{ Params: { projectId: string; month: string } }>(
    '/api/projects/:projectId/reconciliations/:month',
    { config: { policy: { roles: ['labour_manager', 'bank', 'auditor'], write: false } },
      schema: {
        tags: ['payouts'],
        summary: "The month's reconciliation record (对账记录): the newest run's figures (workers, due, paid, short, flags by kind), read only",
        description:
          '`run` is null while the month has never been reconciled (no bank file posted, no manual run). The flags with ' +
          'their evidence are at `flagsHref` (GET …/flags/{YYYY-MM}: labour manager and auditor).',
        params: projectMonthParams,
        response: {
          200: {
            type: 'object',
            properties: {
              run: { anyOf: [run, { type: 'null' }] },
              flagsByKind: { type: 'object', additionalProperties: { type: 'integer' }, description: "the newest run's flags counted by kind" },
              flagsHref: { type: 'string', description: 'the flags of the newest run with their evidence, a page at a time' },
            },
            required: ['run', 'flagsByKind', 'flagsHref'],
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const { projectId, month: period } = req.params
      const latest = await payouts.latest(projectId, period)
      const flagsByKind: Record<string, number> = {}
      for (const f of latest?.flags ?? []) flagsByKind[f.kind] = (flagsByKind[f.kind] ?? 0) + 1
      return { run: latest ? presentRun(latest.run) : null, flagsByKind, flagsHref: `/api/projects/${encodeURIComponent(projectId)}/flags/${period}` }
    },
  )

  app.get<{ Params: { projectId: string; month: string }; Querystring: { after?: string; limit: number } }>(
    '/api/projects/:projectId/flags/:month',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['payouts'],
        summary: "The newest reconciliation's flags for the pay month, each with its evidence, a page at a time",
        description:
          'Flags in the order the run raised them (kind, worker, card). `next` (also `Link: rel="next"`) is the `after` of the ' +
          'next page, null on the last; an `after` that is no flag of the newest run (a run came in between) is cursor_not_found: start again.',
        params: projectMonthParams,
        querystring: { type: 'object', properties: { after: { ...idParam, description: 'the id of the last flag of the previous page' }, limit: limitQuery }, additionalProperties: false },
        response: { 200: reconciliation, ...errors },
      },
    },
    async (req, reply) => {
      const { after, limit } = req.query
      const v = await payouts.latestPage(req.params.projectId, req.params.month, after, limit + 1)
      const presented = await presentReconciliation(req.params.projectId, v, limit, principalOf(req))
      linkNext(req, reply, limit, 'after', presented.next ?? undefined)
      return presented
    },
  )

  app.get<{ Params: { projectId: string; month: string } }>(
    '/api/projects/:projectId/summary/:month',
    { config: { policy: { roles: ['labour_manager', 'bank', 'auditor'], write: false } },
      schema: {
        tags: ['payouts'],
        summary: 'A pay month at a glance: workers, days, due, paid, flags by kind, punches, and the re-sends and refusals received in the month',
        params: projectMonthParams,
        response: {
          200: {
            type: 'object',
            properties: {
              projectId: { type: 'string' },
              period: { type: 'string' },
              payDate: { type: 'string' },
              workers: { type: 'integer' },
              creditHalves: { type: 'integer', description: "days credited by the month's timesheets, in halves (as the timesheet's creditHalves)" },
              adjustmentHalves: { type: 'integer', description: 'days carried in by adjustments to confirmed months, in halves' },
              dueHalves: { type: 'integer', description: "days the wages are due for (计薪天数), in halves: as /payroll's dueHalves, summed" },
              dueDays: { type: 'string', description: 'the same in days ("2650.5")' },
              daysIncomplete: { type: 'integer' },
              workedMinutes: { type: 'integer', description: "worked minutes of the month's timesheets" },
              dueFen: fenAmount,
              paidFen: fenAmount,
              unknownPaidFen: fenAmount,
              shortFen: fenAmount,
              due: { type: 'string' },
              paid: { type: 'string' },
              flagsByKind: { type: 'object', additionalProperties: { type: 'integer' } },
              punches: { type: 'integer', description: "punches stored for the month's work dates" },
              receivedFrom: { type: 'string', description: "the month's first instant in the project's zone (UTC): re-sends and refusals count from here" },
              receivedUntil: { type: 'string', description: 'the first instant of the next month (exclusive)' },
              duplicates: { type: 'integer', description: "re-sent records counted on the project's devices, received in the month (by receipt date in the project's zone, not the punch's date)" },
              rejectedByReason: {
                type: 'object',
                additionalProperties: { type: 'integer' },
                description: "inputs refused, received in the month, filed under the project (a frame whose topic names the project's site code, a payout file posted to it)",
              },
              reconciledAt: { type: ['string', 'null'] },
            },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const { projectId, month: period } = req.params
      const due = await payroll.due(projectId, period)
      const latest = await payouts.latest(projectId, period)
      const flagsByKind: Record<string, number> = {}
      for (const f of latest?.flags ?? []) flagsByKind[f.kind] = (flagsByKind[f.kind] ?? 0) + 1
      const dueFen = sumFen(due.workers.map((w) => w.dueFen))
      const paidFen = fen(latest?.run.paidFen ?? 0)
      // Re-sends and refusals are counted by when they were received, in the project's zone: a month's figure says
      // what its devices and the bank sent that month, whatever dates the punches inside claim.
      const { startMs, endMs } = monthBoundsMs(period, (await roster.project(projectId)).timeZone)
      const dueHalves = due.workers.reduce((s, w) => s + w.dueHalves, 0)
      return {
        projectId,
        period,
        payDate: due.payDate,
        workers: due.workers.length,
        creditHalves: due.workers.reduce((s, w) => s + w.creditHalves, 0),
        adjustmentHalves: due.workers.reduce((s, w) => s + w.adjustmentHalves, 0),
        dueHalves,
        dueDays: creditText(dueHalves),
        daysIncomplete: due.workers.reduce((s, w) => s + w.daysIncomplete, 0),
        workedMinutes: due.workers.reduce((s, w) => s + w.workedMinutes, 0),
        dueFen,
        paidFen,
        unknownPaidFen: latest?.run.unknownPaidFen ?? 0,
        shortFen: latest?.run.shortFen ?? 0,
        due: formatYuan(dueFen),
        paid: formatYuan(paidFen),
        flagsByKind,
        punches: await punches.countPunches(projectId, `${period}-01`, `${period}-31`),
        receivedFrom: new Date(startMs).toISOString(),
        receivedUntil: new Date(endMs).toISOString(),
        duplicates: await punches.duplicatesByProject(projectId, `${period}-01`, `${period}-31`),
        rejectedByReason: Object.fromEntries((await punches.rejectedCounts(projectId, startMs, endMs)).map((r) => [r.reason, r.n])),
        reconciledAt: latest ? new Date(latest.run.ranAtMs).toISOString() : null,
      }
    },
  )
}
