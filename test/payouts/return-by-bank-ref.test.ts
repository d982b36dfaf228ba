/**
 * (Found by review.) A return (退票) that names the payment it undoes only by the bank's reference — a camt.054
 * reversal whose transaction carries the original's AcctSvcrRef and no EndToEndId — takes that payment's EndToEndId:
 * the worker is unpaid again and the payment may be attempted anew, whichever file came first. Before, the return
 * matched no attempt (the payment was answered by its id), so the worker-month stayed "paid" and the re-attempt was
 * refused although the money was back in the dedicated account; linked only when the return was stored, one posted
 * before its payment stayed unlinked for good.
 */
import t from 'tap'
import { createKey, createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { camt054 } from '../helpers/camt054.ts'
import { startTestServer } from '../helpers/server.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'

const AT_MS = Date.UTC(2026, 10, 9, 4)


for (const returnFirst of [false, true]) {
  t.test(`a reversal naming the payment by its bank reference, posted ${returnFirst ? 'before' : 'after'} the payment, makes the worker unpaid and the payment attemptable again`, async (t) => {
    const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
    const site = await registerAccessSite(api, { tag: 'RB-1', regionCode: '330106', bankCode: '103331000011', seed: 2511 })
    const rng = new Rng(2512)
    await createLogin(api, 'lm.rb', 'labour_manager', { organisationId: site.generalContractorId })
    const lm = api.as(await logIn(api, 'lm.rb'))
    const bank = api.as((await createKey(api, 'bank RB', 'bank', { bankCode: '103331000011' })).key)
    const account = '1202020109000065432'
    await lm.post(`/api/projects/${site.projectId}/dedicated-account`, { bank: '工行西溪支行', bankCode: '103331000011', accountNo: account, accountName: '总包 RB-1 农民工工资专用账户', openedOn: '2026-09-01', reason: '开户' })
    const card = cardNumber(2551)
    const id = idNumber(rng, 2551)
    const w = await api.post<{ id: string }>('/api/workers', { name: '工人1', idNumber: id, bankName: '建行', cardNo: card })
    const e = await api.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: 'W-RBX-1' })
    await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', atMs: AT_MS, lines: [{ workerId: w.id, enrolmentId: e.id, workerName: '工人1', idNumber: id, bankName: '建行', cardNo: card, netFen: 700_00, answer: 'confirm' }] })
    const instruction = await lm.post<{ lines: Array<{ endToEndId: string }> }>(`/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`, {})
    const e2e = instruction.lines[0]!.endToEndId
    const post = async (xml: string): Promise<void> => {
      const res = await bank.fetch(`/api/projects/${site.projectId}/payout-files?period=${MONTH}`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: Buffer.from(xml) })
      t.equal(res.status, 201, res.status === 201 ? 'the bank file is stored' : await res.text())
    }
    const party = `<RltdPties><Cdtr><Pty><Nm>工人1</Nm></Pty></Cdtr><CdtrAcct><Id><Othr><Id>${card}</Id></Othr></Id></CdtrAcct></RltdPties>`
    const state = async () => (await services.instructions.workerMonth(site.projectId, w.id, MONTH)).state.kind
    const payment = async (): Promise<void> => {
      await post(
        camt054(
          'C54-RB',
          account,
          `<Ntry><Amt Ccy="CNY">700.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-09</Dt></BookgDt><ValDt><Dt>2026-11-09</Dt></ValDt><AcctSvcrRef>BK-RB-1</AcctSvcrRef><NtryDtls><TxDtls><Refs><AcctSvcrRef>BK-RB-1</AcctSvcrRef><EndToEndId>${e2e}</EndToEndId></Refs><Amt Ccy="CNY">700.00</Amt>${party}</TxDtls></NtryDtls></Ntry>`,
        ),
      )
    }
    const reversal = async (): Promise<void> => {
      // The reversal: a credit entry with RvslInd, its transaction naming the payment by the bank's reference only.
      await post(
        camt054(
          'C54-RB-R',
          account,
          `<Ntry><Amt Ccy="CNY">700.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-12</Dt></BookgDt><ValDt><Dt>2026-11-12</Dt></ValDt><AcctSvcrRef>BK-RB-2</AcctSvcrRef><NtryDtls><TxDtls><Refs><AcctSvcrRef>BK-RB-1</AcctSvcrRef></Refs><Amt Ccy="CNY">700.00</Amt>${party}</TxDtls></NtryDtls></Ntry>`,
        ),
      )
    }
    if (returnFirst) await reversal()
    await payment()
    if (!returnFirst) t.equal(await state(), 'paid', 'the payment was booked')
    if (!returnFirst) await reversal()
    t.equal(await state(), 'failed', 'the money came back: the payment failed')
    const again = await lm.post<{ lines: Array<{ attempt: number; amountFen: number }> }>(`/api/projects/${site.projectId}/workers/${w.id}/instructions/${MONTH}/retry`, { reason: '退票后重发' })
    t.match(again.lines[0], { attempt: 2, amountFen: 700_00 }, 'attempt 2 of the returned payment')
  })
}
