/** The roster API over real HTTP: identities checked, personal data masked, unknown fields refused. */
import t from 'tap'
import { creditCode, cardNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { idCheckChar } from '../../src/roster/identity.ts'
import { failure, startTestServer } from '../helpers/server.ts'

const rng = new Rng(42)
const id17 = '33010619900101123'
const ID = id17 + idCheckChar(id17)

t.test('roster', async (t) => {
  const { api } = await startTestServer(t)

  t.match(await failure(api.post('/api/organisations', { kind: 'subcontractor', name: 'x', creditCode: '91330106MA2H0X0X01' })), { status: 400, code: 'invalid_credit_code' })
  const cu = await api.post<{ id: string }>('/api/organisations', { kind: 'construction_unit', name: '建设单位', creditCode: creditCode(rng) })
  const gcCode = creditCode(rng)
  const gc = await api.post<{ id: string }>('/api/organisations', { kind: 'general_contractor', name: '总包', creditCode: gcCode })
  const gcAgain = await api.post<{ id: string }>('/api/organisations', { kind: 'general_contractor', name: '总包', creditCode: gcCode })
  t.equal(gcAgain.id, gc.id, 'registering the same organisation twice returns the first')
  const sub = await api.post<{ id: string }>('/api/organisations', { kind: 'subcontractor', name: '劳务', creditCode: creditCode(rng) })

  const projectBody = { siteCode: 'S-1', name: '工程', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '19045101040012345', name: '专户' } }
  t.match(await failure(api.post('/api/projects', { ...projectBody, constructionUnitId: gc.id })), { status: 400, code: 'organisation_wrong_kind' })
  t.match(await failure(api.post('/api/projects', { ...projectBody, timeZone: 'Mars/Olympus' })), { status: 400, code: 'invalid_time_zone' })
  const project = await api.post<{ id: string; timeZone: string }>('/api/projects', projectBody)
  t.equal(project.timeZone, 'Asia/Shanghai', 'the default zone')
  t.match(await failure(api.post('/api/projects', projectBody)), { status: 409, code: 'project_site_code_exists' })

  const team = await api.post<{ id: string }>(`/api/projects/${project.id}/teams`, { name: '钢筋班', employerId: sub.id })

  const workerBody = { name: '张伟', idNumber: ID, bankName: '农行', cardNo: cardNumber(1), phone: '13812345678' }
  t.match(await failure(api.post('/api/workers', { ...workerBody, idNumber: ID.slice(0, 17) + (ID.endsWith('0') ? '1' : '0') })), {
    status: 400,
    code: 'invalid_id_number',
    details: { problem: 'check_digit' },
  })
  t.match(await failure(api.post('/api/workers', { ...workerBody, wage: '100.00' })), { status: 400, code: 'validation_failed' }, 'unknown properties are refused, not stripped')
  const worker = await api.post<Record<string, unknown>>('/api/workers', workerBody)
  t.equal(worker.idNumberMasked, '330106********' + ID.slice(-4))
  t.equal(worker.cardMasked, '****' + cardNumber(1).slice(-4))
  t.equal(worker.phoneMasked, '138****5678')
  t.notOk(JSON.stringify(worker).includes(ID), 'the full ID number never leaves in a reply')
  t.notOk(JSON.stringify(await api.get('/api/workers')).includes(cardNumber(1)), 'nor the card number in lists')
  t.match(await failure(api.post('/api/workers', workerBody)), { status: 409, code: 'worker_exists' })

  const enrolBody = { workerId: worker.id, teamId: team.id, dailyRate: '350.00', safetyTrained: true, entryDate: '2026-10-01', deviceUserId: 'W1' }
  t.match(await failure(api.post(`/api/projects/${project.id}/enrolments`, { ...enrolBody, dailyRate: 350 })), { status: 400, code: 'validation_failed' }, 'money as a JSON number is refused')
  t.match(await failure(api.post(`/api/projects/${project.id}/enrolments`, { ...enrolBody, exitDate: '2026-09-01' })), { status: 400, code: 'exit_before_entry' })
  const enrolment = await api.post<{ id: string; dailyRateFen: number }>(`/api/projects/${project.id}/enrolments`, enrolBody)
  t.equal(enrolment.dailyRateFen, 35000)
  t.match(await failure(api.post(`/api/projects/${project.id}/enrolments`, enrolBody)), { status: 409, code: 'enrolment_exists' })
  const exited = await api.post<{ exitDate: string }>(`/api/projects/${project.id}/enrolments/${enrolment.id}/exit`, { exitDate: '2026-10-31' })
  t.equal(exited.exitDate, '2026-10-31')

  t.match(await failure(api.post(`/api/projects/${project.id}/devices`, { serial: 'X-1', model: 'toaster' })), { status: 400, code: 'device_model_unknown' })
  t.match(await failure(api.post(`/api/projects/${project.id}/devices`, { serial: 'GT-1', model: 'gate-ts200', settings: { lanes: { '1': 'sideways' } } })), { status: 400, code: 'validation_failed' })
  await api.post(`/api/projects/${project.id}/devices`, { serial: 'GT-1', model: 'gate-ts200', settings: { lanes: { '1': 'in', '2': 'out' } } })
  t.match(await failure(api.post(`/api/projects/${project.id}/devices`, { serial: 'GT-1', model: 'gate-ts200' })), { status: 409, code: 'device_exists' })

  t.match(await failure(api.get('/api/projects/nope')), { status: 404, code: 'project_not_found' })
  t.match(await failure(api.get('/api/nothing-here')), { status: 404, code: 'not_found' })
})

t.test('OpenAPI is served at /docs and every route has a schema', async (t) => {
  const { api } = await startTestServer(t)
  const doc = await api.get<{ openapi: string; paths: Record<string, Record<string, { responses?: unknown }>> }>('/docs/json')
  t.match(doc.openapi, /^3\./)
  t.ok(doc.paths['/api/projects/{projectId}/payout-files'])
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) t.ok(op.responses, `${method.toUpperCase()} ${path} declares its responses`)
  }
})
