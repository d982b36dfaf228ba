/**
 * A device that goes quiet (设备离线, DEVICE_OFFLINE) as an incident of its own: opened by the device watch when the
 * device is silent longer than the limit during the site's hours (`isOffline`, src/punches/device-health.ts), closed
 * when it is heard again, with both times. Events are the truth, as for flag cases: an incident is a fold over its
 * append-only events (`foldIncidents`), never an edited row; `watchStep` says which event the watch appends now.
 *
 * Why not a flag case (src/flags/cases.ts): a case is a problem of a project-month's pay, raised and resolved by that
 * month's reconciliation runs — a run that does not raise a flag resolves its case — and escalated on a clock of days.
 * A device's silence belongs to no pay month, is raised and cleared by what the device does within the hour, and
 * needs no acknowledgement to end: as a case family, either every payout run would resolve the watch's cases or the
 * case rules would need an exception for a family nobody reconciles. Kept apart, neither resolves the other's, and the
 * consequence of an outage for pay (missing punches) still reaches the cases through the runs, as any other gap does.
 *
 * Notified through the case webhooks' outbox (`incidentPayload`): `device.offline` when an incident opens,
 * `device.online` when it closes.
 *
 * Pure: no I/O, no clock of its own.
 */
import { isOffline, siteMinutesBetween } from './device-health.ts'

/** When a device counts as offline: the project's rule (a service-wide setting unless the project has its own). */
export interface OfflineRule {
  /** Silence longer than this, counted within site hours, is an outage. */
  offlineAfterMinutes: number
  /** Site hours in the project's zone, whole hours, from inclusive, to exclusive (24: midnight). */
  siteHours: { from: number; to: number }
}

export type IncidentEvent =
  | {
      type: 'opened'
      serial: string
      atMs: number
      /** The last contact before the silence; for a device never heard, when it was registered. */
      silentSinceMs: number
      neverHeard: boolean
      /** The rule in force when it opened. */
      rule: OfflineRule
    }
  | {
      type: 'closed'
      serial: string
      atMs: number
      /** The first contact after the silence (as recorded: up to a minute late, src/punches/device-contacts.ts). */
      heardAtMs: number
      /** Its kind: frame, adms_poll, dahua_stream… (null when a punch older than the contacts table said it). */
      contactKind: string | null
    }

export type IncidentEventType = IncidentEvent['type']

export interface DeviceIncident {
  /** The opening event's id. */
  id: string
  serial: string
  deviceId: string
  projectId: string
  state: 'open' | 'closed'
  openedAtMs: number
  silentSinceMs: number
  neverHeard: boolean
  rule: OfflineRule
  closedAtMs: number | null
  heardAtMs: number | null
  contactKind: string | null
}

/** A stored event: the event and where it sits. */
export interface StoredIncidentEvent {
  id: string
  incidentId: string
  deviceId: string
  projectId: string
  seq: number
  event: IncidentEvent
}

/** A device's incidents, oldest first, from its events in seq order. An event out of place (a close with no open incident) is skipped. */
export function foldIncidents(events: readonly StoredIncidentEvent[]): DeviceIncident[] {
  const out: DeviceIncident[] = []
  const open = new Map<string, DeviceIncident>()
  for (const s of [...events].sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.seq - b.seq))) {
    const e = s.event
    if (e.type === 'opened') {
      if (open.has(s.deviceId)) continue
      const incident: DeviceIncident = {
        id: s.incidentId,
        serial: e.serial,
        deviceId: s.deviceId,
        projectId: s.projectId,
        state: 'open',
        openedAtMs: e.atMs,
        silentSinceMs: e.silentSinceMs,
        neverHeard: e.neverHeard,
        rule: e.rule,
        closedAtMs: null,
        heardAtMs: null,
        contactKind: null,
      }
      open.set(s.deviceId, incident)
      out.push(incident)
    } else {
      const incident = open.get(s.deviceId)
      if (!incident || incident.id !== s.incidentId) continue
      incident.state = 'closed'
      incident.closedAtMs = e.atMs
      incident.heardAtMs = e.heardAtMs
      incident.contactKind = e.contactKind
      open.delete(s.deviceId)
    }
  }
  return out
}

/** What the watch knows of a device now. */
export interface DeviceSighting {
  serial: string
  /** The newest contact of any kind (punch, refusal, handshake, heartbeat…), or null when it was never heard. */
  lastSeenAtMs: number | null
  lastSeenKind: string | null
  /** When it was registered: a device never heard is silent since then. */
  registeredAtMs: number
}

/**
 * The event the watch appends for one device now, if any. With an incident open: closed once the device was heard
 * after the silence began (whatever the hour: a device back at night is back). Without: opened when it is offline by
 * `isOffline`, the silence counted from its last contact or, never heard, from its registration.
 */
export function watchStep(open: DeviceIncident | undefined, d: DeviceSighting, rule: OfflineRule, nowMs: number, timeZone: string): IncidentEvent | undefined {
  if (open) {
    const heard = d.lastSeenAtMs !== null && (open.neverHeard || d.lastSeenAtMs > open.silentSinceMs)
    return heard && d.lastSeenAtMs !== null ? { type: 'closed', serial: d.serial, atMs: nowMs, heardAtMs: d.lastSeenAtMs, contactKind: d.lastSeenKind } : undefined
  }
  const silentSinceMs = d.lastSeenAtMs ?? d.registeredAtMs
  if (!isOffline(silentSinceMs, { nowMs, timeZone, offlineAfterMinutes: rule.offlineAfterMinutes, siteHours: rule.siteHours })) return undefined
  return { type: 'opened', serial: d.serial, atMs: nowMs, silentSinceMs, neverHeard: d.lastSeenAtMs === null, rule }
}

/** How long an incident's silence lasted within site hours, in minutes (to now while it is open). */
export function silentSiteMinutes(i: DeviceIncident, nowMs: number, timeZone: string): number {
  return siteMinutesBetween(i.silentSinceMs, i.heardAtMs ?? nowMs, timeZone, i.rule.siteHours)
}

export interface IncidentPayload {
  /** The event's id: the same on every retry (receivers deduplicate on it). */
  id: string
  type: 'device.offline' | 'device.online'
  occurredAt: string
  device: { serial: string; projectId: string }
  incident: {
    id: string
    state: DeviceIncident['state']
    openedAt: string
    silentSince: string
    neverHeard: boolean
    offlineAfterMinutes: number
    siteHours: { from: number; to: number }
    closedAt: string | null
    heardAt: string | null
    contactKind: string | null
    /** Minutes of silence within site hours, up to the event. */
    silentSiteMinutes: number
  }
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

/** The webhook payload of an incident's event, the incident folded with it. Carries no personal data. */
export function incidentPayload(eventId: string, incident: DeviceIncident, event: IncidentEvent, timeZone: string): IncidentPayload {
  return {
    id: eventId,
    type: event.type === 'opened' ? 'device.offline' : 'device.online',
    occurredAt: new Date(event.atMs).toISOString(),
    device: { serial: incident.serial, projectId: incident.projectId },
    incident: {
      id: incident.id,
      state: incident.state,
      openedAt: new Date(incident.openedAtMs).toISOString(),
      silentSince: new Date(incident.silentSinceMs).toISOString(),
      neverHeard: incident.neverHeard,
      offlineAfterMinutes: incident.rule.offlineAfterMinutes,
      siteHours: incident.rule.siteHours,
      closedAt: iso(incident.closedAtMs),
      heardAt: iso(incident.heardAtMs),
      contactKind: incident.contactKind,
      silentSiteMinutes: silentSiteMinutes(incident, event.atMs, timeZone),
    },
  }
}
