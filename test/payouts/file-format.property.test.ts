import { deepStrictEqual, equal } from 'node:assert/strict'
import fc from 'fast-check'
import iconv from 'iconv-lite'
import t from 'tap'
import { LIMITS } from '../../src/config/limits.ts'
import { fen } from '../../src/kernel/money.ts'
import {
  PAYOUT_FILE_ERROR_CODES,
  formatPayoutFile,
  parsePayoutFile,
  type FormatOptions,
  type PayoutFileLineInput,
} from '../../src/payouts/file-format.ts'

/** Common surnames (incl. compound 欧阳, 司马) and given-name characters, all in GBK. */
const SURNAMES = ['张', '王', '李', '赵', '刘', '陈', '杨', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗', '肖', '袁', '叶', '卢', '谭', '韦', '薛', '欧阳', '司马', '上官']
const GIVEN = [...'伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌战泉倩咏唯之鹏辉']
/** Beyond GBK: supplementary-plane characters that real names use (𠮷), only UTF-8 files carry them. */
const UTF8_ONLY = ['𠮷', '䶮', '堃', '喆', '昇']

const gbkName = fc
  .tuple(fc.constantFrom(...SURNAMES), fc.array(fc.constantFrom(...GIVEN), { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([surname, given, minority]) => (minority ? `${given.join('')}·${surname}${given[0] ?? ''}` : surname + given.join('')))
const utf8Name = fc.oneof(
  gbkName,
  fc.tuple(fc.constantFrom(...SURNAMES), fc.array(fc.constantFrom(...GIVEN, ...UTF8_ONLY), { minLength: 1, maxLength: 3 })).map(([s, g]) => s + g.join('')),
)
const reason = fc.option(fc.constantFrom('户名不符', '账户已冻结', '卡已销户', '余额不足', 'account closed'), { nil: null })

const LINES_MAX = 25
/** Any amount a line may carry, the per-line maximum itself more often than chance would pick it. */
const amountFen = fc.oneof(fc.integer({ min: 1, max: LIMITS.payout_line_amount_fen_max }), fc.constant(LIMITS.payout_line_amount_fen_max)).map(fen)
const card = fc.integer({ min: 12, max: 19 }).chain((n) => fc.stringMatching(new RegExp(`^[1-9]\\d{${n - 1}}$`)))
const valueDate = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))

function linesArb(name: fc.Arbitrary<string>): fc.Arbitrary<PayoutFileLineInput[]> {
  return fc
    .uniqueArray(
      fc.record({
        seq: fc.integer({ min: 1, max: 999_999 }),
        payeeCard: card,
        payeeName: name,
        amountFen,
        status: fc.constantFrom('success' as const, 'failed' as const),
        bankRef: fc.stringMatching(/^[A-Z0-9][A-Z0-9-]{0,20}$/),
        valueDate,
        failureReason: reason,
        // The optional columns (issue 10): written only when some line fills them, read back as null when empty.
        payerAccountNo: fc.option(fc.stringMatching(/^[1-9]\d{7,31}$/), { nil: null }),
        endToEndId: fc.option(fc.stringMatching(/^[A-Z0-9][A-Z0-9-]{0,34}$/), { nil: null }),
      }),
      { minLength: 1, maxLength: LINES_MAX, selector: (l) => l.seq },
    )
    .filter((ls) => new Set(ls.map((l) => l.bankRef)).size === ls.length)
}

const layout = fc.record({
  delimiter: fc.constantFrom('|' as const, ',' as const),
  withTotals: fc.boolean(),
  chineseHeader: fc.boolean(),
  newline: fc.constantFrom('\n' as const, '\r\n' as const),
})

function roundTrips(lines: PayoutFileLineInput[], options: FormatOptions): void {
  const result = parsePayoutFile(formatPayoutFile(lines, options))
  if (!result.ok) throw new Error(JSON.stringify(result.errors))
  equal(result.file.encoding, options.encoding)
  equal(result.file.delimiter, options.delimiter ?? '|')
  deepStrictEqual(
    result.file.lines,
    lines.map((l, i) => ({ lineNo: i + 2, ...l, payerAccountNo: l.payerAccountNo ?? null, endToEndId: l.endToEndId ?? null })),
  )
  const success = lines.filter((l) => l.status === 'success')
  deepStrictEqual(
    [result.file.totals.lineCount, result.file.totals.successCount, result.file.totals.failedCount],
    [lines.length, success.length, lines.length - success.length],
  )
}

t.test('parse(format(lines)) gives the lines back', async (t) => {
  t.test('GBK', async (t) => {
    fc.assert(
      fc.property(linesArb(gbkName), layout, (lines, l) => {
        roundTrips(lines, { encoding: 'gbk', ...l })
      }),
      { numRuns: 300 },
    )
    t.pass('round-trips')
  })
  t.test('UTF-8, including characters beyond GBK', async (t) => {
    fc.assert(
      fc.property(linesArb(utf8Name), layout, (lines, l) => {
        roundTrips(lines, { encoding: 'utf-8', ...l })
      }),
      { numRuns: 300 },
    )
    t.pass('round-trips')
  })
  // The case that needs more than "UTF-8 if it decodes": a one-worker retry file in GBK with
  // an English header, whose only non-ASCII bytes are a short name that also happen to be UTF-8.
  t.test('a one-line GBK file with an English header is read as GBK', async (t) => {
    const short = fc.tuple(fc.constantFrom(...SURNAMES), fc.constantFrom(...GIVEN)).map(([s, g]) => s + g)
    fc.assert(
      fc.property(linesArb(short).map((ls) => ls.slice(0, 1).map((l) => ({ ...l, failureReason: null }))), (lines) => {
        roundTrips(lines, { encoding: 'gbk', chineseHeader: false })
      }),
      { numRuns: 500 },
    )
    t.pass('round-trips')
  })
})

function wellFormed(result: ReturnType<typeof parsePayoutFile>): boolean {
  if (result.ok) return result.file.lines.length > 0
  return (
    result.errors.length > 0 &&
    result.errors.every((e) => Number.isInteger(e.line) && e.line >= 0 && PAYOUT_FILE_ERROR_CODES.includes(e.code) && e.message.length > 0)
  )
}

t.test('never throws, always answers in shape', async (t) => {
  t.test('random bytes', async (t) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => wellFormed(parsePayoutFile(Buffer.from(bytes)))),
      { numRuns: 2000 },
    )
    t.pass('no throw, well-formed result')
  })

  const token = fc.oneof(
    fc.constantFrom('|', ',', '\n', '\r\n', ' ', '.', '-', '0', '1', '9', '00', '.00', 'TOTAL', '合计', 'total', 'success', '失败', '成功', 'failed'),
    fc.constantFrom('seq', 'payee_card', 'payee_name', 'amount', 'status', 'bank_ref', 'value_date', 'failure_reason', '户名', '收款人', 'constructor', '__proto__'),
    fc.constantFrom('6222020200112345678', '2024-02-29', '20230229', '99999999999999.99', '10000000000.00', '1000000.00', '1000000.01', '张伟', '\u3000', '\uFEFF', '\uFFFD'),
  )
  t.test('text made of the grammar’s own tokens', async (t) => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 200 }), fc.constantFrom('utf-8', 'gbk'), (tokens, encoding) => {
        const text = tokens.join('')
        return wellFormed(parsePayoutFile(encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(text, 'utf8')))
      }),
      { numRuns: 2000 },
    )
    t.pass('no throw, well-formed result')
  })

  t.test('valid files with bytes flipped, cut or inserted', async (t) => {
    fc.assert(
      fc.property(
        linesArb(gbkName),
        layout,
        fc.constantFrom('utf-8' as const, 'gbk' as const),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 8 }),
        (lines, l, encoding, edits) => {
          const bytes = [...formatPayoutFile(lines, { encoding, ...l })]
          for (const [at, value, op] of edits) {
            const i = at % (bytes.length + 1)
            if (op === 'set') bytes[i] = value
            else if (op === 'insert') bytes.splice(i, 0, value)
            else bytes.splice(i, 1)
          }
          return wellFormed(parsePayoutFile(Buffer.from(bytes)))
        },
      ),
      { numRuns: 1000 },
    )
    t.pass('no throw, well-formed result')
  })
})
