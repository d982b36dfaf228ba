/**
 * `npm run device-frame -- MODEL FILE [--zone ZONE] [--serial SERIAL] [--settings JSON]`: prints, as JSON, the punches
 * (or the refusals with their reasons) that a body from a device of that model decodes to, storing nothing. A vendor's
 * engineer runs it on a capture before connecting a device; support runs it on a body a device says it sent.
 *
 * The body is first cut into frames as the service cuts it (one idea per family, in the family's own split.ts):
 * - zkteco-adms: an ATTLOG body, one frame per record line (splitAttlog); a line the splitter refuses is a refusal
 *   with its line number, and so is the body as a whole when it is too large;
 * - hikvision-isapi: an AcsEvent search answer (a JSON object with an AcsEvent key, or the ResponseStatus a device
 *   answers a refused search with), one frame per InfoList entry (splitSearch); anything else is a listening-host
 *   push, JSON or multipart, its Content-Type sniffed from the bytes (splitPush), its picture parts dropped unread;
 * - dahua-access: a capture of the eventManager attach stream (its first line a boundary, `--myboundary`), one frame
 *   per part (EventStreamSplitter, heartbeats included: the codec refuses them as not_a_punch); a stretch the
 *   splitter could not read is a refusal in its place; a file without a boundary line is one part's body, one frame;
 * - every other model (gate-ts200, face-fr900, canonical): the whole file is one frame.
 * Each frame then goes through the model's codec (devices/registry.ts) with the device context the options give.
 *
 * Unlike `npm run bank-file`, ID numbers are masked as every reply of the service masks them (a person's ID number as
 * 330106********1234; a device user id, a record id or a detail through maskText): checking a capture means checking
 * times, directions, methods and reasons, none of which needs the number, and this output is what gets pasted into
 * a ticket to the vendor.
 *
 * Exit codes: 0 every frame decoded to a punch (a search with no matches included), 1 a frame or the body was
 * refused (the reasons are in the JSON; an event that is no punch counts, as not_a_punch), 2 usage (an unknown
 * model, option or zone, settings the model refuses, no file or one that cannot be opened).
 */
import { readFileSync, statSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { maskText } from '../access/masking.ts'
import { CONSOLE, type CliOutput } from './output.ts'
import { isTimeZone, localTimeOf, workDateOf, DEFAULT_TIME_ZONE } from '../kernel/time.ts'
import type { CanonicalPunch, PersonRef } from '../punches/canonical.ts'
import { maskIdNumber } from '../roster/identity.ts'
import type { DeviceCodec, DeviceContext } from '../../devices/codec.ts'
import { isJsonObject } from '../../devices/frame.ts'
import { CODECS, codecFor } from '../../devices/registry.ts'
import { boundaryOf, EventStreamSplitter } from '../../devices/dahua-access/split.ts'
import { splitPush, splitSearch } from '../../devices/hikvision-isapi/split.ts'
import { splitAttlog } from '../../devices/zkteco-adms/split.ts'

/** Larger than any family's own body limit (the splitters refuse past theirs): past it the file is not read at all. */
export const DEVICE_FRAME_FILE_BYTES_MAX = 64 * 1024 * 1024

/** The serial frames are read as when neither --serial nor the frame names one. */
export const SERIAL_DEFAULT = 'DEVICE'
/** As long as a serial the ADMS query string may carry (devices/zkteco-adms/split.ts): a longer one is a mistake. */
const SERIAL_LENGTH_MAX = 64
// eslint-disable-next-line no-control-regex -- control characters are what a serial must not hold
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

/**
 * Where a model's frame names its own serial, for the codecs that compare it with the device's (checkSerial): read
 * as the default serial, so a capture decodes without the engineer typing what it already says.
 */
const FRAME_SERIAL: Readonly<Record<string, (frame: Record<string, unknown>) => unknown>> = {
  'gate-ts200': (frame) => frame['sn'],
  'face-fr900': (frame) => (isJsonObject(frame['info']) ? frame['info']['DeviceID'] : undefined),
  canonical: (frame) => frame['deviceSerial'],
}

const modelList = (): string => [...CODECS.keys()].join(', ')

const USAGE = `usage: npm run device-frame -- MODEL FILE [--zone ZONE] [--serial SERIAL] [--settings JSON]
  Prints the punches (or refusals) a device body decodes to, as JSON, storing nothing.
  MODEL              the device model: ${modelList()}
  --zone ZONE        IANA zone of the device's project, for local times (default ${DEFAULT_TIME_ZONE})
  --serial SERIAL    the serial the device is registered as (default: the frame's own, else ${SERIAL_DEFAULT});
                     ZKTeco record ids are made from it, so give it to see the ids the service would store
  --settings JSON    the device's registered settings, e.g. '{"statusIsDirection":true}'
  exit codes: 0 every frame decoded, 1 something refused, 2 usage`

export interface Options {
  model: string
  file: string
  zone: string
  serial: string | undefined
  settings: Record<string, unknown>
}

export type Args = ({ ok: true } & Options) | { ok: false; message: string }

const OPTIONS = ['--zone', '--serial', '--settings'] as const
type OptionName = (typeof OPTIONS)[number]

export function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = []
  const given = new Map<OptionName, string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--help' || arg === '-h') return { ok: false, message: '' }
    const eq = arg.indexOf('=')
    const name = OPTIONS.find((o) => arg === o || (eq > 0 && arg.slice(0, eq) === o))
    if (name !== undefined) {
      const value = arg === name ? argv[++i] : arg.slice(eq + 1)
      if (value === undefined) return { ok: false, message: `${name} needs a value` }
      if (given.has(name)) return { ok: false, message: `${name} is given twice` }
      given.set(name, value)
    } else if (arg.startsWith('-') && arg !== '-') return { ok: false, message: `unknown option ${arg}` }
    else positional.push(arg)
  }
  const [model, file, extra] = positional
  if (model === undefined) return { ok: false, message: 'no model named' }
  if (codecFor(model) === undefined) return { ok: false, message: `"${model}" is not a model this service decodes; the models are ${modelList()}` }
  if (file === undefined) return { ok: false, message: 'no file named' }
  if (extra !== undefined) return { ok: false, message: `one file at a time (got ${file} and ${extra})` }

  const zone = given.get('--zone') ?? DEFAULT_TIME_ZONE
  if (!isTimeZone(zone)) return { ok: false, message: `--zone "${zone}" is not an IANA time zone such as ${DEFAULT_TIME_ZONE}` }

  const serial = given.get('--serial')
  if (serial !== undefined && (serial === '' || [...serial].length > SERIAL_LENGTH_MAX || CONTROL.test(serial) || serial.trim() !== serial)) {
    return { ok: false, message: `--serial must be 1 to ${SERIAL_LENGTH_MAX} characters, without control characters or surrounding spaces` }
  }

  let settings: Record<string, unknown> = {}
  const settingsText = given.get('--settings')
  if (settingsText !== undefined) {
    let value: unknown
    try {
      value = JSON.parse(settingsText)
    } catch {
      return { ok: false, message: `--settings is not JSON: ${settingsText}` }
    }
    if (!isJsonObject(value)) return { ok: false, message: '--settings must be a JSON object, e.g. \'{"statusIsDirection":true}\'' }
    settings = value
  }
  // The settings a device could not be registered with are no settings to read a capture with.
  const refused = codecFor(model)?.checkSettings(settings)
  if (refused !== undefined) return { ok: false, message: `--settings: ${refused}` }
  return { ok: true, model, file, zone, serial, settings }
}

/** One frame cut from the body: its number (from 1, in body order) and, for an ATTLOG body, its line. */
export interface Frame {
  frame: number
  line?: number
  payload: Buffer
}

/** A refusal: of one frame, or with frame null of the body as a whole (it could not be cut into frames). */
export interface Refusal {
  frame: number | null
  line?: number
  reason: string
  detail: string
}

/** How the body was read: the kind of body, its frames, and what the splitter refused before any codec saw it. */
export interface Cut {
  body: 'attlog' | 'search' | 'push' | 'stream' | 'frame'
  frames: Frame[]
  refused: Refusal[]
}

function cutAttlog(bytes: Buffer): Cut {
  const split = splitAttlog(bytes)
  const whole = split.errors.find((e) => e.lineNo === 0)
  if (whole) return { body: 'attlog', frames: [], refused: [{ frame: null, line: 0, reason: whole.reason, detail: whole.detail }] }
  // Frames are the body's records in line order, the lines the splitter refused among them, as the edge stores them.
  const records = [...split.lines.map((l) => ({ ...l, error: undefined })), ...split.errors.map((e) => ({ ...e, error: e }))].sort((a, b) => a.lineNo - b.lineNo)
  const frames: Frame[] = []
  const refused: Refusal[] = []
  records.forEach((r, i) => {
    if (r.error) refused.push({ frame: i + 1, line: r.lineNo, reason: r.error.reason, detail: r.error.detail })
    else frames.push({ frame: i + 1, line: r.lineNo, payload: r.payload })
  })
  return { body: 'attlog', frames, refused }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * A search answer is a JSON object with an AcsEvent key, or the ISAPI ResponseStatus (statusCode, statusString) a
 * device answers a search it refuses with: no push has either at its top. Everything else is read as a push.
 */
function isSearchAnswer(bytes: Buffer): boolean {
  let value: unknown
  try {
    value = JSON.parse(utf8.decode(bytes).replace(/^\uFEFF/, ''))
  } catch {
    return false
  }
  return isJsonObject(value) && (Object.hasOwn(value, 'AcsEvent') || (Object.hasOwn(value, 'statusCode') && Object.hasOwn(value, 'statusString')))
}

function cutHikvision(bytes: Buffer): Cut {
  if (isSearchAnswer(bytes)) {
    const split = splitSearch(bytes)
    if (!split.ok) return { body: 'search', frames: [], refused: [{ frame: null, reason: split.reason, detail: split.detail }] }
    return { body: 'search', frames: split.frames.map((payload, i) => ({ frame: i + 1, payload })), refused: [] }
  }
  // No Content-Type from a file: splitPush reads `{` as JSON and a first line `--token` as a multipart boundary.
  const split = splitPush(bytes, undefined)
  if (!split.ok) return { body: 'push', frames: [], refused: [{ frame: null, reason: split.reason, detail: split.detail }] }
  return { body: 'push', frames: [{ frame: 1, payload: split.frame }], refused: [] }
}

/** The boundary of a Dahua stream capture: its first non-blank line, `--token`; undefined when it has none. */
function streamBoundary(bytes: Buffer): string | undefined {
  const text = bytes.subarray(0, 256).toString('latin1').replace(/^\s+/, '')
  const firstLine = /^--([^\r\n]*)\r?\n/.exec(text)
  return firstLine?.[1]?.trimEnd()
}

function cutDahua(bytes: Buffer): Cut {
  const boundary = streamBoundary(bytes)
  if (boundary === undefined) return { body: 'frame', frames: [{ frame: 1, payload: bytes }], refused: [] }
  const checked = boundaryOf(`multipart/x-mixed-replace; boundary=${boundary}`)
  if (!checked.ok) return { body: 'stream', frames: [], refused: [{ frame: null, reason: checked.reason, detail: checked.detail }] }
  // The whole capture as one chunk, then the end of the connection: the same parts as the bytes arriving in pieces.
  const splitter = new EventStreamSplitter(checked.boundary)
  const items = [...splitter.push(bytes), ...splitter.end()]
  const frames: Frame[] = []
  const refused: Refusal[] = []
  items.forEach((item, i) => {
    if (item.ok) frames.push({ frame: i + 1, payload: item.part.body })
    else refused.push({ frame: i + 1, reason: item.reason, detail: item.detail })
  })
  return { body: 'stream', frames, refused }
}

/** The body cut into frames as the family's edge cuts it, before any codec sees them. */
export function cutBody(model: string, bytes: Buffer): Cut {
  if (model === 'zkteco-adms') return cutAttlog(bytes)
  if (model === 'hikvision-isapi') return cutHikvision(bytes)
  if (model === 'dahua-access') return cutDahua(bytes)
  return { body: 'frame', frames: [{ frame: 1, payload: bytes }], refused: [] }
}

/** The serial the frame names, for the models whose codec checks it; undefined when it names none that can be read. */
function frameSerial(model: string, payload: Buffer): string | undefined {
  const read = FRAME_SERIAL[model]
  if (read === undefined) return undefined
  let value: unknown
  try {
    value = JSON.parse(utf8.decode(payload))
  } catch {
    return undefined
  }
  if (!isJsonObject(value)) return undefined
  const serial = read(value)
  return typeof serial === 'string' && serial !== '' && [...serial].length <= SERIAL_LENGTH_MAX && !CONTROL.test(serial) ? serial : undefined
}

/** As the service shows a person: an ID number with its birth date hidden, a device user id masked if it is one. */
function maskPerson(person: PersonRef): PersonRef {
  switch (person.kind) {
    case 'id_number':
      return { kind: 'id_number', value: maskIdNumber(person.value) }
    case 'device_user':
      return { kind: 'device_user', value: maskText(person.value) }
    case 'stranger':
      return person
  }
}

function punchOut(f: Frame, punch: CanonicalPunch, zone: string): Record<string, unknown> {
  return {
    frame: f.frame,
    ...(f.line !== undefined ? { line: f.line } : {}),
    // Some devices build their record id from the person's ID number (the service masks it in replies too).
    recordId: maskText(punch.recordId),
    person: maskPerson(punch.person),
    deviceTime: new Date(punch.deviceTimeMs).toISOString(),
    localTime: `${workDateOf(punch.deviceTimeMs, zone)} ${localTimeOf(punch.deviceTimeMs, zone)}`,
    direction: punch.direction,
    verifyMethod: punch.verifyMethod,
    channel: punch.channel,
  }
}

/** What the command prints for one body, and the exit code that goes with it. Pure: no I/O. */
export function deviceFrameReport(bytes: Buffer, options: Omit<Options, 'file'>): { exitCode: 0 | 1; report: Record<string, unknown> } {
  const codec: DeviceCodec | undefined = codecFor(options.model)
  if (codec === undefined) throw new Error(`no codec for model ${options.model}`)
  const { body, frames, refused } = cutBody(options.model, bytes)
  const first = frames[0]
  const serial = options.serial ?? (first !== undefined ? frameSerial(options.model, first.payload) : undefined) ?? SERIAL_DEFAULT
  const device: DeviceContext = { serial, timeZone: options.zone, settings: options.settings }
  // Every frame cut from the body, those the splitter refused in place (a line, a stretch of stream) among them.
  const frameCount = frames.length + refused.filter((r) => r.frame !== null).length
  const punches: Record<string, unknown>[] = []
  for (const f of frames) {
    const result = codec.decode(f.payload, device)
    if (result.ok) punches.push(punchOut(f, result.punch, options.zone))
    else refused.push({ frame: f.frame, ...(f.line !== undefined ? { line: f.line } : {}), reason: result.reason, detail: result.detail })
  }
  refused.sort((a, b) => (a.frame ?? 0) - (b.frame ?? 0))
  const masked = refused.map((r) => ({ ...r, detail: maskText(r.detail) }))
  return {
    exitCode: masked.length === 0 ? 0 : 1,
    report: {
      model: options.model,
      zone: options.zone,
      serial: maskText(serial),
      body,
      frames: frameCount,
      punches,
      refused: masked,
    },
  }
}

export function main(argv: readonly string[], io: CliOutput = CONSOLE): 0 | 1 | 2 {
  const args = parseArgs(argv)
  if (!args.ok) {
    if (args.message !== '') io.err(`device-frame: ${args.message}`)
    io.err(USAGE)
    return 2
  }
  let bytes: Buffer
  try {
    const size = statSync(args.file).size
    if (size > DEVICE_FRAME_FILE_BYTES_MAX) {
      io.err(`device-frame: ${args.file} is ${size} bytes; no device body this service reads is larger than ${DEVICE_FRAME_FILE_BYTES_MAX}.`)
      return 2
    }
    bytes = readFileSync(args.file)
  } catch (err) {
    io.err(`device-frame: cannot read ${args.file}: ${err instanceof Error ? err.message : String(err)}`)
    return 2
  }
  const { exitCode, report } = deviceFrameReport(bytes, args)
  io.out(JSON.stringify(report, null, 2))
  return exitCode
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = main(process.argv.slice(2))
}
