/**
 * Database access for raw punches and rejected inputs. The append path runs per
 * message, so its statements are constant texts (`q()`: prepared once per
 * connection; the multi-row ones in a few fixed sizes) in SQL both engines
 * accept (INSERT … ON CONFLICT … DO NOTHING / DO UPDATE, RETURNING, row-value
 * IN). Listings are written once with drizzle's `sql` template and always say
 * their order.
 */
import { and, eq, gte, lt, lte, sql, type SQL } from 'drizzle-orm'
import { q, type Database } from '../db/database.ts'
import { rowOf, selectFrom } from '../db/rows.ts'
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

export type StoredPunch = Pick<PunchRecord, 'workerId' | 'deviceTimeMs' | 'direction'>
export type AppendResult = { stored: true } | { stored: false; existing: StoredPunch }

const PUNCH_COLUMNS = `project_id, device_id, record_id, worker_id, enrolment_id, device_time_ms, received_at_ms, work_date, direction, verify_method, channel, clock_suspect`
const PUNCH_VALUES = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
const INSERT_PUNCH = `INSERT INTO punches (${PUNCH_COLUMNS}) VALUES ${PUNCH_VALUES} ON CONFLICT (device_id, record_id) DO NOTHING`
const EXISTING_PUNCH = `SELECT worker_id AS "workerId", device_time_ms AS "deviceTimeMs", direction FROM punches WHERE device_id = ? AND record_id = ?`

/**
 * Rows per multi-row statement of appendMany. Statements are cut into 256, 128, …, 1 rows, so at most nine texts per
 * statement exist (each prepared once per connection) however batches vary in size; 256 × 12 parameters stay far
 * under both engines' limits.
 */
const APPEND_ROWS_MAX = 256

function chunkSizes(n: number): number[] {
  const sizes: number[] = []
  while (n > 0) {
    const size = n >= APPEND_ROWS_MAX ? APPEND_ROWS_MAX : 2 ** Math.floor(Math.log2(n))
    sizes.push(size)
    n -= size
  }
  return sizes
}

const textsByRows = new Map<string, string>()
/** The statement text for `rows` rows, built once per size. */
function textFor(kind: 'insert' | 'existing', rows: number): string {
  const key = `${kind}:${rows}`
  let text = textsByRows.get(key)
  if (text === undefined) {
    text =
      kind === 'insert'
        ? `INSERT INTO punches (${PUNCH_COLUMNS}) VALUES ${Array(rows).fill(PUNCH_VALUES).join(', ')}
           ON CONFLICT (device_id, record_id) DO NOTHING RETURNING device_id AS "deviceId", record_id AS "recordId"`
        : `SELECT device_id AS "deviceId", record_id AS "recordId", worker_id AS "workerId", device_time_ms AS "deviceTimeMs", direction
           FROM punches WHERE (device_id, record_id) IN (VALUES ${Array(rows).fill('(?, ?)').join(', ')})`
    textsByRows.set(key, text)
  }
  return text
}

const keyOf = (deviceId: string, recordId: string): string => `${deviceId}\u0000${recordId}`
const INSERT_REJECTED = `INSERT INTO rejected_inputs (source, channel, sender, project_id, device_serial, record_id, reason, detail, payload_bytes, received_at_ms)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  RETURNING id`
const INSERT_REJECTED_PAYLOAD = `INSERT INTO rejected_payloads (rejected_id, payload) VALUES (?, ?)`
const ADD_DUPLICATES = `INSERT INTO duplicate_counts (device_id, received_date, count) VALUES (?, ?, ?)
  ON CONFLICT (device_id, received_date) DO UPDATE SET count = duplicate_counts.count + excluded.count`

export class PunchRepository {
  constructor(private readonly db: Database) {}

  /**
   * Runs fn in one transaction; every repository call made inside it (its async context) joins it. fn does database
   * work only: on PostgreSQL it may run again after a serialization failure.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.db.tx(() => fn())
  }

  /** Appends a punch; when the device already sent this record id, returns what is stored instead. */
  async append(p: PunchRecord): Promise<AppendResult> {
    const r = await this.db.run(
      q(INSERT_PUNCH, p.projectId, p.deviceId, p.recordId, p.workerId, p.enrolmentId, p.deviceTimeMs, p.receivedAtMs, p.workDate, p.direction, p.verifyMethod, p.channel, p.clockSuspect),
    )
    if (r.changes === 1) return { stored: true }
    const existing = await this.db.get<StoredPunch>(q(EXISTING_PUNCH, p.deviceId, p.recordId))
    // The insert met the row and the read does not see it: only a rollback in between could do that; say so, loudly.
    if (!existing) throw new Error(`punch ${p.deviceId}/${p.recordId} conflicted on insert but is not stored`)
    return { stored: false, existing }
  }

  /**
   * Appends punches as append() would one after another, in a few multi-row statements: a batch of a thousand frames
   * is a handful of round trips on PostgreSQL instead of a thousand. A record id sent twice in the batch is stored
   * once; the later one finds the earlier.
   */
  async appendMany(ps: readonly PunchRecord[]): Promise<AppendResult[]> {
    const firstOf = new Map<string, number>()
    const firsts: PunchRecord[] = []
    for (const [i, p] of ps.entries()) {
      const key = keyOf(p.deviceId, p.recordId)
      if (firstOf.has(key)) continue
      firstOf.set(key, i)
      firsts.push(p)
    }
    const inserted = new Set<string>()
    let at = 0
    for (const rows of chunkSizes(firsts.length)) {
      const params: unknown[] = []
      for (const p of firsts.slice(at, at + rows)) {
        params.push(p.projectId, p.deviceId, p.recordId, p.workerId, p.enrolmentId, p.deviceTimeMs, p.receivedAtMs, p.workDate, p.direction, p.verifyMethod, p.channel, p.clockSuspect)
      }
      at += rows
      for (const r of await this.db.all<{ deviceId: string; recordId: string }>(q(textFor('insert', rows), ...params))) inserted.add(keyOf(r.deviceId, r.recordId))
    }
    const before = firsts.filter((p) => !inserted.has(keyOf(p.deviceId, p.recordId)))
    const stored = new Map<string, StoredPunch>()
    at = 0
    for (const rows of chunkSizes(before.length)) {
      const params = before.slice(at, at + rows).flatMap((p) => [p.deviceId, p.recordId])
      at += rows
      for (const r of await this.db.all<StoredPunch & { deviceId: string; recordId: string }>(q(textFor('existing', rows), ...params))) {
        stored.set(keyOf(r.deviceId, r.recordId), { workerId: r.workerId, deviceTimeMs: r.deviceTimeMs, direction: r.direction })
      }
    }
    return ps.map((p, i): AppendResult => {
      const key = keyOf(p.deviceId, p.recordId)
      const first = firstOf.get(key) as number
      if (inserted.has(key)) {
        if (first === i) return { stored: true }
        const earlier = ps[first] as PunchRecord
        return { stored: false, existing: { workerId: earlier.workerId, deviceTimeMs: earlier.deviceTimeMs, direction: earlier.direction } }
      }
      const existing = stored.get(key)
      if (!existing) throw new Error(`punch ${p.deviceId}/${p.recordId} conflicted on insert but is not stored`)
      return { stored: false, existing }
    })
  }

  /** Keeps a refusal and its bytes (the first payloadBytesMax of them): two rows, one fact, so one transaction. */
  async reject(r: RejectedInput, payloadBytesMax: number): Promise<void> {
    const kept = r.payload.length > payloadBytesMax ? r.payload.subarray(0, payloadBytesMax) : r.payload
    // What a refusal says about its input (topic, client id, serial, record id, the reason's quote of it) comes from
    // whoever sent it; a NUL there cannot be stored as text on PostgreSQL and would fail the refusal itself. It reads as
    // U+FFFD in the metadata, on both engines; the payload keeps every byte.
    const text = (v: string | null): string | null => (v === null ? null : v.replaceAll('\u0000', '\ufffd'))
    await this.db.tx(async () => {
      const row = await this.db.get<{ id: number }>(
        q(INSERT_REJECTED, r.source, text(r.channel), text(r.sender), text(r.projectId), text(r.deviceSerial), text(r.recordId), r.reason, text(r.detail), r.payload.length, r.receivedAtMs),
      )
      if (!row) throw new Error('INSERT … RETURNING id returned no row')
      await this.db.run(q(INSERT_REJECTED_PAYLOAD, row.id, kept))
    })
  }

  async addDuplicates(deviceId: string, receivedDate: string, n: number): Promise<void> {
    await this.db.run(q(ADD_DUPLICATES, deviceId, receivedDate, n))
  }

  /**
   * A page of a day's punches in device-time order (ties by id). The cursor is the id of the last punch of the previous
   * page: its (device time, id) is where the next page starts, so a client pages with the ids it already has.
   */
  async punchesOfDay(projectId: string, workDate: string, afterId: number | undefined, limit: number): Promise<PunchRow[]> {
    const conds: SQL[] = [eq(punches.projectId, projectId), eq(punches.workDate, workDate)]
    if (afterId !== undefined) {
      conds.push(
        sql`(${punches.deviceTimeMs}, ${punches.id}) > (SELECT p.device_time_ms, p.id FROM punches p WHERE p.id = ${afterId} AND p.project_id = ${projectId})`,
      )
    }
    const rows = await this.db.all(sql`${selectFrom(punches)} WHERE ${and(...conds)} ORDER BY ${punches.deviceTimeMs}, ${punches.id} LIMIT ${limit}`)
    return rows.map((r) => rowOf<PunchRow>(punches, r))
  }

  /** Whether the punch is one of the project's (a paging cursor must name a row of the list it pages). */
  async punchOfProject(projectId: string, id: number): Promise<boolean> {
    const row = await this.db.get(sql`SELECT ${punches.id} FROM ${punches} WHERE ${punches.id} = ${id} AND ${punches.projectId} = ${projectId}`)
    return row !== undefined
  }

  /** Punches of a project, all time or for work dates in [fromDate, toDate]. */
  async countPunches(projectId: string, fromDate?: string, toDate?: string): Promise<number> {
    const where = fromDate && toDate ? and(eq(punches.projectId, projectId), gte(punches.workDate, fromDate), lte(punches.workDate, toDate)) : eq(punches.projectId, projectId)
    const row = await this.db.get<{ n: number }>(sql`SELECT count(*) AS "n" FROM ${punches} WHERE ${where}`)
    return Number(row?.n ?? 0)
  }

  /** A project's punches received since `sinceMs`, narrowed to what device health reads (src/punches/device-health.ts). */
  async deviceSamplesSince(projectId: string, sinceMs: number): Promise<Array<{ deviceId: string; recordId: string; deviceTimeMs: number; receivedAtMs: number }>> {
    return this.db.all(
      sql`SELECT ${punches.deviceId} AS "deviceId", ${punches.recordId} AS "recordId", ${punches.deviceTimeMs} AS "deviceTimeMs", ${punches.receivedAtMs} AS "receivedAtMs"
          FROM ${punches} WHERE ${and(eq(punches.projectId, projectId), gte(punches.receivedAtMs, sinceMs))}`,
    )
  }

  /**
   * The highest record number a device has delivered, kept as a punch or as a refusal (an unknown worker's event still
   * moved the device's log on), for devices whose record ids are decimal numbers without leading zeros (Hikvision's
   * serialNo): longest first, then greatest, reads the largest number without a cast on either engine.
   */
  async lastRecordNumberOfDevice(projectId: string, deviceId: string, serial: string): Promise<number | undefined> {
    const punch = await this.db.get<{ recordId: string }>(
      sql`SELECT ${punches.recordId} AS "recordId" FROM ${punches} WHERE ${eq(punches.deviceId, deviceId)} ORDER BY length(${punches.recordId}) DESC, ${punches.recordId} DESC LIMIT 1`,
    )
    const refused = await this.db.get<{ recordId: string }>(
      sql`SELECT ${rejectedInputs.recordId} AS "recordId" FROM ${rejectedInputs}
          WHERE ${and(eq(rejectedInputs.projectId, projectId), eq(rejectedInputs.deviceSerial, serial), sql`${rejectedInputs.recordId} IS NOT NULL`)}
          ORDER BY length(${rejectedInputs.recordId}) DESC, ${rejectedInputs.recordId} DESC LIMIT 1`,
    )
    const numbers = [punch?.recordId, refused?.recordId].filter((id): id is string => id !== undefined && /^\d{1,15}$/.test(id)).map(Number)
    return numbers.length === 0 ? undefined : Math.max(...numbers)
  }

  /** When a device's newest punch was received (undefined: never). */
  async lastPunchOfDevice(projectId: string, deviceId: string): Promise<number | undefined> {
    const row = await this.db.get<{ at: number }>(
      sql`SELECT ${punches.receivedAtMs} AS "at" FROM ${punches} WHERE ${and(eq(punches.projectId, projectId), eq(punches.deviceId, deviceId))} ORDER BY ${punches.receivedAtMs} DESC LIMIT 1`,
    )
    return row?.at
  }

  /** Per device serial, the project's refusals received since `sinceMs`: how many, and the newest's time and reason. */
  async refusalsByDeviceSince(projectId: string, sinceMs: number): Promise<Array<{ serial: string; n: number; lastAtMs: number; lastReason: string }>> {
    const inWindow = and(eq(rejectedInputs.projectId, projectId), gte(rejectedInputs.receivedAtMs, sinceMs), sql`${rejectedInputs.deviceSerial} IS NOT NULL`)
    const rows = await this.db.all<{ serial: string; n: number; lastAtMs: number; lastReason: string }>(
      sql`SELECT newest.device_serial AS "serial", c.n AS "n", newest.received_at_ms AS "lastAtMs", newest.reason AS "lastReason"
          FROM ${rejectedInputs} newest
          INNER JOIN (SELECT ${rejectedInputs.deviceSerial} AS serial, count(*) AS n, max(${rejectedInputs.id}) AS last_id FROM ${rejectedInputs} WHERE ${inWindow} GROUP BY ${rejectedInputs.deviceSerial}) c
            ON newest.id = c.last_id`,
    )
    return rows.map((r) => ({ ...r, n: Number(r.n) }))
  }

  /** Newest first, without payloads. */
  async listRejected(filter: { projectId?: string; reason?: string; beforeId?: number; limit: number }): Promise<RejectedMeta[]> {
    const conds: SQL[] = []
    if (filter.projectId) conds.push(eq(rejectedInputs.projectId, filter.projectId))
    if (filter.reason) conds.push(eq(rejectedInputs.reason, filter.reason))
    if (filter.beforeId !== undefined) conds.push(lt(rejectedInputs.id, filter.beforeId))
    const where = conds.length ? sql` WHERE ${and(...conds)}` : sql``
    const rows = await this.db.all(sql`${selectFrom(rejectedInputs)}${where} ORDER BY ${rejectedInputs.id} DESC LIMIT ${filter.limit}`)
    return rows.map((r) => rowOf<RejectedMeta>(rejectedInputs, r))
  }

  async rejectedById(id: number): Promise<RejectedMeta | undefined> {
    const row = await this.db.get(sql`${selectFrom(rejectedInputs)} WHERE ${rejectedInputs.id} = ${id}`)
    return row ? rowOf<RejectedMeta>(rejectedInputs, row) : undefined
  }

  /** One input's kept bytes (at most rejected_payload_bytes_max of them; payloadBytes says how many arrived). */
  async rejectedPayload(id: number): Promise<(Pick<RejectedMeta, 'payloadBytes' | 'source' | 'channel' | 'reason' | 'projectId'> & { payload: Buffer }) | undefined> {
    return this.db.get(
      sql`SELECT ${rejectedPayloads.payload} AS "payload", ${rejectedInputs.payloadBytes} AS "payloadBytes", ${rejectedInputs.source} AS "source",
            ${rejectedInputs.channel} AS "channel", ${rejectedInputs.reason} AS "reason", ${rejectedInputs.projectId} AS "projectId"
          FROM ${rejectedInputs} INNER JOIN ${rejectedPayloads} ON ${rejectedPayloads.rejectedId} = ${rejectedInputs.id}
          WHERE ${rejectedInputs.id} = ${id}`,
    )
  }

  /** Refusals by reason, of a project (or of inputs filed under none), received in [fromMs, toMs); reasons in byte order. */
  async rejectedCounts(projectId: string, fromMs: number, toMs: number): Promise<Array<{ reason: string; n: number }>> {
    const rows = await this.db.all<{ reason: string; n: number }>(
      sql`SELECT ${rejectedInputs.reason} AS "reason", count(*) AS "n" FROM ${rejectedInputs}
          WHERE ${and(eq(rejectedInputs.projectId, projectId), gte(rejectedInputs.receivedAtMs, fromMs), lt(rejectedInputs.receivedAtMs, toMs))}
          GROUP BY ${rejectedInputs.reason}`,
    )
    // A handful of rows, ordered here: PostgreSQL's collation would not order '_' as SQLite does.
    return rows.map((r) => ({ reason: r.reason, n: Number(r.n) })).sort((a, b) => (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0))
  }

  /** Re-sends counted on a project's devices on receipt dates in [fromDate, toDate] (dates in the project's zone). */
  async duplicatesByProject(projectId: string, fromDate: string, toDate: string): Promise<number> {
    const row = await this.db.get<{ n: number }>(
      sql`SELECT CAST(coalesce(sum(${duplicateCounts.count}), 0) AS BIGINT) AS "n"
          FROM ${duplicateCounts} INNER JOIN ${devices} ON ${devices.id} = ${duplicateCounts.deviceId}
          WHERE ${and(eq(devices.projectId, projectId), gte(duplicateCounts.receivedDate, fromDate), lte(duplicateCounts.receivedDate, toDate))}`,
    )
    return Number(row?.n ?? 0)
  }
}
