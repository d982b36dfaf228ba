/**
 * (Found by review.) A payment the bank returned (退票) still shows on the worker's own page as paid in full (已足额支付), while
 * reconciliation (GET …/flags/{month}) says the worker is UNPAID and RETURNED.
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { createKey, createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 9, 4)
const DAY_MS = 86_400_000

const txDtls = (e2e: string, card: string, name: string, yuan: string, extra = ''): string =>
  `<TxDtls><Refs><EndToEndId>${e2e}</EndToEndId></Refs><Amt Ccy="CNY">${yuan}</Amt><RltdPties><Cdtr><Pty><Nm>${name}</Nm></Pty></Cdtr><CdtrAcct><Id><Othr><Id>${card}</Id></Othr></Id></CdtrAcct></RltdPties>${extra}</TxDtls>`
const camt054 = (msgId: string, account: string, entries: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>${msgId}</MsgId><CreDtTm>2026-11-10T18:00:00+08:00</CreDtTm></GrpHdr><Ntfctn><Id>${msgId}-N</Id><CreDtTm>2026-11-10T18:00:00+08:00</CreDtTm><Acct><Id><Othr><Id>${account}</Id></Othr></Id></Acct>${entries}</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`
const entry = (ref: string, dir: 'DBIT' | 'CRDT', yuan: string, date: string, details: string): string =>
  `<Ntry><Amt Ccy="CNY">${yuan}</Amt><CdtDbtInd>${dir}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>${date}</Dt></BookgDt><ValDt><Dt>${date}</Dt></ValDt><AcctSvcrRef>${ref}</AcctSvcrRef><NtryDtls>${details}</NtryDtls></Ntry>`

t.test("a returned payment (退票) is not 'paid in full' on the worker's page", async (t) => {
  const nowMs = AT_MS + 4 * DAY_MS
  const { api, services, httpUrl } = await startTestServer(t, { clock: { nowMs: () => nowMs } })
  const site = await registerAccessSite(api, { tag: 'RV-RET', regionCode: '330106', bankCode: '103331000011', seed: 4101 })
  await createLogin(api, 'lm.rvret', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = api.as(await logIn(api, 'lm.rvret'))
  const bank = api.as((await createKey(api, 'bank RV', 'bank', { bankCode: '103331000011' })).key)
  const account = '1202020109000012345'
  await lm.post(`/api/projects/${site.projectId}/dedicated-account`, { bank: '工行西溪支行', bankCode: '103331000011', accountNo: account, accountName: '总包 RV 农民工工资专用账户', openedOn: '2026-09-01', reason: '开户' })
  const card = cardNumber(4150)
  const id = idNumber(new Rng(4102), 4100)
  const w = await api.post<{ id: string }>('/api/workers', { name: '王强', idNumber: id, bankName: '建行', cardNo: card })
  const e = await api.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: 'W-RV-1' })
  await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', atMs: AT_MS, lines: [{ workerId: w.id, enrolmentId: e.id, workerName: '王强', idNumber: id, bankName: '建行', cardNo: card, netFen: 100_00, answer: 'confirm' as const }] })
  const instruction = await lm.post<{ lines: Array<{ workerId: string; endToEndId: string }> }>(`/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`, {})
  const e2e = instruction.lines.find((l) => l.workerId === w.id)!.endToEndId
  // Booked on 11-09, returned on 11-12 (account closed).
  const body = camt054('C54-RV', account, entry('BK-1', 'DBIT', '100.00', '2026-11-09', txDtls(e2e, card, '王强', '100.00')) + entry('BK-2', 'CRDT', '100.00', '2026-11-12', txDtls(e2e, card, '王强', '100.00', '<RtrInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>账户已销户</AddtlInf></RtrInf>')))
  const r = await bank.request<{ outcome: string; file: { returnedCount: number } }>('POST', `/api/projects/${site.projectId}/payout-files?period=${MONTH}`, Buffer.from(body), 'application/xml')
  t.match(r, { outcome: 'payout_file_stored', file: { returnedCount: 1 } })

  const flags = (await api.get<{ flags: Array<{ kind: string; workerId: string | null }> }>(`/api/projects/${site.projectId}/flags/${MONTH}`)).flags.map((f) => f.kind)
  t.same(flags, ['UNPAID', 'RETURNED'], 'the API: the worker is unpaid, the payment came back')

  const slip = await (await api.fetch(`/api/projects/${site.projectId}/workers/${w.id}/pay-slip/${MONTH}`)).text()
  t.match(slip, '<p class="unpaid">未支付</p>', 'the pay slip (工资条) lists no payment that stands')

  const session = await services.access.workerSession({ id: w.id, name: '王强' }, 'test')
  const page = await fetch(`${httpUrl}/w/${site.projectId}/me?month=${MONTH}`, { headers: { accept: 'text/html', cookie: `wl_session=${session!.token}` } })
  const html = await page.text()
  t.equal(page.status, 200)
  t.notMatch(html, /2026年10月<\/span>\s*<span class="pay-state">已足额支付/, 'October must not read 已足额支付: the money came back')
  t.match(html, /2026年10月<\/span>\s*<span class="pay-state">未支付/, 'October: unpaid, as reconciliation says')
})
