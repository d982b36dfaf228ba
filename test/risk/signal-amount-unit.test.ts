/**
 * (Found by review.) A department's signal file is read in the unit it states: 欠费金额（万元） counts ten thousand yuan,
 * as clue files do (clue-file.ts clueAmountFen), since the amount feeds the risk index's ¥1,000,000 step and the
 * bureau's reasons; read as yuan, every amount would be 10,000 times too small. A comma separates thousands only: a
 * decimal comma ("3500,00") is refused as a row problem, not read as ¥350,000.
 */
import t from 'tap'
import { readSignalFile, readSignalJson } from '../../src/risk/outside-signals.ts'
import { creditCodeCheckChar } from '../../src/roster/identity.ts'

const first17 = '91330106MA2000077'
const CODE = first17 + (creditCodeCheckChar(first17) as string)
const file = (amountHeader: string, amount: string): Buffer =>
  Buffer.from(`统一社会信用代码,单位名称,预警类型,来源部门,所属期,${amountHeader},等级\r\n${CODE},某建设有限公司,欠缴社保,人社,2026-11,${amount},较重\r\n`, 'utf8')

t.test('an amount column in 万元 is not read as yuan', async (t) => {
  const r = await readSignalFile(file('欠费金额（万元）', '35'))
  const amountFen = r.rows[0]?.signal?.amountFen
  t.ok(!r.importable || amountFen === 35_000_000, `35 万元 is ¥350,000.00 or refused (read: ${amountFen === undefined || amountFen === null ? amountFen : `¥${amountFen / 100}`}, importable ${r.importable})`)
})

t.test('a decimal comma is not a thousands separator', async (t) => {
  const r = await readSignalFile(file('欠费金额', '"3500,00"'))
  const amountFen = r.rows[0]?.signal?.amountFen
  t.ok(!r.importable || amountFen === 350_000, `"3500,00" is refused or ¥3,500.00 (read: ${amountFen === undefined || amountFen === null ? amountFen : `¥${amountFen / 100}`}, importable ${r.importable})`)
  t.same(r.rows[0]?.problems, [{ code: 'amount_invalid', value: '3500,00' }], 'refused as a row problem')
  t.equal(readSignalJson(JSON.stringify([{ creditCode: CODE, signal: '欠税', source: '税务', period: '2026-11', severity: 1, amountYuan: '1,2345' }])).rows[0]?.problems[0]?.code, 'amount_invalid', 'in JSON too')
})
