/**
 * Text profiles take commas in amounts only as thousands separators (3,500.00): an amount written with a decimal comma
 * ("3500,00") or a malformed grouping ("35,00.00") is refused as bad_amount. Every comma was removed, and "3500,00" read
 * as 350000.00 yuan, 100× (found by review).
 */
import t from 'tap'
import { parseBankFile } from '../../../src/payouts/formats/index.ts'

const csv = (amount: string): Buffer => Buffer.from(`序号,收款账号,收款户名,金额,处理结果,失败原因\r\n1,="6217001234567890123",张伟,${amount},成功,\r\n`)

t.test('amounts with commas that are not thousands separators are refused', async (t) => {
  for (const amount of ['"3500,00"', '"35,00.00"', '"1,2,3,4.50"']) {
    const r = parseBankFile(csv(amount), { format: 'text:filename-date-csv', fileName: '代发结果_20261130.csv' })
    // FAILS: read as 35000000 fen, 350000 fen, 123450 fen
    t.ok(r.errors.some((e) => e.code === 'bad_amount'), `${amount} refused, not read as ${r.file?.lines[0]?.amountFen} fen`)
  }
})
