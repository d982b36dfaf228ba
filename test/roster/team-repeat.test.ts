/**
 * Adding a team again is safe, as registering an organisation or a worker again is: the same name for the same
 * subcontractor answers 200 with the team already there, so a client that lost the reply gets its id back. The name
 * held by another subcontractor's team is refused, 409 team_name_exists naming that team. (Found by review: a repeat
 * answered 409 where every other repeat answers 200.)
 */
import t from 'tap'
import { creditCode } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { failure, startTestServer } from '../helpers/server.ts'

const rng = new Rng(7)

t.test('a repeated team creation answers the team already there (Found by review.)', async (t) => {
  const { api } = await startTestServer(t)
  const org = (kind: string, name: string) => api.post<{ id: string }>('/api/organisations', { kind, name, creditCode: creditCode(rng) })
  const cu = await org('construction_unit', '建设单位')
  const gc = await org('general_contractor', '总包')
  const sub = await org('subcontractor', '劳务一')
  const otherSub = await org('subcontractor', '劳务二')
  const project = await api.post<{ id: string }>('/api/projects', { siteCode: 'S-TEAM', name: '工程', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '19045101040012345', name: '专户' } })
  const post = (body: unknown) => api.fetch(`/api/projects/${project.id}/teams`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

  const first = await post({ name: '钢筋班', employerId: sub.id })
  t.equal(first.status, 201, 'made now: 201')
  const team = (await first.json()) as { id: string; name: string; employerId: string }

  const again = await post({ name: ' 钢筋班 ', employerId: sub.id })
  t.equal(again.status, 200, 'the same name (spaces aside) for the same subcontractor: 200, not 201 nor 409')
  t.same(await again.json(), team, 'with the team already there')

  t.match(await failure(api.post(`/api/projects/${project.id}/teams`, { name: '钢筋班', employerId: otherSub.id })), { status: 409, code: 'team_name_exists', details: { teamId: team.id, employerId: sub.id } }, "another subcontractor's team of the name: 409 naming it")
  t.equal((await api.get<unknown[]>(`/api/projects/${project.id}/teams`)).length, 1, 'one team all along')
})
