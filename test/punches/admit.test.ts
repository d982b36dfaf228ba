import t from 'tap'
import { admit, type KnownDevice, type Lookups, type Frame } from '../../src/punches/admit.ts'
import { codecFor } from '../../devices/registry.ts'
import { LIMITS } from '../../src/config/limits.ts'

const NOW = Date.UTC(2026, 10, 3, 0, 0, 0)
const gate: KnownDevice = { id: 'd1', serial: 'GT-01', projectId: 'p1', siteCode: 'S1', timeZone: 'Asia/Shanghai', settings: { lanes: { '1': 'in', '2': 'out' } }, codec: codecFor('gate-ts200')!, installedAtMs: NOW - 30 * 86_400_000, clockAheadMs: 10 * 60_000 }
const ID = '330106199001011236'
const lookups: Lookups = {
  device: async (serial) => (serial === 'GT-01' ? gate : undefined),
  projectIdOfSite: async (site) => (site === 'S1' ? 'p1' : undefined),
  person: async (_p, person) => (person.kind === 'id_number' && person.value === ID ? { workerId: 'w1', enrolmentId: 'e1' } : person.kind === 'id_number' && person.value === '11010519491231002X' ? 'not_enrolled' : 'unknown'),
}
const frame = (over: Partial<Frame> = {}, body: Record<string, unknown> = {}): Frame => ({
  topic: 'wl/v1/S1/GT-01/punch',
  clientId: 'GT-01',
  receivedAtMs: NOW,
  payload: Buffer.from(JSON.stringify({ sn: 'GT-01', seq: 7, lane: 1, idNo: ID, ts: NOW / 1000 - 60, mode: 'card', ...body })),
  ...over,
})

t.test('a good gate frame becomes a punch with its work date', async (t) => {
  const a = await admit(frame(), lookups)
  t.ok(a.ok)
  if (a.ok) t.match(a.punch, { projectId: 'p1', deviceId: 'd1', recordId: '7', workerId: 'w1', direction: 'in', workDate: '2026-11-03' })
})

t.test('each refusal has its reason, in order of precedence', async (t) => {
  const reason = async (f: Frame) => {
    const a = await admit(f, lookups)
    return a.ok ? 'ok' : a.reason
  }
  t.equal(await reason(frame({ payload: Buffer.alloc(LIMITS.punch_payload_bytes_max + 1) })), 'payload_too_large')
  t.equal(await reason(frame({ topic: 'wl/v1/S1/GT-01/status' })), 'unknown_topic')
  t.equal(await reason(frame({ topic: 'wl/v1/S1/GT-77/punch', clientId: 'GT-77' })), 'unknown_device')
  t.equal(await reason(frame({ topic: 'wl/v1/S2/GT-01/punch' })), 'unknown_device')
  t.equal(await reason(frame({ clientId: 'GT-02' })), 'topic_client_mismatch')
  t.equal(await reason(frame({ payload: Buffer.from('{"sn":') })), 'malformed_payload')
  t.equal(await reason(frame({}, { idNo: '11010519491231002X' })), 'worker_not_enrolled')
  t.equal(await reason(frame({}, { idNo: '110101199003077777' })), 'unknown_worker')
  t.equal(await reason(frame({}, { ts: NOW / 1000 - 500 * 86400 }, )), 'ok', 'before installation: kept as clock_suspect')
})

t.test('a clock not believed keeps the punch, marked clock_suspect', async (t) => {
  const suspect = async (body: Record<string, unknown>) => {
    const a = await admit(frame({}, body), lookups)
    return a.ok ? a.punch.clockSuspect : a.reason
  }
  t.equal(await suspect({}), null)
  t.equal(await suspect({ ts: NOW / 1000 + 9 * 60 }), null, 'within the margin')
  t.equal(await suspect({ ts: NOW / 1000 + 3600 }), 'ahead_of_receipt')
  t.equal(await suspect({ ts: NOW / 1000 - 40 * 86400 }), 'before_install')
  t.equal(await suspect({ ts: NOW / 1000 - 500 * 86400 }), 'before_install', 'a reading before installation is kept, not refused as stale')
  const old = await admit(frame({}, { ts: NOW / 1000 - 500 * 86400 }), { ...lookups, device: async () => ({ ...gate, installedAtMs: 0 }) })
  t.equal(old.ok ? 'ok' : old.reason, 'device_time_too_old', 'after installation but older than any replay: refused')
})

t.test('an unregistered device on a known site is filed under that project', async (t) => {
  const a = await admit(frame({ topic: 'wl/v1/S1/GT-77/punch', clientId: 'GT-77' }), lookups)
  t.notOk(a.ok)
  if (!a.ok) t.same([a.projectId, a.deviceSerial], ['p1', 'GT-77'])
})

t.test('every refusal is filed under the project whose site code the topic names', async (t) => {
  const filed = async (f: Frame) => {
    const a = await admit(f, lookups)
    return a.ok ? 'ok' : [a.reason, a.projectId ?? null, a.deviceSerial ?? null]
  }
  const big = Buffer.alloc(LIMITS.punch_payload_bytes_max + 1, 0x20)
  t.same(await filed(frame({ payload: big })), ['payload_too_large', 'p1', 'GT-01'], 'too large, from a registered device')
  const tooLarge = await admit(frame({ payload: big }), lookups)
  t.equal(tooLarge.ok ? undefined : tooLarge.device?.id, 'd1', 'the device is named, so its codec cuts a face photo before the frame is kept')
  t.same(await filed(frame({ payload: big, topic: 'wl/v1/S1/GT-77/punch', clientId: 'GT-77' })), ['payload_too_large', 'p1', 'GT-77'], 'too large, from an unregistered device')
  t.same(await filed(frame({ payload: big, topic: 'wl/v1/S1/GT-01/status' })), ['payload_too_large', 'p1', null], 'too large, not even a punch topic')
  t.same(await filed(frame({ topic: 'wl/v1/S1/GT-01/status' })), ['unknown_topic', 'p1', null])
  t.same(await filed(frame({ topic: 'wl/v1/S1' })), ['unknown_topic', 'p1', null])
  t.same(await filed(frame({ payload: Buffer.from('{"sn":') })), ['malformed_payload', 'p1', 'GT-01'])
  t.same(await filed(frame({ clientId: 'GT-02' })), ['topic_client_mismatch', 'p1', 'GT-01'])
  t.same(await filed(frame({ payload: big, topic: 'wl/v1/S9/GT-77/punch' })), ['payload_too_large', null, 'GT-77'], 'a site nobody registered names no project')
  t.same(await filed(frame({ topic: 'other/S1/GT-01/punch' })), ['unknown_topic', null, null], 'outside wl/v1/ the topic names no site')
})

t.test('refusal details never carry a full ID number', async (t) => {
  const a = await admit(frame({}, { idNo: '110101199003077777' }), lookups)
  t.notOk(a.ok)
  if (!a.ok) {
    t.notMatch(a.detail, /110101199003077777/)
    t.match(a.detail, /110101\*+7777/)
  }
})
