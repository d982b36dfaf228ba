/**
 * The bureau's risk pages over plain HTTP (issue 15): the month's ranking by the index run with its reasons, formula
 * and run time, a month without a run said so (no error page), one project's history month by month, and the county's
 * month against the 无欠薪 targets with the figures behind each. An auditor of the region sees their project, one of
 * another region none (a 404 history); a labour manager their own projects' ranking only; team managers, banks and
 * workers are refused.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { createKey, createLogin, registerAccessSite } from '../access/helpers/site.ts'
import { encodeCursor } from '../../src/http/paging.ts'
import { startTestServer } from '../helpers/server.ts'
import { getPage, signIn } from './helpers/http.ts'

/** Friday 20 November 2026, 10:00 in Hangzhou. */
const NOV_MS = Date.parse('2026-11-20T02:00:00Z')
/** Wednesday 2 December 2026, 10:00 in Hangzhou: November has ended. */
const DEC_MS = Date.parse('2026-12-02T02:00:00Z')

t.test("the bureau's risk ranking, a project's history and the month's targets", async (t) => {
  const clock = new ManualClock(NOV_MS)
  const { api, httpUrl: base } = await startTestServer(t, { clock })
  const site = await registerAccessSite(api, { tag: 'RK-1', regionCode: '330106', bankCode: '103331000011', seed: 1511 })
  // A group of 12 workers owed ¥6,000,000: a group incident and a case of ¥5M at once, in November.
  const group = await api.post<{ clue: { id: string; incidentId: string | null } }>('/api/clues', { channel: 'hotline_12333', projectId: site.projectId, summary: '班组12人没发工资', headcount: 12, amountFen: 600_000_000 })
  t.ok(group.clue.incidentId, 'a major incident')
  clock.set(DEC_MS)
  const run = await api.post<{ id: string; formulaVersion: string }>('/api/risk/runs', { month: '2026-11' })
  await createLogin(api, 'auditor.rk', 'auditor', { regionCode: '3301' })
  await createLogin(api, 'auditor.rk.34', 'auditor', { regionCode: '34' })
  await createLogin(api, 'lm.rk', 'labour_manager', { organisationId: site.generalContractorId })
  await createLogin(api, 'tm.rk', 'team_manager', { organisationId: site.subcontractorId })
  await createLogin(api, 'worker.rk', 'worker', { workerId: site.workerId })
  const bank = await createKey(api, 'bank rk', 'bank', { bankCode: '103' })
  const auditor = await signIn(base, 'auditor.rk')
  const project = `/pages/oversight/risk/projects/${site.projectId}`

  await t.test("the ranking: rank, score, level in words, every reason, the formula and the run's time", async (t) => {
    const page = await getPage(base, '/pages/oversight/risk', auditor)
    t.equal(page.status, 200)
    t.match(page.text, '<h1>风险排名</h1>')
    t.match(page.text, `2026-11 月指数</strong>：<span id="run-as-of">数据截至 2026-11-30 23:59，计算于 2026-12-02 10:00（公式 ${run.formulaVersion}）`)
    t.match(page.text, new RegExp(`<td>1</td>\\s*<th scope="row"><a href="${project}">工程 RK-1</a>`), 'ranked first, its name linking to its history')
    t.match(page.text, /class="light light-(green|yellow|red)"><span aria-hidden="true" class="swatch"><\/span>(绿|黄|红)<\/span>/, 'the level in words beside its colour')
    t.match(page.text, /<strong>工资表 \+2\.0<\/strong>/, "the sheets part's points")
    t.match(page.text, '+2.0：班组 钢筋班 RK-1 2026-10 工资表未编制或考勤未确认', 'the reason in words with its points')
    t.match(page.text, `href="/pages/oversight/projects/${site.projectId}"`, 'the drill-down linked')
    const green = await getPage(base, '/pages/oversight/risk?level=red', auditor)
    t.match(green.text, '没有符合条件的项目', 'no red project')
    t.match(green.text, 'aria-current="page">红')
    const employers = await getPage(base, '/pages/oversight/risk?kind=employers', auditor)
    t.equal(employers.status, 200)
    t.match(employers.text, '劳务分包 RK-1', "the region's employers ranked")
    t.notMatch(employers.text, `href="/pages/oversight/projects/`, 'an employer has no drill-down')
    // The next page starts after the last row shown, as the API pages: here, after the first employer.
    const top = await api.get<{ scores: Array<{ subjectId: string; points: number; name: string }> }>('/api/risk/employers?month=2026-11')
    const after = encodeCursor([top.scores[0]!.points, top.scores[0]!.subjectId])
    const second = await getPage(base, `/pages/oversight/risk?kind=employers&after=${after}&from=2`, undefined, { authorization: `Bearer ${api.token}` })
    t.equal(second.status, 200)
    t.match(second.text, new RegExp(`<td>2</td>\\s*<th scope="row">${top.scores[1]!.name}`), 'ranked from 2')
    t.notMatch(second.text, `<th scope="row">${top.scores[0]!.name}<`, 'the first is on the first page')
    t.match(second.text, '<a href="/pages/oversight/risk?kind=employers">第一页</a>')
    t.equal((await getPage(base, '/pages/oversight/risk?after=not-a-cursor', auditor)).status, 400, 'a cursor that is not one: 400 cursor_not_found')
  })

  await t.test('a month without a run says so, with when the timer runs; no error', async (t) => {
    const page = await getPage(base, '/pages/oversight/risk?month=2026-10', auditor)
    t.equal(page.status, 200)
    t.match(page.text, '2026-10 的风险指数尚未计算。系统于每月 1–3 日自动计算上一个月的指数')
    t.match(page.text, 'href="/pages/oversight/risk?month=2026-11"', 'the months that have a run offered')
  })

  await t.test("a project's history: each month's score, level, parts and formula", async (t) => {
    clock.set(Date.parse('2026-12-02T03:00:00Z'))
    await api.post('/api/risk/runs', { month: '2026-10' })
    const page = await getPage(base, project, auditor)
    t.equal(page.status, 200)
    t.match(page.text, '<h1>工程 RK-1 · 风险指数</h1>')
    t.match(page.text, /<th scope="row">2026-11<\/th>\s*<td>[0-9.]+<\/td>\s*<td><span class="light light-\w+"><span aria-hidden="true" class="swatch"><\/span>(绿|黄|红)<\/span><\/td>/)
    t.match(page.text, '<th scope="row">2026-10</th>')
    t.match(page.text, `<td>${run.formulaVersion}<span class="note">≥15.0 黄，≥40.0 红</span></td>`)
    t.match(page.text, 'src="/assets/risk-history.js"', 'two months: the chart')
    t.match(page.text, /<script type="application\/json" id="risk-history-data">\{"months":\["2026-10","2026-11"\]/)
    t.equal((await getPage(base, '/assets/risk-history.js')).status, 200)
  })

  await t.test("the month's targets: each met or not in words, with the figures and the lists behind it", async (t) => {
    const page = await getPage(base, '/pages/oversight/targets?month=2026-11', auditor)
    t.equal(page.status, 200)
    t.match(page.text, '<h1>无欠薪目标 · 2026-11</h1>')
    t.match(page.text, /<th scope="row">欠薪项目占比<\/th>\s*<td>≤ 3%<\/td>\s*<td>0\.00%<\/td>\s*<td><span class="light light-green"><span aria-hidden="true" class="swatch"><\/span>达标<\/span>/)
    t.match(page.text, '有未结欠薪案件的项目 0 个 ÷ 在建项目 1 个')
    t.match(page.text, /<th scope="row">群体性欠薪事件<\/th>\s*<td>0 起（涉及 10 人以上）<\/td>\s*<td>1 起<\/td>\s*<td><span class="light light-red"><span aria-hidden="true" class="swatch"><\/span>未达标<\/span>/)
    t.match(page.text, /<th scope="row">500 万元以上欠薪案件<\/th>\s*<td>0 件（¥5000000\.00 以上）<\/td>\s*<td>1 件<\/td>/)
    t.match(page.text, `<a href="/pages/oversight/incidents#incident-${group.clue.incidentId}">2026-11-20 10:00 工程 RK-1：12 人，¥6000000.00</a>`)
    // Received on 20 November and not routed by the 27th: late on its 7-day clock.
    t.match(page.text, /<th scope="row">欠薪线索按时办结<\/th>\s*<td>超时 0 件<\/td>\s*<td>超时 1 件<\/td>\s*<td><span class="light light-red"><span aria-hidden="true" class="swatch"><\/span>未达标/)
    t.match(page.text, '当月接收 1 件：按时办结 0 件，超时 1 件，办理中（未超时）0 件')
    t.match(page.text, '<a href="/pages/oversight/clues?overdue=yes">已逾期的线索</a>')
    t.match(page.text, '当月有指标未达标')
    const dec = await getPage(base, '/pages/oversight/targets', auditor)
    t.match(dec.text, '<h1>无欠薪目标 · 2026-11</h1>', 'the last ended month by default')
    const running = await getPage(base, '/pages/oversight/targets?month=2026-12', auditor)
    t.match(running.text, /<td>0 起（涉及 10 人以上）<\/td>\s*<td>0 起<\/td>/, 'December: no incident yet')
    t.match(running.text, '2026-12 尚未结束：以下为截至 2026-12-02 11:00:00 的数字，月末前仍会变化。')
    t.notMatch(page.text, '尚未结束', 'November has ended')
    const overview = await getPage(base, '/pages/oversight', auditor)
    t.match(overview.text, '<a href="/pages/oversight/risk">风险排名</a>', "linked from the overview's bar")
    t.match(overview.text, '<a href="/pages/oversight/targets">无欠薪目标</a>')
    t.match(overview.text, `<a href="${project}">逐月风险指数</a>`, "and each project's history from its risk index")
    t.match((await getPage(base, `/pages/oversight/projects/${site.projectId}`, auditor)).text, `<a href="${project}">逐月风险指数</a>`, 'and from the drill-down')
    t.match((await getPage(base, '/pages/', auditor)).text, '<a href="/pages/oversight/risk">风险排名</a>', 'and from the start page')
  })

  await t.test('another region sees none; the platform operator sees all', async (t) => {
    const other = await signIn(base, 'auditor.rk.34')
    const ranking = await getPage(base, '/pages/oversight/risk', other)
    t.equal(ranking.status, 200)
    t.match(ranking.text, '没有符合条件的项目')
    t.notMatch(ranking.text, '工程 RK-1')
    t.equal((await getPage(base, project, other)).status, 404)
    const targets = await getPage(base, '/pages/oversight/targets?month=2026-11', other)
    t.match(targets.text, /<td>0 起（涉及 10 人以上）<\/td>\s*<td>0 起<\/td>/, "another region's incident is not theirs")
    t.match(targets.text, '当月无在建项目')
    const admin = await getPage(base, '/pages/oversight/risk', undefined, { authorization: `Bearer ${api.token}` })
    t.match(admin.text, '工程 RK-1')
  })

  await t.test("a labour manager: their projects' ranking and history, no employers, no targets", async (t) => {
    const lm = await signIn(base, 'lm.rk')
    const page = await getPage(base, '/pages/oversight/risk', lm)
    t.equal(page.status, 200)
    t.match(page.text, '工程 RK-1')
    t.notMatch(page.text, '用工单位', 'no employers tab')
    t.notMatch(page.text, 'href="/pages/oversight/projects/', 'no drill-down (the bureau’s)')
    t.equal((await getPage(base, '/pages/oversight/risk?kind=employers', lm)).status, 403)
    t.equal((await getPage(base, project, lm)).status, 200)
    t.equal((await getPage(base, '/pages/oversight/targets', lm)).status, 403)
    const home = await getPage(base, '/pages/', lm)
    t.match(home.text, '<a href="/pages/oversight/risk">风险排名</a>', 'their start page leads to it')
    t.notMatch(home.text, '监管总览')
  })

  await t.test('team managers, banks and workers are refused', async (t) => {
    const callers: Array<[string, string | undefined, Record<string, string>]> = [
      ['team manager', await signIn(base, 'tm.rk'), {}],
      ['worker', await signIn(base, 'worker.rk'), {}],
      ['bank', undefined, { authorization: `Bearer ${bank.key}` }],
    ]
    for (const [who, cookie, headers] of callers) {
      for (const path of ['/pages/oversight/risk', project, '/pages/oversight/targets']) {
        const r = await getPage(base, path, cookie, headers)
        t.equal(r.status, 403, `${who} ${path}`)
        t.notMatch(r.text, '工程 RK-1')
      }
    }
  })
})
