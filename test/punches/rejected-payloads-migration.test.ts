/**
 * Migration 0005 moves the bytes of rejected inputs into their own table: a database that already holds refusals
 * keeps every byte, under the same id, and the repository reads them back. SQLite only: 0005 is one of SQLite's
 * migrations (PostgreSQL's schema began with the bytes apart, there is nothing to move).
 */
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { migrationsDir } from '../../src/db/client.ts'
import * as schema from '../../src/db/schema/index.ts'
import { SqliteDatabase } from '../../src/db/sqlite.ts'
import { PunchRepository } from '../../src/punches/repository.ts'
import { tempDir } from '../helpers/server.ts'

t.test('refusals stored before 0005 keep their bytes after it', async (t) => {
  const dir = tempDir(t)
  // The migrations as they were before 0005: the same files, the journal cut before it.
  const before = join(dir, 'migrations-before')
  cpSync(migrationsDir('sqlite'), before, { recursive: true })
  const journalPath = join(before, 'meta', '_journal.json')
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> }
  const cut = journal.entries.findIndex((e) => e.tag.startsWith('0005_'))
  t.ok(cut > 0, 'migration 0005 is in the journal')
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, cut) }))

  const client = new Database(join(dir, 'old.db'))
  t.teardown(() => client.close())
  client.pragma('foreign_keys = ON')
  const db = drizzle(client, { schema })
  migrate(db, { migrationsFolder: before })
  const insert = client.prepare(
    `INSERT INTO rejected_inputs (source, channel, sender, project_id, device_serial, record_id, reason, detail, payload, payload_bytes, received_at_ms)
     VALUES ('mqtt', 'wl/v1/S/D/punch', 'D', NULL, 'D', NULL, ?, 'kept before the move', ?, ?, ?)`,
  )
  const payloads = [Buffer.from('{"sn":'), Buffer.from([0, 255, 1, 254]), Buffer.alloc(70_000, 0x41)]
  const ids = payloads.map((p, i) => Number(insert.run(i === 2 ? 'payload_too_large' : 'malformed_payload', p, p.length, 1_790_000_000_000 + i).lastInsertRowid))

  migrate(db, { migrationsFolder: migrationsDir('sqlite') })
  const columns = (client.prepare(`PRAGMA table_info(rejected_inputs)`).all() as Array<{ name: string }>).map((c) => c.name)
  t.notOk(columns.includes('payload'), 'the listing table holds no bytes any more')
  const repo = new PunchRepository(new SqliteDatabase(client, 'old.db'))
  for (const [i, id] of ids.entries()) {
    t.same((await repo.rejectedPayload(id))?.payload, payloads[i], `input ${id}: every byte, under its id`)
    t.match(await repo.rejectedById(id), { id, payloadBytes: (payloads[i] as Buffer).length })
  }
  t.equal((await repo.listRejected({ limit: 10 })).length, 3)
})
