/**
 * The wage payment ledger (工资支付台账) and the pay slip (工资清单) over HTTP, against the real service: the CSV and
 * the XLSX (read back with exceljs) of an approved sheet with a confirmed line, a payment matched by card and one
 * matched by EndToEndId; masked numbers; the sheet in force when a later version is not approved yet; 404s before any
 * approval; and who may read what (a worker their own slip only, 404 for another's, 403 for the ledger).
 */
import ExcelJS from 'exceljs'
import t from 'tap'
import { insertInto } from '../../src/db/rows.ts'
import { instructionLines, paymentInstructions } from '../../src/db/schema/index.ts'
import { newId } from '../../src/kernel/ids.ts'
import { fen } from '../../src/kernel/money.ts'
import { formatPayoutFile } from '../../src/payouts/file-format.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { failure, startTestServer } from '../helpers/server.ts'

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
/** The fixture's instant for events and answers: 2026-11-03 08:00 in Shanghai. */
const AT_MS = Date.UTC(2026, 10, 3)

t.test('the ledger and the pay slip of an approved month', async (t) => {
  const { api, services } = await startTestServer(t)
  const site = await registerAccessSite(api, { tag: 'LG-1', regionCode: '330106', bankCode: '103331000011', seed: 811 })
  const rng = new Rng(812)
  const w1 = await api.get<{ id: string; name: string; bankName: string }>(`/api/workers/${site.workerId}`)
  const w1Id = await services.db.get<{ idNumber: string; cardNo: string }>({ text: 'SELECT id_number AS "idNumber", card_no AS "cardNo" FROM workers WHERE id = ?', params: [site.workerId] })
  const secondId = idNumber(rng, 812)
  const secondCard = cardNumber(812)
  const w2 = await api.post<{ id: string }>('/api/workers', { name: '李<b>四', idNumber: secondId, bankName: '建行', cardNo: secondCard, phone: '13812345678' })
  const e2 = await api.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w2.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: 'W-LG-2' })
  const full = { id1: w1Id!.idNumber, card1: w1Id!.cardNo, id2: secondId, card2: secondCard }

  const ledgerUrl = (format: string) => `/api/projects/${site.projectId}/payroll-ledger/${MONTH}?format=${format}`
  const slipUrl = (workerId: string) => `/api/projects/${site.projectId}/workers/${workerId}/pay-slip/${MONTH}`

  await t.test('nothing approved: 404 for the ledger and the slip', async (t) => {
    t.match(await failure(api.get(ledgerUrl('csv'))), { status: 404, code: 'payroll_ledger_not_found' })
    t.match(await failure(api.get(slipUrl(site.workerId))), { status: 404, code: 'payroll_line_not_found' })
    // A sheet made but not approved is not the ledger.
    await insertApprovedSheet(services.db, {
      projectId: site.projectId,
      teamId: site.teamId,
      period: MONTH,
      payDate: '2026-11-10',
      states: ['sent'],
      atMs: AT_MS,
      lines: [{ workerId: site.workerId, enrolmentId: site.enrolmentId, workerName: w1.name, idNumber: full.id1, bankName: w1.bankName, cardNo: full.card1, netFen: 1_00 }],
    })
    t.match(await failure(api.get(ledgerUrl('xlsx'))), { status: 404, code: 'payroll_ledger_not_found' })
  })

  // Version 1 was withdrawn-in-effect (never approved); version 2 is approved; version 3 is made but only sent.
  const v2 = await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamId,
    period: MONTH,
    payDate: '2026-11-10',
    version: 2,
    atMs: AT_MS,
    lines: [
      { workerId: site.workerId, enrolmentId: site.enrolmentId, workerName: w1.name, idNumber: full.id1, bankName: w1.bankName, cardNo: full.card1, payableFen: 7_500_00, netFen: 7_000_00, dayHalves: 43, answer: 'confirm' },
      { workerId: w2.id, enrolmentId: e2.id, workerName: '李<b>四', idNumber: full.id2, bankName: '建行', cardNo: full.card2, netFen: 3_000_00, dayHalves: 20 },
    ],
  })
  await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamId,
    period: MONTH,
    payDate: '2026-11-10',
    version: 3,
    states: ['sent'],
    atMs: AT_MS,
    lines: [{ workerId: site.workerId, enrolmentId: site.enrolmentId, workerName: w1.name, idNumber: full.id1, bankName: w1.bankName, cardNo: full.card1, netFen: 9_999_00 }],
  })

  // Worker 2 is instructed with an EndToEndId; the bank pays it to another card (the file names the EndToEndId).
  const instructionId = newId()
  await services.db.run(
    insertInto(paymentInstructions, [
      { id: instructionId, projectId: site.projectId, period: MONTH, sheetId: v2.sheetId, msgId: 'MSG-LG-1', debtorAccountNo: '19045101040000811', debtorName: '总包 LG-1', debtorBankCode: null, requestedOn: '2026-11-08', txCount: 1, ctrlSumFen: 3_000_00, createdBy: 'test', createdAtMs: Date.UTC(2026, 10, 7) },
    ]),
  )
  await services.db.run(
    insertInto(instructionLines, [
      { id: newId(), instructionId, projectId: site.projectId, period: MONTH, workerId: w2.id, sheetLineId: v2.lineIds.get(w2.id)!, attempt: 1, previousLineId: null, endToEndId: 'E2E-LG-W2-1', payeeName: '李<b>四', cardNo: full.card2, bankName: '建行', amountFen: 3_000_00, reason: 'approved sheet' },
    ]),
  )
  const file = formatPayoutFile(
    [
      { seq: 1, payeeCard: full.card1, payeeName: w1.name, amountFen: fen(7_000_00), status: 'success', bankRef: 'VCH-LG-0001', valueDate: '2026-11-08', failureReason: null },
      { seq: 2, payeeCard: cardNumber(999_812), payeeName: '李四', amountFen: fen(3_000_00), status: 'success', bankRef: 'VCH-LG-0002', valueDate: '2026-11-09', failureReason: null, endToEndId: 'E2E-LG-W2-1' },
    ],
    { encoding: 'utf-8' },
  )
  const posted = await api.fetch(`/api/projects/${site.projectId}/payout-files?period=${MONTH}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: file })
  t.equal(posted.status, 201, 'the bank file is stored')

  await t.test('CSV: BOM, file name, the in-force version, masked numbers, payments and confirmation', async (t) => {
    const res = await api.fetch(ledgerUrl('csv'))
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type'), /^text\/csv/)
    t.match(res.headers.get('content-disposition'), `attachment; filename="payroll-ledger-${MONTH}.csv"; filename*=UTF-8''`)
    t.match(decodeURIComponent(res.headers.get('content-disposition')!.split("UTF-8''")[1]!), `工资支付台账-工程 LG-1-${MONTH}.csv`)
    const bytes = Buffer.from(await res.arrayBuffer())
    t.same([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM')
    const text = bytes.subarray(3).toString('utf8')
    const lines = text.trimEnd().split('\r\n')
    t.equal(lines.length, 4, 'header, two workers, totals')
    t.match(lines[0], '应发：fixture')
    t.match(lines[0], '扣款：扣款（未分项）')
    for (const secret of [full.id1, full.card1, full.id2, full.card2, '13812345678']) t.notOk(text.includes(secret), 'no full ID, card or phone')
    const first = lines.find((l) => l.includes(w1.name))!
    t.match(first, '7500.00')
    t.match(first, '500.00')
    t.match(first, '7000.00')
    t.match(first, 'VCH-LG-0001')
    t.match(first, '2026-11-08')
    t.match(first, '应用', 'confirmed in the app')
    t.notMatch(text, '9999.00', 'version 3 is not approved: version 2 is in force')
    const second = lines.find((l) => l.includes('李<b>四'))!
    t.match(second, 'VCH-LG-0002', 'matched by EndToEndId though paid to another card')
    t.match(second, '2026-11-09')
    t.match(second, '138****5678')
  })

  await t.test('the reveal: full numbers for a stated purpose, logged as a reveal', async (t) => {
    const reveal = (client: typeof api, body: unknown) =>
      client.fetch(`/api/projects/${site.projectId}/payroll-ledger/${MONTH}/reveal`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    t.equal((await reveal(api, { format: 'csv' })).status, 400, 'a purpose is required')
    const res = await reveal(api, { purpose: '劳动监察大队检查工资台账', format: 'csv' })
    t.equal(res.status, 200)
    t.match(res.headers.get('content-disposition'), `filename="payroll-ledger-${MONTH}.csv"`)
    const text = Buffer.from(await res.arrayBuffer()).toString('utf8')
    for (const secret of [full.id1, full.card1, full.id2, full.card2, '13812345678']) t.ok(text.includes(secret), 'full numbers in the revealed file')
    const xlsx = await reveal(api, { purpose: '劳动监察大队检查工资台账' })
    t.equal(xlsx.headers.get('content-type'), XLSX_TYPE, 'xlsx by default')
    await services.accessLog.idle()
    const log = await services.db.all<{ action: string; purpose: string | null }>({ text: "SELECT action, purpose FROM access_log WHERE route LIKE '%payroll-ledger%reveal' AND status = 200 ORDER BY id", params: [] })
    t.equal(log.length, 2)
    t.ok(log.every((l) => l.action === 'reveal' && l.purpose === '劳动监察大队检查工资台账'), 'each reveal is logged with its purpose')
  })

  await t.test('XLSX read back with exceljs', async (t) => {
    const res = await api.fetch(ledgerUrl('xlsx'))
    t.equal(res.status, 200)
    t.equal(res.headers.get('content-type'), XLSX_TYPE)
    t.match(res.headers.get('content-disposition'), `filename="payroll-ledger-${MONTH}.xlsx"`)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(await res.arrayBuffer())
    const sheet = wb.getWorksheet(MONTH)!
    t.ok(sheet, 'a sheet named after the month')
    const header = (sheet.getRow(1).values as unknown[]).slice(1) as string[]
    const col = (name: string) => header.indexOf(name) + 1
    t.equal(sheet.rowCount, 4, 'header, two workers, totals')
    const rows = [2, 3].map((n) => sheet.getRow(n))
    const byName = (name: string) => rows.find((r) => r.getCell(col('姓名')).value === name)!
    const r1 = byName(w1.name)
    t.equal(r1.getCell(col('应发合计')).value, 7500)
    t.equal(r1.getCell(col('扣款合计')).value, 500)
    t.equal(r1.getCell(col('应付金额（工资表实发）')).value, 7000)
    t.equal(r1.getCell(col('实际支付金额')).value, 7000)
    t.equal(r1.getCell(col('支付状态')).value, '已足额支付')
    t.equal(r1.getCell(col('出勤天数')).value, 21.5)
    t.equal(r1.getCell(col('银行凭证号')).value, 'VCH-LG-0001')
    t.equal(r1.getCell(col('身份证号')).value, `${full.id1.slice(0, 6)}********${full.id1.slice(-4)}`)
    t.equal(r1.getCell(col('银行卡号')).value, `****${full.card1.slice(-4)}`)
    t.equal(r1.getCell(col('确认方式')).value, '应用')
    const r2 = byName('李<b>四')
    t.equal(r2.getCell(col('应付金额（工资表实发）')).value, 3000)
    t.equal(r2.getCell(col('本人确认时间')).value, null, 'not confirmed')
    const total = sheet.getRow(4).getCell(col('应付金额（工资表实发）')).value as { formula: string; result: number }
    t.equal(total.result, 10000, 'totals row: SUM with the fen sum as its result')
  })

  await t.test('the pay slip: masked, escaped, evidence', async (t) => {
    const res = await api.fetch(slipUrl(w2.id))
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type'), /^text\/html; charset=utf-8/)
    const html = await res.text()
    t.match(html, '李&lt;b&gt;四')
    t.notOk(html.includes('李<b>四'), 'the name is escaped')
    for (const secret of [full.id2, full.card2]) t.notOk(html.includes(secret), 'no full ID or card')
    t.match(html, `****${full.card2.slice(-4)}`)
    t.match(html, '<td>建行</td><td>2026-11-09</td><td>VCH-LG-0002</td>')
    t.match(html, '<p class="answer">未确认</p>')
    t.match(html, '第 2 版')
    const own = await (await api.fetch(slipUrl(site.workerId))).text()
    t.match(own, '已确认（应用，2026-11-03 08:00:00）', "confirmation at the project's wall time")
    t.match(own, '<td>扣款（未分项）</td><td class="amount">¥500.00</td>')
  })

  await t.test('who may read: a worker their own slip only, the ledger for labour managers and auditors', async (t) => {
    await createLogin(api, 'lg.worker', 'worker', { workerId: site.workerId })
    await createLogin(api, 'lg.auditor', 'auditor', { regionCode: '3301' })
    await createLogin(api, 'lg.team', 'team_manager', { organisationId: site.subcontractorId })
    const worker = api.as(await logIn(api, 'lg.worker'))
    const auditor = api.as(await logIn(api, 'lg.auditor'))
    const team = api.as(await logIn(api, 'lg.team'))
    t.equal((await worker.fetch(slipUrl(site.workerId))).status, 200, 'the worker reads their own slip')
    t.match(await failure(worker.get(slipUrl(w2.id))), { status: 404 }, "another worker's slip is not found")
    t.match(await failure(worker.get(ledgerUrl('csv'))), { status: 403, code: 'role_forbidden' })
    t.match(await failure(team.get(ledgerUrl('csv'))), { status: 403, code: 'role_forbidden' })
    t.match(await failure(worker.post(`/api/projects/${site.projectId}/payroll-ledger/${MONTH}/reveal`, { purpose: 'my own numbers' })), { status: 403, code: 'role_forbidden' })
    t.equal((await team.fetch(slipUrl(w2.id))).status, 200, "the team manager reads their team's slips")
    t.equal((await auditor.fetch(ledgerUrl('xlsx'))).status, 200, 'the auditor reads the ledger')
    t.equal((await auditor.fetch(slipUrl(w2.id))).status, 200, 'and a slip')
    await services.accessLog.idle()
    const log = await services.db.all<{ action: string; status: number }>({ text: "SELECT action, status FROM access_log WHERE route LIKE '%pay-slip%' ORDER BY id", params: [] })
    t.ok(log.some((l) => l.action === 'read' && Number(l.status) === 200), 'slip reads are written to the access log')
    t.ok(log.some((l) => l.action === 'denied'), 'and the refused one')
  })
})
