/**
 * Payment evidence to payout lines (src/payouts/evidence-lines.ts), directly: what a report that names the payment
 * only by EndToEndId takes from our instruction line, the refusals (an EndToEndId not ours, another month's, another
 * currency, a report told twice), the references made up for reports without the bank's, and the dates; and a CMB
 * 代发 report, which names no EndToEndId, taking ours from the instruction line at its batch reference and TRXSEQ only
 * when its card and amount agree.
 */
import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { batchSeqKey, batchSeqOf, evidenceLines, type EvidenceContext } from '../../src/payouts/evidence-lines.ts'
import type { CmbPaymentEvidence } from '../../src/payouts/formats/cmb/index.ts'
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

/** A CMB 代发 result line (NTAGCDTLY1) as the format reads it: our batch's YURREF and the line's TRXSEQ, no EndToEndId. */
const cmbReport = (over: Partial<CmbPaymentEvidence> = {}): CmbPaymentEvidence => ({
  ...report({ endToEndId: null, paymentInfoId: 'WL0001', payeeCard: '6217000000000000123', payeeName: '张伟', amountFen: fen(500_000), bankRef: '0001153882/00000002', bookingDate: '2026-11-10', valueDate: '2026-11-10' }),
  trxseq: '00000002',
  ...over,
})
const cmbFile = (lines: CmbPaymentEvidence[]): EvidenceFile => file(lines, { format: 'cmb-agency', variant: 'NTAGDINF', messageId: '0001153882', accountNo: '755900008010306' })
/** Our batch WL0001: its second line is 张伟's, E2E-1. */
const bySeq = new Map([[batchSeqKey('WL0001', 2), { period: '2026-10', payeeName: '张伟', cardNo: '6217000000000000123', amountFen: 500_000, endToEndId: 'E2E-1' }]])

t.test("where a CMB report's batch reference and TRXSEQ are of one of our lines", async (t) => {
  t.same(batchSeqOf(cmbReport()), { batchRef: 'WL0001', seq: 2 }, 'TRXSEQ as a place, leading zeros dropped')
  t.equal(batchSeqOf(cmbReport({ endToEndId: 'E2E-9' })), undefined, 'a report with an EndToEndId is found by it')
  t.equal(batchSeqOf(cmbReport({ paymentInfoId: null })), undefined, 'no batch reference: no place')
  t.equal(batchSeqOf(cmbReport({ trxseq: null })), undefined, 'no TRXSEQ (GetAgentDetail): no place')
  t.equal(batchSeqOf(report({ endToEndId: null, paymentInfoId: 'PI-1' })), undefined, 'a format without TRXSEQ has no place')

  await t.test('card and amount agree: the report takes the line EndToEndId', async (t) => {
    const r = evidenceLines(cmbFile([cmbReport()]), ctx({ instructed: new Map(), instructedByBatchSeq: bySeq }))
    if ('errors' in r) return t.fail(JSON.stringify(r.errors))
    t.match(r.lines[0], { endToEndId: 'E2E-1', payeeCard: '6217000000000000123', amountFen: 500_000, status: 'success', bankRef: '0001153882/00000002', returnOfEndToEndId: null })
  })

  await t.test('a 退票 at that place names the payment it undoes by the same EndToEndId', async (t) => {
    const r = evidenceLines(
      cmbFile([cmbReport({ status: 'returned', bankRef: '0001153882/00000002/RTN', returnOf: { endToEndId: null, bankRef: '0001153882/00000002' }, reasonCode: '002', reasonText: '账号、户名不符' })]),
      ctx({ instructed: new Map(), instructedByBatchSeq: bySeq }),
    )
    if ('errors' in r) return t.fail(JSON.stringify(r.errors))
    t.match(r.lines[0], { status: 'returned', endToEndId: 'E2E-1', returnOfEndToEndId: 'E2E-1', returnOfBankRef: '0001153882/00000002' })
  })

  await t.test('card or amount disagrees: no EndToEndId, the report stays a payment of its own', async (t) => {
    for (const over of [{ payeeCard: '6217000000000000999' }, { amountFen: fen(499_900) }]) {
      const r = evidenceLines(cmbFile([cmbReport(over)]), ctx({ instructed: new Map(), instructedByBatchSeq: bySeq }))
      if ('errors' in r) return t.fail(JSON.stringify(r.errors))
      t.match(r.lines[0], { endToEndId: null, bankRef: '0001153882/00000002' }, JSON.stringify(over))
    }
  })

  await t.test('no line at that place, or no lookup given: no EndToEndId', async (t) => {
    for (const c of [ctx({ instructed: new Map(), instructedByBatchSeq: bySeq }), ctx({ instructed: new Map() })]) {
      const r = evidenceLines(cmbFile([cmbReport({ trxseq: '00000003' }), cmbReport({ lineNo: 2, paymentInfoId: 'SOMEONE-ELSES', bankRef: 'X/00000002' })]), c)
      if ('errors' in r) return t.fail(JSON.stringify(r.errors))
      t.same(r.lines.map((l) => l.endToEndId), [null, null])
    }
    const r = evidenceLines(cmbFile([cmbReport()]), ctx({ instructed: new Map() }))
    if ('errors' in r) return t.fail(JSON.stringify(r.errors))
    t.equal(r.lines[0]?.endToEndId, null, 'without instructedByBatchSeq nothing is matched by place')
  })

  await t.test("a match of another month's instruction is refused as the EndToEndId's would be", async (t) => {
    t.match(evidenceLines(cmbFile([cmbReport()]), ctx({ period: '2026-09', instructed: new Map(), instructedByBatchSeq: bySeq })), { errors: [{ line: 1, code: 'wrong_period' }] })
  })
})
