/**
 * An XLSX 花名册 whose first sheet is not the roster (a 填表说明 sheet, a cover) is read from the first visible sheet
 * that holds one; a hidden sheet is never read. It was refused as missing every column, naming no sheet (found by
 * review).
 */
import t from 'tap'
import ExcelJS from 'exceljs'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { startTestServer } from '../helpers/server.ts'

const HEADER = ['姓名', '身份证号', '班组', '银行卡号', '开户行', '进场日期', '日工资']

t.test('the roster sheet after a sheet of instructions; a hidden sheet skipped', async (t) => {
  const { services } = await startTestServer(t)
  const book = new ExcelJS.Workbook()
  book.addWorksheet('填表说明').addRow(['请按下表填写，身份证号请设为文本格式'])
  const hidden = book.addWorksheet('旧表', { state: 'hidden' })
  hidden.addRow(HEADER)
  hidden.addRow(['旧人', idNumber(new Rng(1), 2512), '钢筋班', cardNumber(2512), '农行', '2026-09-01', 300])
  const roster = book.addWorksheet('花名册')
  roster.addRow(HEADER)
  roster.addRow(['张伟', idNumber(new Rng(2), 2513), '钢筋班', cardNumber(2513), '农行', '2026-10-01', 350])
  const bytes = Buffer.from(await book.xlsx.writeBuffer())
  const sheet = await services.rosterImports.read(bytes)
  t.same(sheet.rows.map((r) => r.cells.name), ['张伟'], 'the 花名册 sheet, not the instructions nor the hidden one')
})
