/**
 * Upstream reporting as the server runs it: one sender per configured province (its platform, its projects), a pass
 * every passMs, and the reporter's sweep every sweepMs; never two passes of one kind at once. Nothing runs when no
 * province is configured.
 */
import type { Database } from '../db/database.ts'
import type { UpstreamConfig } from '../config/upstream.ts'
import type { Clock } from '../kernel/time.ts'
import { PlatformClient } from './client.ts'
import type { UpstreamReporter } from './reporter.ts'
import { UpstreamSender, type PassCounts } from './sender.ts'
import type { UpstreamWatch } from './watch.ts'
import { UPSTREAM_LIMITS } from './outbox.ts'

export interface RunnerLog {
  info(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

export class UpstreamRunner {
  readonly senders = new Map<string, UpstreamSender>()
  private timers: NodeJS.Timeout[] = []
  private running = new Set<Promise<unknown>>()

  constructor(
    db: Database,
    private readonly reporter: UpstreamReporter,
    clock: Clock,
    private readonly config: UpstreamConfig | undefined,
    /** Raises UPSTREAM_LATE and UPSTREAM_REFUSED from the outbox (every watchMs). */
    readonly watch?: UpstreamWatch,
  ) {
    for (const [province, settings] of Object.entries(config?.provinces ?? {})) {
      const client = new PlatformClient({ settings, clock })
      this.senders.set(
        province,
        new UpstreamSender(db, client, clock, { projects: async () => (await reporter.reportingProjects()).get(province) ?? [], limits: { poll_interval_ms: config?.pollMs ?? UPSTREAM_LIMITS.poll_interval_ms } }),
      )
    }
  }

  get configured(): boolean {
    return this.senders.size > 0
  }

  /** One pass of every province's sender, in turn. */
  async pass(): Promise<PassCounts> {
    const total: PassCounts = { taken: 0, retried: 0, accepted: 0, refused: 0 }
    for (const sender of this.senders.values()) {
      const c = await sender.pass()
      for (const k of Object.keys(total) as Array<keyof PassCounts>) total[k] += c[k]
    }
    return total
  }

  start(log: RunnerLog): void {
    if (!this.configured || !this.config) return
    this.every(this.config.passMs, async () => {
      const c = await this.pass()
      for (const sender of this.senders.values()) {
        for (const f of sender.protocolFaults.splice(0)) {
          log.error({ code: 'upstream_protocol_fault', ...f }, "upstream: the platform's verdict named records outside the batch it was sent; the records it named in range are settled as it said, a failed batch's others refused for a person to resend")
        }
      }
      if (c.accepted + c.refused > 0) log.info({ code: 'upstream_pass', ...c }, 'upstream: verdicts read')
    }, log)
    let failures = 0
    this.every(this.config.sweepMs, async () => {
      if (this.reporter.failures > failures) {
        log.error({ err: this.reporter.lastError, count: this.reporter.failures - failures }, 'upstream after-commit step failed; the sweep queues what it missed')
        failures = this.reporter.failures
      }
      for (const { err, ...m } of this.reporter.missedAttendance.splice(0)) {
        log.error({ code: 'upstream_attendance_missed', err, ...m }, "upstream: a worker's punches could not be queued after their commit; this sweep queues them again")
      }
      for (const v of this.reporter.sentThenVoided.splice(0)) {
        log.error({ code: 'upstream_voided_after_sent', ...v }, 'upstream: a punch voided (or an added punch revoked) after its record went out; the platform keeps it')
      }
      const c = await this.reporter.sweep()
      if (c.queued > 0) log.info({ code: 'upstream_sweep', ...c }, 'upstream sweep queued records the after-commit steps had not')
    }, log)
    const watch = this.watch
    if (watch) {
      this.every(this.config.watchMs, async () => {
        const c = await watch.run()
        if (c.events > 0) log.info({ code: 'upstream_watch', ...c }, 'upstream cases raised or resolved')
      }, log)
    }
  }

  private every(ms: number, fn: () => Promise<void>, log: RunnerLog): void {
    let busy = false
    const timer = setInterval(() => {
      if (busy) return
      busy = true
      const run = fn()
        .catch((err: unknown) => log.error({ err }, 'upstream step failed'))
        .finally(() => {
          busy = false
          this.running.delete(run)
        })
      this.running.add(run)
    }, ms)
    timer.unref()
    this.timers.push(timer)
  }

  /** Stops the timers and waits for the passes under way (before the database closes). */
  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    await Promise.allSettled([...this.running])
    await this.reporter.idle()
  }
}
