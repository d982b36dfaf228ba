/**
 * An exit a return (再次进场) followed keeps its settlement deadline: a worker who left on 10 October and came back on
 * 2 November is owed October by 13 October, as any leaver, though their enrolment has no exit in force any more. The
 * reconciliation clock still visits October and EXITED_UNSETTLED is raised. One who came back within the month (left
 * on the 10th, back on the 15th) is not a leaver of October: the month's days after the return fall due on the pay
 * date like anyone's, so no EXITED_UNSETTLED (UNPAID says it if the pay date passes). Each exit and return is recorded
 * on its day (date_in_future otherwise); the clock first runs on 3 November, after both returns.
 */
import t from 'tap'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { settlementExitIn } from '../../src/roster/spells.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'

const MONTH = '2026-10'

t.test('the month of settlement of an enrolment with breaks', async (t) => {
  const e = { entryDate: '2026-09-01', exitDate: '2026-12-20', breaks: [{ exitDate: '2026-10-10', returnDate: '2026-11-02' }, { exitDate: '2026-11-10', returnDate: '2026-11-15' }] }
  t.equal(settlementExitIn(e, '2026-10'), '2026-10-10', 'an exit followed by a return in a later month')
  t.equal(settlementExitIn(e, '2026-11'), null, 'one followed by a return in its own month')
  t.equal(settlementExitIn(e, '2026-12'), '2026-12-20', 'the last exit')
  t.equal(settlementExitIn(e, '2026-09'), null, 'a month without exit')
  const twice = { entryDate: '2026-09-01', exitDate: '2026-10-25', breaks: [{ exitDate: '2026-10-10', returnDate: '2026-10-15' }] }
  t.equal(settlementExitIn(twice, '2026-10'), '2026-10-25', 'two exits in a month: the last, the one that ends it')
  t.equal(settlementExitIn({ entryDate: '2026-09-01', exitDate: '2026-10-10' }, '2026-10'), '2026-10-10', 'no breaks: the exit, as before')
})

t.test('a leaver who came back next month still has October settled by the deadline', async (t) => {
  let now = Date.UTC(2026, 9, 9, 4) // 9 October, Shanghai noon
  const server = await startTestServer(t, { clock: { nowMs: () => now } })
  const { api, services } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'CLOCK-RETURN', workers: 2, teams: 1, seed: 778 })
  const site = await registerSite(api, { ...plan, devices: [] })
  const P = `/api/projects/${site.projectId}`
  const enrolments = new Map((await services.roster.listEnrolments(site.projectId)).map((e) => [e.worker.id, e.enrolment.id]))
  const [later, same] = plan.workers.slice(0, 2).map((w) => ({ ...w, id: site.workerIds.get(w.key)! }))
  await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamIds[0]!,
    period: MONTH,
    payDate: '2026-11-10',
    atMs: Date.UTC(2026, 9, 9),
    lines: [later!, same!].map((w) => ({ workerId: w.id, enrolmentId: enrolments.get(w.id)!, workerName: w.name, idNumber: w.idNumber, bankName: '中国农业银行', cardNo: w.cardNo, netFen: 200_000, dayHalves: 16, answer: 'confirm' as const })),
  })
  now = Date.UTC(2026, 9, 10, 4)
  for (const w of [later!, same!]) await api.post(`${P}/enrolments/${enrolments.get(w.id)!}/exit`, { exitDate: '2026-10-10' })
  now = Date.UTC(2026, 9, 15, 4)
  await api.post(`${P}/enrolments/${enrolments.get(same!.id)!}/return`, { returnDate: '2026-10-15' })
  now = Date.UTC(2026, 10, 2, 4)
  await api.post(`${P}/enrolments/${enrolments.get(later!.id)!}/return`, { returnDate: '2026-11-02' })
  t.equal((await services.roster.enrolmentOf(site.projectId, later!.id)).enrolment.exitDate, null, 'no exit in force on either')

  now = Date.UTC(2026, 10, 3, 4)
  t.equal(await services.payouts.runClock(), 1, 'past the deadline, before the pay date: October is reconciled, the exit a return followed counted')
  const cases = await api.get<Array<{ kind: string; state: string; workerId: string | null }>>(`${P}/cases?month=${MONTH}`)
  const exited = cases.filter((c) => c.kind === 'EXITED_UNSETTLED')
  t.same(exited.map((c) => [c.workerId, c.state]), [[later!.id, 'open']], 'the leaver of October has the case; the worker back within the month does not')
})
