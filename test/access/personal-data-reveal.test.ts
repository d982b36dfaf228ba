/**
 * Reveals (issue 9): the full values behind a mask only through POST …/reveal with a stated purpose, for the roles
 * allowed to (admin, labour manager, auditor) within their scope; each one an access-log row with action 'reveal' and
 * the purpose; one budget of LIMITS.reveals_per_hour per caller across both reveal routes, then 429.
 */
import t from 'tap'
import { q } from '../../src/db/database.ts'
import { LIMITS } from '../../src/config/limits.ts'
import { idCheckChar } from '../../src/roster/identity.ts'
import { cardNumber } from '../../simulators/identities.ts'
import { failure, startTestServer } from '../helpers/server.ts'
import { createKey, createLogin, logIn, registerAccessSite } from './helpers/site.ts'

const id17 = '33010219850317062'
const ID = id17 + idCheckChar(id17)
const CARD = cardNumber(552_001)
const PHONE = '18657100001'

t.test('reveals: full values for a purpose, logged, limited, refused to the other roles', async (t) => {
  const { api: admin, services } = await startTestServer(t)
  const site = await registerAccessSite(admin, { tag: 'RV1', regionCode: '330102', bankCode: '103331000001', seed: 61 })
  const other = await registerAccessSite(admin, { tag: 'RV2', regionCode: '330102', bankCode: '103331000001', seed: 62 })
  const worker = await admin.post<{ id: string }>('/api/workers', { name: '赵德胜', idNumber: ID, bankName: '农行', cardNo: CARD, phone: PHONE })
  await admin.post(`/api/projects/${site.projectId}/enrolments`, { workerId: worker.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01' })
  const frame = Buffer.from(JSON.stringify({ sn: 'GT-RV1', seq: 9, lane: 1, idNo: ID, ts: 1791763200, mode: 'palm' }))
  t.match(await services.inbox.submit({ topic: 'wl/v1/RV1/GT-RV1/punch', payload: frame, clientId: 'GT-RV1' }), { kind: 'rejected' })
  const [refused] = await admin.get<Array<{ id: number }>>(`/api/rejected-inputs?projectId=${site.projectId}`)
  if (!refused) throw new Error('the frame was not kept')

  const managerId = await createLogin(admin, 'lm.rv', 'labour_manager', { organisationId: site.generalContractorId })
  await createLogin(admin, 'lm.rv.2', 'labour_manager', { organisationId: site.generalContractorId })
  await createLogin(admin, 'lm.other', 'labour_manager', { organisationId: other.generalContractorId })
  await createLogin(admin, 'auditor.rv', 'auditor', { regionCode: '3301' })
  await createLogin(admin, 'tm.rv', 'team_manager', { organisationId: site.subcontractorId })
  await createLogin(admin, 'worker.rv', 'worker', { workerId: worker.id })
  const manager = admin.as(await logIn(admin, 'lm.rv'))
  const purpose = 'bank returned the payment: checking the card number with the worker'
  const workerReveal = `/api/workers/${worker.id}/reveal`
  const inputReveal = `/api/rejected-inputs/${refused.id}/reveal`

  await t.test('a labour manager of the project sees the full values, and the access log says who, why and what', async (t) => {
    const full = await manager.post<Record<string, unknown>>(workerReveal, { purpose, fields: ['idNumber', 'cardNo', 'phone'] })
    t.same(full, { workerId: worker.id, idNumber: ID, cardNo: CARD, phone: PHONE })
    t.same(await manager.post(workerReveal, { purpose, fields: ['phone'] }), { workerId: worker.id, phone: PHONE }, 'only the fields asked for')
    const rows = await services.db.all<{ action: string; purpose: string; route: string; recordIds: string; role: string; status: number }>(
      q(`SELECT action AS "action", purpose AS "purpose", route AS "route", record_ids AS "recordIds", role AS "role", status AS "status" FROM access_log WHERE actor_id = ? ORDER BY id`, managerId),
    )
    t.equal(rows.length, 2, 'one row per reveal')
    t.match(rows[0], { action: 'reveal', purpose, route: '/api/workers/:workerId/reveal', role: 'labour_manager', status: 200 })
    t.ok((JSON.parse(rows[0]?.recordIds ?? '[]') as string[]).includes(worker.id), 'naming the worker')

    const asJson = await manager.post<{ payloadBase64: string; idNumber?: string; payloadTruncated: boolean }>(inputReveal, { purpose: 'the gate reports an unknown person: which ID did it read?' })
    t.equal(Buffer.from(asJson.payloadBase64, 'base64').toString(), frame.toString(), 'a rejected input: the bytes as received, base64')
    const asBytes = await manager.fetch(inputReveal, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/octet-stream' }, body: JSON.stringify({ purpose: 'the same, as a file' }) })
    t.equal(asBytes.headers.get('x-payload-masked'), 'false')
    t.equal(Buffer.from(await asBytes.arrayBuffer()).toString(), frame.toString(), 'or as the bytes themselves')
    const masked = await manager.fetch(`/api/rejected-inputs/${refused.id}/payload`)
    t.notOk((await masked.text()).includes(ID), 'while the plain download stays masked')
    const inputRows = await services.db.all<{ action: string; purpose: string; recordIds: string }>(
      q(`SELECT action AS "action", purpose AS "purpose", record_ids AS "recordIds" FROM access_log WHERE actor_id = ? AND route = ? ORDER BY id`, managerId, '/api/rejected-inputs/:id/reveal'),
    )
    t.match(inputRows, [{ action: 'reveal', purpose: 'the gate reports an unknown person: which ID did it read?' }, { action: 'reveal', purpose: 'the same, as a file' }])
    t.ok((JSON.parse(inputRows[0]?.recordIds ?? '[]') as string[]).includes(String(refused.id)), 'naming the input')
  })

  await t.test('a purpose is required, and what is asked for must be named', async (t) => {
    t.match(await failure(manager.post(workerReveal, { fields: ['idNumber'] })), { status: 400, code: 'validation_failed' })
    t.match(await failure(manager.post(workerReveal, { purpose: 'why', fields: ['idNumber'] })), { status: 400, code: 'validation_failed' }, 'under 5 characters')
    t.match(await failure(manager.post(workerReveal, { purpose: 'x'.repeat(201), fields: ['idNumber'] })), { status: 400, code: 'validation_failed' }, 'over 200')
    t.match(await failure(manager.post(workerReveal, { purpose, fields: [] })), { status: 400, code: 'validation_failed' })
    t.match(await failure(manager.post(workerReveal, { purpose, fields: ['address'] })), { status: 400, code: 'validation_failed' })
    t.match(await failure(manager.post(inputReveal, {})), { status: 400, code: 'validation_failed' })
  })

  await t.test('team managers, banks and workers may never reveal; others only within their scope', async (t) => {
    const bank = admin.as((await createKey(admin, 'bank.rv', 'bank', { bankCode: '103331000001' })).key)
    for (const [role, caller] of [
      ['team_manager', admin.as(await logIn(admin, 'tm.rv'))],
      ['bank', bank],
      ['worker', admin.as(await logIn(admin, 'worker.rv'))],
    ] as const) {
      t.match(await failure(caller.post(workerReveal, { purpose, fields: ['idNumber'] })), { status: 403, code: 'role_forbidden' }, `${role}: a worker's numbers`)
      t.match(await failure(caller.post(inputReveal, { purpose })), { status: 403, code: 'role_forbidden' }, `${role}: a rejected input`)
    }
    const auditor = admin.as(await logIn(admin, 'auditor.rv'))
    t.same(await auditor.post(workerReveal, { purpose: 'inspection of the wage ledger', fields: ['cardNo'] }), { workerId: worker.id, cardNo: CARD }, 'an auditor of the region')
    const outsider = admin.as(await logIn(admin, 'lm.other'))
    t.match(await failure(outsider.post(workerReveal, { purpose, fields: ['idNumber'] })), { status: 404, code: 'worker_not_found' }, "another organisation's labour manager: as if missing")
    t.match(await failure(outsider.post(inputReveal, { purpose })), { status: 404, code: 'rejected_input_not_found' })
    t.same(await admin.post(workerReveal, { purpose: 'operator support case 1234', fields: ['idNumber'] }), { workerId: worker.id, idNumber: ID }, 'the admin may')
  })

  await t.test(`${LIMITS.reveals_per_hour} reveals an hour per caller, both routes together; then 429`, async (t) => {
    const busy = admin.as(await logIn(admin, 'lm.rv.2'))
    for (let i = 0; i < LIMITS.reveals_per_hour - 1; i++) await busy.post(workerReveal, { purpose: `payroll check ${i}`, fields: ['cardNo'] })
    await busy.post(inputReveal, { purpose: 'the last one this hour' })
    const over = await failure(busy.post(workerReveal, { purpose: 'one too many', fields: ['cardNo'] }))
    t.match(over, { status: 429, code: 'too_many_requests' })
    t.match(await failure(busy.post(inputReveal, { purpose: 'one too many' })), { status: 429, code: 'too_many_requests' }, 'the other route shares the budget')
    t.same(await manager.post(workerReveal, { purpose, fields: ['phone'] }), { workerId: worker.id, phone: PHONE }, 'another caller is not held back')
  })
})
