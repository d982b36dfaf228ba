/**
 * Outside signal imports over HTTP, on both engines (POST/GET /api/signals/imports, GET /api/employers/{code}/signals):
 * CSV, XLSX and JSON stored; the same file twice is one import (200 the second time); a file with a bad row refused
 * whole with every row's number and problems, nothing stored, the file kept in rejected inputs; an employer on no
 * roster kept and matched once an organisation with its credit code is registered; who may import and read what.
 */
import t from 'tap'
import ExcelJS from 'exceljs'
import { ManualClock } from '../../src/kernel/time.ts'
import { failure, startTestServer } from '../helpers/server.ts'
import { registerRegions, signalCsv } from './helpers/regions.ts'

const NOW_MS = Date.parse('2026-12-02T02:00:00Z')
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

interface Imported {
  outcome: string
  import: { id: string; fileHash: string; filename: string; format: string; rowCount: number; importedBy: string; reason: string | null }
}
interface Signal {
  importId: string
  rowNo: number
  creditCode: string
  employerName: string
  signal: string
  source: string
  period: string
  amountFen: number | null
  severity: number
}
interface Employer {
  creditCode: string
  organisations: Array<{ id: string; name: string; kind: string }>
  projects: Array<{ id: string; as: string }>
  signals: Signal[]
}

t.test('outside signal imports', async (t) => {
  const { api: admin, services } = await startTestServer(t, { clock: new ManualClock(NOW_MS) })
  const r = await registerRegions(admin, 151)
  const post = async (body: Buffer, type: string, query = '?filename=signals.csv&reason=11月人社报送', who = admin): Promise<{ status: number; body: unknown }> => {
    const res = await who.fetch(`/api/signals/imports${query}`, { method: 'POST', headers: { 'content-type': type }, body })
    return { status: res.status, body: await res.json() }
  }
  const signalRows = async (): Promise<number> => Number((await services.db.get<{ n: unknown }>({ text: 'SELECT COUNT(*) AS "n" FROM employer_signals', params: [] }))?.n)

  const csv = signalCsv([
    [r.hz.codes.subcontractor, '杭州某劳务有限公司', '欠缴社保', '人社', '2026-11', '350000.00', '较重'],
    [r.sz.codes.generalContractor, '深圳某建设有限公司', '停电', '供电公司', '2026-11', '', '严重'],
    [r.outsider, '某未登记企业', '欠税', '税务', '2026年11月', '12000', '1'],
  ])

  await t.test('a CSV stored whole; the same bytes again are the same import', async (t) => {
    const first = await post(csv, 'text/csv')
    t.equal(first.status, 201)
    const a = first.body as Imported
    t.match(a, { outcome: 'signal_import_stored', import: { filename: 'signals.csv', format: 'csv', rowCount: 3, reason: '11月人社报送' } })
    const again = await post(csv, 'text/csv', '?filename=again.csv')
    t.equal(again.status, 200, 'not 201: nothing new was stored')
    t.same((again.body as Imported).outcome, 'signal_import_exists')
    t.equal((again.body as Imported).import.id, a.import.id)
    t.equal((again.body as Imported).import.filename, 'signals.csv', 'the import as first stored')
    t.equal(await signalRows(), 3, 'its rows stored once')
    const list = await admin.get<Array<{ id: string }>>('/api/signals/imports')
    t.same(list.map((i) => i.id), [a.import.id])
    const one = await admin.get<{ import: { id: string }; rows: Signal[] }>(`/api/signals/imports/${a.import.id}`)
    t.same(
      one.rows.map((s) => [s.rowNo, s.creditCode, s.signal, s.period, s.amountFen, s.severity]),
      [
        [1, r.hz.codes.subcontractor, 'social_insurance_arrears', '2026-11', 35_000_000, 2],
        [2, r.sz.codes.generalContractor, 'utility_cutoff', '2026-11', null, 3],
        [3, r.outsider, 'tax_arrears', '2026-11', 1_200_000, 1],
      ],
    )
    const paged = await admin.get<{ rows: Signal[]; next: number | null }>(`/api/signals/imports/${a.import.id}?limit=2`)
    t.same([paged.rows.length, paged.next], [2, 2])
    const rest = await admin.get<{ rows: Signal[]; next: number | null }>(`/api/signals/imports/${a.import.id}?limit=2&afterRow=2`)
    t.same([rest.rows.map((s) => s.rowNo), rest.next], [[3], null])
  })

  await t.test('XLSX and JSON stored as CSV is', async (t) => {
    const book = new ExcelJS.Workbook()
    const sheet = book.addWorksheet('预警名单')
    sheet.addRow(['2026年10月 联合预警名单'])
    sheet.addRow(['统一社会信用代码', '单位名称', '预警类型', '来源部门', '所属期', '金额', '等级'])
    sheet.addRow([r.hz.codes.generalContractor, '杭州某建设', '涉诉', '法院', '2026-10', 80000, '一般'])
    const x = await post(Buffer.from(await book.xlsx.writeBuffer()), XLSX, '?filename=oct.xlsx')
    t.equal(x.status, 201)
    t.match(x.body, { import: { format: 'xlsx', rowCount: 1 } })
    const json = Buffer.from(JSON.stringify({ signals: [{ creditCode: r.hz.codes.generalContractor, signal: 'work_stoppage', source: '住建', period: '2026-10', severity: 2 }] }))
    const j = await post(json, 'application/json', '')
    t.equal(j.status, 201)
    t.match(j.body, { import: { format: 'json', rowCount: 1, filename: 'unnamed', reason: null } })
    t.equal(await signalRows(), 5)
  })

  await t.test('a bad row refuses the file whole, with every row number; nothing stored; kept in rejected inputs', async (t) => {
    const before = (await admin.get<unknown[]>('/api/signals/imports')).length
    const bad = signalCsv([
      [r.hz.codes.constructionUnit, '甲', '欠缴社保', '人社', '2026-11', '', '2'],
      [r.hz.codes.generalContractor, '乙', '欠薪传闻', '人社', '2026-13', '', '2'],
      [r.sz.codes.subcontractor, '丙', '停水', '水务', '2026-11', '-5', '9'],
    ])
    const res = await post(bad, 'text/csv', '?filename=bad.csv')
    t.equal(res.status, 422)
    const e = res.body as { error: { code: string; details: { rowCount: number; rowsWithProblems: number; rows: Array<{ row: number; problems: Array<{ code: string; message: string }> }> } } }
    t.equal(e.error.code, 'signal_file_invalid')
    t.match(e.error.details, { rowCount: 3, rowsWithProblems: 2 })
    t.same(
      e.error.details.rows.map((x) => [x.row, x.problems.map((p) => p.code)]),
      [
        [3, ['signal_unknown', 'period_invalid']],
        [4, ['amount_invalid', 'severity_invalid']],
      ],
      'numbered as the file shows them (the header is row 1)',
    )
    t.ok(e.error.details.rows[0]!.problems.every((p) => p.message.length > 0), 'each problem in words')
    t.equal((await admin.get<unknown[]>('/api/signals/imports')).length, before, 'no import')
    t.equal(await signalRows(), 5, 'not even its good row')
    const kept = await admin.get<Array<{ reason: string; recordId: string; detail: string }>>('/api/rejected-inputs?reason=signal_file_invalid')
    t.equal(kept.length, 1)
    t.match(kept[0], { reason: 'signal_file_invalid', recordId: 'bad.csv' })
    t.match(kept[0]!.detail, /"row":3/)

    const unreadable = await post(Buffer.from('名称,金额\r\n甲,1\r\n'), 'text/csv', '?filename=nohead.csv')
    t.equal(unreadable.status, 400)
    t.match(unreadable.body, { error: { code: 'signal_file_unreadable', details: { problem: 'no_header' } } })
    t.equal((await admin.get<unknown[]>('/api/rejected-inputs?reason=signal_file_unreadable')).length, 1, 'kept too')
    const form = await admin.fetch('/api/signals/imports', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--' })
    t.equal(form.status, 415)
  })

  await t.test('an employer on no roster is kept, and matched once an organisation has its credit code', async (t) => {
    const before = await admin.get<Employer>(`/api/employers/${r.outsider}/signals`)
    t.same(before.organisations, [])
    t.same(before.projects, [])
    t.same(before.signals.map((s) => s.signal), ['tax_arrears'])
    const org = await admin.post<{ id: string }>('/api/organisations', { kind: 'subcontractor', name: '后来登记的劳务公司', creditCode: r.outsider })
    await admin.post(`/api/projects/${r.hz.projectId}/teams`, { name: '木工班', employerId: org.id })
    const after = await admin.get<Employer>(`/api/employers/${r.outsider.toLowerCase()}/signals`)
    t.same(after.organisations.map((o) => o.id), [org.id])
    t.same(after.projects.map((p) => [p.id, p.as]), [[r.hz.projectId, 'team_employer']])
    t.equal(after.signals.length, 1, 'the signal reported before it was registered')
    t.match(await failure(admin.get(`/api/employers/NOT-A-CODE/signals`)), { status: 400, code: 'invalid_credit_code' })
  })

  await t.test('who: the platform operator imports; auditors read their region; others are refused', async (t) => {
    const imports = await admin.get<Array<{ id: string }>>('/api/signals/imports')
    const first = imports[imports.length - 1]!.id
    t.equal((await r.as.auditorHz.get<unknown[]>('/api/signals/imports')).length, imports.length, "an auditor reads the imports' metadata")
    const hzRows = await r.as.auditorHz.get<{ rows: Signal[] }>(`/api/signals/imports/${first}`)
    t.same(hzRows.rows.map((s) => s.creditCode).sort(), [r.hz.codes.subcontractor, r.outsider].sort(), 'rows of employers with a project in the region (the outsider now has one)')
    const szRows = await r.as.auditorSz.get<{ rows: Signal[] }>(`/api/signals/imports/${first}`)
    t.same(szRows.rows.map((s) => s.creditCode), [r.sz.codes.generalContractor])
    t.equal((await r.as.auditorHz.get<Employer>(`/api/employers/${r.hz.codes.subcontractor}/signals`)).signals.length, 1)
    t.match(await failure(r.as.auditorSz.get(`/api/employers/${r.hz.codes.subcontractor}/signals`)), { status: 404, code: 'employer_not_found' }, "another region's employer is as unknown")
    t.match(await failure(r.as.auditorHz.get(`/api/employers/${r.sz.codes.generalContractor}/signals`)), { status: 404, code: 'employer_not_found' })
    const refused = await post(csv, 'text/csv', '', r.as.auditorHz)
    t.match(refused, { status: 403, body: { error: { code: 'role_forbidden' } } }, 'an auditor does not import')
    for (const who of [r.as.teamManagerHz, r.as.labourManagerHz, r.as.bank]) {
      t.match(await failure(who.get('/api/signals/imports')), { status: 403, code: 'role_forbidden' })
      t.match(await failure(who.get(`/api/employers/${r.hz.codes.subcontractor}/signals`)), { status: 403, code: 'role_forbidden' })
    }
    t.match(await failure(admin.get('/api/signals/imports/01900000-0000-7000-8000-000000000009')), { status: 404, code: 'signal_import_not_found' })
  })
})
