/**
 * The departments' employer signals read from a file (src/risk/outside-signals.ts), pure: CSV in UTF-8 with a BOM and
 * in GBK under a title row, XLSX, JSON; each department's names for the kinds and severities; every row's problems
 * (credit code check character, unknown kind, period, amount, severity, a duplicate) so that a file is importable only
 * when all rows are clean; files that cannot be read at all refused with the reason.
 */
import t from 'tap'
import iconv from 'iconv-lite'
import { loadExcel } from '../../src/kernel/xlsx.ts'
import { fen } from '../../src/kernel/money.ts'
import { creditCode } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { kindOf, readSignalFile, readSignalJson, SignalFileError, signalProblemText } from '../../src/risk/outside-signals.ts'

const rng = new Rng(15)
const A = creditCode(rng)
const B = creditCode(rng)
const utf8Bom = (s: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s, 'utf8')])

const CSV = [
  '2026年11月联合预警名单',
  '',
  '统一社会信用代码,单位名称,预警类型,来源部门,所属期,欠费金额,预警等级',
  `${A},浙江某建设有限公司,欠缴社保,人社,2026-11,"350,000.00",较重`,
  `${B},杭州某劳务有限公司,停电,国网杭州供电公司,2026年11月,,严重`,
  '',
].join('\r\n')

t.test('a clean CSV (UTF-8 with a BOM, a title row above the header): every row a signal', async (t) => {
  const r = await readSignalFile(utf8Bom(CSV))
  t.equal(r.format, 'csv')
  t.equal(r.importable, true)
  t.same(
    r.rows.map((x) => [x.row, x.signal]),
    [
      [4, { creditCode: A, employerName: '浙江某建设有限公司', signal: 'social_insurance_arrears', source: '人社', period: '2026-11', amountFen: fen(35_000_000), severity: 2 }],
      [5, { creditCode: B, employerName: '杭州某劳务有限公司', signal: 'utility_cutoff', source: '国网杭州供电公司', period: '2026-11', amountFen: null, severity: 3 }],
    ],
  )
})

t.test('GBK, tabs: read the same', async (t) => {
  const r = await readSignalFile(iconv.encode(CSV.replaceAll(',', '\t').replace('"350\t000.00"', '350000'), 'gbk'))
  t.equal(r.importable, true)
  t.equal(r.rows[0]!.signal?.employerName, '浙江某建设有限公司')
})

t.test('every row checked: one bad row makes the file not importable, each problem said', async (t) => {
  const bad = CSV.replace(`${A},`, `${A.slice(0, 17)}${A[17] === '0' ? '1' : '0'},`)
    .replace('欠缴社保', '欠薪传闻')
    .replace(',2026年11月,', ',2026-13,')
    .concat(`\r\n${B},杭州某劳务有限公司,停电,国网杭州供电公司,2026-11,12.345,4\r\n${B},杭州某劳务有限公司,停电,国网杭州供电公司,2026-11,,3\r\n`)
  const r = await readSignalFile(utf8Bom(bad))
  t.equal(r.importable, false)
  t.same(
    r.rows.map((x) => x.problems.map((p) => p.code)),
    [['credit_code_invalid', 'signal_unknown'], ['period_invalid'], ['amount_invalid', 'severity_invalid'], []],
  )
  t.same(r.rows.map((x) => x.row), [4, 5, 7, 8])
  // The first clean 停电 row for B (2026-11) is row 8, the one the period fault hid on row 5 is not a duplicate of it.
  const dup = await readSignalFile(utf8Bom(`${CSV}\r\n${B},杭州某劳务有限公司,停水停电,国网杭州供电公司,2026-11,,严重\r\n`))
  t.same(dup.rows.at(-1)!.problems, [{ code: 'duplicate', firstRow: 5 }])
  t.equal(signalProblemText({ code: 'duplicate', firstRow: 5 }), '与第 5 行重复（同一单位、类型、来源和所属期）')
  t.equal(signalProblemText({ code: 'missing', field: 'source' }), '缺少来源部门')
  const missing = await readSignalFile(utf8Bom(`统一社会信用代码,预警类型,来源部门,所属期,预警等级\r\n${A},涉诉,,2026-11,\r\n`))
  t.same(missing.rows[0]!.problems, [{ code: 'missing', field: 'source' }, { code: 'missing', field: 'severity' }])
})

t.test('XLSX: the first worksheet, numbers and dates as a person sees them', async (t) => {
  const ExcelJS = await loadExcel()
  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet('预警')
  sheet.addRow(['统一社会信用代码', '单位名称', '预警类型', '来源部门', '所属期', '金额', '等级'])
  sheet.addRow([A, '浙江某建设有限公司', '欠税', '税务', '202611', 1234.5, 1])
  const bytes = new Uint8Array(await book.xlsx.writeBuffer())
  const r = await readSignalFile(bytes)
  t.equal(r.format, 'xlsx')
  t.match(r.rows[0]!.signal, { signal: 'tax_arrears', period: '2026-11', amountFen: fen(123_450), severity: 1 })
})

t.test('JSON from a data-sharing platform: an array, or { signals }', async (t) => {
  const r = readSignalJson(JSON.stringify({ signals: [{ creditCode: A, signal: 'work_stoppage', source: '住建', period: '2026-11', severity: 3, amountYuan: '0' }] }))
  t.equal(r.format, 'json')
  t.match(r.rows[0]!.signal, { signal: 'work_stoppage', amountFen: 0, severity: 3 })
  t.equal((await readSignalFile(Buffer.from(JSON.stringify([{ creditCode: A, signal: 'lawsuit', source: '法院', period: '2026-11', severity: '一般' }])))).importable, true)
})

t.test('files that cannot be read are refused whole, with the reason', async (t) => {
  const fault = async (bytes: Uint8Array) => {
    try {
      await readSignalFile(bytes)
    } catch (err) {
      if (err instanceof SignalFileError) return err.fault
      throw err
    }
    return undefined
  }
  t.match(await fault(Buffer.from('姓名,身份证号\r\n张三,1\r\n')), { kind: 'no_header', missing: ['creditCode', 'signal', 'source', 'period', 'severity'] })
  t.match(await fault(utf8Bom('统一社会信用代码,预警类型,来源部门,所属期,等级\r\n')), { kind: 'no_rows' })
  t.match(await fault(Buffer.from('{"signals": 3}')), { kind: 'json_invalid' })
  t.match(await fault(Buffer.from('[{"a":')), { kind: 'json_invalid' })
  t.match(await fault(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0, 0])), { kind: 'not_a_spreadsheet' })
  t.match(await fault(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3])), { kind: 'not_a_spreadsheet' })
})

t.test('the kinds under the departments’ names', async (t) => {
  t.equal(kindOf('欠缴社会保险费'), 'social_insurance_arrears')
  t.equal(kindOf(' 列入经营异常名录 '), 'abnormal_operation')
  t.equal(kindOf('停产'), 'work_stoppage')
  t.equal(kindOf('utility_arrears'), 'utility_arrears')
  t.equal(kindOf('天气不好'), undefined)
})
