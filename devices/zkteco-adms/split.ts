/**
 * zkteco-adms, before the codec: a `POST /iclock/cdata?SN=…&table=ATTLOG` body
 * cut into one frame per record line, and the pieces of the ADMS query string
 * the HTTP edge needs. Pure: no I/O, never throws.
 *
 * A ZKTeco device in ADMS/PUSH mode sends many attendance records in one body,
 * one per line (`\n`, often `\r\n`), and forgets them all once the server
 * replies `OK`. The durable inbox stores one frame per record, so the body is
 * cut here, each line becoming the frame `decode` (codec.ts) reads and a
 * refused one is kept as. Lines are numbered from 1 as an editor shows them,
 * blank lines included, so a detail's "line 7" is the body's seventh line.
 *
 * Problems of the body as a whole (too large, too many records) are one error
 * with lineNo 0, and nothing of the body is split: the edge decides what to
 * answer. Problems of one line (not UTF-8, too long) are an error naming it,
 * carrying the line's bytes so it can be kept as a rejected input; the other
 * lines are still split.
 */
import type { RejectReason } from '../../src/punches/admit.ts'

/**
 * An ATTLOG line is under 100 bytes (10 TAB fields: PIN, time, codes). 512
 * leaves room for a long PIN and work code; a longer line is not a record.
 */
export const ATTLOG_LINE_BYTES_MAX = 512
/**
 * Record lines in one body. Devices upload their backlog in batches of a few
 * hundred (the benchmark pushes 500); a device that was offline for a week on a
 * 2,000-worker site has about 10,000 records, which it may send at once.
 */
export const ATTLOG_LINES_MAX = 10_000
/**
 * Largest body split: ATTLOG_LINES_MAX lines of about 100 bytes is 1 MiB; 4 MiB leaves room for long PINs and work
 * codes, and is what the HTTP device edge reads of a request, so a body it accepts is never refused here as too large.
 */
export const ATTLOG_BODY_BYTES_MAX = 4 * 1024 * 1024

/** One record line: what the inbox stores and the codec decodes, without its line ending. */
export interface AttlogLine {
  lineNo: number
  payload: Buffer
}

/** Why a line (or, with lineNo 0, the whole body) was not split into a frame: reasons the rejected inputs already use. */
export type SplitFailure = Extract<RejectReason, 'payload_too_large' | 'malformed_payload'>

export interface AttlogLineError {
  /** 1-based line number; 0 for the body as a whole. */
  lineNo: number
  reason: SplitFailure
  detail: string
  /** The line as received (for lineNo 0, the body's first ATTLOG_LINE_BYTES_MAX bytes): what a rejected input keeps. */
  payload: Buffer
}

export interface AttlogSplit {
  lines: AttlogLine[]
  errors: AttlogLineError[]
}

const LF = 0x0a
const CR = 0x0d
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])
// fatal: a garbled line is refused, not decoded with U+FFFD substituted (which could turn one PIN into another).
const utf8 = new TextDecoder('utf-8', { fatal: true })

function isUtf8(bytes: Buffer): boolean {
  try {
    utf8.decode(bytes)
    return true
  } catch {
    return false
  }
}

/** Only spaces and TABs (or nothing): the trailing blank lines devices send. */
function isBlank(line: Buffer): boolean {
  for (const byte of line) if (byte !== 0x20 && byte !== 0x09) return false
  return true
}

/** The body cut into record lines; blank lines are skipped, trailing `\r`s are dropped from each line. */
export function splitAttlog(body: Buffer): AttlogSplit {
  if (body.length > ATTLOG_BODY_BYTES_MAX) {
    return {
      lines: [],
      errors: [{ lineNo: 0, reason: 'payload_too_large', detail: `the body is ${body.length} bytes; the limit is ${ATTLOG_BODY_BYTES_MAX}: send fewer records per request`, payload: body.subarray(0, ATTLOG_LINE_BYTES_MAX) }],
    }
  }
  const lines: AttlogLine[] = []
  const errors: AttlogLineError[] = []
  let start = body.subarray(0, UTF8_BOM.length).equals(UTF8_BOM) ? UTF8_BOM.length : 0
  let lineNo = 0
  let records = 0
  while (start < body.length) {
    lineNo++
    const lf = body.indexOf(LF, start)
    const end = lf === -1 ? body.length : lf
    let line = body.subarray(start, end)
    start = end + 1
    // Every trailing CR: a firmware that writes \r\r\n must not leave one on the record's last field.
    while (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1)
    if (isBlank(line)) continue
    records++
    if (records > ATTLOG_LINES_MAX) {
      return {
        lines: [],
        errors: [{ lineNo: 0, reason: 'payload_too_large', detail: `the body has more than ${ATTLOG_LINES_MAX} record lines (line ${lineNo} is one too many): send fewer records per request`, payload: body.subarray(0, ATTLOG_LINE_BYTES_MAX) }],
      }
    }
    if (line.length > ATTLOG_LINE_BYTES_MAX) {
      errors.push({ lineNo, reason: 'malformed_payload', detail: `line ${lineNo} is ${line.length} bytes; an ATTLOG record is at most ${ATTLOG_LINE_BYTES_MAX}`, payload: line })
    } else if (!isUtf8(line)) {
      errors.push({ lineNo, reason: 'malformed_payload', detail: `line ${lineNo} is not UTF-8`, payload: line })
    } else {
      // A copy, not a view: a frame waiting in the inbox should not keep the whole body (up to 4 MiB) alive.
      lines.push({ lineNo, payload: Buffer.from(line) })
    }
  }
  return { lines, errors }
}

/** What the edge needs of `/iclock/cdata?SN=…&table=…&Stamp=…` (the parameter names are the protocol's, case as devices send them). */
export interface AdmsQuery {
  /** The device serial (SN), as the device is registered. */
  serial: string
  /** `ATTLOG`, `OPERLOG`, `options`, ...; undefined on the handshake (`GET /iclock/cdata?SN=…&options=all`). */
  table: string | undefined
  /** The device's upload stamp for this table, when it sends one: increasing, so a jump back or a gap can be seen. */
  stamp: number | undefined
}

/** ZKTeco serials are letters and digits (AC123456789, MED7241100320); `-`, `_` and `.` are allowed for other firmware. */
const SERIAL_TEXT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/
const TABLE_TEXT = /^[A-Za-z][A-Za-z0-9_]{0,31}$/
const STAMP_TEXT = /^\d{1,15}$/

type QueryInput = URLSearchParams | Readonly<Record<string, unknown>>

/** One value of a parameter: a repeated parameter (`SN=A&SN=B`) is refused rather than one of them picked. */
function single(query: QueryInput, name: string): { ok: true; value: string | undefined } | { ok: false; detail: string } {
  const values: unknown[] = query instanceof URLSearchParams ? query.getAll(name) : Object.hasOwn(query, name) ? [query[name]].flat() : []
  if (values.length === 0 || values[0] === undefined) return { ok: true, value: undefined }
  if (values.length > 1) return { ok: false, detail: `${name} is given ${values.length} times` }
  const value = values[0]
  if (typeof value !== 'string') return { ok: false, detail: `${name} is not text` }
  return { ok: true, value }
}

/**
 * SN, table and Stamp of an ADMS request's query string (a URLSearchParams, or
 * the object fastify parses it into). A missing or malformed SN is refused:
 * without it the request belongs to no device.
 */
export function parseAdmsQuery(query: QueryInput): { ok: true; value: AdmsQuery } | { ok: false; detail: string } {
  const sn = single(query, 'SN')
  if (!sn.ok) return sn
  if (sn.value === undefined) return { ok: false, detail: 'SN is missing: the device serial is required' }
  if (!SERIAL_TEXT.test(sn.value)) return { ok: false, detail: 'SN must be 1 to 64 letters, digits, "-", "_" or "."' }
  const table = single(query, 'table')
  if (!table.ok) return table
  if (table.value !== undefined && !TABLE_TEXT.test(table.value)) return { ok: false, detail: 'table must be a table name such as ATTLOG' }
  const stamp = single(query, 'Stamp')
  if (!stamp.ok) return stamp
  // An empty Stamp (`Stamp=`) is a device with nothing uploaded yet, as if it sent none.
  if (stamp.value !== undefined && stamp.value !== '' && !STAMP_TEXT.test(stamp.value)) return { ok: false, detail: 'Stamp must be a whole number' }
  return { ok: true, value: { serial: sn.value, table: table.value, stamp: stamp.value === undefined || stamp.value === '' ? undefined : Number(stamp.value) } }
}
