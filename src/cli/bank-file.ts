/**
 * `npm run bank-file -- FILE [--format NAME]`: prints, as JSON, what the service would read from a bank result file,
 * without storing anything: the format detected (or named), the account, every line with payee, amount in fen (null
 * where the file states none), status, reason and reference, and the totals per status (null where a line's amount is
 * unknown); or the refusal with every line error. Banks' integration
 * teams and support staff run it to check a file before sending it, so it reads a file exactly as the upload does
 * (parseBankFile): a text file no format claims is read as the delimited layout, whose faults say what to fix, and
 * XML or our own instruction sent back is refused for what it is; `format` is then null (no format claimed it).
 *
 * Card numbers are printed as read, unmasked, unlike every reply and message of the service: the command runs where
 * the file already is, for whoever already holds every byte of it, and stores and sends nothing; checking a file
 * means comparing its card numbers with the bank's own records, which a masked `****5678` would not allow. Its output
 * is therefore as sensitive as the file itself: do not paste it into tickets or logs. (The refusal's messages come
 * from the parsers and stay masked there.)
 *
 * Exit codes: 0 the file was read, 1 it was refused (the reasons are in the JSON), 2 usage (no file, an unknown
 * option or format name, a file that cannot be opened).
 */
import { readFileSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import { pathToFileURL } from 'node:url'
import { BANK_FORMATS, detectFormat, formatNamed, parseBankFile } from '../payouts/formats/index.ts'
import type { EvidenceStatus, PaymentEvidence } from '../payouts/formats/evidence.ts'
import { faultsWithoutLedger } from '../payouts/evidence-lines.ts'
import { Money, fen, formatYuan, type Fen, type MoneyDecimal } from '../kernel/money.ts'
import { CONSOLE, type CliOutput } from './output.ts'

/** Larger than any format's own limit: past it the file is not read into memory at all. */
export const BANK_FILE_BYTES_MAX = 64 * 1024 * 1024

const USAGE = `usage: npm run bank-file -- FILE [--format NAME]
  Prints what the service reads from a bank result file, as JSON, storing nothing.
  --format NAME  read the file as this format instead of detecting it: ${BANK_FORMATS.map((f) => f.name).join(', ')}
  exit codes: 0 read, 1 refused, 2 usage`

export type Args = { ok: true; file: string; format: string | undefined } | { ok: false; message: string }

export function parseArgs(argv: readonly string[]): Args {
  let file: string | undefined
  let format: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--format') {
      format = argv[++i]
      if (format === undefined) return { ok: false, message: '--format needs a format name' }
    } else if (arg.startsWith('--format=')) format = arg.slice('--format='.length)
    else if (arg === '--help' || arg === '-h') return { ok: false, message: '' }
    else if (arg.startsWith('-') && arg !== '-') return { ok: false, message: `unknown option ${arg}` }
    else if (file === undefined) file = arg
    else return { ok: false, message: `one file at a time (got ${file} and ${arg})` }
  }
  if (file === undefined) return { ok: false, message: 'no file named' }
  if (format !== undefined && formatNamed(format) === undefined) return { ok: false, message: `"${format}" is not a format this ledger reads` }
  return { ok: true, file, format }
}

interface StatusTotal {
  status: EvidenceStatus
  currency: string
  count: number
  /**
   * In the currency's minor unit (fen for CNY), as the lines' amountFen; null when a line of the group states no
   * amount of its own (a camt batch entry's TxDtls, a pain.002: the service takes it from our instruction), since a sum
   * of the others would read as the group's total.
   */
  amountFen: Fen | null
  /** The same as a decimal string with two decimals, as the file wrote it; null with amountFen. */
  amount: string | null
  /** Lines of the group without an amount of their own. */
  amountUnknownCount: number
}

/**
 * The lines as printed: each as the parser read it, with its place among the lines that share its line number (the
 * transactions of one camt batch entry all carry the entry's, as stored; the service tells them apart by bank
 * reference, and references it makes up by `line/place`), null for a line alone at its number.
 */
function numbered(lines: readonly PaymentEvidence[]): Array<PaymentEvidence & { place: number | null }> {
  const sharing = new Map<number, number>()
  for (const l of lines) sharing.set(l.lineNo, (sharing.get(l.lineNo) ?? 0) + 1)
  const placed = new Map<number, number>()
  return lines.map(({ lineNo, ...rest }) => {
    if ((sharing.get(lineNo) ?? 0) < 2) return { lineNo, place: null, ...rest }
    const place = (placed.get(lineNo) ?? 0) + 1
    placed.set(lineNo, place)
    return { lineNo, place, ...rest }
  })
}

/** What the command prints for one file, and the exit code that goes with it. */
export function bankFileReport(bytes: Buffer, options: { fileName: string; format?: string }): { exitCode: 0 | 1; report: Record<string, unknown> } {
  const named = options.format
  const format = named ?? detectFormat(bytes)?.name ?? null
  const result = parseBankFile(bytes, { format: named, fileName: options.fileName })
  const head = { file: options.fileName, bytes: bytes.length, format, formatGiven: named !== undefined }
  if (result.file === undefined || result.errors.length > 0) {
    return { exitCode: 1, report: { ...head, read: false, errors: result.errors } }
  }
  const { file } = result
  // Per status and currency: a pain.002 in EUR and a 代发 file in CNY are never added together.
  const sums = new Map<string, { status: EvidenceStatus; currency: string; count: number; total: MoneyDecimal; unknown: number }>()
  for (const line of file.lines) {
    const key = `${line.status} ${line.currency}`
    const s = sums.get(key) ?? { status: line.status, currency: line.currency, count: 0, total: new Money(0), unknown: 0 }
    s.count++
    if (line.amountFen !== null) s.total = s.total.plus(line.amountFen)
    else s.unknown++
    sums.set(key, s)
  }
  const totals: StatusTotal[] = [...sums.values()].map((s) => {
    const amountFen = s.unknown > 0 ? null : fen(s.total.toNumber())
    return { status: s.status, currency: s.currency, count: s.count, amountFen, amount: amountFen === null ? null : formatYuan(amountFen), amountUnknownCount: s.unknown }
  })
  // Faults the upload finds after the parser that need no ledger (a currency not CNY, a line above the maximum, a
  // report naming no payee): the file is refused, with its lines still shown as read.
  const faults = faultsWithoutLedger(file).map((e) => ({ lineNo: e.line, field: e.field ?? null, code: e.code, message: e.message }))
  return {
    exitCode: faults.length > 0 ? 1 : 0,
    report: {
      ...head,
      format: file.format,
      read: faults.length === 0,
      ...(faults.length > 0 ? { errors: faults } : {}),
      variant: file.variant,
      accountNo: file.accountNo,
      messageId: file.messageId,
      originalMessageId: file.originalMessageId,
      lineCount: file.lines.length,
      totals,
      ignored: file.ignored,
      lines: numbered(file.lines),
    },
  }
}

export function main(argv: readonly string[], io: CliOutput = CONSOLE): 0 | 1 | 2 {
  const args = parseArgs(argv)
  if (!args.ok) {
    if (args.message !== '') io.err(`bank-file: ${args.message}`)
    io.err(USAGE)
    return 2
  }
  let bytes: Buffer
  try {
    const size = statSync(args.file).size
    if (size > BANK_FILE_BYTES_MAX) {
      io.err(`bank-file: ${args.file} is ${size} bytes; no bank result file this ledger reads is larger than ${BANK_FILE_BYTES_MAX}.`)
      return 2
    }
    bytes = readFileSync(args.file)
  } catch (err) {
    io.err(`bank-file: cannot read ${args.file}: ${err instanceof Error ? err.message : String(err)}`)
    return 2
  }
  const { exitCode, report } = bankFileReport(bytes, { fileName: basename(args.file), format: args.format })
  io.out(JSON.stringify(report, null, 2))
  return exitCode
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = main(process.argv.slice(2))
}
