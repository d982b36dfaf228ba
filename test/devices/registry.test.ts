import t from 'tap'
import { DEFAULT_POLICY } from '../../src/timesheets/policy.ts'
import fc from 'fast-check'
import { existsSync, readFileSync } from 'node:fs'
import { CODECS, codecFor } from '../../devices/registry.ts'
import type { DeviceContext } from '../../devices/codec.ts'
import { LIMITS } from '../../src/config/limits.ts'
import type { RejectReason } from '../../src/punches/admit.ts'
import { DEVICES_DIR, SAMPLE_DEVICES, samplesOf } from './helpers/samples.ts'
import { problemWithResult } from './helpers/results.ts'

const readme = readFileSync(new URL('README.md', DEVICES_DIR), 'utf8')

/** Every reason admission can give a frame; the Record makes the compiler keep this list whole. */
const REJECT_REASONS: Record<RejectReason, true> = {
  payload_too_large: true,
  unknown_topic: true,
  unknown_device: true,
  topic_client_mismatch: true,
  malformed_payload: true,
  invalid_device_time: true,
  device_serial_mismatch: true,
  not_a_punch: true,
  unknown_worker: true,
  worker_not_enrolled: true,
  device_time_too_old: true,
  record_id_conflict: true,
  ingest_failed: true,
  packet_too_large: true,
  publish_not_allowed: true,
}

void t.test('the registry', async (t) => {
  t.same([...CODECS.keys()].sort(), ['canonical', 'dahua-access', 'face-fr900', 'gate-ts200', 'hikvision-isapi', 'zkteco-adms'])
  for (const [model, codec] of CODECS) {
    t.equal(codec.model, model, `${model} is registered under its own name`)
    t.equal(codecFor(model), codec)
    t.ok(existsSync(new URL(`${model}/codec.ts`, DEVICES_DIR)), `${model} has its folder`)
    t.ok(SAMPLE_DEVICES[model], `${model} has a sample device`)
  }
  t.equal(codecFor('GATE-TS200'), undefined, 'model names are exact')
  t.equal(codecFor('toString'), undefined)
  t.equal(codecFor(''), undefined)
})

void t.test('every model has samples for every reason it returns', async (t) => {
  const expected: Record<string, string[]> = {
    'gate-ts200': ['device_serial_mismatch', 'invalid_device_time', 'malformed_payload', 'ok'],
    'face-fr900': ['device_serial_mismatch', 'invalid_device_time', 'malformed_payload', 'not_a_punch', 'ok'],
    canonical: ['device_serial_mismatch', 'invalid_device_time', 'malformed_payload', 'ok'],
    'zkteco-adms': ['invalid_device_time', 'malformed_payload', 'not_a_punch', 'ok'],
    'hikvision-isapi': ['invalid_device_time', 'malformed_payload', 'not_a_punch', 'ok'],
    'dahua-access': ['invalid_device_time', 'malformed_payload', 'not_a_punch', 'ok'],
  }
  for (const model of CODECS.keys()) {
    t.same([...new Set(samplesOf(model).map((s) => s.outcome))].sort(), expected[model], model)
  }
})

void t.test('the README documents every model and every reason a vendor can see', async (t) => {
  for (const model of CODECS.keys()) t.match(readme, new RegExp(`^### ${model} `, 'm'), `a section for ${model}`)
  for (const reason of Object.keys(REJECT_REASONS)) t.match(readme, new RegExp(`^\\| \`${reason}\` \\|`, 'm'), `${reason} in the table`)
  t.match(readme, 'wl/v1/{siteCode}/{deviceSerial}/punch')
  t.match(readme, 'wl/v1/{siteCode}/{deviceSerial}/ack')
  t.match(readme, `${LIMITS.punch_payload_bytes_max} bytes`)
  t.match(readme, `${DEFAULT_POLICY.clockAheadMinutes} minutes ahead`)
  t.match(readme, 'clock_suspect')
  t.match(readme, `${LIMITS.device_time_behind_ms_max / 86_400_000} days behind`)
})

const contexts = fc.record({
  serial: fc.oneof(fc.constantFrom('GT-0001', 'FT-0001', 'CN-0001'), fc.string({ minLength: 1 })),
  timeZone: fc.oneof(fc.constantFrom('Asia/Shanghai', 'Europe/Berlin', 'UTC'), fc.string()),
  settings: fc.oneof(fc.constant({}), fc.dictionary(fc.string(), fc.jsonValue())),
}) as fc.Arbitrary<DeviceContext>

for (const [model, codec] of CODECS) {
  void t.test(`property: ${model} turns any bytes into a punch or a reason, never an exception`, async (t) => {
    const good = samplesOf(model).filter((s) => s.outcome === 'ok').map((s) => s.payload)
    const payloads = fc.oneof(
      fc.uint8Array({ maxLength: LIMITS.punch_payload_bytes_max + 16 }).map((a) => Buffer.from(a)),
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
      fc.string({ unit: 'binary' }).map((s) => Buffer.from(s)),
      // A good frame with bytes cut off or flipped: what a flaky link delivers.
      fc.tuple(fc.constantFrom(...good), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([frame, at, byte]) => {
        const copy = Buffer.from(frame)
        copy[at % copy.length] = byte
        return at % 2 === 0 ? copy : copy.subarray(0, at % copy.length)
      }),
    )
    fc.assert(
      fc.property(payloads, contexts, (payload, device) => {
        const problem = problemWithResult(codec.decode(payload, device))
        return problem === undefined
      }),
      { numRuns: 3000 },
    )
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (settings) => ['string', 'undefined'].includes(typeof codec.checkSettings(settings))))
    t.pass('held')
  })
}
