/**
 * (Found by review.) A success reported without an EndToEndId (a 代发 text result) that could not be tied to one line
 * (a first attempt rejected and re-attempted to the same card for the same amount) answers a line made before the
 * report was posted, never a 补发 instructed after it. Matched newest line first, the old report landed on a 补发 of
 * the same amount: the 补发 read paid while at the bank, the booked re-attempt read live, and once the bank rejected
 * the 补发 it could neither be re-attempted (409 instruction_live) nor instructed again.
 */
import t from 'tap'
import { insertInto } from '../../src/db/rows.ts'
import { payrollSheetEvents } from '../../src/db/schema/index.ts'
import { newId } from '../../src/kernel/ids.ts'
import { fen } from '../../src/kernel/money.ts'
import { formatPayoutFile } from '../../src/payouts/file-format.ts'
import { createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 3)

t.test('a 补发 of the amount of an earlier payment is not answered by that payment’s report without EndToEndId', async (t) => {
  // Time passes between steps, as it does: each reading of the clock is a millisecond later.
  let now = AT_MS
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => now++ } })
  const site = await registerAccessSite(api, { tag: 'RV-WC1', regionCode: '330106', bankCode: '103331000011', seed: 4741 })
  await createLogin(api, 'lm.rvwc1', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = api.as(await logIn(api, 'lm.rvwc1'))
  const w = (await services.db.get<{ name: string; idNumber: string; cardNo: string; bankName: string }>({
    text: 'SELECT name AS "name", id_number AS "idNumber", card_no AS "cardNo", bank_name AS "bankName" FROM workers WHERE id = ?',
    params: [site.workerId],
  }))!
  const line = { workerId: site.workerId, enrolmentId: site.enrolmentId, workerName: w.name, idNumber: w.idNumber, bankName: w.bankName, cardNo: w.cardNo, answer: 'confirm' as const }
  const url = `/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`
  const retryUrl = `/api/projects/${site.projectId}/workers/${site.workerId}/instructions/${MONTH}/retry`
  let seq = 0
  const post = async (l: { amountFen: number; status: 'success' | 'failed'; endToEndId: string | null; bankRef: string }) => {
    const file = formatPayoutFile(
      [{ seq: 1, payeeCard: w.cardNo, payeeName: w.name, amountFen: fen(l.amountFen), status: l.status, bankRef: l.bankRef, valueDate: '2026-11-03', failureReason: l.status === 'failed' ? '账户状态异常' : null, endToEndId: l.endToEndId }],
      { encoding: 'utf-8' },
    )
    seq++
    const res = await api.fetch(`/api/projects/${site.projectId}/payout-files?period=${MONTH}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: file })
    t.equal(res.status, 201, `bank file ${seq} stored`)
  }
  const state = async () => (await services.instructions.workerMonth(site.projectId, site.workerId, MONTH)).state

  const v1 = await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', atMs: AT_MS, lines: [{ ...line, netFen: 3_000_00 }] })
  const first = await lm.post<{ lines: Array<{ endToEndId: string }> }>(url, {})
  await post({ amountFen: 3_000_00, status: 'failed', endToEndId: first.lines[0]!.endToEndId, bankRef: 'RV-WC1-1' })
  const second = await lm.post<{ lines: Array<{ attempt: number }> }>(retryUrl, { reason: '重发' })
  t.equal(second.lines[0]?.attempt, 2, 're-attempt 2 to the same card')
  // The 代发 result of attempt 2 keeps no EndToEndId: two lines of ours fit its card and amount.
  await post({ amountFen: 3_000_00, status: 'success', endToEndId: null, bankRef: 'RV-WC1-2' })
  t.equal((await state()).kind, 'paid', 'attempt 2 booked')

  const seqNo = (await services.db.all({ text: 'SELECT seq FROM payroll_sheet_events WHERE sheet_id = ?', params: [v1.sheetId] })).length + 1
  await services.db.run(insertInto(payrollSheetEvents, [{ id: newId(), sheetId: v1.sheetId, seq: seqNo, state: 'superseded', actor: 'fixture', reason: 'superseded by version 2', atMs: AT_MS + 10 }]))
  await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', version: 2, atMs: AT_MS + 20, lines: [{ ...line, netFen: 6_000_00 }] })
  const topUp = await lm.post<{ lines: Array<{ attempt: number; amountFen: number; endToEndId: string }> }>(url, {})
  t.match(topUp.lines[0], { attempt: 3, amountFen: 3_000_00 }, '补发 of 3,000.00, attempt 3')

  const s = await state()
  t.match(s, { kind: 'live', line: { attempt: 3 } }, 'the 补发 is the payment at the bank, not the booked attempt 2')

  await post({ amountFen: 3_000_00, status: 'failed', endToEndId: topUp.lines[0]!.endToEndId, bankRef: 'RV-WC1-3' })
  t.equal((await state()).kind, 'failed', 'the bank rejected the 补发: it failed')
  const res = await lm.fetch(retryUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: '补发重发' }) })
  const body = (await res.json()) as { lines?: Array<{ attempt: number; amountFen: number }>; error?: unknown }
  t.equal(res.status, 201, `the rejected 补发 can be re-attempted (got ${res.status} ${JSON.stringify(body.error ?? '')})`)
  t.match(body.lines?.[0], { attempt: 4, amountFen: 3_000_00 })
})
