/**
 * Hikvision access-control devices (devices/hikvision-isapi) push events to a listening host as they happen, but a push
 * the service missed (the service down, the network cut, the device set up without a listening host) is only in the
 * device's event log. The poller reads that log: every `pollSeconds` it searches each registered hikvision-isapi device
 * whose settings carry `connect` ({ url, username, passwordEnv, pollSeconds }) for the events after the last serialNo
 * it has, `POST /ISAPI/AccessControl/AcsEvent?format=json` with HTTP Digest authentication, page by page
 * (devices/README.md, "Search: how the service polls"). The password is read from the service's environment variable
 * `passwordEnv` names, at each search, and never stored.
 *
 * Each entry of a page: an event the codec reads as no punch (a door, an alarm, a remote opening, a failed face) is
 * counted and dropped, as the HTTP edge does with pushes; anything else goes to the durable inbox as one frame under
 * the device's topic, where admission decodes, stores or refuses it. serialNo is the record id, so an event seen by
 * push and again by a search, or searched twice, is stored once.
 *
 * Where a search starts: `beginSerialNo` is the highest serialNo this poller has seen plus one, door and alarm events
 * included, so a door opening after the last punch is not read again and again. The first search after a start asks
 * the store (`lastSerialNo`: the device's highest stored record id); events after it that were no punches are read
 * once more then, and counted once more, which is harmless. The highest serialNo moves on only once every frame of a
 * page is committed: a page the inbox could not take (backlog full, the service closing) is asked again at the next
 * search, never skipped, since the device keeps its log.
 *
 * Searches: one every pollSeconds while the device answers. A failure (no answer, an HTTP error, a `device_error` or
 * malformed answer) is retried after 1 s, doubling to 60 s, back to the device's interval after a search that
 * answered. A refused password is logged once (until it is accepted again) and tried again every 5 minutes: Hikvision
 * firmware locks an account after a few failed logins ("illegal login lock").
 */
import { randomUUID } from 'node:crypto'
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Counter } from 'prom-client'
import { readConnect, type HikvisionConnect } from '../../devices/hikvision-isapi/codec.ts'
import { SEARCH_RESPONSE_BYTES_MAX, splitSearch } from '../../devices/hikvision-isapi/split.ts'
import { LIMITS } from '../config/limits.ts'
import { localParts } from '../kernel/time.ts'
import { punchTopic, type KnownDevice, type Lookups } from '../punches/admit.ts'
import type { DeviceContactSink } from '../punches/device-contacts.ts'
import type { RosterService } from '../roster/service.ts'
import { connectEach, DeviceRetry, notPunchKind, type DeviceLog } from './device-connections.ts'
import { digestAuthorization, parseDigestChallenge } from './digest.ts'
import type { PunchInbox } from './inbox.ts'

export const HIKVISION_MODEL = 'hikvision-isapi'
const SEARCH_PATH = '/ISAPI/AccessControl/AcsEvent?format=json'

/** Named limits of the poller, each with its reason. */
export const HIKVISION_POLLER_LIMITS = {
  /** `maxResults` asked per page: the most the terminals seen return (a device may return fewer). */
  page_results_max: 30,
  /** Pages read in one search: 100 × 30 events; a device further behind is caught up over the next searches. */
  search_pages_max: 100,
  /** First wait after a failed search, doubled after each failure. */
  backoff_initial_ms: 1_000,
  /** Longest wait between failed searches: a device back on the network is heard within a minute. */
  backoff_max_ms: 60_000,
  /** Wait after a refused password: firmware locks an account after a few failed logins. */
  unauthorized_retry_ms: 5 * 60_000,
  /** How often the list of devices is read again, so a device registered later is polled without a restart. */
  devices_refresh_ms: 60_000,
  /** Time for one request to be answered in full. */
  request_timeout_ms: 10_000,
  /**
   * How far ahead of the service clock the search window reaches. The condition needs a window, and an event from a
   * clock set ahead is admission's to judge (kept, marked suspect), not the search's to hide.
   */
  window_ahead_ms: 366 * 24 * 3_600_000,
} as const
type PollerLimits = Record<keyof typeof HIKVISION_POLLER_LIMITS, number>

export interface HikvisionPollDeviceEntry {
  serial: string
  projectId: string
  settings: Record<string, unknown>
}

export interface HikvisionPollerStatus {
  serial: string
  /** The last search was answered (every page of it). */
  connected: boolean
  lastPollAtMs: number | undefined
  /** When the last event (punch or not) was read. */
  lastEventAtMs: number | undefined
  /** The highest serialNo seen and committed; undefined before the first search. */
  lastSerialNo: number | undefined
  /** Failed searches since the last one that was answered. */
  failures: number
}

type Log = DeviceLog

export interface HikvisionPollerOptions {
  inbox: Pick<PunchInbox, 'submit'>
  lookups: Pick<Lookups, 'device'>
  /** The registered hikvision-isapi devices; those without settings.connect are not polled. */
  listDevices(): Promise<HikvisionPollDeviceEntry[]>
  /** Where passwords are read: the service's process.env. */
  env: Readonly<Record<string, string | undefined>>
  log: Log
  /** Events that are no punch, counted and dropped, by family ("hikvision") and kind (the HTTP edge's counter). */
  ignored?: Counter<'family' | 'table'>
  /** The highest serialNo stored for the device (its punches' record ids), or undefined when none is. */
  lastSerialNo(serial: string): Promise<number | undefined>
  /** Where an answered search is noted as the device's contact (it is alive, events or not). */
  contacts?: DeviceContactSink
  /** Overrides of HIKVISION_POLLER_LIMITS (tests shorten the waits). */
  limits?: Partial<PollerLimits>
  now?: () => number
  /**
   * Backfills asked of the device (src/punches/backfill.ts): after each answered search the poller takes those not
   * handed out yet and searches each through, a gap's serialNo range (recordFrom..recordTo, the gap watch's) or a
   * person's window, and answers 0 (every page read: every number of a range is accounted for, a punch stored or an
   * event counted as no punch) or 1 (more pages than one search reads: the request expires and can be asked again).
   */
  backfills?: {
    handOut(serial: string): Promise<ReadonlyArray<{ commandNo: number; recordFrom: number | null; recordTo: number | null; windowFromMs: number; windowToMs: number }>>
    answer(serial: string, commandNo: number, returnCode: number, detail: string): Promise<unknown>
  }
}

export interface HikvisionPollers {
  close(): Promise<void>
  status(): HikvisionPollerStatus[]
  /** Reads the device list again and searches every polled device (or the one named) now; settles when done. */
  pollNow(serial?: string): Promise<void>
}

/** Every registered hikvision-isapi device with connect settings, from the roster: what the service passes as listDevices. */
export async function registeredHikvisionPollDevices(roster: Pick<RosterService, 'listProjects' | 'listDevices'>): Promise<HikvisionPollDeviceEntry[]> {
  const projects = await roster.listProjects()
  const devices = (await Promise.all(projects.map((p) => roster.listDevices(p.id)))).flat()
  return devices
    .filter((d) => d.model === HIKVISION_MODEL)
    .map((d) => ({ serial: d.serial, projectId: d.projectId, settings: JSON.parse(d.settings) as Record<string, unknown> }))
    .filter((d) => d.settings['connect'] !== undefined)
}

const FAMILY = 'hikvision'

/** An instant as ISAPI writes a time: the wall time in the zone, with the zone's offset then. */
export function isapiTime(instantMs: number, timeZone: string): string {
  const p = localParts(instantMs, timeZone)
  const wallMs = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)
  const offsetMinutes = Math.round((wallMs - Math.floor(instantMs / 1000) * 1000) / 60_000)
  const pad = (n: number) => String(n).padStart(2, '0')
  const sign = offsetMinutes < 0 ? '-' : '+'
  const abs = Math.abs(offsetMinutes)
  return `${new Date(wallMs).toISOString().slice(0, 19)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

/**
 * The search condition of one page (devices/README.md, "Search: how the service polls"). `endSerialNo`, with
 * `beginSerialNo`, bounds a backfill's search to a gap's numbers, both included.
 */
export function acsEventCond(c: { searchId: string; position: number; maxResults: number; beginSerialNo: number; endSerialNo?: number; startTime: string; endTime: string }): string {
  return JSON.stringify({
    AcsEventCond: {
      searchID: c.searchId,
      searchResultPosition: c.position,
      maxResults: c.maxResults,
      major: 0,
      minor: 0,
      startTime: c.startTime,
      endTime: c.endTime,
      beginSerialNo: c.beginSerialNo,
      ...(c.endSerialNo === undefined ? {} : { endSerialNo: c.endSerialNo }),
      picEnable: false,
      timeReverseOrder: false,
    },
  })
}

/** The serialNo of an InfoList entry, when it has a usable one. */
function serialNoOf(frame: Buffer): number | undefined {
  try {
    const value = (JSON.parse(frame.toString('utf8')) as { serialNo?: unknown }).serialNo
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined
  } catch {
    return undefined
  }
}

/** How one search ended, which decides the wait before the next. */
type SearchEnd = { kind: 'answered' } | { kind: 'failed'; why: string } | { kind: 'unauthorized'; why: string } | { kind: 'closed' }

export async function startHikvisionPollers(opts: HikvisionPollerOptions): Promise<HikvisionPollers> {
  const limits: PollerLimits = { ...HIKVISION_POLLER_LIMITS, ...opts.limits }
  const now = opts.now ?? Date.now
  let closed = false
  const devices = await connectEach({
    listDevices: () => opts.listDevices(),
    readConnect,
    open: (serial, connect: HikvisionConnect) => new DevicePoller(serial, connect, opts, limits, now),
    refreshMs: limits.devices_refresh_ms,
    log: opts.log,
    family: FAMILY,
  })
  return {
    async close() {
      closed = true
      await devices.close()
    },
    status: () => [...devices.connections.values()].map((p) => p.status()),
    async pollNow(serial?: string) {
      if (closed) return
      await devices.refresh()
      await Promise.all([...devices.connections.values()].filter((p) => serial === undefined || p.serial === serial).map((p) => p.pollNow()))
    },
  }
}

class DevicePoller {
  private connected = false
  private lastPollAtMs: number | undefined
  private lastEventAtMs: number | undefined
  /** The highest serialNo seen whose page is committed; undefined until the store or a search says. */
  private lastSerialNo: number | undefined
  private failures = 0
  private closed = false
  private loop: Promise<void> | undefined
  /** Cancels the request in progress (pollNow's search runs during the timer's wait, which the retry cuts short). */
  private cancelRequest: (() => void) | undefined
  /** Searches run one at a time: the timer's and pollNow's. */
  private running: Promise<SearchEnd> = Promise.resolve({ kind: 'answered' })
  /** The checks before each search and the waits between them. */
  private readonly retry: DeviceRetry<KnownDevice>

  constructor(
    readonly serial: string,
    private readonly connect: HikvisionConnect,
    private readonly opts: HikvisionPollerOptions,
    private readonly limits: PollerLimits,
    private readonly now: () => number,
  ) {
    this.retry = new DeviceRetry({ serial, model: HIKVISION_MODEL, connect, lookups: opts.lookups, env: opts.env, log: opts.log, limits, family: FAMILY, vendor: 'Hikvision' })
  }

  start(): void {
    this.loop = this.run()
  }

  status(): HikvisionPollerStatus {
    return { serial: this.serial, connected: this.connected, lastPollAtMs: this.lastPollAtMs, lastEventAtMs: this.lastEventAtMs, lastSerialNo: this.lastSerialNo, failures: this.failures }
  }

  async close(): Promise<void> {
    this.closed = true
    this.retry.cancelSleep()
    this.cancelRequest?.()
    await this.loop
    await this.running
  }

  async pollNow(): Promise<void> {
    await this.searchSerially()
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      const end = await this.searchSerially()
      if (end.kind === 'closed' || this.closed) return
      await this.retry.sleep(this.waitAfter(end))
    }
  }

  /** One search after any in progress; its outcome noted in the status and the back-off. */
  private searchSerially(): Promise<SearchEnd> {
    const next = this.running.then(async (): Promise<SearchEnd> => {
      if (this.closed) return { kind: 'closed' }
      const end = await this.search().catch((err: unknown): SearchEnd => ({ kind: 'failed', why: err instanceof Error ? err.message : String(err) }))
      this.note(end)
      return end
    })
    this.running = next
    return next
  }

  private note(end: SearchEnd): void {
    if (end.kind === 'closed' || this.closed) return
    this.lastPollAtMs = this.now()
    this.connected = end.kind === 'answered'
    if (end.kind === 'answered') {
      this.opts.contacts?.heard(this.serial, 'hikvision_search')
      this.failures = 0
      this.retry.succeeded()
      this.retry.accepted()
      return
    }
    this.failures++
    if (end.kind === 'unauthorized') {
      this.retry.refused(end.why)
    } else {
      this.opts.log.info({ code: 'hikvision_search_failed', serial: this.serial, detail: end.why, retryInMs: this.retry.nextBackoffMs }, 'Hikvision event search failed; tried again')
    }
  }

  /** The wait before the next search: the device's interval after an answer, the back-off after a failure. */
  private waitAfter(end: SearchEnd): number {
    switch (end.kind) {
      case 'answered':
      case 'closed':
        return this.connect.pollSeconds * 1000
      case 'unauthorized':
        return this.limits.unauthorized_retry_ms
      case 'failed':
        return this.retry.failed()
    }
  }

  /** One search: every page from the last serialNo seen, then the windows of the backfills asked of the device. */
  private async search(): Promise<SearchEnd> {
    const ready = await this.retry.ready()
    if (this.closed) return { kind: 'closed' }
    if (!ready.ok) return ready
    const { device, password } = ready
    this.lastSerialNo ??= await this.opts.lastSerialNo(this.serial)
    if (this.closed) return { kind: 'closed' }

    const base = new URL(this.connect.url)
    const path = `${base.pathname.replace(/\/+$/, '')}${SEARCH_PATH}`
    const nowMs = this.now()
    const startTime = isapiTime(nowMs - LIMITS.device_time_behind_ms_max, device.timeZone)
    const endTime = isapiTime(nowMs + this.limits.window_ahead_ms, device.timeZone)
    const beginSerialNo = (this.lastSerialNo ?? 0) + 1
    const end = await this.searchPages(base, path, password, device, { beginSerialNo, startTime, endTime })
    if (end.kind !== 'answered') return end
    // A backfill is searched whatever serialNo was reached: what the pushes missed in it is stored, what was stored
    // already is a duplicate, counted once. A gap's serial range is searched by number over the same wide window as
    // the catching up (the numbers select; an event's time, from a clock set wrong, must not hide it); a person's
    // window, from serialNo 1.
    for (const b of (await this.opts.backfills?.handOut(this.serial)) ?? []) {
      const byNumber = b.recordFrom !== null && b.recordTo !== null
      const cond = byNumber
        ? { beginSerialNo: b.recordFrom as number, endSerialNo: b.recordTo as number, startTime, endTime }
        : { beginSerialNo: 1, startTime: isapiTime(b.windowFromMs, device.timeZone), endTime: isapiTime(b.windowToMs, device.timeZone) }
      const found = await this.searchPages(base, path, password, device, cond)
      if (found.kind !== 'answered') return found
      const done = byNumber ? `serialNo ${b.recordFrom}-${b.recordTo} searched through` : 'window searched through'
      await this.opts.backfills?.answer(this.serial, b.commandNo, found.complete ? 0 : 1, found.complete ? done : `more than ${this.limits.search_pages_max} pages`)
    }
    return { kind: 'answered' }
  }

  /** Every page of one search condition, each page's frames committed before the next is asked. */
  private async searchPages(
    base: URL,
    path: string,
    password: string,
    device: KnownDevice,
    cond: { beginSerialNo: number; endSerialNo?: number; startTime: string; endTime: string },
  ): Promise<{ kind: 'answered'; complete: boolean } | Exclude<SearchEnd, { kind: 'answered' }>> {
    const { beginSerialNo, endSerialNo, startTime, endTime } = cond
    const searchId = randomUUID()
    let position = 0
    for (let page = 0; page < this.limits.search_pages_max; page++) {
      const body = acsEventCond({ searchId, position, maxResults: this.limits.page_results_max, beginSerialNo, endSerialNo, startTime, endTime })
      const answer = await this.post(base, path, body, password)
      if (answer.kind !== 'answer') return answer
      if (answer.status !== 200) {
        const split = splitSearch(answer.body)
        return { kind: 'failed', why: `HTTP ${answer.status} to the search${split.ok ? '' : `: ${split.detail}`}` }
      }
      const split = splitSearch(answer.body)
      if (!split.ok) return { kind: 'failed', why: `${split.reason}: ${split.detail}` }
      await this.take(split.frames, device)
      if (this.closed) return { kind: 'closed' }
      if (split.status !== 'MORE') return { kind: 'answered', complete: true }
      if (split.frames.length === 0) return { kind: 'failed', why: 'the device answered MORE with no entries' }
      position += split.frames.length
    }
    // Further pages are read by the next search, from the serialNo reached.
    return { kind: 'answered', complete: false }
  }

  /** One page's entries: no-punch events counted, the rest submitted; the serialNo moves on once all are committed. */
  private async take(frames: readonly Buffer[], device: KnownDevice): Promise<void> {
    const topic = punchTopic(device.siteCode, this.serial)
    const ctx = { serial: this.serial, timeZone: device.timeZone, settings: device.settings }
    const submits: Array<Promise<unknown>> = []
    let highest = this.lastSerialNo
    for (const frame of frames) {
      const serialNo = serialNoOf(frame)
      if (serialNo !== undefined && (highest === undefined || serialNo > highest)) highest = serialNo
      const decoded = device.codec.decode(frame, ctx)
      if (!decoded.ok && decoded.reason === 'not_a_punch') {
        this.opts.ignored?.inc({ family: FAMILY, table: notPunchKind(decoded.detail) })
        continue
      }
      submits.push(this.opts.inbox.submit({ topic, payload: frame, clientId: undefined, source: 'http' }))
    }
    if (frames.length > 0) this.lastEventAtMs = this.now()
    // Every submit settles before the outcome is judged: none is left running into the next search.
    const settled = await Promise.allSettled(submits)
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failed) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason))
    this.lastSerialNo = highest
  }

  /** The search request with its Digest handshake. */
  private async post(base: URL, path: string, body: string, password: string): Promise<{ kind: 'answer'; status: number; body: Buffer } | Exclude<SearchEnd, { kind: 'answered' }>> {
    let res = await this.request(base, path, body, undefined)
    if (res === undefined) return { kind: 'closed' }
    if (res.status === 401) {
      const challenge = parseDigestChallenge(res.headers['www-authenticate'])
      if (!challenge) return { kind: 'unauthorized', why: `401 without a Digest challenge this poller can answer (${String(res.headers['www-authenticate'] ?? 'none')})` }
      const authorization = digestAuthorization(challenge, { method: 'POST', uri: path, username: this.connect.username, password })
      res = await this.request(base, path, body, authorization)
      if (res === undefined) return { kind: 'closed' }
      if (res.status === 401) return { kind: 'unauthorized', why: `user ${this.connect.username} refused (401 after Digest authentication)` }
    }
    return { kind: 'answer', status: res.status, body: res.body }
  }

  /** One POST read in full (at most SEARCH_RESPONSE_BYTES_MAX and one byte); undefined when the poller was closed meanwhile. */
  private request(base: URL, path: string, body: string, authorization: string | undefined): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer } | undefined> {
    return new Promise((resolve, reject) => {
      const request = base.protocol === 'https:' ? httpsRequest : httpRequest
      const req: ClientRequest = request({
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port === '' ? undefined : base.port,
        path,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), accept: 'application/json', ...(authorization ? { authorization } : {}) },
      })
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${this.limits.request_timeout_ms} ms`)), this.limits.request_timeout_ms)
      this.cancelRequest = () => {
        clearTimeout(timer)
        req.destroy()
        resolve(undefined)
      }
      req.on('response', (res) => {
        const chunks: Buffer[] = []
        let bytes = 0
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length
          // One byte over the limit is enough for splitSearch to refuse the answer as too large.
          if (bytes > SEARCH_RESPONSE_BYTES_MAX + 1) {
            res.destroy()
            clearTimeout(timer)
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat([...chunks, chunk]).subarray(0, SEARCH_RESPONSE_BYTES_MAX + 1) })
            return
          }
          chunks.push(chunk)
        })
        res.on('end', () => {
          clearTimeout(timer)
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })
        })
        res.on('error', (err) => {
          clearTimeout(timer)
          reject(err)
        })
      })
      req.on('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
      req.end(body)
    })
  }
}
