/**
 * What the service knows of its database's health, from three sources: the
 * inbox's commits, HTTP requests that met a database fault, and a probe that
 * writes this instance's heartbeat row. A fault is logged at once at error
 * level with a stable code and the engine's own code (`dbCode`: SQLite's
 * result code or PostgreSQL's SQLSTATE; on SQLite also as `sqliteCode`, the
 * field operators' alerts already match), then at most once per
 * `db_fault_log_interval_ms` while it lasts, and its end is logged too: an
 * operator reading the log sees when it began, that it goes on, and when it
 * ended. /health, /ready and /metrics read the state from here.
 *
 * A fault clears only on a successful write (a commit or the heartbeat): a
 * lock check alone passes on a full disk.
 */
import { LIMITS } from '../config/limits.ts'
import { q, type Database, type Engine } from '../db/database.ts'
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

/** The heartbeat: this instance's row, its start kept, its beat moved on. */
const BEAT = `INSERT INTO service_heartbeats (instance, started_at_ms, beat_at_ms) VALUES (?, ?, ?)
  ON CONFLICT (instance) DO UPDATE SET beat_at_ms = excluded.beat_at_ms`

export class DatabaseWatch {
  private current: DbFaultState | undefined
  private lastLoggedMs = 0
  private log: FaultLog | undefined
  private readonly startedAtMs: number
  /** The probe under way, if any: a slow database must not pile up heartbeats. */
  private probing: Promise<DbFaultState | undefined> | undefined
  private readonly faultListeners: Array<(op: DbOperation, fault: DbFault) => void> = []
  lastOkMs: number

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly instance: string,
  ) {
    this.startedAtMs = clock.nowMs()
    this.lastOkMs = this.startedAtMs
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
      this.log?.error({ code: DB_FAULT_LOG_CODES[operation], ...engineCode(this.db.engine, fault.code), detail: fault.message, ...context }, `database fault: ${fault.message}`)
      return
    }
    this.current = { ...this.current, code: fault.code, kind: fault.kind, message: fault.message, operation, attempts: this.current.attempts + 1 }
    if (nowMs - this.lastLoggedMs >= LIMITS.db_fault_log_interval_ms) {
      this.lastLoggedMs = nowMs
      this.log?.error(
        { code: DB_FAULT_LOG_CODES[operation], ...engineCode(this.db.engine, fault.code), detail: fault.message, attempts: this.current.attempts, failingForMs: nowMs - this.current.sinceMs, ...context },
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
    this.log?.warn({ code: 'db_recovered', ...engineCode(this.db.engine, was.code), failedForMs: nowMs - was.sinceMs, attempts: was.attempts }, 'database takes writes again')
  }

  /**
   * Writes this instance's heartbeat: one small commit, the proof /ready needs. Never rejects on a database fault. A
   * call while one is under way shares it.
   */
  probe(): Promise<DbFaultState | undefined> {
    this.probing ??= this.beat().finally(() => {
      this.probing = undefined
    })
    return this.probing
  }

  private async beat(): Promise<DbFaultState | undefined> {
    try {
      await this.db.run(q(BEAT, this.instance, this.startedAtMs, this.clock.nowMs()))
      this.wrote()
    } catch (err) {
      const fault = dbFaultOf(err)
      if (!fault) throw err
      this.faulted('probe', fault)
    }
    return this.current
  }
}

/** The engine's code under `dbCode`, and under `sqliteCode` too on SQLite, the name log alerts were written against. */
function engineCode(engine: Engine, code: string): { dbCode: string; sqliteCode?: string } {
  return engine === 'sqlite' ? { dbCode: code, sqliteCode: code } : { dbCode: code }
}
