/**
 * (Found by review.) A credit record (失信记录) can be "repaired" the day it is made, by claiming the arrears were paid in
 * full before they even arose.
 *
 * What is wrong: POST /api/credit-records/{id}/repair (src/risk/credit-service.ts repair → src/risk/credit-rules.ts
 * repairCheck) only refuses a paidInFullOn in the future or less than 12 months ago. It accepts a date before the
 * record's own arrears period (periodFrom) — wages for October 2026 "paid in full" in January 2025 — and then grants
 * the repair at once, so a record confirmed today stops counting today (risk index, deposit rate), instead of after
 * 36 months or 12 months after real payment.
 *
 * What the README / rules say: "a repair (信用修复) may be recorded 12 months after the arrears were paid in full";
 * the rule's source is the national measures (3 years on the list; early removal 12 months after the arrears are
 * paid in full). Arrears of a period cannot have been paid in full before that period began.
 *
 * What should happen: 409 credit_repair_refused (e.g. code paid_before_arrears) for a paidInFullOn before the
 * record's periodFrom, and the record stays active.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { failure, startTestServer } from '../helpers/server.ts'
import { creditCode } from '../helpers/upstream.ts'

const NOW = Date.parse('2026-12-10T03:00:00Z')

t.test('a repair dated before the arrears period is refused', async (t) => {
  const clock = new ManualClock(NOW)
  const { api, services } = await startTestServer(t, { clock })
  const code = creditCode(42)
  const clue = await api.post<{ clue: { id: string } }>('/api/clues', { channel: 'hotline_12333', employerCreditCode: code, month: '2026-10', summary: '十月工资没发', headcount: 3, amountFen: 1_200_000, externalRef: 'CR-1' })
  const step = (body: Record<string, unknown>) => api.post<{ state: string; steps: Array<{ type: string; body: Record<string, unknown> }> }>(`/api/clues/${clue.clue.id}/steps`, body)
  await step({ type: 'checked', cause: 'other', note: '核实欠薪' })
  await step({ type: 'routed', to: 'hrss_bureau' })
  const resolved = await step({ type: 'resolved', outcome: 'arrears_confirmed', note: '查实拖欠十月工资', employerName: '某劳务有限公司' })
  const recordId = resolved.steps.at(-1)!.body.creditRecordId as string
  t.ok(recordId, 'arrears confirmed: a credit record')
  const record = await api.get<{ state: string; periodFrom: string; recordedOn: string }>(`/api/credit-records/${recordId}`)
  t.match(record, { state: 'active', periodFrom: '2026-10', recordedOn: '2026-12-10' })

  // The arrears are October 2026's; "paid in full" on 2025-01-15 is impossible.
  const r = await failure(api.post(`/api/credit-records/${recordId}/repair`, { paidInFullOn: '2025-01-15', reason: '已全额支付' })).catch(() => undefined)
  t.match(r, { status: 409, code: 'credit_repair_refused' }, 'a payment before the arrears period cannot start the 12 months')
  t.equal((await services.credit.activeCreditRecords(code, '2026-12-10')).length, 1, 'the record confirmed today still counts today')
})
