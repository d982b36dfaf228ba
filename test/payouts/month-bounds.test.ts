/**
 * OVERSIZED's year rule over stored months (issue 11): each stored file writes its month's bound (the most one card
 * received), and a later month clears its workers with those bounds alone while they stay within the limits; a worker
 * whose bounds could cross the year limit, or a month whose lines no bound covers (stored before bounds were kept), is
 * read line by line as before. Through HTTP on the run's engine; the flags are what reading every line would give.
 */
import t from 'tap'
import { sql } from 'drizzle-orm'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { insertInto } from '../../src/db/rows.ts'
import { payoutFiles, payoutLines } from '../../src/db/schema/index.ts'
import { newId } from '../../src/kernel/ids.ts'
import { startTestServer } from '../helpers/server.ts'

const HEADER = 'seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason'

interface FlagJson {
  kind: string
  workerId: string | null
  evidence: Record<string, unknown>
}

t.test('bounds clear ordinary months, and never a worker the year rule flags', async (t) => {
  const server = await startTestServer(t, { clock: { nowMs: () => Date.UTC(2026, 11, 20, 4) } })
  const { api, services } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'BOUNDS-1', workers: 2, teams: 1, seed: 2222 })
  const site = await registerSite(api, { ...plan, devices: [] })
  const P = `/api/projects/${site.projectId}`
  const [c, e] = plan.workers.map((w) => ({ ...w, id: site.workerIds.get(w.key)! })) as [(typeof plan.workers)[number] & { id: string }, (typeof plan.workers)[number] & { id: string }]
  let ref = 0
  const post = async (period: string, lines: Array<[typeof c, string]>): Promise<FlagJson[]> => {
    const file = [HEADER, ...lines.map(([w, yuan], i) => `${i + 1}|${w.cardNo}|${w.name}|${yuan}|success|B${++ref}|${period}-28|`)].join('\n')
    const posted = await api.request<{ reconciliation: { flags: FlagJson[] } }>('POST', `${P}/payout-files?period=${period}`, Buffer.from(file), 'text/plain')
    return posted.reconciliation.flags
  }
  const oversized = (flags: FlagJson[]) => flags.filter((f) => f.kind === 'OVERSIZED')
  const bounds = async () =>
    (await services.db.all<{ period: string; lineCount: number | string; cardPeakFen: number | string }>(
      sql`SELECT period AS "period", line_count AS "lineCount", card_peak_fen AS "cardPeakFen" FROM payout_month_bounds WHERE project_id = ${site.projectId} ORDER BY period, line_count`,
    )).map((b) => ({ period: b.period, lineCount: Number(b.lineCount), cardPeakFen: Number(b.cardPeakFen) }))

  // February: C ¥250,000 in two payments, E ¥3,000; the bound is C's card, both payments.
  await post('2026-02', [[c, '200000.00'], [c, '50000.00'], [e, '3000.00']])
  t.same(await bounds(), [{ period: '2026-02', lineCount: 3, cardPeakFen: 25_000_000 }])

  // March: C ¥40,000. Bounds alone: 1 card × ¥250,000 + ¥40,000 ≤ ¥300,000, so nobody's earlier lines are read, and
  // indeed C's year is ¥290,000: no flag.
  t.same(oversized(await post('2026-03', [[c, '40000.00'], [e, '3000.00']])), [])
  t.same((await bounds()).map((b) => b.period), ['2026-02', '2026-03'])

  // April: C ¥20,000. The bounds (¥250,000 + ¥40,000 + ¥20,000) could cross ¥300,000: the lines are read, and C's
  // year is ¥310,000 — flagged exactly as reading every line flags it.
  t.match(oversized(await post('2026-04', [[c, '20000.00'], [e, '3000.00']])), [{ workerId: c.id, evidence: { rules: ['year'], yearToDateFen: 31_000_000 } }])

  // A second file for April adds to the month: its bound grows with it (a new row; the first stays).
  await post('2026-04', [[e, '1000.00']])
  t.same((await bounds()).filter((b) => b.period === '2026-04').map((b) => [b.lineCount, b.cardPeakFen]), [[2, 2_000_000], [3, 2_000_000]])
})

t.test('a month whose lines no bound covers is read line by line', async (t) => {
  const server = await startTestServer(t, { clock: { nowMs: () => Date.UTC(2026, 11, 20, 4) } })
  const { api, services } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'BOUNDS-2', workers: 2, teams: 1, seed: 3333 })
  const site = await registerSite(api, { ...plan, devices: [] })
  const P = `/api/projects/${site.projectId}`
  const [c] = plan.workers.map((w) => ({ ...w, id: site.workerIds.get(w.key)! }))
  const post = async (period: string, yuan: string, bankRef: string): Promise<FlagJson[]> => {
    const file = [HEADER, `1|${c!.cardNo}|${c!.name}|${yuan}|success|${bankRef}|${period}-28|`].join('\n')
    return (await api.request<{ reconciliation: { flags: FlagJson[] } }>('POST', `${P}/payout-files?period=${period}`, Buffer.from(file), 'text/plain')).reconciliation.flags
  }

  await post('2026-05', '250000.00', 'M1')
  // June's ¥45,000 to C as stored before bounds were kept: a file and its line, no bound.
  const fileId = newId()
  await services.db.tx(async (tx) => {
    await tx.run(insertInto(payoutFiles, [{ id: fileId, projectId: site.projectId, period: '2026-06', sha256: 'b'.repeat(64), filename: 'old', encoding: 'utf-8', lineCount: 1, successCount: 1, successFen: 4_500_000, failedCount: 0, failedFen: 0, postedBy: 'test', postedAtMs: Date.UTC(2026, 6, 1) }]))
    await tx.run(
      insertInto(payoutLines, [
        { id: newId(), fileId, projectId: site.projectId, period: '2026-06', lineNo: 2, seq: 1, payeeCard: c!.cardNo, payeeName: c!.name, amountFen: 4_500_000, status: 'success', bankRef: 'OLD1', valueDate: '2026-06-28', failureReason: null, payerAccountNo: null, endToEndId: null, reasonCode: null, returnOfEndToEndId: null, returnOfBankRef: null, uetr: null },
      ]),
    )
  })
  // July: ¥10,000. May's bound alone (¥250,000 + ¥10,000) would clear C; June has no bound, so the lines are read:
  // ¥305,000, flagged.
  t.match(
    (await post('2026-07', '10000.00', 'M2')).filter((f) => f.kind === 'OVERSIZED'),
    [{ workerId: c!.id, evidence: { rules: ['year'], yearToDateFen: 30_500_000 } }],
  )
})

t.test('the bounds are append-only', async (t) => {
  const server = await startTestServer(t)
  const { api, services } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'BOUNDS-3', workers: 1, teams: 1, seed: 4444 })
  const site = await registerSite(api, { ...plan, devices: [] })
  const w = plan.workers[0]!
  await api.request('POST', `/api/projects/${site.projectId}/payout-files?period=2026-05`, Buffer.from([HEADER, `1|${w.cardNo}|${w.name}|3000.00|success|A1|2026-05-28|`].join('\n')), 'text/plain')
  await t.rejects(services.db.run(sql`UPDATE payout_month_bounds SET card_peak_fen = 0`), /append-only/)
  await t.rejects(services.db.run(sql`DELETE FROM payout_month_bounds`), /append-only/)
})
