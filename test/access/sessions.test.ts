/**
 * Sessions and keys (issue 9): logging in for pages (an HttpOnly, Secure, SameSite=Strict cookie) and for scripts
 * (a bearer token); logout, a disabled login and a revoked key take effect on the very next request; expired and
 * forged credentials are refused with the reason; an API key is shown once and listed by its prefix only; repeated
 * wrong passwords back off per login (429 with Retry-After, even for the right password until the wait passes), and
 * one address is limited whatever the login names.
 */
import t from 'tap'
import { q } from '../../src/db/database.ts'
import { LIMITS } from '../../src/config/limits.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import type { Api } from '../../simulators/api.ts'
import { startTestServer } from '../helpers/server.ts'
import { creditCode } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { createKey, createLogin, PASSWORD } from './helpers/site.ts'

/** A general contractor, for labour managers' logins. */
const contractor = async (api: Api, seed: number): Promise<string> =>
  (await api.post<{ id: string }>('/api/organisations', { kind: 'general_contractor', name: `总包 ${seed}`, creditCode: creditCode(new Rng(seed)) })).id

interface Reply {
  status: number
  headers: Headers
  body: { error?: { code: string; details?: { reason?: string; retryAfterSeconds?: number } } } & Record<string, unknown>
}

async function send(api: Api, method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const res = await fetch(api.baseUrl + path, {
    method,
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: (text === '' ? {} : JSON.parse(text)) as Reply['body'] }
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })
const login = (api: Api, name: string, password: string, mode?: 'cookie' | 'bearer'): Promise<Reply> => send(api, 'POST', '/api/session', { body: { login: name, password, ...(mode ? { mode } : {}) } })

t.test('sessions: bearer and cookie, logout, disabled logins, expiry, forgeries', async (t) => {
  const clock = new ManualClock(Date.now())
  const { api } = await startTestServer(t, { clock })
  const userId = await createLogin(api, 'auditor.hz', 'auditor', { regionCode: '3301' })

  // Bearer: a token in the reply, sent as Authorization.
  const b = await login(api, 'auditor.hz', PASSWORD, 'bearer')
  t.equal(b.status, 200)
  const token = b.body.token as string
  t.match(token, /^wls_[A-Za-z0-9_-]{43}$/, 'a session token, recognisable by its prefix')
  t.notOk(b.headers.get('set-cookie'), 'bearer mode sets no cookie')
  t.match(b.body.user, { login: 'auditor.hz', role: 'auditor', scope: 'region:3301' })
  t.notOk(JSON.stringify(b.body).includes('passwordHash') || JSON.stringify(b.body).includes('$argon2'), 'no password hash in the reply')
  t.match(await send(api, 'GET', '/api/me', { headers: bearer(token) }), { status: 200, body: { kind: 'user', label: 'auditor.hz', role: 'auditor', regionCode: '3301', scope: 'region:3301' } })

  // Cookie: HttpOnly, Secure, SameSite=Strict; no token in the body.
  const c = await login(api, 'auditor.hz', PASSWORD, 'cookie')
  t.equal(c.status, 200)
  t.notOk('token' in c.body, 'cookie mode puts no token in the body (scripts on the page cannot read it)')
  const setCookie = c.headers.get('set-cookie') ?? ''
  t.match(setCookie, /^wl_session=wls_[A-Za-z0-9_-]{43};/, 'the session cookie')
  t.match(setCookie, /;\s*HttpOnly/i, 'HttpOnly')
  t.match(setCookie, /;\s*Secure/i, 'Secure')
  t.match(setCookie, /;\s*SameSite=Strict/i, 'SameSite=Strict')
  t.match(setCookie, /;\s*Path=\//i, 'for the whole site')
  const cookie = setCookie.split(';')[0] as string
  t.match(await send(api, 'GET', '/api/me', { headers: { cookie } }), { status: 200, body: { label: 'auditor.hz' } }, 'the cookie authenticates')

  // Logout ends the session at once: the same token, the same cookie, refused on the next request.
  t.equal((await send(api, 'DELETE', '/api/session', { headers: bearer(token) })).status, 204)
  t.match(await send(api, 'GET', '/api/me', { headers: bearer(token) }), { status: 401, body: { error: { code: 'unauthenticated', details: { reason: 'revoked' } } } }, 'the token is refused at once after logout')
  const out = await send(api, 'DELETE', '/api/session', { headers: { cookie } })
  t.equal(out.status, 204)
  t.match(out.headers.get('set-cookie') ?? '', /^wl_session=;/, 'logout clears the cookie')
  t.match(await send(api, 'GET', '/api/me', { headers: { cookie } }), { status: 401, body: { error: { details: { reason: 'revoked' } } } }, 'and the cookie kept by a client is refused')

  // Disabling a login ends every session it has, and it cannot log in again.
  const s1 = (await login(api, 'auditor.hz', PASSWORD)).body.token as string
  const s2 = (await login(api, 'auditor.hz', PASSWORD)).body.token as string
  t.match(await api.post(`/api/users/${userId}/disable`, {}), { id: userId, disabledAt: String })
  for (const s of [s1, s2]) t.match(await send(api, 'GET', '/api/me', { headers: bearer(s) }), { status: 401, body: { error: { code: 'unauthenticated' } } }, 'a disabled login’s sessions end at once')
  t.match(await login(api, 'auditor.hz', PASSWORD), { status: 401, body: { error: { code: 'login_failed' } } }, 'and it cannot log in')

  // A session lasts session_ttl_ms, then is refused as expired.
  await createLogin(api, 'worker.lm', 'labour_manager', { organisationId: await contractor(api, 1) })
  const fresh = (await login(api, 'worker.lm', PASSWORD)).body.token as string
  clock.advance(LIMITS.session_ttl_ms - 1)
  t.equal((await send(api, 'GET', '/api/me', { headers: bearer(fresh) })).status, 200, 'still in force a moment before it ends')
  clock.advance(1)
  t.match(await send(api, 'GET', '/api/me', { headers: bearer(fresh) }), { status: 401, body: { error: { details: { reason: 'expired' } } } }, 'expired after session_ttl_ms')

  // Forgeries.
  const forged: Array<[string, Record<string, string>, string]> = [
    ['a made-up session token', bearer(`wls_${'A'.repeat(43)}`), 'unknown'],
    ['a session token with one character changed', bearer(`${fresh.slice(0, -1)}${fresh.endsWith('A') ? 'B' : 'A'}`), 'unknown'],
    ['a made-up API key', bearer(`wlk_0123456789_${'x'.repeat(43)}`), 'unknown'],
    ['not a bearer token', { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }, 'malformed'],
    ['a token of no known kind', bearer('eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYWRtaW4ifQ.'), 'malformed'],
    ['a made-up cookie', { cookie: `wl_session=wls_${'B'.repeat(43)}` }, 'unknown'],
    ['nothing', {}, 'missing'],
  ]
  for (const [what, headers, reason] of forged) {
    t.match(await send(api, 'GET', '/api/me', { headers }), { status: 401, body: { error: { code: 'unauthenticated', details: { reason } } } }, `${what}: 401 ${reason}`)
  }

  // A login's scope names something that exists, of the right kind.
  const admin = bearer(api.token as string)
  const user = (body: Record<string, unknown>) => send(api, 'POST', '/api/users', { headers: admin, body: { displayName: 'x', password: PASSWORD, ...body } })
  t.match(await user({ login: 'lm.nowhere', role: 'labour_manager', organisationId: 'no-such-org' }), { status: 404, body: { error: { code: 'organisation_not_found' } } })
  const sub = (await api.post<{ id: string }>('/api/organisations', { kind: 'subcontractor', name: '劳务', creditCode: creditCode(new Rng(9)) })).id
  t.match(await user({ login: 'lm.sub', role: 'labour_manager', organisationId: sub }), { status: 400, body: { error: { code: 'organisation_wrong_kind' } } }, "a labour manager works for a GC or a construction unit")
  t.match(await user({ login: 'tm.sub', role: 'team_manager', organisationId: sub }), { status: 201 }, 'a team manager for a subcontractor')
  t.match(await user({ login: 'worker.nobody', role: 'worker', workerId: 'no-such-worker' }), { status: 404, body: { error: { code: 'worker_not_found' } } })
  t.match(await user({ login: 'auditor.x', role: 'auditor' }), { status: 400, body: { error: { code: 'login_invalid' } } }, 'an auditor needs a region')
  t.match(await user({ login: 'tm.sub', role: 'team_manager', organisationId: sub }), { status: 409, body: { error: { code: 'login_exists' } } })
  t.match(await user({ login: 'short.pw', role: 'admin', password: 'short' }), { status: 400 }, 'a password of 12 characters at least')
})

t.test('API keys: shown once, listed by prefix, revoked and expired at once', async (t) => {
  const clock = new ManualClock(Date.now())
  const { api, services } = await startTestServer(t, { clock })
  const bank = await createKey(api, 'bank 103 result files', 'bank', { bankCode: '103' }, 30)
  t.match(bank.key, /^wlk_[0-9a-f]{10}_[A-Za-z0-9_-]{43}$/, 'the key, with its visible prefix')
  t.ok(bank.key.startsWith(`${bank.prefix}_`), 'the prefix is the start of the key')

  const listed = await api.getAll<Record<string, unknown>>('/api/api-keys')
  const row = listed.find((k) => k.id === bank.id)
  t.match(row, { prefix: bank.prefix, name: 'bank 103 result files', role: 'bank', scope: 'bank:103', revokedAt: null })
  t.notOk(JSON.stringify(listed).includes(bank.key.slice(bank.prefix.length + 1)), 'the list never shows the key')
  const stored = await services.db.all<Record<string, unknown>>(q('SELECT * FROM api_keys'))
  t.notOk(JSON.stringify(stored).includes(bank.key.slice(bank.prefix.length + 1)), 'nor does the database hold it (only its hash)')

  const asBank = api.as(bank.key)
  t.match(await asBank.get('/api/me'), { kind: 'key', role: 'bank', bankCode: '103', label: bank.prefix })

  // Revoked: refused on the next request.
  const other = await createKey(api, 'integration', 'auditor', { regionCode: '33' })
  t.match(await api.post(`/api/api-keys/${other.id}/revoke`, {}), { id: other.id, revokedAt: String })
  t.match(await send(api, 'GET', '/api/me', { headers: bearer(other.key) }), { status: 401, body: { error: { details: { reason: 'revoked' } } } }, 'a revoked key is refused at once')
  t.match(await send(api, 'POST', `/api/api-keys/${newMissing()}/revoke`, { headers: bearer(api.token as string), body: {} }), { status: 404, body: { error: { code: 'api_key_not_found' } } })

  // Expired after its days.
  clock.advance(30 * 86_400_000 - 1)
  t.equal((await send(api, 'GET', '/api/me', { headers: bearer(bank.key) })).status, 200, 'in force on its last moment')
  clock.advance(1)
  t.match(await send(api, 'GET', '/api/me', { headers: bearer(bank.key) }), { status: 401, body: { error: { details: { reason: 'expired' } } } }, 'expired after its days')

  // A key is for machines: no worker keys, no keys for longer than the limit.
  t.match(await send(api, 'POST', '/api/api-keys', { headers: bearer(api.token as string), body: { name: 'x', role: 'worker' } }), { status: 400 })
  t.match(await send(api, 'POST', '/api/api-keys', { headers: bearer(api.token as string), body: { name: 'x', role: 'bank', bankCode: '103', days: LIMITS.api_key_days_max + 1 } }), { status: 400 })
  t.match(await send(api, 'POST', '/api/api-keys', { headers: bearer(api.token as string), body: { name: 'x', role: 'bank' } }), { status: 400, body: { error: { code: 'login_invalid' } } }, 'a bank key needs its bank code')
})

/** The pages' sign-in form, as a browser posts it: the same back-off and the same per-address budget as the API's. */
async function formSignIn(api: Api, login: string, password: string): Promise<{ status: number; retryAfter: string | null; text: string }> {
  const res = await fetch(`${api.baseUrl}/pages/sign-in`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html' }, body: new URLSearchParams({ login, password }) })
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() }
}

const newMissing = (): string => '01900000-0000-7000-8000-000000000000'

t.test('brute force: per-login back-off, and the right password waits too', async (t) => {
  const clock = new ManualClock(Date.now())
  const { api } = await startTestServer(t, { clock })
  await createLogin(api, 'lm.target', 'labour_manager', { organisationId: await contractor(api, 2) })

  for (let i = 1; i <= LIMITS.login_failures_free; i++) t.match(await login(api, 'lm.target', 'wrong password!'), { status: 401, body: { error: { code: 'login_failed' } } }, `wrong password ${i}: 401`)
  const held = await login(api, 'lm.target', 'wrong password!')
  t.equal(held.status, 429, 'past the free failures: 429')
  t.equal(held.body.error?.code, 'too_many_requests')
  t.equal(held.headers.get('retry-after'), '1', 'Retry-After: 1 s at first')
  t.equal((await login(api, 'lm.target', PASSWORD)).status, 429, 'the right password is refused too while the wait runs')
  t.equal((await login(api, 'another.login', PASSWORD)).status, 401, 'another login is not held back (login_failed: it does not exist)')
  const form = await formSignIn(api, 'lm.target', PASSWORD)
  t.equal(form.status, 429, 'the sign-in form holds the same login back: one back-off for every way in')
  t.equal(form.retryAfter, '1')
  t.match(form.text, /尝试次数过多，请 1 秒后再试/)

  clock.advance(1_000)
  t.equal((await login(api, 'lm.target', 'wrong password!')).status, 401, 'after the wait, one more try')
  const longer = await login(api, 'lm.target', PASSWORD)
  t.equal(longer.status, 429, 'and another failure doubles the wait')
  t.equal(longer.headers.get('retry-after'), '2')
  clock.advance(1_999)
  t.equal((await login(api, 'lm.target', PASSWORD)).status, 429, 'still refused a moment before the wait ends')
  clock.advance(1)
  t.equal((await login(api, 'lm.target', PASSWORD)).status, 200, 'the right password once the wait has passed')
  t.equal((await login(api, 'lm.target', 'wrong password!')).status, 401, 'a success forgets the failures: the next failure is free again')
})

t.test('brute force: one address is limited whatever login it names', async (t) => {
  const { api } = await startTestServer(t)
  const statuses: number[] = []
  let limited: Reply | undefined
  for (let i = 0; i < LIMITS.login_attempts_per_minute + 1; i++) {
    const r = await login(api, `guess.${i}`, 'wrong password!')
    statuses.push(r.status)
    if (r.status === 429) limited = r
  }
  t.same(statuses.slice(0, LIMITS.login_attempts_per_minute), Array(LIMITS.login_attempts_per_minute).fill(401), `${LIMITS.login_attempts_per_minute} attempts a minute answered`)
  t.equal(statuses.at(-1), 429, 'the next: 429')
  t.equal(limited?.body.error?.code, 'too_many_requests')
  t.ok(Number(limited?.headers.get('retry-after')) > 0, 'with Retry-After')
  await createLogin(api, 'lm.real', 'labour_manager', { organisationId: await contractor(api, 3) })
  t.equal((await login(api, 'lm.real', PASSWORD)).status, 429, 'even a right password, from that address, waits')
  t.equal((await formSignIn(api, 'lm.real', PASSWORD)).status, 429, 'and the sign-in form shares the budget: the address cannot switch doors')
  t.equal((await send(api, 'GET', '/api/me', { headers: bearer(api.token as string) })).status, 200, 'other routes are not limited')
})
