/**
 * Payroll sheets on the desk (工资支付表, issue 13): `/pages/projects/:projectId/desk/sheets?month=YYYY-MM`.
 *
 * Each team's newest sheet of the month with its state, answers and totals (PayrollSheetService.monthSummary, as
 * GET …/payroll-sheets), and the steps the caller's role may take from that state: make the draft, send it to the
 * workers, submit, approve, withdraw with a reason. Each step is a form posting to a route with the same roles as the
 * API's step (src/http/routes/payroll-sheets.ts) and calls the same service; the team in the path is checked against
 * the caller's scope by the access plugin, as on the API. A refusal (a state that does not allow the step, a month not
 * confirmed) is shown on the page with the API's code; nothing is changed.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Principal } from '../access/roles.ts'
import { principalOf } from '../http/access.ts'
import { idParam, month as monthSchema } from '../http/schemas.ts'
import { AppError, ERRORS } from '../kernel/errors.ts'
import { fen, formatYuan } from '../kernel/money.ts'
import { isMonth, workDateOf, type Month } from '../kernel/time.ts'
import { transition, type SheetState } from '../payroll/sheet-rules.ts'
import type { PersonAction, SheetSummary } from '../payroll/sheet-service.ts'
import type { Services } from '../services.ts'
import { maskText } from '../access/masking.ts'
import { deskNav, deskParams, deskPath, signedInOf } from './desk.ts'
import { sendPage, type LayoutData } from './views.ts'

export const sheetsPath = (projectId: string, month?: Month): string => `${deskPath(projectId)}/sheets${month ? `?month=${month}` : ''}`

type PageAction = PersonAction | 'make'

/** The steps a person takes, with the roles of the API route that takes each (payroll-sheets.ts ACTIONS, and make). */
const STEPS: ReadonlyArray<{ action: PageAction; roles: Array<'labour_manager' | 'team_manager'>; label: string; reasonRequired: boolean }> = [
  { action: 'make', roles: ['team_manager', 'labour_manager'], label: '生成草稿', reasonRequired: false },
  { action: 'send', roles: ['team_manager', 'labour_manager'], label: '发给工人确认', reasonRequired: false },
  { action: 'submit', roles: ['team_manager', 'labour_manager'], label: '提交审批', reasonRequired: false },
  { action: 'approve', roles: ['labour_manager'], label: '审批通过', reasonRequired: false },
  { action: 'withdraw', roles: ['team_manager', 'labour_manager'], label: '撤回', reasonRequired: true },
]

export const STATE_LABELS: Readonly<Record<SheetState, string>> = {
  draft: '草稿',
  sent: '已发工人确认',
  submitted: '已提交，待审批',
  approved: '已审批',
  instructed: '已交银行代发',
  settled: '已结清',
  superseded: '已被新版本取代',
  withdrawn: '已撤回',
}

const DONE_LABELS: Readonly<Record<PageAction, string>> = { make: '已生成草稿', send: '已发给工人确认', submit: '已提交审批', approve: '已审批通过', withdraw: '已撤回' }

/** Refusals as the labour manager reads them; the API's code and sentence are shown beside. */
const PROBLEM_TEXT: Readonly<Record<string, string>> = {
  payroll_sheet_state: '工资表当前的状态不能做这一步（可能别人刚刚操作过），请刷新后再看。',
  timesheet_not_confirmed: '这个班组本月的考勤还没有确认：请先在"考勤待审核"里确认月考勤。',
  payroll_sheet_exists: '这个班组本月已有未撤回的工资表：请先撤回，或在审批后生成新版本。',
  payroll_sheet_cannot_price: '有工人的工资无法计算（例如进场前没有工资标准）：请先补全工资标准。',
  payroll_sheet_not_found: '这个班组本月还没有工资表。',
  month_not_ended: '这个月还没有结束。',
  reason_required: '撤回需要填写原因。',
}

/** A sheet that can be made afresh: none yet, or the live one was withdrawn (after approval, a new version is the API's step). */
const makeable = (s: SheetSummary['sheet']): boolean => s === null || s.state === 'withdrawn'

function stepsFor(p: Principal, s: SheetSummary['sheet']): Array<{ action: PageAction; label: string; reasonRequired: boolean }> {
  return STEPS.filter((st) => p.role === 'admin' || (st.roles as string[]).includes(p.role))
    .filter((st) => (st.action === 'make' ? makeable(s) : s !== null && transition(s.state, st.action).ok))
    .map(({ action, label, reasonRequired }) => ({ action, label, reasonRequired }))
}

interface SheetsPageData extends LayoutData {
  projectName: string
  month: Month
  nav: ReturnType<typeof deskNav>
  formUrl: string
  done?: { teamName: string; label: string }
  problem?: { teamName: string; message: string; code: string; apiMessage: string }
  teams: Array<{
    teamId: string
    teamName: string
    sheet: null | { version: number; state: string; stateLabel: string; workerCount: number; payable: string; deductions: string; net: string; counts: { confirmed: number; disputed: number; unanswered: number } }
    steps: Array<{ action: PageAction; label: string; reasonRequired: boolean; url: string }>
  }>
}

/** The month a labour manager works on first: the one before the project's current month (wages are paid the month after). */
export function defaultMonth(nowMs: number, timeZone: string): Month {
  const [y, m] = workDateOf(nowMs, timeZone).split('-').map(Number) as [number, number]
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
}

const yuan = (n: number): string => formatYuan(fen(n))

export async function sheetsDeskRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { sheets, roster } = services

  /** The page; `doneTeamId` names the team whose step just went through (only a team the caller sees is named). */
  async function page(reply: FastifyReply, p: Principal, projectId: string, month: Month, status: number, extra: Pick<SheetsPageData, 'problem'> & { done?: { teamId: string; action: PageAction } }): Promise<FastifyReply> {
    const project = await roster.project(projectId)
    const summary = await sheets.monthSummary(projectId, month, p.role === 'team_manager' ? (p.organisationId ?? '') : undefined)
    const doneTeam = extra.done && summary.find((t) => t.teamId === extra.done?.teamId)
    const done = doneTeam && extra.done ? { teamName: maskText(doneTeam.teamName), label: DONE_LABELS[extra.done.action] } : undefined
    const base = `${deskPath(projectId)}/sheets`
    return sendPage<SheetsPageData>(reply, status, 'desk-sheets', {
      title: `工资支付表 · ${project.name}`,
      signedIn: signedInOf(p),
      stylesheets: ['desk-admin.css'],
      projectName: project.name,
      month,
      nav: deskNav(projectId, p, 'sheets'),
      formUrl: base,
      done,
      problem: extra.problem,
      teams: summary.map((t) => ({
        teamId: t.teamId,
        teamName: maskText(t.teamName),
        sheet: t.sheet && {
          version: t.sheet.version,
          state: t.sheet.state,
          stateLabel: STATE_LABELS[t.sheet.state],
          workerCount: t.sheet.workerCount,
          payable: yuan(t.sheet.payableFen),
          deductions: yuan(t.sheet.deductionsFen),
          net: yuan(t.sheet.netFen),
          counts: t.sheet.counts,
        },
        steps: stepsFor(p, t.sheet).map((s) => ({ ...s, url: `${base}/${encodeURIComponent(t.teamId)}/${month}/${s.action}` })),
      })),
    })
  }

  app.get<{ Params: { projectId: string }; Querystring: { month?: string; done?: PageAction; team?: string } }>(
    '/pages/projects/:projectId/desk/sheets',
    {
      // The month's sheets carry the teams' totals and answer counts: the roles of GET …/payroll-sheets, auditors reading.
      config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false, personal: true } },
      schema: {
        hide: true,
        params: deskParams,
        querystring: { type: 'object', properties: { month: monthSchema, done: { type: 'string', enum: STEPS.map((s) => s.action) }, team: idParam } },
      },
    },
    async (req, reply) => {
      const p = principalOf(req)
      const project = await roster.project(req.params.projectId)
      const month = req.query.month ?? defaultMonth(services.clock.nowMs(), project.timeZone)
      const done = req.query.done && req.query.team ? { teamId: req.query.team, action: req.query.done } : undefined
      return page(reply, p, project.id, month, 200, { done })
    },
  )

  for (const step of STEPS) {
    app.post<{ Params: { projectId: string; teamId: string; month: string }; Body: { reason?: string } }>(
      `/pages/projects/:projectId/desk/sheets/:teamId/:month/${step.action}`,
      {
        config: { policy: { roles: step.roles, write: true, personal: true } },
        schema: {
          hide: true,
          params: { type: 'object', properties: { projectId: idParam, teamId: idParam, month: monthSchema }, required: ['projectId', 'teamId', 'month'], additionalProperties: false },
          body: { type: 'object', properties: { reason: { type: 'string', maxLength: 500 } } },
        },
      },
      async (req, reply) => {
        const p = principalOf(req)
        const { projectId, teamId, month } = req.params
        if (!isMonth(month)) throw new AppError('invalid_month')
        const team = await roster.team(projectId, teamId)
        const reason = req.body?.reason?.trim() || null
        const refuse = (code: string, apiMessage: string, status: number) =>
          page(reply, p, projectId, month, status, { problem: { teamName: maskText(team.name), code, apiMessage, message: PROBLEM_TEXT[code] ?? '无法完成这一步。' } })
        if (step.reasonRequired && reason === null) return refuse('reason_required', 'A reason is required.', 400)
        try {
          if (step.action === 'make') await sheets.make(projectId, teamId, month, p.label, reason)
          else await sheets.act(projectId, teamId, month, step.action, p.label, reason)
        } catch (err) {
          if (err instanceof AppError && err.status < 500 && err.code !== 'team_not_found' && err.code !== 'project_not_found') return refuse(err.code, ERRORS[err.code].message, err.status)
          throw err
        }
        return reply.redirect(`${sheetsPath(projectId, month)}&done=${step.action}&team=${encodeURIComponent(teamId)}#team-${encodeURIComponent(teamId)}`, 303)
      },
    )
  }
}
