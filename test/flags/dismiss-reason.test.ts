/**
 * (Found by review.)
 * README, "A flag is a case": `POST …/cases/{caseId}/dismiss { "reason": "…" }` — labour manager — "closes it without the
 * money arriving"; a dismissal needs a reason (cases.ts: "dismissed: by a permitted role with a reason"). A step the
 * case's state does not allow is 409 flag_case_refused with details.code case_closed / already_acknowledged / closed_by_runs.
 */
import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

t.test('dismissal reasons: an invisible reason is no reason; length is counted in characters, as the route counts it', async (t) => {
  const clock = new ManualClock(Date.UTC(2026, 10, 20, 4))
  const { api: admin, services } = await startTestServer(t, { clock })
  const A = await registerAccessSite(admin, { tag: 'DR-A', regionCode: '330106', bankCode: '103331000011', seed: 2201 })
  await services.cases.onRun({ runId: 'run-dr', projectId: A.projectId, month: MONTH, atMs: clock.nowMs(), flags: [{ kind: 'UNPAID', workerId: A.workerId, payeeCard: null, dueFen: fen(300_000), paidFen: fen(0), evidence: { period: MONTH } }] })
  await createLogin(admin, 'lm.dr', 'labour_manager', { organisationId: A.generalContractorId })
  const lm = admin.as(await logIn(admin, 'lm.dr'))
  const [c] = await lm.get<Array<{ caseId: string }>>(`/api/projects/${A.projectId}/cases?month=${MONTH}`)
  const path = `/api/projects/${A.projectId}/cases/${c!.caseId}/dismiss`

  const invisible = await failure(lm.post(path, { reason: '\u200b\u200b' }))
  t.match(invisible, { details: { code: 'reason_required' } }, 'a reason of zero-width spaces only is no reason, refused like a blank one')
  t.ok(invisible.status >= 400 && invisible.status < 500)
  const [still] = await lm.get<Array<{ state: string }>>(`/api/projects/${A.projectId}/cases?month=${MONTH}`)
  t.equal(still!.state, 'open', 'and the case stays open')

  // The routes count characters: 1,500 emoji are within the 2,000 allowed, not refused as too long by the service.
  const long = await lm.post<{ state: string }>(path, { reason: '😀'.repeat(1500) })
  t.equal(long.state, 'dismissed', 'a long reason within the limit is taken')
})
