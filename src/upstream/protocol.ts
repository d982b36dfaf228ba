/**
 * The platform interface (对接方案) of the 全国建筑工人管理服务信息平台 and the provincial warehouses that follow it:
 * one form POST (application/x-www-form-urlencoded) to the `open.api` endpoint per call, with the public parameters
 *
 *   appid, method (e.g. WorkerAttendance.Add), version (1.0), format (json), timestamp (yyyyMMddHHmmss, Beijing time),
 *   nonce (random, once per call), data (the call's JSON), sign
 *
 * where `sign` is the SHA-256 (hex) of the parameters other than sign sorted by name and joined as `k=v&k=v…`, with
 * `&appsecret=SECRET` appended, the whole string lower-cased (the national scheme's rule; a province that signs the
 * string as it is sets `lowercase: false`). Answers are JSON `{ code, message, data }`: code 0 taken, -1 parameters
 * wrong, -2 signature wrong, -3 no access to the API, -4 IP refused, -5 over the rate limit. An `.Add` is answered
 * asynchronously: data.requestSerialCode, then `AsyncHandleResult.Query` with `{ requestSerialCode }` until its status
 * leaves 0 (pending) for 20 (handled) or 10 (failed), with the reason in data.result.
 *
 * ID and card numbers inside `data` are AES-encrypted with the platform's key: in the national scheme the key is the
 * app secret's bytes (32 characters: AES-256), CBC with the key's first 16 bytes as IV, PKCS#7 padding, Base64. A
 * province that differs (ECB, its own IV, hex) says so in CipherSettings.
 *
 * Pure apart from node:crypto: the clock and the nonce are passed in, so the same inputs always give the same request.
 */
import { createCipheriv, createDecipheriv, createHash, timingSafeEqual } from 'node:crypto'
import { ENCRYPTED_FIELDS, type PayloadOf, type RecordKind } from './records.ts'

// ---------------------------------------------------------------------------------------------------------------
// Settings (per province, typed; configuration reaches them only when the sender is wired)

export interface CipherSettings {
  /** The AES key as text; its UTF-8 bytes are the key (16, 24 or 32 bytes: AES-128/192/256). */
  key: string
  /** cbc (the national scheme) or ecb. */
  mode: 'cbc' | 'ecb'
  /** CBC only: the IV's text (16 bytes); absent, the key's first 16 bytes. */
  iv?: string
  encoding: 'base64' | 'hex'
}

export interface SignSettings {
  /** Lower-case the string before hashing (the national scheme does). */
  lowercase: boolean
}

export interface PlatformSettings {
  /** The `open.api` endpoint. */
  endpoint: string
  appId: string
  appSecret: string
  version: string
  sign: SignSettings
  cipher: CipherSettings
  /** Records per `.Add` call: the platform refuses larger batches. */
  batchSizeMax: number
  /** The method each record kind is sent with. */
  methods: Readonly<Record<RecordKind, string>>
}

/**
 * The methods of the national scheme's docking code as far as public docking code shows them (ProjectWorker.Add,
 * Team.Add, WorkerAttendance.Add, Payroll.Add); the entry/exit and payroll-detail names follow the same pattern and
 * are the ones to check against a province's scheme first.
 */
export const NATIONAL_METHODS: Readonly<Record<RecordKind, string>> = {
  ProjectWorker: 'ProjectWorker.Add',
  TeamMaster: 'Team.Add',
  EntryExitHistory: 'ProjectWorker.EntryExit',
  WorkerAttendance: 'WorkerAttendance.Add',
  PayRoll: 'Payroll.Add',
  PayRollDetail: 'PayrollDetail.Add',
}

export const ASYNC_RESULT_METHOD = 'AsyncHandleResult.Query'

/** The national scheme, for an app id and secret: AES-CBC keyed by the secret, lower-cased SHA-256 signature. */
export function nationalSettings(endpoint: string, appId: string, appSecret: string, batchSizeMax = 50): PlatformSettings {
  return {
    endpoint,
    appId,
    appSecret,
    version: '1.0',
    sign: { lowercase: true },
    cipher: { key: appSecret, mode: 'cbc', encoding: 'base64' },
    batchSizeMax,
    methods: NATIONAL_METHODS,
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Signature

export type FormParams = Readonly<Record<string, string>>

/** The string that is hashed: parameters except sign, sorted by name, `k=v` joined by `&`, then `&appsecret=…`. */
export function signatureBase(params: FormParams, appSecret: string, settings: SignSettings): string {
  const names = Object.keys(params)
    .filter((k) => k !== 'sign')
    .sort()
  const text = `${names.map((k) => `${k}=${params[k] ?? ''}`).join('&')}&appsecret=${appSecret}`
  return settings.lowercase ? text.toLowerCase() : text
}

/** SHA-256 of the signature base, lower-case hex. */
export function signOf(params: FormParams, appSecret: string, settings: SignSettings): string {
  return createHash('sha256').update(signatureBase(params, appSecret, settings), 'utf8').digest('hex')
}

/** True when params.sign is the signature of the other parameters (compared in constant time, case-insensitively). */
export function verifySign(params: FormParams, appSecret: string, settings: SignSettings): boolean {
  const given = (params.sign ?? '').toLowerCase()
  if (!/^[0-9a-f]{64}$/.test(given)) return false
  return timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(signOf(params, appSecret, settings), 'hex'))
}

// ---------------------------------------------------------------------------------------------------------------
// Encryption of ID and card numbers

function keyAndIv(settings: CipherSettings): { algorithm: string; key: Buffer; iv: Buffer | null } {
  const key = Buffer.from(settings.key, 'utf8')
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new RangeError(`an AES key is 16, 24 or 32 bytes, this one ${key.length}`)
  const bits = key.length * 8
  if (settings.mode === 'ecb') return { algorithm: `aes-${bits}-ecb`, key, iv: null }
  const iv = settings.iv === undefined ? key.subarray(0, 16) : Buffer.from(settings.iv, 'utf8')
  if (iv.length !== 16) throw new RangeError(`an AES IV is 16 bytes, this one ${iv.length}`)
  return { algorithm: `aes-${bits}-cbc`, key, iv }
}

/** Encrypts one value (PKCS#7 padding, node's default). */
export function encryptValue(plain: string, settings: CipherSettings): string {
  const { algorithm, key, iv } = keyAndIv(settings)
  const c = createCipheriv(algorithm, key, iv)
  return Buffer.concat([c.update(plain, 'utf8'), c.final()]).toString(settings.encoding)
}

/** Decrypts one value; throws when it is not a value encrypted with these settings (bad padding, bad length). */
export function decryptValue(cipherText: string, settings: CipherSettings): string {
  const { algorithm, key, iv } = keyAndIv(settings)
  const d = createDecipheriv(algorithm, key, iv)
  return Buffer.concat([d.update(Buffer.from(cipherText, settings.encoding)), d.final()]).toString('utf8')
}

function mapFields<K extends RecordKind>(kind: K, payload: PayloadOf[K], f: (v: string) => string): PayloadOf[K] {
  const out: Record<string, unknown> = { ...(payload as unknown as Record<string, unknown>) }
  for (const field of ENCRYPTED_FIELDS[kind]) {
    const v = out[field]
    if (typeof v === 'string') out[field] = f(v)
  }
  return out as unknown as PayloadOf[K]
}

/** The record as sent: its ID and card numbers encrypted. */
export function encryptRecord<K extends RecordKind>(kind: K, payload: PayloadOf[K], settings: CipherSettings): PayloadOf[K] {
  return mapFields(kind, payload, (v) => encryptValue(v, settings))
}

/** The record as sent, back in clear (the simulator's side, and tests). */
export function decryptRecord<K extends RecordKind>(kind: K, payload: PayloadOf[K], settings: CipherSettings): PayloadOf[K] {
  return mapFields(kind, payload, (v) => decryptValue(v, settings))
}

// ---------------------------------------------------------------------------------------------------------------
// Requests

const pad2 = (n: number): string => String(n).padStart(2, '0')
const BEIJING_OFFSET_MS = 8 * 3_600_000

/** yyyyMMddHHmmss in Beijing time (UTC+8, no daylight saving): the platform's timestamp. */
export function timestampOf(instantMs: number): string {
  const d = new Date(instantMs + BEIJING_OFFSET_MS)
  return `${d.getUTCFullYear()}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}`
}

/** The instant of a platform timestamp, or undefined when it is not one. */
export function instantOfTimestamp(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text)
  if (!m) return undefined
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number]
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - BEIJING_OFFSET_MS
  return timestampOf(ms) === text ? ms : undefined
}

export interface CallInput {
  method: string
  /** The call's JSON, already serialised. */
  data: string
  nowMs: number
  /** Random, once per call (e.g. 32 hex characters). */
  nonce: string
}

/** The form parameters of one call, signed. */
export function requestParams(settings: Pick<PlatformSettings, 'appId' | 'appSecret' | 'version' | 'sign'>, call: CallInput): Record<string, string> {
  const params: Record<string, string> = {
    appid: settings.appId,
    method: call.method,
    version: settings.version,
    format: 'json',
    timestamp: timestampOf(call.nowMs),
    nonce: call.nonce,
    data: call.data,
  }
  params.sign = signOf(params, settings.appSecret, settings.sign)
  return params
}

/** The body of an `.Add` call: the batch's records, each with its ID and card numbers encrypted. */
export function addData<K extends RecordKind>(kind: K, payloads: ReadonlyArray<PayloadOf[K]>, cipher: CipherSettings): string {
  return JSON.stringify({ dataList: payloads.map((p) => encryptRecord(kind, p, cipher)) })
}

export function formBody(params: FormParams): string {
  return new URLSearchParams(params).toString()
}

// ---------------------------------------------------------------------------------------------------------------
// Answers

/** The platform's answer codes. */
export const ANSWER_CODES = {
  ok: 0,
  bad_parameters: -1,
  bad_signature: -2,
  no_access: -3,
  ip_refused: -4,
  rate_limited: -5,
} as const
export type AnswerCode = (typeof ANSWER_CODES)[keyof typeof ANSWER_CODES]

export interface Answer {
  code: number
  message: string
  data: unknown
}

/** AsyncHandleResult status: 0 pending (待处理), 10 failed (处理失败), 20 handled (处理成功). */
export type AsyncStatus = '0' | '10' | '20'

/** One refused record of a batch: its index in dataList and the platform's reason. */
export interface RecordRefusal {
  index: number
  reason: string
}

export interface AsyncResult {
  status: AsyncStatus
  /** The platform's words on the batch. */
  result: string
  /** Per record, the ones refused; a handled batch's other records were accepted. */
  failList: RecordRefusal[]
}

/** Reads an answer; undefined when the body is not one (not JSON, no numeric code). */
export function parseAnswer(body: string): Answer | undefined {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return undefined
  }
  if (typeof json !== 'object' || json === null) return undefined
  const o = json as Record<string, unknown>
  const code = typeof o.code === 'string' ? Number(o.code) : o.code
  if (typeof code !== 'number' || !Number.isInteger(code)) return undefined
  return { code, message: typeof o.message === 'string' ? o.message : '', data: o.data ?? null }
}

/** The request serial code of a taken `.Add`, or undefined. */
export function serialCodeOf(answer: Answer): string | undefined {
  if (answer.code !== 0 || typeof answer.data !== 'object' || answer.data === null) return undefined
  const s = (answer.data as Record<string, unknown>).requestSerialCode
  return typeof s === 'string' && s.length > 0 ? s : undefined
}

/** The async result of an `AsyncHandleResult.Query` answer, or undefined when it is not one. */
export function asyncResultOf(answer: Answer): AsyncResult | undefined {
  if (answer.code !== 0 || typeof answer.data !== 'object' || answer.data === null) return undefined
  const d = answer.data as Record<string, unknown>
  const status = String(d.status)
  if (status !== '0' && status !== '10' && status !== '20') return undefined
  const failList: RecordRefusal[] = []
  if (Array.isArray(d.failList)) {
    for (const f of d.failList as unknown[]) {
      if (typeof f !== 'object' || f === null) return undefined
      const { index, reason } = f as Record<string, unknown>
      if (typeof index !== 'number' || !Number.isInteger(index) || typeof reason !== 'string') return undefined
      failList.push({ index, reason })
    }
  }
  return { status, result: typeof d.result === 'string' ? d.result : '', failList }
}
