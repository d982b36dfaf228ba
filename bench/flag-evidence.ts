/**
 * Flag evidence: what one large payout file costs when every line pays one card.
 *
 *   tsx bench/flag-evidence.ts [--db sqlite|postgres] [--lines 50000] [--files 4] [--analyze]
 *
 * A reconciliation flag rests on payout lines; when it listed all of them, a month of 50,000 lines to one card made
 * one flag of megabytes, serialised on every post, stored again by every run and masked again on every read, all on
 * the event loop that also acknowledges punches. This posts --files files of --lines lines into one month, every line
 * to a card no worker owns (UNKNOWN_PAYEE; 4 × 50,000 fills the month to its line limit), then one file into another
 * month to an enrolled worker owed nothing (PAID_WITHOUT_ATTENDANCE), and prints for each post:
 *   - its time (parse, store, reconcile, reply) and the size of its reply;
 *   - the bytes of evidence the run stored (sum over its flags) and the largest flag;
 *   - the time and size of reading the month's flags back;
 * then the time of a manual re-run of the full month, and of pages of the listing the flag links to for all its lines.
 * The service runs in this process on a temp SQLite file (startServer), or with --db postgres on a database of its own
 * on the PostgreSQL server (bench/databases.ts); requests go over real HTTP. With --analyze (PostgreSQL), the payout
 * tables are analysed after each post, as autovacuum would within its naptime: the posts follow one another faster than
 * that, and a table never analysed is planned as if it were empty.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../src/config/env.ts'
import { q } from '../src/db/database.ts'
import { startServer } from '../src/server.ts'
import { Api } from '../simulators/api.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../simulators/site.ts'
import { engineOption, PgDatabases } from './databases.ts'

const { values } = parseArgs({
  options: { db: { type: 'string', default: 'sqlite' }, lines: { type: 'string', default: '50000' }, files: { type: 'string', default: '4' }, analyze: { type: 'boolean', default: false } },
})
const lineCount = Number(values.lines)
const files = Number(values.files)
const HEADER = 'seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason'

const dir = mkdtempSync(join(tmpdir(), 'flag-evidence-'))
const dbs = engineOption(values.db) === 'postgres' ? new PgDatabases() : undefined
const databaseUrl = dbs ? (await dbs.create('flags')).url : `file:${join(dir, 'bench.db')}`
const server = await startServer({ ...loadConfig({}), databaseUrl, httpPort: 0, deviceHttpPort: 0, mqttPort: 0, logLevel: 'warn' }, { logger: false }).catch(async (err: unknown) => {
  await dbs?.dropAll()
  throw err
})
try {
  // Every route needs credentials: the bench acts as the platform operator's key.
  const { key } = await server.services.access.createKey({ name: 'bench admin', role: 'admin' }, 'bench')
  const api = new Api(server.httpUrl, key)
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'FLAG-EVIDENCE', workers: 2, teams: 1, seed: 11 })
  const site = await registerSite(api, { ...plan, devices: [] })
  const worker = plan.workers[0]!
  const db = server.services.db

  const fileOf = (prefix: string, card: string, name: string): Buffer => {
    const rows = [HEADER]
    // Amounts vary so the file is not one repeated line; every value date is before the pay date.
    for (let i = 1; i <= lineCount; i++) rows.push(`${i}|${card}|${name}|${(100 + (i % 900)).toFixed(2)}|success|${prefix}${i}|2026-11-0${1 + (i % 9)}|`)
    return Buffer.from(rows.join('\n'))
  }

  const mb = (bytes: number): string => (bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(2)} MB`)
  const ms = (since: bigint): string => `${(Number(process.hrtime.bigint() - since) / 1e6).toFixed(0)} ms`
  const lastRun = async (): Promise<string> => (await db.get<{ id: string }>(q('SELECT id FROM reconciliation_runs ORDER BY ran_at_ms DESC, id DESC LIMIT 1')))?.id ?? ''
  // Bytes of the evidence as stored (octet_length: PostgreSQL's length() counts characters).
  const bytesOf = db.engine === 'sqlite' ? 'length(CAST(evidence AS BLOB))' : 'octet_length(evidence)'
  const evidenceOf = async (runId: string) =>
    (await db.get<{ n: number; total: number; largest: number }>(
      q(`SELECT count(*) AS n, CAST(coalesce(sum(${bytesOf}), 0) AS BIGINT) AS total, coalesce(max(${bytesOf}), 0) AS largest FROM flags WHERE run_id = ?`, runId),
    )) ?? { n: 0, total: 0, largest: 0 }

  const post = async (label: string, month: string, file: Buffer): Promise<void> => {
    let started = process.hrtime.bigint()
    const res = await api.fetch(`/api/projects/${site.projectId}/payout-files?period=${month}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: file })
    const reply = await res.arrayBuffer()
    const postTime = ms(started)
    if (res.status !== 201) throw new Error(`post answered ${res.status}: ${Buffer.from(reply).toString('utf8').slice(0, 500)}`)
    if (values.analyze && db.engine === 'postgres') for (const table of ['payout_files', 'payout_lines', 'flags']) await db.run(q(`ANALYZE ${table}`))
    const stored = await evidenceOf(await lastRun())
    started = process.hrtime.bigint()
    const read = await api.fetch(`/api/projects/${site.projectId}/flags/${month}`)
    const readBytes = (await read.arrayBuffer()).byteLength
    console.log(`${label} (${mb(file.length)})`)
    console.log(`  post ${postTime}, reply ${mb(reply.byteLength)}; run stored ${stored.n} flags, evidence ${mb(stored.total)}, largest flag ${mb(stored.largest)}; GET flags ${ms(started)}, ${mb(readBytes)}`)
  }

  console.log(`${lineCount} lines a file; every line of a month to one card`)
  for (let f = 1; f <= files; f++) {
    await post(`2026-10 file ${f}/${files}, to a card no worker owns (UNKNOWN_PAYEE), month holds ${f * lineCount} lines`, '2026-10', fileOf(`U${f}-`, '6217999900000000001', '刘老板'))
  }
  await post('2026-11 file 1/1, to an enrolled worker owed nothing (PAID_WITHOUT_ATTENDANCE)', '2026-11', fileOf('W', worker.cardNo, worker.name))
  const started = process.hrtime.bigint()
  const rerun = await api.fetch(`/api/projects/${site.projectId}/reconciliations/2026-10`, { method: 'POST' })
  const rerunBytes = (await rerun.arrayBuffer()).byteLength
  console.log(`manual re-run of 2026-10 (${files * lineCount} lines): ${ms(started)}, reply ${mb(rerunBytes)}`)
  // The way to every line: the paged listing a flag links to. Each page is its own query over the month's lines.
  const flagsBody = (await (await api.fetch(`/api/projects/${site.projectId}/flags/2026-10`)).json()) as {
    flags: Array<{ evidence: { linesTotal?: { href: string; count: number; amountFen: number } } }>
  }
  const total = flagsBody.flags[0]?.evidence.linesTotal
  const href = total?.href
  if (href === undefined) throw new Error('the flag has no link to its lines')
  let next: string | undefined = `${href}&limit=200`
  const pageMs: number[] = []
  for (let page = 0; next !== undefined && page < 20; page++) {
    const t0 = process.hrtime.bigint()
    const res = await api.fetch(next)
    await res.arrayBuffer()
    pageMs.push(Number(process.hrtime.bigint() - t0) / 1e6)
    next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1]
  }
  const sorted = [...pageMs].sort((x, y) => x - y)
  console.log(`the flag's lines, pages of 200 (first ${pageMs.length}): first ${pageMs[0]?.toFixed(0)} ms, median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms`)
  const all = (await db.get<{ total: number; largest: number }>(q(`SELECT CAST(coalesce(sum(${bytesOf}), 0) AS BIGINT) AS total, coalesce(max(${bytesOf}), 0) AS largest FROM flags`))) ?? { total: 0, largest: 0 }
  console.log(`evidence stored by all runs: ${mb(all.total)}`)

  // Checks that the bound lost nothing: the flag still counts and adds up every line of its month.
  const month = (await db.get<{ n: number; fen: number }>(q(`SELECT count(*) AS n, CAST(sum(amount_fen) AS BIGINT) AS fen FROM payout_lines WHERE period = ?`, '2026-10'))) ?? { n: 0, fen: 0 }
  const checks: Array<[string, boolean]> = [
    [`the flag counts every line of the month (${total?.count} = ${month.n})`, total?.count === month.n],
    [`the flag's total is the month's (${total?.amountFen} = ${month.fen} fen)`, total?.amountFen === month.fen],
    [`no stored flag above 16 kB (largest ${mb(all.largest)})`, all.largest <= 16_000],
  ]
  for (const [what, ok] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`)
  if (checks.some(([, ok]) => !ok)) process.exitCode = 1
} finally {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
  await dbs?.dropAll()
}
