/**
 * What the edges that talk to devices share: the counter kind of a record that is no punch, and, for devices the
 * service connects to itself (Dahua's event stream, Hikvision's log search), one connection per registered device
 * with usable connect settings, the device list read again now and then so a device registered later is picked up.
 */

/** The kind of a record that is no punch, for its counter: the codec's detail up to its first comma, colon or bracket. */
export function notPunchKind(detail: string): string {
  return detail.split(/[,:;(]/)[0]!.trim().slice(0, 48) || 'not_a_punch'
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
