/**
 * A correction withdrawn puts the approved version before it back in force: the worker's page shows that version's
 * line (what the worker's answer goes to, and what the bank pays), and the desk shows it approved. Both showed the
 * withdrawn correction (found by review).
 */
import t from 'tap'
import { formatYuan, fen } from '../../src/kernel/money.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { getPage, signIn as staffSignIn } from './helpers/http.ts'
import { issueCode, registerWorkerSite, WORKER_NOW_MS } from './helpers/worker-site.ts'

t.test('worker page: a withdrawn correction is not shown as the month’s pay', async (t) => {
  const clock = new ManualClock(WORKER_NOW_MS)
  const { api: admin, services, httpUrl: base } = await startTestServer(t, { clock })
  const ws = await registerWorkerSite(admin, services, { tag: 'RWW', seed: 1401 })
  const P = `/api/projects/${ws.site.projectId}`
  const T = `${P}/teams/${ws.site.teamId}/payroll-sheets/2026-10`
  const v1Net = ws.netFen.get(ws.a.id)!
  // A correction: 100.00 more for worker A, made and sent to the workers, then abandoned.
  await admin.post(`${P}/workers/${ws.a.id}/pay-items`, { period: '2026-10', side: 'addition', reason: '高温补贴', amountFen: 100_00 })
  const v2 = await admin.post<{ version: number; lines: Array<{ workerId: string; netFen: number }> }>(T, { reason: '补发高温补贴' })
  t.equal(v2.version, 2)
  t.equal(v2.lines.find((l) => l.workerId === ws.a.id)!.netFen, v1Net + 100_00)
  await admin.post(`${T}/send`, {})
  await admin.post(`${T}/withdraw`, { reason: '补贴下月再发' })
  const inForce = await services.sheets.approvedForMonth(ws.site.projectId, '2026-10')
  t.match(inForce, [{ version: 1 }], 'version 1 is in force again')

  // The labour manager's desk: the month's sheet in force is version 1, approved; the page shows the withdrawn one.
  const lm = await staffSignIn(base, 'lm.RWW')
  const desk = await getPage(base, `/pages/projects/${ws.site.projectId}/desk/sheets?month=2026-10`, lm)
  t.equal(desk.status, 200)
  t.comment(/<td><span class="state[^<]+<\/span>[^<]*<\/td>/.exec(desk.text)?.[0] ?? '')
  t.match(desk.text, /<span class="state state-approved">已审批<\/span>/, 'the desk shows the approved sheet in force (version 1), not only the withdrawn correction')
  const code = await issueCode(ws, ws.a.id)
  const signIn = await fetch(`${base}/w/${ws.site.projectId}/sign-in`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html' }, body: new URLSearchParams({ idSuffix: ws.a.suffix, code }) })
  const cookie = /^(wl_session=[^;]+)/.exec(signIn.headers.get('set-cookie') ?? '')![1]!
  const page = async () => (await fetch(`${base}/w/${ws.site.projectId}/me?month=2026-10`, { headers: { accept: 'text/html', cookie } })).text()
  const html = await page()
  const amount = /<p class="amount">实发 <strong>¥([0-9.,]+)<\/strong>/.exec(html)?.[1]
  t.comment(`page shows ¥${amount}; v1 net ¥${formatYuan(fen(v1Net))}; v2 net ¥${formatYuan(fen(v1Net + 100_00))}`)
  t.equal(amount, formatYuan(fen(v1Net)), 'the page shows the net of the sheet in force (version 1), not the withdrawn version 2')

  // The worker confirms: the answer is recorded on version 1; the page should then say so.
  const ans = await fetch(`${base}/w/${ws.site.projectId}/me/payroll-answer`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', cookie }, body: new URLSearchParams({ month: '2026-10', decision: 'confirm' }) })
  t.equal(ans.status, 303)
  const after = await page()
  t.match(after, /您已确认/, 'the confirmation just given is shown on the page')
})
