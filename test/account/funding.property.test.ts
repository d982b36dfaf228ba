/**
 * Properties of the dedicated account's arithmetic: the balance depends only on which statement lines exist, not on
 * the order they are read in nor on how many overlapping statements show each one (checked against an independent
 * BigInt sum), and a period's funding that arrives in parts clears FUNDING_LATE exactly when the parts reach its
 * amount, whatever else the account receives meanwhile.
 */
import fc from 'fast-check'
import t from 'tap'
import { holds } from '../helpers/property.ts'
import { fen } from '../../src/kernel/money.ts'
import { addDays } from '../../src/kernel/time.ts'
import { accountBalance, fundingLate, type AccountMovement, type FundingSchedule } from '../../src/account/funding.ts'

const FUNDER = '1202020109900012345'
const START = '2026-03-01'
/** Days the generated lines spread over. */
const SPAN_DAYS = 40

/** Up to ¥1,000,000 a line, in fen. */
const amountArb = fc.integer({ min: 1, max: 100_000_000 })

interface Ledger {
  openingFen: number
  /** Each line once: originals, then reversals of some of them. */
  lines: AccountMovement[]
}

/** Lines with unique references; some originals reversed on the same day or later, in the opposite direction. */
const ledgerArb: fc.Arbitrary<Ledger> = fc
  .record({
    openingFen: fc.integer({ min: 0, max: 1_000_000_000 }),
    originals: fc.array(
      fc.record({ credit: fc.boolean(), amountFen: amountArb, day: fc.integer({ min: 0, max: SPAN_DAYS }), fromFunder: fc.boolean() }),
      { minLength: 0, maxLength: 25 },
    ),
    reversals: fc.array(fc.record({ pick: fc.nat(), delayDays: fc.integer({ min: 0, max: 10 }) }), { maxLength: 5 }),
  })
  .map(({ openingFen, originals, reversals }) => {
    const lines: AccountMovement[] = originals.map((o, i) => ({
      bankRef: `R${i}`,
      bookingDate: addDays(START, o.day),
      valueDate: addDays(START, o.day),
      direction: o.credit ? 'credit' : 'debit',
      amountFen: fen(o.amountFen),
      counterpartyAccountNo: o.fromFunder ? FUNDER : '6222021234567890123',
      counterpartyName: o.fromFunder ? '某房地产开发有限公司' : '张三',
    }))
    const reversed = new Set<number>()
    for (const r of reversals) {
      if (lines.length === 0) break
      const i = r.pick % originals.length
      if (reversed.has(i)) continue
      reversed.add(i)
      const o = lines[i]!
      const day = addDays(o.bookingDate, r.delayDays)
      lines.push({
        ...o,
        bankRef: `V${i}`,
        bookingDate: day,
        valueDate: day,
        direction: o.direction === 'credit' ? 'debit' : 'credit',
        reversalOf: o.bankRef,
      })
    }
    return { openingFen, lines }
  })

/**
 * The lines as overlapping statements deliver them: every line in at least one statement, some in several, each
 * statement possibly naming the counterparty differently (formats truncate names), all read in any order.
 */
function deliveredArb(ledger: Ledger): fc.Arbitrary<AccountMovement[]> {
  const n = ledger.lines.length
  return fc
    .record({
      extra: fc.array(fc.record({ i: fc.nat(), truncate: fc.boolean() }), { maxLength: 2 * n + 2 }),
    })
    .chain(({ extra }) => {
      const copies = n === 0 ? [] : extra.map(({ i, truncate }) => {
        const line = ledger.lines[i % n]!
        return truncate ? { ...line, counterpartyName: line.counterpartyName.slice(0, 2) } : { ...line }
      })
      return fc.shuffledSubarray([...ledger.lines, ...copies], { minLength: n + copies.length, maxLength: n + copies.length })
    })
}

/** The balance by an independent route: BigInt over each line once. */
function expectedBalance(ledger: Ledger, asOf: string): bigint {
  let total = BigInt(ledger.openingFen)
  for (const m of ledger.lines) if (m.bookingDate <= asOf) total += m.direction === 'credit' ? BigInt(m.amountFen) : -BigInt(m.amountFen)
  return total
}

const asOfArb = fc.integer({ min: -1, max: SPAN_DAYS + 12 }).map((d) => addDays(START, d))

t.test('the balance does not depend on the order or the repetition of statement lines', async (t) => {
  holds(
    t,
    'any order and any duplication give the balance of each line once',
    fc.property(
      ledgerArb.chain((ledger) => fc.tuple(fc.constant(ledger), deliveredArb(ledger), deliveredArb(ledger), asOfArb)),
      ([ledger, once, twice, asOf]) => {
        const a = accountBalance(fen(ledger.openingFen), once, asOf)
        const b = accountBalance(fen(ledger.openingFen), twice, asOf)
        return a === b && BigInt(a) === expectedBalance(ledger, asOf)
      },
    ),
  )
})

t.test('the balance after every reversal is the balance of the lines never reversed', async (t) => {
  holds(
    t,
    'an original and its reversal together count for nothing',
    fc.property(ledgerArb, (ledger) => {
      const reversedRefs = new Set(ledger.lines.flatMap((m) => (m.reversalOf === undefined ? [] : [m.reversalOf])))
      const kept = ledger.lines.filter((m) => m.reversalOf === undefined && !reversedRefs.has(m.bankRef))
      const end = addDays(START, SPAN_DAYS + 11)
      return BigInt(accountBalance(fen(ledger.openingFen), ledger.lines, end)) === expectedBalance({ openingFen: ledger.openingFen, lines: kept }, end)
    }),
  )
})

const DUE_ON = '2026-03-10'

/** One period's amount, paid in parts (a composition of the amount) on non-decreasing days, with other credits around. */
const partsArb = fc
  .record({
    amountFen: fc.integer({ min: 2, max: 100_000_000 }),
    cuts: fc.uniqueArray(fc.double({ min: 0, max: 1, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 5 }),
    gaps: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 6, maxLength: 6 }),
    firstDay: fc.integer({ min: 0, max: 12 }),
    others: fc.array(fc.record({ amountFen: amountArb, day: fc.integer({ min: 0, max: 40 }) }), { maxLength: 4 }),
  })
  .map(({ amountFen, cuts, gaps, firstDay, others }) => {
    // Cut points strictly inside (0, amount), so each part is at least 1 fen.
    const points = [...new Set(cuts.map((c) => 1 + Math.floor(c * (amountFen - 1))).filter((p) => p > 0 && p < amountFen))].sort((a, b) => a - b)
    const bounds = [0, ...points, amountFen]
    let day = firstDay
    const parts = bounds.slice(1).map((b, i) => {
      day += i === 0 ? 0 : gaps[i]!
      return { amountFen: b - bounds[i]!, day }
    })
    return { amountFen, parts, others }
  })

t.test('funding in parts clears FUNDING_LATE only once the parts reach the amount', async (t) => {
  holds(
    t,
    'late after the due date exactly while the sum booked so far is below the amount',
    fc.property(partsArb, fc.integer({ min: 0, max: 60 }), ({ amountFen, parts, others }, asOfDay) => {
      const schedule: FundingSchedule = {
        projectId: 'p1',
        labourCostFen: fen(amountFen * 10),
        funderAccountNos: [FUNDER],
        periods: [{ periodId: '2026-03', dueOn: DUE_ON, amount: { kind: 'fixed', amountFen: fen(amountFen) } }],
      }
      const lines: AccountMovement[] = [
        ...parts.map((p, i) => ({
          bankRef: `F${i}`,
          bookingDate: addDays(START, p.day),
          valueDate: addDays(START, p.day),
          direction: 'credit' as const,
          amountFen: fen(p.amountFen),
          counterpartyAccountNo: FUNDER,
          counterpartyName: '某房地产开发有限公司',
        })),
        // Credits from anyone else never count as funding.
        ...others.map((o, i) => ({
          bankRef: `O${i}`,
          bookingDate: addDays(START, o.day),
          valueDate: addDays(START, o.day),
          direction: 'credit' as const,
          amountFen: fen(o.amountFen),
          counterpartyAccountNo: '6222021234567890123',
          counterpartyName: '某劳务公司',
        })),
      ]
      const asOf = addDays(START, asOfDay)
      let received = 0
      for (const p of parts) if (addDays(START, p.day) <= asOf) received += p.amountFen
      const flags = fundingLate(schedule, lines, asOf)
      const expectLate = asOf > DUE_ON && received < amountFen
      if (!expectLate) return flags.length === 0
      return flags.length === 1 && flags[0]!.evidence.shortFen === amountFen - received && flags[0]!.evidence.appliedFen === received
    }),
  )
})
