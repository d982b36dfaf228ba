/**
 * Ingest benchmark: durable punches per second through the service, against
 * its floor, on SQLite or PostgreSQL.
 *
 *   tsx bench/ingest.ts [--db sqlite|postgres] [--messages 200000] [--seed-rows 1000000] [--devices 50] [--in-flight 200]
 *                       [--workers 2000] [--runs 1] [--keep] [--broker embedded|mosquitto] [--subscribers 4]
 *                       [--instances 1,2,4]
 *
 * Service: 50 gates (gate-ts200) publish QoS 1 punches, many in flight each,
 * to the embedded aedes broker of a service started with startServer on a
 * database whose punches table already holds --seed-rows rows (style.md,
 * trap 5): a SQLite file, or with --db postgres a database of its own on the
 * PostgreSQL server (bench/databases.ts). A punch counts once its PUBACK
 * reaches the gate, which the service sends only after commit; the figure is
 * acked punches / (last PUBACK − first PUBLISH), and the stored count is
 * checked.
 *
 * Floor: the same messages from the same publisher code, through a fresh
 * aedes broker with the same options, into a bare batched INSERT of the same
 * table on a copy of the same seeded database, no validation: authorizePublish
 * queues the packet, a batch of at most ingest_batch_size_max is inserted in
 * one transaction and called back after commit. SQLite: one prepared INSERT
 * per message (WAL, synchronous=FULL, foreign keys off). PostgreSQL:
 * multi-row INSERT … ON CONFLICT DO NOTHING cut as the service cuts its
 * statements (256, 128, … rows), foreign-key triggers off.
 *
 * With --broker mosquitto the gates publish to a Mosquitto started on a free
 * port with the documented configuration, the service subscribes through
 * --subscribers shared-subscription connections, and the figure runs to the
 * service's last commit (a broker's PUBACK is not the service's); the floor
 * is as many bare MQTT.js connections inserting in batches.
 *
 * With --instances 1,2,4 (PostgreSQL and Mosquitto only) the service runs as
 * that many separate processes (`node --import tsx src/server.ts`, each its
 * own MQTT_INSTANCE, one MQTT_GROUP, --subscribers connections each) on one
 * database, sharing one subscription; the figure is the aggregate, to the
 * last commit of any instance, compared with one instance and with the floor.
 *
 * The gates run in a child process (as devices are outside the service), so
 * the publisher's own cost does not share the service's event loop. With
 * --runs N, each run starts from fresh copies of the seeded database and the
 * medians are reported (shared machines vary from run to run).
 */
import Database from 'better-sqlite3'
import { Aedes, type Client, type PublishPacket } from 'aedes'
import mqtt from 'mqtt'
import pg from 'pg'
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { closeSync, copyFileSync, fsyncSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { connect, createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { LIMITS } from '../src/config/limits.ts'
import { loadConfig, type Config } from '../src/config/env.ts'
import { openDatabase } from '../src/db/client.ts'
import { q, type Engine } from '../src/db/database.ts'
import { workDateOf } from '../src/kernel/time.ts'
import { startServer } from '../src/server.ts'
import type { InboxStats } from '../src/ingest/inbox.ts'
import { holdAcks } from '../src/ingest/external-subscriber.ts'
import { findMosquitto, mosquittoConf } from '../test/ingest/helpers/mosquitto.ts'
import { spawnService, type ChildService } from '../test/ingest/helpers/child-service.ts'
import { freePort } from '../test/helpers/free-port.ts'
import { bulkLoadPunches, bulkSettings, engineOption, PgDatabases, pgSettings, punchSizing, sizingLine, withPg, type PunchSizing } from './databases.ts'
import { wholeNumberOption } from './options.ts'
import { registerBenchRoster, type BenchRoster } from './roster.ts'

const AIM_PUNCHES_PER_S = 20_000
const AIM_FLOOR_RATIO = 0.5
const SITE_CODE = 'BENCH-SITE-01'
const TIME_ZONE = 'Asia/Shanghai'
const SEED_TRANSACTION_ROWS = 100_000
/** Rows per seeding statement: SQLite binds at most 32,766 parameters, PostgreSQL 65,535 (9 a row here). */
const SEED_STATEMENT_ROWS: Record<Engine, number> = { sqlite: 500, postgres: 1_000 }
/** Rows per floor statement on PostgreSQL: the service's own largest (PunchRepository.appendMany). */
const FLOOR_STATEMENT_ROWS_MAX = 256
/** How often the instances' counters are read while the gates publish through Mosquitto. */
const POLL_MS = 50
/** An instance series gives up when no instance commits anything for this long (a frame lost somewhere). */
const STALL_MS_MAX = 60_000

// ---------------------------------------------------------------- publisher (child process)

interface PublishJob {
  url: string
  siteCode: string
  serials: string[]
  /** Serial → its MQTT secret (the embedded broker authenticates every gate; Mosquitto here lets anyone in). */
  secrets: Record<string, string>
  idNumbers: string[]
  /** Record ids of each gate continue after those the seeded history used. */
  firstSeq: number
  perDevice: number
  inFlight: number
  nowMs: number
}

interface PublishOutcome {
  acked: number
  failed: number
  seconds: number
}

type ToPublisher = { cmd: 'connect'; job: PublishJob } | { cmd: 'go' } | { cmd: 'exit' }
type FromPublisher = { cmd: 'ready' } | { cmd: 'done'; outcome: PublishOutcome } | { cmd: 'error'; message: string }

/** A gate's records: seq after its history, workers in turn, device times spread over the last hours (inside the admission window). */
function gatePayloads(job: PublishJob, serial: string, d: number): Buffer[] {
  const firstSeconds = Math.floor(job.nowMs / 1000) - 6 * 3600
  const spanSeconds = 5 * 3600
  return Array.from({ length: job.perDevice }, (_, i) => {
    const seq = job.firstSeq + i
    const idNo = job.idNumbers[(i * job.serials.length + d) % job.idNumbers.length]
    const ts = firstSeconds + Math.floor((i * spanSeconds) / job.perDevice)
    return Buffer.from(JSON.stringify({ sn: serial, seq, lane: (i % 2) + 1, idNo, ts, mode: 'card' }))
  })
}

/** The gates: one MQTT.js connection each (client id = username = serial, its secret), `inFlight` QoS 1 publishes outstanding on each. */
async function publisher(): Promise<void> {
  const send = (m: FromPublisher) => process.send?.(m)
  let gates: Array<{ client: mqtt.MqttClient; topic: string; payloads: Buffer[] }> = []
  let inFlight = 1
  process.on('message', (m: ToPublisher) => {
    void (async () => {
      switch (m.cmd) {
        case 'connect': {
          const { job } = m
          inFlight = job.inFlight
          gates = await Promise.all(
            job.serials.map(async (serial, d) => ({
              client: await mqtt.connectAsync(job.url, { clientId: serial, username: serial, password: job.secrets[serial], clean: true, reconnectPeriod: 0 }),
              topic: `wl/v1/${job.siteCode}/${serial}/punch`,
              payloads: gatePayloads(job, serial, d),
            })),
          )
          send({ cmd: 'ready' })
          break
        }
        case 'go': {
          let acked = 0
          let failed = 0
          const started = performance.now()
          await Promise.all(
            gates.map(async ({ client, topic, payloads }) => {
              let next = 0
              const lane = async (): Promise<void> => {
                while (next < payloads.length) {
                  const payload = payloads[next++]!
                  try {
                    await client.publishAsync(topic, payload, { qos: 1 })
                    acked++
                  } catch {
                    failed++
                  }
                }
              }
              await Promise.all(Array.from({ length: Math.min(payloads.length, inFlight) }, lane))
            }),
          )
          const seconds = (performance.now() - started) / 1000
          await Promise.all(gates.map((g) => g.client.endAsync()))
          send({ cmd: 'done', outcome: { acked, failed, seconds } })
          break
        }
        case 'exit':
          process.exit(0)
      }
    })().catch((err: unknown) => send({ cmd: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }))
  })
}

/**
 * Runs the publisher child against one broker: connect every gate, then time from first PUBLISH to last PUBACK. With
 * an external broker a PUBACK only says the broker has the message, so `committed` (resolving with the instant the
 * consumer committed the last one) ends the timing instead.
 */
async function publishThrough(job: PublishJob, committed?: () => Promise<number>): Promise<PublishOutcome> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--publisher'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const kill = () => child.kill('SIGKILL')
  process.once('exit', kill)
  try {
    const next = (): Promise<FromPublisher> =>
      new Promise((resolve, reject) => {
        child.once('message', (m: FromPublisher) => resolve(m))
        child.once('exit', (code) => reject(new Error(`publisher exited (${code})`)))
      })
    const expect = async <K extends FromPublisher['cmd']>(cmd: K): Promise<Extract<FromPublisher, { cmd: K }>> => {
      const m = await next()
      if (m.cmd === 'error') throw new Error(`publisher: ${m.message}`)
      if (m.cmd !== cmd) throw new Error(`publisher said ${m.cmd}, expected ${cmd}`)
      return m as Extract<FromPublisher, { cmd: K }>
    }
    child.send({ cmd: 'connect', job } satisfies ToPublisher)
    await expect('ready')
    const startedMs = performance.now()
    const done = committed?.()
    child.send({ cmd: 'go' } satisfies ToPublisher)
    const { outcome } = await expect('done')
    child.send({ cmd: 'exit' } satisfies ToPublisher)
    if (!done) return outcome
    const lastCommitMs = await done
    return { ...outcome, seconds: Math.max(outcome.seconds, (lastCommitMs - startedMs) / 1000) }
  } finally {
    process.off('exit', kill)
    if (child.exitCode === null) child.kill('SIGKILL')
  }
}

// ---------------------------------------------------------------- setup

/**
 * History: `rows` punches of the same gates and workers over the past year, in arrival order, record ids
 * 1…rows/devices per gate, through the database layer in multi-row INSERTs, SEED_TRANSACTION_ROWS a transaction,
 * foreign keys unchecked, into the indexes as they are (grown row by row, as ingest grows them).
 */
async function seedPunches(url: string, roster: BenchRoster, rows: number, nowMs: number): Promise<number> {
  const deviceIds = [...roster.deviceIds.values()]
  const perDevice = Math.ceil(rows / deviceIds.length)
  if (rows === 0) return 0
  const db = await openDatabase(url)
  try {
    const perStatement = SEED_STATEMENT_ROWS[db.engine]
    const textOf = (n: number): string =>
      `INSERT INTO punches (project_id, device_id, record_id, worker_id, enrolment_id, device_time_ms, received_at_ms, work_date, direction, verify_method, channel)
       VALUES ${Array(n).fill("(?, ?, ?, ?, ?, ?, ?, ?, ?, 'card', 'gate')").join(', ')}`
    const full = textOf(perStatement)
    const startMs = nowMs - 365 * 86_400_000
    const stepMs = (360 * 86_400_000) / Math.max(1, rows)
    let dateOfDay = -1
    let date = ''
    await bulkLoadPunches(db, async () => {
      for (let done = 0; done < rows; done += SEED_TRANSACTION_ROWS) {
        const end = Math.min(rows, done + SEED_TRANSACTION_ROWS)
        await db.tx(async (tx) => {
          await bulkSettings(tx)
          for (let from = done; from < end; from += perStatement) {
            const to = Math.min(end, from + perStatement)
            const params: unknown[] = []
            for (let k = from; k < to; k++) {
              const seq = Math.floor(k / deviceIds.length) + 1
              const w = roster.workers[k % roster.workers.length]!
              const ms = Math.floor(startMs + k * stepMs)
              const day = Math.floor(ms / 86_400_000)
              if (day !== dateOfDay) {
                dateOfDay = day
                date = workDateOf(ms, TIME_ZONE)
              }
              params.push(roster.projectId, deviceIds[k % deviceIds.length], String(seq), w.workerId, w.enrolmentId, ms, ms + 1_500, date, seq % 2 ? 'in' : 'out')
            }
            await tx.run(q(to - from === perStatement ? full : textOf(to - from), ...params))
          }
        })
      }
    }, { keepIndexes: true })
  } finally {
    await db.close()
  }
  // Statistics and visibility settled, and everything on disk, before any copy is taken and anything is timed.
  if (url.startsWith('postgres')) await withPg(url, async (c) => (await c.query('VACUUM (ANALYZE) punches'), await c.query('CHECKPOINT')))
  return perDevice
}

/** The seeded database, and fresh copies of it for each side of each run. */
interface Seeded {
  engine: Engine
  url: string
  /** PostgreSQL: the seeded database's name (kept with --keep). */
  pgName?: string
  bytes(): Promise<number>
  copy(label: string): Promise<{ url: string; remove(): Promise<void> }>
}

function seededSqlite(dir: string): Seeded {
  const path = join(dir, 'seeded.db')
  return {
    engine: 'sqlite',
    url: `file:${path}`,
    bytes: () => Promise.resolve(statSync(path).size),
    copy(label) {
      const to = join(dir, `${label}.db`)
      durableCopy(path, to)
      return Promise.resolve({ url: `file:${to}`, remove: () => Promise.resolve(['', '-wal', '-shm'].forEach((s) => rmSync(to + s, { force: true }))) })
    },
  }
}

async function seededPostgres(dbs: PgDatabases): Promise<Seeded> {
  const seed = await dbs.create('seed')
  return {
    engine: 'postgres',
    pgName: seed.name,
    url: seed.url,
    bytes: () => withPg(seed.url, async (c) => Number((await c.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n')).rows[0]?.n)),
    async copy(label) {
      const made = await dbs.create(label, seed.name)
      return { url: made.url, remove: () => dbs.drop(made.name) }
    },
  }
}

// ---------------------------------------------------------------- floor

interface FloorMessage {
  /** The gate's serial: its client id on the embedded broker, the topic's fourth level through Mosquitto. */
  serial: string
  payload: Buffer | string
  /** After the commit. */
  done(err?: Error): void
}

interface FloorStore {
  push(m: FloorMessage): void
  stored(): number
  close(): Promise<void>
}

/** What the floor stores of a message: the columns a punch has, decoded with no validation. */
function floorRow(m: FloorMessage, deviceIds: Map<string, string>, receivedAtMs: number): unknown[] {
  const f = JSON.parse(m.payload.toString()) as { seq: number; lane: number; idNo: string; ts: number; mode: string }
  const ms = f.ts * 1000
  // UTC+8 without a time-zone lookup: the floor does no real work it can avoid.
  const workDate = new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10)
  return [deviceIds.get(m.serial) ?? m.serial, String(f.seq), f.idNo, ms, receivedAtMs, workDate, f.lane % 2 ? 'in' : 'out', f.mode]
}

/**
 * The floor's store on SQLite: one bare INSERT per message (same table and indexes as the service; WAL,
 * synchronous=FULL, foreign keys off, no validation), all messages of a setImmediate batch in one transaction, each
 * called back after it.
 */
function sqliteBareInserter(path: string, deviceIds: Map<string, string>): FloorStore {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = OFF')
  const insert = db.prepare(
    `INSERT INTO punches (project_id, device_id, record_id, worker_id, enrolment_id, device_time_ms, received_at_ms, work_date, direction, verify_method, channel)
     VALUES ('floor', ?, ?, ?, '', ?, ?, ?, ?, ?, 'gate')`,
  )
  let stored = 0
  let queue: FloorMessage[] = []
  let scheduled = false
  const insertBatch = db.transaction((batch: FloorMessage[]) => {
    const receivedAtMs = Date.now()
    for (const m of batch) insert.run(...floorRow(m, deviceIds, receivedAtMs))
  })
  const drain = () => {
    const batch = queue.splice(0, LIMITS.ingest_batch_size_max)
    try {
      insertBatch(batch)
      stored += batch.length
      for (const m of batch) m.done()
    } catch (err) {
      for (const m of batch) m.done(err instanceof Error ? err : new Error(String(err)))
    }
    if (queue.length > 0) setImmediate(drain)
    else scheduled = false
  }
  return {
    push(m) {
      queue.push(m)
      if (!scheduled) {
        scheduled = true
        setImmediate(drain)
      }
    },
    stored: () => stored,
    close() {
      queue = []
      db.close()
      return Promise.resolve()
    },
  }
}

/** 256, 128, …, 1 rows: the cut of the service's multi-row statements, so that each size is prepared once. */
function statementSizes(n: number): number[] {
  const sizes: number[] = []
  while (n > 0) {
    const size = n >= FLOOR_STATEMENT_ROWS_MAX ? FLOOR_STATEMENT_ROWS_MAX : 2 ** Math.floor(Math.log2(n))
    sizes.push(size)
    n -= size
  }
  return sizes
}

/**
 * The floor's store on PostgreSQL: one connection; the messages that arrived while the last batch committed (at most
 * ingest_batch_size_max) in one transaction of multi-row INSERT … ON CONFLICT DO NOTHING statements (named, so each
 * size is planned once), each called back after COMMIT. Foreign-key triggers off (session_replication_role), as the
 * SQLite floor turns foreign keys off; no validation.
 */
async function pgBareInserter(url: string, deviceIds: Map<string, string>): Promise<FloorStore> {
  const client = new pg.Client({ connectionString: url, application_name: 'wage-ledger-bench-floor' })
  await client.connect()
  await client.query('SET session_replication_role = replica')
  const texts = new Map<number, string>()
  const textOf = (rows: number): string => {
    let text = texts.get(rows)
    if (text === undefined) {
      const values = Array.from({ length: rows }, (_, r) => `('floor', '', 'gate', ${Array.from({ length: 8 }, (_, c) => `$${r * 8 + c + 1}`).join(', ')})`)
      // The same row as the SQLite floor's (project 'floor', no enrolment), its eight values in floorRow's order.
      text = `INSERT INTO punches (project_id, enrolment_id, channel, device_id, record_id, worker_id, device_time_ms, received_at_ms, work_date, direction, verify_method)
        VALUES ${values.join(', ')} ON CONFLICT (device_id, record_id) DO NOTHING`
      texts.set(rows, text)
    }
    return text
  }
  let stored = 0
  let queue: FloorMessage[] = []
  let running = false
  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue.splice(0, LIMITS.ingest_batch_size_max)
      try {
        const receivedAtMs = Date.now()
        const rows = batch.map((m) => floorRow(m, deviceIds, receivedAtMs))
        await client.query('BEGIN')
        let at = 0
        for (const n of statementSizes(rows.length)) {
          await client.query({ name: `floor_${n}`, text: textOf(n), values: rows.slice(at, at + n).flat() })
          at += n
        }
        await client.query('COMMIT')
        stored += batch.length
        for (const m of batch) m.done()
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        for (const m of batch) m.done(err instanceof Error ? err : new Error(String(err)))
      }
    }
    running = false
  }
  return {
    push(m) {
      queue.push(m)
      if (!running) {
        running = true
        setImmediate(() => void drain())
      }
    },
    stored: () => stored,
    async close() {
      queue = []
      while (running) await new Promise((r) => setTimeout(r, 5))
      await client.end()
    },
  }
}

function floorStore(engine: Engine, url: string, deviceIds: Map<string, string>): Promise<FloorStore> {
  return engine === 'sqlite' ? Promise.resolve(sqliteBareInserter(url.slice('file:'.length), deviceIds)) : pgBareInserter(url, deviceIds)
}

/** The least any durable ingest can cost: aedes → queue → one bare INSERT transaction per batch → PUBACK. */
async function startFloor(store: FloorStore): Promise<{ url: string; close(): Promise<void> }> {
  // The same broker options as the service's embedded broker.
  const broker = await Aedes.createBroker({ concurrency: 1000, heartbeatInterval: 60_000, drainTimeout: 30_000 })
  broker.authorizePublish = (client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void) => {
    if (!client) return callback(null)
    store.push({ serial: client.id, payload: packet.payload, done: (err) => callback(err ?? null) })
  }
  const server = createServer(broker.handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/**
 * The floor through an external broker: the same number of MQTT.js subscriber connections as the service, with the
 * same Receive Maximum, sharing one subscription, into the same bare batched INSERT, each PUBACK held until its commit
 * with the service's own `holdAcks` (so the floor batches as well as MQTT.js lets anything batch).
 */
async function startFloorSubscriber(url: string, store: FloorStore, connections: number): Promise<{ close(): Promise<void> }> {
  const group = `floor-${process.pid}`
  const clients = await Promise.all(
    Array.from({ length: connections }, async (_, i) => {
      const client = mqtt.connect(url, { clientId: `${group}-${i}`, clean: true, protocolVersion: 5, properties: { receiveMaximum: LIMITS.mqtt_subscriber_in_flight_max }, reconnectPeriod: 0 })
      const acks = holdAcks(client)
      client.handleMessage = (packet, callback) => {
        if (packet.cmd !== 'publish') return callback()
        const entry = acks.received(packet.messageId ?? 0)
        const done = (err?: Error) => {
          if (err) throw err
          acks.committed(entry)
        }
        store.push({ serial: packet.topic.split('/')[3] ?? '', payload: packet.payload, done })
        callback()
      }
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve())
        client.once('error', reject)
      })
      await client.subscribeAsync(`$share/${group}/wl/v1/+/+/punch`, { qos: 1 })
      return client
    }),
  )
  return {
    async close() {
      await Promise.all(clients.map((c) => c.endAsync()))
    },
  }
}

/** Mosquitto on a free port with the configuration the README documents (it loses nothing). */
async function startMosquittoBroker(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const bin = findMosquitto()
  if (!bin) throw new Error('--broker mosquitto needs the mosquitto binary (apt-get install mosquitto)')
  const port = await freePort()
  const conf = join(dir, `mosquitto-${port}.conf`)
  writeFileSync(conf, mosquittoConf(port))
  const proc = spawn(bin, ['-c', conf], { stdio: ['ignore', 'inherit', 'inherit'] })
  const kill = () => proc.kill('SIGKILL')
  process.once('exit', kill)
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  for (let i = 0; ; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1')
      s.once('connect', () => (s.destroy(), resolve(true)))
      s.once('error', () => resolve(false))
    })
    if (ok) break
    if (i > 400) throw new Error('mosquitto did not start')
    await new Promise((r) => setTimeout(r, 25))
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async close() {
      process.off('exit', kill)
      proc.kill('SIGTERM')
      await exited
    },
  }
}

/** Resolves with the instant `count()` reached `n`, polled every few ms. */
function reached(count: () => number, n: number): () => Promise<number> {
  return () =>
    new Promise((resolve) => {
      const poll = setInterval(() => {
        if (count() >= n) {
          clearInterval(poll)
          resolve(performance.now())
        }
      }, 2)
    })
}

// ---------------------------------------------------------------- instances as processes

interface InstanceCounters {
  stored: number
  duplicates: number
  rejected: number
  commits: number
}

/** An instance's inbox counters, from its /metrics. */
async function countersOf(child: ChildService): Promise<InstanceCounters> {
  const text = await (await fetch(`${child.httpUrl}/metrics`)).text()
  const sum = (name: string): number =>
    text
      .split('\n')
      .filter((l) => l.startsWith(name) && (l[name.length] === ' ' || l[name.length] === '{'))
      .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)
  return { stored: sum('wl_ingest_punches_stored_total'), duplicates: sum('wl_ingest_duplicates_total'), rejected: sum('wl_ingest_refused_total'), commits: sum('wl_ingest_batch_frames_count') }
}

const total = (cs: InstanceCounters[]): InstanceCounters =>
  cs.reduce((a, c) => ({ stored: a.stored + c.stored, duplicates: a.duplicates + c.duplicates, rejected: a.rejected + c.rejected, commits: a.commits + c.commits }), { stored: 0, duplicates: 0, rejected: 0, commits: 0 })

/** Resolves with the instant the instances together had committed n frames; rejects if one dies or all stall. */
function committedAcross(children: ChildService[], n: number): () => Promise<number> {
  return async () => {
    let last = -1
    let lastChangeMs = performance.now()
    for (;;) {
      const dead = children.find((c) => c.proc.exitCode !== null || c.proc.signalCode !== null)
      if (dead) throw new Error(`an instance exited during the run:\n${dead.output()}`)
      const t = total(await Promise.all(children.map(countersOf)))
      const done = t.stored + t.duplicates + t.rejected
      if (done >= n) return performance.now()
      if (done !== last) {
        last = done
        lastChangeMs = performance.now()
      } else if (performance.now() - lastChangeMs > STALL_MS_MAX) {
        throw new Error(`the instances committed nothing for ${STALL_MS_MAX / 1000} s, at ${done} of ${n} frames`)
      }
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
  }
}

// ---------------------------------------------------------------- main

function options() {
  const { values } = parseArgs({
    options: {
      db: { type: 'string', default: 'sqlite' },
      messages: { type: 'string', default: '200000' },
      'seed-rows': { type: 'string', default: '1000000' },
      devices: { type: 'string', default: '50' },
      'in-flight': { type: 'string', default: '200' },
      workers: { type: 'string', default: '2000' },
      runs: { type: 'string', default: '1' },
      keep: { type: 'boolean', default: false },
      broker: { type: 'string' },
      subscribers: { type: 'string', default: String(loadConfig({}).mqttSubscribers) },
      instances: { type: 'string' },
    },
    strict: true,
  })
  const int = wholeNumberOption
  const db = engineOption(values.db)
  const instances = values.instances === undefined ? undefined : values.instances.split(',').map((s) => int('instances', s.trim(), 1))
  const broker = values.broker ?? (instances ? 'mosquitto' : 'embedded')
  if (broker !== 'embedded' && broker !== 'mosquitto') throw new Error(`--broker must be embedded or mosquitto, got "${broker}"`)
  if (instances && (db !== 'postgres' || broker !== 'mosquitto')) throw new Error('--instances needs --db postgres and --broker mosquitto (instances share a database and a subscription)')
  const devices = int('devices', values.devices, 1)
  const messages = int('messages', values.messages, devices)
  if (messages % devices !== 0) throw new Error(`--messages (${messages}) must be a multiple of --devices (${devices})`)
  return {
    db,
    messages,
    seedRows: int('seed-rows', values['seed-rows'], 0),
    devices,
    inFlight: int('in-flight', values['in-flight'], 1),
    workers: int('workers', values.workers, 1),
    runs: int('runs', values.runs, 1),
    keep: values.keep ?? false,
    broker,
    subscribers: int('subscribers', values.subscribers, 1),
    instances,
  }
}

type Options = ReturnType<typeof options>

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
const mib = (bytes: number): string => `${(bytes / 1_048_576).toFixed(0)} MB`

/** Hundreds of MB of dirty pages are written to disk now, before anything is timed, rather than during a run. */
function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+')
  fsyncSync(fd)
  closeSync(fd)
}

function durableCopy(from: string, to: string): void {
  copyFileSync(from, to)
  fsyncFile(to)
}

/** Every row of the table, straight from the database (the floor's, or one the instances shared). */
async function countRows(url: string): Promise<number> {
  if (url.startsWith('postgres')) return withPg(url, async (c) => Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM punches')).rows[0]?.n))
  const db = new Database(url.slice('file:'.length), { readonly: true })
  try {
    return (db.prepare('SELECT count(*) AS n FROM punches').get() as { n: number }).n
  } finally {
    db.close()
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
const rate = (o: PublishOutcome): number => o.acked / o.seconds

type Check = [string, boolean]

/** The floor of one run, on its own copy of the seeded database, through a fresh broker of the kind asked for. */
async function runFloor(opt: Options, seeded: Seeded, roster: BenchRoster, job: (url: string) => PublishJob, dir: string, label: string): Promise<{ outcome: PublishOutcome; checks: Check[] }> {
  const target = await seeded.copy(label)
  try {
    const store = await floorStore(seeded.engine, target.url, roster.deviceIds)
    let outcome: PublishOutcome
    try {
      if (opt.broker === 'embedded') {
        const broker = await startFloor(store)
        outcome = await publishThrough(job(broker.url))
        await broker.close()
      } else {
        const mosquitto = await startMosquittoBroker(dir)
        const subscriber = await startFloorSubscriber(mosquitto.url, store, opt.subscribers)
        outcome = await publishThrough(job(mosquitto.url), reached(() => store.stored(), opt.messages))
        await subscriber.close()
        await mosquitto.close()
      }
    } finally {
      await store.close()
    }
    const stored = store.stored()
    const rows = await countRows(target.url)
    return {
      outcome,
      checks: [
        [
          `${label}: every message acked (${fmt(outcome.acked)}) and stored (${fmt(stored)}); table holds ${fmt(rows)}`,
          outcome.acked === opt.messages && stored === opt.messages && rows === opt.seedRows + opt.messages,
        ],
      ],
    }
  } finally {
    await target.remove()
  }
}

interface ServiceRun {
  outcome: PublishOutcome
  commits: number
  checks: Check[]
  sizing?: PunchSizing
}

/** The service in this process (startServer) on its own copy of the seeded database. */
async function runService(opt: Options, seeded: Seeded, roster: BenchRoster, job: (url: string) => PublishJob, dir: string, label: string, measureSize: boolean): Promise<ServiceRun> {
  const target = await seeded.copy(label)
  try {
    const config = configFor(target.url)
    let outcome: PublishOutcome
    let stats: InboxStats
    let tableRows: number
    let sizing: PunchSizing | undefined
    if (opt.broker === 'embedded') {
      const server = await startServer(config, { logger: false })
      try {
        outcome = await publishThrough(job(server.mqttUrl))
        while (server.services.inbox.pending > 0) await new Promise((resolve) => setImmediate(resolve))
        stats = { ...server.services.inbox.stats }
        tableRows = await server.services.punches.countPunches(roster.projectId)
        if (measureSize) sizing = await punchSizing(server.services.db)
      } finally {
        await server.close()
      }
    } else {
      const mosquitto = await startMosquittoBroker(dir)
      const server = await startServer({ ...config, mqttUrl: mosquitto.url, mqttGroup: `bench-${label}`, mqttSubscribers: opt.subscribers }, { logger: false })
      try {
        const inbox = server.services.inbox
        outcome = await publishThrough(job(mosquitto.url), reached(() => inbox.stats.stored + inbox.stats.duplicates + inbox.stats.rejected, opt.messages))
        stats = { ...inbox.stats }
        tableRows = await server.services.punches.countPunches(roster.projectId)
        if (measureSize) sizing = await punchSizing(server.services.db)
      } finally {
        await server.close()
        await mosquitto.close()
      }
    }
    return {
      outcome,
      commits: stats.batches,
      sizing,
      checks: [
        [`${label}: every message acked (${fmt(outcome.acked)} of ${fmt(opt.messages)}, ${outcome.failed} failed)`, outcome.acked === opt.messages],
        [`${label}: stored ${fmt(stats.stored)}, duplicates ${stats.duplicates}, rejected ${stats.rejected}`, stats.stored === opt.messages && stats.duplicates === 0 && stats.rejected === 0],
        [`${label}: punches table holds ${fmt(tableRows)} = seeded ${fmt(opt.seedRows)} + ${fmt(opt.messages)}`, tableRows === opt.seedRows + opt.messages],
      ],
    }
  } finally {
    await target.remove()
  }
}

/** n instances of the service, each its own process, on one copy of the seeded database, behind one Mosquitto. */
async function runInstances(opt: Options, seeded: Seeded, job: (url: string) => PublishJob, dir: string, n: number, label: string, measureSize: boolean): Promise<ServiceRun> {
  const target = await seeded.copy(label)
  const mosquitto = await startMosquittoBroker(dir)
  const children: ChildService[] = []
  try {
    const ports = []
    for (let k = 0; k < n; k++) ports.push({ httpPort: await freePort(), mqttPort: await freePort() })
    children.push(
      ...(await Promise.all(
        ports.map((p, k) =>
          spawnService(undefined, {
            databaseUrl: target.url,
            ...p,
            env: { MQTT_URL: mosquitto.url, MQTT_GROUP: `bench-${label}`, MQTT_INSTANCE: `i${k + 1}`, MQTT_SUBSCRIBERS: String(opt.subscribers) },
          }),
        ),
      )),
    )
    const outcome = await publishThrough(job(mosquitto.url), committedAcross(children, opt.messages))
    const counters = total(await Promise.all(children.map(countersOf)))
    await Promise.all(children.map((c) => c.stop()))
    const tableRows = await countRows(target.url)
    let sizing: PunchSizing | undefined
    if (measureSize) {
      const db = await openDatabase(target.url)
      sizing = await punchSizing(db).finally(() => db.close())
    }
    return {
      outcome,
      commits: counters.commits,
      sizing,
      checks: [
        [`${label}: every message acked by Mosquitto (${fmt(outcome.acked)} of ${fmt(opt.messages)}, ${outcome.failed} failed)`, outcome.acked === opt.messages],
        [
          `${label}: ${n === 1 ? 'the instance' : `the ${n} instances`} stored ${fmt(counters.stored)}, duplicates ${counters.duplicates}, rejected ${counters.rejected}`,
          counters.stored === opt.messages && counters.duplicates === 0 && counters.rejected === 0,
        ],
        [`${label}: punches table holds ${fmt(tableRows)} = seeded ${fmt(opt.seedRows)} + ${fmt(opt.messages)}`, tableRows === opt.seedRows + opt.messages],
      ],
    }
  } finally {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) await c.kill9()
    await mosquitto.close()
    await target.remove()
  }
}

const configFor = (databaseUrl: string): Config => ({ ...loadConfig({}), databaseUrl, httpPort: 0, deviceHttpPort: 0, mqttPort: 0, logLevel: 'warn' })

async function main(): Promise<void> {
  const opt = options()
  const perDevice = opt.messages / opt.devices
  const dir = mkdtempSync(join(tmpdir(), 'wage-ledger-bench-'))
  const dbs = opt.db === 'postgres' ? new PgDatabases() : undefined
  const nowMs = Date.now()
  let failed = false
  try {
    const seeded = dbs ? await seededPostgres(dbs) : seededSqlite(dir)
    if (opt.keep && seeded.pgName) dbs?.keep(seeded.pgName)
    // Roster through the service, then history through the database layer; every run starts from a copy of it.
    const setup = await startServer(configFor(seeded.url), { logger: false })
    const roster = await registerBenchRoster(setup.services, { siteCode: SITE_CODE, timeZone: TIME_ZONE, label: '基准', serialPrefix: 'GT', workers: opt.workers, devices: opt.devices, teams: 8, seed: 20261122, nowMs })
    // Each gate's MQTT secret, as registration over HTTP would have issued it.
    const secrets: Record<string, string> = {}
    for (const [serial, id] of roster.deviceIds) secrets[serial] = await setup.services.access.issueDeviceSecret({ id, serial }, 'bench')
    await setup.close()
    const t0 = performance.now()
    const seedPerDevice = await seedPunches(seeded.url, roster, opt.seedRows, nowMs)
    if (seeded.engine === 'sqlite') fsyncFile(seeded.url.slice('file:'.length))
    const seedSeconds = (performance.now() - t0) / 1000
    console.log(`setup: ${opt.workers} workers, ${opt.devices} gates; ${fmt(opt.seedRows)} punches seeded in ${seedSeconds.toFixed(1)} s (${fmt(opt.seedRows / seedSeconds)}/s; ${mib(await seeded.bytes())} database)`)
    if (seeded.engine === 'postgres') console.log(`       ${await pgSettings(seeded.url)}`)

    const job = (url: string): PublishJob => ({
      url,
      siteCode: SITE_CODE,
      serials: [...roster.deviceIds.keys()],
      secrets,
      idNumbers: roster.workers.map((w) => w.idNumber),
      firstSeq: seedPerDevice + 1,
      perDevice,
      inFlight: opt.inFlight,
      nowMs,
    })
    const engineName = seeded.engine === 'sqlite' ? 'SQLite WAL, synchronous=FULL' : 'PostgreSQL'
    const checks: Check[] = []
    let sizing: PunchSizing | undefined

    if (opt.instances) {
      const series = new Map<number, ServiceRun[]>(opt.instances.map((n) => [n, []]))
      const floors: PublishOutcome[] = []
      for (let r = 1; r <= opt.runs; r++) {
        const floor = await runFloor(opt, seeded, roster, job, dir, `floor_r${r}`)
        floors.push(floor.outcome)
        checks.push(...floor.checks)
        const line = [`run ${r}: floor ${fmt(rate(floor.outcome))}/s`]
        for (const n of opt.instances) {
          const last = r === opt.runs && n === opt.instances.at(-1)
          const run = await runInstances(opt, seeded, job, dir, n, `i${n}_r${r}`, last)
          series.get(n)!.push(run)
          checks.push(...run.checks)
          sizing ??= run.sizing
          line.push(`${n} instance${n > 1 ? 's' : ''} ${fmt(rate(run.outcome))}/s`)
        }
        console.log(line.join(', '))
      }
      const of = opt.runs > 1 ? ` (medians of ${opt.runs} runs)` : ''
      const one = median((series.get(opt.instances[0]!) ?? []).map((r) => rate(r.outcome)))
      const floorPerS = median(floors.map(rate))
      console.log('')
      console.log(`ingest, service instances as processes: ${opt.devices} gates × ${fmt(perDevice)} QoS 1 punches, ${opt.inFlight} in flight per gate, onto ${fmt(opt.seedRows)} stored punches (${engineName}), through one Mosquitto, ${opt.subscribers} shared-subscription connections per instance${of}`)
      console.log(`  ${'instances'.padEnd(10)}${'seconds'.padStart(9)}${'punches/s'.padStart(11)}${'per instance'.padStart(14)}${`× ${opt.instances[0]}`.padStart(8)}${'/ floor'.padStart(9)}${'per commit'.padStart(12)}   runs (punches/s)`)
      console.log(`  ${'floor'.padEnd(10)}${median(floors.map((o) => o.seconds)).toFixed(2).padStart(9)}${fmt(floorPerS).padStart(11)}${''.padStart(14)}${''.padStart(8)}${'1.00'.padStart(9)}${''.padStart(12)}   ${floors.map((o) => fmt(rate(o))).join(' / ')}`)
      for (const [n, runs] of series) {
        const perS = median(runs.map((r) => rate(r.outcome)))
        const commits = median(runs.map((r) => r.commits))
        console.log(
          `  ${String(n).padEnd(10)}${median(runs.map((r) => r.outcome.seconds)).toFixed(2).padStart(9)}${fmt(perS).padStart(11)}${fmt(perS / n).padStart(14)}${(perS / one).toFixed(2).padStart(8)}${(perS / floorPerS).toFixed(2).padStart(9)}${fmt(opt.messages / Math.max(1, commits)).padStart(12)}   ${runs.map((r) => fmt(rate(r.outcome))).join(' / ')}`,
        )
      }
      console.log(`  (floor: one process, ${opt.subscribers} MQTT.js connections → bare batched INSERT → PUBACK after commit)`)
    } else {
      const runs: Array<{ service: ServiceRun; floor: PublishOutcome }> = []
      for (let r = 1; r <= opt.runs; r++) {
        const service = await runService(opt, seeded, roster, job, dir, `service_r${r}`, r === opt.runs)
        const floor = await runFloor(opt, seeded, roster, job, dir, `floor_r${r}`)
        runs.push({ service, floor: floor.outcome })
        checks.push(...service.checks, ...floor.checks)
        sizing ??= service.sizing
        if (opt.runs > 1) {
          const sps = rate(service.outcome)
          const fps = rate(floor.outcome)
          console.log(`run ${r}: service ${fmt(sps)}/s in ${service.outcome.seconds.toFixed(2)} s, floor ${fmt(fps)}/s in ${floor.outcome.seconds.toFixed(2)} s, ratio ${(sps / fps).toFixed(2)}`)
        }
      }
      const servicePerS = median(runs.map((r) => rate(r.service.outcome)))
      const floorPerS = median(runs.map((r) => rate(r.floor)))
      const ratio = median(runs.map((r) => rate(r.service.outcome) / rate(r.floor)))
      const of = opt.runs > 1 ? ` (median of ${opt.runs} runs)` : ''
      const commits = median(runs.map((r) => r.service.commits))
      const path = opt.broker === 'embedded' ? 'embedded aedes → inbox' : `Mosquitto → ${opt.subscribers} shared-subscription connections → inbox`
      const floorPath = opt.broker === 'embedded' ? 'same aedes' : 'same Mosquitto, as many MQTT.js connections'
      const floorStatement = seeded.engine === 'sqlite' ? 'bare INSERT per message' : 'bare multi-row INSERT … ON CONFLICT DO NOTHING'
      console.log('')
      console.log(`ingest: ${opt.devices} gates × ${fmt(perDevice)} QoS 1 punches, ${opt.inFlight} in flight per gate, onto ${fmt(opt.seedRows)} stored punches (${engineName}), broker: ${opt.broker}`)
      console.log(`  messages             ${fmt(opt.messages)}`)
      console.log(`  seconds              ${median(runs.map((r) => r.service.outcome.seconds)).toFixed(2)} (floor ${median(runs.map((r) => r.floor.seconds)).toFixed(2)})${of}`)
      console.log(`  durable punches/s    ${fmt(servicePerS)}   (${path}: admit, decode, insert → PUBACK after commit; ${fmt(commits)} commits, ${fmt(opt.messages / Math.max(1, commits))} per commit)`)
      console.log(`  floor punches/s      ${fmt(floorPerS)}   (${floorPath} → ${floorStatement}, batched per transaction → PUBACK after commit)`)
      console.log(`  ratio service/floor  ${ratio.toFixed(2)}`)
      if (opt.runs > 1) console.log(`  runs                 service ${runs.map((r) => fmt(rate(r.service.outcome))).join(' / ')}; floor ${runs.map((r) => fmt(rate(r.floor))).join(' / ')}; ratio ${runs.map((r) => (rate(r.service.outcome) / rate(r.floor)).toFixed(2)).join(' / ')}`)
      console.log(`  aim ≥ ${fmt(AIM_PUNCHES_PER_S)}/s          ${servicePerS >= AIM_PUNCHES_PER_S ? 'PASS' : 'BELOW'}`)
      console.log(`  aim ≥ ${AIM_FLOOR_RATIO} × floor        ${ratio >= AIM_FLOOR_RATIO ? 'PASS' : 'BELOW'}`)
    }
    if (sizing) console.log(`  sizing               ${sizingLine(sizing)}`)
    for (const [what, ok] of checks) {
      console.log(`  ${ok ? 'ok    ' : 'FAILED'} ${what}`)
      if (!ok) failed = true
    }
    if (opt.keep && seeded.pgName) console.log(`kept the seeded database ${seeded.pgName}`)
  } finally {
    if (opt.keep) console.log(`kept ${dir}`)
    else rmSync(dir, { recursive: true, force: true })
    await dbs?.dropAll()
  }
  if (failed) process.exitCode = 1
}

if (process.argv.includes('--publisher')) {
  await publisher()
} else {
  await main()
}
