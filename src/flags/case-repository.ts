/** Database access for flag cases (预警案件): their events, appended in order, never changed. */
import { and, asc, eq, sql } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { BulkInsert, rowOf, selectFrom } from '../db/rows.ts'
import { flagCaseEvents } from '../db/schema/index.ts'

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

  async insert(rows: readonly CaseEventRow[]): Promise<void> {
    if (rows.length > 0) await this.eventInsert.run(this.db, rows)
  }
}
