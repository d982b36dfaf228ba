/** The rule of attempts (src/instructions/attempts.ts), case by case: matching by EndToEndId, by card and amount, paid, returned. */
import t from 'tap'
import { attemptState, failedPayments, nextAttempt, outcomes, topUpFen, type AttemptLine, type AttemptResult } from '../../src/instructions/attempts.ts'
import { PAIN001_ATTEMPT_MAX } from '../../src/instructions/pain001.ts'

const CARD_A = '6222020200112233441'
const CARD_B = '6217000010009876543'
/** Attempt n repeats attempt n − 1, as a re-attempt is stored (a payment's first attempt has no previous line). */
const line = (attempt: number, cardNo = CARD_A, amountFen = 1_000_00): AttemptLine => ({ lineId: `L${attempt}`, attempt, endToEndId: `E${attempt}`, cardNo, amountFen, previousLineId: attempt > 1 ? `L${attempt - 1}` : null })
const result = (status: AttemptResult['status'], endToEndId: string | null, payeeCard = CARD_A, amountFen = 1_000_00): AttemptResult => ({ status, endToEndId, payeeCard, amountFen })

t.test('no line: none; no result: live', async (t) => {
  t.same(attemptState([], []), { kind: 'none' })
  t.match(attemptState([line(1)], []), { kind: 'live', line: { attempt: 1 } })
  t.match(nextAttempt([line(1)], []), { ok: false, state: { kind: 'live' } })
})

t.test('a failure by EndToEndId opens attempt 2; a failure of another EndToEndId does not', async (t) => {
  t.match(nextAttempt([line(1)], [result('failed', 'E1')]), { ok: true, attempt: 2, previous: { lineId: 'L1' } })
  t.match(nextAttempt([line(1)], [result('failed', 'OTHER')]), { ok: false, state: { kind: 'live' } })
})

t.test('a returned payment is a failure of its attempt, even after its success', async (t) => {
  t.match(nextAttempt([line(1)], [result('returned', 'E1')]), { ok: true, attempt: 2 })
  t.match(nextAttempt([line(1)], [result('success', 'E1'), result('returned', 'E1')]), { ok: true, attempt: 2 })
})

t.test('by card and amount without an EndToEndId: one failure answers one attempt, oldest first', async (t) => {
  const lines = [line(1), line(2)]
  t.match(attemptState(lines, [result('failed', null)]), { kind: 'live', line: { attempt: 2 } }, 'the one failure answers attempt 1')
  t.match(nextAttempt(lines, [result('failed', null), result('failed', null)]), { ok: true, attempt: 3 })
  t.match(attemptState(lines, [result('failed', 'E1'), result('failed', null)]), { kind: 'failed', line: { attempt: 2 } }, 'attempt 1 answered by id, the card failure is attempt 2’s')
  t.match(nextAttempt([line(1)], [result('failed', null, CARD_A, 999_00)]), { ok: false }, 'another amount answers nothing')
  t.match(nextAttempt([line(1)], [result('failed', null, CARD_B)]), { ok: false }, 'another card answers nothing')
})

t.test('paid: a success by EndToEndId, or to a card of the worker-month for a line\'s amount, ends the attempts', async (t) => {
  t.match(attemptState([line(1)], [result('success', 'E1')]), { kind: 'paid', line: { attempt: 1 } })
  const lines = [line(1, CARD_A), line(2, CARD_B)]
  t.match(attemptState(lines, [result('failed', 'E1'), result('success', null, CARD_A)]), { kind: 'paid' }, 'a success to the first card for its amount')
  // (Found by review.) A stray success without our reference, of another amount, is not our payment: it paid the
  // attempt, and a 补发 went out beside the payment still at the bank.
  t.match(attemptState(lines, [result('failed', 'E1'), result('success', null, CARD_A, 1_00)]), { kind: 'live', line: { attempt: 2 } }, 'a stray success of another amount pays nothing of ours')
  t.match(attemptState([line(1)], [result('success', null, CARD_A, 500_00)]), { kind: 'live' }, 'the payment stays at the bank')
  t.match(nextAttempt([line(1)], [result('success', null, CARD_A, 500_00), result('failed', 'E1')]), { ok: true, attempt: 2 }, 'and when it fails it may be made again')
  t.match(nextAttempt(lines, [result('failed', 'E1'), result('failed', 'E2'), result('success', 'E1')]), { ok: false, state: { kind: 'paid' } }, 'a failure and a success of one attempt: paid')
  t.match(nextAttempt([line(1)], [result('returned', 'E1'), result('success', 'E1')]), { ok: true, attempt: 2 }, 'a return beats a success in any order')
  const o = outcomes(lines, [result('failed', 'E1'), result('success', 'E2')])
  t.same([o.get('L1'), o.get('L2')], ['failed', 'paid'])
})

t.test('attempts stop at the maximum', async (t) => {
  const last = line(PAIN001_ATTEMPT_MAX)
  t.match(nextAttempt([last], [result('failed', last.endToEndId)]), { ok: false, state: { kind: 'failed', exhausted: true } })
})

t.test('补发: a top-up of a paid worker-month is a payment of its own, with its own attempts', async (t) => {
  const original = line(1)
  const topUp: AttemptLine = { lineId: 'T2', attempt: 2, endToEndId: 'E2', cardNo: CARD_A, amountFen: 500_00, previousLineId: null }
  const paid = result('success', 'E1')
  t.match(attemptState([original, topUp], [paid]), { kind: 'live', line: { lineId: 'T2' } }, 'the top-up at the bank: live')
  t.match(attemptState([original, topUp], [paid, result('success', 'E2', CARD_A, 500_00)]), { kind: 'paid' }, 'both paid')
  const failed = nextAttempt([original, topUp], [paid, result('failed', 'E2', CARD_A, 500_00)])
  t.match(failed, { ok: true, attempt: 3, previous: { lineId: 'T2', amountFen: 500_00 } }, 'the failed top-up is attempted again, the paid payment never')
  const retried: AttemptLine = { lineId: 'T3', attempt: 3, endToEndId: 'E3', cardNo: CARD_A, amountFen: 500_00, previousLineId: 'T2' }
  t.match(attemptState([original, topUp, retried], [paid, result('failed', 'E2', CARD_A, 500_00)]), { kind: 'live', line: { lineId: 'T3' } })
  t.match(
    attemptState([original, topUp], [paid, result('success', null, CARD_A, 1_000_00)]),
    { kind: 'live', line: { lineId: 'T2' } },
    "the original's success reported again by a file without EndToEndIds does not pay the top-up",
  )
  t.match(attemptState([original, topUp], [paid, result('success', null, CARD_A, 500_00)]), { kind: 'paid' }, 'a success of the top-up amount to the card pays it')
})

t.test('a report without an EndToEndId answers only lines made before it was posted', async (t) => {
  const paid: AttemptLine = { ...line(1), instructedAtMs: 1_000 }
  const topUp: AttemptLine = { lineId: 'T2', attempt: 2, endToEndId: 'E2', cardNo: CARD_A, amountFen: 1_000_00, previousLineId: null, instructedAtMs: 5_000 }
  const before = { ...result('success', null), postedAtMs: 2_000 }
  t.match(attemptState([paid, topUp], [before]), { kind: 'live', line: { lineId: 'T2' } }, 'the success read before the 补发 was made pays the first payment, not the 补发')
  t.match(attemptState([paid, topUp], [before, { ...result('success', null), postedAtMs: 6_000 }]), { kind: 'paid' }, 'a second success, read after, pays the 补发')
  t.match(attemptState([paid, topUp], [result('success', 'E1'), { ...result('failed', null), postedAtMs: 2_000 }]), { kind: 'live', line: { lineId: 'T2' } }, 'a failure read before the 补发 was made fails nothing of it')
})

t.test("a failed payment holds its own line's 补发, not the other line's (a worker on two teams' sheets)", async (t) => {
  // L1 (the first team's line) booked then returned; T2 (the second team's 补发) booked.
  const first = line(1)
  const second: AttemptLine = { ...line(2), previousLineId: null }
  const results = [result('success', 'E1'), result('returned', 'E1'), result('success', 'E2')]
  const s = attemptState([first, second], results)
  t.match(s, { kind: 'failed', line: { lineId: 'L1' } })
  t.same(failedPayments([first, second], results).map((l) => l.lineId), ['L1'], 'the first payment failed, the second stands')
  t.equal(topUpFen(s, 2_000_00, 1_000_00, true), 0, 'the failed line waits for its re-attempt')
  t.equal(topUpFen(s, 2_000_00, 1_000_00, false), 1_000_00, "the other line's difference is instructed")
  t.equal(topUpFen({ kind: 'live', line: first }, 2_000_00, 1_000_00, false), 0, 'never while a payment is at the bank')
})
