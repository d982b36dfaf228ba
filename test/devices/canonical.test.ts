import t from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { canonical } from '../../devices/canonical/codec.ts'
import type { DeviceContext } from '../../devices/codec.ts'
import { DEVICE_USER_ID_LENGTH_MAX, ID_NUMBER_TEXT, readRecordId } from '../../devices/frame.ts'
import { LIMITS } from '../../src/config/limits.ts'
import { DIRECTIONS, VERIFY_METHODS } from '../../src/punches/canonical.ts'
import { DEVICES_DIR, bytes } from './helpers/samples.ts'
import { problemWithResult } from './helpers/results.ts'

interface StringSchema {
  maxLength?: number
  pattern: string
}
interface Schema {
  additionalProperties: boolean
  required: string[]
  properties: {
    recordId: StringSchema
    person: {
      properties: { kind: { enum: string[] } }
      allOf: { if: { properties: { kind: { const: string } } }; then: { additionalProperties: boolean; properties: { value?: StringSchema } } }[]
    }
    direction: { enum: string[] }
    verifyMethod: { enum: string[] }
    channel: { enum: string[] }
  }
}
const schema = JSON.parse(readFileSync(new URL('punch.schema.json', DEVICES_DIR), 'utf8')) as Schema
const branch = (kind: string) => schema.properties.person.allOf.find((b) => b.if.properties.kind.const === kind)?.then

const device: DeviceContext = { serial: 'CN-0001', timeZone: 'Asia/Shanghai', settings: {} }
const frame = {
  deviceSerial: 'CN-0001',
  recordId: '5521',
  person: { kind: 'device_user', value: 'W0012' },
  deviceTime: '2026-11-03T07:31:12+08:00',
  direction: 'in',
  verifyMethod: 'face',
  channel: 'gate',
}
const decode = (f: unknown) => canonical.decode(bytes(f), device)
const pad = (n: number, width = 2) => String(n).padStart(width, '0')

void t.test('the schema says what the service means', async (t) => {
  t.equal(schema.additionalProperties, false, 'unknown properties refused')
  t.same(schema.required.sort(), ['channel', 'deviceSerial', 'deviceTime', 'direction', 'person', 'recordId', 'verifyMethod'])
  t.equal(schema.properties.recordId.maxLength, LIMITS.record_id_length_max, 'record id length from LIMITS')
  t.equal(branch('device_user')?.properties.value?.maxLength, DEVICE_USER_ID_LENGTH_MAX)
  t.same(schema.properties.direction.enum, DIRECTIONS)
  t.same(schema.properties.verifyMethod.enum, VERIFY_METHODS)
  t.same(schema.properties.channel.enum, ['gate', 'face_terminal'], 'manual attendance never comes from a device')
  t.same(schema.properties.person.properties.kind.enum, ['id_number', 'device_user', 'stranger'])
  for (const kind of schema.properties.person.properties.kind.enum) t.equal(branch(kind)?.additionalProperties, false, `person ${kind}: unknown properties refused`)
})

void t.test('property: the schema and the other codecs agree on ids', async (t) => {
  const idPattern = new RegExp(branch('id_number')?.properties.value?.pattern ?? '', 'u')
  const tidyPattern = new RegExp(schema.properties.recordId.pattern, 'u')
  const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 70 }), fc.string({ unit: 'grapheme-ascii', maxLength: 70 }), fc.stringMatching(/^\d{17}[\dXx]$/))
  fc.assert(
    fc.property(text, (s) => {
      const bySchema = tidyPattern.test(s) && [...s].length <= LIMITS.record_id_length_max
      return bySchema === readRecordId(s, 'recordId').ok && idPattern.test(s) === ID_NUMBER_TEXT.test(s)
    }),
    { numRuns: 3000 },
  )
  t.pass('held')
})

void t.test('the channel is the frame’s own; the codec’s is nominal', async (t) => {
  t.match(decode({ ...frame, channel: 'face_terminal', direction: 'unknown' }), { ok: true, punch: { channel: 'face_terminal' } })
  t.match(decode({ ...frame, channel: 'gate', direction: 'unknown' }), { ok: true, punch: { channel: 'gate' } })
  t.equal(canonical.model, 'canonical')
})

void t.test('malformed_payload', async (t) => {
  const omit = (key: string) => Object.fromEntries(Object.entries(frame).filter(([k]) => k !== key))
  const cases: [string, unknown, RegExp][] = [
    ['an unknown property', { ...frame, temperature: 36.5 }, /frame .*temperature/],
    ['deviceTimeMs in place of deviceTime', { ...omit('deviceTime'), deviceTimeMs: 1 }, /deviceTime/],
    ['recordId missing', omit('recordId'), /recordId/],
    ['recordId a number', { ...frame, recordId: 5521 }, /recordId/],
    ['recordId padded', { ...frame, recordId: '5521 ' }, /recordId must have no control characters/],
    ['recordId too long', { ...frame, recordId: '9'.repeat(65) }, /recordId/],
    ['person missing', omit('person'), /person/],
    ['person kind unknown', { ...frame, person: { kind: 'worker', value: 'W0012' } }, /person\.kind/],
    ['person without kind', { ...frame, person: { value: 'W0012' } }, /person/],
    ['a stranger with a value', { ...frame, person: { kind: 'stranger', value: 'W0012' } }, /person .*value/],
    ['an ID number of 17 digits', { ...frame, person: { kind: 'id_number', value: '33010619900101123' } }, /person\.value must be 18 characters/],
    ['an ID number with lower-case x', { ...frame, person: { kind: 'id_number', value: '11010519491231002x' } }, /person\.value/],
    ['a device user with no value', { ...frame, person: { kind: 'device_user' } }, /person/],
    ['a device user with an extra', { ...frame, person: { kind: 'device_user', value: 'W1', name: '张三' } }, /person .*name/],
    ['direction unknown to us', { ...frame, direction: 'up' }, /direction/],
    ['verifyMethod unknown', { ...frame, verifyMethod: 'iris' }, /verifyMethod/],
    ['channel manual', { ...frame, channel: 'manual' }, /channel/],
    ['channel missing', omit('channel'), /channel/],
    ['deviceTime a number', { ...frame, deviceTime: 1793662272 }, /deviceTime/],
    ['an array', [frame], /not a JSON object/],
  ]
  for (const [name, f, detail] of cases) t.match(decode(f), { ok: false, reason: 'malformed_payload', detail }, name)
  t.match(canonical.decode(Buffer.from('not json'), device), { ok: false, reason: 'malformed_payload', detail: /not JSON/ })
})

void t.test('details never repeat a person value', async (t) => {
  const value = '33010619900101123'
  const result = decode({ ...frame, person: { kind: 'id_number', value } })
  if (result.ok) t.fail('decoded')
  else t.notMatch(result.detail, value)
})

void t.test('device_serial_mismatch', async (t) => {
  t.match(decode({ ...frame, deviceSerial: 'CN-0002' }), { ok: false, reason: 'device_serial_mismatch', detail: /CN-0002/ })
})

void t.test('invalid_device_time', async (t) => {
  for (const deviceTime of [
    '2026-11-03T07:31:12',
    '2026-11-03 07:31:12+08:00',
    '2026-11-03T07:31+08:00',
    '2026-11-03T07:31:12+0800',
    '2026-11-03T07:31:12.1234Z',
    '2026-11-03t07:31:12z',
    '2026-02-30T07:31:12+08:00',
    '2026-11-03T24:00:00Z',
    '2026-11-03T07:31:60Z',
    '2026-11-03T07:31:12+24:00',
    '2026-11-03T07:31:12+08:60',
    '1969-12-31T23:59:59Z',
    '0000-01-01T00:00:00Z',
  ]) {
    t.match(decode({ ...frame, deviceTime }), { ok: false, reason: 'invalid_device_time', detail: /deviceTime/ }, deviceTime)
  }
  t.match(decode({ ...frame, deviceTime: '2026-11-02T23:31:12.5Z' }), { ok: true, punch: { deviceTimeMs: Date.UTC(2026, 10, 2, 23, 31, 12, 500) } }, 'tenths')
  t.match(decode({ ...frame, deviceTime: '2026-11-02T18:01:12-05:30' }), { ok: true, punch: { deviceTimeMs: Date.UTC(2026, 10, 2, 23, 31, 12) } }, 'a negative offset with minutes')
})

void t.test('checkSettings: none', async (t) => {
  t.equal(canonical.checkSettings({}), undefined)
  t.type(canonical.checkSettings({ channel: 'gate' }), 'string')
})

void t.test('property: an instant written with any offset decodes to that instant', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: Date.UTC(1970, 0, 2), max: Date.UTC(9999, 11, 30) }),
      fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
      fc.constantFrom(0, 1, 2, 3),
      (instantMs, offsetMinutes, fractionDigits) => {
        const ms = fractionDigits === 0 ? instantMs - (instantMs % 1000) : instantMs - (instantMs % 10 ** (3 - fractionDigits))
        const wall = new Date(ms + offsetMinutes * 60_000)
        const fraction = fractionDigits === 0 ? '' : `.${pad(wall.getUTCMilliseconds(), 3).slice(0, fractionDigits)}`
        const abs = Math.abs(offsetMinutes)
        const offset = offsetMinutes === 0 && fractionDigits % 2 === 0 ? 'Z' : `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
        const text =
          `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}` +
          `T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}${fraction}${offset}`
        const result = decode({ ...frame, deviceTime: text })
        return result.ok && result.punch.deviceTimeMs === ms
      },
    ),
    { numRuns: 2000 },
  )
  t.pass('held')
})

void t.test('property: any value in any field gives a result and never throws', async (t) => {
  fc.assert(
    fc.property(fc.constantFrom(...Object.keys(frame), 'extra'), fc.jsonValue(), (key, value) => {
      return problemWithResult(decode({ ...frame, [key]: value })) === undefined && problemWithResult(decode({ ...frame, person: value })) === undefined
    }),
  )
  t.pass('held')
})
