/**
 * The inbox under faults, against a real SQLite file: a frame that makes the
 * service fail is kept as `ingest_failed` and its batch-mates are stored; a
 * full backlog turns frames away unacknowledged instead of growing memory.
 */
import Database from 'better-sqlite3'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { loadConfig } from '../../src/config/env.ts'
import { InboxFullError, PunchInbox } from '../../src/ingest/inbox.ts'
import { CachedLookups } from '../../src/ingest/lookups.ts'
import { RosterRepository } from '../../src/roster/repository.ts'
import { createServices } from '../../src/services.ts'
import { systemClock } from '../../src/kernel/time.ts'
import { tempDir } from '../helpers/server.ts'

function services(t: Test) {
  const path = join(tempDir(t), 'inbox.db')
  const s = createServices({ ...loadConfig({}), databaseUrl: `file:${path}` })
  t.teardown(() => s.close())
  return { s, path }
}

void t.test('a frame that makes ingest fail is kept as ingest_failed; its batch-mates are stored', async (t) => {
  const { s, path } = services(t)
  const failed: string[] = []
  s.inbox.onFrameFailed((_err, topic) => failed.push(topic))
  // A bug that one topic triggers inside the transaction (not the database's fault).
  const append = s.punches.reject.bind(s.punches)
  s.punches.reject = (r, max) => {
    if (r.channel === 'wl/v1/BOOM/X/punch' && r.reason !== 'ingest_failed') throw new TypeError('a bug')
    append(r, max)
  }
  const outcomes = await Promise.all([
    s.inbox.submit({ topic: 'wl/v1/A/X/punch', payload: Buffer.from('{}'), clientId: 'X' }),
    s.inbox.submit({ topic: 'wl/v1/BOOM/X/punch', payload: Buffer.from('{}'), clientId: 'X' }),
    s.inbox.submit({ topic: 'wl/v1/C/X/punch', payload: Buffer.from('{}'), clientId: 'X' }),
  ])
  t.match(outcomes, [{ kind: 'rejected', reason: 'unknown_device' }, { kind: 'rejected', reason: 'ingest_failed' }, { kind: 'rejected', reason: 'unknown_device' }])
  t.same(failed, ['wl/v1/BOOM/X/punch'], 'the failure is reported for the log')
  const db = new Database(path, { readonly: true })
  t.teardown(() => db.close())
  t.same(
    db.prepare('SELECT channel, reason FROM rejected_inputs ORDER BY id').all(),
    [
      { channel: 'wl/v1/A/X/punch', reason: 'unknown_device' },
      { channel: 'wl/v1/BOOM/X/punch', reason: 'ingest_failed' },
      { channel: 'wl/v1/C/X/punch', reason: 'unknown_device' },
    ],
    'all three kept, each once',
  )
})

void t.test('a full backlog turns frames away (not acknowledged) while the database is locked; the rest commit after', async (t) => {
  const { s, path } = services(t)
  const inbox = new PunchInbox(s.punches, new CachedLookups(new RosterRepository(s.db)), systemClock, 100, 2)
  const holder = new Database(path)
  t.teardown(() => holder.open && holder.close())
  holder.exec('BEGIN EXCLUSIVE')
  const a = inbox.submit({ topic: 'wl/v1/A/X/punch', payload: Buffer.from('{}'), clientId: 'X' })
  const b = inbox.submit({ topic: 'wl/v1/B/X/punch', payload: Buffer.from('{}'), clientId: 'X' })
  await t.rejects(inbox.submit({ topic: 'wl/v1/C/X/punch', payload: Buffer.from('{}'), clientId: 'X' }), InboxFullError)
  t.equal(inbox.stats.refusedBacklogFull, 1)
  // Let it fail a few times against the lock, then release it.
  while (inbox.stats.dbFaults < 2) await new Promise((r) => setTimeout(r, 10))
  t.ok(inbox.failing, 'the inbox knows it is failing')
  t.ok(inbox.oldestPendingMs() >= 0)
  holder.exec('COMMIT')
  t.match(await Promise.all([a, b]), [{ kind: 'rejected' }, { kind: 'rejected' }], 'what was taken is committed once the lock goes')
  t.notOk(inbox.failing)
  t.equal(inbox.pending, 0)
})
