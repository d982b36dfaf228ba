/**
 * (Found by review; these were the defects before the fix.) an XLSX 花名册 where a number sits in a cell formatted as a date (a phone number under a column or row
 * formatted 日期, a common leftover of copying formats in Excel). exceljs turns the number into a Date far outside
 * JavaScript's range; roster-import-xlsx.ts dateText calls toISOString() on it, which throws RangeError, and the
 * preview and the import answer 500 instead of showing the row's problem (phone_invalid / date_invalid).
 */
import t from 'tap'
import ExcelJS from 'exceljs'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

t.test('a number in a date-formatted cell is a row problem, not a 500', async (t) => {
  const { api: admin } = await startTestServer(t, { clock: new ManualClock(Date.parse('2026-12-04T02:00:00Z')) })
  const site = await registerAccessSite(admin, { tag: 'RXD', regionCode: '330106', bankCode: '103331000011', seed: 71 })

  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet('花名册')
  sheet.addRow(['姓名', '身份证号', '班组', '银行卡号', '开户行', '手机号', '进场日期', '日工资'])
  const row = sheet.addRow(['李强', idNumber(new Rng(5), 2), '钢筋班 RXD', cardNumber(77), '中国农业银行', 13812345678, new Date('2026-10-01T00:00:00Z'), 350])
  // The whole row was formatted as a date (格式刷): the phone number's cell too.
  row.getCell(6).numFmt = 'yyyy-mm-dd'
  const file = Buffer.from(await book.xlsx.writeBuffer())

  for (const path of ['/preview', '']) {
    const res = await admin.fetch(`/api/projects/${site.projectId}/roster-imports${path}`, { method: 'POST', headers: { 'content-type': XLSX }, body: file })
    const body = await res.text()
    t.ok(res.status < 500, `POST roster-imports${path} answers ${res.status} ${body}`)
  }
})
