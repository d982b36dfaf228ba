/**
 * Listing stall benchmark: how long PUBACKs wait while the largest allowed listing is served.
 *
 *   tsx bench/listing-stall.ts [--db sqlite|postgres] [--rejected 2000] [--devices 20] [--rate 50] [--seconds 8] [--listers 2]
 *
 * The HTTP API and the MQTT ingest share one event loop: a listing that takes the loop for a second holds every
 * PUBACK for that second (the issue's reproduction: `?limit=1000` with payloads, 153 MB in 2.5 s, PUBACKs stalled
 * 2.1 s). This measures what a device sees now.
 *
 * Setup: the service (startServer) on a temp SQLite file (or with --db postgres a database of its own on the
 * PostgreSQL server, bench/databases.ts); a project, workers and gates through services.roster; and
 * --rejected rejected inputs of the project, each with a payload just under LIMITS.rejected_payload_bytes_max (what
 * the refusals of a misbehaving device look like), stored through the punch repository.
 *
 * Gates: a child process (devices are outside the service) with --devices MQTT.js connections, each publishing QoS 1
 * punches at --rate per second, one in flight, and timing each PUBLISH → PUBACK. The service sends PUBACK only after
 * the punch is committed, so this latency is what a gate waits to drop its record.
 *
 * Phases, each --seconds long, one after the other on the same service:
 *   1. floor: punches only;
 *   2. listing: --listers clients in another child fetch the largest allowed listing
 *      (`GET /api/rejected-inputs?limit=page_size_max`) back to back, the whole time;
 *   3. payloads: the same clients fetch one input's bytes each (`GET /api/rejected-inputs/{id}/payload`), back to back.
 * Report: PUBACK p50/p99/max per phase and their ratio to the floor, and what the listers got (requests/s, bytes,
 * latency). Checks: every punch acked and stored once; every listing at most page_size_max rows and with no payload.
 */
import mqtt from 'mqtt'
import { fork, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { LIMITS } from '../src/config/limits.ts'
import { loadConfig } from '../src/config/env.ts'
import { startServer, type RunningServer } from '../src/server.ts'
import type { Services } from '../src/services.ts'
import { engineOption, PgDatabases } from './databases.ts'
import { registerBenchRoster } from './roster.ts'

const SITE_CODE = 'BENCH-LIST-01'
const TIME_ZONE = 'Asia/Shanghai'
/** Aim: PUBACK p99 while the largest listing is served, as a multiple of the floor's p99. */
const AIM_P99_RATIO_MAX = 3

// ---------------------------------------------------------------- child processes

interface GateJob {
  url: string
  serials: string[]
  /** Serial → its MQTT secret: the embedded broker authenticates every gate. */
  secrets: Record<string, string>
  idNumbers: string[]
  ratePerS: number
}
interface ListerJob {
  httpUrl: string
  /** An admin API key: the listers read as the platform operator. */
  apiKey: string
  listers: number
  mode: 'listing' | 'payloads'
  payloadIds: number[]
}
type ToChild = { cmd: 'gates'; job: GateJob } | { cmd: 'lister'; job: ListerJob } | { cmd: 'phase'; name: string } | { cmd: 'stop' }
interface ListerReport {
  requests: number
  bytes: number
  latenciesMs: number[]
  maxRows: number
  payloadInListing: boolean
  failures: number
}
type FromChild =
  | { cmd: 'ready' }
  | { cmd: 'gate-report'; phases: Record<string, number[]>; acked: number; failed: number }
  | { cmd: 'lister-report'; report: ListerReport }
  | { cmd: 'error'; message: string }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Gates publishing at a steady rate; each latency is filed under the phase the parent last announced. */
async function gates(job: GateJob): Promise<void> {
  const send = (m: FromChild) => process.send?.(m)
  const phases: Record<string, number[]> = {}
  let phase = 'warmup'
  let stopping = false
  let acked = 0
  let failed = 0
  const clients = await Promise.all(job.serials.map((serial) => mqtt.connectAsync(job.url, { clientId: serial, username: serial, password: job.secrets[serial], clean: true, reconnectPeriod: 0 })))
  process.on('message', (m: ToChild) => {
    if (m.cmd === 'phase') phase = m.name
    if (m.cmd === 'stop') stopping = true
  })
  send({ cmd: 'ready' })
  const intervalMs = 1000 / job.ratePerS
  await Promise.all(
    clients.map(async (client, d) => {
      const serial = job.serials[d] as string
      const topic = `wl/v1/${SITE_CODE}/${serial}/punch`
      await sleep((d * intervalMs) / clients.length) // spread the gates over the interval
      let next = performance.now()
      for (let seq = 1; !stopping; seq++) {
        const idNo = job.idNumbers[(seq * clients.length + d) % job.idNumbers.length]
        const payload = Buffer.from(JSON.stringify({ sn: serial, seq, lane: (seq % 2) + 1, idNo, ts: Math.floor(Date.now() / 1000) - 60, mode: 'card' }))
        const at = phase
        const t0 = performance.now()
        try {
          await client.publishAsync(topic, payload, { qos: 1 })
          ;(phases[at] ??= []).push(performance.now() - t0)
          acked++
        } catch {
          failed++
        }
        next += intervalMs
        const wait = next - performance.now()
        if (wait > 0) await sleep(wait)
        else next = performance.now() // behind schedule after a stall: carry on, do not burst to catch up
      }
    }),
  )
  await Promise.all(clients.map((c) => c.endAsync()))
  send({ cmd: 'gate-report', phases, acked, failed })
}

/** Clients fetching the largest listing (or single payloads) back to back until told to stop. */
async function lister(job: ListerJob): Promise<void> {
  const send = (m: FromChild) => process.send?.(m)
  let stopping = false
  process.on('message', (m: ToChild) => {
    if (m.cmd === 'stop') stopping = true
  })
  const report: ListerReport = { requests: 0, bytes: 0, latenciesMs: [], maxRows: 0, payloadInListing: false, failures: 0 }
  send({ cmd: 'ready' })
  await Promise.all(
    Array.from({ length: job.listers }, async (_, l) => {
      for (let i = l; !stopping; i += job.listers) {
        const path = job.mode === 'listing' ? `/api/rejected-inputs?limit=${LIMITS.page_size_max}` : `/api/rejected-inputs/${job.payloadIds[i % job.payloadIds.length]}/payload`
        const t0 = performance.now()
        const res = await fetch(job.httpUrl + path, { headers: { authorization: `Bearer ${job.apiKey}` } })
        const body = Buffer.from(await res.arrayBuffer())
        report.latenciesMs.push(performance.now() - t0)
        report.requests++
        report.bytes += body.length
        if (!res.ok) report.failures++
        else if (job.mode === 'listing') {
          const rows = JSON.parse(body.toString('utf8')) as Array<Record<string, unknown>>
          report.maxRows = Math.max(report.maxRows, rows.length)
          if (rows.some((r) => 'payload' in r || 'payloadBase64' in r || 'payloadText' in r)) report.payloadInListing = true
        }
      }
    }),
  )
  send({ cmd: 'lister-report', report })
}

function child(role: 'gates' | 'lister'): ChildProcess {
  return fork(fileURLToPath(import.meta.url), [`--${role}`], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
}

function nextMessage<K extends FromChild['cmd']>(c: ChildProcess, cmd: K): Promise<Extract<FromChild, { cmd: K }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromChild) => {
      c.off('message', onMessage)
      if (m.cmd === 'error') reject(new Error(m.message))
      else if (m.cmd !== cmd) reject(new Error(`child said ${m.cmd}, expected ${cmd}`))
      else resolve(m as Extract<FromChild, { cmd: K }>)
    }
    c.on('message', onMessage)
    c.once('exit', (code) => reject(new Error(`child exited (${code})`)))
  })
}

// ---------------------------------------------------------------- setup

async function registerSite(services: Services, nowMs: number, workers: number, devices: number): Promise<{ projectId: string; serials: string[]; secrets: Record<string, string>; idNumbers: string[] }> {
  const r = await registerBenchRoster(services, { siteCode: SITE_CODE, timeZone: TIME_ZONE, label: '列表基准', serialPrefix: 'GL', workers, devices, teams: 1, seed: 20261202, nowMs })
  // Each gate's MQTT secret, as registration over HTTP would have issued it.
  const secrets: Record<string, string> = {}
  for (const [serial, id] of r.deviceIds) secrets[serial] = await services.access.issueDeviceSecret({ id, serial }, 'bench')
  return { projectId: r.projectId, serials: [...r.deviceIds.keys()], secrets, idNumbers: r.workers.map((w) => w.idNumber) }
}

/** Refusals with payloads just under what is kept of one, through the repository the inbox uses. */
async function seedRejected(services: Services, projectId: string, n: number, bytes: number, nowMs: number): Promise<void> {
  const { punches } = services
  for (let done = 0; done < n; done += 500) {
    await punches.transaction(async () => {
      for (let i = done; i < Math.min(n, done + 500); i++) {
        await punches.reject(
          {
            source: 'mqtt',
            channel: `wl/v1/${SITE_CODE}/GX-${i % 50}/punch`,
            sender: `GX-${i % 50}`,
            projectId,
            deviceSerial: `GX-${i % 50}`,
            recordId: null,
            reason: 'unknown_device',
            detail: `no device with serial "GX-${i % 50}" is registered; register it on its project first`,
            payload: randomBytes(bytes),
            receivedAtMs: nowMs - (n - i) * 1000,
          },
          LIMITS.rejected_payload_bytes_max,
        )
      }
    })
  }
}

// ---------------------------------------------------------------- report

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
}
const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-')

function options() {
  const { values } = parseArgs({
    options: {
      db: { type: 'string', default: 'sqlite' },
      rejected: { type: 'string', default: '2000' },
      devices: { type: 'string', default: '20' },
      rate: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '8' },
      listers: { type: 'string', default: '2' },
      workers: { type: 'string', default: '200' },
      'payload-bytes': { type: 'string', default: String(LIMITS.rejected_payload_bytes_max - 512) },
      gates: { type: 'boolean', default: false },
      lister: { type: 'boolean', default: false },
    },
  })
  return {
    db: engineOption(values.db),
    rejected: Number(values.rejected),
    devices: Number(values.devices),
    ratePerS: Number(values.rate),
    seconds: Number(values.seconds),
    listers: Number(values.listers),
    workers: Number(values.workers),
    payloadBytes: Number(values['payload-bytes']),
    role: values.gates ? ('gates' as const) : values.lister ? ('lister' as const) : ('main' as const),
  }
}

async function main(): Promise<void> {
  const opt = options()
  const dir = mkdtempSync(join(tmpdir(), 'wage-ledger-bench-listing-'))
  const dbs = opt.db === 'postgres' ? new PgDatabases() : undefined
  let running: RunningServer | undefined
  const children: ChildProcess[] = []
  let failed = false
  try {
    const databaseUrl = dbs ? (await dbs.create('listing')).url : `file:${join(dir, 'bench.db')}`
    const server = await startServer({ ...loadConfig({}), databaseUrl, httpPort: 0, deviceHttpPort: 0, mqttPort: 0, logLevel: 'warn' }, { logger: false })
    running = server
    const nowMs = Date.now()
    const site = await registerSite(server.services, nowMs, opt.workers, opt.devices)
    const { key: apiKey } = await server.services.access.createKey({ name: 'bench listing-stall', role: 'admin', days: 1 }, 'bench')
    const seedStarted = performance.now()
    await seedRejected(server.services, site.projectId, opt.rejected, opt.payloadBytes, nowMs)
    const payloadIds = (await server.services.punches.listRejected({ projectId: site.projectId, limit: LIMITS.page_size_max })).map((r) => r.id)
    console.log(
      `listing-stall: ${opt.rejected} rejected inputs of ${(opt.payloadBytes / 1024).toFixed(1)} KiB stored in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s; ` +
        `${opt.devices} gates × ${opt.ratePerS}/s QoS 1; ${opt.listers} listers; ${opt.seconds} s per phase`,
    )

    const gateChild = child('gates')
    children.push(gateChild)
    const gatesReady = nextMessage(gateChild, 'ready')
    gateChild.send({ cmd: 'gates', job: { url: server.mqttUrl, serials: site.serials, secrets: site.secrets, idNumbers: site.idNumbers, ratePerS: opt.ratePerS } } satisfies ToChild)
    await gatesReady
    await sleep(2_000) // warm-up: connections settled, statements prepared, caches filled

    const phase = (name: string) => gateChild.send({ cmd: 'phase', name } satisfies ToChild)
    const listerRun = async (mode: ListerJob['mode']): Promise<ListerReport> => {
      const c = child('lister')
      children.push(c)
      const ready = nextMessage(c, 'ready')
      c.send({ cmd: 'lister', job: { httpUrl: server.httpUrl, apiKey, listers: opt.listers, mode, payloadIds } } satisfies ToChild)
      await ready
      phase(mode)
      await sleep(opt.seconds * 1000)
      phase('between')
      const report = nextMessage(c, 'lister-report')
      c.send({ cmd: 'stop' } satisfies ToChild)
      return (await report).report
    }

    phase('floor')
    await sleep(opt.seconds * 1000)
    phase('between')
    await sleep(500)
    const listing = await listerRun('listing')
    await sleep(500)
    const payloads = await listerRun('payloads')

    const gateReport = nextMessage(gateChild, 'gate-report')
    gateChild.send({ cmd: 'stop' } satisfies ToChild)
    const { phases, acked, failed: publishFailed } = await gateReport
    while (server.services.inbox.pending > 0) await sleep(10)

    const stats = (name: string) => {
      const sorted = [...(phases[name] ?? [])].sort((a, b) => a - b)
      return { n: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN }
    }
    const floor = stats('floor')
    const rows: Array<[string, ReturnType<typeof stats>, ListerReport | undefined]> = [
      ['floor (punches only)', floor, undefined],
      [`listing (limit=${LIMITS.page_size_max})`, stats('listing'), listing],
      ['one payload each', stats('payloads'), payloads],
    ]
    console.log('')
    console.log('phase                      PUBACKs   p50 ms   p99 ms   max ms   p99/floor  max/floor   requests/s  KiB/request  request p50 ms')
    for (const [name, s, l] of rows) {
      const lat = l ? [...l.latenciesMs].sort((a, b) => a - b) : []
      console.log(
        `${name.padEnd(26)}${String(s.n).padStart(8)}${ms(s.p50).padStart(9)}${ms(s.p99).padStart(9)}${ms(s.max).padStart(9)}` +
          `${(s.p99 / floor.p99).toFixed(2).padStart(11)}${(s.max / floor.max).toFixed(2).padStart(11)}` +
          `${(l ? (l.requests / opt.seconds).toFixed(1) : '-').padStart(13)}${(l && l.requests ? (l.bytes / l.requests / 1024).toFixed(1) : '-').padStart(13)}${(l ? ms(quantile(lat, 0.5)) : '-').padStart(16)}`,
      )
    }
    const listed = stats('listing')
    const ratio = listed.p99 / floor.p99
    console.log('')
    console.log(`aim: PUBACK p99 while the largest listing is served ≤ ${AIM_P99_RATIO_MAX} × floor: ${ratio.toFixed(2)} ${ratio <= AIM_P99_RATIO_MAX ? 'PASS' : 'BELOW'}`)

    const stored = server.services.inbox.stats.stored
    const checks: Array<[string, boolean]> = [
      [`every punch acked (${acked} acked, ${publishFailed} failed)`, publishFailed === 0 && acked > 0],
      [`every acked punch stored once (${stored} stored)`, stored === acked && server.services.inbox.stats.duplicates === 0],
      [`listings at most ${LIMITS.page_size_max} rows (largest ${listing.maxRows}) and without payloads`, listing.maxRows <= LIMITS.page_size_max && listing.maxRows > 0 && !listing.payloadInListing],
      [`every listing and payload request answered 200 (${listing.failures + payloads.failures} failed)`, listing.failures + payloads.failures === 0 && listing.requests > 0 && payloads.requests > 0],
    ]
    for (const [what, ok] of checks) {
      console.log(`check: ${what}: ${ok ? 'ok' : 'FAILED'}`)
      if (!ok) failed = true
    }
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
    await running?.close()
    rmSync(dir, { recursive: true, force: true })
    await dbs?.dropAll()
  }
  if (failed) process.exitCode = 1
}

const role = options().role
const run = role === 'main' ? main() : new Promise<void>((resolve, reject) => {
  process.once('message', (m: ToChild) => {
    const work = m.cmd === 'gates' ? gates(m.job) : m.cmd === 'lister' ? lister(m.job) : Promise.resolve()
    // The parent ends this process once it has the report (exiting here could drop the message still in the pipe).
    work.then(() => resolve(), reject)
  })
})
run.catch((err: unknown) => {
  if (process.send) process.send({ cmd: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies FromChild)
  console.error(err)
  process.exit(1)
})
