/**
 * The gap watch backfills Hikvision and ZKTeco devices on its own (issue 12), end to end against the simulators over
 * real HTTP: a Hikvision terminal whose pushes lost punches gets them back through the serial-range searches the watch
 * asks of the poller, and the door events in those ranges, never stored, cause no second ask; a ZKTeco terminal that
 * lost records in a push gets its day back through the daily sweep, once per local day, whatever the instances. The
 * watch's rounds are run by the test (backfillRound) on the test's clock.
 */
import t from 'tap'
import { addDays, ManualClock, workDateOf, zonedToUtcMs } from '../../src/kernel/time.ts'
import { admsLocalTime } from '../../src/punches/backfill.ts'
import { BackfillRepository } from '../../src/punches/backfill-repository.ts'
import { BackfillService } from '../../src/punches/backfill-service.ts'
import { HikvisionSearchDevice, HikvisionTerminal } from '../../simulators/hikvision.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { ZkAdmsTerminal } from '../../simulators/zkteco.ts'
import { settled, startTestServer } from '../helpers/server.ts'

interface Backfill {
  id: string
  serial: string
  kind: string
  attempt: number
  state: string
  recordFrom: number | null
  recordTo: number | null
  windowFrom: string
  windowTo: string
  requestedBy: string
  returnCode: number | null
  command: string
}

const ZONE = 'Asia/Shanghai'
const HOUR_MS = 3_600_000
/** The poller reads the password from the service's environment, by this name (settings.connect.passwordEnv). */
const PASSWORD_ENV = 'WL_TEST_HIK_AUTO_PASSWORD'

/** An instant at a local wall time in the site's zone. */
function local(date: string, hour: number, minute = 0): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  return zonedToUtcMs({ year, month, day, hour, minute, second: 0 }, ZONE)
}

t.test('the gap watch backfills Hikvision and ZKTeco devices on its own', async (t) => {
  // Day D is two local days before today, so that the test's clock, at D 01:00 and on to D+1 03:05, stays in the past.
  const dayD = addDays(workDateOf(Date.now(), ZONE), -2)
  const dayBefore = addDays(dayD, -1)
  const clock = new ManualClock(local(dayD, 1))

  const hik = new HikvisionSearchDevice({ serial: 'HKAU1', password: 'secret' })
  await hik.listen()
  t.teardown(() => hik.close())
  process.env[PASSWORD_ENV] = 'secret'
  t.teardown(() => delete process.env[PASSWORD_ENV])

  const server = await startTestServer(t, { clock, config: { backfillWatchMs: 3_600_000, backfillExpireMs: 10 * 60_000, backfillAttemptsMax: 3 } })
  const { api, services } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'BA-1', workers: 3, teams: 1, seed: 778 })
  const site = await registerSite(api, {
    ...plan,
    devices: [
      { serial: 'HKAU1', model: 'hikvision-isapi', settings: { connect: { url: hik.url, username: 'admin', passwordEnv: PASSWORD_ENV, pollSeconds: 3600 } }, location: '生活区' },
      { serial: 'ZKAU1', model: 'zkteco-adms', settings: {}, location: '东大门' },
    ],
  })
  const workers = plan.workers
  const list = async (serial: string) => (await api.get<Backfill[]>(`/api/projects/${site.projectId}/devices/backfills`)).filter((b) => b.serial === serial).sort((a, b) => Date.parse(a.windowFrom) - Date.parse(b.windowFrom) || (a.recordFrom ?? 0) - (b.recordFrom ?? 0))
  const metrics = async () => (await fetch(`${server.httpUrl}/metrics`, { headers: { authorization: `Bearer ${server.adminKey}` } })).text()

  await t.test('ZKTeco: a day that lost records in a push comes back through the daily sweep', async (t) => {
    clock.set(local(dayD, 1))
    const zk = new ZkAdmsTerminal(server.deviceUrl, 'ZKAU1')
    await zk.handshake()
    for (let i = 0; i < 6; i++) zk.record({ pin: workers[i % workers.length]!.deviceUserId, time: admsLocalTime(local(dayBefore, 7, 30) + i * 97 * 60_000, ZONE), status: 0, verify: 15 })
    t.equal(zk.loseUnsent((r) => r.time === zk.log[1]!.time || r.time === zk.log[4]!.time), 2, 'two records lost on the way')
    t.same(await zk.pushAll(), { acked: 4, statuses: [200] })
    const count = () => services.punches.countPunches(site.projectId)
    const before = await count()

    await server.backfillRound()
    t.same(
      (await list('ZKAU1')).map((b) => admsLocalTime(Date.parse(b.windowFrom), ZONE)),
      [`${addDays(dayBefore, -1)} 00:00:00`],
      '01:00: the sweep hour has not come, so the day just ended is not swept yet (the day before it is)',
    )
    t.same((await zk.obeyCommands()).map((r) => r.returnCode), [0])
    t.equal(await count(), before, 'that day had nothing missing')

    clock.set(local(dayD, 2, 5))
    await server.backfillRound()
    const sweeps = await list('ZKAU1')
    t.equal(sweeps.length, 2)
    const sweep = sweeps[1]!
    t.match(sweep, { kind: 'adms_data_query', attempt: 1, state: 'pending', requestedBy: 'gap-watch', recordFrom: null })
    t.equal(sweep.command, `DATA QUERY ATTLOG StartTime=${dayBefore} 00:00:00\tEndTime=${dayBefore} 23:59:59`, 'the whole previous local day')

    const runs = await zk.obeyCommands()
    t.same(runs, [{ id: String(sweeps.length), command: sweep.command, returnCode: 0 }], 'handed out on the poll, run, answered Return=0')
    t.equal(zk.unsent.length, 0, 'the edge answered OK to the whole day, duplicates included')
    await settled(server)
    t.equal(await count(), before + 2, 'the two lost records are stored; the four others were duplicates, counted once')
    t.match((await list('ZKAU1'))[1], { state: 'filled', returnCode: 0 })

    for (const at of [local(dayD, 3), local(dayD, 23, 59)]) {
      clock.set(at)
      await server.backfillRound()
    }
    t.equal((await list('ZKAU1')).length, 2, 'one sweep of the day, however many rounds run after it')
    t.equal(await zk.poll(), 'OK', 'and nothing more handed out')
  })

  await t.test('ZKTeco: one sweep per device and day, whatever the instances', async (t) => {
    clock.set(local(addDays(dayD, 1), 2, 5))
    // Two instances' gap watches on the same database, at the same moment: the unique index on the gap key and
    // attempt lets one of them make the request.
    const instance = () => new BackfillService(new BackfillRepository(services.db), { roster: services.roster, punches: services.punches }, clock)
    const [a, b] = await Promise.all([instance().watch(), instance().watch()])
    t.equal(a.requested + b.requested, 1, 'one request made between them')
    const sweeps = await list('ZKAU1')
    t.equal(sweeps.length, 3)
    t.equal(admsLocalTime(Date.parse(sweeps[2]!.windowFrom), ZONE), `${dayD} 00:00:00`, 'of day D, the day just ended')
  })

  await t.test('Hikvision: punches the pushes lost come back through the serial-range searches, and door events cause no second ask', async (t) => {
    const push = new HikvisionTerminal(server.deviceUrl, 'HKAU1', false)
    const start = clock.nowMs() - 2 * HOUR_MS
    // serialNo 1…10: punches, with a door unlocked at 4, a door opened at 6 and an exit button at 9 (never stored).
    const doors = new Map([
      [4, 21],
      [6, 25],
      [9, 23],
    ])
    for (let n = 1; n <= 10; n++) {
      const atMs = start + n * 60_000
      const employeeNo = doors.has(n) ? null : workers[n % workers.length]!.deviceUserId
      const minor = doors.get(n) ?? 75
      hik.record({ employeeNo, atMs, major: 5, minor })
      push.record({ employeeNo, dateTime: `${new Date(atMs + 8 * HOUR_MS).toISOString().slice(0, 19)}+08:00`, major: 5, minor })
    }
    // The pushes of punches 3 and 7 were lost on the way (the terminal took a reply for an answer it was not).
    push.unsent.splice(0, push.unsent.length, ...push.unsent.filter((u) => u.serialNo !== 3 && u.serialNo !== 7))
    t.same(await push.pushAll(), { acked: 8, statuses: Array(8).fill(200) })
    const device = await services.lookups.device('HKAU1')
    const stored = async () => (await services.punches.deviceSamplesSince(site.projectId, 0)).filter((s) => s.deviceId === device!.id).map((s) => Number(s.recordId)).sort((a, b) => a - b)
    t.same(await stored(), [1, 2, 5, 8, 10])

    // The poller catches up from the last serialNo stored: nothing after 10.
    await server.connectDevices()
    t.same(await stored(), [1, 2, 5, 8, 10], 'catching up from the last serialNo does not see them')

    await server.backfillRound()
    const asked = await list('HKAU1')
    t.same(
      asked.map((b) => [b.recordFrom, b.recordTo]),
      [[3, 9]],
      'the watch asks for the holes in the serialNos, those close together as one range (one search reads them all)',
    )
    t.match(asked, [{ kind: 'isapi_search', state: 'pending', attempt: 1, requestedBy: 'gap-watch' }])
    t.match(JSON.parse(asked[0]!.command), { beginSerialNo: 3, endSerialNo: 9 })

    await server.connectDevices()
    t.same(await stored(), [1, 2, 3, 5, 7, 8, 10], 'the lost punches are stored; the door events are not')
    const ranges = hik.searches.flatMap((s) => (s.status === 200 && s.cond?.['endSerialNo'] !== undefined ? [[s.cond['beginSerialNo'], s.cond['endSerialNo']]] : []))
    t.same(ranges, [[3, 9]], 'searched by exactly its serial range')
    t.match(await list('HKAU1'), [{ state: 'filled', returnCode: 0 }], 'filled: every number in it accounted for')

    for (let round = 0; round < 3; round++) {
      clock.advance(20 * 60_000)
      await server.backfillRound()
    }
    await server.connectDevices()
    t.equal((await list('HKAU1')).length, 1, 'the holes 4, 6 and 9 stay in the punches, and are never asked again')
    t.equal(hik.searches.filter((s) => s.cond?.['endSerialNo'] !== undefined).length, 1, 'nor searched again')
    t.match(await metrics(), /wl_device_backfills_total\{kind="isapi_search",outcome="filled"\} 1/)
  })
})
