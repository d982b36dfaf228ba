/**
 * Reads a text result file (代发结果) by a profile (profile.ts): decode, find the column header, take the file's facts
 * (date, account, batch) from the header lines or the file name, read each payment line, check the summary line's
 * counts and amounts against the lines, and make each line's reference when the bank gives none.
 *
 * All-or-nothing, as every format: a file is returned whole or refused with every fault found. Pure: no I/O, and no
 * bytes make it throw.
 */
import iconv from 'iconv-lite'
import { quote } from '../../file-format.ts'
import { LIMITS } from '../../../config/limits.ts'
import { Money, type Fen, type MoneyDecimal } from '../../../kernel/money.ts'
import { isWorkDate, type WorkDate } from '../../../kernel/time.ts'
import { maskCard } from '../../../roster/identity.ts'
import { accountDigits, decimalToFen } from '../../../account/statements/statement.ts'
import { EVIDENCE_ERRORS_MAX, EVIDENCE_LINES_MAX, type EvidenceFault, type EvidenceParse, type EvidenceStatus, type PaymentEvidence } from '../evidence.ts'
import { REQUIRED_COLUMNS, type FileFact, type ProfileColumn, type SummaryFigure, type TextResultProfile } from './profile.ts'

/** An amount with thousands separators: 3,500.00, 1,234,567. */
const THOUSANDS = /^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/

/** A text result file: 200,000 lines of about 80 bytes, and room for wide alignment. */
export const TEXT_RESULT_BYTES_MAX = 32 * 1024 * 1024
/** The column header sits below a title and a few header lines; a file whose header is not near the top is not the layout. */
export const HEADER_SEARCH_LINES_MAX = 50
/** A batch number (批次号) as banks write them; it becomes part of every line's reference. */
const BATCH_TEXT = /^[0-9A-Za-z_-]{1,32}$/
const SEQ_TEXT = /^\d{1,15}$/
const CARD_TEXT = /^\d{12,19}$/
/** A domestic account number, as the dedicated account's register holds it: 8 to 32 digits. */
const ACCOUNT_TEXT = /^\d{8,32}$/
const END_TO_END_ID_TEXT = /^[\x21-\x7e]{1,35}$/
const REFERENCE_TEXT = /^[\x21-\x7e]{1,64}$/
// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds (TAB is a separator, so allowed)
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/
/** Lines that only draw the table: rules of dashes, equals signs or box-drawing characters. */
const RULE_LINE = /^[\s\-=_*+|─━═—]+$/
const WHITESPACE_RUN = /[ \t\u3000]+/
/** Words that open a summary line even when none of its figures is one the profile names. */
const SUMMARY_WORDS = ['合计', '总计']
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])

export interface TextParseLimits {
  linesMax: number
  bytesMax: number
}
const DEFAULT_LIMITS: TextParseLimits = { linesMax: EVIDENCE_LINES_MAX, bytesMax: TEXT_RESULT_BYTES_MAX }

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

// ---------------------------------------------------------------------------
// Cells

type Split = { ok: true; cells: string[] } | { ok: false; why: string }

/** Excel's `="…"` (which keeps a card's digits from becoming 6.217E+18) undone; padding trimmed. */
function clean(raw: string): string {
  const s = raw.trim()
  if (s.startsWith('="') && s.endsWith('"') && s.length >= 3) return s.slice(2, -1).trim()
  return s
}

/** One CSV record on one line (RFC 4180 quotes; a result line never spans lines). */
function splitCsv(text: string, delimiter: string): Split {
  const cells: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"'
          i++
        } else quoted = false
      } else cell += ch
    } else if (ch === '"' && cell.trim() === '') quoted = true
    else if (ch === delimiter) {
      cells.push(clean(cell))
      cell = ''
    } else cell += ch
  }
  if (quoted) return { ok: false, why: 'a quoted cell is not closed on its line' }
  cells.push(clean(cell))
  return { ok: true, cells }
}

/** Aligned text: cells are separated by runs of spaces; past `width - 1` cells the rest of the line is the last cell. */
function splitWhitespace(text: string, width: number): string[] {
  const cells: string[] = []
  let rest = text.trim()
  while (rest !== '' && cells.length < width - 1) {
    const m = WHITESPACE_RUN.exec(rest)
    if (m === null) break
    cells.push(rest.slice(0, m.index))
    rest = rest.slice(m.index + m[0].length)
  }
  if (rest !== '') cells.push(rest)
  return cells
}

/** Display columns of a character: two for anything beyond ASCII, as its two bytes in GBK. */
const columnsOf = (ch: string): number => ((ch.codePointAt(0) ?? 0) > 0x7f ? 2 : 1)

/**
 * Fixed widths in display columns; the last column takes the rest. Boundaries are absolute, so a character that
 * straddles one (a hanzi where a byte count expected half of it) does not shift the columns after it. A line shorter
 * than the layout has fewer cells.
 */
function splitFixed(text: string, widths: readonly number[]): string[] {
  const cells: string[] = []
  let cell = ''
  let at = 0
  let boundary = widths[0] ?? Number.MAX_SAFE_INTEGER
  for (const ch of text) {
    if (at >= boundary && cells.length < widths.length - 1) {
      cells.push(cell.trim())
      cell = ''
      boundary += widths[cells.length] ?? Number.MAX_SAFE_INTEGER
    }
    cell += ch
    at += columnsOf(ch)
  }
  if (cell.trim() !== '' || cells.length === 0) cells.push(cell.trim())
  return cells
}

function splitLine(text: string, profile: TextResultProfile, width: number): Split {
  if (profile.delimiter === 'whitespace') return { ok: true, cells: splitWhitespace(text, width) }
  if (profile.delimiter === 'fixed') return { ok: true, cells: splitFixed(text, profile.fixedWidths ?? []) }
  return splitCsv(text, profile.delimiter)
}

/** The column header is found by its names: separated by spaces in aligned and fixed-width layouts alike. */
function splitHeader(text: string, profile: TextResultProfile): Split {
  return profile.delimiter === 'fixed' ? { ok: true, cells: splitWhitespace(text, Number.MAX_SAFE_INTEGER) } : splitLine(text, profile, Number.MAX_SAFE_INTEGER)
}

// ---------------------------------------------------------------------------
// Header

type ColumnIndex = Partial<Record<ProfileColumn, number>>

interface Header {
  lineNo: number
  /** Position in the file's lines array. */
  at: number
  width: number
  index: ColumnIndex
  /** The columns the header has, in no particular order. */
  columns: ProfileColumn[]
  /** The header's own words, for messages: the clerk sees the column as the file names it. */
  names: string[]
}

function columnIndex(cells: readonly string[], profile: TextResultProfile): ColumnIndex | undefined {
  if (cells.some((c) => profile.notColumns.includes(c))) return undefined
  const index: ColumnIndex = {}
  for (const [column, names] of Object.entries(profile.columns) as Array<[ProfileColumn, readonly string[] | undefined]>) {
    const i = cells.findIndex((c) => names?.includes(c) === true)
    if (i >= 0) index[column] = i
  }
  return REQUIRED_COLUMNS.every((c) => index[c] !== undefined) ? index : undefined
}

function findHeader(lines: readonly string[], profile: TextResultProfile): Header | undefined {
  let nonBlank = 0
  for (let at = 0; at < lines.length && nonBlank < HEADER_SEARCH_LINES_MAX; at++) {
    const text = lines[at] ?? ''
    if (text.trim() === '') continue
    nonBlank++
    const split = splitHeader(text, profile)
    if (!split.ok) continue
    // A fixed-width layout reads by its widths, so a header with another number of columns is some other layout.
    if (profile.delimiter === 'fixed' && split.cells.length !== profile.fixedWidths?.length) continue
    const index = columnIndex(split.cells, profile)
    if (index !== undefined) return { lineNo: at + 1, at, width: split.cells.length, index, columns: Object.keys(index) as ProfileColumn[], names: split.cells }
  }
  return undefined
}

function toLines(text: string): string[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text
  return body.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
}

/** Cheap: the profile's column header among the first lines of the text. */
export function detectTextResult(text: string, profile: TextResultProfile): boolean {
  return findHeader(toLines(text.slice(0, 64 * 1024)), profile) !== undefined
}

// ---------------------------------------------------------------------------
// Decoding

type Decoding = { ok: true; encoding: 'utf-8' | 'gbk'; lines: string[]; header: Header | undefined } | { ok: false; encoding: 'utf-8' | 'gbk'; lineNo: number }

function decodeAs(bytes: Buffer, encoding: 'utf-8' | 'gbk', profile: TextResultProfile): Decoding {
  const hasBom = bytes.subarray(0, 3).equals(UTF8_BOM)
  let text: string
  if (encoding === 'utf-8') {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(hasBom ? bytes.subarray(3) : bytes)
    } catch {
      // The first byte that is no UTF-8: found by decoding leniently and locating the replacement character.
      const lenient = bytes.toString('utf-8')
      const cut = lenient.indexOf('\uFFFD')
      return { ok: false, encoding, lineNo: cut < 0 ? 1 : lenient.slice(0, cut).split('\n').length }
    }
  } else {
    // A BOM says UTF-8: GBK text never starts with one.
    if (hasBom) return { ok: false, encoding, lineNo: 1 }
    // GB18030, the national standard GBK is a part of: a name with a rare character (生僻字, four bytes) reads too.
    text = iconv.decode(bytes, 'gb18030')
    const cut = text.indexOf('\uFFFD')
    if (cut >= 0) return { ok: false, encoding, lineNo: text.slice(0, cut).split('\n').length }
  }
  const lines = toLines(text)
  return { ok: true, encoding, lines, header: findHeader(lines, profile) }
}

// ---------------------------------------------------------------------------
// Facts stated once: `label：value` in header lines, figures in the summary line, the date in the file name

/** What follows `label：` (or `label,` in CSV) on a line, the label standing on its own (账号 is not 收款账号's tail). */
function afterLabel(text: string, labels: readonly string[] | undefined): string | undefined {
  for (const label of labels ?? []) {
    const m = new RegExp(`(?:^|[\\s,|"])${escapeRegExp(label)}"?\\s*(?:[:：]|,|\\t)\\s*"?(.*)$`).exec(text)
    if (m) return (m[1] ?? '').trim()
  }
  return undefined
}

/** 2026-11-30, 2026/11/30, 2026.11.30, 20261130, 2026年11月30日; a time after it is ignored. */
export function readFileDate(text: string): WorkDate | undefined {
  const m = /^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))(?!\d)/.exec(text.trim())
  if (!m) return undefined
  const month = (m[2] ?? m[4] ?? '').padStart(2, '0')
  const day = (m[3] ?? m[5] ?? '').padStart(2, '0')
  const date = `${m[1]}-${month}-${day}`
  return isWorkDate(date) ? date : undefined
}

interface FileFacts {
  date: WorkDate | undefined
  account: string | undefined
  batch: string | undefined
  /** The bank's batch number stated in the file itself: the file's id. A number in the file name names only the download. */
  batchStated: boolean
}

function readHeaderFacts(lines: readonly string[], header: Header, profile: TextResultProfile, fault: Fault): FileFacts {
  const facts: FileFacts = { date: undefined, account: undefined, batch: undefined, batchStated: false }
  const seen = new Set<FileFact>()
  for (let at = 0; at < header.at; at++) {
    const text = lines[at] ?? ''
    const lineNo = at + 1
    for (const fact of ['date', 'account', 'batch'] as const) {
      if (seen.has(fact) || (fact === 'date' && profile.dateFrom !== 'header')) continue
      const value = afterLabel(text, profile.headerLabels[fact])
      if (value === undefined) continue
      seen.add(fact)
      const label = profile.headerLabels[fact]?.[0] ?? fact
      if (fact === 'date') {
        facts.date = readFileDate(value)
        if (facts.date === undefined) fault(lineNo, label, 'bad_file_date', `${label} ${quote(value.split(/\s/)[0] ?? '')} is not a date; it should read like 2026-11-30 or 2026年11月30日.`)
      } else if (fact === 'account') {
        const digits = accountDigits(/^[\d -]*/.exec(value)?.[0] ?? '')
        if (ACCOUNT_TEXT.test(digits)) facts.account = digits
        else fault(lineNo, label, 'bad_account', `${label} ${quote(value)} is not an account number of 8 to 32 digits.`)
      } else {
        const token = value.split(/[\s,，]/)[0] ?? ''
        if (BATCH_TEXT.test(token)) [facts.batch, facts.batchStated] = [token, true]
        else fault(lineNo, label, 'bad_batch', `${label} ${quote(token)} must be 1 to 32 letters, digits, "-" or "_".`)
      }
    }
  }
  return facts
}

function readFileNameFacts(fileName: string | undefined, profile: TextResultProfile, facts: FileFacts, fault: Fault): void {
  if (profile.dateFrom !== 'fileName') return
  const base = (fileName ?? '').split(/[/\\]/).pop() ?? ''
  const m = profile.fileNamePattern === undefined ? null : new RegExp(profile.fileNamePattern).exec(base)
  const dateText = m?.groups?.date
  if (m === null || dateText === undefined) {
    // The upload cannot know the name unless told; the watched folder and the CLI read the file's own name.
    const shape = profile.fileNameShape ?? `matching ${profile.fileNamePattern ?? '(no pattern)'}`
    fault(
      0,
      'file_name',
      'no_file_date',
      base === ''
        ? `This bank dates its result files only in their name, and no name was given: pass the name the bank gave the file with ?filename= on the upload (POST /api/projects/{id}/payout-files?period=YYYY-MM&filename=代发结果_20261130.csv). The date is read from a name ${shape}.`
        : `The file name ${quote(base)} carries no date, and this bank dates its result files only in their name, read from a name ${shape}. Give the name the bank gave the file: ?filename= on an upload; the watched folder and npm run bank-file read the file's own name, so keep it.`,
    )
    return
  }
  facts.date = readFileDate(dateText)
  if (facts.date === undefined) fault(0, 'file_name', 'bad_file_date', `The date ${quote(dateText)} in the file name is not a real date.`)
  const batch = m.groups?.batch
  if (batch !== undefined && facts.batch === undefined) facts.batch = batch
}

// ---------------------------------------------------------------------------
// Lines

type Fault = (lineNo: number, field: string, code: string, message: string) => void

interface ReadLine {
  lineNo: number
  seq: string | undefined
  status: EvidenceStatus | undefined
  amountFen: Fen | undefined
  /** Undefined when the line has a fault; its reference, dates and returnOf are filled once the file's facts are known. */
  evidence: PaymentEvidence | undefined
  originalRef: string | null
}

function statusOf(word: string, profile: TextResultProfile): EvidenceStatus | undefined {
  const words = profile.statusWords
  if (Object.hasOwn(words, word)) return words[word]
  const lower = word.toLowerCase()
  const key = Object.keys(words).find((w) => w.toLowerCase() === lower)
  return key === undefined ? undefined : words[key]
}

/** The column as the file's header names it: the clerk looks for that word. */
const nameOf = (header: Header, c: ProfileColumn): string => header.names[header.index[c] ?? -1] ?? c

function cellOf(header: Header, cells: readonly string[], c: ProfileColumn): string {
  const i = header.index[c]
  return i === undefined ? '' : (cells[i] ?? '')
}

const PLAIN_AMOUNT = /^(\d{1,10})(?:\.(\d{1,2}))?$/

/**
 * Yuan to fen. The common form (digits, at most two decimals) is read as two integers, exactly, without decimal.js:
 * that is most of the time spent on a 100,000-line file. Every other form goes through decimalToFen's rule.
 */
function amountOf(text: string): { fen: Fen } | { reason: string } {
  const m = PLAIN_AMOUNT.exec(text)
  if (m) return { fen: (Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'))) as Fen }
  return decimalToFen(text)
}

/**
 * One payment line. No closures per line: the service runs under tsx, whose name-keeping wraps every named inner
 * function in a call, and a 100,000-line file made that and its garbage a third of the parse.
 */
function readLine(lineNo: number, text: string, header: Header, profile: TextResultProfile, errors: EvidenceFault[]): ReadLine {
  const none: ReadLine = { lineNo, seq: undefined, status: undefined, amountFen: undefined, evidence: undefined, originalRef: null }
  const split = splitLine(text, profile, header.width)
  if (!split.ok) {
    errors.push({ lineNo, field: 'line', code: 'bad_quotes', message: `The line could not be split into cells: ${split.why}.` })
    return none
  }
  const { cells } = split
  for (let i = header.width; i < cells.length; i++) {
    if (cells[i] !== '') {
      errors.push({ lineNo, field: 'line', code: 'wrong_field_count', message: `The line has ${cells.length} cells; the header has ${header.width}. Is there a "${profile.delimiter === 'whitespace' ? ' ' : profile.delimiter}" inside a name?` })
      return none
    }
  }
  const missing = REQUIRED_COLUMNS.filter((c) => (header.index[c] ?? 0) >= cells.length)
  if (missing.length > 0) {
    errors.push({
      lineNo,
      field: nameOf(header, missing[0] ?? 'seq'),
      code: 'wrong_field_count',
      message: `The line has ${cells.length} cells and no ${missing.map((c) => nameOf(header, c)).join(', ')}; the header has ${header.width}. Was the file cut short?`,
    })
    return none
  }
  const before = errors.length
  const fail = (c: ProfileColumn, code: string, message: string): number => errors.push({ lineNo, field: nameOf(header, c), code, message })
  for (const c of header.columns) {
    const cell = cellOf(header, cells, c)
    const k = cell.search(CONTROL)
    if (k >= 0) fail(c, 'control_character', `${nameOf(header, c)} has the control character U+${(cell.codePointAt(k) ?? 0).toString(16).toUpperCase().padStart(4, '0')} at position ${k + 1}; export the file again from the bank's system.`)
  }
  if (errors.length > before) return none

  const seqText = cellOf(header, cells, 'seq')
  const seq = SEQ_TEXT.test(seqText) && Number(seqText) > 0 ? String(Number(seqText)) : undefined
  if (seq === undefined) fail('seq', 'bad_seq', `${nameOf(header, 'seq')} ${quote(seqText)} must be a positive whole number.`)

  const cardText = cellOf(header, cells, 'payeeCard')
  const card = CARD_TEXT.test(cardText) ? cardText : cardText.replace(/[\s-]/g, '')
  if (card === '') fail('payeeCard', 'bad_card', `${nameOf(header, 'payeeCard')} is empty.`)
  else if (!/^\d+$/.test(card)) fail('payeeCard', 'bad_card', `${nameOf(header, 'payeeCard')} ${maskCard(card)} contains characters other than digits.`)
  else if (!CARD_TEXT.test(card)) fail('payeeCard', 'bad_card', `${nameOf(header, 'payeeCard')} ${maskCard(card)} has ${card.length} digits; a card or account number has 12 to 19.`)

  const name = cellOf(header, cells, 'payeeName')
  const nameLength = name.length <= LIMITS.person_name_length_max ? name.length : [...name].length
  if (nameLength === 0) fail('payeeName', 'bad_name', `${nameOf(header, 'payeeName')} is empty.`)
  else if (nameLength > LIMITS.person_name_length_max) fail('payeeName', 'bad_name', `${nameOf(header, 'payeeName')} ${quote(name)} is ${nameLength} characters long; at most ${LIMITS.person_name_length_max} are accepted.`)

  let amountFen: Fen | undefined
  const amountText = cellOf(header, cells, 'amount')
  // Commas only as thousands separators (3,500.00): a decimal comma (3500,00) read as one would pay a hundred times over.
  const grouped = amountText.includes(',') ? (THOUSANDS.test(amountText) ? amountText.replace(/,/g, '') : undefined) : amountText
  const amount = grouped === undefined ? { reason: 'commas' } : amountOf(grouped)
  if ('reason' in amount) fail('amount', 'bad_amount', `${nameOf(header, 'amount')} ${quote(amountText)} must be yuan such as 3500.00 or 3,500.00.`)
  else if (amount.fen <= 0) fail('amount', 'bad_amount', `${nameOf(header, 'amount')} ${quote(amountText)} must be greater than 0.00.`)
  else if (amount.fen > LIMITS.payout_line_amount_fen_max) fail('amount', 'amount_too_large', `${nameOf(header, 'amount')} ${quote(amountText)} is more than one payment line may carry (${LIMITS.payout_line_amount_fen_max / 100} yuan); check the amount with the bank.`)
  else amountFen = amount.fen

  const statusText = cellOf(header, cells, 'status')
  const status = statusOf(statusText, profile)
  if (status === undefined) fail('status', 'bad_status', `${nameOf(header, 'status')} ${quote(statusText)} is not a status this bank's files use (${Object.keys(profile.statusWords).join('/')}).`)

  let payerAccountNo: string | null = null
  const payerText = cellOf(header, cells, 'payerAccount')
  if (payerText !== '') {
    const digits = accountDigits(payerText)
    if (ACCOUNT_TEXT.test(digits)) payerAccountNo = digits
    else fail('payerAccount', 'bad_payer_account', `${nameOf(header, 'payerAccount')} ${quote(payerText)} is not an account number of 8 to 32 digits.`)
  }
  let endToEndId: string | null = null
  const e2eText = cellOf(header, cells, 'endToEndId')
  if (e2eText !== '') {
    if (END_TO_END_ID_TEXT.test(e2eText)) endToEndId = e2eText
    else fail('endToEndId', 'bad_end_to_end_id', `${nameOf(header, 'endToEndId')} ${quote(e2eText)} must be 1 to 35 printable ASCII characters without spaces.`)
  }
  let bankRef: string | null = null
  if (header.index.bankRef !== undefined) {
    const refText = cellOf(header, cells, 'bankRef')
    if (REFERENCE_TEXT.test(refText)) bankRef = refText
    else fail('bankRef', 'bad_bank_ref', `${nameOf(header, 'bankRef')} ${quote(refText)} must be the bank's reference: 1 to 64 printable characters without spaces.`)
  }
  const originalRefText = cellOf(header, cells, 'originalRef')
  const originalRef = originalRefText === '' ? null : originalRefText

  const reasonCode = cellOf(header, cells, 'reasonCode')
  const reasonText = cellOf(header, cells, 'reasonText')
  const booked = status === 'booked'
  return {
    lineNo,
    seq,
    status,
    amountFen,
    originalRef,
    evidence:
      errors.length > before || status === undefined || amountFen === undefined
        ? undefined
        : {
            lineNo,
            status,
            payeeCard: card,
            payeeName: name,
            amountFen,
            currency: profile.currency,
            endToEndId,
            paymentInfoId: null,
            // Filled once the file's facts are known (parseTextResult).
            bankRef,
            uetr: null,
            bookingDate: null,
            valueDate: null,
            reasonCode: booked || reasonCode === '' ? null : reasonCode,
            reasonText: booked || reasonText === '' ? null : reasonText,
            payerAccountNo,
            returnOf: null,
          },
  }
}

// ---------------------------------------------------------------------------
// Summary

interface Tally {
  lineCount: number
  totalAmount: MoneyDecimal
  bookedCount: number
  bookedAmount: MoneyDecimal
  rejectedCount: number
  rejectedAmount: MoneyDecimal
  /** False when a line's status or amount could not be read: then only the line count is checked. */
  complete: boolean
}

function tally(lines: readonly ReadLine[]): Tally {
  const t: Tally = { lineCount: lines.length, totalAmount: new Money(0), bookedCount: 0, bookedAmount: new Money(0), rejectedCount: 0, rejectedAmount: new Money(0), complete: true }
  for (const l of lines) {
    if (l.status === undefined || l.amountFen === undefined) {
      t.complete = false
      continue
    }
    t.totalAmount = t.totalAmount.plus(l.amountFen)
    if (l.status === 'booked') {
      t.bookedCount++
      t.bookedAmount = t.bookedAmount.plus(l.amountFen)
    } else if (l.status === 'rejected') {
      t.rejectedCount++
      t.rejectedAmount = t.rejectedAmount.plus(l.amountFen)
    }
  }
  return t
}

/**
 * A stated total in fen, compared as a decimal and never stored: a file's total may be above what one line may carry
 * (decimalToFen's bound), so only the rule on decimals is the same: more than two only when they are zeros.
 */
function totalFen(text: string): MoneyDecimal | undefined {
  const m = /^(\d{1,16})(?:\.(\d{1,8}))?$/.exec(text)
  if (!m) return undefined
  if (!/^\d{0,2}0*$/.test(m[2] ?? '')) return undefined
  return new Money(text).times(100)
}

const FIGURE_WORDS: Record<SummaryFigure, string> = {
  lineCount: 'number of lines',
  totalAmount: 'total amount',
  bookedCount: 'number of successful payments',
  bookedAmount: 'amount paid successfully',
  rejectedCount: 'number of failed payments',
  rejectedAmount: 'amount that failed',
}

function figureOf(t: Tally, figure: SummaryFigure): MoneyDecimal {
  switch (figure) {
    case 'lineCount':
      return new Money(t.lineCount)
    case 'bookedCount':
      return new Money(t.bookedCount)
    case 'rejectedCount':
      return new Money(t.rejectedCount)
    case 'totalAmount':
    case 'bookedAmount':
    case 'rejectedAmount':
      return t[figure]
  }
}

const summaryOpeners = (profile: TextResultProfile): string[] => [...SUMMARY_WORDS, ...Object.values(profile.summaryLabels).flatMap((l) => l ?? [])]

function isSummaryLine(text: string, openers: readonly string[]): boolean {
  const start = text.trimStart().replace(/^"/, '')
  return openers.some((l) => start.startsWith(l))
}

function checkSummary(lineNo: number, text: string, profile: TextResultProfile, t: Tally, fault: Fault): void {
  let figures = 0
  for (const [figure, labels] of Object.entries(profile.summaryLabels) as Array<[SummaryFigure, readonly string[] | undefined]>) {
    const rest = afterLabel(text, labels)
    if (rest === undefined) continue
    figures++
    const label = labels?.[0] ?? figure
    const isAmount = figure.endsWith('Amount')
    const value = /^[\d.,]*\d/.exec(rest)?.[0] ?? ''
    let stated: MoneyDecimal | undefined
    if (isAmount) {
      stated = totalFen(value.replace(/,(?=\d{3}(?:\D|$))/g, ''))
    } else if (/^\d{1,9}$/.test(value)) stated = new Money(value)
    if (stated === undefined) {
      fault(lineNo, label, 'bad_summary', `${label} ${quote(rest.split(/[\s,]/)[0] ?? '')} must be ${isAmount ? 'an amount in yuan' : 'a whole number'}.`)
      continue
    }
    if (figure !== 'lineCount' && !t.complete) continue
    const ours = figureOf(t, figure)
    if (!ours.eq(stated)) {
      const show = (d: MoneyDecimal): string => (isAmount ? d.dividedBy(100).toFixed(2) : d.toFixed(0))
      fault(lineNo, label, 'summary_mismatch', `${label} says ${show(stated)} (${FIGURE_WORDS[figure]}); the lines of the file add up to ${show(ours)}. The file may be cut short or edited: ask the bank for it again.`)
    }
  }
  if (figures === 0) fault(lineNo, 'summary', 'bad_summary', `The summary line ${quote(text.trim())} has none of the figures this bank's files state (${Object.values(profile.summaryLabels).map((l) => l?.[0]).join(', ')}).`)
}

// ---------------------------------------------------------------------------
// References

type Rendered = { ok: true; text: string } | { ok: false; missing: string }

/** `{date}[-{batch}]-{seq}`: a bracketed part goes when a placeholder in it has no value; any other missing one is a fault. */
export function renderReference(template: string, values: Readonly<Record<string, string | undefined>>): Rendered {
  let missing: string | undefined
  const fill = (part: string, optional: boolean): string | undefined => {
    let gap = false
    const out = part.replace(/\{(\w+)\}/g, (_, name: string) => {
      const v = values[name]
      if (v === undefined) {
        gap = true
        if (!optional) missing ??= name
        return ''
      }
      return v
    })
    return gap ? undefined : out
  }
  const text = template.replace(/\[([^\]]*)\]/g, (_, inner: string) => fill(inner, true) ?? '')
  const full = fill(text, false)
  return full === undefined ? { ok: false, missing: missing ?? 'value' } : { ok: true, text: full }
}

// ---------------------------------------------------------------------------

function capped(errors: EvidenceFault[]): EvidenceFault[] {
  const sorted = [...errors].sort((a, b) => a.lineNo - b.lineNo)
  if (sorted.length <= EVIDENCE_ERRORS_MAX) return sorted
  const shown = sorted.slice(0, EVIDENCE_ERRORS_MAX - 1)
  shown.push({ lineNo: 0, field: 'file', code: 'too_many_errors', message: `${sorted.length - shown.length} more faults are not listed; correct the ones above (often one mistake repeated) and send the file again.` })
  return shown
}

export function parseTextResult(bytes: Buffer, profile: TextResultProfile, context: { fileName?: string }, limits: TextParseLimits = DEFAULT_LIMITS): EvidenceParse {
  const errors: EvidenceFault[] = []
  const fault: Fault = (lineNo, field, code, message) => {
    errors.push({ lineNo, field, code, message })
  }
  if (bytes.length > limits.bytesMax) {
    fault(0, 'file', 'too_large', `The file is ${bytes.length} bytes; at most ${limits.bytesMax} are accepted. Ask the bank for the batch in several files.`)
    return { errors }
  }
  if (bytes.length === 0) {
    fault(0, 'file', 'empty_file', 'The file is empty.')
    return { errors }
  }

  // In the profile's order, stopping at the first that shows the header: a second decoding of a large file is not free.
  const decodings: Decoding[] = []
  let read: Decoding | undefined
  for (const encoding of profile.encodings) {
    const d = decodeAs(bytes, encoding, profile)
    decodings.push(d)
    if (d.ok && d.header !== undefined) {
      read = d
      break
    }
  }
  if (read === undefined || !read.ok || read.header === undefined) {
    const bad = decodings.every((d) => !d.ok)
    const first = decodings[0]
    const where = first !== undefined && !first.ok ? ` (first unreadable bytes on line ${first.lineNo})` : ''
    fault(
      0,
      'file',
      bad ? 'bad_encoding' : 'no_header',
      bad
        ? `The file is not ${profile.encodings.join(' or ')} text${where}. Export it again from the bank's system without converting it.`
        : `No column header with ${REQUIRED_COLUMNS.map((c) => profile.columns[c]?.[0] ?? c).join(', ')} was found in the first ${HEADER_SEARCH_LINES_MAX} lines (profile ${profile.id}).`,
    )
    return { errors }
  }
  const { lines, header, encoding } = read

  const facts = readHeaderFacts(lines, header, profile, fault)
  readFileNameFacts(context.fileName, profile, facts, fault)
  if (profile.dateFrom === 'header' && facts.date === undefined && !errors.some((e) => e.code === 'bad_file_date')) {
    fault(0, 'date', 'no_file_date', `The file states no date: a header line "${profile.headerLabels.date?.[0] ?? '日期'}：2026-11-30" above the column header is expected.`)
  }

  const read_: ReadLine[] = []
  let summaryAt: { lineNo: number; text: string } | undefined
  const openers = summaryOpeners(profile)
  let count = 0
  for (let at = header.at + 1; at < lines.length; at++) {
    const text = lines[at] ?? ''
    const lineNo = at + 1
    if (text.trim() === '' || RULE_LINE.test(text)) continue
    if (isSummaryLine(text, openers)) {
      if (summaryAt === undefined) summaryAt = { lineNo, text }
      else fault(lineNo, 'summary', 'misplaced_summary', `A second summary line; the first is on line ${summaryAt.lineNo}.`)
      continue
    }
    if (summaryAt !== undefined) {
      fault(lineNo, 'line', 'misplaced_summary', `A payment line after the summary line (line ${summaryAt.lineNo}); the summary must be the last line.`)
      continue
    }
    if (++count > limits.linesMax) {
      fault(0, 'file', 'too_many_lines', `The file has more than ${limits.linesMax} payment lines; ask the bank for the batch in several files.`)
      return { errors: capped(errors) }
    }
    read_.push(readLine(lineNo, text, header, profile, errors))
  }
  if (read_.length === 0) fault(0, 'file', 'no_lines', 'The file has a column header but no payment lines.')
  const t = tally(read_)
  if (summaryAt !== undefined) checkSummary(summaryAt.lineNo, summaryAt.text, profile, t, fault)
  else if (profile.summaryRequired && read_.length > 0) {
    fault(0, 'summary', 'no_summary', `The file has no summary line (${profile.summaryLabels.lineCount?.[0] ?? '合计'}); this bank's files always end with one, so the file was probably cut short in transfer. Ask the bank for it again.`)
  }

  // References: the bank's when the file has them, otherwise made from the file's facts and the line's 序号.
  const seenSeq = new Map<string, number>()
  const seenRef = new Map<string, number>()
  const dateCompact = facts.date?.replace(/-/g, '')
  const lines_: PaymentEvidence[] = []
  // Rendered once for the file, with the 序号 left as a mark to fill per line.
  const SEQ_MARK = '\u0000'
  const made = renderReference(profile.referenceTemplate, { date: dateCompact, seq: SEQ_MARK, batch: facts.batch, account: facts.account })
  const madeParts = made.ok ? made.text.split(SEQ_MARK) : undefined
  if (!made.ok && header.index.bankRef === undefined && dateCompact !== undefined && read_.length > 0) {
    fault(0, made.missing, 'reference_incomplete', `The file does not state its ${made.missing}, from which this bank's line references are made (${profile.referenceTemplate}).`)
  }
  for (const l of read_) {
    if (l.seq !== undefined) {
      const first = seenSeq.get(l.seq)
      if (first !== undefined) fault(l.lineNo, header.names[header.index.seq ?? 0] ?? 'seq', 'duplicate_seq', `序号 ${l.seq} is already used on line ${first}; each payment has its own number.`)
      else seenSeq.set(l.seq, l.lineNo)
    }
    const e = l.evidence
    const ref = header.index.bankRef !== undefined ? (e?.bankRef ?? null) : l.seq !== undefined && madeParts !== undefined ? madeParts.join(l.seq) : null
    if (ref !== null && header.index.bankRef !== undefined) {
      const first = seenRef.get(ref)
      if (first !== undefined) fault(l.lineNo, header.names[header.index.bankRef] ?? 'bankRef', 'duplicate_bank_ref', `The reference ${quote(ref)} is already used on line ${first}.`)
      else seenRef.set(ref, l.lineNo)
    }
    if (e === undefined || facts.date === undefined) continue
    e.bankRef = ref
    // The file's date is the only one: the day the bank reports these outcomes for, on every line.
    e.bookingDate = facts.date
    e.valueDate = facts.date
    if (e.status === 'returned') e.returnOf = { endToEndId: e.endToEndId, bankRef: l.originalRef }
    lines_.push(e)
  }

  if (errors.length > 0) return { errors: capped(errors) }
  return {
    file: {
      format: `text:${profile.id}`,
      variant: `${profile.id} ${encoding}`,
      accountNo: facts.account ?? null,
      messageId: facts.batchStated ? (facts.batch ?? null) : null,
      originalMessageId: null,
      lines: lines_,
      ignored: { count: 0, reasons: {} },
    },
    errors: [],
  }
}
