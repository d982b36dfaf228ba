/**
 * (Found by review.) Piece pay that leaves the fen range. Both inputs pass their own checks — a unit price up to
 * payout_line_amount_fen_max (¥1,000,000) and a quantity of up to nine whole digits — but their product is priced
 * with timesFen → fen(), which throws RangeError above FEN_MAX. makeSheetLine's caller catches only TermsError, so
 * making the team's sheet answers 500 (and the month-end "make every team's" answers 500 for the whole project)
 * instead of 422 payroll_sheet_cannot_price naming the worker.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

t.test('a piece line beyond the fen range is a 422 naming the worker, not a 500', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const { api: admin } = await startTestServer(t, { clock })
  const site = await registerAccessSite(admin, { tag: 'PIO', regionCode: '330106', bankCode: '103331000011', seed: 73 })
  const P = `/api/projects/${site.projectId}`
  const W = `${P}/workers/${site.workerId}`
  await admin.post(`${W}/wage-terms`, { effectiveFrom: '2026-10-01', terms: { kind: 'piece', rates: [{ itemKind: '砌砖 m³', unitPriceFen: 100_000_000 }] }, reason: '计件' })
  // A typo of a few extra digits in the quantity.
  const q = await admin.post<{ id: string }>(`${W}/piece-quantities`, { workDate: '2026-10-12', itemKind: '砌砖 m³', quantity: '125000000' })
  await admin.post(`${W}/piece-quantities/${q.id}/answer`, { decision: 'confirm', channel: 'paper' })
  await admin.post(`${P}/workers/${site.workerId}/days/2026-10-12/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })
  await admin.post(`${P}/teams/${site.teamId}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员' })

  const one = await admin.fetch(`${P}/teams/${site.teamId}/payroll-sheets/2026-10`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  t.equal(one.status, 422, `make answers ${one.status} ${await one.text()}`)
  const all = await admin.fetch(`${P}/payroll-sheets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ month: '2026-10' }) })
  t.equal(all.status, 200, `make every team's answers ${all.status} ${await all.text()}`)
})
