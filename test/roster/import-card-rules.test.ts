/**
 * The 花名册 preview applies the roster's card rules (12 to 19 digits; a card held, or once held, by anyone on the
 * platform is the row's card_on_roster problem), so a file the preview passes is imported, and one the import would
 * refuse is refused row by row. The import refused it as a bare 400 invalid_card_no or 409 card_held_by_another_worker
 * naming no row (found by review).
 */
import t from 'tap'
import iconv from 'iconv-lite'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { Api } from '../../simulators/api.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { logIn } from '../access/helpers/site.ts'
import { registerPagesSite } from '../pages/helpers/site.ts'

const NOW_MS = Date.parse('2026-12-04T02:00:00Z')
const HEADER = ['序号', '姓名', '身份证号', '班组', '工种', '银行卡号', '开户行', '手机号', '进场日期', '日工资', '安全教育', '考勤号']
const rng = new Rng(931)
const IDS = Array.from({ length: 6 }, (_, i) => idNumber(rng, i + 1))
const row = (i: number, over: Record<string, string> = {}): string[] => {
  const r: Record<string, string> = { 序号: String(i + 1), 姓名: `工人${i}`, 身份证号: IDS[i]!, 班组: '钢筋班', 工种: '钢筋工', 银行卡号: cardNumber(900 + i), 开户行: '中国农业银行', 手机号: '13812345678', 进场日期: '2026/11/2', 日工资: '350', 安全教育: '是', 考勤号: String(5001 + i), ...over }
  return HEADER.map((h) => r[h] ?? '')
}
const gbk = (rows: string[][]): Buffer => iconv.encode([['花名册'], ...rows].map((r) => r.join(',')).join('\r\n'), 'gbk')

interface ImportReply {
  rowsWithProblems?: number
  rows?: Array<{ line: number; problems: Array<{ code: string; field: string }> }>
  error?: { code: string; details?: { rows?: Array<{ line: number; problems: Array<{ code: string }> }> } }
}

t.test('what the preview passes, the import stores', async (t) => {
  const { api: admin } = await startTestServer(t, { clock: new ManualClock(NOW_MS) })
  const site = await registerPagesSite(admin, { tag: 'RIC', seed: 931 })
  const lm: Api = admin.as(await logIn(admin, site.logins.labourManager))
  const post = async (path: string, body: Buffer): Promise<{ status: number; body: ImportReply }> => {
    const res = await lm.fetch(`/api/projects/${site.projectId}/roster-imports${path}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body })
    return { status: res.status, body: (await res.json()) as ImportReply }
  }

  await t.test('a 20-digit card', async (t) => {
    const file = gbk([HEADER, row(0, { 银行卡号: '62220212345678901234' })])
    const p = await post('/preview', file)
    const a = await post('', file)
    t.equal(p.body.rowsWithProblems, 1, `the preview names the row's problem (registration refuses 20 digits): ${JSON.stringify(p.body.rows?.[0]?.problems)}`)
    t.equal(a.body.error?.code, 'roster_import_has_problems', `the import refuses with the row: ${a.status} ${a.body.error?.code}`)
  })

  await t.test("a card another worker (not on this project) holds", async (t) => {
    await admin.post('/api/workers', { name: '别处工人', idNumber: IDS[5], bankName: '中国农业银行', cardNo: cardNumber(991) })
    const file = gbk([HEADER, row(1, { 银行卡号: cardNumber(991) })])
    const p = await post('/preview', file)
    t.equal(p.body.rowsWithProblems, 1, `the preview names the row's problem: ${JSON.stringify(p.body.rows?.[0]?.problems)}`)
    const a = await post('', file)
    t.equal(a.body.error?.code, 'roster_import_has_problems', `the import refuses with the row: ${a.status} ${a.body.error?.code}`)
  })
})
