/**
 * Liveness and readiness, as pure rules over what the service knows. Neither
 * touches the database when asked: a lock held elsewhere must not make the
 * health check itself hang (the heartbeat probe writes on its own timer).
 */
import { LIMITS } from '../config/limits.ts'
import type { DbFaultState } from './database-watch.ts'

export interface ServiceState {
  database: { fault: DbFaultState | undefined; lastWriteAgeMs: number }
  broker: { kind: 'embedded' | 'external' | 'none'; connected: boolean; connections: number }
  inbox: { backlog: number; oldestPendingMs: number }
  nowMs: number
}

export interface Check {
  ok: boolean
  /** A sentence an operator can act on, when not ok. */
  reason?: string
}

export interface Assessment {
  ok: boolean
  reasons: string[]
  checks: { database: Check; broker: Check; backlog: Check; oldestPending: Check }
}

function databaseCheck(s: ServiceState): Check {
  const f = s.database.fault
  if (!f) return { ok: true }
  const since = new Date(f.sinceMs).toISOString()
  const what = f.kind === 'busy' ? 'locked by another process' : 'not writable (disk full, I/O error, read-only, or the server unreachable)'
  return { ok: false, reason: `database ${what}: ${f.code} (${f.message}) since ${since}, ${f.attempts} failed attempts; frames wait unacknowledged and are retried` }
}

/** Liveness (/health): the process can do its work, which means writing the ledger. */
export function liveness(s: ServiceState): Check {
  return databaseCheck(s)
}

/** Readiness (/ready): take traffic — database writable, broker connected, ingest keeping up. */
export function readiness(s: ServiceState): Assessment {
  const database = databaseCheck(s)
  const broker: Check = s.broker.connected
    ? { ok: true }
    : { ok: false, reason: s.broker.kind === 'external' ? 'no subscriber connection to the external MQTT broker is up; reconnecting' : 'the MQTT broker is not running' }
  const backlog: Check =
    s.inbox.backlog <= LIMITS.ready_backlog_max
      ? { ok: true }
      : { ok: false, reason: `ingest backlog is ${s.inbox.backlog} frames, over ${LIMITS.ready_backlog_max}: commits are not keeping up` }
  const oldestPending: Check =
    s.inbox.oldestPendingMs <= LIMITS.ready_pending_age_ms_max
      ? { ok: true }
      : { ok: false, reason: `the oldest frame has waited ${Math.round(s.inbox.oldestPendingMs / 1000)} s for a commit, over ${LIMITS.ready_pending_age_ms_max / 1000} s` }
  const checks = { database, broker, backlog, oldestPending }
  const reasons = Object.values(checks).flatMap((c) => (c.reason ? [c.reason] : []))
  return { ok: reasons.length === 0, reasons, checks }
}
