/**
 * Two instances on one PostgreSQL database keep credentials in memory (src/access/credential-cache.ts) and still
 * refuse, on the very next request, a session logged out or a key revoked on the other instance or by hand at psql:
 * the change notifies wl_credentials (migrations/postgres/0009_credential_notices.sql) and every listening instance
 * drops what it kept (src/db/pg-notices.ts). An instance that lost its listening connection keeps nothing until it
 * listens again, so a change made meanwhile is not missed. SQLite's twin (the admin CLI in another process) is in
 * cli.test.ts.
 *
 * Waits are on conditions (the notices heard, the connection back), never on a clock: `caughtUp` is a round trip on
 * the listening connection, which PostgreSQL answers only after the notices committed before it.
 */
import pg from 'pg'
import t from 'tap'
import { loadConfig, type Config } from '../../src/config/env.ts'
import { ChangeNotices } from '../../src/db/pg-notices.ts'
import type { PostgresDatabase } from '../../src/db/postgres.ts'
import { startServer, type RunningServer } from '../../src/server.ts'
import { Api } from '../../simulators/api.ts'
import { createPgDatabase, TEST_ENGINE } from '../helpers/database.ts'
import { createKey, createLogin, PASSWORD } from './helpers/site.ts'

/** Waits for a condition, as long as a loaded machine may need (the listening connection retries with back-off). */
const until = async (what: string, ok: () => boolean | Promise<boolean>): Promise<void> => {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    if (await ok()) return
    await new Promise((r) => setTimeout(r, 5))
  }
  throw new Error(`never came: ${what}`)
}

const status = async (server: RunningServer, path: string, token: string): Promise<number> =>
  (await fetch(server.httpUrl + path, { headers: { authorization: `Bearer ${token}` } })).status

const notices = (server: RunningServer): ChangeNotices => {
  const n = (server.services.db as PostgresDatabase).notices
  if (!n) throw new Error('the instance is not listening for notices')
  return n
}

/**
 * Every notice committed before the call has been heard by the instance, or it is not listening, and then keeps
 * nothing (every look differs) until it listens again, which itself drops what it kept. On a loaded machine a heartbeat
 * answered later than pg_notice_timeout_ms counts the listening connection as lost, so it may be down just when the
 * test asks: either way the next request reads the database.
 */
const caughtUp = async (server: RunningServer): Promise<void> => {
  const n = notices(server)
  if (!n.isListening) return
  await n.caughtUp().catch((err: unknown) => {
    if (n.isListening) throw err
  })
}

if (TEST_ENGINE !== 'postgres') {
  t.pass('PostgreSQL only: SQLite has one writer process, whose cache test is cli.test.ts')
} else {
  t.test('a logout, a revocation and a disabled login on one instance or at psql are refused at once by the other', async (t) => {
    const databaseUrl = await createPgDatabase(t)
    const config: Config = { ...loadConfig({}), databaseUrl, httpPort: 0, deviceHttpPort: 0, mqttPort: 0, logLevel: 'warn' }
    const a = await startServer(config, { logger: false })
    t.teardown(() => a.close())
    const b = await startServer(config, { logger: false })
    t.teardown(() => b.close())
    const { key: adminKey } = await a.services.access.createKey({ name: 'test admin', role: 'admin' }, 'test')
    const adminA = new Api(a.httpUrl, adminKey)

    // A session opened on A, used on B until B keeps it, logged out on A: B refuses it.
    const userId = await createLogin(adminA, 'auditor.notice', 'auditor', { regionCode: '3301' })
    const login = await fetch(a.httpUrl + '/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'auditor.notice', password: PASSWORD, mode: 'bearer' }) })
    const token = ((await login.json()) as { token: string }).token
    t.equal(await status(b, '/api/me', token), 200)
    t.equal(await status(b, '/api/me', token), 200, 'B answers from what it kept')
    const out = await fetch(a.httpUrl + '/api/session', { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })
    t.equal(out.status, 204)
    await caughtUp(b)
    t.equal(await status(b, '/api/me', token), 401, 'logged out on A: refused by B')

    // A second session, the login disabled on A.
    const login2 = await fetch(a.httpUrl + '/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'auditor.notice', password: PASSWORD, mode: 'bearer' }) })
    const token2 = ((await login2.json()) as { token: string }).token
    t.equal(await status(b, '/api/me', token2), 200)
    await adminA.post(`/api/users/${userId}/disable`, {})
    await caughtUp(b)
    t.equal(await status(b, '/api/me', token2), 401, 'login disabled on A: refused by B')

    // A key revoked by hand at psql (no instance involved): both refuse it.
    const k = await createKey(adminA, 'bank robot', 'bank', { bankCode: '308584000013' })
    t.equal(await status(a, '/api/me', k.key), 200)
    t.equal(await status(b, '/api/me', k.key), 200)
    const psql = new pg.Client({ connectionString: databaseUrl })
    await psql.connect()
    t.teardown(() => psql.end())
    await psql.query('UPDATE api_keys SET revoked_at_ms = $1, revoked_by = $2 WHERE id = $3', [Date.now(), 'dba at psql', k.id])
    await caughtUp(a)
    await caughtUp(b)
    t.equal(await status(a, '/api/me', k.key), 401, 'revoked at psql: refused by A')
    t.equal(await status(b, '/api/me', k.key), 401, 'and by B')

    // B's listening connection is cut, and a key is revoked while B may not be listening: B does not accept it after.
    const k2 = await createKey(adminA, 'bank robot 2', 'bank', { bankCode: '308584000013' })
    t.equal(await status(b, '/api/me', k2.key), 200)
    t.equal(await status(b, '/api/me', k2.key), 200)
    const before = notices(b).look()
    await psql.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'wage-ledger-notices'`)
    await psql.query('UPDATE api_keys SET revoked_at_ms = $1, revoked_by = $2 WHERE id = $3', [Date.now(), 'dba at psql', k2.id])
    await until('B listening again', () => notices(b).isListening && notices(b).look() !== before)
    t.equal(await status(b, '/api/me', k2.key), 401, 'a revocation made while B was not listening is not missed')
  })

  t.test('not listening: every look differs, so nothing is kept', async (t) => {
    // A server that refuses connections: the port of a listener closed at once.
    const { createServer } = await import('node:net')
    const srv = createServer((s) => s.destroy())
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
    const port = (srv.address() as { port: number }).port
    t.teardown(() => new Promise<void>((r) => srv.close(() => r())))
    const n = new ChangeNotices(() => new pg.Client({ host: '127.0.0.1', port, user: 'nobody', connectionTimeoutMillis: 500 }), {
      channel: 'wl_credentials',
      heartbeatMs: 1_000,
      timeoutMs: 2_000,
      retryMs: [10_000, 10_000],
    })
    await n.start()
    t.teardown(() => n.close())
    t.notOk(n.isListening)
    const looks = [n.look(), n.look(), n.look()]
    t.equal(new Set(looks).size, 3, 'no two looks agree while not listening')
    await t.rejects(n.caughtUp(), /not listening/)
  })
}
