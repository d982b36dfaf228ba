/**
 * Bank payout result files (代发结果文件): what the bank of a project's
 * dedicated wage account (农民工工资专用账户) sends back after an agency payment
 * batch (银行代发). One line per payment with card, name, amount, status and
 * bank reference, then optionally a totals trailer (合计).
 *
 * Parsing is all-or-nothing: a file is either wholly valid or rejected with
 * every error found, each pointing at a physical line, because payout lines
 * are evidence in an append-only ledger and a half-read file would prove
 * half a month. Nothing here does I/O, and no input bytes make it throw.
 */
import { maskText } from '../access/masking.ts'
import { maskCard } from '../roster/identity.ts'
import iconv from 'iconv-lite'
import { LIMITS } from '../config/limits.ts'
import { FEN_MAX, Money, ZERO_FEN, addFen, fen, formatYuan, parseYuan, type Fen } from '../kernel/money.ts'
import { isWorkDate } from '../kernel/time.ts'

export type PayoutFileEncoding = 'utf-8' | 'gbk'
export type PayoutFileDelimiter = '|' | ','
export type PayoutStatus = 'success' | 'failed'

export interface PayoutFileLine {
  /** Physical line in the file, 1-based, so a clerk can find it in an editor. */
  lineNo: number
  seq: number
  /** Digits only; spaces the bank inserted for readability are removed. */
  payeeCard: string
  payeeName: string
  amountFen: Fen
  status: PayoutStatus
  /** 银行流水号: the bank's own reference of the transfer. */
  bankRef: string
  /** 入账日期, YYYY-MM-DD. */
  valueDate: string
  failureReason: string | null
  /**
   * 付款账号: the account the bank debited, digits only, when the file has the column and the line fills it. A line
   * without it was paid from the account the file was posted for: the project's dedicated account.
   */
  payerAccountNo: string | null
  /** 端到端标识号: the EndToEndId of the instruction line (pain.001 PmtId) the payment answers, when given. */
  endToEndId: string | null
}

export interface PayoutFileTotals {
  lineCount: number
  successCount: number
  successFen: Fen
  failedCount: number
  failedFen: Fen
}

export interface PayoutFile {
  encoding: PayoutFileEncoding
  delimiter: PayoutFileDelimiter
  lines: PayoutFileLine[]
  totals: PayoutFileTotals
}

/** Stable codes: callers and the bank simulator match on them, so never rename one. */
export const PAYOUT_FILE_ERROR_CODES = [
  'too_large',
  'bad_encoding',
  'no_header',
  'bad_delimiter',
  'missing_column',
  'unknown_column',
  'duplicate_column',
  'no_lines',
  'too_many_lines',
  'wrong_field_count',
  'bad_seq',
  'duplicate_seq',
  'bad_card',
  'bad_name',
  'bad_amount',
  'amount_too_large',
  'bad_status',
  'bad_bank_ref',
  'duplicate_bank_ref',
  'bad_date',
  'bad_payer_account',
  'bad_end_to_end_id',
  'misplaced_totals',
  'bad_totals',
  'totals_mismatch',
  'total_too_large',
  'control_character',
  // Raised by the payout service, which alone knows what the project already holds.
  'bank_ref_already_posted',
  'month_too_many_lines',
  'not_reconcilable',
] as const
export type PayoutFileErrorCode = (typeof PAYOUT_FILE_ERROR_CODES)[number]

export interface LineError {
  /** Physical line, 1-based; 0 for the file as a whole. */
  line: number
  field?: string
  code: PayoutFileErrorCode
  message: string
}

export type ParseResult = { ok: true; file: PayoutFile } | { ok: false; errors: LineError[] }

type Column = 'seq' | 'payee_card' | 'payee_name' | 'amount' | 'status' | 'bank_ref' | 'value_date' | 'failure_reason' | 'payer_account' | 'end_to_end_id'

const REQUIRED_COLUMNS = ['seq', 'payee_card', 'payee_name', 'amount', 'status', 'bank_ref', 'value_date'] as const satisfies readonly Column[]
/** Optional columns a formatter writes only when some line fills them: files without them read and write as before. */
const OPTIONAL_COLUMNS = ['failure_reason', 'payer_account', 'end_to_end_id'] as const satisfies readonly Column[]
const ALL_COLUMNS: readonly Column[] = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS]

/** A Map, not an object literal: a header cell such as "constructor" must not find Object.prototype. */
const COLUMN_BY_NAME = new Map<string, Column>([
  ['seq', 'seq'],
  ['序号', 'seq'],
  ['payee_card', 'payee_card'],
  ['收款账号', 'payee_card'],
  ['payee_name', 'payee_name'],
  ['收款人', 'payee_name'],
  ['户名', 'payee_name'],
  ['amount', 'amount'],
  ['金额', 'amount'],
  ['status', 'status'],
  ['状态', 'status'],
  ['bank_ref', 'bank_ref'],
  ['银行流水号', 'bank_ref'],
  ['value_date', 'value_date'],
  ['入账日期', 'value_date'],
  ['failure_reason', 'failure_reason'],
  ['失败原因', 'failure_reason'],
  ['payer_account', 'payer_account'],
  ['付款账号', 'payer_account'],
  ['付款人账号', 'payer_account'],
  ['end_to_end_id', 'end_to_end_id'],
  // The People's Bank's ISO 20022 glossary (and CIPS) names EndToEndId 端到端标识号; the shorter form is seen too.
  ['端到端标识号', 'end_to_end_id'],
  ['端到端标识', 'end_to_end_id'],
])

const ENGLISH_HEADER: Record<Column, string> = {
  seq: 'seq',
  payee_card: 'payee_card',
  payee_name: 'payee_name',
  amount: 'amount',
  status: 'status',
  bank_ref: 'bank_ref',
  value_date: 'value_date',
  failure_reason: 'failure_reason',
  payer_account: 'payer_account',
  end_to_end_id: 'end_to_end_id',
}
const CHINESE_HEADER: Record<Column, string> = {
  seq: '序号',
  payee_card: '收款账号',
  payee_name: '收款人',
  amount: '金额',
  status: '状态',
  bank_ref: '银行流水号',
  value_date: '入账日期',
  failure_reason: '失败原因',
  payer_account: '付款账号',
  end_to_end_id: '端到端标识号',
}

/** Both names in messages: the clerk may be reading either header. */
const label = (c: Column): string => `${CHINESE_HEADER[c]} (${c})`

const TOTALS_LABELS = new Set(['total', '合计'])
const TOTALS_FIELDS = ['line_count', 'success_count', 'success_amount', 'failed_count', 'failed_amount'] as const

const AMOUNT_TEXT = /^\d+\.\d{2}$/
const COUNT_TEXT = /^\d{1,9}$/
const SEQ_TEXT = /^\d{1,15}$/
const CARD_TEXT = /^\d{12,19}$/
const DATE_DASHED = /^\d{4}-\d{2}-\d{2}$/
const DATE_COMPACT = /^(\d{4})(\d{2})(\d{2})$/
/** A domestic account number, as the dedicated account's register holds it (src/account/funding.ts): 8 to 32 digits. */
const PAYER_ACCOUNT_TEXT = /^\d{8,32}$/
/**
 * ISO 20022 Max35Text, restricted to what a bank returns it as: 1 to 35 printable ASCII characters without spaces
 * (ours are base-36 worker, month and attempt joined by "-": src/instructions/pain001.ts endToEndId).
 */
const END_TO_END_ID_TEXT = /^[\x21-\x7e]{1,35}$/

/** Offending values are quoted in messages; a runaway field must not make the message megabytes long. */
const VALUE_IN_MESSAGE_CHARS_MAX = 40

/**
 * A value of the file as a message shows it: cut to a readable length, and masked as a bank file's text is (any run of
 * 12–19 digits is an account, whichever column it is in: a header that is really a payment line is all values).
 */
/** A value read from a bank file, for a message: its first 40 characters, masked and quoted. */
export function quote(value: string): string {
  // Only the head is spread into characters: a 64 MB header that is one line cost 10 s spread whole.
  const chars = [...value.slice(0, VALUE_IN_MESSAGE_CHARS_MAX * 2 + 1)]
  const shown = chars.length > VALUE_IN_MESSAGE_CHARS_MAX ? chars.slice(0, VALUE_IN_MESSAGE_CHARS_MAX).join('') + '…' : value
  return JSON.stringify(maskBankText(shown))
}

/** Text read from a bank file, masked for a message or a reply (src/access/masking.ts). */
export const maskBankText = (text: string): string => maskText(text, { accountRuns: true })

/** Card numbers are sensitive personal information (PIPL Art. 28): messages show the last four only. */
export { maskCard }

// ---------------------------------------------------------------------------
// Encoding

/**
 * Characters a Chinese bank file is made of: ASCII, Chinese characters in all
 * planes, CJK and full-width punctuation, the middle dot of minority names
 * (阿依古丽·买买提). Used only to break the tie below. Latin letters with
 * accents are left out on purpose: GBK names misread as UTF-8 come out as
 * exactly those (猫遣 → "èǲ"), while names on these files are written in hanzi.
 */
function isPlausibleChar(cp: number): boolean {
  return (
    (cp >= 0x20 && cp <= 0x7e) ||
    cp === 0x09 ||
    cp === 0x0d ||
    cp === 0x0a ||
    cp === 0xb7 ||
    (cp >= 0x2000 && cp <= 0x206f) ||
    (cp >= 0x3000 && cp <= 0x30ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xff00 && cp <= 0xffef) ||
    (cp >= 0x20000 && cp <= 0x323af)
  )
}

/**
 * A character isPlausibleChar may refuse, found by one regular expression over the text, so that a clean file of
 * 100,000 lines (8 MB) is not walked code point by code point to count nothing. It holds the BMP ranges of
 * isPlausibleChar, without "u" (three times faster over the text): any other code unit, a surrogate half included,
 * matches, so no match means a count of 0, and a match (as for a name with 𠮷) only sends the text to the exact count.
 */
const MAYBE_IMPLAUSIBLE = /[^\x20-\x7e\t\r\n\xb7\u2000-\u206f\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/

function implausibleChars(text: string): number {
  if (!MAYBE_IMPLAUSIBLE.test(text)) return 0
  let n = 0
  for (const ch of text) if (!isPlausibleChar(ch.codePointAt(0) ?? 0)) n++
  return n
}

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const

type Decoded = { ok: true; encoding: PayoutFileEncoding; text: string } | { ok: false; line: number }

/**
 * UTF-8 first (strict), GBK otherwise, as the banks send either. One
 * refinement: short GBK text is often also valid UTF-8 (7 in 100 common
 * two-character names; 肖战's GBK bytes read as UTF-8 "Фս"), and a one-worker
 * retry file with an English header is exactly that short. So when the UTF-8
 * reading has characters no Chinese bank file contains and a clean GBK reading
 * has fewer, GBK wins. A BOM settles it for UTF-8; a Chinese header settles it
 * for GBK (of the column names only 状态 is also valid UTF-8 in GBK bytes).
 * What remains ambiguous is GBK that reads as UTF-8 ideographs throughout:
 * measured, 1 in 18,000 one-line files with a random 2–4 character name (it
 * was 1 in 125 without this rule).
 */
function decode(bytes: Buffer): Decoded {
  let utf8: string | undefined
  try {
    utf8 = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    utf8 = undefined
  }
  const hasBom = UTF8_BOM.every((b, i) => bytes[i] === b)
  if (utf8 !== undefined && (hasBom || implausibleChars(utf8) === 0)) return { ok: true, encoding: 'utf-8', text: utf8 }

  // GB18030, the national standard GBK is a part of: a name with a rare character (生僻字, four bytes) reads too.
  const gbk = iconv.decode(bytes, 'gb18030')
  const gbkClean = !gbk.includes('\uFFFD')
  if (utf8 !== undefined) {
    if (gbkClean && implausibleChars(gbk) < implausibleChars(utf8)) return { ok: true, encoding: 'gbk', text: gbk }
    return { ok: true, encoding: 'utf-8', text: utf8 }
  }
  if (gbkClean) return { ok: true, encoding: 'gbk', text: gbk }
  const before = gbk.slice(0, gbk.indexOf('\uFFFD'))
  return { ok: false, line: before.split('\n').length }
}

// ---------------------------------------------------------------------------
// Parsing

interface RawLine {
  lineNo: number
  text: string
}

/**
 * Fields are trimmed (banks pad them). A single trailing delimiter is
 * tolerated only where it yields one field too many and that field is empty:
 * some banks end every line with one, and an empty last field is otherwise a
 * legitimately empty failure reason.
 */
function splitFields(text: string, delimiter: PayoutFileDelimiter, expected: number): string[] {
  // By hand rather than split and map: a third of the time, and one array per line instead of two.
  const fields: string[] = []
  for (let start = 0; ; ) {
    const end = text.indexOf(delimiter, start)
    if (end < 0) {
      fields.push(text.slice(start).trim())
      break
    }
    fields.push(text.slice(start, end).trim())
    start = end + 1
  }
  if (fields.length === expected + 1 && fields[fields.length - 1] === '') fields.pop()
  return fields
}

function firstField(text: string, delimiter: PayoutFileDelimiter): string {
  const cut = text.indexOf(delimiter)
  return (cut < 0 ? text : text.slice(0, cut)).trim()
}

function isTotalsLine(text: string, delimiter: PayoutFileDelimiter): boolean {
  // A line that starts with a digit (every payment line: its sequence number first) starts its first field with that
  // digit however it is trimmed or lower-cased, so it is no label.
  const c = text.charCodeAt(0)
  if (c >= 0x30 && c <= 0x39) return false
  return TOTALS_LABELS.has(firstField(text, delimiter).toLowerCase())
}

if (LIMITS.payout_line_amount_fen_max * LIMITS.payout_file_lines_max > FEN_MAX) {
  throw new Error('limits: payout_line_amount_fen_max × payout_file_lines_max must stay within FEN_MAX, or a file total could overflow')
}

/** The per-line maximum as people read it, for messages. */
const LINE_AMOUNT_MAX_TEXT = formatYuan(fen(LIMITS.payout_line_amount_fen_max))
/** Digits an amount over the maximum has at least: compared as text first, so a megabyte of digits is never read as a number. */
const LINE_AMOUNT_MAX_CHARS = LINE_AMOUNT_MAX_TEXT.length

/**
 * Leading zeros of fixed-width layouts dropped ("000003500.00" → "3500.00"), leaving amounts in the one form
 * toFixed(2) writes, so two amounts are equal exactly when their texts are, without decimal.js reading a runaway field.
 */
const unpad = (amount: string): string => amount.replace(/^0+(?=\d)/, '')

type AmountRead = { ok: true; fen: Fen } | { ok: false; code: 'bad_amount' | 'amount_too_large'; why: string }

/**
 * Amounts: exactly two decimals, as every bank writes them. Leading zeros from
 * fixed-width layouts ("000003500.00") are accepted. An amount over the
 * per-line maximum is refused here, where it enters: stored, it would be added
 * into every total of its month (see FEN_MAX in kernel/money).
 */
function readAmount(text: string): AmountRead {
  if (text.charCodeAt(0) === 0x2d && /^-\d+\.\d{2}$/.test(text)) return SIGNED_AMOUNT
  if (!AMOUNT_TEXT.test(text)) return AMOUNT_NOT_YUAN
  // Most amounts have no padding: the replace (a regular expression run per line) only for those that may.
  const unpadded = text.charCodeAt(0) === 0x30 ? unpad(text) : text
  if (unpadded.length > LINE_AMOUNT_MAX_CHARS) return AMOUNT_TOO_LARGE
  const amount = parseYuan(unpadded)
  if (amount === undefined) return AMOUNT_NOT_YUAN
  if (amount > LIMITS.payout_line_amount_fen_max) return AMOUNT_TOO_LARGE
  if (amount <= 0) return AMOUNT_NOT_POSITIVE
  return { ok: true, fen: amount }
}

const SIGNED_AMOUNT: AmountRead = { ok: false, code: 'bad_amount', why: 'must be greater than 0.00 and carry no sign' }
const AMOUNT_NOT_YUAN: AmountRead = { ok: false, code: 'bad_amount', why: 'must be yuan with exactly two decimals, e.g. 3500.00' }
const AMOUNT_NOT_POSITIVE: AmountRead = { ok: false, code: 'bad_amount', why: 'must be greater than 0.00' }
const AMOUNT_TOO_LARGE: AmountRead = {
  ok: false,
  code: 'amount_too_large',
  why: `is more than one payment line may carry (${LINE_AMOUNT_MAX_TEXT}); no wage payment is that large. Check the amount with the bank`,
}

/** The last date read and what it gave: a file's lines mostly share one value date, checked once instead of per line. */
interface DateMemo {
  text: string | undefined
  date: string | undefined
}

function readDateMemo(text: string, memo: DateMemo): string | undefined {
  if (text !== memo.text) {
    memo.date = readDate(text)
    memo.text = text
  }
  return memo.date
}

function readDate(text: string): string | undefined {
  let dashed: string | undefined
  if (DATE_DASHED.test(text)) dashed = text
  else {
    const m = DATE_COMPACT.exec(text)
    if (m) dashed = `${m[1]}-${m[2]}-${m[3]}`
  }
  return dashed !== undefined && isWorkDate(dashed) ? dashed : undefined
}

function readStatus(text: string): PayoutStatus | undefined {
  if (text === 'success') return 'success'
  const s = text.toLowerCase()
  if (s === 'success' || s === '成功') return 'success'
  if (s === 'failed' || s === '失败') return 'failed'
  return undefined
}

interface Header {
  delimiter: PayoutFileDelimiter
  width: number
  index: Partial<Record<Column, number>>
}

function parseHeader(header: RawLine, errors: LineError[]): Header | undefined {
  const hasPipe = header.text.includes('|')
  const hasComma = header.text.includes(',')
  if (hasPipe === hasComma) {
    errors.push({
      line: header.lineNo,
      code: 'bad_delimiter',
      message: hasPipe
        ? 'The header contains both "|" and ","; use one of them as the delimiter, in the header and every line.'
        : `The header ${quote(header.text.trim())} contains neither "|" nor ","; columns must be separated by one of them.`,
    })
    return undefined
  }
  const delimiter: PayoutFileDelimiter = hasPipe ? '|' : ','
  const names = header.text.split(delimiter).map((f) => f.trim())
  if (names.length > 1 && names[names.length - 1] === '') names.pop()

  const index: Partial<Record<Column, number>> = {}
  names.forEach((name, i) => {
    const column = COLUMN_BY_NAME.get(name.toLowerCase())
    if (column === undefined) {
      errors.push({
        line: header.lineNo,
        field: maskBankText(name),
        code: 'unknown_column',
        message:
          name === ''
            ? `Header column ${i + 1} has no name.`
            : `Header column ${i + 1} ${quote(name)} is not a known column; expected ${ALL_COLUMNS.map(label).join(', ')}.`,
      })
    } else if (index[column] !== undefined) {
      errors.push({
        line: header.lineNo,
        field: column,
        code: 'duplicate_column',
        message: `Header column ${i + 1} ${quote(name)} repeats ${label(column)}, already column ${(index[column] ?? 0) + 1}.`,
      })
    } else {
      index[column] = i
    }
  })
  for (const column of REQUIRED_COLUMNS) {
    if (index[column] === undefined) {
      errors.push({ line: header.lineNo, field: column, code: 'missing_column', message: `The header has no ${label(column)} column.` })
    }
  }
  return { delimiter, width: names.length, index }
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
const CONTROL = /[\u0000-\u001f\u007f]/

interface Seen {
  /**
   * Sequence numbers so far, while they are 1, 2, 3… in order (most files): the line of number n is then
   * `seqLines[n - 1]`, and a number is taken exactly when it is at most their count. The first number out of that order
   * moves them into `seq`, which holds them from then on.
   */
  seqLines: number[] | undefined
  seq: Map<number, number>
  bankRef: Map<string, number>
  date: DateMemo
}

/** The line that used this sequence number first, or undefined (and the number is now this line's). */
function claimSeq(seen: Seen, seq: number, at: number): number | undefined {
  const inOrder = seen.seqLines
  if (inOrder !== undefined) {
    if (seq <= inOrder.length) return inOrder[seq - 1]
    if (seq === inOrder.length + 1) {
      inOrder.push(at)
      return undefined
    }
    inOrder.forEach((line, i) => seen.seq.set(i + 1, line))
    seen.seqLines = undefined
  }
  const first = seen.seq.get(seq)
  if (first === undefined) seen.seq.set(seq, at)
  return first
}

/** A column's value on a line, undefined when the header has no such column. */
function valueAt(fields: readonly string[], i: number | undefined): string | undefined {
  return i === undefined ? undefined : fields[i]
}

function fail(errors: LineError[], line: number, field: Column, code: PayoutFileErrorCode, message: string): void {
  errors.push({ line, field, code, message })
}

/**
 * One payment line, read into `t` (its status and amount, whether or not the rest of it reads, so the trailer can be
 * checked without trusting broken lines). Returns the line when it is valid.
 */
function parseDataLine(at: number, text: string, header: Header, seen: Seen, t: Tally, errors: LineError[]): PayoutFileLine | undefined {
  const fields = splitFields(text, header.delimiter, header.width)
  if (fields.length !== header.width) {
    errors.push({
      line: at,
      code: 'wrong_field_count',
      message: `The line has ${fields.length} fields; the header has ${header.width}. Is there a "${header.delimiter}" inside a name or failure reason?`,
    })
    t.complete = false
    return undefined
  }
  const index = header.index
  const before = errors.length
  // A control character (a NUL from a broken export, a stray escape) is in no bank's field: it would be stored as part
  // of a name or reference (PostgreSQL cannot store NUL at all), so the line is refused and says where. The whole line
  // is looked at first: a file of 100,000 clean lines is not searched field by field.
  if (CONTROL.test(text)) for (const [column, i] of Object.entries(index) as Array<[Column, number | undefined]>) {
    const text = i === undefined ? undefined : fields[i]
    const c = text === undefined ? -1 : text.search(CONTROL)
    if (c >= 0) {
      const code = (text as string).codePointAt(c) ?? 0
      fail(errors, at, column, 'control_character', `${label(column)} has the control character U+${code.toString(16).toUpperCase().padStart(4, '0')} at position ${c + 1}; export the file again from the bank's system.`)
    }
  }
  if (errors.length > before) {
    t.complete = false
    return undefined
  }

  let seq: number | undefined
  const seqText = valueAt(fields, index.seq)
  if (seqText !== undefined) {
    if (!SEQ_TEXT.test(seqText) || Number(seqText) === 0) {
      fail(errors, at, 'seq', 'bad_seq', `${label('seq')} ${quote(seqText)} must be a positive whole number.`)
    } else {
      seq = Number(seqText)
      const first = claimSeq(seen, seq, at)
      if (first !== undefined) fail(errors, at, 'seq', 'duplicate_seq', `${label('seq')} ${seq} is already used on line ${first}; each payment has its own number.`)
    }
  }

  let payeeCard: string | undefined
  const cardText = valueAt(fields, index.payee_card)
  if (cardText !== undefined) {
    // A card of digits only, as most are, has no spaces to take out.
    const digits = CARD_TEXT.test(cardText) ? cardText : cardText.replace(/\s/g, '')
    if (digits === '') fail(errors, at, 'payee_card', 'bad_card', `${label('payee_card')} is empty.`)
    else if (!/^\d+$/.test(digits)) fail(errors, at, 'payee_card', 'bad_card', `${label('payee_card')} ${maskCard(digits)} contains characters other than digits.`)
    else if (!CARD_TEXT.test(digits)) {
      fail(errors, at, 'payee_card', 'bad_card', `${label('payee_card')} ${maskCard(digits)} has ${digits.length} digits; a card or account number has 12 to 19.`)
    } else payeeCard = digits
  }

  let payeeName: string | undefined
  const nameText = valueAt(fields, index.payee_name)
  if (nameText !== undefined) {
    // Counted in code points only when the UTF-16 length could pass the limit (a name of code units within it cannot).
    const length = nameText.length <= LIMITS.person_name_length_max ? nameText.length : [...nameText].length
    if (length === 0) fail(errors, at, 'payee_name', 'bad_name', `${label('payee_name')} is empty.`)
    else if (length > LIMITS.person_name_length_max) {
      fail(errors, at, 'payee_name', 'bad_name', `${label('payee_name')} ${quote(nameText)} is ${length} characters long; at most ${LIMITS.person_name_length_max} are accepted.`)
    } else payeeName = nameText
  }

  let amountFen: Fen | undefined
  const amountText = valueAt(fields, index.amount)
  if (amountText !== undefined) {
    const amount = readAmount(amountText)
    if (amount.ok) amountFen = amount.fen
    else fail(errors, at, 'amount', amount.code, `${label('amount')} ${quote(amountText)} ${amount.why}.`)
  }

  let status: PayoutStatus | undefined
  const statusText = valueAt(fields, index.status)
  if (statusText !== undefined) {
    status = readStatus(statusText)
    if (status === undefined) fail(errors, at, 'status', 'bad_status', `${label('status')} ${quote(statusText)} must be success/成功 or failed/失败.`)
  }

  let bankRef: string | undefined
  const refText = valueAt(fields, index.bank_ref)
  if (refText !== undefined) {
    if (refText === '') fail(errors, at, 'bank_ref', 'bad_bank_ref', `${label('bank_ref')} is empty; every payment needs the bank's reference.`)
    else {
      const first = seen.bankRef.get(refText)
      if (first !== undefined) fail(errors, at, 'bank_ref', 'duplicate_bank_ref', `${label('bank_ref')} ${quote(refText)} is already used on line ${first}.`)
      else {
        seen.bankRef.set(refText, at)
        bankRef = refText
      }
    }
  }

  let valueDate: string | undefined
  const dateText = valueAt(fields, index.value_date)
  if (dateText !== undefined) {
    valueDate = readDateMemo(dateText, seen.date)
    if (valueDate === undefined) fail(errors, at, 'value_date', 'bad_date', `${label('value_date')} ${quote(dateText)} must be a real date written YYYY-MM-DD or YYYYMMDD.`)
  }

  const reasonText = valueAt(fields, index.failure_reason)
  const failureReason = reasonText === undefined || reasonText === '' ? null : reasonText

  // Both optional: an empty field is "not given", as an absent column is.
  let payerAccountNo: string | null = null
  const payerText = valueAt(fields, index.payer_account)
  if (payerText !== undefined && payerText !== '') {
    const digits = payerText.replace(/\s/g, '')
    if (!PAYER_ACCOUNT_TEXT.test(digits)) {
      const shown = /^\d+$/.test(digits) ? `${maskCard(digits)} has ${digits.length} digits` : `${quote(payerText)} contains characters other than digits`
      fail(errors, at, 'payer_account', 'bad_payer_account', `${label('payer_account')} ${shown}; an account number has 8 to 32 digits. Leave it empty for the account the file is posted for.`)
    } else payerAccountNo = digits
  }

  let endToEndId: string | null = null
  const e2eText = valueAt(fields, index.end_to_end_id)
  if (e2eText !== undefined && e2eText !== '') {
    if (!END_TO_END_ID_TEXT.test(e2eText)) {
      fail(errors, at, 'end_to_end_id', 'bad_end_to_end_id', `${label('end_to_end_id')} ${quote(e2eText)} must be 1 to 35 printable ASCII characters without spaces, as the instruction's EndToEndId was written.`)
    } else endToEndId = e2eText
  }

  count(t, status, amountFen)
  const line =
    errors.length === before &&
    seq !== undefined &&
    payeeCard !== undefined &&
    payeeName !== undefined &&
    amountFen !== undefined &&
    status !== undefined &&
    bankRef !== undefined &&
    valueDate !== undefined
      ? { lineNo: at, seq, payeeCard, payeeName, amountFen, status, bankRef, valueDate, failureReason, payerAccountNo, endToEndId }
      : undefined
  return line
}

interface Tally {
  lineCount: number
  successCount: number
  success: Fen
  failedCount: number
  failed: Fen
  /** False when some line's status or amount could not be read: then only the line count can be checked. */
  complete: boolean
}

/**
 * Totals in integer fen (addFen, exact), not a decimal per line. They cannot leave FEN_MAX: every amount counted is at
 * most the per-line maximum (readAmount) and a file has at most payout_file_lines_max lines (checked before this),
 * a product asserted at load to stay within FEN_MAX (above readAmount).
 */
function count(t: Tally, status: PayoutStatus | undefined, amountFen: Fen | undefined): void {
  if (status === undefined || amountFen === undefined) t.complete = false
  else if (status === 'success') {
    t.successCount++
    t.success = addFen(t.success, amountFen)
  } else {
    t.failedCount++
    t.failed = addFen(t.failed, amountFen)
  }
}

function checkTrailer(raw: RawLine, delimiter: PayoutFileDelimiter, t: Tally, errors: LineError[]): void {
  const at = raw.lineNo
  const fields = splitFields(raw.text, delimiter, 1 + TOTALS_FIELDS.length)
  if (fields.length !== 1 + TOTALS_FIELDS.length) {
    errors.push({
      line: at,
      code: 'wrong_field_count',
      message: `The totals line has ${fields.length} fields; expected ${1 + TOTALS_FIELDS.length}: TOTAL${delimiter}line count${delimiter}success count${delimiter}success amount${delimiter}failed count${delimiter}failed amount.`,
    })
    return
  }
  const successText = formatYuan(t.success)
  const failedText = formatYuan(t.failed)
  const ours: Record<(typeof TOTALS_FIELDS)[number], { text: string; matches: (s: string) => boolean }> = {
    line_count: { text: String(t.lineCount), matches: (s) => Number(s) === t.lineCount },
    success_count: { text: String(t.successCount), matches: (s) => Number(s) === t.successCount },
    success_amount: { text: successText, matches: (s) => unpad(s) === successText },
    failed_count: { text: String(t.failedCount), matches: (s) => Number(s) === t.failedCount },
    failed_amount: { text: failedText, matches: (s) => unpad(s) === failedText },
  }
  TOTALS_FIELDS.forEach((field, i) => {
    const text = fields[i + 1] ?? ''
    const isAmount = field.endsWith('_amount')
    if (!(isAmount ? AMOUNT_TEXT : COUNT_TEXT).test(text)) {
      errors.push({
        line: at,
        field,
        code: 'bad_totals',
        message: `Totals ${field.replace('_', ' ')} ${quote(text)} must be ${isAmount ? 'yuan with exactly two decimals' : 'a whole number'}.`,
      })
      return
    }
    if (field !== 'line_count' && !t.complete) return
    const figure = ours[field]
    if (!figure.matches(text)) {
      errors.push({
        line: at,
        field,
        code: 'totals_mismatch',
        message: `Totals ${field.replace('_', ' ')} says ${quote(text)}; the lines of the file add up to ${figure.text}.`,
      })
    }
  })
}

/**
 * The lines that are not blank, without the CR of a CRLF, and their physical line numbers: two arrays rather than an
 * object per line, which 100,000 lines would keep alive through the whole parse.
 */
function splitLines(text: string): { texts: string[]; lineNos: number[] } {
  const texts: string[] = []
  const lineNos: number[] = []
  let start = 0
  for (let lineNo = 1; ; lineNo++) {
    const end = text.indexOf('\n', start)
    const stop = end < 0 ? text.length : end
    const line = text.slice(start, stop > start && text.charCodeAt(stop - 1) === 0x0d ? stop - 1 : stop)
    // Trimmed only to tell a blank line, and only when it could be one: a line starting with a printable ASCII character is not.
    const c = line.charCodeAt(0)
    if ((c > 0x20 && c < 0x7f) || line.trim() !== '') {
      texts.push(line)
      lineNos.push(lineNo)
    }
    if (end < 0) return { texts, lineNos }
    start = end + 1
  }
}

export function parsePayoutFile(bytes: Buffer): ParseResult {
  if (bytes.length > LIMITS.payout_file_bytes_max) {
    return {
      ok: false,
      errors: [
        {
          line: 0,
          code: 'too_large',
          message: `The file is ${bytes.length} bytes; at most ${LIMITS.payout_file_bytes_max} are accepted. Split the batch into several files.`,
        },
      ],
    }
  }
  const decoded = decode(bytes)
  if (!decoded.ok) {
    return {
      ok: false,
      errors: [
        {
          line: 0,
          code: 'bad_encoding',
          message: `The file is neither UTF-8 nor GBK text (first unreadable bytes on line ${decoded.line}). Export it again as UTF-8 or GBK.`,
        },
      ],
    }
  }

  const { texts, lineNos } = splitLines(decoded.text)
  const rawLine = (i: number): RawLine => ({ lineNo: lineNos[i] as number, text: texts[i] as string })

  const errors: LineError[] = []
  if (texts.length === 0) {
    return { ok: false, errors: [{ line: 0, code: 'no_header', message: 'The file is empty: it needs a header line and at least one payment line.' }] }
  }
  const header = parseHeader(rawLine(0), errors)
  if (header === undefined) return { ok: false, errors }

  const trailer = texts.length > 1 && isTotalsLine(texts[texts.length - 1] as string, header.delimiter) ? rawLine(texts.length - 1) : undefined
  /** Indices of the payment lines among the lines: all but the header, the trailer and totals lines out of place. */
  const data: number[] = []
  for (let i = 1, end = trailer === undefined ? texts.length : texts.length - 1; i < end; i++) {
    if (isTotalsLine(texts[i] as string, header.delimiter)) {
      errors.push({ line: lineNos[i] as number, code: 'misplaced_totals', message: 'A totals line (TOTAL/合计) must be the last line of the file.' })
    } else data.push(i)
  }

  if (data.length > LIMITS.payout_file_lines_max) {
    errors.push({
      line: 0,
      code: 'too_many_lines',
      message: `The file has ${data.length} payment lines; at most ${LIMITS.payout_file_lines_max} are accepted. Split the batch into several files.`,
    })
    return { ok: false, errors: sortErrors(errors) }
  }
  if (data.length === 0) errors.push({ line: 0, code: 'no_lines', message: 'The file has a header but no payment lines.' })

  const seen: Seen = { seqLines: [], seq: new Map(), bankRef: new Map(), date: { text: undefined, date: undefined } }
  const t: Tally = { lineCount: data.length, successCount: 0, success: ZERO_FEN, failedCount: 0, failed: ZERO_FEN, complete: true }
  const lines: PayoutFileLine[] = []
  for (const i of data) {
    const line = parseDataLine(lineNos[i] as number, texts[i] as string, header, seen, t, errors)
    if (line !== undefined) lines.push(line)
  }
  if (trailer !== undefined) checkTrailer(trailer, header.delimiter, t, errors)

  if (errors.length > 0) return { ok: false, errors: sortErrors(errors) }
  return {
    ok: true,
    file: {
      encoding: decoded.encoding,
      delimiter: header.delimiter,
      lines,
      totals: { lineCount: t.lineCount, successCount: t.successCount, successFen: t.success, failedCount: t.failedCount, failedFen: t.failed },
    },
  }
}

/** File-level errors first, then in reading order; the sort is stable so a line's errors keep column order. */
function sortErrors(errors: LineError[]): LineError[] {
  return [...errors].sort((a, b) => a.line - b.line)
}

// ---------------------------------------------------------------------------
// Formatting (the bank simulator's side)

export interface FormatOptions {
  encoding: PayoutFileEncoding
  delimiter?: PayoutFileDelimiter
  withTotals?: boolean
  /** Chinese column names, status words and 合计, as most domestic banks write them. */
  chineseHeader?: boolean
  /** Defaults to CRLF: the files come from Windows desktops at the bank branch. */
  newline?: '\n' | '\r\n'
}

/** A line to write: the optional columns may be left out, as a file without them has none. */
export type PayoutFileLineInput = Omit<PayoutFileLine, 'lineNo' | 'payerAccountNo' | 'endToEndId'> & {
  lineNo?: number
  payerAccountNo?: string | null
  endToEndId?: string | null
}

/**
 * The inverse of parsePayoutFile. The format has no quoting, so a field that
 * would change the line structure, or a character GBK cannot carry, is a
 * programming error in the caller and throws rather than writing a file the
 * parser would read differently.
 */
export function formatPayoutFile(lines: readonly PayoutFileLineInput[], options: FormatOptions): Buffer {
  const delimiter = options.delimiter ?? '|'
  const newline = options.newline ?? '\r\n'
  const chinese = options.chineseHeader ?? false
  const names = chinese ? CHINESE_HEADER : ENGLISH_HEADER
  const check = (text: string): string => {
    if (text.includes(delimiter) || /[\r\n]/.test(text)) throw new RangeError(`field ${JSON.stringify(text)} contains the delimiter or a line break`)
    if (options.encoding === 'gbk' && iconv.decode(iconv.encode(text, 'gbk'), 'gbk') !== text) {
      throw new RangeError(`field ${JSON.stringify(text)} has characters GBK cannot encode`)
    }
    return text
  }
  const statusWord = (s: PayoutStatus): string => (chinese ? (s === 'success' ? '成功' : '失败') : s)

  // The payer account and EndToEndId columns only when a line fills them: a file of the older layout stays byte for byte.
  const withPayer = lines.some((l) => (l.payerAccountNo ?? null) !== null)
  const withE2e = lines.some((l) => (l.endToEndId ?? null) !== null)
  const columns = ALL_COLUMNS.filter((c) => (c !== 'payer_account' || withPayer) && (c !== 'end_to_end_id' || withE2e))
  const out: string[] = [columns.map((c) => names[c]).join(delimiter)]
  let successCount = 0
  let failedCount = 0
  let success = new Money(0)
  let failed = new Money(0)
  for (const l of lines) {
    out.push(
      [
        String(l.seq),
        check(l.payeeCard),
        check(l.payeeName),
        formatYuan(l.amountFen),
        statusWord(l.status),
        check(l.bankRef),
        check(l.valueDate),
        check(l.failureReason ?? ''),
        ...(withPayer ? [check(l.payerAccountNo ?? '')] : []),
        ...(withE2e ? [check(l.endToEndId ?? '')] : []),
      ].join(delimiter),
    )
    if (l.status === 'success') {
      successCount++
      success = success.plus(l.amountFen)
    } else {
      failedCount++
      failed = failed.plus(l.amountFen)
    }
  }
  if (options.withTotals === true) {
    out.push(
      [
        chinese ? '合计' : 'TOTAL',
        String(lines.length),
        String(successCount),
        success.dividedBy(100).toFixed(2),
        String(failedCount),
        failed.dividedBy(100).toFixed(2),
      ].join(delimiter),
    )
  }
  const text = out.join(newline) + newline
  return options.encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(text, 'utf8')
}
