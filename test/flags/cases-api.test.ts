/**
 * Flag cases over HTTP for team managers, on the run's engine: a project with two teams employed by two subcontractors,
 * and a month whose run opened cases of every subject (a worker of each team, NO_PAYROLL_SHEET of each team, the whole
 * project's GROUP_ARREARS and HEADCOUNT_GAP, a card no worker owns). Each team manager lists, reads, acknowledges and
 * comments on their own teams' cases only; every other case is left out of the list and answers 404 by id exactly as a
 * missing one does, with the denial logged; dismissing stays the labour manager's.
 */
import t from 'tap'
import { creditCode, cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { q } from '../../src/db/database.ts'
import { fen } from '../../src/kernel/money.ts'
import type { RunFlag } from '../../src/flags/cases.ts'
import { createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

interface CaseJson {
  caseId: string
  kind: string
  state: string
  workerId: string | null
  acknowledgedBy: string | null
  evidence: Record<string, unknown>
}
interface HistoryJson extends CaseJson {
  events: Array<{ type: string; actor: string | null }>
}

t.test("team managers work their own teams' cases, and only those", async (t) => {
  const { api: admin, services } = await startTestServer(t, { clock: { nowMs: () => Date.UTC(2026, 10, 20, 4) } })
  const site = await registerAccessSite(admin, { tag: 'CS-1', regionCode: '330106', bankCode: '103331000011', seed: 1301 })
  const P = `/api/projects/${site.projectId}`

  // A second team on the project, employed by another subcontractor, with its own worker.
  const rng = new Rng(1302)
  const otherSub = await admin.post<{ id: string }>('/api/organisations', { kind: 'subcontractor', name: '木工劳务 CS-1', creditCode: creditCode(rng) })
  const otherTeam = await admin.post<{ id: string }>(`${P}/teams`, { name: '木工班 CS-1', employerId: otherSub.id })
  const otherWorker = await admin.post<{ id: string }>('/api/workers', { name: '李强', idNumber: idNumber(rng, 1302), bankName: '农行', cardNo: cardNumber(1302) })
  await admin.post(`${P}/enrolments`, { workerId: otherWorker.id, teamId: otherTeam.id, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01' })

  // The month's run, as reconciliation hands it to the cases: one flag of each subject.
  const unknownCard = cardNumber(901_302)
  const flag = (kind: string, over: Partial<RunFlag>): RunFlag => ({ kind, workerId: null, payeeCard: null, dueFen: null, paidFen: null, evidence: { period: MONTH }, ...over })
  await services.cases.onRun({
    runId: 'run-cs-1',
    projectId: site.projectId,
    month: MONTH,
    atMs: Date.UTC(2026, 10, 20, 3),
    flags: [
      flag('UNPAID', { workerId: site.workerId, dueFen: fen(300_000), paidFen: fen(0) }),
      flag('UNPAID', { workerId: otherWorker.id, dueFen: fen(280_000), paidFen: fen(0) }),
      flag('NO_PAYROLL_SHEET', { dueFen: fen(300_000), evidence: { period: MONTH, teamId: site.teamId, workerCount: 1 } }),
      flag('NO_PAYROLL_SHEET', { dueFen: fen(280_000), evidence: { period: MONTH, teamId: otherTeam.id, workerCount: 1 } }),
      flag('GROUP_ARREARS', { paidFen: fen(0), evidence: { period: MONTH, workerCount: 12, unpaidCount: 12, threshold: 10 } }),
      flag('HEADCOUNT_GAP', { evidence: { period: MONTH, attendedCount: 20, unpaidCount: 4 } }),
      flag('UNKNOWN_PAYEE', { payeeCard: unknownCard, paidFen: fen(50_000), evidence: { period: MONTH } }),
    ],
  })

  const tmA = await createLogin(admin, 'tm.cs-a', 'team_manager', { organisationId: site.subcontractorId })
  const tmB = await createLogin(admin, 'tm.cs-b', 'team_manager', { organisationId: otherSub.id })
  await createLogin(admin, 'lm.cs', 'labour_manager', { organisationId: site.generalContractorId })
  const teamA = admin.as(await logIn(admin, 'tm.cs-a'))
  const teamB = admin.as(await logIn(admin, 'tm.cs-b'))
  const lm = admin.as(await logIn(admin, 'lm.cs'))

  const all = await lm.get<CaseJson[]>(`${P}/cases?month=${MONTH}`)
  t.equal(all.length, 7, "the labour manager sees every case of the project's month")
  const caseOf = (kind: string, test: (c: CaseJson) => boolean = () => true): CaseJson => all.find((c) => c.kind === kind && test(c))!
  const mineA = caseOf('UNPAID', (c) => c.workerId === site.workerId)
  const mineB = caseOf('UNPAID', (c) => c.workerId === otherWorker.id)
  const sheetA = caseOf('NO_PAYROLL_SHEET', (c) => c.evidence.teamId === site.teamId)
  const sheetB = caseOf('NO_PAYROLL_SHEET', (c) => c.evidence.teamId === otherTeam.id)
  const projectWide = [caseOf('GROUP_ARREARS'), caseOf('HEADCOUNT_GAP'), caseOf('UNKNOWN_PAYEE')]
  const ids = (list: CaseJson[]): string[] => list.map((c) => c.caseId).sort()

  await t.test("each team manager's list: their workers' cases and their teams' own", async (t) => {
    t.same(ids(await teamA.get<CaseJson[]>(`${P}/cases?month=${MONTH}`)), [mineA.caseId, sheetA.caseId].sort(), 'team A')
    t.same(ids(await teamB.get<CaseJson[]>(`${P}/cases?month=${MONTH}`)), [mineB.caseId, sheetB.caseId].sort(), 'team B')
    t.same(ids(await teamA.get<CaseJson[]>(`${P}/cases?month=${MONTH}&state=open`)), [mineA.caseId, sheetA.caseId].sort(), 'with a state filter too')
  })

  const missing = '0'.repeat(32)
  const denials = async (actorId: string): Promise<Array<{ route: string; status: number; reason: string; recordIds: string }>> =>
    services.db.all(q(`SELECT route AS "route", status AS "status", reason AS "reason", record_ids AS "recordIds" FROM access_log WHERE action = 'denied' AND actor_id = ? ORDER BY id`, actorId))

  await t.test('every other case answers 404 by id, as a missing one, and the denial is logged', async (t) => {
    t.match(await teamA.get<HistoryJson>(`${P}/cases/${mineA.caseId}`), { caseId: mineA.caseId, workerId: site.workerId, events: [{ type: 'opened' }] }, 'its own')
    t.match(await teamA.get<HistoryJson>(`${P}/cases/${sheetA.caseId}`), { caseId: sheetA.caseId, kind: 'NO_PAYROLL_SHEET' }, "its team's own")
    const absent = await failure(teamA.get(`${P}/cases/${missing}`))
    t.match(absent, { status: 404, code: 'flag_case_not_found', details: { caseId: missing } })
    for (const [what, c] of [
      ["another team's worker", mineB],
      ["another team's sheet", sheetB],
      ...projectWide.map((c) => [c.kind, c] as const),
    ] as const) {
      const before = (await denials(tmA)).length
      const denied = await failure(teamA.get(`${P}/cases/${c.caseId}`))
      t.same({ ...denied, details: { caseId: missing } }, absent, `${what}: the same 404 as a missing case`)
      t.same(denied.details, { caseId: c.caseId })
      const rows = (await denials(tmA)).slice(before)
      t.match(rows, [{ status: 404, reason: 'out_of_scope', route: '/api/projects/:projectId/cases/:caseId' }], `${what}: the denial is logged`)
      t.ok(rows[0]?.recordIds.includes(c.caseId), `${what}: with the case asked for`)
    }
  })

  await t.test('a team manager acknowledges and comments on their own cases; never dismisses', async (t) => {
    t.match(await teamA.post<HistoryJson>(`${P}/cases/${mineA.caseId}/acknowledge`, {}), { state: 'acknowledged', acknowledgedBy: 'tm.cs-a' })
    t.match(await teamA.post<HistoryJson>(`${P}/cases/${sheetA.caseId}/comment`, { text: '工资表已在编制，本周提交' }), { events: [{ type: 'opened' }, { type: 'commented', actor: 'tm.cs-a' }] })
    t.match(await failure(teamA.post(`${P}/cases/${mineA.caseId}/dismiss`, { reason: '已私下结清' })), { status: 403, code: 'role_forbidden' }, 'dismissing is the labour manager’s')
  })

  await t.test("another team's case or the project's: 404 to every action, and nothing appended", async (t) => {
    for (const c of [mineB, sheetB, ...projectWide]) {
      for (const [action, body] of [['acknowledge', {}], ['comment', { text: '看一下' }]] as const) {
        const before = (await denials(tmA)).length
        t.match(await failure(teamA.post(`${P}/cases/${c.caseId}/${action}`, body)), { status: 404, code: 'flag_case_not_found', details: { caseId: c.caseId } }, `${c.kind} ${action}`)
        t.match((await denials(tmA)).slice(before), [{ status: 404, reason: 'out_of_scope', route: `/api/projects/:projectId/cases/:caseId/${action}` }])
      }
      const history = await lm.get<HistoryJson>(`${P}/cases/${c.caseId}`)
      t.same(history.events.map((e) => e.type), ['opened'], `${c.kind}: unchanged`)
      t.equal(history.state, 'open')
    }
    t.same((await denials(tmB)).length, 0, "team B's manager was denied nothing")
  })
})
