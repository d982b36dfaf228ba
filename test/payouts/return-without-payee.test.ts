/**
 * (Found by review: a bank's integration engineer's walkthrough.) A camt.054 reversal (退票) that names the payment it
 * undoes by the bank's reference alone, with no parties, was refused whole with `no_payee`, "names neither the payee's
 * account nor our EndToEndId: the payment cannot be told apart", though it names the payment exactly, and
 * `npm run bank-file` read the same file without a fault. It now takes its payee from the payment it returns, posted
 * before or booked in the same file; with no such payment on file the refusal says which payment to post first.
 */
import t from 'tap'
import { camt054 } from '../helpers/camt054.ts'
import { failure } from '../helpers/server.ts'
import { MONTH, setUp } from './helpers/instructed-site.ts'

const booking = (ref: string, e2e: string, card: string, name: string, yuan: string): string =>
  `<Ntry><Amt Ccy="CNY">${yuan}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-09</Dt></BookgDt><ValDt><Dt>2026-11-09</Dt></ValDt><AcctSvcrRef>${ref}</AcctSvcrRef><NtryDtls><TxDtls><Refs><AcctSvcrRef>${ref}</AcctSvcrRef><EndToEndId>${e2e}</EndToEndId></Refs><Amt Ccy="CNY">${yuan}</Amt><RltdPties><Cdtr><Pty><Nm>${name}</Nm></Pty></Cdtr><CdtrAcct><Id><Othr><Id>${card}</Id></Othr></Id></CdtrAcct></RltdPties></TxDtls></NtryDtls></Ntry>`

/** A reversal credit naming the payment by its AcctSvcrRef only: no EndToEndId, no related parties. */
const reversal = (ref: string, of: string, yuan: string): string =>
  `<Ntry><Amt Ccy="CNY">${yuan}</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-30</Dt></BookgDt><ValDt><Dt>2026-11-30</Dt></ValDt><AcctSvcrRef>${ref}</AcctSvcrRef><NtryDtls><TxDtls><Refs><AcctSvcrRef>${of}</AcctSvcrRef></Refs><Amt Ccy="CNY">${yuan}</Amt></TxDtls></NtryDtls></Ntry>`

t.test('a reversal naming its payment by the bank reference alone takes that payment\'s payee, and the worker is unpaid again', async (t) => {
  const s = await setUp(t, 7301)
  const w = s.workers[0]!
  const paid = await s.post(camt054('C54-NP-1', s.account, booking('BK-NP-1', s.e2eOf(0), w.cardNo, w.workerName, '100.00')))
  t.equal(paid.outcome, 'payout_file_stored')
  t.equal((await s.services.instructions.workerMonth(s.site.projectId, w.workerId, MONTH)).state.kind, 'paid', 'the payment was booked')
  const back = await s.post(camt054('C54-NP-2', s.account, reversal('BK-NP-2', 'BK-NP-1', '100.00')))
  t.equal(back.outcome, 'payout_file_stored', 'the reversal is stored')
  const lines = await s.linesOf(back.file.id)
  t.match(lines, [{ status: 'returned', amountFen: 100_00, payeeName: w.workerName, endToEndId: s.e2eOf(0), payeeCardMasked: `****${w.cardNo.slice(-4)}` }], 'paid back from the worker the payment paid')
  t.equal((await s.services.instructions.workerMonth(s.site.projectId, w.workerId, MONTH)).state.kind, 'failed', 'the money came back: the payment may be attempted again')
})

t.test('a payment and its reversal in one file', async (t) => {
  const s = await setUp(t, 7302)
  const w = s.workers[1]!
  const both = await s.post(camt054('C54-NP-3', s.account, booking('BK-NP-3', s.e2eOf(1), w.cardNo, w.workerName, '200.00') + reversal('BK-NP-4', 'BK-NP-3', '200.00')))
  t.equal(both.outcome, 'payout_file_stored')
  const lines = await s.linesOf(both.file.id)
  t.match(lines[1], { status: 'returned', payeeName: w.workerName, endToEndId: s.e2eOf(1) })
  t.equal((await s.services.instructions.workerMonth(s.site.projectId, w.workerId, MONTH)).state.kind, 'failed')
})

t.test('a reversal of a payment not on file says which payment to post first', async (t) => {
  const s = await setUp(t, 7303)
  const f = await failure(s.post(camt054('C54-NP-5', s.account, reversal('BK-NP-6', 'BK-NP-UNSEEN', '100.00'))))
  t.equal(f.status, 422)
  t.equal(f.code, 'payout_file_invalid')
  const errors = (f.details as { errors: Array<{ code: string; field: string; message: string }> }).errors
  t.equal(errors.length, 1)
  t.match(errors[0], { code: 'no_payee', field: 'payee_card' })
  t.match(errors[0]!.message, /returns the payment BK-NP-UNSEEN/)
  t.match(errors[0]!.message, /post the file that booked BK-NP-UNSEEN first/)
  t.equal((await s.api.get<unknown[]>(`/api/projects/${s.site.projectId}/payout-files`)).length, 0, 'nothing stored')
})
