/**
 * The one way into the database. SQLite by default (one file, WAL); every
 * repository takes a `Db` from here, so moving a deployment to PostgreSQL
 * touches this module and the schema dialect, not the domain.
 */
import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as schema from './schema/index.ts'

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database }

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations')

/** `file:path`, a bare path, or `:memory:`. */
export function sqlitePath(databaseUrl: string): string {
  if (databaseUrl === ':memory:' || databaseUrl === 'file::memory:') return ':memory:'
  return databaseUrl.startsWith('file:') ? databaseUrl.slice('file:'.length) : databaseUrl
}

export function openDb(databaseUrl: string): Db {
  const path = sqlitePath(databaseUrl)
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true })
  const client = new Database(path)
  client.pragma('journal_mode = WAL')
  // better-sqlite3 leaves WAL at synchronous=NORMAL, which can lose committed
  // transactions on power loss. A punch is acknowledged only after commit, so FULL.
  client.pragma('synchronous = FULL')
  client.pragma('foreign_keys = ON')
  client.pragma('busy_timeout = 5000')
  const db: Db = drizzle({ client, schema, casing: 'snake_case' })
  migrate(db, { migrationsFolder: MIGRATIONS_DIR })
  return db
}

export function closeDb(db: Db): void {
  if (db.$client.open) db.$client.close()
}
