/**
 * The wage guarantee deposit register over the real service (the run's database engine, HTTP): deposits by the
 * project's general contractor in each form, their release by a later row, the required amount from the contract in
 * force and the province's table, and DEPOSIT_MISSING / DEPOSIT_SHORT / DEPOSIT_EXPIRING as of a date.
 */
import t from 'tap'
import type { Api } from '../../simulators/api.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

interface Register {
  asOf: string
  contractorId: string
  required: { requiredFen: number; rate: string; basis: string; contractAmountFen: number; regionCode: string } | null
  record: Record<string, unknown>
  inForceFen: number
  deposits: { id: string; form: string; state: string; releasedOn: string | null; releasedById: string | null }[]
  withdrawals: { id: string; withdrawsId: string }[]
  flags: { code: string; contractorId: string; evidence: Record<string, unknown> }[]
}

async function newProject(api: Api, siteCode: string): Promise<{ projectId: string; gcId: string; cuId: string }> {
  const plan = planSite({ ...DEFAULT_SITE, siteCode, workers: 0, teams: 1, seed: 11 })
  const { projectId } = await registerSite(api, { ...plan, devices: [] })
  const project = await api.get<{ generalContractorId: string; constructionUnitId: string }>(`/api/projects/${projectId}`)
  return { projectId, gcId: project.generalContractorId, cuId: project.constructionUnitId }
}

t.test('deposits: recorded, released, required amount and flags', async (t) => {
  const server = await startTestServer(t)
  const { api } = server
  const { projectId, gcId, cuId } = await newProject(api, 'DEP-1')
  const P = `/api/projects/${projectId}/wage-deposits`
  const reg = (asOf: string) => api.get<Register>(`${P}?asOf=${asOf}`)

  // No contract: nothing is required, nothing flagged.
  const none = await reg('2026-03-01')
  t.same([none.required, none.flags, none.deposits], [null, [], []])
  t.same(await server.services.deposits.flags(projectId, '2026-03-01'), [])

  // A ¥50,000,000 contract: 1% = ¥500,000 (a clean record assumed, base rate).
  await api.post(`/api/projects/${projectId}/contract`, { contractAmountFen: 5_000_000_000, labourCostFen: 1_000_000_000, funderAccountNos: ['330100001111'], signedOn: '2026-01-10', reason: '施工合同', periods: [] })
  const missing = await reg('2026-03-01')
  t.match(missing.required, { requiredFen: 50_000_000, rate: '0.01', basis: 'base', contractAmountFen: 5_000_000_000, regionCode: '330106' })
  t.same(missing.flags.map((f) => f.code), ['DEPOSIT_MISSING'])
  t.equal(missing.flags[0]?.contractorId, gcId)
  t.same(missing.record, { arrearsInPriorTwoYears: false, arrearsInPriorYear: false, seriouslyDishonest: false, consecutiveCleanYears: 0, realNameAndDedicatedAccount: true, severalProjectsInRegion: false }, 'the dedicated account is the one the project was created with')
  t.same((await reg('2026-01-09')).flags, [], 'not under construction before the contract is signed')

  const deposit = (body: Record<string, unknown>) => api.post<{ id: string; amountYuan: string }>(P, { contractorId: gcId, reason: '缴存', effectiveOn: '2026-02-01', ...body })
  const cash = await deposit({ form: 'cash', amountFen: 20_000_000, issuer: '中国农业银行杭州西湖支行', reference: 'BZJ-001' })
  t.equal(cash.amountYuan, '200000.00')
  const short = await reg('2026-03-01')
  t.same(short.flags.map((f) => f.code), ['DEPOSIT_SHORT'])
  t.match(short.flags[0]?.evidence, { requiredFen: 50_000_000, inForceFen: 20_000_000, shortFen: 30_000_000 })

  const letter = await deposit({ form: 'bank_guarantee', amountFen: 30_000_000, issuer: '中国银行浙江省分行', reference: 'BH-2026-001', expiresOn: '2026-03-20' })
  t.same((await reg('2026-02-10')).flags, [], 'covered, the letter far from its expiry')
  const expiring = await reg('2026-03-01')
  t.same(expiring.flags.map((f) => f.code), ['DEPOSIT_EXPIRING'])
  t.match(expiring.flags[0]?.evidence, { daysLeft: 19, deposit: { depositId: letter.id } })
  t.equal(expiring.inForceFen, 50_000_000)
  const lapsed = await reg('2026-03-21')
  t.same(lapsed.flags.map((f) => f.code), ['DEPOSIT_SHORT'])
  t.same(lapsed.deposits.map((d) => [d.form, d.state]), [
    ['cash', 'in_force'],
    ['bank_guarantee', 'expired'],
  ])
  // A renewal lodged before the expiry clears the warning.
  await deposit({ form: 'insurance', amountFen: 30_000_000, issuer: '中国人民财产保险', reference: 'BX-9', effectiveOn: '2026-03-15', expiresOn: '2027-03-14' })
  t.same((await reg('2026-03-01')).flags, [])
  t.same((await reg('2026-03-21')).flags, [])

  // The cash is released on 2026-04-01: short from then on; a second release is refused.
  const release = await api.post<{ id: string; withdrawsId: string; form: string; amountFen: number }>(P, { withdrawsId: cash.id, effectiveOn: '2026-04-01', reason: '退还' })
  t.same([release.withdrawsId, release.form, release.amountFen], [cash.id, 'cash', 20_000_000])
  const after = await reg('2026-04-02')
  t.same(after.flags.map((f) => f.code), ['DEPOSIT_SHORT'])
  t.match(after.deposits[0], { id: cash.id, state: 'released', releasedOn: '2026-04-01', releasedById: release.id })
  t.equal(after.withdrawals.length, 1)
  t.same((await server.services.deposits.flags(projectId, '2026-04-02')).map((f) => f.code), ['DEPOSIT_SHORT'])

  const refused = async (body: Record<string, unknown>, code: string, reason: RegExp) => {
    const f = await failure(api.post(P, body))
    t.equal(f.code, code, JSON.stringify(body))
    if (code === 'deposit_invalid') t.match(f.details, { reason })
  }
  const base = { contractorId: gcId, form: 'cash', amountFen: 1, issuer: 'x', reference: 'y', effectiveOn: '2026-02-01', reason: 'r' }
  await refused({ ...base, contractorId: cuId }, 'deposit_invalid', /general contractor/)
  await refused({ ...base, expiresOn: '2027-01-01' }, 'deposit_invalid', /cash deposit does not expire/)
  await refused({ ...base, form: 'bank_guarantee' }, 'deposit_invalid', /expiry date/)
  await refused({ ...base, form: 'insurance', expiresOn: '2026-01-01' }, 'deposit_invalid', /before the effective date/)
  await refused({ ...base, contractorId: undefined }, 'deposit_invalid', /contractorId is required/)
  await refused({ ...base, form: 'gold' }, 'validation_failed', /./)
  await refused({ ...base, amountFen: 0 }, 'validation_failed', /./)
  await refused({ withdrawsId: cash.id, effectiveOn: '2026-05-01', reason: 'again' }, 'deposit_invalid', /already released/)
  await refused({ withdrawsId: release.id, effectiveOn: '2026-05-01', reason: 'x' }, 'deposit_invalid', /itself a release/)
  await refused({ withdrawsId: letter.id, effectiveOn: '2026-01-01', reason: 'x' }, 'deposit_invalid', /before the deposit took effect/)
  await refused({ withdrawsId: letter.id, amountFen: 5, effectiveOn: '2026-03-01', reason: 'x' }, 'deposit_invalid', /amountFen differs/)
  await refused({ withdrawsId: 'no-such-deposit', effectiveOn: '2026-03-01', reason: 'x' }, 'deposit_not_found', /./)
  t.equal((await failure(api.get('/api/projects/no-such-project/wage-deposits'))).status, 404)
})

t.test('a small contract is exempt under the province table', async (t) => {
  const { api } = await startTestServer(t)
  const { projectId } = await newProject(api, 'DEP-2')
  await api.post(`/api/projects/${projectId}/contract`, { contractAmountFen: 200_000_000, labourCostFen: 50_000_000, funderAccountNos: ['330100001111'], signedOn: '2026-01-10', reason: '小额合同', periods: [] })
  const r = await api.get<Register>(`/api/projects/${projectId}/wage-deposits?asOf=2026-03-01`)
  t.match(r.required, { requiredFen: 0, basis: 'exempt_small_contract' })
  t.same(r.flags, [])
})
