/**
 * Database access for complaint clues (欠薪线索) and their events, the major incidents cases become and their
 * reports, and credit records with their repair and expiry events: every table append-only (src/db/schema/risk.ts).
 *
 * A clue, an incident or a credit record is in an auditor's region by the project it is about (its region code), or,
 * when it names no project, by the employer's unified social credit code, whose characters 3–8 are the code of the
 * region that registered it (GB 32100): so a hotline clue about an employer not on the roster still reaches the
 * bureau of the place it is registered.
 */
import { sql } from 'drizzle-orm'
import { q, type Database } from '../db/database.ts'
import { insertInto, rowOf, selectFrom } from '../db/rows.ts'
import { clueEvents, clues, creditRecordEvents, creditRecords, incidentReports, majorIncidentFigures, majorIncidents } from '../db/schema/index.ts'

export type ClueRow = typeof clues.$inferSelect
export type ClueEventRow = typeof clueEvents.$inferSelect
export type MajorIncidentRow = typeof majorIncidents.$inferSelect
export type IncidentReportRow = typeof incidentReports.$inferSelect
export type CreditRecordRow = typeof creditRecords.$inferSelect
export type CreditRecordEventRow = typeof creditRecordEvents.$inferSelect

/** Which region prefix a list is narrowed to; undefined: every one (the platform operator). */
export type RegionFilter = string | undefined

/** A clue's region: its project's, or the registering region in its employer's credit code. */
const CLUE_REGION = `COALESCE((SELECT p.region_code FROM projects p WHERE p.id = c.project_id), SUBSTR(c.employer_credit_code, 3, 6))`

const CLUE_COLUMNS = `c.id AS "id", c.project_id AS "projectId", c.employer_credit_code AS "employerCreditCode", c.worker_id AS "workerId",
  c.channel AS "channel", c.summary AS "summary", c.headcount AS "headcount", c.amount_fen AS "amountFen", c.external_ref AS "externalRef",
  c.received_at_ms AS "receivedAtMs", c.created_by AS "createdBy"`

const CLUE_BY_ID = `SELECT ${CLUE_COLUMNS}, ${CLUE_REGION} AS "regionCode" FROM clues c WHERE c.id = ?`
const CLUE_BY_REF = `SELECT ${CLUE_COLUMNS} FROM clues c WHERE c.channel = ? AND c.external_ref = ?`
const CLUE_EVENTS = `SELECT id AS "id", clue_id AS "clueId", seq AS "seq", type AS "type", actor AS "actor", body AS "body", at_ms AS "atMs" FROM clue_events WHERE clue_id = ? ORDER BY seq`

/**
 * Clues in a region (or all), newest first: those not resolved only, or those received since an instant, when asked.
 * Parameters in order: the region's prefix, the instant, the limit (each when its condition is there).
 */
const CLUES_IN = (o: { regional: boolean; unresolvedOnly: boolean; since: boolean; limited: boolean }): string => {
  const where = [
    ...(o.regional ? [`${CLUE_REGION} LIKE ?`] : []),
    ...(o.unresolvedOnly ? [`NOT EXISTS (SELECT 1 FROM clue_events e WHERE e.clue_id = c.id AND e.type = 'resolved')`] : []),
    ...(o.since ? ['c.received_at_ms >= ?'] : []),
  ]
  return `SELECT ${CLUE_COLUMNS}, ${CLUE_REGION} AS "regionCode" FROM clues c
  ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
  ORDER BY c.received_at_ms DESC, c.id DESC${o.limited ? ' LIMIT ?' : ''}`
}

/** Clues not yet resolved: what the escalation sweep looks at. */
const UNRESOLVED_CLUES = `SELECT ${CLUE_COLUMNS} FROM clues c
  WHERE NOT EXISTS (SELECT 1 FROM clue_events e WHERE e.clue_id = c.id AND e.type = 'resolved')
  ORDER BY c.received_at_ms, c.id`

/** Complaints made on the worker's page (a COMPLAINT case opened or reopened by one) that became no clue: the sweep's catch-up. */
const COMPLAINTS_WITHOUT_CLUE = `SELECT e.project_id AS "projectId", e.month AS "month", e.body AS "body", e.at_ms AS "atMs" FROM flag_case_events e
  WHERE e.type IN ('opened', 'reopened') AND e.run_id LIKE 'complaint:%' AND e.at_ms >= ?
    AND NOT EXISTS (SELECT 1 FROM clues c WHERE c.channel = 'worker_page' AND c.external_ref = SUBSTR(e.run_id, 11))
  ORDER BY e.at_ms`

const INCIDENT_REGION = `COALESCE((SELECT p.region_code FROM projects p WHERE p.id = i.project_id),
  (SELECT SUBSTR(c.employer_credit_code, 3, 6) FROM clues c WHERE i.source_kind = 'clue' AND c.id = i.source_id))`

/** An incident's figures as last restated (major_incident_figures), else as it became major. */
const LATEST_FIGURE = (column: string): string =>
  `COALESCE((SELECT f.${column} FROM major_incident_figures f WHERE f.incident_id = i.id ORDER BY f.at_ms DESC, f.id DESC LIMIT 1), i.${column})`

const INCIDENT_COLUMNS = `i.id AS "id", i.source_kind AS "sourceKind", i.source_id AS "sourceId", i.project_id AS "projectId", ${LATEST_FIGURE('headcount')} AS "headcount",
  ${LATEST_FIGURE('amount_fen')} AS "amountFen", ${LATEST_FIGURE('reasons')} AS "reasons", i.became_major_at_ms AS "becameMajorAtMs"`

const INCIDENTS_IN = (regional: boolean): string => `SELECT ${INCIDENT_COLUMNS}, ${INCIDENT_REGION} AS "regionCode" FROM major_incidents i
  ${regional ? `WHERE ${INCIDENT_REGION} LIKE ?` : ''}
  ORDER BY i.became_major_at_ms DESC, i.id DESC LIMIT ?`
const INCIDENT_BY_ID = `SELECT ${INCIDENT_COLUMNS}, ${INCIDENT_REGION} AS "regionCode" FROM major_incidents i WHERE i.id = ?`
const INCIDENT_BY_SOURCE = `SELECT ${INCIDENT_COLUMNS} FROM major_incidents i WHERE i.source_kind = ? AND i.source_id = ?`

/** A credit record's region: the project of the clue that confirmed it, else the registering region in its credit code. */
const CREDIT_REGION = `COALESCE((SELECT p.region_code FROM clues c JOIN projects p ON p.id = c.project_id WHERE r.source_kind = 'clue' AND c.id = r.source_id), SUBSTR(r.credit_code, 3, 6))`

const CREDIT_COLUMNS = `r.id AS "id", r.credit_code AS "creditCode", r.employer_name AS "employerName", r.organisation_id AS "organisationId", r.reason AS "reason",
  r.period_from AS "periodFrom", r.period_to AS "periodTo", r.amount_fen AS "amountFen", r.recorded_on AS "recordedOn", r.source_kind AS "sourceKind",
  r.source_id AS "sourceId", r.rule_version AS "ruleVersion", r.actor AS "actor", r.at_ms AS "atMs"`

/**
 * Credit records, newest first. Parameters in order, each when its condition is there: the credit code, the region's
 * prefix, `open` (recorded by a date, with no repair or expiry recorded by an instant: a superset of the records
 * active on that date, which credit-rules.ts decides), the keyset of the last row of the previous page (recorded_on
 * twice, then id), the limit.
 */
const CREDIT_IN = (o: { regional: boolean; byCode: boolean; open: boolean; before: boolean }): string => `SELECT ${CREDIT_COLUMNS}, ${CREDIT_REGION} AS "regionCode" FROM credit_records r
  WHERE 1 = 1 ${o.byCode ? 'AND r.credit_code = ?' : ''} ${o.regional ? `AND ${CREDIT_REGION} LIKE ?` : ''}
  ${o.open ? 'AND r.recorded_on <= ? AND NOT EXISTS (SELECT 1 FROM credit_record_events x WHERE x.record_id = r.id AND x.at_ms <= ?)' : ''}
  ${o.before ? 'AND (r.recorded_on < ? OR (r.recorded_on = ? AND r.id < ?))' : ''}
  ORDER BY r.recorded_on DESC, r.id DESC LIMIT ?`
const CREDIT_BY_ID = `SELECT ${CREDIT_COLUMNS}, ${CREDIT_REGION} AS "regionCode" FROM credit_records r WHERE r.id = ?`
const CREDIT_OF_CODE = `SELECT ${CREDIT_COLUMNS} FROM credit_records r WHERE r.credit_code = ? ORDER BY r.recorded_on, r.id`
/** Records with neither a repair nor an expiry recorded: what the expiry sweep looks at. */
const CREDIT_OPEN = `SELECT ${CREDIT_COLUMNS} FROM credit_records r WHERE NOT EXISTS (SELECT 1 FROM credit_record_events x WHERE x.record_id = r.id) ORDER BY r.recorded_on, r.id`

export type ClueWithRegion = ClueRow & { regionCode: string | null }
export type IncidentWithRegion = MajorIncidentRow & { regionCode: string | null }
export type CreditRecordWithRegion = CreditRecordRow & { regionCode: string | null }

const prefixOf = (region: string): string => `${region}%`

export class ClueRepository {
  constructor(private readonly db: Database) {}

  // Clues ----------------------------------------------------------------------------------------------------------

  /** Inserts a clue unless its source's reference is already taken; true when it was inserted. */
  async insertClue(row: ClueRow): Promise<boolean> {
    const r = await this.db.run(sql`${insertInto(clues, [row])} ON CONFLICT DO NOTHING`)
    return r.changes > 0
  }

  async clue(id: string): Promise<ClueWithRegion | undefined> {
    return this.db.get<ClueWithRegion>(q(CLUE_BY_ID, id))
  }

  async clueByRef(channel: string, externalRef: string): Promise<ClueRow | undefined> {
    return this.db.get<ClueRow>(q(CLUE_BY_REF, channel, externalRef))
  }

  /** The clues a source's references already made, by reference (an import's file checked against what is held). */
  async cluesByRefs(channel: string, externalRefs: readonly string[]): Promise<Map<string, ClueRow>> {
    const out = new Map<string, ClueRow>()
    for (let i = 0; i < externalRefs.length; i += 500) {
      const refs = externalRefs.slice(i, i + 500)
      const rows = await this.db.all<ClueRow>(q(`SELECT ${CLUE_COLUMNS} FROM clues c WHERE c.channel = ? AND c.external_ref IN (${refs.map(() => '?').join(', ')})`, channel, ...refs))
      for (const r of rows) out.set(r.externalRef!, r)
    }
    return out
  }

  /** Projects by their site codes (项目编号), for clues that name a project by it. */
  async projectsBySiteCode(siteCodes: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>()
    for (let i = 0; i < siteCodes.length; i += 500) {
      const codes = siteCodes.slice(i, i + 500)
      const rows = await this.db.all<{ id: string; siteCode: string }>(q(`SELECT id AS "id", site_code AS "siteCode" FROM projects WHERE site_code IN (${codes.map(() => '?').join(', ')})`, ...codes))
      for (const r of rows) out.set(r.siteCode, r.id)
    }
    return out
  }

  /** `limit` absent: every clue the other conditions take (the figures' window of months). */
  async clues(region: RegionFilter, opts: { limit?: number; unresolvedOnly?: boolean; receivedSinceMs?: number }): Promise<ClueWithRegion[]> {
    const sql = CLUES_IN({ regional: region !== undefined, unresolvedOnly: opts.unresolvedOnly ?? false, since: opts.receivedSinceMs !== undefined, limited: opts.limit !== undefined })
    const params = [...(region === undefined ? [] : [prefixOf(region)]), ...(opts.receivedSinceMs === undefined ? [] : [opts.receivedSinceMs]), ...(opts.limit === undefined ? [] : [opts.limit])]
    return this.db.all<ClueWithRegion>(q(sql, ...params))
  }

  async unresolvedClues(): Promise<ClueRow[]> {
    return this.db.all<ClueRow>(q(UNRESOLVED_CLUES))
  }

  async events(clueId: string): Promise<ClueEventRow[]> {
    return this.db.all<ClueEventRow>(q(CLUE_EVENTS, clueId))
  }

  /** Events of many clues at once, each clue's in order. */
  async eventsOf(clueIds: readonly string[]): Promise<Map<string, ClueEventRow[]>> {
    const out = new Map<string, ClueEventRow[]>()
    for (let i = 0; i < clueIds.length; i += 500) {
      const ids = clueIds.slice(i, i + 500)
      const rows = await this.db.all<ClueEventRow>(
        q(
          `SELECT id AS "id", clue_id AS "clueId", seq AS "seq", type AS "type", actor AS "actor", body AS "body", at_ms AS "atMs" FROM clue_events WHERE clue_id IN (${ids.map(() => '?').join(', ')}) ORDER BY clue_id, seq`,
          ...ids,
        ),
      )
      for (const r of rows) {
        let list = out.get(r.clueId)
        if (list === undefined) out.set(r.clueId, (list = []))
        list.push(r)
      }
    }
    return out
  }

  async insertEvents(rows: readonly ClueEventRow[]): Promise<void> {
    if (rows.length > 0) await this.db.run(insertInto(clueEvents, rows))
  }

  async complaintsWithoutClue(sinceMs: number): Promise<Array<{ projectId: string; month: string; body: string; atMs: number }>> {
    return this.db.all(q(COMPLAINTS_WITHOUT_CLUE, sinceMs))
  }

  /** The worker's employer on the project (their team's organisation), for a clue from their page. */
  async employerOfWorker(projectId: string, workerId: string): Promise<{ creditCode: string; name: string } | undefined> {
    return this.db.get(
      q(
        `SELECT o.credit_code AS "creditCode", o.name AS "name" FROM enrolments e JOIN teams t ON t.id = e.team_id JOIN organisations o ON o.id = t.employer_id
         WHERE e.project_id = ? AND e.worker_id = ? ORDER BY e.entry_date DESC, e.id LIMIT 1`,
        projectId,
        workerId,
      ),
    )
  }

  async organisationByCreditCode(creditCode: string): Promise<{ id: string; name: string } | undefined> {
    return this.db.get(q(`SELECT id AS "id", name AS "name" FROM organisations WHERE credit_code = ?`, creditCode))
  }

  async projectZone(projectId: string): Promise<{ timeZone: string; regionCode: string } | undefined> {
    return this.db.get(q(`SELECT time_zone AS "timeZone", region_code AS "regionCode" FROM projects WHERE id = ?`, projectId))
  }

  // Incidents ------------------------------------------------------------------------------------------------------

  /** Inserts an incident unless its source already became one; true when it was inserted. */
  async insertIncident(row: MajorIncidentRow): Promise<boolean> {
    const r = await this.db.run(sql`${insertInto(majorIncidents, [row])} ON CONFLICT DO NOTHING`)
    return r.changes > 0
  }

  /** Restates an incident's figures (append-only; the newest is the incident's). */
  async insertIncidentFigures(row: { id: string; incidentId: string; headcount: number; amountFen: number; reasons: string; atMs: number }): Promise<void> {
    await this.db.run(insertInto(majorIncidentFigures, [row]))
  }

  async incident(id: string): Promise<IncidentWithRegion | undefined> {
    return this.db.get<IncidentWithRegion>(q(INCIDENT_BY_ID, id))
  }

  async incidentBySource(sourceKind: string, sourceId: string): Promise<MajorIncidentRow | undefined> {
    return this.db.get<MajorIncidentRow>(q(INCIDENT_BY_SOURCE, sourceKind, sourceId))
  }

  async incidents(region: RegionFilter, limit: number): Promise<IncidentWithRegion[]> {
    return region === undefined ? this.db.all<IncidentWithRegion>(q(INCIDENTS_IN(false), limit)) : this.db.all<IncidentWithRegion>(q(INCIDENTS_IN(true), prefixOf(region), limit))
  }

  async reportsOf(incidentIds: readonly string[]): Promise<Map<string, IncidentReportRow[]>> {
    const out = new Map<string, IncidentReportRow[]>()
    if (incidentIds.length === 0) return out
    for (let i = 0; i < incidentIds.length; i += 500) {
      const ids = incidentIds.slice(i, i + 500)
      const rows = (await this.db.all(sql`${selectFrom(incidentReports)} WHERE ${incidentReports.incidentId} IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)}) ORDER BY ${incidentReports.atMs}, ${incidentReports.id}`)).map((r) =>
        rowOf<IncidentReportRow>(incidentReports, r),
      )
      for (const r of rows) {
        let list = out.get(r.incidentId)
        if (list === undefined) out.set(r.incidentId, (list = []))
        list.push(r)
      }
    }
    return out
  }

  async insertReport(row: IncidentReportRow): Promise<void> {
    await this.db.run(insertInto(incidentReports, [row]))
  }

  // Credit records -------------------------------------------------------------------------------------------------

  async insertCreditRecord(row: CreditRecordRow): Promise<boolean> {
    const r = await this.db.run(sql`${insertInto(creditRecords, [row])} ON CONFLICT DO NOTHING`)
    return r.changes > 0
  }

  async creditRecord(id: string): Promise<CreditRecordWithRegion | undefined> {
    return this.db.get<CreditRecordWithRegion>(q(CREDIT_BY_ID, id))
  }

  /**
   * A page of records, newest first. `openOn`: only those recorded by `date` with no repair or expiry recorded by `atMs`
   * (every record active then is among them); `before`: the last row of the previous page.
   */
  async creditRecords(opts: { region: RegionFilter; creditCode?: string; openOn?: { date: string; atMs: number }; before?: { recordedOn: string; id: string }; limit: number }): Promise<CreditRecordWithRegion[]> {
    const params: unknown[] = []
    if (opts.creditCode !== undefined) params.push(opts.creditCode)
    if (opts.region !== undefined) params.push(prefixOf(opts.region))
    if (opts.openOn !== undefined) params.push(opts.openOn.date, opts.openOn.atMs)
    if (opts.before !== undefined) params.push(opts.before.recordedOn, opts.before.recordedOn, opts.before.id)
    params.push(opts.limit)
    const text = CREDIT_IN({ regional: opts.region !== undefined, byCode: opts.creditCode !== undefined, open: opts.openOn !== undefined, before: opts.before !== undefined })
    return this.db.all<CreditRecordWithRegion>(q(text, ...params))
  }

  async creditRecordsOfCode(creditCode: string): Promise<CreditRecordRow[]> {
    return this.db.all<CreditRecordRow>(q(CREDIT_OF_CODE, creditCode))
  }

  async openCreditRecords(): Promise<CreditRecordRow[]> {
    return this.db.all<CreditRecordRow>(q(CREDIT_OPEN))
  }

  async creditEventsOf(recordIds: readonly string[]): Promise<Map<string, CreditRecordEventRow[]>> {
    const out = new Map<string, CreditRecordEventRow[]>()
    for (let i = 0; i < recordIds.length; i += 500) {
      const ids = recordIds.slice(i, i + 500)
      const rows = (await this.db.all(sql`${selectFrom(creditRecordEvents)} WHERE ${creditRecordEvents.recordId} IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)}) ORDER BY ${creditRecordEvents.atMs}`)).map((r) =>
        rowOf<CreditRecordEventRow>(creditRecordEvents, r),
      )
      for (const r of rows) {
        let list = out.get(r.recordId)
        if (list === undefined) out.set(r.recordId, (list = []))
        list.push(r)
      }
    }
    return out
  }

  /** Appends a repair or an expiry unless the record already has one of that type; true when it was appended. */
  async insertCreditEvent(row: CreditRecordEventRow): Promise<boolean> {
    const r = await this.db.run(sql`${insertInto(creditRecordEvents, [row])} ON CONFLICT DO NOTHING`)
    return r.changes > 0
  }
}
