/**
 * One running process per instance name (MQTT_INSTANCE). An external broker
 * names each subscriber session after the instance; two processes with the
 * same name take each other's sessions over without end (the broker drops the
 * older connection, its client reconnects and drops the newer), and the
 * frames each had in flight are acknowledged by neither. The name is leased
 * in the database all instances share: the second process fails at start with
 * the holder's host and pid, instead of fighting.
 *
 * The lease is renewed with the heartbeat (every 2 s). A process that finds
 * the name held watches the holder's renewals for `silentMs`: a renewal means
 * the holder lives, and the newcomer fails at once; none means the holder was
 * killed (kill -9, a lost machine), and the newcomer takes the name over and
 * resumes its broker sessions. The decision rests on the holder's renewal count
 * being seen to change, not on comparing clocks of two machines.
 */
import { hostname } from 'node:os'
import { q, type Database } from '../db/database.ts'
import { newId } from '../kernel/ids.ts'
import type { Clock } from '../kernel/time.ts'

/** Renewals the holder may miss before its name is taken over: three heartbeats (2 s apart) and some slack. */
export const LEASE_SILENT_MS = 7_000
const WATCH_STEP_MS = 250

export interface LeaseHolder {
  holder: string
  host: string
  pid: number
  renewedAtMs: number
  /** Renewals so far: what a watcher sees change while the holder lives, whatever the clocks say. */
  beats: number
}

export class InstanceNameTakenError extends Error {
  readonly code = 'instance_name_taken'
  constructor(
    readonly instance: string,
    readonly heldBy: LeaseHolder,
  ) {
    super(
      `MQTT_INSTANCE "${instance}" is in use by a running instance (host ${heldBy.host}, pid ${heldBy.pid}, which renewed its lease just now): ` +
        `give every instance of the deployment its own MQTT_INSTANCE (two with one name take each other's broker sessions over without end).`,
    )
    this.name = 'InstanceNameTakenError'
  }
}

const CLAIM = `INSERT INTO instance_leases (instance, holder, host, pid, acquired_at_ms, renewed_at_ms) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (instance) DO NOTHING`
/** Takes the name from a holder seen silent: only if it is still that holder at that renewal (no one else took it). */
const TAKE_OVER = `UPDATE instance_leases SET holder = ?, host = ?, pid = ?, acquired_at_ms = ?, renewed_at_ms = ?, beats = 0
  WHERE instance = ? AND holder = ? AND beats = ?`
const RENEW = `UPDATE instance_leases SET renewed_at_ms = ?, beats = beats + 1 WHERE instance = ? AND holder = ?`
const RELEASE = `DELETE FROM instance_leases WHERE instance = ? AND holder = ?`
const HOLDER = `SELECT holder, host, pid, renewed_at_ms AS "renewedAtMs", beats FROM instance_leases WHERE instance = ?`

export class InstanceLease {
  /** This process's claim: new at every start, so a restarted process never mistakes an old lease for its own. */
  readonly holder = newId()

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    readonly instance: string,
    private readonly silentMs = LEASE_SILENT_MS,
  ) {}

  /**
   * Takes the name: at once when it is free, after `silentMs` when its holder
   * has stopped renewing; throws InstanceNameTakenError as soon as the holder
   * is seen renewing.
   */
  async acquire(): Promise<void> {
    const now = this.clock.nowMs()
    const { changes } = await this.db.run(q(CLAIM, this.instance, this.holder, hostname(), process.pid, now, now))
    if (changes === 1) return
    const seen = await this.db.get<LeaseHolder>(q(HOLDER, this.instance))
    if (!seen) return this.acquire() // released between the two statements
    // Real time, not the service clock: this waits for another process's heartbeats.
    const deadline = Date.now() + this.silentMs
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, WATCH_STEP_MS))
      const held = await this.db.get<LeaseHolder>(q(HOLDER, this.instance))
      if (!held) return this.acquire()
      if (held.holder !== seen.holder || held.beats !== seen.beats) throw new InstanceNameTakenError(this.instance, held)
    }
    const at = this.clock.nowMs()
    const took = await this.db.run(q(TAKE_OVER, this.holder, hostname(), process.pid, at, at, this.instance, seen.holder, seen.beats))
    if (took.changes === 1) return
    const held = await this.db.get<LeaseHolder>(q(HOLDER, this.instance))
    if (!held) return this.acquire()
    throw new InstanceNameTakenError(this.instance, held)
  }

  /**
   * Renews it. False when another process has taken it meanwhile (this one
   * stalled past the ttl): this process must stop taking frames under the name.
   */
  async renew(): Promise<boolean> {
    const { changes } = await this.db.run(q(RENEW, this.clock.nowMs(), this.instance, this.holder))
    return changes === 1
  }

  /** Frees the name at a clean shutdown, so a restart need not wait for the lease to lapse. */
  async release(): Promise<void> {
    await this.db.run(q(RELEASE, this.instance, this.holder))
  }
}
