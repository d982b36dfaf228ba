/**
 * Major incidents (重大欠薪事件, issue 15): a clue or a project-month's arrears reaching 10 workers or ¥5,000,000,
 * each with its 2-hour report clock. The bureau (auditor) reads those of its region; the platform operator (admin)
 * records each report made to the authority above, with to whom and a note.
 */
import type { FastifyInstance } from 'fastify'
import { maskText } from '../../access/masking.ts'
import { formatYuan, fen } from '../../kernel/money.ts'
import type { IncidentView } from '../../risk/incident-service.ts'
import type { Services } from '../../services.ts'
import { principalOf } from '../access.ts'
import { errors, idParam } from '../schemas.ts'
import { regionOf } from './clues.ts'

const iso = (ms: number): string => new Date(ms).toISOString()

const incident = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    sourceKind: { type: 'string', enum: ['clue', 'flag_case'] },
    sourceId: { type: 'string', description: "a clue's id, or <projectId>:<month> for a project-month's arrears cases" },
    projectId: { type: ['string', 'null'] },
    regionCode: { type: ['string', 'null'] },
    headcount: { type: 'integer' },
    amountFen: { type: 'integer' },
    amountYuan: { type: 'string' },
    reasons: { type: 'array', items: { type: 'string', enum: ['headcount', 'amount'] } },
    becameMajorAt: { type: 'string' },
    reportDueAt: { type: 'string', description: '2 hours after it became major' },
    reported: { type: 'boolean' },
    reportOverdue: { type: 'boolean', description: 'no report by reportDueAt' },
    reports: {
      type: 'array',
      items: { type: 'object', properties: { id: { type: 'string' }, reportedTo: { type: 'string' }, note: { type: ['string', 'null'] }, actor: { type: 'string' }, at: { type: 'string' } } },
    },
  },
} as const

/**
 * A report's note and to whom are typed text ("已电话通知带头工人 139…"), read by every auditor of the region: masked by
 * shape, as a clue's step notes are.
 */
export const presentIncident = (v: IncidentView) => ({
  id: v.id,
  sourceKind: v.sourceKind,
  sourceId: v.sourceId,
  projectId: v.projectId,
  regionCode: v.regionCode,
  headcount: v.headcount,
  amountFen: v.amountFen,
  amountYuan: formatYuan(fen(v.amountFen)),
  reasons: v.reasons,
  becameMajorAt: iso(v.becameMajorAtMs),
  reportDueAt: iso(v.reportClock.dueAtMs),
  reported: v.reports.length > 0,
  reportOverdue: v.reportClock.overdue,
  reports: v.reports.map((r) => ({ id: r.id, reportedTo: maskText(r.reportedTo), note: r.note === null ? null : maskText(r.note), actor: r.actor, at: iso(r.atMs) })),
})

const incidentParams = { type: 'object', properties: { incidentId: idParam }, required: ['incidentId'], additionalProperties: false } as const

export async function incidentsRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { incidents } = services

  app.get<{ Querystring: { reported?: boolean; overdue?: boolean } }>(
    '/api/incidents',
    {
      config: { policy: { roles: ['auditor'], write: false } },
      schema: {
        tags: ['clues'],
        summary: "The region's major incidents, newest first, with their report clocks (reported=, overdue=true: not reported within 2 hours and still not)",
        querystring: { type: 'object', properties: { reported: { type: 'boolean' }, overdue: { type: 'boolean' } }, additionalProperties: false },
        response: { 200: { type: 'array', items: incident }, ...errors },
      },
    },
    async (req) => (await incidents.list(regionOf(principalOf(req)), { reported: req.query.reported, overdue: req.query.overdue })).map(presentIncident),
  )

  app.get<{ Params: { incidentId: string } }>(
    '/api/incidents/:incidentId',
    { config: { policy: { roles: ['auditor'], write: false } }, schema: { tags: ['clues'], summary: 'A major incident with its reports', params: incidentParams, response: { 200: incident, ...errors } } },
    async (req) => presentIncident(await incidents.get(req.params.incidentId, regionOf(principalOf(req)))),
  )

  app.post<{ Params: { incidentId: string }; Body: { reportedTo: string; note?: string } }>(
    '/api/incidents/:incidentId/reports',
    {
      config: { policy: { roles: [], write: true } },
      schema: {
        tags: ['clues'],
        summary: 'Record a report of the incident to the authority above (上报): to whom and how, and a note; the first one meets or misses the 2-hour clock',
        params: incidentParams,
        body: {
          type: 'object',
          properties: { reportedTo: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' }, note: { type: 'string', maxLength: 2000 } },
          required: ['reportedTo'],
          additionalProperties: false,
        },
        response: { 201: incident, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(presentIncident(await incidents.report(req.params.incidentId, req.body, principalOf(req).label))),
  )
}
