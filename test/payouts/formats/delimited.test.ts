import { readFileSync, readdirSync } from 'node:fs'
import t from 'tap'
import { fen } from '../../../src/kernel/money.ts'
import { formatPayoutFile, type PayoutFileLineInput } from '../../../src/payouts/file-format.ts'
import { delimitedFormat } from '../../../src/payouts/formats/delimited/index.ts'
import { EVIDENCE_ERRORS_MAX, type EvidenceFile, type EvidenceParse } from '../../../src/payouts/formats/evidence.ts'
import { detectFormat, detectionText, parseBankFile } from '../../../src/payouts/formats/index.ts'

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/${name}`, import.meta.url))
const SAMPLES = new URL('../fixtures/bank/', import.meta.url)

function fileOf(result: EvidenceParse): EvidenceFile {
  if (result.file === undefined || result.errors.length > 0) throw new Error(`expected the file to be read: ${JSON.stringify(result.errors)}`)
  return result.file
}

const line = (over: Partial<PayoutFileLineInput> = {}): PayoutFileLineInput => ({
  seq: 1,
  payeeCard: '6222020200112345678',
  payeeName: '张伟',
  amountFen: fen(350000),
  status: 'success',
  bankRef: 'R1',
  valueDate: '2026-11-30',
  failureReason: null,
  ...over,
})

t.test('the GBK fixture with a Chinese header: 成功 is booked, 失败 rejected with its reason', async (t) => {
  const bytes = fixture('result-gbk-chinese-header.txt')
  t.equal(detectFormat(bytes)?.name, 'delimited')
  const file = fileOf(parseBankFile(bytes))
  t.equal(file.format, 'delimited')
  t.equal(file.variant, 'gbk pipe')
  t.same(
    file.lines.map((l) => [l.lineNo, l.status, l.payeeCard, l.payeeName, l.amountFen, l.bankRef, l.bookingDate, l.valueDate, l.reasonCode, l.reasonText, l.currency, l.returnOf]),
    [
      [2, 'booked', '6222020200112345678', '张伟', 350000, 'ICBC20240215000001', '2024-02-15', '2024-02-15', null, null, 'CNY', null],
      [3, 'booked', '6217001234567890123', '欧阳娜娜', 421050, 'ICBC20240215000002', '2024-02-15', '2024-02-15', null, null, 'CNY', null],
      [4, 'rejected', '6228480012345678901', '阿依古丽·买买提', 280000, 'ICBC20240215000003', '2024-02-15', '2024-02-15', null, '户名不符', 'CNY', null],
      [6, 'booked', '6222020200119876543', '肖战', 15025, 'ICBC20240216000004', '2024-02-16', '2024-02-16', null, null, 'CNY', null],
    ],
  )
  t.same(file.ignored, { count: 0, reasons: {} })
  t.equal(file.accountNo, null, 'the layout names no account unless its lines do')
})

t.test('the UTF-8 CSV with a BOM and the English retry file are detected and read', async (t) => {
  for (const name of ['result-utf8-bom-comma.csv', 'retry-gbk-english-header.txt']) {
    const bytes = fixture(name)
    t.equal(detectFormat(bytes)?.name, 'delimited', name)
    t.ok(fileOf(delimitedFormat.parse(bytes, { fileName: name })).lines.length > 0, name)
  }
})

t.test('the broken fixture is refused whole, with the layout’s own codes and lines', async (t) => {
  const result = parseBankFile(fixture('result-broken.txt'))
  t.equal(result.file, undefined)
  t.ok(result.errors.length > 5)
  for (const e of result.errors) {
    t.match(e.code, /^[a-z_]+$/)
    t.ok(e.field.length > 0)
    t.notMatch(e.message, /\d{12,}/, 'no full card number in a message')
  }
  t.ok(result.errors.some((e) => e.code === 'duplicate_seq' && e.field === 'seq'))
  t.ok(result.errors.some((e) => e.code === 'bad_card' && e.lineNo === 4))
  t.ok(result.errors.some((e) => e.code === 'misplaced_totals'))
})

t.test('payer account and EndToEndId columns carry through; one payer account is the file’s', async (t) => {
  const bytes = formatPayoutFile(
    [line({ payerAccountNo: '31050161393600000123', endToEndId: 'W1-2611-1' }), line({ seq: 2, bankRef: 'R2', status: 'failed', failureReason: '卡已销户', payerAccountNo: '31050161393600000123' })],
    { encoding: 'utf-8', chineseHeader: true, withTotals: true },
  )
  const file = fileOf(delimitedFormat.parse(bytes, {}))
  t.equal(file.accountNo, '31050161393600000123')
  t.same(
    file.lines.map((l) => [l.status, l.endToEndId, l.payerAccountNo, l.reasonText]),
    [
      ['booked', 'W1-2611-1', '31050161393600000123', null],
      ['rejected', null, '31050161393600000123', '卡已销户'],
    ],
  )
  const mixed = formatPayoutFile([line({ payerAccountNo: '31050161393600000123' }), line({ seq: 2, bankRef: 'R2' })], { encoding: 'gbk' })
  t.equal(fileOf(delimitedFormat.parse(mixed, {})).accountNo, null, 'a line without it: the file does not say')
})

t.test('a totals line that disagrees refuses the file: a count or sum is how a cut file shows', async (t) => {
  const text = 'seq|payee_card|payee_name|amount|status|bank_ref|value_date\n1|6222020200112345678|张伟|3500.00|success|R1|2026-11-30\nTOTAL|2|1|3500.00|0|0.00\n'
  const result = delimitedFormat.parse(Buffer.from(text), {})
  t.equal(result.file, undefined)
  t.same(
    result.errors.map((e) => [e.lineNo, e.field, e.code]),
    [[3, 'line_count', 'totals_mismatch']],
  )
})

t.test('file-level faults have field "file"; more faults than the cap end in one counting the rest', async (t) => {
  t.same(
    delimitedFormat.parse(Buffer.alloc(0), {}).errors.map((e) => [e.lineNo, e.field, e.code]),
    [[0, 'file', 'no_header']],
  )
  const bad = ['seq|payee_card|payee_name|amount|status|bank_ref|value_date']
  for (let i = 1; i <= 400; i++) bad.push(`${i}|1|x|-1|maybe||2026-02-30`)
  const result = delimitedFormat.parse(Buffer.from(bad.join('\n')), {})
  t.equal(result.errors.length, EVIDENCE_ERRORS_MAX)
  t.same(result.errors.at(-1)?.code, 'too_many_errors')
})

t.test('detect: the header is the signature', async (t) => {
  t.ok(delimitedFormat.detect('seq|payee_card|payee_name|amount|status|bank_ref|value_date\n'))
  t.ok(delimitedFormat.detect('\n\n序号,收款账号,户名,金额,状态,银行流水号,入账日期\r\n1,2'))
  t.notOk(delimitedFormat.detect('序号,收款账号,户名,金额,状态,失败原因\n'), 'no 流水号 and 入账日期: a text profile’s file')
  t.notOk(delimitedFormat.detect('seq|payee_card|payee_name|amount|status|bank_ref|value_date|memo\n'), 'an unknown column: the layout refuses it, so it is not the layout')
  t.notOk(delimitedFormat.detect(''))
  t.notOk(delimitedFormat.detect('<?xml version="1.0"?><Document/>'))
})

t.test('no real sample of another format is taken for the delimited layout', async (t) => {
  const names = readdirSync(SAMPLES).filter((n) => !n.endsWith('.origin'))
  t.ok(names.length > 5, 'the samples are found beside the repository')
  for (const name of names) {
    const bytes = readFileSync(new URL(name, SAMPLES))
    t.notOk(delimitedFormat.detect(detectionText(bytes)), name)
    const result = delimitedFormat.parse(bytes, { fileName: name })
    t.equal(result.file, undefined, name)
    t.ok(result.errors.length > 0, name)
  }
})
