/**
 * Bank result files in the formats banks send (issue 11), posted through the payout route on the run's engine: a
 * pain.002 that names payments only by our EndToEndId (card, name and amount taken from the instruction), a pending
 * report, a camt.054 reporting the same payments again and a return (退票), the same bytes again, a report naming no
 * instruction of ours, a format named that the file is not, and a report of another month.
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { createKey, createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { camt054, entry, txDtls, type CamtPayment } from '../helpers/camt054.ts'
import { failure, startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 9, 4)
const DAY_MS = 86_400_000

const pain002 = (msgId: string, txs: Array<[endToEndId: string, status: string, reason?: string]>): string =>
  `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt><GrpHdr><MsgId>${msgId}</MsgId><CreDtTm>2026-11-09T10:00:00+08:00</CreDtTm></GrpHdr>` +
  `<OrgnlGrpInfAndSts><OrgnlMsgId>WL-ORIGINAL</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>PI-1</OrgnlPmtInfId>` +
  txs
    .map(([e2e, sts, reason]) => `<TxInfAndSts><OrgnlEndToEndId>${e2e}</OrgnlEndToEndId><TxSts>${sts}</TxSts>${reason ? `<StsRsnInf><Rsn><Cd>${reason}</Cd></Rsn></StsRsnInf>` : ''}</TxInfAndSts>`)
    .join('') +
  `</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`

type Pay = CamtPayment

interface FileJson { id: string; format: string; variant: string | null; messageId: string | null; lineCount: number; successCount: number; failedCount: number; pendingCount: number; returnedCount: number; returnedFen: number }
interface LineJson { lineNo: number; status: string; payeeCardMasked?: string; payeeName: string; amountFen: number; bankRef: string; endToEndId: string | null; valueDate: string }

t.test('pain.002 and camt.054 results of an instruction: stored as reports of its payments', async (t) => {
  let nowMs = AT_MS
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => nowMs } })
  const site = await registerAccessSite(api, { tag: 'BF-1', regionCode: '330106', bankCode: '103331000011', seed: 1101 })
  const rng = new Rng(1102)
  await createLogin(api, 'lm.bf', 'labour_manager', { organisationId: site.generalContractorId })
  let lm = api.as(await logIn(api, 'lm.bf'))
  const bank = api.as((await createKey(api, 'bank BF', 'bank', { bankCode: '103331000011' })).key)
  const account = '1202020109000012345'
  await lm.post(`/api/projects/${site.projectId}/dedicated-account`, { bank: '工行西溪支行', bankCode: '103331000011', accountNo: account, accountName: '总包 BF-1 农民工工资专用账户', openedOn: '2026-09-01', reason: '开户' })

  const workers: Array<{ workerId: string; enrolmentId: string; workerName: string; idNumber: string; bankName: string; cardNo: string }> = []
  for (const i of [1, 2]) {
    const card = cardNumber(1150 + i)
    const id = idNumber(rng, 1100 + i)
    const w = await api.post<{ id: string }>('/api/workers', { name: `工人${i}`, idNumber: id, bankName: '建行', cardNo: card })
    const e = await api.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: `W-BFX-${i}` })
    workers.push({ workerId: w.id, enrolmentId: e.id, workerName: `工人${i}`, idNumber: id, bankName: '建行', cardNo: card })
  }
  await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', atMs: AT_MS, lines: workers.map((w, i) => ({ ...w, netFen: (i + 1) * 100_00, answer: 'confirm' as const })) })
  const instruction = await lm.post<{ lines: Array<{ workerId: string; endToEndId: string; amountFen: number }> }>(`/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`, {})
  const e2e = (i: number) => instruction.lines.find((l) => l.workerId === workers[i]!.workerId)!.endToEndId
  const pay = (i: number): Pay => ({ endToEndId: e2e(i), card: workers[i]!.cardNo, name: workers[i]!.workerName, yuan: `${(i + 1) * 100}.00` })
  const post = (body: string, query = '') => bank.request<{ outcome: string; file: FileJson }>('POST', `/api/projects/${site.projectId}/payout-files?period=${MONTH}${query}`, Buffer.from(body), 'application/xml')
  const linesOf = (fileId: string) => api.get<LineJson[]>(`/api/projects/${site.projectId}/payout-files/${fileId}/lines`)

  await t.test('a pain.002: worker 1 booked, worker 2 accepted (pending); card, name and amount from the instruction', async (t) => {
    const r = await post(pain002('STS-1', [
      [e2e(0), 'ACSC'],
      [e2e(1), 'ACSP'],
    ]))
    t.match(r, { outcome: 'payout_file_stored', file: { format: 'pain.002', variant: 'pain.002.001.03', messageId: 'STS-1', lineCount: 2, successCount: 1, pendingCount: 1, failedCount: 0 } })
    const lines = await linesOf(r.file.id)
    t.match(lines, [
      { status: 'success', payeeName: '工人1', amountFen: 100_00, endToEndId: e2e(0), valueDate: '2026-11-09' },
      { status: 'pending', payeeName: '工人2', amountFen: 200_00, endToEndId: e2e(1) },
    ])
    t.notOk(JSON.stringify(lines).includes(workers[0]!.cardNo), 'cards masked in the listing')
    const again = await post(pain002('STS-1', [
      [e2e(0), 'ACSC'],
      [e2e(1), 'ACSP'],
    ]))
    t.equal(again.outcome, 'payout_file_exists', 'the same bytes again change nothing')
  })

  interface Flag { kind: string; workerId: string | null }
  const flagsOf = async () => (await api.get<{ flags: Flag[] }>(`/api/projects/${site.projectId}/flags/${MONTH}`)).flags.map((f) => [f.kind, f.workerId])

  await t.test('reconciled: the booked payment counts, the pending one is neither paid nor failed', async (t) => {
    t.same(await flagsOf(), [['UNPAID', workers[1]!.workerId]], 'worker 1 paid; worker 2 not yet paid, and a pending report is no failure (no FAILED)')
  })

  await t.test('a camt.054: both booked in one batch, then worker 1 returned (退票)', async (t) => {
    nowMs = AT_MS + 4 * DAY_MS
    const body = camt054('C54-1', account, entry('BK-1', 'DBIT', '300.00', '2026-11-09', txDtls(pay(0)) + txDtls(pay(1))) + entry('BK-2', 'CRDT', '100.00', '2026-11-12', txDtls(pay(0), '<RtrInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>账户已销户</AddtlInf></RtrInf>')))
    const r = await post(body)
    t.match(r, { outcome: 'payout_file_stored', file: { format: 'camt.054', lineCount: 3, successCount: 2, returnedCount: 1, returnedFen: 100_00 } })
    const lines = await linesOf(r.file.id)
    t.match(lines.map((l) => [l.status, l.bankRef, l.endToEndId]), [
      ['success', 'BK-1/1', e2e(0)],
      ['success', 'BK-1/2', e2e(1)],
      ['returned', 'BK-2', e2e(0)],
    ])
    const w1 = workers[0]!.workerId
    t.same(await flagsOf(), [['UNPAID', w1], ['RETURNED', w1]], "worker 1's payment came back: unpaid again, and the return flagged; worker 2 paid once, though reported by two files")
  })

  interface Case { caseId: string; kind: string; flagKind: string; state: string; severity: string; workerId: string | null; ageDays: number; acknowledgedBy: string | null; escalations: Array<{ clock: string }> }
  interface History extends Case { events: Array<{ seq: number; type: string; actor: string | null }> }
  const casesOf = (query = '') => lm.get<Case[]>(`/api/projects/${site.projectId}/cases?month=${MONTH}${query}`)

  await t.test('the flags are cases: taken, dismissed, commented, aged, escalated, resolved when the money arrives', async (t) => {
    lm = api.as(await logIn(api, 'lm.bf'))
    const cases = await casesOf()
    const returned = cases.find((c) => c.kind === 'RETURNED')!
    const unpaid = cases.find((c) => c.kind === 'UNPAID')!
    t.match(returned, { state: 'open', workerId: workers[0]!.workerId, ageDays: 0 })
    t.match(unpaid, { state: 'open', flagKind: 'UNPAID' })
    const P = `/api/projects/${site.projectId}/cases`
    t.match(await lm.post<History>(`${P}/${returned.caseId}/acknowledge`, {}), { state: 'acknowledged', acknowledgedBy: 'lm.bf' })
    t.match(await failure(lm.post(`${P}/${returned.caseId}/acknowledge`, {})), { status: 409, code: 'flag_case_refused', details: { code: 'already_acknowledged' } })
    t.match(await failure(lm.post(`${P}/${returned.caseId}/dismiss`, {})), { status: 400 }, 'a dismissal needs a reason')
    const auditor = api.as((await createKey(api, 'auditor BF', 'auditor', { regionCode: '3301' })).key)
    t.match(await failure(auditor.post(`${P}/${returned.caseId}/comment`, { text: '已电话核实，卡已销户' })), { status: 403, code: 'role_forbidden' }, 'an auditor never writes, a comment included')
    t.match(await failure(auditor.post(`${P}/${returned.caseId}/acknowledge`, {})), { status: 403, code: 'role_forbidden' }, 'the auditor reads, never works the case')
    t.match(await auditor.get<History>(`${P}/${returned.caseId}`), { events: [{ type: 'opened' }, { type: 'acknowledged' }] }, 'and reads it, unchanged')
    t.match(await lm.post<History>(`${P}/${returned.caseId}/comment`, { text: '已电话核实，卡已销户' }), { events: [{ type: 'opened' }, { type: 'acknowledged' }, { type: 'commented' }] }, 'the labour manager comments')
    t.match(await failure(lm.get(`${P}/${'0'.repeat(32)}`)), { status: 404, code: 'flag_case_not_found' })

    nowMs = AT_MS + 12 * DAY_MS
    // Sessions and keys of 8 days ago have expired: log in again.
    lm = api.as(await logIn(api, 'lm.bf'))
    const bankNow = api.as((await createKey(api, 'bank BF 2', 'bank', { bankCode: '103331000011' })).key)
    t.equal(await services.cases.tick(), 1, "8 days on: the unpaid case nobody took is escalated (7-day clock); the taken one's clock stopped")
    t.equal(await services.cases.tick(), 0, 'the clock escalates once')
    t.match((await casesOf()).find((c) => c.caseId === unpaid.caseId), { severity: 'red', escalations: [{ clock: 'handling' }] })

    // The money arrives: a second attempt, booked (a delimited result line with the new card and no EndToEndId).
    const paid = `序号|收款账号|收款人|金额|状态|银行流水号|入账日期\n1|${workers[0]!.cardNo}|工人1|100.00|成功|RETRY-1|2026-11-21\n`
    await bankNow.request('POST', `/api/projects/${site.projectId}/payout-files?period=${MONTH}`, Buffer.from(paid), 'text/plain')
    const after = await casesOf()
    t.match(after.find((c) => c.caseId === unpaid.caseId), { state: 'resolved' }, 'resolved by the run that found the money')
    t.match(after.find((c) => c.caseId === returned.caseId), { state: 'resolved' }, 'the return too: paid in full again')
    const history = await lm.get<History>(`${P}/${unpaid.caseId}`)
    t.same(history.events.map((e) => e.type), ['opened', 'escalated', 'resolved'])
  })

  await t.test('refused whole, kept with the reason', async (t) => {
    t.match(await failure(post(pain002('STS-X', [['NOT-OURS-1', 'ACSC']]))), { status: 422, code: 'payout_file_invalid', details: { errors: [{ line: 1, code: 'unknown_end_to_end_id' }] } })
    t.match(await failure(post(pain002('STS-Y', [[e2e(0), 'ACSC']]), '&format=cmb-agency')), { status: 422, code: 'payout_file_invalid' }, 'a format named that the file is not')
    const other = await failure(bank.request('POST', `/api/projects/${site.projectId}/payout-files?period=2026-09`, Buffer.from(pain002('STS-Z', [[e2e(0), 'ACSC']])), 'application/xml'))
    t.match(other, { status: 422, details: { errors: [{ code: 'wrong_period' }] } }, "a report of October's instruction posted for September")
    const rejected = await api.get<Array<{ reason: string }>>(`/api/rejected-inputs?projectId=${site.projectId}&reason=payout_file_invalid`)
    t.equal(rejected.length, 3, 'each refusal kept')
  })
})
