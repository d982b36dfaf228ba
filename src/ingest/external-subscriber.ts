/**
 * Ingest from an external broker (Mosquitto, EMQX). Several connections share
 * one subscription ($share/{group}/…, MQTT 5 §4.8.2), so several service
 * instances — and several connections of one instance — split the load.
 *
 * MQTT.js reads the next packet of a connection only after `handleMessage`
 * calls back, and it sends PUBACK on that callback. We call back after the
 * commit, so an acknowledged punch is durable; throughput comes from the
 * connections' messages sharing one group commit. Sessions are persistent
 * (clean: false, no expiry), so the broker queues punches while we are down.
 */
import mqtt, { type MqttClient } from 'mqtt'
import { acksFor } from './acks.ts'
import type { PunchInbox } from './inbox.ts'

export interface ExternalSubscriber {
  close(): Promise<void>
}

export const PUNCH_SUBSCRIPTION = 'wl/v1/+/+/punch'

export async function startExternalSubscriber(
  inbox: PunchInbox,
  opts: { url: string; group: string; instance: string; connections: number },
): Promise<ExternalSubscriber> {
  const clients: MqttClient[] = []
  for (let i = 0; i < opts.connections; i++) {
    // handleMessage must be in place before CONNACK: a resumed session gets what the broker queued for it right
    // after CONNACK, and MQTT.js's default handleMessage acknowledges (PUBACK) without storing anything.
    const client = mqtt.connect(opts.url, {
      clientId: `${opts.group}-${opts.instance}-ingest-${i}`,
      clean: false,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 0xffffffff, receiveMaximum: 65535 },
      reconnectPeriod: 1000,
    })
    client.handleMessage = (packet, callback) => {
      if (packet.cmd !== 'publish') return callback()
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload)
      inbox.submit({ topic: packet.topic, payload, clientId: undefined }).then(
        () => callback(),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      )
    }
    await new Promise<void>((resolve, reject) => {
      const failed = (err: Error) => {
        client.end(true)
        reject(err)
      }
      client.once('error', failed)
      client.once('connect', () => {
        client.off('error', failed)
        resolve()
      })
    })
    await client.subscribeAsync(`$share/${opts.group}/${PUNCH_SUBSCRIPTION}`, { qos: 1 })
    clients.push(client)
  }

  const publisher = clients[0]
  inbox.onCommitted((batch) => {
    if (!publisher?.connected) return // devices re-send; the ack is an optimisation of the guarantee, not the guarantee
    for (const ack of acksFor(batch)) publisher.publish(ack.topic, ack.payload, { qos: 1 })
  })

  return {
    async close() {
      await Promise.all(clients.map((c) => c.endAsync()))
    },
  }
}
