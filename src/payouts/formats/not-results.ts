/**
 * Files that are no bank result, told apart so that they are refused for what they are. A text file no format claims
 * is read as the delimited layout, so its faults name what that layout lacks; XML read that way would only be told
 * its first line has no separator (`bad_delimiter`), which sends whoever posted it looking for commas. So XML that no
 * result format claims is refused here instead:
 * - our own instruction sent back (ISO 20022 pain.001, `CstmrCdtTrfInitn`), the likeliest wrong file to post, is a
 *   request, not a result (`request_not_result`, the code a CMB request gets);
 * - any other XML is in no format this ledger reads (`unknown_format`), with its root element named.
 * Our own 代发 instruction file sent back (a layout of src/instructions/profiles) is text, but read as the delimited
 * layout it would get a fault per line (its batch line taken for a header): it too is a request, not a result
 * (`request_not_result`), recognised by the writer's own module (agency-file.ts `isAgencyFile`), so the two cannot drift.
 * Pure, like the formats: the same text always gives the same answer.
 */
import { isAgencyFile, type AgencyFileProfile } from '../../instructions/agency-file.ts'
import type { EvidenceFault } from './evidence.ts'

/** pain.001's message element (ISO 20022 CustomerCreditTransferInitiation), with or without a namespace prefix. */
const PAIN001_ELEMENT = /<(?:[\w.-]+:)?CstmrCdtTrfInitn[\s>/]/
const PAIN001_NAMESPACE = /urn:iso:std:iso:20022:tech:xsd:pain\.001\./
/** The first element: past the declaration, comments and a DOCTYPE. */
const ROOT_ELEMENT = /<(?![?!])([A-Za-z_][\w.:-]*)/

/** The fault that refuses a file no result format claims, when it is XML; undefined for any other text. */
export function xmlNotAResult(text: string, formatNames: readonly string[]): EvidenceFault | undefined {
  const head = text.slice(0, 4096)
  if (head.trimStart().charAt(0) !== '<') return undefined
  if (PAIN001_ELEMENT.test(head) || PAIN001_NAMESPACE.test(head)) {
    return {
      lineNo: 0,
      field: 'file',
      code: 'request_not_result',
      message:
        "This is a payment instruction (ISO 20022 pain.001, CstmrCdtTrfInitn), a request to the bank such as the one this ledger writes, not the bank's answer: it says what was asked, not what was paid. Post the bank's result (a pain.002 status report, a camt.054 or camt.053, a 代发 result).",
    }
  }
  const root = ROOT_ELEMENT.exec(head)?.[1]
  return {
    lineNo: 0,
    field: 'file',
    code: 'unknown_format',
    message: `The file is XML${root === undefined ? '' : ` (root element <${root}>)`} in no format this ledger reads (${formatNames.join(', ')}). Name the format on upload if it is one of them.`,
  }
}

/** The fault that refuses our own 代发 instruction file posted as a result; undefined for any other text. */
export function agencyFileNotAResult(text: string, profiles: Readonly<Record<string, AgencyFileProfile>>): EvidenceFault | undefined {
  const name = Object.keys(profiles).find((k) => isAgencyFile(profiles[k]!, text))
  if (name === undefined) return undefined
  return {
    lineNo: 0,
    field: 'file',
    code: 'request_not_result',
    message: `This is a payment instruction (a 代发 file in the ${name} layout: ${profiles[name]!.description}), a request to the bank such as the one this ledger writes, not the bank's answer: it says what was asked, not what was paid. Post the bank's result (a 代发 result with a status per line, a pain.002, a camt.054 or camt.053).`,
  }
}
