/**
 * What the rights board says (src/oversight/rights-board-facts.ts), and where sign-in may lead (safeNext): pure rules,
 * tested directly.
 */
import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { minimumWageFor } from '../../src/payroll/minimum-wage.ts'
import { payDayText, rightsBoard, UNRECORDED, type BoardInputs } from '../../src/oversight/rights-board-facts.ts'
import { safeNext } from '../../src/pages/sign-in.ts'

const inputs = (over: Partial<BoardInputs> = {}): BoardInputs => ({
  project: { id: 'p1', siteCode: 'HZ-001', name: '西溪安置房二期', regionCode: '330106', payDay: 15 },
  constructionUnit: { name: '杭州城投置业有限公司' },
  generalContractor: { name: '浙江建工集团有限公司' },
  account: { bank: '中国农业银行杭州西湖支行', accountName: '浙江建工集团有限公司西溪安置房二期农民工工资专用账户' },
  minimumWage: minimumWageFor('330106', '2024-06-15'),
  today: '2024-06-15',
  workerPageUrl: 'https://ledger.example/w/p1',
  ...over,
})

const fact = (board: ReturnType<typeof rightsBoard>, key: string) => board.facts.find((f) => f.key === key)

t.test('the board states every fact the ledger holds, in order', async (t) => {
  const board = rightsBoard(inputs())
  t.same(
    board.facts.map((f) => f.label),
    ['工程名称', '建设单位', '施工总承包单位', '劳资专管员', '劳资专管员电话', '工资支付日', '工资专用账户开户银行', '工资专用账户户名', '当地最低工资标准'],
  )
  t.match(fact(board, 'project'), { value: '西溪安置房二期', note: '项目编号 HZ-001', recorded: true })
  t.match(fact(board, 'pay_day'), { value: '每月15日前支付上月工资', recorded: true })
  t.match(fact(board, 'minimum_wage'), { value: '月最低工资 2280.00 元；非全日制每小时 22.00 元', note: '第1档，2021-08-01 起执行', recorded: true })
  t.equal(board.workerPageUrl, 'https://ledger.example/w/p1')
  t.equal(board.asOf, '2024-06-15')
})

t.test('what the ledger does not record is shown as 未登记, never left out or guessed', async (t) => {
  const board = rightsBoard(inputs({ minimumWage: undefined }))
  for (const key of ['labour_manager', 'labour_manager_phone', 'minimum_wage']) t.match(fact(board, key), { value: UNRECORDED, recorded: false }, key)
  t.same(
    board.channels.map((c) => [c.phone, c.recorded]),
    [
      ['12333', true],
      ['12345', true],
      [UNRECORDED, false],
    ],
    '12333 and 12345 everywhere; the local inspection line is not recorded',
  )
})

t.test('a minimum wage is printed exactly, from fen', async (t) => {
  const mw = { monthlyFen: fen(249_000), hourlyFen: fen(2_405), tier: 1 as const, source: 's', standardEffectiveFrom: '2025-01-01', assignedRegionCode: '330100' }
  t.equal(fact(rightsBoard(inputs({ minimumWage: mw })), 'minimum_wage')?.value, '月最低工资 2490.00 元；非全日制每小时 24.05 元')
})

t.test('the pay day: a day not in every month says what happens in a short month', async (t) => {
  t.equal(payDayText(10), '每月10日前支付上月工资')
  t.equal(payDayText(28), '每月28日前支付上月工资')
  t.equal(payDayText(31), '每月31日前支付上月工资（当月无31日的，为当月最后一日）')
})

t.test('after sign-in: a page of ours, never another site', async (t) => {
  t.equal(safeNext('/pages/projects/p1/rights-board?paper=a3'), '/pages/projects/p1/rights-board?paper=a3')
  for (const bad of [undefined, 42, '', 'https://evil.example/pages/', '//evil.example/pages/', '/pages//evil.example', '/pages/\\evil', '/api/me', '/pages/sign-in?next=/pages/', '/pages/ x', 'x'.repeat(3000)]) {
    t.equal(safeNext(bad), '/pages/', JSON.stringify(bad)?.slice(0, 40) ?? 'undefined')
  }
})
