import t, { type Test } from 'tap'
import fc from 'fast-check'
import iconv from 'iconv-lite'
import { holds } from '../helpers/property.ts'
import { AgencyFileRefused, agencyResultStatus, writeAgencyFile, type AgencyFileLine, type AgencyFileProfile, type AgencyFileRefusal } from '../../src/instructions/agency-file.ts'
import { CMB_AGENCY_PROFILE } from '../../src/instructions/profiles/cmb.ts'
import { CITY_BANK_AGENCY_PROFILE } from '../../src/instructions/profiles/city-bank.ts'
import { Pain001Refused, endToEndId, parseEndToEndId } from '../../src/instructions/pain001.ts'
import { formatPayoutFile, parsePayoutFile } from '../../src/payouts/file-format.ts'
import { LIMITS } from '../../src/config/limits.ts'
import { Money, fen, formatYuan, parseYuan } from '../../src/kernel/money.ts'
import { INSTRUCTION, line } from './helpers/instruction.ts'


const LINES: AgencyFileLine[] = [
  line(1, { workerName: '张三', amountFen: fen(350_000) }),
  line(2, { workerName: '阿依古丽·买买提', amountFen: fen(1) }),
  line(3, { workerName: '欧阳娜娜', amountFen: fen(123_456), attempt: 2, memo: '2026年11月工资（补发）' }),
]

/** The file as the bank reads it: GBK text, cut at the profile's line ends, each line cut at its delimiter (no quoting). */
function readBack(profile: AgencyFileProfile, bytes: Buffer): string[][] {
  const text = iconv.decode(bytes, 'gbk')
  const newline = profile.newline ?? '\r\n'
  if (!text.endsWith(newline)) throw new Error('the file must end with a line end')
  return text
    .slice(0, -newline.length)
    .split(newline)
    .map((l) => l.split(profile.delimiter))
}

function refusal(t: Test, fn: () => unknown, reason: AgencyFileRefusal, lineNo: number | undefined, message: RegExp): void {
  try {
    fn()
    t.fail(`expected refusal ${reason}`)
  } catch (e) {
    t.ok(e instanceof AgencyFileRefused, 'refused as AgencyFileRefused')
    if (!(e instanceof AgencyFileRefused)) return
    t.equal(e.reason, reason)
    t.equal(e.line, lineNo)
    t.match(e.message, message)
  }
}

t.test('CMB profile: a batch line as NTAGCAGCX1, then TRXSEQ,ACCNBR,ACCNAM,TRSAMT,TRSDSP,开户行 per worker', async (t) => {
  const bytes = writeAgencyFile(CMB_AGENCY_PROFILE, INSTRUCTION, LINES)
  t.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes), 'the bytes are GBK, not UTF-8')
  const text = iconv.decode(bytes, 'gbk')
  t.equal(text.split('\r\n').length, 5, 'four lines, each ended by CRLF')
  t.notMatch(text.replaceAll('\r\n', ''), /[\r\n]/, 'no bare CR or LF')
  const rows = readBack(CMB_AGENCY_PROFILE, bytes)
  t.same(rows[0], ['WL-P1-2026-11-A1', '33050161123500000123', '10', 'BYBC', '代发工资', '3', '4734.57', '20261210'])
  t.same(rows[1], ['00000001', '6217001540000000001', '张三', '3500.00', '2026年11月工资', '中国建设银行杭州西湖支行'])
  t.same(rows[2], ['00000002', '6217001540000000002', '阿依古丽·买买提', '0.01', '2026年11月工资', '中国建设银行杭州西湖支行'])
  t.same(rows[3], ['00000003', '6217001540000000003', '欧阳娜娜', '1234.56', '2026年11月工资（补发）', '中国建设银行杭州西湖支行'])
  t.equal(rows.length, 4)
  t.notOk(text.includes(endToEndId(LINES[0]!.workerId, '2026-11', 1)), 'CMB answers by TRXSEQ: no reference column')
})

t.test('city-bank profile: 总笔数|总金额 line, column titles, then 序号|卡号|姓名|金额|摘要|业务参考号', async (t) => {
  const bytes = writeAgencyFile(CITY_BANK_AGENCY_PROFILE, INSTRUCTION, LINES)
  const rows = readBack(CITY_BANK_AGENCY_PROFILE, bytes)
  t.equal(rows.length, 5)
  t.same(rows[0], ['3', '4734.57', '33050161123500000123', '浙江之江建设集团有限公司西溪项目农民工工资专用账户', '20261210'])
  t.same(rows[1], ['序号', '卡号', '姓名', '金额', '摘要', '业务参考号'])
  LINES.forEach((l, i) => {
    const row = rows[i + 2]!
    t.same(row.slice(0, 5), [String(i + 1), l.cardNo, l.workerName, formatYuan(l.amountFen), l.memo ?? '2026-11工资'], `line ${i + 1}`)
    t.equal(row[5], endToEndId(l.workerId, l.month, l.attempt), `line ${i + 1}: the same EndToEndId as pain.001`)
    t.same(parseEndToEndId(row[5]!), { workerId: l.workerId, month: l.month, attempt: l.attempt }, 'the reference finds its worker-month-attempt')
  })
  t.equal(iconv.encode(iconv.decode(bytes, 'gbk'), 'gbk').compare(bytes), 0, 'the bytes are exactly the GBK of the text')
})

t.test('the same card, name and amount conventions as the result reader: echoed in a result file, they read back equal', async (t) => {
  for (const profile of [CMB_AGENCY_PROFILE, CITY_BANK_AGENCY_PROFILE]) {
    const rows = readBack(profile, writeAgencyFile(profile, INSTRUCTION, LINES))
    const payLines = rows.slice(profile.columnTitles ? 2 : 1)
    const col = (name: string): number => profile.columns.findIndex((c) => c.column === name)
    const result = formatPayoutFile(
      payLines.map((r, i) => ({
        seq: Number(r[col('seq')]),
        payeeCard: r[col('card_no')]!,
        payeeName: r[col('worker_name')]!,
        amountFen: parseYuan(r[col('amount')]!)!,
        status: 'success' as const,
        bankRef: `B${i + 1}`,
        valueDate: '2026-12-10',
        failureReason: null,
      })),
      { encoding: 'gbk', chineseHeader: true, withTotals: true },
    )
    const parsed = parsePayoutFile(result)
    t.ok(parsed.ok, `${profile.id}: the result reader takes the values`)
    if (!parsed.ok) continue
    t.same(
      parsed.file.lines.map((l) => [l.seq, l.payeeCard, l.payeeName, l.amountFen]),
      LINES.map((l, i) => [i + 1, l.cardNo, l.workerName, l.amountFen]),
      `${profile.id}: seq, card, name and amount survive`,
    )
  }
})

t.test('a name GBK cannot carry is refused, naming the line', async (t) => {
  for (const name of ['张三😀', '𠀀明', '李\u{20BB7}']) {
    refusal(t, () => writeAgencyFile(CITY_BANK_AGENCY_PROFILE, INSTRUCTION, [line(1), line(2, { workerName: name })]), 'not_gbk', 2, /^line 2 \(worker [^)]+\): the worker name .*GBK cannot carry \(U\+/)
  }
  refusal(t, () => writeAgencyFile(CMB_AGENCY_PROFILE, INSTRUCTION, [line(1, { cardBankName: '银行😀' })]), 'not_gbk', 1, /card's bank/)
})

t.test('the delimiter or a line break inside a field is refused, naming the line', async (t) => {
  refusal(t, () => writeAgencyFile(CMB_AGENCY_PROFILE, INSTRUCTION, [line(1), line(2), line(3, { memo: '11月,补发' })]), 'contains_delimiter', 3, /^line 3 .*memo.*delimiter ","/)
  refusal(t, () => writeAgencyFile(CITY_BANK_AGENCY_PROFILE, INSTRUCTION, [line(1, { memo: '工资|补发' })]), 'contains_delimiter', 1, /delimiter "\|"/)
  refusal(t, () => writeAgencyFile(CITY_BANK_AGENCY_PROFILE, INSTRUCTION, [line(1), line(2, { workerName: '王|五' })]), 'contains_delimiter', 2, /worker name/)
  refusal(t, () => writeAgencyFile(CITY_BANK_AGENCY_PROFILE, INSTRUCTION, [line(1, { workerName: '王\r\n五' })]), 'contains_line_break', 1, /line break/)
  refusal(t, () => writeAgencyFile(CMB_AGENCY_PROFILE, INSTRUCTION, [line(1, { memo: '工资\n补发' })]), 'contains_line_break', 1, /memo/)
  // The other profile's delimiter is only text.
  const rows = readBack(CITY_BANK_AGENCY_PROFILE, writeAgencyFile(CITY_BANK_AGENCY_PROFILE, INSTRUCTION, [line(1, { memo: '11月,补发' })]))
  t.equal(rows[2]![4], '11月,补发', 'a comma is fine where the delimiter is |')
})

t.test('a debtor name with the delimiter is refused in the batch line', async (t) => {
  const ins = { ...INSTRUCTION, debtor: { ...INSTRUCTION.debtor, name: '之江建设|专户' } }
  refusal(t, () => writeAgencyFile(CITY_BANK_AGENCY_PROFILE, ins, [line(1)]), 'contains_delimiter', undefined, /batch summary/)
})

t.test('a card that is not 12–19 digits is refused', async (t) => {
  refusal(t, () => writeAgencyFile(CMB_AGENCY_PROFILE, INSTRUCTION, [line(1, { cardNo: '6217 0015 4000 0000 001' })]), 'invalid_card_no', 1, /12 to 19 digits/)
  refusal(t, () => writeAgencyFile(CMB_AGENCY_PROFILE, INSTRUCTION, [line(1, { cardNo: '12345678901' })]), 'invalid_card_no', 1, /card number/)
})

t.test('what no instruction may carry is refused as pain.001 refuses it', async (t) => {
  t.throws(() => writeAgencyFile(CMB_AGENCY_PROFILE, INSTRUCTION, [line(1), line(1, { attempt: 2 })]), Pain001Refused, 'a worker-month twice')
  t.throws(() => writeAgencyFile(CMB_AGENCY_PROFILE, INSTRUCTION, [line(1, { amountFen: fen(0) })]), Pain001Refused, 'a zero amount')
  t.throws(() => writeAgencyFile(CMB_AGENCY_PROFILE, INSTRUCTION, []), Pain001Refused, 'no lines')
})

t.test('profiles: line ends, summary last, a bad profile, sequence width', async (t) => {
  const unix: AgencyFileProfile = { ...CITY_BANK_AGENCY_PROFILE, id: 'unix', newline: '\n', columnTitles: false, summary: { ...CITY_BANK_AGENCY_PROFILE.summary, at: 'last_line' } }
  const text = iconv.decode(writeAgencyFile(unix, INSTRUCTION, LINES), 'gbk')
  t.notOk(text.includes('\r'), 'LF only when the profile says so')
  const rows = readBack(unix, iconv.encode(text, 'gbk'))
  t.same(rows[rows.length - 1]!.slice(0, 2), ['3', '4734.57'], 'the summary as the last line')
  t.equal(rows[0]![0], '1', 'the first payment line first')

  const noCard: AgencyFileProfile = { ...CMB_AGENCY_PROFILE, id: 'no-card', columns: CMB_AGENCY_PROFILE.columns.filter((c) => c.column !== 'card_no') }
  refusal(t, () => writeAgencyFile(noCard, INSTRUCTION, LINES), 'invalid_profile', undefined, /no card_no column/)
  const badText: AgencyFileProfile = { ...CMB_AGENCY_PROFILE, id: 'bad-text', summary: { at: 'first_line', fields: [{ kind: 'text', text: 'a,b' }, { kind: 'count' }] } }
  refusal(t, () => writeAgencyFile(badText, INSTRUCTION, LINES), 'invalid_profile', undefined, /fixed text/)
  const narrow: AgencyFileProfile = { ...CMB_AGENCY_PROFILE, id: 'narrow', seqDigits: 1 }
  refusal(t, () => writeAgencyFile(narrow, INSTRUCTION, Array.from({ length: 10 }, (_, i) => line(i + 1))), 'too_many_lines_for_seq', undefined, /1 digits; 10 lines/)
})

t.test('status codes are data of the profile', async (t) => {
  t.equal(agencyResultStatus(CMB_AGENCY_PROFILE, 'S'), 'success')
  t.equal(agencyResultStatus(CMB_AGENCY_PROFILE, 'E'), 'failed')
  t.equal(agencyResultStatus(CMB_AGENCY_PROFILE, 'C'), 'failed')
  t.equal(agencyResultStatus(CMB_AGENCY_PROFILE, 'A'), 'pending')
  t.equal(agencyResultStatus(CMB_AGENCY_PROFILE, 'X'), undefined)
  t.equal(agencyResultStatus(CITY_BANK_AGENCY_PROFILE, '成功'), 'success')
  t.equal(agencyResultStatus(CITY_BANK_AGENCY_PROFILE, '处理中'), 'pending')
})

// Characters names are written in: common hanzi (all in GBK), the middle dot of minority names.
const NAME_CHARS = [...'王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文·']
const nameArb = fc
  .array(fc.constantFrom(...NAME_CHARS), { minLength: 2, maxLength: 8 })
  .map((cs) => cs.join(''))
  .filter((s) => !s.startsWith('·') && !s.endsWith('·'))
const linesArb = fc
  .array(fc.record({ name: nameArb, amount: fc.integer({ min: 1, max: LIMITS.payout_line_amount_fen_max }), attempt: fc.integer({ min: 1, max: 99 }) }), { minLength: 1, maxLength: 40 })
  .map((rs) => rs.map((r, i) => line(i + 1, { workerName: r.name, amountFen: fen(r.amount), attempt: r.attempt })))

t.test('property: the summary line count and sum are the lines\', and so are the payment lines written', async (t) => {
  for (const profile of [CMB_AGENCY_PROFILE, CITY_BANK_AGENCY_PROFILE]) {
    const at = (kind: string): number => profile.summary.fields.findIndex((f) => f.kind === kind)
    const amountCol = profile.columns.findIndex((c) => c.column === 'amount')
    holds(
      t,
      `${profile.id}: totals`,
      fc.property(linesArb, (lines) => {
        const rows = readBack(profile, writeAgencyFile(profile, INSTRUCTION, lines))
        const summary = profile.summary.at === 'first_line' ? rows[0]! : rows[rows.length - 1]!
        const payLines = rows.slice(profile.summary.at === 'first_line' ? 1 : 0, profile.summary.at === 'last_line' ? -1 : undefined).slice(profile.columnTitles ? 1 : 0)
        const expected = lines.reduce((s, l) => s.plus(l.amountFen), new Money(0))
        const written = payLines.reduce((s, r) => s.plus(parseYuan(r[amountCol]!)!), new Money(0))
        return (
          summary[at('count')] === String(lines.length) &&
          payLines.length === lines.length &&
          parseYuan(summary[at('total')]!) === expected.toNumber() &&
          written.eq(expected) &&
          payLines.every((r, i) => parseYuan(r[amountCol]!) === lines[i]!.amountFen)
        )
      }),
      { numRuns: 200 },
    )
  }
})
