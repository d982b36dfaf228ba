/**
 * canonical: for devices (and vendor gateways) built against our own format.
 * The frame is the canonical punch as devices/punch.schema.json describes it,
 * with the time as RFC 3339 text carrying its offset, so no zone has to be
 * guessed, and with the channel stated by the frame itself, since one gateway
 * may relay both gates and face terminals.
 *
 *   {"deviceSerial":"CN-0001","recordId":"5521","person":{"kind":"device_user","value":"W0012"},
 *    "deviceTime":"2026-11-03T07:31:12+08:00","direction":"in","verifyMethod":"face","channel":"gate"}
 *
 * Record ids that are whole numbers given in turn let the service see a lost
 * record as a gap and ask for it again on the device's command topic
 * (devices/README.md, "Backfill"), which the device obeys by publishing the
 * records it still holds in the range again.
 *
 * Failures, in order of precedence: not JSON or not matching the schema
 * (malformed_payload; a deviceTime not written as RFC 3339 is
 * invalid_device_time), the serial (device_serial_mismatch), then a
 * deviceTime that is not a real instant (invalid_device_time).
 */
import { Ajv, type ErrorObject } from 'ajv'
import type { DeviceCodec, DeviceContext, DecodeResult } from '../codec.ts'
import type { CanonicalPunch } from '../../src/punches/canonical.ts'
import { daysInMonth } from '../../src/kernel/time.ts'
import { checkSerial, DEVICE_YEAR_MIN, fail, quote, readJsonObject, type Failure, type Read } from '../frame.ts'
import punchSchema from '../punch.schema.json' with { type: 'json' }

export const MODEL = 'canonical'

/** The frame after the schema has passed it; deviceTime is still text. */
type CanonicalFrame = Omit<CanonicalPunch, 'deviceTimeMs' | 'channel'> & {
  deviceTime: string
  channel: 'gate' | 'face_terminal'
}

// strict: a schema keyword ajv does not know is a mistake in the schema, not something to skip.
const validate = new Ajv({ strict: true, allErrors: false }).compile<CanonicalFrame>(punchSchema)

const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?:Z|([+-])(\d{2}):(\d{2}))$/

const TIDY = 'must have no control characters and no spaces at either end'

/** Schema patterns in words: ajv would quote the regular expression, which a vendor cannot act on. */
function patternRule(field: string, frame: Record<string, unknown>): string | undefined {
  if (field === 'recordId') return TIDY
  if (field !== 'person.value') return undefined
  const person = frame['person'] as Record<string, unknown>
  return person['kind'] === 'id_number' ? 'must be 18 characters: 17 digits and a digit or X' : TIDY
}

/** "/person/value" as "person.value": the way the README names fields. */
function fieldName(error: ErrorObject): string {
  const path = error.instancePath.slice(1).replaceAll('/', '.')
  return path === '' ? 'frame' : path
}

function schemaFailure(error: ErrorObject | undefined, frame: Record<string, unknown>): Failure {
  if (error === undefined) return fail('malformed_payload', 'frame does not match devices/punch.schema.json')
  if (error.instancePath === '/deviceTime' && error.keyword === 'pattern') {
    return fail('invalid_device_time', 'deviceTime must be RFC 3339 with seconds and an offset, e.g. 2026-11-03T07:31:12+08:00')
  }
  const params = error.params as Record<string, unknown>
  const field = fieldName(error)
  const rule = error.keyword === 'pattern' ? patternRule(field, frame) : undefined
  let detail = `${field} ${rule ?? error.message ?? 'does not match the schema'}`
  if (error.keyword === 'additionalProperties') detail += ` (${quote(params['additionalProperty'])})`
  return fail('malformed_payload', detail)
}

function readDeviceTime(text: string): Read<number> {
  const m = RFC_3339.exec(text)
  if (!m) return fail('invalid_device_time', `deviceTime ${quote(text)} is not RFC 3339 with an offset`)
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const fractionMs = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'))
  const sign = m[8] === '-' ? -1 : 1
  const offsetHours = Number(m[9] ?? 0)
  const offsetMinutes = Number(m[10] ?? 0)
  const real =
    year >= DEVICE_YEAR_MIN &&
    month >= 1 && month <= 12 &&
    day >= 1 && day <= daysInMonth(year, month) &&
    hour <= 23 && minute <= 59 && second <= 59 &&
    offsetHours <= 23 && offsetMinutes <= 59
  if (!real) return fail('invalid_device_time', `deviceTime ${quote(text)} is not a real date and time`)
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second, fractionMs)
  return { ok: true, value: wallMs - sign * (offsetHours * 60 + offsetMinutes) * 60_000 }
}

function decode(payload: Buffer, device: DeviceContext): DecodeResult {
  const read = readJsonObject(payload)
  if (!read.ok) return read
  const frame: unknown = read.value
  if (!validate(frame)) return schemaFailure(validate.errors?.[0], read.value)

  const serialFailure = checkSerial(frame.deviceSerial, 'deviceSerial', device.serial)
  if (serialFailure) return serialFailure
  const deviceTimeMs = readDeviceTime(frame.deviceTime)
  if (!deviceTimeMs.ok) return deviceTimeMs

  return {
    ok: true,
    punch: {
      deviceSerial: device.serial,
      recordId: frame.recordId,
      person: frame.person,
      deviceTimeMs: deviceTimeMs.value,
      direction: frame.direction,
      verifyMethod: frame.verifyMethod,
      channel: frame.channel,
    },
  }
}

function checkSettings(settings: Record<string, unknown>): string | undefined {
  const keys = Object.keys(settings)
  return keys.length === 0 ? undefined : `${MODEL} takes no settings; got ${keys.map(quote).join(', ')}`
}

/**
 * `channel` here is nominal (the contract asks every codec for one): each
 * canonical frame names its own, and the punch carries the frame's.
 */
export const canonical: DeviceCodec = { model: MODEL, channel: 'gate', decode, checkSettings }
