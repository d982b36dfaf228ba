/**
 * The watched folder promises that a file replaced under the same name while the old one is posted is never moved to
 * done/ without being posted. The move claims the file (a rename to a dot-name), checks the claimed file is the one
 * posted, and only then moves it on: a bank's rename-into-place (result.txt.part → result.txt) landing at any moment
 * is either put back under its name or left there, and taken on a later pass. (It was moved into done/ unposted when it
 * landed between the check and the move; found by review.) A claim left by a process killed between its two renames
 * is put back once stale.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, readdirSync } from 'node:fs'
import { createRequire, syncBuiltinESMExports } from 'node:module'
import { join } from 'node:path'
import t from 'tap'
import { PayoutInboxFolder } from '../../src/payouts/inbox-folder.ts'

// node:fs/promises as inbox-folder.ts imports it: its mkdir wrapped (live ESM bindings of a builtin follow its CJS object).
const fsp = createRequire(import.meta.url)('node:fs/promises') as typeof import('node:fs/promises')
const realMkdir = fsp.mkdir
const realRename = fsp.rename

const quietInbox = (root: string, posted: string[], claimStaleMs?: number) =>
  new PayoutInboxFolder({
    root,
    ...(claimStaleMs === undefined ? {} : { claimStaleMs }),
    pollMs: 10_000,
    settleMs: 0,
    log: { info: () => {}, warn: () => {}, error: () => {} },
    payouts: {
      post: async (input) => {
        posted.push(input.bytes.toString())
        return { outcome: 'payout_file_stored', file: { id: `f${posted.length}` } as never, reconciliation: undefined }
      },
    },
  })

t.test('a new upload landing between the replaced() check and the move is not moved to done/ unposted', async (t) => {
  const root = t.testdir({})
  const month = join(root, 'P1', '2026-10')
  mkdirSync(month, { recursive: true })
  const path = join(month, 'result.txt')
  writeFileSync(path, 'OLD FILE')
  let landed = false
  ;(fsp as { mkdir: unknown }).mkdir = async (...args: Parameters<typeof realMkdir>) => {
    if (!landed && String(args[0]).endsWith('done')) {
      // the bank's SFTP client renames its next upload into place now
      writeFileSync(path + '.part', 'NEW FILE, A DIFFERENT RESULT')
      renameSync(path + '.part', path)
      landed = true
    }
    return realMkdir(...args)
  }
  syncBuiltinESMExports()
  t.teardown(() => {
    ;(fsp as { mkdir: unknown }).mkdir = realMkdir
    syncBuiltinESMExports()
  })
  const posted: string[] = []
  const inbox = quietInbox(root, posted)
  await inbox.scan() // sees it
  await new Promise((r) => setTimeout(r, 5))
  await inbox.scan() // takes it
  t.ok(landed, 'the new upload landed during the move')
  const inDone = readdirSync(join(month, 'done')).map((n) => readFileSync(join(month, 'done', n), 'utf8'))
  t.same(posted, ['OLD FILE'], 'only the old file was posted')
  t.notOk(inDone.includes('NEW FILE, A DIFFERENT RESULT'), `done/ holds ${JSON.stringify(inDone)}: the new upload was moved there unposted`)
})

t.test('a new upload landing just before the claim is put back and taken on the next pass', async (t) => {
  const root = t.testdir({})
  const month = join(root, 'P1', '2026-10')
  mkdirSync(month, { recursive: true })
  const path = join(month, 'result.txt')
  writeFileSync(path, 'OLD FILE')
  let landed = false
  ;(fsp as { rename: unknown }).rename = async (...args: Parameters<typeof realRename>) => {
    if (!landed && String(args[0]) === path && String(args[1]).endsWith('.moving')) {
      writeFileSync(path + '.part', 'NEW FILE, A DIFFERENT RESULT')
      renameSync(path + '.part', path)
      landed = true
    }
    return realRename(...args)
  }
  syncBuiltinESMExports()
  t.teardown(() => {
    ;(fsp as { rename: unknown }).rename = realRename
    syncBuiltinESMExports()
  })
  const posted: string[] = []
  const inbox = quietInbox(root, posted)
  await inbox.scan()
  await new Promise((r) => setTimeout(r, 5))
  await inbox.scan()
  t.ok(landed)
  t.same(posted, ['OLD FILE'])
  t.same(readdirSync(month).sort(), ['result.txt'], 'the new upload is back under its name, no claim left, nothing in done/')
  t.equal(readFileSync(path, 'utf8'), 'NEW FILE, A DIFFERENT RESULT')
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 5))
    await inbox.scan()
  }
  t.same(posted, ['OLD FILE', 'NEW FILE, A DIFFERENT RESULT'], 'the new upload is posted on a later pass')
  t.same(readdirSync(join(month, 'done')).map((n) => readFileSync(join(month, 'done', n), 'utf8')), ['NEW FILE, A DIFFERENT RESULT'])
})

t.test('a claim left by a process killed between its renames is put back, then taken', async (t) => {
  const root = t.testdir({})
  const month = join(root, 'P1', '2026-10')
  mkdirSync(month, { recursive: true })
  // A claim of a process still running here (this one) is a move in progress: left alone until it is old.
  const live = `.result.txt.${process.pid}.moving`
  writeFileSync(join(month, live), 'HALF-MOVED')
  const posted: string[] = []
  await quietInbox(root, posted).scan()
  t.same(readdirSync(month), [live], 'a fresh claim of a live process is left alone')
  t.same(posted, [])
  const later = quietInbox(root, posted, 0)
  await later.scan()
  t.same(readdirSync(month), ['result.txt'], 'an old claim is put back under its name')
  await new Promise((r) => setTimeout(r, 5))
  await later.scan()
  await new Promise((r) => setTimeout(r, 5))
  await later.scan()
  t.same(posted, ['HALF-MOVED'], 'and taken (a repeat of a post already stored is answered by its hash)')

  // A claim of a process that is gone (kill -9, then a restart): put back at once.
  writeFileSync(join(month, '.other.txt.4194303.moving'), 'LEFT BY A DEAD PROCESS')
  await quietInbox(root, posted).scan()
  t.ok(readdirSync(month).includes('other.txt'), 'put back on the first scan')
})
