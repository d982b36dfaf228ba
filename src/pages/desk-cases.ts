/**
 * Flag cases on the desk (预警案件, issue 13): `/pages/projects/:projectId/desk/cases?month=YYYY-MM`.
 *
 * The pay month's cases as GET …/cases lists them (CaseService.list, open and acknowledged first), each with its
 * family, the worker (the name masked as the desk masks names) or the card no worker owns (masked as the API masks
 * it), the amounts due and paid, its age against the 7-day handling and 15-day resolution clocks (CASE_CLOCKS), its
 * state and its history (CaseService.history). A team manager sees their own teams' cases only (`inTeamReach`, as
 * the API narrows them), and any other case answers 404 by id with the denial logged, as the API's does.
 *
 * Each action is a form posting to a route with the roles of the API's action (src/http/routes/cases.ts), calling the
 * same CaseService.act: acknowledge (labour and team managers), dismiss with a reason and resolve a complaint with a
 * reason (the labour manager), comment (the labour and team managers). The auditor reads the page and gets no form:
 * an auditor never writes (issue 9). A refusal (a closed case, one already taken, a run's
 * case that only a run resolves) is shown on the page with the API's code; nothing is changed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { maskDeep, maskText } from '../access/masking.ts'
import type { Principal } from '../access/roles.ts'
import { deniedEntry, principalOf } from '../http/access.ts'
import { idParam, month as monthSchema } from '../http/schemas.ts'
import { AppError, ERRORS } from '../kernel/errors.ts'
import { fen, formatYuan } from '../kernel/money.ts'
import { localTimeOf, workDateOf, type Month } from '../kernel/time.ts'
import { inTeamReach, type CaseHistory, type TeamReach } from '../flags/case-service.ts'
import { CASE_CLOCKS, PERSON_CLOSED_FAMILIES, type CaseAction, type CaseEvent, type CaseState } from '../flags/cases.ts'
import { maskCard } from '../roster/identity.ts'
import type { Services } from '../services.ts'
import { deskNav, deskParams, deskPath, signedInOf } from './desk.ts'
import { defaultMonth } from './desk-sheets.ts'
import { sendPage, type LayoutData } from './views.ts'

export const casesPath = (projectId: string, month?: Month): string => `${deskPath(projectId)}/cases${month ? `?month=${month}` : ''}`

type Act = CaseAction['type']

/** The actions a person takes, with the roles of the API route that takes each, and the field of its text. */
const ACTIONS: ReadonlyArray<{ action: Act; roles: Array<'labour_manager' | 'team_manager'>; label: string; field: 'reason' | 'text' | null; fieldLabel: string }> = [
  { action: 'acknowledge', roles: ['labour_manager', 'team_manager'], label: '受理', field: null, fieldLabel: '' },
  { action: 'resolve', roles: ['labour_manager'], label: '办结', field: 'reason', fieldLabel: '处理结果' },
  { action: 'dismiss', roles: ['labour_manager'], label: '撤销', field: 'reason', fieldLabel: '撤销原因' },
  { action: 'comment', roles: ['labour_manager', 'team_manager'], label: '添加备注', field: 'text', fieldLabel: '备注' },
]

/** Case families as the desk names them (the kinds reconciliation raises, and the worker's complaint). */
const FAMILY_NAMES: Readonly<Record<string, string>> = {
  UNPAID: '欠薪（未足额发放）',
  COMPLAINT: '欠薪投诉',
  LATE: '逾期发放',
  FAILED: '代发失败',
  RETURNED: '退票',
  OVERPAID: '多发',
  NO_PAYROLL_SHEET: '未编制工资表',
  NOT_WORKER_CONFIRMED: '工人未确认',
  BELOW_MINIMUM_WAGE: '低于最低工资',
  UNKNOWN_PAYEE: '收款人不在花名册',
  PAID_TO_NON_WORKER: '发给非本项目工人',
  PAID_WITHOUT_ATTENDANCE: '无考勤发放',
  PAYEE_NAME_MISMATCH: '户名不符',
  PAYER_NOT_DEDICATED: '非专用账户代发',
  SHARED_CARD: '多人共用银行卡',
  OVERSIZED: '单笔金额异常',
  GROUP_ARREARS: '群体性欠薪',
  HEADCOUNT_GAP: '出勤人数与发放人数不符',
  EXITED_UNSETTLED: '退场未结清',
  PAYMENT_PENDING_TOO_LONG: '代发长时间未到账',
}

export const CASE_STATE_NAMES: Readonly<Record<CaseState, string>> = { open: '待受理', acknowledged: '已受理', resolved: '已办结', dismissed: '已撤销' }

const EVENT_NAMES: Readonly<Record<CaseEvent['type'], string>> = {
  opened: '立案',
  updated: '金额变化',
  resolved: '办结',
  reopened: '重新打开',
  acknowledged: '受理',
  dismissed: '撤销',
  commented: '备注',
  escalated: '超时',
}

const DONE_LABELS: Readonly<Record<Act, string>> = { acknowledge: '已受理', resolve: '已办结', dismiss: '已撤销', comment: '备注已添加' }

/** Refusals as the labour manager reads them, by the refusal's code (details.code of flag_case_refused). */
const REFUSALS: Readonly<Record<string, string>> = {
  case_closed: '这个案件已经办结或撤销，不能再做这一步（备注仍可添加）。',
  already_acknowledged: '这个案件已经有人受理了。',
  reason_required: '请填写原因（必填）。',
  text_required: '请填写备注内容。',
  text_too_long: '内容太长了，请精简后再提交。',
  closed_by_runs: '这类预警由对账自动办结：款项到账后，下一次对账会关闭它。确认无需处理的，请填写原因后撤销。',
}

interface ClockView {
  label: string
  text: string
  late: boolean
}

interface CaseCard {
  id: string
  anchor: string
  family: string
  kind: string
  flagKind: string
  severity: 'red' | 'yellow'
  subject: string
  team: string | null
  due: string | null
  paid: string | null
  owed: string | null
  state: CaseState
  stateLabel: string
  ageDays: number
  episodeAgeDays: number
  firstOpened: string
  reopenings: number
  clocks: ClockView[]
  acknowledgedBy: string | null
  complaintText: string | null
  runClosed: boolean
  history: Array<{ seq: number; at: string; label: string; actor: string | null; note: string | null }>
  forms: Array<{ action: Act; label: string; url: string; field: 'reason' | 'text' | null; fieldLabel: string }>
}

interface CasesPageData extends LayoutData {
  projectName: string
  month: Month
  nav: ReturnType<typeof deskNav>
  formUrl: string
  cases: CaseCard[]
  counts: { live: number; late: number }
  done?: { label: string; anchor: string }
  problem?: { anchor: string; message: string; code: string; apiMessage: string; values: Record<string, string> }
}

const yuan = (n: number | null): string | null => (n === null ? null : formatYuan(fen(n)))
const anchorOf = (id: string): string => `case-${id}`

/** The clocks as the desk reads them: how many days are left, or how late the case is, while each clock runs. */
function clocksOf(state: CaseState, episodeAgeDays: number): ClockView[] {
  return CASE_CLOCKS.map((c) => {
    const label = c.clock === 'handling' ? `${c.thresholdDays} 天受理` : `${c.thresholdDays} 天办结`
    if (!c.runsWhile.includes(state)) return { label, text: state === 'acknowledged' ? '已受理' : CASE_STATE_NAMES[state], late: false }
    const left = c.thresholdDays - episodeAgeDays
    return left >= 0 ? { label, text: `还剩 ${left} 天`, late: false } : { label, text: `已超时 ${-left} 天`, late: true }
  })
}

/** A history event as one line: when (the project's zone), what, who, and the text a person typed (masked). */
function eventLine(e: CaseEvent, timeZone: string): { at: string; label: string; actor: string | null; note: string | null } {
  const at = `${workDateOf(e.atMs, timeZone)} ${localTimeOf(e.atMs, timeZone)}`
  const actor = 'actor' in e && e.actor ? maskText(e.actor.label) : null
  let note: string | null = null
  if (e.type === 'dismissed' || (e.type === 'resolved' && e.reason)) note = maskText(e.reason ?? '')
  else if (e.type === 'commented') note = maskText(e.text)
  else if (e.type === 'escalated') note = `已满 ${e.thresholdDays} 天（${e.clock === 'handling' ? '受理' : '办结'}时限，${e.dueDate}）`
  else if (e.type === 'updated' || e.type === 'reopened' || e.type === 'opened') note = [e.dueFen === null ? null : `应发 ${yuan(e.dueFen)} 元`, e.paidFen === null ? null : `实发 ${yuan(e.paidFen)} 元`].filter(Boolean).join('，') || null
  else if (e.type === 'resolved' && e.became) note = `应发 ${yuan(e.became.dueFen)} 元，实发 ${yuan(e.became.paidFen)} 元`
  return { at, label: EVENT_NAMES[e.type], actor, note }
}

export async function casesDeskRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { cases, roster } = services

  /** A team manager's reach on the project; undefined for the other roles, whose scope is the project (checked before). */
  const reachOf = async (p: Principal, projectId: string): Promise<TeamReach | undefined> => (p.role === 'team_manager' ? cases.teamReach(projectId, p.organisationId ?? '') : undefined)

  async function page(reply: FastifyReply, p: Principal, projectId: string, month: Month, status: number, extra: Pick<CasesPageData, 'problem'> & { done?: { caseId: string; action: Act } }): Promise<FastifyReply> {
    const project = await roster.project(projectId)
    const reach = await reachOf(p, projectId)
    const all = await cases.list(projectId, month)
    const visible = reach === undefined ? all : all.filter((v) => inTeamReach(v.case, reach))
    const [enrolled, teams] = await Promise.all([roster.listEnrolments(projectId), roster.listTeams(projectId)])
    const names = new Map(enrolled.map(({ worker }) => [worker.id, maskText(worker.name)]))
    const teamOfWorker = new Map(enrolled.map(({ enrolment, worker }) => [worker.id, enrolment.teamId]))
    const teamNames = new Map(teams.map((t) => [t.id, maskText(t.name)]))
    const histories = await Promise.all(visible.map((v) => cases.history(projectId, v.id)))
    const base = casesPath(projectId)
    const cards: CaseCard[] = histories.map((h): CaseCard => {
      const c = h.case
      const teamId = c.workerId !== null ? teamOfWorker.get(c.workerId) : typeof c.evidence.teamId === 'string' ? c.evidence.teamId : undefined
      const subject = c.workerId !== null ? (names.get(c.workerId) ?? '（不在本项目花名册）') : c.payeeCard !== null ? `银行卡 ${maskCard(c.payeeCard)}` : '整个项目'
      const evidence = maskDeep(c.evidence) as Record<string, unknown>
      const live = c.state === 'open' || c.state === 'acknowledged'
      const runClosed = !PERSON_CLOSED_FAMILIES.has(c.kind)
      const forms = ACTIONS.filter((a) => p.role === 'admin' || (a.roles as string[]).includes(p.role))
        .filter((a) => (a.action === 'acknowledge' ? c.state === 'open' : a.action === 'comment' ? true : a.action === 'resolve' ? live && !runClosed : live))
        .map((a) => ({ action: a.action, label: a.label, url: `${base}/${h.id}/${a.action}`, field: a.field, fieldLabel: a.fieldLabel }))
      return {
        id: h.id,
        anchor: anchorOf(h.id),
        family: FAMILY_NAMES[c.kind] ?? c.kind,
        kind: c.kind,
        flagKind: c.flagKind,
        severity: h.severity,
        subject,
        team: teamId === undefined ? null : (teamNames.get(teamId) ?? null),
        due: yuan(c.dueFen),
        paid: yuan(c.paidFen),
        owed: c.dueFen !== null && c.paidFen !== null && c.dueFen > c.paidFen ? yuan(c.dueFen - c.paidFen) : null,
        state: c.state,
        stateLabel: CASE_STATE_NAMES[c.state],
        ageDays: h.ageDays,
        episodeAgeDays: h.episodeAgeDays,
        firstOpened: workDateOf(c.firstOpenedAtMs, project.timeZone),
        reopenings: c.reopenings,
        clocks: clocksOf(c.state, h.episodeAgeDays),
        acknowledgedBy: c.acknowledged ? maskText(c.acknowledged.actor.label) : null,
        complaintText: c.kind === 'COMPLAINT' && typeof evidence.text === 'string' ? evidence.text : null,
        runClosed,
        history: h.events.map((e) => ({ seq: e.seq, ...eventLine(e.event, project.timeZone) })),
        forms,
      }
    })
    const doneCase = extra.done && cards.find((c) => c.id === extra.done?.caseId)
    return sendPage<CasesPageData>(reply, status, 'desk-cases', {
      title: `预警案件 · ${project.name}`,
      signedIn: signedInOf(p),
      stylesheets: ['desk-admin.css'],
      projectName: project.name,
      month,
      nav: deskNav(projectId, p, 'cases'),
      formUrl: base,
      cases: cards,
      counts: { live: cards.filter((c) => c.state === 'open' || c.state === 'acknowledged').length, late: cards.filter((c) => c.clocks.some((k) => k.late)).length },
      done: doneCase && extra.done ? { label: `${doneCase.family} · ${doneCase.subject}：${DONE_LABELS[extra.done.action]}`, anchor: doneCase.anchor } : undefined,
      problem: extra.problem,
    })
  }

  app.get<{ Params: { projectId: string }; Querystring: { month?: string; done?: Act; case?: string } }>(
    '/pages/projects/:projectId/desk/cases',
    {
      // The roles of GET …/cases: the labour manager, a team manager (their teams' cases), the auditor.
      config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false, personal: true } },
      schema: {
        hide: true,
        params: deskParams,
        querystring: { type: 'object', properties: { month: monthSchema, done: { type: 'string', enum: ACTIONS.map((a) => a.action) }, case: { type: 'string', pattern: '^[0-9a-f]{32}$' } } },
      },
    },
    async (req, reply) => {
      const p = principalOf(req)
      const project = await roster.project(req.params.projectId)
      const month = req.query.month ?? defaultMonth(services.clock.nowMs(), project.timeZone)
      const done = req.query.done && req.query.case ? { caseId: req.query.case, action: req.query.done } : undefined
      return page(reply, p, project.id, month, 200, { done })
    },
  )

  /** The case as the caller may act on it: out of a team manager's reach it is not found, the denial logged (as the API). */
  async function visibleCase(req: FastifyRequest, p: Principal, projectId: string, caseId: string): Promise<CaseHistory> {
    const h = await cases.history(projectId, caseId)
    const reach = await reachOf(p, projectId)
    if (reach !== undefined && !inTeamReach(h.case, reach)) {
      await services.accessLog.append(deniedEntry(req, p, 'out_of_scope'))
      throw new AppError('flag_case_not_found', { caseId })
    }
    return h
  }

  for (const a of ACTIONS) {
    app.post<{ Params: { projectId: string; caseId: string }; Body: { reason?: string; text?: string } }>(
      `/pages/projects/:projectId/desk/cases/:caseId/${a.action}`,
      {
        config: { policy: { roles: a.roles, write: true, personal: true } },
        schema: {
          hide: true,
          params: { type: 'object', properties: { projectId: idParam, caseId: { type: 'string', pattern: '^[0-9a-f]{32}$' } }, required: ['projectId', 'caseId'], additionalProperties: false },
          body: { type: 'object', properties: { reason: { type: 'string', maxLength: 2000 }, text: { type: 'string', maxLength: 2000 } } },
        },
      },
      async (req, reply) => {
        const p = principalOf(req)
        const { projectId, caseId } = req.params
        const h = await visibleCase(req, p, projectId, caseId)
        const month = h.case.month
        const typed = a.field === null ? '' : (req.body?.[a.field] ?? '')
        const refuse = (code: string, status: number, apiMessage: string) =>
          page(reply, p, projectId, month, status, { problem: { anchor: anchorOf(caseId), code, apiMessage, message: REFUSALS[code] ?? '无法完成这一步。', values: { [`${a.action}-${caseId}`]: typed } } })
        if (a.field !== null && typed.trim() === '') return refuse(a.field === 'reason' ? 'reason_required' : 'text_required', 400, 'A reason or text is required.')
        const action: CaseAction =
          a.action === 'acknowledge' ? { type: 'acknowledge' } : a.action === 'comment' ? { type: 'comment', text: typed } : { type: a.action, reason: typed }
        try {
          await cases.act(projectId, caseId, action, { id: p.id, role: p.role, label: p.label })
        } catch (err) {
          if (err instanceof AppError && err.code === 'flag_case_refused') {
            const details = (err.details ?? {}) as { code?: string }
            return refuse(details.code ?? err.code, err.status, ERRORS.flag_case_refused.message)
          }
          throw err
        }
        return reply.redirect(`${casesPath(projectId, month)}&done=${a.action}&case=${caseId}#${anchorOf(caseId)}`, 303)
      },
    )
  }
}
