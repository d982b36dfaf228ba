import t from 'tap'
import { parseLocalDateTime } from '../../src/kernel/time.ts'
import { maskIdNumber } from '../../src/roster/identity.ts'
import type { EnrolmentRow, WorkerRow } from '../../src/roster/repository.ts'
import { attendanceSheetCsv, attendanceSheetHtml, daySymbol } from '../../src/timesheets/export.ts'
import { DEFAULT_POLICY } from '../../src/timesheets/policy.ts'
import type { AdjustmentRow, WorkerConfirmationRow } from '../../src/timesheets/repository.ts'
import { buildWorkerDays, foldMonth, type Correction, type RawPunch, type WorkerDay } from '../../src/timesheets/rules.ts'
import type { TeamMonth, TeamMonthWorker } from '../../src/timesheets/service.ts'

const TZ = 'Asia/Shanghai'
const at = (local: string): number => parseLocalDateTime(local, TZ)!

let nextPunch = 1
const punch = (local: string, direction: RawPunch['direction']): RawPunch => ({ id: nextPunch++, deviceId: 'gate-1', deviceTimeMs: at(local), direction, workDate: local.slice(0, 10), clockSuspect: null })

let nextCorrection = 1
const correction = (workDate: string, fields: Partial<Correction> & Pick<Correction, 'kind'>): Correction => ({
  id: `c${nextCorrection++}`,
  workDate,
  punchId: null,
  atMs: null,
  direction: null,
  status: null,
  revokesId: null,
  reason: 'gate was down',
  author: 'manager',
  createdAtMs: at('2026-10-20 09:00'),
  ...fields,
})

const ids = {
  a: '110101199003071234',
  b: '320102198512120021',
  c: '44030519790630555X',
}

function workerRow(id: string, name: string, idNumber: string, trade: string | null): WorkerRow {
  return { id, name, idType: 'resident_id', idNumber, gender: 'male', birthDate: '1990-03-07', ethnicity: null, address: null, phone: null, trade, bankName: 'ICBC', cardNo: '6222020200112233445', createdAtMs: 0 }
}

function enrolmentRow(workerId: string, entryDate: string): EnrolmentRow {
  return { id: `e-${workerId}`, projectId: 'p1', workerId, teamId: 't1', deviceUserId: null, dailyRateFen: 40000, contractNo: null, safetyTrained: true, entryDate, exitDate: null, breaks: [], createdAtMs: 0 }
}

function member(worker: WorkerRow, entryDate: string, punches: RawPunch[], corrections: Correction[], month: string, extra: Partial<Pick<TeamMonthWorker, 'answer'>> & { adjustments?: AdjustmentRow[] } = {}): TeamMonthWorker {
  const enrolment = enrolmentRow(worker.id, entryDate)
  const days = buildWorkerDays({ workerId: worker.id, enrolment: { entryDate, exitDate: null }, punches, corrections }, DEFAULT_POLICY, TZ, `${month}-01`, lastDate(month))
  const adjustments = extra.adjustments ?? []
  return {
    worker,
    enrolment,
    line: {
      workerId: worker.id,
      teamId: 't1',
      frozen: false,
      month: foldMonth(worker.id, days),
      adjustments,
      adjustmentHalves: adjustments.reduce((n, a) => n + a.afterHalves - a.beforeHalves, 0),
      adjustmentMinutes: adjustments.reduce((n, a) => n + a.afterMinutes - a.beforeMinutes, 0),
      laterAdjustments: [],
    },
    answer: extra.answer ?? null,
  }
}

function lastDate(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  return `${month}-${new Date(Date.UTC(y, m, 0)).getUTCDate()}`
}

const adjustment: AdjustmentRow = {
  id: 'adj1',
  projectId: 'p1',
  teamId: 't1',
  workerId: 'wc',
  confirmationId: 'conf-09',
  workDate: '2026-09-28',
  recordedMonth: '2026-10',
  cause: 'late_punch',
  beforeStatus: 'absent',
  afterStatus: 'present',
  beforeHalves: 0,
  afterHalves: 2,
  beforeMinutes: 0,
  afterMinutes: 600,
  detail: '{}',
  recordedAtMs: at('2026-10-02 08:00'),
}

const answer: WorkerConfirmationRow = { id: 'ans1', confirmationId: 'conf-10', workerId: 'wc', decision: 'confirm', channel: 'wechat', note: null, recordedAtMs: at('2026-11-03 12:00') }

/**
 * October 2026, three workers:
 * - A: present on the 6th and 7th (600 min each); a punch on the 3rd, before entry, so excluded: absent.
 * - B: present on the 6th (630 min); only an in on the 8th (needs review); only an in on the 9th plus an out added by correction.
 * - C: present on the 6th (600 min); a half day set by correction on the 10th (240 min, within the half day's four hours); an adjustment of +1 day; confirmed by WeChat.
 */
function october(names: { a?: string; b?: string; c?: string; tradeC?: string } = {}): TeamMonth {
  const a = member(workerRow('wa', names.a ?? 'Zhang, "Big" San', ids.a, '钢筋工'), '2026-10-05', [punch('2026-10-03 07:00', 'in'), punch('2026-10-06 07:00', 'in'), punch('2026-10-06 17:00', 'out'), punch('2026-10-07 07:00', 'in'), punch('2026-10-07 17:00', 'out')], [], '2026-10')
  const b = member(
    workerRow('wb', names.b ?? '<script>alert(1)</script>', ids.b, '木工'),
    '2026-10-01',
    [punch('2026-10-06 07:00', 'in'), punch('2026-10-06 17:30', 'out'), punch('2026-10-08 07:00', 'in'), punch('2026-10-09 07:00', 'in')],
    [correction('2026-10-09', { kind: 'add_punch', atMs: at('2026-10-09 17:00'), direction: 'out' })],
    '2026-10',
  )
  const c = member(
    workerRow('wc', names.c ?? '王五', ids.c, names.tradeC ?? '=HYPERLINK("http://evil.example/?x","click")'),
    '2026-10-01',
    [punch('2026-10-06 07:00', 'in'), punch('2026-10-06 17:00', 'out'), punch('2026-10-10 07:00', 'in'), punch('2026-10-10 11:00', 'out')],
    [correction('2026-10-10', { kind: 'set_status', status: 'half_day' })],
    '2026-10',
    { adjustments: [adjustment], answer },
  )
  return {
    projectId: 'p1',
    projectName: '滨江花园一期 Binjiang Garden',
    teamId: 't1',
    teamName: '钢筋班组',
    month: '2026-10',
    timeZone: TZ,
    policy: DEFAULT_POLICY,
    state: 'manager_confirmed',
    confirmation: { id: 'conf-10', projectId: 'p1', teamId: 't1', month: '2026-10', confirmedBy: '李经理', note: null, confirmedAtMs: at('2026-11-02 09:30') },
    workers: [a, b, c],
  }
}

function november(): TeamMonth {
  const v = october()
  return {
    ...v,
    month: '2026-11',
    state: 'open',
    confirmation: null,
    workers: v.workers.map((w) => member(w.worker, w.enrolment.entryDate, [punch('2026-11-02 07:00', 'in'), punch('2026-11-02 17:00', 'out')], [], '2026-11')),
  }
}

/** RFC 4180, enough to read the sheet back: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(field)
      field = ''
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      i++
    } else field += ch
  }
  return rows
}

function table(buf: Buffer): { text: string; rows: string[][]; header: string[]; body: string[][]; totals: string[] } {
  const text = buf.subarray(3).toString('utf8')
  const rows = parseCsv(text)
  const h = rows.findIndex((r) => r[0] === '序号 No.')
  const header = rows[h]!
  const end = rows.findIndex((r, i) => i > h && r[0] === '合计 Total')
  return { text, rows, header, body: rows.slice(h + 1, end), totals: rows[end]! }
}

const day = (status: WorkerDay['status'], more: Partial<WorkerDay> = {}): WorkerDay => ({
  workerId: 'w',
  workDate: '2026-10-01',
  status,
  creditHalves: 0,
  decidedBy: 'pairs',
  workedMinutes: 0,
  needsReview: false,
  reviewReasons: [],
  pairs: [],
  punches: [],
  corrections: [],
  fromCorrections: false,
  ...more,
})

t.test('daySymbol: one mark per status, * for a corrected day, nothing for no day', async (t) => {
  t.equal(daySymbol(undefined), '')
  t.equal(daySymbol(day('present', { creditHalves: 2 })), '√')
  t.equal(daySymbol(day('half_day', { creditHalves: 1, decidedBy: 'correction', fromCorrections: true })), '½*')
  t.equal(daySymbol(day('incomplete', { decidedBy: 'policy_needs_review', needsReview: true, reviewReasons: ['incomplete'] })), '?')
  t.equal(daySymbol(day('incomplete', { creditHalves: 2, decidedBy: 'policy_count_day' })), '△')
  t.equal(daySymbol(day('incomplete', { creditHalves: 1, decidedBy: 'policy_count_half', needsReview: true, reviewReasons: ['clock_suspect'] })), '△', 'counted by policy even while a suspect clock is looked at')
  t.equal(daySymbol(day('absent', { decidedBy: 'no_counted_punches' })), '×')
  t.equal(daySymbol(day('absent', { decidedBy: 'correction', fromCorrections: true })), '×*')
})

t.test('CSV: BOM, CRLF, header facts', async (t) => {
  const buf = attendanceSheetCsv(october())
  t.ok(Buffer.isBuffer(buf))
  t.same([...buf.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM')
  const text = buf.subarray(3).toString('utf8')
  t.notOk(text.startsWith('\ufeff'), 'one BOM, not two')
  t.ok(text.endsWith('\r\n'))
  t.notOk(/[^\r]\n/.test(text), 'every line ends in CRLF')
  const { rows } = table(buf)
  const fact = (label: string): string[] | undefined => rows.find((r) => r[0] === label)
  t.same(fact('项目 Project'), ['项目 Project', '滨江花园一期 Binjiang Garden'])
  t.same(fact('班组 Team'), ['班组 Team', '钢筋班组'])
  t.same(fact('月份 Month'), ['月份 Month', '2026-10'])
  t.match(fact('状态 State')?.[1], /劳资专管员已确认/)
  t.same(fact('确认 Confirmed by'), ['确认 Confirmed by', '李经理', '2026-11-02 09:30'])
  t.same(fact('时区 Time zone'), ['时区 Time zone', 'Asia/Shanghai'])
  t.match(fact('未打全卡 Incomplete days')?.[1], /待核/)
  const blank = rows.findIndex((r) => r[0] === '序号 No.') - 1
  t.same(rows[blank], [''], 'a blank line before the table')
})

t.test('CSV: one column per day of the month', async (t) => {
  const oct = table(attendanceSheetCsv(october())).header
  t.same(oct.slice(0, 4), ['序号 No.', '姓名 Name', '身份证号 ID number', '工种 Trade'])
  t.same(oct.slice(4, -5), Array.from({ length: 31 }, (_, i) => String(i + 1)))
  t.same(oct.slice(-5), ['出勤天数 Days', '工时 Hours', '待核 Needs review', '补差 Adjustments', '工人确认 Worker'])
  const nov = table(attendanceSheetCsv(november()))
  t.equal(nov.header.length, 4 + 30 + 5)
  t.equal(nov.header[4 + 29], '30')
  t.ok(nov.body.every((r) => r.length === nov.header.length) && nov.totals.length === nov.header.length, 'rows as wide as the header')
  t.equal(nov.body[0]![4 + 1], '√', 'November 2nd')
  t.equal(nov.totals[4 + 1], '3')
  t.equal(nov.rows.find((r) => r[0] === '状态 State')?.[1]?.startsWith('未确认'), true)
  t.notOk(nov.rows.some((r) => r[0] === '确认 Confirmed by'), 'no confirmation line for an open month')
})

t.test('CSV: masked ID numbers only', async (t) => {
  const { text, body } = table(attendanceSheetCsv(october()))
  t.same(
    body.map((r) => r[2]),
    [ids.a, ids.b, ids.c].map(maskIdNumber),
  )
  t.equal(body[0]![2], '110101********1234')
  for (const id of Object.values(ids)) t.notOk(text.includes(id), `full ${id.slice(0, 6)}… absent`)
  t.notOk(text.includes('19900307'), 'no birth date either')
})

t.test('CSV: symbols land in their day columns', async (t) => {
  const { body, header } = table(attendanceSheetCsv(october()))
  const col = (dayOfMonth: number): number => header.indexOf(String(dayOfMonth))
  const [a, b, c] = body as [string[], string[], string[]]
  t.same([a[0], a[1]], ['1', 'Zhang, "Big" San'])
  t.equal(a[col(3)], '×', 'punch before entry: absent')
  t.equal(a[col(6)], '√')
  t.equal(a[col(7)], '√')
  t.equal(a[col(8)], '')
  t.equal(b[col(6)], '√')
  t.equal(b[col(8)], '?', 'in without out: waits for review')
  t.equal(b[col(9)], '√*', 'out added by correction')
  t.equal(c[col(10)], '½*', 'half day set by correction')
  t.equal(c[col(6)], '√')
  t.same(
    a.slice(4, -5).filter((x) => x !== '').length,
    3,
    "A's only marks: the 3rd, 6th and 7th",
  )
})

t.test('CSV: line figures and totals', async (t) => {
  const { body, totals, header } = table(attendanceSheetCsv(october()))
  const figs = (r: string[]): string[] => r.slice(-5)
  t.same(figs(body[0]!), ['2', '20.0', '0', '', ''])
  t.same(figs(body[1]!), ['2', '20.5', '1', '', ''], '600 + 630 minutes; the 8th needs review')
  t.same(figs(body[2]!), ['1.5', '14.0', '0', '+1', '确认 confirmed (微信 WeChat)'], '600 + 240 minutes: a half day set by correction keeps a pair within four hours')
  t.equal(totals[0], '合计 Total')
  t.same(figs(totals), ['5.5', '54.5', '1', '+1', '确认 1 / 异议 0 / 共 3'])
  const perDay = totals.slice(4, -5)
  t.equal(perDay.length, 31)
  t.equal(perDay[header.indexOf('6') - 4], '3')
  t.equal(perDay[header.indexOf('3') - 4], '0', 'absent is not credited')
  t.equal(perDay[header.indexOf('8') - 4], '0', 'waiting for review is not credited')
  t.equal(perDay[header.indexOf('9') - 4], '1')
  t.equal(perDay[header.indexOf('10') - 4], '1', 'a half day counts its worker')
})

t.test('CSV: hours truncate to 0.1 h with integer arithmetic', async (t) => {
  const v = october()
  const w = v.workers[0]!
  // 599 minutes would round to 10.0; truncated it stays under.
  w.line = { ...w.line, month: { ...w.line.month, workedMinutes: 599 } }
  t.equal(table(attendanceSheetCsv(v)).body[0]!.at(-4), '9.9')
  w.line = { ...w.line, month: { ...w.line.month, workedMinutes: 606 } }
  t.equal(table(attendanceSheetCsv(v)).body[0]!.at(-4), '10.1')
  w.line = { ...w.line, month: { ...w.line.month, workedMinutes: 0 }, adjustmentHalves: -1 }
  const r = table(attendanceSheetCsv(v)).body[0]!
  t.equal(r.at(-4), '0.0')
  t.equal(r.at(-2), '-0.5', 'a negative adjustment keeps its sign and is not apostrophed: the sheet wrote it')
})

t.test('CSV: quoting and formula injection', async (t) => {
  const { text, body } = table(attendanceSheetCsv(october()))
  t.ok(text.includes('\r\n1,"Zhang, ""Big"" San",'), 'comma and quote: quoted, quotes doubled')
  t.equal(body[2]![3], `'=HYPERLINK("http://evil.example/?x","click")`, 'formula defused with an apostrophe')
  t.ok(text.includes(`"'=HYPERLINK(""http://evil.example/?x"",""click"")"`))
  for (const evil of ['+1+cmd', '-2+3', '@SUM(A1)', '\tx']) {
    const row = table(attendanceSheetCsv(october({ tradeC: evil }))).body[2]!
    t.equal(row[3], `'${evil}`, JSON.stringify(evil))
  }
  const linebreak = table(attendanceSheetCsv(october({ a: 'Li\r\nSi' })))
  t.equal(linebreak.body[0]![1], 'Li\r\nSi', 'a line break inside a name stays inside its quoted field')
})

t.test('CSV: legend at the bottom', async (t) => {
  const { rows } = table(attendanceSheetCsv(october()))
  const legend = rows.find((r) => r[0] === '图例 Legend')
  t.ok(legend)
  for (const s of ['√ 出勤', '½ 半天', '△', '? ', '× 缺勤', '* 经考勤更正']) t.ok(legend!.some((c) => c.startsWith(s)), s)
  t.ok(rows.indexOf(legend!) > rows.findIndex((r) => r[0] === '合计 Total'))
})

t.test('HTML: a self-contained printable page', async (t) => {
  const html = attendanceSheetHtml(october())
  t.ok(html.startsWith('<!DOCTYPE html>'))
  t.match(html, /<html lang="zh-CN">/)
  t.match(html, /<meta charset="utf-8">/)
  t.match(html, /@page \{ size: A4 landscape; margin: 10mm \}/)
  t.match(html, /thead \{ display: table-header-group \}/)
  t.notMatch(html, /<script/i, 'no scripts')
  t.notMatch(html, /<link|\bsrc=|\bhref=|url\(|@import/i, 'nothing fetched')
  t.match(html, /图例 Legend/)
  for (const s of ['√', '½', '△', '×', '未打全卡，待核未计']) t.ok(html.includes(s), s)
  t.match(html, /劳资专管员签字/)
  t.match(html, /班组长签字/)
  t.match(html, /日期 Date/)
  t.match(html, /每位工人核对并确认本人一行/)
  t.match(html, /滨江花园一期/)
  t.match(html, /2026-11-02 09:30/)
  t.equal((html.match(/<th scope="col"[^>]*>\d+<\/th>/g) ?? []).length, 31, 'a head cell per day')
  t.equal((attendanceSheetHtml(november()).match(/<th scope="col"[^>]*>\d+<\/th>/g) ?? []).length, 30)
})

t.test('HTML: escapes every text from data', async (t) => {
  const html = attendanceSheetHtml(october())
  t.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'))
  t.notOk(html.includes('<script>alert(1)</script>'))
  t.ok(html.includes('Zhang, &quot;Big&quot; San'))
  t.ok(html.includes('=HYPERLINK(&quot;http://evil.example/?x&quot;,&quot;click&quot;)'), 'HTML needs no apostrophe, only escaping')
  const quoteInAttr = attendanceSheetHtml({ ...october(), projectName: `O'Brien & "Sons" <Ltd>` })
  t.ok(quoteInAttr.includes('O&#39;Brien &amp; &quot;Sons&quot; &lt;Ltd&gt;'))
  t.notOk(quoteInAttr.includes('<Ltd>'))
})

t.test('HTML: masked ID numbers only', async (t) => {
  const html = attendanceSheetHtml(october())
  for (const id of Object.values(ids)) {
    t.notOk(html.includes(id), 'full number absent')
    t.ok(html.includes(maskIdNumber(id)), 'masked number present')
  }
})

t.test('HTML: review cells stand out, every day cell has a title', async (t) => {
  const html = attendanceSheetHtml(october())
  t.match(html, /<td class="d review" title="2026-10-08 · 未打全卡 incomplete · 0 分钟 min · 待核 needs review">\?<\/td>/)
  t.match(html, /<td class="d corrected" title="2026-10-09 · 出勤 present · 600 分钟 min · 经更正 corrected">√\*<\/td>/)
  t.match(html, /<td class="d" title="2026-10-06 · 出勤 present · 630 分钟 min">√<\/td>/)
  t.match(html, /<td class="d" title="2026-10-01 无记录 no record"><\/td>/)
  t.match(html, /td\.review \{/)
  t.equal((html.match(/class="d review/g) ?? []).length, 1)
  t.equal((html.match(/<td class="d[ "]/g) ?? []).length, 3 * 31)
})
