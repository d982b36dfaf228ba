/**
 * Hikvision ISAPI bodies cut into frames for the codec, before anything is
 * stored. Two bodies reach the service:
 *
 * - a push to the listening host (ISAPI `httpHosts`): one AccessControllerEvent
 *   per POST, as JSON, or as `multipart/form-data` (some firmware: `multipart/mixed`)
 *   whose part named `AccessControllerEvent` (older firmware: `event_log`) holds the
 *   JSON and whose other parts are snapshots (`image/jpeg`) when the host was
 *   set up with `pictureURLType` `binary`. The frame is the JSON part alone: the
 *   picture never leaves this function, so it cannot be stored, even with a
 *   refused frame (2025 face-recognition measures: face data stays on the device).
 * - the answer to `POST /ISAPI/AccessControl/AcsEvent?format=json` (the poller's
 *   search): `{"AcsEvent":{searchID, responseStatusStrg, numOfMatches, totalMatches,
 *   InfoList:[...]}}`; each InfoList entry becomes one frame.
 *
 * No multipart parser is installed (busboy, dicer and @fastify/multipart are not in
 * node_modules), and one would be a streaming dependency for what is here a whole
 * body already in memory; the boundary is found by hand instead, per RFC 2046 §5.1.1,
 * tolerating the bare LF line ends Hikvision firmware writes in some multipart bodies
 * (ha-hikvision-access, tests/fixtures/alertStream.sample.txt).
 *
 * Nothing here throws: each function returns frames or a typed failure.
 */
import { fail, isJsonObject, quote, type Failure } from '../frame.ts'

/** Names of the part holding the event JSON in a multipart push. */
export const EVENT_PART_NAMES: readonly string[] = ['AccessControllerEvent', 'event_log']

/**
 * Largest search answer read. A page is at most `maxResults` entries (30 on the
 * terminals seen; the poller asks for that many) of well under 2 KiB each, so
 * 1 MiB is a wrong answer, not a page.
 */
export const SEARCH_RESPONSE_BYTES_MAX = 1024 * 1024
/** Parts one push may have: the event and a few snapshots. More is not a Hikvision push. */
export const PUSH_PARTS_MAX = 16
/** RFC 2046 §5.1.1 allows 70 characters; some firmware goes beyond, none this far. */
const BOUNDARY_LENGTH_MAX = 200

export type PushSplit = { ok: true; frame: Buffer; partsDropped: number } | Failure

// ---------------------------------------------------------------------------
// Content-Type
// ---------------------------------------------------------------------------

interface MediaType {
  type: string
  params: Map<string, string>
}

/** `type/subtype; name=value; name="quoted value"`, names lower-cased (RFC 9110 §8.3.1). */
function parseMediaType(text: string): MediaType | undefined {
  const [head = '', ...rest] = text.split(';')
  const type = head.trim().toLowerCase()
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type)) return undefined
  const params = new Map<string, string>()
  // Parameters are read left to right; a quoted value may contain ';'.
  let tail = rest.join(';')
  while (tail.trim() !== '') {
    const m = /^\s*([A-Za-z0-9!#$&^_.+-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))\s*(?:;|$)/.exec(tail)
    if (!m) return undefined
    params.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''))
    tail = tail.slice(m[0].length)
  }
  return { type, params }
}

function isJsonType(type: string): boolean {
  return type === 'application/json' || type === 'text/json' || type.endsWith('+json')
}

// ---------------------------------------------------------------------------
// Multipart (RFC 2046 §5.1.1)
// ---------------------------------------------------------------------------

interface Part {
  headers: Map<string, string>
  body: Buffer
}

const LF = 0x0a
const CR = 0x0d
const DASH = 0x2d

/**
 * The next delimiter `--boundary` at the start of a line at or after `from`,
 * followed by `--`, white space or a line end (so a boundary that is a prefix
 * of other text does not match). The line break before it belongs to it.
 */
function findDelimiter(body: Buffer, delimiter: Buffer, from: number): number {
  let at = body.indexOf(delimiter, from)
  while (at >= 0) {
    const atLineStart = at === 0 || body[at - 1] === LF
    const next = body[at + delimiter.length]
    const ends = next === undefined || next === DASH || next === CR || next === LF || next === 0x20 || next === 0x09
    if (atLineStart && ends) return at
    at = body.indexOf(delimiter, at + 1)
  }
  return -1
}

/** Index just past the line end that starts at `at` (CRLF or a bare LF), or -1. */
function pastLineEnd(body: Buffer, at: number): number {
  let i = at
  // Transport padding (RFC 2046: linear white space after the boundary) is skipped.
  while (body[i] === 0x20 || body[i] === 0x09) i++
  if (body[i] === CR && body[i + 1] === LF) return i + 2
  if (body[i] === LF) return i + 1
  return -1
}

function parseHeaders(block: Buffer): Map<string, string> | undefined {
  const headers = new Map<string, string>()
  for (const line of block.toString('latin1').split(/\r?\n/)) {
    if (line === '') continue
    const colon = line.indexOf(':')
    if (colon <= 0) return undefined
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  return headers
}

/** Splits a part's bytes into its header block and its body at the first empty line. */
function parsePart(bytes: Buffer): Part | undefined {
  // A part may have no headers at all: it then starts with the empty line.
  const leading = pastLineEnd(bytes, 0)
  if (leading >= 0 && bytes[0] !== 0x20 && bytes[0] !== 0x09) return { headers: new Map(), body: bytes.subarray(leading) }
  for (let i = bytes.indexOf(LF); i >= 0; i = bytes.indexOf(LF, i + 1)) {
    const after = pastLineEnd(bytes, i + 1)
    if (after >= 0) {
      const headers = parseHeaders(bytes.subarray(0, i + 1))
      return headers ? { headers, body: bytes.subarray(after) } : undefined
    }
  }
  return undefined
}

function parseMultipart(body: Buffer, boundary: string): { ok: true; parts: Part[] } | Failure {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1')
  let at = findDelimiter(body, delimiter, 0)
  if (at < 0) return fail('malformed_payload', `multipart body has no boundary line ${quote(`--${boundary}`)}`)
  const parts: Part[] = []
  for (;;) {
    const afterDelimiter = at + delimiter.length
    if (body[afterDelimiter] === DASH && body[afterDelimiter + 1] === DASH) break
    const start = pastLineEnd(body, afterDelimiter)
    if (start < 0) return fail('malformed_payload', 'multipart boundary line is not followed by a line end')
    if (parts.length === PUSH_PARTS_MAX) return fail('malformed_payload', `multipart body has more than ${PUSH_PARTS_MAX} parts`)
    const next = findDelimiter(body, delimiter, start)
    if (next < 0) return fail('malformed_payload', 'multipart body ends before its closing boundary (cut off?)')
    // The CRLF (or LF) before the next delimiter is part of the delimiter, not of the part.
    let end = next - 1
    if (end > start && body[end - 1] === CR) end--
    const part = parsePart(body.subarray(start, Math.max(start, end)))
    if (!part) return fail('malformed_payload', `multipart part ${parts.length + 1} has no empty line after its headers`)
    parts.push(part)
    at = next
  }
  return { ok: true, parts }
}

/** The `name` of a `Content-Disposition: form-data; name="..."` header. */
function partName(part: Part): string | undefined {
  const disposition = part.headers.get('content-disposition')
  if (disposition === undefined) return undefined
  return parseMediaType(`x/${disposition}`)?.params.get('name')
}

/** A UTF-8 byte order mark, which the codec skips (devices/README.md: "a leading byte order mark is accepted"). */
const BOM = Buffer.from([0xef, 0xbb, 0xbf])

/** Whether the bytes start with '{', past a byte order mark and white space. */
function looksLikeJson(bytes: Buffer): boolean {
  for (const byte of bytes.subarray(bytes.subarray(0, BOM.length).equals(BOM) ? BOM.length : 0)) {
    if (byte === 0x20 || byte === 0x09 || byte === CR || byte === LF) continue
    return byte === 0x7b // '{'
  }
  return false
}

/**
 * The event part: the one named AccessControllerEvent (or event_log); without
 * names, the one whose Content-Type is JSON; without either, a header-less part
 * that starts with '{'. Every other part (the snapshots) is dropped.
 */
function eventPart(parts: Part[]): { ok: true; part: Part } | Failure {
  const named = parts.filter((p) => EVENT_PART_NAMES.includes(partName(p) ?? ''))
  const typed = parts.filter((p) => {
    const type = parseMediaType(p.headers.get('content-type') ?? '')?.type
    return type !== undefined && isJsonType(type)
  })
  const bare = parts.filter((p) => !p.headers.has('content-type') && partName(p) === undefined && looksLikeJson(p.body))
  const candidates = named.length > 0 ? named : typed.length > 0 ? typed : bare
  if (candidates.length === 0) {
    return fail('malformed_payload', `multipart push has no ${EVENT_PART_NAMES.map((n) => `"${n}"`).join(' or ')} part and no JSON part`)
  }
  if (candidates.length > 1) return fail('malformed_payload', `multipart push has ${candidates.length} event parts; a push carries one event`)
  return { ok: true, part: candidates[0]! }
}

// ---------------------------------------------------------------------------
// Push
// ---------------------------------------------------------------------------

function splitMultipart(body: Buffer, boundary: string | undefined): PushSplit {
  if (boundary === undefined || boundary === '') return fail('malformed_payload', 'multipart Content-Type has no boundary')
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (boundary.length > BOUNDARY_LENGTH_MAX || /[\u0000-\u001f\u007f-\uffff]/.test(boundary)) {
    return fail('malformed_payload', `multipart boundary must be 1 to ${BOUNDARY_LENGTH_MAX} printable ASCII characters`)
  }
  const parsed = parseMultipart(body, boundary)
  if (!parsed.ok) return parsed
  const event = eventPart(parsed.parts)
  if (!event.ok) return event
  // A copy, so that the frame does not keep the whole body (and its picture) alive behind a view.
  return { ok: true, frame: Buffer.from(event.part.body), partsDropped: parsed.parts.length - 1 }
}

/**
 * Without a Content-Type (a body read from a file, say), the first bytes tell:
 * `{` (after a byte order mark, if any) is JSON, `--token` on the first line is a
 * multipart body and its boundary.
 */
function sniff(body: Buffer): PushSplit {
  if (looksLikeJson(body)) return { ok: true, frame: body, partsDropped: 0 }
  const firstLineEnd = body.indexOf(LF)
  const firstLine = body.subarray(0, firstLineEnd < 0 ? Math.min(body.length, BOUNDARY_LENGTH_MAX + 4) : firstLineEnd).toString('latin1').trimEnd()
  if (firstLine.startsWith('--') && firstLine.length > 2) return splitMultipart(body, firstLine.slice(2))
  return fail('malformed_payload', 'push has no Content-Type and is neither JSON nor a multipart body')
}

/**
 * One push body as the one frame the codec decodes: the event JSON, with any
 * picture parts dropped. `contentType` is the request's Content-Type header.
 */
export function splitPush(body: Buffer, contentType: string | undefined): PushSplit {
  if (contentType === undefined || contentType.trim() === '') return sniff(body)
  const media = parseMediaType(contentType)
  if (!media) return fail('malformed_payload', `Content-Type ${quote(contentType)} cannot be read`)
  if (isJsonType(media.type)) return { ok: true, frame: body, partsDropped: 0 }
  if (media.type.startsWith('multipart/')) return splitMultipart(body, media.params.get('boundary'))
  if (media.type === 'application/xml' || media.type === 'text/xml') {
    return fail('malformed_payload', 'push is XML; set the listening host\'s parameterFormatType to json on the device')
  }
  return fail('malformed_payload', `Content-Type ${quote(media.type)} is neither JSON nor multipart`)
}

// ---------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------

/** `responseStatusStrg`: OK (the last page), MORE (ask again from the next position), NO MATCH (nothing). */
export type SearchStatus = 'OK' | 'MORE' | 'NO MATCH'
const SEARCH_STATUSES: readonly SearchStatus[] = ['OK', 'MORE', 'NO MATCH']

export type SearchFailureReason =
  /** The device answered with an ISAPI ResponseStatus instead of results (wrong URL, not supported, bad request). */
  | 'device_error'
  /** Not the shape of an AcsEvent answer. */
  | 'malformed_response'

export type SearchSplit =
  | {
      ok: true
      /** One InfoList entry per frame, in the device's order. */
      frames: Buffer[]
      status: SearchStatus
      /** Entries in this page; equal to frames.length. */
      numOfMatches: number
      /** Matches of the whole search, from position 0. */
      totalMatches: number
      /** The searchID the device echoed, when it did. */
      searchId: string | undefined
    }
  | { ok: false; reason: SearchFailureReason; detail: string }

const utf8 = new TextDecoder('utf-8', { fatal: true })

function searchFailure(reason: SearchFailureReason, detail: string): SearchSplit {
  return { ok: false, reason, detail }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

/** An ISAPI ResponseStatus in JSON: what a device answers instead of results when it refuses a request. */
function responseStatusDetail(object: Record<string, unknown>): string | undefined {
  if (!('statusCode' in object) && !('statusString' in object)) return undefined
  const parts = ['statusCode', 'statusString', 'subStatusCode', 'errorMsg']
    .filter((k) => object[k] !== undefined)
    .map((k) => `${k} ${quote(object[k])}`)
  return `device answered with a ResponseStatus: ${parts.join(', ')}`
}

/** The answer to an AcsEvent search as frames, with the device's status and counts beside them. */
export function splitSearch(body: Buffer): SearchSplit {
  if (body.length > SEARCH_RESPONSE_BYTES_MAX) {
    return searchFailure('malformed_response', `search answer is ${body.length} bytes; the limit is ${SEARCH_RESPONSE_BYTES_MAX}`)
  }
  let value: unknown
  try {
    value = JSON.parse(utf8.decode(body).replace(/^\uFEFF/, ''))
  } catch {
    return searchFailure('malformed_response', 'search answer is not UTF-8 JSON')
  }
  if (!isJsonObject(value)) return searchFailure('malformed_response', 'search answer is not a JSON object')
  const acs = value['AcsEvent']
  if (!isJsonObject(acs)) {
    const status = responseStatusDetail(value)
    return status ? searchFailure('device_error', status) : searchFailure('malformed_response', 'search answer has no AcsEvent object')
  }
  const status = acs['responseStatusStrg']
  if (typeof status !== 'string' || !(SEARCH_STATUSES as readonly string[]).includes(status)) {
    return searchFailure('malformed_response', `AcsEvent.responseStatusStrg is ${quote(status)}; expected ${SEARCH_STATUSES.map((s) => `"${s}"`).join(', ')}`)
  }
  const numOfMatches = acs['numOfMatches']
  const totalMatches = acs['totalMatches']
  if (!isCount(numOfMatches)) return searchFailure('malformed_response', `AcsEvent.numOfMatches is ${quote(numOfMatches)}; expected a count`)
  if (!isCount(totalMatches)) return searchFailure('malformed_response', `AcsEvent.totalMatches is ${quote(totalMatches)}; expected a count`)
  // A NO MATCH answer leaves InfoList out.
  const list = acs['InfoList'] ?? []
  if (!Array.isArray(list)) return searchFailure('malformed_response', 'AcsEvent.InfoList is not an array')
  if (list.length !== numOfMatches) {
    return searchFailure('malformed_response', `AcsEvent.InfoList has ${list.length} entries but numOfMatches is ${numOfMatches}`)
  }
  if (status === 'NO MATCH' && list.length > 0) return searchFailure('malformed_response', 'AcsEvent says NO MATCH but lists entries')
  const searchId = acs['searchID']
  if (searchId !== undefined && typeof searchId !== 'string') return searchFailure('malformed_response', 'AcsEvent.searchID is not a string')
  return {
    ok: true,
    frames: list.map((entry) => Buffer.from(JSON.stringify(entry), 'utf8')),
    status: status as SearchStatus,
    numOfMatches,
    totalMatches,
    searchId,
  }
}
