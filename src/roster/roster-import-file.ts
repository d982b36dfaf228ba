/**
 * Reading a contractor's 花名册 (roster spreadsheet) into rows of text. Pure: bytes in, rows out, no database.
 *
 * Contractors keep the 花名册 in Excel and send it as XLSX, or as CSV saved by Excel or WPS: UTF-8 with a BOM (Excel's
 * "CSV UTF-8"), UTF-8 without one (exports of other systems), or GBK (Excel's plain "CSV" on a Chinese Windows), with
 * commas or tabs. A title row ("XX项目农民工花名册") and a blank row often sit above the header, so the header is the
 * first row among the first few that names both 姓名 and 身份证号. Columns are found by their header, in any order, under
 * the names the 实名制 forms of the provinces use (ROSTER_COLUMNS); a column the import does not know is ignored.
 *
 * The XLSX reading (exceljs, loaded lazily) is in roster-import-xlsx.ts; it hands this module the same grid of text.
 */
import iconv from 'iconv-lite'

/** The roster facts a 花名册 row may carry, named as the roster service names them. */
export type RosterField = 'name' | 'idNumber' | 'team' | 'trade' | 'cardNo' | 'bankName' | 'phone' | 'entryDate' | 'dailyRate' | 'safetyTrained' | 'deviceUserId' | 'contractNo' | 'ethnicity' | 'address'

/**
 * Each field's header names, first the one the README documents. Headers are compared with spaces, asterisks (the
 * "required" mark) and anything in brackets removed: "身份证号码（18位）" and "*姓名" match.
 */
export const ROSTER_COLUMNS: Readonly<Record<RosterField, readonly string[]>> = {
  name: ['姓名', '工人姓名', '人员姓名'],
  idNumber: ['身份证号', '身份证号码', '公民身份号码', '证件号码', '身份证'],
  team: ['班组', '班组名称', '所属班组'],
  trade: ['工种'],
  cardNo: ['银行卡号', '工资卡号', '工资卡卡号', '银行账号', '卡号'],
  bankName: ['开户行', '开户银行', '工资卡开户行', '银行名称'],
  phone: ['手机号', '手机号码', '联系电话', '电话'],
  entryDate: ['进场日期', '进场时间', '入场日期', '进场登记日期'],
  dailyRate: ['日工资', '日工资标准', '工资标准', '日薪', '约定日工资'],
  safetyTrained: ['安全教育', '三级安全教育', '是否安全教育', '安全培训'],
  deviceUserId: ['考勤号', '考勤编号', '工号', '门禁号'],
  contractNo: ['合同编号', '劳动合同编号'],
  ethnicity: ['民族'],
  address: ['住址', '家庭住址', '户籍地址'],
}

/** Fields a row cannot be imported without: the worker's registration (workers) and enrolment (进场登记). */
export const REQUIRED_FIELDS: readonly RosterField[] = ['name', 'idNumber', 'team', 'cardNo', 'bankName', 'entryDate', 'dailyRate']

/** How far down the header may sit (title rows, a blank row, a note). */
export const HEADER_SEARCH_ROWS_MAX = 10
/** Rows one import may carry: a large site's 花名册 is a few hundred; one preview stays a page a person reads. */
export const ROSTER_ROWS_MAX = 2000

export type FileKind = 'xlsx' | 'csv'

/** A data row: its row number as the spreadsheet shows it (1-based, header and title rows counted) and its cells. */
export interface SheetRow {
  line: number
  cells: Partial<Record<RosterField, string>>
}

export interface RosterSheet {
  /** Fields the header names, in the file's order. */
  columns: RosterField[]
  rows: SheetRow[]
}

/** Why a file could not be read as a 花名册 at all (before any row is judged). */
export type FileProblem =
  | { kind: 'not_a_spreadsheet' }
  | { kind: 'legacy_xls' }
  | { kind: 'no_header'; missing: RosterField[] }
  | { kind: 'no_rows' }
  | { kind: 'too_many_rows'; rows: number; max: number }

export class RosterFileError extends Error {
  constructor(readonly problem: FileProblem) {
    super(`roster file: ${problem.kind}`)
  }
}

const UTF8_BOM = [0xef, 0xbb, 0xbf]

/**
 * The text of CSV bytes: UTF-8 with or without its BOM, else GBK. A GBK file is almost never valid UTF-8 (its
 * two-byte characters break UTF-8's continuation rules), so "decodes as UTF-8 without error" decides.
 */
export function decodeCsv(bytes: Uint8Array): string {
  if (UTF8_BOM.every((b, i) => bytes[i] === b)) return new TextDecoder('utf-8').decode(bytes.subarray(3))
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return iconv.decode(Buffer.from(bytes), 'gbk')
  }
}

/**
 * RFC 4180 CSV (quoted fields may hold the delimiter, quotes doubled, and line breaks), CRLF or LF. The delimiter is a
 * tab when the first line with a tab or a comma has tabs and no commas (Excel's "Unicode text"), a comma otherwise.
 */
export function parseCsv(text: string): string[][] {
  // The first line with a separator in it decides: a title row above the header ("XX项目农民工花名册") has none.
  const firstLine = text.split(/\r?\n/, 12).find((l) => l.includes('\t') || l.includes(',')) ?? ''
  const delimiter = firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ','
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  let i = 0
  while (i < text.length) {
    const c = text[i] as string
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        quoted = false
      } else field += c
      i++
      continue
    }
    if (c === '"' && field === '') quoted = true
    else if (c === delimiter) {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      if (c === '\r' && text[i + 1] === '\n') i++
    } else field += c
    i++
  }
  if (field !== '' || row.length > 0) {
    row.push(field)
    rows.push(row)
  }
  return rows
}

/** A header cell as compared: no spaces (full-width too), no required-mark asterisks, nothing in brackets. */
export function headerKey(cell: string): string {
  return cell
    .replace(/[(（[【].*?[)）\]】]/g, '')
    .replace(/[\s\u3000*＊]/g, '')
    .trim()
}

const FIELD_BY_HEADER: ReadonlyMap<string, RosterField> = new Map(
  (Object.entries(ROSTER_COLUMNS) as Array<[RosterField, readonly string[]]>).flatMap(([field, names]) => names.map((n) => [n, field] as const)),
)

const isBlank = (cells: readonly string[]): boolean => cells.every((c) => c.trim() === '')

/**
 * The 花名册 in a grid of cells (CSV rows, or an XLSX sheet's rows as text): the header found, each later non-blank row
 * a SheetRow of trimmed cells by field. Throws RosterFileError when no header or no row is there.
 */
export function sheetOf(grid: readonly (readonly string[])[]): RosterSheet {
  let headerAt = -1
  let columns: Array<RosterField | undefined> = []
  let bestMissing: RosterField[] = [...REQUIRED_FIELDS]
  for (let r = 0; r < Math.min(grid.length, HEADER_SEARCH_ROWS_MAX); r++) {
    const mapped = (grid[r] ?? []).map((c) => FIELD_BY_HEADER.get(headerKey(c)))
    const missing = REQUIRED_FIELDS.filter((f) => !mapped.includes(f))
    if (mapped.includes('name') && mapped.includes('idNumber')) {
      if (missing.length === 0) {
        headerAt = r
        columns = mapped
        break
      }
      // A header of two rows (姓名 merged down, 银行信息 over 银行卡号 and 开户行): the row below fills the gaps.
      const below = (grid[r + 1] ?? []).map((c) => FIELD_BY_HEADER.get(headerKey(c)))
      const merged = Array.from({ length: Math.max(mapped.length, below.length) }, (_, i) => mapped[i] ?? below[i])
      if (REQUIRED_FIELDS.every((f) => merged.includes(f))) {
        headerAt = r + 1
        columns = merged
        break
      }
    }
    if (missing.length < bestMissing.length) bestMissing = missing
  }
  if (headerAt < 0) throw new RosterFileError({ kind: 'no_header', missing: bestMissing })
  const rows: SheetRow[] = []
  for (let r = headerAt + 1; r < grid.length; r++) {
    const raw = grid[r] ?? []
    // Blank in every column read: a template's numbered empty rows (only 序号 filled) are no workers.
    if (isBlank(raw) || columns.every((field, i) => field === undefined || (raw[i] ?? '').trim() === '')) continue
    const cells: Partial<Record<RosterField, string>> = {}
    columns.forEach((field, i) => {
      // A repeated header keeps its first column: the second is usually a copy made while editing. NFKC: digits and
      // letters typed full-width with a Chinese input method (１２３, ｘ) read as what they are.
      if (field !== undefined && cells[field] === undefined) cells[field] = (raw[i] ?? '').normalize('NFKC').trim()
    })
    rows.push({ line: r + 1, cells })
  }
  if (rows.length === 0) throw new RosterFileError({ kind: 'no_rows' })
  if (rows.length > ROSTER_ROWS_MAX) throw new RosterFileError({ kind: 'too_many_rows', rows: rows.length, max: ROSTER_ROWS_MAX })
  return { columns: columns.filter((c): c is RosterField => c !== undefined), rows }
}

/**
 * The kind of file the bytes are, by their first bytes rather than the Content-Type: a browser labels a .csv file
 * application/vnd.ms-excel where Excel is installed, and some send no type at all. An XLSX is a ZIP (PK\x03\x04); an
 * old binary .xls (an OLE2 compound file) is refused with a request to save it as XLSX or CSV.
 */
export function fileKindOf(bytes: Uint8Array): FileKind | 'xls' {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'xlsx'
  if (bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0) return 'xls'
  return 'csv'
}

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
/** Types a 花名册 may be posted as (the bytes decide how it is read: fileKindOf). */
export const ROSTER_FILE_CONTENT_TYPES = [XLSX_CONTENT_TYPE, 'application/vnd.ms-excel', 'text/csv', 'application/csv', 'text/plain', 'text/tab-separated-values', 'application/octet-stream'] as const
