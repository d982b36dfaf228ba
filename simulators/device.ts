/**
 * A device that keeps the contract of devices/README.md: it keeps every
 * record until the service names it in an ack (stored, a re-send, or refused
 * with a reason), and re-sends what is not acked when it reconnects. This is
 * the end-to-end guarantee: a broker's PUBACK only says the broker has it.
 * It also keeps a log of every record it took and obeys a `backfill` on its command topic (devices/README.md) by
 * publishing again the records of its log in the range asked.
 */
import mqtt, { type MqttClient } from 'mqtt'
import type { SimFrame } from './site.ts'

/** A backfill on the command topic, as devices/README.md defines it. */
interface BackfillCommand {
  command: 'backfill'
  id: number
  fromRecord?: string
  toRecord?: string
  from: string
  to: string
}

interface Ack {
  recordIds?: string[]
  rejected?: Array<{ recordId: string; reason: string }>
}

export class ContractDevice {
  private client: MqttClient | undefined
  /** Record id → frame, until acked. */
  readonly pending = new Map<string, SimFrame>()
  readonly refused = new Map<string, string>()
  /** Record id → frame, every record the device took: its own log, which a backfill reads. */
  readonly log = new Map<string, SimFrame>()
  /** The backfills obeyed: command id and the record ids published again. */
  readonly backfills: Array<{ id: number; recordIds: string[] }> = []
  private waiters: Array<() => void> = []

  constructor(
    private readonly mqttUrl: string,
    readonly siteCode: string,
    readonly serial: string,
    /** The secret registration issued (username and client id are the serial). */
    private readonly password: string,
  ) {}

  async connect(): Promise<void> {
    // A persistent session: acks published while the device is away reach it when it is back.
    const client = await mqtt.connectAsync(this.mqttUrl, { clientId: this.serial, username: this.serial, password: this.password, clean: false, reconnectPeriod: 0 })
    const commands = `wl/v1/${this.siteCode}/${this.serial}/command`
    client.on('message', (topic, payload) => (topic === commands ? this.onCommand(payload) : this.onAck(payload)))
    await client.subscribeAsync(`wl/v1/${this.siteCode}/${this.serial}/ack`, { qos: 1 })
    await client.subscribeAsync(commands, { qos: 1 })
    this.client = client
  }

  async disconnect(): Promise<void> {
    await this.client?.endAsync()
    this.client = undefined
  }

  /** Publishes frames (each kept until acked); frames with no record id are sent once, as a real device could not track them. */
  async send(frames: SimFrame[]): Promise<void> {
    const client = this.client
    if (!client) throw new Error(`${this.serial} is not connected`)
    for (const f of frames) if (f.recordId !== undefined) this.pending.set(f.recordId, f)
    this.take(frames)
    await Promise.all(frames.map((f) => client.publishAsync(f.topic, f.payload, { qos: 1 })))
  }

  /** Records taken into the log without publishing them: lost on the way, as far as the service can tell. */
  take(frames: SimFrame[]): void {
    for (const f of frames) if (f.recordId !== undefined) this.log.set(f.recordId, f)
  }

  /** A backfill: the log's records of the range published again (by record number when given, else by device time). */
  private onCommand(payload: Buffer): void {
    let cmd: BackfillCommand
    try {
      cmd = JSON.parse(payload.toString('utf8')) as BackfillCommand
    } catch {
      return
    }
    if (cmd.command !== 'backfill' || !this.client) return
    const fromMs = Date.parse(cmd.from)
    const toMs = Date.parse(cmd.to)
    const inRange = (f: SimFrame): boolean =>
      cmd.fromRecord !== undefined && cmd.toRecord !== undefined
        ? /^\d+$/.test(f.recordId ?? '') && Number(f.recordId) >= Number(cmd.fromRecord) && Number(f.recordId) <= Number(cmd.toRecord)
        : f.deviceTimeMs >= fromMs && f.deviceTimeMs <= toMs
    const frames = [...this.log.values()].filter(inRange)
    this.backfills.push({ id: cmd.id, recordIds: frames.map((f) => f.recordId ?? '') })
    void this.send(frames).catch(() => {})
  }

  /** Re-sends every record not yet acked. */
  async resendPending(): Promise<number> {
    const frames = [...this.pending.values()]
    await this.send(frames)
    return frames.length
  }

  /** Resolves when nothing is pending, or rejects after timeoutMs. */
  async allAcked(timeoutMs: number): Promise<void> {
    if (this.pending.size === 0) return
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.serial}: ${this.pending.size} records not acked after ${timeoutMs} ms`)), timeoutMs)
      this.waiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  private onAck(payload: Buffer): void {
    let ack: Ack
    try {
      ack = JSON.parse(payload.toString('utf8')) as Ack
    } catch {
      return
    }
    for (const id of ack.recordIds ?? []) this.pending.delete(id)
    for (const r of ack.rejected ?? []) {
      this.pending.delete(r.recordId)
      this.refused.set(r.recordId, r.reason)
    }
    if (this.pending.size === 0) {
      const w = this.waiters
      this.waiters = []
      for (const f of w) f()
    }
  }
}
