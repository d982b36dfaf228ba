/**
 * (Found by review.) Configuration from the environment is checked at start, naming the variable: a misspelt time
 * zone, a port past 65535, an unknown log level, a mistyped PostgreSQL scheme; a password in the URL is never printed.
 */
/** Review: configuration values that loadConfig accepts silently, and what they lead to. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../src/config/env.ts'
import { openDatabase } from '../../src/db/client.ts'

t.test('TIME_ZONE that is not an IANA zone is refused at start', async (t) => {
  t.throws(() => loadConfig({ TIME_ZONE: 'Asia/Shangai' }), /TIME_ZONE/)
})

t.test('PORT, DEVICE_HTTP_PORT, MQTT_PORT above 65535 are refused by loadConfig with the variable named', async (t) => {
  t.throws(() => loadConfig({ PORT: '70000' }), /PORT/)
  t.throws(() => loadConfig({ DEVICE_HTTP_PORT: '80810' }), /DEVICE_HTTP_PORT/)
  t.throws(() => loadConfig({ MQTT_PORT: '188300' }), /MQTT_PORT/)
})

t.test('LOG_LEVEL that pino does not know is refused by loadConfig with the variable named', async (t) => {
  t.throws(() => loadConfig({ LOG_LEVEL: 'verbose' }), /LOG_LEVEL/)
})

t.test('a DATABASE_URL with a mistyped postgres scheme is not silently opened as a new SQLite file', async (t) => {
  const cwd = process.cwd()
  const dir = mkdtempSync(join(tmpdir(), 'rev-typo-'))
  t.teardown(() => {
    process.chdir(cwd)
    rmSync(dir, { recursive: true, force: true })
  })
  process.chdir(dir)
  const url = 'postgress://wage_ledger:s3cretpw@10.0.0.5:5432/wage_ledger'
  const opened = await openDatabase(url).then(
    async (db) => {
      const d = db.description
      await db.close()
      return d
    },
    () => undefined,
  )
  t.equal(opened, undefined, `refused, not opened as SQLite (opened as: ${opened})`)
  t.notMatch(opened ?? '', /s3cretpw/, 'and the password is never in the description the service logs and the CLIs print')
})

t.test('a PostgreSQL password given as ?password= (libpq style, which pg honours) is not printed in the description', async (t) => {
  const { redactUrl } = await import('../../src/db/postgres.ts')
  t.notMatch(redactUrl('postgres://wage_ledger@10.0.0.5:5432/wage_ledger?password=s3cretpw'), /s3cretpw/)
})
