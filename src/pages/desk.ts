/**
 * The labour manager's desk (劳资专管员工作台, issue 13), per project, for labour managers and team managers (a team
 * manager sees the teams their organisation employs, as the API's team routes let them) and, read-only, auditors:
 *
 * - `/pages/projects/:projectId/desk`: today on site (今日在场人员) per team, who is in now. A plain list without
 *   JavaScript, current when the page loads; with it, /assets/desk.js opens the server-sent events below and swaps
 *   the list in as punches arrive.
 * - `/pages/projects/:projectId/desk/on-site/events`: text/event-stream of the list (desk-live.ts says how it learns
 *   of punches, on one instance or several).
 * - the review queue (desk-review.ts), devices and rejected inputs (desk-devices.ts).
 *
 * Every figure comes from the services the API's routes call (roster, punches, timesheets, device health), under the
 * same policies: each route below states the roles of the API route whose data it shows.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { maskText } from '../access/masking.ts'
import type { Principal } from '../access/roles.ts'
import { principalOf } from '../http/access.ts'
import { idParam } from '../http/schemas.ts'
import { workDateOf } from '../kernel/time.ts'
import type { TeamRow } from '../roster/repository.ts'
import type { Services } from '../services.ts'
import type { RawPunch } from '../timesheets/rules.ts'
import { deviceDeskRoutes } from './desk-devices.ts'
import { deskLiveRoutes } from './desk-live.ts'
import { onSiteToday, type OnSiteToday } from './desk-on-site.ts'
import { reviewDeskRoutes } from './desk-review.ts'
import { ROLE_NAMES, render, sendPage, type LayoutData } from './views.ts'

export const deskPath = (projectId: string): string => `/pages/projects/${encodeURIComponent(projectId)}/desk`

/** Punches of a day read a page at a time, as GET …/punches pages them; a day past this many is shown in part. */
const DAY_PUNCHES_PAGE = 1000
export const DAY_PUNCHES_MAX = 50_000

export const deskParams = { type: 'object', properties: { projectId: idParam }, required: ['projectId'], additionalProperties: false } as const

/** The teams the caller sees on the desk: a team manager, those their organisation employs (as GET …/teams filters). */
export function visibleTeams(teams: readonly TeamRow[], p: Principal): TeamRow[] {
  return p.role === 'team_manager' ? teams.filter((t) => t.employerId === p.organisationId) : [...teams]
}

export const signedInOf = (p: Principal): { label: string; roleName: string } => ({ label: p.label, roleName: ROLE_NAMES[p.role] ?? p.role })

/** The desk's pages, as the navigation names them. */
export type DeskPage = 'home' | 'review' | 'sheets' | 'cases' | 'devices' | 'rejected' | 'roster-import' | 'workers'

/** The desk's own navigation, on every desk page; the links a role may not follow are left out. */
export function deskNav(projectId: string, p: Principal, current: DeskPage): Array<{ href: string; label: string; current: boolean }> {
  const base = deskPath(projectId)
  const deviceReader = p.role !== 'team_manager'
  // The roster import writes (POST …/roster-imports): labour and team managers, not the auditor who reads.
  const manager = p.role === 'labour_manager' || p.role === 'team_manager' || p.role === 'admin'
  const link = (page: Exclude<DeskPage, 'home'>, label: string) => ({ href: `${base}/${page}`, label, current: current === page })
  return [
    { href: base, label: '今日在场', current: current === 'home' },
    link('review', '考勤待审核'),
    link('sheets', '工资支付表'),
    link('cases', '预警案件'),
    ...(deviceReader ? [link('devices', '考勤设备'), link('rejected', '拒收记录')] : []),
    ...(manager ? [link('roster-import', '花名册导入'), link('workers', '工人登录码')] : []),
  ]
}

/** Today on site as the caller may see it: the project's punches of today (in its zone), its roster and policy. */
export async function readOnSite(services: Services, p: Principal, projectId: string): Promise<OnSiteToday & { projectName: string; truncated: boolean }> {
  const project = await services.roster.project(projectId)
  const date = workDateOf(services.clock.nowMs(), project.timeZone)
  const [teams, enrolled, policy] = await Promise.all([services.roster.listTeams(projectId), services.roster.listEnrolments(projectId), services.roster.policy(projectId)])
  const punches: Array<RawPunch & { workerId: string }> = []
  let after: number | undefined
  for (;;) {
    const page = await services.punches.punchesOfDay(projectId, date, after, DAY_PUNCHES_PAGE)
    for (const r of page) punches.push({ id: r.id, deviceId: r.deviceId, deviceTimeMs: r.deviceTimeMs, direction: r.direction, workDate: r.workDate, clockSuspect: r.clockSuspect, workerId: r.workerId })
    if (page.length < DAY_PUNCHES_PAGE || punches.length >= DAY_PUNCHES_MAX) break
    after = page[page.length - 1]?.id
  }
  const view = onSiteToday({
    date,
    timeZone: project.timeZone,
    policy,
    teams: visibleTeams(teams, p).map((t) => ({ teamId: t.id, name: maskText(t.name) })),
    // Names are typed by people: masked as the API's replies mask them (a phone or ID number typed into one).
    enrolments: enrolled.map(({ enrolment, worker }) => ({ workerId: worker.id, name: maskText(worker.name), teamId: enrolment.teamId, entryDate: enrolment.entryDate, exitDate: enrolment.exitDate, breaks: enrolment.breaks })),
    punches,
  })
  return { ...view, projectName: project.name, truncated: punches.length >= DAY_PUNCHES_MAX }
}

/** The on-site list as markup: the page's section, and each server-sent event's data. */
export const onSiteFragment = (view: OnSiteToday & { truncated: boolean }, nowLocal: string): string => render('desk-on-site', { title: '', view, nowLocal })

interface DeskHomeData extends LayoutData {
  projectName: string
  nav: ReturnType<typeof deskNav>
  onSite: string
  eventsUrl: string
}

export async function deskRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get<{ Params: { projectId: string } }>(
    '/pages/projects/:projectId/desk',
    // Who is where today names workers, as the team timesheet does: the roles that read it (GET …/teams/{teamId}/timesheets/{month}).
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false, personal: true } }, schema: { hide: true, params: deskParams } },
    async (req: FastifyRequest<{ Params: { projectId: string } }>, reply) => {
      const p = principalOf(req)
      const view = await readOnSite(services, p, req.params.projectId)
      const project = await services.roster.project(req.params.projectId)
      const nowLocal = new Date(services.clock.nowMs()).toLocaleTimeString('zh-CN', { timeZone: project.timeZone, hour12: false })
      return sendPage<DeskHomeData>(reply, 200, 'desk', {
        title: `工作台 · ${view.projectName}`,
        signedIn: signedInOf(p),
        stylesheets: ['desk.css'],
        scripts: ['desk.js'],
        projectName: view.projectName,
        nav: deskNav(req.params.projectId, p, 'home'),
        onSite: onSiteFragment(view, nowLocal),
        eventsUrl: `${deskPath(req.params.projectId)}/on-site/events`,
      })
    },
  )

  await app.register(deskLiveRoutes, { services })
  await app.register(reviewDeskRoutes, { services })
  await app.register(deviceDeskRoutes, { services })
}
