/**
 * (Found by review.) The labour manager (finance clerk) instructs a team's approved sheet: the worker's line is
 * 3,000.00. The bank books the payment by its EndToEndId but for 2,900.00 (a bank's short payment, as the demo plants
 * for three workers). Reconciliation opens SHORTFALL (due 3,000.00, paid 2,900.00), the worker's page and pay slip say
 * 未付足 … 还差 ¥100.00, and the worker complains. The clerk then does what README "Bank instructions" offers for a
 * worker whose payments are all booked and whose line nets more than them — "gets one line of the difference
 * (net − paid)" (补发) — and instructs the sheet again: 409 instruction_nothing_to_pay ("already instructed"); the
 * re-attempt route answers 409 instruction_live, state "paid". The ¥100 can never be paid through the service, and the
 * SHORTFALL case can only be dismissed.
 *
 * Should: the instruction carries one line of the difference, 100.00, attempt 2 (what the bank paid is what counts
 * as paid, as reconciliation counts it), or the re-attempt makes it.
 */
import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { formatPayoutFile } from '../../src/payouts/file-format.ts'
import { createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 3)

t.test('a payment the bank booked short: the difference can be instructed', async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'RV-SP1', regionCode: '330106', bankCode: '103331000011', seed: 5173 })
  await createLogin(api, 'lm.rvsp1', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = api.as(await logIn(api, 'lm.rvsp1'))
  const w = (await services.db.get<{ name: string; idNumber: string; cardNo: string; bankName: string }>({
    text: 'SELECT name AS "name", id_number AS "idNumber", card_no AS "cardNo", bank_name AS "bankName" FROM workers WHERE id = ?',
    params: [site.workerId],
  }))!
  const url = `/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`
  await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamId,
    period: MONTH,
    payDate: '2026-11-10',
    atMs: AT_MS,
    lines: [{ workerId: site.workerId, enrolmentId: site.enrolmentId, workerName: w.name, idNumber: w.idNumber, bankName: w.bankName, cardNo: w.cardNo, answer: 'confirm', netFen: 3_000_00 }],
  })
  const first = await lm.post<{ lines: Array<{ endToEndId: string; amountFen: number }> }>(url, {})
  t.equal(first.lines[0]?.amountFen, 3_000_00, 'instructed: 3,000.00')

  // The bank books the payment, by our EndToEndId, for 100.00 less.
  const file = formatPayoutFile(
    [{ seq: 1, payeeCard: w.cardNo, payeeName: w.name, amountFen: fen(2_900_00), status: 'success', bankRef: 'VCH-RV-SP1-1', valueDate: '2026-11-08', failureReason: null, endToEndId: first.lines[0]!.endToEndId }],
    { encoding: 'utf-8' },
  )
  t.equal((await api.fetch(`/api/projects/${site.projectId}/payout-files?period=${MONTH}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: file })).status, 201, 'the bank booked 2,900.00')
  const run = await lm.post<{ flags: Array<{ kind: string; dueFen: number | null; paidFen: number | null }> }>(`/api/projects/${site.projectId}/reconciliations/${MONTH}`, {})
  t.match(run.flags.find((f) => f.kind === 'SHORTFALL'), { dueFen: 3_000_00, paidFen: 2_900_00 }, 'reconciliation: 100.00 short')

  const res = await lm.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  const body = (await res.json()) as { lines?: Array<{ workerId: string; amountFen: number; attempt: number }>; error?: unknown }
  const retry = await lm.fetch(`/api/projects/${site.projectId}/workers/${site.workerId}/instructions/${MONTH}/retry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reason: '银行少付100元，补发差额' }),
  })
  const retryBody = (await retry.json()) as { error?: unknown }
  t.ok(
    res.status === 201 || retry.status === 201,
    `the 100.00 the bank did not pay can be instructed (instruction: ${res.status} ${JSON.stringify(body.error ?? '')}; re-attempt: ${retry.status} ${JSON.stringify(retryBody.error ?? '')})`,
  )
  if (res.status === 201) t.same(body.lines?.map((l) => [l.workerId, l.amountFen, l.attempt]), [[site.workerId, 100_00, 2]], 'a line of the difference, 100.00, attempt 2')
})
