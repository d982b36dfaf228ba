/**
 * Roster import in a real browser (Chromium, SQLite pass only): a labour manager opens the desk's import page, is sent
 * to sign in and back, picks a 花名册 with a problem (the preview lists it and "全部导入" stays disabled), picks the
 * corrected file (the preview has no problem), imports it and is told what was stored; the roster then holds the
 * workers. axe-core finds no serious or critical violation on the page with its preview; screenshots of both.
 */
import t from 'tap'
import iconv from 'iconv-lite'
import type { Page } from 'playwright-core'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { launchBrowser, screenshotPath, seriousViolations } from './helpers/browser.ts'
import { PASSWORD, registerPagesSite } from './helpers/site.ts'

const NOW_MS = Date.parse('2026-12-04T02:00:00Z')
const HEADER = '序号,姓名,身份证号,班组,工种,银行卡号,开户行,手机号,进场日期,日工资,安全教育'
const rng = new Rng(71)
const IDS = Array.from({ length: 3 }, (_, i) => idNumber(rng, i + 1))
const NAMES = ['张伟', '李娜', '王强']
const line = (i: number, team = '钢筋班'): string => `${i + 1},${NAMES[i]},${IDS[i]},${team},钢筋工,${cardNumber(i + 1)},中国农业银行,1381234567${i},2026/11/2,350,是`
const csv = (lines: string[]): Buffer => iconv.encode(['西溪安置房二期 农民工花名册', HEADER, ...lines].join('\r\n'), 'gbk')

function watchConsole(page: Page): string[] {
  const problems: string[] = []
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 4\d\d/.test(msg.text())) problems.push(`console: ${msg.text()}`)
  })
  return problems
}

t.test('roster import in Chromium', async (t) => {
  const { api, httpUrl: base } = await startTestServer(t, { clock: new ManualClock(NOW_MS) })
  const site = await registerPagesSite(api, { tag: 'DB', seed: 73 })
  const browser = await launchBrowser(t)
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
  t.teardown(() => context.close())
  const page = await context.newPage()
  const problems = watchConsole(page)

  await page.goto(`${base}/pages/projects/${site.projectId}/desk/roster-import`)
  await page.getByLabel('登录名').fill(site.logins.labourManager)
  await page.getByLabel('密码').fill(PASSWORD)
  await Promise.all([page.waitForURL((u) => u.pathname.endsWith('/desk/roster-import')), page.getByRole('button', { name: '登录' }).click()])
  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '花名册导入')

  // A file with a team the project does not have: listed, and the import stays disabled.
  await page.getByLabel('花名册文件', { exact: true }).setInputFiles({ name: '花名册.csv', mimeType: 'text/csv', buffer: csv([line(0), line(1, '木工班'), line(2)]) })
  await page.getByRole('button', { name: '预览' }).click()
  await page.getByText('1 行有问题，改正前不能导入。').waitFor()
  t.equal(await page.locator('tr.row-problem').count(), 1)
  t.match(await page.locator('tr.row-problem').textContent(), /本项目没有这个班组/)
  t.ok(await page.locator('#import-all').isDisabled(), '全部导入 is disabled while a row has a problem')
  t.same(await seriousViolations(page), [], 'axe: the page with a preview that has problems')
  await page.screenshot({ path: screenshotPath(t, 'desk-roster-import-problems.png'), fullPage: true })

  // The corrected file: no problem, imported in one go.
  await page.getByLabel('花名册文件', { exact: true }).setInputFiles({ name: '花名册.csv', mimeType: 'text/csv', buffer: csv([line(0), line(1), line(2)]) })
  await page.getByRole('button', { name: '预览' }).click()
  await page.getByText('没有问题，可以导入').waitFor()
  t.equal(await page.locator('tr.row-problem').count(), 0)
  t.equal(await page.locator('table.import-preview tbody tr').count(), 3)
  t.match(await page.locator('table.import-preview').textContent(), /张伟/)
  t.same(await seriousViolations(page), [], 'axe: the page with a clean preview')
  await page.screenshot({ path: screenshotPath(t, 'desk-roster-import.png'), fullPage: true })
  await page.getByRole('button', { name: /全部导入/ }).click()
  await page.locator('#import-preview').getByText('导入完成。').waitFor()
  t.match(await page.locator('#import-preview').textContent(), /新登记并进场 3 人/)

  const enrolled = await api.getAll<{ worker: { name: string } }>(`/api/projects/${site.projectId}/enrolments`)
  t.same(enrolled.map((e) => e.worker.name).sort(), [...NAMES].sort())
  t.same(problems, [], 'no script error')
})
