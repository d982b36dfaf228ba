/**
 * Disk full, simulated with a file-size limit on the running service
 * (`prlimit --fsize`: every write that would grow a file past it fails with
 * EFBIG, as on a full disk; Node ignores SIGXFSZ). While it lasts nothing is
 * acknowledged unstored and /ready says why; when it is lifted everything is
 * stored, by itself. Through Mosquitto the service is then killed (-9) with
 * frames still held: the broker must still have them for the next start,
 * which proves no PUBACK left before its commit.
 */
import Database from 'better-sqlite3'
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import t from 'tap'
import { TEST_ENGINE } from '../helpers/database.ts'
import { Api } from '../../simulators/api.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { createAdminKey } from '../helpers/admin-key.ts'
import { freePort } from '../helpers/free-port.ts'
import { tempDir } from '../helpers/server.ts'
import { spawnService, type ChildService } from '../ingest/helpers/child-service.ts'
import { gateRecords, publishGateRecords, recordKey } from '../ingest/helpers/gates.ts'
import { findMosquitto, MOSQUITTO_MISSING, startMosquitto } from '../ingest/helpers/mosquitto.ts'

const WAIT_MS_MAX = 60_000
const RECORDS_PER_GATE = 50

async function until(what: string, cond: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS_MAX
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

async function ready(child: ChildService): Promise<{ status: number; body: { reasons?: string[] } }> {
  const res = await fetch(`${child.httpUrl}/ready`).catch((err: unknown) => {
    throw new Error(`${String(err)} (${String((err as { cause?: unknown }).cause)}); exit ${child.proc.exitCode} ${child.proc.signalCode}; the service said:\n${child.output()}`)
  })
  return { status: res.status, body: (await res.json()) as { reasons?: string[] } }
}

/** Limits how large any file the process writes may grow: 1 byte is a disk with no room at all. */
function fileSizeLimit(pid: number, bytes: number | 'unlimited'): void {
  execFileSync('prlimit', ['--pid', String(pid), `--fsize=${bytes}:unlimited`])
}

function storedKeys(dbPath: string): string[] {
  const db = new Database(dbPath, { readonly: true })
  try {
    const rows = db.prepare('SELECT d.serial AS serial, p.record_id AS recordId FROM punches p JOIN devices d ON d.id = p.device_id').all() as Array<{ serial: string; recordId: string }>
    return rows.map((r) => recordKey(r.serial, r.recordId))
  } finally {
    db.close()
  }
}

async function setUp(child: ChildService, adminKey: string, seed: number) {
  const plan = planSite({ ...DEFAULT_SITE, workers: 6, teams: 1, seed })
  const { secrets } = await registerSite(new Api(child.httpUrl, adminKey), plan)
  const serials = plan.devices.filter((d) => d.model === 'gate-ts200').map((d) => d.serial)
  const gates = gateRecords(plan.spec.siteCode, serials, RECORDS_PER_GATE, plan.workers.map((w) => w.idNumber), Date.now())
  return { gates, keys: gates.flat().map((r) => r.key), secrets }
}

let prlimit = true
try {
  execFileSync('prlimit', ['--version'])
} catch {
  prlimit = false
}

if (TEST_ENGINE === 'postgres') {
  // The file-size limit fills SQLite's own files; PostgreSQL's disk is its server's (docs/deployment.md covers it), and
  // its disk-full errors (SQLSTATE 53100) are classified with the other unavailable faults (test/db).
  t.pass('SQLite only: simulates a full disk under the SQLite file')
} else if (!prlimit) {
  t.fail('prlimit (util-linux) is needed to simulate a full disk')
} else {
  t.test('embedded broker: a full disk acknowledges nothing, /ready says why, and lifting it stores everything', async (t) => {
    const dir = tempDir(t, 'wage-ledger-full-')
    const dbPath = join(dir, 'full.db')
    const adminKey = await createAdminKey(`file:${dbPath}`)
    const child = await spawnService(t, { databaseUrl: `file:${dbPath}`, httpPort: await freePort(), mqttPort: await freePort() })
    const { gates, keys, secrets } = await setUp(child, adminKey, 81)

    fileSizeLimit(child.proc.pid as number, 1)
    let full = true
    let ackedWhileFull = 0
    const publishing = publishGateRecords(child.mqttUrl, gates, { inFlightPerDevice: 10, secrets, onAck: () => full && ackedWhileFull++ })
    await until('/ready fails', async () => (await ready(child)).status === 503)
    const r = await ready(child)
    t.match((r.body.reasons ?? []).join('\n'), /not writable .*SQLITE_(FULL|IOERR)/, '/ready says the database cannot be written, with the code')
    t.equal((await fetch(`${child.httpUrl}/health`)).status, 503, '/health fails too')
    // /ready may fail first on another write (the probe, a device's contact): the inbox's own failure follows.
    await until('the log has ingest_db_error', () => /"code":"ingest_db_error"/.test(child.output()))
    t.match(child.output(), /"code":"ingest_db_error"/, 'the log has ingest_db_error')
    t.match(child.output(), /"sqliteCode":"SQLITE_(FULL|IOERR[A-Z_]*)"/, "with SQLite's code")
    t.equal(ackedWhileFull, 0, 'nothing acknowledged while the disk was full')

    fileSizeLimit(child.proc.pid as number, 'unlimited')
    full = false
    const result = await publishing
    t.equal(result.acked.size, keys.length, 'every punch acknowledged once there was room again, with no restart')
    await until('/ready passes', async () => (await ready(child)).status === 200)
    await child.stop()
    const stored = storedKeys(dbPath)
    t.equal(stored.length, keys.length, 'every punch stored')
    t.equal(new Set(stored).size, stored.length, 'each once')
    const integrity = new Database(dbPath, { readonly: true })
    t.equal(integrity.pragma('integrity_check', { simple: true }), 'ok', 'the file is intact')
    integrity.close()
  })

  const bin = findMosquitto()
  if (!bin) {
    t.fail(MOSQUITTO_MISSING)
  } else {
    t.test('external broker: frames held during a full disk are neither acknowledged nor lost, even through kill -9', async (t) => {
      const broker = await startMosquitto(t, bin)
      const dir = tempDir(t, 'wage-ledger-full-')
      const dbPath = join(dir, 'full.db')
      const env = { MQTT_URL: broker.url, MQTT_GROUP: `wl-${randomUUID()}` }
      const adminKey = await createAdminKey(`file:${dbPath}`)
      const first = await spawnService(t, { databaseUrl: `file:${dbPath}`, httpPort: await freePort(), mqttPort: await freePort(), env })
      const { gates, keys } = await setUp(first, adminKey, 83)

      fileSizeLimit(first.proc.pid as number, 1)
      const published = await publishGateRecords(broker.url, gates, { inFlightPerDevice: 10 })
      t.equal(published.acked.size, keys.length, 'Mosquitto took every frame')
      await until('/ready fails', async () => (await ready(first)).status === 503)
      await until('the log has ingest_db_error', () => /"code":"ingest_db_error"/.test(first.output()))
      t.match(first.output(), /"code":"ingest_db_error"/)
      // Whatever the service received is held unacknowledged; killed now, it must be redelivered to the next start.
      await first.kill9()

      const second = await spawnService(t, { databaseUrl: `file:${dbPath}`, httpPort: await freePort(), mqttPort: await freePort(), env })
      await until('every frame stored', () => storedKeysSafe(dbPath) >= keys.length)
      await until('/ready passes', async () => (await ready(second)).status === 200)
      await second.stop()
      const stored = storedKeys(dbPath)
      t.same(new Set(stored), new Set(keys), 'every frame Mosquitto took is stored')
      t.equal(stored.length, keys.length, 'each once')
    })
  }
}

function storedKeysSafe(dbPath: string): number {
  try {
    return storedKeys(dbPath).length
  } catch {
    return 0
  }
}
