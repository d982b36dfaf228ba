/**
 * ISO 20022 bank-to-customer cash management: camt.053 (BkToCstmrStmt, the account statement) and camt.054
 * (BkToCstmrDbtCdtNtfctn, the debit/credit notification), any version from 001.02 on; read tolerantly (unknown
 * elements are ignored), the version's differences handled where they touch what is read:
 *
 * - `Ntry/Sts` is text up to 001.05 and `Sts/Cd` from 001.06; only booked entries (BOOK) are movements.
 * - `RltdPties/Dbtr/Nm` up to 001.07 becomes `RltdPties/Dbtr/Pty/Nm` from 001.08.
 * - A transaction's own amount is `TxDtls/AmtDtls/TxAmt/Amt` (001.02) or `TxDtls/Amt` (from 001.03).
 *
 * Each entry (Ntry) is one movement, known by its `AcctSvcrRef`. A batch entry whose transaction details (TxDtls)
 * all carry an amount is one movement per TxDtls, referenced `<AcctSvcrRef>/<n>` (n from 1, in document order) and
 * adding up to the entry's amount. The counterparty of a credit is the debtor (`Dbtr`, `DbtrAcct`), of a debit the
 * creditor; of a reversal (`RvslInd` true, booked opposite to its original) the original's counterparty. A reversal
 * names the line it cancels by its transaction's `Refs/AcctSvcrRef` when that differs from the entry's own; without
 * it, it is a line in its own direction (the balance is right; a reversed funding credit then still counts as funding).
 *
 * Dates: `Dt`, or the date part of `DtTm` as the bank wrote it (its local date). A missing `ValDt` is taken to be the
 * booking date and marked so (`valueDateAssumed`): a reading that gives the value date does not contradict it.
 * `TxsSummry` (count and sum of all, credit and debit entries) and `OPBD`/`CLBD` balances in the account's currency
 * are checked against the entries when the statement gives them.
 */
import { Money, ZERO_FEN, subFen, type Fen } from '../../kernel/money.ts'
import { DEFAULT_TIME_ZONE, type WorkDate } from '../../kernel/time.ts'
import { at, isNode, list, malformed, rawText, treeParser, type Node } from '../../kernel/xml.ts'
import type { Direction } from '../funding.ts'
import {
  STATEMENT_LINES_MAX,
  accountDigits,
  decimalSumToFen,
  decimalToFen,
  readDate,
  readDateTimeDate,
  type ParsedStatement,
  type StatementBalance,
  type StatementFault,
  type StatementLine,
  type StatementParse,
} from './statement.ts'

/** Elements that may repeat, read as arrays always (the parser makes one child an object otherwise). */
const REPEATED = new Set(['Stmt', 'Ntfctn', 'Ntry', 'NtryDtls', 'TxDtls', 'Bal', 'Ustrd', 'Strd', 'AdrLine'])

const parser = treeParser({ attributes: true, trimValues: true, repeated: REPEATED })

const MESSAGES = {
  BkToCstmrStmt: { format: 'camt.053', report: 'Stmt' },
  BkToCstmrDbtCdtNtfctn: { format: 'camt.054', report: 'Ntfctn' },
} as const

/** Whether the text looks like a camt.053 or camt.054 document (the root's message element), for format detection. */
export function isCamt(textOf: string): boolean {
  return /<(?:\w+:)?(BkToCstmrStmt|BkToCstmrDbtCdtNtfctn)[\s>]/.test(textOf.slice(0, 4096))
}

/** The faults of one file, in the order found. */
class Faults {
  readonly list: StatementFault[] = []
  add(entry: number, field: string, message: string): void {
    this.list.push({ entry, field, message })
  }
  get count(): number {
    return this.list.length
  }
}

interface Amount {
  fen: Fen
  currency: string
}

/** `timeZone`: where a booking or value time given with an offset (DtTm …Z) is read as a date; the project's. */
export function parseCamt(xml: string, timeZone: string = DEFAULT_TIME_ZONE): StatementParse {
  const fault = new Faults()
  const errors = fault.list
  const bad = malformed(xml)
  if (bad !== undefined) {
    fault.add(0, 'file', bad.message)
    return { errors }
  }
  let doc: Node
  try {
    doc = parser.parse(xml) as Node
  } catch (err) {
    fault.add(0, 'file', `The XML could not be read: ${(err as Error).message}.`)
    return { errors }
  }
  const document = at(doc, 'Document')
  const root = isNode(document) ? document : doc
  const messageKey = (Object.keys(MESSAGES) as (keyof typeof MESSAGES)[]).find((k) => root[k] !== undefined)
  if (messageKey === undefined) {
    fault.add(0, 'Document', 'The document is neither a camt.053 statement (BkToCstmrStmt) nor a camt.054 notification (BkToCstmrDbtCdtNtfctn).')
    return { errors }
  }
  const { format, report } = MESSAGES[messageKey]
  // The parser drops namespace declarations with their prefixes: the message's version is read from the text.
  const ns = /xmlns(?::\w+)?="urn:iso:std:iso:20022:tech:xsd:(camt\.\d{3}\.\d{3}\.\d{2})"/.exec(xml.slice(0, 4096))?.[1]
  if (ns !== undefined && !ns.startsWith(format)) fault.add(0, 'Document', `The namespace says ${ns}, the message is ${messageKey} (${format}).`)
  const variant = ns ?? format

  const message = root[messageKey]
  const reports = list(isNode(message) ? message[report] : undefined)
  if (reports.length === 0) {
    fault.add(0, report, `The ${format} holds no ${report}: there is no account to read.`)
    return { errors }
  }
  let accountNo: string | undefined
  let accountCurrency: string | undefined
  const balances: StatementBalance[] = []
  const lines: StatementLine[] = []
  let notBooked = 0
  let entryNo = 0
  for (const [r, rep] of reports.entries()) {
    const acct = rawText(rep, 'Acct', 'Id', 'IBAN') ?? rawText(rep, 'Acct', 'Id', 'Othr', 'Id')
    if (acct === undefined || acct.trim() === '') {
      fault.add(0, `${report}[${r + 1}]/Acct/Id`, 'The report names no account (Acct/Id/IBAN or Acct/Id/Othr/Id).')
      continue
    }
    if (accountNo !== undefined && accountDigits(acct) !== accountNo) {
      fault.add(0, `${report}[${r + 1}]/Acct/Id`, `The file reports on two accounts (${accountNo} and ${accountDigits(acct)}); post one account's statement at a time.`)
      continue
    }
    accountNo = accountDigits(acct)
    accountCurrency ??= rawText(rep, 'Acct', 'Ccy')

    const repBalances = readBalances(rep, r, fault, timeZone)
    balances.push(...repBalances)
    const entries = list(isNode(rep) ? rep['Ntry'] : undefined)
    const repLines: StatementLine[] = []
    const entryAmounts: { amount: Amount; direction: Direction; booked: boolean }[] = []
    for (const ntry of entries) {
      entryNo++
      const read = readEntry(ntry, entryNo, fault, timeZone)
      if (read === undefined) continue
      entryAmounts.push(read)
      if (!read.booked) notBooked++
      else repLines.push(...read.lines)
    }
    checkSummary(rep, r, entries.length, entryAmounts, fault)
    checkBalances(repBalances, repLines, accountCurrency, r, fault)
    const firstBookedOn = repLines.reduce<WorkDate | undefined>((d, l) => (d === undefined || l.bookingDate < d ? l.bookingDate : d), undefined)
    if (firstBookedOn !== undefined) for (const b of repBalances) if (b.kind === 'opening') b.firstBookedOn = firstBookedOn
    lines.push(...repLines)
  }
  if (lines.length > STATEMENT_LINES_MAX) fault.add(0, 'Ntry', `The file holds ${lines.length} lines, more than the ${STATEMENT_LINES_MAX} a statement may; ask the bank for shorter periods.`)
  if (accountNo === undefined) return { errors }
  const statement: ParsedStatement = { format, variant, accountNo, ...(accountCurrency === undefined ? {} : { accountCurrency }), balances, lines, notBooked }
  return { statement, errors }
}

/** `sum`: a balance, whose bound is the ledger's range rather than one line's. */
function readAmount(node: unknown, entry: number, field: string, fault: Faults, sum = false): Amount | undefined {
  const amt = at(node, 'Amt')
  const value = rawText(node, 'Amt')
  if (value === undefined) {
    fault.add(entry, field, 'The amount (Amt) is missing.')
    return undefined
  }
  const currency = isNode(amt) && typeof amt['@_Ccy'] === 'string' ? amt['@_Ccy'] : undefined
  if (currency === undefined || !/^[A-Z]{3}$/.test(currency)) {
    fault.add(entry, `${field}/@Ccy`, `The amount ${value} has no ISO 4217 currency (Ccy).`)
    return undefined
  }
  const parsed = sum ? decimalSumToFen(value) : decimalToFen(value)
  if ('reason' in parsed) {
    fault.add(entry, field, `The amount ${parsed.reason}.`)
    return undefined
  }
  return { fen: parsed.fen, currency }
}

function readDirection(node: unknown, entry: number, field: string, fault: Faults): Direction | undefined {
  const ind = rawText(node, 'CdtDbtInd')
  if (ind === 'CRDT') return 'credit'
  if (ind === 'DBIT') return 'debit'
  fault.add(entry, field, `CdtDbtInd is ${ind === undefined ? 'missing' : `"${ind}"`}; it must be CRDT or DBIT.`)
  return undefined
}

/**
 * A date (Dt) as written; a date-time (DtTm) with an offset or Z is an instant, read as its date in the project's zone
 * (2026-03-31T17:00:00Z is 1 April in Shanghai); one without is local time, its date part as written.
 */
function readDateOf(node: unknown, timeZone: string): WorkDate | undefined {
  const dt = rawText(node, 'Dt')
  if (dt !== undefined) return readDate(dt)
  const t = rawText(node, 'DtTm')
  return t === undefined ? undefined : readDateTimeDate(t, timeZone)
}

function readBalances(rep: unknown, r: number, fault: Faults, timeZone: string): StatementBalance[] {
  const out: StatementBalance[] = []
  for (const bal of list(isNode(rep) ? rep['Bal'] : undefined)) {
    const code = rawText(bal, 'Tp', 'CdOrPrtry', 'Cd')
    const kind = code === 'OPBD' ? 'opening' : code === 'CLBD' ? 'closing' : undefined
    if (kind === undefined) continue
    const amount = readAmount(bal, 0, `Stmt[${r + 1}]/Bal/${code}`, fault, true)
    const direction = readDirection(bal, 0, `Stmt[${r + 1}]/Bal/${code}/CdtDbtInd`, fault)
    if (amount === undefined || direction === undefined) continue
    const date = readDateOf(at(bal, 'Dt'), timeZone)
    out.push({ kind, amountFen: direction === 'credit' ? amount.fen : subFen(ZERO_FEN, amount.fen), currency: amount.currency, ...(date === undefined ? {} : { date }) })
  }
  return out
}

interface PartyOf {
  name: string
  accountNo: string
}

function party(tx: unknown, side: 'Dbtr' | 'Cdtr'): PartyOf {
  const p = at(tx, 'RltdPties', side)
  const name = rawText(p, 'Nm') ?? rawText(p, 'Pty', 'Nm') ?? ''
  const acct = rawText(tx, 'RltdPties', `${side}Acct`, 'Id', 'IBAN') ?? rawText(tx, 'RltdPties', `${side}Acct`, 'Id', 'Othr', 'Id') ?? ''
  return { name, accountNo: accountDigits(acct) }
}

function readEntry(
  ntry: unknown,
  entryNo: number,
  fault: Faults,
  timeZone: string,
): { amount: Amount; direction: Direction; booked: boolean; lines: StatementLine[] } | undefined {
  const before = fault.count
  const amount = readAmount(ntry, entryNo, 'Ntry/Amt', fault)
  const direction = readDirection(ntry, entryNo, 'Ntry/CdtDbtInd', fault)
  const status = rawText(ntry, 'Sts', 'Cd') ?? rawText(ntry, 'Sts')
  if (amount === undefined || direction === undefined) return undefined
  if (status === undefined) {
    fault.add(entryNo, 'Ntry/Sts', 'The entry has no status (Sts); a statement line must say it is booked (BOOK).')
    return undefined
  }
  if (status !== 'BOOK') return { amount, direction, booked: false, lines: [] }

  const reversalText = rawText(ntry, 'RvslInd')
  if (reversalText !== undefined && reversalText !== 'true' && reversalText !== 'false') fault.add(entryNo, 'Ntry/RvslInd', `RvslInd is "${reversalText}"; it must be true or false.`)
  const reversal = reversalText === 'true'
  const bookingDate = readDateOf(at(ntry, 'BookgDt'), timeZone)
  if (bookingDate === undefined) fault.add(entryNo, 'Ntry/BookgDt', 'The booking date (BookgDt/Dt or BookgDt/DtTm) is missing or not a date; the balance is reckoned by it.')
  const valueDateAssumed = at(ntry, 'ValDt') === undefined
  const valueDate = valueDateAssumed ? bookingDate : readDateOf(at(ntry, 'ValDt'), timeZone)
  if (valueDate === undefined && bookingDate !== undefined) fault.add(entryNo, 'Ntry/ValDt', 'The value date (ValDt) is not a date.')
  const ref = rawText(ntry, 'AcctSvcrRef')?.trim()
  if (ref === undefined || ref === '') {
    fault.add(entryNo, 'Ntry/AcctSvcrRef', "The bank's reference of the entry (AcctSvcrRef) is missing, so a second reading of it on a later statement could not be recognised.")
  }
  const txs = allTxDtls(ntry)
  if (bookingDate === undefined || valueDate === undefined || ref === undefined || ref === '' || fault.count > before) return undefined

  // The counterparty is the other side of the original movement: a reversal is booked opposite to its original.
  const originalDirection: Direction = reversal ? (direction === 'credit' ? 'debit' : 'credit') : direction
  const line = (bankRef: string, tx: unknown, amountOf: Amount, dir: Direction): StatementLine => {
    const other = party(tx, originalDirection === 'credit' ? 'Dbtr' : 'Cdtr')
    const e2e = rawText(tx, 'Refs', 'EndToEndId')?.trim()
    const txRef = rawText(tx, 'Refs', 'AcctSvcrRef')?.trim()
    const reversalOf = reversal && txRef !== undefined && txRef !== '' && txRef !== ref ? txRef : undefined
    return {
      entry: entryNo,
      bankRef,
      bookingDate,
      valueDate,
      ...(valueDateAssumed ? { valueDateAssumed: true as const } : {}),
      direction: dir,
      amountFen: amountOf.fen,
      currency: amountOf.currency,
      counterpartyAccountNo: other.accountNo,
      counterpartyName: other.name,
      ...(reversalOf === undefined ? {} : { reversalOf }),
      ...(e2e === undefined || e2e === '' || e2e === 'NOTPROVIDED' ? {} : { endToEndId: e2e }),
    }
  }
  const withAmounts = txs.filter((tx) => rawText(tx, 'Amt') !== undefined || rawText(tx, 'AmtDtls', 'TxAmt', 'Amt') !== undefined)
  if (txs.length > 1 && withAmounts.length === txs.length) {
    const lines: StatementLine[] = []
    let total = new Money(0)
    for (const [i, tx] of txs.entries()) {
      const field = `Ntry/NtryDtls/TxDtls[${i + 1}]`
      const txAmount = rawText(tx, 'Amt') !== undefined ? readAmount(tx, entryNo, `${field}/Amt`, fault) : readAmount(at(tx, 'AmtDtls', 'TxAmt'), entryNo, `${field}/AmtDtls/TxAmt/Amt`, fault)
      const txDirection: Direction | undefined = rawText(tx, 'CdtDbtInd') === undefined ? direction : readDirection(tx, entryNo, `${field}/CdtDbtInd`, fault)
      if (txAmount === undefined || txDirection === undefined) continue
      if (txAmount.currency !== amount.currency) fault.add(entryNo, `${field}/Amt`, `The transaction is in ${txAmount.currency}, the entry in ${amount.currency}.`)
      if (txDirection !== direction) fault.add(entryNo, `${field}/CdtDbtInd`, 'The transaction is booked in the other direction than its batch entry.')
      total = total.plus(txAmount.fen)
      lines.push(line(`${ref}/${i + 1}`, tx, txAmount, direction))
    }
    if (fault.count > before) return undefined
    if (!total.eq(amount.fen)) {
      fault.add(entryNo, 'Ntry/NtryDtls/TxDtls', `The batch's transactions add up to ${total.div(100).toFixed(2)}, the entry says ${new Money(amount.fen).div(100).toFixed(2)}.`)
      return undefined
    }
    return { amount, direction, booked: true, lines }
  }
  return { amount, direction, booked: true, lines: [line(ref, txs[0], amount, direction)] }
}

function allTxDtls(ntry: unknown): unknown[] {
  const out: unknown[] = []
  for (const d of list(isNode(ntry) ? ntry['NtryDtls'] : undefined)) out.push(...list(isNode(d) ? d['TxDtls'] : undefined))
  return out
}

function checkSummary(
  rep: unknown,
  r: number,
  entryCount: number,
  entries: readonly { amount: Amount; direction: Direction }[],
  fault: Faults,
): void {
  const summary = at(rep, 'TxsSummry')
  if (summary === undefined) return
  const check = (path: string, selected: readonly { amount: Amount }[], countOf: number) => {
    const node = at(summary, path)
    if (node === undefined) return
    const n = rawText(node, 'NbOfNtries')
    if (n !== undefined && Number(n) !== countOf) fault.add(0, `TxsSummry/${path}/NbOfNtries`, `The summary counts ${n} entries; the report holds ${countOf}.`)
    const sum = rawText(node, 'Sum')
    if (sum !== undefined) {
      const stated = decimalSumToFen(sum)
      const actual = selected.reduce((s, e) => s.plus(e.amount.fen), new Money(0))
      if ('reason' in stated) fault.add(0, `TxsSummry/${path}/Sum`, `The summary's sum ${stated.reason}.`)
      else if (!actual.eq(stated.fen)) fault.add(0, `TxsSummry/${path}/Sum`, `The summary's sum is ${sum}; the entries add up to ${actual.div(100).toFixed(2)}.`)
    }
  }
  check('TtlNtries', entries, entryCount)
  const credits = entries.filter((e) => e.direction === 'credit')
  const debits = entries.filter((e) => e.direction === 'debit')
  check('TtlCdtNtries', credits, credits.length)
  check('TtlDbtNtries', debits, debits.length)
}

/** OPBD + booked lines = CLBD, when both balances are stated in the account's currency. */
function checkBalances(balances: readonly StatementBalance[], lines: readonly StatementLine[], accountCurrency: string | undefined, r: number, fault: Faults): void {
  const opening = balances.find((b) => b.kind === 'opening')
  const closing = balances.find((b) => b.kind === 'closing')
  if (opening === undefined || closing === undefined || opening.currency !== closing.currency) return
  if (accountCurrency !== undefined && opening.currency !== accountCurrency) return
  if (lines.some((l) => l.currency !== opening.currency)) return
  let total = new Money(opening.amountFen)
  for (const l of lines) if (closing.date === undefined || l.bookingDate <= closing.date) total = l.direction === 'credit' ? total.plus(l.amountFen) : total.minus(l.amountFen)
  if (!total.eq(closing.amountFen)) {
    fault.add(0, `Stmt[${r + 1}]/Bal/CLBD`, `The closing balance is ${new Money(closing.amountFen).div(100).toFixed(2)}; the opening balance and the booked entries give ${total.div(100).toFixed(2)}.`)
  }
}
