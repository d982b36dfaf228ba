/**
 * Database access for raw punches and rejected inputs. The append path uses
 * prepared statements with plain SQL that PostgreSQL also accepts
 * (INSERT … ON CONFLICT … DO NOTHING / DO UPDATE), because it runs per message.
 */
import { and, asc, desc, eq, gte, lt, lte, sql, count } from 'drizzle-orm'
import type { Statement } from 'better-sqlite3'
import type { Db } from '../db/client.ts'
import { duplicateCounts, punches, rejectedInputs, rejectedPayloads, devices } from '../db/schema/index.ts'
import type { PunchRecord } from './admit.ts'

export type PunchRow = typeof punches.$inferSelect
/** A rejected input without its bytes (they are in rejected_payloads): what lists carry. */
export type RejectedMeta = typeof rejectedInputs.$inferSelect

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
  private readonly insertRejectedPayloadStmt: Statement
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
      `INSERT INTO rejected_inputs (source, channel, sender, project_id, device_serial, record_id, reason, detail, payload_bytes, received_at_ms)
       VALUES (@source, @channel, @sender, @projectId, @deviceSerial, @recordId, @reason, @detail, @payloadBytes, @receivedAtMs)`,
    )
    this.insertRejectedPayloadStmt = c.prepare(`INSERT INTO rejected_payloads (rejected_id, payload) VALUES (?, ?)`)
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

  /** Keeps a refusal and its bytes (the first payloadBytesMax of them): two rows, one fact, so one transaction. */
  reject(r: RejectedInput, payloadBytesMax: number): void {
    const { payload, ...meta } = r
    this.transaction(() => {
      const { lastInsertRowid } = this.insertRejectedStmt.run({ ...meta, payloadBytes: payload.length })
      this.insertRejectedPayloadStmt.run(lastInsertRowid, payload.length > payloadBytesMax ? payload.subarray(0, payloadBytesMax) : payload)
    })
  }

  addDuplicates(deviceId: string, receivedDate: string, n: number): void {
    this.addDuplicatesStmt.run(deviceId, receivedDate, n)
  }

  /**
   * A page of a day's punches in device-time order (ties by id). The cursor is the id of the last punch of the previous
   * page: its (device time, id) is where the next page starts, so a client pages with the ids it already has.
   */
  punchesOfDay(projectId: string, workDate: string, afterId: number | undefined, limit: number): PunchRow[] {
    const conds = [eq(punches.projectId, projectId), eq(punches.workDate, workDate)]
    if (afterId !== undefined) {
      conds.push(
        sql`(${punches.deviceTimeMs}, ${punches.id}) > (SELECT p.device_time_ms, p.id FROM punches p WHERE p.id = ${afterId} AND p.project_id = ${projectId})`,
      )
    }
    return this.db
      .select()
      .from(punches)
      .where(and(...conds))
      .orderBy(asc(punches.deviceTimeMs), asc(punches.id))
      .limit(limit)
      .all()
  }

  /** Whether the punch is one of the project's (a paging cursor must name a row of the list it pages). */
  punchOfProject(projectId: string, id: number): boolean {
    return this.db.select({ id: punches.id }).from(punches).where(and(eq(punches.id, id), eq(punches.projectId, projectId))).get() !== undefined
  }

  /** Punches of a project, all time or for work dates in [fromDate, toDate]. */
  countPunches(projectId: string, fromDate?: string, toDate?: string): number {
    const where = fromDate && toDate ? and(eq(punches.projectId, projectId), gte(punches.workDate, fromDate), lte(punches.workDate, toDate)) : eq(punches.projectId, projectId)
    return this.db.select({ n: count() }).from(punches).where(where).get()?.n ?? 0
  }

  /** Newest first, without payloads. */
  listRejected(filter: { projectId?: string; reason?: string; beforeId?: number; limit: number }): RejectedMeta[] {
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

  rejectedById(id: number): RejectedMeta | undefined {
    return this.db.select().from(rejectedInputs).where(eq(rejectedInputs.id, id)).get()
  }

  /** One input's kept bytes (at most rejected_payload_bytes_max of them; payloadBytes says how many arrived). */
  rejectedPayload(id: number): (Pick<RejectedMeta, 'payloadBytes' | 'source' | 'channel' | 'reason'> & { payload: Buffer }) | undefined {
    return this.db
      .select({ payload: rejectedPayloads.payload, payloadBytes: rejectedInputs.payloadBytes, source: rejectedInputs.source, channel: rejectedInputs.channel, reason: rejectedInputs.reason })
      .from(rejectedInputs)
      .innerJoin(rejectedPayloads, eq(rejectedPayloads.rejectedId, rejectedInputs.id))
      .where(eq(rejectedInputs.id, id))
      .get()
  }

  /** Refusals by reason, of a project (or of inputs filed under none), received in [fromMs, toMs). */
  rejectedCounts(projectId: string, fromMs: number, toMs: number): Array<{ reason: string; n: number }> {
    return this.db
      .select({ reason: rejectedInputs.reason, n: count() })
      .from(rejectedInputs)
      .where(and(eq(rejectedInputs.projectId, projectId), gte(rejectedInputs.receivedAtMs, fromMs), lt(rejectedInputs.receivedAtMs, toMs)))
      .groupBy(rejectedInputs.reason)
      .orderBy(asc(rejectedInputs.reason))
      .all()
  }

  /** Re-sends counted on a project's devices on receipt dates in [fromDate, toDate] (dates in the project's zone). */
  duplicatesByProject(projectId: string, fromDate: string, toDate: string): number {
    const r = this.db
      .select({ n: sql<number>`coalesce(sum(${duplicateCounts.count}), 0)` })
      .from(duplicateCounts)
      .innerJoin(devices, eq(devices.id, duplicateCounts.deviceId))
      .where(and(eq(devices.projectId, projectId), gte(duplicateCounts.receivedDate, fromDate), lte(duplicateCounts.receivedDate, toDate)))
      .get()
    return Number(r?.n ?? 0)
  }
}
