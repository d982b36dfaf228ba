/**
 * (Found by review.) The bureau's drill-down prints a worker's name as typed, while the API (GET …/teams/{teamId}/timesheets/{month})
 * and the labour manager's desk mask the phone or ID number typed into it.
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { DESK_NOW_MS, registerDeskSite, REVIEW_MONTH } from './helpers/desk-site.ts'
import { getPage as get, signIn } from './helpers/http.ts'

t.test('drill-down: a phone number typed into a name is masked, as the API masks it', async (t) => {
  const { api, httpUrl: base } = await startTestServer(t, { clock: new ManualClock(DESK_NOW_MS) })
  const d = await registerDeskSite(api, { tag: 'DN', seed: 91 })
  const P = d.site.projectId
  const phone = '13812345678'
  const w = await api.post<{ id: string }>('/api/workers', { name: `王五${phone}`, idNumber: idNumber(new Rng(9101), 9101), bankName: '农行', cardNo: cardNumber(9101) })
  await api.post(`/api/projects/${P}/enrolments`, { workerId: w.id, teamId: d.site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: 'W-DN-5' })
  await api.post(`/api/projects/${P}/workers/${w.id}/days/2026-10-12/corrections`, { kind: 'set_status', status: 'present', reason: '补录', author: '劳资员' })

  const byApi = await api.get<{ workers: Array<{ workerId: string; name: string }> }>(`/api/projects/${P}/teams/${d.site.teamId}/timesheets/${REVIEW_MONTH}`)
  const apiName = byApi.workers.find((x) => x.workerId === w.id)?.name
  t.equal(apiName, '王五138****5678', 'the API masks the number in the name')

  const auditor = await signIn(base, d.logins.auditor)
  const lm = await signIn(base, d.logins.labourManager)
  const desk = await get(base, `/pages/projects/${P}/desk/review?month=${REVIEW_MONTH}`, lm)
  t.notMatch(desk.text, phone, 'the desk masks it')
  for (const path of [`/pages/oversight/projects/${P}/months/${REVIEW_MONTH}/teams/${d.site.teamId}`, `/pages/oversight/projects/${P}/months/${REVIEW_MONTH}/workers/${w.id}`]) {
    const page = await get(base, path, auditor)
    t.equal(page.status, 200, path)
    t.notMatch(page.text, phone, `${path}: no phone number in clear`)
  }
})
