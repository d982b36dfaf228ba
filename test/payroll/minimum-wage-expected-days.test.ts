/**
 * (Found by review.) The minimum-wage check is skipped for a full-time month whenever the monthly terms state more expected
 * days than the worker was credited, however many days that is.
 *
 * sheet-rules.ts minimumWageFinding judges a month only when days credited reach `line.expectedDays ?? 21.75`; for
 * monthly terms that is the terms' own expectedDays (1–31, chosen by the employer). So monthly terms of ¥3,000 with
 * expectedDays 31 pay a worker credited 23 days (more than the statutory 21.75 月计薪天数, 劳社部发〔2008〕3号)
 * ¥2,225.81 — below Hangzhou's ¥2,280 (2021 standard, 330106) — and the line carries no BELOW_MINIMUM_WAGE finding,
 * while a daily-rate worker with 22 days and more pay (¥2,200 is flagged) is. Setting expectedDays high both prorates
 * the wage down and switches the check off (最低工资规定 Art. 12: normal working hours provided, the pay may not be
 * below the minimum).
 *
 * What should happen: a month is full-time once the days credited reach the terms' expected days *or* 21.75,
 * whichever is fewer, and is then judged against the monthly minimum.
 */
import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { datesOfMonth, type Month } from '../../src/kernel/time.ts'
import { makeSheetLine, minimumWageFinding } from '../../src/payroll/sheet-rules.ts'
import type { TermsVersion } from '../../src/payroll/terms.ts'

const period = '2024-03' as Month
const days = (n: number) => datesOfMonth(period).slice(0, n).map((workDate) => ({ workDate, creditHalves: 2, workedMinutes: 480 }))

t.test('23 days credited on monthly terms stating 31 expected days are judged', async (t) => {
  const versions: TermsVersion[] = [{ id: 'm', enrolmentId: 'e', effectiveFrom: '2024-01-01', terms: { kind: 'monthly', monthlyWageFen: fen(300_000), expectedDays: 31 } }]
  const line = makeSheetLine({ workerId: 'w', enrolmentId: 'e', period, versions, days: days(23) })
  t.equal(line.payableFen, 222_581, 'paid ¥2,225.81 for 23 days')
  t.match(minimumWageFinding(line, '330106'), { code: 'BELOW_MINIMUM_WAGE' }, 'below ¥2,280 for a full-time month: flagged')

  // For comparison: a daily worker with 22 days and ¥2,200 is flagged.
  const daily: TermsVersion[] = [{ id: 'd', enrolmentId: 'e', effectiveFrom: '2024-01-01', terms: { kind: 'daily', dailyRateFen: fen(10_000) } }]
  t.match(minimumWageFinding(makeSheetLine({ workerId: 'w', enrolmentId: 'e', period, versions: daily, days: days(22) }), '330106'), { code: 'BELOW_MINIMUM_WAGE' })
})
