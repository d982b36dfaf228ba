/**
 * The engine a benchmark runs on: SQLite (a file in a temp directory) or
 * PostgreSQL (`--db postgres`), where each benchmark creates databases of its
 * own on the server at WL_TEST_PG_URL (the tests' server; default the
 * machine's, postgres://postgres@127.0.0.1:5432/postgres), named
 * `wlbench_<random>…`, and drops them at the end, on failure too, and on
 * Ctrl-C.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { Database, Engine, Executor } from '../src/db/database.ts'
import { q } from '../src/db/database.ts'

export const PG_ADMIN_URL = process.env.WL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export function engineOption(raw: string | undefined): Engine {
  if (raw === undefined || raw === 'sqlite') return 'sqlite'
  if (raw === 'postgres' || raw === 'postgresql' || raw === 'pg') return 'postgres'
  throw new Error(`--db must be sqlite or postgres, got "${raw}"`)
}

/** The URL of database `name` on the benchmark's PostgreSQL server. */
export function pgUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${name}`
  return url.toString()
}

/** One connection to `url` for fn: maintenance (VACUUM, CHECKPOINT) and the floors' bare statements. */
export async function withPg<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'wage-ledger-bench' })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/**
 * The databases this process created on the server, dropped by dropAll (and on SIGINT / SIGTERM). A copy made from
 * a seeded one (`template`) is a file copy on the server: seconds, where seeding again takes minutes.
 */
export class PgDatabases {
  readonly prefix = `wlbench_${randomBytes(4).toString('hex')}`
  private readonly created = new Set<string>()
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    console.error(`${signal}: dropping the benchmark's databases`)
    void this.dropAll().finally(() => process.exit(130))
  }

  constructor() {
    process.once('SIGINT', this.onSignal)
    process.once('SIGTERM', this.onSignal)
  }

  /** Creates `<prefix>_<suffix>` (from `template` when given, which must have no connection open) and returns its URL. */
  create(suffix: string, template?: string): Promise<{ name: string; url: string }> {
    return this.createNamed(`${this.prefix}_${suffix}`, template)
  }

  /** Creates `name` (a name of the caller's, e.g. a cache kept with --keep); dropped by dropAll unless kept. */
  async createNamed(name: string, template?: string): Promise<{ name: string; url: string }> {
    await withPg(PG_ADMIN_URL, async (c) => {
      // FILE_COPY: a checkpoint and a copy of the files, much faster than WAL_LOG (PostgreSQL 15's default) for a
      // database of a million rows and more.
      const fileCopy = Number((await c.query<{ v: string }>('SHOW server_version_num')).rows[0]?.v) >= 150000 ? ' STRATEGY FILE_COPY' : ''
      await c.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}${fileCopy}` : ''}`)
    })
    this.created.add(name)
    return { name, url: pgUrl(name) }
  }

  /** Keeps `name` past dropAll (--keep). */
  keep(name: string): void {
    this.created.delete(name)
  }

  async drop(name: string): Promise<void> {
    await withPg(PG_ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    this.created.delete(name)
  }

  async dropAll(): Promise<void> {
    for (const name of [...this.created]) {
      try {
        await this.drop(name)
      } catch (err) {
        console.error(`could not drop database ${name}: ${err instanceof Error ? err.message : String(err)}`)
      }
    }
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
  }
}

export async function pgDatabaseExists(name: string): Promise<boolean> {
  return withPg(PG_ADMIN_URL, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1)
}

export async function renamePgDatabase(from: string, to: string): Promise<void> {
  await withPg(PG_ADMIN_URL, (c) => c.query(`ALTER DATABASE ${from} RENAME TO ${to}`))
}

/** The server's settings that the figures depend on, for the report. */
export async function pgSettings(url: string): Promise<string> {
  return withPg(url, async (c) => {
    const version = (await c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]?.v ?? '?'
    const rows = (
      await c.query<{ name: string; setting: string; unit: string | null }>(
        `SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'maintenance_work_mem', 'synchronous_commit', 'fsync', 'max_wal_size', 'max_parallel_workers_per_gather') ORDER BY name`,
      )
    ).rows
    const show = (r: { name: string; setting: string; unit: string | null }): string => {
      if (r.unit === '8kB') return `${r.name}=${Math.round((Number(r.setting) * 8) / 1024)}MB`
      if (r.unit === 'kB') return `${r.name}=${Math.round(Number(r.setting) / 1024)}MB`
      if (r.unit === 'MB') return `${r.name}=${r.setting}MB`
      return `${r.name}=${r.setting}`
    }
    return `PostgreSQL ${version} (${rows.map(show).join(', ')})`
  })
}

export interface PunchSizing {
  rows: number
  /** The table itself (PostgreSQL: heap and TOAST; SQLite: its b-tree pages). */
  tableBytes: number
  /** Its indexes (PostgreSQL: the primary key included; SQLite: the autoindex of the unique constraint included). */
  indexBytes: number
  /** What the whole database takes (PostgreSQL: pg_database_size; SQLite: the file without its WAL). */
  databaseBytes: number
}

/** Bytes the punches take on disk, table and indexes apart, with the row count: what a year of a province needs. */
export async function punchSizing(db: Database): Promise<PunchSizing> {
  const rows = (await db.get<{ n: number }>(q('SELECT count(*) AS n FROM punches')))?.n ?? 0
  if (db.engine === 'postgres') {
    const r = await db.get<{ table: number; indexes: number; database: number }>(
      q(`SELECT CAST(pg_table_size('punches') AS BIGINT) AS "table", CAST(pg_indexes_size('punches') AS BIGINT) AS "indexes", CAST(pg_database_size(current_database()) AS BIGINT) AS "database"`),
    )
    return { rows, tableBytes: r?.table ?? 0, indexBytes: r?.indexes ?? 0, databaseBytes: r?.database ?? 0 }
  }
  // dbstat: every page of every b-tree, by name; the punches' indexes are those whose table is punches.
  const pages = await db.all<{ name: string; bytes: number; tbl: string | null }>(
    q(`SELECT d.name AS name, sum(d.pgsize) AS bytes, m.tbl_name AS tbl FROM dbstat AS d LEFT JOIN sqlite_schema AS m ON m.name = d.name GROUP BY d.name`),
  )
  const tableBytes = pages.filter((p) => p.name === 'punches').reduce((n, p) => n + p.bytes, 0)
  const indexBytes = pages.filter((p) => p.name !== 'punches' && p.tbl === 'punches').reduce((n, p) => n + p.bytes, 0)
  const file = await db.get<{ bytes: number }>(q('SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()'))
  return { rows, tableBytes, indexBytes, databaseBytes: file?.bytes ?? 0 }
}

export function sizingLine(s: PunchSizing): string {
  const per = (b: number): string => (s.rows > 0 ? (b / s.rows).toFixed(1) : '-')
  const mib = (b: number): string => `${(b / 1_048_576).toFixed(0)} MiB`
  return (
    `${s.rows.toLocaleString('en-US')} punches: table ${mib(s.tableBytes)} (${per(s.tableBytes)} B/punch), indexes ${mib(s.indexBytes)} (${per(s.indexBytes)} B/punch), ` +
    `together ${per(s.tableBytes + s.indexBytes)} B/punch; whole database ${mib(s.databaseBytes)}`
  )
}

/**
 * Runs a bulk load of punches: the table's own indexes (those no constraint owns) are dropped first and built again
 * after it in one pass each, exactly as the migrations define them (unless keepIndexes: a table grown row by row, as
 * ingest grows it, has its indexes' page fill too); foreign keys are not checked meanwhile (the rows
 * name rows that exist). SQLite: synchronous=OFF and a large cache for the load. PostgreSQL: each transaction of the
 * load should begin with {@link bulkSettings}.
 */
export async function bulkLoadPunches<T>(db: Database, load: () => Promise<T>, opts: { keepIndexes?: boolean } = {}): Promise<T> {
  const indexes = opts.keepIndexes
    ? []
    : db.engine === 'sqlite'
      ? await db.all<{ name: string; sql: string }>(q(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'punches' AND sql IS NOT NULL ORDER BY name`))
      : await db.all<{ name: string; sql: string }>(
          q(`SELECT c.relname AS name, pg_get_indexdef(c.oid) AS sql FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
              WHERE x.indrelid = 'punches'::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) ORDER BY c.relname`),
        )
  if (db.engine === 'sqlite') {
    for (const p of ['synchronous = OFF', 'foreign_keys = OFF', 'cache_size = -1000000']) await db.run(q(`PRAGMA ${p}`))
  }
  for (const { name } of indexes) await db.run(q(`DROP INDEX "${name}"`))
  const result = await load()
  for (const { sql } of indexes) {
    if (db.engine === 'sqlite') await db.run(q(sql))
    else
      await db.tx(async (tx) => {
        await tx.run(q(`SET LOCAL maintenance_work_mem = '512MB'`))
        await tx.run(q(sql))
      })
  }
  if (db.engine === 'sqlite') {
    for (const p of ['cache_size = -2000', 'foreign_keys = ON', 'synchronous = FULL']) await db.run(q(`PRAGMA ${p}`))
  }
  return result
}

/** PostgreSQL, at the start of each transaction of a bulk load: foreign keys unchecked (needs a superuser: the tests' server has one). */
export async function bulkSettings(tx: Executor): Promise<void> {
  if (tx.engine === 'postgres') {
    await tx.run(q('SET LOCAL session_replication_role = replica'))
    await tx.run(q('SET LOCAL synchronous_commit = off'))
  }
}
