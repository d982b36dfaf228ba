/**
 * Logins, sessions and API keys: logging in and out, who am I, and the
 * admin's management of people and machine keys. A secret (a session token,
 * an API key) is in a reply once, when it is made, and never again.
 */
import type { FastifyInstance } from 'fastify'
import { LIMITS } from '../../config/limits.ts'
import { ROLES, scopeOf, type Principal, type Role } from '../../access/roles.ts'
import type { ApiKeyRow, UserRow } from '../../access/repository.ts'
import { AppError } from '../../kernel/errors.ts'
import type { Services } from '../../services.ts'
import { principalOf, SESSION_COOKIE } from '../access.ts'
import { setSessionCookie, signInLimit } from '../sign-in.ts'
import { linkNext, pageOf } from '../paging.ts'
import { errors, idParam, limitQuery } from '../schemas.ts'

const roleSchema = { type: 'string', enum: ROLES } as const
const scopeFields = {
  organisationId: { type: 'string', minLength: 1, maxLength: 64, description: 'labour_manager, team_manager: their organisation' },
  regionCode: { type: 'string', pattern: '^\\d{2}(\\d{2}){0,2}$', description: 'auditor: GB/T 2260 region code prefix (33, 3301, 330102)' },
  workerId: { type: 'string', minLength: 1, maxLength: 64, description: 'worker: their own worker id' },
  bankCode: { type: 'string', pattern: '^\\d{3,12}$', description: 'bank: the first digits of its 联行号 (CNAPS code); 3 digits are the whole bank' },
} as const

const user = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    login: { type: 'string' },
    displayName: { type: 'string' },
    role: { type: 'string' },
    scope: { type: 'string' },
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
    disabledAt: { type: ['string', 'null'] },
  },
} as const

const apiKey = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    prefix: { type: 'string', description: 'the first characters of the key, to tell keys apart; the key itself is never shown again' },
    name: { type: 'string' },
    role: { type: 'string' },
    scope: { type: 'string' },
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
    expiresAt: { type: 'string' },
    revokedAt: { type: ['string', 'null'] },
  },
} as const

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

const scopeOfRow = (r: { role: Role; organisationId: string | null; regionCode: string | null; bankCode: string | null; workerId?: string | null }): string =>
  scopeOf({ kind: 'user', id: '', label: '', role: r.role, organisationId: r.organisationId, regionCode: r.regionCode, bankCode: r.bankCode, workerId: r.workerId ?? null })

export function presentUser(u: UserRow) {
  return { id: u.id, login: u.login, displayName: u.displayName, role: u.role, scope: scopeOfRow(u), createdAt: iso(u.createdAtMs), createdBy: u.createdBy, disabledAt: iso(u.disabledAtMs) }
}

function presentKey(k: ApiKeyRow) {
  return { id: k.id, prefix: k.prefix, name: k.name, role: k.role, scope: scopeOfRow(k), createdAt: iso(k.createdAtMs), createdBy: k.createdBy, expiresAt: iso(k.expiresAtMs), revokedAt: iso(k.revokedAtMs) }
}

/** Who did it, as the ledger's author columns record it: the login or the key's prefix. */
export const actorOf = (p: Principal): string => `${p.kind}:${p.label}`

const pageQuery = { type: 'object', properties: { after: idParam, limit: limitQuery }, additionalProperties: false } as const

export async function accessRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { access } = services

  app.post<{ Body: { login: string; password: string; mode?: 'cookie' | 'bearer' } }>(
    '/api/session',
    {
      config: { policy: { public: 'logging in: the credentials are the request' } },
      // The same per-address budget as the sign-in form's: one store for both.
      preHandler: signInLimit(app),
      schema: {
        tags: ['access'],
        summary: 'Log in: a session cookie (HttpOnly, Secure, SameSite=Strict) for pages, or a bearer token for scripts',
        body: {
          type: 'object',
          properties: {
            login: { type: 'string', minLength: 1, maxLength: 100 },
            password: { type: 'string', minLength: 1, maxLength: 1_000 },
            mode: { type: 'string', enum: ['cookie', 'bearer'], default: 'bearer' },
          },
          required: ['login', 'password'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: { token: { type: 'string', description: 'bearer mode only: send as `Authorization: Bearer <token>`' }, expiresAt: { type: 'string' }, user },
          },
          ...errors,
        },
      },
    },
    async (req, res) => {
      const { login, password } = req.body
      const mode = req.body.mode ?? 'bearer'
      const attempt = await access.signIn(login, password, mode)
      if (!attempt.ok && attempt.reason === 'throttled') {
        void res.header('retry-after', String(attempt.retryAfterSeconds))
        throw new AppError('too_many_requests', { retryAfterSeconds: attempt.retryAfterSeconds })
      }
      if (!attempt.ok) {
        req.log.warn({ code: 'login_failed', ip: req.ip }, 'login failed')
        throw new AppError('login_failed')
      }
      const { session } = attempt
      const expiresAt = new Date(session.expiresAtMs).toISOString()
      if (mode === 'cookie') {
        setSessionCookie(res, session, services.clock.nowMs())
        return { expiresAt, user: presentUser(session.user) }
      }
      return { token: session.token, expiresAt, user: presentUser(session.user) }
    },
  )

  app.delete(
    '/api/session',
    {
      config: { policy: { roles: ['labour_manager', 'team_manager', 'bank', 'auditor', 'worker'], write: false } },
      schema: { tags: ['access'], summary: 'Log out: the session ends at once, on every instance', response: { 204: { type: 'null' }, ...errors } },
    },
    async (req, res) => {
      await access.logout(principalOf(req))
      void res.clearCookie(SESSION_COOKIE, { path: '/' })
      return res.status(204).send()
    },
  )

  app.get(
    '/api/me',
    {
      config: { policy: { roles: ['labour_manager', 'team_manager', 'bank', 'auditor', 'worker'], write: false } },
      schema: {
        tags: ['access'],
        summary: 'Who am I: role and scope of the credentials sent',
        response: {
          200: {
            type: 'object',
            properties: {
              kind: { type: 'string' },
              id: { type: 'string' },
              label: { type: 'string' },
              role: { type: 'string' },
              scope: { type: 'string' },
              organisationId: { type: ['string', 'null'] },
              regionCode: { type: ['string', 'null'] },
              bankCode: { type: ['string', 'null'] },
              workerId: { type: ['string', 'null'] },
            },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const p = principalOf(req)
      return { kind: p.kind, id: p.id, label: p.label, role: p.role, scope: scopeOf(p), organisationId: p.organisationId, regionCode: p.regionCode, bankCode: p.bankCode, workerId: p.workerId }
    },
  )

  // The admin's: people ------------------------------------------------------------------------------------------------

  app.post<{ Body: { login: string; displayName: string; password: string; role: Role; organisationId?: string; regionCode?: string; workerId?: string; bankCode?: string } }>(
    '/api/users',
    {
      config: { policy: { roles: [], write: true } },
      schema: {
        tags: ['access'],
        summary: 'Make a login for a person, with a role and its scope',
        body: {
          type: 'object',
          properties: {
            login: { type: 'string', pattern: '^[A-Za-z0-9._@-]{3,100}$' },
            displayName: { type: 'string', minLength: 1, maxLength: 100 },
            password: { type: 'string', minLength: 12, maxLength: 1_000 },
            role: roleSchema,
            ...scopeFields,
          },
          required: ['login', 'displayName', 'password', 'role'],
          additionalProperties: false,
        },
        response: { 201: user, ...errors },
      },
    },
    async (req, res) => res.status(201).send(presentUser(await access.createUser(req.body, actorOf(principalOf(req))))),
  )

  app.get<{ Querystring: { after?: string; limit: number } }>(
    '/api/users',
    { config: { policy: { roles: [], write: false } }, schema: { tags: ['access'], summary: 'List logins, a page at a time', querystring: pageQuery, response: { 200: { type: 'array', items: user }, ...errors } } },
    async (req, res) => {
      const { page, next } = pageOf(await access.repo.users({ limit: req.query.limit + 1, after: req.query.after }), req.query.limit, (u) => u.id)
      linkNext(req, res, req.query.limit, 'after', next)
      return page.map(presentUser)
    },
  )

  app.post<{ Params: { userId: string } }>(
    '/api/users/:userId/disable',
    {
      config: { policy: { roles: [], write: true } },
      schema: {
        tags: ['access'],
        summary: 'Disable a login: its sessions end at once',
        params: { type: 'object', properties: { userId: idParam }, required: ['userId'], additionalProperties: false },
        response: { 200: user, ...errors },
      },
    },
    async (req) => {
      await access.disableUser(req.params.userId)
      const u = await access.repo.userById(req.params.userId)
      if (!u) throw new AppError('user_not_found')
      return presentUser(u)
    },
  )

  // The admin's: machine keys ------------------------------------------------------------------------------------------

  app.post<{ Body: { name: string; role: Role; organisationId?: string; regionCode?: string; bankCode?: string; days?: number } }>(
    '/api/api-keys',
    {
      config: { policy: { roles: [], write: true } },
      schema: {
        tags: ['access'],
        summary: 'Make an API key for a machine (a bank, an integration): the key is in this reply once, and never shown again',
        body: {
          type: 'object',
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 100 },
            role: { type: 'string', enum: ROLES.filter((r) => r !== 'worker') },
            organisationId: scopeFields.organisationId,
            regionCode: scopeFields.regionCode,
            bankCode: scopeFields.bankCode,
            days: { type: 'integer', minimum: 1, maximum: LIMITS.api_key_days_max, default: LIMITS.api_key_days_default },
          },
          required: ['name', 'role'],
          additionalProperties: false,
        },
        response: { 201: { type: 'object', properties: { key: { type: 'string' }, apiKey }, required: ['key', 'apiKey'] }, ...errors },
      },
    },
    async (req, res) => {
      const { key, row } = await access.createKey(req.body, actorOf(principalOf(req)))
      return res.status(201).send({ key, apiKey: presentKey(row) })
    },
  )

  app.get<{ Querystring: { after?: string; limit: number } }>(
    '/api/api-keys',
    { config: { policy: { roles: [], write: false } }, schema: { tags: ['access'], summary: 'List API keys (prefixes, never the keys)', querystring: pageQuery, response: { 200: { type: 'array', items: apiKey }, ...errors } } },
    async (req, res) => {
      const { page, next } = pageOf(await access.repo.keys({ limit: req.query.limit + 1, after: req.query.after }), req.query.limit, (k) => k.id)
      linkNext(req, res, req.query.limit, 'after', next)
      return page.map(presentKey)
    },
  )

  app.post<{ Params: { keyId: string } }>(
    '/api/api-keys/:keyId/revoke',
    {
      config: { policy: { roles: [], write: true } },
      schema: {
        tags: ['access'],
        summary: 'Revoke an API key: refused from the next request on, on every instance',
        params: { type: 'object', properties: { keyId: idParam }, required: ['keyId'], additionalProperties: false },
        response: { 200: apiKey, ...errors },
      },
    },
    async (req) => {
      await access.revokeKey(req.params.keyId, actorOf(principalOf(req)))
      const k = await access.repo.keyById(req.params.keyId)
      if (!k) throw new AppError('api_key_not_found')
      return presentKey(k)
    },
  )
}
