/**
 * The pages over plain HTTP (issue 13): sign-in by form sets the API's session cookie and goes back to the page asked
 * for; a page without a session sends the browser to sign in; the rights board carries the project's facts, "未登记"
 * where the ledger records none, and a QR code of the worker page's link; a labour manager of another contractor gets
 * a 404 page without the project's name (so do an auditor of another city and a team manager without a team there),
 * a role that may not see the board a 403 page; the kiosk board is public and carries no personal data; what a
 * template prints from the ledger is escaped; the assets are local, with ETags.
 * The browser test (rights-board.browser.test.ts) drives the same pages in Chromium.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { PASSWORD, registerPagesSite } from './helpers/site.ts'

/** 2024-06-15 10:00 in Hangzhou: a date whose minimum wage the ledger's Zhejiang table names (杭州市区, tier 1). */
const NOW_MS = Date.parse('2024-06-15T02:00:00Z')

interface Page {
  status: number
  headers: Headers
  text: string
}

async function get(base: string, path: string, cookie?: string, headers: Record<string, string> = {}): Promise<Page> {
  // As a browser's navigation asks: a script that does not ask for HTML gets the API's JSON errors.
  const res = await fetch(base + path, { redirect: 'manual', headers: { accept: 'text/html,*/*;q=0.8', ...headers, ...(cookie ? { cookie } : {}) } })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

async function signIn(base: string, login: string, password: string, next?: string): Promise<Page & { cookie?: string }> {
  const body = new URLSearchParams({ login, password, ...(next ? { next } : {}) })
  const res = await fetch(`${base}/pages/sign-in`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html' }, body })
  const setCookie = res.headers.get('set-cookie') ?? ''
  const m = /^(wl_session=[^;]+)/.exec(setCookie)
  return { status: res.status, headers: res.headers, text: await res.text(), cookie: m?.[1] }
}

t.test('pages: sign-in, the rights board, scope and the kiosk', async (t) => {
  const { api, httpUrl: base } = await startTestServer(t, { clock: new ManualClock(NOW_MS) })
  const site = await registerPagesSite(api, { tag: 'PH', seed: 41, projectName: '西溪<安置房>&二期' })
  const boardPath = `/pages/projects/${site.projectId}/rights-board`

  await t.test('a page without a session sends the browser to sign in, and back afterwards', async (t) => {
    const res = await get(base, boardPath)
    t.equal(res.status, 303)
    t.equal(res.headers.get('location'), `/pages/sign-in?next=${encodeURIComponent(boardPath)}`)
    const form = await get(base, res.headers.get('location')!)
    t.equal(form.status, 200)
    t.match(form.text, /<html lang="zh-CN">/)
    t.match(form.text, /<label for="login">登录名<\/label>/)
    t.match(form.text, new RegExp(`name="next" value="${boardPath}"`), 'the form carries where to go next')
  })

  await t.test('sign-in: a wrong password is refused on the form; the right one sets the session cookie and goes on', async (t) => {
    const wrong = await signIn(base, site.logins.labourManager, 'not the password', boardPath)
    t.equal(wrong.status, 401)
    t.notOk(wrong.cookie, 'no cookie for a wrong password')
    t.match(wrong.text, /role="alert"[^>]*>登录名或密码错误/)
    t.match(wrong.text, new RegExp(`value="${site.logins.labourManager}"`), 'the login is kept in the form, the password is not')

    const ok = await signIn(base, site.logins.labourManager, PASSWORD, boardPath)
    t.equal(ok.status, 303)
    t.equal(ok.headers.get('location'), boardPath)
    t.match(ok.headers.get('set-cookie'), /HttpOnly/i)
    t.match(ok.headers.get('set-cookie'), /Secure/i)
    t.match(ok.headers.get('set-cookie'), /SameSite=Strict/i)

    // Another site as the next page is not followed (an open redirect); nor is a protocol-relative one.
    for (const next of ['https://evil.example/', '//evil.example/pages/', '/pages/\\evil']) {
      t.equal((await signIn(base, site.logins.labourManager, PASSWORD, next)).headers.get('location'), '/pages/', `next=${next} goes home instead`)
    }
  })

  const lm = (await signIn(base, site.logins.labourManager, PASSWORD)).cookie!

  await t.test('the rights board: the facts, 未登记 where none is recorded, the QR code and its link', async (t) => {
    const res = await get(base, boardPath, lm)
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type'), /^text\/html; charset=utf-8/)
    t.match(res.headers.get('content-security-policy'), /default-src 'none'/)
    t.equal(res.headers.get('cache-control'), 'no-store')
    const html = res.text
    t.ok(html.includes('西溪&lt;安置房&gt;&amp;二期'), 'the project name, escaped')
    t.notOk(html.includes('西溪<安置房>'), 'never raw')
    t.ok(html.includes(site.generalContractorName), 'the general contractor')
    t.ok(html.includes(site.constructionUnitName), 'the construction unit')
    t.ok(html.includes('每月15日前支付上月工资'), 'the pay day')
    t.ok(html.includes('中国农业银行杭州西湖支行'), "the dedicated account's bank")
    t.ok(html.includes('月最低工资 2280.00 元；非全日制每小时 22.00 元'), "Hangzhou's minimum wage in force on the day")
    t.match(html, /data-fact="labour_manager">\s*<dt>劳资专管员<\/dt>\s*<dd><span class="value">未登记/, 'the labour manager: not recorded, and said so')
    t.match(html, /<span class="phone">12333<\/span>/)
    t.match(html, /<span class="phone">12345<\/span>/)
    const workerUrl = `${base}/w/${site.projectId}`
    t.match(html, /<div class="qr" role="img" aria-label="[^"]+"><svg aria-hidden="true"[^>]*class="qr-code"[^>]*viewBox=/, 'the QR code, inline SVG with a label')
    t.ok(html.includes(`<a href="${workerUrl}">${workerUrl}</a>`), 'the link the QR code encodes, printed')
    t.notOk(html.includes('19045101040'), 'no account number on the board')
  })

  await t.test('scope: another contractor’s labour manager gets a 404 page, a bank a 403 page; neither sees the project', async (t) => {
    const other = (await signIn(base, site.logins.otherLabourManager, PASSWORD)).cookie!
    const res = await get(base, boardPath, other)
    t.equal(res.status, 404)
    t.match(res.text, /找不到此页面，或它不在您的权限范围内/)
    t.notOk(res.text.includes('西溪'), 'no project name')
    t.notOk(res.text.includes(site.generalContractorName), 'no contractor')
    // Their own project is fine.
    t.equal((await get(base, `/pages/projects/${site.otherProjectId}/rights-board`, other)).status, 200)

    const bank = (await signIn(base, site.logins.bank, PASSWORD)).cookie!
    const refused = await get(base, boardPath, bank)
    t.equal(refused.status, 403)
    t.match(refused.text, /role_forbidden/)
    t.notOk(refused.text.includes('西溪'))

    const auditor = (await signIn(base, site.logins.auditor, PASSWORD)).cookie!
    t.equal((await get(base, boardPath, auditor)).status, 200, 'an auditor of the region sees it')
    const otherAuditor = (await signIn(base, site.logins.otherAuditor, PASSWORD)).cookie!
    t.equal((await get(base, boardPath, otherAuditor)).status, 404, "another city's auditor does not")
    const tm = (await signIn(base, site.logins.teamManager, PASSWORD)).cookie!
    t.equal((await get(base, boardPath, tm)).status, 200, 'a team manager whose organisation has a team on the project sees it')
    t.equal((await get(base, `/pages/projects/${site.otherProjectId}/rights-board`, tm)).status, 404, 'not a project without their team')
  })

  await t.test('home: the projects in scope, each with its boards', async (t) => {
    const res = await get(base, '/pages/', lm)
    t.equal(res.status, 200)
    t.ok(res.text.includes(`href="${boardPath}"`))
    t.notOk(res.text.includes(site.otherProjectName), 'not the other contractor’s project')
  })

  await t.test('the kiosk board is public, by project id, and carries no personal data', async (t) => {
    const res = await get(base, `/kiosk/${site.projectId}/rights-board`)
    t.equal(res.status, 200)
    t.match(res.text, /<body class="kiosk">/)
    t.match(res.text, /hx-trigger="every 600s"/, 'it refreshes itself')
    t.ok(res.text.includes(site.generalContractorName))
    t.notOk(res.text.includes('退出登录'), 'no account controls')
    t.equal((await get(base, '/kiosk/0190f0f0-0000-7000-8000-000000000000/rights-board')).status, 404, 'an unknown project: 404')
  })

  await t.test('sign-out ends the session', async (t) => {
    const s = (await signIn(base, site.logins.labourManager, PASSWORD)).cookie!
    const out = await fetch(`${base}/pages/sign-out`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', cookie: s } })
    t.equal(out.status, 303)
    t.equal((await get(base, boardPath, s)).status, 303, 'the old cookie sends to sign-in again')
  })

  await t.test('assets are served locally with an ETag; the API does not take form bodies', async (t) => {
    for (const name of ['pages.css', 'pages.js', 'htmx.min.js']) {
      const res = await get(base, `/assets/${name}`)
      t.equal(res.status, 200, name)
      const etag = res.headers.get('etag')!
      t.equal((await get(base, `/assets/${name}`, undefined, { 'if-none-match': etag })).status, 304, `${name}: 304 when unchanged`)
    }
    t.equal((await get(base, '/assets/..%2Fpackage.json')).status, 404)
    // A script asking a page gets the API's errors: 401 unauthenticated, 403 role_forbidden, as JSON.
    const script = await fetch(base + boardPath)
    t.equal(script.status, 401)
    t.match(await script.json(), { error: { code: 'unauthenticated' } })
    const form = await fetch(`${base}/api/session`, { method: 'POST', body: new URLSearchParams({ login: 'x', password: 'y' }) })
    t.equal(form.status, 415, 'form bodies are parsed for pages only')
  })
})
