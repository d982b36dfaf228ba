/**
 * The canonical punch (考勤记录): what every device codec turns a vendor frame
 * into. It is the device's claim only; admission (admit.ts) decides whether it
 * becomes attendance. The JSON Schema a vendor reads is devices/punch.schema.json.
 */

/** in / out as the national platform's direction 01 / 02; unknown for single terminals that cannot tell. */
export type Direction = 'in' | 'out' | 'unknown'
export const DIRECTIONS = ['in', 'out', 'unknown'] as const satisfies readonly Direction[]

export type VerifyMethod = 'face' | 'card' | 'fingerprint' | 'qr' | 'password' | 'manual'
export const VERIFY_METHODS = ['face', 'card', 'fingerprint', 'qr', 'password', 'manual'] as const satisfies readonly VerifyMethod[]

/** The attendance channel, as the national platform records it. */
export type Channel = 'gate' | 'face_terminal' | 'manual'

/**
 * Who the device says punched: an ID number read from the ID card (身份证号),
 * the user id the person was enrolled under on the site's devices, or a face
 * the device could not match (a stranger, 陌生人).
 */
export type PersonRef =
  | { kind: 'id_number'; value: string }
  | { kind: 'device_user'; value: string }
  | { kind: 'stranger' }

export interface CanonicalPunch {
  deviceSerial: string
  /** The device's own record id or sequence number: the idempotency key within the device. */
  recordId: string
  person: PersonRef
  /** The device's clock reading, as a UTC instant. */
  deviceTimeMs: number
  direction: Direction
  verifyMethod: VerifyMethod
  channel: Channel
}
