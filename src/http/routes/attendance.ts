/** Attendance routes: raw punches, rejected inputs and pay due. Timesheets have their own routes (timesheets.ts). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { maskBytes, maskText } from '../../access/masking.ts'
import { deniedEntry, principalOf } from '../access.ts'
import { actorOf } from './access.ts'
import { RETRYABLE_REASONS, type RetryRow } from '../../ingest/retries.ts'
import { purposeSchema, revealLimit, statePurpose } from '../reveal.ts'
import { AppError } from '../../kernel/errors.ts'
import { sumFen } from '../../kernel/money.ts'
import { localTimeOf } from '../../kernel/time.ts'
import { maskCard, maskIdNumber } from '../../roster/identity.ts'
import type { Services } from '../../services.ts'
import { LIMITS } from '../../config/limits.ts'
import type { RejectedMeta } from '../../punches/repository.ts'
import { creditText } from '../../timesheets/rules.ts'
import { linkNext, pageOf } from '../paging.ts'
import { date, errors, fenAmount, idCursorQuery, idParam, limitQuery, projectMonthParams, projectParams, rowId } from '../schemas.ts'

const punch = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    deviceId: { type: 'string' },
    recordId: { type: 'string' },
    workerId: { type: 'string' },
    deviceTime: { type: 'string' },
    localTime: { type: 'string' },
    receivedAt: { type: 'string' },
    workDate: { type: 'string' },
    direction: { type: 'string' },
    verifyMethod: { type: 'string' },
    channel: { type: 'string' },
    clockSuspect: { type: ['string', 'null'], enum: ['ahead_of_receipt', 'before_install', null], description: 'set when the device clock is not believed: kept, left out of the timesheet until accepted' },
  },
} as const

const rejected = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    source: { type: 'string' },
    channel: { type: 'string' },
    sender: { type: ['string', 'null'] },
    projectId: { type: ['string', 'null'] },
    deviceSerial: { type: ['string', 'null'] },
    recordId: { type: ['string', 'null'] },
    reason: { type: 'string' },
    detail: { type: 'string' },
    payloadBytes: { type: 'integer', description: 'size of the payload as received (after a face photo is cut out)' },
    payloadTruncated: { type: 'boolean', description: `true when only the first ${LIMITS.rejected_payload_bytes_max} bytes were kept` },
    payloadUrl: { type: 'string', description: 'where the raw bytes are: GET it for this one input' },
    receivedAt: { type: 'string' },
  },
} as const

const rejectedIdParams = { type: 'object', properties: { id: rowId }, required: ['id'], additionalProperties: false } as const

/** A refused bank file's text: any run of 12–19 digits in it is taken for an account (src/access/masking.ts). */
const isBankFile = (r: { reason: string }): boolean => r.reason === 'payout_file_invalid'

/**
 * Everything of a refusal that came from the sender (topic, client id, serial, record id, the detail quoting the
 * input) is masked: a refused frame or file is exactly where ID and card numbers arrive unchecked.
 */
function presentRejected(r: RejectedMeta) {
  const mask = (text: string): string => maskText(text, { accountRuns: isBankFile(r) })
  const maybe = (text: string | null): string | null => (text === null ? null : mask(text))
  return {
    ...r,
    channel: mask(r.channel),
    sender: maybe(r.sender),
    deviceSerial: maybe(r.deviceSerial),
    recordId: maybe(r.recordId),
    detail: mask(r.detail),
    payloadTruncated: r.payloadBytes > LIMITS.rejected_payload_bytes_max,
    payloadUrl: `/api/rejected-inputs/${r.id}/payload`,
    receivedAt: new Date(r.receivedAtMs).toISOString(),
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** What the kept bytes most likely are, so a browser or a tool opens them sensibly; the reply itself stays octet-stream. */
function payloadHint(p: { source: string; payload: Buffer }): { contentType: string; extension: string } {
  let text: string
  try {
    text = utf8.decode(p.payload)
  } catch {
    return { contentType: 'application/octet-stream', extension: 'bin' }
  }
  if (p.source === 'http') return { contentType: 'text/plain; charset=utf-8', extension: 'txt' }
  try {
    JSON.parse(text)
    return { contentType: 'application/json', extension: 'json' }
  } catch {
    return { contentType: 'text/plain; charset=utf-8', extension: 'txt' }
  }
}

/** Whether a reveal asks for the bytes themselves rather than JSON. */
const wantsBytes = (req: FastifyRequest): boolean => /application\/octet-stream/i.test(req.headers.accept ?? '')

/** A kept payload as a download; the hint is read from the bytes as received, so masking never changes what they look like. */
function sendPayload(reply: FastifyReply, id: number, r: { source: string; payload: Buffer; payloadBytes: number }, bytes: Buffer, masked: boolean): FastifyReply {
  const hint = payloadHint(r)
  return reply
    .type('application/octet-stream')
    .header('content-disposition', `attachment; filename="rejected-${id}.${hint.extension}"`)
    .header('x-content-type-hint', hint.contentType)
    .header('x-payload-truncated', String(r.payloadBytes > r.payload.length))
    .header('x-payload-masked', String(masked))
    .header('x-content-type-options', 'nosniff')
    .send(bytes)
}

function checkMonth(m: string): void {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(m)) throw new AppError('invalid_month')
}

export async function attendanceRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { roster, punches, payroll } = services

  app.get<{ Params: { projectId: string }; Querystring: { date: string; after?: number; limit: number } }>(
    '/api/projects/:projectId/punches',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['attendance'],
        summary: "A day's raw punches (原始考勤记录), in device-time order, a page at a time",
        description: 'When more follow, the reply carries `Link: <…>; rel="next"`: the same request with `after` = the last punch id.',
        params: projectParams,
        querystring: { type: 'object', properties: { date, after: idCursorQuery, limit: limitQuery }, required: ['date'], additionalProperties: false },
        response: { 200: { type: 'array', items: punch }, ...errors },
      },
    },
    async (req, reply) => {
      const project = await roster.project(req.params.projectId)
      const { after, limit } = req.query
      if (after !== undefined && !(await punches.punchOfProject(project.id, after))) throw new AppError('cursor_not_found', { after })
      const { page, next } = pageOf(await punches.punchesOfDay(project.id, req.query.date, after, limit + 1), limit, (p) => p.id)
      linkNext(req, reply, limit, 'after', next)
      return page.map((p) => ({
        ...p,
        // A device's own record id: some devices build it from the person's ID number.
        recordId: maskText(p.recordId),
        deviceTime: new Date(p.deviceTimeMs).toISOString(),
        localTime: localTimeOf(p.deviceTimeMs, project.timeZone),
        receivedAt: new Date(p.receivedAtMs).toISOString(),
      }))
    },
  )

  /** A rejected input is the scope of its project's people; one of no known project (an unknown site) is the operator's. */
  const inScope = async (req: FastifyRequest, projectId: string | null): Promise<boolean> => {
    const p = principalOf(req)
    if (p.role === 'admin') return true
    const denied = projectId === null || (await services.access.checkScope(p, { projectId })) !== undefined
    if (denied) await services.accessLog.append(deniedEntry(req, p, 'out_of_scope'))
    return !denied
  }

  app.get<{ Querystring: { projectId?: string; reason?: string; before?: number; limit: number } }>(
    '/api/rejected-inputs',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['attendance'],
        summary: 'Inputs refused with a reason (拒收记录), newest first: metadata only, a page at a time',
        description:
          'The raw bytes of one input are at `payloadUrl` (GET /api/rejected-inputs/{id}/payload). ' +
          'When more follow, the reply carries `Link: <…>; rel="next"`: the same request with `before` = the last id.',
        querystring: {
          type: 'object',
          properties: { projectId: idParam, reason: { type: 'string', maxLength: 64 }, before: idCursorQuery, limit: limitQuery },
          additionalProperties: false,
        },
        response: { 200: { type: 'array', items: rejected }, ...errors },
      },
    },
    async (req, reply) => {
      const { limit } = req.query
      const p = principalOf(req)
      if (p.role !== 'admin') {
        // A list across projects is the operator's; others name a project in their scope (one outside it answers as missing).
        if (req.query.projectId === undefined) throw new AppError('validation_failed', [{ field: 'querystring/projectId', message: `is required for the ${p.role} role: name a project of yours` }])
        const denial = await services.access.checkScope(p, { projectId: req.query.projectId })
        if (denial) {
          await services.accessLog.append(deniedEntry(req, p, denial.code))
          throw new AppError(denial.code)
        }
      }
      const rows = await punches.listRejected({ projectId: req.query.projectId, reason: req.query.reason, beforeId: req.query.before, limit: limit + 1 })
      const { page, next } = pageOf(rows, limit, (r) => r.id)
      linkNext(req, reply, limit, 'before', next)
      req.accessRecordIds = page.map((r) => String(r.id))
      return page.map(presentRejected)
    },
  )

  app.get<{ Params: { id: number } }>(
    '/api/rejected-inputs/:id',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['attendance'],
        summary: 'One rejected input (拒收记录): its reason, detail, sender and size',
        description: 'ID, card and phone numbers in it are masked; POST …/reveal shows the input as received.',
        params: rejectedIdParams,
        response: { 200: rejected, ...errors },
      },
    },
    async (req) => {
      const r = await punches.rejectedById(req.params.id)
      if (!r || !(await inScope(req, r.projectId))) throw new AppError('rejected_input_not_found', { id: req.params.id })
      req.accessRecordIds = [String(r.id)]
      return presentRejected(r)
    },
  )

  app.get<{ Params: { id: number } }>(
    '/api/rejected-inputs/:id/payload',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['attendance'],
        summary: "One rejected input's bytes as kept, with ID, card and phone numbers masked (application/octet-stream)",
        description:
          'Content-Disposition names a file whose extension says what the bytes look like (.json, .txt or .bin); ' +
          '`X-Content-Type-Hint` gives the same as a media type. Face photos were cut out before the frame was kept; ' +
          `at most ${LIMITS.rejected_payload_bytes_max} bytes are kept of a larger input (\`X-Payload-Truncated: true\`). ` +
          'Personal numbers are masked in place (`X-Payload-Masked: true`; JSON stays JSON, a bank file keeps its layout); ' +
          'POST /api/rejected-inputs/{id}/reveal, with a purpose, gives the bytes as received.',
        params: rejectedIdParams,
        produces: ['application/octet-stream'],
        response: { 404: errors[404], 400: errors[400] },
      },
    },
    async (req, reply) => {
      const r = await punches.rejectedPayload(req.params.id)
      if (!r || !(await inScope(req, r.projectId))) throw new AppError('rejected_input_not_found', { id: req.params.id })
      req.accessRecordIds = [String(req.params.id)]
      return sendPayload(reply, req.params.id, r, maskBytes(r.payload, { accountRuns: isBankFile(r) }), true)
    },
  )

  app.post<{ Params: { id: number }; Body: { purpose: string } }>(
    '/api/rejected-inputs/:id/reveal',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false, personal: true } },
      preHandler: revealLimit(app),
      schema: {
        tags: ['attendance'],
        summary: 'Reveal one rejected input as received (unmasked), for a stated purpose: logged in the access log as a reveal, rate-limited',
        description:
          'JSON by default: the stored fields unmasked and `payloadBase64`, the bytes as kept. With `Accept: application/octet-stream`, the bytes ' +
          `themselves, as GET …/payload sends them but unmasked (\`X-Payload-Masked: false\`). At most ${LIMITS.reveals_per_hour} reveals an hour per caller ` +
          '(worker reveals included); past that, 429 too_many_requests.',
        params: rejectedIdParams,
        body: { type: 'object', properties: { purpose: purposeSchema }, required: ['purpose'], additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              ...rejected.properties,
              payloadBase64: { type: 'string', description: 'the bytes as kept, base64' },
              contentTypeHint: { type: 'string', description: 'what the bytes look like, as X-Content-Type-Hint says' },
            },
          },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const [meta, r] = await Promise.all([punches.rejectedById(req.params.id), punches.rejectedPayload(req.params.id)])
      if (!meta || !r || !(await inScope(req, r.projectId))) throw new AppError('rejected_input_not_found', { id: req.params.id })
      req.accessRecordIds = [String(req.params.id)]
      statePurpose(req, req.body.purpose)
      if (wantsBytes(req)) return sendPayload(reply, req.params.id, r, r.payload, false)
      return {
        ...meta,
        payloadTruncated: meta.payloadBytes > r.payload.length,
        payloadUrl: `/api/rejected-inputs/${meta.id}/payload`,
        receivedAt: new Date(meta.receivedAtMs).toISOString(),
        payloadBase64: r.payload.toString('base64'),
        contentTypeHint: payloadHint(r).contentType,
      }
    },
  )

  const retryJson = {
    type: 'object',
    properties: {
      id: { type: 'string' },
      rejectedId: { type: 'integer' },
      outcome: { type: 'string', enum: ['stored', 'duplicate', 'rejected'] },
      refusedReason: { type: ['string', 'null'], description: 'refused again: the reason code (a new refusal, kept as any is)' },
      refusedDetail: { type: ['string', 'null'] },
      reason: { type: 'string' },
      actor: { type: 'string' },
      at: { type: 'string', format: 'date-time' },
    },
    required: ['id', 'rejectedId', 'outcome', 'refusedReason', 'refusedDetail', 'reason', 'actor', 'at'],
  } as const
  const presentRetry = (r: RetryRow) => ({
    id: r.id,
    rejectedId: r.rejectedId,
    outcome: r.outcome,
    refusedReason: r.refusedReason,
    refusedDetail: r.refusedDetail === null ? null : maskText(r.refusedDetail),
    reason: maskText(r.reason),
    actor: r.actor,
    at: new Date(r.atMs).toISOString(),
  })

  app.post<{ Params: { id: number }; Body: { reason: string } }>(
    '/api/rejected-inputs/:id/retry',
    { config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        tags: ['attendance'],
        summary: 'Take a refused frame in again once the roster is put right (重新接收): a worker enrolled, a 考勤号 set, a device registered',
        description:
          `Only frames refused as ${RETRYABLE_REASONS.join(', ')}, kept whole, and not taken in already; else 409 rejected_input_not_retryable with ` +
          'details.why. The kept bytes go through the inbox as they came, with every check: stored (a punch, received now), duplicate, or ' +
          'rejected again (a new refusal). Recorded, append-only, with who asked and why.',
        params: rejectedIdParams,
        body: { type: 'object', properties: { reason: { type: 'string', minLength: 1, maxLength: 500, pattern: '\\S' } }, required: ['reason'], additionalProperties: false },
        response: { 200: retryJson, ...errors },
      },
    },
    async (req) => {
      const r = await punches.rejectedById(req.params.id)
      if (!r || !(await inScope(req, r.projectId))) throw new AppError('rejected_input_not_found', { id: req.params.id })
      return presentRetry((await services.retries.retry(req.params.id, { reason: req.body.reason, actor: actorOf(principalOf(req)) })).retry)
    },
  )

  app.get<{ Params: { id: number } }>(
    '/api/rejected-inputs/:id/retries',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false } },
      schema: {
        tags: ['attendance'],
        summary: 'The retries of one refused frame, oldest first: who asked, why, and what came of each',
        params: rejectedIdParams,
        response: { 200: { type: 'array', items: retryJson }, ...errors },
      },
    },
    async (req) => {
      const r = await punches.rejectedById(req.params.id)
      if (!r || !(await inScope(req, r.projectId))) throw new AppError('rejected_input_not_found', { id: req.params.id })
      return (await services.retries.retriesOf(req.params.id)).map(presentRetry)
    },
  )

  app.get<{ Params: { projectId: string; month: string }; Querystring: { after?: string; limit: number } }>(
    '/api/projects/:projectId/payroll/:month',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['payroll'],
        summary: 'Amount due (应发) per worker for the pay month: daily rate × days due (frozen timesheet where confirmed, plus adjustments), a page of workers at a time',
        description:
          'Workers in id order. `totalDueFen` and `workerCount` are the whole month; `next` (also `Link: rel="next"`) is the `after` of the next page, null on the last. ' +
          'Day figures keep the timesheet\'s names: `creditHalves` and `workedMinutes` are the timesheet\'s, `dueHalves` adds the adjustments.',
        params: projectMonthParams,
        querystring: { type: 'object', properties: { after: idParam, limit: limitQuery }, additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              projectId: { type: 'string' },
              period: { type: 'string' },
              payDate: { type: 'string' },
              totalDueFen: fenAmount,
              workerCount: { type: 'integer', description: 'workers with a line this month, on every page' },
              next: { type: ['string', 'null'], description: 'pass as `after` for the next page; null on the last' },
              workers: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    workerId: { type: 'string' },
                    name: { type: 'string' },
                    teamId: { type: 'string' },
                    idNumberMasked: { type: 'string' },
                    cardMasked: { type: 'string' },
                    dailyRateFen: fenAmount,
                    creditHalves: { type: 'integer', description: "days credited by the month's timesheet, in halves (as the timesheet's totals.creditHalves)" },
                    credit: { type: 'string', description: "the same in days, as the timesheet's totals.credit (\"21.5\")" },
                    adjustmentHalves: { type: 'integer', description: 'days carried in by adjustments to confirmed months, in halves' },
                    uncreditedHalves: { type: 'integer', description: 'halves an adjustment took back beyond what this month credits (the wage is never negative): for a person to settle' },
                    dueHalves: { type: 'integer', description: 'days the wage is due for (计薪天数), in halves: creditHalves + adjustmentHalves, never below zero' },
                    dueDays: { type: 'string', description: 'the same in days ("21.5")' },
                    daysIncomplete: { type: 'integer' },
                    workedMinutes: { type: 'integer', description: "worked minutes of the month's timesheet (as the timesheet's totals.workedMinutes)" },
                    adjustmentMinutes: { type: 'integer', description: 'worked minutes carried in by the same adjustments' },
                    confirmed: { type: 'boolean' },
                    dueFen: fenAmount,
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      checkMonth(req.params.month)
      const due = await payroll.due(req.params.projectId, req.params.month)
      const { after, limit } = req.query
      const sorted = [...due.workers].sort((a, b) => (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0))
      const rest = after === undefined ? sorted : sorted.filter((w) => w.workerId > after)
      const page = rest.slice(0, limit)
      const next = rest.length > limit ? (page[page.length - 1]?.workerId ?? null) : null
      linkNext(req, reply, limit, 'after', next ?? undefined)
      return {
        projectId: due.projectId,
        period: due.period,
        payDate: due.payDate,
        totalDueFen: sumFen(due.workers.map((w) => w.dueFen)),
        workerCount: due.workers.length,
        next,
        workers: page.map((w) => ({
          ...w,
          credit: creditText(w.creditHalves),
          dueDays: creditText(w.dueHalves),
          idNumberMasked: maskIdNumber(w.idNumber),
          cardMasked: maskCard(w.cardNo),
        })),
      }
    },
  )
}
