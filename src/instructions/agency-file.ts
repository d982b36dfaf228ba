/**
 * The bank instruction for a payroll as a Chinese bank's agency-payment batch file (代发文件): the text file a general
 * contractor (总包) uploads to the bank of the project's dedicated wage account (农民工工资专用账户) so that the bank
 * pays each worker's own card (总包代发, 保障农民工工资支付条例 Art. 26, 31). It carries the same facts as the
 * pain.001 instruction (`pain001.ts`), for banks that take a text file instead of XML.
 *
 * Every bank lays the file out its own way, so the layout is a profile kept as data (`profiles/`): the columns and
 * their order, the delimiter, a line of column titles or not, the batch summary line (总笔数/总金额, first or last),
 * the line ends, and the status codes the bank answers with. A new bank is a new profile, never a branch here.
 *
 * The conventions are those of the result file the bank sends back (`payouts/file-format.ts`), so one bank's two files
 * agree: card numbers as bare digits (12–19, the range the result reader takes), names exactly as the sheet has them
 * (never trimmed or replaced), amounts as yuan with exactly two decimals made from integer fen, `|` or `,` between
 * fields with no quoting, GBK through iconv-lite, CRLF line ends (files travel through the bank's Windows desktop
 * client) unless the profile says otherwise.
 *
 * Pure: no clock, no I/O. Every line is checked before a byte is written, so a refused file is never half made. The
 * format has no quoting, so a value that holds the delimiter or a line break would shift the bank's columns, and a
 * character GBK lacks would come out as `?` under a worker's name: the bank would return the payment (户名不符) or pay
 * the wrong field. Both are refused with the line named, never silently replaced.
 */
import iconv from 'iconv-lite'
import { Money, formatYuan, type Fen } from '../kernel/money.ts'
import { endToEndId, pain001Totals, type Pain001Instruction, type Pain001Line } from './pain001.ts'

/** What a column of a payment line holds. */
export type AgencyColumn =
  /** 序号: 1, 2, 3… in file order, zero-padded to `seqDigits` where the bank wants a fixed width. */
  | 'seq'
  /** 账号/卡号: the worker's own card (本人银行卡). */
  | 'card_no'
  /** 户名/姓名: the worker's real name (实名), which the bank matches against the card holder's. */
  | 'worker_name'
  /** 开户行: the card's bank, for banks that route inter-bank (跨行) lines themselves. */
  | 'card_bank_name'
  /** 金额: yuan, two decimals. */
  | 'amount'
  /** 注释/摘要/用途: what the worker's own statement shows beside the credit. */
  | 'memo'
  /** The worker-month-attempt's EndToEndId (`pain001.ts`), echoed back by banks that have a column for it. */
  | 'reference'

export interface AgencyColumnSpec {
  column: AgencyColumn
  /** The bank's name for the column, written on the column-title line when the profile has one. */
  title: string
}

/** One field of the batch summary line (批次汇总行). */
export type AgencySummaryField =
  /** A fixed value the bank requires, e.g. CMB's business type `BYBC` (代发工资) or a label such as `总笔数`. */
  | { kind: 'text'; text: string }
  /** 总笔数: number of payment lines. */
  | { kind: 'count' }
  /** 总金额: sum of the lines, yuan with two decimals. */
  | { kind: 'total' }
  /** 付款账号: the dedicated account's number. */
  | { kind: 'debtor_account' }
  /** 付款户名: the dedicated account's name. */
  | { kind: 'debtor_name' }
  /** 业务参考号 / 批次号: the instruction's message id, unique per instruction. */
  | { kind: 'batch_ref' }
  /** 期望日期 / 代发日期: the pay day asked for. */
  | { kind: 'execution_date'; format: 'YYYYMMDD' | 'YYYY-MM-DD' }

/** A result status code of the bank, as its result file or query answers it. */
export interface AgencyStatusCode {
  code: string
  /** The bank's own words. */
  meaning: string
  /** What it means for the payout: `pending` is not final, the line will change again. */
  status: 'success' | 'failed' | 'pending'
}

export type AgencyDelimiter = '|' | ','

/** A bank's layout of the 代发 file. */
export interface AgencyFileProfile {
  id: string
  /** Which bank and channel takes this layout, and where its fields come from. */
  description: string
  delimiter: AgencyDelimiter
  /** Defaults to CRLF. */
  newline?: '\r\n' | '\n'
  /** The batch summary line with count and total, first line of the file (before any titles) or last. */
  summary: { at: 'first_line' | 'last_line'; fields: readonly AgencySummaryField[] }
  /** Whether a line of column titles precedes the payment lines. */
  columnTitles: boolean
  columns: readonly AgencyColumnSpec[]
  /** Width of 序号 with leading zeros (CMB's TRXSEQ is 8 digits); without it, plain digits. */
  seqDigits?: number
  /** The default memo of a line: `{year}`, `{monthOfYear}` (two digits) and `{month}` (YYYY-MM) are the pay month's. */
  memoTemplate: string
  statusCodes: readonly AgencyStatusCode[]
}

/** A line of the file: a line of the instruction, with an optional memo of its own (e.g. a re-instruction's 补发). */
export type AgencyFileLine = Pain001Line & { memo?: string }

export type AgencyFileRefusal = 'not_gbk' | 'contains_delimiter' | 'contains_line_break' | 'invalid_card_no' | 'too_many_lines_for_seq' | 'invalid_profile'

/** Why a file is refused before anything is written. `line` is the 1-based line of the instruction, when one is at fault. */
export class AgencyFileRefused extends Error {
  constructor(
    readonly reason: AgencyFileRefusal,
    message: string,
    readonly line?: number,
  ) {
    super(message)
    this.name = 'AgencyFileRefused'
  }
}

/** Bank cards are 16–19 digits; 12–19 is what the result reader (`payouts/file-format.ts`) accepts back. */
const CARD_TEXT = /^\d{12,19}$/
const LINE_BREAK = /[\r\n\u2028\u2029\u0085]/
/** Columns without which the bank cannot pay a line. */
const REQUIRED_COLUMNS: readonly AgencyColumn[] = ['card_no', 'worker_name', 'amount']

function isGbk(text: string): boolean {
  return iconv.decode(iconv.encode(text, 'gbk'), 'gbk') === text
}

/** The first reason `text` cannot stand as one field of this profile, or undefined when it can. */
function fieldProblem(text: string, delimiter: AgencyDelimiter): { reason: AgencyFileRefusal; why: string } | undefined {
  if (LINE_BREAK.test(text)) return { reason: 'contains_line_break', why: 'contains a line break, which would split the line in two' }
  if (text.includes(delimiter)) return { reason: 'contains_delimiter', why: `contains the delimiter "${delimiter}", which would shift the bank's columns` }
  if (!isGbk(text)) {
    const bad = [...text].filter((ch) => !isGbk(ch))
    return { reason: 'not_gbk', why: `has characters GBK cannot carry (${bad.map((ch) => `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase()}`).join(', ')}); the bank would see "?" in their place` }
  }
  return undefined
}

function checkProfile(profile: AgencyFileProfile): void {
  const bad = (why: string): AgencyFileRefused => new AgencyFileRefused('invalid_profile', `profile ${profile.id}: ${why}`)
  const present = new Set(profile.columns.map((c) => c.column))
  if (present.size !== profile.columns.length) throw bad('a column appears twice')
  for (const c of REQUIRED_COLUMNS) if (!present.has(c)) throw bad(`it has no ${c} column; the bank cannot pay without it`)
  const fixed = [...profile.columns.map((c) => c.title), ...profile.summary.fields.flatMap((f) => (f.kind === 'text' ? [f.text] : []))]
  for (const text of fixed) {
    const problem = fieldProblem(text, profile.delimiter)
    if (problem !== undefined) throw bad(`the fixed text ${JSON.stringify(text)} ${problem.why}`)
  }
  if (profile.seqDigits !== undefined && (!Number.isInteger(profile.seqDigits) || profile.seqDigits < 1)) throw bad('seqDigits must be a whole number above zero')
}

/** The memo of a line: its own, or the profile's template filled with the pay month. */
export function agencyMemo(profile: AgencyFileProfile, line: AgencyFileLine): string {
  if (line.memo !== undefined) return line.memo
  const [year = '', monthOfYear = ''] = line.month.split('-')
  return profile.memoTemplate.replaceAll('{year}', year).replaceAll('{monthOfYear}', monthOfYear).replaceAll('{month}', line.month)
}

function summaryLine(profile: AgencyFileProfile, instruction: Pain001Instruction, count: number, totalFen: Fen): string[] {
  return profile.summary.fields.map((f) => {
    switch (f.kind) {
      case 'text':
        return f.text
      case 'count':
        return String(count)
      case 'total':
        return formatYuan(totalFen)
      case 'debtor_account':
        return instruction.debtor.accountNo
      case 'debtor_name':
        return instruction.debtor.name
      case 'batch_ref':
        return instruction.messageId
      case 'execution_date':
        return f.format === 'YYYYMMDD' ? instruction.requestedExecutionDate.replaceAll('-', '') : instruction.requestedExecutionDate
    }
  })
}

function lineFields(profile: AgencyFileProfile, line: AgencyFileLine, seq: number): string[] {
  return profile.columns.map(({ column }) => {
    switch (column) {
      case 'seq':
        return profile.seqDigits === undefined ? String(seq) : String(seq).padStart(profile.seqDigits, '0')
      case 'card_no':
        return line.cardNo
      case 'worker_name':
        return line.workerName
      case 'card_bank_name':
        return line.cardBankName
      case 'amount':
        return formatYuan(line.amountFen)
      case 'memo':
        return agencyMemo(profile, line)
      case 'reference':
        return endToEndId(line.workerId, line.month, line.attempt)
    }
  })
}

/** The text fields of a line as this profile writes them, with the names a clerk knows them by. */
const TEXT_COLUMNS: readonly { column: AgencyColumn; label: string }[] = [
  { column: 'worker_name', label: 'worker name (户名)' },
  { column: 'card_bank_name', label: "card's bank (开户行)" },
  { column: 'memo', label: 'memo (摘要)' },
]

function checkLine(profile: AgencyFileProfile, line: AgencyFileLine, index: number): void {
  const at = `line ${index + 1} (worker ${String(line.workerId)})`
  const written = new Set(profile.columns.map((c) => c.column))
  if (written.has('card_no') && !CARD_TEXT.test(line.cardNo)) {
    throw new AgencyFileRefused('invalid_card_no', `${at}: the card number must be 12 to 19 digits, no spaces`, index + 1)
  }
  for (const { column, label } of TEXT_COLUMNS) {
    if (!written.has(column)) continue
    const text = column === 'worker_name' ? line.workerName : column === 'card_bank_name' ? line.cardBankName : agencyMemo(profile, line)
    // Not checked here, pain001Totals says it: a name that is not a string, empty, or padded.
    if (typeof text !== 'string') continue
    const problem = fieldProblem(text, profile.delimiter)
    if (problem !== undefined) throw new AgencyFileRefused(problem.reason, `${at}: the ${label} ${problem.why}`, index + 1)
  }
}

/**
 * The file for `lines` in `profile`'s layout, as GBK bytes. Throws `AgencyFileRefused` for what the layout cannot
 * carry, and `Pain001Refused` for what no instruction may carry (the same checks as pain.001: amounts above zero and
 * within the per-line maximum, a worker-month once, names present, the dedicated account's facts).
 */
export function writeAgencyFile(profile: AgencyFileProfile, instruction: Pain001Instruction, lines: readonly AgencyFileLine[]): Buffer {
  checkProfile(profile)
  lines.forEach((line, i) => checkLine(profile, line, i))
  const totals = pain001Totals(instruction, lines)
  if (profile.seqDigits !== undefined && String(totals.count).length > profile.seqDigits) {
    throw new AgencyFileRefused('too_many_lines_for_seq', `profile ${profile.id} numbers lines with ${profile.seqDigits} digits; ${totals.count} lines do not fit. Split the sheet`)
  }
  const summary = summaryLine(profile, instruction, totals.count, totals.totalFen)
  summary.forEach((text) => {
    const problem = fieldProblem(text, profile.delimiter)
    if (problem !== undefined) throw new AgencyFileRefused(problem.reason, `the batch summary field ${JSON.stringify(text)} ${problem.why}`)
  })

  const out: string[] = []
  if (profile.summary.at === 'first_line') out.push(summary.join(profile.delimiter))
  if (profile.columnTitles) out.push(profile.columns.map((c) => c.title).join(profile.delimiter))
  // The total written is pain001Totals' own sum; this one, over what is actually written, must agree with it.
  let written = new Money(0)
  lines.forEach((line, i) => {
    out.push(lineFields(profile, line, i + 1).join(profile.delimiter))
    written = written.plus(line.amountFen)
  })
  if (!written.eq(totals.totalFen)) throw new Error('agency file: the lines written do not add up to the summary total')
  if (profile.summary.at === 'last_line') out.push(summary.join(profile.delimiter))
  const newline = profile.newline ?? '\r\n'
  return iconv.encode(out.join(newline) + newline, 'gbk')
}

/** What a bank's result status code means for the payout, or undefined for a code the profile does not know. */
export function agencyResultStatus(profile: AgencyFileProfile, code: string): AgencyStatusCode['status'] | undefined {
  return profile.statusCodes.find((s) => s.code === code.trim())?.status
}

const AMOUNT_TEXT = /^\d+\.\d{2}$/
const COUNT_TEXT = /^\d+$/
const ACCOUNT_TEXT = /^\d{8,32}$/
const DATE_TEXT: Record<'YYYYMMDD' | 'YYYY-MM-DD', RegExp> = { YYYYMMDD: /^\d{8}$/, 'YYYY-MM-DD': /^\d{4}-\d{2}-\d{2}$/ }

function isSummaryField(field: AgencySummaryField, text: string): boolean {
  switch (field.kind) {
    case 'text':
      return text === field.text
    case 'count':
      return COUNT_TEXT.test(text)
    case 'total':
      return AMOUNT_TEXT.test(text)
    case 'debtor_account':
      return ACCOUNT_TEXT.test(text)
    case 'debtor_name':
    case 'batch_ref':
      return text !== ''
    case 'execution_date':
      return DATE_TEXT[field.format].test(text)
  }
}

/**
 * Whether `text` (the file decoded) is a 代发 file this profile writes: its batch summary line where the profile puts
 * it, its line of column titles word for word, and as many payment lines as the summary's 总笔数 says, each with the
 * profile's number of fields, a card number and an amount where the profile writes them. So a bank result file, which
 * has a status per line and no such summary, is never taken for one; our own instruction sent back to the ledger as if
 * it were the bank's answer is (the payouts refuse it as a request, not a result). Pure.
 */
export function isAgencyFile(profile: AgencyFileProfile, text: string): boolean {
  const lines = text.split(/\r?\n/)
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  const summaryText = profile.summary.at === 'first_line' ? lines.shift() : lines.pop()
  if (summaryText === undefined) return false
  const summary = summaryText.split(profile.delimiter)
  if (summary.length !== profile.summary.fields.length || !profile.summary.fields.every((f, i) => isSummaryField(f, summary[i] ?? ''))) return false
  if (profile.columnTitles && lines.shift() !== profile.columns.map((c) => c.title).join(profile.delimiter)) return false
  const countAt = profile.summary.fields.findIndex((f) => f.kind === 'count')
  if (countAt >= 0 && Number(summary[countAt]) !== lines.length) return false
  if (lines.length === 0) return false
  const cardAt = profile.columns.findIndex((c) => c.column === 'card_no')
  const amountAt = profile.columns.findIndex((c) => c.column === 'amount')
  return lines.every((line) => {
    const fields = line.split(profile.delimiter)
    return fields.length === profile.columns.length && CARD_TEXT.test(fields[cardAt] ?? '') && AMOUNT_TEXT.test(fields[amountAt] ?? '')
  })
}
