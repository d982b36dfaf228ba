/**
 * Payment evidence to payout lines (src/payouts/evidence-lines.ts), directly: what a report that names the payment
 * only by EndToEndId takes from our instruction line, the refusals (an EndToEndId not ours, another month's, another
 * currency, a report told twice), the references made up for reports without the bank's, and the dates.
 */
import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { evidenceLines, type EvidenceContext } from '../../src/payouts/evidence-lines.ts'
import type { EvidenceFile, PaymentEvidence } from '../../src/payouts/formats/evidence.ts'

const report = (over: Partial<PaymentEvidence> = {}): PaymentEvidence => ({
  lineNo: 1,
  status: 'booked',
  payeeCard: null,
  payeeName: null,
  amountFen: null,
  currency: 'CNY',
  endToEndId: 'E2E-1',
  paymentInfoId: null,
  bankRef: null,
  uetr: null,
  bookingDate: null,
  valueDate: null,
  reasonCode: null,
  reasonText: null,
  payerAccountNo: null,
  returnOf: null,
  ...over,
})
const file = (lines: PaymentEvidence[], over: Partial<EvidenceFile> = {}): EvidenceFile => ({
  format: 'pain.002',
  variant: 'pain.002.001.03',
  accountNo: null,
  messageId: 'MSG-1',
  originalMessageId: null,
  lines,
  ignored: { count: 0, reasons: {} },
  ...over,
})
let n = 0
const ctx = (over: Partial<EvidenceContext> = {}): EvidenceContext => ({
  projectId: 'p',
  period: '2026-10',
  fileId: 'f',
  postedOn: '2026-11-12',
  sha256: 'ab'.repeat(32),
  instructed: new Map([['E2E-1', { period: '2026-10', payeeName: '张伟', cardNo: '6217000000000000123', amountFen: 500_000 }]]),
  newId: () => `id-${++n}`,
  ...over,
})

t.test('a report naming the payment by EndToEndId only takes card, name and amount from the instruction', async (t) => {
  const r = evidenceLines(file([report()]), ctx())
  if ('errors' in r) return t.fail(JSON.stringify(r.errors))
  t.match(r.lines[0], { payeeCard: '6217000000000000123', payeeName: '张伟', amountFen: 500_000, status: 'success', endToEndId: 'E2E-1', bankRef: 'pain.002:MSG-1:1', valueDate: '2026-11-12' })
  t.match(r.totals, { lineCount: 1, successCount: 1, successFen: 500_000 })
})

t.test("what the bank says wins over the instruction: its card, its amount, its dates", async (t) => {
  const r = evidenceLines(file([report({ payeeCard: '6222000000000000999', amountFen: fen(400_000), bookingDate: '2026-11-09', valueDate: '2026-11-10', bankRef: 'BK-1' })]), ctx())
  if ('errors' in r) return t.fail(JSON.stringify(r.errors))
  t.match(r.lines[0], { payeeCard: '6222000000000000999', amountFen: 400_000, valueDate: '2026-11-10', bankRef: 'BK-1', payeeName: '张伟' })
  const booked = evidenceLines(file([report({ bookingDate: '2026-11-09' })]), ctx())
  if ('errors' in booked) return t.fail('refused')
  t.equal(booked.lines[0]?.valueDate, '2026-11-09', 'no value date: the booking date')
})

t.test('statuses map to the ledger and are counted', async (t) => {
  const r = evidenceLines(
    file([
      report({ lineNo: 1, bankRef: 'A' }),
      report({ lineNo: 2, status: 'rejected', bankRef: 'B', reasonCode: 'AC04', reasonText: null }),
      report({ lineNo: 3, status: 'pending', bankRef: 'C' }),
      report({ lineNo: 4, status: 'returned', bankRef: 'D', returnOf: { endToEndId: 'E2E-1', bankRef: 'A' }, reasonCode: 'AC04', reasonText: '账户已销户' }),
    ]),
    ctx(),
  )
  if ('errors' in r) return t.fail(JSON.stringify(r.errors))
  t.same(r.lines.map((l) => l.status), ['success', 'failed', 'pending', 'returned'])
  t.match(r.lines[1], { failureReason: 'AC04', reasonCode: 'AC04' }, 'a reason code without words is the reason shown')
  t.match(r.lines[3], { returnOfEndToEndId: 'E2E-1', returnOfBankRef: 'A', failureReason: '账户已销户' })
  t.match(r.totals, { lineCount: 4, successCount: 1, failedCount: 1, failedFen: 500_000, pendingCount: 1, returnedCount: 1, returnedFen: 500_000 })
})

t.test('refused with every fault: not ours, another month, another currency, told twice, nothing to tell it by', async (t) => {
  const r = evidenceLines(
    file([
      report({ lineNo: 1, endToEndId: 'NOT-OURS' }),
      report({ lineNo: 2, currency: 'EUR', bankRef: 'X' }),
      report({ lineNo: 3, bankRef: 'DUP' }),
      report({ lineNo: 4, bankRef: 'DUP' }),
      report({ lineNo: 5, endToEndId: null, payeeCard: null, amountFen: fen(100) }),
      report({ lineNo: 6, endToEndId: null, payeeCard: '6217000000000000123', amountFen: null }),
    ]),
    ctx(),
  )
  if (!('errors' in r)) return t.fail('stored')
  t.same(
    r.errors.map((e) => [e.line, e.code]),
    [
      [1, 'unknown_end_to_end_id'],
      [2, 'not_cny'],
      [4, 'duplicate_bank_ref'],
      [5, 'no_payee'],
      [6, 'no_amount'],
    ],
  )
  const september = evidenceLines(file([report()]), ctx({ period: '2026-09' }))
  t.match(september, { errors: [{ code: 'wrong_period' }] }, "a report of October's instruction posted for September")
  t.notOk(JSON.stringify(r.errors).includes('6217000000000000123'), 'no card number in the messages')
})

t.test("a report with the bank's own card and amount needs no instruction", async (t) => {
  const r = evidenceLines(file([report({ endToEndId: 'SOMEONE-ELSES', payeeCard: '6217000000000000777', payeeName: '李娜', amountFen: fen(1_000), bankRef: 'BK-9' })], { format: 'camt.054', accountNo: '19045101040012345' }), ctx({ instructed: new Map() }))
  if ('errors' in r) return t.fail(JSON.stringify(r.errors))
  t.match(r.lines[0], { payeeCard: '6217000000000000777', payeeName: '李娜', payerAccountNo: '19045101040012345', endToEndId: 'SOMEONE-ELSES' }, "the file's account is the payer when a line names none")
})
