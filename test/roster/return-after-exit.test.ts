/**
 * A worker who exited (退场) and comes back for the next phase (再次进场) could not be enrolled again: the enrolment is
 * one per project and worker, and a second was refused 409 enrolment_exists, with nothing else to do. Now the return
 * is recorded on the enrolment (POST …/enrolments/{id}/return): a new spell, the days between the exit and the return
 * outside the enrolment, the exit kept as the end of the spell before; append-only history (GET …/returns). Roles as
 * for an exit: the labour manager, or a team manager for their own teams.
 */
import t from 'tap'
import { cardNumber, creditCode, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { q } from '../../src/db/database.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

interface Enrolment {
  id: string
  entryDate: string
  exitDate: string | null
  breaks: Array<{ exitDate: string; returnDate: string }>
}

t.test('a worker who exited returns on the same enrolment, through the API', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-20T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const admin = server.api
  const site = await registerAccessSite(admin, { tag: 'RET', regionCode: '330106', bankCode: '103331000011', seed: 91 })
  const P = `/api/projects/${site.projectId}`
  const E = `${P}/enrolments/${site.enrolmentId}`

  t.match(await failure(admin.post(`${E}/return`, { returnDate: '2026-10-01' })), { status: 409, code: 'enrolment_not_exited', details: { entryDate: '2026-09-01' } }, 'a worker on site has nothing to return from')
  await admin.post(`${E}/exit`, { exitDate: '2026-09-20' })

  const again = await failure(admin.post(`${P}/enrolments`, { workerId: site.workerId, teamId: site.teamId, dailyRate: '350.00', safetyTrained: true, entryDate: '2026-10-08' }))
  t.match(again, { status: 409, code: 'enrolment_exists', details: { enrolmentId: site.enrolmentId, exitDate: '2026-09-20' } }, 'enrolling again names the enrolment to record the return on')

  t.match(await failure(admin.post(`${E}/return`, { returnDate: '2026-09-15' })), { status: 400, code: 'return_before_exit', details: { exitDate: '2026-09-20', returnDate: '2026-09-15' } }, 'a return before the exit')
  t.match(await failure(admin.post(`${E}/return`, { returnDate: '2026-09-20' })), { status: 400, code: 'return_before_exit' }, 'or on its day')
  t.match(await failure(admin.post(`${E}/return`, { returnDate: '2026-10-8' })), { status: 400, code: 'validation_failed' }, 'a date as dates are written')
  t.match(await failure(admin.post(`${E}/return`, { returnDate: '2026-10-08', teamId: site.teamId })), { status: 400, code: 'validation_failed' }, 'no unknown property')

  const back = await admin.post<Enrolment>(`${E}/return`, { returnDate: '2026-10-08', reason: '二期主体结构' })
  t.match(back, { id: site.enrolmentId, entryDate: '2026-09-01', exitDate: null, breaks: [{ exitDate: '2026-09-20', returnDate: '2026-10-08' }] }, 'on site again, the break kept')
  const listed = await admin.get<Enrolment[]>(`${P}/enrolments`)
  t.match(listed.find((e) => e.id === site.enrolmentId), { exitDate: null, breaks: [{ exitDate: '2026-09-20', returnDate: '2026-10-08' }] }, 'the roster shows it')
  t.match(await failure(admin.post(`${E}/return`, { returnDate: '2026-10-09' })), { status: 409, code: 'enrolment_not_exited', details: { entryDate: '2026-10-08' } }, 'a second return needs a second exit')

  // The days between the exit and the return are outside the enrolment; those of either spell are not.
  const present = (d: string) => admin.post(`${P}/workers/${site.workerId}/days/${d}/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })
  t.match(await failure(present('2026-09-25')), { status: 400, code: 'date_outside_enrolment', details: { workDate: '2026-09-25', breaks: [{ exitDate: '2026-09-20', returnDate: '2026-10-08' }] } }, 'a day away')
  t.match(await present('2026-09-20'), { kind: 'set_status' }, 'the exit day is the first spell’s')
  t.match(await present('2026-10-08'), { kind: 'set_status' }, 'the return day is the second’s')

  // The next exit ends the new spell: not before the return.
  t.match(await failure(admin.post(`${E}/exit`, { exitDate: '2026-10-01' })), { status: 400, code: 'exit_before_entry', details: { entryDate: '2026-10-08', exitDate: '2026-10-01' } }, 'an exit before the return')
  await admin.post(`${E}/exit`, { exitDate: '2026-10-31' })
  // The entry date is the first spell's: it cannot move past the exit that ended it.
  t.match(await failure(admin.post(`${E}/entry`, { entryDate: '2026-09-25', reason: '核对' })), { status: 400, code: 'exit_before_entry', details: { exitDate: '2026-09-20' } })

  // A second return.
  const twice = await admin.post<Enrolment>(`${E}/return`, { returnDate: '2026-11-16' })
  t.same(twice.breaks, [{ exitDate: '2026-09-20', returnDate: '2026-10-08' }, { exitDate: '2026-10-31', returnDate: '2026-11-16' }], 'each break, oldest first')
  t.equal(twice.exitDate, null)
  t.match(await failure(present('2026-11-10')), { status: 400, code: 'date_outside_enrolment' }, 'the second break is outside too')
  t.match(await present('2026-11-16'), { kind: 'set_status' })

  const history = await admin.get<Array<{ returnDate: string; exitDate: string; reason: string | null; actor: string; at: string }>>(`${E}/returns`)
  t.match(history, [
    { returnDate: '2026-10-08', exitDate: '2026-09-20', reason: '二期主体结构' },
    { returnDate: '2026-11-16', exitDate: '2026-10-31', reason: null },
  ], 'kept, with the exit each followed')
  t.ok(history.every((h) => h.actor !== '' && h.at !== ''), 'and who recorded it, when')
  const exits = await admin.get<Array<{ exitDate: string }>>(`${E}/exits`)
  t.same(exits.map((x) => x.exitDate), ['2026-09-20', '2026-10-31'], 'every exit still listed')

  // Append-only: the database refuses to rewrite the history.
  await t.rejects(server.services.db.run(q('UPDATE enrolment_returns SET return_date = ?', '2026-10-01')), /append-only/)
})

t.test('who may record a return: as for an exit', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-20T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const admin = server.api
  const site = await registerAccessSite(admin, { tag: 'RTR', regionCode: '330106', bankCode: '103331000011', seed: 92 })
  const P = `/api/projects/${site.projectId}`
  const rng = new Rng(93)
  const otherSub = await admin.post<{ id: string }>('/api/organisations', { kind: 'subcontractor', name: '另一劳务', creditCode: creditCode(rng) })
  const otherTeam = await admin.post<{ id: string }>(`${P}/teams`, { name: '木工班', employerId: otherSub.id })
  const otherWorker = await admin.post<{ id: string }>('/api/workers', { name: '李强', idNumber: idNumber(rng, 930), bankName: '农行', cardNo: cardNumber(930) })
  const other = await admin.post<{ id: string }>(`${P}/enrolments`, { workerId: otherWorker.id, teamId: otherTeam.id, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01' })
  for (const id of [site.enrolmentId, other.id]) await admin.post(`${P}/enrolments/${id}/exit`, { exitDate: '2026-09-20' })

  await createLogin(admin, 'lm.rtr', 'labour_manager', { organisationId: site.generalContractorId })
  await createLogin(admin, 'tm.rtr', 'team_manager', { organisationId: site.subcontractorId })
  await createLogin(admin, 'auditor.rtr', 'auditor', { regionCode: '3301' })
  const lm = admin.as(await logIn(admin, 'lm.rtr'))
  const tm = admin.as(await logIn(admin, 'tm.rtr'))
  const auditor = admin.as(await logIn(admin, 'auditor.rtr'))

  t.match(await failure(auditor.post(`${P}/enrolments/${site.enrolmentId}/return`, { returnDate: '2026-10-08' })), { status: 403, code: 'role_forbidden' }, 'an auditor changes nothing')
  const denied = await failure(tm.post(`${P}/enrolments/${other.id}/return`, { returnDate: '2026-10-08' }))
  t.match(denied, { status: 404, code: 'enrolment_not_found' }, "another subcontractor's worker: as a missing enrolment")
  t.match(await tm.post<Enrolment>(`${P}/enrolments/${site.enrolmentId}/return`, { returnDate: '2026-10-08' }), { exitDate: null }, 'a team manager, for their own team')
  t.match(await lm.post<Enrolment>(`${P}/enrolments/${other.id}/return`, { returnDate: '2026-10-09' }), { exitDate: null }, 'the labour manager, for any team')
  t.equal((await auditor.get<unknown[]>(`${P}/enrolments/${other.id}/returns`)).length, 1, 'the auditor reads the history')
  t.match(await failure(tm.get(`${P}/enrolments/${site.enrolmentId}/returns`)), { status: 403, code: 'role_forbidden' }, 'the history is the labour manager’s and the auditor’s, as the exits’')
})
