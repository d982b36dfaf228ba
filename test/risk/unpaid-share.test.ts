/**
 * Review: the risk index's unpaid share ("workers on the roster in the month due with no paid bank line") must count
 * workers, and as the ledger stood at the month's end (README "The monthly index run").
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { fen } from '../../src/kernel/money.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { formatPayoutFile } from '../../src/payouts/file-format.ts'
import { startTestServer } from '../helpers/server.ts'
import { registerRegions } from './helpers/regions.ts'

interface Score {
  subjectId: string
  parts: Array<{ part: string; points: number; reasons: Array<{ points: number; signal: Record<string, unknown> }> }>
}

const SEED = 171

t.test('the unpaid share counts workers without pay, as at the month end', async (t) => {
  const clock = new ManualClock(Date.parse('2026-12-02T02:00:00Z'))
  const { api: admin } = await startTestServer(t, { clock })
  const r = await registerRegions(admin, SEED)
  // A second worker on the Hangzhou team, on site since September like the first.
  const w2 = await admin.post<{ id: string }>('/api/workers', { name: '李强', idNumber: idNumber(new Rng(9_171), 9_171), bankName: '农行', cardNo: cardNumber(9_171) })
  await admin.post(`/api/projects/${r.hz.projectId}/enrolments`, { workerId: w2.id, teamId: r.hz.teamId, dailyRate: '350.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: 'W2-HZ' })

  const unpaidOf = async (month: string): Promise<Record<string, unknown> | undefined> => {
    await admin.post('/api/risk/runs', { month })
    const ranking = await admin.get<{ scores: Score[] }>(`/api/risk/projects?month=${month}`)
    return ranking.scores.find((s) => s.subjectId === r.hz.projectId)?.parts.find((p) => p.part === 'unpaid')?.reasons[0]?.signal
  }

  await t.test('a worker paid in two lines, or a labour boss paid, does not pay the other worker', async (t) => {
    // October's wages (due 10 November): the bank pays the first worker, and a labour boss (包工头) who is no worker.
    const lines = [
      { seq: 1, payeeCard: cardNumber(SEED), payeeName: '张伟', amountFen: fen(300_000), status: 'success' as const, bankRef: 'RV-1', valueDate: '2026-11-09', failureReason: null },
      { seq: 2, payeeCard: cardNumber(900_171), payeeName: '包工头', amountFen: fen(700_000), status: 'success' as const, bankRef: 'RV-2', valueDate: '2026-11-09', failureReason: null },
    ]
    // Posted on the day, so November's run (as it stood at November's end) reads it.
    clock.set(Date.parse('2026-11-09T08:00:00Z'))
    const res = await admin.fetch(`/api/projects/${r.hz.projectId}/payout-files?period=2026-10`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: formatPayoutFile(lines, { encoding: 'utf-8' }) })
    clock.set(Date.parse('2026-12-02T02:00:00Z'))
    t.equal(res.status, 201, 'file stored')
    // November's run: the month due is October; two workers on the roster, one of them paid.
    t.match(await unpaidOf('2026-11'), { kind: 'unpaid_headcount', unpaid: 1, onRoster: 2 }, 'one of the two workers has no pay: the 包工头 line pays no worker')

    // On 20 November the bank returns the worker's payment (退票, naming it by its reference): nobody is paid.
    clock.set(Date.parse('2026-11-20T08:00:00Z'))
    const csv = ['序号,收款账号,收款户名,金额,处理结果,失败原因,原流水号', `1,${cardNumber(SEED)},张伟,3000.00,退票,原账户已销户,RV-1`, '合计笔数,1,合计金额,3000.00'].join('\r\n') + '\r\n'
    const returned = await admin.fetch(`/api/projects/${r.hz.projectId}/payout-files?period=2026-10&format=text:filename-date-csv&filename=${encodeURIComponent('代发结果_20261120.csv')}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: Buffer.from(csv, 'utf-8'),
    })
    clock.set(Date.parse('2026-12-02T02:00:00Z'))
    t.equal(returned.status, 201, 'return stored')
    t.match(await unpaidOf('2026-11'), { kind: 'unpaid_headcount', unpaid: 2, onRoster: 2 }, 'the returned payment paid nobody')
  })

  await t.test('a payment made after the month ended does not change that month', async (t) => {
    // October's run: the month due is September (paid by 10 October). Nothing was paid for September by 31 October.
    t.match(await unpaidOf('2026-10'), { kind: 'unpaid_headcount', unpaid: 2, onRoster: 2 }, 'at the end of October nobody was paid for September')
    // In December the bank posts September's payments, late.
    const lines = [1, 2].map((seq) => ({ seq, payeeCard: cardNumber(seq === 1 ? SEED : 9_171), payeeName: seq === 1 ? '张伟' : '李强', amountFen: fen(300_000), status: 'success' as const, bankRef: `RS-${seq}`, valueDate: '2026-12-01', failureReason: null }))
    const res = await admin.fetch(`/api/projects/${r.hz.projectId}/payout-files?period=2026-09`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: formatPayoutFile(lines, { encoding: 'utf-8' }) })
    t.equal(res.status, 201, 'file stored')
    t.match(await unpaidOf('2026-10'), { kind: 'unpaid_headcount', unpaid: 2, onRoster: 2 }, "October run again: the ledger as it stood at October's end still had nobody paid for September")
  })
})
