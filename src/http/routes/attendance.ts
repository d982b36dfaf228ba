/** Attendance routes: raw punches, rejected inputs and pay due. Timesheets have their own routes (timesheets.ts). */
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
    payloadBytes: { type: 'integer' },
    payloadBase64: { type: 'string' },
    payloadText: { type: ['string', 'null'], description: 'the payload as UTF-8 text, when it is valid UTF-8' },
    receivedAt: { type: 'string' },
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
  const { roster, punches, payroll } = services

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
    '/api/projects/:projectId/payroll/:month',
    {
      schema: {
        tags: ['payroll'],
        summary: 'Amount due (应发) per worker for the pay month: daily rate × days credited (frozen timesheet where confirmed, plus adjustments)',
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
                    creditHalves: { type: 'integer', description: "days credited by the month's timesheet, in halves" },
                    adjustmentHalves: { type: 'integer', description: 'days carried in by adjustments to confirmed months, in halves' },
                    uncreditedHalves: { type: 'integer', description: 'halves an adjustment took back beyond what this month credits (the wage is never negative): for a person to settle' },
                    daysPresent: { type: 'number', description: 'days credited in all (may end in .5)' },
                    daysIncomplete: { type: 'integer' },
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
