import t, { type Test } from 'tap'
import type { CanonicalPunch } from '../../src/punches/canonical.ts'
import { CODECS } from '../../devices/registry.ts'
import { SAMPLE_DEVICES, sample, samplesOf } from './helpers/samples.ts'

const PUNCH_KEYS = ['channel', 'deviceSerial', 'deviceTimeMs', 'direction', 'person', 'recordId', 'verifyMethod']

for (const [model, codec] of CODECS) {
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
