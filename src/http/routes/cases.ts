/**
 * Flag cases (预警案件) over HTTP: a project-month's cases with their state, age against the seeds' clocks and severity,
 * one case with its history, and what people do to one (acknowledge, dismiss with a reason, comment). The GC's labour
 * manager works them; the bureau's auditor reads them and never writes (issue 9: a comment is a write, 403
 * role_forbidden). A team manager (班组长 / 劳务员) reads,
 * acknowledges and comments on the cases of their own teams only (`inTeamReach`): those of workers enrolled in a team
 * their organisation employs, and those whose evidence names such a team (NO_PAYROLL_SHEET). A case is scoped to a
 * worker, a card or the project, not to a team, so the narrowing is the handler's, by the case's subject: the others
 * (the whole project's, a card no worker owns, another team's workers) are left out of the list and answer 404 by id,
 * as a missing case does, with the denial logged as the access plugin logs one. Dismissing stays the labour manager's.
 * Cards in a case (a card no worker owns) are masked, as in flags.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { maskDeep, maskText } from '../../access/masking.ts'
import type { CaseActor, CaseEvent, CaseState, FlagCase } from '../../flags/cases.ts'
import { inTeamReach, type CaseHistory, type CaseView, type TeamReach } from '../../flags/case-service.ts'
import { AppError } from '../../kernel/errors.ts'
import { maskCard } from '../../roster/identity.ts'
import type { Services } from '../../services.ts'
import { deniedEntry, principalOf } from '../access.ts'
import { errors, idParam, month } from '../schemas.ts'

const STATES = ['open', 'acknowledged', 'resolved', 'dismissed'] as const satisfies readonly CaseState[]
const anyObject = { type: 'object', additionalProperties: true } as const
const nullableInteger = { type: ['integer', 'null'] } as const
const caseParams = { type: 'object', properties: { projectId: idParam, caseId: { type: 'string', pattern: '^[0-9a-f]{32}$' } }, required: ['projectId', 'caseId'], additionalProperties: false } as const

const caseSchema = {
  type: 'object',
  properties: {
    caseId: { type: 'string', description: 'stable for the case: kind, worker or card, month and project' },
    kind: { type: 'string', description: 'the case family (UNPAID for UNPAID and SHORTFALL)' },
    flagKind: { type: 'string', description: 'the kind of the flag as last raised' },
    month: { type: 'string' },
    workerId: { type: ['string', 'null'] },
    payeeCardMasked: { type: ['string', 'null'] },
    scope: { type: ['string', 'null'] },
    state: { type: 'string', enum: STATES },
    severity: { type: 'string', enum: ['red', 'yellow'] },
    dueFen: nullableInteger,
    paidFen: nullableInteger,
    ageDays: { type: 'integer', description: 'calendar days since first opened, until closed' },
    episodeAgeDays: { type: 'integer', description: 'since opened or last reopened: what the 7- and 15-day clocks read' },
    firstOpenedAt: { type: 'string' },
    reopenings: { type: 'integer' },
    acknowledgedBy: { type: ['string', 'null'] },
    escalations: { type: 'array', items: { type: 'object', properties: { clock: { type: 'string' }, thresholdDays: { type: 'integer' }, at: { type: 'string' } } } },
    resolution: { type: ['object', 'null'], properties: { runId: { type: 'string' }, at: { type: 'string' }, became: { type: ['object', 'null'], additionalProperties: true } } },
    dismissal: { type: ['object', 'null'], properties: { by: { type: 'string' }, at: { type: 'string' }, reason: { type: 'string' } } },
    evidence: anyObject,
  },
} as const

const historySchema = {
  ...caseSchema,
  properties: {
    ...caseSchema.properties,
    events: { type: 'array', items: { type: 'object', properties: { seq: { type: 'integer' }, type: { type: 'string' }, at: { type: 'string' }, actor: { type: ['string', 'null'] }, detail: anyObject } } },
  },
} as const

const iso = (ms: number): string => new Date(ms).toISOString()

function caseJson(v: CaseView) {
  const c: FlagCase = v.case
  return {
    caseId: v.id,
    kind: c.kind,
    flagKind: c.flagKind,
    month: c.month,
    workerId: c.workerId,
    payeeCardMasked: c.payeeCard === null ? null : maskCard(c.payeeCard),
    scope: c.scope,
    state: c.state,
    severity: v.severity,
    dueFen: c.dueFen,
    paidFen: c.paidFen,
    ageDays: v.ageDays,
    episodeAgeDays: v.episodeAgeDays,
    firstOpenedAt: iso(c.firstOpenedAtMs),
    reopenings: c.reopenings,
    acknowledgedBy: c.acknowledged?.actor.label ?? null,
    escalations: c.escalations.map((e) => ({ clock: e.clock, thresholdDays: e.thresholdDays, at: iso(e.atMs) })),
    resolution: c.resolution && { runId: c.resolution.runId, at: iso(c.resolution.atMs), became: c.resolution.became },
    dismissal: c.dismissal && { by: c.dismissal.actor.label, at: iso(c.dismissal.atMs), reason: maskText(c.dismissal.reason) },
    evidence: maskDeep(c.evidence) as Record<string, unknown>,
  }
}

/** An event as the history shows it: who, when, what; the case key (which may hold a card) and raw cards left out. */
function eventJson(seq: number, e: CaseEvent) {
  const { caseKey: _key, atMs, type, ...rest } = e
  const actor = 'actor' in e ? (e.actor?.label ?? null) : null
  const detail: Record<string, unknown> = { ...rest }
  delete detail.actor
  if ('payeeCard' in detail && typeof detail.payeeCard === 'string') detail.payeeCard = maskCard(detail.payeeCard)
  return { seq, type, at: iso(atMs), actor, detail: maskDeep(detail) as Record<string, unknown> }
}

const historyJson = (h: CaseHistory) => ({ ...caseJson(h), events: h.events.map((e) => eventJson(e.seq, e.event)) })

const actorOf = (p: ReturnType<typeof principalOf>): CaseActor => ({ id: p.id, role: p.role, label: p.label })

export async function casesRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { cases } = services

  /** A team manager's reach on the project; undefined for the other roles, whose scope is the project (checked before). */
  const teamReachOf = async (req: FastifyRequest, projectId: string): Promise<TeamReach | undefined> => {
    const p = principalOf(req)
    return p.role === 'team_manager' ? cases.teamReach(projectId, p.organisationId ?? '') : undefined
  }

  /** A case by id as the caller may see it: out of a team manager's reach it answers as a missing one, the denial logged. */
  const visibleCase = async (req: FastifyRequest, projectId: string, caseId: string): Promise<CaseHistory> => {
    const h = await cases.history(projectId, caseId)
    const reach = await teamReachOf(req, projectId)
    if (reach !== undefined && !inTeamReach(h.case, reach)) {
      await services.accessLog.append(deniedEntry(req, principalOf(req), 'out_of_scope'))
      throw new AppError('flag_case_not_found', { caseId })
    }
    return h
  }

  app.get<{ Params: { projectId: string }; Querystring: { month: string; state?: CaseState } }>(
    '/api/projects/:projectId/cases',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['flags'],
        summary: "A project-month's flag cases (预警案件): open and acknowledged first, each with its age against the 7- and 15-day clocks and its severity",
        description: "A team manager's list holds only their teams' cases: their workers', and those whose evidence names one of their teams.",
        params: { type: 'object', properties: { projectId: idParam }, required: ['projectId'], additionalProperties: false },
        querystring: { type: 'object', properties: { month, state: { type: 'string', enum: STATES } }, required: ['month'], additionalProperties: false },
        response: { 200: { type: 'array', items: caseSchema }, ...errors },
      },
    },
    async (req) => {
      await services.roster.project(req.params.projectId)
      const reach = await teamReachOf(req, req.params.projectId)
      const all = await cases.list(req.params.projectId, req.query.month, req.query.state)
      const list = reach === undefined ? all : all.filter((v) => inTeamReach(v.case, reach))
      req.accessRecordIds = list.flatMap((v) => (v.case.workerId === null ? [] : [v.case.workerId]))
      return list.map(caseJson)
    },
  )

  app.get<{ Params: { projectId: string; caseId: string } }>(
    '/api/projects/:projectId/cases/:caseId',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['flags'],
        summary: 'One flag case with its whole history, oldest first',
        description: "A case outside a team manager's teams: 404 flag_case_not_found, as a missing one.",
        params: caseParams,
        response: { 200: historySchema, ...errors },
      },
    },
    async (req) => {
      const h = await visibleCase(req, req.params.projectId, req.params.caseId)
      req.accessRecordIds = h.case.workerId === null ? [] : [h.case.workerId]
      return historyJson(h)
    },
  )

  const actions = [
    { path: 'acknowledge', roles: ['labour_manager', 'team_manager'], summary: 'Takes the case (open → acknowledged): who handles it is recorded; stops the 7-day clock', body: { type: 'object', properties: {}, additionalProperties: false }, action: () => ({ type: 'acknowledge' as const }) },
    {
      path: 'dismiss',
      roles: ['labour_manager'],
      summary: 'Closes the case without the money arriving, with a reason (reopened if the same flag comes back with other figures)',
      body: { type: 'object', properties: { reason: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S' } }, required: ['reason'], additionalProperties: false },
      action: (b: { reason?: string; text?: string }) => ({ type: 'dismiss' as const, reason: b.reason ?? '' }),
    },
    {
      path: 'resolve',
      roles: ['labour_manager'],
      summary: "Closes a worker's wage complaint (欠薪投诉, family COMPLAINT) with what was done; a case raised by reconciliation is resolved by the run instead (409 flag_case_refused closed_by_runs)",
      body: { type: 'object', properties: { reason: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S' } }, required: ['reason'], additionalProperties: false },
      action: (b: { reason?: string; text?: string }) => ({ type: 'resolve' as const, reason: b.reason ?? '' }),
    },
    {
      path: 'comment',
      roles: ['labour_manager', 'team_manager'],
      summary: 'Adds a note to the case history (any state)',
      body: { type: 'object', properties: { text: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S' } }, required: ['text'], additionalProperties: false },
      action: (b: { reason?: string; text?: string }) => ({ type: 'comment' as const, text: b.text ?? '' }),
    },
  ] as const

  for (const a of actions) {
    app.post<{ Params: { projectId: string; caseId: string }; Body: { reason?: string; text?: string } }>(
      `/api/projects/:projectId/cases/:caseId/${a.path}`,
      { config: { policy: { roles: [...a.roles], write: true, personal: true } },
        schema: {
          tags: ['flags'],
          summary: a.summary,
          description: "A case closed or already taken: 409 flag_case_refused with details.code. A case outside a team manager's teams: 404 flag_case_not_found.",
          params: caseParams,
          body: a.body,
          response: { 200: historySchema, ...errors },
        },
      },
      async (req) => {
        // A team manager acts only on a case they may read: checked first, so a case out of reach is never changed.
        if (principalOf(req).role === 'team_manager') await visibleCase(req, req.params.projectId, req.params.caseId)
        return historyJson(await cases.act(req.params.projectId, req.params.caseId, a.action(req.body ?? {}), actorOf(principalOf(req))))
      },
    )
  }
}
