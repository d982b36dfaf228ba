/** PostgreSQL twin of src/db/schema/cases.ts (which says what the table is for). */
import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { projects } from './roster.ts'

export const flagCaseEvents = pgTable(
  'flag_case_events',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    month: text('month').notNull(),
    caseKey: text('case_key').notNull(),
    caseId: text('case_id').notNull(),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    runId: text('run_id'),
    actor: text('actor'),
    body: text('body').notNull(),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [
    uniqueIndex('flag_case_events_case_seq').on(t.caseKey, t.seq),
    index('flag_case_events_project_month').on(t.projectId, t.month),
    index('flag_case_events_case_id').on(t.caseId),
  ],
)
