/**
 * The departments' monthly employer signals, imported and kept (联合预警监控, issue 15). A file is read and checked by
 * outside-signals.ts; here it is stored whole or not at all, once:
 *
 * - the same bytes again are the same import (SHA-256 of the file, a unique index decides a race between instances);
 * - any row with a problem refuses the file with every row's problems, and the file is kept in rejected inputs with
 *   them, as a refused payout file is (src/payouts/service.ts refuse): the platform operator can show the department
 *   what to fix, and nothing of the file is stored;
 * - the rows go into employer_signals in one transaction, in multi-row statements (a province's month is two million
 *   rows in several files of SIGNAL_ROWS_MAX).
 *
 * Employers are kept by credit code whether or not they are on the roster: an organisation is matched to its
 * signals at read time, so one registered later finds every signal reported before it.
 *
 * Scope: the platform operator imports and reads all (departments' files reach the platform); an auditor reads the
 * imports' metadata, and the signals of employers that are a party (construction unit, general contractor, a team's
 * employer) of a project in their region. `within` is the access service's condition on projects (undefined: all).
 */
import { createHash } from 'node:crypto'
import { sql, type SQL } from 'drizzle-orm'
import { LIMITS } from '../config/limits.ts'
import { q, type Database } from '../db/database.ts'
import { isUniqueViolation } from '../db/faults.ts'
import { AppError, outOfScope } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import type { Clock } from '../kernel/time.ts'
import type { PunchRepository } from '../punches/repository.ts'
import { isCreditCode } from '../roster/identity.ts'
import { readSignalFile, SignalFileError, signalProblemText, type OutsideSignalRow, type SignalFileReading } from './outside-signals.ts'
import type { OutsideKind } from './risk-index.ts'

/** The lock imports and index runs share (risk-runs.ts): a run reads one state of the signals. */
export const SIGNALS_LOCK = 'employer-signals'

/** Where a refused file is filed in rejected inputs (the route it came by). */
export const SIGNAL_IMPORT_CHANNEL = 'POST /api/signals/imports'

export interface SignalImportRow {
  id: string
  fileHash: string
  filename: string
  format: 'csv' | 'xlsx' | 'json'
  rowCount: number
  importedBy: string
  reason: string | null
  atMs: number
}

export interface EmployerSignalRow {
  id: number
  importId: string
  /** The row's place among the file's rows, from 1 (the header not counted). */
  rowNo: number
  creditCode: string
  /** As the department wrote it; '' when the file gave none. */
  employerName: string
  signal: OutsideKind
  source: string
  period: string
  amountFen: number | null
  severity: 1 | 2 | 3
}

export interface EmployerMatch {
  creditCode: string
  organisations: Array<{ id: string; name: string; kind: string }>
  /** Projects the employer is a party of, within the caller's scope. */
  projects: Array<{ id: string; name: string; regionCode: string; as: 'construction_unit' | 'general_contractor' | 'team_employer' }>
  signals: EmployerSignalRow[]
}

export type SignalImportOutcome = 'signal_import_stored' | 'signal_import_exists'

const IMPORT_COLUMNS = `id, file_hash AS "fileHash", filename, format, row_count AS "rowCount", imported_by AS "importedBy", reason, at_ms AS "atMs"`
const SIGNAL_COLUMNS = `id, import_id AS "importId", row_no AS "rowNo", credit_code AS "creditCode", employer_name AS "employerName", signal, source, period, amount_fen AS "amountFen", severity`
const INSERT_IMPORT = `INSERT INTO signal_imports (id, file_hash, filename, format, row_count, imported_by, reason, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
const IMPORT_BY_HASH = `SELECT ${IMPORT_COLUMNS} FROM signal_imports WHERE file_hash = ?`
const IMPORT_BY_ID = `SELECT ${IMPORT_COLUMNS} FROM signal_imports WHERE id = ?`
/** Rows per INSERT of employer_signals: 9 parameters each. */
const SIGNALS_PER_INSERT = 500
const insertTexts = new Map<number, string>()
function insertSignalsText(rows: number): string {
  let text = insertTexts.get(rows)
  if (text === undefined) {
    text = `INSERT INTO employer_signals (import_id, row_no, credit_code, employer_name, signal, source, period, amount_fen, severity) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`
    insertTexts.set(rows, text)
  }
  return text
}

const num = (v: unknown): number => Number(v)
const importOf = (r: Record<string, unknown>): SignalImportRow => ({ ...(r as unknown as SignalImportRow), rowCount: num(r.rowCount), atMs: num(r.atMs) })
const signalOf = (r: Record<string, unknown>): EmployerSignalRow => ({
  ...(r as unknown as EmployerSignalRow),
  id: num(r.id),
  rowNo: num(r.rowNo),
  amountFen: r.amountFen === null || r.amountFen === undefined ? null : num(r.amountFen),
  severity: num(r.severity) as 1 | 2 | 3,
})

/**
 * Credit codes of the organisations that are a party of a project within the scope: its construction unit, its general
 * contractor, or the employer of one of its teams. A subquery, for `credit_code IN (…)`.
 */
export function employersWithin(within: SQL | undefined): SQL {
  const scoped = within === undefined ? sql`SELECT id, construction_unit_id, general_contractor_id FROM projects` : sql`SELECT id, construction_unit_id, general_contractor_id FROM projects WHERE ${within}`
  return sql`SELECT o.credit_code FROM organisations o WHERE o.id IN (SELECT s.construction_unit_id FROM (${scoped}) s)
    OR o.id IN (SELECT s.general_contractor_id FROM (${scoped}) s)
    OR o.id IN (SELECT t.employer_id FROM teams t WHERE t.project_id IN (SELECT s.id FROM (${scoped}) s))`
}

export class SignalImportRepository {
  constructor(private readonly db: Database) {}

  async byHash(fileHash: string): Promise<SignalImportRow | undefined> {
    const r = await this.db.get(q(IMPORT_BY_HASH, fileHash))
    return r && importOf(r)
  }

  async byId(id: string): Promise<SignalImportRow | undefined> {
    const r = await this.db.get(q(IMPORT_BY_ID, id))
    return r && importOf(r)
  }

  /** The import and its rows, in one transaction: all of them, or none (a unique violation names a repeat). */
  async insert(row: SignalImportRow, signals: readonly OutsideSignalRow[]): Promise<void> {
    await this.db.tx(async (tx) => {
      await tx.lock(SIGNALS_LOCK)
      await tx.run(q(INSERT_IMPORT, row.id, row.fileHash, row.filename, row.format, row.rowCount, row.importedBy, row.reason, row.atMs))
      for (let at = 0; at < signals.length; at += SIGNALS_PER_INSERT) {
        const chunk = signals.slice(at, at + SIGNALS_PER_INSERT)
        const params: unknown[] = []
        chunk.forEach((s, i) => params.push(row.id, at + i + 1, s.creditCode, s.employerName ?? '', s.signal, s.source, s.period, s.amountFen, s.severity))
        await tx.run(q(insertSignalsText(chunk.length), ...params))
      }
    })
  }

  /** Newest first; `before` is the id of the last import of the previous page (ids are time-ordered). */
  async page(before: string | undefined, limit: number): Promise<SignalImportRow[]> {
    const rows = await this.db.all(
      before === undefined
        ? sql`SELECT ${sql.raw(IMPORT_COLUMNS)} FROM signal_imports ORDER BY id DESC LIMIT ${limit}`
        : sql`SELECT ${sql.raw(IMPORT_COLUMNS)} FROM signal_imports WHERE id < ${before} ORDER BY id DESC LIMIT ${limit}`,
    )
    return rows.map(importOf)
  }

  /** An import's rows in file order after a row number, of employers within the scope (undefined: every row). */
  async rowsPage(importId: string, afterRowNo: number, limit: number, employers: SQL | undefined): Promise<EmployerSignalRow[]> {
    const rows = await this.db.all(
      sql`SELECT ${sql.raw(SIGNAL_COLUMNS)} FROM employer_signals WHERE import_id = ${importId} AND row_no > ${afterRowNo}
        ${employers === undefined ? sql`` : sql`AND credit_code IN (${employers})`} ORDER BY row_no LIMIT ${limit}`,
    )
    return rows.map(signalOf)
  }

  /** An employer's signals, the newest period first (then the newest stored). */
  async ofEmployer(creditCode: string, limit: number): Promise<EmployerSignalRow[]> {
    const rows = await this.db.all(sql`SELECT ${sql.raw(SIGNAL_COLUMNS)} FROM employer_signals WHERE credit_code = ${creditCode} ORDER BY period DESC, id DESC LIMIT ${limit}`)
    return rows.map(signalOf)
  }

  async organisationsOf(creditCode: string): Promise<EmployerMatch['organisations']> {
    return this.db.all(sql`SELECT id, name, kind FROM organisations WHERE credit_code = ${creditCode} ORDER BY id`)
  }

  /** The projects within the scope the credit code's organisation is a party of, with the part it plays. */
  async projectsOf(creditCode: string, within: SQL | undefined): Promise<EmployerMatch['projects']> {
    // Unaliased: the scope's condition names projects' columns by the table's own name.
    const scope = within === undefined ? sql`` : sql`AND ${within}`
    const rows = await this.db.all<{ id: string; name: string; regionCode: string; as: EmployerMatch['projects'][number]['as'] }>(sql`
      SELECT projects.id AS "id", projects.name AS "name", projects.region_code AS "regionCode", 'construction_unit' AS "as" FROM projects INNER JOIN organisations o ON o.id = projects.construction_unit_id WHERE o.credit_code = ${creditCode} ${scope}
      UNION SELECT projects.id, projects.name, projects.region_code, 'general_contractor' FROM projects INNER JOIN organisations o ON o.id = projects.general_contractor_id WHERE o.credit_code = ${creditCode} ${scope}
      UNION SELECT projects.id, projects.name, projects.region_code, 'team_employer' FROM projects WHERE projects.id IN (SELECT t.project_id FROM teams t INNER JOIN organisations o ON o.id = t.employer_id WHERE o.credit_code = ${creditCode}) ${scope}`)
    return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.as < b.as ? -1 : 1))
  }
}

/** A refused file's rows, each with its problems in words: what the department fixes. */
function rowProblems(reading: SignalFileReading): Array<{ row: number; problems: Array<{ code: string; message: string }> }> {
  return reading.rows.filter((r) => r.problems.length > 0).map((r) => ({ row: r.row, problems: r.problems.map((p) => ({ ...p, message: signalProblemText(p) })) }))
}

/** Signals one employer read shows at most: a department reports an employer a few times a month, for years. */
export const EMPLOYER_SIGNALS_MAX = 500

export class SignalImportService {
  readonly repo: SignalImportRepository

  constructor(
    db: Database,
    private readonly rejects: PunchRepository,
    private readonly clock: Clock,
  ) {
    this.repo = new SignalImportRepository(db)
  }

  /**
   * Stores a department's file, once. The same bytes again answer the import already held (signal_import_exists);
   * a file that cannot be read, or with any row problem, is refused whole and kept in rejected inputs.
   */
  async importFile(input: { bytes: Buffer; filename: string; actor: string; reason: string | null; channel?: string }): Promise<{ outcome: SignalImportOutcome; import: SignalImportRow }> {
    if (input.bytes.length > LIMITS.signal_file_bytes_max) throw new AppError('request_too_large', { bytes: input.bytes.length, max: LIMITS.signal_file_bytes_max })
    const fileHash = createHash('sha256').update(input.bytes).digest('hex')
    const held = await this.repo.byHash(fileHash)
    if (held) return { outcome: 'signal_import_exists', import: held }

    let reading: SignalFileReading
    try {
      reading = await readSignalFile(input.bytes)
    } catch (err) {
      if (!(err instanceof SignalFileError)) throw err
      const { kind, ...rest } = err.fault
      return this.refuse(input, 'signal_file_unreadable', { problem: kind, ...rest })
    }
    if (!reading.importable) {
      const rows = rowProblems(reading)
      return this.refuse(input, 'signal_file_invalid', { rowCount: reading.rows.length, rowsWithProblems: rows.length, rows: rows.slice(0, LIMITS.signal_file_errors_max) })
    }
    const row: SignalImportRow = {
      id: newId(),
      fileHash,
      filename: input.filename,
      format: reading.format,
      rowCount: reading.rows.length,
      importedBy: input.actor,
      reason: input.reason,
      atMs: this.clock.nowMs(),
    }
    try {
      await this.repo.insert(
        row,
        reading.rows.map((r) => r.signal!),
      )
    } catch (err) {
      // Another instance stored the same bytes between the look above and this transaction: the index decided.
      if (!isUniqueViolation(err)) throw err
      const stored = await this.repo.byHash(fileHash)
      if (!stored) throw err
      return { outcome: 'signal_import_exists', import: stored }
    }
    return { outcome: 'signal_import_stored', import: row }
  }

  /** Keeps the refused file in rejected inputs with its problems (outside any transaction), then answers with them. */
  private async refuse(input: { bytes: Buffer; filename: string; actor: string; channel?: string }, code: 'signal_file_invalid' | 'signal_file_unreadable', details: Record<string, unknown>): Promise<never> {
    await this.rejects.reject(
      {
        source: 'http',
        channel: input.channel ?? SIGNAL_IMPORT_CHANNEL,
        sender: input.actor,
        projectId: null,
        deviceSerial: null,
        recordId: input.filename,
        reason: code,
        detail: JSON.stringify(details),
        payload: input.bytes,
        receivedAtMs: this.clock.nowMs(),
      },
      LIMITS.signal_file_bytes_max,
    )
    throw new AppError(code, details)
  }

  async imports(before: string | undefined, limit: number): Promise<SignalImportRow[]> {
    return this.repo.page(before, limit)
  }

  /** One import and a page of its rows (an auditor's: only employers that are a party of a project in their region). */
  async importWithRows(id: string, afterRowNo: number, limit: number, within: SQL | undefined, scoped: boolean): Promise<{ import: SignalImportRow; rows: EmployerSignalRow[] }> {
    const found = await this.repo.byId(id)
    if (!found) throw new AppError('signal_import_not_found', { importId: id })
    return { import: found, rows: await this.repo.rowsPage(id, afterRowNo, limit, scoped ? employersWithin(within) : undefined) }
  }

  /**
   * An employer's signals and whom they match on the roster now. For a scoped caller (an auditor), an employer with no
   * project in scope is as unknown as one nobody reported (404): its signals are another region's business.
   */
  async employer(creditCode: string, within: SQL | undefined, scoped: boolean): Promise<EmployerMatch> {
    const code = creditCode.trim().toUpperCase()
    if (!isCreditCode(code)) throw new AppError('invalid_credit_code', { creditCode })
    const [organisations, projects, signals] = await Promise.all([this.repo.organisationsOf(code), this.repo.projectsOf(code, within), this.repo.ofEmployer(code, EMPLOYER_SIGNALS_MAX)])
    if (organisations.length === 0 && signals.length === 0) throw new AppError('employer_not_found', { creditCode: code })
    // Known, but not in the caller's region: answered as unknown, and the attempt logged as a denial.
    if (scoped && projects.length === 0) throw outOfScope('employer_not_found', { creditCode: code })
    return { creditCode: code, organisations, projects, signals }
  }
}
