/**
 * Amounts the ledger could not add up are refused where they enter (found by review): a deposit above ¥10 billion or
 * a contract above ¥1 trillion answers 400 with nothing stored, where a deposit of 2e15 fen was committed, answered
 * 500, and then broke the register and every reconciliation for good; an impossible date (2026-02-30) answers 400.
 */
import t from 'tap'
import { LIMITS } from '../../src/config/limits.ts'
import type { Api } from '../../simulators/api.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

async function newProject(api: Api, siteCode: string): Promise<{ projectId: string; gcId: string }> {
  const plan = planSite({ ...DEFAULT_SITE, siteCode, workers: 0, teams: 1, seed: 11 })
  const { projectId } = await registerSite(api, { ...plan, devices: [] })
  const project = await api.get<{ generalContractorId: string }>(`/api/projects/${projectId}`)
  return { projectId, gcId: project.generalContractorId }
}

t.test('amounts above the bounds and impossible dates are refused, nothing stored', async (t) => {
  const server = await startTestServer(t)
  const { api } = server
  const { projectId, gcId } = await newProject(api, 'BOUNDS-1')
  const P = `/api/projects/${projectId}/wage-deposits`
  const deposit = (amountFen: number) => ({ contractorId: gcId, form: 'cash', amountFen, issuer: '农行', reference: 'BZJ-1', effectiveOn: '2026-02-01', reason: '缴存' })
  t.match(await failure(api.post(P, deposit(2_000_000_000_000_000))), { status: 400 }, 'a deposit of 2e15 fen: 400')
  t.match(await failure(api.post(P, deposit(LIMITS.deposit_amount_fen_max + 1))), { status: 400 }, 'one fen above the largest deposit: 400')
  const rows = await server.services.db.all<{ n: number }>({ text: 'SELECT COUNT(*) AS "n" FROM wage_deposits WHERE project_id = ?', params: [projectId] })
  t.equal(Number(rows[0]?.n), 0, 'nothing stored')
  t.match(await api.get(`${P}?asOf=2026-03-01`), { deposits: [] }, 'the register still reads')
  t.ok(await api.post(P, deposit(LIMITS.deposit_amount_fen_max)), 'the largest deposit is taken')

  const contract = (contractAmountFen: number) => ({ contractAmountFen, labourCostFen: 1_000_000_000, funderAccountNos: ['330100001111'], signedOn: '2026-01-10', reason: '施工合同', periods: [] })
  t.match(await failure(api.post(`/api/projects/${projectId}/contract`, contract(2_000_000_000_000_000))), { status: 400 }, 'a contract of 2e15 fen: 400')

  for (const path of [`/api/projects/${projectId}/account?asOf=2026-02-30`, `${P}?asOf=2026-02-31`, `${P}?asOf=2026-04-31`]) {
    t.match(await failure(api.get(path)), { status: 400, code: 'validation_failed' }, `${path.split('?')[1]}: 400`)
  }
  t.match(await api.get(`${P}?asOf=2028-02-29`), { asOf: '2028-02-29' }, 'a leap day is a day')
})
