/**
 * Roster import (花名册导入, issue 13): a contractor's spreadsheet read, judged against the roster (roster-import.ts),
 * then stored whole or not at all.
 *
 * Applying runs the same RosterService as POST /api/workers and POST …/enrolments, bound to one transaction: every
 * check those routes make is made again, row by row, and the first refusal rolls back every row before it. A worker
 * already registered under the ID number is enrolled as that worker; one already enrolled on the project is left as
 * it is, unless they exited and the row's entry date is after the exit: that row records their return (再次进场) on the
 * enrolment, as POST …/enrolments/{id}/return does, the timesheets' re-check of confirmed months in the same transaction. So the same file posted again stores nothing and answers `already_imported`: the import is idempotent by
 * its content (the reply names the file's SHA-256, for whoever keeps the spreadsheet beside it).
 */
import { createHash } from 'node:crypto'
import type { Database, Transaction } from '../db/database.ts'
import { AppError } from '../kernel/errors.ts'
import { workDateOf, type Clock } from '../kernel/time.ts'
import { RosterRepository, type EnrolmentRow, type ProjectRow } from './repository.ts'
import { decodeCsv, fileKindOf, parseCsv, RosterFileError, sheetOf, type RosterSheet } from './roster-import-file.ts'
import { previewImport, type ImportPreview, type Registered, type RowAction } from './roster-import.ts'
import { xlsxGrids } from './roster-import-xlsx.ts'
import { RosterService } from './service.ts'
import { FIELD_LABELS } from './roster-import.ts'

/** What became of a row when the file was applied. */
export interface AppliedRow {
  line: number
  workerId: string
  enrolmentId: string | null
  outcome: RowAction
}

export interface Applied {
  fileHash: string
  /** imported: at least one worker registered or enrolled now; already_imported: every row was on the roster. */
  outcome: 'imported' | 'already_imported'
  rows: AppliedRow[]
}

/**
 * What an enrolment's change does in its transaction (TimesheetService.enrolmentChangeOf): the worker's locks, then the
 * re-check of confirmed months. Never awaited itself: an object with a `then` member is taken for a promise.
 */
export type EnrolmentChange = (project: ProjectRow) => { lock: (tx: Transaction, e: EnrolmentRow) => Promise<void>; then: (tx: Transaction, e: EnrolmentRow) => Promise<void> }

export const fileHashOf = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/** The database seen through an open transaction, for a repository that takes a Database (it runs no tx of its own). */
function inTransaction(db: Database, tx: Transaction): Database {
  return {
    engine: tx.engine,
    all: (q) => tx.all(q),
    values: (q) => tx.values(q),
    get: (q) => tx.get(q),
    run: (q) => tx.run(q),
    each: (q, fn, o) => tx.each(q, fn, o),
    dialect: db.dialect,
    description: db.description,
    // A transaction asked for inside (a card taken under its lock) is this one, as nested transactions are everywhere.
    tx: (fn) => fn(tx),
    close: () => Promise.resolve(),
  }
}

export class RosterImportService {
  private readonly repo: RosterRepository

  constructor(
    private readonly db: Database,
    private readonly roster: RosterService,
    private readonly clock: Clock,
    private readonly defaultTimeZone: string,
    /** Told after an import committed, as the roster service tells its own changes (ingest lookups drop their cache). */
    private readonly onChange: () => void = () => {},
    /** What a return recorded by a row does beside it, as for POST …/return; none: the return alone. */
    private readonly enrolmentChange?: EnrolmentChange,
  ) {
    this.repo = new RosterRepository(db)
  }

  /** The file's rows, or roster_file_unreadable saying why none could be read. */
  async read(bytes: Uint8Array): Promise<RosterSheet> {
    try {
      if (bytes.length === 0) throw new RosterFileError({ kind: 'no_rows' })
      const kind = fileKindOf(bytes)
      if (kind === 'xls') throw new RosterFileError({ kind: 'legacy_xls' })
      if (kind !== 'xlsx') return sheetOf(parseCsv(decodeCsv(bytes)))
      // The first visible sheet that holds a roster (a 填表说明 or cover sheet may come first); else the first's fault.
      const grids = await xlsxGrids(bytes)
      let first: RosterFileError | undefined
      for (const grid of grids) {
        try {
          return sheetOf(grid)
        } catch (err) {
          if (!(err instanceof RosterFileError)) throw err
          first ??= err
        }
      }
      throw first ?? new RosterFileError({ kind: 'no_rows' })
    } catch (err) {
      if (!(err instanceof RosterFileError)) throw err
      const p = err.problem
      throw new AppError('roster_file_unreadable', p.kind === 'no_header' ? { problem: p.kind, missing: p.missing.map((f) => FIELD_LABELS[f]) } : { ...p, problem: p.kind })
    }
  }

  /**
   * The preview of the file on the project: every row checked, nothing stored. employerId: a team manager's
   * organisation, whose teams alone the file may name.
   */
  async preview(projectId: string, bytes: Uint8Array, employerId?: string): Promise<ImportPreview & { fileHash: string }> {
    const sheet = await this.read(bytes)
    const project = await this.roster.project(projectId)
    const teams = (await this.roster.listTeams(projectId)).filter((t) => employerId === undefined || t.employerId === employerId)
    const enrolled = await this.roster.listEnrolments(projectId)
    const enrolmentOf = new Map(enrolled.map((e) => [e.worker.id, e.enrolment]))
    const ids = [...new Set(sheet.rows.map((r) => (r.cells.idNumber ?? '').replace(/[\s\u3000-]/g, '').toUpperCase()).filter((id) => /^\d{17}[\dX]$/.test(id)))]
    const registered = new Map<string, Registered>()
    for (const id of ids) {
      const w = await this.repo.workerByIdNumber(id)
      const e = w && enrolmentOf.get(w.id)
      if (w) registered.set(id, { workerId: w.id, name: w.name, cardNo: w.cardNo, bankName: w.bankName, phone: w.phone, trade: w.trade, enrolled: e !== undefined, ...(e ? { enrolment: e } : {}) })
    }
    // Cards held on the roster: by this project's workers, and by anyone on the platform now or before a card change
    // (一卡多人 is refused as registration refuses it, named on its row here rather than as one error for the file).
    const cardHolders = new Map(enrolled.map((e) => [e.worker.cardNo, e.worker.id]))
    for (const card of new Set(sheet.rows.map((r) => (r.cells.cardNo ?? '').replace(/\s/g, '')).filter((c) => /^\d{12,19}$/.test(c)))) {
      if (cardHolders.has(card)) continue
      const holder = await this.repo.holderOfCard(card)
      if (holder !== undefined) cardHolders.set(card, holder)
    }
    const preview = previewImport(sheet, {
      today: workDateOf(this.clock.nowMs(), project.timeZone),
      teams: new Map(teams.map((t) => [t.name, t.id])),
      registered,
      cardHolders,
      deviceUsers: new Map(enrolled.filter((e) => e.enrolment.deviceUserId !== null).map((e) => [e.enrolment.deviceUserId as string, e.worker.id])),
    })
    return { ...preview, fileHash: fileHashOf(bytes) }
  }

  /**
   * Stores every row or none: refused with roster_import_has_problems (the rows and their problems) while the
   * preview finds any; otherwise registers and enrols in one transaction, each row through the roster service.
   * actor: who imports, kept as the author of the returns the file records.
   */
  async apply(projectId: string, bytes: Uint8Array, employerId?: string, actor?: string): Promise<Applied & { preview: ImportPreview }> {
    const preview = await this.preview(projectId, bytes, employerId)
    if (preview.rowsWithProblems > 0) {
      throw new AppError('roster_import_has_problems', {
        rowsWithProblems: preview.rowsWithProblems,
        rows: preview.rows.filter((r) => r.problems.length > 0).map((r) => ({ line: r.line, problems: r.problems })),
      })
    }
    const alongside = preview.counts.return > 0 ? this.enrolmentChange?.(await this.roster.project(projectId)) : undefined
    const rows = await this.db.tx(async (tx) => {
      // Two imports of one project at once would both find a worker unenrolled: one waits for the other.
      await tx.lock(`roster-import:${projectId}`)
      const repo = new RosterRepository(inTransaction(this.db, tx))
      const roster = new RosterService(repo, this.clock, this.defaultTimeZone)
      const done: AppliedRow[] = []
      for (const r of preview.rows) {
        const existing = await repo.workerByIdNumber(r.idNumber)
        const workerId =
          existing?.id ??
          (
            await roster.registerWorker({
              name: r.name,
              idNumber: r.idNumber,
              bankName: r.bankName,
              cardNo: r.cardNo,
              ...(r.phone ? { phone: r.phone } : {}),
              ...(r.trade ? { trade: r.trade } : {}),
              ...(r.ethnicity ? { ethnicity: r.ethnicity } : {}),
              ...(r.address ? { address: r.address } : {}),
            })
          ).row.id
        const enrolment = await repo.enrolmentOf(projectId, workerId)
        if (enrolment && r.action === 'return') {
          // Checked again by the roster service (after the exit in force, which an exit or return since the preview may
          // have moved): a refusal rolls back the whole file, as any row's.
          const e = await roster.recordReturn(projectId, enrolment.id, r.entryDate, { reason: `花名册导入第 ${r.line} 行`, ...(actor === undefined ? {} : { actor }) }, alongside)
          done.push({ line: r.line, workerId, enrolmentId: e.id, outcome: 'return' })
          continue
        }
        if (enrolment) {
          done.push({ line: r.line, workerId, enrolmentId: null, outcome: 'already_enrolled' })
          continue
        }
        const e = await roster.enrol(projectId, {
          workerId,
          teamId: r.teamId as string,
          dailyRate: r.dailyRate,
          safetyTrained: r.safetyTrained,
          entryDate: r.entryDate,
          ...(r.deviceUserId ? { deviceUserId: r.deviceUserId } : {}),
          ...(r.contractNo ? { contractNo: r.contractNo } : {}),
        })
        done.push({ line: r.line, workerId, enrolmentId: e.id, outcome: existing ? 'enrol' : 'register_and_enrol' })
      }
      return done
    })
    const imported = rows.some((r) => r.outcome !== 'already_enrolled')
    if (imported) this.onChange()
    return { fileHash: preview.fileHash, outcome: imported ? 'imported' : 'already_imported', rows, preview }
  }
}
