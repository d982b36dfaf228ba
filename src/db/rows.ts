/**
 * Statements built from the schema's tables, the same on both engines: the
 * column list of a SELECT with camelCase aliases (quoted, so PostgreSQL keeps
 * their case), an INSERT of one or many rows, and the row mapping that makes
 * SQLite's 0/1 a boolean. Tables are named by the SQLite schema's objects; the
 * PostgreSQL schema (src/db/schema-pg) has the same table and column names.
 */
import { getTableColumns, getTableName, Param, SQL, sql, StringChunk, type Table, type Column } from 'drizzle-orm'
import type { Database } from './database.ts'
import { toSnakeCase } from 'drizzle-orm/casing'

/**
 * The column's name in SQL. A column declared without one (`integer()`, as in
 * schema/ops.ts) is named by its key, which the migrations (drizzle-kit,
 * casing snake_case) turned into snake_case: so must every statement.
 */
export function columnName(col: Column): string {
  return col.keyAsName ? toSnakeCase(col.name) : col.name
}

const columnLists = new WeakMap<Table, SQL>()

/** `"t"."project_id" AS "projectId", …`: every column of the table, keyed as its $inferSelect type is. */
export function columnsOf(table: Table): SQL {
  let list = columnLists.get(table)
  if (!list) {
    const name = getTableName(table)
    list = sql.raw(
      Object.entries(getTableColumns(table))
        .map(([key, col]) => `"${name}"."${columnName(col)}" AS "${key}"`)
        .join(', '),
    )
    columnLists.set(table, list)
  }
  return list
}

const booleanKeys = new WeakMap<Table, string[]>()
const jsonKeys = new WeakMap<Table, string[]>()

/** The keys of the table's columns of this drizzle data type, listed once per table. */
function keysOf(memo: WeakMap<Table, string[]>, table: Table, dataType: string): string[] {
  let keys = memo.get(table)
  if (!keys) {
    keys = Object.entries(getTableColumns(table))
      .filter(([, col]) => (col as Column).dataType === dataType)
      .map(([key]) => key)
    memo.set(table, keys)
  }
  return keys
}

/**
 * A row as the table's $inferSelect type has it: booleans as booleans on both engines (SQLite returns 0/1), and a
 * JSON column (`text(…, { mode: 'json' })`, stored as text on both) as its value.
 */
export function rowOf<T>(table: Table, raw: Record<string, unknown>): T {
  for (const k of keysOf(booleanKeys, table, 'boolean')) if (raw[k] !== null && raw[k] !== undefined) raw[k] = Boolean(raw[k])
  for (const k of keysOf(jsonKeys, table, 'json')) if (typeof raw[k] === 'string') raw[k] = JSON.parse(raw[k])
  return raw as T
}

/** `SELECT <every column> FROM <table>`: follow it with WHERE / ORDER BY / LIMIT. */
export function selectFrom(table: Table): SQL {
  return sql`SELECT ${columnsOf(table)} FROM ${table}`
}

/** The columns any of the rows gives a value: the others are left to their defaults (e.g. a generated id). */
function givenColumns(table: Table, rows: ReadonlyArray<Record<string, unknown>>): Array<[string, Column]> {
  return Object.entries(getTableColumns(table) as Record<string, Column>).filter(([key]) => rows.some((r) => r[key] !== undefined))
}

/**
 * `INSERT INTO <table> (…) VALUES (…), (…)`. Columns whose value is undefined in
 * every row are left out (their default applies, e.g. a generated id).
 * Follow it with `ON CONFLICT …` or `RETURNING …` as needed.
 *
 * Built as one flat list of text and parameters: drizzle renders a template of
 * templates (one per row and value) about twice as slowly, which a file of
 * thousands of lines feels.
 */
export function insertInto(table: Table, rows: ReadonlyArray<Record<string, unknown>>): SQL {
  if (rows.length === 0) throw new Error(`insertInto(${getTableName(table)}): no rows`)
  const columns = givenColumns(table, rows)
  const json = new Set(keysOf(jsonKeys, table, 'json'))
  const chunks: Array<StringChunk | Param> = [new StringChunk(`INSERT INTO "${getTableName(table)}" (${columns.map(([, c]) => `"${columnName(c)}"`).join(', ')}) VALUES `)]
  rows.forEach((r, i) => {
    chunks.push(new StringChunk(i === 0 ? '(' : ', ('))
    columns.forEach(([key], j) => {
      if (j > 0) chunks.push(new StringChunk(', '))
      const value = r[key] ?? null
      chunks.push(new Param(json.has(key) && value !== null ? JSON.stringify(value) : value))
    })
    chunks.push(new StringChunk(')'))
  })
  return new SQL(chunks)
}

/** Rows a BulkInsert statement carries: 500 × up to 65 columns stays inside both engines' parameter limits (SQLite 32,766, PostgreSQL 65,535). */
const BULK_ROWS_MAX = 500
const BULK_PARAMS_MAX = 32_766

/**
 * Multi-row INSERTs of a table's every column as constant texts with `?` placeholders (the database layer's fast
 * path, numbered for PostgreSQL there), so each is prepared once: for the bulk writes of many rows — payout lines,
 * flags, sheet lines, instruction lines — where drizzle rendering a template of thousands of values costs more than
 * the write itself (2.2 s of 3.7 s for a 50,000-line payout file). Chunks are 500 rows and then the remainder's
 * powers of two, so a table needs at most ten texts however many rows come: the statement caches stay small.
 */
export class BulkInsert<Row extends Record<string, unknown>> {
  private readonly keys: string[]
  private readonly table: string
  private readonly columns: string[]
  private readonly head: string
  private readonly tuple: string
  private readonly texts = new Map<number, string>()

  constructor(table: Table) {
    const columns = Object.entries(getTableColumns(table))
    if (columns.length * BULK_ROWS_MAX > BULK_PARAMS_MAX) throw new Error(`BulkInsert(${getTableName(table)}): ${columns.length} columns × ${BULK_ROWS_MAX} rows is over the parameter limit`)
    this.keys = columns.map(([key]) => key)
    this.table = getTableName(table)
    this.columns = columns.map(([, c]) => columnName(c))
    this.head = `INSERT INTO "${this.table}" (${this.columns.map((c) => `"${c}"`).join(', ')}) VALUES `
    this.tuple = `(${columns.map(() => '?').join(', ')})`
  }

  private text(rows: number): string {
    let text = this.texts.get(rows)
    if (text === undefined) this.texts.set(rows, (text = this.head + Array.from({ length: rows }, () => this.tuple).join(', ')))
    return text
  }

  async run(db: Pick<Database, 'run' | 'copyIn'>, rows: readonly Row[]): Promise<void> {
    // More rows than one statement carries go by the engine's bulk path where it has one (PostgreSQL's COPY: a
    // 100,000-line payout file's lines stored in 1.5 s, where 200 INSERTs of 500 rows took 2.7 s).
    if (rows.length > BULK_ROWS_MAX && db.copyIn !== undefined) return db.copyIn(this.table, this.columns, this.keys, rows)
    for (let i = 0; i < rows.length; ) {
      const left = rows.length - i
      const n = left >= BULK_ROWS_MAX ? BULK_ROWS_MAX : 2 ** Math.floor(Math.log2(left))
      // Sized once and filled in place, and handed over as the query's own list (not spread into q()): 1.9 million
      // values for a 100,000-line file.
      const keys = this.keys
      const params: unknown[] = new Array(n * keys.length)
      let at = 0
      for (let r = i; r < i + n; r++) {
        const row = rows[r]!
        for (let k = 0; k < keys.length; k++) params[at++] = row[keys[k]!] ?? null
      }
      await db.run({ text: this.text(n), params })
      i += n
    }
  }
}
