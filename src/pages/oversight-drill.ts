/**
 * The bureau's drill-down (issue 13): project → month → team → worker → the evidence, every figure traceable to its
 * source. Each level is a page of what the services already answer for the API (timesheets, payroll sheets, payouts,
 * cases), under the same policy (auditors of the region, admin; a project out of scope is a 404) and with the same
 * masking: a card shows its last four digits, an ID number never appears.
 *
 * - `/pages/oversight/projects/:projectId`: the six systems opened out, and the last twelve months;
 * - `…/months/:month`: the teams' timesheets and payroll sheets, the reconciliation, the month's cases;
 * - `…/months/:month/teams/:teamId`: the team's workers with days credited;
 * - `…/months/:month/workers/:workerId`: the worker's days with their punches, the payroll line, the bank's lines,
 *   the cases with their history.
 */
import type { FastifyInstance } from 'fastify'
import { maskText } from '../access/masking.ts'
import { principalOf } from '../http/access.ts'
import { fen, formatYuan } from '../kernel/money.ts'
import { isMonth, localTimeOf, type Month } from '../kernel/time.ts'
import { AppError } from '../kernel/errors.ts'
import { previousMonth } from '../oversight/six-systems.ts'
import type { Services } from '../services.ts'
import { cellsOf, oversightProjectPath } from './oversight.ts'
import { ROLE_NAMES, sendPage, type LayoutData } from './views.ts'

export const monthPath = (projectId: string, month: Month): string => `${oversightProjectPath(projectId)}/months/${month}`
export const teamPath = (projectId: string, month: Month, teamId: string): string => `${monthPath(projectId, month)}/teams/${encodeURIComponent(teamId)}`
export const workerPath = (projectId: string, month: Month, workerId: string): string => `${monthPath(projectId, month)}/workers/${encodeURIComponent(workerId)}`

const yuan = (f: number | null | undefined): string => (f === null || f === undefined ? '—' : `¥${formatYuan(fen(f))}`)
const days = (halves: number): string => (halves / 2).toFixed(1)
/** A card as a page shows it (shared/domain.md "Personal data"): the last four digits. */
const maskCard = (card: string): string => `****${card.replace(/\s/g, '').slice(-4)}`

const id = { type: 'string', minLength: 1, maxLength: 64 } as const
const month = { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}$' } as const

interface DrillData extends LayoutData {
  crumbs: Array<{ label: string; href?: string }>
  [key: string]: unknown
}

function checkMonth(m: string): Month {
  if (!isMonth(m)) throw new AppError('validation_failed', [{ field: 'month', message: `"${m}" is not YYYY-MM` }])
  return m
}

export async function oversightDrillRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const policy = { roles: ['auditor' as const], write: false }
  // The month's cases, a team's workers and a worker's month are the data of named workers, as the API routes they
  // are drawn from: every read is written to the access log with the workers shown, as those routes' reads are (the
  // worker page's is the path's workerId, logged with the path's ids).
  const personal = { ...policy, personal: true }
  const who = (req: Parameters<typeof principalOf>[0]) => {
    const p = principalOf(req)
    return { label: p.label, roleName: ROLE_NAMES[p.role] ?? p.role }
  }

  app.get<{ Params: { projectId: string } }>(
    '/pages/oversight/projects/:projectId',
    { config: { policy }, schema: { hide: true, params: { type: 'object', properties: { projectId: id }, required: ['projectId'] } } },
    async (req, reply) => {
      const project = await services.roster.project(req.params.projectId)
      const overview = await services.oversight.project(project.id)
      const row = overview.projects[0]!
      const months: Month[] = [overview.asOf.slice(0, 7)]
      while (months.length < 12) months.push(previousMonth(months[months.length - 1]!))
      const runs = await Promise.all(months.map((m) => services.payouts.latest(project.id, m)))
      return sendPage<DrillData>(reply, 200, 'oversight-project', {
        title: `${project.name} · 监管`,
        signedIn: who(req),
        crumbs: [{ label: '监管总览', href: '/pages/oversight' }, { label: project.name }],
        project,
        row,
        systems: cellsOf(project.id, row.dueMonth, row.systems),
        months: months.map((m, i) => ({ month: m, href: monthPath(project.id, m), run: runs[i]?.run ?? null, runHref: `/api/projects/${encodeURIComponent(project.id)}/reconciliations/${m}` })),
        yuan,
      })
    },
  )

  app.get<{ Params: { projectId: string; month: string } }>(
    '/pages/oversight/projects/:projectId/months/:month',
    { config: { policy: personal }, schema: { hide: true, params: { type: 'object', properties: { projectId: id, month }, required: ['projectId', 'month'] } } },
    async (req, reply) => {
      const m = checkMonth(req.params.month)
      const project = await services.roster.project(req.params.projectId)
      const [summary, sheets, latest, cases] = await Promise.all([
        services.timesheets.projectSummary(project.id, m),
        services.sheets.monthSummary(project.id, m),
        services.payouts.latest(project.id, m),
        services.cases.list(project.id, m),
      ])
      const sheetOf = new Map(sheets.map((s) => [s.teamId, s.sheet]))
      req.accessRecordIds = cases.flatMap((c) => (c.case.workerId === null ? [] : [c.case.workerId]))
      const api = `/api/projects/${encodeURIComponent(project.id)}`
      return sendPage<DrillData>(reply, 200, 'oversight-month', {
        title: `${project.name} · ${m}`,
        signedIn: who(req),
        crumbs: [{ label: '监管总览', href: '/pages/oversight' }, { label: project.name, href: oversightProjectPath(project.id) }, { label: m }],
        month: m,
        teams: summary.teams.map((t) => ({
          name: maskText(t.name),
          href: teamPath(project.id, m, t.teamId),
          timesheetHref: `${api}/teams/${encodeURIComponent(t.teamId)}/timesheets/${m}`,
          sheetHref: `${api}/teams/${encodeURIComponent(t.teamId)}/payroll-sheets/${m}`,
          workers: t.workers,
          days: days(t.creditHalves + t.adjustmentHalves),
          state: t.state,
          sheet: sheetOf.get(t.teamId) ?? null,
        })),
        run: latest?.run ?? null,
        runHref: `${api}/reconciliations/${m}`,
        cases: cases.map((c) => ({
          id: c.id,
          kind: c.case.flagKind,
          state: c.case.state,
          ageDays: c.episodeAgeDays,
          dueFen: c.case.dueFen,
          paidFen: c.case.paidFen,
          href: `${api}/cases/${c.id}`,
          workerHref: c.case.workerId ? workerPath(project.id, m, c.case.workerId) : undefined,
        })),
        yuan,
      })
    },
  )

  app.get<{ Params: { projectId: string; month: string; teamId: string } }>(
    '/pages/oversight/projects/:projectId/months/:month/teams/:teamId',
    { config: { policy: personal }, schema: { hide: true, params: { type: 'object', properties: { projectId: id, month, teamId: id }, required: ['projectId', 'month', 'teamId'] } } },
    async (req, reply) => {
      const m = checkMonth(req.params.month)
      const project = await services.roster.project(req.params.projectId)
      const tm = await services.timesheets.teamMonth(project.id, req.params.teamId, m)
      req.accessRecordIds = tm.workers.map((w) => w.worker.id)
      return sendPage<DrillData>(reply, 200, 'oversight-team', {
        title: `${maskText(tm.teamName)} · ${m}`,
        signedIn: who(req),
        crumbs: [
          { label: '监管总览', href: '/pages/oversight' },
          { label: project.name, href: oversightProjectPath(project.id) },
          { label: m, href: monthPath(project.id, m) },
          { label: maskText(tm.teamName) },
        ],
        month: m,
        state: tm.state,
        timesheetHref: `/api/projects/${encodeURIComponent(project.id)}/teams/${encodeURIComponent(tm.teamId)}/timesheets/${m}`,
        workers: tm.workers.map((w) => ({
          name: maskText(w.worker.name),
          href: workerPath(project.id, m, w.worker.id),
          days: days(w.line.month.creditHalves + w.line.adjustmentHalves),
          present: w.line.month.daysPresent,
          incomplete: w.line.month.daysIncomplete,
          answer: w.answer?.decision ?? null,
        })),
      })
    },
  )

  app.get<{ Params: { projectId: string; month: string; workerId: string } }>(
    '/pages/oversight/projects/:projectId/months/:month/workers/:workerId',
    { config: { policy: personal }, schema: { hide: true, params: { type: 'object', properties: { projectId: id, month, workerId: id }, required: ['projectId', 'month', 'workerId'] } } },
    async (req, reply) => {
      const m = checkMonth(req.params.month)
      const project = await services.roster.project(req.params.projectId)
      const wm = await services.timesheets.workerMonth(project.id, req.params.workerId, m)
      const [lines, bank, cases] = await Promise.all([
        services.sheets.workerLines(project.id, wm.worker.id, m),
        services.payouts.monthLines(project.id, m, { workerId: wm.worker.id }, undefined, 200),
        services.cases.list(project.id, m),
      ])
      const api = `/api/projects/${encodeURIComponent(project.id)}`
      const team = await services.roster.team(project.id, wm.enrolment.teamId)
      return sendPage<DrillData>(reply, 200, 'oversight-worker', {
        title: `${maskText(wm.worker.name)} · ${m}`,
        signedIn: who(req),
        crumbs: [
          { label: '监管总览', href: '/pages/oversight' },
          { label: project.name, href: oversightProjectPath(project.id) },
          { label: m, href: monthPath(project.id, m) },
          { label: maskText(team.name), href: teamPath(project.id, m, team.id) },
          { label: maskText(wm.worker.name) },
        ],
        month: m,
        timesheetHref: `${api}/workers/${encodeURIComponent(wm.worker.id)}/timesheets/${m}`,
        payrollHref: `${api}/workers/${encodeURIComponent(wm.worker.id)}/payroll/${m}`,
        bankHref: `${api}/payouts/${m}/lines?workerId=${encodeURIComponent(wm.worker.id)}`,
        days: wm.line.month.days
          .filter((d) => d.punches.length > 0 || d.creditHalves > 0)
          .map((d) => ({
            date: d.workDate,
            // The day's raw punches of the project (原始考勤记录), the worker's among them by id.
            punchesHref: `${api}/punches?date=${d.workDate}`,
            status: d.status,
            days: days(d.creditHalves),
            minutes: d.workedMinutes,
            punches: d.punches.map((p) => ({ time: localTimeOf(p.atMs, project.timeZone), direction: p.direction ?? p.deviceDirection, use: p.use, punchId: p.punchId })),
          })),
        sheetLines: lines.map((l) => ({ version: l.sheet.version, state: l.state, payableFen: l.line.payableFen, netFen: l.line.netFen, answer: l.answer?.decision ?? null })),
        bankLines: bank.map((b) => ({ card: maskCard(b.payeeCard), amountFen: b.amountFen, status: b.status, valueDate: b.valueDate, bankRef: b.bankRef, fileHref: `${api}/payout-files/${encodeURIComponent(b.fileId)}/lines` })),
        cases: cases.filter((c) => c.case.workerId === wm.worker.id).map((c) => ({ kind: c.case.flagKind, state: c.case.state, ageDays: c.episodeAgeDays, dueFen: c.case.dueFen, paidFen: c.case.paidFen, events: c.case.events, href: `${api}/cases/${c.id}` })),
        yuan,
      })
    },
  )
}
