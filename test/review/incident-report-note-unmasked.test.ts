/**
 * Review: text people type is masked by shape in every reply (README, What is masked); a clue's steps' notes are
 * (src/http/routes/clues.ts maskDeep), but a major incident's report note is sent as typed (src/http/routes/incidents.ts
 * presentIncident), to the operator and to every auditor of the region: "已电话通知工人 139…，身份证 …" goes out in full.
 */
import t from 'tap'
import { idCheckChar } from '../../src/roster/identity.ts'
import { startTestServer } from '../helpers/server.ts'
import { createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'

const PHONE = '13957112345'
const id17 = '33010619850317042'
const ID = id17 + idCheckChar(id17)

t.test("an incident report's note is masked", async (t) => {
  const { api: admin } = await startTestServer(t)
  const site = await registerAccessSite(admin, { tag: 'IN1', regionCode: '330106', bankCode: '103331000001', seed: 651 })
  const r = await admin.post<{ clue: { id: string; incidentId: string | null } }>('/api/clues', { channel: 'hotline_12333', projectId: site.projectId, summary: '班组12人三个月没发工资', headcount: 12, amountFen: 36_000_000, externalRef: 'IN-1' })
  const incidentId = r.clue.incidentId
  t.ok(incidentId, 'the clue became a major incident')
  const reported = await admin.fetch(`/api/incidents/${incidentId}/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reportedTo: '市住建局（电话）', note: `带头工人电话 ${PHONE}，身份证 ${ID}` }),
  })
  const posted = await reported.text()
  t.equal(reported.status, 201, posted)
  t.notOk(posted.includes(PHONE) || posted.includes(ID), `the operator's reply masks the note (${posted})`)
  await createLogin(admin, 'auditor.in', 'auditor', { regionCode: '3301' })
  const auditor = admin.as(await logIn(admin, 'auditor.in'))
  const read = await (await auditor.fetch(`/api/incidents/${incidentId}`)).text()
  t.notOk(read.includes(PHONE) || read.includes(ID), "the auditor's GET masks the note")
  const list = await (await auditor.fetch('/api/incidents')).text()
  t.notOk(list.includes(PHONE) || list.includes(ID), "the auditor's list masks the note")
})
