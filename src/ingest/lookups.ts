/**
 * Roster lookups for admission, cached: a site's whole workforce punches in
 * the same half hour, and each punch needs its device and worker. Only
 * positive answers are cached (an unknown worker may be enrolled a minute
 * later); the roster service calls invalidate() on every change.
 *
 * The inbox looks up inside its commit transaction. What is cached is roster
 * data other transactions committed, so a batch that rolls back or runs again
 * leaves nothing wrong behind in the cache.
 */
import { codecFor } from '../../devices/registry.ts'
import type { RosterRepository } from '../roster/repository.ts'
import type { PersonRef } from '../punches/canonical.ts'
import type { KnownDevice, KnownEnrolment, Lookups } from '../punches/admit.ts'

export class CachedLookups implements Lookups {
  private readonly devices = new Map<string, KnownDevice>()
  private readonly persons = new Map<string, KnownEnrolment>()
  /**
   * Bumped by invalidate(). A lookup caches its answer only if no roster change came while it read: the read is a
   * round trip (awaited), and a change that lands during it may not be in what it read.
   */
  private generation = 0

  constructor(private readonly roster: RosterRepository) {}

  invalidate(): void {
    this.generation++
    this.devices.clear()
    this.persons.clear()
  }

  async device(serial: string): Promise<KnownDevice | undefined> {
    const cached = this.devices.get(serial)
    if (cached) return cached
    const generation = this.generation
    const row = await this.roster.deviceBySerial(serial)
    if (!row) return undefined
    const project = await this.roster.project(row.projectId)
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
    if (generation === this.generation) this.devices.set(serial, known)
    return known
  }

  async projectIdOfSite(siteCode: string): Promise<string | undefined> {
    return (await this.roster.projectBySiteCode(siteCode))?.id
  }

  async person(projectId: string, person: PersonRef): Promise<KnownEnrolment | 'unknown' | 'not_enrolled'> {
    if (person.kind === 'stranger') return 'unknown'
    const key = `${projectId}\u0000${person.kind}\u0000${person.value}`
    const cached = this.persons.get(key)
    if (cached) return cached
    const generation = this.generation
    let found: KnownEnrolment | 'unknown' | 'not_enrolled'
    if (person.kind === 'id_number') {
      const worker = await this.roster.workerByIdNumber(person.value.toUpperCase())
      if (!worker) return 'unknown'
      const e = await this.roster.enrolmentOf(projectId, worker.id)
      found = e ? { workerId: worker.id, enrolmentId: e.id } : 'not_enrolled'
    } else {
      const e = await this.roster.enrolmentByDeviceUser(projectId, person.value)
      found = e ? { workerId: e.workerId, enrolmentId: e.id } : 'unknown'
    }
    if (typeof found === 'object' && generation === this.generation) this.persons.set(key, found)
    return found
  }
}
