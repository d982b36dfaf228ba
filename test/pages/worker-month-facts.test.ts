/**
 * The worker page's pure rules: a day's first in and last out from the punches the rules used; a pay month's due,
 * paid (each bank payment once) and state; the months listed; and the sign-in code's state and the ID suffix as typed.
 */
import t from 'tap'
import { codeState, idSuffixOf } from '../../src/access/sign-in-codes.ts'
import { fen } from '../../src/kernel/money.ts'
import type { WorkerDay } from '../../src/timesheets/rules.ts'
import { dayLabel, dayRows, hoursOf, monthPay, payMonths, previousMonth } from '../../src/pages/worker-month-facts.ts'

const TZ = 'Asia/Shanghai'
const at = (local: string): number => Date.parse(`${local}:00+08:00`)

function day(date: string, over: Partial<WorkerDay>): WorkerDay {
  return { workerId: 'w', workDate: date, status: 'present', creditHalves: 2, decidedBy: 'pairs', workedMinutes: 0, needsReview: false, reviewReasons: [], pairs: [], punches: [], corrections: [], fromCorrections: false, ...over }
}
const punch = (atMs: number, direction: 'in' | 'out' | null, use: 'paired' | 'unpaired' | 'debounced' | 'excluded') =>
  ({ punchId: 1, correctionId: null, atMs, deviceDirection: 'in', direction, directionRule: null, use, reason: null, clockSuspect: null }) as WorkerDay['punches'][number]

t.test('days: first in, last out, hours; absent days without punches left out', async (t) => {
  const rows = dayRows(
    [
      day('2026-10-13', { status: 'incomplete', creditHalves: 0, punches: [punch(at('2026-10-13T07:40'), 'in', 'unpaired')] }),
      day('2026-10-12', {
        workedMinutes: 540,
        pairs: [
          { inAtMs: at('2026-10-12T07:30'), outAtMs: at('2026-10-12T11:30'), minutes: 240, rule: 'direction', inPunchId: 1, outPunchId: 2, fromCorrection: false },
          { inAtMs: at('2026-10-12T12:30'), outAtMs: at('2026-10-12T17:30'), minutes: 300, rule: 'direction', inPunchId: 3, outPunchId: 4, fromCorrection: false },
        ],
        punches: [punch(at('2026-10-12T07:29'), 'in', 'debounced')],
      }),
      day('2026-10-14', { status: 'absent', creditHalves: 0, punches: [punch(at('2026-10-14T09:00'), null, 'excluded')] }),
    ],
    TZ,
  )
  t.same(
    rows.map((r) => [r.date, r.label, r.firstIn, r.lastOut, r.hours, r.statusText]),
    [
      ['2026-10-12', '10月12日 周一', '07:30', '17:30', '9.0', '出勤'],
      ['2026-10-13', '10月13日 周二', '07:40', null, '0.0', '打卡不全'],
    ],
    'a debounced repeat is not the first in; a day with only an excluded punch is not shown',
  )
  t.equal(hoursOf(515), '8.6')
  t.equal(dayLabel('2026-11-01'), '11月1日 周日')
})

t.test('pay months: due, paid once per bank reference, state', async (t) => {
  const p = (bankRef: string, amount: number, valueDate = '2026-11-10') => ({ bankRef, valueDate, amountFen: fen(amount), matchedBy: 'card' as const })
  t.match(monthPay('2026-10', []), { state: 'not_due_yet', stateText: '工资表未审核', dueYuan: null, paidYuan: '0.00', owedYuan: null })
  // (Found by review.) The month still on has no sheet because none can exist yet, not because one is late.
  t.match(monthPay('2026-11', [], true), { state: 'month_running', stateText: '本月未结束，月底后编制工资表', dueYuan: null, owedYuan: null })
  t.match(monthPay('2026-10', [{ netFen: fen(105_000), dueDate: '2026-11-10', payments: [] }]), { state: 'unpaid', dueYuan: '1050.00', owedYuan: '1050.00' })
  t.match(monthPay('2026-10', [{ netFen: fen(105_000), dueDate: '2026-11-10', payments: [p('V1', 80_000)] }]), { state: 'short', stateText: '未付足', paidYuan: '800.00', owedYuan: '250.00', payments: [{ valueDate: '2026-11-10', amountYuan: '800.00', bankRef: 'V1' }] })
  // Two teams' lines in a month, the same payment carried on both: counted once.
  const two = monthPay('2026-10', [
    { netFen: fen(50_000), dueDate: '2026-11-10', payments: [p('V1', 60_000), p('V2', 40_000, '2026-11-12')] },
    { netFen: fen(50_000), dueDate: '2026-11-10', payments: [p('V1', 60_000), p('V2', 40_000, '2026-11-12')] },
  ])
  t.match(two, { state: 'paid_in_full', stateText: '已足额支付', dueYuan: '1000.00', paidYuan: '1000.00', owedYuan: null })
  t.equal(two.payments.length, 2)
})

t.test('months listed: newest first, back to the entry month, at most the count', async (t) => {
  t.same(payMonths('2026-11', '2026-09', 6), ['2026-11', '2026-10', '2026-09'])
  t.same(payMonths('2026-02', '2025-01', 3), ['2026-02', '2026-01', '2025-12'])
  t.equal(previousMonth('2026-01'), '2025-12')
})

t.test('sign-in codes: state in order of precedence; the ID suffix as typed', async (t) => {
  const now = 1_000_000
  t.equal(codeState({ usedAtMs: null, failedAttempts: 0, expiresAtMs: now + 1 }, now), 'live')
  t.equal(codeState({ usedAtMs: null, failedAttempts: 0, expiresAtMs: now }, now), 'expired', 'expired at its expiry instant')
  t.equal(codeState({ usedAtMs: null, failedAttempts: 5, expiresAtMs: now + 1 }, now), 'spent')
  t.equal(codeState({ usedAtMs: now - 1, failedAttempts: 5, expiresAtMs: now - 1 }, now), 'used', 'used first')
  t.equal(idSuffixOf(' 12345x '), '12345X')
  t.equal(idSuffixOf('123 456'), '123456')
  for (const bad of ['12345', '1234567', 'X12345', '12_456', '%2345X']) t.equal(idSuffixOf(bad), undefined, bad)
})
