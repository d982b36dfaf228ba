/** PostgreSQL twin of src/db/schema/risk.ts (which says what the tables are for). */
import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { organisations, projects } from './roster.ts'

export const signalImports = pgTable(
  'signal_imports',
  {
    id: text('id').primaryKey(),
    fileHash: text('file_hash').notNull(),
    filename: text('filename').notNull(),
    format: text('format').notNull(),
    rowCount: integer('row_count').notNull(),
    importedBy: text('imported_by').notNull(),
    reason: text('reason'),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('signal_imports_file_hash').on(t.fileHash)],
)

export const employerSignals = pgTable(
  'employer_signals',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    importId: text('import_id')
      .notNull()
      .references(() => signalImports.id),
    rowNo: integer('row_no').notNull(),
    creditCode: text('credit_code').notNull(),
    employerName: text('employer_name').notNull(),
    signal: text('signal').notNull(),
    source: text('source').notNull(),
    period: text('period').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }),
    severity: integer('severity').notNull(),
  },
  (t) => [uniqueIndex('employer_signals_import_row').on(t.importId, t.rowNo), index('employer_signals_credit_period').on(t.creditCode, t.period), index('employer_signals_period').on(t.period)],
)

export const riskRuns = pgTable(
  'risk_runs',
  {
    id: text('id').primaryKey(),
    month: text('month').notNull(),
    formulaVersion: text('formula_version').notNull(),
    actor: text('actor').notNull(),
    projectCount: integer('project_count').notNull(),
    employerCount: integer('employer_count').notNull(),
    startedAtMs: bigint('started_at_ms', { mode: 'number' }).notNull(),
    finishedAtMs: bigint('finished_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('risk_runs_month').on(t.month, t.finishedAtMs)],
)

export const riskScores = pgTable(
  'risk_scores',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    runId: text('run_id')
      .notNull()
      .references(() => riskRuns.id),
    month: text('month').notNull(),
    subjectKind: text('subject_kind').notNull(),
    subjectId: text('subject_id').notNull(),
    regionCode: text('region_code'),
    formulaVersion: text('formula_version').notNull(),
    points: integer('points').notNull(),
    level: text('level').notNull(),
    parts: text('parts').notNull(),
  },
  (t) => [uniqueIndex('risk_scores_run_subject').on(t.runId, t.subjectKind, t.subjectId), index('risk_scores_subject_month').on(t.subjectKind, t.subjectId, t.month), index('risk_scores_month_points').on(t.month, t.subjectKind, t.points)],
)

export const clues = pgTable(
  'clues',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').references(() => projects.id),
    employerCreditCode: text('employer_credit_code'),
    workerId: text('worker_id'),
    channel: text('channel').notNull(),
    summary: text('summary').notNull(),
    headcount: integer('headcount').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    externalRef: text('external_ref'),
    receivedAtMs: bigint('received_at_ms', { mode: 'number' }).notNull(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [index('clues_project').on(t.projectId, t.receivedAtMs), uniqueIndex('clues_channel_ref').on(t.channel, t.externalRef)],
)

export const clueEvents = pgTable(
  'clue_events',
  {
    id: text('id').primaryKey(),
    clueId: text('clue_id')
      .notNull()
      .references(() => clues.id),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    actor: text('actor').notNull(),
    body: text('body').notNull(),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('clue_events_clue_seq').on(t.clueId, t.seq), index('clue_events_type_at').on(t.type, t.atMs)],
)

export const majorIncidents = pgTable(
  'major_incidents',
  {
    id: text('id').primaryKey(),
    sourceKind: text('source_kind').notNull(),
    sourceId: text('source_id').notNull(),
    projectId: text('project_id').references(() => projects.id),
    headcount: integer('headcount').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    reasons: text('reasons').notNull(),
    becameMajorAtMs: bigint('became_major_at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('major_incidents_source').on(t.sourceKind, t.sourceId), index('major_incidents_at').on(t.becameMajorAtMs)],
)

export const majorIncidentFigures = pgTable(
  'major_incident_figures',
  {
    id: text('id').primaryKey(),
    incidentId: text('incident_id').notNull().references(() => majorIncidents.id),
    headcount: integer('headcount').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    reasons: text('reasons').notNull(),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('major_incident_figures_incident').on(t.incidentId, t.atMs)],
)

export const incidentReports = pgTable(
  'incident_reports',
  {
    id: text('id').primaryKey(),
    incidentId: text('incident_id')
      .notNull()
      .references(() => majorIncidents.id),
    reportedTo: text('reported_to').notNull(),
    note: text('note'),
    actor: text('actor').notNull(),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [index('incident_reports_incident').on(t.incidentId, t.atMs)],
)

export const creditRecords = pgTable(
  'credit_records',
  {
    id: text('id').primaryKey(),
    creditCode: text('credit_code').notNull(),
    employerName: text('employer_name').notNull(),
    organisationId: text('organisation_id').references(() => organisations.id),
    reason: text('reason').notNull(),
    periodFrom: text('period_from').notNull(),
    periodTo: text('period_to').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    recordedOn: text('recorded_on').notNull(),
    sourceKind: text('source_kind').notNull(),
    sourceId: text('source_id').notNull(),
    ruleVersion: text('rule_version').notNull(),
    actor: text('actor').notNull(),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('credit_records_source').on(t.sourceKind, t.sourceId), index('credit_records_credit_code').on(t.creditCode, t.recordedOn)],
)

export const creditRecordEvents = pgTable(
  'credit_record_events',
  {
    id: text('id').primaryKey(),
    recordId: text('record_id')
      .notNull()
      .references(() => creditRecords.id),
    type: text('type').notNull(),
    actor: text('actor').notNull(),
    reason: text('reason').notNull(),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('credit_record_events_record_type').on(t.recordId, t.type)],
)
