/**
 * No payout file, whatever amounts it holds, makes a later request answer 5xx.
 * Over the real service (HTTP, the run's database engine, punches through the embedded
 * broker): random valid files — amounts up to and including the per-line
 * maximum, payees enrolled here, elsewhere or nowhere, either status, any value
 * date, any layout and encoding — posted in random order into a few projects
 * and months, some with a line one fen over the maximum. Every post and every
 * read of the month that follows (reconciliation, flags, summary, payroll)
 * answers below 500, and the month's paid figures add up to exactly the
 * successful lines stored.
 *
 * Runs PAYOUT_PROPERTY_RUNS (or FC_RUNS) sequences; npm test runs a few tens.
 */
import fc from 'fast-check'
import t from 'tap'
import { LIMITS } from '../../src/config/limits.ts'
import { fen } from '../../src/kernel/money.ts'
import { formatPayoutFile, type PayoutFileLineInput } from '../../src/payouts/file-format.ts'
import { DEFAULT_SITE, planSite, publishFrames, registerSite, simulateMonth, type SitePlan } from '../../simulators/site.ts'
import { startTestServer } from '../helpers/server.ts'

const RUNS = Number(process.env.PAYOUT_PROPERTY_RUNS ?? process.env.FC_RUNS ?? 25)
const MONTHS = ['2026-10', '2026-11'] as const
const CONTENT_TYPES = ['text/plain', 'text/csv', 'application/octet-stream', 'text/plain; charset=gbk'] as const
const MAX = LIMITS.payout_line_amount_fen_max

type Payee = { kind: 'own' | 'other_project'; worker: number; rightName: boolean } | { kind: 'stranger'; card: string }

interface LineSpec {
  payee: Payee
  amountFen: number
  status: 'success' | 'failed'
  valueDate: string
  failureReason: string | null
}

interface FileSpec {
  project: 0 | 1
  month: 0 | 1
  lines: LineSpec[]
  /** Pushes one line one fen over the per-line maximum: the file must be refused and kept, the month unchanged. */
  over: boolean
  layout: { encoding: 'utf-8' | 'gbk'; delimiter: '|' | ','; withTotals: boolean; chineseHeader: boolean; newline: '\n' | '\r\n' }
  contentType: (typeof CONTENT_TYPES)[number]
}

const amount = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: MAX }) },
  { weight: 2, arbitrary: fc.constant(MAX) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 2_000_000 }) },
  { weight: 1, arbitrary: fc.constant(1) },
)
const payee: fc.Arbitrary<Payee> = fc.oneof(
  fc.record({ kind: fc.constantFrom('own' as const, 'other_project' as const), worker: fc.nat(), rightName: fc.boolean() }),
  fc.record({ kind: fc.constant('stranger' as const), card: fc.integer({ min: 12, max: 19 }).chain((n) => fc.stringMatching(new RegExp(`^9\\d{${n - 1}}$`))) }),
)
const valueDate = fc.integer({ min: 0, max: 91 }).map((d) => new Date(Date.UTC(2026, 9, 1) + d * 86_400_000).toISOString().slice(0, 10))
const lineSpec: fc.Arbitrary<LineSpec> = fc.record({
  payee,
  amountFen: amount,
  status: fc.constantFrom('success' as const, 'failed' as const),
  valueDate,
  failureReason: fc.option(fc.constantFrom('户名不符', '账户已冻结', 'account closed'), { nil: null }),
})
const fileSpec: fc.Arbitrary<FileSpec> = fc.record({
  project: fc.constantFrom(0 as const, 1 as const),
  month: fc.constantFrom(0 as const, 1 as const),
  lines: fc.array(lineSpec, { minLength: 1, maxLength: 6 }),
  over: fc.nat({ max: 5 }).map((n) => n === 0),
  layout: fc.record({
    encoding: fc.constantFrom('utf-8' as const, 'gbk' as const),
    delimiter: fc.constantFrom('|' as const, ',' as const),
    withTotals: fc.boolean(),
    chineseHeader: fc.boolean(),
    newline: fc.constantFrom('\n' as const, '\r\n' as const),
  }),
  contentType: fc.constantFrom(...CONTENT_TYPES),
})

t.test('random valid files in random order never make the service answer 5xx', async (t) => {
  const server = await startTestServer(t)
  const { api } = server
  const plans: SitePlan[] = [
    planSite({ ...DEFAULT_SITE, siteCode: 'PROP-A', workers: 6, teams: 2, seed: 401 }),
    planSite({ ...DEFAULT_SITE, siteCode: 'PROP-B', workers: 3, teams: 1, seed: 402 }),
  ]
  const projectA = await registerSite(api, plans[0]!)
  const projectB = await registerSite(api, { ...plans[1]!, devices: [] })
  const projects = [projectA.projectId, projectB.projectId]
  // Project A has a month of attendance, so its October is due as well as paid: every flag kind can arise.
  const attendance = simulateMonth(plans[0]!)
  await publishFrames(server.mqttUrl, attendance.frames, { secrets: projectA.secrets })

  /** Successful fen stored per project and month: what the month's paid figures must add up to. */
  const stored = new Map<string, number>()
  let bankRef = 0
  let posted = 0
  let refused = 0
  const expectBelow500 = (what: string, status: number, body: string): void => {
    if (status >= 500) throw new Error(`${what} answered ${status}: ${body.slice(0, 500)}`)
  }
  const request = async (method: string, path: string, body?: Buffer, contentType?: string): Promise<{ status: number; text: string }> => {
    const res = await server.api.fetch(path, { method, headers: contentType ? { 'content-type': contentType } : {}, body })
    const text = await res.text()
    expectBelow500(`${method} ${path}`, res.status, text)
    return { status: res.status, text }
  }

  await fc.assert(
    fc.asyncProperty(fc.array(fileSpec, { minLength: 1, maxLength: 4 }), async (files) => {
      const touched = new Set<string>()
      for (const f of files) {
        const own = plans[f.project]!.workers
        const other = plans[1 - f.project]!.workers
        const lines: PayoutFileLineInput[] = f.lines.map((l, i) => {
          let card: string
          let name = '包工头'
          if (l.payee.kind === 'stranger') card = l.payee.card
          else {
            const pool = l.payee.kind === 'own' ? own : other
            const who = pool[l.payee.worker % pool.length]!
            card = who.cardNo
            if (l.payee.rightName) name = who.name
          }
          const amountFen = f.over && i === 0 ? MAX + 1 : l.amountFen
          return { seq: i + 1, payeeCard: card, payeeName: name, amountFen: fen(amountFen), status: l.status, bankRef: `P${++bankRef}`, valueDate: l.valueDate, failureReason: l.status === 'failed' ? l.failureReason : null }
        })
        const projectId = projects[f.project]!
        const month = MONTHS[f.month]
        const bytes = formatPayoutFile(lines, f.layout)
        const r = await request('POST', `/api/projects/${projectId}/payout-files?period=${month}&filename=f${bankRef}.txt`, bytes, f.contentType)
        const code = (JSON.parse(r.text) as { error?: { code: string } }).error?.code
        if (f.over) {
          if (r.status !== 422 || !r.text.includes('amount_too_large')) throw new Error(`a line over the maximum answered ${r.status} ${r.text.slice(0, 300)}`)
          refused++
        } else {
          if (r.status !== 201) throw new Error(`a valid file answered ${r.status} ${code ?? ''} ${r.text.slice(0, 300)}`)
          posted++
          const key = `${projectId}/${month}`
          stored.set(key, (stored.get(key) ?? 0) + lines.filter((l) => l.status === 'success').reduce((s, l) => s + l.amountFen, 0))
        }
        touched.add(`${f.project}/${f.month}`)
      }
      for (const pm of touched) {
        const [p, m] = pm.split('/').map(Number) as [number, number]
        const projectId = projects[p]!
        const month = MONTHS[m as 0 | 1]
        const base = `/api/projects/${projectId}`
        const run = JSON.parse((await request('POST', `${base}/reconciliations/${month}`)).text) as { run: { paidFen: number; unknownPaidFen: number } }
        const expected = stored.get(`${projectId}/${month}`) ?? 0
        if (run.run.paidFen + run.run.unknownPaidFen !== expected) {
          throw new Error(`${pm}: paid ${run.run.paidFen} + to unknown cards ${run.run.unknownPaidFen} ≠ ${expected} fen stored as successful`)
        }
        await request('GET', `${base}/flags/${month}`)
        const summary = JSON.parse((await request('GET', `${base}/summary/${month}`)).text) as { paidFen: number }
        if (summary.paidFen !== run.run.paidFen) throw new Error(`${pm}: summary says paid ${summary.paidFen}, the reconciliation ${run.run.paidFen}`)
        await request('GET', `${base}/payroll/${month}`)
        await request('GET', `${base}/payout-files`)
      }
    }),
    { numRuns: RUNS },
  )
  t.ok(posted > 0 && refused > 0, `${RUNS} sequences: ${posted} files stored, ${refused} with a line over the maximum refused and kept`)
})
