/**
 * Devices that go quiet (issue 12): when each was last heard, and its offline incidents.
 *
 * - device_contacts: one row per device, its newest contact (punch or not) as any instance wrote it; overwritten, each
 *   instance writing a device at most once a minute (src/punches/device-contacts.ts says why one row and not a log).
 * - device_incident_events: a device's offline incidents (设备离线事件) as append-only events, opened and closed
 *   (src/punches/device-incidents.ts). `seq` numbers a device's events from 1; its uniqueness is what lets several
 *   instances watch at once and append each opening and closing once.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { devices, projects } from './roster.ts'

export const deviceContacts = sqliteTable('device_contacts', {
  deviceId: text('device_id')
    .primaryKey()
    .references(() => devices.id),
  serial: text('serial').notNull(),
  /** The newest contact's time (ours, UTC ms). */
  lastAtMs: integer('last_at_ms').notNull(),
  /** Its kind (ContactKind): frame, adms_poll, dahua_stream, mqtt_ping… */
  kind: text('kind').notNull(),
})

export const deviceIncidentEvents = sqliteTable(
  'device_incident_events',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    deviceId: text('device_id')
      .notNull()
      .references(() => devices.id),
    serial: text('serial').notNull(),
    /** The incident: its opening event's id. */
    incidentId: text('incident_id').notNull(),
    /** The event's place among the device's incident events, from 1. */
    seq: integer('seq').notNull(),
    /** opened, closed. */
    type: text('type').notNull(),
    /** JSON: the whole event, as src/punches/device-incidents.ts defines it. */
    body: text('body').notNull(),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [
    uniqueIndex('device_incident_events_device_seq').on(t.deviceId, t.seq),
    index('device_incident_events_project_at').on(t.projectId, t.atMs),
    index('device_incident_events_incident').on(t.incidentId),
  ],
)
