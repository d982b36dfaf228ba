/**
 * The monthly attendance sheet (考勤表) of one team, as the labour manager
 * prints it for signatures and the labour bureau (人社部门) asks to see it: one
 * line per worker, one column per day, the month's totals. Two renderings of
 * one table: CSV for Excel (UTF-8 with a BOM, since Excel reads a BOM-less
 * file in the machine's legacy code page and garbles every Chinese name), and
 * a self-contained HTML page that prints on A4 landscape.
 *
 * Pure: a team's month in, bytes or text out. The sheet is handed to people
 * outside the site, so identity numbers are masked, and names and trades —
 * typed by whoever enrolled the worker — are escaped for HTML and defused for
 * spreadsheets (CSV formula injection).
 */
import { maskIdNumber } from '../roster/identity.ts'
import type { ConfirmationChannel } from '../db/schema/timesheets.ts'
import { datesOfMonth, localTimeOf, workDateOf, type WorkDate } from '../kernel/time.ts'
import type { IncompleteDayPolicy } from './policy.ts'
import { creditText, type DayStatus, type WorkerDay } from './rules.ts'
import type { TeamMonth, TeamMonthState } from './service.ts'
import type { WorkerConfirmationRow } from './repository.ts'
import { csvField, defuseFormula } from '../kernel/spreadsheet-text.ts'

// ---- the sheet, shared by both renderings ----------------------------------------

/**
 * The day's mark. The mark says what the day was credited, not only what the
 * gates saw: an incomplete day counted by the policy (△) pays, one waiting for
 * review (?) does not yet. A trailing * says a correction (考勤更正) shaped the
 * day, so a reader knows to look for its reason before signing.
 */
export function daySymbol(day: WorkerDay | undefined): string {
  if (!day) return ''
  return STATUS_SYMBOL[day.status](day) + (day.fromCorrections ? '*' : '')
}

const STATUS_SYMBOL: Record<DayStatus, (d: WorkerDay) => string> = {
  present: () => '√',
  half_day: () => '½',
  // Only the needs_review policy leaves an incomplete day uncredited; a day counted by policy stays △ even when it also waits for review for another reason (a suspect clock).
  incomplete: (d) => (d.decidedBy === 'policy_needs_review' ? '?' : '△'),
  // Absent: every punch of the day was excluded or a repeat, or a manager set it absent.
  absent: () => '×',
}

const LEGEND: ReadonlyArray<readonly [symbol: string, text: string]> = [
  ['√', '出勤 present'],
  ['½', '半天 half day'],
  ['△', '未打全卡，按规则计 incomplete, counted by policy'],
  ['?', '未打全卡，待核未计 incomplete, not counted until reviewed'],
  ['×', '缺勤（打卡未计入） absent: punches not counted'],
  ['*', '经考勤更正 corrected'],
  ['空白 blank', '无记录 no record'],
]

const STATUS_TEXT: Record<DayStatus, string> = {
  present: '出勤 present',
  half_day: '半天 half day',
  incomplete: '未打全卡 incomplete',
  absent: '缺勤 absent',
}

const STATE_TEXT: Record<TeamMonthState, string> = {
  open: '未确认，数字仍可能变化 open: figures may still change',
  manager_confirmed: '劳资专管员已确认，待工人确认 confirmed by the labour manager, awaiting workers',
  worker_confirmed: '工人已全部确认 confirmed by every worker',
}

const POLICY_TEXT: Record<IncompleteDayPolicy, string> = {
  count_day: '按整天计 counted as a full day',
  count_half: '按半天计 counted as a half day',
  needs_review: '待核，核定前不计 not counted until reviewed',
}

const CHANNEL_TEXT: Record<ConfirmationChannel, string> = {
  app: '应用 app',
  kiosk: '自助机 kiosk',
  sms: '短信 SMS',
  paper: '纸质 paper',
  wechat: '微信 WeChat',
}

const LEAD_COLUMNS = ['序号 No.', '姓名 Name', '身份证号 ID number', '工种 Trade'] as const
const TAIL_COLUMNS = ['出勤天数 Days', '工时 Hours', '待核 Needs review', '补差 Adjustments', '工人确认 Worker'] as const

interface Fact {
  label: string
  /** Text from data among them: guarded and escaped like any cell. */
  values: string[]
}

/** The figures at the end of a line, and of the totals row. */
interface Figures {
  credit: string
  hours: string
  review: string
  adjustment: string
  worker: string
}

interface SheetLine extends Figures {
  no: string
  name: string
  idNumber: string
  trade: string
  /** One per date of the month, in order. */
  days: Array<WorkerDay | undefined>
}

interface Sheet {
  title: string
  facts: Fact[]
  dates: WorkDate[]
  lines: SheetLine[]
  /** Per date: how many workers were credited anything that day (出勤人数). */
  creditedPerDay: number[]
  totals: Figures
}

/**
 * Hours with one decimal, truncated to 0.1 h (6 minutes) rather than rounded:
 * integer arithmetic, so 599 minutes never prints as "10.0" and no float ever
 * prints as 9.999999. The totals row truncates the summed minutes, not the sum
 * of the truncated lines.
 */
function hoursText(minutes: number): string {
  return `${Math.floor(minutes / 60)}.${Math.floor((minutes % 60) / 6)}`
}

/** creditText with a sign, since an adjustment can take days away. Empty when nothing changed, so the column stays quiet. */
function signedCreditText(halves: number): string {
  if (halves === 0) return ''
  return (halves > 0 ? '+' : '-') + creditText(Math.abs(halves))
}

function answerText(answer: WorkerConfirmationRow | null): string {
  if (!answer) return ''
  const said = `${answer.decision === 'confirm' ? '确认 confirmed' : '异议 disputed'} (${CHANNEL_TEXT[answer.channel]})`
  // A dispute without its reason would send the manager looking for it; a confirmation's note adds nothing to the sheet.
  return answer.decision === 'dispute' && answer.note ? `${said}: ${answer.note}` : said
}

function localText(ms: number, timeZone: string): string {
  return `${workDateOf(ms, timeZone)} ${localTimeOf(ms, timeZone).slice(0, 5)}`
}

function sheetOf(view: TeamMonth): Sheet {
  const dates = datesOfMonth(view.month)
  const column = new Map(dates.map((d, i) => [d, i]))
  const creditedPerDay = dates.map(() => 0)
  let halves = 0
  let minutes = 0
  let review = 0
  let adjustmentHalves = 0
  let confirmed = 0
  let disputed = 0

  const lines = view.workers.map(({ worker, line, answer }, i): SheetLine => {
    const days: Array<WorkerDay | undefined> = dates.map(() => undefined)
    for (const d of line.month.days) {
      const c = column.get(d.workDate)
      // A month holds only its own dates; a stray one has no column to go in.
      if (c === undefined) continue
      days[c] = d
      if (d.creditHalves > 0) creditedPerDay[c] = (creditedPerDay[c] ?? 0) + 1
    }
    halves += line.month.creditHalves
    minutes += line.month.workedMinutes
    review += line.month.daysNeedingReview
    adjustmentHalves += line.adjustmentHalves
    if (answer?.decision === 'confirm') confirmed++
    if (answer?.decision === 'dispute') disputed++
    return {
      no: String(i + 1),
      name: worker.name,
      // The sheet leaves the site: the full number is personal information (个人信息), and region plus last four tell lines apart well enough.
      idNumber: maskIdNumber(worker.idNumber),
      trade: worker.trade ?? '',
      days,
      credit: creditText(line.month.creditHalves),
      hours: hoursText(line.month.workedMinutes),
      review: String(line.month.daysNeedingReview),
      adjustment: signedCreditText(line.adjustmentHalves),
      worker: answerText(answer),
    }
  })

  const facts: Fact[] = [
    { label: '项目 Project', values: [view.projectName] },
    { label: '班组 Team', values: [view.teamName] },
    { label: '月份 Month', values: [view.month] },
    { label: '状态 State', values: [STATE_TEXT[view.state]] },
  ]
  const c = view.confirmation
  if (c) {
    facts.push({ label: '确认 Confirmed by', values: [c.confirmedBy, localText(c.confirmedAtMs, view.timeZone)] })
    if (c.note) facts.push({ label: '备注 Note', values: [c.note] })
  }
  // △ and ? only mean something next to the policy that produced them.
  facts.push({ label: '未打全卡 Incomplete days', values: [POLICY_TEXT[view.policy.incompleteDay]] }, { label: '时区 Time zone', values: [view.timeZone] })

  return {
    title: `考勤表 Attendance sheet ${view.month}`,
    facts,
    dates,
    lines,
    creditedPerDay,
    totals: {
      credit: creditText(halves),
      hours: hoursText(minutes),
      review: String(review),
      adjustment: signedCreditText(adjustmentHalves),
      worker: view.confirmation ? `确认 ${confirmed} / 异议 ${disputed} / 共 ${lines.length}` : '',
    },
  }
}

const dayNumber = (date: WorkDate): string => String(Number(date.slice(8, 10)))

// ---- CSV -------------------------------------------------------------------------

const BOM = Buffer.from([0xef, 0xbb, 0xbf])

/**
 * The sheet as CSV for Excel: UTF-8 with a BOM, CRLF line endings. Header
 * lines, a blank line, the table with a totals row, a blank line, the legend.
 */
export function attendanceSheetCsv(view: TeamMonth): Buffer {
  const s = sheetOf(view)
  // A row is [cell, fromData]; only text from data is guarded.
  const rows: Array<Array<readonly [string, boolean]>> = []
  const ours = (text: string): readonly [string, boolean] => [text, false]
  const theirs = (text: string): readonly [string, boolean] => [text, true]

  rows.push([ours(s.title)])
  for (const f of s.facts) rows.push([ours(f.label), ...f.values.map(theirs)])
  rows.push([])
  rows.push([...LEAD_COLUMNS, ...s.dates.map(dayNumber), ...TAIL_COLUMNS].map(ours))
  for (const l of s.lines) {
    rows.push([
      ours(l.no),
      theirs(l.name),
      // Masked, but its first six characters are still as entered.
      theirs(l.idNumber),
      theirs(l.trade),
      ...l.days.map((d) => ours(daySymbol(d))),
      ours(l.credit),
      ours(l.hours),
      ours(l.review),
      ours(l.adjustment),
      // Begins with our own words; the dispute note after them cannot start a formula.
      ours(l.worker),
    ])
  }
  const t = s.totals
  rows.push([ours('合计 Total'), ours(''), ours(''), ours(''), ...s.creditedPerDay.map((n) => ours(String(n))), ...[t.credit, t.hours, t.review, t.adjustment, t.worker].map(ours)])
  rows.push([])
  rows.push([ours('图例 Legend'), ...LEGEND.map(([symbol, text]) => ours(`${symbol} ${text}`))])
  rows.push([ours('合计行的日列为当日出勤人数 In the totals row, a day column counts the workers credited that day.')])

  const text = rows.map((r) => r.map(([cell, fromData]) => csvField(fromData ? defuseFormula(cell) : cell)).join(',')).join('\r\n') + '\r\n'
  return Buffer.concat([BOM, Buffer.from(text, 'utf8')])
}

// ---- HTML ------------------------------------------------------------------------

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escapes text for both element content and quoted attribute values. */
function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch)
}

function dayTitle(date: WorkDate, day: WorkerDay | undefined): string {
  if (!day) return `${date} 无记录 no record`
  const parts = [date, STATUS_TEXT[day.status], `${day.workedMinutes} 分钟 min`]
  if (day.needsReview) parts.push('待核 needs review')
  if (day.fromCorrections) parts.push('经更正 corrected')
  return parts.join(' · ')
}

function dayCell(date: WorkDate, day: WorkerDay | undefined): string {
  const classes = ['d']
  if (day?.needsReview) classes.push('review')
  if (day?.fromCorrections) classes.push('corrected')
  return `<td class="${classes.join(' ')}" title="${esc(dayTitle(date, day))}">${esc(daySymbol(day))}</td>`
}

// Sized for 31 day columns on A4 landscape (277 mm between the margins); the fixed columns take about 120 mm.
const CSS = `
@page { size: A4 landscape; margin: 10mm }
* { box-sizing: border-box }
body { margin: 0; font: 8pt/1.3 "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "SimSun", sans-serif; color: #000; -webkit-print-color-adjust: exact; print-color-adjust: exact }
h1 { font-size: 13pt; margin: 0 0 2mm; text-align: center }
.facts { display: flex; flex-wrap: wrap; gap: 1mm 6mm; margin: 0 0 2mm; padding: 0; list-style: none }
.facts b { font-weight: 600; margin-right: 1.5mm }
table.sheet { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 7pt }
table.sheet thead { display: table-header-group }
table.sheet tr { break-inside: avoid; page-break-inside: avoid }
table.sheet th, table.sheet td { border: 0.5pt solid #000; padding: 0.4mm 0.3mm; text-align: center; overflow: hidden; word-break: break-all }
table.sheet th { font-weight: 600; background: #eee }
table.sheet th[scope="row"] { background: none; font-weight: normal; text-align: left }
col.no { width: 7mm } col.name { width: 16mm } col.id { width: 26mm } col.trade { width: 12mm }
col.fig { width: 9mm } col.worker { width: 22mm }
td.id { font-family: "Consolas", "Courier New", monospace; font-size: 6.5pt }
td.d { font-size: 7.5pt }
td.review { background: #ffd54f; font-weight: 700 }
td.corrected { font-style: italic }
tr.totals th, tr.totals td { font-weight: 700; background: #f4f4f4 }
.legend { margin: 2mm 0 0; display: flex; flex-wrap: wrap; gap: 1mm 5mm }
.signatures { display: flex; gap: 20mm; margin-top: 8mm; break-inside: avoid }
.signatures div { flex: 1 }
.line { display: inline-block; border-bottom: 0.5pt solid #000; width: 40mm; margin: 0 3mm }
.line.short { width: 25mm }
.note { margin-top: 3mm }
`

/**
 * The sheet as a printable page: A4 landscape, the table's head repeated on
 * every printed page, the legend, and lines for the signatures. Self-contained
 * (inline CSS, no scripts, nothing fetched) so it prints the same from a
 * saved file on a site office PC with no network.
 */
export function attendanceSheetHtml(view: TeamMonth): string {
  const s = sheetOf(view)
  const head = `<tr>${LEAD_COLUMNS.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}${s.dates.map((d) => `<th scope="col" title="${esc(d)}">${esc(dayNumber(d))}</th>`).join('')}${TAIL_COLUMNS.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr>`
  const figures = (f: Figures): string => [f.credit, f.hours, f.review, f.adjustment, f.worker].map((x) => `<td>${esc(x)}</td>`).join('')
  const body = s.lines
    .map((l) => `<tr><td>${esc(l.no)}</td><th scope="row">${esc(l.name)}</th><td class="id">${esc(l.idNumber)}</td><td>${esc(l.trade)}</td>${l.days.map((d, i) => dayCell(s.dates[i] as WorkDate, d)).join('')}${figures(l)}</tr>`)
    .join('\n')
  // In the body, not a tfoot: a printed tfoot repeats on every page, and a total on page one would be a lie.
  const totals = `<tr class="totals"><th scope="row" colspan="4">合计 Total</th>${s.creditedPerDay.map((n, i) => `<td title="${esc(`${s.dates[i] ?? ''} 出勤人数 workers credited: ${n}`)}">${n}</td>`).join('')}${figures(s.totals)}</tr>`
  const facts = s.facts.map((f) => `<li><b>${esc(f.label)}</b>${f.values.map(esc).join(' ')}</li>`).join('')
  const legend = LEGEND.map(([symbol, text]) => `<span><b>${esc(symbol)}</b> ${esc(text)}</span>`).join('')
  const title = `${s.title} · ${view.projectName} · ${view.teamName}`

  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<ul class="facts">${facts}</ul>
<table class="sheet">
<colgroup><col class="no"><col class="name"><col class="id"><col class="trade">${s.dates.map(() => '<col>').join('')}<col class="fig"><col class="fig"><col class="fig"><col class="fig"><col class="worker"></colgroup>
<thead>${head}</thead>
<tbody>
${body}
${totals}
</tbody>
</table>
<p class="legend"><b>图例 Legend:</b>${legend}<span>合计行的日列为当日出勤人数 in the totals row, a day counts the workers credited</span></p>
<div class="signatures">
<div>劳资专管员签字 Labour manager<span class="line"></span>日期 Date<span class="line short"></span></div>
<div>班组长签字 Team leader<span class="line"></span>日期 Date<span class="line short"></span></div>
</div>
<p class="note">每位工人核对并确认本人一行：在“工人确认”栏签字，或在应用、短信、自助机上确认。Each worker checks and confirms their own line: by signing in the Worker column, or in the app, by SMS or at a kiosk.</p>
</body>
</html>
`
}
