/**
 * The embedded MQTT broker (aedes), the default so one machine runs a site
 * with no setup. Device frames are made durable in `authorizePublish`, the one
 * aedes hook that runs before the broker sends PUBACK [MQTT-4.3.2-2: the
 * receiver acknowledges only once it has taken ownership of the message].
 *
 * A packet over `mqtt_packet_bytes_max` is refused on its fixed header, before
 * its body is read (packet-guard.ts): the connection is closed, nothing is
 * acknowledged, and the packet's first bytes are kept as a rejected input.
 */
import { Aedes, type Client, type PublishPacket } from 'aedes'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { LIMITS } from '../config/limits.ts'
import { acksFor } from './acks.ts'
import { PacketGuard } from './packet-guard.ts'
import type { PunchInbox } from './inbox.ts'

export interface EmbeddedBroker {
  port: number
  /** Device connections now. */
  connections(): number
  /** Connections closed for a packet over the limit, since start. */
  readonly oversizedPackets: number
  close(): Promise<void>
}

const ACK_TOPIC = /^wl\/v1\/[^/]+\/[^/]+\/ack$/

export async function startEmbeddedBroker(
  inbox: PunchInbox,
  opts: { host: string; port: number; packetBytesMax?: number; onOversized?: (info: { clientId: string | undefined; topic: string | undefined; remainingBytes: number }) => void },
): Promise<EmbeddedBroker> {
  const packetBytesMax = opts.packetBytesMax ?? LIMITS.mqtt_packet_bytes_max
  // concurrency bounds messages in flight through the broker's router; a site's rush is thousands at once.
  const broker = await Aedes.createBroker({ concurrency: 1000, heartbeatInterval: 60_000, drainTimeout: 30_000 })

  broker.authorizePublish = (client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void) => {
    if (!client) return callback(null) // a will published on behalf of a gone client
    const topic = packet.topic
    if (topic.startsWith('$SYS')) return callback(new Error('$SYS topics are reserved'))
    if (ACK_TOPIC.test(topic)) return callback(new Error('ack topics are published by the service only'))
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload)
    inbox.submit({ topic, payload, clientId: client.id }).then(
      () => callback(null),
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
    )
  }

  inbox.onCommitted((batch) => {
    for (const ack of acksFor(batch)) {
      broker.publish({ cmd: 'publish', topic: ack.topic, payload: Buffer.from(ack.payload), qos: 1, retain: false, dup: false }, () => {})
    }
  })

  let oversizedPackets = 0
  const server: Server = createServer((socket: Socket) => {
    const client = broker.handle(socket)
    const guard = new PacketGuard(packetBytesMax, (p) => {
      oversizedPackets++
      socket.destroy()
      const clientId = client.id || undefined
      opts.onOversized?.({ clientId, topic: p.topic, remainingBytes: p.remainingBytes })
      const detail = `an MQTT packet announced ${p.remainingBytes} bytes; the broker reads at most ${packetBytesMax}. The connection was closed before the body was read and nothing was acknowledged; the first ${p.head.length} bytes are kept`
      // Kept like any refusal; a database fault is retried by the inbox, so this settles once it is stored.
      inbox.refuse({ topic: p.topic ?? '', payload: p.head, clientId }, { reason: 'packet_too_large', detail }).catch(() => {})
    })
    // aedes reads with 'readable' + read(); a 'data' listener sees each chunk as it is read, before aedes parses it,
    // and does not switch the socket to flowing mode.
    socket.on('data', (chunk: Buffer) => guard.feed(chunk))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port

  return {
    port,
    connections: () => broker.connectedClients,
    get oversizedPackets() {
      return oversizedPackets
    },
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
