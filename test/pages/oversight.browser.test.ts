/**
 * The bureau overview in a real browser (Chromium, one for the file): an auditor of 3301 signs in, sees the region's
 * project with its six colours and the incidence chart drawn by ECharts (SVG, no script error, nothing the
 * Content-Security-Policy blocked), opens a colour's rule and evidence with the keyboard, and drills down project →
 * month → team → worker to a punch. axe-core finds no serious or critical violation on any level. Screenshots are
 * taken, and saved to docs/screenshots/ with WL_SAVE_SCREENSHOTS=1 (helpers/browser.ts).
 */
import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { ManualClock } from '../../src/kernel/time.ts'
import { punchTopic } from '../../src/punches/admit.ts'
import { startTestServer } from '../helpers/server.ts'
import { createKey, createLogin, MONTH, postPayoutFile, registerAccessSite } from '../access/helpers/site.ts'
import { launchBrowser, signedInPage, screenshotPath, seriousViolations } from './helpers/browser.ts'
import { PASSWORD } from './helpers/site.ts'

/** 2026-12-03 10:00 in Hangzhou: the month due is 2026-10 (pay day 10). */
const NOW_MS = Date.parse('2026-12-03T02:00:00Z')

async function noSeriousViolations(t: Test, page: Page, what: string): Promise<void> {
  t.same(await seriousViolations(page), [], `${what}: axe finds no serious or critical violation`)
}

t.test('the bureau overview in Chromium', async (t) => {
  const { api, httpUrl: base, services } = await startTestServer(t, { clock: new ManualClock(NOW_MS) })
  const site = await registerAccessSite(api, { tag: 'OB-HZ', regionCode: '330106', bankCode: '103331000017', seed: 71 })
  await registerAccessSite(api, { tag: 'OB-NB', regionCode: '330201', bankCode: '103332000017', seed: 72 })
  await services.inbox.submit({
    topic: punchTopic('OB-HZ', 'GT-OB-HZ'),
    payload: Buffer.from(JSON.stringify({ sn: 'GT-OB-HZ', seq: 1, lane: 1, userId: 'W-OB-HZ', ts: Date.UTC(2026, 9, 12, 0, 30) / 1000, mode: 'face' })),
    clientId: 'GT-OB-HZ',
  })
  const bank = await createKey(api, 'bank 103', 'bank', { bankCode: '103' })
  await postPayoutFile(api.as(bank.key), api, site, 71)
  await createLogin(api, 'auditor.ob', 'auditor', { regionCode: '3301' })

  const browser = await launchBrowser(t)
  const { page, problems } = await signedInPage(t, browser, base, { login: 'auditor.ob', password: PASSWORD })
  await page.goto(`${base}/pages/oversight`)

  await t.test('the overview: the region only, six colours, the chart drawn', async (t) => {
    t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '监管总览')
    t.equal(await page.getByRole('link', { name: '工程 OB-HZ' }).count(), 1)
    t.equal(await page.getByText('工程 OB-NB').count(), 0, "another city's project is not there")
    await page.locator('#incidence-chart svg').waitFor()
    t.ok(await page.locator('#incidence-chart svg path').count() > 0, 'ECharts drew the incidence as SVG')
    t.equal(await page.locator('#incidence-table tbody tr').count(), 12, 'the same figures as a table')
    await noSeriousViolations(t, page, 'overview')
    await page.screenshot({ path: screenshotPath(t, 'oversight.png'), fullPage: true })
  })

  await t.test("a colour's rule and evidence open with the keyboard", async (t) => {
    const summary = page.locator('details.system summary').first()
    await summary.focus()
    await page.keyboard.press('Enter')
    t.ok(await page.locator('details.system').first().evaluate((d) => (d as unknown as { open: boolean }).open), 'opened by Enter')
    t.ok(await page.locator('details.system .system-detail').first().isVisible())
    t.match(await page.locator('details.system .system-detail').first().textContent(), /在场实名登记人数/)
  })

  await t.test('the drill-down: project → month → team → worker → punch', async (t) => {
    await Promise.all([page.waitForURL(/\/pages\/oversight\/projects\/[^/]+$/), page.getByRole('link', { name: '工程 OB-HZ' }).click()])
    await noSeriousViolations(t, page, 'project')
    await Promise.all([page.waitForURL(/\/months\/2026-10$/), page.getByRole('link', { name: MONTH, exact: true }).click()])
    await noSeriousViolations(t, page, 'month')
    await Promise.all([page.waitForURL(/\/teams\//), page.getByRole('link', { name: '钢筋班 OB-HZ' }).click()])
    await noSeriousViolations(t, page, 'team')
    await Promise.all([page.waitForURL(/\/workers\//), page.getByRole('link', { name: '张伟' }).click()])
    await noSeriousViolations(t, page, 'worker')
    t.match(await page.locator('li.punch').first().textContent(), /^08:30:00 in/, "the worker's punch, in Hangzhou time")
    t.match(await page.getByRole('table', { name: '银行代发回单行' }).textContent(), /\*\*\*\*\d{4}/, 'the bank line, card masked')
    await page.screenshot({ path: screenshotPath(t, 'oversight-worker.png'), fullPage: true })
  })

  t.same(problems, [], 'no script error, nothing blocked by the Content-Security-Policy')
})
