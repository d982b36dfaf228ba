/**
 * face-fr900: a face-recognition attendance terminal (人脸识别考勤机) in the
 * style most Chinese vendors use: an `operator` naming the message kind and
 * an `info` object with the record.
 *
 *   {"operator":"RecPush","info":{"DeviceID":"FT-0001","RecordID":"88213","PersonID":"W0012",
 *    "CreateTime":"2026-11-03 07:31:12","VerifyType":"face","Similarity":"92.4","Temperature":"36.5"}}
 *
 * A single terminal cannot tell in from out, so every punch is 'unknown'.
 * CreateTime is wall time (本地时间) without a zone, read in the project's zone.
 *
 * Read and then dropped: Similarity (the match score; the device's own
 * threshold already decided match or stranger), Temperature (health data the
 * service has no purpose for) and Pic (the face photo: under the 2025
 * face-recognition measures it stays on the device, so it never enters the
 * punch).
 *
 * Failures, in order of precedence: not JSON or no operator (malformed_payload),
 * another operator (not_a_punch), the record's shape (malformed_payload), the
 * serial (device_serial_mismatch), each field in turn (malformed_payload),
 * then the time (invalid_device_time).
 */
import type { DeviceCodec, DeviceContext, DecodeResult } from '../codec.ts'
import type { PersonRef, VerifyMethod } from '../../src/punches/canonical.ts'
import { isTimeZone, parseLocalDateTime } from '../../src/kernel/time.ts'
import {
  checkSerial,
  DEVICE_YEAR_MIN,
  fail,
  is,
  isJsonObject,
  quote,
  readDeviceUserId,
  readEnum,
  readJsonObject,
  readRecordId,
  redactionText,
  refuseUnknown,
  type Read,
} from '../frame.ts'

export const MODEL = 'face-fr900'

/** The operator of a record push; every other operator (HeartBeat, ...) is housekeeping. */
const RECORD_PUSH = 'RecPush'
const INFO_FIELDS = ['DeviceID', 'RecordID', 'PersonID', 'Stranger', 'CreateTime', 'VerifyType', 'Similarity', 'Temperature', 'Pic'] as const
const VERIFY_TYPES = ['face', 'card', 'fingerprint', 'password', 'qr'] as const satisfies readonly VerifyMethod[]
/** PersonID values the vendor uses for a face it could not match (陌生人). */
const STRANGER_PERSON_IDS: readonly string[] = ['', '-1']
/** The vendor's only time layout; parseLocalDateTime alone would also take "T" or no seconds. */
const CREATE_TIME_TEXT = /^(\d{4})-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/

function readPerson(info: Record<string, unknown>): Read<PersonRef> {
  const stranger = info['Stranger']
  if (stranger !== undefined && typeof stranger !== 'boolean') return fail('malformed_payload', `${is('info.Stranger', stranger)}; expected true or false`)
  const personId = info['PersonID']
  // The flag wins over an id: some firmware fills PersonID with the nearest enrolled face even when it fell below the threshold.
  if (stranger === true) {
    if (personId !== undefined && typeof personId !== 'string') return fail('malformed_payload', 'info.PersonID must be a string')
    return { ok: true, value: { kind: 'stranger' } }
  }
  if (typeof personId === 'string' && STRANGER_PERSON_IDS.includes(personId)) return { ok: true, value: { kind: 'stranger' } }
  const userId = readDeviceUserId(personId, 'info.PersonID')
  return userId.ok ? { ok: true, value: { kind: 'device_user', value: userId.value } } : userId
}

/** Match score and temperature: text or number on the wire; only their type is checked, since neither is kept. */
function checkIgnoredReading(info: Record<string, unknown>, field: 'Similarity' | 'Temperature'): Read<undefined> {
  const value = info[field]
  if (value === undefined || typeof value === 'string' || typeof value === 'number') return { ok: true, value: undefined }
  return fail('malformed_payload', `info.${field} must be text or a number`)
}

function readCreateTime(value: unknown, timeZone: string): Read<number> {
  if (typeof value !== 'string') return fail('malformed_payload', `${is('info.CreateTime', value)}; expected "YYYY-MM-DD HH:MM:SS"`)
  const m = CREATE_TIME_TEXT.exec(value)
  if (!m) return fail('invalid_device_time', `info.CreateTime is ${quote(value)}; expected "YYYY-MM-DD HH:MM:SS"`)
  if (Number(m[1]) < DEVICE_YEAR_MIN) return fail('invalid_device_time', `info.CreateTime is ${quote(value)}; the device clock is not set`)
  if (!isTimeZone(timeZone)) return fail('invalid_device_time', `the device's project time zone ${quote(timeZone)} is not an IANA zone`)
  const ms = parseLocalDateTime(value, timeZone)
  if (ms === undefined) return fail('invalid_device_time', `info.CreateTime is ${quote(value)}, which is not a real date and time`)
  return { ok: true, value: ms }
}

function decode(payload: Buffer, device: DeviceContext): DecodeResult {
  const read = readJsonObject(payload)
  if (!read.ok) return read
  const frame = read.value

  const operator = frame['operator']
  if (typeof operator !== 'string') return fail('malformed_payload', `${is('operator', operator)}; expected a string such as "RecPush"`)
  if (operator !== RECORD_PUSH) return fail('not_a_punch', `operator ${quote(operator)} carries no attendance record; only "RecPush" belongs on the punch topic`)
  const extra = refuseUnknown(frame, ['operator', 'info'], 'frame')
  if (extra) return extra
  const info = frame['info']
  if (!isJsonObject(info)) return fail('malformed_payload', `${is('info', info)}; expected an object`)
  const extraInfo = refuseUnknown(info, INFO_FIELDS, 'info')
  if (extraInfo) return extraInfo
  const serialFailure = checkSerial(info['DeviceID'], 'info.DeviceID', device.serial)
  if (serialFailure) return serialFailure

  const recordId = readRecordId(info['RecordID'], 'info.RecordID')
  if (!recordId.ok) return recordId
  const person = readPerson(info)
  if (!person.ok) return person
  const verify = readEnum(info['VerifyType'], VERIFY_TYPES, 'info.VerifyType')
  if (!verify.ok) return verify
  for (const field of ['Similarity', 'Temperature'] as const) {
    const reading = checkIgnoredReading(info, field)
    if (!reading.ok) return reading
  }
  const pic = info['Pic']
  if (pic !== undefined && typeof pic !== 'string') return fail('malformed_payload', 'info.Pic must be text (base64)')
  const deviceTimeMs = readCreateTime(info['CreateTime'], device.timeZone)
  if (!deviceTimeMs.ok) return deviceTimeMs

  return {
    ok: true,
    punch: {
      deviceSerial: device.serial,
      recordId: recordId.value,
      person: person.value,
      deviceTimeMs: deviceTimeMs.value,
      // A terminal mounted at an entrance or exit is registered with that direction; one inside the site cannot tell.
      direction: device.settings['direction'] === 'in' || device.settings['direction'] === 'out' ? device.settings['direction'] : 'unknown',
      verifyMethod: verify.value,
      channel: 'face_terminal',
    },
  }
}

/** Only `direction` can be set; any other setting is refused so a typo does not pass unnoticed. */
function checkSettings(settings: Record<string, unknown>): string | undefined {
  const unknown = Object.keys(settings).filter((k) => k !== 'direction')
  if (unknown.length > 0) return `${MODEL} takes only the setting "direction"; got ${unknown.map(quote).join(', ')}`
  const d = settings['direction']
  if (d !== undefined && d !== 'in' && d !== 'out') return `settings.direction is ${quote(d)}; expected "in" or "out" (leave it out for a terminal that cannot tell)`
  return undefined
}

/** What a kept frame never holds, wherever in it: the face photo and the body temperature. */
const REDACTED: Readonly<Record<string, string>> = { Pic: '[photo removed]', Temperature: '[removed]' }

function redactValue(value: unknown, found: { any: boolean }): unknown {
  if (Array.isArray(value)) return value.map((v) => redactValue(v, found))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        if (!Object.hasOwn(REDACTED, k)) return [k, redactValue(v, found)]
        found.any = true
        return [k, REDACTED[k]]
      }),
    )
  }
  return value
}

/**
 * A refused frame is kept for inspection, but never its face photo (2025
 * face-recognition measures: face data stays on the device) nor a body
 * temperature (health data), wherever in the frame a device put them. A
 * frame that is not even JSON cannot be searched for a photo; its bytes are
 * kept only up to where a photo could begin, which is enough to see what
 * went wrong.
 */
function redact(payload: Buffer): Buffer {
  try {
    const frame: unknown = JSON.parse(redactionText(payload))
    const found = { any: false }
    const kept = redactValue(frame, found)
    // Nothing to remove: the bytes as received, for whoever inspects them.
    return found.any ? Buffer.from(JSON.stringify(kept)) : payload
  } catch {
    const at = payload.indexOf('"Pic"')
    return at >= 0 ? Buffer.concat([payload.subarray(0, at), Buffer.from('…[cut before "Pic"]')]) : payload
  }
}

export const faceFr900: DeviceCodec = { model: MODEL, channel: 'face_terminal', decode, checkSettings, redact }
