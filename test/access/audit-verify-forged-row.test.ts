/**
 * (Found by review.) audit:verify reads the log from the lowest id a row could have: a row forged in by hand with id 0
 * breaks the chain where it stands.
 */
/** Review: npm run audit:verify and rows it never looks at; and a mistyped DATABASE_URL. */
import { spawn } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import t from 'tap'
import { TEST_ENGINE } from '../helpers/database.ts'
import { startTestServer } from '../helpers/server.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

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

t.test('a row forged in by hand with id 0 is reported by audit:verify', async (t) => {
  const server = await startTestServer(t)
  const { databaseUrl } = server.services.config
  for (let i = 0; i < 3; i++) await server.api.get('/api/users')
  await server.services.accessLog.idle()
  t.equal((await auditVerify(databaseUrl)).code, 0, 'the chain holds before')
  // Someone frames a colleague: a reveal they never made. No trigger refuses INSERT.
  const override = TEST_ENGINE === 'postgres' ? 'OVERRIDING SYSTEM VALUE' : ''
  await byHand(databaseUrl, [
    `INSERT INTO access_log (id, at_ms, actor_kind, actor_id, role, scope, action, purpose, method, route, status, reason, record_ids, prev_hash, hash)
     ${override} VALUES (0, 1700000000000, 'user', 'someone-else', 'labour_manager', 'all', 'reveal', 'forged', 'POST', '/api/workers/:workerId/reveal', 200, NULL, '[]', 'x', 'y')`,
  ])
  const verified = await auditVerify(databaseUrl)
  t.not(verified.code, 0, `audit:verify must not say the chain holds: ${verified.output}`)
})
