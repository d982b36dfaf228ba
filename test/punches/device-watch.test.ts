/**
 * Devices that go quiet, end to end (issue 12): a real service on a manual clock, a ZKTeco terminal speaking to the
 * HTTP device edge, a webhook receiver. Contacts that carry no punch (the ADMS handshake and command polls) keep the
 * device from going offline; once it is silent more than an hour of site time the watch opens a DEVICE_OFFLINE
 * incident and notifies `device.offline`; when it is heard again the incident closes with the times and
 * `device.online` follows. A device registered and never heard opens one too, closed when it connects over MQTT.
 * Several watch rounds append each event once.
 */
import t, { type Test } from 'tap'
import mqtt from 'mqtt'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { verifySignature } from '../../src/flags/webhooks.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'

/** 2026-11-03 at hh:mm in Shanghai, a Tuesday. */
const sh = (hh: number, mm = 0) => Date.UTC(2026, 10, 3, hh - 8, mm)

interface Received {
  type: string
  body: string
  signature: string
}

async function receiver(t: Test): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = []
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      received.push({ type: (JSON.parse(body) as { type: string }).type, body, signature: String(req.headers['wage-ledger-signature']) })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received }
}

interface Incident {
  id: string
  serial: string
  state: string
  openedAt: string
  silentSince: string
  neverHeard: boolean
  closedAt: string | null
  heardAt: string | null
  contactKind: string | null
  silentSiteMinutes: number
}
interface Health {
  serial: string
  lastSeenAt: string | null
  lastContactAt: string | null
  lastContactKind: string | null
  offline: boolean
  offlineIncident: Incident | null
}

void t.test('a device goes quiet, an incident opens and is notified; heard again, it closes', async (t) => {
  const clock = new ManualClock(sh(8))
  // The test runs each round itself (watch, deliver) at the times it sets: the server's own timers would run the same
  // rounds meanwhile (webhooks every 5 s, the watch every minute) and take deliveries and openings from under it.
  const server = await startTestServer(t, { clock, periodicRounds: false })
  const { api, services } = server
  const hooks = await receiver(t)
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'QUIET-1', workers: 1, teams: 1, seed: 77 })
  const site = await registerSite(api, {
    ...plan,
    devices: [
      { serial: 'ZK-QUIET', model: 'zkteco-adms', settings: {}, location: '东大门' },
      { serial: 'GT-NEVER', model: 'gate-ts200', settings: {}, location: '西大门' },
    ],
  })
  const { secret } = await services.webhooks.register({ url: hooks.url, projectId: site.projectId }, 'test')

  /** The terminal's requests that carry no punch: the handshake and the command poll. */
  const zk = async (path: string) => {
    const res = await fetch(`${server.deviceUrl}${path}?SN=ZK-QUIET`)
    t.equal(res.status, 200, `${path} answered`)
    await res.text()
    await services.deviceWatch.contacts.idle()
  }
  const watch = () => services.deviceWatch.watch()
  const incidents = (query = '') => api.get<Incident[]>(`/api/projects/${site.projectId}/devices/incidents${query}`)
  const health = async (serial: string) => (await api.get<Health[]>(`/api/projects/${site.projectId}/devices/health`)).find((h) => h.serial === serial)!
  const deliver = async () => {
    await services.webhooks.deliverDue()
    return hooks.received.map((r) => r.type)
  }

  // 08:00: the terminal shakes hands; the gate, registered now, is never heard.
  await zk('/iclock/cdata')
  t.match(await health('ZK-QUIET'), { lastContactAt: new Date(sh(8)).toISOString(), lastContactKind: 'adms_handshake', offline: false, offlineIncident: null }, 'a handshake is a contact')

  // 08:50 a command poll; 09:40: the terminal was heard 50 minutes ago, the gate never in 100.
  clock.set(sh(8, 50))
  await zk('/iclock/getrequest')
  clock.set(sh(9, 40))
  t.equal(await watch(), 1, 'one incident: the gate')
  t.equal(await watch(), 0, 'a second round appends nothing')
  t.match(await incidents(), [{ serial: 'GT-NEVER', state: 'open', neverHeard: true, silentSince: new Date(sh(8)).toISOString(), silentSiteMinutes: 100 }])
  t.equal((await incidents()).length, 1, 'polls without punches kept the terminal from going offline')

  // 10:00: the terminal silent 70 minutes of site time.
  clock.set(sh(10))
  t.equal(await watch(), 1)
  const zkHealth = await health('ZK-QUIET')
  t.match(zkHealth, { offline: true, lastContactKind: 'adms_poll', offlineIncident: { serial: 'ZK-QUIET', state: 'open', openedAt: new Date(sh(10)).toISOString(), silentSince: new Date(sh(8, 50)).toISOString(), neverHeard: false } })
  t.same((await incidents('?state=open')).map((i) => i.serial).sort(), ['GT-NEVER', 'ZK-QUIET'])
  t.same((await deliver()).sort(), ['device.offline', 'device.offline'], 'each opening notified')
  for (const r of hooks.received) t.same(verifySignature(r.signature, r.body, secret, Math.floor(clock.nowMs() / 1000)), { ok: true }, 'signed as case webhooks are')
  t.match(JSON.parse(hooks.received.find((r) => r.body.includes('ZK-QUIET'))!.body), { type: 'device.offline', device: { serial: 'ZK-QUIET', projectId: site.projectId }, incident: { id: zkHealth.offlineIncident!.id, state: 'open', silentSiteMinutes: 70 } })

  // 10:05: heard again (a poll, no punch); the next round closes the incident with the times.
  clock.set(sh(10, 5))
  await zk('/iclock/getrequest')
  clock.set(sh(10, 6))
  t.equal(await watch(), 1)
  t.match(await incidents('?state=closed'), [
    { serial: 'ZK-QUIET', state: 'closed', openedAt: new Date(sh(10)).toISOString(), closedAt: new Date(sh(10, 6)).toISOString(), heardAt: new Date(sh(10, 5)).toISOString(), contactKind: 'adms_poll', silentSiteMinutes: 75 },
  ])
  t.match(await health('ZK-QUIET'), { offline: false, offlineIncident: null })
  t.equal((await deliver()).filter((type) => type === 'device.online').length, 1, 'the closing notified')
  t.match(JSON.parse(hooks.received.find((r) => r.type === 'device.online')!.body), { device: { serial: 'ZK-QUIET' }, incident: { state: 'closed', heardAt: new Date(sh(10, 5)).toISOString() } })

  // Silent again; two rounds at once (two instances) open one incident.
  clock.set(sh(11, 10))
  const rounds = await Promise.all([watch(), watch()])
  t.equal(rounds[0] + rounds[1], 1, 'appended once')
  t.same((await incidents('?state=open')).map((i) => i.serial).sort(), ['GT-NEVER', 'ZK-QUIET'])

  // Outside site hours nothing opens, and a device back at night closes its incident.
  clock.set(sh(21))
  await zk('/iclock/getrequest')
  t.equal(await watch(), 1)
  t.same((await incidents('?state=open')).map((i) => i.serial), ['GT-NEVER'])

  // The gate connects over MQTT at last and publishes nothing: its CONNECT is a contact.
  const gate = await mqtt.connectAsync(server.mqttUrl, { clientId: 'GT-NEVER', username: 'GT-NEVER', password: site.secrets.get('GT-NEVER'), clean: true, reconnectPeriod: 0 })
  t.teardown(() => gate.endAsync())
  clock.set(sh(21, 1))
  for (let i = 0; i < 200 && !(await health('GT-NEVER')).lastContactKind; i++) await new Promise((r) => setTimeout(r, 10))
  await services.deviceWatch.contacts.idle()
  t.match(await health('GT-NEVER'), { lastContactKind: 'mqtt_connect' })
  t.equal(await watch(), 1)
  t.match(await incidents('?state=closed'), [{ serial: 'ZK-QUIET' }, { serial: 'ZK-QUIET' }, { serial: 'GT-NEVER', neverHeard: true, contactKind: 'mqtt_connect' }], 'newest first')
  await gate.endAsync()

  const all = await incidents()
  t.same((await api.getAll<Incident>(`/api/projects/${site.projectId}/devices/incidents?limit=1`)).map((i) => i.id), all.map((i) => i.id), 'paged one at a time (Link: rel="next"), the same list')
})
