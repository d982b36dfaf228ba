/**
 * A flag's lines in full, over the real service (the run's database engine, HTTP): a flag shows its first lines and points to the
 * month's paged payout-line listing, whose pages, walked from the flag's link, hold exactly the lines the flag counts,
 * in the order it shows them, cards masked. The listing's filters (card, worker, flag, status) and its refusals.
 */
import t from 'tap'
import { LIMITS } from '../../src/config/limits.ts'
import type { Api } from '../../simulators/api.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

const HEADER = 'seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason'
const BOSS_CARD = '6217999900000000001'
const MONTH = '2026-10'

interface Line {
  id: string
  fileId: string
  lineNo: number
  payeeCardMasked: string
  amountFen: number
  status: string
  valueDate: string
}
interface LinesTotal {
  count: number
  amountFen: number
  shown: number
  status: string
  href: string
}
interface FlagJson {
  id: string
  kind: string
  workerId: string | null
  paidFen: number | null
  evidence: { lines?: Array<{ lineId: string }>; linesTotal?: LinesTotal; failedLines?: Array<{ lineId: string }>; failedLinesTotal?: LinesTotal }
}

/** Walks a listing page by page through `Link: rel="next"`, keeping each page's size. */
async function walk(api: Api, path: string): Promise<{ rows: Line[]; pages: number[]; bodies: string[] }> {
  const rows: Line[] = []
  const pages: number[] = []
  const bodies: string[] = []
  for (let next: string | undefined = path; next !== undefined; ) {
    const res = await api.fetch(next)
    const text = await res.text()
    if (!res.ok) throw new Error(`${next}: HTTP ${res.status} ${text}`)
    const page = JSON.parse(text) as Line[]
    rows.push(...page)
    pages.push(page.length)
    bodies.push(text)
    next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1]
  }
  return { rows, pages, bodies }
}

t.test("a flag's lines: shown first, counted in full, listed page by page", async (t) => {
  const server = await startTestServer(t)
  const { api } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'LINES-1', workers: 2, teams: 1, seed: 401 })
  const site = await registerSite(api, { ...plan, devices: [] })
  const [a, b] = [plan.workers[0]!, plan.workers[1]!]
  const workerA = site.workerIds.get(a.key)!
  const P = `/api/projects/${site.projectId}`

  // Two files: 45 payments to a card no worker owns, 30 to worker A (on the roster, no attendance: PAID_TO_NON_WORKER) and 3 failed to
  // worker B, value dates running against file order so money order is not the order the lines were posted in.
  const rows = (from: number, n: number, card: string, name: string, status = 'success', ref = 'R'): string[] =>
    Array.from({ length: n }, (_, i) => `${from + i}|${card}|${name}|${(100 + i).toFixed(2)}|${status}|${ref}${from + i}|2026-11-${String(28 - (i % 20)).padStart(2, '0')}|${status === 'failed' ? '账户冻结' : ''}`)
  const file1 = [HEADER, ...rows(1, 25, BOSS_CARD, '刘老板'), ...rows(26, 30, a.cardNo, a.name), ...rows(56, 3, b.cardNo, b.name, 'failed')].join('\n')
  const file2 = [HEADER, ...rows(1, 20, BOSS_CARD, '刘老板', 'success', 'S')].join('\n')
  await api.request('POST', `${P}/payout-files?period=${MONTH}&filename=1.txt`, Buffer.from(file1), 'text/plain')
  await api.request('POST', `${P}/payout-files?period=${MONTH}&filename=2.txt`, Buffer.from(file2), 'text/plain')

  const { flags } = await api.get<{ flags: FlagJson[] }>(`${P}/flags/${MONTH}`)
  const unknown = flags.find((f) => f.kind === 'UNKNOWN_PAYEE')
  const unearned = flags.find((f) => f.kind === 'PAID_TO_NON_WORKER')
  t.ok(unknown && unearned)
  t.match(unknown?.evidence.linesTotal, { count: 45, shown: LIMITS.flag_evidence_lines_max, status: 'success' })
  t.equal(unknown?.evidence.lines?.length, LIMITS.flag_evidence_lines_max)
  t.match(unearned?.evidence.linesTotal, { count: 30, shown: LIMITS.flag_evidence_lines_max, status: 'success' })

  for (const f of [unknown!, unearned!]) {
    const total = f.evidence.linesTotal!
    t.match(total.href, new RegExp(`^${P}/payouts/${MONTH}/lines\\?flagId=${f.id}&status=success$`), `${f.kind} points to its lines by flag id`)
    const walked = await walk(server.api, `${total.href}&limit=7`)
    t.ok(walked.pages.every((n) => n <= 7))
    t.ok(walked.pages.at(-1)! > 0, 'no empty page at the end')
    t.equal(walked.rows.length, total.count, `${f.kind}: every line the flag counts, once`)
    t.equal(new Set(walked.rows.map((l) => l.id)).size, total.count)
    t.equal(
      walked.rows.reduce((s, l) => s + l.amountFen, 0),
      total.amountFen,
      `${f.kind}: they add up to the flag's total`,
    )
    t.equal(total.amountFen, f.paidFen)
    t.same(
      walked.rows.slice(0, total.shown).map((l) => l.id),
      f.evidence.lines?.map((l) => l.lineId),
      `${f.kind}: the listing begins with the lines the flag shows`,
    )
    const bodies = walked.bodies.join('')
    t.ok(!bodies.includes(BOSS_CARD) && !bodies.includes(a.cardNo), 'no full card number in any page')
  }

  const byWorker = await walk(server.api, `${P}/payouts/${MONTH}/lines?workerId=${workerA}&limit=200`)
  t.equal(byWorker.rows.length, 30, "a worker's lines")
  t.ok(byWorker.rows.every((l) => l.payeeCardMasked === `****${a.cardNo.slice(-4)}`))
  const byCard = await walk(server.api, `${P}/payouts/${MONTH}/lines?card=${BOSS_CARD}`)
  t.equal(byCard.rows.length, 45, "a card's lines over both files")
  t.same(new Set(byCard.rows.map((l) => l.fileId)).size, 2)
  const failed = await walk(server.api, `${P}/payouts/${MONTH}/lines?status=failed`)
  t.same(
    failed.rows.map((l) => l.status),
    ['failed', 'failed', 'failed'],
  )
  const all = await walk(server.api, `${P}/payouts/${MONTH}/lines?limit=${LIMITS.page_size_max}`)
  t.equal(all.rows.length, 78, "every line of the month, over both files, in one page of the maximum")
  const key = (l: Line): string => `${l.valueDate}|${l.fileId}|${String(l.lineNo).padStart(6, '0')}|${l.id}`
  t.same(
    all.rows.map(key),
    all.rows.map(key).sort(),
    'in money order: value date, file, line',
  )
  t.same(await api.get(`${P}/payouts/2026-09/lines`), [], 'a month without files lists nothing')

  t.match(await failure(api.get(`${P}/payouts/${MONTH}/lines?card=${BOSS_CARD}&workerId=${workerA}`)), { status: 400, code: 'validation_failed' }, 'one filter at a time')
  t.match(await failure(api.get(`${P}/payouts/${MONTH}/lines?limit=${LIMITS.page_size_max + 1}`)), { status: 400, code: 'validation_failed' }, 'no page above the maximum')
  t.match(await failure(api.get(`${P}/payouts/${MONTH}/lines?after=bm90LWEtY3Vyc29y`)), { status: 400, code: 'validation_failed' }, 'a cursor this listing did not give')
  t.match(await failure(api.get(`${P}/payouts/${MONTH}/lines?card=6217-9999`)), { status: 400, code: 'validation_failed' }, 'a card is its digits')
  t.match(await failure(api.get(`${P}/payouts/${MONTH}/lines?flagId=nope`)), { status: 404, code: 'flag_not_found' })
  t.match(await failure(api.get(`${P}/payouts/2026-11/lines?flagId=${unknown!.id}`)), { status: 404, code: 'flag_not_found' }, "a flag is found only under its own month")
  t.match(await failure(api.get(`${P}/payouts/${MONTH}/lines?workerId=nobody`)), { status: 404, code: 'worker_not_found' })
  t.match(await failure(api.get(`/api/projects/nope/payouts/${MONTH}/lines`)), { status: 404, code: 'project_not_found' })
})

t.test('flags are paged: a flag a line to strangers, replies carry one page and the way on', async (t) => {
  const server = await startTestServer(t)
  const { api } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'LINES-2', workers: 1, teams: 1, seed: 402 })
  const site = await registerSite(api, { ...plan, devices: [] })
  const P = `/api/projects/${site.projectId}`
  // A failed payment to a card no worker owns is a FAILED flag of its own, so a file of such lines is a flag a line.
  const flagged = LIMITS.page_size_max + 50
  const file = [HEADER, ...Array.from({ length: flagged }, (_, i) => `${i + 1}|62179999${String(i).padStart(11, '0')}|某人|10.00|failed|F${i}|2026-11-05|账户冻结`)].join('\n')
  type Reconciliation = { run: { id: string; flagCount: number }; flags: Array<{ id: string; kind: string }>; next: string | null }
  const posted = await api.request<{ reconciliation: Reconciliation }>('POST', `${P}/payout-files?period=${MONTH}`, Buffer.from(file), 'text/plain')
  t.equal(posted.reconciliation.run.flagCount, flagged)
  t.equal(posted.reconciliation.flags.length, LIMITS.page_size_max, "the post's reply carries the first page")
  t.equal(posted.reconciliation.next, posted.reconciliation.flags.at(-1)?.id, 'and where the next begins')
  const again = await api.request<{ outcome: string; reconciliation: Reconciliation }>('POST', `${P}/payout-files?period=${MONTH}`, Buffer.from(file), 'text/plain')
  t.equal(again.outcome, 'payout_file_exists')
  t.same(
    again.reconciliation.flags.map((f) => f.id),
    posted.reconciliation.flags.map((f) => f.id),
    'a repeated post answers the same page',
  )

  const pages: Reconciliation[] = []
  for (let next: string | undefined = `${P}/flags/${MONTH}?limit=100`; next !== undefined; ) {
    const res = await api.fetch(next)
    pages.push((await res.json()) as Reconciliation)
    next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1]
  }
  t.same(
    pages.map((p) => p.flags.length),
    [100, 100, 50],
  )
  t.same(
    pages.map((p) => p.next === null),
    [false, false, true],
  )
  const walked = pages.flatMap((p) => p.flags.map((f) => f.id))
  t.equal(new Set(walked).size, flagged, 'every flag of the run once')
  t.same(walked.slice(0, LIMITS.page_size_max), posted.reconciliation.flags.map((f) => f.id), 'in the order the post showed them')

  const rerun = await api.request<Reconciliation>('POST', `${P}/reconciliations/${MONTH}`)
  t.equal(rerun.flags.length, LIMITS.page_size_max, 'a manual run answers a page too')
  t.match(await failure(api.get(`${P}/flags/${MONTH}?after=${pages[0]!.next}`)), { status: 400, code: 'cursor_not_found' }, "a cursor of an older run: the walk starts again")
  t.match(await failure(api.get(`${P}/flags/${MONTH}?limit=${LIMITS.page_size_max + 1}`)), { status: 400, code: 'validation_failed' })
  t.same(await api.get(`${P}/flags/2026-09`), { run: null, flags: [], next: null }, 'a month never reconciled')
})

t.test("files and a file's lines are paged too", async (t) => {
  const server = await startTestServer(t)
  const { api } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'LINES-3', workers: 1, teams: 1, seed: 403 })
  const site = await registerSite(api, { ...plan, devices: [] })
  const other = await registerSite(api, { ...planSite({ ...DEFAULT_SITE, siteCode: 'LINES-4', workers: 1, teams: 1, seed: 404 }), devices: [] })
  const w = plan.workers[0]!
  const P = `/api/projects/${site.projectId}`
  const fileOf = (prefix: string, n: number): Buffer =>
    Buffer.from([HEADER, ...Array.from({ length: n }, (_, i) => `${i + 1}|${w.cardNo}|${w.name}|1.00|success|${prefix}${i}|2026-11-05|`)].join('\n'))
  const posted: string[] = []
  for (const [i, n] of [250, 1, 1].entries()) {
    posted.push((await api.request<{ file: { id: string } }>('POST', `${P}/payout-files?period=${MONTH}`, fileOf(`P${i}-`, n), 'text/plain')).file.id)
  }
  const files = await walk(server.api, `${P}/payout-files?limit=2`)
  t.same(files.pages, [2, 1])
  t.same(
    files.rows.map((f) => f.id),
    posted,
    'in the order posted',
  )
  const lines = await walk(server.api, `${P}/payout-files/${posted[0]}/lines?limit=100`)
  t.same(lines.pages, [100, 100, 50])
  t.same(
    lines.rows.map((l) => l.lineNo),
    Array.from({ length: 250 }, (_, i) => i + 2),
    'every line once, in file order (line 1 is the header)',
  )
  t.match(await failure(api.get(`${P}/payout-files/nope/lines`)), { status: 404, code: 'payout_file_not_found' })
  t.match(await failure(api.get(`/api/projects/${other.projectId}/payout-files/${posted[0]}/lines`)), { status: 404, code: 'payout_file_not_found' }, "not through another project")
  t.match(await failure(api.get(`${P}/payout-files?after=nonsense`)), { status: 400, code: 'validation_failed' })
})
