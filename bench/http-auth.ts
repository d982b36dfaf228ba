/**
 * What access enforcement costs an HTTP read: requests/s with a bearer session and with an API key, against the same
 * routes answered without enforcement (the floor), on one service.
 *
 *   tsx bench/http-auth.ts [--db sqlite|postgres] [--seconds 5] [--rounds 3] [--connections 10]
 *
 * Setup: the service's parts (createServices) on a temp SQLite file (or with --db postgres a database of its own on
 * the PostgreSQL server, bench/databases.ts), a project of 50 workers (bench/roster.ts), and one worker's last month
 * of punches (in at 08:00, out at 17:00 every working day) through the inbox. Two apps are built on those services and
 * listen on free ports: one as the service runs (buildApp), and the floor, `enforceAccess: false`, where every route
 * answers without credentials and writes no access log.
 *
 * Routes, typical of the API:
 *   - project: `GET /api/projects/:projectId`, a read of no personal data: authentication and the scope check;
 *   - timesheet: `GET /api/projects/:projectId/workers/:workerId/timesheets/:month`, a personal read: authentication,
 *     the scope check (the project and the worker) and an access-log row committed before the reply (group commit).
 * Callers: a labour manager of the project's general contractor with a bearer session (POST /api/session), and an
 * API key of the same role and scope.
 *
 * autocannon (a child process: the load does not share the service's event loop) runs each route × caller for
 * --seconds, --rounds times, the callers' order turning each round; the figures are medians of the rounds. Aim:
 * requests/s with enforcement at least 0.8 of the floor's. Checks: every reply a 200, and one access-log row per
 * personal read answered.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { verifyChain } from '../src/access/audit-log.ts'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config/env.ts'
import { q } from '../src/db/database.ts'
import { monthOf, workDateOf } from '../src/kernel/time.ts'
import { punchTopic } from '../src/punches/admit.ts'
import { createServices, type Services } from '../src/services.ts'
import { engineOption, PgDatabases, pgSettings } from './databases.ts'
import { wholeNumberOption } from './options.ts'
import { registerBenchRoster } from './roster.ts'

const SITE_CODE = 'BENCH-AUTH-01'
const SERIAL_PREFIX = 'BA'
const TIME_ZONE = 'Asia/Shanghai'
const AIM_RATIO_MIN = 0.8
const PASSWORD = 'bench labour manager password'

interface Options {
  db: 'sqlite' | 'postgres'
  seconds: number
  rounds: number
  connections: number
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      db: { type: 'string' },
      seconds: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '10' },
    },
  })
  const int = wholeNumberOption
  return { db: engineOption(values.db), seconds: int('seconds', values.seconds), rounds: int('rounds', values.rounds), connections: int('connections', values.connections) }
}

interface LoadResult {
  requestsPerS: number
  /** The service process's CPU time (user + system) per request answered: what other load on the machine moves least. */
  cpuUsPerRequest: number
  p50Ms: number
  p99Ms: number
  total: number
  non2xx: number
  errors: number
}

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js')

/** One autocannon run in its own process, its JSON report read back. */
function load(url: string, headers: Record<string, string>, seconds: number, connections: number): Promise<LoadResult> {
  const args = [AUTOCANNON, '--json', '-c', String(connections), '-d', String(seconds), ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]), url]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err}`))
      const r = JSON.parse(out) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number }
      resolve({ cpuUsPerRequest: NaN, requestsPerS: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, total: r.requests.total, non2xx: r.non2xx, errors: r.errors })
    })
  })
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** The last month that has ended in the project's zone, and its working days (Monday to Friday). */
function lastMonth(nowMs: number): { month: string; days: string[] } {
  const today = workDateOf(nowMs, TIME_ZONE)
  const [y, m] = today.split('-').map(Number) as [number, number]
  const first = new Date(Date.UTC(m === 1 ? y - 1 : y, m === 1 ? 11 : m - 2, 1))
  const month = monthOf(first.toISOString().slice(0, 10))
  const days: string[] = []
  for (let d = new Date(first); d.getUTCMonth() === first.getUTCMonth(); d.setUTCDate(d.getUTCDate() + 1)) {
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) days.push(d.toISOString().slice(0, 10))
  }
  return { month, days }
}

/** The worker's month of punches, submitted as the gate's frames (Shanghai is UTC+8 all year). */
async function seedMonth(services: Services, serial: string, deviceUserId: string, days: string[]): Promise<number> {
  let seq = 0
  const frames = days.flatMap((day) =>
    [
      [1, 8],
      [2, 17],
    ].map(([lane, hour]) => {
      const ts = Date.parse(`${day}T${String(hour).padStart(2, '0')}:00:00+08:00`) / 1000
      return { sn: serial, seq: ++seq, lane, userId: deviceUserId, ts, mode: 'face' }
    }),
  )
  const outcomes = await Promise.all(frames.map((f) => services.inbox.submit({ topic: punchTopic(SITE_CODE, serial), payload: Buffer.from(JSON.stringify(f)), clientId: serial })))
  const stored = outcomes.filter((o) => o.kind === 'stored').length
  if (stored !== frames.length) throw new Error(`only ${stored} of ${frames.length} punches stored: ${JSON.stringify(outcomes.find((o) => o.kind !== 'stored'))}`)
  return stored
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

async function main(): Promise<void> {
  const opt = options()
  const dir = mkdtempSync(join(tmpdir(), 'wage-ledger-bench-auth-'))
  const dbs = opt.db === 'postgres' ? new PgDatabases() : undefined
  let services: Services | undefined
  const apps: FastifyInstance[] = []
  let failed = false
  try {
    const databaseUrl = dbs ? (await dbs.create('auth')).url : `file:${join(dir, 'bench.db')}`
    services = await createServices({ ...loadConfig({}), databaseUrl, logLevel: 'warn' })
    const nowMs = Date.now()
    const roster = await registerBenchRoster(services, { siteCode: SITE_CODE, timeZone: TIME_ZONE, label: '鉴权基准', serialPrefix: SERIAL_PREFIX, workers: 50, devices: 1, teams: 2, seed: 9090, nowMs })
    const worker = roster.workers[0] as { workerId: string }
    const { month, days } = lastMonth(nowMs)
    const punches = await seedMonth(services, `${SERIAL_PREFIX}-001`, 'U1', days)
    const gc = (await services.roster.project(roster.projectId)).generalContractorId
    await services.access.createUser({ login: 'bench.lm', displayName: 'bench', password: PASSWORD, role: 'labour_manager', organisationId: gc }, 'bench')
    const session = await services.access.login('bench.lm', PASSWORD, 'bearer')
    if (!session) throw new Error('the bench login failed')
    const { key } = await services.access.createKey({ name: 'bench', role: 'labour_manager', organisationId: gc, days: 1 }, 'bench')

    const floorUrl = await listen(await buildApp(services, { logger: false, enforceAccess: false }).then((a) => (apps.push(a), a)))
    const serviceUrl = await listen(await buildApp(services, { logger: false }).then((a) => (apps.push(a), a)))

    const routes = [
      { name: 'project', path: `/api/projects/${roster.projectId}`, personal: false },
      { name: 'timesheet', path: `/api/projects/${roster.projectId}/workers/${worker.workerId}/timesheets/${month}`, personal: true },
    ]
    const callers = [
      { name: 'floor (no enforcement)', url: floorUrl, headers: {} as Record<string, string> },
      { name: 'bearer session', url: serviceUrl, headers: { authorization: `Bearer ${session.token}` } },
      { name: 'API key', url: serviceUrl, headers: { authorization: `Bearer ${key}` } },
    ]
    const engine = dbs ? await pgSettings(databaseUrl) : 'SQLite (WAL, synchronous=FULL)'
    console.log(`http-auth: ${engine}; ${punches} punches in ${month} for the timesheet's worker; ${opt.connections} connections, ${opt.seconds} s a run, ${opt.rounds} rounds`)

    // Warm-up: statements prepared, caches filled, the JIT at work on every path.
    for (const r of routes) for (const c of callers) await load(c.url + r.path, c.headers, 1, opt.connections)

    const results = new Map<string, LoadResult[]>()
    let personalAnswered = 0
    let personalRuns = 0
    const logBefore = await services.db.get<{ n: number }>(q('SELECT CAST(COUNT(*) AS BIGINT) AS "n" FROM access_log'))
    for (let round = 0; round < opt.rounds; round++) {
      for (const r of routes) {
        for (let i = 0; i < callers.length; i++) {
          const c = callers[(i + round) % callers.length] as (typeof callers)[number]
          const cpu = process.cpuUsage()
          const res = await load(c.url + r.path, c.headers, opt.seconds, opt.connections)
          const used = process.cpuUsage(cpu)
          res.cpuUsPerRequest = (used.user + used.system) / Math.max(1, res.total)
          const k = `${r.name}|${c.name}`
          results.set(k, [...(results.get(k) ?? []), res])
          if (res.non2xx > 0 || res.errors > 0) {
            console.error(`FAIL: ${r.name} as ${c.name}: ${res.non2xx} replies other than 2xx, ${res.errors} errors`)
            failed = true
          }
          if (r.personal && c.url === serviceUrl) {
            personalAnswered += res.total - res.non2xx
            personalRuns++
          }
        }
      }
      console.log(
        `round ${round + 1}: ` +
          routes.map((r) => `${r.name} ${callers.map((c) => fmt((results.get(`${r.name}|${c.name}`) ?? []).at(-1)?.requestsPerS ?? NaN)).join(' / ')}`).join('; ') +
          ' requests/s (floor / session / key)',
      )
    }
    await services.accessLog.idle()
    const logAfter = await services.db.get<{ n: number }>(q('SELECT CAST(COUNT(*) AS BIGINT) AS "n" FROM access_log'))
    const logged = (logAfter?.n ?? 0) - (logBefore?.n ?? 0)

    console.log('')
    console.log('route       caller                    requests/s   p50 ms   p99 ms   × floor   aim                     CPU µs/request   floor ÷ this')
    for (const r of routes) {
      const floorRuns = results.get(`${r.name}|${callers[0]?.name}`) ?? []
      const floor = median(floorRuns.map((x) => x.requestsPerS))
      const floorCpu = median(floorRuns.map((x) => x.cpuUsPerRequest))
      for (const c of callers) {
        const runs = results.get(`${r.name}|${c.name}`) ?? []
        const rps = median(runs.map((x) => x.requestsPerS))
        const ratio = rps / floor
        const cpu = median(runs.map((x) => x.cpuUsPerRequest))
        const aim = c.url === floorUrl ? '' : ratio >= AIM_RATIO_MIN ? `PASS (≥ ${AIM_RATIO_MIN})` : `BELOW (aim ≥ ${AIM_RATIO_MIN})`
        console.log(
          `${r.name.padEnd(12)}${c.name.padEnd(24)}${fmt(rps).padStart(12)}${median(runs.map((x) => x.p50Ms)).toFixed(1).padStart(9)}${median(runs.map((x) => x.p99Ms)).toFixed(1).padStart(9)}` +
            `${ratio.toFixed(2).padStart(10)}   ${aim.padEnd(24)}${fmt(cpu).padStart(14)}${(floorCpu / cpu).toFixed(2).padStart(15)}`,
        )
      }
    }
    console.log('(requests/s: medians of the rounds; the ratio is the figure the aim is about. CPU µs/request: the service process only, the')
    console.log(' steadier figure on a shared machine; its ratio leaves out time spent waiting, such as SQLite\'s fsync of each access-log commit.)')
    console.log('')
    // The floor writes no row; every personal read answered with enforcement writes one before its reply (and a
    // request in flight when a run stops may be logged and answered after autocannon stopped counting).
    const checkLog = logged >= personalAnswered && logged <= personalAnswered + personalRuns * opt.connections
    console.log(`check: ${fmt(logged)} access-log rows for ${fmt(personalAnswered)} personal reads answered with enforcement (+ at most ${opt.connections} in flight a run): ${checkLog ? 'OK' : 'MISMATCH'}`)
    if (!checkLog) failed = true
    const chain = await verifyChain(services.db)
    console.log(`check: the access log's chain over ${fmt(chain.rows)} rows: ${chain.firstBreak ? `BROKEN at row ${chain.firstBreak.id}` : 'OK'}`)
    if (chain.firstBreak) failed = true
  } finally {
    for (const app of apps) await app.close()
    await services?.close()
    await dbs?.dropAll()
    rmSync(dir, { recursive: true, force: true })
  }
  if (failed) process.exitCode = 1
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
