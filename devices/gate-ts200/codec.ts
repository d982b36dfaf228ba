/**
 * gate-ts200: a turnstile gate (闸机) with one reader per lane (通道). Each
 * frame is one passage; the device says which lane, and the lane's
 * registered direction says in (进) or out (出).
 *
 *   {"sn":"GT-0001","seq":10233,"lane":1,"idNo":"330106199001011234","ts":1730419200,"mode":"card"}
 *
 * Failures, in order of precedence: the frame's shape (malformed_payload),
 * the serial (device_serial_mismatch), each field in turn (malformed_payload),
 * then the time (invalid_device_time).
 */
import type { DeviceCodec, DeviceContext, DecodeResult } from '../codec.ts'
import type { Direction, PersonRef, VerifyMethod } from '../../src/punches/canonical.ts'
import {
  checkSerial,
  DEVICE_YEAR_MAX,
  fail,
  is,
  isJsonObject,
  quote,
  readDeviceUserId,
  readEnum,
  readIdNumber,
  readJsonObject,
  refuseUnknown,
  type Read,
} from '../frame.ts'

export const MODEL = 'gate-ts200'

const FIELDS = ['sn', 'seq', 'lane', 'idNo', 'userId', 'ts', 'mode'] as const
const MODES = ['card', 'face', 'qr', 'fingerprint'] as const satisfies readonly VerifyMethod[]
const LANE_KEY = /^[1-9]\d*$/

type LaneDirections = ReadonlyMap<number, 'in' | 'out'>

/**
 * The `lanes` setting, or undefined when the device has none (odd lanes in,
 * even lanes out: how the vendor wires a two-lane gate out of the box).
 */
/** readLanes once per settings object: the service passes the same object with every frame of a device. */
const lanesBySettings = new WeakMap<Record<string, unknown>, Read<LaneDirections | undefined>>()
function lanesOf(settings: Record<string, unknown>): Read<LaneDirections | undefined> {
  let lanes = lanesBySettings.get(settings)
  if (!lanes) lanesBySettings.set(settings, (lanes = readLanes(settings)))
  return lanes
}

function readLanes(settings: Record<string, unknown>): Read<LaneDirections | undefined> {
  const extra = refuseUnknown(settings, ['lanes'], 'settings')
  if (extra) return extra
  if (!Object.hasOwn(settings, 'lanes')) return { ok: true, value: undefined }
  const lanes = settings['lanes']
  if (!isJsonObject(lanes)) return fail('malformed_payload', 'settings.lanes must be an object such as {"1": "in", "2": "out"}')
  const map = new Map<number, 'in' | 'out'>()
  for (const [key, direction] of Object.entries(lanes)) {
    if (!LANE_KEY.test(key) || !Number.isSafeInteger(Number(key))) {
      return fail('malformed_payload', `settings.lanes key ${quote(key)} is not a lane number (1, 2, ...)`)
    }
    if (direction !== 'in' && direction !== 'out') {
      return fail('malformed_payload', `settings.lanes["${key}"] is ${quote(direction)}; expected "in" or "out"`)
    }
    map.set(Number(key), direction)
  }
  if (map.size === 0) return fail('malformed_payload', 'settings.lanes names no lane')
  return { ok: true, value: map }
}

function directionOf(lane: number, lanes: LaneDirections | undefined): Read<Direction> {
  if (lanes === undefined) return { ok: true, value: lane % 2 === 1 ? 'in' : 'out' }
  const direction = lanes.get(lane)
  if (direction === undefined) return fail('malformed_payload', `lane ${lane} has no direction in the device's settings.lanes`)
  return { ok: true, value: direction }
}

function readPositiveInteger(value: unknown, field: string): Read<number> {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    return fail('malformed_payload', `${is(field, value)}; expected a positive integer`)
  }
  return { ok: true, value }
}

function readPerson(frame: Record<string, unknown>): Read<PersonRef> {
  const hasIdNo = Object.hasOwn(frame, 'idNo')
  const hasUserId = Object.hasOwn(frame, 'userId')
  if (hasIdNo === hasUserId) return fail('malformed_payload', 'frame must carry exactly one of idNo and userId')
  if (hasIdNo) {
    const idNo = readIdNumber(frame['idNo'], 'idNo')
    return idNo.ok ? { ok: true, value: { kind: 'id_number', value: idNo.value } } : idNo
  }
  const userId = readDeviceUserId(frame['userId'], 'userId')
  return userId.ok ? { ok: true, value: { kind: 'device_user', value: userId.value } } : userId
}

/** 9999-12-31T23:59:59Z, the last second of DEVICE_YEAR_MAX. */
const UNIX_SECONDS_MAX = Date.UTC(DEVICE_YEAR_MAX, 11, 31, 23, 59, 59) / 1000

/** Unix seconds, UTC. Whole seconds only: a fraction means the field is not what this model sends. */
function readUnixSeconds(value: unknown): Read<number> {
  if (typeof value !== 'number') return fail('malformed_payload', `${is('ts', value)}; expected Unix seconds as a number`)
  if (value > UNIX_SECONDS_MAX) return fail('invalid_device_time', `ts is ${quote(value)}, after the year ${DEVICE_YEAR_MAX}; expected seconds, not milliseconds`)
  if (!Number.isInteger(value) || value < 0) return fail('invalid_device_time', `ts is ${quote(value)}; expected whole Unix seconds from 0`)
  return { ok: true, value: value * 1000 }
}

function decode(payload: Buffer, device: DeviceContext): DecodeResult {
  const read = readJsonObject(payload)
  if (!read.ok) return read
  const frame = read.value

  const extra = refuseUnknown(frame, FIELDS, 'frame')
  if (extra) return extra
  const serialFailure = checkSerial(frame['sn'], 'sn', device.serial)
  if (serialFailure) return serialFailure

  const seq = readPositiveInteger(frame['seq'], 'seq')
  if (!seq.ok) return seq
  const lane = readPositiveInteger(frame['lane'], 'lane')
  if (!lane.ok) return lane
  const lanes = lanesOf(device.settings)
  if (!lanes.ok) return fail('malformed_payload', `the device's settings are unusable: ${lanes.detail}`)
  const direction = directionOf(lane.value, lanes.value)
  if (!direction.ok) return direction
  const mode = readEnum(frame['mode'], MODES, 'mode')
  if (!mode.ok) return mode
  const person = readPerson(frame)
  if (!person.ok) return person
  const deviceTimeMs = readUnixSeconds(frame['ts'])
  if (!deviceTimeMs.ok) return deviceTimeMs

  return {
    ok: true,
    punch: {
      deviceSerial: device.serial,
      recordId: String(seq.value),
      person: person.value,
      deviceTimeMs: deviceTimeMs.value,
      direction: direction.value,
      verifyMethod: mode.value,
      channel: 'gate',
    },
  }
}

function checkSettings(settings: Record<string, unknown>): string | undefined {
  const lanes = readLanes(settings)
  return lanes.ok ? undefined : lanes.detail
}

export const gateTs200: DeviceCodec = { model: MODEL, channel: 'gate', decode, checkSettings }
