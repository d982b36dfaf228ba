/**
 * The risk index (欠薪风险指数, issue 15): the monthly runs and their rankings (src/risk/risk-runs.ts).
 *
 * Who: the platform operator runs a month on demand (the server's timer runs the previous month on the 1st to 3rd) and
 * reads everything. An auditor reads the projects of their region and the employers that are a party of a project in
 * it (an employer on no roster, known only from the departments' files, has no region: the platform operator's list
 * shows it). A labour manager reads their organisation's projects, as every project read of theirs. Team managers,
 * banks and workers: role_forbidden.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RiskRunRow, RiskScoreRow } from '../../risk/risk-runs.ts'
import { scoreText } from '../../risk/risk-index.ts'
import type { Services } from '../../services.ts'
import { principalOf } from '../access.ts'
import { decodeCursor, encodeCursor, linkNext } from '../paging.ts'
import { errors, keyCursorQuery, limitQuery, month, projectParams } from '../schemas.ts'
import { AppError } from '../../kernel/errors.ts'

const iso = (ms: number): string => new Date(ms).toISOString()

const runSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    month: { type: 'string' },
    formulaVersion: { type: 'string' },
    actor: { type: 'string' },
    projectCount: { type: 'integer' },
    employerCount: { type: 'integer' },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
  },
} as const

/** A part with its reasons; each reason keeps the signal as it came (its shape is its kind's, risk-index.ts RiskSignal). */
const partsSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      part: { type: 'string' },
      points: { type: 'integer' },
      cap: { type: 'integer' },
      reasons: { type: 'array', items: { type: 'object', properties: { points: { type: 'integer' }, why: { type: 'string' }, signal: { type: 'object', additionalProperties: true } } } },
    },
  },
} as const

const scoreSchema = {
  type: 'object',
  properties: {
    subjectId: { type: 'string', description: "a project's id, or an employer's unified social credit code" },
    name: { type: ['string', 'null'] },
    regionCode: { type: ['string', 'null'] },
    month: { type: 'string' },
    formulaVersion: { type: 'string' },
    points: { type: 'integer', description: 'tenths of the 0–100 scale' },
    score: { type: 'string', description: 'as shown: 0.0 to 100.0' },
    level: { type: 'string', enum: ['green', 'yellow', 'red'] },
    parts: partsSchema,
  },
} as const

const presentRun = (r: RiskRunRow): Record<string, unknown> => ({ id: r.id, month: r.month, formulaVersion: r.formulaVersion, actor: r.actor, projectCount: r.projectCount, employerCount: r.employerCount, startedAt: iso(r.startedAtMs), finishedAt: iso(r.finishedAtMs) })
const presentScore = (s: RiskScoreRow): Record<string, unknown> => ({ subjectId: s.subjectId, name: s.name, regionCode: s.regionCode, month: s.month, formulaVersion: s.formulaVersion, points: s.points, score: scoreText(s.points), level: s.level, parts: s.parts })

const rankingQuery = {
  type: 'object',
  properties: { month: { ...month, description: 'YYYY-MM; the newest month run when left out' }, level: { type: 'string', enum: ['green', 'yellow', 'red'] }, after: keyCursorQuery, limit: limitQuery },
  additionalProperties: false,
} as const

const rankingReply = { type: 'object', properties: { run: runSchema, scores: { type: 'array', items: scoreSchema }, next: { type: ['string', 'null'] } } } as const

type RankingQuery = { month?: string; level?: 'green' | 'yellow' | 'red'; after?: string; limit: number }

export async function riskRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { riskRuns, access } = services

  app.post<{ Body: { month: string } }>(
    '/api/risk/runs',
    {
      config: { policy: { roles: [], write: true } },
      schema: {
        tags: ['risk'],
        summary: 'Run the risk index of an ended month now: every project and employer scored under the formula in force on its last day; earlier runs are kept',
        body: { type: 'object', properties: { month }, required: ['month'], additionalProperties: false },
        response: { 201: runSchema, ...errors },
      },
    },
    async (req, res) => res.status(201).send(presentRun((await riskRuns.run(req.body.month, principalOf(req).label))!)),
  )

  app.get<{ Querystring: { month?: string; after?: string; limit: number } }>(
    '/api/risk/runs',
    {
      config: { policy: { roles: ['auditor'], write: false } },
      schema: {
        tags: ['risk'],
        summary: "The index's runs, the newest month first (each month's newest run first): who or what ran it, when, how many subjects",
        querystring: { type: 'object', properties: { month, after: { ...keyCursorQuery, description: "the id of the last run of the previous page" }, limit: limitQuery }, additionalProperties: false },
        response: { 200: { type: 'array', items: runSchema }, ...errors },
      },
    },
    async (req, res) => {
      const before = req.query.after === undefined ? undefined : await riskRuns.runById(req.query.after)
      if (req.query.after !== undefined && !before) throw new AppError('cursor_not_found', { after: req.query.after })
      const rows = await riskRuns.runs({ month: req.query.month, before, limit: req.query.limit + 1 })
      const page = rows.slice(0, req.query.limit)
      linkNext(req, res, req.query.limit, 'after', rows.length > req.query.limit ? page[page.length - 1]?.id : undefined)
      return page.map(presentRun)
    },
  )

  const ranking = (kind: 'project' | 'employer') => async (req: FastifyRequest<{ Querystring: RankingQuery }>, res: FastifyReply) => {
    const q = req.query
    let after: [number, string] | undefined
    if (q.after !== undefined) {
      const key = decodeCursor(q.after)
      if (!key || key.length !== 2 || typeof key[0] !== 'number' || typeof key[1] !== 'string') throw new AppError('cursor_not_found', { after: q.after })
      after = [key[0], key[1]]
    }
    const r = await riskRuns.ranked({ month: q.month, kind, level: q.level, within: access.projectCondition(principalOf(req)), after, limit: q.limit + 1 })
    const page = r.scores.slice(0, q.limit)
    const last = page[page.length - 1]
    const next = r.scores.length > q.limit && last ? encodeCursor([last.points, last.subjectId]) : undefined
    linkNext(req, res, q.limit, 'after', next)
    return { run: presentRun(r.run), scores: page.map(presentScore), next: next ?? null }
  }

  app.get<{ Querystring: RankingQuery }>(
    '/api/risk/projects',
    {
      config: { policy: { roles: ['auditor', 'labour_manager'], write: false } },
      schema: {
        tags: ['risk'],
        summary: "Projects ranked by the month's risk index (its newest run), highest first, each with the parts and reasons that raised it",
        querystring: rankingQuery,
        response: { 200: rankingReply, ...errors },
      },
    },
    ranking('project'),
  )

  app.get<{ Querystring: RankingQuery }>(
    '/api/risk/employers',
    {
      config: { policy: { roles: ['auditor'], write: false } },
      schema: {
        tags: ['risk'],
        summary: "Employers (by credit code) ranked by the month's risk index, highest first; an auditor's: those that are a party of a project in their region",
        querystring: rankingQuery,
        response: { 200: rankingReply, ...errors },
      },
    },
    ranking('employer'),
  )

  app.get<{ Params: { projectId: string } }>(
    '/api/risk/projects/:projectId/history',
    {
      config: { policy: { roles: ['auditor', 'labour_manager'], write: false } },
      schema: {
        tags: ['risk'],
        summary: "A project's risk index month by month (each month's newest run), the newest month first, with the formula version each was scored under",
        params: projectParams,
        response: { 200: { type: 'array', items: { ...scoreSchema, properties: { ...scoreSchema.properties, runId: { type: 'string' }, runFinishedAt: { type: 'string', format: 'date-time' } } } }, ...errors },
      },
    },
    async (req) => {
      await services.roster.project(req.params.projectId)
      return (await riskRuns.projectHistory(req.params.projectId)).map((s) => ({ ...presentScore(s), runId: s.runId, runFinishedAt: iso(s.finishedAtMs) }))
    },
  )
}
