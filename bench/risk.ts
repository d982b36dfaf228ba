/**
 * A province's month of early warning (issue 15): two million employers' outside signals imported, then the risk index
 * of 10,000 projects and every employer computed and stored.
 *
 *   tsx bench/risk.ts [--db sqlite|postgres] [--employers 2000000] [--projects 10000] [--file-rows 200000] [--workers 5] [--keep]
 *
 * (or RISK_BENCH_EMPLOYERS, RISK_BENCH_PROJECTS, RISK_BENCH_FILE_ROWS in the environment). A quick check of the bench
 * itself: `npm run bench:risk -- --employers 20000 --projects 100 --file-rows 5000`.
 *
 * Seeds the roster straight into the tables in bulk: --projects projects (one general contractor and one construction
 * unit per ten, one subcontractor's team and --workers workers each, enrolled since September; one project in ten with
 * an open arrears case per worker for October). The roster's organisations are the first employers of the signals; the
 * rest are on no roster. Then:
 *
 * 1. Import: --employers rows (one signal per employer for 2026-11, kinds, sources, severities and amounts in turn) as
 *    department files of --file-rows rows each (at most SIGNAL_ROWS_MAX, what one file may hold), each posted through
 *    SignalImportService.importFile (hash, read, check every row, store in one transaction). Floor: the same files
 *    read and checked only (readSignalFile), in the same run: what storing adds.
 * 2. The run: RiskRunService.run for 2026-11 (the ledger's facts read as the bureau overview reads them, every project
 *    and employer scored, one transaction, multi-row inserts). Floor: the same number of subjects scored in memory
 *    (riskScore of a signal each, the parts as JSON), no database: what reading and writing add.
 *
 * Prints each figure's time, heap at start and peak (bench/measure.ts) and ratio to its floor, and the process's peak
 * RSS, then how long the first page of each ranking takes to read (all, and one district's), once each. Checks: every
 * file stored, every row in employer_signals, the run's counts, one score per subject.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { sql } from 'drizzle-orm'
import { loadConfig } from '../src/config/env.ts'
import { BulkInsert } from '../src/db/rows.ts'
import { enrolments, flagCaseEvents, organisations, projects, teams, workers } from '../src/db/schema/index.ts'
import { newId } from '../src/kernel/ids.ts'
import { fen } from '../src/kernel/money.ts'
import { ManualClock } from '../src/kernel/time.ts'
import { creditCodeCheckChar } from '../src/roster/identity.ts'
import { readSignalFile, SIGNAL_ROWS_MAX } from '../src/risk/outside-signals.ts'
import { RISK_FORMULAS, riskScore, type OutsideKind } from '../src/risk/risk-index.ts'
import { createServices } from '../src/services.ts'
import { cardNumber } from '../simulators/identities.ts'
import { engineOption, PgDatabases } from './databases.ts'
import { fmt, mb, measured, seconds } from './measure.ts'
import { wholeNumberOption } from './options.ts'
import { benchProject } from './seed.ts'

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    employers: { type: 'string', default: process.env.RISK_BENCH_EMPLOYERS ?? '2000000' },
    projects: { type: 'string', default: process.env.RISK_BENCH_PROJECTS ?? '10000' },
    'file-rows': { type: 'string', default: process.env.RISK_BENCH_FILE_ROWS ?? String(SIGNAL_ROWS_MAX) },
    workers: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
})
const employerCount = wholeNumberOption('employers', values.employers)
const projectCount = wholeNumberOption('projects', values.projects)
const fileRows = wholeNumberOption('file-rows', values['file-rows'])
const workersPerProject = wholeNumberOption('workers', values.workers)
if (fileRows > SIGNAL_ROWS_MAX) throw new Error(`--file-rows is at most SIGNAL_ROWS_MAX (${SIGNAL_ROWS_MAX}): a larger file is refused`)
const groups = Math.ceil(projectCount / 10)
const rosterOrgs = 2 * groups + projectCount
if (employerCount < rosterOrgs) throw new Error(`--employers must be at least the roster's ${rosterOrgs} organisations`)

/** 2026-12-03 10:00 in Hangzhou: November has ended. */
const NOW_MS = Date.parse('2026-12-03T02:00:00Z')
const MONTH = '2026-11'

/** The i-th employer's credit code: unique, checksum-valid (GB 32100), in the order of i. */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
function codeOf(i: number): string {
  let body = ''
  for (let n = i, k = 0; k < 9; k++, n = Math.floor(n / ALPHABET.length)) body = ALPHABET[n % ALPHABET.length]! + body
  const first17 = `91330106${body}`
  return first17 + (creditCodeCheckChar(first17) as string)
}

const KINDS: ReadonlyArray<readonly [name: string, source: string, kind: OutsideKind]> = [
  ['欠缴社保', '人社', 'social_insurance_arrears'],
  ['欠税', '税务', 'tax_arrears'],
  ['停电', '供电公司', 'utility_cutoff'],
  ['欠缴水费', '水务', 'utility_arrears'],
  ['涉诉', '法院', 'lawsuit'],
  ['经营异常', '市场监管', 'abnormal_operation'],
  ['停工', '住建', 'work_stoppage'],
]
const amountOf = (i: number): number | null => (i % 3 === 0 ? null : (i % 1_000) * 1_000_00 + 12_34)

function fileOf(from: number, to: number): Buffer {
  const lines = ['统一社会信用代码,单位名称,预警类型,来源部门,所属期,金额,等级']
  for (let i = from; i < to; i++) {
    const [name, source] = KINDS[i % KINDS.length]!
    const amount = amountOf(i)
    lines.push(`${codeOf(i)},基准企业${i},${name},${source},${MONTH},${amount === null ? '' : (amount / 100).toFixed(2)},${1 + (i % 3)}`)
  }
  return Buffer.from(lines.join('\r\n') + '\r\n', 'utf8')
}

const dir = mkdtempSync(join(tmpdir(), 'risk-bench-'))
const dbs = engineOption(values.db) === 'postgres' ? new PgDatabases() : undefined
const pgDatabase = dbs ? await dbs.create('risk') : undefined
const databaseUrl = pgDatabase ? pgDatabase.url : `file:${join(dir, 'bench.db')}`
const services = await createServices({ ...loadConfig({}), databaseUrl, logLevel: 'warn' }, new ManualClock(NOW_MS))
const failures: string[] = []
const check = (ok: boolean, what: string): void => {
  console.log(`  ${ok ? 'ok' : 'FAILED'}  ${what}`)
  if (!ok) failures.push(what)
}
try {
  const db = services.db
  const t0 = performance.now()
  const at = NOW_MS - 400 * 86_400_000
  // The roster's organisations take the first codes: employers 0 … rosterOrgs-1 are on it, the rest on no roster.
  const org = (i: number, kind: 'construction_unit' | 'general_contractor' | 'subcontractor') => ({ id: newId(), kind, name: `基准企业${i}`, creditCode: codeOf(i), createdAtMs: at })
  const gcs = Array.from({ length: groups }, (_, g) => org(g, 'general_contractor'))
  const cus = Array.from({ length: groups }, (_, g) => org(groups + g, 'construction_unit'))
  const subs = Array.from({ length: projectCount }, (_, p) => org(2 * groups + p, 'subcontractor'))
  await new BulkInsert(organisations).run(db, [...gcs, ...cus, ...subs])
  const projectRows = Array.from({ length: projectCount }, (_, i) =>
    benchProject(i, { siteCode: `RK-${String(i + 1).padStart(6, '0')}`, regionCode: `3301${String(1 + (i % 9)).padStart(2, '0')}`, constructionUnitId: cus[Math.floor(i / 10)]!.id, generalContractorId: gcs[Math.floor(i / 10)]!.id, at }),
  )
  const teamRows = projectRows.map((p, i) => ({ id: newId(), projectId: p.id, employerId: subs[i]!.id, name: '钢筋班', createdAtMs: at }))
  await new BulkInsert(projects).run(db, projectRows)
  await new BulkInsert(teams).run(db, teamRows)
  const events: Array<typeof flagCaseEvents.$inferSelect> = []
  const workerRows: Array<typeof workers.$inferInsert> = []
  const enrolmentRows: Array<typeof enrolments.$inferInsert> = []
  for (let p = 0; p < projectCount; p++) {
    for (let k = 0; k < workersPerProject; k++) {
      const n = p * workersPerProject + k
      const w = { id: newId(), name: `工人${n}`, idType: 'resident_id' as const, idNumber: `3301061980${String(n).padStart(8, '0')}`, gender: 'male' as const, birthDate: '1980-01-01', bankName: '中国农业银行', cardNo: cardNumber(n + 1), createdAtMs: at }
      workerRows.push(w)
      enrolmentRows.push({ id: newId(), projectId: projectRows[p]!.id, workerId: w.id, teamId: teamRows[p]!.id, deviceUserId: `U${k + 1}`, dailyRateFen: 350_00, contractNo: `HT-${k}`, safetyTrained: true, entryDate: '2026-09-01', exitDate: null, createdAtMs: at })
      if (p % 10 !== 3) continue
      const caseKey = `UNPAID|${w.id}|2026-10|${projectRows[p]!.id}`
      const atMs = Date.parse('2026-11-11T02:00:00Z')
      const body = { type: 'opened', caseKey, atMs, runId: 'bench', kind: 'UNPAID', projectId: projectRows[p]!.id, month: '2026-10', workerId: w.id, payeeCard: null, scope: null, evidence: {}, flagKind: 'UNPAID', dueFen: 7_000_00, paidFen: 0 }
      events.push({ id: newId(), projectId: projectRows[p]!.id, month: '2026-10', caseKey, caseId: newId().replaceAll('-', ''), seq: 1, type: 'opened', runId: 'bench', actor: null, body: JSON.stringify(body), atMs })
    }
  }
  await new BulkInsert(workers).run(db, workerRows)
  await new BulkInsert(enrolments).run(db, enrolmentRows)
  await new BulkInsert(flagCaseEvents).run(db, events)
  if (db.engine === 'postgres') await db.run(sql`ANALYZE`)
  console.log(`risk bench on ${db.engine}: ${fmt(projectCount)} projects, ${fmt(rosterOrgs)} organisations on the roster, ${fmt(employerCount)} employers' signals in files of ${fmt(fileRows)} rows`)
  console.log(`  seeded the roster in ${seconds(performance.now() - t0)} s`)

  // 1. The import, file by file; each file is made before its measure (the department's export is not ours).
  const files = Math.ceil(employerCount / fileRows)
  let importMs = 0
  let readMs = 0
  let importPeak = 0
  let readPeak = 0
  let importStart = Infinity
  let stored = 0
  for (let f = 0; f < files; f++) {
    const bytes = fileOf(f * fileRows, Math.min(employerCount, (f + 1) * fileRows))
    const floor = await measured(() => readSignalFile(bytes))
    readMs += floor.ms
    readPeak = Math.max(readPeak, floor.heapPeak - floor.heapStart)
    const m = await measured(() => services.signals.importFile({ bytes, filename: `bench-${f + 1}.csv`, actor: 'bench', reason: null }))
    importMs += m.ms
    importStart = Math.min(importStart, m.heapStart)
    importPeak = Math.max(importPeak, m.heapPeak - m.heapStart)
    if (m.value.outcome === 'signal_import_stored') stored++
  }
  console.log(`\nimport: ${fmt(employerCount)} rows in ${files} files`)
  console.log(`  stored in ${seconds(importMs)} s (${fmt(employerCount / (importMs / 1000))} rows/s); heap above start, peak ${mb(importPeak)}`)
  console.log(`  floor (read and checked only): ${seconds(readMs)} s; heap peak ${mb(readPeak)}`)
  console.log(`  ratio: ${(importMs / readMs).toFixed(2)}`)

  // 2. The run, and its floor: as many subjects scored in memory.
  const formula = RISK_FORMULAS[0]!
  const subjects = projectCount + employerCount
  const floor = await measured(async () => {
    let bytes = 0
    for (let i = 0; i < subjects; i++) {
      const [, source, kind] = KINDS[i % KINDS.length]!
      const amount = amountOf(i)
      const s = riskScore([{ kind: 'outside', signal: kind, severity: (1 + (i % 3)) as 1 | 2 | 3, amountFen: amount === null ? null : fen(amount), source, period: MONTH }], formula)
      bytes += JSON.stringify(s.parts).length
    }
    return bytes
  })
  const run = await measured(() => services.riskRuns.run(MONTH, 'bench'))
  console.log(`\nrun: ${fmt(projectCount)} projects and ${fmt(run.value?.employerCount ?? 0)} employers scored and stored`)
  console.log(`  ${seconds(run.ms)} s (${fmt(subjects / (run.ms / 1000))} subjects/s); heap at start ${mb(run.heapStart)}, peak ${mb(run.heapPeak)}`)
  console.log(`  floor (the same number of subjects scored in memory): ${seconds(floor.ms)} s; heap peak ${mb(floor.heapPeak)}`)
  console.log(`  ratio: ${(run.ms / floor.ms).toFixed(2)}`)
  // 3. Reading it: the first page of each ranking (the bureau's pages ask for these), all and for one district.
  const district = services.access.projectCondition({ role: 'auditor', regionCode: '330102' } as never)
  const read = async (what: string, f: () => Promise<unknown>): Promise<void> => {
    const s0 = performance.now()
    await f()
    console.log(`  ${what}: ${(performance.now() - s0).toFixed(1)} ms`)
  }
  const reads = async (): Promise<void> => {
    await read('projects ranked, all', () => services.riskRuns.ranked({ month: MONTH, kind: 'project', within: undefined, limit: 101 }))
    await read('employers ranked, all', () => services.riskRuns.ranked({ month: MONTH, kind: 'employer', within: undefined, limit: 101 }))
    await read('projects ranked, one district (330102)', () => services.riskRuns.ranked({ month: MONTH, kind: 'project', within: district, limit: 101 }))
    await read('employers ranked, one district (330102)', () => services.riskRuns.ranked({ month: MONTH, kind: 'employer', within: district, limit: 101 }))
    await read("one project's history", () => services.riskRuns.projectHistory(projectRows[3]!.id))
  }
  console.log('\nreads right after the run (first page of 100, once each):')
  await reads()
  if (db.engine === 'postgres') {
    // Two million new rows leave the planner's statistics behind until autovacuum's ANALYZE comes round.
    await db.run(sql`ANALYZE risk_scores`)
    console.log('reads after ANALYZE risk_scores:')
    await reads()
  }

  console.log(`\nprocess peak RSS: ${mb(process.resourceUsage().maxRSS * 1024)}`)

  console.log('\nchecks:')
  check(stored === files, `every file stored (${stored} of ${files})`)
  const n = async (text: string): Promise<number> => Number((await db.get<{ n: unknown }>({ text, params: [] }))?.n)
  check((await n('SELECT COUNT(*) AS "n" FROM employer_signals')) === employerCount, `every row in employer_signals (${fmt(employerCount)})`)
  check(run.value?.projectCount === projectCount, `the run scored ${fmt(projectCount)} projects`)
  check(run.value?.employerCount === employerCount, `the run scored ${fmt(employerCount)} employers (the roster's and those on no roster)`)
  check((await n('SELECT COUNT(*) AS "n" FROM risk_scores')) === subjects, `one score per subject (${fmt(subjects)})`)
  const top = await services.riskRuns.ranked({ month: MONTH, kind: 'project', within: undefined, limit: 1 })
  check(top.scores[0] !== undefined && top.scores[0].parts.some((p) => p.part === 'outside') && top.scores[0].parts.some((p) => p.part === 'arrears'), 'the top project carries its arrears and its employers\' signals')
} finally {
  await services.close()
  if (values.keep) {
    if (pgDatabase) dbs?.keep(pgDatabase.name)
    console.log(`kept: ${pgDatabase ? pgDatabase.name : dir}`)
  } else rmSync(dir, { recursive: true, force: true })
  await dbs?.dropAll()
}
if (failures.length > 0) process.exitCode = 1
