/**
 * The same bank file posted several times at once, on two instances of the service sharing one PostgreSQL database
 * (on SQLite, to one instance: two instances in one test process would wait on each other's file lock on the one
 * thread they share): the unique index decides, one post stores the file and every other answers as a repeat post
 * answers. A file with other bytes but the same payments, posted at the same moment, is refused for them. Manual runs
 * of one month at once each record a whole run.
 */
import t from 'tap'
import { LIMITS } from '../../src/config/limits.ts'
import { fen } from '../../src/kernel/money.ts'
import { formatPayoutFile, type PayoutFileLineInput } from '../../src/payouts/file-format.ts'
import type { Api } from '../../simulators/api.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { TEST_ENGINE } from '../helpers/database.ts'
import { startTestServer } from '../helpers/server.ts'

const MONTH = '2026-10'

interface Reply {
  status: number
  body: {
    outcome?: string
    file?: { id: string }
    reconciliation?: { run: { id: string; flagCount: number; paidFen: number }; flags: Array<{ id: string }> }
    error?: { code: string; details?: { errors?: Array<{ code: string }> } }
  }
}

t.test('the same file posted at once: one stores it, the others answer as a repeat', async (t) => {
  const first = await startTestServer(t)
  const second = TEST_ENGINE === 'postgres' ? await startTestServer(t, { config: { databaseUrl: first.services.config.databaseUrl, mqttInstance: 'second' } }) : first
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'RACE-1', workers: 3, teams: 1, seed: 501 })
  const site = await registerSite(first.api, { ...plan, devices: [] })
  const P = `/api/projects/${site.projectId}`
  const post = async (api: Api, bytes: Buffer): Promise<Reply> => {
    const res = await api.fetch(`${P}/payout-files?period=${MONTH}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: bytes })
    return { status: res.status, body: (await res.json()) as Reply['body'] }
  }
  const apis = [first.api, second.api]

  // Payments to the workers and to a card no worker owns (a flag a line), so the reply carries a full page of flags.
  const lines = (prefix: string): PayoutFileLineInput[] =>
    Array.from({ length: LIMITS.page_size_max + 100 }, (_, i) => {
      const w = plan.workers[i % plan.workers.length]!
      const stranger = i % 2 === 0
      return {
        seq: i + 1,
        payeeCard: stranger ? `62179999${String(i).padStart(11, '0')}` : w.cardNo,
        payeeName: stranger ? '某人' : w.name,
        amountFen: fen(10_000 + i),
        status: stranger ? 'failed' : 'success',
        bankRef: `${prefix}${i}`,
        valueDate: '2026-11-05',
        failureReason: stranger ? '账户冻结' : null,
      }
    })
  const bytes = formatPayoutFile(lines('R'), { encoding: 'gbk' })

  const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => post(apis[i % 2]!, bytes)))
  t.same(
    replies.map((r) => r.status).sort(),
    [200, 200, 200, 200, 200, 201],
    'one 201, the rest 200',
  )
  const stored = replies.find((r) => r.status === 201)!
  t.equal(stored.body.outcome, 'payout_file_stored')
  for (const r of replies.filter((x) => x.status === 200)) {
    t.equal(r.body.outcome, 'payout_file_exists')
    t.equal(r.body.file?.id, stored.body.file?.id, 'the stored file')
    t.same(
      r.body.reconciliation?.flags.map((f) => f.id),
      stored.body.reconciliation?.flags.map((f) => f.id),
      "the stored file's page of flags",
    )
  }
  t.equal((await first.api.get<unknown[]>(`${P}/payout-files`)).length, 1, 'stored once')

  // The same payments in two other files (other layouts of the same lines) at once: at most one is stored, and a
  // refused one names every payment.
  const again = await Promise.all([
    post(apis[0]!, formatPayoutFile(lines('S'), { encoding: 'utf-8', delimiter: ',' })),
    post(apis[1]!, formatPayoutFile(lines('S'), { encoding: 'utf-8', newline: '\n' })),
  ])
  t.same(
    again.map((r) => r.status).sort(),
    [201, 422],
  )
  const refused = again.find((r) => r.status === 422)!
  t.equal(refused.body.error?.code, 'payout_file_invalid')
  t.ok(refused.body.error?.details?.errors?.every((e) => e.code === 'bank_ref_already_posted'), 'refused for its payments, already posted')
  const kept = await first.api.get<unknown[]>(`/api/rejected-inputs?projectId=${site.projectId}&reason=payout_file_invalid`)
  t.equal(kept.length, 1, 'and kept in rejected inputs')

  const runs = await Promise.all(
    Array.from({ length: 4 }, async (_, i) => {
      const res = await apis[i % 2]!.fetch(`${P}/reconciliations/${MONTH}`, { method: 'POST' })
      return { status: res.status, body: (await res.json()) as NonNullable<Reply['body']['reconciliation']> }
    }),
  )
  t.same(
    runs.map((r) => r.status),
    [201, 201, 201, 201],
  )
  t.equal(new Set(runs.map((r) => r.body.run.id)).size, 4, 'four runs recorded')
  t.same(new Set(runs.map((r) => `${r.body.run.flagCount}/${r.body.run.paidFen}`)).size, 1, 'each saw the same month')
  const latest = await first.api.get<{ run: { flagCount: number }; flags: unknown[] }>(`${P}/flags/${MONTH}?limit=${LIMITS.page_size_max}`)
  t.equal(latest.run.flagCount, runs[0]!.body.run.flagCount)
})
