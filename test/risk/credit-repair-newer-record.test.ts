/**
 * (Found by review.) A credit record (失信记录) is repaired only once its employer has gone the rule's 12 months from
 * paying the arrears without a new record (credit-rules.ts, after the national measures): an employer found in arrears
 * again after that payment has not earned the early removal, so the repair is refused with 409 credit_repair_refused
 * naming the newer record, and both records keep counting (risk index, deposit rate).
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { creditCodeCheckChar } from '../../src/roster/identity.ts'
import { failure, startTestServer } from '../helpers/server.ts'

const NOW = Date.parse('2026-12-10T03:00:00Z')

function creditCode(n: number): string {
  const first17 = `91330106MA2${String(n).padStart(6, '0')}`
  return first17 + (creditCodeCheckChar(first17) as string)
}

t.test('a repair is refused while a newer record of the same employer stands', async (t) => {
  const clock = new ManualClock(NOW)
  const { api, services } = await startTestServer(t, { clock })
  const code = creditCode(77)
  const record = (sourceId: string, periodFrom: string, recordedOn: string) =>
    services.credit.record({ creditCode: code, employerName: '某劳务有限公司', organisationId: null, reason: '拖欠农民工工资', periodFrom, periodTo: periodFrom, amountFen: 300_000_00, recordedOn, sourceKind: 'clue', sourceId, actor: 'test', atMs: NOW })
  // Arrears of March 2025, recorded in June 2025 and (the employer says) paid in full on 2025-09-01.
  const older = await record('clue-old', '2025-03', '2025-06-01')
  // Arrears again: June 2026, confirmed and recorded on 2026-08-01 — after that payment, within its 12 months.
  const newer = await record('clue-new', '2026-06', '2026-08-01')
  t.ok(older && newer, 'two records on the same employer')

  const r = await failure(api.post(`/api/credit-records/${older}/repair`, { paidInFullOn: '2025-09-01', reason: '已全额支付' })).catch((e: unknown) => ({ accepted: true, e }))
  t.match(r, { status: 409, code: 'credit_repair_refused' }, 'a record made after the payment: the 12 months did not pass "without a new record"')
  const active = (await services.credit.activeCreditRecords(code, '2026-12-10')).map((x) => x.id).sort()
  t.same(active, [older!, newer!].sort(), 'both records still count today')
})
