/**
 * Making a sheet through the real service and database with pay inputs given by the test (a PayInputsSource of its
 * own): workers who cannot be priced are all named and nothing is stored; held and disputed piece quantities;
 * deductions in entry order; two makes at once give one sheet.
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { AppError } from '../../src/kernel/errors.ts'
import { fen } from '../../src/kernel/money.ts'
import { ManualClock, type Month } from '../../src/kernel/time.ts'
import type { PayInputsSource, WorkerPayInputs } from '../../src/payroll/inputs.ts'
import { PayrollSheetService } from '../../src/payroll/sheet-service.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

class GivenInputs implements PayInputsSource {
  readonly byWorker = new Map<string, WorkerPayInputs>()
  async forMonth(_projectId: string, _period: Month, workerIds?: readonly string[]): Promise<Map<string, WorkerPayInputs>> {
    return new Map([...this.byWorker].filter(([w]) => workerIds === undefined || workerIds.includes(w)))
  }
}

const codeOf = async (p: Promise<unknown>): Promise<{ code: string; details: unknown }> => {
  try {
    await p
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, details: e.details }
    throw e
  }
  return { code: 'no error', details: undefined }
}

t.test('cannot price: every such worker named, nothing stored; held pieces; deductions in order; one sheet of two makes', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const admin = server.api
  const site = await registerAccessSite(admin, { tag: 'PSM', regionCode: '330106', bankCode: '103331000011', seed: 43 })
  const P = `/api/projects/${site.projectId}`
  const rng = new Rng(9)
  const w2 = await admin.post<{ id: string }>('/api/workers', { name: '李四', idNumber: idNumber(rng, 600), bankName: '建行', cardNo: cardNumber(600) })
  const e2 = await admin.post<{ id: string }>(`${P}/enrolments`, { workerId: w2.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: 'W-PSM-2' })
  for (const w of [site.workerId, w2.id]) {
    for (const d of ['2026-10-05', '2026-10-06']) await admin.post(`${P}/workers/${w}/days/${d}/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })
  }
  await admin.post(`${P}/teams/${site.teamId}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员' })

  const inputs = new GivenInputs()
  const sheets = new PayrollSheetService(server.services.db, { roster: server.services.roster, timesheets: server.services.timesheets, inputs }, clock)
  const base = (workerId: string, enrolmentId: string): WorkerPayInputs => ({ workerId, enrolmentId, versions: [], pieceQuantities: [], disputedQuantityIds: [], additions: [], deductions: [], payItemIds: [] })

  // Both workers' terms start after the days they worked: neither can be priced.
  inputs.byWorker.set(site.workerId, { ...base(site.workerId, site.enrolmentId), versions: [{ id: 'late1', enrolmentId: site.enrolmentId, effectiveFrom: '2026-10-06', terms: { kind: 'daily', dailyRateFen: fen(35_000) } }] })
  inputs.byWorker.set(w2.id, { ...base(w2.id, e2.id), versions: [{ id: 'late2', enrolmentId: e2.id, effectiveFrom: '2026-10-20', terms: { kind: 'daily', dailyRateFen: fen(30_000) } }] })
  const refused = await codeOf(sheets.make(site.projectId, site.teamId, '2026-10', 'tm', null))
  t.equal(refused.code, 'payroll_sheet_cannot_price')
  t.match(refused.details, { workers: [{ code: 'attendance_without_terms' }, { code: 'attendance_without_terms' }] })
  t.same(((refused.details as { workers: Array<{ workerId: string }> }).workers.map((w) => w.workerId)).sort(), [site.workerId, w2.id].sort(), 'every worker named')
  t.equal((await codeOf(sheets.view(site.projectId, site.teamId, '2026-10'))).code, 'payroll_sheet_not_found', 'nothing stored')

  // Piece terms for the first worker: one confirmed quantity paid, one unconfirmed and one disputed held.
  const piece = { id: 'p1', enrolmentId: site.enrolmentId, effectiveFrom: '2026-09-01', terms: { kind: 'piece' as const, rates: [{ itemKind: '绑扎钢筋 t', unitPriceFen: fen(50_000) }] } }
  const q = (id: string, quantity: string, confirmed: boolean) => ({ id, enrolmentId: site.enrolmentId, itemKind: '绑扎钢筋 t', quantity, workDate: '2026-10-05', enteredBy: 'tm', confirmedAtMs: confirmed ? 1 : null })
  inputs.byWorker.set(site.workerId, { ...base(site.workerId, site.enrolmentId), versions: [piece], pieceQuantities: [q('q1', '2.5', true), q('q2', '1', false), q('q3', '4', false)], disputedQuantityIds: ['q3'] })
  // The second at the enrolment's rate (no inputs at all), with deductions applied in entry order.
  inputs.byWorker.delete(w2.id)
  const made = await Promise.allSettled([sheets.make(site.projectId, site.teamId, '2026-10', 'tm', 'first'), sheets.make(site.projectId, site.teamId, '2026-10', 'tm', 'second')])
  t.equal(made.filter((r) => r.status === 'fulfilled').length, 1, 'two makes at once: one sheet')
  const rejected = made.find((r) => r.status === 'rejected')
  t.match(rejected?.reason, { code: 'payroll_sheet_exists' })

  const v = await sheets.view(site.projectId, site.teamId, '2026-10')
  const line = (w: string) => v.lines.find((l) => l.row.workerId === w)!.row
  const first = JSON.parse(line(site.workerId).items) as { heldPieceQuantities: Array<{ id: string; disputed: boolean }>; payable: Array<{ kind: string; quantity?: string; amountFen: number }>; termsSource: string }
  t.equal(line(site.workerId).payableFen, 125_000, '2.5 t × 500 yuan')
  t.same(
    first.heldPieceQuantities.map((h) => [h.id, h.disputed]),
    [
      ['q2', false],
      ['q3', true],
    ],
  )
  t.equal(first.termsSource, 'wage_terms')
  t.equal(line(w2.id).payableFen, 60_000)
  t.equal((JSON.parse(line(w2.id).items) as { termsSource: string }).termsSource, 'enrolment_daily_rate', 'no inputs: the enrolment’s daily rate')
  t.equal(v.sheet.payableFen, 185_000, 'the sheet row holds the sums of the lines')
  t.equal(v.sheet.netFen, line(site.workerId).netFen + line(w2.id).netFen)
  t.match(v.events, [{ seq: 1, state: 'draft' }])

  // Withdrawn, then made again with deductions: entry order, stopping at zero net.
  await sheets.act(site.projectId, site.teamId, '2026-10', 'withdraw', 'tm', 'deductions missing')
  inputs.byWorker.set(w2.id, {
    ...base(w2.id, e2.id),
    deductions: [
      { reason: 'social_insurance', amountFen: fen(20_000) },
      { reason: 'advance', amountFen: fen(50_000) },
      { reason: 'income_tax', amountFen: fen(1_000) },
    ],
    payItemIds: ['d1', 'd2', 'd3'],
  })
  const again = await sheets.make(site.projectId, site.teamId, '2026-10', 'tm', null)
  t.match(again.sheet, { version: 2, supersedesId: null })
  const items = JSON.parse(again.lines.find((l) => l.row.workerId === w2.id)!.row.items) as { deductions: Array<{ reason: string; appliedFen: number; unappliedFen: number }> }
  t.same(
    items.deductions.map((d) => [d.reason, d.appliedFen, d.unappliedFen]),
    [
      ['social_insurance', 20_000, 0],
      ['advance', 40_000, 10_000],
      ['income_tax', 0, 1_000],
    ],
  )
  t.match(again.lines.find((l) => l.row.workerId === w2.id)!.row, { payableFen: 60_000, deductionsFen: 60_000, netFen: 0 })
  const basis = JSON.parse(again.sheet.basis) as { payItemIds: string[]; enrolmentRateWorkerIds: string[]; previousId: string }
  t.same([basis.payItemIds, basis.enrolmentRateWorkerIds, basis.previousId], [['d1', 'd2', 'd3'], [w2.id], v.sheet.id], 'the basis: pay items counted, who was paid at the enrolment rate, the sheet it follows')

  // Instructed, then a new version is made: the bank's money is still settled on the instructed sheet, which stays superseded.
  for (const step of ['send', 'submit', 'approve'] as const) await sheets.act(site.projectId, site.teamId, '2026-10', step, 'lm', null)
  await sheets.instruct(again.sheet.id, 'instructions', 'file 1')
  const v3 = await sheets.make(site.projectId, site.teamId, '2026-10', 'lm', 'a late deduction')
  t.equal(v3.sheet.supersedesId, again.sheet.id)
  await sheets.settle(again.sheet.id, 'reconciliation', 'all paid')
  await sheets.settle(again.sheet.id, 'reconciliation', 'all paid')
  const v2 = await sheets.view(site.projectId, site.teamId, '2026-10', 2)
  t.same(
    v2.events.map((e) => e.state),
    ['draft', 'sent', 'submitted', 'approved', 'instructed', 'superseded', 'settled', 'superseded'],
  )
  t.match(await sheets.approvedForMonth(site.projectId, '2026-10'), [{ sheetId: again.sheet.id, state: 'settled', superseded: true }])
})
