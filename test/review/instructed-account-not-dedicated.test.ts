/**
 * A bank's integration engineer pays exactly what the ledger instructed: the project was registered with its dedicated
 * wage account (POST /api/projects with `account`, README step 2 "The project, with its dedicated wage account"), the
 * labour manager's instruction (pain.001) names that account as the debtor (README: "The debtor is the registered
 * dedicated account …, else the project's own account fields"), and the bank's result file says each payment was
 * debited from it (付款账号). The reconciliation then raises PAYER_NOT_DEDICATED (reason no_dedicated_account) and counts
 * none of it as paid: every worker the bank paid from the account the ledger told it to debit is UNPAID, and the
 * bureau's overview shows the project red, "未登记农民工工资专用账户（条例第五十五条）", for an account it was registered with.
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { MONTH, createKey, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 5, 4)

t.test('paid from the account the instruction debits: counted as paid from the dedicated account', async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'RV-DA', regionCode: '330106', bankCode: '103331000011', seed: 7301 })
  const bank = api.as((await createKey(api, 'bank RV', 'bank', { bankCode: '103331000011' })).key)
  const rng = new Rng(7302)
  const card = cardNumber(7303)
  const id = idNumber(rng, 7304)
  const w = await api.post<{ id: string }>('/api/workers', { name: '李强', idNumber: id, bankName: '农行', cardNo: card })
  const e = await api.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: 'W-RV-DA-2' })
  await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamId,
    period: MONTH,
    payDate: '2026-11-10',
    atMs: AT_MS,
    lines: [{ workerId: w.id, enrolmentId: e.id, workerName: '李强', idNumber: id, bankName: '农行', cardNo: card, netFen: 3500_00, answer: 'confirm' }],
  })
  const instruction = await api.post<{ debtorAccountNo: string; lines: Array<{ workerId: string; endToEndId: string }> }>(
    `/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`,
    {},
  )
  const project = await api.get<{ account: { no: string } }>(`/api/projects/${site.projectId}`)
  t.equal(instruction.debtorAccountNo, project.account.no, "the instruction debits the account the project was registered with")

  const e2e = instruction.lines[0]!.endToEndId
  const file =
    '序号|收款账号|收款人|金额|状态|银行流水号|入账日期|失败原因|付款账号|端到端标识号\n' +
    `1|${card}|李强|3500.00|成功|RVDA0001|2026-11-08||${instruction.debtorAccountNo}|${e2e}\n`
  await bank.request('POST', `/api/projects/${site.projectId}/payout-files?period=${MONTH}`, Buffer.from(file), 'text/plain')

  const flags = await api.get<{ flags: Array<{ kind: string; workerId: string | null; evidence: { reason?: string } }> }>(`/api/projects/${site.projectId}/flags/${MONTH}`)
  const kinds = flags.flags.map((f) => `${f.kind}${f.evidence.reason ? `(${f.evidence.reason})` : ''}`)
  t.notOk(kinds.some((k) => k.startsWith('PAYER_NOT_DEDICATED')), `no PAYER_NOT_DEDICATED for the instructed debtor account (flags: ${kinds.join(', ')})`)
  t.notOk(flags.flags.some((f) => f.kind === 'UNPAID' && f.workerId === w.id), 'the worker the bank paid as instructed is not UNPAID')

  const auditor = api.as((await createKey(api, 'inspector RV', 'auditor', { regionCode: '3301' })).key)
  const csv = await (await auditor.fetch('/pages/oversight/export.csv')).text()
  t.notMatch(csv, /未登记农民工工资专用账户/, 'the overview does not call the project’s registered account unregistered')
})
