/**
 * (Found by review.) A worker on two teams' sheets in one month (two payroll lines: 3,000.00 on the first team's, 2,000.00
 * on the second's) paid once by the bank, 3,000.00. The wage payment ledger (工资支付台账) and the pay slip already set
 * the worker's payments against their lines once (allocatePayments: the first line paid in full, the second nothing),
 * but a clue's evidence (欠薪线索, GET /api/clues/{id} and the inspector's clue page) put every payment of the worker on
 * each line: the unpaid line read as paid ¥3000.00, and the lines together as ¥6000.00 paid, twice what the bank paid.
 * Now each line shows its part, its state in words, and the page's total is what the bank paid.
 */
import t from 'tap'
import { cardNumber } from '../../simulators/identities.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'
import { getPage, signIn } from '../pages/helpers/http.ts'

/** Friday 27 November 2026, 15:00 in Hangzhou. */
const NOW_MS = Date.parse('2026-11-27T07:00:00Z')
const SEED = 1771

interface Evidence {
  paidFen: number
  sheetLines: Array<{ teamName: string; netFen: number; paidFen: number; payments: Array<{ bankRef: string; amountFen: number }> }>
}

t.test("a clue's evidence counts a worker's payment once across their two lines of the month", async (t) => {
  const { api, services, httpUrl: base } = await startTestServer(t, { clock: new ManualClock(NOW_MS) })
  const site = await registerAccessSite(api, { tag: 'CL-2L', regionCode: '330106', bankCode: '103331000011', seed: SEED })
  const P = `/api/projects/${site.projectId}`
  // The second team's name extends the first's, so the first sorts first under any collation: its line is filled first.
  const second = await api.post<{ id: string }>(`${P}/teams`, { name: '钢筋班 CL-2L 二组', employerId: site.subcontractorId })
  const worker = await services.db.get<{ name: string; idNumber: string; cardNo: string }>({
    text: 'SELECT name, id_number AS "idNumber", card_no AS "cardNo" FROM workers WHERE id = ?',
    params: [site.workerId],
  })
  t.equal(worker?.cardNo, cardNumber(SEED))
  const line = (netFen: number) => ({ workerId: site.workerId, enrolmentId: site.enrolmentId, workerName: worker!.name, idNumber: worker!.idNumber, bankName: '农行', cardNo: worker!.cardNo, netFen, answer: 'confirm' as const })
  await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', atMs: NOW_MS, lines: [line(3000_00)] })
  await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: second.id, period: MONTH, payDate: '2026-11-10', atMs: NOW_MS, lines: [line(2000_00)] })
  const file = ['seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason', `1|${worker!.cardNo}|${worker!.name}|3000.00|success|VCH-2L-1|2026-11-10|`].join('\n')
  const posted = await api.fetch(`${P}/payout-files?period=${MONTH}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: file })
  t.equal(posted.status, 201, 'the bank paid 3000.00 once')

  const clue = await api.post<{ clue: { id: string } }>('/api/clues', { channel: 'hotline_12333', projectId: site.projectId, workerId: site.workerId, month: MONTH, summary: '十月二组工资没发', headcount: 1, amountFen: 2000_00, externalRef: 'T-2L' })
  await createLogin(api, 'auditor.3301', 'auditor', { regionCode: '3301' })
  const bureau = api.as(await logIn(api, 'auditor.3301'))

  await t.test('the API: each line its part of the payment; the month paid what the bank paid', async (t) => {
    const { evidence } = await bureau.get<{ evidence: Evidence }>(`/api/clues/${clue.clue.id}`)
    t.same(
      evidence.sheetLines.map((l) => [l.teamName, l.netFen, l.paidFen, l.payments.map((p) => [p.bankRef, p.amountFen])]),
      [
        ['钢筋班 CL-2L', 3000_00, 3000_00, [['VCH-2L-1', 3000_00]]],
        ['钢筋班 CL-2L 二组', 2000_00, 0, []],
      ],
      'the first line paid in full by the payment, the second by nothing',
    )
    t.equal(evidence.paidFen, 3000_00, 'paid in the month: what the bank paid, not once per line')
  })

  await t.test("the inspector's clue page: one line paid, one unpaid, the total what the bank paid", async (t) => {
    const page = await getPage(base, `/pages/oversight/clues/${clue.clue.id}`, await signIn(base, 'auditor.3301'))
    t.equal(page.status, 200)
    const table = page.text.slice(page.text.indexOf('工资表行与银行代发记录'), page.text.indexOf('<tfoot>'))
    const rows = [...table.matchAll(/<tr><th scope="row">([^<]*)<\/th><td>[^<]*<\/td><td>([^<]*)<\/td><td>[^<]*<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td>/g)].map((m) => m.slice(1))
    t.same(rows, [
      ['钢筋班 CL-2L（第 1 版）', '¥3000.00', '¥3000.00', '已足额支付'],
      ['钢筋班 CL-2L 二组（第 1 版）', '¥2000.00', '¥0.00', '未支付'],
    ])
    t.match(page.text, /<tfoot><tr><th scope="row">合计<\/th><td><\/td><td>¥5000\.00<\/td><td><\/td><td>¥3000\.00<\/td>/, 'due 5000.00 in all, paid 3000.00: what the bank paid')
    t.equal(page.text.match(/VCH-2L-1/g)?.length, 1, "the bank's payment is listed once, under the line it paid")
  })
})
