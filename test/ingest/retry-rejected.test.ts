/**
 * A worker enrolled without a 考勤号 (their face enrolled on the terminal later) punches in: the frame is refused as
 * unknown_worker and the terminal is told so, so it never sends it again. Once the 考勤号 is set, the kept frame is
 * taken in again and becomes the punch it was — nothing the gate saw is lost to a roster entered late. Each retry and
 * each 考勤号 change is kept with who made it and why; a frame refused for what it holds is not retried.
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

const AT_MS = Date.parse('2026-11-03T02:00:00Z')

interface Rejected { id: number; reason: string; recordId: string | null }
interface Retry { outcome: string; refusedReason: string | null; reason: string; actor: string }

t.test('a frame refused for a 考勤号 not yet set is taken in once it is', async (t) => {
  let nowMs = AT_MS
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => nowMs } })
  const site = await registerAccessSite(api, { tag: 'RT-1', regionCode: '330106', bankCode: '103331000011', seed: 2611 })
  await createLogin(api, 'lm.rt', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = api.as(await logIn(api, 'lm.rt'))
  await createLogin(api, 'au.rt', 'auditor', { regionCode: '3301' })
  const auditor = api.as(await logIn(api, 'au.rt'))
  const rng = new Rng(2612)
  const w = await api.post<{ id: string }>('/api/workers', { name: '李四', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: cardNumber(2613) })
  const e = await lm.post<{ id: string; deviceUserId: string | null }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-11-01' })
  t.equal(e.deviceUserId, null, 'enrolled without a 考勤号')
  await lm.post(`/api/projects/${site.projectId}/devices`, { serial: 'FT-RT-1', model: 'canonical', installedAt: '2026-10-01T00:00:00Z' })

  const frame = (recordId: string, value: string, body?: string) =>
    services.inbox.submit({
      topic: 'wl/v1/RT-1/FT-RT-1/punch',
      payload: Buffer.from(body ?? JSON.stringify({ deviceSerial: 'FT-RT-1', recordId, person: { kind: 'device_user', value }, deviceTime: '2026-11-03T07:58:00+08:00', direction: 'in', verifyMethod: 'face', channel: 'face_terminal' })),
      clientId: 'FT-RT-1',
    })
  t.match(await frame('R1', 'N77'), { kind: 'rejected', reason: 'unknown_worker' })
  t.match(await frame('R2', 'N77', '{"deviceSerial":"FT-RT-1"'), { kind: 'rejected', reason: 'malformed_payload' })
  const refused = await lm.get<Rejected[]>(`/api/rejected-inputs?projectId=${site.projectId}`)
  const unknown = refused.find((r) => r.reason === 'unknown_worker')!
  const garbled = refused.find((r) => r.reason === 'malformed_payload')!
  const retry = (id: number, as = lm) => as.fetch(`/api/rejected-inputs/${id}/retry`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: '补录考勤号后重新接收' }) })

  await t.test('before the roster is put right, a retry is refused again, and says so', async (t) => {
    const res = await retry(unknown.id)
    t.equal(res.status, 200)
    t.match(await res.json(), { outcome: 'rejected', refusedReason: 'unknown_worker', reason: '补录考勤号后重新接收', actor: /lm\.rt/ })
  })

  await t.test('the 考勤号 is set, with its reason; one another worker holds is refused', async (t) => {
    const taken = await lm.fetch(`/api/projects/${site.projectId}/enrolments/${e.id}/device-user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ deviceUserId: 'W-RT-1', reason: '录入' }) })
    t.equal(taken.status, 409)
    t.match(await taken.json(), { error: { code: 'device_user_id_taken' } })
    const set = await lm.post<{ deviceUserId: string }>(`/api/projects/${site.projectId}/enrolments/${e.id}/device-user`, { deviceUserId: 'N77', reason: '人脸已在终端录入' })
    t.ok(set.deviceUserId, 'the enrolment carries it')
    const history = await auditor.get<Array<{ deviceUserId: string; previousDeviceUserId: string | null; reason: string; actor: string }>>(`/api/projects/${site.projectId}/enrolments/${e.id}/device-users`)
    t.match(history, [{ previousDeviceUserId: null, reason: '人脸已在终端录入', actor: /lm\.rt/ }], 'kept with the one it replaced (none), author and reason')
    await t.rejects(services.db.run({ text: 'UPDATE enrolment_device_users SET reason = ?', params: ['x'] }), /append-only/)
  })

  await t.test('taken in again: the punch it was, once', async (t) => {
    nowMs += 60_000
    const auditorTry = await retry(unknown.id, auditor)
    t.equal(auditorTry.status, 403, 'the bureau reads; it does not take frames in')
    const res = await retry(unknown.id)
    t.equal(res.status, 200)
    t.match(await res.json(), { outcome: 'stored', refusedReason: null })
    const punches = await lm.get<Array<{ workerId: string; recordId: string }>>(`/api/projects/${site.projectId}/punches?date=2026-11-03`)
    t.same(punches.filter((p) => p.workerId === w.id).length, 1, 'one punch of the worker on the 3rd')
    const again = await retry(unknown.id)
    t.equal(again.status, 409, 'taken in already')
    t.match(await again.json(), { error: { code: 'rejected_input_not_retryable', details: { why: /taken in already/ } } })
    const retries = await auditor.get<Retry[]>(`/api/rejected-inputs/${unknown.id}/retries`)
    t.same(retries.map((r) => r.outcome), ['rejected', 'stored'], 'both retries kept')
    await t.rejects(services.db.run({ text: 'DELETE FROM rejected_input_retries', params: [] }), /append-only/)
  })

  await t.test('a frame refused for what it holds is not retried', async (t) => {
    const res = await retry(garbled.id)
    t.equal(res.status, 409)
    t.match(await res.json(), { error: { code: 'rejected_input_not_retryable', details: { reason: 'malformed_payload' } } })
  })
})
