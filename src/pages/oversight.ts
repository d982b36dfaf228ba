/**
 * The bureau's audit view (issue 13, 监管总览), read-only, for auditors (their region: the API's scope, a region code
 * prefix) and admin:
 *
 * - `/pages/oversight`: the region's projects with the six systems as green / yellow / red, each with its rule and
 *   evidence behind a <details> (keyboard and screen reader reach it without a script); the arrears incidence month
 *   by month against 3% (an ECharts chart, with the same figures in a table beside it); open cases by age against the
 *   7- and 15-day clocks; the largest arrears by amount and headcount.
 * - `/pages/oversight/export.csv` and `.xlsx`: what the overview shows, as a file.
 * - `/pages/oversight/projects/:projectId`: the drill-down's first level (a project's systems, months and cases).
 *
 * Every figure comes from services.oversight (src/oversight/service.ts); every evidence links to the API route that
 * holds it, which the auditor's session may read. The overview and its exports are the scope's snapshot
 * (src/oversight/snapshots.ts: computed off the request path, refreshed every minute, each instance its own), and say
 * the time their figures are as of; the drill-down is live.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { principalOf } from '../http/access.ts'
import { fen, formatYuan } from '../kernel/money.ts'
import type { Services } from '../services.ts'
import type { Overview, ProjectOverview } from '../oversight/service.ts'
import { scopeKeyOf } from '../oversight/snapshots.ts'
import { COLOUR_NAMES, type Source, type SystemStatus } from '../oversight/six-systems.ts'
import { RISK_FORMULAS, RISK_PART_NAMES, scoreText, type RiskScore } from '../risk/risk-index.ts'
import { oversightDrillRoutes } from './oversight-drill.ts'
import { overviewCsv, overviewXlsx } from './oversight-export.ts'
import { render, ROLE_NAMES, sendPage, type LayoutData } from './views.ts'

export const OVERSIGHT_PATH = '/pages/oversight'
export const oversightProjectPath = (projectId: string): string => `${OVERSIGHT_PATH}/projects/${encodeURIComponent(projectId)}`

/** The API route that holds a figure: where the evidence's link goes. */
export function sourcePath(projectId: string, source: Source, month: string): string {
  const p = `/api/projects/${encodeURIComponent(projectId)}`
  switch (source) {
    case 'enrolments':
      return `${p}/enrolments`
    case 'devices':
      return `${p}/devices`
    case 'dedicated_account':
      return `${p}/dedicated-account`
    case 'account_statements':
      return `${p}/account-statements`
    case 'instructions':
      return `${p}/instructions?month=${month}`
    case 'payouts':
      return `${p}/payouts/${month}/lines`
    case 'cases':
      return `${p}/cases?month=${month}`
    case 'wage_deposits':
      return `${p}/wage-deposits`
    case 'contract':
      return `${p}/contract`
    case 'rights_board':
      return `/pages/projects/${encodeURIComponent(projectId)}/rights-board`
    case 'reconciliation':
      return `${p}/reconciliations/${month}`
  }
}

interface SystemCell extends SystemStatus {
  colourName: string
  evidenceLinks: Array<{ label: string; value: string; href: string }>
}

/** The risk index as the table shows it: the score, its colour in words, and every reason with its points. */
interface RiskCell {
  score: string
  level: string
  colourName: string
  formula: string
  /** The formula's thresholds as the scale shows them. */
  yellowAt: string
  redAt: string
  reasons: Array<{ part: string; points: string; why: string }>
}

function riskCellOf(r: RiskScore): RiskCell {
  const f = RISK_FORMULAS.find((x) => x.version === r.formula)
  return {
    yellowAt: f ? scoreText(f.levels.yellow) : '',
    redAt: f ? scoreText(f.levels.red) : '',
    score: scoreText(r.points),
    level: r.level,
    colourName: COLOUR_NAMES[r.level],
    formula: r.formula,
    reasons: r.parts.flatMap((p) => p.reasons.map((x) => ({ part: RISK_PART_NAMES[p.part], points: scoreText(x.points), why: x.why }))),
  }
}

interface OverviewPageData extends LayoutData {
  overview: Overview
  page: number
  pages: number
  prevUrl?: string
  nextUrl?: string
  rows: Array<{ id: string; name: string; siteCode: string; regionCode: string; dueMonth: string; href: string; systems: SystemCell[]; risk: RiskCell }>
  systemNames: string[]
  /** The chart's data as JSON, read by /assets/oversight.js from a data block (the CSP allows no inline script). */
  chartJson: string
  targetPercent: string
  percent: (r: number) => string
  yuan: (fen: number) => string
}

/**
 * Projects in the table per page, worst first: a region's 500 rows with six <details> each made a 2.8 MB page that
 * nobody reads to the end (and took longer to send than to compute); the region's figures above and below it (the
 * incidence, the ages, the largest cases) still count every project, and the exports carry every row.
 */
export const OVERVIEW_ROWS_PER_PAGE = 50

const COLOUR_RANK: Readonly<Record<string, number>> = { red: 2, yellow: 1, green: 0 }
/** Then: more reds, then more yellows, then by site code (stable across requests). */
const severity = (systems: readonly SystemStatus[]): number => systems.reduce((s, x) => s + 10 ** (COLOUR_RANK[x.colour] ?? 0) - 1, 0)

const percent = (r: number): string => `${(r * 100).toFixed(1)}%`
const yuan = (f: number): string => `¥${formatYuan(fen(f))}`

/** A snapshot's projects worst first, sorted once per snapshot rather than once a request. */
const sortedOf = new WeakMap<Overview, ProjectOverview[]>()
function worstFirst(o: Overview): ProjectOverview[] {
  let sorted = sortedOf.get(o)
  if (sorted === undefined) {
    // Ranked by the risk index, then by the six systems' colours (the index weighs what the colours only flag).
    sorted = [...o.projects].sort((a, b) => b.risk.points - a.risk.points || severity(b.systems) - severity(a.systems) || (a.siteCode < b.siteCode ? -1 : a.siteCode > b.siteCode ? 1 : 0))
    sortedOf.set(o, sorted)
  }
  return sorted
}

const OVERVIEW_LAYOUT = { title: '监管总览', stylesheets: [], scripts: ['echarts.min.js', 'oversight.js'] } satisfies LayoutData

/** The page around a snapshot's content: the layout (who is signed in) is per request, the content is not. */
interface OverviewShellData extends LayoutData {
  /** Markup rendered by the service from templates/oversight-content.eta (every value in it escaped there). */
  content: string
}

/**
 * A snapshot's pages, rendered once each: the same for every auditor of the scope until the next refresh replaces the
 * snapshot (and with it this cache). Rendering fifty rows of six <details> costs several milliseconds a time.
 */
const contentOfSnapshot = new WeakMap<Overview, Map<number, string>>()
function contentOf(overview: Overview, page: number, pages: number): string {
  let rendered = contentOfSnapshot.get(overview)
  if (rendered === undefined) contentOfSnapshot.set(overview, (rendered = new Map()))
  let html = rendered.get(page)
  if (html === undefined) {
    const shown = worstFirst(overview).slice((page - 1) * OVERVIEW_ROWS_PER_PAGE, page * OVERVIEW_ROWS_PER_PAGE)
    html = render<OverviewPageData>('oversight-content', {
      ...OVERVIEW_LAYOUT,
      overview,
      page,
      pages,
      prevUrl: page > 1 ? `${OVERSIGHT_PATH}?page=${page - 1}` : undefined,
      nextUrl: page < pages ? `${OVERSIGHT_PATH}?page=${page + 1}` : undefined,
      rows: shown.map((r) => ({ ...r, href: oversightProjectPath(r.id), systems: cellsOf(r.id, r.dueMonth, r.systems), risk: riskCellOf(r.risk) })),
      systemNames: overview.projects[0]?.systems.map((s) => s.name) ?? ['实名制', '专用账户', '总包代发', '工资保证金', '维权告示牌', '按月足额支付'],
      // Written raw into a data block: `<` escaped so no value can close the block.
      chartJson: JSON.stringify({ months: overview.incidence.map((m) => m.month), rates: overview.incidence.map((m) => Number((m.rate * 100).toFixed(2))), target: overview.target * 100 }).replaceAll('<', '\\u003c'),
      targetPercent: percent(overview.target),
      percent,
      yuan,
    })
    rendered.set(page, html)
  }
  return html
}

/** The caller's scope's snapshot: the page and both exports read this one, so a file matches its screen. */
function snapshotFor(services: Services, req: FastifyRequest): Promise<Overview> {
  const p = principalOf(req)
  return services.oversight.snapshots.get(scopeKeyOf(p), services.access.projectCondition(p))
}

export function cellsOf(projectId: string, dueMonth: string, systems: readonly SystemStatus[]): SystemCell[] {
  return systems.map((s) => ({
    ...s,
    colourName: COLOUR_NAMES[s.colour],
    evidenceLinks: s.evidence.map((e) => ({ label: e.label, value: e.value, href: sourcePath(projectId, e.source, dueMonth) })),
  }))
}

export async function oversightRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const policy = { roles: ['auditor' as const], write: false }

  app.get<{ Querystring: { page?: number } }>(
    OVERSIGHT_PATH,
    { config: { policy }, schema: { hide: true, querystring: { type: 'object', properties: { page: { type: 'integer', minimum: 1, maximum: 1000 } } } } },
    async (req, reply) => {
      const p = principalOf(req)
      const overview = await snapshotFor(services, req)
      const pages = Math.max(1, Math.ceil(overview.projects.length / OVERVIEW_ROWS_PER_PAGE))
      const page = Math.min(req.query.page ?? 1, pages)
      return sendPage<OverviewShellData>(reply, 200, 'oversight', {
        ...OVERVIEW_LAYOUT,
        signedIn: { label: p.label, roleName: ROLE_NAMES[p.role] ?? p.role },
        content: contentOf(overview, page, pages),
      })
    },
  )

  app.get(`${OVERSIGHT_PATH}/export.csv`, { config: { policy }, schema: { hide: true } }, async (req, reply) => {
    const overview = await snapshotFor(services, req)
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="oversight-${overview.asOf}.csv"`)
      .header('cache-control', 'no-store')
      .send(overviewCsv(overview))
  })

  app.get(`${OVERSIGHT_PATH}/export.xlsx`, { config: { policy }, schema: { hide: true } }, async (req, reply) => {
    const overview = await snapshotFor(services, req)
    return reply
      .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="oversight-${overview.asOf}.xlsx"`)
      .header('cache-control', 'no-store')
      .send(await overviewXlsx(overview, overview.asOfMs))
  })

  await app.register(oversightDrillRoutes, { services })
}
