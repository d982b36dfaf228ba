/**
 * The bureau overview's reads: each a single grouped query over every project in the caller's scope (`within`, the
 * access service's condition on `projects`), never one query per project. The overview must answer a region of 500
 * projects and 100,000 workers within 50 ms (issue 13); a walk through each project's services would be thousands of
 * statements. Same SQL on both engines; counts come back as text from PostgreSQL, hence the Number() at the edge.
 */
import { sql, type SQL } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { projects } from '../db/schema/index.ts'
import { workDateOf } from '../kernel/time.ts'
import { enrolledBetween, enrolledOn, spellsOf, unionOfSpells, type EnrolmentBreak, type EnrolmentSpells, type Spell } from '../roster/spells.ts'
import { holderOn } from './card-holder.ts'
import { openedOnOf } from '../account/repository.ts'

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v))

export interface EnrolmentCounts {
  projectId: string
  active: number
  withoutContract: number
  withoutTraining: number
  /** Workers enrolled at some time in each of the two months asked for (a month spent away, between an exit and a return, is not). */
  inMonthA: number
  inMonthB: number
  /**
   * The stretches on which someone was enrolled, oldest first, overlapping ones made one (spells.ts unionOfSpells):
   * the last open (exitDate null) while anyone is still on site. A stretch every worker spent away is a gap.
   */
  onSite: Spell[]
}

export class OversightRepository {
  constructor(private readonly db: Database) {}

  /** `project_id IN (…the scope…)`. */
  private inScope(column: SQL, within: SQL | undefined): SQL {
    return within === undefined ? sql`TRUE` : sql`${column} IN (SELECT ${projects.id} FROM ${projects} WHERE ${within})`
  }

  /**
   * The roster per project: on site `today`, without papers, enrolled in months a and b ([start, end] dates). Read
   * as groups of (project, entry, exit, trained) in the order of enrolments_project_dates, so the scan is the index's
   * alone, with no sort and one expression a row (each CASE a row costs as much as the scan on SQLite); the dates
   * are judged here, once a group. A project's enrolments share few entry and exit dates (crews arrive together).
   *
   * A worker who left and came back (再次进场) is not on site, nor enrolled in a month, while away between an exit and
   * the return (spells.ts), which the entry and exit dates alone do not show, and the index does not hold the breaks.
   * Such enrolments (those with a row in enrolment_returns: few) are read whole in the same statement, so the two
   * reads agree, taken out of their group's count and judged by their spells.
   */
  async enrolmentCounts(within: SQL | undefined, today: string, a: [string, string], b: [string, string]): Promise<EnrolmentCounts[]> {
    const rows = await this.db.all<Record<string, unknown>>(sql`
      SELECT 'group' AS "kind", project_id AS "projectId", entry_date AS "entryDate", exit_date AS "exitDate", safety_trained AS "trained",
        COUNT(*) AS "n", SUM(CASE WHEN contract_no IS NULL OR contract_no = '' THEN 1 ELSE 0 END) AS "noContract", NULL AS "breaks"
      FROM enrolments WHERE ${this.inScope(sql.raw('project_id'), within)}
      GROUP BY project_id, entry_date, exit_date, safety_trained
      UNION ALL
      SELECT 'returned', project_id, entry_date, exit_date, safety_trained,
        1, CASE WHEN contract_no IS NULL OR contract_no = '' THEN 1 ELSE 0 END, breaks
      FROM enrolments WHERE ${this.inScope(sql.raw('project_id'), within)} AND id IN (SELECT enrolment_id FROM enrolment_returns)`)
    const keyOf = (r: Record<string, unknown>): string => `${String(r.projectId)}|${String(r.entryDate)}|${String(r.exitDate)}|${String(r.trained)}`
    // What each group counts of the returned workers, taken out of it: they are judged by their spells.
    const aside = new Map<string, { n: number; noContract: number }>()
    for (const r of rows) {
      if (r.kind !== 'returned') continue
      const x = aside.get(keyOf(r)) ?? { n: 0, noContract: 0 }
      x.n += 1
      x.noContract += n(r.noContract)
      aside.set(keyOf(r), x)
    }
    const out = new Map<string, EnrolmentCounts>()
    for (const r of rows) {
      const projectId = String(r.projectId)
      const spells: EnrolmentSpells = {
        entryDate: String(r.entryDate),
        exitDate: (r.exitDate as string | null) ?? null,
        breaks: r.kind === 'returned' ? (JSON.parse(String(r.breaks)) as EnrolmentBreak[]) : [],
      }
      const x = r.kind === 'returned' ? undefined : aside.get(keyOf(r))
      const count = n(r.n) - (x?.n ?? 0)
      if (count <= 0) continue
      let c = out.get(projectId)
      if (c === undefined) out.set(projectId, (c = { projectId, active: 0, withoutContract: 0, withoutTraining: 0, inMonthA: 0, inMonthB: 0, onSite: [] }))
      if (enrolledOn(spells, today)) {
        c.active += count
        c.withoutContract += n(r.noContract) - (x?.noContract ?? 0)
        if (!r.trained) c.withoutTraining += count
      }
      if (enrolledBetween(spells, a[0], a[1])) c.inMonthA += count
      if (enrolledBetween(spells, b[0], b[1])) c.inMonthB += count
      c.onSite.push(...spellsOf(spells))
    }
    for (const c of out.values()) c.onSite = unionOfSpells(c.onSite)
    return [...out.values()]
  }

  /** Rows of (project, count) for a table, optionally narrowed. */
  private async countBy(table: string, within: SQL | undefined, where: SQL = sql`TRUE`): Promise<Map<string, number>> {
    const rows = await this.db.all<{ projectId: string; c: unknown }>(
      sql`SELECT project_id AS "projectId", COUNT(*) AS "c" FROM ${sql.raw(table)} WHERE ${this.inScope(sql.raw('project_id'), within)} AND ${where} GROUP BY project_id`,
    )
    return new Map(rows.map((r) => [r.projectId, n(r.c)]))
  }

  deviceCounts(within: SQL | undefined): Promise<Map<string, number>> {
    return this.countBy('devices', within)
  }

  statementCounts(within: SQL | undefined): Promise<Map<string, number>> {
    return this.countBy('account_statements', within)
  }

  /**
   * The register entry in force per project (the newest recorded): its opening date (null: not given). A project
   * created with its account's bank code has one from its creation (src/roster createProject).
   */
  async registeredAccounts(within: SQL | undefined): Promise<Map<string, { openedOn: string | null; accountNo: string }>> {
    const rows = await this.db.all<{ projectId: string; openedOn: string; accountNo: string; recordedAtMs: unknown }>(
      sql`SELECT project_id AS "projectId", opened_on AS "openedOn", account_no AS "accountNo", recorded_at_ms AS "recordedAtMs" FROM dedicated_accounts
        WHERE ${this.inScope(sql.raw('project_id'), within)} ORDER BY project_id, recorded_at_ms`,
    )
    // Ordered oldest first: the last one set per project is the entry in force.
    return new Map(rows.map((r) => [r.projectId, { openedOn: openedOnOf(r.openedOn), accountNo: r.accountNo }]))
  }

  /** The rights board's contacts in force per project (维权信息登记): only whether each part is registered matters here. */
  async contactsInForce(within: SQL | undefined): Promise<Map<string, { labourManager: boolean; localLine: boolean }>> {
    const rows = await this.db.all<{ projectId: string; line: string | null }>(
      sql`SELECT project_id AS "projectId", local_complaint_phone AS "line" FROM project_contacts
        WHERE ${this.inScope(sql.raw('project_id'), within)} ORDER BY project_id, recorded_at_ms, id`,
    )
    // Ordered oldest first: the last one set per project is the entry in force.
    return new Map(rows.map((r) => [r.projectId, { labourManager: true, localLine: r.line !== null }]))
  }

  /** The newest credit (labour cost in) booked per project's dedicated account. */
  async lastCredits(within: SQL | undefined): Promise<Map<string, string>> {
    const rows = await this.db.all<{ projectId: string; d: string | null }>(
      sql`SELECT project_id AS "projectId", MAX(booking_date) AS "d" FROM account_movements
        WHERE ${this.inScope(sql.raw('project_id'), within)} AND direction = 'credit' GROUP BY project_id`,
    )
    return new Map(rows.flatMap((r) => (r.d === null ? [] : [[r.projectId, r.d] as [string, string]])))
  }

  /** Instructions per project and period, for the periods asked. */
  async instructionCounts(within: SQL | undefined, periods: readonly string[]): Promise<Map<string, number>> {
    return this.countByPeriod('payment_instructions', within, periods, sql`TRUE`)
  }

  /** The bank's paid lines per project and period, in files posted by `asOfMs`. */
  async paidLineCounts(within: SQL | undefined, periods: readonly string[], asOfMs: number): Promise<Map<string, number>> {
    return this.countByPeriod('payout_lines', within, periods, sql`status = 'success' AND file_id IN (SELECT id FROM payout_files WHERE posted_at_ms <= ${asOfMs})`)
  }

  /**
   * Per project and period (`project|period`): the workers enrolled in the month whom a file posted by `asOfMs` paid —
   * a success line to the worker's own card (the roster's, or one a card change replaced, as reconciliation
   * attributes payments) that no return posted by then undoes. A line to a card no worker of the project holds or held
   * (a labour boss's), or a worker's second line, pays nobody else; a line to a card several workers held pays one of
   * them, the holder on its value date (card-holder.ts). (A project enrols a worker once: enrolments_project_worker.)
   */
  async paidWorkerCounts(within: SQL | undefined, periods: readonly string[], asOfMs: number): Promise<Map<string, number>> {
    if (periods.length === 0) return new Map()
    // What the month's returns posted by then undo, as reconcile matches them within a pay month: the payment their
    // EndToEndId names, and the payment any report of which carries the bank reference they name (a payment reported
    // by two files under two references is undone by a return naming either). Returns are few: read once, not per line.
    const posted = sql`IN (SELECT id FROM payout_files WHERE posted_at_ms <= ${asOfMs})`
    const undoneRefs = sql`SELECT r.project_id || '|' || r.period || '|' || r.return_of_bank_ref FROM payout_lines r
      WHERE r.status = 'returned' AND NULLIF(r.return_of_bank_ref, '') IS NOT NULL AND r.file_id ${posted}`
    const undoneE2e = sql`SELECT r.project_id || '|' || r.period || '|' || r.return_of_end_to_end_id FROM payout_lines r
        WHERE r.status = 'returned' AND NULLIF(r.return_of_end_to_end_id, '') IS NOT NULL AND r.file_id ${posted}
      UNION
      SELECT x.project_id || '|' || x.period || '|' || x.end_to_end_id FROM payout_lines r
        JOIN payout_lines x ON x.project_id = r.project_id AND x.period = r.period AND x.bank_ref = r.return_of_bank_ref
        WHERE r.status = 'returned' AND NULLIF(r.return_of_bank_ref, '') IS NOT NULL AND r.file_id ${posted} AND x.status <> 'returned' AND NULLIF(x.end_to_end_id, '') IS NOT NULL`
    const lines = sql`${this.inScope(sql.raw('l.project_id'), within)} AND l.period IN (${sql.join(periods.map((p) => sql`${p}`), sql`, `)}) AND l.status = 'success'
        AND l.file_id IN (SELECT id FROM payout_files WHERE posted_at_ms <= ${asOfMs})
        AND l.project_id || '|' || l.period || '|' || l.bank_ref NOT IN (${undoneRefs})
        AND (NULLIF(l.end_to_end_id, '') IS NULL OR l.project_id || '|' || l.period || '|' || l.end_to_end_id NOT IN (${undoneE2e}))`
    // Enrolled on some day of the month: not a worker away the whole month, between an exit and the return after it
    // (再次进场: spells.ts), whose enrolment's dates alone (first entry, no exit) span it.
    const enrolled = sql`e.project_id = l.project_id AND e.entry_date <= l.period || '-31' AND (e.exit_date IS NULL OR e.exit_date >= l.period || '-01')
      AND NOT EXISTS (SELECT 1 FROM enrolment_returns b WHERE b.enrolment_id = e.id AND b.exit_date < l.period || '-01' AND b.return_date > l.period || '-31')`
    // A line pays the worker whose card it names: the card they hold now, or one a change (换卡) replaced, which stays
    // theirs for payments made to it. A card more than one worker holds or held (records from before the roster
    // refused it) is contested: each of its lines pays the one worker holderOn picks (card-holder.ts), never each of them.
    const contested = await this.contestedCards()
    const card = sql`REPLACE(l.payee_card, ' ', '')`
    const uncontested = contested.length === 0 ? sql`TRUE` : sql`${card} NOT IN (${sql.join(contested.map((c) => sql`${c}`), sql`, `)})`
    const decided = contested.length === 0 ? [] : await this.contestedPayees(lines, contested)
    const decidedLines =
      decided.length === 0
        ? sql``
        : sql`UNION ALL
        SELECT l.project_id, l.period, e.id
        FROM payout_lines l CROSS JOIN enrolments e
        WHERE l.id IN (${sql.join(decided.map((d) => sql`${d.lineId}`), sql`, `)}) AND ${lines}
          AND l.id || '|' || e.worker_id IN (${sql.join(decided.map((d) => sql`${`${d.lineId}|${d.workerId}`}`), sql`, `)}) AND ${enrolled}`
    // CROSS JOIN fixes SQLite's join order (lines, then each card's worker, then that worker's enrolment by
    // enrolments_project_worker); left to choose, it scanned enrolments per line (12 s on 100,000 lines, not 0.3 s).
    const rows = await this.db.all<{ projectId: string; period: string; c: unknown }>(sql`
      SELECT m.project_id AS "projectId", m.period AS "period", COUNT(DISTINCT m.enrolment_id) AS "c" FROM (
        SELECT l.project_id AS project_id, l.period AS period, e.id AS enrolment_id
        FROM payout_lines l CROSS JOIN workers w CROSS JOIN enrolments e
        WHERE ${lines} AND ${uncontested} AND w.card_no = ${card} AND e.worker_id = w.id AND ${enrolled}
        UNION ALL
        SELECT l.project_id, l.period, e.id
        FROM payout_lines l CROSS JOIN worker_card_changes c CROSS JOIN enrolments e
        WHERE ${lines} AND ${uncontested} AND c.previous_card_no = ${card} AND e.worker_id = c.worker_id AND ${enrolled}
        ${decidedLines}
      ) m
      GROUP BY m.project_id, m.period`)
    return new Map(rows.map((r) => [`${r.projectId}|${r.period}`, n(r.c)]))
  }

  /**
   * The cards more than one worker holds or held: a former card (worker_card_changes) of two workers, or one another
   * worker holds now. Only records from before card_held_by_another_worker carry them: few, read whole.
   */
  private async contestedCards(): Promise<string[]> {
    const rows = await this.db.all<{ card: string }>(sql`
      SELECT h.card AS "card" FROM (
        SELECT previous_card_no AS card, worker_id AS worker FROM worker_card_changes
        UNION SELECT w.card_no, w.id FROM workers w WHERE w.card_no IN (SELECT previous_card_no FROM worker_card_changes)
      ) h GROUP BY h.card HAVING COUNT(DISTINCT h.worker) > 1 ORDER BY h.card`)
    return rows.map((r) => r.card)
  }

  /** Each standing line to a contested card, with the one worker it pays (holderOn, on the line's value date). */
  private async contestedPayees(lines: SQL, contested: readonly string[]): Promise<Array<{ lineId: string; workerId: string }>> {
    const cards = sql.join(contested.map((c) => sql`${c}`), sql`, `)
    const paid = await this.db.all<{ lineId: string; card: string; valueDate: string; timeZone: string }>(sql`
      SELECT l.id AS "lineId", REPLACE(l.payee_card, ' ', '') AS "card", l.value_date AS "valueDate", p.time_zone AS "timeZone"
      FROM payout_lines l JOIN projects p ON p.id = l.project_id
      WHERE ${lines} AND REPLACE(l.payee_card, ' ', '') IN (${cards})`)
    if (paid.length === 0) return []
    // A holding starts at the worker's registration or at the change before the one that ended it (a worker's
    // changes form a chain: each one's previous card is the card the one before gave them).
    const held = await this.db.all<{ card: string; workerId: string; fromMs: unknown; toMs: unknown }>(sql`
      SELECT w.card_no AS "card", w.id AS "workerId",
        COALESCE((SELECT MAX(x.at_ms) FROM worker_card_changes x WHERE x.worker_id = w.id), w.created_at_ms) AS "fromMs", NULL AS "toMs"
      FROM workers w WHERE w.card_no IN (${cards})
      UNION ALL
      SELECT c.previous_card_no, c.worker_id,
        COALESCE((SELECT b.at_ms FROM worker_card_changes b WHERE b.worker_id = c.worker_id AND b.seq = c.seq - 1), w.created_at_ms), c.at_ms
      FROM worker_card_changes c JOIN workers w ON w.id = c.worker_id WHERE c.previous_card_no IN (${cards})`)
    const byCard = new Map<string, Array<{ workerId: string; fromMs: number; toMs: number | null }>>()
    for (const h of held) {
      const list = byCard.get(h.card) ?? []
      list.push({ workerId: h.workerId, fromMs: n(h.fromMs), toMs: h.toMs === null || h.toMs === undefined ? null : n(h.toMs) })
      byCard.set(h.card, list)
    }
    return paid.flatMap((l) => {
      const holdings = (byCard.get(l.card) ?? []).map((h) => ({ workerId: h.workerId, from: workDateOf(h.fromMs, l.timeZone), to: h.toMs === null ? null : workDateOf(h.toMs, l.timeZone) }))
      const workerId = holderOn(holdings, l.valueDate)
      return workerId === undefined ? [] : [{ lineId: l.lineId, workerId }]
    })
  }

  private async countByPeriod(table: string, within: SQL | undefined, periods: readonly string[], where: SQL): Promise<Map<string, number>> {
    if (periods.length === 0) return new Map()
    const rows = await this.db.all<{ projectId: string; period: string; c: unknown }>(
      sql`SELECT project_id AS "projectId", period, COUNT(*) AS "c" FROM ${sql.raw(table)}
        WHERE ${this.inScope(sql.raw('project_id'), within)} AND period IN (${sql.join(periods.map((p) => sql`${p}`), sql`, `)}) AND ${where}
        GROUP BY project_id, period`,
    )
    return new Map(rows.map((r) => [`${r.projectId}|${r.period}`, n(r.c)]))
  }

  /** The newest reconciliation run per project and period, for the periods asked. */
  async latestRuns(within: SQL | undefined, periods: readonly string[]): Promise<Map<string, { dueFen: number; paidFen: number; shortFen: number }>> {
    if (periods.length === 0) return new Map()
    const rows = await this.db.all<Record<string, unknown>>(
      sql`SELECT project_id AS "projectId", period, due_fen AS "dueFen", paid_fen AS "paidFen", short_fen AS "shortFen" FROM reconciliation_runs
        WHERE ${this.inScope(sql.raw('project_id'), within)} AND period IN (${sql.join(periods.map((p) => sql`${p}`), sql`, `)})
        ORDER BY project_id, period, ran_at_ms`,
    )
    return new Map(rows.map((r) => [`${String(r.projectId)}|${String(r.period)}`, { dueFen: n(r.dueFen), paidFen: n(r.paidFen), shortFen: n(r.shortFen) }]))
  }

  /** The contract in force per project (the newest recorded): its amount and signing date. */
  async contracts(within: SQL | undefined): Promise<Map<string, { contractAmountFen: number; signedOn: string }>> {
    const rows = await this.db.all<{ projectId: string; a: unknown; signedOn: string }>(
      sql`SELECT project_id AS "projectId", contract_amount_fen AS "a", signed_on AS "signedOn" FROM project_contracts
        WHERE ${this.inScope(sql.raw('project_id'), within)} ORDER BY project_id, recorded_at_ms`,
    )
    return new Map(rows.map((r) => [r.projectId, { contractAmountFen: n(r.a), signedOn: r.signedOn }]))
  }

  /** Every deposit register row (lodgings and withdrawals) of the scope. */
  async deposits(within: SQL | undefined): Promise<Array<{ id: string; projectId: string; form: 'cash' | 'bank_guarantee' | 'insurance'; amountFen: number; issuer: string; effectiveOn: string; expiresOn: string | null; withdrawsId: string | null }>> {
    const rows = await this.db.all<Record<string, unknown>>(
      sql`SELECT id, project_id AS "projectId", form, amount_fen AS "amountFen", issuer, effective_on AS "effectiveOn", expires_on AS "expiresOn", withdraws_id AS "withdrawsId"
        FROM wage_deposits WHERE ${this.inScope(sql.raw('project_id'), within)}`,
    )
    return rows.map((r) => ({
      id: String(r.id),
      projectId: String(r.projectId),
      form: r.form as 'cash' | 'bank_guarantee' | 'insurance',
      amountFen: n(r.amountFen),
      issuer: String(r.issuer),
      effectiveOn: String(r.effectiveOn),
      expiresOn: (r.expiresOn as string | null) ?? null,
      withdrawsId: (r.withdrawsId as string | null) ?? null,
    }))
  }

  /** Every flag-case event of the scope, each case's in order: the cases are folded from them (flags/cases.ts). */
  async caseEvents(within: SQL | undefined): Promise<Array<{ projectId: string; caseKey: string; body: string }>> {
    return this.db.all<{ projectId: string; caseKey: string; body: string }>(
      sql`SELECT project_id AS "projectId", case_key AS "caseKey", body FROM flag_case_events
        WHERE ${this.inScope(sql.raw('project_id'), within)} ORDER BY case_key, seq`,
    )
  }
}
