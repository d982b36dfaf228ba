/**
 * Repeating a registration is safe, as a team's is (test/roster/team-repeat.test.ts): a project posted again with its
 * site code, or a device with its serial, and the same facts answers 200 with the record already there; different
 * facts are 409 naming the fields that differ (details.differs), never their values. A device registered again shows
 * no secret, neither the one issued then nor a new one: the reply says so and names the route that issues one. An
 * organisation repeated with its credit code under another name or kind was a silent 200 with the old record; it is
 * now 409 organisation_exists_with_different_facts naming the fields. (Found by review: a project or device repeated
 * answered 409 where every other repeat answers 200.)
 */
import t from 'tap'
import { creditCode } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import type { Api } from '../../simulators/api.ts'
import { createLogin, logIn } from '../access/helpers/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

const rng = new Rng(23)

/** A POST answered with its status and body, whatever the status. */
async function posted<T = Record<string, unknown>>(api: Api, path: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await api.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, body: (await res.json()) as T }
}

t.test('an organisation repeated: the same facts answer it, others are named', async (t) => {
  const { api } = await startTestServer(t)
  const code = creditCode(rng)
  const body = { kind: 'general_contractor', name: '浙江建工集团（杭州）有限公司', creditCode: code }
  const first = await posted<{ id: string }>(api, '/api/organisations', body)
  t.equal(first.status, 201)

  const again = await posted(api, '/api/organisations', { ...body, name: ' 浙江建工集团(杭州)有限公司 ', creditCode: code.toLowerCase() })
  t.equal(again.status, 200, 'the same name (spaces and the width of its brackets aside) and kind: 200')
  t.same(again.body, first.body, 'with the organisation already there')

  t.match(await failure(api.post('/api/organisations', { ...body, name: '浙江建工集团有限公司' })), { status: 409, code: 'organisation_exists_with_different_facts', details: { organisationId: first.body.id, differs: ['name'] } }, 'another name: refused, naming it')
  t.match(await failure(api.post('/api/organisations', { ...body, kind: 'subcontractor' })), { status: 409, code: 'organisation_exists_with_different_facts', details: { differs: ['kind'] } }, 'another kind')
  t.match(await failure(api.post('/api/organisations', { ...body, kind: 'construction_unit', name: '别的公司' })), { details: { differs: ['kind', 'name'] } }, 'both')
  const [stored] = await api.get<Array<{ name: string; kind: string }>>('/api/organisations')
  t.match(stored, { name: body.name, kind: 'general_contractor' }, 'the registration is as it was')
})

t.test('a project repeated: the same facts answer it, others are named', async (t) => {
  const { api: admin } = await startTestServer(t)
  const org = (kind: string, name: string) => admin.post<{ id: string }>('/api/organisations', { kind, name, creditCode: creditCode(rng) })
  const cu = await org('construction_unit', '建设单位')
  const gc = await org('general_contractor', '总包')
  const otherGc = await org('general_contractor', '另一总包')
  const body = {
    siteCode: 'HZ-REP-1',
    name: '西湖区保障房二期',
    regionCode: '330106',
    payDay: 10,
    constructionUnitId: cu.id,
    generalContractorId: gc.id,
    account: { bank: '中国农业银行杭州西湖支行', bankCode: '103331000011', no: '19045101040012345', name: '总包西湖区保障房二期农民工工资专用账户', openedOn: '2026-08-20' },
  }
  const first = await posted<{ id: string; timeZone: string }>(admin, '/api/projects', body)
  t.equal(first.status, 201)

  const again = await posted(admin, '/api/projects', body)
  t.equal(again.status, 200, 'the same site code and facts: 200, not 201 nor 409')
  t.same(again.body, first.body, 'with the project already there')
  const loose = await posted(admin, '/api/projects', { ...body, name: ' 西湖区保障房二期 ', timeZone: 'Asia/Shanghai', account: { ...body.account, bankCode: undefined, openedOn: undefined } })
  t.equal(loose.status, 200, 'spaces are no difference; the zone it has stated, and facts left out, are not either')

  const clash = await failure(admin.post('/api/projects', { ...body, payDay: 15, account: { ...body.account, no: '19045101040099999', openedOn: '2026-08-21' } }))
  t.match(clash, { status: 409, code: 'project_site_code_exists', details: { siteCode: 'HZ-REP-1', projectId: first.body.id, differs: ['payDay', 'account.no', 'account.openedOn'] } }, 'different facts: refused, naming the fields')
  t.notOk(JSON.stringify(clash).includes('19045101040012345'), 'never the stored values')
  t.match(await failure(admin.post('/api/projects', { ...body, timeZone: 'Asia/Urumqi' })), { details: { differs: ['timeZone'] } }, 'a zone stated and different')

  // A labour manager of another general contractor learns the site code is taken, not whose project it is.
  await createLogin(admin, 'lm.other', 'labour_manager', { organisationId: otherGc.id })
  const lm = admin.as(await logIn(admin, 'lm.other'))
  const taken = await failure(lm.post('/api/projects', { ...body, generalContractorId: otherGc.id }))
  t.match(taken, { status: 409, code: 'project_site_code_exists', details: { differs: ['generalContractorId'] } }, "another contractor's site code")
  t.notOk((taken.details as Record<string, unknown>).projectId, 'without the project: the caller does not reach it')

  t.equal((await admin.get<unknown[]>('/api/projects')).length, 1, 'one project all along')
  const register = await admin.get<{ history: unknown[] }>(`/api/projects/${first.body.id}/dedicated-account`)
  t.equal(register.history.length, 1, 'and one entry of its dedicated-account register')

  // Two at once: one is made, the other answers it.
  const both = await Promise.all([1, 2].map(() => posted<{ id: string }>(admin, '/api/projects', { ...body, siteCode: 'HZ-REP-2', account: { ...body.account, no: '19045101040055555' } })))
  t.same(both.map((r) => r.status).sort(), [200, 201], 'two at once: 201 and 200')
  t.equal(both[0]!.body.id, both[1]!.body.id, 'the same project')
})

t.test('a device repeated: the same facts answer it without a secret, others are named', async (t) => {
  const server = await startTestServer(t)
  const admin = server.api
  const org = (kind: string, name: string) => admin.post<{ id: string }>('/api/organisations', { kind, name, creditCode: creditCode(rng) })
  const cu = await org('construction_unit', '建设单位')
  const gc = await org('general_contractor', '总包')
  const project = (siteCode: string, no: string) =>
    admin.post<{ id: string }>('/api/projects', { siteCode, name: siteCode, regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no, name: '专户' } })
  const p = await project('DEV-REP', '19045101040011111')
  const other = await project('DEV-OTHER', '19045101040022222')
  const D = `/api/projects/${p.id}/devices`
  const body = { serial: 'GT200-A01', model: 'gate-ts200', settings: { lanes: { '1': 'in', '2': 'out' } }, location: '东大门', installedAt: '2026-09-25T00:00:00+08:00' }

  type Registered = { id: string; serial: string; mqtt: { username: string; password?: string; punchTopic: string; ackTopic: string; passwordNote?: string } }
  const first = await posted<Registered>(admin, D, body)
  t.equal(first.status, 201)
  const secret = first.body.mqtt.password as string
  t.match(secret, /^wld_/, 'made now: the secret, this once')

  const again = await posted<Registered>(admin, D, { ...body, settings: { lanes: { '2': 'out', '1': 'in' } }, installedAt: '2026-09-24T16:00:00Z' })
  t.equal(again.status, 200, 'the same serial and facts (the same settings and instant, however written): 200')
  t.equal(again.body.id, first.body.id, 'with the device already there')
  t.notOk('password' in again.body.mqtt, 'no password in the reply')
  t.notOk(JSON.stringify(again.body).includes('wld_'), 'neither the first secret nor a new one')
  t.match(again.body.mqtt, { username: 'GT200-A01', punchTopic: first.body.mqtt.punchTopic, ackTopic: first.body.mqtt.ackTopic }, 'how it connects, as at registration')
  t.match(again.body.mqtt.passwordNote, /shown once/, 'the reply says why there is no password')
  t.ok(again.body.mqtt.passwordNote?.includes(`${D}/${first.body.id}/credentials`), 'and where a new one is issued')
  t.ok(await server.services.access.verifyDevice('GT200-A01', secret), 'the secret issued at registration still admits the device: nothing was rotated')
  t.equal((await posted(admin, D, { serial: 'GT200-A01', model: 'gate-ts200' })).status, 200, 'settings, location and installedAt left out are not compared')

  const clash = await failure(admin.post(D, { ...body, location: '西大门', installedAt: '2026-09-26T00:00:00+08:00' }))
  t.match(clash, { status: 409, code: 'device_exists', details: { serial: 'GT200-A01', deviceId: first.body.id, differs: ['location', 'installedAt'] } }, 'different facts: refused, naming the fields')
  t.notOk(JSON.stringify(clash).includes('东大门'), 'never the stored values')
  t.match(await failure(admin.post(D, { ...body, model: 'face-fr900', settings: undefined })), { details: { differs: ['model'] } }, 'another model')
  const elsewhere = await failure(admin.post(`/api/projects/${other.id}/devices`, body))
  t.match(elsewhere, { status: 409, code: 'device_exists', details: { differs: ['projectId'] } }, 'the serial on another project')
  t.notOk((elsewhere.details as Record<string, unknown>).deviceId, 'without that project’s device')
  t.equal((await admin.get<unknown[]>(D)).length, 1, 'one device all along')

  const both = await Promise.all([1, 2].map(() => posted<Registered>(admin, D, { ...body, serial: 'GT200-A02' })))
  t.same(both.map((r) => r.status).sort(), [200, 201], 'two at once: 201 and 200')
  t.equal(both.filter((r) => r.body.mqtt.password !== undefined).length, 1, 'one secret, in the 201 only')
})
