/**
 * ISO 20022 pain.002, CustomerPaymentStatusReport (客户付款状态报告): the bank's answer to our pain.001 instruction,
 * versions 001.03 to 001.10 (and later ones, whose shape is the same where it is read). Unknown elements are ignored.
 * Version differences read: `OrgnlTxRef/ReqdExctnDt` is a plain date in 001.03 and a choice of `Dt`/`DtTm` in 001.10;
 * `OrgnlTxRef/Cdtr/Nm` in 001.03 is `Cdtr/Pty/Nm` in 001.10; `OrgnlUETR` is only in the later versions. Both shapes
 * are read whatever version the namespace names, so the versions between need no list of their own.
 *
 * One PaymentEvidence per `TxInfAndSts`, its status that of `TxSts`, else of its `PmtInfSts`, else of `GrpSts`
 * (status.ts holds the table of codes). The standard states no inheritance clause in words, but its consistency rules
 * (GroupStatusRejectedRule, PaymentInformationStatusRejectedRule/AcceptedRule/PendingRule) make a status hold for what
 * lies below it unless that says otherwise, and only PART may have children of both kinds; a child that breaks them
 * refuses the file. A transaction that inherits its status inherits the reason with it.
 *
 * A report with a group or payment-information status and no transactions (a technical check: "the whole file
 * rejected", "accepted for processing") has no payment lines: a line is one payment, and such a report names none of
 * them. It is kept whole in `group` and `paymentInfos` (status, reason, counts), so the instruction it answers
 * (`originalMessageId`, `paymentInfoId`) can be marked by whoever holds it, and counted in `ignored` as
 * `group_without_transactions` / `payment_info_without_transactions`.
 *
 * Counts: `NbOfTxsPerSts` (DtldNbOfTxs, DtldCtrlSum per status) and `OrgnlNbOfTxs`/`OrgnlCtrlSum` are checked per
 * payment-information block and for the group. A bank may list only some transactions (only the rejected ones is
 * normal), so a level is complete when it lists as many `TxInfAndSts` as `OrgnlNbOfTxs` says (or, without it, as the
 * per-status counts add up to); then counts and sums must match exactly. A partial level may not list more of a
 * status, or more money in it, than it declares; listing more transactions than the original held refuses the file.
 *
 * Fields: OrgnlEndToEndId → endToEndId (NOTPROVIDED → null), OrgnlPmtInfId → paymentInfoId, AcctSvcrRef → bankRef,
 * OrgnlUETR → uetr, OrgnlTxRef/Amt/InstdAmt → amountFen and currency, OrgnlTxRef/Cdtr → payeeName, CdtrAcct →
 * payeeCard and DbtrAcct → payerAccountNo when they are digits (an IBAN has letters: null, and `details` says so).
 * Dates: a pain.002 reports a status, not a booking; the booking date is only what a later version states as
 * `FctvIntrBkSttlmDt` on a booked line, otherwise null, never guessed. The requested execution date and the
 * acceptance time are kept in `details`.
 */
import { accountDigits, decimalToFen, readDate } from '../../../account/statements/statement.ts'
import { FEN_MAX, Money, fen, type Fen, type MoneyDecimal } from '../../../kernel/money.ts'
import type { WorkDate } from '../../../kernel/time.ts'
import { EVIDENCE_ERRORS_MAX, EVIDENCE_LINES_MAX, type EvidenceFault, type EvidenceFile, type EvidenceParse, type EvidenceStatus, type PaymentEvidence } from '../evidence.ts'
import { decodeXml } from './decode.ts'
import { cutTransactions } from './spans.ts'
import { contradiction, evidenceStatus } from './status.ts'
import { all, at, attribute, isNode, malformed, rawText, text } from '../../../kernel/xml.ts'
import { parser } from './xml.ts'

/** A level of the report (the group, or one payment-information block) as the bank states it. */
export interface Pain002Level {
  /** GrpSts / PmtInfSts as sent; null when the level gives none. */
  code: string | null
  status: EvidenceStatus | null
  reasonCode: string | null
  reasonText: string | null
  /** OrgnlNbOfTxs: transactions in the original instruction (or its block). */
  originalCount: number | null
  /** OrgnlCtrlSum in fen. */
  originalControlSumFen: Fen | null
  /** NbOfTxsPerSts as stated. */
  perStatus: { code: string; count: number; controlSumFen: Fen | null }[]
  /** TxInfAndSts the file lists under this level. */
  listed: number
  /** Whether every transaction of the level is listed (then counts must match exactly); null when the file cannot tell. */
  complete: boolean | null
}

export interface Pain002PaymentInfo extends Pain002Level {
  /** OrgnlPmtInfId: our PmtInfId. */
  paymentInfoId: string
}

/** What a line's PaymentEvidence has no field for; `details[i]` belongs to `lines[i]`. */
export interface Pain002LineDetail {
  lineNo: number
  /** The status code the line's status comes from, and where it was given. */
  statusCode: string
  statusFrom: 'transaction' | 'payment_info' | 'group'
  /** StsId, OrgnlInstrId, ClrSysRef as sent. */
  statusId: string | null
  instructionId: string | null
  clearingSystemRef: string | null
  /** OrgnlTxRef/ReqdExctnDt: the day our instruction asked for, not a booking. */
  requestedExecutionDate: WorkDate | null
  /** AccptncDtTm as written: when the bank accepted the order for processing, not a booking. */
  acceptedAt: string | null
  /** Whether CdtrAcct was digits (payeeCard filled), something else such as an IBAN (payeeCard null), or absent. */
  payeeAccount: 'digits' | 'not_digits' | 'absent'
}

export interface Pain002File extends EvidenceFile {
  /** GrpHdr/CreDtTm as written. */
  createdAt: string | null
  /** OrgnlMsgNmId: the message the report answers (pain.001.001.09 for ours). */
  originalMessageName: string | null
  /** The encoding the file was read in (its declaration, UTF-8 without one). */
  encoding: string
  group: Pain002Level
  paymentInfos: Pain002PaymentInfo[]
  details: Pain002LineDetail[]
}

export interface Pain002Parse extends EvidenceParse {
  file?: Pain002File
}

/** Whether the text is a pain.002 (its message element), for detection: cheap, the first 4 KB only. */
export function isPain002(textOf: string): boolean {
  const head = textOf.slice(0, 4096)
  return /<(?:[\w.-]+:)?CstmrPmtStsRpt[\s>/]/.test(head)
}

/** Faults of one file, capped at EVIDENCE_ERRORS_MAX (the last one then says more were found). */
class Faults {
  readonly list: EvidenceFault[] = []
  add(lineNo: number, field: string, code: string, message: string): void {
    if (this.list.length < EVIDENCE_ERRORS_MAX - 1) this.list.push({ lineNo, field, code, message })
    else if (this.list.length === EVIDENCE_ERRORS_MAX - 1) {
      this.list.push({ lineNo: 0, field: 'file', code: 'too_many_errors', message: `More than ${EVIDENCE_ERRORS_MAX - 1} faults; the first ones are listed. The file is refused whole.` })
    }
  }
  get count(): number {
    return this.list.length
  }
}

const refuse = (lineNo: number, field: string, code: string, message: string): Pain002Parse => ({ errors: [{ lineNo, field, code, message }] })

/** `batchTransactions`: how many transactions are parsed at a time (spans.ts); tests vary it, callers leave it. */
export function parsePain002(bytes: Buffer, options: { batchTransactions?: number } = {}): Pain002Parse {
  try {
    return parseChecked(bytes, options.batchTransactions)
  } catch (err) {
    // Nothing below is meant to throw; a parser library's stack overflow on absurd nesting is the case left.
    return refuse(0, 'file', 'unreadable', `The file could not be read as XML (${err instanceof Error ? err.name : 'error'}); it may be damaged. Fetch it from the bank again.`)
  }
}

/** Start tags of transactions, counted before the tree is built so a file of millions is refused without building it. */
function countTransactions(xml: string): number {
  let n = 0
  const re = /<(?:[\w.-]+:)?TxInfAndSts[\s>/]/g
  while (re.exec(xml) !== null) n++
  return n
}

function parseChecked(bytes: Buffer, batchTransactions: number | undefined): Pain002Parse {
  const decoded = decodeXml(bytes)
  if ('code' in decoded) return refuse(0, 'file', decoded.code, decoded.message)
  const xml = decoded.text
  if (xml.trim() === '') return refuse(0, 'file', 'empty_file', 'The file is empty.')
  const bad = malformed(xml)
  if (bad !== undefined) return refuse(0, 'file', 'not_well_formed', bad.message)
  const listed = countTransactions(xml)
  if (listed > EVIDENCE_LINES_MAX) {
    return refuse(0, 'TxInfAndSts', 'too_many_lines', `The report lists ${listed} transactions, more than the ${EVIDENCE_LINES_MAX} one file may; ask the bank to split it.`)
  }
  const transactions = cutTransactions(xml, listed, batchTransactions)
  let doc: unknown
  try {
    doc = parser.parse(transactions.skeleton)
  } catch (err) {
    // The validator lets a few malformed prologs through (an unclosed quote in the XML declaration) that the parser refuses.
    return refuse(0, 'file', 'not_well_formed', `The file is not well-formed XML (${err instanceof Error ? err.message : 'unreadable'}); it may be damaged. Fetch it from the bank again.`)
  }
  const document = at(doc, 'Document')
  const report = at(isNode(document) ? document : doc, 'CstmrPmtStsRpt')
  if (!isNode(report)) return refuse(0, 'Document', 'not_pain002', 'The document is no pain.002 payment status report (CstmrPmtStsRpt).')

  const fault = new Faults()
  // The parser drops namespace declarations: the version is read from the text.
  const ns = /xmlns(?::[\w.-]+)?\s*=\s*["']urn:iso:std:iso:20022:tech:xsd:([a-z]{4}\.\d{3}\.\d{3}\.\d{2})["']/.exec(xml.slice(0, 4096))?.[1]
  if (ns !== undefined && !ns.startsWith('pain.002.')) fault.add(0, 'Document', 'namespace_mismatch', `The namespace says ${ns}, the message is a pain.002 status report; the file is inconsistent.`)
  const variant = ns ?? 'pain.002'

  const messageId = text(report, 'GrpHdr', 'MsgId') ?? null
  if (messageId === null) fault.add(0, 'GrpHdr/MsgId', 'missing_field', "The report has no message id (GrpHdr/MsgId), so a second posting of it could not be recognised.")
  const groupNode = at(report, 'OrgnlGrpInfAndSts')
  const originalMessageId = text(groupNode, 'OrgnlMsgId') ?? null
  if (originalMessageId === null) fault.add(0, 'OrgnlGrpInfAndSts/OrgnlMsgId', 'missing_field', 'The report does not say which instruction it answers (OrgnlGrpInfAndSts/OrgnlMsgId).')
  const originalMessageName = text(groupNode, 'OrgnlMsgNmId') ?? null
  if (originalMessageName !== null && /^pain\.008/i.test(originalMessageName)) {
    fault.add(0, 'OrgnlGrpInfAndSts/OrgnlMsgNmId', 'not_a_transfer_report', `The report answers a ${originalMessageName} (a direct debit collection), not a wage credit transfer.`)
  }

  const group = readLevel(groupNode, 'OrgnlGrpInfAndSts', 'GrpSts', fault)
  const paymentInfos: Pain002PaymentInfo[] = []
  const lines: PaymentEvidence[] = []
  const details: Pain002LineDetail[] = []
  const ignored: Record<string, number> = {}
  const seen = new Set<string>()
  /** Every listed transaction's status code and amount, for the group's counts. */
  const groupTxs: Tx[] = []
  let position = 0

  const blocks = all(report, 'OrgnlPmtInfAndSts')
  for (const [b, block] of blocks.entries()) {
    const path = `OrgnlPmtInfAndSts[${b + 1}]`
    const paymentInfoId = text(block, 'OrgnlPmtInfId')
    if (paymentInfoId === undefined) fault.add(0, `${path}/OrgnlPmtInfId`, 'missing_field', 'A payment information block does not say which of ours it answers (OrgnlPmtInfId).')
    const level = readLevel(block, path, 'PmtInfSts', fault)
    if (group.code !== null && level.code !== null) {
      const broken = contradiction(group.code, level.code)
      if (broken !== undefined) fault.add(0, `${path}/PmtInfSts`, 'status_contradiction', `The group status is ${group.code} and this block's ${level.code}: ${broken}.`)
    }
    const txs: Tx[] = []
    const blockLines: PaymentEvidence[] = []
    const txNodes = all(block, 'TxInfAndSts')
    for (const [i, placeholder] of txNodes.entries()) {
      position++
      const tx = transactions.resolve(placeholder)
      if (tx === undefined) {
        fault.add(position, `${path}/TxInfAndSts[${i + 1}]`, 'not_well_formed', 'The transaction could not be read as XML; the file may be damaged. Fetch it from the bank again.')
        continue
      }
      const read = readTransaction(tx, position, `${path}/TxInfAndSts[${i + 1}]`, paymentInfoId ?? null, level, group, fault)
      if (read === undefined) continue
      txs.push(read.tx)
      if (read.read === undefined) continue
      const { line, detail } = read.read
      const key = `${line.paymentInfoId ?? ''}\u0000${line.endToEndId ?? ''}`
      if (line.endToEndId !== null && seen.has(key)) {
        fault.add(position, `${path}/TxInfAndSts[${i + 1}]/OrgnlEndToEndId`, 'duplicate_transaction', `EndToEndId ${line.endToEndId} is reported twice in one payment information block; which status holds is unclear.`)
        continue
      }
      seen.add(key)
      lines.push(line)
      blockLines.push(line)
      details.push(detail)
    }
    if (txNodes.length === 0) ignored['payment_info_without_transactions'] = (ignored['payment_info_without_transactions'] ?? 0) + 1
    const complete = checkCounts(level, txs, path, fault)
    claimTotal(level, txs, blockLines, path, complete, `The payment information block ${paymentInfoId ?? b + 1}`)
    groupTxs.push(...txs)
    paymentInfos.push({ ...level, paymentInfoId: paymentInfoId ?? '', listed: txNodes.length, complete })
  }
  if (blocks.length === 0) ignored['group_without_transactions'] = 1
  const groupComplete = checkCounts(group, groupTxs, 'OrgnlGrpInfAndSts', fault)
  // Where no block's total could be held against the amounts our instruction gives, the group's can.
  if (lines.every((l) => l.statedTotal === undefined)) claimTotal(group, groupTxs, lines, 'OrgnlGrpInfAndSts', groupComplete, 'The report')

  if (fault.count > 0) return { errors: fault.list }
  const payers = new Set(lines.map((l) => l.payerAccountNo).filter((a): a is string => a !== null))
  const file: Pain002File = {
    format: 'pain.002',
    variant,
    accountNo: payers.size === 1 ? ([...payers][0] ?? null) : null,
    messageId,
    originalMessageId,
    lines,
    ignored: { count: Object.values(ignored).reduce((s, n) => s + n, 0), reasons: ignored },
    createdAt: text(report, 'GrpHdr', 'CreDtTm') ?? null,
    originalMessageName,
    encoding: decoded.encoding,
    group: { ...group, listed: position, complete: groupComplete },
    paymentInfos,
    details,
  }
  return { file, errors: [] }
}

/**
 * A level that lists all its transactions, states their control sum and leaves some amounts out: its lines carry the
 * sum, for the amounts taken from our instruction (src/payouts/evidence-lines.ts) must add up to it. Only when every
 * listed transaction became a line: otherwise what the lines should add up to is not known.
 */
function claimTotal(level: Pain002Level, txs: readonly Tx[], levelLines: readonly PaymentEvidence[], field: string, complete: boolean | null, label: string): void {
  if (complete !== true || level.originalControlSumFen === null || txs.every((t) => t.amount !== null) || levelLines.length !== txs.length) return
  const statedTotal = { group: field, totalFen: level.originalControlSumFen, field: `${field}/OrgnlCtrlSum`, code: 'control_sum_mismatch' as const, label }
  for (const line of levelLines) line.statedTotal = statedTotal
}

/** What the counts are checked against: a listed transaction's status code (its own or inherited) and amount, if stated. */
interface Tx {
  code: string
  amount: MoneyDecimal | null
}

/** Reason code (Rsn/Cd, else Rsn/Prtry) and text (every AddtlInf) of a level's or transaction's StsRsnInf. */
function readReason(node: unknown): { reasonCode: string | null; reasonText: string | null } {
  let reasonCode: string | null = null
  const pieces: string[] = []
  for (const info of all(node, 'StsRsnInf')) {
    reasonCode ??= text(info, 'Rsn', 'Cd') ?? text(info, 'Rsn', 'Prtry') ?? null
    for (const piece of all(info, 'AddtlInf')) {
      const t = rawText(piece)
      if (t !== undefined && t.trim() !== '') pieces.push(t)
    }
  }
  // AddtlInf is at most 105 characters, so banks cut longer texts into pieces, mid-word if need be: the pieces are
  // joined as written, with a space only where one sentence ends and the next begins without one.
  let joined = ''
  for (const piece of pieces) {
    if (joined !== '' && /[.!?;:]$/.test(joined) && !/^\s/.test(piece)) joined += ' '
    joined += piece
  }
  const reasonText = joined.replace(/\s+/g, ' ').trim()
  return { reasonCode, reasonText: reasonText === '' ? null : reasonText }
}

/** A count as the schema writes it (Max15NumericText). */
function readCount(node: unknown, field: string, name: string, fault: Faults): number | null {
  const t = text(node, name)
  if (t === undefined) return null
  if (!/^\d{1,15}$/.test(t) || !Number.isSafeInteger(Number(t))) {
    fault.add(0, `${field}/${name}`, 'count_invalid', `${name} is "${t}", not a count.`)
    return null
  }
  return Number(t)
}

/** A control sum (DecimalNumber) in fen, exactly; more decimals than two only if they are zeros. */
function readSum(node: unknown, field: string, name: string, fault: Faults): Fen | null {
  const t = text(node, name)
  if (t === undefined) return null
  const m = /^(\d{1,18})(?:\.(\d+))?$/.exec(t)
  if (m === null || (m[2] !== undefined && m[2].length > 2 && !/^0+$/.test(m[2].slice(2)))) {
    fault.add(0, `${field}/${name}`, 'control_sum_invalid', `${name} is "${t}", not an amount in whole fen.`)
    return null
  }
  const value = new Money(t).times(100)
  if (value.gt(FEN_MAX)) {
    fault.add(0, `${field}/${name}`, 'control_sum_invalid', `${name} ${t} is larger than any sum this ledger holds.`)
    return null
  }
  return fen(value.toNumber())
}

function readLevel(node: unknown, field: string, statusName: 'GrpSts' | 'PmtInfSts', fault: Faults): Pain002Level {
  const code = text(node, statusName) ?? null
  let status: EvidenceStatus | null = null
  if (code !== null) {
    const reading = evidenceStatus(code)
    if ('fault' in reading) fault.add(0, `${field}/${statusName}`, reading.fault, reading.message)
    else status = reading.status
  }
  const perStatus: Pain002Level['perStatus'] = []
  for (const [k, per] of all(node, 'NbOfTxsPerSts').entries()) {
    const perField = `${field}/NbOfTxsPerSts[${k + 1}]`
    const perCode = text(per, 'DtldSts')
    const count = readCount(per, perField, 'DtldNbOfTxs', fault)
    const controlSumFen = readSum(per, perField, 'DtldCtrlSum', fault)
    if (perCode === undefined || count === null) {
      if (perCode === undefined) fault.add(0, `${perField}/DtldSts`, 'missing_field', 'A per-status count (NbOfTxsPerSts) names no status (DtldSts).')
      else if (text(per, 'DtldNbOfTxs') === undefined) fault.add(0, `${perField}/DtldNbOfTxs`, 'missing_field', 'A per-status count (NbOfTxsPerSts) has no count (DtldNbOfTxs).')
      continue
    }
    perStatus.push({ code: perCode, count, controlSumFen })
  }
  return {
    code,
    status,
    ...readReason(node),
    originalCount: readCount(node, field, 'OrgnlNbOfTxs', fault),
    originalControlSumFen: readSum(node, field, 'OrgnlCtrlSum', fault),
    perStatus,
    listed: 0,
    complete: null,
  }
}

/** Digits of an account (IBAN or Othr/Id), or why there are none. */
function readAccount(ref: unknown, name: 'CdtrAcct' | 'DbtrAcct'): { digits: string | null; kind: 'digits' | 'not_digits' | 'absent' } {
  const raw = text(ref, name, 'Id', 'IBAN') ?? text(ref, name, 'Id', 'Othr', 'Id')
  if (raw === undefined) return { digits: null, kind: 'absent' }
  const digits = accountDigits(raw)
  return /^\d+$/.test(digits) ? { digits, kind: 'digits' } : { digits: null, kind: 'not_digits' }
}

/** A DateAndDateTime2Choice (Dt or DtTm) or, up to 001.07, a plain ISODate: its date as written. */
function readDateChoice(node: unknown, lineNo: number, field: string, fault: Faults): WorkDate | null {
  const t = text(node, 'Dt') ?? text(node, 'DtTm') ?? text(node)
  if (t === undefined) return null
  const d = readDate(t)
  if (d === undefined) fault.add(lineNo, field, 'date_invalid', `The date "${t}" is not a date.`)
  return d ?? null
}

const DATE_TIME_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$/

function readTransaction(
  tx: unknown,
  lineNo: number,
  field: string,
  paymentInfoId: string | null,
  block: Pain002Level,
  group: Pain002Level,
  fault: Faults,
): { tx: Tx; read?: { line: PaymentEvidence; detail: Pain002LineDetail } } | undefined {
  const before = fault.count
  const own = text(tx, 'TxSts') ?? null
  const parent =
    block.code !== null
      ? { level: block, code: block.code, name: 'payment information block', from: 'payment_info' as const }
      : group.code !== null
        ? { level: group, code: group.code, name: 'group', from: 'group' as const }
        : undefined
  let code: string
  let from: Pain002LineDetail['statusFrom']
  if (own !== null) {
    code = own
    from = 'transaction'
    const broken = parent === undefined ? undefined : contradiction(parent.code, own)
    if (parent !== undefined && broken !== undefined) fault.add(lineNo, `${field}/TxSts`, 'status_contradiction', `The ${parent.name} status is ${parent.code} and this transaction's ${own}: ${broken}.`)
  } else if (parent !== undefined) {
    code = parent.code
    from = parent.from
  } else {
    fault.add(lineNo, `${field}/TxSts`, 'status_missing', 'The transaction has no status (TxSts), nor has its payment information block (PmtInfSts) or the group (GrpSts).')
    return undefined
  }
  const reading = evidenceStatus(code)
  if ('fault' in reading && from === 'transaction') fault.add(lineNo, `${field}/TxSts`, reading.fault, reading.message)
  const status = 'status' in reading ? reading.status : undefined

  // The reason belongs with the status: an inherited status brings its level's reason; a transaction that repeats its
  // parent's status without a reason of its own takes the parent's.
  const ownReason = readReason(tx)
  const parentReason = parent !== undefined && (from !== 'transaction' || parent.code === own) ? { reasonCode: parent.level.reasonCode, reasonText: parent.level.reasonText } : undefined
  const reason = from === 'transaction' && (ownReason.reasonCode !== null || ownReason.reasonText !== null) ? ownReason : (parentReason ?? ownReason)

  const ref = at(tx, 'OrgnlTxRef')
  let amountFen: Fen | null = null
  let currency = 'CNY'
  const amountText = text(ref, 'Amt', 'InstdAmt')
  if (amountText !== undefined) {
    const ccy = attribute(ref, 'Ccy', 'Amt', 'InstdAmt')
    if (ccy === undefined || !/^[A-Z]{3}$/.test(ccy)) fault.add(lineNo, `${field}/OrgnlTxRef/Amt/InstdAmt/@Ccy`, 'currency_missing', `The amount ${amountText} has no ISO 4217 currency (Ccy).`)
    else currency = ccy
    const parsed = decimalToFen(amountText)
    if ('reason' in parsed) fault.add(lineNo, `${field}/OrgnlTxRef/Amt/InstdAmt`, 'amount_invalid', `The amount ${parsed.reason}.`)
    else amountFen = parsed.fen
  }
  const requestedExecutionDate = readDateChoice(at(ref, 'ReqdExctnDt'), lineNo, `${field}/OrgnlTxRef/ReqdExctnDt`, fault)
  const settled = at(tx, 'FctvIntrBkSttlmDt')
  const settledOn = settled === undefined ? null : readDateChoice(settled, lineNo, `${field}/FctvIntrBkSttlmDt`, fault)
  const acceptedAt = text(tx, 'AccptncDtTm') ?? null
  if (acceptedAt !== null && !DATE_TIME_TEXT.test(acceptedAt)) fault.add(lineNo, `${field}/AccptncDtTm`, 'date_invalid', `The acceptance time "${acceptedAt}" is not an ISO date-time.`)

  const amount = amountFen === null ? null : new Money(amountFen)
  if (fault.count > before || status === undefined) return { tx: { code, amount } }

  const e2e = text(tx, 'OrgnlEndToEndId') ?? null
  const payee = readAccount(ref, 'CdtrAcct')
  const payer = readAccount(ref, 'DbtrAcct')
  const cdtr = at(ref, 'Cdtr')
  const bookingDate = status === 'booked' ? settledOn : null
  const line: PaymentEvidence = {
    lineNo,
    status,
    payeeCard: payee.digits,
    payeeName: text(cdtr, 'Nm') ?? text(cdtr, 'Pty', 'Nm') ?? null,
    amountFen,
    currency,
    endToEndId: e2e === null || e2e === 'NOTPROVIDED' ? null : e2e,
    paymentInfoId,
    bankRef: text(tx, 'AcctSvcrRef') ?? null,
    uetr: text(tx, 'OrgnlUETR') ?? null,
    bookingDate,
    valueDate: bookingDate,
    reasonCode: status === 'booked' ? null : reason.reasonCode,
    reasonText: status === 'booked' ? null : reason.reasonText,
    payerAccountNo: payer.digits,
    returnOf: null,
  }
  const detail: Pain002LineDetail = {
    lineNo,
    statusCode: code,
    statusFrom: from,
    statusId: text(tx, 'StsId') ?? null,
    instructionId: text(tx, 'OrgnlInstrId') ?? null,
    clearingSystemRef: text(tx, 'ClrSysRef') ?? null,
    requestedExecutionDate,
    acceptedAt,
    payeeAccount: payee.kind,
  }
  return { tx: { code, amount }, read: { line, detail } }
}

const yuan = (m: MoneyDecimal): string => m.div(100).toFixed(2)

/**
 * The level's counts against its listed transactions. Returns whether the level lists all its transactions (null
 * when the file gives no count to tell by).
 */
function checkCounts(level: Pain002Level, txs: readonly Tx[], field: string, fault: Faults): boolean | null {
  const perTotal = level.perStatus.reduce((s, p) => s + p.count, 0)
  const declared = level.originalCount ?? (level.perStatus.length > 0 ? perTotal : null)
  if (declared === null) return null
  if (txs.length > declared) {
    fault.add(0, `${field}/${level.originalCount === null ? 'NbOfTxsPerSts' : 'OrgnlNbOfTxs'}`, 'count_mismatch', `The report lists ${txs.length} transactions here, more than the ${declared} it says there were.`)
    return false
  }
  const complete = txs.length === declared
  const sumOf = (selected: readonly Tx[]): MoneyDecimal | null => (selected.every((t) => t.amount !== null) ? selected.reduce((s, t) => s.plus(t.amount ?? 0), new Money(0)) : null)
  if (complete && level.originalControlSumFen !== null) {
    const sum = sumOf(txs)
    if (sum !== null && !sum.eq(level.originalControlSumFen)) {
      fault.add(0, `${field}/OrgnlCtrlSum`, 'control_sum_mismatch', `OrgnlCtrlSum is ${yuan(new Money(level.originalControlSumFen))}; the ${txs.length} transactions listed add up to ${yuan(sum)}.`)
    }
  }
  const byCode = new Map<string, { count: number; sumFen: MoneyDecimal }>()
  for (const p of level.perStatus) {
    const e = byCode.get(p.code) ?? { count: 0, sumFen: new Money(0) }
    byCode.set(p.code, { count: e.count + p.count, sumFen: p.controlSumFen === null ? e.sumFen : e.sumFen.plus(p.controlSumFen) })
  }
  const withSum = new Set(level.perStatus.filter((p) => p.controlSumFen !== null).map((p) => p.code))
  // Only a breakdown that covers every transaction of the level makes a status it leaves out a contradiction.
  const breakdownWhole = level.perStatus.length > 0 && perTotal === declared
  const listedCodes = new Set(txs.map((t) => t.code))
  for (const code of new Set([...byCode.keys(), ...listedCodes])) {
    const stated = byCode.get(code)
    const selected = txs.filter((t) => t.code === code)
    if (stated === undefined) {
      if (breakdownWhole) fault.add(0, `${field}/NbOfTxsPerSts`, 'count_mismatch', `${selected.length} transaction(s) listed with status ${code}, which the per-status counts (NbOfTxsPerSts) do not mention.`)
      continue
    }
    if (complete ? selected.length !== stated.count : selected.length > stated.count) {
      fault.add(0, `${field}/NbOfTxsPerSts`, 'count_mismatch', `The per-status count says ${stated.count} transaction(s) with status ${code}; the report lists ${selected.length}.`)
      continue
    }
    const sum = sumOf(selected)
    if (!withSum.has(code) || sum === null) continue
    if (complete ? !sum.eq(stated.sumFen) : sum.gt(stated.sumFen)) {
      fault.add(0, `${field}/NbOfTxsPerSts`, 'control_sum_mismatch', `The per-status control sum (DtldCtrlSum) for ${code} is ${yuan(stated.sumFen)}; the transactions listed with it add up to ${yuan(sum)}.`)
    }
  }
  return complete
}
