/**
 * Back-off for failed logins of one login name: the first few failures are
 * free, then each further attempt must wait 1 s, 2 s, 4 s … up to a cap, until
 * a success. Guessing a password takes years; a person who mistyped waits a
 * second. (Per client address, the HTTP rate limit caps attempts on any name.)
 *
 * Kept in memory, per instance: behind a load balancer an attacker spread over
 * N instances gets N times the attempts, which the cap still keeps hopeless.
 */
import { LIMITS } from '../config/limits.ts'
import type { Clock } from '../kernel/time.ts'

interface Failures {
  count: number
  /** No attempt is taken before this instant. */
  untilMs: number
}

/** Login names tracked at most; beyond it the oldest are forgotten (a flood of random names cannot grow memory). */
const TRACKED_MAX = 100_000

export class LoginThrottle {
  private readonly failures = new Map<string, Failures>()

  constructor(
    private readonly clock: Clock,
    private readonly free: number = LIMITS.login_failures_free,
    private readonly capMs: number = LIMITS.login_backoff_ms_max,
  ) {}

  /** Milliseconds to wait before this login may be tried again (0: now). */
  waitMs(login: string): number {
    const f = this.failures.get(login)
    return f ? Math.max(0, f.untilMs - this.clock.nowMs()) : 0
  }

  failed(login: string): void {
    const f = this.failures.get(login) ?? { count: 0, untilMs: 0 }
    f.count++
    const over = f.count - this.free
    f.untilMs = over >= 0 ? this.clock.nowMs() + Math.min(this.capMs, 1_000 * 2 ** Math.min(over, 30)) : 0
    // Re-inserted, so the map's order is the order of last failure: the first key is the one to forget.
    this.failures.delete(login)
    this.failures.set(login, f)
    if (this.failures.size > TRACKED_MAX) this.failures.delete(this.failures.keys().next().value as string)
  }

  succeeded(login: string): void {
    this.failures.delete(login)
  }
}
