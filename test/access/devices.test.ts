/**
 * Devices on the embedded broker, over real MQTT on TCP (devices/README.md,
 * "Connecting"): credentials issued at registration, the client id must be the
 * serial, a device publishes only its own punch topic (QoS 1, not retained)
 * and subscribes only its own ack topic, a connected client id cannot be taken
 * over, and revoking or rotating a credential cuts the connection it opened.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { PassThrough } from 'node:stream'
import t, { type Test } from 'tap'
import { q } from '../../src/db/database.ts'
import type { RunningServer } from '../../src/server.ts'
import { DEFAULT_SITE, planSite, registerSite, type RegisteredSite, type SitePlan } from '../../simulators/site.ts'
import { settled, startTestServer } from '../helpers/server.ts'
import { gateRecords, type GateRecord } from '../ingest/helpers/gates.ts'

type Server = Awaited<ReturnType<typeof startTestServer>>

interface Site {
  server: Server
  plan: SitePlan
  site: RegisteredSite
  /** gate-ts200 frames of the site's two gates, numbered from 1. */
  frames: Map<string, GateRecord[]>
  deviceIds: Map<string, string>
}

async function setUp(t: Test, logStream?: NodeJS.WritableStream): Promise<Site> {
  const server = await startTestServer(t, logStream ? { logStream } : {})
  const plan = planSite({ ...DEFAULT_SITE, workers: 2, teams: 1, seed: 909 })
  const site = await registerSite(server.api, plan)
  const gates = ['GT-01', 'GT-02']
  const records = gateRecords(plan.spec.siteCode, gates, 20, plan.workers.map((w) => w.idNumber), Date.now())
  const devices = await server.api.get<Array<{ id: string; serial: string }>>(`/api/projects/${site.projectId}/devices`)
  return { server, plan, site, frames: new Map(gates.map((g, i) => [g, records[i]!])), deviceIds: new Map(devices.map((d) => [d.serial, d.id])) }
}

/** The CONNACK return code a CONNECT gets: 0 accepted (the connection is ended again), else the refusal. */
async function connackOf(url: string, opts: IClientOptions): Promise<number> {
  try {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 30_000, ...opts })
    await c.endAsync()
    return 0
  } catch (err) {
    return (err as { code?: number }).code ?? -1
  }
}

async function connectDevice(s: Site, serial: string, extra: IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(s.server.mqttUrl, { clientId: serial, username: serial, password: s.site.secrets.get(serial), clean: true, reconnectPeriod: 0, ...extra })
  c.on('error', () => {})
  return c
}

/** Resolves when the broker closes the connection; a QoS 1 publish left outstanding is failed, not kept for a reconnect. */
function closed(c: MqttClient): Promise<void> {
  return new Promise((resolve) =>
    c.once('close', () => {
      c.end(true)
      resolve()
    }),
  )
}

const punchesOf = async (server: RunningServer, deviceId: string): Promise<number> =>
  Number((await server.services.db.get<{ n: number }>(q('SELECT count(*) AS "n" FROM punches WHERE device_id = ?', deviceId)))?.n ?? 0)

interface RejectedRow {
  reason: string
  sender: string
  deviceSerial: string
  projectId: string
  channel: string
  detail: string
  payloadBytes: number
  keptBytes: number
}
const rejectedRows = (server: RunningServer): Promise<RejectedRow[]> =>
  server.services.db.all<RejectedRow>(
    q(`SELECT r.reason AS "reason", r.sender AS "sender", r.device_serial AS "deviceSerial", r.project_id AS "projectId", r.channel AS "channel",
         r.detail AS "detail", r.payload_bytes AS "payloadBytes", length(p.payload) AS "keptBytes"
       FROM rejected_inputs r JOIN rejected_payloads p ON p.rejected_id = r.id ORDER BY r.id`),
  )

/** Waits for something the broker delivers after the commit (an ack), as long as a loaded machine may need. */
async function until(what: string, cond: () => boolean, msMax = 30_000): Promise<void> {
  const deadline = Date.now() + msMax
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** One sample's value from the metrics exposition (0 when absent). */
async function metric(server: Server, name: string, labels: string): Promise<number> {
  const text = await (await server.api.fetch('/metrics')).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `))
  return line ? Number(line.split(' ').pop()) : 0
}

t.test('registration issues credentials once; only they, with the serial as client id, connect', async (t) => {
  const log = new PassThrough()
  const lines: string[] = []
  log.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)))
  const s = await setUp(t, log)
  const url = s.server.mqttUrl
  const secret = s.site.secrets.get('GT-01')!
  t.match(secret, /^wld_[A-Za-z0-9_-]{32}$/, 'a device secret, shown in the registration reply')
  const listed = await s.server.api.get<unknown[]>(`/api/projects/${s.site.projectId}/devices`)
  t.notMatch(JSON.stringify(listed), secret, 'and never again')

  t.equal(await connackOf(url, { clientId: 'GT-01' }), 5, 'anonymous: not authorized')
  t.equal(await connackOf(url, { clientId: 'GT-01', username: 'GT-01' }), 5, 'a username without a password: not authorized')
  t.equal(await connackOf(url, { clientId: 'GT-01', username: 'GT-01', password: 'wld_not-the-secret-at-all-00000000' }), 4, 'a wrong secret: bad user name or password')
  t.equal(await connackOf(url, { clientId: 'GT-01', username: 'GT-01', password: s.site.secrets.get('GT-02') }), 4, "another device's secret")
  t.equal(await connackOf(url, { clientId: 'GT-404', username: 'GT-404', password: secret }), 4, 'an unregistered serial')
  t.equal(await connackOf(url, { clientId: 'GT-02', username: 'GT-01', password: secret }), 2, 'a client id that is not the serial: identifier rejected')
  t.equal(await connackOf(url, { username: 'GT-01', password: secret }), 2, 'no client id (the broker would make one up)')
  t.equal(await connackOf(url, { clientId: 'GT-01', username: 'GT-01', password: secret }), 0, 'the serial and its secret connect')

  t.equal(await metric(s.server, 'wl_mqtt_refused_total', '{stage="connect",reason="anonymous"}'), 2, 'refusals counted by reason')
  t.equal(await metric(s.server, 'wl_mqtt_refused_total', '{stage="connect",reason="bad_credentials"}'), 3)
  t.equal(await metric(s.server, 'wl_mqtt_refused_total', '{stage="connect",reason="client_id_mismatch"}'), 2)
  const refusals = lines.filter((l) => l.includes('"mqtt_connect_refused"'))
  t.equal(refusals.filter((l) => l.includes('"bad_credentials"')).length, 1, 'logged once per reason, not once per attempt (throttled)')
  t.ok(refusals.length >= 3, 'each reason logged')
  t.notOk(lines.some((l) => l.includes('wld_')), 'no secret, wrong or right, in the log')
})

t.test("a device publishes only on its own punch topic, at QoS 1, not retained; nothing is stored for the device it names", async (t) => {
  const s = await setUp(t)
  const [victimFrame] = s.frames.get('GT-02')!
  const attacker = await connectDevice(s, 'GT-01')
  const gone = closed(attacker)
  // A genuine GT-02 frame with a long tail: the refusal keeps its first bytes only.
  const payload = Buffer.concat([victimFrame!.payload, Buffer.alloc(2_000, 0x20)])
  attacker.publish(victimFrame!.topic, payload, { qos: 1 })
  await gone
  t.pass("publishing on another device's topic closes the connection, with no PUBACK")
  await settled(s.server)
  t.equal(await punchesOf(s.server, s.deviceIds.get('GT-02')!), 0, 'the victim has no punch')
  t.match(await rejectedRows(s.server), [
    {
      reason: 'publish_not_allowed',
      sender: 'GT-01',
      deviceSerial: 'GT-01',
      projectId: s.site.projectId,
      channel: victimFrame!.topic,
      detail: new RegExp(`device GT-01 published on "${victimFrame!.topic}"; it may publish only on its own punch topic wl/v1/${s.plan.spec.siteCode}/GT-01/punch, at QoS 1, not retained`),
      payloadBytes: payload.length,
      keptBytes: 512,
    },
  ])

  const own = s.frames.get('GT-01')!
  for (const [what, publishOpts] of [
    ['retained', { qos: 1, retain: true }],
    ['at QoS 0', { qos: 0 }],
    ['at QoS 2', { qos: 2 }],
  ] as const) {
    const c = await connectDevice(s, 'GT-01')
    const cut = closed(c)
    c.publish(own[0]!.topic, own[0]!.payload, publishOpts)
    await cut
    t.pass(`a punch published ${what} is refused`)
  }
  const c = await connectDevice(s, 'GT-01')
  const cut = closed(c)
  c.publish(`wl/v1/${s.plan.spec.siteCode}/GT-01/status`, '{"online":true}', { qos: 1 })
  await cut
  t.pass('so is any other topic of its own')
  await settled(s.server)
  t.equal(await punchesOf(s.server, s.deviceIds.get('GT-01')!), 0, 'none of them stored')
  const rows = await rejectedRows(s.server)
  t.same(
    rows.map((r) => r.reason),
    Array(5).fill('publish_not_allowed'),
  )
  t.match(rows.slice(1).map((r) => r.detail), [/ published retained;/, / published at QoS 0;/, / published at QoS 2;/, / published on "wl\/v1\/[^"]+\/GT-01\/status";/])

  const device = await connectDevice(s, 'GT-01')
  await device.publishAsync(own[0]!.topic, own[0]!.payload, { qos: 1 })
  await device.endAsync()
  t.equal(await punchesOf(s.server, s.deviceIds.get('GT-01')!), 1, 'its own punch, at QoS 1, is stored')
  // No retained message reached the broker: a new subscriber to the topic gets nothing replayed.
  const listener = await connectDevice(s, 'GT-01')
  const got: string[] = []
  listener.on('message', (topic) => got.push(topic))
  await listener.subscribeAsync(`wl/v1/${s.plan.spec.siteCode}/GT-01/ack`, { qos: 1 })
  await new Promise((r) => setTimeout(r, 200))
  await listener.endAsync()
  t.same(got, [], 'nothing retained')
})

t.test("a device subscribes only to its own ack and command topics", async (t) => {
  const s = await setUp(t)
  const site = s.plan.spec.siteCode
  const device = await connectDevice(s, 'GT-01')
  for (const filter of ['#', '+/+/+/+/+', `wl/v1/${site}/+/ack`, `wl/v1/${site}/GT-02/ack`, `wl/v1/${site}/GT-02/punch`, `wl/v1/${site}/GT-01/punch`, `wl/v1/${site}/GT-02/command`, '$SYS/#']) {
    const granted = await device.subscribeAsync(filter, { qos: 1 }).then(
      () => undefined,
      (e: unknown) => (e as { packet?: { granted?: number[] } }).packet?.granted,
    )
    t.same(granted, [0x80], `${filter}: granted 0x80 (failure)`)
  }
  const [granted] = await device.subscribeAsync(`wl/v1/${site}/GT-01/ack`, { qos: 1 })
  t.equal(granted?.qos, 1, 'its own ack topic: granted')
  const [command] = await device.subscribeAsync(`wl/v1/${site}/GT-01/command`, { qos: 1 })
  t.equal(command?.qos, 1, 'its own command topic (backfills): granted')
  t.ok(device.connected, 'a refused subscription leaves the connection up')

  // The other gate's acks never reach it; its own do.
  const acks: string[] = []
  device.on('message', (topic) => acks.push(topic))
  const other = await connectDevice(s, 'GT-02')
  await other.publishAsync(s.frames.get('GT-02')![0]!.topic, s.frames.get('GT-02')![0]!.payload, { qos: 1 })
  await device.publishAsync(s.frames.get('GT-01')![0]!.topic, s.frames.get('GT-01')![0]!.payload, { qos: 1 })
  // The ack is published after the commit, so it may come after the PUBACK: wait for it rather than a fixed time. GT-02's
  // was published before it (GT-02's PUBACK came first), so had it been routed here it would have arrived first.
  await until(`GT-01's ack`, () => acks.length > 0)
  t.same(acks, [`wl/v1/${site}/GT-01/ack`], 'only its own ack arrives')
  await other.endAsync()
  await device.endAsync()
  t.equal(await metric(s.server, 'wl_mqtt_refused_total', '{stage="subscribe",reason="subscribe_not_allowed"}'), 8, 'refused subscriptions counted')
})

t.test('a connected client id cannot be taken over: the newcomer is refused, the first connection keeps working', async (t) => {
  const s = await setUp(t)
  const first = await connectDevice(s, 'GT-01')
  let firstClosed = false
  first.on('close', () => (firstClosed = true))
  t.equal(await connackOf(s.server.mqttUrl, { clientId: 'GT-01', username: 'GT-01', password: s.site.secrets.get('GT-01'), clean: true }), 2, 'same credentials, second connection: identifier rejected')
  t.equal(await connackOf(s.server.mqttUrl, { clientId: 'GT-01', username: 'GT-01', password: s.site.secrets.get('GT-01'), clean: false }), 2, 'with a persistent session too')
  const [r1, r2] = s.frames.get('GT-01')!
  await first.publishAsync(r1!.topic, r1!.payload, { qos: 1 })
  t.notOk(firstClosed, 'the first connection is still up')
  await first.endAsync()
  t.equal(await punchesOf(s.server, s.deviceIds.get('GT-01')!), 1, "and its punch is stored")
  // Once it is gone, the serial is free again.
  const again = await connectDevice(s, 'GT-01')
  await again.publishAsync(r2!.topic, r2!.payload, { qos: 1 })
  await again.endAsync()
  t.equal(await punchesOf(s.server, s.deviceIds.get('GT-01')!), 2, 'the device reconnects after its connection closed')
})

t.test('revoking a device cuts its connection at once and refuses reconnects; rotation replaces the secret', async (t) => {
  const s = await setUp(t)
  const { api } = s.server
  const base = `/api/projects/${s.site.projectId}/devices/${s.deviceIds.get('GT-01')!}`
  const device = await connectDevice(s, 'GT-01')
  const cut = closed(device)
  const startedMs = Date.now()
  const revoked = await api.post<{ revoked: boolean; device: { serial: string } }>(`${base}/revoke`, undefined)
  t.match(revoked, { revoked: true, device: { serial: 'GT-01' } })
  await cut
  // The cut is made before the revocation is answered; a connection left up would stay up for good (the client keeps
  // pinging). The bound is only for 'at once' against any keep-alive, with room for a loaded machine's slow request.
  t.ok(Date.now() - startedMs < 15_000, `the live connection closed at once (${Date.now() - startedMs} ms)`)
  const url = s.server.mqttUrl
  const old = s.site.secrets.get('GT-01')!
  t.equal(await connackOf(url, { clientId: 'GT-01', username: 'GT-01', password: old }), 4, 'reconnecting after revocation: refused')
  t.match(await api.post(`${base}/revoke`, undefined), { revoked: false }, 'revoking again changes nothing')

  // Rotation re-admits it with a new secret; the old one stays refused.
  const issued = await api.post<{ serial: string; mqtt: { username: string; password: string; clientId: string; punchTopic: string; ackTopic: string } }>(`${base}/credentials`, undefined)
  t.match(issued, { serial: 'GT-01', mqtt: { username: 'GT-01', clientId: 'GT-01', punchTopic: `wl/v1/${s.plan.spec.siteCode}/GT-01/punch`, ackTopic: `wl/v1/${s.plan.spec.siteCode}/GT-01/ack` } })
  t.not(issued.mqtt.password, old)
  t.equal(await connackOf(url, { clientId: 'GT-01', username: 'GT-01', password: old }), 4, 'the old secret is refused')
  const rotated = await mqtt.connectAsync(url, { clientId: 'GT-01', username: 'GT-01', password: issued.mqtt.password, reconnectPeriod: 0 })
  rotated.on('error', () => {})
  const [r1] = s.frames.get('GT-01')!
  await rotated.publishAsync(r1!.topic, r1!.payload, { qos: 1 })
  t.equal(await punchesOf(s.server, s.deviceIds.get('GT-01')!), 1, 'the new secret works')

  // Rotating again while it is connected: the connection the old secret opened is closed.
  const cutAgain = closed(rotated)
  const next = await api.post<{ mqtt: { password: string } }>(`${base}/credentials`, undefined)
  await cutAgain
  t.pass('a rotation closes the connection of the secret it replaces')
  t.equal(await connackOf(url, { clientId: 'GT-01', username: 'GT-01', password: issued.mqtt.password }), 4)
  t.equal(await connackOf(url, { clientId: 'GT-01', username: 'GT-01', password: next.mqtt.password }), 0)

  const other = `/api/projects/${s.site.projectId}/devices/01J0000000000000000000000`
  t.match(await api.post(`${other}/revoke`, undefined).catch((e: { status: number; body: unknown }) => e), { status: 404, body: { error: { code: 'device_not_found' } } })
  t.match(await api.post(`${other}/credentials`, undefined).catch((e: { status: number; body: unknown }) => e), { status: 404, body: { error: { code: 'device_not_found' } } })
})

t.test('a broker that cannot be told of a credential: the rotation still answers, the failure is counted', async (t) => {
  const s = await setUp(t)
  const api = s.server.api
  const base = `/api/projects/${s.site.projectId}/devices/${s.deviceIds.get('GT-02')}`
  // As a Mosquitto adapter whose broker is down would: it logs, schedules a reconciliation, and rejects.
  s.server.services.access.onDeviceCredential(() => Promise.reject(new Error('broker unreachable')))
  const issued = await api.post<{ mqtt: { password: string } }>(`${base}/credentials`, undefined)
  t.ok(issued.mqtt.password, 'the new secret is committed and shown, not a 500')
  t.equal(await connackOf(s.server.mqttUrl, { clientId: 'GT-02', username: 'GT-02', password: issued.mqtt.password }), 0, 'and it works on the embedded broker')
  t.match(await api.post(`${base}/revoke`, undefined), { revoked: true }, 'a revocation answers too')
  const metrics = await (await fetch(`${s.server.httpUrl}/metrics`)).text()
  t.match(metrics, /wl_broker_credential_failures_total\{kind="issued"\} 1\b/)
  t.match(metrics, /wl_broker_credential_failures_total\{kind="revoked"\} 1\b/)
})
