/**
 * Paging cursors of a team manager's lists. (Found by review.)
 *
 * A team manager's lists of a project's teams and roster (花名册) hold their own organisation's teams only. An `after`
 * naming another organisation's team (or enrolment) on the same project was taken as a place in the list and answered
 * a page, while an id that exists nowhere answered 400 cursor_not_found: the answer told whether the other
 * organisation's id exists. Both are now what the README says, "no item of the list": cursor_not_found. On either
 * engine.
 */
import t from 'tap'
import { cardNumber, creditCode, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

const MISSING = '01900000-0000-7000-8000-000000000000'

t.test("another organisation's team or enrolment as a cursor answers as an id that does not exist", async (t) => {
  const { api } = await startTestServer(t)
  const site = await registerAccessSite(api, { tag: 'CUR', regionCode: '330106', bankCode: '103331000011', seed: 1091 })
  const rng = new Rng(1092)
  const other = await api.post<{ id: string }>('/api/organisations', { kind: 'subcontractor', name: '另一劳务分包 CUR', creditCode: creditCode(rng) })
  const theirTeam = await api.post<{ id: string }>(`/api/projects/${site.projectId}/teams`, { name: '木工班 CUR', employerId: other.id })
  const theirWorker = await api.post<{ id: string }>('/api/workers', { name: '李强', idNumber: idNumber(rng, 1093), bankName: '建行', cardNo: cardNumber(1093) })
  const theirEnrolment = await api.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, {
    workerId: theirWorker.id,
    teamId: theirTeam.id,
    dailyRate: '300.00',
    safetyTrained: true,
    entryDate: '2026-09-01',
  })
  await createLogin(api, 'tm.cur', 'team_manager', { organisationId: site.subcontractorId })
  const tm = api.as(await logIn(api, 'tm.cur'))

  const teams = (after: string) => tm.get(`/api/projects/${site.projectId}/teams?after=${after}`)
  const roster = (after: string) => tm.get(`/api/projects/${site.projectId}/enrolments?after=${after}`)

  t.same((await tm.get<Array<{ id: string }>>(`/api/projects/${site.projectId}/teams`)).map((x) => x.id), [site.teamId], 'their own team only')
  t.same(await failure(teams(MISSING)), { status: 400, code: 'cursor_not_found', details: { after: MISSING } }, 'a team that does not exist')
  t.same(await failure(teams(theirTeam.id)), { status: 400, code: 'cursor_not_found', details: { after: theirTeam.id } }, "another organisation's team: the same answer")
  t.same(await failure(roster(MISSING)), { status: 400, code: 'cursor_not_found', details: { after: MISSING } }, 'an enrolment that does not exist')
  t.same(await failure(roster(theirEnrolment.id)), { status: 400, code: 'cursor_not_found', details: { after: theirEnrolment.id } }, "another organisation's enrolment: the same answer")

  // Their own cursors still page, and the labour manager (the whole project) still pages past any team.
  t.same(await tm.get(`/api/projects/${site.projectId}/teams?after=${site.teamId}`), [])
  t.same(await tm.get(`/api/projects/${site.projectId}/enrolments?after=${site.enrolmentId}`), [])
  const all = await api.get<Array<{ id: string }>>(`/api/projects/${site.projectId}/teams`)
  t.equal(all.length, 2)
  t.same((await api.get<Array<{ id: string }>>(`/api/projects/${site.projectId}/teams?after=${all[0]!.id}`)).map((x) => x.id), [all[1]!.id])
})
