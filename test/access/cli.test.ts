/**
 * The operator's console, on the run's engine (a temp SQLite file or a PostgreSQL database of the test's own):
 * `npm run admin` makes the first admin on a fresh database, then logins and keys that work on a running service; its
 * revocations take effect there at once; `npm run audit:verify` checks the chain the service and the console wrote
 * together. The first and the last command run as a person runs them (child processes through tsx); the commands
 * between run the console's runAdmin in this process on a connection of their own, which the running service sees
 * as another writer just as it sees another process (each child costs seconds of TypeScript loading).
 */
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { runAdmin } from '../../src/cli/admin.ts'
import { openDatabase } from '../../src/db/client.ts'
import { q } from '../../src/db/database.ts'
import { creditCode } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { Api } from '../../simulators/api.ts'
import { readRows, testDatabaseUrl } from '../helpers/database.ts'
import { startTestServer } from '../helpers/server.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a console script as `npm run` would (tsx), with DATABASE_URL and the given environment; stdin is not a terminal. */
function run(script: 'admin' | 'audit-verify', args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `src/cli/${script}.ts`, ...args], {
      cwd: ROOT,
      env: { ...process.env, WL_ADMIN_PASSWORD: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }))
  })
}

const PASSWORD = 'first admin of the platform'

t.test('npm run admin: bootstrap, logins, keys, revocation; npm run audit:verify', async (t) => {
  const databaseUrl = await testDatabaseUrl(t)

  // A fresh database: the console applies the migrations and makes the first admin.
  const first = await run('admin', ['create-user', '--login', 'root', '--name', 'Platform operator', '--role', 'admin'], { DATABASE_URL: databaseUrl, WL_ADMIN_PASSWORD: PASSWORD })
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, /created login root \(admin, all\), id [0-9a-f-]{36}/)
  t.notOk(first.stdout.includes(PASSWORD), 'a password given is not printed')

  const server = await startTestServer(t, { config: { databaseUrl } })
  const consoleDb = await openDatabase(databaseUrl)
  t.teardown(() => consoleDb.close())
  const inProcess = async (args: string[], env: Record<string, string> = {}): Promise<Run> => {
    let stdout = ''
    let stderr = ''
    const code = await runAdmin(args, consoleDb, {
      out: (line) => (stdout += `${line}\n`),
      err: (line) => (stderr += `${line}\n`),
      askPassword: () => Promise.resolve(undefined),
      env: { WL_ADMIN_PASSWORD: '', ...env },
    })
    return { code, stdout, stderr }
  }
  const admin = (...args: string[]) => inProcess(args)
  const anonymous = new Api(server.httpUrl)
  const session = await anonymous.post<{ token: string; user: { role: string } }>('/api/session', { login: 'root', password: PASSWORD })
  t.equal(session.user.role, 'admin', 'the first admin logs in to the running service')
  const root = anonymous.as(session.token)

  // No password given and no terminal: one is made and printed once.
  const gc = await root.post<{ id: string }>('/api/organisations', { kind: 'general_contractor', name: '总包', creditCode: creditCode(new Rng(31)) })
  const made = await admin('create-user', '--login', 'lm.gc', '--name', '劳资专管员', '--role', 'labour_manager', '--org', gc.id)
  t.equal(made.code, 0, made.stderr)
  const password = /password \(shown once[^)]*\): (\S+)/.exec(made.stdout)?.[1]
  t.ok(password && password.length >= 20, 'a made password is printed')
  const lm = anonymous.as((await anonymous.post<{ token: string }>('/api/session', { login: 'lm.gc', password })).token)
  t.match(await lm.get('/api/me'), { role: 'labour_manager', organisationId: gc.id })

  // Refusals: a scope the role cannot have, an organisation that does not exist, a command that does not.
  t.match(await admin('create-user', '--login', 'x', '--name', 'X', '--role', 'auditor'), { code: 1, stderr: /refused: login_invalid: an auditor needs regionCode/ })
  t.match(await admin('create-user', '--login', 'y', '--name', 'Y', '--role', 'team_manager', '--org', 'no-such-org'), { code: 1, stderr: /refused: organisation_not_found/ })
  t.match(await admin('create-user', '--login', 'root', '--name', 'again', '--role', 'admin'), { code: 1, stderr: /refused: login_exists/ })
  t.match(await admin('frobnicate'), { code: 2, stderr: /unknown command frobnicate[\s\S]*usage: npm run admin/ })
  t.match(await admin('create-key', '--name', 'k', '--role', 'bank', '--bank'), { code: 2 }, 'an option without its value')
  t.match(await admin('create-key', '--role', 'bank', '--bank', '103'), { code: 2, stderr: /--name is required/ })

  // A bank's key: printed once, listed by prefix, revoked at once on the running service.
  const created = await admin('create-key', '--name', 'bank 103 results', '--role', 'bank', '--bank', '103', '--days', '90')
  t.equal(created.code, 0, created.stderr)
  const key = /key \(shown once[^)]*\): (wlk_\S+)/.exec(created.stdout)?.[1] as string
  t.match(key, /^wlk_[0-9a-f]{10}_[A-Za-z0-9_-]{43}$/)
  t.match(await anonymous.as(key).get('/api/me'), { kind: 'key', role: 'bank', bankCode: '103' }, 'the key works on the service')
  const keys = await admin('list-keys')
  t.equal(keys.code, 0)
  t.match(keys.stdout, new RegExp(`${key.slice(0, 14)}\\s+bank 103 results\\s+bank\\s+bank:103`), 'listed by its prefix')
  t.notOk(keys.stdout.includes(key.slice(15)), 'never the key itself')
  const revoked = await admin('revoke-key', '--id', key.slice(0, 14))
  t.match(revoked, { code: 0, stdout: /revoked API key wlk_[0-9a-f]{10}/ })
  const after = await anonymous.as(key).fetch('/api/me')
  t.equal(after.status, 401, 'refused by the running service on its next request')
  t.match(await after.json(), { error: { details: { reason: 'revoked' } } })
  t.match(await admin('revoke-key', '--id', key.slice(0, 14)), { code: 0, stdout: /already revoked/ })
  t.match(await admin('revoke-key', '--id', 'no-such-key'), { code: 1, stderr: /api_key_not_found/ })

  // Disabling a login ends its session on the running service.
  t.match(await admin('disable-user', '--login', 'lm.gc'), { code: 0, stdout: /disabled login lm.gc/ })
  t.equal((await lm.fetch('/api/me')).status, 401, 'the disabled login’s session is refused at once')
  const users = await admin('list-users')
  t.match(users.stdout, /^id\s+login\s+role\s+scope\s+created\s+disabled/)
  t.match(users.stdout, /\sroot\s+admin\s+all\s/)
  t.match(users.stdout, new RegExp(`\\slm\\.gc\\s+labour_manager\\s+org:${gc.id}\\s+\\S+\\s+\\d{4}-`), 'the disabled login, with when')

  // A new password ends the sessions made with the old one.
  const again = await anonymous.post<{ token: string }>('/api/session', { login: 'root', password: PASSWORD })
  t.match(await inProcess(['set-password', '--login', 'root'], { WL_ADMIN_PASSWORD: 'a brand new passphrase' }), { code: 0 })
  t.equal((await anonymous.as(again.token).fetch('/api/me')).status, 401, 'sessions of the old password end')

  // Every command is in the access log as the operator, chained with the service's rows.
  await server.services.accessLog.idle()
  const rows = await server.services.db.all<{ route: string; actorKind: string; method: string }>(q(`SELECT route AS "route", actor_kind AS "actorKind", method AS "method" FROM access_log WHERE actor_kind = 'operator' ORDER BY id`))
  t.same(
    rows.map((r) => r.route),
    ['admin create-user', 'admin create-user', 'admin create-key', 'admin list-keys', 'admin revoke-key', 'admin revoke-key', 'admin disable-user', 'admin list-users', 'admin set-password'],
    'each command that did something is logged',
  )
  const verified = await run('audit-verify', [], { DATABASE_URL: databaseUrl })
  t.equal(verified.code, 0, verified.stderr)
  t.match(verified.stdout, /access log of .*: \d+ rows checked, chain OK\naccess log: head row \d+, hash [0-9a-f]{64}/)
})

t.test('npm run audit:verify on a mistyped DATABASE_URL refuses it and creates nothing', async (t) => {
  // An empty database (SQLite: no file yet; PostgreSQL: a database never migrated) is not "an empty log, chain OK".
  const databaseUrl = await testDatabaseUrl(t)
  const verified = await run('audit-verify', [], { DATABASE_URL: databaseUrl })
  t.equal(verified.code, 2, verified.stdout)
  t.match(verified.stderr, /cannot open the database: .*(no database file at|is not a wage-ledger database).*nothing was created/)
  t.notMatch(verified.stdout, /chain OK/)
  if (databaseUrl.startsWith('file:')) t.notOk(existsSync(databaseUrl.slice('file:'.length)), 'no file was made')
  else {
    const tables = await readRows<{ n: number }>(databaseUrl, `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')`)
    t.equal(tables[0]?.n, 0, 'no table was made')
  }

  // A SQLite file that is not the service's (another tool's, or an empty one) is refused the same way.
  if (databaseUrl.startsWith('file:')) {
    writeFileSync(databaseUrl.slice('file:'.length), '')
    const other = await run('audit-verify', [], { DATABASE_URL: databaseUrl })
    t.equal(other.code, 2)
    t.match(other.stderr, /is not a wage-ledger database/)
  }
})
