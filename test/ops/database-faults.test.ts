/**
 * A database that fails is loud and bounded (issue: "a failing database is
 * invisible and stops everything"). A second connection holds the SQLite
 * write lock far longer than any request may take; meanwhile /health and
 * /ready answer, and say why they fail, the log says so with a stable code,
 * /metrics counts it, and no punch is acknowledged. When the lock goes, the
 * inbox commits what it held and acknowledges it, by itself, on the embedded
 * broker and through Mosquitto alike.
 *
 * SQLite only, whatever engine the run uses: the fault is SQLite's own (another
 * process holding the file's write lock, SQLITE_BUSY), so each test starts the
 * service on a SQLite file of its own. The engine-neutral fault path (a fault
 * retried, nothing acknowledged meanwhile) is in test/ingest/inbox-faults.test.ts.
 */
import Database from 'better-sqlite3'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import t from 'tap'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { startTestServer, tempDir } from '../helpers/server.ts'
import { gateRecords, publishGateRecords } from '../ingest/helpers/gates.ts'
import { findMosquitto, MOSQUITTO_MISSING, startMosquitto } from '../ingest/helpers/mosquitto.ts'
import type { Api } from '../../simulators/api.ts'
import { creditCode } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'

const WAIT_MS_MAX = 60_000
const RECORDS_PER_GATE = 40

/** Log lines as the service writes them (pino JSON). */
function capture(): { stream: PassThrough; lines(): Array<Record<string, unknown>> } {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (b: Buffer) => (text += b.toString()))
  return {
    stream,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  }
}

async function until(what: string, cond: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS_MAX
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function site(api: Api, seed: number) {
  const plan = planSite({ ...DEFAULT_SITE, workers: 6, teams: 1, seed })
  const registered = await registerSite(api, plan)
  const serials = plan.devices.filter((d) => d.model === 'gate-ts200').map((d) => d.serial)
  const gates = gateRecords(plan.spec.siteCode, serials, RECORDS_PER_GATE, plan.workers.map((w) => w.idNumber), Date.now())
  return { projectId: registered.projectId, gates, total: serials.length * RECORDS_PER_GATE, secrets: registered.secrets }
}

function storedPunches(dbPath: string, projectId: string): number {
  const db = new Database(dbPath, { readonly: true })
  try {
    return (db.prepare('SELECT count(*) AS n FROM punches WHERE project_id = ?').get(projectId) as { n: number }).n
  } finally {
    db.close()
  }
}

t.test('embedded broker: a lock held elsewhere is reported, acknowledges nothing, and passes by itself', async (t) => {
  const log = capture()
  const dbPath = join(tempDir(t), 'test.db')
  const server = await startTestServer(t, { logStream: log.stream, config: { logLevel: 'info', databaseUrl: `file:${dbPath}` } })
  const { projectId, gates, total, secrets } = await site(server.api, 71)

  const holder = new Database(dbPath)
  t.teardown(() => holder.open && holder.close())
  holder.exec('BEGIN EXCLUSIVE')

  let ackedWhileLocked = 0
  let locked = true
  const publishing = publishGateRecords(server.mqttUrl, gates, { inFlightPerDevice: 10, secrets, onAck: () => locked && ackedWhileLocked++ })

  await until('/ready fails', async () => (await getJson(`${server.httpUrl}/ready`)).status === 503)
  // Still held: every answer below comes while the lock is held.
  const health = await getJson(`${server.httpUrl}/health`)
  t.equal(health.status, 503, '/health fails while the database cannot be written')
  t.equal(health.body.status, 'failing')
  t.match(String(health.body.reason), /locked by another process: SQLITE_BUSY/, '/health says why')
  const ready = await getJson(`${server.httpUrl}/ready`)
  t.equal(ready.status, 503)
  t.match(ready.body.checks, { database: { ok: false }, broker: { ok: true } })
  t.match((ready.body.reasons as string[]).join('\n'), /SQLITE_BUSY/, '/ready lists the reason')
  t.ok(server.services.inbox.pending > 0, 'frames wait in the inbox')
  const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text()
  t.match(metrics, /wl_db_errors_total\{operation="(ingest|probe)",code="SQLITE_BUSY"\} [1-9]/, '/metrics counts the fault')
  t.match(metrics, /wl_db_failing 1/)
  t.match(metrics, /wl_ingest_backlog_frames [1-9]/, 'and the backlog')
  const faultLines = log.lines().filter((l) => l.code === 'ingest_db_error' || l.code === 'db_probe_error')
  t.ok(faultLines.length >= 1, 'the log has the fault')
  t.equal(faultLines[0]?.level, 50, 'at error level')
  t.equal(faultLines[0]?.sqliteCode, 'SQLITE_BUSY', "with SQLite's own code")
  t.equal(faultLines[0]?.dbCode, 'SQLITE_BUSY', 'and under the name it has on either engine')
  t.ok(faultLines.length <= 3, `logged once, not per retry (${faultLines.length} lines)`)
  // A write over HTTP meets the lock too: 503 with Retry-After, nothing half-done.
  const org = { kind: 'subcontractor', name: '锁表时登记的劳务分包', creditCode: creditCode(new Rng(7)) }
  const res = await server.api.fetch('/api/organisations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(org) })
  t.equal(res.status, 503, 'an HTTP write answers 503')
  t.equal(res.headers.get('retry-after'), '1')
  t.match(await res.json(), { error: { code: 'database_busy', details: { sqliteCode: 'SQLITE_BUSY' } } })
  t.equal(ackedWhileLocked, 0, 'no punch acknowledged while the lock was held')
  t.ok(server.services.inbox.stats.stored === 0, 'nothing stored')

  holder.exec('COMMIT')
  locked = false
  const result = await publishing
  t.equal(result.acked.size, total, 'every punch acknowledged once the lock went, with no restart')
  t.equal(result.failed, 0)
  t.equal(storedPunches(dbPath, projectId), total, 'and every one stored once')
  await until('/ready passes', async () => (await getJson(`${server.httpUrl}/ready`)).status === 200)
  t.equal((await getJson(`${server.httpUrl}/health`)).status, 200)
  t.equal((await server.api.post<{ id: string; name: string }>('/api/organisations', org)).name, org.name, 'the refused write goes through when sent again')
  t.ok(
    log.lines().some((l) => l.code === 'db_recovered'),
    'the recovery is logged',
  )
})

const bin = findMosquitto()
if (!bin) {
  t.fail(MOSQUITTO_MISSING)
} else {
  t.test('external broker: frames wait unacknowledged while the lock is held and are stored when it goes, with no restart', async (t) => {
    const broker = await startMosquitto(t, bin)
    const dbPath = join(tempDir(t), 'test.db')
    const server = await startTestServer(t, { config: { mqttUrl: broker.url, mqttGroup: `wl-${randomUUID()}`, databaseUrl: `file:${dbPath}` } })
    const { projectId, gates, total } = await site(server.api, 73)

    const holder = new Database(dbPath)
    t.teardown(() => holder.open && holder.close())
    holder.exec('BEGIN EXCLUSIVE')
    const published = await publishGateRecords(broker.url, gates, { inFlightPerDevice: 10 })
    t.equal(published.acked.size, total, 'Mosquitto took every frame')
    await until('the inbox is failing', () => server.services.inbox.failing)
    const ready = await getJson(`${server.httpUrl}/ready`)
    t.equal(ready.status, 503)
    t.match((ready.body.reasons as string[]).join('\n'), /SQLITE_BUSY/)
    t.equal(server.services.inbox.stats.stored, 0, 'nothing stored while locked')

    holder.exec('COMMIT')
    await until('every frame stored', () => server.services.inbox.stats.stored >= total)
    t.equal(storedPunches(dbPath, projectId), total, 'every frame stored once, without a restart')
    await until('/ready passes', async () => (await getJson(`${server.httpUrl}/ready`)).status === 200)
  })
}
