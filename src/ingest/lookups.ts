/**
 * Roster lookups for admission, cached: a site's whole workforce punches in
 * the same half hour, and each punch needs its device and worker. Only
 * positive answers are cached (an unknown worker may be enrolled a minute
 * later); the roster service calls invalidate() on every change.
 */
import { codecFor } from '../../devices/registry.ts'
import type { RosterRepository } from '../roster/repository.ts'
import type { PersonRef } from '../punches/canonical.ts'
import type { KnownDevice, KnownEnrolment, Lookups } from '../punches/admit.ts'

export class CachedLookups implements Lookups {
  private readonly devices = new Map<string, KnownDevice>()
  private readonly persons = new Map<string, KnownEnrolment>()

  constructor(private readonly roster: RosterRepository) {}

  invalidate(): void {
    this.devices.clear()
    this.persons.clear()
  }

  device(serial: string): KnownDevice | undefined {
    const cached = this.devices.get(serial)
    if (cached) return cached
    const row = this.roster.deviceBySerial(serial)
    if (!row) return undefined
    const project = this.roster.project(row.projectId)
    const codec = codecFor(row.model)
    if (!project || !codec) return undefined
    const known: KnownDevice = {
      id: row.id,
      serial: row.serial,
      projectId: row.projectId,
      siteCode: project.siteCode,
      timeZone: project.timeZone,
      settings: JSON.parse(row.settings) as Record<string, unknown>,
      codec,
      installedAtMs: row.installedAtMs,
      clockAheadMs: project.clockAheadMinutes * 60_000,
    }
    this.devices.set(serial, known)
    return known
  }

  projectIdOfSite(siteCode: string): string | undefined {
    return this.roster.projectBySiteCode(siteCode)?.id
  }

  person(projectId: string, person: PersonRef): KnownEnrolment | 'unknown' | 'not_enrolled' {
    if (person.kind === 'stranger') return 'unknown'
    const key = `${projectId}\u0000${person.kind}\u0000${person.value}`
    const cached = this.persons.get(key)
    if (cached) return cached
    let found: KnownEnrolment | 'unknown' | 'not_enrolled'
    if (person.kind === 'id_number') {
      const worker = this.roster.workerByIdNumber(person.value.toUpperCase())
      if (!worker) return 'unknown'
      const e = this.roster.enrolmentOf(projectId, worker.id)
      found = e ? { workerId: worker.id, enrolmentId: e.id } : 'not_enrolled'
    } else {
      const e = this.roster.enrolmentByDeviceUser(projectId, person.value)
      found = e ? { workerId: e.workerId, enrolmentId: e.id } : 'unknown'
    }
    if (typeof found === 'object') this.persons.set(key, found)
    return found
  }
}
