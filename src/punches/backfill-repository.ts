/** Database access for backfills (src/punches/backfill.ts): requests and their events, appended, never changed. */
import { and, asc, desc, eq, gte, inArray, sql } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { isUniqueViolation } from '../db/faults.ts'
import { rowOf, selectFrom, insertInto } from '../db/rows.ts'
import { deviceBackfillEvents, deviceBackfills, devices, punches, rejectedInputs } from '../db/schema/index.ts'

export type BackfillRow = typeof deviceBackfills.$inferSelect
export type BackfillEventRow = typeof deviceBackfillEvents.$inferSelect

/** Record ids per IN list: far inside both engines' parameter limits. */
const IN_LIST_MAX = 500

export class BackfillRepository {
  constructor(private readonly db: Database) {}

  /** The next command number of a device: one more than its last (a race between two instances is lost on insert). */
  async nextCommandNo(deviceId: string): Promise<number> {
    const row = await this.db.get<{ n: number | null }>(sql`SELECT MAX(${deviceBackfills.commandNo}) AS "n" FROM ${deviceBackfills} WHERE ${eq(deviceBackfills.deviceId, deviceId)}`)
    return Number(row?.n ?? 0) + 1
  }

  /** Inserts a request; false when the same gap's attempt, or the command number, was taken first (by another instance). */
  async insertRequest(row: BackfillRow): Promise<boolean> {
    try {
      await this.db.run(insertInto(deviceBackfills, [row]))
      return true
    } catch (err) {
      if (isUniqueViolation(err)) return false
      throw err
    }
  }

  /** Appends an event; false when the request already has one of this type (another instance, or a repeated answer). */
  async appendEvent(row: BackfillEventRow): Promise<boolean> {
    try {
      await this.db.run(insertInto(deviceBackfillEvents, [row]))
      return true
    } catch (err) {
      if (isUniqueViolation(err)) return false
      throw err
    }
  }

  /** A device's requests made since `sinceMs`, oldest first. */
  async requestsOfDevice(deviceId: string, sinceMs: number): Promise<BackfillRow[]> {
    const rows = await this.db.all(sql`${selectFrom(deviceBackfills)} WHERE ${and(eq(deviceBackfills.deviceId, deviceId), gte(deviceBackfills.requestedAtMs, sinceMs))} ORDER BY ${asc(deviceBackfills.requestedAtMs)}`)
    return rows.map((r) => rowOf<BackfillRow>(deviceBackfills, r))
  }

  /** Every request not yet filled or expired, of every project, oldest first. */
  async openRequests(): Promise<BackfillRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(deviceBackfills)} WHERE NOT EXISTS (SELECT 1 FROM ${deviceBackfillEvents} e WHERE e.backfill_id = ${deviceBackfills.id} AND e.type IN ('filled', 'expired'))
          ORDER BY ${asc(deviceBackfills.requestedAtMs)}`,
    )
    return rows.map((r) => rowOf<BackfillRow>(deviceBackfills, r))
  }

  /**
   * A device's requests of a kind not yet filled or expired, oldest first: what its command poll reads, every few
   * seconds, so it goes through the device's index rather than every open request.
   */
  async openRequestsOfDevice(serial: string, kind: string): Promise<BackfillRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(deviceBackfills)} WHERE ${deviceBackfills.deviceId} = (SELECT ${devices.id} FROM ${devices} WHERE ${eq(devices.serial, serial)}) AND ${eq(deviceBackfills.kind, kind)}
          AND NOT EXISTS (SELECT 1 FROM ${deviceBackfillEvents} e WHERE e.backfill_id = ${deviceBackfills.id} AND e.type IN ('filled', 'expired'))
          ORDER BY ${asc(deviceBackfills.commandNo)}`,
    )
    return rows.map((r) => rowOf<BackfillRow>(deviceBackfills, r))
  }

  /** A project's requests, newest first, at most `limit`. */
  async requestsOfProject(projectId: string, limit: number): Promise<BackfillRow[]> {
    const rows = await this.db.all(sql`${selectFrom(deviceBackfills)} WHERE ${eq(deviceBackfills.projectId, projectId)} ORDER BY ${desc(deviceBackfills.requestedAtMs)}, ${desc(deviceBackfills.id)} LIMIT ${limit}`)
    return rows.map((r) => rowOf<BackfillRow>(deviceBackfills, r))
  }

  /** The events of these requests, each request's in order. */
  async eventsOf(ids: readonly string[]): Promise<BackfillEventRow[]> {
    const out: BackfillEventRow[] = []
    for (let i = 0; i < ids.length; i += IN_LIST_MAX) {
      const rows = await this.db.all(sql`${selectFrom(deviceBackfillEvents)} WHERE ${inArray(deviceBackfillEvents.backfillId, ids.slice(i, i + IN_LIST_MAX))} ORDER BY ${asc(deviceBackfillEvents.atMs)}`)
      for (const r of rows) out.push(rowOf<BackfillEventRow>(deviceBackfillEvents, r))
    }
    return out
  }

  /**
   * How many of these record ids the device has delivered: stored as punches, or refused after decoding and kept with
   * the record id (an unknown worker's record still came back; asking again cannot change its outcome).
   */
  async deliveredCount(projectId: string, deviceId: string, serial: string, recordIds: readonly string[]): Promise<number> {
    const seen = new Set<string>()
    for (let i = 0; i < recordIds.length; i += IN_LIST_MAX) {
      const chunk = recordIds.slice(i, i + IN_LIST_MAX)
      const stored = await this.db.all<{ id: string }>(sql`SELECT ${punches.recordId} AS "id" FROM ${punches} WHERE ${and(eq(punches.deviceId, deviceId), inArray(punches.recordId, chunk))}`)
      for (const r of stored) seen.add(r.id)
      if (stored.length === chunk.length) continue
      const refused = await this.db.all<{ id: string }>(
        sql`SELECT DISTINCT ${rejectedInputs.recordId} AS "id" FROM ${rejectedInputs} WHERE ${and(eq(rejectedInputs.projectId, projectId), eq(rejectedInputs.deviceSerial, serial), inArray(rejectedInputs.recordId, chunk))}`,
      )
      for (const r of refused) seen.add(r.id)
    }
    return seen.size
  }
}
