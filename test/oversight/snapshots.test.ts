/**
 * The overview's snapshots (src/oversight/snapshots.ts), with a computation that counts its calls and a manual clock:
 * a scope is computed on its first request and then served from memory; requests at once share one computation; the
 * refresh recomputes every scope held and swaps each in whole; a failed refresh keeps the previous snapshot; a snapshot
 * past the staleness limit is recomputed by its request; a scope idle too long is dropped; scopes are apart.
 */
import t from 'tap'
import { sql } from 'drizzle-orm'
import { ManualClock } from '../../src/kernel/time.ts'
import type { Overview } from '../../src/oversight/service.ts'
import { OVERVIEW_IDLE_MS, OVERVIEW_STALE_MS, OverviewSnapshots, scopeKeyOf } from '../../src/oversight/snapshots.ts'

const T0 = Date.parse('2026-12-03T02:00:00Z')

function harness(): { clock: ManualClock; snapshots: OverviewSnapshots; calls: string[]; fail: { next: boolean } } {
  const clock = new ManualClock(T0)
  const calls: string[] = []
  const fail = { next: false }
  const snapshots = new OverviewSnapshots(async (within) => {
    const scope = within === undefined ? 'all' : 'scoped'
    calls.push(scope)
    await new Promise((r) => setImmediate(r))
    if (fail.next) {
      fail.next = false
      throw new Error('database gone')
    }
    return { asOfMs: clock.nowMs(), asOf: '2026-12-03', asOfTime: '', projects: [], truncated: false, incidence: [], target: 0.03, caseAges: { under7: calls.length, from7to14: 0, from15: 0 }, largestByAmount: [], largestByHeadcount: [] } satisfies Overview
  }, clock)
  return { clock, snapshots, calls, fail }
}

const auditor = (regionCode: string): Parameters<typeof scopeKeyOf>[0] => ({ role: 'auditor', organisationId: null, regionCode, bankCode: null, workerId: null })
const W = sql`TRUE`

t.test('computed on the first request, then served from memory until the refresh', async (t) => {
  const { clock, snapshots, calls } = harness()
  const key = scopeKeyOf(auditor('3301'))
  const [a, b] = await Promise.all([snapshots.get(key, W), snapshots.get(key, W)])
  t.equal(calls.length, 1, 'two requests at once: one computation')
  t.equal(a, b)
  clock.advance(30_000)
  t.equal(await snapshots.get(key, W), a, 'the same snapshot a while later')
  t.equal(calls.length, 1)
  t.equal(await snapshots.refresh(), 1)
  const c = await snapshots.get(key, W)
  t.not(c, a, 'the refreshed one')
  t.equal(c.asOfMs, T0 + 30_000)
})

t.test('a failed refresh keeps the previous snapshot and says so', async (t) => {
  const { snapshots, fail } = harness()
  const key = scopeKeyOf(auditor('3301'))
  const a = await snapshots.get(key, W)
  fail.next = true
  await t.rejects(snapshots.refresh(), /database gone/)
  t.equal(await snapshots.get(key, W), a)
})

t.test('past the staleness limit the request recomputes; an idle scope is dropped', async (t) => {
  const { clock, snapshots, calls } = harness()
  const key = scopeKeyOf(auditor('3301'))
  await snapshots.get(key, W)
  clock.advance(OVERVIEW_STALE_MS)
  await snapshots.get(key, W)
  t.equal(calls.length, 1, 'at the limit: still served')
  clock.advance(1)
  const b = await snapshots.get(key, W)
  t.equal(calls.length, 2, 'past it: recomputed by the request')
  t.equal(b.asOfMs, T0 + OVERVIEW_STALE_MS + 1)
  clock.advance(OVERVIEW_IDLE_MS + 1)
  t.equal(await snapshots.refresh(), 0)
  t.equal(snapshots.size, 0, 'nobody asked for half an hour: dropped, not refreshed')
})

t.test('scopes are apart: two regions, and the admin', async (t) => {
  const { snapshots, calls } = harness()
  t.not(scopeKeyOf(auditor('3301')), scopeKeyOf(auditor('3302')))
  await snapshots.get(scopeKeyOf(auditor('3301')), W)
  await snapshots.get(scopeKeyOf(auditor('3302')), W)
  await snapshots.get(scopeKeyOf({ role: 'admin', organisationId: null, regionCode: null, bankCode: null, workerId: null }), undefined)
  t.same(calls, ['scoped', 'scoped', 'all'])
  t.equal(snapshots.size, 3)
  t.equal(await snapshots.refresh(), 3)
})
