/**
 * The rights board (维权信息告示牌) of a project, in two forms:
 *
 * - `/pages/projects/:projectId/rights-board` (`?paper=a3` for A3, A4 otherwise): the page the labour manager prints
 *   and posts at the gate. For the roles that see the project (labour and team managers, auditors, admin), in scope
 *   as the API checks it: a project outside it answers 404 as if it did not exist.
 * - `/kiosk/:projectId/rights-board`: the same board full screen, for a screen at the gate. Public, by the project's
 *   id: a screen left at a gate must not hold anyone's session (whoever touches it would have the manager's desk),
 *   and everything on the board is what Art. 34 has posted at the gate anyway, with no personal data. Project ids are
 *   UUIDv7 (74 random bits), so the kiosk link does not make the list of projects something to walk.
 *
 * Both gather the facts through the same services as the API and render src/oversight/rights-board-facts.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { principalOf } from '../http/access.ts'
import { workDateOf } from '../kernel/time.ts'
import { minimumWageFor } from '../payroll/minimum-wage.ts'
import type { Services } from '../services.ts'
import { qrSvg } from './qr.ts'
import { rightsBoard, type RightsBoard } from '../oversight/rights-board-facts.ts'
import { ROLE_NAMES, sendPage, type LayoutData } from './views.ts'

export type Paper = 'a4' | 'a3'

interface BoardPageData extends LayoutData {
  board: RightsBoard
  /** The QR code's SVG (src/pages/qr.ts): markup the service made, output raw. */
  qr: string
  kiosk: boolean
  paper: Paper
  printUrl: string
  kioskUrl: string
}

export const boardPath = (projectId: string): string => `/pages/projects/${encodeURIComponent(projectId)}/rights-board`
export const kioskPath = (projectId: string): string => `/kiosk/${encodeURIComponent(projectId)}/rights-board`
/** The worker's own page (issue 13, built later): where the board's QR code leads. */
export const workerPagePath = (projectId: string): string => `/w/${encodeURIComponent(projectId)}`

/**
 * The address the person used to reach the service, for the QR code: a phone at the gate must open the same host.
 * (Behind a proxy this needs fastify's trustProxy, so that the forwarded host and scheme are the ones used.)
 */
const originOf = (req: FastifyRequest): string => `${req.protocol}://${req.host}`

async function boardOf(services: Services, projectId: string, origin: string): Promise<RightsBoard> {
  const { roster } = services
  const project = await roster.project(projectId)
  const [constructionUnit, generalContractor, registered] = await Promise.all([
    roster.organisation(project.constructionUnitId),
    roster.organisation(project.generalContractorId),
    services.account.dedicatedAccount(project.id),
  ])
  const today = workDateOf(services.clock.nowMs(), project.timeZone)
  return rightsBoard({
    project,
    constructionUnit,
    generalContractor,
    // The register entry in force, when one was made; the account the project was created with otherwise.
    account: registered ?? { bank: project.accountBank, accountName: project.accountName },
    minimumWage: minimumWageFor(project.regionCode, today),
    today,
    workerPageUrl: `${origin}${workerPagePath(project.id)}`,
  })
}

const projectParams = { type: 'object', properties: { projectId: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['projectId'] } as const

export async function rightsBoardRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get<{ Params: { projectId: string }; Querystring: { paper?: Paper } }>(
    '/pages/projects/:projectId/rights-board',
    {
      config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false } },
      schema: { hide: true, params: projectParams, querystring: { type: 'object', properties: { paper: { type: 'string', enum: ['a4', 'a3'] } } } },
    },
    async (req, reply) => {
      const p = principalOf(req)
      const board = await boardOf(services, req.params.projectId, originOf(req))
      const paper = req.query.paper ?? 'a4'
      return sendPage<BoardPageData>(reply, 200, 'rights-board', {
        title: `维权信息告示牌 · ${board.projectName}`,
        signedIn: { label: p.label, roleName: ROLE_NAMES[p.role] ?? p.role },
        bodyClass: `board-page paper-${paper}`,
        stylesheets: paper === 'a3' ? ['print-a3.css'] : [],
        board,
        qr: await qrSvg(board.workerPageUrl),
        kiosk: false,
        paper,
        printUrl: boardPath(board.projectId),
        kioskUrl: kioskPath(board.projectId),
      })
    },
  )

  app.get<{ Params: { projectId: string } }>(
    '/kiosk/:projectId/rights-board',
    {
      config: { policy: { public: 'the rights board as posted at the gate (条例 Art. 34): parties, pay day, minimum wage, complaint lines; no personal data' } },
      schema: { hide: true, params: projectParams },
    },
    async (req, reply) => {
      const board = await boardOf(services, req.params.projectId, originOf(req))
      return sendPage<BoardPageData>(reply, 200, 'rights-board', {
        title: `维权信息告示牌 · ${board.projectName}`,
        bodyClass: 'kiosk',
        board,
        qr: await qrSvg(board.workerPageUrl),
        kiosk: true,
        paper: 'a4',
        printUrl: boardPath(board.projectId),
        kioskUrl: kioskPath(board.projectId),
      })
    },
  )
}
