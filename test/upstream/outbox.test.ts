/**
 * The upstream outbox on the run's engine, against the platform simulator over real HTTP, on the test's clock:
 * records queued in a transaction are sent in batches in the platform's kind order and settled by its verdicts; the
 * platform down for an hour, then back: everything delivered once, in order per worker; a refusal kept with its
 * reason, fixed and resent; an accepted record never sent again, nor overwritten.
 */
import t, { type Test } from 'tap'
import { openDatabase, type Database } from '../../src/db/client.ts'
import { insertInto } from '../../src/db/rows.ts'
import { organisations, projects } from '../../src/db/schema/index.ts'
import { HOUR_MS, MINUTE_MS, ManualClock } from '../../src/kernel/time.ts'
import { PlatformClient } from '../../src/upstream/client.ts'
import { UPSTREAM_LIMITS, kindRank } from '../../src/upstream/outbox.ts'
import { UpstreamOutboxRepository } from '../../src/upstream/outbox-repository.ts'
import { UpstreamOutbox } from '../../src/upstream/outbox-service.ts'
import { nationalSettings } from '../../src/upstream/protocol.ts'
import { entryExitRecords, projectWorkerRecord, teamMasterRecord, workerAttendanceRecord, type UpstreamRecord } from '../../src/upstream/records.ts'
import { UpstreamSender } from '../../src/upstream/sender.ts'
import { idCheckChar } from '../../src/roster/identity.ts'
import { UpstreamPlatform } from '../../simulators/upstream-platform.ts'
import { testDatabaseUrl } from '../helpers/database.ts'

const APP_ID = '330106202601010001'
const SECRET = 'Wl0Test5ecret0fThePlatform2026AB'
const START = Date.UTC(2026, 10, 20, 1, 0, 0)
const BATCH = 10

const project = { projectId: 'p-up', projectCode: APP_ID, timeZone: 'Asia/Shanghai' }
const employer = { name: '杭州某劳务有限公司', creditCode: '91330106MA2XXXXXX1' }
const team = { id: 't-up', name: '木工班', createdAtMs: Date.UTC(2026, 9, 1, 1, 0, 0) }

function idNumber(n: number): string {
  const first17 = `33010619800101${String(n).padStart(3, '0')}`
  return first17 + idCheckChar(first17)
}

function worker(n: number) {
  return {
    id: `w${n}`,
    name: `工人${n}`,
    idType: 'resident_id' as const,
    idNumber: idNumber(n),
    gender: 'male' as const,
    birthDate: '1980-01-01',
    ethnicity: null,
    address: null,
    phone: null,
    trade: null,
    bankName: '中国工商银行',
    cardNo: `62220200000000${String(n).padStart(5, '0')}`,
  }
}

/** A worker's day of punches: in at 07:00 + n minutes, out at 17:00 + n minutes, Beijing time, day d of November. */
function punches(n: number, days: number): UpstreamRecord[] {
  const w = worker(n)
  const out: UpstreamRecord[] = []
  for (let d = 1; d <= days; d++) {
    const day = Date.UTC(2026, 10, d, -8) // 00:00 Beijing
    out.push(workerAttendanceRecord(project, team, w, { kind: 'device', punchId: n * 1000 + d * 2, deviceSerial: 'GATE-01', channel: 'gate', atMs: day + 7 * HOUR_MS + n * MINUTE_MS, direction: 'in' }))
    out.push(workerAttendanceRecord(project, team, w, { kind: 'device', punchId: n * 1000 + d * 2 + 1, deviceSerial: 'GATE-01', channel: 'gate', atMs: day + 17 * HOUR_MS + n * MINUTE_MS, direction: 'out' }))
  }
  return out
}

interface Rig {
  db: Database
  clock: ManualClock
  platform: UpstreamPlatform
  outbox: UpstreamOutbox
  sender: UpstreamSender
  /** Passes, moving the clock on by the poll interval, until nothing is left unsettled. */
  drain: () => Promise<number>
}

async function rig(t: Test): Promise<Rig> {
  const db = await openDatabase(await testDatabaseUrl(t))
  t.teardown(() => db.close())
  const clock = new ManualClock(START)
  const platform = new UpstreamPlatform({ appId: APP_ID, appSecret: SECRET, clock, batchSizeMax: BATCH, pendingQueries: 1 })
  const url = await platform.listen()
  t.teardown(() => platform.close())
  await db.run(
    insertInto(organisations, [
      { id: 'o-cu', kind: 'construction_unit', name: '建设单位', creditCode: '91330106MA2YYYYYY2', createdAtMs: START },
      { id: 'o-gc', kind: 'general_contractor', name: '总包', creditCode: '91330106MA2ZZZZZZ3', createdAtMs: START },
    ]),
  )
  await db.run(
    insertInto(projects, [
      {
        id: project.projectId,
        siteCode: 'UP-1',
        name: '上报测试项目',
        regionCode: '330106',
        timeZone: 'Asia/Shanghai',
        payDay: 15,
        constructionUnitId: 'o-cu',
        generalContractorId: 'o-gc',
        accountBank: '中国工商银行杭州分行',
        accountNo: '1202000000000000001',
        accountName: '总包上报测试项目农民工工资专用账户',
        createdAtMs: START,
      },
    ]),
  )
  const client = new PlatformClient({ settings: nationalSettings(url, APP_ID, SECRET, BATCH), clock })
  const outbox = new UpstreamOutbox(clock)
  const sender = new UpstreamSender(db, client, clock, { random: () => 0.5 })
  const drain = async (): Promise<number> => {
    for (let i = 1; i <= 200; i++) {
      await sender.pass()
      const open = (await outbox.records(db, project.projectId)).filter((r) => r.state === 'queued' || r.state === 'sending' || r.state === 'sent')
      if (open.length === 0) return i
      clock.advance(UPSTREAM_LIMITS.poll_interval_ms)
    }
    throw new Error('the outbox never drained')
  }
  return { db, clock, platform, outbox, sender, drain }
}

t.test('every kind queued in a transaction, sent in the platform order, accepted once', async (t) => {
  const { db, platform, outbox, drain } = await rig(t)
  const w = worker(1)
  const enrolment = { id: 'e1', contractNo: 'HT-1', safetyTrained: true, entryDate: '2026-11-01', exitDate: null }
  // Queued attendance first: the platform still gets the team and the worker before it.
  const records = [...punches(1, 1), teamMasterRecord(project, employer, team), projectWorkerRecord(project, employer, team, w, enrolment), ...entryExitRecords(project, employer, team, w, enrolment)]
  const first = await db.tx((tx) => outbox.enqueue(tx, project.projectId, records))
  t.ok(first.every((r) => r.outcome === 'queued'))
  const again = await db.tx((tx) => outbox.enqueue(tx, project.projectId, records))
  t.ok(again.every((r) => r.outcome === 'already_queued'), 'queued again: nothing new')

  await drain()
  const rows = await outbox.records(db, project.projectId)
  t.same(
    rows.map((r) => r.state),
    rows.map(() => 'accepted'),
  )
  t.equal(platform.accepted.length, records.length, 'each record once')
  const order = platform.accepted.map((a) => a.kind)
  t.same([...new Set(order)], ['TeamMaster', 'ProjectWorker', 'EntryExitHistory', 'WorkerAttendance'], 'in the platform order, whatever order they were queued in')
  t.same(platform.acceptedOf('WorkerAttendance'), records.slice(0, 2).map((r) => r.payload))
  const log = await outbox.attempts(db, project.projectId)
  t.same(
    [...new Set(log.map((a) => `${a.action}:${a.outcome}`))].sort(),
    ['add:taken', 'result:accepted'],
  )
  t.equal(log.length, records.length * 2, 'one taken and one accepted per record')

  const after = await db.tx((tx) => outbox.enqueue(tx, project.projectId, [records[0]!]))
  t.same(after, [{ key: records[0]!.key, outcome: 'already_queued' }], 'accepted: never queued again')
  const changed = { ...records[0]!, payload: { ...records[0]!.payload, CheckChannel: 'GATE-02' } } as UpstreamRecord
  t.same(await db.tx((tx) => outbox.enqueue(tx, project.projectId, [changed])), [{ key: records[0]!.key, outcome: 'differs_from_accepted' }], 'never overwritten')
})

t.test('the platform down for an hour, then back: everything delivered once, in order per worker', async (t) => {
  const { db, clock, platform, outbox, sender, drain } = await rig(t)
  const records = [...punches(1, 4), ...punches(2, 4), ...punches(3, 4)] // 24 records: three batches of at most 10
  await db.tx((tx) => outbox.enqueue(tx, project.projectId, records))
  platform.down = true
  const downUntil = clock.nowMs() + HOUR_MS
  let calls = 0
  while (clock.nowMs() < downUntil) {
    const c = await sender.pass()
    calls += c.retried
    clock.advance(MINUTE_MS)
  }
  const waiting = await outbox.records(db, project.projectId)
  t.ok(
    waiting.every((r) => r.state === 'queued'),
    'all still queued',
  )
  t.ok(waiting[0]!.attempts >= 5 && waiting[0]!.attempts <= 10, `backed off: ${waiting[0]!.attempts} calls in the hour, not 60`)
  t.match(waiting[0]!.reason, /^no answer: /)
  t.ok(calls > 0)
  t.equal(platform.accepted.length, 0)

  platform.down = false
  clock.advance(UPSTREAM_LIMITS.retry_cap_ms)
  await drain()
  const rows = await outbox.records(db, project.projectId)
  t.ok(rows.every((r) => r.state === 'accepted'), 'all accepted')
  const got = platform.acceptedOf('WorkerAttendance')
  t.equal(got.length, records.length, 'each delivered once')
  t.equal(new Set(got.map((r) => `${r.IDCardNumber as string}|${r.CheckTime as string}`)).size, records.length, 'no record twice')
  for (const n of [1, 2, 3]) {
    const mine = got.filter((r) => r.IDCardNumber === idNumber(n)).map((r) => r.CheckTime as string)
    t.same(mine, [...mine].sort(), `worker ${n}: in order`)
    t.equal(mine.length, 8)
  }
  const log = await outbox.attempts(db, project.projectId)
  t.ok(log.some((a) => a.outcome === 'unreachable'), 'the outage is in the log')
})

t.test('a refusal kept with its reason, fixed and resent; the lane goes on meanwhile', async (t) => {
  const { db, platform, outbox, drain } = await rig(t)
  const records = punches(4, 2)
  platform.refuse = (kind, r) => (kind === 'WorkerAttendance' && r.CheckTime === (records[1]!.payload as { CheckTime: string }).CheckTime ? '人员未在项目登记' : null)
  await db.tx((tx) => outbox.enqueue(tx, project.projectId, records))
  await drain()
  let rows = await outbox.records(db, project.projectId)
  t.same(
    rows.map((r) => r.state),
    ['accepted', 'refused', 'accepted', 'accepted'],
  )
  t.equal(rows[1]!.reason, '人员未在项目登记', "the platform's reason, for a person to act on")
  t.same(await db.tx((tx) => outbox.enqueue(tx, project.projectId, [records[1]!])), [{ key: records[1]!.key, outcome: 'revised' }], 'resent once its cause is put right')
  platform.refuse = undefined
  await drain()
  rows = await outbox.records(db, project.projectId)
  t.same(
    rows.map((r) => [r.key, r.revision, r.state]),
    [
      [records[0]!.key, 1, 'accepted'],
      [records[1]!.key, 1, 'refused'],
      [records[2]!.key, 1, 'accepted'],
      [records[3]!.key, 1, 'accepted'],
      [records[1]!.key, 2, 'accepted'],
    ],
    'the refused revision stays as it was; the resent one is accepted',
  )
  t.equal(platform.acceptedOf('WorkerAttendance').length, records.length, 'each accepted once')
})

t.test('a call refused (rate limit) is retried with the back-off, then taken', async (t) => {
  const { db, clock, platform, outbox, sender, drain } = await rig(t)
  await db.tx((tx) => outbox.enqueue(tx, project.projectId, punches(5, 1)))
  platform.callsPerSecondMax = 0
  const c = await sender.pass()
  t.equal(c.retried, 2)
  const [row] = await outbox.records(db, project.projectId)
  t.match(row, { state: 'queued', attempts: 1, reason: 'refused the call (-5): 访问超过限制' })
  t.equal(row!.nextAttemptAtMs, clock.nowMs() + UPSTREAM_LIMITS.retry_base_ms)
  platform.callsPerSecondMax = undefined
  t.same(await sender.pass(), { taken: 0, retried: 0, accepted: 0, refused: 0 }, 'not before the back-off')
  clock.advance(UPSTREAM_LIMITS.retry_base_ms)
  await drain()
  t.equal(platform.acceptedOf('WorkerAttendance').length, 2)
})

t.test('two senders at once (two instances): each record sent and settled once', async (t) => {
  const { db, clock, platform, outbox } = await rig(t)
  const records = [...punches(6, 5), ...punches(7, 5)] // 20 records, two batches of 10
  await db.tx((tx) => outbox.enqueue(tx, project.projectId, records))
  const settings = nationalSettings(platform.url, APP_ID, SECRET, BATCH)
  const a = new UpstreamSender(db, new PlatformClient({ settings, clock }), clock, { random: () => 0.5 })
  const b = new UpstreamSender(db, new PlatformClient({ settings, clock }), clock, { random: () => 0.5 })
  const totals = { taken: 0, accepted: 0 }
  for (let i = 0; i < 20; i++) {
    for (const c of await Promise.all([a.pass(), b.pass()])) {
      totals.taken += c.taken
      totals.accepted += c.accepted
    }
    clock.advance(UPSTREAM_LIMITS.poll_interval_ms)
  }
  t.same(totals, { taken: records.length, accepted: records.length }, 'each taken once and accepted once, between them')
  t.equal(platform.acceptedOf('WorkerAttendance').length, records.length)
  t.equal(platform.calls.filter((c) => c.method === 'WorkerAttendance.Add').length, 2, 'two batches, each sent once')
  const log = await outbox.attempts(db, project.projectId)
  t.equal(log.length, records.length * 2, 'one taken and one accepted per record in the log')
})

t.test('a batch claimed by a sender that died mid-call is sent again after the claim goes stale', async (t) => {
  const { db, clock, platform, outbox, sender, drain } = await rig(t)
  await db.tx((tx) => outbox.enqueue(tx, project.projectId, punches(8, 1)))
  const claimed = await new UpstreamOutboxRepository().claim(db, { projectId: project.projectId, kindRank: kindRank('WorkerAttendance') }, BATCH, 'batch-of-a-dead-sender', clock.nowMs())
  t.equal(claimed.length, 2)
  t.same(await sender.pass(), { taken: 0, retried: 0, accepted: 0, refused: 0 }, 'held by the claim')
  clock.advance(UPSTREAM_LIMITS.claim_stale_ms)
  await drain()
  t.same(
    (await outbox.records(db, project.projectId)).map((r) => r.state),
    ['accepted', 'accepted'],
  )
  t.equal(platform.acceptedOf('WorkerAttendance').length, 2)
})

t.test('a batch the platform lost (its serial code unknown for a day) is queued again and delivered', async (t) => {
  const { db, clock, platform, outbox, sender, drain } = await rig(t)
  await db.tx((tx) => outbox.enqueue(tx, project.projectId, punches(9, 1)))
  t.match(await sender.pass(), { taken: 2 })
  t.equal(platform.forgetPending(), 1, 'the platform restarted without its queue')
  clock.advance(UPSTREAM_LIMITS.poll_interval_ms)
  t.match(await sender.pass(), { accepted: 0, retried: 0 }, 'an unknown serial code is asked again later, not resent at once')
  t.same(
    (await outbox.records(db, project.projectId)).map((r) => r.state),
    ['sent', 'sent'],
  )
  clock.advance(UPSTREAM_LIMITS.verdict_wait_ms_max)
  t.match(await sender.pass(), { retried: 1 }, 'a day on: lost, queued again')
  await drain()
  const rows = await outbox.records(db, project.projectId)
  t.same(
    rows.map((r) => [r.state, r.attempts]),
    [
      ['accepted', 2],
      ['accepted', 2],
    ],
  )
  t.equal(platform.acceptedOf('WorkerAttendance').length, 2, 'accepted once')
  t.ok((await outbox.attempts(db, project.projectId)).some((a) => a.outcome === 'lost'))
})

t.test("a province's sender takes only its own projects' records", async (t) => {
  const { db, clock, platform, outbox } = await rig(t)
  await db.run(
    insertInto(projects, [
      {
        id: 'p-other',
        siteCode: 'UP-2',
        name: '另一省的项目',
        regionCode: '320102',
        timeZone: 'Asia/Shanghai',
        payDay: 15,
        constructionUnitId: 'o-cu',
        generalContractorId: 'o-gc',
        accountBank: '中国工商银行南京分行',
        accountNo: '1202000000000000002',
        accountName: '另一省的项目农民工工资专用账户',
        createdAtMs: START,
      },
    ]),
  )
  await db.tx((tx) => outbox.enqueue(tx, project.projectId, [teamMasterRecord(project, employer, team)]))
  await db.tx((tx) => outbox.enqueue(tx, 'p-other', [teamMasterRecord({ ...project, projectId: 'p-other' }, employer, { ...team, id: 't-other' })]))
  const client = new PlatformClient({ clock, settings: nationalSettings(platform.url, APP_ID, SECRET, BATCH) })
  const zhejiang = new UpstreamSender(db, client, clock, { random: () => 0.5, projects: async () => [project.projectId] })
  for (let i = 0; i < 5; i++) {
    await zhejiang.pass()
    clock.advance(UPSTREAM_LIMITS.poll_interval_ms)
  }
  t.same((await outbox.records(db, project.projectId)).map((r) => r.state), ['accepted'])
  t.same((await outbox.records(db, 'p-other')).map((r) => r.state), ['queued'], "another province's project is not sent to this platform")
  const none = new UpstreamSender(db, client, clock, { projects: async () => [] })
  t.same(await none.pass(), { taken: 0, retried: 0, accepted: 0, refused: 0 }, 'a province with no project sends nothing')
})

t.test('a large enqueue again (a roster swept again): nothing new, decided from one read per kind', async (t) => {
  const { db, outbox } = await rig(t)
  const records = [...punches(1, 30), ...punches(2, 30)] // 120 records
  t.ok((await db.tx((tx) => outbox.enqueue(tx, project.projectId, records))).every((r) => r.outcome === 'queued'))
  const again = await db.tx((tx) => outbox.enqueue(tx, project.projectId, records))
  t.ok(again.every((r) => r.outcome === 'already_queued'), 'the same payloads: already queued')
  const changed = records.map((r, i) => (i === 5 ? ({ ...r, payload: { ...r.payload, CheckChannel: 'GATE-02' } } as UpstreamRecord) : r))
  const third = await db.tx((tx) => outbox.enqueue(tx, project.projectId, changed))
  t.same(third.filter((r) => r.outcome !== 'already_queued'), [{ key: records[5]!.key, outcome: 'differs_in_flight' }], 'a changed one still decided by the rules')
  t.equal((await outbox.records(db, project.projectId)).length, records.length)
})
