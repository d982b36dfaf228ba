/**
 * The access log (issue 9), on the run's engine: reads of personal data and denials write rows naming the actor,
 * role, scope, route and records; the rows form one hash chain; the triggers refuse UPDATE and DELETE on the log and
 * on the ledger's tables; and a row edited by hand, the way a person with the database's password would (drop the
 * trigger, change a field), is reported by `npm run audit:verify` by its id, with a non-zero exit.
 */
import { spawn } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import t from 'tap'
import { verifyChain } from '../../src/access/audit-log.ts'
import { q } from '../../src/db/database.ts'
import { punchTopic } from '../../src/punches/admit.ts'
import { TEST_ENGINE } from '../helpers/database.ts'
import { startTestServer } from '../helpers/server.ts'
import { createKey, createLogin, DAY, logIn, MONTH, postPayoutFile, registerAccessSite } from './helpers/site.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

interface LogRow {
  id: number
  actorKind: string
  actorId: string | null
  role: string | null
  scope: string | null
  action: string
  method: string
  route: string
  status: number
  reason: string | null
  recordIds: string
}

const LOG = `SELECT id AS "id", actor_kind AS "actorKind", actor_id AS "actorId", role AS "role", scope AS "scope", action AS "action", method AS "method",
  route AS "route", status AS "status", reason AS "reason", record_ids AS "recordIds" FROM access_log WHERE id > ? ORDER BY id`

/** Runs `npm run audit:verify` on the database, as an operator would. */
function auditVerify(databaseUrl: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done, reject) => {
    const child = spawn('npm', ['run', '--silent', 'audit:verify'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => done({ code, output }))
  })
}

/** Statements run by hand, outside the service, as a person with the database's password would (sqlite3, psql). */
async function byHand(databaseUrl: string, statements: string[]): Promise<void> {
  if (TEST_ENGINE === 'sqlite') {
    const db = new BetterSqlite3(databaseUrl.replace(/^file:/, ''))
    try {
      for (const s of statements) db.exec(s)
    } finally {
      db.close()
    }
    return
  }
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    for (const s of statements) await client.query(s)
  } finally {
    await client.end()
  }
}

t.test('the access log: rows for reads and denials, one chain, append-only, an edit caught', async (t) => {
  const { api: admin, services } = await startTestServer(t)
  const { db, config } = services
  const site = await registerAccessSite(admin, { tag: 'AL-1', regionCode: '330106', bankCode: '103331000011', seed: 901 })
  const bank = await createKey(admin, 'bank 103', 'bank', { bankCode: '103' })
  await postPayoutFile(admin.as(bank.key), admin, site, 901)

  // A punch, through the inbox as a device's frame would come, and a correction: rows in two more ledger tables.
  const ts = Date.UTC(2026, 9, 12, 0, 30) / 1000
  const outcome = await services.inbox.submit({
    topic: punchTopic('AL-1', 'GT-AL-1'),
    payload: Buffer.from(JSON.stringify({ sn: 'GT-AL-1', seq: 1, lane: 1, userId: 'W-AL-1', ts, mode: 'face' })),
    clientId: 'GT-AL-1',
  })
  t.same(outcome, { kind: 'stored' }, 'a punch stored')
  await admin.post(`/api/projects/${site.projectId}/workers/${site.workerId}/days/${DAY}/corrections`, { kind: 'add_punch', at: `${DAY} 17:30`, direction: 'out', reason: '闸机漏刷', author: '劳资员' })

  const lmId = await createLogin(admin, 'lm.al', 'labour_manager', { organisationId: site.generalContractorId })
  await createLogin(admin, 'auditor.3302', 'auditor', { regionCode: '3302' })
  const lm = admin.as(await logIn(admin, 'lm.al'))
  const auditor = admin.as(await logIn(admin, 'auditor.3302'))
  await services.accessLog.idle()
  const start = (await db.get<{ id: number }>(q('SELECT MAX(id) AS "id" FROM access_log')))?.id ?? 0

  await t.test('personal reads and denials write rows', async (t) => {
    await lm.get(`/api/workers/${site.workerId}`)
    await lm.get(`/api/projects/${site.projectId}/enrolments`)
    await lm.get(`/api/projects/${site.projectId}/payouts/${MONTH}/lines?workerId=${site.workerId}`)
    await lm.get(`/api/projects/${site.projectId}`)
    t.equal((await auditor.fetch(`/api/projects/${site.projectId}/workers/${site.workerId}/timesheets/${MONTH}`)).status, 404)
    t.equal((await auditor.fetch(`/api/projects/${site.projectId}/teams`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 403)
    t.equal((await fetch(`${admin.baseUrl}/api/workers/${site.workerId}`)).status, 401)
    const rows = await db.all<LogRow>(q(LOG, start))
    const scope = `org:${site.generalContractorId}`
    t.match(rows[0], { actorKind: 'user', actorId: lmId, role: 'labour_manager', scope, action: 'read', method: 'GET', route: '/api/workers/:workerId', status: 200, reason: null }, 'a worker read by the labour manager')
    t.same(JSON.parse(rows[0]?.recordIds ?? '[]'), [site.workerId], 'with the worker’s id')
    t.match(rows[1], { actorId: lmId, action: 'read', route: '/api/projects/:projectId/enrolments' }, 'the roster read')
    t.same(JSON.parse(rows[1]?.recordIds ?? '[]'), [site.projectId])
    t.match(rows[2], { action: 'read', route: '/api/projects/:projectId/payouts/:month/lines' }, 'payout lines filtered by worker')
    t.same(JSON.parse(rows[2]?.recordIds ?? '[]'), [site.projectId, MONTH, site.workerId], 'with the worker named in the query')
    // The project itself carries no personal data: its read is not logged (the next row is the auditor's).
    t.match(rows[3], { actorKind: 'user', role: 'auditor', scope: 'region:3302', action: 'denied', status: 404, reason: 'out_of_scope', route: '/api/projects/:projectId/workers/:workerId/timesheets/:month' }, 'a denial out of scope')
    t.same(JSON.parse(rows[3]?.recordIds ?? '[]'), [site.projectId, site.workerId, MONTH])
    t.match(rows[4], { role: 'auditor', action: 'denied', status: 403, reason: 'role_forbidden', method: 'POST', route: '/api/projects/:projectId/teams' }, 'a denial of the role')
    t.equal(rows.length, 5, 'nothing else: a request without credentials is logged by pino, not written here')
  })

  await t.test('the rows chain', async (t) => {
    // Reads at once: their rows are committed together (group commit), in one chain.
    const before = (await db.get<{ n: number }>(q('SELECT CAST(COUNT(*) AS BIGINT) AS "n" FROM access_log')))?.n ?? 0
    await Promise.all(Array.from({ length: 100 }, () => lm.get(`/api/workers/${site.workerId}`)))
    t.equal((await db.get<{ n: number }>(q('SELECT CAST(COUNT(*) AS BIGINT) AS "n" FROM access_log')))?.n, before + 100, 'a row for each of 100 reads at once')
    const { rows, firstBreak } = await verifyChain(db)
    const count = (await db.get<{ n: number }>(q('SELECT CAST(COUNT(*) AS BIGINT) AS "n" FROM access_log')))?.n
    t.equal(rows, count, `every row verified (${rows})`)
    t.equal(firstBreak, undefined, 'the chain holds')
    const verified = await auditVerify(config.databaseUrl)
    t.equal(verified.code, 0, verified.output)
    t.match(verified.output, new RegExp(`${rows} rows checked, chain OK`))
  })

  await t.test('the triggers refuse UPDATE and DELETE', async (t) => {
    for (const [table, column] of [
      ['access_log', 'route'],
      ['punches', 'direction'],
      ['payout_lines', 'payee_name'],
      ['corrections', 'reason'],
    ] as const) {
      const n = (await db.get<{ n: number }>(q(`SELECT CAST(COUNT(*) AS BIGINT) AS "n" FROM ${table}`)))?.n ?? 0
      t.ok(n > 0, `${table} has rows to protect`)
      await t.rejects(db.run(q(`UPDATE ${table} SET ${column} = ${column}`)), /append-only/, `UPDATE ${table}: refused`)
      await t.rejects(db.run(q(`DELETE FROM ${table}`)), /append-only/, `DELETE FROM ${table}: refused`)
      if (TEST_ENGINE === 'postgres') await t.rejects(db.run(q(`TRUNCATE ${table} CASCADE`)), /append-only/, `TRUNCATE ${table}: refused`)
      t.equal((await db.get<{ n: number }>(q(`SELECT CAST(COUNT(*) AS BIGINT) AS "n" FROM ${table}`)))?.n, n, `${table}: every row still there`)
    }
  })

  await t.test('a row edited by hand is caught by npm run audit:verify', async (t) => {
    await services.accessLog.idle()
    const target = (await db.all<LogRow>(q(LOG, start)))[1] as LogRow
    const dropUpdate = TEST_ENGINE === 'sqlite' ? 'DROP TRIGGER access_log_no_update' : 'DROP TRIGGER access_log_no_change ON access_log'
    // Someone hides that they read the roster: the row now says they read the project (no personal data).
    await byHand(config.databaseUrl, [dropUpdate, `UPDATE access_log SET route = '/api/projects/:projectId' WHERE id = ${target.id}`])
    const verified = await auditVerify(config.databaseUrl)
    t.equal(verified.code, 1, 'audit:verify exits 1')
    t.match(verified.output, new RegExp(`BROKEN at row ${target.id} \\(hash_mismatch\\)`), `it names row ${target.id}`)
    t.match(await verifyChain(db), { firstBreak: { id: target.id, problem: 'hash_mismatch' } })
  })

  await t.test('a row removed by hand is caught at the row after it', async (t) => {
    const other = await startTestServer(t)
    const { databaseUrl } = other.services.config
    // Rows of reads by the admin (every admin use is logged).
    for (let i = 0; i < 4; i++) await other.api.get('/api/users')
    await other.services.accessLog.idle()
    const rows = await other.services.db.all<LogRow>(q(LOG, 0))
    const removed = rows[1] as LogRow
    const next = rows[2] as LogRow
    const dropDelete = TEST_ENGINE === 'sqlite' ? 'DROP TRIGGER access_log_no_delete' : 'DROP TRIGGER access_log_no_change ON access_log'
    await byHand(databaseUrl, [dropDelete, `DELETE FROM access_log WHERE id = ${removed.id}`])
    const verified = await auditVerify(databaseUrl)
    t.equal(verified.code, 1)
    t.match(verified.output, new RegExp(`BROKEN at row ${next.id} \\(prev_hash_mismatch\\)`), `the row after the removed one (${next.id}) is named`)
  })
})
