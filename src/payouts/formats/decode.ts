/**
 * The byte-level pieces every XML result format's decoding shares (camt, pain.002, CMB): a UTF-8 byte order mark
 * dropped, UTF-16 told by its mark, and UTF-8 and GBK (国标码) read strictly, so that bytes that are not the encoding
 * refuse the file rather than become U+FFFD: a payee's name read wrong is evidence read wrong. What each format accepts
 * in the XML declaration and how it words a refusal stay in its own decode.ts (their tests hold the wording).
 */
import { isAscii, isUtf8 } from 'node:buffer'
import iconv from 'iconv-lite'

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])

/** The bytes after a UTF-8 byte order mark, and whether there was one. */
export function withoutBom(bytes: Buffer): { body: Buffer; bom: boolean } {
  const bom = bytes.subarray(0, 3).equals(UTF8_BOM)
  return { body: bom ? bytes.subarray(3) : bytes, bom }
}

/** Whether the bytes start with a UTF-16 byte order mark, either byte order. */
export const startsUtf16 = (bytes: Buffer): boolean => bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))

const utf8Dropping = new TextDecoder('utf-8', { fatal: true })
const utf8Keeping = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * UTF-8 or nothing: a single invalid sequence and the bytes are not UTF-8. A byte order mark at their start is dropped
 * unless `keepBom` (then it is the character U+FEFF, which no XML may start with).
 */
export function strictUtf8(bytes: Buffer, keepBom = false): string | undefined {
  try {
    return (keepBom ? utf8Keeping : utf8Dropping).decode(bytes)
  } catch {
    return undefined
  }
}

/** GBK (or GB18030) or nothing: iconv-lite writes U+FFFD for what is no character of it, and that is the test. */
export function strictGbk(bytes: Buffer, encoding: 'gbk' | 'gb18030'): string | undefined {
  const text = iconv.decode(bytes, encoding)
  return text.includes('\uFFFD') ? undefined : text
}

/**
 * Non-ASCII bytes a file declared GBK must hold before their being valid UTF-8 says they are UTF-8: a short GBK name is
 * valid UTF-8 by chance surprisingly often (谢伟, 郑伟, 肖强: hundreds of common names), a few names' worth almost never.
 */
const MISLABEL_EVIDENCE_BYTES = 24

/**
 * Why a file declared GBK is not: a UTF-8 byte-order mark before the declaration, or enough Chinese in bytes that are
 * valid UTF-8 (UTF-8 often reads as GBK — as the wrong characters, names matched to no worker). Undefined when neither:
 * a file with too little Chinese to tell is read as declared; a wrong reading then shows as a payee name mismatch.
 */
export function gbkMislabelled(body: Buffer, bom: boolean, declared: string): string | undefined {
  if (bom) return `The file starts with a UTF-8 byte-order mark but says it is ${declared.toUpperCase()}; one of the two is wrong. Fetch it from the bank again.`
  if (!isAscii(body) && nonAsciiBytes(body) >= MISLABEL_EVIDENCE_BYTES && isUtf8(body)) {
    return `The file says it is ${declared.toUpperCase()} but its bytes are UTF-8; read as ${declared.toUpperCase()} its names would be wrong. Correct its declaration to encoding="UTF-8", or send the file as the bank gave it.`
  }
  return undefined
}

function nonAsciiBytes(body: Buffer): number {
  let n = 0
  for (let i = 0; i < body.length && n < MISLABEL_EVIDENCE_BYTES; i++) if (body[i]! >= 0x80) n++
  return n
}
