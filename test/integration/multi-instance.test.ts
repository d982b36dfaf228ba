/**
 * Several instances, one PostgreSQL, one Mosquitto (issue: "one province, many
 * machines"). Three service processes share the group's `$share` subscription;
 * 30 gates publish 30,000 records; one instance is killed with -9 halfway and
 * started again under its name. Every record the broker took is stored exactly
 * once, re-sends are counted as duplicates and not stored, and a second process
 * started under a name in use stops at once with the reason.
 */
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { Api } from '../../simulators/api.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { createAdminKey } from '../helpers/admin-key.ts'
import { readRows, TEST_ENGINE, testDatabaseUrl } from '../helpers/database.ts'
import { freePort } from '../helpers/free-port.ts'
import { launchService, spawnService, type ChildService } from '../ingest/helpers/child-service.ts'
import { gateRecords, publishGateRecords, recordKey } from '../ingest/helpers/gates.ts'
import { findMosquitto, MOSQUITTO_MISSING, startMosquitto } from '../ingest/helpers/mosquitto.ts'

const DEVICES = 30
const RECORDS_PER_DEVICE = 1_000
const IN_FLIGHT_PER_DEVICE = 20
const INSTANCES = 3
const RESENT_PER_DEVICE = 40
const RESENT = DEVICES * RESENT_PER_DEVICE
const SETTLE_MS_MAX = 180_000

async function storedKeys(databaseUrl: string): Promise<string[]> {
  const rows = await readRows<{ serial: string; recordId: string }>(databaseUrl, `SELECT d.serial AS serial, p.record_id AS "recordId" FROM punches p JOIN devices d ON d.id = p.device_id`)
  return rows.map((r) => recordKey(r.serial, r.recordId))
}

async function countOf(databaseUrl: string, sql: string): Promise<number> {
  const [row] = await readRows<{ n: number | string }>(databaseUrl, sql)
  return Number(row?.n ?? 0)
}

async function until(what: string, cond: () => Promise<boolean>, msMax = SETTLE_MS_MAX): Promise<void> {
  const deadline = Date.now() + msMax
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

const bin = findMosquitto()
if (TEST_ENGINE !== 'postgres') {
  t.pass('PostgreSQL run only: several instances share one PostgreSQL (SQLite is one machine by design)')
} else if (!bin) {
  t.fail(MOSQUITTO_MISSING)
} else {
  t.test(`${INSTANCES} instances, ${DEVICES * RECORDS_PER_DEVICE} punches, one instance killed with -9 and restarted: each stored exactly once`, async (t) => {
    const broker = await startMosquitto(t, bin)
    const databaseUrl = await testDatabaseUrl(t)
    const adminKey = await createAdminKey(databaseUrl)
    const group = `wl-${randomUUID()}`
    const start = async (instance: string, wait = true): Promise<ChildService> => {
      const opts = { databaseUrl, httpPort: await freePort(), mqttPort: await freePort(), env: { MQTT_URL: broker.url, MQTT_GROUP: group, MQTT_INSTANCE: instance, MQTT_SUBSCRIBERS: '2' } }
      return wait ? spawnService(t, opts) : launchService(t, opts)
    }
    const instances: ChildService[] = []
    for (let i = 1; i <= INSTANCES; i++) instances.push(await start(`i${i}`))

    // A second process under a name in use stops at once, and says why.
    const intruder = await start('i1', false)
    const gone = await intruder.exited
    t.equal(gone.code, 2, 'a second process with the same MQTT_INSTANCE exits with code 2')
    t.match(intruder.output(), /MQTT_INSTANCE "[^"]+\/i1" is in use by a running instance/, 'and names the reason')

    const api = new Api(instances[0]!.httpUrl, adminKey)
    const plan = planSite({ ...DEFAULT_SITE, workers: 40, teams: 2, seed: 71 })
    const site = await registerSite(api, plan)
    const serials = Array.from({ length: DEVICES }, (_, i) => `MI-${String(i + 1).padStart(2, '0')}`)
    const installedAt = new Date(Date.now() - 86_400_000).toISOString()
    for (const serial of serials) {
      await api.post(`/api/projects/${site.projectId}/devices`, { serial, model: 'gate-ts200', settings: { lanes: { '1': 'in', '2': 'out' } }, location: serial, installedAt })
    }
    const gates = gateRecords(plan.spec.siteCode, serials, RECORDS_PER_DEVICE, plan.workers.map((w) => w.idNumber), Date.now())
    const all = new Set(gates.flat().map((r) => r.key))

    let restarted: Promise<ChildService> | undefined
    const published = await publishGateRecords(broker.url, gates, {
      inFlightPerDevice: IN_FLIGHT_PER_DEVICE,
      onAck: (n) => {
        if (n === Math.floor(all.size / 2)) {
          restarted = (async () => {
            await instances[1]!.kill9()
            // The same name again: its persistent broker session holds what the killed process had not acknowledged.
            return start('i2')
          })()
        }
      },
    })
    t.ok(restarted, 'instance i2 was killed halfway')
    instances[1] = await restarted!
    t.notMatch(instances[1].output(), /is in use by a running instance/, 'the restarted i2 took its name over from the killed one')

    // Devices re-send whatever the broker did not acknowledge.
    const unacked = gates.map((list) => list.filter((r) => !published.acked.has(r.key)))
    const unackedCount = unacked.reduce((n, l) => n + l.length, 0)
    if (unackedCount > 0) {
      const again = await publishGateRecords(broker.url, unacked, { inFlightPerDevice: IN_FLIGHT_PER_DEVICE })
      t.equal(again.acked.size, unackedCount, `the ${unackedCount} records not acknowledged were sent again`)
    }
    await until(`all ${all.size} records stored`, async () => (await countOf(databaseUrl, 'SELECT count(*) AS n FROM punches')) >= all.size)
    const stored = await storedKeys(databaseUrl)
    t.equal(stored.length, all.size, `${all.size} records sent, ${stored.length} stored`)
    t.equal(new Set(stored).size, stored.length, 'none stored twice')
    t.same(
      stored.filter((k) => !all.has(k)),
      [],
      'nothing stored that was not sent',
    )

    // Re-sends of stored records: counted once each as duplicates, never stored.
    const duplicatesBefore = await countOf(databaseUrl, 'SELECT CAST(coalesce(sum(count), 0) AS BIGINT) AS n FROM duplicate_counts')
    const resend = gates.map((list) => list.slice(0, RESENT_PER_DEVICE))
    t.equal((await publishGateRecords(broker.url, resend, { inFlightPerDevice: IN_FLIGHT_PER_DEVICE })).acked.size, RESENT, `${RESENT} stored records sent again`)
    await until('re-sends counted', async () => (await countOf(databaseUrl, 'SELECT CAST(coalesce(sum(count), 0) AS BIGINT) AS n FROM duplicate_counts')) >= duplicatesBefore + RESENT, 60_000)
    // Give a stray redelivery time to show itself before the final count.
    await new Promise((r) => setTimeout(r, 1_000))
    t.equal(await countOf(databaseUrl, 'SELECT CAST(coalesce(sum(count), 0) AS BIGINT) AS n FROM duplicate_counts'), duplicatesBefore + RESENT, `the ${RESENT} re-sends are counted once each`)
    t.equal(await countOf(databaseUrl, 'SELECT count(*) AS n FROM punches'), all.size, 'and stored no row')

    for (const s of instances) await s.stop()
    t.equal(await countOf(databaseUrl, 'SELECT count(*) AS n FROM instance_leases'), 0, 'clean stops release their names')
  })
}
