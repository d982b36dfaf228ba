/**
 * The watched folder for bank result files, over the real service (the run's database engine): files dropped in
 * `<root>/<projectId>/<YYYY-MM>/` are posted and moved to done/ or rejected/ (with the reason), the same bytes under
 * another name count once, a file still being uploaded (`.part`, or still growing) is left alone, and a file posted
 * before a crash but never moved ends in done/ with one stored file.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { cardNumber } from '../../simulators/identities.ts'
import type { Api } from '../../simulators/api.ts'
import { fen } from '../../src/kernel/money.ts'
import { formatPayoutFile } from '../../src/payouts/file-format.ts'
import { INBOX_POSTED_BY, PayoutInboxFolder, isIgnoredName, suffixedName, type InboxLog, type InboxReason } from '../../src/payouts/inbox-folder.ts'
import { Api as ApiClient } from '../../simulators/api.ts'
import { MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { createAdminKey } from '../helpers/admin-key.ts'
import { readRows, testDatabaseUrl } from '../helpers/database.ts'
import { freePort } from '../helpers/free-port.ts'
import { startTestServer, tempDir } from '../helpers/server.ts'
import { spawnService } from '../ingest/helpers/child-service.ts'

const WAIT_MS_MAX = 60_000
const quiet = { info: () => {}, warn: () => {}, error: () => {} }

/** A result file for MONTH: one payment to the site's worker (card made from the seed), one to a stranger. */
function resultFile(seed: number, ref: string): Buffer {
  return formatPayoutFile(
    [
      { seq: 1, payeeCard: cardNumber(seed), payeeName: '张伟', amountFen: fen(100_00), status: 'success', bankRef: `${ref}01`, valueDate: '2026-11-08', failureReason: null },
      { seq: 2, payeeCard: cardNumber(900_000 + seed), payeeName: '包工头', amountFen: fen(500_00), status: 'success', bankRef: `${ref}02`, valueDate: '2026-11-08', failureReason: null },
    ],
    { encoding: 'utf-8' },
  )
}

/** A delimited file refused on its line: an amount that is no amount, on a line carrying a full card number. */
const BROKEN = Buffer.from('seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason\n1|6217000011112222333|张伟|abc|success|R1|2026-11-08|\n')

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS_MAX
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const files = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).sort() : [])

async function storedFiles(api: Api, projectId: string): Promise<Array<{ id: string; filename: string | null; postedBy: string | null; sha256: string }>> {
  return api.get(`/api/projects/${projectId}/payout-files`)
}

t.test('files dropped in the watched folder are posted and moved, never lost, never counted twice', async (t) => {
  const root = tempDir(t, 'wl-inbox-')
  const server = await startTestServer(t, { config: { payoutInboxDir: root, payoutInboxPollMs: 25, payoutInboxSettleMs: 60 } })
  const site = await registerAccessSite(server.api, { tag: 'INBOX-1', regionCode: '310101', bankCode: '103290000017', seed: 611 })
  const month = join(root, site.projectId, MONTH)
  mkdirSync(month, { recursive: true })
  const done = join(month, 'done')
  const rejected = join(month, 'rejected')

  await t.test('a delimited file is stored and moved to done/', async (t) => {
    writeFileSync(join(month, 'result-1.txt'), resultFile(611, 'A'))
    await until('result-1.txt in done/', () => files(done).includes('result-1.txt'))
    t.same(files(month).filter((n) => n !== 'done'), [], 'nothing left in the month folder')
    const stored = await storedFiles(server.api, site.projectId)
    t.equal(stored.length, 1, 'one file stored')
    t.match(stored[0], { filename: 'result-1.txt', postedBy: INBOX_POSTED_BY })
    const flags = await server.api.get<{ run: { trigger: string } | null }>(`/api/projects/${site.projectId}/flags/${MONTH}`)
    t.match(flags.run, { trigger: /^payout_file:/ }, 'and the month reconciled with it')
  })

  await t.test('the same bytes under another name end in done/ as already posted, stored once', async (t) => {
    writeFileSync(join(month, 'result-1-again.txt'), resultFile(611, 'A'))
    await until('result-1-again.txt in done/', () => files(done).includes('result-1-again.txt'))
    t.equal((await storedFiles(server.api, site.projectId)).length, 1, 'still one file stored')
  })

  await t.test('a name already in done/ gets a suffix, never overwrites', async (t) => {
    writeFileSync(join(month, 'result-1.txt'), resultFile(611, 'B'))
    await until('result-1~1.txt in done/', () => files(done).includes('result-1~1.txt'))
    t.same(readFileSync(join(done, 'result-1.txt')), resultFile(611, 'A'), 'the first file is untouched')
    t.same(readFileSync(join(done, 'result-1~1.txt')), resultFile(611, 'B'))
    t.equal((await storedFiles(server.api, site.projectId)).length, 2, 'the new bytes stored as a second file')
  })

  await t.test('a broken file is moved to rejected/ with its reason, masked, and nothing is stored', async (t) => {
    writeFileSync(join(month, 'broken.txt'), BROKEN)
    await until('broken.txt.reason.json in rejected/', () => files(rejected).includes('broken.txt') && files(rejected).includes('broken.txt.reason.json'))
    t.same(readFileSync(join(rejected, 'broken.txt')), BROKEN, 'the file is kept as the bank sent it')
    const text = readFileSync(join(rejected, 'broken.txt.reason.json'), 'utf-8')
    const reason = JSON.parse(text) as InboxReason & { details: { errorCount: number; errors: Array<{ line: number; code: string }> } }
    t.match(reason, { code: 'payout_file_invalid', projectId: site.projectId, period: MONTH, format: null, bytes: BROKEN.length })
    t.ok(reason.details.errorCount >= 1 && reason.details.errors.some((e) => e.line === 2), 'the line errors, by line')
    t.notOk(text.includes('6217000011112222333'), 'no full card number in the reason')
    t.equal((await storedFiles(server.api, site.projectId)).length, 2, 'nothing stored')
    // Refused again under the same name: a suffix, with its own reason beside it.
    writeFileSync(join(month, 'broken.txt'), BROKEN)
    await until('broken~1.txt in rejected/', () => files(rejected).includes('broken~1.txt') && files(rejected).includes('broken~1.txt.reason.json'))
  })

  await t.test('a .part file is left alone until it is renamed into place', async (t) => {
    const part = join(month, 'result-2.txt.part')
    writeFileSync(part, resultFile(611, 'C').subarray(0, 40))
    writeFileSync(join(month, '.hidden.txt'), resultFile(611, 'D'))
    writeFileSync(join(month, 'upload.tmp'), resultFile(611, 'E'))
    // Several polls and settle times pass: the half-written file is never read.
    await new Promise((r) => setTimeout(r, 400))
    t.ok(existsSync(part), 'the .part file is where the client left it')
    t.equal((await storedFiles(server.api, site.projectId)).length, 2, 'nothing posted from it')
    writeFileSync(part, resultFile(611, 'C'))
    renameSync(part, join(month, 'result-2.txt'))
    await until('result-2.txt in done/', () => files(done).includes('result-2.txt'))
    t.equal((await storedFiles(server.api, site.projectId)).length, 3)
    t.ok(existsSync(join(month, '.hidden.txt')) && existsSync(join(month, 'upload.tmp')), 'dot-names and .tmp files are never taken')
  })

  await t.test('a folder naming no project: the file is refused with project_not_found', async (t) => {
    const stray = join(root, 'no-such-project', MONTH)
    mkdirSync(stray, { recursive: true })
    writeFileSync(join(stray, 'x.txt'), resultFile(611, 'F'))
    await until('x.txt in rejected/', () => files(join(stray, 'rejected')).includes('x.txt.reason.json') && files(join(stray, 'rejected')).includes('x.txt'))
    t.match(JSON.parse(readFileSync(join(stray, 'rejected', 'x.txt.reason.json'), 'utf-8')), { code: 'project_not_found' })
  })

  await t.test('a format named by a sub-folder is read as that format', async (t) => {
    const sub = join(month, 'delimited')
    mkdirSync(sub, { recursive: true })
    writeFileSync(join(sub, 'named.txt'), resultFile(611, 'G'))
    await until('named.txt in delimited/done/', () => files(join(sub, 'done')).includes('named.txt'))
    const unknown = join(month, 'no-such-format')
    mkdirSync(unknown, { recursive: true })
    writeFileSync(join(unknown, 'odd.txt'), resultFile(611, 'H'))
    await until('odd.txt in no-such-format/rejected/', () => files(join(unknown, 'rejected')).includes('odd.txt.reason.json'))
    const reason = JSON.parse(readFileSync(join(unknown, 'rejected', 'odd.txt.reason.json'), 'utf-8')) as { code: string; format: string; details: { errors: Array<{ code: string }> } }
    t.match(reason, { code: 'payout_file_invalid', format: 'no-such-format' })
    t.equal(reason.details.errors[0]?.code, 'unknown_format')
  })

  // A file is counted just after it is moved: wait for the count rather than read it the moment the last file moved.
  const counted = async (): Promise<string> => server.services.metrics.registry.getSingleMetricAsString('wl_payout_inbox_files_total')
  let metrics = await counted()
  for (const deadline = Date.now() + WAIT_MS_MAX; !/outcome="rejected"\} 4/.test(metrics) && Date.now() < deadline; metrics = await counted()) {
    await new Promise((r) => setTimeout(r, 20))
  }
  t.match(metrics, /wl_payout_inbox_files_total\{outcome="done"\} 5/, 'done files counted')
  t.match(metrics, /wl_payout_inbox_files_total\{outcome="rejected"\} 4/, 'rejected files counted')
})

t.test('a file posted before a crash but never moved ends in done/, stored once; a growing file waits', async (t) => {
  const root = tempDir(t, 'wl-inbox-')
  // No watcher in the service: the crash is simulated by posting the file as the folder would, then not moving it.
  const server = await startTestServer(t)
  const site = await registerAccessSite(server.api, { tag: 'INBOX-2', regionCode: '310101', bankCode: '103290000017', seed: 612 })
  const month = join(root, site.projectId, MONTH)
  mkdirSync(month, { recursive: true })
  const bytes = resultFile(612, 'K')
  writeFileSync(join(month, 'posted.txt'), bytes)
  await server.services.payouts.post({ projectId: site.projectId, period: MONTH, bytes, filename: 'posted.txt', postedBy: INBOX_POSTED_BY })

  const outcomes: string[] = []
  const folder = new PayoutInboxFolder({ root, pollMs: 60_000, settleMs: 0, payouts: server.services.payouts, log: quiet, onFile: (o) => outcomes.push(o) })
  t.teardown(() => folder.stop())
  t.same(await folder.scan(), { done: 0, rejected: 0, error: 0 }, 'the first pass only notes the file (size and mtime)')
  // Meanwhile another upload is still growing: the next pass must not take it.
  writeFileSync(join(month, 'growing.txt'), resultFile(612, 'L').subarray(0, 30))
  t.same(await folder.scan(), { done: 1, rejected: 0, error: 0 }, 'the posted file is taken: the post says it exists')
  t.same(files(join(month, 'done')), ['posted.txt'])
  t.equal((await storedFiles(server.api, site.projectId)).length, 1, 'one stored file')
  writeFileSync(join(month, 'growing.txt'), resultFile(612, 'L'))
  t.same(await folder.scan(), { done: 0, rejected: 0, error: 0 }, 'the grown file is noted again, not read')
  t.same(await folder.scan(), { done: 1, rejected: 0, error: 0 }, 'and taken once it held still')
  t.equal((await storedFiles(server.api, site.projectId)).length, 2)
  t.same(outcomes, ['done', 'done'])
})

t.test('kill -9 while the folder is being worked: after a restart every file is in done/, each stored once', async (t) => {
  const FILES = 30
  const databaseUrl = await testDatabaseUrl(t)
  const root = tempDir(t, 'wl-inbox-')
  const ports = { databaseUrl, httpPort: await freePort(), mqttPort: await freePort(), env: { PAYOUT_INBOX_DIR: root, PAYOUT_INBOX_POLL_MS: '10', PAYOUT_INBOX_SETTLE_MS: '0' } }
  const adminKey = await createAdminKey(databaseUrl)
  const first = await spawnService(t, ports)
  const site = await registerAccessSite(new ApiClient(first.httpUrl, adminKey), { tag: 'INBOX-3', regionCode: '310101', bankCode: '103290000017', seed: 613 })
  const month = join(root, site.projectId, MONTH)
  const done = join(month, 'done')
  // Written beside the folder and renamed into place, as a bank's SFTP client should.
  mkdirSync(month, { recursive: true })
  for (let i = 0; i < FILES; i++) {
    writeFileSync(join(month, `r${i}.txt.part`), resultFile(613, `K${i}-`))
    renameSync(join(month, `r${i}.txt.part`), join(month, `r${i}.txt`))
  }
  const stored = async (): Promise<number> => Number((await readRows<{ n: number | string }>(databaseUrl, 'SELECT COUNT(*) AS n FROM payout_files'))[0]?.n ?? 0)
  // Aimed at the window that matters: killed as soon as the database is seen holding a file done/ does not (committed,
  // not yet moved), or once most are done. The move is quick, so the kill often lands just after it: the exact window
  // is proven by the test above, and this one that no kill point loses or doubles a file.
  await until('a third of the files done', () => files(done).length >= FILES / 3)
  for (let tries = 0; tries < 2_000 && files(done).length < FILES - 2; tries++) {
    if ((await stored()) > files(done).length) break
  }
  await first.kill9()
  t.equal((await first.exited).signal, 'SIGKILL')
  const atCrash = { stored: await stored(), done: files(done).length }
  t.comment(`at the kill: ${atCrash.stored} stored, ${atCrash.done} in done/${atCrash.stored > atCrash.done ? ': a committed file not yet moved' : ''}`)
  t.ok(atCrash.stored >= atCrash.done, 'every file in done/ is stored')
  t.ok(atCrash.done < FILES, 'killed mid-folder')

  const second = await spawnService(t, ports)
  await until('every file in done/', () => files(done).length === FILES)
  await second.stop()
  t.same(files(month), ['done'], 'nothing left in place, nothing rejected')
  const rows = await readRows<{ sha256: string; filename: string }>(databaseUrl, 'SELECT sha256, filename FROM payout_files')
  t.equal(rows.length, FILES, `${FILES} files dropped, ${rows.length} stored`)
  t.equal(new Set(rows.map((r) => r.sha256)).size, FILES, 'each once')
  t.same(files(done), Array.from({ length: FILES }, (_, i) => `r${i}.txt`).sort(), 'each under its own name: none taken twice')
})

t.test('two instances on one folder: each file stored once, moved once, the second move finding it gone', async (t) => {
  const root = tempDir(t, 'wl-inbox-')
  const server = await startTestServer(t)
  const site = await registerAccessSite(server.api, { tag: 'INBOX-4', regionCode: '310101', bankCode: '103290000017', seed: 614 })
  const month = join(root, site.projectId, MONTH)
  mkdirSync(month, { recursive: true })
  const names = Array.from({ length: 6 }, (_, i) => `s${i}.txt`)
  names.forEach((n, i) => writeFileSync(join(month, n), resultFile(614, `M${i}-`)))
  const outcomes: string[] = []
  const [a, b] = [0, 1].map(() => new PayoutInboxFolder({ root, pollMs: 60_000, settleMs: 0, payouts: server.services.payouts, log: quiet, onFile: (o) => outcomes.push(o) }))
  t.teardown(async () => {
    await a?.stop()
    await b?.stop()
  })
  await Promise.all([a!.scan(), b!.scan()])
  await Promise.all([a!.scan(), b!.scan()])
  t.same(files(join(month, 'done')), names, 'each file in done/ once, under its own name')
  t.same(files(month), ['done'])
  t.equal((await storedFiles(server.api, site.projectId)).length, names.length, 'each stored once')
  t.notOk(outcomes.includes('error'), 'no instance met an error')
})

t.test('names: ignored while uploading, suffixed when taken', async (t) => {
  for (const n of ['.x.txt', 'a.txt.part', 'a.TMP', 'a.filepart']) t.ok(isIgnoredName(n), n)
  for (const n of ['a.txt', 'camt.054.xml', 'part', 'tmp']) t.notOk(isIgnoredName(n), n)
  t.equal(suffixedName('a.txt', 0), 'a.txt')
  t.equal(suffixedName('a.txt', 2), 'a~2.txt')
  t.equal(suffixedName('camt.054.xml', 1), 'camt.054~1.xml')
  t.equal(suffixedName('result', 1), 'result~1')
})

/** A log that keeps its lines, to read what the folder said. */
function keptLog(): { lines: Array<{ level: string; obj: Record<string, unknown> }>; log: InboxLog } {
  const lines: Array<{ level: string; obj: Record<string, unknown> }> = []
  const keep = (level: string) => (obj: object) => void lines.push({ level, obj: obj as Record<string, unknown> })
  return { lines, log: { info: keep('info'), warn: keep('warn'), error: keep('error') } }
}

t.test('a file replaced under its name while it is posted is not moved unposted: the new upload is taken next', async (t) => {
  const root = tempDir(t, 'wl-inbox-')
  const server = await startTestServer(t)
  const site = await registerAccessSite(server.api, { tag: 'INBOX-R', regionCode: '310101', bankCode: '103290000017', seed: 631 })
  const month = join(root, site.projectId, MONTH)
  mkdirSync(month, { recursive: true })
  const path = join(month, 'result.txt')
  writeFileSync(path, resultFile(631, 'RA'))
  const real = server.services.payouts
  let replaced = false
  const payouts = {
    post: async (input: Parameters<typeof real.post>[0]) => {
      const r = await real.post(input)
      if (!replaced) {
        replaced = true
        // The bank's next upload under the same name lands (a new file renamed into place) while the first is posted.
        writeFileSync(`${path}.part`, resultFile(631, 'RB'))
        renameSync(`${path}.part`, path)
      }
      return r
    },
  }
  const { lines, log } = keptLog()
  const folder = new PayoutInboxFolder({ root, pollMs: 60_000, settleMs: 0, payouts, log })
  t.teardown(() => folder.stop())
  for (let i = 0; i < 4; i++) await folder.scan()
  t.equal((await storedFiles(server.api, site.projectId)).length, 2, 'both uploads stored')
  // The first upload's bytes are gone from the folder (the bank's rename replaced them); they are stored.
  t.same(files(join(month, 'done')), ['result.txt'])
  t.same(readFileSync(join(month, 'done', 'result.txt')), resultFile(631, 'RB'), 'the second upload moved after it was posted')
  t.ok(lines.some((l) => l.obj.code === 'payout_inbox_file_replaced'), 'the replacement is logged')
})

t.test('files the folder does not take are each named once in a warning, and stay where they are', async (t) => {
  const root = tempDir(t, 'wl-inbox-')
  const server = await startTestServer(t)
  const site = await registerAccessSite(server.api, { tag: 'INBOX-U', regionCode: '310101', bankCode: '103290000017', seed: 632 })
  const project = join(root, site.projectId)
  const month = join(project, MONTH)
  mkdirSync(join(month, 'camt'), { recursive: true })
  mkdirSync(join(project, '202611'))
  mkdirSync(join(month, 'camt', 'deeper'))
  const put = (path: string | Buffer, n: number): void => writeFileSync(path, resultFile(632, `U${n}`))
  put(join(root, 'at-root.txt'), 1)
  put(join(project, 'no-month.txt'), 2)
  put(join(project, '202611', 'bad-month.txt'), 3)
  put(join(month, 'camt', 'deeper', 'too-deep.txt'), 4)
  // 工资.txt with its name in GBK, as a Chinese Windows SFTP client may send it.
  put(Buffer.concat([Buffer.from(`${month}/`), Buffer.from([0xb9, 0xa4, 0xd7, 0xca]), Buffer.from('.txt')]), 5)
  put(join(month, 'done'), 6)
  writeFileSync(join(month, 'camt', 'empty.txt'), '')
  symlinkSync(join(root, 'at-root.txt'), join(month, 'linked.txt'))
  put(join(month, '工资 十月.txt'), 7)
  const { lines, log } = keptLog()
  const folder = new PayoutInboxFolder({ root, pollMs: 60_000, settleMs: 0, payouts: server.services.payouts, log })
  t.teardown(() => folder.stop())
  for (let i = 0; i < 3; i++) await folder.scan()
  const warned = lines.filter((l) => l.obj.code === 'payout_inbox_file_unplaced').map((l) => `${String(l.obj.reason)} ${String(l.obj.path).slice(root.length + 1)}`)
  t.same(
    warned.sort(),
    [
      'empty ' + join(site.projectId, MONTH, 'camt', 'empty.txt'),
      'name_not_utf8 ' + join(site.projectId, MONTH, '\ufffd\ufffd\ufffd\ufffd.txt'),
      'not_a_month ' + join(site.projectId, '202611', 'bad-month.txt'),
      'outside_month_folder ' + join(site.projectId, MONTH, 'camt', 'deeper', 'too-deep.txt'),
      'outside_month_folder ' + join(site.projectId, 'no-month.txt'),
      'outside_month_folder at-root.txt',
      'reserved_name ' + join(site.projectId, MONTH, 'done'),
      'symbolic_link ' + join(site.projectId, MONTH, 'linked.txt'),
    ].sort(),
    'each once over three passes, with its reason',
  )
  t.ok(lines.filter((l) => l.obj.code === 'payout_inbox_file_unplaced').every((l) => typeof l.obj.advice === 'string'), 'each says what to do')
  t.equal(readdirSync(month, { encoding: 'buffer' }).length, 5, 'nothing moved')
  t.equal((await storedFiles(server.api, site.projectId)).length, 0, 'nothing posted: beside a file named done no file could be moved to done/')
  renameSync(join(month, 'done'), join(month, 'done.txt'))
  await folder.scan()
  await folder.scan()
  t.same(files(join(month, 'done')), ['done.txt', '工资 十月.txt'], 'renamed, the folder is taken again, a UTF-8 name with a space included')
  t.equal(lines.filter((l) => l.level === 'error').length, 0, 'without an error')
})
