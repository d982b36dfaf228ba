/**
 * The HTTP device edge (issue 12): the protocols devices on China's sites speak as they ship, on a port of its own
 * (DEVICE_HTTP_PORT), feeding the same durable inbox as MQTT. Each record a request carries becomes one frame; the
 * reply that makes a device forget its records (ZKTeco's `OK: n`, Hikvision's 200) is sent only once every frame's
 * outcome — punch, duplicate, or refusal kept in rejected inputs — is committed. A database that fails leaves the
 * request unanswered with 503, and the device sends the batch again; the records it re-sends are recognised by their
 * record ids and counted once.
 *
 * - ZKTeco ADMS/PUSH (devices/zkteco-adms): `GET /iclock/cdata` (the handshake and its options), `POST /iclock/cdata`
 *   with `table=ATTLOG` (records) or any other table (acknowledged, counted, not stored), `GET /iclock/getrequest`
 *   (commands: backfills, src/ingest/adms-commands.ts), `POST /iclock/devicecmd` (their results).
 * - Hikvision ISAPI (devices/hikvision-isapi): `POST /hikvision/{serial}/events`, the listening host's event pushes,
 *   JSON or multipart (the picture is dropped before the frame reaches the inbox).
 *
 * Devices are identified by serial (ADMS's `SN`, the path for Hikvision): the device must be registered with a model
 * of the family whose protocol it speaks. Neither protocol carries a credential a device can be given, so the edge is
 * meant to be reachable from site networks only (a VPN or private APN) — README, "Devices over HTTP".
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify'
import type { Counter } from 'prom-client'
import { hikvisionIsapi } from '../../devices/hikvision-isapi/codec.ts'
import { splitPush } from '../../devices/hikvision-isapi/split.ts'
import { deviceTimeZone } from '../../devices/zkteco-adms/codec.ts'
import { splitAttlog } from '../../devices/zkteco-adms/split.ts'
import { LIMITS } from '../config/limits.ts'
import { DEFAULT_TIME_ZONE, localParts } from '../kernel/time.ts'
import { punchTopic, type KnownDevice, type Lookups } from '../punches/admit.ts'
import type { ContactKind, DeviceContactSink } from '../punches/device-contacts.ts'
import { admsCommandRoutes, type AdmsCommandSource } from './adms-commands.ts'
import { notPunchKind } from './device-connections.ts'

/** The tables ZKTeco's push protocol (ADMS) sends besides ATTLOG: acknowledged, counted by name. */
const ADMS_TABLES = new Set(['OPERLOG', 'ATTPHOTO', 'BIODATA', 'USERINFO', 'FINGERTMP', 'FACE', 'OPLOG', 'ERRORLOG', 'BIOPHOTO', 'WORKCODE', 'IDCARD'])
import { InboxFullError, type IngestOutcome, type PunchInbox, type Refusal } from './inbox.ts'

/** Device families the edge speaks, and the models registered under each. */
export const HTTP_FAMILIES = {
  zkteco: ['zkteco-adms'],
  hikvision: ['hikvision-isapi'],
} as const satisfies Record<string, readonly string[]>
export type HttpFamily = keyof typeof HTTP_FAMILIES

export interface DeviceEdgeOptions {
  inbox: PunchInbox
  lookups: Pick<Lookups, 'device'>
  /** Requests by family and outcome (stored, refused, ignored, unavailable). */
  requests?: Counter<'family' | 'outcome'>
  /** Records a request carried that are not punches and were acknowledged without being stored, by family and table. */
  ignored?: Counter<'family' | 'table'>
  /** Where a request from a device is noted as a contact, punch or not (src/punches/device-contacts.ts). */
  contacts?: DeviceContactSink
  /** ZKTeco commands (backfills) handed out on `/iclock/getrequest`, answered on `/iclock/devicecmd`: src/ingest/adms-commands.ts. */
  commands?: AdmsCommandSource
  logger?: boolean
}

/** The contact each route is, by method and route: every request a device makes proves it alive. */
const CONTACT_OF_ROUTE: Readonly<Record<string, ContactKind>> = {
  'GET /iclock/cdata': 'adms_handshake',
  'POST /iclock/cdata': 'adms_push',
  'GET /iclock/getrequest': 'adms_poll',
  'POST /iclock/devicecmd': 'adms_command_result',
  'POST /hikvision/:serial/events': 'hikvision_push',
}

/** The serial as ADMS and Hikvision send it: letters, digits and a few separators. */
const SERIAL = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'
const SERIAL_TEXT = new RegExp(SERIAL)
/** The site code of a topic for a serial nobody registered: admit files the refusal under no project. */
const UNREGISTERED_SITE = 'unregistered'

const textReply = { type: 'string' } as const


/** The device's UTC offset now, in hours as ADMS's `TimeZone` option takes it (8 for Asia/Shanghai). */
function utcOffsetHours(timeZone: string, nowMs: number): number {
  const p = localParts(nowMs, timeZone)
  const wallMs = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)
  return Math.round((wallMs - Math.floor(nowMs / 1000) * 1000) / 3_600_000)
}

export async function buildDeviceEdge(opts: DeviceEdgeOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: LIMITS.device_http_body_bytes_max })
  // Devices send text (ADMS), JSON or multipart (Hikvision): every body is taken as bytes and read by the family's pure
  // splitter, which knows its layouts; fastify's own JSON parser would refuse what the splitter should name.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))
  // A body over the limit is answered 413 by fastify before any handler runs. It is still kept in rejected inputs with
  // its size and sender, under the device's project — without bytes, for none were read — so someone can see why a
  // device's records do not arrive.
  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    if (err.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw err
    const route = `${req.method} ${req.routeOptions.url ?? ''}`
    const family: HttpFamily | undefined = route === 'POST /iclock/cdata' ? 'zkteco' : route === 'POST /hikvision/:serial/events' ? 'hikvision' : undefined
    const serial = (req.query as { SN?: unknown }).SN ?? (req.params as { serial?: unknown }).serial
    const length = req.headers['content-length']
    const detail = `the body is ${length === undefined ? 'over the limit' : `${length} bytes`}; the limit is ${LIMITS.device_http_body_bytes_max} bytes: send fewer records per request`
    if (family !== undefined && typeof serial === 'string' && SERIAL_TEXT.test(serial)) {
      opts.requests?.inc({ family, outcome: 'too_large' })
      // Kept when it can be; a database that fails here does not turn the device's 413 into a 500.
      await senderOf(serial, family)
        .then((sender) => refuse(family, serial, sender, { payload: Buffer.alloc(0), reason: 'payload_too_large', detail }))
        .catch(() => {})
    }
    return reply.code(413).type('text/plain').send(`ERROR: ${detail}`)
  })
  // Once the request has passed its route's schema: the serial is the ADMS SN or the Hikvision path's. A hook, so the
  // handlers need not each remember it.
  app.addHook('preHandler', async (req) => {
    const kind = CONTACT_OF_ROUTE[`${req.method} ${req.routeOptions.url ?? ''}`]
    const serial = (req.query as { SN?: unknown }).SN ?? (req.params as { serial?: unknown }).serial
    if (kind !== undefined && typeof serial === 'string') opts.contacts?.heard(serial, kind)
  })

  /**
   * Who a serial is: a registered device of the family; a registered device of another family (refused: its frames
   * are kept under its project with the reason); or nobody (its frames go through admission, which refuses them as
   * unknown_device under the serial they gave).
   */
  type Sender = { kind: 'device'; device: KnownDevice } | { kind: 'foreign'; device: KnownDevice; detail: string } | { kind: 'unregistered' }

  async function senderOf(serial: string, family: HttpFamily): Promise<Sender> {
    const device = await opts.lookups.device(serial)
    if (!device) return { kind: 'unregistered' }
    if (!(HTTP_FAMILIES[family] as readonly string[]).includes(device.codec.model)) {
      return { kind: 'foreign', device, detail: `device ${serial} is registered as model ${device.codec.model}; it may not send over the ${family} protocol (models ${HTTP_FAMILIES[family].join(', ')})` }
    }
    return { kind: 'device', device }
  }

  /** A piece of a request the edge refuses itself (a line the splitter could not take, a body too large), with why. */
  interface EdgeRefusal {
    payload: Buffer
    reason: Refusal['reason']
    detail: string
    payloadBytesKept?: number
  }

  /**
   * What is kept of a frame no registered device of the family vouches for: the inbox redacts through a known device's
   * codec only, so a Hikvision push from a serial nobody registered (or registered as another model) is redacted here
   * — no face picture or body temperature is kept, whoever sent it. ADMS lines carry neither.
   */
  const keptOf = (family: HttpFamily, payload: Buffer): Buffer => (family === 'hikvision' ? (hikvisionIsapi.redact?.(payload) ?? payload) : payload)

  /** Kept in rejected inputs under the sender's project when it is a registered device, else under no project. */
  function refuse(family: HttpFamily, serial: string, sender: Sender, r: EdgeRefusal): Promise<IngestOutcome> {
    const topic = punchTopic(sender.kind === 'unregistered' ? UNREGISTERED_SITE : sender.device.siteCode, serial)
    return opts.inbox.refuse(
      { topic, payload: keptOf(family, r.payload), clientId: undefined, source: 'http' },
      {
        reason: r.reason,
        detail: r.detail,
        ...(sender.kind === 'unregistered' ? {} : { sender: { projectId: sender.device.projectId, deviceSerial: serial } }),
        ...(r.payloadBytesKept === undefined ? {} : { payloadBytesKept: r.payloadBytesKept }),
      },
    )
  }

  /**
   * Every frame through the inbox; settles when all are committed. A record the device's codec reads as no punch at
   * all (a door opening, an alarm, an OPLOG line) is counted by its reason and dropped here: a terminal reports several
   * such events per passage, and none is anyone's attendance. `refused` are the request's pieces the edge refuses
   * itself, committed with the rest.
   */
  async function ingest(family: HttpFamily, serial: string, sender: Sender, frames: readonly Buffer[], refused: readonly EdgeRefusal[] = []): Promise<{ outcomes: IngestOutcome[] }> {
    const topic = punchTopic(sender.kind === 'unregistered' ? UNREGISTERED_SITE : sender.device.siteCode, serial)
    let kept: readonly Buffer[] = sender.kind === 'device' ? frames : frames.map((f) => keptOf(family, f))
    if (sender.kind === 'device') {
      const ctx = { serial, timeZone: sender.device.timeZone, settings: sender.device.settings }
      kept = frames.filter((payload) => {
        const decoded = sender.device.codec.decode(payload, ctx)
        if (decoded.ok || decoded.reason !== 'not_a_punch') return true
        opts.ignored?.inc({ family, table: notPunchKind(decoded.detail) })
        return false
      })
    }
    const outcomes = await Promise.all([
      ...kept.map((payload) =>
        sender.kind === 'foreign'
          ? refuse(family, serial, sender, { payload, reason: 'publish_not_allowed', detail: sender.detail })
          : opts.inbox.submit({ topic, payload, clientId: undefined, source: 'http' }),
      ),
      ...refused.map((r) => refuse(family, serial, sender, r)),
    ])
    return { outcomes }
  }

  function outcomeOf(r: { outcomes: readonly IngestOutcome[] }): string {
    return r.outcomes.some((o) => o.kind === 'rejected') ? 'refused' : r.outcomes.length === 0 ? 'ignored' : 'stored'
  }

  /** Nothing committed (a full backlog, a failing database, a closing service): the device keeps its records and retries. */
  function unavailable(reply: FastifyReply, family: HttpFamily, err: unknown): FastifyReply {
    opts.requests?.inc({ family, outcome: 'unavailable' })
    const why = err instanceof InboxFullError ? 'backlog full' : 'not committed'
    return reply.code(503).header('retry-after', '30').type('text/plain').send(`ERROR: ${why}; send again later`)
  }

  // ZKTeco ADMS/PUSH ------------------------------------------------------------------------------------------------
  const admsQuery = {
    type: 'object',
    properties: {
      SN: { type: 'string', pattern: SERIAL },
      table: { type: 'string', maxLength: 32 },
      Stamp: { type: 'string', maxLength: 32 },
      options: { type: 'string', maxLength: 16 },
    },
    required: ['SN'],
    additionalProperties: true,
  } as const

  app.get<{ Querystring: { SN: string } }>('/iclock/cdata', { schema: { querystring: admsQuery, response: { 200: textReply } } }, async (req, reply) => {
    const sender = await senderOf(req.query.SN, 'zkteco')
    // An unregistered or foreign device gets options too: refusing the handshake only makes it retry forever, and what
    // it pushes next is kept in rejected inputs with the reason, where someone can act on it.
    const zone = sender.kind === 'device' ? deviceTimeZone({ serial: req.query.SN, timeZone: sender.device.timeZone, settings: sender.device.settings }) : DEFAULT_TIME_ZONE
    const options = [
      `GET OPTION FROM: ${req.query.SN}`,
      'ATTLOGStamp=None',
      'OPERLOGStamp=9999',
      'ATTPHOTOStamp=None',
      'ErrorDelay=30',
      'Delay=10',
      'TransTimes=00:00;14:05',
      'TransInterval=1',
      'TransFlag=TransData AttLog',
      `TimeZone=${utcOffsetHours(zone, Date.now())}`,
      'Realtime=1',
      'Encrypt=None',
    ]
    return reply.type('text/plain').send(options.join('\n') + '\n')
  })

  app.post<{ Querystring: { SN: string; table?: string } }>('/iclock/cdata', { schema: { querystring: admsQuery, response: { 200: textReply } } }, async (req, reply) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    const table = req.query.table ?? ''
    if (table !== 'ATTLOG') {
      // OPERLOG (enrolments, admin actions), ATTPHOTO, BIODATA…: acknowledged so the device moves on; punches are ATTLOG.
      const count = body.toString('latin1').split('\n').filter((l) => l.trim() !== '').length
      // The label is one of the tables the firmware sends, else `other`: a query string anyone can send must not grow
      // /metrics without bound (nor put a number in it).
      opts.ignored?.inc({ family: 'zkteco', table: table === '' ? 'none' : ADMS_TABLES.has(table) ? table : 'other' })
      opts.requests?.inc({ family: 'zkteco', outcome: 'ignored' })
      return reply.type('text/plain').send(`OK: ${count}`)
    }
    const split = splitAttlog(body)
    const sender = await senderOf(req.query.SN, 'zkteco')
    const whole = split.errors.find((e) => e.lineNo === 0)
    if (whole) {
      // More records than one push may carry: refused whole and kept (as much as rejected inputs keep) under the
      // device's project, not acknowledged, so the device keeps them; its push interval or batch size is what to change.
      opts.requests?.inc({ family: 'zkteco', outcome: 'too_large' })
      await refuse('zkteco', req.query.SN, sender, { payload: body, reason: whole.reason, detail: whole.detail, payloadBytesKept: LIMITS.rejected_payload_bytes_max }).catch(() => {})
      return reply.code(413).type('text/plain').send(`ERROR: ${whole.detail}`)
    }
    // A line the splitter could not take (not UTF-8, too long) is refused and kept with the splitter's reason and detail
    // (which names its line in the body), and the rest of the batch is stored.
    const refused = split.errors.map((e) => ({ payload: e.payload, reason: e.reason, detail: e.detail }))
    try {
      const result = await ingest('zkteco', req.query.SN, sender, split.lines.map((l) => l.payload), refused)
      opts.requests?.inc({ family: 'zkteco', outcome: outcomeOf(result) })
      return reply.type('text/plain').send(`OK: ${split.lines.length + refused.length}`)
    } catch (err) {
      return unavailable(reply, 'zkteco', err)
    }
  })

  admsCommandRoutes(app, { commands: opts.commands, querystring: admsQuery, onError: (err, route) => app.log.error({ err, route }, 'ADMS command route failed') })

  // Hikvision ISAPI listening host ----------------------------------------------------------------------------------
  app.post<{ Params: { serial: string } }>(
    '/hikvision/:serial/events',
    {
      schema: {
        params: { type: 'object', properties: { serial: { type: 'string', pattern: SERIAL } }, required: ['serial'], additionalProperties: false },
        response: { 200: { type: 'object', properties: { statusCode: { type: 'integer' }, statusString: { type: 'string' } } } },
      },
    },
    async (req, reply) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
      const split = splitPush(body, req.headers['content-type'])
      // A body that could not be cut to its event is refused with the splitter's reason (what to set on the device) and
      // kept without what could be a picture, whoever sent it.
      const frames = split.ok ? [split.frame] : []
      const refused = split.ok ? [] : [{ payload: body, reason: 'malformed_payload' as const, detail: split.detail }]
      try {
        const result = await ingest('hikvision', req.params.serial, await senderOf(req.params.serial, 'hikvision'), frames, refused)
        opts.requests?.inc({ family: 'hikvision', outcome: outcomeOf(result) })
        return { statusCode: 1, statusString: 'OK' }
      } catch (err) {
        return unavailable(reply, 'hikvision', err)
      }
    },
  )

  return app
}
