/**
 * The bureau's overview of a region (issue 13, 监管总览): every project in the caller's scope with its six systems
 * (six-systems.ts), the arrears incidence month by month against the programme's 3% target, the open cases by age
 * against the 7- and 15-day clocks, and the largest arrears by amount and by headcount.
 *
 * Reads go through the oversight repository's grouped queries (one per table for the whole scope) and the pure rules
 * the other domains already have: the case fold (flags/cases.ts), the deposit check (deposits/rules.ts), the rights
 * board's facts (rights-board-facts.ts, a pure rule that the page renders), the pay date (payroll/rules.ts).
 */
import { sql, type SQL } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { assumedRecord } from '../deposits/service.ts'
import { depositFlags, depositRateTableFor, requiredDeposit, inForce, type DepositRecord } from '../deposits/rules.ts'
import { caseAge, foldCase, type CaseEvent, type FlagCase } from '../flags/cases.ts'
import { publicCaseId } from '../flags/webhooks.ts'
import { fen } from '../kernel/money.ts'
import { localTimeOf, monthBoundsMs, nextMonth, workDateOf, type Clock, type Month, type WorkDate } from '../kernel/time.ts'
import { minimumWageFor } from '../payroll/minimum-wage.ts'
import { payDateOf } from '../payroll/rules.ts'
import { rightsBoard } from './rights-board-facts.ts'
import { projects as projectsTable } from '../db/schema/index.ts'
import type { ProjectRow } from '../roster/repository.ts'
import type { RosterService } from '../roster/service.ts'
import type { Spell } from '../roster/spells.ts'
import { OversightRepository } from './repository.ts'
import { OverviewSnapshots } from './snapshots.ts'
import { ledgerSignals, type LedgerFacts } from '../risk/ledger-signals.ts'
import { formulaFor, RISK_FORMULAS, riskScore, type RiskScore } from '../risk/risk-index.ts'
import { dueMonthOf, previousMonth, sixSystems, type SystemStatus } from './six-systems.ts'

/** The programme's target: arrears cases on at most 3% of projects under construction (shared/domain.md). */
export const ARREARS_INCIDENCE_TARGET = 0.03
/** Months of incidence shown, the current one last. */
export const INCIDENCE_MONTHS = 12
/** The two clocks of flags/cases.ts: handled within 7 days, resolved within 15. */
export const CASE_CLOCK_DAYS = [7, 15] as const
/** Rows in each "largest" table. */
export const LARGEST_ROWS = 10
/** Projects one overview covers: a city's worth (the 500, with room); a province pages by region code. */
export const OVERVIEW_PROJECTS_MAX = 2_000

const ARREARS_FAMILY = 'UNPAID'

export interface ProjectOverview {
  id: string
  name: string
  siteCode: string
  regionCode: string
  dueMonth: Month
  systems: SystemStatus[]
  openArrears: number
  /** The risk index (src/risk/risk-index.ts) from the ledger's own signals the overview reads; outside signals come with issue 15's imports. */
  risk: RiskScore
}

export interface IncidenceMonth {
  month: Month
  underConstruction: number
  withArrears: number
  /** withArrears ÷ underConstruction, 0 when none is under construction. */
  rate: number
}

export interface LargestArrears {
  projectId: string
  projectName: string
  month: Month
  workers: number
  shortFen: number
  /** The case of the largest amount, for the link to its history. */
  caseIds: string[]
}

export interface Overview {
  asOf: WorkDate
  /** The instant the figures were read (the snapshot's time, snapshots.ts), and its "HH:MM:SS" in the bureau's zone. */
  asOfMs: number
  asOfTime: string
  projects: ProjectOverview[]
  /** More projects in scope than OVERVIEW_PROJECTS_MAX: the first ones only are shown. */
  truncated: boolean
  incidence: IncidenceMonth[]
  target: number
  /** Open (or acknowledged) cases by episode age: under 7 days, 7–14, 15 or more. */
  caseAges: { under7: number; from7to14: number; from15: number }
  largestByAmount: LargestArrears[]
  largestByHeadcount: LargestArrears[]
}

const isLive = (c: FlagCase): boolean => c.state === 'open' || c.state === 'acknowledged'
const shortOf = (c: FlagCase): number => Math.max(0, (c.dueFen ?? 0) - (c.paidFen ?? 0))

export class OversightService {
  private readonly repo: OversightRepository
  /** The region overview per auditor scope, kept in memory and refreshed off the request path (snapshots.ts). */
  readonly snapshots: OverviewSnapshots

  constructor(
    db: Database,
    private readonly deps: { roster: RosterService },
    private readonly clock: Clock,
    private readonly timeZone: string,
  ) {
    this.repo = new OversightRepository(db)
    this.snapshots = new OverviewSnapshots((within) => this.overview(within), clock)
  }

  /**
   * Computed now, from the database. within: the caller's scope, AccessService.projectCondition (undefined: every
   * project). The bureau's page reads it through `snapshots`, the drill-down (one project) directly.
   */
  async overview(within: SQL | undefined): Promise<Overview> {
    const now = this.clock.nowMs()
    const g = await this.gather(within, now, OVERVIEW_PROJECTS_MAX)
    const { today, projects, enrolOf, cases } = g
    const { devices, statements, credits, instructions, runs, contacts } = g.reads

    // The board's unrecorded facts depend on the region's minimum wage and on which contacts are registered (the rest
    // is the same for every project): judged once per such combination, not once per project.
    const boardOf = new Map<string, { unrecorded: string[]; facts: number }>()
    const boardFacts = (p: ProjectRow): { unrecorded: string[]; facts: number } => {
      const c = contacts.get(p.id)
      const key = `${p.regionCode}|${c?.labourManager === true}|${c?.localLine === true}`
      let b = boardOf.get(key)
      if (b === undefined) {
        const board = rightsBoard({
          project: p,
          // Names are required fields of the roster: always recorded, so they do not change the board's colour.
          constructionUnit: { name: p.constructionUnitId },
          generalContractor: { name: p.generalContractorId },
          account: { bank: p.accountBank, accountName: p.accountName },
          minimumWage: minimumWageFor(p.regionCode, today),
          // Only what is registered counts for the colour; the figures themselves are the board page's.
          contacts: c && { labourManagerName: '-', labourManagerPhone: '-', localComplaintName: c.localLine ? '-' : null, localComplaintPhone: c.localLine ? '-' : null },
          today,
          workerPageUrl: '',
        })
        b = { unrecorded: [...board.facts.filter((f) => !f.recorded).map((f) => f.label), ...board.channels.filter((c) => !c.recorded).map((c) => c.label)], facts: board.facts.length + board.channels.length }
        boardOf.set(key, b)
      }
      return b
    }

    // The formula in force today (a month's stored index uses its own month's; the overview is today's view).
    const formula = formulaFor(today) ?? RISK_FORMULAS[0]!
    const out: ProjectOverview[] = g.perProject.map(({ project: p, dueMonth, enrolment: e, workersInDue, live, arrears, account, deposit, paidLines, ledger }) => {
      const risk = riskScore(ledgerSignals(ledger), formula)
      const systems = sixSystems({
        today,
        dueMonth,
        roster: { active: e?.active ?? 0, withoutContract: e?.withoutContract ?? 0, withoutTraining: e?.withoutTraining ?? 0, devices: devices.get(p.id) ?? 0 },
        account: { registered: account ? { openedOn: account.openedOn } : null, statements: statements.get(p.id) ?? 0, lastCreditOn: credits.get(p.id) ?? null },
        agency: {
          workersInDueMonth: workersInDue,
          instructions: instructions.get(`${p.id}|${dueMonth}`) ?? 0,
          paidLines,
          notDedicatedOpen: live.filter((c) => c.case.kind === 'PAYER_NOT_DEDICATED').length,
        },
        deposit,
        board: boardFacts(p),
        payment: { openArrears: arrears.length, openArrearsShortFen: arrears.reduce((s, c) => s + shortOf(c.case), 0), dueMonthRun: runs.get(`${p.id}|${dueMonth}`) ?? null },
      })
      return { id: p.id, name: p.name, siteCode: p.siteCode, regionCode: p.regionCode, dueMonth, systems, openArrears: arrears.length, risk }
    })

    const shown = new Set(projects.map((p) => p.id))
    const shownCases = cases.filter((c) => shown.has(c.case.projectId))
    return {
      asOf: today,
      asOfMs: now,
      asOfTime: localTimeOf(now, this.timeZone),
      projects: out,
      truncated: g.truncated,
      incidence: this.incidence(today, now, projects, enrolOf, shownCases),
      target: ARREARS_INCIDENCE_TARGET,
      caseAges: this.caseAges(shownCases, now),
      ...largest(shownCases, new Map(projects.map((p) => [p.id, p.name]))),
    }
  }

  /**
   * The ledger's own risk facts of every project in scope that was on site by `asOfMs` (ledger-signals.ts turns them
   * into signals): what the monthly index run (src/risk/risk-runs.ts) scores, read exactly as the overview reads them.
   * A project is on site from its first enrolment's entry date: one whose first worker came after the instant's date
   * did not exist for that month (registration time is no test: a project is often registered after its works began).
   * Cases are folded from their events up to the instant, so a month's run does not see a case opened after it.
   */
  async ledgerRiskFacts(within: SQL | undefined, asOfMs: number, projectsMax: number): Promise<Array<{ project: ProjectRow; facts: LedgerFacts }>> {
    const onSite = sql`${projectsTable.id} IN (SELECT project_id FROM enrolments WHERE entry_date <= ${workDateOf(asOfMs, this.timeZone)})`
    const g = await this.gather(within === undefined ? onSite : sql`(${within}) AND ${onSite}`, asOfMs, projectsMax, asOfMs)
    if (g.truncated) throw new Error(`more than ${projectsMax} projects in scope: raise the limit`)
    return g.perProject.map((p) => ({ project: p.project, facts: p.ledger }))
  }

  /** What the overview and the index run read: one grouped query per table for the whole scope, then per project. */
  private async gather(within: SQL | undefined, now: number, projectsMax: number, eventsUpToMs?: number) {
    // One "today" for the region: a bureau's projects share its zone (the zone is per project only for completeness).
    const today = workDateOf(now, this.timeZone)
    const m1 = previousMonth(today.slice(0, 7))
    const m2 = previousMonth(m1)
    const bounds = (m: Month): [string, string] => [`${m}-01`, previousDay(`${nextMonth(m)}-01`)]
    const rows = await this.deps.roster.pageProjects({ limit: projectsMax + 1 }, within)
    const projects = rows.slice(0, projectsMax)
    const [enrol, devices, statements, registered, credits, instructions, paid, paidWorkers, runs, contracts, deposits, events, contacts] = await Promise.all([
      this.repo.enrolmentCounts(within, today, bounds(m1), bounds(m2)),
      this.repo.deviceCounts(within),
      this.repo.statementCounts(within),
      this.repo.registeredAccounts(within),
      this.repo.lastCredits(within),
      this.repo.instructionCounts(within, [m1, m2]),
      this.repo.paidLineCounts(within, [m1, m2], now),
      this.repo.paidWorkerCounts(within, [m1, m2], now),
      this.repo.latestRuns(within, [m1, m2]),
      this.repo.contracts(within),
      this.repo.deposits(within),
      this.repo.caseEvents(within),
      this.repo.contactsInForce(within),
    ])
    const enrolOf = new Map(enrol.map((e) => [e.projectId, e]))
    const cases = foldAll(events, eventsUpToMs)
    const casesOf = groupBy(cases, (c) => c.case.projectId)
    const depositsOf = groupBy(deposits, (d) => d.projectId)
    const perProject = projects.map((p) => {
      const dueMonth = dueMonthOf(today, (m) => payDateOf(m, p.payDay))
      const enrolment = enrolOf.get(p.id)
      const workersInDue = enrolment === undefined ? 0 : dueMonth === m1 ? enrolment.inMonthA : dueMonth === m2 ? enrolment.inMonthB : 0
      const live = (casesOf.get(p.id) ?? []).filter((c) => isLive(c.case))
      const arrears = live.filter((c) => c.case.kind === ARREARS_FAMILY)
      const account = registered.get(p.id)
      const deposit = this.depositFacts(p, today, contracts.get(p.id), depositsOf.get(p.id) ?? [], account !== undefined)
      const paidLines = paid.get(`${p.id}|${dueMonth}`) ?? 0
      const ledger: LedgerFacts = {
        arrears: arrears.map((c) => ({ caseId: publicCaseId(c.case.key), month: c.case.month, shortFen: shortOf(c.case), episodeAgeDays: caseAge(c.case, now, this.timeZone).episodeAgeDays })),
        dueMonth: { workers: workersInDue, paidWorkers: paidWorkers.get(`${p.id}|${dueMonth}`) ?? 0 },
        deposit,
      }
      return { project: p, dueMonth, enrolment, workersInDue, live, arrears, account, deposit, paidLines, ledger }
    })
    return { today, projects, truncated: rows.length > projectsMax, enrolOf, cases, perProject, reads: { devices, statements, credits, instructions, runs, contacts } }
  }

  /** One project's six systems and its cases' figures, as the overview has them (the drill-down's first level). */
  async project(projectId: string): Promise<Overview> {
    return this.overview(sql`${projectsTable.id} = ${projectId}`)
  }

  private depositFacts(
    p: ProjectRow,
    today: WorkDate,
    contract: { contractAmountFen: number; signedOn: string } | undefined,
    rows: ReadonlyArray<{ id: string; form: 'cash' | 'bank_guarantee' | 'insurance'; amountFen: number; issuer: string; effectiveOn: string; expiresOn: string | null; withdrawsId: string | null }>,
    hasAccount: boolean,
  ): Parameters<typeof sixSystems>[0]['deposit'] {
    const releaseOf = new Map(rows.filter((r) => r.withdrawsId !== null).map((w) => [w.withdrawsId!, w.effectiveOn]))
    const records: DepositRecord[] = rows
      .filter((r) => r.withdrawsId === null)
      .map((r) => {
        const release = releaseOf.get(r.id)
        const common = { depositId: r.id, projectId: p.id, amountFen: fen(r.amountFen), lodgedOn: r.effectiveOn, ...(release === undefined ? {} : { releasedOn: release }) }
        return r.form === 'cash' ? { ...common, form: 'cash' as const } : { ...common, form: r.form, expiresOn: r.expiresOn ?? r.effectiveOn, issuer: r.issuer }
      })
    const inForceFen = records.filter((d) => inForce(d, today)).reduce((s, d) => s + d.amountFen, 0)
    const table = depositRateTableFor(p.regionCode)
    if (contract === undefined || table === undefined) return { requirementKnown: false, flags: [], inForceFen, requiredFen: null }
    const record = assumedRecord(hasAccount)
    const amount = fen(contract.contractAmountFen)
    const flags = depositFlags({
      project: { projectId: p.id, contractorId: p.generalContractorId, regionCode: p.regionCode, contractAmountFen: amount, underConstruction: contract.signedOn <= today },
      record,
      deposits: records,
      asOf: today,
      table,
    })
    return { requirementKnown: true, flags: flags.map((f) => f.code), inForceFen, requiredFen: requiredDeposit(amount, record, table).requiredFen }
  }

  /**
   * Month by month: projects with an arrears case open at the month's end (now, for the current month) ÷ projects
   * under construction in it (someone enrolled on site at some time in the month: the roster is the ledger's only
   * sign of works going on). A case's state at an instant is the fold of its events up to it.
   */
  private incidence(today: WorkDate, now: number, projects: readonly ProjectRow[], enrolOf: ReadonlyMap<string, { onSite: readonly Spell[] }>, cases: readonly Folded[]): IncidenceMonth[] {
    const months: Month[] = [today.slice(0, 7)]
    while (months.length < INCIDENCE_MONTHS) months.unshift(previousMonth(months[0]!))
    // Each arrears case's state after each of its events, folded once (events are few per case; months are twelve).
    const liveAfter = cases
      .filter((c) => c.case.kind === ARREARS_FAMILY)
      .map((c) => ({
        projectId: c.case.projectId,
        states: c.events.map((e, i): [number, boolean] => {
          const folded = foldCase(c.events.slice(0, i + 1))
          return [e.atMs, folded.ok && isLive(folded.case)]
        }),
      }))
    return months.map((month) => {
      const endMs = Math.min(now, monthBoundsMs(month, this.timeZone).endMs)
      const [start, end] = [`${month}-01`, previousDay(`${nextMonth(month)}-01`)]
      const under = projects.filter((p) => {
        const e = enrolOf.get(p.id)
        // Someone enrolled on a day of the month: a month every worker spent away (between an exit and a return) is not one.
        return e !== undefined && e.onSite.some((s) => s.entryDate <= end && (s.exitDate === null || s.exitDate >= start))
      })
      const underIds = new Set(under.map((p) => p.id))
      const withArrears = new Set<string>()
      for (const c of liveAfter) {
        if (!underIds.has(c.projectId) || withArrears.has(c.projectId)) continue
        // The state after the last event before the month's end.
        let live = false
        for (const [atMs, isLiveNow] of c.states) {
          if (atMs >= endMs) break
          live = isLiveNow
        }
        if (live) withArrears.add(c.projectId)
      }
      return { month, underConstruction: under.length, withArrears: withArrears.size, rate: under.length === 0 ? 0 : withArrears.size / under.length }
    })
  }

  private caseAges(cases: readonly Folded[], now: number): Overview['caseAges'] {
    const ages = { under7: 0, from7to14: 0, from15: 0 }
    for (const c of cases) {
      if (!isLive(c.case)) continue
      const { episodeAgeDays } = caseAge(c.case, now, this.timeZone)
      if (episodeAgeDays >= CASE_CLOCK_DAYS[1]) ages.from15++
      else if (episodeAgeDays >= CASE_CLOCK_DAYS[0]) ages.from7to14++
      else ages.under7++
    }
    return ages
  }
}

interface Folded {
  case: FlagCase
  events: CaseEvent[]
}

/** upToMs: only the events up to that instant (a month's index run); every event otherwise. */
function foldAll(rows: ReadonlyArray<{ caseKey: string; body: string }>, upToMs?: number): Folded[] {
  const byKey = groupBy(rows, (r) => r.caseKey)
  const out: Folded[] = []
  for (const list of byKey.values()) {
    const all = list.map((r) => JSON.parse(r.body) as CaseEvent)
    const events = upToMs === undefined ? all : all.filter((e) => e.atMs <= upToMs)
    if (events.length === 0) continue
    const r = foldCase(events)
    // A case that does not fold is the case service's to report; the overview counts what folds.
    if (r.ok) out.push({ case: r.case, events })
  }
  return out
}

/** Open arrears grouped as an incident (项目 × 月份): the programme's thresholds are per incident (¥5 million, 10 workers). */
function largest(cases: readonly Folded[], names: ReadonlyMap<string, string>): Pick<Overview, 'largestByAmount' | 'largestByHeadcount'> {
  const incidents = new Map<string, LargestArrears>()
  for (const c of cases) {
    if (c.case.kind !== ARREARS_FAMILY || !isLive(c.case)) continue
    const key = `${c.case.projectId}|${c.case.month}`
    const i = incidents.get(key) ?? { projectId: c.case.projectId, projectName: names.get(c.case.projectId) ?? '', month: c.case.month, workers: 0, shortFen: 0, caseIds: [] }
    i.workers += 1
    i.shortFen += shortOf(c.case)
    i.caseIds.push(publicCaseId(c.case.key))
    incidents.set(key, i)
  }
  const all = [...incidents.values()]
  const tie = (a: LargestArrears, b: LargestArrears): number => (a.projectId < b.projectId ? -1 : a.projectId > b.projectId ? 1 : a.month < b.month ? -1 : 1)
  return {
    largestByAmount: [...all].sort((a, b) => b.shortFen - a.shortFen || tie(a, b)).slice(0, LARGEST_ROWS),
    largestByHeadcount: [...all].sort((a, b) => b.workers - a.workers || tie(a, b)).slice(0, LARGEST_ROWS),
  }
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>()
  for (const it of items) {
    const k = key(it)
    const list = m.get(k)
    if (list) list.push(it)
    else m.set(k, [it])
  }
  return m
}

function previousDay(date: WorkDate): WorkDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)
}

