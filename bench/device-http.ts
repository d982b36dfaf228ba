/**
 * The HTTP device edge against the MQTT path (issue 12): durable punches per second when 50 ZKTeco terminals push
 * 500-line ATTLOG batches (ADMS), against 50 gates publishing the same number of punches over MQTT, QoS 1, to the
 * same service in the same run.
 *
 *   tsx bench/device-http.ts [--devices 50] [--per-device 2000] [--batch 500] [--in-flight 500] [--workers 2000]
 *
 * One service (startServer: SQLite file, embedded broker, device edge), one site of --workers workers, --devices gates
 * (gate-ts200) and --devices ZKTeco terminals (zkteco-adms). The devices run in a child process (devices are outside
 * the service), first the gates, then the terminals:
 * - MQTT: each gate one connection, --in-flight QoS 1 publishes outstanding; a punch counts at its PUBACK, which the
 *   service sends after the commit.
 * - HTTP: each terminal pushes its records as the firmware does, one request at a time, --batch lines each; a batch
 *   counts at its `OK: n`, sent after the commit.
 * Each figure is punches / (last acknowledgement − first send); the ratio HTTP / MQTT is the figure (aim ≥ 0.8).
 * The stored count is checked after each path.
 */
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import mqtt from 'mqtt'
import { loadConfig } from '../src/config/env.ts'
import { localTimeOf, workDateOf } from '../src/kernel/time.ts'
import { startServer } from '../src/server.ts'
import { Api } from '../simulators/api.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../simulators/site.ts'
import { attlogLine } from '../simulators/zkteco.ts'
import { fmt, seconds } from './measure.ts'

interface Job {
  kind: 'mqtt' | 'http'
  url: string
  siteCode: string
  serials: string[]
  secrets: Record<string, string>
  perDevice: number
  batch: number
  inFlight: number
  /** Gates: ID numbers; terminals: PINs (device user ids). */
  people: string[]
  nowMs: number
  timeZone: string
}

type FromChild = { cmd: 'done'; acked: number; failed: number; ms: number } | { cmd: 'error'; message: string }

/** Device time of a device's i-th record: spread over the five hours before the last hour, distinct per device. */
function deviceSecond(job: Job, d: number, i: number): number {
  return Math.floor(job.nowMs / 1000) - 6 * 3600 + Math.floor((i * 5 * 3600) / job.perDevice) + d
}

async function runGates(job: Job): Promise<{ acked: number; failed: number }> {
  let acked = 0
  let failed = 0
  const gates = await Promise.all(
    job.serials.map(async (serial) => mqtt.connectAsync(job.url, { clientId: serial, username: serial, password: job.secrets[serial], clean: true, reconnectPeriod: 0 })),
  )
  const started = performance.now()
  await Promise.all(
    gates.map(async (client, d) => {
      const serial = job.serials[d]!
      const topic = `wl/v1/${job.siteCode}/${serial}/punch`
      let next = 0
      const lane = async (): Promise<void> => {
        while (next < job.perDevice) {
          const i = next++
          const payload = JSON.stringify({ sn: serial, seq: 1000 + i, lane: (i % 2) + 1, idNo: job.people[(i * job.serials.length + d) % job.people.length], ts: deviceSecond(job, d, i), mode: 'card' })
          try {
            await client.publishAsync(topic, payload, { qos: 1 })
            acked++
          } catch {
            failed++
          }
        }
      }
      await Promise.all(Array.from({ length: Math.min(job.inFlight, job.perDevice) }, lane))
    }),
  )
  const ms = performance.now() - started
  await Promise.all(gates.map((g) => g.endAsync()))
  process.send?.({ cmd: 'done', acked, failed, ms } satisfies FromChild)
  return { acked, failed }
}

async function runTerminals(job: Job): Promise<void> {
  let acked = 0
  let failed = 0
  const bodies = job.serials.map((_serial, d) =>
    Array.from({ length: Math.ceil(job.perDevice / job.batch) }, (_, b) =>
      Array.from({ length: Math.min(job.batch, job.perDevice - b * job.batch) }, (_, k) => {
        const i = b * job.batch + k
        const pin = job.people[(i * job.serials.length + d) % job.people.length]!
        return attlogLine({ pin, time: `${workDateOf(deviceSecond(job, d, i) * 1000, job.timeZone)} ${localTimeOf(deviceSecond(job, d, i) * 1000, job.timeZone)}`, status: 0, verify: 15 })
      }).join('\n') + '\n',
    ),
  )
  const started = performance.now()
  await Promise.all(
    job.serials.map(async (serial, d) => {
      for (const [b, body] of bodies[d]!.entries()) {
        const res = await fetch(`${job.url}/iclock/cdata?SN=${serial}&table=ATTLOG&Stamp=${b + 1}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body })
        const text = await res.text()
        const ok = /^OK: (\d+)/.exec(text)
        if (res.status === 200 && ok) acked += Number(ok[1])
        else failed += body.split('\n').length - 1
      }
    }),
  )
  process.send?.({ cmd: 'done', acked, failed, ms: performance.now() - started } satisfies FromChild)
}

function inChild(job: Job): Promise<{ acked: number; failed: number; ms: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' })
  return new Promise((resolve, reject) => {
    child.once('message', (m: FromChild) => {
      child.kill()
      if (m.cmd === 'done') resolve(m)
      else reject(new Error(m.message))
    })
    child.once('exit', (code) => reject(new Error(`device process exited (${code})`)))
    child.send(job)
  })
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      devices: { type: 'string', default: '50' },
      'per-device': { type: 'string', default: '2000' },
      batch: { type: 'string', default: '500' },
      'in-flight': { type: 'string', default: '500' },
      workers: { type: 'string', default: '2000' },
    },
  })
  const devices = Number(values.devices)
  const perDevice = Number(values['per-device'])
  const batch = Number(values.batch)
  const inFlight = Number(values['in-flight'])
  const dir = mkdtempSync(join(tmpdir(), 'wage-ledger-device-http-'))
  const server = await startServer({ ...loadConfig({}), databaseUrl: `file:${join(dir, 'bench.db')}`, httpPort: 0, deviceHttpPort: 0, mqttPort: 0, logLevel: 'warn' }, process.env.BENCH_LOG ? {} : { logger: false })
  try {
    const { key } = await server.services.access.createKey({ name: 'bench', role: 'admin' }, 'bench')
    const api = new Api(server.httpUrl, key)
    const gates = Array.from({ length: devices }, (_, i) => `GT-${String(i + 1).padStart(3, '0')}`)
    const terminals = Array.from({ length: devices }, (_, i) => `ZK${String(i + 1).padStart(4, '0')}`)
    const plan = planSite({ ...DEFAULT_SITE, siteCode: 'BENCH-HTTP', workers: Number(values.workers), teams: 6, seed: 777 })
    const started = performance.now()
    const site = await registerSite(api, {
      ...plan,
      devices: [
        ...gates.map((serial) => ({ serial, model: 'gate-ts200' as const, settings: { lanes: { '1': 'in', '2': 'out' } }, location: 'gate' })),
        ...terminals.map((serial) => ({ serial, model: 'zkteco-adms' as const, settings: {}, location: 'terminal' })),
      ],
    })
    console.log(`setup: ${fmt(plan.workers.length)} workers, ${devices} gates and ${devices} ZKTeco terminals registered in ${seconds(performance.now() - started)} s`)
    const base = { siteCode: plan.spec.siteCode, perDevice, batch, inFlight, nowMs: Date.now(), timeZone: plan.spec.timeZone, secrets: Object.fromEntries(site.secrets) }
    const count = () => server.services.punches.countPunches(site.projectId)

    const m = await inChild({ ...base, kind: 'mqtt', url: server.mqttUrl, serials: gates, people: plan.workers.map((w) => w.idNumber) })
    const afterMqtt = await count()
    const h = await inChild({ ...base, kind: 'http', url: server.deviceUrl, serials: terminals, people: plan.workers.map((w) => w.deviceUserId) })
    const afterHttp = await count()

    const total = devices * perDevice
    const mRate = m.acked / (m.ms / 1000)
    const hRate = h.acked / (h.ms / 1000)
    console.log('')
    console.log(`durable punches/s, ${devices} devices × ${fmt(perDevice)} punches each, one SQLite file`)
    console.log(`  MQTT (gate-ts200, QoS 1, ${inFlight} in flight each)   ${fmt(mRate).padStart(7)} /s   ${fmt(m.acked)} acked in ${seconds(m.ms)} s`)
    console.log(`  HTTP (zkteco-adms, ${batch}-line ATTLOG pushes)        ${fmt(hRate).padStart(7)} /s   ${fmt(h.acked)} acked in ${seconds(h.ms)} s`)
    console.log(`  ratio HTTP / MQTT ${(hRate / mRate).toFixed(2)}   aim ≥ 0.8: ${hRate / mRate >= 0.8 ? 'PASS' : 'FAIL'}`)
    const checks: Array<[string, boolean]> = [
      [`MQTT: every punch acked and stored (${fmt(m.acked)}, ${fmt(afterMqtt)} of ${fmt(total)})`, m.acked === total && m.failed === 0 && afterMqtt === total],
      [`HTTP: every punch acked and stored (${fmt(h.acked)}, ${fmt(afterHttp - afterMqtt)} of ${fmt(total)})`, h.acked === total && h.failed === 0 && afterHttp - afterMqtt === total],
    ]
    console.log('')
    for (const [what, ok] of checks) {
      console.log(`  ${ok ? 'ok    ' : 'FAILED'} ${what}`)
      if (!ok) process.exitCode = 1
    }
  } finally {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv.includes('--child')) {
  process.once('message', (job: Job) => {
    const run = job.kind === 'mqtt' ? runGates(job) : runTerminals(job)
    run.catch((err: unknown) => process.send?.({ cmd: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies FromChild))
  })
} else {
  await main()
}
