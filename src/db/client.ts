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
import { LIMITS } from '../config/limits.ts'
import * as schema from './schema/index.ts'

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database }

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations')

/** `file:path`, a bare path, or `:memory:`. */
export function sqlitePath(databaseUrl: string): string {
  if (databaseUrl === ':memory:' || databaseUrl === 'file::memory:') return ':memory:'
  return databaseUrl.startsWith('file:') ? databaseUrl.slice('file:'.length) : databaseUrl
}

export interface OpenOptions {
  /** Tests that want a throw-away database say so; the service never runs on one (nothing would survive a restart). */
  allowMemory?: boolean
}

/** The settings every acknowledgement rests on, as SQLite reports them back. */
const REQUIRED_SETTINGS = [
  // WAL: readers never block the writer, and a commit is one append + fsync.
  { pragma: 'journal_mode', want: 'wal' },
  // better-sqlite3 leaves WAL at synchronous=NORMAL, which can lose committed transactions on power loss.
  // A punch is acknowledged only after commit, so FULL (2).
  { pragma: 'synchronous', want: 2 },
  { pragma: 'foreign_keys', want: 1 },
] as const

export class DatabaseSettingsError extends Error {
  constructor(readonly failures: string[]) {
    super(`the database refused the settings acknowledgements rely on: ${failures.join('; ')}`)
    this.name = 'DatabaseSettingsError'
  }
}

export function openDb(databaseUrl: string, opts: OpenOptions = {}): Db {
  const path = sqlitePath(databaseUrl)
  if (path === ':memory:' && !opts.allowMemory) {
    throw new DatabaseSettingsError([`DATABASE_URL "${databaseUrl}" is an in-memory database: every punch would be lost at the next restart; give a file path`])
  }
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true })
  const client = new Database(path)
  try {
    client.pragma('journal_mode = WAL')
    client.pragma('synchronous = FULL')
    client.pragma('foreign_keys = ON')
    // A lock held by another process is waited for on the event loop: bound each wait, and let callers retry from the
    // loop (the inbox backs off; HTTP answers 503 database_busy) so keep-alives and /health go on meanwhile.
    client.pragma(`busy_timeout = ${LIMITS.db_busy_wait_ms_max}`)
    if (path !== ':memory:') checkSettings(client)
    const db: Db = drizzle({ client, schema, casing: 'snake_case' })
    migrate(db, { migrationsFolder: MIGRATIONS_DIR })
    return db
  } catch (err) {
    client.close()
    throw err
  }
}

/** Reads back what was set: a pragma SQLite cannot honour (a :memory: or read-only file, an old build) is ignored silently. */
export function checkSettings(client: Database.Database): void {
  const failures: string[] = []
  for (const s of REQUIRED_SETTINGS) {
    const got: unknown = client.pragma(s.pragma, { simple: true })
    const norm = typeof got === 'string' ? got.toLowerCase() : got
    if (norm !== s.want) failures.push(`${s.pragma} is ${String(got)}, must be ${String(s.want)}`)
  }
  if (failures.length > 0) throw new DatabaseSettingsError(failures)
}

export function closeDb(db: Db): void {
  if (db.$client.open) db.$client.close()
}
