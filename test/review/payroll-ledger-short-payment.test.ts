/**
 * An inspector of the construction bureau (auditor) downloads a month's wage payment ledger (工资支付台账), the
 * document 条例 Art. 15 has kept as proof of what each worker was paid. A worker due 3,500.00 (实发 on the approved
 * sheet) was paid 3,000.00 by the bank (the reconciliation raises SHORTFALL). The ledger's row reads 实发金额 3500.00
 * with the payment date and the bank voucher of the 3,000.00 payment beside it, and 3000.00 appears nowhere in the row:
 * the ledger shows a short payment as paid in full, and the inspector cannot see the 500.00 missing from it. (The
 * worker's own page shows it: 未付足, 已到账 ¥3000.00, 还差 ¥500.00.)
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { MONTH, createKey, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 20, 4)

t.test('the wage payment ledger of a worker paid short shows what the bank paid', async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'RV-LG', regionCode: '330106', bankCode: '103331000011', seed: 7401 })
  const bank = api.as((await createKey(api, 'bank RV', 'bank', { bankCode: '103331000011' })).key)
  const rng = new Rng(7402)
  const card = cardNumber(7403)
  const id = idNumber(rng, 7404)
  const w = await api.post<{ id: string }>('/api/workers', { name: '李强', idNumber: id, bankName: '农行', cardNo: card })
  const e = await api.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: 'W-RV-LG-2' })
  await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamId,
    period: MONTH,
    payDate: '2026-11-10',
    atMs: AT_MS,
    lines: [{ workerId: w.id, enrolmentId: e.id, workerName: '李强', idNumber: id, bankName: '农行', cardNo: card, netFen: 3500_00, answer: 'confirm' }],
  })
  const file = '序号|收款账号|收款人|金额|状态|银行流水号|入账日期\n' + `1|${card}|李强|3000.00|成功|RVLG0001|2026-11-08\n`
  await bank.request('POST', `/api/projects/${site.projectId}/payout-files?period=${MONTH}`, Buffer.from(file), 'text/plain')
  const flags = await api.get<{ flags: Array<{ kind: string; workerId: string | null }> }>(`/api/projects/${site.projectId}/flags/${MONTH}`)
  t.ok(flags.flags.some((f) => f.kind === 'SHORTFALL' && f.workerId === w.id), 'the reconciliation finds the worker paid short')

  const auditor = api.as((await createKey(api, 'inspector RV', 'auditor', { regionCode: '3301' })).key)
  const res = await auditor.fetch(`/api/projects/${site.projectId}/payroll-ledger/${MONTH}?format=csv`)
  t.equal(res.status, 200)
  const csv = await res.text()
  const row = csv.split(/\r?\n/).find((l) => l.includes('李强'))
  t.ok(row, 'the worker has a row')
  t.match(row, /RVLG0001/, 'the row names the bank voucher')
  t.match(row, /3000\.00/, `the row shows the 3000.00 that voucher paid, not only the 3500.00 due (row: ${row})`)
})
