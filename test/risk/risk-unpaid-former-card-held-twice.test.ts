/**
 * (Found by review.) A card held by two workers in turn (data from before 一卡多人 was refused on registration and
 * change, 9c0c1d8) pays only the worker who held it on the payment's value date, in the risk index's unpaid share: a
 * former card of two workers made one payment count for both, and a former card another worker holds now went to the
 * one holding it now, even one who came on site after the payment.
 */
import t, { type Test } from 'tap'
import { Api } from '../../simulators/api.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { q } from '../../src/db/database.ts'
import type { Services } from '../../src/services.ts'
import { fen } from '../../src/kernel/money.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { formatPayoutFile } from '../../src/payouts/file-format.ts'
import { startTestServer } from '../helpers/server.ts'
import { registerRegions } from './helpers/regions.ts'

interface Score {
  subjectId: string
  parts: Array<{ part: string; points: number; reasons: Array<{ points: number; signal: Record<string, unknown> }> }>
}

const at = (iso: string): number => Date.parse(iso)

/** What the roster once allowed: the worker takes a card another worker held, by a change the service now refuses. */
async function legacyChangeTo(services: Services, workerId: string, cardNo: string, atMs: number): Promise<void> {
  const w = await services.db.get<{ cardNo: string; bankName: string }>(q('SELECT card_no AS "cardNo", bank_name AS "bankName" FROM workers WHERE id = ?', workerId))
  const last = await services.db.get<{ seq: unknown }>(q('SELECT MAX(seq) AS "seq" FROM worker_card_changes WHERE worker_id = ?', workerId))
  await services.db.run(
    q(
      'INSERT INTO worker_card_changes (id, worker_id, seq, previous_bank_name, previous_card_no, bank_name, card_no, reason, actor, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      `legacy-${workerId}-${atMs}`, workerId, Number(last?.seq ?? 0) + 1, w!.bankName, w!.cardNo, '农行', cardNo, '旧数据', 'legacy', atMs,
    ),
  )
  await services.db.run(q('UPDATE workers SET card_no = ? WHERE id = ?', cardNo, workerId))
}

async function setUp(t: Test, seed: number, secondEntry: string) {
  const clock = new ManualClock(at('2026-11-09T08:00:00Z'))
  const { api: admin, services } = await startTestServer(t, { clock })
  const r = await registerRegions(admin, seed)
  const first = (await services.db.get<{ id: string }>(q('SELECT worker_id AS "id" FROM enrolments WHERE project_id = ?', r.hz.projectId)))!.id
  const second = await admin.post<{ id: string }>('/api/workers', { name: '李强', idNumber: idNumber(new Rng(seed + 7), seed + 7), bankName: '农行', cardNo: cardNumber(seed + 10_000) })
  // October's wages (due 10 November) paid to the first worker's card on 9 November; the second worker has none.
  const line = { seq: 1, payeeCard: cardNumber(seed), payeeName: '张伟', amountFen: fen(300_000), status: 'success' as const, bankRef: 'FC-1', valueDate: '2026-11-09', failureReason: null }
  const res = await admin.fetch(`/api/projects/${r.hz.projectId}/payout-files?period=2026-10`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: formatPayoutFile([line], { encoding: 'utf-8' }) })
  t.equal(res.status, 201, 'file stored')
  // 12 November: the first worker changes card (换卡); the paid card is now their former card.
  clock.set(at('2026-11-12T02:00:00Z'))
  await admin.post(`/api/workers/${first}/card-changes`, { bankName: '农行', cardNo: cardNumber(seed + 20_000), reason: '原卡挂失' })
  // 13 November: the second worker is given that card, as the roster once allowed.
  clock.set(at('2026-11-13T02:00:00Z'))
  await legacyChangeTo(services, second.id, cardNumber(seed), clock.nowMs())
  clock.set(at('2026-11-14T02:00:00Z'))
  await admin.post(`/api/projects/${r.hz.projectId}/enrolments`, { workerId: second.id, teamId: r.hz.teamId, dailyRate: '350.00', safetyTrained: true, entryDate: secondEntry, deviceUserId: `W2-${seed}` })
  return { clock, admin, r, secondId: second.id }
}

async function unpaidPart(admin: Api, clock: ManualClock, projectId: string) {
  clock.set(at('2026-12-02T02:00:00Z'))
  await admin.post('/api/risk/runs', { month: '2026-11' })
  const ranking = await admin.get<{ scores: Score[] }>('/api/risk/projects?month=2026-11')
  return ranking.scores.find((s) => s.subjectId === projectId)?.parts.find((p) => p.part === 'unpaid')
}

t.test('a card two workers held in turn pays the one who held it on the value date, once', async (t) => {
  const { clock, admin, r, secondId } = await setUp(t, 193, '2026-09-01')
  // 25 November: the second worker changes card too; both now hold the paid card as a former card.
  clock.set(at('2026-11-25T02:00:00Z'))
  await admin.post(`/api/workers/${secondId}/card-changes`, { bankName: '农行', cardNo: cardNumber(193 + 30_000), reason: '换卡' })
  const unpaid = await unpaidPart(admin, clock, r.hz.projectId)
  t.match(unpaid?.reasons[0]?.signal, { kind: 'unpaid_headcount', unpaid: 1, onRoster: 2 }, `one payment pays one of the two workers: ${JSON.stringify(unpaid?.reasons[0]?.signal)}`)
})

t.test('a former card another worker holds now pays the worker who held it on the value date', async (t) => {
  // The one holding the card now came on site in November: October's payment cannot be theirs.
  const { clock, admin, r } = await setUp(t, 195, '2026-11-14')
  const unpaid = await unpaidPart(admin, clock, r.hz.projectId)
  t.equal(unpaid, undefined, `the first worker held the card on 9 November and was paid in full${unpaid ? ` (found: ${JSON.stringify(unpaid.reasons[0]?.signal)})` : ''}`)
})
