/**
 * A flag measured by its evidence (FUNDING_SHORT, the deposit flags, HEADCOUNT_GAP, PAYMENT_PENDING_TOO_LONG, …; cases.ts
 * MEASURED_BY) through the stored history on the run's engine: the measure is kept with the events, a shortfall that
 * grows is an update the history shows, and it reopens a dismissal made on smaller figures. Before, these cases had
 * no figures at all: a dismissed FUNDING_SHORT stayed dismissed however far the balance fell.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import type { RunFlag } from '../../src/flags/cases.ts'
import { createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

const short = (balanceFen: number): RunFlag => ({
  kind: 'FUNDING_SHORT',
  workerId: null,
  payeeCard: null,
  dueFen: null,
  paidFen: null,
  evidence: { period: MONTH, requiredFen: 5_000_000, balanceFen, shortFen: 5_000_000 - balanceFen },
})

t.test('FUNDING_SHORT: the balance falling further updates the case and reopens its dismissal', async (t) => {
  const clock = new ManualClock(Date.UTC(2026, 10, 20, 4))
  const { api: admin, services } = await startTestServer(t, { clock })
  const A = await registerAccessSite(admin, { tag: 'MS-A', regionCode: '330106', bankCode: '103331000011', seed: 2301 })
  const run = (runId: string, balanceFen: number) => services.cases.onRun({ runId, projectId: A.projectId, month: MONTH, atMs: clock.nowMs(), flags: [short(balanceFen)] })
  await run('ms-1', 4_000_000)
  await createLogin(admin, 'lm.ms', 'labour_manager', { organisationId: A.generalContractorId })
  const lm = admin.as(await logIn(admin, 'lm.ms'))
  const [c] = await lm.get<Array<{ caseId: string }>>(`/api/projects/${A.projectId}/cases?month=${MONTH}`)
  const path = `/api/projects/${A.projectId}/cases/${c!.caseId}`

  clock.advance(3_600_000)
  t.same(await run('ms-2', 4_000_000), [], 'the same balance: nothing')
  clock.advance(3_600_000)
  t.match(await run('ms-3', 3_000_000), [{ type: 'updated' }])
  await lm.post(`${path}/dismiss`, { reason: 'the developer pays the rest by bank draft on the 25th' })
  clock.advance(3_600_000)
  t.same(await run('ms-4', 3_000_000), [], 'the figures the manager judged: stays dismissed')
  clock.advance(3_600_000)
  t.match(await run('ms-5', 1_000_000), [{ type: 'reopened', reason: 'amount_changed' }])

  const h = await lm.get<{ state: string; evidence: { balanceFen: number }; events: Array<{ type: string; detail: Record<string, unknown> }> }>(path)
  t.equal(h.state, 'open')
  t.equal(h.evidence.balanceFen, 1_000_000)
  t.same(h.events.map((e) => e.type), ['opened', 'updated', 'dismissed', 'reopened'])
  t.match(h.events[1]!.detail, { before: { measure: { requiredFen: 5_000_000, balanceFen: 4_000_000 } }, measure: { balanceFen: 3_000_000 } })
})
