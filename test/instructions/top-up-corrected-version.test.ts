/**
 * (Found by review.) A worker paid under an approved sheet (v1, instructed, booked by the bank) whose line a correction
 * raises (v2, approved: an addition missed, days added) is owed the difference, and the reconciliation says so
 * (SHORTFALL). Instructing v2 pays it (补发): one line of the difference, a payment of its own with its own attempts,
 * never the whole net again. Before, every worker with an instruction line was skipped (409 instruction_nothing_to_pay)
 * and the re-attempt route refused a paid worker-month, so the shortfall could not be paid through the service.
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

t.test('a correction that raises a paid line: the difference can be instructed', async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'RV-CD1', regionCode: '330106', bankCode: '103331000011', seed: 4731 })
  await createLogin(api, 'lm.rvcd1', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = api.as(await logIn(api, 'lm.rvcd1'))
  const w = (await services.db.get<{ name: string; idNumber: string; cardNo: string; bankName: string }>({
    text: 'SELECT name AS "name", id_number AS "idNumber", card_no AS "cardNo", bank_name AS "bankName" FROM workers WHERE id = ?',
    params: [site.workerId],
  }))!
  const line = { workerId: site.workerId, enrolmentId: site.enrolmentId, workerName: w.name, idNumber: w.idNumber, bankName: w.bankName, cardNo: w.cardNo, answer: 'confirm' as const }
  const url = `/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`

  const v1 = await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', atMs: AT_MS, lines: [{ ...line, netFen: 3_000_00 }] })
  const first = await lm.post<{ lines: Array<{ endToEndId: string; amountFen: number }> }>(url, {})
  t.equal(first.lines[0]?.amountFen, 3_000_00, 'v1 instructed')
  const file = formatPayoutFile(
    [{ seq: 1, payeeCard: w.cardNo, payeeName: w.name, amountFen: fen(3_000_00), status: 'success', bankRef: 'VCH-RV-CD1-1', valueDate: '2026-11-08', failureReason: null, endToEndId: first.lines[0]!.endToEndId }],
    { encoding: 'utf-8' },
  )
  t.equal((await api.fetch(`/api/projects/${site.projectId}/payout-files?period=${MONTH}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: file })).status, 201, 'the bank booked v1')

  // The correction: v2 supersedes v1 (as PayrollSheetService.store writes it) and is approved with 500.00 more.
  const seq = (await services.db.all({ text: 'SELECT seq FROM payroll_sheet_events WHERE sheet_id = ?', params: [v1.sheetId] })).length + 1
  await services.db.run(insertInto(payrollSheetEvents, [{ id: newId(), sheetId: v1.sheetId, seq, state: 'superseded', actor: 'fixture', reason: 'superseded by version 2', atMs: AT_MS + 10 }]))
  await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', version: 2, atMs: AT_MS + 20, lines: [{ ...line, netFen: 3_500_00 }] })

  const run = await api.post<{ flags: Array<{ kind: string; dueFen: number | null; paidFen: number | null }> }>(`/api/projects/${site.projectId}/reconciliations/${MONTH}`, {})
  t.match(run.flags.find((f) => f.kind === 'SHORTFALL'), { dueFen: 3_500_00, paidFen: 3_000_00 }, 'reconciliation: 500.00 short')

  const res = await lm.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  const body = (await res.json()) as { lines?: Array<{ workerId: string; amountFen: number; attempt: number; endToEndId: string }>; error?: unknown }
  t.equal(res.status, 201, `the approved correction's difference is instructed (got ${res.status} ${JSON.stringify(body.error ?? '')})`)
  t.same(body.lines?.map((l) => [l.workerId, l.amountFen, l.attempt]), [[site.workerId, 500_00, 2]], 'a line of the difference, 500.00, attempt 2')

  const again = await lm.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  t.equal(again.status, 409, 'while the difference is at the bank, nothing more is instructed')

  const topUpFile = formatPayoutFile(
    [{ seq: 1, payeeCard: w.cardNo, payeeName: w.name, amountFen: fen(500_00), status: 'success', bankRef: 'VCH-RV-CD1-2', valueDate: '2026-11-09', failureReason: null, endToEndId: body.lines![0]!.endToEndId }],
    { encoding: 'utf-8' },
  )
  t.equal((await api.fetch(`/api/projects/${site.projectId}/payout-files?period=${MONTH}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: topUpFile })).status, 201, 'the bank booked the difference')
  const after = await api.post<{ flags: Array<{ kind: string; workerId?: string | null }> }>(`/api/projects/${site.projectId}/reconciliations/${MONTH}`, {})
  t.notOk(after.flags.some((f) => f.kind === 'SHORTFALL' || f.kind === 'UNPAID'), 'paid in full: no shortfall')
  const last = await lm.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  t.equal(last.status, 409, 'paid in full: nothing more to instruct')
  t.match(await last.json(), { error: { code: 'payroll_sheet_state', details: { version: 2, state: 'settled' } } }, 'v2 is settled')
})
