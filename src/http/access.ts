/**
 * Enforces every route's policy (src/access/roles.ts) before the route runs:
 * who is calling (session cookie, bearer token or API key), whether the role
 * may call the route at all (403 role_forbidden), and whether what the path
 * names is in the caller's scope (404 as if it did not exist; a bank's foreign
 * account 403 account_scope). It runs on request, before the body is read, so a
 * refused caller cannot make the service buffer a 10 MiB file.
 *
 * A route without a policy cannot be registered: the service does not start.
 *
 * Reads of personal data, every use of an admin's rights and every denial of
 * an authenticated caller are written to the access log before the reply goes
 * out. Requests without valid credentials are logged (pino), not written: the
 * access log must not be a way to fill the disk for anyone who can reach the port.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AccessLog, AccessEntry } from '../access/audit-log.ts'
import { isPublic, scopeOf, type Principal, type RoutePolicy } from '../access/roles.ts'
import type { AccessService, ScopeParams } from '../access/service.ts'
import { AppError } from '../kernel/errors.ts'

export const SESSION_COOKIE = 'wl_session'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route: required on every route (src/access/roles.ts). */
    policy?: RoutePolicy
  }
  interface FastifyRequest {
    /** The authenticated caller; undefined on public routes. */
    principal?: Principal
    /** Ids of records the reply carries, beyond those in the path: written to the access log. */
    accessRecordIds?: string[]
    /** The purpose the caller stated (a reveal): written to the access log. */
    accessPurpose?: string
  }
  interface FastifyInstance {
    /** Every route with its policy, as registered: the role × route matrix test walks it. */
    accessRoutes: Array<{ method: string; url: string; policy: RoutePolicy }>
  }
}

/** Routes added by plugins that cannot carry a policy themselves, and why they are public. */
const PUBLIC_PREFIXES: ReadonlyArray<readonly [string, string]> = [['/docs', 'the API documentation: route shapes, no data']]

/** The principal of a request on a route that is not public (the plugin has set it before the handler runs). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`route ${request.routeOptions.url ?? request.url} runs without a principal: is it public?`)
  return request.principal
}

/**
 * A worker's answer (确认 / 异议) through the app, a kiosk, SMS or WeChat is the worker's own, from their own login;
 * anyone else (a manager, the platform operator) records one only as the paper the worker signed (channel paper). Otherwise a manager's "app" confirmation
 * would stand in the record for the worker's own and lift the worker's dispute.
 */
export function checkAnswerChannel(request: FastifyRequest, channel: string): void {
  const { role } = principalOf(request)
  if (role !== 'worker' && channel !== 'paper') throw new AppError('answer_channel_forbidden', { role, channel, allowed: ['paper'] })
}

export interface AccessPluginOptions {
  access: AccessService
  log: AccessLog
  /** False only for the benchmark's floor: every route answers without credentials. */
  enforce?: boolean
}

/** The caller of every request when access is not enforced (the HTTP benchmark's floor): an admin, unlogged. */
const UNCHECKED: Principal = { kind: 'key', id: 'unchecked', label: 'unchecked', role: 'admin', organisationId: null, regionCode: null, bankCode: null, workerId: null }

const paramIds = (params: unknown): string[] =>
  params && typeof params === 'object' ? Object.values(params as Record<string, unknown>).filter((v): v is string => typeof v === 'string') : []

/** Query-string fields that name a record (a listing filtered by worker, by flag, by project): logged with the path's ids. */
const QUERY_ID_FIELDS = ['projectId', 'workerId', 'flagId'] as const

const queryIds = (query: unknown): string[] =>
  query && typeof query === 'object' ? QUERY_ID_FIELDS.map((f) => (query as Record<string, unknown>)[f]).filter((v): v is string => typeof v === 'string') : []

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/**
 * What a request names, for the scope check: its path's ids, and a worker named in the query string (a listing
 * filtered by worker), which must be in scope like one in the path.
 */
function scopeParams(request: FastifyRequest): ScopeParams {
  const params = (request.params ?? {}) as Record<string, unknown>
  const query = (request.query ?? {}) as Record<string, unknown>
  return { projectId: text(params.projectId), teamId: text(params.teamId), workerId: text(params.workerId) ?? text(query.workerId) }
}

/** The access log row of a request (the path's ids, and those the handler added). */
export function accessEntry(request: FastifyRequest, p: Principal | undefined, action: AccessEntry['action'], status: number, reason: string | null): AccessEntry {
  return {
    actorKind: p ? p.kind : 'anonymous',
    actorId: p?.id ?? null,
    role: p?.role ?? null,
    scope: p ? scopeOf(p) : null,
    action,
    purpose: request.accessPurpose ?? null,
    method: request.method,
    route: request.routeOptions.url ?? request.url,
    status,
    reason,
    recordIds: [...paramIds(request.params), ...queryIds(request.query), ...(request.accessRecordIds ?? [])],
  }
}

/** The row of a denial a handler makes itself (an object whose scope only the handler can tell): 404 unless a 403 code. */
export const deniedEntry = (request: FastifyRequest, p: Principal, reason: string): AccessEntry =>
  accessEntry(request, p, 'denied', reason === 'account_scope' || reason === 'role_forbidden' ? 403 : 404, reason === 'project_not_found' ? 'out_of_scope' : reason)

export function installAccess(app: FastifyInstance, opts: AccessPluginOptions): void {
  const enforce = opts.enforce ?? true
  const routes: FastifyInstance['accessRoutes'] = []
  app.decorate('accessRoutes', routes)
  app.decorateRequest('principal', undefined)
  app.decorateRequest('accessRecordIds', undefined)
  app.decorateRequest('accessPurpose', undefined)

  app.addHook('onRoute', (route) => {
    route.config ??= {}
    const config = route.config as { policy?: RoutePolicy }
    if (!config.policy) {
      const prefix = PUBLIC_PREFIXES.find(([p]) => route.url === p || route.url.startsWith(`${p}/`))
      if (!prefix) throw new Error(`route ${String(route.method)} ${route.url} declares no access policy (config.policy); every route must`)
      config.policy = { public: prefix[1] }
    }
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, policy: config.policy })
  })

  app.addHook('onRequest', async (request) => {
    const policy = request.routeOptions.config.policy
    // No policy: no route matched (the 404 handler), which needs none.
    if (!policy || isPublic(policy)) return
    if (!enforce) {
      request.principal = UNCHECKED
      return
    }
    const named = scopeParams(request)
    // The project the path names is read with the credentials (one statement), for the scope check below.
    const authenticated = await opts.access.authenticateFor(request.headers.authorization, request.cookies?.[SESSION_COOKIE], named.projectId)
    if ('failure' in authenticated) {
      request.log.warn({ code: 'access_unauthenticated', reason: authenticated.failure, route: request.routeOptions.url, ip: request.ip }, 'request without valid credentials')
      throw new AppError('unauthenticated', { reason: authenticated.failure })
    }
    const auth = authenticated.principal
    request.principal = auth
    if (auth.role !== 'admin' && !policy.roles.includes(auth.role)) {
      await opts.log.append(accessEntry(request, auth, 'denied', 403, 'role_forbidden'))
      throw new AppError('role_forbidden', { role: auth.role, allowed: ['admin', ...policy.roles] })
    }
    const denial = await opts.access.checkScope(auth, named, authenticated.project)
    if (denial) {
      await opts.log.append(accessEntry(request, auth, 'denied', denial.status, denial.reason))
      throw new AppError(denial.code, denial.details)
    }
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const policy = request.routeOptions.config.policy
    const p = request.principal
    if (!policy || isPublic(policy) || !p || !enforce || reply.statusCode >= 400) return payload
    const action: AccessEntry['action'] = request.accessPurpose !== undefined ? 'reveal' : policy.write ? 'write' : 'read'
    if (policy.personal || p.role === 'admin' || action === 'reveal') await opts.log.append(accessEntry(request, p, action, reply.statusCode, null))
    return payload
  })
}
