import t from 'tap'
import fc from 'fast-check'
import { faceFr900 } from '../../devices/face-fr900/codec.ts'
import type { DeviceContext } from '../../devices/codec.ts'
import { daysInMonth, localTimeOf, workDateOf } from '../../src/kernel/time.ts'
import { bytes, sample } from './helpers/samples.ts'
import { problemWithResult } from './helpers/results.ts'

const device: DeviceContext = { serial: 'FT-0001', timeZone: 'Asia/Shanghai', settings: {} }
const info = {
  DeviceID: 'FT-0001',
  RecordID: '88213',
  PersonID: 'W0012',
  CreateTime: '2026-11-03 07:31:12',
  VerifyType: 'face',
  Similarity: '92.4',
  Temperature: '36.5',
}
type Info = Record<string, unknown>
const push = (changes: Info = {}, remove: string[] = []): unknown => {
  const i: Info = { ...info, ...changes }
  for (const key of remove) delete i[key]
  return { operator: 'RecPush', info: i }
}
const decode = (f: unknown, d: DeviceContext = device) => faceFr900.decode(bytes(f), d)
const pad2 = (n: number) => String(n).padStart(2, '0')

void t.test('model and channel; no direction', async (t) => {
  t.equal(faceFr900.model, 'face-fr900')
  t.equal(faceFr900.channel, 'face_terminal')
  t.match(decode(push()), { ok: true, punch: { direction: 'unknown', channel: 'face_terminal', recordId: '88213', verifyMethod: 'face' } })
})

void t.test('the face photo never reaches the punch', async (t) => {
  const payload = sample('face-fr900', 'ok.with-photo')
  const pic = (JSON.parse(payload.toString()) as { info: { Pic: string } }).info.Pic
  const result = faceFr900.decode(payload, device)
  t.match(result, { ok: true })
  const text = JSON.stringify(result)
  t.notMatch(text, 'Pic')
  t.notMatch(text, pic.slice(0, 16))
  fc.assert(
    fc.property(fc.base64String({ minLength: 4, maxLength: 4000 }), (photo) => {
      const r = decode(push({ Pic: photo }))
      // Equal to the record without a photo, so nothing of the photo is in it (a short photo may spell a word the record holds, like "valu").
      return r.ok && JSON.stringify(r) === JSON.stringify(decode(push()))
    }),
  )
})

void t.test('similarity and temperature are read and dropped', async (t) => {
  const plain = decode(push({}, ['Similarity', 'Temperature']))
  t.same(decode(push({ Similarity: 41.5, Temperature: 38.9 })), plain, 'numbers')
  t.same(decode(push({ Similarity: '', Temperature: '' })), plain, 'empty text')
  t.notMatch(JSON.stringify(decode(push())), '36.5')
  t.match(decode(push({ Temperature: { celsius: 36.5 } })), { ok: false, reason: 'malformed_payload', detail: /Temperature/ })
  t.match(decode(push({ Similarity: null })), { ok: false, reason: 'malformed_payload', detail: /Similarity/ })
})

void t.test('strangers (陌生人) are punches with a stranger person', async (t) => {
  const stranger = { ok: true, punch: { person: { kind: 'stranger' } } }
  t.match(decode(push({ PersonID: '' })), stranger, 'empty PersonID')
  t.match(decode(push({ PersonID: '-1' })), stranger, 'PersonID -1')
  t.match(decode(push({ Stranger: true })), stranger, 'the flag wins over a PersonID')
  t.match(decode(push({ Stranger: true }, ['PersonID'])), stranger, 'the flag alone')
  t.match(decode(push({ Stranger: false })), { ok: true, punch: { person: { kind: 'device_user', value: 'W0012' } } })
  t.match(decode(push({ Stranger: 'yes' })), { ok: false, reason: 'malformed_payload', detail: /Stranger/ })
  t.match(decode(push({ Stranger: true, PersonID: 31 })), { ok: false, reason: 'malformed_payload', detail: /PersonID/ })
})

void t.test('not_a_punch: housekeeping messages on the punch topic', async (t) => {
  for (const operator of ['HeartBeat', 'Register', 'recpush', 'RecPush ']) {
    t.match(decode({ operator, info: { DeviceID: 'FT-0001' } }), { ok: false, reason: 'not_a_punch', detail: /operator/ }, operator)
  }
  t.match(decode({ operator: 'HeartBeat' }), { ok: false, reason: 'not_a_punch' }, 'whatever else it carries')
})

void t.test('malformed_payload', async (t) => {
  const cases: [string, unknown][] = [
    ['no operator', { info }],
    ['operator a number', { operator: 1, info }],
    ['no info', { operator: 'RecPush' }],
    ['info an array', { operator: 'RecPush', info: [info] }],
    ['an unknown top-level property', { operator: 'RecPush', info, code: 0 }],
    ['an unknown info property', push({ PersonName: '张三' })],
    ['RecordID missing', push({}, ['RecordID'])],
    ['RecordID a number', push({ RecordID: 88213 })],
    ['RecordID empty', push({ RecordID: '' })],
    ['RecordID too long', push({ RecordID: '8'.repeat(65) })],
    ['RecordID with a line break', push({ RecordID: '88213\n' })],
    ['PersonID missing', push({}, ['PersonID'])],
    ['PersonID a number', push({ PersonID: 12 })],
    ['PersonID padded', push({ PersonID: ' W0012' })],
    ['VerifyType missing', push({}, ['VerifyType'])],
    ['VerifyType unknown', push({ VerifyType: 'iris' })],
    ['VerifyType a vendor number', push({ VerifyType: 1 })],
    ['CreateTime missing', push({}, ['CreateTime'])],
    ['CreateTime a number', push({ CreateTime: 1730419200 })],
    ['DeviceID missing', push({}, ['DeviceID'])],
    ['Pic not text', push({ Pic: [1, 2] })],
  ]
  for (const [name, f] of cases) t.match(decode(f), { ok: false, reason: 'malformed_payload', detail: String }, name)
})

void t.test('device_serial_mismatch', async (t) => {
  t.match(decode(push({ DeviceID: 'FT-0002' })), { ok: false, reason: 'device_serial_mismatch', detail: /FT-0002/ })
})

void t.test('invalid_device_time', async (t) => {
  for (const createTime of [
    '2026-02-30 07:31:12',
    '2026-02-29 07:31:12',
    '2026-13-01 00:00:00',
    '2026-11-03 24:00:00',
    '2026-11-03 07:60:00',
    '2026-11-03 07:31:60',
    '0000-00-00 00:00:00',
    '1969-12-31 23:59:59',
    '2026-11-03 07:31',
    '2026-11-03T07:31:12',
    '2026/11/03 07:31:12',
    ' 2026-11-03 07:31:12',
    '',
  ]) {
    t.match(decode(push({ CreateTime: createTime })), { ok: false, reason: 'invalid_device_time', detail: /CreateTime/ }, JSON.stringify(createTime))
  }
  t.match(decode(push({ CreateTime: '2028-02-29 07:31:12' })), { ok: true }, 'a leap day')
  t.match(decode(push(), { ...device, timeZone: 'Mars/Olympus_Mons' }), { ok: false, reason: 'invalid_device_time', detail: /time zone/ }, 'a project zone that is not IANA')
})

void t.test('CreateTime is read in the project zone', async (t) => {
  t.match(decode(push()), { ok: true, punch: { deviceTimeMs: Date.UTC(2026, 10, 2, 23, 31, 12) } }, 'Shanghai, UTC+8')
  t.match(decode(push(), { ...device, timeZone: 'Europe/Berlin' }), { ok: true, punch: { deviceTimeMs: Date.UTC(2026, 10, 3, 6, 31, 12) } }, 'Berlin in winter, UTC+1')
  t.match(decode(push({ CreateTime: '2026-07-03 07:31:12' }), { ...device, timeZone: 'Europe/Berlin' }), { ok: true, punch: { deviceTimeMs: Date.UTC(2026, 6, 3, 5, 31, 12) } }, 'Berlin in summer, UTC+2')
})

void t.test('daylight saving, as kernel/time.ts reads it', async (t) => {
  const berlin: DeviceContext = { ...device, timeZone: 'Europe/Berlin' }
  const at = (createTime: string) => decode(push({ CreateTime: createTime }), berlin)
  t.match(at('2026-10-25 02:30:00'), { ok: true, punch: { deviceTimeMs: Date.UTC(2026, 9, 25, 0, 30) } }, 'the repeated hour: the earlier instant')
  t.match(at('2026-03-29 02:30:00'), { ok: true, punch: { deviceTimeMs: Date.UTC(2026, 2, 29, 1, 30) } }, 'the skipped hour: as after the jump')
  t.match(at('2026-03-29 01:30:00'), { ok: true, punch: { deviceTimeMs: Date.UTC(2026, 2, 29, 0, 30) } }, 'the hour before the jump: exact')
})

/** The last Sunday of a month: Berlin changes clocks at 02:00 local on that day in March and in October. */
const lastSunday = (year: number, month: number) => daysInMonth(year, month) - new Date(Date.UTC(year, month - 1, daysInMonth(year, month))).getUTCDay()

/** 02:00-02:59 on a change day is skipped or repeated, so it cannot round-trip. */
function inBerlinChangeHour(w: { year: number; month: number; day: number; hour: number }): boolean {
  return w.hour === 2 && (w.month === 3 || w.month === 10) && w.day === lastSunday(w.year, w.month)
}

// From 1992: China kept daylight saving time from 1986 to 1991.
const wallTime = fc
  .record({
    year: fc.integer({ min: 1992, max: 2099 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
  })
  .map((w) => ({ ...w, day: Math.min(w.day, daysInMonth(w.year, w.month)) }))
/** Half the runs land on a change day, where a reading off by an hour would show. */
const wallTimeNearChanges = fc.oneof(
  wallTime,
  wallTime.chain((w) => fc.constantFrom(3, 10).map((month) => ({ ...w, month, day: lastSunday(w.year, month) }))),
)

for (const [timeZone, wallTimes] of [['Asia/Shanghai', wallTime], ['Europe/Berlin', wallTimeNearChanges]] as const) {
  void t.test(`property: a local CreateTime round-trips through ${timeZone}`, async (t) => {
    fc.assert(
      fc.property(wallTimes, (w) => {
        fc.pre(!(timeZone === 'Europe/Berlin' && inBerlinChangeHour(w)))
        const date = `${w.year}-${pad2(w.month)}-${pad2(w.day)}`
        const time = `${pad2(w.hour)}:${pad2(w.minute)}:${pad2(w.second)}`
        const result = decode(push({ CreateTime: `${date} ${time}` }), { ...device, timeZone })
        return result.ok && workDateOf(result.punch.deviceTimeMs, timeZone) === date && localTimeOf(result.punch.deviceTimeMs, timeZone) === time
      }),
      { numRuns: 2000 },
    )
    t.pass('held')
  })
}

void t.test('checkSettings: only a fixed direction', async (t) => {
  t.equal(faceFr900.checkSettings({}), undefined)
  t.equal(faceFr900.checkSettings({ direction: 'in' }), undefined)
  t.equal(faceFr900.checkSettings({ direction: 'out' }), undefined)
  t.match(faceFr900.checkSettings({ direction: 'sideways' }), /settings.direction/)
  t.type(faceFr900.checkSettings({ lanes: { '1': 'in' } }), 'string')
})

void t.test('a terminal registered at an entrance or exit gives its direction', async (t) => {
  t.match(decode(push(), { ...device, settings: { direction: 'in' } }), { ok: true, punch: { direction: 'in' } })
  t.match(decode(push(), { ...device, settings: { direction: 'out' } }), { ok: true, punch: { direction: 'out' } })
  t.match(decode(push()), { ok: true, punch: { direction: 'unknown' } })
})

void t.test('property: any value in any field gives a result and never throws', async (t) => {
  fc.assert(
    fc.property(
      fc.constantFrom('operator', 'info', ...Object.keys(info), 'Stranger', 'Pic', 'Extra'),
      fc.jsonValue(),
      fc.string(),
      (key, value, timeZone) => {
        const f = push() as { operator: unknown; info: Info }
        const mutated: Info = key === 'operator' || key === 'info' ? { ...f, [key]: value } : { ...f, info: { ...f.info, [key]: value } }
        return problemWithResult(decode(mutated)) === undefined && problemWithResult(decode(push(), { ...device, timeZone })) === undefined
      },
    ),
  )
  t.pass('held')
})

t.test('a refused frame is kept without its face photo', async (t) => {
  const frame = { operator: 'RecPush', info: { DeviceID: 'FT-0001', RecordID: '1', PersonID: 'W1', CreateTime: '2026-11-03 07:31:12', VerifyType: 'face', Pic: 'iVBORw0KGgoAAAANSUhEUg' } }
  const kept = faceFr900.redact!(Buffer.from(JSON.stringify(frame))).toString()
  t.notMatch(kept, /iVBORw0KGgo/)
  t.match(kept, /RecordID/)
  const garbled = faceFr900.redact!(Buffer.from(JSON.stringify(frame).slice(0, -5))).toString()
  t.notMatch(garbled, /iVBORw0KGgo/, 'even when the frame is not JSON')
  // Wherever a device puts them (found by review): a photo beside info, a temperature in info.
  const astray = { operator: 'RecPush', Pic: 'iVBORw0KGgoAAAANSUhEUg', info: { ...frame.info, Pic: undefined, Temperature: '38.4' } }
  const keptAstray = faceFr900.redact!(Buffer.from(JSON.stringify(astray))).toString()
  t.notMatch(keptAstray, /iVBORw0KGgo/, 'a photo at the top level is removed too')
  t.notMatch(keptAstray, /38\.4/, 'and a body temperature')
  const plain = Buffer.from(JSON.stringify({ operator: 'RecPush', info: { DeviceID: 'FT-0001' } }, null, 1))
  t.equal(faceFr900.redact!(plain).toString(), plain.toString(), 'a frame with nothing to remove is kept as received')
})
