/**
 * A Dahua access-control terminal's event stream, as firmware serves it: `GET
 * /cgi-bin/eventManager.cgi?action=attach&codes=[AccessControl]&heartbeat=N` behind HTTP Digest authentication (realm
 * "Login to <serial>", MD5, qop auth), answered with an endless `multipart/x-mixed-replace; boundary=myboundary`: a
 * `Heartbeat` part every heartbeat interval and an `AccessControl` part for each event, written to every stream attached
 * at that moment. An event that happens while nobody is attached is not written anywhere: it stays in the device's
 * records (recordFinder), which this simulator does not serve.
 *
 * The Digest check is simulators/digest-device.ts (not the client's src/ingest/digest.ts), so that a mistake in the
 * client is not repeated in the device it is tested against.
 */
import { DigestDevice, md5 } from './digest-device.ts'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface DahuaEvent {
  /** The device's record number; the next one when left out. */
  recNo?: number
  /** The enrolled user id; '' for a card nobody is bound to. */
  userId: string
  cardNo?: string
  /** 15 face, 1 card, 4 remote opening (no person), … (devices/dahua-access/codec.ts METHODS). */
  method?: number
  /** 1 opened, 0 refused. */
  status?: number
  errorCode?: number
  type?: 'Entry' | 'Exit'
  /** The instant, in milliseconds; UTC and LocaleTime (in the device's zone, UTC+8) are written from it. */
  atMs: number
}

export interface DahuaDeviceOptions {
  serial?: string
  username?: string
  password: string
  /** How often a Heartbeat part is written, in milliseconds (the device takes `heartbeat=` in seconds). */
  heartbeatMs?: number
  /** Line ends the firmware writes: CRLF, or a bare LF as some firmware does. */
  lineEnd?: '\r\n' | '\n'
}

const BOUNDARY = 'myboundary'
const ATTACH_PATH = '/cgi-bin/eventManager.cgi'
/** The device's zone for LocaleTime: Beijing time, no daylight saving. */
const DEVICE_OFFSET_MS = 8 * 3_600_000


/** LocaleTime as firmware writes it: the device's wall time, no zone. */
function localeTime(atMs: number): string {
  return new Date(atMs + DEVICE_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ')
}

export class DahuaDevice {
  readonly serial: string
  readonly realm: string
  private readonly digest: DigestDevice
  private readonly heartbeatMs: number
  private readonly lineEnd: string
  private server: Server | undefined
  private readonly streams = new Set<ServerResponse>()
  private readonly sockets = new Set<Socket>()
  private heartbeatTimer: NodeJS.Timeout | undefined
  private nextRecNo = 1
  /** Heartbeats are written while true; false makes the stream go quiet without closing. */
  heartbeats = true
  /** Every attach request, answered or refused: its status and the query it asked with. */
  readonly requests: Array<{ status: number; query: string }> = []
  url = ''

  constructor(opts: DahuaDeviceOptions) {
    this.serial = opts.serial ?? 'DH-0001'
    this.realm = `Login to ${this.serial}`
    this.digest = new DigestDevice(this.realm, opts.username ?? 'admin', opts.password)
    this.heartbeatMs = opts.heartbeatMs ?? 5_000
    this.lineEnd = opts.lineEnd ?? '\r\n'
  }

  async listen(): Promise<string> {
    const server = createServer((req, res) => this.handle(req, res))
    server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    this.server = server
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    this.heartbeatTimer = setInterval(() => {
      if (this.heartbeats) this.writePart('Heartbeat')
    }, this.heartbeatMs)
    return this.url
  }

  /** Streams attached now. */
  get attached(): number {
    return this.streams.size
  }

  /** Writes one AccessControl event to every attached stream; returns its RecNo. */
  emit(event: DahuaEvent): number {
    const recNo = event.recNo ?? this.nextRecNo
    this.nextRecNo = Math.max(this.nextRecNo, recNo + 1)
    const data = {
      CardName: event.userId === '' ? '' : `worker ${event.userId}`,
      CardNo: event.cardNo ?? '',
      CardType: 0,
      Door: 0,
      ErrorCode: event.errorCode ?? 0,
      LocaleTime: localeTime(event.atMs),
      Method: event.method ?? 15,
      ReaderID: '1',
      RecNo: recNo,
      Similarity: 97,
      Status: event.status ?? 1,
      Type: event.type ?? 'Entry',
      UTC: Math.floor(event.atMs / 1000),
      UserID: event.userId,
      UserType: 0,
    }
    const body = `Code=AccessControl;action=Pulse;index=0;data=${JSON.stringify(data, null, 3).replace(/\n/g, this.lineEnd)}`
    this.writePart(body)
    return recNo
  }

  /** Cuts every connection, as a network outage or a device reboot does. */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy()
    this.streams.clear()
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeatTimer)
    this.dropConnections()
    const server = this.server
    this.server = undefined
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** Writes one part with this body, whatever it holds, to every attached stream: for bodies no firmware should send. */
  writePart(body: string): void {
    const bytes = Buffer.from(body, 'utf8')
    const nl = this.lineEnd
    const part = Buffer.concat([Buffer.from(`--${BOUNDARY}${nl}Content-Type: text/plain${nl}Content-Length: ${bytes.length}${nl}${nl}`, 'latin1'), bytes, Buffer.from(nl, 'latin1')])
    for (const res of this.streams) res.write(part)
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const target = req.url ?? '/'
    const url = new URL(target, 'http://device')
    if (req.method !== 'GET' || url.pathname !== ATTACH_PATH || url.searchParams.get('action') !== 'attach') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Error\r\nBad Request!\r\n')
      return
    }
    if (!this.digest.authorized(req.headers.authorization, req.method ?? 'GET', target)) {
      this.requests.push({ status: 401, query: url.search })
      const nonce = this.digest.nonce()
      res.writeHead(401, {
        'www-authenticate': `Digest realm="${this.realm}", qop="auth", nonce="${nonce}", opaque="${md5(this.serial)}"`,
        'content-type': 'text/plain',
      })
      res.end('Error\r\nUnauthorized\r\n')
      return
    }
    this.requests.push({ status: 200, query: url.search })
    res.writeHead(200, { 'content-type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`, connection: 'close' })
    res.flushHeaders()
    this.streams.add(res)
    res.on('close', () => this.streams.delete(res))
  }

}
