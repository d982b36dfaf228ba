/**
 * An XLSX 花名册's first worksheet as a grid of text, for roster-import-file.ts. exceljs is loaded on the first file
 * read (src/kernel/xlsx.ts).
 *
 * Cells are read as a person sees them: a date cell (Excel keeps days since 1900) becomes YYYY-MM-DD, a formula its
 * result, rich text its characters. A number is written as JavaScript prints it, below 10^15: an 18-digit ID number or
 * a card number that Excel stored as a number has already lost its last digits (Excel keeps 15), so it is written in
 * Excel's scientific form and the row's check says so (roster-import.ts: stored_as_number) rather than taking the
 * zeros Excel put in their place.
 */
import { loadExcel } from '../kernel/xlsx.ts'
import { RosterFileError } from './roster-import-file.ts'

/**
 * Excel's date cells carry no zone: exceljs hands them over as UTC midnight of the day shown. A number in a date cell
 * far past any calendar (a phone number under a date format) comes over as an invalid Date: written so, the row's
 * check refuses the field instead of the read failing.
 */
const INVALID_DATE = 'Invalid Date'
const dateText = (d: Date): string => (Number.isNaN(d.getTime()) ? INVALID_DATE : d.toISOString().slice(0, 10))

/**
 * Whether a cell's number format shows a time of day: an hour in it outside quoted text and [...] sections
 * (`yyyy-mm-dd hh:mm`, `m/d/yy h:mm`, `yyyy"年"m"月"d"日" h"时"mm"分"`), or AM/PM.
 */
export function formatShowsTime(numFmt: string | undefined): boolean {
  if (!numFmt) return false
  const bare = numFmt.replace(/"[^"]*"/g, '').replace(/\\[^]/g, '').replace(/\[[^\]]*\]/g, '')
  return /[hH]/.test(bare) || /AM\/PM|A\/P/i.test(bare)
}

/**
 * A date-time cell as the wall time shown (YYYY-MM-DD HH:MM:SS), to the nearest second: Excel keeps a time as a
 * fraction of a day, which comes back a millisecond off. Midnight is a date alone, as dateText writes it, unless the
 * cell's format shows a time: a ticket taken at 00:00 is a time, and a day without one is not.
 */
function dateTimeText(d: Date, showsTime: boolean): string {
  if (Number.isNaN(d.getTime())) return INVALID_DATE
  const s = new Date(Math.round(d.getTime() / 1000) * 1000).toISOString()
  return s.slice(11, 19) === '00:00:00' && !showsTime ? s.slice(0, 10) : `${s.slice(0, 10)} ${s.slice(11, 19)}`
}

function cellText(value: unknown, dateTimes: boolean, numFmt?: string): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  // Excel keeps 15 significant digits: a number from 10^15 up (an ID or card number typed into a General cell) has
  // lost the rest. Written as Excel shows it (6.217E+18), the row's check says stored_as_number.
  if (typeof value === 'number') return Math.abs(value) >= 1e15 ? value.toExponential().toUpperCase() : String(value)
  if (typeof value === 'boolean') return value ? '是' : '否'
  if (value instanceof Date) return dateTimes ? dateTimeText(value, formatShowsTime(numFmt)) : dateText(value)
  if (typeof value === 'object') {
    const v = value as { richText?: Array<{ text: string }>; result?: unknown; text?: unknown; error?: string }
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join('')
    if ('result' in v) return cellText(v.result, dateTimes, numFmt)
    if ('text' in v) return cellText(v.text, dateTimes, numFmt)
  }
  return ''
}

/** `dateTimes`: keep a date cell's time of day (a clue's 受理时间); a roster's dates are days, and stay so. */
export async function xlsxGrid(bytes: Uint8Array, options: { dateTimes?: boolean } = {}): Promise<string[][]> {
  const grids = await xlsxGrids(bytes, options)
  const first = grids[0]
  if (!first) throw new RosterFileError({ kind: 'no_rows' })
  return first
}

/** The grid of every visible worksheet, in the workbook's order (a 填表说明 sheet may come before the roster). */
export async function xlsxGrids(bytes: Uint8Array, options: { dateTimes?: boolean } = {}): Promise<string[][][]> {
  const dateTimes = options.dateTimes ?? false
  const ExcelJS = await loadExcel()
  const book = new ExcelJS.Workbook()
  try {
    await book.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer)
  } catch {
    throw new RosterFileError({ kind: 'not_a_spreadsheet' })
  }
  return book.worksheets.filter((sheet) => sheet.state !== 'hidden' && sheet.state !== 'veryHidden').map((sheet) => gridOf(sheet, dateTimes))
}

function gridOf(sheet: import('exceljs').Worksheet, dateTimes: boolean): string[][] {
  const grid: string[][] = []
  sheet.eachRow({ includeEmpty: true }, (row, rowNumber) => {
    const cells: string[] = []
    row.eachCell({ includeEmpty: true }, (cell, col) => {
      cells[col - 1] = cellText(cell.value, dateTimes, cell.numFmt)
    })
    grid[rowNumber - 1] = Array.from(cells, (c) => c ?? '')
  })
  return Array.from(grid, (r) => r ?? [])
}
