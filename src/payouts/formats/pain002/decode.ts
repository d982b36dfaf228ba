/**
 * An XML file's bytes to text by the encoding its declaration names (XML 1.0 §4.3.3: without a declaration, or
 * without an encoding in it, the file is UTF-8). A UTF-8 byte order mark is allowed and dropped. Decoding is strict:
 * a byte sequence that is no character of the declared encoding refuses the file, because a name read wrong (户名) is
 * a payment matched to the wrong worker, or to none.
 *
 * GBK bytes under a UTF-8 label (a bank's export tool that writes GBK and copies a UTF-8 declaration) are told apart
 * from random damage, so the clerk is told which of the two to ask the bank about.
 */
import { gbkMislabelled, startsUtf16, strictGbk, strictUtf8, withoutBom } from '../decode.ts'

export type DecodeFault = { code: 'invalid_encoding' | 'encoding_mislabelled' | 'unsupported_encoding'; message: string }

/** What the declaration may say, normalised (lower case, no separators), and the decoder iconv-lite uses for it. */
const DECODERS: Record<string, 'utf-8' | 'gbk' | 'gb18030' | 'latin1'> = {
  utf8: 'utf-8',
  gbk: 'gbk',
  gb2312: 'gbk',
  cp936: 'gbk',
  gb18030: 'gb18030',
  iso88591: 'latin1',
  latin1: 'latin1',
}

/** The encoding the XML declaration names, read from the first bytes as ASCII (every supported encoding agrees there). */
function declaredEncoding(head: Buffer): string | undefined {
  const prolog = head.subarray(0, 200).toString('latin1')
  if (!prolog.startsWith('<?xml')) return undefined
  const end = prolog.indexOf('?>')
  const decl = end < 0 ? prolog : prolog.slice(0, end)
  return /\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/.exec(decl)?.[1]
}

export function decodeXml(bytes: Buffer): { text: string; encoding: string } | DecodeFault {
  const { body, bom } = withoutBom(bytes)
  if (startsUtf16(body)) {
    return { code: 'unsupported_encoding', message: 'The file is in UTF-16, which this ledger does not read; ask the bank for UTF-8 or GBK.' }
  }
  const label = declaredEncoding(body) ?? 'UTF-8'
  const decoder = DECODERS[label.toLowerCase().replace(/[-_.]/g, '')]
  if (decoder === undefined) {
    return { code: 'unsupported_encoding', message: `The file declares encoding "${label}"; this ledger reads UTF-8, GBK and GB18030. Ask the bank for one of them.` }
  }
  if (decoder === 'latin1') return { text: body.toString('latin1'), encoding: label }
  if (decoder === 'utf-8') {
    const text = strictUtf8(body)
    if (text !== undefined) return { text, encoding: label }
    if (strictGbk(body, 'gbk') !== undefined) {
      return {
        code: 'encoding_mislabelled',
        message: `The file declares ${label} but its bytes are GBK (Chinese text written in another encoding than the one declared); ask the bank to correct the declaration or send UTF-8.`,
      }
    }
    return { code: 'invalid_encoding', message: `The file declares ${label} but holds bytes that are no ${label} text; it may be damaged. Fetch it from the bank again.` }
  }
  const mislabelled = gbkMislabelled(body, bom, label)
  if (mislabelled !== undefined) return { code: 'encoding_mislabelled', message: mislabelled }
  const text = strictGbk(body, decoder)
  if (text !== undefined) return { text, encoding: label }
  return { code: 'invalid_encoding', message: `The file declares ${label} but holds bytes that are no ${label} text; it may be damaged. Fetch it from the bank again.` }
}
