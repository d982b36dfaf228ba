/**
 * What the edges that talk to devices share: the counter kind of a record that is no punch, and, for devices the
 * service connects to itself (Dahua's event stream, Hikvision's log search), one connection per registered device
 * with usable connect settings, the device list read again now and then so a device registered later is picked up.
 */

/** The kind of a record that is no punch, for its counter: the codec's detail up to its first comma, colon or bracket. */
export function notPunchKind(detail: string): string {
  // A metric label: the codec's phrase, with any number a device put in it written as `n`, so the series stay few and
  // no card or ID number reaches /metrics.
  return detail.split(/[,:;(]/)[0]!.trim().replace(/\d+/g, 'n').slice(0, 48) || 'not_a_punch'
}

export interface DeviceLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

/** A connection to one device: started once, closed at shutdown. */
export interface DeviceConnection {
  readonly serial: string
  start(): void
  close(): Promise<void>
}

export interface ConnectEachOptions<C, T extends DeviceConnection> {
  listDevices(): Promise<ReadonlyArray<{ serial: string; settings: Record<string, unknown> }>>
  readConnect(value: unknown): { ok: true; connect: C } | { ok: false; detail: string }
  open(serial: string, connect: C): T
  refreshMs: number
  log: DeviceLog
  /** Names the log codes (`<family>_connect_settings`, `<family>_devices_list`) and messages. */
  family: string
}

export interface ConnectedDevices<T> {
  readonly connections: ReadonlyMap<string, T>
  /** Reads the device list again and connects those not yet connected. */
  refresh(): Promise<void>
  close(): Promise<void>
}

/**
 * Connects every registered device with connect settings, now and every `refreshMs`. A device whose settings are
 * unusable is logged and left alone; one whose settings change keeps its connection until the service restarts.
 */
export async function connectEach<C, T extends DeviceConnection>(opts: ConnectEachOptions<C, T>): Promise<ConnectedDevices<T>> {
  const connections = new Map<string, T>()
  let closed = false

  async function refresh(): Promise<void> {
    const devices = await opts.listDevices()
    if (closed) return
    for (const d of devices) {
      if (connections.has(d.serial) || d.settings['connect'] === undefined) continue
      const connect = opts.readConnect(d.settings['connect'])
      if (!connect.ok) {
        opts.log.warn({ code: `${opts.family}_connect_settings`, serial: d.serial, detail: connect.detail }, `${opts.family} device not connected: its connect settings are not usable`)
        continue
      }
      const connection = opts.open(d.serial, connect.connect)
      connections.set(d.serial, connection)
      connection.start()
    }
  }

  await refresh()
  const timer = setInterval(() => {
    refresh().catch((err: unknown) => opts.log.warn({ code: `${opts.family}_devices_list`, err }, `could not read the ${opts.family} devices; tried again later`))
  }, opts.refreshMs)
  timer.unref()

  return {
    connections,
    refresh,
    async close() {
      closed = true
      clearInterval(timer)
      await Promise.all([...connections.values()].map((c) => c.close()))
    },
  }
}

/** The waits of a device connection: after a failure (doubling) and after a refused password. */
export interface DeviceRetryLimits {
  backoff_initial_ms: number
  backoff_max_ms: number
  unauthorized_retry_ms: number
}

/** Why an attempt cannot be made: the device is gone from the roster (a failure) or has no password (a refusal). */
export type NotReady = { kind: 'failed'; why: string } | { kind: 'unauthorized'; why: string }

export interface DeviceRetryOptions<D extends { codec: { model: string } }> {
  serial: string
  /** The model the device must still be registered as. */
  model: string
  connect: { url: string; passwordEnv: string }
  lookups: { device(serial: string): Promise<D | undefined> }
  env: Readonly<Record<string, string | undefined>>
  log: DeviceLog
  limits: DeviceRetryLimits
  /** Names the log codes (`<family>_unauthorized`, `<family>_authorized`). */
  family: string
  /** The vendor as a person reads it in the log messages ("Dahua"). */
  vendor: string
}

/**
 * The part of one device's connection loop that is not the protocol: before each attempt, that the device is still
 * registered as its model and that its password's environment variable is set; the waits between attempts (back-off
 * from backoff_initial_ms doubling to backoff_max_ms, unauthorized_retry_ms after a refused password, which is logged
 * once until the device accepts a password again: firmware locks an account after a few failed logins); and a sleep
 * that closing cuts short. The loop itself (when an attempt counts as a success) stays with each client.
 */
export class DeviceRetry<D extends { codec: { model: string } }> {
  private backoffMs: number
  private unauthorizedLogged = false
  private wake: (() => void) | undefined

  constructor(private readonly o: DeviceRetryOptions<D>) {
    this.backoffMs = o.limits.backoff_initial_ms
  }

  /** The device as registered and its password, or why no attempt can be made now. */
  async ready(): Promise<{ ok: true; device: D; password: string } | ({ ok: false } & NotReady)> {
    const device = await this.o.lookups.device(this.o.serial)
    if (!device || device.codec.model !== this.o.model) return { ok: false, kind: 'failed', why: `device ${this.o.serial} is no longer registered as ${this.o.model}` }
    const password = this.o.env[this.o.connect.passwordEnv]
    if (password === undefined || password === '') return { ok: false, kind: 'unauthorized', why: `the environment variable ${this.o.connect.passwordEnv} is not set` }
    return { ok: true, device, password }
  }

  /** The wait the next failure gets (the back-off, not yet doubled). */
  get nextBackoffMs(): number {
    return this.backoffMs
  }

  /** A failure: the wait before the next attempt; the one after will be twice as long, up to backoff_max_ms. */
  failed(): number {
    const wait = this.backoffMs
    this.backoffMs = Math.min(this.backoffMs * 2, this.o.limits.backoff_max_ms)
    return wait
  }

  /** An attempt that worked: the back-off starts again from backoff_initial_ms. */
  succeeded(): void {
    this.backoffMs = this.o.limits.backoff_initial_ms
  }

  /** The device refused the password (or there is none): logged once, and the slow wait before trying again. */
  refused(why: string): number {
    if (!this.unauthorizedLogged) this.o.log.warn({ code: `${this.o.family}_unauthorized`, serial: this.o.serial, url: this.o.connect.url, detail: why }, `${this.o.vendor} device refused the login; tried again slowly`)
    this.unauthorizedLogged = true
    return this.o.limits.unauthorized_retry_ms
  }

  /** The device accepted the password: said once if it had refused it. */
  accepted(): void {
    if (this.unauthorizedLogged) this.o.log.info({ code: `${this.o.family}_authorized`, serial: this.o.serial }, `${this.o.vendor} device accepts the login again`)
    this.unauthorizedLogged = false
  }

  /** Waits ms, or until cancelSleep. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.wake = done
    })
  }

  /** Ends the current sleep at once (closing). */
  cancelSleep(): void {
    this.wake?.()
  }
}
