/** What every decode result must look like, whatever the input. */
import { DIRECTIONS, VERIFY_METHODS, type CanonicalPunch } from '../../../src/punches/canonical.ts'
import type { DecodeResult } from '../../../devices/codec.ts'
import { DECODE_FAILURES } from './samples.ts'

export function problemWithPunch(punch: CanonicalPunch): string | undefined {
  if (typeof punch.deviceSerial !== 'string' || punch.deviceSerial === '') return 'deviceSerial'
  if (typeof punch.recordId !== 'string' || punch.recordId === '' || [...punch.recordId].length > 64) return 'recordId'
  if (!Number.isSafeInteger(punch.deviceTimeMs)) return 'deviceTimeMs'
  if (!DIRECTIONS.includes(punch.direction)) return 'direction'
  if (!VERIFY_METHODS.includes(punch.verifyMethod)) return 'verifyMethod'
  if (!['gate', 'face_terminal'].includes(punch.channel)) return 'channel'
  const p = punch.person
  if (p.kind === 'stranger') return Object.keys(p).length === 1 ? undefined : 'person'
  if (p.kind === 'id_number') return /^\d{17}[\dX]$/.test(p.value) ? undefined : 'person'
  return typeof p.value === 'string' && p.value !== '' ? undefined : 'person'
}

/** A result is either a well-formed punch or a known reason with a detail. */
export function problemWithResult(result: DecodeResult): string | undefined {
  if (result.ok) return problemWithPunch(result.punch)
  if (!DECODE_FAILURES.includes(result.reason)) return `unknown reason ${String(result.reason)}`
  if (typeof result.detail !== 'string' || result.detail === '') return 'empty detail'
  return undefined
}
