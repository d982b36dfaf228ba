import { readFileSync, readdirSync } from 'node:fs'
import iconv from 'iconv-lite'
import t from 'tap'
import type { Fen } from '../../../src/kernel/money.ts'
import type { EvidenceFile, EvidenceParse } from '../../../src/payouts/formats/evidence.ts'
import { detectFormat, detectionText, formatNamed, parseBankFile } from '../../../src/payouts/formats/index.ts'
import { textProfileFormats } from '../../../src/payouts/formats/text-profiles/index.ts'
import { detectTextResult, parseTextResult, readFileDate, renderReference } from '../../../src/payouts/formats/text-profiles/parse.ts'
import { CITY_BANK_TXT_PROFILE, FILE_NAME_DATE_CSV_PROFILE } from '../../../src/payouts/formats/text-profiles/profiles.ts'
import { SAMPLE_LINES, cityBankTxt, fileNameDateCsv, type SampleLine } from './text-profile-samples.ts'

const SAMPLES = new URL('../fixtures/bank/', import.meta.url)
const CITY = 'text:city-bank-txt'
const CSV = 'text:filename-date-csv'
const CSV_NAME = '代发结果_20261130.csv'

function fileOf(result: EvidenceParse): EvidenceFile {
  if (result.file === undefined || result.errors.length > 0) throw new Error(`expected the file to be read: ${JSON.stringify(result.errors)}`)
  return result.file
}
const faults = (result: EvidenceParse): Array<[number, string, string]> => {
  if (result.file !== undefined) throw new Error('expected a refusal, and no file beside it')
  return result.errors.map((e) => [e.lineNo, e.field, e.code])
}
const cityText = (bytes: Buffer): string => iconv.decode(bytes, 'gbk')
const gbk = (text: string): Buffer => iconv.encode(text, 'gbk')

t.test('the city bank .txt (GBK, aligned): date, batch and account from the header, references made per line', async (t) => {
  const bytes = cityBankTxt(SAMPLE_LINES)
  t.equal(detectFormat(bytes)?.name, CITY)
  const file = fileOf(parseBankFile(bytes))
  t.equal(file.format, CITY)
  t.equal(file.variant, 'city-bank-txt gbk')
  t.equal(file.accountNo, '6230580000012345678')
  t.equal(file.messageId, 'DF202611300012')
  t.same(
    file.lines.map((l) => [l.lineNo, l.status, l.payeeCard, l.payeeName, l.amountFen, l.bankRef, l.bookingDate, l.valueDate, l.reasonText, l.returnOf]),
    [
      [6, 'booked', '6230580000012345671', '张伟', 350000, '20261130-DF202611300012-1', '2026-11-30', '2026-11-30', null, null],
      [7, 'rejected', '6230580000012345689', '欧阳娜娜', 421050, '20261130-DF202611300012-2', '2026-11-30', '2026-11-30', '账户已冻结 请核实', null],
      [8, 'pending', '6230580000012345697', '阿依古丽·买买提', 280000, '20261130-DF202611300012-3', '2026-11-30', '2026-11-30', null, null],
      [9, 'returned', '6217001234567890123', '肖战', 15025, '20261130-DF202611300012-4', '2026-11-30', '2026-11-30', '原账户已销户', { endToEndId: null, bankRef: null }],
    ],
  )
  for (const l of file.lines) t.equal(l.currency, 'CNY')
})

t.test('the same file read twice gives the same references; without a batch they are date and 序号', async (t) => {
  const bytes = cityBankTxt(SAMPLE_LINES)
  t.same(fileOf(parseBankFile(bytes)), fileOf(parseBankFile(Buffer.from(bytes))))
  const noBatch = fileOf(parseBankFile(cityBankTxt(SAMPLE_LINES, { batch: null, date: '2026-12-01' })))
  t.same(noBatch.lines.map((l) => l.bankRef), ['20261201-1', '20261201-2', '20261201-3', '20261201-4'])
  t.equal(noBatch.messageId, null)
})

t.test('the city bank file re-saved as UTF-8, LF: read as well', async (t) => {
  const file = fileOf(parseBankFile(cityBankTxt(SAMPLE_LINES, { encoding: 'utf-8', newline: '\n' })))
  t.equal(file.variant, 'city-bank-txt utf-8')
  t.equal(file.lines.length, 4)
})

t.test('a 退票 line names the payment it returns when the file has 原流水号', async (t) => {
  const text = cityText(cityBankTxt(SAMPLE_LINES.slice(0, 1))).replace('状态    备注', '状态    原流水号    备注').replace(/\r\n1 .*\r\n/, '\r\n1     6230580000012345671   张伟            3500.00       退票    20261120-DF1-7  账户已销户\r\n')
  const file = fileOf(parseBankFile(gbk(text.replace('成功笔数：1  成功金额：3500.00', '成功笔数：0  成功金额：0.00'))))
  t.same(file.lines.map((l) => [l.status, l.returnOf, l.reasonText]), [['returned', { endToEndId: null, bankRef: '20261120-DF1-7' }, '账户已销户']])
})

t.test('a file cut short is refused: no summary, or a last line cut mid-way', async (t) => {
  t.same(faults(parseBankFile(cityBankTxt(SAMPLE_LINES, { summary: false }))), [[0, 'summary', 'no_summary']])
  const full = cityBankTxt(SAMPLE_LINES)
  const cut = full.subarray(0, full.indexOf(gbk('2800.00')))
  t.same(faults(parseBankFile(cut, { format: CITY })), [
    [0, 'summary', 'no_summary'],
    [8, '金额', 'wrong_field_count'],
  ])
})

t.test('a summary figure that disagrees with the lines refuses the file and says which', async (t) => {
  const text = cityText(cityBankTxt(SAMPLE_LINES)).replace('总笔数：4', '总笔数：5').replace('成功金额：3500.00', '成功金额：3500.01')
  const result = parseBankFile(gbk(text))
  t.same(faults(result), [
    [11, '总笔数', 'summary_mismatch'],
    [11, '成功金额', 'summary_mismatch'],
  ])
  t.match(result.errors[0]?.message, /says 5.*add up to 4/)
  t.match(result.errors[1]?.message, /says 3500\.01.*add up to 3500\.00/)
})

t.test('the file date: missing, impossible, or in any of the ways banks write it', async (t) => {
  t.same(faults(parseBankFile(cityBankTxt(SAMPLE_LINES, { date: null }))), [[0, 'date', 'no_file_date']])
  t.same(faults(parseBankFile(cityBankTxt(SAMPLE_LINES, { date: '2026年2月30日' }))), [[3, '代发日期', 'bad_file_date']])
  t.equal(readFileDate('2026年1月5日'), '2026-01-05')
  t.equal(readFileDate('2026/01/05 10:22:01'), '2026-01-05')
  t.equal(readFileDate('20260105'), '2026-01-05')
  t.equal(readFileDate('2026.1.5'), '2026-01-05')
  t.equal(readFileDate('202601051'), undefined)
  t.equal(readFileDate('2026-13-01'), undefined)
})

t.test('faults in lines: each found, with the column as the file names it, cards masked', async (t) => {
  const lines: SampleLine[] = [
    { seq: 1, card: '6230580000012345671', name: '张伟', amountFen: 350000 as Fen, status: '已到账' },
    { seq: 1, card: '6230580000012345689', name: '李娜', amountFen: 100 as Fen, status: '成功' },
    { seq: 3, card: '62305800000123456971234', name: '王芳', amountFen: 100 as Fen, status: '成功' },
  ]
  const text = cityText(cityBankTxt(lines)).replace('3     ', '0     ').replace('王芳', '王\u0007芳')
  const result = parseBankFile(gbk(text))
  t.same(faults(result), [
    [6, '状态', 'bad_status'],
    [7, '序号', 'duplicate_seq'],
    [8, '户名', 'control_character'],
  ])
  const cardFault = parseBankFile(cityBankTxt(lines.slice(2)))
  t.same(faults(cardFault), [[6, '收款账号', 'bad_card']])
  t.match(cardFault.errors[0]?.message, /\*\*\*\*1234 has 23 digits/)
  t.notMatch(JSON.stringify(cardFault.errors), /62305800000123456971234/)
  t.match(result.errors[0]?.message, /"已到账" is not a status.*成功/)
})

t.test('amounts: decimals beyond the fen refused unless zeros, a sign refused, thousands separators read', async (t) => {
  const text = cityText(cityBankTxt(SAMPLE_LINES.slice(0, 1)))
  const read = (amount: string, total = amount): EvidenceParse => parseBankFile(gbk(text.replace('3500.00       ', `${amount}       `).replaceAll('3500.00', total)))
  t.equal(fileOf(read('3500.000')).lines[0]?.amountFen, 350000)
  t.equal(fileOf(read('3,500.00', '3500.00')).lines[0]?.amountFen, 350000)
  t.same(faults(read('3500.005')), [
    [6, '金额', 'bad_amount'],
    [8, '总金额', 'bad_summary'],
    [8, '成功金额', 'bad_summary'],
  ])
  t.same(faults(read('-3500.00', '3500.00')), [[6, '金额', 'bad_amount']])
  t.same(faults(read('2000000.00')), [[6, '金额', 'amount_too_large']])
})

t.test('bytes that are not the text: invalid GBK, GBK that a UTF-8 BOM claims, nothing', async (t) => {
  const bytes = cityBankTxt(SAMPLE_LINES)
  const broken = Buffer.concat([bytes.subarray(0, 300), Buffer.from([0x81, 0x20]), bytes.subarray(300)])
  t.same(faults(parseBankFile(broken, { format: CITY })), [[0, 'file', 'bad_encoding']])
  const gbkWithBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fileNameDateCsv(SAMPLE_LINES, { encoding: 'gbk' })])
  t.same(faults(parseBankFile(gbkWithBom, { format: CSV, fileName: CSV_NAME })), [[0, 'file', 'bad_encoding']])
  t.same(faults(parseBankFile(Buffer.alloc(0), { format: CITY })), [[0, 'file', 'empty_file']])
  t.same(faults(parseBankFile(Buffer.from('序号 金额\n1 2\n'), { format: CITY })), [[0, 'file', 'no_header']])
})

t.test('content after the summary, or a second summary, is refused', async (t) => {
  const text = cityText(cityBankTxt(SAMPLE_LINES.slice(0, 1)))
  t.same(faults(parseBankFile(gbk(text + '2     6230580000012345689   李娜  100.00  成功\r\n'))), [[9, 'line', 'misplaced_summary']])
  t.same(faults(parseBankFile(gbk(text + '合计 1\r\n'))), [[9, 'summary', 'misplaced_summary']])
})

t.test('more payment lines than the limit: refused with the reason', async (t) => {
  const many = Array.from({ length: 11 }, (_, i): SampleLine => ({ seq: i + 1, card: '6230580000012345671', name: '张伟', amountFen: 100 as Fen, status: '成功' }))
  const result = parseTextResult(cityBankTxt(many), CITY_BANK_TXT_PROFILE, {}, { linesMax: 10, bytesMax: 1_000_000 })
  t.same(faults(result), [[0, 'file', 'too_many_lines']])
  t.same(faults(parseTextResult(cityBankTxt(many), CITY_BANK_TXT_PROFILE, {}, { linesMax: 100, bytesMax: 100 })), [[0, 'file', 'too_large']])
})

t.test('the CSV with the date in its file name: BOM, Excel’s ="…", quoted thousands, batch from the name', async (t) => {
  const bytes = fileNameDateCsv(SAMPLE_LINES, { excelCards: true })
  t.equal(detectFormat(bytes)?.name, CSV)
  const file = fileOf(parseBankFile(bytes, { fileName: '代发结果_20261130_2.csv' }))
  t.equal(file.format, CSV)
  t.equal(file.accountNo, null)
  t.equal(file.messageId, null, 'a number in the file name is the download’s, not the bank’s batch id')
  t.same(
    file.lines.map((l) => [l.lineNo, l.status, l.payeeCard, l.amountFen, l.bankRef, l.bookingDate, l.reasonText]),
    [
      [2, 'booked', '6230580000012345671', 350000, '20261130-2-1', '2026-11-30', null],
      [3, 'rejected', '6230580000012345689', 421050, '20261130-2-2', '2026-11-30', '账户已冻结 请核实'],
      [4, 'pending', '6230580000012345697', 280000, '20261130-2-3', '2026-11-30', null],
      [5, 'returned', '6217001234567890123', 15025, '20261130-2-4', '2026-11-30', '原账户已销户'],
    ],
  )
  const quoted = Buffer.from(bytes.toString('utf-8').replace('4210.50', '"4,210.50"'))
  t.equal(fileOf(parseBankFile(quoted, { fileName: CSV_NAME })).lines[1]?.amountFen, 421050)
  t.same(fileOf(parseBankFile(bytes, { fileName: `some/dir/${CSV_NAME}` })).lines.map((l) => l.bankRef), ['20261130-1', '20261130-2', '20261130-3', '20261130-4'])
})

t.test('the CSV in GBK, without BOM or summary, with a column the profile does not know: read', async (t) => {
  const file = fileOf(parseBankFile(fileNameDateCsv(SAMPLE_LINES, { encoding: 'gbk', summary: false, extraColumn: true }), { fileName: CSV_NAME }))
  t.equal(file.variant, 'filename-date-csv gbk')
  t.equal(file.lines.length, 4)
})

t.test('the CSV without a date in its name: refused, saying how the bank names its files', async (t) => {
  const bytes = fileNameDateCsv(SAMPLE_LINES)
  const none = parseBankFile(bytes)
  t.same(faults(none), [[0, 'file_name', 'no_file_date']])
  t.match(none.errors[0]?.message, /代发结果_20261130\.csv/)
  t.same(faults(parseBankFile(bytes, { fileName: 'result.csv' })), [[0, 'file_name', 'no_file_date']])
  t.same(faults(parseBankFile(bytes, { fileName: '代发结果_20260230.csv' })), [[0, 'file_name', 'bad_file_date']])
})

t.test('the CSV: a cell count off, an unclosed quote, a 流水号 column used as the reference', async (t) => {
  const header = '序号,收款账号,收款户名,金额,处理结果,失败原因'
  const bad = Buffer.from([header, '1,6230580000012345671,张伟,3500.00,成功,,x', '2,6230580000012345671,"张伟,3500.00,成功,', '3,6230580000012345671,张伟'].join('\n'))
  t.same(faults(parseBankFile(bad, { fileName: CSV_NAME })), [
    [2, 'line', 'wrong_field_count'],
    [3, 'line', 'bad_quotes'],
    [4, '金额', 'wrong_field_count'],
  ])
  const withRef = Buffer.from(['序号,收款账号,收款户名,金额,处理结果,银行流水号', '1,6230580000012345671,张伟,3500.00,成功,B1', '2,6230580000012345671,张伟,10.00,成功,B1'].join('\n'))
  t.same(faults(parseBankFile(withRef, { fileName: CSV_NAME })), [[3, '银行流水号', 'duplicate_bank_ref']])
  const one = fileOf(parseBankFile(Buffer.from(withRef.toString().replace(/\n2,.*$/, '')), { fileName: CSV_NAME }))
  t.equal(one.lines[0]?.bankRef, 'B1')
})

t.test('detection: each profile claims its own files only, and leaves the delimited layout its own', async (t) => {
  const [city, csv] = textProfileFormats
  t.equal(city?.name, CITY)
  t.equal(csv?.name, CSV)
  const cityFile = detectionText(cityBankTxt(SAMPLE_LINES))
  const csvFile = detectionText(fileNameDateCsv(SAMPLE_LINES))
  t.ok(city?.detect(cityFile))
  t.notOk(city?.detect(csvFile))
  t.ok(csv?.detect(csvFile))
  t.notOk(csv?.detect(cityFile))
  const delimitedChinese = '序号,户名,收款账号,金额,状态,失败原因,银行流水号,入账日期\n1,张伟,6222020200112345678,3500.00,成功,,R1,20240215\n'
  t.notOk(csv?.detect(delimitedChinese), 'a per-line 入账日期: the delimited layout')
  t.equal(detectFormat(Buffer.from(delimitedChinese))?.name, 'delimited')
  t.notOk(city?.detect('序号 | 户名 | 收款账号 | 金额 | 状态 | 银行流水号 | 入账日期\n'))
  t.ok(formatNamed(CITY))
})

t.test('no real sample of another format is taken for a text profile', async (t) => {
  const names = readdirSync(SAMPLES).filter((n) => !n.endsWith('.origin'))
  t.ok(names.length > 5)
  for (const name of names) {
    const bytes = readFileSync(new URL(name, SAMPLES))
    for (const format of textProfileFormats) {
      t.notOk(format.detect(detectionText(bytes)), `${format.name} ${name}`)
      t.ok(faults(format.parse(bytes, { fileName: name })).length > 0, `${format.name} refuses ${name}`)
    }
  }
})

t.test('references: a bracketed part goes when its placeholder has no value; others are required', async (t) => {
  t.same(renderReference('{date}[-{batch}]-{seq}', { date: '20261130', seq: '7' }), { ok: true, text: '20261130-7' })
  t.same(renderReference('{date}[-{batch}]-{seq}', { date: '20261130', seq: '7', batch: 'B' }), { ok: true, text: '20261130-B-7' })
  t.same(renderReference('{account}-{seq}', { seq: '7' }), { ok: false, missing: 'account' })
  const profile = { ...FILE_NAME_DATE_CSV_PROFILE, referenceTemplate: '{account}-{date}-{seq}' }
  t.same(faults(parseTextResult(fileNameDateCsv(SAMPLE_LINES), profile, { fileName: CSV_NAME })), [[0, 'account', 'reference_incomplete']])
})

t.test('a summary total above what one line may carry is read exactly (101 lines of ¥1,000,000)', async (t) => {
  const many = Array.from({ length: 101 }, (_, i): SampleLine => ({ seq: i + 1, card: '6230580000012345671', name: '张伟', amountFen: 100_000_000 as Fen, status: '成功' }))
  const bytes = cityBankTxt(many)
  t.match(cityText(bytes), /总金额：101000000\.00/)
  t.equal(fileOf(parseBankFile(bytes)).lines.length, 101)
  t.same(faults(parseBankFile(gbk(cityText(bytes).replace('总金额：101000000.00', '总金额：101000000.01')))), [[108, '总金额', 'summary_mismatch']])
})

t.test('every profile makes distinct references: its template has {seq} outside any optional part', async (t) => {
  for (const profile of [CITY_BANK_TXT_PROFILE, FILE_NAME_DATE_CSV_PROFILE]) {
    t.match(profile.referenceTemplate.replace(/\[[^\]]*\]/g, ''), /\{seq\}/, profile.id)
    t.ok(profile.dateFrom === 'header' ? (profile.headerLabels.date?.length ?? 0) > 0 : profile.fileNamePattern !== undefined, profile.id)
  }
})

t.test('a fixed-width profile reads an empty column in the middle of a line, counting a hanzi as two columns', async (t) => {
  const profile = { ...CITY_BANK_TXT_PROFILE, id: 'fixed-test', delimiter: 'fixed' as const, fixedWidths: [6, 22, 16, 14, 8, 8, 20] }
  const cols = (...cells: string[]): string =>
    cells
      .map((c, i) => {
        const w = [...c].reduce((n, ch) => n + ((ch.codePointAt(0) ?? 0) > 0x7f ? 2 : 1), 0)
        return i === cells.length - 1 ? c : c + ' '.repeat((profile.fixedWidths[i] ?? 0) - w)
      })
      .join('')
  const text = [
    '代发日期：20261130',
    cols('序号', '收款账号', '户名', '金额', '错误码', '状态', '备注'),
    cols('1', '6230580000012345671', '阿依古丽·买买提', '3500.00', '', '成功', ''),
    cols('2', '6230580000012345689', '李娜', '4210.50', 'E102', '失败', '户名不符 请核实'),
    '总笔数：2  总金额：7710.50',
  ].join('\r\n')
  const result = parseTextResult(gbk(text), profile, {})
  const file = fileOf(result)
  t.same(
    file.lines.map((l) => [l.payeeName, l.amountFen, l.status, l.reasonCode, l.reasonText]),
    [
      ['阿依古丽·买买提', 350000, 'booked', null, null],
      ['李娜', 421050, 'rejected', 'E102', '户名不符 请核实'],
    ],
  )
  const asWhitespace = parseTextResult(gbk(text), { ...profile, delimiter: 'whitespace' }, {})
  t.ok(asWhitespace.errors.length > 0, 'split at spaces, the empty 错误码 shifts 成功 into its place')
  t.notOk(detectTextResult(cols('序号', '收款账号', '户名', '金额', '状态'), profile), 'a header with other columns is another layout')
})
