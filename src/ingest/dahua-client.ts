/**
 * Dahua access-control devices (devices/dahua-access) do not push to a host: the service attaches to each one's event
 * stream, `GET /cgi-bin/eventManager.cgi?action=attach&codes=[AccessControl]&heartbeat=5` with HTTP Digest
 * authentication, and reads the endless multipart answer for as long as the connection lasts. One client per
 * registered dahua-access device whose settings carry `connect` ({ url, username, passwordEnv }); the password is read
 * from the service's environment variable `passwordEnv` names, at each connection, and never stored.
 *
 * Each part of the stream: a Heartbeat proves the stream alive; an event the codec reads as no punch (a door opening
 * by remote, a refused card, another code) is counted and dropped, as the HTTP edge does; anything else goes to the
 * durable inbox as one frame under the device's topic, where admission decodes, stores or refuses it. RecNo is the
 * record id: an event the device writes again after a reconnect is a duplicate and stored once.
 *
 * What a stream client cannot do: the device writes an event to the streams attached at that moment and to nobody
 * else. Events that happen while the service is down or the connection is broken are in the device's records but not
 * in the stream; catching them up needs the device's record search (`recordFinder.cgi?action=find&name=
 * AccessControlCardRec` from the last RecNo stored), which is not built. Likewise an event read from the stream is
 * gone once read: while the inbox cannot take it (backlog full), the client stops reading (TCP holds the device back)
 * and tries again, but an event in hand when the service closes is lost to the stream.
 *
 * Connections: back-off from 1 s doubling to 60 s after an error or a closed stream, back to 1 s once a stream has
 * carried a part; a stream silent for 3 heartbeats is cut and attached again. A device that refuses the password is
 * logged once (until it next accepts it) and tried again every 5 minutes, not hammered: Dahua firmware locks an
 * account after a few failed logins.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Counter } from 'prom-client'
import { readConnect, type DahuaConnect } from '../../devices/dahua-access/codec.ts'
import { boundaryOf, EventStreamSplitter, parseEventPart, type StreamItem } from '../../devices/dahua-access/split.ts'
import { punchTopic, type KnownDevice, type Lookups } from '../punches/admit.ts'
import type { DeviceContactSink } from '../punches/device-contacts.ts'
import type { RosterService } from '../roster/service.ts'
import { connectEach, DeviceRetry, notPunchKind, type DeviceLog } from './device-connections.ts'
import { digestAuthorization, parseDigestChallenge } from './digest.ts'
import { InboxFullError, type PunchInbox } from './inbox.ts'

export const DAHUA_MODEL = 'dahua-access'

/** Named limits of the client, each with its reason. */
export const DAHUA_CLIENT_LIMITS = {
  /** The `heartbeat=` asked of the device, in seconds: Dahua's own clients use 5. */
  heartbeat_seconds: 5,
  /** Heartbeats missed before the stream is taken for dead: one late heartbeat is not an outage. */
  heartbeats_missed_max: 3,
  /** First wait before attaching again, doubled after each failure. */
  backoff_initial_ms: 1_000,
  /** Longest wait between attempts: a device back on the network is heard within a minute. */
  backoff_max_ms: 60_000,
  /** Wait after a refused password: firmware locks an account after ~5 failed logins in a few minutes. */
  unauthorized_retry_ms: 5 * 60_000,
  /** Wait before taking a part again when the inbox's backlog is full. */
  inbox_full_retry_ms: 1_000,
  /** How often the list of devices is read again, so a device registered later is attached without a restart. */
  devices_refresh_ms: 60_000,
  /** Time to connect and get the answer's headers. */
  connect_timeout_ms: 10_000,
} as const
type ClientLimits = Record<keyof typeof DAHUA_CLIENT_LIMITS, number>

export interface DahuaDeviceEntry {
  serial: string
  projectId: string
  settings: Record<string, unknown>
}

export interface DahuaClientStatus {
  serial: string
  /** A stream is attached now (200 received, not yet closed). */
  connected: boolean
  lastEventAtMs: number | undefined
  lastHeartbeatAtMs: number | undefined
  /** Attempts after the first. */
  reconnects: number
}

type Log = DeviceLog

export interface DahuaClientOptions {
  inbox: Pick<PunchInbox, 'submit' | 'refuse'>
  lookups: Pick<Lookups, 'device'>
  /** The registered dahua-access devices; those without settings.connect are not attached. */
  listDevices(): Promise<DahuaDeviceEntry[]>
  /** Where passwords are read: the service's process.env. */
  env: Readonly<Record<string, string | undefined>>
  log: Log
  /** Events that are no punch, counted and dropped, by family ("dahua") and kind (the HTTP edge's counter). */
  ignored?: Counter<'family' | 'table'>
  /** Where the stream's attachment and each heartbeat are noted as the device's contacts (it is alive, punches or not). */
  contacts?: DeviceContactSink
  /** Overrides of DAHUA_CLIENT_LIMITS (tests shorten the waits). */
  limits?: Partial<ClientLimits>
  now?: () => number
}

/** Every registered dahua-access device, from the roster: what the service passes as listDevices. */
export async function registeredDahuaDevices(roster: Pick<RosterService, 'listProjects' | 'listDevices'>): Promise<DahuaDeviceEntry[]> {
  const projects = await roster.listProjects()
  const devices = (await Promise.all(projects.map((p) => roster.listDevices(p.id)))).flat()
  return devices.filter((d) => d.model === DAHUA_MODEL).map((d) => ({ serial: d.serial, projectId: d.projectId, settings: JSON.parse(d.settings) as Record<string, unknown> }))
}

export interface DahuaClients {
  /** Reads the device list now and attaches to the devices not yet attached (otherwise done every devices_refresh_ms). */
  refresh(): Promise<void>
  close(): Promise<void>
  status(): DahuaClientStatus[]
}

const FAMILY = 'dahua'

/** How one attempt ended, which decides the wait before the next. */
type AttemptEnd = { kind: 'stream_ended'; carried: boolean; why: string } | { kind: 'failed'; why: string } | { kind: 'unauthorized'; why: string } | { kind: 'closed' }

export async function startDahuaClients(opts: DahuaClientOptions): Promise<DahuaClients> {
  const limits: ClientLimits = { ...DAHUA_CLIENT_LIMITS, ...opts.limits }
  const now = opts.now ?? Date.now
  const devices = await connectEach({
    listDevices: () => opts.listDevices(),
    readConnect,
    open: (serial, connect: DahuaConnect) => new DeviceClient(serial, connect, opts, limits, now),
    refreshMs: limits.devices_refresh_ms,
    log: opts.log,
    family: FAMILY,
  })
  return {
    refresh: () => devices.refresh(),
    close: () => devices.close(),
    status: () => [...devices.connections.values()].map((c) => c.status()),
  }
}

class DeviceClient {
  private connected = false
  private lastEventAtMs: number | undefined
  private lastHeartbeatAtMs: number | undefined
  private attempts = 0
  private closed = false
  private loop: Promise<void> | undefined
  /** Cancels the attempt in progress. */
  private cancel: (() => void) | undefined
  /** The checks before each attempt and the waits between them. */
  private readonly retry: DeviceRetry<KnownDevice>

  constructor(
    readonly serial: string,
    private readonly connect: DahuaConnect,
    private readonly opts: DahuaClientOptions,
    private readonly limits: ClientLimits,
    private readonly now: () => number,
  ) {
    this.retry = new DeviceRetry({ serial, model: DAHUA_MODEL, connect, lookups: opts.lookups, env: opts.env, log: opts.log, limits, family: FAMILY, vendor: 'Dahua' })
  }

  start(): void {
    this.loop = this.run()
  }

  status(): DahuaClientStatus {
    return { serial: this.serial, connected: this.connected, lastEventAtMs: this.lastEventAtMs, lastHeartbeatAtMs: this.lastHeartbeatAtMs, reconnects: Math.max(0, this.attempts - 1) }
  }

  async close(): Promise<void> {
    this.closed = true
    this.retry.cancelSleep()
    this.cancel?.()
    await this.loop
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      this.attempts++
      const end = await this.attempt().catch((err: unknown): AttemptEnd => ({ kind: 'failed', why: err instanceof Error ? err.message : String(err) }))
      this.connected = false
      if (end.kind === 'closed' || this.closed) return
      let waitMs: number
      if (end.kind === 'unauthorized') {
        waitMs = this.retry.refused(end.why)
      } else {
        if (end.kind === 'stream_ended' && end.carried) this.retry.succeeded()
        waitMs = this.retry.failed()
        this.opts.log.info({ code: 'dahua_stream_lost', serial: this.serial, detail: end.why, retryInMs: waitMs }, 'Dahua event stream lost; attaching again')
      }
      await this.retry.sleep(waitMs)
    }
  }

  /** One connection: the Digest handshake, then the stream until it ends. */
  private async attempt(): Promise<AttemptEnd> {
    const ready = await this.retry.ready()
    if (this.closed) return { kind: 'closed' }
    if (!ready.ok) return ready
    const { device, password } = ready

    const base = new URL(this.connect.url)
    const path = `${base.pathname.replace(/\/+$/, '')}/cgi-bin/eventManager.cgi?action=attach&codes=[AccessControl]&heartbeat=${this.limits.heartbeat_seconds}`
    let res = await this.get(base, path, undefined)
    if (res === undefined) return { kind: 'closed' }
    if (res.statusCode === 401) {
      const challenge = parseDigestChallenge(res.headers['www-authenticate'])
      res.resume()
      if (!challenge) return { kind: 'unauthorized', why: `401 without a Digest challenge this client can answer (${String(res.headers['www-authenticate'] ?? 'none')})` }
      const authorization = digestAuthorization(challenge, { method: 'GET', uri: path, username: this.connect.username, password })
      res = await this.get(base, path, authorization)
      if (res === undefined) return { kind: 'closed' }
      if (res.statusCode === 401) {
        res.resume()
        return { kind: 'unauthorized', why: `user ${this.connect.username} refused (401 after Digest authentication)` }
      }
    }
    if (res.statusCode !== 200) {
      res.resume()
      return { kind: 'failed', why: `HTTP ${res.statusCode ?? '?'} to the attach request` }
    }
    const boundary = boundaryOf(res.headers['content-type'])
    if (!boundary.ok) {
      res.destroy()
      return { kind: 'failed', why: boundary.detail }
    }
    this.retry.accepted()
    this.connected = true
    this.opts.contacts?.heard(this.serial, 'dahua_stream')
    return this.read(res, new EventStreamSplitter(boundary.boundary), device)
  }

  /** One GET; undefined when the client was closed meanwhile. */
  private get(base: URL, path: string, authorization: string | undefined): Promise<IncomingMessage | undefined> {
    return new Promise((resolve, reject) => {
      const request = base.protocol === 'https:' ? httpsRequest : httpRequest
      const req: ClientRequest = request({
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port === '' ? undefined : base.port,
        path,
        method: 'GET',
        agent: false,
        headers: { accept: 'multipart/x-mixed-replace', ...(authorization ? { authorization } : {}) },
      })
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${this.limits.connect_timeout_ms} ms`)), this.limits.connect_timeout_ms)
      this.cancel = () => {
        clearTimeout(timer)
        req.destroy()
        resolve(undefined)
      }
      req.on('response', (res) => {
        clearTimeout(timer)
        resolve(res)
      })
      req.on('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
      req.end()
    })
  }

  /** Reads the stream until it ends, is silent too long, or the client closes. */
  private read(res: IncomingMessage, splitter: EventStreamSplitter, device: KnownDevice): Promise<AttemptEnd> {
    const silenceMs = this.limits.heartbeat_seconds * 1000 * this.limits.heartbeats_missed_max
    let carried = false
    return new Promise<AttemptEnd>((resolve) => {
      let settled = false
      let watchdog: NodeJS.Timeout | undefined
      /** Parts are taken in order, one chunk's parts at a time; the socket is paused meanwhile. */
      let work: Promise<void> = Promise.resolve()
      const finish = (end: AttemptEnd) => {
        if (settled) return
        settled = true
        clearTimeout(watchdog)
        res.destroy()
        // What the splitter still holds (a part cut by the connection's end) is judged before the next attempt.
        const tail = splitter.end()
        work = work.then(() => this.take(tail, device)).catch(() => {})
        void work.then(() => resolve(end))
      }
      const arm = () => {
        clearTimeout(watchdog)
        watchdog = setTimeout(() => finish({ kind: 'stream_ended', carried, why: `no heartbeat for ${silenceMs} ms` }), silenceMs)
      }
      this.cancel = () => finish({ kind: 'closed' })
      arm()
      res.on('data', (chunk: Buffer) => {
        const items = splitter.push(chunk)
        if (items.length === 0) return
        carried = true
        arm()
        res.pause()
        work = work
          .then(() => this.take(items, device))
          .then(
            () => {
              if (!settled) res.resume()
            },
            (err: unknown) => finish({ kind: 'failed', why: `the inbox failed: ${err instanceof Error ? err.message : String(err)}` }),
          )
      })
      res.on('end', () => finish({ kind: 'stream_ended', carried, why: 'the device closed the stream' }))
      res.on('error', (err) => finish({ kind: 'stream_ended', carried, why: err.message }))
      res.on('close', () => finish({ kind: 'stream_ended', carried, why: 'the connection closed' }))
    })
  }

  /** The parts of one chunk: heartbeats noted, no-punch events counted, the rest submitted together (in order). */
  private async take(items: readonly StreamItem[], device: KnownDevice): Promise<void> {
    const topic = punchTopic(device.siteCode, this.serial)
    const ctx = { serial: this.serial, timeZone: device.timeZone, settings: device.settings }
    const submits: Array<Promise<unknown>> = []
    for (const item of items) {
      if (!item.ok) {
        if (item.reason === 'part_too_large') {
          // The bytes were dropped by the splitter (over the limit); the refusal is kept with its detail and no payload.
          submits.push(this.submit(() => this.opts.inbox.refuse({ topic, payload: Buffer.alloc(0), clientId: undefined, source: 'http' }, { reason: 'packet_too_large', detail: item.detail, sender: { projectId: device.projectId, deviceSerial: this.serial }, payloadBytesKept: 0 })))
        } else {
          // Bytes outside any part, or a part cut off by the connection's end: nothing a frame could carry.
          this.opts.ignored?.inc({ family: FAMILY, table: item.reason })
          this.opts.log.info({ code: 'dahua_stream_issue', serial: this.serial, reason: item.reason, detail: item.detail }, 'Dahua event stream: bytes that are no part')
        }
        continue
      }
      const part = parseEventPart(item.part.body)
      if (part.ok && part.kind === 'heartbeat') {
        this.lastHeartbeatAtMs = this.now()
        this.opts.contacts?.heard(this.serial, 'dahua_stream')
        continue
      }
      this.lastEventAtMs = this.now()
      const decoded = device.codec.decode(item.part.body, ctx)
      if (!decoded.ok && decoded.reason === 'not_a_punch') {
        this.opts.ignored?.inc({ family: FAMILY, table: notPunchKind(decoded.detail) })
        continue
      }
      const payload = item.part.body
      submits.push(this.submit(() => this.opts.inbox.submit({ topic, payload, clientId: undefined, source: 'http' })))
    }
    await Promise.all(submits)
  }

  /** Submits, waiting while the backlog is full: the stream cannot be asked for the event again. */
  private async submit(send: () => Promise<unknown>): Promise<void> {
    for (;;) {
      try {
        await send()
        return
      } catch (err) {
        if (!(err instanceof InboxFullError) || this.closed) throw err
        await new Promise((r) => setTimeout(r, this.limits.inbox_full_retry_ms))
      }
    }
  }
}
