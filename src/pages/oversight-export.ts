/**
 * The bureau overview as a file, with what the page shows: the projects and their six colours with each rule, the
 * incidence by month, the open cases by age, the largest arrears. CSV is UTF-8 with a BOM (Excel reads a BOM-less
 * file in the machine's legacy code page and garbles every Chinese name), CRLF, RFC 4180 quoting, sections one after
 * another with a blank line between; XLSX has one sheet per section, text cells as text.
 *
 * Pure: the overview in, bytes out (exceljs's creation stamp is given: the page passes the snapshot's time).
 */
import { loadExcel } from '../kernel/xlsx.ts'
import { fen, formatYuan } from '../kernel/money.ts'
import type { Overview } from '../oversight/service.ts'
import { COLOUR_NAMES } from '../oversight/six-systems.ts'
import { scoreText } from '../risk/risk-index.ts'
import { csvField, defuseFormula } from '../kernel/spreadsheet-text.ts'

const BOM = Buffer.from([0xef, 0xbb, 0xbf])

/** Excel and WPS run a cell that starts with = + - @ as a formula: text from the ledger is defused. */

type Section = { name: string; header: string[]; rows: Array<Array<string | number>> }

export function sectionsOf(o: Overview): Section[] {
  const systemNames = o.projects[0]?.systems.map((s) => s.name) ?? []
  return [
    {
      name: '六项制度',
      header: ['项目', '项目编号', '地区代码', '考核月份', '风险指数', '风险等级', '风险依据', ...systemNames.flatMap((n) => [n, `${n}依据`])],
      rows: o.projects.map((p) => [
        p.name,
        p.siteCode,
        p.regionCode,
        p.dueMonth,
        scoreText(p.risk.points),
        COLOUR_NAMES[p.risk.level],
        p.risk.parts.flatMap((part) => part.reasons.map((r) => `${r.why} +${scoreText(r.points)}`)).join('；'),
        ...p.systems.flatMap((s) => [COLOUR_NAMES[s.colour], s.rule]),
      ]),
    },
    {
      name: '欠薪发生率',
      header: ['月份', '在建项目', '有欠薪案件的项目', '发生率(%)', '目标(%)'],
      rows: o.incidence.map((m) => [m.month, m.underConstruction, m.withArrears, Number((m.rate * 100).toFixed(2)), o.target * 100]),
    },
    {
      name: '未结案件账龄',
      header: ['账龄', '案件数'],
      rows: [
        ['7天以内', o.caseAges.under7],
        ['7–14天（超处置时限）', o.caseAges.from7to14],
        ['15天及以上（超办结时限）', o.caseAges.from15],
      ],
    },
    {
      name: '欠薪金额最大',
      header: ['项目', '月份', '涉及人数', '欠薪金额(元)'],
      rows: o.largestByAmount.map((l) => [l.projectName, l.month, l.workers, formatYuan(fen(l.shortFen))]),
    },
    {
      name: '涉及人数最多',
      header: ['项目', '月份', '涉及人数', '欠薪金额(元)'],
      rows: o.largestByHeadcount.map((l) => [l.projectName, l.month, l.workers, formatYuan(fen(l.shortFen))]),
    },
  ]
}

export function overviewCsv(o: Overview): Buffer {
  const lines: string[] = [csvField(`监管总览 数据截至 ${o.asOf} ${o.asOfTime}`)]
  for (const s of sectionsOf(o)) {
    lines.push('', csvField(s.name), s.header.map(csvField).join(','))
    for (const r of s.rows) lines.push(r.map((c) => csvField(typeof c === 'number' ? String(c) : defuseFormula(c))).join(','))
  }
  return Buffer.concat([BOM, Buffer.from(lines.join('\r\n') + '\r\n', 'utf8')])
}

export async function overviewXlsx(o: Overview, createdAtMs: number): Promise<Buffer> {
  const ExcelJS = await loadExcel()
  const wb = new ExcelJS.Workbook()
  wb.created = new Date(createdAtMs)
  wb.modified = new Date(createdAtMs)
  for (const s of sectionsOf(o)) {
    const sheet = wb.addWorksheet(s.name, { views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }] })
    sheet.addRow(s.header).font = { bold: true }
    for (const r of s.rows) sheet.addRow(r)
  }
  return Buffer.from(await wb.xlsx.writeBuffer())
}
