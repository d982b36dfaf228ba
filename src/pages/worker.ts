/**
 * The worker's own page (issue 13), mobile first: it opens from the rights board's QR code or a link in WeChat's
 * browser, on a phone, often on a weak network. Plain HTML forms (no script needed), large touch targets.
 *
 * - `/w/:projectId`: sign in with the last six characters of the ID number and a one-time code from the labour or
 *   team manager (src/access/sign-in-codes.ts). Public, like the manager's sign-in form; it shows the project's name
 *   only (what the rights board at the gate shows anyway).
 * - `/w/:project/me`: the worker's month (role worker): the days with first in, last out and hours, the month's
 *   timesheet and payroll line to confirm or dispute (the timesheet and payroll services' worker answers), and per
 *   pay month what was due, what the bank paid and when, and whether it is all.
 *
 * Scope: a worker's page names no worker; the worker is the session's, so a worker can only ever reach their own
 * data. The path's project is named `project`, not `projectId`, on the signed-in routes: the access plugin hides from
 * a worker any project a path names without naming the worker (right for the API, whose project routes are lists of
 * everyone), so these routes check the worker's enrolment on the project themselves: none answers 404, as for a
 * project out of scope.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { LIMITS } from '../config/limits.ts'
import { principalOf, SESSION_COOKIE } from '../http/access.ts'
import { setSessionCookie } from '../http/sign-in.ts'
import { AppError, outOfScope } from '../kernel/errors.ts'
import { fen, formatYuan } from '../kernel/money.ts'
import { monthOf, workDateOf, type Month } from '../kernel/time.ts'
import { month as monthSchema } from '../http/schemas.ts'
import { LedgerRepository } from '../payroll/ledger-repository.ts'
import { maskIdNumber } from '../roster/identity.ts'
import type { Services } from '../services.ts'
import type { ConfirmationChannel } from '../db/schema/timesheets.ts'
import { newId } from '../kernel/ids.ts'
import type { CaseState } from '../flags/cases.ts'
import { sendPage, type LayoutData } from './views.ts'
import { dayRows, hoursOf, monthLabel, monthOffered, monthPay, payMonths, type DayRow, type MonthPay } from './worker-month-facts.ts'

/** Pay months listed: half a year covers the months a worker still asks about; older ones are on their pay slips. */
const PAY_MONTHS_SHOWN = 6
const NOTE_LENGTH_MAX = 500

export const workerSignInPath = (projectId: string): string => `/w/${encodeURIComponent(projectId)}`
export const workerMonthPath = (projectId: string, month?: Month): string => `/w/${encodeURIComponent(projectId)}/me${month ? `?month=${month}` : ''}`

/** For a page under /w/{project}/ asked for without a session: the worker's sign-in for that project. */
export function workerSignInFor(url: string): string | undefined {
  const m = /^\/w\/([^/?#]+)\//.exec(url)
  return m ? `/w/${m[1]}` : undefined
}

/** WeChat's built-in browser says so in its user agent: the answer is recorded as given through WeChat. */
const channelOf = (req: FastifyRequest): ConfirmationChannel => (/MicroMessenger/i.test(req.headers['user-agent'] ?? '') ? 'wechat' : 'app')

interface WorkerSignInData extends LayoutData {
  projectName: string
  action: string
  idSuffix: string
  problem?: string
}

/** What the page says after an answer (a fixed list: nothing from the query string is printed as it came). */
const NOTICES = {
  timesheet_confirm: '已确认本月考勤。',
  timesheet_dispute: '已提交考勤异议，劳资专管员会联系您核实。',
  payroll_confirm: '已确认本月工资。',
  payroll_dispute: '已提交工资异议，该笔工资暂缓发放，劳资专管员会联系您核实。',
  note_required: '提出异议时请写明哪里不对。',
  payroll_changed: '工资表刚刚更新过，金额可能已变。请核对下面的最新金额后再确认或提出异议。',
  complaint_made: '投诉已提交，劳资专管员须在 7 天内受理；逾期未处理会上报监管部门。',
  complaint_text_required: '请写明投诉的内容。',
} as const
type Notice = keyof typeof NOTICES

interface Answer {
  decision: 'confirm' | 'dispute'
  decisionText: string
  at: string
  note: string | null
}

interface WorkerMonthData extends LayoutData {
  projectName: string
  workerName: string
  idMasked: string
  teamName: string
  month: Month
  monthLabel: string
  isCurrentMonth: boolean
  previousUrl: string | null
  nextUrl: string | null
  days: DayRow[]
  totals: { days: string; hours: string }
  timesheet: { confirmed: boolean; answer: Answer | null; action: string }
  payroll: { line: { lineId: string; netYuan: string; payDate: string; answer: Answer | null } | null; action: string }
  pay: Array<MonthPay & { url: string; current: boolean }>
  complaint: { action: string; state: string | null; madeAt: string | null }
  notice?: string
  noticeIsProblem: boolean
}

/** A complaint's case as the worker reads it. */
const COMPLAINT_STATE_TEXT: Record<CaseState, string> = { open: '已提交，等待受理', acknowledged: '已受理，处理中', resolved: '已办结', dismissed: '已办结' }

const idSuffixField = { type: 'string', maxLength: 40 } as const
const monthPattern = monthSchema.pattern

const answerOf = (a: { decision: 'confirm' | 'dispute'; note: string | null; carriedFromVersion?: number | null }, atMs: number, timeZone: string): Answer => ({
  decision: a.decision,
  decisionText: (a.decision === 'confirm' ? '已确认' : '有异议') + (a.carriedFromVersion ? `（第${a.carriedFromVersion}版时作出，本版数字相同）` : ''),
  at: `${workDateOf(atMs, timeZone)} ${new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hour12: false }).format(atMs)}`,
  note: a.note,
})

export async function workerRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { roster, timesheets, sheets, signInCodes, access } = services
  const ledger = new LedgerRepository(services.db)

  const signInPage = (reply: FastifyReply, status: number, projectId: string, projectName: string, idSuffix: string, problem?: string): FastifyReply =>
    sendPage<WorkerSignInData>(reply, status, 'worker-sign-in', {
      title: '工人登录',
      bodyClass: 'worker-page',
      stylesheets: ['worker.css'],
      homeUrl: workerSignInPath(projectId),
      projectName,
      action: `${workerSignInPath(projectId)}/sign-in`,
      idSuffix,
      problem,
    })

  app.get<{ Params: { projectId: string } }>(
    '/w/:projectId',
    {
      config: { policy: { public: "the worker's sign-in form: the project's name, as posted at its gate" } },
      schema: { hide: true, params: { type: 'object', properties: { projectId: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['projectId'] } },
    },
    async (req, reply) => {
      const project = await roster.project(req.params.projectId)
      // A worker still signed in (the QR code scanned again) goes straight to their month.
      const cookie = req.cookies[SESSION_COOKIE]
      if (cookie !== undefined) {
        const p = await access.authenticate(undefined, cookie)
        if (!('failure' in p) && p.role === 'worker') return reply.redirect(workerMonthPath(project.id), 303)
      }
      return signInPage(reply, 200, project.id, project.name, '')
    },
  )

  app.post<{ Params: { projectId: string }; Body: { idSuffix?: string; code?: string } }>(
    '/w/:projectId/sign-in',
    {
      config: {
        policy: { public: 'a worker signing in: the ID suffix and the one-time code are the request' },
        // Its own per-address budget, apart from the staff's: a site's workers sign in from the site's one address.
        rateLimit: { max: LIMITS.login_attempts_per_minute, timeWindow: 60_000 },
      },
      schema: {
        hide: true,
        params: { type: 'object', properties: { projectId: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['projectId'] },
        body: { type: 'object', properties: { idSuffix: idSuffixField, code: { type: 'string', maxLength: 40 } } },
      },
    },
    async (req, reply) => {
      const project = await roster.project(req.params.projectId)
      const idSuffix = (req.body.idSuffix ?? '').trim()
      const code = req.body.code ?? ''
      if (idSuffix === '' || code.trim() === '') return signInPage(reply, 400, project.id, project.name, idSuffix, '请填写身份证号后六位和验证码。')
      const r = await signInCodes.signIn(project.id, idSuffix, code)
      if (!r.ok) {
        if (r.reason === 'wait') {
          const seconds = Math.ceil(r.waitMs / 1000)
          void reply.header('retry-after', String(seconds))
          return signInPage(reply, 429, project.id, project.name, idSuffix, `尝试次数过多，请 ${seconds} 秒后再试。`)
        }
        req.log.warn({ code: 'worker_sign_in_failed', projectId: project.id, ip: req.ip }, 'worker sign-in refused')
        // One answer for a wrong suffix, a wrong code, an expired, used or spent one.
        return signInPage(reply, 401, project.id, project.name, idSuffix, '身份证号后六位或验证码不正确，或验证码已过期。请核对，或向劳资专管员重新获取验证码。')
      }
      // Max-Age (setSessionCookie): a phone whose clock is wrong, not rare on a site, still keeps it.
      setSessionCookie(reply, r, services.clock.nowMs())
      return reply.redirect(workerMonthPath(project.id), 303)
    },
  )

  app.post<{ Params: { projectId: string } }>(
    '/w/:projectId/sign-out',
    { config: { policy: { public: 'signing out: ends the session of the cookie sent, if any' } }, schema: { hide: true } },
    async (req, reply) => {
      const cookie = req.cookies[SESSION_COOKIE]
      if (cookie !== undefined) {
        const p = await access.authenticate(undefined, cookie)
        if (!('failure' in p)) await access.logout(p)
      }
      void reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return reply.redirect(workerSignInPath(req.params.projectId), 303)
    },
  )

  /** The worker of the session and their enrolment on the project; 404 as for a project out of scope otherwise. */
  async function me(req: FastifyRequest, projectId: string) {
    const p = principalOf(req)
    if (p.workerId === null) throw new AppError('project_not_found', { id: projectId })
    try {
      return { principal: p, ...(await roster.enrolmentOf(projectId, p.workerId)) }
    } catch (err) {
      // A project that exists but is not theirs is a denial, answered as a missing project and logged.
      if (err instanceof AppError && (err.code === 'enrolment_not_found' || err.code === 'worker_not_found')) {
        await roster.project(projectId)
        throw outOfScope('project_not_found', { id: projectId })
      }
      throw err
    }
  }

  const projectParam = { type: 'object', properties: { project: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['project'] } as const

  app.get<{ Params: { project: string }; Querystring: { month?: string; notice?: Notice } }>(
    '/w/:project/me',
    {
      config: { policy: { roles: ['worker'], write: false, personal: true } },
      schema: {
        hide: true,
        params: projectParam,
        querystring: { type: 'object', properties: { month: { type: 'string', pattern: monthPattern }, notice: { type: 'string', enum: Object.keys(NOTICES) } } },
      },
    },
    async (req, reply) => {
      const { worker, enrolment } = await me(req, req.params.project)
      const project = await roster.project(req.params.project)
      const tz = project.timeZone
      const current = monthOf(workDateOf(services.clock.nowMs(), tz))
      const asked = req.query.month
      // A month the page offers (monthOffered: from the entry to this month, not one spent away between an exit and a
      // return); another asked for opens this month.
      const month = asked !== undefined && monthOffered(current, monthOf(enrolment.entryDate), enrolment.breaks, asked) ? asked : current
      const [view, team, lines] = await Promise.all([
        timesheets.workerMonth(project.id, worker.id, month),
        roster.team(project.id, enrolment.teamId),
        sheets.workerLines(project.id, worker.id, month),
      ])
      const months = payMonths(current, monthOf(enrolment.entryDate), PAY_MONTHS_SHOWN, enrolment.breaks)
      const pay: WorkerMonthData['pay'] = []
      for (const m of months) {
        const l = await ledger.month(project.id, m, { workerId: worker.id })
        pay.push({ ...monthPay(m, (l?.lines ?? []).map((x) => x.slip), m === current), url: workerMonthPath(project.id, m), current: m === month })
      }
      // The line to answer: the newest version sent to the workers that is in force (workerLines, newest first): a
      // correction withdrawn puts the version before it back, and an answer is recorded on that one.
      const line = lines.find((l) => l.state !== 'withdrawn' && l.state !== 'superseded') ?? lines[0]
      const days = dayRows(view.line.month.days, tz)
      const base = workerMonthPath(project.id)
      const previous = months[months.indexOf(month) + 1]
      const notice = req.query.notice
      const complaint = await services.cases.complaintOf(project.id, month, worker.id)
      return sendPage<WorkerMonthData>(reply, 200, 'worker-month', {
        title: `我的工资 · ${monthLabel(month)}`,
        signedIn: { label: worker.name, roleName: '工人' },
        bodyClass: 'worker-page',
        stylesheets: ['worker.css'],
        homeUrl: base,
        signOutUrl: `${workerSignInPath(project.id)}/sign-out`,
        projectName: project.name,
        workerName: worker.name,
        idMasked: maskIdNumber(worker.idNumber),
        teamName: team.name,
        month,
        monthLabel: monthLabel(month),
        isCurrentMonth: month === current,
        previousUrl: previous === undefined ? null : workerMonthPath(project.id, previous),
        nextUrl: month === current ? null : workerMonthPath(project.id, months[months.indexOf(month) - 1]),
        days,
        totals: { days: String(view.line.month.creditHalves / 2), hours: hoursOf(view.line.month.workedMinutes) },
        timesheet: {
          confirmed: view.line.frozen,
          answer: view.answer ? answerOf(view.answer, view.answer.recordedAtMs, tz) : null,
          action: `/w/${encodeURIComponent(project.id)}/me/timesheet-answer`,
        },
        payroll: {
          line: line ? { lineId: line.line.id, netYuan: formatYuan(fen(line.line.netFen)), payDate: line.sheet.payDate, answer: line.answer ? answerOf(line.answer, line.answer.answeredAtMs, tz) : null } : null,
          action: `/w/${encodeURIComponent(project.id)}/me/payroll-answer`,
        },
        pay,
        notice: notice === undefined ? undefined : NOTICES[notice],
        complaint: {
          action: `/w/${encodeURIComponent(project.id)}/me/complaint`,
          state: complaint === undefined ? null : COMPLAINT_STATE_TEXT[complaint.case.state],
          madeAt: complaint === undefined ? null : answerOf({ decision: 'dispute', note: null }, complaint.case.episodeOpenedAtMs, tz).at,
        },
        noticeIsProblem: notice === 'note_required' || notice === 'complaint_text_required' || notice === 'payroll_changed',
      })
    },
  )

  const answerBody = {
    type: 'object',
    properties: {
      month: { type: 'string', pattern: monthPattern },
      decision: { type: 'string', enum: ['confirm', 'dispute'] },
      note: { type: 'string', maxLength: NOTE_LENGTH_MAX },
      /** The payroll line the page showed: an answer to figures since replaced is not recorded on the new ones. */
      lineId: { type: 'string', maxLength: 64 },
    },
    required: ['month', 'decision'],
  } as const

  for (const what of ['timesheet', 'payroll'] as const) {
    app.post<{ Params: { project: string }; Body: { month: Month; decision: 'confirm' | 'dispute'; note?: string; lineId?: string } }>(
      `/w/:project/me/${what}-answer`,
      { config: { policy: { roles: ['worker'], write: true, personal: true } }, schema: { hide: true, params: projectParam, body: answerBody } },
      async (req, reply) => {
        const { worker } = await me(req, req.params.project)
        const { month, decision } = req.body
        const note = req.body.note?.trim() || null
        const back = (n: Notice): FastifyReply => reply.redirect(`${workerMonthPath(req.params.project, month)}&notice=${n}`, 303)
        if (decision === 'dispute' && note === null) return back('note_required')
        const input = { decision, channel: channelOf(req), note }
        if (what === 'timesheet') await timesheets.answerByWorker(req.params.project, worker.id, month, input)
        else {
          try {
            await sheets.answer(req.params.project, worker.id, month, { ...input, ...(req.body.lineId ? { lineId: req.body.lineId } : {}) })
          } catch (err) {
            // A new version was sent while the page was open: show the worker the figures now in force.
            if (err instanceof AppError && err.code === 'payroll_line_superseded') return back('payroll_changed')
            throw err
          }
        }
        return back(`${what}_${decision}`)
      },
    )
  }

  app.post<{ Params: { project: string }; Body: { month: Month; text?: string } }>(
    '/w/:project/me/complaint',
    {
      config: { policy: { roles: ['worker'], write: true, personal: true } },
      schema: { hide: true, params: projectParam, body: { type: 'object', properties: { month: { type: 'string', pattern: monthPattern }, text: { type: 'string', maxLength: NOTE_LENGTH_MAX } }, required: ['month'] } },
    },
    async (req, reply) => {
      const { principal, worker, enrolment } = await me(req, req.params.project)
      const { month } = req.body
      // A month the page offers: from the worker's entry to this month, but one spent away between an exit and a
      // return (monthOffered). Another would be a case no list can show.
      const current = monthOf(workDateOf(services.clock.nowMs(), (await roster.project(req.params.project)).timeZone))
      if (!monthOffered(current, monthOf(enrolment.entryDate), enrolment.breaks, month)) throw new AppError('invalid_month', { month, problem: 'not_a_month_of_yours', from: monthOf(enrolment.entryDate), to: current })
      const text = (req.body.text ?? '').trim()
      const back = (n: Notice): FastifyReply => reply.redirect(`${workerMonthPath(req.params.project, month)}&notice=${n}`, 303)
      if (text === '') return back('complaint_text_required')
      // What the page showed due and paid for the month: the figures the complaint is about.
      const l = await ledger.month(req.params.project, month, { workerId: worker.id })
      const figures = monthPay(month, (l?.lines ?? []).map((x) => x.slip), month === current)
      await services.cases.complain({
        id: newId(),
        projectId: req.params.project,
        month,
        workerId: worker.id,
        actor: { id: principal.id, role: principal.role, label: principal.label },
        text,
        dueFen: figures.dueFen,
        paidFen: figures.paidFen,
        atMs: services.clock.nowMs(),
      })
      return back('complaint_made')
    },
  )
}
