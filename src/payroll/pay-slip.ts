/**
 * The pay slip (工资清单): one worker's month as a printable zh-CN page, kept with the evidence (保障农民工工资支付条例
 * Art. 15 asks the employer to give each worker a written list of their wage when paying it). It shows what the
 * approved payroll sheet says — days and hours, 应发 by item, 扣款 by item, 实发 — the worker's own answer to the line
 * (工资确认: channel and time, in the project's zone), and the bank's evidence once the payment is matched: the bank,
 * the value date and the voucher reference (银行凭证号), with what was actually paid against the 实发 and what is still
 * missing (未付足), or 未支付.
 *
 * Pure: a `PaySlip` in, one self-contained HTML document out (inline CSS with print rules, no script, no external
 * asset), so the page prints the same wherever it is opened and can be filed as it is. Every text from data is
 * escaped; the ID and card numbers are masked unless the caller says `reveal` (who may see them is the caller's policy).
 *
 * Also here, because the slip and the ledger must name items alike: the labels of a sheet line's stored items
 * (`lineItems`), read from the line's `items` JSON as the sheet service writes it.
 */
import type { ConfirmationChannel } from '../db/schema/timesheets.ts'
import { Money, formatYuan, subFen, sumFen, fen, type Fen } from '../kernel/money.ts'
import { localTimeOf, workDateOf, type Month, type WorkDate } from '../kernel/time.ts'
import { maskCard, maskIdNumber } from '../roster/identity.ts'
import { paymentStateText, type LedgerItem } from './ledger-export.ts'

/** A bank payment matched to the line: a successful payout line. */
export interface SlipPayment {
  bankRef: string
  valueDate: WorkDate
  amountFen: Fen
  /** How it was matched: by the instruction's EndToEndId, or by the worker's card in the month. */
  matchedBy: 'end_to_end_id' | 'card'
}

/** The worker's newest answer to the line. */
export interface SlipAnswer {
  decision: 'confirm' | 'dispute'
  channel: ConfirmationChannel
  atMs: number
  note: string | null
  /** The version the answer was given on, when carried onto this one (the line's figures are the same). */
  carriedFromVersion?: number | null
}

export interface PaySlip {
  projectName: string
  /** The project's IANA zone: the confirmation time is shown as its wall time. */
  timeZone: string
  month: Month
  employerName: string
  teamName: string
  /** The sheet version the line is on, and the date the month's wages are due (应付日期). */
  sheetVersion: number
  dueDate: WorkDate
  workerName: string
  idNumber: string
  bankName: string
  cardNo: string
  creditHalves: number
  workedMinutes: number
  payable: readonly LedgerItem[]
  deductions: readonly LedgerItem[]
  netFen: Fen
  answer: SlipAnswer | null
  /**
   * The payments (or the parts of them) counted against this line, whose sum is paidFen; empty while nothing is
   * matched: 未支付. (The ledger's LedgerLine.slip holds every payment of the worker's month here; the slip printed
   * takes the line's part, LedgerLine.paid.)
   */
  payments: readonly SlipPayment[]
  /**
   * What the bank paid against this line (实际支付): the sum of the payments, or, for a worker with lines on two
   * teams' sheets in the month, the part of them set against this one (ledger-repository.ts allocatePayments).
   * Shown beside the net, so a short payment does not read as paid in full.
   */
  paidFen: Fen
}

export interface PaySlipOptions {
  /** Show full ID and card numbers. Off by default. */
  reveal?: boolean
}

// ---- item labels (shared with the ledger) ---------------------------------------------------------------------------

const DEDUCTION_TEXT: Record<string, string> = {
  advance: '已预支',
  social_insurance: '个人社保',
  income_tax: '个人所得税',
}

const TERMS_TEXT: Record<string, string> = { daily: '日薪', hourly: '计时', monthly: '月薪', piece: '计件' }

/** What a sheet line's `items` JSON holds, as far as the slip and the ledger read it. */
interface StoredItems {
  payable?: Array<{ kind?: string; termsKind?: string; itemKind?: string; reason?: string; amountFen?: number }>
  deductions?: Array<{ reason?: string; note?: string; appliedFen?: number; amountFen?: number; adjustmentId?: string }>
}

/** The label of a payable item: 基本工资（日薪）, 计件工资：钢筋, 补差, or an addition's own reason. */
export function payableLabel(item: NonNullable<StoredItems['payable']>[number]): string {
  if (item.kind === 'base') return `基本工资（${TERMS_TEXT[item.termsKind ?? ''] ?? '其他'}）`
  if (item.kind === 'piece') return `计件工资：${item.itemKind ?? ''}`
  if (item.kind === 'adjustment') return '补差（往月考勤调整）'
  return item.reason?.trim() ? item.reason : '其他应发'
}

/** The label of a deduction: 已预支, 个人社保, 个人所得税, 其他：<note>, or 补差扣回 for an adjustment taking pay back. */
export function deductionLabel(item: NonNullable<StoredItems['deductions']>[number]): string {
  if (item.adjustmentId !== undefined) return '补差扣回（往月考勤调整）'
  const known = DEDUCTION_TEXT[item.reason ?? '']
  if (known) return known
  return item.note?.trim() ? `其他：${item.note}` : '其他扣款'
}

/** The label of the part of a column its items do not explain (a line written without a full breakdown). */
export const UNITEMISED_PAYABLE = '应发（未分项）'
export const UNITEMISED_DEDUCTION = '扣款（未分项）'

/**
 * A line's items with labels, from its `items` JSON and its stored columns. The columns are what was approved and
 * paid; if the items do not add up to them (a line written without its breakdown), the difference is shown as its
 * own item labelled 未分项 rather than hidden or refused, so the ledger and the slip always add up to the sheet.
 * Deductions are their applied parts; a deduction of which nothing applied is left out, as on the ledger.
 */
export function lineItems(itemsJson: string, columns: { payableFen: number; deductionsFen: number }): { payable: LedgerItem[]; deductions: LedgerItem[] } {
  let stored: StoredItems = {}
  try {
    const parsed: unknown = JSON.parse(itemsJson)
    if (parsed !== null && typeof parsed === 'object') stored = parsed
  } catch {
    stored = {}
  }
  const payable: LedgerItem[] = (stored.payable ?? [])
    .filter((i) => Number.isSafeInteger(i.amountFen) && (i.amountFen as number) >= 0)
    .map((i) => ({ label: payableLabel(i), amountFen: fen(i.amountFen!) }))
  const deductions: LedgerItem[] = (stored.deductions ?? [])
    .map((d) => ({ label: deductionLabel(d), amountFen: d.appliedFen ?? d.amountFen ?? 0 }))
    .filter((d) => Number.isSafeInteger(d.amountFen) && d.amountFen > 0)
    .map((d) => ({ label: d.label, amountFen: fen(d.amountFen) }))
  const balance = (items: LedgerItem[], total: number, label: string): void => {
    const rest = new Money(total).minus(sumFen(items.map((i) => i.amountFen)))
    if (rest.isZero()) return
    if (rest.isPositive()) items.push({ label, amountFen: fen(rest.toNumber()) })
    // Items worth more than the column: the breakdown cannot be trusted; the column stands alone.
    else items.splice(0, items.length, { label, amountFen: fen(total) })
  }
  balance(payable, columns.payableFen, UNITEMISED_PAYABLE)
  balance(deductions, columns.deductionsFen, UNITEMISED_DEDUCTION)
  return { payable, deductions }
}

// ---- the page -------------------------------------------------------------------------------------------------------

const CHANNEL_TEXT: Record<ConfirmationChannel, string> = {
  app: '应用',
  kiosk: '自助机',
  sms: '短信',
  paper: '纸质签字',
  wechat: '微信',
}

/** HTML text and attribute escaping: the five characters that can change what a page means. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'))
}

const esc = escapeHtml
const yuan = (f: Fen): string => `¥${formatYuan(f)}`
const daysText = (halves: number): string => new Money(halves).dividedBy(2).toFixed(1)
const hoursText = (minutes: number): string => new Money(minutes).dividedBy(60).toFixed(2, Money.ROUND_HALF_UP)

const CSS = `
@page { size: A5 portrait; margin: 10mm }
* { box-sizing: border-box }
body { margin: 0 auto; max-width: 148mm; padding: 4mm; font: 10pt/1.45 "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "SimSun", sans-serif; color: #000; -webkit-print-color-adjust: exact; print-color-adjust: exact }
h1 { font-size: 15pt; margin: 0 0 3mm; text-align: center; letter-spacing: 0.3em }
h2 { font-size: 10.5pt; margin: 4mm 0 1mm; border-bottom: 1px solid #000 }
dl.facts { display: grid; grid-template-columns: auto 1fr auto 1fr; gap: 0.5mm 3mm; margin: 0 }
dl.facts dt { font-weight: 600 }
dl.facts dd { margin: 0 }
table { width: 100%; border-collapse: collapse }
td, th { border: 0.5pt solid #000; padding: 0.8mm 2mm; text-align: left; font-weight: normal }
td.amount, th.amount { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap }
tr.total td { font-weight: 700 }
.net { font-size: 13pt; font-weight: 700 }
.unpaid { font-weight: 700 }
footer { margin-top: 5mm; font-size: 8pt; color: #333 }
section.slip + section.slip { break-before: page; page-break-before: always; margin-top: 8mm }
@media print { body { padding: 0 } h2, table { break-inside: avoid; page-break-inside: avoid } }
`.trim()

function itemsTable(title: string, items: readonly LedgerItem[], totalLabel: string): string {
  const total = sumFen(items.map((i) => i.amountFen))
  const rows = items.length === 0 ? '<tr><td>无</td><td class="amount">¥0.00</td></tr>' : items.map((i) => `<tr><td>${esc(i.label)}</td><td class="amount">${yuan(i.amountFen)}</td></tr>`).join('\n')
  return `<h2>${esc(title)}</h2>
<table>
<tbody>
${rows}
<tr class="total"><td>${esc(totalLabel)}</td><td class="amount">${yuan(total)}</td></tr>
</tbody>
</table>`
}

function answerText(a: SlipAnswer | null, timeZone: string): string {
  if (a === null) return '未确认'
  const when = `${workDateOf(a.atMs, timeZone)} ${localTimeOf(a.atMs, timeZone)}`
  const how = CHANNEL_TEXT[a.channel] + (a.carriedFromVersion ? `，第${a.carriedFromVersion}版，本版数字相同` : '')
  if (a.decision === 'confirm') return `已确认（${esc(how)}，${esc(when)}）`
  return `有异议（${esc(how)}，${esc(when)}）${a.note ? `：${esc(a.note)}` : ''}`
}

function paymentSection(s: PaySlip): string {
  if (s.payments.length === 0) return '<p class="unpaid">未支付</p>'
  const rows = s.payments
    .map((p) => `<tr><td>${esc(s.bankName)}</td><td>${esc(p.valueDate)}</td><td>${esc(p.bankRef)}</td><td class="amount">${yuan(p.amountFen)}</td></tr>`)
    .join('\n')
  const short = s.paidFen >= s.netFen ? null : subFen(s.netFen, s.paidFen)
  const state = paymentStateText({ netFen: s.netFen, paidFen: s.paidFen, setbacks: 0 })
  return `<table>
<thead><tr><th>开户银行</th><th>支付日期</th><th>银行凭证号</th><th class="amount">金额</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p class="${short === null ? 'paid' : 'unpaid'}">${esc(state)}：实际支付 ${yuan(s.paidFen)}${short === null ? '' : `，未付 ${yuan(short)}`}</p>`
}

function slipSection(s: PaySlip, reveal: boolean): string {
  const payableFen = sumFen(s.payable.map((i) => i.amountFen))
  const deductedFen = sumFen(s.deductions.map((i) => i.amountFen))
  if (subFen(payableFen, deductedFen) !== s.netFen) {
    throw new Error(`pay slip of ${s.month}: payable ${formatYuan(payableFen)} − deductions ${formatYuan(deductedFen)} is not the net ${formatYuan(s.netFen)}`)
  }
  const fact = (k: string, v: string): string => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`
  return `<section class="slip">
<h1>工资清单</h1>
<dl class="facts">
${fact('工程项目', s.projectName)}${fact('工资所属期', s.month)}
${fact('用人单位', s.employerName)}${fact('班组', s.teamName)}
${fact('工资支付表', `第 ${s.sheetVersion} 版`)}${fact('应付日期', s.dueDate)}
</dl>
<h2>本人信息</h2>
<dl class="facts">
${fact('姓名', s.workerName)}${fact('身份证号', reveal ? s.idNumber : maskIdNumber(s.idNumber))}
${fact('开户银行', s.bankName)}${fact('银行卡号', reveal ? s.cardNo : maskCard(s.cardNo))}
${fact('出勤天数', daysText(s.creditHalves))}${fact('工时（小时）', hoursText(s.workedMinutes))}
</dl>
${itemsTable('应发项目', s.payable, '应发合计')}
${itemsTable('扣款与代扣', s.deductions, '扣款合计')}
<h2>应付金额（工资表实发）</h2>
<p class="net">${yuan(s.netFen)}</p>
<h2>本人确认</h2>
<p class="answer">${answerText(s.answer, s.timeZone)}</p>
<h2>支付凭证</h2>
${paymentSection(s)}
<footer>依据《保障农民工工资支付条例》第十五条制作。金额单位：元。</footer>
</section>`
}

/**
 * The slip as one HTML document (UTF-8, zh-CN). A worker with lines on two teams' sheets in one month (moved teams
 * mid-month) gets one slip per line, each on its own printed page. Throws if a slip does not add up
 * (payable − deductions ≠ net) or there is none.
 */
export function paySlipHtml(slips: PaySlip | readonly PaySlip[], opt: PaySlipOptions = {}): string {
  const list: readonly PaySlip[] = Array.isArray(slips) ? slips : [slips as PaySlip]
  const first = list[0]
  if (!first) throw new Error('a pay slip page needs at least one slip')
  const reveal = opt.reveal === true
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`工资清单 ${first.month} ${first.workerName}`)}</title>
<style>${CSS}</style>
</head>
<body>
${list.map((s) => slipSection(s, reveal)).join('\n')}
</body>
</html>
`
}
