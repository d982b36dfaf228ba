/**
 * The desk's paperwork pages in a real browser (Chromium, SQLite pass only), one browser for the file:
 *
 * - Roster import: a labour manager opens the desk's import page, is sent to sign in and back, picks a 花名册 with a
 *   problem (the preview lists it and "全部导入" stays disabled), picks the corrected file (the preview has no
 *   problem), imports it and is told what was stored; the roster then holds the workers.
 * - Payroll sheets, cases and sign-in codes: the labour manager approves the sheet a team submitted, acknowledges a
 *   case and then dismisses it with a reason, and issues a worker's sign-in code.
 *
 * axe-core finds no serious or critical violation on each page; screenshots of each.
 */
import t from 'tap'
import iconv from 'iconv-lite'
import type { Page } from 'playwright-core'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { fen } from '../../src/kernel/money.ts'
import { DAY_MS, ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { launchBrowser, screenshotPath, seriousViolations } from './helpers/browser.ts'
import { registerDeskSite } from './helpers/desk-site.ts'
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

const browser = await launchBrowser(t)

t.test('roster import in Chromium', async (t) => {
  const { api, httpUrl: base } = await startTestServer(t, { clock: new ManualClock(NOW_MS) })
  const site = await registerPagesSite(api, { tag: 'DB', seed: 73 })
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

t.test('payroll sheets, cases and sign-in codes in Chromium', async (t) => {
  const { api: admin, httpUrl: base, services } = await startTestServer(t, { clock: new ManualClock(NOW_MS) })
  const d = await registerDeskSite(admin, { tag: 'DX', seed: 77 })
  const P = `/api/projects/${d.site.projectId}`
  const month = '2026-11'
  // November, ended: two days of 张伟's confirmed, and his team's sheet made, sent and submitted by the team.
  for (const day of ['2026-11-09', '2026-11-10']) await admin.post(`${P}/workers/${d.site.workerId}/days/${day}/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })
  await admin.post(`${P}/teams/${d.site.teamId}/timesheets/${month}/confirmation`, { confirmedBy: '劳资员' })
  const sheet = `${P}/teams/${d.site.teamId}/payroll-sheets/${month}`
  await admin.post(sheet, {})
  await admin.post(`${sheet}/send`, {})
  await admin.post(`${sheet}/submit`, {})
  // And a run three days ago that found 李强 not paid.
  await services.cases.onRun({
    runId: 'run-dx-1',
    projectId: d.site.projectId,
    month,
    atMs: NOW_MS - 3 * DAY_MS,
    flags: [{ kind: 'UNPAID', workerId: d.otherWorkerId, payeeCard: null, dueFen: fen(320_000), paidFen: fen(0), evidence: { period: month } }],
  })

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
  t.teardown(() => context.close())
  const page = await context.newPage()
  const problems = watchConsole(page)
  const desk = `${base}/pages/projects/${d.site.projectId}/desk`
  await page.goto(`${desk}/sheets?month=${month}`)
  await page.getByLabel('登录名').fill(d.logins.labourManager)
  await page.getByLabel('密码').fill(PASSWORD)
  await Promise.all([page.waitForURL((u) => u.pathname.endsWith('/desk/sheets')), page.getByRole('button', { name: '登录' }).click()])
  await page.goto(`${desk}/sheets?month=${month}`)

  // The sheet the team submitted: approved from its row.
  const row = page.locator(`tr#team-${d.site.teamId}`)
  t.match(await row.textContent(), /已提交，待审批/)
  t.match(await row.textContent(), /700\.00/)
  t.same(await seriousViolations(page), [], 'axe: the sheets page')
  await Promise.all([page.waitForURL((u) => u.searchParams.get('done') === 'approve'), row.getByRole('button', { name: /审批通过/ }).click()])
  await page.getByRole('status').filter({ hasText: '已审批通过' }).waitFor()
  t.match(await row.textContent(), /已审批/)
  t.equal((await admin.get<{ state: string }>(sheet)).state, 'approved')
  t.same(await seriousViolations(page), [], 'axe: the sheets page after approval')
  await page.screenshot({ path: screenshotPath(t, 'desk-sheets.png'), fullPage: true })

  // The case: acknowledged, then dismissed with a reason.
  await page.getByRole('navigation', { name: '工作台' }).getByRole('link', { name: '预警案件' }).click()
  await page.goto(`${desk}/cases?month=${month}`)
  const card = page.locator('article.case').filter({ hasText: '李强' })
  t.match(await card.textContent(), /待受理/)
  t.match(await card.textContent(), /7 天受理：还剩 4 天/)
  t.same(await seriousViolations(page), [], 'axe: the cases page')
  await Promise.all([page.waitForURL((u) => u.searchParams.get('done') === 'acknowledge'), card.getByRole('button', { name: /^受理/ }).click()])
  t.match(await card.textContent(), /已受理/)
  await page.screenshot({ path: screenshotPath(t, 'desk-cases.png'), fullPage: true })
  await card.getByLabel(/撤销原因/).fill('已现金补发，有签收单')
  await Promise.all([page.waitForURL((u) => u.searchParams.get('done') === 'dismiss'), card.getByRole('button', { name: /^撤销/ }).click()])
  t.match(await card.textContent(), /已撤销/)
  await card.locator('summary').click()
  t.match(await card.locator('.case-history').textContent(), /已现金补发，有签收单/)
  const cases = await admin.get<Array<{ workerId: string; state: string }>>(`${P}/cases?month=${month}`)
  t.equal(cases.find((c) => c.workerId === d.otherWorkerId)?.state, 'dismissed')
  t.same(await seriousViolations(page), [], 'axe: the cases page with a dismissed case and its history open')

  // A sign-in code for 张伟, shown once with the QR code.
  await page.goto(`${desk}/workers`)
  await page.locator(`tr#worker-${d.site.workerId}`).getByRole('button', { name: /发登录码/ }).click()
  await page.locator('#issued-code').waitFor()
  t.match(await page.locator('#issued-code').textContent(), /^\d{6}$/)
  t.ok(await page.locator('.issued-code svg.qr-code').isVisible(), 'the QR code')
  t.same(await seriousViolations(page), [], 'axe: the sign-in codes page with a code')
  await page.screenshot({ path: screenshotPath(t, 'desk-codes.png'), fullPage: true })
  t.same(problems, [], 'no script error')
})
