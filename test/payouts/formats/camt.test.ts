/**
 * camt.054 and camt.053 read as payment evidence: the real ISO 20022 samples copied from shared/samples/bank into test/payouts/fixtures/bank (each with its
 * .origin), and files built here in their shape: a camt.054.001.08 batch of 1,000 payments to our instruction lines
 * (EndToEndIds as our pain.001 writes them), the same in 001.02, a return (退票) of one of them, reversals, pending and
 * information entries, and every way a file is refused whole: encoding, truncation, sums and counts that disagree.
 */
import { readFileSync } from 'node:fs'
import iconv from 'iconv-lite'
import t, { type Test } from 'tap'
import { camtFormat } from '../../../src/payouts/formats/camt/index.ts'
import { readCamtEvidence } from '../../../src/payouts/formats/camt/read.ts'
import { EVIDENCE_ERRORS_MAX, type EvidenceParse, type PaymentEvidence } from '../../../src/payouts/formats/evidence.ts'
import { endToEndId, parseEndToEndId } from '../../../src/instructions/pain001.ts'

const sample = (name: string): Buffer => readFileSync(new URL(`../fixtures/bank/${name}`, import.meta.url))

interface Tx {
  e2e?: string
  pmtInf?: string
  uetr?: string
  ref?: string
  msgId?: string
  amount?: string
  cd?: string
  cdtr?: { name: string; acct?: string }
  dbtr?: { name: string; acct?: string }
  rtr?: { code?: string; prtry?: string; info?: string[] }
}

interface Entry {
  amount: string
  ccy?: string
  cd: string
  status?: string
  reversal?: string
  booking?: string
  value?: string
  ref?: string
  txs?: Tx[]
  btch?: { count?: number; total?: string }
  subFamily?: string
}

interface Doc {
  kind?: '053' | '054'
  version?: '02' | '08'
  account?: string
  entries: Entry[]
  /** Raw TxsSummry content. */
  summary?: string
  encoding?: string
}

const party = (side: 'Cdtr' | 'Dbtr', p: { name: string; acct?: string } | undefined, v: '02' | '08'): string => {
  if (p === undefined) return ''
  const nm = v === '08' ? `<${side}><Pty><Nm>${p.name}</Nm><PstlAdr><Ctry>CN</Ctry></PstlAdr></Pty></${side}>` : `<${side}><Nm>${p.name}</Nm></${side}>`
  return nm + (p.acct === undefined ? '' : `<${side}Acct><Id><Othr><Id>${p.acct}</Id></Othr></Id></${side}Acct>`)
}

function tx(x: Tx, e: Entry, v: '02' | '08'): string {
  const ccy = e.ccy ?? 'CNY'
  const refs =
    `<Refs>${x.msgId === undefined ? '' : `<MsgId>${x.msgId}</MsgId>`}${x.ref === undefined ? '' : `<AcctSvcrRef>${x.ref}</AcctSvcrRef>`}` +
    `${x.pmtInf === undefined ? '' : `<PmtInfId>${x.pmtInf}</PmtInfId>`}<EndToEndId>${x.e2e ?? 'NOTPROVIDED'}</EndToEndId>` +
    `${x.uetr === undefined ? '' : `<UETR>${x.uetr}</UETR>`}<Prtry><Tp>BANKSEQ</Tp><Ref>9</Ref></Prtry></Refs>`
  const amount =
    x.amount === undefined
      ? ''
      : v === '08'
        ? `<Amt Ccy="${ccy}">${x.amount}</Amt><CdtDbtInd>${x.cd ?? e.cd}</CdtDbtInd>`
        : `<AmtDtls><InstdAmt><Amt Ccy="${ccy}">${x.amount}</Amt></InstdAmt><TxAmt><Amt Ccy="${ccy}">${x.amount}</Amt></TxAmt></AmtDtls>`
  const rtr =
    x.rtr === undefined
      ? ''
      : `<RtrInf><OrgnlBkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></OrgnlBkTxCd>` +
        `${x.rtr.code !== undefined ? `<Rsn><Cd>${x.rtr.code}</Cd></Rsn>` : x.rtr.prtry !== undefined ? `<Rsn><Prtry>${x.rtr.prtry}</Prtry></Rsn>` : ''}` +
        `${(x.rtr.info ?? []).map((i) => `<AddtlInf>${i}</AddtlInf>`).join('')}</RtrInf>`
  return `<TxDtls>${refs}${amount}<RltdPties>${party('Dbtr', x.dbtr, v)}${party('Cdtr', x.cdtr, v)}</RltdPties><Purp><Cd>SALA</Cd></Purp>${rtr}<AddtlTxInf>工资</AddtlTxInf></TxDtls>`
}

function entry(e: Entry, v: '02' | '08'): string {
  const ccy = e.ccy ?? 'CNY'
  const sts = e.status === '' ? '' : v === '08' ? `<Sts><Cd>${e.status ?? 'BOOK'}</Cd></Sts>` : `<Sts>${e.status ?? 'BOOK'}</Sts>`
  const btch =
    e.btch === undefined
      ? ''
      : `<Btch>${e.btch.count === undefined ? '' : `<NbOfTxs>${e.btch.count}</NbOfTxs>`}${e.btch.total === undefined ? '' : `<TtlAmt Ccy="${ccy}">${e.btch.total}</TtlAmt>`}</Btch>`
  return (
    `<Ntry><NtryRef>x</NtryRef><Amt Ccy="${ccy}">${e.amount}</Amt><CdtDbtInd>${e.cd}</CdtDbtInd>` +
    (e.reversal === undefined ? '' : `<RvslInd>${e.reversal}</RvslInd>`) +
    sts +
    (e.booking === '' ? '' : `<BookgDt><Dt>${e.booking ?? '2026-12-05'}</Dt></BookgDt>`) +
    (e.value === undefined ? '' : `<ValDt><Dt>${e.value}</Dt></ValDt>`) +
    (e.ref === undefined ? '' : `<AcctSvcrRef>${e.ref}</AcctSvcrRef>`) +
    `<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>${e.subFamily ?? 'SALA'}</SubFmlyCd></Fmly></Domn></BkTxCd>` +
    (e.txs === undefined && e.btch === undefined ? '' : `<NtryDtls>${btch}${(e.txs ?? []).map((x) => tx(x, e, v)).join('\n')}</NtryDtls>`) +
    `<AddtlNtryInf>代发工资</AddtlNtryInf></Ntry>`
  )
}

const ACCOUNT = '19045101040012345'

function render(doc: Doc): string {
  const v = doc.version ?? '08'
  const kind = doc.kind ?? '054'
  const [root, report] = kind === '053' ? ['BkToCstmrStmt', 'Stmt'] : ['BkToCstmrDbtCdtNtfctn', 'Ntfctn']
  return (
    `<?xml version="1.0" encoding="${doc.encoding ?? 'UTF-8'}"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.${kind}.001.${v}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n` +
    `<${root}><GrpHdr><MsgId>BANK-MSG-1</MsgId><CreDtTm>2026-12-05T18:00:00+08:00</CreDtTm><MsgRcpt><Nm>某某建设</Nm></MsgRcpt></GrpHdr>\n` +
    `<${report}><Id>R-1</Id><CreDtTm>2026-12-05T18:00:00+08:00</CreDtTm><Acct><Id><Othr><Id>${doc.account ?? ACCOUNT}</Id></Othr></Id><Ccy>CNY</Ccy><Ownr><Nm>某某建设 农民工工资专用账户</Nm></Ownr></Acct>\n` +
    (doc.summary === undefined ? '' : `<TxsSummry>${doc.summary}</TxsSummry>\n`) +
    doc.entries.map((e) => entry(e, v)).join('\n') +
    `\n<AddtlNtfctnInf>未知元素</AddtlNtfctnInf></${report}></${root}></Document>\n`
  )
}

const utf8 = (doc: Doc): Buffer => Buffer.from(render(doc), 'utf8')

/** A worker id as the roster keeps them (UUID); the EndToEndId our pain.001 wrote for its November attempt. */
const workerId = (i: number): string => `0192f3a4-5b6c-7d8e-9f00-${i.toString(16).padStart(12, '0')}`
const card = (i: number): string => `62220202001${String(i).padStart(8, '0')}`
const yuan = (fen: number): string => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`

/** Our batch of `count` payments as the bank books it: one debit entry, one TxDtls per payment. */
function batch(count: number, opts: { fenOf?: (i: number) => number } = {}): { entry: Entry; fen: number[]; total: number } {
  const fenOf = opts.fenOf ?? ((i: number) => 480_000 + i * 137)
  const fen = Array.from({ length: count }, (_, i) => fenOf(i))
  const total = fen.reduce((s, f) => s + f, 0)
  const txs = fen.map((f, i) => ({
    e2e: endToEndId(workerId(i), '2026-11', 1),
    pmtInf: 'PI-202611-T1',
    msgId: 'WL-PAIN001-202611-1',
    ref: `ICBC20261205${String(i).padStart(6, '0')}`,
    uetr: `3f0a8a5e-1b2c-4d3e-8f40-${i.toString(16).padStart(12, '0')}`,
    amount: yuan(f),
    cdtr: { name: `工人${i}`, acct: card(i) },
    dbtr: { name: '某某建设', acct: ACCOUNT },
  }))
  return { entry: { amount: yuan(total), cd: 'DBIT', ref: 'ICBC-BATCH-20261205-1', value: '2026-12-05', txs, btch: { count, total: yuan(total) } }, fen, total }
}

const codes = (r: EvidenceParse): string[] => r.errors.map((e) => e.code)
const refused = (t: Test, r: EvidenceParse, code: string, msg?: string): void => {
  t.equal(r.file, undefined, `${msg ?? code}: no file`)
  t.ok(codes(r).includes(code), `${msg ?? code}: ${code} in ${codes(r).join(', ')}`)
}
const lines = (r: EvidenceParse): PaymentEvidence[] => r.file?.lines ?? []

t.test('the real camt.054.001.02: a booked batch of three transactions without amounts, one line each', async (t) => {
  const bytes = sample('iso20022.camt054.v2.xml')
  t.ok(camtFormat.detect(bytes.toString('utf8')))
  const r = camtFormat.parse(bytes, { fileName: 'iso20022.camt054.v2.xml' })
  t.same(r.errors, [])
  t.match(r.file, { format: 'camt.054', variant: 'camt.054.001.02', accountNo: 'CH2801234000123456789', messageId: 'AAAASESS-FP-ACCR001', originalMessageId: null })
  t.equal(lines(r).length, 3)
  t.same(
    lines(r).map((l) => l.bankRef),
    ['AAAASESS-FP-ACCR001/1', 'AAAASESS-FP-ACCR001/2', 'AAAASESS-FP-ACCR001/3'],
    'one bank reference per line, as the statement module makes them',
  )
  for (const l of lines(r)) {
    t.match(l, { lineNo: 1, status: 'booked', amountFen: null, currency: 'SEK', endToEndId: 'MUELL/FINP/RA12345', bookingDate: '2007-10-18', valueDate: '2007-10-18' })
    t.equal(l.payeeName, null, 'a debit names its payee as creditor; this file names only the debtor')
    t.equal(l.payerAccountNo, 'CH2801234000123456789')
  }
  t.same(r.file?.ignored, { count: 0, reasons: {} })
})

t.test('the real camt.054.001.08 with a UETR: one booked payment, what the file does not carry left null', async (t) => {
  const r = camtFormat.parse(sample('iso20022.camt054.v8-with-UETR.xml'), {})
  t.same(r.errors, [])
  t.match(r.file, { format: 'camt.054', variant: 'camt.054.001.08', accountNo: 'CH2801234000123456789', messageId: 'AAAASESS-FP-ACCR001' })
  t.same(lines(r), [
    {
      lineNo: 1,
      status: 'booked',
      payeeCard: null,
      payeeName: null,
      amountFen: 20_000_000,
      currency: 'SEK',
      endToEndId: null,
      paymentInfoId: null,
      bankRef: null,
      uetr: '255ae394-9965-4438-ac86-f406feada396',
      bookingDate: null,
      valueDate: null,
      reasonCode: null,
      reasonText: null,
      payerAccountNo: 'CH2801234000123456789',
      returnOf: null,
    },
  ])
})

t.test('the real camt.053.001.02: its one entry is money coming in, not a payment: counted, not lost', async (t) => {
  const bytes = sample('iso20022.camt053.v2.minimal.xml')
  t.ok(camtFormat.detect(bytes.toString('utf8')))
  const r = camtFormat.parse(bytes, {})
  t.same(r.errors, [])
  t.match(r.file, { format: 'camt.053', variant: 'camt.053.001.02', accountNo: 'NL26VAYB8060476890', messageId: 'CAMT053RIB000000000001' })
  t.same(lines(r), [])
  t.same(r.file?.ignored, { count: 1, reasons: { credit_not_payment: 1 } })
})

t.test('detect: camt.053 and camt.054 roots only', async (t) => {
  t.ok(camtFormat.detect(render({ entries: [] })))
  t.ok(camtFormat.detect(render({ kind: '053', version: '02', entries: [] })))
  t.ok(camtFormat.detect('<?xml version="1.0"?><ns2:Document xmlns:ns2="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><ns2:BkToCstmrDbtCdtNtfctn>'))
  t.notOk(camtFormat.detect(sample('iso20022.pain.002.001.03.accepted-and-rejected-payments.xml').toString('utf8')))
  t.notOk(camtFormat.detect('姓名,卡号,金额,状态\n张三,6222020200112233445,100.00,成功\n'))
  t.notOk(camtFormat.detect(''))
})

t.test('a camt.054.001.08 batch of 1,000 payments to our instruction lines: one booked line each, adding up', async (t) => {
  const { entry, fen, total } = batch(1000)
  const summary = `<TtlNtries><NbOfNtries>1</NbOfNtries><Sum>${yuan(total)}</Sum><TtlNetNtry><Amt>${yuan(total)}</Amt><CdtDbtInd>DBIT</CdtDbtInd></TtlNetNtry></TtlNtries><TtlDbtNtries><NbOfNtries>1</NbOfNtries><Sum>${yuan(total)}</Sum></TtlDbtNtries>`
  const r = readCamtEvidence(utf8({ entries: [entry], summary }))
  t.same(r.errors, [])
  t.match(r.file, { format: 'camt.054', variant: 'camt.054.001.08', accountNo: ACCOUNT, messageId: 'BANK-MSG-1', originalMessageId: 'WL-PAIN001-202611-1' })
  const got = lines(r)
  t.equal(got.length, 1000)
  t.equal(
    got.reduce((s, l) => s + (l.amountFen ?? 0), 0),
    total,
    'the lines add up to the entry',
  )
  t.ok(
    got.every((l, i) => l.amountFen === fen[i] && l.status === 'booked' && l.payeeCard === card(i) && l.payeeName === `工人${i}`),
    'each line its own amount, payee card and name',
  )
  t.ok(
    got.every((l, i) => parseEndToEndId(l.endToEndId ?? '')?.workerId === workerId(i)),
    "each EndToEndId is our instruction line's, and names its worker",
  )
  t.equal(new Set(got.map((l) => l.bankRef)).size, 1000, "the transactions' own AcctSvcrRef, unique")
  t.match(got[0], {
    lineNo: 1,
    bankRef: 'ICBC20261205000000',
    paymentInfoId: 'PI-202611-T1',
    uetr: '3f0a8a5e-1b2c-4d3e-8f40-000000000000',
    bookingDate: '2026-12-05',
    valueDate: '2026-12-05',
    payerAccountNo: ACCOUNT,
    currency: 'CNY',
    returnOf: null,
    reasonCode: null,
  })

  const v2 = readCamtEvidence(utf8({ version: '02', entries: [entry], summary: summary.replace(/<TtlNetNtry><Amt>([^<]*)<\/Amt>/, '<TtlNetNtryAmt>$1</TtlNetNtryAmt>').replace('</TtlNetNtry>', '') }))
  t.same(v2.errors, [])
  t.equal(v2.file?.variant, 'camt.054.001.02')
  t.same(v2.file?.lines, got, '001.02 (Sts text, Cdtr/Nm, AmtDtls/TxAmt) reads to the same evidence as 001.08')

  const asStatement = readCamtEvidence(utf8({ kind: '053', entries: [entry] }))
  t.equal(asStatement.file?.format, 'camt.053')
  t.same(asStatement.file?.lines, got, 'the same booking on a camt.053 statement is the same evidence')
})

t.test('a return (退票) of one of the batch: its own returned line naming the original', async (t) => {
  const { entry } = batch(1000)
  const original = entry.txs![417]!
  const returned: Entry = {
    amount: original.amount!,
    cd: 'CRDT',
    ref: 'ICBC-RTN-20261209-1',
    booking: '2026-12-09',
    txs: [{ e2e: original.e2e, pmtInf: original.pmtInf, ref: 'ICBC-RTN-TX-1', cdtr: original.cdtr, dbtr: { name: '某某建设', acct: ACCOUNT }, rtr: { code: 'AC04', info: ['账户已销户', 'closed account'] } }],
  }
  const r = readCamtEvidence(utf8({ entries: [returned] }))
  t.same(r.errors, [])
  t.same(lines(r), [
    {
      lineNo: 1,
      status: 'returned',
      payeeCard: card(417),
      payeeName: '工人417',
      amountFen: 480_000 + 417 * 137,
      currency: 'CNY',
      endToEndId: original.e2e,
      paymentInfoId: 'PI-202611-T1',
      bankRef: 'ICBC-RTN-TX-1',
      uetr: null,
      bookingDate: '2026-12-09',
      valueDate: '2026-12-09',
      reasonCode: 'AC04',
      reasonText: '账户已销户 closed account',
      payerAccountNo: ACCOUNT,
      returnOf: { endToEndId: original.e2e, bankRef: null },
    },
  ])

  const workerAsDebtor = readCamtEvidence(utf8({ entries: [{ ...returned, txs: [{ ...returned.txs![0]!, cdtr: { name: '某某建设', acct: ACCOUNT }, dbtr: original.cdtr, rtr: { prtry: '002' } }] }] }))
  t.match(lines(workerAsDebtor)[0], { status: 'returned', payeeCard: card(417), payeeName: '工人417', reasonCode: '002', reasonText: null }, 'a bank that names the worker as debtor of the return')

  const both = readCamtEvidence(utf8({ entries: [entry, { ...returned, ref: 'ICBC-RTN-20261209-2' }] }))
  t.same(both.errors, [])
  t.same(
    lines(both).filter((l) => l.status === 'returned').map((l) => [l.lineNo, l.endToEndId]),
    [[2, original.e2e]],
    'the payment and its return in one file: two lines, the original unchanged',
  )
  t.equal(lines(both).filter((l) => l.status === 'booked').length, 1000)
})

t.test('reversals: of a debit, a returned line naming what it reverses; of a credit, not ours', async (t) => {
  const r = readCamtEvidence(
    utf8({
      entries: [
        { amount: '4800.00', cd: 'DBIT', ref: 'B-1', txs: [{ e2e: 'E-1', cdtr: { name: '张三', acct: card(1) } }] },
        { amount: '4800.00', cd: 'CRDT', reversal: 'true', ref: 'B-1-R', booking: '2026-12-06', txs: [{ e2e: 'E-1', ref: 'B-1', cdtr: { name: '张三', acct: card(1) } }] },
        { amount: '90000.00', cd: 'DBIT', reversal: 'true', ref: 'F-1-R', txs: [{ dbtr: { name: '城投', acct: '330100001111' } }] },
        { amount: '4800.00', cd: 'CRDT', reversal: 'false', ref: 'F-2', txs: [{ dbtr: { name: '城投', acct: '330100001111' } }] },
      ],
    }),
  )
  t.same(r.errors, [])
  t.equal(lines(r).length, 2)
  t.match(lines(r)[1], {
    lineNo: 2,
    status: 'returned',
    reasonCode: 'reversal',
    reasonText: /reversed/,
    bankRef: 'B-1-R',
    payeeCard: card(1),
    amountFen: 480_000,
    returnOf: { endToEndId: 'E-1', bankRef: 'B-1' },
  })
  t.same(r.file?.ignored, { count: 2, reasons: { credit_reversed: 1, credit_not_payment: 1 } })
})

t.test('status: PDNG and FUTR are pending, INFO and bank charges are counted and left out', async (t) => {
  const r = readCamtEvidence(
    utf8({
      version: '02',
      entries: [
        { amount: '100.00', cd: 'DBIT', status: 'PDNG', ref: 'P-1', booking: '', txs: [{ e2e: 'E-1', cdtr: { name: '李四', acct: card(2) } }] },
        { amount: '200.00', cd: 'DBIT', status: 'FUTR', ref: 'P-2', txs: [{ e2e: 'E-2' }] },
        { amount: '300.00', cd: 'DBIT', status: 'INFO', ref: 'I-1' },
        { amount: '5.00', cd: 'DBIT', ref: 'C-1', subFamily: 'CHRG' },
        { amount: '100.00', cd: 'CRDT', status: 'PDNG', ref: 'P-3', txs: [{ e2e: 'E-1', rtr: { code: 'AM04' } }] },
      ],
    }),
  )
  t.same(r.errors, [])
  t.same(
    lines(r).map((l) => [l.status, l.endToEndId, l.amountFen, l.bookingDate]),
    [
      ['pending', 'E-1', 10_000, null],
      ['pending', 'E-2', 20_000, '2026-12-05'],
    ],
  )
  t.same(r.file?.ignored, { count: 3, reasons: { information_only: 1, bank_charge: 1, return_not_booked: 1 } })
})

t.test('amounts to fen exactly, ISO decimals: zeros past the fen are no fraction of one', async (t) => {
  const one = (amount: string) => readCamtEvidence(utf8({ entries: [{ amount, cd: 'DBIT', ref: 'A' }] }))
  t.equal(lines(one('0.29'))[0]?.amountFen, 29)
  t.equal(lines(one('4800.000'))[0]?.amountFen, 480_000)
  t.equal(lines(one('99999999.99'))[0]?.amountFen, 9_999_999_999)
  refused(t, one('4800.005'), 'amount_invalid', 'a fraction of a fen')
  refused(t, one('-1.00'), 'amount_invalid', 'a sign')
  refused(t, one('1e3'), 'amount_invalid', 'an exponent')
  refused(t, one('100000000.01'), 'amount_invalid', 'above one line')
  const { entry } = batch(3, { fenOf: () => 5_000_000_000 })
  t.same(readCamtEvidence(utf8({ entries: [entry] })).errors, [], "a batch's total may pass one line's ceiling; its lines may not")
})

t.test('a batch whose transactions do not add up, or cannot be checked, is refused whole', async (t) => {
  const { entry } = batch(5)
  refused(t, readCamtEvidence(utf8({ entries: [{ ...entry, amount: '1.00', btch: undefined }] })), 'batch_sum_mismatch')
  const r = readCamtEvidence(utf8({ entries: [{ ...entry, btch: { count: 6 } }] }))
  refused(t, r, 'batch_count_mismatch')
  t.match(r.errors.find((e) => e.code === 'batch_count_mismatch'), { lineNo: 1, field: 'Ntry[1]/NtryDtls[1]/Btch/NbOfTxs', message: /says it holds 6 transactions; the file lists 5/ })
  refused(t, readCamtEvidence(utf8({ entries: [{ ...entry, btch: { total: '1.00' } }] })), 'batch_sum_mismatch', 'Btch/TtlAmt')
  const mixed = entry.txs!.map((x, i) => (i === 2 ? { ...x, amount: undefined } : x))
  refused(t, readCamtEvidence(utf8({ entries: [{ ...entry, txs: mixed, btch: undefined }] })), 'batch_amounts_incomplete')
  const otherCcy = entry.txs!.map((x, i) => (i === 2 ? { ...x, cd: 'CRDT' } : x))
  refused(t, readCamtEvidence(utf8({ entries: [{ ...entry, txs: otherCcy }] })), 'batch_direction_mismatch')
  refused(t, readCamtEvidence(utf8({ entries: [{ amount: '10.00', cd: 'DBIT', ref: 'S', txs: [{ amount: '9.00' }] }] })), 'batch_sum_mismatch', 'one transaction against its entry')
})

t.test('TxsSummry counts and sums against the entries', async (t) => {
  const entries: Entry[] = [
    { amount: '100.00', cd: 'DBIT', ref: 'A' },
    { amount: '50.00', cd: 'CRDT', ref: 'B' },
    { amount: '7.00', cd: 'DBIT', ref: 'C', status: 'INFO' },
  ]
  const ok = `<TtlNtries><NbOfNtries>3</NbOfNtries><Sum>157.00</Sum><TtlNetNtry><Amt>57.00</Amt><CdtDbtInd>DBIT</CdtDbtInd></TtlNetNtry></TtlNtries><TtlCdtNtries><NbOfNtries>1</NbOfNtries><Sum>50</Sum></TtlCdtNtries><TtlDbtNtries><NbOfNtries>2</NbOfNtries><Sum>107.00</Sum></TtlDbtNtries>`
  t.same(readCamtEvidence(utf8({ entries, summary: ok })).errors, [])
  const r = readCamtEvidence(utf8({ entries, summary: ok.replace('<NbOfNtries>3', '<NbOfNtries>4').replace('<Sum>107.00', '<Sum>108.00').replace('<Amt>57.00', '<Amt>57.01') }))
  t.equal(r.file, undefined)
  t.same(
    r.errors.map((e) => [e.code, e.field]),
    [
      ['summary_count_mismatch', 'TxsSummry/TtlNtries/NbOfNtries'],
      ['summary_sum_mismatch', 'TxsSummry/TtlDbtNtries/Sum'],
      ['summary_sum_mismatch', 'TxsSummry/TtlNtries/TtlNetNtry'],
    ],
  )
  refused(t, readCamtEvidence(utf8({ entries, summary: ok.replace('<NbOfNtries>3', '<NbOfNtries>three') })), 'summary_count_invalid')
})

t.test('encodings: as declared, strictly; GBK labelled UTF-8 refused, GBK declared read', async (t) => {
  const doc: Doc = { entries: [{ amount: '100.00', cd: 'DBIT', ref: 'A', txs: [{ e2e: 'E-1', cdtr: { name: '张三丰', acct: card(3) } }] }] }
  // 张 ends in 0xA0 in UTF-8, a byte JavaScript's trim would cut; &#20013; is 中 written as a character reference.
  const edge = readCamtEvidence(utf8({ entries: [{ amount: '1.00', cd: 'DBIT', ref: 'A', txs: [{ e2e: 'E-1', cdtr: { name: ' 李&#20013;张\n', acct: card(3) } }] }] }))
  t.equal(lines(edge)[0]?.payeeName, '李中张', 'UTF-8 text decoded whole, escapes after')
  t.equal(lines(readCamtEvidence(iconv.encode(render({ ...doc, encoding: 'GBK' }).replace('张三丰', '李&#20013;张'), 'gbk')))[0]?.payeeName, '李中张', 'GBK text decoded whole, escapes after')
  const gbkText = render({ ...doc, encoding: 'GBK' })
  t.equal(lines(readCamtEvidence(iconv.encode(gbkText, 'gbk')))[0]?.payeeName, '张三丰', 'GBK as declared')
  t.equal(lines(readCamtEvidence(iconv.encode(render({ ...doc, encoding: 'GB18030' }), 'gb18030')))[0]?.payeeName, '张三丰', 'GB18030 as declared')
  const mislabelled = readCamtEvidence(iconv.encode(render(doc), 'gbk'))
  refused(t, mislabelled, 'invalid_encoding', 'GBK bytes under encoding="UTF-8"')
  t.match(mislabelled.errors[0]?.message, /not UTF-8 \(GBK perhaps\)/)
  const badGbk = Buffer.concat([iconv.encode(gbkText.slice(0, 400), 'gbk'), Buffer.from([0x81, 0x20]), iconv.encode(gbkText.slice(400), 'gbk')])
  refused(t, readCamtEvidence(badGbk), 'invalid_encoding', 'invalid GBK')
  t.same(readCamtEvidence(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(doc)])).errors, [], 'a UTF-8 BOM')
  refused(t, readCamtEvidence(Buffer.from(`\ufeff${render(doc)}`, 'utf16le')), 'unsupported_encoding', 'UTF-16')
  refused(t, readCamtEvidence(Buffer.from(render({ ...doc, encoding: 'ISO-8859-1' }), 'latin1')), 'unsupported_encoding', 'Latin-1')
})

t.test('a file cut short, or not camt, or not one message, is refused with the reason', async (t) => {
  const whole = utf8({ entries: [batch(20).entry] })
  const cut = readCamtEvidence(whole.subarray(0, Math.floor(whole.length * 0.6)))
  refused(t, cut, 'not_well_formed', 'truncated')
  t.match(cut.errors[0]?.message, /cut short/)
  refused(t, readCamtEvidence(sample('iso20022.pain.002.001.03.accepted-and-rejected-payments.xml')), 'not_camt')
  refused(t, readCamtEvidence(Buffer.from(render({ entries: [] }).replace('camt.054.001.08', 'camt.053.001.08'))), 'namespace_mismatch')
  refused(t, readCamtEvidence(Buffer.from(render({ entries: [] }).replace(/<Ntfctn>.*<\/Ntfctn>/s, ''))), 'no_report')
  refused(t, readCamtEvidence(Buffer.from(render({ entries: [] }).replace(/<Acct>.*?<\/Acct>/s, ''))), 'account_missing')
  refused(t, readCamtEvidence(Buffer.alloc(0)), 'not_well_formed', 'empty')
})

t.test('entries that cannot be read: every fault found, each with its entry, field and code', async (t) => {
  const r = readCamtEvidence(
    utf8({
      entries: [
        { amount: '100.00', cd: 'DBIT', ref: 'A', status: 'HOLD' },
        { amount: '100.00', cd: 'SIDEWAYS', ref: 'B' },
        { amount: '100.00', cd: 'DBIT', ref: 'C', status: '' },
        { amount: '100.00', cd: 'DBIT', ref: 'D', reversal: 'maybe' },
        { amount: '100.00', cd: 'DBIT', ref: 'E', booking: '2026-13-40' },
        { amount: '100.00', ccy: 'yuan', cd: 'DBIT', ref: 'F' },
        { amount: '100.00', cd: 'DBIT', ref: 'G' },
        { amount: '100.00', cd: 'DBIT', ref: 'G' },
      ],
    }),
  )
  t.equal(r.file, undefined)
  t.same(
    r.errors.map((e) => [e.lineNo, e.code]),
    [
      [1, 'status_unknown'],
      [2, 'direction_invalid'],
      [3, 'status_missing'],
      [4, 'reversal_indicator_invalid'],
      [5, 'booking_date_invalid'],
      [6, 'currency_missing'],
      [8, 'bank_ref_repeated'],
    ],
  )
  for (const e of r.errors) {
    t.match(e.code, /^[a-z]+(_[a-z]+)*$/)
    t.ok(e.field.startsWith(`Ntry[${e.lineNo}]`), e.field)
    t.match(e.message, new RegExp(`^Entry ${e.lineNo}`))
  }
})

t.test('faults never quote a full card number', async (t) => {
  const { entry } = batch(30)
  const bad = entry.txs!.map((x) => ({ ...x, amount: '1.001' }))
  const r = readCamtEvidence(utf8({ entries: [{ ...entry, txs: bad }] }))
  t.equal(r.errors.length, 30)
  t.notOk(
    r.errors.some((e) => /\d{12,}/.test(e.message)),
    'no long digit run in any message',
  )
})

t.test('a card number quoted from the file shows its last four only', async (t) => {
  const r = readCamtEvidence(utf8({ entries: [{ amount: '1.00', cd: 'DBIT', ref: 'A', status: card(7) }] }))
  t.match(r.errors[0], { code: 'status_unknown', message: /"\*\*\*\*0007"/ })
  t.notMatch(r.errors[0]?.message, card(7))
  const tag = readCamtEvidence(Buffer.from(render({ entries: [] }).replace('<GrpHdr>', `<GrpHdr><${card(8)}>`)))
  t.equal(tag.errors[0]?.code, 'not_well_formed')
  t.notMatch(tag.errors[0]?.message, card(8))
})

t.test('limits: lines and listed faults are bounded, and say so', async (t) => {
  const { entry } = batch(50)
  const over = readCamtEvidence(utf8({ entries: [entry] }), { linesMax: 40 })
  refused(t, over, 'too_many_lines')
  t.match(over.errors[0]?.message, /holds 50 payments, more than the 40/)
  const many = Array.from({ length: EVIDENCE_ERRORS_MAX + 200 }, (_, i): Entry => ({ amount: 'x', cd: 'DBIT', ref: `R${i}` }))
  const r = readCamtEvidence(utf8({ entries: many }))
  t.equal(r.errors.length, EVIDENCE_ERRORS_MAX)
  t.equal(r.errors.at(-1)?.code, 'too_many_faults')
  t.match(r.errors.at(-1)?.message, /201 more faults/)
})

t.test('tolerant of what it does not read: unknown elements, prefixes, comments, CDATA, entities', async (t) => {
  const xml = render({ entries: [{ amount: '100.00', cd: 'DBIT', ref: 'A', txs: [{ e2e: 'E&amp;1', cdtr: { name: '<![CDATA[张&三]]>', acct: '6222 0202 0011 2233 445' } }] }] })
    .replace('<GrpHdr>', '<!-- exported by the bank --><GrpHdr><Unknown a="1">x</Unknown><__proto__><Nm>p</Nm></__proto__><constructor/><toString>s</toString>')
    .replace(/<(\/?)([A-Za-z]+)([ >/])/g, '<$1c:$2$3')
    .replace('xmlns="urn', 'xmlns:c="urn')
  const r = readCamtEvidence(Buffer.from(xml))
  t.same(r.errors, [])
  t.match(lines(r)[0], { endToEndId: 'E&1', payeeName: '张&三', payeeCard: '6222020200112233445', amountFen: 10_000 })
  t.equal(r.file?.variant, 'camt.054.001.08', 'the version from a prefixed namespace')
})

t.test('a booking time with an offset is dated in Asia/Shanghai; a local one by its date part (as account statements)', async (t) => {
  const withTime = (dtTm: string) =>
    readCamtEvidence(Buffer.from(render({ version: '08', entries: [{ amount: '100.00', cd: 'DBIT', ref: 'T-1', txs: [{ e2e: 'E-T', cdtr: { name: '李四', acct: card(2) } }] }] }).replace('<BookgDt><Dt>2026-12-05</Dt></BookgDt>', `<BookgDt><DtTm>${dtTm}</DtTm></BookgDt>`), 'utf8'))
  t.equal(withTime('2026-12-05T17:00:00Z').file?.lines[0]?.bookingDate, '2026-12-06', 'UTC 17:00 is the next day in Shanghai')
  t.equal(withTime('2026-12-05T23:30:00+08:00').file?.lines[0]?.bookingDate, '2026-12-05')
  t.equal(withTime('2026-12-05T23:30:00').file?.lines[0]?.bookingDate, '2026-12-05', 'a local time: its date part')
})
