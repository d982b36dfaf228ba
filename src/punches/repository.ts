/**
 * Database access for raw punches and rejected inputs. The append path uses
 * prepared statements with plain SQL that PostgreSQL also accepts
 * (INSERT … ON CONFLICT … DO NOTHING / DO UPDATE), because it runs per message.
 */
import { and, asc, desc, eq, gte, lt, lte, sql, count } from 'drizzle-orm'
import type { Statement } from 'better-sqlite3'
import type { Db } from '../db/client.ts'
import { duplicateCounts, punches, rejectedInputs, devices } from '../db/schema/index.ts'
import type { PunchRecord } from './admit.ts'

export type PunchRow = typeof punches.$inferSelect
export type RejectedRow = typeof rejectedInputs.$inferSelect

export interface RejectedInput {
  source: 'mqtt' | 'http'
  channel: string
  sender: string | null
  projectId: string | null
  deviceSerial: string | null
  recordId: string | null
  /** A RejectReason for device frames; payout_file_invalid for files. */
  reason: string
  detail: string
  payload: Buffer
  receivedAtMs: number
}

export class PunchRepository {
  private readonly insertPunchStmt: Statement
  private readonly existingStmt: Statement
  private readonly insertRejectedStmt: Statement
  private readonly addDuplicatesStmt: Statement

  constructor(private readonly db: Db) {
    const c = db.$client
    this.insertPunchStmt = c.prepare(
      `INSERT INTO punches (project_id, device_id, record_id, worker_id, enrolment_id, device_time_ms, received_at_ms, work_date, direction, verify_method, channel, clock_suspect)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (device_id, record_id) DO NOTHING`,
    )
    this.existingStmt = c.prepare(
      `SELECT worker_id AS workerId, device_time_ms AS deviceTimeMs, direction FROM punches WHERE device_id = ? AND record_id = ?`,
    )
    this.insertRejectedStmt = c.prepare(
      `INSERT INTO rejected_inputs (source, channel, sender, project_id, device_serial, record_id, reason, detail, payload, payload_bytes, received_at_ms)
       VALUES (@source, @channel, @sender, @projectId, @deviceSerial, @recordId, @reason, @detail, @payload, @payloadBytes, @receivedAtMs)`,
    )
    this.addDuplicatesStmt = c.prepare(
      `INSERT INTO duplicate_counts (device_id, received_date, count) VALUES (?, ?, ?)
       ON CONFLICT (device_id, received_date) DO UPDATE SET count = duplicate_counts.count + excluded.count`,
    )
  }

  /** Runs fn in one synchronous transaction (no awaits inside). */
  transaction<T>(fn: () => T): T {
    return this.db.$client.transaction(fn)()
  }

  /** Appends a punch; when the device already sent this record id, returns what is stored instead. */
  append(p: PunchRecord): { stored: true } | { stored: false; existing: Pick<PunchRecord, 'workerId' | 'deviceTimeMs' | 'direction'> } {
    // Positional: binding named parameters reads each column's value from the object by name, per row.
    const r = this.insertPunchStmt.run(p.projectId, p.deviceId, p.recordId, p.workerId, p.enrolmentId, p.deviceTimeMs, p.receivedAtMs, p.workDate, p.direction, p.verifyMethod, p.channel, p.clockSuspect)
    if (r.changes === 1) return { stored: true }
    return { stored: false, existing: this.existingStmt.get(p.deviceId, p.recordId) as Pick<PunchRecord, 'workerId' | 'deviceTimeMs' | 'direction'> }
  }

  reject(r: RejectedInput, payloadBytesMax: number): void {
    this.insertRejectedStmt.run({
      ...r,
      payload: r.payload.length > payloadBytesMax ? r.payload.subarray(0, payloadBytesMax) : r.payload,
      payloadBytes: r.payload.length,
    })
  }

  addDuplicates(deviceId: string, receivedDate: string, n: number): void {
    this.addDuplicatesStmt.run(deviceId, receivedDate, n)
  }

  /** Punches of a project whose work date lies in [fromDate, toDate], in device-time order. */
  punchesBetween(projectId: string, fromDate: string, toDate: string): PunchRow[] {
    return this.db
      .select()
      .from(punches)
      .where(and(eq(punches.projectId, projectId), gte(punches.workDate, fromDate), lte(punches.workDate, toDate)))
      .orderBy(asc(punches.deviceTimeMs), asc(punches.id))
      .all()
  }

  /** Punches of a project, all time or for work dates in [fromDate, toDate]. */
  countPunches(projectId: string, fromDate?: string, toDate?: string): number {
    const where = fromDate && toDate ? and(eq(punches.projectId, projectId), gte(punches.workDate, fromDate), lte(punches.workDate, toDate)) : eq(punches.projectId, projectId)
    return this.db.select({ n: count() }).from(punches).where(where).get()?.n ?? 0
  }

  listRejected(filter: { projectId?: string; reason?: string; beforeId?: number; limit: number }): RejectedRow[] {
    const conds = []
    if (filter.projectId) conds.push(eq(rejectedInputs.projectId, filter.projectId))
    if (filter.reason) conds.push(eq(rejectedInputs.reason, filter.reason))
    if (filter.beforeId !== undefined) conds.push(lt(rejectedInputs.id, filter.beforeId))
    return this.db
      .select()
      .from(rejectedInputs)
      .where(conds.length ? and(...conds) : undefined)
      .orderBy(desc(rejectedInputs.id))
      .limit(filter.limit)
      .all()
  }

  rejectedCounts(projectId: string | undefined): Array<{ reason: string; n: number }> {
    return this.db
      .select({ reason: rejectedInputs.reason, n: count() })
      .from(rejectedInputs)
      .where(projectId ? eq(rejectedInputs.projectId, projectId) : undefined)
      .groupBy(rejectedInputs.reason)
      .orderBy(asc(rejectedInputs.reason))
      .all()
  }

  duplicatesByProject(projectId: string): number {
    const r = this.db
      .select({ n: sql<number>`coalesce(sum(${duplicateCounts.count}), 0)` })
      .from(duplicateCounts)
      .innerJoin(devices, eq(devices.id, duplicateCounts.deviceId))
      .where(eq(devices.projectId, projectId))
      .get()
    return Number(r?.n ?? 0)
  }
}
