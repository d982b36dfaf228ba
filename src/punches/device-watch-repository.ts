/** Database access for the device watch: each device's newest contact, and its offline incidents' events (append-only). */
import { and, asc, eq, sql } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { q } from '../db/database.ts'
import { rowOf, selectFrom } from '../db/rows.ts'
import { deviceContacts, deviceIncidentEvents, devices } from '../db/schema/index.ts'

export type IncidentEventRow = typeof deviceIncidentEvents.$inferSelect

/**
 * The newest contact wins, whichever instance writes last: an instance whose write was delayed never moves a device's
 * last contact back. `ON CONFLICT … DO UPDATE … WHERE` is the same on SQLite (3.24+) and PostgreSQL.
 */
const RECORD_CONTACT = `INSERT INTO device_contacts (device_id, serial, last_at_ms, kind) VALUES (?, ?, ?, ?)
  ON CONFLICT (device_id) DO UPDATE SET last_at_ms = excluded.last_at_ms, kind = excluded.kind, serial = excluded.serial
  WHERE excluded.last_at_ms > device_contacts.last_at_ms`

export class DeviceWatchRepository {
  constructor(private readonly db: Executor) {}

  async recordContact(c: { deviceId: string; serial: string; atMs: number; kind: string }): Promise<void> {
    await this.db.run(q(RECORD_CONTACT, c.deviceId, c.serial, c.atMs, c.kind))
  }

  /** The newest contact of each of a project's devices that has one. */
  async contactsOf(projectId: string): Promise<Array<{ deviceId: string; lastAtMs: number; kind: string }>> {
    const rows = await this.db.all<{ deviceId: string; lastAtMs: number | string; kind: string }>(
      sql`SELECT ${deviceContacts.deviceId} AS "deviceId", ${deviceContacts.lastAtMs} AS "lastAtMs", ${deviceContacts.kind} AS "kind"
        FROM ${deviceContacts} INNER JOIN ${devices} ON ${eq(devices.id, deviceContacts.deviceId)} WHERE ${eq(devices.projectId, projectId)}`,
    )
    return rows.map((r) => ({ ...r, lastAtMs: Number(r.lastAtMs) }))
  }

  /** Every incident event of a project's devices, each device's in order. */
  async eventsOfProject(projectId: string, db: Executor = this.db): Promise<IncidentEventRow[]> {
    const rows = await db.all(
      sql`${selectFrom(deviceIncidentEvents)} WHERE ${eq(deviceIncidentEvents.projectId, projectId)} ORDER BY ${asc(deviceIncidentEvents.deviceId)}, ${asc(deviceIncidentEvents.seq)}`,
    )
    return rows.map((r) => rowOf<IncidentEventRow>(deviceIncidentEvents, r))
  }

  /** One device's incident events, in order. */
  async eventsOfDevice(projectId: string, deviceId: string, db: Executor = this.db): Promise<IncidentEventRow[]> {
    const rows = await db.all(
      sql`${selectFrom(deviceIncidentEvents)} WHERE ${and(eq(deviceIncidentEvents.projectId, projectId), eq(deviceIncidentEvents.deviceId, deviceId))} ORDER BY ${asc(deviceIncidentEvents.seq)}`,
    )
    return rows.map((r) => rowOf<IncidentEventRow>(deviceIncidentEvents, r))
  }

  async insert(row: IncidentEventRow, db: Executor = this.db): Promise<void> {
    await db.run(
      q(
        'INSERT INTO device_incident_events (id, project_id, device_id, serial, incident_id, seq, type, body, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        row.id,
        row.projectId,
        row.deviceId,
        row.serial,
        row.incidentId,
        row.seq,
        row.type,
        row.body,
        row.atMs,
      ),
    )
  }
}
