/**
 * Payroll sheets over HTTP, through the real service on the run's engine: a team's confirmed month made into a sheet,
 * sent, answered by the workers (one dispute), submitted, approved; the 409s of each wrong step; a new version after
 * approval; a withdrawal; the project's and the worker's reads; approvedForMonth and settle; and an adjustment to a
 * confirmed month carried into the next month's sheet.
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { fen } from '../../src/kernel/money.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

interface Line {
  lineId: string
  workerId: string
  name: string
  idNumberMasked: string
  cardMasked: string
  dayHalves: number
  adjustmentHalves: number
  payableFen: number
  deductionsFen: number
  unappliedFen: number
  netFen: number
  payable: Array<{ kind: string; amountFen: number; rateFen?: number; workDate?: string }>
  rates: Array<{ termsKind: string; rateFen: number }>
  termsSource: string
  minimumWage: unknown
  answer: { decision: string; channel: string; note: string | null } | null
}
interface Sheet {
  sheetId: string
  version: number
  versions: number
  supersedesId: string | null
  state: string
  payDate: string
  totals: { workerCount: number; payableFen: number; deductionsFen: number; netFen: number; netYuan: string }
  counts: { confirmed: number; disputed: number; unanswered: number }
  events: Array<{ seq: number; state: string; actor: string; reason: string | null }>
  lines: Line[]
}

t.test('make, send, answer, submit, approve, a new version, withdraw, settle', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const admin = server.api
  const site = await registerAccessSite(admin, { tag: 'PS1', regionCode: '330106', bankCode: '103331000011', seed: 41 })
  const P = `/api/projects/${site.projectId}`
  const T = `${P}/teams/${site.teamId}/payroll-sheets`
  const rng = new Rng(7)

  // Two more workers on the team: 300 and 420 a day.
  const workers = [site.workerId]
  for (const [i, rate] of [
    [1, '300.00'],
    [2, '420.00'],
  ] as const) {
    const w = await admin.post<{ id: string }>('/api/workers', { name: `工人${i}`, idNumber: idNumber(rng, 500 + i), bankName: '建行', cardNo: cardNumber(500 + i) })
    await admin.post(`${P}/enrolments`, { workerId: w.id, teamId: site.teamId, dailyRate: rate, safetyTrained: true, entryDate: '2026-09-01', deviceUserId: `W-PS1-${i}` })
    workers.push(w.id)
  }
  const [a, b, c] = workers as [string, string, string]
  const present = (w: string, date: string) => admin.post(`${P}/workers/${w}/days/${date}/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })
  for (const d of ['2026-10-12', '2026-10-13', '2026-10-14']) for (const w of workers) await present(w, d)

  t.match(await failure(admin.post(`${T}/2026-10`, {})), { status: 409, code: 'timesheet_not_confirmed' }, 'no sheet before the month is confirmed')
  await admin.post(`${P}/teams/${site.teamId}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员' })
  // A day added to the confirmed month: carried into November as an adjustment.
  await present(a, '2026-10-15')

  const v1 = await admin.post<Sheet>(`${T}/2026-10`, { reason: '十月工资' })
  t.match(v1, { version: 1, versions: 1, state: 'draft', supersedesId: null, payDate: '2026-11-10' })
  t.equal(v1.lines.length, 3)
  const byWorker = new Map(v1.lines.map((l) => [l.workerId, l]))
  t.match(byWorker.get(a), { dayHalves: 6, payableFen: 105_000, netFen: 105_000, rates: [{ termsKind: 'daily', rateFen: 35_000 }], adjustmentHalves: 0, answer: null })
  t.match(byWorker.get(b), { payableFen: 90_000 })
  t.match(byWorker.get(c), { payableFen: 126_000 })
  t.same(v1.totals.payableFen, 105_000 + 90_000 + 126_000, 'totals are the sums of the lines')
  t.equal(v1.totals.netFen, v1.lines.reduce((n, l) => n + l.netFen, 0))
  t.equal(v1.totals.netYuan, '3210.00')
  const text = JSON.stringify(v1)
  t.notOk(text.includes(cardNumber(501)) || text.includes(cardNumber(41)), 'no card number in clear')
  t.ok(v1.lines.every((l) => l.cardMasked.startsWith('****') && l.idNumberMasked.includes('*')), 'ID and card masked')
  t.match(v1.events, [{ seq: 1, state: 'draft', reason: '十月工资' }])

  t.match(await failure(admin.post(`${T}/2026-10`, {})), { status: 409, code: 'payroll_sheet_exists', details: { version: 1, state: 'draft' } })
  t.match(await failure(admin.post(`${T}/2026-10/submit`, {})), { status: 409, code: 'payroll_sheet_state', details: { state: 'draft', allowedFrom: ['sent'] } })
  t.match(await failure(admin.post(`${P}/workers/${a}/payroll/2026-10/answer`, { decision: 'confirm', channel: 'paper' })), { status: 404, code: 'payroll_line_not_found' }, 'a draft is not answered')

  t.match(await admin.post<Sheet>(`${T}/2026-10/send`, {}), { state: 'sent' })

  // Worker a answers with their own login; b disputes (a note is required); a manager records c's paper answer, then c changes it.
  await createLogin(admin, 'ps1-worker-a', 'worker', { workerId: a })
  const asA = admin.as(await logIn(admin, 'ps1-worker-a'))
  t.match(await asA.post(`${P}/workers/${a}/payroll/2026-10/answer`, { decision: 'confirm', channel: 'app' }), { decision: 'confirm', channel: 'app', sheetId: v1.sheetId })
  t.match(await failure(asA.post(`${P}/workers/${b}/payroll/2026-10/answer`, { decision: 'confirm', channel: 'app' })), { status: 404 }, "a worker cannot answer another's line")
  t.match(await failure(admin.post(`${P}/workers/${b}/payroll/2026-10/answer`, { decision: 'dispute', channel: 'paper' })), { code: 'correction_invalid' }, 'a dispute needs a note')
  await admin.post(`${P}/workers/${b}/payroll/2026-10/answer`, { decision: 'dispute', channel: 'paper', note: '少算一天' })
  await admin.post(`${P}/workers/${c}/payroll/2026-10/answer`, { decision: 'confirm', channel: 'paper', note: '纸质签字' })
  clock.advance(1_000)
  await admin.post(`${P}/workers/${c}/payroll/2026-10/answer`, { decision: 'dispute', channel: 'paper', note: '改为异议' })
  clock.advance(1_000)
  await admin.post(`${P}/workers/${c}/payroll/2026-10/answer`, { decision: 'confirm', channel: 'paper', note: '核对无误' })

  const sent = await admin.get<Sheet>(`${T}/2026-10`)
  t.same(sent.counts, { confirmed: 2, disputed: 1, unanswered: 0 }, 'the newest answer counts')
  t.match(new Map(sent.lines.map((l) => [l.workerId, l])).get(b), { answer: { decision: 'dispute', channel: 'paper', note: '少算一天' } })

  t.match(await failure(admin.post(`${T}/2026-10/approve`, {})), { status: 409, code: 'payroll_sheet_state', details: { state: 'sent', allowedFrom: ['submitted'] } })
  t.match(await admin.post<Sheet>(`${T}/2026-10/submit`, {}), { state: 'submitted' })
  const approved = await admin.post<Sheet>(`${T}/2026-10/approve`, { reason: '审核通过' })
  t.match(approved, { state: 'approved', counts: { confirmed: 2, disputed: 1, unanswered: 0 } }, 'approved with a disputed line held, and the reply says so')
  t.same(
    approved.events.map((e) => e.state),
    ['draft', 'sent', 'submitted', 'approved'],
  )
  t.match(await failure(admin.post(`${T}/2026-10/withdraw`, { reason: '错了' })), { status: 409, code: 'payroll_sheet_state', details: { state: 'approved', allowedFrom: ['draft', 'sent', 'submitted'] } })

  const inForce = await server.services.sheets.approvedForMonth(site.projectId, '2026-10')
  t.match(inForce, [{ teamId: site.teamId, sheetId: v1.sheetId, version: 1, state: 'approved', netFen: 321_000, superseded: false }])
  t.match(new Map(inForce[0]!.lines.map((l) => [l.workerId, l])).get(b), { answer: 'dispute', netFen: 90_000, dayHalves: 6 })

  // A change after approval is a new version: the approved one is superseded, and stays in force until the new one is approved.
  const v2 = await admin.post<Sheet>(`${T}/2026-10`, { reason: '补录' })
  t.match(v2, { version: 2, versions: 2, supersedesId: v1.sheetId, state: 'draft' })
  const old = await admin.get<Sheet>(`${T}/2026-10?version=1`)
  t.equal(old.state, 'superseded')
  t.match((await server.services.sheets.approvedForMonth(site.projectId, '2026-10'))[0], { sheetId: v1.sheetId, state: 'approved', superseded: true })
  t.match(await failure(admin.get(`${T}/2026-10?version=9`)), { status: 404, code: 'payroll_sheet_not_found', details: { version: 9 } }, 'the version asked for, named')

  t.match(await failure(admin.post(`${T}/2026-10/withdraw`, {})), { status: 400 }, 'a withdrawal needs a reason')
  t.match(await admin.post<Sheet>(`${T}/2026-10/withdraw`, { reason: '重新核算' }), { state: 'withdrawn' })
  t.equal((await admin.get<Sheet>(`${T}/2026-10?version=1`)).state, 'approved', 'the correction withdrawn, version 1 is in force again')
  const v3 = await admin.post<Sheet>(`${T}/2026-10`, {})
  t.match(v3, { version: 3, supersedesId: v1.sheetId, state: 'draft' }, 'and the next correction supersedes it')

  // The project's month: per team, the newest sheet; a team manager of the team sees it too.
  const summary = await admin.get<{ teams: Array<{ teamId: string; sheet: { version: number; state: string; counts: unknown } | null }> }>(`${P}/payroll-sheets?month=2026-10`)
  // Version 3's lines have version 1's figures: each keeps the answer given on version 1 (carried, answers-in-effect.ts).
  t.match(
    summary.teams,
    [{ teamId: site.teamId, sheet: { version: 3, state: 'draft', counts: { confirmed: 2, disputed: 1, unanswered: 0 } } }],
    'the unchanged lines keep their answers from version 1',
  )
  await createLogin(admin, 'ps1-team', 'team_manager', { organisationId: site.subcontractorId })
  const asTeam = admin.as(await logIn(admin, 'ps1-team'))
  t.equal((await asTeam.get<{ teams: unknown[] }>(`${P}/payroll-sheets?month=2026-10`)).teams.length, 1)
  t.match(await failure(asA.get(`${T}/2026-10`)), { status: 403, code: 'role_forbidden' }, 'a worker reads only their own line')

  // The worker's own lines: every version sent to the workers (v1 only: v2 was withdrawn as a draft, v3 is a draft).
  const own = await asA.get<{ lines: Array<{ version: number; state: string; netFen: number; answer: { decision: string } | null; cardMasked: string }> }>(`${P}/workers/${a}/payroll/2026-10`)
  t.match(own.lines, [{ version: 1, state: 'superseded', netFen: 105_000, answer: { decision: 'confirm' } }])

  // v3 through to settled, by the instruction service's step and reconciliation's.
  for (const step of ['send', 'submit', 'approve']) await admin.post(`${T}/2026-10/${step}`, {})
  t.match((await server.services.sheets.approvedForMonth(site.projectId, '2026-10'))[0], { sheetId: v3.sheetId, version: 3, superseded: false })
  await t.rejects(server.services.sheets.settle(v3.sheetId, 'reconciliation', 'all paid'), { code: 'payroll_sheet_state' }, 'not instructed yet')
  await server.services.sheets.instruct(v3.sheetId, 'instructions', 'pain.001 file 1')
  await server.services.sheets.settle(v3.sheetId, 'reconciliation', 'all paid')
  await server.services.sheets.settle(v3.sheetId, 'reconciliation', 'all paid again')
  const settled = await admin.get<Sheet>(`${T}/2026-10`)
  t.same(
    settled.events.map((e) => e.state),
    ['draft', 'sent', 'submitted', 'approved', 'instructed', 'settled'],
    'settling twice records it once',
  )
  t.match((await server.services.sheets.approvedForMonth(site.projectId, '2026-10'))[0], { state: 'settled' })

  // November: a rise for a from the 1st; the October day added after confirmation is carried in at October's rate.
  clock.set(Date.parse('2026-12-02T02:00:00Z'))
  await present(a, '2026-11-03')
  await present(b, '2026-11-03')
  await server.services.payInputs.recordTerms(site.projectId, a, { effectiveFrom: '2026-11-01', terms: { kind: 'daily', dailyRateFen: fen(40_000) }, reason: '涨薪' }, '劳资员')
  await server.services.payInputs.enterPayItem(site.projectId, b, { period: '2026-11', side: 'deduction', reason: 'advance', amountFen: 100_000 }, '劳资员')
  await admin.post(`${P}/teams/${site.teamId}/timesheets/2026-11/confirmation`, { confirmedBy: '劳资员' })
  const nov = await admin.post<Sheet>(`${T}/2026-11`, {})
  const novA = nov.lines.find((l) => l.workerId === a)!
  t.match(novA, { dayHalves: 2, adjustmentHalves: 2, payableFen: 75_000, rates: [{ termsKind: 'daily', rateFen: 40_000 }] })
  t.match(
    novA.payable.find((i) => i.kind === 'adjustment'),
    { workDate: '2026-10-15', rateFen: 35_000, amountFen: 35_000 },
    'the adjustment at the rate of its own date, not the rise',
  )
  t.match(
    nov.lines.find((l) => l.workerId === b),
    { payableFen: 30_000, deductionsFen: 30_000, netFen: 0, unappliedFen: 70_000 },
    'an advance larger than the pay stops at zero net; the rest is unapplied',
  )
  t.equal(nov.totals.netFen, 75_000)
  t.equal(nov.lines.length, 2, 'only workers with days or adjustments in the month')
})

t.test('the worker routes refuse what is not theirs; unknown months and teams', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const site = await registerAccessSite(server.api, { tag: 'PS2', regionCode: '330106', bankCode: '103331000011', seed: 42 })
  const P = `/api/projects/${site.projectId}`
  t.match(await failure(server.api.get(`${P}/teams/${site.teamId}/payroll-sheets/2026-10`)), { status: 404, code: 'payroll_sheet_not_found' })
  t.same((await server.api.get<{ lines: unknown[] }>(`${P}/workers/${site.workerId}/payroll/2026-10`)).lines, [])
  t.match(await failure(server.api.post(`${P}/teams/${site.teamId}/payroll-sheets/2026-10/send`, {})), { status: 404, code: 'payroll_sheet_not_found' })
  // Asked for no version, the refusal speaks of none: it said "No payroll sheet of this team and month has this version".
  const unasked = (await (await server.api.fetch(`${P}/teams/${site.teamId}/payroll-sheets/2026-10`)).json()) as { error: { message: string; details: Record<string, unknown> } }
  t.notMatch(unasked.error.message, /has this version/, 'no version was asked for')
  t.match(unasked.error.message, /none made yet/, 'the message fits a month without a sheet')
  t.notOk('version' in unasked.error.details, 'and the details name none')
  t.match(await failure(server.api.post(`${P}/teams/nope/payroll-sheets/2026-10`, {})), { status: 404 })
})

t.test("every team's sheet at once: the ready ones made together, the others skipped with their own make's answer", async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const admin = server.api
  const site = await registerAccessSite(admin, { tag: 'PS3', regionCode: '330106', bankCode: '103331000011', seed: 44 })
  const P = `/api/projects/${site.projectId}`
  const rng = new Rng(11)
  const teamOf = async (name: string) => (await admin.post<{ id: string }>(`${P}/teams`, { name, employerId: site.subcontractorId })).id
  const [ready, unconfirmed] = [await teamOf('木工班'), await teamOf('泥工班')]
  for (const [i, teamId] of [
    [1, ready],
    [2, unconfirmed],
  ] as const) {
    const w = await admin.post<{ id: string }>('/api/workers', { name: `工人${i}`, idNumber: idNumber(rng, 700 + i), bankName: '建行', cardNo: cardNumber(700 + i) })
    await admin.post(`${P}/enrolments`, { workerId: w.id, teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: `W-PS3-${i}` })
    await admin.post(`${P}/workers/${w.id}/days/2026-10-12/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })
  }
  await admin.post(`${P}/workers/${site.workerId}/days/2026-10-12/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })
  for (const teamId of [site.teamId, ready]) await admin.post(`${P}/teams/${teamId}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员' })
  // The site's own team already has a draft: making all must not make it twice.
  const draft = await admin.post<Sheet>(`${P}/teams/${site.teamId}/payroll-sheets/2026-10`, {})

  interface Made {
    made: number
    skipped: number
    teams: Array<{ teamId: string; sheet: { sheetId: string; version: number; workerCount: number; netFen: number; netYuan: string } | null; skipped: { code: string; details: Record<string, unknown> } | null }>
  }
  const all = await admin.post<Made>(`${P}/payroll-sheets`, { month: '2026-10', reason: '十月全部班组' })
  const of = (teamId: string) => all.teams.find((x) => x.teamId === teamId)
  t.match(all, { made: 1, skipped: 2 })
  t.match(of(ready), { sheet: { version: 1, workerCount: 1, netFen: 30_000, netYuan: '300.00' }, skipped: null })
  t.match(of(site.teamId), { sheet: null, skipped: { code: 'payroll_sheet_exists', details: { sheetId: draft.sheetId, state: 'draft' } } })
  t.match(of(unconfirmed), { sheet: null, skipped: { code: 'timesheet_not_confirmed' } })
  const stored = await admin.get<Sheet>(`${P}/teams/${ready}/payroll-sheets/2026-10`)
  t.match(stored, { sheetId: of(ready)?.sheet?.sheetId, state: 'draft', totals: { netFen: 30_000 }, events: [{ seq: 1, state: 'draft', reason: '十月全部班组' }] })

  const again = await admin.post<Made>(`${P}/payroll-sheets`, { month: '2026-10' })
  t.match(again, { made: 0, skipped: 3 }, 'a second run makes nothing twice')

  await createLogin(admin, 'ps3-team', 'team_manager', { organisationId: site.subcontractorId })
  const asTeam = admin.as(await logIn(admin, 'ps3-team'))
  t.match(await failure(asTeam.post(`${P}/payroll-sheets`, { month: '2026-10' })), { status: 403, code: 'role_forbidden' }, "making the whole project's sheets is the general contractor's")
  t.match(await failure(admin.post(`${P}/payroll-sheets`, { month: '2026-13' })), { status: 400 })
})
