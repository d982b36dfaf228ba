/**
 * The HTTP device edge (issue 12) end to end, over real HTTP against the simulators: a ZKTeco terminal speaking
 * ADMS/PUSH and a Hikvision terminal pushing to a listening host. A batch is acknowledged only once committed; a batch
 * sent again is counted once; records nobody can use are kept in rejected inputs with their reason and still
 * acknowledged (or the device would send them forever); events that are not punches are counted and dropped; a
 * service that cannot commit answers 503 and the device keeps its records.
 */
import t from 'tap'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { HikvisionTerminal } from '../../simulators/hikvision.ts'
import { attlogLine, ZkAdmsTerminal } from '../../simulators/zkteco.ts'
import { connect } from 'node:net'
import { startTestServer } from '../helpers/server.ts'

interface Rejected {
  id: number
  reason: string
  deviceSerial: string | null
  detail: string
  payloadBytes: number
}

t.test('ZKTeco ADMS and Hikvision pushes become punches, once each, acknowledged after the commit', async (t) => {
  const server = await startTestServer(t)
  const { api, services } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'HTTP-1', workers: 4, teams: 1, seed: 5151 })
  const site = await registerSite(api, {
    ...plan,
    devices: [
      { serial: 'ZK0001', model: 'zkteco-adms', settings: {}, location: '东大门' },
      { serial: 'HIK0001', model: 'hikvision-isapi', settings: {}, location: '生活区门口' },
    ],
  })
  const [w1, w2, w3] = plan.workers as [(typeof plan.workers)[number], (typeof plan.workers)[number], (typeof plan.workers)[number]]
  const count = () => services.punches.countPunches(site.projectId)

  await t.test('ZKTeco: handshake, a batch, the same batch again, a stranger PIN, another table', async (t) => {
    const zk = new ZkAdmsTerminal(server.deviceUrl, 'ZK0001')
    const options = await zk.handshake()
    t.equal(options.get('TimeZone'), '8', "the project's zone as ADMS's hour offset")
    t.equal(options.get('Realtime'), '1')

    zk.record({ pin: w1.deviceUserId, time: '2026-11-03 07:31:12', status: 0, verify: 15 })
    zk.record({ pin: w2.deviceUserId, time: '2026-11-03 07:32:40', status: 0, verify: 1 })
    zk.record({ pin: w3.deviceUserId, time: '2026-11-03 07:33:05', status: 0, verify: 15 })
    const first = await zk.pushAll()
    t.same(first, { acked: 3, statuses: [200] }, 'OK: 3')
    t.equal(await count(), 3)

    // The reply was lost (the device never saw it): the firmware sends the same records again.
    zk.record({ pin: w1.deviceUserId, time: '2026-11-03 07:31:12', status: 0, verify: 15 })
    zk.record({ pin: w2.deviceUserId, time: '2026-11-03 07:32:40', status: 0, verify: 1 })
    t.same(await zk.pushAll(), { acked: 2, statuses: [200] }, 'acknowledged again')
    t.equal(await count(), 3, 'and counted once')

    zk.record({ pin: '99999', time: '2026-11-03 07:40:00', status: 0, verify: 15 })
    t.same(await zk.pushAll(), { acked: 1, statuses: [200] }, 'a PIN nobody has is acknowledged: the device would send it forever')
    const kept = await api.get<Rejected[]>(`/api/rejected-inputs?projectId=${site.projectId}`)
    t.ok(kept.some((r) => r.deviceSerial === 'ZK0001' && r.reason === 'unknown_worker'), 'and kept in rejected inputs with its reason')

    t.equal(await zk.pushTable('OPERLOG', ['OPLOG 4\t0\t2026-11-03 07:00:00\t0\t0\t0\t0']), 'OK: 1', 'another table is acknowledged')
    t.equal(await count(), 3, 'and stores nothing')
    t.equal(await zk.poll(), 'OK', 'no command waiting')
  })

  await t.test('ZKTeco: a device nobody registered is heard and kept, never stored', async (t) => {
    const stranger = new ZkAdmsTerminal(server.deviceUrl, 'ZK9999')
    await stranger.handshake()
    stranger.record({ pin: w1.deviceUserId, time: '2026-11-03 08:00:00', status: 0, verify: 15 })
    t.same(await stranger.pushAll(), { acked: 1, statuses: [200] })
    t.equal(await count(), 3)
    const kept = await api.get<Rejected[]>('/api/rejected-inputs')
    t.ok(kept.some((r) => r.deviceSerial === 'ZK9999'), 'kept under its serial', { kept })
  })

  await t.test('Hikvision: pushes with their picture, a door event, the same event again', async (t) => {
    const hik = new HikvisionTerminal(server.deviceUrl, 'HIK0001')
    hik.record({ employeeNo: w1.deviceUserId, dateTime: '2026-11-03T17:31:12+08:00', major: 5, minor: 75, attendanceStatus: 'checkOut' })
    hik.record({ employeeNo: null, dateTime: '2026-11-03T17:31:13+08:00', major: 5, minor: 21 }) // door unlocked: not a punch
    hik.record({ employeeNo: w2.deviceUserId, dateTime: '2026-11-03T17:32:00+08:00', major: 5, minor: 75 })
    t.same(await hik.pushAll(), { acked: 3, statuses: [200, 200, 200] })
    t.equal(await count(), 5, 'two punches; the door event is not one')
    const kept = await api.get<Rejected[]>(`/api/rejected-inputs?projectId=${site.projectId}`)
    t.notOk(kept.some((r) => r.deviceSerial === 'HIK0001'), 'the door event is counted, not kept as a refusal')
    const metrics = await (await fetch(`${server.httpUrl}/metrics`, { headers: { authorization: `Bearer ${server.adminKey}` } })).text()
    t.match(metrics, /wl_device_http_ignored_total\{family="hikvision",table="[^"]+"\} 1/, 'counted with its reason')

    // Answered but the answer lost: the terminal pushes its event again (same serialNo).
    const again = new HikvisionTerminal(server.deviceUrl, 'HIK0001')
    again.record({ employeeNo: w1.deviceUserId, dateTime: '2026-11-03T17:31:12+08:00', major: 5, minor: 75, attendanceStatus: 'checkOut' })
    t.same(await again.pushAll(), { acked: 1, statuses: [200] })
    t.equal(await count(), 5, 'counted once')
    const hikDevice = await services.lookups.device('HIK0001')
    t.equal(await services.punches.lastRecordNumberOfDevice(site.projectId, hikDevice!.id, 'HIK0001'), 3, 'the highest serialNo stored: where a search of its log resumes')
  })

  await t.test('ZKTeco: a push cut off mid-body stores nothing; the batch sent again is stored once', async (t) => {
    const before = await count()
    const lines = [w1, w2, w3].map((w, i) => attlogLine({ pin: w.deviceUserId, time: `2026-11-04 07:3${i}:00`, status: 0, verify: 15 }))
    const body = Buffer.from(lines.join('\n') + '\n')
    // The terminal loses power halfway through writing its request: the headers promise the whole body, half arrives.
    const { hostname, port } = new URL(server.deviceUrl)
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(`POST /iclock/cdata?SN=ZK0001&table=ATTLOG&Stamp=9 HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`)
        socket.write(body.subarray(0, Math.floor(body.length / 2)), () => {
          socket.destroy()
          resolve()
        })
      })
      socket.on('error', reject)
    })
    await new Promise((r) => setTimeout(r, 200))
    t.equal(await count(), before, 'nothing of the half batch is stored')
    const zk = new ZkAdmsTerminal(server.deviceUrl, 'ZK0001')
    zk.record({ pin: w1.deviceUserId, time: '2026-11-04 07:30:00', status: 0, verify: 15 })
    zk.record({ pin: w2.deviceUserId, time: '2026-11-04 07:31:00', status: 0, verify: 15 })
    zk.record({ pin: w3.deviceUserId, time: '2026-11-04 07:32:00', status: 0, verify: 15 })
    t.same(await zk.pushAll(), { acked: 3, statuses: [200] }, 'on power-up the terminal sends the batch again')
    t.equal(await count(), before + 3, 'each record once')
  })

  await t.test("the devices' health: last heard, delivered, refused", async (t) => {
    type Health = { serial: string; model: string; punches: number; refusals: number; lastRefusalReason: string | null; lastSeenAt: string | null; offline: boolean; missingRecords: number }
    const list = await api.get<Health[]>(`/api/projects/${site.projectId}/devices/health?windowHours=48`)
    const of = (serial: string) => list.find((h) => h.serial === serial)
    t.match(of('ZK0001'), { model: 'zkteco-adms', punches: 6, refusals: 1, lastRefusalReason: 'unknown_worker', offline: false })
    t.match(of('HIK0001'), { model: 'hikvision-isapi', punches: 2, refusals: 0, missingRecords: 0 })
    t.ok(of('ZK0001')?.lastSeenAt, 'heard')
  })

  await t.test('nothing committed: 503, and the device keeps its records', async (t) => {
    const zk = new ZkAdmsTerminal(server.deviceUrl, 'ZK0001')
    zk.record({ pin: w3.deviceUserId, time: '2026-11-03 17:40:00', status: 1, verify: 15 })
    services.inbox.stop()
    const res = await zk.pushAll()
    t.same(res, { acked: 0, statuses: [503] })
    t.equal(zk.unsent.length, 1, 'still held by the device')
  })
})
