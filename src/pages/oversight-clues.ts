/**
 * The bureau's early-warning pages (issue 15), read-only, for auditors (their region, as the API narrows it) and
 * admin, from the same services as /api/clues, /api/incidents and /api/credit-records:
 *
 * - `/pages/oversight/clues`: the clue board — each clue's state, who it is about, and its clocks (7 days to route,
 *   15 to resolve) in words and colour: overdue in red, two days or less in yellow; filtered by state or overdue;
 * - `/pages/oversight/clues/:clueId`: one clue's steps with actor and time, its clocks, and the evidence the ledger
 *   holds (the worker's days, their payroll line, the bank's payments; a card never shown);
 * - `/pages/oversight/incidents`: major incidents with their 2-hour report clock and the reports made;
 * - `/pages/oversight/credit-records`: credit records with their state today and the rule's term.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { maskText } from '../access/masking.ts'
import { principalOf } from '../http/access.ts'
import { regionOf } from '../http/routes/clues.ts'
import { fen, formatYuan, sumFen } from '../kernel/money.ts'
import { paymentStateText } from '../payroll/ledger-export.ts'
import { localTimeOf, workDateOf } from '../kernel/time.ts'
import type { ClueClock, ClueState } from '../risk/clues.ts'
import type { ClueView } from '../risk/clue-service.ts'
import type { Services } from '../services.ts'
import { ROLE_NAMES, sendPage, type LayoutData } from './views.ts'

export const CLUES_PATH = '/pages/oversight/clues'
export const INCIDENTS_PATH = '/pages/oversight/incidents'
export const CREDIT_PATH = '/pages/oversight/credit-records'
export const cluePath = (clueId: string): string => `${CLUES_PATH}/${encodeURIComponent(clueId)}`

export const STATE_TEXT: Readonly<Record<ClueState, string>> = { received: '已接收', checked: '已核查', routed: '已转办', at_bureau: '住建部门办理中', resolved: '已办结' }
const CHANNEL_TEXT: Readonly<Record<string, string>> = { worker_page: '工人投诉', hotline_12333: '12333 热线', import: '导入' }
const CAUSE_TEXT: Readonly<Record<string, string>> = { real_name_failure: '实名制管理不到位', illegal_contracting: '违法分包、转包', other: '其他原因' }
const ROUTE_TEXT: Readonly<Record<string, string>> = { construction_bureau: '住建部门', hrss_bureau: '人社部门' }
const OUTCOME_TEXT: Readonly<Record<string, string>> = { arrears_confirmed: '查实欠薪', not_substantiated: '查无欠薪', withdrawn: '投诉人撤回', transferred: '移送处理' }
const CLOCK_TEXT: Readonly<Record<ClueClock['clock'], string>> = { routing: '转办（7 天）', resolution: '办结（15 天）' }
const EVENT_TEXT: Readonly<Record<string, string>> = {
  received: '接收',
  checked: '核查',
  routed: '转办',
  bureau_received: '住建部门受理',
  resolved: '办结',
  commented: '备注',
  linked: '一案双查：关联违法发包案件',
  escalated: '超时督办',
}
const CREDIT_STATE_TEXT: Readonly<Record<string, string>> = { not_yet: '未生效', active: '有效', repaired: '已信用修复', expired: '已到期' }
/** Months of receipt the board's figures show, newest first. */
export const FIGURE_MONTHS = 12
/** Days left at which a running clock is shown in yellow. */
export const CLOCK_WARN_DAYS = 2

const yuan = (f: number): string => `¥${formatYuan(fen(f))}`

interface ClockCell {
  name: string
  dueOn: string
  text: string
  colour: 'red' | 'yellow' | 'green'
}

export function clockCell(c: ClueClock, timeZone: string): ClockCell {
  const at = (ms: number): string => `${workDateOf(ms, timeZone)} ${localTimeOf(ms, timeZone).slice(0, 5)}`
  if (c.metAtMs !== undefined) return { name: CLOCK_TEXT[c.clock], dueOn: c.dueOn, text: `${c.overdue ? '逾期完成' : '按时完成'}（${at(c.metAtMs)}）`, colour: c.overdue ? 'red' : 'green' }
  const left = c.daysLeft ?? 0
  if (c.overdue) return { name: CLOCK_TEXT[c.clock], dueOn: c.dueOn, text: `已逾期 ${Math.max(1, -left)} 天`, colour: 'red' }
  return { name: CLOCK_TEXT[c.clock], dueOn: c.dueOn, text: `剩 ${left} 天`, colour: left <= CLOCK_WARN_DAYS ? 'yellow' : 'green' }
}

interface PageData extends LayoutData {
  crumbs: Array<{ label: string; href?: string }>
  tabs: Array<{ label: string; href: string; current: boolean }>
  [key: string]: unknown
}

const tabsFor = (current: string): PageData['tabs'] => [
  { label: '监管总览', href: '/pages/oversight', current: false },
  { label: '欠薪线索', href: CLUES_PATH, current: current === CLUES_PATH },
  { label: '重大事件', href: INCIDENTS_PATH, current: current === INCIDENTS_PATH },
  { label: '信用记录', href: CREDIT_PATH, current: current === CREDIT_PATH },
]

export async function oversightCluesRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const policy = { roles: ['auditor' as const], write: false, personal: true }
  const tz = services.config.defaultTimeZone
  const at = (ms: number): string => `${workDateOf(ms, tz)} ${localTimeOf(ms, tz).slice(0, 5)}`
  const who = (req: FastifyRequest) => {
    const p = principalOf(req)
    return { label: p.label, roleName: ROLE_NAMES[p.role] ?? p.role }
  }
  /** Project names, read once a request. */
  const namer = () => {
    const names = new Map<string, Promise<string>>()
    return (projectId: string): Promise<string> => {
      let n = names.get(projectId)
      if (n === undefined) {
        n = services.roster.project(projectId).then(
          (p) => p.name,
          () => projectId,
        )
        names.set(projectId, n)
      }
      return n
    }
  }
  const subjectOf = async (v: ClueView, name: (id: string) => Promise<string>): Promise<{ project: string | null; employer: string | null }> => ({
    project: v.clue.projectId === null ? null : await name(v.clue.projectId),
    employer: v.clue.employerCreditCode,
  })

  app.get<{ Querystring: { state?: ClueState; overdue?: 'yes' } }>(
    CLUES_PATH,
    {
      config: { policy },
      schema: { hide: true, querystring: { type: 'object', properties: { state: { type: 'string', enum: Object.keys(STATE_TEXT) }, overdue: { type: 'string', enum: ['yes'] } } } },
    },
    async (req, reply) => {
      const region = regionOf(principalOf(req))
      const views = await services.clues.list(region, { state: req.query.state, overdue: req.query.overdue === 'yes' ? true : undefined, limit: 500 })
      const name = namer()
      const rows = []
      for (const v of views) {
        rows.push({
          href: cluePath(v.clue.id),
          ...(await subjectOf(v, name)),
          channel: CHANNEL_TEXT[v.clue.channel] ?? v.clue.channel,
          summary: shortSummary(maskText(v.clue.summary)),
          headcount: v.clue.headcount,
          amount: yuan(v.clue.amountFen),
          receivedAt: at(v.clue.receivedAtMs),
          state: STATE_TEXT[v.state],
          overdue: v.overdue,
          clocks: v.clocks.map((c) => clockCell(c, tz)),
        })
      }
      const figures = (await services.clues.figures(region)).slice(0, FIGURE_MONTHS)
      const filters = [
        { label: '全部', href: CLUES_PATH, current: req.query.state === undefined && req.query.overdue === undefined },
        { label: '已逾期', href: `${CLUES_PATH}?overdue=yes`, current: req.query.overdue === 'yes' },
        ...(Object.keys(STATE_TEXT) as ClueState[]).map((s) => ({ label: STATE_TEXT[s], href: `${CLUES_PATH}?state=${s}`, current: req.query.state === s })),
      ]
      return sendPage<PageData>(reply, 200, 'oversight-clues', {
        title: '欠薪线索',
        signedIn: who(req),
        crumbs: [{ label: '监管总览', href: '/pages/oversight' }, { label: '欠薪线索' }],
        tabs: tabsFor(CLUES_PATH),
        filters,
        rows,
        figures,
      })
    },
  )

  app.get<{ Params: { clueId: string } }>(
    `${CLUES_PATH}/:clueId`,
    { config: { policy }, schema: { hide: true, params: { type: 'object', properties: { clueId: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['clueId'] } } },
    async (req, reply) => {
      const v = await services.clues.get(req.params.clueId, regionOf(principalOf(req)))
      const evidence = await services.clues.evidence(v)
      const incidentId = await services.incidents.bySource('clue', v.clue.id)
      const subject = await subjectOf(v, namer())
      return sendPage<PageData>(reply, 200, 'oversight-clue', {
        title: `欠薪线索 · ${at(v.clue.receivedAtMs)}`,
        signedIn: who(req),
        crumbs: [{ label: '监管总览', href: '/pages/oversight' }, { label: '欠薪线索', href: CLUES_PATH }, { label: at(v.clue.receivedAtMs) }],
        tabs: tabsFor(''),
        clue: {
          ...subject,
          channel: CHANNEL_TEXT[v.clue.channel] ?? v.clue.channel,
          externalRef: v.clue.externalRef,
          // A complaint's text is the worker's own words: a phone or ID number typed in is masked here as on the desk.
          summary: maskText(v.clue.summary),
          headcount: v.clue.headcount,
          amount: yuan(v.clue.amountFen),
          month: v.month,
          receivedAt: at(v.clue.receivedAtMs),
          state: STATE_TEXT[v.state],
          cause: v.cause === null ? null : CAUSE_TEXT[v.cause],
          routedTo: v.routedTo === null ? null : ROUTE_TEXT[v.routedTo],
          outcome: v.outcome === null ? null : OUTCOME_TEXT[v.outcome],
          incidentHref: incidentId === undefined ? null : `${INCIDENTS_PATH}#incident-${incidentId}`,
        },
        clocks: v.clocks.map((c) => clockCell(c, tz)),
        steps: v.events.map((e) => ({
          at: at(e.atMs),
          what: EVENT_TEXT[e.type] ?? e.type,
          actor: e.actor === 'clock' ? '系统时钟' : e.actor,
          detail: maskText(detailOf(e.type, e.body)),
        })),
        evidence:
          evidence === null
            ? null
            : {
                month: evidence.month,
                days: evidence.days && { total: (evidence.days.creditHalves / 2).toFixed(1), hours: (evidence.days.workedMinutes / 60).toFixed(1), frozen: evidence.days.frozen, list: evidence.days.list.map((d) => ({ date: d.date, days: (d.creditHalves / 2).toFixed(1), hours: (d.workedMinutes / 60).toFixed(1) })) },
                lines: evidence.sheetLines.map((l) => ({
                  team: maskText(l.teamName),
                  version: l.sheetVersion,
                  dueDate: l.dueDate,
                  net: yuan(l.netFen),
                  answer: l.answer === 'confirm' ? '工人已确认' : l.answer === 'dispute' ? '工人有异议' : '工人未答复',
                  payments: l.payments.map((p) => ({ bankRef: p.bankRef, valueDate: p.valueDate, amount: yuan(p.amountFen) })),
                  // The line's part of the worker's payments, as the wage payment ledger shows it: each payment once.
                  paid: yuan(l.paidFen),
                  state: paymentStateText({ netFen: fen(l.netFen), paidFen: fen(l.paidFen), setbacks: 0 }),
                })),
                total:
                  evidence.sheetLines.length < 2
                    ? null
                    : { net: yuan(sumFen(evidence.sheetLines.map((l) => fen(l.netFen)))), paid: yuan(evidence.paidFen) },
              },
      })
    },
  )

  app.get(INCIDENTS_PATH, { config: { policy: { roles: ['auditor' as const], write: false } }, schema: { hide: true } }, async (req, reply) => {
    const list = await services.incidents.list(regionOf(principalOf(req)))
    const name = namer()
    const now = services.clock.nowMs()
    const rows = []
    for (const i of list) {
      const report = i.reports[0]
      rows.push({
        anchor: `incident-${i.id}`,
        project: i.projectId === null ? null : await name(i.projectId),
        source: i.sourceKind === 'clue' ? { label: '欠薪线索', href: cluePath(i.sourceId) } : { label: `${i.sourceId.split(':').at(-1) ?? ''} 月欠薪案件`, href: null },
        headcount: i.headcount,
        amount: yuan(i.amountFen),
        reasons: i.reasons.map((r) => (r === 'headcount' ? '涉及 10 人以上' : '金额 500 万元以上')).join('、'),
        becameMajorAt: at(i.becameMajorAtMs),
        dueAt: at(i.reportClock.dueAtMs),
        report:
          report === undefined
            ? { text: i.reportClock.overdue ? `未报告，已超时 ${Math.ceil((now - i.reportClock.dueAtMs) / 60_000)} 分钟` : `未报告，剩 ${Math.ceil((i.reportClock.dueAtMs - now) / 60_000)} 分钟`, colour: i.reportClock.overdue ? 'red' : 'yellow' }
            : { text: `${i.reportClock.met ? '按时报告' : '超时报告'}：${at(report.atMs)} 报 ${maskText(report.reportedTo)}`, colour: i.reportClock.met ? 'green' : 'red' },
        reports: i.reports.length,
      })
    }
    return sendPage<PageData>(reply, 200, 'oversight-incidents', {
      title: '重大欠薪事件',
      signedIn: who(req),
      crumbs: [{ label: '监管总览', href: '/pages/oversight' }, { label: '重大欠薪事件' }],
      tabs: tabsFor(INCIDENTS_PATH),
      rows,
    })
  })

  app.get(CREDIT_PATH, { config: { policy: { roles: ['auditor' as const], write: false } }, schema: { hide: true } }, async (req, reply) => {
    const list = await services.credit.list(regionOf(principalOf(req)))
    return sendPage<PageData>(reply, 200, 'oversight-credit', {
      title: '信用记录',
      signedIn: who(req),
      crumbs: [{ label: '监管总览', href: '/pages/oversight' }, { label: '信用记录' }],
      tabs: tabsFor(CREDIT_PATH),
      rows: list.map((r) => ({
        employer: r.employerName,
        creditCode: r.creditCode,
        reason: maskText(r.reason),
        period: r.periodFrom === r.periodTo ? r.periodFrom : `${r.periodFrom} 至 ${r.periodTo}`,
        amount: yuan(r.amountFen),
        recordedOn: r.recordedOn,
        expiresOn: r.expiresOn,
        state: CREDIT_STATE_TEXT[r.state] ?? r.state,
        active: r.state === 'active',
        sourceHref: r.sourceKind === 'clue' ? cluePath(r.sourceId) : null,
      })),
    })
  })
}

const shortSummary = (text: string): string => (text.length > 60 ? `${text.slice(0, 60)}…` : text)

function detailOf(type: string, body: Record<string, unknown>): string {
  const s = (k: string): string => (typeof body[k] === 'string' ? body[k] : '')
  switch (type) {
    case 'received':
      return `${CHANNEL_TEXT[s('channel')] ?? s('channel')}${s('month') ? `，${s('month')} 工资` : ''}`
    case 'checked':
      return `${CAUSE_TEXT[s('cause')] ?? s('cause')}：${s('note')}`
    case 'routed':
      return `转 ${ROUTE_TEXT[s('to')] ?? s('to')}${s('note') ? `：${s('note')}` : ''}`
    case 'bureau_received':
      return s('note')
    case 'resolved':
      return `${OUTCOME_TEXT[s('outcome')] ?? s('outcome')}：${s('note')}${typeof body.creditRecordId === 'string' ? '（已记入信用记录）' : ''}`
    case 'commented':
      return s('text')
    case 'linked':
      return `${s('caseRef')}${s('note') ? `：${s('note')}` : ''}`
    case 'escalated':
      return `${CLOCK_TEXT[s('clock') as ClueClock['clock']] ?? s('clock')}期限 ${s('dueOn')} 已过`
    default:
      return ''
  }
}
