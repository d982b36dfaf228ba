/**
 * The crash loop in `npm test`: 20 kills with SIGKILL at random moments of
 * start-up, ingest and payout-file posting, each followed by a restart on the
 * same file, and a final clean run. One assertion per kind of check, so a
 * failure says what broke; the seed is printed to replay the plan
 * (`npm run test:crash-loop -- --loops 20 --seed S`, or CRASH_LOOP_SEED=S here).
 */
import t from 'tap'
import { TEST_ENGINE } from '../helpers/database.ts'

/** The loop checks the SQLite file itself (integrity_check, rowids); the PostgreSQL run has its kill -9 test with several instances. */
const SQLITE_ONLY = 'SQLite only: checks the database file itself'
import { tempDir } from '../helpers/server.ts'
import { CHECK_KINDS, runCrashLoop, summaryLine, type CheckKind } from './crash-loop.ts'

// 8 loops, a smoke run inside `npm test`'s ten minutes (each loop starts a service and kills it); the real test is the long run:
// `npm run test:crash-loop -- --loops 1000` (bench/README.md).
const LOOPS = 8

t.test(`${LOOPS} kill -9 loops: the file stays sound, acked punches stay once, payout files are whole or absent`, { skip: TEST_ENGINE === 'postgres' ? SQLITE_ONLY : false }, async (t) => {
  const seed = process.env.CRASH_LOOP_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.CRASH_LOOP_SEED)
  t.comment(`seed ${seed} (replay: CRASH_LOOP_SEED=${seed} npx tap test/ingest/crash-loop.test.ts)`)
  const report = await runCrashLoop({ loops: LOOPS, seed, dir: tempDir(t, 'wage-ledger-crash-loop-'), t, log: (line) => t.comment(line) })
  t.comment(summaryLine(report))

  t.equal(report.loops, LOOPS, `all ${LOOPS} loops ran`)
  for (const [kind, what] of Object.entries(CHECK_KINDS) as Array<[CheckKind, string]>) {
    t.same(
      report.failures.filter((f) => f.check === kind).map((f) => `loop ${f.loop}: ${f.detail}`),
      [],
      `${kind}: ${what}`,
    )
  }
  // The loops did real work: punches were acknowledged and files stored between kills.
  t.ok(report.punchesAcked > 0, `${report.punchesAcked} punches acknowledged`)
  t.ok(report.filesStored > 0, `${report.filesStored} payout files stored`)
})
