/**
 * What every bank result format reads to: payment evidence (付款凭证), one shape whatever the bank sent. A format
 * folder (`src/payouts/formats/<name>/`) holds one pure parser: bytes in, `EvidenceParse` out, no I/O, never throws,
 * never stops at the first fault (the caller refuses the file whole with all of them: all-or-nothing).
 *
 * Only booking evidence counts as paid (pain.002 ACSC, a camt BOOK debit, a 代发 success). Accepted or pending
 * (ACCP, ACSP, PDNG, "processing") is `pending`: not paid, not failed. A return after success (退票, camt RtrInf, CMB
 * NTAGDRFD) is its own line with status `returned`, naming the payment it undoes; the original is never changed.
 */
import type { Fen } from '../../kernel/money.ts'
import type { WorkDate } from '../../kernel/time.ts'

export type EvidenceStatus = 'booked' | 'pending' | 'rejected' | 'returned'

/** One payment as the bank reports it. Fields a format does not carry are null, never guessed. */
export interface PaymentEvidence {
  /** Where in the file: the physical line (text formats) or the element's position, 1-based (XML), for error messages. */
  lineNo: number
  status: EvidenceStatus
  /** Digits only. pain.002 often names no account: then null, and the payment is found by its EndToEndId. */
  payeeCard: string | null
  payeeName: string | null
  /** The payment's amount in fen, positive whatever the direction; null when the format does not restate it. */
  amountFen: Fen | null
  /** ISO 4217; CNY unless the file says otherwise. */
  currency: string
  /** Our instruction line's EndToEndId (pain.001 PmtId/EndToEndId) as the bank gives it back; null when absent or NOTPROVIDED. */
  endToEndId: string | null
  /** Our instruction's PmtInfId (OrgnlPmtInfId), or the batch reference (CMB YURREF) the payment belonged to. */
  paymentInfoId: string | null
  /** The bank's own reference of this payment (AcctSvcrRef, 流水号, CMB REQNBR+TRXSEQ): what makes a line unique for the bank. */
  bankRef: string | null
  /** SWIFT gpi UETR (camt.054 001.08 Refs/UETR), when given. */
  uetr: string | null
  /** Booking date (BookgDt, 入账日期, TRSDAT) as the bank wrote it, local date. */
  bookingDate: WorkDate | null
  /** Value date (ValDt); the booking date when the file has none. */
  valueDate: WorkDate | null
  /** The reason code as sent (AM04, AC04, NARR, CMB RTNCOD 002); null on success. */
  reasonCode: string | null
  /** The reason in words (AddtlInf, RTNTXT, 失败原因). */
  reasonText: string | null
  /** The account debited (DbtrAcct, 付款账号), digits only, when the file says. */
  payerAccountNo: string | null
  /**
   * For a `returned` line: what it undoes, as much as the bank tells (the original's EndToEndId, bank reference, or
   * card and amount). Null on other lines.
   */
  returnOf: { endToEndId: string | null; bankRef: string | null } | null
  /**
   * A total the file states for a group of reports whose own amounts it leaves out (a camt batch entry without an
   * amount per transaction, a pain.002 level with a control sum whose transactions do not all restate theirs). The
   * amounts taken from our instruction for the group must add up to it, or the file is refused: the bank's total is
   * what left the account.
   */
  statedTotal?: StatedTotal
}

export interface StatedTotal {
  /** Names the group within the file (the entry, the pain.002 level); reports of one group share it. */
  group: string
  totalFen: Fen
  /** Where the total is written, and the code of the fault when the group does not add up to it. */
  field: string
  code: 'batch_sum_mismatch' | 'control_sum_mismatch'
  /** The group in words, for the message ("Entry 3", "the payment information block PI-1"). */
  label: string
}

/** One fault: where (lineNo, 0 for the file as a whole), which field, and what is wrong, in words a bank clerk can act on. */
export interface EvidenceFault {
  lineNo: number
  field: string
  /** Stable, snake_case: callers and tests match on it. */
  code: string
  message: string
}

export interface EvidenceFile {
  /** The format folder's name: 'pain.002', 'camt.054', 'camt.053', 'cmb-agency', 'delimited', 'text:<profile>'. */
  format: string
  /** The message version or profile read: 'pain.002.001.03', 'camt.054.001.08', 'NTAGCINN', … */
  variant: string
  /** The account paid from, when the file names it (camt Acct/Id, CMB 付方账号), digits only. */
  accountNo: string | null
  /** The bank's id of this file or message (GrpHdr/MsgId, CMB REQNBR): the same message posted twice is the same file. */
  messageId: string | null
  /** Our message the file answers (OrgnlMsgId), when it says. */
  originalMessageId: string | null
  lines: PaymentEvidence[]
  /** Entries read and deliberately not payments of ours (camt credits that are funding, fees): counted, not silently lost. */
  ignored: { count: number; reasons: Record<string, number> }
}

export interface EvidenceParse {
  /** Never to be stored while `errors` is not empty. */
  file?: EvidenceFile
  errors: EvidenceFault[]
}

/** What a format folder exports (its `index.ts`): a name, a cheap test of the content, and the parser. */
export interface BankFormat {
  name: string
  /** True when the decoded text is this format's (a root element, a header row): cheap, no full parse. */
  detect(text: string): boolean
  /**
   * The file's bytes (decoding is the format's: XML declares its encoding; GBK or UTF-8 for text), and what the upload
   * said beside it (the file name: some banks put the date only there).
   */
  parse(bytes: Buffer, context: { fileName?: string }): EvidenceParse
}

/** Lines one result file may hold: the benchmark's 100,000 and a margin. */
export const EVIDENCE_LINES_MAX = 200_000
/** Faults listed for one refused file. */
export const EVIDENCE_ERRORS_MAX = 1_000
