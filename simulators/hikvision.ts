/**
 * A Hikvision access-control terminal (门禁一体机) pushing events to a listening host (ISAPI "HTTP listening"), as the
 * firmware does: one POST per event, JSON alone or multipart with the captured face picture, the event kept until the
 * host answers 200 and pushed again otherwise. `serialNo` counts the device's events; a person's authentication is
 * major 5 with a verification minor (75: face authentication passed), a door or remote-open event is not a punch.
 *
 * And the same terminal searched instead (HikvisionSearchDevice): it serves its event log at
 * `POST /ISAPI/AccessControl/AcsEvent?format=json` behind HTTP Digest authentication, answering an `AcsEventCond`
 * page by page (devices/hikvision-isapi/samples/bodies/ has the shapes).
 */
import { DigestDevice } from './digest-device.ts'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface HikEvent {
  employeeNo: string | null
  /** ISO 8601 with the device's offset, e.g. 2026-11-03T07:31:12+08:00. */
  dateTime: string
  major: number
  minor: number
  attendanceStatus?: 'checkIn' | 'checkOut' | 'undefined'
  verifyMode?: string
}

/** A JPEG's first and last bytes around filler: enough to be a picture part, never stored. */
const FAKE_JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 0x42), Buffer.from([0xff, 0xd9])])

export class HikvisionTerminal {
  private serialNo = 0
  /** Events not yet answered 200, oldest first. */
  readonly unsent: Array<{ serialNo: number; event: HikEvent }> = []

  constructor(
    private readonly baseUrl: string,
    readonly serial: string,
    /** Push the face picture with each event (multipart), as terminals set to "upload picture" do. */
    private readonly withPicture = true,
  ) {}

  record(event: HikEvent): number {
    this.serialNo++
    this.unsent.push({ serialNo: this.serialNo, event })
    return this.serialNo
  }

  /** The event's JSON as the firmware sends it. */
  eventJson(serialNo: number, e: HikEvent): Record<string, unknown> {
    return {
      ipAddress: '10.20.0.31',
      portNo: 80,
      protocol: 'HTTP',
      macAddress: 'a4:d5:c2:10:20:31',
      channelID: 1,
      dateTime: e.dateTime,
      activePostCount: 1,
      eventType: 'AccessControllerEvent',
      eventState: 'active',
      eventDescription: 'Access Controller Event',
      AccessControllerEvent: {
        deviceName: 'Access Controller',
        majorEventType: e.major,
        subEventType: e.minor,
        ...(e.employeeNo === null ? {} : { employeeNoString: e.employeeNo, name: `worker ${e.employeeNo}`, userType: 'normal' }),
        cardReaderKind: 1,
        cardReaderNo: 1,
        verifyNo: 1,
        serialNo,
        currentVerifyMode: e.verifyMode ?? 'cardOrFace',
        attendanceStatus: e.attendanceStatus ?? 'undefined',
        frontSerialNo: serialNo - 1,
        mask: 'no',
        picturesNumber: this.withPicture ? 1 : 0,
      },
    }
  }

  /** Pushes every unsent event in order; stops at the first not answered 200. Returns how many were answered 200. */
  async pushAll(): Promise<{ acked: number; statuses: number[] }> {
    const statuses: number[] = []
    let acked = 0
    while (this.unsent.length > 0) {
      const { serialNo, event } = this.unsent[0]!
      const json = JSON.stringify(this.eventJson(serialNo, event))
      let status = 0
      try {
        const res = this.withPicture ? await this.postMultipart(json) : await fetch(this.url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: json })
        status = res.status
        await res.text()
      } catch {
        status = 0
      }
      statuses.push(status)
      if (status !== 200) break
      this.unsent.shift()
      acked++
    }
    return { acked, statuses }
  }

  private url(): string {
    return `${this.baseUrl}/hikvision/${encodeURIComponent(this.serial)}/events`
  }

  private postMultipart(json: string): Promise<Response> {
    const boundary = 'MIME_boundary'
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="AccessControllerEvent"\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="Picture"; filename="Picture.jpg"\r\nContent-Type: image/jpeg\r\nContent-Length: ${FAKE_JPEG.length}\r\n\r\n`),
      FAKE_JPEG,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ])
    return fetch(this.url(), { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body })
  }
}

// ---------------------------------------------------------------------------
// The event log, searched (ISAPI AcsEvent)
// ---------------------------------------------------------------------------

/** One event of the device's log, as the search lists it. */
export interface HikLogEvent {
  /** The enrolled user id; null for an event nobody verified (a door, an alarm). */
  employeeNo: string | null
  /** The instant, in milliseconds; written as the device's wall time with its offset (+08:00). */
  atMs: number
  major: number
  minor: number
  attendanceStatus?: 'checkIn' | 'checkOut' | 'undefined'
  cardReaderNo?: number
}

export interface HikvisionSearchDeviceOptions {
  serial?: string
  username?: string
  password: string
  /** The most entries one page holds, whatever maxResults asks: 30 on the terminals seen. */
  pageMax?: number
}

const SEARCH_PATH = '/ISAPI/AccessControl/AcsEvent'
/** The device's zone: Beijing time, no daylight saving. */
const DEVICE_OFFSET_MS = 8 * 3_600_000


/** ISAPI time as the terminal writes it: its wall time with its offset. */
function isapiTime(atMs: number): string {
  return `${new Date(atMs + DEVICE_OFFSET_MS).toISOString().slice(0, 19)}+08:00`
}

/** An ISAPI ResponseStatus, what the device answers instead of results. */
function responseStatus(res: ServerResponse, status: number, statusCode: number, statusString: string, subStatusCode: string): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ statusCode, statusString, subStatusCode, errorCode: 0x40000000 + statusCode, errorMsg: subStatusCode }, null, '\t'))
}

/**
 * The terminal's event log behind `POST /ISAPI/AccessControl/AcsEvent?format=json`. A search selects the events with
 * serialNo from `beginSerialNo` (to `endSerialNo`), time within `startTime`..`endTime` and the major and minor asked
 * (0: any), in serialNo order; `searchResultPosition` and `maxResults` pick the page. `totalMatches` counts the whole
 * selection; `responseStatusStrg` is MORE while entries follow the page, OK on the last, NO MATCH when the page is
 * empty.
 *
 * The Digest check is simulators/digest-device.ts (not the poller's src/ingest/digest.ts), so that a mistake in the
 * client is not repeated in the device it is tested against.
 */
export class HikvisionSearchDevice {
  readonly serial: string
  readonly realm: string
  private readonly digest: DigestDevice
  private readonly pageMax: number
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  private nextSerialNo = 1
  /** The log, in serialNo order. */
  readonly log: Array<{ serialNo: number; event: HikLogEvent }> = []
  /** When set and true for a search's condition, the device answers it 503 "deviceBusy", as a terminal under load does. */
  busy: ((cond: Record<string, unknown>) => boolean) | undefined
  /** Every search request: its HTTP status and the AcsEventCond it asked with (undefined before authentication). */
  readonly searches: Array<{ status: number; cond: Record<string, unknown> | undefined }> = []
  url = ''

  constructor(opts: HikvisionSearchDeviceOptions) {
    this.serial = opts.serial ?? 'DS-K1T341-001'
    // In the style of Hikvision's "IP Camera(…)" realms; the client takes whatever realm the challenge names.
    this.realm = 'IP Camera(K1T341)'
    this.digest = new DigestDevice(this.realm, opts.username ?? 'admin', opts.password)
    this.pageMax = opts.pageMax ?? 30
  }

  /** Writes an event to the log; returns its serialNo. */
  record(event: HikLogEvent): number {
    const serialNo = this.nextSerialNo++
    this.log.push({ serialNo, event })
    return serialNo
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
    return this.url
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    const server = this.server
    this.server = undefined
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** The InfoList entry of one event, as a DS-K1T terminal writes it. */
  entryOf(serialNo: number, e: HikLogEvent): Record<string, unknown> {
    return {
      major: e.major,
      minor: e.minor,
      time: isapiTime(e.atMs),
      ...(e.employeeNo === null ? {} : { cardType: 1, name: `worker ${e.employeeNo}`, cardReaderNo: e.cardReaderNo ?? 1, employeeNoString: e.employeeNo, userType: 'normal' }),
      doorNo: 1,
      serialNo,
      currentVerifyMode: e.employeeNo === null ? 'invalid' : 'cardOrFace',
      ...(e.attendanceStatus === undefined ? {} : { attendanceStatus: e.attendanceStatus }),
      mask: e.employeeNo === null ? 'unknown' : 'no',
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const target = req.url ?? '/'
    const url = new URL(target, 'http://device')
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      if (req.method !== 'POST' || url.pathname !== SEARCH_PATH || url.searchParams.get('format') !== 'json') {
        responseStatus(res, 404, 4, 'Invalid Operation', 'notSupport')
        return
      }
      if (!this.digest.authorized(req.headers.authorization, req.method ?? 'GET', target)) {
        this.searches.push({ status: 401, cond: undefined })
        const nonce = this.digest.nonce()
        res.writeHead(401, { 'www-authenticate': `Digest qop="auth", realm="${this.realm}", nonce="${nonce}", stale="FALSE"`, 'content-type': 'text/html' })
        res.end('<!DOCTYPE html><html><head><title>Document Error: Unauthorized</title></head><body><h2>Access Error: 401 -- Unauthorized</h2></body></html>')
        return
      }
      let cond: Record<string, unknown> | undefined
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { AcsEventCond?: Record<string, unknown> }
        cond = typeof body.AcsEventCond === 'object' && body.AcsEventCond !== null ? body.AcsEventCond : undefined
      } catch {
        cond = undefined
      }
      if (cond === undefined) {
        this.searches.push({ status: 400, cond })
        responseStatus(res, 400, 6, 'Invalid Content', 'badJsonContent')
        return
      }
      if (this.busy?.(cond) === true) {
        this.searches.push({ status: 503, cond })
        responseStatus(res, 503, 3, 'Device Busy', 'deviceBusy')
        return
      }
      this.searches.push({ status: 200, cond })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ AcsEvent: this.search(cond) }, null, '\t'))
    })
  }

  /** One page of the selection the condition names. */
  private search(cond: Record<string, unknown>): Record<string, unknown> {
    const num = (key: string, fallback: number): number => (typeof cond[key] === 'number' ? (cond[key]) : fallback)
    const time = (key: string, fallback: number): number => (typeof cond[key] === 'string' ? Date.parse(cond[key]) : fallback)
    const begin = num('beginSerialNo', 0)
    const end = num('endSerialNo', Number.MAX_SAFE_INTEGER)
    const major = num('major', 0)
    const minor = num('minor', 0)
    const from = time('startTime', -Infinity)
    const to = time('endTime', Infinity)
    const selected = this.log.filter(
      ({ serialNo, event }) =>
        serialNo >= begin && serialNo <= end && (major === 0 || event.major === major) && (minor === 0 || event.minor === minor) && event.atMs >= from && event.atMs <= to,
    )
    const position = Math.max(0, num('searchResultPosition', 0))
    const page = selected.slice(position, position + Math.max(0, Math.min(num('maxResults', this.pageMax), this.pageMax)))
    const searchID = typeof cond['searchID'] === 'string' ? cond['searchID'] : ''
    if (page.length === 0) return { searchID, totalMatches: selected.length, responseStatusStrg: 'NO MATCH', numOfMatches: 0 }
    return {
      searchID,
      totalMatches: selected.length,
      responseStatusStrg: position + page.length < selected.length ? 'MORE' : 'OK',
      numOfMatches: page.length,
      InfoList: page.map(({ serialNo, event }) => this.entryOf(serialNo, event)),
    }
  }

}
