/**
 * (Found by review.) An inspector of the construction bureau (auditor) downloads a month's wage payment ledger
 * (工资支付台账), the document 条例 Art. 15 has kept as proof of what each worker was paid. A worker due 3,500.00 (the
 * net on the approved sheet) was paid 3,000.00 by the bank (the reconciliation raises SHORTFALL). The ledger's row
 * read 实发金额 3500.00 beside the payment date and the voucher of the 3,000.00 payment, 3000.00 nowhere: a short
 * payment read as paid in full. The row now holds the sheet's net as what was due (应付金额（工资表实发）), what the bank
 * actually paid (实际支付金额) with its date and voucher, what is missing (未付金额) and the state in words (支付状态),
 * as the worker's own page says it. A payment the bank rejected (or gave back: 退票) is not paid either.
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { MONTH, createKey, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { fen } from '../../src/kernel/money.ts'
import { allocatePayments } from '../../src/payroll/ledger-repository.ts'
import type { SlipPayment } from '../../src/payroll/pay-slip.ts'
import { startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 20, 4)

/** The CSV's records (no field here holds a comma or a quote), the BOM dropped. */
const recordsOf = (csv: string): string[][] => csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n').map((l) => l.split(','))

t.test('the wage payment ledger of a worker paid short shows what the bank paid', async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'RV-LG', regionCode: '330106', bankCode: '103331000011', seed: 7401 })
  const bank = api.as((await createKey(api, 'bank RV', 'bank', { bankCode: '103331000011' })).key)
  const rng = new Rng(7402)
  const card = cardNumber(7403)
  const id = idNumber(rng, 7404)
  const w = await api.post<{ id: string }>('/api/workers', { name: '李强', idNumber: id, bankName: '农行', cardNo: card })
  const e = await api.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: 'W-RV-LG-2' })
  // A second worker whose payment the bank rejected.
  const card2 = cardNumber(7405)
  const id2 = idNumber(rng, 7406)
  const w2 = await api.post<{ id: string }>('/api/workers', { name: '赵刚', idNumber: id2, bankName: '农行', cardNo: card2 })
  const e2 = await api.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w2.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: 'W-RV-LG-3' })
  await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamId,
    period: MONTH,
    payDate: '2026-11-10',
    atMs: AT_MS,
    lines: [
      { workerId: w.id, enrolmentId: e.id, workerName: '李强', idNumber: id, bankName: '农行', cardNo: card, netFen: 3500_00, answer: 'confirm' },
      { workerId: w2.id, enrolmentId: e2.id, workerName: '赵刚', idNumber: id2, bankName: '农行', cardNo: card2, netFen: 2800_00, answer: 'confirm' },
    ],
  })
  const file = '序号|收款账号|收款人|金额|状态|银行流水号|入账日期\n' + `1|${card}|李强|3000.00|成功|RVLG0001|2026-11-08\n` + `2|${card2}|赵刚|2800.00|失败|RVLG0002|2026-11-08\n`
  await bank.request('POST', `/api/projects/${site.projectId}/payout-files?period=${MONTH}`, Buffer.from(file), 'text/plain')
  const flags = await api.get<{ flags: Array<{ kind: string; workerId: string | null }> }>(`/api/projects/${site.projectId}/flags/${MONTH}`)
  t.ok(flags.flags.some((f) => f.kind === 'SHORTFALL' && f.workerId === w.id), 'the reconciliation finds the worker paid short')

  const auditor = api.as((await createKey(api, 'inspector RV', 'auditor', { regionCode: '3301' })).key)
  const res = await auditor.fetch(`/api/projects/${site.projectId}/payroll-ledger/${MONTH}?format=csv`)
  t.equal(res.status, 200)
  const [header, ...rows] = recordsOf(await res.text())
  const col = (name: string): number => header!.indexOf(name)
  const row = rows.find((r) => r[col('姓名')] === '李强')!
  t.ok(row, 'the worker has a row')
  t.equal(row[col('应付金额（工资表实发）')], '3500.00', 'the due: the net of the approved sheet')
  t.equal(row[col('实际支付金额')], '3000.00', 'what the bank paid, beside its voucher')
  t.equal(row[col('未付金额')], '500.00', 'and what is missing')
  t.equal(row[col('支付状态')], '未付足')
  t.equal(row[col('银行凭证号')], 'RVLG0001')
  t.equal(row[col('支付日期')], '2026-11-08')
  t.equal(col('实发金额'), -1, 'no column reads the due as 实发')

  const rejected = rows.find((r) => r[col('姓名')] === '赵刚')!
  t.equal(rejected[col('实际支付金额')], '0.00', 'a rejected payment is not paid')
  t.equal(rejected[col('未付金额')], '2800.00')
  t.equal(rejected[col('银行凭证号')], '', 'nor its reference a voucher of payment')
  t.equal(rejected[col('支付状态')], '未支付（退票或失败 1 笔）')

  const totals = rows.at(-1)!
  t.equal(totals[col('实际支付金额')], '3000.00', 'the totals row: what the bank paid')
  t.equal(totals[col('未付金额')], '3300.00')

  // The worker's pay slip says the same.
  const slip = await (await auditor.fetch(`/api/projects/${site.projectId}/workers/${w.id}/pay-slip/${MONTH}`)).text()
  t.match(slip, '<p class="unpaid">未付足：实际支付 ¥3000.00，未付 ¥500.00</p>')
})

t.test("a worker's payments are set against their lines of the month once, in order", async (t) => {
  const pay = (bankRef: string, valueDate: string, amountFen: number): SlipPayment => ({ bankRef, valueDate, amountFen: fen(amountFen), matchedBy: 'card' })
  const sum = (ps: SlipPayment[]): number => ps.reduce((s, p) => s + p.amountFen, 0)
  // Two teams' lines (3500 and 2000); paid 3000 then 1000: the first line takes 3000 and 500, the second the rest.
  const parts = allocatePayments([fen(3500_00), fen(2000_00)], [pay('A', '2026-11-08', 3000_00), pay('B', '2026-11-09', 1000_00)])
  t.same(parts.map(sum), [3500_00, 500_00])
  t.same(parts.map((ps) => ps.map((p) => p.bankRef)), [['A', 'B'], ['B']], 'a payment split across two lines is the voucher of both')
  t.same(allocatePayments([fen(100_00)], [pay('A', '2026-11-08', 150_00)]).map(sum), [150_00], 'one line takes every payment, above its net too')
  t.same(allocatePayments([fen(100_00), fen(100_00)], [pay('A', '2026-11-08', 300_00)]).map(sum), [100_00, 200_00], 'the excess stays on the last line')
  t.same(allocatePayments([fen(0), fen(100_00)], [pay('A', '2026-11-08', 50_00)]).map(sum), [0, 50_00], 'a line due nothing takes nothing')
  t.same(allocatePayments([fen(100_00)], []), [[]])
})
