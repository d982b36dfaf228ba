/**
 * The delimited result layout this ledger has always read (代发结果文件, `|` or `,`, GBK or UTF-8: src/payouts/file-format.ts),
 * as one bank format among the others. A thin adapter: file-format.ts stays the one parser of the layout, so the bank
 * simulator's writer and this reader cannot drift apart; here its result is only restated as payment evidence.
 *
 * Its lines carry their own 入账日期 and 银行流水号, and only two outcomes: 成功 is the bank's booking (→ booked), 失败 is
 * a refusal (→ rejected, the 失败原因 as the reason's text; the layout has no reason code, so none is made up).
 */
import { parsePayoutFile, type LineError, type PayoutFile, type PayoutFileLine } from '../../file-format.ts'
import { EVIDENCE_ERRORS_MAX, type BankFormat, type EvidenceFault, type EvidenceParse, type PaymentEvidence } from '../evidence.ts'

/**
 * The header is the layout's signature: a header-only file read by the parser itself fails with `no_lines` and nothing
 * else exactly when every column name is one it knows and every required one is there. So detection and parsing agree
 * on what the layout is, with no second list of column names to keep in step.
 */
function detect(text: string): boolean {
  const header = text.split('\n', 64).find((l) => l.trim() !== '')
  if (header === undefined || header.length > 4096) return false
  const result = parsePayoutFile(Buffer.from(header, 'utf-8'))
  return !result.ok && result.errors.length === 1 && result.errors[0]?.code === 'no_lines'
}

function evidenceOf(line: PayoutFileLine): PaymentEvidence {
  const booked = line.status === 'success'
  return {
    lineNo: line.lineNo,
    status: booked ? 'booked' : 'rejected',
    payeeCard: line.payeeCard,
    payeeName: line.payeeName,
    amountFen: line.amountFen,
    currency: 'CNY',
    endToEndId: line.endToEndId,
    paymentInfoId: null,
    bankRef: line.bankRef,
    uetr: null,
    // 入账日期 is the only date the layout has: the booking date of a success, the bank's processing date of a refusal.
    bookingDate: line.valueDate,
    valueDate: line.valueDate,
    reasonCode: null,
    reasonText: booked ? null : line.failureReason,
    payerAccountNo: line.payerAccountNo,
    returnOf: null,
  }
}

/** The file names its account only through the lines' 付款账号: when every line gives the same one, that is the file's. */
function accountOf(file: PayoutFile): string | null {
  const accounts = new Set(file.lines.map((l) => l.payerAccountNo))
  const [only] = accounts
  return accounts.size === 1 && only !== undefined ? only : null
}

/** A fault names its field; the layout leaves it out for whole lines and files (and an unnamed header column is ''). */
function faultOf(e: LineError): EvidenceFault {
  const field = e.field === undefined || e.field === '' ? (e.line === 0 ? 'file' : 'line') : e.field
  return { lineNo: e.line, field, code: e.code, message: e.message }
}

/** Faults past the cap are counted in one last fault, so a clerk knows the list is not the whole story. */
function capped(errors: readonly LineError[]): EvidenceFault[] {
  if (errors.length <= EVIDENCE_ERRORS_MAX) return errors.map(faultOf)
  const shown = errors.slice(0, EVIDENCE_ERRORS_MAX - 1).map(faultOf)
  shown.push({
    lineNo: 0,
    field: 'file',
    code: 'too_many_errors',
    message: `${errors.length - shown.length} more faults are not listed; correct the ones above (often one mistake repeated) and send the file again.`,
  })
  return shown
}

export function parseDelimited(bytes: Buffer): EvidenceParse {
  const result = parsePayoutFile(bytes)
  if (!result.ok) return { errors: capped(result.errors) }
  const { file } = result
  return {
    file: {
      format: 'delimited',
      variant: `${file.encoding} ${file.delimiter === '|' ? 'pipe' : 'comma'}`,
      accountNo: accountOf(file),
      messageId: null,
      originalMessageId: null,
      lines: file.lines.map(evidenceOf),
      ignored: { count: 0, reasons: {} },
    },
    errors: [],
  }
}

export const delimitedFormat: BankFormat = {
  name: 'delimited',
  detect,
  parse: (bytes) => parseDelimited(bytes),
}
