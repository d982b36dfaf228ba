/**
 * The monthly risk index run over HTTP, on both engines (POST /api/risk/runs, GET /api/risk/projects,
 * /api/risk/employers, /api/risk/projects/{id}/history) and the monthly timer's rule: projects and employers scored,
 * an employer owing social insurance raising its projects' scores with the reason shown, a run again adding a run and
 * keeping the older, the history month by month, and who sees what.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { failure, startTestServer } from '../helpers/server.ts'
import { registerRegions, signalCsv } from './helpers/regions.ts'

const NOW_MS = Date.parse('2026-12-02T02:00:00Z')

interface Run {
  id: string
  month: string
  formulaVersion: string
  actor: string
  projectCount: number
  employerCount: number
}
interface Score {
  subjectId: string
  name: string | null
  regionCode: string | null
  month: string
  formulaVersion: string
  points: number
  score: string
  level: string
  parts: Array<{ part: string; points: number; reasons: Array<{ points: number; why: string; signal: { kind: string; signal?: string } }> }>
}
interface Ranking {
  run: Run
  scores: Score[]
  next: string | null
}

t.test('the monthly risk index run', async (t) => {
  const clock = new ManualClock(NOW_MS)
  const { api: admin, services } = await startTestServer(t, { clock })
  const r = await registerRegions(admin, 161)
  const importCsv = async (rows: Parameters<typeof signalCsv>[0]): Promise<void> => {
    const res = await admin.fetch('/api/signals/imports', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: signalCsv(rows) })
    t.equal(res.status, 201, 'imported')
  }
  const outsidePart = (s: Score | undefined) => s?.parts.find((p) => p.part === 'outside')
  const scoreRows = async (): Promise<number> => Number((await services.db.get<{ n: unknown }>({ text: 'SELECT COUNT(*) AS "n" FROM risk_scores', params: [] }))?.n)

  t.match(await failure(admin.get('/api/risk/projects?month=2026-11')), { status: 404, code: 'risk_run_not_found' })

  let firstRun: Run
  await t.test('a run scores every project and employer; outside signals raise the projects of their employer', async (t) => {
    await importCsv([
      [r.hz.codes.subcontractor, '杭州某劳务有限公司', '欠缴社保', '人社', '2026-11', '350000', '较重'],
      [r.outsider, '某未登记企业', '停电', '供电公司', '2026-11', '', '严重'],
      // Another month's signal: not this month's score.
      [r.sz.codes.generalContractor, '深圳某建设', '欠税', '税务', '2026-10', '', '3'],
    ])
    const res = await admin.fetch('/api/risk/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ month: '2026-11' }) })
    t.equal(res.status, 201)
    firstRun = (await res.json()) as Run
    t.match(firstRun, { month: '2026-11', formulaVersion: '2026.1', projectCount: 2, employerCount: 7 }, 'two projects; six organisations and one employer on no roster')

    const ranking = await admin.get<Ranking>('/api/risk/projects?month=2026-11')
    t.equal(ranking.run.id, firstRun.id)
    t.same(ranking.scores.map((s) => s.subjectId), [r.hz.projectId, r.sz.projectId], 'the project whose subcontractor owes social insurance first')
    const [hz, sz] = ranking.scores
    const reason = outsidePart(hz)?.reasons[0]
    t.match(reason, { signal: { kind: 'outside', signal: 'social_insurance_arrears' } })
    t.match(reason?.why, /人社：欠缴社保（2026-11，2 级，¥350000\.00）/, 'the reason in words')
    t.equal(outsidePart(sz), undefined, "no outside part for the other project (its contractor's signal is October's)")
    t.equal(hz!.points - sz!.points, outsidePart(hz)!.points, 'the outside part is the difference: the ledgers are alike')
    for (const s of ranking.scores) t.equal(s.points, s.parts.reduce((sum, p) => sum + p.points, 0), 'a score is the sum of its parts')
    t.same(
      hz!.parts.find((p) => p.part === 'sheets')?.reasons.map((x) => x.signal),
      [{ kind: 'sheet_missing', teamId: r.hz.teamId, teamName: '钢筋班 HZ161', month: '2026-10' }],
      "October's team has no confirmed timesheet or sheet by November's end (named, with the month due)",
    )
    t.equal(hz!.parts.find((p) => p.part === 'devices'), undefined, 'no gate yet')
    t.equal(hz!.name, `工程 HZ161`)
    t.equal(hz!.score, (hz!.points / 10).toFixed(1))

    const employers = await admin.get<Ranking>('/api/risk/employers?month=2026-11')
    t.equal(employers.scores.length, 7)
    const byCode = new Map(employers.scores.map((s) => [s.subjectId, s]))
    t.ok(outsidePart(byCode.get(r.hz.codes.subcontractor)), 'the subcontractor: its own signal')
    t.ok(byCode.get(r.hz.codes.subcontractor)!.parts.some((p) => p.part === 'unpaid'), "and its project's ledger signals")
    t.match(byCode.get(r.outsider), { name: '某未登记企业', regionCode: null }, 'an employer on no roster is scored, named as the department wrote it')
    t.equal(byCode.get(r.hz.codes.constructionUnit)!.points, 0, 'a construction unit answers for no team')
    t.equal(byCode.get(r.hz.codes.generalContractor)!.regionCode, '330106')

    const paged = await admin.get<Ranking>('/api/risk/employers?month=2026-11&limit=3')
    t.equal(paged.scores.length, 3)
    const rest = await admin.get<Ranking>(`/api/risk/employers?month=2026-11&limit=10&after=${paged.next}`)
    t.same([...paged.scores, ...rest.scores].map((s) => s.subjectId), employers.scores.map((s) => s.subjectId), 'pages in rank order')
    const red = await admin.get<Ranking>('/api/risk/projects?month=2026-11&level=green')
    t.ok(red.scores.every((s) => s.level === 'green'))
  })

  await t.test('a run again adds a run; the older stays, the newest is current; history month by month', async (t) => {
    const before = await scoreRows()
    await importCsv([[r.hz.codes.generalContractor, '杭州某建设', '停工', '住建', '2026-11', '', '3']])
    const second = await admin.post<Run>('/api/risk/runs', { month: '2026-11' })
    t.not(second.id, firstRun.id)
    t.equal(await scoreRows(), before * 2, "the first run's scores are kept")
    const ranking = await admin.get<Ranking>('/api/risk/projects?month=2026-11')
    t.equal(ranking.run.id, second.id, 'the newest run is current')
    t.equal(outsidePart(ranking.scores.find((s) => s.subjectId === r.hz.projectId))!.reasons.length, 2, 'both employers of the project now')
    await admin.post<Run>('/api/risk/runs', { month: '2026-10' })
    const history = await admin.get<Array<Score & { runId: string }>>(`/api/risk/projects/${r.hz.projectId}/history`)
    t.same(history.map((h) => [h.month, h.runId, h.formulaVersion]), [
      ['2026-11', second.id, '2026.1'],
      ['2026-10', history[1]!.runId, '2026.1'],
    ])
    t.equal(history[0]!.points, ranking.scores.find((s) => s.subjectId === r.hz.projectId)!.points)
    const latest = await admin.get<Ranking>('/api/risk/projects')
    t.equal(latest.run.month, '2026-11', 'without a month: the newest month run')
    const runs = await admin.get<Run[]>('/api/risk/runs')
    t.same(runs.map((x) => [x.month, x.id]), [['2026-11', second.id], ['2026-11', firstRun.id], ['2026-10', history[1]!.runId]], 'every run kept, the newest month and run first')
    const page = await admin.fetch('/api/risk/runs?limit=1')
    t.match(page.headers.get('link'), new RegExp(`after=${second.id}`), 'paged')
    t.same((await admin.get<Run[]>(`/api/risk/runs?month=2026-10`)).length, 1)
    t.match(await failure(admin.post('/api/risk/runs', { month: '2026-12' })), { status: 409, code: 'risk_month_not_ended', details: { month: '2026-11' } })
    t.match(await failure(admin.post('/api/risk/runs', { month: '2025-11' })), { status: 400, code: 'invalid_month' }, 'before the first formula')
  })

  await t.test('the timer: the previous month once, on the 1st to 3rd', async (t) => {
    t.equal(await services.riskRuns.runIfDue(), undefined, 'November has its runs')
    // A gate registered on December 2nd and never heard: offline by noon, and still at the month's end.
    await admin.post(`/api/projects/${r.hz.projectId}/devices`, { serial: 'GT-RISK-1', model: 'gate-ts200', settings: { lanes: { '1': 'in', '2': 'out' } }, installedAt: new Date(NOW_MS).toISOString() })
    clock.set(NOW_MS + 2 * 3_600_000)
    await services.deviceWatch.watch()
    // Shenzhen's contract schedules December's labour cost by the 15th; nothing arrives.
    await admin.post(`/api/projects/${r.sz.projectId}/dedicated-account`, { bank: '专户银行', bankCode: '103331000011', accountNo: '19045101040000162', accountName: '总包 SZ161 农民工工资专用账户', openedOn: '2026-09-01', openingFen: 0, reason: '开户登记' })
    await admin.post(`/api/projects/${r.sz.projectId}/contract`, {
      contractAmountFen: 500_000_000,
      labourCostFen: 100_000_000,
      funderAccountNos: ['33050161000000001'],
      signedOn: '2026-09-01',
      reason: '施工合同',
      periods: [{ periodId: '2026-12', dueOn: '2026-12-15', amount: { kind: 'fixed', amountFen: 300_000 } }],
    })
    clock.set(Date.parse('2027-01-05T02:00:00Z'))
    t.equal(await services.riskRuns.runIfDue(), undefined, 'not on the 5th')
    clock.set(Date.parse('2026-12-31T15:30:00Z'))
    t.equal(await services.riskRuns.runIfDue(), undefined, "23:30 on December 31st in the service's zone: December has not ended")
    clock.set(Date.parse('2026-12-31T16:30:00Z'))
    const run = await services.riskRuns.runIfDue()
    t.match(run, { month: '2026-12', actor: 'monthly timer', projectCount: 2 }, '00:30 on January 1st: December is run')
    t.equal(await services.riskRuns.runIfDue(), undefined, 'once')
    const history = await admin.get<Score[]>(`/api/risk/projects/${r.hz.projectId}/history`)
    t.same(history.map((h) => h.month), ['2026-12', '2026-11', '2026-10'])
    t.match(history[0]!.parts.find((p) => p.part === 'devices')?.reasons, [{ signal: { kind: 'device_offline', serial: 'GT-RISK-1' }, why: /GT-RISK-1/ }], "December's score: the gate offline at its end")
    t.equal(history[1]!.parts.find((p) => p.part === 'devices'), undefined, "November's: the gate came after it")
    const sz = await admin.get<Score[]>(`/api/risk/projects/${r.sz.projectId}/history`)
    t.match(sz[0]!.parts.find((p) => p.part === 'funding')?.reasons, [{ signal: { kind: 'funding_late', periodId: '2026-12', daysLate: 16, shortFen: 300_000 } }], "December's labour cost 16 days late at the month's end")
    t.equal(sz[1]!.parts.find((p) => p.part === 'funding'), undefined, 'November had nothing due')
    // Back to December 2nd: the logins' sessions are a day long.
    clock.set(NOW_MS)
  })

  await t.test('who sees what', async (t) => {
    const hzAud = await r.as.auditorHz.get<Ranking>('/api/risk/projects?month=2026-11')
    t.same(hzAud.scores.map((s) => s.subjectId), [r.hz.projectId], "an auditor: their region's projects")
    const szAud = await r.as.auditorSz.get<Ranking>('/api/risk/projects?month=2026-11')
    t.same(szAud.scores.map((s) => s.subjectId), [r.sz.projectId])
    const hzEmployers = await r.as.auditorHz.get<Ranking>('/api/risk/employers?month=2026-11')
    t.same(hzEmployers.scores.map((s) => s.subjectId).sort(), Object.values(r.hz.codes).sort(), 'the parties of their projects; no employer of another region or of no roster')
    t.match(await failure(r.as.auditorSz.get(`/api/risk/projects/${r.hz.projectId}/history`)), { status: 404, code: 'project_not_found' }, "another region's project is as unknown")
    const lm = await r.as.labourManagerHz.get<Ranking>('/api/risk/projects?month=2026-11')
    t.same(lm.scores.map((s) => s.subjectId), [r.hz.projectId], "a labour manager: their organisation's projects")
    t.equal((await r.as.labourManagerHz.get<unknown[]>(`/api/risk/projects/${r.hz.projectId}/history`)).length, 3, 'October, November and December')
    t.match(await failure(r.as.labourManagerHz.get('/api/risk/employers?month=2026-11')), { status: 403, code: 'role_forbidden' })
    for (const who of [r.as.teamManagerHz, r.as.bank]) {
      t.match(await failure(who.get('/api/risk/projects?month=2026-11')), { status: 403, code: 'role_forbidden' })
      t.match(await failure(who.get(`/api/risk/projects/${r.hz.projectId}/history`)), { status: 403, code: 'role_forbidden' })
      t.match(await failure(who.get('/api/risk/runs')), { status: 403, code: 'role_forbidden' })
    }
    t.match(await failure(r.as.auditorHz.post('/api/risk/runs', { month: '2026-11' })), { status: 403, code: 'role_forbidden' })
  })
})
