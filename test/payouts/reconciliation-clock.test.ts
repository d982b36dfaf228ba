/**
 * The reconciliation clock (issue 11): a month nobody posts a file for is still reconciled once its pay date has
 * passed, so wages never paid are flagged and become cases without anyone acting; the month is run once a day in the
 * project's zone while it has live cases, and a project holding nothing for the month is given no empty run.
 */
import t from 'tap'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'

const MONTH = '2026-10'
const HEADER = 'seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason'

interface CaseJson {
  kind: string
  state: string
  workerId: string | null
}

t.test('the clock reconciles a month no file came for, once a day, and only months that hold something', async (t) => {
  // Shanghai noon of the given day in November 2026.
  let now = Date.UTC(2026, 10, 5, 4)
  const at = (day: number): void => {
    now = Date.UTC(2026, 10, day, 4)
  }
  const server = await startTestServer(t, { clock: { nowMs: () => now } })
  const { api, services } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'CLOCK-1', workers: 3, teams: 1, seed: 4242 })
  const site = await registerSite(api, { ...plan, devices: [] })
  // A second project with nobody due or paid in October: the clock gives it no run.
  const quiet = await registerSite(api, { ...planSite({ ...DEFAULT_SITE, siteCode: 'CLOCK-2', workers: 2, teams: 1, seed: 4343 }), devices: [] })
  const P = `/api/projects/${site.projectId}`
  const enrolments = new Map((await services.roster.listEnrolments(site.projectId)).map((e) => [e.worker.id, e.enrolment.id]))
  const people = plan.workers.map((w) => ({ ...w, id: site.workerIds.get(w.key)! }))
  await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamIds[0]!,
    period: MONTH,
    payDate: '2026-11-10',
    atMs: Date.UTC(2026, 10, 3),
    lines: people.map((w) => ({
      workerId: w.id,
      enrolmentId: enrolments.get(w.id)!,
      workerName: w.name,
      idNumber: w.idNumber,
      bankName: '中国农业银行',
      cardNo: w.cardNo,
      netFen: 300_000,
      answer: 'confirm' as const,
    })),
  })

  t.equal(await services.payouts.runClock(), 0, 'before the pay date (10 November) nothing is run')
  t.equal(await services.payouts.latest(site.projectId, MONTH), undefined)

  at(11)
  t.equal(await services.payouts.runClock(), 1, 'the day after the pay date: one run, for the project that owes')
  const run = await services.payouts.latest(site.projectId, MONTH)
  t.match(run?.run, { trigger: 'clock:2026-11-11', dueFen: 900_000, paidFen: 0 })
  t.same(run?.flags.filter((f) => f.kind === 'UNPAID').map((f) => f.workerId).sort(), people.map((w) => w.id).sort(), 'every worker unpaid')
  t.equal(await services.payouts.latest(quiet.projectId, MONTH), undefined, 'the quiet project has no run')
  const cases = await api.get<CaseJson[]>(`${P}/cases?month=${MONTH}`)
  t.equal(cases.filter((c) => c.kind === 'UNPAID' && c.state === 'open').length, 3, 'each unpaid worker is an open case')

  t.equal(await services.payouts.runClock(), 0, 'the same day again: already run')
  at(12)
  t.equal(await services.payouts.runClock(), 1, 'the next day: run again, its cases being live')
  t.match((await services.payouts.latest(site.projectId, MONTH))?.run, { trigger: 'clock:2026-11-12' })

  // Paid on the 13th by a file: that post's run closes the cases; the clock does not run the month again that day.
  at(13)
  const file = [HEADER, ...people.map((w, i) => `${i + 1}|${w.cardNo}|${w.name}|3000.00|success|CK${i + 1}|2026-11-13|`)].join('\n')
  await api.request('POST', `${P}/payout-files?period=${MONTH}`, Buffer.from(file), 'text/plain')
  t.equal(await services.payouts.runClock(), 0, 'a post ran the month today')
  const after = await api.get<CaseJson[]>(`${P}/cases?month=${MONTH}`)
  t.ok(after.filter((c) => c.kind === 'UNPAID').every((c) => c.state === 'resolved'), 'the unpaid cases resolve with the payment')
})
