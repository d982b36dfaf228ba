/**
 * Complaint clues imported from a file (欠薪线索, issue 15): the 12333 hotline's export, or another department's. The
 * file is read and its rows checked by clue-file.ts; here each row is also checked against what is held, and the
 * file is received whole or not at all:
 *
 * - a row names its project by site code (项目编号): an unknown one is a row problem;
 * - a ticket already held with the same facts is skipped (counted as existing), so the same file again creates
 *   nothing; with other facts it is a row problem, as POST /api/clues answers 409 for one;
 * - any row problem refuses the file with every row's problems, and the file is kept in rejected inputs with them,
 *   as a refused signal or payout file is; nothing of it is stored;
 * - the rows are received in one transaction through the clue service's own receipt (ClueService.receiveFile), so
 *   each is a clue as one entered by hand is: its receipt event, its clocks, and a major incident with its webhook
 *   when it reaches 10 workers or ¥5M.
 *
 * No table records the import itself: the tickets' references are what make a repeat harmless, and the receipt event
 * of each clue names the file (its name, SHA-256 and the reason given).
 */
import { createHash } from 'node:crypto'
import { LIMITS } from '../config/limits.ts'
import { AppError } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import type { Clock } from '../kernel/time.ts'
import type { PunchRepository } from '../punches/repository.ts'
import type { ClueChannel } from './clues.ts'
import { clueProblemText, ClueFileError, readClueFile, type ClueFileProblem, type ClueFileReading, type ClueFileRow } from './clue-file.ts'
import type { ClueRow } from './clue-repository.ts'
import { sameFacts, type ClueActor, type ClueService } from './clue-service.ts'

/** Where a refused file is filed in rejected inputs (the route it came by). */
export const CLUE_IMPORT_CHANNEL = 'POST /api/clues/imports'

export interface ClueImportResult {
  outcome: 'clues_imported' | 'clues_exist'
  created: number
  existing: number
  /** Every row's clue: made by this import, or the one already held for its ticket. */
  rows: Array<{ row: number; externalRef: string; clueId: string; outcome: 'clue_created' | 'clue_exists' }>
}

type CheckedRow = { row: number; clue?: ClueFileRow; problems: ClueFileProblem[]; projectId?: string; existingId?: string }

export class ClueImportService {
  constructor(
    private readonly clues: ClueService,
    private readonly rejects: PunchRepository,
    private readonly clock: Clock,
    private readonly timeZone: string,
  ) {}

  async importFile(input: { bytes: Buffer; filename: string; reason: string | null; channel?: Exclude<ClueChannel, 'worker_page'>; actor: ClueActor }): Promise<ClueImportResult> {
    if (input.bytes.length > LIMITS.clue_file_bytes_max) throw new AppError('request_too_large', { bytes: input.bytes.length, max: LIMITS.clue_file_bytes_max })
    const channel = input.channel ?? 'import'
    const fileHash = createHash('sha256').update(input.bytes).digest('hex')
    let reading: ClueFileReading
    try {
      reading = await readClueFile(input.bytes, { nowMs: this.clock.nowMs(), timeZone: this.timeZone })
    } catch (err) {
      if (!(err instanceof ClueFileError)) throw err
      const { kind, ...rest } = err.fault
      return this.refuse(input, 'clue_file_unreadable', { problem: kind, ...rest })
    }
    // Another request may take a ticket between the check and the transaction: the check runs again on the stored state.
    for (let attempt = 0; ; attempt++) {
      const rows = await this.checkAgainstHeld(reading, channel)
      const bad = rows.filter((r) => r.problems.length > 0)
      if (bad.length > 0) {
        const listed = bad.map((r) => ({ row: r.row, problems: r.problems.map((p) => ({ ...p, message: clueProblemText(p) })) }))
        // Listed as many as a refused signal file lists: enough to fix it, not a dump of one systematic mistake.
        return this.refuse(input, 'clue_file_invalid', { rowCount: rows.length, rowsWithProblems: bad.length, rows: listed.slice(0, LIMITS.signal_file_errors_max) })
      }
      const made: Array<{ row: ClueRow; month: string | null; fileRow: number }> = []
      for (const r of rows) {
        if (r.existingId !== undefined) continue
        const c = r.clue!
        made.push({
          fileRow: r.row,
          month: c.month,
          row: {
            id: newId(),
            projectId: r.projectId ?? null,
            employerCreditCode: c.creditCode,
            workerId: null,
            channel,
            summary: c.summary,
            headcount: c.headcount,
            amountFen: c.amountFen,
            externalRef: c.externalRef,
            receivedAtMs: c.receivedAtMs,
            createdBy: input.actor.label,
          },
        })
      }
      try {
        if (made.length > 0) await this.clues.receiveFile(made, input.actor, { filename: input.filename, reason: input.reason, fileHash })
      } catch (err) {
        if (attempt === 0 && err instanceof AppError && err.code === 'clue_external_ref_taken') continue
        throw err
      }
      const ids = new Map(made.map((m) => [m.fileRow, m.row.id]))
      return {
        outcome: made.length > 0 ? 'clues_imported' : 'clues_exist',
        created: made.length,
        existing: rows.length - made.length,
        rows: rows.map((r) => ({
          row: r.row,
          externalRef: r.clue!.externalRef,
          clueId: r.existingId ?? ids.get(r.row)!,
          outcome: r.existingId === undefined ? ('clue_created' as const) : ('clue_exists' as const),
        })),
      }
    }
  }

  /** The file's rows with the problems only the stored state shows: an unknown site code, a ticket held with other facts. */
  private async checkAgainstHeld(reading: ClueFileReading, channel: string): Promise<CheckedRow[]> {
    const read = reading.rows.filter((r) => r.clue !== undefined).map((r) => r.clue!)
    const projects = await this.clues.repo.projectsBySiteCode([...new Set(read.map((c) => c.siteCode).filter((s): s is string => s !== null))])
    const held = await this.clues.repo.cluesByRefs(channel, read.map((c) => c.externalRef))
    return reading.rows.map((r): CheckedRow => {
      if (r.clue === undefined) return { ...r, problems: [...r.problems] }
      const c = r.clue
      const projectId = c.siteCode === null ? undefined : projects.get(c.siteCode)
      if (c.siteCode !== null && projectId === undefined) return { ...r, problems: [{ code: 'site_unknown', value: c.siteCode }] }
      const existing = held.get(c.externalRef)
      if (existing === undefined) return { ...r, projectId }
      // A ticket entered by hand naming the worker took the worker's employer as its own; the hotline's export knows no
      // workers and names no employer for it: that is the same ticket, not other facts.
      const employerCreditCode = c.creditCode ?? (existing.workerId !== null ? existing.employerCreditCode : null)
      const facts = { summary: c.summary, headcount: c.headcount, amountFen: c.amountFen, projectId: projectId ?? null, employerCreditCode }
      if (!sameFacts(existing, facts)) return { ...r, problems: [{ code: 'external_ref_taken', value: c.externalRef, clueId: existing.id }] }
      return { ...r, projectId, existingId: existing.id }
    })
  }

  /** Keeps the refused file in rejected inputs with its problems (outside any transaction), then answers with them. */
  private async refuse(input: { bytes: Buffer; filename: string; actor: ClueActor }, code: 'clue_file_invalid' | 'clue_file_unreadable', details: Record<string, unknown>): Promise<never> {
    await this.rejects.reject(
      {
        source: 'http',
        channel: CLUE_IMPORT_CHANNEL,
        sender: input.actor.label,
        projectId: null,
        deviceSerial: null,
        recordId: input.filename,
        reason: code,
        detail: JSON.stringify(details),
        payload: input.bytes,
        receivedAtMs: this.clock.nowMs(),
      },
      LIMITS.clue_file_bytes_max,
    )
    throw new AppError(code, details)
  }
}
