/**
 * The desk's review queue (考勤待审核): `/pages/projects/:projectId/desk/review?month=YYYY-MM`. Per team the caller
 * sees, the days that keep the month from being confirmed (needsReview: incomplete, a suspect clock, over 24 h) or are
 * incomplete, each with its punches and a small form to correct it in place; and the team's month confirmation.
 *
 * - A correction posts to `…/desk/review/workers/:workerId/days/:date/corrections`, which calls the service the API's
 *   POST …/days/{date}/corrections calls (timesheets.addCorrection), with the same roles (labour and team managers),
 *   the author taken from the session and a reason required: without one, nothing is stored and the form says so.
 * - Confirmation posts to `…/desk/review/teams/:teamId/confirmation` (timesheets.confirmByManager, labour managers only,
 *   as POST …/timesheets/{month}/confirmation), confirmed by the signed-in person; a refusal is shown with the API's
 *   code and reason, and the days it names.
 *
 * A form sent by /assets/desk.js (header x-desk-fragment) gets back its day alone, to swap in place; a plain form post
 * gets the page (303 back to it on success, the page with the problem on a refusal).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { maskText } from '../access/masking.ts'
import type { Principal } from '../access/roles.ts'
import { principalOf } from '../http/access.ts'
import { idParam, date as dateSchema, isServiceMonth } from '../http/schemas.ts'
import { AppError } from '../kernel/errors.ts'
import { isWorkDate, localTimeOf, monthOf, workDateOf, type Month } from '../kernel/time.ts'
import type { Services } from '../services.ts'
import type { NewCorrection } from '../timesheets/service.ts'
import { SET_STATUSES, type SetStatus, type WorkerDay } from '../timesheets/rules.ts'
import { deskNav, deskParams, deskPath, signedInOf, visibleTeams } from './desk.ts'
import { render, sendPage, type LayoutData } from './views.ts'

const STATUS_NAMES: Readonly<Record<string, string>> = { present: '出勤', half_day: '半天', incomplete: '缺卡', absent: '缺勤' }
const REASON_NAMES: Readonly<Record<string, string>> = { incomplete: '缺卡（只有进或只有出）', over_24h: '超过 24 小时', clock_suspect: '设备时钟可疑' }
const USE_NAMES: Readonly<Record<string, string>> = { paired: '已配对', unpaired: '未配对', debounced: '重复打卡', excluded: '未计入' }
const TEAM_STATE_NAMES: Readonly<Record<string, string>> = { open: '未确认', manager_confirmed: '已确认', worker_confirmed: '工人已确认' }

/** What a refusal means to the person at the desk, by the API's code; the code and the API's own sentence are shown too. */
const REFUSALS: Readonly<Record<string, string>> = {
  timesheet_needs_review: '还有考勤日待审核（缺卡、设备时钟可疑或超过 24 小时）：请先逐日更正，再确认本月。',
  month_not_ended: '本月尚未结束：月末之后才能确认。',
  timesheet_already_confirmed: '该班组本月考勤已确认并冻结；之后的更改记为补差。',
  timesheet_empty: '该班组本月没有考勤记录，无需确认。',
  correction_invalid: '更正内容不完整或与记录矛盾。',
  date_in_future: '该日期尚未到来：考勤只能事后更正。',
  date_outside_enrolment: '该日期不在工人的进退场日期之内：请先更正进退场日期。',
  punch_not_found: '找不到该工人的这条打卡记录。',
  validation_failed: '表单填写有误。',
}

export interface Problem {
  message: string
  code?: string
  apiMessage?: string
  days?: Array<{ name: string; workDate: string; reasons: string }>
}

interface DayView {
  key: string
  workerId: string
  name: string
  workDate: string
  status: string
  reasons: string
  needsReview: boolean
  fromCorrections: boolean
  punches: Array<{ id: number | null; local: string; direction: string; use: string; clockSuspect: boolean }>
  action: string
}

interface TeamView {
  teamId: string
  name: string
  state: string
  open: boolean
  confirmAction: string
  days: DayView[]
  workers: number
  problem?: Problem
}

interface ReviewData extends LayoutData {
  projectName: string
  month: string
  prevMonth: string
  nextMonth: string
  nav: ReturnType<typeof deskNav>
  teams: TeamView[]
  canCorrect: boolean
  canConfirm: boolean
  notice?: string
  dayProblem?: { key: string; problem: Problem; values: Record<string, string> }
  statuses: Array<{ value: SetStatus; label: string }>
}

const dayKey = (workerId: string, workDate: string): string => `day-${workerId}-${workDate}`
const reviewPath = (projectId: string, month: string): string => `${deskPath(projectId)}/review?month=${month}`
const correctionAction = (projectId: string, workerId: string, workDate: string): string =>
  `${deskPath(projectId)}/review/workers/${encodeURIComponent(workerId)}/days/${workDate}/corrections`

function shiftMonth(month: Month, by: number): Month {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const d = new Date(Date.UTC(y, m - 1 + by, 1))
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`
}

function dayView(projectId: string, workerId: string, name: string, d: WorkerDay, timeZone: string): DayView {
  return {
    key: dayKey(workerId, d.workDate),
    workerId,
    name,
    workDate: d.workDate,
    status: STATUS_NAMES[d.status] ?? d.status,
    reasons: d.reviewReasons.map((r) => REASON_NAMES[r] ?? r).join('、'),
    needsReview: d.needsReview,
    fromCorrections: d.fromCorrections,
    punches: d.punches.map((p) => ({
      id: p.punchId,
      local: localTimeOf(p.atMs, timeZone),
      direction: p.direction === 'in' ? '进' : p.direction === 'out' ? '出' : p.deviceDirection === 'in' ? '进' : p.deviceDirection === 'out' ? '出' : '方向未知',
      use: USE_NAMES[p.use] ?? p.use,
      clockSuspect: p.clockSuspect !== null,
    })),
    action: correctionAction(projectId, workerId, d.workDate),
  }
}

function problemOf(err: AppError, names?: Map<string, string>): Problem {
  const details = (err.details ?? {}) as { message?: unknown; days?: Array<{ workerId?: string; name?: string; workDate?: string; reasons?: string[] }> }
  const extra = typeof details.message === 'string' ? `（${details.message}）` : ''
  return {
    message: `${REFUSALS[err.code] ?? '请求未能完成。'}${extra}`,
    code: err.code,
    apiMessage: err.message,
    days: Array.isArray(details.days)
      ? details.days.map((d) => ({ name: maskText(d.name ?? names?.get(d.workerId ?? '') ?? ''), workDate: d.workDate ?? '', reasons: (d.reasons ?? []).map((r) => REASON_NAMES[r] ?? r).join('、') }))
      : undefined,
  }
}

export async function reviewDeskRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { roster, timesheets } = services

  async function reviewData(p: Principal, projectId: string, month: Month, extra: Partial<ReviewData> & { teamProblem?: { teamId: string; problem: Problem } } = {}): Promise<ReviewData> {
    const project = await roster.project(projectId)
    const teams = visibleTeams(await roster.listTeams(projectId), p)
    const views: TeamView[] = []
    for (const t of teams) {
      const v = await timesheets.teamMonth(projectId, t.id, month)
      const days = v.workers.flatMap((w) =>
        w.line.month.days.filter((d) => d.needsReview || d.status === 'incomplete').map((d) => dayView(projectId, w.worker.id, maskText(w.worker.name), d, project.timeZone)),
      )
      views.push({
        teamId: t.id,
        name: maskText(t.name),
        state: TEAM_STATE_NAMES[v.state] ?? v.state,
        open: v.state === 'open',
        confirmAction: `${deskPath(projectId)}/review/teams/${encodeURIComponent(t.id)}/confirmation`,
        days,
        workers: v.workers.filter((w) => w.line.month.days.length > 0).length,
        problem: extra.teamProblem?.teamId === t.id ? extra.teamProblem.problem : undefined,
      })
    }
    const { teamProblem: _tp, ...rest } = extra
    return {
      title: `考勤待审核 · ${month}`,
      signedIn: signedInOf(p),
      stylesheets: ['desk.css'],
        scripts: ['desk.js'],
      projectName: project.name,
      month,
      prevMonth: reviewPath(projectId, shiftMonth(month, -1)),
      nextMonth: reviewPath(projectId, shiftMonth(month, 1)),
      nav: deskNav(projectId, p, 'review'),
      teams: views,
      canCorrect: p.role === 'labour_manager' || p.role === 'team_manager' || p.role === 'admin',
      canConfirm: p.role === 'labour_manager' || p.role === 'admin',
      statuses: SET_STATUSES.map((s) => ({ value: s, label: STATUS_NAMES[s] ?? s })),
      ...rest,
    }
  }

  const NOTICES: Readonly<Record<string, string>> = { corrected: '更正已保存。', confirmed: '本月考勤已确认。' }

  app.get<{ Params: { projectId: string }; Querystring: { month?: string; notice?: string } }>(
    '/pages/projects/:projectId/desk/review',
    {
      // The team month's readers (GET …/teams/{teamId}/timesheets/{month}); an auditor reads, without the forms.
      config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false, personal: true } },
      schema: {
        hide: true,
        params: deskParams,
        querystring: { type: 'object', properties: { month: { type: 'string', pattern: '^20\\d{2}-(0[1-9]|1[0-2])$' }, notice: { type: 'string', enum: Object.keys(NOTICES) } } },
      },
    },
    async (req, reply) => {
      const p = principalOf(req)
      const project = await roster.project(req.params.projectId)
      const month = req.query.month ?? monthOf(workDateOf(services.clock.nowMs(), project.timeZone))
      const notice = req.query.notice === undefined ? undefined : NOTICES[req.query.notice]
      return sendPage<ReviewData>(reply, 200, 'desk-review', await reviewData(p, project.id, month, { notice }))
    },
  )

  interface CorrectionForm {
    kind?: string
    time?: string
    direction?: string
    status?: string
    punchId?: string
    reason?: string
  }

  /** The form as the service's correction, or what the person must fix (nothing is stored then). */
  function correctionOf(form: CorrectionForm, workDate: string, author: string): NewCorrection | string {
    const reason = (form.reason ?? '').trim()
    if (reason === '') return '请填写更正原因（必填），例如“门禁故障，班组长证明当日 17:30 离场”。'
    switch (form.kind ?? '') {
      case 'add_punch': {
        const time = (form.time ?? '').trim()
        if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) return '补卡请填写时间（时:分，如 17:30）。'
        if (form.direction !== 'in' && form.direction !== 'out') return '补卡请选择进场或离场。'
        return { kind: 'add_punch', at: `${workDate} ${time}`, direction: form.direction, reason, author }
      }
      case 'set_status':
        if (!(SET_STATUSES as readonly string[]).includes(form.status ?? '')) return '请选择认定的出勤状态。'
        return { kind: 'set_status', status: form.status as SetStatus, reason, author }
      case 'accept_punch':
      case 'void_punch': {
        const punchId = Number(form.punchId)
        if (!Number.isSafeInteger(punchId) || punchId < 1) return '请选择要处理的打卡记录。'
        return { kind: form.kind === 'accept_punch' ? 'accept_punch' : 'void_punch', punchId, reason, author }
      }
      default:
        return '请选择更正方式。'
    }
  }

  const wantsFragment = (req: FastifyRequest): boolean => req.headers['x-desk-fragment'] === '1'

  async function dayFragment(reply: FastifyReply, status: number, p: Principal, projectId: string, workerId: string, workDate: string, notice?: string, problem?: Problem, values: Record<string, string> = {}): Promise<FastifyReply> {
    const v = await timesheets.workerMonth(projectId, workerId, monthOf(workDate))
    const d = v.line.month.days.find((x) => x.workDate === workDate)
    const day = d ? dayView(projectId, workerId, maskText(v.worker.name), d, v.project.timeZone) : undefined
    const html = render('desk-review-day', {
      title: '',
      day,
      notice,
      problem,
      values,
      canCorrect: true,
      statuses: SET_STATUSES.map((s) => ({ value: s, label: STATUS_NAMES[s] ?? s })),
    })
    return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html)
  }

  app.post<{ Params: { projectId: string; workerId: string; date: string }; Body: CorrectionForm }>(
    '/pages/projects/:projectId/desk/review/workers/:workerId/days/:date/corrections',
    {
      // As POST …/workers/{workerId}/days/{date}/corrections.
      config: { policy: { roles: ['labour_manager', 'team_manager'], write: true, personal: true } },
      schema: {
        hide: true,
        params: { type: 'object', properties: { projectId: idParam, workerId: idParam, date: dateSchema }, required: ['projectId', 'workerId', 'date'], additionalProperties: false },
        body: {
          type: 'object',
          properties: {
            kind: { type: 'string', maxLength: 20 },
            time: { type: 'string', maxLength: 10 },
            direction: { type: 'string', maxLength: 10 },
            status: { type: 'string', maxLength: 20 },
            punchId: { type: 'string', maxLength: 20 },
            reason: { type: 'string', maxLength: 500 },
            month: { type: 'string', maxLength: 7 },
          },
        },
      },
    },
    async (req, reply) => {
      const p = principalOf(req)
      const { projectId, workerId, date: workDate } = req.params
      if (!isWorkDate(workDate)) throw new AppError('invalid_date', { date: workDate })
      const form = req.body ?? {}
      const month = isServiceMonth(String((form as { month?: string }).month ?? '')) ? String((form as { month?: string }).month) : monthOf(workDate)
      const values: Record<string, string> = { kind: form.kind ?? '', time: form.time ?? '', direction: form.direction ?? '', status: form.status ?? '', punchId: form.punchId ?? '', reason: form.reason ?? '' }
      const refuse = async (status: number, problem: Problem): Promise<FastifyReply> => {
        if (wantsFragment(req)) return dayFragment(reply, status, p, projectId, workerId, workDate, undefined, problem, values)
        return sendPage<ReviewData>(reply, status, 'desk-review', await reviewData(p, projectId, month, { dayProblem: { key: dayKey(workerId, workDate), problem, values } }))
      }
      const correction = correctionOf(form, workDate, p.label)
      if (typeof correction === 'string') return refuse(400, { message: correction })
      try {
        await timesheets.addCorrection(projectId, workerId, workDate, correction)
      } catch (err) {
        if (err instanceof AppError && err.status >= 400 && err.status < 500 && err.code !== 'project_not_found' && err.code !== 'worker_not_found' && err.code !== 'enrolment_not_found') {
          return refuse(err.status, problemOf(err))
        }
        throw err
      }
      if (wantsFragment(req)) return dayFragment(reply, 200, p, projectId, workerId, workDate, NOTICES.corrected)
      return reply.redirect(`${reviewPath(projectId, month)}&notice=corrected#${dayKey(workerId, workDate)}`, 303)
    },
  )

  app.post<{ Params: { projectId: string; teamId: string }; Body: { month?: string; note?: string } }>(
    '/pages/projects/:projectId/desk/review/teams/:teamId/confirmation',
    {
      // As POST …/teams/{teamId}/timesheets/{month}/confirmation: the labour manager confirms.
      config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        hide: true,
        params: { type: 'object', properties: { projectId: idParam, teamId: idParam }, required: ['projectId', 'teamId'], additionalProperties: false },
        body: { type: 'object', properties: { month: { type: 'string', maxLength: 7 }, note: { type: 'string', maxLength: 500 } } },
      },
    },
    async (req, reply) => {
      const p = principalOf(req)
      const { projectId, teamId } = req.params
      const month = req.body?.month ?? ''
      if (!isServiceMonth(month)) {
        const project = await roster.project(projectId)
        const current = monthOf(workDateOf(services.clock.nowMs(), project.timeZone))
        return sendPage<ReviewData>(reply, 400, 'desk-review', await reviewData(p, projectId, current, { teamProblem: { teamId, problem: { message: '请指明要确认的月份（YYYY-MM）。', code: 'invalid_month' } } }))
      }
      const note = (req.body?.note ?? '').trim()
      try {
        await timesheets.confirmByManager(projectId, teamId, month, p.label, note === '' ? null : note)
      } catch (err) {
        if (err instanceof AppError && err.status === 409) {
          return sendPage<ReviewData>(reply, 409, 'desk-review', await reviewData(p, projectId, month, { teamProblem: { teamId, problem: problemOf(err) } }))
        }
        throw err
      }
      return reply.redirect(`${reviewPath(projectId, month)}&notice=confirmed`, 303)
    },
  )
}
