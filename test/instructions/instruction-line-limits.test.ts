/**
 * A sheet line no bank file could carry (above the per-line maximum) refuses the instruction before anything is
 * stored: before, the instruction stood, its pain.001 and 代发 files were refused, and a new attempt answered
 * instruction_live, so the month was stuck. On either engine.
 */
import t from 'tap'
import { LIMITS } from '../../src/config/limits.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { failure, startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 3)

t.test('a line above the per-line maximum refuses the instruction whole', async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'IN-L', regionCode: '330106', bankCode: '103331000011', seed: 1051 })
  const rng = new Rng(1052)
  await createLogin(api, 'lm.lim', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = api.as(await logIn(api, 'lm.lim'))
  const workers = []
  for (let i = 1; i <= 2; i++) {
    const card = cardNumber(1060 + i)
    const id = idNumber(rng, 1050 + i)
    const w = await api.post<{ id: string }>('/api/workers', { name: `限额${i}`, idNumber: id, bankName: '建行', cardNo: card })
    const e = await api.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01' })
    workers.push({ workerId: w.id, enrolmentId: e.id, workerName: `限额${i}`, idNumber: id, bankName: '建行', cardNo: card })
  }
  const [fine, huge] = workers as [(typeof workers)[number], (typeof workers)[number]]
  await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamId,
    period: MONTH,
    payDate: '2026-11-10',
    atMs: AT_MS,
    lines: [
      { ...fine, netFen: 6_000_00 },
      { ...huge, netFen: LIMITS.payout_line_amount_fen_max + 1 },
    ],
  })
  const url = `/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`
  t.match(
    await failure(lm.post(url, {})),
    { status: 422, code: 'instruction_line_refused', details: { workerId: huge.workerId, reason: 'amount_above_max', problem: /above the per-line maximum/ } },
    'refused, naming the worker and why',
  )
  t.same(await lm.get(`/api/projects/${site.projectId}/instructions`), [], 'nothing instructed, not even the line that was fine')
  const states = await services.db.all<{ state: string }>({ text: 'SELECT e.state AS "state" FROM payroll_sheet_events e JOIN payroll_sheets s ON s.id = e.sheet_id WHERE s.project_id = ? ORDER BY e.seq', params: [site.projectId] })
  t.equal(states.at(-1)?.state, 'approved', 'the sheet stays approved, to be corrected by a new version')
})
