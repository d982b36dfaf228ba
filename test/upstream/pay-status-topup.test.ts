/**
 * (Found by review.) A worker paid part under our instruction and the rest by a 代发 line to the same card is paid in
 * full, as reconciliation settles it: reported 20, and the pay slip counts both payments.
 */
/**
 * Review: a worker paid in full to their own card, partly under the instruction's EndToEndId and the rest by a plain
 * 代发 line (no EndToEndId), is paid in full for reconciliation (the sheet settles) — and must be reported PayStatus 20
 * with 累计已发 the whole net pay. The ledger's monthPayments takes the EndToEndId payments OR the card's, never both.
 */
import t from 'tap'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'
import { LedgerRepository } from '../../src/payroll/ledger-repository.ts'
import { camt054 } from '../payouts/helpers/instructed-site.ts'
import { creditCode } from '../helpers/upstream.ts'

const AT_MS = Date.UTC(2026, 10, 11, 4)

t.test('EndToEndId payment plus a card top-up: paid in full, reported paid', async (t) => {
  const seed = 1200
  const tag = 'REV-TOPUP'
  const subCredit = creditCode(seed + 3)
  const upstream = parseUpstreamConfig({
    provinces: { 33: { endpoint: 'http://127.0.0.1:9/open.api', appId: 'a', appSecret: 'Wl0Test5ecret0fThePlatform2026AB' } },
    projects: { [tag]: { projectCode: 'P330106801', subcontractors: { [subCredit]: '000801' } } },
    passMs: 3_600_000,
    sweepMs: 3_600_000,
    watchMs: 3_600_000,
  })
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS }, config: { upstream } })
  const org = (kind: string, n: number, credit = creditCode(n)) => api.post<{ id: string }>('/api/organisations', { kind, name: `${kind} ${n}`, creditCode: credit })
  const cu = await org('construction_unit', seed + 1)
  const gc = await org('general_contractor', seed + 2)
  const sub = await org('subcontractor', seed + 3, subCredit)
  const project = await api.post<{ id: string }>('/api/projects', { siteCode: tag, name: '工程', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '招商银行', bankCode: '308584000013', no: '755900008010306', name: '专户' } })
  const team = await api.post<{ id: string }>(`/api/projects/${project.id}/teams`, { name: '钢筋班', employerId: sub.id })
  const bank = api.as((await api.post<{ key: string }>('/api/api-keys', { name: 'bank', role: 'bank', bankCode: '308584000013', days: 1 })).key)
  const account = '755900008010306'
  await api.post(`/api/projects/${project.id}/dedicated-account`, { bank: '招商银行深圳分行', bankCode: '308584000013', accountNo: account, accountName: '总包 农民工工资专用账户', openedOn: '2026-09-01', reason: '开户' })
  const rng = new Rng(seed)
  const card = cardNumber(seed * 10 + 1)
  const w = await api.post<{ id: string }>('/api/workers', { name: '张伟', idNumber: idNumber(rng, seed * 10 + 1), bankName: '招行', cardNo: card })
  const e = await api.post<{ id: string }>(`/api/projects/${project.id}/enrolments`, { workerId: w.id, teamId: team.id, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: `W-${tag}-1` })
  await insertApprovedSheet(services.db, { projectId: project.id, teamId: team.id, period: '2026-10', payDate: '2026-11-10', atMs: AT_MS, lines: [{ workerId: w.id, enrolmentId: e.id, workerName: '张伟', idNumber: idNumber(new Rng(seed), seed * 10 + 1), bankName: '招行', cardNo: card, netFen: 100_00, answer: 'confirm' }] })
  const instruction = await api.post<{ lines: Array<{ workerId: string; endToEndId: string }> }>(`/api/projects/${project.id}/teams/${team.id}/payroll-sheets/2026-10/instruction`, {})
  const e2e = instruction.lines[0]!.endToEndId
  const post = (body: string, type: string) => bank.request<{ outcome: string }>('POST', `/api/projects/${project.id}/payout-files?period=2026-10`, Buffer.from(body), type)

  // 60.00 under the instruction's EndToEndId, 40.00 more to the same card by a plain 代发 line.
  const ntry = `<Ntry><Amt Ccy="CNY">60.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-10</Dt></BookgDt><AcctSvcrRef>BK-0</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>${e2e}</EndToEndId></Refs><Amt Ccy="CNY">60.00</Amt><RltdPties><CdtrAcct><Id><Othr><Id>${card}</Id></Othr></Id></CdtrAcct></RltdPties></TxDtls></NtryDtls></Ntry>`
  t.match(await post(camt054('C54-TOP', account, ntry), 'application/xml'), { outcome: 'payout_file_stored' })
  const topUp = ['seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason', `1|${card}|张伟|40.00|success|TOP-1|2026-11-10|`].join('\n')
  t.match(await post(topUp, 'text/plain'), { outcome: 'payout_file_stored' })

  const sheet = await api.get<{ state: string }>(`/api/projects/${project.id}/teams/${team.id}/payroll-sheets/2026-10`)
  t.equal(sheet.state, 'settled', 'reconciliation: the worker is paid in full, the sheet settles')

  await services.upstream.reporter.idle()
  await services.upstream.reporter.reportPayroll(project.id, '2026-10')
  const details = (await services.upstream.reporter.outbox.records(services.db, project.id))
    .filter((r) => r.kind === 'PayRollDetail')
    .map((r) => JSON.parse(r.payload) as { PayStatus: number; CumulativePaidAmount: string })
  t.match(details.at(-1), { PayStatus: 20 }, 'reported paid (20), as the reconciliation found')
  const standing = (await new LedgerRepository(services.db).monthPayments(project.id, '2026-10')).of(w.id, card)
  t.equal(standing.reduce((s, p) => s + Number(p.amountFen), 0), 100_00, 'the ledger/pay slip counts both payments to the card (100.00)')
})
