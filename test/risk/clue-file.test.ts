/**
 * The clue file reader (src/risk/clue-file.ts), pure: a hotline's CSV under its Chinese headers (UTF-8 with a BOM,
 * GBK), English keys, a title row above the header; 受理时间 as Beijing wall time or ISO; amounts made fen exactly;
 * every row's problems with its number as the file shows it; a ticket twice; files that cannot be read.
 */
import t from 'tap'
import iconv from 'iconv-lite'
import ExcelJS from 'exceljs'
import { checkClueRow, clueAmountFen, ClueFileError, clueProblemText, readClueFile, readClueGrid, receivedAtOf, type ClueFileProblem } from '../../src/risk/clue-file.ts'

const ZONE = 'Asia/Shanghai'
const NOW_MS = Date.parse('2026-12-02T02:00:00Z')
const CTX = { nowMs: NOW_MS, timeZone: ZONE }
const CODE = '91330010MGCE7HN743'

const CSV = [
  '12333 投诉工单导出',
  '工单编号,受理时间,项目编号,统一社会信用代码,涉及人数,涉及金额（元）,诉求内容,欠薪月份',
  'GD-1,2026-11-27 15:00,HZ1,,3,"12,000.50",十月工资没发,2026年10月',
  'GD-2,2026/11/30 09:05:30,,' + CODE.toLowerCase() + ',12人,￥360000元,班组十二人工资被拖欠,',
  '',
].join('\r\n')

t.test('a hotline CSV: title row skipped, Chinese headers, wall time in Shanghai, amounts exact', async (t) => {
  for (const [label, bytes] of [
    ['UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CSV, 'utf8')])],
    ['GBK', iconv.encode(CSV, 'gbk')],
  ] as const) {
    const r = await readClueFile(bytes, CTX)
    t.equal(r.format, 'csv', label)
    t.same(
      r.rows,
      [
        { row: 3, problems: [], clue: { externalRef: 'GD-1', receivedAtMs: Date.parse('2026-11-27T07:00:00Z'), siteCode: 'HZ1', creditCode: null, headcount: 3, amountFen: 1_200_050, summary: '十月工资没发', month: '2026-10' } },
        { row: 4, problems: [], clue: { externalRef: 'GD-2', receivedAtMs: Date.parse('2026-11-30T01:05:30Z'), siteCode: null, creditCode: CODE, headcount: 12, amountFen: 36_000_000, summary: '班组十二人工资被拖欠', month: null } },
      ],
      label,
    )
  }
})

t.test('English keys and ISO times', async (t) => {
  const r = readClueGrid(
    [
      ['externalRef', 'receivedAt', 'employerCreditCode', 'headcount', 'amountYuan', 'summary'],
      ['X-1', '2026-11-27T15:00:00+08:00', CODE, '1', '0.1', 'x'],
    ],
    'csv',
    CTX,
  )
  t.match(r.rows, [{ row: 2, problems: [], clue: { receivedAtMs: Date.parse('2026-11-27T07:00:00Z'), amountFen: 10 } }])
})

t.test('XLSX: a date-time cell keeps its time of day', async (t) => {
  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet('工单')
  sheet.addRow(['工单编号', '受理时间', '项目编号', '涉及人数', '涉及金额', '诉求内容'])
  // exceljs writes a Date as the wall time it shows, read as UTC.
  sheet.addRow(['GD-9', new Date(Date.UTC(2026, 10, 27, 15, 0, 0)), 'HZ1', 2, 8000.5, '拖欠两人工资'])
  const r = await readClueFile(Buffer.from(await book.xlsx.writeBuffer()), CTX)
  t.equal(r.format, 'xlsx')
  t.match(r.rows, [{ row: 2, problems: [], clue: { externalRef: 'GD-9', receivedAtMs: Date.parse('2026-11-27T07:00:00Z'), headcount: 2, amountFen: 800_050 } }])
})

t.test('XLSX: a ticket taken at 00:00 keeps its time when the cell shows one; a day alone is still refused', async (t) => {
  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet('工单')
  sheet.addRow(['工单编号', '受理时间', '项目编号', '涉及人数', '涉及金额', '诉求内容'])
  const midnight = new Date(Date.UTC(2026, 10, 27, 0, 0, 0))
  for (const [ref, numFmt] of [
    ['GD-1', 'yyyy-mm-dd hh:mm:ss'],
    ['GD-2', 'yyyy"年"m"月"d"日" h"时"mm"分"'],
    ['GD-3', 'm/d/yy h:mm AM/PM'],
    ['GD-4', 'yyyy-mm-dd'],
    ['GD-5', 'yyyy"年"m"月"d"日"'],
  ] as const) {
    const row = sheet.addRow([ref, midnight, 'HZ1', 2, 100, '拖欠工资'])
    row.getCell(2).numFmt = numFmt
  }
  const r = await readClueFile(Buffer.from(await book.xlsx.writeBuffer()), CTX)
  const atMidnight = Date.parse('2026-11-26T16:00:00Z')
  t.match(r.rows, [
    { row: 2, problems: [], clue: { externalRef: 'GD-1', receivedAtMs: atMidnight } },
    { row: 3, problems: [], clue: { externalRef: 'GD-2', receivedAtMs: atMidnight } },
    { row: 4, problems: [], clue: { externalRef: 'GD-3', receivedAtMs: atMidnight } },
    { row: 5, problems: [{ code: 'received_at_invalid', value: '2026-11-27' }] },
    { row: 6, problems: [{ code: 'received_at_invalid', value: '2026-11-27' }] },
  ])
})

t.test('every row checked, each problem named, numbered as the file shows it', async (t) => {
  const r = readClueGrid(
    [
      ['工单编号', '受理时间', '项目编号', '统一社会信用代码', '涉及人数', '涉及金额', '诉求内容', '欠薪月份'],
      ['A', '2026-11-27 15:00', 'HZ1', '', '3', '100', 'ok', ''],
      ['', '2026-11-27', '', '91330010MGCE7HN740', '0', '-1', '', '2026-13'],
      ['B', '2026-12-25 10:00', 'HZ1', '', '2.5', '1.234', 'x', ''],
      ['A', '2026-11-27 15:00', 'HZ1', '', '3', '100', 'ok', ''],
    ],
    'csv',
    CTX,
  )
  const codes = (p: readonly ClueFileProblem[]): string[] => p.map((x) => x.code)
  t.same(
    r.rows.map((x) => [x.row, codes(x.problems)]),
    [
      [2, []],
      [3, ['missing', 'missing', 'received_at_invalid', 'site_or_employer_required', 'credit_code_invalid', 'headcount_invalid', 'amount_invalid', 'month_invalid'].filter((c, i) => i !== 3)],
      [4, ['received_in_future', 'headcount_invalid', 'amount_invalid']],
      [5, ['duplicate']],
    ],
  )
  t.match(r.rows[2]!.problems[0], { code: 'received_in_future' })
  t.match(r.rows[3]!.problems, [{ code: 'duplicate', firstRow: 2 }])
  for (const row of r.rows) for (const p of row.problems) t.ok(clueProblemText(p).length > 0, p.code)
  t.match(checkClueRow({ externalRef: 'Z', receivedAt: '2026-11-27 15:00', headcount: '1', amount: '1', summary: 's' }, CTX).problems, [{ code: 'site_or_employer_required' }])
})

t.test('受理时间 as exports write it', async (t) => {
  const at = Date.parse('2026-11-27T07:00:00Z')
  for (const text of ['2026-11-27 15:00', '2026/11/27 15:00:00', '2026年11月27日 15:00', '2026-11-27T15:00', '2026-11-27T07:00:00Z', '2026-11-27T15:00:00+08:00', '2026-11-27T15:00:00.000+0800']) {
    t.equal(receivedAtOf(text, ZONE), at, text)
  }
  for (const text of ['2026-11-27', '2026-02-30 10:00', '15:00', 'yesterday', '2026-11-27 25:00']) t.equal(receivedAtOf(text, ZONE), undefined, text)
  // With an offset too: no day rolled over, no 24:00.
  for (const text of ['2026-02-30T10:00:00+08:00', '2026-02-29T10:00Z', '2026-11-27T24:00:00+08:00', '2026-11-27T15:60Z', '2026-13-01T10:00Z']) {
    t.equal(receivedAtOf(text, ZONE), undefined, text)
  }
  t.equal(receivedAtOf('2028-02-29T10:00:00+08:00', ZONE), Date.parse('2028-02-29T02:00:00Z'), 'a leap day is a day')
})

t.test('amounts: yuan or 万元 (by the value or its column), commas only between thousands', async (t) => {
  const cases: Array<[string, boolean, number | undefined]> = [
    ['12,000.50', false, 1_200_050],
    ['￥1,234,567.8 元', false, 123_456_780],
    ['12,50', false, undefined],
    ['1,2,3', false, undefined],
    ['1234,567', false, undefined],
    ['500', true, 500_000_000],
    ['1.5', true, 1_500_000],
    ['0.000001', true, 1],
    ['0.0000001', true, undefined],
    ['36万', false, 36_000_000],
    ['1.25万元', false, 1_250_000],
    ['1,000万', false, 1_000_000_000],
    ['万', false, undefined],
    ['12.345', false, undefined],
  ]
  for (const [text, inWan, fen] of cases) t.equal(clueAmountFen(text, inWan), fen, `${text}${inWan ? ' (万元 column)' : ''}`)
  const r = readClueGrid(
    [
      ['工单编号', '受理时间', '项目编号', '涉及人数', '涉及金额（万元）', '诉求内容'],
      ['W-1', '2026-11-27 15:00', 'HZ1', '12', '500', '十二人欠薪五百万'],
      ['W-2', '2026-11-27 15:00', 'HZ1', '2', '3.6', '两人'],
    ],
    'csv',
    CTX,
  )
  t.match(r.rows, [
    { row: 2, problems: [], clue: { amountFen: 500_000_000 } },
    { row: 3, problems: [], clue: { amountFen: 3_600_000 } },
  ], 'a column headed 万元 is read in 万元: ¥5,000,000 is not ¥500')
})

t.test('files that cannot be read', async (t) => {
  const fault = async (bytes: Buffer): Promise<unknown> => {
    try {
      await readClueFile(bytes, CTX)
    } catch (err) {
      if (err instanceof ClueFileError) return err.fault
      throw err
    }
    return undefined
  }
  t.match(await fault(Buffer.from('工单编号,诉求内容\r\nA,b\r\n')), { kind: 'no_header', missing: ['receivedAt', 'headcount', 'amount'] })
  t.match(await fault(Buffer.from('工单编号,受理时间,涉及人数,涉及金额,诉求内容\r\nA,2026-11-27 15:00,1,1,b\r\n')), { kind: 'no_header', missing: ['siteCode', 'creditCode'] }, 'neither a project nor an employer column')
  t.match(await fault(Buffer.from('工单编号,受理时间,项目编号,涉及人数,涉及金额,诉求内容\r\n\r\n')), { kind: 'no_rows' })
  t.match(await fault(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0, 0])), { kind: 'not_a_spreadsheet' })
  t.match(await fault(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3])), { kind: 'not_a_spreadsheet' })
})
