/**
 * Review (new user, bank integration): a bank may not read a month's flags (GET …/flags/{month} answers it 403
 * role_forbidden, flags are personal data for the labour manager and the auditor), yet the reply to its own
 * payout-file post and to POST …/reconciliations/{month} carries every flag with its evidence: workers' names, their
 * disputes (NOT_WORKER_CONFIRMED), the sheet lines and answers, project-wide flags. Whatever the intended rule,
 * the bank should not learn from one route what another refuses it.
 */
import t from 'tap'
import { createKey } from '../access/helpers/site.ts'
import { setUp } from '../payouts/helpers/instructed-site.ts'

t.test('a bank refused the flags listing gets no flags in its post or reconciliation replies', async (t) => {
  const s = await setUp(t, 9101)
  const bank = s.api.as((await createKey(s.api, 'bank review 9101', 'bank', { bankCode: '308584000013' })).key)
  const w = s.workers[0]!
  const file = `序号|收款账号|收款人|金额|状态|银行流水号|入账日期|失败原因|付款账号|端到端标识号\n1|${w.cardNo}|${w.workerName}|100.00|成功|REV-BANK-1|2026-11-08||${s.account}|${s.e2eOf(0)}\n`

  const listing = await bank.request<unknown>('GET', `/api/projects/${s.site.projectId}/flags/2026-10`).then(
    () => 200,
    (e: { status?: number }) => e.status ?? 0,
  )
  t.equal(listing, 403, 'the bank may not list the flags')

  const posted = await bank.request<{ reconciliation?: { flags?: Array<{ kind: string; workerName: string | null }> } }>(
    'POST', `/api/projects/${s.site.projectId}/payout-files?period=2026-10`, Buffer.from(file), 'text/plain')
  const postedFlags = posted.reconciliation?.flags ?? []
  t.same(postedFlags.map((f) => `${f.kind}:${f.workerName ?? '-'}`), [], 'the post reply shows the bank no flag it may not list')

  const manual = await bank.request<{ flags?: Array<{ kind: string; workerName: string | null }> }>(
    'POST', `/api/projects/${s.site.projectId}/reconciliations/2026-10`, Buffer.from('{}'), 'application/json')
  t.same((manual.flags ?? []).map((f) => `${f.kind}:${f.workerName ?? '-'}`), [], 'the manual run reply shows the bank no flag it may not list')
})
