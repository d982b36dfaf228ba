/**
 * A payment to a worker's former card (换卡) is theirs in the wage ledger (工资支付台账) and the upstream PayRoll details
 * as in reconciliation: the ledger found card-matched payments by the sheet line's card only, so a month reconciliation
 * called paid in full showed half paid there, and went upstream as not paid (found by review).
 */
import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { formatPayoutFile } from '../../src/payouts/file-format.ts'
import { LedgerRepository } from '../../src/payroll/ledger-repository.ts'
import { cardNumber } from '../../simulators/identities.ts'
import { createKey, createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 3)

t.test("a payment to the former card is the worker's in the ledger as in reconciliation", async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'FL-1', regionCode: '330106', bankCode: '103331000011', seed: 2711 })
  await createLogin(api, 'lm.fl', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = api.as(await logIn(api, 'lm.fl'))
  const bank = api.as((await createKey(api, 'bank FL', 'bank', { bankCode: '103331000011' })).key)
  const worker = (await services.db.get<{ name: string; idNumber: string; cardNo: string }>({ text: 'SELECT name AS "name", id_number AS "idNumber", card_no AS "cardNo" FROM workers WHERE id = ?', params: [site.workerId] }))!
  const oldCard = worker.cardNo
  const newCard = cardNumber(2799)
  await lm.post(`/api/workers/${site.workerId}/card-changes`, { bankName: '中国建设银行', cardNo: newCard, reason: '原卡挂失' })
  const SEPTEMBER = '2026-09'
  await insertApprovedSheet(services.db, {
    projectId: site.projectId, teamId: site.teamId, period: SEPTEMBER, payDate: '2026-10-10', atMs: AT_MS,
    lines: [{ workerId: site.workerId, enrolmentId: site.enrolmentId, workerName: worker.name, idNumber: worker.idNumber, bankName: '中国建设银行', cardNo: newCard, netFen: 7_000_00, answer: 'confirm' }],
  })
  const body = formatPayoutFile([
    { seq: 1, payeeName: worker.name, payeeCard: oldCard, amountFen: fen(3_000_00), status: 'success', bankRef: 'FL-R-1', valueDate: '2026-09-28', failureReason: null, payerAccountNo: null, endToEndId: null },
    { seq: 2, payeeName: worker.name, payeeCard: newCard, amountFen: fen(4_000_00), status: 'success', bankRef: 'FL-R-2', valueDate: '2026-09-28', failureReason: null, payerAccountNo: null, endToEndId: null },
  ], { encoding: 'utf-8' })
  const res = await bank.fetch(`/api/projects/${site.projectId}/payout-files?period=${SEPTEMBER}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body })
  t.equal(res.status, 201)
  const { flags } = await services.payouts.reconcile(site.projectId, SEPTEMBER, 'test')
  t.notOk(flags.some((f) => ['UNKNOWN_PAYEE', 'SHORTFALL', 'UNPAID'].includes(f.kind)), 'reconciliation: paid in full by the two cards')
  const m = await new LedgerRepository(services.db).month(site.projectId, SEPTEMBER)
  const slip = m!.lines.find((l) => l.workerId === site.workerId)!.slip
  t.same(slip.payments.map((p) => p.bankRef).sort(), ['FL-R-1', 'FL-R-2'], 'the ledger shows both payments (the former card\'s too)')
})
