/**
 * (Found by review.) A re-attempt of a failed payment was capped by the net of the version last instructed: v1 nets
 * 3,000.00 and is instructed, the bank fails the payment, and a correction (v2, approved) lowers the line to 2,500.00
 * (a day wrongly counted). The re-attempt sent 3,000.00 again, 500.00 more than the line in force; reconciliation then
 * showed the worker overpaid, money that cannot be taken back.
 *
 * Should: a re-attempt sends the failed payment's amount capped by what the line in force (v2) is still owed. A
 * correction that raises the line does not raise the re-attempt: the rise is the 补发 the sheet's instruction makes
 * once the payment is booked.
 */
import t, { type Test } from 'tap'
import { insertInto } from '../../src/db/rows.ts'
import { payrollSheetEvents } from '../../src/db/schema/index.ts'
import { newId } from '../../src/kernel/ids.ts'
import { MONTH } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { AT_MS, oneWorkerSite } from './helpers/one-worker-site.ts'


type Line = { workerId: string; amountFen: number; attempt: number; endToEndId: string }

/** v1 (3,000.00) instructed and its payment failed, then v2 approved with `v2NetFen`. */
async function failedThenCorrected(t: Test, tag: string, seed: number, v2NetFen: number) {
  const { services, site, P, lm, line, post: postJson, report: reportOf } = await oneWorkerSite(t, tag, seed)
  const post = async (path: string) => {
    const res = await postJson(path, path.endsWith('/retry') ? { reason: '重新代发' } : {})
    return { status: res.status, body: (await res.json()) as { lines?: Line[]; error?: { code: string } } }
  }
  const instruct = () => post(`${P}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`)
  const retry = () => post(`${P}/workers/${site.workerId}/instructions/${MONTH}/retry`)
  const report = (l: Line, amountFen: number, status: 'success' | 'failed') => reportOf(l.endToEndId, amountFen, status)
  const v1 = await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', atMs: AT_MS, lines: [line(3_000_00)] })
  const first = (await instruct()).body.lines![0]!
  t.equal(await report(first, 3_000_00, 'failed'), 201, 'the bank failed the 3,000.00')
  const seq = (await services.db.all({ text: 'SELECT seq FROM payroll_sheet_events WHERE sheet_id = ?', params: [v1.sheetId] })).length + 1
  await services.db.run(insertInto(payrollSheetEvents, [{ id: newId(), sheetId: v1.sheetId, seq, state: 'superseded', actor: 'fixture', reason: 'superseded by version 2', atMs: AT_MS + 10 }]))
  await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', version: 2, atMs: AT_MS + 20, lines: [line(v2NetFen)] })
  const shortOrOver = async () =>
    (await lm.post<{ flags: Array<{ kind: string }> }>(`${P}/reconciliations/${MONTH}`, {})).flags.filter((f) => ['SHORTFALL', 'UNPAID', 'OVERPAID'].includes(f.kind)).map((f) => f.kind)
  return { instruct, retry, report, shortOrOver }
}

t.test('a correction lowers the line after its payment failed: the re-attempt sends the corrected net', async (t) => {
  const s = await failedThenCorrected(t, 'RV-RV1', 5211, 2_500_00)
  const r = await s.retry()
  t.equal(r.status, 201, `re-attempted (${JSON.stringify(r.body.error ?? '')})`)
  t.same(r.body.lines?.map((l) => [l.amountFen, l.attempt]), [[2_500_00, 2]], "v2's 2,500.00, not v1's 3,000.00")
  await s.report(r.body.lines![0]!, 2_500_00, 'success')
  t.same(await s.shortOrOver(), [], 'paid the line in force exactly')
})

t.test('a correction raises the line after its payment failed: the re-attempt sends the failed amount, then the sheet tops up', async (t) => {
  const s = await failedThenCorrected(t, 'RV-RV2', 5212, 3_500_00)
  t.equal((await s.instruct()).status, 409, 'no 补发 while the payment failed: the re-attempt answers it')
  const r = await s.retry()
  t.same(r.body.lines?.map((l) => [l.amountFen, l.attempt]), [[3_000_00, 2]], `the failed 3,000.00 (got ${r.status} ${JSON.stringify(r.body.error ?? '')})`)
  await s.report(r.body.lines![0]!, 3_000_00, 'success')
  const topUp = await s.instruct()
  t.same(topUp.body.lines?.map((l) => [l.amountFen, l.attempt]), [[500_00, 3]], `then the 500.00 the correction added (got ${topUp.status} ${JSON.stringify(topUp.body.error ?? '')})`)
  await s.report(topUp.body.lines![0]!, 500_00, 'success')
  t.same(await s.shortOrOver(), [], 'paid the line in force exactly')
})
