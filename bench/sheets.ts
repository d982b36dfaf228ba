/**
 * Payroll sheet benchmark (issue 10's figure): "a 100,000-worker month: sheets made in ≤ 2× the time to read that
 * month's timesheets".
 *
 *   tsx bench/sheets.ts [--db sqlite|postgres] [--workers 100000] [--teams 20] [--runs 1]
 *
 * Setup (not timed): a project in a temporary SQLite file, or with --db postgres a database of its own on the
 * PostgreSQL server (bench/databases.ts), --workers enrolled workers in --teams teams, and their October 2026 in
 * Asia/Shanghai: four gate punches (in 07:00, out 12:00, in 13:00, out 17:30, a few minutes' spread) on about 26 of
 * the 31 days, so 100 punches or so per worker as in bench/timesheet.ts (10 million at the full size), and nothing
 * to review. Every team's month is then confirmed by the timesheet service (confirmByManager: the frozen snapshot a
 * sheet is made from). The clock is 2026-11-03, after the month's end.
 *
 * Floor: the month's timesheets read, TimesheetService.projectMonth — every worker's line of the month, read frozen
 * from the teams' confirmed snapshots, with the adjustments — on a service just opened (no snapshot parsed yet).
 *
 * Measure: PayrollSheetService.makeAll, every team's sheet of the month (the labour manager's one step at month end),
 * on another service just opened: team by team it reads the confirmed month and the pay inputs, prices every
 * worker's line (pay-line.ts, sheet-rules.ts; no wage terms are recorded, so each worker is paid at the enrolment's
 * daily rate) and checks the minimum wage; then it stores every sheet and its lines in one transaction. What was
 * stored is read back after the measure (not timed) for the checks.
 *
 * With --runs N, both are measured N times, alternately first; between runs the sheets made are withdrawn (not
 * timed), so the next run makes the next version. Medians are reported.
 *
 * The generator is this file's own: bench/timesheet.ts runs its benchmark when imported and exports nothing, so its
 * loader could not be reused; what is copied from it is the minimum (the roster rows in multi-row INSERTs, punches
 * through bulkLoadPunches and bulkSettings of bench/databases.ts), and the punches are simpler (no missing or repeated
 * punches, no face terminals, no night shifts): a sheet is made from a confirmed month, which has none to review.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../src/config/env.ts'
import { q, type Database, type Executor } from '../src/db/database.ts'
import { insertInto } from '../src/db/rows.ts'
import { enrolments, workers as workersTable } from '../src/db/schema/index.ts'
import { newId } from '../src/kernel/ids.ts'
import { ManualClock, type WorkDate } from '../src/kernel/time.ts'
import { createServices, type Services } from '../src/services.ts'
import { creditCode, idNumber, personName } from '../simulators/identities.ts'
import { Rng } from '../simulators/random.ts'
import { bulkLoadPunches, bulkSettings, engineOption, PgDatabases } from './databases.ts'
import { fmt, HEAP_SAMPLE_MS, mb, measured, seconds, type Measure } from './measure.ts'
import { wholeNumberOption } from './options.ts'

const AIM_FLOOR_RATIO = 2
const MONTH = '2026-10'
const DAYS = 31
const TIME_ZONE = 'Asia/Shanghai'
const OFFSET_MS = 8 * 3_600_000
const SITE_CODE = 'BENCH-SHEETS-01'
const GATES = 8
/** The service's clock: after the month's end (a month is confirmed only then), before its pay day. */
const NOW_MS = Date.UTC(2026, 10, 3, 2, 0, 0)
/** Workers and enrolments per statement (insertInto, ≤ 500 rows a statement as everywhere). */
const ROSTER_STATEMENT_ROWS = 500
/** Punches per statement (12 parameters each) and per transaction. */
const PUNCH_STATEMENT_ROWS = 500
const PUNCH_TRANSACTION_ROWS = 200_000
/** Minutes after local midnight, and the direction the gate records. */
const SLOTS: ReadonlyArray<{ at: number; dir: 'in' | 'out' }> = [
  { at: 7 * 60, dir: 'in' },
  { at: 12 * 60, dir: 'out' },
  { at: 13 * 60, dir: 'in' },
  { at: 17 * 60 + 30, dir: 'out' },
]

function options() {
  const { values } = parseArgs({
    options: {
      db: { type: 'string', default: 'sqlite' },
      workers: { type: 'string', default: '100000' },
      teams: { type: 'string', default: '20' },
      runs: { type: 'string', default: '1' },
    },
    strict: true,
  })
  const workers = wholeNumberOption('workers', values.workers, 1)
  const teams = wholeNumberOption('teams', values.teams, 1)
  if (teams > workers) throw new Error(`--teams ${teams} is more than --workers ${workers}`)
  return { db: engineOption(values.db), workers, teams, runs: wholeNumberOption('runs', values.runs, 1) }
}

type Options = ReturnType<typeof options>

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
const dateOf = (day: number): WorkDate => `${MONTH}-${String(day + 1).padStart(2, '0')}`
/** Whether worker w works day d of the month: about 26 days in 31, spread differently per worker. */
const works = (w: number, d: number): boolean => (w + d) % 6 !== 0

const open = (url: string): Promise<Services> => createServices({ ...loadConfig({}), databaseUrl: url, logLevel: 'warn' }, new ManualClock(NOW_MS))

// ---------------------------------------------------------------- setup

async function generate(url: string, opt: Options): Promise<{ projectId: string; teamIds: string[]; punches: number; confirmMs: number }> {
  const services = await open(url)
  try {
    const { roster, db } = services
    const rng = new Rng(20261103)
    const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '基准建设单位', creditCode: creditCode(rng) })
    const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '基准总承包', creditCode: creditCode(rng) })
    const subs = []
    for (let i = 0; i < 4; i++) subs.push(await roster.createOrganisation({ kind: 'subcontractor', name: `基准劳务分包${i + 1}`, creditCode: creditCode(rng) }))
    const project = await roster.createProject({
      siteCode: SITE_CODE,
      name: '基准工资表工程',
      regionCode: '330106',
      timeZone: TIME_ZONE,
      payDay: 10,
      constructionUnitId: cu.id,
      generalContractorId: gc.id,
      account: { bank: '中国农业银行', no: '19045101040077777', name: '基准工资表工程农民工工资专用账户' },
    })
    const teamIds: string[] = []
    for (let i = 0; i < opt.teams; i++) teamIds.push((await roster.createTeam(project.id, { name: `班组${String(i + 1).padStart(3, '0')}`, employerId: subs[i % subs.length]!.id })).id)
    const installedAt = new Date(Date.UTC(2026, 0, 5)).toISOString()
    const gates: string[] = []
    for (let d = 0; d < GATES; d++) gates.push((await roster.createDevice(project.id, { serial: `SH-GT-${String(d + 1).padStart(3, '0')}`, model: 'gate-ts200', settings: { lanes: { '1': 'in', '2': 'out' } }, installedAt })).id)

    // The roster: checksum-valid unique ID numbers, as bench/timesheet.ts makes them.
    const workerIds: string[] = []
    const enrolmentIds: string[] = []
    const workerRows: Array<typeof workersTable.$inferInsert> = []
    const enrolmentRows: Array<typeof enrolments.$inferInsert> = []
    const seen = new Set<string>()
    for (let i = 0; workerIds.length < opt.workers; i++) {
      const id = idNumber(rng, i + 1)
      if (seen.has(id)) continue
      seen.add(id)
      const n = workerIds.length
      const workerId = newId()
      const enrolmentId = newId()
      const createdAtMs = Date.UTC(2026, 7, 1) + n
      workerRows.push({
        id: workerId,
        name: personName(rng),
        idType: 'resident_id',
        idNumber: id,
        gender: Number(id[16]) % 2 === 1 ? 'male' : 'female',
        birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
        bankName: '中国农业银行',
        cardNo: `6217000${String(n + 1).padStart(12, '0')}`,
        createdAtMs,
      })
      enrolmentRows.push({
        id: enrolmentId,
        projectId: project.id,
        workerId,
        teamId: teamIds[n % opt.teams]!,
        deviceUserId: `U${n + 1}`,
        dailyRateFen: 30_000 + 500 * (n % 20),
        safetyTrained: true,
        entryDate: '2026-09-01',
        createdAtMs,
      })
      workerIds.push(workerId)
      enrolmentIds.push(enrolmentId)
    }
    await db.tx(async (tx) => {
      for (let i = 0; i < workerRows.length; i += ROSTER_STATEMENT_ROWS) await tx.run(insertInto(workersTable, workerRows.slice(i, i + ROSTER_STATEMENT_ROWS)))
      for (let i = 0; i < enrolmentRows.length; i += ROSTER_STATEMENT_ROWS) await tx.run(insertInto(enrolments, enrolmentRows.slice(i, i + ROSTER_STATEMENT_ROWS)))
    })
    const punches = await bulkLoadPunches(db, () => insertPunches(db, project.id, gates, workerIds, enrolmentIds, rng))

    const started = performance.now()
    for (const teamId of teamIds) await services.timesheets.confirmByManager(project.id, teamId, MONTH, '基准劳资员', null)
    return { projectId: project.id, teamIds, punches, confirmMs: performance.now() - started }
  } finally {
    await services.close()
  }
}

/** The month's punches, one day at a time in time order (as they arrive), in multi-row INSERTs. */
async function insertPunches(db: Database, projectId: string, gates: string[], workerIds: string[], enrolmentIds: string[], rng: Rng): Promise<number> {
  const textOf = (n: number): string =>
    `INSERT INTO punches (project_id, device_id, record_id, worker_id, enrolment_id, device_time_ms, received_at_ms, work_date, direction, verify_method, channel, clock_suspect)
     VALUES ${Array(n).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`
  const full = textOf(PUNCH_STATEMENT_ROWS)
  const insert = (tx: Executor, params: unknown[]): Promise<unknown> => tx.run(q(params.length === PUNCH_STATEMENT_ROWS * 12 ? full : textOf(params.length / 12), ...params))
  const seq = new Array<number>(gates.length).fill(0)
  let rows = 0
  let params: unknown[] = []
  const flush = async (): Promise<void> => {
    const batch = params
    params = []
    await db.tx(async (tx) => {
      await bulkSettings(tx)
      for (let i = 0; i < batch.length; i += PUNCH_STATEMENT_ROWS * 12) await insert(tx, batch.slice(i, i + PUNCH_STATEMENT_ROWS * 12))
    })
  }
  for (let d = 0; d < DAYS; d++) {
    const midnight = Date.UTC(2026, 9, d + 1) - OFFSET_MS
    const workDate = dateOf(d)
    for (const slot of SLOTS) {
      for (let w = 0; w < workerIds.length; w++) {
        if (!works(w, d)) continue
        const g = w % GATES
        const ms = midnight + (slot.at + rng.int(-5, 5)) * 60_000 + rng.int(0, 59) * 1000
        params.push(projectId, gates[g], String(++seq[g]!), workerIds[w], enrolmentIds[w], ms, ms + rng.int(300, 4_000), workDate, slot.dir, 'card', 'gate', null)
        rows++
        if (params.length >= PUNCH_TRANSACTION_ROWS * 12) await flush()
      }
    }
  }
  if (params.length > 0) await flush()
  return rows
}

// ---------------------------------------------------------------- measures




interface Floor extends Measure {
  lines: number
  creditHalves: number
}

async function floor(url: string, projectId: string): Promise<Floor> {
  const services = await open(url)
  try {
    const m = await measured(() => services.timesheets.projectMonth(projectId, MONTH))
    let creditHalves = 0
    for (const line of m.value.values()) creditHalves += line.month.creditHalves
    return { ms: m.ms, heapStart: m.heapStart, heapPeak: m.heapPeak, lines: m.value.size, creditHalves }
  } finally {
    await services.close()
  }
}

interface Made extends Measure {
  sheets: number
  lines: number
  creditHalves: number
  netFen: number
}

async function makeSheets(url: string, projectId: string, teamIds: readonly string[]): Promise<Made> {
  const services = await open(url)
  try {
    const m = await measured(() => services.sheets.makeAll(projectId, MONTH, 'bench', 'benchmark'))
    // Checked from what was stored (not timed): every team's sheet, its lines and days.
    const out = { sheets: 0, lines: 0, creditHalves: 0, netFen: 0 }
    for (const r of m.value) {
      if (!r.sheet) throw new Error(`team ${r.teamId} skipped: ${r.skipped?.code}`)
      const v = await services.sheets.view(projectId, r.teamId, MONTH)
      out.sheets++
      out.lines += v.lines.length
      out.netFen += v.sheet.netFen
      for (const l of v.lines) out.creditHalves += l.row.dayHalves
    }
    if (out.sheets !== teamIds.length) throw new Error(`${out.sheets} sheets made for ${teamIds.length} teams`)
    return { ms: m.ms, heapStart: m.heapStart, heapPeak: m.heapPeak, ...out }
  } finally {
    await services.close()
  }
}

/** Withdraws the sheets just made (not timed), so the next run makes the next version. */
async function withdrawAll(url: string, projectId: string, teamIds: readonly string[]): Promise<void> {
  const services = await open(url)
  try {
    for (const teamId of teamIds) await services.sheets.act(projectId, teamId, MONTH, 'withdraw', 'bench', 'next benchmark run')
  } finally {
    await services.close()
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const opt = options()
  const pg = opt.db === 'postgres' ? new PgDatabases() : undefined
  const dir = pg ? undefined : mkdtempSync(join(tmpdir(), 'wage-ledger-sheets-'))
  const url = pg ? (await pg.create('sheets')).url : `file:${join(dir!, 'sheets.db')}`
  let failed = false
  try {
    const started = performance.now()
    const setup = await generate(url, opt)
    console.log(
      `setup: ${fmt(opt.workers)} workers in ${opt.teams} teams, ${fmt(setup.punches)} punches, every team's ${MONTH} confirmed, in ${seconds(performance.now() - started)} s (confirmations ${seconds(setup.confirmMs)} s)`,
    )
    const floors: Floor[] = []
    const mades: Made[] = []
    for (let r = 1; r <= opt.runs; r++) {
      if (r > 1) await withdrawAll(url, setup.projectId, setup.teamIds)
      // Alternate which goes first, so neither always meets a warmer page cache.
      if (r % 2 === 1) {
        floors.push(await floor(url, setup.projectId))
        mades.push(await makeSheets(url, setup.projectId, setup.teamIds))
      } else {
        mades.push(await makeSheets(url, setup.projectId, setup.teamIds))
        floors.push(await floor(url, setup.projectId))
      }
      const f = floors.at(-1)!
      const m = mades.at(-1)!
      if (opt.runs > 1) console.log(`run ${r}: sheets ${seconds(m.ms)} s, floor ${seconds(f.ms)} s, ratio ${(m.ms / f.ms).toFixed(2)}`)
    }
    const f0 = floors[0]!
    const m0 = mades[0]!
    const floorMs = median(floors.map((f) => f.ms))
    const makeMs = median(mades.map((m) => m.ms))
    const ratio = median(mades.map((m, i) => m.ms / floors[i]!.ms))
    const where = opt.db === 'sqlite' ? 'one SQLite file' : 'one PostgreSQL database'
    console.log('')
    console.log(`payroll sheets ${MONTH}: ${fmt(opt.workers)} workers, ${opt.teams} teams, in ${where}${opt.runs > 1 ? ` (medians of ${opt.runs} runs)` : ''}`)
    console.log(`  floor                ${seconds(floorMs)} s   ${fmt(f0.lines / (floorMs / 1000))} lines/s   (TimesheetService.projectMonth: ${fmt(f0.lines)} worker lines from the confirmed snapshots)`)
    console.log(`  sheets made          ${seconds(makeMs)} s   ${fmt(m0.lines / (makeMs / 1000))} lines/s   (PayrollSheetService.makeAll: ${m0.sheets} teams' sheets, ${fmt(m0.lines)} lines priced and stored)`)
    console.log(`  ratio sheets/floor   ${ratio.toFixed(2)}`)
    console.log(`  ${`aim ≤ ${AIM_FLOOR_RATIO} × floor`.padEnd(21)}${ratio <= AIM_FLOOR_RATIO ? 'PASS' : 'FAIL'}`)
    const heap = (xs: Measure[]): string => `${mb(Math.max(...xs.map((x) => x.heapPeak)))} (from ${mb(Math.min(...xs.map((x) => x.heapStart)))})`
    console.log(`  heap used, peak      sheets ${heap(mades)}, floor ${heap(floors)}   (sampled every ${HEAP_SAMPLE_MS} ms, from a full collection)`)
    console.log(`  totals               ${fmt(m0.creditHalves / 2)} days on the sheets, net ¥${fmt(m0.netFen / 100)}`)
    const checks: Array<[string, boolean]> = [
      [`every worker has a line (${fmt(m0.lines)} of ${fmt(opt.workers)})`, mades.every((m) => m.lines === opt.workers)],
      [`one sheet per team (${m0.sheets})`, m0.sheets === opt.teams],
      [`the sheets' days are the timesheets' days (${fmt(m0.creditHalves / 2)} = ${fmt(f0.creditHalves / 2)})`, mades.every((m) => m.creditHalves === f0.creditHalves)],
      [`every run gives the same net`, mades.every((m) => m.netFen === m0.netFen)],
    ]
    console.log('')
    for (const [what, ok] of checks) {
      console.log(`  ${ok ? 'ok    ' : 'FAILED'} ${what}`)
      if (!ok) failed = true
    }
  } finally {
    if (pg) await pg.dropAll()
    if (dir) rmSync(dir, { recursive: true, force: true })
  }
  if (failed) process.exitCode = 1
}

await main()
