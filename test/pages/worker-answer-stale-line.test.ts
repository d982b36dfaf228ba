/**
 * The worker's page names the payroll line it shows: a confirmation pressed on figures a new version has since
 * replaced is not recorded on the new figures; the worker is sent back to the page, told the sheet changed, and sees
 * the figures now in force (found by review: the answer went to whatever version was current when it arrived).
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { issueCode, registerWorkerSite, WORKER_NOW_MS } from './helpers/worker-site.ts'

t.test('worker page: an answer to a line since replaced is not recorded on the new one', async (t) => {
  const clock = new ManualClock(WORKER_NOW_MS)
  const { api: admin, services, httpUrl: base } = await startTestServer(t, { clock })
  const ws = await registerWorkerSite(admin, services, { tag: 'RWS', seed: 1402 })
  const P = `/api/projects/${ws.site.projectId}`
  const T = `${P}/teams/${ws.site.teamId}/payroll-sheets/2026-10`
  const code = await issueCode(ws, ws.a.id)
  const signIn = await fetch(`${base}/w/${ws.site.projectId}/sign-in`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html' }, body: new URLSearchParams({ idSuffix: ws.a.suffix, code }) })
  const cookie = /^(wl_session=[^;]+)/.exec(signIn.headers.get('set-cookie') ?? '')![1]!
  const page = async () => (await fetch(`${base}/w/${ws.site.projectId}/me?month=2026-10`, { headers: { accept: 'text/html', cookie } })).text()
  const lineIdOn = (html: string) => /name="lineId" value="([^"]+)"/.exec(html)?.[1]
  const shown = lineIdOn(await page())
  t.type(shown, 'string', 'the page names the line it shows')

  // While the page is open, a correction is made and sent to the workers.
  await admin.post(`${P}/workers/${ws.a.id}/pay-items`, { period: '2026-10', side: 'deduction', reason: 'other', amountFen: 50_00, note: '工具损坏' })
  await admin.post(T, { reason: '扣工具款' })
  await admin.post(`${T}/send`, {})

  const stale = await fetch(`${base}/w/${ws.site.projectId}/me/payroll-answer`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', cookie }, body: new URLSearchParams({ month: '2026-10', decision: 'confirm', lineId: shown! }) })
  t.equal(stale.status, 303)
  t.match(stale.headers.get('location'), /notice=payroll_changed/)
  const sheet = await admin.get<{ version: number; lines: Array<{ workerId: string; answer: unknown }> }>(T)
  t.equal(sheet.version, 2)
  t.equal(sheet.lines.find((l) => l.workerId === ws.a.id)!.answer, null, 'the new figures carry no confirmation')

  const now = await (await fetch(new URL(stale.headers.get('location')!, base), { headers: { accept: 'text/html', cookie } })).text()
  t.match(now, /工资表刚刚更新过/, 'told the sheet changed')
  const current = lineIdOn(now)
  t.not(current, shown, 'the page now shows the line in force')
  const ok = await fetch(`${base}/w/${ws.site.projectId}/me/payroll-answer`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', cookie }, body: new URLSearchParams({ month: '2026-10', decision: 'confirm', lineId: current! }) })
  t.match(ok.headers.get('location'), /notice=payroll_confirm/)
  t.match(await page(), /您已确认/)
})
