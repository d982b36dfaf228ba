/**
 * The credential cache's rules, directly: nothing of sessions or keys is kept without a count of other connections'
 * writes; a write from elsewhere or from this process drops them; a read begun before a drop never puts back what it
 * read; the size is bounded. The end-to-end half (a key revoked by the admin CLI in another process refused by the
 * running service on its next request) is in cli.test.ts, and logout and revocations in sessions.test.ts.
 */
import t from 'tap'
import { CredentialCache } from '../../src/access/credential-cache.ts'
import type { ApiKeyRow, ProjectFacts, SessionWithUser } from '../../src/access/repository.ts'

const session = (id: string): SessionWithUser => ({
  expiresAtMs: 1e15,
  revokedAtMs: null,
  user: { id, login: id, role: 'labour_manager', organisationId: 'org', regionCode: null, workerId: null, bankCode: null, disabledAtMs: null },
})
const key = (prefix: string): ApiKeyRow => ({
  id: prefix,
  prefix,
  secretHash: '00',
  name: prefix,
  role: 'bank',
  organisationId: null,
  regionCode: null,
  bankCode: '103',
  createdAtMs: 0,
  createdBy: 'test',
  expiresAtMs: 1e15,
  revokedAtMs: null,
  revokedBy: null,
})
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
const project = (id: string): ProjectFacts => ({ id, regionCode: '330102', constructionUnitId: 'cu', generalContractorId: 'gc', accountBankCode: '103' })

t.test('without a count of foreign writes (a database that cannot tell) no session or key is kept; project facts are', async (t) => {
  const c = new CredentialCache(undefined, 10)
  const g = c.begin()
  c.keepSession(g, 'h', session('u'))
  c.keepKey(g, key('wlk_1'))
  c.keepProject(project('p'))
  t.equal(c.session('h'), undefined)
  t.equal(c.key('wlk_1'), undefined)
  t.same(c.project('p'), project('p'))
})

t.test('a write from another connection drops sessions and keys before the next request looks', async (t) => {
  let version = 1
  const c = new CredentialCache(() => version, 10)
  let g = c.begin()
  c.keepSession(g, 'h', session('u'))
  c.keepKey(g, key('wlk_1'))
  c.keepProject(project('p'))
  g = c.begin()
  t.ok(c.session('h'), 'kept while nothing else writes')
  t.ok(c.key('wlk_1'))
  version = 2
  await nextTurn()
  c.begin()
  t.equal(c.session('h'), undefined, 'gone after another connection committed')
  t.equal(c.key('wlk_1'), undefined)
  t.ok(c.project('p'), "a project's facts never change and stay")
})

t.test('the count of foreign writes is read once per turn of the event loop, and again in the next', async (t) => {
  let reads = 0
  let version = 1
  const c = new CredentialCache(() => (reads++, version), 10)
  c.keepSession(c.begin(), 'h', session('u'))
  c.begin()
  c.begin()
  t.equal(reads, 1, 'the requests read in one turn share one look')
  version = 2
  await nextTurn()
  c.begin()
  t.equal(reads, 2, 'a request of the next turn looks again')
  t.equal(c.session('h'), undefined, 'and sees the write')
})

t.test('a read begun before a drop does not put back what it read', async (t) => {
  const c = new CredentialCache(() => 1, 10)
  const before = c.begin()
  // … the read of the session is in flight when this process revokes it …
  c.drop()
  c.keepSession(before, 'h', session('u'))
  c.keepKey(before, key('wlk_1'))
  t.equal(c.session('h'), undefined, 'the stale session is not kept')
  t.equal(c.key('wlk_1'), undefined, 'nor the stale key')
  const after = c.begin()
  c.keepSession(after, 'h', session('u'))
  t.ok(c.session('h'), 'a read begun after the drop is kept')
})

t.test('bounded: the oldest entry goes first', async (t) => {
  const c = new CredentialCache(() => 1, 3)
  const g = c.begin()
  for (const h of ['a', 'b', 'c', 'd']) c.keepSession(g, h, session(h))
  t.equal(c.session('a'), undefined)
  t.ok(c.session('b') && c.session('c') && c.session('d'))
  for (const p of ['p1', 'p2', 'p3', 'p4']) c.keepProject(project(p))
  t.equal(c.project('p1'), undefined)
  t.ok(c.project('p4'))
})
