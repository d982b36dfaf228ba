/**
 * The author as a worker reads it (src/access/worker-facing-author.ts), against a directory in memory: every form a
 * record keeps its author in, what is kept as typed, and one lookup per credential however many records name it.
 */
import t from 'tap'
import { STAFF_IN_GENERAL, workerFacingAuthor, type AuthorDirectory } from '../../src/access/worker-facing-author.ts'

const KEY = 'wlk_0123456789'
const KEY_OF_NONE = 'wlk_abcdefabcd'
const GONE_KEY = 'wlk_ffffffffff'

function directory(): AuthorDirectory & { asked: string[] } {
  const asked: string[] = []
  return {
    asked,
    displayNameOf: async (login) => (asked.push(login), ({ 'lm.zhang': '张立明', 'tm.li': '李建国' } as Record<string, string>)[login]),
    keyOrganisationNameOf: async (prefix) => (prefix === KEY ? '总包 A' : prefix === KEY_OF_NONE ? null : undefined),
  }
}

t.test('each form an author is kept in', async (t) => {
  const authorOf = workerFacingAuthor(directory())
  const cases: Array<[string, string, string]> = [
    ['lm.zhang', '张立明', 'a login alone: its display name'],
    [KEY, '总包 A', "a key alone: its organisation"],
    [KEY_OF_NONE, STAFF_IN_GENERAL, 'a key of no organisation'],
    [GONE_KEY, STAFF_IN_GENERAL, 'a key no longer on record, by its shape'],
    ['user:lm.zhang', '张立明', 'user: before a login'],
    [`key:${KEY}`, '总包 A', 'key: before a prefix'],
    ['user:gone.login', STAFF_IN_GENERAL, 'user: before a login no longer on record'],
    ['王芳 (lm.zhang)', '王芳', 'a name typed, with the login that recorded it'],
    [`王芳 (${KEY})`, '王芳', 'a name typed, with the key that recorded it'],
    ['tm.li (lm.zhang)', '李建国', "a colleague's login typed: their display name"],
    ['王芳 (班组长)', '王芳 (班组长)', 'brackets that name no credential are part of the name typed'],
    ['enrolment', 'enrolment', 'a word that is no credential stays'],
    ['劳资员', '劳资员', 'a name typed alone stays'],
  ]
  for (const [recorded, seen, why] of cases) t.equal(await authorOf(recorded), seen, why)
})

t.test('one lookup per credential for a reply', async (t) => {
  const d = directory()
  const authorOf = workerFacingAuthor(d)
  await Promise.all(['lm.zhang', 'user:lm.zhang', '王芳 (lm.zhang)', 'lm.zhang'].map(authorOf))
  t.same(d.asked.filter((l) => l === 'lm.zhang'), ['lm.zhang'])
})
