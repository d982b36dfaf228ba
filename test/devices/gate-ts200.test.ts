import t from 'tap'
import fc from 'fast-check'
import { gateTs200 } from '../../devices/gate-ts200/codec.ts'
import type { DeviceContext } from '../../devices/codec.ts'
import { LIMITS } from '../../src/config/limits.ts'
import { bytes } from './helpers/samples.ts'
import { problemWithResult } from './helpers/results.ts'

const device: DeviceContext = { serial: 'GT-0001', timeZone: 'Asia/Shanghai', settings: {} }
const frame = { sn: 'GT-0001', seq: 10233, lane: 1, idNo: '330106199001011234', ts: 1730419200, mode: 'card' }
const decode = (f: unknown, d: DeviceContext = device) => gateTs200.decode(bytes(f), d)
const without = (key: keyof typeof frame) => Object.fromEntries(Object.entries(frame).filter(([k]) => k !== key))
const twoLanes = (lanes: Record<string, unknown>): DeviceContext => ({ ...device, settings: { lanes } })

void t.test('model and channel', async (t) => {
  t.equal(gateTs200.model, 'gate-ts200')
  t.equal(gateTs200.channel, 'gate')
})

void t.test('direction comes from the lane', async (t) => {
  await t.test('without settings, odd lanes are in and even lanes out', async (t) => {
    for (const [lane, direction] of [[1, 'in'], [2, 'out'], [3, 'in'], [12, 'out']] as const) {
      t.match(decode({ ...frame, lane }), { ok: true, punch: { direction } }, `lane ${lane}`)
    }
  })
  await t.test('with settings, as the lanes map says', async (t) => {
    const reversed = twoLanes({ '1': 'out', '2': 'in' })
    t.match(decode({ ...frame, lane: 1 }, reversed), { ok: true, punch: { direction: 'out' } })
    t.match(decode({ ...frame, lane: 2 }, reversed), { ok: true, punch: { direction: 'in' } })
  })
  await t.test('a lane the map does not name is refused, naming the lane', async (t) => {
    const result = decode({ ...frame, lane: 3 }, twoLanes({ '1': 'in', '2': 'out' }))
    t.match(result, { ok: false, reason: 'malformed_payload', detail: /lane 3\b/ })
  })
  await t.test('unusable settings refuse the frame instead of guessing', async (t) => {
    const result = decode(frame, twoLanes({ '1': 'sideways' }))
    t.match(result, { ok: false, reason: 'malformed_payload', detail: /settings/ })
  })
})

void t.test('the person is an ID number or a device user id, never both', async (t) => {
  t.match(decode(frame), { ok: true, punch: { person: { kind: 'id_number', value: '330106199001011234' } } })
  t.match(decode({ ...without('idNo'), userId: 'W0012' }), { ok: true, punch: { person: { kind: 'device_user', value: 'W0012' } } })
  t.match(decode({ ...frame, idNo: '11010519491231002x' }), { ok: true, punch: { person: { value: '11010519491231002X' } } }, 'check character upper-cased')
  t.match(decode({ ...frame, userId: 'W0012' }), { ok: false, reason: 'malformed_payload', detail: /exactly one/ })
  t.match(decode(without('idNo')), { ok: false, reason: 'malformed_payload', detail: /exactly one/ })
  for (const idNo of ['33010619900101123', '3301061990010112345', '33010619900101123Y', 'X30106199001011234', 3301061990, null]) {
    t.match(decode({ ...frame, idNo }), { ok: false, reason: 'malformed_payload', detail: /idNo/ }, `idNo ${String(idNo)}`)
  }
  for (const userId of ['', ' W0012', 'W0012\n', 'W'.repeat(65), 12]) {
    t.match(decode({ ...without('idNo'), userId }), { ok: false, reason: 'malformed_payload', detail: /userId/ }, `userId ${JSON.stringify(userId)}`)
  }
})

void t.test('details name a person field but never repeat its value', async (t) => {
  const idNo = '3301061990010112'
  const result = decode({ ...frame, idNo })
  t.match(result, { ok: false, reason: 'malformed_payload' })
  if (!result.ok) t.notMatch(result.detail, idNo)
  const both = decode({ ...frame, userId: 'W0012' })
  if (!both.ok) t.notMatch(both.detail, frame.idNo)
})

void t.test('malformed_payload: fields, types and extras', async (t) => {
  const cases: [string, unknown][] = [
    ['an unknown property', { ...frame, temperature: 36.5 }],
    ['seq missing', without('seq')],
    ['seq as text', { ...frame, seq: '10233' }],
    ['seq zero', { ...frame, seq: 0 }],
    ['seq fractional', { ...frame, seq: 1.5 }],
    ['seq beyond safe integers', { ...frame, seq: 2 ** 53 }],
    ['lane missing', without('lane')],
    ['lane zero', { ...frame, lane: 0 }],
    ['lane negative', { ...frame, lane: -1 }],
    ['mode missing', without('mode')],
    ['mode unknown', { ...frame, mode: 'palm' }],
    ['mode password (the gate has no keypad)', { ...frame, mode: 'password' }],
    ['ts missing', without('ts')],
    ['ts as text', { ...frame, ts: '1730419200' }],
    ['sn missing', without('sn')],
    ['sn a number', { ...frame, sn: 1 }],
    ['an array', [frame]],
    ['null', null],
  ]
  for (const [name, f] of cases) t.match(decode(f), { ok: false, reason: 'malformed_payload', detail: String }, name)
  t.match(gateTs200.decode(Buffer.from('{"sn":'), device), { ok: false, reason: 'malformed_payload', detail: /not JSON/ })
  t.match(gateTs200.decode(Buffer.from([0x7b, 0xff, 0x7d]), device), { ok: false, reason: 'malformed_payload', detail: /UTF-8/ })
  t.match(gateTs200.decode(Buffer.from(''), device), { ok: false, reason: 'malformed_payload' })
})

void t.test('a payload over the limit is refused before it is parsed', async (t) => {
  const padded = Buffer.from(JSON.stringify(frame).padEnd(LIMITS.punch_payload_bytes_max + 1, ' '))
  t.match(gateTs200.decode(padded, device), { ok: false, reason: 'malformed_payload', detail: /limit/ })
  const atLimit = Buffer.from(JSON.stringify(frame).padEnd(LIMITS.punch_payload_bytes_max, ' '))
  t.match(gateTs200.decode(atLimit, device), { ok: true })
})

void t.test('a UTF-8 byte order mark is accepted', async (t) => {
  t.match(gateTs200.decode(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(frame)]), device), { ok: true })
})

void t.test('device_serial_mismatch', async (t) => {
  t.match(decode({ ...frame, sn: 'GT-0002' }), { ok: false, reason: 'device_serial_mismatch', detail: /GT-0002/ })
  t.match(decode({ ...frame, sn: 'gt-0001' }), { ok: false, reason: 'device_serial_mismatch' }, 'serials are compared exactly')
})

void t.test('invalid_device_time', async (t) => {
  for (const ts of [-1, 1730419200.5, 1730419200000, 1e300]) {
    t.match(decode({ ...frame, ts }), { ok: false, reason: 'invalid_device_time', detail: /ts/ }, `ts ${ts}`)
  }
  t.match(decode({ ...frame, ts: 1730419200000 }), { ok: false, detail: /milliseconds/ })
  t.match(decode({ ...frame, ts: 0 }), { ok: true, punch: { deviceTimeMs: 0 } }, 'a reset clock is a real instant; admission refuses it as too old')
  t.match(decode({ ...frame, ts: 253402300799 }), { ok: true }, 'the last second of 9999')
  t.match(decode({ ...frame, ts: 253402300800 }), { ok: false, reason: 'invalid_device_time' })
})

void t.test('checkSettings', async (t) => {
  t.equal(gateTs200.checkSettings({}), undefined, 'no settings: odd in, even out')
  t.equal(gateTs200.checkSettings({ lanes: { '1': 'in', '2': 'out' } }), undefined)
  t.equal(gateTs200.checkSettings({ lanes: { '1': 'in', '2': 'in', '3': 'out', '10': 'out' } }), undefined)
  const bad: [string, Record<string, unknown>][] = [
    ['lanes not an object', { lanes: ['in', 'out'] }],
    ['lanes null', { lanes: null }],
    ['lanes empty', { lanes: {} }],
    ['lane 0', { lanes: { '0': 'in' } }],
    ['lane with a leading zero', { lanes: { '01': 'in' } }],
    ['lane not a number', { lanes: { a: 'in' } }],
    ['lane beyond safe integers', { lanes: { '9007199254740993': 'in' } }],
    ['direction unknown', { lanes: { '1': 'unknown' } }],
    ['direction upper-case', { lanes: { '1': 'IN' } }],
    ['an unknown setting', { lanes: { '1': 'in' }, lane: { '2': 'out' } }],
  ]
  for (const [name, settings] of bad) t.type(gateTs200.checkSettings(settings), 'string', name)
})

const laneDirections = fc.dictionary(
  fc.integer({ min: 1, max: 64 }).map(String),
  fc.constantFrom('in' as const, 'out' as const),
  { minKeys: 1 },
)
const person = fc.oneof(
  fc.stringMatching(/^\d{17}[\dX]$/).map((idNo) => ({ idNo })),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/).map((userId) => ({ userId })),
)

void t.test('property: a frame of valid fields decodes to exactly its punch', async (t) => {
  fc.assert(
    fc.property(
      fc.record({
        seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        lane: fc.integer({ min: 1, max: 64 }),
        ts: fc.integer({ min: 0, max: 253402300799 }),
        mode: fc.constantFrom('card', 'face', 'qr', 'fingerprint'),
      }),
      person,
      fc.option(laneDirections, { nil: undefined }),
      (fields, who, lanes) => {
        const key = String(fields.lane)
        const mapped = lanes === undefined ? undefined : { ...lanes, [key]: lanes[key] ?? 'in' }
        const result = decode({ sn: device.serial, ...fields, ...who }, { ...device, settings: mapped === undefined ? {} : { lanes: mapped } })
        const expectedDirection = mapped === undefined ? (fields.lane % 2 === 1 ? 'in' : 'out') : mapped[key]
        if (!result.ok) return false
        const p = result.punch
        return (
          p.deviceTimeMs === fields.ts * 1000 &&
          p.recordId === String(fields.seq) &&
          p.direction === expectedDirection &&
          p.verifyMethod === fields.mode &&
          p.channel === 'gate' &&
          p.deviceSerial === device.serial &&
          ('idNo' in who ? p.person.kind === 'id_number' && p.person.value === who.idNo : p.person.kind === 'device_user' && p.person.value === who.userId)
        )
      },
    ),
  )
  t.pass('held')
})

void t.test('property: any value in any field, and any settings, give a result and never throw', async (t) => {
  fc.assert(
    fc.property(
      fc.constantFrom('sn', 'seq', 'lane', 'idNo', 'userId', 'ts', 'mode', 'extra', '__proto__'),
      fc.jsonValue(),
      fc.dictionary(fc.string(), fc.jsonValue()),
      (key, value, settings) => {
        const f: Record<string, unknown> = { ...frame }
        Object.defineProperty(f, key, { value, enumerable: true, configurable: true, writable: true })
        const mutated = problemWithResult(decode(f)) === undefined
        const odd = problemWithResult(decode(frame, { ...device, settings })) === undefined
        const lanes = problemWithResult(decode(frame, { ...device, settings: { lanes: settings } })) === undefined
        return mutated && odd && lanes && ['string', 'undefined'].includes(typeof gateTs200.checkSettings(settings))
      },
    ),
  )
  t.pass('held')
})
