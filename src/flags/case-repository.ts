/** Database access for flag cases (预警案件): their events, appended in order, never changed. */
import { and, asc, eq, sql } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { BulkInsert, rowOf, selectFrom } from '../db/rows.ts'
import { enrolments, flagCaseEvents, teams } from '../db/schema/index.ts'

export type CaseEventRow = typeof flagCaseEvents.$inferSelect

export class CaseRepository {
  private readonly eventInsert = new BulkInsert<CaseEventRow>(flagCaseEvents)

  constructor(private readonly db: Database) {}

  /** Every event of a project's month, each case's in order. */
  async eventsOfMonth(projectId: string, month: string): Promise<CaseEventRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(flagCaseEvents)} WHERE ${and(eq(flagCaseEvents.projectId, projectId), eq(flagCaseEvents.month, month))} ORDER BY ${asc(flagCaseEvents.caseKey)}, ${asc(flagCaseEvents.seq)}`,
    )
    return rows.map((r) => rowOf<CaseEventRow>(flagCaseEvents, r))
  }

  /** One case's events, in order, by its public id. */
  async eventsOfCase(projectId: string, caseId: string): Promise<CaseEventRow[]> {
    const rows = await this.db.all(
      sql`${selectFrom(flagCaseEvents)} WHERE ${and(eq(flagCaseEvents.caseId, caseId), eq(flagCaseEvents.projectId, projectId))} ORDER BY ${asc(flagCaseEvents.seq)}`,
    )
    return rows.map((r) => rowOf<CaseEventRow>(flagCaseEvents, r))
  }

  /** The project-months with a case still open or acknowledged, for the clock. */
  async liveMonths(): Promise<Array<{ projectId: string; month: string }>> {
    return this.db.all<{ projectId: string; month: string }>({
      text: `SELECT DISTINCT project_id AS "projectId", month FROM flag_case_events e
        WHERE type IN ('opened', 'reopened') AND NOT EXISTS (
          SELECT 1 FROM flag_case_events later WHERE later.case_key = e.case_key AND later.seq > e.seq AND later.type IN ('resolved', 'dismissed'))
        ORDER BY project_id, month`,
      params: [],
    })
  }

  /**
   * The teams an organisation employs on a project and the workers ever enrolled in them (an exited worker's arrears
   * are still the team's): what a team manager's cases are narrowed to. One row per team and enrolment, none when the
   * organisation employs no team there.
   */
  async teamReach(projectId: string, organisationId: string): Promise<{ teamIds: Set<string>; workerIds: Set<string> }> {
    const rows = await this.db.all<{ teamId: string; workerId: string | null }>(
      sql`SELECT ${teams.id} AS "teamId", ${enrolments.workerId} AS "workerId" FROM ${teams}
        LEFT JOIN ${enrolments} ON ${and(eq(enrolments.teamId, teams.id), eq(enrolments.projectId, teams.projectId))}
        WHERE ${and(eq(teams.projectId, projectId), eq(teams.employerId, organisationId))}`,
    )
    const teamIds = new Set<string>()
    const workerIds = new Set<string>()
    for (const r of rows) {
      teamIds.add(r.teamId)
      if (r.workerId !== null) workerIds.add(r.workerId)
    }
    return { teamIds, workerIds }
  }

  async insert(rows: readonly CaseEventRow[]): Promise<void> {
    if (rows.length > 0) await this.eventInsert.run(this.db, rows)
  }
}
