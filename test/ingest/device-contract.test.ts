/**
 * The device side of the ack contract (devices/README.md): a device that keeps
 * records until acked ends with nothing pending, refusals are acked with their
 * reason, and re-sending everything changes nothing in the database.
 */
import mqtt from 'mqtt'
import t from 'tap'
import { ContractDevice } from '../../simulators/device.ts'
import { DEFAULT_SITE, planSite, registerSite, simulateMonth } from '../../simulators/site.ts'
import { settled, startTestServer } from '../helpers/server.ts'

t.test('every record a device sends comes back in an ack', async (t) => {
  const server = await startTestServer(t)
  const plan = planSite({ ...DEFAULT_SITE, workers: 6, teams: 2, seed: 5 })
  const site = await registerSite(server.api, plan)
  const month = simulateMonth(plan)
  const frames = month.frames.filter((f) => f.serial === 'FT-01' && f.kind !== 'malformed')
  t.ok(frames.some((f) => f.kind === 'stranger'), 'the face terminal saw a stranger')

  const device = new ContractDevice(server.mqttUrl, plan.spec.siteCode, 'FT-01', site.secrets.get('FT-01')!)
  await device.connect()
  t.teardown(() => device.disconnect())
  await device.send(frames)
  await device.allAcked(60_000)
  t.equal(device.pending.size, 0, 'nothing left pending')
  t.ok([...device.refused.values()].every((r) => r === 'unknown_worker'), 'strangers are acked as refused, with the reason')
  t.equal(device.refused.size, frames.filter((f) => f.kind === 'stranger').length)

  const stored = await server.services.punches.countPunches(site.projectId)
  const everything = frames.filter((f) => f.kind !== 'stranger')
  await device.send(everything)
  await device.allAcked(60_000)
  t.equal(await server.services.punches.countPunches(site.projectId), stored, 're-sending everything stores nothing new')
})

t.test('a NUL in a topic or a client id is refused with its reason and kept, the same on both engines', async (t) => {
  const server = await startTestServer(t)
  const plan = planSite({ ...DEFAULT_SITE, workers: 1, teams: 1, seed: 6 })
  const site = await registerSite(server.api, plan)
  const secret = site.secrets.get('GT-01')
  const refused = await mqtt.connectAsync(server.mqttUrl, { clientId: 'GT-01\u0000X', username: 'GT-01', password: secret, reconnectPeriod: 0 }).then(
    () => 0,
    (err: unknown) => (err as { code?: number }).code,
  )
  t.equal(refused, 2, 'a client id that is not the serial is refused at CONNECT: identifier rejected')
  const client = await mqtt.connectAsync(server.mqttUrl, { clientId: 'GT-01', username: 'GT-01', password: secret, reconnectPeriod: 0 })
  client.on('error', () => {})
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()))
  client.publish('wl/v1/SITE\u0000A/GT\u00001/punch', '{"seq":1}', { qos: 1 })
  await closed
  client.end(true)
  await settled(server)
  const [kept] = await server.api.get<Array<{ reason: string; channel: string; sender: string; payloadBytes: number }>>('/api/rejected-inputs')
  t.equal(kept?.reason, 'publish_not_allowed', "not the device's punch topic")
  t.equal(kept?.channel, 'wl/v1/SITE\ufffdA/GT\ufffd1/punch', 'the topic as received, its NULs shown as U+FFFD')
  t.equal(kept?.sender, 'GT-01')
  t.equal(kept?.payloadBytes, 9, 'the payload kept whole')
})
