/** Attendance routes: raw punches, rejected inputs, the month timesheet (月考勤表) and pay due. */
import type { FastifyInstance } from 'fastify'
import { AppError } from '../../kernel/errors.ts'
import { sumFen } from '../../kernel/money.ts'
import { localTimeOf } from '../../kernel/time.ts'
import { maskCard, maskIdNumber } from '../../roster/identity.ts'
import type { Services } from '../../services.ts'
import { date, errors, fenAmount, idParam, limitQuery, projectMonthParams, projectParams } from '../schemas.ts'

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
    payloadBytes: { type: 'integer' },
    payloadBase64: { type: 'string' },
    payloadText: { type: ['string', 'null'], description: 'the payload as UTF-8 text, when it is valid UTF-8' },
    receivedAt: { type: 'string' },
  },
} as const

const day = {
  type: 'object',
  properties: {
    workDate: { type: 'string' },
    firstIn: { type: ['string', 'null'] },
    lastOut: { type: ['string', 'null'] },
    workedMinutes: { type: 'integer' },
    status: { type: 'string', enum: ['present', 'incomplete'] },
    rule: { type: 'string' },
    punchIds: { type: 'array', items: { type: 'integer' } },
  },
} as const

const utf8 = new TextDecoder('utf-8', { fatal: true })
function textOf(b: Buffer): string | null {
  try {
    return utf8.decode(b)
  } catch {
    return null
  }
}

function checkMonth(m: string): void {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(m)) throw new AppError('invalid_month')
}

export async function attendanceRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { roster, punches, timesheets, payroll } = services

  app.get<{ Params: { projectId: string }; Querystring: { date: string } }>(
    '/api/projects/:projectId/punches',
    {
      schema: {
        tags: ['attendance'],
        summary: "A day's raw punches (原始考勤记录), in device-time order",
        params: projectParams,
        querystring: { type: 'object', properties: { date }, required: ['date'], additionalProperties: false },
        response: { 200: { type: 'array', items: punch }, ...errors },
      },
    },
    async (req) => {
      const project = roster.project(req.params.projectId)
      return punches.punchesBetween(project.id, req.query.date, req.query.date).map((p) => ({
        ...p,
        deviceTime: new Date(p.deviceTimeMs).toISOString(),
        localTime: localTimeOf(p.deviceTimeMs, project.timeZone),
        receivedAt: new Date(p.receivedAtMs).toISOString(),
      }))
    },
  )

  app.get<{ Querystring: { projectId?: string; reason?: string; before?: number; limit: number } }>(
    '/api/rejected-inputs',
    {
      schema: {
        tags: ['attendance'],
        summary: 'Inputs refused with a reason (拒收记录), newest first, with their raw bytes',
        querystring: {
          type: 'object',
          properties: { projectId: idParam, reason: { type: 'string', maxLength: 64 }, before: { type: 'integer', minimum: 1 }, limit: limitQuery },
          additionalProperties: false,
        },
        response: { 200: { type: 'array', items: rejected } },
      },
    },
    async (req) =>
      punches
        .listRejected({ projectId: req.query.projectId, reason: req.query.reason, beforeId: req.query.before, limit: req.query.limit })
        .map((r) => ({
          ...r,
          payloadBase64: r.payload.toString('base64'),
          payloadText: textOf(r.payload),
          receivedAt: new Date(r.receivedAtMs).toISOString(),
        })),
  )

  app.get<{ Params: { projectId: string; month: string } }>(
    '/api/projects/:projectId/timesheets/:month',
    {
      schema: {
        tags: ['attendance'],
        summary: "The project's month timesheet: each enrolled worker with attendance, each day's first in, last out, minutes and status",
        params: projectMonthParams,
        response: {
          200: {
            type: 'object',
            properties: {
              projectId: { type: 'string' },
              month: { type: 'string' },
              timeZone: { type: 'string' },
              workers: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    workerId: { type: 'string' },
                    name: { type: 'string' },
                    teamId: { type: 'string' },
                    daysPresent: { type: 'integer' },
                    daysIncomplete: { type: 'integer' },
                    workedMinutes: { type: 'integer' },
                    days: { type: 'array', items: day },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      checkMonth(req.params.month)
      const project = roster.project(req.params.projectId)
      const months = timesheets.month(project.id, req.params.month)
      const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())
      return {
        projectId: project.id,
        month: req.params.month,
        timeZone: project.timeZone,
        workers: roster
          .listEnrolments(project.id)
          .filter(({ worker }) => months.has(worker.id))
          .map(({ enrolment, worker }) => {
            const m = months.get(worker.id)!
            return {
              workerId: worker.id,
              name: worker.name,
              teamId: enrolment.teamId,
              daysPresent: m.daysPresent,
              daysIncomplete: m.daysIncomplete,
              workedMinutes: m.workedMinutes,
              days: m.days.map((d) => ({ ...d, firstIn: iso(d.firstInMs), lastOut: iso(d.lastOutMs) })),
            }
          }),
      }
    },
  )

  app.get<{ Params: { projectId: string; month: string } }>(
    '/api/projects/:projectId/payroll/:month',
    {
      schema: {
        tags: ['payroll'],
        summary: 'Amount due (应发) per worker for the pay month: daily rate × days present',
        params: projectMonthParams,
        response: {
          200: {
            type: 'object',
            properties: {
              projectId: { type: 'string' },
              period: { type: 'string' },
              payDate: { type: 'string' },
              totalDueFen: fenAmount,
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
                    daysPresent: { type: 'integer' },
                    daysIncomplete: { type: 'integer' },
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
    async (req) => {
      checkMonth(req.params.month)
      const due = payroll.due(req.params.projectId, req.params.month)
      return {
        ...due,
        totalDueFen: sumFen(due.workers.map((w) => w.dueFen)),
        workers: due.workers.map((w) => ({ ...w, idNumberMasked: maskIdNumber(w.idNumber), cardMasked: maskCard(w.cardNo) })),
      }
    },
  )
}
