/**
 * The crash loop's checks must bite: a checker that passes everything proves
 * nothing. After a short loop, the file is tampered with the way a broken
 * commit or recovery would leave it (a stored punch gone, a punch nobody
 * sent, a payout file nobody posted, a payout line without its file), and
 * each of those must be reported under its own check, while the checks of
 * what was not touched still hold.
 */
import Database from 'better-sqlite3'
import t from 'tap'
import { TEST_ENGINE } from '../helpers/database.ts'

/** The loop checks the SQLite file itself (integrity_check, rowids); the PostgreSQL run has its kill -9 test with several instances. */
const SQLITE_ONLY = 'SQLite only: checks the database file itself'
import { tempDir } from '../helpers/server.ts'
import { runCrashLoop, type CheckKind } from './crash-loop.ts'

const LOOPS = 2

function tamper(dbPath: string): void {
  const db = new Database(dbPath, { fileMustExist: true })
  try {
    // The child is gone; this connection alone writes, and without foreign keys it can leave what a broken commit would.
    db.pragma('foreign_keys = OFF')
    // Punches are append-only (a trigger refuses DELETE): whoever removes one by hand must drop that trigger first.
    db.exec('DROP TRIGGER punches_no_delete')
    db.transaction(() => {
      db.prepare('DELETE FROM punches WHERE id = (SELECT min(id) FROM punches)').run()
      db.prepare(
        `INSERT INTO punches (project_id, device_id, record_id, worker_id, enrolment_id, device_time_ms, received_at_ms, work_date, direction, verify_method, channel, clock_suspect)
         SELECT project_id, device_id, 'never-sent', worker_id, enrolment_id, device_time_ms, received_at_ms, work_date, direction, verify_method, channel, clock_suspect
         FROM punches ORDER BY id DESC LIMIT 1`,
      ).run()
      db.prepare(
        `INSERT INTO payout_files (id, project_id, period, sha256, filename, encoding, line_count, success_count, success_fen, failed_count, failed_fen, posted_by, posted_at_ms)
         SELECT 'never-posted', project_id, period, '${'f'.repeat(64)}', NULL, encoding, 0, 0, 0, 0, 0, NULL, posted_at_ms FROM payout_files LIMIT 1`,
      ).run()
      db.prepare(
        `INSERT INTO payout_lines (id, file_id, project_id, period, line_no, seq, payee_card, payee_name, amount_fen, status, bank_ref, value_date, failure_reason)
         SELECT 'orphan', 'no-such-file', project_id, period, line_no, seq, payee_card, payee_name, amount_fen, status, 'ORPHAN-REF', value_date, failure_reason
         FROM payout_lines LIMIT 1`,
      ).run()
    })()
  } finally {
    db.close()
  }
}

t.test('the crash-loop checks report a lost punch, an unsent punch, an unposted file and an orphan line', { skip: TEST_ENGINE === 'postgres' ? SQLITE_ONLY : false }, async (t) => {
  const seed = 7
  const report = await runCrashLoop({
    loops: LOOPS,
    seed,
    dir: tempDir(t, 'wage-ledger-crash-loop-checks-'),
    t,
    // After the final clean run, when punches and files are surely stored.
    beforeCheck: (dbPath, loop) => {
      if (loop === LOOPS + 1) tamper(dbPath)
    },
  })
  const failed = (kind: CheckKind) => report.failures.filter((f) => f.check === kind).map((f) => f.detail)

  t.match(failed('punches_once'), [/rows, \d+ distinct records known stored/], 'the deleted punch is reported as gone')
  t.match(failed('punches_only_sent'), [/stored but never sent: GT-0\d\/never-sent/], 'the punch nobody sent is reported')
  t.match(failed('files_whole'), [/file never-posted .* was never posted/, /files in the table, \d+ known stored/], 'the file nobody posted is reported')
  t.match(failed('no_orphan_lines'), [/1 lines whose file is not stored/, /lines in the table/], 'the orphan line is reported')
  for (const kind of ['service_runs', 'integrity', 'acked_punches_stored', 'answered_files_stored', 'answers', 'converged'] as const) {
    t.same(failed(kind), [], `${kind}: untouched, still holds`)
  }
})
