/**
 * The embedded MQTT broker (aedes), the default so one machine runs a site
 * with no setup. Device frames are made durable in `authorizePublish`, the one
 * aedes hook that runs before the broker sends PUBACK [MQTT-4.3.2-2: the
 * receiver acknowledges only once it has taken ownership of the message].
 */
import { Aedes, type Client, type PublishPacket } from 'aedes'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { acksFor } from './acks.ts'
import type { PunchInbox } from './inbox.ts'

export interface EmbeddedBroker {
  port: number
  close(): Promise<void>
}

const ACK_TOPIC = /^wl\/v1\/[^/]+\/[^/]+\/ack$/

export async function startEmbeddedBroker(inbox: PunchInbox, opts: { host: string; port: number }): Promise<EmbeddedBroker> {
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

  const server: Server = createServer(broker.handle)
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
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
