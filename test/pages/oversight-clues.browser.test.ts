/**
 * The bureau's early-warning pages in a real browser (Chromium, one for the file): an auditor of 3301 goes from the
 * overview to the clue board by its link, sees an overdue clue's clock in red and in words, opens the clue with the
 * keyboard and reads its steps and evidence, then the incidents and the credit records. axe-core finds no serious or
 * critical violation on any of them, and no script error or blocked resource is reported. Screenshots are taken (saved
 * to docs/screenshots/ with WL_SAVE_SCREENSHOTS=1).
 */
import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { createLogin, registerAccessSite } from '../access/helpers/site.ts'
import { launchBrowser, signedInPage, screenshotPath, seriousViolations } from './helpers/browser.ts'
import { PASSWORD } from './helpers/site.ts'

/** Friday 27 November 2026, 15:00 in Hangzhou. */
const RECEIVED_MS = Date.parse('2026-11-27T07:00:00Z')

async function noSeriousViolations(t: Test, page: Page, what: string): Promise<void> {
  t.same(await seriousViolations(page), [], `${what}: axe finds no serious or critical violation`)
}

t.test("the bureau's clue board in Chromium", async (t) => {
  const clock = new ManualClock(RECEIVED_MS)
  const { api, httpUrl: base, services } = await startTestServer(t, { clock })
  const site = await registerAccessSite(api, { tag: 'CB-HZ', regionCode: '330106', bankCode: '103331000017', seed: 81 })
  const late = await api.post<{ clue: { id: string } }>('/api/clues', { channel: 'hotline_12333', projectId: site.projectId, workerId: site.workerId, month: '2026-10', summary: '十月工资没发', headcount: 3, amountFen: 1_200_000, externalRef: 'T-81' })
  await api.post(`/api/clues/${late.clue.id}/steps`, { type: 'checked', cause: 'illegal_contracting', note: '劳务分包无资质' })
  await api.post(`/api/clues/${late.clue.id}/steps`, { type: 'linked', caseRef: '住建执法 2026-118', note: '一案双查' })
  clock.set(Date.parse('2026-12-03T02:00:00Z'))
  await api.post('/api/clues', { channel: 'hotline_12333', projectId: site.projectId, summary: '班组12人没发工资', headcount: 12, amountFen: 36_000_000 })
  clock.set(Date.parse('2026-12-05T02:00:00Z'))
  await services.clues.tick()
  await createLogin(api, 'auditor.cb', 'auditor', { regionCode: '3301' })

  const browser = await launchBrowser(t)
  const { page, problems } = await signedInPage(t, browser, base, { login: 'auditor.cb', password: PASSWORD })
  await page.goto(`${base}/pages/oversight`)

  await t.test('from the overview to the board: the overdue clock in red and in words', async (t) => {
    await page.getByRole('link', { name: '欠薪线索' }).click()
    await page.waitForURL(`${base}/pages/oversight/clues`)
    t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '欠薪线索')
    const red = page.locator('.light-red', { hasText: '转办（7 天）：已逾期 1 天' })
    t.equal(await red.count(), 1, 'the late clue: one day overdue')
    t.equal(await page.locator('.light-green', { hasText: '剩 5 天' }).count(), 1, 'the group clue: five days left')
    await noSeriousViolations(t, page, 'the clue board')
    await page.screenshot({ path: screenshotPath(t, 'oversight-clues.png'), fullPage: true })
  })

  await t.test("a clue opened with the keyboard: steps, 一案双查, evidence", async (t) => {
    await page.getByRole('link', { name: '2026-11-27 15:00' }).focus()
    await page.keyboard.press('Enter')
    await page.waitForURL(`${base}/pages/oversight/clues/${late.clue.id}`)
    t.equal(await page.getByRole('cell', { name: '一案双查：关联违法发包案件' }).count(), 1)
    t.equal(await page.getByRole('cell', { name: '住建执法 2026-118：一案双查' }).count(), 1)
    t.equal(await page.getByRole('cell', { name: '超时督办' }).count(), 1)
    t.equal(await page.getByRole('heading', { name: '台账证据' }).count(), 1)
    await noSeriousViolations(t, page, "a clue's page")
    await page.screenshot({ path: screenshotPath(t, 'oversight-clue.png'), fullPage: true })
  })

  await t.test('incidents and credit records', async (t) => {
    await page.goto(`${base}/pages/oversight/incidents`)
    t.equal(await page.locator('.light-red', { hasText: '未报告' }).count(), 1, 'the group incident is past its 2 hours')
    await noSeriousViolations(t, page, 'the incidents')
    await page.screenshot({ path: screenshotPath(t, 'oversight-incidents.png'), fullPage: true })
    await page.getByRole('link', { name: '信用记录' }).click()
    await page.waitForURL(`${base}/pages/oversight/credit-records`)
    t.equal(await page.getByText('没有信用记录').count(), 1)
    await noSeriousViolations(t, page, 'the credit records')
  })

  t.same(problems, [], 'no script error, nothing blocked')
})
