/**
 * The wage payment ledger (工资支付台账) as files: CSV for any tool and XLSX for people, per pay month. 保障农民工工资支付条例
 * Art. 15 says what it holds: the employer, the pay period, the pay date, each worker's name, ID number and phone, their
 * working time, what is payable by item, what is withheld or deducted by item, what was actually paid, and the bank's
 * payment voucher or the worker's signature (here: the voucher reference once reconciled, and the worker's
 * confirmation with its time and channel). It is kept at least three years (Art. 15, 28), so a file must read the same
 * wherever it is opened.
 *
 * "What was actually paid" (实发) is the bank's word, not the sheet's: the sheet's net (payable − deducted) is what was
 * due to be paid (应付金额（工资表实发）), and beside it stand what the bank paid that stands (实际支付金额: successful
 * payments no return undid), what is missing (未付金额) and the state in words (支付状态), so a short payment never
 * reads as paid in full beside the voucher of a smaller amount, and a returned (退票) or failed payment never as paid.
 *
 * Pure: rows in, bytes out; no database, and no clock but exceljs's own stamp of the workbook's creation time (see
 * `createdAtMs`). Each row is checked before anything is made: amounts whole fen, and
 * payable − deducted = net, so a ledger whose columns do not add up is refused rather than handed to the bureau.
 *
 * Identity numbers, cards and phones are masked (maskIdNumber, maskCard, maskPhone) unless the caller says `reveal`:
 * the ledger leaves the office (to the bureau, an auditor), and who may see the full numbers is the caller's policy
 * (and its access log), not this file's.
 *
 * Amounts: the CSV writes them as yuan text with two decimals (formatYuan); the XLSX as numbers in yuan, each made from
 * its fen through formatYuan's exact decimal text and turned into a number only as the cell's value, with `#,##0.00`
 * to show them. Its totals row holds a SUM formula for each amount column with the figure summed in fen as the
 * formula's cached result, so a reader that does not recalculate still sees the right total.
 */
import type { Workbook } from 'exceljs'
import { loadExcel } from '../kernel/xlsx.ts'
import type { ConfirmationChannel } from '../db/schema/timesheets.ts'
import { Money, ZERO_FEN, fen, formatYuan, subFen, sumFen, type Fen } from '../kernel/money.ts'
import { isMonth, isWorkDate, localTimeOf, workDateOf, type Month, type WorkDate } from '../kernel/time.ts'
import { maskCard, maskIdNumber, maskPhone } from '../roster/identity.ts'
import { csvField, defuseFormula } from '../kernel/spreadsheet-text.ts'

/** One labelled amount: a payable item (基本工资, 计件工资：钢筋…) or a deduction (已预支, 个人社保…). */
export interface LedgerItem {
  /** The column it goes in. Two items of a row with the same label (base pay of two terms spans) are added together. */
  label: string
  amountFen: Fen
}

/** The worker's confirmation of the line (本人确认): when and how, as the payroll sheet recorded it. */
export interface LedgerConfirmation {
  atMs: number
  channel: ConfirmationChannel
}

/** One worker's line of one pay month. */
export interface LedgerRow {
  /** 工资所属期: YYYY-MM. Each month is its own sheet in the XLSX. */
  month: Month
  /** 用人单位: the employer (the labour subcontractor, or the GC for its own workers). */
  employerName: string
  teamName: string
  workerName: string
  idNumber: string
  phone: string | null
  /** Days credited, in halves (half days exist), and worked minutes: the 出勤 columns. */
  creditHalves: number
  workedMinutes: number
  /** 应发, by item. */
  payable: readonly LedgerItem[]
  /** 扣款与代扣, by item: the parts actually taken off this line (a part that did not fit is not on the ledger). */
  deductions: readonly LedgerItem[]
  /** The sheet's net (工资表实发): payable − deductions, checked. What is due to be paid, not what was. */
  netFen: Fen
  /**
   * 实际支付金额: what the bank paid for this line and that stands (successful, not returned). It may differ from the
   * net either way; a return (退票) or a failure is not in it.
   */
  paidFen: Fen
  /** Payments of the worker in the month the bank rejected or gave back (退票), each once: named in 支付状态. */
  setbacks: number
  cardNo: string
  bankName: string
  /** 支付日期: the value date of the latest payment in paidFen, YYYY-MM-DD; null while nothing is paid. */
  payDate: WorkDate | null
  /** 银行凭证号: the references of the payments in paidFen; null while nothing is paid. */
  voucherRef: string | null
  /** null when the worker has not confirmed. */
  confirmation: LedgerConfirmation | null
}

export interface LedgerExportOptions {
  /** The project's zone: confirmation instants are shown as its wall time. */
  timeZone: string
  /** Show full ID, card and phone numbers. Off by default: the caller decides who may see them and logs it. */
  reveal?: boolean
  /** The XLSX's creation time (document properties); exceljs stamps the time of the call when it is not given. */
  createdAtMs?: number
}

export class LedgerExportError extends Error {
  constructor(
    readonly reason: 'no_rows' | 'invalid_month' | 'invalid_amount' | 'net_mismatch' | 'invalid_pay_date' | 'invalid_working_time' | 'invalid_label' | 'invalid_setbacks',
    message: string,
  ) {
    super(message)
    this.name = 'LedgerExportError'
  }
}

const CHANNEL_TEXT: Record<ConfirmationChannel, string> = {
  app: '应用',
  kiosk: '自助机',
  sms: '短信',
  paper: '纸质签字',
  wechat: '微信',
}

// ---- the table, shared by both files -------------------------------------------------

/** What a cell is, so each file writes it its own way. */
type Cell = { kind: 'text'; text: string; fromData: boolean } | { kind: 'yuan'; fen: Fen } | { kind: 'number'; text: string }

interface Table {
  header: string[]
  /** Columns holding amounts: summed on the totals row. */
  amountColumns: number[]
  rows: Cell[][]
  /** Per amount column, the sum of its rows in fen. */
  totals: Map<number, Fen>
  /** The card number's column (after the amounts): a wide one, as the ID number's. */
  cardColumn: number
}

const text = (t: string | null): Cell => ({ kind: 'text', text: t ?? '', fromData: true })
const ours = (t: string): Cell => ({ kind: 'text', text: t, fromData: false })

function checkRow(row: LedgerRow, index: number): void {
  const at = `line ${index + 1} (${row.month}, ${row.workerName})`
  if (!isMonth(row.month)) throw new LedgerExportError('invalid_month', `${at}: pay month ${JSON.stringify(row.month)} is not YYYY-MM`)
  if (!Number.isSafeInteger(row.creditHalves) || row.creditHalves < 0 || !Number.isSafeInteger(row.workedMinutes) || row.workedMinutes < 0) {
    throw new LedgerExportError('invalid_working_time', `${at}: days (in halves) and worked minutes must be whole numbers, zero or more`)
  }
  for (const item of [...row.payable, ...row.deductions, { label: '工资表实发', amountFen: row.netFen }, { label: '实际支付', amountFen: row.paidFen }]) {
    if (item.label.trim() === '') throw new LedgerExportError('invalid_label', `${at}: every item needs a label`)
    if (!Number.isSafeInteger(item.amountFen) || item.amountFen < 0) {
      throw new LedgerExportError('invalid_amount', `${at}: ${item.label} ${item.amountFen} must be a whole number of fen, zero or more`)
    }
    fen(item.amountFen)
  }
  const expected = subFen(sumFen(row.payable.map((i) => i.amountFen)), sumFen(row.deductions.map((i) => i.amountFen)))
  if (expected !== row.netFen) {
    throw new LedgerExportError('net_mismatch', `${at}: payable − deductions is ${formatYuan(expected)} yuan but the net is ${formatYuan(row.netFen)}; the ledger must add up`)
  }
  if (!Number.isSafeInteger(row.setbacks) || row.setbacks < 0) throw new LedgerExportError('invalid_setbacks', `${at}: the count of returned or failed payments must be a whole number, zero or more`)
  if (row.payDate !== null && !isWorkDate(row.payDate)) throw new LedgerExportError('invalid_pay_date', `${at}: pay date ${JSON.stringify(row.payDate)} is not YYYY-MM-DD`)
}

/** Labels in order of first appearance, so columns follow the sheet's own order (base pay before piece pay…). */
function labelsOf(rows: readonly LedgerRow[], pick: (r: LedgerRow) => readonly LedgerItem[]): string[] {
  const labels: string[] = []
  for (const r of rows) for (const i of pick(r)) if (!labels.includes(i.label)) labels.push(i.label)
  return labels
}

function byLabel(items: readonly LedgerItem[], label: string): Fen {
  return sumFen(items.filter((i) => i.label === label).map((i) => i.amountFen))
}

/** 未付金额: the net less what was paid, never below zero (a payment above the net is not a negative shortfall). */
const shortOf = (r: LedgerRow): Fen => (r.paidFen >= r.netFen ? ZERO_FEN : subFen(r.netFen, r.paidFen))

/**
 * 支付状态 in words, as the worker's own page says it (已足额支付 / 未付足 / 未支付), and the returns and failures
 * beside it: a line paid in full after a 退票 says both.
 */
export function paymentStateText(r: Pick<LedgerRow, 'netFen' | 'paidFen' | 'setbacks'>): string {
  const state = r.netFen === 0 && r.paidFen === 0 ? '无应付' : r.paidFen >= r.netFen ? '已足额支付' : r.paidFen === 0 ? '未支付' : '未付足'
  return r.setbacks === 0 ? state : `${state}（退票或失败 ${r.setbacks} 笔）`
}

/** Hours from minutes, two decimals, half up (a display rounding: the minutes are what is kept). */
const hoursText = (minutes: number): string => new Money(minutes).dividedBy(60).toFixed(2, Money.ROUND_HALF_UP)
/** Days from halves: exact (x.0 or x.5). */
const daysText = (halves: number): string => new Money(halves).dividedBy(2).toFixed(1)

function tableOf(rows: readonly LedgerRow[], opt: LedgerExportOptions): Table {
  rows.forEach(checkRow)
  const payLabels = labelsOf(rows, (r) => r.payable)
  const deductionLabels = labelsOf(rows, (r) => r.deductions)
  const header = [
    '工资所属期',
    '用人单位',
    '班组',
    '姓名',
    '身份证号',
    '联系电话',
    '出勤天数',
    '工时（小时）',
    ...payLabels.map((l) => `应发：${l}`),
    '应发合计',
    ...deductionLabels.map((l) => `扣款：${l}`),
    '扣款合计',
    '应付金额（工资表实发）',
    '实际支付金额',
    '未付金额',
    '银行卡号',
    '开户银行',
    '支付日期',
    '银行凭证号',
    '支付状态',
    '本人确认时间',
    '确认方式',
  ]
  const firstAmount = 8
  const amountCount = payLabels.length + 1 + deductionLabels.length + 4
  const amountColumns = Array.from({ length: amountCount }, (_, i) => firstAmount + i)
  const reveal = opt.reveal === true
  const table: Cell[][] = rows.map((r) => {
    const payableFen = sumFen(r.payable.map((i) => i.amountFen))
    const deductedFen = sumFen(r.deductions.map((i) => i.amountFen))
    const c = r.confirmation
    return [
      ours(r.month),
      text(r.employerName),
      text(r.teamName),
      text(r.workerName),
      // Masked, its first six characters are still as entered: guarded like any text from data.
      text(reveal ? r.idNumber : maskIdNumber(r.idNumber)),
      text(r.phone === null ? null : reveal ? r.phone : maskPhone(r.phone)),
      { kind: 'number', text: daysText(r.creditHalves) },
      { kind: 'number', text: hoursText(r.workedMinutes) },
      ...payLabels.map((l): Cell => ({ kind: 'yuan', fen: byLabel(r.payable, l) })),
      { kind: 'yuan', fen: payableFen },
      ...deductionLabels.map((l): Cell => ({ kind: 'yuan', fen: byLabel(r.deductions, l) })),
      { kind: 'yuan', fen: deductedFen },
      { kind: 'yuan', fen: r.netFen },
      { kind: 'yuan', fen: r.paidFen },
      { kind: 'yuan', fen: shortOf(r) },
      text(reveal ? r.cardNo : maskCard(r.cardNo)),
      text(r.bankName),
      ours(r.payDate ?? ''),
      text(r.voucherRef),
      ours(paymentStateText(r)),
      ours(c === null ? '' : `${workDateOf(c.atMs, opt.timeZone)} ${localTimeOf(c.atMs, opt.timeZone).slice(0, 5)}`),
      ours(c === null ? '' : CHANNEL_TEXT[c.channel]),
    ]
  })
  const totals = new Map<number, Fen>()
  for (const col of amountColumns) {
    totals.set(col, sumFen(table.map((cells) => { const cell = cells[col]; return cell?.kind === 'yuan' ? cell.fen : ZERO_FEN })))
  }
  return { header, amountColumns, rows: table, totals, cardColumn: firstAmount + amountCount }
}

// ---- CSV -------------------------------------------------------------------------

const BOM = Buffer.from([0xef, 0xbb, 0xbf])

function csvCell(cell: Cell): string {
  switch (cell.kind) {
    case 'text':
      return cell.fromData ? defuseFormula(cell.text) : cell.text
    case 'yuan':
      return formatYuan(cell.fen)
    case 'number':
      return cell.text
  }
}

/**
 * The ledger as CSV: UTF-8 with a BOM (Excel reads a BOM-less file in the machine's legacy code page and garbles every
 * Chinese name), CRLF line endings, RFC 4180 quoting; one header row, one row per worker-month in the order given, and
 * a totals row (合计) of the amount columns. All months in one table: the first column says which.
 *
 * A revealed 18-digit ID number or 19-digit card is written as it is: Excel opening a CSV shows it as a rounded number,
 * which is why people get the XLSX, where every such cell is text.
 */
export function ledgerCsv(rows: readonly LedgerRow[], opt: LedgerExportOptions): Buffer {
  const t = tableOf(rows, opt)
  const lines = [t.header.map(csvField).join(',')]
  for (const r of t.rows) lines.push(r.map((c) => csvField(csvCell(c))).join(','))
  const totalsRow = t.header.map((_, col) => (col === 0 ? '合计' : t.totals.has(col) ? formatYuan(t.totals.get(col)!) : ''))
  lines.push(totalsRow.map(csvField).join(','))
  return Buffer.concat([BOM, Buffer.from(lines.join('\r\n') + '\r\n', 'utf8')])
}

// ---- XLSX ------------------------------------------------------------------------

/** Amount cells: yuan, thousands separated, two decimals. */
export const LEDGER_YUAN_FORMAT = '#,##0.00'

/**
 * Fen as the cell's number of yuan: the exact decimal text from formatYuan, turned into a number only here, so the
 * cell holds the double nearest to the exact amount (as Excel would on typing it), never the result of float arithmetic.
 */
const yuanNumber = (f: Fen): number => Number(formatYuan(f))

/** A1-style column letters: 1 → A, 27 → AA. */
function columnLetter(n: number): string {
  let s = ''
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(65 + ((k - 1) % 26)) + s
  return s
}

function addSheet(workbook: Workbook, month: Month, rows: readonly LedgerRow[], opt: LedgerExportOptions): void {
  const t = tableOf(rows, opt)
  // The header stays in view while scrolling through a large project's workers.
  const sheet = workbook.addWorksheet(month, { views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }] })
  sheet.addRow(t.header).font = { bold: true }
  for (const r of t.rows) {
    const row = sheet.addRow(
      r.map((c) => {
        switch (c.kind) {
          // Text from data stays text (no formula can be typed into a string cell), ID and card numbers included.
          case 'text':
            // Nothing to show (no phone, no voucher yet) is an empty cell, not an empty string.
            return c.text === '' ? null : c.text
          case 'yuan':
            return yuanNumber(c.fen)
          case 'number':
            return Number(c.text)
        }
      }),
    )
    r.forEach((c, i) => {
      if (c.kind === 'yuan') row.getCell(i + 1).numFmt = LEDGER_YUAN_FORMAT
    })
  }
  const first = 2
  const last = t.rows.length + 1
  const totals = sheet.addRow(t.header.map((_, col) => (col === 0 ? '合计' : null)))
  totals.font = { bold: true }
  for (const col of t.amountColumns) {
    const letter = columnLetter(col + 1)
    const cell = totals.getCell(col + 1)
    cell.value = { formula: `SUM(${letter}${first}:${letter}${last})`, result: yuanNumber(t.totals.get(col)!) }
    cell.numFmt = LEDGER_YUAN_FORMAT
  }
  sheet.columns.forEach((column, i) => {
    column.width = t.amountColumns.includes(i) ? 14 : i === 4 || i === t.cardColumn ? 22 : 12
  })
}

/** The ledger as a workbook: one sheet per pay month (named YYYY-MM, in month order), rows in the order given. */
export async function ledgerWorkbook(rows: readonly LedgerRow[], opt: LedgerExportOptions): Promise<Workbook> {
  rows.forEach(checkRow)
  // A workbook needs a sheet; a month with no workers has no ledger lines to show.
  if (rows.length === 0) throw new LedgerExportError('no_rows', 'the ledger has no lines: there is no month to make a sheet of')
  const ExcelJS = await loadExcel()
  const workbook = new ExcelJS.Workbook()
  workbook.creator = 'wage-ledger'
  if (opt.createdAtMs !== undefined) {
    workbook.created = new Date(opt.createdAtMs)
    workbook.modified = new Date(opt.createdAtMs)
  }
  const months = [...new Set(rows.map((r) => r.month))].sort()
  for (const month of months) addSheet(workbook, month, rows.filter((r) => r.month === month), opt)
  return workbook
}

/** The workbook as .xlsx bytes. */
export async function ledgerXlsx(rows: readonly LedgerRow[], opt: LedgerExportOptions): Promise<Buffer> {
  return Buffer.from(await (await ledgerWorkbook(rows, opt)).xlsx.writeBuffer())
}
