/**
 * The reconciliation clock visits the month of an exit once its settlement deadline (exit + 3 days) has passed (found
 * by review): a worker who left on 10 October unpaid has an EXITED_UNSETTLED case from 14 October, not from the
 * month's pay date on 10 November, when UNPAID already says it.
 */
import t from 'tap'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'

const MONTH = '2026-10'

t.test('a leaver unpaid past exit + 3 days has an EXITED_UNSETTLED case from the day after the deadline', async (t) => {
  let now = Date.UTC(2026, 9, 9, 4) // 9 October, Shanghai noon
  const server = await startTestServer(t, { clock: { nowMs: () => now } })
  const { api, services } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'CLOCK-EXIT', workers: 2, teams: 1, seed: 777 })
  const site = await registerSite(api, { ...plan, devices: [] })
  const P = `/api/projects/${site.projectId}`
  const enrolments = new Map((await services.roster.listEnrolments(site.projectId)).map((e) => [e.worker.id, e.enrolment.id]))
  const d = { ...plan.workers[0]!, id: site.workerIds.get(plan.workers[0]!.key)! }
  await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamIds[0]!,
    period: MONTH,
    payDate: '2026-11-10',
    atMs: Date.UTC(2026, 9, 9),
    lines: [{ workerId: d.id, enrolmentId: enrolments.get(d.id)!, workerName: d.name, idNumber: d.idNumber, bankName: '中国农业银行', cardNo: d.cardNo, netFen: 200_000, dayHalves: 16, answer: 'confirm' as const }],
  })
  now = Date.UTC(2026, 9, 10, 4) // an exit is recorded once it has happened
  await api.post(`${P}/enrolments/${enrolments.get(d.id)!}/exit`, { exitDate: '2026-10-10' })

  now = Date.UTC(2026, 9, 13, 4)
  t.equal(await services.payouts.runClock(), 0, 'on the deadline itself: nothing yet')
  now = Date.UTC(2026, 9, 14, 4)
  t.equal(await services.payouts.runClock(), 1, 'the day after: October is reconciled')
  const cases = await api.get<Array<{ kind: string; state: string; workerId: string | null }>>(`${P}/cases?month=${MONTH}`)
  t.ok(cases.some((c) => c.kind === 'EXITED_UNSETTLED' && c.workerId === d.id && c.state === 'open'), 'an open EXITED_UNSETTLED case for the leaver')
  t.equal(await services.payouts.runClock(), 0, 'once a day')
})
