/**
 * Statements built from the schema's tables, the same on both engines: the
 * column list of a SELECT with camelCase aliases (quoted, so PostgreSQL keeps
 * their case), an INSERT of one or many rows, and the row mapping that makes
 * SQLite's 0/1 a boolean. Tables are named by the SQLite schema's objects; the
 * PostgreSQL schema (src/db/schema-pg) has the same table and column names.
 */
import { getTableColumns, getTableName, sql, type SQL, type Table, type Column } from 'drizzle-orm'
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

/** A row as the table's $inferSelect type has it: booleans as booleans on both engines (SQLite returns 0/1). */
export function rowOf<T>(table: Table, raw: Record<string, unknown>): T {
  let keys = booleanKeys.get(table)
  if (!keys) {
    keys = Object.entries(getTableColumns(table))
      .filter(([, col]) => (col as Column).dataType === 'boolean')
      .map(([key]) => key)
    booleanKeys.set(table, keys)
  }
  for (const k of keys) if (raw[k] !== null && raw[k] !== undefined) raw[k] = Boolean(raw[k])
  return raw as T
}

/** `SELECT <every column> FROM <table>`: follow it with WHERE / ORDER BY / LIMIT. */
export function selectFrom(table: Table): SQL {
  return sql`SELECT ${columnsOf(table)} FROM ${table}`
}

/**
 * `INSERT INTO <table> (…) VALUES (…), (…)`. Columns whose value is undefined in
 * every row are left out (their default applies, e.g. a generated id).
 * Follow it with `ON CONFLICT …` or `RETURNING …` as needed.
 */
export function insertInto(table: Table, rows: ReadonlyArray<Record<string, unknown>>): SQL {
  if (rows.length === 0) throw new Error(`insertInto(${getTableName(table)}): no rows`)
  const columns = Object.entries(getTableColumns(table)).filter(([key]) => rows.some((r) => r[key] !== undefined))
  const head = sql.raw(`INSERT INTO "${getTableName(table)}" (${columns.map(([, c]) => `"${columnName(c)}"`).join(', ')}) VALUES `)
  const values = rows.map(
    (r) =>
      sql`(${sql.join(
        columns.map(([key]) => sql`${r[key] ?? null}`),
        sql`, `,
      )})`,
  )
  return sql`${head}${sql.join(values, sql`, `)}`
}
