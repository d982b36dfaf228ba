/**
 * A posted statement file to its parser, by its content: the bytes are decoded (UTF-8 with or without BOM, else GBK),
 * then an XML document whose message is BkToCstmrStmt or BkToCstmrDbtCdtNtfctn is camt.053 / camt.054, and text with a
 * header row a CSV profile knows is that profile's. Anything else is refused, saying what is read.
 */
import iconv from 'iconv-lite'
import { isCamt, parseCamt } from './camt.ts'
import { CSV_STATEMENT_PROFILES, looksLikeCsvStatement, parseCsvStatement } from './csv.ts'
import type { StatementParse } from './statement.ts'

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])

/** UTF-8 (strict) when it reads as UTF-8, GBK (read as GB18030) otherwise; undefined when it is neither. */
export function decodeStatement(bytes: Buffer): { text: string; encoding: 'utf-8' | 'gbk' } | undefined {
  const body = bytes.subarray(0, 3).equals(UTF8_BOM) ? bytes.subarray(3) : bytes
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body), encoding: 'utf-8' }
  } catch {
    // GB18030, the national standard GBK is a part of: a name with a rare character (生僻字, four bytes) reads too.
    const gbk = iconv.decode(body, 'gb18030')
    return gbk.includes('\uFFFD') ? undefined : { text: gbk, encoding: 'gbk' }
  }
}

/** `timeZone`: the project's, where a bank's time with an offset is read as a date. */
export function parseStatement(bytes: Buffer, timeZone?: string): StatementParse {
  const decoded = decodeStatement(bytes)
  if (decoded === undefined) {
    return { errors: [{ entry: 0, field: 'file', message: 'The file is neither UTF-8 nor GBK text. Export it again as UTF-8 or GBK.' }] }
  }
  const { text } = decoded
  if (text.trimStart().startsWith('<')) {
    if (isCamt(text)) return refuseRepeatedRefs(parseCamt(text, timeZone), 'AcctSvcrRef')
    return { errors: [{ entry: 0, field: 'file', message: 'The XML is neither a camt.053 statement (BkToCstmrStmt) nor a camt.054 notification (BkToCstmrDbtCdtNtfctn).' }] }
  }
  const profile = CSV_STATEMENT_PROFILES.find((p) => looksLikeCsvStatement(text, p))
  if (profile) return refuseRepeatedRefs(parseCsvStatement(text, profile), profile.columns.bankRef[0]!)
  return {
    errors: [
      {
        entry: 0,
        field: 'file',
        message: `The file is not a statement this ledger reads: camt.053, camt.054, or a CSV export with the columns of profile ${CSV_STATEMENT_PROFILES.map((p) => p.id).join(', ')} (交易日期 … 流水号).`,
      },
    ],
  }
}

/**
 * A reference given to two lines of one file is refused: a later file's repeat of a line is the same movement read
 * again, but two lines of one file are two movements — keeping one would take the other's money off the balance
 * silently (a 流水号 repeated within a batch, or written by a spreadsheet as 2.026E+19 for many lines).
 */
function refuseRepeatedRefs(parsed: StatementParse, field: string): StatementParse {
  if (parsed.statement === undefined || parsed.errors.length > 0) return parsed
  const first = new Map<string, number>()
  const errors: StatementParse['errors'] = []
  for (const l of parsed.statement.lines) {
    const at = first.get(l.bankRef)
    if (at === undefined) first.set(l.bankRef, l.entry)
    else errors.push({ entry: l.entry, field, message: `The reference ${l.bankRef} is also on line ${at} of this file: two movements cannot share a reference, or a later reading of one could not be told from the other. Export the file again with each movement's own reference.` })
  }
  return errors.length === 0 ? parsed : { statement: parsed.statement, errors }
}
