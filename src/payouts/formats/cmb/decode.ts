/**
 * Bytes to text for CMB files, strictly. The 前置机 (the bank's front-end machine) writes GBK XML and says so in the
 * XML declaration; SDK test files and proxies say UTF-8. The declaration is honoured, and bytes that contradict it
 * refuse the file: a name read through the wrong encoding is a different name, and the payment would match nobody,
 * or the wrong worker.
 */
import iconv from 'iconv-lite'
import { startsUtf16, strictGbk, strictUtf8 as strictUtf8Of, withoutBom } from '../decode.ts'
import type { EvidenceFault } from '../evidence.ts'

export type Decoded = { text: string } | { fault: EvidenceFault }

const fault = (code: string, message: string): { fault: EvidenceFault } => ({ fault: { lineNo: 0, field: 'encoding', code, message } })

/** UTF-8 or nothing; a byte order mark left after the first is kept, as the character U+FEFF. */
const strictUtf8 = (bytes: Buffer): string | undefined => strictUtf8Of(bytes, true)

/** The line (1-based) of the first character iconv could not map, for the clerk to look at. */
function lineOfReplacement(text: string): number {
  const at = text.indexOf('\uFFFD')
  return text.slice(0, at).split('\n').length
}

const gbk = (bytes: Buffer, label: string): string | undefined => strictGbk(bytes, label === 'gb18030' ? 'gb18030' : 'gbk')

/** The encoding an XML declaration names, lower-case, or undefined when there is no declaration or it names none. */
export function declaredEncoding(head: string): string | undefined {
  const m = /^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)
  return m?.[1]?.toLowerCase()
}

/**
 * An XML file's text, by its declaration: UTF-8 (also when none is declared, as XML says), GBK, GB2312 or GB18030
 * (read as GBK, of which GB2312 is a subset, or GB18030). A UTF-8 BOM is allowed on a UTF-8 file.
 */
export function decodeXml(bytes: Buffer): Decoded {
  const { body, bom } = withoutBom(bytes)
  if (startsUtf16(body)) {
    return fault('encoding_unsupported', 'The file is UTF-16; CMB results are GBK or UTF-8. Save it as the bank sent it (GBK).')
  }
  // The declaration is ASCII in both encodings, so it can be read before the encoding is known.
  const label = declaredEncoding(body.subarray(0, 256).toString('latin1')) ?? 'utf-8'
  if (label === 'utf-8' || label === 'utf8') {
    const text = strictUtf8(body)
    if (text !== undefined) return { text }
    return gbk(body, 'gbk') !== undefined
      ? fault('encoding_mismatch', 'The file says it is UTF-8 but its bytes are GBK (as the 前置机 writes them). Send the file as the bank gave it, or correct its declaration to encoding="GBK".')
      : fault('encoding_invalid', 'The file says it is UTF-8 but holds bytes that are not UTF-8 (nor GBK); it may be damaged. Fetch it from the bank again.')
  }
  if (label === 'gbk' || label === 'gb2312' || label === 'gb18030' || label === 'cp936' || label === 'x-gbk') {
    if (bom) return fault('encoding_mismatch', `The file starts with a UTF-8 byte-order mark but says it is ${label.toUpperCase()}; one of the two is wrong. Fetch it from the bank again.`)
    // GBK text with Chinese in it is practically never valid UTF-8; UTF-8 Chinese often reads as GBK, as the wrong characters.
    if (body.some((b) => b >= 0x80) && strictUtf8(body) !== undefined) {
      return fault('encoding_mismatch', `The file says it is ${label.toUpperCase()} but its bytes are UTF-8; read as ${label.toUpperCase()} its names would be wrong. Correct its declaration to encoding="UTF-8", or send the file as the bank gave it.`)
    }
    const text = gbk(body, label)
    if (text !== undefined) return { text }
    const line = lineOfReplacement(iconv.decode(body, label === 'gb18030' ? 'gb18030' : 'gbk'))
    return { fault: { lineNo: line, field: 'encoding', code: 'encoding_invalid', message: `The file says it is ${label.toUpperCase()} but line ${line} holds bytes that are not ${label.toUpperCase()}; it may be damaged. Fetch it from the bank again.` } }
  }
  return fault('encoding_unsupported', `The file declares encoding "${label}"; CMB results are GBK or UTF-8.`)
}

/** A JSON file's text: UTF-8 only (RFC 8259), a BOM allowed. */
export function decodeJson(bytes: Buffer): Decoded {
  const { body } = withoutBom(bytes)
  const text = strictUtf8(body)
  if (text !== undefined) return { text }
  return gbk(body, 'gbk') !== undefined
    ? fault('encoding_mismatch', 'The JSON file is in GBK; JSON is UTF-8. Send the message as the bank gave it.')
    : fault('encoding_invalid', 'The JSON file holds bytes that are not UTF-8; it may be damaged. Fetch it from the bank again.')
}
