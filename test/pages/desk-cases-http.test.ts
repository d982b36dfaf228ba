/**
 * The desk's cases page (预警案件) over plain HTTP, on both engines, by role. A pay month with a run's cases (张伟's
 * arrears, 李强's of another subcontractor's team, a card no worker owns) and 张伟's wage complaint: the labour manager
 * sees them all with family, worker, amounts, age against the 7- and 15-day clocks, state and history; acknowledges,
 * dismisses with a reason and resolves the complaint with a reason, while a run's case is not resolvable by a person
 * (the API's refusal shown, nothing changed). A team manager sees and acknowledges their own team's cases only; an
 * auditor reads and never writes (no form; a comment is 403); a worker, a bank and another contractor get none of it.
 */
import t from 'tap'
import { cardNumber } from '../../simulators/identities.ts'
import type { RunFlag } from '../../src/flags/cases.ts'
import { newId } from '../../src/kernel/ids.ts'
import { fen } from '../../src/kernel/money.ts'
import { DAY_MS, ManualClock } from '../../src/kernel/time.ts'
import { createLogin } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'
import { DESK_NOW_MS, registerDeskSite, REVIEW_MONTH } from './helpers/desk-site.ts'
import { getPage, postForm, signIn, type Page } from './helpers/http.ts'

interface CaseJson {
  caseId: string
  kind: string
  workerId: string | null
  state: string
  acknowledgedBy: string | null
  dismissal: { reason: string } | null
}

t.test('desk: cases page', async (t) => {
  const { api: admin, httpUrl: base, services } = await startTestServer(t, { clock: new ManualClock(DESK_NOW_MS) })
  const d = await registerDeskSite(admin, { tag: 'DC', seed: 81 })
  const P = `/api/projects/${d.site.projectId}`
  await createLogin(admin, 'bank.DC', 'bank', { bankCode: '103' })
  await createLogin(admin, 'worker.DC', 'worker', { workerId: d.site.workerId })
  const strayCard = cardNumber(900_081)
  const flag = (kind: string, over: Partial<RunFlag>): RunFlag => ({ kind, workerId: null, payeeCard: null, dueFen: null, paidFen: null, evidence: { period: REVIEW_MONTH }, ...over })
  // The month's run nine days ago: past the 7-day clock, inside the 15-day one.
  await services.cases.onRun({
    runId: 'run-dc-1',
    projectId: d.site.projectId,
    month: REVIEW_MONTH,
    atMs: DESK_NOW_MS - 9 * DAY_MS,
    flags: [
      flag('SHORTFALL', { workerId: d.site.workerId, dueFen: fen(300_000), paidFen: fen(100_000) }),
      flag('UNPAID', { workerId: d.otherWorkerId, dueFen: fen(280_000), paidFen: fen(0) }),
      flag('UNKNOWN_PAYEE', { payeeCard: strayCard, paidFen: fen(50_000) }),
    ],
  })
  await services.cases.complain({
    id: newId(),
    projectId: d.site.projectId,
    month: REVIEW_MONTH,
    workerId: d.site.workerId,
    actor: { id: 'worker-dc', role: 'worker', label: 'worker.DC' },
    text: '十月少发了两千元，请回电 13812345678',
    dueFen: fen(300_000),
    paidFen: fen(100_000),
    atMs: DESK_NOW_MS - 2 * DAY_MS,
  })
  const list = await admin.get<CaseJson[]>(`${P}/cases?month=${REVIEW_MONTH}`)
  const byKind = (kind: string, workerId: string | null = d.site.workerId): CaseJson => list.find((c) => c.kind === kind && c.workerId === workerId)!
  const arrears = byKind('UNPAID')
  const otherArrears = byKind('UNPAID', d.otherWorkerId)
  const card = byKind('UNKNOWN_PAYEE', null)
  const complaint = byKind('COMPLAINT')
  const stateOf = async (id: string): Promise<CaseJson> => admin.get<CaseJson>(`${P}/cases/${id}`)

  const page = `/pages/projects/${d.site.projectId}/desk/cases`
  const monthPage = `${page}?month=${REVIEW_MONTH}`
  const actUrl = (id: string, action: string) => `${page}/${id}/${action}`
  const get = (cookie: string, path = monthPage): Promise<Page> => getPage(base, path, cookie)
  const post = (cookie: string, path: string, form: Record<string, string> = {}): Promise<Page> => postForm(base, path, cookie, form)
  const lm = await signIn(base, d.logins.labourManager)
  const tm = await signIn(base, d.logins.teamManager)
  const auditor = await signIn(base, d.logins.auditor)

  await t.test("the labour manager's list: family, worker, amounts, clocks, state, history, forms", async (t) => {
    const res = await get(lm)
    t.equal(res.status, 200)
    t.match(res.text, /<h1>预警案件 · 2026-10<\/h1>/)
    t.match(res.text, /aria-current="page">预警案件<\/a>/)
    t.match(res.text, /本月 4 件，未办结 <strong>4<\/strong> 件/)
    t.match(res.text, /欠薪（未足额发放） · 张伟 <span class="state state-open">待受理<\/span>/)
    t.match(res.text, /（本次：SHORTFALL）/)
    t.match(res.text, /应发 <span class="num">3000.00<\/span> 元 · 实发 <span class="num">1000.00<\/span> 元 · 差 <strong class="num">2000.00<\/strong> 元/)
    t.match(res.text, /欠薪（未足额发放） · 李强/)
    t.match(res.text, /收款人不在花名册 · 银行卡 /)
    t.notMatch(res.text, new RegExp(strayCard.replace(/\s/g, '')), 'the card masked')
    t.match(res.text, /欠薪投诉 · 张伟/)
    t.match(res.text, /十月少发了两千元/)
    t.notMatch(res.text, /13812345678/, 'a phone typed into the complaint is masked')
    t.match(res.text, /7 天受理：已超时 2 天/, 'the run nine days ago is late on the 7-day clock')
    t.match(res.text, /15 天办结：还剩 6 天/)
    t.match(res.text, /7 天受理：还剩 5 天/, 'the complaint two days ago')
    t.match(res.text, /<strong>立案<\/strong>/, 'the history')
    t.match(res.text, `action="${actUrl(arrears.caseId, 'acknowledge')}"`)
    t.match(res.text, `action="${actUrl(arrears.caseId, 'dismiss')}"`)
    t.notMatch(res.text, `action="${actUrl(arrears.caseId, 'resolve')}"`, "a run's case has no resolve form")
    t.match(res.text, `action="${actUrl(complaint.caseId, 'resolve')}"`, 'a complaint is resolved by a person')
    const home = await get(lm, `/pages/projects/${d.site.projectId}/desk`)
    t.match(home.text, `href="${page}"`, "the desk's home links to the cases")
  })

  await t.test("a team manager: their team's cases only; acknowledges, may not dismiss", async (t) => {
    const res = await get(tm)
    t.equal(res.status, 200)
    t.match(res.text, /欠薪（未足额发放） · 张伟/)
    t.match(res.text, /欠薪投诉 · 张伟/)
    t.notMatch(res.text, /李强|银行卡/, "another team's worker and the project's card are not theirs")
    t.notMatch(res.text, /\/(dismiss|resolve)"/, 'no dismiss or resolve forms')
    const ack = await post(tm, actUrl(arrears.caseId, 'acknowledge'))
    t.equal(ack.status, 303)
    t.equal(ack.location, `${monthPage}&done=acknowledge&case=${arrears.caseId}#case-${arrears.caseId}`)
    const after = await get(tm, ack.location!.replace(/#.*/, ''))
    t.match(after.text, /<p class="done" role="status"><a href="#case-[0-9a-f]+">欠薪（未足额发放） · 张伟：已受理<\/a>。<\/p>/)
    t.match(after.text, /7 天受理：已受理/)
    t.equal((await stateOf(arrears.caseId)).acknowledgedBy, d.logins.teamManager)
    const other = await post(tm, actUrl(otherArrears.caseId, 'acknowledge'))
    t.equal(other.status, 404, "another team's case is not found")
    t.match(other.text, /flag_case_not_found/)
    t.notMatch(other.text, /李强/)
    t.equal((await stateOf(otherArrears.caseId)).state, 'open', 'unchanged')
    t.equal((await post(tm, actUrl(complaint.caseId, 'dismiss'), { reason: '已处理' })).status, 403)
    t.equal((await stateOf(complaint.caseId)).state, 'open')
  })

  await t.test('an auditor reads, with no form, and may neither comment nor acknowledge', async (t) => {
    const res = await get(auditor)
    t.equal(res.status, 200)
    t.match(res.text, /李强/)
    t.notMatch(res.text, /\/(acknowledge|dismiss|resolve|comment)"/, 'no forms: an auditor never writes')
    t.notMatch(res.text, /class="case-action/, 'not one')
    const c = await post(auditor, actUrl(card.caseId, 'comment'), { text: '请核实这张卡的持卡人' })
    t.equal(c.status, 403, 'a comment is a write')
    t.match(c.text, /role_forbidden/)
    const after = await get(auditor)
    t.notMatch(after.text, /请核实这张卡的持卡人/, 'nothing added to the history')
    t.equal((await post(auditor, actUrl(card.caseId, 'acknowledge'))).status, 403)
    t.equal((await stateOf(card.caseId)).state, 'open')
  })

  await t.test('a worker, a bank and another contractor get none of it', async (t) => {
    for (const [login, status] of [
      ['worker.DC', 403],
      ['bank.DC', 403],
      [d.logins.otherLabourManager, 404],
      [d.logins.strangerTeamManager, 404],
    ] as const) {
      const cookie = await signIn(base, login)
      const res = await get(cookie)
      t.equal(res.status, status, `${login}: the page`)
      t.notMatch(res.text, /张伟|李强|3000\.00|工程 DC/, `${login}: none of its data`)
      t.equal((await post(cookie, actUrl(otherArrears.caseId, 'acknowledge'))).status, status, `${login}: acknowledge`)
    }
    t.equal((await stateOf(otherArrears.caseId)).state, 'open')
  })

  await t.test('refusals shown with the reason, nothing changed', async (t) => {
    const twice = await post(lm, actUrl(arrears.caseId, 'acknowledge'))
    t.equal(twice.status, 409)
    t.match(twice.text, /role="alert"/)
    t.match(twice.text, /已经有人受理/)
    t.match(twice.text, /<code>already_acknowledged<\/code>/)
    const runResolve = await post(lm, actUrl(otherArrears.caseId, 'resolve'), { reason: '已补发' })
    t.equal(runResolve.status, 409, "a run's case is not resolved by a person")
    t.match(runResolve.text, /<code>closed_by_runs<\/code>/)
    t.match(runResolve.text, /由对账自动办结/)
    t.equal((await stateOf(otherArrears.caseId)).state, 'open')
    const bare = await post(lm, actUrl(otherArrears.caseId, 'dismiss'), { reason: '  ' })
    t.equal(bare.status, 400)
    t.match(bare.text, /请填写原因（必填）/)
    t.equal((await stateOf(otherArrears.caseId)).state, 'open')
  })

  await t.test('the labour manager dismisses with a reason and resolves the complaint', async (t) => {
    const dismissed = await post(lm, actUrl(otherArrears.caseId, 'dismiss'), { reason: '已于 11 月 2 日现金补发，有签收单' })
    t.equal(dismissed.status, 303)
    const c = await stateOf(otherArrears.caseId)
    t.equal(c.state, 'dismissed')
    t.equal(c.dismissal?.reason, '已于 11 月 2 日现金补发，有签收单')
    t.equal((await post(lm, actUrl(complaint.caseId, 'acknowledge'))).status, 303)
    const resolved = await post(lm, actUrl(complaint.caseId, 'resolve'), { reason: '核实后补发两千元' })
    t.equal(resolved.status, 303)
    t.equal((await stateOf(complaint.caseId)).state, 'resolved')
    const after = await get(lm)
    t.match(after.text, /欠薪投诉 · 张伟 <span class="state state-resolved">已办结<\/span>/)
    t.match(after.text, /<strong>办结<\/strong> · lm.DC：核实后补发两千元/)
    t.match(after.text, /<strong>撤销<\/strong> · lm.DC：已于 11 月 2 日现金补发，有签收单/)
    t.match(after.text, /未办结 <strong>2<\/strong> 件/)
  })
})
