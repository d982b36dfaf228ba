/**
 * A statement exported from a Chinese online bank (网银流水导出) as CSV, read by a profile: the column names and words
 * are data, so a bank whose export differs is one more profile, not a branch in the parser.
 *
 * The file: optional preamble rows before the header (账号, 户名, 币种, 起止日期, as `label,value` or `label：value`),
 * the header row (found by its date and reference columns), one row per movement, and optional trailing rows (合计,
 * blank). RFC 4180 quoting; Excel's `="…"` wrapping of long numbers and tab padding are undone. Amounts are decimal
 * yuan, thousands separators allowed; either a debit and a credit column (借方金额/贷方金额, one of them filled) or an
 * amount with a direction column (金额 + 借贷标志). When the file has a balance column (余额), each row's balance must
 * follow from the one before it (in file order, or in reverse for exports that list the newest first); the opening
 * and closing balances are taken from it.
 */
import { Money, ZERO_FEN, fen, subFen, type Fen } from '../../kernel/money.ts'
import type { Direction } from '../funding.ts'
import { STATEMENT_LINES_MAX, accountDigits, decimalSumToFen, decimalToFen, readDate, type ParsedStatement, type StatementBalance, type StatementFault, type StatementLine, type StatementParse } from './statement.ts'

export interface CsvStatementProfile {
  id: string
  description: string
  /** Preamble labels whose value is the statement's own account number. */
  accountLabels: readonly string[]
  /** Preamble labels whose value is the currency (a word of `currencyWords`). */
  currencyLabels: readonly string[]
  /** Each column by the names the header may give it (the first found is used). */
  columns: {
    /** 交易日期: the value date. */
    tradeDate: readonly string[]
    /** 记账日期: the booking date; without the column, the trade date. */
    bookingDate: readonly string[]
    debit: readonly string[]
    credit: readonly string[]
    amount: readonly string[]
    direction: readonly string[]
    counterpartyAccountNo: readonly string[]
    counterpartyName: readonly string[]
    /** 流水号: the bank's reference of the line. */
    bankRef: readonly string[]
    balance: readonly string[]
    /** 原流水号: on a reversal (冲正), the reference of the line it cancels. */
    reversalOf: readonly string[]
  }
  directionWords: { credit: readonly string[]; debit: readonly string[] }
  /** Currency words to ISO 4217. */
  currencyWords: Readonly<Record<string, string>>
  /** The currency when the file names none. */
  defaultCurrency: string
  /** First cells that mark a trailing summary row, not a movement. */
  summaryWords: readonly string[]
}

/**
 * A generic Chinese online-banking export (对公网银 交易明细 CSV). Columns: 交易日期, 记账日期, 借方金额 and 贷方金额
 * (or 金额 and 借贷标志), 余额, 对方账号, 对方户名, 流水号, optionally 原流水号 and 摘要 (read and ignored). The preamble
 * names the account (账号) and may name the currency (币种: 人民币/CNY); without it the file is taken to be in CNY.
 */
export const CN_GENERIC_CSV_PROFILE: CsvStatementProfile = {
  id: 'cn-generic',
  description: 'Generic Chinese online-banking statement export (交易明细), UTF-8 with or without BOM, or GBK',
  accountLabels: ['账号', '本方账号', '账户', '查询账号'],
  currencyLabels: ['币种', '货币'],
  columns: {
    tradeDate: ['交易日期', '交易时间'],
    bookingDate: ['记账日期', '入账日期'],
    debit: ['借方金额', '支出金额', '借方发生额'],
    credit: ['贷方金额', '收入金额', '贷方发生额'],
    amount: ['金额', '交易金额', '发生额'],
    direction: ['借贷标志', '借贷方向', '收支方向'],
    counterpartyAccountNo: ['对方账号', '对方账户'],
    counterpartyName: ['对方户名', '对方名称', '对方账户名称'],
    bankRef: ['流水号', '交易流水号', '银行流水号'],
    balance: ['余额', '账户余额'],
    reversalOf: ['原流水号', '被冲正流水号'],
  },
  directionWords: { credit: ['贷', '收', '收入', '贷方', 'C', 'CR', 'CRDT'], debit: ['借', '支', '支出', '借方', 'D', 'DR', 'DBIT'] },
  currencyWords: { 人民币: 'CNY', 人民币元: 'CNY', RMB: 'CNY', CNY: 'CNY' },
  defaultCurrency: 'CNY',
  summaryWords: ['合计', '总计', '小计'],
}

export const CSV_STATEMENT_PROFILES: readonly CsvStatementProfile[] = [CN_GENERIC_CSV_PROFILE]

interface Row {
  lineNo: number
  cells: string[]
}

/** RFC 4180 records with the line each starts on; cells trimmed and Excel's `="…"` and tab padding undone. */
function records(text: string): Row[] {
  const rows: Row[] = []
  let cells: string[] = []
  let cell = ''
  let quoted = false
  let line = 1
  let start = 1
  const endCell = () => {
    cells.push(clean(cell))
    cell = ''
  }
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"'
          i++
        } else quoted = false
      } else {
        if (ch === '\n') line++
        cell += ch
      }
    } else if (ch === '"') quoted = true
    else if (ch === ',') endCell()
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      endCell()
      rows.push({ lineNo: start, cells })
      cells = []
      line++
      start = line
    } else cell += ch
  }
  if (cell !== '' || cells.length > 0) {
    endCell()
    rows.push({ lineNo: start, cells })
  }
  return rows.filter((r) => r.cells.some((c) => c !== ''))
}

function clean(raw: string): string {
  let s = raw.replace(/^[\s\t]+|[\s\t]+$/g, '')
  if (s.startsWith('="') && s.endsWith('"')) s = s.slice(2, -1)
  else if (s.startsWith('=')) s = s.slice(1)
  return s.trim()
}

/** Whether a text is a statement this profile reads: a row holding its date and reference columns. */
export function looksLikeCsvStatement(text: string, profile: CsvStatementProfile = CN_GENERIC_CSV_PROFILE): boolean {
  return records(text.slice(0, 16_384)).some((r) => headerIndex(r.cells, profile) !== undefined)
}

type ColumnKey = keyof CsvStatementProfile['columns']

function headerIndex(cells: readonly string[], profile: CsvStatementProfile): Partial<Record<ColumnKey, number>> | undefined {
  const index: Partial<Record<ColumnKey, number>> = {}
  for (const key of Object.keys(profile.columns) as ColumnKey[]) {
    const i = cells.findIndex((c) => profile.columns[key].includes(c))
    if (i >= 0) index[key] = i
  }
  return index.tradeDate !== undefined && index.bankRef !== undefined ? index : undefined
}

function preambleValue(cells: readonly string[], labels: readonly string[]): string | undefined {
  const [first = '', second] = cells
  for (const label of labels) {
    // The label whole: 账户 followed by 名称 is another label (账户名称), not the account 名称.
    const m = new RegExp(`^${label}(?:\\s*[:：]\\s*|\\s+|$)(.*)$`).exec(first)
    if (!m) continue
    const inline = m[1]!.trim()
    if (inline !== '') return clean(inline)
    if (second !== undefined && second !== '') return second
  }
  return undefined
}

export function parseCsvStatement(text: string, profile: CsvStatementProfile = CN_GENERIC_CSV_PROFILE): StatementParse {
  const errors: StatementFault[] = []
  const fault = (entry: number, field: string, message: string) => errors.push({ entry, field, message })
  const rows = records(text.startsWith('\uFEFF') ? text.slice(1) : text)
  const headerAt = rows.findIndex((r) => headerIndex(r.cells, profile) !== undefined)
  if (headerAt < 0) {
    fault(0, 'header', `No header row with the columns ${profile.columns.tradeDate[0]} and ${profile.columns.bankRef[0]} was found (profile ${profile.id}).`)
    return { errors }
  }
  const col = headerIndex(rows[headerAt]!.cells, profile)!
  const header = rows[headerAt]!
  let accountNo: string | undefined
  let currencyWord: string | undefined
  for (const r of rows.slice(0, headerAt)) {
    accountNo ??= preambleValue(r.cells, profile.accountLabels)
    currencyWord ??= preambleValue(r.cells, profile.currencyLabels)
  }
  if (accountNo === undefined || accountDigits(accountNo) === '') {
    fault(0, '账号', `The file does not name its account: a row "${profile.accountLabels[0]},<number>" before the header is expected.`)
    return { errors }
  }
  const split = col.debit !== undefined && col.credit !== undefined
  const signed = col.amount !== undefined && col.direction !== undefined
  if (!split && !signed) {
    fault(header.lineNo, 'header', `The header has neither ${profile.columns.debit[0]} and ${profile.columns.credit[0]} nor ${profile.columns.amount[0]} and ${profile.columns.direction[0]}.`)
    return { errors }
  }
  for (const key of ['counterpartyAccountNo', 'counterpartyName'] as const) {
    if (col[key] === undefined) fault(header.lineNo, 'header', `The header has no ${profile.columns[key][0]} column.`)
  }
  const currency = currencyWord === undefined ? profile.defaultCurrency : (profile.currencyWords[currencyWord] ?? currencyWord.toUpperCase())

  const lines: StatementLine[] = []
  const balancesAfter: (Fen | undefined)[] = []
  const cellOf = (r: Row, key: ColumnKey): string => (col[key] === undefined ? '' : (r.cells[col[key]] ?? ''))
  for (const r of rows.slice(headerAt + 1)) {
    if (profile.summaryWords.some((w) => (r.cells[0] ?? '').startsWith(w))) continue
    const before = errors.length
    const at = r.lineNo
    const valueDate = readDate(cellOf(r, 'tradeDate'))
    if (valueDate === undefined) fault(at, profile.columns.tradeDate[0]!, `"${cellOf(r, 'tradeDate')}" is not a date.`)
    const bookingText = col.bookingDate === undefined ? cellOf(r, 'tradeDate') : cellOf(r, 'bookingDate')
    const bookingDate = readDate(bookingText)
    if (bookingDate === undefined && col.bookingDate !== undefined) fault(at, profile.columns.bookingDate[0]!, `"${bookingText}" is not a date.`)
    const bankRef = cellOf(r, 'bankRef')
    if (bankRef === '') fault(at, profile.columns.bankRef[0]!, "The bank's reference of the line is empty, so a second reading of it could not be recognised.")
    let direction: Direction | undefined
    let amountFen: Fen | undefined
    const amountOf = (key: ColumnKey): Fen | undefined | 'empty' => {
      const t = cellOf(r, key).replace(/,/g, '')
      if (t === '' || t === '-') return 'empty'
      const parsed = decimalToFen(t.startsWith('-') ? t.slice(1) : t)
      if ('reason' in parsed) {
        fault(at, profile.columns[key][0]!, `The amount ${parsed.reason}.`)
        return undefined
      }
      if (t.startsWith('-')) {
        fault(at, profile.columns[key][0]!, `The amount "${cellOf(r, key)}" is negative; the column says the direction.`)
        return undefined
      }
      return parsed.fen
    }
    if (split) {
      const debit = amountOf('debit')
      const credit = amountOf('credit')
      const d = debit === 'empty' || debit === 0 ? undefined : debit
      const c = credit === 'empty' || credit === 0 ? undefined : credit
      if (debit !== undefined && credit !== undefined) {
        if (d !== undefined && c !== undefined) fault(at, profile.columns.debit[0]!, 'Both the debit and the credit amount are filled in.')
        else if (d === undefined && c === undefined) fault(at, profile.columns.debit[0]!, 'Neither the debit nor the credit amount is filled in.')
        else if (d !== undefined) [direction, amountFen] = ['debit', d]
        else [direction, amountFen] = ['credit', c]
      }
    } else {
      const word = cellOf(r, 'direction')
      direction = profile.directionWords.credit.includes(word) ? 'credit' : profile.directionWords.debit.includes(word) ? 'debit' : undefined
      if (direction === undefined) fault(at, profile.columns.direction[0]!, `"${word}" is neither a credit (${profile.directionWords.credit.join('/')}) nor a debit (${profile.directionWords.debit.join('/')}).`)
      const a = amountOf('amount')
      if (a === 'empty' || a === 0) fault(at, profile.columns.amount[0]!, 'The amount is empty or zero.')
      else amountFen = a
    }
    let balance: Fen | undefined
    if (col.balance !== undefined) {
      const t = cellOf(r, 'balance').replace(/,/g, '')
      const negative = t.startsWith('-')
      const parsed = decimalSumToFen(negative ? t.slice(1) : t)
      if ('reason' in parsed) fault(at, profile.columns.balance[0]!, `The balance ${parsed.reason}.`)
      else balance = negative ? subFen(ZERO_FEN, parsed.fen) : parsed.fen
    }
    if (errors.length > before || valueDate === undefined || bookingDate === undefined || direction === undefined || amountFen === undefined) continue
    const reversalOf = cellOf(r, 'reversalOf')
    lines.push({
      entry: at,
      bankRef,
      bookingDate,
      valueDate,
      direction,
      amountFen,
      currency,
      counterpartyAccountNo: accountDigits(cellOf(r, 'counterpartyAccountNo')),
      counterpartyName: cellOf(r, 'counterpartyName'),
      ...(reversalOf === '' ? {} : { reversalOf }),
    })
    balancesAfter.push(balance)
  }
  if (lines.length > STATEMENT_LINES_MAX) fault(0, 'file', `The file holds ${lines.length} lines, more than the ${STATEMENT_LINES_MAX} a statement may; export shorter periods.`)
  const balances = errors.length === 0 && col.balance !== undefined ? runningBalances(lines, balancesAfter as Fen[], currency, profile, fault) : []
  const statement: ParsedStatement = { format: 'csv', variant: `csv:${profile.id}`, accountNo: accountDigits(accountNo), accountCurrency: currency, balances, lines, notBooked: 0 }
  return { statement, errors }
}

/** Each row's balance follows from the one before (file order, else newest-first); the opening and closing balances. */
function runningBalances(
  lines: readonly StatementLine[],
  after: readonly Fen[],
  currency: string,
  profile: CsvStatementProfile,
  fault: (entry: number, field: string, message: string) => void,
): StatementBalance[] {
  if (lines.length === 0) return []
  const signed = (l: StatementLine) => (l.direction === 'credit' ? new Money(l.amountFen) : new Money(l.amountFen).neg())
  const firstBreak = (order: number[]): number | undefined => {
    for (let k = 1; k < order.length; k++) {
      const [prev, cur] = [order[k - 1]!, order[k]!]
      if (!new Money(after[prev]!).plus(signed(lines[cur]!)).eq(after[cur]!)) return cur
    }
    return undefined
  }
  const forward = lines.map((_, i) => i)
  const backward = [...forward].reverse()
  const broken = firstBreak(forward)
  const order = broken === undefined ? forward : firstBreak(backward) === undefined ? backward : undefined
  if (order === undefined) {
    const line = lines[broken!]!
    fault(line.entry, profile.columns.balance[0]!, `The balance ${new Money(after[broken!]!).div(100).toFixed(2)} does not follow from the line before it and this line's amount.`)
    return []
  }
  const first = order[0]!
  const last = order[order.length - 1]!
  return [
    { kind: 'opening', amountFen: fen(new Money(after[first]!).minus(signed(lines[first]!)).toNumber()), currency, date: lines[first]!.bookingDate, firstBookedOn: lines[first]!.bookingDate },
    { kind: 'closing', amountFen: after[last]!, currency, date: lines[last]!.bookingDate },
  ]
}
