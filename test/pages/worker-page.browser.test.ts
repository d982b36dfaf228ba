/**
 * The worker's own page on a phone (Chromium at 390 × 844, touch, WeChat's user agent): the worker opens the rights
 * board's QR link, signs in with the last six of their ID and the code the labour manager issued, sees this month's
 * days and the pay months (October paid short, with the bank's date), goes to October and disputes the timesheet with
 * a note, which is recorded as given through WeChat. axe-core finds no serious or critical violation on any of these
 * pages; nothing is wider than the screen; the buttons are big enough for a thumb. Screenshots are taken and saved to
 * docs/screenshots/ with WL_SAVE_SCREENSHOTS=1 (helpers/browser.ts).
 */
import t from 'tap'
import type { Page } from 'playwright-core'
import { formatYuan, fen } from '../../src/kernel/money.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { maskIdNumber } from '../../src/roster/identity.ts'
import { startTestServer } from '../helpers/server.ts'
import { launchBrowser, screenshotPath, seriousViolations } from './helpers/browser.ts'
import { issueCode, PAID_SHORT_FEN, registerWorkerSite, WORKER_NOW_MS } from './helpers/worker-site.ts'

/** WeChat's browser on Android, as its user agent reads (the answer's channel is wechat). */
const WECHAT_UA =
  'Mozilla/5.0 (Linux; Android 13; V2219A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5049 MMWEBSDK/20230303 MMWEBID/1234 MicroMessenger/8.0.34.2340(0x28002237) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64'

/** The smallest touch target the page allows itself (WCAG 2.5.5 asks 44 × 44 CSS px). */
const TOUCH_PX_MIN = 44

async function fitsTheScreen(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement
    return d.scrollWidth <= d.clientWidth
  })
}

t.test("the worker's own page on a phone", async (t) => {
  const { api, services, httpUrl: base } = await startTestServer(t, { clock: new ManualClock(WORKER_NOW_MS) })
  const ws = await registerWorkerSite(api, services, { tag: 'WB', seed: 1401 })
  const P = ws.site.projectId
  const browser = await launchBrowser(t)
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, userAgent: WECHAT_UA, locale: 'zh-CN' })
  t.teardown(() => context.close())
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`)
  })

  // The link the rights board's QR code carries.
  const board = await api.fetch(`/kiosk/${P}/rights-board`)
  const qrLink = `${base}/w/${P}`
  t.ok((await board.text()).includes(`/w/${P}`), "the board's QR link is this page")

  await page.goto(qrLink)
  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '查工资 · 工人登录')
  t.same(await seriousViolations(page), [], 'sign-in: axe finds no serious or critical violation')
  t.ok(await fitsTheScreen(page), 'sign-in: nothing wider than the phone')
  await page.screenshot({ path: screenshotPath(t, 'worker-sign-in.png'), fullPage: true })

  const code = await issueCode(ws, ws.a.id)
  await page.getByLabel('身份证号后六位').fill(ws.a.suffix)
  await page.getByLabel('验证码').fill(code)
  await Promise.all([page.waitForURL(`${base}/w/${P}/me`), page.getByRole('button', { name: '登录' }).tap()])

  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '张伟 · 2026年11月')
  t.equal(await page.locator('.id-masked').textContent(), maskIdNumber(ws.a.idNumber), 'the masked ID')
  t.equal(await page.locator('table.days tbody tr').count(), 2, "November's two days so far")
  const october = page.locator('.pay-month', { hasText: '2026年10月' })
  t.equal(await october.locator('.pay-state').textContent(), '未付足')
  t.match(await october.textContent(), `¥${formatYuan(fen(PAID_SHORT_FEN))}`)
  t.match(await october.textContent(), '银行入账 2026-11-10')
  t.same(await seriousViolations(page), [], 'the month: axe finds no serious or critical violation')
  t.ok(await fitsTheScreen(page), 'the month: nothing wider than the phone')
  await page.screenshot({ path: screenshotPath(t, 'worker-month.png'), fullPage: true })

  await Promise.all([page.waitForURL(`${base}/w/${P}/me?month=2026-10`), page.getByRole('link', { name: '‹ 上个月' }).tap()])
  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '张伟 · 2026年10月')
  for (const name of ['考勤无误，确认', '提出考勤异议', '工资无误，确认', '提出工资异议']) {
    const box = await page.getByRole('button', { name }).boundingBox()
    t.ok(box && box.height >= TOUCH_PX_MIN && box.width >= TOUCH_PX_MIN, `${name}: a target for a thumb (${box?.width ?? 0} × ${box?.height ?? 0})`)
  }
  await page.getByLabel('考勤有误？写明哪天、哪里不对').fill('10月14日下午也在，少算了半天')
  await Promise.all([page.waitForURL(/notice=timesheet_dispute/), page.getByRole('button', { name: '提出考勤异议' }).tap()])
  t.equal(await page.getByRole('status').textContent(), '已提交考勤异议，劳资专管员会联系您核实。')
  t.match(await page.locator('.answer-dispute').first().textContent(), '10月14日下午也在，少算了半天')
  t.same(await seriousViolations(page), [], 'after the dispute: axe finds no serious or critical violation')
  await page.screenshot({ path: screenshotPath(t, 'worker-dispute.png'), fullPage: true })

  const recorded = await api.get<{ answer: { decision: string; channel: string; note: string } }>(`/api/projects/${P}/workers/${ws.a.id}/timesheets/2026-10`)
  t.match(recorded.answer, { decision: 'dispute', channel: 'wechat', note: '10月14日下午也在，少算了半天' }, "recorded through the timesheet service, as given in WeChat's browser")
  t.same(problems, [], 'no script error or blocked resource')
})
