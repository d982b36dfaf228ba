/**
 * The inbox under faults, against a real database (the run's engine): a frame
 * that makes the service fail is kept as `ingest_failed` and its batch-mates
 * are stored; a database fault settles nothing until a retry commits; one
 * batch commits at a time and frames that arrive meanwhile wait for the next;
 * a full backlog turns frames away unacknowledged instead of growing memory
 * (under a real SQLite lock held by another process).
 */
import Database from 'better-sqlite3'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { loadConfig } from '../../src/config/env.ts'
import { q } from '../../src/db/database.ts'
import { InboxFullError, PunchInbox, type BatchReport } from '../../src/ingest/inbox.ts'
import { CachedLookups } from '../../src/ingest/lookups.ts'
import { RosterRepository } from '../../src/roster/repository.ts'
import { createServices } from '../../src/services.ts'
import { systemClock } from '../../src/kernel/time.ts'
import { testDatabaseUrl } from '../helpers/database.ts'
import { tempDir } from '../helpers/server.ts'

async function services(t: Test, databaseUrl?: string) {
  const s = await createServices({ ...loadConfig({}), databaseUrl: databaseUrl ?? (await testDatabaseUrl(t)) })
  t.teardown(() => s.close())
  return s
}

const frame = (site: string) => ({ topic: `wl/v1/${site}/X/punch`, payload: Buffer.from('{}'), clientId: 'X' })

/** What a server that went away looks like on either engine (PostgreSQL's admin_shutdown): a fault, not a bug. */
function serverGone(): Error {
  return Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })
}

void t.test('a frame that makes ingest fail is kept as ingest_failed; its batch-mates are stored', async (t) => {
  const s = await services(t)
  const failed: string[] = []
  s.inbox.onFrameFailed((_err, topic) => failed.push(topic))
  // A bug that one topic triggers inside the transaction (not the database's fault).
  const reject = s.punches.reject.bind(s.punches)
  s.punches.reject = async (r, max) => {
    if (r.channel === 'wl/v1/BOOM/X/punch' && r.reason !== 'ingest_failed') throw new TypeError('a bug')
    return reject(r, max)
  }
  const outcomes = await Promise.all([s.inbox.submit(frame('A')), s.inbox.submit(frame('BOOM')), s.inbox.submit(frame('C'))])
  t.match(outcomes, [{ kind: 'rejected', reason: 'unknown_device' }, { kind: 'rejected', reason: 'ingest_failed' }, { kind: 'rejected', reason: 'unknown_device' }])
  t.same(failed, ['wl/v1/BOOM/X/punch'], 'the failure is reported for the log')
  t.same(
    await s.db.all(q('SELECT channel, reason FROM rejected_inputs ORDER BY id')),
    [
      { channel: 'wl/v1/A/X/punch', reason: 'unknown_device' },
      { channel: 'wl/v1/BOOM/X/punch', reason: 'ingest_failed' },
      { channel: 'wl/v1/C/X/punch', reason: 'unknown_device' },
    ],
    'all three kept, each once',
  )
  t.equal(s.inbox.pending, 0)
})

void t.test('a database fault settles nothing; the batch is retried with back-off and committed once', async (t) => {
  const s = await services(t)
  const reports: BatchReport[] = []
  s.inbox.onBatch((r) => reports.push(r))
  const committed: string[] = []
  s.inbox.onCommitted((batch) => void committed.push(...batch.map((c) => (c.outcome.kind === 'rejected' ? c.outcome.reason : c.outcome.kind))))
  let faultsLeft = 2
  const reject = s.punches.reject.bind(s.punches)
  s.punches.reject = async (r, max) => {
    if (faultsLeft > 0) {
      faultsLeft--
      throw serverGone()
    }
    return reject(r, max)
  }
  let settled = 0
  const all = Promise.all([frame('A'), frame('B')].map((f) => s.inbox.submit(f).finally(() => settled++)))
  while (s.inbox.stats.dbFaults < 1) await new Promise((r) => setTimeout(r, 5))
  t.equal(settled, 0, 'nothing settled (acknowledged) after a fault')
  t.ok(s.inbox.failing)
  t.equal(s.inbox.pending, 2, 'both wait')
  t.match(await all, [{ kind: 'rejected', reason: 'unknown_device' }, { kind: 'rejected', reason: 'unknown_device' }])
  t.equal(s.inbox.stats.dbFaults, 2)
  t.match(reports, [
    { ok: false, frames: 2, fault: { kind: 'unavailable', code: '57P01' }, attempt: 1 },
    { ok: false, frames: 2, attempt: 2 },
    { ok: true, frames: 2 },
  ])
  t.ok((reports[1] as { retryInMs: number }).retryInMs > (reports[0] as { retryInMs: number }).retryInMs, 'backing off')
  t.same(committed, ['unknown_device', 'unknown_device'], 'listeners hear of each frame once, after its commit')
  t.same(await s.db.all(q('SELECT channel FROM rejected_inputs ORDER BY id')), [{ channel: 'wl/v1/A/X/punch' }, { channel: 'wl/v1/B/X/punch' }], 'each kept once')
  t.notOk(s.inbox.failing)
})

void t.test('one batch commits at a time; frames that arrive during a commit wait for the next', async (t) => {
  const s = await services(t)
  const transaction = s.punches.transaction.bind(s.punches)
  let open = 0
  let most = 0
  let release!: () => void
  let gate: Promise<void> | undefined = new Promise<void>((r) => (release = r))
  let inCommit!: () => void
  const commitStarted = new Promise<void>((r) => (inCommit = r))
  // A slow commit: held before its transaction opens (nothing waits inside a transaction).
  s.punches.transaction = async (fn) => {
    open++
    most = Math.max(most, open)
    try {
      if (gate) {
        inCommit()
        await gate
      }
      return await transaction(fn)
    } finally {
      open--
    }
  }
  const sizes: number[] = []
  s.inbox.onBatch((r) => r.ok && sizes.push(r.frames))
  const first = [s.inbox.submit(frame('A1')), s.inbox.submit(frame('A2'))]
  await commitStarted
  const second = [s.inbox.submit(frame('B1')), s.inbox.submit(frame('B2')), s.inbox.submit(frame('B3'))]
  await new Promise((r) => setTimeout(r, 20))
  t.equal(s.inbox.pending, 5, 'the batch in flight counts as pending, and so do the frames queued behind it')
  t.equal(open, 1, 'the next batch does not start while one commits')
  gate = undefined
  release()
  await Promise.all([...first, ...second])
  t.equal(most, 1, 'never two commits at once')
  t.same(sizes, [2, 3], 'what came during the commit went into the next batch, together')
  t.same(
    (await s.db.all<{ channel: string }>(q('SELECT channel FROM rejected_inputs ORDER BY id'))).map((r) => r.channel),
    ['A1', 'A2', 'B1', 'B2', 'B3'].map((site) => `wl/v1/${site}/X/punch`),
    'in the order they came',
  )
  t.equal(s.inbox.pending, 0)
})

// SQLite only: a write lock held by another process (BEGIN EXCLUSIVE on the file) is SQLITE_BUSY; the engine-neutral
// fault path is covered above.
void t.test('a full backlog turns frames away (not acknowledged) while the database is locked; the rest commit after (SQLite)', async (t) => {
  const path = join(tempDir(t), 'inbox.db')
  const s = await services(t, `file:${path}`)
  const inbox = new PunchInbox(s.punches, new CachedLookups(new RosterRepository(s.db)), systemClock, 100, 2)
  const holder = new Database(path)
  t.teardown(() => holder.open && holder.close())
  holder.exec('BEGIN EXCLUSIVE')
  const a = inbox.submit(frame('A'))
  const b = inbox.submit(frame('B'))
  await t.rejects(inbox.submit(frame('C')), InboxFullError)
  t.equal(inbox.stats.refusedBacklogFull, 1)
  // Let it fail a few times against the lock, then release it.
  while (inbox.stats.dbFaults < 2) await new Promise((r) => setTimeout(r, 10))
  t.ok(inbox.failing, 'the inbox knows it is failing')
  t.ok(inbox.oldestPendingMs() >= 0)
  await t.rejects(inbox.submit(frame('D')), InboxFullError, 'frames waiting for a retry still fill the backlog')
  holder.exec('COMMIT')
  t.match(await Promise.all([a, b]), [{ kind: 'rejected' }, { kind: 'rejected' }], 'what was taken is committed once the lock goes')
  t.notOk(inbox.failing)
  t.equal(inbox.pending, 0)
})
