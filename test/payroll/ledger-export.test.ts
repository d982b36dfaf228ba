import t from 'tap'
import fc from 'fast-check'
import ExcelJS from 'exceljs'
import { holds } from '../helpers/property.ts'
import {
  LEDGER_YUAN_FORMAT,
  LedgerExportError,
  ledgerCsv,
  ledgerXlsx,
  type LedgerRow,
} from '../../src/payroll/ledger-export.ts'
import { fen, formatYuan, sumFen, type Fen } from '../../src/kernel/money.ts'

const ZONE = 'Asia/Shanghai'

/**
 * RFC 4180 read back independently of the writer: fields separated by commas, records by CRLF, a quoted field may hold
 * commas, CRLF and doubled quotes.
 */
function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let field = ''
  let record: string[] = []
  let i = 0
  let quoted = false
  while (i < text.length) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i += 2
      } else if (c === '"') {
        quoted = false
        i++
      } else {
        field += c
        i++
      }
    } else if (c === '"' && field === '') {
      quoted = true
      i++
    } else if (c === ',') {
      record.push(field)
      field = ''
      i++
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field)
      records.push(record)
      record = []
      field = ''
      i += 2
    } else {
      if (c === '\n' || c === '\r') throw new Error(`bare line break at ${i}: records end in CRLF`)
      field += c
      i++
    }
  }
  if (field !== '' || record.length > 0) throw new Error('the last record does not end in CRLF')
  return records
}

function row(over: Partial<LedgerRow> = {}): LedgerRow {
  return {
    month: '2026-11',
    employerName: '杭州建安劳务有限公司',
    teamName: '钢筋班',
    workerName: '张三',
    idNumber: '34012119850312001X',
    phone: '13812345678',
    creditHalves: 43,
    workedMinutes: 10_370,
    payable: [
      { label: '基本工资', amountFen: fen(752_500) },
      { label: '计件：钢筋绑扎', amountFen: fen(120_033) },
    ],
    deductions: [{ label: '个人社保', amountFen: fen(45_612) }],
    netFen: fen(752_500 + 120_033 - 45_612),
    paidFen: fen(752_500 + 120_033 - 45_612),
    setbacks: 0,
    cardNo: '6217000000000000123',
    bankName: '中国农业银行',
    payDate: '2026-12-10',
    voucherRef: 'ABC20261210000123',
    confirmation: { atMs: Date.UTC(2026, 11, 8, 1, 30), channel: 'wechat' },
    ...over,
  }
}

const ROWS: LedgerRow[] = [
  row(),
  // A name with a comma and a quote, unconfirmed and unpaid; its base pay in two spans (a rise from the 16th).
  row({
    workerName: '王"大",伟',
    idNumber: '511623199201150021',
    phone: null,
    teamName: '=HYPERLINK("x")',
    payable: [
      { label: '基本工资', amountFen: fen(350_000) },
      { label: '基本工资', amountFen: fen(400_005) },
      { label: '其他应发：高温补贴', amountFen: fen(30_000) },
    ],
    deductions: [
      { label: '已预支', amountFen: fen(100_000) },
      { label: '个人社保', amountFen: fen(45_612) },
    ],
    netFen: fen(350_000 + 400_005 + 30_000 - 100_000 - 45_612),
    paidFen: fen(0),
    setbacks: 1,
    payDate: null,
    voucherRef: null,
    confirmation: null,
  }),
  // Paid short: 500.00 of the net never came.
  row({ month: '2026-10', workerName: '李四', netFen: fen(752_500 + 120_033 - 45_612), paidFen: fen(752_500 + 120_033 - 45_612 - 50_000) }),
]

t.test('CSV: UTF-8 BOM, CRLF, RFC 4180 quoting, zh-CN headers, masked numbers, a totals row', async (t) => {
  const bytes = ledgerCsv(ROWS, { timeZone: ZONE })
  t.same([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'starts with the UTF-8 BOM')
  const body = bytes.subarray(3).toString('utf8')
  t.ok(body.endsWith('\r\n'), 'ends in CRLF')
  t.notOk(/[^\r]\n/.test(body), 'every line break is CRLF')
  const records = parseCsv(body)
  const [header, ...rest] = records
  t.same(header, [
    '工资所属期', '用人单位', '班组', '姓名', '身份证号', '联系电话', '出勤天数', '工时（小时）',
    '应发：基本工资', '应发：计件：钢筋绑扎', '应发：其他应发：高温补贴', '应发合计',
    '扣款：个人社保', '扣款：已预支', '扣款合计', '应付金额（工资表实发）', '实际支付金额', '未付金额',
    '银行卡号', '开户银行', '支付日期', '银行凭证号', '支付状态', '本人确认时间', '确认方式',
  ])
  t.equal(rest.length, ROWS.length + 1, 'one record per row and a totals row')
  for (const r of records) t.equal(r.length, header!.length, 'every record has every column')
  const col = (name: string): number => header!.indexOf(name)

  const [zhang, wang, li, totals] = rest as [string[], string[], string[], string[]]
  t.equal(zhang[col('姓名')], '张三')
  t.equal(zhang[col('身份证号')], '340121********001X', 'ID number masked by default')
  t.equal(zhang[col('银行卡号')], '****0123', 'card masked by default')
  t.equal(zhang[col('联系电话')], '138****5678', 'phone masked by default')
  t.equal(zhang[col('出勤天数')], '21.5')
  t.equal(zhang[col('工时（小时）')], '172.83', '10,370 minutes, two decimals half up')
  t.equal(zhang[col('应发：基本工资')], '7525.00')
  t.equal(zhang[col('应发：其他应发：高温补贴')], '0.00', 'an item the worker does not have is zero')
  t.equal(zhang[col('应发合计')], '8725.33')
  t.equal(zhang[col('扣款合计')], '456.12')
  t.equal(zhang[col('应付金额（工资表实发）')], '8269.21')
  t.equal(zhang[col('实际支付金额')], '8269.21')
  t.equal(zhang[col('未付金额')], '0.00')
  t.equal(zhang[col('支付状态')], '已足额支付')
  t.equal(zhang[col('支付日期')], '2026-12-10')
  t.equal(zhang[col('银行凭证号')], 'ABC20261210000123')
  t.equal(zhang[col('本人确认时间')], '2026-12-08 09:30', 'the confirmation in the project zone')
  t.equal(zhang[col('确认方式')], '微信')

  t.equal(wang[col('姓名')], '王"大",伟', 'a name with a comma and a quote reads back whole')
  t.ok(body.includes('"王""大"",伟"'), 'written quoted, its quotes doubled')
  t.equal(wang[col('班组')], `'=HYPERLINK("x")`, 'text from data that would start a formula is defused')
  t.equal(wang[col('应发：基本工资')], '7500.05', 'two items with one label are added')
  t.equal(wang[col('联系电话')], '', 'no phone: an empty cell')
  t.equal(wang[col('支付日期')], '')
  t.equal(wang[col('银行凭证号')], '', 'no voucher yet: an empty cell')
  t.equal(wang[col('本人确认时间')], '')
  t.equal(wang[col('实际支付金额')], '0.00', 'a payment that came back (退票) is not paid')
  t.equal(wang[col('未付金额')], wang[col('应付金额（工资表实发）')])
  t.equal(wang[col('支付状态')], '未支付（退票或失败 1 笔）')
  t.equal(li[col('工资所属期')], '2026-10', 'rows stay in the order given')
  // (Found by review.) A short payment: the due, what the bank paid and what is missing, never the due as paid.
  t.equal(li[col('应付金额（工资表实发）')], '8269.21')
  t.equal(li[col('实际支付金额')], '7769.21')
  t.equal(li[col('未付金额')], '500.00')
  t.equal(li[col('支付状态')], '未付足')

  t.equal(totals[0], '合计')
  t.equal(totals[col('应付金额（工资表实发）')], formatYuan(sumFen(ROWS.map((r) => r.netFen))))
  t.equal(totals[col('实际支付金额')], formatYuan(sumFen(ROWS.map((r) => r.paidFen))))
  t.equal(totals[col('未付金额')], formatYuan(fen(ROWS[1]!.netFen + 50_000)))
  t.equal(totals[col('应发：基本工资')], '22550.05')
  t.equal(totals[col('出勤天数')], '', 'working time is not totalled')

  const revealed = parseCsv(ledgerCsv(ROWS, { timeZone: ZONE, reveal: true }).subarray(3).toString('utf8'))
  t.equal(revealed[1]![col('身份证号')], '34012119850312001X', 'reveal shows the full ID number')
  t.equal(revealed[1]![col('银行卡号')], '6217000000000000123', 'and the full card')
  t.equal(revealed[1]![col('联系电话')], '13812345678')
})

t.test('a ledger that does not add up, or holds a bad amount, is refused', async (t) => {
  const refused = (rows: LedgerRow[], reason: string): void => {
    try {
      ledgerCsv(rows, { timeZone: ZONE })
      t.fail(`${reason}: not refused`)
    } catch (e) {
      t.ok(e instanceof LedgerExportError && e.reason === reason, reason)
    }
  }
  refused([row({ netFen: fen(1) })], 'net_mismatch')
  refused([row({ deductions: [{ label: '其他', amountFen: -5 as Fen }], netFen: fen(752_500 + 120_033 + 5) })], 'invalid_amount')
  refused([row({ payable: [{ label: '基本工资', amountFen: 10.5 as Fen }], deductions: [], netFen: 10.5 as Fen })], 'invalid_amount')
  refused([row({ month: '2026-13' })], 'invalid_month')
  refused([row({ payDate: '2026-12-32' })], 'invalid_pay_date')
  refused([row({ creditHalves: 1.5 })], 'invalid_working_time')
  refused([row({ paidFen: -1 as Fen })], 'invalid_amount')
  refused([row({ setbacks: -1 })], 'invalid_setbacks')
  try {
    await ledgerXlsx([], { timeZone: ZONE })
    t.fail('no_rows: not refused')
  } catch (e) {
    t.ok(e instanceof LedgerExportError && e.reason === 'no_rows', 'no_rows: a workbook needs a sheet')
  }
})

async function readBack(rows: readonly LedgerRow[], reveal = false): Promise<ExcelJS.Workbook> {
  const bytes = await ledgerXlsx(rows, { timeZone: ZONE, reveal, createdAtMs: Date.UTC(2026, 11, 3) })
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(bytes as unknown as ExcelJS.Buffer)
  return wb
}

const headerOf = (sheet: ExcelJS.Worksheet): string[] => (sheet.getRow(1).values as unknown[]).slice(1).map(String)

t.test('XLSX: one sheet per month, frozen header, amounts as numbers in yuan, totals by formula and by fen', async (t) => {
  const wb = await readBack(ROWS)
  t.same(wb.worksheets.map((s) => s.name), ['2026-10', '2026-11'], 'one sheet per month, in month order')
  const nov = wb.getWorksheet('2026-11')!
  t.match(nov.views[0], { state: 'frozen', ySplit: 1 }, 'the header row is frozen')
  const header = headerOf(nov)
  t.equal(header[0], '工资所属期')
  t.equal(nov.rowCount, 1 + 2 + 1, 'header, November\'s two workers, totals')
  const col = (name: string): number => header.indexOf(name) + 1

  const zhang = nov.getRow(2)
  t.equal(zhang.getCell(col('姓名')).value, '张三')
  t.equal(zhang.getCell(col('身份证号')).value, '340121********001X', 'masked by default')
  t.equal(zhang.getCell(col('出勤天数')).value, 21.5)
  for (const [name, expected] of [['应发：基本工资', 7525], ['应发：计件：钢筋绑扎', 1200.33], ['应发合计', 8725.33], ['扣款：个人社保', 456.12], ['应付金额（工资表实发）', 8269.21]] as const) {
    const cell = zhang.getCell(col(name))
    t.equal(cell.value, expected, `${name} is the number ${expected}`)
    t.equal(cell.numFmt, LEDGER_YUAN_FORMAT, `${name} shows as ${LEDGER_YUAN_FORMAT}`)
  }
  t.equal(nov.getRow(3).getCell(col('姓名')).value, '王"大",伟')
  t.equal(nov.getRow(3).getCell(col('班组')).value, '=HYPERLINK("x")', 'a text cell, kept as entered: it cannot run')
  t.equal(nov.getRow(3).getCell(col('银行凭证号')).value, null, 'no voucher: an empty cell')

  const totals = nov.getRow(4)
  t.equal(totals.getCell(1).value, '合计')
  const net = totals.getCell(col('应付金额（工资表实发）'))
  const netLetter = net.address.replace(/\d+$/, '')
  const netTotal = Number(formatYuan(sumFen(ROWS.filter((r) => r.month === '2026-11').map((r) => r.netFen))))
  t.same(net.value, { formula: `SUM(${netLetter}2:${netLetter}3)`, result: netTotal }, 'the net column summed by a formula, its cached result the fen sum')
  t.equal(net.numFmt, LEDGER_YUAN_FORMAT)
  for (const c of header.map((h, i) => [h, i + 1] as const).filter(([h]) => h.startsWith('应发') || h.startsWith('扣款') || ['应付金额（工资表实发）', '实际支付金额', '未付金额'].includes(h))) {
    const [name, n] = c
    const cell = totals.getCell(n)
    const v = cell.value as { formula: string; result: number }
    const cellsSum = Number(formatYuan(sumFen([2, 3].map((r) => fen(Math.round((nov.getRow(r).getCell(n).value as number) * 100))))))
    t.equal(v.result, cellsSum, `${name}: the totals row equals the sum of the cells above it`)
  }
  const oct = wb.getWorksheet('2026-10')!
  t.equal(oct.rowCount, 1 + 1 + 1)
  t.equal(headerOf(oct).includes('应发：其他应发：高温补贴'), false, 'each sheet has the columns of its own month')

  const revealed = (await readBack(ROWS, true)).getWorksheet('2026-11')!
  t.equal(revealed.getRow(2).getCell(col('身份证号')).value, '34012119850312001X', 'reveal: the full ID number, as text')
  t.equal(revealed.getRow(2).getCell(col('银行卡号')).value, '6217000000000000123', 'the full card, as text (19 digits would not survive as a number)')
})

const arbitraryRow = fc
  .record({
    name: fc.string({ minLength: 1, maxLength: 12 }),
    pay: fc.array(fc.integer({ min: 0, max: 5_000_000 }), { minLength: 1, maxLength: 3 }),
    cut: fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 2 }),
  })
  .filter(({ pay, cut }) => pay.reduce((a, b) => a + b, 0) >= cut.reduce((a, b) => a + b, 0))
  .map(({ name, pay, cut }) =>
    row({
      workerName: name,
      payable: pay.map((p, i) => ({ label: `项目${i + 1}`, amountFen: fen(p) })),
      deductions: cut.map((c, i) => ({ label: `扣${i + 1}`, amountFen: fen(c) })),
      netFen: fen(pay.reduce((a, b) => a + b, 0) - cut.reduce((a, b) => a + b, 0)),
    }),
  )

t.test('properties: any name reads back from the CSV; the totals row is the fen sum of the net column in both files', async (t) => {
  holds(
    t,
    'CSV round trip and totals',
    fc.property(fc.array(arbitraryRow, { minLength: 1, maxLength: 8 }), (rows) => {
      const records = parseCsv(ledgerCsv(rows, { timeZone: ZONE }).subarray(3).toString('utf8'))
      const net = records[0]!.indexOf('应付金额（工资表实发）')
      const namesOk = rows.every((r, i) => {
        const got = records[i + 1]![3]!
        return got === r.workerName || got === `'${r.workerName}`
      })
      return namesOk && records.at(-1)![net] === formatYuan(sumFen(rows.map((r) => r.netFen)))
    }),
    { numRuns: 200 },
  )
  const samples = fc.sample(fc.array(arbitraryRow, { minLength: 1, maxLength: 20 }), { numRuns: 10, seed: 20261203 })
  for (const rows of samples) {
    const sheet = (await readBack(rows)).getWorksheet('2026-11')!
    const header = headerOf(sheet)
    const v = sheet.getRow(rows.length + 2).getCell(header.indexOf('应付金额（工资表实发）') + 1).value as { result: number }
    t.equal(v.result, Number(formatYuan(sumFen(rows.map((r) => r.netFen)))), `XLSX totals of ${rows.length} rows`)
  }
})
