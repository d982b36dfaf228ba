/**
 * (Found by review.) README's role table says a worker may read "the projects they are enrolled on", and
 * GET /api/projects lists them theirs, but GET /api/projects/{id} answered a worker 403 role_forbidden even for their
 * own. A worker now reads a project they are enrolled on, the same body as anyone else reads (the project and its
 * dedicated wage account, no worker's data); a project they never worked on answers 404 exactly as a project that
 * does not exist, so they cannot learn what exists elsewhere.
 */
import t from 'tap'
import { startTestServer } from '../helpers/server.ts'
import { createLogin, logIn, registerAccessSite } from './helpers/site.ts'

t.test('a worker reads the project they are enrolled on, and no other', async (t) => {
  const { api } = await startTestServer(t)
  const A = await registerAccessSite(api, { tag: 'WP-A', regionCode: '330102', bankCode: '103331000011', seed: 7501 })
  const B = await registerAccessSite(api, { tag: 'WP-B', regionCode: '330102', bankCode: '103331000011', seed: 7502 })
  await createLogin(api, 'worker.wp', 'worker', { workerId: A.workerId })
  const worker = api.as(await logIn(api, 'worker.wp'))

  const listed = await worker.get<Array<{ id: string }>>('/api/projects')
  t.same(listed.map((p) => p.id), [A.projectId], 'the list gives the worker their own project')

  const own = await worker.fetch(`/api/projects/${A.projectId}`)
  t.equal(own.status, 200, 'their own project')
  const body = (await own.json()) as Record<string, unknown>
  t.same(body, await api.get(`/api/projects/${A.projectId}`), 'as anyone reads it')
  t.same(body, listed[0], 'and as the list gives it')
  t.notOk(JSON.stringify(body).includes(A.workerId), 'no worker is named in it')

  const elsewhere = await worker.fetch(`/api/projects/${B.projectId}`)
  t.equal(elsewhere.status, 404, 'a project they never worked on')
  const missing = '01a00000-0000-7000-8000-000000000000'
  const none = await worker.fetch(`/api/projects/${missing}`)
  t.equal(none.status, 404)
  t.same(JSON.stringify(await elsewhere.json()).replaceAll(B.projectId, missing), JSON.stringify(await none.json()), 'as a project that does not exist')

  // Reading the project opens nothing else of it: the roster and the teams stay closed to a worker.
  t.equal((await worker.fetch(`/api/projects/${A.projectId}/enrolments`)).status, 403, 'the roster is not a worker’s')
  t.equal((await worker.fetch(`/api/projects/${A.projectId}/teams`)).status, 403, 'nor the teams')
})
