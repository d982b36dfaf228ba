import t, { type Test } from 'tap'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import type { CanonicalPunch } from '../../src/punches/canonical.ts'
import type { DeviceCodec, DeviceContext } from '../../devices/codec.ts'
import { CODECS } from '../../devices/registry.ts'
import { zktecoAdms } from '../../devices/zkteco-adms/codec.ts'
import { splitAttlog, type AttlogSplit } from '../../devices/zkteco-adms/split.ts'
import { DECODE_FAILURES, DEVICES_DIR, SAMPLE_DEVICES, sample, samplesOf } from './helpers/samples.ts'

const PUNCH_KEYS = ['channel', 'deviceSerial', 'deviceTimeMs', 'direction', 'person', 'recordId', 'verifyMethod']

/**
 * Models whose devices send many records in one request body (ZKTeco's ATTLOG): their samples are whole bodies,
 * `<outcome>.<what>.txt`, real captures beside a `.origin` naming where they come from. The family's splitter cuts a
 * body into one frame per record line; every line of an `ok` body decodes, and every line of a refusal body is refused
 * for the reason it is named for, by the splitter or by the codec.
 */
const BODY_MODELS: { codec: DeviceCodec; split: (body: Buffer) => AttlogSplit; device: DeviceContext }[] = [
  { codec: zktecoAdms, split: splitAttlog, device: { serial: 'ZK-0001', timeZone: 'Asia/Shanghai', settings: {} } },
]
const isBodyModel = (model: string) => BODY_MODELS.some((m) => m.codec.model === model)

function bodySamplesOf(model: string): { name: string; outcome: string; body: Buffer; origin: string | undefined }[] {
  const dir = new URL(`${model}/samples/`, DEVICES_DIR)
  return readdirSync(dir)
    .filter((file) => file.endsWith('.txt'))
    .sort()
    .map((file) => {
      const outcome = file.slice(0, file.indexOf('.'))
      if (outcome !== 'ok' && !(DECODE_FAILURES as string[]).includes(outcome)) throw new Error(`sample ${model}/${file} is not named for an outcome`)
      const origin = new URL(`${file}.origin`, dir)
      return { name: file, outcome, body: readFileSync(new URL(file, dir)), origin: existsSync(origin) ? readFileSync(origin, 'utf8') : undefined }
    })
}

for (const { codec: own, split, device } of BODY_MODELS) {
  const model = own.model
  void t.test(`${model}: every line of every sample body decodes to the outcome the body is named for`, async (t) => {
    // Once registered, the codec the service uses is the one tested.
    const codec = CODECS.get(model) ?? own
    t.equal(codec, own, 'the registered codec is this folder\'s')
    const samples = bodySamplesOf(model)
    t.ok(samples.some((s) => s.outcome === 'ok' && s.origin !== undefined), 'has a real capture that decodes')
    t.ok(samples.some((s) => s.outcome !== 'ok'), 'has a bad sample')
    for (const s of samples) {
      if (s.origin !== undefined) t.match(s.origin, /^repo: .+\npath: .+\ncommit: [0-9a-f]{40}\nlicence: .+/, `${s.name}: its origin names repository, path, commit and licence`)
      const { lines, errors } = split(s.body)
      t.ok(lines.length + errors.length > 0, `${s.name}: has a record`)
      if (s.outcome === 'ok') t.same(errors, [], `${s.name}: splits cleanly`)
      for (const e of errors) t.equal(e.reason, s.outcome, `${s.name} line ${e.lineNo}: ${e.detail}`)
      for (const line of lines) {
        const result = codec.decode(line.payload, device)
        if (s.outcome === 'ok') {
          t.match(result, { ok: true }, `${s.name} line ${line.lineNo}`)
          if (result.ok) t.same(Object.keys(result.punch).sort(), PUNCH_KEYS, `${s.name}: the punch carries the canonical fields and nothing else`)
        } else {
          t.match(result, { ok: false, reason: s.outcome, detail: String }, `${s.name} line ${line.lineNo}`)
        }
      }
    }
    const bodies = new Set(samples.map((s) => s.name))
    const origins = readdirSync(new URL(`${model}/samples/`, DEVICES_DIR)).filter((f) => f.endsWith('.origin'))
    for (const o of origins) t.ok(bodies.has(o.slice(0, -'.origin'.length)), `${o} belongs to a sample`)
  })
}

for (const [model, codec] of CODECS) {
  if (isBodyModel(model)) continue
  void t.test(`${model}: every sample decodes to the outcome it is named for`, async (t) => {
    const device = SAMPLE_DEVICES[model]
    if (device === undefined) throw new Error(`no sample device for ${model}`)
    const samples = samplesOf(model)
    t.ok(samples.some((s) => s.outcome === 'ok'), 'has a good sample')
    t.ok(samples.some((s) => s.outcome !== 'ok'), 'has a bad sample')
    for (const s of samples) {
      const result = codec.decode(s.payload, device)
      if (s.outcome === 'ok') {
        t.match(result, { ok: true }, s.name)
        if (result.ok) t.same(Object.keys(result.punch).sort(), PUNCH_KEYS, `${s.name}: the punch carries the canonical fields and nothing else`)
      } else {
        t.match(result, { ok: false, reason: s.outcome, detail: String }, s.name)
      }
    }
  })
}

const decodeSample = (model: string, name: string) => {
  const codec = CODECS.get(model)
  const device = SAMPLE_DEVICES[model]
  if (!codec || !device) throw new Error(model)
  return codec.decode(sample(model, name), device)
}
const expectPunch = (t: Test, model: string, name: string, punch: CanonicalPunch) =>
  t.same(decodeSample(model, name), { ok: true, punch }, `${model}/${name}`)

void t.test('the good samples decode to exactly these punches', async (t) => {
  expectPunch(t, 'gate-ts200', 'ok.card-lane-1-in', {
    deviceSerial: 'GT-0001',
    recordId: '10233',
    person: { kind: 'id_number', value: '330106199001011234' },
    deviceTimeMs: 1_730_419_200_000,
    direction: 'in',
    verifyMethod: 'card',
    channel: 'gate',
  })
  expectPunch(t, 'gate-ts200', 'ok.face-user-id-lane-2-out', {
    deviceSerial: 'GT-0001',
    recordId: '10234',
    person: { kind: 'device_user', value: 'W0012' },
    deviceTimeMs: 1_730_448_000_000,
    direction: 'out',
    verifyMethod: 'face',
    channel: 'gate',
  })
  expectPunch(t, 'gate-ts200', 'ok.id-number-lower-case-x', {
    deviceSerial: 'GT-0001',
    recordId: '10235',
    person: { kind: 'id_number', value: '11010519491231002X' },
    deviceTimeMs: 1_730_419_200_000,
    direction: 'in',
    verifyMethod: 'qr',
    channel: 'gate',
  })
  expectPunch(t, 'face-fr900', 'ok.face-match', {
    deviceSerial: 'FT-0001',
    recordId: '88213',
    person: { kind: 'device_user', value: 'W0012' },
    // 07:31:12 in Shanghai (UTC+8) is 23:31:12 UTC the day before.
    deviceTimeMs: Date.UTC(2026, 10, 2, 23, 31, 12),
    direction: 'unknown',
    verifyMethod: 'face',
    channel: 'face_terminal',
  })
  expectPunch(t, 'face-fr900', 'ok.stranger-flag', {
    deviceSerial: 'FT-0001',
    recordId: '88216',
    person: { kind: 'stranger' },
    deviceTimeMs: Date.UTC(2026, 10, 2, 23, 31, 12),
    direction: 'unknown',
    verifyMethod: 'face',
    channel: 'face_terminal',
  })
  expectPunch(t, 'canonical', 'ok.gate-in-device-user', {
    deviceSerial: 'CN-0001',
    recordId: '5521',
    person: { kind: 'device_user', value: 'W0012' },
    deviceTimeMs: Date.UTC(2026, 10, 2, 23, 31, 12),
    direction: 'in',
    verifyMethod: 'face',
    channel: 'gate',
  })
  expectPunch(t, 'canonical', 'ok.gate-out-id-number-utc', {
    deviceSerial: 'CN-0001',
    recordId: '5522',
    person: { kind: 'id_number', value: '330106199001011234' },
    deviceTimeMs: Date.UTC(2026, 10, 3, 9, 5, 0, 250),
    direction: 'out',
    verifyMethod: 'card',
    channel: 'gate',
  })
  expectPunch(t, 'canonical', 'ok.face-terminal-stranger', {
    deviceSerial: 'CN-0001',
    recordId: '5523',
    person: { kind: 'stranger' },
    deviceTimeMs: Date.UTC(2026, 10, 2, 23, 31, 12),
    direction: 'unknown',
    verifyMethod: 'face',
    channel: 'face_terminal',
  })
})
