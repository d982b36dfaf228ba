/**
 * The departments' monthly employer signals (联合预警监控, issue 15) read from a file: tax or fee arrears, social
 * insurance arrears, utility arrears or a cut-off, lawsuits, abnormal operation, work stoppage, each keyed by the
 * employer's unified social credit code, with its source, period, amount where there is one, and severity.
 *
 * Departments send what their own systems export: CSV (UTF-8 with or without a BOM, or GBK; commas or tabs), XLSX, or
 * JSON from a data-sharing platform. The reading is the roster import's (src/roster/roster-import-file.ts: encodings,
 * a title row above the header, headers under their usual names); the rows are checked here, every row, and the file
 * is importable only when none has a problem (all or nothing, as payout files are). Employers not on the roster are
 * kept like the others: they are matched when they appear.
 *
 * Pure: bytes in, signals and row problems out. The import service stores the file whole and its signals once
 * (the same file again is the same import).
 */
import type { Fen } from '../kernel/money.ts'
import { isMonth, type Month } from '../kernel/time.ts'
import { isCreditCode } from '../roster/identity.ts'
import { decodeCsv, fileKindOf, headerKey, parseCsv } from '../roster/roster-import-file.ts'
import { amountHeaderInWan, clueAmountFen } from './clue-file.ts'
import type { OutsideKind } from './risk-index.ts'

export type SignalField = 'creditCode' | 'employerName' | 'signal' | 'source' | 'period' | 'amount' | 'severity'

/** Each field's header names as departments' exports title them (compared as the roster import compares headers). */
export const SIGNAL_COLUMNS: Readonly<Record<SignalField, readonly string[]>> = {
  creditCode: ['统一社会信用代码', '社会信用代码', '信用代码', 'creditCode'],
  employerName: ['单位名称', '企业名称', '用人单位', '纳税人名称', 'employerName'],
  signal: ['预警类型', '信号类型', '异常类型', '事项', 'signal'],
  source: ['来源部门', '数据来源', '报送部门', 'source'],
  period: ['所属期', '所属月份', '期间', 'period'],
  amount: ['金额', '欠费金额', '涉及金额', 'amountYuan'],
  severity: ['等级', '预警等级', '严重程度', 'severity'],
}

const REQUIRED: readonly SignalField[] = ['creditCode', 'signal', 'source', 'period', 'severity']

/** The kinds under the names departments use for them (and the kinds' own keys, for JSON). */
const KIND_NAMES: ReadonlyArray<readonly [OutsideKind, readonly string[]]> = [
  ['tax_arrears', ['欠税', '欠缴税费', '欠缴税款', '税费欠缴']],
  ['social_insurance_arrears', ['欠缴社保', '社保欠费', '欠缴社会保险费', '社会保险欠费']],
  ['utility_cutoff', ['停水', '停电', '停水停电', '断电', '断水']],
  ['utility_arrears', ['欠缴水费', '欠缴电费', '水电欠费', '欠缴水电费', '欠费']],
  ['lawsuit', ['涉诉', '诉讼', '被诉', '被起诉']],
  ['abnormal_operation', ['经营异常', '列入经营异常名录']],
  ['work_stoppage', ['停工', '停产', '停业']],
]

const SEVERITY_NAMES: Readonly<Record<string, 1 | 2 | 3>> = { '1': 1, '2': 2, '3': 3, 一般: 1, 低: 1, 较重: 2, 中: 2, 严重: 3, 高: 3 }

export function kindOf(text: string): OutsideKind | undefined {
  const t = text.trim()
  for (const [kind, names] of KIND_NAMES) if (t === kind || names.includes(t)) return kind
  return undefined
}

export interface OutsideSignalRow {
  creditCode: string
  employerName: string | null
  signal: OutsideKind
  source: string
  period: Month
  amountFen: Fen | null
  severity: 1 | 2 | 3
}

export type SignalProblem =
  | { code: 'missing'; field: SignalField }
  | { code: 'credit_code_invalid'; value: string }
  | { code: 'signal_unknown'; value: string }
  | { code: 'period_invalid'; value: string }
  | { code: 'amount_invalid'; value: string }
  | { code: 'severity_invalid'; value: string }
  | { code: 'duplicate'; firstRow: number }

export type FileFault = { kind: 'not_a_spreadsheet' } | { kind: 'no_header'; missing: SignalField[] } | { kind: 'no_rows' } | { kind: 'too_many_rows'; max: number } | { kind: 'json_invalid'; reason: string }

export interface SignalFileReading {
  format: 'csv' | 'xlsx' | 'json'
  /** Rows as read, numbered as a person sees them in the file (the header's row is 1 in a CSV with none above it). */
  rows: Array<{ row: number; signal?: OutsideSignalRow; problems: SignalProblem[] }>
  /** True when every row is clean: the file may be stored. */
  importable: boolean
}

export class SignalFileError extends Error {
  constructor(readonly fault: FileFault) {
    super(`signal file refused: ${fault.kind}`)
  }
}

/** A department's monthly file stays far below this; beyond it, the file is refused rather than read. */
export const SIGNAL_ROWS_MAX = 200_000

/**
 * Checks one row's text cells; the row's own problems, or the signal. `amountInWan`: the amount column's header names
 * 万元 as its unit (欠费金额（万元）). Amounts are read as clue files read them (clue-file.ts clueAmountFen): yuan, or
 * 万元 where the header or the value says so (36万), commas only between groups of three digits (3500,00 is a decimal
 * comma or a typo: refused, never ¥350,000).
 */
export function checkRow(cells: Partial<Record<SignalField, string>>, options: { amountInWan?: boolean } = {}): { signal?: OutsideSignalRow; problems: SignalProblem[] } {
  const problems: SignalProblem[] = []
  const v = (f: SignalField): string => (cells[f] ?? '').trim()
  for (const f of REQUIRED) if (v(f) === '') problems.push({ code: 'missing', field: f })
  const creditCode = v('creditCode').toUpperCase()
  if (creditCode !== '' && !isCreditCode(creditCode)) problems.push({ code: 'credit_code_invalid', value: creditCode })
  const signal = v('signal') === '' ? undefined : kindOf(v('signal'))
  if (v('signal') !== '' && !signal) problems.push({ code: 'signal_unknown', value: v('signal') })
  // 2026-11, 2026/11, 202611 and 2026年11月 all name a month.
  const periodText = v('period')
  const m = /^(\d{4})\s*(?:[-/.年]\s*)?(\d{1,2})\s*月?$/.exec(periodText)
  const period = m ? `${m[1]}-${m[2]!.padStart(2, '0')}` : ''
  if (periodText !== '' && !isMonth(period)) problems.push({ code: 'period_invalid', value: periodText })
  const amountFen = v('amount') === '' ? null : clueAmountFen(v('amount'), options.amountInWan ?? false)
  if (amountFen === undefined || (amountFen !== null && amountFen < 0)) problems.push({ code: 'amount_invalid', value: v('amount') })
  const severity = SEVERITY_NAMES[v('severity')]
  if (v('severity') !== '' && severity === undefined) problems.push({ code: 'severity_invalid', value: v('severity') })
  if (problems.length > 0 || !signal || severity === undefined) return { problems }
  return {
    problems,
    signal: { creditCode, employerName: v('employerName') || null, signal, source: v('source'), period: period, amountFen: amountFen ?? null, severity },
  }
}

function fieldColumns(header: readonly string[]): Partial<Record<SignalField, number>> {
  const cols: Partial<Record<SignalField, number>> = {}
  header.forEach((cell, i) => {
    const key = headerKey(cell)
    for (const [field, names] of Object.entries(SIGNAL_COLUMNS) as Array<[SignalField, readonly string[]]>) {
      if (cols[field] === undefined && names.some((n) => headerKey(n) === key)) cols[field] = i
    }
  })
  return cols
}

/** The rows' checks, with a duplicate (same employer, kind, source and period) refused at its second appearance. */
function checkAll(rows: Array<{ row: number; cells: Partial<Record<SignalField, string>> }>, format: SignalFileReading['format'], options: { amountInWan?: boolean } = {}): SignalFileReading {
  if (rows.length === 0) throw new SignalFileError({ kind: 'no_rows' })
  if (rows.length > SIGNAL_ROWS_MAX) throw new SignalFileError({ kind: 'too_many_rows', max: SIGNAL_ROWS_MAX })
  const seen = new Map<string, number>()
  const out = rows.map(({ row, cells }) => {
    const r = checkRow(cells, options)
    if (r.signal) {
      const key = [r.signal.creditCode, r.signal.signal, r.signal.source, r.signal.period].join('|')
      const first = seen.get(key)
      if (first !== undefined) return { row, problems: [{ code: 'duplicate' as const, firstRow: first }] }
      seen.set(key, row)
    }
    return { row, ...r }
  })
  return { format, rows: out, importable: out.every((r) => r.problems.length === 0) }
}

/** A grid of text (CSV or a worksheet): the header among the first ten rows, then every non-blank row. */
export function readSignalGrid(grid: readonly (readonly string[])[], format: 'csv' | 'xlsx'): SignalFileReading {
  let headerAt = -1
  let cols: Partial<Record<SignalField, number>> = {}
  for (let i = 0; i < Math.min(grid.length, 10); i++) {
    const c = fieldColumns(grid[i] ?? [])
    if (c.creditCode !== undefined && c.signal !== undefined) {
      headerAt = i
      cols = c
      break
    }
  }
  if (headerAt < 0) {
    const c = fieldColumns(grid[0] ?? [])
    throw new SignalFileError({ kind: 'no_header', missing: REQUIRED.filter((f) => c[f] === undefined) })
  }
  const rows: Array<{ row: number; cells: Partial<Record<SignalField, string>> }> = []
  for (let i = headerAt + 1; i < grid.length; i++) {
    const line = grid[i] ?? []
    if (line.every((c) => c.trim() === '')) continue
    const cells: Partial<Record<SignalField, string>> = {}
    for (const [field, col] of Object.entries(cols) as Array<[SignalField, number]>) cells[field] = line[col] ?? ''
    rows.push({ row: i + 1, cells })
  }
  return checkAll(rows, format, { amountInWan: cols.amount !== undefined && amountHeaderInWan(grid[headerAt]?.[cols.amount]) })
}

/** JSON as data-sharing platforms send it: an array of objects, or { "signals": [...] }, with the fields' own names. */
export function readSignalJson(text: string): SignalFileReading {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new SignalFileError({ kind: 'json_invalid', reason: (err as Error).message })
  }
  const list = Array.isArray(doc) ? doc : doc !== null && typeof doc === 'object' && Array.isArray((doc as { signals?: unknown }).signals) ? (doc as { signals: unknown[] }).signals : undefined
  if (!list) throw new SignalFileError({ kind: 'json_invalid', reason: 'expected an array of signals, or an object with "signals"' })
  const text_ = (x: unknown): string => (typeof x === 'string' ? x : typeof x === 'number' ? String(x) : '')
  const rows = list.map((item, i) => {
    const o = (item !== null && typeof item === 'object' ? item : {}) as Record<string, unknown>
    const cells: Partial<Record<SignalField, string>> = {}
    for (const f of Object.keys(SIGNAL_COLUMNS) as SignalField[]) cells[f] = text_(o[f === 'amount' ? 'amountYuan' : f])
    return { row: i + 1, cells }
  })
  return checkAll(rows, 'json')
}

/** Reads a file by its bytes: XLSX by its ZIP signature, JSON by its first character, CSV otherwise. */
export async function readSignalFile(bytes: Uint8Array): Promise<SignalFileReading> {
  const kind = fileKindOf(bytes)
  if (kind === 'xls') throw new SignalFileError({ kind: 'not_a_spreadsheet' })
  if (kind === 'xlsx') {
    const { xlsxGrid } = await import('../roster/roster-import-xlsx.ts')
    let grid: string[][]
    try {
      grid = await xlsxGrid(bytes)
    } catch {
      throw new SignalFileError({ kind: 'not_a_spreadsheet' })
    }
    return readSignalGrid(grid, 'xlsx')
  }
  const text = decodeCsv(bytes)
  if (/^\s*[[{]/.test(text)) return readSignalJson(text)
  return readSignalGrid(parseCsv(text), 'csv')
}

/** A row problem as the person fixing the file reads it. */
export function signalProblemText(p: SignalProblem): string {
  switch (p.code) {
    case 'missing':
      return `缺少${SIGNAL_COLUMNS[p.field][0]}`
    case 'credit_code_invalid':
      return `统一社会信用代码 ${p.value} 不正确（18 位，校验位不符）`
    case 'signal_unknown':
      return `无法识别的预警类型"${p.value}"`
    case 'period_invalid':
      return `所属期"${p.value}"不是年月（如 2026-11）`
    case 'amount_invalid':
      return `金额"${p.value}"不是以元（或注明的万元）为单位、最多两位小数的非负数；逗号只能分隔千位`
    case 'severity_invalid':
      return `等级"${p.value}"应为 1、2、3 或 一般、较重、严重`
    case 'duplicate':
      return `与第 ${p.firstRow} 行重复（同一单位、类型、来源和所属期）`
  }
}
