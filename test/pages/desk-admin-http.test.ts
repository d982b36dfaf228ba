/**
 * The desk's paperwork pages over plain HTTP, on both engines: the roster import page and its two fragment routes
 * (preview, import) by role: a labour manager and a team manager of the project see the page and import; another
 * contractor's labour manager and a team manager of another organisation get a 404 page without the project's name;
 * an auditor a 403 page. The preview's markup carries each row's problems and the import button disabled while any
 * is left; the import answers what it did, and the same file again that nothing changed.
 */
import t from 'tap'
import iconv from 'iconv-lite'
import { cardNumber, creditCode, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { createLogin } from '../access/helpers/site.ts'
import { registerPagesSite } from './helpers/site.ts'
import { signIn } from './helpers/http.ts'

const NOW_MS = Date.parse('2026-12-04T02:00:00Z')
const HEADER = '姓名,身份证号,班组,工种,银行卡号,开户行,手机号,进场日期,日工资,安全教育'
const rng = new Rng(61)
const IDS = Array.from({ length: 4 }, (_, i) => idNumber(rng, i + 1))
const line = (i: number, team = '钢筋班', id = IDS[i]!): string => `工人${i},${id},${team},钢筋工,${cardNumber(i + 1)},中国农业银行,13812345678,2026-11-02,350,是`

t.test('desk: roster import pages', async (t) => {
  const { api: admin, httpUrl: base } = await startTestServer(t, { clock: new ManualClock(NOW_MS) })
  const site = await registerPagesSite(admin, { tag: 'DA', seed: 67, projectName: '西溪<安置房>二期' })
  const lonelySub = await admin.post<{ id: string }>('/api/organisations', { kind: 'subcontractor', name: '滨江劳务有限公司', creditCode: creditCode(new Rng(5)) })
  await createLogin(admin, 'tm.lonely.DA', 'team_manager', { organisationId: lonelySub.id })
  const pagePath = `/pages/projects/${site.projectId}/desk/roster-import`
  const get = async (cookie: string, path = pagePath) => {
    const res = await fetch(base + path, { headers: { accept: 'text/html', cookie } })
    return { status: res.status, text: await res.text() }
  }
  const post = async (cookie: string, path: string, body: Buffer, type = 'text/csv') => {
    const res = await fetch(base + path, { method: 'POST', headers: { accept: 'text/html', cookie, 'content-type': type }, body })
    return { status: res.status, text: await res.text() }
  }
  const lm = await signIn(base, site.logins.labourManager)

  await t.test('the page: the columns it reads, the file picker, no data', async (t) => {
    const page = await get(lm)
    t.equal(page.status, 200)
    t.match(page.text, /<h1>花名册导入<\/h1>/)
    t.match(page.text, /西溪&lt;安置房&gt;二期/, 'the project name escaped')
    t.match(page.text, /aria-current="page">花名册导入<\/a>/, "in the desk's navigation")
    t.match(page.text, /<label for="roster-file">花名册文件<\/label>/)
    t.match(page.text, /姓名、身份证号、班组、银行卡号、开户行、进场日期、日工资/)
    t.match(page.text, /src="\/assets\/desk-import.js"/)
    const script = await fetch(`${base}/assets/desk-import.js`)
    t.equal(script.status, 200)
  })

  await t.test('preview with problems: each listed, import disabled; the import refuses it, nothing stored', async (t) => {
    const bad = IDS[1]!.slice(0, 17) + (IDS[1]!.endsWith('0') ? '1' : '0')
    const file = iconv.encode([HEADER, line(0), line(1, '钢筋班', bad), line(2, '木工班')].join('\r\n'), 'gbk')
    const p = await post(lm, `${pagePath}/preview`, file)
    t.equal(p.status, 200)
    t.match(p.text, /2 行有问题/)
    t.match(p.text, /身份证号校验位不对/)
    t.match(p.text, /本项目没有这个班组/)
    t.match(p.text, /<button type="button" class="primary" id="import-all" data-import disabled/)
    t.notMatch(p.text, new RegExp(IDS[0]!), 'ID numbers masked')
    const a = await post(lm, pagePath, file)
    t.equal(a.status, 422)
    t.match(a.text, /什么都没有导入/)
    t.equal((await admin.getAll(`/api/projects/${site.projectId}/enrolments`)).length, 0)
    const unreadable = await post(lm, `${pagePath}/preview`, Buffer.from('a,b\n1,2'))
    t.equal(unreadable.status, 400)
    t.match(unreadable.text, /找不到表头/)
  })

  await t.test('a good file: previewed, imported, and the same file again changes nothing', async (t) => {
    const file = Buffer.from('\ufeff' + [HEADER, line(0), line(1)].join('\n'))
    const p = await post(lm, `${pagePath}/preview`, file, 'application/vnd.ms-excel')
    t.match(p.text, /没有问题，可以导入/)
    t.match(p.text, /id="import-all" data-import>/)
    const a = await post(lm, pagePath, file, 'application/vnd.ms-excel')
    t.equal(a.status, 201)
    t.match(a.text, /导入完成。<\/strong>新登记并进场 2 人/)
    const again = await post(lm, pagePath, file, 'application/vnd.ms-excel')
    t.equal(again.status, 200)
    t.match(again.text, /这个文件已导入过/)
    t.equal((await admin.getAll(`/api/projects/${site.projectId}/enrolments`)).length, 2)
  })

  await t.test('roles: a team manager imports to their team; others get none of it', async (t) => {
    const tm = await signIn(base, site.logins.teamManager)
    t.equal((await get(tm)).status, 200)
    const a = await post(tm, pagePath, Buffer.from([HEADER, line(3)].join('\n')))
    t.equal(a.status, 201)
    for (const [login, status] of [['tm.lonely.DA', 404], [site.logins.otherLabourManager, 404], [site.logins.auditor, 403]] as const) {
      const cookie = await signIn(base, login)
      const page = await get(cookie)
      t.equal(page.status, status, `${login}: the page`)
      t.notMatch(page.text, /安置房/, `${login}: no project name`)
      t.equal((await post(cookie, `${pagePath}/preview`, Buffer.from([HEADER, line(2)].join('\n')))).status, status, `${login}: preview`)
      t.equal((await post(cookie, pagePath, Buffer.from([HEADER, line(2)].join('\n')))).status, status, `${login}: import`)
    }
    t.equal((await admin.getAll(`/api/projects/${site.projectId}/enrolments`)).length, 3)
  })
})
