/**
 * Devices through a real Mosquitto with the dynamic-security plugin, started from deploy/mosquitto/mosquitto.conf
 * (only the port and the paths changed) on a free port, with a plugin file made by `mosquitto_ctrl dynsec init` and
 * the service's account made by deploy/mosquitto/dynsec-service.sh. The service (MQTT_DYNSEC=1) keeps the broker's
 * clients in step with the roster: a registered device publishes its punches and gets its acks, and nothing else;
 * a revoked one is cut off; a rotated secret replaces the old; and a restart puts right what was changed behind the
 * service's back.
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import t, { type Test } from 'tap'
import { DynsecClient, deviceAcls, deviceRoleName, serviceAcls, type DynsecCommand } from '../../src/ingest/mosquitto-dynsec.ts'
import { DEFAULT_SITE, planSite, registerSite, simulateMonth } from '../../simulators/site.ts'
import { freePort } from '../helpers/free-port.ts'
import { startTestServer, tempDir } from '../helpers/server.ts'
import { findMosquitto } from '../ingest/helpers/mosquitto.ts'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const CONF = join(REPO, 'deploy', 'mosquitto', 'mosquitto.conf')
const SETUP = join(REPO, 'deploy', 'mosquitto', 'dynsec-service.sh')
// Bounds on waiting for conditions (the broker up, a connection cut, acks in): reached only when something is wrong, so
// generous enough for a loaded machine.
const READY_WAIT_MS_MAX = 30_000
const WAIT_MS_MAX = 60_000
const ADMIN = { username: 'admin', password: 'admin-password-for-the-test' }
const SERVICE = { username: 'wage-ledger', password: 'service-password-for-the-test' }

/** The plugin as the shipped configuration names it, or wherever this machine's package put it. */
function pluginPath(): string | undefined {
  const shipped = /^plugin (\S+)$/m.exec(readFileSync(CONF, 'utf8'))?.[1]
  if (shipped && existsSync(shipped)) return shipped
  for (const dir of ['/usr/lib', '/usr/local/lib', '/usr/lib64']) {
    if (!existsSync(dir)) continue
    const candidates = [join(dir, 'mosquitto_dynamic_security.so'), ...readdirSync(dir).map((d) => join(dir, d, 'mosquitto_dynamic_security.so'))]
    const found = candidates.find((c) => existsSync(c))
    if (found) return found
  }
  return undefined
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

interface Broker {
  url: string
  port: number
  output(): string
}

/** Mosquitto from the shipped configuration, a fresh plugin file, and the service's account made by the shipped script. */
async function startBroker(t: Test, bin: string, plugin: string, group: string): Promise<Broker> {
  const dir = tempDir(t, 'wage-ledger-dynsec-')
  const port = await freePort()
  const dynsecFile = join(dir, 'dynamic-security.json')
  const init = spawnSync('mosquitto_ctrl', ['dynsec', 'init', dynsecFile, ADMIN.username, ADMIN.password], { encoding: 'utf8' })
  if (init.status !== 0) throw new Error(`mosquitto_ctrl dynsec init failed: ${init.stderr}${init.stdout}`)
  const conf = readFileSync(CONF, 'utf8')
    .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
    .replace(/^plugin \S+$/m, `plugin ${plugin}`)
    .replace(/^plugin_opt_config_file \S+$/m, `plugin_opt_config_file ${dynsecFile}`)
    .replace(/^persistence_location \S+$/m, `persistence_location ${dir}/`)
    .replace(/^log_dest syslog$/m, 'log_dest stderr')
  // Started as root, Mosquitto drops to the mosquitto user, who cannot write in this test's directory.
  const confFile = join(dir, 'mosquitto.conf')
  writeFileSync(confFile, process.getuid?.() === 0 ? `${conf}\nuser root\n` : conf)
  const proc = spawn(bin, ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout?.on('data', (b: Buffer) => (out += b.toString()))
  proc.stderr?.on('data', (b: Buffer) => (out += b.toString()))
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const killOnExit = () => proc.kill('SIGKILL')
  process.once('exit', killOnExit)
  t.teardown(async () => {
    process.off('exit', killOnExit)
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM')
      await exited
    }
  })
  const deadline = Date.now() + READY_WAIT_MS_MAX
  while (!(await accepts(port))) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`mosquitto exited before accepting connections:\n${out}`)
    if (Date.now() > deadline) throw new Error(`mosquitto did not accept connections on port ${port}:\n${out}`)
    await new Promise((r) => setTimeout(r, 25))
  }
  const setup = spawnSync('sh', [SETUP, '-h', '127.0.0.1', '-p', String(port), '-u', ADMIN.username, '-P', ADMIN.password], {
    encoding: 'utf8',
    env: { ...process.env, MQTT_GROUP: group, MQTT_USERNAME: SERVICE.username, MQTT_PASSWORD: SERVICE.password },
  })
  if (setup.status !== 0) throw new Error(`deploy/mosquitto/dynsec-service.sh failed: ${setup.stderr}${setup.stdout}`)
  return { url: `mqtt://127.0.0.1:${port}`, port, output: () => out }
}

/** A device's MQTT 5 connection (MQTT 5: a refused publish or subscription comes back with its reason code). */
function device(url: string, serial: string, password: string | undefined, extra: Partial<IClientOptions> = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { clientId: serial, username: serial, password, protocolVersion: 5, clean: true, reconnectPeriod: 0, connectTimeout: 30_000, ...extra })
}

/** MQTT 5 CONNACK reason codes of a refused login: bad user name or password, not authorized. */
const REFUSED_LOGIN = new Set([0x86, 0x87])

/** 'refused' (CONNACK 0x86 or 0x87), 'connected', or what else happened. */
async function connectOutcome(url: string, opts: IClientOptions): Promise<string> {
  try {
    const c = await mqtt.connectAsync(url, { protocolVersion: 5, clean: true, reconnectPeriod: 0, connectTimeout: 30_000, ...opts })
    await c.endAsync()
    return 'connected'
  } catch (err) {
    const code = (err as { code?: number }).code
    return code !== undefined && REFUSED_LOGIN.has(code) ? 'refused' : String(err)
  }
}

/** The reason code a refused publish or subscribe came back with, or 'ok'. */
async function outcome(p: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await p
    return 'ok'
  } catch (err) {
    // A refused PUBLISH carries its PUBACK reason code; a refused SUBSCRIBE, the SUBACK with a code per filter.
    const e = err as { code?: number; packet?: { granted?: number[] } }
    return e.code ?? e.packet?.granted?.find((g) => g >= 0x80) ?? -1
  }
}

function closed(client: MqttClient): Promise<boolean> {
  return new Promise((resolve) => {
    if (!client.connected) return resolve(true)
    const timer = setTimeout(() => resolve(false), WAIT_MS_MAX)
    client.once('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

async function until(what: () => boolean | Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + WAIT_MS_MAX
  while (!(await what())) {
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, 20))
  }
  return true
}

/** MQTT 5 reason code of a refused PUBLISH (PUBACK) or SUBSCRIBE (SUBACK). */
const NOT_AUTHORIZED = 0x87

const bin = findMosquitto() ?? ''
const plugin = pluginPath() ?? ''
const skip = !bin
  ? 'mosquitto is not installed (sudo apt-get install mosquitto)'
  : !plugin
    ? "the dynamic-security plugin (mosquitto_dynamic_security.so, in Debian's mosquitto package) is not installed"
    : false

void t.test('Mosquitto with dynamic security follows the roster', { skip }, async (t) => {
  const group = `wl-${randomUUID().slice(0, 8)}`
  const broker = await startBroker(t, bin, plugin, group)
  const admin = await DynsecClient.connect(broker.url, { clientId: 'test-admin', ...ADMIN })
  t.teardown(() => admin.close())
  const serviceRole = (await admin.one({ command: 'getRole', rolename: 'wl-service' })).data as { role: { acls: unknown[] } }
  t.same(
    new Set(serviceRole.role.acls.map((a) => JSON.stringify(a))),
    new Set(serviceAcls(group).map((a) => JSON.stringify({ acltype: a.acltype, topic: a.topic, priority: 0, allow: a.allow }))),
    'the shipped script gives the service exactly the ACLs the code lists',
  )

  const config = { mqttUrl: broker.url, mqttGroup: group, mqttUsername: SERVICE.username, mqttPassword: SERVICE.password, mqttDynsec: true }
  const server = await startTestServer(t, { config })
  const plan = planSite({ ...DEFAULT_SITE, seed: 91, workers: 6, teams: 2 })
  const site = await registerSite(server.api, plan)
  const devices = await server.api.get<Array<{ id: string; serial: string }>>(`/api/projects/${site.projectId}/devices`)
  const idOf = (serial: string): string => devices.find((d) => d.serial === serial)?.id ?? ''
  const secret = (serial: string): string => site.secrets.get(serial) ?? ''
  const { siteCode } = plan.spec

  const c = await admin.getClient('GT-01')
  t.match(c, { username: 'GT-01', clientid: 'GT-01', roles: [{ rolename: deviceRoleName('GT-01') }] }, 'registration made the device a client bound to its serial, with its own role')
  t.notOk(c?.disabled)

  t.test('anonymous, wrong secret, borrowed client id: refused', async (t) => {
    t.equal(await connectOutcome(broker.url, { clientId: 'GT-01' }), 'refused', 'anonymous')
    t.equal(await connectOutcome(broker.url, { clientId: 'GT-01', username: 'GT-01', password: 'wld_wrong' }), 'refused', 'wrong secret')
    t.equal(await connectOutcome(broker.url, { clientId: 'GT-01', username: 'GT-01', password: secret('GT-02') }), 'refused', "another device's secret")
    t.equal(await connectOutcome(broker.url, { clientId: 'someone', username: 'GT-01', password: secret('GT-01') }), 'refused', 'a client id other than the serial')
    t.equal(await connectOutcome(broker.url, { clientId: 'GT-99', username: 'GT-99', password: 'wld_guess' }), 'refused', 'an unregistered gate')
  })

  t.test('a device publishes its punches (stored, acked) and nothing else', async (t) => {
    const gate = await device(broker.url, 'GT-01', secret('GT-01'))
    t.teardown(() => gate.endAsync())
    const acked = new Set<string>()
    gate.on('message', (_topic, payload) => {
      for (const id of (JSON.parse(payload.toString()) as { recordIds: string[] }).recordIds) acked.add(id)
    })
    t.equal(await outcome(gate.subscribeAsync(`wl/v1/${siteCode}/GT-01/ack`, { qos: 1 })), 'ok', 'its own ack topic')
    const frames = simulateMonth(plan).frames.filter((f) => f.serial === 'GT-01' && f.kind === 'punch').slice(0, 3)
    for (const f of frames) t.equal(await outcome(gate.publishAsync(f.topic, f.payload, { qos: 1 })), 'ok', `punch ${f.recordId} accepted by the broker`)
    t.ok(await until(() => frames.every((f) => acked.has(f.recordId ?? ''))), 'the service acked every record after storing it')
    t.equal(await server.services.punches.countPunches(site.projectId), 3, 'three punches stored')

    const received = server.services.inbox.stats.received
    const victim = simulateMonth(plan).frames.find((f) => f.serial === 'GT-02' && f.kind === 'punch')
    t.equal(await outcome(gate.publishAsync(`wl/v1/${siteCode}/GT-02/punch`, victim?.payload ?? 'x', { qos: 1 })), NOT_AUTHORIZED, "publishing on another device's topic: refused")
    t.equal(await outcome(gate.publishAsync(`wl/v1/${siteCode}/GT-01/ack`, '{}', { qos: 1 })), NOT_AUTHORIZED, 'publishing an ack: refused')
    t.equal(await outcome(gate.subscribeAsync('#', { qos: 1 })), NOT_AUTHORIZED, 'subscribing to #: refused')
    t.equal(await outcome(gate.subscribeAsync(`wl/v1/${siteCode}/+/punch`, { qos: 1 })), NOT_AUTHORIZED, "subscribing to the site's punches: refused")
    t.equal(await outcome(gate.subscribeAsync(`wl/v1/${siteCode}/GT-02/ack`, { qos: 1 })), NOT_AUTHORIZED, "subscribing to another device's acks: refused")
    t.equal(await outcome(gate.subscribeAsync(`$share/${group}/wl/v1/+/+/punch`, { qos: 1 })), NOT_AUTHORIZED, "joining the service's shared subscription: refused")
    // A barrier, not a pause: the gate's next punch of its own goes through the same broker and subscription after
    // the refused ones, so once it is acked anything of theirs that got through would have arrived before it.
    const barrier = simulateMonth(plan).frames.filter((f) => f.serial === 'GT-01' && f.kind === 'punch')[10]
    if (!barrier) throw new Error('the simulated month has too few punches for GT-01')
    t.equal(await outcome(gate.publishAsync(barrier.topic, barrier.payload, { qos: 1 })), 'ok', 'its own next punch accepted')
    t.ok(await until(() => acked.has(barrier.recordId ?? '')), 'and acked after it was stored')
    t.equal(server.services.inbox.stats.received, received + 1, 'nothing of the refused ones reached the service')
    t.equal(await server.services.punches.countPunches(site.projectId), 4, 'no punch stored for the victim')
  })

  t.test('a retained punch, even on its own topic, is refused: the connection closed, nothing stored or replayed', async (t) => {
    // Issue 9: a retained punch is replayed to every later subscriber. Dynamic-security ACLs cannot tell a retained
    // publish from another, so the shipped configuration turns retained messages off (retain_available false).
    const punches = simulateMonth(plan).frames.filter((f) => f.serial === 'GT-01' && f.kind === 'punch')
    const [retained, barrier] = [punches[3], punches[4]]
    if (!retained || !barrier) throw new Error('the simulated month has too few punches for GT-01')
    const before = await server.services.punches.countPunches(site.projectId)
    const gate = await device(broker.url, 'GT-01', secret('GT-01'))
    const cut = closed(gate)
    const sent = outcome(gate.publishAsync(retained.topic, retained.payload, { qos: 1, retain: true }))
    t.ok(await cut, 'the broker closed the connection')
    await gate.endAsync(true)
    t.not(await sent, 'ok', 'the retained publish was not acknowledged')

    // The same connection's next punch, stored and acked, shows whether the retained one got through before it.
    const again = await device(broker.url, 'GT-01', secret('GT-01'))
    t.teardown(() => again.endAsync(true))
    const acked = new Set<string>()
    again.on('message', (_topic, payload) => {
      for (const id of (JSON.parse(payload.toString()) as { recordIds: string[] }).recordIds) acked.add(id)
    })
    await again.subscribeAsync(`wl/v1/${siteCode}/GT-01/ack`, { qos: 1 })
    t.equal(await outcome(again.publishAsync(barrier.topic, barrier.payload, { qos: 1 })), 'ok')
    t.ok(await until(() => acked.has(barrier.recordId ?? '')), 'the next punch is acked')
    t.notOk(acked.has(retained.recordId ?? ''), 'the retained one never was')
    t.equal(await server.services.punches.countPunches(site.projectId), before + 1, 'only the next punch is stored')

    // A later subscriber (the operator's admin account, which may read #) gets nothing replayed: a message on the
    // topic after subscribing marks the point by which a retained one would have come.
    const reader = await mqtt.connectAsync(broker.url, { clientId: 'test-retained-reader', ...ADMIN, protocolVersion: 5, clean: true, reconnectPeriod: 0, connectTimeout: 30_000 })
    t.teardown(() => reader.endAsync(true))
    const seen: Array<{ retain: boolean }> = []
    reader.on('message', (_topic, _payload, packet) => seen.push({ retain: packet.retain }))
    await reader.subscribeAsync(retained.topic, { qos: 1 })
    t.equal(await outcome(again.publishAsync(barrier.topic, barrier.payload, { qos: 1 })), 'ok', 'a marker published after subscribing')
    t.ok(await until(() => seen.length > 0), 'the marker arrives')
    t.same(seen, [{ retain: false }], 'and nothing retained came before it')
  })

  t.test('rotation: the old secret stops working, its connection is dropped, the new one works', async (t) => {
    const old = await device(broker.url, 'GT-02', secret('GT-02'))
    const dropped = closed(old)
    const rotated = await server.api.post<{ mqtt: { password: string } }>(`/api/projects/${site.projectId}/devices/${idOf('GT-02')}/credentials`, {})
    t.ok(await dropped, 'the connection made with the old secret was dropped')
    await old.endAsync(true)
    t.equal(await connectOutcome(broker.url, { clientId: 'GT-02', username: 'GT-02', password: secret('GT-02') }), 'refused', 'old secret refused')
    t.equal(await connectOutcome(broker.url, { clientId: 'GT-02', username: 'GT-02', password: rotated.mqtt.password }), 'connected', 'new secret works')
    site.secrets.set('GT-02', rotated.mqtt.password)
  })

  t.test('revocation: the device is kicked and cannot come back', async (t) => {
    const gate = await device(broker.url, 'GT-01', secret('GT-01'))
    const kicked = closed(gate)
    await server.api.post(`/api/projects/${site.projectId}/devices/${idOf('GT-01')}/revoke`, {})
    t.ok(await kicked, 'its live connection was closed')
    await gate.endAsync(true)
    t.equal(await connectOutcome(broker.url, { clientId: 'GT-01', username: 'GT-01', password: secret('GT-01') }), 'refused', 'reconnecting is refused')
    t.match(await admin.getClient('GT-01'), { disabled: true })
  })

  t.test("a device whose serial is an operator's account name does not take that account over", async (t) => {
    await server.api.fetch(`/api/projects/${site.projectId}/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ serial: ADMIN.username, model: 'gate-ts200', settings: { lanes: { '1': 'in', '2': 'out' } } }),
    })
    t.match(await admin.getClient(ADMIN.username), { username: ADMIN.username, textname: 'Dynsec admin user', roles: [{ rolename: 'admin' }] }, "the admin's client is untouched")
    t.notOk((await admin.getClient(ADMIN.username))?.disabled)
    t.equal(await connectOutcome(broker.url, { clientId: 'admin-check', ...ADMIN }), 'connected', 'the admin still logs in with its own password')
  })

  t.test('a restart reconciles what changed behind the service', async (t) => {
    await server.close()
    // Behind its back: the revoked gate enabled again, a device's client deleted, a role widened.
    const drift: DynsecCommand[] = [
      { command: 'enableClient', username: 'GT-01' },
      { command: 'deleteClient', username: 'FT-01' },
      { command: 'modifyRole', rolename: deviceRoleName('GT-02'), acls: [{ acltype: 'subscribePattern', topic: '#', allow: true }] },
    ]
    for (const command of drift) await admin.one(command)
    const again = await startTestServer(t, { config: { ...config, databaseUrl: server.services.config.databaseUrl } })
    t.match(await admin.getClient('GT-01'), { disabled: true }, 'the revoked gate is disabled again')
    t.match(await admin.getClient('FT-01'), { username: 'FT-01', clientid: 'FT-01', roles: [{ rolename: deviceRoleName('FT-01') }] }, 'the deleted client is back')
    t.equal(await connectOutcome(broker.url, { clientId: 'FT-01', username: 'FT-01', password: secret('FT-01') }), 'refused', 'but without a password: none is stored')
    const role = (await admin.one({ command: 'getRole', rolename: deviceRoleName('GT-02') })).data as { role: { acls: Array<{ acltype: string; topic: string }> } }
    t.same(
      role.role.acls.map((a) => `${a.acltype} ${a.topic}`).sort(),
      deviceAcls('GT-02').map((a) => `${a.acltype} ${a.topic}`).sort(),
      "the widened role has the device's ACLs again",
    )
    const rotated = await again.api.post<{ mqtt: { password: string } }>(`/api/projects/${site.projectId}/devices/${idOf('FT-01')}/credentials`, {})
    t.equal(await connectOutcome(broker.url, { clientId: 'FT-01', username: 'FT-01', password: rotated.mqtt.password }), 'connected', 'rotating its secret lets it in again')
    t.equal(await connectOutcome(broker.url, { clientId: 'GT-02', username: 'GT-02', password: secret('GT-02') }), 'connected', 'the untouched device still logs in')
  })

  t.test('the broker logged no error', async (t) => {
    t.notMatch(broker.output(), /Error/, 'no error in the broker log')
  })
})
