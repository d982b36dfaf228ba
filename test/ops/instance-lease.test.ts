/**
 * One process per instance name (issue: two instances with one MQTT_INSTANCE
 * took each other's broker sessions over 76 times in 20 s): the lease in the
 * shared database, on the run's engine.
 */
import t from 'tap'
import { openDatabase } from '../../src/db/client.ts'
import { q } from '../../src/db/database.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { InstanceLease, InstanceNameTakenError } from '../../src/ops/instance-lease.ts'
import { testDatabaseUrl } from '../helpers/database.ts'

/**
 * How long a holder may go without a renewal seen. The holder below renews every 100 ms, but on a loaded machine one
 * renewal's commit can take most of a second: the silence must be long enough that a live holder is never taken for a
 * dead one (the takeover below waits it out once).
 */
const SILENT_MS = 2_500

t.test('a name is held by one process: a live holder turns a newcomer away, a silent one is taken over', async (t) => {
  const db = await openDatabase(await testDatabaseUrl(t))
  t.teardown(() => db.close())
  // A clock that never moves: the decision must rest on renewals being seen, not on comparing instants.
  const clock = new ManualClock(Date.parse('2026-11-05T02:00:00Z'))
  const first = new InstanceLease(db, clock, 'wl/i1', SILENT_MS)
  await first.acquire()

  // The first keeps renewing while the second watches: the second is turned away with the holder named.
  const renewing = setInterval(() => void first.renew(), 100)
  const second = new InstanceLease(db, clock, 'wl/i1', SILENT_MS)
  const err = await second.acquire().then(
    () => undefined,
    (e: unknown) => e,
  )
  clearInterval(renewing)
  t.ok(err instanceof InstanceNameTakenError, 'a second process under a live name fails')
  t.match((err as Error).message, /MQTT_INSTANCE "wl\/i1" is in use by a running instance \(host .+, pid \d+/)
  t.equal(await first.renew(), true, 'the holder still holds it')

  // Another name is free at once.
  await new InstanceLease(db, clock, 'wl/i2', SILENT_MS).acquire()

  // The first stops renewing (killed): a newcomer takes it over after the silence, and the old holder learns it lost it.
  const started = Date.now()
  const third = new InstanceLease(db, clock, 'wl/i1', SILENT_MS)
  await third.acquire()
  t.ok(Date.now() - started >= SILENT_MS, 'taken over only after the holder was silent')
  t.equal(await first.renew(), false, 'the old holder finds the name gone')
  t.equal(await third.renew(), true)

  // A clean stop frees the name at once.
  await third.release()
  const fourth = new InstanceLease(db, clock, 'wl/i1', SILENT_MS)
  const at = Date.now()
  await fourth.acquire()
  t.ok(Date.now() - at < SILENT_MS, 'a released name is taken without waiting')
  const rows = await db.all<{ instance: string }>(q('SELECT instance FROM instance_leases ORDER BY instance'))
  t.same(rows.map((r) => r.instance), ['wl/i1', 'wl/i2'])
})
