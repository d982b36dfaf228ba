/**
 * The platform's HTTP client: one signed form POST per call (protocol.ts builds and reads them), nothing else. It
 * neither retries nor remembers: the outbox decides what to send again and when. A call that gets no answer (refused
 * connection, cut connection, timeout, a body that is not an answer) is `unreachable`, and nothing can be concluded
 * from it about whether the platform took the batch.
 */
import { randomBytes } from 'node:crypto'
import type { Clock } from '../kernel/time.ts'
import {
  ASYNC_RESULT_METHOD,
  addData,
  asyncResultOf,
  formBody,
  parseAnswer,
  requestParams,
  serialCodeOf,
  type Answer,
  type AsyncResult,
  type PlatformSettings,
} from './protocol.ts'
import type { PayloadOf, RecordKind } from './records.ts'

export type AddOutcome =
  | { outcome: 'taken'; requestSerialCode: string }
  /** The platform answered with an error code (-1 parameters, -2 signature, -3 access, -5 limit, …). */
  | { outcome: 'refused'; code: number; message: string }
  | { outcome: 'unreachable'; error: string }

export type QueryOutcome = { outcome: 'result'; result: AsyncResult } | { outcome: 'refused'; code: number; message: string } | { outcome: 'unreachable'; error: string }

export interface PlatformClientOptions {
  settings: PlatformSettings
  clock: Clock
  /** How long one call may take before it counts as unreachable. */
  timeoutMs?: number
  /** The nonce of each call; random 32 hex characters unless a test fixes it. */
  nonce?: () => string
}

export class PlatformClient {
  private readonly settings: PlatformSettings
  private readonly clock: Clock
  private readonly timeoutMs: number
  private readonly nonce: () => string

  constructor(opts: PlatformClientOptions) {
    this.settings = opts.settings
    this.clock = opts.clock
    this.timeoutMs = opts.timeoutMs ?? 15_000
    this.nonce = opts.nonce ?? ((): string => randomBytes(16).toString('hex'))
  }

  get batchSizeMax(): number {
    return this.settings.batchSizeMax
  }

  /** Sends one batch of records of a kind (at most batchSizeMax). */
  async add<K extends RecordKind>(kind: K, payloads: ReadonlyArray<PayloadOf[K]>): Promise<AddOutcome> {
    if (payloads.length === 0 || payloads.length > this.settings.batchSizeMax) {
      throw new RangeError(`a batch holds 1 to ${this.settings.batchSizeMax} records, this one ${payloads.length}`)
    }
    const answer = await this.call(this.settings.methods[kind], addData(kind, payloads, this.settings.cipher))
    if ('error' in answer) return { outcome: 'unreachable', error: answer.error }
    const serial = serialCodeOf(answer)
    if (serial !== undefined) return { outcome: 'taken', requestSerialCode: serial }
    return { outcome: 'refused', code: answer.code, message: answer.message || 'no request serial code in the answer' }
  }

  /** Asks how a batch was handled. */
  async query(requestSerialCode: string): Promise<QueryOutcome> {
    const answer = await this.call(ASYNC_RESULT_METHOD, JSON.stringify({ requestSerialCode }))
    if ('error' in answer) return { outcome: 'unreachable', error: answer.error }
    const result = asyncResultOf(answer)
    if (result !== undefined) return { outcome: 'result', result }
    return { outcome: 'refused', code: answer.code, message: answer.message || 'not an async result' }
  }

  private async call(method: string, data: string): Promise<Answer | { error: string }> {
    const params = requestParams(this.settings, { method, data, nowMs: this.clock.nowMs(), nonce: this.nonce() })
    let body: string
    try {
      const res = await fetch(this.settings.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: formBody(params),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
      body = await res.text()
      if (!res.ok) return { error: `HTTP ${res.status}` }
    } catch (e) {
      return { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }
    }
    return parseAnswer(body) ?? { error: 'the answer is not JSON with a code' }
  }
}
