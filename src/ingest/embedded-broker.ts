/**
 * The embedded MQTT broker (aedes), the default so one machine runs a site
 * with no setup. Device frames are made durable in `authorizePublish`, the one
 * aedes hook that runs before the broker sends PUBACK [MQTT-4.3.2-2: the
 * receiver acknowledges only once it has taken ownership of the message].
 *
 * Who may do what is policy in aedes' hooks (devices/README.md, "Connecting"):
 * - `authenticate`: the username is a registered device's serial, the password
 *   its secret in force, and the client id that serial; a client id already
 *   connected is not taken over (aedes' default, [MQTT-3.1.4-2], drops the old
 *   connection: here the newcomer is refused instead, so an intruder cannot
 *   knock a gate off). A revoked or re-issued credential cuts the live
 *   connection at once.
 * - `authorizePublish`: the device's own punch topic, QoS 1, not retained.
 *   Anything else closes the connection without a PUBACK (MQTT 3.1.1 has no
 *   other way to refuse a PUBLISH) and is kept as the rejected input
 *   `publish_not_allowed`, filed under the publishing device, with the
 *   payload's first bytes only; nothing is stored for the device the topic names.
 * - `authorizeSubscribe`: the device's own ack and command topics only; any other filter
 *   (`#`, `+`, another device's topic) is granted 0x80, failure [MQTT-3.9.3].
 *
 * A packet over `mqtt_packet_bytes_max` is refused on its fixed header, before
 * its body is read (packet-guard.ts): the connection is closed, nothing is
 * acknowledged, and the packet's first bytes are kept as a rejected input.
 */
import { Aedes, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import type { AccessService, DeviceCredentialEvent } from '../access/service.ts'
import { LIMITS } from '../config/limits.ts'
import { ackTopic, commandTopic, punchTopic } from '../punches/admit.ts'
import type { RosterService } from '../roster/service.ts'
import type { DeviceContactSink } from '../punches/device-contacts.ts'
import { acksFor } from './acks.ts'
import { PacketGuard } from './packet-guard.ts'
import type { PunchInbox } from './inbox.ts'

export interface EmbeddedBroker {
  port: number
  /** Device connections now. */
  connections(): number
  /** Connections closed for a packet over the limit, since start. */
  readonly oversizedPackets: number
  /** Publishes a message to devices (QoS 1, not retained): a command on a device's command topic. */
  publish(topic: string, payload: string): Promise<void>
  close(): Promise<void>
}

/** What the broker asks about devices: whether credentials open one, and news of its credential changing. */
export interface DeviceGate {
  /** The device whose serial and secret these are, with its project's site code; undefined when they open nothing. */
  verify(serial: string, secret: string): Promise<{ deviceId: string; projectId: string; siteCode: string } | undefined>
  onCredential(listener: (e: DeviceCredentialEvent) => void): void
}

/** The gate of the service's own roster and device credentials. */
export function deviceGate(access: AccessService, roster: RosterService): DeviceGate {
  return {
    async verify(serial, secret) {
      const d = await access.verifyDevice(serial, secret)
      if (!d) return undefined
      return { ...d, siteCode: (await roster.project(d.projectId)).siteCode }
    },
    onCredential: (listener) => access.onDeviceCredential(listener),
  }
}

/** Why a connection or a subscription was refused (the metric's `reason` label). */
export type MqttRefusalReason =
  /** CONNECT without a username or a password. CONNACK 5, not authorized. */
  | 'anonymous'
  /** The client id is not the serial given as username. CONNACK 2, identifier rejected. */
  | 'client_id_mismatch'
  /** An unknown serial, a wrong secret, or a credential revoked or replaced (not told apart). CONNACK 4. */
  | 'bad_credentials'
  /** The device is connected already: the newcomer is refused, the connection in place kept. CONNACK 2. */
  | 'client_id_in_use'
  /** The credentials could not be checked (the database failed). CONNACK 3, server unavailable. */
  | 'unavailable'
  /** A SUBSCRIBE to anything but the device's own ack and command topics: granted 0x80. */
  | 'subscribe_not_allowed'

export interface MqttRefusal {
  stage: 'connect' | 'subscribe'
  reason: MqttRefusalReason
  clientId: string | undefined
  /** The username presented (a serial; never the password). */
  username: string | undefined
  /** The topic filter refused (subscribe). */
  topic?: string
  remote: string | undefined
}

export interface EmbeddedBrokerOptions {
  host: string
  port: number
  devices: DeviceGate
  packetBytesMax?: number
  onOversized?: (info: { clientId: string | undefined; topic: string | undefined; remainingBytes: number }) => void
  /** Every refused connection and subscription, as it happens (metrics). */
  onRefused?: (r: MqttRefusal) => void
  /** Where refusals and cut connections are logged: the first of each reason at once, then at most once per interval with a count. */
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void }
  /** An authenticated device's CONNECT and keep-alive PINGREQs: contacts that carry no punch (src/punches/device-contacts.ts). */
  contacts?: DeviceContactSink
}

/** The authenticated device behind a connection. */
interface DeviceSession {
  serial: string
  projectId: string
  siteCode: string
}

const CONNACK_MESSAGES = { 2: 'identifier rejected', 3: 'server unavailable', 4: 'bad user name or password', 5: 'not authorized' } as const
type ConnackCode = keyof typeof CONNACK_MESSAGES
/** Longer than any serial or secret: refused without a lookup, and never logged whole. */
const CREDENTIAL_CHARS_MAX = 256
const LOGGED_CHARS_MAX = 64

const clip = (s: string | undefined): string | undefined => (s === undefined || s.length <= LOGGED_CHARS_MAX ? s : `${s.slice(0, LOGGED_CHARS_MAX)}…`)

export async function startEmbeddedBroker(inbox: PunchInbox, opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const packetBytesMax = opts.packetBytesMax ?? LIMITS.mqtt_packet_bytes_max
  const { devices } = opts
  // concurrency bounds messages in flight through the broker's router; a site's rush is thousands at once.
  const broker = await Aedes.createBroker({ concurrency: 1000, heartbeatInterval: 60_000, drainTimeout: 30_000 })

  /** Authenticated connections, from CONNECT until their socket closes. */
  const sessions = new WeakMap<Client, DeviceSession>()
  /** Serial → the connection holding it, from authentication until its socket closes: one connection per device. */
  const holders = new Map<string, Client>()
  const refusalLog = new ThrottledLog(opts.log, LIMITS.mqtt_refusal_log_interval_ms)
  const remoteOf = (client: Client): string | undefined => {
    const s = client.conn as Partial<Socket>
    return s.remoteAddress === undefined ? undefined : `${s.remoteAddress}:${s.remotePort ?? ''}`
  }
  const refused = (r: MqttRefusal): void => {
    opts.onRefused?.(r)
    refusalLog.warn(`${r.stage}:${r.reason}`, { code: `mqtt_${r.stage}_refused`, ...r, clientId: clip(r.clientId), username: clip(r.username), topic: clip(r.topic) }, `MQTT ${r.stage} refused: ${r.reason}`)
  }

  broker.authenticate = (client, username, password, done) => {
    const refuse = (returnCode: ConnackCode, reason: MqttRefusalReason): void => {
      refused({ stage: 'connect', reason, clientId: client.id, username, remote: remoteOf(client) })
      const err = Object.assign(new Error(CONNACK_MESSAGES[returnCode]), { returnCode }) as AuthenticateError
      done(err, false)
    }
    if (username === undefined || username === '' || password === undefined) return refuse(5, 'anonymous')
    // [MQTT-3.1.3-9]: a client id the server does not accept is answered 0x02, identifier rejected.
    if (client.id !== username) return refuse(2, 'client_id_mismatch')
    if (username.length > CREDENTIAL_CHARS_MAX || password.length > CREDENTIAL_CHARS_MAX) return refuse(4, 'bad_credentials')
    devices.verify(username, password.toString('utf8')).then(
      (device) => {
        if (!device) return refuse(4, 'bad_credentials')
        // Closed while its credentials were checked: its socket has closed already, so it must not hold the serial.
        if (client.closed || client.conn.destroyed) return done(null, false)
        const holder = holders.get(username)
        if (holder !== undefined && holder !== client) return refuse(2, 'client_id_in_use')
        holders.set(username, client)
        sessions.set(client, { serial: username, projectId: device.projectId, siteCode: device.siteCode })
        done(null, true)
        opts.contacts?.heard(username, 'mqtt_connect')
      },
      (err: unknown) => {
        opts.log?.warn({ code: 'mqtt_auth_failed', err, clientId: clip(client.id) }, 'device credentials could not be checked')
        refuse(3, 'unavailable')
      },
    )
  }

  broker.authorizePublish = (client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void) => {
    // A will of a broker that is gone (none here: persistence is in memory), or of a device: nobody is told of a
    // device's death over MQTT, and a will is not a punch.
    if (!client || packet === (client as Client & { will?: unknown }).will) return callback(new Error('wills are not published'))
    const session = sessions.get(client)
    if (!session) return callback(new Error('not authenticated'))
    const topic = packet.topic
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload)
    const own = punchTopic(session.siteCode, session.serial)
    const wrong = topic !== own ? `on "${topic}"` : packet.qos !== 1 ? `at QoS ${packet.qos}` : packet.retain ? 'retained' : undefined
    if (wrong !== undefined) {
      const kept = Math.min(payload.length, LIMITS.mqtt_refused_publish_bytes_kept)
      const detail =
        `device ${session.serial} published ${wrong}; it may publish only on its own punch topic ${own}, at QoS 1, not retained. ` +
        `The connection was closed and nothing was acknowledged; the first ${kept} of ${payload.length} bytes are kept`
      // Filed under the device that published, whatever project the topic names; settles once stored (a database
      // fault is retried by the inbox), and nobody waits for it: the connection is closed below.
      const refusal = { reason: 'publish_not_allowed', detail, sender: { projectId: session.projectId, deviceSerial: session.serial }, payloadBytesKept: kept } as const
      inbox.refuse({ topic, payload, clientId: client.id }, refusal).catch(() => {})
      return callback(new Error(`publish not allowed: ${wrong}`))
    }
    inbox.submit({ topic, payload, clientId: client.id }).then(
      () => callback(null),
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
    )
  }

  broker.authorizeSubscribe = (client: Client, sub: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void) => {
    const session = sessions.get(client)
    if (session && (sub.topic === ackTopic(session.siteCode, session.serial) || sub.topic === commandTopic(session.siteCode, session.serial))) return callback(null, sub)
    refused({ stage: 'subscribe', reason: 'subscribe_not_allowed', clientId: client.id, username: session?.serial, topic: sub.topic, remote: remoteOf(client) })
    // [MQTT-3.9.3]: a null subscription is answered with the failure return code 0x80; the connection stays.
    callback(null, null)
  }

  // A credential revoked, or replaced by a new one, ends the connection it opened: the next CONNECT is checked afresh.
  devices.onCredential((e) => {
    const holder = holders.get(e.serial)
    if (!holder) return
    opts.log?.info({ code: 'mqtt_device_disconnected', serial: e.serial, credential: e.kind }, `device credential ${e.kind}: its connection is closed`)
    holder.close()
  })

  // A device connected and idle sends a PINGREQ every keep-alive interval [MQTT-3.1.2-23]: it is alive.
  broker.on('ping', (_packet, client) => {
    const session = sessions.get(client)
    if (session) opts.contacts?.heard(session.serial, 'mqtt_ping')
  })

  inbox.onCommitted((batch) => {
    for (const ack of acksFor(batch)) {
      broker.publish({ cmd: 'publish', topic: ack.topic, payload: Buffer.from(ack.payload), qos: 1, retain: false, dup: false }, () => {})
    }
  })

  let oversizedPackets = 0
  // Every socket, connected in MQTT's sense or not: aedes closes only its clients, and a socket that never sent CONNECT
  // (a load balancer's TCP check, a scan) would hold server.close() for aedes's 30-second connect timeout.
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    const client = broker.handle(socket)
    // The serial is free again once this connection's socket is gone (a half-open one: after 1.5 × its keep-alive).
    socket.once('close', () => {
      if (client.id && holders.get(client.id) === client) holders.delete(client.id)
    })
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
    publish: (topic, payload) =>
      new Promise<void>((resolve, reject) => broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, (err) => (err ? reject(err) : resolve()))),
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const s of sockets) s.destroy()
      await closed
    },
  }
}

/**
 * Warnings that a hostile or misconfigured client can cause at will (a gate with a wrong secret retries every few
 * seconds): the first of each key is logged at once, then at most one line per interval saying how many came.
 */
class ThrottledLog {
  private readonly last = new Map<string, { atMs: number; suppressed: number }>()

  constructor(
    private readonly log: EmbeddedBrokerOptions['log'],
    private readonly intervalMs: number,
  ) {}

  warn(key: string, obj: object, msg: string): void {
    if (!this.log) return
    const nowMs = Date.now()
    const seen = this.last.get(key)
    if (seen && nowMs - seen.atMs < this.intervalMs) {
      seen.suppressed++
      return
    }
    this.last.set(key, { atMs: nowMs, suppressed: 0 })
    this.log.warn({ ...obj, alsoSince: seen?.suppressed ?? 0 }, seen?.suppressed ? `${msg} (and ${seen.suppressed} more since the last line)` : msg)
  }
}
