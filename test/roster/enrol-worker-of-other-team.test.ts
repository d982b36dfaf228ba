/**
 * (Found by review.) A team manager (班组长) of subcontractor B enrols a worker who has left subcontractor A's team on
 * the same project. The refusal was 409 enrolment_exists advising a return on details.enrolmentId: A's enrolment,
 * which answers B 404 (and whose return would put the worker back on A's team), its id and exit date handed to B. B
 * now hears that the worker's enrolment is another organisation's and who to ask, and nothing of that enrolment.
 * Moving a worker between teams of one project is not supported yet (one enrolment per project and worker).
 */
import t from 'tap'
import { cardNumber, creditCode, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

t.test("a team manager enrolling a worker of another organisation's team is told so, and sees nothing of that enrolment", async (t) => {
  const { api } = await startTestServer(t, { clock: { nowMs: () => Date.UTC(2026, 10, 6, 2) } })
  const site = await registerAccessSite(api, { tag: 'RV-MV1', regionCode: '330106', bankCode: '103331000011', seed: 6217 })
  const P = `/api/projects/${site.projectId}`
  const subB = await api.post<{ id: string }>('/api/organisations', { kind: 'subcontractor', name: '木工劳务 RV-MV1', creditCode: creditCode(new Rng(99)) })
  const teamB = await api.post<{ id: string }>(`${P}/teams`, { name: '木工班 RV-MV1', employerId: subB.id })
  const teamB2 = await api.post<{ id: string }>(`${P}/teams`, { name: '模板班 RV-MV1', employerId: subB.id })
  await api.post(`${P}/enrolments/${site.enrolmentId}/exit`, { exitDate: '2026-10-31', reason: '转到木工班' })

  await createLogin(api, 'tm.rvmv1', 'team_manager', { organisationId: subB.id })
  const tm = api.as(await logIn(api, 'tm.rvmv1'))
  const enrol = (teamId: string, workerId: string) => tm.post<{ id: string }>(`${P}/enrolments`, { workerId, teamId, dailyRate: '380.00', safetyTrained: true, entryDate: '2026-11-05' })
  const res = await failure(enrol(teamB.id, site.workerId))
  t.equal(res.status, 409)
  t.equal(res.code, 'enrolment_in_other_team')
  t.notOk(JSON.stringify(res.details ?? {}).includes(site.enrolmentId), "nothing of A's enrolment")
  t.notOk(JSON.stringify(res.details ?? {}).includes('2026-10-31'), 'not even its exit date')

  // A worker of B's own team, enrolled again by B: the enrolment is B's to see, and the refusal names it as before.
  const w = await api.post<{ id: string }>('/api/workers', { name: '钱七', idNumber: idNumber(new Rng(7), 6218), bankName: '工行', cardNo: cardNumber(6218) })
  const own = await enrol(teamB.id, w.id)
  const again = await failure(enrol(teamB2.id, w.id))
  t.equal(again.code, 'enrolment_exists')
  t.match(again.details, { enrolmentId: own.id })

  // The labour manager sees every team: told which enrolment, as before.
  const lm = await failure(api.post(`${P}/enrolments`, { workerId: site.workerId, teamId: teamB.id, dailyRate: '380.00', safetyTrained: true, entryDate: '2026-11-05' }))
  t.equal(lm.code, 'enrolment_exists')
  t.match(lm.details, { enrolmentId: site.enrolmentId })
})
