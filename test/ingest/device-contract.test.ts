/**
 * The device side of the ack contract (devices/README.md): a device that keeps
 * records until acked ends with nothing pending, refusals are acked with their
 * reason, and re-sending everything changes nothing in the database.
 */
import t from 'tap'
import { ContractDevice } from '../../simulators/device.ts'
import { DEFAULT_SITE, planSite, registerSite, simulateMonth } from '../../simulators/site.ts'
import { startTestServer } from '../helpers/server.ts'

t.test('every record a device sends comes back in an ack', async (t) => {
  const server = await startTestServer(t)
  const plan = planSite({ ...DEFAULT_SITE, workers: 6, teams: 2, seed: 5 })
  const site = await registerSite(server.api, plan)
  const month = simulateMonth(plan)
  const frames = month.frames.filter((f) => f.serial === 'FT-01' && f.kind !== 'malformed')
  t.ok(frames.some((f) => f.kind === 'stranger'), 'the face terminal saw a stranger')

  const device = new ContractDevice(server.mqttUrl, plan.spec.siteCode, 'FT-01')
  await device.connect()
  t.teardown(() => device.disconnect())
  await device.send(frames)
  await device.allAcked(10_000)
  t.equal(device.pending.size, 0, 'nothing left pending')
  t.ok([...device.refused.values()].every((r) => r === 'unknown_worker'), 'strangers are acked as refused, with the reason')
  t.equal(device.refused.size, frames.filter((f) => f.kind === 'stranger').length)

  const stored = await server.services.punches.countPunches(site.projectId)
  const everything = frames.filter((f) => f.kind !== 'stranger')
  await device.send(everything)
  await device.allAcked(10_000)
  t.equal(await server.services.punches.countPunches(site.projectId), stored, 're-sending everything stores nothing new')
})
