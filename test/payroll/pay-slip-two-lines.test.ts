/**
 * (Found by review.) A worker on two teams' sheets in one month (two payroll lines: 3,000.00 on the first team's,
 * 2,000.00 on the second's) paid once by the bank, 3,000.00, gets one pay slip per line. The second slip's 实际支付 was
 * the line's part of the payment (nothing), but its payments table listed the 3,000.00 payment all the same, the
 * voucher of money that paid the other line. Now each slip lists only the payments (or parts) counted against its line,
 * as the wage payment ledger and a clue's evidence do: the second slip lists none and reads 未支付.
 */
import t from 'tap'
import { MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 20, 4)
const SEED = 2611

t.test("a worker's second pay slip of the month lists no payment when the first line took it all", async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'PS-2L', regionCode: '330106', bankCode: '103331000011', seed: SEED })
  const P = `/api/projects/${site.projectId}`
  // The second team's name extends the first's, so the first sorts first under any collation: its line is filled first.
  const second = await api.post<{ id: string }>(`${P}/teams`, { name: '钢筋班 PS-2L 二组', employerId: site.subcontractorId })
  const worker = await services.db.get<{ name: string; idNumber: string; cardNo: string }>({
    text: 'SELECT name, id_number AS "idNumber", card_no AS "cardNo" FROM workers WHERE id = ?',
    params: [site.workerId],
  })
  const line = (netFen: number) => ({ workerId: site.workerId, enrolmentId: site.enrolmentId, workerName: worker!.name, idNumber: worker!.idNumber, bankName: '农行', cardNo: worker!.cardNo, netFen, answer: 'confirm' as const })
  await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', atMs: AT_MS, lines: [line(3000_00)] })
  await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: second.id, period: MONTH, payDate: '2026-11-10', atMs: AT_MS, lines: [line(2000_00)] })
  const file = ['seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason', `1|${worker!.cardNo}|${worker!.name}|3000.00|success|VCH-PS2L-1|2026-11-10|`].join('\n')
  const posted = await api.fetch(`${P}/payout-files?period=${MONTH}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: file })
  t.equal(posted.status, 201, 'the bank paid 3000.00 once')

  const res = await api.fetch(`${P}/workers/${site.workerId}/pay-slip/${MONTH}`)
  t.equal(res.status, 200)
  const slips = (await res.text()).split('<section class="slip">').slice(1)
  t.equal(slips.length, 2, 'one slip per line')
  const [firstSlip, secondSlip] = slips as [string, string]
  t.match(firstSlip, '钢筋班 PS-2L</dd>', 'the first slip is the first team’s')
  t.match(firstSlip, /<td>VCH-PS2L-1<\/td><td class="amount">¥3000\.00<\/td>/, 'the first slip lists the payment that paid it')
  t.match(firstSlip, '已足额支付：实际支付 ¥3000.00')
  t.match(secondSlip, '钢筋班 PS-2L 二组', 'the second slip is the second team’s')
  t.notMatch(secondSlip, 'VCH-PS2L-1', 'the second slip lists no payment: none was counted against its line')
  t.match(secondSlip, '<p class="unpaid">未支付</p>', 'and reads 未支付')
})
