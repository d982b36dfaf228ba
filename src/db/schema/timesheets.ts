/**
 * Timesheet corrections (考勤更正), confirmations (考勤确认) and adjustments
 * (补差调整). All append-only: a correction is withdrawn by a revoking
 * correction, a confirmed month is never rewritten, and a later change to a
 * confirmed month is a new adjustment.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import type { CorrectionKind, SetStatus } from '../../timesheets/rules.ts'
import { projects, teams, workers } from './roster.ts'

export const corrections = sqliteTable(
  'corrections',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    workerId: text('worker_id').notNull().references(() => workers.id),
    workDate: text('work_date').notNull(),
    kind: text('kind').$type<CorrectionKind>().notNull(),
    punchId: integer('punch_id'),
    atMs: integer('at_ms'),
    direction: text('direction').$type<'in' | 'out'>(),
    status: text('status').$type<SetStatus>(),
    revokesId: text('revokes_id'),
    reason: text('reason').notNull(),
    author: text('author').notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
  },
  (t) => [index('corrections_worker_date').on(t.projectId, t.workerId, t.workDate), index('corrections_project_date').on(t.projectId, t.workDate)],
)

export type ConfirmationChannel = 'app' | 'kiosk' | 'sms' | 'paper' | 'wechat'

/** A team's month timesheet confirmed by its labour manager, with the frozen figures as confirmed. */
export const timesheetConfirmations = sqliteTable(
  'timesheet_confirmations',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    teamId: text('team_id').notNull().references(() => teams.id),
    month: text('month').notNull(),
    confirmedBy: text('confirmed_by').notNull(),
    note: text('note'),
    /** JSON: every worker's month exactly as confirmed (the frozen timesheet). */
    snapshot: text('snapshot').notNull(),
    confirmedAtMs: integer('confirmed_at_ms').notNull(),
  },
  (t) => [uniqueIndex('timesheet_confirmations_team_month').on(t.projectId, t.teamId, t.month)],
)

/** A worker's answer to a confirmed month: confirm, or dispute with a reason. The newest answer counts. */
export const workerConfirmations = sqliteTable(
  'worker_confirmations',
  {
    id: text('id').primaryKey(),
    confirmationId: text('confirmation_id').notNull().references(() => timesheetConfirmations.id),
    workerId: text('worker_id').notNull().references(() => workers.id),
    decision: text('decision').$type<'confirm' | 'dispute'>().notNull(),
    channel: text('channel').$type<ConfirmationChannel>().notNull(),
    note: text('note'),
    recordedAtMs: integer('recorded_at_ms').notNull(),
  },
  (t) => [index('worker_confirmations_confirmation').on(t.confirmationId, t.workerId)],
)

export type AdjustmentCause = 'late_punch' | 'correction' | 'recomputed'

/**
 * A change to a day of a confirmed month (已确认月份的补差): the confirmed month
 * stays as it was; the difference is carried into the month it was recorded in.
 */
export const timesheetAdjustments = sqliteTable(
  'timesheet_adjustments',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id),
    teamId: text('team_id').notNull().references(() => teams.id),
    workerId: text('worker_id').notNull().references(() => workers.id),
    confirmationId: text('confirmation_id').notNull().references(() => timesheetConfirmations.id),
    workDate: text('work_date').notNull(),
    /** The open month the difference is carried into. */
    recordedMonth: text('recorded_month').notNull(),
    cause: text('cause').$type<AdjustmentCause>().notNull(),
    beforeStatus: text('before_status').notNull(),
    afterStatus: text('after_status').notNull(),
    beforeHalves: integer('before_halves').notNull(),
    afterHalves: integer('after_halves').notNull(),
    beforeMinutes: integer('before_minutes').notNull(),
    afterMinutes: integer('after_minutes').notNull(),
    /** JSON: the day as it now stands, and what caused the change. */
    detail: text('detail').notNull(),
    recordedAtMs: integer('recorded_at_ms').notNull(),
  },
  (t) => [
    index('timesheet_adjustments_worker_date').on(t.projectId, t.workerId, t.workDate),
    index('timesheet_adjustments_recorded').on(t.projectId, t.recordedMonth),
  ],
)
