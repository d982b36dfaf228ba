/**
 * The one interface both engines implement. Repositories speak only to this:
 * statements are written once, in the SQL both SQLite and PostgreSQL accept
 * (drizzle's `sql` template, or plain text with `?` placeholders), and every
 * call is asynchronous because on PostgreSQL it is a round trip.
 *
 * Conventions every statement keeps, so that rows read the same on both:
 * - integers (money in fen, instants in epoch ms, ids) are BIGINT on PostgreSQL
 *   and come back as JavaScript numbers; a value past 2^53 is an error, never
 *   a rounded float. Aggregates are CAST(… AS BIGINT) for the same reason
 *   (PostgreSQL's SUM of a BIGINT is NUMERIC);
 * - camelCase aliases are quoted (`AS "workerId"`): PostgreSQL folds
 *   unquoted names to lower case;
 * - booleans are compared and read through `Boolean(…)` (SQLite stores 0/1);
 * - new rows' generated ids come back through `RETURNING`, not last-insert-id.
 *
 * Statements only one engine accepts live in its adapter's `dialect`
 * (src/db/sqlite.ts, src/db/postgres.ts) and nowhere else.
 */
import type { SQL, SQLWrapper } from 'drizzle-orm'

export type Engine = 'sqlite' | 'postgres'

/** Plain SQL text with `?` placeholders and its parameters: the fast path, prepared once per text. */
export interface TextQuery {
  readonly text: string
  readonly params: readonly unknown[]
}

export type Query = SQL | TextQuery

/** A statement with `?` placeholders. Keep the text constant (a module-level string) so it is prepared once. */
export function q(text: string, ...params: unknown[]): TextQuery {
  return { text, params }
}

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number
}

/** What can run statements: the database itself, or an open transaction. */
export interface Executor {
  readonly engine: Engine
  all<T = Record<string, unknown>>(query: Query): Promise<T[]>
  /**
   * The rows as arrays of their columns' values, in the SELECT's order, parsed as `all` parses them. For the wide reads
   * of a whole month (100,000 rows): no object keyed by every alias is built per row only to be copied into the shape
   * the caller needs, which cost about a quarter of such a read.
   */
  values<T extends unknown[] = unknown[]>(query: Query): Promise<T[]>
  get<T = Record<string, unknown>>(query: Query): Promise<T | undefined>
  run(query: Query): Promise<RunResult>
  /**
   * Streams a large result row by row into fn, without holding it all in
   * memory. fn is synchronous and must not use the database: on SQLite the
   * read holds the connection until it ends.
   */
  each<T = Record<string, unknown>>(query: Query, fn: (row: T) => void, options?: EachOptions): Promise<void>
  /**
   * Writes many rows into one table as a single statement, where the engine has a bulk path faster than INSERT
   * (PostgreSQL's COPY FROM STDIN): all of them or, on any fault, none. Each row's values under `keys`, in the
   * order of `columns`. Absent where multi-row INSERTs are the fast path (SQLite).
   */
  copyIn?(table: string, columns: readonly string[], keys: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): Promise<void>
}

export interface EachOptions {
  /**
   * Rows fetched per round trip where the engine fetches in round trips (PostgreSQL's cursor; SQLite steps row by
   * row and ignores it). A read whose rows are large (a worker's month as one array) asks for fewer, so the heap
   * holds a bounded number of them.
   */
  rowsPerFetch?: number
}

/** An open transaction: statements, and a lock that lasts until it ends. */
export interface Transaction extends Executor {
  /**
   * Serialises this transaction with every other one that takes the same key,
   * across instances, until commit or rollback. PostgreSQL: a transaction-level
   * advisory lock. SQLite: nothing to do, a write transaction already excludes
   * every other writer (BEGIN IMMEDIATE).
   */
  lock(key: string): Promise<void>
}

export interface TransactionOptions {
  /**
   * Runs fn again (at most this many times in all) after a serialization
   * failure or a deadlock. fn must then be safe to repeat: database work only,
   * its side effects applied by the caller after it returns.
   */
  attempts?: number
}

export interface Database extends Executor {
  /**
   * Runs fn in one transaction: all of it commits, or none of it. fn should do
   * database work only; anything else it awaits holds the transaction open (on
   * SQLite, every other statement of the process waits for it).
   */
  tx<T>(fn: (tx: Transaction) => Promise<T>, opts?: TransactionOptions): Promise<T>
  /** The engine's own statements, for the few places portable SQL cannot say it (see each adapter). */
  readonly dialect: Dialect
  /** Where it is, without credentials: for logs and /ready. */
  readonly description: string
  /**
   * A number that changes whenever another connection commits to the database (SQLite: any commit; PostgreSQL: a
   * change of credentials, told by notices, and at every look while the instance is not listening), read at once and
   * without waiting for a transaction. With it a process may keep in memory what it read of credentials, and drop it
   * the moment anyone else changes them. Absent: nothing may be kept.
   */
  foreignWrites?(): number
  close(): Promise<void>
}

/**
 * The statements only one engine accepts, named once per engine. Each returns
 * the same rows on both (the adapter parses what its engine sends back).
 */
export interface Dialect {
  /**
   * A project's punches of work dates [from, to], one row per worker:
   * `{ workerId, punches }` where punches is a JSON array (text on SQLite,
   * already parsed on PostgreSQL: use {@link Dialect.parseJson}) of
   * [id, device_id, device_time_ms, direction, work_date, clock_suspect].
   * Parameters: project id, from, to.
   */
  readonly punchesByWorkerJson: string
  /** Reads a JSON column or aggregate as its engine returned it. */
  parseJson<T>(value: unknown): T
  /**
   * A text column compared and ordered byte by byte, as SQLite always does: PostgreSQL's default follows the server's
   * locale (which may ignore case and punctuation), so free text (names, serials) would sort, and page, differently.
   */
  bytewise(column: SQLWrapper): SQL
}

/** Tx-level retry budget when the caller does not say: serialization failures under load pass within a few tries. */
export const TX_ATTEMPTS_DEFAULT = 5
