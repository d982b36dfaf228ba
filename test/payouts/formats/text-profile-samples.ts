/**
 * Result files in the shapes of the two text profiles (src/payouts/formats/text-profiles/profiles.ts), built from
 * lines, for the example tests and the property tests alike.
 */
import iconv from 'iconv-lite'
import { Money, formatYuan, type Fen } from '../../../src/kernel/money.ts'

export interface SampleLine {
  seq: number
  card: string
  name: string
  amountFen: Fen
  /** The word as the bank writes it: 成功, 失败, 处理中, 退票 … */
  status: string
  reason?: string
}

/** Display width as aligned exports count it: a hanzi takes two columns (two bytes in GBK). */
const width = (s: string): number => [...s].reduce((n, ch) => n + ((ch.codePointAt(0) ?? 0) > 0x7f ? 2 : 1), 0)
const pad = (s: string, n: number): string => s + ' '.repeat(Math.max(1, n - width(s)))

function summaryFigures(lines: readonly SampleLine[]): { count: number; total: string; booked: number; bookedAmount: string; rejected: number; rejectedAmount: string } {
  const sum = (ls: readonly SampleLine[]): string => formatYuan(ls.reduce((m, l) => m.plus(l.amountFen), new Money(0)).toNumber() as Fen)
  const booked = lines.filter((l) => l.status === '成功')
  const rejected = lines.filter((l) => l.status === '失败')
  return { count: lines.length, total: sum(lines), booked: booked.length, bookedAmount: sum(booked), rejected: rejected.length, rejectedAmount: sum(rejected) }
}

export interface CityOptions {
  encoding?: 'gbk' | 'utf-8'
  date?: string | null
  batch?: string | null
  account?: string
  summary?: boolean
  /** The summary as of other lines: how a file whose lines were edited after the bank wrote it looks. */
  summaryOf?: readonly SampleLine[]
  newline?: '\n' | '\r\n'
}

/** The city commercial bank's aligned GBK .txt: header lines with the date, a rule, the columns, the lines, a summary. */
export function cityBankTxt(lines: readonly SampleLine[], options: CityOptions = {}): Buffer {
  const date = options.date === undefined ? '2026年11月30日' : options.date
  const batch = options.batch === undefined ? 'DF202611300012' : options.batch
  const out = [
    '                        代发工资结果清单',
    `付款账号：${options.account ?? '6230 5800 0001 2345 678'}        付款户名：某建筑劳务有限公司`,
    [date === null ? '' : `代发日期：${date}`, batch === null ? '' : `批次号：${batch}`].join('                  ').trim(),
    '-'.repeat(72),
    [pad('序号', 6), pad('收款账号', 22), pad('户名', 16), pad('金额', 14), pad('状态', 8), '备注'].join(''),
  ]
  for (const l of lines) {
    out.push([pad(String(l.seq), 6), pad(l.card, 22), pad(l.name, 16), pad(formatYuan(l.amountFen), 14), pad(l.status, 8), l.reason ?? ''].join('').trimEnd())
  }
  out.push('-'.repeat(72))
  if (options.summary !== false) {
    const f = summaryFigures(options.summaryOf ?? lines)
    out.push(`总笔数：${f.count}  总金额：${f.total}  成功笔数：${f.booked}  成功金额：${f.bookedAmount}  失败笔数：${f.rejected}  失败金额：${f.rejectedAmount}`)
  }
  const text = out.join(options.newline ?? '\r\n') + (options.newline ?? '\r\n')
  return options.encoding === 'utf-8' ? Buffer.from(text, 'utf-8') : iconv.encode(text, 'gbk')
}

export interface CsvOptions {
  encoding?: 'gbk' | 'utf-8'
  bom?: boolean
  summary?: boolean
  /** Excel's ="…" around card numbers. */
  excelCards?: boolean
  /** Extra columns after the known ones, which the profile ignores. */
  extraColumn?: boolean
}

const csvCell = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)

/** The CSV whose date is only in its file name. */
export function fileNameDateCsv(lines: readonly SampleLine[], options: CsvOptions = {}): Buffer {
  const out = [['序号', '收款账号', '收款户名', '金额', '处理结果', '失败原因', ...(options.extraColumn === true ? ['摘要'] : [])].join(',')]
  for (const l of lines) {
    const card = options.excelCards === true ? `="${l.card}"` : l.card
    out.push([String(l.seq), card, csvCell(l.name), formatYuan(l.amountFen), l.status, csvCell(l.reason ?? ''), ...(options.extraColumn === true ? ['工资'] : [])].join(','))
  }
  if (options.summary !== false) {
    const f = summaryFigures(lines)
    out.push(`合计笔数,${f.count},合计金额,${f.total}`)
  }
  const text = out.join('\r\n') + '\r\n'
  if (options.encoding === 'gbk') return iconv.encode(text, 'gbk')
  return Buffer.concat([Buffer.from(options.bom === false ? [] : [0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf-8')])
}

export const SAMPLE_LINES: readonly SampleLine[] = [
  { seq: 1, card: '6230580000012345671', name: '张伟', amountFen: 350000 as Fen, status: '成功' },
  { seq: 2, card: '6230580000012345689', name: '欧阳娜娜', amountFen: 421050 as Fen, status: '失败', reason: '账户已冻结 请核实' },
  { seq: 3, card: '6230580000012345697', name: '阿依古丽·买买提', amountFen: 280000 as Fen, status: '处理中' },
  { seq: 4, card: '6217001234567890123', name: '肖战', amountFen: 15025 as Fen, status: '退票', reason: '原账户已销户' },
]
