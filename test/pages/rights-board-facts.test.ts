/**
 * What the rights board says (src/oversight/rights-board-facts.ts), and where sign-in may lead (safeNext): pure rules,
 * tested directly.
 */
import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { minimumWageFor, provincialStandardFor } from '../../src/payroll/minimum-wage.ts'
import { checkProjectContacts, isPostablePhone } from '../../src/roster/project-contacts.ts'
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

t.test('registered contacts are shown as registered; the local line with its name', async (t) => {
  const board = rightsBoard(
    inputs({ contacts: { labourManagerName: '李红梅', labourManagerPhone: '13800001111', localComplaintName: '西湖区劳动保障监察大队', localComplaintPhone: '0571-85101234' } }),
  )
  t.match(fact(board, 'labour_manager'), { value: '李红梅', recorded: true })
  t.match(fact(board, 'labour_manager_phone'), { value: '13800001111', recorded: true })
  t.match(board.channels[2], { phone: '0571-85101234', note: '西湖区劳动保障监察大队', recorded: true })
  const noLine = rightsBoard(inputs({ contacts: { labourManagerName: '李红梅', labourManagerPhone: '13800001111', localComplaintName: null, localComplaintPhone: null } }))
  t.match(noLine.channels[2], { phone: UNRECORDED, recorded: false })
})

t.test("a county whose tier is not kept: the province's tiers listed, none picked, still 未登记", async (t) => {
  t.equal(minimumWageFor('330106', '2026-12-04'), undefined, "Hangzhou's 2025 tiers are not sourced")
  const board = rightsBoard(inputs({ minimumWage: undefined, provincialStandard: provincialStandardFor('330106', '2026-12-04'), today: '2026-12-04' }))
  t.match(fact(board, 'minimum_wage'), {
    value: UNRECORDED,
    recorded: false,
    note: '本地区适用档次未收录。全省月最低工资（2025-01-01 起）：一档 2490.00 元、二档 2260.00 元、三档 2010.00 元',
  })
  t.equal(provincialStandardFor('110101', '2026-12-04'), undefined, 'a province not kept')
  t.match(fact(rightsBoard(inputs({ minimumWage: undefined, provincialStandard: undefined })), 'minimum_wage'), { note: '本项目所在地区的最低工资标准未收录' })
})

t.test('contacts: a phone a worker can dial, both parts of the local line or neither, a reason', async (t) => {
  for (const ok of ['13800001111', '19912345678', '0571-87654321', '057187654321', '010-12345678', '0571-87654321-8001']) t.ok(isPostablePhone(ok, 'person'), ok)
  for (const bad of ['12345', '110', '1380000111', '23800001111', '0571-123', '+8613800001111', '']) t.notOk(isPostablePhone(bad, 'person'), bad)
  t.ok(isPostablePhone('12345', 'line'), 'a service line may be the local complaint line')
  t.match(checkProjectContacts({ labourManagerName: ' 王建国 ', labourManagerPhone: '138 0000 1111', localComplaintName: '', localComplaintPhone: '', reason: ' 开工 ' }), {
    ok: true,
    value: { labourManagerName: '王建国', labourManagerPhone: '13800001111', localComplaintName: null, localComplaintPhone: null, reason: '开工' },
  })
  t.match(checkProjectContacts({ labourManagerName: '王', labourManagerPhone: '13800001111', localComplaintName: '监察大队', reason: 'r' }), { ok: false, field: 'localComplaintPhone' })
  t.match(checkProjectContacts({ labourManagerName: '王', labourManagerPhone: '13800001111', localComplaintPhone: '12345', reason: 'r' }), { ok: false, field: 'localComplaintName' })
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
