/**
 * The pain.002 parser against the real status reports copied from shared/samples/bank/ into test/payouts/fixtures/bank/ (Finnish bank test material, each with
 * its .origin), and synthetic reports in their shape: a 001.10 answering an instruction of ours (pain001.ts), in
 * UTF-8 and in GBK, and one file per way a report can make its evidence doubtful.
 */
import { readFileSync } from 'node:fs'
import iconv from 'iconv-lite'
import { XMLParser } from 'fast-xml-parser'
import t, { type Test } from 'tap'
import { endToEndId, pain001Document, parseEndToEndId } from '../../../src/instructions/pain001.ts'
import { EVIDENCE_ERRORS_MAX, EVIDENCE_LINES_MAX } from '../../../src/payouts/formats/evidence.ts'
import { detectFormat, parseBankFile } from '../../../src/payouts/formats/index.ts'
import { pain002Format, parsePain002, type Pain002File, type Pain002Parse } from '../../../src/payouts/formats/pain002/index.ts'
import { INSTRUCTION, line } from '../../instructions/helpers/instruction.ts'

const SAMPLES = new URL('../fixtures/bank/', import.meta.url)
const sample = (name: string): Buffer => readFileSync(new URL(name, SAMPLES))
const P = 'iso20022.pain.002.001.03.'

function read(t: Test, parsed: Pain002Parse): Pain002File {
  t.same(parsed.errors, [], 'read without faults')
  if (parsed.file === undefined) throw new Error(`not read: ${JSON.stringify(parsed.errors)}`)
  return parsed.file
}

/** The codes of a refusal; a refusal never carries a file. */
function refusal(t: Test, parsed: Pain002Parse): string[] {
  t.equal(parsed.file, undefined, 'no file beside errors')
  t.ok(parsed.errors.length > 0, 'refused')
  return parsed.errors.map((e) => e.code)
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

interface Reason {
  cd?: string
  prtry?: string
  addtl?: string[]
}
interface Tx {
  e2e?: string
  sts?: string
  rsn?: Reason
  amount?: string
  /** null: the amount without its Ccy attribute */
  ccy?: string | null
  cdtrName?: string
  cdtrAcct?: { iban: string } | { othr: string }
  dbtrAcct?: string
  acctSvcrRef?: string
  uetr?: string
  accptnc?: string
  reqd?: string
  settled?: string
}
interface PerStatus {
  sts: string
  n: number | string
  sum?: string
}
interface Block {
  id: string
  sts?: string
  rsn?: Reason
  nbOfTxs?: number
  ctrlSum?: string
  perStatus?: PerStatus[]
  txs: Tx[]
}
interface Report {
  version: '03' | '10'
  msgId?: string
  orgnlMsgId?: string
  grpSts?: string
  grpRsn?: Reason
  grpNbOfTxs?: number
  grpPerStatus?: PerStatus[]
  blocks: Block[]
  encoding?: string
}

const reason = (r: Reason | undefined): string =>
  r === undefined
    ? ''
    : `<StsRsnInf>${r.cd !== undefined ? `<Rsn><Cd>${r.cd}</Cd></Rsn>` : r.prtry !== undefined ? `<Rsn><Prtry>${esc(r.prtry)}</Prtry></Rsn>` : ''}${(r.addtl ?? []).map((a) => `<AddtlInf>${esc(a)}</AddtlInf>`).join('')}</StsRsnInf>`
const perStatus = (ps: PerStatus[] | undefined): string =>
  (ps ?? []).map((p) => `<NbOfTxsPerSts><DtldNbOfTxs>${p.n}</DtldNbOfTxs><DtldSts>${p.sts}</DtldSts>${p.sum === undefined ? '' : `<DtldCtrlSum>${p.sum}</DtldCtrlSum>`}</NbOfTxsPerSts>`).join('')

/** A pain.002 in the layout of its version (Cdtr/Nm and a plain ReqdExctnDt in 001.03; Cdtr/Pty/Nm, ReqdExctnDt/Dt, OrgnlUETR in 001.10). */
function pain002(r: Report): string {
  const v10 = r.version === '10'
  const party = (name: string | undefined, tag: string): string => (name === undefined ? '' : v10 ? `<${tag}><Pty><Nm>${esc(name)}</Nm></Pty></${tag}>` : `<${tag}><Nm>${esc(name)}</Nm></${tag}>`)
  const tx = (x: Tx): string =>
    `<TxInfAndSts>${x.e2e === undefined ? '' : `<OrgnlEndToEndId>${esc(x.e2e)}</OrgnlEndToEndId>`}${x.uetr === undefined ? '' : `<OrgnlUETR>${x.uetr}</OrgnlUETR>`}` +
    `${x.sts === undefined ? '' : `<TxSts>${x.sts}</TxSts>`}${reason(x.rsn)}${x.accptnc === undefined ? '' : `<AccptncDtTm>${x.accptnc}</AccptncDtTm>`}` +
    `${x.settled === undefined ? '' : `<FctvIntrBkSttlmDt><Dt>${x.settled}</Dt></FctvIntrBkSttlmDt>`}${x.acctSvcrRef === undefined ? '' : `<AcctSvcrRef>${x.acctSvcrRef}</AcctSvcrRef>`}` +
    '<OrgnlTxRef>' +
    `${x.amount === undefined ? '' : `<Amt><InstdAmt${x.ccy === null ? '' : ` Ccy="${x.ccy ?? 'CNY'}"`}>${x.amount}</InstdAmt></Amt>`}` +
    `${x.reqd === undefined ? '' : v10 ? `<ReqdExctnDt><Dt>${x.reqd}</Dt></ReqdExctnDt>` : `<ReqdExctnDt>${x.reqd}</ReqdExctnDt>`}` +
    `${x.dbtrAcct === undefined ? '' : `<DbtrAcct><Id><Othr><Id>${x.dbtrAcct}</Id></Othr></Id></DbtrAcct>`}` +
    party(x.cdtrName, 'Cdtr') +
    `${x.cdtrAcct === undefined ? '' : 'iban' in x.cdtrAcct ? `<CdtrAcct><Id><IBAN>${x.cdtrAcct.iban}</IBAN></Id></CdtrAcct>` : `<CdtrAcct><Id><Othr><Id>${x.cdtrAcct.othr}</Id></Othr></Id></CdtrAcct>`}` +
    '</OrgnlTxRef></TxInfAndSts>'
  const block = (b: Block): string =>
    `<OrgnlPmtInfAndSts><OrgnlPmtInfId>${esc(b.id)}</OrgnlPmtInfId>${b.nbOfTxs === undefined ? '' : `<OrgnlNbOfTxs>${b.nbOfTxs}</OrgnlNbOfTxs>`}` +
    `${b.ctrlSum === undefined ? '' : `<OrgnlCtrlSum>${b.ctrlSum}</OrgnlCtrlSum>`}${b.sts === undefined ? '' : `<PmtInfSts>${b.sts}</PmtInfSts>`}${reason(b.rsn)}${perStatus(b.perStatus)}` +
    `${b.txs.map(tx).join('')}</OrgnlPmtInfAndSts>`
  return (
    `<?xml version="1.0" encoding="${r.encoding ?? 'UTF-8'}"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.${r.version}">\n<CstmrPmtStsRpt>` +
    `<GrpHdr><MsgId>${r.msgId ?? 'STS-1'}</MsgId><CreDtTm>2026-12-10T18:00:00+08:00</CreDtTm></GrpHdr>` +
    `<OrgnlGrpInfAndSts><OrgnlMsgId>${r.orgnlMsgId ?? 'WL-1'}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>` +
    `${r.grpNbOfTxs === undefined ? '' : `<OrgnlNbOfTxs>${r.grpNbOfTxs}</OrgnlNbOfTxs>`}${r.grpSts === undefined ? '' : `<GrpSts>${r.grpSts}</GrpSts>`}${reason(r.grpRsn)}${perStatus(r.grpPerStatus)}</OrgnlGrpInfAndSts>\n` +
    `${r.blocks.map(block).join('\n')}\n</CstmrPmtStsRpt>\n</Document>\n`
  )
}

const utf8 = (r: Report): Buffer => Buffer.from(pain002(r), 'utf8')
const one = (txs: Tx[], over: Partial<Block> = {}, report: Partial<Report> = {}): Buffer => utf8({ version: '10', blocks: [{ id: 'WL-1', txs, ...over }], ...report })

t.test('the real reports read as the bank wrote them', async (t) => {
  const mixed = read(t, parsePain002(sample(`${P}accepted-and-rejected-payments.xml`)))
  t.equal(mixed.format, 'pain.002')
  t.equal(mixed.variant, 'pain.002.001.03')
  t.equal(mixed.messageId, '1540378')
  t.equal(mixed.originalMessageId, 'MsgId_110610')
  t.same(
    mixed.lines.map((l) => [l.lineNo, l.status, l.endToEndId, l.paymentInfoId, l.amountFen, l.currency, l.reasonCode, l.reasonText]),
    [
      [1, 'rejected', 'TEST PMT', '20140102-123456-01', 2211, 'EUR', 'NARR', 'Viite virheellinen'],
      // Inherited from PmtInfSts RJCT, with the block's reason.
      [2, 'rejected', null, '20140102-123456-02', 74022, 'EUR', 'DT01', 'Eräpäivä virheellinen'],
      [3, 'pending', null, '20140102-123456-03', 66522, 'EUR', null, null],
      [4, 'pending', null, '20140102-123456-04', 50000011, 'EUR', null, null],
    ],
  )
  // Finnish IBANs have letters: no card number, and the detail says why.
  t.equal(mixed.lines[0]?.payeeCard, null)
  t.equal(mixed.lines[0]?.payeeName, 'Oy Yritys Ab')
  t.equal(mixed.lines[0]?.payerAccountNo, null)
  t.same(
    mixed.details.map((d) => [d.statusCode, d.statusFrom, d.payeeAccount, d.requestedExecutionDate]),
    [
      ['RJCT', 'transaction', 'not_digits', '2014-01-11'],
      ['RJCT', 'payment_info', 'absent', '2014-01-08'],
      ['ACCP', 'payment_info', 'absent', '2014-01-08'],
      ['ACCP', 'payment_info', 'absent', '2014-01-08'],
    ],
  )
  t.same(
    mixed.paymentInfos.map((p) => [p.paymentInfoId, p.code, p.listed, p.complete]),
    [
      ['20140102-123456-01', 'PART', 1, false],
      ['20140102-123456-02', 'RJCT', 1, false],
      ['20140102-123456-03', 'ACCP', 1, false],
      ['20140102-123456-04', 'ACCP', 1, true],
    ],
    'only the last block lists all of its transactions; the others are partial reports and their counts are bounds',
  )
  t.same([mixed.group.code, mixed.group.originalCount, mixed.group.listed, mixed.group.complete], ['PART', 8, 4, false])
  t.same(mixed.ignored, { count: 0, reasons: {} })

  const accepted = read(t, parsePain002(sample(`${P}accepted-payment-material.xml`)))
  t.same(
    accepted.lines.map((l) => [l.status, l.amountFen, l.paymentInfoId]),
    [['pending', 9008, '20110102-123456-01']],
  )

  const rejected = read(t, parsePain002(sample(`${P}rejected-payment-material.xml`)))
  t.same(
    rejected.lines.map((l) => [l.status, l.amountFen, l.reasonCode, l.reasonText]),
    [['rejected', 1308, 'DT01', 'Eräpäivä virheellinen.']],
  )

  const zero = read(t, parsePain002(sample(`${P}rejected-payment-material-2.xml`)))
  t.same(
    zero.lines.map((l) => [l.status, l.endToEndId, l.amountFen, l.reasonCode, l.reasonText, l.payeeName, l.payeeCard]),
    // "0.00000": more decimals than two, all zeros, is an amount.
    [['rejected', '1547478597597-G-1-P-1', 0, 'AM01', 'Nolla-summa tilisiirrossa.', 'Tomi Nokkala', null]],
  )
  t.same(zero.group.perStatus, [{ code: 'RJCT', count: 1, controlSumFen: 0 }])
  t.equal(zero.group.complete, true)
})

t.test('a report of the group status alone has no lines: the status is kept for the instruction it answers', async (t) => {
  const accepted = read(t, parsePain002(sample(`${P}accepted-technical-check.xml`)))
  t.same(accepted.lines, [])
  t.same(accepted.ignored, { count: 1, reasons: { group_without_transactions: 1 } })
  t.same([accepted.originalMessageId, accepted.group.code, accepted.group.status], ['20110102-0000001', 'ACTC', 'pending'])

  const rejected = read(t, parsePain002(sample(`${P}rejected-technical-check.xml`)))
  t.same(rejected.lines, [])
  t.same([rejected.group.code, rejected.group.status, rejected.group.reasonCode], ['RJCT', 'rejected', 'NARR'])
  // Three AddtlInf pieces cut mid-word by the bank join back into one text.
  t.equal(
    rejected.group.reasonText,
    "pain.001.001.03 could not be processed, please verify structure. cvc-datatype-valid.1.2.1: '4847,37' is not a valid value for 'decimal'.cvc-type.3.1.3: The value '4847,37' of element 'CtrlSum' is not valid.",
  )

  const blockOnly = read(t, parsePain002(one([], { sts: 'RJCT', rsn: { cd: 'AM04', addtl: ['余额不足'] } }, { grpSts: 'RJCT' })))
  t.same(blockOnly.ignored, { count: 1, reasons: { payment_info_without_transactions: 1 } })
  t.same([blockOnly.paymentInfos[0]?.paymentInfoId, blockOnly.paymentInfos[0]?.reasonCode, blockOnly.paymentInfos[0]?.reasonText], ['WL-1', 'AM04', '余额不足'])
})

t.test('detect: the report element, not other bank files', async (t) => {
  for (const name of ['accepted-and-rejected-payments', 'accepted-technical-check', 'rejected-payment-material-2']) {
    t.ok(pain002Format.detect(sample(`${P}${name}.xml`).toString('utf8')), name)
  }
  t.ok(pain002Format.detect('<?xml version="1.0"?><p:Document xmlns:p="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><p:CstmrPmtStsRpt>'), 'with a namespace prefix')
  for (const other of [
    'iso20022.camt054.v8-with-UETR.xml',
    'iso20022.camt053.v2.minimal.xml',
    'cmb-yqzl.NTAGDRFD-NTAGDRFDZ1.response.xml',
    'iso20022.pain.001.001.03.one-sepa-payment-with-unstructured-message.xml',
  ]) {
    t.notOk(pain002Format.detect(sample(other).toString('utf8')), other)
  }
  t.equal(pain002Format.name, 'pain.002')
  const viaFormat = pain002Format.parse(sample(`${P}rejected-payment-material.xml`), { fileName: 'x.xml' })
  t.equal(viaFormat.file?.lines.length, 1, 'the BankFormat parse is the same parser')
  // Through the registry: detected from the content, or named on upload.
  t.equal(detectFormat(sample(`${P}accepted-and-rejected-payments.xml`))?.name, 'pain.002')
  t.equal(parseBankFile(sample(`${P}accepted-and-rejected-payments.xml`)).file?.lines.length, 4)
  t.equal(parseBankFile(sample(`${P}accepted-technical-check.xml`), { format: 'pain.002' }).file?.format, 'pain.002')
})

/** What our pain.001 wrote, read back: the ids and facts a bank echoes in its pain.002. */
function instructionTransactions(xml: string): { e2e: string; amount: string; name: string; card: string }[] {
  const p = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, isArray: (n) => n === 'CdtTrfTxInf' })
  const doc = p.parse(xml) as { Document: { CstmrCdtTrfInitn: { PmtInf: { CdtTrfTxInf: { PmtId: { EndToEndId: string }; Amt: { InstdAmt: { '#text': string } }; Cdtr: { Nm: string }; CdtrAcct: { Id: { Othr: { Id: string } } } }[] } } } }
  return doc.Document.CstmrCdtTrfInitn.PmtInf.CdtTrfTxInf.map((x) => ({ e2e: x.PmtId.EndToEndId, amount: x.Amt.InstdAmt['#text'], name: x.Cdtr.Nm, card: x.CdtrAcct.Id.Othr.Id }))
}

t.test('a 001.10 answering an instruction of ours finds each worker-month again', async (t) => {
  const lines = [line(1), line(2), line(3), line(4, { workerName: '欧阳·娜' })]
  const instruction = pain001Document(INSTRUCTION, lines)
  const sent = instructionTransactions(instruction)
  t.equal(sent.length, 4)
  const [a, b, c, d] = sent as [(typeof sent)[0], (typeof sent)[0], (typeof sent)[0], (typeof sent)[0]]
  const common = { dbtrAcct: INSTRUCTION.debtor.accountNo, reqd: INSTRUCTION.requestedExecutionDate, accptnc: '2026-12-10T09:30:00+08:00' }
  const report: Report = {
    version: '10',
    msgId: 'CCB-STS-20261210-0001',
    orgnlMsgId: INSTRUCTION.messageId,
    grpSts: 'PART',
    grpNbOfTxs: 4,
    blocks: [
      {
        id: INSTRUCTION.messageId,
        sts: 'PART',
        nbOfTxs: 4,
        ctrlSum: '4000.10',
        perStatus: [
          { sts: 'ACSC', n: 2, sum: '2000.03' },
          { sts: 'RJCT', n: 1, sum: '1000.03' },
          { sts: 'ACSP', n: 1, sum: '1000.04' },
        ],
        txs: [
          { ...common, e2e: a.e2e, sts: 'ACSC', amount: a.amount, cdtrName: a.name, cdtrAcct: { othr: a.card }, acctSvcrRef: 'CCB20261210000001', uetr: '7f0c2e1a-3b4d-4e5f-8a6b-7c8d9e0f1a2b', settled: '2026-12-10' },
          { ...common, e2e: b.e2e, sts: 'ACSC', amount: b.amount, cdtrName: b.name, cdtrAcct: { othr: b.card }, acctSvcrRef: 'CCB20261210000002' },
          { ...common, e2e: c.e2e, sts: 'RJCT', rsn: { cd: 'AC04', addtl: ['收款账户已销户'] }, amount: c.amount, cdtrName: c.name, cdtrAcct: { othr: c.card } },
          { ...common, e2e: d.e2e, sts: 'ACSP', amount: d.amount, cdtrName: d.name, cdtrAcct: { othr: d.card } },
        ],
      },
    ],
  }
  for (const [encoding, bytes] of [
    ['UTF-8', utf8(report)],
    ['GBK', iconv.encode(pain002({ ...report, encoding: 'GBK' }), 'gbk')],
    ['UTF-8 with a BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(report)])],
  ] as const) {
    const file = read(t, parsePain002(bytes))
    t.equal(file.variant, 'pain.002.001.10', encoding)
    t.same([file.messageId, file.originalMessageId, file.accountNo], ['CCB-STS-20261210-0001', INSTRUCTION.messageId, INSTRUCTION.debtor.accountNo])
    t.same(
      file.lines.map((l) => [l.status, l.amountFen, l.currency, l.payeeName, l.payeeCard, l.paymentInfoId, l.reasonCode, l.reasonText]),
      [
        ['booked', 100_001, 'CNY', '工人1', line(1).cardNo, INSTRUCTION.messageId, null, null],
        ['booked', 100_002, 'CNY', '工人2', line(2).cardNo, INSTRUCTION.messageId, null, null],
        ['rejected', 100_003, 'CNY', '工人3', line(3).cardNo, INSTRUCTION.messageId, 'AC04', '收款账户已销户'],
        ['pending', 100_004, 'CNY', '欧阳·娜', line(4).cardNo, INSTRUCTION.messageId, null, null],
      ],
      encoding,
    )
    t.same(
      file.lines.map((l) => parseEndToEndId(l.endToEndId ?? '')),
      lines.map((l) => ({ workerId: l.workerId, month: l.month, attempt: l.attempt })),
      `${encoding}: every EndToEndId leads back to its worker-month`,
    )
    t.same(file.lines.map((l) => l.endToEndId), lines.map((l) => endToEndId(l.workerId, l.month, l.attempt)))
    t.same([file.lines[0]?.bankRef, file.lines[0]?.uetr, file.lines[0]?.bookingDate, file.lines[0]?.valueDate], ['CCB20261210000001', '7f0c2e1a-3b4d-4e5f-8a6b-7c8d9e0f1a2b', '2026-12-10', '2026-12-10'])
    t.same([file.lines[1]?.bookingDate, file.lines[3]?.bookingDate], [null, null], 'no booking date where the bank states none')
    t.same([file.details[0]?.requestedExecutionDate, file.details[0]?.acceptedAt, file.details[0]?.payeeAccount], ['2026-12-10', '2026-12-10T09:30:00+08:00', 'digits'])
    t.same([file.paymentInfos[0]?.complete, file.group.complete], [true, true])
  }
})

t.test('the 001.03 layout and a partial report of the rejected ones only', async (t) => {
  const file = read(
    t,
    parsePain002(
      utf8({
        version: '03',
        grpSts: 'PART',
        grpNbOfTxs: 3,
        blocks: [
          {
            id: 'WL-1',
            sts: 'PART',
            nbOfTxs: 3,
            perStatus: [
              { sts: 'ACCP', n: 2, sum: '300.00' },
              { sts: 'RJCT', n: 1, sum: '12.50' },
            ],
            txs: [{ e2e: 'NOTPROVIDED', sts: 'RJCT', rsn: { prtry: 'E012', addtl: ['户名不符'] }, amount: '12.500', cdtrName: '张三', cdtrAcct: { iban: '6217 0015 4000 0000 01' }, reqd: '2026-12-10' }],
          },
        ],
      }),
    ),
  )
  t.same(
    file.lines.map((l) => [l.endToEndId, l.status, l.amountFen, l.reasonCode, l.reasonText, l.payeeName, l.payeeCard]),
    [[null, 'rejected', 1250, 'E012', '户名不符', '张三', '621700154000000001']],
  )
  t.equal(file.details[0]?.requestedExecutionDate, '2026-12-10')
  t.same([file.paymentInfos[0]?.complete, file.group.complete], [false, false])
})

t.test('a transaction without its own status takes the block status, else the group status, with its reason', async (t) => {
  const fromGroup = read(t, parsePain002(utf8({ version: '10', grpSts: 'ACSC', blocks: [{ id: 'B1', txs: [{ e2e: 'E1', amount: '1.00' }] }] })))
  t.same(
    fromGroup.lines.map((l) => [l.endToEndId, l.status]),
    [['E1', 'booked']],
  )
  t.equal(fromGroup.details[0]?.statusFrom, 'group')
  const file = read(
    t,
    parsePain002(
      utf8({
        version: '10',
        grpSts: 'PART',
        blocks: [
          { id: 'B2', sts: 'RJCT', rsn: { cd: 'AM04', addtl: ['Insufficient funds.', 'Top up the account.'] }, txs: [{ e2e: 'E2', amount: '2.00' }, { e2e: 'E3', sts: 'RJCT', amount: '3.00' }] },
          { id: 'B3', sts: 'ACSP', txs: [{ e2e: 'E4', sts: 'ACSC', amount: '4.00' }, { e2e: 'E5', amount: '5.00' }] },
        ],
      }),
    ),
  )
  t.same(
    file.lines.map((l) => [l.endToEndId, l.status, l.reasonCode, l.reasonText]),
    [
      ['E2', 'rejected', 'AM04', 'Insufficient funds. Top up the account.'],
      ['E3', 'rejected', 'AM04', 'Insufficient funds. Top up the account.'],
      ['E4', 'booked', null, null],
      ['E5', 'pending', null, null],
    ],
  )
  t.same(file.details.map((d) => d.statusFrom), ['payment_info', 'transaction', 'transaction', 'payment_info'])
})

t.test('status codes: the table of the module', async (t) => {
  const cases: [string, string][] = [
    ['ACSC', 'booked'],
    ['ACCC', 'booked'],
    ['ACCP', 'pending'],
    ['ACSP', 'pending'],
    ['ACTC', 'pending'],
    ['ACWC', 'pending'],
    ['ACWP', 'pending'],
    ['ACFC', 'pending'],
    ['ACPD', 'pending'],
    ['PATC', 'pending'],
    ['PDNG', 'pending'],
    ['RCVD', 'pending'],
    ['BLCK', 'pending'],
    ['PART', 'pending'],
    ['RJCT', 'rejected'],
    ['CANC', 'rejected'],
  ]
  for (const [code, status] of cases) {
    const file = read(t, parsePain002(one([{ e2e: 'E1', sts: code, amount: '1.00', rsn: code === 'CANC' ? { cd: 'CUST' } : undefined }])))
    t.equal(file.lines[0]?.status, status, code)
  }
  t.equal(read(t, parsePain002(one([{ e2e: 'E1', sts: 'CANC', rsn: { cd: 'CUST', addtl: ['cancelled by the payer'] } }]))).lines[0]?.reasonText, 'cancelled by the payer')
  t.same(refusal(t, parsePain002(one([{ e2e: 'E1', sts: 'DONE' }]))), ['status_unknown'])
  t.same(refusal(t, parsePain002(one([{ e2e: 'E1', sts: 'CPUC' }]))), ['status_not_applicable'])
  t.same(refusal(t, parsePain002(one([{ e2e: 'E1' }]))), ['status_missing'])
})

t.test('what makes the evidence doubtful refuses the file whole, every fault listed', async (t) => {
  const whole = sample(`${P}accepted-and-rejected-payments.xml`)
  const cut = refusal(t, parsePain002(whole.subarray(0, Math.floor(whole.length * 0.6))))
  t.same(cut, ['not_well_formed'], 'a truncated file')

  const gbkNames = pain002({ version: '10', blocks: [{ id: 'B', txs: [{ e2e: 'E1', sts: 'ACSC', amount: '1.00', cdtrName: '张伟' }] }] })
  t.same(refusal(t, parsePain002(iconv.encode(gbkNames, 'gbk'))), ['encoding_mislabelled'], 'GBK bytes labelled UTF-8')
  const invalidGbk = Buffer.concat([iconv.encode(pain002({ version: '10', encoding: 'GBK', blocks: [] }).replace('</Document>\n', ''), 'gbk'), Buffer.from([0x81, 0x20]), Buffer.from('</Document>')])
  t.same(refusal(t, parsePain002(invalidGbk)), ['invalid_encoding'], 'invalid GBK')
  t.same(refusal(t, parsePain002(Buffer.from(pain002({ version: '10', encoding: 'UTF-16', blocks: [] })))), ['unsupported_encoding'])
  t.same(refusal(t, parsePain002(Buffer.alloc(0))), ['empty_file'])
  t.same(refusal(t, parsePain002(sample('iso20022.camt054.v2.xml'))), ['not_pain002'])
  t.same(refusal(t, parsePain002(Buffer.from(pain002({ version: '10', blocks: [] }).replace('pain.002.001.10', 'camt.054.001.08')))), ['namespace_mismatch'])
  t.same(refusal(t, parsePain002(Buffer.from(pain002({ version: '10', blocks: [] }).replace('<OrgnlMsgNmId>pain.001.001.09', '<OrgnlMsgNmId>pain.008.001.08')))), ['not_a_transfer_report'])
  t.same(refusal(t, parsePain002(Buffer.from(pain002({ version: '10', blocks: [] }).replace('<MsgId>STS-1</MsgId>', '')))), ['missing_field'])

  t.same(refusal(t, parsePain002(one([{ e2e: 'E1', sts: 'ACSC', amount: '10.005' }]))), ['amount_invalid'], 'a third decimal that is not zero')
  t.equal(read(t, parsePain002(one([{ e2e: 'E1', sts: 'ACSC', amount: '10.000' }]))).lines[0]?.amountFen, 1000, 'zeros past the second decimal')
  t.same(refusal(t, parsePain002(one([{ e2e: 'E1', sts: 'ACSC', amount: '1,00' }]))), ['amount_invalid'])
  t.same(refusal(t, parsePain002(one([{ e2e: 'E1', sts: 'ACSC', amount: '1.00', ccy: null }]))), ['currency_missing'])
  t.same(refusal(t, parsePain002(one([{ e2e: 'E1', sts: 'ACSC', reqd: '2026-13-01' }]))), ['date_invalid'])

  const twoFaults = parsePain002(one([{ e2e: 'E1', sts: 'ACSC', amount: 'x' }, { e2e: 'E2', sts: 'ACSC', amount: '1.00' }, { e2e: 'E3', sts: 'WHAT', amount: '1.00' }]))
  t.same(
    twoFaults.errors.map((e) => [e.lineNo, e.field, e.code]),
    [
      [1, 'OrgnlPmtInfAndSts[1]/TxInfAndSts[1]/OrgnlTxRef/Amt/InstdAmt', 'amount_invalid'],
      [3, 'OrgnlPmtInfAndSts[1]/TxInfAndSts[3]/TxSts', 'status_unknown'],
    ],
    'every fault, each where it is',
  )
  t.equal(twoFaults.file, undefined)

  t.same(refusal(t, parsePain002(one([{ e2e: 'E1', sts: 'ACSC' }], { sts: 'RJCT' }))), ['status_contradiction'], 'a settled transaction in a rejected block')
  t.same(refusal(t, parsePain002(one([{ e2e: 'E1', sts: 'RJCT' }], { sts: 'ACCP' }))), ['status_contradiction'], 'a rejected transaction in an accepted block')
  t.same(refusal(t, parsePain002(one([{ e2e: 'E1', sts: 'ACSC' }], { sts: 'ACSC' }, { grpSts: 'RJCT' }))), ['status_contradiction'], 'an accepted block in a rejected group')
  t.same(refusal(t, parsePain002(one([{ e2e: 'E1', sts: 'ACSC' }, { e2e: 'E1', sts: 'RJCT' }]))), ['duplicate_transaction'])

  const counted = (perStatus: PerStatus[], over: Partial<Block> = {}): Pain002Parse =>
    parsePain002(one([{ e2e: 'E1', sts: 'ACSC', amount: '1.00' }, { e2e: 'E2', sts: 'RJCT', amount: '2.00' }], { nbOfTxs: 2, perStatus, ...over }))
  read(t, counted([{ sts: 'ACSC', n: 1, sum: '1.00' }, { sts: 'RJCT', n: 1, sum: '2.00' }], { ctrlSum: '3.00' }))
  t.same(refusal(t, counted([{ sts: 'ACSC', n: 2, sum: '1.00' }, { sts: 'RJCT', n: 0 }])), ['count_mismatch', 'count_mismatch'], 'a complete block whose counts disagree')
  t.same(refusal(t, counted([{ sts: 'ACSC', n: 1, sum: '1.01' }, { sts: 'RJCT', n: 1, sum: '2.00' }])), ['control_sum_mismatch'])
  t.same(refusal(t, counted([{ sts: 'ACSC', n: 1 }, { sts: 'RJCT', n: 1 }], { ctrlSum: '3.01' })), ['control_sum_mismatch'], 'OrgnlCtrlSum')
  t.same(refusal(t, counted([{ sts: 'ACSC', n: 1 }, { sts: 'PDNG', n: 1 }])), ['count_mismatch', 'count_mismatch'], 'a status the complete breakdown leaves out')
  t.same(refusal(t, counted([], { nbOfTxs: 1 })), ['count_mismatch'], 'more transactions than the original held')
  t.same(refusal(t, counted([{ sts: 'ACSC', n: 'two' }])), ['count_invalid'])
  // Partial: three in the original, two listed; a status may not be listed more often, or with more money, than declared.
  read(t, counted([{ sts: 'ACSC', n: 2, sum: '5.00' }, { sts: 'RJCT', n: 1, sum: '2.00' }], { nbOfTxs: 3 }))
  t.same(refusal(t, counted([{ sts: 'ACSC', n: 2, sum: '0.50' }, { sts: 'RJCT', n: 1 }], { nbOfTxs: 3 })), ['control_sum_mismatch'])
  t.same(
    refusal(t, parsePain002(utf8({ version: '10', grpNbOfTxs: 1, grpPerStatus: [{ sts: 'ACSC', n: 1, sum: '1.00' }], blocks: [{ id: 'B', txs: [{ e2e: 'E1', sts: 'ACSC', amount: '1.50' }] }] }))),
    ['control_sum_mismatch'],
    'the group counts are checked too',
  )
})

t.test('messages name no card number', async (t) => {
  const card = '6217001540000000001'
  const parsed = parsePain002(one([{ e2e: 'E1', sts: 'XXXX', amount: '1.001', cdtrAcct: { othr: card } }, { e2e: 'E1', sts: 'RJCT', cdtrAcct: { othr: card } }], { sts: 'ACCP' }))
  t.ok(parsed.errors.length >= 2)
  t.notOk(
    parsed.errors.some((e) => e.message.includes(card) || e.field.includes(card)),
    'no fault quotes the card',
  )
})

t.test('prefixed elements, comments and CDATA read like plain ones', async (t) => {
  const plain = pain002({ version: '10', blocks: [{ id: 'B', txs: [{ e2e: 'E1', sts: 'ACSC', amount: '1.00', cdtrName: '李四' }, { e2e: 'E2', sts: 'RJCT', amount: '2.00', rsn: { cd: 'AC04' } }] }] })
  const expected = read(t, parsePain002(Buffer.from(plain))).lines
  const prefixed = plain.replace(/<(\/?)([A-Za-z])/g, '<$1p:$2').replace('<p:Document xmlns=', '<p:Document xmlns:p=')
  t.same(read(t, parsePain002(Buffer.from(prefixed), { batchTransactions: 1 })).lines, expected, 'namespace prefix, one transaction a batch')
  const commented = plain.replace('<TxSts>RJCT', '<!-- a </TxInfAndSts> in a comment --><TxSts>RJCT').replace('李四', '<![CDATA[李四]]>')
  t.same(
    read(t, parsePain002(Buffer.from(commented))).lines.map((l) => [l.endToEndId, l.status]),
    expected.map((l) => [l.endToEndId, l.status]),
    'a comment holding an end tag',
  )
})

t.test('limits: lines and faults', async (t) => {
  const many = `<?xml version="1.0"?><Document><CstmrPmtStsRpt><GrpHdr><MsgId>M</MsgId></GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>O</OrgnlMsgId><GrpSts>ACSC</GrpSts></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>B</OrgnlPmtInfId>${'<TxInfAndSts/>'.repeat(EVIDENCE_LINES_MAX + 1)}</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`
  t.same(refusal(t, parsePain002(Buffer.from(many))), ['too_many_lines'])

  const faults = parsePain002(one(Array.from({ length: EVIDENCE_ERRORS_MAX + 50 }, (_, i) => ({ e2e: `E${i}`, sts: 'ACSC', amount: 'bad' }))))
  t.equal(faults.errors.length, EVIDENCE_ERRORS_MAX)
  t.equal(faults.errors.at(-1)?.code, 'too_many_errors')
})
