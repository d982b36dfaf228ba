/**
 * The role × route matrix (issue 9): every route as registered carries a policy (and the access plugin refuses a
 * route without one), and every route answers every role as its policy says: a role outside it gets 403
 * role_forbidden before the request is even validated, a role inside it never gets 401 or 403 on a project of its
 * scope, and a caller without credentials gets 401 on every route that is not public.
 */
import Fastify from 'fastify'
import t from 'tap'
import { ROLES, isPublic, type Role, type RoutePolicy } from '../../src/access/roles.ts'
import { installAccess } from '../../src/http/access.ts'
import { startTestServer } from '../helpers/server.ts'
import { createKey, createLogin, DAY, logIn, MONTH, PASSWORD, postPayoutFile, registerAccessSite, type AccessSite } from './helpers/site.ts'

t.test('every registered route declares a policy', async (t) => {
  const { app, services } = await startTestServer(t)
  t.ok(app.accessRoutes.length > 50, `${app.accessRoutes.length} routes registered`)
  for (const r of app.accessRoutes) {
    const p: RoutePolicy | undefined = r.policy
    const ok = p !== undefined && (isPublic(p) ? p.public.length > 0 : Array.isArray(p.roles) && p.roles.every((role) => ROLES.includes(role)) && typeof p.write === 'boolean')
    if (!ok) t.fail(`${r.method} ${r.url} has no valid policy`, { policy: p })
    if (!app.hasRoute({ method: r.method, url: r.url })) t.fail(`${r.method} ${r.url} is listed but not routed`)
  }
  t.pass('each has one')

  // The plugin refuses a route without a policy: the service would not start with one.
  const bare = Fastify({ logger: false })
  installAccess(bare, { access: services.access, log: services.accessLog })
  bare.get('/with', { config: { policy: { public: 'a test route' } } }, async () => 'ok')
  t.throws(() => bare.get('/without', async () => 'no policy'), /GET \/without declares no access policy/, 'a route without a policy cannot be registered')
  await t.rejects(
    async () => {
      await bare.register(async (child) => {
        child.post('/in-a-plugin', async () => 'no policy')
      })
    },
    /POST \/in-a-plugin declares no access policy/,
    'nor inside a plugin: the app does not boot',
  )
  await bare.close().catch(() => {})
})

/**
 * Calls an auditor makes with a method that could write, and why each is a read: a reveal (the full values, with a
 * stated purpose, logged) and logging out (ends the caller's own session, changes nothing of the ledger).
 */
const AUDITOR_NON_GET_READS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^POST .*\/reveal$/, 'a reveal: reads the full values with a stated purpose'],
  [/^DELETE \/api\/session$/, 'logging out: ends its own session'],
]

t.test('an auditor never writes: no write route admits the auditor role', async (t) => {
  // Issue 9: the inspector reads everything of the region, never writes; "auditor POSTs → 403". The matrix below
  // checks each route against its own policy; this checks the policies against that rule.
  const { app } = await startTestServer(t)
  const offending: string[] = []
  for (const r of app.accessRoutes) {
    if (isPublic(r.policy) || !r.policy.roles.includes('auditor')) continue
    const route = `${r.method} ${r.url}`
    if (r.policy.write) offending.push(`${route}: a write route (policy.write) admits auditor`)
    else if (!['GET', 'HEAD'].includes(r.method) && !AUDITOR_NON_GET_READS.some(([re]) => re.test(route))) offending.push(`${route}: a ${r.method} route admits auditor; if it is a read, say why in AUDITOR_NON_GET_READS`)
  }
  t.same(offending, [], 'every route that admits an auditor is a read')
})

type Caller = Role | 'anonymous'

t.test('role × route: every route answers every role as its policy says', async (t) => {
  const { app, api, services } = await startTestServer(t)
  const site: AccessSite = await registerAccessSite(api, { tag: 'MX-1', regionCode: '330106', bankCode: '103331000011', seed: 701 })

  const bank = await createKey(api, 'bank 103', 'bank', { bankCode: '103' })
  await postPayoutFile(api.as(bank.key), api, site, 701)
  // A refused bank file: a rejected input of this project, for the routes that read one by id.
  const refused = await api.as(bank.key).fetch(`/api/projects/${site.projectId}/payout-files?period=${MONTH}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'not a bank file\r\n' })
  t.equal(refused.status, 422, 'a file that is not one is refused and kept')
  const rejected = await api.get<Array<{ id: number }>>(`/api/rejected-inputs?projectId=${site.projectId}`)
  t.ok(rejected[0], 'the refused file is a rejected input of the project')

  await createLogin(api, 'lm.gc', 'labour_manager', { organisationId: site.generalContractorId })
  await createLogin(api, 'tm.sub', 'team_manager', { organisationId: site.subcontractorId })
  await createLogin(api, 'auditor.3301', 'auditor', { regionCode: '3301' })
  await createLogin(api, 'worker.1', 'worker', { workerId: site.workerId })
  const tokens: Record<Caller, string | undefined> = {
    admin: api.token,
    labour_manager: await logIn(api, 'lm.gc'),
    team_manager: await logIn(api, 'tm.sub'),
    bank: bank.key,
    auditor: await logIn(api, 'auditor.3301'),
    worker: await logIn(api, 'worker.1'),
    anonymous: undefined,
  }
  const logins: Partial<Record<Caller, string>> = { labour_manager: 'lm.gc', team_manager: 'tm.sub', auditor: 'auditor.3301', worker: 'worker.1' }
  // Things the admin's calls may change without harm: a login to disable, a key to revoke.
  const victim = await createLogin(api, 'matrix.victim', 'auditor', { regionCode: '33' })
  const spareKey = await createKey(api, 'matrix spare', 'auditor', { regionCode: '33' })

  const values: Record<string, string | undefined> = {
    projectId: site.projectId,
    // The worker's own page names its project `project` (src/pages/worker.ts says why).
    project: site.projectId,
    teamId: site.teamId,
    workerId: site.workerId,
    enrolmentId: site.enrolmentId,
    deviceId: site.deviceId,
    // The site's gate (registerAccessSite names it GT-<tag>).
    serial: 'GT-MX-1',
    fileId: site.fileId,
    flagId: site.flagId,
    // Made-up ids: the role check runs before the handler, so an allowed role gets a 404, never a 401 or 403.
    quantityId: '01900000-0000-7000-8000-000000000001',
    instructionId: '01900000-0000-7000-8000-000000000000',
    caseId: '0123456789abcdef0123456789abcdef',
    recordId: '1',
    webhookId: '01900000-0000-7000-8000-000000000002',
    clueId: '01900000-0000-7000-8000-000000000003',
    incidentId: '01900000-0000-7000-8000-000000000004',
    creditRecordId: '01900000-0000-7000-8000-000000000005',
    // Outside signals and the risk index (issue 15): an import that does not exist, an employer nobody reported.
    importId: '01900000-0000-7000-8000-000000000006',
    creditCode: '91330106MA2B3C4D5E',
    month: MONTH,
    date: DAY,
    id: String(rejected[0]?.id),
    userId: victim,
    keyId: spareKey.id,
    '*': 'index.html',
  }
  const urlOf = (pattern: string): string | undefined => {
    let missing = false
    const url = pattern.replace(/:([A-Za-z]+)|\*/g, (m: string, name: string | undefined) => {
      const v = values[name ?? m]
      if (v === undefined) missing = true
      return encodeURIComponent(v ?? '')
    })
    return missing ? undefined : url
  }

  const callers: Caller[] = [...ROLES, 'anonymous']
  let checked = 0
  const failures: string[] = []
  for (const route of app.accessRoutes) {
    const url = urlOf(route.url)
    if (url === undefined) {
      failures.push(`${route.method} ${route.url}: the matrix has no value for one of its path parameters; add it to \`values\``)
      continue
    }
    for (const caller of callers) {
      let token = tokens[caller]
      // Logging out ends the session it is called with: use one made for this call.
      if (route.method === 'DELETE' && route.url === '/api/session' && logins[caller] !== undefined) {
        token = (await services.access.login(logins[caller], PASSWORD, 'bearer'))?.token
      }
      const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? '{}' : undefined
      const res = await fetch(api.baseUrl + url, {
        method: route.method,
        headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body,
      })
      const text = await res.text()
      const code = (res.headers.get('content-type') ?? '').startsWith('application/json') && text !== '' ? (JSON.parse(text) as { error?: { code?: string } }).error?.code : undefined
      const what = `${caller} ${route.method} ${url}: ${res.status} ${code ?? ''}`
      const allowed = isPublic(route.policy) || caller === 'admin' || (caller !== 'anonymous' && route.policy.roles.includes(caller))
      if (isPublic(route.policy)) {
        if (res.status === 401 || res.status === 403) failures.push(`${what} (public route)`)
      } else if (caller === 'anonymous') {
        if (res.status !== 401 || (route.method !== 'HEAD' && code !== 'unauthenticated')) failures.push(`${what} (expected 401 unauthenticated)`)
      } else if (allowed) {
        if (res.status === 401 || res.status === 403) failures.push(`${what} (the role is in the policy)`)
      } else if (res.status !== 403 || (route.method !== 'HEAD' && code !== 'role_forbidden')) {
        failures.push(`${what} (expected 403 role_forbidden)`)
      }
      checked++
    }
  }
  t.same(failures, [], 'every route answers every caller as its policy says')
  const routes = app.accessRoutes.length
  t.equal(checked, routes * callers.length)
  t.comment(`role × route matrix: ${routes} routes × ${callers.length} callers (${ROLES.length} roles and anonymous) = ${checked} checks`)
})
