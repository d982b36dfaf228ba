/**
 * Ingest benchmark: durable punches per second through the service's embedded
 * broker, against its floor.
 *
 *   tsx bench/ingest.ts [--messages 200000] [--seed-rows 1000000] [--devices 50] [--in-flight 200] [--workers 2000] [--runs 1] [--keep]
 *                       [--broker embedded|mosquitto] [--subscribers 4]
 *
 * With --broker mosquitto the gates publish to a Mosquitto started on a free
 * port with the documented configuration, the service subscribes through
 * --subscribers shared-subscription connections, and the figure runs to the
 * service's last commit (a broker's PUBACK is not the service's); the floor
 * is as many bare MQTT.js connections inserting in batches.
 *
 * Service: 50 gates (gate-ts200) publish QoS 1 punches, many in flight each,
 * to the embedded aedes broker of a service started with startServer on a
 * SQLite file whose punches table already holds --seed-rows rows (style.md,
 * trap 5). A punch counts once its PUBACK reaches the gate, which the service
 * sends only after commit; the figure is acked punches / (last PUBACK − first
 * PUBLISH), and the stored count is checked.
 *
 * Floor: the same messages from the same publisher code, through a fresh
 * aedes broker with the same options, into a bare batched INSERT of the same
 * table on a copy of the same pre-seeded file (WAL, synchronous=FULL, foreign
 * keys off, no validation): authorizePublish queues the packet, a
 * setImmediate batch inserts in one transaction and calls back after commit.
 *
 * The gates run in a child process (as devices are outside the service), so
 * the publisher's own cost does not share the service's event loop. With
 * --runs N, each run starts from fresh copies of the seeded file and the
 * medians are reported (shared machines vary from run to run).
 */
import Database from 'better-sqlite3'
import { Aedes, type Client, type PublishPacket } from 'aedes'
import mqtt from 'mqtt'
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { closeSync, copyFileSync, fsyncSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { connect, createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { LIMITS } from '../src/config/limits.ts'
import { loadConfig, type Config } from '../src/config/env.ts'
import { workDateOf } from '../src/kernel/time.ts'
import { startServer } from '../src/server.ts'
import type { InboxStats } from '../src/ingest/inbox.ts'
import { holdAcks } from '../src/ingest/external-subscriber.ts'
import { findMosquitto, mosquittoConf } from '../test/ingest/helpers/mosquitto.ts'
import { freePort } from '../test/helpers/free-port.ts'
import { registerBenchRoster, type BenchRoster } from './roster.ts'

const AIM_PUNCHES_PER_S = 20_000
const AIM_FLOOR_RATIO = 0.5
const SITE_CODE = 'BENCH-SITE-01'
const TIME_ZONE = 'Asia/Shanghai'
const SEED_TRANSACTION_ROWS = 100_000

// ---------------------------------------------------------------- publisher (child process)

interface PublishJob {
  url: string
  siteCode: string
  serials: string[]
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

/** The gates: one MQTT.js connection each (client id = serial), `inFlight` QoS 1 publishes outstanding on each. */
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
              client: await mqtt.connectAsync(job.url, { clientId: serial, clean: true, reconnectPeriod: 0 }),
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
 * History: `rows` punches of the same gates and workers over the past year, in
 * arrival order, record ids 1…rows/devices per gate, in big transactions.
 */
function seedPunches(path: string, roster: BenchRoster, rows: number, nowMs: number): number {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = OFF')
  const insert = db.prepare(
    `INSERT INTO punches (project_id, device_id, record_id, worker_id, enrolment_id, device_time_ms, received_at_ms, work_date, direction, verify_method, channel)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'card', 'gate')`,
  )
  const deviceIds = [...roster.deviceIds.values()]
  const perDevice = Math.ceil(rows / deviceIds.length)
  const startMs = nowMs - 365 * 86_400_000
  const stepMs = (360 * 86_400_000) / Math.max(1, rows)
  let dateOfMs = -1
  let date = ''
  for (let done = 0; done < rows; ) {
    const n = Math.min(SEED_TRANSACTION_ROWS, rows - done)
    db.transaction(() => {
      for (let k = done; k < done + n; k++) {
        const d = k % deviceIds.length
        const seq = Math.floor(k / deviceIds.length) + 1
        const w = roster.workers[k % roster.workers.length]!
        const ms = Math.floor(startMs + k * stepMs)
        const day = Math.floor(ms / 86_400_000)
        if (day !== dateOfMs) {
          dateOfMs = day
          date = workDateOf(ms, TIME_ZONE)
        }
        insert.run(roster.projectId, deviceIds[d], String(seq), w.workerId, w.enrolmentId, ms, ms + 1_500, date, seq % 2 ? 'in' : 'out')
      }
    })()
    done += n
  }
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  return perDevice
}

// ---------------------------------------------------------------- floor

interface FloorMessage {
  /** The gate's serial: its client id on the embedded broker, the topic's fourth level through Mosquitto. */
  serial: string
  payload: Buffer | string
  /** After the commit. */
  done(err?: Error): void
}

/**
 * The floor's store: one bare INSERT per message (same table and indexes as the service; WAL, synchronous=FULL,
 * foreign keys off, no validation), all messages of a setImmediate batch in one transaction, each called back after it.
 */
function bareInserter(path: string, deviceIds: Map<string, string>): { push(m: FloorMessage): void; stored(): number; close(): void } {
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
    for (const m of batch) {
      const f = JSON.parse(m.payload.toString()) as { seq: number; lane: number; idNo: string; ts: number; mode: string }
      const ms = f.ts * 1000
      // UTC+8 without a time-zone lookup: the floor does no real work it can avoid.
      const workDate = new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10)
      insert.run(deviceIds.get(m.serial) ?? m.serial, String(f.seq), f.idNo, ms, receivedAtMs, workDate, f.lane % 2 ? 'in' : 'out', f.mode)
    }
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
    },
  }
}

/** The least any durable ingest can cost: aedes → queue → one bare INSERT transaction per setImmediate batch → PUBACK. */
async function startFloor(path: string, deviceIds: Map<string, string>): Promise<{ url: string; stored(): number; close(): Promise<void> }> {
  const store = bareInserter(path, deviceIds)
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
    stored: () => store.stored(),
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
      store.close()
    },
  }
}

/**
 * The floor through an external broker: the same number of MQTT.js subscriber connections as the service, sharing one
 * subscription, into the same bare batched INSERT, each PUBACK held until its commit with the service's own
 * `holdAcks` (so the floor batches as well as MQTT.js lets anything batch).
 */
async function startFloorSubscriber(
  url: string,
  path: string,
  deviceIds: Map<string, string>,
  connections: number,
): Promise<{ stored(): number; close(): Promise<void> }> {
  const store = bareInserter(path, deviceIds)
  const group = `floor-${process.pid}`
  const clients = await Promise.all(
    Array.from({ length: connections }, async (_, i) => {
      const client = mqtt.connect(url, { clientId: `${group}-${i}`, clean: true, protocolVersion: 5, properties: { receiveMaximum: 65535 }, reconnectPeriod: 0 })
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
    stored: () => store.stored(),
    async close() {
      await Promise.all(clients.map((c) => c.endAsync()))
      store.close()
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

// ---------------------------------------------------------------- main

function options() {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '200000' },
      'seed-rows': { type: 'string', default: '1000000' },
      devices: { type: 'string', default: '50' },
      'in-flight': { type: 'string', default: '200' },
      workers: { type: 'string', default: '2000' },
      runs: { type: 'string', default: '1' },
      keep: { type: 'boolean', default: false },
      broker: { type: 'string', default: 'embedded' },
      subscribers: { type: 'string', default: String(loadConfig({}).mqttSubscribers) },
    },
    strict: true,
  })
  if (values.broker !== 'embedded' && values.broker !== 'mosquitto') throw new Error(`--broker must be embedded or mosquitto, got "${values.broker}"`)
  const int = (name: string, raw: string | undefined, min: number): number => {
    const n = Number(raw)
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}, got "${raw}"`)
    return n
  }
  const devices = int('devices', values.devices, 1)
  const messages = int('messages', values.messages, devices)
  if (messages % devices !== 0) throw new Error(`--messages (${messages}) must be a multiple of --devices (${devices})`)
  return {
    messages,
    seedRows: int('seed-rows', values['seed-rows'], 0),
    devices,
    inFlight: int('in-flight', values['in-flight'], 1),
    workers: int('workers', values.workers, 1),
    runs: int('runs', values.runs, 1),
    keep: values.keep ?? false,
    broker: values.broker,
    subscribers: int('subscribers', values.subscribers, 1),
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
const mb = (path: string): string => `${(statSync(path).size / 1_048_576).toFixed(0)} MB`

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

function countRows(path: string): number {
  const db = new Database(path, { readonly: true })
  try {
    return (db.prepare('SELECT count(*) AS n FROM punches').get() as { n: number }).n
  } finally {
    db.close()
  }
}

interface RunResult {
  service: PublishOutcome
  floor: PublishOutcome
  batches: number
  checks: Array<[string, boolean]>
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

async function main(): Promise<void> {
  const opt = options()
  const perDevice = opt.messages / opt.devices
  const dir = mkdtempSync(join(tmpdir(), 'wage-ledger-bench-'))
  const seedPath = join(dir, 'seeded.db')
  const nowMs = Date.now()
  const configFor = (path: string): Config => ({ ...loadConfig({}), databaseUrl: `file:${path}`, httpPort: 0, mqttPort: 0, logLevel: 'warn' })
  let failed = false
  try {
    // Roster through the service, then history straight into the file; every run starts from a copy of it.
    const setup = await startServer(configFor(seedPath), { logger: false })
    const roster = registerBenchRoster(setup.services, { siteCode: SITE_CODE, timeZone: TIME_ZONE, label: '基准', serialPrefix: 'GT', workers: opt.workers, devices: opt.devices, teams: 8, seed: 20261122, nowMs })
    await setup.close()
    const t0 = performance.now()
    const seedPerDevice = opt.seedRows > 0 ? seedPunches(seedPath, roster, opt.seedRows, nowMs) : 0
    fsyncFile(seedPath)
    console.log(`setup: ${opt.workers} workers, ${opt.devices} gates; ${fmt(opt.seedRows)} punches seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s (${mb(seedPath)} file)`)

    const job = (url: string): PublishJob => ({
      url,
      siteCode: SITE_CODE,
      serials: [...roster.deviceIds.keys()],
      idNumbers: roster.workers.map((w) => w.idNumber),
      firstSeq: seedPerDevice + 1,
      perDevice,
      inFlight: opt.inFlight,
      nowMs,
    })

    const runs: RunResult[] = []
    for (let r = 1; r <= opt.runs; r++) {
      const servicePath = join(dir, `service-${r}.db`)
      const floorPath = join(dir, `floor-${r}.db`)
      durableCopy(seedPath, servicePath)
      durableCopy(seedPath, floorPath)

      // The service, then the floor, each through a fresh broker of the kind asked for.
      let service: PublishOutcome
      let stats: InboxStats
      let tableRows: number
      let floor: PublishOutcome
      let floorStored: number
      if (opt.broker === 'embedded') {
        const server = await startServer(configFor(servicePath), { logger: false })
        service = await publishThrough(job(server.mqttUrl))
        while (server.services.inbox.pending > 0) await new Promise((resolve) => setImmediate(resolve))
        stats = { ...server.services.inbox.stats }
        tableRows = server.services.punches.countPunches(roster.projectId)
        await server.close()

        const floorBroker = await startFloor(floorPath, roster.deviceIds)
        floor = await publishThrough(job(floorBroker.url))
        floorStored = floorBroker.stored()
        await floorBroker.close()
      } else {
        const mosquitto = await startMosquittoBroker(dir)
        const server = await startServer({ ...configFor(servicePath), mqttUrl: mosquitto.url, mqttGroup: `bench-${r}`, mqttSubscribers: opt.subscribers }, { logger: false })
        const inbox = server.services.inbox
        service = await publishThrough(job(mosquitto.url), reached(() => inbox.stats.stored + inbox.stats.duplicates + inbox.stats.rejected, opt.messages))
        stats = { ...inbox.stats }
        tableRows = server.services.punches.countPunches(roster.projectId)
        await server.close()
        await mosquitto.close()

        const floorMosquitto = await startMosquittoBroker(dir)
        const floorSubscriber = await startFloorSubscriber(floorMosquitto.url, floorPath, roster.deviceIds, opt.subscribers)
        floor = await publishThrough(job(floorMosquitto.url), reached(() => floorSubscriber.stored(), opt.messages))
        floorStored = floorSubscriber.stored()
        await floorSubscriber.close()
        await floorMosquitto.close()
      }
      const floorRows = countRows(floorPath)

      const tag = opt.runs > 1 ? `run ${r}: ` : ''
      runs.push({
        service,
        floor,
        batches: stats.batches,
        checks: [
          [`${tag}service: every message acked (${fmt(service.acked)} of ${fmt(opt.messages)}, ${service.failed} failed)`, service.acked === opt.messages],
          [`${tag}service: stored ${fmt(stats.stored)}, duplicates ${stats.duplicates}, rejected ${stats.rejected}`, stats.stored === opt.messages && stats.duplicates === 0 && stats.rejected === 0],
          [`${tag}service: punches table holds ${fmt(tableRows)} = seeded ${fmt(opt.seedRows)} + ${fmt(opt.messages)}`, tableRows === opt.seedRows + opt.messages],
          [
            `${tag}floor: every message acked (${fmt(floor.acked)}) and stored (${fmt(floorStored)}); table holds ${fmt(floorRows)}`,
            floor.acked === opt.messages && floorStored === opt.messages && floorRows === opt.seedRows + opt.messages,
          ],
        ],
      })
      if (opt.runs > 1) {
        const sps = service.acked / service.seconds
        const fps = floor.acked / floor.seconds
        console.log(`run ${r}: service ${fmt(sps)}/s in ${service.seconds.toFixed(2)} s, floor ${fmt(fps)}/s in ${floor.seconds.toFixed(2)} s, ratio ${(sps / fps).toFixed(2)}`)
      }
      rmSync(servicePath, { force: true })
      rmSync(floorPath, { force: true })
    }

    const servicePerS = median(runs.map((r) => r.service.acked / r.service.seconds))
    const floorPerS = median(runs.map((r) => r.floor.acked / r.floor.seconds))
    const ratio = median(runs.map((r) => r.service.acked / r.service.seconds / (r.floor.acked / r.floor.seconds)))
    const of = opt.runs > 1 ? ` (median of ${opt.runs} runs)` : ''
    const batches = median(runs.map((r) => r.batches))
    console.log('')
    const path = opt.broker === 'embedded' ? 'embedded aedes → inbox' : `Mosquitto → ${opt.subscribers} shared-subscription connections → inbox`
    console.log(`ingest: ${opt.devices} gates × ${fmt(perDevice)} QoS 1 punches, ${opt.inFlight} in flight per gate, onto ${fmt(opt.seedRows)} stored punches (SQLite WAL, synchronous=FULL), broker: ${opt.broker}`)
    console.log(`  messages             ${fmt(opt.messages)}`)
    console.log(`  seconds              ${median(runs.map((r) => r.service.seconds)).toFixed(2)} (floor ${median(runs.map((r) => r.floor.seconds)).toFixed(2)})${of}`)
    console.log(`  durable punches/s    ${fmt(servicePerS)}   (${path}: admit, decode, insert → PUBACK after commit; ${fmt(batches)} commits, ${fmt(opt.messages / Math.max(1, batches))} per commit)`)
    console.log(`  floor punches/s      ${fmt(floorPerS)}   (${opt.broker === 'embedded' ? 'same aedes' : 'same Mosquitto, as many MQTT.js connections'} → bare batched INSERT → PUBACK after commit)`)
    console.log(`  ratio service/floor  ${ratio.toFixed(2)}`)
    console.log(`  aim ≥ ${fmt(AIM_PUNCHES_PER_S)}/s          ${servicePerS >= AIM_PUNCHES_PER_S ? 'PASS' : 'BELOW'}`)
    console.log(`  aim ≥ ${AIM_FLOOR_RATIO} × floor        ${ratio >= AIM_FLOOR_RATIO ? 'PASS' : 'BELOW'}`)
    for (const [what, ok] of runs.flatMap((r) => r.checks)) {
      console.log(`  ${ok ? 'ok    ' : 'FAILED'} ${what}`)
      if (!ok) failed = true
    }
  } finally {
    if (opt.keep) console.log(`kept ${dir}`)
    else rmSync(dir, { recursive: true, force: true })
  }
  if (failed) process.exitCode = 1
}

if (process.argv.includes('--publisher')) {
  await publisher()
} else {
  await main()
}
