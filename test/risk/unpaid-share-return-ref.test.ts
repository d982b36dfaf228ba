/**
 * (Found by review.) A payment reported by two files under two references and given back (退票) naming either is
 * undone for the risk index's unpaid share, as reconciliation and the ledger undo it.
 */
/**
 * Review: the risk index's unpaid share (OversightRepository.paidWorkerCounts) must match returns as reconciliation
 * does (paymentsOf): a return naming the bank reference of any report of a payment undoes the payment, every report of
 * it. The SQL only drops the one line whose own reference is named, so another report of the same payment (same
 * EndToEndId, another file's reference) still counts the worker paid.
 */
import t from 'tap'
import { cardNumber } from '../../simulators/identities.ts'
import { fen } from '../../src/kernel/money.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { formatPayoutFile } from '../../src/payouts/file-format.ts'
import { LedgerRepository } from '../../src/payroll/ledger-repository.ts'
import { startTestServer } from '../helpers/server.ts'
import { registerRegions } from './helpers/regions.ts'

const SEED = 171

t.test('a payment reported by two files and returned by one reference paid nobody', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-09T08:00:00Z'))
  const { api: admin, services } = await startTestServer(t, { clock })
  const r = await registerRegions(admin, SEED)
  const post = (body: Buffer | string, query = '') =>
    admin.fetch(`/api/projects/${r.hz.projectId}/payout-files?period=2026-10${query}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body })
  const line = (bankRef: string) => ({ seq: 1, payeeCard: cardNumber(SEED), payeeName: '张伟', amountFen: fen(300_000), status: 'success' as const, bankRef, valueDate: '2026-11-09', failureReason: null, endToEndId: 'E2E-REV-1' })
  // October's wages: the bank's result file books the payment (RA-1) ...
  t.equal((await post(formatPayoutFile([line('RA-1')], { encoding: 'utf-8' }))).status, 201)
  // ... and its statement reports the same payment (same EndToEndId) under its own reference RB-1.
  clock.set(Date.parse('2026-11-10T08:00:00Z'))
  t.equal((await post(formatPayoutFile([line('RB-1')], { encoding: 'utf-8' }))).status, 201)
  // 20 November: 退票, naming the payment by the statement's reference.
  clock.set(Date.parse('2026-11-20T08:00:00Z'))
  const csv = ['序号,收款账号,收款户名,金额,处理结果,失败原因,原流水号', `1,${cardNumber(SEED)},张伟,3000.00,退票,原账户已销户,RB-1`, '合计笔数,1,合计金额,3000.00'].join('\r\n') + '\r\n'
  t.equal((await post(Buffer.from(csv, 'utf-8'), `&format=text:filename-date-csv&filename=${encodeURIComponent('代发结果_20261120.csv')}`)).status, 201)

  // Reconciliation's reading (the ledger's standing payments): nothing stands for the card.
  const standing = (await new LedgerRepository(services.db).monthPayments(r.hz.projectId, '2026-10')).of('', cardNumber(SEED)) // by the card: no instruction names E2E-REV-1
  t.same(standing, [], 'reconciliation / ledger: the payment was returned, nothing stands')

  clock.set(Date.parse('2026-12-02T02:00:00Z'))
  await admin.post('/api/risk/runs', { month: '2026-11' })
  const ranking = await admin.get<{ scores: Array<{ subjectId: string; parts: Array<{ part: string; reasons: Array<{ signal: Record<string, unknown> }> }> }> }>('/api/risk/projects?month=2026-11')
  const unpaid = ranking.scores.find((s) => s.subjectId === r.hz.projectId)?.parts.find((p) => p.part === 'unpaid')?.reasons[0]?.signal
  t.match(unpaid, { kind: 'unpaid_headcount', unpaid: 1, onRoster: 1 }, 'the one worker on the roster is unpaid: the risk index agrees with reconciliation')
})
