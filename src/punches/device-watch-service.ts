/**
 * The device watch (设备离线监测): records each device's contacts (src/punches/device-contacts.ts) and, every minute,
 * opens an offline incident for each device silent too long during its site's hours and closes the incidents of
 * devices heard again (src/punches/device-incidents.ts), each event with its webhook (`device.offline`,
 * `device.online`) queued in the same transaction.
 *
 * Several instances may watch at once: a device's events are appended under its own lock, re-read under it, and
 * numbered (`seq`, unique per device), so each opening and closing is appended once whoever gets there first.
 */
import type { Database } from '../db/database.ts'
import { newId } from '../kernel/ids.ts'
import type { Clock } from '../kernel/time.ts'
import { DeviceContactRecorder, type ContactKind } from './device-contacts.ts'
import { foldIncidents, incidentPayload, watchStep, type DeviceIncident, type IncidentEvent, type OfflineRule, type StoredIncidentEvent } from './device-incidents.ts'
import { DeviceWatchRepository, type IncidentEventRow } from './device-watch-repository.ts'

/** What the watch reads of the roster and the punches. */
export interface DeviceWatchSources {
  listProjects(): Promise<ReadonlyArray<{ id: string; timeZone: string }>>
  listDevices(projectId: string): Promise<ReadonlyArray<{ id: string; serial: string; createdAtMs: number }>>
  /** The newest punch's receipt: what says a device was heard before contacts were recorded. */
  lastPunchOfDevice(projectId: string, deviceId: string): Promise<number | undefined>
  /** The registered device of a serial (cached), for the contacts. */
  deviceOf(serial: string): Promise<{ id: string } | undefined>
}

/**
 * Where incident notifications go: the case webhooks' outbox (WebhookService.enqueue), called inside the appending
 * transaction (the database routes its statements there), so an event is queued if and only if it is stored.
 */
export interface IncidentOutbox {
  enqueue(projectId: string, payloads: ReadonlyArray<{ id: string; type: string }>): Promise<void>
}

export interface DeviceWatchLog {
  warn(obj: object, msg: string): void
  info(obj: object, msg: string): void
}

const lockKey = (deviceId: string): string => `device-incidents:${deviceId}`

function storedOf(r: IncidentEventRow): StoredIncidentEvent {
  return { id: r.id, incidentId: r.incidentId, deviceId: r.deviceId, projectId: r.projectId, seq: r.seq, event: JSON.parse(r.body) as IncidentEvent }
}

export class DeviceWatchService {
  readonly contacts: DeviceContactRecorder
  private readonly repo: DeviceWatchRepository
  private log: DeviceWatchLog | undefined

  constructor(
    private readonly db: Database,
    private readonly sources: DeviceWatchSources,
    private readonly clock: Clock,
    /** The rule every project follows (DEVICE_OFFLINE_AFTER_MINUTES, DEVICE_SITE_HOURS). */
    readonly rule: OfflineRule,
    private readonly outbox?: IncidentOutbox,
  ) {
    this.repo = new DeviceWatchRepository(db)
    this.contacts = new DeviceContactRecorder(
      { deviceOf: (serial) => sources.deviceOf(serial), record: (c) => this.repo.recordContact(c) },
      () => clock.nowMs(),
      (err, serial) => this.log?.warn({ code: 'device_contact_not_recorded', serial, err }, 'a device contact could not be recorded; the next one is tried'),
    )
  }

  attachLog(log: DeviceWatchLog): void {
    this.log = log
  }

  /** Each device's newest contact of a project (the health view's). */
  contactsOf(projectId: string): Promise<Array<{ deviceId: string; lastAtMs: number; kind: string }>> {
    return this.repo.contactsOf(projectId)
  }

  /** A project's incidents, newest first; open ones only when asked. */
  async incidents(projectId: string, state?: DeviceIncident['state']): Promise<DeviceIncident[]> {
    const folded = foldIncidents((await this.repo.eventsOfProject(projectId)).map(storedOf))
    return folded.filter((i) => state === undefined || i.state === state).sort((a, b) => b.openedAtMs - a.openedAtMs || (a.id < b.id ? -1 : 1))
  }

  /** The open incident of each of a project's devices that has one, by device id. */
  async openIncidents(projectId: string): Promise<Map<string, DeviceIncident>> {
    return new Map((await this.incidents(projectId, 'open')).map((i) => [i.deviceId, i]))
  }

  /**
   * One round: every project's devices judged now; returns the events appended. Idempotent: a round with nothing
   * changed appends nothing, and rounds of several instances append each event once.
   */
  async watch(): Promise<number> {
    let appended = 0
    for (const project of await this.sources.listProjects()) {
      const devices = await this.sources.listDevices(project.id)
      if (devices.length === 0) continue
      const contacts = new Map((await this.repo.contactsOf(project.id)).map((c) => [c.deviceId, c]))
      const open = await this.openIncidents(project.id)
      for (const d of devices) {
        const contact = contacts.get(d.id)
        const lastPunch = contact ? undefined : await this.sources.lastPunchOfDevice(project.id, d.id)
        const sighting = {
          serial: d.serial,
          lastSeenAtMs: contact?.lastAtMs ?? lastPunch ?? null,
          lastSeenKind: contact?.kind ?? (lastPunch === undefined ? null : 'frame'),
          registeredAtMs: d.createdAtMs,
        }
        const now = this.clock.nowMs()
        if (watchStep(open.get(d.id), sighting, this.rule, now, project.timeZone) === undefined) continue
        // Judged again under the device's lock, from what is stored now: another instance may have appended it.
        const event = await this.db.tx(async (tx) => {
          await tx.lock(lockKey(d.id))
          const rows = await this.repo.eventsOfDevice(project.id, d.id, tx)
          const current = foldIncidents(rows.map(storedOf)).find((i) => i.state === 'open')
          const e = watchStep(current, sighting, this.rule, now, project.timeZone)
          if (e === undefined) return undefined
          const id = newId()
          const incidentId = e.type === 'opened' ? id : (current as DeviceIncident).id
          const row: IncidentEventRow = { id, projectId: project.id, deviceId: d.id, serial: d.serial, incidentId, seq: (rows.at(-1)?.seq ?? 0) + 1, type: e.type, body: JSON.stringify(e), atMs: e.atMs }
          await this.repo.insert(row, tx)
          const incident = foldIncidents([...rows, row].map(storedOf)).find((i) => i.id === incidentId) as DeviceIncident
          await this.outbox?.enqueue(project.id, [incidentPayload(id, incident, e, project.timeZone)])
          return e
        })
        if (event === undefined) continue
        appended++
        if (event.type === 'opened') this.log?.warn({ code: 'device_offline', serial: d.serial, projectId: project.id, silentSince: new Date(event.silentSinceMs).toISOString(), neverHeard: event.neverHeard }, 'device offline: silent too long during site hours')
        else this.log?.info({ code: 'device_online', serial: d.serial, projectId: project.id, heardAt: new Date(event.heardAtMs).toISOString(), contactKind: event.contactKind }, 'device heard again: its offline incident is closed')
      }
    }
    return appended
  }

  /** Notes a contact (the edges call it through the sink); exposed for the services' own sources (committed frames). */
  heard(serial: string, kind: ContactKind): void {
    this.contacts.heard(serial, kind)
  }
}
