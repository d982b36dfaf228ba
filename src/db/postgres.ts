/**
 * The shared engine: PostgreSQL through node-postgres (`pg`), for a city or a
 * province where several service instances share one database.
 *
 * Why `pg`: it is the driver PostgreSQL's own community keeps (node-postgres,
 * since 2010), drizzle's migrator runs on it, it has server-side cursors
 * (pg-cursor) for streaming a province's month, named prepared statements, and
 * per-pool type parsers, which is how BIGINT is read as an exact JavaScript
 * number here instead of a string or a float.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import Cursor from 'pg-cursor'
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import { PgDialect } from 'drizzle-orm/pg-core'
import { LIMITS } from '../config/limits.ts'
import { TX_ATTEMPTS_DEFAULT, type Database, type Dialect, type EachOptions, type Executor, type Query, type RunResult, type Transaction, type TransactionOptions } from './database.ts'
import { isRetryableConflict } from './faults.ts'
import { ChangeNotices } from './pg-notices.ts'

/**
 * PostgreSQL's own statements: the punches of a project grouped per worker as
 * one JSON array each, the twin of SQLite's json_group_array. node-postgres
 * parses the json it returns.
 */
export const postgresDialect: Dialect = {
  punchesByWorkerJson: `SELECT worker_id AS "workerId", json_agg(json_build_array(id, device_id, device_time_ms, direction, work_date, clock_suspect)) AS "punches"
    FROM punches WHERE project_id = $1 AND work_date >= $2 AND work_date <= $3 GROUP BY worker_id`,
  parseJson: <T>(value: unknown): T => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T)),
  bytewise: (column) => sql`${column} COLLATE "C"`,
}

const INT8_OID = 20
const NUMERIC_OID = 1700

/** BIGINT (money in fen, epoch ms, ids, counts) as an exact number; anything that would round is an error, not a float. */
function exactInteger(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new RangeError(`the database returned ${text} where a whole number was expected`)
  const n = Number(text)
  if (!Number.isSafeInteger(n)) throw new RangeError(`the database returned ${text}, beyond the exact range of a JavaScript number`)
  return n
}

/** node-postgres's parsers, with BIGINT and NUMERIC read by int8 (text format: the only one we ask for). */
function typesWith(int8: (text: string) => number | null): pg.CustomTypesConfig {
  const getTypeParser = (oid: number, format?: string): ((value: string) => unknown) =>
    oid === INT8_OID || oid === NUMERIC_OID ? int8 : (pg.types.getTypeParser(oid, (format ?? 'text') as 'text') as (value: string) => unknown)
  return { getTypeParser: getTypeParser as pg.CustomTypesConfig['getTypeParser'] }
}

const types = typesWith(exactInteger)

/**
 * The same parsers for one cursor, except that a value out of range is kept, not thrown: pg-cursor parses rows in
 * the socket's data handler, where a throw is an uncaught exception (the process ends) and the read never settles.
 * The read that met it throws it instead.
 */
function cursorTypes(): { types: pg.CustomTypesConfig; failure: () => Error | undefined } {
  let failed: Error | undefined
  const kept = (text: string): number | null => {
    try {
      return exactInteger(text)
    } catch (err) {
      failed ??= err instanceof Error ? err : new RangeError(String(err))
      return null
    }
  }
  return { types: typesWith(kept), failure: () => failed }
}

/**
 * `?` placeholders to PostgreSQL's `$1…`, outside quoted text and comments (SQLite does not count a `?` there
 * either, and a `'` in a comment must not start a string); once per statement text.
 */
const numbered = new Map<string, string>()
function numberPlaceholders(text: string): string {
  let out = numbered.get(text)
  if (out !== undefined) return out
  let n = 0
  out = ''
  for (let i = 0; i < text.length; ) {
    const ch = text[i] as string
    let end = i + 1
    if (ch === "'" || ch === '"') {
      end = text.indexOf(ch, i + 1) + 1 || text.length
    } else if (ch === '-' && text[i + 1] === '-') {
      end = text.indexOf('\n', i) + 1 || text.length
    } else if (ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2)
      end = close < 0 ? text.length : close + 2
    } else if (ch === '?') {
      out += `$${++n}`
      i = end
      continue
    }
    out += text.slice(i, end)
    i = end
  }
  if (numbered.size < 2000) numbered.set(text, out)
  return out
}

// snake_case as in the migrations: a column declared without a name (schema/ops.ts) is its key in snake_case.
const renderer = new PgDialect({ casing: 'snake_case' })

/** Statement texts written as constants get a name, so each connection parses and plans them once. */
const names = new Map<string, string>()
function nameOf(text: string): string | undefined {
  let name = names.get(text)
  if (name === undefined && names.size < 1000) names.set(text, (name = `wl_${names.size + 1}`))
  return name
}

function toPg(query: Query): { text: string; values: unknown[]; name?: string } {
  if ('text' in query) {
    const text = query.text.includes('?') ? numberPlaceholders(query.text) : query.text
    return { text, values: [...query.params], name: nameOf(text) }
  }
  const r = renderer.sqlToQuery(query)
  return { text: r.sql, values: r.params }
}

/** 64-bit advisory lock key from a name, so different names practically never share a lock. */
function lockKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString()
}

/** Held by the instance that applies migrations; the others wait for it and then find nothing to do. */
const MIGRATION_LOCK = lockKey('wage-ledger:migrations')

type Queryable = pg.Pool | pg.PoolClient

/** COPY's text format (PostgreSQL docs, COPY, "Text Format"): these four characters are written backslash-escaped. */
const COPY_SPECIAL = /[\\\n\r\t]/
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** One value as COPY's text format writes it: NULL as \N, the rest as the column's input text. */
function copyText(value: unknown): string {
  if (value === null) return '\\N'
  switch (typeof value) {
    case 'string':
      return COPY_SPECIAL.test(value) ? value.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c] as string) : value
    case 'number':
      // Columns are integers (fen, epoch ms, counts): a value with no exact text is refused, never written rounded.
      if (!Number.isSafeInteger(value)) throw new TypeError(`COPY: ${value} is not a safe integer`)
      return String(value)
    case 'bigint':
      return value.toString()
    case 'boolean':
      return value ? 't' : 'f'
    case 'undefined':
      return '\\N'
    case 'object':
    case 'function':
    case 'symbol':
      break
  }
  // The bulk tables hold text and integers only; an object would need a column type to say how it is written.
  throw new TypeError(`COPY: a value of type ${typeof value} has no text form here`)
}

/** Rows per chunk handed to the COPY stream: large enough to keep the socket busy, small enough to bound the text. */
const COPY_CHUNK_ROWS = 2_000

function* copyChunks(keys: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): Generator<string> {
  for (let i = 0; i < rows.length; i += COPY_CHUNK_ROWS) {
    let chunk = ''
    const end = Math.min(rows.length, i + COPY_CHUNK_ROWS)
    for (let r = i; r < end; r++) {
      const row = rows[r] as Record<string, unknown>
      let line = ''
      for (let k = 0; k < keys.length; k++) line += (k === 0 ? '' : '\t') + copyText(row[keys[k] as string])
      chunk += line + '\n'
    }
    yield chunk
  }
}

/**
 * COPY … FROM STDIN on one connection: one statement, so all rows are stored or, on any fault (a unique violation,
 * a constraint), none; the error is PostgreSQL's own, with its SQLSTATE, as an INSERT's would be.
 */
async function copyIn(client: pg.PoolClient, table: string, columns: readonly string[], keys: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  if (rows.length === 0) return
  const quoted = (name: string): string => `"${name.replace(/"/g, '""')}"`
  const stream = client.query(copyFrom(`COPY ${quoted(table)} (${columns.map(quoted).join(', ')}) FROM STDIN`))
  await pipeline(Readable.from(copyChunks(keys, rows)), stream)
}

function executor(on: Queryable, pool: pg.Pool): Executor {
  return {
    engine: 'postgres',
    all: async <T>(query: Query) => (await on.query(toPg(query))).rows as T[],
    values: async <T extends unknown[]>(query: Query) => (await on.query({ ...toPg(query), rowMode: 'array' })).rows as T[],
    get: async <T>(query: Query) => (await on.query(toPg(query))).rows[0] as T | undefined,
    run: async (query: Query): Promise<RunResult> => ({ changes: (await on.query(toPg(query))).rowCount ?? 0 }),
    copyIn: async (table, columns, keys, rows) => {
      const client = on === pool ? await pool.connect() : (on as pg.PoolClient)
      let broken: Error | undefined
      try {
        await copyIn(client, table, columns, keys, rows)
      } catch (err) {
        // A COPY that failed mid-stream may leave the connection out of step: not handed to the next caller.
        if (on === pool && !(err instanceof Error && 'code' in err)) broken = err instanceof Error ? err : new Error(String(err))
        throw err
      } finally {
        if (on === pool) client.release(broken)
      }
    },
    each: async <T>(query: Query, fn: (row: T) => void, options?: EachOptions) => {
      const rowsPerFetch = options?.rowsPerFetch ?? LIMITS.pg_cursor_rows
      const client = on === pool ? await pool.connect() : (on as pg.PoolClient)
      const { text, values } = toPg(query)
      const parsing = cursorTypes()
      const cursor = client.query(new Cursor(text, values, { types: parsing.types }))
      try {
        for (;;) {
          const rows = (await cursor.read(rowsPerFetch)) as T[]
          const failed = parsing.failure()
          if (failed !== undefined) throw failed
          if (rows.length === 0) break
          for (const row of rows) fn(row)
        }
      } finally {
        await cursor.close()
        if (on === pool) client.release()
      }
    },
  }
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    // libpq's way, which pg honours too: ?password=…
    if (u.searchParams.has('password')) u.searchParams.set('password', '***')
    return u.toString()
  } catch {
    return 'postgres://(unparsable url)'
  }
}

export async function openPostgres(databaseUrl: string, migrationsFolder: string, opts: { poolMax?: number; existing?: boolean } = {}): Promise<PostgresDatabase> {
  await applyMigrations(databaseUrl, migrationsFolder, opts.existing === true)
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: opts.poolMax ?? LIMITS.pg_pool_max,
    types,
    connectionTimeoutMillis: LIMITS.pg_connect_timeout_ms,
    application_name: 'wage-ledger',
    options: `-c lock_timeout=${LIMITS.pg_lock_wait_ms_max} -c idle_in_transaction_session_timeout=${LIMITS.pg_idle_in_transaction_ms_max}`,
  })
  // An idle connection the server dropped (a restart, a failover) is an event, not a crash: the next statement
  // gets a new connection, and a statement that fails meanwhile is a fault like any other.
  pool.on('error', () => {})
  const notices = new ChangeNotices(
    () => new pg.Client({ connectionString: databaseUrl, types, connectionTimeoutMillis: LIMITS.pg_connect_timeout_ms, application_name: 'wage-ledger-notices' }),
    { channel: CREDENTIALS_CHANNEL, heartbeatMs: LIMITS.pg_notice_heartbeat_ms, timeoutMs: LIMITS.pg_notice_timeout_ms, retryMs: [250, 10_000] },
  )
  await notices.start()
  return new PostgresDatabase(pool, redactUrl(databaseUrl), notices)
}

/** Notified by triggers when a session, an API key or a login changes (migrations/postgres/0009_credential_notices.sql). */
export const CREDENTIALS_CHANNEL = 'wl_credentials'

/** Applies what is missing, one instance at a time: several starting together never race on the same migration. */
async function applyMigrations(databaseUrl: string, migrationsFolder: string, existing: boolean): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, types, connectionTimeoutMillis: LIMITS.pg_connect_timeout_ms, application_name: 'wage-ledger-migrate' })
  client.on('error', () => {})
  await client.connect()
  try {
    // Migration notices (schema already exists, …) are chatter, not news.
    await client.query('SET client_min_messages = warning')
    if (existing) {
      const found = await client.query<{ t: string | null }>(`SELECT to_regclass('drizzle.__drizzle_migrations')::text AS t`)
      if (found.rows[0]?.t == null) throw new Error(`${redactUrl(databaseUrl)} is not a wage-ledger database (it has never been migrated); check DATABASE_URL (nothing was created)`)
    }
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
    await migrate(drizzle({ client }), { migrationsFolder })
  } finally {
    await client.end().catch(() => {})
  }
}

/** fn returned, but a statement of it had failed (and fn caught it): the transaction was rolled back. */
export class TransactionAbortedError extends Error {
  /** PostgreSQL's SQLSTATE for it: in_failed_sql_transaction. */
  readonly code = '25P02'
  constructor() {
    super('the transaction was rolled back: a statement in it failed, and on PostgreSQL that aborts the whole transaction')
    this.name = 'TransactionAbortedError'
  }
}

/** A transaction and whether it is still open: work it started that outlives it must not run on its connection. */
interface OpenTx {
  open: boolean
  tx: Transaction
}

/**
 * Statements issued anywhere inside a transaction's async context (a
 * repository called by a service called inside `tx`) run on that
 * transaction's connection, as on SQLite's single connection: a service
 * never has to thread the transaction through the calls it makes.
 */
export class PostgresDatabase implements Database {
  readonly engine = 'postgres' as const
  readonly dialect = postgresDialect
  private readonly direct: Executor
  private readonly inside = new AsyncLocalStorage<OpenTx>()

  /**
   * Moves whenever a session, a key or a login changed anywhere, or this instance may have missed it (see
   * ChangeNotices): what lets the access service keep credentials in memory on PostgreSQL too.
   */
  readonly foreignWrites: (() => number) | undefined

  constructor(
    readonly pool: pg.Pool,
    readonly description: string,
    /** Absent: nothing is kept of credentials, every request reads them. */
    readonly notices?: ChangeNotices,
  ) {
    this.direct = executor(pool, pool)
    this.foreignWrites = notices ? () => notices.look() : undefined
  }

  all<T = Record<string, unknown>>(query: Query): Promise<T[]> {
    return this.on().all<T>(query)
  }

  values<T extends unknown[] = unknown[]>(query: Query): Promise<T[]> {
    return this.on().values<T>(query)
  }

  get<T = Record<string, unknown>>(query: Query): Promise<T | undefined> {
    return this.on().get<T>(query)
  }

  run(query: Query): Promise<RunResult> {
    return this.on().run(query)
  }

  each<T = Record<string, unknown>>(query: Query, fn: (row: T) => void, options?: EachOptions): Promise<void> {
    return this.on().each<T>(query, fn, options)
  }

  copyIn(table: string, columns: readonly string[], keys: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    return (this.on().copyIn as NonNullable<Executor['copyIn']>)(table, columns, keys, rows)
  }

  private on(): Executor {
    const t = this.inside.getStore()
    return t?.open ? t.tx : this.direct
  }

  /** A transaction opened inside another joins it: the outer one commits, rolls back or retries the whole. */
  async tx<T>(fn: (tx: Transaction) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    const outer = this.inside.getStore()
    if (outer?.open) return fn(outer.tx)
    const attempts = Math.max(1, opts.attempts ?? TX_ATTEMPTS_DEFAULT)
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect()
      let broken: unknown
      const t: OpenTx = {
        open: true,
        tx: {
          ...executor(client, this.pool),
          lock: async (key: string) => {
            await client.query('SELECT pg_advisory_xact_lock($1)', [lockKey(key)])
          },
        },
      }
      try {
        await client.query('BEGIN')
        const result = await this.inside.run(t, () => fn(t.tx))
        t.open = false
        // A transaction in which a statement failed is aborted, and PostgreSQL answers its COMMIT with ROLLBACK, not
        // an error: fn caught the failure and went on, but nothing of it was stored. (SQLite fails the statement alone.)
        const end = await client.query('COMMIT')
        if (end.command === 'ROLLBACK') throw new TransactionAbortedError()
        return result
      } catch (err) {
        t.open = false
        try {
          await client.query('ROLLBACK')
        } catch (rollbackErr) {
          // The connection itself failed: do not hand it to the next caller.
          broken = rollbackErr
        }
        if (attempt < attempts && isRetryableConflict(err)) {
          await new Promise((r) => setTimeout(r, Math.min(200, 5 * 2 ** attempt) * Math.random()))
          continue
        }
        throw err
      } finally {
        client.release(broken instanceof Error ? broken : undefined)
      }
    }
  }

  async close(): Promise<void> {
    await this.notices?.close()
    await this.pool.end()
  }
}
