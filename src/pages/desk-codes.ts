/**
 * Worker sign-in codes on the desk (工人登录码, issue 13): `/pages/projects/:projectId/desk/workers`.
 *
 * The roster the caller sees (a team manager, their organisation's teams, as the desk's other pages) with a button per
 * worker that issues a one-time code for the worker's own page: the service behind
 * POST /api/projects/{id}/workers/{workerId}/sign-in-codes (WorkerSignInCodes.issue), with the same roles (labour and
 * team managers) and the same scope (the worker in the path is checked by the access plugin, as on the API). The code
 * is in that reply's page once, for the manager to read out or show, beside the worker page's address and its QR code;
 * it is stored only as a hash, so reloading the page cannot show it again (a new code replaces it).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { maskText } from '../access/masking.ts'
import type { Principal } from '../access/roles.ts'
import { principalOf } from '../http/access.ts'
import { idParam } from '../http/schemas.ts'
import { localTimeOf, workDateOf } from '../kernel/time.ts'
import { outsideOn } from '../roster/spells.ts'
import type { Services } from '../services.ts'
import { deskNav, deskParams, deskPath, signedInOf, visibleTeams } from './desk.ts'
import { qrSvg } from './qr.ts'
import { sendPage, type LayoutData } from './views.ts'

export const codesPath = (projectId: string): string => `${deskPath(projectId)}/workers`

/** The worker's own page, where the code is used (the address the API's reply names as signInPath). */
const workerSignInPath = (projectId: string): string => `/w/${encodeURIComponent(projectId)}`

/** The address the manager used to reach the service: the worker's phone, on the same site network, opens the same host. */
const originOf = (req: FastifyRequest): string => `${req.protocol}://${req.host}`

interface CodesPageData extends LayoutData {
  projectName: string
  nav: ReturnType<typeof deskNav>
  teams: Array<{ teamId: string; name: string; workers: Array<{ workerId: string; name: string; entryDate: string; action: string }> }>
  issued?: { workerId: string; name: string; code: string; expires: string; delivery: string; url: string; qr: string }
}

const DELIVERY_NAMES: Readonly<Record<string, string>> = { log: '开发环境：未接短信网关，验证码只记在服务日志里', sms: '已用短信发到工人登记的手机' }

export async function codesDeskRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { roster, signInCodes } = services

  async function page(reply: FastifyReply, p: Principal, projectId: string, status: number, issued?: CodesPageData['issued']): Promise<FastifyReply> {
    const project = await roster.project(projectId)
    const today = workDateOf(services.clock.nowMs(), project.timeZone)
    const [teams, enrolled] = await Promise.all([roster.listTeams(projectId), roster.listEnrolments(projectId)])
    const base = codesPath(projectId)
    return sendPage<CodesPageData>(reply, status, 'desk-codes', {
      title: `工人登录码 · ${project.name}`,
      signedIn: signedInOf(p),
      stylesheets: ['desk-admin.css'],
      projectName: project.name,
      nav: deskNav(projectId, p, 'workers'),
      teams: visibleTeams(teams, p).map((t) => ({
        teamId: t.id,
        name: maskText(t.name),
        workers: enrolled
          // Those on the roster today (or coming): a worker who left has no month to see here any more, nor has one
          // away today between an exit and a return recorded ahead (再次进场: spells.ts), until that return.
          .filter(({ enrolment }) => enrolment.teamId === t.id && outsideOn(enrolment, today) !== 'after_exit')
          .map(({ enrolment, worker }) => ({ workerId: worker.id, name: maskText(worker.name), entryDate: enrolment.entryDate, action: `${base}/${encodeURIComponent(worker.id)}/sign-in-codes` })),
      })),
      issued,
    })
  }

  app.get<{ Params: { projectId: string } }>(
    '/pages/projects/:projectId/desk/workers',
    // The roles that issue codes (POST …/workers/{workerId}/sign-in-codes): the page is there to issue them.
    { config: { policy: { roles: ['labour_manager', 'team_manager'], write: false, personal: true } }, schema: { hide: true, params: deskParams } },
    async (req, reply) => page(reply, principalOf(req), (await roster.project(req.params.projectId)).id, 200),
  )

  app.post<{ Params: { projectId: string; workerId: string } }>(
    '/pages/projects/:projectId/desk/workers/:workerId/sign-in-codes',
    {
      config: { policy: { roles: ['labour_manager', 'team_manager'], write: true, personal: true } },
      schema: { hide: true, params: { type: 'object', properties: { projectId: idParam, workerId: idParam }, required: ['projectId', 'workerId'], additionalProperties: false } },
    },
    async (req, reply) => {
      const p = principalOf(req)
      const { projectId, workerId } = req.params
      const project = await roster.project(projectId)
      const issued = await signInCodes.issue(projectId, workerId, p.label, req.log)
      const { worker } = await roster.enrolmentOf(projectId, workerId)
      const url = `${originOf(req)}${workerSignInPath(project.id)}`
      return page(reply, p, project.id, 201, {
        workerId,
        name: maskText(worker.name),
        code: issued.code,
        expires: `${workDateOf(issued.expiresAtMs, project.timeZone)} ${localTimeOf(issued.expiresAtMs, project.timeZone).slice(0, 5)}`,
        delivery: DELIVERY_NAMES[issued.channel] ?? issued.channel,
        url,
        qr: await qrSvg(url),
      })
    },
  )
}
