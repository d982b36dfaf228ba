/**
 * Properties of statements posted to the real service (the run's database engine): overlapping statements posted in
 * any order, any of them more than once, give the balance of each line once; posting everything again changes nothing.
 */
import fc from 'fast-check'
import t from 'tap'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { startTestServer } from '../helpers/server.ts'
import { camt } from './fixtures/camt-cny.ts'

/** Each run's project has its own dedicated account: one account is one project's. */
const accountOf = (run: number): string => `1904510104${String(run).padStart(7, '0')}`

interface Line {
  ref: string
  fen: number
  credit: boolean
  day: number
}

const pool = fc.uniqueArray(fc.record({ ref: fc.stringMatching(/^[A-Z]{2}\d{3}$/), fen: fc.integer({ min: 1, max: 10_000_000 }), credit: fc.boolean(), day: fc.integer({ min: 1, max: 28 }) }), {
  minLength: 1,
  maxLength: 8,
  selector: (l) => l.ref,
})

const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`
const file = (account: string, lines: Line[], kind: '053' | '054', version: '02' | '08'): Buffer =>
  Buffer.from(
    camt({
      kind,
      version,
      account,
      entries: lines.map((l) => ({ ref: l.ref, amount: yuan(l.fen), cd: l.credit ? 'CRDT' : 'DBIT', booking: `2026-02-${String(l.day).padStart(2, '0')}`, counterpartyAccount: '330100001111', counterpartyName: '城投' })),
    }),
  )

t.test('any order and repetition of overlapping statements: each line once', async (t) => {
  const server = await startTestServer(t)
  const { api, services } = server
  let run = 0
  await fc.assert(
    fc.asyncProperty(
      pool.chain((lines) =>
        fc.tuple(
          fc.constant(lines),
          fc.array(fc.tuple(fc.subarray(lines, { minLength: 1 }), fc.constantFrom('053' as const, '054' as const), fc.constantFrom('02' as const, '08' as const)), { minLength: 1, maxLength: 4 }),
          fc.array(fc.nat(), { maxLength: 3 }),
        ),
      ),
      async ([, statements, repeats]) => {
        run++
        const plan = planSite({ ...DEFAULT_SITE, siteCode: `PROP-${run}`, workers: 0, teams: 1, seed: run })
        const { projectId } = await registerSite(api, { ...plan, devices: [] })
        await services.account.registerAccount(projectId, { bank: '农行', bankCode: '103331000011', accountNo: accountOf(run), accountName: '专用账户', openedOn: '2026-01-01', openingFen: 5_000, reason: 'r' }, 'test', async () => true)
        const files = statements.map(([subset, kind, version]) => file(accountOf(run), subset, kind, version))
        const order = [...files, ...repeats.map((i) => files[i % files.length]!)]
        for (const bytes of order) await services.account.postStatement({ projectId, bytes, filename: null, postedBy: 'test' })
        const posted = new Map(statements.flatMap(([subset]) => subset).map((l) => [l.ref, l]))
        const expected = [...posted.values()].reduce((s, l) => (l.credit ? s + BigInt(l.fen) : s - BigInt(l.fen)), 5_000n)
        const before = await services.account.position(projectId, '2026-12-31')
        if (BigInt(before.balanceFen) !== expected || before.movements.length !== posted.size) return false
        // Everything again, in reverse: every file is one already held.
        for (const bytes of [...order].reverse()) {
          const again = await services.account.postStatement({ projectId, bytes, filename: null, postedBy: 'test' })
          if (again.outcome !== 'statement_exists') return false
        }
        const after = await services.account.position(projectId, '2026-12-31')
        const statementsHeld = new Set(files.map((f) => f.toString('base64'))).size
        return after.balanceFen === before.balanceFen && after.movements.length === posted.size && (await services.account.statements(projectId)).length === statementsHeld
      },
    ),
    { numRuns: 8 },
  )
  t.pass('balance is each line once, whatever the order; re-posting changes nothing')
})
