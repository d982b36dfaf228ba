/** Payout routes: bank result files (代发结果), reconciliation (对账) and flags (预警), and the month summary. */
import type { FastifyInstance } from 'fastify'
import { LIMITS } from '../../config/limits.ts'
import { AppError } from '../../kernel/errors.ts'
import { formatYuan, fen, sumFen } from '../../kernel/money.ts'
import { monthBoundsMs } from '../../kernel/time.ts'
import { creditText } from '../../timesheets/rules.ts'
import { maskCard } from '../../roster/identity.ts'
import type { FlagRow, PayoutFileRow, PayoutLineRow, ReconciliationRunRow } from '../../payouts/repository.ts'
import type { Services } from '../../services.ts'
import { errorResponse, errors, fenAmount, idParam, month, projectMonthParams, projectParams } from '../schemas.ts'

/** What a bank file is posted as: its raw bytes. JSON or XML would mean a client wrapped the file, not sent it. */
const PAYOUT_FILE_CONTENT_TYPES = ['text/plain', 'text/csv', 'application/octet-stream'] as const

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
    postedBy: { type: ['string', 'null'] },
    postedAt: { type: 'string' },
  },
} as const

const payoutLine = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    lineNo: { type: 'integer' },
    seq: { type: 'integer' },
    payeeCardMasked: { type: 'string' },
    payeeName: { type: 'string' },
    amountFen: fenAmount,
    status: { type: 'string' },
    bankRef: { type: 'string' },
    valueDate: { type: 'string' },
    failureReason: { type: ['string', 'null'] },
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
    evidence: { type: 'object', additionalProperties: true },
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
  properties: { run: { anyOf: [run, { type: 'null' }] }, flags: { type: 'array', items: flag } },
} as const

function presentFile(f: PayoutFileRow) {
  return { ...f, postedAt: new Date(f.postedAtMs).toISOString() }
}
function presentLine(l: PayoutLineRow) {
  return { ...l, payeeCardMasked: maskCard(l.payeeCard) }
}
/** Evidence carries full card numbers for the bureau's file; replies mask them. */
function maskEvidence(value: unknown): unknown {
  if (typeof value === 'string') return /^\d{12,19}$/.test(value) ? maskCard(value) : value
  if (Array.isArray(value)) return value.map(maskEvidence)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskEvidence(v)]))
  return value
}

export async function payoutRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { payouts, roster, punches, payroll } = services

  const workerNames = (projectId: string): Map<string, string> => new Map(roster.listEnrolments(projectId).map(({ worker }) => [worker.id, worker.name]))
  const presentFlag = (names: Map<string, string>) => (f: FlagRow) => ({
    ...f,
    workerName: f.workerId ? (names.get(f.workerId) ?? null) : null,
    payeeCardMasked: f.payeeCard ? maskCard(f.payeeCard) : null,
    evidence: maskEvidence(JSON.parse(f.evidence)),
    raisedAt: new Date(f.raisedAtMs).toISOString(),
  })
  const presentRun = (r: ReconciliationRunRow) => ({ ...r, ranAt: new Date(r.ranAtMs).toISOString() })

  // Bank files arrive as bytes in whatever encoding the bank wrote (UTF-8 or GBK): never let a text parser touch them.
  for (const type of PAYOUT_FILE_CONTENT_TYPES) {
    if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type)
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: LIMITS.payout_file_bytes_max }, (_req, body, done) => done(null, body))
  }

  app.post<{ Params: { projectId: string }; Querystring: { period: string; filename?: string; postedBy?: string }; Body: Buffer }>(
    '/api/projects/:projectId/payout-files',
    {
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
          'Body: the file bytes (Content-Type text/plain, text/csv or application/octet-stream), UTF-8 or GBK. ' +
          'A valid file is stored and the pay month reconciled at once (201); the same bytes again change nothing (200). ' +
          'An invalid file is refused whole with every line error (422) and kept in rejected inputs. ' +
          'Any other Content-Type (a JSON or XML wrapper) is refused with 415 and the accepted types.',
        params: projectParams,
        querystring: {
          type: 'object',
          properties: { period: month, filename: { type: 'string', maxLength: 200 }, postedBy: { type: 'string', maxLength: 100 } },
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
      const r = payouts.post({
        projectId: req.params.projectId,
        period: req.query.period,
        bytes: req.body,
        filename: req.query.filename ?? null,
        postedBy: req.query.postedBy ?? null,
      })
      const names = workerNames(req.params.projectId)
      return res.status(r.outcome === 'payout_file_stored' ? 201 : 200).send({
        outcome: r.outcome,
        file: presentFile(r.file),
        reconciliation: r.reconciliation ? { run: presentRun(r.reconciliation.run), flags: r.reconciliation.flags.map(presentFlag(names)) } : { run: null, flags: [] },
      })
    },
  )

  app.get<{ Params: { projectId: string } }>(
    '/api/projects/:projectId/payout-files',
    { schema: { tags: ['payouts'], params: projectParams, response: { 200: { type: 'array', items: payoutFile }, ...errors } } },
    async (req) => payouts.listFiles(req.params.projectId).map(presentFile),
  )

  app.get<{ Params: { projectId: string; fileId: string } }>(
    '/api/projects/:projectId/payout-files/:fileId/lines',
    {
      schema: {
        tags: ['payouts'],
        params: { type: 'object', properties: { projectId: idParam, fileId: idParam }, required: ['projectId', 'fileId'], additionalProperties: false },
        response: { 200: { type: 'array', items: payoutLine }, ...errors },
      },
    },
    async (req) => payouts.fileLines(req.params.projectId, req.params.fileId).map(presentLine),
  )

  app.post<{ Params: { projectId: string; month: string } }>(
    '/api/projects/:projectId/reconciliations/:month',
    {
      schema: {
        tags: ['payouts'],
        summary: 'Reconcile the pay month now (e.g. after late punches or a roster fix) and record the run',
        params: projectMonthParams,
        response: { 201: reconciliation, ...errors },
      },
    },
    async (req, res) => {
      const v = payouts.reconcile(req.params.projectId, req.params.month, 'manual')
      return res.status(201).send({ run: presentRun(v.run), flags: v.flags.map(presentFlag(workerNames(req.params.projectId))) })
    },
  )

  app.get<{ Params: { projectId: string; month: string } }>(
    '/api/projects/:projectId/flags/:month',
    {
      schema: {
        tags: ['payouts'],
        summary: "The newest reconciliation's flags for the pay month, each with its evidence",
        params: projectMonthParams,
        response: { 200: reconciliation, ...errors },
      },
    },
    async (req) => {
      const v = payouts.latest(req.params.projectId, req.params.month)
      if (!v) return { run: null, flags: [] }
      return { run: presentRun(v.run), flags: v.flags.map(presentFlag(workerNames(req.params.projectId))) }
    },
  )

  app.get<{ Params: { projectId: string; month: string } }>(
    '/api/projects/:projectId/summary/:month',
    {
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
      const due = payroll.due(projectId, period)
      const latest = payouts.latest(projectId, period)
      const flagsByKind: Record<string, number> = {}
      for (const f of latest?.flags ?? []) flagsByKind[f.kind] = (flagsByKind[f.kind] ?? 0) + 1
      const dueFen = sumFen(due.workers.map((w) => w.dueFen))
      const paidFen = fen(latest?.run.paidFen ?? 0)
      // Re-sends and refusals are counted by when they were received, in the project's zone: a month's figure says
      // what its devices and the bank sent that month, whatever dates the punches inside claim.
      const { startMs, endMs } = monthBoundsMs(period, roster.project(projectId).timeZone)
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
        punches: punches.countPunches(projectId, `${period}-01`, `${period}-31`),
        receivedFrom: new Date(startMs).toISOString(),
        receivedUntil: new Date(endMs).toISOString(),
        duplicates: punches.duplicatesByProject(projectId, `${period}-01`, `${period}-31`),
        rejectedByReason: Object.fromEntries(punches.rejectedCounts(projectId, startMs, endMs).map((r) => [r.reason, r.n])),
        reconciledAt: latest ? new Date(latest.run.ranAtMs).toISOString() : null,
      }
    },
  )
}
