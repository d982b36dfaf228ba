/**
 * (Found by review.) A payment to the card a worker held before a card change (换卡) still pays that worker in the
 * bureau's figures (the risk index's unpaid share, the overview's 按月足额支付), as it does in reconciliation and the
 * wage ledger: the replaced card stays the worker's for payments made to it. The run reads the roster as it is when
 * the run is made, so matching only the card held now would let a change made after the payment, even after the
 * month ended, turn a worker paid in full into an unpaid one.
 */
import t from 'tap'
import { cardNumber } from '../../simulators/identities.ts'
import { q } from '../../src/db/database.ts'
import { fen } from '../../src/kernel/money.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { formatPayoutFile } from '../../src/payouts/file-format.ts'
import { startTestServer } from '../helpers/server.ts'
import { registerRegions } from './helpers/regions.ts'

interface Score {
  subjectId: string
  parts: Array<{ part: string; points: number; reasons: Array<{ points: number; signal: Record<string, unknown> }> }>
}

const SEED = 191

t.test("a payment to the worker's card before a card change still pays the worker", async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-09T08:00:00Z'))
  const { api: admin, services } = await startTestServer(t, { clock })
  const r = await registerRegions(admin, SEED)
  const worker = await services.db.get<{ id: string }>(q('SELECT worker_id AS "id" FROM enrolments WHERE project_id = ?', r.hz.projectId))

  // October's wages (due 10 November) paid in full to the worker's card on 9 November.
  const line = { seq: 1, payeeCard: cardNumber(SEED), payeeName: '张伟', amountFen: fen(300_000), status: 'success' as const, bankRef: 'FC-1', valueDate: '2026-11-09', failureReason: null }
  const res = await admin.fetch(`/api/projects/${r.hz.projectId}/payout-files?period=2026-10`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: formatPayoutFile([line], { encoding: 'utf-8' }) })
  t.equal(res.status, 201, 'file stored')

  // 20 November: the worker's card is lost; a new one is registered (换卡).
  clock.set(Date.parse('2026-11-20T02:00:00Z'))
  await admin.post(`/api/workers/${worker!.id}/card-changes`, { bankName: '农行', cardNo: cardNumber(SEED + 50_000), reason: '原卡挂失' })

  clock.set(Date.parse('2026-12-02T02:00:00Z'))
  await admin.post('/api/risk/runs', { month: '2026-11' })
  const ranking = await admin.get<{ scores: Score[] }>('/api/risk/projects?month=2026-11')
  const unpaid = ranking.scores.find((s) => s.subjectId === r.hz.projectId)?.parts.find((p) => p.part === 'unpaid')
  t.equal(unpaid, undefined, `October was paid in full on 9 November: no unpaid share in November${unpaid ? ` (found: ${JSON.stringify(unpaid.reasons[0]?.signal)}, ${unpaid.points / 10} points)` : ''}`)
})
