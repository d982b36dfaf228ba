/**
 * Timesheet benchmark: the month of a very large project, built by the
 * service, against its floor.
 *
 *   tsx bench/timesheet.ts [--db sqlite|postgres] [--workers 100000] [--punches 10000000] [--runs 1] [--keep]
 *
 * Setup (not timed): a project in one SQLite file, or with --db postgres a
 * database of its own on the PostgreSQL server (bench/databases.ts;
 * migrations applied by createServices), --workers enrolled workers and
 * --punches raw punches of
 * October 2026 in Asia/Shanghai, with the two days before it and the day
 * after it, which the build also reads. Most workers pass a gate four times a
 * day; some use face terminals that cannot tell in from out; some work nights
 * (20:00 → 06:00). Some punches are missing, some are tapped twice. Rows are
 * stored in arrival order, as the ingest stores them.
 *
 * Build: services.timesheets.forEachLiveMonth over the whole project: every
 * worker's days and month, from raw punches, through the pure rules.
 *
 * Floor: one SQL statement over the same table and work dates: first-in and
 * last-out per worker-day by GROUP BY, every result row read (the same text
 * on both engines, through each driver directly). No pairing, no debounce, no
 * night shifts: the least a month of attendance can cost.
 *
 * Incremental: a late punch closes an incomplete day in the middle of the
 * month; the worker's days around it are recomputed with workerDays, which
 * reads that worker's few days through the index, not the month.
 *
 * With --runs N the build and the floor run N times each, alternately, and
 * the medians are reported. With --keep the generated file is kept in
 * bench/.data/ (git-ignored), keyed by --workers and --punches, and reused;
 * on PostgreSQL the database is kept under a name keyed the same way.
 */
import Cursor from 'pg-cursor'
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadConfig } from '../src/config/env.ts'
import { LIMITS } from '../src/config/limits.ts'
import { q, type Database, type Engine, type Executor } from '../src/db/database.ts'
import { PostgresDatabase } from '../src/db/postgres.ts'
import { SqliteDatabase } from '../src/db/sqlite.ts'
import { insertInto } from '../src/db/rows.ts'
import { enrolments, workers as workersTable } from '../src/db/schema/index.ts'
import { addDays, workDateOf, type WorkDate } from '../src/kernel/time.ts'
import { newId } from '../src/kernel/ids.ts'
import { createServices, type Services } from '../src/services.ts'
import type { ProjectRow } from '../src/roster/repository.ts'
import { inputDates } from '../src/timesheets/rules.ts'
import { creditCode, idNumber, personName } from '../simulators/identities.ts'
import { Rng } from '../simulators/random.ts'
import {
  bulkLoadPunches,
  bulkSettings,
  engineOption,
  PgDatabases,
  pgDatabaseExists,
  pgSettings,
  pgUrl,
  punchSizing,
  renamePgDatabase,
  sizingLine,
  withPg,
  type PunchSizing,
} from './databases.ts'
import { wholeNumberOption } from './options.ts'

const AIM_FLOOR_RATIO = 3
const MONTH = '2026-10'
const TIME_ZONE = 'Asia/Shanghai'
const OFFSET_MS = 8 * 3_600_000
const SITE_CODE = 'BENCH-TIMESHEET-01'
/** Bump when the generated data changes, so cached files are not reused. */
const DATA_VERSION = 1
const GATES = 8
const FACE_TERMINALS = 4
const TEAMS = 20
const INSERT_TRANSACTION_ROWS = 200_000
/** Rows per generating statement: under SQLite's 32,766 parameters and PostgreSQL's 65,535 (12 a punch). */
const INSERT_STATEMENT_ROWS: Record<Engine, number> = { sqlite: 500, postgres: 1_000 }
/** Workers and enrolments per statement (insertInto, ≤ 500 rows a statement as everywhere). */
const ROSTER_STATEMENT_ROWS = 500
const INCREMENTAL_REPS = 200
/** Heap is sampled once per this many workers built. */
const SAMPLE_EVERY = 500

/** The punch dates: the month, the two days before it and the day after it (what the build reads). */
const FIRST_DAY_UTC = Date.UTC(2026, 8, 29)
const DAYS = 34
const dayIndexOf = (date: WorkDate): number => Math.round((Date.parse(`${date}T00:00:00Z`) - FIRST_DAY_UTC) / 86_400_000)
/** Local midnight of day k of the window, as a UTC instant. */
const dayStartMs = (k: number): number => FIRST_DAY_UTC + k * 86_400_000 - OFFSET_MS
/** Work dates by day index, one more for the mornings after the last night. */
const DATES: WorkDate[] = Array.from({ length: DAYS + 2 }, (_, k) => new Date(FIRST_DAY_UTC + k * 86_400_000).toISOString().slice(0, 10))

/** The worker whose day gets the late punch, and that day. */
const LATE_DATE: WorkDate = '2026-10-15'
const LATE_DAY = dayIndexOf(LATE_DATE)
const LATE_SLOT = 3

const enum Kind {
  Gate = 0,
  Face = 1,
  Night = 2,
}

/**
 * The four punches of a working day, in minutes after local midnight of the
 * day (night slots run into the next morning), the spread either side, and the
 * direction a gate records.
 */
const SLOTS: Record<Kind, Array<{ at: number; spread: [number, number]; dir: 'in' | 'out' }>> = {
  [Kind.Gate]: [
    { at: 7 * 60, spread: [-20, 20], dir: 'in' },
    { at: 12 * 60, spread: [0, 8], dir: 'out' },
    { at: 13 * 60, spread: [-8, 2], dir: 'in' },
    { at: 17 * 60 + 30, spread: [-5, 20], dir: 'out' },
  ],
  [Kind.Face]: [
    { at: 7 * 60, spread: [-20, 20], dir: 'in' },
    { at: 12 * 60, spread: [0, 8], dir: 'out' },
    { at: 13 * 60, spread: [-8, 2], dir: 'in' },
    { at: 17 * 60 + 30, spread: [-5, 20], dir: 'out' },
  ],
  [Kind.Night]: [
    { at: 20 * 60, spread: [-20, 20], dir: 'in' },
    { at: 24 * 60, spread: [0, 10], dir: 'out' },
    { at: 24 * 60 + 30, spread: [0, 8], dir: 'in' },
    { at: 30 * 60, spread: [-10, 20], dir: 'out' },
  ],
}

// ---------------------------------------------------------------- options

function options() {
  const { values } = parseArgs({
    options: {
      db: { type: 'string', default: 'sqlite' },
      workers: { type: 'string', default: '100000' },
      punches: { type: 'string', default: '10000000' },
      runs: { type: 'string', default: '1' },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  })
  const int = wholeNumberOption
  const workers = int('workers', values.workers, 2)
  const punches = int('punches', values.punches, workers * 4)
  if (punches > workers * DAYS * 4 * 8) throw new Error(`--punches ${punches} is too many for ${workers} workers (at most ${workers * DAYS * 32})`)
  return { db: engineOption(values.db), workers, punches, runs: int('runs', values.runs, 1), keep: values.keep ?? false }
}

type Options = ReturnType<typeof options>

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
const mb = (bytes: number): string => `${fmt(bytes / 1_048_576)} MB`
const seconds = (ms: number): string => (ms / 1000).toFixed(2)
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
const fileSize = (path: string): number => [path, `${path}-wal`].reduce((n, p) => n + (existsSync(p) ? statSync(p).size : 0), 0)

// ---------------------------------------------------------------- setup

/**
 * Each worker's month, decided up front: kind, home device, the days worked,
 * which punches are missing and which are tapped twice. Each worker has
 * exactly their share of --punches.
 */
interface Plan {
  kind: Uint8Array
  device: Uint16Array
  /** [worker * DAYS + day]: bit 7 worked, bits 0–3 the slots that are missing. */
  days: Uint8Array
  /** [(worker * DAYS + day) * 4 + slot]: extra taps of that punch. */
  repeats: Uint8Array
  lateWorker: number
}

function plan(workers: number, punches: number): Plan {
  const rng = new Rng(20261015)
  const p: Plan = {
    kind: new Uint8Array(workers),
    device: new Uint16Array(workers),
    days: new Uint8Array(workers * DAYS),
    repeats: new Uint8Array(workers * DAYS * 4),
    lateWorker: Math.floor(workers / 2),
  }
  const share = Math.floor(punches / workers)
  const order = Array.from({ length: DAYS }, (_, k) => k)
  for (let w = 0; w < workers; w++) {
    const late = w === p.lateWorker
    const r = rng.next()
    const kind = late ? Kind.Gate : r < 0.75 ? Kind.Gate : r < 0.9 ? Kind.Face : Kind.Night
    p.kind[w] = kind
    p.device[w] = kind === Kind.Face ? GATES + (w % FACE_TERMINALS) : w % GATES
    const quota = share + (w < punches % workers ? 1 : 0)
    const worked = Math.min(DAYS, Math.ceil(quota / 4))
    // The days worked: a random subset of the window (the late worker always works the late day).
    for (let i = 0; i < DAYS; i++) {
      const j = i + Math.floor(rng.next() * (DAYS - i))
      ;[order[i], order[j]] = [order[j]!, order[i]!]
    }
    const lateAt = order.indexOf(LATE_DAY)
    if (late && lateAt >= worked) {
      order[lateAt] = order[0]!
      order[0] = LATE_DAY
    }
    const base = w * DAYS
    for (let i = 0; i < worked; i++) p.days[base + order[i]!]! |= 0x80
    let missing = Math.max(0, worked * 4 - quota)
    let repeats = Math.max(0, quota - worked * 4)
    // A quarter of the workers miss a punch or two, and tap another twice to make up the count.
    const noise = late ? 1 : rng.chance(0.25) ? rng.int(1, 2) : 0
    if (missing + noise < worked * 4) {
      missing += noise
      repeats += noise
    }
    if (late) {
      p.days[base + LATE_DAY]! |= 1 << LATE_SLOT
      missing--
    }
    // The late worker's late day misses only the punch the late one brings.
    const pickSlot = (forMissing: boolean): [number, number] => {
      for (;;) {
        const day = order[Math.floor(rng.next() * worked)]!
        if (!(late && forMissing && day === LATE_DAY)) return [day, rng.int(0, 3)]
      }
    }
    while (missing > 0) {
      const [day, slot] = pickSlot(true)
      if (p.days[base + day]! & (1 << slot)) continue
      p.days[base + day]! |= 1 << slot
      missing--
    }
    while (repeats > 0) {
      const [day, slot] = pickSlot(false)
      const i = (base + day) * 4 + slot
      if (p.days[base + day]! & (1 << slot) || p.repeats[i]! >= 200) continue
      p.repeats[i]!++
      repeats--
    }
  }
  return p
}

/**
 * Generates the project into a fresh database at `url`: roster through the
 * services (organisations, project, teams, devices), then workers,
 * enrolments and punches in multi-row INSERTs, big transactions, the punches'
 * indexes built after them (bulkLoadPunches).
 */
async function generate(url: string, opt: Options): Promise<number> {
  const services = await createServices({ ...loadConfig({}), databaseUrl: url, logLevel: 'warn' })
  try {
    const db = services.db
    const rng = new Rng(20261122)
    const { roster } = services
    const nowMs = Date.UTC(2026, 10, 3, 2, 0, 0)
    const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '基准建设单位', creditCode: creditCode(rng) })
    const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '基准总承包', creditCode: creditCode(rng) })
    const subs = []
    for (let i = 0; i < 4; i++) subs.push(await roster.createOrganisation({ kind: 'subcontractor', name: `基准劳务分包${i + 1}`, creditCode: creditCode(rng) }))
    const project = await roster.createProject({
      siteCode: SITE_CODE,
      name: '基准考勤工程',
      regionCode: '330106',
      timeZone: TIME_ZONE,
      payDay: 10,
      constructionUnitId: cu.id,
      generalContractorId: gc.id,
      account: { bank: '中国农业银行', no: '19045101040088888', name: '基准考勤工程农民工工资专用账户' },
    })
    const teams = []
    for (let i = 0; i < TEAMS; i++) teams.push(await roster.createTeam(project.id, { name: `班组${i + 1}`, employerId: subs[i % subs.length]!.id }))
    const installedAt = new Date(Date.UTC(2026, 0, 5)).toISOString()
    const devices: Array<{ id: string; face: boolean }> = []
    for (let d = 0; d < GATES; d++) {
      const row = await roster.createDevice(project.id, { serial: `TS-GT-${String(d + 1).padStart(3, '0')}`, model: 'gate-ts200', settings: { lanes: { '1': 'in', '2': 'out' } }, installedAt })
      devices.push({ id: row.id, face: false })
    }
    for (let d = 0; d < FACE_TERMINALS; d++) {
      const row = await roster.createDevice(project.id, { serial: `TS-FR-${String(d + 1).padStart(3, '0')}`, model: 'face-fr900', installedAt })
      devices.push({ id: row.id, face: true })
    }

    const workerIds: string[] = []
    const enrolmentIds: string[] = []
    const trades = ['钢筋工', '木工', '混凝土工', '架子工', '电工', '焊工', '普工']
    const workerRows: Array<typeof workersTable.$inferInsert> = []
    const enrolmentRows: Array<typeof enrolments.$inferInsert> = []
    const seen = new Set<string>()
    for (let i = 0; workerIds.length < opt.workers; i++) {
      // Checksum-valid 18-character numbers, unique (the roster's GB 11643 check is not run for bulk rows).
      const id = idNumber(rng, i + 1)
      if (seen.has(id)) continue
      seen.add(id)
      const n = workerIds.length
      const workerId = newId()
      const enrolmentId = newId()
      const createdAtMs = Date.UTC(2026, 7, 1) + n
      const gender = Number(id[16]) % 2 === 1 ? 'male' : 'female'
      workerRows.push({
        id: workerId,
        name: personName(rng),
        idType: 'resident_id',
        idNumber: id,
        gender,
        birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
        bankName: '中国农业银行',
        cardNo: `6217000${String(n + 1).padStart(12, '0')}`,
        trade: trades[n % trades.length],
        createdAtMs,
      })
      enrolmentRows.push({
        id: enrolmentId,
        projectId: project.id,
        workerId,
        teamId: teams[n % TEAMS]!.id,
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

    const rows = await bulkLoadPunches(db, () => insertPunches(db, project.id, devices, workerIds, enrolmentIds, plan(opt.workers, opt.punches), nowMs))
    // Statistics and the visibility map as a table long in service would have them, before anything is timed.
    if (db.engine === 'postgres') await withPg(url, async (c) => (await c.query('VACUUM (ANALYZE) punches, workers, enrolments'), await c.query('CHECKPOINT')))
    return rows
  } finally {
    await services.close()
  }
}

/**
 * The punches, in arrival order: one local calendar day at a time, sorted by
 * device time. Record ids count up per device; most punches arrive within
 * seconds, some of the face terminals' hours later (buffered while offline).
 */
async function insertPunches(db: Database, projectId: string, devices: Array<{ id: string; face: boolean }>, workerIds: string[], enrolmentIds: string[], p: Plan, nowMs: number): Promise<number> {
  const perStatement = INSERT_STATEMENT_ROWS[db.engine]
  const textOf = (n: number): string =>
    `INSERT INTO punches (project_id, device_id, record_id, worker_id, enrolment_id, device_time_ms, received_at_ms, work_date, direction, verify_method, channel, clock_suspect)
     VALUES ${Array(n).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`
  const full = textOf(perStatement)
  const insert = (tx: Executor, params: unknown[]): Promise<unknown> => tx.run(q(params.length === perStatement * 12 ? full : textOf(params.length / 12), ...params))
  const rng = new Rng(20261031)
  const seq = new Array<number>(devices.length).fill(0)
  const workers = workerIds.length
  let rows = 0
  let checked = 0
  // Calendar day b holds the day punches of day b and the night punches of the night that began on day b − 1.
  for (let b = 0; b <= DAYS; b++) {
    const start = dayStartMs(b)
    const at: number[] = []
    const who: number[] = []
    const slotOf: number[] = []
    const emit = (w: number, day: number, slot: number): void => {
      const { at: minute, spread } = SLOTS[p.kind[w] as Kind][slot]!
      let ms = dayStartMs(day) + (minute + rng.int(spread[0], spread[1])) * 60_000 + rng.int(0, 59) * 1000
      for (let n = p.repeats[(w * DAYS + day) * 4 + slot]!; n >= 0; n--) {
        at.push(ms)
        who.push(w)
        slotOf.push(slot)
        ms += rng.int(3, 50) * 1000
      }
    }
    for (let w = 0; w < workers; w++) {
      const night = p.kind[w] === Kind.Night
      if (b < DAYS) {
        const m = p.days[w * DAYS + b]!
        if (m & 0x80) for (let s = 0; s < (night ? 1 : 4); s++) if (!(m & (1 << s))) emit(w, b, s)
      }
      if (night && b > 0) {
        const m = p.days[w * DAYS + b - 1]!
        if (m & 0x80) for (let s = 1; s < 4; s++) if (!(m & (1 << s))) emit(w, b - 1, s)
      }
    }
    // Sort by device time (whole seconds), then by emission: a key of seconds × 2^32 + index.
    const keys = new Float64Array(at.length)
    for (let i = 0; i < at.length; i++) keys[i] = ((at[i]! - start + 86_400_000) / 1000) * 2 ** 32 + i
    keys.sort()
    for (let from = 0; from < keys.length; from += INSERT_TRANSACTION_ROWS) {
      // Rows are made outside the transaction (the generator's random draws happen once, whatever the engine does).
      const params: unknown[] = []
      for (let k = from; k < Math.min(keys.length, from + INSERT_TRANSACTION_ROWS); k++) {
        const i = keys[k]! % 2 ** 32
        const w = who[i]!
        const ms = at[i]!
        const d = p.device[w]!
        const device = devices[d]!
        const dayIndex = Math.floor((ms + OFFSET_MS - FIRST_DAY_UTC) / 86_400_000)
        const workDate = DATES[dayIndex]!
        if (checked++ % 100_003 === 0 && workDateOf(ms, TIME_ZONE) !== workDate) throw new Error(`work date of ${new Date(ms).toISOString()}: ${workDateOf(ms, TIME_ZONE)}, computed ${workDate}`)
        const delay = device.face && rng.chance(0.02) ? rng.int(600, 7_200) * 1000 : rng.int(300, 4_000)
        // Now and then a device clock runs ahead of the server's: stored, and marked.
        const suspect = rng.chance(0.000_002) && w !== p.lateWorker
        const direction = device.face ? 'unknown' : SLOTS[p.kind[w] as Kind][slotOf[i]!]!.dir
        params.push(
          projectId,
          device.id,
          String(++seq[d]!),
          workerIds[w],
          enrolmentIds[w],
          ms,
          Math.min(nowMs, suspect ? ms - 3_600_000 : ms + delay),
          workDate,
          direction,
          device.face ? 'face' : 'card',
          device.face ? 'face_terminal' : 'gate',
          suspect ? 'ahead_of_receipt' : null,
        )
        rows++
      }
      await db.tx(async (tx) => {
        await bulkSettings(tx)
        for (let i = 0; i < params.length; i += perStatement * 12) await insert(tx, params.slice(i, i + perStatement * 12))
      })
    }
  }
  return rows
}

interface Prepared {
  url: string
  setupMs: number
  reused: boolean
  /** Bytes of the whole database (SQLite: the file and its WAL). */
  bytes(): Promise<number>
  done(): Promise<void>
}

/** The database: the cached one with --keep when it exists, else a fresh one (cached with --keep, temporary without). */
async function prepare(opt: Options): Promise<Prepared> {
  return opt.db === 'sqlite' ? prepareSqlite(opt) : preparePostgres(opt)
}

async function prepareSqlite(opt: Options): Promise<Prepared> {
  const started = performance.now()
  if (opt.keep) {
    const dir = join(dirname(fileURLToPath(import.meta.url)), '.data')
    mkdirSync(dir, { recursive: true })
    const path = join(dir, `timesheet-v${DATA_VERSION}-w${opt.workers}-p${opt.punches}.db`)
    const kept = { url: `file:${path}`, bytes: () => Promise.resolve(fileSize(path)), done: () => Promise.resolve() }
    if (existsSync(path)) return { ...kept, setupMs: performance.now() - started, reused: true }
    // Generated under another name and renamed when complete, so an interrupted run leaves no half file to reuse.
    const partial = `${path}.partial`
    for (const p of [partial, `${partial}-wal`, `${partial}-shm`]) rmSync(p, { force: true })
    await generate(`file:${partial}`, opt)
    renameSync(partial, path)
    for (const p of [`${partial}-wal`, `${partial}-shm`]) rmSync(p, { force: true })
    return { ...kept, setupMs: performance.now() - started, reused: false }
  }
  const dir = mkdtempSync(join(tmpdir(), 'wage-ledger-timesheet-'))
  const path = join(dir, 'timesheet.db')
  try {
    await generate(`file:${path}`, opt)
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  return {
    url: `file:${path}`,
    setupMs: performance.now() - started,
    reused: false,
    bytes: () => Promise.resolve(fileSize(path)),
    done: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  }
}

/** A database of its own on the server: `wlbench_<random>_timesheet`, dropped at the end; with --keep one named after the options, reused. */
async function preparePostgres(opt: Options): Promise<Prepared> {
  const started = performance.now()
  const dbs = new PgDatabases()
  const bytes = (url: string) => () => withPg(url, async (c) => Number((await c.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n')).rows[0]?.n))
  try {
    if (opt.keep) {
      const name = `wlbench_timesheet_v${DATA_VERSION}_w${opt.workers}_p${opt.punches}`
      const url = pgUrl(name)
      const kept = { url, bytes: bytes(url), done: () => dbs.dropAll() }
      if (await pgDatabaseExists(name)) return { ...kept, setupMs: performance.now() - started, reused: true }
      // Generated under another name and renamed when complete, so an interrupted run leaves no half database to reuse.
      const partial = await dbs.create('partial')
      await generate(partial.url, opt)
      await renamePgDatabase(partial.name, name)
      dbs.keep(partial.name)
      return { ...kept, setupMs: performance.now() - started, reused: false }
    }
    const made = await dbs.create('timesheet')
    await generate(made.url, opt)
    return { url: made.url, setupMs: performance.now() - started, reused: false, bytes: bytes(made.url), done: () => dbs.dropAll() }
  } catch (err) {
    await dbs.dropAll()
    throw err
  }
}

// ---------------------------------------------------------------- measures

interface Build {
  ms: number
  workers: number
  days: number
  creditHalves: number
  workedMinutes: number
  punches: number
  heapPeak: number
  rssPeak: number
  lateDayStatus: string | undefined
}

async function build(services: Services, project: ProjectRow, lateWorkerId: string): Promise<Build> {
  const policy = await services.roster.policy(project.id)
  const out: Build = { ms: 0, workers: 0, days: 0, creditHalves: 0, workedMinutes: 0, punches: 0, heapPeak: 0, rssPeak: 0, lateDayStatus: undefined }
  const sample = (): void => {
    const m = process.memoryUsage()
    if (m.heapUsed > out.heapPeak) out.heapPeak = m.heapUsed
    if (m.rss > out.rssPeak) out.rssPeak = m.rss
  }
  sample()
  const started = performance.now()
  await services.timesheets.forEachLiveMonth(project, MONTH, policy, (m) => {
    out.workers++
    out.days += m.days.length
    out.creditHalves += m.creditHalves
    out.workedMinutes += m.workedMinutes
    for (const d of m.days) out.punches += d.punches.length
    if (m.workerId === lateWorkerId) out.lateDayStatus = m.days.find((d) => d.workDate === LATE_DATE)?.status
    if (out.workers % SAMPLE_EVERY === 0) sample()
  })
  out.ms = performance.now() - started
  sample()
  return out
}

interface Floor {
  ms: number
  groups: number
  spanMs: number
}

/** Portable SQL: the same statement on both engines. */
const FLOOR_SQL = `SELECT worker_id AS "workerId", work_date AS "workDate",
       MIN(CASE WHEN direction <> 'out' THEN device_time_ms END) AS "firstIn",
       MAX(CASE WHEN direction <> 'in' THEN device_time_ms END) AS "lastOut"
  FROM punches WHERE project_id = ? AND work_date BETWEEN ? AND ?
 GROUP BY worker_id, work_date`

/**
 * The least each engine's driver can do with the statement, under the database layer: SQLite's raw iterator on the
 * service's connection (as before the layer existed), PostgreSQL's cursor on a connection of the service's pool, rows as
 * arrays, fetched as many at a time as the layer fetches (pg_cursor_rows).
 */
async function floor(db: Database, projectId: string, from: WorkDate, to: WorkDate): Promise<Floor> {
  let groups = 0
  let spanMs = 0
  const add = (r: [string, string, number | null, number | null]): void => {
    groups++
    if (r[2] !== null && r[3] !== null && r[3] > r[2]) spanMs += r[3] - r[2]
  }
  const started = performance.now()
  if (db instanceof SqliteDatabase) {
    for (const r of db.client.prepare(FLOOR_SQL).raw(true).iterate(projectId, from, to)) add(r as [string, string, number | null, number | null])
  } else if (db instanceof PostgresDatabase) {
    const client = await db.pool.connect()
    try {
      const cursor = client.query(new Cursor<[string, string, number | null, number | null]>(numbered(FLOOR_SQL), [projectId, from, to], { rowMode: 'array' }))
      for (let rows = await cursor.read(LIMITS.pg_cursor_rows); rows.length > 0; rows = await cursor.read(LIMITS.pg_cursor_rows)) rows.forEach(add)
      await cursor.close()
    } finally {
      client.release()
    }
  } else {
    throw new Error('the floor knows SQLite and PostgreSQL only')
  }
  return { ms: performance.now() - started, groups, spanMs }
}

/** `?` → `$1, $2, …` for a statement sent to PostgreSQL without the layer (FLOOR_SQL has no quoted `?`). */
const numbered = (text: string): string => {
  let n = 0
  return text.replaceAll('?', () => `$${++n}`)
}

/** The repository's per-worker read (TimesheetRepository: workerPunchesText): one seek per date in (project_id, work_date, worker_id). */
const perWorkerSql = (dates: readonly string[]): string =>
  `SELECT id, device_id AS "deviceId", device_time_ms AS "deviceTimeMs", direction, work_date AS "workDate", clock_suspect AS "clockSuspect"
      FROM punches WHERE project_id = ? AND worker_id = ? AND work_date IN (${dates.map(() => '?').join(', ')}) ORDER BY id`
function datesBetween(from: string, to: string): string[] {
  const out: string[] = []
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d)
  return out
}

/** The plan the engine picks for a statement (its parameters bound, so PostgreSQL plans for these values). */
async function queryPlan(db: Executor, text: string, ...params: unknown[]): Promise<string[]> {
  if (db.engine === 'sqlite') return (await db.all<{ detail: string }>(q(`EXPLAIN QUERY PLAN ${text}`, ...params))).map((r) => r.detail)
  return (await db.all<{ 'QUERY PLAN': string }>(q(`EXPLAIN ${text}`, ...params))).map((r) => r['QUERY PLAN'].trim())
}

/** Thrown to roll back the incremental step's transaction: the late punch is not kept. */
class RollBack extends Error {}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const opt = options()
  const prepared = await prepare(opt)
  let failed = false
  const checks: Array<[string, boolean]> = []
  try {
    const services = await createServices({ ...loadConfig({}), databaseUrl: prepared.url, logLevel: 'warn' })
    let sizing: PunchSizing | undefined
    try {
      const db = services.db
      const project = (await services.roster.listProjects()).find((p) => p.siteCode === SITE_CODE)
      if (!project) throw new Error(`no project ${SITE_CODE} in the benchmark database`)
      const count = async (text: string, ...params: unknown[]): Promise<number> => (await db.get<{ n: number }>(q(text, ...params)))?.n ?? 0
      const lateUserId = `U${Math.floor(opt.workers / 2) + 1}`
      const lateWorkerId = (await db.get<{ workerId: string }>(q('SELECT worker_id AS "workerId" FROM enrolments WHERE project_id = ? AND device_user_id = ?', project.id, lateUserId)))?.workerId ?? ''
      const stored = await count('SELECT count(*) AS n FROM punches WHERE project_id = ?', project.id)
      const range = inputDates(`${MONTH}-01`, addDays(`${MONTH}-01`, 30))
      const inRange = await count('SELECT count(*) AS n FROM punches WHERE project_id = ? AND work_date BETWEEN ? AND ?', project.id, range.from, range.to)
      const how = prepared.reused ? 'reused the cached database (--keep)' : `generated ${fmt(opt.workers)} workers and ${fmt(stored)} punches`
      console.log(`setup: ${how} in ${(prepared.setupMs / 1000).toFixed(1)} s (${mb(await prepared.bytes())} database)`)
      if (db.engine === 'postgres') console.log(`       ${await pgSettings(prepared.url)}`)
      checks.push([`the table holds ${fmt(stored)} punches, --punches ${fmt(opt.punches)}`, stored === opt.punches])

      const builds: Build[] = []
      const floors: Floor[] = []
      for (let r = 1; r <= opt.runs; r++) {
        // Alternate which goes first, so neither always meets a warmer cache.
        if (r % 2 === 1) {
          floors.push(await floor(db, project.id, range.from, range.to))
          builds.push(await build(services, project, lateWorkerId))
        } else {
          builds.push(await build(services, project, lateWorkerId))
          floors.push(await floor(db, project.id, range.from, range.to))
        }
        const b = builds.at(-1)!
        const f = floors.at(-1)!
        if (opt.runs > 1) console.log(`run ${r}: build ${seconds(b.ms)} s, floor ${seconds(f.ms)} s, ratio ${(b.ms / f.ms).toFixed(2)}`)
      }
      const b0 = builds[0]!
      const buildMs = median(builds.map((b) => b.ms))
      const floorMs = median(floors.map((f) => f.ms))
      const ratio = median(builds.map((b, i) => b.ms / floors[i]!.ms))
      const of = opt.runs > 1 ? ` (medians of ${opt.runs} runs)` : ''
      const where = db.engine === 'sqlite' ? 'one SQLite file' : 'one PostgreSQL database'
      console.log('')
      console.log(`timesheet month ${MONTH}: ${fmt(opt.workers)} workers, ${fmt(stored)} punches in ${where}, ${TIME_ZONE}${of}`)
      console.log(`  punches read         ${fmt(inRange)}   (work dates ${range.from}..${range.to}: the month, two days before, one after)`)
      console.log(`  build                ${seconds(buildMs)} s   ${fmt(inRange / (buildMs / 1000))} punches/s   (forEachLiveMonth: ${fmt(b0.workers)} worker months, ${fmt(b0.days)} worker-days)`)
      console.log(`  floor                ${seconds(floorMs)} s   ${fmt(inRange / (floorMs / 1000))} punches/s   (one GROUP BY: first-in/last-out of ${fmt(floors[0]!.groups)} worker-days)`)
      console.log(`  ratio build/floor    ${ratio.toFixed(2)}`)
      if (opt.runs > 1) console.log(`  runs                 build ${builds.map((b) => seconds(b.ms)).join(' / ')} s; floor ${floors.map((f) => seconds(f.ms)).join(' / ')} s; ratio ${builds.map((b, i) => (b.ms / floors[i]!.ms).toFixed(2)).join(' / ')}`)
      console.log(`  ${`aim ≤ ${AIM_FLOOR_RATIO} × floor`.padEnd(21)}${ratio <= AIM_FLOOR_RATIO ? 'PASS' : 'FAIL'}`)
      console.log(`  heap used, peak      ${mb(Math.max(...builds.map((b) => b.heapPeak)))}   (sampled every ${SAMPLE_EVERY} workers; process rss peak ${mb(Math.max(...builds.map((b) => b.rssPeak)))}, generation included)`)
      console.log(`  totals               ${fmt(b0.creditHalves / 2)} days credited, ${fmt(b0.workedMinutes / 60)} hours worked, ${fmt(b0.punches)} punches on the month's days`)
      console.log(`  build plan           ${(await queryPlan(db, db.dialect.punchesByWorkerJson, project.id, range.from, range.to)).join('; ')}`)
      console.log(`  floor plan           ${(await queryPlan(db, FLOOR_SQL, project.id, range.from, range.to)).join('; ')}`)
      checks.push([`every worker built once (${fmt(b0.workers)} of ${fmt(opt.workers)})`, builds.every((b) => b.workers === opt.workers)])
      checks.push([`every run gives the same totals`, builds.every((b) => b.creditHalves === b0.creditHalves && b.workedMinutes === b0.workedMinutes && b.days === b0.days)])
      checks.push([`the late worker's ${LATE_DATE} is incomplete before the late punch (${b0.lateDayStatus})`, b0.lateDayStatus === 'incomplete'])

      // Incremental: a late 'out' closes the late worker's afternoon; only that worker's days around it are recomputed.
      const late = await db.get<{ deviceId: string; last: number }>(
        q(`SELECT device_id AS "deviceId", max(device_time_ms) AS "last" FROM punches WHERE project_id = ? AND worker_id = ? AND work_date = ? GROUP BY device_id ORDER BY device_id`, project.id, lateWorkerId, LATE_DATE),
      )
      if (!late) throw new Error(`worker ${lateUserId} has no punch on ${LATE_DATE}`)
      const seqOf = await count(`SELECT max(CAST(record_id AS BIGINT)) AS n FROM punches WHERE device_id = ?`, late.deviceId)
      const from = addDays(LATE_DATE, -1)
      const to = addDays(LATE_DATE, 1)
      const reads = inputDates(from, to)
      const readDates = datesBetween(reads.from, reads.to)
      const policy = await services.roster.policy(project.id)
      const times: number[] = []
      let days: Awaited<ReturnType<Services['timesheets']['workerDays']>> = []
      let read = 0
      let plan: string[] = []
      try {
        // In a transaction that is rolled back (by throwing): the late punch is not kept, and a cached database stays as generated.
        await db.tx(async (tx) => {
          const atMs = dayStartMs(LATE_DAY) + (17 * 60 + 38) * 60_000
          await tx.run(
            q(
              `INSERT INTO punches (project_id, device_id, record_id, worker_id, enrolment_id, device_time_ms, received_at_ms, work_date, direction, verify_method, channel)
               SELECT project_id, device_id, ?, worker_id, enrolment_id, ?, ?, ?, 'out', verify_method, channel FROM punches WHERE project_id = ? AND worker_id = ? AND device_time_ms = ? LIMIT 1`,
              String(seqOf + 1),
              atMs,
              Date.UTC(2026, 10, 3, 1, 0, 0),
              workDateOf(atMs, TIME_ZONE),
              project.id,
              lateWorkerId,
              late.last,
            ),
          )
          days = await services.timesheets.workerDays(project, lateWorkerId, from, to, policy)
          for (let i = 0; i < INCREMENTAL_REPS; i++) {
            const t = performance.now()
            days = await services.timesheets.workerDays(project, lateWorkerId, from, to, policy)
            times.push(performance.now() - t)
          }
          read = (await tx.get<{ n: number }>(q(`SELECT count(*) AS n FROM (${perWorkerSql(readDates)}) AS t`, project.id, lateWorkerId, ...readDates)))?.n ?? 0
          plan = await queryPlan(tx, perWorkerSql(readDates), project.id, lateWorkerId, ...readDates)
          throw new RollBack()
        })
      } catch (err) {
        if (!(err instanceof RollBack)) throw err
      }
      const lateDay = days.find((d) => d.workDate === LATE_DATE)
      const us = median(times) * 1000
      console.log('')
      console.log(`incremental: a late 'out' closes worker ${lateUserId}'s ${LATE_DATE}; workerDays(${from}..${to}) recomputed (median of ${INCREMENTAL_REPS})`)
      console.log(`  rebuild of a worker's days around a late punch: ${fmt(us)} µs, reads ${fmt(read)} punches (the month has ${fmt(inRange)})`)
      console.log(`  ${LATE_DATE.padEnd(21)}${b0.lateDayStatus} → ${lateDay?.status}`)
      console.log(`  per-worker plan      ${plan.join('; ')}`)
      checks.push([`the late punch completes ${LATE_DATE} (${lateDay?.status})`, lateDay?.status === 'present'])
      checks.push([`the per-worker read uses punches_project_date_worker`, plan.some((d) => d.includes('punches_project_date_worker'))])
      checks.push([`the rebuild reads the worker's days, not the month (${fmt(read)} rows)`, read > 0 && read < 100])
      const after = await count('SELECT count(*) AS n FROM punches WHERE project_id = ?', project.id)
      checks.push([`the late punch was rolled back (${fmt(after)} punches stored)`, after === stored])
      sizing = await punchSizing(db)
    } finally {
      await services.close()
    }
    console.log('')
    console.log(`sizing: ${sizingLine(sizing)} (indexes built in one pass after the load)`)
    for (const [what, ok] of checks) {
      console.log(`  ${ok ? 'ok    ' : 'FAILED'} ${what}`)
      if (!ok) failed = true
    }
  } finally {
    if (opt.keep) console.log(opt.db === 'sqlite' ? 'kept the generated file in bench/.data/' : 'kept the generated database (wlbench_timesheet_…)')
    await prepared.done()
  }
  if (failed) process.exitCode = 1
}

await main()
