/**
 * Pieces every codec shares: reading the bytes as a JSON object, refusing
 * properties the model does not define, and the rules for ids and person
 * fields. Nothing here throws; each reader returns a value or a failure.
 */
import { LIMITS } from '../src/config/limits.ts'
import type { DecodeFailure, DecodeResult } from './codec.ts'

export type Failure = Extract<DecodeResult, { ok: false }>
export type Read<T> = { ok: true; value: T } | Failure

export function fail(reason: DecodeFailure, detail: string): Failure {
  return { ok: false, reason, detail }
}

export type JsonObject = Record<string, unknown>

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A device user id (设备人员编号) as enrolled on the site's devices. */
export const DEVICE_USER_ID_LENGTH_MAX = LIMITS.device_user_id_length_max

/** 17 digits and a check character: the shape of a GB 11643 ID number (身份证号). */
export const ID_NUMBER_TEXT = /^\d{17}[\dX]$/

// fatal: a frame whose bytes are not UTF-8 is refused rather than decoded with U+FFFD
// substituted, which could turn a garbled id into a different, valid-looking one.
// A leading byte order mark is skipped (ignoreBOM is false), as devices/README.md's Payload allows.
const utf8 = new TextDecoder('utf-8', { fatal: true })

/** The payload as text, as the codecs read it (a leading byte order mark skipped), or undefined when it is not UTF-8. */
export function utf8Text(payload: Buffer): string | undefined {
  try {
    return utf8.decode(payload)
  } catch {
    return undefined
  }
}

// Not fatal, for redaction alone: a frame refused because its bytes are not UTF-8 (a GBK name, say) is still JSON
// around them, and what must not be kept is still found in it.
const utf8Lenient = new TextDecoder('utf-8')

/**
 * The payload as text to search for what a refused frame is kept without: read as the codecs read it (a byte order
 * mark skipped), or, when it is not UTF-8, with U+FFFD for the bytes that are not.
 */
export function redactionText(payload: Buffer): string {
  return utf8Text(payload) ?? utf8Lenient.decode(payload)
}

/** The payload as one JSON object, within the punch size limit. */
export function readJsonObject(payload: Buffer): Read<JsonObject> {
  if (payload.length > LIMITS.punch_payload_bytes_max) {
    return fail('malformed_payload', `payload is ${payload.length} bytes; the limit is ${LIMITS.punch_payload_bytes_max}`)
  }
  const text = utf8Text(payload)
  if (text === undefined) return fail('malformed_payload', 'payload is not UTF-8')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return fail('malformed_payload', 'payload is not JSON')
  }
  if (!isJsonObject(value)) return fail('malformed_payload', 'payload is not a JSON object')
  return { ok: true, value }
}

/** Refuses properties outside `allowed`: a vendor's extra field is a contract change, not something to drop silently. */
export function refuseUnknown(object: JsonObject, allowed: readonly string[], where: string): Failure | undefined {
  const extra = Object.keys(object).filter((k) => !allowed.includes(k))
  if (extra.length === 0) return undefined
  return fail('malformed_payload', `${where} has unknown ${extra.length === 1 ? 'property' : 'properties'} ${extra.map(quote).join(', ')}`)
}

/** "field is <value>" for a detail message, or "field is missing". */
export function is(field: string, value: unknown): string {
  return value === undefined ? `${field} is missing` : `${field} is ${quote(value)}`
}

/** A value for a detail message, shortened: details are read by people and stored beside the raw bytes. */
export function quote(value: unknown): string {
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text
}

// No control characters (C0, DEL, C1) and no surrounding white space: ids are compared
// exactly. Length counts code points, as JSON Schema's maxLength does in punch.schema.json.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
function isTidyText(text: string, lengthMax: number): boolean {
  // A code point is at most two UTF-16 units: a longer string is refused before it is spread into characters.
  if (text.length > lengthMax * 2) return false
  const length = [...text].length
  return length >= 1 && length <= lengthMax && !CONTROL.test(text) && text.trim() === text
}

export function readRecordId(value: unknown, field: string): Read<string> {
  if (typeof value !== 'string') return fail('malformed_payload', `${is(field, value)}; expected a string`)
  if (!isTidyText(value, LIMITS.record_id_length_max)) {
    return fail('malformed_payload', `${field} must be 1 to ${LIMITS.record_id_length_max} characters, without control characters or surrounding spaces`)
  }
  return { ok: true, value }
}

/** Details name the person field but never echo its value: they are shown more widely than the raw bytes. */
export function readDeviceUserId(value: unknown, field: string): Read<string> {
  if (typeof value !== 'string') return fail('malformed_payload', `${field} ${value === undefined ? 'is missing' : 'must be a string'}`)
  if (!isTidyText(value, DEVICE_USER_ID_LENGTH_MAX)) {
    return fail('malformed_payload', `${field} must be 1 to ${DEVICE_USER_ID_LENGTH_MAX} characters, without control characters or surrounding spaces`)
  }
  return { ok: true, value }
}

/**
 * Card readers differ in the case of the check character X; it is upper-cased
 * so the same card always yields the same number. The GB 11643 check digit is
 * the roster's to judge: a misread number fails there as an unknown worker.
 */
export function readIdNumber(value: unknown, field: string): Read<string> {
  if (typeof value !== 'string') return fail('malformed_payload', `${field} ${value === undefined ? 'is missing' : 'must be a string'}`)
  const upper = value.toUpperCase()
  if (!ID_NUMBER_TEXT.test(upper)) return fail('malformed_payload', `${field} must be 18 characters: 17 digits and a digit or X`)
  return { ok: true, value: upper }
}

/** The serial the frame names must be the one the device connected as. */
export function checkSerial(value: unknown, field: string, serial: string): Failure | undefined {
  if (typeof value !== 'string') return fail('malformed_payload', `${is(field, value)}; expected the device serial`)
  if (value !== serial) return fail('device_serial_mismatch', `${field} is ${quote(value)} but the device is ${quote(serial)}`)
  return undefined
}

export function readEnum<T extends string>(value: unknown, allowed: readonly T[], field: string): Read<T> {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return { ok: true, value: value as T }
  return fail('malformed_payload', `${is(field, value)}; expected one of ${allowed.join(', ')}`)
}

/**
 * Device time is read within the years 1970 to 9999. Clocks that were never
 * set read 1970 or 2000; anything earlier is no reading at all (and Date.UTC
 * would map years below 100 into the 1900s). Later than 9999 is a field in
 * the wrong unit, usually milliseconds sent as seconds.
 */
export const DEVICE_YEAR_MIN = 1970
export const DEVICE_YEAR_MAX = 9999

/** Where the service reaches a device that it connects to (Dahua's stream, Hikvision's log search), as settings.connect gives it. */
export interface DeviceConnect {
  /** http or https, without credentials, query or a trailing slash. */
  url: string
  username: string
  /** The service's environment variable that holds the password: the password itself is never stored. */
  passwordEnv: string
}

const CONNECT_BASE_KEYS = ['url', 'username', 'passwordEnv'] as const
const PASSWORD_ENV = /^[A-Z][A-Z0-9_]{2,63}$/
const CONNECT_USERNAME_LENGTH_MAX = 64
const CONNECT_URL_LENGTH_MAX = 256

/**
 * settings.connect's common part, checked as every family's codec checks it; `extraKeys` are the family's own (read by
 * its caller from `rest`). `example` is the object shown when the value is not one.
 */
export function readDeviceConnect(
  value: unknown,
  family: { extraKeys: readonly string[]; example: string; envExample: string },
): { ok: true; connect: DeviceConnect; rest: JsonObject } | { ok: false; detail: string } {
  if (!isJsonObject(value)) return { ok: false, detail: `settings.connect is ${quote(value)}; expected ${family.example}` }
  const keys: readonly string[] = [...CONNECT_BASE_KEYS, ...family.extraKeys]
  const unknown = Object.keys(value).filter((k) => !keys.includes(k))
  if (unknown.length > 0) return { ok: false, detail: `settings.connect takes ${keys.map((k) => `"${k}"`).join(', ')}; got ${unknown.map(quote).join(', ')}` }
  const { url, username, passwordEnv } = value
  let parsed: URL | undefined
  try {
    parsed = typeof url === 'string' && url.length <= CONNECT_URL_LENGTH_MAX ? new URL(url) : undefined
  } catch {
    parsed = undefined
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username !== '' || parsed.password !== '' || parsed.search !== '' || parsed.hash !== '') {
    return { ok: false, detail: `settings.connect.url is ${quote(url)}; expected the device's http or https address, such as "http://10.0.0.5", without credentials or a query` }
  }
  if (typeof username !== 'string' || username.trim() === '' || username.length > CONNECT_USERNAME_LENGTH_MAX) {
    return { ok: false, detail: `settings.connect.username is ${quote(username)}; expected the device account's name` }
  }
  if (typeof passwordEnv !== 'string' || !PASSWORD_ENV.test(passwordEnv)) {
    return {
      ok: false,
      detail: `settings.connect.passwordEnv is ${quote(passwordEnv)}; expected the name of the service's environment variable holding the password, such as "${family.envExample}" (the password itself is never stored)`,
    }
  }
  return { ok: true, connect: { url: parsed.href.replace(/\/+$/, ''), username, passwordEnv }, rest: value }
}

