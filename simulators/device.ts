/**
 * A device that keeps the contract of devices/README.md: it keeps every
 * record until the service names it in an ack (stored, a re-send, or refused
 * with a reason), and re-sends what is not acked when it reconnects. This is
 * the end-to-end guarantee: a broker's PUBACK only says the broker has it.
 */
import mqtt, { type MqttClient } from 'mqtt'
import type { SimFrame } from './site.ts'

interface Ack {
  recordIds?: string[]
  rejected?: Array<{ recordId: string; reason: string }>
}

export class ContractDevice {
  private client: MqttClient | undefined
  /** Record id → frame, until acked. */
  readonly pending = new Map<string, SimFrame>()
  readonly refused = new Map<string, string>()
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
    client.on('message', (_topic, payload) => this.onAck(payload))
    await client.subscribeAsync(`wl/v1/${this.siteCode}/${this.serial}/ack`, { qos: 1 })
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
    await Promise.all(frames.map((f) => client.publishAsync(f.topic, f.payload, { qos: 1 })))
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
