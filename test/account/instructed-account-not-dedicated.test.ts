/**
 * (Found by review.) A bank's integration engineer pays exactly what the ledger instructed: the project was registered with its dedicated
 * wage account (POST /api/projects with `account`, README step 2 "The project, with its dedicated wage account"), the
 * labour manager's instruction (pain.001) names that account as the debtor (README: "The debtor is the registered
 * dedicated account …, else the project's own account fields"), and the bank's result file says each payment was
 * debited from it (付款账号). The reconciliation then raises PAYER_NOT_DEDICATED (reason no_dedicated_account) and counts
 * none of it as paid: every worker the bank paid from the account the ledger told it to debit is UNPAID, and the
 * bureau's overview shows the project red, "未登记农民工工资专用账户（条例第五十五条）", for an account it was registered with.
 *
 * The account a project is created with (with its bank code) is now the first entry of its dedicated-account register,
 * in the same transaction: the payer check, the instruction, the bank's scope, GET …/dedicated-account and the
 * bureau's overview read that one register. The tests below also hold what follows from it: the opening date given at
 * creation, none when not given (nothing refused as before it), a number in force on another project refused at
 * creation as at registration, and a project created without its bank code, which has no register entry.
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { MONTH, createKey, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { failure, startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 5, 4)

t.test('paid from the account the instruction debits: counted as paid from the dedicated account', async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'RV-DA', regionCode: '330106', bankCode: '103331000011', seed: 7301 })
  const bank = api.as((await createKey(api, 'bank RV', 'bank', { bankCode: '103331000011' })).key)
  const rng = new Rng(7302)
  const card = cardNumber(7303)
  const id = idNumber(rng, 7304)
  const w = await api.post<{ id: string }>('/api/workers', { name: '李强', idNumber: id, bankName: '农行', cardNo: card })
  const e = await api.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: 'W-RV-DA-2' })
  await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamId,
    period: MONTH,
    payDate: '2026-11-10',
    atMs: AT_MS,
    lines: [{ workerId: w.id, enrolmentId: e.id, workerName: '李强', idNumber: id, bankName: '农行', cardNo: card, netFen: 3500_00, answer: 'confirm' }],
  })
  const instruction = await api.post<{ debtorAccountNo: string; lines: Array<{ workerId: string; endToEndId: string }> }>(
    `/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`,
    {},
  )
  const project = await api.get<{ account: { no: string } }>(`/api/projects/${site.projectId}`)
  t.equal(instruction.debtorAccountNo, project.account.no, "the instruction debits the account the project was registered with")
  const register = await bank.get<{ inForce: { accountNo: string; openedOn: string | null; reason: string } | null; history: unknown[] }>(`/api/projects/${site.projectId}/dedicated-account`)
  t.match(register, { inForce: { accountNo: project.account.no, openedOn: null, reason: 'registered with the project' }, history: [{}] }, 'the register holds the account the project was created with')

  const e2e = instruction.lines[0]!.endToEndId
  const file =
    '序号|收款账号|收款人|金额|状态|银行流水号|入账日期|失败原因|付款账号|端到端标识号\n' +
    `1|${card}|李强|3500.00|成功|RVDA0001|2026-11-08||${instruction.debtorAccountNo}|${e2e}\n`
  await bank.request('POST', `/api/projects/${site.projectId}/payout-files?period=${MONTH}`, Buffer.from(file), 'text/plain')

  const flags = await api.get<{ flags: Array<{ kind: string; workerId: string | null; evidence: { reason?: string } }> }>(`/api/projects/${site.projectId}/flags/${MONTH}`)
  const kinds = flags.flags.map((f) => `${f.kind}${f.evidence.reason ? `(${f.evidence.reason})` : ''}`)
  t.notOk(kinds.some((k) => k.startsWith('PAYER_NOT_DEDICATED')), `no PAYER_NOT_DEDICATED for the instructed debtor account (flags: ${kinds.join(', ')})`)
  t.notOk(flags.flags.some((f) => f.kind === 'UNPAID' && f.workerId === w.id), 'the worker the bank paid as instructed is not UNPAID')

  const auditor = api.as((await createKey(api, 'inspector RV', 'auditor', { regionCode: '3301' })).key)
  const csv = await (await auditor.fetch('/pages/oversight/export.csv')).text()
  t.notMatch(csv, /未登记农民工工资专用账户/, 'the overview does not call the project’s registered account unregistered')
})

t.test('creating a project: its opening date, a number in force elsewhere, an account without its bank code', async (t) => {
  const { api } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'RV-DA2', regionCode: '330106', bankCode: '103331000011', seed: 7311 })
  const first = await api.get<{ constructionUnitId: string; generalContractorId: string; account: { no: string } }>(`/api/projects/${site.projectId}`)
  const body = (siteCode: string, account: Record<string, unknown>) => ({
    siteCode,
    name: `工程 ${siteCode}`,
    regionCode: '330106',
    payDay: 10,
    constructionUnitId: first.constructionUnitId,
    generalContractorId: first.generalContractorId,
    account: { bank: '中国农业银行杭州西湖支行', name: '总包 农民工工资专用账户', ...account },
  })

  const opened = await api.post<{ id: string }>('/api/projects', body('RV-DA2-B', { bankCode: '103331000011', no: '19045101040077777', openedOn: '2026-10-15' }))
  const register = await api.get<{ inForce: { accountNo: string; openedOn: string | null; openingFen: number } }>(`/api/projects/${opened.id}/dedicated-account`)
  t.match(register.inForce, { accountNo: '19045101040077777', openedOn: '2026-10-15', openingFen: 0 }, 'the opening date given at creation is the entry’s')

  const taken = await failure(api.post('/api/projects', body('RV-DA2-C', { bankCode: '103331000011', no: first.account.no })))
  t.match(taken, { status: 400, code: 'dedicated_account_invalid', details: { field: 'account.no', projectId: site.projectId } }, 'a number in force on another project is refused at creation, naming it to a caller who reaches it')
  const again = await api.post<{ id: string }>('/api/projects', body('RV-DA2-C', { bankCode: '103331000011', no: '19045101040055555' }))
  t.ok(again.id, 'the refused creation left nothing behind: its site code is free')
  const badName = await failure(api.post('/api/projects', body('RV-DA2-D', { bankCode: '103331000011', no: '19045101040088888', name: '总包 专用账户 ' })))
  t.match(badName, { status: 400, code: 'dedicated_account_invalid', details: { field: 'account.name' } }, 'the account is checked as a registration checks it')

  const noCode = await api.post<{ id: string }>('/api/projects', body('RV-DA2-E', { no: '19045101040099999' }))
  t.same(await api.get(`/api/projects/${noCode.id}/dedicated-account`), { inForce: null, history: [] }, 'without its bank code the account is no register entry')
  const statement = Buffer.from('账号,19045101040099999\r\n户名,总包 农民工工资专用账户\r\n币种,人民币\r\n交易日期,记账日期,借方金额,贷方金额,对方账号,对方户名,流水号,摘要\r\n', 'utf8')
  t.match(await failure(api.request('POST', `/api/projects/${noCode.id}/account-statements`, statement, 'text/csv')), { status: 409, code: 'dedicated_account_missing' }, 'its statements wait for the registration')
  t.match(await failure(api.post('/api/projects', body('RV-DA2-F', { no: '19045101040066666', openedOn: '2026-10-15' }))), { status: 400, code: 'dedicated_account_invalid', details: { field: 'account.bankCode' } }, 'an opening date without the bank code is refused, not dropped')
})
