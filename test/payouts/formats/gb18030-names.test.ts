/**
 * A payee whose name has a character outside GBK (生僻字 in CJK Ext. B, e.g. 𠮷, written by the bank's GB18030 system
 * as four bytes 95 34 B2 35) reads in a Chinese bank's GBK/GB18030 text result: the delimited and text-profile readers
 * decode with GB18030, a strict superset of GBK (every GBK file reads the same). They refused the whole file as
 * "neither UTF-8 nor GBK … Export it again", which no re-export fixes (found by review).
 */
import iconv from 'iconv-lite'
import t from 'tap'
import { parsePayoutFile } from '../../../src/payouts/file-format.ts'
import { parseBankFile } from '../../../src/payouts/formats/index.ts'

t.test('delimited GB18030 file with 𠮷 in a name', async (t) => {
  const text = '序号|收款账号|收款人|金额|状态|银行流水号|入账日期|失败原因\r\n1|6217000000000000123|𠮷祥|8050.00|成功|ABC20261110000001|2026-11-08|\r\n'
  const r = parsePayoutFile(iconv.encode(text, 'gb18030'))
  // FAILS: { ok: false, errors: [{ code: 'bad_encoding', message: 'The file is neither UTF-8 nor GBK text (first unreadable bytes on line 2)…' }] }
  t.ok(r.ok, JSON.stringify(r.ok ? '' : r.errors))
  if (r.ok) t.equal(r.file.lines[0]!.payeeName, '𠮷祥')
})

t.test('text:filename-date-csv GB18030 file with 𠮷 in a name', async (t) => {
  const text = '序号,收款账号,收款户名,金额,处理结果,失败原因\r\n1,="6217001234567890123",𠮷祥,3500.00,成功,\r\n'
  const r = parseBankFile(iconv.encode(text, 'gb18030'), { format: 'text:filename-date-csv', fileName: '代发结果_20261130.csv' })
  // FAILS: bad_encoding "The file is not utf-8 or gbk text (first unreadable bytes on line 2). Export it again …"
  t.same(r.errors, [])
  t.equal(r.file?.lines[0]?.payeeName, '𠮷祥')
})
