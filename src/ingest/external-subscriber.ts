/**
 * Ingest from an external broker (Mosquitto, EMQX). Several connections share
 * one subscription ($share/{group}/…, MQTT 5 §4.8.2), so several service
 * instances — and several connections of one instance — split the load.
 * Sessions are persistent (clean: false, no expiry), so the broker queues
 * punches while we are down.
 *
 * Group commit. MQTT.js reads a connection's next packet only after
 * `handleMessage` calls back, and it writes the PUBACK on that callback; a
 * callback after each commit would mean one message per connection per
 * commit (measured: 766 punches/s through 4 connections). So the callback
 * comes at once and the PUBACK itself is held: every PUBACK MQTT.js writes
 * passes through `holdAcks`, which parks it until the frame is committed and
 * then writes the parked ones in the order their PUBLISHes arrived, as MQTT
 * requires [MQTT-4.6.0-2]. The broker keeps up to our Receive Maximum
 * (`mqtt_subscriber_in_flight_max`) coming meanwhile, and they share one
 * commit. Nothing is acknowledged before it is durable.
 */
import mqtt, { type IClientOptions, type MqttClient, type Packet } from 'mqtt'
import { LIMITS } from '../config/limits.ts'
import { acksFor } from './acks.ts'
import type { PunchInbox } from './inbox.ts'

export interface ExternalSubscriber {
  /** Subscriber connections up now. */
  connections(): number
  /** Publishes a message to a device (QoS 1) on the first connection; fails when it is down. */
  publish(topic: string, payload: string): Promise<void>
  close(): Promise<void>
}

export const PUNCH_SUBSCRIPTION = 'wl/v1/+/+/punch'
/** At close, how long to wait for frames already received to commit before the connections go. */
const CLOSE_DRAIN_MS_MAX = 5_000

type SendPacket = (packet: Packet, cb?: (err?: Error) => void, cbStorePut?: unknown, noStore?: boolean) => void

interface InFlight {
  messageId: number
  committed: boolean
  /** The PUBACK MQTT.js asked to write, parked until this frame and every one before it is committed. */
  ack?: Packet
}

/**
 * Parks the PUBACKs MQTT.js writes on one connection and releases them in arrival order once committed. This reaches
 * into MQTT.js's `_sendPacket`, the one door every outgoing packet passes (pinned by the lockfile; test/ingest covers
 * that nothing is acknowledged before its commit).
 */
export function holdAcks(client: MqttClient): { received(messageId: number): InFlight; committed(entry: InFlight): void; reset(): void } {
  const raw = client as unknown as { _sendPacket: SendPacket }
  const send: SendPacket = raw._sendPacket.bind(client)
  // Released entries are passed by moving `head`, not by slicing: flush runs once per committed frame (each resolves on
  // its own), and copying the rest of a thousand-entry array each time made releasing a batch quadratic (through
  // Mosquitto, ingest fell to a third). The array is compacted when emptied, or once the released part is large.
  let order: InFlight[] = []
  let head = 0
  const byId = new Map<number, InFlight>()
  const flush = () => {
    let n = head
    while (n < order.length && (order[n] as InFlight).committed && (order[n] as InFlight).ack) n++
    if (n === head) return
    const from = head
    head = n
    for (let i = from; i < n; i++) {
      const e = order[i] as InFlight
      byId.delete(e.messageId)
      send(e.ack as Packet)
    }
    if (head === order.length) {
      order = []
      head = 0
    } else if (head > 4096) {
      order = order.slice(head)
      head = 0
    }
  }
  raw._sendPacket = (packet, cb, cbStorePut, noStore) => {
    const entry = packet.cmd === 'puback' && packet.messageId !== undefined ? byId.get(packet.messageId) : undefined
    if (!entry) return send(packet, cb, cbStorePut, noStore)
    // Let MQTT.js go on to the next PUBLISH now; the PUBACK itself waits for the commit.
    entry.ack = packet
    cb?.()
    flush()
  }
  return {
    received(messageId) {
      const entry: InFlight = { messageId, committed: false }
      order.push(entry)
      byId.set(messageId, entry)
      return entry
    },
    committed(entry) {
      entry.committed = true
      flush()
    },
    // A new connection: what was parked belongs to the old one; the broker redelivers it (a duplicate, counted once).
    reset() {
      order = []
      head = 0
      byId.clear()
    },
  }
}

export async function startExternalSubscriber(
  inbox: PunchInbox,
  opts: { url: string; group: string; instance: string; connections: number; /** The service's account on the broker. */ username?: string; password?: string },
): Promise<ExternalSubscriber> {
  const clients: MqttClient[] = []
  let closing = false
  for (let i = 0; i < opts.connections; i++) {
    const options: IClientOptions = {
      clientId: `${opts.group}-${opts.instance}-ingest-${i}`,
      clean: false,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 0xffffffff, receiveMaximum: LIMITS.mqtt_subscriber_in_flight_max },
      reconnectPeriod: 1000,
      ...(opts.username !== undefined ? { username: opts.username, password: opts.password } : {}),
    }
    // handleMessage must be in place before CONNACK: a resumed session gets what the broker queued for it right
    // after CONNACK, and MQTT.js's default handleMessage acknowledges (PUBACK) without storing anything.
    const client = mqtt.connect(opts.url, options)
    const acks = holdAcks(client)
    client.on('close', () => acks.reset())
    client.handleMessage = (packet, callback) => {
      if (packet.cmd !== 'publish') return callback()
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload)
      const entry = packet.qos > 0 && packet.messageId !== undefined ? acks.received(packet.messageId) : undefined
      const take = (): void => {
        inbox.submit({ topic: packet.topic, payload, clientId: undefined }).then(
          () => entry && acks.committed(entry),
          // Not taken (the backlog is full, which the Receive Maximum makes rare): it stays unacknowledged, and so do
          // the ones after it (PUBACKs go in order); offer it again once commits have made room. Once closing, the
          // broker redelivers it to the next session instead.
          () => {
            if (!closing) setTimeout(take, LIMITS.ingest_retry_ms_max)
          },
        )
      }
      take()
      callback()
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
    connections: () => clients.filter((c) => c.connected).length,
    async publish(topic, payload) {
      if (!publisher?.connected) throw new Error('no connection to the broker')
      await publisher.publishAsync(topic, payload, { qos: 1 })
    },
    async close() {
      closing = true
      // Let the inbox commit what it holds so that its PUBACKs go out on these connections; what is still parked
      // after that (a failing database) is redelivered to the next session and counted once.
      const deadline = Date.now() + CLOSE_DRAIN_MS_MAX
      while (inbox.pending > 0 && !inbox.failing && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
      await Promise.all(clients.map((c) => c.endAsync()))
    },
  }
}
