/**
 * (Found by review.) A day before the enrolment's entry date (进场日期) can be neither credited nor corrected: gate
 * punches there are punch_before_entry, and a correction is refused 400 date_outside_enrolment, which advises
 * correcting the enrolment dates first. Nothing could change an entry date (only the exit had a route), so a worker
 * entered with the wrong date could never be paid for the days before it. Now POST …/enrolments/{id}/entry corrects
 * it: append-only history (the date replaced, author, time, a required reason, GET …/entries), and the worker's
 * confirmed months are re-checked in the same transaction, as for an exit: a day now counted becomes an adjustment.
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { reviewSite } from '../timesheets/helpers/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

interface OpenApi {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>>
}

t.test('an entry date entered wrong can be corrected, as the refusal advises', async (t) => {
  const clock = new ManualClock(Date.parse('2026-09-20T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const api = server.api
  // Enrolled with entry date 2026-09-01; the worker in fact started on 28 August.
  const site = await registerAccessSite(api, { tag: 'RVE', regionCode: '330106', bankCode: '103331000011', seed: 83 })
  const P = `/api/projects/${site.projectId}`
  const refused = await failure(api.post(`${P}/workers/${site.workerId}/days/2026-08-28/corrections`, { kind: 'set_status', status: 'present', reason: '8月28日已进场, 花名册进场日期填错', author: '王芳' }))
  t.match(refused, { status: 400, code: 'date_outside_enrolment', details: { entryDate: '2026-09-01' } })

  // Whatever its path, some operation on an existing enrolment takes an entry date (the exit has one for the exit date).
  const doc = await api.get<OpenApi>('/docs/json')
  const takesEntryDate = Object.entries(doc.paths)
    .filter(([path]) => /\/enrolments\/\{enrolmentId\}/.test(path))
    .flatMap(([, ops]) => Object.values(ops))
    .some((op) => Object.values(op.requestBody?.content ?? {}).some((c) => c.schema?.properties?.entryDate !== undefined))
  t.ok(takesEntryDate, 'an enrolment entered with the wrong entry date can have it corrected')
})

t.test('the entry date corrected: the days before the old one can be corrected, and the change is kept', async (t) => {
  const clock = new ManualClock(Date.parse('2026-09-20T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const api = server.api
  const site = await registerAccessSite(api, { tag: 'RVG', regionCode: '330106', bankCode: '103331000011', seed: 84 })
  const P = `/api/projects/${site.projectId}`
  t.match(await failure(api.post(`${P}/enrolments/${site.enrolmentId}/entry`, { entryDate: '2026-08-28' })), { status: 400, code: 'validation_failed' }, 'a reason is required')
  t.match(await failure(api.post(`${P}/enrolments/${site.enrolmentId}/entry`, { entryDate: '2026-09-01', reason: '核对' })), { status: 400, code: 'validation_failed' }, 'the same date again is no correction')
  const e = await api.post<{ entryDate: string }>(`${P}/enrolments/${site.enrolmentId}/entry`, { entryDate: '2026-08-28', reason: '8月28日已进场, 花名册进场日期填错' })
  t.equal(e.entryDate, '2026-08-28', 'the entry date in force')
  const c = await api.post<{ kind: string }>(`${P}/workers/${site.workerId}/days/2026-08-28/corrections`, { kind: 'set_status', status: 'present', reason: '8月28日已进场', author: '王芳' })
  t.equal(c.kind, 'set_status', 'the day before the old entry date can now be corrected')
  const history = await api.get<Array<{ entryDate: string; previousEntryDate: string; reason: string; actor: string }>>(`${P}/enrolments/${site.enrolmentId}/entries`)
  t.match(history, [{ entryDate: '2026-08-28', previousEntryDate: '2026-09-01', reason: '8月28日已进场, 花名册进场日期填错' }], 'kept with the date it replaced and the reason')
  t.ok(history[0]?.actor, 'and who made it')

  await api.post(`${P}/enrolments/${site.enrolmentId}/exit`, { exitDate: '2026-09-10' })
  t.match(await failure(api.post(`${P}/enrolments/${site.enrolmentId}/entry`, { entryDate: '2026-09-11', reason: '核对' })), { status: 400, code: 'exit_before_entry' }, 'not after the exit')
})

t.test('an entry date moved into a confirmed month adjusts it, as an exit does', async (t) => {
  const s = await reviewSite(t, { nowIso: '2026-09-20T02:00:00Z', entryDate: '2026-09-01' })
  const { enrolment } = await s.roster.enrolmentOf(s.project.id, s.worker.id)
  // A workmate entered in August, so the team has an August to confirm.
  const mate = await s.roster.createWorker({ name: '李四', idNumber: idNumber(new Rng(8), 2), bankName: '农行', cardNo: cardNumber(2) })
  await s.roster.enrol(s.project.id, { workerId: mate.id, teamId: s.team.id, deviceUserId: 'W2', dailyRate: '300.00', safetyTrained: true, entryDate: '2026-08-01' })
  await s.timesheets.addCorrection(s.project.id, mate.id, '2026-08-27', { kind: 'set_status', status: 'present', reason: '纸质考勤', author: '王芳' })
  // The gate saw the worker on 28 August, before the entry date as entered: not counted, and August is confirmed so.
  await s.punch('2026-08-28T07:00:00+08:00', 'in')
  await s.punch('2026-08-28T17:00:00+08:00', 'out')
  await s.inbox.idle()
  await s.timesheets.confirmByManager(s.project.id, s.team.id, '2026-08', '王芳', null)
  const e = await s.timesheets.correctEntry(s.project.id, enrolment.id, '2026-08-28', { reason: '8月28日已进场, 花名册进场日期填错', actor: '王芳' })
  t.equal(e.entryDate, '2026-08-28')
  const adjustments = await s.timesheets.adjustmentsRecordedIn(s.project.id, '2026-09')
  t.match(adjustments, [{ workDate: '2026-08-28', cause: 'recomputed', beforeHalves: 0, afterHalves: 2 }], 'the day now counted is an adjustment carried into September')
  t.equal((await s.timesheets.projectMonth(s.project.id, '2026-09')).get(s.worker.id)?.adjustmentHalves, 2, 'and paid with it')
})
