/**
 * An XML file's bytes checked against the encoding its declaration names (XML 1.0 §4.3.3): UTF-8 when it names none,
 * GBK or GB18030 (国标码) when it says so. Checking is strict: bytes that are not the named encoding refuse the file
 * rather than becoming U+FFFD, because a payee's name read wrong is evidence read wrong. Chinese banks' exports are
 * the usual culprit: GBK bytes under an `encoding="UTF-8"` declaration.
 *
 * The document is then read as one character per byte (Latin-1), not decoded whole: its markup is ASCII, and no byte
 * of a multi-byte character is markup or XML white space (UTF-8's are 0x80 and above, GBK's 0x40 and above,
 * GB18030's four-byte ones digits at most), so `<`, `>`, `&`, `/`, `=` and quotes are found where they are; only the
 * text of elements is decoded, as it is read (`decodeText`). A file holding Chinese decoded whole is UTF-16 in memory,
 * two bytes for each byte of its markup: for a 100,000-transaction file, more heap than the rest of the reading.
 */
import { isUtf8 } from 'node:buffer'
import iconv from 'iconv-lite'
import { gbkMislabelled, startsUtf16, withoutBom } from '../decode.ts'

export type XmlEncoding = 'utf-8' | 'gbk' | 'gb18030'

export type Decoded =
  | {
      /** The file, one character per byte (the UTF-8 BOM dropped). */
      text: string
      encoding: XmlEncoding
      /** A piece of `text` (an element's text, an attribute value) in Unicode. */
      decodeText: (bytes: string) => string
    }
  | { code: 'invalid_encoding' | 'unsupported_encoding'; message: string }

/** A byte of a multi-byte character: ASCII text needs no decoding. */
const NON_ASCII = /[\x80-\xff]/
/** GBK is checked this many bytes at a time, so that checking never holds the whole file as text. */
const CHECK_CHUNK_BYTES = 1 << 20

/** The declaration's encoding name, read from the first bytes as ASCII (the declaration itself always is). */
function declaredEncoding(head: Buffer): string | undefined {
  const start = head.subarray(0, 200).toString('latin1')
  const m = /^\s*<\?xml\s[^?]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/.exec(start)
  return m?.[1]?.toLowerCase()
}

/** The line (1-based) of the first byte that does not begin or continue a valid UTF-8 sequence: for the clerk's message. */
function firstInvalidUtf8Line(bytes: Buffer): number {
  let line = 1
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!
    if (b === 0x0a) line++
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1
    if (need < 0) return line
    for (let k = 1; k <= need; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return line
    i += need + 1
  }
  return line
}

const newlines = (s: string, end: number): number => {
  let n = 0
  for (let i = s.indexOf('\n'); i !== -1 && i < end; i = s.indexOf('\n', i + 1)) n++
  return n
}

/** The line of the first byte sequence that is not GBK (GB18030), or undefined when all are. */
function firstInvalidGbkLine(bytes: Buffer, encoding: 'gbk' | 'gb18030'): number | undefined {
  const decoder = iconv.getDecoder(encoding)
  let line = 1
  for (let at = 0; at < bytes.length; at += CHECK_CHUNK_BYTES) {
    const text = decoder.write(bytes.subarray(at, at + CHECK_CHUNK_BYTES))
    const bad = text.indexOf('\uFFFD')
    if (bad !== -1) return line + newlines(text, bad)
    line += newlines(text, text.length)
  }
  return (decoder.end() ?? '').includes('\uFFFD') ? line : undefined
}

/**
 * Text read one character per byte back to Unicode, through one scratch buffer: a batch decodes a name per
 * transaction, and a Buffer made for each was 100,000 short-lived objects and a fifth of the reading's decoding time.
 * The bytes are whole UTF-8 sequences (the file was checked, and the text is cut at ASCII markup), decoded by the
 * same decoder as before.
 */
function utf8Text(): (s: string) => string {
  let scratch = Buffer.allocUnsafe(256)
  return (s) => {
    if (!NON_ASCII.test(s)) return s
    if (s.length > scratch.length) scratch = Buffer.allocUnsafe(Math.max(s.length, scratch.length * 2))
    const n = scratch.write(s, 0, 'latin1')
    return scratch.toString('utf8', 0, n)
  }
}

export function decodeXml(bytes: Buffer): Decoded {
  if (startsUtf16(bytes)) {
    return { code: 'unsupported_encoding', message: 'The file is UTF-16 (its first bytes say so). Export it again as UTF-8 or GBK.' }
  }
  const { body, bom } = withoutBom(bytes)
  const declared = declaredEncoding(body)
  if (declared === undefined || declared === 'utf-8' || declared === 'utf8' || declared === 'us-ascii' || declared === 'ascii') {
    if (!isUtf8(body)) {
      const said = declared === undefined ? 'names no encoding, so it must be UTF-8' : `says it is ${declared.toUpperCase()}`
      return {
        code: 'invalid_encoding',
        message: `The file ${said}, but from line ${firstInvalidUtf8Line(body)} holds bytes that are not UTF-8 (GBK perhaps). Export it again as UTF-8, or with encoding="GBK" in its first line if it is GBK.`,
      }
    }
    return { text: body.toString('latin1'), encoding: 'utf-8', decodeText: utf8Text() }
  }
  if (declared === 'gbk' || declared === 'gb2312' || declared === 'cp936' || declared === 'x-gbk' || declared === 'gb18030') {
    // GB2312 files in the wild carry GBK's extra characters; GBK reads GB2312 and more.
    const encoding = declared === 'gb18030' ? 'gb18030' : 'gbk'
    const mislabelled = gbkMislabelled(body, bom, declared)
    if (mislabelled !== undefined) return { code: 'invalid_encoding', message: mislabelled }
    const bad = firstInvalidGbkLine(body, encoding)
    if (bad !== undefined) return { code: 'invalid_encoding', message: `The file says it is ${declared.toUpperCase()}, but line ${bad} holds bytes that are not. Fetch it from the bank again.` }
    return { text: body.toString('latin1'), encoding, decodeText: (s) => (NON_ASCII.test(s) ? iconv.decode(Buffer.from(s, 'latin1'), encoding) : s) }
  }
  return { code: 'unsupported_encoding', message: `The file is in ${declared.toUpperCase()}; this ledger reads camt files in UTF-8, GBK or GB18030. Ask the bank for one of them.` }
}
