/**
 * A manager cannot answer a worker's line "as the worker" through the app, WeChat or a kiosk: those answers are the
 * worker's own login's, and a manager's would stand in the record (and on the ledger and pay slip) as the worker's own
 * confirmation, lifting the worker's dispute. A manager records only the paper the worker signed.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

t.test("a team manager cannot turn a worker's dispute into an app confirmation", async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const admin = server.api
  const site = await registerAccessSite(admin, { tag: 'RVA', regionCode: '330106', bankCode: '103331000011', seed: 71 })
  const P = `/api/projects/${site.projectId}`
  const T = `${P}/teams/${site.teamId}/payroll-sheets`
  await admin.post(`${P}/workers/${site.workerId}/days/2026-10-12/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })
  await admin.post(`${P}/teams/${site.teamId}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员' })
  await admin.post(`${T}/2026-10`, {})
  await admin.post(`${T}/2026-10/send`, {})

  await createLogin(admin, 'rva-worker', 'worker', { workerId: site.workerId })
  const asWorker = admin.as(await logIn(admin, 'rva-worker'))
  await createLogin(admin, 'rva-team', 'team_manager', { organisationId: site.subcontractorId })
  const asTeam = admin.as(await logIn(admin, 'rva-team'))

  await asWorker.post(`${P}/workers/${site.workerId}/payroll/2026-10/answer`, { decision: 'dispute', channel: 'app', note: '少算两天' })
  clock.advance(60_000)
  // The team manager (the employer's side) now "confirms" through the worker's own channel.
  const forged = await failure(asTeam.post(`${P}/workers/${site.workerId}/payroll/2026-10/answer`, { decision: 'confirm', channel: 'app' }))
  const sheet = await admin.get<{ counts: { confirmed: number; disputed: number }; lines: Array<{ answer: { decision: string; channel: string } }> }>(`${T}/2026-10`)
  t.match(forged, { status: 403, code: 'answer_channel_forbidden', details: { role: 'team_manager', channel: 'app' } }, 'a manager answering with the app channel is refused')
  t.match(
    await failure(asTeam.post(`${P}/workers/${site.workerId}/timesheets/2026-10/answer`, { decision: 'confirm', channel: 'kiosk' })),
    { status: 403, code: 'answer_channel_forbidden' },
    'the timesheet answer the same way',
  )
  t.same(sheet.counts, { confirmed: 0, disputed: 1, unanswered: 0 }, "the worker's own dispute still holds the line")
  t.equal(sheet.lines[0]!.answer.decision, 'dispute')

  // The paper the worker signed is recorded by the manager, and counts as the newest answer.
  await asTeam.post(`${P}/workers/${site.workerId}/payroll/2026-10/answer`, { decision: 'confirm', channel: 'paper', note: '纸质确认单已签字' })
  t.equal((await admin.get<{ lines: Array<{ answer: { decision: string; channel: string } }> }>(`${T}/2026-10`)).lines[0]!.answer.channel, 'paper')
})
