/**
 * A camt.054 notification (BkToCstmrDbtCdtNtfctn, 借贷记通知) or camt.053 statement (BkToCstmrStmt, 对账单) read as
 * payment evidence: each booked debit a payment made, each PDNG one pending, each return or reversal a payment that
 * came back. The file is refused whole, with every fault found, when anything makes the evidence doubtful: bytes that
 * are not their declared encoding, XML that is not well-formed (a file cut short), an entry that cannot be read, a
 * batch whose transactions do not add up to it, a summary (TxsSummry) whose counts or sums disagree with the entries.
 *
 * Reading is one pass: the document is walked once (scan.ts), each transaction kept only as the little the evidence
 * needs, so a 100,000-transaction batch stays within the time and memory budget. The walk vouches for
 * well-formedness as it goes; when it cannot (a file cut short or damaged, or XML outside the plain subset it checks),
 * the file is read as before: fast-xml-parser's XMLValidator first, whose message the fault repeats, then the walk.
 */
import { accountDigits } from '../../../account/statements/statement.ts'
import { Money } from '../../../kernel/money.ts'
import { list, malformed } from '../../../kernel/xml.ts'
import { EVIDENCE_LINES_MAX, type EvidenceFile, type EvidenceParse, type PaymentEvidence } from '../evidence.ts'
import { decodeXml, type Decoded } from './decode.ts'
import { SameMessage, detached, nonEmpty, readEntry, readTx, textAt, totalToFen, type Amount, type Direction, type IgnoredReason, type TxRecord } from './entry.ts'
import { Faults } from './faults.ts'
import { scanXml, type OpenElement, type XmlNode } from './scan.ts'

const MESSAGES = {
  BkToCstmrStmt: { format: 'camt.053', report: 'Stmt' },
  BkToCstmrDbtCdtNtfctn: { format: 'camt.054', report: 'Ntfctn' },
} as const
type MessageName = keyof typeof MESSAGES
const isMessage = (name: string | undefined): name is MessageName => name === 'BkToCstmrStmt' || name === 'BkToCstmrDbtCdtNtfctn'

/**
 * What payment evidence never reads, passed over unbuilt: remittance information, addresses and contact details,
 * agents, purpose, charges and tax, related dates, prices and quantities, securities and card data.
 */
const UNREAD = new Set([
  'RmtInf',
  'RltdRmtInf',
  'PstlAdr',
  'CtctDtls',
  'RltdAgts',
  'Purp',
  'AddtlTxInf',
  'Chrgs',
  'Tax',
  'Intrst',
  'RltdDts',
  'RltdPric',
  'RltdQties',
  'FinInstrmId',
  'CorpActn',
  'SfkpgAcct',
  'CshDpst',
  'CardTx',
  'SplmtryData',
  'LclInstrm',
  'Avlbty',
  'MsgRcpt',
  'Svcr',
  'Ownr',
])

/** The elements `close` below reads as they close: every other is only kept in its parent. */
const CLOSES = new Set(['TxDtls', 'NtryDtls', 'Ntry', 'GrpHdr', 'Stmt', 'Ntfctn', 'BkToCstmrStmt', 'BkToCstmrDbtCdtNtfctn'])

/** Elements that may repeat, read as arrays always (as the statement module reads them). */
const REPEATED = new Set(['Stmt', 'Ntfctn', 'Ntry', 'NtryDtls', 'TxDtls', 'Bal', 'Ustrd', 'Strd', 'AdrLine', 'AddtlInf'])

export interface CamtReadOptions {
  /** Lines one file may hold; EVIDENCE_LINES_MAX unless a test needs a smaller bound. */
  linesMax?: number
  /** Faults listed; EVIDENCE_ERRORS_MAX unless a test needs a smaller bound. */
  errorsMax?: number
}

/** What one report (Stmt / Ntfctn) has read so far, for its summary's check when it closes. */
interface ReportState {
  entries: number
  read: { amount: Amount; direction: Direction }[]
}

/** What the vouching read answers when the walk cannot vouch for the file: it is then read the validator's way. */
const UNVOUCHED = Symbol('unvouched')

export function readCamtEvidence(bytes: Buffer, options: CamtReadOptions = {}): EvidenceParse {
  const linesMax = options.linesMax ?? EVIDENCE_LINES_MAX
  let decoded: Decoded | undefined
  try {
    // Most files are plain, well-formed XML: the walk vouches for them, and the validator's own pass over the whole
    // text (a fifth of the reading of a 100,000-transaction file) is saved.
    const faults = new Faults(options.errorsMax)
    decoded = decodeXml(bytes)
    const file = read(decoded, faults, linesMax, true)
    if (file !== UNVOUCHED) return answer(file, faults)
  } catch {
    // Thrown by the vouching read: the file is read again below, as before, and answers as it would have.
  }
  const faults = new Faults(options.errorsMax)
  try {
    decoded ??= decodeXml(bytes)
    const file = read(decoded, faults, linesMax, false)
    if (file === UNVOUCHED) throw new Error('the validated read cannot be unvouched')
    return answer(file, faults)
  } catch (err) {
    // Never reached by any input tried; kept so that a parser bug refuses the file instead of failing the upload.
    faults.add(0, 'file', 'unreadable', `The file could not be read (${err instanceof Error ? err.message : String(err)}). Keep it and report it with the file.`)
    return { errors: faults.done() }
  }
}

const answer = (file: EvidenceFile | undefined, faults: Faults): EvidenceParse =>
  faults.count > 0 || file === undefined ? { errors: faults.done() } : { file, errors: [] }

/**
 * Reads the decoded file. `vouch`: the walk checks well-formedness itself and UNVOUCHED is answered whenever it cannot
 * say the file is well-formed (or the file is no camt message, which a malformed file's fault must take precedence
 * over); otherwise the validator reads the text first, and a fault words what it finds.
 */
function read(decoded: Decoded, faults: Faults, linesMax: number, vouch: boolean): EvidenceFile | undefined | typeof UNVOUCHED {
  if ('code' in decoded) {
    faults.add(0, 'file', decoded.code, decoded.message)
    return undefined
  }
  const xml = decoded.text
  if (!vouch) {
    const bad = malformed(xml)
    if (bad !== undefined) {
      faults.add(0, 'file', 'not_well_formed', bad.message)
      return undefined
    }
  }
  const head = xml.slice(0, 4096)
  const messageName = /<(?:[\w.-]+:)?(BkToCstmrStmt|BkToCstmrDbtCdtNtfctn)[\s>/]/.exec(head)?.[1]
  if (!isMessage(messageName)) {
    if (vouch) return UNVOUCHED
    faults.add(0, 'Document', 'not_camt', 'The document is neither a camt.053 statement (BkToCstmrStmt) nor a camt.054 notification (BkToCstmrDbtCdtNtfctn).')
    return undefined
  }
  const { format, report } = MESSAGES[messageName]
  // The namespace declaration goes with its prefix: the message's version is read from the text.
  const ns = /xmlns(?::[\w.-]+)?\s*=\s*["']urn:iso:std:iso:20022:tech:xsd:(camt\.\d{3}\.\d{3}\.\d{2})["']/.exec(head)?.[1]
  if (ns !== undefined && !ns.startsWith(format)) {
    faults.add(0, 'Document', 'namespace_mismatch', `The namespace says ${ns}, the message is ${messageName} (${format}): the file cannot be both.`)
  }

  let messageId: string | null = null
  const lines: PaymentEvidence[] = []
  const messages = new SameMessage()
  let overflow = 0
  const ignored: Record<string, number> = {}
  let ignoredCount = 0
  const accounts: (string | null)[] = []
  let reports = 0
  let entriesClosed = 0
  let txs: TxRecord[] = []
  let blocksClosed = 0
  let state: ReportState = { entries: 0, read: [] }
  const bankRefs = new Map<string, number>()

  const countIgnored = (reason: IgnoredReason) => {
    ignored[reason] = (ignored[reason] ?? 0) + 1
    ignoredCount++
  }

  const scanned = scanXml(xml, {
    repeated: REPEATED,
    skip: UNREAD,
    decodeText: decoded.decodeText,
    checkWellFormed: vouch,
    closes: CLOSES,
    close(name: string, value: unknown, ancestors: readonly OpenElement[]): boolean {
      const parent = ancestors[ancestors.length - 1]
      const grand = ancestors[ancestors.length - 2]
      switch (name) {
        case 'TxDtls':
          if (parent?.name !== 'NtryDtls' || grand?.name !== 'Ntry') return false
          txs.push(readTx(value, entriesClosed + 1, txs.length + 1, blocksClosed, faults))
          return true
        case 'NtryDtls':
          if (parent?.name === 'Ntry') blocksClosed++
          return false
        case 'Ntry': {
          const entryTxs = txs
          txs = []
          blocksClosed = 0
          if (parent?.name !== report || !isMessage(grand?.name)) return false
          entriesClosed++
          state.entries++
          const entry = readEntry(value, entryTxs, { entryNo: entriesClosed, accountNo: accountOf(parent.children), messages }, faults)
          if (entry === undefined) return true
          state.read.push({ amount: entry.amount, direction: entry.direction })
          for (const reason of entry.ignored) countIgnored(reason)
          for (const line of entry.lines) {
            if (line.bankRef !== null) {
              const first = bankRefs.get(line.bankRef)
              if (first !== undefined) {
                faults.add(
                  line.lineNo,
                  `Ntry[${line.lineNo}]/AcctSvcrRef`,
                  'bank_ref_repeated',
                  `Entry ${line.lineNo} carries the bank reference ${line.bankRef}, as entry ${first} does: the file reports one booking twice. Ask the bank for a corrected file.`,
                )
              } else bankRefs.set(line.bankRef, line.lineNo)
            }
            if (lines.length < linesMax) lines.push(line)
            else overflow++
          }
          return true
        }
        case 'GrpHdr':
          if (!isMessage(parent?.name)) return false
          messageId = nonEmpty(textAt(value, 'MsgId'))
          return true
        case 'Stmt':
        case 'Ntfctn': {
          if (!isMessage(parent?.name)) return false
          if (name !== report) {
            faults.add(0, name, 'mixed_messages', `The file holds a ${name} inside its ${messageName}; a camt file is one kind of message.`)
            return true
          }
          reports++
          const account = accountOf(value)
          if (account === null) faults.add(0, `${report}[${reports}]/Acct/Id`, 'account_missing', `Report ${reports} names no account (Acct/Id/IBAN or Acct/Id/Othr/Id).`)
          accounts.push(account)
          checkSummary(value, reports, state, faults)
          state = { entries: 0, read: [] }
          return true
        }
        default:
          if (isMessage(name) && name !== messageName) {
            faults.add(0, name, 'mixed_messages', `The file holds both ${messageName} and ${name}; post one message per file.`)
          }
          return false
      }
    },
  })
  if ('error' in scanned) {
    if (vouch) return UNVOUCHED
    faults.add(0, 'file', 'not_well_formed', `The XML could not be followed (${scanned.error}). Fetch the file from the bank again.`)
    return undefined
  }
  if (reports === 0) {
    faults.add(0, report, 'no_report', `The ${format} holds no ${report}: there is no account and no entry to read.`)
    return undefined
  }
  if (overflow > 0) {
    faults.add(0, 'Ntry', 'too_many_lines', `The file holds ${linesMax + overflow} payments, more than the ${linesMax} one file may; ask the bank for the period in smaller files.`)
  }
  const accountNo = accounts.every((a) => a === accounts[0]) ? (accounts[0] ?? null) : null
  return {
    format,
    // Cut from the file's text: kept as is, it would keep all of it alive with the file's evidence.
    variant: ns === undefined ? format : detached(ns),
    accountNo,
    messageId,
    originalMessageId: messages.id,
    lines,
    ignored: { count: ignoredCount, reasons: ignored },
  }
}

function accountOf(report: unknown): string | null {
  const id = nonEmpty(textAt(report, 'Acct', 'Id', 'IBAN') ?? textAt(report, 'Acct', 'Id', 'Othr', 'Id'))
  return id === null ? null : accountDigits(id)
}

/**
 * TxsSummry against the report's entries, as the statement module checks it: NbOfNtries counts every entry (booked
 * or not), Sum adds their amounts whatever the direction; the credit and debit totals each their own, and the net
 * (TtlNetNtry from 001.03 on, TtlNetNtryAmt before) credits less debits.
 */
function checkSummary(rep: unknown, r: number, state: ReportState, faults: Faults): void {
  const summary = list(rep !== null && typeof rep === 'object' ? (rep as XmlNode)['TxsSummry'] : undefined)[0]
  if (summary === undefined) return
  const check = (path: string, selected: readonly { amount: Amount }[], count: number) => {
    const field = `TxsSummry/${path}`
    const n = textAt(summary, path, 'NbOfNtries')
    if (n !== undefined) {
      if (!/^\d{1,15}$/.test(n.trim())) faults.add(0, `${field}/NbOfNtries`, 'summary_count_invalid', `Report ${r}: the summary's count "${n}" is not a number.`)
      else if (Number(n) !== count) faults.add(0, `${field}/NbOfNtries`, 'summary_count_mismatch', `Report ${r}: the summary counts ${n} entries; the report holds ${count}.`)
    }
    const sum = textAt(summary, path, 'Sum')
    if (sum !== undefined) {
      const stated = totalToFen(sum)
      const actual = selected.reduce((s, e) => s.plus(e.amount.fen), new Money(0))
      if ('reason' in stated) faults.add(0, `${field}/Sum`, 'summary_sum_invalid', `Report ${r}: the summary's sum ${stated.reason}.`)
      else if (!actual.eq(stated.fen)) faults.add(0, `${field}/Sum`, 'summary_sum_mismatch', `Report ${r}: the summary's sum is ${sum}; the entries add up to ${actual.div(100).toFixed(2)}.`)
    }
  }
  check('TtlNtries', state.read, state.entries)
  const credits = state.read.filter((e) => e.direction === 'credit')
  const debits = state.read.filter((e) => e.direction === 'debit')
  check('TtlCdtNtries', credits, credits.length)
  check('TtlDbtNtries', debits, debits.length)

  const netText = textAt(summary, 'TtlNtries', 'TtlNetNtry', 'Amt') ?? textAt(summary, 'TtlNtries', 'TtlNetNtryAmt')
  const netSide = textAt(summary, 'TtlNtries', 'TtlNetNtry', 'CdtDbtInd') ?? textAt(summary, 'TtlNtries', 'CdtDbtInd')
  if (netText === undefined || (netSide !== 'CRDT' && netSide !== 'DBIT')) return
  const stated = totalToFen(netText)
  const field = 'TxsSummry/TtlNtries/TtlNetNtry'
  if ('reason' in stated) {
    faults.add(0, field, 'summary_sum_invalid', `Report ${r}: the summary's net amount ${stated.reason}.`)
    return
  }
  const net = state.read.reduce((s, e) => (e.direction === 'credit' ? s.plus(e.amount.fen) : s.minus(e.amount.fen)), new Money(0))
  const statedNet = netSide === 'CRDT' ? new Money(stated.fen) : new Money(stated.fen).neg()
  if (!net.eq(statedNet)) {
    faults.add(0, field, 'summary_sum_mismatch', `Report ${r}: the summary's net is ${netSide === 'DBIT' ? '-' : ''}${netText}; the entries net ${net.div(100).toFixed(2)}.`)
  }
}
