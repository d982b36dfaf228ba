/**
 * Complaint clues imported from a file over HTTP, on both engines (POST /api/clues/imports): a hotline's CSV (UTF-8
 * and GBK) and XLSX received whole, each clue with its receipt and clock; the same file again creates nothing (200);
 * a file with bad rows (a bad value, an unknown site code, a ticket held with other facts) refused whole with every
 * row's number, nothing stored, the file kept in rejected inputs; a row of 12 workers a major incident at once, with
 * its webhook, as a clue entered by hand is; an auditor and a team manager refused.
 */
import t from 'tap'
import iconv from 'iconv-lite'
import ExcelJS from 'exceljs'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { registerRegions } from './helpers/regions.ts'

const NOW_MS = Date.parse('2026-12-02T02:00:00Z')
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const HEADER = '工单编号,受理时间,项目编号,统一社会信用代码,涉及人数,涉及金额（元）,诉求内容,欠薪月份'

interface Imported {
  outcome: string
  created: number
  existing: number
  clueIds: string[]
  rows: Array<{ row: number; externalRef: string; clueId: string; outcome: string }>
}
interface Refusal {
  error: { code: string; details: { rowCount: number; rowsWithProblems: number; rows: Array<{ row: number; problems: Array<{ code: string; message: string }> }> } }
}
interface Clue {
  id: string
  channel: string
  projectId: string | null
  employerCreditCode: string | null
  headcount: number
  amountFen: number
  externalRef: string
  receivedAt: string
  month: string | null
  state: string
  clocks: Array<{ clock: string; startedOn: string; dueOn: string }>
  steps: Array<{ type: string; body: Record<string, unknown> }>
  incidentId: string | null
}

const csv = (rows: readonly string[]): string => [HEADER, ...rows].join('\r\n') + '\r\n'

t.test('complaint clues imported from a file', async (t) => {
  const { api: admin, services } = await startTestServer(t, { clock: new ManualClock(NOW_MS) })
  const r = await registerRegions(admin, 157)
  const hzSite = 'HZ157'
  await admin.post('/api/webhooks', { url: 'http://127.0.0.1:9/hook' })
  const post = async (body: Buffer, type: string, query = '?filename=12333-1130.csv&reason=12333 导出', who = admin): Promise<{ status: number; body: unknown }> => {
    const res = await who.fetch(`/api/clues/imports${query}`, { method: 'POST', headers: { 'content-type': type }, body })
    return { status: res.status, body: await res.json() }
  }
  const count = async (table: string): Promise<number> => Number((await services.db.get<{ n: unknown }>({ text: `SELECT COUNT(*) AS "n" FROM ${table}`, params: [] }))?.n)
  const deliveries = async (type: string): Promise<Array<{ body: string }>> => services.db.all({ text: 'SELECT body AS "body" FROM webhook_deliveries WHERE type = ? ORDER BY created_at_ms', params: [type] })

  const good = csv([
    `GD-1,2026-11-27 15:00,${hzSite},,3,"12,000.50",十月工资没发,2026-10`,
    `GD-2,2026/11/30 09:05,,${r.outsider},12,360000,班组十二人工资被拖欠,`,
  ])

  await t.test('a hotline CSV received whole; the same file again creates nothing', async (t) => {
    const res = await post(Buffer.from(good, 'utf8'), 'text/csv')
    t.equal(res.status, 201)
    const a = res.body as Imported
    t.match(a, { outcome: 'clues_imported', created: 2, existing: 0 })
    t.same(a.rows.map((x) => [x.row, x.externalRef, x.outcome]), [[2, 'GD-1', 'clue_created'], [3, 'GD-2', 'clue_created']])
    t.same(a.clueIds, a.rows.map((x) => x.clueId))

    const one = await admin.get<Clue>(`/api/clues/${a.clueIds[0]}`)
    t.match(one, { channel: 'import', projectId: r.hz.projectId, employerCreditCode: null, headcount: 3, amountFen: 1_200_050, externalRef: 'GD-1', month: '2026-10', receivedAt: '2026-11-27T07:00:00.000Z', state: 'received', incidentId: null })
    t.same(one.clocks.map((c) => [c.clock, c.startedOn, c.dueOn]), [['routing', '2026-11-27', '2026-12-04']], 'the 7-day clock from the hotline’s receipt, in Beijing days')
    t.match(one.steps, [{ type: 'received', body: { channel: 'import', file: { filename: '12333-1130.csv', reason: '12333 导出' } } }], 'the receipt names the file')

    // A row of 12 workers is a major incident at once, with its webhook, as a clue entered by hand is.
    const twelve = await admin.get<Clue>(`/api/clues/${a.clueIds[1]}`)
    t.match(twelve, { employerCreditCode: r.outsider, headcount: 12, amountFen: 36_000_000 })
    t.ok(twelve.incidentId, 'a major incident')
    const sent = await deliveries('incident.major')
    t.equal(sent.length, 1)
    t.match(JSON.parse(sent[0]!.body), { type: 'incident.major', incident: { id: twelve.incidentId, headcount: 12 } })
    t.ok((await r.as.auditorHz.get<Array<{ id: string }>>('/api/clues')).some((c) => c.id === a.clueIds[0]), "the bureau sees its region's clue on the board")

    const again = await post(Buffer.from(good, 'utf8'), 'text/csv', '?filename=again.csv')
    t.equal(again.status, 200, 'nothing new')
    t.match(again.body, { outcome: 'clues_exist', created: 0, existing: 2, clueIds: [] })
    t.same((again.body as Imported).rows.map((x) => x.clueId), a.clueIds, 'each row answered with the clue already held')
    t.equal(await count('clues'), 2)
    t.equal((await deliveries('incident.major')).length, 1, 'no second incident')
  })

  await t.test('GBK and XLSX read as UTF-8 is; a file with held and new tickets creates the new ones', async (t) => {
    const gbk = iconv.encode(csv([`GD-1,2026-11-27 15:00,${hzSite},,3,12000.50,十月工资没发,2026-10`, `GD-3,2026-12-01 08:30,SZ157,,2,800,两名木工工资未结,`]), 'gbk')
    const g = await post(gbk, 'text/csv', '?filename=gbk.csv')
    t.equal(g.status, 201)
    t.match(g.body, { created: 1, existing: 1, rows: [{ externalRef: 'GD-1', outcome: 'clue_exists' }, { externalRef: 'GD-3', outcome: 'clue_created' }] })
    const sz = await admin.get<Clue>(`/api/clues/${(g.body as Imported).clueIds[0]}`)
    t.match(sz, { projectId: r.sz.projectId, summary: '两名木工工资未结', amountFen: 80_000 })

    const book = new ExcelJS.Workbook()
    const sheet = book.addWorksheet('工单')
    sheet.addRow(['12333 工单 2026-12-01'])
    sheet.addRow(['工单编号', '受理时间', '项目编号', '涉及人数', '涉及金额', '诉求内容'])
    sheet.addRow(['GD-4', new Date(Date.UTC(2026, 11, 1, 9, 15, 0)), hzSite, 1, 5200.5, '一人工资少发'])
    const x = await post(Buffer.from(await book.xlsx.writeBuffer()), XLSX, '?filename=1201.xlsx')
    t.equal(x.status, 201)
    const four = await admin.get<Clue>(`/api/clues/${(x.body as Imported).clueIds[0]}`)
    t.match(four, { externalRef: 'GD-4', receivedAt: '2026-12-01T01:15:00.000Z', amountFen: 520_050, projectId: r.hz.projectId })
    t.equal(await count('clues'), 4)
  })

  await t.test('a file with bad rows refused whole, with every row number; nothing stored; kept in rejected inputs', async (t) => {
    const before = await count('clues')
    const eventsBefore = await count('clue_events')
    const bad = csv([
      `GD-5,2026-11-28 10:00,${hzSite},,2,1000,新的一条,`,
      `GD-6,2026-11-28,NOPE,,0,abc,,2026-13`,
      `GD-1,2026-11-27 15:00,${hzSite},,4,12000.50,十月工资没发,2026-10`,
      `GD-7,2026-11-28 11:00,NOPE,,1,1,项目编号不在平台,`,
    ])
    const res = await post(Buffer.from(bad, 'utf8'), 'text/csv', '?filename=bad.csv')
    t.equal(res.status, 422)
    const e = res.body as Refusal
    t.equal(e.error.code, 'clue_file_invalid')
    t.match(e.error.details, { rowCount: 4, rowsWithProblems: 3 })
    t.same(
      e.error.details.rows.map((x) => [x.row, x.problems.map((p) => p.code)]),
      [
        [3, ['missing', 'received_at_invalid', 'headcount_invalid', 'amount_invalid', 'month_invalid']],
        [4, ['external_ref_taken']],
        [5, ['site_unknown']],
      ],
      'numbered as the file shows them (the header is row 1)',
    )
    t.ok(e.error.details.rows.every((x) => x.problems.every((p) => p.message.length > 0)), 'each problem in words')
    t.equal(await count('clues'), before, 'not even its good row')
    t.equal(await count('clue_events'), eventsBefore)
    const kept = await admin.get<Array<{ reason: string; recordId: string; detail: string }>>('/api/rejected-inputs?reason=clue_file_invalid')
    t.equal(kept.length, 1)
    t.match(kept[0], { reason: 'clue_file_invalid', recordId: 'bad.csv' })
    t.match(kept[0]!.detail, /"row":3/)

    const again = await post(Buffer.from(bad, 'utf8'), 'text/csv', '?filename=bad.csv')
    t.equal(again.status, 422, 'the same bad file again is refused again')

    const unreadable = await post(Buffer.from('工单编号,诉求内容\r\nA,b\r\n'), 'text/csv', '?filename=nohead.csv')
    t.equal(unreadable.status, 400)
    t.match(unreadable.body, { error: { code: 'clue_file_unreadable', details: { problem: 'no_header' } } })
    t.equal((await admin.get<unknown[]>('/api/rejected-inputs?reason=clue_file_unreadable')).length, 1, 'kept too')
    const json = await admin.fetch('/api/clues/imports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    t.equal(json.status, 415)
    // POST /api/clues still takes JSON: the import's parsers stay in its own plugin.
    const single = await admin.post<{ outcome: string }>('/api/clues', { channel: 'hotline_12333', projectId: r.hz.projectId, summary: '电话投诉', headcount: 1, amountFen: 100, externalRef: 'T-1' })
    t.equal(single.outcome, 'clue_created')
  })

  await t.test("channel=hotline_12333: the hotline's own export, tickets entered by hand counted as existing", async (t) => {
    const file = csv([`T-1,2026-12-02 09:00,${hzSite},,1,1.00,电话投诉,`, `T-2,2026-12-02 09:30,${hzSite},,1,2.00,另一通电话,`])
    const res = await post(Buffer.from(file, 'utf8'), 'text/csv', '?filename=hotline.csv&channel=hotline_12333')
    t.equal(res.status, 201)
    t.match(res.body, { created: 1, existing: 1, rows: [{ externalRef: 'T-1', outcome: 'clue_exists' }, { externalRef: 'T-2', outcome: 'clue_created' }] })
    t.match(await admin.get<Clue>(`/api/clues/${(res.body as Imported).clueIds[0]}`), { channel: 'hotline_12333' })
  })

  await t.test('a ticket taken between the check and the transaction rolls the whole file back', async (t) => {
    const before = await count('clues')
    const held = (await services.clues.repo.clueByRef('import', 'GD-1'))!
    const row = (id: string, externalRef: string) => ({
      month: null,
      row: { id, projectId: r.hz.projectId, employerCreditCode: null, workerId: null, channel: 'import', summary: 'x', headcount: 1, amountFen: 100, externalRef, receivedAtMs: NOW_MS, createdBy: 'test' },
    })
    const actor = { id: 'op', role: 'admin', label: 'op' }
    await t.rejects(
      services.clues.receiveFile([row('01900000-0000-7000-8000-0000000000a1', 'GD-NEW'), row('01900000-0000-7000-8000-0000000000a2', held.externalRef!)], actor, { filename: 'race.csv', reason: null, fileHash: 'h' }),
      { code: 'clue_external_ref_taken' },
    )
    t.equal(await count('clues'), before, 'the row before it is not kept either')
  })

  await t.test('who: only the platform operator imports', async (t) => {
    for (const who of [r.as.auditorHz, r.as.teamManagerHz, r.as.labourManagerHz, r.as.bank]) {
      t.match(await post(Buffer.from(good, 'utf8'), 'text/csv', '', who), { status: 403, body: { error: { code: 'role_forbidden' } } })
    }
  })
})
