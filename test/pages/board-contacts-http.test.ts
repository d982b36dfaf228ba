/**
 * The rights board's contacts (维权信息登记) over the real service: the general contractor's labour manager registers
 * the site's labour manager, the phone posted for workers and the local complaint line, by the API or by the form under
 * the board; a refusal names the field and keeps what was typed; every entry is kept (a newer one restates the older);
 * the board, the kiosk and the bureau's six systems then show them. A team manager reads but does not register; an
 * auditor reads; a bank does neither.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { failure, startTestServer } from '../helpers/server.ts'
import { logIn } from '../access/helpers/site.ts'
import { getPage, postForm, signIn } from './helpers/http.ts'
import { registerPagesSite } from './helpers/site.ts'

/** 2026-12-04 in Hangzhou: under the 2025 standard, whose county tiers the ledger does not hold. */
const NOW_MS = Date.parse('2026-12-04T02:00:00Z')

interface Register {
  inForce: null | { labourManagerName: string; labourManagerPhone: string; localComplaintName: string | null; localComplaintPhone: string | null; reason: string; recordedBy: string }
  history: Array<{ labourManagerName: string }>
}

const page = (base: string, path: string, cookie?: string) => getPage(base, path, cookie)

t.test('board contacts: registered by the general contractor, shown on the board, judged by the bureau', async (t) => {
  const { api, httpUrl: base } = await startTestServer(t, { clock: new ManualClock(NOW_MS) })
  const site = await registerPagesSite(api, { tag: 'BC', seed: 43 })
  const apiPath = `/api/projects/${site.projectId}/contacts`
  const boardPath = `/pages/projects/${site.projectId}/rights-board`
  const lmApi = api.as(await logIn(api, site.logins.labourManager))

  await t.test('none registered: the API says so, the board says 未登记 and lists the province’s tiers without picking one', async (t) => {
    t.same(await lmApi.get(apiPath), { inForce: null, history: [] })
    const board = await page(base, `/kiosk/${site.projectId}/rights-board`)
    t.match(board.text, /data-fact="labour_manager">\s*<dt>劳资专管员<\/dt>\s*<dd><span class="value">未登记/)
    t.match(board.text, /data-fact="minimum_wage">\s*<dt>当地最低工资标准<\/dt>\s*<dd><span class="value">未登记<\/span><span class="note">本地区适用档次未收录。全省月最低工资（2025-01-01 起）：一档 2490.00 元、二档 2260.00 元、三档 2010.00 元/)
  })

  await t.test('the API refuses what a worker could not dial, naming the field; nothing is stored', async (t) => {
    const base = { labourManagerName: '王建国', labourManagerPhone: '13800001111', reason: '项目开工登记' }
    for (const [over, field] of [
      [{ labourManagerPhone: '12345' }, 'labourManagerPhone'],
      [{ labourManagerPhone: '138000011' }, 'labourManagerPhone'],
      [{ labourManagerName: '   ' }, 'labourManagerName'],
      [{ localComplaintName: '西湖区劳动保障监察大队' }, 'localComplaintPhone'],
      [{ localComplaintPhone: '0571-85101234' }, 'localComplaintName'],
      [{ localComplaintName: '西湖区劳动保障监察大队', localComplaintPhone: '85101234' }, 'localComplaintPhone'],
      [{ reason: ' ' }, 'reason'],
    ] as const) {
      const f = await failure(lmApi.post(apiPath, { ...base, ...over }))
      t.same([f.status, f.code, (f.details as { field: string }).field], [400, 'project_contacts_invalid', field], JSON.stringify(over))
    }
    t.same((await lmApi.get<Register>(apiPath)).history, [], 'nothing stored')
  })

  await t.test('registered and restated: the newest is in force, the older kept', async (t) => {
    const first = await lmApi.post<Register>(apiPath, { labourManagerName: '王建国', labourManagerPhone: '138 0000 1111', reason: '项目开工登记' })
    t.match(first.inForce, { labourManagerName: '王建国', labourManagerPhone: '13800001111', localComplaintName: null, localComplaintPhone: null, recordedBy: site.logins.labourManager })
    const second = await lmApi.post<Register>(apiPath, {
      labourManagerName: '李红梅',
      labourManagerPhone: '0571-87001234',
      localComplaintName: '西湖区劳动保障监察大队',
      localComplaintPhone: '0571-85101234',
      reason: '劳资专管员更换',
    })
    t.same(second.history.map((h) => h.labourManagerName), ['李红梅', '王建国'])
    t.match(second.inForce, { labourManagerName: '李红梅', localComplaintPhone: '0571-85101234' })
  })

  await t.test('roles: a team manager and an auditor read, neither registers; a bank does neither; another contractor does not see it', async (t) => {
    const tm = api.as(await logIn(api, site.logins.teamManager))
    t.equal((await tm.get<Register>(apiPath)).inForce?.labourManagerName, '李红梅')
    t.equal((await failure(tm.post(apiPath, { labourManagerName: '张三', labourManagerPhone: '13900002222', reason: 'x' }))).status, 403)
    const auditor = api.as(await logIn(api, site.logins.auditor))
    t.equal((await auditor.get<Register>(apiPath)).inForce?.labourManagerName, '李红梅')
    t.equal((await failure(auditor.post(apiPath, { labourManagerName: '张三', labourManagerPhone: '13900002222', reason: 'x' }))).status, 403)
    t.equal((await failure(api.as(await logIn(api, site.logins.bank)).get(apiPath))).status, 403)
    t.equal((await failure(api.as(await logIn(api, site.logins.otherLabourManager)).get(apiPath))).status, 404)
  })

  await t.test('the board and the kiosk name them; the complaint line is listed with its name', async (t) => {
    const kiosk = await page(base, `/kiosk/${site.projectId}/rights-board`)
    t.match(kiosk.text, /data-fact="labour_manager">\s*<dt>劳资专管员<\/dt>\s*<dd><span class="value">李红梅/)
    t.match(kiosk.text, /data-fact="labour_manager_phone">\s*<dt>劳资专管员电话<\/dt>\s*<dd><span class="value">0571-87001234/)
    t.match(kiosk.text, /<span class="phone">0571-85101234<\/span><span class="note">西湖区劳动保障监察大队<\/span>/)
    t.notOk(kiosk.text.includes('登记劳资专管员和投诉电话'), 'no link on the kiosk')
  })

  await t.test('the contacts page: the labour manager’s, linked from the board, filled with the entry in force; a refusal keeps what was typed', async (t) => {
    const lm = await signIn(base, site.logins.labourManager)
    const contactsPath = `${boardPath}/contacts`
    t.ok((await page(base, boardPath, lm)).text.includes(`href="${contactsPath}"`), 'linked from the board')
    const form = await page(base, contactsPath, lm)
    t.equal(form.status, 200)
    t.match(form.text, /id="labourManagerName" name="labourManagerName"[^>]*value="李红梅"/)
    t.match(form.text, /<td>李红梅<\/td><td>0571-87001234<\/td><td>西湖区劳动保障监察大队 0571-85101234<\/td><td>劳资专管员更换<\/td>/, 'the history')

    const refused = await postForm(base, contactsPath, lm, { labourManagerName: '赵六', labourManagerPhone: '110', localComplaintName: '', localComplaintPhone: '', reason: '更换' })
    t.equal(refused.status, 400)
    t.match(refused.text, /role="alert">劳资专管员电话不是工人能拨通的号码/)
    t.match(refused.text, /id="labourManagerName" name="labourManagerName"[^>]*value="赵六"/, 'what was typed is kept')
    t.match(refused.text, /id="labourManagerPhone"[^>]*value="110" aria-invalid="true"/)

    const saved = await postForm(base, contactsPath, lm, { labourManagerName: '赵六', labourManagerPhone: '13700003333', localComplaintName: '', localComplaintPhone: '', reason: '劳资专管员更换' })
    t.equal(saved.status, 303)
    t.equal(saved.location, `${contactsPath}?saved=1`)
    t.match((await page(base, saved.location!, lm)).text, /role="status">已登记，/)
    const after = await page(base, boardPath, lm)
    t.match(after.text, /data-fact="labour_manager">\s*<dt>劳资专管员<\/dt>\s*<dd><span class="value">赵六/)
    t.match(after.text, /<span class="phone">未登记<\/span>/, 'the newest entry has no local line: 未登记 again')
    t.equal((await lmApi.get<Register>(apiPath)).history.length, 3)
  })

  await t.test('a team manager and an auditor see the board without the link, and get neither the contacts page nor its post', async (t) => {
    for (const login of [site.logins.teamManager, site.logins.auditor]) {
      const cookie = await signIn(base, login)
      const board = await page(base, boardPath, cookie)
      t.equal(board.status, 200)
      t.notOk(board.text.includes('登记劳资专管员和投诉电话'), `${login}: no link`)
      t.equal((await page(base, `${boardPath}/contacts`, cookie)).status, 403, `${login}: no page`)
      const post = await postForm(base, `${boardPath}/contacts`, cookie, { labourManagerName: '张三', labourManagerPhone: '13900002222', reason: 'x' })
      t.equal(post.status, 403, `${login}: refused`)
    }
    t.equal((await lmApi.get<Register>(apiPath)).inForce?.labourManagerName, '赵六', 'unchanged')
  })

  await t.test('the bureau’s 维权告示牌 system lists only what is still not registered', async (t) => {
    const auditor = await signIn(base, site.logins.auditor)
    const overview = await page(base, '/pages/oversight', auditor)
    t.equal(overview.status, 200)
    // The evidence line of the system: 未登记事项 followed by the labels still missing.
    const listed = /未登记事项[^、\n<]*<[^>]*>\s*([^<]*)/.exec(overview.text.slice(overview.text.indexOf(site.projectName)))?.[1] ?? ''
    t.ok(listed.includes('当地最低工资标准'), `listed: ${listed}`)
    t.ok(listed.includes('当地劳动保障监察机构电话'), 'the local line is not registered')
    t.notOk(listed.includes('劳资专管员'), 'the labour manager is')
  })
})
