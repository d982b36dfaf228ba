/**
 * Timesheet routes (考勤表): a worker's, a team's and a project's month; the
 * attendance sheet as CSV and printable HTML; corrections; confirmation by the
 * labour manager and answers by workers; the project's attendance policy and
 * the month's attendance flags.
 */
import type { FastifyInstance } from 'fastify'
import { AppError } from '../../kernel/errors.ts'
import { isWorkDate, localTimeOf, workDateOf } from '../../kernel/time.ts'
import { maskDeep, maskText } from '../../access/masking.ts'
import { checkAnswerChannel, principalOf } from '../access.ts'
import { authorsFor } from '../authors.ts'
import { maskIdNumber } from '../../roster/identity.ts'
import type { Services } from '../../services.ts'
import { attendanceSheetCsv, attendanceSheetHtml } from '../../timesheets/export.ts'
import { INCOMPLETE_DAY_POLICIES, POLICY_BOUNDS, type AttendancePolicy } from '../../timesheets/policy.ts'
import { CORRECTION_KINDS, creditText, SET_STATUSES, type Correction, type WorkerDay, type WorkerMonth } from '../../timesheets/rules.ts'
import type { AttendanceFlag, NewCorrection, TeamMonth, WorkerMonthLine } from '../../timesheets/service.ts'
import type { AdjustmentRow, WorkerConfirmationRow } from '../../timesheets/repository.ts'
import { compareKeys, decodeCursor, linkNext, pageAfter, pageOf } from '../paging.ts'
import { date, errors, idParam, keyCursorQuery, limitQuery, projectMonthParams, projectParams, teamMonthParams, workerMonthParams, workerAnswerBody, rowId } from '../schemas.ts'

const nullableString = { type: ['string', 'null'] } as const
const nullableInt = { type: ['integer', 'null'] } as const

const policySchema = {
  type: 'object',
  properties: {
    debounceMinutes: { type: 'integer', minimum: POLICY_BOUNDS.debounceMinutes.min, maximum: POLICY_BOUNDS.debounceMinutes.max, description: 'repeated punches closer than this collapse into the first' },
    maxShiftMinutes: { type: 'integer', minimum: POLICY_BOUNDS.maxShiftMinutes.min, maximum: POLICY_BOUNDS.maxShiftMinutes.max, description: 'an in pairs only with an out at most this long after it' },
    incompleteDay: { type: 'string', enum: INCOMPLETE_DAY_POLICIES, description: 'what an incomplete day counts as until corrected' },
    clockAheadMinutes: { type: 'integer', minimum: POLICY_BOUNDS.clockAheadMinutes.min, maximum: POLICY_BOUNDS.clockAheadMinutes.max, description: 'device time further ahead of receipt marks the punch clock_suspect' },
  },
  required: ['debounceMinutes', 'maxShiftMinutes', 'incompleteDay', 'clockAheadMinutes'],
  additionalProperties: false,
} as const

const daySchema = {
  type: 'object',
  properties: {
    workDate: { type: 'string' },
    status: { type: 'string', enum: ['present', 'half_day', 'incomplete', 'absent'] },
    creditHalves: { type: 'integer' },
    credit: { type: 'string', description: 'days credited: "1", "0.5" or "0"' },
    decidedBy: { type: 'string', description: 'pairs, policy_count_day, policy_count_half, policy_needs_review, no_counted_punches or correction' },
    workedMinutes: { type: 'integer' },
    needsReview: { type: 'boolean' },
    reviewReasons: { type: 'array', items: { type: 'string' } },
    fromCorrections: { type: 'boolean' },
    corrections: { type: 'array', items: { type: 'string' } },
    pairs: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          in: { type: 'string' },
          out: { type: 'string' },
          inLocal: { type: 'string' },
          outLocal: { type: 'string' },
          minutes: { type: 'integer' },
          rule: { type: 'string', enum: ['direction', 'order', 'mixed'] },
          inPunchId: nullableInt,
          outPunchId: nullableInt,
          fromCorrection: { type: 'boolean' },
        },
      },
    },
    punches: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          punchId: nullableInt,
          correctionId: nullableString,
          at: { type: 'string' },
          local: { type: 'string' },
          deviceDirection: { type: 'string' },
          direction: nullableString,
          directionRule: nullableString,
          use: { type: 'string', enum: ['paired', 'unpaired', 'debounced', 'excluded'] },
          reason: nullableString,
          clockSuspect: nullableString,
        },
      },
    },
  },
} as const

const totalsSchema = {
  type: 'object',
  properties: {
    creditHalves: { type: 'integer' },
    credit: { type: 'string' },
    daysPresent: { type: 'integer' },
    daysHalf: { type: 'integer' },
    daysIncomplete: { type: 'integer' },
    daysAbsent: { type: 'integer' },
    daysNeedingReview: { type: 'integer' },
    daysCorrected: { type: 'integer' },
    workedMinutes: { type: 'integer' },
  },
} as const

const adjustmentSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    workDate: { type: 'string' },
    confirmationId: { type: 'string' },
    recordedMonth: { type: 'string' },
    cause: { type: 'string' },
    beforeStatus: { type: 'string' },
    afterStatus: { type: 'string' },
    beforeHalves: { type: 'integer' },
    afterHalves: { type: 'integer' },
    beforeMinutes: { type: 'integer' },
    afterMinutes: { type: 'integer' },
    recordedAt: { type: 'string' },
    detail: { type: 'object', additionalProperties: true, description: 'what caused it (punch or correction) and the day as it now stands' },
  },
} as const

const answerSchema = {
  type: ['object', 'null'],
  properties: {
    decision: { type: 'string' },
    channel: { type: 'string' },
    note: nullableString,
    recordedAt: { type: 'string' },
  },
} as const

const correctionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    workDate: { type: 'string' },
    kind: { type: 'string' },
    punchId: nullableInt,
    at: nullableString,
    direction: nullableString,
    status: nullableString,
    revokesId: nullableString,
    reason: { type: 'string' },
    author: { type: 'string' },
    createdAt: { type: 'string' },
  },
} as const

const lineProperties = {
  frozen: { type: 'boolean', description: 'true when the month is confirmed: these are the figures as confirmed' },
  totals: totalsSchema,
  adjustmentHalves: { type: 'integer', description: 'days carried into this month by adjustments to confirmed months, in halves' },
  adjustmentMinutes: { type: 'integer', description: 'worked minutes carried into this month by the same adjustments' },
  laterAdjustments: { type: 'array', items: adjustmentSchema, description: "for a confirmed month: the changes to its days made after confirmation, each carried into a later month" },
  adjustments: { type: 'array', items: adjustmentSchema },
  answer: answerSchema,
  days: { type: 'array', items: daySchema },
} as const

const iso = (ms: number): string => new Date(ms).toISOString()

/**
 * A total order over a month's flags, so a page's cursor is a position that holds while flags are added. An added punch
 * (补卡) has no punch id: its correction's id tells two added punches of one worker-day apart. It comes last, so a
 * cursor given before it was part of the key (five fields) still reads as a position: the added punches of the day it
 * stopped on follow it again (one may repeat, none is skipped).
 */
function flagKey(f: AttendanceFlag): Array<string | number> {
  const adjustmentId = typeof f.detail.adjustmentId === 'string' ? f.detail.adjustmentId : ''
  return [f.workDate, f.kind, f.workerId, f.punchId ?? 0, adjustmentId, f.correctionId ?? '']
}

function dayJson(d: WorkerDay, timeZone: string): Record<string, unknown> {
  const local = (ms: number): string => `${workDateOf(ms, timeZone)} ${localTimeOf(ms, timeZone)}`
  return {
    ...d,
    credit: creditText(d.creditHalves),
    pairs: d.pairs.map((p) => ({ ...p, in: iso(p.inAtMs), out: iso(p.outAtMs), inLocal: local(p.inAtMs), outLocal: local(p.outAtMs) })),
    punches: d.punches.map((p) => ({ ...p, at: iso(p.atMs), local: local(p.atMs) })),
  }
}

function totalsJson(m: WorkerMonth): Record<string, unknown> {
  const { days: _days, workerId: _w, ...totals } = m
  return { ...totals, credit: creditText(m.creditHalves) }
}

/**
 * Notes, reasons and names people type are free text: a correction's reason may quote a worker's phone or ID number.
 * Replies mask those numbers in them (src/access/masking.ts), as in every detail that quotes them.
 */
const maskNote = (text: string | null): string | null => (text === null ? null : maskText(text))

const adjustmentJson = (a: AdjustmentRow): Record<string, unknown> => ({ ...a, detail: maskDeep(JSON.parse(a.detail) as unknown), recordedAt: iso(a.recordedAtMs) })
const answerJson = (a: WorkerConfirmationRow | null): Record<string, unknown> | null => (a ? { ...a, note: maskNote(a.note), recordedAt: iso(a.recordedAtMs) } : null)
const correctionJson = (c: Correction): Record<string, unknown> => ({ ...c, reason: maskText(c.reason), author: maskText(c.author), at: c.atMs === null ? null : iso(c.atMs), createdAt: iso(c.createdAtMs) })

function lineJson(line: WorkerMonthLine, answer: WorkerConfirmationRow | null, timeZone: string): Record<string, unknown> {
  return {
    frozen: line.frozen,
    totals: totalsJson(line.month),
    adjustmentHalves: line.adjustmentHalves,
    adjustmentMinutes: line.adjustmentMinutes,
    adjustments: line.adjustments.map(adjustmentJson),
    laterAdjustments: line.laterAdjustments.map(adjustmentJson),
    answer: answerJson(answer),
    days: line.month.days.map((d) => dayJson(d, timeZone)),
  }
}

/**
 * A team's month with the text people typed masked (names, trades, answers' and the confirmation's notes), before it
 * is shown as JSON or a sheet. The ID number stays whole here: each view masks it in its own column.
 */
function maskTeamText(v: TeamMonth): TeamMonth {
  return {
    ...v,
    confirmation: v.confirmation ? { ...v.confirmation, confirmedBy: maskText(v.confirmation.confirmedBy), note: maskNote(v.confirmation.note) } : null,
    workers: v.workers.map((w) => ({
      ...w,
      worker: { ...w.worker, name: maskText(w.worker.name), trade: maskNote(w.worker.trade) },
      answer: w.answer ? { ...w.answer, note: maskNote(w.answer.note) } : null,
    })),
  }
}

function teamMonthJson(unmasked: TeamMonth): Record<string, unknown> {
  const v = maskTeamText(unmasked)
  return {
    projectId: v.projectId,
    teamId: v.teamId,
    teamName: v.teamName,
    month: v.month,
    timeZone: v.timeZone,
    policy: v.policy,
    state: v.state,
    confirmation: v.confirmation ? { ...v.confirmation, confirmedAt: iso(v.confirmation.confirmedAtMs) } : null,
    workers: v.workers.map((w) => ({
      workerId: w.worker.id,
      name: w.worker.name,
      trade: w.worker.trade,
      idNumberMasked: maskIdNumber(w.worker.idNumber),
      ...lineJson(w.line, w.answer, v.timeZone),
    })),
  }
}

export async function timesheetRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { roster, timesheets } = services

  app.get<{ Params: { projectId: string } }>(
    '/api/projects/:projectId/attendance-policy',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false } }, schema: { tags: ['timesheets'], summary: "The project's attendance policy (考勤规则设置)", params: projectParams, response: { 200: policySchema, ...errors } } },
    async (req) => roster.policy(req.params.projectId),
  )

  app.put<{ Params: { projectId: string }; Body: AttendancePolicy }>(
    '/api/projects/:projectId/attendance-policy',
    { config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        tags: ['timesheets'],
        summary: 'Sets the attendance policy; months not yet confirmed are computed under it from now on, confirmed months keep theirs',
        params: projectParams,
        body: policySchema,
        response: { 200: policySchema, ...errors },
      },
    },
    async (req) => roster.setPolicy(req.params.projectId, req.body),
  )

  app.get<{ Params: { projectId: string; month: string }; Querystring: { after?: string; limit: number } }>(
    '/api/projects/:projectId/timesheets/:month',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['timesheets'],
        summary: "A project's month (项目月考勤汇总): each team's state and totals, and each worker's totals, a page of workers at a time",
        description: 'Every team on every page; workers in id order, at most `limit`. `next` (also `Link: rel="next"`) is the `after` of the next page, null on the last.',
        params: projectMonthParams,
        querystring: { type: 'object', properties: { after: idParam, limit: limitQuery }, additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              projectId: { type: 'string' },
              month: { type: 'string' },
              timeZone: { type: 'string' },
              workerCount: { type: 'integer', description: 'workers with a line this month, on every page' },
              next: { type: ['string', 'null'], description: 'pass as `after` for the next page; null on the last' },
              teams: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    teamId: { type: 'string' },
                    name: { type: 'string' },
                    state: { type: 'string', enum: ['open', 'manager_confirmed', 'worker_confirmed'] },
                    confirmedBy: nullableString,
                    confirmedAt: nullableString,
                    workers: { type: 'integer' },
                    creditHalves: { type: 'integer' },
                    credit: { type: 'string' },
                    adjustmentHalves: { type: 'integer' },
                    workedMinutes: { type: 'integer' },
                    daysIncomplete: { type: 'integer' },
                    daysNeedingReview: { type: 'integer' },
                    daysCorrected: { type: 'integer' },
                    workersConfirmed: { type: 'integer' },
                    workersDisputed: { type: 'integer' },
                  },
                },
              },
              workers: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    workerId: { type: 'string' },
                    name: { type: 'string' },
                    teamId: { type: 'string' },
                    frozen: { type: 'boolean' },
                    totals: totalsSchema,
                    adjustmentHalves: { type: 'integer' },
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
      const { project, teams, lines } = await timesheets.projectSummary(req.params.projectId, req.params.month)
      const names = new Map((await roster.listEnrolments(project.id)).map(({ worker }) => [worker.id, worker.name]))
      const { after, limit } = req.query
      const sorted = [...lines.values()].sort((a, b) => (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0))
      const { page, next } = pageOf(after === undefined ? sorted : sorted.filter((l) => l.workerId > after).slice(0, limit + 1), limit, (l) => l.workerId)
      linkNext(req, reply, limit, 'after', next)
      return {
        projectId: project.id,
        month: req.params.month,
        timeZone: project.timeZone,
        workerCount: sorted.length,
        next: next ?? null,
        teams: teams.map((t) => ({ ...t, confirmedBy: maskNote(t.confirmedBy), credit: creditText(t.creditHalves), confirmedAt: t.confirmedAtMs === null ? null : iso(t.confirmedAtMs) })),
        workers: page.map((l) => ({ workerId: l.workerId, name: names.get(l.workerId) ?? '', teamId: l.teamId, frozen: l.frozen, totals: totalsJson(l.month), adjustmentHalves: l.adjustmentHalves })),
      }
    },
  )

  app.get<{ Params: { projectId: string; workerId: string; month: string } }>(
    '/api/projects/:projectId/workers/:workerId/timesheets/:month',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor', 'worker'], write: false, personal: true } },
      schema: {
        tags: ['timesheets'],
        summary: "A worker's month (个人月考勤): each day with its punches, pairs, minutes, status and the rule that decided, and the corrections made",
        params: workerMonthParams,
        response: {
          200: {
            type: 'object',
            properties: {
              projectId: { type: 'string' },
              month: { type: 'string' },
              timeZone: { type: 'string' },
              workerId: { type: 'string' },
              name: { type: 'string' },
              teamId: { type: 'string' },
              ...lineProperties,
              corrections: { type: 'array', items: correctionSchema },
            },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const { projectId, workerId, month: m } = req.params
      const v = await timesheets.workerMonth(projectId, workerId, m)
      const authorOf = authorsFor(req, services)
      const corrections = await Promise.all((await timesheets.corrections(projectId, workerId, m)).map(async (c) => ({ ...c, author: await authorOf(c.author) })))
      return {
        projectId,
        month: m,
        timeZone: v.project.timeZone,
        workerId,
        name: v.worker.name,
        teamId: v.enrolment.teamId,
        ...lineJson(v.line, v.answer, v.project.timeZone),
        corrections: corrections.map(correctionJson),
      }
    },
  )

  const teamMonthSchema = {
    type: 'object',
    properties: {
      projectId: { type: 'string' },
      teamId: { type: 'string' },
      teamName: { type: 'string' },
      month: { type: 'string' },
      timeZone: { type: 'string' },
      policy: policySchema,
      state: { type: 'string', enum: ['open', 'manager_confirmed', 'worker_confirmed'] },
      confirmation: {
        type: ['object', 'null'],
        properties: { id: { type: 'string' }, confirmedBy: { type: 'string' }, confirmedAt: { type: 'string' }, note: nullableString },
      },
      workers: {
        type: 'array',
        items: {
          type: 'object',
          properties: { workerId: { type: 'string' }, name: { type: 'string' }, trade: nullableString, idNumberMasked: { type: 'string' }, ...lineProperties },
        },
      },
    },
  } as const

  app.get<{ Params: { projectId: string; teamId: string; month: string }; Querystring: { after?: string; limit: number } }>(
    '/api/projects/:projectId/teams/:teamId/timesheets/:month',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['timesheets'],
        summary: "A team's month (班组月考勤): every worker enrolled in the month, each day in full, a page of workers at a time; frozen once confirmed",
        description: 'Workers by name, at most `limit` a page. `next` (also `Link: rel="next"`) is the `after` cursor of the next page, null on the last. The attendance sheet (.csv, .html) has the whole team.',
        params: teamMonthParams,
        querystring: { type: 'object', properties: { after: keyCursorQuery, limit: limitQuery }, additionalProperties: false },
        response: {
          200: {
            ...teamMonthSchema,
            properties: {
              ...teamMonthSchema.properties,
              workerCount: { type: 'integer', description: 'workers of the team this month, on every page' },
              next: { type: ['string', 'null'], description: 'pass as `after` for the next page; null on the last' },
            },
          },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const after = req.query.after === undefined ? undefined : decodeCursor(req.query.after)
      if (req.query.after !== undefined && after === undefined) throw new AppError('validation_failed', [{ field: 'querystring/after', message: 'not a cursor this listing gave' }])
      const v = await timesheets.teamMonth(req.params.projectId, req.params.teamId, req.params.month)
      // The service orders by name, then id: the cursor is that key.
      const { page, next } = pageAfter(v.workers, (w) => [w.worker.name, w.worker.id], after, req.query.limit)
      linkNext(req, reply, req.query.limit, 'after', next)
      return { ...teamMonthJson({ ...v, workers: page }), workerCount: v.workers.length, next: next ?? null }
    },
  )

  app.get<{ Params: { projectId: string; teamId: string; month: string } }>(
    '/api/projects/:projectId/teams/:teamId/timesheets/:month/attendance-sheet.csv',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['timesheets'],
        summary: 'The attendance sheet (考勤表) as CSV: UTF-8 with BOM so Excel opens it; one row per worker, one column per day, totals',
        params: teamMonthParams,
        produces: ['text/csv'],
      },
    },
    async (req, reply) => {
      const v = await timesheets.teamMonth(req.params.projectId, req.params.teamId, req.params.month)
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="attendance-${req.params.month}-${encodeURIComponent(v.teamName)}.csv"; filename*=UTF-8''${encodeURIComponent(`考勤表-${v.teamName}-${req.params.month}.csv`)}`)
        .send(attendanceSheetCsv(maskTeamText(v)))
    },
  )

  app.get<{ Params: { projectId: string; teamId: string; month: string } }>(
    '/api/projects/:projectId/teams/:teamId/timesheets/:month/attendance-sheet.html',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['timesheets'],
        summary: 'The attendance sheet (考勤表) as a printable page (A4 landscape)',
        params: teamMonthParams,
        produces: ['text/html'],
      },
    },
    async (req, reply) => reply.type('text/html; charset=utf-8').send(attendanceSheetHtml(maskTeamText(await timesheets.teamMonth(req.params.projectId, req.params.teamId, req.params.month)))),
  )

  app.post<{ Params: { projectId: string; teamId: string; month: string }; Body: { confirmedBy: string; note?: string } }>(
    '/api/projects/:projectId/teams/:teamId/timesheets/:month/confirmation',
    { config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        tags: ['timesheets'],
        summary: "The labour manager confirms the team's month: refused while any day needs review; the figures are then frozen",
        params: teamMonthParams,
        body: {
          type: 'object',
          properties: { confirmedBy: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S', description: 'who confirms: a name, not blank' }, note: { type: 'string', maxLength: 500 } },
          required: ['confirmedBy'],
          additionalProperties: false,
        },
        response: { 201: teamMonthSchema, ...errors },
      },
    },
    async (req, reply) => {
      const v = await timesheets.confirmByManager(req.params.projectId, req.params.teamId, req.params.month, req.body.confirmedBy, req.body.note ?? null)
      return reply.code(201).send(teamMonthJson(v))
    },
  )

  app.post<{ Params: { projectId: string; workerId: string; month: string }; Body: { decision: 'confirm' | 'dispute'; channel: 'app' | 'kiosk' | 'sms' | 'paper' | 'wechat'; note?: string } }>(
    '/api/projects/:projectId/workers/:workerId/timesheets/:month/answer',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'worker'], write: true, personal: true } },
      schema: {
        tags: ['timesheets'],
        summary: 'The worker confirms their confirmed month, or disputes it with a note (异议); recorded with time and channel, the newest answer counts',
        params: workerMonthParams,
        body: workerAnswerBody,
        response: { 201: answerSchema, ...errors },
      },
    },
    async (req, reply) => {
      checkAnswerChannel(req, req.body.channel)
      const a = await timesheets.answerByWorker(req.params.projectId, req.params.workerId, req.params.month, { decision: req.body.decision, channel: req.body.channel, note: req.body.note ?? null })
      return reply.code(201).send(answerJson(a))
    },
  )

  app.post<{ Params: { projectId: string; workerId: string; date: string }; Body: NewCorrection }>(
    '/api/projects/:projectId/workers/:workerId/days/:date/corrections',
    { config: { policy: { roles: ['labour_manager', 'team_manager'], write: true, personal: true } },
      schema: {
        tags: ['timesheets'],
        summary: 'Adds a correction to a worker-day (考勤更正): add or void a punch, accept a suspect clock reading, set the status, or revoke a correction. Append-only.',
        params: {
          type: 'object',
          properties: { projectId: idParam, workerId: idParam, date },
          required: ['projectId', 'workerId', 'date'],
          additionalProperties: false,
        },
        body: {
          type: 'object',
          properties: {
            kind: { type: 'string', enum: CORRECTION_KINDS },
            punchId: rowId,
            at: { type: 'string', maxLength: 40, description: "add_punch: an instant with offset, or local \"YYYY-MM-DD HH:mm[:ss]\", on the day corrected in the project's zone (an out may fall on the next morning); another day is 400 correction_invalid with details.fallsOn" },
            direction: { type: 'string', enum: ['in', 'out'] },
            status: { type: 'string', enum: SET_STATUSES },
            revokesId: idParam,
            reason: { type: 'string', minLength: 1, maxLength: 500, pattern: '\\S' },
            author: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' },
          },
          required: ['kind', 'reason', 'author'],
          additionalProperties: false,
        },
        response: { 201: correctionSchema, ...errors },
      },
    },
    async (req, reply) => {
      if (!isWorkDate(req.params.date)) throw new AppError('invalid_date', { date: req.params.date })
      // The author as typed (the clerk who signed the paper, say) with the login that recorded it, whenever they differ:
      // the record says who made the change even when the name typed is someone else's.
      const typed = req.body.author.trim()
      const login = principalOf(req).label
      const author = typed === login ? typed : `${typed} (${login})`
      const c = await timesheets.addCorrection(req.params.projectId, req.params.workerId, req.params.date, { ...req.body, author })
      return reply.code(201).send(correctionJson(c))
    },
  )

  app.get<{ Params: { projectId: string; month: string }; Querystring: { after?: string; limit: number } }>(
    '/api/projects/:projectId/attendance-flags/:month',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['timesheets'],
        summary: 'What needs attention in a month (考勤预警): punches before entry or after exit, suspect clocks, days waiting for review, changes to confirmed months',
        description: 'By work date, kind and worker, a page at a time: when more follow, `Link: <…>; rel="next"` carries the `after` cursor.',
        params: projectMonthParams,
        querystring: { type: 'object', properties: { after: keyCursorQuery, limit: limitQuery }, additionalProperties: false },
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                kind: { type: 'string' },
                workerId: { type: 'string' },
                teamId: { type: 'string' },
                workDate: { type: 'string' },
                punchId: nullableInt,
                correctionId: { ...nullableString, description: 'for a punch a correction added (补卡, no punchId): that correction' },
                detail: { type: 'object', additionalProperties: true, description: 'for clock_suspect: clockSuspect (before_install or ahead_of_receipt), why, and action (what to do)' },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const after = req.query.after === undefined ? undefined : decodeCursor(req.query.after)
      if (req.query.after !== undefined && after === undefined) throw new AppError('validation_failed', [{ field: 'querystring/after', message: 'not a cursor this listing gave' }])
      // A cursor from before the correction id joined the key (five fields) names the same row with no correction id.
      if (after?.length === 5) after.push('')
      const flags = (await timesheets.attendanceFlags(req.params.projectId, req.params.month)).sort((a, b) => compareKeys(flagKey(a), flagKey(b)))
      const { page, next } = pageAfter(flags, flagKey, after, req.query.limit)
      linkNext(req, reply, req.query.limit, 'after', next)
      return page.map((f) => ({ ...f, detail: maskDeep(f.detail) }))
    },
  )
}
