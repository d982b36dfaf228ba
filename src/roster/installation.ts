/**
 * Correcting a device's installation time (安装时间更正).
 *
 * A device registered without `installedAt` is taken as installed when it was registered, so a month it replays from
 * before that is stored whole as clock_suspect (before_install) and counts for nothing. Raw punches are never
 * updated, and re-sending the frames changes nothing (re-sends are stored once). So the correction is two steps: the
 * device's installation time changes (readings from now on are judged against it), and each stored reading it clears
 * gets an `accept_punch` correction carrying the author and reason of the change — the same append-only record a
 * labour manager would make by hand, so a confirmed month gets its adjustments the usual way.
 *
 * Moving the installation time later does not mark readings already stored: the suspicion is decided on arrival.
 */
import { AppError } from '../kernel/errors.ts'
import type { TimesheetService } from '../timesheets/service.ts'
import type { DeviceRow } from './repository.ts'
import type { RosterService } from './service.ts'

export interface InstallationChange {
  installedAt: string
  author: string
  reason: string
}

export interface InstallationResult {
  device: DeviceRow
  previousInstalledAtMs: number
  /** Readings marked before_install that the new time clears, each now counted through an accept_punch correction. */
  punchesAccepted: number
  /** Cleared readings that could not be accepted (a day outside the worker's enrolment, say): they stay suspect. */
  punchesSkipped: number
  /** The first of them, with the error code that kept each out. */
  skippedSample: Array<{ punchId: number; workerId: string; workDate: string; code: string }>
  /** Readings still before the installation as now recorded. */
  punchesStillBeforeInstall: number
}

const SKIPPED_SAMPLE_MAX = 100
/**
 * Corrections per turn of the event loop: a month of a large site is thousands, and ingest must not wait for them all
 * (on SQLite a statement settles at once, so without the yield the whole loop could run without ever letting I/O in).
 */
const ACCEPT_CHUNK = 200

export async function correctInstallation(
  roster: RosterService,
  timesheets: TimesheetService,
  projectId: string,
  deviceId: string,
  change: InstallationChange,
): Promise<InstallationResult> {
  const installedAtMs = Date.parse(change.installedAt)
  const author = change.author.trim()
  const reason = change.reason.trim()
  const blank = [author === '' && 'author', reason === '' && 'reason'].filter((f): f is string => typeof f === 'string')
  if (blank.length > 0) throw new AppError('validation_failed', blank.map((field) => ({ field, message: 'must not be blank: the change is recorded with who made it and why' })))
  const { device, previousInstalledAtMs } = await roster.setInstalledAt(projectId, deviceId, installedAtMs)
  const note = `device ${device.serial} installed at ${new Date(installedAtMs).toISOString()} (was ${new Date(previousInstalledAtMs).toISOString()}): ${reason}`
  let accepted = 0
  let skipped = 0
  const skippedSample: InstallationResult['skippedSample'] = []
  // By punch id, so a reading that cannot be accepted is passed over, and a request repeated after a failure picks up
  // exactly what is still waiting.
  let afterId = 0
  for (;;) {
    const chunk = await roster.punchesClearedByInstall(device, afterId, ACCEPT_CHUNK)
    for (const p of chunk) {
      afterId = p.id
      try {
        await timesheets.addCorrection(projectId, p.workerId, p.workDate, { kind: 'accept_punch', punchId: p.id, reason: note, author })
        accepted++
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err
        skipped++
        if (skippedSample.length < SKIPPED_SAMPLE_MAX) skippedSample.push({ punchId: p.id, workerId: p.workerId, workDate: p.workDate, code: err.code })
      }
    }
    if (chunk.length < ACCEPT_CHUNK) break
    await new Promise((resolve) => setImmediate(resolve))
  }
  return { device, previousInstalledAtMs, punchesAccepted: accepted, punchesSkipped: skipped, skippedSample, punchesStillBeforeInstall: await roster.countBeforeInstall(device) }
}
