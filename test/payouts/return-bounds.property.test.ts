/**
 * A return (退票) cannot bring back more than was paid (return-bounds.ts), as a property: whatever the payments, the
 * returns naming them (by EndToEndId or by the bank's reference, some naming nothing on file), and the order and
 * grouping of the files that carry them, a file is refused exactly when it would leave some booked payment with a
 * return larger than it paid, and the files stored never do. Each return is bounded on its own: the same return
 * reported through two channels is two returns of one payment, undone once. (Found by review: a return of 9999.00 against a payment of 9660.00
 * was stored.)
 */
import fc from 'fast-check'
import t from 'tap'
import { fen, type Fen } from '../../src/kernel/money.ts'
import type { PaidLine } from '../../src/payouts/reconcile.ts'
import { returnsBeyondPaid } from '../../src/payouts/return-bounds.ts'
import { holds } from '../helpers/property.ts'

interface World {
  paidFen: number[]
  returns: Array<{ payment: number; amountFen: number; byRef: boolean }>
}

const worldArb: fc.Arbitrary<World> = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc.record({
    paidFen: fc.array(fc.integer({ min: 1, max: 1_000_000_00 }), { minLength: n, maxLength: n }),
    // payment n: a return naming no payment on file.
    returns: fc.array(fc.record({ payment: fc.integer({ min: 0, max: n }), amountFen: fc.integer({ min: 1, max: 1_200_000_00 }), byRef: fc.boolean() }), { maxLength: 8 }),
  }),
)

const CARD = '6217001540000000001'

function linesOf(world: World): PaidLine[] {
  const base = { payeeCard: CARD, payeeName: '张伟', failureReason: null, fileId: 'f' }
  const payments: PaidLine[] = world.paidFen.map((amount, k) => ({
    ...base,
    lineId: `p${k}`,
    lineNo: k + 1,
    amountFen: fen(amount),
    status: 'success',
    bankRef: `BK-${k}`,
    valueDate: '2026-11-09',
    endToEndId: `E2E-${k}`,
  }))
  const returns: PaidLine[] = world.returns.map((r, i) => ({
    ...base,
    lineId: `r${i}`,
    lineNo: 100 + i,
    amountFen: fen(r.amountFen),
    status: 'returned',
    bankRef: `RT-${i}`,
    valueDate: '2026-11-12',
    endToEndId: null,
    returnOf: r.byRef ? { endToEndId: null, bankRef: `BK-${r.payment}` } : { endToEndId: `E2E-${r.payment}`, bankRef: null },
  }))
  return [...payments, ...returns]
}

/** Each booked payment's largest return over `lines`, by payment index, beside what it paid. */
function returnedOf(world: World, lines: readonly PaidLine[]): Array<{ paid: Fen; largest: number; booked: boolean }> {
  const ids = new Set(lines.map((l) => l.lineId))
  return world.paidFen.map((paid, k) => ({
    paid: fen(paid),
    booked: ids.has(`p${k}`),
    largest: world.returns.reduce((max, r, i) => (r.payment === k && ids.has(`r${i}`) ? Math.max(max, r.amountFen) : max), 0),
  }))
}

t.test('one file: refused exactly when a payment it touches would have a return larger than it paid', (t) => {
  holds(
    t,
    'refused ⇔ some payment touched by the file has a return over its amount; every fault a line of the file, over the bound',
    fc.property(worldArb, fc.infiniteStream(fc.boolean()), (world, inFile) => {
      const lines = linesOf(world)
      const added = lines.filter(() => inFile.next().value as boolean)
      const stored = lines.filter((l) => !added.includes(l))
      const faults = returnsBeyondPaid(stored, added)
      const addedIds = new Set(added.map((l) => l.lineId))
      const over = world.paidFen.some((paid, k) => {
        const payment = addedIds.has(`p${k}`)
        // The file's own returns of the payment, or (the file books it) any return held before.
        return world.returns.some((r, i) => r.payment === k && r.amountFen > paid && (addedIds.has(`r${i}`) || payment))
      })
      if (over !== faults.length > 0) return false
      return faults.every((f) => addedIds.has(f.line.lineId) && f.returnedFen > f.paidFen)
    }),
    { numRuns: 500 },
  )
  t.end()
})

t.test('files posted one after another: what is stored never holds a return larger than its payment', (t) => {
  holds(
    t,
    'every booked payment stored has each return at most its amount, whatever the order of files',
    // Each line goes to one of four files, posted in that order: returns come before, with or after their payment.
    fc.property(worldArb, fc.infiniteStream(fc.integer({ min: 0, max: 3 })), (world, fileOf) => {
      const files: PaidLine[][] = [[], [], [], []]
      for (const l of linesOf(world)) files[fileOf.next().value as number]!.push(l)
      let stored: PaidLine[] = []
      for (const file of files) if (returnsBeyondPaid(stored, file).length === 0) stored = [...stored, ...file]
      return returnedOf(world, stored).every((p) => !p.booked || p.largest <= p.paid)
    }),
    { numRuns: 500 },
  )
  t.end()
})

t.test('the review case: 9999.00 back for a payment of 9660.00 is refused; a return less charges, and the same return reported twice, are not', (t) => {
  const world: World = { paidFen: [966_000], returns: [] }
  const [payment] = linesOf(world)
  const back = (i: number, amountFen: number): PaidLine => linesOf({ paidFen: [966_000], returns: Array.from({ length: i + 1 }, () => ({ payment: 0, amountFen, byRef: false })) }).at(-1)!
  t.match(returnsBeyondPaid([payment!], [back(0, 999_900)]), [{ line: { lineId: 'r0' }, paidFen: 966_000, returnedFen: 999_900, paymentId: 'E2E-0' }])
  t.same(returnsBeyondPaid([payment!], [back(0, 964_500)]), [], '9645.00 back (less 15.00 charges) is stored')
  t.same(returnsBeyondPaid([payment!, back(0, 966_000)], [back(1, 966_000)]), [], 'returned in full, reported again through another channel: stored (undone once)')
  t.match(returnsBeyondPaid([back(0, 999_900)], [payment!]), [{ line: { lineId: 'p0' }, returnedFen: 999_900 }], 'the return first: the payment that books less than came back is refused')
  t.same(returnsBeyondPaid([], [back(0, 999_900)]), [], 'a return naming no payment on file has nothing to bound it')
  t.end()
})
