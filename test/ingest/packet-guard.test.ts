/** The packet guard follows MQTT packet boundaries in any chunking and trips on the first header over the limit. */
import fc from 'fast-check'
import mqttPacket from 'mqtt-packet'
import t from 'tap'
import { PacketGuard, type OversizedPacket } from '../../src/ingest/packet-guard.ts'
import { holds } from '../helpers/property.ts'

/** A real PUBLISH as mqtt-packet writes it (the library aedes parses with). */
function publish(topic: string, payloadBytes: number): Buffer {
  return mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.alloc(payloadBytes, 0x61), qos: 1, messageId: 1, dup: false, retain: false })
}
const pingreq = (): Buffer => mqttPacket.generate({ cmd: 'pingreq' })

function run(max: number, chunks: Buffer[]): OversizedPacket[] {
  const seen: OversizedPacket[] = []
  const guard = new PacketGuard(max, (p) => seen.push(p))
  for (const c of chunks) guard.feed(c)
  return seen
}

/** Cuts a buffer at the given fractions. */
function chop(buf: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((f) => Math.floor(f * buf.length)))].filter((n) => n > 0 && n < buf.length).sort((a, b) => a - b)
  const out: Buffer[] = []
  let prev = 0
  for (const n of at) {
    out.push(buf.subarray(prev, n))
    prev = n
  }
  out.push(buf.subarray(prev))
  return out
}

void t.test('packets within the limit pass, whatever their sizes (1- to 3-byte lengths)', async (t) => {
  const stream = Buffer.concat([publish('wl/v1/S/D/punch', 10), pingreq(), publish('wl/v1/S/D/punch', 200), publish('wl/v1/S/D/punch', 20_000)])
  t.same(run(64 * 1024, [stream]), [])
  t.same(run(64 * 1024, chop(stream, [0.01, 0.02, 0.5, 0.9])), [], 'cut anywhere, even inside a header')
})

void t.test('a PUBLISH over the limit trips on its header, with its topic', async (t) => {
  const big = publish('wl/v1/SITE-1/GT-01/punch', 300_000)
  // Only the first bytes: the guard must not need the body.
  const seen = run(256 * 1024, [publish('wl/v1/S/D/punch', 10), big.subarray(0, 40)])
  t.equal(seen.length, 1)
  t.equal(seen[0]?.type, 3)
  t.equal(seen[0]?.topic, 'wl/v1/SITE-1/GT-01/punch')
  t.ok((seen[0]?.remainingBytes ?? 0) > 300_000)
  t.ok((seen[0]?.head.length ?? 0) <= 1024)
})

void t.test('a header split byte by byte still trips once', async (t) => {
  const big = publish('wl/v1/S/D/punch', 5_000_000)
  const bytes = [...big.subarray(0, 30)].map((b) => Buffer.from([b]))
  const seen = run(1024, bytes)
  t.equal(seen.length, 1)
  t.equal(seen[0]?.remainingBytes, big.length - 5, '4-byte remaining length read whole')
})

void t.test('property: the guard trips exactly when a packet is over the limit, at the first such, in any chunking', async (t) => {
  holds(
    t,
    'trips iff some packet is over the limit',
    fc.property(
      fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 100, max: 2_500 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 }),
      (sizes, max, cuts) => {
        const packets = sizes.map((n) => publish('wl/v1/S/D/punch', n))
        const stream = Buffer.concat(packets)
        const seen = run(max, chop(stream, cuts))
        const firstOver = packets.findIndex((p) => remaining(p) > max)
        if (firstOver === -1) return seen.length === 0
        return seen.length === 1 && seen[0]?.remainingBytes === remaining(packets[firstOver] as Buffer)
      },
    ),
    { numRuns: Number(process.env.FC_RUNS ?? 200) },
  )
})

/** Remaining length of a whole packet: its size less the fixed header. */
function remaining(p: Buffer): number {
  let i = 1
  while ((p[i] as number) & 0x80) i++
  return p.length - (i + 1)
}
