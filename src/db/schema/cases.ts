/**
 * Flags as cases (预警案件): what happened to each case, as append-only events (src/flags/cases.ts folds them into the
 * case). A case is known by its key (kind family, worker or card or scope, month, project) and, outside the service,
 * by its public id, a digest of the key (the key can hold a full card number).
 */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { projects } from './roster.ts'

export const flagCaseEvents = sqliteTable(
  'flag_case_events',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    /** The pay month the case is about, YYYY-MM. */
    month: text('month').notNull(),
    caseKey: text('case_key').notNull(),
    /** publicCaseId(caseKey): what routes and webhooks name the case by. */
    caseId: text('case_id').notNull(),
    /** The event's place in its case's history, from 1. */
    seq: integer('seq').notNull(),
    /** opened, updated, resolved, reopened, acknowledged, dismissed, commented, escalated. */
    type: text('type').notNull(),
    /** The reconciliation run that caused it, for the events runs cause. */
    runId: text('run_id'),
    /** Who acted, for the events people cause (the login or key as the history shows it). */
    actor: text('actor'),
    /** JSON: the whole event, as src/flags/cases.ts defines it. */
    body: text('body').notNull(),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [
    uniqueIndex('flag_case_events_case_seq').on(t.caseKey, t.seq),
    index('flag_case_events_project_month').on(t.projectId, t.month),
    index('flag_case_events_case_id').on(t.caseId),
  ],
)
