/**
 * The upstream records as a file (上报数据导出), for platforms that take uploads by hand: one record kind per file,
 * one row per record, the columns the standard's field names in the order the records hold them. XLSX (a sheet named
 * after the kind, text cells so ID and card numbers keep every digit) or CSV for Excel (UTF-8 with a BOM, CRLF).
 *
 * Masked unless revealed: ID numbers as the roster masks them (region kept, birth date hidden, the birth date column
 * cut to its year), card and account numbers to their last four digits, phone numbers as the roster masks them. Text from data that a spreadsheet would run as a formula is defused.
 */
import { loadExcel } from '../kernel/xlsx.ts'
import { maskCard, maskIdNumber, maskPhone } from '../roster/identity.ts'
import { ENCRYPTED_FIELDS, type RecordKind } from './records.ts'
import { csvField, defuseFormula } from '../kernel/spreadsheet-text.ts'

const BOM = Buffer.from([0xef, 0xbb, 0xbf])

/**
 * The record with its ID, card and phone numbers masked, and a birth date cut to its year: the masked ID hides
 * exactly the eight birth-date digits, which a full BirthDate beside it would give back (as the roster's lists show
 * birthYear only).
 */
export function maskPayload(kind: RecordKind, payload: Record<string, unknown>): Record<string, unknown> {
  const out = { ...payload }
  for (const f of ENCRYPTED_FIELDS[kind] as readonly string[]) {
    const v = out[f]
    if (typeof v === 'string') out[f] = /IDCardNumber$/.test(f) ? maskIdNumber(v) : maskCard(v)
  }
  for (const [f, v] of Object.entries(out)) {
    if (typeof v !== 'string') continue
    if (/Phone$|Mobile$|Tel$/i.test(f)) out[f] = maskPhone(v)
    else if (/Birth(?:Date|day)$/i.test(f)) out[f] = v.slice(0, 4)
  }
  return out
}

/** Every field any record has, in the order they first appear. */
export function columnsOf(payloads: ReadonlyArray<Record<string, unknown>>): string[] {
  const seen = new Set<string>()
  for (const p of payloads) for (const k of Object.keys(p)) seen.add(k)
  return [...seen]
}

function cellText(v: unknown): string {
  if (v === undefined || v === null) return ''
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)
}

export function upstreamCsv(payloads: ReadonlyArray<Record<string, unknown>>): Buffer {
  const columns = columnsOf(payloads)
  const lines = [columns.join(','), ...payloads.map((p) => columns.map((c) => csvField(defuseFormula(cellText(p[c])))).join(','))]
  return Buffer.concat([BOM, Buffer.from(lines.join('\r\n') + '\r\n', 'utf8')])
}

export async function upstreamXlsx(kind: RecordKind, payloads: ReadonlyArray<Record<string, unknown>>, createdAtMs: number): Promise<Buffer> {
  const ExcelJS = await loadExcel()
  const workbook = new ExcelJS.Workbook()
  workbook.creator = 'wage-ledger'
  workbook.created = new Date(createdAtMs)
  workbook.modified = new Date(createdAtMs)
  const sheet = workbook.addWorksheet(kind)
  const columns = columnsOf(payloads)
  sheet.addRow(columns).font = { bold: true }
  // Numbers stay numbers (days, hours, codes the standard gives as integers); everything else is text, so an ID or
  // card number keeps its digits and a date is not turned into Excel's serial.
  for (const p of payloads) sheet.addRow(columns.map((c) => (typeof p[c] === 'number' ? p[c] : defuseFormula(cellText(p[c])))))
  columns.forEach((_, i) => {
    const column = sheet.getColumn(i + 1)
    column.width = 20
    column.numFmt = '@'
  })
  return Buffer.from(await workbook.xlsx.writeBuffer())
}
