/**
 * Worker sign-in codes from the desk (工人登录码) over plain HTTP, on both engines: the labour manager issues a code for
 * a worker, shown once with the worker page's address and QR code, and the worker signs in with it; a team manager
 * issues codes for their own team's workers only; an auditor, a worker, a bank and another contractor get none of it.
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createLogin } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'
import { DESK_NOW_MS, registerDeskSite } from './helpers/desk-site.ts'
import { getPage, postForm, signIn, type Page } from './helpers/http.ts'

t.test('desk: worker sign-in codes', async (t) => {
  const { api: admin, httpUrl: base } = await startTestServer(t, { clock: new ManualClock(DESK_NOW_MS) })
  const d = await registerDeskSite(admin, { tag: 'DW', seed: 91 })
  const P = `/api/projects/${d.site.projectId}`
  await createLogin(admin, 'bank.DW', 'bank', { bankCode: '103' })
  await createLogin(admin, 'worker.DW', 'worker', { workerId: d.site.workerId })
  // A worker whose ID number the test knows, on the team manager's team.
  const idNo = idNumber(new Rng(991), 991)
  const wang = await admin.post<{ id: string }>('/api/workers', { name: '王芳', idNumber: idNo, bankName: '农行', cardNo: cardNumber(991) })
  await admin.post(`${P}/enrolments`, { workerId: wang.id, teamId: d.site.teamId, dailyRate: '330.00', safetyTrained: true, entryDate: '2026-10-08' })

  const page = `/pages/projects/${d.site.projectId}/desk/workers`
  const issueUrl = (workerId: string) => `${page}/${workerId}/sign-in-codes`
  const get = (cookie: string, path = page): Promise<Page> => getPage(base, path, cookie)
  const post = (cookie: string, path: string, form: Record<string, string> = {}): Promise<Page> => postForm(base, path, cookie, form)
  const lm = await signIn(base, d.logins.labourManager)
  const tm = await signIn(base, d.logins.teamManager)

  await t.test('the labour manager issues a code: shown once with the link and QR code; the worker signs in with it', async (t) => {
    const res = await get(lm)
    t.equal(res.status, 200)
    t.match(res.text, /<h1>工人登录码<\/h1>/)
    t.match(res.text, /aria-current="page">工人登录码<\/a>/)
    for (const name of ['张伟', '李强', '王芳']) t.match(res.text, `<th scope="row">${name}</th>`)
    t.match(res.text, `action="${issueUrl(wang.id)}"`)
    t.notMatch(res.text, /id="issued-code"/)
    const issued = await post(lm, issueUrl(wang.id))
    t.equal(issued.status, 201)
    const code = /<strong id="issued-code">(\d{6})<\/strong>/.exec(issued.text)?.[1]
    t.ok(code, 'six digits on the page')
    t.match(issued.text, /王芳 的登录码/)
    t.match(issued.text, /有效至 2026-11-03 10:30/)
    const url = `${base}/w/${d.site.projectId}`
    t.match(issued.text, `<a href="${url}">${url}</a>`, "the worker page's address")
    t.match(issued.text, /<svg aria-hidden="true" focusable="false" class="qr-code"/, 'its QR code')
    t.match(issued.text, /未接短信网关/, 'how it was delivered')
    t.notMatch((await get(lm)).text, new RegExp(`issued-code|${code}`), 'not shown again')

    const worker = await fetch(`${base}/w/${d.site.projectId}/sign-in`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html' }, body: new URLSearchParams({ idSuffix: idNo.slice(-6), code: code! }) })
    t.equal(worker.status, 303, 'the worker signs in with it')
    t.match(worker.headers.get('set-cookie'), /wl_session=/)
    const again = await fetch(`${base}/w/${d.site.projectId}/sign-in`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html' }, body: new URLSearchParams({ idSuffix: idNo.slice(-6), code: code! }) })
    t.equal(again.status, 401, 'once')
  })

  await t.test("a team manager issues codes for their own team's workers only", async (t) => {
    const res = await get(tm)
    t.equal(res.status, 200)
    t.match(res.text, /王芳/)
    t.notMatch(res.text, /李强|木工班/)
    const issued = await post(tm, issueUrl(wang.id))
    t.equal(issued.status, 201)
    t.match(issued.text, /<strong id="issued-code">\d{6}<\/strong>/)
    const other = await post(tm, issueUrl(d.otherWorkerId))
    t.equal(other.status, 404, "another organisation's worker is not found")
    t.notMatch(other.text, /issued-code|李强/)
  })

  await t.test('an auditor, a worker, a bank and another contractor get none of it', async (t) => {
    for (const [login, status] of [
      [d.logins.auditor, 403],
      ['worker.DW', 403],
      ['bank.DW', 403],
      [d.logins.otherLabourManager, 404],
      [d.logins.strangerTeamManager, 404],
    ] as const) {
      const cookie = await signIn(base, login)
      const res = await get(cookie)
      t.equal(res.status, status, `${login}: the page`)
      t.notMatch(res.text, /王芳|张伟|工程 DW/, `${login}: none of its data`)
      const issued = await post(cookie, issueUrl(wang.id))
      t.equal(issued.status, status, `${login}: no code`)
      t.notMatch(issued.text, /issued-code/)
    }
  })

  await t.test('a worker not on the project: the API’s 404', async (t) => {
    const res = await post(lm, issueUrl(d.otherWorkerId.replace(/.$/, (c) => (c === '0' ? '1' : '0'))))
    t.equal(res.status, 404)
    t.notMatch(res.text, /issued-code/)
  })
})
