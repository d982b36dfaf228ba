/**
 * A real-name platform (全国建筑工人管理服务信息平台, or a provincial data warehouse on its docking scheme) over real
 * HTTP, for the tests and the demo: `POST /open.api` with the form parameters appid, method, version, format, timestamp,
 * nonce, data and sign, answered with `{ code, message, data }` as the platform does (0 taken, -1 parameters wrong, -2
 * signature wrong, -3 no access, -5 over the limit).
 *
 * An `.Add` is not handled at once: it is answered with a request serial code, and `AsyncHandleResult.Query` with
 * `{ requestSerialCode }` answers status 0 (pending) for as many queries as `pendingQueries` says, then 20 (handled,
 * with `failList`: the index and reason of every record refused) or 10 (failed: every record refused). What it
 * accepted is kept, decrypted, for tests to read.
 *
 * The signature check and the decryption here are written from the docking scheme's text, not imported from
 * src/upstream/protocol.ts, so that a mistake in the client is not repeated in the platform it is tested against; the
 * record checks are this platform's own too (field by field, unknown fields refused).
 *
 * It can be told to be slow (`slowMs` before every answer) or down (`down`: every connection cut without an answer,
 * as an outage looks to the client).
 */
import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { idCheckChar } from '../src/roster/identity.ts'
import type { Clock } from '../src/kernel/time.ts'

export type PlatformKind = 'ProjectWorker' | 'TeamMaster' | 'EntryExitHistory' | 'WorkerAttendance' | 'PayRoll' | 'PayRollDetail'

export interface UpstreamPlatformOptions {
  appId: string
  appSecret: string
  /** 0 for any free port. */
  port?: number
  host?: string
  /** The method each kind is sent with (the national scheme's by default). */
  methods?: Readonly<Record<PlatformKind, string>>
  /** Records per `.Add`; more are refused whole (-1). */
  batchSizeMax?: number
  /** Queries answered "pending" before a batch is handled. */
  pendingQueries?: number
  /** Lower-case the string before hashing (the national scheme does). */
  lowercaseSign?: boolean
  /** The AES settings; the key is the app secret unless `key` says otherwise (national: CBC, IV the key's first 16 bytes, Base64). */
  cipher?: { key?: string; mode: 'cbc' | 'ecb'; iv?: string; encoding: 'base64' | 'hex' }
  /** A timestamp further than this from the platform's clock is refused (replays). */
  timestampSkewMsMax?: number
  clock?: Clock
  /** Calls per second per app id before -5; unlimited when absent. */
  callsPerSecondMax?: number
  /**
   * Keep every accepted record, decrypted, for `acceptedOf` (default). A benchmark of millions of records turns it
   * off: then only `acceptedCount` counts them, and a handled batch's records are let go.
   */
  keepAccepted?: boolean
}

export const NATIONAL_METHODS: Readonly<Record<PlatformKind, string>> = {
  ProjectWorker: 'ProjectWorker.Add',
  TeamMaster: 'Team.Add',
  EntryExitHistory: 'ProjectWorker.EntryExit',
  WorkerAttendance: 'WorkerAttendance.Add',
  PayRoll: 'Payroll.Add',
  PayRollDetail: 'PayrollDetail.Add',
}

export interface AcceptedRecord {
  kind: PlatformKind
  requestSerialCode: string
  index: number
  /** The record with its ID and card numbers decrypted. */
  record: Record<string, unknown>
}

export interface RefusedRecord {
  kind: PlatformKind
  requestSerialCode: string
  index: number
  reason: string
  record: unknown
}

/** Every call as the platform saw it. */
export interface CallLog {
  method: string
  code: number
  message: string
}

interface Job {
  serial: string
  kind: PlatformKind
  records: unknown[]
  pendingLeft: number
  outcome?: { status: '10' | '20'; result: string; failList: Array<{ index: number; reason: string }> }
}

const ASYNC_METHOD = 'AsyncHandleResult.Query'
const BODY_BYTES_MAX = 16 * 1024 * 1024
const PUBLIC_PARAMS = ['appid', 'method', 'version', 'format', 'timestamp', 'nonce', 'data', 'sign']

/** The fields each kind may carry, required (true) or optional (false), and which of them arrive encrypted. */
const FIELDS: Record<PlatformKind, { fields: Record<string, boolean>; encrypted: string[] }> = {
  TeamMaster: {
    fields: { ProjectCode: true, CorpCode: true, CorpName: true, TeamName: true, EntryTime: true, TeamLeaderName: false, TeamLeaderIDCardType: false, TeamLeaderIDCardNumber: false },
    encrypted: ['TeamLeaderIDCardNumber'],
  },
  ProjectWorker: {
    fields: {
      ProjectCode: true, CorpCode: true, CorpName: true, TeamName: true, WorkerName: true, IDCardType: true, IDCardNumber: true, Gender: true,
      BirthDate: true, Nation: false, Address: false, CellPhone: false, WorkTypeName: false, IsTeamLeader: true, HasContract: true, ContractCode: false,
      HasSafetyTraining: true, PayRollBankCardNumber: true, PayRollBankName: true, EntryTime: true, ExitTime: false,
    },
    encrypted: ['IDCardNumber', 'PayRollBankCardNumber'],
  },
  EntryExitHistory: {
    fields: { ProjectCode: true, CorpCode: true, CorpName: true, TeamName: true, IDCardType: true, IDCardNumber: true, Date: true, Type: true },
    encrypted: ['IDCardNumber'],
  },
  WorkerAttendance: {
    fields: { ProjectCode: true, TeamName: true, IDCardType: true, IDCardNumber: true, CheckTime: true, Direction: true, CheckChannel: true, DataResource: true },
    encrypted: ['IDCardNumber'],
  },
  PayRoll: {
    fields: { ProjectCode: true, CorpCode: true, CorpName: true, PayRollCode: true, TeamName: true, PayMonth: true, Status: true, WorkerCount: true, TotalPayAmount: true, ActualAmount: true },
    encrypted: [],
  },
  PayRollDetail: {
    fields: {
      PayRollCode: true, WorkerName: true, IDCardType: true, IDCardNumber: true, Days: true, WorkHours: true, TotalPayAmount: true, ActualAmount: true,
      BalanceDate: true, PayRollBankCardNumber: true, PayRollBankName: true, PayBankCardNumber: true, PayBankName: true, CumulativePaidAmount: true,
      CumulativeSettledAmount: true, PayStatus: true,
    },
    encrypted: ['IDCardNumber', 'PayRollBankCardNumber', 'PayBankCardNumber'],
  },
}

// --- the platform's own field checks --------------------------------------------------------------------------

const isText = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0

function realDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const t = new Date(Date.UTC(y, mo - 1, d))
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d
}

function isDate(v: unknown): boolean {
  return typeof v === 'string' && realDate(v)
}

function isDateTime(v: unknown): boolean {
  if (typeof v !== 'string') return false
  const m = /^(\d{4}-\d{2}-\d{2}) ([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$/.exec(v)
  return m !== null && realDate(m[1] as string)
}

function isIdNumber(v: unknown): boolean {
  if (typeof v !== 'string' || !/^\d{17}[\dX]$/.test(v)) return false
  return idCheckChar(v.slice(0, 17)) === v[17] && realDate(`${v.slice(6, 10)}-${v.slice(10, 12)}-${v.slice(12, 14)}`)
}

const isCreditCode = (v: unknown): boolean => typeof v === 'string' && /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(v)
const isCard = (v: unknown): boolean => typeof v === 'string' && /^\d{8,32}$/.test(v)
const isYuan = (v: unknown): boolean => typeof v === 'string' && /^(0|[1-9]\d{0,11})\.\d{2}$/.test(v)
const isPayRollCode = (v: unknown): boolean => typeof v === 'string' && /^GZD\d{6}\d{4}(0[1-9]|1[0-2])(?!000)\d{3}$/.test(v)
const oneOf = (v: unknown, allowed: readonly unknown[]): boolean => allowed.includes(v)

type Check = (v: unknown, record: Record<string, unknown>) => string | null
const must = (ok: (v: unknown) => boolean, what: string): Check => (v) => (ok(v) ? null : what)

const CHECKS: Record<string, Check> = {
  ProjectCode: must(isText, 'must be the project code'),
  CorpCode: must(isCreditCode, 'must be an 18-character unified social credit code'),
  CorpName: must(isText, 'must be the employer name'),
  TeamName: must(isText, 'must be the team name'),
  WorkerName: must(isText, 'must be the worker name'),
  TeamLeaderName: must(isText, 'must be a name'),
  IDCardType: must((v) => v === '01', 'must be 01 (居民身份证)'),
  TeamLeaderIDCardType: must((v) => v === '01', 'must be 01 (居民身份证)'),
  IDCardNumber: must(isIdNumber, 'must be an 18-character resident ID number with its check digit'),
  TeamLeaderIDCardNumber: must(isIdNumber, 'must be an 18-character resident ID number with its check digit'),
  Gender: must((v) => oneOf(v, ['1', '2']), 'must be 1 or 2'),
  BirthDate: must(isDate, 'must be a date YYYY-MM-DD'),
  EntryTime: must(isDate, 'must be a date YYYY-MM-DD'),
  ExitTime: must(isDate, 'must be a date YYYY-MM-DD'),
  Date: must(isDate, 'must be a date YYYY-MM-DD'),
  BalanceDate: must(isDate, 'must be a date YYYY-MM-DD'),
  Nation: must(isText, 'must be text'),
  Address: must(isText, 'must be text'),
  CellPhone: must((v) => typeof v === 'string' && /^1\d{10}$/.test(v), 'must be an 11-digit mobile number'),
  WorkTypeName: must(isText, 'must be text'),
  ContractCode: must(isText, 'must be text'),
  IsTeamLeader: must((v) => oneOf(v, [0, 1]), 'must be 0 or 1'),
  HasContract: must((v) => oneOf(v, [0, 1]), 'must be 0 or 1'),
  HasSafetyTraining: must((v) => oneOf(v, [0, 1]), 'must be 0 or 1'),
  PayRollBankCardNumber: must(isCard, 'must be a card number of 8 to 32 digits'),
  PayBankCardNumber: must(isCard, 'must be an account number of 8 to 32 digits'),
  PayRollBankName: must(isText, 'must be the bank name'),
  PayBankName: must(isText, 'must be the bank name'),
  Type: must((v) => oneOf(v, [0, 1]), 'must be 0 (entry) or 1 (exit)'),
  CheckTime: must(isDateTime, 'must be a time YYYY-MM-DD HH:mm:ss'),
  Direction: must((v) => oneOf(v, ['01', '02']), 'must be 01 (in) or 02 (out)'),
  CheckChannel: must(isText, 'must name the device or the channel'),
  DataResource: must((v) => oneOf(v, [0, 1]), 'must be 0 (device) or 1 (manual)'),
  PayRollCode: must(isPayRollCode, 'must be GZD + 6 digits + YYYYMM + 3 digits'),
  PayMonth: (v, r) => {
    if (typeof v !== 'string' || !/^\d{4}-(0[1-9]|1[0-2])$/.test(v)) return 'must be a month YYYY-MM'
    const code = r.PayRollCode
    return typeof code === 'string' && isPayRollCode(code) && code.slice(9, 15) !== v.replace('-', '') ? 'does not match the month in PayRollCode' : null
  },
  Status: must((v) => oneOf(v, [2, 3, 50]), 'must be 2, 3 or 50'),
  PayStatus: must((v) => oneOf(v, [0, 20, 30, 40]), 'must be 0, 20, 30 or 40'),
  WorkerCount: must((v) => Number.isInteger(v) && (v as number) >= 0, 'must be a whole number'),
  TotalPayAmount: must(isYuan, 'must be yuan with two decimals'),
  ActualAmount: must(isYuan, 'must be yuan with two decimals'),
  CumulativePaidAmount: must(isYuan, 'must be yuan with two decimals'),
  CumulativeSettledAmount: must(isYuan, 'must be yuan with two decimals'),
  Days: must((v) => typeof v === 'number' && v >= 0 && v <= 31 && Number.isInteger(v * 2), 'must be days from 0 to 31 in halves'),
  WorkHours: must((v) => typeof v === 'number' && v >= 0 && v <= 744 && Number.isInteger(Math.round(v * 100)), 'must be hours from 0 to 744'),
}

// --- the scheme, as this platform reads it --------------------------------------------------------------------

function expectedSign(params: Record<string, string>, secret: string, lowercase: boolean): string {
  const parts = Object.keys(params)
    .filter((k) => k !== 'sign')
    .sort()
    .map((k) => `${k}=${params[k]}`)
  parts.push(`appsecret=${secret}`)
  const text = parts.join('&')
  return createHash('sha256')
    .update(lowercase ? text.toLowerCase() : text, 'utf8')
    .digest('hex')
}

function beijingTimestampMs(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text)
  if (!m) return undefined
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) - 8 * 3_600_000
}

export class UpstreamPlatform {
  readonly appId: string
  private readonly appSecret: string
  private readonly methods: Readonly<Record<PlatformKind, string>>
  private readonly kindOf = new Map<string, PlatformKind>()
  private readonly batchSizeMax: number
  private readonly lowercaseSign: boolean
  private readonly cipher: { key?: string; mode: 'cbc' | 'ecb'; iv?: string; encoding: 'base64' | 'hex' }
  private readonly skewMsMax: number
  private readonly clock: Clock
  private readonly port: number
  private readonly host: string
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  private readonly jobs = new Map<string, Job>()
  private readonly nonces = new Set<string>()
  private readonly callTimes: number[] = []
  private serialSeq = 0
  /** Queries answered pending before a batch is handled; may be changed between batches. */
  pendingQueries: number
  /** Calls per second per app id before -5 (访问超过限制); unlimited when undefined. May be changed at any time. */
  callsPerSecondMax: number | undefined
  /** Cut every connection without an answer while true. */
  down = false
  /** Wait this long before every answer. */
  slowMs = 0
  /** Extra refusals a test plants: a reason refuses the record, null lets it through. */
  refuse: ((kind: PlatformKind, record: Record<string, unknown>) => string | null) | undefined
  readonly accepted: AcceptedRecord[] = []
  /** Records accepted, kept or not. */
  acceptedCount = 0
  private readonly keepAccepted: boolean
  readonly refused: RefusedRecord[] = []
  readonly calls: CallLog[] = []
  url = ''

  constructor(opts: UpstreamPlatformOptions) {
    this.appId = opts.appId
    this.appSecret = opts.appSecret
    this.methods = opts.methods ?? NATIONAL_METHODS
    for (const [kind, method] of Object.entries(this.methods)) this.kindOf.set(method, kind as PlatformKind)
    this.batchSizeMax = opts.batchSizeMax ?? 50
    this.pendingQueries = opts.pendingQueries ?? 1
    this.lowercaseSign = opts.lowercaseSign ?? true
    this.cipher = opts.cipher ?? { mode: 'cbc', encoding: 'base64' }
    this.skewMsMax = opts.timestampSkewMsMax ?? 10 * 60_000
    this.clock = opts.clock ?? { nowMs: () => Date.now() }
    this.callsPerSecondMax = opts.callsPerSecondMax
    this.port = opts.port ?? 0
    this.host = opts.host ?? '127.0.0.1'
    this.keepAccepted = opts.keepAccepted ?? true
  }

  /** Starts listening; returns the `open.api` endpoint. */
  async listen(): Promise<string> {
    const server = createServer((req, res) => {
      if (this.down) {
        req.socket.destroy()
        return
      }
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end()
      })
    })
    server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, this.host, () => resolve())
    })
    this.server = server
    this.url = `http://${this.host}:${(server.address() as AddressInfo).port}/open.api`
    return this.url
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    const server = this.server
    this.server = undefined
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** What was accepted of a kind, decrypted, in the order it was handled. */
  acceptedOf(kind: PlatformKind): Array<Record<string, unknown>> {
    return this.accepted.filter((a) => a.kind === kind).map((a) => a.record)
  }

  /** Forgets every batch taken and not yet handled, as a platform restarted without its queue: their serial codes become unknown. */
  forgetPending(): number {
    let n = 0
    for (const [serial, job] of this.jobs) {
      if (job.outcome === undefined) {
        this.jobs.delete(serial)
        n++
      }
    }
    return n
  }

  /** Batches taken and not yet handled. */
  get pendingJobs(): number {
    let n = 0
    for (const j of this.jobs.values()) if (j.outcome === undefined) n++
    return n
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://platform')
    if (req.method !== 'POST' || url.pathname !== '/open.api') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > BODY_BYTES_MAX) {
        res.writeHead(413).end()
        return
      }
      chunks.push(chunk)
    }
    if (this.slowMs > 0) await new Promise((r) => setTimeout(r, this.slowMs))
    if (this.down) {
      req.socket.destroy()
      return
    }
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')))
    const answer = this.answer(params)
    this.calls.push({ method: params.method ?? '', code: answer.code, message: answer.message })
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(answer))
  }

  private answer(params: Record<string, string>): { code: number; message: string; data: unknown } {
    const fail = (code: number, message: string): { code: number; message: string; data: null } => ({ code, message, data: null })
    for (const p of PUBLIC_PARAMS) if (params[p] === undefined) return fail(-1, `缺少参数 ${p}`)
    if (params.appid !== this.appId) return fail(-3, '无API访问权限: unknown appid')
    const given = (params.sign as string).toLowerCase()
    const wanted = expectedSign(params, this.appSecret, this.lowercaseSign)
    if (!/^[0-9a-f]{64}$/.test(given) || !timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(wanted, 'hex'))) return fail(-2, '签名校验错误')
    if (params.format !== 'json') return fail(-1, 'format must be json')
    const at = beijingTimestampMs(params.timestamp as string)
    const now = this.clock.nowMs()
    if (at === undefined || Math.abs(at - now) > this.skewMsMax) return fail(-1, 'timestamp is not yyyyMMddHHmmss within the allowed skew')
    const nonceKey = `${params.appid}:${params.nonce}`
    if (params.nonce === '' || this.nonces.has(nonceKey)) return fail(-1, 'nonce already used')
    this.nonces.add(nonceKey)
    if (this.callsPerSecondMax !== undefined) {
      while (this.callTimes.length > 0 && (this.callTimes[0] as number) <= now - 1000) this.callTimes.shift()
      if (this.callTimes.length >= this.callsPerSecondMax) return fail(-5, '访问超过限制')
      this.callTimes.push(now)
    }
    let data: unknown
    try {
      data = JSON.parse(params.data as string)
    } catch {
      return fail(-1, 'data is not JSON')
    }
    const method = params.method as string
    if (method === ASYNC_METHOD) return this.query(data)
    const kind = this.kindOf.get(method)
    if (kind === undefined) return fail(-1, `unknown method ${method}`)
    const list = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).dataList : undefined
    if (!Array.isArray(list) || list.length === 0) return fail(-1, 'data.dataList must be a non-empty array')
    if (list.length > this.batchSizeMax) return fail(-1, `data.dataList holds ${list.length} records, at most ${this.batchSizeMax} are taken`)
    this.serialSeq++
    const stamp = (params.timestamp as string).slice(0, 10)
    const serial = `${method.toLowerCase().replace('.', '-')}-${stamp}-1-${String(this.serialSeq).padStart(4, '0')}`
    this.jobs.set(serial, { serial, kind, records: list, pendingLeft: this.pendingQueries })
    return { code: 0, message: 'success', data: { requestSerialCode: serial } }
  }

  private query(data: unknown): { code: number; message: string; data: unknown } {
    const serial = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).requestSerialCode : undefined
    const job = typeof serial === 'string' ? this.jobs.get(serial) : undefined
    if (!job) return { code: -1, message: 'unknown requestSerialCode', data: null }
    if (job.outcome === undefined && job.pendingLeft > 0) {
      job.pendingLeft--
      return { code: 0, message: 'success', data: { status: '0', result: '待处理' } }
    }
    job.outcome ??= this.handleJob(job)
    return { code: 0, message: 'success', data: job.outcome }
  }

  private handleJob(job: Job): NonNullable<Job['outcome']> {
    const failList: Array<{ index: number; reason: string }> = []
    job.records.forEach((raw, index) => {
      const checked = this.check(job.kind, raw)
      if (typeof checked === 'string') {
        failList.push({ index, reason: checked })
        this.refused.push({ kind: job.kind, requestSerialCode: job.serial, index, reason: checked, record: raw })
      } else {
        this.acceptedCount++
        if (this.keepAccepted) this.accepted.push({ kind: job.kind, requestSerialCode: job.serial, index, record: checked })
      }
    })
    const all = failList.length === job.records.length
    const outcome = {
      status: all ? ('10' as const) : ('20' as const),
      result: failList.length === 0 ? `${job.records.length} 条处理成功` : `${job.records.length - failList.length} 条成功, ${failList.length} 条失败`,
      failList,
    }
    if (!this.keepAccepted) job.records = []
    return outcome
  }

  /** The record decrypted, or the reasons it is refused. */
  private check(kind: PlatformKind, raw: unknown): Record<string, unknown> | string {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'the record is not an object'
    const spec = FIELDS[kind]
    const record: Record<string, unknown> = { ...(raw as Record<string, unknown>) }
    const reasons: string[] = []
    for (const field of spec.encrypted) {
      const v = record[field]
      if (v === undefined) continue
      const clear = typeof v === 'string' ? this.decrypt(v) : undefined
      if (clear === undefined) reasons.push(`${field}: cannot be decrypted with the platform's key`)
      else record[field] = clear
    }
    for (const field of Object.keys(record)) if (!(field in spec.fields)) reasons.push(`${field}: unknown field`)
    for (const [field, required] of Object.entries(spec.fields)) {
      const v = record[field]
      if (v === undefined || v === null || v === '') {
        if (required) reasons.push(`${field}: required`)
        continue
      }
      const problem = reasons.some((r) => r.startsWith(`${field}:`)) ? null : CHECKS[field]?.(v, record)
      if (problem) reasons.push(`${field}: ${problem}`)
    }
    if (reasons.length === 0 && this.refuse) {
      const planted = this.refuse(kind, record)
      if (planted !== null) reasons.push(planted)
    }
    return reasons.length > 0 ? reasons.join('; ') : record
  }

  private decrypt(text: string): string | undefined {
    try {
      const key = Buffer.from(this.cipher.key ?? this.appSecret, 'utf8')
      const bits = key.length * 8
      const iv = this.cipher.mode === 'ecb' ? null : this.cipher.iv !== undefined ? Buffer.from(this.cipher.iv, 'utf8') : key.subarray(0, 16)
      const d = createDecipheriv(`aes-${bits}-${this.cipher.mode}`, key, iv)
      return Buffer.concat([d.update(Buffer.from(text, this.cipher.encoding)), d.final()]).toString('utf8')
    } catch {
      return undefined
    }
  }
}

/** `tsx simulators/upstream-platform.ts [port]`: a platform for the demo, app id and secret from the environment. */
async function main(): Promise<void> {
  const platform = new UpstreamPlatform({
    appId: process.env.UPSTREAM_APP_ID ?? 'wage-ledger-demo',
    appSecret: process.env.UPSTREAM_APP_SECRET ?? 'wage-ledger-demo-secret-32-bytes',
    port: Number(process.argv[2] ?? 0),
  })
  const url = await platform.listen()
  process.stdout.write(`upstream platform listening at ${url}\n`)
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
