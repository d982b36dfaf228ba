/**
 * A return (再次进场) recorded with the wrong date could not be corrected, nor the exit before it once a return had
 * followed it: the entry date had its correction (POST …/entry) and the exit in force could be recorded again, but a
 * break's dates were fixed for good, and the days the wrong date put outside the enrolment (or inside it) could never
 * be paid (or stop being). Now POST …/return-date and POST …/exit-date correct them, with a required reason, kept
 * append-only (GET …/break-corrections; the exit in force as an exit, GET …/exits), the spells kept in order, and
 * confirmed months re-checked in the same transaction as for an entry or exit correction. (Found by review.)
 */
import t from 'tap'
import { cardNumber, creditCode, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { q } from '../../src/db/database.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'
import { reviewSite } from '../timesheets/helpers/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

interface Enrolment {
  id: string
  entryDate: string
  exitDate: string | null
  breaks: Array<{ exitDate: string; returnDate: string }>
}

t.test('a return dated wrong, and the exit before it, are corrected through the API', async (t) => {
  const clock = new ManualClock(Date.parse('2026-12-10T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const admin = server.api
  const site = await registerAccessSite(admin, { tag: 'RDC', regionCode: '330106', bankCode: '103331000011', seed: 95 })
  const P = `/api/projects/${site.projectId}`
  const E = `${P}/enrolments/${site.enrolmentId}`
  const present = (d: string) => admin.post(`${P}/workers/${site.workerId}/days/${d}/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })

  await admin.post(`${E}/exit`, { exitDate: '2026-09-20' })
  // Back on 5 October; recorded as the 8th.
  await admin.post(`${E}/return`, { returnDate: '2026-10-08' })
  t.match(await failure(present('2026-10-06')), { status: 400, code: 'date_outside_enrolment' }, 'a day worked after the real return is outside the enrolment')

  t.match(await failure(admin.post(`${E}/return-date`, { previousReturnDate: '2026-10-08', returnDate: '2026-10-05' })), { status: 400, code: 'validation_failed' }, 'a reason is required')
  t.match(
    await failure(admin.post(`${E}/return-date`, { previousReturnDate: '2026-10-09', returnDate: '2026-10-05', reason: '核对' })),
    { status: 404, code: 'return_not_found', details: { returnDate: '2026-10-09', returns: ['2026-10-08'] } },
    'a return that was never recorded',
  )
  t.match(await failure(admin.post(`${E}/return-date`, { previousReturnDate: '2026-10-08', returnDate: '2026-10-08', reason: '核对' })), { status: 400, code: 'validation_failed' }, 'the same date again')
  t.match(
    await failure(admin.post(`${E}/return-date`, { previousReturnDate: '2026-10-08', returnDate: '2026-09-20', reason: '核对' })),
    { status: 400, code: 'return_before_exit', details: { exitDate: '2026-09-20', returnDate: '2026-09-20' } },
    'not on or before the exit it follows',
  )

  const fixed = await admin.post<Enrolment>(`${E}/return-date`, { previousReturnDate: '2026-10-08', returnDate: '2026-10-05', reason: '10月5日已再次进场, 登记错' })
  t.match(fixed, { exitDate: null, breaks: [{ exitDate: '2026-09-20', returnDate: '2026-10-05' }] }, 'the break in force')
  t.match(await present('2026-10-06'), { kind: 'set_status' }, 'the day after the real return is within the enrolment')

  // A second spell ended and a second return: the first return stays before the exit that ends its spell.
  await admin.post(`${E}/exit`, { exitDate: '2026-10-31' })
  await admin.post(`${E}/return`, { returnDate: '2026-11-16' })
  t.match(
    await failure(admin.post(`${E}/return-date`, { previousReturnDate: '2026-10-05', returnDate: '2026-11-01', reason: '核对' })),
    { status: 400, code: 'exit_before_entry', details: { entryDate: '2026-11-01', exitDate: '2026-10-31' } },
    'a return moved past the exit that ends its spell',
  )

  // The exit before the first return: an earlier spell's, corrected in its break.
  t.match(await failure(admin.post(`${E}/exit-date`, { previousExitDate: '2026-09-20', exitDate: '2026-09-18' })), { status: 400, code: 'validation_failed' }, 'a reason is required')
  t.match(
    await failure(admin.post(`${E}/exit-date`, { previousExitDate: '2026-09-19', exitDate: '2026-09-18', reason: '核对' })),
    { status: 404, code: 'exit_not_found', details: { exitDate: '2026-09-19', exits: ['2026-09-20', '2026-10-31'] } },
    'an exit that was never recorded',
  )
  t.match(
    await failure(admin.post(`${E}/exit-date`, { previousExitDate: '2026-09-20', exitDate: '2026-10-05', reason: '核对' })),
    { status: 400, code: 'return_before_exit', details: { exitDate: '2026-10-05', returnDate: '2026-10-05' } },
    'not on or after the return that followed it',
  )
  t.match(
    await failure(admin.post(`${E}/exit-date`, { previousExitDate: '2026-09-20', exitDate: '2026-08-30', reason: '核对' })),
    { status: 400, code: 'exit_before_entry', details: { entryDate: '2026-09-01', exitDate: '2026-08-30' } },
    'not before the entry of its spell',
  )
  t.match(
    await failure(admin.post(`${E}/exit-date`, { previousExitDate: '2026-10-31', exitDate: '2026-10-03', reason: '核对' })),
    { status: 400, code: 'exit_before_entry', details: { entryDate: '2026-10-05', exitDate: '2026-10-03' } },
    "the second spell's exit: not before the return that began it",
  )
  const earlier = await admin.post<Enrolment>(`${E}/exit-date`, { previousExitDate: '2026-09-20', exitDate: '2026-09-18', reason: '9月18日已离场' })
  t.same(earlier.breaks, [{ exitDate: '2026-09-18', returnDate: '2026-10-05' }, { exitDate: '2026-10-31', returnDate: '2026-11-16' }], 'each break, the first corrected')
  t.match(await failure(present('2026-09-19')), { status: 400, code: 'date_outside_enrolment' }, 'the day after the corrected exit is away')

  // The exit in force is corrected as it is recorded: kept with the exits.
  await admin.post(`${E}/exit`, { exitDate: '2026-11-30' })
  const last = await admin.post<Enrolment>(`${E}/exit-date`, { previousExitDate: '2026-11-30', exitDate: '2026-11-28', reason: '11月28日离场' })
  t.equal(last.exitDate, '2026-11-28', 'the exit in force corrected')
  const exits = await admin.get<Array<{ exitDate: string; reason: string | null }>>(`${E}/exits`)
  t.match(exits.at(-1), { exitDate: '2026-11-28', reason: '11月28日离场' }, 'kept with the exits, with its reason')

  const history = await admin.get<Array<{ exitDate: string; returnDate: string; previousExitDate: string; previousReturnDate: string; reason: string; actor: string; at: string }>>(`${E}/break-corrections`)
  t.match(history, [
    { exitDate: '2026-09-20', returnDate: '2026-10-05', previousExitDate: '2026-09-20', previousReturnDate: '2026-10-08', reason: '10月5日已再次进场, 登记错' },
    { exitDate: '2026-09-18', returnDate: '2026-10-05', previousExitDate: '2026-09-20', previousReturnDate: '2026-10-05', reason: '9月18日已离场' },
  ], 'each correction kept, with the break it replaced')
  t.ok(history.every((h) => h.actor !== '' && h.at !== ''), 'and who made it, when')
  await t.rejects(server.services.db.run(q('UPDATE enrolment_break_corrections SET return_date = ?', '2026-10-01')), /append-only/, 'the history is append-only')
})

t.test('who may correct a return or an exit: as for a return', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-20T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const admin = server.api
  const site = await registerAccessSite(admin, { tag: 'RDA', regionCode: '330106', bankCode: '103331000011', seed: 96 })
  const P = `/api/projects/${site.projectId}`
  const rng = new Rng(97)
  const otherSub = await admin.post<{ id: string }>('/api/organisations', { kind: 'subcontractor', name: '另一劳务', creditCode: creditCode(rng) })
  const otherTeam = await admin.post<{ id: string }>(`${P}/teams`, { name: '木工班', employerId: otherSub.id })
  const otherWorker = await admin.post<{ id: string }>('/api/workers', { name: '李强', idNumber: idNumber(rng, 970), bankName: '农行', cardNo: cardNumber(970) })
  const other = await admin.post<{ id: string }>(`${P}/enrolments`, { workerId: otherWorker.id, teamId: otherTeam.id, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01' })
  for (const id of [site.enrolmentId, other.id]) {
    await admin.post(`${P}/enrolments/${id}/exit`, { exitDate: '2026-09-20' })
    await admin.post(`${P}/enrolments/${id}/return`, { returnDate: '2026-10-08' })
  }
  await createLogin(admin, 'tm.rda', 'team_manager', { organisationId: site.subcontractorId })
  await createLogin(admin, 'auditor.rda', 'auditor', { regionCode: '3301' })
  const tm = admin.as(await logIn(admin, 'tm.rda'))
  const auditor = admin.as(await logIn(admin, 'auditor.rda'))
  const fix = { previousReturnDate: '2026-10-08', returnDate: '2026-10-06', reason: '核对' }

  t.match(await failure(auditor.post(`${P}/enrolments/${site.enrolmentId}/return-date`, fix)), { status: 403, code: 'role_forbidden' }, 'an auditor changes nothing')
  t.match(await failure(tm.post(`${P}/enrolments/${other.id}/return-date`, fix)), { status: 404, code: 'enrolment_not_found' }, "another subcontractor's worker: as a missing enrolment")
  t.match(await failure(tm.post(`${P}/enrolments/${other.id}/exit-date`, { previousExitDate: '2026-09-20', exitDate: '2026-09-19', reason: '核对' })), { status: 404, code: 'enrolment_not_found' }, 'nor their exit')
  t.match(await tm.post<Enrolment>(`${P}/enrolments/${site.enrolmentId}/return-date`, fix), { breaks: [{ returnDate: '2026-10-06' }] }, 'a team manager, for their own team')
  t.equal((await auditor.get<unknown[]>(`${P}/enrolments/${site.enrolmentId}/break-corrections`)).length, 1, 'the auditor reads the history')
  t.match(await failure(tm.get(`${P}/enrolments/${site.enrolmentId}/break-corrections`)), { status: 403, code: 'role_forbidden' }, 'the history is the labour manager’s and the auditor’s')
})

t.test('a return corrected after the month was confirmed: the days it moved past become adjustments', async (t) => {
  const s = await reviewSite(t, { nowIso: '2026-10-05T12:00:00Z', entryDate: '2026-09-25' })
  const P = s.project.id
  const { enrolment } = await s.roster.enrolmentOf(P, s.worker.id)
  s.clock.set(Date.parse('2026-10-10T12:00:00Z')) // an exit or return is recorded once it has happened
  await s.timesheets.recordExit(P, enrolment.id, '2026-10-10')
  // Back on the 20th, recorded as the 22nd: the gate's punches of the 20th are stored as after the exit.
  s.clock.set(Date.parse('2026-10-20T12:00:00Z'))
  await s.punch('2026-10-20T07:00:00+08:00', 'in')
  await s.punch('2026-10-20T17:00:00+08:00', 'out')
  await s.inbox.idle()
  s.clock.set(Date.parse('2026-10-22T12:00:00Z'))
  await s.timesheets.recordReturn(P, enrolment.id, '2026-10-22', { actor: '王芳' })
  s.clock.set(Date.parse('2026-11-02T02:00:00Z'))
  await s.timesheets.confirmByManager(P, s.team.id, '2026-10', '王芳', null)
  t.equal((await s.timesheets.projectMonth(P, '2026-10')).get(s.worker.id)?.month.creditHalves ?? 0, 0, 'October confirmed without the 20th')

  const e = await s.timesheets.correctReturn(P, enrolment.id, '2026-10-22', '2026-10-20', { reason: '10月20日已再次进场', actor: '王芳' })
  t.same(e.breaks, [{ exitDate: '2026-10-10', returnDate: '2026-10-20' }])
  t.match(await s.timesheets.adjustmentsRecordedIn(P, '2026-11'), [{ workerId: s.worker.id, workDate: '2026-10-20', cause: 'recomputed', beforeHalves: 0, afterHalves: 2 }], 'the day now counted, carried into November')

  // The service keeps the spells in order as the route does: an exit moved onto the return that followed it is refused.
  await t.rejects(s.timesheets.correctExit(P, enrolment.id, '2026-10-10', '2026-10-20', { reason: '核对' }), { code: 'return_before_exit' })
  // An exit corrected into another month is settled by that month's deadline: the reconciliation clock visits it.
  await s.timesheets.correctExit(P, enrolment.id, '2026-10-10', '2026-09-30', { reason: '9月30日已离场', actor: '王芳' })
  t.same(await s.roster.exitMonths(P, '2026-09-01', '2026-09-30'), ['2026-09'], 'the month the exit was corrected into')
})
