/**
 * What the service knows of its database's health, from three sources: the
 * inbox's commits, HTTP requests that met a database fault, and a probe that
 * writes this instance's heartbeat row. A fault is logged at once at error
 * level with a stable code and SQLite's own code, then at most once per
 * `db_fault_log_interval_ms` while it lasts, and its end is logged too: an
 * operator reading the log sees when it began, that it goes on, and when it
 * ended. /health, /ready and /metrics read the state from here.
 *
 * A fault clears only on a successful write (a commit or the heartbeat): a
 * lock check alone passes on a full disk.
 */
import type Database from 'better-sqlite3'
import type { Statement } from 'better-sqlite3'
import { LIMITS } from '../config/limits.ts'
import { dbFaultOf, type DbFault } from '../db/faults.ts'
import type { Clock } from '../kernel/time.ts'

/** Where the fault was met; each has its stable log code. */
export type DbOperation = 'ingest' | 'http' | 'probe' | 'sweep'

export const DB_FAULT_LOG_CODES: Record<DbOperation, string> = {
  ingest: 'ingest_db_error',
  http: 'http_db_error',
  probe: 'db_probe_error',
  sweep: 'sweep_db_error',
}

/** The part of a pino logger this needs. */
export interface FaultLog {
  error(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

export interface DbFaultState {
  code: string
  kind: DbFault['kind']
  message: string
  operation: DbOperation
  sinceMs: number
  /** Failed attempts since it began (commits, requests, probes). */
  attempts: number
}

export class DatabaseWatch {
  private current: DbFaultState | undefined
  private lastLoggedMs = 0
  private log: FaultLog | undefined
  private readonly beatStmt: Statement
  private readonly faultListeners: Array<(op: DbOperation, fault: DbFault) => void> = []
  lastOkMs: number

  constructor(
    client: Database.Database,
    private readonly clock: Clock,
    private readonly instance: string,
  ) {
    const startedAtMs = clock.nowMs()
    this.lastOkMs = startedAtMs
    this.beatStmt = client.prepare(
      `INSERT INTO service_heartbeats (instance, started_at_ms, beat_at_ms) VALUES (?, ${startedAtMs}, ?)
       ON CONFLICT (instance) DO UPDATE SET beat_at_ms = excluded.beat_at_ms`,
    )
  }

  attachLog(log: FaultLog): void {
    this.log = log
  }

  /** Every fault, as it happens (metrics count them). */
  onFault(listener: (op: DbOperation, fault: DbFault) => void): void {
    this.faultListeners.push(listener)
  }

  lastWriteAgeMs(): number {
    return Math.max(0, this.clock.nowMs() - this.lastOkMs)
  }

  get fault(): DbFaultState | undefined {
    return this.current
  }

  faulted(operation: DbOperation, fault: DbFault, context: object = {}): void {
    const nowMs = this.clock.nowMs()
    for (const l of this.faultListeners) l(operation, fault)
    if (!this.current) {
      this.current = { code: fault.code, kind: fault.kind, message: fault.message, operation, sinceMs: nowMs, attempts: 1 }
      this.lastLoggedMs = nowMs
      this.log?.error({ code: DB_FAULT_LOG_CODES[operation], sqliteCode: fault.code, detail: fault.message, ...context }, `database fault: ${fault.message}`)
      return
    }
    this.current = { ...this.current, code: fault.code, kind: fault.kind, message: fault.message, operation, attempts: this.current.attempts + 1 }
    if (nowMs - this.lastLoggedMs >= LIMITS.db_fault_log_interval_ms) {
      this.lastLoggedMs = nowMs
      this.log?.error(
        { code: DB_FAULT_LOG_CODES[operation], sqliteCode: fault.code, detail: fault.message, attempts: this.current.attempts, failingForMs: nowMs - this.current.sinceMs, ...context },
        `database still failing: ${fault.message}`,
      )
    }
  }

  /** A write went through: the database takes writes again. */
  wrote(): void {
    const nowMs = this.clock.nowMs()
    this.lastOkMs = nowMs
    if (!this.current) return
    const was = this.current
    this.current = undefined
    this.log?.warn({ code: 'db_recovered', sqliteCode: was.code, failedForMs: nowMs - was.sinceMs, attempts: was.attempts }, 'database takes writes again')
  }

  /** Writes this instance's heartbeat: one small commit, the proof /ready needs. Never throws on a database fault. */
  probe(): DbFaultState | undefined {
    try {
      this.beatStmt.run(this.instance, this.clock.nowMs())
      this.wrote()
    } catch (err) {
      const fault = dbFaultOf(err)
      if (!fault) throw err
      this.faulted('probe', fault)
    }
    return this.current
  }
}
