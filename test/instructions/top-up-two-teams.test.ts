/**
 * (Found by review.) A worker on two teams' sheets in one month (3,000.00 on the first team's line, 2,000.00 on the
 * second's): the worker-month's one set of attempts serves both lines, and the second team's line is paid as a 补发 once
 * the first payment is booked. That 补发 compared the line with ALL of the month's bookings to the worker: the first
 * team's 3,000.00 hid the second line's whole 2,000.00 (net 2,000.00 − booked 3,000.00: nothing), and the second sheet
 * answered instruction_nothing_to_pay while reconciliation showed the worker 2,000.00 short. A re-attempt of the second
 * line's payment was capped the same way (refused as paid).
 *
 * Should: each line is compared with what was booked against it, the part of the worker's payments the ledger and pay
 * slip set against it (LedgerRepository.linePayments, allocatePayments). In all, never more than the two nets.
 */
import t, { type Test } from 'tap'
import { MONTH } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { AT_MS, oneWorkerSite } from './helpers/one-worker-site.ts'


type Line = { workerId: string; amountFen: number; attempt: number; endToEndId: string }

async function twoTeams(t: Test, tag: string, seed: number) {
  const { api, services, site, P, lm, line, post, report: reportOf } = await oneWorkerSite(t, tag, seed)
  // The second team's name extends the first's, so the first sorts first under any collation: its line is filled first.
  const second = await api.post<{ id: string }>(`${P}/teams`, { name: `钢筋班 ${tag} 二组`, employerId: site.subcontractorId })
  await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', atMs: AT_MS, lines: [line(3_000_00)] })
  await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: second.id, period: MONTH, payDate: '2026-11-10', atMs: AT_MS, lines: [line(2_000_00)] })
  const instruct = async (teamId: string) => {
    const res = await post(`${P}/teams/${teamId}/payroll-sheets/${MONTH}/instruction`, {})
    return { status: res.status, body: (await res.json()) as { lines?: Line[]; error?: { code: string } } }
  }
  const retry = async () => {
    const res = await post(`${P}/workers/${site.workerId}/instructions/${MONTH}/retry`, { reason: '重新代发' })
    return { status: res.status, body: (await res.json()) as { lines?: Line[]; error?: { code: string } } }
  }
  const report = (l: Line, amountFen: number, status: 'success' | 'failed') => reportOf(l.endToEndId, amountFen, status)
  const shortOrUnpaid = async () =>
    (await lm.post<{ flags: Array<{ kind: string; dueFen: number | null; paidFen: number | null }> }>(`${P}/reconciliations/${MONTH}`, {})).flags.filter((f) => f.kind === 'SHORTFALL' || f.kind === 'UNPAID')
  const instructedFen = async () =>
    (await services.db.all<{ amountFen: number }>({ text: 'SELECT amount_fen AS "amountFen" FROM instruction_lines WHERE worker_id = ? ORDER BY attempt', params: [site.workerId] })).map((l) => Number(l.amountFen))
  return { first: site.teamId, second: second.id, instruct, retry, report, shortOrUnpaid, instructedFen }
}

t.test("the first team's payment booked: the second team's line is instructed in full, not hidden by it", async (t) => {
  const s = await twoTeams(t, 'RV-TT1', 5201)
  const a = await s.instruct(s.first)
  t.same(a.body.lines?.map((l) => [l.amountFen, l.attempt]), [[3_000_00, 1]], "the first team's line: attempt 1")
  t.equal((await s.instruct(s.second)).status, 409, "the second waits while the first's payment is at the bank")
  t.equal(await s.report(a.body.lines![0]!, 3_000_00, 'success'), 201, 'the bank booked 3,000.00')
  const b = await s.instruct(s.second)
  t.equal(b.status, 201, `the second team's 2,000.00 is instructed (got ${b.status} ${JSON.stringify(b.body.error ?? '')})`)
  t.same(b.body.lines?.map((l) => [l.amountFen, l.attempt]), [[2_000_00, 2]], 'its whole net, attempt 2')
  t.equal(await s.report(b.body.lines![0]!, 2_000_00, 'success'), 201, 'the bank booked 2,000.00')
  t.same(await s.shortOrUnpaid(), [], 'both lines paid')
  t.equal((await s.instruct(s.second)).status, 409, 'nothing more for the second')
  t.equal((await s.instruct(s.first)).status, 409, 'nor for the first')
  t.same(await s.instructedFen(), [3_000_00, 2_000_00], 'the two nets and no more')
})

t.test("the second team's payment fails: its re-attempt sends its net, not capped by the first team's payment", async (t) => {
  const s = await twoTeams(t, 'RV-TT2', 5202)
  const a = await s.instruct(s.first)
  await s.report(a.body.lines![0]!, 3_000_00, 'success')
  const b = await s.instruct(s.second)
  t.equal(b.status, 201, `the second team's line is instructed (got ${b.status} ${JSON.stringify(b.body.error ?? '')})`)
  t.equal(await s.report(b.body.lines![0]!, 2_000_00, 'failed'), 201, 'the 2,000.00 failed')
  const r = await s.retry()
  t.equal(r.status, 201, `the failed payment is re-attempted (got ${r.status} ${JSON.stringify(r.body.error ?? '')})`)
  t.same(r.body.lines?.map((l) => [l.amountFen, l.attempt]), [[2_000_00, 3]], 'for 2,000.00')
  await s.report(r.body.lines![0]!, 2_000_00, 'success')
  t.same(await s.shortOrUnpaid(), [], 'both lines paid')
  t.same(await s.instructedFen(), [3_000_00, 2_000_00, 2_000_00], 'one payment per line, and the failed one again')
})

t.test("the first team's payment booked short: the difference is instructed from the line the ledger shows short", async (t) => {
  const s = await twoTeams(t, 'RV-TT3', 5203)
  const a = await s.instruct(s.first)
  await s.report(a.body.lines![0]!, 2_900_00, 'success')
  const b = await s.instruct(s.second)
  t.same(b.body.lines?.map((l) => l.amountFen), [2_000_00], `the second team's line in full (got ${b.status} ${JSON.stringify(b.body.error ?? '')})`)
  t.equal((await s.instruct(s.first)).status, 409, "the first's 100.00 waits while the second's payment is at the bank")
  await s.report(b.body.lines![0]!, 2_000_00, 'success')
  // The ledger fills the lines in order with the worker's payments (allocatePayments): the 2,000.00 tops the first line
  // up to 3,000.00 and leaves the second 100.00 short, so that is where the pay slip and the 补发 put the difference.
  t.equal((await s.instruct(s.first)).status, 409, 'the first line reads paid in full')
  const again = await s.instruct(s.second)
  t.same(again.body.lines?.map((l) => l.amountFen), [100_00], `the second team's 100.00 (got ${again.status} ${JSON.stringify(again.body.error ?? '')})`)
  await s.report(again.body.lines![0]!, 100_00, 'success')
  t.same(await s.shortOrUnpaid(), [], 'both lines paid')
  t.same(await s.instructedFen(), [3_000_00, 2_000_00, 100_00], 'never more than the two nets')
})
