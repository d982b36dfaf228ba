/**
 * The same payments reported by a camt.054 (which names our EndToEndIds) and then by a CMB 银企直联 代发 result (which
 * names only our batch reference, YURREF, and the line's TRXSEQ), posted through the payout route on the run's engine:
 * the 代发 lines take the EndToEndIds of the instruction lines at those places, so each payment counts once (paid
 * equals the instruction, no OVERPAID); a 代发 line whose amount disagrees with the instruction line at its place keeps
 * no EndToEndId and is a payment of its own, which reconciliation flags.
 */
import iconv from 'iconv-lite'
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { createKey, createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { camt054, txDtls } from '../helpers/camt054.ts'
import { startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 9, 4)


type Fields = Record<string, string>
const element = (tag: string, f: Fields): string => `<${tag}>${Object.entries(f).map(([k, v]) => `<${k}>${v}</${k}>`).join(' ')}</${tag}>`
/** A 前置机 NTAGDINF answer as CMB lays it out: INFO, the batch (NTAGCINQZ), its lines (NTAGCDTLY1). */
const cmbResult = (batch: Fields, lines: Fields[]): Buffer =>
  Buffer.from(
    `<?xml version="1.0" encoding = "UTF-8"?> <CMBSDKPGK>\n<INFO><DATTYP>2</DATTYP> <ERRMSG></ERRMSG> <FUNNAM>NTAGDINF</FUNNAM> <LGNNAM>PAY1</LGNNAM> <RETCOD>0</RETCOD></INFO>\n` +
      element('NTAGCINQZ', batch) +
      lines.map((l) => element('NTAGCDTLY1', l)).join('\n') +
      '\n</CMBSDKPGK>',
    'utf8',
  )

/** The 代发 file as we wrote it (profile cmb): YURREF from the batch line, each payee line's TRXSEQ, card, name and amount. */
function agencyFile(bytes: Buffer): { yurref: string; lines: Array<{ trxseq: string; card: string; name: string; yuan: string }> } {
  const [batch = '', ...payees] = iconv.decode(bytes, 'gbk').split('\r\n').filter((l) => l !== '')
  return {
    yurref: batch.split(',')[0] ?? '',
    lines: payees.map((l) => {
      const [trxseq = '', card = '', name = '', yuan = ''] = l.split(',')
      return { trxseq, card, name, yuan }
    }),
  }
}

interface FileJson { id: string; format: string; lineCount: number; successCount: number }
interface LineJson { status: string; amountFen: number; bankRef: string; endToEndId: string | null }
interface RunJson { run: { paidFen: number; unknownPaidFen: number }; flags: Array<{ kind: string; workerId: string | null }> }

t.test('a camt.054 and then a CMB 代发 result of the same payments: each payment counts once', async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'CMB-1', regionCode: '330106', bankCode: '308584000013', seed: 1201 })
  const rng = new Rng(1202)
  await createLogin(api, 'lm.cmb', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = api.as(await logIn(api, 'lm.cmb'))
  const bank = api.as((await createKey(api, 'bank CMB', 'bank', { bankCode: '308584000013' })).key)
  const account = '755900008010306'
  await lm.post(`/api/projects/${site.projectId}/dedicated-account`, { bank: '招商银行深圳分行', bankCode: '308584000013', accountNo: account, accountName: '总包 CMB-1 农民工工资专用账户', openedOn: '2026-09-01', reason: '开户' })

  const workers: Array<{ workerId: string; enrolmentId: string; workerName: string; idNumber: string; bankName: string; cardNo: string }> = []
  for (const i of [1, 2]) {
    const card = cardNumber(1250 + i)
    const id = idNumber(rng, 1200 + i)
    const w = await api.post<{ id: string }>('/api/workers', { name: `工人${i}`, idNumber: id, bankName: '招行', cardNo: card })
    const e = await api.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: `W-CMBX-${i}` })
    workers.push({ workerId: w.id, enrolmentId: e.id, workerName: `工人${i}`, idNumber: id, bankName: '招行', cardNo: card })
  }
  await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', atMs: AT_MS, lines: workers.map((w, i) => ({ ...w, netFen: (i + 1) * 100_00, answer: 'confirm' as const })) })
  const instruction = await lm.post<{ id: string; msgId: string; lines: Array<{ workerId: string; endToEndId: string; cardNo?: string; amountFen: number }> }>(
    `/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`,
    {},
  )
  const e2eOf = (card: string): string => {
    const w = workers.find((x) => x.cardNo === card)!
    return instruction.lines.find((l) => l.workerId === w.workerId)!.endToEndId
  }
  const written = await bank.fetch(`/api/projects/${site.projectId}/instructions/${instruction.id}/agency-file?profile=cmb`)
  const daifa = agencyFile(Buffer.from(await written.arrayBuffer()))
  t.equal(daifa.yurref, instruction.msgId, 'the 代发 file names the batch by our MsgId (YURREF)')
  t.same(daifa.lines.map((l) => l.trxseq), ['00000001', '00000002'])

  const post = (body: Buffer | string) => bank.request<{ outcome: string; file: FileJson; reconciliation: RunJson }>('POST', `/api/projects/${site.projectId}/payout-files?period=${MONTH}`, Buffer.from(body), 'application/xml')
  const linesOf = (fileId: string) => api.get<LineJson[]>(`/api/projects/${site.projectId}/payout-files/${fileId}/lines`)
  // The bank's post replies carry the run's figures and no flag (a bank may not read flags): the labour manager lists them.
  const flags = async () => (await lm.get<RunJson>(`/api/projects/${site.projectId}/flags/${MONTH}`)).flags
  const totalFen = 300_00

  await t.test('the camt.054 books both payments by EndToEndId', async (t) => {
    const details = daifa.lines.map((l) => txDtls({ endToEndId: e2eOf(l.card), card: l.card, name: l.name, yuan: l.yuan })).join('')
    const r = await post(
      camt054('C54-CMB', account, `<Ntry><Amt Ccy="CNY">300.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-10</Dt></BookgDt><ValDt><Dt>2026-11-10</Dt></ValDt><AcctSvcrRef>BK-CMB</AcctSvcrRef><NtryDtls>${details}</NtryDtls></Ntry>`),
    )
    t.match(r, { outcome: 'payout_file_stored', file: { format: 'camt.054', successCount: 2 } })
    t.equal(r.reconciliation.run.paidFen, totalFen)
    t.same(await flags(), [])
  })

  await t.test('the CMB result of the same batch: its lines take the EndToEndIds at their places and count once', async (t) => {
    const batch = { ACCNBR: account, BUSCOD: 'N03020', CCYNBR: '10', REQNBR: '0001200001', REQSTA: 'FIN', RTNFLG: 'S', TRSNUM: '000002', TOTAMT: '300.00', SUCNUM: '000002', SUCAMT: '300.00', YURREF: daifa.yurref }
    const r = await post(cmbResult(batch, daifa.lines.map((l) => ({ TRXSEQ: l.trxseq, ACCNBR: l.card, ACCNAM: l.name, TRSAMT: l.yuan, STSCOD: 'S', TRSDAT: '20261110' }))))
    t.match(r, { outcome: 'payout_file_stored', file: { format: 'cmb-agency', lineCount: 2, successCount: 2 } })
    const lines = await linesOf(r.file.id)
    t.same(
      lines.map((l) => [l.bankRef, l.endToEndId]),
      daifa.lines.map((l) => [`0001200001/${l.trxseq}`, e2eOf(l.card)]),
      "each 代发 line carries the EndToEndId of our instruction line at its TRXSEQ",
    )
    t.equal(r.reconciliation.run.paidFen, totalFen, 'paid is what was instructed, not twice that')
    t.equal(r.reconciliation.run.unknownPaidFen, 0)
    t.same(await flags(), [], 'no OVERPAID, no other flag: two reports of each payment, one payment')
  })

  await t.test('a CMB line whose amount disagrees with the instruction line at its place keeps no EndToEndId: its own payment, flagged', async (t) => {
    const second = daifa.lines[1]!
    const batch = { ACCNBR: account, BUSCOD: 'N03020', CCYNBR: '10', REQNBR: '0001200002', REQSTA: 'FIN', RTNFLG: 'S', TRSNUM: '000001', TOTAMT: '150.00', SUCNUM: '000001', SUCAMT: '150.00', YURREF: daifa.yurref }
    const r = await post(cmbResult(batch, [{ TRXSEQ: second.trxseq, ACCNBR: second.card, ACCNAM: second.name, TRSAMT: '150.00', STSCOD: 'S', TRSDAT: '20261111' }]))
    t.equal(r.outcome, 'payout_file_stored')
    const [line] = await linesOf(r.file.id)
    t.match(line, { bankRef: `0001200002/${second.trxseq}`, endToEndId: null, amountFen: 150_00 })
    t.equal(r.reconciliation.run.paidFen, totalFen + 150_00, 'counted as money of its own')
    const worker = workers.find((w) => w.cardNo === second.card)!
    t.same((await flags()).map((f) => [f.kind, f.workerId]), [['OVERPAID', worker.workerId]], 'and reconciliation shows it')
  })
})
