/**
 * (Found by review.) Under monthly terms a month pays at most the monthly wage, so a change to a confirmed month,
 * carried into the next, is what the month pays after it less what it paid before: a day taken back from a month
 * still over its expected days takes nothing back, a day added to a month already at the cap adds nothing, and a day
 * added to a month under its expected days pays the day (wage ÷ expected days). Priced per day alone, the first two
 * moved 272.73 nobody owed.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

interface LineJson { workerId: string; payableFen: number; deductionsFen: number; netFen: number; adjustmentHalves: number }

// 23 weekdays of October 2026 (expected days: 22).
const OCTOBER_DAYS = [1, 2, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16, 19, 20, 21, 22, 23, 26, 27, 28, 29, 30, 31].map((d) => `2026-10-${String(d).padStart(2, '0')}`)

const CASES = [
  { change: 'take a day back', octoberDays: OCTOBER_DAYS, seed: 4722, halves: -2, novemberNetFen: 545_45 },
  { change: 'add a day', octoberDays: OCTOBER_DAYS, seed: 4721, halves: 2, novemberNetFen: 545_45 },
  // 21 of 22 expected days: the day added is owed, at 6000.00 ÷ 22.
  { change: 'add a day', octoberDays: OCTOBER_DAYS.slice(2), seed: 4723, halves: 2, novemberNetFen: 545_45 + 272_73 },
] as const

for (const { change, octoberDays, seed, halves, novemberNetFen } of CASES) {
  t.test(`monthly terms, October with ${octoberDays.length} days of 22 expected: ${change} after confirmation`, async (t) => {
    const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
    const server = await startTestServer(t, { clock })
    const admin = server.api
    const site = await registerAccessSite(admin, { tag: `RV-MC${seed}`, regionCode: '330106', bankCode: '103331000011', seed })
    const P = `/api/projects/${site.projectId}`
    const T = `${P}/teams/${site.teamId}/payroll-sheets`
    const W = site.workerId
    const set = (d: string, status: 'present' | 'absent') => admin.post(`${P}/workers/${W}/days/${d}/corrections`, { kind: 'set_status', status, reason: '手工考勤', author: '劳资员' })
    await admin.post(`${P}/workers/${W}/wage-terms`, { effectiveFrom: '2026-09-01', terms: { kind: 'monthly', monthlyWageFen: 6_000_00, expectedDays: 22 }, reason: '月薪 6000' })

    for (const d of octoberDays) await set(d, 'present')
    await admin.post(`${P}/teams/${site.teamId}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员' })
    const oct = await admin.post<{ lines: LineJson[] }>(`${T}/2026-10`, {})
    t.equal(oct.lines.find((l) => l.workerId === W)?.payableFen, octoberDays.length >= 22 ? 6_000_00 : 5_727_27, 'October pays the monthly wage, or its share for fewer days')

    // After confirmation: a day taken back (23 → 22 days, still the full month), or added (23 → 24, over the cap).
    if (change === 'take a day back') await set('2026-10-30', 'absent')
    else await set('2026-10-03', 'present')

    clock.set(Date.parse('2026-12-02T02:00:00Z'))
    for (const d of ['2026-11-02', '2026-11-03']) await set(d, 'present')
    await admin.post(`${P}/teams/${site.teamId}/timesheets/2026-11/confirmation`, { confirmedBy: '劳资员' })
    const nov = await admin.post<{ lines: LineJson[] }>(`${T}/2026-11`, {})
    const line = nov.lines.find((l) => l.workerId === W)!
    t.equal(line.adjustmentHalves, halves, 'the adjustment is carried into November')
    // November itself: 2 days of 22 at 6000.00 = 545.45, and what October's change is owed under its cap.
    t.equal(line.netFen, novemberNetFen, `November's net (payable ${line.payableFen}, deductions ${line.deductionsFen})`)
  })
}
