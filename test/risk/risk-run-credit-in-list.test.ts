/**
 * (Found by review.) The monthly risk run scores every employer with a credit record however many there are: records
 * count for 36 months and are kept for every employer a clue names, on the roster or not, so a province's pass what an
 * engine binds in one statement (SQLite 32,766 parameters; PostgreSQL 65,535). Which of those employers a department
 * reported this month is therefore asked of the tables, not with one parameter per employer; otherwise the run, and
 * the monthly timer's, fails and nothing is scored for the month.
 */
import t from 'tap'
import { loadConfig } from '../../src/config/env.ts'
import { q } from '../../src/db/database.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { creditCodeCheckChar } from '../../src/roster/identity.ts'
import { createServices } from '../../src/services.ts'
import { TEST_ENGINE, testDatabaseUrl } from '../helpers/database.ts'

const NOW_MS = Date.parse('2026-12-05T02:00:00Z')
/** One past the engine's parameter limit (the statement also binds the month). */
const EMPLOYERS = TEST_ENGINE === 'postgres' ? 65_535 : 32_766

function creditCode(n: number): string {
  const first17 = `91330106MA${String(n).padStart(7, '0')}`
  return first17 + (creditCodeCheckChar(first17) as string)
}

t.test(`a run with ${EMPLOYERS} employers off the roster holding a credit record`, async (t) => {
  const clock = new ManualClock(NOW_MS)
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t) }, clock)
  t.teardown(() => services.close())
  // The records, as CreditService.record stores them (straight in, for speed): one per employer, recorded in October.
  const ROWS = 500
  await services.db.tx(async (tx) => {
    for (let at = 0; at < EMPLOYERS; at += ROWS) {
      const n = Math.min(ROWS, EMPLOYERS - at)
      const params: unknown[] = []
      for (let i = at; i < at + n; i++) params.push(`cr-${i}`, creditCode(i), `劳务公司 ${i}`, '拖欠农民工工资', '2026-09', '2026-09', 100_000, '2026-10-01', 'clue', `clue-${i}`, 'credit-2026.1', 'test', NOW_MS)
      await tx.run(
        q(
          `INSERT INTO credit_records (id, credit_code, employer_name, organisation_id, reason, period_from, period_to, amount_fen, recorded_on, source_kind, source_id, rule_version, actor, at_ms) VALUES ${Array(n).fill('(?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          ...params,
        ),
      )
    }
  })

  const run = await services.riskRuns.run('2026-11', 'test').catch((e: unknown) => (e as Error).message.slice(0, 200))
  t.match(run, { month: '2026-11', employerCount: EMPLOYERS }, 'the month is scored: each employer on its record')
})
