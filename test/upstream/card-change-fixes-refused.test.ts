/**
 * A ProjectWorker record the platform refused for its card, fixed by recording the worker's new card (换卡), goes out
 * as the next revision of the refused record (README: "one whose data was fixed in the ledger goes out as the next
 * revision"), so its UPSTREAM_REFUSED case resolves once accepted. Only a card changed after the newest record was
 * accepted goes under a new key (found by review of this session's diff: every changed card was re-keyed).
 */
import t from 'tap'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { UpstreamPlatform } from '../../simulators/upstream-platform.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { startTestServer } from '../helpers/server.ts'
import { APP_ID, creditCode, SECRET } from '../helpers/upstream.ts'

const START = Date.parse('2026-11-03T02:00:00Z')

t.test('a worker record refused for its card, fixed by a card change, is not left refused', async (t) => {
  const clock = new ManualClock(START)
  const platform = new UpstreamPlatform({ appId: APP_ID, appSecret: SECRET, clock, batchSizeMax: 10, pendingQueries: 1 })
  const badCard = cardNumber(1)
  platform.refuse = (kind, record) => (kind === 'ProjectWorker' && String(record['PayRollBankCardNumber']) === badCard ? 'PayRollBankCardNumber: 银行卡号无效' : null)
  const url = await platform.listen()
  t.teardown(() => platform.close())
  const upstream = parseUpstreamConfig({
    provinces: { 33: { endpoint: url, appId: APP_ID, appSecret: SECRET, batchSize: 10 } },
    projects: { 'UPR-1': { projectCode: 'P330106029' } },
    passMs: 3_600_000, sweepMs: 3_600_000, watchMs: 3_600_000,
  })
  const { api, services } = await startTestServer(t, { clock, config: { upstream } })
  const rng = new Rng(9)
  const org = (kind: string, n: number) => api.post<{ id: string }>('/api/organisations', { kind, name: `${kind} ${n}`, creditCode: creditCode(n) })
  const cu = await org('construction_unit', 1)
  const gc = await org('general_contractor', 2)
  const sub = await org('subcontractor', 3)
  const p = await api.post<{ id: string }>('/api/projects', { siteCode: 'UPR-1', name: '工程 UPR-1', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1904510104000000001', name: '专户' } })
  const team = await api.post<{ id: string }>(`/api/projects/${p.id}/teams`, { name: '钢筋班', employerId: sub.id })
  const worker = await api.post<{ id: string }>('/api/workers', { name: '张伟', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: badCard })
  await api.post(`/api/projects/${p.id}/enrolments`, { workerId: worker.id, teamId: team.id, dailyRate: '350.00', safetyTrained: true, entryDate: '2026-11-01' })
  const passes = async () => {
    await services.upstream.reporter.idle()
    for (let i = 0; i < 20; i++) {
      await services.upstream.runner.pass()
      clock.advance(10_000)
    }
  }
  await passes()
  const rowsOf = () => services.db.all<{ key: string; revision: number; state: string }>({ text: `SELECT key AS "key", revision AS "revision", state AS "state" FROM upstream_records WHERE kind = 'ProjectWorker' ORDER BY id`, params: [] })
  t.same((await rowsOf()).map((r) => r.state), ['refused'], 'refused for the card')

  await api.post(`/api/workers/${worker.id}/card-changes`, { bankName: '中国建设银行', cardNo: cardNumber(2), reason: '原卡无效，换卡' })
  await services.upstream.reporter.idle()
  await services.upstream.reporter.sweep()
  await passes()
  const rows = await rowsOf()
  t.comment(JSON.stringify(rows))
  const newest = new Map<string, { revision: number; state: string }>()
  for (const r of rows) if ((newest.get(r.key)?.revision ?? 0) < Number(r.revision)) newest.set(r.key, { revision: Number(r.revision), state: r.state })
  t.same([...newest.values()].filter((r) => r.state === 'refused'), [], 'no ProjectWorker record of the worker is left refused once the card is fixed')
})
