/**
 * (Found by review.)
 * Text people type is masked by shape in every reply (README, What is masked); a clue's steps' notes were
 * (src/http/routes/clues.ts maskDeep), but a major incident's report note and to whom were sent as typed
 * (src/http/routes/incidents.ts presentIncident), to the operator and to every auditor of the region: "已电话通知工人
 * 139…，身份证 …" went out in full. So did a credit record's reason (it quotes the clue's resolution note) and its
 * repair's, and a rights-board contacts entry's reason. The contacts' phones are the ones the law posts at the site
 * gate: those stay as typed.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { idCheckChar } from '../../src/roster/identity.ts'
import { creditCode } from '../helpers/upstream.ts'
import { startTestServer } from '../helpers/server.ts'
import { createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'

const PHONE = '13957112345'
const id17 = '33010619850317042'
const ID = id17 + idCheckChar(id17)
const leaks = (text: string): boolean => text.includes(PHONE) || text.includes(ID)

const NOW = Date.parse('2026-12-10T03:00:00Z')

t.test("an incident report's note and addressee are masked", async (t) => {
  const { api: admin } = await startTestServer(t)
  const site = await registerAccessSite(admin, { tag: 'IN1', regionCode: '330106', bankCode: '103331000001', seed: 651 })
  const r = await admin.post<{ clue: { id: string; incidentId: string | null } }>('/api/clues', { channel: 'hotline_12333', projectId: site.projectId, summary: '班组12人三个月没发工资', headcount: 12, amountFen: 36_000_000, externalRef: 'IN-1' })
  const incidentId = r.clue.incidentId
  t.ok(incidentId, 'the clue became a major incident')
  const reported = await admin.fetch(`/api/incidents/${incidentId}/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reportedTo: `市住建局 王科长 ${PHONE}`, note: `带头工人电话 ${PHONE}，身份证 ${ID}` }),
  })
  const posted = await reported.text()
  t.equal(reported.status, 201, posted)
  t.notOk(leaks(posted), `the operator's reply masks the note (${posted})`)
  t.match(posted, '带头工人电话 139****2345', 'the words are kept, the number masked')
  await createLogin(admin, 'auditor.in', 'auditor', { regionCode: '3301' })
  const auditor = admin.as(await logIn(admin, 'auditor.in'))
  const read = await (await auditor.fetch(`/api/incidents/${incidentId}`)).text()
  t.notOk(leaks(read), "the auditor's GET masks the note")
  const list = await (await auditor.fetch('/api/incidents')).text()
  t.notOk(leaks(list), "the auditor's list masks the note")
  const page = await auditor.fetch('/pages/oversight/incidents')
  const html = await page.text()
  t.equal(page.status, 200)
  t.match(html, '王科长', 'the incidents page shows to whom it was reported')
  t.notOk(leaks(html), 'the incidents page masks it')
})

t.test("a credit record's reason and its repair's are masked", async (t) => {
  const clock = new ManualClock(NOW)
  const { api: admin } = await startTestServer(t, { clock })
  const code = creditCode(43)
  const clue = await admin.post<{ clue: { id: string } }>('/api/clues', { channel: 'hotline_12333', employerCreditCode: code, month: '2026-10', summary: '十月工资没发', headcount: 3, amountFen: 1_200_000, externalRef: 'CR-M1' })
  const step = (body: Record<string, unknown>) => admin.post<{ steps: Array<{ body: Record<string, unknown> }> }>(`/api/clues/${clue.clue.id}/steps`, body)
  await step({ type: 'checked', cause: 'other', note: '核实欠薪' })
  await step({ type: 'routed', to: 'hrss_bureau' })
  const resolved = await step({ type: 'resolved', outcome: 'arrears_confirmed', note: `查实拖欠十月工资，工人代表 ${PHONE}`, employerName: '某劳务有限公司' })
  const recordId = resolved.steps.at(-1)!.body.creditRecordId as string
  t.ok(recordId, 'arrears confirmed: a credit record')
  // Paid in full in November 2026; the repair may be recorded twelve months on.
  clock.set(Date.parse('2027-11-20T03:00:00Z'))
  const repaired = await admin.fetch(`/api/credit-records/${recordId}/repair`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ paidInFullOn: '2026-11-15', reason: `局里同意修复，联系人身份证 ${ID}` }),
  })
  const repairedText = await repaired.text()
  t.equal(repaired.status, 201, repairedText)
  t.notOk(leaks(repairedText), `the repair's reply masks both reasons (${repairedText})`)
  await createLogin(admin, 'auditor.cr', 'auditor', { regionCode: code.slice(2, 6) })
  const auditor = admin.as(await logIn(admin, 'auditor.cr'))
  const one = await (await auditor.fetch(`/api/credit-records/${recordId}`)).text()
  t.match(one, '工人代表 139****2345', "the record's reason: the words kept, the number masked")
  t.notOk(leaks(one), "the auditor's GET masks them")
  t.notOk(leaks(await (await auditor.fetch('/api/credit-records')).text()), "the auditor's list masks them")
  const page = await auditor.fetch('/pages/oversight/credit-records')
  const html = await page.text()
  t.equal(page.status, 200)
  t.notOk(leaks(html), 'the credit records page masks them')
})

t.test("a contacts entry's reason is masked, the posted phones are not", async (t) => {
  const { api: admin } = await startTestServer(t)
  const site = await registerAccessSite(admin, { tag: 'PC1', regionCode: '330106', bankCode: '103331000001', seed: 652 })
  await createLogin(admin, 'lm.pc', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = admin.as(await logIn(admin, 'lm.pc'))
  const posted = await lm.fetch(`/api/projects/${site.projectId}/contacts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ labourManagerName: '王建国', labourManagerPhone: '13800001111', reason: `原专管员离职（身份证 ${ID}，电话 ${PHONE}）` }),
  })
  const text = await posted.text()
  t.equal(posted.status, 201, text)
  t.notOk(leaks(text), `the reply masks the reason (${text})`)
  t.match(text, '"labourManagerPhone":"13800001111"', 'the phone posted at the gate is shown as posted')
  await createLogin(admin, 'auditor.pc', 'auditor', { regionCode: '3301' })
  const auditor = admin.as(await logIn(admin, 'auditor.pc'))
  const read = await (await auditor.fetch(`/api/projects/${site.projectId}/contacts`)).text()
  t.notOk(leaks(read), "the auditor's GET masks the reason")
  const form = await lm.fetch(`/pages/projects/${site.projectId}/rights-board/contacts`)
  const html = await form.text()
  t.equal(form.status, 200)
  t.match(html, '13800001111', 'the contacts page shows the posted phone')
  t.notOk(leaks(html), "the contacts page's history masks the reason")
})
