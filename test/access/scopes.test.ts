/**
 * Scopes (issue 9), on the run's engine: two organisations, A and B, each with a project (Hangzhou 330102 at bank 103,
 * Ningbo 330201 at bank 102). What one party may reach of the other's answers 404 exactly as a missing object does (no
 * existence oracle) and is logged as a denial; a role that may never do a thing gets 403 role_forbidden; a bank
 * reaching an account it does not hold gets 403 account_scope; lists show only what is in scope.
 */
import t from 'tap'
import { q } from '../../src/db/database.ts'
import { newId } from '../../src/kernel/ids.ts'
import { creditCode, cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import type { Api } from '../../simulators/api.ts'
import { startTestServer } from '../helpers/server.ts'
import { createKey, createLogin, logIn, MONTH, postPayoutFile, registerAccessSite } from './helpers/site.ts'

interface Reply {
  status: number
  body: unknown
}

const call = async (api: Api, method: string, path: string, body?: unknown): Promise<Reply> => {
  const res = await api.fetch(path, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) })
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) }
}
const get = (api: Api, path: string): Promise<Reply> => call(api, 'GET', path)

/** A reply's body with one id written as another: a 404's details name the id asked for, and nothing else may differ. */
const swapped = (body: unknown, from: string, to: string): unknown => JSON.parse(JSON.stringify(body).replaceAll(from, to)) as unknown

t.test('scopes between two organisations', async (t) => {
  const { api: admin, services } = await startTestServer(t)
  const A = await registerAccessSite(admin, { tag: 'HZ-A', regionCode: '330102', bankCode: '103331000011', seed: 801 })
  const B = await registerAccessSite(admin, { tag: 'NB-B', regionCode: '330201', bankCode: '102332000019', seed: 802 })
  const bankA = await createKey(admin, 'bank A (103)', 'bank', { bankCode: '103' })
  const bankB = await createKey(admin, 'bank B (102)', 'bank', { bankCode: '102' })
  await postPayoutFile(admin.as(bankA.key), admin, A, 801)
  await postPayoutFile(admin.as(bankB.key), admin, B, 802)

  // A second team on A, employed by another subcontractor, with its own worker: what A's team manager must not see.
  const rng = new Rng(803)
  const otherSub = await admin.post<{ id: string }>('/api/organisations', { kind: 'subcontractor', name: '另一劳务', creditCode: creditCode(rng) })
  const otherTeam = await admin.post<{ id: string }>(`/api/projects/${A.projectId}/teams`, { name: '木工班', employerId: otherSub.id })
  const otherWorker = await admin.post<{ id: string }>('/api/workers', { name: '李强', idNumber: idNumber(rng, 803), bankName: '农行', cardNo: cardNumber(803) })
  const otherEnrolment = await admin.post<{ id: string }>(`/api/projects/${A.projectId}/enrolments`, { workerId: otherWorker.id, teamId: otherTeam.id, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01' })

  const managerAId = await createLogin(admin, 'lm.a', 'labour_manager', { organisationId: A.generalContractorId })
  const teamManagerAId = await createLogin(admin, 'tm.a', 'team_manager', { organisationId: A.subcontractorId })
  await createLogin(admin, 'auditor.3301', 'auditor', { regionCode: '3301' })
  await createLogin(admin, 'worker.a', 'worker', { workerId: A.workerId })
  const managerA = admin.as(await logIn(admin, 'lm.a'))
  const teamManagerA = admin.as(await logIn(admin, 'tm.a'))
  const auditor = admin.as(await logIn(admin, 'auditor.3301'))
  const workerA = admin.as(await logIn(admin, 'worker.a'))

  const missing = newId()
  const denials = async (actorId: string): Promise<Array<{ route: string; status: number; reason: string; recordIds: string }>> =>
    services.db.all(q(`SELECT route AS "route", status AS "status", reason AS "reason", record_ids AS "recordIds" FROM access_log WHERE action = 'denied' AND actor_id = ? ORDER BY id`, actorId))

  await t.test("A's labour manager reading B's records by id: 404 as if missing, and a logged denial", async (t) => {
    // [B's record, the id of B's that is asked for, the same request with that id replaced by one that does not exist]
    const cases: Array<[string, string, string]> = [
      ['a worker', `/api/workers/${B.workerId}`, B.workerId],
      ['a timesheet', `/api/projects/${B.projectId}/workers/${B.workerId}/timesheets/${MONTH}`, B.projectId],
      ['a flag', `/api/projects/${B.projectId}/payouts/${MONTH}/lines?flagId=${B.flagId}`, B.projectId],
      ['a team month', `/api/projects/${B.projectId}/teams/${B.teamId}/timesheets/${MONTH}`, B.projectId],
      ['a payout file', `/api/projects/${B.projectId}/payout-files/${B.fileId}/lines`, B.projectId],
      ["B's worker beside A's project", `/api/projects/${A.projectId}/workers/${B.workerId}/timesheets/${MONTH}`, B.workerId],
      ["B's worker as a filter", `/api/projects/${A.projectId}/payouts/${MONTH}/lines?workerId=${B.workerId}`, B.workerId],
    ]
    for (const [what, theirs, id] of cases) {
      const before = (await denials(managerAId)).length
      const denied = await get(managerA, theirs)
      const absent = await get(managerA, theirs.replaceAll(id, missing))
      t.equal(denied.status, 404, `${what}: 404`)
      t.equal(absent.status, 404)
      t.same(swapped(denied.body, id, missing), absent.body, `${what}: the same body as an id that does not exist (but for the id itself)`)
      // And the same as the route gives the admin for a missing one (the details are the route's own).
      t.same(swapped(denied.body, id, missing), (await get(admin, theirs.replaceAll(id, missing))).body, `${what}: as the route's own 404`)
      const rows = (await denials(managerAId)).slice(before)
      t.match(rows[0], { status: 404, reason: 'out_of_scope' }, `${what}: the denial is logged`)
      t.ok(rows[0]?.recordIds.includes(id), `${what}: with the ids asked for`)
    }
    // Ids of B's named under A's own project: the route's own 404, the same as a missing one.
    for (const [what, theirs, id] of [
      ['a flag', `/api/projects/${A.projectId}/payouts/${MONTH}/lines?flagId=${B.flagId}`, B.flagId as string],
      ['a team month', `/api/projects/${A.projectId}/teams/${B.teamId}/timesheets/${MONTH}`, B.teamId],
      ['a payout file', `/api/projects/${A.projectId}/payout-files/${B.fileId}/lines`, B.fileId as string],
    ] as const) {
      const denied = await get(managerA, theirs)
      t.equal(denied.status, 404, `under A's project, ${what} of B: 404`)
      t.same(swapped(denied.body, id, missing), (await get(managerA, theirs.replaceAll(id, missing))).body, `under A's project, ${what} of B: as a missing one`)
    }
    // Its own are there.
    t.equal((await get(managerA, `/api/projects/${A.projectId}/payout-files/${A.fileId}/lines`)).status, 200, "A's own file")
    t.equal((await get(managerA, `/api/projects/${A.projectId}/workers/${A.workerId}/timesheets/${MONTH}`)).status, 200, "A's own worker's month")
  })

  await t.test('an auditor writes nothing and reads only their region', async (t) => {
    for (const [method, path, body] of [
      ['POST', `/api/projects/${A.projectId}/teams`, { name: 'x', employerId: A.subcontractorId }],
      ['POST', '/api/workers', {}],
      ['POST', `/api/projects/${A.projectId}/reconciliations/${MONTH}`, undefined],
      ['PUT', `/api/projects/${A.projectId}/attendance-policy`, {}],
    ] as const) {
      t.match(await call(auditor, method, path, body), { status: 403, body: { error: { code: 'role_forbidden', details: { role: 'auditor' } } } }, `auditor ${method} ${path}: 403 role_forbidden`)
    }
    t.equal((await get(auditor, `/api/projects/${A.projectId}`)).status, 200, 'a 3301 auditor reads a 330102 project')
    const other = await get(auditor, `/api/projects/${B.projectId}`)
    t.equal(other.status, 404, 'and not a 330201 one')
    t.same(swapped(other.body, B.projectId, missing), (await get(auditor, `/api/projects/${missing}`)).body, 'as if it did not exist')
  })

  await t.test("a bank posts only for the accounts it holds", async (t) => {
    const post = await admin.as(bankA.key).fetch(`/api/projects/${B.projectId}/payout-files?period=${MONTH}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'seq|payee_card\r\n' })
    t.equal(post.status, 403)
    t.match(await post.json(), { error: { code: 'account_scope' } }, "bank 103 posting for a project whose account is at 102: 403 account_scope")
    t.equal((await get(admin.as(bankA.key), `/api/projects/${B.projectId}/payout-files`)).status, 403, 'nor reads its files')
    t.equal((await get(admin.as(bankA.key), `/api/projects/${A.projectId}/payout-files`)).status, 200, 'its own project: yes')
    const rows = await services.db.all<{ reason: string }>(q(`SELECT reason AS "reason" FROM access_log WHERE action = 'denied' AND actor_id = ?`, bankA.id))
    t.ok(rows.some((r) => r.reason === 'account_scope'), 'the refusal is logged')
  })

  await t.test('lists show only what is in scope', async (t) => {
    const ids = (r: Reply): string[] => (r.body as Array<{ id: string }>).map((x) => x.id).sort()
    t.same(ids(await get(admin, '/api/projects')), [A.projectId, B.projectId].sort(), 'the admin: every project')
    for (const [who, api] of [
      ['labour manager of A', managerA],
      ['team manager of A', teamManagerA],
      ['auditor of 3301', auditor],
      ['bank 103', admin.as(bankA.key)],
      ['worker of A', workerA],
    ] as const) {
      t.same(ids(await get(api, '/api/projects')), [A.projectId], `${who}: only A's project`)
    }
    t.same(ids(await get(admin.as(bankB.key), '/api/projects')), [B.projectId], "bank 102: only B's")

    const enrolled = (r: Reply): string[] => (r.body as Array<{ workerId: string }>).map((e) => e.workerId).sort()
    t.same(enrolled(await get(managerA, `/api/projects/${A.projectId}/enrolments`)), [A.workerId, otherWorker.id].sort(), "A's labour manager: the whole roster")
    t.same(enrolled(await get(teamManagerA, `/api/projects/${A.projectId}/enrolments`)), [A.workerId], "A's team manager: their own teams' workers only")
    t.same(ids(await get(teamManagerA, `/api/projects/${A.projectId}/teams`)), [A.teamId], 'and their own teams only')
    t.same(ids(await get(managerA, `/api/projects/${A.projectId}/teams`)), [A.teamId, otherTeam.id].sort(), "the labour manager: every team")
    t.equal((await get(teamManagerA, `/api/projects/${A.projectId}/teams/${otherTeam.id}/timesheets/${MONTH}`)).status, 404, "another subcontractor's team month: 404")
    t.equal((await get(teamManagerA, `/api/projects/${A.projectId}/workers/${otherWorker.id}/timesheets/${MONTH}`)).status, 404, "another subcontractor's worker: 404")

    // Rejected inputs: a refused file on each project.
    for (const [bank, site] of [
      [bankA, A],
      [bankB, B],
    ] as const) {
      const r = await admin.as(bank.key).fetch(`/api/projects/${site.projectId}/payout-files?period=${MONTH}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'not a bank file\r\n' })
      t.equal(r.status, 422)
    }
    const all = (await get(admin, '/api/rejected-inputs')).body as Array<{ id: number; projectId: string | null }>
    t.ok(all.some((r) => r.projectId === A.projectId) && all.some((r) => r.projectId === B.projectId), "the admin: both projects' refusals")
    const mine = (await get(managerA, `/api/rejected-inputs?projectId=${A.projectId}`)).body as Array<{ projectId: string | null }>
    t.ok(mine.length > 0 && mine.every((r) => r.projectId === A.projectId), "A's labour manager: A's only")
    const theirs = await get(managerA, `/api/rejected-inputs?projectId=${B.projectId}`)
    t.equal(theirs.status, 404, "B's: 404")
    t.same(swapped(theirs.body, B.projectId, missing), (await get(managerA, `/api/rejected-inputs?projectId=${missing}`)).body, 'as a project that does not exist')
    const bRefusal = all.find((r) => r.projectId === B.projectId) as { id: number }
    t.equal((await get(managerA, `/api/rejected-inputs/${bRefusal.id}`)).status, 404, "one of B's by id: 404")
  })

  await t.test('a worker reads their own month, not another worker’s', async (t) => {
    t.equal((await get(workerA, `/api/projects/${A.projectId}/workers/${A.workerId}/timesheets/${MONTH}`)).status, 200, 'their own')
    t.equal((await get(workerA, `/api/workers/${A.workerId}`)).status, 200, 'their own record')
    t.match(await get(workerA, '/api/me'), { status: 200, body: { role: 'worker', workerId: A.workerId, scope: `worker:${A.workerId}` } }, 'who am I')
    const other = await get(workerA, `/api/projects/${A.projectId}/workers/${otherWorker.id}/timesheets/${MONTH}`)
    t.equal(other.status, 404, "a workmate's: 404")
    t.same(swapped(other.body, otherWorker.id, missing), (await get(workerA, `/api/projects/${A.projectId}/workers/${missing}/timesheets/${MONTH}`)).body, 'as a worker that does not exist')
    t.equal((await get(workerA, `/api/workers/${otherWorker.id}`)).status, 404, "a workmate's record: 404")
    const elsewhere = await get(workerA, `/api/projects/${B.projectId}/workers/${A.workerId}/timesheets/${MONTH}`)
    t.equal(elsewhere.status, 404, 'their own id under a project they never worked on: 404')
    t.same(swapped(elsewhere.body, B.projectId, missing), (await get(workerA, `/api/projects/${missing}/workers/${A.workerId}/timesheets/${MONTH}`)).body, 'as a project that does not exist')
    t.match(await get(workerA, `/api/projects/${A.projectId}/teams/${A.teamId}/timesheets/${MONTH}`), { status: 403, body: { error: { code: 'role_forbidden' } } }, "the team's month: never a worker's")
  })

  await t.test("a team manager records no exit for another subcontractor's worker", async (t) => {
    const path = (enrolmentId: string): string => `/api/projects/${A.projectId}/enrolments/${enrolmentId}/exit`
    const before = (await denials(teamManagerAId)).length
    const denied = await call(teamManagerA, 'POST', path(otherEnrolment.id), { exitDate: '2026-09-20' })
    const absent = await call(teamManagerA, 'POST', path(missing), { exitDate: '2026-09-20' })
    t.equal(denied.status, 404, "another subcontractor's enrolment: 404")
    t.same(swapped(denied.body, otherEnrolment.id, missing), absent.body, 'as one that does not exist')
    const rows = await services.db.all<{ exitDate: string | null }>(q(`SELECT exit_date AS "exitDate" FROM enrolments WHERE id = ?`, otherEnrolment.id))
    t.equal(rows[0]?.exitDate, null, 'the enrolment is unchanged')
    const logged = (await denials(teamManagerAId)).slice(before)
    t.equal(logged.length, 1, 'the attempt is logged, the missing one is not a denial')
    t.match(logged[0], { status: 404, reason: 'out_of_scope' })
    t.ok(logged[0]?.recordIds.includes(otherEnrolment.id), 'with the enrolment asked for')

    const team = await call(teamManagerA, 'POST', `/api/projects/${A.projectId}/enrolments`, { workerId: A.workerId, teamId: otherTeam.id, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01' })
    t.match(team, { status: 404, body: { error: { code: 'team_not_found' } } }, "enrolling on another subcontractor's team: as a missing team")
    t.equal((await denials(teamManagerAId)).length, before + 2, 'and logged')
  })

  await t.test("a team manager corrects the entry date and the 考勤号 of their own teams' enrolments, not another's", async (t) => {
    const entry = { entryDate: '2026-08-28', reason: '8月28日已进场, 花名册填错' }
    const deviceUser = { deviceUserId: 'W-HZ-A-2', reason: '考勤号录错' }
    t.match(await call(teamManagerA, 'POST', `/api/projects/${A.projectId}/enrolments/${A.enrolmentId}/entry`, entry), { status: 200, body: { id: A.enrolmentId, entryDate: '2026-08-28' } }, 'their own team: the entry date corrected')
    t.match(await call(teamManagerA, 'POST', `/api/projects/${A.projectId}/enrolments/${A.enrolmentId}/device-user`, deviceUser), { status: 200, body: { id: A.enrolmentId, deviceUserId: 'W-HZ-A-2' } }, 'their own team: the 考勤号 set')
    for (const [what, route, body] of [
      ['the entry date', 'entry', entry],
      ['the 考勤号', 'device-user', deviceUser],
    ] as const) {
      const path = (enrolmentId: string): string => `/api/projects/${A.projectId}/enrolments/${enrolmentId}/${route}`
      const before = (await denials(teamManagerAId)).length
      const denied = await call(teamManagerA, 'POST', path(otherEnrolment.id), body)
      const absent = await call(teamManagerA, 'POST', path(missing), body)
      t.equal(denied.status, 404, `${what} of another subcontractor's enrolment: 404`)
      t.same(swapped(denied.body, otherEnrolment.id, missing), absent.body, 'as one that does not exist')
      const logged = (await denials(teamManagerAId)).slice(before)
      t.equal(logged.length, 1, 'the attempt is logged, the missing one is not a denial')
      t.match(logged[0], { status: 404, reason: 'out_of_scope' })
    }
    const rows = await services.db.all<{ entryDate: string; deviceUserId: string | null }>(q(`SELECT entry_date AS "entryDate", device_user_id AS "deviceUserId" FROM enrolments WHERE id = ?`, otherEnrolment.id))
    t.same(rows[0], { entryDate: '2026-09-01', deviceUserId: null }, "the other team's enrolment is unchanged")
  })
})
