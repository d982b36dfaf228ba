/**
 * (Found by review.)
 * GET /api/projects/{id}/upstream lists refused records "with the platform's reasons (ID and card numbers masked)":
 * a platform that names the number in its reason (身份证号…未登记) must not get it shown in full to an auditor.
 */
import t from 'tap'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { startTestServer } from '../helpers/server.ts'
import { createLogin, logIn } from '../access/helpers/site.ts'
import { APP_ID, creditCode, SECRET, startPlatform } from '../helpers/upstream.ts'

const START = Date.parse('2026-11-03T02:00:00Z')

t.test("a refusal's reason naming the ID number is masked in the summary", async (t) => {
  const clock = new ManualClock(START)
  const { platform, url } = await startPlatform(t, clock)
  platform.refuse = (kind, record) => (kind === 'ProjectWorker' ? `身份证号${String(record.IDCardNumber)}在其他项目在场，银行卡${String(record.PayRollBankCardNumber)}未实名` : null)
  const upstream = parseUpstreamConfig({ provinces: { 33: { endpoint: url, appId: APP_ID, appSecret: SECRET } }, projects: { 'UPM-1': {} }, passMs: 3_600_000, sweepMs: 3_600_000, watchMs: 3_600_000 })
  const { api, services } = await startTestServer(t, { clock, config: { upstream } })
  const cu = await api.post<{ id: string }>('/api/organisations', { kind: 'construction_unit', name: 'cu', creditCode: creditCode(21) })
  const gc = await api.post<{ id: string }>('/api/organisations', { kind: 'general_contractor', name: 'gc', creditCode: creditCode(22) })
  const sub = await api.post<{ id: string }>('/api/organisations', { kind: 'subcontractor', name: 'sub', creditCode: creditCode(23) })
  const p = await api.post<{ id: string }>('/api/projects', { siteCode: 'UPM-1', name: '工程', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1904510104000000001', name: '专户' } })
  const team = await api.post<{ id: string }>(`/api/projects/${p.id}/teams`, { name: '钢筋班', employerId: sub.id })
  const idNo = idNumber(new Rng(23), 1)
  const card = cardNumber(23)
  const w = await api.post<{ id: string }>('/api/workers', { name: '张伟', idNumber: idNo, bankName: '农行', cardNo: card })
  await api.post(`/api/projects/${p.id}/enrolments`, { workerId: w.id, teamId: team.id, dailyRate: '350.00', safetyTrained: true, entryDate: '2026-11-01' })
  await services.upstream.reporter.idle()
  for (let i = 0; i < 20; i++) {
    await services.upstream.runner.pass()
    clock.advance(10_000)
  }
  await createLogin(api, 'auditor.3301', 'auditor', { regionCode: '3301' })
  const auditor = api.as(await logIn(api, 'auditor.3301'))
  const s = await auditor.get<{ refused: Array<{ kind: string; reason: string }> }>(`/api/projects/${p.id}/upstream`)
  t.ok(s.refused.some((r) => r.kind === 'ProjectWorker'), 'the worker refused, with its reason')
  t.notOk(JSON.stringify(s).includes(idNo), 'the full ID number is nowhere in the answer')
  t.notOk(JSON.stringify(s).includes(card), 'nor the full card number')
})
