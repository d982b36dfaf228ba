/**
 * A gap is found and filled (issue 12), end to end against the simulators over real HTTP and MQTT: a ZKTeco terminal
 * that lost records in a push obeys the DATA QUERY a person asked for; a gate over MQTT whose numbered records never
 * arrived is asked by the gap watch, re-publishes them from its log, and the gap closes; a gate that no longer holds
 * them is asked again until the attempts run out; a Hikvision terminal's events the search skipped are found by the
 * poller searching the window a person asked for. The gap watch's rounds are run by the test (backfillRound), the
 * clock is the test's.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { admsLocalTime } from '../../src/punches/backfill.ts'
import { ContractDevice } from '../../simulators/device.ts'
import { HikvisionSearchDevice } from '../../simulators/hikvision.ts'
import { registeredHikvisionPollDevices, startHikvisionPollers } from '../../src/ingest/hikvision-poller.ts'
import { DEFAULT_SITE, planSite, registerSite, type SimFrame } from '../../simulators/site.ts'
import { ZkAdmsTerminal } from '../../simulators/zkteco.ts'
import { failure, settled, startTestServer } from '../helpers/server.ts'

interface Backfill {
  id: string
  serial: string
  kind: string
  commandNo: number
  attempt: number
  state: string
  recordFrom: number | null
  recordTo: number | null
  requestedBy: string
  returnCode: number | null
  command: string
}

const HOUR_MS = 3_600_000

t.test('a gap is found and filled', async (t) => {
  const hik = new HikvisionSearchDevice({ serial: 'HKBF1', password: 'secret' })
  await hik.listen()
  t.teardown(() => hik.close())
  const clock = new ManualClock(Date.now())
  // The watch's own timer never comes round during the test: its rounds are run by hand.
  const server = await startTestServer(t, { clock, config: { backfillWatchMs: 3_600_000, backfillExpireMs: 10 * 60_000, backfillAttemptsMax: 3 } })
  const { api, services } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'BF-1', workers: 3, teams: 1, seed: 777 })
  const site = await registerSite(api, {
    ...plan,
    devices: [
      { serial: 'ZKBF1', model: 'zkteco-adms', settings: {}, location: '东大门' },
      { serial: 'GTBF1', model: 'gate-ts200', settings: {}, location: '南门' },
      { serial: 'GTBF2', model: 'gate-ts200', settings: {}, location: '北门' },
      { serial: 'DHBF1', model: 'dahua-access', settings: {}, location: '西门' },
      { serial: 'HKBF1', model: 'hikvision-isapi', settings: { connect: { url: hik.url, username: 'admin', passwordEnv: 'WL_HIK_BF_PASSWORD', pollSeconds: 3600 } }, location: '生活区' },
      { serial: 'HKBF2', model: 'hikvision-isapi', settings: {}, location: '项目部' },
    ],
  })
  const workers = plan.workers
  const list = () => api.get<Backfill[]>(`/api/projects/${site.projectId}/devices/backfills`)
  const metrics = async () => (await fetch(`${server.httpUrl}/metrics`, { headers: { authorization: `Bearer ${server.adminKey}` } })).text()

  await t.test('ZKTeco: records lost in a push come back through the DATA QUERY a person asked for', async (t) => {
    const zk = new ZkAdmsTerminal(server.deviceUrl, 'ZKBF1')
    await zk.handshake()
    const start = clock.nowMs() - 3 * HOUR_MS
    for (let i = 0; i < 6; i++) {
      zk.record({ pin: workers[i % workers.length]!.deviceUserId, time: admsLocalTime(start + i * 60_000, 'Asia/Shanghai'), status: 0, verify: 15 })
    }
    t.equal(zk.loseUnsent((r) => r.time === zk.log[2]!.time || r.time === zk.log[3]!.time), 2, 'two records lost on the way')
    t.same(await zk.pushAll(), { acked: 4, statuses: [200] })
    const count = () => services.punches.countPunches(site.projectId)
    t.equal(await count(), 4)

    const window = { from: new Date(start - 60_000).toISOString(), to: new Date(start + 10 * 60_000).toISOString() }
    const asked = await api.post<Backfill>(`/api/projects/${site.projectId}/devices/ZKBF1/backfills`, window)
    t.match(asked, { serial: 'ZKBF1', kind: 'adms_data_query', state: 'pending', attempt: 1, recordFrom: null })
    t.match(asked.command, /^DATA QUERY ATTLOG StartTime=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\tEndTime=/)
    const again = await api.post<Backfill>(`/api/projects/${site.projectId}/devices/ZKBF1/backfills`, window)
    t.equal(again.id, asked.id, 'the same window asked while open is the same request')

    const runs = await zk.obeyCommands()
    t.same(runs, [{ id: String(asked.commandNo), command: asked.command, returnCode: 0 }], 'handed out on the poll as C:<id>:<command>, run, answered Return=0')
    t.equal(await count(), 6, 'the lost records are stored; the others were duplicates, counted once')
    t.match((await list()).find((b) => b.id === asked.id), { state: 'filled', returnCode: 0 })
    t.equal(await zk.poll(), 'OK', 'nothing handed out twice')
  })

  await t.test('a person cannot ask a device that has no query, nor for a window that ends in the future', async (t) => {
    const now = clock.nowMs()
    t.match(await failure(api.post(`/api/projects/${site.projectId}/devices/DHBF1/backfills`, { from: new Date(now - HOUR_MS).toISOString(), to: new Date(now).toISOString() })), { status: 409, code: 'backfill_not_supported' })
    t.match(await failure(api.post(`/api/projects/${site.projectId}/devices/ZKBF1/backfills`, { from: new Date(now).toISOString(), to: new Date(now + 2 * HOUR_MS).toISOString() })), { status: 400, code: 'backfill_window_invalid' })
    t.match(await failure(api.post(`/api/projects/${site.projectId}/devices/GTBF1/backfills`, { from: new Date(now - HOUR_MS).toISOString(), to: new Date(now).toISOString(), fromRecord: 1, toRecord: 1_000_000 })), { status: 400, code: 'backfill_window_invalid', details: { recordsMax: 5000 } }, 'a million record numbers')
    t.match(await failure(api.post(`/api/projects/${site.projectId}/devices/HKBF2/backfills`, { from: new Date(now - HOUR_MS).toISOString(), to: new Date(now).toISOString() })), { status: 409, code: 'backfill_not_supported' }, 'a Hikvision device the service cannot search')
    t.match(await failure(api.post(`/api/projects/${site.projectId}/devices/NOSUCH/backfills`, { from: new Date(now - HOUR_MS).toISOString(), to: new Date(now).toISOString() })), { status: 404, code: 'device_not_found' })
  })

  await t.test('Hikvision: events the search skipped are found by searching the window a person asked for', async (t) => {
    const start = clock.nowMs() - 2 * HOUR_MS
    for (let i = 0; i < 6; i++) hik.record({ employeeNo: workers[i % workers.length]!.deviceUserId, atMs: start + i * 60_000, major: 5, minor: 75 })
    // serialNo 3 and 4 were not in the log when the search ran (their pushes were lost on the way): it resumed after 6.
    const late = hik.log.splice(2, 2)
    const pollers = await startHikvisionPollers({
      inbox: services.inbox,
      lookups: services.lookups,
      listDevices: async () => (await registeredHikvisionPollDevices(services.roster)).filter((d) => d.serial === 'HKBF1'),
      env: { WL_HIK_BF_PASSWORD: 'secret' },
      log: { info: () => {}, warn: () => {} },
      lastSerialNo: async () => undefined,
      backfills: { handOut: (serial) => services.backfills.handOut(serial, 'isapi_search'), answer: (serial, no, code, detail) => services.backfills.answer(serial, no, code, detail) },
      now: () => clock.nowMs(),
    })
    t.teardown(() => pollers.close())
    const device = await services.lookups.device('HKBF1')
    const stored = async () => (await services.punches.deviceSamplesSince(site.projectId, 0)).filter((s) => s.deviceId === device!.id).map((s) => s.recordId).sort()
    await pollers.pollNow('HKBF1')
    t.same(await stored(), ['1', '2', '5', '6'])
    hik.log.splice(2, 0, ...late)
    await pollers.pollNow('HKBF1')
    t.same(await stored(), ['1', '2', '5', '6'], 'a search from the last serialNo does not see them')

    const asked = await api.post<Backfill>(`/api/projects/${site.projectId}/devices/HKBF1/backfills`, { from: new Date(start).toISOString(), to: new Date(start + 10 * 60_000).toISOString() })
    t.match(asked, { kind: 'isapi_search', state: 'pending' })
    await pollers.pollNow('HKBF1')
    t.same(await stored(), ['1', '2', '3', '4', '5', '6'], "the window's search stored them; the rest were duplicates")
    t.match((await list()).find((b) => b.id === asked.id), { state: 'filled', returnCode: 0 })
  })

  /** seq 1…n of a gate, a minute apart, ending an hour ago. */
  const gateFrames = (serial: string, n: number): SimFrame[] => {
    const first = Math.floor(clock.nowMs() / 1000) - HOUR_MS / 1000 - n * 60
    return Array.from({ length: n }, (_, i) => {
      const seq = i + 1
      const ts = first + i * 60
      const payload = { sn: serial, seq, lane: 1, userId: workers[i % workers.length]!.deviceUserId, ts, mode: 'card' }
      return { serial, recordId: String(seq), topic: `wl/v1/BF-1/${serial}/punch`, payload: Buffer.from(JSON.stringify(payload)), kind: 'punch', deviceTimeMs: ts * 1000 }
    })
  }

  await t.test('a gate over MQTT: the gap watch asks for the missing numbers, the gate sends them again, the gap closes', async (t) => {
    const gate = new ContractDevice(server.mqttUrl, 'BF-1', 'GTBF1', site.secrets.get('GTBF1')!)
    await gate.connect()
    t.teardown(() => gate.disconnect())
    const frames = gateFrames('GTBF1', 8)
    gate.take(frames.filter((f) => f.recordId === '4' || f.recordId === '5'))
    await gate.send(frames.filter((f) => f.recordId !== '4' && f.recordId !== '5'))
    await gate.allAcked(60_000)

    await server.backfillRound()
    const [asked] = (await list()).filter((b) => b.serial === 'GTBF1')
    t.match(asked, { kind: 'mqtt_backfill', recordFrom: 4, recordTo: 5, attempt: 1, requestedBy: 'gap-watch', state: 'handed_out' })
    await until(() => gate.backfills.length === 1)
    t.same(gate.backfills, [{ id: asked!.commandNo, recordIds: ['4', '5'] }], 'the gate got the backfill on its command topic and sent 4 and 5 again')
    await gate.allAcked(60_000)
    await settled(server)

    await server.backfillRound()
    t.match((await list()).find((b) => b.id === asked!.id), { state: 'filled' }, 'closed: the watch sees no gap there any more')
    await server.backfillRound()
    t.equal((await list()).filter((b) => b.serial === 'GTBF1').length, 1, 'and asks for nothing more')
    t.match(await metrics(), /wl_device_backfills_total\{kind="mqtt_backfill",outcome="filled"\} 1/)
  })

  await t.test('a gate that no longer holds the records: asked again after each expiry, three times in all', async (t) => {
    const gate = new ContractDevice(server.mqttUrl, 'BF-1', 'GTBF2', site.secrets.get('GTBF2')!)
    await gate.connect()
    t.teardown(() => gate.disconnect())
    await gate.send(gateFrames('GTBF2', 5).filter((f) => f.recordId !== '3'))
    await gate.allAcked(60_000)
    const mine = async () => (await list()).filter((b) => b.serial === 'GTBF2').sort((a, b) => a.attempt - b.attempt)

    await server.backfillRound()
    t.same((await mine()).map((b) => [b.attempt, b.state]), [[1, 'handed_out']])
    await server.backfillRound()
    t.equal((await mine()).length, 1, 'not asked again while the request is open')
    for (const attempt of [2, 3]) {
      clock.advance(10 * 60_000)
      await server.backfillRound()
      t.same((await mine()).map((b) => b.state), [...Array(attempt - 1).fill('expired'), 'handed_out'], `expired, and asked again (attempt ${attempt})`)
    }
    clock.advance(10 * 60_000)
    await server.backfillRound()
    t.same((await mine()).map((b) => b.state), ['expired', 'expired', 'expired'], 'given up after three attempts')
    await until(() => gate.backfills.length === 3)
    t.same(gate.backfills.map((b) => b.recordIds), [[], [], []], 'each reached the gate, which had nothing to send')
    t.match(await metrics(), /wl_device_backfills_total\{kind="mqtt_backfill",outcome="expired"\} 3/)
  })
})

/** Waits for something the broker delivers asynchronously (not a timed assertion: it waits as long as the test may). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10))
}
