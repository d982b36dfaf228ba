/**
 * The six systems' colours (src/oversight/six-systems.ts): each rule at its edges, and invariants over any facts.
 */
import t from 'tap'
import fc from 'fast-check'
import { dueMonthOf, previousMonth, REAL_NAME_RED_SHARE, sixSystems, SYSTEMS, type SixSystemsInput } from '../../src/oversight/six-systems.ts'
import { payDateOf } from '../../src/payroll/rules.ts'

const good = (): SixSystemsInput => ({
  today: '2026-12-03',
  dueMonth: '2026-10',
  roster: { active: 20, withoutContract: 0, withoutTraining: 0, devices: 2 },
  account: { registered: { openedOn: '2026-01-05' }, statements: 3, lastCreditOn: '2026-11-20' },
  agency: { workersInDueMonth: 20, instructions: 1, paidLines: 20, notDedicatedOpen: 0 },
  deposit: { requirementKnown: true, flags: [], inForceFen: 300_000_00, requiredFen: 200_000_00 },
  board: { unrecorded: [], facts: 12 },
  payment: { openArrears: 0, openArrearsShortFen: 0, dueMonthRun: { dueFen: 100, paidFen: 100, shortFen: 0 } },
})

const colours = (i: SixSystemsInput): Record<string, string> => Object.fromEntries(sixSystems(i).map((s) => [s.key, s.colour]))

t.test('a project with everything in place is green on all six, in the checklist order', async (t) => {
  const six = sixSystems(good())
  t.same(six.map((s) => s.name), ['实名制', '专用账户', '总包代发', '工资保证金', '维权告示牌', '按月足额支付'])
  t.ok(six.every((s) => s.colour === 'green'))
})

t.test('实名制', async (t) => {
  const i = good()
  t.equal(colours({ ...i, roster: { ...i.roster, devices: 0 } }).real_name, 'red', 'workers on site and no device')
  t.equal(colours({ ...i, roster: { ...i.roster, withoutContract: 2 } }).real_name, 'yellow', '2 of 20 is the 10% line: yellow')
  t.equal(colours({ ...i, roster: { ...i.roster, withoutTraining: 3 } }).real_name, 'red', '3 of 20 is over it')
  t.equal(colours({ ...i, roster: { active: 0, withoutContract: 0, withoutTraining: 0, devices: 0 } }).real_name, 'yellow', 'nobody on the roster')
  t.equal(REAL_NAME_RED_SHARE, 0.1)
})

t.test('专用账户', async (t) => {
  const i = good()
  t.equal(colours({ ...i, account: { ...i.account, registered: null } }).dedicated_account, 'red')
  t.equal(colours({ ...i, account: { ...i.account, statements: 0 } }).dedicated_account, 'yellow')
  t.equal(colours({ ...i, account: { ...i.account, lastCreditOn: '2026-10-01' } }).dedicated_account, 'yellow', '63 days without a credit')
  t.equal(colours({ ...i, account: { ...i.account, lastCreditOn: '2026-10-19' } }).dedicated_account, 'green', '45 days exactly')
})

t.test('总包代发', async (t) => {
  const i = good()
  t.equal(colours({ ...i, agency: { ...i.agency, notDedicatedOpen: 1 } }).agency_payment, 'red')
  t.equal(colours({ ...i, agency: { ...i.agency, paidLines: 0 } }).agency_payment, 'red')
  t.equal(colours({ ...i, agency: { ...i.agency, instructions: 0 } }).agency_payment, 'yellow')
  t.equal(colours({ ...i, agency: { workersInDueMonth: 0, instructions: 0, paidLines: 0, notDedicatedOpen: 0 } }).agency_payment, 'green')
})

t.test('工资保证金', async (t) => {
  const i = good()
  t.equal(colours({ ...i, deposit: { ...i.deposit, flags: ['DEPOSIT_MISSING'] } }).deposit, 'red')
  t.equal(colours({ ...i, deposit: { ...i.deposit, flags: ['DEPOSIT_SHORT', 'DEPOSIT_EXPIRING'] } }).deposit, 'red')
  t.equal(colours({ ...i, deposit: { ...i.deposit, flags: ['DEPOSIT_EXPIRING'] } }).deposit, 'yellow')
  t.equal(colours({ ...i, deposit: { requirementKnown: false, flags: [], inForceFen: 0, requiredFen: null } }).deposit, 'yellow')
})

t.test('维权告示牌 and 按月足额支付', async (t) => {
  const i = good()
  t.equal(colours({ ...i, board: { unrecorded: ['劳资专管员', '劳资专管员电话', '当地劳动保障监察机构电话'], facts: 12 } }).rights_board, 'yellow')
  t.equal(colours({ ...i, board: { unrecorded: Array.from({ length: 6 }, (_, k) => String(k)), facts: 12 } }).rights_board, 'red')
  t.equal(colours({ ...i, payment: { ...i.payment, openArrears: 1, openArrearsShortFen: 500 } }).monthly_in_full, 'red')
  t.equal(colours({ ...i, payment: { ...i.payment, dueMonthRun: { dueFen: 100, paidFen: 90, shortFen: 10 } } }).monthly_in_full, 'red')
  t.equal(colours({ ...i, payment: { ...i.payment, dueMonthRun: null } }).monthly_in_full, 'yellow')
})

const inputArb: fc.Arbitrary<SixSystemsInput> = fc.record({
  today: fc.constant('2026-12-03'),
  dueMonth: fc.constant('2026-10'),
  roster: fc.nat(200).chain((active) => fc.record({ active: fc.constant(active), withoutContract: fc.nat(active), withoutTraining: fc.nat(active), devices: fc.nat(4) })),
  account: fc.record({ registered: fc.option(fc.constant({ openedOn: '2026-01-05' }), { nil: null }), statements: fc.nat(5), lastCreditOn: fc.option(fc.constantFrom('2026-09-01', '2026-11-30'), { nil: null }) }),
  agency: fc.record({ workersInDueMonth: fc.nat(50), instructions: fc.nat(3), paidLines: fc.nat(50), notDedicatedOpen: fc.nat(2) }),
  deposit: fc.record({
    requirementKnown: fc.boolean(),
    flags: fc.subarray(['DEPOSIT_MISSING', 'DEPOSIT_SHORT', 'DEPOSIT_EXPIRING'] as const),
    inForceFen: fc.nat(),
    requiredFen: fc.option(fc.nat(), { nil: null }),
  }),
  board: fc.nat(12).map((k) => ({ unrecorded: Array.from({ length: k }, (_, j) => `f${j}`), facts: 12 })),
  payment: fc.record({ openArrears: fc.nat(5), openArrearsShortFen: fc.nat(), dueMonthRun: fc.option(fc.record({ dueFen: fc.nat(), paidFen: fc.nat(), shortFen: fc.nat(100) }), { nil: null }) }),
})

t.test('invariants: six answers, each with a rule and evidence; an open arrears case is always red', async (t) => {
  fc.assert(
    fc.property(inputArb, (i) => {
      const six = sixSystems(i)
      if (six.length !== SYSTEMS.length) return false
      if (!six.every((s) => s.rule.length > 0 && s.evidence.length > 0)) return false
      if (i.payment.openArrears > 0 && six[5]!.colour !== 'red') return false
      if (i.account.registered === null && six[1]!.colour !== 'red') return false
      if (i.deposit.flags.includes('DEPOSIT_MISSING') && six[3]!.colour !== 'red') return false
      return true
    }),
  )
  t.pass()
})

t.test('the month due: the latest month whose pay date has come', async (t) => {
  t.equal(dueMonthOf('2026-12-03', (m) => payDateOf(m, 15)), '2026-10', 'November is paid by 15 December')
  t.equal(dueMonthOf('2026-12-15', (m) => payDateOf(m, 15)), '2026-11')
  t.equal(dueMonthOf('2026-01-10', (m) => payDateOf(m, 5)), '2025-12')
  t.equal(previousMonth('2026-01'), '2025-12')
  fc.assert(
    fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2090-12-31'), noInvalidDate: true }), fc.integer({ min: 1, max: 31 }), (d, payDay) => {
      const today = d.toISOString().slice(0, 10)
      const due = dueMonthOf(today, (m) => payDateOf(m, payDay))
      return payDateOf(due, payDay) <= today && payDateOf(nextMonthOf(due), payDay) > today
    }),
  )
})

function nextMonthOf(m: string): string {
  const [y, mm] = m.split('-').map(Number) as [number, number]
  return mm === 12 ? `${y + 1}-01` : `${y}-${String(mm + 1).padStart(2, '0')}`
}
