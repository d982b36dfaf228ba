/** Roster routes (实名制花名册): organisations, projects, teams, workers, enrolments, devices. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { LIMITS } from '../../config/limits.ts'
import { maskCard, maskIdNumber, maskPhone } from '../../roster/identity.ts'
import { correctInstallation, type InstallationChange } from '../../roster/installation.ts'
import type { DeviceRow, EnrolmentRow, PageQuery, ProjectRow, WorkerCardChangeRow, WorkerRow } from '../../roster/repository.ts'
import type { NewDevice, NewEnrolment, NewOrganisation, NewProject, NewWorker, Registered } from '../../roster/service.ts'
import type { Services } from '../../services.ts'
import type { Principal } from '../../access/roles.ts'
import { AppError } from '../../kernel/errors.ts'
import { deniedEntry, principalOf } from '../access.ts'
import { maskText } from '../../access/masking.ts'
import { purposeSchema, revealLimit, statePurpose } from '../reveal.ts'
import { ackTopic, punchTopic } from '../../punches/admit.ts'
import { actorOf } from './access.ts'
import { authorsFor } from '../authors.ts'
import { linkNext, pageOf } from '../paging.ts'
import { date, errors, fenAmount, idParam, limitQuery, personName, projectParams, yuan } from '../schemas.ts'

const organisation = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: ['construction_unit', 'general_contractor', 'subcontractor'] },
    name: { type: 'string' },
    creditCode: { type: 'string' },
  },
  required: ['id', 'kind', 'name', 'creditCode'],
} as const

const project = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    siteCode: { type: 'string' },
    name: { type: 'string' },
    regionCode: { type: 'string' },
    timeZone: { type: 'string' },
    payDay: { type: 'integer' },
    constructionUnitId: { type: 'string' },
    generalContractorId: { type: 'string' },
    account: {
      type: 'object',
      properties: { bank: { type: 'string' }, bankCode: { type: ['string', 'null'] }, no: { type: 'string' }, name: { type: 'string' } },
    },
  },
} as const

const team = {
  type: 'object',
  properties: { id: { type: 'string' }, projectId: { type: 'string' }, employerId: { type: 'string' }, name: { type: 'string' } },
} as const

/** Workers as lists show them: ID number, card and phone masked (PIPL Art. 28: sensitive personal information). */
const maskedWorker = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    idNumberMasked: { type: 'string' },
    gender: { type: 'string' },
    birthYear: { type: 'string' },
    ethnicity: { type: ['string', 'null'] },
    trade: { type: ['string', 'null'] },
    phoneMasked: { type: ['string', 'null'] },
    bankName: { type: 'string' },
    cardMasked: { type: 'string' },
  },
} as const

/** A change of a worker's wage card (换卡) as replies show it: both cards masked. */
const cardChange = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    workerId: { type: 'string' },
    seq: { type: 'integer' },
    previousBankName: { type: 'string' },
    previousCardMasked: { type: 'string' },
    bankName: { type: 'string' },
    cardMasked: { type: 'string' },
    reason: { type: 'string' },
    actor: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'workerId', 'seq', 'previousBankName', 'previousCardMasked', 'bankName', 'cardMasked', 'reason', 'actor', 'at'],
} as const

/**
 * The reason, the bank names and the actor are typed text (a labour manager writes "原卡号 6217… 挂失，电话 139…"; a
 * login may be a phone number), read by team managers, auditors and the worker too: masked by shape as every reply's.
 */
function presentCardChange(c: WorkerCardChangeRow) {
  return {
    id: c.id,
    workerId: c.workerId,
    seq: c.seq,
    previousBankName: maskText(c.previousBankName),
    previousCardMasked: maskCard(c.previousCardNo),
    bankName: maskText(c.bankName),
    cardMasked: maskCard(c.cardNo),
    reason: maskText(c.reason),
    actor: maskText(c.actor),
    at: new Date(c.atMs).toISOString(),
  }
}

const enrolment = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    projectId: { type: 'string' },
    workerId: { type: 'string' },
    teamId: { type: 'string' },
    deviceUserId: { type: ['string', 'null'] },
    dailyRateFen: fenAmount,
    contractNo: { type: ['string', 'null'] },
    safetyTrained: { type: 'boolean' },
    entryDate: { type: 'string', description: 'the first entry (进场)' },
    exitDate: { type: ['string', 'null'], description: 'the exit (退场) of the last spell; null while on site' },
    breaks: {
      type: 'array',
      description: 'each exit a return (再次进场) followed, with that return, oldest first: the days between the two are outside the enrolment',
      items: { type: 'object', properties: { exitDate: { type: 'string' }, returnDate: { type: 'string' } }, required: ['exitDate', 'returnDate'] },
    },
    worker: maskedWorker,
  },
} as const

const device = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    projectId: { type: 'string' },
    serial: { type: 'string' },
    model: { type: 'string' },
    settings: { type: 'object', additionalProperties: true },
    location: { type: ['string', 'null'] },
    installedAt: { type: 'string' },
  },
} as const

/** A device's MQTT credentials: in the reply that issues them, once; only their hash is kept. */
const deviceCredentials = {
  type: 'object',
  description: 'Connect with these (devices/README.md, "Connecting"). The password is shown this once and stored hashed: keep it in the device now, or issue a new one',
  properties: {
    username: { type: 'string', description: 'the device serial' },
    password: { type: 'string', description: 'the device secret (wld_…)' },
    clientId: { type: 'string', description: 'the device serial' },
    punchTopic: { type: 'string', description: 'the one topic the device may publish on (QoS 1, not retained)' },
    ackTopic: { type: 'string', description: 'the one topic the device may subscribe to' },
  },
  required: ['username', 'password', 'clientId', 'punchTopic', 'ackTopic'],
} as const

const deviceWithCredentials = { type: 'object', properties: { ...device.properties, mqtt: deviceCredentials } } as const

/** A device registered again: how it connects, without a password (shown once, when it was first registered). */
const deviceRegisteredAgain = {
  type: 'object',
  properties: {
    ...device.properties,
    mqtt: {
      type: 'object',
      description: 'As at registration, less the password: it was shown once, when the device was first registered, and is kept only hashed',
      properties: {
        username: deviceCredentials.properties.username,
        clientId: deviceCredentials.properties.clientId,
        punchTopic: deviceCredentials.properties.punchTopic,
        ackTopic: deviceCredentials.properties.ackTopic,
        passwordNote: { type: 'string', description: 'why no password is here, and the route that issues a new one if it was lost' },
      },
      required: ['username', 'clientId', 'punchTopic', 'ackTopic', 'passwordNote'],
    },
  },
} as const

const deviceParams = { type: 'object', properties: { projectId: idParam, deviceId: idParam }, required: ['projectId', 'deviceId'], additionalProperties: false } as const

const INSTALLED_AT_NOTE =
  'Readings timed before it are clock_suspect (before_install) and count only once accepted. Left out, it is the moment of ' +
  'registration: a device that replays an earlier month must be registered with its real installation time, or corrected ' +
  'with POST …/devices/{deviceId}/installation.'

/**
 * Every list is a page (keyset, never OFFSET): `?limit=` up to LIMITS.page_size_max, `?after=` the id of the last
 * item of the previous page. A reply one short of a full page is the last; a full one carries
 * `Link: <…?limit=&after=>; rel="next"` when more follow.
 */
const pageQuery = {
  type: 'object',
  properties: { limit: limitQuery, after: { ...idParam, description: 'the id of the last item of the previous page' } },
  additionalProperties: false,
} as const

/** Reads one row beyond the page: whether it exists decides the next link, so a full last page has none either. */
async function paged<T>(req: FastifyRequest<{ Querystring: PageQuery }>, res: FastifyReply, read: (page: PageQuery) => Promise<T[]>, idOf: (row: T) => string): Promise<T[]> {
  const limit = Math.min(req.query.limit, LIMITS.page_size_max)
  const { page, next } = pageOf(await read({ limit: limit + 1, after: req.query.after }), limit, idOf)
  linkNext(req, res, limit, 'after', next)
  return page
}

const byId = (r: { id: string }): string => r.id

/** 201 when the record was made now, 200 when it was there already (a repeat is safe and answers the same record). */
const registeredStatus = (r: Registered<unknown>): 200 | 201 => (r.created ? 201 : 200)

export function presentProject(p: ProjectRow) {
  return {
    id: p.id,
    siteCode: p.siteCode,
    name: p.name,
    regionCode: p.regionCode,
    timeZone: p.timeZone,
    payDay: p.payDay,
    constructionUnitId: p.constructionUnitId,
    generalContractorId: p.generalContractorId,
    account: { bank: p.accountBank, bankCode: p.accountBankCode, no: p.accountNo, name: p.accountName },
  }
}

export function presentWorker(w: WorkerRow) {
  return {
    id: w.id,
    name: w.name,
    idNumberMasked: maskIdNumber(w.idNumber),
    gender: w.gender,
    birthYear: w.birthDate.slice(0, 4),
    ethnicity: w.ethnicity,
    trade: w.trade,
    phoneMasked: w.phone ? maskPhone(w.phone) : null,
    bankName: w.bankName,
    cardMasked: maskCard(w.cardNo),
  }
}

/** The user id on the site's devices and the contract number are typed by people: some sites enrol workers under their ID number. */
function presentEnrolment(e: EnrolmentRow, w?: WorkerRow) {
  return {
    ...e,
    deviceUserId: e.deviceUserId === null ? null : maskText(e.deviceUserId),
    contractNo: e.contractNo === null ? null : maskText(e.contractNo),
    worker: w ? presentWorker(w) : undefined,
  }
}

/** The personal numbers of a worker a reveal may show, each named as the registration names it. */
const REVEAL_FIELDS = ['idNumber', 'cardNo', 'phone'] as const
type RevealField = (typeof REVEAL_FIELDS)[number]

function presentDevice(d: DeviceRow) {
  return { ...d, settings: JSON.parse(d.settings) as Record<string, unknown>, installedAt: new Date(d.installedAtMs).toISOString() }
}

/** The subcontractor whose teams a team manager's lists are narrowed to; undefined for every other role. */
const teamEmployer = (p: Principal): string | undefined => (p.role === 'team_manager' ? (p.organisationId ?? '') : undefined)

export async function rosterRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { roster } = services
  /**
   * A team manager changes enrolments of their own organisation's teams only (exits, entry dates, 考勤号); another
   * team's enrolment answers as a missing one, and the attempt is logged. Other roles pass: their scope is the project's.
   */
  const ownTeamsEnrolment = async (req: FastifyRequest<{ Params: { projectId: string; enrolmentId: string } }>): Promise<void> => {
    const p = principalOf(req)
    const employer = teamEmployer(p)
    if (employer === undefined) return
    const found = await roster.findEnrolment(req.params.projectId, req.params.enrolmentId)
    if (found && (await services.access.repo.teamEmployer(req.params.projectId, found.teamId)) !== employer) {
      await services.accessLog.append(deniedEntry(req, p, 'out_of_scope'))
      throw new AppError('enrolment_not_found', { enrolmentId: req.params.enrolmentId })
    }
  }

  app.post<{ Body: NewOrganisation }>(
    '/api/organisations',
    { config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        tags: ['roster'],
        summary:
          'Register a construction unit, general contractor or subcontractor. The same credit code again answers 200 with the record when the kind and ' +
          'name are the same, 409 organisation_exists_with_different_facts (details.organisationId, details.differs) when they are not',
        body: {
          type: 'object',
          properties: {
            kind: { type: 'string', enum: ['construction_unit', 'general_contractor', 'subcontractor'] },
            name: { type: 'string', minLength: 1, maxLength: 200 },
            creditCode: { type: 'string', minLength: 18, maxLength: 18, description: '统一社会信用代码, GB 32100' },
          },
          required: ['kind', 'name', 'creditCode'],
          additionalProperties: false,
        },
        response: { 200: organisation, 201: organisation, ...errors },
      },
    },
    async (req, res) => {
      const r = await roster.registerOrganisation(req.body)
      return res.status(registeredStatus(r)).send(r.row)
    },
  )

  app.get<{ Querystring: PageQuery }>(
    '/api/organisations',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false } }, schema: { tags: ['roster'], summary: 'List organisations, oldest first, a page at a time', querystring: pageQuery, response: { 200: { type: 'array', items: organisation }, ...errors } } },
    async (req, res) => paged(req, res, (page) => roster.pageOrganisations(page), byId),
  )

  app.post<{ Body: NewProject }>(
    '/api/projects',
    { config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        tags: ['roster'],
        summary:
          'Register a project with its dedicated wage account (农民工工资专用账户). The same site code again answers 200 with the project when every ' +
          'fact stated is the same (facts left out are not compared), 409 project_site_code_exists (details.differs) when one is not',
        body: {
          type: 'object',
          properties: {
            siteCode: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'site code used in MQTT topics' },
            name: { type: 'string', minLength: 1, maxLength: 200 },
            regionCode: { type: 'string', pattern: '^\\d{6}$' },
            timeZone: { type: 'string', maxLength: 64 },
            payDay: { type: 'integer', minimum: 1, maximum: 31 },
            constructionUnitId: idParam,
            generalContractorId: idParam,
            account: {
              type: 'object',
              properties: {
                bank: { type: 'string', minLength: 1, maxLength: 100 },
                bankCode: { type: 'string', pattern: '^\\d{12}$', description: "The account bank's 联行号 (CNAPS code, 12 digits): the bank whose key may post this project's result files." },
                no: { type: 'string', pattern: '^\\d{8,32}$' },
                name: { type: 'string', minLength: 1, maxLength: 200 },
                openedOn: { ...date, description: "开户日期. With bankCode the account is the first entry of the project's dedicated-account register; without openedOn that entry has none, and no payment or statement line is refused as before the opening." },
              },
              required: ['bank', 'no', 'name'],
              additionalProperties: false,
            },
          },
          required: ['siteCode', 'name', 'regionCode', 'payDay', 'constructionUnitId', 'generalContractorId', 'account'],
          additionalProperties: false,
        },
        response: { 200: project, 201: project, ...errors },
      },
    },
    async (req, res) => {
      const p = principalOf(req)
      // A labour manager registers projects of their own organisation only (as its GC or its construction unit).
      if (p.role === 'labour_manager' && req.body.generalContractorId !== p.organisationId && req.body.constructionUnitId !== p.organisationId) {
        throw new AppError('role_forbidden', { role: p.role, reason: "a labour manager registers projects whose general contractor or construction unit is their own organisation" })
      }
      const reaches = async (projectId: string): Promise<boolean> => (await services.access.checkScope(p, { projectId })) === undefined
      const r = await roster.registerProject(req.body, { createdBy: p.label, reaches })
      return res.status(registeredStatus(r)).send(presentProject(r.row))
    },
  )

  app.get<{ Querystring: PageQuery }>(
    '/api/projects',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'bank', 'auditor', 'worker'], write: false } }, schema: { tags: ['roster'], summary: 'List projects, oldest first, a page at a time', querystring: pageQuery, response: { 200: { type: 'array', items: project }, ...errors } } },
    async (req, res) => (await paged(req, res, (page) => roster.pageProjects(page, services.access.projectCondition(principalOf(req))), byId)).map(presentProject),
  )

  app.get<{ Params: { projectId: string } }>(
    '/api/projects/:projectId',
    // A worker reads a project they are enrolled on (any other is 404, src/access/service.ts checkScope), as the list gives it.
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'bank', 'auditor', 'worker'], write: false } }, schema: { tags: ['roster'], summary: 'One project; a worker reads only a project they are enrolled on', params: projectParams, response: { 200: project, ...errors } } },
    async (req) => presentProject(await roster.project(req.params.projectId)),
  )

  app.post<{ Params: { projectId: string }; Body: { name: string; employerId: string } }>(
    '/api/projects/:projectId/teams',
    { config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        tags: ['roster'],
        summary:
          'Add a team (班组) employed by a subcontractor. Adding the same name again answers 200 with the team already there when ' +
          "the subcontractor is the same, 409 team_name_exists (details.teamId, details.employerId) when another subcontractor's team holds the name",
        params: projectParams,
        body: {
          type: 'object',
          properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, employerId: idParam },
          required: ['name', 'employerId'],
          additionalProperties: false,
        },
        response: { 200: team, 201: team, ...errors },
      },
    },
    async (req, res) => {
      const r = await roster.registerTeam(req.params.projectId, req.body)
      return res.status(registeredStatus(r)).send(r.row)
    },
  )

  app.get<{ Params: { projectId: string }; Querystring: PageQuery }>(
    '/api/projects/:projectId/teams',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false } }, schema: { tags: ['roster'], summary: "The project's teams by name, a page at a time", params: projectParams, querystring: pageQuery, response: { 200: { type: 'array', items: team }, ...errors } } },
    async (req, res) => paged(req, res, (page) => roster.pageTeams(req.params.projectId, page, teamEmployer(principalOf(req))), byId),
  )

  app.post<{ Body: NewWorker }>(
    '/api/workers',
    { config: { policy: { roles: ['labour_manager', 'team_manager'], write: true, personal: true } },
      schema: {
        tags: ['roster'],
        summary:
          "Register a worker's real-name record; the ID number is checked (GB 11643). Registering the same ID number again answers 200 " +
          'with the worker already registered when the facts stated match, 409 worker_exists_with_different_facts (details.workerId, details.differs) when not',
        body: {
          type: 'object',
          properties: {
            name: personName,
            idNumber: { type: 'string', minLength: 1, maxLength: 32 },
            ethnicity: { type: 'string', maxLength: 32 },
            address: { type: 'string', maxLength: 200 },
            phone: { type: 'string', pattern: '^\\+?\\d{5,20}$' },
            trade: { type: 'string', maxLength: 64 },
            bankName: { type: 'string', minLength: 1, maxLength: 100 },
            cardNo: { type: 'string', pattern: '^[\\d ]{12,23}$' },
          },
          required: ['name', 'idNumber', 'bankName', 'cardNo'],
          additionalProperties: false,
        },
        response: { 200: maskedWorker, 201: maskedWorker, ...errors },
      },
    },
    async (req, res) => {
      const r = await roster.registerWorker(req.body)
      return res.status(registeredStatus(r)).send(presentWorker(r.row))
    },
  )

  app.get<{ Querystring: PageQuery }>(
    '/api/workers',
    { config: { policy: { roles: [], write: false, personal: true } },
      schema: {
        tags: ['roster'],
        summary: 'List workers, masked, oldest first, a page at a time',
        querystring: pageQuery,
        response: { 200: { type: 'array', items: maskedWorker }, ...errors },
      },
    },
    async (req, res) => (await paged(req, res, (page) => roster.pageWorkers(page), byId)).map(presentWorker),
  )

  app.get<{ Params: { workerId: string } }>(
    '/api/workers/:workerId',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor', 'worker'], write: false, personal: true } },
      schema: {
        tags: ['roster'],
        params: { type: 'object', properties: { workerId: idParam }, required: ['workerId'], additionalProperties: false },
        response: { 200: maskedWorker, ...errors },
      },
    },
    async (req) => presentWorker(await roster.worker(req.params.workerId)),
  )

  app.post<{ Params: { workerId: string }; Body: { purpose: string; fields: RevealField[] } }>(
    '/api/workers/:workerId/reveal',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false, personal: true } },
      preHandler: revealLimit(app),
      schema: {
        tags: ['roster'],
        summary: "Reveal a worker's full ID, card or phone number for a stated purpose: logged in the access log as a reveal, rate-limited",
        description:
          'Name only the fields the purpose needs. The access log keeps the caller, the worker and the purpose. ' +
          `At most ${LIMITS.reveals_per_hour} reveals an hour per caller (rejected-input reveals included); past that, 429 too_many_requests.`,
        params: { type: 'object', properties: { workerId: idParam }, required: ['workerId'], additionalProperties: false },
        body: {
          type: 'object',
          properties: {
            purpose: purposeSchema,
            fields: { type: 'array', items: { type: 'string', enum: REVEAL_FIELDS }, minItems: 1, maxItems: REVEAL_FIELDS.length, uniqueItems: true },
          },
          required: ['purpose', 'fields'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            description: 'the fields asked for, in full; phone is null when none is on record',
            properties: { workerId: { type: 'string' }, idNumber: { type: 'string' }, cardNo: { type: 'string' }, phone: { type: ['string', 'null'] } },
            required: ['workerId'],
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const w = await roster.worker(req.params.workerId)
      statePurpose(req, req.body.purpose)
      const full: Record<RevealField, string | null> = { idNumber: w.idNumber, cardNo: w.cardNo, phone: w.phone }
      return { workerId: w.id, ...Object.fromEntries(req.body.fields.map((f) => [f, full[f]])) }
    },
  )

  app.post<{ Params: { workerId: string }; Body: { bankName: string; cardNo: string; reason: string } }>(
    '/api/workers/:workerId/card-changes',
    { config: { policy: { roles: ['labour_manager'], write: true, personal: true } },
      schema: {
        tags: ['roster'],
        summary: "Change a worker's wage card (换卡: lost, closed, another bank), with the reason; the labour manager, who answers for the dedicated account",
        description:
          'The new card is the one payroll sheets prepared from now on, instructions and retries use (an approved sheet instructed later goes to it). ' +
          "The card it replaces stays the worker's: payments already made to it are still theirs in reconciliation. Append-only: each change is kept " +
          'with its author and reason; a wrong change is put right by another. 409 worker_card_unchanged when the card and bank are the ones held.',
        params: { type: 'object', properties: { workerId: idParam }, required: ['workerId'], additionalProperties: false },
        body: {
          type: 'object',
          properties: {
            bankName: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' },
            cardNo: { type: 'string', pattern: '^[\\d ]{12,23}$' },
            reason: { type: 'string', minLength: 1, maxLength: 500, pattern: '\\S' },
          },
          required: ['bankName', 'cardNo', 'reason'],
          additionalProperties: false,
        },
        response: { 201: cardChange, ...errors },
      },
    },
    async (req, res) => res.status(201).send(presentCardChange(await roster.changeWorkerCard(req.params.workerId, req.body, actorOf(principalOf(req))))),
  )

  app.get<{ Params: { workerId: string } }>(
    '/api/workers/:workerId/card-changes',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor', 'worker'], write: false, personal: true } },
      schema: {
        tags: ['roster'],
        summary: "The worker's card changes, oldest first, cards masked",
        params: { type: 'object', properties: { workerId: idParam }, required: ['workerId'], additionalProperties: false },
        response: { 200: { type: 'array', items: cardChange }, ...errors },
      },
    },
    async (req) => {
      const authorOf = authorsFor(req, services)
      return Promise.all((await roster.workerCardChanges(req.params.workerId)).map(async (c) => presentCardChange({ ...c, actor: await authorOf(c.actor) })))
    },
  )

  app.post<{ Params: { projectId: string }; Body: NewEnrolment }>(
    '/api/projects/:projectId/enrolments',
    { config: { policy: { roles: ['labour_manager', 'team_manager'], write: true, personal: true } },
      schema: {
        tags: ['roster'],
        summary: 'Enrol a worker on the project (进场登记) with team and wage terms',
        params: projectParams,
        body: {
          type: 'object',
          properties: {
            workerId: idParam,
            teamId: idParam,
            deviceUserId: { type: 'string', pattern: '^\\S(.*\\S)?$', minLength: 1, maxLength: LIMITS.device_user_id_length_max, description: 'the user id on the site devices; no surrounding spaces' },
            dailyRate: yuan,
            contractNo: { type: 'string', maxLength: 64 },
            safetyTrained: { type: 'boolean' },
            entryDate: date,
            exitDate: date,
          },
          required: ['workerId', 'teamId', 'dailyRate', 'safetyTrained', 'entryDate'],
          additionalProperties: false,
        },
        response: { 201: enrolment, ...errors },
      },
    },
    async (req, res) => {
      const p = principalOf(req)
      const employer = teamEmployer(p)
      // A team manager enrols workers on their own organisation's teams only; another team answers as a missing one.
      if (employer !== undefined) {
        const teamEmployerId = await services.access.repo.teamEmployer(req.params.projectId, req.body.teamId)
        if (teamEmployerId !== employer) {
          if (teamEmployerId !== undefined) await services.accessLog.append(deniedEntry(req, p, 'out_of_scope'))
          throw new AppError('team_not_found')
        }
      }
      try {
        return res.status(201).send(presentEnrolment(await roster.enrol(req.params.projectId, req.body)))
      } catch (err) {
        // The worker's enrolment may be another subcontractor's: its id and exit date are outside this caller's scope,
        // and the return its refusal advises would answer them 404. Say so, naming nothing of that enrolment.
        if (employer !== undefined && err instanceof AppError && err.code === 'enrolment_exists') {
          const existing = (err.details as { enrolmentId?: string } | undefined)?.enrolmentId
          const held = existing === undefined ? undefined : await roster.findEnrolment(req.params.projectId, existing)
          const heldBy = held && (await services.access.repo.teamEmployer(req.params.projectId, held.teamId))
          if (heldBy !== employer) throw new AppError('enrolment_in_other_team')
        }
        throw err
      }
    },
  )

  app.get<{ Params: { projectId: string }; Querystring: PageQuery }>(
    '/api/projects/:projectId/enrolments',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['roster'],
        summary: 'The project roster (花名册), masked, by team and name, a page at a time (`after`: an enrolment id)',
        params: projectParams,
        querystring: pageQuery,
        response: { 200: { type: 'array', items: enrolment }, ...errors },
      },
    },
    async (req, res) =>
      (await paged(req, res, (page) => roster.pageEnrolments(req.params.projectId, page, teamEmployer(principalOf(req))), (r) => r.enrolment.id)).map(({ enrolment: e, worker: w }) => presentEnrolment(e, w)),
  )

  app.post<{ Params: { projectId: string; enrolmentId: string }; Body: { exitDate: string; reason?: string } }>(
    '/api/projects/:projectId/enrolments/:enrolmentId/exit',
    { config: { policy: { roles: ['labour_manager', 'team_manager'], write: true } },
      schema: {
        tags: ['roster'],
        summary: 'Record the exit (退场) date of an enrolment, kept as history with its author',
        description:
          'An exit dated before a day the gates recorded the worker on the project is 409 exit_before_attendance (details.lastAttendedOn) ' +
          'unless `reason` says why those punches were not theirs; the reason is kept with the exit.',
        params: { type: 'object', properties: { projectId: idParam, enrolmentId: idParam }, required: ['projectId', 'enrolmentId'], additionalProperties: false },
        body: { type: 'object', properties: { exitDate: date, reason: { type: 'string', minLength: 1, maxLength: 500, pattern: '\\S' } }, required: ['exitDate'], additionalProperties: false },
        response: { 200: enrolment, ...errors },
      },
    },
    async (req) => {
      const p = principalOf(req)
      await ownTeamsEnrolment(req)
      // An exit recorded after a month was confirmed can change its days: they become adjustments like any late change,
      // written in the exit's transaction.
      const e = await services.timesheets.recordExit(req.params.projectId, req.params.enrolmentId, req.body.exitDate, { ...(req.body.reason === undefined ? {} : { reason: req.body.reason }), actor: actorOf(p) })
      return presentEnrolment(e)
    },
  )

  app.get<{ Params: { projectId: string; enrolmentId: string } }>(
    '/api/projects/:projectId/enrolments/:enrolmentId/exits',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false } },
      schema: {
        tags: ['roster'],
        summary: 'The exits recorded for an enrolment, oldest first: date, author, time, and the reason of one dated before attendance',
        params: { type: 'object', properties: { projectId: idParam, enrolmentId: idParam }, required: ['projectId', 'enrolmentId'], additionalProperties: false },
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: { exitDate: { type: 'string' }, lastAttendedOn: { type: ['string', 'null'] }, reason: { type: ['string', 'null'] }, actor: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
              required: ['exitDate', 'lastAttendedOn', 'reason', 'actor', 'at'],
            },
          },
          ...errors,
        },
      },
    },
    async (req) =>
      (await roster.exitsOf(req.params.projectId, req.params.enrolmentId)).map((x) => ({ exitDate: x.exitDate, lastAttendedOn: x.lastAttendedOn, reason: x.reason === null ? null : maskText(x.reason), actor: x.actor, at: new Date(x.atMs).toISOString() })),
  )

  app.post<{ Params: { projectId: string; enrolmentId: string }; Body: { returnDate: string; reason?: string } }>(
    '/api/projects/:projectId/enrolments/:enrolmentId/return',
    { config: { policy: { roles: ['labour_manager', 'team_manager'], write: true } },
      schema: {
        tags: ['roster'],
        summary: 'Record the return (再次进场) of a worker who exited the project: a new spell on the same enrolment, kept as history with its author',
        description:
          'The exit stays as the end of the spell before (with its settlement deadline); the days between the exit and the return are outside ' +
          'the enrolment, as days after an exit are, and gate punches there count for nothing (punch_after_exit). From the return on the ' +
          'worker is on site again (exitDate null, the break listed in `breaks`); the next exit ends the new spell. A return on or before the ' +
          'exit is 400 return_before_exit; one for a worker not exited is 409 enrolment_not_exited. Confirmed months are re-checked in the ' +
          'same transaction, as for an exit.',
        params: { type: 'object', properties: { projectId: idParam, enrolmentId: idParam }, required: ['projectId', 'enrolmentId'], additionalProperties: false },
        body: { type: 'object', properties: { returnDate: date, reason: { type: 'string', minLength: 1, maxLength: 500, pattern: '\\S' } }, required: ['returnDate'], additionalProperties: false },
        response: { 200: enrolment, ...errors },
      },
    },
    async (req) => {
      await ownTeamsEnrolment(req)
      const e = await services.timesheets.recordReturn(req.params.projectId, req.params.enrolmentId, req.body.returnDate, { ...(req.body.reason === undefined ? {} : { reason: req.body.reason }), actor: actorOf(principalOf(req)) })
      return presentEnrolment(e)
    },
  )

  app.get<{ Params: { projectId: string; enrolmentId: string } }>(
    '/api/projects/:projectId/enrolments/:enrolmentId/returns',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false } },
      schema: {
        tags: ['roster'],
        summary: 'The returns (再次进场) recorded for an enrolment, oldest first: the date, the exit it followed, author, time and reason',
        params: { type: 'object', properties: { projectId: idParam, enrolmentId: idParam }, required: ['projectId', 'enrolmentId'], additionalProperties: false },
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: { returnDate: { type: 'string' }, exitDate: { type: 'string' }, reason: { type: ['string', 'null'] }, actor: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
              required: ['returnDate', 'exitDate', 'reason', 'actor', 'at'],
            },
          },
          ...errors,
        },
      },
    },
    async (req) =>
      (await roster.returnsOf(req.params.projectId, req.params.enrolmentId)).map((x) => ({ returnDate: x.returnDate, exitDate: x.exitDate, reason: x.reason === null ? null : maskText(x.reason), actor: x.actor, at: new Date(x.atMs).toISOString() })),
  )

  app.post<{ Params: { projectId: string; enrolmentId: string }; Body: { previousReturnDate: string; returnDate: string; reason: string } }>(
    '/api/projects/:projectId/enrolments/:enrolmentId/return-date',
    { config: { policy: { roles: ['labour_manager', 'team_manager'], write: true } },
      schema: {
        tags: ['roster'],
        summary: 'Correct the date of a return (再次进场) recorded wrong, kept as history with its author and reason',
        description:
          'The return dated `previousReturnDate` is dated `returnDate` instead; the reason is required. It stays after the exit it follows ' +
          '(400 return_before_exit) and on or before the exit that ends its spell (400 exit_before_entry); the same date again is 400 ' +
          'validation_failed, and no return on `previousReturnDate` is 404 return_not_found (details.returns). Confirmed months are ' +
          're-checked in the same transaction, as for an exit. History: GET …/break-corrections.',
        params: { type: 'object', properties: { projectId: idParam, enrolmentId: idParam }, required: ['projectId', 'enrolmentId'], additionalProperties: false },
        body: {
          type: 'object',
          properties: { previousReturnDate: date, returnDate: date, reason: { type: 'string', minLength: 1, maxLength: 500, pattern: '\\S' } },
          required: ['previousReturnDate', 'returnDate', 'reason'],
          additionalProperties: false,
        },
        response: { 200: enrolment, ...errors },
      },
    },
    async (req) => {
      await ownTeamsEnrolment(req)
      const e = await services.timesheets.correctReturn(req.params.projectId, req.params.enrolmentId, req.body.previousReturnDate, req.body.returnDate, { reason: req.body.reason, actor: actorOf(principalOf(req)) })
      return presentEnrolment(e)
    },
  )

  app.post<{ Params: { projectId: string; enrolmentId: string }; Body: { previousExitDate: string; exitDate: string; reason: string } }>(
    '/api/projects/:projectId/enrolments/:enrolmentId/exit-date',
    { config: { policy: { roles: ['labour_manager', 'team_manager'], write: true } },
      schema: {
        tags: ['roster'],
        summary: 'Correct the date of an exit (退场) recorded wrong, the exit in force or one a return followed, kept as history with its author and reason',
        description:
          'The exit dated `previousExitDate` is dated `exitDate` instead; the reason is required. The exit in force is recorded again as ' +
          'an exit is (GET …/exits, the reason standing for any attendance after it); an exit a return followed is corrected in its break ' +
          '(GET …/break-corrections), on or after the entry or return that began its spell (400 exit_before_entry) and before the return ' +
          'that followed it (400 return_before_exit). The same date again is 400 validation_failed; no exit on `previousExitDate` is 404 ' +
          'exit_not_found (details.exits). Confirmed months are re-checked in the same transaction, as for an exit.',
        params: { type: 'object', properties: { projectId: idParam, enrolmentId: idParam }, required: ['projectId', 'enrolmentId'], additionalProperties: false },
        body: {
          type: 'object',
          properties: { previousExitDate: date, exitDate: date, reason: { type: 'string', minLength: 1, maxLength: 500, pattern: '\\S' } },
          required: ['previousExitDate', 'exitDate', 'reason'],
          additionalProperties: false,
        },
        response: { 200: enrolment, ...errors },
      },
    },
    async (req) => {
      await ownTeamsEnrolment(req)
      const e = await services.timesheets.correctExit(req.params.projectId, req.params.enrolmentId, req.body.previousExitDate, req.body.exitDate, { reason: req.body.reason, actor: actorOf(principalOf(req)) })
      return presentEnrolment(e)
    },
  )

  app.get<{ Params: { projectId: string; enrolmentId: string } }>(
    '/api/projects/:projectId/enrolments/:enrolmentId/break-corrections',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false } },
      schema: {
        tags: ['roster'],
        summary: 'The corrections of an enrolment’s breaks (a return’s date, or the exit before it), oldest first: the break before and after, author, time and reason',
        params: { type: 'object', properties: { projectId: idParam, enrolmentId: idParam }, required: ['projectId', 'enrolmentId'], additionalProperties: false },
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                exitDate: { type: 'string' },
                returnDate: { type: 'string' },
                previousExitDate: { type: 'string' },
                previousReturnDate: { type: 'string' },
                reason: { type: 'string' },
                actor: { type: 'string' },
                at: { type: 'string', format: 'date-time' },
              },
              required: ['exitDate', 'returnDate', 'previousExitDate', 'previousReturnDate', 'reason', 'actor', 'at'],
            },
          },
          ...errors,
        },
      },
    },
    async (req) =>
      (await roster.breakCorrectionsOf(req.params.projectId, req.params.enrolmentId)).map((x) => ({
        exitDate: x.exitDate,
        returnDate: x.returnDate,
        previousExitDate: x.previousExitDate,
        previousReturnDate: x.previousReturnDate,
        reason: maskText(x.reason),
        actor: x.actor,
        at: new Date(x.atMs).toISOString(),
      })),
  )

  app.post<{ Params: { projectId: string; enrolmentId: string }; Body: { entryDate: string; reason: string } }>(
    '/api/projects/:projectId/enrolments/:enrolmentId/entry',
    { config: { policy: { roles: ['labour_manager', 'team_manager'], write: true } },
      schema: {
        tags: ['roster'],
        summary: 'Correct the entry (进场) date of an enrolment entered wrong, kept as history with its author and reason',
        description:
          'Days before the entry date are neither credited nor correctable (date_outside_enrolment): this moves it, either way. The reason is ' +
          'required and kept with the date it replaces. Confirmed months are re-checked in the same transaction, as for an exit: a day ' +
          'now counted (or no longer) becomes an adjustment carried into the open month. An entry after the exit date is 400 exit_before_entry.',
        params: { type: 'object', properties: { projectId: idParam, enrolmentId: idParam }, required: ['projectId', 'enrolmentId'], additionalProperties: false },
        body: { type: 'object', properties: { entryDate: date, reason: { type: 'string', minLength: 1, maxLength: 500, pattern: '\\S' } }, required: ['entryDate', 'reason'], additionalProperties: false },
        response: { 200: enrolment, ...errors },
      },
    },
    async (req) => {
      await ownTeamsEnrolment(req)
      const e = await services.timesheets.correctEntry(req.params.projectId, req.params.enrolmentId, req.body.entryDate, { reason: req.body.reason, actor: actorOf(principalOf(req)) })
      return presentEnrolment(e)
    },
  )

  app.post<{ Params: { projectId: string; enrolmentId: string }; Body: { deviceUserId: string; reason: string } }>(
    '/api/projects/:projectId/enrolments/:enrolmentId/device-user',
    { config: { policy: { roles: ['labour_manager', 'team_manager'], write: true } },
      schema: {
        tags: ['roster'],
        summary: 'Set the user id a worker is enrolled under on the site devices (考勤号): one not given at enrolment, or one typed wrong',
        description:
          'Kept as history with the id it replaces, author, time and the reason (required). Punches already stored stay the worker\'s; from now on ' +
          'frames under the new id are the worker\'s, and frames refused meanwhile as unknown_worker can be taken in again ' +
          '(POST /api/rejected-inputs/{id}/retry). An id another enrolment of the project holds is 409 device_user_id_taken.',
        params: { type: 'object', properties: { projectId: idParam, enrolmentId: idParam }, required: ['projectId', 'enrolmentId'], additionalProperties: false },
        body: {
          type: 'object',
          properties: {
            deviceUserId: { type: 'string', pattern: '^\\S(.*\\S)?$', minLength: 1, maxLength: LIMITS.device_user_id_length_max, description: 'the user id on the site devices; no surrounding spaces' },
            reason: { type: 'string', minLength: 1, maxLength: 500, pattern: '\\S' },
          },
          required: ['deviceUserId', 'reason'],
          additionalProperties: false,
        },
        response: { 200: enrolment, ...errors },
      },
    },
    async (req) => {
      await ownTeamsEnrolment(req)
      return presentEnrolment(await roster.setDeviceUser(req.params.projectId, req.params.enrolmentId, req.body.deviceUserId, { reason: req.body.reason, actor: actorOf(principalOf(req)) }))
    },
  )

  app.get<{ Params: { projectId: string; enrolmentId: string } }>(
    '/api/projects/:projectId/enrolments/:enrolmentId/device-users',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false } },
      schema: {
        tags: ['roster'],
        summary: 'The 考勤号 changes recorded for an enrolment, oldest first: the id, the one it replaced, author, time and reason',
        params: { type: 'object', properties: { projectId: idParam, enrolmentId: idParam }, required: ['projectId', 'enrolmentId'], additionalProperties: false },
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: { deviceUserId: { type: 'string' }, previousDeviceUserId: { type: ['string', 'null'] }, reason: { type: 'string' }, actor: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
              required: ['deviceUserId', 'previousDeviceUserId', 'reason', 'actor', 'at'],
            },
          },
          ...errors,
        },
      },
    },
    async (req) =>
      (await roster.deviceUsersOf(req.params.projectId, req.params.enrolmentId)).map((x) => ({
        deviceUserId: maskText(x.deviceUserId),
        previousDeviceUserId: x.previousDeviceUserId === null ? null : maskText(x.previousDeviceUserId),
        reason: maskText(x.reason),
        actor: x.actor,
        at: new Date(x.atMs).toISOString(),
      })),
  )

  app.get<{ Params: { projectId: string; enrolmentId: string } }>(
    '/api/projects/:projectId/enrolments/:enrolmentId/entries',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false } },
      schema: {
        tags: ['roster'],
        summary: 'The entry-date corrections recorded for an enrolment, oldest first: the date, the one it replaced, author, time and reason',
        params: { type: 'object', properties: { projectId: idParam, enrolmentId: idParam }, required: ['projectId', 'enrolmentId'], additionalProperties: false },
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: { entryDate: { type: 'string' }, previousEntryDate: { type: 'string' }, reason: { type: 'string' }, actor: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
              required: ['entryDate', 'previousEntryDate', 'reason', 'actor', 'at'],
            },
          },
          ...errors,
        },
      },
    },
    async (req) =>
      (await roster.entriesOf(req.params.projectId, req.params.enrolmentId)).map((x) => ({ entryDate: x.entryDate, previousEntryDate: x.previousEntryDate, reason: maskText(x.reason), actor: x.actor, at: new Date(x.atMs).toISOString() })),
  )

  app.post<{ Params: { projectId: string }; Body: NewDevice }>(
    '/api/projects/:projectId/devices',
    { config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        tags: ['roster'],
        summary: 'Register a gate or face terminal; its model picks the codec (devices/README.md). Give installedAt when it replays earlier readings',
        description:
          `${INSTALLED_AT_NOTE} The MQTT password is in the 201 reply only. The same serial again on this project with the same facts ` +
          '(settings, location and installedAt left out are not compared) answers 200 with the device and how it connects, but no password: ' +
          'it is not shown again, and POST …/devices/{deviceId}/credentials issues a new one if it was lost. Different facts, or the serial ' +
          'on another project, are 409 device_exists (details.differs).',
        params: projectParams,
        body: {
          type: 'object',
          properties: {
            serial: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
            model: { type: 'string', minLength: 1, maxLength: 64 },
            settings: { type: 'object', additionalProperties: true },
            location: { type: 'string', maxLength: 200 },
            installedAt: { type: 'string', format: 'date-time', description: INSTALLED_AT_NOTE },
          },
          required: ['serial', 'model'],
          additionalProperties: false,
        },
        response: { 200: deviceRegisteredAgain, 201: deviceWithCredentials, ...errors },
      },
    },
    async (req, res) => {
      const { row: d, created } = await roster.registerDevice(req.params.projectId, req.body)
      if (!created) {
        // A repeat shows no secret, neither the one issued then (only its hash is kept) nor a new one: issuing one would
        // cut off the device already using the first, for a client that only lost a reply.
        const { siteCode } = await roster.project(d.projectId)
        const passwordNote =
          'The password was shown once, in the reply that first registered this device, and is kept only hashed: it is not shown again. ' +
          `If it is lost, POST /api/projects/${d.projectId}/devices/${d.id}/credentials issues a new one (the old one stops working).`
        return res.status(200).send({ ...presentDevice(d), mqtt: { ...connection(siteCode, d), passwordNote } })
      }
      // Not in the registration's transaction: should this fail, the device is registered without a secret, and
      // POST …/credentials issues one.
      const mqtt = await issueCredentials(req, d)
      return res.status(201).send({ ...presentDevice(d), mqtt })
    },
  )

  /** Where and as whom the device connects: its credentials less the password. */
  const connection = (siteCode: string, d: DeviceRow) => ({ username: d.serial, clientId: d.serial, punchTopic: punchTopic(siteCode, d.serial), ackTopic: ackTopic(siteCode, d.serial) })

  /** A new MQTT secret for the device (the one before stops working, and a connection it opened is closed). */
  const issueCredentials = async (req: FastifyRequest, d: DeviceRow) => {
    const { siteCode } = await roster.project(d.projectId)
    const password = await services.access.issueDeviceSecret({ id: d.id, serial: d.serial }, actorOf(principalOf(req)))
    return { ...connection(siteCode, d), password }
  }

  app.post<{ Params: { projectId: string; deviceId: string } }>(
    '/api/projects/:projectId/devices/:deviceId/credentials',
    { config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        tags: ['roster'],
        summary: "Issue the device a new MQTT secret (rotation): the old one stops working and the device's live connection is closed",
        description: 'The new password is in this reply once. Also re-admits a revoked device.',
        params: deviceParams,
        response: { 201: deviceWithCredentials, ...errors },
      },
    },
    async (req, res) => {
      const d = await roster.device(req.params.projectId, req.params.deviceId)
      const mqtt = await issueCredentials(req, d)
      req.log.info({ deviceId: d.id, serial: d.serial }, 'device credentials issued')
      return res.status(201).send({ ...presentDevice(d), mqtt })
    },
  )

  app.post<{ Params: { projectId: string; deviceId: string } }>(
    '/api/projects/:projectId/devices/:deviceId/revoke',
    { config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        tags: ['roster'],
        summary: "Revoke the device's MQTT credentials: its live connection is closed at once and it cannot connect again",
        description: 'Repeating it changes nothing (`revoked` is then false). POST …/credentials issues a new secret and re-admits the device.',
        params: deviceParams,
        response: {
          200: {
            type: 'object',
            properties: { device, revoked: { type: 'boolean', description: 'false when no credential was in force' } },
            required: ['device', 'revoked'],
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const d = await roster.device(req.params.projectId, req.params.deviceId)
      const revoked = await services.access.revokeDevice({ id: d.id, serial: d.serial }, actorOf(principalOf(req)))
      req.log.info({ deviceId: d.id, serial: d.serial, revoked }, 'device credentials revoked')
      return { device: presentDevice(d), revoked }
    },
  )

  app.get<{ Params: { projectId: string }; Querystring: PageQuery }>(
    '/api/projects/:projectId/devices',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false } }, schema: { tags: ['roster'], summary: "The project's devices by serial, a page at a time (`after`: a device id)", params: projectParams, querystring: pageQuery, response: { 200: { type: 'array', items: device }, ...errors } } },
    async (req, res) => (await paged(req, res, (page) => roster.pageDevices(req.params.projectId, page), byId)).map(presentDevice),
  )

  app.post<{ Params: { projectId: string; deviceId: string }; Body: InstallationChange }>(
    '/api/projects/:projectId/devices/:deviceId/installation',
    { config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        tags: ['roster'],
        summary: "Correct a device's installation time; stored readings it clears of before_install are accepted (accept_punch corrections with this author and reason)",
        description:
          'Readings received from now on are judged against the new time. Stored readings marked before_install and not before the new time ' +
          'are counted through an accept_punch correction each (a confirmed month gets adjustments); moving the time later marks nothing already stored. ' +
          'Repeating the request accepts only what is still waiting.',
        params: { type: 'object', properties: { projectId: idParam, deviceId: idParam }, required: ['projectId', 'deviceId'], additionalProperties: false },
        body: {
          type: 'object',
          properties: {
            installedAt: { type: 'string', format: 'date-time' },
            author: { type: 'string', minLength: 1, maxLength: 100 },
            reason: { type: 'string', minLength: 1, maxLength: 500 },
          },
          required: ['installedAt', 'author', 'reason'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              device,
              previousInstalledAt: { type: 'string' },
              punchesAccepted: { type: 'integer' },
              punchesSkipped: { type: 'integer', description: 'cleared readings that could not be accepted (outside the enrolment); they stay suspect' },
              skippedSample: {
                type: 'array',
                items: { type: 'object', properties: { punchId: { type: 'integer' }, workerId: { type: 'string' }, workDate: { type: 'string' }, code: { type: 'string' } } },
              },
              punchesStillBeforeInstall: { type: 'integer' },
            },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const r = await correctInstallation(roster, services.timesheets, req.params.projectId, req.params.deviceId, req.body)
      req.log.info({ deviceId: r.device.id, serial: r.device.serial, installedAtMs: r.device.installedAtMs, previousInstalledAtMs: r.previousInstalledAtMs, author: req.body.author, punchesAccepted: r.punchesAccepted }, 'device installation time corrected')
      return { ...r, device: presentDevice(r.device), previousInstalledAt: new Date(r.previousInstalledAtMs).toISOString() }
    },
  )
}
