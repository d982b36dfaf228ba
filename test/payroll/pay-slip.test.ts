/**
 * The pay slip (工资清单), pure: every item of a real pay line with its label and amount, masked ID and card numbers
 * (full ones only with reveal), escaping of text from data, the worker's answer in the project's zone, the payment
 * evidence or 未支付; and lineItems, which labels a stored line's items and always adds up to its columns.
 */
import fc from 'fast-check'
import t from 'tap'
import { fen, formatYuan, sumFen } from '../../src/kernel/money.ts'
import { escapeHtml, lineItems, paySlipHtml, UNITEMISED_DEDUCTION, UNITEMISED_PAYABLE, type PaySlip } from '../../src/payroll/pay-slip.ts'
import { payLine } from '../../src/payroll/pay-line.ts'
import { holds } from '../helpers/property.ts'

const ID = '330106199001011234'
const CARD = '6228480000000000018'

/** A real pay line: daily terms over the month's days, piece pay for rebar, an allowance, three deductions. */
function realLine() {
  return payLine({
    workerId: 'w1',
    enrolmentId: 'e1',
    period: '2026-10',
    versions: [
      { id: 'v1', enrolmentId: 'e1', effectiveFrom: '2026-09-01', terms: { kind: 'daily', dailyRateFen: fen(350_00) } },
      { id: 'v2', enrolmentId: 'e1', effectiveFrom: '2026-10-13', terms: { kind: 'piece', rates: [{ itemKind: '钢筋', unitPriceFen: fen(120_00) }] } },
    ],
    days: [
      { workDate: '2026-10-12', creditHalves: 2, workedMinutes: 540 },
      { workDate: '2026-10-13', creditHalves: 1, workedMinutes: 250 },
    ],
    pieceQuantities: [{ id: 'q1', enrolmentId: 'e1', workDate: '2026-10-13', itemKind: '钢筋', quantity: '10.5', enteredBy: 'tm', confirmedAtMs: 1 }],
    additions: [{ reason: '高温补贴', amountFen: fen(300_00) }],
    deductions: [
      { reason: 'advance', amountFen: fen(500_00) },
      { reason: 'social_insurance', amountFen: fen(123_45) },
      { reason: 'other', note: '宿舍<水电>', amountFen: fen(20_00) },
    ],
  })
}

function slipOf(overrides: Partial<PaySlip> = {}): PaySlip {
  const line = realLine()
  const items = lineItems(JSON.stringify({ payable: line.payable, deductions: line.deductions, heldPieceQuantities: [] }), { payableFen: line.payableFen, deductionsFen: line.deductedFen })
  return {
    projectName: '滨江<工程>',
    timeZone: 'Asia/Shanghai',
    month: '2026-10',
    employerName: '劳务分包 & 公司',
    teamName: '钢筋班',
    sheetVersion: 2,
    dueDate: '2026-11-10',
    workerName: '<script>alert(1)</script>张伟',
    idNumber: ID,
    bankName: '农业银行',
    cardNo: CARD,
    creditHalves: line.creditHalves,
    workedMinutes: line.workedMinutes,
    payable: items.payable,
    deductions: items.deductions,
    netFen: line.netFen,
    // 2026-10-31T16:30:00Z is 2026-11-01 00:30 in Shanghai.
    answer: { decision: 'confirm', channel: 'kiosk', atMs: Date.UTC(2026, 9, 31, 16, 30, 0), note: null },
    payments: [],
    paidFen: fen(0),
    ...overrides,
  }
}

t.test('every payable item and deduction is on the slip with its label and amount, and the totals add up', async (t) => {
  const line = realLine()
  t.ok(line.payable.length >= 2, 'the line has several payable items')
  const s = slipOf()
  t.same(
    s.payable.map((i) => i.label),
    ['基本工资（日薪）', '计件工资：钢筋', '高温补贴'],
  )
  t.same(
    s.deductions.map((i) => i.label),
    ['已预支', '个人社保', '其他：宿舍<水电>'],
  )
  const html = paySlipHtml(s)
  for (const i of s.payable) t.match(html, `<td>${escapeHtml(i.label)}</td><td class="amount">¥${formatYuan(i.amountFen)}</td>`, `payable ${i.label}`)
  for (const i of s.deductions) t.match(html, `<td>${escapeHtml(i.label)}</td><td class="amount">¥${formatYuan(i.amountFen)}</td>`, `deduction ${i.label}`)
  t.match(html, `应发合计</td><td class="amount">¥${formatYuan(line.payableFen)}`)
  t.match(html, `扣款合计</td><td class="amount">¥${formatYuan(line.deductedFen)}`)
  t.match(html, `<p class="net">¥${formatYuan(line.netFen)}</p>`)
  t.match(html, '<dt>出勤天数</dt><dd>1.5</dd>')
  t.match(html, '<dt>工时（小时）</dt><dd>13.17</dd>', '790 minutes, two decimals half up')
  t.match(html, '<dt>应付日期</dt><dd>2026-11-10</dd>')
  t.match(html, '第 2 版')
})

t.test('ID and card numbers are masked unless revealed', async (t) => {
  const html = paySlipHtml(slipOf())
  t.notOk(html.includes(ID), 'no full ID number')
  t.notOk(html.includes(CARD), 'no full card number')
  t.match(html, '330106********1234')
  t.match(html, '****0018')
  const revealed = paySlipHtml(slipOf(), { reveal: true })
  t.ok(revealed.includes(ID) && revealed.includes(CARD), 'reveal shows both')
})

t.test('every text from data is escaped; the page is self-contained', async (t) => {
  const html = paySlipHtml(slipOf({ answer: { decision: 'dispute', channel: 'app', atMs: Date.UTC(2026, 10, 2, 1, 0, 0), note: '少算<b>半天</b>' } }))
  t.notOk(html.includes('<script>'), 'no script element from the name')
  t.match(html, '&lt;script&gt;alert(1)&lt;/script&gt;张伟')
  t.match(html, '滨江&lt;工程&gt;')
  t.match(html, '劳务分包 &amp; 公司')
  t.match(html, '其他：宿舍&lt;水电&gt;')
  t.match(html, '有异议（应用，2026-11-02 09:00:00）：少算&lt;b&gt;半天&lt;/b&gt;')
  t.notMatch(html, /<(script|link|img|iframe)\b/i, 'no script, no external asset')
  t.notMatch(html, /(src|href)=/i, 'nothing loaded from elsewhere')
  t.match(html, '@page', 'print CSS')
  t.match(html, '<html lang="zh-CN">')
})

t.test("the worker's confirmation in the project's zone, and the payment evidence", async (t) => {
  const unpaid = paySlipHtml(slipOf())
  t.match(unpaid, '已确认（自助机，2026-11-01 00:30:00）', 'the wall time in Shanghai, not UTC')
  t.match(unpaid, '<p class="unpaid">未支付</p>')
  const paid = paySlipHtml(slipOf({ payments: [{ bankRef: 'B2026110800017', valueDate: '2026-11-08', amountFen: realLine().netFen, matchedBy: 'end_to_end_id' }], paidFen: realLine().netFen }))
  t.notMatch(paid, '未支付')
  t.match(paid, `<td>农业银行</td><td>2026-11-08</td><td>B2026110800017</td><td class="amount">¥${formatYuan(realLine().netFen)}</td>`)
  t.match(paid, `<p class="paid">已足额支付：实际支付 ¥${formatYuan(realLine().netFen)}</p>`)
  // Paid short (found by review: the ledger showed a short payment as paid in full; the slip says what is missing).
  const part = fen(realLine().netFen - 500_00)
  const short = paySlipHtml(slipOf({ payments: [{ bankRef: 'B2026110800018', valueDate: '2026-11-08', amountFen: part, matchedBy: 'card' }], paidFen: part }))
  t.match(short, `<p class="unpaid">未付足：实际支付 ¥${formatYuan(part)}，未付 ¥500.00</p>`, 'a short payment says what is missing')
  const none = paySlipHtml(slipOf({ answer: null }))
  t.match(none, '<p class="answer">未确认</p>')
})

t.test('two slips (two teams in a month) are two printed pages; a slip that does not add up is refused', async (t) => {
  const html = paySlipHtml([slipOf(), slipOf({ teamName: '木工班' })])
  t.equal(html.match(/<section class="slip">/g)?.length, 2)
  t.match(html, 'break-before: page')
  t.throws(() => paySlipHtml(slipOf({ netFen: fen(1) })), /is not the net/)
  t.throws(() => paySlipHtml([]), /at least one slip/)
})

t.test('lineItems: labels of every kind, and the columns stand when items do not explain them', async (t) => {
  const items = {
    payable: [
      { kind: 'base', termsKind: 'daily', amountFen: 700_00 },
      { kind: 'base', termsKind: 'monthly', amountFen: 100_00 },
      { kind: 'adjustment', amountFen: 35_00 },
      { kind: 'addition', reason: '', amountFen: 1_00 },
    ],
    deductions: [
      { reason: 'income_tax', amountFen: 10_00, appliedFen: 10_00, unappliedFen: 0 },
      { reason: 'advance', amountFen: 5_00, appliedFen: 0, unappliedFen: 5_00 },
      { reason: 'other', amountFen: 2_00, appliedFen: 2_00 },
      { reason: 'advance', adjustmentId: 'a1', amountFen: 3_00, appliedFen: 3_00 },
    ],
  }
  const r = lineItems(JSON.stringify(items), { payableFen: 836_00, deductionsFen: 15_00 })
  t.same(
    r.payable.map((i) => [i.label, i.amountFen]),
    [
      ['基本工资（日薪）', 700_00],
      ['基本工资（月薪）', 100_00],
      ['补差（往月考勤调整）', 35_00],
      ['其他应发', 1_00],
    ],
  )
  t.same(
    r.deductions.map((i) => [i.label, i.amountFen]),
    [
      ['个人所得税', 10_00],
      ['其他扣款', 2_00],
      ['补差扣回（往月考勤调整）', 3_00],
    ],
    'a deduction of which nothing applied is left out',
  )
  const short = lineItems(JSON.stringify({ payable: [{ kind: 'addition', reason: 'fixture', amountFen: 500_00 }], deductions: [] }), { payableFen: 500_00, deductionsFen: 50_00 })
  t.same(short.deductions, [{ label: UNITEMISED_DEDUCTION, amountFen: 50_00 }], 'a deduction column without items is shown as 未分项')
  const over = lineItems(JSON.stringify({ payable: [{ kind: 'addition', reason: 'x', amountFen: 900_00 }] }), { payableFen: 500_00, deductionsFen: 0 })
  t.same(over.payable, [{ label: UNITEMISED_PAYABLE, amountFen: 500_00 }], 'items worth more than the column: the column alone')
  t.same(lineItems('not json', { payableFen: 1, deductionsFen: 0 }).payable, [{ label: UNITEMISED_PAYABLE, amountFen: 1 }])
})

t.test('property: lineItems always adds up to the columns; escaped text never opens a tag', async (t) => {
  const amount = fc.integer({ min: 0, max: 10_000_000 })
  holds(
    t,
    'items sum to the stored columns',
    fc.property(
      fc.array(fc.record({ kind: fc.constantFrom('base', 'piece', 'addition', 'adjustment'), amountFen: amount, reason: fc.string() }), { maxLength: 6 }),
      fc.array(fc.record({ reason: fc.constantFrom('advance', 'social_insurance', 'income_tax', 'other'), appliedFen: amount }), { maxLength: 4 }),
      amount,
      amount,
      (payable, deductions, payableFen, deductionsFen) => {
        const r = lineItems(JSON.stringify({ payable, deductions }), { payableFen, deductionsFen })
        return sumFen(r.payable.map((i) => i.amountFen)) === payableFen && sumFen(r.deductions.map((i) => i.amountFen)) === deductionsFen
      },
    ),
  )
  holds(
    t,
    'escaped text has no markup characters',
    fc.property(fc.string({ unit: 'binary' }), (s) => !/[<>"']/.test(escapeHtml(s)) && escapeHtml(s).replace(/&(amp|lt|gt|quot|#39);/g, '').indexOf('&') === -1),
  )
})
