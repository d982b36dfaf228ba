/**
 * (Found by review; these were the defects before the fix.) an XLSX 花名册 whose ID-number or card column Excel kept as numbers. Excel keeps 15 significant digits, so a
 * 19-digit card or an 18-digit ID number has lost its last digits; the README promises `stored_as_number` for it.
 * exceljs hands the cell over as a JS number, roster-import-xlsx.ts writes it with String() as plain digits (not
 * 4.12726E+17), and the SCIENTIFIC check in roster-import.ts never fires: the mangled card passes as 12-30 digits, and
 * a mangled ID number whose check digit happens to be 0 (one in eleven) passes GB 11643 — the import registers a card
 * that is not the worker's, or an ID number that is someone else's.
 */
import t from 'tap'
import ExcelJS from 'exceljs'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { idCheckChar } from '../../src/roster/identity.ts'
import { sheetOf } from '../../src/roster/roster-import-file.ts'
import { xlsxGrid } from '../../src/roster/roster-import-xlsx.ts'
import { previewImport, type RosterFacts } from '../../src/roster/roster-import.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

const HEADER = ['姓名', '身份证号', '班组', '银行卡号', '开户行', '进场日期', '日工资']
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const facts: RosterFacts = { today: '2026-12-04', teams: new Map([['钢筋班', 'team-1']]), registered: new Map(), cardHolders: new Map(), deviceUsers: new Map() }

/** As Excel keeps a long number typed into a General cell: 15 significant digits, the rest zeros. */
const excelNumber = (digits: string): number => Number(digits.slice(0, 15) + '0'.repeat(digits.length - 15))

async function xlsx(rows: unknown[][]): Promise<Buffer> {
  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet('花名册')
  sheet.addRow(HEADER)
  for (const r of rows) sheet.addRow(r)
  return Buffer.from(await book.xlsx.writeBuffer())
}

t.test('a card number Excel kept as a number is flagged stored_as_number, not taken with its last digits lost', async (t) => {
  const card = cardNumber(12345) // 6217000000000012345
  const file = await xlsx([['张伟', idNumber(new Rng(5), 1), '钢筋班', excelNumber(card), '中国农业银行', '2026-10-01', 350]])
  const row = previewImport(sheetOf(await xlsxGrid(file)), facts).rows[0]!
  t.ok(row.problems.some((x) => x.code === 'stored_as_number' && x.field === 'cardNo'), `problems ${JSON.stringify(row.problems)}; the row would be imported with card ${row.cardNo}`)
})

t.test('an ID number Excel kept as a number is flagged stored_as_number, never registered as another number', async (t) => {
  // An ID number whose first 15 digits + "000" also passes the check digit.
  let id = ''
  for (let day = 1; day <= 28 && id === ''; day++) {
    const f17 = `412726197610${String(day).padStart(2, '0')}012`
    const candidate = f17 + idCheckChar(f17)
    const mangled = String(excelNumber(candidate))
    if (idCheckChar(mangled.slice(0, 17)) === mangled[17]) id = candidate
  }
  t.not(id, '')
  const file = await xlsx([['李强', excelNumber(id), '钢筋班', cardNumber(7), '中国农业银行', '2026-10-01', 350]])
  const row = previewImport(sheetOf(await xlsxGrid(file)), facts).rows[0]!
  t.ok(row.problems.some((x) => x.code === 'stored_as_number' && x.field === 'idNumber'), `the real ID is ${id}; the row would register ${row.idNumber}; problems ${JSON.stringify(row.problems)}`)
})

t.test('over HTTP: the import registers the worker with a card that is not theirs', async (t) => {
  const { api: admin } = await startTestServer(t, { clock: new ManualClock(Date.parse('2026-12-04T02:00:00Z')) })
  const site = await registerAccessSite(admin, { tag: 'RXN', regionCode: '330106', bankCode: '103331000011', seed: 72 })
  const card = cardNumber(54321)
  const file = await xlsx([['王芳', idNumber(new Rng(8), 3), '钢筋班 RXN', excelNumber(card), '中国农业银行', '2026-10-01', 350]])
  const res = await admin.fetch(`/api/projects/${site.projectId}/roster-imports`, { method: 'POST', headers: { 'content-type': XLSX }, body: file })
  const body = (await res.json()) as { rows?: Array<{ workerId: string }> }
  t.equal(res.status, 422, 'refused: the card column lost its last digits')
  if (res.status === 201) {
    const revealed = await admin.post<{ cardNo: string }>(`/api/workers/${body.rows![0]!.workerId}/reveal`, { purpose: '核对导入的工资卡号', fields: ['cardNo'] })
    t.equal(revealed.cardNo, card, `registered card ${revealed.cardNo}, the worker's card ${card}`)
  }
})
