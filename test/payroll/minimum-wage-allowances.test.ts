/**
 * (Found by review.) The minimum-wage check counts special-conditions allowances (高温补贴 and the like) as pay for normal hours.
 *
 * 最低工资规定 (劳动和社会保障部令第21号) Art. 12 — quoted in src/payroll/minimum-wage.ts's own head comment — takes
 * out overtime pay and allowances for night, heat, cold, underground or toxic work before comparing with the minimum;
 * MinimumWageLine has `excludedAllowancesFen` for it. But sheet-rules.ts minimumWageFinding always passes
 * `excludedAllowancesFen: 0` and counts `monthPayableFen`, which includes every addition. README's own example of an
 * addition is 高温补贴. So 22 days at ¥100 (¥2,200, below Hangzhou's ¥2,280 in 2024) plus a ¥300 high-temperature
 * allowance carries no BELOW_MINIMUM_WAGE finding: the allowance hides the shortfall an inspector is looking for.
 *
 * What should happen: additions that are special-conditions allowances (an addition needs a kind, or at least the
 * known labels) are excluded from what the check counts; here the line is flagged with countedFen 220000.
 */
import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { datesOfMonth, type Month } from '../../src/kernel/time.ts'
import { makeSheetLine, minimumWageFinding } from '../../src/payroll/sheet-rules.ts'
import type { TermsVersion } from '../../src/payroll/terms.ts'

t.test('a high-temperature allowance does not lift a month over the minimum wage', async (t) => {
  const period = '2024-07' as Month
  const versions: TermsVersion[] = [{ id: 'd', enrolmentId: 'e', effectiveFrom: '2024-01-01', terms: { kind: 'daily', dailyRateFen: fen(10_000) } }]
  const days = datesOfMonth(period).slice(0, 22).map((workDate) => ({ workDate, creditHalves: 2, workedMinutes: 480 }))
  const line = makeSheetLine({ workerId: 'w', enrolmentId: 'e', period, versions, days, additions: [{ reason: '高温补贴', amountFen: fen(30_000) }] })
  t.equal(line.payableFen, 250_000)
  t.match(minimumWageFinding(line, '330106'), { code: 'BELOW_MINIMUM_WAGE', evidence: { countedFen: 220_000 } }, 'flagged on ¥2,200 of pay for normal hours')
})

t.test('overtime pay is left out too; a bonus counts as pay', async (t) => {
  const period = '2024-07' as Month
  const versions: TermsVersion[] = [{ id: 'd', enrolmentId: 'e', effectiveFrom: '2024-01-01', terms: { kind: 'daily', dailyRateFen: fen(10_000) } }]
  const days = datesOfMonth(period).slice(0, 22).map((workDate) => ({ workDate, creditHalves: 2, workedMinutes: 480 }))
  const overtime = makeSheetLine({ workerId: 'w', enrolmentId: 'e', period, versions, days, additions: [{ reason: '周末加班工资', amountFen: fen(30_000) }, { reason: '夜班津贴', amountFen: fen(5_000) }] })
  t.match(minimumWageFinding(overtime, '330106'), { evidence: { overtimeFen: 30_000, excludedAllowancesFen: 5_000, countedFen: 220_000 } })
  const bonus = makeSheetLine({ workerId: 'w', enrolmentId: 'e', period, versions, days, additions: [{ reason: '全勤奖', amountFen: fen(30_000) }] })
  t.equal(minimumWageFinding(bonus, '330106'), null, 'a bonus is pay: ¥2,500 is above ¥2,280')
})
