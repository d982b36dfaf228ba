/**
 * The bank result formats this ledger reads, one folder each; adding a bank means adding a folder and a line here.
 * A file is read by the format named on upload, or else by the first whose `detect` accepts its content. Order
 * matters only where two could claim the same text: the specific before the generic.
 */
import iconv from 'iconv-lite'
import { camtFormat } from './camt/index.ts'
import { cmbAgencyFormat } from './cmb/index.ts'
import { delimitedFormat, parseDelimited } from './delimited/index.ts'
import type { BankFormat, EvidenceFault, EvidenceParse } from './evidence.ts'
import { AGENCY_FILE_PROFILES } from '../../instructions/profiles/index.ts'
import { agencyFileNotAResult, xmlNotAResult } from './not-results.ts'
import { pain002Format } from './pain002/index.ts'
import { textProfileFormats } from './text-profiles/index.ts'

export const BANK_FORMATS: readonly BankFormat[] = [pain002Format, camtFormat, cmbAgencyFormat, ...textProfileFormats, delimitedFormat]

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])

/**
 * Enough of the file's text to detect its format: UTF-8 (a BOM dropped) when it reads as UTF-8, GBK otherwise. The
 * parser decodes again, strictly, and refuses what this lenient look let through.
 */
export function detectionText(bytes: Buffer): string {
  const head = bytes.subarray(0, 64 * 1024)
  const body = head.subarray(0, 3).equals(UTF8_BOM) ? head.subarray(3) : head
  const utf8 = body.toString('utf-8')
  return utf8.includes('\uFFFD') ? iconv.decode(body, 'gbk') : utf8
}

export function formatNamed(name: string): BankFormat | undefined {
  return BANK_FORMATS.find((f) => f.name === name)
}

export function detectFormat(bytes: Buffer): BankFormat | undefined {
  const text = detectionText(bytes)
  return BANK_FORMATS.find((f) => f.detect(text))
}

/**
 * The refusal of a file no format claims, for what it is (not-results.ts): XML (our pain.001 sent back is a request,
 * not a result; other XML is in no format read here) or our own 代发 instruction file sent back. Undefined for any
 * other text, which the delimited layout reads or refuses, its faults saying what that layout lacks.
 */
export function undetectedNotAResult(bytes: Buffer): EvidenceFault | undefined {
  const xml = xmlNotAResult(
    detectionText(bytes),
    BANK_FORMATS.map((f) => f.name),
  )
  if (xml !== undefined) return xml
  // The whole file, decoded as detection decodes its head: the instruction's 总笔数 is checked against its lines.
  const body = bytes.subarray(0, 3).equals(UTF8_BOM) ? bytes.subarray(3) : bytes
  const utf8 = body.toString('utf-8')
  return agencyFileNotAResult(utf8.includes('\uFFFD') ? iconv.decode(body, 'gbk') : utf8, AGENCY_FILE_PROFILES)
}

/**
 * Reads a bank result file by the format named, or the one detected, as the upload reads it: a file no format claims
 * is refused for what it is when it is XML or our own instruction, and is otherwise read as the delimited layout, so
 * `npm run bank-file` names the same faults (a misspelt column, a missing one) the upload would.
 */
export function parseBankFile(bytes: Buffer, options: { format?: string; fileName?: string } = {}): EvidenceParse {
  const format = options.format === undefined ? detectFormat(bytes) : formatNamed(options.format)
  if (format !== undefined) return format.parse(bytes, { fileName: options.fileName })
  if (options.format !== undefined) {
    const names = BANK_FORMATS.map((f) => f.name).join(', ')
    return { errors: [{ lineNo: 0, field: 'format', code: 'unknown_format', message: `"${options.format}" is not a format this ledger reads: ${names}.` }] }
  }
  const refused = undetectedNotAResult(bytes)
  return refused === undefined ? parseDelimited(bytes) : { errors: [refused] }
}
