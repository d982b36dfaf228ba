/**
 * One camt entry (Ntry, 记账条目) to payment evidence: which of its transactions (TxDtls) are payments of ours, which
 * are money coming back (退票 or a reversal), and which are not ours to reconcile (funding coming in, bank charges,
 * information-only entries), each counted. Read with the statement module's path helpers, so both read a camt file
 * the same way where they overlap (versions 001.02 to 001.08: `Sts` or `Sts/Cd`, `Cdtr/Nm` or `Cdtr/Pty/Nm`,
 * `TxDtls/Amt` or `TxDtls/AmtDtls/TxAmt/Amt`).
 *
 * A batch-booked entry (批量记账) whose TxDtls all state an amount is one line per TxDtls, the amounts adding up to
 * the entry's; when none states one, each TxDtls is still a line (the payment is known by its references) with no
 * amount; a batch where only some do cannot be checked and is refused.
 */
import { STATEMENT_LINE_AMOUNT_FEN_MAX, accountDigits, decimalTextToFen, decimalToFen, readDate, readDateTimeDate } from '../../../account/statements/statement.ts'
import { FEN_MAX, Money, fen, type Fen } from '../../../kernel/money.ts'
import { DEFAULT_TIME_ZONE, type WorkDate } from '../../../kernel/time.ts'
import { at, isNode, list, rawText, type Node } from '../../../kernel/xml.ts'
import type { EvidenceStatus, PaymentEvidence } from '../evidence.ts'
import type { Faults } from './faults.ts'

export type Direction = 'credit' | 'debit'

export interface Amount {
  fen: Fen
  currency: string
}

/** Why a transaction read is not a line: the keys of `EvidenceFile.ignored.reasons`. */
export type IgnoredReason = 'information_only' | 'credit_not_payment' | 'credit_reversed' | 'credit_sent_back' | 'bank_charge' | 'return_not_booked'

/** What is kept of one TxDtls once it has closed: the element itself is dropped (a batch may hold 100,000). */
export interface TxRecord {
  /** 1-based within its entry, across the entry's NtryDtls. */
  no: number
  /** Which of the entry's NtryDtls (0-based) it was in, for that block's Btch count. */
  block: number
  /** null: not stated; undefined: stated and refused (a fault is recorded). */
  amount: Amount | null | undefined
  direction: Direction | null | undefined
  acctSvcrRef: string | null
  endToEndId: string | null
  paymentInfoId: string | null
  uetr: string | null
  messageId: string | null
  creditor: { name: string | null; accountNo: string | null }
  debtor: { name: string | null; accountNo: string | null }
  /** RtrInf (return reason information), when the transaction is a return. */
  returnInfo: { code: string | null; text: string | null } | null
  charge: boolean
}

/** One child element (the first, when it repeats), or undefined. */
function child(node: unknown, key: string): unknown {
  const v = isNode(node) ? node[key] : undefined
  return Array.isArray(v) ? v[0] : v
}

/**
 * kernel/xml.ts's `rawText` (an element's text at a path, XML escapes decoded), with the common case, plain text
 * without an escape, taken without its regular expression: a batch reads a dozen of these per transaction.
 */
export function textAt(node: unknown, ...path: string[]): string | undefined {
  let cur = node
  for (const key of path) cur = child(cur, key)
  return textOf(cur)
}

/** textAt of an element already found: a transaction's fields are read through `child` without a path array each. */
function textOf(el: unknown): string | undefined {
  if (typeof el === 'string' && !el.includes('&')) return el
  // An amount's text beside its currency: rawText's answer without its regular expression, when it has no escape.
  if (isNode(el)) {
    const text = el['#text']
    if (typeof text === 'string' && !text.includes('&')) return text
  }
  return el === undefined ? undefined : rawText({ v: el } satisfies Node, 'v')
}

/**
 * A string of its own. A cut of 13 characters or more from the file's decoded text is, in V8, a view into all of it,
 * so the evidence of a 118 MB file kept 278 MB of heap alive after reading (its text is UTF-16 once it holds Chinese)
 * for as long as the lines are stored and reconciled; with each kept string copied, 83 MB. Concatenating and cutting
 * again leaves a copy of just this string.
 */
export const detached = (s: string): string => (s.length < 13 ? s : (' ' + s).slice(1))

/** Text kept on a line: trimmed, detached from the file's text, null when empty. */
export const nonEmpty = (s: string | undefined): string | null => {
  const t = s?.trim()
  return t === undefined || t === '' ? null : detached(t)
}

/** ISO 20022 bank transaction sub-families that are the bank's charges and fees, not payments. */
const CHARGE_SUBFAMILIES = new Set(['CHRG', 'FEES', 'COMM'])
const isCharge = (node: unknown): boolean => {
  const code = child(node, 'BkTxCd')
  return code !== undefined && CHARGE_SUBFAMILIES.has(textOf(child(child(child(code, 'Domn'), 'Fmly'), 'SubFmlyCd')) ?? '')
}

/**
 * A total (a batch entry, a summary's sum) to fen: decimalToFen's rule without its ceiling of one line, which a batch
 * of a month's wages passes; within FEN_MAX, so any sum of totals stays exact.
 */
export const totalToFen = (text: string): { fen: Fen } | { reason: string } => {
  const plain = plainFen(text)
  return plain !== undefined && plain <= FEN_MAX ? { fen: fen(plain) } : decimalTextToFen(text, FEN_MAX, 'the largest total this ledger keeps')
}

/** A line's amount to fen: decimalToFen, its common case taken without decimal.js. */
const lineToFen = (text: string): { fen: Fen } | { reason: string } => {
  const plain = plainFen(text)
  return plain !== undefined && plain <= STATEMENT_LINE_AMOUNT_FEN_MAX ? { fen: fen(plain) } : decimalToFen(text)
}

/**
 * The amount as banks nearly always write it ("6000.00": 1 to 13 digits, then none or a point and one or two digits,
 * nothing around them) to fen in plain arithmetic, or undefined for any other text. Exact: the value in fen is below
 * 10^13 · 100 = 10^15 < 2^53, so each step (v · 10 + digit) is an integer a double holds exactly. Such a text is one
 * decimalTextToFen takes (up to 16 digits, a point, digits), which gives the same fen; every other text, and a value
 * above the ceiling (whose reason it words), still goes to it, so results and reasons are unchanged. A batch of
 * 100,000 transactions is otherwise 100,000 decimals built and dropped.
 */
function plainFen(text: string): number | undefined {
  const n = text.length
  let whole = 0
  let p = 0
  for (; p < n && p <= 13; p++) {
    const d = text.charCodeAt(p) - 0x30
    if (d < 0 || d > 9) break
    whole = whole * 10 + d
  }
  if (p === 0 || p > 13) return undefined
  if (p === n) return whole * 100
  const decimals = n - p - 1
  if (text.charCodeAt(p) !== 0x2e /* . */ || decimals < 1 || decimals > 2) return undefined
  const tenths = text.charCodeAt(p + 1) - 0x30
  const hundredths = decimals === 2 ? text.charCodeAt(p + 2) - 0x30 : 0
  if (tenths < 0 || tenths > 9 || hundredths < 0 || hundredths > 9) return undefined
  return whole * 100 + tenths * 10 + hundredths
}

/**
 * A running total of fen, in a double while it is exact and in decimal.js from the first addition that might not be:
 * when both terms and the sum are safe integers, IEEE addition gave the exact sum (it rounds the exact result to the
 * nearest double, and every integer below 2^53 is one); once a sum is not a safe integer the total so far, still
 * exact, goes on in decimal.js. The same total as adding every term in decimal.js, without a decimal per term.
 */
class FenTotal {
  private small = 0
  private big: InstanceType<typeof Money> | null = null
  add(f: number): void {
    if (this.big === null) {
      const sum = this.small + f
      if (Number.isSafeInteger(f) && Number.isSafeInteger(sum)) {
        this.small = sum
        return
      }
      this.big = new Money(this.small)
    }
    this.big = this.big.plus(f)
  }
  get total(): InstanceType<typeof Money> {
    return this.big ?? new Money(this.small)
  }
}

/**
 * An amount element (`Amt`, or another name such as Btch's `TtlAmt`) with its currency attribute, to fen: a line's
 * amount within the statement module's ceiling of one line, a total within FEN_MAX.
 */
/** A transaction's place in its entry: spelled out as a path only when it has a fault, not for each of a batch's 100,000. */
export interface TxPlace {
  entryNo: number
  no: number
}
/** Where a fault is (a path, or a transaction's place), to which `within`, a path below it, is added. */
export type FieldOf = string | TxPlace
const fieldOf = (field: FieldOf, within: string): string => (typeof field === 'string' ? field : `Ntry[${field.entryNo}]/NtryDtls/TxDtls[${field.no}]`) + within

export function readAmount(
  node: unknown,
  lineNo: number,
  field: FieldOf,
  faults: Faults,
  element = 'Amt',
  kind: 'line' | 'total' = 'line',
  within = '',
): Amount | undefined {
  const amt = at(node, element)
  return amountOf(amt, textOf(amt), lineNo, field, faults, element, kind, within)
}

/** readAmount of the amount element `amt` found, whose text is `value`. */
function amountOf(amt: unknown, value: string | undefined, lineNo: number, field: FieldOf, faults: Faults, element: string, kind: 'line' | 'total', within: string): Amount | undefined {
  if (value === undefined) {
    faults.add(lineNo, fieldOf(field, within), 'amount_missing', `Entry ${lineNo}: the amount (${element}) is missing.`)
    return undefined
  }
  const currency = isNode(amt) ? amt['@_Ccy'] : undefined
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
    faults.add(lineNo, `${fieldOf(field, within)}/@Ccy`, 'currency_missing', `Entry ${lineNo}: the amount ${value} has no ISO 4217 currency (Ccy).`)
    return undefined
  }
  const parsed = kind === 'line' ? lineToFen(value) : totalToFen(value)
  if ('reason' in parsed) {
    faults.add(lineNo, fieldOf(field, within), 'amount_invalid', `Entry ${lineNo}: the amount ${parsed.reason}.`)
    return undefined
  }
  return { fen: parsed.fen, currency }
}

export function readDirection(node: unknown, lineNo: number, field: FieldOf, faults: Faults, within = ''): Direction | undefined {
  return directionOf(textAt(node, 'CdtDbtInd'), lineNo, field, faults, within)
}

function directionOf(ind: string | undefined, lineNo: number, field: FieldOf, faults: Faults, within: string): Direction | undefined {
  if (ind === 'CRDT') return 'credit'
  if (ind === 'DBIT') return 'debit'
  faults.add(lineNo, fieldOf(field, within), 'direction_invalid', `Entry ${lineNo}: CdtDbtInd is ${ind === undefined ? 'missing' : `"${ind}"`}; it must be CRDT or DBIT.`)
  return undefined
}

/** A party the file does not name: one object for them all (a TxRecord's parties are only read). */
const NO_PARTY: { readonly name: null; readonly accountNo: null } = Object.freeze({ name: null, accountNo: null })

/** A related party as the statement module's `party` reads it (Nm to 001.07, Pty/Nm from 001.08; IBAN or Othr/Id), absent parts null. */
const sideOf = (parties: unknown, side: 'Cdtr' | 'Dbtr'): { name: string | null; accountNo: string | null } => {
  if (parties === undefined) return NO_PARTY
  const p = child(parties, side)
  const acct = child(child(parties, side === 'Cdtr' ? 'CdtrAcct' : 'DbtrAcct'), 'Id')
  const id = nonEmpty(textOf(child(acct, 'IBAN')) ?? textOf(child(child(acct, 'Othr'), 'Id')))
  const name = nonEmpty(textOf(child(p, 'Nm')) ?? textOf(child(child(p, 'Pty'), 'Nm')))
  return name === null && id === null ? NO_PARTY : { name, accountNo: id === null ? null : digitsOf(id) }
}

/** accountDigits, whose regular expression leaves an account written as letters and digits alone as it is: most are. */
function digitsOf(id: string): string {
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i)
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return accountDigits(id)
  }
  return id
}

function returnInfoOf(rtr: unknown): { code: string | null; text: string | null } {
  // AddtlInf repeats (up to 2 in 001.02, unbounded later): a reason in words may run over several.
  const additional = list(isNode(rtr) ? rtr['AddtlInf'] : undefined)
    .map((v) => nonEmpty(textAt({ v }, 'v')))
    .filter((s): s is string => s !== null)
  return { code: nonEmpty(textAt(rtr, 'Rsn', 'Cd') ?? textAt(rtr, 'Rsn', 'Prtry')), text: additional.length === 0 ? null : additional.join(' ') }
}

export function readTx(tx: unknown, entryNo: number, no: number, block: number, faults: Faults): TxRecord {
  const field: TxPlace = { entryNo, no }
  const amt = child(tx, 'Amt')
  const amtText = textOf(amt)
  let amount: Amount | null | undefined = null
  if (amtText !== undefined) amount = amountOf(amt, amtText, entryNo, field, faults, 'Amt', 'line', '/Amt')
  else {
    const txAmt = child(child(child(tx, 'AmtDtls'), 'TxAmt'), 'Amt')
    const txAmtText = textOf(txAmt)
    if (txAmtText !== undefined) amount = amountOf(txAmt, txAmtText, entryNo, field, faults, 'Amt', 'line', '/AmtDtls/TxAmt/Amt')
  }
  const ind = textOf(child(tx, 'CdtDbtInd'))
  const direction = ind === undefined ? null : directionOf(ind, entryNo, field, faults, '/CdtDbtInd')
  const rtr = child(tx, 'RtrInf')
  const refs = child(tx, 'Refs')
  const e2e = nonEmpty(textOf(child(refs, 'EndToEndId')))
  const parties = child(tx, 'RltdPties')
  return {
    no,
    block,
    amount,
    direction,
    acctSvcrRef: nonEmpty(textOf(child(refs, 'AcctSvcrRef'))),
    endToEndId: e2e === 'NOTPROVIDED' ? null : e2e,
    paymentInfoId: nonEmpty(textOf(child(refs, 'PmtInfId'))),
    uetr: nonEmpty(textOf(child(refs, 'UETR'))),
    messageId: nonEmpty(textOf(child(refs, 'MsgId'))),
    creditor: sideOf(parties, 'Cdtr'),
    debtor: sideOf(parties, 'Dbtr'),
    returnInfo: rtr === undefined ? null : returnInfoOf(rtr),
    charge: isCharge(tx),
  }
}

/** An entry-level placeholder for an entry that lists no TxDtls: the entry is then the one transaction. */
const noDetails = (): TxRecord => ({
  no: 1,
  block: 0,
  amount: null,
  direction: null,
  acctSvcrRef: null,
  endToEndId: null,
  paymentInfoId: null,
  uetr: null,
  messageId: null,
  creditor: { name: null, accountNo: null },
  debtor: { name: null, accountNo: null },
  returnInfo: null,
  charge: false,
})

/**
 * A date (Dt) as written; a date-time with an offset (DtTm …Z) dated in Asia/Shanghai, as account statements date it in
 * the project's zone: the reader knows no project, and a project elsewhere is not yet seen.
 */
function readDateOf(node: unknown): WorkDate | undefined {
  const dt = textAt(node, 'Dt')
  if (dt !== undefined) return readDate(dt)
  const t = textAt(node, 'DtTm')
  return t === undefined ? undefined : readDateTimeDate(t, DEFAULT_TIME_ZONE)
}

export interface EntryRead {
  amount: Amount
  direction: Direction
  lines: PaymentEvidence[]
  ignored: IgnoredReason[]
}

/**
 * The message our instructions went in (Refs/MsgId), when every line names the same one: the file's
 * originalMessageId. Kept as the lines are read rather than on each line, which has no place for it.
 */
export class SameMessage {
  private value: string | null | undefined = undefined
  private mixed = false
  note(id: string | null): void {
    if (this.value === undefined) this.value = id
    else if (this.value !== id) this.mixed = true
  }
  get id(): string | null {
    return this.mixed ? null : (this.value ?? null)
  }
}

export interface EntryContext {
  entryNo: number
  /** The reported account (Acct/Id), digits only: the account paid from. */
  accountNo: string | null
  messages: SameMessage
}

/**
 * Reads one entry and its transactions (already read as they closed). Undefined when the entry is refused: its
 * faults are recorded, and it counts in no check that would repeat them.
 */
export function readEntry(ntry: unknown, txs: readonly TxRecord[], ctx: EntryContext, faults: Faults): EntryRead | undefined {
  const { entryNo } = ctx
  const base = `Ntry[${entryNo}]`
  const before = faults.count
  const amount = readAmount(ntry, entryNo, `${base}/Amt`, faults, 'Amt', 'total')
  const direction = readDirection(ntry, entryNo, `${base}/CdtDbtInd`, faults)
  const status = textAt(ntry, 'Sts', 'Cd') ?? textAt(ntry, 'Sts')
  if (amount === undefined || direction === undefined) return undefined
  if (status === undefined || status.trim() === '') {
    faults.add(entryNo, `${base}/Sts`, 'status_missing', `Entry ${entryNo} has no status (Sts); it must say whether it is booked (BOOK), pending (PDNG) or information (INFO).`)
    return undefined
  }
  if (status === 'INFO') return { amount, direction, lines: [], ignored: ['information_only'] }
  let evidence: 'booked' | 'pending'
  switch (status) {
    case 'BOOK':
      evidence = 'booked'
      break
    case 'PDNG':
    case 'FUTR':
      evidence = 'pending'
      break
    default:
      faults.add(entryNo, `${base}/Sts`, 'status_unknown', `Entry ${entryNo} has status "${status}"; a camt entry is BOOK, PDNG, FUTR or INFO.`)
      return undefined
  }

  const reversalText = textAt(ntry, 'RvslInd')
  if (reversalText !== undefined && reversalText !== 'true' && reversalText !== 'false') {
    faults.add(entryNo, `${base}/RvslInd`, 'reversal_indicator_invalid', `Entry ${entryNo}: RvslInd is "${reversalText}"; it must be true or false.`)
  }
  const reversal = reversalText === 'true'
  const bookingDate = at(ntry, 'BookgDt') === undefined ? null : (readDateOf(at(ntry, 'BookgDt')) ?? null)
  if (at(ntry, 'BookgDt') !== undefined && bookingDate === null) {
    faults.add(entryNo, `${base}/BookgDt`, 'booking_date_invalid', `Entry ${entryNo}: the booking date (BookgDt/Dt or BookgDt/DtTm) is not a date.`)
  }
  const valueDate = at(ntry, 'ValDt') === undefined ? bookingDate : (readDateOf(at(ntry, 'ValDt')) ?? null)
  if (at(ntry, 'ValDt') !== undefined && valueDate === null) {
    faults.add(entryNo, `${base}/ValDt`, 'value_date_invalid', `Entry ${entryNo}: the value date (ValDt/Dt or ValDt/DtTm) is not a date.`)
  }
  const entryRef = nonEmpty(textAt(ntry, 'AcctSvcrRef'))
  checkBlocks(ntry, txs, entryNo, faults)
  const amounts = transactionAmounts(txs, amount, direction, entryNo, faults)
  if (faults.count > before || amounts === undefined) return undefined

  const entryCharge = isCharge(ntry)
  const details = txs.length === 0 ? [noDetails()] : txs
  const batch = details.length > 1
  const lines: PaymentEvidence[] = []
  const ignored: IgnoredReason[] = []
  for (let i = 0; i < details.length; i++) {
    const tx = details[i]!
    const kind = classify(direction, reversal, tx, entryCharge, evidence)
    if (typeof kind !== 'object') {
      ignored.push(kind)
      continue
    }
    const own = !reversal && tx.acctSvcrRef !== null && tx.acctSvcrRef !== entryRef ? tx.acctSvcrRef : null
    const bankRef = own ?? (entryRef === null ? null : batch ? `${entryRef}/${tx.no}` : entryRef)
    const payee = kind.status === 'returned' ? counterpartyOfReturn(tx, ctx.accountNo) : tx.creditor
    const amountOf = amounts[i] ?? null
    lines.push({
      lineNo: entryNo,
      status: kind.status,
      payeeCard: payee.accountNo,
      payeeName: payee.name,
      amountFen: amountOf === null ? null : amountOf.fen,
      currency: amountOf?.currency ?? amount.currency,
      endToEndId: tx.endToEndId,
      paymentInfoId: tx.paymentInfoId,
      bankRef,
      uetr: tx.uetr,
      bookingDate,
      valueDate,
      reasonCode: kind.reasonCode,
      reasonText: kind.reasonText,
      // A return credits the account the payment left; a payment names its debtor's account, else it is the reported one.
      payerAccountNo: kind.status === 'returned' ? ctx.accountNo : (tx.debtor.accountNo ?? ctx.accountNo),
      returnOf:
        kind.status === 'returned'
          ? { endToEndId: tx.endToEndId, bankRef: reversal && tx.acctSvcrRef !== null && tx.acctSvcrRef !== entryRef ? tx.acctSvcrRef : null }
          : null,
    })
    ctx.messages.note(tx.messageId)
  }
  // A batch that states no amount per transaction: each line takes our instruction's amount (src/payouts/evidence-lines.ts),
  // and those must add up to the entry, the money that moved. With a transaction left out as no payment, what the
  // others should add up to is not known, so nothing is claimed.
  if (batch && ignored.length === 0 && lines.length > 0 && amounts.every((a) => a === null)) {
    const statedTotal = { group: `Ntry[${entryNo}]`, totalFen: amount.fen, field: `Ntry[${entryNo}]/Amt`, code: 'batch_sum_mismatch' as const, label: `Entry ${entryNo}` }
    for (const line of lines) line.statedTotal = statedTotal
  }
  return { amount, direction, lines, ignored }
}

type Kind = { status: EvidenceStatus; reasonCode: string | null; reasonText: string | null } | IgnoredReason

/**
 * What a transaction is to the payroll: a debit is a payment (unless it is the bank's charge, or money we sent back);
 * a credit carrying return information (RtrInf) is a payment coming back (退票); a reversal of a debit undoes the
 * payment; every other credit is money coming in, not a payment.
 */
function classify(direction: Direction, reversal: boolean, tx: TxRecord, entryCharge: boolean, evidence: 'booked' | 'pending'): Kind {
  if (direction === 'debit') {
    if (reversal) return 'credit_reversed'
    if (tx.returnInfo !== null) return 'credit_sent_back'
    if (tx.charge || entryCharge) return 'bank_charge'
    return { status: evidence, reasonCode: null, reasonText: null }
  }
  if (reversal) {
    if (evidence !== 'booked') return 'return_not_booked'
    return {
      status: 'returned',
      reasonCode: tx.returnInfo?.code ?? 'reversal',
      reasonText: tx.returnInfo?.text ?? 'The bank reversed its booking of this payment (RvslInd).',
    }
  }
  if (tx.returnInfo === null) return 'credit_not_payment'
  if (evidence !== 'booked') return 'return_not_booked'
  return { status: 'returned', reasonCode: tx.returnInfo.code, reasonText: tx.returnInfo.text }
}

/**
 * Whom a returned payment had paid. Banks differ on a return's parties: some repeat the original's (the worker as
 * creditor), some name who sent the money back (the worker as debtor). The one that is not our account is the payee.
 */
function counterpartyOfReturn(tx: TxRecord, ours: string | null): { name: string | null; accountNo: string | null } {
  const notOurs = (p: { accountNo: string | null }) => p.accountNo !== null && p.accountNo !== ours
  if (notOurs(tx.creditor)) return tx.creditor
  if (notOurs(tx.debtor)) return tx.debtor
  return tx.creditor.name !== null ? tx.creditor : tx.debtor
}

/**
 * Each transaction's amount, or null when the file states none (the entry's own when it is the only one). Refuses
 * (undefined, faults recorded) what cannot be checked against the entry or does not add up to it.
 */
function transactionAmounts(txs: readonly TxRecord[], entry: Amount, direction: Direction, entryNo: number, faults: Faults): (Amount | null)[] | undefined {
  const field = `Ntry[${entryNo}]/NtryDtls/TxDtls`
  // The entry's amount is a line's when it is the one payment: a line's ceiling then applies to it.
  const entryAsLine = (): Amount[] | undefined => {
    if (entry.fen <= STATEMENT_LINE_AMOUNT_FEN_MAX) return [entry]
    faults.add(entryNo, `Ntry[${entryNo}]/Amt`, 'amount_invalid', `Entry ${entryNo}: its one payment of ${formatAmount(entry)} is above the largest line a file may carry (${STATEMENT_LINE_AMOUNT_FEN_MAX / 100} yuan).`)
    return undefined
  }
  if (txs.length === 0) return entryAsLine()
  if (txs.some((tx) => tx.amount === undefined || tx.direction === undefined)) return undefined
  const stated = txs.filter((tx) => tx.amount !== null)
  if (stated.length === 0) return txs.length === 1 ? entryAsLine() : txs.map(() => null)
  if (stated.length < txs.length) {
    faults.add(
      entryNo,
      field,
      'batch_amounts_incomplete',
      `Entry ${entryNo}: ${stated.length} of its ${txs.length} transactions state an amount and the others do not, so the batch cannot be checked against the entry's ${formatAmount(entry)}.`,
    )
    return undefined
  }
  if (txs.length === 1) {
    // One transaction in another currency is the instructed amount of a converted payment: the entry's amount stands.
    const own = txs[0]!.amount!
    if (own.currency !== entry.currency) return entryAsLine()
    if (own.fen !== entry.fen) {
      faults.add(entryNo, `${field}[1]/Amt`, 'batch_sum_mismatch', `Entry ${entryNo}: its transaction is ${formatAmount(own)}, the entry says ${formatAmount(entry)}.`)
      return undefined
    }
    return [own]
  }
  const sum = new FenTotal()
  let ok = true
  for (const tx of txs) {
    const a = tx.amount!
    if (a.currency !== entry.currency) {
      faults.add(entryNo, `${field}[${tx.no}]/Amt`, 'batch_currency_mismatch', `Entry ${entryNo}: transaction ${tx.no} is in ${a.currency}, the entry in ${entry.currency}.`)
      ok = false
    }
    if (tx.direction !== null && tx.direction !== direction) {
      faults.add(entryNo, `${field}[${tx.no}]/CdtDbtInd`, 'batch_direction_mismatch', `Entry ${entryNo}: transaction ${tx.no} is booked in the other direction than its entry.`)
      ok = false
    }
    sum.add(a.fen)
  }
  if (!ok) return undefined
  const total = sum.total
  if (!total.eq(entry.fen)) {
    faults.add(
      entryNo,
      field,
      'batch_sum_mismatch',
      `Entry ${entryNo}: its ${txs.length} transactions add up to ${formatFen(total)} ${entry.currency}, the entry says ${formatAmount(entry)}.`,
    )
    return undefined
  }
  return txs.map((tx) => tx.amount!)
}

/** Each NtryDtls block's Btch (NbOfTxs, TtlAmt) against the transactions listed in it, when it lists any. */
function checkBlocks(ntry: unknown, txs: readonly TxRecord[], entryNo: number, faults: Faults): void {
  const blocks = list(isNode(ntry) ? ntry['NtryDtls'] : undefined)
  for (const [b, block] of blocks.entries()) {
    const inBlock = txs.filter((tx) => tx.block === b)
    if (inBlock.length === 0 || at(block, 'Btch') === undefined) continue
    const field = `Ntry[${entryNo}]/NtryDtls[${b + 1}]/Btch`
    const count = textAt(block, 'Btch', 'NbOfTxs')
    if (count !== undefined && (!/^\d{1,15}$/.test(count) || Number(count) !== inBlock.length)) {
      faults.add(entryNo, `${field}/NbOfTxs`, 'batch_count_mismatch', `Entry ${entryNo}: the batch says it holds ${count} transactions; the file lists ${inBlock.length}.`)
    }
    const total = textAt(block, 'Btch', 'TtlAmt')
    if (total === undefined || inBlock.some((tx) => tx.amount === null || tx.amount === undefined)) continue
    const stated = readAmount(at(block, 'Btch'), entryNo, `${field}/TtlAmt`, faults, 'TtlAmt', 'total')
    const listedSum = new FenTotal()
    for (const tx of inBlock) listedSum.add(tx.amount!.fen)
    const listed = listedSum.total
    if (stated !== undefined && !listed.eq(stated.fen)) {
      faults.add(entryNo, `${field}/TtlAmt`, 'batch_sum_mismatch', `Entry ${entryNo}: the batch's total is ${formatAmount(stated)}; its transactions add up to ${formatFen(listed)}.`)
    }
  }
}

const formatFen = (fen: InstanceType<typeof Money> | number): string => new Money(fen).div(100).toFixed(2)
const formatAmount = (a: Amount): string => `${formatFen(a.fen)} ${a.currency}`
