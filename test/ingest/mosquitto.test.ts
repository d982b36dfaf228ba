/**
 * Ingest through a real Mosquitto: the configuration we document loses
 * nothing, a month of a site arrives whole, and the service's persistent
 * session keeps what devices publish while the service is down.
 */
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { workDateOf } from '../../src/kernel/time.ts'
import type { RunningServer } from '../../src/server.ts'
import { DEFAULT_SITE, planSite, publishFrames, registerSite, simulateMonth, type SimFrame } from '../../simulators/site.ts'
import { startTestServer } from '../helpers/server.ts'
import { findMosquitto, MOSQUITTO_MISSING, startMosquitto } from './helpers/mosquitto.ts'

const SETTLE_WAIT_MS_MAX = 120_000
/** After the expected number has arrived, how long nothing more may arrive. */
const QUIET_MS = 300

type Summary = { punches: number; duplicates: number; rejectedByReason: Record<string, number> }
/** Re-sends and refusals count in the month they were received (now, in the site's zone), not the punches' month. */
const receivedMonth = (): string => workDateOf(Date.now(), DEFAULT_SITE.timeZone).slice(0, 7)

const processed = (server: RunningServer): number => {
  const s = server.services.inbox.stats
  return s.stored + s.duplicates + s.rejected
}

/** Waits until the service has committed `n` frames (and no more arrive), or the deadline passes; returns what it committed. */
async function settle(server: RunningServer, n: number): Promise<number> {
  const deadline = Date.now() + SETTLE_WAIT_MS_MAX
  while (processed(server) < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  await new Promise((r) => setTimeout(r, QUIET_MS))
  return processed(server)
}

const bin = findMosquitto()
if (!bin) {
  t.fail(MOSQUITTO_MISSING)
} else {
  t.test('a month published through Mosquitto arrives whole', async (t) => {
    const broker = await startMosquitto(t, bin)
    const server = await startTestServer(t, { config: { mqttUrl: broker.url, mqttGroup: `wl-${randomUUID()}` } })
    const plan = planSite({ ...DEFAULT_SITE, seed: 41 })
    const site = await registerSite(server.api, plan)
    const month = simulateMonth(plan)

    const { acked } = await publishFrames(broker.url, month.frames, { secrets: site.secrets })
    t.equal(acked, month.frames.length, 'Mosquitto acknowledged every frame')
    const got = await settle(server, month.frames.length)
    t.equal(got, month.frames.length, `the service committed ${got} of ${month.frames.length} frames (each once)`)

    const summary = await server.api.get<Summary>(`/api/projects/${site.projectId}/summary/${plan.spec.month}`)
    t.equal(summary.punches, month.expected.punches, 'every genuine punch stored once')
    t.equal(await server.services.punches.countPunches(site.projectId), month.expected.punches)
    const received = await server.api.get<Summary>(`/api/projects/${site.projectId}/summary/${receivedMonth()}`)
    t.equal(received.duplicates, month.expected.duplicates, 're-sent records counted, not stored')
    // This test broker lets anyone in: the unregistered gate's frame reaches the service, which refuses it.
    t.same(received.rejectedByReason, { ...month.expected.rejected, unknown_device: month.expected.unregistered.frames }, 'refusals kept with their reasons')
    t.equal(broker.output().trim(), '', 'Mosquitto logged no warning or error')
  })

  t.test("the service's persistent session keeps punches published while it is down", async (t) => {
    const broker = await startMosquitto(t, bin)
    const group = `wl-${randomUUID()}`
    const first = await startTestServer(t, { config: { mqttUrl: broker.url, mqttGroup: group } })
    const databaseUrl = first.services.config.databaseUrl
    const plan = planSite({ ...DEFAULT_SITE, seed: 43 })
    const site = await registerSite(first.api, plan)
    const month = simulateMonth(plan)
    // Most of the month while the service is down: more than Mosquitto's default max_queued_messages (1000) per
    // subscriber session, so a broker left at its defaults would drop some and this test would say so.
    const split = Math.floor(month.frames.length / 10)
    const before: SimFrame[] = month.frames.slice(0, split)
    const during: SimFrame[] = month.frames.slice(split)
    t.ok(during.length > 1000 * first.services.config.mqttSubscribers, `${during.length} frames published while down, over 1000 for each of the ${first.services.config.mqttSubscribers} sessions`)

    t.equal((await publishFrames(broker.url, before, { secrets: site.secrets })).acked, before.length)
    const gotBefore = await settle(first, before.length)
    t.equal(gotBefore, before.length, `${gotBefore} of the first ${before.length} frames arrived while the service was up`)
    await first.close()

    // Devices keep publishing; only Mosquitto is there to take them.
    t.equal((await publishFrames(broker.url, during, { secrets: site.secrets })).acked, during.length, 'Mosquitto acknowledged the rest while the service was down')

    // Mosquitto queues for every member of the shared group, online or not, and delivers right after CONNACK of a
    // resumed session: the subscriber's handleMessage must be in place before it connects, or MQTT.js's default
    // handler acknowledges those frames without storing them.
    const second = await startTestServer(t, { config: { mqttUrl: broker.url, mqttGroup: group, databaseUrl } })
    const got = await settle(second, during.length)
    t.equal(got, during.length, `the restarted service received ${got} of the ${during.length} frames queued for its session`)

    const summary = await second.api.get<Summary>(`/api/projects/${site.projectId}/summary/${plan.spec.month}`)
    t.equal(summary.punches, month.expected.punches, `the whole month is stored once (${summary.punches} of ${month.expected.punches} punches)`)
    const received = await second.api.get<Summary>(`/api/projects/${site.projectId}/summary/${receivedMonth()}`)
    t.equal(received.duplicates, month.expected.duplicates)
    t.same(received.rejectedByReason, { ...month.expected.rejected, unknown_device: month.expected.unregistered.frames })
    await second.close()
  })
}
