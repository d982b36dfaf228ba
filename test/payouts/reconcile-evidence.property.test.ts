/**
 * What counts as paid (issue 11), as properties: the month is a function of the set of reports, not their order; a
 * payment reported one to three times, in any mix of formats' shapes, counts once; a return after success reopens
 * exactly one worker's shortfall and raises exactly one RETURNED; a pending report added to a booked payment changes
 * nothing.
 */
import { deepStrictEqual, equal } from 'node:assert/strict'
import fc from 'fast-check'
import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { reconcile, type CardOwner, type DueLine, type PaidLine, type ReconcileInput, type Reconciliation } from '../../src/payouts/reconcile.ts'
import { holds } from '../helpers/property.ts'

const PAY_DATE = '2024-03-15'
const NAMES = ['张伟', '李娜', '王芳', '欧阳娜娜']
const DATES = ['2024-03-01', '2024-03-10', '2024-03-14', PAY_DATE, '2024-03-16', '2024-03-25']
const AS_OF = ['2024-03-15', '2024-03-20', '2024-04-10']
const workerCard = (i: number): string => `622202${String(i).padStart(10, '0')}`
const strangerCard = (k: number): string => `621799${String(k).padStart(10, '0')}`
const workerId = (i: number): string => `w${String(i).padStart(2, '0')}`

/**
 * What each format's report of one payment looks like once stored: a pain.002 names no card or payee of its own (the
 * ledger fills them from our instruction line) and may give no date; a camt.054 entry may name no creditor (empty
 * name); a 代发 result names card and name, with its own 流水号. Each has its own bank reference.
 */
type Shape = 'pain.002' | 'camt.054' | 'cmb'
const SHAPES: readonly Shape[] = ['pain.002', 'camt.054', 'cmb']

interface Report {
  shape: Shape
  status: 'success' | 'failed' | 'pending'
  valueDate: string
  noName: boolean
}

interface PaymentSpec {
  /** Index into the month's cards (workers' first, then strangers'). */
  card: number
  amountFen: number
  withE2e: boolean
  reports: Report[]
}

interface World {
  workers: Array<{ name: string; dueFen: number }>
  strangers: number
}

const worldArb: fc.Arbitrary<World> = fc.record({
  workers: fc.array(fc.record({ name: fc.constantFrom(...NAMES), dueFen: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 })) }), { minLength: 1, maxLength: 6 }),
  strangers: fc.integer({ min: 0, max: 2 }),
})

const reportArb = (statuses: ReadonlyArray<Report['status']>): fc.Arbitrary<Report> =>
  fc.record({ shape: fc.constantFrom(...SHAPES), status: fc.constantFrom(...statuses), valueDate: fc.constantFrom(...DATES), noName: fc.boolean() })

const cardsOf = (world: World): string[] => [...world.workers.map((_, i) => workerCard(i)), ...Array.from({ length: world.strangers }, (_, k) => strangerCard(k))]

function ownersOf(world: World): Map<string, CardOwner> {
  return new Map(world.workers.map((w, i) => [workerCard(i), { workerId: workerId(i), workerName: w.name }]))
}

function dueOf(world: World): DueLine[] {
  return world.workers.map((w, i) => ({ workerId: workerId(i), workerName: w.name, cardNo: workerCard(i), dueFen: fen(w.dueFen), daysPresent: 20 }))
}

/** The stored lines of every report of every payment; line ids and references as the ledger would give them. */
function linesOf(world: World, payments: readonly PaymentSpec[]): PaidLine[] {
  const cards = cardsOf(world)
  const owners = ownersOf(world)
  const lines: PaidLine[] = []
  payments.forEach((p, k) => {
    const card = cards[p.card % cards.length] ?? strangerCard(9)
    const name = owners.get(card)?.workerName ?? '刘老板'
    p.reports.forEach((r, j) => {
      const n = lines.length
      lines.push({
        lineId: `L${String(n).padStart(4, '0')}`,
        fileId: `F-${r.shape}-${j}`,
        lineNo: k + 2,
        payeeCard: card,
        payeeName: r.noName && r.shape === 'camt.054' ? '' : name,
        amountFen: fen(p.amountFen),
        status: r.status,
        bankRef: `${r.shape}:${k}:${j}`,
        valueDate: r.valueDate,
        failureReason: r.status === 'failed' ? 'AC04 账户已销户' : null,
        // Without an EndToEndId each report is a payment of its own: only a payment with one is reported several times.
        endToEndId: p.withE2e ? `E2E-${k}` : null,
      })
    })
  })
  return lines
}

function input(world: World, payouts: PaidLine[], asOf: string): ReconcileInput {
  return { period: '2024-02', payDate: PAY_DATE, due: dueOf(world), payouts, cardOwners: ownersOf(world), asOf }
}

/** What a month says about money and people, leaving out which reports the evidence lists. */
function figures(r: Reconciliation): unknown {
  return {
    totals: r.totals,
    perWorker: r.perWorker,
    flags: r.flags.map((f) => [f.kind, f.workerId, f.payeeCard, f.dueFen, f.paidFen]),
  }
}

const params = { numRuns: 300 }

// A month of anything: payments reported 1–3 times in any statuses, some without EndToEndId, and returns naming a
// payment by EndToEndId or bank reference, or naming nothing on file.
const monthArb = worldArb.chain((world) =>
  fc.tuple(
    fc.constant(world),
    fc.array(
      fc.record({
        card: fc.nat({ max: 20 }),
        amountFen: fc.integer({ min: 1, max: 1_000_000 }),
        withE2e: fc.boolean(),
        reports: fc.array(reportArb(['success', 'success', 'failed', 'pending']), { minLength: 1, maxLength: 3 }),
      }),
      { maxLength: 12 },
    ),
    fc.array(fc.record({ target: fc.nat({ max: 15 }), by: fc.constantFrom('e2e' as const, 'ref' as const, 'none' as const), valueDate: fc.constantFrom(...DATES) }), { maxLength: 4 }),
    fc.constantFrom(...AS_OF),
  ),
)

function withReturns(world: World, payments: readonly PaymentSpec[], returns: ReadonlyArray<{ target: number; by: 'e2e' | 'ref' | 'none'; valueDate: string }>): PaidLine[] {
  const lines = linesOf(world, payments)
  returns.forEach((r, i) => {
    const original = lines.length === 0 ? undefined : lines[r.target % lines.length]
    const id = `R${String(i).padStart(3, '0')}`
    lines.push({
      lineId: id,
      fileId: 'F-return',
      lineNo: i + 2,
      payeeCard: original?.payeeCard ?? strangerCard(8),
      payeeName: original?.payeeName ?? '刘老板',
      amountFen: original?.amountFen ?? fen(100),
      status: 'returned',
      bankRef: `${id}/RTN`,
      valueDate: r.valueDate,
      failureReason: 'AC04 账户已销户',
      endToEndId: null,
      returnOf:
        r.by === 'e2e' ? { endToEndId: original?.endToEndId ?? 'E2E-NONE', bankRef: null } : r.by === 'ref' ? { endToEndId: null, bankRef: original?.bankRef ?? 'NONE' } : { endToEndId: 'E2E-NONE', bankRef: 'NONE' },
    })
  })
  return lines
}

t.test('(a) any permutation of the lines gives the same flags and sums', async (t) => {
  holds(
    t,
    'order-independent',
    fc.property(
      monthArb.chain(([world, payments, returns, asOf]) => {
        const lines = withReturns(world, payments, returns)
        return fc.tuple(fc.constant(input(world, lines, asOf)), fc.shuffledSubarray(lines, { minLength: lines.length, maxLength: lines.length }))
      }),
      ([month, shuffled]) => {
        deepStrictEqual(reconcile({ ...month, payouts: shuffled }), reconcile(month))
      },
    ),
    params,
  )
})

t.test('(b) the same payment reported 1–3 times in any mix of formats counts once', async (t) => {
  holds(
    t,
    'counted once',
    fc.property(
      worldArb.chain((world) =>
        fc.tuple(
          fc.constant(world),
          fc.array(
            fc.record({
              card: fc.nat({ max: 20 }),
              amountFen: fc.integer({ min: 1, max: 1_000_000 }),
              first: reportArb(['success']),
              // Further reports: later or same-day successes (what a camt BOOK or 代发 result adds), failures and pending of any day.
              more: fc.array(fc.record({ report: reportArb(['success', 'failed', 'pending']), shift: fc.nat({ max: 3 }) }), { maxLength: 2 }),
            }),
            { maxLength: 10 },
          ),
          fc.constantFrom(...AS_OF),
        ),
      ),
      ([world, specs, asOf]) => {
        const once: PaymentSpec[] = specs.map((s) => ({ card: s.card, amountFen: s.amountFen, withE2e: true, reports: [{ ...s.first, noName: false }] }))
        const many: PaymentSpec[] = specs.map((s) => ({
          card: s.card,
          amountFen: s.amountFen,
          withE2e: true,
          reports: [
            { ...s.first, noName: false },
            ...s.more.map(({ report, shift }) => {
              if (report.status !== 'success') return report
              const at = DATES.indexOf(s.first.valueDate)
              return { ...report, valueDate: DATES[Math.min(DATES.length - 1, at + shift)] ?? s.first.valueDate }
            }),
          ],
        }))
        const a = reconcile(input(world, linesOf(world, once), asOf))
        const b = reconcile(input(world, linesOf(world, many), asOf))
        deepStrictEqual(figures(b), figures(a))
        equal(b.totals.paidFen + b.totals.unknownPaidFen, specs.reduce((sum, s) => sum + s.amountFen, 0))
      },
    ),
    params,
  )
})

t.test('(c) a return after success reopens exactly one worker’s shortfall and raises exactly one RETURNED', async (t) => {
  holds(
    t,
    'one reopened, one RETURNED',
    fc.property(
      fc
        .array(fc.record({ name: fc.constantFrom(...NAMES), parts: fc.array(fc.integer({ min: 1, max: 500_000 }), { minLength: 1, maxLength: 2 }) }), { minLength: 1, maxLength: 6 })
        .chain((workers) =>
          fc.tuple(
            fc.constant(workers),
            fc.nat({ max: workers.length - 1 }),
            fc.nat({ max: 1 }),
            fc.constantFrom('e2e' as const, 'ref' as const),
            fc.integer({ min: 1, max: 2 }),
            fc.constantFrom('pain.002', 'camt.054'),
          ),
        ),
      ([workers, who, part, by, times, named]) => {
        // Everyone paid in full, on time, in one or two payments, each reported by a pain.002 and a camt.054.
        const world: World = { workers: workers.map((w) => ({ name: w.name, dueFen: w.parts.reduce((s, p) => s + p, 0) })), strangers: 0 }
        const payments: PaymentSpec[] = workers.flatMap((w, i) =>
          w.parts.map((amountFen) => ({
            card: i,
            amountFen,
            withE2e: true,
            reports: [
              { shape: 'pain.002' as const, status: 'success' as const, valueDate: '2024-03-14', noName: false },
              { shape: 'camt.054' as const, status: 'success' as const, valueDate: PAY_DATE, noName: true },
            ],
          })),
        )
        const lines = linesOf(world, payments)
        const before = reconcile(input(world, lines, PAY_DATE))
        deepStrictEqual(before.flags, [])
        const target = workers[who] as { parts: number[] }
        const k = workers.slice(0, who).reduce((n, w) => n + w.parts.length, 0) + Math.min(part, target.parts.length - 1)
        const original = lines.find((l) => l.endToEndId === `E2E-${k}` && l.bankRef.startsWith(named)) as PaidLine
        const back: PaidLine[] = Array.from({ length: times }, (_, j) => ({
          ...original,
          lineId: `R${j}`,
          fileId: `F-return-${j}`,
          status: 'returned',
          bankRef: `RTN-${j}`,
          valueDate: '2024-03-20',
          endToEndId: by === 'e2e' ? original.endToEndId : null,
          returnOf: by === 'e2e' ? { endToEndId: original.endToEndId ?? null, bankRef: null } : { endToEndId: null, bankRef: original.bankRef },
        }))
        const after = reconcile(input(world, [...lines, ...back], PAY_DATE))
        const returned = after.flags.filter((f) => f.kind === 'RETURNED')
        equal(returned.length, 1)
        equal(returned[0]?.workerId, workerId(who))
        const reopened = after.flags.filter((f) => f.kind === 'UNPAID' || f.kind === 'SHORTFALL')
        equal(reopened.length, 1)
        equal(reopened[0]?.workerId, workerId(who))
        equal(after.totals.shortFen, original.amountFen)
        equal(after.totals.paidFen, before.totals.paidFen - original.amountFen)
        equal(after.flags.length, 2)
      },
    ),
    params,
  )
})

t.test('(d) adding a pending report to a booked payment changes nothing', async (t) => {
  holds(
    t,
    'pending after booking is nothing',
    fc.property(
      monthArb.chain(([world, payments, returns, asOf]) =>
        fc.tuple(fc.constant(world), fc.constant(payments), fc.constant(returns), fc.constant(asOf), fc.nat(), reportArb(['pending'])),
      ),
      ([world, payments, returns, asOf, pick, pending]) => {
        const lines = withReturns(world, payments, returns)
        const booked = lines.filter((l) => l.status === 'success' && l.endToEndId !== null)
        const report = booked[pick % Math.max(1, booked.length)]
        if (report === undefined) return
        const more: PaidLine = { ...report, lineId: 'L-pending', fileId: `F-${pending.shape}-late`, bankRef: `${pending.shape}:late`, status: 'pending', valueDate: pending.valueDate }
        deepStrictEqual(figures(reconcile(input(world, [...lines, more], asOf))), figures(reconcile(input(world, lines, asOf))))
      },
    ),
    params,
  )
})
