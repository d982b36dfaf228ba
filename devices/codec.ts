/**
 * The contract between a device model's codec and the service. A codec is a
 * pure function from the bytes a device published to canonical punches; it
 * knows nothing of MQTT, HTTP or the database.
 */
import type { CanonicalPunch, Channel } from '../src/punches/canonical.ts'

/** What the service knows about the device that published, from the roster. */
export interface DeviceContext {
  serial: string
  /** IANA zone of the device's project, for frames that carry local time without a zone. */
  timeZone: string
  /** The device's registered settings (e.g. which lane is in and which is out). */
  settings: Record<string, unknown>
}

/** Why a frame could not be decoded. Every reason is stored with the raw bytes. */
export type DecodeFailure =
  /** Not JSON, or JSON that is not this model's frame (the detail names the field). */
  | 'malformed_payload'
  /** The frame's time cannot be read as a real instant. */
  | 'invalid_device_time'
  /** The frame names a different device serial than the topic it came on. */
  | 'device_serial_mismatch'
  /** The frame is this model's, but of a kind that carries no punch and should not be sent on the punch topic. */
  | 'not_a_punch'

export type DecodeResult =
  | { ok: true; punch: CanonicalPunch }
  | { ok: false; reason: DecodeFailure; detail: string }

export interface DeviceCodec {
  /** Model name as registered on the device (devices/<model>/). */
  readonly model: string
  readonly channel: Channel
  decode(payload: Buffer, device: DeviceContext): DecodeResult
  /**
   * What of a refused frame may be kept for inspection: the frame minus anything
   * the service must not store (a face photo). Models that send nothing
   * sensitive leave it out and the bytes are kept as they came.
   */
  redact?(payload: Buffer): Buffer
  /** Checks a device's settings when it is registered; returns a reason when they are unusable. */
  checkSettings(settings: Record<string, unknown>): string | undefined
}
