/**
 * Properties of the rule of attempts (src/instructions/attempts.ts) against a model bank: whatever the sequence of the
 * bank's answers (paid, failed, returned; with or without our EndToEndId) and of re-attempts asked for (same card or
 * a new one), a worker-month never has two attempts out at once, a new attempt is allowed only when every earlier one
 * came back unpaid, and so it is never paid twice. And the lines of an instruction add up to its NbOfTxs and CtrlSum.
 */
import t from 'tap'
import fc from 'fast-check'
import { nextAttempt, type AttemptLine, type AttemptResult } from '../../src/instructions/attempts.ts'
import { pain001Totals } from '../../src/instructions/pain001.ts'
import { fen } from '../../src/kernel/money.ts'
import { holds } from '../helpers/property.ts'
import { INSTRUCTION, line } from './helpers/instruction.ts'

const CARDS = ['6222020200112233441', '6217000010009876543', '6228480010001112223']
const AMOUNT_FEN = 3_456_78

type Op =
  | { kind: 'answer'; outcome: 'success' | 'failed' | 'returned'; withId: boolean }
  | { kind: 'retry'; card: number }
  | { kind: 'stranger'; status: 'success' | 'failed'; card: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('answer' as const), outcome: fc.constantFrom('success' as const, 'failed' as const, 'returned' as const), withId: fc.boolean() }),
  fc.record({ kind: fc.constant('retry' as const), card: fc.nat(CARDS.length - 1) }),
  fc.record({ kind: fc.constant('stranger' as const), status: fc.constantFrom('success' as const, 'failed' as const), card: fc.nat(CARDS.length - 1) }),
)

holds(
  t,
  'a worker-month is never instructed while an attempt is live or paid, so never paid twice',
  fc.property(fc.nat(CARDS.length - 1), fc.array(op, { maxLength: 40 }), (firstCard, ops) => {
    const lines: AttemptLine[] = [{ lineId: 'L1', attempt: 1, endToEndId: 'E1', cardNo: CARDS[firstCard]!, amountFen: AMOUNT_FEN }]
    const results: AttemptResult[] = []
    /** What the bank really did with each attempt: unanswered, paid (money with the worker), or came back. */
    const truth = new Map<string, 'out' | 'paid' | 'back'>([['L1', 'out']])
    for (const o of ops) {
      if (o.kind === 'answer') {
        // The bank answers the attempt it holds, if any; a returned payment was paid and then sent back.
        const l = lines.find((x) => truth.get(x.lineId) === 'out')
        if (!l) continue
        const id = o.withId ? l.endToEndId : null
        if (o.outcome === 'success') {
          results.push({ status: 'success', endToEndId: id, payeeCard: l.cardNo, amountFen: l.amountFen })
          truth.set(l.lineId, 'paid')
        } else if (o.outcome === 'failed') {
          results.push({ status: 'failed', endToEndId: id, payeeCard: l.cardNo, amountFen: l.amountFen })
          truth.set(l.lineId, 'back')
        } else {
          results.push({ status: 'success', endToEndId: id, payeeCard: l.cardNo, amountFen: l.amountFen })
          results.push({ status: 'returned', endToEndId: id, payeeCard: l.cardNo, amountFen: l.amountFen })
          truth.set(l.lineId, 'back')
        }
      } else if (o.kind === 'stranger') {
        // Another project's or worker's payment to a card none of these lines was sent to, with another amount.
        results.push({ status: o.status, endToEndId: 'SOMEONE-ELSE', payeeCard: '6200000000000000001', amountFen: AMOUNT_FEN + 1 + o.card })
      } else {
        const next = nextAttempt(lines, results)
        if (!next.ok) continue
        // Allowed only when every earlier attempt came back unpaid.
        for (const l of lines) if (truth.get(l.lineId) !== 'back') return false
        if (next.attempt !== lines.length + 1 || next.previous.lineId !== lines.at(-1)!.lineId) return false
        const id = `L${next.attempt}`
        lines.push({ lineId: id, attempt: next.attempt, endToEndId: `E${next.attempt}`, cardNo: CARDS[o.card]!, amountFen: AMOUNT_FEN, previousLineId: next.previous.lineId })
        truth.set(id, 'out')
      }
      const out = [...truth.values()].filter((v) => v === 'out').length
      const paid = [...truth.values()].filter((v) => v === 'paid').length
      if (out > 1 || paid > 1 || out + paid > 1) return false
    }
    return true
  }),
)

holds(
  t,
  'the lines of an instruction add up to its NbOfTxs and CtrlSum',
  fc.property(fc.array(fc.integer({ min: 1, max: 5_000_000 }), { minLength: 1, maxLength: 200 }), (amounts) => {
    const lines = amounts.map((a, i) => line(i + 1, { amountFen: fen(a) }))
    const totals = pain001Totals(INSTRUCTION, lines)
    return totals.count === amounts.length && totals.totalFen === amounts.reduce((n, a) => n + a, 0)
  }),
)
