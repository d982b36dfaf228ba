/**
 * The embedded engine: one SQLite file through better-sqlite3, no setup.
 *
 * better-sqlite3 is synchronous, which is what keeps a site's laptop fast: a
 * statement is a function call, not a round trip. The asynchronous interface
 * costs a resolved promise per call. One connection serves the process, so a
 * transaction must keep every other statement out until it ends: while one is
 * open, statements from elsewhere in the process wait their turn (a promise
 * queue), instead of slipping into it between two of its awaits.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import BetterSqlite3, { type Statement } from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core'
import { LIMITS } from '../config/limits.ts'
import type { Database, Dialect, Executor, Query, RunResult, Transaction } from './database.ts'

/** Prepared statements kept per connection; texts built with IN lists of many lengths must not grow it without end. */
const STATEMENT_CACHE_MAX = 500

/**
 * SQLite's own statements. The project's punches grouped per worker as one
 * JSON array each: SQLite groups (its sorter spills to temporary files, not to
 * our heap) and JavaScript pays one row crossing per worker instead of one
 * per punch (1.6× the GROUP BY floor against 2.5× for the portable ORDER BY
 * scan, bench/README.md).
 */
export const sqliteDialect: Dialect = {
  punchesByWorkerJson: `SELECT worker_id AS "workerId", json_group_array(json_array(id, device_id, device_time_ms, direction, work_date, clock_suspect)) AS "punches"
    FROM punches WHERE project_id = ? AND work_date >= ? AND work_date <= ? GROUP BY worker_id`,
  parseJson: <T>(value: unknown): T => JSON.parse(value as string) as T,
  bytewise: (column) => sql`${column}`,
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
  /** `lead` null: the failures say it all (no database at the path), and no setting was refused. */
  constructor(
    readonly failures: string[],
    lead: string | null = 'the database refused the settings acknowledgements rely on',
  ) {
    super(lead === null ? failures.join('; ') : `${lead}: ${failures.join('; ')}`)
    this.name = 'DatabaseSettingsError'
  }
}

/** `file:path`, a bare path, or `:memory:`. */
export function sqlitePath(databaseUrl: string): string {
  if (databaseUrl === ':memory:' || databaseUrl === 'file::memory:') return ':memory:'
  return databaseUrl.startsWith('file:') ? databaseUrl.slice('file:'.length) : databaseUrl
}

/** Reads back what was set: a pragma SQLite cannot honour (a :memory: or read-only file, an old build) is ignored silently. */
export function checkSettings(client: BetterSqlite3.Database): void {
  const failures: string[] = []
  for (const s of REQUIRED_SETTINGS) {
    const got: unknown = client.pragma(s.pragma, { simple: true })
    const norm = typeof got === 'string' ? got.toLowerCase() : got
    if (norm !== s.want) failures.push(`${s.pragma} is ${String(got)}, must be ${String(s.want)}`)
  }
  if (failures.length > 0) throw new DatabaseSettingsError(failures)
}

export function openSqlite(databaseUrl: string, migrationsFolder: string, opts: { allowMemory?: boolean; existing?: boolean } = {}): SqliteDatabase {
  const path = sqlitePath(databaseUrl)
  if (path === ':memory:' && !opts.allowMemory) {
    throw new DatabaseSettingsError([`DATABASE_URL "${databaseUrl}" is an in-memory database: every punch would be lost at the next restart; give a file path`])
  }
  if (opts.existing && (path === ':memory:' || !existsSync(path))) {
    throw new DatabaseSettingsError([`DATABASE_URL "${databaseUrl}": there is no database file at ${resolve(path)}; check the path (nothing was created)`], null)
  }
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true })
  const client = new BetterSqlite3(path, { fileMustExist: opts.existing === true })
  try {
    if (opts.existing && client.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'`).get() === undefined) {
      throw new DatabaseSettingsError([`DATABASE_URL "${databaseUrl}": ${resolve(path)} is not a wage-ledger database (it has never been migrated); check the path`], null)
    }
    client.pragma('journal_mode = WAL')
    client.pragma('synchronous = FULL')
    client.pragma('foreign_keys = ON')
    // A lock held by another process is waited for on the event loop: bound each wait, and let callers retry from the
    // loop (the inbox backs off; HTTP answers 503 database_busy) so keep-alives and /health go on meanwhile.
    client.pragma(`busy_timeout = ${LIMITS.db_busy_wait_ms_max}`)
    if (path !== ':memory:') checkSettings(client)
    migrate(drizzle({ client }), { migrationsFolder })
    return new SqliteDatabase(client, path)
  } catch (err) {
    client.close()
    throw err
  }
}

// snake_case as in the migrations: a column declared without a name (schema/ops.ts) is its key in snake_case.
const renderer = new SQLiteSyncDialect({ casing: 'snake_case' })

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; a boolean is stored as SQLite does, 0 or 1. */
function bindable(params: readonly unknown[]): readonly unknown[] {
  // Copied only when a value needs it: a bulk insert's list of thousands rarely does.
  for (const p of params) if (typeof p === 'boolean' || p === undefined) return params.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v === undefined ? null : v))
  return params
}

/**
 * The result of a synchronous call as a promise: a statement that fails rejects, as on PostgreSQL, instead of
 * throwing at the call (`tx.run(…).catch(…)` would otherwise miss it).
 */
async function settle<R>(call: () => R): Promise<R> {
  return call()
}

/** A transaction and whether it is still open: work it started that outlives it must not run as part of it. */
interface OpenTx {
  open: boolean
  tx: Transaction
}

export class SqliteDatabase implements Database {
  readonly engine = 'sqlite' as const
  readonly dialect = sqliteDialect
  private readonly statements = new Map<string, Statement>()
  /** Settled when the open transaction ends; statements from outside it wait on this. */
  private gate: Promise<void> | undefined
  private readonly inside = new AsyncLocalStorage<OpenTx>()
  private readonly direct: Executor
  private readonly dataVersion: Statement

  constructor(
    /** The connection: for the few things only SQLite has (online backup, pragmas in tests). */
    readonly client: BetterSqlite3.Database,
    readonly description: string,
  ) {
    this.dataVersion = client.prepare('PRAGMA data_version').pluck()
    this.direct = {
      engine: 'sqlite',
      all: <T>(query: Query) => settle(() => this.prepare(query, (s, p) => s.all(...p) as T[])),
      values: <T extends unknown[]>(query: Query) =>
        settle(() =>
          this.prepare(query, (s, p) => {
            // The cached statement is shared with `all`: its mode is put back whatever happens.
            s.raw(true)
            try {
              return s.all(...p) as T[]
            } finally {
              s.raw(false)
            }
          }),
        ),
      get: <T>(query: Query) => settle(() => this.prepare(query, (s, p) => s.get(...p) as T | undefined)),
      run: (query: Query) => settle(() => this.prepare(query, (s, p): RunResult => ({ changes: s.run(...p).changes }))),
      each: <T>(query: Query, fn: (row: T) => void) =>
        settle(() =>
          this.prepare(query, (s, p) => {
            // One synchronous loop: nothing else can reach the connection while the statement is open.
            for (const row of s.iterate(...p)) fn(row as T)
          }),
        ),
    }
  }

  private prepare<R>(query: Query, use: (stmt: Statement, params: readonly unknown[]) => R): R {
    let text: string
    let params: readonly unknown[]
    if ('text' in query) {
      text = query.text
      params = query.params
    } else {
      const r = renderer.sqlToQuery(query)
      text = r.sql
      params = r.params
    }
    let stmt = this.statements.get(text)
    if (!stmt) {
      if (this.statements.size >= STATEMENT_CACHE_MAX) this.statements.clear()
      stmt = this.client.prepare(text)
      this.statements.set(text, stmt)
    }
    // A nested read (from inside each()'s callback) cannot reuse a statement that is still iterating.
    if (stmt.busy) stmt = this.client.prepare(text)
    return use(stmt, bindable(params))
  }

  /** The transaction the caller runs inside (its async context), while it is open. */
  private current(): OpenTx | undefined {
    const t = this.inside.getStore()
    return t?.open ? t : undefined
  }

  // Statements from inside the open transaction (its async context) are part of it and run at once; statements from
  // anywhere else wait for it to end, re-check, and then run in the same synchronous step, so no transaction can open
  // in between.

  async all<T = Record<string, unknown>>(query: Query): Promise<T[]> {
    if (!this.current()) while (this.gate) await this.gate
    return this.direct.all<T>(query)
  }

  async values<T extends unknown[] = unknown[]>(query: Query): Promise<T[]> {
    if (!this.current()) while (this.gate) await this.gate
    return this.direct.values<T>(query)
  }

  async get<T = Record<string, unknown>>(query: Query): Promise<T | undefined> {
    if (!this.current()) while (this.gate) await this.gate
    return this.direct.get<T>(query)
  }

  async run(query: Query): Promise<RunResult> {
    if (!this.current()) while (this.gate) await this.gate
    return this.direct.run(query)
  }

  async each<T = Record<string, unknown>>(query: Query, fn: (row: T) => void): Promise<void> {
    if (!this.current()) while (this.gate) await this.gate
    return this.direct.each<T>(query, fn)
  }

  /** A transaction opened inside another joins it: the outer one commits or rolls back the whole. */
  async tx<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const outer = this.current()
    if (outer) return fn(outer.tx)
    while (this.gate) await this.gate
    let open!: () => void
    this.gate = new Promise<void>((r) => (open = r))
    const t: OpenTx = { open: true, tx: { ...this.direct, lock: () => Promise.resolve() } }
    try {
      // IMMEDIATE: take the write lock now, so two processes never both read and then both fail to upgrade.
      this.client.prepare('BEGIN IMMEDIATE').run()
      try {
        const result = await this.inside.run(t, () => fn(t.tx))
        this.client.prepare('COMMIT').run()
        return result
      } catch (err) {
        if (this.client.inTransaction) this.client.prepare('ROLLBACK').run()
        throw err
      }
    } finally {
      t.open = false
      this.gate = undefined
      open()
    }
  }

  /**
   * SQLite's data_version: it changes when another connection (the admin CLI, a second process on the file) commits,
   * never for this connection's own writes, which the process knows of itself.
   */
  foreignWrites(): number {
    return this.dataVersion.get() as number
  }

  close(): Promise<void> {
    if (this.client.open) this.client.close()
    return Promise.resolve()
  }
}
