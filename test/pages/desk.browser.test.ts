/**
 * The labour manager's desk in a real browser (Chromium, SQLite): the labour manager opens today on site, the list
 * goes live (server-sent events), and when the gate publishes a punch over MQTT (the embedded broker, the device's
 * own credentials) 张伟's row turns to 已离场 without a reload. Then the review queue: the open day of October is
 * fixed in place (the form is sent by desk.js and its day replaced, the page not left), and the month confirmed.
 * Devices and rejected inputs are shown. axe-core finds no serious or critical violation on any of them; nothing is
 * blocked by the Content-Security-Policy. Screenshots are saved to docs/screenshots/ with WL_SAVE_SCREENSHOTS=1.
 */
import t, { type Test } from 'tap'
import mqtt from 'mqtt'
import type { Page } from 'playwright-core'
import { ManualClock } from '../../src/kernel/time.ts'
import { settled, startTestServer } from '../helpers/server.ts'
import { launchBrowser, signedInPage, screenshotPath, seriousViolations } from './helpers/browser.ts'
import { DESK_NOW_MS, gateFrame, registerDeskSite, REVIEW_DAY, REVIEW_MONTH, seedDeskPunches } from './helpers/desk-site.ts'
import { PASSWORD } from './helpers/site.ts'

async function noSeriousViolations(t: Test, page: Page, what: string): Promise<void> {
  t.same(await seriousViolations(page), [], `${what}: axe finds no serious or critical violation`)
}

t.test('the desk in Chromium', async (t) => {
  const server = await startTestServer(t, { clock: new ManualClock(DESK_NOW_MS) })
  const { api, httpUrl: base, services } = server
  const d = await registerDeskSite(api, { tag: 'DB', seed: 81 })
  await seedDeskPunches(services, d)
  await settled(server)
  const desk = `/pages/projects/${d.site.projectId}/desk`

  const browser = await launchBrowser(t)
  const { page, problems } = await signedInPage(t, browser, base, { login: d.logins.labourManager, password: PASSWORD, viewport: { width: 1280, height: 900 } })

  await t.test('today on site goes live, and a punch over MQTT updates it', async (t) => {
    await page.goto(base + desk)
    t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '劳资工作台')
    const row = page.locator('tr', { has: page.getByRole('rowheader', { name: '张伟' }) })
    t.equal(await row.locator('td').first().textContent(), '在场')
    await page.getByText('实时更新中').waitFor({ timeout: 60_000 })
    await noSeriousViolations(t, page, 'today on site')
    await page.screenshot({ path: screenshotPath(t, 'desk-on-site.png'), fullPage: true })

    // The gate, as on site: its own MQTT credentials, a QoS 1 publish acknowledged after the commit.
    const issued = await api.post<{ mqtt: { username: string; password: string; clientId: string; punchTopic: string } }>(`/api/projects/${d.site.projectId}/devices/${d.site.deviceId}/credentials`, {})
    const gate = await mqtt.connectAsync(server.mqttUrl, { clientId: issued.mqtt.clientId, username: issued.mqtt.username, password: issued.mqtt.password, reconnectPeriod: 0 })
    t.teardown(() => gate.endAsync())
    await gate.publishAsync(issued.mqtt.punchTopic, gateFrame(d.serial, 10, 2, DESK_NOW_MS - 60_000, { userId: `W-${d.tag}` }), { qos: 1 })

    await row.locator('td', { hasText: '已离场' }).waitFor({ timeout: 60_000 })
    t.equal(await row.locator('td').first().textContent(), '已离场', '张伟 is out, without a reload')
    t.match(await page.locator('.on-site-summary').textContent(), /在场 1 人/)
    await page.screenshot({ path: screenshotPath(t, 'desk-on-site-live.png'), fullPage: true })
  })

  await t.test('the review queue: a day fixed in place, then the month confirmed', async (t) => {
    await page.goto(`${base}${desk}/review?month=${REVIEW_MONTH}`)
    const day = page.locator(`#day-${d.site.workerId}-${REVIEW_DAY}`)
    t.match(await day.locator('h3').textContent(), /张伟 · 2026-10-12 · 缺卡/)
    await noSeriousViolations(t, page, 'review queue')
    await page.screenshot({ path: screenshotPath(t, 'desk-review.png'), fullPage: true })

    const url = page.url()
    await day.getByLabel('更正方式').selectOption('add_punch')
    await day.getByLabel('补卡时间（时:分）').fill('17:30')
    await day.getByLabel('进 / 出').selectOption('out')
    await day.getByLabel('更正原因（必填）').fill('闸机故障，班组长证明 17:30 离场')
    await day.getByRole('button', { name: '保存更正' }).click()
    const fixed = page.locator(`#day-${d.site.workerId}-${REVIEW_DAY}`)
    await fixed.getByText('更正已保存').waitFor({ timeout: 60_000 })
    t.equal(page.url(), url, 'the page was not left')
    t.match(await fixed.locator('h3').textContent(), /出勤\s*已更正/)
    t.equal(await fixed.locator('form').count(), 0, 'the day needs no more review: no form')
    await page.screenshot({ path: screenshotPath(t, 'desk-review-fixed.png'), fullPage: true })

    await Promise.all([page.waitForURL(/notice=confirmed/), page.getByRole('button', { name: `确认钢筋班 ${d.tag} ${REVIEW_MONTH} 考勤` }).click()])
    t.equal(await page.getByRole('status').first().textContent(), '本月考勤已确认。')
    t.match(await page.getByRole('heading', { level: 2, name: new RegExp(`^钢筋班 ${d.tag}`) }).textContent(), /已确认/)
  })

  await t.test('devices and rejected inputs', async (t) => {
    await page.goto(`${base}${desk}/devices`)
    t.equal(await page.getByRole('rowheader', { name: new RegExp(d.serial) }).count(), 1)
    await noSeriousViolations(t, page, 'devices')
    await page.screenshot({ path: screenshotPath(t, 'desk-devices.png'), fullPage: true })
    await page.goto(`${base}${desk}/rejected`)
    await noSeriousViolations(t, page, 'rejected inputs')
  })

  t.same(problems, [], 'no script error, nothing blocked by the Content-Security-Policy')
})
