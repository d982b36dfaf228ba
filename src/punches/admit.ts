/**
 * Admission: whether a device's frame becomes a raw punch (原始考勤记录), or is
 * refused with a reason. No I/O of its own: every lookup is passed in (and
 * awaited, as the roster lives in the database), so the rules are tested
 * without a database and the ingest adapter only does I/O.
 */
import type { DeviceCodec } from '../../devices/codec.ts'
import type { DecodeFailure } from '../../devices/codec.ts'
import { LIMITS } from '../config/limits.ts'
import { workDateOf } from '../kernel/time.ts'
import { maskText } from '../access/masking.ts'
import { maskIdNumber } from '../roster/identity.ts'
import type { ClockSuspect } from '../timesheets/rules.ts'
import type { CanonicalPunch, PersonRef } from './canonical.ts'

/** Every reason a frame is refused. Ordered by precedence: the first that applies is the one reported. */
export type RejectReason =
  | 'payload_too_large'
  | 'unknown_topic'
  | 'unknown_device'
  | 'topic_client_mismatch'
  | DecodeFailure
  | 'unknown_worker'
  | 'worker_not_enrolled'
  | 'device_time_too_old'
  | 'record_id_conflict'
  /** The frame made the service fail (a bug, not the database): kept for inspection and acknowledged, so a broker does not redeliver it forever. */
  | 'ingest_failed'
  /** An MQTT packet over the broker's limit: the connection is closed before the body is read; its first bytes are kept. */
  | 'packet_too_large'
  /** The embedded broker refused a publish outside the device's own punch topic, QoS 1, not retained; the connection was closed and the payload's first bytes are kept. */
  | 'publish_not_allowed'

/** Punch topics: wl/v1/{siteCode}/{deviceSerial}/punch. No code or serial has a control character (nor can a NUL be looked up on PostgreSQL). */
// eslint-disable-next-line no-control-regex -- control characters are what the segments exclude
const PUNCH_TOPIC = /^wl\/v1\/([^/#+\u0000-\u001f\u007f]{1,64})\/([^/#+\u0000-\u001f\u007f]{1,64})\/punch$/

export function parsePunchTopic(topic: string): { siteCode: string; deviceSerial: string } | undefined {
  const m = PUNCH_TOPIC.exec(topic)
  return m ? { siteCode: m[1] as string, deviceSerial: m[2] as string } : undefined
}

/** The site code of any topic under wl/v1/, a punch topic or not: a refusal is filed under the project the topic names. */
// eslint-disable-next-line no-control-regex -- as in PUNCH_TOPIC
const SITE_OF_TOPIC = /^wl\/v1\/([^/#+\u0000-\u001f\u007f]{1,64})(?:\/|$)/

export function siteCodeOfTopic(topic: string): string | undefined {
  return SITE_OF_TOPIC.exec(topic)?.[1]
}

export const punchTopic = (siteCode: string, deviceSerial: string): string => `wl/v1/${siteCode}/${deviceSerial}/punch`
export const ackTopic = (siteCode: string, deviceSerial: string): string => `wl/v1/${siteCode}/${deviceSerial}/ack`
/** Where the service asks a device for something (a backfill, devices/README.md): the device subscribes, the service publishes. */
export const commandTopic = (siteCode: string, deviceSerial: string): string => `wl/v1/${siteCode}/${deviceSerial}/command`

export interface KnownDevice {
  id: string
  serial: string
  projectId: string
  siteCode: string
  timeZone: string
  settings: Record<string, unknown>
  codec: DeviceCodec
  /** A device clock reading before this is not believed. */
  installedAtMs: number
  /** The project's margin: a reading further ahead of our receipt is not believed. */
  clockAheadMs: number
}

export interface KnownEnrolment {
  workerId: string
  enrolmentId: string
}

export interface Frame {
  topic: string
  payload: Buffer
  /** The MQTT client id that published, where the transport tells us (embedded broker). */
  clientId: string | undefined
  receivedAtMs: number
}

export interface Lookups {
  device(serial: string): Promise<KnownDevice | undefined>
  /** The project of a site code, so refusals from unregistered devices are filed under the site they claim. */
  projectIdOfSite(siteCode: string): Promise<string | undefined>
  /** The enrolment on the project of the person the device names; 'not_enrolled' when the person is a registered worker of no enrolment here. */
  person(projectId: string, person: PersonRef): Promise<KnownEnrolment | 'unknown' | 'not_enrolled'>
}

/** A punch ready to append. */
export interface PunchRecord {
  projectId: string
  deviceId: string
  recordId: string
  workerId: string
  enrolmentId: string
  deviceTimeMs: number
  receivedAtMs: number
  workDate: string
  direction: CanonicalPunch['direction']
  verifyMethod: CanonicalPunch['verifyMethod']
  channel: CanonicalPunch['channel']
  clockSuspect: ClockSuspect | null
}

export type Admission =
  | { ok: true; punch: PunchRecord; device: KnownDevice }
  | {
      ok: false
      reason: RejectReason
      detail: string
      projectId: string | undefined
      deviceSerial: string | undefined
      recordId: string | undefined
      /** Set when the device is known, so the device can be told its record was refused. */
      device: KnownDevice | undefined
    }

export async function admit(frame: Frame, lookups: Lookups): Promise<Admission> {
  const refuse = (
    reason: RejectReason,
    detail: string,
    extra: { device?: KnownDevice; deviceSerial?: string; recordId?: string; projectId?: string } = {},
  ): Admission => ({
    ok: false,
    reason,
    // Details quote what the frame said (a topic, a serial, a field's value): whoever reads refusals must not see an
    // ID number in them, and the frame itself is kept whole for a reveal.
    detail: maskText(detail),
    projectId: extra.device?.projectId ?? extra.projectId,
    deviceSerial: extra.deviceSerial ?? extra.device?.serial,
    recordId: extra.recordId,
    device: extra.device,
  })

  const topic = parsePunchTopic(frame.topic)
  // Whatever is wrong with a frame, its project's people are the ones who can act on it: file it under the project
  // of the site code the topic names, when that site is registered, so a project's listing and month counts see it.
  const siteCode = topic?.siteCode ?? siteCodeOfTopic(frame.topic)
  const claimedProjectId = async (): Promise<string | undefined> => (siteCode === undefined ? undefined : lookups.projectIdOfSite(siteCode))

  if (frame.payload.length > LIMITS.punch_payload_bytes_max) {
    const detail = `payload is ${frame.payload.length} bytes; a punch frame may be at most ${LIMITS.punch_payload_bytes_max}`
    const known = topic ? await lookups.device(topic.deviceSerial) : undefined
    // The registered device of this very site: its codec cuts a face photo out before the frame is kept.
    if (known && topic && known.siteCode === topic.siteCode) return refuse('payload_too_large', detail, { device: known })
    return refuse('payload_too_large', detail, { deviceSerial: topic?.deviceSerial, projectId: await claimedProjectId() })
  }
  if (!topic) {
    return refuse('unknown_topic', `"${frame.topic}" is not a punch topic; devices publish on wl/v1/{siteCode}/{deviceSerial}/punch`, { projectId: await claimedProjectId() })
  }

  const device = await lookups.device(topic.deviceSerial)
  if (!device) {
    return refuse('unknown_device', `no device with serial "${topic.deviceSerial}" is registered; register it on its project first`, {
      deviceSerial: topic.deviceSerial,
      projectId: await claimedProjectId(),
    })
  }
  if (device.siteCode !== topic.siteCode) {
    return refuse('unknown_device', `device "${device.serial}" is registered on site "${device.siteCode}", not "${topic.siteCode}"`, { device })
  }
  if (frame.clientId !== undefined && frame.clientId !== device.serial) {
    return refuse('topic_client_mismatch', `client "${frame.clientId}" published on the topic of device "${device.serial}"; each device publishes only on its own topic`, { device })
  }

  const decoded = device.codec.decode(frame.payload, { serial: device.serial, timeZone: device.timeZone, settings: device.settings })
  if (!decoded.ok) return refuse(decoded.reason, decoded.detail, { device })
  const punch = decoded.punch
  const recordId = punch.recordId

  const person = await lookups.person(device.projectId, punch.person)
  if (person === 'unknown') {
    // The ID number is masked: this text is shown to whoever reads the refusals.
    const who =
      punch.person.kind === 'stranger'
        ? 'an unrecognised face (stranger)'
        : punch.person.kind === 'id_number'
          ? `ID number ${maskIdNumber(punch.person.value)}`
          : `device user "${punch.person.value}"`
    return refuse('unknown_worker', `${who} is not a registered worker`, { device, recordId })
  }
  if (person === 'not_enrolled') {
    return refuse('worker_not_enrolled', 'the worker is registered but not enrolled on this project; enrol them before their attendance counts', { device, recordId })
  }

  // A clock that is not believed does not make the punch lost: it is kept, marked, and left out of the
  // timesheet until a labour manager accepts it (the worker may well have been there).
  const aheadMs = punch.deviceTimeMs - frame.receivedAtMs
  const clockSuspect: ClockSuspect | null =
    punch.deviceTimeMs < device.installedAtMs ? 'before_install' : aheadMs > device.clockAheadMs ? 'ahead_of_receipt' : null
  if (clockSuspect === null && -aheadMs > LIMITS.device_time_behind_ms_max) {
    return refuse('device_time_too_old', `device time is ${Math.round(-aheadMs / 86_400_000)} days behind the service clock; check the device clock`, { device, recordId })
  }

  return {
    ok: true,
    device,
    punch: {
      projectId: device.projectId,
      deviceId: device.id,
      recordId,
      workerId: person.workerId,
      enrolmentId: person.enrolmentId,
      deviceTimeMs: punch.deviceTimeMs,
      receivedAtMs: frame.receivedAtMs,
      workDate: workDateOf(punch.deviceTimeMs, device.timeZone),
      direction: punch.direction,
      verifyMethod: punch.verifyMethod,
      channel: punch.channel,
      clockSuspect,
    },
  }
}

/**
 * Whether a stored punch and a re-sent one are the same record (a replay) or a conflict. An `unknown` direction on
 * either side claims nothing, so it differs from no direction: a device may read one event twice with and without
 * one (a Hikvision push carries attendanceStatus, its AcsEvent search entry does not). The stored punch is not
 * changed (punches are append-only): the first reading's direction stands.
 */
export function samePunch(a: Pick<PunchRecord, 'workerId' | 'deviceTimeMs' | 'direction'>, b: Pick<PunchRecord, 'workerId' | 'deviceTimeMs' | 'direction'>): boolean {
  const sameDirection = a.direction === b.direction || a.direction === 'unknown' || b.direction === 'unknown'
  return a.workerId === b.workerId && a.deviceTimeMs === b.deviceTimeMs && sameDirection
}
