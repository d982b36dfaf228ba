/**
 * Crash test: nothing acknowledged is ever lost. The service runs as a child
 * process with its embedded broker; gates publish QoS 1 records, many in
 * flight; the service is killed with SIGKILL mid-stream. Every record whose
 * PUBACK reached its gate must be in the database, once. Then the gates
 * re-send what was not acknowledged to the restarted service, and every
 * record is stored exactly once.
 */
import t from 'tap'
import { Api } from '../../simulators/api.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { freePort } from '../helpers/free-port.ts'
import { createAdminKey } from '../helpers/admin-key.ts'
import { readRows, testDatabaseUrl } from '../helpers/database.ts'
import { spawnService } from './helpers/child-service.ts'
import { gateRecords, publishGateRecords, recordKey, type GateRecord } from './helpers/gates.ts'

const EXTRA_GATES = ['GT-03', 'GT-04', 'GT-05', 'GT-06', 'GT-07', 'GT-08']
const RECORDS_PER_GATE = 3_000
const IN_FLIGHT_PER_GATE = 200
/** Kill once this many PUBACKs have arrived: well into the stream, with hundreds still in flight. */
const KILL_AFTER_ACKED = 4_000

type Health = { status: string; ingest: { stored: number; duplicates: number; rejected: number; batches: number; pending: number } }

/** (serial, record id) of every stored punch of the site's devices, read straight from the file. */
async function storedKeys(databaseUrl: string): Promise<{ keys: string[]; rows: number }> {
  const rows = await readRows<{ serial: string; recordId: string }>(databaseUrl, `SELECT d.serial AS serial, p.record_id AS "recordId" FROM punches p JOIN devices d ON d.id = p.device_id`)
  return { keys: rows.map((r) => recordKey(r.serial, r.recordId)), rows: rows.length }
}

t.test('every acknowledged punch survives kill -9; re-sent records are stored once', async (t) => {
  const databaseUrl = await testDatabaseUrl(t)
  const ports = { databaseUrl, httpPort: await freePort(), mqttPort: await freePort() }

  // First run: register the site over HTTP, then publish and kill it mid-stream.
  const adminKey = await createAdminKey(databaseUrl)
  const first = await spawnService(t, ports)
  const api = new Api(first.httpUrl, adminKey)
  const plan = planSite({ ...DEFAULT_SITE, workers: 12, teams: 2, seed: 31 })
  const site = await registerSite(api, plan)
  for (const serial of EXTRA_GATES) {
    const gate = await api.post<{ mqtt: { password: string } }>(`/api/projects/${site.projectId}/devices`, { serial, model: 'gate-ts200', settings: { lanes: { '1': 'in', '2': 'out' } }, location: serial })
    site.secrets.set(serial, gate.mqtt.password)
  }
  const serials = [...plan.devices.filter((d) => d.model === 'gate-ts200').map((d) => d.serial), ...EXTRA_GATES]
  const gates = gateRecords(plan.spec.siteCode, serials, RECORDS_PER_GATE, plan.workers.map((w) => w.idNumber), Date.now())
  const all = new Map<string, GateRecord>(gates.flat().map((r) => [r.key, r]))

  let killing: Promise<void> | undefined
  const run1 = await publishGateRecords(first.mqttUrl, gates, {
    inFlightPerDevice: IN_FLIGHT_PER_GATE,
    secrets: site.secrets,
    onAck: (n) => {
      if (n >= KILL_AFTER_ACKED) killing ??= first.kill9()
    },
  })
  t.ok(killing, `the service was killed after ${KILL_AFTER_ACKED} acks`)
  await killing
  t.equal((await first.exited).signal, 'SIGKILL', 'the service died by SIGKILL')
  const unacked = run1.attempted.size - run1.acked.size
  t.ok(run1.acked.size >= KILL_AFTER_ACKED, `${run1.acked.size} records acknowledged before the kill`)
  t.ok(unacked > 0, `${unacked} records were in flight or unsent-but-attempted at the kill (mid-stream)`)
  t.ok(run1.attempted.size < all.size, 'the stream was cut before its end')

  // What is on disk after the crash, before anything else opens the file.
  const atCrash = await storedKeys(databaseUrl)
  const atCrashSet = new Set(atCrash.keys)
  const lost = [...run1.acked].filter((k) => !atCrashSet.has(k))
  t.same(lost, [], 'every acknowledged record is stored')
  t.equal(atCrashSet.size, atCrash.rows, 'no record is stored twice')
  t.ok(atCrash.rows <= run1.attempted.size, `stored ${atCrash.rows} ≤ sent ${run1.attempted.size}`)
  t.same(atCrash.keys.filter((k) => !run1.attempted.has(k)), [], 'nothing stored that was never sent')

  // Restart on the same file; the gates re-send everything not acknowledged (and what they never got to send).
  const second = await spawnService(t, ports)
  const resend = gates.map((list) => list.filter((r) => !run1.acked.has(r.key)))
  const run2 = await publishGateRecords(second.mqttUrl, resend, { inFlightPerDevice: IN_FLIGHT_PER_GATE, secrets: site.secrets })
  const resent = resend.flat().length
  t.equal(run2.acked.size, resent, `all ${resent} re-sent records acknowledged by the restarted service`)
  t.equal(run2.failed, 0)

  const health = await new Api(second.httpUrl).get<Health>('/health')
  const committedNotAcked = atCrash.rows - run1.acked.size
  t.equal(health.ingest.duplicates, committedNotAcked, `the ${committedNotAcked} records committed but not acknowledged before the kill came back as duplicates`)
  t.equal(health.ingest.stored, all.size - atCrash.rows, 'the rest were stored now')
  t.equal(health.ingest.rejected, 0, 'nothing refused')

  await second.stop()
  const final = await storedKeys(databaseUrl)
  t.equal(final.rows, all.size, `${all.size} records sent, ${final.rows} stored`)
  t.equal(new Set(final.keys).size, final.rows, 'each exactly once')
  t.same(final.keys.filter((k) => !all.has(k)), [], 'and only records that were sent')
})
