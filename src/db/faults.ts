/**
 * Which database errors are faults of the database itself (a lock held by
 * another process, a full disk, an I/O error, a read-only file) rather than of
 * the statement or the data. A fault is retried, reported on /ready and
 * /metrics, and answered 503; anything else is a bug or bad data and is
 * handled where it happens.
 *
 * Codes are SQLite's extended result codes as better-sqlite3 names them
 * (https://www.sqlite.org/rescode.html). The engine-specific list lives here
 * and nowhere else.
 */
import Database from 'better-sqlite3'

export type DbFaultKind = 'busy' | 'unavailable'

/** SQLITE_BUSY / SQLITE_LOCKED: another connection holds the lock; it passes. */
const BUSY = /^SQLITE_(BUSY|LOCKED)(_|$)/
/** The file cannot be written now: disk full, I/O error, read-only, gone. It may come back when an operator acts. */
const UNAVAILABLE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|NOMEM|PROTOCOL|NOLFS|CORRUPT|NOTADB|PERM)(_|$)/

export interface DbFault {
  kind: DbFaultKind
  /** SQLite's own code, e.g. SQLITE_FULL, SQLITE_BUSY, SQLITE_IOERR_WRITE. */
  code: string
  message: string
}

export function dbFaultOf(err: unknown): DbFault | undefined {
  if (!(err instanceof Database.SqliteError)) return undefined
  if (BUSY.test(err.code)) return { kind: 'busy', code: err.code, message: err.message }
  if (UNAVAILABLE.test(err.code)) return { kind: 'unavailable', code: err.code, message: err.message }
  return undefined
}
