/**
 * Upstream reporting at a province's scale (issue 14: "3 million workers' punches, 12 million records through the
 * outbox to the simulator: records/s and the time to drain").
 *
 *   tsx bench/upstream.ts [--db sqlite|postgres] [--records 200000] [--projects 100] [--batch 50] [--per-tx 2000]
 *
 * Setup (not timed): --projects projects of region 330106, each configured to report to province 33, and a platform
 * simulator (simulators/upstream-platform.ts) on a free port of this process, answering every batch at the first
 * question, keeping counts only.
 *
 * Service, two timed phases:
 * 1. **Enqueue**: --records WorkerAttendance records (a worker's in and out of one day, four a worker-day: two days,
 *    as the punch path queues a worker's days after each ingest batch), queued with the outbox's own enqueue
 *    (src/upstream/outbox-service.ts: the newest revision read per key, then the insert) in transactions of --per-tx
 *    records, as the inbox's after-commit step queues a batch's workers. Building a record from the timesheet's view of
 *    the day is the punch path's cost, measured by bench:timesheet, and is not in this figure.
 * 2. **Drain**: the province's sender (src/upstream/sender.ts) pass after pass, back to back, with no wait before a
 *    verdict is asked (pollMs 0), until every record is accepted: per pass one batch of --batch records per project
 *    (a lane) sent at once, and the verdicts of the batches sent the pass before read and stored.
 *
 * Floor: the same records, batches and lanes straight through the platform client (sign, encrypt, POST, ask for the
 * verdict), with no database at all: what the protocol and the simulator cost on this machine. The ratio is the
 * drain's records/s to the floor's.
 *
 * Checks: the platform counted every record as accepted, once, in both phases; the outbox holds them all accepted.
 * Prints records/s of each phase, the floor, the ratio, peak heap, and what the rates come to for 12 million records.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../src/config/env.ts'
import { parseUpstreamConfig } from '../src/config/upstream.ts'
import { q } from '../src/db/database.ts'
import { BulkInsert } from '../src/db/rows.ts'
import { organisations, projects } from '../src/db/schema/index.ts'
import { newId } from '../src/kernel/ids.ts'
import { systemClock } from '../src/kernel/time.ts'
import { createServices } from '../src/services.ts'
import { PlatformClient } from '../src/upstream/client.ts'
import { nationalSettings } from '../src/upstream/protocol.ts'
import { workerAttendanceRecord, type UpstreamRecord } from '../src/upstream/records.ts'
import { UpstreamSender } from '../src/upstream/sender.ts'
import { creditCode, idNumber } from '../simulators/identities.ts'
import { Rng } from '../simulators/random.ts'
import { UpstreamPlatform } from '../simulators/upstream-platform.ts'
import { engineOption, PgDatabases } from './databases.ts'
import { fmt, mb, measured, seconds } from './measure.ts'
import { wholeNumberOption } from './options.ts'
import { benchProject } from './seed.ts'

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    records: { type: 'string', default: '200000' },
    projects: { type: 'string', default: '100' },
    batch: { type: 'string', default: '50' },
    'per-tx': { type: 'string', default: '2000' },
  },
})
const recordCount = wholeNumberOption('--records', values.records)
const projectCount = wholeNumberOption('--projects', values.projects)
const batchSize = wholeNumberOption('--batch', values.batch)
const perTx = wholeNumberOption('--per-tx', values['per-tx'])
const PROVINCE_RECORDS = 12_000_000
/** A day's attendance is due upstream by 24:00 the same day; the aim: a province's day drains within 4 hours. */
const AIM_DRAIN_MS = 4 * 3_600_000
const APP_ID = '330000202612040001'
const SECRET = 'Wl0Bench5ecret0fThePlatform2026A'

const dir = mkdtempSync(join(tmpdir(), 'upstream-bench-'))
const dbs = engineOption(values.db) === 'postgres' ? new PgDatabases() : undefined
const platform = new UpstreamPlatform({ appId: APP_ID, appSecret: SECRET, batchSizeMax: batchSize, pendingQueries: 0, keepAccepted: false, timestampSkewMsMax: 3_600_000 })
const platformUrl = await platform.listen()
try {
  const databaseUrl = dbs ? (await dbs.create('upstream')).url : `file:${join(dir, 'bench.db')}`
  const siteCodes = Array.from({ length: projectCount }, (_, i) => `UP-${String(i + 1).padStart(5, '0')}`)
  const upstream = parseUpstreamConfig({
    provinces: { 33: { endpoint: platformUrl, appId: APP_ID, appSecret: SECRET, batchSize } },
    projects: Object.fromEntries(siteCodes.map((c) => [c, { projectCode: `P${c}` }])),
    pollMs: 50,
  })
  const services = await createServices({ ...loadConfig({}), databaseUrl, logLevel: 'warn', upstream })
  try {
    const { db } = services
    const rng = new Rng(14)
    const at = Date.now() - 86_400_000
    const org = (kind: 'construction_unit' | 'general_contractor', name: string) => ({ id: newId(), kind, name, creditCode: creditCode(rng), createdAtMs: at })
    const [cu, gc] = [org('construction_unit', '基准建设单位'), org('general_contractor', '基准总承包')]
    await new BulkInsert(organisations).run(db, [cu, gc])
    const projectRows = siteCodes.map((siteCode, i) => benchProject(i, { siteCode, regionCode: '330106', constructionUnitId: cu.id, generalContractorId: gc.id, at }))
    await new BulkInsert(projects).run(db, projectRows)

    // The records: worker w of project p, on two days, in at 07:xx and out at 17:xx; four a worker.
    const workersPerProject = Math.ceil(recordCount / 4 / projectCount)
    const ids = Array.from({ length: Math.min(workersPerProject * projectCount, 50_000) }, (_, i) => idNumber(rng, i + 1))
    const day0 = Date.parse('2026-12-01T00:00:00+08:00')
    const recordsOf = (p: number, w: number): UpstreamRecord[] => {
      const idNo = ids[(p * workersPerProject + w) % ids.length] as string
      const out: UpstreamRecord[] = []
      for (let d = 0; d < 2; d++) {
        for (const [dir, hour] of [['in', 7], ['out', 17]] as const) {
          const punchId = ((p * workersPerProject + w) * 2 + d) * 2 + (dir === 'in' ? 0 : 1)
          const atMs = day0 + d * 86_400_000 + hour * 3_600_000 + (w % 60) * 60_000
          out.push(workerAttendanceRecord({ projectCode: `P${siteCodes[p]}`, timeZone: 'Asia/Shanghai' }, { name: '钢筋班' }, { idType: 'resident_id', idNumber: idNo }, { kind: 'device', punchId, atMs, direction: dir, deviceSerial: `GT-${p}`, channel: 'gate' }))
        }
      }
      return out
    }
    // Project by project, worker by worker, as batches of workers arrive; --per-tx records per transaction.
    function* chunks(): Generator<{ projectId: string; records: UpstreamRecord[] }> {
      let left = recordCount
      for (let w = 0; w < workersPerProject && left > 0; w += Math.max(1, Math.floor(perTx / 4 / projectCount))) {
        for (let p = 0; p < projectCount && left > 0; p++) {
          const records: UpstreamRecord[] = []
          for (let k = w; k < Math.min(w + Math.max(1, Math.floor(perTx / 4 / projectCount)), workersPerProject); k++) records.push(...recordsOf(p, k))
          const taken = records.slice(0, left)
          left -= taken.length
          if (taken.length > 0) yield { projectId: projectRows[p]!.id, records: taken }
        }
      }
    }
    const outbox = services.upstream.reporter.outbox
    console.log(`upstream bench: ${values.db}, ${fmt(recordCount)} WorkerAttendance records over ${projectCount} projects (${fmt(workersPerProject)} workers each, two days), batches of ${batchSize}`)

    const enqueue = await measured(async () => {
      let queued = 0
      let pending: Array<{ projectId: string; records: UpstreamRecord[] }> = []
      let size = 0
      const flush = async (): Promise<void> => {
        const group = pending
        pending = []
        size = 0
        await db.tx(async (tx) => {
          for (const g of group) queued += (await outbox.enqueue(tx, g.projectId, g.records)).filter((o) => o.outcome === 'queued').length
        })
      }
      for (const c of chunks()) {
        pending.push(c)
        size += c.records.length
        if (size >= perTx) await flush()
      }
      if (pending.length > 0) await flush()
      return queued
    })
    console.log(`enqueue: ${fmt(enqueue.value)} records in ${seconds(enqueue.ms)} s, ${fmt(enqueue.value / (enqueue.ms / 1000))} records/s, heap peak ${mb(enqueue.heapPeak)}`)

    const settings = nationalSettings(platformUrl, APP_ID, SECRET, batchSize)
    const sender = new UpstreamSender(db, new PlatformClient({ settings, clock: systemClock }), systemClock, { limits: { poll_interval_ms: 0, lanes_per_pass_max: Math.max(100, projectCount) } })
    const openCount = async (): Promise<number> => Number((await db.get<{ n: number }>(q(`SELECT CAST(COUNT(*) AS BIGINT) AS "n" FROM upstream_records WHERE state <> 'accepted' AND state <> 'refused'`)))?.n ?? 0)
    const before = platform.acceptedCount
    let retried = 0
    const drain = await measured(async () => {
      let passes = 0
      for (;;) {
        const c = await sender.pass()
        passes++
        retried += c.retried
        if (c.taken === 0 && c.accepted === 0 && c.refused === 0 && c.retried === 0 && (await openCount()) === 0) return passes
      }
    })
    const drained = platform.acceptedCount - before
    const drainRate = drained / (drain.ms / 1000)
    console.log(`drain:   ${fmt(drained)} records in ${seconds(drain.ms)} s over ${fmt(drain.value)} passes, ${fmt(drainRate)} records/s, ${fmt(retried)} records retried after a call that failed, heap peak ${mb(drain.heapPeak)} (the simulator's included)`)

    // Floor: the same batches per lane, straight through the client, no database.
    const client = new PlatformClient({ settings, clock: systemClock })
    const lanes: UpstreamRecord[][] = Array.from({ length: projectCount }, () => [])
    for (const c of chunks()) lanes[projectRows.findIndex((p) => p.id === c.projectId)]!.push(...c.records)
    const floorBefore = platform.acceptedCount
    let floorRetries = 0
    const floor = await measured(async () => {
      await Promise.all(
        lanes.map(async (lane) => {
          for (let i = 0; i < lane.length; i += batchSize) {
            let add = await client.add('WorkerAttendance', lane.slice(i, i + batchSize).map((r) => r.payload as never))
            // A call that failed on the way (a connection reset under load) is made again at once, as the sender would later.
            for (let tries = 1; add.outcome === 'unreachable' && tries < 5; tries++) {
              floorRetries++
              add = await client.add('WorkerAttendance', lane.slice(i, i + batchSize).map((r) => r.payload as never))
            }
            if (add.outcome !== 'taken') throw new Error(`floor: the platform did not take a batch (${JSON.stringify(add)})`)
            const verdict = await client.query(add.requestSerialCode)
            if (verdict.outcome !== 'result' || verdict.result.status !== '20' || verdict.result.failList.length > 0) throw new Error(`floor: a batch not accepted whole (${JSON.stringify(verdict)})`)
          }
        }),
      )
    })
    const floorCount = platform.acceptedCount - floorBefore
    const floorRate = floorCount / (floor.ms / 1000)
    const ratio = drainRate / floorRate
    console.log(`floor:   ${fmt(floorCount)} records in ${seconds(floor.ms)} s, ${fmt(floorRate)} records/s (client and simulator only), ${fmt(floorRetries)} calls made again after a failure`)
    console.log(`ratio drain/floor: ${ratio.toFixed(2)}`)
    const provinceMs = (PROVINCE_RECORDS / drainRate) * 1000 + (PROVINCE_RECORDS / (enqueue.value / (enqueue.ms / 1000))) * 1000
    console.log(
      `a province's day, ${fmt(PROVINCE_RECORDS)} records, at these rates: enqueue ${(PROVINCE_RECORDS / (enqueue.value / (enqueue.ms / 1000)) / 3600).toFixed(2)} h (spread over the day as punches arrive), drain ${(PROVINCE_RECORDS / drainRate / 3600).toFixed(2)} h; aim: drain within ${AIM_DRAIN_MS / 3_600_000} h — ${PROVINCE_RECORDS / drainRate * 1000 <= AIM_DRAIN_MS ? 'PASS' : 'BELOW'} (both back to back ${(provinceMs / 3_600_000).toFixed(2)} h)`,
    )

    const refused = platform.refused.length
    const accepted = Number((await db.get<{ n: number }>(q(`SELECT CAST(COUNT(*) AS BIGINT) AS "n" FROM upstream_records WHERE state = 'accepted'`)))?.n ?? 0)
    const checks = [
      [enqueue.value === recordCount, `every record queued once (${fmt(enqueue.value)} of ${fmt(recordCount)})`],
      [drained === recordCount, `the platform accepted each record of the drain once (${fmt(drained)})`],
      [accepted === recordCount, `the outbox holds every record accepted (${fmt(accepted)})`],
      [floorCount === recordCount, `the floor delivered the same records (${fmt(floorCount)})`],
      [refused === 0, `nothing refused (${refused})`],
    ] as const
    for (const [ok, what] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`)
    if (checks.some(([ok]) => !ok)) process.exitCode = 1
  } finally {
    await services.close()
  }
} finally {
  await platform.close()
  await dbs?.dropAll()
  rmSync(dir, { recursive: true, force: true })
}
