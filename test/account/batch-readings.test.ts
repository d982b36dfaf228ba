/**
 * One batch entry read two ways counts once (found by review): a camt.054 gives the 代发 batch by its transactions
 * (PAY-0310/1, PAY-0310/2, with amounts), the day's camt.053 the same entry whole (PAY-0310). Before, the account held
 * three debits and its balance was ¥3,000 too low though the statement's own closing balance checked out.
 */
import t from 'tap'
import { AccountError, accountBalance, settleMovements, type AccountMovement } from '../../src/account/funding.ts'
import { fen } from '../../src/kernel/money.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'
import { camt } from './fixtures/camt-cny.ts'

const ACCOUNT = '19045101040012345'
const CARD = '6217000000000000001'
const debit = (bankRef: string, amountFen: number, bookingDate = '2026-03-10'): AccountMovement => ({ bankRef, bookingDate, valueDate: bookingDate, direction: 'debit', amountFen: fen(amountFen), counterpartyAccountNo: CARD, counterpartyName: 'x' })

t.test('the rule: parts that add up to their entry stand for it; parts that do not contradict it', async (t) => {
  const readings = [debit('B1', 300_00), debit('B1/1', 100_00), debit('B1/2', 200_00)]
  t.same(settleMovements(readings).lines.map((m) => m.bankRef), ['B1/1', 'B1/2'])
  t.equal(accountBalance(fen(1000_00), readings, '2026-03-10'), 700_00)
  t.throws(() => settleMovements([debit('B1', 300_00), debit('B1/1', 100_00), debit('B1/2', 250_00)]), AccountError, 'parts adding up to another amount')
  t.throws(() => settleMovements([debit('B1', 300_00), debit('B1/1', 100_00, '2026-03-11'), debit('B1/2', 200_00)]), AccountError, 'a part on another day')
  t.same(settleMovements([debit('B1', 300_00), debit('B1/X', 100_00)]).lines.length, 2, 'only numbered parts are parts')
})

t.test('a camt.054 batch and the camt.053 entry of the same batch: counted once', async (t) => {
  const { api } = await startTestServer(t)
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'BATCH-2W', workers: 0, teams: 1, seed: 7 })
  const { projectId } = await registerSite(api, { ...plan, devices: [] })
  await api.post(`/api/projects/${projectId}/dedicated-account`, { bank: '中国农业银行杭州西湖支行', bankCode: '103331000011', accountNo: ACCOUNT, accountName: 'x农民工工资专用账户', openedOn: '2026-01-05', openingFen: 100_000_00, reason: '开户登记' })
  const post = (body: string) => api.request<{ statement: { newLineCount: number } }>('POST', `/api/projects/${projectId}/account-statements`, Buffer.from(body, 'utf8'), 'application/xml')
  const notice = camt({ kind: '054', account: ACCOUNT, entries: [{ ref: 'PAY-0310', amount: '3000.00', cd: 'DBIT', booking: '2026-03-10', value: '2026-03-10', counterpartyAccount: CARD, batch: ['1000.00', '2000.00'] }] })
  t.equal((await post(notice)).statement.newLineCount, 2)
  const statement = camt({ kind: '053', account: ACCOUNT, opening: '100000.00', closing: '97000.00', entries: [{ ref: 'PAY-0310', amount: '3000.00', cd: 'DBIT', booking: '2026-03-10', value: '2026-03-10', counterpartyAccount: CARD }] })
  t.equal((await post(statement)).statement.newLineCount, 0, 'the entry is already held, by its transactions')
  const position = await api.get<{ balanceFen: number }>(`/api/projects/${projectId}/account?asOf=2026-03-31`)
  t.equal(position.balanceFen, 97_000_00, 'the balance the bank states')
  // The other order: the entry whole first, its transactions after: held both, listed and counted once.
  const later = camt({ kind: '053', account: ACCOUNT, entries: [{ ref: 'PAY-0320', amount: '500.00', cd: 'DBIT', booking: '2026-03-20', value: '2026-03-20', counterpartyAccount: CARD }] })
  await post(later)
  await post(camt({ kind: '054', account: ACCOUNT, entries: [{ ref: 'PAY-0320', amount: '500.00', cd: 'DBIT', booking: '2026-03-20', value: '2026-03-20', counterpartyAccount: CARD, batch: ['200.00', '300.00'] }] }))
  const after = await api.get<{ balanceFen: number; movements: Array<{ bankRef: string }> }>(`/api/projects/${projectId}/account?asOf=2026-03-31`)
  t.equal(after.balanceFen, 96_500_00, 'counted once')
  t.same(after.movements.map((m) => m.bankRef).sort(), ['PAY-0310/1', 'PAY-0310/2', 'PAY-0320/1', 'PAY-0320/2'], 'listed once, by its transactions')
  const wrong = camt({ kind: '053', account: ACCOUNT, entries: [{ ref: 'PAY-0310', amount: '3500.00', cd: 'DBIT', booking: '2026-03-10', value: '2026-03-10', counterpartyAccount: CARD }] })
  t.match(await failure(post(wrong)), { status: 422 }, 'the entry read with another amount than its transactions: refused')
})
