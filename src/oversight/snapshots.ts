/**
 * The bureau overview served from memory (issue 13: p99 < 50 ms server time on a 500-project, 100,000-worker region).
 *
 * Computing a region's overview reads every project's roster, account, instructions, runs, deposits and cases and
 * judges the six systems: some 100 ms for 500 projects, far over the aim. A dashboard of a region's month is not a
 * ledger of the minute, so the overview is computed off the request path and kept per auditor scope (a region code):
 *
 * - the first request of a scope computes it (that one request waits);
 * - a background refresh (server.ts, every OVERVIEW_REFRESH_MS) recomputes every scope held, one after another, and
 *   swaps each in when done: requests meanwhile get the previous snapshot, never a half-made one;
 * - a snapshot older than OVERVIEW_STALE_MS by the service's clock (the refresh stopped or failing) is recomputed by
 *   the request that finds it, so the figures are never older than that;
 * - a scope nobody asked for in OVERVIEW_IDLE_MS is dropped rather than refreshed.
 *
 * The page and its exports read the same snapshot, so a file exported matches the screen it came from, and both say
 * the instant their figures are as of (数据截至). Each instance of the service keeps its own snapshots, refreshed on its
 * own timer: two instances behind a load balancer may show figures up to a period apart, each stating its own time.
 * The drill-down pages stay live (one project each: cheap).
 */
import type { SQL } from 'drizzle-orm'
import type { Principal } from '../access/roles.ts'
import type { Clock } from '../kernel/time.ts'
import type { Overview } from './service.ts'

/** How often the held scopes are recomputed in the background. */
export const OVERVIEW_REFRESH_MS = 60_000
/** Older than this (by the service's clock), a snapshot is recomputed by the request that finds it. */
export const OVERVIEW_STALE_MS = 3 * OVERVIEW_REFRESH_MS
/** A scope not asked for in this long is dropped at the next refresh. */
export const OVERVIEW_IDLE_MS = 30 * 60_000

/** The key of a caller's scope: the fields AccessService.projectCondition reads, so equal keys mean equal scopes. */
export function scopeKeyOf(p: Pick<Principal, 'role' | 'organisationId' | 'regionCode' | 'bankCode' | 'workerId'>): string {
  return JSON.stringify([p.role, p.organisationId, p.regionCode, p.bankCode, p.workerId])
}

interface Held {
  within: SQL | undefined
  snapshot?: Overview
  /** A computation under way: requests that have no usable snapshot wait for it rather than start another. */
  pending?: Promise<Overview>
  lastAskedMs: number
}

export class OverviewSnapshots {
  private readonly held = new Map<string, Held>()

  constructor(
    private readonly compute: (within: SQL | undefined) => Promise<Overview>,
    private readonly clock: Clock,
  ) {}

  /** The scope's snapshot: the one held if fresh enough, else computed now (the first request of a scope). */
  async get(key: string, within: SQL | undefined): Promise<Overview> {
    const now = this.clock.nowMs()
    let h = this.held.get(key)
    if (h === undefined) this.held.set(key, (h = { within, lastAskedMs: now }))
    h.lastAskedMs = now
    if (h.snapshot !== undefined && now - h.snapshot.asOfMs <= OVERVIEW_STALE_MS) return h.snapshot
    return this.recompute(h)
  }

  /**
   * Recomputes every scope held, one after another (two cores: a region at a time), dropping the ones idle too long.
   * Returns how many were refreshed. A scope that fails keeps its previous snapshot; the first failure is thrown after
   * the others are done, for the caller to log.
   */
  async refresh(): Promise<number> {
    const now = this.clock.nowMs()
    let refreshed = 0
    let failure: Error | undefined
    for (const [key, h] of [...this.held]) {
      if (now - h.lastAskedMs > OVERVIEW_IDLE_MS) {
        this.held.delete(key)
        continue
      }
      try {
        await this.recompute(h)
        refreshed++
      } catch (err) {
        failure ??= err instanceof Error ? err : new Error(String(err))
      }
    }
    if (failure !== undefined) throw failure
    return refreshed
  }

  /** Scopes held (for tests and the benchmark). */
  get size(): number {
    return this.held.size
  }

  private recompute(h: Held): Promise<Overview> {
    if (h.pending !== undefined) return h.pending
    const p = this.compute(h.within)
      .then((o) => {
        h.snapshot = o
        return o
      })
      .finally(() => {
        h.pending = undefined
      })
    h.pending = p
    return p
  }
}
