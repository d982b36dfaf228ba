/**
 * Properties of the text result profiles (and of the delimited adapter beside them): whatever the bytes (random, the
 * profiles' files mutated, the real samples of other formats), the answer is typed faults or a file, never both and
 * never an exception; any set of payments written in a profile's shape reads back to exactly those payments; one fen
 * changed in a line of the city bank's file refuses it; and that file cut anywhere before its summary is refused.
 */
import { readFileSync, readdirSync } from 'node:fs'
import fc from 'fast-check'
import iconv from 'iconv-lite'
import t from 'tap'
import { LIMITS } from '../../../src/config/limits.ts'
import { fen } from '../../../src/kernel/money.ts'
import { delimitedFormat } from '../../../src/payouts/formats/delimited/index.ts'
import type { BankFormat, EvidenceParse } from '../../../src/payouts/formats/evidence.ts'
import { parseBankFile } from '../../../src/payouts/formats/index.ts'
import { textProfileFormat, textProfileFormats } from '../../../src/payouts/formats/text-profiles/index.ts'
import { CITY_BANK_TXT_PROFILE } from '../../../src/payouts/formats/text-profiles/profiles.ts'
import { holds } from '../../helpers/property.ts'
import { answerOf, mutated, mutations, typedFaults } from './helpers/mutations.ts'
import { SAMPLE_LINES, cityBankTxt, fileNameDateCsv, type SampleLine } from './text-profile-samples.ts'

const SAMPLES = new URL('../fixtures/bank/', import.meta.url)
const FIXTURES = new URL('../fixtures/', import.meta.url)
const realSamples = readdirSync(SAMPLES)
  .filter((n) => !n.endsWith('.origin'))
  .map((n) => readFileSync(new URL(n, SAMPLES)))
const delimitedFixtures = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((e) => e.isFile())
  .map((e) => readFileSync(new URL(e.name, FIXTURES)))
/** The registered formats, and the city bank's layout read by fixed widths (a profile kind no registered bank uses yet). */
const fixedCity = textProfileFormat({ ...CITY_BANK_TXT_PROFILE, id: 'fixed-city', delimiter: 'fixed', fixedWidths: [6, 22, 16, 14, 8] })
const FORMATS: readonly BankFormat[] = [...textProfileFormats, fixedCity, delimitedFormat]
const CSV_NAME = '代发结果_20261130.csv'

/** A file and no faults, or faults and no file; codes snake_case; lines well formed. */
function wellFormed(r: EvidenceParse): boolean {
  if (r.file === undefined) return typedFaults(r.errors)
  return (
    r.errors.length === 0 &&
    r.file.lines.length > 0 &&
    r.file.lines.every(
      (l) =>
        l.lineNo >= 1 &&
        l.amountFen !== null &&
        Number.isSafeInteger(l.amountFen) &&
        l.amountFen > 0 &&
        l.amountFen <= LIMITS.payout_line_amount_fen_max &&
        l.payeeCard !== null &&
        /^\d{12,19}$/.test(l.payeeCard) &&
        l.bankRef !== null &&
        l.bookingDate !== null &&
        (l.status === 'returned') === (l.returnOf !== null),
    )
  )
}

function answers(bytes: Buffer): boolean {
  for (const format of FORMATS) {
    const r = answerOf(() => {
      const parsed = format.parse(bytes, { fileName: CSV_NAME })
      format.detect(bytes.toString('latin1'))
      format.detect(bytes.toString('utf-8'))
      return parsed
    }, format.name)
    if (!wellFormed(r)) throw new Error(`${format.name}: ill-formed answer ${JSON.stringify(r).slice(0, 500)}`)
  }
  return true
}

t.test('random bytes and random text: typed faults, never an exception', async (t) => {
  holds(t, 'random bytes', fc.property(fc.uint8Array({ maxLength: 2_000 }), (a) => answers(Buffer.from(a))), { numRuns: 400 })
  const cells = fc.array(fc.oneof(fc.constantFrom('序号', '收款账号', '户名', '收款户名', '金额', '状态', '处理结果', '备注', '成功', '失败', '退票', '合计', '总笔数：', '合计金额,', '代发日期：', '批次号：', '="', '"', ',', '\t', '  ', '1', '3500.00', '6230580000012345671', '\u0000', '\r\n'), fc.string({ maxLength: 8 })), { maxLength: 80 })
  holds(
    t,
    'random text made of the profiles’ own words',
    fc.property(cells, fc.boolean(), (parts, asGbk) => {
      const text = parts.join('')
      return answers(asGbk ? iconv.encode(text, 'gbk') : Buffer.from(text, 'utf-8'))
    }),
    { numRuns: 500 },
  )
})

const FRAGMENTS = ['\r\n', '\n', '  ', ',', '"', '="', '合计', '总笔数：9', '成功', '退票', '处理中', '-1.00', '0.001', '99999999999999999999', '\u0000', '代发日期：2026-02-30', '序号  收款账号  户名  金额  状态\r\n']
const mutation = mutations(FRAGMENTS, { repeatMax: 300 })

t.test('the profiles’ files, the delimited fixtures and the real samples, mutated: typed faults or a file, never both', async (t) => {
  const seeds = [
    cityBankTxt(SAMPLE_LINES),
    cityBankTxt(SAMPLE_LINES, { encoding: 'utf-8', newline: '\n' }),
    fileNameDateCsv(SAMPLE_LINES, { excelCards: true }),
    fileNameDateCsv(SAMPLE_LINES, { encoding: 'gbk' }),
    ...delimitedFixtures,
    ...realSamples,
  ]
  holds(
    t,
    'mutations',
    fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, ms) => answers(mutated(seed, ms))),
    { numRuns: 600 },
  )
})

const GIVEN = [...'伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌战']
const SURNAMES = ['张', '王', '李', '赵', '欧阳', '司马', '肖', '阿依古丽·']
const name = fc.tuple(fc.constantFrom(...SURNAMES), fc.array(fc.constantFrom(...GIVEN), { minLength: 1, maxLength: 3 })).map(([s, g]) => s + g.join(''))
const STATUS_WORDS: Record<string, 'booked' | 'rejected' | 'pending' | 'returned'> = { 成功: 'booked', 失败: 'rejected', 处理中: 'pending', 退票: 'returned' }
const linesArb: fc.Arbitrary<SampleLine[]> = fc.uniqueArray(
  fc.record({
    seq: fc.integer({ min: 1, max: 999_999 }),
    card: fc.integer({ min: 12, max: 19 }).chain((n) => fc.stringMatching(new RegExp(`^[1-9]\\d{${n - 1}}$`))),
    name,
    amountFen: fc.integer({ min: 1, max: LIMITS.payout_line_amount_fen_max }).map(fen),
    status: fc.constantFrom(...Object.keys(STATUS_WORDS)),
    reason: fc.option(fc.constantFrom('户名不符', '账户已冻结 请核实', '卡已销户', 'account closed'), { nil: undefined }),
  }),
  { minLength: 1, maxLength: 30, selector: (l) => l.seq },
)

/** What a line should read back as. */
const expected = (ls: readonly SampleLine[]): unknown[] =>
  ls.map((l) => {
    const status = STATUS_WORDS[l.status]
    return [l.card, l.name, l.amountFen, status, status === 'booked' ? null : (l.reason ?? null)]
  })

t.test('any payments written in a profile’s shape read back to exactly those payments', async (t) => {
  holds(
    t,
    'city bank .txt, GBK or UTF-8',
    fc.property(linesArb, fc.constantFrom('gbk' as const, 'utf-8' as const), (ls, encoding) => {
      const r = parseBankFile(cityBankTxt(ls, { encoding }))
      if (r.file === undefined) throw new Error(JSON.stringify(r.errors.slice(0, 3)))
      t.strictSame(
        r.file.lines.map((l) => [l.payeeCard, l.payeeName, l.amountFen, l.status, l.reasonText]),
        expected(ls),
      )
      return r.file.format === 'text:city-bank-txt' && new Set(r.file.lines.map((l) => l.bankRef)).size === ls.length
    }),
    { numRuns: 150 },
  )
  holds(
    t,
    'CSV dated by its name, any encoding, with or without summary and Excel wrapping',
    fc.property(linesArb, fc.record({ encoding: fc.constantFrom('gbk' as const, 'utf-8' as const), summary: fc.boolean(), excelCards: fc.boolean(), extraColumn: fc.boolean() }), (ls, options) => {
      const r = parseBankFile(fileNameDateCsv(ls, options), { fileName: CSV_NAME })
      if (r.file === undefined) throw new Error(JSON.stringify(r.errors.slice(0, 3)))
      t.strictSame(
        r.file.lines.map((l) => [l.payeeCard, l.payeeName, l.amountFen, l.status, l.reasonText]),
        expected(ls),
      )
      return r.file.format === 'text:filename-date-csv' && r.file.lines.every((l) => l.bookingDate === '2026-11-30')
    }),
    { numRuns: 150 },
  )
})

t.test('one fen more or less on any line of the city bank file, its summary unchanged: refused', async (t) => {
  holds(
    t,
    'a fen changed',
    fc.property(linesArb, fc.nat(), fc.constantFrom(1, -1), (ls, k, delta) => {
      const i = k % ls.length
      const line = ls[i]
      if (line === undefined || line.amountFen + delta < 1 || line.amountFen + delta > LIMITS.payout_line_amount_fen_max) return true
      const edited = ls.map((l, j) => (j === i ? { ...l, amountFen: fen(l.amountFen + delta) } : l))
      const r = parseBankFile(cityBankTxt(edited, { summaryOf: ls }))
      return r.file === undefined && r.errors.some((e) => e.code === 'summary_mismatch')
    }),
    { numRuns: 200 },
  )
})

t.test('the city bank file cut anywhere before its summary line: refused', async (t) => {
  holds(
    t,
    'a prefix',
    fc.property(linesArb, fc.nat(), (ls, k) => {
      const bytes = cityBankTxt(ls)
      const summaryAt = bytes.lastIndexOf(iconv.encode('总笔数', 'gbk'))
      const r = parseBankFile(bytes.subarray(0, k % summaryAt), { format: 'text:city-bank-txt' })
      return r.file === undefined && r.errors.length > 0
    }),
    { numRuns: 300 },
  )
})
