/**
 * The rights board in a real browser (Chromium, one for the file): a labour manager opens the board, is sent to sign
 * in, signs in with the keyboard alone and lands on it; the board shows the project's facts and the QR code with the
 * link it encodes printed; it prints on one A4 sheet (and one A3 sheet with ?paper=a3); the full-screen kiosk board
 * opens without signing in; axe-core finds no serious or critical violation on any of these pages; another
 * contractor's labour manager gets none of the data. Screenshots of each page are taken, and saved to
 * docs/screenshots/ with WL_SAVE_SCREENSHOTS=1 (helpers/browser.ts).
 */
import t, { type Test } from 'tap'
import type { Browser, Page } from 'playwright-core'
import { startTestServer } from '../helpers/server.ts'
import { launchBrowser, screenshotPath, seriousViolations } from './helpers/browser.ts'
import { PASSWORD, registerPagesSite } from './helpers/site.ts'

/** Page sizes in PDF points (1/72 in): A4 210 × 297 mm, A3 297 × 420 mm. */
const A4_PT = { width: 595.3, height: 841.9 }
const A3_PT = { width: 841.9, height: 1190.6 }

/** The pages of a PDF Chromium printed, with each page's size (from its MediaBox). */
function pdfPages(pdf: Buffer): Array<{ width: number; height: number }> {
  const text = pdf.toString('latin1')
  const pages = text.match(/\/Type\s*\/Page(?![s\w])[\s\S]*?\/MediaBox\s*\[([^\]]+)\]/g) ?? []
  return pages.map((p) => {
    const box = /\/MediaBox\s*\[([^\]]+)\]/.exec(p)![1]!.trim().split(/\s+/).map(Number)
    return { width: box[2]! - box[0]!, height: box[3]! - box[1]! }
  })
}

async function noSeriousViolations(t: Test, page: Page, what: string): Promise<void> {
  const violations = await seriousViolations(page)
  t.same(violations, [], `${what}: axe finds no serious or critical violation`)
}

/** Errors the page reports (a script error, a resource the Content-Security-Policy blocked), as they happen. */
function watchConsole(page: Page): string[] {
  const problems: string[] = []
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`)
  })
  return problems
}

async function signIn(page: Page, login: string): Promise<void> {
  await page.getByLabel('登录名').fill(login)
  await page.getByLabel('密码').fill(PASSWORD)
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/pages/sign-in')), page.getByRole('button', { name: '登录' }).click()])
}

t.test('the rights board in Chromium', async (t) => {
  const { api, httpUrl: base } = await startTestServer(t)
  const site = await registerPagesSite(api, { tag: 'BR', seed: 77 })
  const browser: Browser = await launchBrowser(t)
  const boardUrl = `${base}/pages/projects/${site.projectId}/rights-board`
  const workerUrl = `${base}/w/${site.projectId}`

  await t.test('a labour manager signs in with the keyboard and sees the board', async (t) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
    t.teardown(() => context.close())
    const page = await context.newPage()
    const problems = watchConsole(page)

    await page.goto(boardUrl)
    t.equal(new URL(page.url()).pathname, '/pages/sign-in', 'no session: sent to sign in')
    t.equal(await page.getAttribute('html', 'lang'), 'zh-CN')
    await noSeriousViolations(t, page, 'sign-in')
    await page.screenshot({ path: screenshotPath(t, 'sign-in.png') })

    // Keyboard only: the login field has the focus, Tab to the password, Enter submits.
    t.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id), 'login', 'the login field has the focus')
    await page.keyboard.type(site.logins.labourManager)
    await page.keyboard.press('Tab')
    await page.keyboard.type(PASSWORD)
    await Promise.all([page.waitForURL(boardUrl), page.keyboard.press('Enter')])
    t.equal(page.url(), boardUrl, 'back on the board after signing in')

    await t.test('the facts and the QR code', async (t) => {
      t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '农民工维权信息告示牌')
      const fact = (key: string) => page.locator(`[data-fact="${key}"] .value`).textContent()
      t.equal(await fact('project'), site.projectName)
      t.equal(await fact('general_contractor'), site.generalContractorName)
      t.equal(await fact('construction_unit'), site.constructionUnitName)
      t.equal(await fact('pay_day'), '每月15日前支付上月工资')
      t.equal(await fact('account_bank'), '中国农业银行杭州西湖支行')
      t.equal(await fact('labour_manager'), '未登记')
      t.equal(await fact('labour_manager_phone'), '未登记')
      t.ok(await fact('minimum_wage'), 'the minimum wage, or 未登记 where the ledger has no figure for today')
      const phones = await page.locator('.channel .phone').allTextContents()
      t.same(phones.slice(0, 2), ['12333', '12345'])
      const qr = page.getByRole('img', { name: /二维码/ })
      t.equal(await qr.locator('svg path').count() > 0, true, 'the QR code is an inline SVG')
      const box = await qr.boundingBox()
      t.ok(box && box.width >= 150 && box.height >= 150, 'large enough to scan')
      t.equal(await page.locator('.qr-url a').textContent(), workerUrl, 'the link it encodes is printed')
      await noSeriousViolations(t, page, 'board')
      await page.screenshot({ path: screenshotPath(t, 'rights-board.png'), fullPage: true })
    })

    await t.test('printed: one A4 sheet, the board alone', async (t) => {
      await page.emulateMedia({ media: 'print' })
      t.equal(await page.locator('.toolbar').isVisible(), false, 'no toolbar on paper')
      t.equal(await page.locator('.site-header').isVisible(), false, 'no header on paper')
      await page.setViewportSize({ width: 794, height: 1123 }) // A4 at 96 dpi, for the screenshot
      await page.screenshot({ path: screenshotPath(t, 'rights-board-print-a4.png'), fullPage: true })
      const pages = pdfPages(await page.pdf({ preferCSSPageSize: true, printBackground: true }))
      t.equal(pages.length, 1, 'one sheet')
      t.ok(Math.abs(pages[0]!.width - A4_PT.width) < 2 && Math.abs(pages[0]!.height - A4_PT.height) < 2, `A4 portrait (${JSON.stringify(pages[0])})`)
      await page.emulateMedia({ media: 'screen' })
    })

    await t.test('printed on A3 with ?paper=a3: one A3 sheet', async (t) => {
      await page.goto(`${boardUrl}?paper=a3`)
      const pages = pdfPages(await page.pdf({ preferCSSPageSize: true, printBackground: true }))
      t.equal(pages.length, 1, 'one sheet')
      t.ok(Math.abs(pages[0]!.width - A3_PT.width) < 2 && Math.abs(pages[0]!.height - A3_PT.height) < 2, `A3 portrait (${JSON.stringify(pages[0])})`)
    })

    await t.test('the labour manager registers the board’s contacts from the board, and the board names them', async (t) => {
      await page.goto(boardUrl)
      await Promise.all([page.waitForURL(`${boardUrl}/contacts`), page.getByRole('link', { name: '登记劳资专管员和投诉电话' }).click()])
      await noSeriousViolations(t, page, 'contacts')
      await page.getByLabel('劳资专管员姓名').fill('王建国')
      await page.getByLabel('劳资专管员电话').fill('138 0000 1111')
      await page.getByLabel('当地投诉机构（选填）').fill('西湖区劳动保障监察大队')
      await page.getByLabel('当地投诉电话（选填）').fill('0571-85101234')
      await page.getByLabel('登记原因').fill('项目开工登记')
      await Promise.all([page.waitForURL(/\/contacts\?saved=1$/), page.getByRole('button', { name: '登记' }).click()])
      t.match(await page.getByRole('status').textContent(), /已登记/)
      t.match(await page.locator('table.list tbody').textContent(), /王建国13800001111西湖区劳动保障监察大队 0571-85101234项目开工登记/)
      await page.screenshot({ path: screenshotPath(t, 'rights-board-contacts.png'), fullPage: true })
      await page.goto(boardUrl)
      t.equal(await page.locator('[data-fact="labour_manager"] .value').textContent(), '王建国')
      t.equal(await page.locator('[data-fact="labour_manager_phone"] .value').textContent(), '13800001111')
      t.ok((await page.locator('.channel .phone').allTextContents()).includes('0571-85101234'), 'the local line on the board')
    })
    t.same(problems, [], 'no script error or CSP violation in the console')
  })

  await t.test('the kiosk board opens full screen without signing in', async (t) => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' })
    t.teardown(() => context.close())
    const page = await context.newPage()
    const problems = watchConsole(page)
    const kioskUrl = `${base}/kiosk/${site.projectId}/rights-board`
    // The page's timers run on playwright's clock, moved on by hand below: the refresh is tested without waiting.
    await page.clock.install()
    await page.goto(kioskUrl)
    t.equal(new URL(page.url()).pathname, `/kiosk/${site.projectId}/rights-board`, 'no sign-in')
    t.equal(await page.locator('[data-fact="general_contractor"] .value').textContent(), site.generalContractorName)
    t.equal(await page.locator('.qr-url a').textContent(), workerUrl)
    t.equal(await page.locator('.site-header').count(), 0, 'nothing but the board')
    await noSeriousViolations(t, page, 'kiosk')
    await page.screenshot({ path: screenshotPath(t, 'rights-board-kiosk.png') })

    // Ten minutes on, htmx asks for the board again and puts the new one in place, still set to refresh.
    const refreshed = page.waitForResponse((r) => r.url() === kioskUrl && r.request().headers()['hx-request'] === 'true')
    await page.clock.fastForward('10:01')
    t.equal((await refreshed).status(), 200, 'the board was fetched again')
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll: (s: string) => { length: number } } }).document.querySelectorAll('#board[hx-get]').length === 1)
    t.equal(await page.locator('[data-fact="general_contractor"] .value').textContent(), site.generalContractorName, 'the board is still there after the swap')
    t.same(problems, [], 'no script error or CSP violation in the console')
  })

  await t.test("another contractor's labour manager gets none of the data", async (t) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
    t.teardown(() => context.close())
    const page = await context.newPage()
    await page.goto(boardUrl)
    await signIn(page, site.logins.otherLabourManager)
    t.equal(page.url(), boardUrl)
    const body = (await page.locator('body').textContent()) ?? ''
    t.match(body, /找不到此页面，或它不在您的权限范围内/)
    for (const secret of [site.projectName, site.generalContractorName, site.constructionUnitName, '中国农业银行', workerUrl]) t.notOk(body.includes(secret), `not shown: ${secret}`)
    t.equal(await page.locator('.qr').count(), 0, 'no QR code')
    await noSeriousViolations(t, page, 'not found')
  })
})
