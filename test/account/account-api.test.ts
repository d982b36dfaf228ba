/**
 * The dedicated account over the real service (the run's database engine, HTTP): the register, the contract and its
 * funding schedule, statements posted as bytes (camt.054 then camt.053 with the same line, CSV, repeats, refusals
 * kept as rejected inputs), the balance and funding position, and the funding flags the reconciliation reads.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { fen } from '../../src/kernel/money.ts'
import type { Api } from '../../simulators/api.ts'
import { DEFAULT_SITE, SITE_BANK_CODE, planSite, registerSite, siteAccountNo } from '../../simulators/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'
import { camt } from './fixtures/camt-cny.ts'

const ACCOUNT = '19045101040012345'
const FUNDER = '330100001111'
const CARD = '6217000000000000001'

interface Posted {
  outcome: string
  statement: { id: string; format: string; lineCount: number; newLineCount: number }
  stated: { kind: string; amountFen: number; ledgerFen: number | null; differenceFen: number | null }[]
  balance: { asOf: string | null; balanceFen: number; balanceYuan: string }
}
interface Position {
  asOf: string
  balanceFen: number
  funding: { receivedFen: number; periods: { periodId: string; state: string; appliedFen: number }[] } | null
  movementCount: number
  movements: { bankRef: string; counterpartyAccount: string; amountFen: number }[]
  next: string | null
}

async function newProject(api: Api, siteCode: string): Promise<string> {
  const plan = planSite({ ...DEFAULT_SITE, siteCode, workers: 0, teams: 1, seed: 7 })
  return (await registerSite(api, { ...plan, devices: [] })).projectId
}

const postFile = (api: Api, projectId: string, body: string | Buffer, type = 'application/xml') =>
  api.request<Posted>('POST', `/api/projects/${projectId}/account-statements`, Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), type)

const register = (api: Api, projectId: string, over: Record<string, unknown> = {}) =>
  api.post<{ inForce: { accountNo: string }; history: unknown[] }>(`/api/projects/${projectId}/dedicated-account`, {
    bank: '中国农业银行杭州西湖支行',
    bankCode: '103331000011',
    accountNo: ACCOUNT,
    accountName: '浙江省建工集团有限责任公司之江路安置房二期工程农民工工资专用账户',
    openedOn: '2026-01-05',
    openingFen: 100_000,
    reason: '开户登记',
    ...over,
  })

const contract = (api: Api, projectId: string, over: Record<string, unknown> = {}) =>
  api.post<{ inForce: { contractAmountFen: number; periods: unknown[] }; history: unknown[] }>(`/api/projects/${projectId}/contract`, {
    contractAmountFen: 500_000_000,
    labourCostFen: 100_000_000,
    funderAccountNos: [FUNDER],
    signedOn: '2026-01-01',
    reason: '施工合同',
    periods: [
      { periodId: '2026-02', dueOn: '2026-02-10', amount: { kind: 'fixed', amountFen: 300_000 } },
      { periodId: '2026-03', dueOn: '2026-03-10', amount: { kind: 'share', shareBp: 10 } },
    ],
    ...over,
  })

t.test('register and contract: validated, restated by newer entries, history kept', async (t) => {
  const { api } = await startTestServer(t)
  const projectId = await newProject(api, 'ACCT-REG')
  // The account the project was created with is the register's first entry (README step 2), until one restates it.
  const created = await api.get<{ inForce: { accountNo: string; bankCode: string; openedOn: string | null; openingFen: number; reason: string }; history: unknown[] }>(`/api/projects/${projectId}/dedicated-account`)
  t.match(created, { inForce: { accountNo: siteAccountNo('ACCT-REG'), bankCode: SITE_BANK_CODE, openedOn: null, openingFen: 0, reason: 'registered with the project' }, history: [{}] })

  const bad = await failure(register(api, projectId, { bankCode: '10333100001' }))
  t.equal(bad.status, 400)
  t.equal(bad.code, 'dedicated_account_invalid')
  t.match(bad.details, { reason: /12-digit 联行号/, field: 'bankCode' })
  t.equal((await failure(register(api, projectId, { accountName: '  ' }))).code, 'dedicated_account_invalid')
  t.equal((await failure(register(api, projectId, { accountNo: '12ab' }))).code, 'validation_failed')
  t.match(await failure(register(api, projectId, { openingFen: 2_000_000_000_000_000 })), { status: 400, code: 'validation_failed' }, 'an opening balance past the ledger range is a 400, not a 500')

  await register(api, projectId, { accountNo: '19045101040099999', reason: '误登' })
  const restated = await register(api, projectId, { reason: '更正账号' })
  t.equal(restated.inForce.accountNo, ACCOUNT)
  t.equal(restated.history.length, 3)
  const read = await api.get<{ inForce: { accountNo: string; openingFen: number }; history: { reason: string }[] }>(`/api/projects/${projectId}/dedicated-account`)
  t.same([read.inForce.accountNo, read.inForce.openingFen, read.history.map((h) => h.reason)], [ACCOUNT, 100_000, ['更正账号', '误登', 'registered with the project']])

  t.same(await api.get(`/api/projects/${projectId}/contract`), { inForce: null, history: [] })
  const over = await failure(contract(api, projectId, { periods: [{ periodId: 'a', dueOn: '2026-02-10', amount: { kind: 'share', shareBp: 6000 } }, { periodId: 'b', dueOn: '2026-03-10', amount: { kind: 'share', shareBp: 6000 } }] }))
  t.equal(over.code, 'contract_invalid')
  t.match(over.details, { reason: /more than the whole labour cost/ })
  t.match((await failure(contract(api, projectId, { labourCostFen: 600_000_000 }))).details, { reason: /labour cost cannot be more/ })
  t.equal((await failure(contract(api, projectId, { periods: [{ periodId: 'a', dueOn: '2026-02-10', amount: { kind: 'share', shareBp: 0 } }] }))).code, 'validation_failed')
  await contract(api, projectId, { reason: '初签' })
  const c = await contract(api, projectId)
  t.equal(c.history.length, 2)
  t.equal(c.inForce.periods.length, 2)
  t.equal(await server404(api), 404)
})

async function server404(api: Api): Promise<number> {
  return (await failure(api.get('/api/projects/no-such-project/dedicated-account'))).status
}

t.test('statements: camt.054 then camt.053 with the same line, repeats, CSV, balance and funding', async (t) => {
  const server = await startTestServer(t)
  const { api } = server
  const projectId = await newProject(api, 'ACCT-STM')

  // Until ACCOUNT is registered, the project's account is the one it was created with: ACCOUNT's statement is not its.
  const unregistered = await failure(postFile(api, projectId, camt({ kind: '054', account: ACCOUNT, entries: [] })))
  t.same([unregistered.status, unregistered.code], [422, 'statement_invalid'])
  await register(api, projectId)
  await contract(api, projectId)

  const json = await failure(api.post(`/api/projects/${projectId}/account-statements`, { file: 'x' }))
  t.same([json.status, json.code], [415, 'unsupported_media_type'])

  // The funder pays February's 3,000.00 on 2026-02-12 (two days late), notified by camt.054.
  const notice = camt({ kind: '054', version: '08', account: ACCOUNT, entries: [{ ref: 'F-0212', amount: '3000.00', cd: 'CRDT', booking: '2026-02-12', value: '2026-02-12', counterpartyAccount: FUNDER, counterpartyName: '杭州城投置业有限公司' }] })
  const first = await postFile(api, projectId, notice)
  t.same([first.outcome, first.statement.format, first.statement.lineCount, first.statement.newLineCount], ['statement_stored', 'camt.054.001.08', 1, 1])
  t.same(first.balance, { asOf: '2026-02-12', balanceFen: 400_000, balanceYuan: '4000.00' })

  const again = await api.fetch(`/api/projects/${projectId}/account-statements`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: notice })
  t.equal(again.status, 200, 'the same bytes again: the stored statement')
  const againBody = (await again.json()) as Posted
  t.same([againBody.outcome, againBody.statement.id], ['statement_exists', first.statement.id])

  // The month's camt.053 repeats the notified line and adds a payout to a worker's card.
  const month = camt({
    kind: '053',
    account: ACCOUNT,
    opening: '1000.00',
    closing: '3700.00',
    summary: { count: 2, sum: '3300.00' },
    entries: [
      { ref: 'F-0212', amount: '3000.00', cd: 'CRDT', booking: '2026-02-12', value: '2026-02-12', counterpartyAccount: FUNDER, counterpartyName: '杭州城投置业' },
      { ref: 'P-0215', amount: '300.00', cd: 'DBIT', booking: '2026-02-15', value: '2026-02-15', counterpartyAccount: CARD, counterpartyName: '张三', endToEndId: 'WL-2026-01-0001' },
    ],
  })
  const second = await postFile(api, projectId, month)
  t.same([second.outcome, second.statement.lineCount, second.statement.newLineCount, second.balance.balanceFen], ['statement_stored', 2, 1, 370_000])
  t.same(second.stated.map((b) => [b.kind, b.amountFen]), [
    ['opening', 100_000],
    ['closing', 370_000],
  ])
  t.match(second.stated, [{ kind: 'opening', ledgerFen: 100_000, differenceFen: 0 }, { kind: 'closing', ledgerFen: 370_000, differenceFen: 0 }], 'beside the ledger: they agree')

  // March by a CSV export: the share period (0.1% of ¥1,000,000 = 1,000.00) paid on time.
  const csv = ['账号,19045101040012345', '币种,人民币', '交易日期,记账日期,借方金额,贷方金额,余额,对方账号,对方户名,流水号', `2026-03-09,2026-03-09,,1000.00,4700.00,${FUNDER},杭州城投置业,SN-0309`].join('\r\n')
  const third = await postFile(api, projectId, csv, 'text/csv')
  t.same([third.statement.format, third.statement.newLineCount, third.balance.balanceFen], ['csv:cn-generic', 1, 470_000])

  const statements = await api.get<{ id: string }[]>(`/api/projects/${projectId}/account-statements`)
  t.equal(statements.length, 3)

  const feb = await api.get<Position>(`/api/projects/${projectId}/account?asOf=2026-02-13`)
  t.equal(feb.balanceFen, 400_000)
  t.same(feb.funding?.periods.map((p) => [p.periodId, p.state]), [
    ['2026-02', 'received_late'],
    ['2026-03', 'not_due'],
  ])
  const mar = await api.get<Position>(`/api/projects/${projectId}/account?asOf=2026-03-31&limit=2`)
  t.same([mar.balanceFen, mar.funding?.receivedFen, mar.movementCount], [470_000, 400_000, 3])
  t.same(mar.movements.map((m) => [m.bankRef, m.counterpartyAccount]), [
    ['F-0212', '****1111'],
    ['P-0215', '****0001'],
  ])
  t.notOk(JSON.stringify(mar).includes(CARD), 'the worker card is masked')
  t.type(mar.next, 'string')
  const rest = await api.get<Position>(`/api/projects/${projectId}/account?asOf=2026-03-31&limit=2&after=${mar.next!}`)
  t.same(rest.movements.map((m) => m.bankRef), ['SN-0309'])
  t.equal((await failure(api.get(`/api/projects/${projectId}/account?after=bogus`))).code, 'validation_failed')

  // The funding flags the reconciliation reads: on time now, and short against a large approved sheet.
  const flags = await server.services.account.fundingFlags(projectId, '2026-03', '2026-04-15', [{ sheetId: 's1', netFen: fen(500_000) }], '2026-04-20')
  t.same(flags.map((f) => f.code), ['FUNDING_SHORT'])
  t.match(flags[0]?.evidence, { checkOn: '2026-04-10', balanceFen: 470_000, requiredFen: 500_000, shortFen: 30_000 })
  const late = await server.services.account.fundingFlags(projectId, '2026-02', '2026-02-25', [], '2026-02-11')
  t.same(late.map((f) => [f.code, f.evidence['periodId']]), [['FUNDING_LATE', '2026-02']])
  const other = await newProject(api, 'ACCT-NONE')
  t.same(await server.services.account.fundingFlags(other, '2026-02', '2026-02-25', [], '2026-03-11'), [], 'no account or contract: no flags')
  t.same(await server.services.account.dedicatedAccount(projectId), {
    projectId,
    bank: '中国农业银行杭州西湖支行',
    bankCode: '103331000011',
    accountNo: ACCOUNT,
    accountName: '浙江省建工集团有限责任公司之江路安置房二期工程农民工工资专用账户',
    openedOn: '2026-01-05',
  })
})

t.test('statements refused whole, kept as rejected inputs, nothing stored', async (t) => {
  const { api } = await startTestServer(t)
  const projectId = await newProject(api, 'ACCT-BAD')
  await register(api, projectId)
  const stored = camt({ kind: '053', account: ACCOUNT, entries: [{ ref: 'A1', amount: '10.00', cd: 'CRDT', booking: '2026-02-02', counterpartyAccount: FUNDER }] })
  await postFile(api, projectId, stored)

  const cases: [string, string | Buffer, RegExp, string][] = [
    ['a real EUR sample of a foreign account', readFileSync(new URL('./fixtures/iso20022.camt053.v2.minimal.xml', import.meta.url)), /not of the project's dedicated account/, 'account'],
    ['a foreign currency on our account', camt({ kind: '054', account: ACCOUNT, entries: [{ ref: 'E1', amount: '5.00', ccy: 'EUR', cd: 'CRDT', booking: '2026-02-03' }] }), /is in EUR, not CNY/, 'currency'],
    ['three decimals', camt({ kind: '054', account: ACCOUNT, entries: [{ ref: 'D1', amount: '5.001', cd: 'CRDT', booking: '2026-02-03' }] }), /more than two decimals/, 'Ntry/Amt'],
    ['truncated', stored.slice(0, 200), /not well-formed/, 'file'],
    ['one reference read with another amount', camt({ kind: '054', account: ACCOUNT, entries: [{ ref: 'A1', amount: '11.00', cd: 'CRDT', booking: '2026-02-02', counterpartyAccount: FUNDER }] }), /two different lines/, 'movement_ref_conflict'],
    ['before the account was opened', camt({ kind: '054', account: ACCOUNT, entries: [{ ref: 'O1', amount: '1.00', cd: 'CRDT', booking: '2025-12-31' }] }), /before the account was opened/, 'bookingDate'],
    ['empty', Buffer.alloc(0), /empty/, 'file'],
  ]
  for (const [name, body, message, field] of cases) {
    const f = await failure(postFile(api, projectId, body, 'application/octet-stream'))
    t.same([f.status, f.code], [422, 'statement_invalid'], name)
    const errors = (f.details as { errors: { field: string; message: string }[] }).errors
    t.ok(errors.some((e) => e.field === field && message.test(e.message)), `${name}: ${JSON.stringify(errors)}`)
  }
  const statements = await api.get<unknown[]>(`/api/projects/${projectId}/account-statements`)
  t.equal(statements.length, 1, 'nothing stored from a refused file')
  const pos = await api.get<Position>(`/api/projects/${projectId}/account?asOf=2026-12-31`)
  t.same([pos.balanceFen, pos.movementCount], [101_000, 1])
  const rejected = await api.get<{ reason: string; channel: string }[]>(`/api/rejected-inputs?projectId=${projectId}&reason=statement_invalid`)
  t.equal(rejected.length, cases.length, 'every refused file kept')
  t.match(rejected[0], { channel: `POST /api/projects/${projectId}/account-statements` })
})

t.test('a line first notified without its counterparty (camt.054 without RltdPties), then read whole by the camt.053: filled, not refused', async (t) => {
  const { api, services } = await startTestServer(t)
  const projectId = await newProject(api, 'ACCT-THIN')
  await register(api, projectId)
  await contract(api, projectId)
  // The intraday notification of February's funding says who the money came from nowhere.
  const thin = camt({ kind: '054', version: '08', account: ACCOUNT, entries: [{ ref: 'F-0210', amount: '3000.00', cd: 'CRDT', booking: '2026-02-10', value: '2026-02-10' }] })
  await postFile(api, projectId, thin)
  const before = await api.get<Position>(`/api/projects/${projectId}/account?asOf=2026-02-11`)
  t.same(before.funding?.periods.map((p) => [p.periodId, p.state]), [['2026-02', 'late'], ['2026-03', 'not_due']], 'without the payer, the credit is not the funder’s')

  const month = camt({
    kind: '053',
    account: ACCOUNT,
    entries: [
      { ref: 'F-0210', amount: '3000.00', cd: 'CRDT', booking: '2026-02-10', value: '2026-02-10', counterpartyAccount: FUNDER, counterpartyName: '杭州城投置业有限公司' },
      { ref: 'P-0215', amount: '300.00', cd: 'DBIT', booking: '2026-02-15', value: '2026-02-15', counterpartyAccount: CARD, counterpartyName: '张三' },
    ],
  })
  const posted = await postFile(api, projectId, month)
  t.same([posted.outcome, posted.statement.newLineCount, posted.balance.balanceFen], ['statement_stored', 1, 100_000 + 300_000 - 30_000], 'the day’s statement is taken')
  const after = await api.get<Position>(`/api/projects/${projectId}/account?asOf=2026-02-28`)
  t.same(after.funding?.periods.map((p) => [p.periodId, p.state]), [['2026-02', 'received'], ['2026-03', 'not_due']], 'the funder’s credit, on time')
  t.same(after.movements.map((m) => [m.bankRef, m.counterpartyAccount]), [['F-0210', '****1111'], ['P-0215', '****0001']])

  // A third reading naming another payer contradicts the filled one: refused as before.
  const other = camt({ kind: '053', account: ACCOUNT, entries: [{ ref: 'F-0210', amount: '3000.00', cd: 'CRDT', booking: '2026-02-10', value: '2026-02-10', counterpartyAccount: '330100002222' }] })
  t.match(await failure(postFile(api, projectId, other)), { status: 422 })
  await t.rejects(services.db.run({ text: 'UPDATE account_movement_fills SET counterparty_account_no = ?', params: ['1'] }), /append-only/, 'the fill is append-only')
  await t.rejects(services.db.run({ text: 'DELETE FROM account_movement_fills', params: [] }), /append-only/)
})

t.test('a statement whose opening balance the ledger does not reach: taken, with the difference shown', async (t) => {
  const { api } = await startTestServer(t)
  const projectId = await newProject(api, 'ACCT-GAP')
  await register(api, projectId)
  // March's statement, while February's (a ¥500 credit on the 20th) was never posted: the bank opens March at ¥1,500.
  const march = camt({
    kind: '053',
    account: ACCOUNT,
    opening: '1500.00',
    closing: '1200.00',
    summary: { count: 1, sum: '300.00' },
    entries: [{ ref: 'P-0305', amount: '300.00', cd: 'DBIT', booking: '2026-03-05', value: '2026-03-05', counterpartyAccount: CARD, counterpartyName: '张三' }],
  })
  const posted = await postFile(api, projectId, march)
  t.equal(posted.outcome, 'statement_stored')
  t.match(posted.stated, [
    { kind: 'opening', amountFen: 150_000, ledgerFen: 100_000, differenceFen: 50_000 },
    { kind: 'closing', amountFen: 120_000, ledgerFen: 70_000, differenceFen: 50_000 },
  ])
})
