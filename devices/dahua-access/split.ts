/**
 * dahua-access, before the codec: the endless answer to
 * `GET /cgi-bin/eventManager.cgi?action=attach&codes=[AccessControl]&heartbeat=5`
 * cut into its parts, and one part's body read as `Code=…;action=…;index=…;data={…}`.
 * Pure: no I/O, never throws on bytes (only the splitter's constructor, on a
 * boundary boundaryOf would have refused).
 *
 * The device answers `multipart/x-mixed-replace; boundary=myboundary` and writes,
 * for as long as the connection lasts (rroller/dahua, client.py and
 * tests/dahua/test_dahua_utils.py):
 *
 *   --myboundary
 *   Content-Type: text/plain
 *   Content-Length: 312
 *
 *   Code=AccessControl;action=Pulse;index=0;data={ "UserID" : "1001", "RecNo" : 1234, … }
 *   --myboundary
 *   Content-Type: text/plain
 *   Content-Length: 9
 *
 *   Heartbeat
 *
 * Lines end in CRLF or a bare LF depending on firmware. The stream never ends, so
 * nothing can wait for "the whole body": EventStreamSplitter takes the bytes as
 * they arrive, in chunks cut anywhere (inside the boundary, a header, the JSON),
 * and hands back each part as soon as it is complete. A part is complete when its
 * Content-Length bytes are in (so a punch is not held back until the next
 * heartbeat), or, without a usable Content-Length, when the next boundary line
 * begins. A Content-Length that would swallow a boundary line is wrong (seen in
 * captures and tests that write a fixed 999): the boundary wins.
 *
 * Limits are named and each breach is reported once, then the splitter resyncs at
 * the next boundary line: one bad part never stalls the stream or grows memory.
 */
import { fail, quote, type Failure } from '../frame.ts'

/** The boundary Dahua firmware writes; the response's Content-Type names it. */
export const DAHUA_BOUNDARY = 'myboundary'
/**
 * Largest part body. An AccessControl event is under 1 KiB (a dozen short
 * fields); 64 KiB is not an event (a snapshot sent by mistake, or a stream out of
 * step), and is where the splitter gives up on the part and resyncs.
 */
export const EVENT_PART_BYTES_MAX = 64 * 1024
/** Largest header block of a part: two short headers in practice. */
export const PART_HEADERS_BYTES_MAX = 4 * 1024
/** RFC 2046 §5.1.1: 1 to 70 characters. */
const BOUNDARY_LENGTH_MAX = 70

/** One part of the stream: its headers (names lower-cased) and its body as received. */
export interface StreamPart {
  headers: Map<string, string>
  body: Buffer
}

/** Why bytes of the stream did not become a part. */
export type StreamIssueReason =
  /** A part (or its header block) over the limits above; its bytes were dropped up to the next boundary. */
  | 'part_too_large'
  /** Bytes outside any part, or a stream that ended inside one. */
  | 'malformed_part'

export type StreamItem = { ok: true; part: StreamPart } | { ok: false; reason: StreamIssueReason; detail: string }

const LF = 0x0a
const CR = 0x0d
const DASH = 0x2d
const SPACE = 0x20
const TAB = 0x09

function isSpace(byte: number | undefined): boolean {
  return byte === SPACE || byte === TAB || byte === CR || byte === LF
}

// RFC 2046 bchars without the space (a boundary in a header parameter is not quoted by Dahua).
const BOUNDARY_TEXT = /^[0-9A-Za-z'()+_,./:=?-]+$/

/**
 * The boundary of the stream from the response's Content-Type
 * (`multipart/x-mixed-replace; boundary=myboundary`), or why it cannot be used.
 */
export function boundaryOf(contentType: string | undefined): { ok: true; boundary: string } | Failure {
  if (contentType === undefined) return fail('malformed_payload', 'the event stream has no Content-Type')
  const [type = '', ...params] = contentType.split(';')
  if (!type.trim().toLowerCase().startsWith('multipart/')) return fail('malformed_payload', `Content-Type ${quote(contentType)} is not multipart`)
  for (const param of params) {
    const eq = param.indexOf('=')
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'boundary') continue
    const boundary = param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')
    if (boundary.length > BOUNDARY_LENGTH_MAX || !BOUNDARY_TEXT.test(boundary)) {
      return fail('malformed_payload', `multipart boundary ${quote(boundary)} is not 1 to ${BOUNDARY_LENGTH_MAX} boundary characters`)
    }
    return { ok: true, boundary }
  }
  return fail('malformed_payload', `Content-Type ${quote(contentType)} has no boundary`)
}

/** A header line: a token, then a colon (RFC 9110 §5.1). A line that is not one starts the body. */
const HEADER_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:/

type State =
  /** Looking for the next boundary line; `quiet` when the bytes skipped were already reported. */
  | { kind: 'seek'; quiet: boolean }
  | { kind: 'headers'; headers: Map<string, string>; headerBytes: number }
  /** Body of a known length; `length` from Content-Length. */
  | { kind: 'body_length'; headers: Map<string, string>; length: number }
  /** Body that ends where the next boundary line begins. */
  | { kind: 'body_delimited'; headers: Map<string, string> }

/**
 * Cuts the event stream into parts as its bytes arrive. Feed every chunk to
 * `push` in order and handle what it returns; call `end` when the connection
 * closes. Parts and issues come out in stream order.
 */
export class EventStreamSplitter {
  readonly #delimiter: Buffer
  /** Bytes received and not yet consumed. */
  #buffer: Buffer = Buffer.alloc(0)
  /** Whether #buffer[0] starts a line (the stream's start, or just after an LF). */
  #atLineStart = true
  #state: State = { kind: 'seek', quiet: true }
  /** Bytes skipped while seeking, and whether any of them was not white space. */
  #skipped = 0
  #skippedText = false

  constructor(boundary: string = DAHUA_BOUNDARY) {
    if (boundary.length > BOUNDARY_LENGTH_MAX || !BOUNDARY_TEXT.test(boundary)) throw new RangeError('boundary: check it with boundaryOf first')
    this.#delimiter = Buffer.from(`--${boundary}`, 'latin1')
  }

  push(chunk: Buffer): StreamItem[] {
    if (chunk.length === 0) return []
    this.#buffer = this.#buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buffer, chunk])
    const out: StreamItem[] = []
    while (this.#step(out));
    return out
  }

  /** The connection closed: what is left becomes a last part if it can, or an issue. */
  end(): StreamItem[] {
    const out: StreamItem[] = []
    const state = this.#state
    switch (state.kind) {
      case 'seek': {
        // Held back only in case a boundary followed: skipped now as the seek would have skipped them, so that text
        // after a counted part is reported however the bytes were chunked. A boundary line the connection closed
        // inside (`--mybou`, `--myboundary\r`) is the stream ending between parts, which loses nothing: not reported.
        const cut = this.#findDelimiter(0).at
        this.#skip(cut < 0 ? this.#buffer.length : cut, state.quiet)
        this.#reportSkipped(out)
        break
      }
      case 'headers':
        if (state.headerBytes + this.#buffer.length > 0) out.push(issue('malformed_part', 'the stream ended inside a part\'s headers'))
        break
      case 'body_length':
        out.push(issue('malformed_part', `the stream ended ${state.length - this.#buffer.length} bytes short of the part's Content-Length ${state.length}`))
        break
      case 'body_delimited':
        // Without a length or a next boundary the part's end is the stream's end; the codec judges the bytes.
        if (this.#buffer.length > EVENT_PART_BYTES_MAX) out.push(issue('part_too_large', `a part runs past ${EVENT_PART_BYTES_MAX} bytes without a boundary; skipped to the next boundary`))
        else out.push({ ok: true, part: { headers: state.headers, body: Buffer.from(withoutLineBreak(this.#buffer, this.#buffer.length)) } })
        break
    }
    this.#buffer = Buffer.alloc(0)
    this.#atLineStart = true
    this.#state = { kind: 'seek', quiet: true }
    return out
  }

  /** One step of the state machine; false when it needs more bytes. */
  #step(out: StreamItem[]): boolean {
    const state = this.#state
    switch (state.kind) {
      case 'seek':
        return this.#seek(out, state.quiet)
      case 'headers':
        return this.#readHeaders(out, state)
      case 'body_length':
        return this.#readLengthBody(out, state)
      case 'body_delimited':
        return this.#readDelimitedBody(out, state)
    }
  }

  #seek(out: StreamItem[], quiet: boolean): boolean {
    const found = this.#findDelimiter(0)
    if (found.at < 0) {
      // Keep only what could still be the start of a boundary line; the rest is skipped.
      this.#skip(this.#buffer.length - Math.min(this.#buffer.length, this.#delimiter.length + 1), quiet)
      return false
    }
    this.#skip(found.at, quiet)
    if (found.incomplete) return false
    // The boundary now starts the buffer.
    const after = this.#delimiter.length
    // `--myboundary-` may yet be the closing `--myboundary--`: the next byte tells.
    if (this.#buffer[after] === DASH && this.#buffer.length < after + 2) return false
    if (this.#buffer[after] === DASH && this.#buffer[after + 1] === DASH) {
      // The closing boundary: an epilogue may follow, and Dahua streams do not close; seek on.
      this.#reportSkipped(out)
      this.#consume(after + 2)
      this.#state = { kind: 'seek', quiet: true }
      return true
    }
    const lineEnd = pastLineEnd(this.#buffer, after)
    if (lineEnd === undefined) return false
    if (lineEnd < 0) {
      // `--myboundary` followed by other text on its line: not a boundary line after all.
      this.#skip(after, quiet)
      return true
    }
    this.#reportSkipped(out)
    this.#consume(lineEnd)
    this.#state = { kind: 'headers', headers: new Map(), headerBytes: 0 }
    return true
  }

  #readHeaders(out: StreamItem[], state: Extract<State, { kind: 'headers' }>): boolean {
    const lf = this.#buffer.indexOf(LF)
    if (lf < 0) {
      if (state.headerBytes + this.#buffer.length > PART_HEADERS_BYTES_MAX) return this.#tooLarge(out, `a part's headers run past ${PART_HEADERS_BYTES_MAX} bytes`)
      return false
    }
    const line = this.#buffer.subarray(0, lf > 0 && this.#buffer[lf - 1] === CR ? lf - 1 : lf).toString('latin1')
    if (line === '') {
      this.#consume(lf + 1)
      const body = bodyState(state.headers)
      if (body.kind === 'body_length' && body.length > EVENT_PART_BYTES_MAX) {
        return this.#tooLarge(out, `a part's Content-Length is ${body.length}; the limit is ${EVENT_PART_BYTES_MAX}`)
      }
      this.#state = body
      return true
    }
    if (!HEADER_LINE.test(line)) {
      // Some firmware leaves out the empty line: the body starts here, and only the next boundary can end it.
      this.#state = { kind: 'body_delimited', headers: state.headers }
      return true
    }
    state.headerBytes += lf + 1
    if (state.headerBytes > PART_HEADERS_BYTES_MAX) return this.#tooLarge(out, `a part's headers run past ${PART_HEADERS_BYTES_MAX} bytes`)
    const colon = line.indexOf(':')
    state.headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim())
    this.#consume(lf + 1)
    return true
  }

  #readLengthBody(out: StreamItem[], state: Extract<State, { kind: 'body_length' }>): boolean {
    // A boundary line inside the declared length means the length is wrong: the boundary ends the part.
    const found = this.#findDelimiter(0)
    if (found.at >= 0 && found.at < state.length) {
      // Whether bytes at the very end are a boundary is known only with the byte after them.
      if (found.incomplete) return false
      this.#state = { kind: 'body_delimited', headers: state.headers }
      return true
    }
    if (this.#buffer.length < state.length) return false
    out.push({ ok: true, part: { headers: state.headers, body: Buffer.from(this.#buffer.subarray(0, state.length)) } })
    this.#consume(state.length)
    // The line break after the body, and anything else before the next boundary, is skipped (and reported if not
    // blank). A boundary written straight after the counted bytes, without a line break, still counts as one.
    this.#atLineStart = true
    this.#state = { kind: 'seek', quiet: false }
    return true
  }

  #readDelimitedBody(out: StreamItem[], state: Extract<State, { kind: 'body_delimited' }>): boolean {
    const found = this.#findDelimiter(0)
    // One detail whichever way the bytes were chunked: a boundary found later is further on still.
    const tooLarge = `a part runs past ${EVENT_PART_BYTES_MAX} bytes without a boundary`
    if (found.at < 0) return this.#buffer.length > EVENT_PART_BYTES_MAX ? this.#tooLarge(out, tooLarge) : false
    if (found.at > EVENT_PART_BYTES_MAX) return this.#tooLarge(out, tooLarge)
    if (found.incomplete) return false
    out.push({ ok: true, part: { headers: state.headers, body: Buffer.from(withoutLineBreak(this.#buffer, found.at)) } })
    this.#consume(found.at)
    this.#state = { kind: 'seek', quiet: true }
    return true
  }

  /** Reports a part over the limits and drops its bytes up to the next boundary line. */
  #tooLarge(out: StreamItem[], detail: string): boolean {
    out.push(issue('part_too_large', `${detail}; skipped to the next boundary`))
    this.#state = { kind: 'seek', quiet: true }
    return true
  }

  /**
   * The first `--boundary` at a line start at or after `from`. `incomplete` when
   * it sits at the end of the bytes so far and what follows it is not yet known
   * (or only a prefix of it has arrived).
   */
  #findDelimiter(from: number): { at: number; incomplete: boolean } {
    const buffer = this.#buffer
    const delimiter = this.#delimiter
    for (let at = buffer.indexOf(delimiter, from); at >= 0; at = buffer.indexOf(delimiter, at + 1)) {
      const atLineStart = at === 0 ? this.#atLineStart : buffer[at - 1] === LF
      if (!atLineStart) continue
      const next = buffer[at + delimiter.length]
      if (next === undefined) return { at, incomplete: true }
      if (next === DASH || isSpace(next)) return { at, incomplete: false }
    }
    // A prefix of the delimiter at the very end, at a line start, may be completed by the next chunk.
    const tailFrom = Math.max(from, buffer.length - delimiter.length + 1)
    for (let at = tailFrom; at < buffer.length; at++) {
      const atLineStart = at === 0 ? this.#atLineStart : buffer[at - 1] === LF
      if (atLineStart && delimiter.subarray(0, buffer.length - at).equals(buffer.subarray(at))) return { at, incomplete: true }
    }
    return { at: -1, incomplete: false }
  }

  #consume(n: number): void {
    if (n === 0) return
    this.#atLineStart = this.#buffer[n - 1] === LF
    this.#buffer = this.#buffer.subarray(n)
  }

  #skip(n: number, quiet = true): void {
    if (n <= 0) return
    if (!quiet && !this.#skippedText) this.#skippedText = this.#buffer.subarray(0, n).some((b) => !isSpace(b))
    this.#skipped += n
    this.#consume(n)
  }

  #reportSkipped(out: StreamItem[]): void {
    if (this.#skippedText) out.push(issue('malformed_part', `${this.#skipped} bytes outside any part were skipped`))
    this.#skipped = 0
    this.#skippedText = false
  }
}

function issue(reason: StreamIssueReason, detail: string): StreamItem {
  return { ok: false, reason, detail }
}

/** The body's state after its headers: by Content-Length when it is a plain count, else up to the next boundary. */
function bodyState(headers: Map<string, string>): State {
  const length = headers.get('content-length')
  if (length !== undefined && /^\d{1,9}$/.test(length)) return { kind: 'body_length', headers, length: Number(length) }
  return { kind: 'body_delimited', headers }
}

/**
 * Index just past the line end at or after `at` (transport padding first), -1
 * when other text comes first, undefined when the bytes so far cannot tell.
 */
function pastLineEnd(buffer: Buffer, at: number): number | undefined {
  let i = at
  while (buffer[i] === SPACE || buffer[i] === TAB) i++
  if (i >= buffer.length) return undefined
  if (buffer[i] === LF) return i + 1
  if (buffer[i] === CR) {
    if (i + 1 >= buffer.length) return undefined
    return buffer[i + 1] === LF ? i + 2 : -1
  }
  return -1
}

/** bytes[0, end) without the one line break (CRLF or LF) that belongs to the boundary after it. */
function withoutLineBreak(bytes: Buffer, end: number): Buffer {
  let e = end
  if (e > 0 && bytes[e - 1] === LF) {
    e--
    if (e > 0 && bytes[e - 1] === CR) e--
  }
  return bytes.subarray(0, e)
}

// ---------------------------------------------------------------------------
// One part's body
// ---------------------------------------------------------------------------

/** What one part's body says: the stream is alive, or one event. */
export type EventPartRead =
  | { ok: true; kind: 'heartbeat' }
  | {
      ok: true
      kind: 'event'
      /** `Code`: AccessControl, DoorStatus, BreakIn, AlarmLocal, … */
      code: string
      /** `action`: Pulse for a one-off event, Start and Stop for a state. */
      action: string | undefined
      /** `index`: the channel (door) the event is about; -1 on some device-wide events. */
      index: number | undefined
      /** The bytes after `data=`, trimmed: a JSON object on every firmware seen. */
      data: Buffer | undefined
    }
  | Failure

/** The text of a heartbeat part (rroller/dahua client.py quotes the HTTP API: the heartbeat message is "Heartbeat"). */
const HEARTBEAT = 'heartbeat'
const CODE_TEXT = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/
const INDEX_TEXT = /^-?\d{1,9}$/

/**
 * One part's body, `Code=AccessControl;action=Pulse;index=0;data={…}` or
 * `Heartbeat`. The keys before `data=` are read case-insensitively (firmware
 * writes `Code`, `action`, `index`); other keys there are read past. `data` is
 * everything after `data=`: the JSON may itself contain `;` and `=`.
 */
export function parseEventPart(body: Buffer): EventPartRead {
  if (body.length > EVENT_PART_BYTES_MAX) return fail('malformed_payload', `part is ${body.length} bytes; the limit is ${EVENT_PART_BYTES_MAX}`)
  let start = 0
  let end = body.length
  while (start < end && isSpace(body[start])) start++
  while (end > start && isSpace(body[end - 1])) end--
  if (start === end) return fail('malformed_payload', 'part is empty')
  const trimmed = body.subarray(start, end)
  if (trimmed.length === HEARTBEAT.length && trimmed.toString('latin1').toLowerCase() === HEARTBEAT) return { ok: true, kind: 'heartbeat' }

  const dataAt = findDataKey(trimmed)
  const head = trimmed.subarray(0, dataAt < 0 ? trimmed.length : dataAt).toString('latin1')
  if (/[^\u0020-\u007e]/.test(head)) return fail('malformed_payload', 'part does not start with Code=… in plain text')
  const fields = new Map<string, string>()
  for (const segment of head.split(';')) {
    if (segment.trim() === '') continue
    const eq = segment.indexOf('=')
    if (eq <= 0) return fail('malformed_payload', `part has ${quote(segment.trim())} where a key=value was expected`)
    const key = segment.slice(0, eq).trim().toLowerCase()
    if (fields.has(key)) return fail('malformed_payload', `part names ${quote(key)} twice`)
    fields.set(key, segment.slice(eq + 1).trim())
  }
  const code = fields.get('code')
  if (code === undefined) return fail('malformed_payload', 'part has no Code=')
  if (!CODE_TEXT.test(code)) return fail('malformed_payload', `Code is ${quote(code)}; expected an event code such as AccessControl`)
  const indexText = fields.get('index')
  if (indexText !== undefined && !INDEX_TEXT.test(indexText)) return fail('malformed_payload', `index is ${quote(indexText)}; expected a whole number`)
  const data = dataAt < 0 ? undefined : trimDataValue(trimmed.subarray(dataAt + 'data='.length))
  return { ok: true, kind: 'event', code, action: fields.get('action'), index: indexText === undefined ? undefined : Number(indexText), data }
}

/** Where `data=` starts as a key: at the start, or after a `;` (and spaces). -1 when absent. */
function findDataKey(bytes: Buffer): number {
  const key = Buffer.from('data=', 'latin1')
  for (let at = 0; at <= bytes.length - key.length; at++) {
    if (bytes[at] !== 0x64 && bytes[at] !== 0x44) continue // 'd' or 'D'
    if (bytes.subarray(at, at + key.length).toString('latin1').toLowerCase() !== 'data=') continue
    let before = at - 1
    while (before >= 0 && (bytes[before] === SPACE || bytes[before] === TAB)) before--
    if (before < 0 || bytes[before] === 0x3b) return at // ';'
  }
  return -1
}

function trimDataValue(bytes: Buffer): Buffer {
  let start = 0
  while (start < bytes.length && isSpace(bytes[start])) start++
  return bytes.subarray(start)
}
