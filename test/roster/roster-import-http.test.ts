/**
 * Roster import over HTTP, on both engines (POST /api/projects/{id}/roster-imports/preview and …/roster-imports):
 * a GBK CSV previewed and imported, the same bytes again change nothing; an XLSX with a worker registered elsewhere
 * (matched and enrolled, no 409); a file with problems refused whole with every row's problems and nothing stored;
 * a file that is no 花名册; the roles: a team manager for their own teams only, another contractor's labour manager
 * and a team manager of another organisation 404, an auditor 403.
 */
import t from 'tap'
import iconv from 'iconv-lite'
import ExcelJS from 'exceljs'
import { cardNumber, creditCode, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { Api } from '../../simulators/api.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { createLogin, logIn } from '../access/helpers/site.ts'
import { registerPagesSite } from '../pages/helpers/site.ts'

const NOW_MS = Date.parse('2026-12-04T02:00:00Z')
const HEADER = ['序号', '姓名', '身份证号', '班组', '工种', '银行卡号', '开户行', '手机号', '进场日期', '日工资', '安全教育', '考勤号']
const rng = new Rng(31)
const IDS = Array.from({ length: 12 }, (_, i) => idNumber(rng, i + 1))
const row = (i: number, over: Record<string, string> = {}): string[] => {
  const r: Record<string, string> = { 序号: String(i + 1), 姓名: `工人${i}`, 身份证号: IDS[i]!, 班组: '钢筋班', 工种: '钢筋工', 银行卡号: cardNumber(i + 1), 开户行: '中国农业银行', 手机号: '13812345678', 进场日期: '2026/11/2', 日工资: '350', 安全教育: '是', 考勤号: String(1001 + i), ...over }
  return HEADER.map((h) => r[h] ?? '')
}
const csv = (rows: string[][]): string => rows.map((r) => r.join(',')).join('\r\n')
const gbk = (rows: string[][]): Buffer => iconv.encode(csv([['西溪安置房二期 农民工花名册'], ...rows]), 'gbk')

async function xlsx(rows: string[][]): Promise<Buffer> {
  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet('花名册')
  sheet.addRow(['农民工花名册'])
  sheet.addRow(HEADER)
  for (const r of rows) {
    // The entry date as a real date cell, the rate as a number: as Excel keeps them.
    const cells: unknown[] = [...r]
    cells[8] = new Date(`${r[8]!.replace(/\//g, '-').replace(/-(\d)(?!\d)/g, '-0$1')}T00:00:00Z`)
    cells[9] = Number(r[9])
    sheet.addRow(cells)
  }
  return Buffer.from(await book.xlsx.writeBuffer())
}

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

interface Preview {
  rowsWithProblems: number
  counts: Record<string, number>
  fileHash: string
  rows: Array<{ line: number; action: string; idNumberMasked: string; cardMasked: string; problems: Array<{ code: string; field: string; message: string }>; notices: Array<{ code: string }> }>
}
interface Applied {
  outcome: string
  fileHash: string
  rows: Array<{ line: number; workerId: string; enrolmentId: string | null; outcome: string }>
}

t.test('roster import', async (t) => {
  const { api: admin } = await startTestServer(t, { clock: new ManualClock(NOW_MS) })
  const site = await registerPagesSite(admin, { tag: 'RI', seed: 53 })
  const as = async (login: string): Promise<Api> => admin.as(await logIn(admin, login))
  const lm = await as(site.logins.labourManager)
  const post = async <T>(who: Api, path: string, body: Buffer, type = 'text/csv'): Promise<{ status: number; body: T }> => {
    const res = await who.fetch(`/api/projects/${site.projectId}/roster-imports${path}`, { method: 'POST', headers: { 'content-type': type }, body })
    return { status: res.status, body: (await res.json()) as T }
  }
  const enrolled = async (): Promise<number> => (await admin.getAll(`/api/projects/${site.projectId}/enrolments`)).length

  await t.test('a GBK CSV: previewed with no problem, imported in full, the same file again changes nothing', async (t) => {
    const file = gbk([HEADER, row(0), row(1), row(2)])
    const p = await post<Preview>(lm, '/preview', file)
    t.equal(p.status, 200)
    t.equal(p.body.rowsWithProblems, 0)
    t.same(p.body.counts, { register_and_enrol: 3, enrol: 0, return: 0, already_enrolled: 0 })
    t.equal(p.body.rows[0]!.line, 3, 'rows numbered as the spreadsheet shows them, under the title row')
    t.match(p.body.rows[0]!.idNumberMasked, /^\d{6}\*{8}\d{3}[\dX]$/, 'ID numbers masked in the reply')
    t.equal(p.body.rows[0]!.cardMasked, `****${cardNumber(1).slice(-4)}`)
    t.equal(await enrolled(), 0, 'a preview stores nothing')

    const a = await post<Applied>(lm, '', file)
    t.equal(a.status, 201)
    t.equal(a.body.outcome, 'imported')
    t.equal(a.body.fileHash, p.body.fileHash)
    t.same(a.body.rows.map((r) => r.outcome), ['register_and_enrol', 'register_and_enrol', 'register_and_enrol'])
    t.equal(await enrolled(), 3)
    const list = await admin.getAll<{ teamId: string; entryDate: string; dailyRateFen: number; safetyTrained: boolean; deviceUserId: string; worker: { name: string; trade: string } }>(`/api/projects/${site.projectId}/enrolments`)
    const first = list.find((e) => e.worker.name === '工人0')!
    t.match(first, { entryDate: '2026-11-02', dailyRateFen: 35000, safetyTrained: true, worker: { trade: '钢筋工' } })

    const again = await post<Applied>(lm, '', file)
    t.equal(again.status, 200)
    t.equal(again.body.outcome, 'already_imported')
    t.same(again.body.rows.map((r) => r.outcome), ['already_enrolled', 'already_enrolled', 'already_enrolled'])
    t.same(again.body.rows.map((r) => r.workerId), a.body.rows.map((r) => r.workerId), 'the same workers')
    t.equal(await enrolled(), 3)
  })

  await t.test('an XLSX with a worker registered on another project: matched and enrolled, never a 409', async (t) => {
    const w = await admin.post<{ id: string }>('/api/workers', { name: '工人3', idNumber: IDS[3], bankName: '中国建设银行', cardNo: cardNumber(300) })
    const file = await xlsx([row(3), row(4), row(0)])
    const p = await post<Preview>(lm, '/preview', file, XLSX)
    t.equal(p.status, 200)
    t.equal(p.body.rowsWithProblems, 0, JSON.stringify(p.body.rows.map((r) => r.problems)))
    t.same(p.body.rows.map((r) => r.action), ['enrol', 'register_and_enrol', 'already_enrolled'])
    t.same(p.body.rows[0]!.notices.map((n) => n.code), ['registered_facts_differ'], 'the card and bank differ: a notice, the registration kept')
    const a = await post<Applied>(lm, '', file, XLSX)
    t.equal(a.status, 201)
    t.equal(a.body.rows[0]!.workerId, w.id)
    t.same(a.body.rows.map((r) => r.outcome), ['enrol', 'register_and_enrol', 'already_enrolled'])
    t.equal(await enrolled(), 5)
  })

  await t.test('a file with problems: every row problem in the preview; the import refused whole, nothing stored', async (t) => {
    const badCheck = IDS[6]!.slice(0, 17) + (IDS[6]!.endsWith('0') ? '1' : '0')
    const file = gbk([HEADER, row(5), row(6, { 身份证号: badCheck }), row(7, { 班组: '木工班' }), row(8, { 银行卡号: cardNumber(1) }), row(9, { 开户行: '' }), row(10, { 身份证号: IDS[5]!, 考勤号: '7777' })])
    const p = await post<Preview>(lm, '/preview', file)
    t.equal(p.status, 200)
    t.same(p.body.rows.map((r) => r.problems.map((x) => x.code)), [['duplicate_in_file'], ['id_number_invalid'], ['unknown_team'], ['card_on_roster'], ['missing'], ['duplicate_in_file']])
    t.match(p.body.rows[1]!.problems[0]!.message, /校验位/)
    const before = await enrolled()
    const a = await post<{ error: { code: string; details: { rowsWithProblems: number; rows: Array<{ line: number }> } } }>(lm, '', file)
    t.equal(a.status, 422)
    t.equal(a.body.error.code, 'roster_import_has_problems')
    t.equal(a.body.error.details.rowsWithProblems, 6)
    t.equal(await enrolled(), before, 'not even the good row was stored')
    t.notOk((await admin.getAll<{ name: string }>('/api/workers')).some((w) => w.name === '工人5'), 'no worker registered either')
  })

  await t.test('a file that is no 花名册, or sent as JSON', async (t) => {
    const garbage = await post<{ error: { code: string; details: { problem: string; missing?: string[] } } }>(lm, '/preview', Buffer.from('a,b\n1,2\n'))
    t.equal(garbage.status, 400)
    t.equal(garbage.body.error.code, 'roster_file_unreadable')
    t.equal(garbage.body.error.details.problem, 'no_header')
    t.same(garbage.body.error.details.missing, ['姓名', '身份证号', '班组', '银行卡号', '开户行', '进场日期', '日工资'])
    const brokenZip = await post<{ error: { code: string; details: { problem: string } } }>(lm, '/preview', Buffer.from('PK\x03\x04not really'), XLSX)
    t.equal(brokenZip.body.error.details.problem, 'not_a_spreadsheet')
    const json = await post<{ error: { code: string } }>(lm, '', Buffer.from('{}'), 'application/json')
    t.equal(json.status, 415)
  })

  await t.test('roles: a team manager for their own teams; others 404 or 403', async (t) => {
    const otherSub = await admin.post<{ id: string }>('/api/organisations', { kind: 'subcontractor', name: '萧山木工劳务有限公司', creditCode: creditCode(new Rng(99)) })
    await admin.post(`/api/projects/${site.projectId}/teams`, { name: '木工班', employerId: otherSub.id })
    const tm = await as(site.logins.teamManager)
    const file = gbk([HEADER, row(11, { 班组: '木工班' })])
    const p = await post<Preview>(tm, '/preview', file)
    t.equal(p.status, 200)
    t.same(p.body.rows[0]!.problems.map((x) => x.code), ['unknown_team'], "another subcontractor's team is not the team manager's to fill")
    const own = await post<Applied>(tm, '', gbk([HEADER, row(11)]))
    t.equal(own.status, 201, 'their own team')

    const lonelySub = await admin.post<{ id: string }>('/api/organisations', { kind: 'subcontractor', name: '滨江劳务有限公司', creditCode: creditCode(new Rng(98)) })
    await createLogin(admin, 'tm.lonely.RI', 'team_manager', { organisationId: lonelySub.id })
    for (const [login, status] of [['tm.lonely.RI', 404], [site.logins.otherLabourManager, 404], [site.logins.auditor, 403]] as const) {
      const who = await as(login)
      t.equal((await post(who, '/preview', file)).status, status, `${login}: preview`)
      t.equal((await post(who, '', file)).status, status, `${login}: import`)
    }
  })
})
