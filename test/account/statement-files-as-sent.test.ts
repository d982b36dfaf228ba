/**
 * Statement files as banks send them, which the parsers misread or refused with a reason the clerk could not act on
 * (found by review): a 账户名称 preamble row before 账号, a GB18030 name with a rare character, an xs:date with a zone.
 */
import iconv from 'iconv-lite'
import t from 'tap'
import { parseCamt } from '../../src/account/statements/camt.ts'
import { parseCsvStatement } from '../../src/account/statements/csv.ts'
import { parseStatement } from '../../src/account/statements/detect.ts'
import { camt } from './fixtures/camt-cny.ts'

const ACCOUNT = '19045101040012345'
const HEADER = '交易日期,记账日期,借方金额,贷方金额,余额,对方账号,对方户名,流水号'

t.test('CSV preamble: a 账户名称 row before the 账号 row is not the account number', async (t) => {
  const csv = `账户名称,浙江建工集团有限公司农民工工资专用账户\n账号,${ACCOUNT}\n币种,人民币\n${HEADER}\n2026-03-02,2026-03-02,,100.00,100.00,330100001111,建设单位,S1\n`
  const r = parseCsvStatement(csv)
  t.same(r.errors, [])
  t.equal(r.statement?.accountNo, ACCOUNT, 'the account is the 账号 row, not "名称" read from "账户名称"')
})

t.test('GBK/GB18030: a worker name with a rare character (生僻字) does not make the whole statement unreadable', async (t) => {
  // 㛃 is in GB18030 (four bytes), the national standard every Chinese bank system must support; not in 2-byte GBK.
  const csv = `账号,${ACCOUNT}\n交易日期,借方金额,贷方金额,对方账号,对方户名,流水号\n2026-03-02,100.00,,6217000000000000001,李㛃,S1\n`
  const r = parseStatement(iconv.encode(csv, 'gb18030'))
  t.same(r.errors, [], 'refused as "neither UTF-8 nor GBK text" although it is GB18030 (GBK superset)')
  t.equal(r.statement?.lines[0]?.counterpartyName, '李㛃')
})

t.test('camt: ISODate (xs:date) with a time-zone suffix is a date', async (t) => {
  // xs:date allows a zone ("2026-03-02+08:00"); JAXB-based bank systems write it so.
  const xml = camt({ kind: '053', account: ACCOUNT, entries: [{ ref: 'R1', amount: '100.00', cd: 'CRDT', booking: '2026-03-02+08:00', value: '2026-03-02+08:00', counterpartyAccount: '330100001111' }] })
  const r = parseCamt(xml, 'Asia/Shanghai')
  t.same(r.errors, [], 'refused with "booking date is missing or not a date"')
  t.equal(r.statement?.lines[0]?.bookingDate, '2026-03-02')
})

t.test('one reference on two lines of one file: refused, naming both lines (one movement was kept, the other dropped)', async (t) => {
  const csv = `账号,${ACCOUNT}\n${HEADER}\n2026-03-02,2026-03-02,,100.00,100.00,330100001111,建设单位,S1\n2026-03-02,2026-03-02,,100.00,200.00,330100001111,建设单位,S1\n`
  const r = parseStatement(Buffer.from(csv, 'utf8'))
  t.equal(r.errors.length, 1)
  t.match(r.errors[0], { field: '流水号', message: /The reference S1 is also on line \d+ of this file/ })
  const xml = camt({ kind: '053', account: ACCOUNT, opening: '0.00', closing: '200.00', entries: [
    { ref: 'R1', amount: '100.00', cd: 'CRDT', booking: '2026-03-02', counterpartyAccount: '330100001111', counterpartyName: '建设单位' },
    { ref: 'R1', amount: '100.00', cd: 'CRDT', booking: '2026-03-02', counterpartyAccount: '330100001111', counterpartyName: '建设单位' },
  ] })
  const x = parseStatement(Buffer.from(xml, 'utf8'), 'Asia/Shanghai')
  t.match(x.errors, [{ entry: 2, field: 'AcctSvcrRef', message: /R1 is also on line 1/ }])
})
