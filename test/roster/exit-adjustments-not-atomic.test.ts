/**
 * (Found by review.) An exit (退场) recorded after a month was confirmed and the adjustments that take the days after
 * it back out of that month are one transaction: when writing an adjustment fails, the exit is not recorded either (the
 * client gets the failure and may try again). They were two commits: the exit stood, its adjustments never came (the
 * sweep looks only at punches received), and the confirmed month kept paying the days after the exit. Once the fault
 * is gone, the exit recorded again brings its adjustments.
 */
import t from 'tap'
import { sql } from 'drizzle-orm'
import { ManualClock } from '../../src/kernel/time.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { TEST_ENGINE } from '../helpers/database.ts'
import { failure, startTestServer } from '../helpers/server.ts'

t.test('an exit whose adjustments fail is not left half-applied', async (t) => {
  const clock = new ManualClock(Date.parse('2026-09-25T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const api = server.api
  const db = server.services.db
  const site = await registerAccessSite(api, { tag: 'RVX', regionCode: '330106', bankCode: '103331000011', seed: 82 })
  const P = `/api/projects/${site.projectId}`
  for (const d of ['2026-09-10', '2026-09-14', '2026-09-15']) {
    await api.post(`${P}/workers/${site.workerId}/days/${d}/corrections`, { kind: 'set_status', status: 'present', reason: '纸质考勤', author: '王芳' })
  }
  clock.set(Date.parse('2026-10-05T02:00:00Z'))
  await api.post(`${P}/teams/${site.teamId}/timesheets/2026-09/confirmation`, { confirmedBy: '王芳' })

  // The adjustment insert fails (a constraint the second write trips over), once.
  if (TEST_ENGINE === 'postgres') {
    await db.run(sql.raw(`CREATE FUNCTION review_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'review: adjustment refused'; END $$`))
    await db.run(sql.raw(`CREATE TRIGGER review_refuse BEFORE INSERT ON timesheet_adjustments FOR EACH ROW EXECUTE FUNCTION review_refuse()`))
  } else {
    await db.run(sql.raw(`CREATE TRIGGER review_refuse BEFORE INSERT ON timesheet_adjustments BEGIN SELECT RAISE(ABORT, 'review: adjustment refused'); END`))
  }
  const refused = await failure(api.post(`${P}/enrolments/${site.enrolmentId}/exit`, { exitDate: '2026-09-12', reason: '12日已离场, 14、15日考勤记错人' }))
  t.equal(refused.status, 500, 'the exit request failed')
  await db.run(sql.raw('DROP TRIGGER review_refuse' + (TEST_ENGINE === 'postgres' ? ' ON timesheet_adjustments' : '')))

  // Whatever repairs run after a failure.
  await server.services.timesheets.sweep()

  const exits = await api.get<unknown[]>(`${P}/enrolments/${site.enrolmentId}/exits`)
  const adjustments = await server.services.timesheets.adjustmentsRecordedIn(site.projectId, '2026-10')
  t.comment(`exits recorded: ${exits.length}, adjustments carried into October: ${adjustments.length}`)
  t.ok(exits.length === 0 || adjustments.length === 2, 'either the exit was not recorded, or its two adjustments (14 and 15 September) exist')
  const october = (await server.services.timesheets.projectMonth(site.projectId, '2026-10')).get(site.workerId)
  if (exits.length > 0) t.equal(october?.adjustmentHalves ?? 0, -4, 'the days after the exit are taken back from the pay')
  t.equal(exits.length, 0, 'the failed exit left nothing: one transaction')

  // The fault gone, the same exit is recorded with its adjustments.
  await api.post(`${P}/enrolments/${site.enrolmentId}/exit`, { exitDate: '2026-09-12', reason: '12日已离场, 14、15日考勤记错人' })
  t.equal((await api.get<unknown[]>(`${P}/enrolments/${site.enrolmentId}/exits`)).length, 1, 'the exit is recorded')
  t.equal((await server.services.timesheets.adjustmentsRecordedIn(site.projectId, '2026-10')).length, 2, 'with its two adjustments')
  const again = (await server.services.timesheets.projectMonth(site.projectId, '2026-10')).get(site.workerId)
  t.equal(again?.adjustmentHalves ?? 0, -4, 'the days after the exit are taken back from the pay')
})
