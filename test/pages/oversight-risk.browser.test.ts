/**
 * The bureau's risk pages in a real browser (Chromium, one for the file): an auditor of 3301 goes from the overview to
 * the risk ranking by its link, opens a project's reasons (a <details>, with the keyboard) and reads each with its
 * points, follows the project to its history (the ECharts line drawn from the page's data block), then the month's
 * targets. axe-core finds no serious or critical violation on any of them, and no script error or blocked resource is
 * reported. Screenshots are taken (saved to docs/screenshots/ with WL_SAVE_SCREENSHOTS=1).
 */
import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { createLogin, registerAccessSite } from '../access/helpers/site.ts'
import { launchBrowser, signedInPage, screenshotPath, seriousViolations } from './helpers/browser.ts'
import { PASSWORD } from './helpers/site.ts'

/** Wednesday 2 December 2026, 10:00 in Hangzhou: November has ended. */
const NOW_MS = Date.parse('2026-12-02T02:00:00Z')

async function noSeriousViolations(t: Test, page: Page, what: string): Promise<void> {
  t.same(await seriousViolations(page), [], `${what}: axe finds no serious or critical violation`)
}

t.test("the bureau's risk pages in Chromium", async (t) => {
  const clock = new ManualClock(NOW_MS)
  const { api, httpUrl: base } = await startTestServer(t, { clock })
  const site = await registerAccessSite(api, { tag: 'RB-HZ', regionCode: '330106', bankCode: '103331000017', seed: 83 })
  await api.post('/api/risk/runs', { month: '2026-10' })
  await api.post('/api/risk/runs', { month: '2026-11' })
  await createLogin(api, 'auditor.rb', 'auditor', { regionCode: '3301' })

  const browser = await launchBrowser(t)
  const { page, problems } = await signedInPage(t, browser, base, { login: 'auditor.rb', password: PASSWORD })
  await page.goto(`${base}/pages/oversight`)

  await t.test("from the overview to the ranking; a project's reasons opened with the keyboard", async (t) => {
    await page.getByRole('link', { name: '风险排名' }).click()
    await page.waitForURL(`${base}/pages/oversight/risk`)
    t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '风险排名')
    const row = page.getByRole('row', { name: /工程 RB-HZ/ })
    t.equal(await row.getByRole('cell').first().textContent(), '1', 'ranked first')
    const reason = row.getByText('班组 钢筋班 RB-HZ 2026-10 工资表未编制或考勤未确认')
    t.notOk(await reason.isVisible(), 'the reasons start closed')
    await row.locator('summary').focus()
    await page.keyboard.press('Enter')
    t.ok(await reason.isVisible(), 'opened: the reason in words')
    t.match(await reason.textContent(), /^\+2\.0：/, 'with its points')
    await noSeriousViolations(t, page, 'the risk ranking')
    await page.screenshot({ path: screenshotPath(t, 'oversight-risk.png'), fullPage: true })
  })

  await t.test("the project's history: the line drawn, the months in the table", async (t) => {
    await page.getByRole('link', { name: '工程 RB-HZ', exact: true }).click()
    await page.waitForURL(`${base}/pages/oversight/risk/projects/${site.projectId}`)
    await page.locator('#risk-history-chart svg').waitFor()
    t.equal(await page.getByRole('rowheader', { name: '2026-11' }).count(), 1)
    t.equal(await page.getByRole('rowheader', { name: '2026-10' }).count(), 1)
    await noSeriousViolations(t, page, "a project's history")
    await page.screenshot({ path: screenshotPath(t, 'oversight-risk-project.png'), fullPage: true })
  })

  await t.test("the month's targets", async (t) => {
    await page.getByRole('link', { name: '无欠薪目标' }).click()
    await page.waitForURL(`${base}/pages/oversight/targets`)
    t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '无欠薪目标 · 2026-11')
    t.equal(await page.getByRole('row', { name: /欠薪项目占比/ }).getByText('达标').count(), 1, 'met, in words')
    await noSeriousViolations(t, page, 'the targets')
    await page.screenshot({ path: screenshotPath(t, 'oversight-targets.png'), fullPage: true })
  })

  t.same(problems, [], 'no script error, nothing blocked')
})
