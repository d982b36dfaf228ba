/**
 * Two copies of the service side by side, one on SQLite (A) and one on PostgreSQL (B), fed the same requests and the
 * same device frames in the same order at the same instants (each has its own ManualClock, always set alike), with
 * every reply compared byte for byte: status, the headers a client acts on, and the body as sent.
 *
 * One normalisation only: the ids the services generate (UUIDv7, and the test key's visible prefix) differ per run. Each request is written with A's
 * ids and sent to B with B's; each pair of replies pairs its ids by position (the n-th id in A's reply with the n-th
 * in B's), and B's reply is compared with its ids replaced by A's. A pairing is kept for the whole run, so an id met
 * again must sit where its twin sits: a listing in another order on one engine fails, it is not paired anew.
 * Opaque paging cursors (base64url of a sort key) are opened before that, so that the ids inside them are compared
 * too. Integers (punch and rejected-input ids, sequences on both engines) are compared as they are. Device secrets
 * (random by design) are kept per side for the devices to connect with, and compared as a placeholder.
 */
import { randomBytes } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import pg from 'pg'
import type { Test } from 'tap'
import type { Engine } from '../../../src/db/database.ts'
import { decodeCursor } from '../../../src/http/paging.ts'
import { ManualClock } from '../../../src/kernel/time.ts'
import type { SimFrame } from '../../../simulators/site.ts'
import { dropPgDatabase, TEST_PG_ADMIN_URL, testDatabaseUrl } from '../../helpers/database.ts'
import { settled, startTestServer } from '../../helpers/server.ts'

/** What the services generate at random and pair by position: UUIDv7 ids, and API keys' visible prefixes (a correction's author names the key that recorded it). */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|wlk_[0-9a-f]{10}/g
const DEVICE_SECRET = /wld_[A-Za-z0-9_-]{32}/g
/** The headers a client acts on; date, length and the like say nothing about behaviour. */
const COMPARED_HEADERS = ['content-type', 'content-disposition', 'link', 'x-content-type-hint', 'x-payload-truncated', 'x-content-type-options'] as const
/** Decodes without dropping a byte order mark: the CSV's BOM is part of what Excel gets. */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })

export interface Side {
  engine: Engine
  server: Awaited<ReturnType<typeof startTestServer>>
  clock: ManualClock
  /** One MQTT connection per device serial, opened on first use. */
  devices: Map<string, MqttClient>
  /** Serial → the MQTT secret this side issued it (from the registration or rotation reply). */
  secrets: Map<string, string>
}

/** A reply as one text: status, compared headers, then the body (cursors opened). */
interface Envelope {
  status: number
  text: string
  body: string
  link: string | undefined
  bytes: Buffer
}

/**
 * A PostgreSQL database as a deployment in China would create it: ICU collation zh-Hans-CN, under which Chinese text
 * sorts by pinyin and Latin letters after it. The test server's default (C.UTF-8) sorts by code point, as SQLite
 * does, and would hide every ORDER BY on text that forgot its byte-order collation.
 */
async function zhCollatedPgDatabase(t: Test): Promise<string> {
  const name = `wl_test_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'zh-Hans-CN' LOCALE 'C.UTF-8'`)
  } finally {
    await admin.end()
  }
  t.teardown(() => dropPgDatabase(name))
  const url = new URL(TEST_PG_ADMIN_URL)
  url.pathname = `/${name}`
  return url.toString()
}

/** The sort key inside an opaque cursor, shown as text, or the token itself when it is not one of ours (an id, a number). */
function openCursor(token: string): string {
  const key = decodeCursor(decodeURIComponent(token))
  // Escaped as a JSON string's content, so that a body with an opened cursor is still JSON.
  return key === undefined ? token : `⟨cursor ${JSON.stringify(JSON.stringify(key)).slice(1, -1)}⟩`
}
const openCursors = (text: string): string =>
  text.replace(/("next":")([A-Za-z0-9_-]+)(")/g, (_m, pre: string, tok: string, post: string) => pre + openCursor(tok) + post).replace(/([?&](?:after|before)=)([A-Za-z0-9_%-]+)/g, (_m, pre: string, tok: string) => pre + openCursor(tok))

const clip = (v: unknown): string => {
  const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v)
  return s.length > 300 ? `${s.slice(0, 300)}…` : s
}

/** Where two JSON values part: the first few paths with both values. */
function jsonDifferences(a: unknown, b: unknown, path = '$', out: string[] = []): string[] {
  if (out.length >= 8) return out
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || a === null || b === null || typeof a !== 'object') {
    if (a !== b) out.push(`${path}: sqlite ${clip(a)} | postgres ${clip(b)}`)
    return out
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path}.length: sqlite ${a.length} | postgres ${b.length}`)
    for (let i = 0; i < Math.min(a.length, b.length); i++) jsonDifferences(a[i], b[i], `${path}[${i}]`, out)
    return out
  }
  const ao = a as Record<string, unknown>
  const bo = b as Record<string, unknown>
  const ak = Object.keys(ao)
  const bk = Object.keys(bo)
  if (ak.join() !== bk.join()) out.push(`${path} keys: sqlite ${clip(ak)} | postgres ${clip(bk)}`)
  for (const k of ak) if (k in bo) jsonDifferences(ao[k], bo[k], `${path}.${k}`, out)
  return out
}

/** A readable account of how two envelopes differ. */
function difference(a: Envelope, b: Envelope, bMapped: string): string {
  const lines: string[] = []
  if (a.status !== b.status) lines.push(`status: sqlite ${a.status} | postgres ${b.status}`)
  const [aHead = '', aBody = ''] = splitEnvelope(a.text)
  const [bHead = '', bBody = ''] = splitEnvelope(bMapped)
  if (aHead !== bHead) lines.push(`head: sqlite ${clip(aHead)} | postgres ${clip(bHead)}`)
  if (aBody !== bBody) {
    let parsed: [unknown, unknown] | undefined
    try {
      parsed = [JSON.parse(aBody), JSON.parse(bBody)]
    } catch {
      parsed = undefined
    }
    if (parsed) {
      const d = jsonDifferences(parsed[0], parsed[1])
      lines.push(...(d.length > 0 ? d : ['same JSON value, other bytes (key order or number form)']))
    } else {
      const al = aBody.split('\n')
      const bl = bBody.split('\n')
      const i = al.findIndex((l, n) => l !== bl[n])
      const at = i < 0 ? al.length : i
      lines.push(`line ${at + 1}: sqlite ${clip(al[at])} | postgres ${clip(bl[at])}`)
    }
  }
  return lines.join('\n')
}
const splitEnvelope = (text: string): string[] => {
  const i = text.indexOf('\n\n')
  return [text.slice(0, i), text.slice(i + 2)]
}

export class Twins {
  /** B's id → A's id, and A's → B's. */
  private readonly toA = new Map<string, string>()
  private readonly toB = new Map<string, string>()
  /** Ids met on one side with no twin, or paired twice differently: each is a difference in itself. */
  readonly idProblems: string[] = []
  replies = 0

  private constructor(
    private readonly t: Test,
    readonly a: Side,
    readonly b: Side,
  ) {}

  static async start(t: Test, nowMs: number): Promise<Twins> {
    const side = async (engine: Engine, databaseUrl: string): Promise<Side> => {
      const clock = new ManualClock(nowMs)
      const server = await startTestServer(t, { config: { databaseUrl }, clock })
      return { engine, server, clock, devices: new Map(), secrets: new Map() }
    }
    const a = await side('sqlite', await testDatabaseUrl(t, 'sqlite'))
    const b = await side('postgres', await zhCollatedPgDatabase(t))
    const twins = new Twins(t, a, b)
    t.teardown(() => twins.disconnect())
    return twins
  }

  setClock(ms: number): void {
    this.a.clock.set(ms)
    this.b.clock.set(ms)
  }
  advance(ms: number): void {
    this.setClock(this.a.clock.nowMs() + ms)
  }

  /** B's twin of an id of A's. */
  twinOf(aId: string): string {
    const id = this.toB.get(aId)
    if (id === undefined) throw new Error(`no twin known for ${aId}`)
    return id
  }

  /** A path or JSON text written with A's ids, in B's ids. */
  forB(text: string): string {
    return text.replace(UUID, (id) => this.twinOf(id))
  }

  private pair(label: string, aText: string, bText: string): void {
    const aIds = aText.match(UUID) ?? []
    const bIds = bText.match(UUID) ?? []
    if (aIds.length !== bIds.length) {
      this.idProblems.push(`${label}: ${aIds.length} ids on sqlite, ${bIds.length} on postgres`)
      return
    }
    aIds.forEach((aId, i) => {
      const bId = bIds[i] as string
      const knownA = this.toA.get(bId)
      const knownB = this.toB.get(aId)
      if (knownA === undefined && knownB === undefined) {
        this.toA.set(bId, aId)
        this.toB.set(aId, bId)
      } else if (knownA !== aId || knownB !== bId) {
        this.idProblems.push(`${label}: id #${i + 1} is ${aId} on sqlite, ${bId} on postgres, which stands for ${knownA ?? 'no id of sqlite'}`)
      }
    })
  }

  private mapped(text: string): string {
    return text.replace(UUID, (id) => this.toA.get(id) ?? id)
  }

  private async envelope(side: Side, method: string, path: string, body: Buffer | string | undefined, contentType: string): Promise<Envelope> {
    const res = await side.server.api.fetch(path, { method, headers: body === undefined ? {} : { 'content-type': contentType }, body })
    const bytes = Buffer.from(await res.arrayBuffer())
    const issued = /"mqtt":\{"username":"([^"]+)","password":"(wld_[A-Za-z0-9_-]{32})"/.exec(bytes.toString('utf8'))
    if (issued) side.secrets.set(issued[1] as string, issued[2] as string)
    const head = COMPARED_HEADERS.flatMap((h) => {
      const v = res.headers.get(h)
      return v === null ? [] : [`${h}: ${openCursors(v)}`]
    })
    const text = openCursors(utf8.decode(bytes)).replace(DEVICE_SECRET, 'wld_⟨secret⟩')
    return { status: res.status, text: `${res.status}\n${head.join('\n')}\n\n${text}`, body: text, link: /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1], bytes }
  }

  /**
   * Sends one request to both (A first, then B, so that they see it in the same order relative to every other),
   * compares the replies and returns both bodies parsed as JSON (undefined when they are not JSON).
   */
  async request<T>(
    label: string,
    method: string,
    path: string,
    opts: { body?: unknown; contentType?: string; pathB?: string; bodyB?: unknown; bytes?: boolean } = {},
  ): Promise<{ a: T; b: T; status: number; same: boolean; link?: { a: string; b: string } }> {
    const contentType = opts.contentType ?? 'application/json'
    const encode = (v: unknown): Buffer | string | undefined => (v === undefined ? undefined : Buffer.isBuffer(v) ? v : JSON.stringify(v))
    const bodyA = encode(opts.body)
    const bodyB = opts.bodyB !== undefined ? encode(opts.bodyB) : typeof bodyA === 'string' ? this.forB(bodyA) : bodyA
    const a = await this.envelope(this.a, method, path, bodyA, contentType)
    const b = await this.envelope(this.b, method, opts.pathB ?? this.forB(path), bodyB, contentType)
    this.replies++
    let same: boolean
    if (opts.bytes) {
      same = a.status === b.status && a.bytes.equals(b.bytes) && splitEnvelope(a.text)[0] === splitEnvelope(b.text)[0]
      this.t.ok(same, `${label}: same bytes on both engines`, same ? {} : { diagnostic: true, sqlite: a.bytes.toString('base64').slice(0, 300), postgres: b.bytes.toString('base64').slice(0, 300) })
    } else {
      this.pair(label, a.text, b.text)
      const bMapped = this.mapped(b.text)
      same = a.text === bMapped
      if (same) this.t.pass(`${label}: same on both engines`)
      else this.t.fail(`${label}: differs between the engines\n${difference(a, b, bMapped)}`)
    }
    const parse = (e: Envelope): T => {
      try {
        return JSON.parse(e.bytes.toString('utf8')) as T
      } catch {
        return undefined as T
      }
    }
    return { a: parse(a), b: parse(b), status: a.status, same, ...(a.link !== undefined && b.link !== undefined ? { link: { a: a.link, b: b.link } } : {}) }
  }

  /** A write both must accept: fails the test (with both replies) when either does not answer 2xx. */
  async write<T>(label: string, method: string, path: string, opts: Parameters<Twins['request']>[3] = {}): Promise<{ a: T; b: T }> {
    const r = await this.request<T>(label, method, path, opts)
    if (r.status >= 300) throw new Error(`${label}: ${r.status} ${JSON.stringify(r.a)}`)
    return r
  }

  async read<T>(label: string, path: string): Promise<{ a: T; b: T }> {
    return this.write<T>(label, 'GET', path)
  }

  /** Every page of a paged listing, each compared; B follows its own `Link: rel="next"`, as its client would. */
  async readPages<T>(label: string, path: string): Promise<{ a: T[]; b: T[] }> {
    const out = { a: [] as T[], b: [] as T[] }
    let pathA: string | undefined = path
    let pathB: string | undefined = this.forB(path)
    for (let n = 1; pathA !== undefined && pathB !== undefined; n++) {
      const r: Awaited<ReturnType<Twins['request']>> = await this.request<T>(`${label} p${n}`, 'GET', pathA, { pathB })
      if (r.status !== 200) throw new Error(`${label} p${n}: ${r.status} ${JSON.stringify(r.a)}`)
      out.a.push(r.a as T)
      out.b.push(r.b as T)
      pathA = r.link?.a
      pathB = r.link?.b
      if (n > 100) throw new Error(`${label}: more than 100 pages`)
    }
    return out
  }

  private async client(side: Side, serial: string): Promise<MqttClient> {
    let c = side.devices.get(serial)
    if (!c) {
      c = await mqtt.connectAsync(side.server.mqttUrl, { clientId: serial, username: serial, password: side.secrets.get(serial), clean: true, reconnectPeriod: 0 })
      side.devices.set(serial, c)
    }
    return c
  }

  /**
   * Publishes the frames one at a time, each to both services at once, the next only when both acknowledged (PUBACK
   * follows the commit) and finished what a commit sets off: both store them in the same order, so sequences and
   * duplicates line up. The after-commit step (a late punch's adjustment) is waited for too: it runs after the PUBACK,
   * and whether it sees the next frame's punch or not changes what it records (one adjustment or two), on either
   * engine. `between` runs after each frame (to move the clocks).
   */
  async publish(frames: readonly SimFrame[], between?: () => void): Promise<void> {
    for (const f of frames) {
      // A device with no credentials (the simulated month's unregistered gate) is refused at CONNECT: by both, alike.
      const connacks = await Promise.all(
        [this.a, this.b].map(async (side) => {
          let client: MqttClient
          try {
            client = await this.client(side, f.serial)
          } catch (err) {
            return (err as { code?: number }).code ?? -1
          }
          await client.publishAsync(f.topic, f.payload, { qos: 1 })
          return 0
        }),
      )
      if (connacks[0] !== connacks[1]) this.t.fail(`${f.serial}: CONNACK ${connacks[0]} on sqlite, ${connacks[1]} on postgres`)
      await this.settle()
      between?.()
    }
  }

  /** Both inboxes empty and their after-commit work (adjustments) done. */
  async settle(): Promise<void> {
    for (const side of [this.a, this.b]) {
      await settled(side.server)
      await side.server.services.inbox.idle()
    }
  }

  async disconnect(): Promise<void> {
    for (const side of [this.a, this.b]) {
      await Promise.all([...side.devices.values()].map((c) => c.endAsync()))
      side.devices.clear()
    }
  }

  /**
   * Pairs whose ids were not generated in the same order on both sides. Ids are UUIDv7, monotonic within this process,
   * and each side is asked the same things in the same order: a pair out of order means one engine's code created
   * things in another order.
   */
  idsOutOfOrder(): string[] {
    const pairs = [...this.toB.entries()].sort(([x], [y]) => (x < y ? -1 : 1))
    const out: string[] = []
    for (let i = 1; i < pairs.length; i++) {
      const [prevA, prevB] = pairs[i - 1] as [string, string]
      const [curA, curB] = pairs[i] as [string, string]
      if (prevB > curB) out.push(`${prevA} < ${curA} on sqlite, but their twins ${prevB} > ${curB} on postgres`)
    }
    return out
  }

  get pairedIds(): number {
    return this.toA.size
  }
}
