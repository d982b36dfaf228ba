/**
 * (Found by review.)
 * A 考勤号 (device user id) is masked in every reply because some sites enrol workers on the gates under their
 * ID number (README, What is masked). Setting one already held by another enrolment of the project is refused 409
 * device_user_id_taken, and setting the one the enrolment holds is refused 400: both echoed the id in full in
 * error details (src/roster/service.ts), so a full ID number went out in a reply, and the 409 told the caller that
 * some other worker of the project is enrolled under that ID number.
 */
import t from 'tap'
import { idCheckChar } from '../../src/roster/identity.ts'
import { cardNumber } from '../../simulators/identities.ts'
import { startTestServer } from '../helpers/server.ts'
import { createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'

const id17 = '33010619850317042'
const ID = id17 + idCheckChar(id17)

t.test('device user id refusals do not carry the id in full', async (t) => {
  const { api: admin } = await startTestServer(t)
  const site = await registerAccessSite(admin, { tag: 'DU1', regionCode: '330106', bankCode: '103331000001', seed: 641 })
  // A second worker of the project enrolled on the gates under their ID number.
  const w2 = await admin.post<{ id: string }>('/api/workers', { name: '王五', idNumber: ID, bankName: '农行', cardNo: cardNumber(642) })
  const w2Enrolment = await admin.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w2.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: ID })
  await createLogin(admin, 'lm.du', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = admin.as(await logIn(admin, 'lm.du'))
  const res = await lm.fetch(`/api/projects/${site.projectId}/enrolments/${site.enrolmentId}/device-user`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ deviceUserId: ID, reason: '考勤号录错' }),
  })
  const text = await res.text()
  t.equal(res.status, 409, text)
  t.notOk(text.includes(ID), `409 device_user_id_taken: no full ID number in the reply (${text})`)
  t.match(text, `330106********${ID.slice(-4)}`, 'the id is named masked')
  // The second worker's own id again: 400, the id masked in the message too.
  const again = await lm.fetch(`/api/projects/${site.projectId}/enrolments/${w2Enrolment.id}/device-user`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ deviceUserId: ID, reason: '重复提交' }),
  })
  const againText = await again.text()
  t.equal(again.status, 400, againText)
  t.match(againText, 'validation_failed')
  t.notOk(againText.includes(ID), `400: no full ID number in the reply (${againText})`)
  // Enrolling a third worker under it: 409 at enrolment, masked.
  const w3 = await admin.post<{ id: string }>('/api/workers', { name: '赵六', idNumber: '11010519491231002X', bankName: '农行', cardNo: cardNumber(643) })
  const enrolled = await lm.fetch(`/api/projects/${site.projectId}/enrolments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workerId: w3.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: ID }),
  })
  const enrolledText = await enrolled.text()
  t.equal(enrolled.status, 409, enrolledText)
  t.match(enrolledText, 'device_user_id_taken')
  t.notOk(enrolledText.includes(ID), `409 at enrolment: no full ID number in the reply (${enrolledText})`)
})
