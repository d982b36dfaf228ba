/**
 * Properties of the 补发 and re-attempt amounts (src/instructions/attempts.ts topUpFen, reattemptFen) against a model
 * bank, counting what was booked with the rule the pay slip and reconciliation use (src/payouts/reconcile.ts
 * standingPayments: each payment once however many files reported it, none a return undid). Whatever the sequence —
 * bookings short or exact, the same booking reported again by another file, failures, returns (退票), re-attempts,
 * corrections raising the line, instructing the sheet again — what is booked and what is still at the bank never add
 * up to more than the line's net, so the worker is never overpaid by us; and once the bank books what it is sent, the
 * clerk reaches the net exactly. A bank that books more than it was sent leaves nothing instructable, never a negative
 * line. The pure rule itself: topUpFen = max(0, net − booked) once every payment is booked, else 0.
 */
import t from 'tap'
import fc from 'fast-check'
import { attemptState, nextAttempt, reattemptFen, topUpFen, type AttemptLine, type AttemptResult, type AttemptState } from '../../src/instructions/attempts.ts'
import { fen, sumFen } from '../../src/kernel/money.ts'
import { standingPayments, type PaidLine } from '../../src/payouts/reconcile.ts'
import { holds } from '../helpers/property.ts'

const CARD = '6222020200112233441'

type Op =
  | { kind: 'instruct' }
  /** The bank books the oldest attempt it holds: `percent` of it (100: in full), and `withOver` fen more. */
  | { kind: 'book'; percent: number; withOver: number }
  | { kind: 'fail' }
  /** The same booking reported again by another file, under the bank reference that file gives it. */
  | { kind: 'report_again'; which: number }
  /** A booked payment comes back (退票). */
  | { kind: 'return'; which: number }
  | { kind: 'retry' }
  /** A correction approved: the line nets more. */
  | { kind: 'raise'; byFen: number }

const op = (over: boolean): fc.Arbitrary<Op> =>
  fc.oneof(
    fc.constant({ kind: 'instruct' as const }),
    fc.record({ kind: fc.constant('book' as const), percent: fc.integer({ min: 1, max: 100 }), withOver: over ? fc.integer({ min: 0, max: 500_00 }) : fc.constant(0) }),
    fc.constant({ kind: 'fail' as const }),
    fc.record({ kind: fc.constant('report_again' as const), which: fc.nat(20) }),
    fc.record({ kind: fc.constant('return' as const), which: fc.nat(20) }),
    fc.constant({ kind: 'retry' as const }),
    fc.record({ kind: fc.constant('raise' as const), byFen: fc.integer({ min: 1, max: 1_000_00 }) }),
  )

/** One worker-month as the service keeps it: its instruction lines, the bank's reports, the net of each payment's first line. */
class Month {
  lines: AttemptLine[] = []
  reports: PaidLine[] = []
  /** The net of the sheet line each payment (chain) was first instructed from: the service's reattemptAmount reads the newest. */
  rootNet = new Map<string, number>()
  /** Attempts the bank holds, not answered yet. */
  out: AttemptLine[] = []
  private refs = 0

  constructor(public netFen: number) {}

  results(): AttemptResult[] {
    return this.reports.map((r) => ({ status: r.status as AttemptResult['status'], endToEndId: r.endToEndId ?? null, payeeCard: r.payeeCard, amountFen: r.amountFen }))
  }
  state(): AttemptState {
    return attemptState(this.lines, this.results())
  }
  bookedFen(): number {
    return sumFen(standingPayments(this.reports).map((p) => p.amountFen))
  }
  inFlightFen(): number {
    return this.out.reduce((n, l) => n + l.amountFen, 0)
  }
  report(l: AttemptLine, status: PaidLine['status'], amountFen: number): void {
    const n = ++this.refs
    this.reports.push({ lineId: `P${n}`, fileId: `F${n}`, lineNo: 1, payeeCard: CARD, payeeName: '工人', amountFen: fen(amountFen), status, bankRef: `REF${n}`, valueDate: '2026-11-08', failureReason: null, endToEndId: l.endToEndId })
  }
  add(amountFen: number, previous: AttemptLine | null): AttemptLine | false {
    if (!Number.isSafeInteger(amountFen) || amountFen <= 0) return false
    const attempt = this.lines.length + 1
    const l: AttemptLine = { lineId: `L${attempt}`, attempt, endToEndId: `E${attempt}`, cardNo: CARD, amountFen, previousLineId: previous?.lineId ?? null }
    this.lines.push(l)
    this.out.push(l)
    if (previous === null) this.rootNet.set(l.lineId, this.netFen)
    return l
  }
  /** The sheet's instruction: attempt 1, or the 补发 of the difference. False: it instructed something it must not. */
  instruct(): boolean {
    if (this.lines.length === 0) return this.add(this.netFen, null) !== false
    const amountFen = topUpFen(this.state(), this.netFen, this.bookedFen())
    if (amountFen < 0) return false
    return amountFen === 0 || this.add(amountFen, null) !== false
  }
  retry(): boolean {
    const next = nextAttempt(this.lines, this.results())
    if (!next.ok) return true
    const roots = this.lines.filter((l) => l.previousLineId === null)
    const newestRoot = roots.reduce((a, b) => (b.attempt > a.attempt ? b : a))
    const amountFen = reattemptFen(next.previous.amountFen, this.rootNet.get(newestRoot.lineId)!, this.bookedFen())
    if (amountFen < 0 || amountFen > next.previous.amountFen) return false
    return amountFen === 0 || this.add(amountFen, next.previous) !== false
  }
}

function run(m: Month, o: Op): boolean {
  switch (o.kind) {
    case 'instruct':
      return m.instruct()
    case 'book': {
      const l = m.out.shift()
      if (l) m.report(l, 'success', Math.max(1, Math.floor((l.amountFen * o.percent) / 100)) + o.withOver)
      return true
    }
    case 'fail': {
      const l = m.out.shift()
      if (l) m.report(l, 'failed', l.amountFen)
      return true
    }
    case 'report_again':
    case 'return': {
      const booked = m.reports.filter((r) => r.status === 'success')
      const r = booked[o.which % Math.max(1, booked.length)]
      const l = r && m.lines.find((x) => x.endToEndId === r.endToEndId)
      if (r && l) m.report(l, o.kind === 'return' ? 'returned' : 'success', r.amountFen)
      return true
    }
    case 'retry':
      return m.retry()
    case 'raise':
      m.netFen += o.byFen
      return true
  }
}

holds(
  t,
  'a bank that books no more than it is sent: booked and at the bank never exceed the net, and the net is reached',
  fc.property(fc.integer({ min: 1, max: 50_000_00 }), fc.array(op(false), { maxLength: 40 }), (netFen, ops) => {
    const m = new Month(netFen)
    for (const o of ops) {
      if (!run(m, o)) return false
      if (m.bookedFen() + m.inFlightFen() > m.netFen) return false
    }
    // Then the bank books whatever it is sent, and the clerk instructs and re-attempts until nothing changes.
    for (let round = 0; round < 100; round++) {
      const before = m.lines.length + m.out.length
      while (m.out.length > 0) run(m, { kind: 'book', percent: 100, withOver: 0 })
      if (!m.retry() || !m.instruct()) return false
      if (m.bookedFen() + m.inFlightFen() > m.netFen) return false
      if (m.lines.length + m.out.length === before && m.out.length === 0) break
    }
    return m.bookedFen() === m.netFen
  }),
)

holds(
  t,
  'a bank that books more than it is sent: no line of zero or less, and none once the booked reach the net',
  fc.property(fc.integer({ min: 1, max: 50_000_00 }), fc.array(op(true), { maxLength: 40 }), (netFen, ops) => {
    const m = new Month(netFen)
    for (const o of ops) {
      const bookedBefore = m.bookedFen()
      const linesBefore = m.lines.length
      if (!run(m, o)) return false
      const added = m.lines.slice(linesBefore)
      if (added.some((l) => l.amountFen <= 0)) return false
      if (o.kind === 'instruct' && linesBefore > 0 && bookedBefore >= m.netFen && added.length > 0) return false
    }
    return true
  }),
)

holds(
  t,
  'topUpFen: max(0, net − booked) once every payment is booked, else nothing',
  fc.property(fc.integer({ min: 0, max: 100_000_000_00 }), fc.integer({ min: 0, max: 100_000_000_00 }), (netFen, bookedFen) => {
    const line: AttemptLine = { lineId: 'L1', attempt: 1, endToEndId: 'E1', cardNo: CARD, amountFen: 1 }
    const paid = topUpFen({ kind: 'paid', line }, netFen, bookedFen)
    const others = [topUpFen({ kind: 'live', line }, netFen, bookedFen), topUpFen({ kind: 'failed', line, next: 2, exhausted: false }, netFen, bookedFen), topUpFen({ kind: 'none' }, netFen, bookedFen)]
    return paid === Math.max(0, netFen - bookedFen) && others.every((n) => n === 0)
  }),
)

t.test('the review case: 3,000.00 booked as 2,900.00 tops up 100.00; booked as 3,100.00, nothing', async (t) => {
  const line: AttemptLine = { lineId: 'L1', attempt: 1, endToEndId: 'E1', cardNo: CARD, amountFen: 3_000_00 }
  const paid = attemptState([line], [{ status: 'success', endToEndId: 'E1', payeeCard: CARD, amountFen: 2_900_00 }])
  t.match(paid, { kind: 'paid' })
  t.equal(topUpFen(paid, 3_000_00, 2_900_00), 100_00)
  t.equal(topUpFen(paid, 3_000_00, 3_100_00), 0)
  t.equal(reattemptFen(3_000_00, 3_000_00, 100_00), 2_900_00, 'a re-attempt after the 100.00 top-up stands: 2,900.00')
  t.equal(reattemptFen(3_000_00, 3_000_00, 0), 3_000_00, 'nothing booked: the failed amount')
  t.throws(() => topUpFen(paid, 3_000_00, -1), RangeError, 'a negative booking is a caller fault')
})
