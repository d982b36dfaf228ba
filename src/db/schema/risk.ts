/**
 * The bureau's early warning (issue 15), all append-only:
 * - outside signals (联合预警): each department's monthly file as one import, kept with its rows; an employer is named
 *   by its unified social credit code and matched to the roster's organisations by it whenever it appears there;
 * - the risk index (欠薪风险指数): each monthly run and every subject's score in it, with its parts and reasons, under
 *   the formula version in force (src/risk/risk-index.ts); a later run adds rows, it never rewrites an earlier one;
 * - complaint clues (欠薪线索) and their steps (src/risk/clues.ts), the major incidents cases become, and their reports;
 * - credit records (信用记录) on employers, and the events that repair or expire them.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { organisations, projects } from './roster.ts'

export const signalImports = sqliteTable(
  'signal_imports',
  {
    id: text('id').primaryKey(),
    /** SHA-256 of the file's bytes: the same file imported again is the same import (idempotent). */
    fileHash: text('file_hash').notNull(),
    filename: text('filename').notNull(),
    /** csv, xlsx or json. */
    format: text('format').notNull(),
    rowCount: integer('row_count').notNull(),
    importedBy: text('imported_by').notNull(),
    reason: text('reason'),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [uniqueIndex('signal_imports_file_hash').on(t.fileHash)],
)

export const employerSignals = sqliteTable(
  'employer_signals',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    importId: text('import_id')
      .notNull()
      .references(() => signalImports.id),
    /** The row's place in its file, from 1 (the header not counted). */
    rowNo: integer('row_no').notNull(),
    /** 统一社会信用代码: how the employer is matched to the roster, now or when it appears there. */
    creditCode: text('credit_code').notNull(),
    employerName: text('employer_name').notNull(),
    /** risk-index.ts OutsideKind. */
    signal: text('signal').notNull(),
    /** The department that reported it (税务, 市场监管, 电力, 人社, 法院…). */
    source: text('source').notNull(),
    /** The month reported, YYYY-MM. */
    period: text('period').notNull(),
    amountFen: integer('amount_fen'),
    /** 1 notice, 2 warning, 3 serious, as the department grades it. */
    severity: integer('severity').notNull(),
  },
  (t) => [uniqueIndex('employer_signals_import_row').on(t.importId, t.rowNo), index('employer_signals_credit_period').on(t.creditCode, t.period), index('employer_signals_period').on(t.period)],
)

export const riskRuns = sqliteTable(
  'risk_runs',
  {
    id: text('id').primaryKey(),
    /** The month scored, YYYY-MM. */
    month: text('month').notNull(),
    formulaVersion: text('formula_version').notNull(),
    /** Who or what ran it (the monthly timer, or a login). */
    actor: text('actor').notNull(),
    projectCount: integer('project_count').notNull(),
    employerCount: integer('employer_count').notNull(),
    startedAtMs: integer('started_at_ms').notNull(),
    finishedAtMs: integer('finished_at_ms').notNull(),
  },
  (t) => [index('risk_runs_month').on(t.month, t.finishedAtMs)],
)

export const riskScores = sqliteTable(
  'risk_scores',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: text('run_id')
      .notNull()
      .references(() => riskRuns.id),
    month: text('month').notNull(),
    /** project or employer. */
    subjectKind: text('subject_kind').notNull(),
    /** A project's id, or an employer's credit code (an employer need not be on the roster). */
    subjectId: text('subject_id').notNull(),
    /** For a project, the region code it is audited under; for an employer, its projects' (the first), or null. */
    regionCode: text('region_code'),
    formulaVersion: text('formula_version').notNull(),
    /** Tenths of the 0–100 scale (risk-index.ts SCALE_TOP). */
    points: integer('points').notNull(),
    /** green, yellow or red. */
    level: text('level').notNull(),
    /** JSON: the score's parts with their reasons, as riskScore returns them. */
    parts: text('parts').notNull(),
  },
  (t) => [uniqueIndex('risk_scores_run_subject').on(t.runId, t.subjectKind, t.subjectId), index('risk_scores_subject_month').on(t.subjectKind, t.subjectId, t.month), index('risk_scores_month_points').on(t.month, t.subjectKind, t.points)],
)

export const clues = sqliteTable(
  'clues',
  {
    id: text('id').primaryKey(),
    /** The project complained about; null when the complaint names only an employer not on the roster. */
    projectId: text('project_id').references(() => projects.id),
    /** The employer complained about (统一社会信用代码), when named. */
    employerCreditCode: text('employer_credit_code'),
    /** The worker who complained, when on the roster (the worker's page), else null. */
    workerId: text('worker_id'),
    /** worker_page, hotline_12333 or import (clues.ts ClueChannel). */
    channel: text('channel').notNull(),
    /** What the complainant says, in their words. */
    summary: text('summary').notNull(),
    /** Workers the complaint is for, and the amount claimed: what makes a major incident. */
    headcount: integer('headcount').notNull(),
    amountFen: integer('amount_fen').notNull(),
    /** The source's own reference (the hotline's ticket, the imported file's row), when there is one: never taken twice. */
    externalRef: text('external_ref'),
    receivedAtMs: integer('received_at_ms').notNull(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [index('clues_project').on(t.projectId, t.receivedAtMs), uniqueIndex('clues_channel_ref').on(t.channel, t.externalRef)],
)

export const clueEvents = sqliteTable(
  'clue_events',
  {
    id: text('id').primaryKey(),
    clueId: text('clue_id')
      .notNull()
      .references(() => clues.id),
    seq: integer('seq').notNull(),
    /** received, checked, routed, bureau_received, resolved, escalated, linked, commented. */
    type: text('type').notNull(),
    actor: text('actor').notNull(),
    /** JSON: the step (clues.ts ClueStep) or the event's facts. */
    body: text('body').notNull(),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [uniqueIndex('clue_events_clue_seq').on(t.clueId, t.seq), index('clue_events_type_at').on(t.type, t.atMs)],
)

export const majorIncidents = sqliteTable(
  'major_incidents',
  {
    id: text('id').primaryKey(),
    /** clue or flag_case: what became major. */
    sourceKind: text('source_kind').notNull(),
    sourceId: text('source_id').notNull(),
    projectId: text('project_id').references(() => projects.id),
    headcount: integer('headcount').notNull(),
    amountFen: integer('amount_fen').notNull(),
    /** JSON array: headcount, amount (clues.ts majorIncident). */
    reasons: text('reasons').notNull(),
    becameMajorAtMs: integer('became_major_at_ms').notNull(),
  },
  (t) => [uniqueIndex('major_incidents_source').on(t.sourceKind, t.sourceId), index('major_incidents_at').on(t.becameMajorAtMs)],
)

/**
 * An incident's figures restated after it became major, append-only (the incident row keeps what it became major
 * with): a clue's check finding ¥6,000,000 where ¥100,000 was reported, a month's arrears growing past ¥5,000,000. The
 * newest row is the incident's figures; reasons only ever gain.
 */
export const majorIncidentFigures = sqliteTable(
  'major_incident_figures',
  {
    id: text('id').primaryKey(),
    incidentId: text('incident_id').notNull().references(() => majorIncidents.id),
    headcount: integer('headcount').notNull(),
    amountFen: integer('amount_fen').notNull(),
    reasons: text('reasons').notNull(),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [index('major_incident_figures_incident').on(t.incidentId, t.atMs)],
)

export const incidentReports = sqliteTable(
  'incident_reports',
  {
    id: text('id').primaryKey(),
    incidentId: text('incident_id')
      .notNull()
      .references(() => majorIncidents.id),
    /** To whom it was reported (上级主管部门), and how. */
    reportedTo: text('reported_to').notNull(),
    note: text('note'),
    actor: text('actor').notNull(),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [index('incident_reports_incident').on(t.incidentId, t.atMs)],
)

export const creditRecords = sqliteTable(
  'credit_records',
  {
    id: text('id').primaryKey(),
    creditCode: text('credit_code').notNull(),
    employerName: text('employer_name').notNull(),
    /** The organisation on the roster with this credit code, when there was one as it was recorded. */
    organisationId: text('organisation_id').references(() => organisations.id),
    /** What was confirmed (拖欠工资), in words. */
    reason: text('reason').notNull(),
    /** The months of arrears, YYYY-MM (first and last). */
    periodFrom: text('period_from').notNull(),
    periodTo: text('period_to').notNull(),
    amountFen: integer('amount_fen').notNull(),
    /** The day it was recorded (YYYY-MM-DD, the project's zone): the rule's clock starts here. */
    recordedOn: text('recorded_on').notNull(),
    /** clue or flag_case: the case whose resolution confirmed it. */
    sourceKind: text('source_kind').notNull(),
    sourceId: text('source_id').notNull(),
    /** The version of the credit rules it was recorded under. */
    ruleVersion: text('rule_version').notNull(),
    actor: text('actor').notNull(),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [uniqueIndex('credit_records_source').on(t.sourceKind, t.sourceId), index('credit_records_credit_code').on(t.creditCode, t.recordedOn)],
)

export const creditRecordEvents = sqliteTable(
  'credit_record_events',
  {
    id: text('id').primaryKey(),
    recordId: text('record_id')
      .notNull()
      .references(() => creditRecords.id),
    /** repaired (信用修复) or expired. */
    type: text('type').notNull(),
    actor: text('actor').notNull(),
    reason: text('reason').notNull(),
    atMs: integer('at_ms').notNull(),
  },
  (t) => [uniqueIndex('credit_record_events_record_type').on(t.recordId, t.type)],
)
