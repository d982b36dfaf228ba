/**
 * Statement parsers against the real ISO 20022 samples (test/account/fixtures, each with its .origin) and hand-made
 * broken files: camt.053 and camt.054 in versions 001.02 and 001.08, the CSV profile in UTF-8 (with and without BOM)
 * and GBK, amounts to fen exactly, and every fault named with its entry and field.
 */
import { readFileSync } from 'node:fs'
import iconv from 'iconv-lite'
import t from 'tap'
import { parseCamt } from '../../src/account/statements/camt.ts'
import { parseCsvStatement } from '../../src/account/statements/csv.ts'
import { parseStatement } from '../../src/account/statements/detect.ts'
import { decimalToFen } from '../../src/account/statements/statement.ts'
import { camt } from './fixtures/camt-cny.ts'

const sample = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
const fields = (errors: { field: string }[]) => errors.map((e) => e.field)

t.test('decimal amounts to fen, exactly', async (t) => {
  t.same(decimalToFen('8.85'), { fen: 885 })
  t.same(decimalToFen('200000'), { fen: 20_000_000 })
  t.same(decimalToFen('0.1'), { fen: 10 })
  t.same(decimalToFen('8.850'), { fen: 885 }, 'extra zeros are no fraction of a fen')
  t.match(decimalToFen('8.855'), { reason: /more than two decimals/ })
  t.match(decimalToFen('1e3'), { reason: /not an amount/ })
  t.match(decimalToFen('-5.00'), { reason: /not an amount/ })
  t.match(decimalToFen('100000000.01'), { reason: /largest line/ })
  t.same(decimalToFen('99999999.99'), { fen: 9_999_999_999 }, 'a float would not keep every digit of some of these; decimal.js does')
  t.same(decimalToFen('0.29'), { fen: 29 }, '0.29 × 100 is 28.999… in a double')
})

t.test('camt.053.001.02 real sample: account, currency, balances and the entry it lacks a reference for', async (t) => {
  const xml = sample('iso20022.camt053.v2.minimal.xml')
  const r = parseCamt(xml)
  t.equal(r.statement?.format, 'camt.053')
  t.equal(r.statement?.variant, 'camt.053.001.02')
  t.equal(r.statement?.accountNo, 'NL26VAYB8060476890')
  t.equal(r.statement?.accountCurrency, 'EUR')
  t.same(r.statement?.balances, [
    { kind: 'opening', amountFen: 1815, currency: 'EUR', date: '2014-12-30' },
    { kind: 'closing', amountFen: -2700, currency: 'SEK', date: '2014-12-31' },
  ])
  t.same(r.errors, [{ entry: 1, field: 'Ntry/AcctSvcrRef', message: r.errors[0]?.message }])
  t.match(r.errors[0]?.message, /AcctSvcrRef/)

  // With the bank's reference the sample's one entry reads whole: the counterparty of a credit is the debtor.
  const withRef = parseCamt(xml.replace('<BkTxCd>', '<AcctSvcrRef>REF-1</AcctSvcrRef><BkTxCd>'))
  t.same(withRef.errors, [])
  t.same(withRef.statement?.lines, [
    { entry: 1, bankRef: 'REF-1', bookingDate: '2014-12-31', valueDate: '2015-01-02', direction: 'credit', amountFen: 885, currency: 'EUR', counterpartyAccountNo: 'NL56AGDH9619008421', counterpartyName: 'NAME NAME' },
  ])
})

t.test('camt.054.001.02 real sample: a batch entry whose TxDtls carry no amounts is one movement', async (t) => {
  const r = parseCamt(sample('iso20022.camt054.v2.xml'))
  t.same(r.errors, [])
  t.equal(r.statement?.variant, 'camt.054.001.02')
  t.equal(r.statement?.accountNo, 'CH2801234000123456789', 'Acct/Id/Othr/Id')
  t.same(r.statement?.lines, [
    {
      entry: 1,
      bankRef: 'AAAASESS-FP-ACCR001',
      bookingDate: '2007-10-18',
      valueDate: '2007-10-18',
      direction: 'debit',
      amountFen: 20_000_000,
      currency: 'SEK',
      counterpartyAccountNo: '',
      counterpartyName: '',
      endToEndId: 'MUELL/FINP/RA12345',
    },
  ])
})

t.test('camt.054.001.08 real sample: Sts/Cd read, missing booking date and reference named', async (t) => {
  const xml = sample('iso20022.camt054.v8-with-UETR.xml')
  const r = parseCamt(xml)
  t.equal(r.statement?.variant, 'camt.054.001.08')
  t.equal(r.statement?.accountNo, 'CH2801234000123456789', 'Acct/Id/IBAN')
  t.same(fields(r.errors), ['Ntry/BookgDt', 'Ntry/AcctSvcrRef'])
  t.ok(r.errors.every((e) => e.entry === 1))
  const patched = parseCamt(xml.replace('<BkTxCd>', '<BookgDt><DtTm>2007-10-18T13:15:00+01:00</DtTm></BookgDt><AcctSvcrRef>X-8</AcctSvcrRef><BkTxCd>'))
  t.same(patched.errors, [])
  t.match(patched.statement?.lines, [{ bankRef: 'X-8', bookingDate: '2007-10-18', valueDate: '2007-10-18', direction: 'debit', amountFen: 20_000_000, currency: 'SEK' }])
})

t.test('CNY camt.053 v02 and v08: counterparty sides, reversal, batch split, pending entries', async (t) => {
  for (const version of ['02', '08'] as const) {
    const r = parseCamt(
      camt({
        kind: '053',
        version,
        account: '19045101040012345',
        opening: '1000.00',
        closing: '1450.00',
        entries: [
          { ref: 'F1', amount: '500.00', cd: 'CRDT', booking: '2026-03-02', value: '2026-03-02', counterpartyAccount: '3301 0000 1111', counterpartyName: '杭州城投' },
          { ref: 'P1', amount: '30.00', cd: 'DBIT', booking: '2026-03-05', batch: ['10.00', '20.00'], counterpartyAccount: '6217000000000000001', counterpartyName: '张三' },
          { ref: 'R1', amount: '20.00', cd: 'DBIT', booking: '2026-03-06', reversal: true, txRef: 'F0', counterpartyAccount: '330100001111', counterpartyName: '杭州城投' },
          { ref: 'PD', amount: '99.00', cd: 'CRDT', booking: '2026-03-07', status: 'PDNG' },
        ],
      }),
    )
    t.same(r.errors, [], `v${version}`)
    t.equal(r.statement?.variant, `camt.053.001.${version}`)
    t.equal(r.statement?.notBooked, 1)
    t.same(
      r.statement?.lines.map((l) => [l.bankRef, l.direction, l.amountFen, l.counterpartyAccountNo, l.counterpartyName, l.valueDate, l.reversalOf ?? null, l.endToEndId ?? null]),
      [
        ['F1', 'credit', 50000, '330100001111', '杭州城投', '2026-03-02', null, null],
        ['P1/1', 'debit', 1000, '6217000000000000001', '张三', '2026-03-05', null, 'E2E-1'],
        ['P1/2', 'debit', 2000, '6217000000000000001', '张三', '2026-03-05', null, 'E2E-2'],
        ['R1', 'debit', 2000, '330100001111', '杭州城投', '2026-03-06', 'F0', null],
      ],
    )
    t.same(r.statement?.balances.map((b) => b.amountFen), [100000, 145000])
  }
})

t.test('broken camt files: every fault named with its entry and field', async (t) => {
  const good = camt({ kind: '053', account: '19045101040012345', entries: [{ ref: 'A', amount: '1.00', cd: 'CRDT', booking: '2026-03-02' }] })
  const truncated = parseCamt(good.slice(0, good.length - 40))
  t.same(fields(truncated.errors), ['file'])
  t.match(truncated.errors[0]?.message, /not well-formed XML/)
  t.equal(truncated.statement, undefined)

  const threeDecimals = parseCamt(camt({ kind: '053', account: '1', entries: [{ ref: 'A', amount: '1.005', cd: 'CRDT', booking: '2026-03-02' }] }))
  t.same(threeDecimals.errors.map((e) => [e.entry, e.field]), [[1, 'Ntry/Amt']])
  t.match(threeDecimals.errors[0]?.message, /more than two decimals/)

  const mixed = parseCamt(
    camt({
      kind: '054',
      account: '1',
      summary: { count: 3, sum: '3.00' },
      entries: [
        { ref: 'A', amount: '1.00', cd: 'CRDT', booking: '2026-03-02' },
        { amount: '1.00', cd: 'XXXX', booking: '2026-03-02' },
        { ref: 'C', amount: '5.00', cd: 'DBIT', batch: ['2.00', '2.00'], booking: '2026-03-03' },
      ],
    }),
  )
  t.same(
    mixed.errors.map((e) => [e.entry, e.field]),
    [
      [2, 'Ntry/CdtDbtInd'],
      [3, 'Ntry/NtryDtls/TxDtls'],
      [0, 'TxsSummry/TtlNtries/Sum'],
    ],
  )

  const countOff = parseCamt(camt({ kind: '053', account: '1', summary: { count: 2, sum: '1.00' }, entries: [{ ref: 'A', amount: '1.00', cd: 'CRDT', booking: '2026-03-02' }] }))
  t.same(fields(countOff.errors), ['TxsSummry/TtlNtries/NbOfNtries'])

  const closingOff = parseCamt(camt({ kind: '053', account: '1', opening: '10.00', closing: '10.00', entries: [{ ref: 'A', amount: '1.00', cd: 'CRDT', booking: '2026-03-02' }] }))
  t.same(fields(closingOff.errors), ['Stmt[1]/Bal/CLBD'])

  const amp = parseCamt(camt({ kind: '054', account: '1', entries: [{ ref: 'A&amp;B', amount: '1.00', cd: 'CRDT', booking: '2026-03-02', counterpartyName: 'Li &amp; Co &#x4E2D;' }] }))
  t.same(amp.statement?.lines.map((l) => [l.bankRef, l.counterpartyName]), [['A&B', 'Li & Co 中']], 'predefined entities and character references decoded')
  t.same(fields(parseStatement(Buffer.from('<Document><pain/></Document>')).errors), ['file'])
  t.same(fields(parseStatement(Buffer.from('hello, world\n')).errors), ['file'])
  t.same(fields(parseStatement(Buffer.from([0xff, 0xfe, 0x00, 0x81])).errors), ['file'])
})

const CSV_SPLIT = [
  '账号,19045101040012345',
  '户名,浙江省建工集团有限责任公司之江路安置房二期工程农民工工资专用账户',
  '币种,人民币',
  '交易日期,记账日期,借方金额,贷方金额,余额,对方账号,对方户名,流水号,摘要',
  '2026-03-02,2026-03-02,,"1,500.00","2,500.00",="330100001111",杭州城投置业有限公司,SN001,人工费拨付',
  '20260305,20260305,300.50,,2199.50,6217000000000000001,张三,SN002,工资',
  '合计,,300.50,1500.00,,,,,',
].join('\r\n')

t.test('CSV profile: UTF-8 with and without BOM, and GBK, read the same', async (t) => {
  const expected = [
    { entry: 5, bankRef: 'SN001', bookingDate: '2026-03-02', valueDate: '2026-03-02', direction: 'credit', amountFen: 150000, currency: 'CNY', counterpartyAccountNo: '330100001111', counterpartyName: '杭州城投置业有限公司' },
    { entry: 6, bankRef: 'SN002', bookingDate: '2026-03-05', valueDate: '2026-03-05', direction: 'debit', amountFen: 30050, currency: 'CNY', counterpartyAccountNo: '6217000000000000001', counterpartyName: '张三' },
  ]
  for (const [name, bytes] of [
    ['utf-8', Buffer.from(CSV_SPLIT, 'utf8')],
    ['utf-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CSV_SPLIT, 'utf8')])],
    ['gbk', iconv.encode(CSV_SPLIT, 'gbk')],
  ] as const) {
    const r = parseStatement(bytes)
    t.same(r.errors, [], name)
    t.equal(r.statement?.variant, 'csv:cn-generic')
    t.equal(r.statement?.accountNo, '19045101040012345')
    t.same(r.statement?.lines, expected, name)
    t.same(r.statement?.balances.map((b) => [b.kind, b.amountFen]), [
      ['opening', 100000],
      ['closing', 219950],
    ])
  }
})

t.test('CSV profile: 金额 + 借贷标志, newest first, and broken lines', async (t) => {
  const signed = ['账号：19045101040012345', '交易日期,金额,借贷标志,余额,对方账号,对方户名,流水号', '2026-03-05,300.50,借,2199.50,6217000000000000001,张三,SN002', '2026-03-02,1500,贷,2500.00,330100001111,城投,SN001'].join('\n')
  const r = parseCsvStatement(signed)
  t.same(r.errors, [])
  t.same(r.statement?.lines.map((l) => [l.bankRef, l.direction, l.amountFen, l.bookingDate]), [
    ['SN002', 'debit', 30050, '2026-03-05'],
    ['SN001', 'credit', 150000, '2026-03-02'],
  ])
  t.same(r.statement?.balances.map((b) => b.amountFen), [100000, 219950], 'newest-first exports read in reverse')

  const broken = [
    '账号,19045101040012345',
    '交易日期,记账日期,借方金额,贷方金额,余额,对方账号,对方户名,流水号',
    '2026-13-02,2026-03-02,,1.00,1.00,1,a,S1',
    '2026-03-02,2026-03-02,1.001,,1.00,1,a,S2',
    '2026-03-02,2026-03-02,1.00,2.00,1.00,1,a,S3',
    '2026-03-02,2026-03-02,,1.00,1.00,1,a,',
  ].join('\n')
  t.same(
    parseCsvStatement(broken).errors.map((e) => [e.entry, e.field]),
    [
      [3, '交易日期'],
      [4, '借方金额'],
      [5, '借方金额'],
      [6, '流水号'],
    ],
  )
  t.same(fields(parseCsvStatement('交易日期,借方金额,贷方金额,对方账号,对方户名,流水号\n2026-03-02,,1.00,1,a,S1').errors), ['账号'])
  const badBalance = ['账号,1', '交易日期,借方金额,贷方金额,余额,对方账号,对方户名,流水号', '2026-03-02,,1.00,1.00,1,a,S1', '2026-03-03,,1.00,5.00,1,a,S2', '2026-03-04,,1.00,6.00,1,a,S3'].join('\n')
  t.same(parseCsvStatement(badBalance).errors.map((e) => [e.entry, e.field]), [[4, '余额']])
})
