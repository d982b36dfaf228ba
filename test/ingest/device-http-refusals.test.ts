/**
 * What the HTTP device edge keeps of what it refuses (found by review): a Hikvision push from a serial nobody
 * registered is kept without pictures or body temperature; a ZKTeco push over the limits is kept under the device's
 * project as payload_too_large, a body over 4 MiB too (its size, no bytes); a line or push the splitter could not take
 * is kept with the splitter's own reason and detail (the line number, what to set on the device).
 */
import t from 'tap'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { startTestServer } from '../helpers/server.ts'

interface Rejected { id: number; reason: string; projectId: string | null; deviceSerial: string | null; detail: string; payloadBytes: number }

t.test('refusals at the HTTP device edge', async (t) => {
  const server = await startTestServer(t)
  const { api } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'EDGE-R', workers: 2, teams: 1, seed: 78 })
  const site = await registerSite(api, {
    ...plan,
    devices: [
      { serial: 'ZK0001', model: 'zkteco-adms', settings: {}, location: 'gate' },
      { serial: 'HIK0001', model: 'hikvision-isapi', settings: {}, location: 'gate' },
    ],
  })
  const w = plan.workers[0]!
  const ofProject = async (): Promise<Rejected[]> => api.get<Rejected[]>(`/api/rejected-inputs?projectId=${site.projectId}`)
  const payloadOf = async (id: number): Promise<string> => (await fetch(`${server.httpUrl}/api/rejected-inputs/${id}/payload`, { headers: { authorization: `Bearer ${server.adminKey}` } })).text()

  await t.test('a Hikvision push from a serial nobody registered keeps no picture or temperature', async (t) => {
    const push = {
      eventType: 'AccessControllerEvent',
      dateTime: '2026-11-03T07:31:12+08:00',
      AccessControllerEvent: { majorEventType: 5, subEventType: 75, employeeNoString: '1001', serialNo: 9, currTemperature: 38.4, isAbnomalTemperature: true, thermometryUnit: 'celsius', pictureURL: 'http://10.0.0.9/pic/face.jpg', FaceRect: { x: 1 }, picData: 'A'.repeat(600) },
    }
    const r = await fetch(`${server.deviceUrl}/hikvision/HIK0002/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(push) })
    t.equal(r.status, 200)
    const kept = (await api.get<Rejected[]>('/api/rejected-inputs')).find((x) => x.deviceSerial === 'HIK0002')
    t.equal(kept?.reason, 'unknown_device', 'kept, refused as an unknown device')
    const bytes = await payloadOf(kept!.id)
    t.match(bytes, /employeeNoString/, 'the event itself is kept')
    t.notMatch(bytes, /38\.4/, 'no body temperature')
    t.notMatch(bytes, /face\.jpg/, 'no picture URL')
    t.notMatch(bytes, /AAAAAAAAAAAAAAAA/, 'no base64 picture')
  })

  await t.test('a ZKTeco push over 10,000 lines or over 4 MiB is kept under the device’s project', async (t) => {
    const line = `${w.deviceUserId}\t2026-11-03 07:31:12\t0\t15\t0\n`
    const r1 = await fetch(`${server.deviceUrl}/iclock/cdata?SN=ZK0001&table=ATTLOG&Stamp=1`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: line.repeat(10_001) })
    t.equal(r1.status, 413, '10,001 lines: 413')
    t.match((await ofProject()).filter((r) => r.deviceSerial === 'ZK0001'), [{ reason: 'payload_too_large', detail: /10000 record lines/ }], "under the device's project and serial, as payload_too_large")

    const big = Buffer.alloc(4 * 1024 * 1024 + 10, 0x20)
    big.write(line)
    const r2 = await fetch(`${server.deviceUrl}/iclock/cdata?SN=ZK0001&table=ATTLOG&Stamp=2`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: big })
    t.equal(r2.status, 413, 'a body over 4 MiB: 413')
    const kept = (await ofProject()).filter((r) => r.deviceSerial === 'ZK0001' && r.detail.includes(String(big.length)))
    t.match(kept, [{ reason: 'payload_too_large', detail: /send fewer records per request/ }], 'kept too, with its size and what to do')
  })

  await t.test('a line or push the splitter refuses is kept with its reason and detail', async (t) => {
    const body = Buffer.concat([
      Buffer.from(`${w.deviceUserId}\t2026-11-03 07:31:12\t0\t15\t0\n\n`),
      Buffer.from([0x31, 0x30, 0xff, 0x09]),
      Buffer.from('2026-11-03 07:32:12\t0\t15\n'), // line 3: not UTF-8
      Buffer.from(`${w.deviceUserId}\t2026-11-03 07:33:12\t0\t77\n`), // line 4: a verify code no terminal sends
    ])
    const before = (await ofProject()).length
    const r = await fetch(`${server.deviceUrl}/iclock/cdata?SN=ZK0001&table=ATTLOG&Stamp=3`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body })
    t.equal(await r.text(), 'OK: 3', 'every record acknowledged once its outcome is committed')
    const zk = (await ofProject()).slice(0, (await ofProject()).length - before).filter((x) => x.deviceSerial === 'ZK0001')
    t.ok(zk.some((x) => x.reason === 'malformed_payload' && /^line 3 is not UTF-8/.test(x.detail)), 'the line that is not UTF-8 is named by its line number')
    t.ok(zk.some((x) => /Verify/.test(x.detail)), 'the bad verify code refused by the codec, with its reason')

    const xml = '<?xml version="1.0"?><EventNotificationAlert><eventType>AccessControllerEvent</eventType></EventNotificationAlert>'
    t.equal((await fetch(`${server.deviceUrl}/hikvision/HIK0001/events`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml })).status, 200)
    const ev = (n: number): string => JSON.stringify({ eventType: 'AccessControllerEvent', dateTime: '2026-11-03T07:31:12+08:00', AccessControllerEvent: { majorEventType: 5, subEventType: 75, employeeNoString: w.deviceUserId, serialNo: n } })
    const part = (n: number): string => `--b\r\nContent-Disposition: form-data; name="AccessControllerEvent"\r\nContent-Type: application/json\r\n\r\n${ev(n)}\r\n`
    t.equal((await fetch(`${server.deviceUrl}/hikvision/HIK0001/events`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b' }, body: `${part(1)}${part(2)}--b--\r\n` })).status, 200)
    const hik = (await ofProject()).filter((x) => x.deviceSerial === 'HIK0001')
    t.ok(hik.some((x) => x.reason === 'malformed_payload' && /parameterFormatType|XML/i.test(x.detail)), 'the XML push says what to set on the device')
    t.ok(hik.some((x) => x.reason === 'malformed_payload' && /2 event parts/.test(x.detail)), 'the two-event push says it has two event parts')
  })
})
