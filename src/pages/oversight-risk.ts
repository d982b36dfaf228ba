/**
 * The bureau's risk pages (issue 15), read-only, from the same services as /api/risk and the overview:
 *
 * - `/pages/oversight/risk`: the month's ranking of projects (a tab for employers) by its newest index run, with every
 *   reason and its points behind a <details>, the formula and when the run was made; paged as the API pages. An
 *   auditor sees their region's, a labour manager their organisation's projects (no employers tab, as the API);
 * - `/pages/oversight/risk/projects/:projectId`: one project's score month by month, with the formula of each month
 *   (an ECharts line, and the same figures in a table);
 * - `/pages/oversight/targets`: the county's month against the 无欠薪 targets (src/oversight/targets.ts), each with
 *   its figures and the lists behind them. Auditors and admin.
 *
 * Levels are shown in words as well as colour (红 / 黄 / 绿), as on the overview.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { principalOf } from '../http/access.ts'
import { decodeCursor, encodeCursor } from '../http/paging.ts'
import { month as monthSchema } from '../http/schemas.ts'
import { regionOf } from '../http/routes/clues.ts'
import { AppError } from '../kernel/errors.ts'
import { fen, formatYuan } from '../kernel/money.ts'
import { localTimeOf, monthBoundsMs, workDateOf, type Month } from '../kernel/time.ts'
import { COLOUR_NAMES } from '../oversight/six-systems.ts'
import { scopeKeyOf } from '../oversight/snapshots.ts'
import { monthTargets, type Verdict } from '../oversight/targets.ts'
import { RISK_FORMULAS, RISK_PART_NAMES, scoreText, type RiskLevel, type RiskScore } from '../risk/risk-index.ts'
import { RISK_RUN_DAYS, type RiskRunRow, type RiskScoreRow } from '../risk/risk-runs.ts'
import type { Services } from '../services.ts'
import { CLUES_PATH, CREDIT_PATH, INCIDENTS_PATH } from './oversight-clues.ts'
import { oversightProjectPath } from './oversight.ts'
import { ROLE_NAMES, sendPage, type LayoutData } from './views.ts'

export const RISK_PATH = '/pages/oversight/risk'
export const TARGETS_PATH = '/pages/oversight/targets'
export const riskProjectPath = (projectId: string): string => `${RISK_PATH}/projects/${encodeURIComponent(projectId)}`

/** Rows of a ranking page: the API's default page, small enough that every row's reasons can be opened. */
export const RISK_ROWS_PER_PAGE = 50
/** Runs read to offer the months that have one. */
const RUN_MONTHS_OFFERED = 24

const LEVEL_FILTERS: ReadonlyArray<RiskLevel> = ['red', 'yellow', 'green']
const VERDICT_TEXT = (v: Verdict): { text: string; colour: string } => (v === null ? { text: '不评判', colour: 'none' } : v ? { text: '达标', colour: 'green' } : { text: '未达标', colour: 'red' })

const yuan = (f: number): string => `¥${formatYuan(fen(f))}`

interface PageData extends LayoutData {
  crumbs: Array<{ label: string; href?: string }>
  tabs: Array<{ label: string; href: string; current: boolean }>
  [key: string]: unknown
}

/** A score's parts as the page lists them: each reason with its points, under its part's name. */
function partsOf(parts: RiskScore['parts']): Array<{ name: string; points: string; cap: string; reasons: Array<{ points: string; why: string }> }> {
  return parts.map((p) => ({ name: RISK_PART_NAMES[p.part], points: scoreText(p.points), cap: scoreText(p.cap), reasons: p.reasons.map((r) => ({ points: scoreText(r.points), why: r.why })) }))
}

function levelsOf(formulaVersion: string): { yellowAt: string; redAt: string } | undefined {
  const f = RISK_FORMULAS.find((x) => x.version === formulaVersion)
  return f && { yellowAt: scoreText(f.levels.yellow), redAt: scoreText(f.levels.red) }
}

export async function oversightRiskRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const tz = services.config.defaultTimeZone
  const at = (ms: number): string => `${workDateOf(ms, tz)} ${localTimeOf(ms, tz).slice(0, 5)}`
  const who = (req: FastifyRequest) => {
    const p = principalOf(req)
    return { label: p.label, roleName: ROLE_NAMES[p.role] ?? p.role }
  }
  /** The bureau's pages; a labour manager, who may read only their rankings, gets none of the bureau's tabs. */
  const tabsFor = (req: FastifyRequest, current: string): PageData['tabs'] =>
    principalOf(req).role === 'labour_manager'
      ? []
      : [
          { label: '监管总览', href: '/pages/oversight', current: false },
          { label: '风险排名', href: RISK_PATH, current: current === RISK_PATH },
          { label: '无欠薪目标', href: TARGETS_PATH, current: current === TARGETS_PATH },
          { label: '欠薪线索', href: CLUES_PATH, current: false },
          { label: '重大事件', href: INCIDENTS_PATH, current: false },
          { label: '信用记录', href: CREDIT_PATH, current: false },
        ]
  const homeCrumb = (req: FastifyRequest): { label: string; href: string } => (principalOf(req).role === 'labour_manager' ? { label: '我的项目', href: '/pages/' } : { label: '监管总览', href: '/pages/oversight' })
  const mayDrill = (req: FastifyRequest): boolean => principalOf(req).role !== 'labour_manager'
  /** What a run's figures are as of: the ledger at the month's end (or the run's start, if earlier), made when it finished. */
  const runText = (run: RiskRunRow): string => `数据截至 ${at(Math.min(run.startedAtMs, monthBoundsMs(run.month, tz).endMs - 1))}，计算于 ${at(run.finishedAtMs)}（公式 ${run.formulaVersion}）`

  type Kind = 'projects' | 'employers'
  type RankingQuery = { month?: Month; level?: RiskLevel; kind?: Kind; after?: string; from?: number }

  app.get<{ Querystring: RankingQuery }>(
    RISK_PATH,
    {
      config: { policy: { roles: ['auditor', 'labour_manager'], write: false } },
      schema: {
        hide: true,
        querystring: {
          type: 'object',
          properties: {
            month: monthSchema,
            level: { type: 'string', enum: LEVEL_FILTERS },
            kind: { type: 'string', enum: ['projects', 'employers'] },
            after: { type: 'string', maxLength: 200 },
            from: { type: 'integer', minimum: 1, maximum: 10_000_000 },
          },
        },
      },
    },
    async (req, reply) => {
      const p = principalOf(req)
      const q = req.query
      const kind: Kind = q.kind ?? 'projects'
      // As GET /api/risk/employers: a labour manager's reads are their own projects.
      if (kind === 'employers' && p.role === 'labour_manager') throw new AppError('role_forbidden', { role: p.role, allowed: ['admin', 'auditor'] })
      let after: [number, string] | undefined
      if (q.after !== undefined) {
        const key = decodeCursor(q.after)
        if (!key || key.length !== 2 || typeof key[0] !== 'number' || typeof key[1] !== 'string') throw new AppError('cursor_not_found', { after: q.after })
        after = [key[0], key[1]]
      }
      const url = (o: RankingQuery): string => {
        const s = new URLSearchParams()
        for (const [k, v] of Object.entries({ kind, month: q.month, level: q.level, ...o })) if (v !== undefined && !(k === 'kind' && v === 'projects')) s.set(k, String(v))
        const text = s.toString()
        return text === '' ? RISK_PATH : `${RISK_PATH}?${text}`
      }
      const runMonths = [...new Set((await services.riskRuns.runs({ limit: RUN_MONTHS_OFFERED })).map((r) => r.month))]
      let ranking: { run: RiskRunRow; scores: RiskScoreRow[] } | undefined
      try {
        ranking = await services.riskRuns.ranked({ month: q.month, kind: kind === 'projects' ? 'project' : 'employer', level: q.level, within: services.access.projectCondition(p), after, limit: RISK_ROWS_PER_PAGE + 1 })
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'risk_run_not_found')) throw err
      }
      const month = ranking?.run.month ?? q.month
      const page = ranking?.scores.slice(0, RISK_ROWS_PER_PAGE) ?? []
      const from = q.from ?? 1
      const last = page[page.length - 1]
      const nextUrl = ranking && ranking.scores.length > RISK_ROWS_PER_PAGE && last ? url({ after: encodeCursor([last.points, last.subjectId]), from: from + page.length }) : undefined
      return sendPage<PageData>(reply, 200, 'oversight-risk', {
        title: '风险排名',
        signedIn: who(req),
        crumbs: [homeCrumb(req), { label: '风险排名' }],
        tabs: tabsFor(req, RISK_PATH),
        kind,
        kinds: p.role === 'labour_manager' ? [] : [
          { label: '项目', href: url({ kind: 'projects', level: q.level }), current: kind === 'projects' },
          { label: '用工单位', href: url({ kind: 'employers', level: q.level }), current: kind === 'employers' },
        ],
        levels: [{ label: '全部', href: url({ level: undefined }), current: q.level === undefined }, ...LEVEL_FILTERS.map((l) => ({ label: COLOUR_NAMES[l], href: url({ level: l }), current: q.level === l }))],
        months: runMonths.map((m) => ({ label: m, href: url({ month: m, level: q.level }), current: m === month })),
        month: month ?? null,
        timerDays: `${RISK_RUN_DAYS[0]}–${RISK_RUN_DAYS[RISK_RUN_DAYS.length - 1]}`,
        missing: ranking === undefined ? { month: q.month ?? null } : null,
        run: ranking && { text: runText(ranking.run), formula: ranking.run.formulaVersion, ...levelsOf(ranking.run.formulaVersion) },
        rows: page.map((s, i) => ({
          rank: from + i,
          name: s.name ?? (kind === 'projects' ? s.subjectId : '（未登记名称）'),
          subjectId: s.subjectId,
          regionCode: s.regionCode,
          historyHref: kind === 'projects' ? riskProjectPath(s.subjectId) : null,
          drillHref: kind === 'projects' && mayDrill(req) ? oversightProjectPath(s.subjectId) : null,
          score: scoreText(s.points),
          level: s.level,
          levelName: COLOUR_NAMES[s.level],
          parts: partsOf(s.parts),
        })),
        firstUrl: q.after !== undefined ? url({}) : undefined,
        nextUrl,
      })
    },
  )

  app.get<{ Params: { projectId: string } }>(
    `${RISK_PATH}/projects/:projectId`,
    {
      config: { policy: { roles: ['auditor', 'labour_manager'], write: false } },
      schema: { hide: true, params: { type: 'object', properties: { projectId: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['projectId'] } },
    },
    async (req, reply) => {
      const project = await services.roster.project(req.params.projectId)
      const history = await services.riskRuns.projectHistory(project.id)
      const oldestFirst = [...history].reverse()
      return sendPage<PageData>(reply, 200, 'oversight-risk-project', {
        title: `${project.name} · 风险指数`,
        signedIn: who(req),
        scripts: history.length > 1 ? ['echarts.min.js', 'risk-history.js'] : [],
        crumbs: [homeCrumb(req), { label: '风险排名', href: RISK_PATH }, { label: project.name }],
        tabs: tabsFor(req, ''),
        project,
        drillHref: mayDrill(req) ? oversightProjectPath(project.id) : null,
        rows: history.map((s) => ({ month: s.month, score: scoreText(s.points), level: s.level, levelName: COLOUR_NAMES[s.level], formula: s.formulaVersion, ...levelsOf(s.formulaVersion), finishedAt: at(s.finishedAtMs), parts: partsOf(s.parts) })),
        // Written raw into a data block: `<` escaped so no value can close the block.
        chartJson: JSON.stringify({ months: oldestFirst.map((s) => s.month), scores: oldestFirst.map((s) => s.points / 10) }).replaceAll('<', '\\u003c'),
      })
    },
  )

  app.get<{ Querystring: { month?: Month } }>(
    TARGETS_PATH,
    {
      config: { policy: { roles: ['auditor'], write: false } },
      schema: { hide: true, querystring: { type: 'object', properties: { month: monthSchema } } },
    },
    async (req, reply) => {
      const p = principalOf(req)
      const region = regionOf(p)
      const month = req.query.month ?? services.riskRuns.lastEndedMonth()
      const [overview, incidents, clueFigures] = await Promise.all([
        services.oversight.snapshots.get(scopeKeyOf(p), services.access.projectCondition(p)),
        services.incidents.list(region),
        services.clues.figures(region),
      ])
      const r = monthTargets({ month, incidence: overview.incidence.find((m) => m.month === month), incidents, clues: clueFigures.find((f) => f.month === month), timeZone: tz })
      const names = new Map(overview.projects.map((x) => [x.id, x.name]))
      const incidentRow = (i: (typeof r.groupIncidents.incidents)[number]) => ({ href: `${INCIDENTS_PATH}#incident-${i.id}`, label: `${at(i.becameMajorAtMs)} ${i.projectId === null ? '（未登记项目）' : (names.get(i.projectId) ?? i.projectId)}：${i.headcount} 人，${yuan(i.amountFen)}` })
      const share = r.arrearsShare
      const targets = [
        {
          name: '欠薪项目占比',
          target: `≤ ${(share.targetBp / 100).toFixed(0)}%`,
          value: share.shareBp === null ? (share.underConstruction === 0 ? '当月无在建项目' : '无当月数据') : `${(share.shareBp / 100).toFixed(2)}%`,
          verdict: VERDICT_TEXT(share.verdict),
          basis:
            share.underConstruction === null
              ? [{ text: '总览只保存近 12 个月的欠薪发生率', href: '/pages/oversight#incidence-heading', label: '欠薪发生率' }]
              : [{ text: `有未结欠薪案件的项目 ${share.withArrears ?? 0} 个 ÷ 在建项目 ${share.underConstruction} 个`, href: '/pages/oversight#incidence-heading', label: '逐月欠薪发生率' }],
          items: [],
        },
        {
          name: '群体性欠薪事件',
          target: `0 起（涉及 ${r.groupIncidents.threshold} 人以上）`,
          value: `${r.groupIncidents.incidents.length} 起`,
          verdict: VERDICT_TEXT(r.groupIncidents.verdict),
          basis: [{ text: '当月成为重大事件的欠薪', href: INCIDENTS_PATH, label: '重大欠薪事件' }],
          items: r.groupIncidents.incidents.map(incidentRow),
        },
        {
          name: '500 万元以上欠薪案件',
          target: `0 件（${yuan(r.largeCases.thresholdFen)} 以上）`,
          value: `${r.largeCases.incidents.length} 件`,
          verdict: VERDICT_TEXT(r.largeCases.verdict),
          basis: [{ text: '当月成为重大事件的欠薪', href: INCIDENTS_PATH, label: '重大欠薪事件' }],
          items: r.largeCases.incidents.map(incidentRow),
        },
        {
          name: '欠薪线索按时办结',
          target: '超时 0 件',
          value: `超时 ${r.cluesInTime.late} 件`,
          verdict: VERDICT_TEXT(r.cluesInTime.verdict),
          basis: [
            { text: `当月接收 ${r.cluesInTime.received} 件：按时办结 ${r.cluesInTime.closedInTime} 件，超时 ${r.cluesInTime.late} 件，办理中（未超时）${r.cluesInTime.openInTime} 件`, href: CLUES_PATH, label: '欠薪线索' },
            ...(r.cluesInTime.late > 0 ? [{ text: '', href: `${CLUES_PATH}?overdue=yes`, label: '已逾期的线索' }] : []),
          ],
          items: [],
        },
      ]
      return sendPage<PageData>(reply, 200, 'oversight-targets', {
        title: `无欠薪目标 · ${month}`,
        signedIn: who(req),
        crumbs: [homeCrumb(req), { label: '无欠薪目标' }],
        tabs: tabsFor(req, TARGETS_PATH),
        month,
        // The month not yet ended (or to come): its figures are as of now and will change.
        running: month > services.riskRuns.lastEndedMonth(),
        asOf: `${overview.asOf} ${overview.asOfTime}`,
        months: [...overview.incidence].reverse().map((m) => ({ label: m.month, href: `${TARGETS_PATH}?month=${m.month}`, current: m.month === month })),
        allMet: r.allMet,
        targets,
      })
    },
  )
}
