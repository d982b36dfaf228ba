/**
 * The sample frames in devices/<model>/samples, each named
 * `<outcome>.<what-it-shows>.json` where outcome is `ok` or the failure reason
 * the codec must return, and the device each model's samples come from.
 */
import { readdirSync, readFileSync } from 'node:fs'
import type { DecodeFailure, DeviceContext } from '../../../devices/codec.ts'
import { splitAttlog } from '../../../devices/zkteco-adms/split.ts'

export const DEVICES_DIR = new URL('../../../devices/', import.meta.url)

/** Every failure reason a codec may return; the Record makes the compiler list them all. */
const FAILURES: Record<DecodeFailure, true> = {
  malformed_payload: true,
  invalid_device_time: true,
  device_serial_mismatch: true,
  not_a_punch: true,
}
export const DECODE_FAILURES = Object.keys(FAILURES) as DecodeFailure[]

/** The device each model's samples were published by. */
export const SAMPLE_DEVICES: Record<string, DeviceContext> = {
  'gate-ts200': { serial: 'GT-0001', timeZone: 'Asia/Shanghai', settings: {} },
  'face-fr900': { serial: 'FT-0001', timeZone: 'Asia/Shanghai', settings: {} },
  canonical: { serial: 'CN-0001', timeZone: 'Asia/Shanghai', settings: {} },
  'zkteco-adms': { serial: 'ZK-0001', timeZone: 'Asia/Shanghai', settings: {} },
  'hikvision-isapi': { serial: 'HK-0001', timeZone: 'Asia/Shanghai', settings: {} },
  'dahua-access': { serial: 'DH-0001', timeZone: 'Asia/Shanghai', settings: {} },
}

export interface Sample {
  name: string
  outcome: 'ok' | DecodeFailure
  payload: Buffer
}

/** Models whose `.txt` samples are whole bodies of many records, and the splitter that cuts them into frames. */
const BODY_SPLITTERS: Record<string, (body: Buffer) => { lineNo: number; payload: Buffer }[]> = {
  'zkteco-adms': (body) => splitAttlog(body).lines,
}

/**
 * A model's sample frames. JSON samples are one frame each. A `.txt` sample of a model in BODY_SPLITTERS (ZKTeco's
 * ATTLOG) is a whole body, cut into its records by the family's splitter, one frame each with the body's outcome (the
 * whole body is checked by test/devices/samples.test.ts); any other model's `.txt` sample is one text frame (a Dahua
 * event part).
 */
export function samplesOf(model: string): Sample[] {
  const dir = new URL(`${model}/samples/`, DEVICES_DIR)
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json') || file.endsWith('.txt'))
    .sort()
    .flatMap((file) => {
      const outcome = file.slice(0, file.indexOf('.'))
      if (outcome !== 'ok' && !(DECODE_FAILURES as string[]).includes(outcome)) {
        throw new Error(`sample ${model}/${file} is not named for an outcome`)
      }
      const payload = readFileSync(new URL(file, dir))
      const split = BODY_SPLITTERS[model]
      if (file.endsWith('.json') || split === undefined) return [{ name: file, outcome: outcome as Sample['outcome'], payload }]
      return split(payload).map((l) => ({ name: `${file}:${l.lineNo}`, outcome: outcome as Sample['outcome'], payload: l.payload }))
    })
}

export function sample(model: string, name: string): Buffer {
  return readFileSync(new URL(`${model}/samples/${name}.json`, DEVICES_DIR))
}

/** A frame object as the bytes a device would publish. */
export function bytes(frame: unknown): Buffer {
  return Buffer.from(JSON.stringify(frame), 'utf8')
}
