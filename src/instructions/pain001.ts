/**
 * The bank instruction for a payroll (代发指令) as ISO 20022 pain.001.001.09, CustomerCreditTransferInitiationV09:
 * the general contractor (总包) tells the bank to pay each worker's own card from the project's dedicated wage account
 * (农民工工资专用账户), 保障农民工工资支付条例 Art. 26, 31. One message holds one payment information block (PmtInf,
 * debiting the dedicated account once per worker) and one credit transfer (CdtTrfTxInf) per worker.
 *
 * Pure: no clock, no database; the caller passes the facts and a sink. Every line is checked in a first pass before a
 * byte is written, so a refused instruction never leaves half a file behind; that pass also gives NbOfTxs and CtrlSum,
 * which the schema puts before the transactions. The second pass writes the transactions in chunks, each built by
 * fast-xml-parser's XMLBuilder (which escapes `&`, `<`, quotes), so memory holds one chunk, never the document
 * (measured: 100,000 transactions, 37 MB of XML, in ≈ 2.3 s; it still completes with the old space capped at 32 MB).
 *
 * The generic ISO schema (schemas/iso20022/pain.001.001.09.xsd) is the one tests validate against, not a SEPA usage
 * guideline: accounts here are domestic numbers (`Othr/Id`), never IBANs, and the currency is CNY.
 */
import type { Writable } from 'node:stream'
import { once } from 'node:events'
import { XMLBuilder } from 'fast-xml-parser'
import { LIMITS } from '../config/limits.ts'
import { FEN_MAX, ZERO_FEN, addFen, formatYuan, type Fen } from '../kernel/money.ts'
import { isMonth, isWorkDate } from '../kernel/time.ts'
import { isCreditCode } from '../roster/identity.ts'

export const PAIN001_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09'

/**
 * A re-instruction after a failed or returned payment is a new attempt of the same worker-month (issue 10). 99 is
 * two digits of the EndToEndId; a worker-month that fails 99 times needs a person, not a 100th file.
 */
export const PAIN001_ATTEMPT_MAX = 99

/**
 * Transactions built per XMLBuilder call: large enough that the builder's per-call cost vanishes, small enough that a
 * chunk (≈ 370 bytes of XML a transaction, about 74 KB) is collected young. With 1,000 the 100,000-transaction
 * benchmark peaked at 206 MB of heap, uncollected chunks; with 200 at 164 MB, at the same speed (bench/README.md).
 */
export const PAIN001_CHUNK_TRANSACTIONS = 200

/**
 * One instruction is one approved payroll sheet, so it has at most the lines a project month may have
 * (payout_lines_per_project_month_max); with each amount at most payout_line_amount_fen_max, CtrlSum stays within
 * FEN_MAX and within the schema's 18 digits.
 */
const LINES_MAX = LIMITS.payout_lines_per_project_month_max
const AMOUNT_FEN_MAX = LIMITS.payout_line_amount_fen_max
if (LINES_MAX * AMOUNT_FEN_MAX > FEN_MAX) {
  throw new Error('limits: payout_lines_per_project_month_max × payout_line_amount_fen_max must stay within FEN_MAX, or an instruction CtrlSum could overflow')
}

/** The instruction's own facts: who sends it, which account pays, when. */
export interface Pain001Instruction {
  /** GrpHdr/MsgId and PmtInf/PmtInfId: 1–35 characters, unique per instruction (the bank refuses a repeated one). */
  messageId: string
  /** GrpHdr/CreDtTm, a UTC instant. */
  createdAtMs: number
  /** The general contractor (施工总承包单位) that instructs the bank. */
  initiatingParty: {
    name: string
    /** 统一社会信用代码 (GB 32100), sent as InitgPty/Id/OrgId/Othr with scheme `USCC`. */
    creditCode: string
  }
  /** The project's dedicated wage account (农民工工资专用账户), the only account wages may leave from. */
  debtor: {
    /** Account name as the bank holds it (户名). */
    name: string
    /** Domestic account number (账号), DbtrAcct/Id/Othr/Id: China does not use IBANs. */
    accountNo: string
    /** The account bank's 12-digit CNAPS bank code (联行号 / 支付系统行号), DbtrAgt's clearing system member id. */
    bankCode: string
  }
  /** PmtInf/ReqdExctnDt: YYYY-MM-DD, the pay day (工资支付日) the bank is asked to pay on. */
  requestedExecutionDate: string
}

/** One worker's pay for the month (实发), as the approved payroll sheet (工资支付表) has it. */
export interface Pain001Line {
  /** The worker's id (a UUID, as kernel/ids mints). */
  workerId: string
  /** YYYY-MM, the pay month the amount is for. */
  month: string
  /** 1 for the first instruction of this worker-month, then 2, 3… for each re-instruction after a failure. */
  attempt: number
  /** Cdtr/Nm: the worker's real name (实名), as on the card. */
  workerName: string
  /** CdtrAcct/Id/Othr/Id: the worker's own bank card number (本人银行卡). */
  cardNo: string
  /** CdtrAgt/FinInstnId/Nm: the card's bank (开户行). */
  cardBankName: string
  /** InstdAmt in integer fen; must be more than zero. */
  amountFen: Fen
}

export interface Pain001Totals {
  /** NbOfTxs */
  count: number
  /** CtrlSum, in fen */
  totalFen: Fen
}

/** Why an instruction is refused before anything is written; each has a message a payroll clerk can act on. */
export type Pain001Refusal =
  | 'invalid_message_id'
  | 'invalid_created_at'
  | 'invalid_party_name'
  | 'invalid_credit_code'
  | 'invalid_account_no'
  | 'invalid_bank_code'
  | 'invalid_execution_date'
  | 'no_lines'
  | 'too_many_lines'
  | 'invalid_worker_id'
  | 'invalid_month'
  | 'invalid_attempt'
  | 'invalid_worker_name'
  | 'invalid_card_no'
  | 'invalid_bank_name'
  | 'amount_not_positive'
  | 'amount_above_max'
  | 'duplicate_worker_month'
  | 'lines_changed_between_passes'

export class Pain001Refused extends Error {
  constructor(
    readonly reason: Pain001Refusal,
    message: string,
  ) {
    super(message)
    this.name = 'Pain001Refused'
  }
}

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** The worker id as a number in base 36 always takes 25 characters (36^25 > 2^128), zero-padded. */
const WORKER_BASE36_CHARS = 25
const END_TO_END_TEXT = /^([0-9A-Z]{25})-(\d{4})(\d{2})-(\d{2})$/

/**
 * EndToEndId (端到端标识) of a worker-month-attempt: `<worker id, base 36, 25 chars>-<YYYYMM>-<attempt, 2 digits>`,
 * e.g. `06BFXYQ5Z2L8E0T2B5E3Y7W1J-202611-01`, exactly 35 characters, the most Max35Text allows.
 *
 * The bank returns it untouched in its status reports and statements (pain.002, camt.054), so it is how a result finds
 * its worker-month again (`parseEndToEndId`). The worker's UUID (128 bits) is written as one base-36 number of fixed
 * width, the month and attempt in fixed-width decimal: each part has a fixed place, so different worker-month-attempts
 * never share an id, and the same one always gets the same id (re-writing a file gives the same ids). A hash would be
 * shorter but could collide; 32 hex digits plus month and attempt would not fit in 35.
 */
export function endToEndId(workerId: string, month: string, attempt: number): string {
  if (!UUID_TEXT.test(workerId)) {
    throw new Pain001Refused('invalid_worker_id', `worker id ${JSON.stringify(workerId)} is not a UUID, so no EndToEndId can be made for it`)
  }
  if (!isMonth(month)) throw new Pain001Refused('invalid_month', `pay month ${JSON.stringify(month)} is not YYYY-MM`)
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > PAIN001_ATTEMPT_MAX) {
    throw new Pain001Refused('invalid_attempt', `attempt ${attempt} must be a whole number from 1 to ${PAIN001_ATTEMPT_MAX}`)
  }
  const worker = BigInt(`0x${workerId.replaceAll('-', '')}`).toString(36).toUpperCase().padStart(WORKER_BASE36_CHARS, '0')
  return `${worker}-${month.replace('-', '')}-${String(attempt).padStart(2, '0')}`
}

/** The worker-month-attempt an EndToEndId of ours names (worker id in lower-case UUID form), or undefined if it is not one of ours. */
export function parseEndToEndId(id: string): { workerId: string; month: string; attempt: number } | undefined {
  const m = END_TO_END_TEXT.exec(id)
  if (!m) return undefined
  const [, worker, year, monthOfYear, attempt] = m as unknown as [string, string, string, string, string]
  let n = 0n
  for (const c of worker) n = n * 36n + BigInt(parseInt(c, 36))
  if (n >= 1n << 128n) return undefined
  const hex = n.toString(16).padStart(32, '0')
  const workerId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
  const month = `${year}-${monthOfYear}`
  const attemptNo = Number(attempt)
  if (!isMonth(month) || attemptNo < 1) return undefined
  return { workerId, month, attempt: attemptNo }
}

/** Characters XML 1.0 cannot carry (C0 controls, DEL, U+FFFE/FFFF) or that are half a character (lone surrogates). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point: XML 1.0 cannot carry them
const NOT_TEXT = /[\u0000-\u001F\u007F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * Max{n}Text of the schema: 1 to n characters (code points, as XSD counts them), none of them unprintable, and no
 * space at either end: the bank matches the payee name (户名) to the card holder's exactly, and a stray space there is
 * a returned payment, so it is refused here rather than trimmed behind the sheet's back.
 */
function isText(s: string, max: number): boolean {
  if (typeof s !== 'string' || s === '' || s.trim() !== s || NOT_TEXT.test(s)) return false
  return [...s].length <= max
}

/** Domestic account and card numbers: digits only, at most Max34Text (bank cards are 16–19, company accounts longer). */
const ACCOUNT_NO_TEXT = /^\d{8,34}$/
const BANK_CODE_TEXT = /^\d{12}$/

/**
 * Checks the header (the general contractor, the dedicated account, the date). Also run when an instruction is made, so
 * an instruction whose file no bank would take is refused before it is stored and the sheet is not held by it.
 */
export function checkInstruction(ins: Pain001Instruction): void {
  if (!isText(ins.messageId, 35)) throw new Pain001Refused('invalid_message_id', 'the message id must be 1 to 35 printable characters, without spaces at either end')
  if (!Number.isSafeInteger(ins.createdAtMs) || ins.createdAtMs < 0) {
    throw new Pain001Refused('invalid_created_at', `creation instant ${ins.createdAtMs} is not epoch milliseconds`)
  }
  if (!isText(ins.initiatingParty.name, 140)) throw new Pain001Refused('invalid_party_name', 'the general contractor name must be 1 to 140 printable characters, without spaces at either end')
  if (!isCreditCode(ins.initiatingParty.creditCode)) {
    throw new Pain001Refused('invalid_credit_code', 'the general contractor unified social credit code fails the GB 32100 check; copy it from the business licence')
  }
  if (!isText(ins.debtor.name, 140)) throw new Pain001Refused('invalid_party_name', 'the dedicated account name must be 1 to 140 printable characters, without spaces at either end')
  if (!ACCOUNT_NO_TEXT.test(ins.debtor.accountNo)) throw new Pain001Refused('invalid_account_no', 'the dedicated account number must be 8 to 34 digits')
  if (!BANK_CODE_TEXT.test(ins.debtor.bankCode)) throw new Pain001Refused('invalid_bank_code', 'the dedicated account bank code (联行号) must be 12 digits')
  if (!isWorkDate(ins.requestedExecutionDate)) {
    throw new Pain001Refused('invalid_execution_date', `requested execution date ${JSON.stringify(ins.requestedExecutionDate)} is not a YYYY-MM-DD date`)
  }
}

/**
 * Checks one line; names the line by position and worker id, never by card number (it is personal data). Also run
 * when an instruction is made, so a line no file could carry is refused before anything is stored.
 */
export function checkLine(line: Pain001Line, index: number): void {
  const at = `line ${index + 1} (worker ${String(line.workerId)})`
  endToEndId(line.workerId, line.month, line.attempt)
  if (!Number.isSafeInteger(line.amountFen) || line.amountFen <= 0) {
    throw new Pain001Refused('amount_not_positive', `${at}: amount ${line.amountFen} fen must be a whole number of fen above zero; a worker owed nothing is left off the instruction`)
  }
  if (line.amountFen > AMOUNT_FEN_MAX) {
    throw new Pain001Refused('amount_above_max', `${at}: amount ${formatYuan(line.amountFen)} yuan is above the per-line maximum ${formatYuan(AMOUNT_FEN_MAX as Fen)}`)
  }
  if (!isText(line.workerName, 140)) throw new Pain001Refused('invalid_worker_name', `${at}: the worker name must be 1 to 140 printable characters, without spaces at either end`)
  if (!ACCOUNT_NO_TEXT.test(line.cardNo)) throw new Pain001Refused('invalid_card_no', `${at}: the card number must be 8 to 34 digits`)
  if (!isText(line.cardBankName, 140)) throw new Pain001Refused('invalid_bank_name', `${at}: the card's bank name must be 1 to 140 printable characters, without spaces at either end`)
}

/**
 * The first pass: checks the instruction and every line, and counts and sums them (NbOfTxs, CtrlSum). A worker-month
 * may appear once: two lines for it, whatever their attempts, would pay it twice (issue 10: never two live instructions
 * for one worker-month). Remembering the worker-months seen costs ≈ 10 MB at 100,000 lines, the one thing kept per line.
 */
export function pain001Totals(instruction: Pain001Instruction, lines: Iterable<Pain001Line>): Pain001Totals {
  checkInstruction(instruction)
  const seen = new Set<string>()
  let count = 0
  let totalFen = ZERO_FEN
  for (const line of lines) {
    if (count === LINES_MAX) throw new Pain001Refused('too_many_lines', `an instruction holds at most ${LINES_MAX} lines; split the sheet`)
    checkLine(line, count)
    const key = `${line.workerId.toLowerCase()}|${line.month}`
    if (seen.has(key)) {
      throw new Pain001Refused('duplicate_worker_month', `line ${count + 1} (worker ${line.workerId}): ${line.month} is already on this instruction; a worker-month is paid once`)
    }
    seen.add(key)
    // Bounded by LINES_MAX × AMOUNT_FEN_MAX ≤ FEN_MAX (asserted above), so the sum cannot leave fen's range.
    totalFen = addFen(totalFen, line.amountFen)
    count++
  }
  if (count === 0) throw new Pain001Refused('no_lines', 'an instruction needs at least one line')
  return { count, totalFen }
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true })

/** Where the transactions go inside the envelope: an element the schema does not have, so it can occur only once. */
const TRANSACTIONS_HERE = 'WlTransactionsHere'

function transaction(line: Pain001Line): Record<string, unknown> {
  return {
    PmtId: { EndToEndId: endToEndId(line.workerId, line.month, line.attempt) },
    Amt: { InstdAmt: { '@_Ccy': 'CNY', '#text': formatYuan(line.amountFen) } },
    CdtrAgt: { FinInstnId: { Nm: line.cardBankName } },
    Cdtr: { Nm: line.workerName },
    CdtrAcct: { Id: { Othr: { Id: line.cardNo } } },
    // What the worker's own statement shows beside the credit (工资 of which month).
    RmtInf: { Ustrd: `${line.month} 工资` },
  }
}

/**
 * The document as chunks of text, in order: the envelope up to the first transaction, the transactions a chunk at a
 * time, then the closing tags. `lines` is read twice (an array, or anything that yields the same lines again); if the
 * second reading differs from the first the generator throws, and what was written must be discarded.
 */
export function* pain001Chunks(instruction: Pain001Instruction, lines: Iterable<Pain001Line>): Generator<string, Pain001Totals> {
  const totals = pain001Totals(instruction, lines)
  const ctrlSum = formatYuan(totals.totalFen)
  const envelope = builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    Document: {
      '@_xmlns': PAIN001_NAMESPACE,
      CstmrCdtTrfInitn: {
        GrpHdr: {
          MsgId: instruction.messageId,
          CreDtTm: new Date(instruction.createdAtMs).toISOString(),
          NbOfTxs: String(totals.count),
          CtrlSum: ctrlSum,
          InitgPty: {
            Nm: instruction.initiatingParty.name,
            Id: { OrgId: { Othr: { Id: instruction.initiatingParty.creditCode, SchmeNm: { Prtry: 'USCC' } } } },
          },
        },
        PmtInf: {
          PmtInfId: instruction.messageId,
          PmtMtd: 'TRF',
          // One debit per worker on the dedicated account's statement, so reconciliation matches each wage on its own.
          BtchBookg: 'false',
          NbOfTxs: String(totals.count),
          CtrlSum: ctrlSum,
          PmtTpInf: { CtgyPurp: { Cd: 'SALA' } },
          ReqdExctnDt: { Dt: instruction.requestedExecutionDate },
          Dbtr: { Nm: instruction.debtor.name },
          DbtrAcct: { Id: { Othr: { Id: instruction.debtor.accountNo } }, Ccy: 'CNY' },
          DbtrAgt: { FinInstnId: { ClrSysMmbId: { ClrSysId: { Cd: 'CNAPS' }, MmbId: instruction.debtor.bankCode } } },
          // The employer bears the bank's fees, so no fee comes out of a wage: the worker receives the 实发 in full.
          ChrgBr: 'DEBT',
          [TRANSACTIONS_HERE]: '',
        },
      },
    },
  })
  const marker = `<${TRANSACTIONS_HERE}/>`
  const at = envelope.indexOf(marker)
  if (at < 0 || envelope.indexOf(marker, at + 1) >= 0) throw new Error('pain.001 envelope: the transactions marker must occur exactly once')
  yield envelope.slice(0, at)

  let chunk: Record<string, unknown>[] = []
  let count = 0
  let totalFen = ZERO_FEN
  for (const line of lines) {
    count++
    totalFen = addFen(totalFen, line.amountFen)
    chunk.push(transaction(line))
    if (chunk.length === PAIN001_CHUNK_TRANSACTIONS) {
      yield builder.build({ CdtTrfTxInf: chunk })
      chunk = []
    }
  }
  if (chunk.length > 0) yield builder.build({ CdtTrfTxInf: chunk })
  if (count !== totals.count || totalFen !== totals.totalFen) {
    throw new Pain001Refused('lines_changed_between_passes', `the lines read for writing (${count}) differ from those counted (${totals.count}); pass an array or a source that yields the same lines each time`)
  }
  yield envelope.slice(at + marker.length)
  return totals
}

/** The whole document as one string: for tests and small instructions; large ones go through `writePain001`. */
export function pain001Document(instruction: Pain001Instruction, lines: Iterable<Pain001Line>): string {
  let text = ''
  for (const chunk of pain001Chunks(instruction, lines)) text += chunk
  return text
}

/**
 * Writes the document to `sink` chunk by chunk, waiting for the sink to drain when it asks to, and resolves with the
 * totals once the last chunk is handed over (the caller ends or closes the sink). A refused instruction rejects before
 * anything is written.
 */
export async function writePain001(instruction: Pain001Instruction, lines: Iterable<Pain001Line>, sink: Writable): Promise<Pain001Totals> {
  const chunks = pain001Chunks(instruction, lines)
  for (;;) {
    const next = chunks.next()
    if (next.done) return next.value
    if (!sink.write(next.value, 'utf8')) await once(sink, 'drain')
  }
}
