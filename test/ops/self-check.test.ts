/**
 * Start-up self-check: the settings every acknowledgement rests on are read
 * back, and the service refuses to start on a database that does not keep
 * them (issue: "a :memory: database runs without a word"). SQLite's settings:
 * PostgreSQL's durability is the server's configuration (docs/deployment.md).
 */
import Database from 'better-sqlite3'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../src/config/env.ts'
import { checkSettings, DatabaseSettingsError, openDatabase } from '../../src/db/client.ts'
import type { SqliteDatabase } from '../../src/db/sqlite.ts'
import { startServer } from '../../src/server.ts'
import { tempDir } from '../helpers/server.ts'

void t.test('a file database opens with WAL, synchronous=FULL and foreign keys, read back', async (t) => {
  const db = (await openDatabase(`file:${join(tempDir(t), 'ok.db')}`)) as SqliteDatabase
  t.teardown(() => db.close())
  t.equal(db.client.pragma('journal_mode', { simple: true }), 'wal')
  t.equal(db.client.pragma('synchronous', { simple: true }), 2)
  t.equal(db.client.pragma('foreign_keys', { simple: true }), 1)
})

void t.test('the service refuses an in-memory database unless a test asks for one', async (t) => {
  const config = { ...loadConfig({}), databaseUrl: ':memory:', httpPort: 0, deviceHttpPort: 0, mqttPort: 0 }
  await t.rejects(startServer(config, { logger: false }), { name: 'DatabaseSettingsError', message: /in-memory database: every punch would be lost/ })
  await t.rejects(openDatabase('file::memory:'), DatabaseSettingsError)
  const db = await openDatabase(':memory:', { allowMemory: true })
  t.ok(db, 'a test may ask for one explicitly')
  await db.close()
})

void t.test('settings SQLite does not honour are named, each with what it must be', async (t) => {
  // An in-memory database keeps journal_mode=memory whatever is asked: the read-back catches it.
  const client = new Database(':memory:')
  t.teardown(() => client.close())
  client.pragma('journal_mode = WAL')
  client.pragma('synchronous = NORMAL')
  client.pragma('foreign_keys = OFF')
  const err = t.throws(() => checkSettings(client)) as DatabaseSettingsError
  t.ok(err instanceof DatabaseSettingsError)
  t.same(err.failures, ['journal_mode is memory, must be wal', 'synchronous is 1, must be 2', 'foreign_keys is 0, must be 1'])
})
