/**
 * A worker's complaint text is masked on the labour manager's desk and in /api/cases; the same text reaches the bureau
 * as the clue's summary and is masked there too: the clue board, the clue's page and GET /api/clues (it was shown in
 * full, phone and ID number typed by the worker; found by review).
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { createLogin } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'
import { issueCode, registerWorkerSite, WORKER_NOW_MS } from './helpers/worker-site.ts'
import { getPage, signIn } from './helpers/http.ts'

t.test('a complaint’s phone and ID number are masked on the bureau’s clue pages too', async (t) => {
  const clock = new ManualClock(WORKER_NOW_MS)
  const { api: admin, services, httpUrl: base } = await startTestServer(t, { clock })
  const ws = await registerWorkerSite(admin, services, { tag: 'RCM', seed: 1501 })
  await createLogin(admin, 'auditor.rcm', 'auditor', { regionCode: '3301' })
  const code = await issueCode(ws, ws.a.id)
  const s = await fetch(`${base}/w/${ws.site.projectId}/sign-in`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html' }, body: new URLSearchParams({ idSuffix: ws.a.suffix, code }) })
  const cookie = /^(wl_session=[^;]+)/.exec(s.headers.get('set-cookie') ?? '')![1]!
  const phone = '13812345678'
  const text = `十月少发了工资，请打我电话 ${phone}，身份证 ${ws.a.idNumber}`
  const c = await fetch(`${base}/w/${ws.site.projectId}/me/complaint`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', cookie }, body: new URLSearchParams({ month: '2026-10', text }) })
  t.equal(c.status, 303)

  // The labour manager's desk masks it.
  const lm = await signIn(base, `lm.RCM`)
  const desk = await getPage(base, `/pages/projects/${ws.site.projectId}/desk/cases?month=2026-10`, lm)
  t.equal(desk.status, 200)
  t.match(desk.text, '138****5678', 'the desk shows the phone masked')
  t.notOk(desk.text.includes(phone), 'the desk never shows the full phone')

  const auditor = await signIn(base, 'auditor.rcm')
  const board = await getPage(base, '/pages/oversight/clues', auditor)
  t.equal(board.status, 200)
  t.match(board.text, '十月少发了工资', 'the complaint is on the clue board')
  t.notOk(board.text.includes(phone), 'the clue board does not show the full phone number')
  const href = /href="(\/pages\/oversight\/clues\/[^"]+)"/.exec(board.text)?.[1]
  const clue = await getPage(base, href!, auditor)
  t.notOk(clue.text.includes(phone), 'the clue page does not show the full phone number')
  t.notOk(clue.text.includes(ws.a.idNumber), 'the clue page does not show the full ID number')
  const api = await (await fetch(`${base}/api/clues`, { headers: { cookie: auditor } })).text()
  t.match(api, '十月少发了工资', 'GET /api/clues has the complaint')
  t.notOk(api.includes(phone), 'GET /api/clues does not carry the full phone number either')
})
