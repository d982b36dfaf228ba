/**
 * CMB 代发 records, whichever interface carried them (the 前置机 XML or the newer JSON API), to payment evidence: the
 * status tables, the batch's verdict over its lines, and the batch's counts and sums held against the lines. The
 * readers (xml.ts, json.ts) only find the records and their fields; every meaning is decided here, once.
 */
import { createHash } from 'node:crypto'
import { FEN_MAX, Money, fen, type Fen, type MoneyDecimal } from '../../../kernel/money.ts'
import type { WorkDate } from '../../../kernel/time.ts'
import { maskCard } from '../../../roster/identity.ts'
import { accountDigits, decimalToFen, readDate } from '../../../account/statements/statement.ts'
import type { EvidenceFile, EvidenceStatus, PaymentEvidence } from '../evidence.ts'
import type { Faults } from './faults.ts'

/** Per-payee records: 代发明细 (NTAGCDTLY1, NTQATDQYZ, bb6bpdqyz2, the notice's detailInfo) and 退票 (NTAGDRFDZ1). */
export type LineSource = 'NTAGCDTLY1' | 'NTQATDQYZ' | 'NTAGDRFDZ1' | 'bb6bpdqyz2' | 'detailInfo'
/** Batch records: 代发批次 (NTAGCINQZ, bb6bpdqyz1, the notice's agcInfo). */
export type BatchSource = 'NTAGCINQZ' | 'bb6bpdqyz1' | 'agcInfo'

export interface CmbRecord<S extends string> {
  /** The record's place among the file's records of its kind, 1-based. */
  lineNo: number
  source: S
  /** Field name (upper case, as the XML interface spells it) → trimmed text; empty fields are absent. */
  fields: ReadonlyMap<string, string>
}

export interface CmbDocument {
  /** FUNNAM (XML), the head's funcode (JSON API), or `notice:<msgtyp>`. */
  variant: string
  batches: CmbRecord<BatchSource>[]
  lines: CmbRecord<LineSource>[]
  /**
   * Set when the bank cut its answer short and gave the key of the next page (NTAGDINFY1: REQNBR, BTHNBR, TRXSEQ):
   * the file is one page, so the batch's counts cannot be held against it.
   */
  continued?: { reqnbr: string | undefined }
}

/**
 * What evidence.ts has no field for, kept on CMB's lines: CMB gives back no reference of ours per line, only the
 * line's place in our batch (TRXSEQ, 8 digits), which with the batch's YURREF (`paymentInfoId`) is how our instruction
 * line is found. On a return it is the place of the line returned (BTHDTL).
 */
export interface CmbPaymentEvidence extends PaymentEvidence {
  trxseq: string | null
}

interface Meaning {
  status: EvidenceStatus
  words: string
}

const booked = (words: string): Meaning => ({ status: 'booked', words })
const pending = (words: string): Meaning => ({ status: 'pending', words })
const rejected = (words: string): Meaning => ({ status: 'rejected', words })

/** STSCOD of a result line, per record (see the table in index.ts); a code not listed for its record refuses the file. */
const DETAIL_STATUS = new Map([
  ['S', booked('成功')],
  ['E', rejected('失败')],
  ['C', rejected('取消')],
  ['A', pending('待处理')],
  ['I', pending('待复核')],
])
const RESULT_STATUS: Record<Exclude<LineSource, 'NTAGDRFDZ1'>, ReadonlyMap<string, Meaning>> = {
  NTAGCDTLY1: DETAIL_STATUS,
  bb6bpdqyz2: DETAIL_STATUS,
  NTQATDQYZ: new Map([
    ['S', booked('成功')],
    ['F', rejected('失败')],
    ['C', rejected('撤消')],
    ['I', pending('数据录入')],
  ]),
  detailInfo: new Map([
    ['S', booked('成功')],
    ['E', rejected('失败')],
    ['A', pending('登记')],
  ]),
}
/** RTNFLG, 业务处理结果 (API doc 附录 A.6), as far as it can be a 代发 batch's. */
const BATCH_RESULT = new Map([
  ['S', '成功'],
  ['F', '失败'],
  ['R', '否决'],
  ['D', '过期'],
  ['C', '撤销'],
])
/** Results after which no line of the batch is paid. */
const BATCH_UNPAID = new Set(['F', 'R', 'D', 'C'])
/** REQSTA, 业务请求状态 (附录 A.5), as far as it can be a 代发 batch's; only FIN is final. */
const BATCH_STATE = new Map([
  ['AUT', '等待审批'],
  ['NTE', '终审完毕'],
  ['BNK', '银行处理中'],
  ['OPR', '数据接收中'],
  ['FIN', '完成'],
])

const JSON_SOURCES = new Set<string>(['bb6bpdqyz1', 'bb6bpdqyz2', 'agcInfo', 'detailInfo'])
/** A field's name as the file spells it, for messages: upper case in XML, lower case in the JSON API. */
function fieldName(rec: CmbRecord<string>, name: string): string {
  return `${rec.source}/${JSON_SOURCES.has(rec.source) ? name.toLowerCase() : name}`
}

const CARD_TEXT = /^\d{8,35}$/
const SEQ_TEXT = /^\d{1,8}$/
const COUNT_TEXT = /^\d{1,7}$/
const TOTAL_TEXT = /^(\d{1,16})(?:\.(\d+))?$/

/** A total (TOTAMT, SUCAMT) to fen: the rule of decimalToFen, without its per-line ceiling. */
function totalToFen(text: string): Fen | undefined {
  const m = TOTAL_TEXT.exec(text)
  if (!m) return undefined
  const decimals = m[2] ?? ''
  if (decimals.length > 2 && !/^0+$/.test(decimals.slice(2))) return undefined
  const value = new Money(text).times(100)
  return value.isInteger() && value.lte(FEN_MAX) ? fen(value.toNumber()) : undefined
}

const yuan = (f: MoneyDecimal | Fen): string => new Money(f).div(100).toFixed(2)
/** TRXSEQ is C(8), written 00000001; a source that drops the zeros names the same line. */
const seqOf = (text: string): string => text.padStart(8, '0')

interface Batch {
  rec: CmbRecord<BatchSource>
  reqnbr: string | undefined
  yurref: string | undefined
  account: string | undefined
  /** RTNFLG when the batch is final (REQSTA FIN, or no REQSTA given, as in the push notice). */
  verdict: string | undefined
  errdsp: string | undefined
  trsnum: number | undefined
  sucnum: number | undefined
  totamt: Fen | undefined
  sucamt: Fen | undefined
}

function readBatch(rec: CmbRecord<BatchSource>, faults: Faults): Batch {
  const f = rec.fields
  const no = 0
  const where = (name: string) => fieldName(rec, name)
  const reqsta = f.get('REQSTA')
  if (reqsta !== undefined && !BATCH_STATE.has(reqsta)) {
    faults.add(no, where('REQSTA'), 'status_unknown', `Batch ${rec.lineNo}: REQSTA "${reqsta}" is no 代发 request state this ledger knows (${[...BATCH_STATE.keys()].join(', ')}); ask the bank what it means before the file is read.`)
  }
  const rtnflg = f.get('RTNFLG')
  if (rtnflg !== undefined && !BATCH_RESULT.has(rtnflg)) {
    faults.add(no, where('RTNFLG'), 'status_unknown', `Batch ${rec.lineNo}: RTNFLG "${rtnflg}" is no 代发 batch result this ledger knows (${[...BATCH_RESULT.keys()].join(', ')}); ask the bank what it means before the file is read.`)
  }
  if (reqsta === 'FIN' && rtnflg === undefined) {
    faults.add(no, where('RTNFLG'), 'status_missing', `Batch ${rec.lineNo} is finished (REQSTA FIN) but gives no result (RTNFLG); whether it was paid cannot be told.`)
  }
  const ccy = f.get('CCYNBR')
  if (ccy !== undefined && ccy !== '10') {
    faults.add(no, where('CCYNBR'), 'currency_unsupported', `Batch ${rec.lineNo} is in currency "${ccy}"; wages are paid in 人民币 (CCYNBR 10).`)
  }
  const count = (name: string): number | undefined => {
    const v = f.get(name)
    if (v === undefined) return undefined
    if (!COUNT_TEXT.test(v)) {
      faults.add(no, where(name), 'count_invalid', `Batch ${rec.lineNo}: ${name} "${v}" is not a count.`)
      return undefined
    }
    return Number(v)
  }
  const total = (name: string): Fen | undefined => {
    const v = f.get(name)
    if (v === undefined) return undefined
    const t = totalToFen(v)
    if (t === undefined) faults.add(no, where(name), 'amount_invalid', `Batch ${rec.lineNo}: ${name} "${v}" is not an amount in yuan with at most two decimals.`)
    return t
  }
  const batch: Batch = {
    rec,
    reqnbr: f.get('REQNBR'),
    yurref: f.get('YURREF'),
    account: undefined,
    verdict: rtnflg !== undefined && BATCH_RESULT.has(rtnflg) && (reqsta === undefined || reqsta === 'FIN') ? rtnflg : undefined,
    errdsp: f.get('ERRDSP'),
    trsnum: count('TRSNUM'),
    sucnum: count('SUCNUM'),
    totamt: total('TOTAMT'),
    sucamt: total('SUCAMT'),
  }
  const acct = f.get('ACCNBR')
  if (acct !== undefined) {
    const digits = accountDigits(acct)
    if (CARD_TEXT.test(digits)) batch.account = digits
    else faults.add(no, where('ACCNBR'), 'account_invalid', `Batch ${rec.lineNo}: the paying account (ACCNBR, ${maskCard(digits)}) is not an account number.`)
  }
  if (batch.sucnum !== undefined && batch.trsnum !== undefined && batch.sucnum > batch.trsnum) {
    faults.add(no, where('SUCNUM'), 'count_mismatch', `Batch ${rec.lineNo} counts ${batch.sucnum} payments paid (SUCNUM) of ${batch.trsnum} (TRSNUM).`)
  }
  if (batch.sucamt !== undefined && batch.totamt !== undefined && batch.sucamt > batch.totamt) {
    faults.add(no, where('SUCAMT'), 'total_mismatch', `Batch ${rec.lineNo} says ${yuan(batch.sucamt)} was paid (SUCAMT) of ${yuan(batch.totamt)} (TOTAMT).`)
  }
  return batch
}

interface Read {
  line: CmbPaymentEvidence
  /** The key that must be unique in the file: the line's place in its batch, or the returned line's. */
  key: string | undefined
}

function readCard(rec: CmbRecord<LineSource>, faults: Faults): string | undefined {
  const name = rec.source === 'NTAGDRFDZ1' ? 'EACNBR' : 'ACCNBR'
  const v = rec.fields.get(name)
  if (v === undefined) {
    faults.add(rec.lineNo, fieldName(rec, name), 'card_missing', `Line ${rec.lineNo} names no payee account (${name}); it cannot be matched to a worker.`)
    return undefined
  }
  const digits = accountDigits(v)
  if (!CARD_TEXT.test(digits)) {
    faults.add(rec.lineNo, fieldName(rec, name), 'card_invalid', `Line ${rec.lineNo}: the payee account (${name}, ${maskCard(digits)}) is not 8 to 35 digits.`)
    return undefined
  }
  return digits
}

function readLineAmount(rec: CmbRecord<LineSource>, faults: Faults): Fen | undefined {
  const v = rec.fields.get('TRSAMT')
  const where = fieldName(rec, 'TRSAMT')
  if (v === undefined) {
    faults.add(rec.lineNo, where, 'amount_missing', `Line ${rec.lineNo} has no amount (TRSAMT).`)
    return undefined
  }
  // A return's TRSAMT is S(15,2), signed: the money coming back may be written negative; the evidence is unsigned.
  const unsigned = rec.source === 'NTAGDRFDZ1' && v.startsWith('-') ? v.slice(1) : v
  const read = decimalToFen(unsigned)
  if ('reason' in read) {
    faults.add(rec.lineNo, where, 'amount_invalid', `Line ${rec.lineNo}: the amount ${read.reason}.`)
    return undefined
  }
  if (read.fen === 0) {
    faults.add(rec.lineNo, where, 'amount_zero', `Line ${rec.lineNo} is for 0.00; no payment is for nothing.`)
    return undefined
  }
  return read.fen
}

function readDateField(rec: CmbRecord<LineSource>, faults: Faults): WorkDate | null {
  const v = rec.fields.get('TRSDAT')
  if (v === undefined) return null
  const d = readDate(v)
  if (d === undefined) faults.add(rec.lineNo, fieldName(rec, 'TRSDAT'), 'date_invalid', `Line ${rec.lineNo}: TRSDAT "${v}" is not a date (YYYYMMDD).`)
  return d ?? null
}

function readSeq(rec: CmbRecord<LineSource>, name: string, faults: Faults, required: boolean): string | undefined {
  const v = rec.fields.get(name)
  if (v === undefined) {
    if (required) faults.add(rec.lineNo, fieldName(rec, name), 'seq_missing', `Line ${rec.lineNo} has no ${name}, its place in the batch: it cannot be matched to our instruction line.`)
    return undefined
  }
  if (!SEQ_TEXT.test(v)) {
    faults.add(rec.lineNo, fieldName(rec, name), 'seq_invalid', `Line ${rec.lineNo}: ${name} "${v}" is not a line number of up to 8 digits.`)
    return undefined
  }
  return seqOf(v)
}

/** "CMB1003 客户名失配" → code and words; a reason without a leading code is words only. */
function splitReason(text: string | undefined): { code: string | null; words: string | null } {
  if (text === undefined) return { code: null, words: null }
  const m = /^([A-Z]{2,}\d{2,})\s+(\S.*)$/.exec(text)
  return m ? { code: m[1] ?? null, words: m[2] ?? null } : { code: null, words: text }
}

function readResultLine(rec: CmbRecord<Exclude<LineSource, 'NTAGDRFDZ1'>>, batch: Batch | undefined, reqnbr: string | undefined, faults: Faults): Read | undefined {
  const before = faults.count
  const f = rec.fields
  const table = RESULT_STATUS[rec.source]
  const code = f.get('STSCOD')
  let meaning: Meaning | undefined
  if (code === undefined) {
    faults.add(rec.lineNo, fieldName(rec, 'STSCOD'), 'status_missing', `Line ${rec.lineNo} has no status (STSCOD): whether it was paid cannot be told. Ask the bank for the batch's details with each line's status.`)
  } else {
    meaning = table.get(code)
    if (meaning === undefined) {
      faults.add(rec.lineNo, fieldName(rec, 'STSCOD'), 'status_unknown', `Line ${rec.lineNo}: status "${code}" is not one ${rec.source} gives (${[...table.entries()].map(([c, m]) => `${c} ${m.words}`).join(', ')}); ask the bank what it means before the file is read.`)
    }
  }
  if (f.get('LGRAMT') !== undefined) {
    faults.add(rec.lineNo, fieldName(rec, 'LGRAMT'), 'not_agency_payment', `Line ${rec.lineNo} carries an amount collected (LGRAMT, 实际代扣金额): this is a 代扣 (collection) result, not a 代发 payment.`)
  }
  const card = readCard(rec, faults)
  const amount = readLineAmount(rec, faults)
  const date = readDateField(rec, faults)
  const seq = rec.source === 'NTQATDQYZ' ? undefined : readSeq(rec, 'TRXSEQ', faults, true)
  if (meaning === undefined || card === undefined || amount === undefined || faults.count > before) return undefined

  let status = meaning.status
  let reason = splitReason(f.get('ERRTXT') ?? f.get('ERRDSP'))
  let reasonCode = f.get('ERRCOD') ?? reason.code
  if (batch?.verdict !== undefined) {
    const unpaid = BATCH_UNPAID.has(batch.verdict)
    const words = BATCH_RESULT.get(batch.verdict) ?? batch.verdict
    if (status === 'booked' && unpaid) {
      faults.add(rec.lineNo, fieldName(rec, 'STSCOD'), 'status_contradiction', `Line ${rec.lineNo} is paid (S) but its batch's result is ${batch.verdict} ${words}; the file contradicts itself. Query the batch's result again.`)
      return undefined
    }
    if (status === 'pending' && !unpaid) {
      faults.add(rec.lineNo, fieldName(rec, 'STSCOD'), 'status_contradiction', `Line ${rec.lineNo} is still ${code ?? ''} ${meaning.words} but its batch is finished (${batch.verdict} ${words}); the file contradicts itself. Query the batch's result again.`)
      return undefined
    }
    // A finished batch that paid nothing leaves no line waiting: an unfinished line of it was never paid.
    if (status === 'pending') {
      status = 'rejected'
      reasonCode = null
      reason = { code: null, words: `批次${words}${batch.errdsp === undefined ? '' : `：${batch.errdsp}`}` }
    }
  }
  if (status === 'rejected' && reason.words === null && reasonCode === null) reason = { code: null, words: meaning.words }
  const reasons = status === 'booked' ? { reasonCode: null, reasonText: null } : { reasonCode: reasonCode ?? null, reasonText: reason.words }
  const ref = reqnbr ?? f.get('BTHNBR')
  const yurref = f.get('YURREF') ?? batch?.yurref ?? null
  return {
    key: seq,
    line: {
      lineNo: rec.lineNo,
      status,
      payeeCard: card,
      payeeName: f.get('ACCNAM') ?? f.get('CLTNAM') ?? null,
      amountFen: amount,
      currency: 'CNY',
      endToEndId: null,
      paymentInfoId: yurref,
      bankRef: ref !== undefined && seq !== undefined ? `${ref}/${seq}` : lineRefOf(rec.source, ref, yurref, seq, card, amount, date),
      uetr: null,
      bookingDate: date,
      valueDate: date,
      ...reasons,
      payerAccountNo: batch?.account ?? null,
      returnOf: null,
      trxseq: seq ?? null,
    },
  }
}

/**
 * Made-up references (lineRefOf) repeated within one answer — two lines of one batch paying one card the same amount
 * the same day, as when two workers share a card — are told apart by their order (`#2`, `#3`), which a query of the
 * same batch gives again.
 */
function numberRepeatedRefs(lines: CmbPaymentEvidence[]): void {
  const count = new Map<string, number>()
  for (const line of lines) {
    if (line.bankRef === null || !line.bankRef.startsWith(MADE_UP_REF)) continue
    const n = (count.get(line.bankRef) ?? 0) + 1
    count.set(line.bankRef, n)
    if (n > 1) line.bankRef = `${line.bankRef}#${n}`
  }
}

/**
 * The reference of a line whose answer names no batch number and place (GetAgentDetail's NTQATDQYZ; NTAGDINF without
 * its batch record): made from what the bank says of the payment — batch, place, card, amount, date — so the same payment
 * answered again by a later query of the batch has the same reference, and is refused as already posted instead of
 * counting twice. A digest, so no card number is shown as a reference.
 */
function lineRefOf(source: string, batchNo: string | undefined, yurref: string | null, seq: string | undefined, card: string, amount: Fen, date: WorkDate | null): string | null {
  // With neither a batch nor a date, card and amount alone would make one reference of a fixed wage paid every month:
  // such a line gets none, and the file's own (its digest and line) is used, as before.
  if (batchNo === undefined && yurref === null && date === null) return null
  const digest = createHash('sha256').update(`${batchNo ?? ''}|${yurref ?? ''}|${seq ?? ''}|${card}|${amount}|${date ?? ''}`).digest('hex').slice(0, 24)
  return `${MADE_UP_REF}${source}:${digest}`
}

const MADE_UP_REF = 'cmb:'

/**
 * A 退票 (NTAGDRFDZ1): a payment CMB had paid and the payee's bank sent back. Every record of the refund query is one;
 * its STSCOD is E (失败, what became of the payment) in the sample, and a record without one is a return all the same.
 * Any other code is refused: what S would mean in a list of returns cannot be told from the specs.
 */
function readReturnLine(rec: CmbRecord<'NTAGDRFDZ1'>, faults: Faults): Read | undefined {
  const before = faults.count
  const f = rec.fields
  const code = f.get('STSCOD')
  if (code !== undefined && code !== 'E') {
    faults.add(rec.lineNo, fieldName(rec, 'STSCOD'), 'status_unknown', `Return ${rec.lineNo}: status "${code}" is not one a 退票 record gives (E 失败, the payment returned); ask the bank what it means before the file is read.`)
  }
  const card = readCard(rec, faults)
  const amount = readLineAmount(rec, faults)
  const date = readDateField(rec, faults)
  const seq = readSeq(rec, 'BTHDTL', faults, false)
  if (card === undefined || amount === undefined || faults.count > before) return undefined
  const reqnbr = f.get('REQNBR')
  const original = reqnbr !== undefined && seq !== undefined ? `${reqnbr}/${seq}` : null
  const reason = splitReason(f.get('RTNTXT'))
  return {
    key: original ?? undefined,
    line: {
      lineNo: rec.lineNo,
      status: 'returned',
      payeeCard: card,
      payeeName: f.get('EACNAM') ?? null,
      amountFen: amount,
      currency: 'CNY',
      endToEndId: null,
      paymentInfoId: f.get('YURREF') ?? null,
      // The return's own reference: one payment is returned once, so the original's and a mark make it unique.
      bankRef: original === null ? null : `${original}/RTN`,
      uetr: null,
      bookingDate: date,
      valueDate: date,
      reasonCode: f.get('RTNCOD') ?? f.get('ERRCOD') ?? reason.code,
      reasonText: reason.words,
      payerAccountNo: null,
      returnOf: { endToEndId: null, bankRef: original },
      trxseq: seq ?? null,
    },
  }
}

/** The batch's counts and sums against its lines, when the file holds the whole batch. */
function checkTotals(batch: Batch, lines: readonly CmbPaymentEvidence[], faults: Faults): void {
  const where = (name: string) => fieldName(batch.rec, name)
  const all = lines.reduce((s, l) => s.plus(l.amountFen ?? 0), new Money(0))
  const paid = lines.filter((l) => l.status === 'booked')
  const paidSum = paid.reduce((s, l) => s.plus(l.amountFen ?? 0), new Money(0))
  if (batch.trsnum !== undefined && batch.trsnum !== lines.length) {
    faults.add(0, where('TRSNUM'), 'count_mismatch', `The batch counts ${batch.trsnum} payments (TRSNUM); the file lists ${lines.length}. It may be cut short: query the batch's details again.`)
  }
  if (batch.totamt !== undefined && !all.eq(batch.totamt)) {
    faults.add(0, where('TOTAMT'), 'total_mismatch', `The batch's total (TOTAMT) is ${yuan(batch.totamt)}; its lines add up to ${yuan(all)}.`)
  }
  if (batch.sucnum !== undefined && batch.sucnum !== paid.length) {
    faults.add(0, where('SUCNUM'), 'count_mismatch', `The batch counts ${batch.sucnum} payments paid (SUCNUM); ${paid.length} of its lines are paid (S).`)
  }
  if (batch.sucamt !== undefined && !paidSum.eq(batch.sucamt)) {
    faults.add(0, where('SUCAMT'), 'total_mismatch', `The batch says ${yuan(batch.sucamt)} was paid (SUCAMT); its paid lines add up to ${yuan(paidSum)}.`)
  }
}

/** The evidence a CMB document gives, or undefined when faults were found (they are in `faults`). */
export function evidenceOf(doc: CmbDocument, faults: Faults): EvidenceFile | undefined {
  const before = faults.count
  const batches = doc.batches.map((b) => readBatch(b, faults))
  const results = doc.lines.filter((l): l is CmbRecord<Exclude<LineSource, 'NTAGDRFDZ1'>> => l.source !== 'NTAGDRFDZ1')
  // Result lines belong to the batch the file describes; with several batches listed, to none that can be told.
  if (results.length > 0 && batches.length > 1) {
    faults.add(0, batches[1]?.rec.source ?? 'batch', 'batch_ambiguous', `The file describes ${batches.length} batches and lists payee lines: which batch a line belongs to cannot be told. Query one batch at a time.`)
    return undefined
  }
  const batch = batches.length === 1 ? batches[0] : undefined
  if (doc.continued?.reqnbr !== undefined && batch?.reqnbr !== undefined && doc.continued.reqnbr !== batch.reqnbr) {
    faults.add(0, 'NTAGDINFY1/REQNBR', 'batch_ambiguous', `The file describes batch ${batch.reqnbr} but continues batch ${doc.continued.reqnbr}.`)
  }
  const reqnbr = batch?.reqnbr ?? doc.continued?.reqnbr
  const lines: CmbPaymentEvidence[] = []
  const seen = new Map<string, number>()
  for (const rec of doc.lines) {
    const read = rec.source === 'NTAGDRFDZ1' ? readReturnLine(rec as CmbRecord<'NTAGDRFDZ1'>, faults) : readResultLine(rec as CmbRecord<Exclude<LineSource, 'NTAGDRFDZ1'>>, batch, reqnbr, faults)
    if (read === undefined) continue
    if (read.key !== undefined) {
      const key = `${read.line.status === 'returned' ? 'R' : 'P'}:${read.key}`
      const first = seen.get(key)
      if (first !== undefined) {
        faults.add(rec.lineNo, fieldName(rec, rec.source === 'NTAGDRFDZ1' ? 'BTHDTL' : 'TRXSEQ'), 'line_duplicate', `Line ${rec.lineNo} is the same payment as line ${first} (${read.key}); the file lists it twice.`)
        continue
      }
      seen.set(key, rec.lineNo)
    }
    lines.push(read.line)
  }
  numberRepeatedRefs(lines)
  if (faults.count > before) return undefined
  if (batch !== undefined && results.length > 0 && doc.continued === undefined) checkTotals(batch, lines, faults)
  if (faults.count > before) return undefined
  const accounts = new Set(batches.flatMap((b) => (b.account === undefined ? [] : [b.account])))
  return {
    format: 'cmb-agency',
    variant: doc.variant,
    accountNo: accounts.size === 1 ? ([...accounts][0] ?? null) : null,
    // CMB answers a query; it sends no message of its own. The same batch queried twice is two readings of it (the
    // second may know more), so no id is given that would make the later one look like a repeat of the first.
    messageId: null,
    originalMessageId: null,
    lines,
    // A batch record without its lines says how the batch went, not who was paid: counted, not lost.
    ignored: results.length === 0 && batches.length > 0 ? { count: batches.length, reasons: { batch_summary_without_lines: batches.length } } : { count: 0, reasons: {} },
  }
}
