/**
 * (Found by review.) Reconciliation settles an instructed sheet once every line is paid (已结清); when the bank later
 * returns one of those payments (退票, camt.054 RtrInf) the worker is UNPAID and RETURNED again, and the sheet stayed
 * `settled`: the desk's 工资支付表, GET …/payroll-sheets and the upstream PayRoll status (50) went on saying the month
 * was paid in full. Now the run appends an `instructed` event (paid in part) with the return as its reason, and the
 * sheet is settled again, by a later event, once the worker is paid again.
 */
import t from 'tap'
import { camt054, MONTH, setUp } from './helpers/instructed-site.ts'

const entry = (ref: string, dir: 'DBIT' | 'CRDT', yuan: string, date: string, details: string): string =>
  `<Ntry><Amt Ccy="CNY">${yuan}</Amt><CdtDbtInd>${dir}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>${date}</Dt></BookgDt><ValDt><Dt>${date}</Dt></ValDt><AcctSvcrRef>${ref}</AcctSvcrRef><NtryDtls>${details}</NtryDtls></Ntry>`
const tx = (e2e: string, card: string, name: string, yuan: string, extra = ''): string =>
  `<TxDtls><Refs><EndToEndId>${e2e}</EndToEndId></Refs><Amt Ccy="CNY">${yuan}</Amt><RltdPties><Cdtr><Pty><Nm>${name}</Nm></Pty></Cdtr><CdtrAcct><Id><Othr><Id>${card}</Id></Othr></Id></CdtrAcct></RltdPties>${extra}</TxDtls>`

t.test('a returned payment takes the sheet out of settled', async (t) => {
  const s = await setUp(t, 9102)
  const [w0, w1] = [s.workers[0]!, s.workers[1]!]
  const stateOf = async (): Promise<string | undefined> =>
    (await s.api.get<{ teams: Array<{ sheet: { state: string } | null }> }>(`/api/projects/${s.site.projectId}/payroll-sheets?month=${MONTH}`)).teams[0]?.sheet?.state

  t.equal((await s.post(camt054('REV-C54-PAY', s.account, entry('REV-BK-1', 'DBIT', '300.00', '2026-11-09', tx(s.e2eOf(0), w0.cardNo, w0.workerName, '100.00') + tx(s.e2eOf(1), w1.cardNo, w1.workerName, '200.00'))))).outcome, 'payout_file_stored')
  t.same((await s.flags()).map((f) => f.kind), [], 'both paid on time: no flag')
  t.equal(await stateOf(), 'settled', 'every line paid: the sheet is settled')

  t.equal((await s.post(camt054('REV-C54-RET', s.account, entry('REV-BK-2', 'CRDT', '100.00', '2026-11-12', tx(s.e2eOf(0), w0.cardNo, w0.workerName, '100.00', '<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>'))))).outcome, 'payout_file_stored')
  t.ok((await s.flags()).some((f) => f.kind === 'UNPAID' && f.workerId === w0.workerId), 'the returned worker is UNPAID again')
  t.not(await stateOf(), 'settled', 'a sheet with a worker unpaid again is no longer settled')
  t.equal(await stateOf(), 'instructed', 'back to instructed: sent to the bank, paid in part')

  const sheetOf = () =>
    s.api.get<{ state: string; events: Array<{ state: string; actor: string; reason: string | null }> }>(`/api/projects/${s.site.projectId}/teams/${s.site.teamId}/payroll-sheets/${MONTH}`)
  const reopened = (await sheetOf()).events.at(-1)!
  t.match(reopened, { state: 'instructed', actor: 'reconciliation' }, 'a new event, by reconciliation: the settlement itself is not edited')
  t.match(reopened.reason, /退票/, 'the reason says a payment came back')
  t.match(reopened.reason, w0.workerId, 'and whose')
  t.match(reopened.reason, 'REV-BK-2', "and names the return by the bank's reference")
  t.same((await sheetOf()).events.map((e) => e.state).slice(-3), ['instructed', 'settled', 'instructed'], 'settled, then reopened: both kept')

  // Paid again (a 代发 result in the ledger's own layout, two days later): settled again, by a new event.
  const again = ['seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason', `1|${w0.cardNo}|${w0.workerName}|100.00|success|REV-BK-3|2026-11-14|`].join('\n')
  await s.post(again, 'text/plain')
  t.equal(await stateOf(), 'settled', 'paid in full again: settled again')
  t.same((await sheetOf()).events.map((e) => e.state).slice(-4), ['instructed', 'settled', 'instructed', 'settled'], 'each step an event of its own')
})
