/**
 * zkteco-adms: a ZKTeco attendance terminal (考勤机, face, fingerprint, palm or
 * card) in ADMS/PUSH mode. The device POSTs `/iclock/cdata?SN=…&table=ATTLOG`
 * with one record per line; split.ts cuts the body into lines and this codec
 * reads one line, with the serial the query string named (ctx.serial):
 *
 *   PIN \t YYYY-MM-DD HH:MM:SS \t Status \t Verify [\t WorkCode [\t Reserved ...]]
 *   123	2024-01-01 08:00:00	0	1	0	0	0
 *
 * 4 to 10 TAB-separated fields: PIN, local time, keypad status and verify code
 * are read; the rest (work code, reserved fields, and on newer firmware mask and
 * temperature readings) are dropped: nothing here needs them, and temperature
 * is health data the service has no purpose for. A key=value line
 * (`PIN=1001  DateTime=2025-09-02 14:32:11  Verified=1  Status=0`) is read
 * the same way.
 *
 * Status (0 check-in, 1 check-out, ...) is a key the worker pressed, or the
 * device's schedule chose: it says nothing reliable about passing in or out,
 * so direction is 'unknown' unless the device is registered with
 * `statusIsDirection: true` (or a fixed `direction`).
 *
 * The record id is made from the serial, PIN, time, status and verify code
 * (attlogRecordId): ADMS lines carry no id, and a batch the device re-sends
 * after a lost `OK` must be recognised as the same records.
 *
 * Failures, in order of precedence: not one UTF-8 line without control
 * characters (malformed_payload), a line of another table (not_a_punch), the
 * line's fields and each field in turn (malformed_payload), then the time
 * (invalid_device_time). The serial is the query string's, so a line never
 * names another device.
 */
import { createHash } from 'node:crypto'
import type { DeviceCodec, DeviceContext, DecodeResult } from '../codec.ts'
import type { Channel, Direction, VerifyMethod } from '../../src/punches/canonical.ts'
import { isTimeZone, parseLocalDateTime } from '../../src/kernel/time.ts'
import { DEVICE_YEAR_MIN, fail, isJsonObject, quote, readDeviceUserId, type Read } from '../frame.ts'
import { ATTLOG_LINE_BYTES_MAX } from './split.ts'

export const MODEL = 'zkteco-adms'

/** Positional fields read from a TAB line; fields 5 to 10 are read past and dropped. */
const TAB_FIELDS_MIN = 4
/** The 10-field layout of newer firmware is the longest seen; more is a layout this codec does not know. */
const TAB_FIELDS_MAX = 10
/** Keys of the key=value layout, all required. */
const KV_KEYS = ['PIN', 'DateTime', 'Verified', 'Status'] as const
type KvKey = (typeof KV_KEYS)[number]

/**
 * First words of the lines other tables carry (OPERLOG: `OPLOG 4\t…`, `USER PIN=…`,
 * `FP PIN=…`; photos and templates): a device's record, but not attendance.
 */
// A space, not a TAB: `FP\t2024-…` is an ATTLOG line of the worker whose PIN is "FP".
const OTHER_TABLE_LINE = /^(OPLOG|USER|FP|FACE|BIODATA|BIOPHOTO|USERPIC|WORKCODE|SMS|USER_SMS) /

/** The device's only time layout; parseLocalDateTime alone would also take "T" or no seconds. */
const TIME_TEXT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/
/** Status and verify codes: small decimal numbers without leading zeros, so one code has one spelling (and one record id). */
const CODE_TEXT = /^(0|[1-9]\d{0,2})$/
const STATUS_MAX = 255

// eslint-disable-next-line no-control-regex -- control characters other than TAB are what a line must not hold
const CONTROL_BUT_TAB = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/
// fatal: a garbled line is refused, not decoded with U+FFFD substituted.
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Keypad status (考勤状态) as the device sends it, and the direction it would
 * mean when the site uses the keys that way (statusIsDirection).
 */
export const STATUS_DIRECTIONS: Readonly<Record<number, 'in' | 'out'>> = {
  0: 'in', // check-in 上班签到
  1: 'out', // check-out 下班签退
  2: 'out', // break-out 外出
  3: 'in', // break-in 外出返回
  4: 'in', // overtime-in 加班签到
  5: 'out', // overtime-out 加班签退
  // 255: undefined (no key pressed): unknown, as any other code
}

/** Verify methods a device's `verifyCodes` setting may name: all but `manual`, which no device may claim. */
const DEVICE_VERIFY_METHODS = ['face', 'card', 'fingerprint', 'password', 'qr'] as const satisfies readonly VerifyMethod[]
type DeviceVerifyMethod = (typeof DEVICE_VERIFY_METHODS)[number]

/**
 * Verify codes (验证方式) and the canonical method each is recorded as. Sources
 * disagree on some codes (README, "Verify codes"); a device whose firmware
 * differs, or sends a code missing here, is registered with `verifyCodes`.
 * A combination is recorded as its strongest factor (face, then the hand
 * biometrics, then card, then password). Palm has no canonical method of its
 * own and is recorded as fingerprint, the canonical biometric of the hand.
 */
export const VERIFY_CODES: Readonly<Record<number, DeviceVerifyMethod>> = {
  0: 'password',
  1: 'fingerprint',
  2: 'card', // card on older firmware
  3: 'password',
  4: 'card', // RF card on current firmware
  5: 'fingerprint', // fingerprint + card
  6: 'fingerprint', // fingerprint + password
  7: 'card', // card + password
  8: 'fingerprint', // card + fingerprint + password
  15: 'face',
  25: 'fingerprint', // palm
}

const DIRECTIONS_FIXED = ['in', 'out'] as const
const CHANNELS = ['face_terminal', 'gate'] as const satisfies readonly Channel[]
const SETTINGS = ['statusIsDirection', 'direction', 'timeZone', 'channel', 'verifyCodes'] as const

/** One ATTLOG record's text as the line gives it, with the names the details use for its fields. */
interface AttlogText {
  pin: string
  time: string
  status: string
  verify: string
  /** Field names as the layout calls them: `Status (field 3)` for a TAB line, `Status` for a key=value line. */
  names: { pin: string; time: string; status: string; verify: string }
}

function readTabLine(line: string): Read<AttlogText> {
  const fields = line.split('\t')
  if (fields.length < TAB_FIELDS_MIN) {
    const missing = ['PIN', 'time', 'Status', 'Verify'][fields.length] ?? 'a field'
    return fail('malformed_payload', `the line has ${fields.length} TAB-separated field${fields.length === 1 ? '' : 's'}; ${missing} (field ${fields.length + 1}) is missing: an ATTLOG line is PIN, time, Status, Verify and optional further fields`)
  }
  if (fields.length > TAB_FIELDS_MAX) return fail('malformed_payload', `the line has ${fields.length} TAB-separated fields; an ATTLOG line has at most ${TAB_FIELDS_MAX}`)
  const [pin, time, status, verify] = fields as [string, string, string, string]
  return { ok: true, value: { pin, time, status, verify, names: { pin: 'PIN (field 1)', time: 'time (field 2)', status: 'Status (field 3)', verify: 'Verify (field 4)' } } }
}

/** `PIN=1001    DateTime=2025-09-02 14:32:11    Verified=1    Status=0`: pairs apart by TABs or spaces before the next `Key=`. */
function readKeyValueLine(line: string): Read<AttlogText> {
  const values = new Map<KvKey, string>()
  for (const pair of line.split(/[ \t]+(?=[A-Za-z][A-Za-z0-9]*=)/)) {
    const eq = pair.indexOf('=')
    const key = pair.slice(0, eq)
    // A value ends at the next key; spaces or TABs after the last one are the line's end, not the value.
    const value = pair.slice(eq + 1).replace(/[ \t]+$/, '')
    if (!(KV_KEYS as readonly string[]).includes(key)) return fail('malformed_payload', `the line has unknown key ${quote(key.slice(0, 32))}; a key=value ATTLOG line has ${KV_KEYS.join(', ')}`)
    if (values.has(key as KvKey)) return fail('malformed_payload', `the line gives ${key} twice`)
    values.set(key as KvKey, value)
  }
  const missing = KV_KEYS.filter((k) => !values.has(k))
  if (missing.length > 0) return fail('malformed_payload', `the line has no ${missing.join(', ')}`)
  const get = (key: KvKey): string => values.get(key) ?? ''
  return { ok: true, value: { pin: get('PIN'), time: get('DateTime'), status: get('Status'), verify: get('Verified'), names: { pin: 'PIN', time: 'DateTime', status: 'Status', verify: 'Verified' } } }
}

function readCode(text: string, name: string, max: number): Read<number> {
  const value = CODE_TEXT.test(text) ? Number(text) : NaN
  if (!(value <= max)) return fail('malformed_payload', `${name} is ${quote(text)}; expected a whole number from 0 to ${max}`)
  return { ok: true, value }
}

/** The device's own `verifyCodes` first, then the built-in table; an unknown code is refused rather than guessed. */
function readVerify(code: number, name: string, settings: Record<string, unknown>): Read<VerifyMethod> {
  const own = settings['verifyCodes']
  if (isJsonObject(own) && Object.hasOwn(own, String(code))) {
    const method = own[String(code)]
    if ((DEVICE_VERIFY_METHODS as readonly unknown[]).includes(method)) return { ok: true, value: method as DeviceVerifyMethod }
  }
  const method = Object.hasOwn(VERIFY_CODES, code) ? VERIFY_CODES[code] : undefined
  if (method === undefined) {
    return fail('malformed_payload', `${name} is ${code}, a verify code this service does not know; register the device with settings.verifyCodes naming the method it stands for`)
  }
  return { ok: true, value: method }
}

/** The zone the device's clock runs in: its own `timeZone` setting, else its project's. The handshake's TimeZone option should tell the device the same. */
export function deviceTimeZone(device: DeviceContext): string {
  const own = device.settings['timeZone']
  return typeof own === 'string' ? own : device.timeZone
}

/** Local hours remembered, all zones together; the map is cleared when full. */
const HOUR_STARTS_MAX = 50_000
/** `zone hour` ("Asia/Shanghai 2024-01-01 08") → the UTC instant of hh:00:00, or null when the hour is not one plain hour of UTC. */
const hourStarts = new Map<string, number | null>()

/**
 * parseLocalDateTime's answer for a time already shaped `YYYY-MM-DD HH:MM:SS`,
 * found faster. A body is hundreds of lines of the same few hours, and reading
 * a wall time through Intl costs about 30 µs: here each local hour is read
 * once, and a time within it is its hour's start plus minutes and seconds.
 * That holds for an hour whose last second lies 3,599 s after its first; an
 * hour the zone's offset changes in (a daylight saving jump, Lord Howe's half
 * hour) does not, and is read the slow way every time.
 */
export function localTimeToUtcMs(text: string, timeZone: string): number | undefined {
  const hour = text.slice(0, 13)
  const key = `${timeZone} ${hour}`
  let start = hourStarts.get(key)
  if (start === undefined) {
    const first = parseLocalDateTime(`${hour}:00:00`, timeZone)
    const last = parseLocalDateTime(`${hour}:59:59`, timeZone)
    start = first !== undefined && last !== undefined && last - first === 3_599_000 ? first : null
    if (hourStarts.size >= HOUR_STARTS_MAX) hourStarts.clear()
    hourStarts.set(key, start)
  }
  if (start === null) return parseLocalDateTime(text, timeZone)
  const minute = Number(text.slice(14, 16))
  const second = Number(text.slice(17, 19))
  if (minute > 59 || second > 59) return undefined
  return start + minute * 60_000 + second * 1000
}

function readTime(text: string, name: string, device: DeviceContext): Read<number> {
  const m = TIME_TEXT.exec(text)
  if (!m) return fail('invalid_device_time', `${name} is ${quote(text)}; expected "YYYY-MM-DD HH:MM:SS"`)
  if (Number(m[1]) < DEVICE_YEAR_MIN) return fail('invalid_device_time', `${name} is ${quote(text)}; the device clock is not set`)
  const timeZone = deviceTimeZone(device)
  if (!isTimeZone(timeZone)) {
    const whose = timeZone === device.timeZone ? "the device's project time zone" : "the device's settings.timeZone"
    return fail('invalid_device_time', `${whose} ${quote(timeZone)} is not an IANA zone`)
  }
  const ms = localTimeToUtcMs(text, timeZone)
  if (ms === undefined) return fail('invalid_device_time', `${name} is ${quote(text)}, which is not a real date and time`)
  return { ok: true, value: ms }
}

function directionOf(status: number, settings: Record<string, unknown>): Direction {
  const fixed = settings['direction']
  if (fixed === 'in' || fixed === 'out') return fixed
  if (settings['statusIsDirection'] === true) return STATUS_DIRECTIONS[status] ?? 'unknown'
  return 'unknown'
}

function channelOf(settings: Record<string, unknown>): Channel {
  const channel = settings['channel']
  return channel === 'gate' ? 'gate' : 'face_terminal'
}

/**
 * The record id of an ATTLOG line: the device's local time compacted, status,
 * verify code, and 16 hex digits of SHA-256 over serial, PIN, time, status and
 * verify code, e.g. `20240101080000-0-1-d9051633b8b19fc8`. Stable, so a re-sent
 * batch is recognised; readable enough to find the line; at most 40
 * characters whatever the PIN's length; and without the PIN itself, which may
 * be an ID number on sites that enrol workers by it (record ids are shown more
 * widely than the person field). Two records differ in id unless they agree
 * on all five, which for one device means the same record.
 */
export function attlogRecordId(serial: string, pin: string, time: string, status: number, verify: number): string {
  const digest = createHash('sha256').update(JSON.stringify([serial, pin, time, status, verify])).digest('hex').slice(0, 16)
  return `${time.replace(/[- :]/g, '')}-${status}-${verify}-${digest}`
}

function decode(payload: Buffer, device: DeviceContext): DecodeResult {
  if (payload.length > ATTLOG_LINE_BYTES_MAX) return fail('malformed_payload', `the line is ${payload.length} bytes; an ATTLOG record is at most ${ATTLOG_LINE_BYTES_MAX}`)
  let line: string
  try {
    line = utf8.decode(payload)
  } catch {
    return fail('malformed_payload', 'the line is not UTF-8')
  }
  if (line.includes('\n')) return fail('malformed_payload', 'the frame holds more than one line; split the body first (one record per frame)')
  if (CONTROL_BUT_TAB.test(line)) return fail('malformed_payload', 'the line has a control character other than TAB')
  const other = OTHER_TABLE_LINE.exec(line)
  if (other) return fail('not_a_punch', `a ${other[1]} line belongs to another table (OPERLOG, templates, photos) and carries no attendance record`)

  const text = line.startsWith('PIN=') ? readKeyValueLine(line) : readTabLine(line)
  if (!text.ok) return text
  const { pin: pinText, time, status: statusText, verify: verifyText, names } = text.value

  const pin = readDeviceUserId(pinText, names.pin)
  if (!pin.ok) return pin
  const status = readCode(statusText, names.status, STATUS_MAX)
  if (!status.ok) return status
  const verifyCode = readCode(verifyText, names.verify, 999)
  if (!verifyCode.ok) return verifyCode
  const verify = readVerify(verifyCode.value, names.verify, device.settings)
  if (!verify.ok) return verify
  const deviceTimeMs = readTime(time, names.time, device)
  if (!deviceTimeMs.ok) return deviceTimeMs

  return {
    ok: true,
    punch: {
      deviceSerial: device.serial,
      recordId: attlogRecordId(device.serial, pin.value, time, status.value, verifyCode.value),
      person: { kind: 'device_user', value: pin.value },
      deviceTimeMs: deviceTimeMs.value,
      direction: directionOf(status.value, device.settings),
      verifyMethod: verify.value,
      channel: channelOf(device.settings),
    },
  }
}

/** The settings a ZKTeco device may be registered with; anything else is refused so a typo does not pass unnoticed. */
function checkSettings(settings: Record<string, unknown>): string | undefined {
  const unknown = Object.keys(settings).filter((k) => !(SETTINGS as readonly string[]).includes(k))
  if (unknown.length > 0) return `${MODEL} takes only the settings ${SETTINGS.map((s) => `"${s}"`).join(', ')}; got ${unknown.map(quote).join(', ')}`
  const statusIsDirection = settings['statusIsDirection']
  if (statusIsDirection !== undefined && typeof statusIsDirection !== 'boolean') return `settings.statusIsDirection is ${quote(statusIsDirection)}; expected true or false`
  const direction = settings['direction']
  if (direction !== undefined && !(DIRECTIONS_FIXED as readonly unknown[]).includes(direction)) return `settings.direction is ${quote(direction)}; expected "in" or "out" (leave it out for a terminal that cannot tell)`
  if (direction !== undefined && statusIsDirection === true) return 'settings.direction and settings.statusIsDirection both say where the direction comes from; keep one'
  const timeZone = settings['timeZone']
  if (timeZone !== undefined && (typeof timeZone !== 'string' || !isTimeZone(timeZone))) return `settings.timeZone is ${quote(timeZone)}; expected an IANA zone such as "Asia/Shanghai"`
  const channel = settings['channel']
  if (channel !== undefined && !(CHANNELS as readonly unknown[]).includes(channel)) return `settings.channel is ${quote(channel)}; expected "face_terminal" or "gate"`
  const verifyCodes = settings['verifyCodes']
  if (verifyCodes !== undefined) {
    if (!isJsonObject(verifyCodes)) return 'settings.verifyCodes must be an object from verify code to method, e.g. {"25": "fingerprint"}'
    for (const [code, method] of Object.entries(verifyCodes)) {
      if (!CODE_TEXT.test(code)) return `settings.verifyCodes has the key ${quote(code)}; expected a verify code from 0 to 999`
      if (!(DEVICE_VERIFY_METHODS as readonly unknown[]).includes(method)) return `settings.verifyCodes.${code} is ${quote(method)}; expected one of ${DEVICE_VERIFY_METHODS.join(', ')}`
    }
  }
  return undefined
}

export const zktecoAdms: DeviceCodec = { model: MODEL, channel: 'face_terminal', decode, checkSettings }
