/**
 * (Found by review.) A success to the worker's card that carries no EndToEndId of ours — a stray 代发 of another amount
 * from another payer or another file, the same month — is money the worker received, and reconciliation counts it,
 * but it is not our payment. It used to pay our line (any success to the card made the attempt paid), so instructing
 * the sheet again topped up net − stray (2,500.00) while our 3,000.00 was still at the bank: once that booked the
 * worker had 6,000.00 of a 3,000.00 line, 2,500.00 of it sent by us in excess.
 *
 * Should: our line stays at the bank until its own result comes; nothing is topped up beside it (net − booked − in
 * flight is below zero); and if our payment fails, the re-attempt sends what is owed with the stray counted (2,500.00).
 */
import t, { type Test } from 'tap'
import { MONTH } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { AT_MS, oneWorkerSite } from './helpers/one-worker-site.ts'


type Line = { workerId: string; amountFen: number; attempt: number; endToEndId: string }

async function instructedSite(t: Test, tag: string, seed: number) {
  const { services, site, lm, line, post, report } = await oneWorkerSite(t, tag, seed)
  await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', atMs: AT_MS, lines: [line(3_000_00)] })
  const instruct = () => post(`/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`, {})
  const retry = () => post(`/api/projects/${site.projectId}/workers/${site.workerId}/instructions/${MONTH}/retry`, { reason: '重新代发' })
  const reconcile = () => lm.post<{ flags: Array<{ kind: string; dueFen: number | null; paidFen: number | null }> }>(`/api/projects/${site.projectId}/reconciliations/${MONTH}`, {})
  const instructedFen = async () =>
    (await services.db.all<{ amountFen: number }>({ text: 'SELECT amount_fen AS "amountFen" FROM instruction_lines WHERE worker_id = ? ORDER BY attempt', params: [site.workerId] })).map((l) => Number(l.amountFen))
  const first = (await ((await instruct()).json() as Promise<{ lines: Line[] }>)).lines[0]!
  return { first, instruct, retry, report, reconcile, instructedFen }
}

t.test('a stray success without our EndToEndId while our payment is at the bank: nothing is topped up beside it', async (t) => {
  const s = await instructedSite(t, 'RV-ST1', 5191)
  t.equal(await s.report(null, 500_00, 'success'), 201, 'a 500.00 success to the card, no reference of ours')
  const again = await s.instruct()
  const body = (await again.json()) as { lines?: Line[]; error?: { code: string } }
  t.equal(again.status, 409, `no 补发 while our 3,000.00 is at the bank (got ${again.status} ${JSON.stringify(body.lines?.map((l) => l.amountFen) ?? body.error)})`)
  t.match(body, { error: { code: 'instruction_nothing_to_pay' } })
  t.equal((await s.retry()).status, 409, 'nor a re-attempt: our payment is live')
  t.equal(await s.report(s.first.endToEndId, 3_000_00, 'success'), 201, 'our payment books')
  t.notOk((await s.reconcile()).flags.some((f) => f.kind === 'SHORTFALL' || f.kind === 'UNPAID'), 'the worker received 3,500.00: nothing short')
  t.equal((await s.instruct()).status, 409, 'nothing more to instruct')
  t.same(await s.instructedFen(), [3_000_00], 'we sent 3,000.00 and no more')
})

t.test('a stray success without our EndToEndId, then our payment fails: the re-attempt sends what is owed, 2,500.00', async (t) => {
  const s = await instructedSite(t, 'RV-ST2', 5192)
  t.equal(await s.report(null, 500_00, 'success'), 201, 'a 500.00 success to the card, no reference of ours')
  t.equal(await s.report(s.first.endToEndId, 3_000_00, 'failed'), 201, 'our 3,000.00 failed')
  const retry = await s.retry()
  const body = (await retry.json()) as { lines?: Line[]; error?: unknown }
  t.equal(retry.status, 201, `the failed payment is re-attempted (${JSON.stringify(body.error ?? '')})`)
  t.same(body.lines?.map((l) => [l.amountFen, l.attempt]), [[2_500_00, 2]], 'net less the 500.00 the worker received')
  t.equal(await s.report(body.lines![0]!.endToEndId, 2_500_00, 'success'), 201, 'the re-attempt books')
  t.notOk((await s.reconcile()).flags.some((f) => f.kind === 'SHORTFALL' || f.kind === 'UNPAID'), 'paid: 3,000.00 in all')
  t.equal((await s.instruct()).status, 409, 'nothing more to instruct')
})
