/**
 * Complaint clues (欠薪线索, issue 15) read from a file, as the 12333 hotline's system or another department exports
 * its tickets: one row a clue, with the ticket's number (never taken twice), when it was taken, the project's site code
 * or the employer's unified social credit code, the workers and amount complained of, and what was asked.
 *
 * The reading is the roster import's (src/roster/roster-import-file.ts: CSV in UTF-8 with or without a BOM or GBK,
 * XLSX, a title row above the header, headers under their usual names); the rows are checked here, every row, and
 * the file is importable only when none has a problem (all or nothing, as signal and payout files are). What needs
 * the database (a site code's project, a ticket already held) is checked by the import service, and its problems are
 * reported in the same list.
 *
 * Pure: bytes (and the instant and zone times are read in) in, clues and row problems out.
 */
import { parseYuan, type Fen } from '../kernel/money.ts'
import { isMonth, isWorkDate, parseLocalDateTime, type Month } from '../kernel/time.ts'
import { isCreditCode } from '../roster/identity.ts'
import { decodeCsv, fileKindOf, headerKey, parseCsv } from '../roster/roster-import-file.ts'

export type ClueFileField = 'externalRef' | 'receivedAt' | 'siteCode' | 'creditCode' | 'headcount' | 'amount' | 'summary' | 'month'

/** Each field's header names as hotline and department exports title them (compared as the roster import compares headers). */
export const CLUE_FILE_COLUMNS: Readonly<Record<ClueFileField, readonly string[]>> = {
  externalRef: ['工单编号', '工单号', '受理编号', '线索编号', 'externalRef'],
  receivedAt: ['受理时间', '来电时间', '登记时间', 'receivedAt'],
  siteCode: ['项目编号', '项目代码', 'siteCode'],
  creditCode: ['统一社会信用代码', '社会信用代码', '信用代码', 'employerCreditCode'],
  headcount: ['涉及人数', '欠薪人数', '人数', 'headcount'],
  amount: ['涉及金额', '欠薪金额', '金额', 'amountYuan'],
  summary: ['诉求内容', '投诉内容', '反映内容', 'summary'],
  month: ['欠薪月份', '所属月份', 'month'],
}

const REQUIRED: readonly ClueFileField[] = ['externalRef', 'receivedAt', 'headcount', 'amount', 'summary']

/** A hotline's export is a day's or a week's tickets; beyond this the file is refused rather than read. */
export const CLUE_FILE_ROWS_MAX = 5_000
/** As POST /api/clues bounds them. */
export const CLUE_REF_LENGTH_MAX = 100
export const CLUE_SUMMARY_LENGTH_MAX = 2_000
export const CLUE_HEADCOUNT_MAX = 1_000_000

export interface ClueFileRow {
  externalRef: string
  receivedAtMs: number
  siteCode: string | null
  creditCode: string | null
  headcount: number
  amountFen: Fen
  summary: string
  month: Month | null
}

export type ClueFileProblem =
  | { code: 'missing'; field: ClueFileField }
  | { code: 'too_long'; field: ClueFileField; max: number }
  | { code: 'received_at_invalid'; value: string }
  | { code: 'received_in_future'; value: string }
  | { code: 'site_or_employer_required' }
  | { code: 'credit_code_invalid'; value: string }
  | { code: 'headcount_invalid'; value: string }
  | { code: 'amount_invalid'; value: string }
  | { code: 'month_invalid'; value: string }
  | { code: 'duplicate'; firstRow: number }
  // Found by the import service against what is stored:
  | { code: 'site_unknown'; value: string }
  | { code: 'external_ref_taken'; value: string; clueId: string }

export type ClueFileFault = { kind: 'not_a_spreadsheet' } | { kind: 'no_header'; missing: ClueFileField[] } | { kind: 'no_rows' } | { kind: 'too_many_rows'; max: number }

export interface ClueFileReading {
  format: 'csv' | 'xlsx'
  /** Rows as read, numbered as a person sees them in the file (the header's row is 1 in a CSV with none above it). */
  rows: Array<{ row: number; clue?: ClueFileRow; problems: ClueFileProblem[] }>
}

export class ClueFileError extends Error {
  constructor(readonly fault: ClueFileFault) {
    super(`clue file refused: ${fault.kind}`)
  }
}

/** When the file was read: the instant (no ticket is taken after it) and the zone a time without one is read in. */
export interface ClueFileContext {
  nowMs: number
  timeZone: string
}

/** An instant with its offset (ISO 8601), as an API exports it. */
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})$/

/**
 * 受理时间 as exports write it: ISO with an offset, or a wall time in the zone (2026-11-27 15:00, 2026/11/27 15:00:00,
 * 2026年11月27日 15:00). A date without a time is refused: the 2-hour incident clock starts at it.
 */
export function receivedAtOf(text: string, timeZone: string): number | undefined {
  const t = text.trim()
  if (ZONED_TIME.test(t)) {
    // Date.parse rolls 30 February over to 2 March and takes 24:00: the day and the time must be real as written.
    const [hh, mm, ss] = [t.slice(11, 13), t.slice(14, 16), t[16] === ':' ? t.slice(17, 19) : '00'].map(Number) as [number, number, number]
    if (!isWorkDate(t.slice(0, 10)) || hh > 23 || mm > 59 || ss > 59) return undefined
    const ms = Date.parse(t)
    return Number.isNaN(ms) ? undefined : ms
  }
  const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*[ T]?\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?\s*秒?$/.exec(t)
  if (!m) return undefined
  const p2 = (s: string | undefined): string => (s ?? '0').padStart(2, '0')
  return parseLocalDateTime(`${m[1]}-${p2(m[2])}-${p2(m[3])} ${p2(m[4])}:${p2(m[5])}:${p2(m[6])}`, timeZone)
}

/**
 * An amount as people write it, made fen exactly: yuan (12,000.50 元, ￥12000.5), or 万元 (ten thousand yuan) where
 * the value says so (36万, 1.5万元) or its column's header does (涉及金额（万元）), as departments' exports often count.
 * Commas only between groups of three digits: 12,50 is a decimal comma or a typo, and either way not ¥1,250.
 */
export function clueAmountFen(text: string, inWan: boolean): Fen | undefined {
  let t = text.replace(/[¥￥\s]/g, '')
  let wan = inWan
  if (/万元?$/.test(t)) {
    wan = true
    t = t.replace(/万元?$/, '')
  } else t = t.replace(/元$/, '')
  if (/[,，]/.test(t)) {
    if (!/^-?\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?$/.test(t)) return undefined
    t = t.replace(/[,，]/g, '')
  }
  if (!wan) return parseYuan(t)
  // 万元 to yuan by moving the point four places: exact, and at most six decimals (a fen) are meaningful.
  const m = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(t)
  if (!m) return undefined
  const frac = (m[3] ?? '').padEnd(6, '0')
  const whole = `${m[2]}${frac.slice(0, 4)}`.replace(/^0+(?=\d)/, '')
  return parseYuan(`${m[1]}${whole}.${frac.slice(4)}`)
}

/** Whether an amount column's header names 万元 as its unit (涉及金额（万元）): headerKey drops the bracket, so it is read here. */
export function amountHeaderInWan(header: string | undefined): boolean {
  return /万元/.test(header ?? '')
}

/** Checks one row's text cells; the row's own problems, or the clue. */
export function checkClueRow(
  cells: Partial<Record<ClueFileField, string>>,
  ctx: ClueFileContext,
  options: { amountInWan?: boolean } = {},
): { clue?: ClueFileRow; problems: ClueFileProblem[] } {
  const problems: ClueFileProblem[] = []
  const v = (f: ClueFileField): string => (cells[f] ?? '').trim()
  for (const f of REQUIRED) if (v(f) === '') problems.push({ code: 'missing', field: f })
  const externalRef = v('externalRef')
  if (externalRef.length > CLUE_REF_LENGTH_MAX) problems.push({ code: 'too_long', field: 'externalRef', max: CLUE_REF_LENGTH_MAX })
  const summary = v('summary')
  if (summary.length > CLUE_SUMMARY_LENGTH_MAX) problems.push({ code: 'too_long', field: 'summary', max: CLUE_SUMMARY_LENGTH_MAX })
  const receivedAtMs = v('receivedAt') === '' ? undefined : receivedAtOf(v('receivedAt'), ctx.timeZone)
  if (v('receivedAt') !== '' && receivedAtMs === undefined) problems.push({ code: 'received_at_invalid', value: v('receivedAt') })
  if (receivedAtMs !== undefined && receivedAtMs > ctx.nowMs) problems.push({ code: 'received_in_future', value: v('receivedAt') })
  const siteCode = v('siteCode')
  const creditCode = v('creditCode').toUpperCase()
  if (siteCode === '' && creditCode === '') problems.push({ code: 'site_or_employer_required' })
  if (creditCode !== '' && !isCreditCode(creditCode)) problems.push({ code: 'credit_code_invalid', value: creditCode })
  const headcountText = v('headcount').replace(/人$/, '')
  const headcount = /^\d{1,7}$/.test(headcountText) ? Number(headcountText) : undefined
  if (v('headcount') !== '' && (headcount === undefined || headcount < 1 || headcount > CLUE_HEADCOUNT_MAX)) problems.push({ code: 'headcount_invalid', value: v('headcount') })
  const amountFen = v('amount') === '' ? undefined : clueAmountFen(v('amount'), options.amountInWan ?? false)
  if (v('amount') !== '' && (amountFen === undefined || amountFen < 0)) problems.push({ code: 'amount_invalid', value: v('amount') })
  const monthText = v('month')
  const mm = /^(\d{4})\s*(?:[-/.年]\s*)?(\d{1,2})\s*月?$/.exec(monthText)
  const month = mm ? `${mm[1]}-${mm[2]!.padStart(2, '0')}` : ''
  if (monthText !== '' && !isMonth(month)) problems.push({ code: 'month_invalid', value: monthText })
  if (problems.length > 0 || receivedAtMs === undefined || headcount === undefined || amountFen === undefined) return { problems }
  return {
    problems,
    clue: { externalRef, receivedAtMs, siteCode: siteCode || null, creditCode: creditCode || null, headcount, amountFen, summary, month: monthText === '' ? null : month },
  }
}

function fieldColumns(header: readonly string[]): Partial<Record<ClueFileField, number>> {
  const cols: Partial<Record<ClueFileField, number>> = {}
  header.forEach((cell, i) => {
    const key = headerKey(cell)
    for (const [field, names] of Object.entries(CLUE_FILE_COLUMNS) as Array<[ClueFileField, readonly string[]]>) {
      if (cols[field] === undefined && names.some((n) => headerKey(n) === key)) cols[field] = i
    }
  })
  return cols
}

/** A grid of text (CSV or a worksheet): the header among the first ten rows, then every non-blank row, checked. */
export function readClueGrid(grid: readonly (readonly string[])[], format: 'csv' | 'xlsx', ctx: ClueFileContext): ClueFileReading {
  let headerAt = -1
  let cols: Partial<Record<ClueFileField, number>> = {}
  let bestMissing: ClueFileField[] = [...REQUIRED]
  for (let i = 0; i < Math.min(grid.length, 10); i++) {
    const c = fieldColumns(grid[i] ?? [])
    const missing = REQUIRED.filter((f) => c[f] === undefined)
    const siteOrEmployer = c.siteCode !== undefined || c.creditCode !== undefined
    if (missing.length === 0 && siteOrEmployer) {
      headerAt = i
      cols = c
      break
    }
    if (missing.length < bestMissing.length) bestMissing = missing
  }
  if (headerAt < 0) throw new ClueFileError({ kind: 'no_header', missing: bestMissing.length > 0 ? bestMissing : ['siteCode', 'creditCode'] })
  const amountInWan = cols.amount !== undefined && amountHeaderInWan(grid[headerAt]?.[cols.amount])
  const rows: Array<{ row: number; cells: Partial<Record<ClueFileField, string>> }> = []
  for (let i = headerAt + 1; i < grid.length; i++) {
    const line = grid[i] ?? []
    if (line.every((c) => c.trim() === '')) continue
    const cells: Partial<Record<ClueFileField, string>> = {}
    for (const [field, col] of Object.entries(cols) as Array<[ClueFileField, number]>) cells[field] = line[col] ?? ''
    rows.push({ row: i + 1, cells })
  }
  if (rows.length === 0) throw new ClueFileError({ kind: 'no_rows' })
  if (rows.length > CLUE_FILE_ROWS_MAX) throw new ClueFileError({ kind: 'too_many_rows', max: CLUE_FILE_ROWS_MAX })
  // A ticket twice in one file is refused at its second appearance: which of the two is right is the sender's call.
  const seen = new Map<string, number>()
  return {
    format,
    rows: rows.map(({ row, cells }) => {
      const r = checkClueRow(cells, ctx, { amountInWan })
      const ref = (cells.externalRef ?? '').trim()
      if (ref === '') return { row, ...r }
      const first = seen.get(ref)
      if (first !== undefined) return { row, problems: [...r.problems, { code: 'duplicate' as const, firstRow: first }] }
      seen.set(ref, row)
      return { row, ...r }
    }),
  }
}

/** Reads a file by its bytes: XLSX by its ZIP signature, CSV otherwise. */
export async function readClueFile(bytes: Uint8Array, ctx: ClueFileContext): Promise<ClueFileReading> {
  const kind = fileKindOf(bytes)
  if (kind === 'xls') throw new ClueFileError({ kind: 'not_a_spreadsheet' })
  if (kind === 'xlsx') {
    const { xlsxGrid } = await import('../roster/roster-import-xlsx.ts')
    let grid: string[][]
    try {
      grid = await xlsxGrid(bytes, { dateTimes: true })
    } catch {
      throw new ClueFileError({ kind: 'not_a_spreadsheet' })
    }
    return readClueGrid(grid, 'xlsx', ctx)
  }
  return readClueGrid(parseCsv(decodeCsv(bytes)), 'csv', ctx)
}

/** A row problem as the person fixing the file reads it. */
export function clueProblemText(p: ClueFileProblem): string {
  switch (p.code) {
    case 'missing':
      return `缺少${CLUE_FILE_COLUMNS[p.field][0]}`
    case 'too_long':
      return `${CLUE_FILE_COLUMNS[p.field][0]}超过 ${p.max} 个字符`
    case 'received_at_invalid':
      return `受理时间"${p.value}"不是日期和时间（如 2026-11-27 15:00，北京时间）`
    case 'received_in_future':
      return `受理时间"${p.value}"晚于现在`
    case 'site_or_employer_required':
      return '项目编号和统一社会信用代码至少填一项'
    case 'credit_code_invalid':
      return `统一社会信用代码 ${p.value} 不正确（18 位，校验位不符）`
    case 'headcount_invalid':
      return `涉及人数"${p.value}"应为正整数`
    case 'amount_invalid':
      return `涉及金额"${p.value}"不是以元为单位、最多两位小数的非负数`
    case 'month_invalid':
      return `欠薪月份"${p.value}"不是年月（如 2026-10）`
    case 'duplicate':
      return `工单编号与第 ${p.firstRow} 行重复`
    case 'site_unknown':
      return `项目编号 ${p.value} 不在平台上`
    case 'external_ref_taken':
      return `工单编号 ${p.value} 已导入为另一条内容不同的线索`
  }
}
