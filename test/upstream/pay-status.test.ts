/**
 * (Found by review.) A worker the bank paid is reported paid (PayStatus 20, BalanceDate the bank's booking date), whether or not every
 * other line of the sheet is paid yet: the platform colours a project red for attended workers without a pay record.
 */
import t, { type Test } from 'tap'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'
import { camt054 } from '../payouts/helpers/instructed-site.ts'
import { creditCode } from '../helpers/upstream.ts'

const AT_MS = Date.UTC(2026, 10, 11, 4) // 11 November 2026, after October's pay day

async function paySite(t: Test, tag: string, seed: number) {
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
  const workers = []
  for (const i of [1, 2]) {
    const card = cardNumber(seed * 10 + i)
    const id = idNumber(rng, seed * 10 + i)
    const name = i === 1 ? '张伟' : '李娜'
    const w = await api.post<{ id: string }>('/api/workers', { name, idNumber: id, bankName: '招行', cardNo: card })
    const e = await api.post<{ id: string }>(`/api/projects/${project.id}/enrolments`, { workerId: w.id, teamId: team.id, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: `W-${tag}-${i}` })
    workers.push({ workerId: w.id, enrolmentId: e.id, workerName: name, idNumber: id, bankName: '招行', cardNo: card })
  }
  await insertApprovedSheet(services.db, { projectId: project.id, teamId: team.id, period: '2026-10', payDate: '2026-11-10', atMs: AT_MS, lines: workers.map((w, i) => ({ ...w, netFen: (i + 1) * 100_00, answer: 'confirm' as const })) })
  const instruction = await api.post<{ lines: Array<{ workerId: string; endToEndId: string }> }>(`/api/projects/${project.id}/teams/${team.id}/payroll-sheets/2026-10/instruction`, {})
  // The instruction's report (PayStatus 0) runs after its commit; a bank's file posted before it ran would be read by it
  // too, and the platform told only the newer state. Days pass between the two on a site; here, wait for it.
  await services.upstream.reporter.idle()
  return { api, services, project, bank, account, workers, instruction }
}

const entry = (s: Awaited<ReturnType<typeof paySite>>, i: number, amount: string, day: string): string => {
  const e2e = s.instruction.lines.find((l) => l.workerId === s.workers[i]!.workerId)!.endToEndId
  return `<Ntry><Amt Ccy="CNY">${amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>${day}</Dt></BookgDt><AcctSvcrRef>BK-${i}</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>${e2e}</EndToEndId></Refs><Amt Ccy="CNY">${amount}</Amt><RltdPties><CdtrAcct><Id><Othr><Id>${s.workers[i]!.cardNo}</Id></Othr></Id></CdtrAcct></RltdPties></TxDtls></NtryDtls></Ntry>`
}

async function details(s: Awaited<ReturnType<typeof paySite>>, name: string) {
  await s.services.upstream.reporter.idle()
  await s.services.upstream.reporter.reportPayroll(s.project.id, '2026-10')
  return (await s.services.upstream.reporter.outbox.records(s.services.db, s.project.id))
    .filter((r) => r.kind === 'PayRollDetail')
    .map((r) => JSON.parse(r.payload) as { WorkerName: string; PayStatus: number; BalanceDate: string; CumulativePaidAmount: string })
    .filter((d) => d.WorkerName === name)
}

t.test('a worker paid while a colleague is not yet paid is reported paid', async (t) => {
  const s = await paySite(t, 'REV-PAY', 800)
  // The bank books 张伟's payment on 10 November; 李娜's is not in this file yet.
  const posted = await s.bank.request<{ outcome: string; file: { successCount: number } }>('POST', `/api/projects/${s.project.id}/payout-files?period=2026-10`, Buffer.from(camt054('C54-ONE', s.account, entry(s, 0, '100.00', '2026-11-10'))), 'application/xml')
  t.match(posted, { outcome: 'payout_file_stored', file: { successCount: 1 } })
  const zhang = await details(s, '张伟')
  t.ok(zhang.length > 0, 'a detail record of 张伟')
  t.match(zhang.at(-1), { PayStatus: 20, CumulativePaidAmount: '100.00' }, '张伟 is reported paid')
})

t.test("a paid line's BalanceDate is the bank's booking date, not the pay date", async (t) => {
  const s = await paySite(t, 'REV-PAY2', 900)
  // Both paid, a day after the pay date (10 November): the sheet is settled.
  const posted = await s.bank.request<{ outcome: string; file: { successCount: number } }>('POST', `/api/projects/${s.project.id}/payout-files?period=2026-10`, Buffer.from(camt054('C54-BOTH', s.account, entry(s, 0, '100.00', '2026-11-11') + entry(s, 1, '200.00', '2026-11-11'))), 'application/xml')
  t.match(posted, { outcome: 'payout_file_stored', file: { successCount: 2 } })
  const zhang = await details(s, '张伟')
  t.match(zhang.at(-1), { PayStatus: 20 }, 'settled: paid')
  t.equal(zhang.at(-1)?.BalanceDate, '2026-11-11', 'the date the bank paid it (发放日期)')
})

t.test('paid, returned (退票), paid again: each step reported, and what came back is not counted paid', async (t) => {
  const s = await paySite(t, 'REV-PAY3', 1000)
  const post = async (body: string, type: string) => s.bank.request<{ outcome: string }>('POST', `/api/projects/${s.project.id}/payout-files?period=2026-10`, Buffer.from(body), type)
  t.match(await post(camt054('C54-P3', s.account, entry(s, 0, '100.00', '2026-11-10') + entry(s, 1, '200.00', '2026-11-10')), 'application/xml'), { outcome: 'payout_file_stored' })
  t.match((await details(s, '张伟')).at(-1), { PayStatus: 20, CumulativePaidAmount: '100.00' }, 'paid')

  // The account was closed: the bank gives the money back on 12 November.
  const e2e = s.instruction.lines.find((l) => l.workerId === s.workers[0]!.workerId)!.endToEndId
  const back = `<Ntry><Amt Ccy="CNY">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-12</Dt></BookgDt><AcctSvcrRef>BK-RT</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>${e2e}</EndToEndId></Refs><Amt Ccy="CNY">100.00</Amt><RltdPties><CdtrAcct><Id><Othr><Id>${s.workers[0]!.cardNo}</Id></Othr></Id></CdtrAcct></RltdPties><RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf></TxDtls></NtryDtls></Ntry>`
  t.match(await post(camt054('C54-P3R', s.account, back), 'application/xml'), { outcome: 'payout_file_stored' })
  t.match((await details(s, '张伟')).at(-1), { PayStatus: 30, CumulativePaidAmount: '0.00' }, 'returned: failed, and nothing paid so far')

  // Paid again to a new card's line on 13 November (a 代发 result in the ledger's own layout).
  const again = ['seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason', `1|${s.workers[0]!.cardNo}|张伟|100.00|success|RP-1|2026-11-13|`].join('\n')
  t.match(await post(again, 'text/plain'), { outcome: 'payout_file_stored' })
  const zhang = await details(s, '张伟')
  t.same(zhang.map((d) => d.PayStatus), [0, 20, 30, 20], 'the platform is told each step (approved, paid, returned, paid again)')
  t.match(zhang.at(-1), { BalanceDate: '2026-11-13', CumulativePaidAmount: '100.00' })
  t.same((await details(s, '李娜')).map((d) => d.PayStatus), [0, 20], 'the colleague: approved, paid once')
  // (Found by review.) The sheet's PayRoll record too: settled (50), reopened by the return (3 again, a record of its
  // own: the platform holds 50 under the first key), settled again (50, a new round).
  const payrolls = (await s.services.upstream.reporter.outbox.records(s.services.db, s.project.id)).filter((r) => r.kind === 'PayRoll')
  t.same(
    payrolls.map((r) => [r.key.replace(/^payroll:[^:]+:/, ''), (JSON.parse(r.payload) as { Status: number }).Status]),
    [
      ['3', 3],
      ['50', 50],
      ['3:1', 3],
      ['50:1', 50],
    ],
    'instructed, settled, reopened by the return, settled again',
  )
})

t.test('one rejected payment reported by two files is one setback: PayStatus 30 goes out once', async (t) => {
  const s = await paySite(t, 'REV-SETBACK', 1300)
  const post = async (body: string, type: string) => s.bank.request<{ outcome: string }>('POST', `/api/projects/${s.project.id}/payout-files?period=2026-10`, Buffer.from(body), type)
  const e2e = s.instruction.lines.find((l) => l.workerId === s.workers[0]!.workerId)!.endToEndId
  const header = 'seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason|end_to_end_id'
  // 李娜 is paid; 张伟's payment is rejected (账户冻结). The bank's result file says so under reference F-1 ...
  t.match(await post(camt054('C54-SB', s.account, entry(s, 1, '200.00', '2026-11-10')), 'application/xml'), { outcome: 'payout_file_stored' })
  t.match(await post([header, `1|${s.workers[0]!.cardNo}|张伟|100.00|failed|F-1|2026-11-10|账户冻结|${e2e}`].join('\n'), 'text/plain'), { outcome: 'payout_file_stored' })
  t.same((await details(s, '张伟')).map((d) => d.PayStatus), [0, 30], 'approved, then failed')
  // ... and its day-end statement reports the same rejected payment (same EndToEndId) under its own reference F-2.
  t.match(await post([header, `1|${s.workers[0]!.cardNo}|张伟|100.00|failed|F-2|2026-11-10|账户冻结|${e2e}`].join('\n'), 'text/plain'), { outcome: 'payout_file_stored' })
  t.same((await details(s, '张伟')).map((d) => d.PayStatus), [0, 30], 'still one payment, one failure: nothing new to report (reconciliation counts it once)')
})
