/**
 * The monthly risk index run (欠薪风险指数, issue 15): every project on site by the month's end (a worker enrolled
 * with an entry date by its last day: a project whose works began later was not one of the month's) and every
 * employer scored for a month with the formula in force on the month's last day (risk-index.ts riskScoreOfMonth),
 * kept as one risk_runs row and one risk_scores row per subject, in one transaction. A run never rewrites an earlier
 * one: running a month again adds a run, and the current score of a subject-month is the newest run's.
 *
 * What a subject's signals are:
 * - a project: the ledger's own signals as the bureau overview gathers them (OversightService.ledgerRiskFacts, as
 *   they stood at the month's end: open arrears, the unpaid share of the month due, the deposit), two the run reads
 *   itself (each team of the month due, enrolled in it, with no confirmed timesheet or no payroll sheet made by the
 *   month's end; each gate with an offline incident open at the month's end), and the outside signals for the month
 *   of its general contractor and of every subcontractor employing a team on it, and each period of the contract's
 *   labour-cost schedule funded late or short by the month's end (the account's own rule, src/account/funding.ts,
 *   asked for each project with a dedicated account and a contract: a few hundred queries a month, not a grouped read);
 * - an employer (a credit code: every organisation on the roster, and every code a department reported for the
 *   month, on the roster or not): its own outside signals for the month, and the ledger signals of the projects it
 *   answers for as an employer, that is where it is the general contractor or employs a team. A construction unit
 *   that is neither has its outside signals only (its late funding is its projects' signal).
 * The same report sent in two imports (employer, kind, source and month) counts once: the newest import's row.
 *
 * Size: a province's month is 10,000 projects and two million employers. Projects and the roster's employers are
 * held in memory (tens of thousands); the employers with signals are read in pages of credit codes and their scores
 * written in multi-row statements as they are made, so memory stays flat whatever the number of employers.
 *
 * The run's row is written before its scores (they reference it), so finished_at_ms is the instant its reading of the
 * ledger ended and its writing began; runs of any instance are serialised by a lock (imports take it too, so a run
 * reads one state of the signals), and they stay in that order.
 */
import { sql, type SQL } from 'drizzle-orm'
import { LIMITS } from '../config/limits.ts'
import { q, type Database, type Executor, type Transaction } from '../db/database.ts'
import { AppError } from '../kernel/errors.ts'
import { fen } from '../kernel/money.ts'
import { newId } from '../kernel/ids.ts'
import { isMonth, localParts, monthBoundsMs, nextMonth, workDateOf, type Clock, type Month, type WorkDate } from '../kernel/time.ts'
import { creditRecordState } from './credit-rules.ts'
import { dueMonthOf } from '../oversight/six-systems.ts'
import { payDateOf } from '../payroll/rules.ts'
import type { ProjectRow } from '../roster/repository.ts'
import { ledgerSignals, type LedgerFacts } from './ledger-signals.ts'
import { formulaFor, RISK_FORMULAS, riskScore, type OutsideKind, type RiskFormula, type RiskScore, type RiskSignal } from './risk-index.ts'
import { employersWithin, SIGNALS_LOCK } from './signal-imports.ts'

/** Projects one run scores: a province's (tens of thousands), with room. */
export const RISK_RUN_PROJECTS_MAX = 200_000
/** Signal rows read per page of employers (a page ends at a whole employer). */
const SIGNAL_PAGE_ROWS = 20_000
/** The monthly timer runs the previous month on these days of the month (service's zone), if it has no run yet. */
export const RISK_RUN_DAYS = [1, 2, 3] as const

export type SubjectKind = 'project' | 'employer'

export interface RiskRunRow {
  id: string
  month: Month
  formulaVersion: string
  actor: string
  projectCount: number
  employerCount: number
  startedAtMs: number
  finishedAtMs: number
}

export interface RiskScoreRow {
  runId: string
  month: Month
  subjectKind: SubjectKind
  subjectId: string
  /** The project's name, or the employer's on the roster (else as the newest signal gave it); null when unknown. */
  name: string | null
  regionCode: string | null
  formulaVersion: string
  points: number
  level: RiskScore['level']
  parts: RiskScore['parts']
}

interface OutsideRow {
  id: number
  creditCode: string
  signal: OutsideKind
  source: string
  period: string
  amountFen: number | null
  severity: number
}

const RUN_COLUMNS = `id, month, formula_version AS "formulaVersion", actor, project_count AS "projectCount", employer_count AS "employerCount", started_at_ms AS "startedAtMs", finished_at_ms AS "finishedAtMs"`
const INSERT_RUN = `INSERT INTO risk_runs (id, month, formula_version, actor, project_count, employer_count, started_at_ms, finished_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
const NEWEST_RUN_OF_MONTH = `SELECT ${RUN_COLUMNS} FROM risk_runs WHERE month = ? ORDER BY finished_at_ms DESC, id DESC LIMIT 1`
const NEWEST_RUN = `SELECT ${RUN_COLUMNS} FROM risk_runs ORDER BY month DESC, finished_at_ms DESC, id DESC LIMIT 1`
const OUTSIDE_COLUMNS = `id, credit_code AS "creditCode", signal, source, period, amount_fen AS "amountFen", severity`
const insertTexts = new Map<number, string>()
function insertScoresText(rows: number): string {
  let text = insertTexts.get(rows)
  if (text === undefined) {
    text = `INSERT INTO risk_scores (run_id, month, subject_kind, subject_id, region_code, formula_version, points, level, parts) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`
    insertTexts.set(rows, text)
  }
  return text
}

const runOf = (r: Record<string, unknown>): RiskRunRow => ({
  ...(r as unknown as RiskRunRow),
  projectCount: Number(r.projectCount),
  employerCount: Number(r.employerCount),
  startedAtMs: Number(r.startedAtMs),
  finishedAtMs: Number(r.finishedAtMs),
})

/** Scores a run writes before the table's statistics are refreshed at once (PostgreSQL). */
const ANALYZE_AFTER_SCORES = 10_000

function lastDayOfMonth(m: Month): WorkDate {
  return new Date(Date.parse(`${nextMonth(m)}-01T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)
}

/** The outside rows as signals, the same report in two imports counted once (the newest stored). */
export function outsideSignals(rows: readonly OutsideRow[]): RiskSignal[] {
  const newest = new Map<string, OutsideRow>()
  for (const r of rows) {
    const key = `${r.signal}|${r.source}|${r.period}`
    const held = newest.get(key)
    if (held === undefined || held.id < r.id) newest.set(key, r)
  }
  return [...newest.values()]
    .sort((a, b) => a.id - b.id)
    .map((r) => ({ kind: 'outside', signal: r.signal, severity: r.severity as 1 | 2 | 3, amountFen: r.amountFen === null ? null : fen(r.amountFen), source: r.source, period: r.period }))
}

/** Writes scores in multi-row statements as they are made. */
class ScoreWriter {
  private pending: unknown[] = []
  private rows = 0
  written = 0

  constructor(
    private readonly tx: Executor,
    private readonly run: { id: string; month: Month },
  ) {}

  async add(kind: SubjectKind, subjectId: string, regionCode: string | null, score: RiskScore): Promise<void> {
    this.pending.push(this.run.id, this.run.month, kind, subjectId, regionCode, score.formula, score.points, score.level, JSON.stringify(score.parts))
    this.rows++
    if (this.rows >= LIMITS.risk_scores_per_insert) await this.flush()
  }

  async flush(): Promise<void> {
    if (this.rows === 0) return
    await this.tx.run(q(insertScoresText(this.rows), ...this.pending))
    this.written += this.rows
    this.pending = []
    this.rows = 0
  }
}

export interface LedgerFactsSource {
  ledgerRiskFacts(within: SQL | undefined, asOfMs: number, projectsMax: number): Promise<Array<{ project: ProjectRow; facts: LedgerFacts }>>
}

/** The account's funding rule (AccountService.fundingFlags): FUNDING_LATE flags carry the period, days late and shortfall. */
export interface FundingSource {
  fundingFlags(projectId: string, period: Month, payDate: WorkDate, approvedSheets: readonly never[], asOf: WorkDate): Promise<ReadonlyArray<{ code: string; evidence: Record<string, unknown> }>>
}

export class RiskRunService {
  constructor(
    private readonly db: Database,
    private readonly deps: { ledger: LedgerFactsSource; funding?: FundingSource },
    private readonly clock: Clock,
    private readonly timeZone: string,
    private readonly formulas: readonly RiskFormula[] = RISK_FORMULAS,
  ) {}

  /** The latest month that has ended in the service's zone: the previous one. */
  lastEndedMonth(): Month {
    const { year, month } = localParts(this.clock.nowMs(), this.timeZone)
    return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`
  }

  /**
   * Scores the month. `ifMissing`: the timer's way, nothing is done when the month already has a run (decided under
   * the lock, so two instances' timers make one run). Returns the run made, or undefined when none was needed.
   */
  async run(month: Month, actor: string, opts: { ifMissing?: boolean } = {}): Promise<RiskRunRow | undefined> {
    if (!isMonth(month)) throw new AppError('invalid_month', { month })
    const latest = this.lastEndedMonth()
    if (month > latest) throw new AppError('risk_month_not_ended', { month: latest })
    const lastDay = new Date(Date.parse(`${nextMonth(month)}-01T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)
    const formula = formulaFor(lastDay, this.formulas)
    if (!formula) throw new AppError('invalid_month', { month, reason: `no risk formula was in force; the first applies from ${this.formulas.map((f) => f.effectiveFrom).sort()[0] ?? '?'}` })
    if (opts.ifMissing && (await this.newestRun(month))) return undefined
    const startedAtMs = this.clock.nowMs()
    // As the ledger stood at the month's end: the last instant of its last day in the service's zone.
    const asOfMs = Math.min(startedAtMs, monthBoundsMs(month, this.timeZone).endMs - 1)
    // Read outside the transaction: the ledger's facts are the overview's grouped reads, a few seconds for a province.
    const facts = await this.deps.ledger.ledgerRiskFacts(undefined, asOfMs, RISK_RUN_PROJECTS_MAX)
    const own = await this.sheetAndDeviceSignals(facts.map((f) => f.project), lastDay, asOfMs)
    const run = await this.db.tx(async (tx) => {
      await tx.lock(SIGNALS_LOCK)
      if (opts.ifMissing && (await this.newestRun(month, tx))) return undefined
      return this.score(tx, month, formula, actor, startedAtMs, facts, own)
    })
    // A province's run adds millions of rows at once; until the planner's statistics know them, PostgreSQL reads the
    // employers' ranking by a plan that took 1.4–3.8 s instead of 8–29 ms (bench:risk). Autovacuum would catch up
    // within minutes; the bureau opens the ranking right after the run.
    if (run && this.db.engine === 'postgres' && run.projectCount + run.employerCount >= ANALYZE_AFTER_SCORES) await this.db.run(q('ANALYZE risk_scores'))
    return run
  }

  private async score(
    tx: Transaction,
    month: Month,
    formula: RiskFormula,
    actor: string,
    startedAtMs: number,
    facts: Array<{ project: ProjectRow; facts: LedgerFacts }>,
    own: ReadonlyMap<string, RiskSignal[]>,
  ): Promise<RiskRunRow> {
    // The roster's employers and the projects they answer for (general contractor, or a team's employer).
    const parties = await tx.all<{ code: string; projectId: string | null; role: string }>(sql`
      SELECT o.credit_code AS "code", p.id AS "projectId", 'gc' AS "role" FROM organisations o INNER JOIN projects p ON p.general_contractor_id = o.id
      UNION SELECT o.credit_code, t.project_id, 'team' FROM organisations o INNER JOIN teams t ON t.employer_id = o.id
      UNION SELECT o.credit_code, NULL, 'org' FROM organisations o`)
    const projectsOfEmployer = new Map<string, Set<string>>()
    const employersOfProject = new Map<string, Set<string>>()
    for (const r of parties) {
      const set = projectsOfEmployer.get(r.code) ?? new Set<string>()
      projectsOfEmployer.set(r.code, set)
      if (r.projectId === null) continue
      set.add(r.projectId)
      const e = employersOfProject.get(r.projectId) ?? new Set<string>()
      e.add(r.code)
      employersOfProject.set(r.projectId, e)
    }
    // The roster's employers' signals of the month: what their projects carry.
    const rosterOutside = new Map<string, OutsideRow[]>()
    for (const r of await tx.all<OutsideRow>(sql`SELECT ${sql.raw(OUTSIDE_COLUMNS)} FROM employer_signals WHERE period = ${month} AND credit_code IN (SELECT credit_code FROM organisations)`)) {
      const row = { ...r, id: Number(r.id), severity: Number(r.severity), amountFen: r.amountFen === null ? null : Number(r.amountFen) }
      const list = rosterOutside.get(row.creditCode) ?? []
      list.push(row)
      rosterOutside.set(row.creditCode, list)
    }
    const outsideOf = new Map<string, RiskSignal[]>()
    for (const [code, rows] of rosterOutside) outsideOf.set(code, outsideSignals(rows))
    // Credit records counting on the month's last day (a small table: the cases that confirmed arrears), by employer.
    const creditOf = await this.creditSignals(tx, lastDayOfMonth(month))

    const ledgerOf = new Map<string, RiskSignal[]>()
    const regionOf = new Map<string, string>()
    for (const { project, facts: f } of facts) {
      ledgerOf.set(project.id, [...ledgerSignals(f), ...(own.get(project.id) ?? [])])
      regionOf.set(project.id, project.regionCode)
    }
    // The employers scored, counted before the run's row is written: the roster's (by their projects), every one
    // reported this month, and those with a credit record alone (on no roster, not reported).
    const reported = await tx.get<{ n: unknown }>(sql`SELECT CAST(COUNT(DISTINCT credit_code) AS BIGINT) AS "n" FROM employer_signals WHERE period = ${month}`)
    const reportedOnRoster = [...rosterOutside.keys()].filter((code) => projectsOfEmployer.has(code)).length
    const creditOffRoster = [...creditOf.keys()].filter((code) => !projectsOfEmployer.has(code))
    // Which of them a department reported this month, asked of the tables rather than with a parameter per code: a
    // province's records pass the engines' limit on parameters in a statement (SQLite 32,766; PostgreSQL 65,535).
    const creditReported =
      creditOffRoster.length === 0
        ? new Set<string>()
        : new Set(
            (
              await tx.all<{ code: string }>(
                sql`SELECT DISTINCT s.credit_code AS "code" FROM employer_signals s WHERE s.period = ${month} AND s.credit_code IN (SELECT r.credit_code FROM credit_records r WHERE r.recorded_on <= ${lastDayOfMonth(month)})`,
              )
            ).map((r) => r.code),
          )
    const creditAlone = creditOffRoster.filter((code) => !creditReported.has(code)).sort()
    const run: RiskRunRow = {
      id: newId(),
      month,
      formulaVersion: formula.version,
      actor,
      projectCount: facts.length,
      employerCount: projectsOfEmployer.size + Number(reported?.n ?? 0) - reportedOnRoster + creditAlone.length,
      startedAtMs,
      finishedAtMs: Math.max(startedAtMs, this.clock.nowMs()),
    }
    await tx.run(q(INSERT_RUN, run.id, run.month, run.formulaVersion, run.actor, run.projectCount, run.employerCount, run.startedAtMs, run.finishedAtMs))
    const writer = new ScoreWriter(tx, run)

    for (const { project } of facts) {
      const signals = [...(ledgerOf.get(project.id) ?? [])]
      for (const code of employersOfProject.get(project.id) ?? []) signals.push(...(outsideOf.get(code) ?? []), ...(creditOf.get(code) ?? []))
      await writer.add('project', project.id, project.regionCode, riskScore(signals, formula))
    }

    const employerScore = async (code: string, outside: readonly RiskSignal[]): Promise<void> => {
      const signals = [...outside, ...(creditOf.get(code) ?? [])]
      let region: string | null = null
      for (const projectId of [...(projectsOfEmployer.get(code) ?? [])].sort()) {
        signals.push(...(ledgerOf.get(projectId) ?? []))
        const r = regionOf.get(projectId)
        if (r !== undefined && (region === null || r < region)) region = r
      }
      await writer.add('employer', code, region, riskScore(signals, formula))
    }
    // Every reported employer of the month, a page of whole employers at a time, in credit code order (the index's;
    // an employer's rows are ordered by outsideSignals). Only the roster's are remembered: two million codes are not.
    const done = new Set<string>()
    let after = ''
    for (;;) {
      const page = await tx.all<OutsideRow>(
        sql`SELECT ${sql.raw(OUTSIDE_COLUMNS)} FROM employer_signals WHERE credit_code > ${after} AND period = ${month} ORDER BY credit_code LIMIT ${SIGNAL_PAGE_ROWS}`,
      )
      if (page.length === 0) break
      const full = page.length === SIGNAL_PAGE_ROWS
      const lastCode = page[page.length - 1]!.creditCode
      // A full page may end inside an employer's rows: that employer starts the next page (unless it fills this one).
      const upTo = full && page[0]!.creditCode !== lastCode ? page.findIndex((r) => r.creditCode === lastCode) : page.length
      let i = 0
      while (i < upTo) {
        const code = page[i]!.creditCode
        const rows: OutsideRow[] = []
        for (; i < upTo && page[i]!.creditCode === code; i++) {
          const r = page[i]!
          rows.push({ ...r, id: Number(r.id), severity: Number(r.severity), amountFen: r.amountFen === null ? null : Number(r.amountFen) })
        }
        if (projectsOfEmployer.has(code)) done.add(code)
        await employerScore(code, outsideSignals(rows))
      }
      after = page[upTo - 1]!.creditCode
      if (!full) break
    }
    // The roster's employers no department reported this month: their projects' ledger signals alone.
    for (const code of [...projectsOfEmployer.keys()].sort()) if (!done.has(code)) await employerScore(code, [])
    // An employer with a credit record that is on no roster and no department reported this month: its record alone.
    // (One reported this month was scored with its record above: a second score would break the run.)
    for (const code of creditAlone) await employerScore(code, [])
    await writer.flush()
    return run
  }

  /** Each employer's credit records counting on `onDate` (credit-rules.ts: recorded by then, not expired or repaired). */
  private async creditSignals(ex: Executor, onDate: WorkDate): Promise<Map<string, RiskSignal[]>> {
    const rows = await ex.all<{ id: string; creditCode: string; employerName: string; amountFen: unknown; recordedOn: WorkDate; ruleVersion: string }>(
      sql`SELECT id, credit_code AS "creditCode", employer_name AS "employerName", amount_fen AS "amountFen", recorded_on AS "recordedOn", rule_version AS "ruleVersion"
        FROM credit_records WHERE recorded_on <= ${onDate} ORDER BY credit_code, recorded_on, id`,
    )
    const events = await ex.all<{ recordId: string; type: string; atMs: unknown }>(sql`SELECT record_id AS "recordId", type, at_ms AS "atMs" FROM credit_record_events`)
    const eventAt = new Map(events.map((e) => [`${e.recordId}|${e.type}`, Number(e.atMs)]))
    const on = (recordId: string, type: string): WorkDate | null => {
      const at = eventAt.get(`${recordId}|${type}`)
      return at === undefined ? null : workDateOf(at, this.timeZone)
    }
    const out = new Map<string, RiskSignal[]>()
    for (const r of rows) {
      const state = creditRecordState({ recordedOn: r.recordedOn, ruleVersion: r.ruleVersion, repairedOn: on(r.id, 'repaired'), expiredOn: on(r.id, 'expired') }, onDate)
      if (state !== 'active') continue
      const list = out.get(r.creditCode) ?? []
      list.push({ kind: 'credit_record', recordId: r.id, employerName: r.employerName, amountFen: fen(Number(r.amountFen)), recordedOn: r.recordedOn })
      out.set(r.creditCode, list)
    }
    return out
  }

  /**
   * The signals the overview does not read, per project, as at the month's end (asOfMs; lastDay its date): each team
   * enrolled in the project's month due (the latest whose pay date has come by lastDay) without a confirmed
   * timesheet or a payroll sheet made for it, each schedule period funded late, and each device with an offline
   * incident open. Grouped reads for the whole province, but for funding.
   */
  private async sheetAndDeviceSignals(projects: readonly ProjectRow[], lastDay: WorkDate, asOfMs: number): Promise<Map<string, RiskSignal[]>> {
    const out = new Map<string, RiskSignal[]>()
    const add = (projectId: string, s: RiskSignal): void => {
      const list = out.get(projectId)
      if (list) list.push(s)
      else out.set(projectId, [s])
    }
    const dueOf = new Map(projects.map((p) => [p.id, dueMonthOf(lastDay, (m) => payDateOf(m, p.payDay))]))
    const months = [...new Set(dueOf.values())].sort()
    const lastDayOf = (m: Month): WorkDate => new Date(Date.parse(`${nextMonth(m)}-01T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)
    const key = (projectId: string, teamId: string, m: string): string => `${projectId}|${teamId}|${m}`
    const done = new Set<string>()
    if (months.length > 0) {
      const inMonths = sql.join(
        months.map((m) => sql`${m}`),
        sql`, `,
      )
      for (const r of await this.db.all<{ projectId: string; teamId: string; month: string }>(
        sql`SELECT project_id AS "projectId", team_id AS "teamId", month FROM timesheet_confirmations WHERE month IN (${inMonths}) AND confirmed_at_ms <= ${asOfMs}`,
      ))
        done.add(`t|${key(r.projectId, r.teamId, r.month)}`)
      for (const r of await this.db.all<{ projectId: string; teamId: string; month: string }>(
        sql`SELECT DISTINCT project_id AS "projectId", team_id AS "teamId", period AS "month" FROM payroll_sheets WHERE period IN (${inMonths}) AND made_at_ms <= ${asOfMs}`,
      ))
        done.add(`s|${key(r.projectId, r.teamId, r.month)}`)
    }
    for (const m of months) {
      // A team's workers enrolled on some day of the month: one away the whole month, between an exit and the return
      // after it (再次进场, spells.ts), is not, though the enrolment's dates alone (first entry, no exit) span it.
      const teams = await this.db.all<{ projectId: string; teamId: string; teamName: string }>(
        sql`SELECT DISTINCT e.project_id AS "projectId", e.team_id AS "teamId", t.name AS "teamName" FROM enrolments e JOIN teams t ON t.id = e.team_id
          WHERE e.entry_date <= ${lastDayOf(m)} AND (e.exit_date IS NULL OR e.exit_date >= ${`${m}-01`})
            AND NOT EXISTS (SELECT 1 FROM enrolment_returns b WHERE b.enrolment_id = e.id AND b.exit_date < ${`${m}-01`} AND b.return_date > ${lastDayOf(m)})`,
      )
      for (const t of teams.sort((a, b) => (a.teamId < b.teamId ? -1 : a.teamId > b.teamId ? 1 : 0))) {
        if (dueOf.get(t.projectId) !== m) continue
        const k = key(t.projectId, t.teamId, m)
        if (!done.has(`t|${k}`) || !done.has(`s|${k}`)) add(t.projectId, { kind: 'sheet_missing', teamId: t.teamId, teamName: t.teamName, month: m })
      }
    }
    // Funding is judged where there is something to judge it by: a dedicated account and a contract's schedule.
    if (this.deps.funding) {
      const funded = await this.db.all<{ projectId: string }>(
        sql`SELECT DISTINCT project_id AS "projectId" FROM dedicated_accounts WHERE project_id IN (SELECT project_id FROM project_contracts) ORDER BY project_id`,
      )
      const payDayOf = new Map(projects.map((p) => [p.id, p.payDay]))
      for (const { projectId } of funded) {
        const due = dueOf.get(projectId)
        const payDay = payDayOf.get(projectId)
        if (due === undefined || payDay === undefined) continue
        // No approved sheets: only the schedule's lateness is asked (shortness against sheets is the payout check's).
        for (const f of await this.deps.funding.fundingFlags(projectId, due, payDateOf(due, payDay), [], lastDay)) {
          if (f.code !== 'FUNDING_LATE') continue
          const e = f.evidence
          add(projectId, { kind: 'funding_late', periodId: String(e.periodId), daysLate: Number(e.daysLate), shortFen: fen(Number(e.shortFen)) })
        }
      }
    }
    const offline = await this.db.all<{ projectId: string; serial: string }>(sql`
      SELECT DISTINCT o.project_id AS "projectId", o.serial AS "serial" FROM device_incident_events o
      WHERE o.type = 'opened' AND o.at_ms <= ${asOfMs}
        AND NOT EXISTS (SELECT 1 FROM device_incident_events c WHERE c.incident_id = o.incident_id AND c.type = 'closed' AND c.at_ms <= ${asOfMs})
      ORDER BY o.serial`)
    for (const d of offline) add(d.projectId, { kind: 'device_offline', serial: d.serial })
    return out
  }

  /** Runs newest first (by month, then by finish), optionally of one month; `before`: the last of the previous page. */
  async runs(opts: { month?: Month; before?: RiskRunRow; limit: number }): Promise<RiskRunRow[]> {
    const conds: SQL[] = []
    if (opts.month !== undefined) conds.push(sql`month = ${opts.month}`)
    const b = opts.before
    if (b) conds.push(sql`(month < ${b.month} OR (month = ${b.month} AND (finished_at_ms < ${b.finishedAtMs} OR (finished_at_ms = ${b.finishedAtMs} AND id < ${b.id}))))`)
    const where = conds.length === 0 ? sql`` : sql`WHERE ${sql.join(conds, sql` AND `)}`
    const rows = await this.db.all(sql`SELECT ${sql.raw(RUN_COLUMNS)} FROM risk_runs ${where} ORDER BY month DESC, finished_at_ms DESC, id DESC LIMIT ${opts.limit}`)
    return rows.map(runOf)
  }

  async runById(id: string): Promise<RiskRunRow | undefined> {
    const r = await this.db.get(sql`SELECT ${sql.raw(RUN_COLUMNS)} FROM risk_runs WHERE id = ${id}`)
    return r && runOf(r)
  }

  /** The month's newest run (the current scores), or the newest of any month. */
  async newestRun(month?: Month, ex: Executor = this.db): Promise<RiskRunRow | undefined> {
    const r = await ex.get(month === undefined ? q(NEWEST_RUN) : q(NEWEST_RUN_OF_MONTH, month))
    return r && runOf(r)
  }

  /** The monthly timer: on the 1st to 3rd, the previous month if it has no run yet (one indexed read otherwise). */
  async runIfDue(): Promise<RiskRunRow | undefined> {
    const { day } = localParts(this.clock.nowMs(), this.timeZone)
    if (!(RISK_RUN_DAYS as readonly number[]).includes(day)) return undefined
    const month = this.lastEndedMonth()
    if (!formulaFor(`${month}-28`, this.formulas) || (await this.newestRun(month))) return undefined
    return this.run(month, 'monthly timer', { ifMissing: true })
  }

  /**
   * The month the monthly timer runs next and the first day it may (`runIfDue`, in the service's zone): the month just
   * ended while its days are on and it has no run, else this month, from the 1st of the next.
   */
  private async nextTimerRun(): Promise<{ month: Month; from: WorkDate }> {
    const nowMs = this.clock.nowMs()
    const { day } = localParts(nowMs, this.timeZone)
    const ended = this.lastEndedMonth()
    const today = workDateOf(nowMs, this.timeZone)
    if ((RISK_RUN_DAYS as readonly number[]).includes(day) && formulaFor(`${ended}-28`, this.formulas) && !(await this.newestRun(ended))) return { month: ended, from: today }
    const current = nextMonth(ended)
    return { month: current, from: `${nextMonth(current)}-01` }
  }

  /**
   * Why a read has no scores to rank: the month asked (null: the newest) has no run. The reader is told the newest month
   * that has one (null: no run has happened yet) and when the timer runs next; POST /api/risk/runs runs one at once.
   */
  private async noRun(month: Month | undefined): Promise<AppError> {
    const newest = await this.newestRun()
    return new AppError('risk_run_not_found', { month: month ?? null, newestRunMonth: newest?.month ?? null, nextTimerRun: await this.nextTimerRun() })
  }

  /**
   * A page of a month's current scores of one kind, ranked by points (highest first, then by subject). `within`:
   * the caller's projects (a project's own scope; for employers, those that are a party of a project in it);
   * undefined for all. `after` is the last row's [points, subjectId].
   */
  async ranked(opts: { month?: Month; kind: SubjectKind; level?: RiskScore['level']; within: SQL | undefined; after?: [number, string]; limit: number }): Promise<{ run: RiskRunRow; scores: RiskScoreRow[] }> {
    const run = await this.newestRun(opts.month)
    if (!run) throw await this.noRun(opts.month)
    const conds: SQL[] = [sql`s.run_id = ${run.id}`, sql`s.month = ${run.month}`, sql`s.subject_kind = ${opts.kind}`]
    if (opts.level) conds.push(sql`s.level = ${opts.level}`)
    if (opts.within !== undefined) conds.push(opts.kind === 'project' ? sql`s.subject_id IN (SELECT projects.id FROM projects WHERE ${opts.within})` : sql`s.subject_id IN (${employersWithin(opts.within)})`)
    if (opts.after) conds.push(sql`(s.points < ${opts.after[0]} OR (s.points = ${opts.after[0]} AND s.subject_id > ${opts.after[1]}))`)
    const name =
      opts.kind === 'project'
        ? sql`(SELECT projects.name FROM projects WHERE projects.id = s.subject_id)`
        : sql`COALESCE((SELECT o.name FROM organisations o WHERE o.credit_code = s.subject_id), (SELECT e.employer_name FROM employer_signals e WHERE e.credit_code = s.subject_id AND e.employer_name <> '' ORDER BY e.id DESC LIMIT 1))`
    const rows = await this.db.all<Record<string, unknown>>(sql`
      SELECT s.run_id AS "runId", s.month AS "month", s.subject_kind AS "subjectKind", s.subject_id AS "subjectId", ${name} AS "name", s.region_code AS "regionCode",
        s.formula_version AS "formulaVersion", s.points AS "points", s.level AS "level", s.parts AS "parts"
      FROM risk_scores s WHERE ${sql.join(conds, sql` AND `)} ORDER BY s.points DESC, s.subject_id LIMIT ${opts.limit}`)
    return { run, scores: rows.map(scoreOf) }
  }

  /** A project's current score of every month it was scored (the newest run's), the newest month first. */
  async projectHistory(projectId: string): Promise<Array<RiskScoreRow & { finishedAtMs: number }>> {
    const rows = await this.db.all<Record<string, unknown>>(sql`
      SELECT s.run_id AS "runId", s.month AS "month", s.subject_kind AS "subjectKind", s.subject_id AS "subjectId", NULL AS "name", s.region_code AS "regionCode",
        s.formula_version AS "formulaVersion", s.points AS "points", s.level AS "level", s.parts AS "parts", r.finished_at_ms AS "finishedAtMs"
      FROM risk_scores s INNER JOIN risk_runs r ON r.id = s.run_id
      WHERE s.subject_kind = 'project' AND s.subject_id = ${projectId}
      ORDER BY s.month DESC, r.finished_at_ms DESC, r.id DESC`)
    const out: Array<RiskScoreRow & { finishedAtMs: number }> = []
    for (const r of rows) if (out[out.length - 1]?.month !== r.month) out.push({ ...scoreOf(r), finishedAtMs: Number(r.finishedAtMs) })
    return out
  }
}

function scoreOf(r: Record<string, unknown>): RiskScoreRow {
  return {
    runId: String(r.runId),
    month: String(r.month),
    subjectKind: r.subjectKind as SubjectKind,
    subjectId: String(r.subjectId),
    name: typeof r.name === 'string' ? r.name : null,
    regionCode: typeof r.regionCode === 'string' ? r.regionCode : null,
    formulaVersion: String(r.formulaVersion),
    points: Number(r.points),
    level: r.level as RiskScore['level'],
    parts: JSON.parse(String(r.parts)) as RiskScore['parts'],
  }
}
