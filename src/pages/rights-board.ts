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
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { maskText } from '../access/masking.ts'
import { principalOf } from '../http/access.ts'
import { workDateOf } from '../kernel/time.ts'
import { minimumWageFor, provincialStandardFor } from '../payroll/minimum-wage.ts'
import type { Services } from '../services.ts'
import { checkProjectContacts } from '../roster/project-contacts.ts'
import { qrSvg } from './qr.ts'
import { rightsBoard, type RightsBoard } from '../oversight/rights-board-facts.ts'
import { ROLE_NAMES, sendPage, type LayoutData } from './views.ts'

export type Paper = 'a4' | 'a3'

/** The form's refusals as the labour manager reads them, by field (the API's reasons are in English). */
const CONTACTS_PROBLEMS: Readonly<Record<string, string>> = {
  labourManagerName: '请填写劳资专管员姓名。',
  labourManagerPhone: '劳资专管员电话不是工人能拨通的号码：请填 11 位手机号，或带区号的座机（如 0571-87654321）。',
  localComplaintName: '当地投诉电话需要同时填写名称和号码（或都不填）。',
  localComplaintPhone: '当地投诉电话需要同时填写名称和号码（或都不填），号码须为带区号的座机、手机或 12345 这类短号。',
  reason: '请填写登记原因（如：项目开工登记、劳资专管员更换）。',
}

interface BoardPageData extends LayoutData {
  board: RightsBoard
  /** The QR code's SVG (src/pages/qr.ts): markup the service made, output raw. */
  qr: string
  kiosk: boolean
  paper: Paper
  printUrl: string
  kioskUrl: string
  /** The labour manager's page for the board's contacts (维权信息登记); absent for other roles and on the kiosk. */
  contactsUrl?: string
}

interface ContactsPageData extends LayoutData {
  projectName: string
  boardUrl: string
  form: ContactsForm
  history: Array<{ at: string; labourManagerName: string; labourManagerPhone: string; localComplaint: string; reason: string; recordedBy: string }>
}

interface ContactsForm {
  url: string
  values: { labourManagerName: string; labourManagerPhone: string; localComplaintName: string; localComplaintPhone: string; reason: string }
  done?: boolean
  problem?: { field: string; message: string }
}

export const boardPath = (projectId: string): string => `/pages/projects/${encodeURIComponent(projectId)}/rights-board`
export const contactsFormPath = (projectId: string): string => `${boardPath(projectId)}/contacts`
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
  const [constructionUnit, generalContractor, registered, contacts] = await Promise.all([
    roster.organisation(project.constructionUnitId),
    roster.organisation(project.generalContractorId),
    services.account.dedicatedAccount(project.id),
    services.projectContacts.inForce(project.id),
  ])
  const today = workDateOf(services.clock.nowMs(), project.timeZone)
  return rightsBoard({
    project,
    constructionUnit,
    generalContractor,
    // The register entry in force, when one was made; the account the project was created with otherwise.
    account: registered ?? { bank: project.accountBank, accountName: project.accountName },
    minimumWage: minimumWageFor(project.regionCode, today),
    provincialStandard: provincialStandardFor(project.regionCode, today),
    contacts,
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
        // The appointment is the general contractor's: its labour managers (and the operator) register it.
        ...(p.role === 'labour_manager' || p.role === 'admin' ? { contactsUrl: contactsFormPath(board.projectId) } : {}),
      })
    },
  )

  async function contactsPage(req: FastifyRequest, reply: FastifyReply, projectId: string, status: number, form: Pick<ContactsForm, 'done' | 'problem'> & { values?: ContactsForm['values'] }): Promise<FastifyReply> {
    const p = principalOf(req)
    const project = await services.roster.project(projectId)
    const history = await services.projectContacts.history(project.id)
    const current = history[0]
    return sendPage<ContactsPageData>(reply, status, 'board-contacts', {
      title: `登记告示牌联系人 · ${project.name}`,
      signedIn: { label: p.label, roleName: ROLE_NAMES[p.role] ?? p.role },
      projectName: project.name,
      boardUrl: boardPath(project.id),
      form: {
        url: contactsFormPath(project.id),
        values: form.values ?? {
          labourManagerName: current?.labourManagerName ?? '',
          labourManagerPhone: current?.labourManagerPhone ?? '',
          localComplaintName: current?.localComplaintName ?? '',
          localComplaintPhone: current?.localComplaintPhone ?? '',
          reason: '',
        },
        ...(form.done ? { done: true } : {}),
        ...(form.problem ? { problem: form.problem } : {}),
      },
      history: history.map((h) => ({
        at: new Date(h.recordedAtMs).toLocaleString('zh-CN', { timeZone: project.timeZone, hour12: false }),
        labourManagerName: h.labourManagerName,
        labourManagerPhone: h.labourManagerPhone,
        localComplaint: h.localComplaintPhone ? `${h.localComplaintName ?? ''} ${h.localComplaintPhone}` : '未登记',
        // The phones are the board's, public by law; the reason is typed text, posted nowhere.
        reason: maskText(h.reason),
        recordedBy: h.recordedBy,
      })),
    })
  }

  app.get<{ Params: { projectId: string }; Querystring: { saved?: '1' } }>(
    '/pages/projects/:projectId/rights-board/contacts',
    {
      // The roles of POST /api/projects/{id}/contacts: the general contractor's labour managers.
      config: { policy: { roles: ['labour_manager'], write: false } },
      schema: { hide: true, params: projectParams, querystring: { type: 'object', properties: { saved: { type: 'string', enum: ['1'] } } } },
    },
    async (req, reply) => contactsPage(req, reply, req.params.projectId, 200, { done: req.query.saved === '1' }),
  )

  app.post<{ Params: { projectId: string }; Body: ContactsForm['values'] }>(
    '/pages/projects/:projectId/rights-board/contacts',
    {
      // The roles of POST /api/projects/{id}/contacts, through the same service.
      config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        hide: true,
        params: projectParams,
        body: {
          type: 'object',
          properties: {
            labourManagerName: { type: 'string', maxLength: 50 },
            labourManagerPhone: { type: 'string', maxLength: 30 },
            localComplaintName: { type: 'string', maxLength: 100 },
            localComplaintPhone: { type: 'string', maxLength: 30 },
            reason: { type: 'string', maxLength: 500 },
          },
          required: ['labourManagerName', 'labourManagerPhone', 'reason'],
        },
      },
    },
    async (req, reply) => {
      const b = req.body
      const values = { labourManagerName: b.labourManagerName, labourManagerPhone: b.labourManagerPhone, localComplaintName: b.localComplaintName ?? '', localComplaintPhone: b.localComplaintPhone ?? '', reason: b.reason }
      const checked = checkProjectContacts(values)
      // Refused on the page with the person's own entries kept in the form, so nothing typed is lost.
      if (!checked.ok) return contactsPage(req, reply, req.params.projectId, 400, { values, problem: { field: checked.field, message: CONTACTS_PROBLEMS[checked.field] ?? checked.reason } })
      await services.projectContacts.register(req.params.projectId, values, principalOf(req).label)
      return reply.redirect(`${contactsFormPath(req.params.projectId)}?saved=1`, 303)
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
