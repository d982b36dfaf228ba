/**
 * The same three reports — a camt.054 booking with our EndToEndId, its camt.054 return, and a 代发 text result of the
 * same payment without the id — give the same flags whatever order they arrive in: the text report posted last still
 * takes the id (the payment is returned, not booked on another day), so the worker is unpaid again (found by review:
 * posted last it was left without an id and kept the worker paid).
 */
import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { formatPayoutFile } from '../../src/payouts/file-format.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { createKey, createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { camt054, entry, txDtls } from '../helpers/camt054.ts'
import { startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 9, 4)
const DAY_MS = 86_400_000

const tx = (e2e: string, card: string, yuan: string, extra = ''): string => txDtls({ endToEndId: e2e, card, name: '工人1', yuan }, extra)

t.test('the camt booking and return first, the 代发 result of the same payment after: the worker is still unpaid', async (t) => {
  let nowMs = AT_MS
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => nowMs } })
  const site = await registerAccessSite(api, { tag: 'RV-1', regionCode: '330106', bankCode: '103331000011', seed: 2511 })
  const rng = new Rng(2512)
  await createLogin(api, 'lm.rv', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = api.as(await logIn(api, 'lm.rv'))
  const bank = api.as((await createKey(api, 'bank RV', 'bank', { bankCode: '103331000011' })).key)
  const account = '1202020109000054321'
  await lm.post(`/api/projects/${site.projectId}/dedicated-account`, { bank: '工行西溪支行', bankCode: '103331000011', accountNo: account, accountName: '总包 RV-1 农民工工资专用账户', openedOn: '2026-09-01', reason: '开户' })
  const card = cardNumber(2551)
  const id = idNumber(rng, 2551)
  const w = await api.post<{ id: string }>('/api/workers', { name: '工人1', idNumber: id, bankName: '建行', cardNo: card })
  const e = await api.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: 'W-RVX-1' })
  await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', atMs: AT_MS, lines: [{ workerId: w.id, enrolmentId: e.id, workerName: '工人1', idNumber: id, bankName: '建行', cardNo: card, netFen: 700_00, answer: 'confirm' }] })
  const instruction = await lm.post<{ lines: Array<{ workerId: string; endToEndId: string }> }>(`/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`, {})
  const e2e1 = instruction.lines[0]!.endToEndId
  const flagsOf = async () => (await api.get<{ flags: Array<{ kind: string; workerId: string | null }> }>(`/api/projects/${site.projectId}/flags/${MONTH}`)).flags.map((f) => `${f.kind} ${f.workerId === w.id ? 'w1' : f.workerId}`).sort()

  nowMs = AT_MS + 4 * DAY_MS
  await bank.request('POST', `/api/projects/${site.projectId}/payout-files?period=${MONTH}`, Buffer.from(camt054('C54-RV', account, entry('BK-1', 'DBIT', '700.00', '2026-11-09', tx(e2e1, card, '700.00')))), 'application/xml')
  await bank.request('POST', `/api/projects/${site.projectId}/payout-files?period=${MONTH}`, Buffer.from(camt054('C54-RV-R', account, entry('BK-2', 'CRDT', '700.00', '2026-11-12', tx(e2e1, card, '700.00', '<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>')))), 'application/xml')
  const before = await flagsOf()
  t.same(before, ['RETURNED w1', 'UNPAID w1'], 'after the booking and its return: unpaid')
  // The 代发 result of that same booked payment (same card, amount, value date), which arrives last.
  const res = await bank.fetch(`/api/projects/${site.projectId}/payout-files?period=${MONTH}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: formatPayoutFile([{ seq: 1, payeeName: '工人1', payeeCard: card, amountFen: fen(700_00), status: 'success', bankRef: 'DF-1', valueDate: '2026-11-09', failureReason: null, payerAccountNo: null, endToEndId: null }], { encoding: 'utf-8' }),
  })
  t.equal(res.status, 201)
  const fileId = ((await res.json()) as { file: { id: string } }).file.id
  const lines = await bank.get<Array<{ bankRef: string; endToEndId: string | null }>>(`/api/projects/${site.projectId}/payout-files/${fileId}/lines`)
  t.same(lines.map((l) => [l.bankRef, l.endToEndId]), [['DF-1', e2e1]], 'the 代发 report takes the id, as it does when it comes first')
  t.same(await flagsOf(), ['RETURNED w1', 'UNPAID w1'], 'the same three reports in another order: the same verdict (unpaid)')
})
