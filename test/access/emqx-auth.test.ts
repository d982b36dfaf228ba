/**
 * The HTTP authentication and authorization endpoints EMQX calls: who may connect, publish and subscribe, as EMQX 5
 * reads the replies (200 with {"result": "allow" | "deny"}). Fail-closed: whatever goes wrong is a deny, never a
 * 4xx/5xx that EMQX would pass over as "ignore". Without the shared secret a caller is not EMQX (401); without the
 * setting the routes do not exist.
 */
import { sql } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { DEFAULT_SITE, planSite, registerSite, type RegisteredSite } from '../../simulators/site.ts'
import { startTestServer } from '../helpers/server.ts'

const SECRET = 'emqx-shared-secret-of-the-test-0123456789'
const SERVICE = { username: 'wage-ledger', password: 'service-password-for-the-test' }
const GROUP = 'wl-emqx'
const HEADER = 'x-wl-mqtt-auth-secret'

type Reply = { status: number; body: { result?: string; is_superuser?: boolean; error?: { code: string; details?: unknown } } }

/** secret null: the header is left out. */
async function call(baseUrl: string, path: string, body: unknown, secret: string | null = SECRET): Promise<Reply> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret === null ? {} : { [HEADER]: secret }) },
    body: JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Reply['body'] }
}

async function start(t: Test) {
  const server = await startTestServer(t, { config: { mqttHttpAuthSecret: SECRET, mqttUsername: SERVICE.username, mqttPassword: SERVICE.password, mqttGroup: GROUP } })
  const plan = planSite({ ...DEFAULT_SITE, seed: 93, workers: 4, teams: 2 })
  const site: RegisteredSite = await registerSite(server.api, plan)
  const devices = await server.api.get<Array<{ id: string; serial: string }>>(`/api/projects/${site.projectId}/devices`)
  const idOf = (serial: string): string => devices.find((d) => d.serial === serial)?.id ?? ''
  const secret = (serial: string): string => site.secrets.get(serial) ?? ''
  const authenticate = (body: unknown, s: string | null = SECRET) => call(server.httpUrl, '/api/mqtt/authenticate', body, s)
  const authorize = (body: unknown, s: string | null = SECRET) => call(server.httpUrl, '/api/mqtt/authorize', body, s)
  return { server, site, siteCode: plan.spec.siteCode, idOf, secret, authenticate, authorize }
}

const allow = { status: 200, body: { result: 'allow', is_superuser: false } }
const deny = { status: 200, body: { result: 'deny' } }

t.test('authentication: devices by serial and secret in force, the service by its password', async (t) => {
  const { server, site, idOf, secret, authenticate } = await start(t)
  const dev = (over: Record<string, unknown> = {}) => ({ clientid: 'GT-01', username: 'GT-01', password: secret('GT-01'), ...over })

  t.match(await authenticate(dev()), allow, 'the device with its secret')
  t.match(await authenticate(dev({ password: 'wld_wrong' })), deny, 'a wrong secret')
  t.match(await authenticate(dev({ password: secret('GT-02') })), deny, "another device's secret")
  t.match(await authenticate(dev({ clientid: 'someone' })), deny, 'a client id other than the serial')
  t.match(await authenticate({ clientid: 'GT-01' }), deny, 'anonymous (no username, no password)')
  t.match(await authenticate(dev({ password: '' })), deny, 'an empty password')
  t.match(await authenticate({ clientid: 'GT-99', username: 'GT-99', password: 'wld_guess' }), deny, 'an unregistered gate')
  t.match(await authenticate({ clientid: `${GROUP}-main-ingest-0`, username: SERVICE.username, password: SERVICE.password }), allow, 'the service with its password')
  t.match(await authenticate({ clientid: `${GROUP}-main-ingest-0`, username: SERVICE.username, password: 'nope' }), deny, 'the service account with a wrong password')
  t.match(await authenticate({ clientid: 'elsewhere', username: SERVICE.username, password: SERVICE.password }), deny, "the service's account from a client id outside its group")

  await server.api.post(`/api/projects/${site.projectId}/devices/${idOf('GT-01')}/revoke`, {})
  t.match(await authenticate(dev()), deny, 'a revoked device')
  const rotated = await server.api.post<{ mqtt: { password: string } }>(`/api/projects/${site.projectId}/devices/${idOf('GT-02')}/credentials`, {})
  t.match(await authenticate({ clientid: 'GT-02', username: 'GT-02', password: secret('GT-02') }), deny, 'the secret before a rotation')
  t.match(await authenticate({ clientid: 'GT-02', username: 'GT-02', password: rotated.mqtt.password }), allow, 'the secret after it')
})

t.test('authorization: a device publishes its punches and reads its acks, nothing else', async (t) => {
  const { server, site, siteCode, idOf, authorize } = await start(t)
  const act = (action: string, topic: string, over: Record<string, unknown> = {}) => authorize({ clientid: 'GT-01', username: 'GT-01', action, topic, ...over })
  const punch = `wl/v1/${siteCode}/GT-01/punch`
  const ack = `wl/v1/${siteCode}/GT-01/ack`

  t.match(await act('publish', punch, { qos: 1, retain: false }), allow, 'its punch topic, QoS 1')
  t.match(await act('publish', punch, { qos: '1', retain: 'false' }), allow, 'placeholders rendered as text')
  t.match(await act('publish', punch), allow, 'without qos and retain in the template')
  t.match(await act('publish', punch, { qos: 0 }), deny, 'QoS 0')
  t.match(await act('publish', punch, { qos: 1, retain: true }), deny, 'retained')
  t.match(await act('publish', `wl/v1/${siteCode}/GT-02/punch`, { qos: 1 }), deny, "another device's topic")
  t.match(await act('publish', `wl/v1/OTHER-SITE/GT-01/punch`, { qos: 1 }), deny, 'its serial under another site')
  t.match(await act('publish', ack, { qos: 1 }), deny, 'its ack topic (only the service publishes acks)')
  t.match(await act('subscribe', ack, { qos: 1 }), allow, 'its ack topic')
  t.match(await act('subscribe', '#'), deny, '#')
  t.match(await act('subscribe', `wl/v1/${siteCode}/+/punch`), deny, "the site's punches")
  t.match(await act('subscribe', `wl/v1/${siteCode}/GT-02/ack`), deny, "another device's acks")
  t.match(await act('subscribe', `wl/v1/${siteCode}/GT-01/command`, { qos: 1 }), allow, 'its command topic (backfills)')
  t.match(await act('subscribe', `wl/v1/${siteCode}/GT-02/command`), deny, "another device's commands")
  t.match(await act('publish', `wl/v1/${siteCode}/GT-01/command`, { qos: 1 }), deny, 'its command topic (only the service publishes commands)')
  t.match(await act('subscribe', `$share/${GROUP}/wl/v1/+/+/punch`), deny, "the service's shared subscription")
  t.match(await authorize({ clientid: 'GT-02', username: 'GT-01', action: 'publish', topic: punch, qos: 1 }), deny, 'client id and username differ')
  t.match(await authorize({ clientid: 'GT-01', action: 'publish', topic: punch, qos: 1 }), deny, 'no username')

  const service = (action: string, topic: string, over: Record<string, unknown> = {}) => authorize({ clientid: `${GROUP}-main-ingest-0`, username: 'wage-ledger', action, topic, ...over })
  t.match(await service('subscribe', `$share/${GROUP}/wl/v1/+/+/punch`), allow, 'the service: its shared subscription')
  t.match(await service('subscribe', 'wl/v1/+/+/punch'), allow, 'the service: the same filter as EMQX may pass it, without $share')
  t.match(await service('subscribe', `$share/another-group/wl/v1/+/+/punch`), deny, "the service: another deployment's group")
  t.match(await service('publish', ack, { qos: 1, retain: false }), allow, 'the service: an ack')
  t.match(await service('publish', `wl/v1/${siteCode}/GT-01/command`, { qos: 1, retain: false }), allow, 'the service: a command (backfill)')
  t.match(await service('publish', punch, { qos: 1 }), deny, 'the service: a punch')
  t.match(await service('subscribe', '#'), deny, 'the service: #')

  await server.api.post(`/api/projects/${site.projectId}/devices/${idOf('GT-01')}/revoke`, {})
  t.match(await act('publish', punch, { qos: 1 }), deny, 'a revoked device: its next publish is refused')
  t.match(await act('subscribe', ack), deny, 'and its subscriptions')
})

t.test('fail-closed: a malformed request or a database error is a deny; without the secret, 401', async (t) => {
  const { server, siteCode, secret, authenticate, authorize } = await start(t)
  const dev = { clientid: 'GT-01', username: 'GT-01', password: secret('GT-01') }

  t.match(await authenticate(dev), allow, 'the reference call')
  t.match(await call(server.httpUrl, '/api/mqtt/authenticate', dev, null), { status: 401, body: { error: { code: 'unauthenticated', details: { reason: 'missing' } } } }, 'no shared secret: 401')
  t.match(await authenticate(dev, 'not-the-secret'), { status: 401, body: { error: { code: 'unauthenticated', details: { reason: 'unknown' } } } }, 'a wrong shared secret: 401')
  t.match(await call(server.httpUrl, '/api/mqtt/authorize', { clientid: 'GT-01', username: 'GT-01', action: 'publish', topic: 'x' }, null), { status: 401 }, 'authorize without the secret: 401')
  t.match(await authenticate(dev, SECRET.slice(0, -1)), { status: 401 }, 'the secret less its last character')

  t.match(await authenticate({ ...dev, peerhost: '10.0.0.5' }), deny, 'an unknown field in the body (a template this side does not know): deny')
  t.match(await authenticate({ username: 'GT-01', password: secret('GT-01') }), deny, 'no client id: deny')
  t.match(await authorize({ clientid: 'GT-01', username: 'GT-01', action: 'publish', topic: `wl/v1/${siteCode}/GT-01/punch`, qos: 7 }), deny, 'a QoS that does not exist: deny')
  t.match(await authorize({ clientid: 'GT-01', username: 'GT-01', action: 'connect', topic: 'x' }), deny, 'an unknown action: deny')
  const res = await fetch(`${server.httpUrl}/api/mqtt/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json', [HEADER]: SECRET }, body: '{"clientid": "GT-01", ' })
  t.match({ status: res.status, body: await res.json() }, deny, 'a body that is not JSON: deny')

  // A real database error: the table the checks read is gone.
  await server.services.db.run(sql`DROP TABLE device_credentials`)
  t.match(await authenticate(dev), deny, 'the database fails during authentication: deny')
  t.match(await authorize({ clientid: 'GT-01', username: 'GT-01', action: 'publish', topic: `wl/v1/${siteCode}/GT-01/punch`, qos: 1 }), deny, 'and during authorization: deny')
})

t.test('without MQTT_HTTP_AUTH_SECRET the endpoints do not exist', async (t) => {
  const server = await startTestServer(t)
  const r = await call(server.httpUrl, '/api/mqtt/authenticate', { clientid: 'GT-01', username: 'GT-01', password: 'x' })
  t.match(r, { status: 404, body: { error: { code: 'not_found' } } })
  t.equal((await call(server.httpUrl, '/api/mqtt/authorize', { clientid: 'GT-01', topic: 'x', action: 'publish' })).status, 404)
})
