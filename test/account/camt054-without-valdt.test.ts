/**
 * (Found by review.) A value date a reading does not give is not a contradiction, as a counterparty it does not give
 * is not: ValDt is optional, and an intraday camt.054 may leave it out. The parser then takes the booking date for it
 * and says it assumed so; the day's camt.053 with the bank's value date (a credit booked on Saturday, value Monday) is
 * the same movement read more fully, and fills the value date in (account_movement_value_dates, append-only, once),
 * the movement itself kept as first stored. Before, the two readings were held to contradict each other and the
 * camt.053 was refused whole with every other line of the day, for good: no later post could fix it.
 */
import t from 'tap'
import type { Api } from '../../simulators/api.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { startTestServer } from '../helpers/server.ts'
import { camt } from './fixtures/camt-cny.ts'

const ACCOUNT = '19045101040012345'
const FUNDER = '330100001111'

async function newProject(api: Api, siteCode: string): Promise<string> {
  const plan = planSite({ ...DEFAULT_SITE, siteCode, workers: 0, teams: 1, seed: 7 })
  return (await registerSite(api, { ...plan, devices: [] })).projectId
}

t.test('a camt.054 without ValDt, then the camt.053 with the value date: the statement is taken, the line counted once', async (t) => {
  const { api } = await startTestServer(t)
  const projectId = await newProject(api, 'REV-VALDT')
  await api.post(`/api/projects/${projectId}/dedicated-account`, {
    bank: '中国农业银行杭州西湖支行',
    bankCode: '103331000011',
    accountNo: ACCOUNT,
    accountName: '总包某项目农民工工资专用账户',
    openedOn: '2026-01-05',
    reason: '开户登记',
  })
  const post = (body: string) =>
    api.request<{ outcome: string; statement: { newLineCount: number } }>('POST', `/api/projects/${projectId}/account-statements`, Buffer.from(body), 'application/xml')

  const notified = await post(camt({ kind: '054', account: ACCOUNT, entries: [{ ref: 'IN-0307', amount: '300000.00', cd: 'CRDT', booking: '2026-03-07', counterpartyAccount: FUNDER }] }))
  t.equal(notified.outcome, 'statement_stored')

  const day = camt({
    kind: '053',
    account: ACCOUNT,
    entries: [
      { ref: 'IN-0307', amount: '300000.00', cd: 'CRDT', booking: '2026-03-07', value: '2026-03-09', counterpartyAccount: FUNDER },
      { ref: 'PAY-0307', amount: '1000.00', cd: 'DBIT', booking: '2026-03-07', value: '2026-03-07', counterpartyAccount: '6217000000000000001' },
    ],
  })
  const r = await post(day).then(
    (ok) => ({ ok }),
    (err: unknown) => ({ err }),
  )
  t.ok('ok' in r, `the day's camt.053 is taken (got ${'err' in r ? String((r.err as Error).message ?? r.err) : 'ok'})`)
  if ('ok' in r) t.equal(r.ok.statement.newLineCount, 1, 'the credit already held is not new; the debit is')
  const position = await api.get<{ balanceFen: number }>(`/api/projects/${projectId}/account?asOf=2026-03-31`)
  t.equal(position.balanceFen, 30_000_000 - 100_000, 'the credit counted once and the day\'s debit counted')
})

t.test('the value date is filled in once, shown as assumed until then; a reading with another value date still contradicts it', async (t) => {
  const { api, services } = await startTestServer(t)
  const projectId = await newProject(api, 'REV-VALDT2')
  await api.post(`/api/projects/${projectId}/dedicated-account`, {
    bank: '中国农业银行杭州西湖支行',
    bankCode: '103331000011',
    accountNo: ACCOUNT,
    accountName: '总包某项目农民工工资专用账户',
    openedOn: '2026-01-05',
    reason: '开户登记',
  })
  const post = (body: string) =>
    api.request<{ outcome: string; statement: { newLineCount: number } }>('POST', `/api/projects/${projectId}/account-statements`, Buffer.from(body), 'application/xml')
  const movement = async () =>
    (await api.get<{ movements: { bankRef: string; valueDate: string; valueDateAssumed: boolean }[] }>(`/api/projects/${projectId}/account?asOf=2026-03-31`)).movements.find(
      (m) => m.bankRef === 'IN-0307',
    )

  await post(camt({ kind: '054', account: ACCOUNT, entries: [{ ref: 'IN-0307', amount: '300000.00', cd: 'CRDT', booking: '2026-03-07', counterpartyAccount: FUNDER }] }))
  t.match(await movement(), { valueDate: '2026-03-07', valueDateAssumed: true }, 'no value date given: the booking date, assumed')
  // A second reading without ValDt says no more: nothing to fill.
  await post(camt({ kind: '054', account: ACCOUNT, entries: [{ ref: 'IN-0307', amount: '300000.00', cd: 'CRDT', booking: '2026-03-07', counterpartyName: '建设单位' }] }))
  t.match(await movement(), { valueDate: '2026-03-07', valueDateAssumed: true })

  await post(camt({ kind: '053', account: ACCOUNT, entries: [{ ref: 'IN-0307', amount: '300000.00', cd: 'CRDT', booking: '2026-03-07', value: '2026-03-09', counterpartyAccount: FUNDER }] }))
  t.match(await movement(), { valueDate: '2026-03-09', valueDateAssumed: false }, "the camt.053's value date fills it in")
  // The month's statement agreeing is taken; one with yet another value date contradicts the filled one.
  const month = await post(camt({ kind: '053', account: ACCOUNT, entries: [{ ref: 'IN-0307', amount: '300000.00', cd: 'CRDT', booking: '2026-03-07', value: '2026-03-09', counterpartyAccount: FUNDER }, { ref: 'X', amount: '1.00', cd: 'CRDT', booking: '2026-03-08', value: '2026-03-08', counterpartyAccount: FUNDER }] }))
  t.equal(month.outcome, 'statement_stored')
  const other = await post(camt({ kind: '053', account: ACCOUNT, entries: [{ ref: 'IN-0307', amount: '300000.00', cd: 'CRDT', booking: '2026-03-07', value: '2026-03-10', counterpartyAccount: FUNDER }] })).then(
    () => undefined,
    (err: unknown) => err,
  )
  t.match(other, { status: 422 }, 'another value date than the one filled in is a contradiction')
  t.match(await movement(), { valueDate: '2026-03-09', valueDateAssumed: false })

  await t.rejects(services.db.run({ text: 'UPDATE account_movement_value_dates SET value_date = ?', params: ['2026-03-10'] }), /append-only/, 'the filled value date is append-only')
  await t.rejects(services.db.run({ text: 'DELETE FROM account_movement_value_dates', params: [] }), /append-only/)
})
