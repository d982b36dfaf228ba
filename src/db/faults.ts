/**
 * Which database errors are faults of the database itself (a lock held by
 * another process or transaction, a full disk, an I/O error, a read-only file,
 * a server gone) rather than of the statement or the data. A fault is retried,
 * reported on /ready and /metrics, and answered 503; anything else is a bug or
 * bad data and is handled where it happens.
 *
 * The engine-specific lists live here and nowhere else:
 * - SQLite: extended result codes as better-sqlite3 names them
 *   (https://www.sqlite.org/rescode.html);
 * - PostgreSQL: SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html)
 *   and the socket errors node-postgres passes through.
 */
import Database from 'better-sqlite3'

export type DbFaultKind = 'busy' | 'unavailable'

/** SQLITE_BUSY / SQLITE_LOCKED: another connection holds the lock; it passes. */
const SQLITE_BUSY = /^SQLITE_(BUSY|LOCKED)(_|$)/
/** The file cannot be written now: disk full, I/O error, read-only, gone. It may come back when an operator acts. */
const SQLITE_UNAVAILABLE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|NOMEM|PROTOCOL|NOLFS|CORRUPT|NOTADB|PERM)(_|$)/
const SQLITE_UNIQUE = /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/

/**
 * PostgreSQL, busy: a lock not granted in time (55P03), a statement cancelled by its timeout (57014), and the
 * serialization failures and deadlocks (40001, 40P01) that were still failing after the transaction's retries.
 */
const PG_BUSY = new Set(['55P03', '57014', '40001', '40P01'])
/**
 * PostgreSQL, unavailable: the connection (class 08), insufficient resources such as a full disk (class 53), the
 * server shutting down or starting (57P01–57P03), system and I/O errors (class 58), a read-only standby (25006).
 */
const PG_UNAVAILABLE = /^(08|53|58)|^57P0[1-3]$|^25006$/
/** A socket that failed under node-postgres, or a pool that could not hand out a connection. */
const NODE_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])
const PG_CLIENT_UNAVAILABLE = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/

export interface DbFault {
  kind: DbFaultKind
  /** The engine's own code, e.g. SQLITE_FULL, SQLITE_BUSY, SQLITE_IOERR_WRITE, or PostgreSQL's SQLSTATE (53100, 08006). */
  code: string
  message: string
}

function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

export function dbFaultOf(err: unknown): DbFault | undefined {
  if (err instanceof Database.SqliteError) {
    if (SQLITE_BUSY.test(err.code)) return { kind: 'busy', code: err.code, message: err.message }
    if (SQLITE_UNAVAILABLE.test(err.code)) return { kind: 'unavailable', code: err.code, message: err.message }
    return undefined
  }
  if (!(err instanceof Error)) return undefined
  const code = pgCode(err)
  if (code !== undefined) {
    if (PG_BUSY.has(code)) return { kind: 'busy', code, message: err.message }
    if (PG_UNAVAILABLE.test(code) || NODE_UNAVAILABLE.has(code)) return { kind: 'unavailable', code, message: err.message }
  }
  if (PG_CLIENT_UNAVAILABLE.test(err.message)) return { kind: 'unavailable', code: code ?? 'connection_lost', message: err.message }
  return undefined
}

/** A unique index refused the row (another instance wrote the same key a moment ago): the same on both engines. */
export function isUniqueViolation(err: unknown): boolean {
  if (err instanceof Database.SqliteError) return SQLITE_UNIQUE.test(err.code)
  return pgCode(err) === '23505'
}

/** A PostgreSQL transaction that lost a serialization race or a deadlock: run again, it will pass. */
export function isRetryableConflict(err: unknown): boolean {
  const code = pgCode(err)
  return code === '40001' || code === '40P01'
}
