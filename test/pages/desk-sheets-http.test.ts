/**
 * The desk's payroll sheets page (工资支付表) over plain HTTP, on both engines, by role: a team manager makes, sends
 * and submits their team's sheet but has no approve button and a POST to approve is refused (403), the labour manager
 * approves, an auditor reads the totals with no forms, a worker and a bank get none of the page's data, another
 * contractor's labour manager the API's 404. A refusal (the month not confirmed, a step the state does not allow) is
 * shown on the page with the API's code and changes nothing; a withdrawal needs a reason.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { createLogin } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'
import { DESK_NOW_MS, registerDeskSite, REVIEW_MONTH } from './helpers/desk-site.ts'
import { getPage, postForm, signIn, type Page } from './helpers/http.ts'

interface Summary {
  teams: Array<{ teamId: string; sheet: null | { state: string; version: number } }>
}

t.test('desk: payroll sheets page', async (t) => {
  const { api: admin, httpUrl: base } = await startTestServer(t, { clock: new ManualClock(DESK_NOW_MS) })
  const d = await registerDeskSite(admin, { tag: 'DS', seed: 71 })
  const P = `/api/projects/${d.site.projectId}`
  await createLogin(admin, 'bank.DS', 'bank', { bankCode: '103' })
  await createLogin(admin, 'worker.DS', 'worker', { workerId: d.site.workerId })
  // Two days in October for each team's worker, set by hand as a labour manager would.
  for (const [w, days] of [
    [d.site.workerId, ['2026-10-12', '2026-10-13']],
    [d.otherWorkerId, ['2026-10-12']],
  ] as const) {
    for (const day of days) await admin.post(`${P}/workers/${w}/days/${day}/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })
  }

  const page = `/pages/projects/${d.site.projectId}/desk/sheets`
  const monthPage = `${page}?month=${REVIEW_MONTH}`
  const stepUrl = (teamId: string, action: string) => `${page}/${teamId}/${REVIEW_MONTH}/${action}`
  const get = (cookie: string, path = monthPage): Promise<Page> => getPage(base, path, cookie)
  const post = (cookie: string, path: string, form: Record<string, string> = {}): Promise<Page> => postForm(base, path, cookie, form)
  const stateOf = async (teamId: string): Promise<string | null> =>
    (await admin.get<Summary>(`${P}/payroll-sheets?month=${REVIEW_MONTH}`)).teams.find((x) => x.teamId === teamId)?.sheet?.state ?? null
  const lm = await signIn(base, d.logins.labourManager)
  const tm = await signIn(base, d.logins.teamManager)
  const auditor = await signIn(base, d.logins.auditor)

  await t.test('the month not confirmed: make is refused with the reason shown, nothing made', async (t) => {
    const res = await get(lm)
    t.equal(res.status, 200)
    t.match(res.text, /<h1>工资支付表 · 2026-10<\/h1>/)
    t.match(res.text, /<nav class="desk-nav toolbar" aria-label="工作台">/)
    t.match(res.text, /aria-current="page">工资支付表<\/a>/, 'the desk navigation names this page')
    t.match(res.text, /钢筋班 DS/)
    t.match(res.text, /木工班 DS/)
    t.match(res.text, `action="${stepUrl(d.site.teamId, 'make')}"`)
    const make = await post(lm, stepUrl(d.site.teamId, 'make'))
    t.equal(make.status, 409)
    t.match(make.text, /role="alert"/)
    t.match(make.text, /考勤还没有确认/)
    t.match(make.text, /<code>timesheet_not_confirmed<\/code>/)
    t.equal(await stateOf(d.site.teamId), null, 'no sheet made')
    const home = await get(lm, `/pages/projects/${d.site.projectId}/desk`)
    t.match(home.text, `href="${page}"`, "the desk's home links to the sheets")
  })

  await admin.post(`${P}/teams/${d.site.teamId}/timesheets/${REVIEW_MONTH}/confirmation`, { confirmedBy: '劳资员' })
  await admin.post(`${P}/teams/${d.otherTeamId}/timesheets/${REVIEW_MONTH}/confirmation`, { confirmedBy: '劳资员' })

  await t.test("a team manager makes, sends and submits their team's sheet; approving is not theirs", async (t) => {
    const view = await get(tm)
    t.equal(view.status, 200)
    t.match(view.text, /钢筋班 DS/)
    t.notMatch(view.text, /木工班/, "another subcontractor's team is not shown")
    for (const action of ['make', 'send', 'submit']) {
      const res = await post(tm, stepUrl(d.site.teamId, action))
      t.equal(res.status, 303, action)
      t.equal(res.location, `${monthPage}&done=${action}&team=${d.site.teamId}#team-${d.site.teamId}`)
    }
    const after = await get(tm, `${monthPage}&done=submit&team=${d.site.teamId}`)
    t.match(after.text, /<p class="done" role="status">钢筋班 DS：已提交审批。<\/p>/)
    t.match(after.text, /已提交，待审批/)
    t.match(after.text, /<td class="num">700.00<\/td>/, '2 days at 350.00')
    t.notMatch(after.text, /\/approve"/, 'no approve button')
    t.match(after.text, `action="${stepUrl(d.site.teamId, 'withdraw')}"`, 'withdrawing is theirs')
    const approve = await post(tm, stepUrl(d.site.teamId, 'approve'))
    t.equal(approve.status, 403)
    t.match(approve.text, /role_forbidden/)
    t.equal(await stateOf(d.site.teamId), 'submitted', 'still submitted')
    const other = await post(tm, stepUrl(d.otherTeamId, 'make'))
    t.equal(other.status, 404, "another organisation's team is not found")
    t.equal(await stateOf(d.otherTeamId), null)
    const hidden = await get(tm, `${monthPage}&done=make&team=${d.otherTeamId}`)
    t.notMatch(hidden.text, /木工班/, "a done notice does not name a team out of reach")
  })

  await t.test('an auditor reads the totals, with no forms, and may not approve', async (t) => {
    const res = await get(auditor)
    t.equal(res.status, 200)
    t.match(res.text, /已提交，待审批/)
    t.match(res.text, /700.00/)
    t.notMatch(res.text, /class="step"|\/desk\/sheets\/[^"]+\/(make|send|submit|approve|withdraw)"/, 'no step forms')
    t.equal((await post(auditor, stepUrl(d.site.teamId, 'approve'))).status, 403)
    t.equal(await stateOf(d.site.teamId), 'submitted')
  })

  await t.test('a worker, a bank and another contractor get none of it', async (t) => {
    for (const [login, status] of [
      ['worker.DS', 403],
      ['bank.DS', 403],
      [d.logins.otherLabourManager, 404],
      [d.logins.strangerTeamManager, 404],
    ] as const) {
      const cookie = await signIn(base, login)
      const res = await get(cookie)
      t.equal(res.status, status, `${login}: the page`)
      t.notMatch(res.text, /钢筋班|700\.00|工程 DS/, `${login}: none of its data`)
      t.equal((await post(cookie, stepUrl(d.site.teamId, 'withdraw'), { reason: '试试' })).status, status, `${login}: withdraw`)
    }
    t.equal(await stateOf(d.site.teamId), 'submitted')
  })

  await t.test('the labour manager approves', async (t) => {
    const view = await get(lm)
    t.match(view.text, new RegExp(`<form method="post" action="${stepUrl(d.site.teamId, 'approve')}" class="step">\\s*<button type="submit" class="primary">审批通过`))
    const res = await post(lm, stepUrl(d.site.teamId, 'approve'))
    t.equal(res.status, 303)
    const after = await get(lm, res.location!)
    t.match(after.text, /钢筋班 DS：已审批通过。/)
    t.match(after.text, /<span class="state state-approved">已审批<\/span>/)
    const sheet = await admin.get<{ state: string; events: Array<{ state: string; actor: string }> }>(`${P}/teams/${d.site.teamId}/payroll-sheets/${REVIEW_MONTH}`)
    t.equal(sheet.state, 'approved')
    t.equal(sheet.events.at(-1)?.actor, d.logins.labourManager, 'approved by the signed-in person')
    t.equal(sheet.events.find((e) => e.state === 'submitted')?.actor, d.logins.teamManager)
  })

  await t.test('a step the state does not allow: the reason shown, nothing changed', async (t) => {
    const res = await post(lm, stepUrl(d.site.teamId, 'send'))
    t.equal(res.status, 409)
    t.match(res.text, /role="alert"/)
    t.match(res.text, /<code>payroll_sheet_state<\/code>/)
    t.equal(await stateOf(d.site.teamId), 'approved')
  })

  await t.test('a withdrawal needs a reason', async (t) => {
    t.equal((await post(lm, stepUrl(d.otherTeamId, 'make'))).status, 303)
    const bare = await post(lm, stepUrl(d.otherTeamId, 'withdraw'), { reason: '   ' })
    t.equal(bare.status, 400)
    t.match(bare.text, /撤回需要填写原因/)
    t.equal(await stateOf(d.otherTeamId), 'draft', 'not withdrawn')
    const view = await get(lm)
    t.match(view.text, new RegExp(`<label for="reason-withdraw-${d.otherTeamId}">撤回原因`))
    const res = await post(lm, stepUrl(d.otherTeamId, 'withdraw'), { reason: '日工资标准有误，重新生成' })
    t.equal(res.status, 303)
    t.equal(await stateOf(d.otherTeamId), 'withdrawn')
    const sheet = await admin.get<{ events: Array<{ state: string; reason: string | null }> }>(`${P}/teams/${d.otherTeamId}/payroll-sheets/${REVIEW_MONTH}`)
    t.equal(sheet.events.at(-1)?.reason, '日工资标准有误，重新生成')
    const again = await get(lm)
    t.match(again.text, `action="${stepUrl(d.otherTeamId, 'make')}"`, 'a new sheet may be made')
  })
})
