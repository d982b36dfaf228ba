/** PostgreSQL twin of src/db/schema/timesheets.ts (which says what each table is for). */
import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import type { CorrectionKind, SetStatus } from '../../timesheets/rules.ts'
import type { AdjustmentCause, ConfirmationChannel } from '../schema/timesheets.ts'
import { projects, teams, workers } from './roster.ts'

export const corrections = pgTable(
  'corrections',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    workerId: text('worker_id').notNull().references(() => workers.id),
    workDate: text('work_date').notNull(),
    kind: text('kind').$type<CorrectionKind>().notNull(),
    punchId: bigint('punch_id', { mode: 'number' }),
    atMs: bigint('at_ms', { mode: 'number' }),
    direction: text('direction').$type<'in' | 'out'>(),
    status: text('status').$type<SetStatus>(),
    revokesId: text('revokes_id'),
    reason: text('reason').notNull(),
    author: text('author').notNull(),
    createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('corrections_worker_date').on(t.projectId, t.workerId, t.workDate), index('corrections_project_date').on(t.projectId, t.workDate)],
)

export const timesheetConfirmations = pgTable(
  'timesheet_confirmations',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    teamId: text('team_id').notNull().references(() => teams.id),
    month: text('month').notNull(),
    confirmedBy: text('confirmed_by').notNull(),
    note: text('note'),
    snapshot: text('snapshot').notNull(),
    confirmedAtMs: bigint('confirmed_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('timesheet_confirmations_team_month').on(t.projectId, t.teamId, t.month)],
)

export const workerConfirmations = pgTable(
  'worker_confirmations',
  {
    id: text('id').primaryKey(),
    confirmationId: text('confirmation_id').notNull().references(() => timesheetConfirmations.id),
    workerId: text('worker_id').notNull().references(() => workers.id),
    decision: text('decision').$type<'confirm' | 'dispute'>().notNull(),
    channel: text('channel').$type<ConfirmationChannel>().notNull(),
    note: text('note'),
    recordedAtMs: bigint('recorded_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('worker_confirmations_confirmation').on(t.confirmationId, t.workerId)],
)

export const timesheetAdjustments = pgTable(
  'timesheet_adjustments',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    teamId: text('team_id').notNull().references(() => teams.id),
    workerId: text('worker_id').notNull().references(() => workers.id),
    confirmationId: text('confirmation_id').notNull().references(() => timesheetConfirmations.id),
    workDate: text('work_date').notNull(),
    recordedMonth: text('recorded_month').notNull(),
    cause: text('cause').$type<AdjustmentCause>().notNull(),
    beforeStatus: text('before_status').notNull(),
    afterStatus: text('after_status').notNull(),
    beforeHalves: integer('before_halves').notNull(),
    afterHalves: integer('after_halves').notNull(),
    beforeMinutes: integer('before_minutes').notNull(),
    afterMinutes: integer('after_minutes').notNull(),
    detail: text('detail').notNull(),
    recordedAtMs: bigint('recorded_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [
    index('timesheet_adjustments_worker_date').on(t.projectId, t.workerId, t.workDate),
    index('timesheet_adjustments_recorded').on(t.projectId, t.recordedMonth),
  ],
)
