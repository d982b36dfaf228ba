/**
 * What a bank learns from its own posts (found by review). A bank may not read a month's flags (GET …/flags/{month}
 * answers it 403 role_forbidden: names, disputes, the contract's funding schedule and funder accounts are for the
 * labour manager and the auditor), yet the reply to its payout-file post and to POST …/reconciliations/{month} carried
 * every flag with its evidence. Now a bank's reply carries the file (its counts) and the run's figures, as the month
 * summary it may read gives them, and no flag; the labour manager's reply is unchanged.
 */
import t from 'tap'
import { createKey, logIn } from './helpers/site.ts'
import { setUp } from '../payouts/helpers/instructed-site.ts'

interface Reply { run: { flagCount: number } | null; flags: Array<{ kind: string; workerName: string | null }>; next: string | null }

t.test('a bank refused the flags listing gets no flags in its post or reconciliation replies', async (t) => {
  const s = await setUp(t, 9101)
  const bank = s.api.as((await createKey(s.api, 'bank review 9101', 'bank', { bankCode: '308584000013' })).key)
  const w = s.workers[0]!
  const file = `序号|收款账号|收款人|金额|状态|银行流水号|入账日期|失败原因|付款账号|端到端标识号\n1|${w.cardNo}|${w.workerName}|100.00|成功|REV-BANK-1|2026-11-08||${s.account}|${s.e2eOf(0)}\n`
  const P = `/api/projects/${s.site.projectId}`

  const listing = await bank.request<unknown>('GET', `${P}/flags/2026-10`).then(
    () => 200,
    (e: { status?: number }) => e.status ?? 0,
  )
  t.equal(listing, 403, 'the bank may not list the flags')

  const posted = await bank.request<{ file: { successCount: number }; reconciliation: Reply }>('POST', `${P}/payout-files?period=2026-10`, Buffer.from(file), 'text/plain')
  t.equal(posted.file.successCount, 1, "the post reply carries the file's own counts")
  t.ok((posted.reconciliation.run?.flagCount ?? 0) > 0, 'and the run, whose flags are counted')
  t.same(posted.reconciliation.flags.map((f) => `${f.kind}:${f.workerName ?? '-'}`), [], 'the post reply shows the bank no flag it may not list')
  t.equal(posted.reconciliation.next, null)

  const manual = await bank.request<Reply>('POST', `${P}/reconciliations/2026-10`, Buffer.from('{}'), 'application/json')
  t.ok((manual.run?.flagCount ?? 0) > 0, 'a manual run: its figures')
  t.same(manual.flags.map((f) => `${f.kind}:${f.workerName ?? '-'}`), [], 'the manual run reply shows the bank no flag it may not list')
  t.notMatch(JSON.stringify([posted, manual]), /张伟|李娜|evidence/, 'no name, no evidence anywhere in the replies')

  const lm = s.api.as(await logIn(s.api, 'lm.rev9101'))
  const byLm = await lm.post<Reply>(`${P}/reconciliations/2026-10`, {})
  const listed = await lm.get<Reply>(`${P}/flags/2026-10`)
  t.ok(byLm.flags.length > 0, "the labour manager's reply still carries the flags")
  t.same(byLm.flags, listed.flags, 'the very flags the listing gives')
})
