/** A project at 招商银行 with two workers (张伟, 李娜) on an approved, confirmed sheet and its pain.001 instruction, and a bank key posting result files for it. */
import type { Test } from 'tap'
import { cardNumber, idNumber } from '../../../simulators/identities.ts'
import { Rng } from '../../../simulators/random.ts'
import { createKey, createLogin, logIn, MONTH, registerAccessSite } from '../../access/helpers/site.ts'
import { insertApprovedSheet } from '../../helpers/approved-sheet.ts'
import { startTestServer } from '../../helpers/server.ts'

export const AT_MS = Date.UTC(2026, 10, 9, 4)
export { MONTH }

export interface FileJson { id: string; format: string; lineCount: number; successCount: number; successFen: number }
export interface LineJson { status: string; amountFen: number; bankRef: string; endToEndId: string | null; payeeName: string; payeeCardMasked?: string }
export interface RunJson { run: { paidFen: number; unknownPaidFen: number }; flags: Array<{ kind: string; workerId: string | null }> }

export async function setUp(t: Test, seed: number, netFen: (i: number) => number = (i) => (i + 1) * 100_00) {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: `REV-${seed}`, regionCode: '330106', bankCode: '308584000013', seed })
  const rng = new Rng(seed + 1)
  await createLogin(api, `lm.rev${seed}`, 'labour_manager', { organisationId: site.generalContractorId })
  const lm = api.as(await logIn(api, `lm.rev${seed}`))
  const bank = api.as((await createKey(api, `bank REV ${seed}`, 'bank', { bankCode: '308584000013' })).key)
  const account = '755900008010306'
  await lm.post(`/api/projects/${site.projectId}/dedicated-account`, { bank: '招商银行深圳分行', bankCode: '308584000013', accountNo: account, accountName: '总包 农民工工资专用账户', openedOn: '2026-09-01', reason: '开户' })
  const workers: Array<{ workerId: string; enrolmentId: string; workerName: string; idNumber: string; bankName: string; cardNo: string }> = []
  for (const i of [1, 2]) {
    const card = cardNumber(seed * 10 + i)
    const id = idNumber(rng, seed * 10 + i)
    const name = i === 1 ? '张伟' : '李娜'
    const w = await api.post<{ id: string }>('/api/workers', { name, idNumber: id, bankName: '招行', cardNo: card })
    const e = await api.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: `W-REV${seed}-${i}` })
    workers.push({ workerId: w.id, enrolmentId: e.id, workerName: name, idNumber: id, bankName: '招行', cardNo: card })
  }
  await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', atMs: AT_MS, lines: workers.map((w, i) => ({ ...w, netFen: netFen(i), answer: 'confirm' as const })) })
  const instruction = await lm.post<{ id: string; msgId: string; lines: Array<{ workerId: string; endToEndId: string; amountFen: number }> }>(
    `/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`,
    {},
  )
  const e2eOf = (i: number): string => instruction.lines.find((l) => l.workerId === workers[i]!.workerId)!.endToEndId
  const post = (body: Buffer | string, contentType = 'application/xml', query = '') =>
    bank.request<{ outcome: string; file: FileJson; reconciliation: RunJson }>('POST', `/api/projects/${site.projectId}/payout-files?period=${MONTH}${query}`, Buffer.from(body), contentType)
  const postFor = (period: string, body: Buffer | string, contentType = 'application/xml') =>
    bank.request<{ outcome: string; file: FileJson; reconciliation: RunJson }>('POST', `/api/projects/${site.projectId}/payout-files?period=${period}`, Buffer.from(body), contentType)
  const linesOf = (fileId: string) => api.get<LineJson[]>(`/api/projects/${site.projectId}/payout-files/${fileId}/lines`)
  /** The month's flags as the newest run raised them: the bank's own post replies carry none (a bank may not read flags). */
  const flags = async () => (await api.get<RunJson>(`/api/projects/${site.projectId}/flags/${MONTH}`)).flags
  return { api, services, site, workers, instruction, e2eOf, post, postFor, linesOf, flags, account }
}

export const camt054 = (msgId: string, account: string, entries: string, encoding = 'UTF-8'): string =>
  `<?xml version="1.0" encoding="${encoding}"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>${msgId}</MsgId><CreDtTm>2026-11-10T18:00:00+08:00</CreDtTm></GrpHdr><Ntfctn><Id>${msgId}-N</Id><CreDtTm>2026-11-10T18:00:00+08:00</CreDtTm><Acct><Id><Othr><Id>${account}</Id></Othr></Id></Acct>${entries}</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`
