/**
 * (Found by review.) GET /api/credit-records?state=active lists the region's records that still count, however many
 * newer records the region holds: records count for 36 months, so a bureau asking which employers are on the list must
 * not lose an older active record behind the newest 1,000 repaired or expired ones. The state is a condition of the
 * read, applied before the list's limit, not a filter of its first page.
 */
import t from 'tap'
import { q } from '../../src/db/database.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { creditCodeCheckChar } from '../../src/roster/identity.ts'
import { startTestServer } from '../helpers/server.ts'

const NOW = Date.parse('2026-12-10T03:00:00Z')

function creditCode(n: number): string {
  const first17 = `91330106MA${String(n).padStart(7, '0')}`
  return first17 + (creditCodeCheckChar(first17) as string)
}

t.test('every active record of the region is listed under state=active', async (t) => {
  const { api, services } = await startTestServer(t, { clock: new ManualClock(NOW) })
  const insert = (id: string, code: string, recordedOn: string) =>
    q(
      `INSERT INTO credit_records (id, credit_code, employer_name, organisation_id, reason, period_from, period_to, amount_fen, recorded_on, source_kind, source_id, rule_version, actor, at_ms) VALUES (?, ?, '某劳务公司', NULL, '拖欠农民工工资', '2025-01', '2025-01', 100000, ?, 'clue', ?, 'credit-2026.1', 'test', ?)`,
      id,
      code,
      recordedOn,
      `clue-${id}`,
      NOW,
    )
  // The region's (330106) records: one recorded in March 2025, still counting (36 months) ...
  await services.db.run(insert('old-active', creditCode(1), '2025-03-01'))
  // ... and 1,000 later ones, each repaired since.
  await services.db.tx(async (tx) => {
    for (let i = 0; i < 1000; i++) {
      await tx.run(insert(`r-${i}`, creditCode(10 + i), '2026-01-02'))
      await tx.run(q(`INSERT INTO credit_record_events (id, record_id, type, actor, reason, at_ms) VALUES (?, ?, 'repaired', 'test', '已修复', ?)`, `e-${i}`, `r-${i}`, NOW - 86_400_000))
    }
  })

  const active = await api.get<Array<{ id: string; state: string }>>('/api/credit-records?state=active')
  t.same(
    active.map((r) => r.id),
    ['old-active'],
    'the one record still counting is listed',
  )
  // Another state is read page after page until the list is full: 1,001 repaired records behind a newer active one
  // fill the list with the newest 1,000 of them.
  await services.db.run(insert('old-repaired', creditCode(2), '2025-02-01'))
  await services.db.run(q(`INSERT INTO credit_record_events (id, record_id, type, actor, reason, at_ms) VALUES ('e-old', 'old-repaired', 'repaired', 'test', '已修复', ?)`, NOW - 86_400_000))
  await services.db.run(insert('new-active', creditCode(3), '2026-12-01'))
  const repaired = await api.get<Array<{ id: string; state: string }>>('/api/credit-records?state=repaired')
  t.equal(repaired.length, 1000, 'the first page held 999 of them: the list is filled from the next, up to 1,000')
  t.ok(repaired.every((r) => r.state === 'repaired') && !repaired.some((r) => r.id === 'old-repaired'), 'the newest 1,000 repaired ones, the oldest left out')
  t.same((await api.get<Array<{ id: string }>>('/api/credit-records?state=active')).map((r) => r.id), ['new-active', 'old-active'], 'both active records, newest first')
})
