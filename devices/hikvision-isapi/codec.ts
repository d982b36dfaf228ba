/**
 * hikvision-isapi: Hikvision access-control terminals and controllers (人脸识别门禁一体机,
 * 门禁控制器 with turnstiles) over ISAPI. One frame is one event, in either of the two
 * shapes the device writes (split.ts cuts them out of the HTTP bodies):
 *
 * - a push to the listening host, the AccessControllerEvent envelope:
 *     {"ipAddress":"10.0.0.21","dateTime":"2026-11-03T07:31:12+08:00","eventType":"AccessControllerEvent",
 *      "AccessControllerEvent":{"majorEventType":5,"subEventType":75,"employeeNoString":"1001","serialNo":1234,...}}
 * - one entry of an AcsEvent search's InfoList:
 *     {"major":5,"minor":75,"time":"2026-11-03T07:31:12+08:00","employeeNoString":"1001","serialNo":1234,...}
 *
 * Only a person's verification that passed is a punch: major 5 (event) with one of
 * the "verify pass" minors in PASS_MINORS. Door, alarm (major 1), exception (major 2)
 * and operation (major 3, remote opening among them) events, and failed or timed-out
 * verifications, are refused as not_a_punch with the major and minor in the detail,
 * so the edge can count them by kind.
 *
 * Unknown properties are tolerated here, unlike our own models: this is a vendor's
 * protocol that adds fields with each firmware (mask, helmet, FaceRect, thermometry...),
 * not a contract we wrote. The fields read are checked strictly; the rest are not kept,
 * since the punch is built from the fields read alone.
 *
 * Failures, in order of precedence: not JSON or neither shape (malformed_payload);
 * a push of another eventType (not_a_punch); major and minor (malformed_payload when
 * they are not counts, not_a_punch when they are not a passed verification); serialNo,
 * the person and the reader (malformed_payload); then the time (invalid_device_time).
 * Pushes carry no device serial (only ipAddress and macAddress), so a serial mismatch
 * cannot be seen in a frame: the edge knows the device by its URL or search target.
 */
import type { DeviceCodec, DeviceContext, DecodeResult } from '../codec.ts'
import type { Channel, Direction, PersonRef, VerifyMethod } from '../../src/punches/canonical.ts'
import { daysInMonth, isTimeZone, zonedToUtcMs } from '../../src/kernel/time.ts'
import { DEVICE_YEAR_MIN, fail, is, isJsonObject, quote, readDeviceConnect, readDeviceUserId, readJsonObject, redactionText, type DeviceConnect, type JsonObject, type Read } from '../frame.ts'

export const MODEL = 'hikvision-isapi'

/** The eventType of an access-control push; heartBeat and the rest carry no event. */
const ACCESS_EVENT_TYPE = 'AccessControllerEvent'
/** Where the event object sits in a push envelope: newer firmware, then older. */
const PUSH_EVENT_KEYS = ['AccessControllerEvent', 'event_log'] as const

/** Major types (HCNetSDK MAJOR_*; the same numbers in ISAPI). */
export const MAJOR_ALARM = 1
export const MAJOR_EXCEPTION = 2
export const MAJOR_OPERATION = 3
export const MAJOR_EVENT = 5
const MAJOR_NAMES: Readonly<Record<number, string>> = {
  [MAJOR_ALARM]: 'alarm',
  [MAJOR_EXCEPTION]: 'exception',
  [MAJOR_OPERATION]: 'operation',
  [MAJOR_EVENT]: 'event',
}

/**
 * The major-5 minors that are a person's verification passing (认证通过), and how
 * the person was verified. Numbers from Hikvision's own EventType list (HEOP demo,
 * Apache-2.0) and HCNetSDK's MINOR_* constants. Where several factors were
 * required, the method named is the strongest one (face, then fingerprint, then card).
 */
export const PASS_MINORS: ReadonlyMap<number, { method: VerifyMethod; name: string }> = new Map([
  [0x01, { method: 'card', name: 'card passed' }],
  [0x02, { method: 'card', name: 'card and password passed' }],
  [0x26, { method: 'fingerprint', name: 'fingerprint passed' }],
  [0x28, { method: 'fingerprint', name: 'card and fingerprint passed' }],
  [0x2b, { method: 'fingerprint', name: 'card, fingerprint and password passed' }],
  [0x2e, { method: 'fingerprint', name: 'fingerprint and password passed' }],
  [0x36, { method: 'face', name: 'face and fingerprint passed' }],
  [0x39, { method: 'face', name: 'face and password passed' }],
  [0x3c, { method: 'face', name: 'face and card passed' }],
  [0x3f, { method: 'face', name: 'face, password and fingerprint passed' }],
  [0x42, { method: 'face', name: 'face, card and fingerprint passed' }],
  [0x45, { method: 'fingerprint', name: 'employee number and fingerprint passed' }],
  [0x48, { method: 'fingerprint', name: 'employee number, fingerprint and password passed' }],
  [0x4b, { method: 'face', name: 'face passed' }],
  [0x4d, { method: 'face', name: 'employee number and face passed' }],
  [0x65, { method: 'password', name: 'employee number and password passed' }],
  // 人证比对通过: the face matched against the photo on the ID card read at the terminal (人证合一 terminals at gates
  // that check the resident ID card itself). The face is the strongest factor.
  [0x69, { method: 'face', name: 'person and ID card matched' }],
  [0x9c, { method: 'qr', name: 'QR code passed' }],
  [0xb5, { method: 'password', name: 'password passed' }],
])

/** Names of the events refused most often, for details a person reads; the rest go by number. */
const OTHER_EVENT_NAMES: ReadonlyMap<string, string> = new Map([
  ['5.6', 'card has no permission'],
  ['5.7', 'card outside its valid period'],
  ['5.8', 'card expired'],
  ['5.9', 'card not enrolled'],
  ['5.16', 'multiple verification passed'],
  ['5.21', 'door unlocked'],
  ['5.22', 'door locked'],
  ['5.23', 'exit button pressed'],
  ['5.24', 'exit button released'],
  ['5.25', 'door opened'],
  ['5.26', 'door closed'],
  ['5.27', 'door opened abnormally'],
  ['5.28', 'door open too long'],
  ['5.39', 'fingerprint failed'],
  ['5.76', 'face failed'],
  ['5.80', 'face not recognised'],
  ['5.105', 'person and ID card compared'],
  ['5.153', 'combined verification passed'],
  ['3.1024', 'remote door opening'],
  ['3.1025', 'remote door closing'],
])

/** attendanceStatus as a direction: coming in (to work, back from a break) or going out. */
const ATTENDANCE_DIRECTIONS: Readonly<Record<string, Direction>> = {
  checkIn: 'in',
  checkOut: 'out',
  breakIn: 'in',
  breakOut: 'out',
  overtimeIn: 'in',
  overtimeOut: 'out',
  undefined: 'unknown',
}

// ---------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------

const SETTING_KEYS = ['channel', 'direction', 'readers', 'connect'] as const
const CHANNELS: readonly Channel[] = ['face_terminal', 'gate']

interface Settings {
  channel: Channel
  direction: 'in' | 'out' | undefined
  readers: Readonly<Record<string, 'in' | 'out'>> | undefined
}

function isInOut(value: unknown): value is 'in' | 'out' {
  return value === 'in' || value === 'out'
}

/** Reader numbers as the device writes cardReaderNo: "1", "2", ... without leading zeros. */
const READER_KEY = /^[1-9]\d{0,3}$/

/**
 * Where the service reaches the device to search its event log (src/ingest/hikvision-poller.ts). The password is not
 * in the settings, which the database keeps and the API shows: `passwordEnv` names the service's environment variable
 * that holds it, read at each search.
 */
/** Where the service searches the device's log: its web address (without the ISAPI path) and the poll interval. */
export interface HikvisionConnect extends DeviceConnect {
  /** Seconds between two searches of the device's event log. */
  pollSeconds: number
}

/** Under 5 s a terminal answers searches back to back for nothing; over an hour, a gap stays open too long. */
export const POLL_SECONDS_MIN = 5
export const POLL_SECONDS_MAX = 3600
export const POLL_SECONDS_DEFAULT = 30

/** settings.connect checked, or why it cannot be used. */
export function readConnect(value: unknown): { ok: true; connect: HikvisionConnect } | { ok: false; detail: string } {
  const read = readDeviceConnect(value, {
    extraKeys: ['pollSeconds'],
    example: '{ "url": "http://…", "username": "…", "passwordEnv": "WL_…", "pollSeconds": 30 }',
    envExample: 'WL_HIK_HK01_PASSWORD',
  })
  if (!read.ok) return read
  const pollSeconds = read.rest['pollSeconds']
  if (pollSeconds !== undefined && !(typeof pollSeconds === 'number' && Number.isInteger(pollSeconds) && pollSeconds >= POLL_SECONDS_MIN && pollSeconds <= POLL_SECONDS_MAX)) {
    return { ok: false, detail: `settings.connect.pollSeconds is ${quote(pollSeconds)}; expected whole seconds from ${POLL_SECONDS_MIN} to ${POLL_SECONDS_MAX} (default ${POLL_SECONDS_DEFAULT})` }
  }
  return { ok: true, connect: { ...read.connect, pollSeconds: typeof pollSeconds === 'number' ? pollSeconds : POLL_SECONDS_DEFAULT } }
}

function checkSettings(settings: Record<string, unknown>): string | undefined {
  const unknown = Object.keys(settings).filter((k) => !(SETTING_KEYS as readonly string[]).includes(k))
  if (unknown.length > 0) return `${MODEL} takes the settings ${SETTING_KEYS.map((k) => `"${k}"`).join(', ')}; got ${unknown.map(quote).join(', ')}`
  const channel = settings['channel']
  if (channel !== undefined && !(CHANNELS as readonly unknown[]).includes(channel)) {
    return `settings.channel is ${quote(channel)}; expected "face_terminal" (the default) or "gate"`
  }
  const direction = settings['direction']
  if (direction !== undefined && !isInOut(direction)) return `settings.direction is ${quote(direction)}; expected "in" or "out"`
  const readers = settings['readers']
  if (readers !== undefined) {
    if (direction !== undefined) return 'settings.direction and settings.readers cannot both be set: a fixed direction would hide the readers'
    if (!isJsonObject(readers) || Object.keys(readers).length === 0) return 'settings.readers must be an object such as {"1": "in", "2": "out"}'
    for (const [reader, way] of Object.entries(readers)) {
      if (!READER_KEY.test(reader)) return `settings.readers has the key ${quote(reader)}; keys are reader numbers such as "1"`
      if (!isInOut(way)) return `settings.readers.${reader} is ${quote(way)}; expected "in" or "out"`
    }
  }
  if (settings['connect'] !== undefined) {
    const connect = readConnect(settings['connect'])
    if (!connect.ok) return connect.detail
  }
  return undefined
}

/** Settings already passed by checkSettings at registration; read defensively all the same. */
function readSettings(settings: Record<string, unknown>): Settings {
  const channel = settings['channel'] === 'gate' ? 'gate' : 'face_terminal'
  const direction = isInOut(settings['direction']) ? settings['direction'] : undefined
  const given = settings['readers']
  // Only well-formed entries count: a reader mapped to anything else is as good as unnamed, and refused as such.
  const readers = isJsonObject(given) ? Object.fromEntries(Object.entries(given).filter((e): e is [string, 'in' | 'out'] => isInOut(e[1]))) : undefined
  return { channel, direction, readers }
}

// ---------------------------------------------------------------------------
// The event, in either shape
// ---------------------------------------------------------------------------

/** The fields of one event whichever shape it came in, with the names used in details. */
interface Event {
  /** Where the event's own fields sit: the push's AccessControllerEvent object, or the search entry itself. */
  fields: JsonObject
  /** The prefix details give those fields ("AccessControllerEvent." or ""). */
  at: string
  major: unknown
  majorField: string
  minor: unknown
  minorField: string
  time: unknown
  timeField: string
}

function readEvent(frame: JsonObject): Read<Event> {
  const isPush = 'eventType' in frame || PUSH_EVENT_KEYS.some((k) => k in frame)
  if (isPush) {
    const eventType = frame['eventType']
    if (eventType !== undefined && typeof eventType !== 'string') return fail('malformed_payload', `${is('eventType', eventType)}; expected a string`)
    if (eventType !== undefined && eventType !== ACCESS_EVENT_TYPE) {
      return fail('not_a_punch', `eventType ${quote(eventType)} carries no access event; only "${ACCESS_EVENT_TYPE}" pushes can be punches`)
    }
    const key = PUSH_EVENT_KEYS.find((k) => k in frame) ?? PUSH_EVENT_KEYS[0]
    const fields = frame[key]
    if (!isJsonObject(fields)) return fail('malformed_payload', `${is(key, fields)}; expected the event object`)
    return {
      ok: true,
      value: {
        fields,
        at: `${key}.`,
        major: fields['majorEventType'],
        majorField: `${key}.majorEventType`,
        minor: fields['subEventType'],
        minorField: `${key}.subEventType`,
        // The envelope's dateTime is the event's time; a few firmware versions put it inside the event instead.
        ...('dateTime' in frame || !('dateTime' in fields)
          ? { time: frame['dateTime'], timeField: 'dateTime' }
          : { time: fields['dateTime'], timeField: `${key}.dateTime` }),
      },
    }
  }
  if ('major' in frame || 'minor' in frame) {
    return {
      ok: true,
      value: { fields: frame, at: '', major: frame['major'], majorField: 'major', minor: frame['minor'], minorField: 'minor', time: frame['time'], timeField: 'time' },
    }
  }
  return fail('malformed_payload', 'frame is neither an AccessControllerEvent push (eventType, AccessControllerEvent) nor an AcsEvent InfoList entry (major, minor)')
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function eventName(major: number, minor: number): string {
  const known = major === MAJOR_EVENT ? PASS_MINORS.get(minor)?.name : undefined
  const name = known ?? OTHER_EVENT_NAMES.get(`${major}.${minor}`)
  const majorName = MAJOR_NAMES[major] ?? 'unknown major type'
  return `major ${major} (${majorName}) minor ${minor}${name === undefined ? '' : ` (${name})`}`
}

/** The verification that passed, or why this event is not one. */
function readVerification(event: Event): Read<VerifyMethod> {
  if (!isCount(event.major)) return fail('malformed_payload', `${is(event.majorField, event.major)}; expected a whole number`)
  if (!isCount(event.minor)) return fail('malformed_payload', `${is(event.minorField, event.minor)}; expected a whole number`)
  const pass = event.major === MAJOR_EVENT ? PASS_MINORS.get(event.minor) : undefined
  if (pass === undefined) {
    const why = event.major === MAJOR_EVENT ? 'not a verification that passed' : 'not a person\'s verification'
    return fail('not_a_punch', `event ${eventName(event.major, event.minor)} is ${why}`)
  }
  return { ok: true, value: pass.method }
}

/** serialNo: the device's event log number, increasing by one per event; the record id is its decimal text. */
function readSerialNo(event: Event): Read<string> {
  const value = event.fields['serialNo']
  if (!isCount(value)) return fail('malformed_payload', `${is(`${event.at}serialNo`, value)}; expected a whole number`)
  return { ok: true, value: String(value) }
}

/**
 * employeeNoString (the user id enrolled on the device, 工号), or employeeNo, which
 * older firmware sends as a number. A passed verification without either (a card
 * or QR code not bound to a user) is a stranger, which admission then refuses.
 */
function readPerson(event: Event): Read<PersonRef> {
  const text = event.fields['employeeNoString']
  const field = `${event.at}employeeNoString`
  if (text !== undefined && text !== '') {
    const id = readDeviceUserId(text, field)
    return id.ok ? { ok: true, value: { kind: 'device_user', value: id.value } } : id
  }
  const number = event.fields['employeeNo']
  if (number === undefined || number === '') return { ok: true, value: { kind: 'stranger' } }
  if (typeof number === 'number') {
    if (!isCount(number)) return fail('malformed_payload', `${event.at}employeeNo must be a whole number or text`)
    return { ok: true, value: { kind: 'device_user', value: String(number) } }
  }
  const id = readDeviceUserId(number, `${event.at}employeeNo`)
  return id.ok ? { ok: true, value: { kind: 'device_user', value: id.value } } : id
}

/**
 * Direction, by the device's settings first: a fixed direction (a terminal at an
 * entrance or an exit), then the reader the person used (a door or turnstile with
 * an in-reader and an out-reader), then the attendance status the device itself
 * set (its attendance mode: by schedule, or the key the worker pressed; "undefined"
 * when the mode is off). Otherwise unknown.
 */
function readDirection(event: Event, settings: Settings): Read<Direction> {
  if (settings.direction !== undefined) return { ok: true, value: settings.direction }
  if (settings.readers !== undefined) {
    const reader = event.fields['cardReaderNo']
    const field = `${event.at}cardReaderNo`
    if (!isCount(reader)) return fail('malformed_payload', `${is(field, reader)}; the device's settings give direction by reader`)
    const way = Object.hasOwn(settings.readers, String(reader)) ? settings.readers[String(reader)] : undefined
    if (way === undefined) return fail('malformed_payload', `${field} is ${reader}, which the device's settings.readers does not name`)
    return { ok: true, value: way }
  }
  const status = event.fields['attendanceStatus']
  if (status === undefined) return { ok: true, value: 'unknown' }
  const field = `${event.at}attendanceStatus`
  if (typeof status !== 'string' || !Object.hasOwn(ATTENDANCE_DIRECTIONS, status)) {
    return fail('malformed_payload', `${is(field, status)}; expected one of ${Object.keys(ATTENDANCE_DIRECTIONS).join(', ')}`)
  }
  return { ok: true, value: ATTENDANCE_DIRECTIONS[status]! }
}

/** ISO 8601 as ISAPI writes it: seconds required, an offset (or Z) optional, up to 9 fraction digits. */
const ISAPI_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))?$/

/**
 * The event time. With an offset it names its instant; without one it is the
 * device's wall time, read in the project's zone (a device set to another zone
 * than its project's is a misconfiguration the clock-drift check shows).
 */
function readTime(event: Event, timeZone: string): Read<number> {
  const text = event.time
  const field = event.timeField
  if (typeof text !== 'string') return fail('malformed_payload', `${is(field, text)}; expected a time such as "2026-11-03T07:31:12+08:00"`)
  const m = ISAPI_TIME.exec(text)
  if (!m) return fail('invalid_device_time', `${field} is ${quote(text)}; expected a time such as "2026-11-03T07:31:12+08:00"`)
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  if (year < DEVICE_YEAR_MIN) return fail('invalid_device_time', `${field} is ${quote(text)}; the device clock is not set`)
  const real = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59
  if (!real) return fail('invalid_device_time', `${field} is ${quote(text)}, which is not a real date and time`)
  const fractionMs = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'))
  if (m[8] === undefined) {
    if (!isTimeZone(timeZone)) return fail('invalid_device_time', `the device's project time zone ${quote(timeZone)} is not an IANA zone`)
    return { ok: true, value: zonedToUtcMs({ year, month, day, hour, minute, second }, timeZone) + fractionMs }
  }
  const offsetHours = Number(m[10] ?? 0)
  const offsetMinutes = Number(m[11] ?? 0)
  if (offsetHours > 23 || offsetMinutes > 59) return fail('invalid_device_time', `${field} is ${quote(text)}; its offset is not real`)
  const sign = m[9] === '-' ? -1 : 1
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second, fractionMs)
  return { ok: true, value: wallMs - sign * (offsetHours * 60 + offsetMinutes) * 60_000 }
}

function decode(payload: Buffer, device: DeviceContext): DecodeResult {
  const read = readJsonObject(payload)
  if (!read.ok) return read
  const event = readEvent(read.value)
  if (!event.ok) return event
  const verifyMethod = readVerification(event.value)
  if (!verifyMethod.ok) return verifyMethod

  const settings = readSettings(device.settings)
  const recordId = readSerialNo(event.value)
  if (!recordId.ok) return recordId
  const person = readPerson(event.value)
  if (!person.ok) return person
  const direction = readDirection(event.value, settings)
  if (!direction.ok) return direction
  const deviceTimeMs = readTime(event.value, device.timeZone)
  if (!deviceTimeMs.ok) return deviceTimeMs

  return {
    ok: true,
    punch: {
      deviceSerial: device.serial,
      recordId: recordId.value,
      person: person.value,
      deviceTimeMs: deviceTimeMs.value,
      direction: direction.value,
      verifyMethod: verifyMethod.value,
      channel: settings.channel,
    },
  }
}

// ---------------------------------------------------------------------------
// Redaction
// ---------------------------------------------------------------------------

/**
 * Fields a refused frame is kept without: links to and bytes of snapshots and
 * enrolled faces (face data stays on the device), and body temperature (health
 * data the service has no purpose for).
 */
const REDACTED_FIELDS: ReadonlySet<string> = new Set([
  'pictureURL',
  'picturesNumber',
  'picData',
  'faceURL',
  'FaceRect',
  'visibleLightURL',
  'thermalURL',
  'currTemperature',
  'isAbnomalTemperature',
  'thermometryUnit',
])
/** Any text this long made only of base64 characters is taken for an embedded picture. */
const BASE64_RUN = /^[A-Za-z0-9+/=\r\n]{256,}$/
const REMOVED = '[removed]'

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue)
  if (isJsonObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, REDACTED_FIELDS.has(k) ? REMOVED : redactValue(v)]))
  }
  if (typeof value === 'string' && BASE64_RUN.test(value)) return REMOVED
  return value
}

/** Where a picture could begin in bytes that are not JSON: a JPEG's first bytes, or their base64. */
const PICTURE_MARKERS: readonly Buffer[] = [Buffer.from([0xff, 0xd8, 0xff]), Buffer.from('/9j/')]
/** ...or the header of an image part, in any case (header names are case-insensitive). */
const IMAGE_PART_HEADER = /content-type:[ \t]*image\//i

function pictureStart(payload: Buffer): number | undefined {
  const at = PICTURE_MARKERS.map((marker) => payload.indexOf(marker)).filter((i) => i >= 0)
  // latin1 maps each byte to one character, so an index in the text is an index in the bytes.
  const header = IMAGE_PART_HEADER.exec(payload.toString('latin1'))
  if (header) at.push(header.index)
  return at.length === 0 ? undefined : Math.min(...at)
}

/**
 * A refused frame is kept for inspection, but never with a face picture or a
 * temperature. A frame that is not JSON (or a whole body the split refused) is
 * kept only up to where a picture could begin.
 */
function redact(payload: Buffer): Buffer {
  try {
    const value: unknown = JSON.parse(redactionText(payload))
    return Buffer.from(JSON.stringify(redactValue(value)))
  } catch {
    const at = pictureStart(payload)
    return at === undefined ? payload : Buffer.concat([payload.subarray(0, at), Buffer.from('…[cut before a picture]')])
  }
}

/**
 * `channel` is the default: a site's Hikvision turnstiles are registered with
 * settings `{"channel": "gate"}`, and the punch carries the channel of the settings.
 */
export const hikvisionIsapi: DeviceCodec = { model: MODEL, channel: 'face_terminal', decode, checkSettings, redact }
