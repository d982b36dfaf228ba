/**
 * dahua-access: Dahua access-control devices (门禁一体机 face terminals, 门禁控制器
 * controllers with turnstiles) streaming their events over
 * `GET /cgi-bin/eventManager.cgi?action=attach&codes=[AccessControl]&heartbeat=5`.
 * split.ts cuts the endless multipart answer into parts; one frame here is ONE
 * part's body, as the device wrote it:
 *
 *   Code=AccessControl;action=Pulse;index=0;data={
 *      "CardNo" : "", "UserID" : "1001", "Name" : "张伟", "Method" : 15, "Status" : 1,
 *      "ErrorCode" : 0, "Type" : "Entry", "RecNo" : 1234, "ReaderID" : "1", "Door" : 0,
 *      "UTC" : 1793665872, "LocaleTime" : "2026-11-03 07:31:12" }
 *
 * Only a person's opening that succeeded is a punch: Code AccessControl, action
 * Pulse, Status 1 (and ErrorCode 0 when present), by a Method in which a person
 * verified (VERIFY_METHODS). Heartbeats, other codes (DoorStatus, BreakIn,
 * AlarmLocal, …), failed openings and openings nobody verified (remote, exit
 * button, key) are refused as not_a_punch, with the code and the reason in the
 * detail so the client can count them by kind.
 *
 * Person: UserID, the user id the person is enrolled under on the device. A
 * success with only a CardNo (a card not bound to a user) is a stranger's punch,
 * which admission refuses as unknown_worker: a card number is never taken for a
 * person (the same rule as hikvision-isapi; cards are lent and lost).
 *
 * Record id: RecNo, the number of the device's access record (门禁出入记录), the
 * same number the device's record search (recordFinder AccessControlCardRec)
 * gives: an event seen live and again in a backfill is stored once.
 *
 * Time: see readEventTime.
 *
 * Unknown properties are tolerated, as for hikvision-isapi: a vendor protocol that
 * adds fields with firmware (Similarity, CardType, UserType, …); the fields read are
 * checked strictly, nothing else enters the punch.
 *
 * Failures, in order of precedence: not an event part (malformed_payload); a
 * heartbeat, another code or action (not_a_punch); data neither UTF-8 nor GBK, or
 * not a JSON object (malformed_payload); Status and ErrorCode, then Method (malformed_payload when
 * unreadable, not_a_punch when not a person's success); RecNo, the person and
 * Type (malformed_payload); then the time (malformed_payload when absent or of the
 * wrong type, invalid_device_time when it names no real instant). Dahua events
 * carry no serial, so device_serial_mismatch does not arise: the client knows the
 * device it attached to.
 */
import iconv from 'iconv-lite'
import type { DeviceCodec, DeviceContext, DecodeResult } from '../codec.ts'
import type { Channel, Direction, PersonRef, VerifyMethod } from '../../src/punches/canonical.ts'
import { daysInMonth, isTimeZone, zonedToUtcMs } from '../../src/kernel/time.ts'
import { DEVICE_YEAR_MAX, DEVICE_YEAR_MIN, fail, is, quote, readDeviceConnect, readDeviceUserId, readJsonObject, utf8Text, type DeviceConnect, type JsonObject, type Read } from '../frame.ts'
import { parseEventPart } from './split.ts'

export const MODEL = 'dahua-access'

const ACCESS_CODE = 'AccessControl'
const PULSE = 'Pulse'

// ---------------------------------------------------------------------------
// Method (开门方式)
// ---------------------------------------------------------------------------

/** How a Method number reads: a person verified (and how), or the door opened without one. */
type MethodMeaning = { person: true; method: VerifyMethod; name: string } | { person: false; name: string }

const by = (method: VerifyMethod, name: string): MethodMeaning => ({ person: true, method, name })
const nobody = (name: string): MethodMeaning => ({ person: false, name })

/**
 * `Method` as the CGI event writes it. The numbers are Dahua NetSDK's
 * NET_ACCESS_DOOROPEN_METHOD less one: the SDK adds 0 for "unknown" in front, the
 * HTTP API starts at 0 for password. Captures agree: a face terminal's match writes
 * 15 with a Similarity (SDK 16, face recognition), a card swipe writes 1 (SDK 2,
 * card). Where several factors were required, or the device was set to accept any
 * of several, the method named is the strongest (face, fingerprint, card, QR,
 * password): the event does not say which of "card or face" was used.
 */
export const METHODS: ReadonlyMap<number, MethodMeaning> = new Map([
  [0, by('password', 'password')],
  [1, by('card', 'card')],
  [2, by('card', 'card, then password')],
  [3, by('card', 'password, then card')],
  [4, nobody('remote opening from the platform or an indoor monitor')],
  [5, nobody('exit button')],
  [6, by('fingerprint', 'fingerprint')],
  [7, by('fingerprint', 'password, card and fingerprint')],
  [9, by('fingerprint', 'password and fingerprint')],
  [10, by('fingerprint', 'card and fingerprint')],
  [11, nobody('several people together')],
  [12, nobody('mechanical key')],
  [13, nobody('duress password (an alarm)')],
  [14, by('qr', 'QR code')],
  [15, by('face', 'face')],
  [17, by('face', 'face and ID card compared')],
  [18, by('face', 'ID card, face and ID card compared')],
  [19, nobody('Bluetooth')],
  [20, by('password', 'personal password')],
  [21, by('password', 'user id and password')],
  [22, by('face', 'face and password')],
  [23, by('fingerprint', 'fingerprint and password')],
  [24, by('face', 'fingerprint and face')],
  [25, by('face', 'card and face')],
  [26, by('face', 'face or password')],
  [27, by('fingerprint', 'fingerprint or password')],
  [28, by('face', 'fingerprint or face')],
  [29, by('face', 'card or face')],
  [30, by('fingerprint', 'card or fingerprint')],
  [31, by('face', 'fingerprint, face and password')],
  [32, by('face', 'card, face and password')],
  [33, by('fingerprint', 'card, fingerprint and password')],
  [34, by('face', 'card, password and face')],
  [35, by('face', 'fingerprint, face or password')],
  [36, by('face', 'card, face or password')],
  [37, by('face', 'card, fingerprint or face')],
  [38, by('face', 'card, fingerprint, face and password')],
  [39, by('face', 'card, fingerprint, face or password')],
  [40, by('face', 'ID card and face compared, card or face')],
  [41, by('face', 'face and ID card compared, card or face')],
  [42, nobody('DTMF from an intercom call')],
  [43, nobody('remote QR code')],
  [44, nobody('remote face')],
  [45, by('fingerprint', 'ID card fingerprint compared')],
])

// ---------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------

const SETTING_KEYS = ['channel', 'direction', 'connect'] as const
const CHANNELS: readonly Channel[] = ['face_terminal', 'gate']
/** `unknown` is allowed as a fixed direction: for a site where Type is not to be trusted. */
const FIXED_DIRECTIONS: readonly Direction[] = ['in', 'out', 'unknown']

interface Settings {
  channel: Channel
  direction: Direction | undefined
}

/**
 * Where the service reaches the device to attach to its event stream (src/ingest/dahua-client.ts). The password is
 * not in the settings, which the database keeps and the API shows: `passwordEnv` names the service's environment
 * variable that holds it, read at each connection.
 */
/** Where the service reaches the device: its web address, http or https, without the CGI path (`http://10.0.0.5`). */
export type DahuaConnect = DeviceConnect

/** settings.connect checked, or why it cannot be used. */
export function readConnect(value: unknown): { ok: true; connect: DahuaConnect } | { ok: false; detail: string } {
  const read = readDeviceConnect(value, { extraKeys: [], example: '{ "url": "http://…", "username": "…", "passwordEnv": "WL_…" }', envExample: 'WL_DAHUA_DH01_PASSWORD' })
  return read.ok ? { ok: true, connect: read.connect } : read
}

function checkSettings(settings: Record<string, unknown>): string | undefined {
  const unknown = Object.keys(settings).filter((k) => !(SETTING_KEYS as readonly string[]).includes(k))
  if (unknown.length > 0) return `${MODEL} takes the settings ${SETTING_KEYS.map((k) => `"${k}"`).join(', ')}; got ${unknown.map(quote).join(', ')}`
  const channel = settings['channel']
  if (channel !== undefined && !(CHANNELS as readonly unknown[]).includes(channel)) {
    return `settings.channel is ${quote(channel)}; expected "face_terminal" (the default) or "gate"`
  }
  const direction = settings['direction']
  if (direction !== undefined && !(FIXED_DIRECTIONS as readonly unknown[]).includes(direction)) {
    return `settings.direction is ${quote(direction)}; expected "in", "out" or "unknown" (leave it out to use the event's Type)`
  }
  if (settings['connect'] !== undefined) {
    const connect = readConnect(settings['connect'])
    if (!connect.ok) return connect.detail
  }
  return undefined
}

/** Settings already passed by checkSettings at registration; read defensively all the same. */
function readSettings(settings: Record<string, unknown>): Settings {
  const direction = settings['direction']
  return {
    channel: settings['channel'] === 'gate' ? 'gate' : 'face_terminal',
    direction: (FIXED_DIRECTIONS as readonly unknown[]).includes(direction) ? (direction as Direction) : undefined,
  }
}

// ---------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

/**
 * Status 1 is a success, 0 a failure; ErrorCode, when present, is 0 on a success
 * and the reason otherwise (16 no permission, 32 outside the time period, …).
 * A success with an ErrorCode is contradictory and not counted.
 */
function readSuccess(data: JsonObject): Read<true> {
  const status = data['Status']
  const errorCode = data['ErrorCode']
  if (status !== 0 && status !== 1) return fail('malformed_payload', `${is('data.Status', status)}; expected 1 (opened) or 0 (refused)`)
  if (errorCode !== undefined && !isCount(errorCode)) return fail('malformed_payload', `${is('data.ErrorCode', errorCode)}; expected a whole number`)
  const code = errorCode === undefined ? '' : `, ErrorCode ${errorCode} (0x${errorCode.toString(16)})`
  if (status === 0) return fail('not_a_punch', `access refused: Status 0${code}; nobody passed`)
  if (errorCode !== undefined && errorCode !== 0) return fail('not_a_punch', `Status 1 with ErrorCode ${errorCode} (0x${errorCode.toString(16)}): not counted as an opening`)
  return { ok: true, value: true }
}

function readMethod(data: JsonObject): Read<VerifyMethod> {
  const method = data['Method']
  if (!isCount(method)) return fail('malformed_payload', `${is('data.Method', method)}; expected a whole number`)
  const meaning = METHODS.get(method)
  if (meaning === undefined) return fail('malformed_payload', `data.Method ${method} is not an opening method this codec knows`)
  if (!meaning.person) return fail('not_a_punch', `opened by Method ${method} (${meaning.name}): no person verified`)
  return { ok: true, value: meaning.method }
}

function readRecNo(data: JsonObject): Read<string> {
  const recNo = data['RecNo']
  if (!isCount(recNo)) return fail('malformed_payload', `${is('data.RecNo', recNo)}; expected the record number, a whole number`)
  return { ok: true, value: String(recNo) }
}

/** UserID, or a stranger when there is none (an empty UserID is how firmware writes "no user"). */
function readPerson(data: JsonObject): Read<PersonRef> {
  const userId = data['UserID']
  if (userId === undefined || userId === '') return { ok: true, value: { kind: 'stranger' } }
  const id = readDeviceUserId(userId, 'data.UserID')
  return id.ok ? { ok: true, value: { kind: 'device_user', value: id.value } } : id
}

const TYPE_DIRECTIONS: Readonly<Record<string, Direction>> = { Entry: 'in', Exit: 'out' }

/** A fixed direction from the settings, else Type (Entry in, Exit out), else unknown. */
function readDirection(data: JsonObject, settings: Settings): Read<Direction> {
  if (settings.direction !== undefined) return { ok: true, value: settings.direction }
  const type = data['Type']
  if (type === undefined) return { ok: true, value: 'unknown' }
  if (typeof type !== 'string' || !Object.hasOwn(TYPE_DIRECTIONS, type)) return fail('malformed_payload', `${is('data.Type', type)}; expected "Entry" or "Exit"`)
  return { ok: true, value: TYPE_DIRECTIONS[type]! }
}

// ---------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------

/** LocaleTime as the device writes it: wall time, no zone. */
const LOCALE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/
/**
 * How far UTC and LocaleTime may differ and still be the same reading. They are
 * written from one clock reading, but UTC may carry a fraction (1624088218.0 in
 * rroller/dahua's examples) that LocaleTime rounds or cuts.
 */
export const TIME_AGREEMENT_MS = 2_000
const UTC_SECONDS_MAX = Date.UTC(DEVICE_YEAR_MAX, 11, 31, 23, 59, 59) / 1000

/** Which field gave the instant, for the detail of a drift check and for the README's rule. */
export type TimeSource =
  /** RealUTC: Dahua's own standard-UTC field, where firmware writes one. */
  | 'real_utc'
  /** UTC, agreeing with LocaleTime read in the project's zone, or without a LocaleTime. */
  | 'utc'
  /** LocaleTime read in the project's zone, because UTC held that wall time as if it were UTC. */
  | 'locale_time_wall_utc'
  /** UTC disagreeing with LocaleTime by something other than the zone's offset: UTC is the instant. */
  | 'utc_over_locale_time'
  /** LocaleTime alone, read in the project's zone. */
  | 'locale_time'

export interface EventTime {
  instantMs: number
  source: TimeSource
  /** Each field as read: seconds since the epoch as milliseconds, LocaleTime as an instant in the project's zone. */
  utcMs: number | undefined
  localeTimeMs: number | undefined
}

function readEpochSeconds(value: unknown, field: string): Read<number | undefined> {
  if (value === undefined) return { ok: true, value: undefined }
  if (typeof value !== 'number' || !Number.isFinite(value)) return fail('malformed_payload', `${is(field, value)}; expected seconds since 1970`)
  if (value <= 0) return fail('invalid_device_time', `${field} is ${value}; the device clock is not set`)
  if (value > UTC_SECONDS_MAX) return fail('invalid_device_time', `${field} is ${value}, after the year ${DEVICE_YEAR_MAX} (milliseconds sent as seconds?)`)
  return { ok: true, value: Math.round(value * 1000) }
}

/** LocaleTime's wall fields, or why it is not a real date and time. */
function readLocaleWall(value: unknown): Read<{ wall: Parameters<typeof zonedToUtcMs>[0]; asUtcMs: number } | undefined> {
  if (value === undefined) return { ok: true, value: undefined }
  if (typeof value !== 'string') return fail('malformed_payload', `${is('data.LocaleTime', value)}; expected a time such as "2026-11-03 07:31:12"`)
  const m = LOCALE_TIME.exec(value)
  if (!m) return fail('invalid_device_time', `data.LocaleTime is ${quote(value)}; expected a time such as "2026-11-03 07:31:12"`)
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  if (year < DEVICE_YEAR_MIN) return fail('invalid_device_time', `data.LocaleTime is ${quote(value)}; the device clock is not set`)
  const real = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59
  if (!real) return fail('invalid_device_time', `data.LocaleTime is ${quote(value)}, which is not a real date and time`)
  const wall = { year, month, day, hour, minute, second }
  return { ok: true, value: { wall, asUtcMs: Date.UTC(year, month - 1, day, hour, minute, second) } }
}

/**
 * The event's instant. The rule (devices/README.md, dahua-access, "Time"):
 *
 * 1. `RealUTC`, when present, is the instant: Dahua added it to its SDK events
 *    because "UTC" is used differently between product lines, and tells
 *    platforms to take RealUTC first.
 * 2. With `UTC` and `LocaleTime` both present, LocaleTime is read as wall time in
 *    the project's zone and compared with UTC:
 *    - within TIME_AGREEMENT_MS: they agree, and UTC is the instant;
 *    - UTC equal (within TIME_AGREEMENT_MS) to LocaleTime's wall time taken as if
 *      it were UTC: the firmware wrote local wall seconds into UTC, so LocaleTime in
 *      the zone is the instant;
 *    - otherwise UTC is the instant: a device whose own zone differs from the
 *      project's writes a LocaleTime that is right for its zone, not ours, and
 *      UTC does not depend on any zone. The clock-drift check shows such a device.
 *    When the project's zone is UTC the two readings coincide, and so do the cases.
 * 3. `UTC` alone is the instant; `LocaleTime` alone is read in the project's zone.
 * 4. Neither is malformed_payload. A UTC of 0 or less, a LocaleTime before 1970
 *    or not a real date, is invalid_device_time, even when the other field is good:
 *    a device that writes one impossible reading has a clock not to be trusted.
 */
export function readEventTime(data: JsonObject, timeZone: string): Read<EventTime> {
  const realUtc = readEpochSeconds(data['RealUTC'], 'data.RealUTC')
  if (!realUtc.ok) return realUtc
  const utc = readEpochSeconds(data['UTC'], 'data.UTC')
  if (!utc.ok) return utc
  const locale = readLocaleWall(data['LocaleTime'])
  if (!locale.ok) return locale
  if (realUtc.value === undefined && utc.value === undefined && locale.value === undefined) {
    return fail('malformed_payload', 'data has neither UTC nor LocaleTime')
  }
  let localeTimeMs: number | undefined
  if (locale.value !== undefined) {
    if (!isTimeZone(timeZone)) return fail('invalid_device_time', `the device's project time zone ${quote(timeZone)} is not an IANA zone`)
    localeTimeMs = zonedToUtcMs(locale.value.wall, timeZone)
  }
  const times = { utcMs: utc.value, localeTimeMs }
  if (realUtc.value !== undefined) return { ok: true, value: { instantMs: realUtc.value, source: 'real_utc', ...times } }
  if (utc.value === undefined) return { ok: true, value: { instantMs: localeTimeMs!, source: 'locale_time', ...times } }
  if (locale.value === undefined || localeTimeMs === undefined) return { ok: true, value: { instantMs: utc.value, source: 'utc', ...times } }
  if (Math.abs(utc.value - localeTimeMs) <= TIME_AGREEMENT_MS) return { ok: true, value: { instantMs: utc.value, source: 'utc', ...times } }
  if (Math.abs(utc.value - locale.value.asUtcMs) <= TIME_AGREEMENT_MS) {
    return { ok: true, value: { instantMs: localeTimeMs, source: 'locale_time_wall_utc', ...times } }
  }
  return { ok: true, value: { instantMs: utc.value, source: 'utc_over_locale_time', ...times } }
}

// ---------------------------------------------------------------------------
// Decode
// ---------------------------------------------------------------------------

/**
 * The data's text: UTF-8 when its bytes are UTF-8, else GBK, read as GB18030 (its superset, so a rare character written
 * in four bytes reads too). A Chinese-market firmware may write `CardName` in its code page; every field read is ASCII,
 * the same in both, and `CardName` is read past, so a name that happens to be valid UTF-8 in GBK bytes harms nothing.
 * Undefined when the bytes are neither: iconv-lite writes U+FFFD for what is no GB18030 character.
 */
function dataText(bytes: Buffer): string | undefined {
  const utf8 = utf8Text(bytes)
  if (utf8 !== undefined) return utf8
  const gbk = iconv.decode(bytes, 'gb18030')
  return gbk.includes('\uFFFD') ? undefined : gbk
}

/** The event's data object, or why this part carries no access event. */
export function readAccessEvent(payload: Buffer): Read<JsonObject> {
  const part = parseEventPart(payload)
  if (!part.ok) return part
  if (part.kind === 'heartbeat') return fail('not_a_punch', 'Heartbeat: the stream is alive, no event')
  const where = `Code ${quote(part.code)}${part.index === undefined ? '' : ` index ${part.index}`}`
  if (part.code !== ACCESS_CODE) return fail('not_a_punch', `${where} is not an access-control event; only "${ACCESS_CODE}" can be a punch`)
  if (part.action !== PULSE) return fail('not_a_punch', `${where} action ${quote(part.action)}: access events are "${PULSE}"`)
  if (part.data === undefined) return fail('malformed_payload', `${where} has no data=`)
  const text = dataText(part.data)
  if (text === undefined) return fail('malformed_payload', `${where} data is neither UTF-8 nor GBK`)
  const data = readJsonObject(Buffer.from(text, 'utf8'))
  if (!data.ok) return fail('malformed_payload', data.detail.replace(/^payload/, 'data'))
  return data
}

function decode(payload: Buffer, device: DeviceContext): DecodeResult {
  const data = readAccessEvent(payload)
  if (!data.ok) return data
  const success = readSuccess(data.value)
  if (!success.ok) return success
  const verifyMethod = readMethod(data.value)
  if (!verifyMethod.ok) return verifyMethod

  const settings = readSettings(device.settings)
  const recordId = readRecNo(data.value)
  if (!recordId.ok) return recordId
  const person = readPerson(data.value)
  if (!person.ok) return person
  const direction = readDirection(data.value, settings)
  if (!direction.ok) return direction
  const time = readEventTime(data.value, device.timeZone)
  if (!time.ok) return time

  return {
    ok: true,
    punch: {
      deviceSerial: device.serial,
      recordId: recordId.value,
      person: person.value,
      deviceTimeMs: time.value.instantMs,
      direction: direction.value,
      verifyMethod: verifyMethod.value,
      channel: settings.channel,
    },
  }
}

/**
 * `channel` is the default: a site's Dahua turnstiles are registered with
 * settings `{"channel": "gate"}`. Nothing of a face travels in an eventManager
 * AccessControl part (snapshots come by another API), so refused frames are kept
 * as they came, without a redact.
 */
export const dahuaAccess: DeviceCodec = { model: MODEL, channel: 'face_terminal', decode, checkSettings }
