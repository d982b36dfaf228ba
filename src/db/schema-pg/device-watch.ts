/** PostgreSQL twin of src/db/schema/device-watch.ts (which says what the tables are for). */
import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { devices, projects } from './roster.ts'

export const deviceContacts = pgTable('device_contacts', {
  deviceId: text('device_id')
    .primaryKey()
    .references(() => devices.id),
  serial: text('serial').notNull(),
  lastAtMs: bigint('last_at_ms', { mode: 'number' }).notNull(),
  kind: text('kind').notNull(),
})

export const deviceIncidentEvents = pgTable(
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
    incidentId: text('incident_id').notNull(),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    body: text('body').notNull(),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [
    uniqueIndex('device_incident_events_device_seq').on(t.deviceId, t.seq),
    index('device_incident_events_project_at').on(t.projectId, t.atMs),
    index('device_incident_events_incident').on(t.incidentId),
  ],
)
