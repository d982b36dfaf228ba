/**
 * The worker's own page over plain HTTP (issue 13): a code issued by the labour manager (shown once, 404 for a worker
 * out of the manager's scope, refused to a worker), sign-in with the ID suffix and the code (good, wrong code, wrong
 * suffix, expired, reused, slowed after wrong attempts, spent after five), one answer whichever part was wrong; the
 * month's days, due, paid with the bank's date and the state against the fixtures; scope (a worker reaches only
 * themselves: another project or another worker's data is a 404); confirming and disputing the timesheet and the
 * payroll line through the services' worker answers. The browser test (worker-page.browser.test.ts) drives it on a phone.
 */
import t from 'tap'
import { formatYuan, fen } from '../../src/kernel/money.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { maskIdNumber } from '../../src/roster/identity.ts'
import { failure, startTestServer } from '../helpers/server.ts'
import { issueCode, PAID_SHORT_FEN, registerWorkerSite, WORKER_NOW_MS } from './helpers/worker-site.ts'

interface Page {
  status: number
  headers: Headers
  text: string
  cookie?: string
}

async function get(base: string, path: string, cookie?: string): Promise<Page> {
  const res = await fetch(base + path, { redirect: 'manual', headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) } })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

async function post(base: string, path: string, fields: Record<string, string>, cookie?: string): Promise<Page> {
  const res = await fetch(base + path, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) }, body: new URLSearchParams(fields) })
  const m = /^(wl_session=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')
  return { status: res.status, headers: res.headers, text: await res.text(), cookie: m?.[1] }
}

const REFUSED = '身份证号后六位或验证码不正确，或验证码已过期'

t.test('worker sign-in: codes issued, used once, expired, slowed and spent', async (t) => {
  const clock = new ManualClock(WORKER_NOW_MS)
  const { api, services, httpUrl: base } = await startTestServer(t, { clock })
  const ws = await registerWorkerSite(api, services, { tag: 'WS1', seed: 1301, month: false })
  const P = ws.site.projectId
  const signIn = (suffix: string, code: string) => post(base, `/w/${P}/sign-in`, { idSuffix: suffix, code })

  await t.test('the form: public, the project named, two fields with labels', async (t) => {
    const form = await get(base, `/w/${P}`)
    t.equal(form.status, 200)
    t.match(form.text, ws.projectName)
    t.match(form.text, /<label for="idSuffix">身份证号后六位<\/label>/)
    t.match(form.text, /<label for="code">验证码<\/label>/)
    t.match(form.text, 'autocomplete="one-time-code"')
    t.equal((await get(base, '/w/01900000-0000-7000-8000-00000000dead')).status, 404, 'no such project: 404')
  })

  await t.test('issuing: the labour manager in scope gets the code once; a worker may not; out of scope is 404', async (t) => {
    const res = await ws.lm.post<{ code: string; expiresAt: string; delivery: string; signInPath: string }>(`/api/projects/${P}/workers/${ws.a.id}/sign-in-codes`, {})
    t.match(res.code, /^\d{6}$/)
    t.equal(res.expiresAt, new Date(WORKER_NOW_MS + 30 * 60_000).toISOString(), '30 minutes')
    t.equal(res.delivery, 'log', 'development delivery: the log')
    t.equal(res.signInPath, `/w/${P}`)
    const stored = await services.db.all<{ codeHash: string }>({ text: 'SELECT code_hash AS "codeHash" FROM worker_sign_in_codes WHERE worker_id = ?', params: [ws.a.id] })
    t.equal(stored.length, 1)
    t.ok(stored[0]!.codeHash.startsWith('$argon2id$') && !stored[0]!.codeHash.includes(res.code), 'stored as an argon2id hash only')
    const other = await registerWorkerSite(api, services, { tag: 'WS1B', seed: 1311, month: false })
    t.match(await failure(ws.lm.post(`/api/projects/${other.site.projectId}/workers/${other.a.id}/sign-in-codes`, {})), { status: 404 }, "another contractor's project")
    t.match(await failure(ws.lm.post(`/api/projects/${P}/workers/${other.a.id}/sign-in-codes`, {})), { status: 404 }, 'a worker not on the project')
  })

  await t.test('a good code signs in once; the session is the worker’s own', async (t) => {
    const code = await issueCode(ws, ws.a.id)
    const ok = await signIn(ws.a.suffix.toLowerCase(), code)
    t.equal(ok.status, 303)
    t.equal(ok.headers.get('location'), `/w/${P}/me`)
    t.match(ok.headers.get('set-cookie'), /HttpOnly/i)
    t.match(ok.headers.get('set-cookie'), /SameSite=Strict/i)
    const page = await get(base, `/w/${P}/me`, ok.cookie)
    t.equal(page.status, 200)
    t.match(page.text, '张伟')
    t.match(page.text, maskIdNumber(ws.a.idNumber), 'the masked ID')
    t.notOk(page.text.includes(ws.a.idNumber), 'never the full ID')
    const reused = await signIn(ws.a.suffix, code)
    t.equal(reused.status, 401, 'a used code is refused')
    t.notOk(reused.cookie)
    t.match(reused.text, REFUSED)
    // The form again, still signed in: straight to the month.
    t.equal((await get(base, `/w/${P}`, ok.cookie)).headers.get('location'), `/w/${P}/me`)
    // Signing out ends the session.
    const out = await post(base, `/w/${P}/sign-out`, {}, ok.cookie)
    t.equal(out.headers.get('location'), `/w/${P}`)
    t.equal((await get(base, `/w/${P}/me`, ok.cookie)).headers.get('location'), `/w/${P}`, 'signed out: back to the worker sign-in')
  })

  await t.test('wrong code, wrong suffix, expired, replaced: one answer, never which part', async (t) => {
    const code = await issueCode(ws, ws.b.id)
    const wrongCode = await signIn(ws.b.suffix, code === '000000' ? '000001' : '000000')
    const wrongSuffix = await signIn(ws.b.suffix === '000000' ? '000001' : '000000', code)
    const malformed = await signIn('12', code)
    for (const r of [wrongCode, wrongSuffix, malformed]) {
      t.equal(r.status, 401)
      t.notOk(r.cookie)
      t.match(r.text, REFUSED)
    }
    t.equal(wrongCode.text.replace(/value="[^"]*"/g, ''), wrongSuffix.text.replace(/value="[^"]*"/g, ''), 'the same page, but for what was typed')
    // A replaced code no longer works; the new one does.
    const newer = await issueCode(ws, ws.b.id)
    if (newer !== code) t.equal((await signIn(ws.b.suffix, code)).status, 401, 'the earlier code is replaced by the newer')
    clock.advance(30 * 60_000 + 1)
    const expired = await signIn(ws.b.suffix, newer)
    t.equal(expired.status, 401, 'expired after 30 minutes')
    t.match(expired.text, REFUSED)
  })

  await t.test('wrong attempts are slowed per worker, and five spend the code', async (t) => {
    clock.advance(20 * 60_000)
    // A success clears the suffix's failures (the reused code above was one).
    t.equal((await signIn(ws.a.suffix, await issueCode(ws, ws.a.id))).status, 303)
    const code = await issueCode(ws, ws.a.id)
    const wrong = code === '999999' ? '999998' : '999999'
    for (let i = 0; i < 3; i++) t.equal((await signIn(ws.a.suffix, wrong)).status, 401)
    const slowed = await signIn(ws.a.suffix, code)
    t.equal(slowed.status, 429, 'past three wrong attempts, even the right code waits')
    t.equal(slowed.headers.get('retry-after'), '1')
    t.match(slowed.text, '尝试次数过多')
    clock.advance(1_000)
    t.equal((await signIn(ws.a.suffix, wrong)).status, 401, 'the fourth wrong code')
    clock.advance(2_000)
    t.equal((await signIn(ws.a.suffix, wrong)).status, 401, 'the fifth: the code is spent')
    clock.advance(4_000)
    t.equal((await signIn(ws.a.suffix, code)).status, 401, 'the right code after five wrong ones: spent')
    const fresh = await issueCode(ws, ws.a.id)
    clock.advance(8_000)
    t.equal((await signIn(ws.a.suffix, fresh)).status, 303, 'a new code works once the wait is over')
  })
})

t.test("the worker's month: days, due and paid, scope, confirm and dispute", async (t) => {
  const clock = new ManualClock(WORKER_NOW_MS)
  const { api, services, httpUrl: base } = await startTestServer(t, { clock })
  const ws = await registerWorkerSite(api, services, { tag: 'WS2', seed: 1321 })
  const other = await registerWorkerSite(api, services, { tag: 'WS2B', seed: 1331, month: false })
  const P = ws.site.projectId
  const cookieOf = async (workerId: string, suffix: string): Promise<string> => {
    const r = await post(base, `/w/${P}/sign-in`, { idSuffix: suffix, code: await issueCode(ws, workerId) })
    if (!r.cookie) throw new Error(`no session: ${r.status}`)
    return r.cookie
  }
  const a = await cookieOf(ws.a.id, ws.a.suffix)
  const netA = ws.netFen.get(ws.a.id)!
  const netB = ws.netFen.get(ws.b.id)!
  t.ok(netA > PAID_SHORT_FEN, 'the fixture pays worker A short')

  await t.test('without a session: to the worker sign-in; another role: 403', async (t) => {
    t.equal((await get(base, `/w/${P}/me`)).headers.get('location'), `/w/${P}`)
    const lmSession = await post(base, '/pages/sign-in', { login: `lm.WS2`, password: 'correct horse battery staple' })
    const refused = await get(base, `/w/${P}/me`, lmSession.cookie)
    t.equal(refused.status, 403)
    t.notOk(refused.text.includes('张伟'))
  })

  await t.test('this month: the days with first in, last out and hours; the pay months with their states', async (t) => {
    const page = await get(base, `/w/${P}/me`, a)
    t.equal(page.status, 200)
    t.match(page.text, '<meta name="viewport" content="width=device-width, initial-scale=1">')
    t.match(page.text, '2026年11月')
    t.match(page.text, /11月10日 周二<\/th>\s*<td>07:30<\/td>\s*<td>17:30<\/td>\s*<td>10\.0<\/td>/)
    t.match(page.text, /11月11日 周三<span class="day-status">打卡不全<\/span><\/th>\s*<td>07:40<\/td>\s*<td>未打卡<\/td>/)
    t.match(page.text, /2026年11月<\/span>\s*<span class="pay-state">本月未结束，月底后编制工资表/, 'November: the month is still on, no sheet yet')
    t.match(page.text, /2026年10月<\/span>\s*<span class="pay-state">未付足/, 'October: paid short')
    t.match(page.text, `¥${formatYuan(fen(netA))}`)
    t.match(page.text, `¥${formatYuan(fen(PAID_SHORT_FEN))}`)
    t.match(page.text, `¥${formatYuan(fen(netA - PAID_SHORT_FEN))}`, 'what is still owed')
    t.match(page.text, '银行入账 2026-11-10')
    t.match(page.text, '2026年9月', 'back to the entry month')
    t.notOk(page.text.includes('李娜'), "no other worker's name")
  })

  await t.test("October: the confirmed month's days and the payroll line to answer", async (t) => {
    const page = await get(base, `/w/${P}/me?month=2026-10`, a)
    t.match(page.text, /10月12日 周一<\/th>\s*<td>07:30<\/td>\s*<td>17:30<\/td>\s*<td>10\.0<\/td>/)
    t.match(page.text, /10月13日 周二<\/th>\s*<td>07:45<\/td>\s*<td>16:15<\/td>\s*<td>8\.5<\/td>/)
    t.match(page.text, '考勤无误，确认')
    t.match(page.text, `实发 <strong>¥${formatYuan(fen(netA))}</strong>`)
    t.match(page.text, '工资无误，确认')
    // Worker B sees B's own: paid in full.
    const b = await cookieOf(ws.b.id, ws.b.suffix)
    const pb = await get(base, `/w/${P}/me?month=2026-10`, b)
    t.match(pb.text, /2026年10月<\/span>\s*<span class="pay-state">已足额支付/)
    t.match(pb.text, `¥${formatYuan(fen(netB))}`)
    t.notOk(pb.text.includes('张伟'))
  })

  await t.test("scope: another project, or another worker's data, is a 404", async (t) => {
    const elsewhere = await get(base, `/w/${other.site.projectId}/me`, a)
    t.equal(elsewhere.status, 404)
    t.notOk(elsewhere.text.includes(other.projectName))
    const denials = await services.db.all<{ route: string; reason: string; recordIds: string }>({
      text: `SELECT route AS "route", reason AS "reason", record_ids AS "recordIds" FROM access_log WHERE action = 'denied' AND role = 'worker' AND route = '/w/:project/me'`,
      params: [],
    })
    t.match(denials, [{ reason: 'out_of_scope' }], 'the attempt on another project is logged as a denial')
    for (const path of [`/api/projects/${P}/workers/${ws.b.id}/timesheets/2026-10`, `/api/projects/${P}/workers/${ws.b.id}/payroll/2026-10`, `/api/projects/${P}/workers/${ws.b.id}/pay-slip/2026-10`]) {
      const res = await fetch(base + path, { headers: { cookie: a } })
      t.equal(res.status, 404, path)
    }
    t.equal((await fetch(`${base}/api/projects/${P}/workers/${ws.a.id}/timesheets/2026-10`, { headers: { cookie: a } })).status, 200, 'their own: 200')
  })

  await t.test('confirm and dispute: the timesheet and the payroll line, through the workers’ answers', async (t) => {
    const back = (r: Page) => r.headers.get('location')
    const noNote = await post(base, `/w/${P}/me/timesheet-answer`, { month: '2026-10', decision: 'dispute', note: '  ' }, a)
    t.equal(back(noNote), `/w/${P}/me?month=2026-10&notice=note_required`, 'a dispute needs a note')
    const disputed = await post(base, `/w/${P}/me/timesheet-answer`, { month: '2026-10', decision: 'dispute', note: '10月14日下午也在，少算了' }, a)
    t.equal(back(disputed), `/w/${P}/me?month=2026-10&notice=timesheet_dispute`)
    const ts = await api.get<{ answer: { decision: string; channel: string; note: string } }>(`/api/projects/${P}/workers/${ws.a.id}/timesheets/2026-10`)
    t.match(ts.answer, { decision: 'dispute', channel: 'app' })
    const confirmed = await post(base, `/w/${P}/me/payroll-answer`, { month: '2026-10', decision: 'confirm' }, a)
    t.equal(back(confirmed), `/w/${P}/me?month=2026-10&notice=payroll_confirm`)
    const pay = await api.get<{ lines: Array<{ answer: { decision: string; channel: string } | null }> }>(`/api/projects/${P}/workers/${ws.a.id}/payroll/2026-10`)
    t.match(pay.lines[0]?.answer, { decision: 'confirm', channel: 'app' })
    const page = await get(base, `/w/${P}/me?month=2026-10&notice=timesheet_dispute`, a)
    t.match(page.text, '已提交考勤异议')
    t.match(page.text, /您有异议（2026-11-12 10:00）：10月14日下午也在，少算了/)
    t.match(page.text, /您已确认（2026-11-12 10:00）/)
    // A month not confirmed yet has nothing to answer: the service refuses, the page says so.
    t.equal((await post(base, `/w/${P}/me/timesheet-answer`, { month: '2026-11', decision: 'confirm' }, a)).status, 409)
  })

  await t.test('a wage complaint becomes a case on the 7-day clock, closed by the labour manager', async (t) => {
    const empty = await post(base, `/w/${P}/me/complaint`, { month: '2026-10', text: ' ' }, a)
    t.equal(empty.headers.get('location'), `/w/${P}/me?month=2026-10&notice=complaint_text_required`)
    const made = await post(base, `/w/${P}/me/complaint`, { month: '2026-10', text: '十月工资还差250元没发' }, a)
    t.equal(made.headers.get('location'), `/w/${P}/me?month=2026-10&notice=complaint_made`)
    type Case = { caseId: string; kind: string; workerId: string; state: string; severity: string; dueFen: number | null; paidFen: number | null }
    const list = await ws.lm.get<Case[]>(`/api/projects/${P}/cases?month=2026-10`)
    const complaint = list.find((c) => c.kind === 'COMPLAINT')
    t.match(complaint, { workerId: ws.a.id, state: 'open', severity: 'yellow', dueFen: netA, paidFen: PAID_SHORT_FEN }, "the worker's figures on the case")
    t.match((await get(base, `/w/${P}/me?month=2026-10`, a)).text, '已提交，等待受理')
    // A second complaint while it is open is added to the same case.
    await post(base, `/w/${P}/me/complaint`, { month: '2026-10', text: '补充：九月也少了' }, a)
    t.equal((await ws.lm.get<Case[]>(`/api/projects/${P}/cases?month=2026-10`)).filter((c) => c.kind === 'COMPLAINT').length, 1)
    const unpaid = list.find((c) => c.kind !== 'COMPLAINT' && c.workerId === ws.a.id)
    if (unpaid) t.match(await failure(ws.lm.post(`/api/projects/${P}/cases/${unpaid.caseId}/resolve`, { reason: '已补发' })), { status: 409, code: 'flag_case_refused' }, "a run's case is resolved by a run")
    const closed = await ws.lm.post<{ state: string; events: Array<{ type: string; actor: string | null }> }>(`/api/projects/${P}/cases/${complaint!.caseId}/resolve`, { reason: '已于11月12日补发250元' })
    t.equal(closed.state, 'resolved')
    t.same(closed.events.map((e) => e.type), ['opened', 'commented', 'resolved'])
    t.equal(closed.events.at(-1)?.actor, 'lm.WS2')
    t.match((await get(base, `/w/${P}/me?month=2026-10`, a)).text, '已办结')
  })
})
