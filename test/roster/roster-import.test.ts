/**
 * The 花名册 reader and checker, pure (src/roster/roster-import-file.ts, roster-import.ts): CSV in its encodings and
 * delimiters, the header found under a title row and under its other names, every row problem kind, a registered
 * worker matched rather than refused. Property tests: any grid written as CSV reads back the same; GBK and UTF-8
 * with or without BOM decode to the same text; the preview keeps every row, in order, and flags a repeated ID number
 * on every row that carries it.
 */
import t from 'tap'
import fc from 'fast-check'
import iconv from 'iconv-lite'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { decodeCsv, fileKindOf, headerKey, parseCsv, RosterFileError, sheetOf } from '../../src/roster/roster-import-file.ts'
import { parseSheetDate, parseYesNo, previewImport, problemText, type RosterFacts } from '../../src/roster/roster-import.ts'
import { holds } from '../helpers/property.ts'
import { idCheckChar, ofWorkingAge } from '../../src/roster/identity.ts'

const HEADER = ['序号', '姓名', '身份证号', '班组', '工种', '银行卡号', '开户行', '手机号', '进场日期', '日工资', '安全教育', '考勤号']
const rng = new Rng(7)
const IDS = Array.from({ length: 6 }, (_, i) => idNumber(rng, i + 1))
const line = (i: number, over: Partial<Record<string, string>> = {}): string[] => {
  const r: Record<string, string> = { 序号: String(i + 1), 姓名: `工人${i}`, 身份证号: IDS[i]!, 班组: '钢筋班', 工种: '钢筋工', 银行卡号: cardNumber(i + 1), 开户行: '中国农业银行', 手机号: '13812345678', 进场日期: '2026-10-01', 日工资: '350', 安全教育: '是', 考勤号: String(1001 + i), ...over }
  return HEADER.map((h) => r[h] ?? '')
}
const facts = (over: Partial<RosterFacts> = {}): RosterFacts => ({ today: '2026-12-04', teams: new Map([['钢筋班', 'team-1']]), registered: new Map(), cardHolders: new Map(), deviceUsers: new Map(), ...over })
const toCsv = (grid: string[][]): string => grid.map((r) => r.map((c) => (/[",\n\r]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\r\n')

t.test('CSV: UTF-8 with and without BOM, GBK, tabs; the header under a title row and under other names', async (t) => {
  const text = toCsv([['西溪安置房二期农民工花名册'], [], HEADER, line(0), line(1)])
  for (const [label, bytes] of [
    ['UTF-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
    ['UTF-8', Buffer.from(text)],
    ['GBK', iconv.encode(text, 'gbk')],
  ] as const) {
    const sheet = sheetOf(parseCsv(decodeCsv(bytes)))
    t.equal(sheet.rows.length, 2, label)
    t.equal(sheet.rows[0]!.line, 4, `${label}: the row number as the spreadsheet shows it`)
    t.equal(sheet.rows[1]!.cells.name, '工人1', label)
    t.equal(sheet.rows[1]!.cells.team, '钢筋班', label)
  }
  const tabs = sheetOf(parseCsv(['姓名\t身份证号码（18位）\t*班组\t工资卡号\t开户银行\t进场时间\t日工资标准', `张伟\t${IDS[0]}\t钢筋班\t${cardNumber(9)}\t农行\t2026/10/1\t300`].join('\n')))
  t.same(tabs.rows[0]!.cells, { name: '张伟', idNumber: IDS[0], team: '钢筋班', cardNo: cardNumber(9), bankName: '农行', entryDate: '2026/10/1', dailyRate: '300' })
  t.equal(headerKey(' *身份证号码（18位） '), '身份证号码')
  t.equal(fileKindOf(Buffer.from('PK\x03\x04rest')), 'xlsx')
  t.equal(fileKindOf(Buffer.from([0xd0, 0xcf, 0x11, 0xe0])), 'xls')
  t.equal(fileKindOf(Buffer.from('姓名,')), 'csv')
})

t.test('a file that is no 花名册 is refused whole, saying why', async (t) => {
  const problem = (grid: string[][]) => {
    try {
      sheetOf(grid)
      return undefined
    } catch (err) {
      return err instanceof RosterFileError ? err.problem : err
    }
  }
  t.same(problem([['a', 'b'], ['1', '2']]), { kind: 'no_header', missing: ['name', 'idNumber', 'team', 'cardNo', 'bankName', 'entryDate', 'dailyRate'] })
  t.same(problem([['姓名', '身份证号', '班组']]), { kind: 'no_header', missing: ['cardNo', 'bankName', 'entryDate', 'dailyRate'] })
  t.same(problem([HEADER, [], ['', '']]), { kind: 'no_rows' })
})

t.test('every row problem kind, each on its own row', async (t) => {
  const badCheck = IDS[2]!.slice(0, 17) + (IDS[2]!.endsWith('0') ? '1' : '0')
  const grid = [
    HEADER,
    line(0),
    line(1, { 身份证号: badCheck }),
    line(2, { 身份证号: '4.12726E+17' }),
    line(3, { 班组: '木工班' }),
    line(4, { 姓名: '', 开户行: '' }),
    line(5, { 银行卡号: cardNumber(1), 考勤号: '1001' }),
    line(0, { 姓名: '工人0', 序号: '7', 银行卡号: cardNumber(50), 考勤号: '2001' }),
    line(1, { 身份证号: IDS[1]!.replace(/X$/, 'X'), 银行卡号: '6217-12', 手机号: '1381234', 进场日期: '十月一日', 日工资: '三百', 安全教育: '也许', 考勤号: '3001' }),
  ]
  const p = previewImport(sheetOf(grid), facts())
  const codes = p.rows.map((r) => r.problems.map((x) => `${x.code}:${x.field}`).sort())
  t.same(codes[0], ['duplicate_in_file:cardNo', 'duplicate_in_file:deviceUserId', 'duplicate_in_file:idNumber'], 'row 2 repeats in rows 7 and 8')
  t.same(codes[1], ['id_number_invalid:idNumber'])
  t.match(problemText(p.rows[1]!.problems[0]!), /校验位/)
  t.same(codes[2], ['stored_as_number:idNumber'])
  t.same(codes[3], ['unknown_team:team'])
  t.same(codes[4], ['missing:bankName', 'missing:name'])
  t.same(codes[5], ['duplicate_in_file:cardNo', 'duplicate_in_file:deviceUserId'])
  t.same(codes[7], ['date_invalid:entryDate', 'card_invalid:cardNo', 'phone_invalid:phone', 'rate_invalid:dailyRate', 'yes_no_invalid:safetyTrained'].sort())
  t.same(p.rows[0]!.problems.find((x) => x.code === 'duplicate_in_file' && x.field === 'idNumber'), { code: 'duplicate_in_file', field: 'idNumber', lines: [8] })
  t.equal(p.rowsWithProblems, 8)
})

t.test('against the roster: a registered worker is matched, an enrolled one left alone, another worker\'s card or device id refused', async (t) => {
  const registered = new Map([
    [IDS[0]!, { workerId: 'w0', name: '工人0', cardNo: cardNumber(99), bankName: '中国农业银行', phone: null, trade: null, enrolled: false }],
    [IDS[1]!, { workerId: 'w1', name: '工人1', cardNo: cardNumber(2), bankName: '中国农业银行', phone: '13812345678', trade: null, enrolled: true }],
    [IDS[2]!, { workerId: 'w2', name: '别人', cardNo: cardNumber(3), bankName: '中国农业银行', phone: null, trade: null, enrolled: false }],
  ])
  const p = previewImport(sheetOf([HEADER, line(0), line(1), line(2), line(3), line(4)]), facts({
    registered,
    cardHolders: new Map([[cardNumber(2), 'w1'], [cardNumber(4), 'w9']]),
    deviceUsers: new Map([['1002', 'w1'], ['1005', 'w9']]),
  }))
  t.equal(p.rows[0]!.action, 'enrol')
  t.same(p.rows[0]!.notices, [{ code: 'registered_facts_differ', fields: ['cardNo', 'phone'] }], 'a different card is a notice: the registration is kept')
  t.same(p.rows[0]!.problems, [])
  t.equal(p.rows[1]!.action, 'already_enrolled')
  t.same(p.rows[1]!.problems, [], "the worker's own card and device id on the roster are no problem")
  t.same(p.rows[2]!.problems.map((x) => x.code), ['name_differs'])
  t.same(p.rows[3]!.problems.map((x) => x.code), ['card_on_roster'])
  t.same(p.rows[4]!.problems.map((x) => x.code), ['device_user_taken'])
  t.same(p.counts, { register_and_enrol: 2, enrol: 2, return: 0, already_enrolled: 1 })
})

t.test('dates and yes/no as people write them', async (t) => {
  for (const s of ['2026-10-01', '2026/10/1', '2026.10.01', '2026年10月1日', '20261001', '46296']) t.equal(parseSheetDate(s), '2026-10-01', s)
  for (const s of ['2026-02-30', '10/01/2026', '', '1']) t.equal(parseSheetDate(s), undefined, s)
  t.equal(parseYesNo('是'), true)
  t.equal(parseYesNo(''), false)
  t.equal(parseYesNo('否'), false)
  t.equal(parseYesNo('maybe'), undefined)
})

const cellText = fc.string({ unit: fc.constantFrom('a', '张', ',', '"', '\n', '\r\n', ' ', '1', '\t') , maxLength: 6 })

t.test('properties', async (t) => {
  holds(t, 'a grid written as RFC 4180 CSV reads back the same', fc.property(fc.array(fc.array(cellText, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 5 }), (grid) => {
    // A first line that has tabs and no commas is read as tab-separated: make the first cell say which it is.
    const g = grid.map((r, i) => (i === 0 ? [`h${r[0]!.replace(/[\t\n\r"]/g, '')},`, ...r.slice(1)] : r))
    const back = parseCsv(toCsv(g))
    return JSON.stringify(back) === JSON.stringify(g)
  }))
  holds(t, 'GBK, UTF-8 and UTF-8 with BOM decode to the same text', fc.property(fc.string({ unit: fc.constantFrom('姓', '名', '钢', '筋', '班', 'a', ',', '1', '\n'), maxLength: 30 }), (s) => {
    const utf8 = decodeCsv(Buffer.from(s))
    return utf8 === s && decodeCsv(iconv.encode(s, 'gbk')) === s && decodeCsv(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s)])) === s
  }))
  holds(t, 'every row is kept in order, and a repeated ID number is a problem on each row that carries it', fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 12 }), (picks) => {
    const p = previewImport(sheetOf([HEADER, ...picks.map((i, n) => line(i, { 银行卡号: cardNumber(100 + n), 考勤号: String(5000 + n) }))]), facts())
    return p.rows.every((r, n) => {
      const repeated = picks.filter((x) => x === picks[n]).length > 1
      return r.line === n + 2 && r.idNumber === IDS[picks[n]!] && repeated === r.problems.some((x) => x.code === 'duplicate_in_file' && x.field === 'idNumber')
    })
  }))
})

t.test('a child on the roster is a problem of the row: no one under 16 is employed (禁止使用童工)', async (t) => {
  const first17 = '33010620110101011'
  const child = first17 + idCheckChar(first17)
  const p = previewImport(sheetOf([HEADER, line(0, { 身份证号: child })]), facts())
  t.same(p.rows[0]!.problems.map((x) => `${x.code}:${x.field}`), ['under_age:idNumber'])
  t.match(problemText(p.rows[0]!.problems[0]!), /未满16周岁/)
  t.ok(ofWorkingAge('2010-12-04', '2026-12-04'), 'sixteen on the day')
  t.notOk(ofWorkingAge('2010-12-05', '2026-12-04'))
  t.notOk(ofWorkingAge('2008-02-29', '2024-02-28'), 'born on 29 February: not sixteen on the 28th of a leap year')
  t.ok(ofWorkingAge('2008-02-29', '2024-02-29'))
  t.ok(ofWorkingAge('2004-02-29', '2020-02-29'))
  t.notOk(ofWorkingAge('2005-02-28', '2021-02-27'))
  t.ok(ofWorkingAge('2008-02-29', '2024-03-01'))
  // Born 29 February 1999 does not exist; born 29 February 2000, sixteen in the leap year 2016 on the 29th.
  t.notOk(ofWorkingAge('2000-02-29', '2016-02-28'))
  t.ok(ofWorkingAge('2000-02-29', '2016-02-29'))
})

t.test('spreadsheets as clerks make them: full-width digits, date-times, numbered empty rows, a header of two rows', async (t) => {
  const fullWidth = (s: string): string => s.replace(/[0-9X]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))
  const p = previewImport(
    sheetOf([
      HEADER,
      line(0, { 身份证号: fullWidth(IDS[0]!), 银行卡号: fullWidth(cardNumber(1)), 进场日期: '2026-10-01 00:00:00' }),
      line(1, { 进场日期: '２０２６年１０月１日' }),
      line(2, { 进场日期: '2026/10/1 0:00' }),
      ['4', '', '', '', '', '', '', '', '', '', '', ''],
      ['5', '', '', '', '', '', '', '', '', '', '', ''],
    ]),
    facts(),
  )
  t.equal(p.rows.length, 3, 'the template rows numbered 4 and 5 with nothing else are no workers')
  t.same(p.rows.map((r) => r.problems), [[], [], []], 'full-width digits and date-times read')
  t.same(p.rows.map((r) => r.entryDate), ['2026-10-01', '2026-10-01', '2026-10-01'])
  t.equal(p.rows[0]!.idNumber, IDS[0])
  t.equal(parseSheetDate('2026-10-01 08:30'), '2026-10-01')

  const twoRows = sheetOf([
    ['序号', '姓名', '身份证号', '班组', '银行信息', '', '进场日期', '日工资'],
    ['', '', '', '', '银行卡号', '开户行', '', ''],
    ['1', '张伟', IDS[0]!, '钢筋班', cardNumber(1), '农行', '2026-10-01', '350'],
  ])
  t.equal(twoRows.rows.length, 1)
  t.match(twoRows.rows[0]!.cells, { name: '张伟', cardNo: cardNumber(1), bankName: '农行', dailyRate: '350' }, 'a header merged over two rows')
})
