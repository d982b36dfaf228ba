/**
 * (Found by review.) A worker's new wage card (换卡) never reaches the provincial platform once the worker's ProjectWorker
 * record was accepted: the platform keeps paying-card data the ledger has replaced, silently.
 *
 * What is wrong: src/upstream/records.ts projectWorkerRecord keys the record `worker:<enrolmentId>` whatever its
 * payload; after a card change (POST /api/workers/{id}/card-changes) the roster sweep builds the same key with the new
 * PayRollBankCardNumber, and src/upstream/outbox.ts enqueueDecision answers `differs_from_accepted`: nothing is queued,
 * no case is raised (src/upstream/reporter.ts only counts it in `differs`), GET …/upstream shows nothing waiting.
 *
 * What the README / module doc say: "the roster after each change" is queued; "a correction after sending is a new
 * record under its own key (records.ts builds those), never an overwrite" — records.ts builds no such key for a worker's
 * changed card (or exit date, phone, contract). The platform's PayRollBankCardNumber is what it checks payouts against
 * (bank agency payment into the worker's own card, domain.md).
 *
 * What should happen: after the card change and a sweep, a ProjectWorker record carrying the new card is queued (a
 * new key or revision, or at least a visible UPSTREAM case / waiting record telling a person it was not sent).
 */
import t from 'tap'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { startTestServer } from '../helpers/server.ts'
import { APP_ID, creditCode, SECRET, startPlatform } from '../helpers/upstream.ts'

const START = Date.parse('2026-11-03T02:00:00Z')

t.test('a card changed after the roster was accepted is reported again', async (t) => {
  const clock = new ManualClock(START)
  const { url } = await startPlatform(t, clock)
  const upstream = parseUpstreamConfig({
    provinces: { 33: { endpoint: url, appId: APP_ID, appSecret: SECRET, batchSize: 10 } },
    projects: { 'UPC-1': { projectCode: 'P330106029' } },
    passMs: 3_600_000,
    sweepMs: 3_600_000,
    watchMs: 3_600_000,
  })
  const { api, services } = await startTestServer(t, { clock, config: { upstream } })
  const rng = new Rng(9)
  const org = (kind: string, n: number) => api.post<{ id: string }>('/api/organisations', { kind, name: `${kind} ${n}`, creditCode: creditCode(n) })
  const cu = await org('construction_unit', 1)
  const gc = await org('general_contractor', 2)
  const sub = await org('subcontractor', 3)
  const p = await api.post<{ id: string }>('/api/projects', { siteCode: 'UPC-1', name: '工程 UPC-1', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1904510104000000001', name: '专户' } })
  const team = await api.post<{ id: string }>(`/api/projects/${p.id}/teams`, { name: '钢筋班', employerId: sub.id })
  const worker = await api.post<{ id: string }>('/api/workers', { name: '张伟', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: cardNumber(1) })
  await api.post(`/api/projects/${p.id}/enrolments`, { workerId: worker.id, teamId: team.id, dailyRate: '350.00', safetyTrained: true, entryDate: '2026-11-01' })
  await services.upstream.reporter.idle()
  for (let i = 0; i < 20; i++) {
    await services.upstream.runner.pass()
    clock.advance(10_000)
  }
  const before = await services.db.all<{ state: string }>({ text: `SELECT state AS "state" FROM upstream_records WHERE kind = 'ProjectWorker'`, params: [] })
  t.same(before.map((r) => r.state), ['accepted'], 'the worker was accepted by the platform')

  const newCard = cardNumber(2)
  await api.post(`/api/workers/${worker.id}/card-changes`, { bankName: '中国建设银行', cardNo: newCard, reason: '原卡挂失' })
  await services.upstream.reporter.idle()
  const swept = await services.upstream.reporter.sweep()
  t.comment(`sweep: ${JSON.stringify(swept)}`)
  const rows = await services.db.all<{ payload: string; state: string }>({ text: `SELECT payload AS "payload", state AS "state" FROM upstream_records WHERE kind = 'ProjectWorker' ORDER BY id`, params: [] })
  t.ok(
    rows.some((r) => r.payload.includes(newCard)),
    'a ProjectWorker record with the new card is queued for the platform',
  )
  const keys = await services.db.all<{ key: string }>({ text: `SELECT key AS "key" FROM upstream_records WHERE kind = 'ProjectWorker' ORDER BY id`, params: [] })
  t.match(keys.map((k) => k.key), [/^worker:[^:]+$/, /^worker:[^:]+:card:1$/], 'under its own key: the accepted record is never overwritten')
  const again = await services.upstream.reporter.sweep()
  t.equal(again.differs, 0, 'a second sweep finds nothing differing')
})
