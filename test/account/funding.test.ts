import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import {
  AccountError,
  FUNDING_SHORT_DAYS_BEFORE_DEFAULT,
  accountBalance,
  dedicatedPayouts,
  fundingLate,
  fundingPosition,
  fundingShort,
  periodAmountFen,
  settleMovements,
  validateDedicatedAccount,
  validateSchedule,
  type AccountMovement,
  type DebitedPayout,
  type DedicatedAccount,
  type FundingSchedule,
  type FundingShortInput,
} from '../../src/account/funding.ts'

const ACCOUNT: DedicatedAccount = {
  projectId: 'p1',
  bank: '中国建设银行杭州城西支行',
  bankCode: '105331000123',
  accountNo: '33050161234500000001',
  accountName: '某建工集团有限公司某项目农民工工资专用账户',
  openedOn: '2026-01-05',
}

/** The construction unit's account (建设单位). */
const FUNDER = '1202020109900012345'

const credit = (bankRef: string, amountFen: number, bookingDate: string, over: Partial<AccountMovement> = {}): AccountMovement => ({
  bankRef,
  bookingDate,
  valueDate: bookingDate,
  direction: 'credit',
  amountFen: fen(amountFen),
  counterpartyAccountNo: FUNDER,
  counterpartyName: '某房地产开发有限公司',
  ...over,
})
const debit = (bankRef: string, amountFen: number, bookingDate: string, over: Partial<AccountMovement> = {}): AccountMovement => ({
  ...credit(bankRef, amountFen, bookingDate, over),
  direction: 'debit',
  counterpartyAccountNo: over.counterpartyAccountNo ?? '6217001234567890123',
  counterpartyName: over.counterpartyName ?? '张三',
})

// ¥1,000,000 labour cost; March ¥200,000 fixed, April 25% (¥250,000).
const SCHEDULE: FundingSchedule = {
  projectId: 'p1',
  labourCostFen: fen(100_000_000),
  funderAccountNos: [FUNDER],
  periods: [
    { periodId: '2026-03', dueOn: '2026-03-10', amount: { kind: 'fixed', amountFen: fen(20_000_000) } },
    { periodId: '2026-04', dueOn: '2026-04-10', amount: { kind: 'share', shareBp: 2_500 } },
  ],
}

t.test('register entry and schedule are checked', async (t) => {
  t.doesNotThrow(() => validateDedicatedAccount(ACCOUNT))
  t.throws(() => validateDedicatedAccount({ ...ACCOUNT, bankCode: '10533100012' }), { code: 'account_invalid', details: { field: 'bankCode' } }, '联行号 is 12 digits')
  t.throws(() => validateDedicatedAccount({ ...ACCOUNT, accountNo: '3305-0161' }), { code: 'account_invalid', details: { field: 'accountNo' } })
  t.throws(() => validateDedicatedAccount({ ...ACCOUNT, openedOn: '2026-02-30' }), { code: 'account_invalid', details: { field: 'openedOn' } })
  t.doesNotThrow(() => validateSchedule(SCHEDULE))
  const period = (shareBp: number) => ({ periodId: `s${shareBp}`, dueOn: '2026-05-10', amount: { kind: 'share' as const, shareBp } })
  t.throws(() => validateSchedule({ ...SCHEDULE, periods: [period(6_000), { ...period(5_000), periodId: 'x' }] }), { code: 'schedule_invalid', details: { shareBp: 11_000 } }, 'shares above the whole')
  t.throws(() => validateSchedule({ ...SCHEDULE, periods: [period(0)] }), { code: 'schedule_invalid' })
  t.throws(() => validateSchedule({ ...SCHEDULE, periods: [period(12.5)] }), { code: 'schedule_invalid' }, 'whole basis points only')
  t.throws(() => validateSchedule({ ...SCHEDULE, periods: [SCHEDULE.periods[0]!, SCHEDULE.periods[0]!] }), { code: 'schedule_invalid', details: { periodId: '2026-03' } })
  t.throws(() => validateSchedule({ ...SCHEDULE, funderAccountNos: [] }), { code: 'schedule_invalid' })
})

t.test('a share is labour cost × bp / 10,000, rounded half up on the running total: shares of 100% add up to the labour cost', async (t) => {
  t.equal(periodAmountFen(SCHEDULE, SCHEDULE.periods[1]!), 25_000_000)
  const odd = { ...SCHEDULE, labourCostFen: fen(3) }
  t.equal(periodAmountFen(odd, { periodId: 'a', dueOn: '2026-03-10', amount: { kind: 'share', shareBp: 5_000 } }), 2, 'a first share of 1.5 fen rounds up')
  t.equal(periodAmountFen(odd, { periodId: 'a', dueOn: '2026-03-10', amount: { kind: 'share', shareBp: 1_000 } }), 0, '0.3 fen rounds down')
  // Two halves of 3 fen: 1.5 rounds up for the first (2), and the second is round(3) − round(1.5) = 1, not 2 again.
  const halves: FundingSchedule = {
    ...odd,
    periods: [
      { periodId: 'H2', dueOn: '2026-06-10', amount: { kind: 'share', shareBp: 5_000 } },
      { periodId: 'H1', dueOn: '2026-03-10', amount: { kind: 'share', shareBp: 5_000 } },
    ],
  }
  t.same(halves.periods.map((p) => periodAmountFen(halves, p)), [1, 2], 'the later half takes what is left of the whole, whatever order the schedule lists them in')
  // Three thirds of ¥1,000,000.01 (3,333 bp, 3,333 bp, 3,334 bp): each period the running total's rounding less the one before.
  const thirds: FundingSchedule = {
    ...SCHEDULE,
    labourCostFen: fen(100_000_001),
    periods: [
      { periodId: 't1', dueOn: '2026-03-10', amount: { kind: 'share', shareBp: 3_333 } },
      { periodId: 't2', dueOn: '2026-04-10', amount: { kind: 'share', shareBp: 3_333 } },
      { periodId: 't3', dueOn: '2026-05-10', amount: { kind: 'share', shareBp: 3_334 } },
    ],
  }
  const amounts = thirds.periods.map((p) => periodAmountFen(thirds, p))
  t.same(amounts, [33_330_000, 33_330_001, 33_340_000])
  t.equal(amounts.reduce((a, b) => a + b, 0), 100_000_001, 'exactly the labour cost')
  t.same(
    fundingPosition(thirds, [], '2026-01-01').periods.map((p) => p.cumulativeDueFen),
    [33_330_000, 66_660_001, 100_000_001],
    'each cumulative due is the running share rounded once',
  )
  // A fixed period between shares does not move their rounding.
  const mixed: FundingSchedule = { ...halves, periods: [...halves.periods, { periodId: 'F', dueOn: '2026-04-10', amount: { kind: 'fixed', amountFen: fen(7) } }] }
  t.same(mixed.periods.map((p) => periodAmountFen(mixed, p)), [1, 2, 7])
})

t.test('balance: opening plus credits minus debits booked on or before the day', async (t) => {
  const lines = [credit('R1', 20_000_000, '2026-03-05'), debit('R2', 1_234_56, '2026-03-06'), credit('R3', 1, '2026-03-07')]
  t.equal(accountBalance(fen(500), lines, '2026-03-04'), 500)
  t.equal(accountBalance(fen(500), lines, '2026-03-05'), 20_000_500, 'a line booked on the day counts that day')
  t.equal(accountBalance(fen(500), lines, '2026-03-06'), 19_877_044)
  t.equal(accountBalance(fen(500), [...lines].reverse(), '2026-03-31'), 19_877_045, 'input order does not matter')
})

t.test('booking date, not value date, places a line', async (t) => {
  const late = credit('R1', 100, '2026-03-05', { valueDate: '2026-03-09' })
  t.equal(accountBalance(fen(0), [late], '2026-03-05'), 100)
  t.equal(accountBalance(fen(0), [late], '2026-03-04'), 0)
})

t.test('the same line read from two overlapping statements counts once', async (t) => {
  // A camt.054 notification of the 5th, the day statement of the 5th, and the month statement: R1 three times.
  const notification = [credit('R1', 20_000_000, '2026-03-05')]
  const day = [credit('R1', 20_000_000, '2026-03-05'), debit('R2', 500_00, '2026-03-05')]
  const month = [credit('R1', 20_000_000, '2026-03-05'), debit('R2', 500_00, '2026-03-05'), debit('R3', 100_00, '2026-03-20')]
  t.equal(accountBalance(fen(0), [...notification, ...day, ...month], '2026-03-31'), 20_000_000 - 500_00 - 100_00)
  t.equal(settleMovements([...notification, ...day, ...month]).lines.length, 3)
})

t.test('two readings of one reference differing only in the counterparty name: one line, the same whichever comes first', async (t) => {
  const a = credit('R1', 100, '2026-03-05', { counterpartyName: '某房地产开发有限公司' })
  const b = credit('R1', 100, '2026-03-05', { counterpartyName: '某房地产开发' })
  t.same(settleMovements([a, b]).lines, settleMovements([b, a]).lines)
  t.equal(settleMovements([a, b]).lines.length, 1)
})

t.test('one reference with two amounts is an error naming both readings', async (t) => {
  const a = credit('R1', 20_000_000, '2026-03-05')
  const b = credit('R1', 2_000_000, '2026-03-05')
  t.throws(() => accountBalance(fen(0), [a, b], '2026-03-31'), { code: 'movement_ref_conflict', details: { bankRef: 'R1' } })
  try {
    accountBalance(fen(0), [b, a], '2026-03-31')
    t.fail('should throw')
  } catch (e) {
    t.ok(e instanceof AccountError)
    const err = e as AccountError
    t.match(err.message, /200000\.00/)
    t.match(err.message, /20000\.00/)
    t.equal((err.details.readings as unknown[]).length, 2)
  }
  t.throws(() => settleMovements([a, { ...a, direction: 'debit' }]), { code: 'movement_ref_conflict' }, 'direction differs')
  t.throws(() => settleMovements([a, { ...a, bookingDate: '2026-03-06' }]), { code: 'movement_ref_conflict' }, 'booking date differs')
  t.throws(() => settleMovements([a, { ...a, counterpartyAccountNo: '999' }]), { code: 'movement_ref_conflict' }, 'counterparty account differs')
})

t.test('lines that cannot be recognised or counted are refused', async (t) => {
  t.throws(() => settleMovements([credit('', 100, '2026-03-05')]), { code: 'movement_invalid' }, 'no reference')
  t.throws(() => settleMovements([credit('R1', 0, '2026-03-05')]), { code: 'movement_invalid' }, 'zero amount')
  t.throws(() => settleMovements([credit('R1', -5, '2026-03-05')]), { code: 'movement_invalid' }, 'negative amount: the direction carries the sign')
  t.throws(() => settleMovements([credit('R1', 100, '2026-3-5')]), { code: 'movement_invalid' })
  t.throws(() => accountBalance(fen(0), [], '2026-03'), { code: 'check_invalid' })
})

t.test('a reversal cancels the line it reverses from its own booking day', async (t) => {
  const original = credit('R1', 20_000_000, '2026-03-05')
  const reversal = debit('R9', 20_000_000, '2026-03-08', { counterpartyAccountNo: FUNDER, reversalOf: 'R1' })
  const lines = [reversal, original, debit('R2', 100, '2026-03-06')]
  t.equal(accountBalance(fen(0), lines, '2026-03-07'), 19_999_900, 'the original counts until the reversal is booked')
  t.equal(accountBalance(fen(0), lines, '2026-03-08'), -100, 'both together count for nothing')
  t.equal(settleMovements(lines).reversedBy.get('R1')?.bankRef, 'R9')
  t.equal(accountBalance(fen(0), [...lines, reversal, original], '2026-03-08'), -100, 'a reversal read twice still cancels once')
})

t.test('a reversal must mirror its original', async (t) => {
  const original = credit('R1', 20_000_000, '2026-03-05')
  const rev = (over: Partial<AccountMovement>) => debit('R9', 20_000_000, '2026-03-08', { reversalOf: 'R1', ...over })
  t.throws(() => settleMovements([original, { ...rev({}), direction: 'credit' }]), { code: 'reversal_invalid' }, 'same direction')
  t.throws(() => settleMovements([original, rev({ amountFen: fen(1) })]), { code: 'reversal_invalid' }, 'different amount')
  t.throws(() => settleMovements([original, rev({ bookingDate: '2026-03-04' })]), { code: 'reversal_invalid' }, 'booked before the original')
  t.throws(() => settleMovements([original, rev({}), debit('R10', 20_000_000, '2026-03-09', { reversalOf: 'R1' })]), { code: 'reversal_invalid', details: { bankRef: 'R1' } }, 'reversed twice')
  t.throws(() => settleMovements([original, rev({}), credit('R11', 20_000_000, '2026-03-10', { reversalOf: 'R9' })]), { code: 'reversal_invalid' }, 'a reversal of a reversal')
  t.throws(() => settleMovements([credit('R1', 100, '2026-03-05', { reversalOf: 'R1' })]), { code: 'movement_invalid' }, 'reverses itself')
})

t.test('a reversal whose original was before the opening balance counts by its own direction', async (t) => {
  const orphan = debit('R9', 300, '2026-03-08', { reversalOf: 'R0' })
  t.equal(accountBalance(fen(1_000), [orphan], '2026-03-08'), 700)
  t.equal(settleMovements([orphan]).orphanReversals.length, 1)
})

t.test('FUNDING_LATE: received on the due date is not late; the day after, a missing amount is', async (t) => {
  const onDue = [credit('F1', 20_000_000, '2026-03-10')]
  t.same(fundingLate(SCHEDULE, onDue, '2026-03-11'), [], 'booked on the due date')
  t.equal(fundingPosition(SCHEDULE, onDue, '2026-03-11').periods[0]?.state, 'received')
  t.same(fundingLate(SCHEDULE, [], '2026-03-10'), [], 'not late on the due date itself')
  const flags = fundingLate(SCHEDULE, [credit('F1', 20_000_000, '2026-03-11')], '2026-03-11')
  t.same(flags, [], 'completed the day after: cleared once it is in')
  t.match(fundingPosition(SCHEDULE, [credit('F1', 20_000_000, '2026-03-11')], '2026-03-11').periods[0], { state: 'received_late', completedOn: '2026-03-11' })
  const late = fundingLate(SCHEDULE, [], '2026-03-11')
  t.equal(late.length, 1)
  t.match(late[0], { code: 'FUNDING_LATE', projectId: 'p1', scope: 'fundingPeriod:2026-03', evidence: { periodId: '2026-03', dueOn: '2026-03-10', daysLate: 1, amountFen: 20_000_000, appliedFen: 0, shortFen: 20_000_000, shortYuan: '200000.00' } })
})

t.test('FUNDING_LATE counts only credits from the construction unit, less their reversals', async (t) => {
  const other = credit('X1', 20_000_000, '2026-03-05', { counterpartyAccountNo: '6222020000000000001', counterpartyName: '某劳务公司' })
  t.equal(fundingLate(SCHEDULE, [other], '2026-03-11').length, 1, "a credit from another account is not the construction unit's funding")
  const spaced = credit('F1', 20_000_000, '2026-03-05', { counterpartyAccountNo: '1202 0201 0990 0012 345' })
  t.same(fundingLate(SCHEDULE, [spaced], '2026-03-11'), [], 'account numbers grouped with spaces are the same number')
  const funded = credit('F1', 20_000_000, '2026-03-05')
  const reversed = debit('F9', 20_000_000, '2026-03-12', { counterpartyAccountNo: '000', counterpartyName: '冲正', reversalOf: 'F1' })
  t.same(fundingLate(SCHEDULE, [funded, reversed], '2026-03-11'), [], 'on time until the reversal is booked')
  const flags = fundingLate(SCHEDULE, [funded, reversed], '2026-03-12')
  t.match(flags, [{ code: 'FUNDING_LATE', evidence: { periodId: '2026-03', shortFen: 20_000_000, fundingLinesCount: 2 } }], 'the reversal reopens it, whatever its counterparty')
})

t.test('FUNDING_LATE applies funding to the oldest period first', async (t) => {
  // ¥150,000 by 10 March against ¥200,000; the next ¥300,000 on 9 April covers March's ¥50,000 and April's ¥250,000.
  const lines = [credit('F1', 15_000_000, '2026-03-08'), credit('F2', 30_000_000, '2026-04-09')]
  const march = fundingLate(SCHEDULE, lines, '2026-03-31')
  t.match(march, [{ evidence: { periodId: '2026-03', appliedFen: 15_000_000, shortFen: 5_000_000 } }])
  t.same(fundingLate(SCHEDULE, lines, '2026-04-11'), [])
  const position = fundingPosition(SCHEDULE, lines, '2026-04-11')
  t.match(position.periods, [
    { periodId: '2026-03', state: 'received_late', completedOn: '2026-04-09', appliedFen: 20_000_000 },
    { periodId: '2026-04', state: 'received', completedOn: '2026-04-09', appliedFen: 25_000_000, cumulativeDueFen: 45_000_000 },
  ])
  const short = fundingLate(SCHEDULE, [credit('F1', 15_000_000, '2026-03-08'), credit('F2', 25_000_000, '2026-04-09')], '2026-04-11')
  t.match(short, [{ evidence: { periodId: '2026-04', appliedFen: 20_000_000, shortFen: 5_000_000, shareBp: 2_500, labourCostFen: 100_000_000 } }], "April's funding first makes March whole")
})

t.test('FUNDING_LATE evidence lists at most the evidence limit of lines, with their count', async (t) => {
  const lines = Array.from({ length: 30 }, (_, i) => credit(`F${String(i).padStart(2, '0')}`, 100, '2026-03-05'))
  const [flag] = fundingLate(SCHEDULE, lines, '2026-03-11')
  t.equal((flag?.evidence.fundingLines as unknown[]).length, 20)
  t.equal(flag?.evidence.fundingLinesCount, 30)
  t.equal(flag?.evidence.receivedFen, 3_000)
})

const payroll = (over: Partial<FundingShortInput> = {}): FundingShortInput => ({
  account: ACCOUNT,
  openingFen: fen(0),
  movements: [credit('F1', 20_000_000, '2026-03-05')],
  period: '2026-02',
  payDate: '2026-03-15',
  approvedSheets: [
    { sheetId: 'team-a', netFen: fen(12_000_000) },
    { sheetId: 'team-b', netFen: fen(8_000_000) },
  ],
  asOf: '2026-03-12',
  ...over,
})

t.test('FUNDING_SHORT: an exactly equal balance is not short; a fen less is', async (t) => {
  t.equal(FUNDING_SHORT_DAYS_BEFORE_DEFAULT, 5)
  t.equal(fundingShort(payroll()), undefined, 'balance ¥200,000 = approved net ¥200,000')
  const flag = fundingShort(payroll({ movements: [credit('F1', 19_999_999, '2026-03-05')] }))
  t.match(flag, {
    code: 'FUNDING_SHORT',
    projectId: 'p1',
    evidence: { checkOn: '2026-03-10', daysBefore: 5, balanceFen: 19_999_999, requiredFen: 20_000_000, shortFen: 1, shortYuan: '0.01', sheetsCount: 2 },
  })
})

t.test('FUNDING_SHORT judges the balance at the end of the check day, N days before pay day', async (t) => {
  const arrivesLate = [credit('F1', 20_000_000, '2026-03-11')]
  t.ok(fundingShort(payroll({ movements: arrivesLate })), 'in the account the day after the check day: short')
  t.equal(fundingShort(payroll({ movements: [credit('F1', 20_000_000, '2026-03-10')] })), undefined, 'booked on the check day: enough')
  t.equal(fundingShort(payroll({ movements: arrivesLate, daysBefore: 3 })), undefined, 'a 3-day check falls on the 12th')
  t.equal(fundingShort(payroll({ movements: [], asOf: '2026-03-09' })), undefined, 'not judged before the check day')
  t.equal(fundingShort(payroll({ movements: [], asOf: '2026-03-10' })), undefined, 'nor on the check day itself, before it has ended (found by review)')
  t.ok(fundingShort(payroll({ movements: [], asOf: '2026-03-11' })), 'judged the day after')
  t.equal(fundingShort(payroll({ movements: [], approvedSheets: [] })), undefined, 'no approved sheet: nothing to cover')
  t.ok(fundingShort(payroll({ movements: [credit('F1', 20_000_000, '2026-03-05'), debit('D1', 1, '2026-03-09')] })), 'money out before the check day lowers it')
  t.throws(() => fundingShort(payroll({ daysBefore: -1 })), { code: 'check_invalid' })
  t.throws(() => fundingShort(payroll({ daysBefore: 2.5 })), { code: 'check_invalid' })
})

t.test('FUNDING_SHORT: wages already paid out by the check day need no covering', async (t) => {
  // Funded ¥200,000 on the 5th; team A's ¥120,000 paid early, on the 8th: ¥80,000 left, all that is still owed.
  const paidEarly = payroll({ movements: [credit('F1', 20_000_000, '2026-03-05'), debit('P1', 12_000_000, '2026-03-08')] })
  t.ok(fundingShort(paidEarly), 'without what was paid, the month paid early read as short (the false positive)')
  t.equal(fundingShort({ ...paidEarly, paidOut: [{ amountFen: fen(12_000_000), valueDate: '2026-03-08' }] }), undefined, 'paid by the check day: not short')
  const after = fundingShort({ ...paidEarly, paidOut: [{ amountFen: fen(12_000_000), valueDate: '2026-03-11' }] })
  t.match(after, { evidence: { requiredFen: 20_000_000, paidBeforeFen: 0, balanceFen: 8_000_000 } }, 'paid after the check day: the balance had to cover it all')
  const still = fundingShort({ ...paidEarly, movements: [credit('F1', 19_000_000, '2026-03-05'), debit('P1', 12_000_000, '2026-03-08')], paidOut: [{ amountFen: fen(12_000_000), valueDate: '2026-03-08' }] })
  t.match(still, { evidence: { approvedFen: 20_000_000, paidBeforeFen: 12_000_000, requiredFen: 8_000_000, balanceFen: 7_000_000, shortFen: 1_000_000 } }, 'short of what is still owed')
  t.equal(fundingShort(payroll({ movements: [], paidOut: [{ amountFen: fen(25_000_000), valueDate: '2026-03-01' }] })), undefined, 'paid in full (and more) before: nothing to cover')
})

const payout = (payoutId: string, debitAccountNo: string, over: Partial<DebitedPayout> = {}): DebitedPayout => ({
  payoutId,
  debitAccountNo,
  amountFen: fen(600_000),
  valueDate: '2026-03-15',
  bankRef: `B${payoutId}`,
  ...over,
})

t.test('PAYER_NOT_DEDICATED: a payout from another account does not count as paid', async (t) => {
  const fromDedicated = payout('1', ACCOUNT.accountNo, { debitBankCode: ACCOUNT.bankCode })
  const fromBoss = [payout('2', '6222021234567890123'), payout('3', '6222021234567890123', { valueDate: '2026-03-14' })]
  const { counted, flags } = dedicatedPayouts('p1', ACCOUNT, [fromBoss[0]!, fromDedicated, fromBoss[1]!])
  t.same(counted, [fromDedicated])
  t.equal(flags.length, 1, 'one flag for the account and reason, its payouts as evidence')
  t.match(flags[0], {
    code: 'PAYER_NOT_DEDICATED',
    projectId: 'p1',
    debitAccountNo: '6222021234567890123',
    evidence: { reason: 'other_account', debitAccount: '****0123', dedicatedAccountNo: ACCOUNT.accountNo, payoutsCount: 2, totalFen: 1_200_000, totalYuan: '12000.00' },
  })
  t.same(
    (flags[0]?.evidence.payouts as { payoutId: string }[]).map((p) => p.payoutId),
    ['3', '2'],
    'in money order: value date, then id',
  )
  t.notMatch(JSON.stringify(flags[0]?.evidence), /6222021234567890123/, 'the debit account is masked in the evidence')
})

t.test('PAYER_NOT_DEDICATED: the same number at another bank, a payout before opening, no account registered', async (t) => {
  const otherBank = payout('1', ACCOUNT.accountNo, { debitBankCode: '102331000999' })
  const early = payout('2', ACCOUNT.accountNo, { valueDate: '2026-01-04' })
  const onOpening = payout('3', ACCOUNT.accountNo, { valueDate: '2026-01-05' })
  const spaced = payout('4', '3305 0161 2345 0000 0001')
  const r = dedicatedPayouts('p1', ACCOUNT, [otherBank, early, onOpening, spaced])
  t.same(r.counted.map((p) => p.payoutId), ['3', '4'])
  t.same(r.flags.map((f) => f.evidence.reason), ['before_opened', 'other_bank'])
  const none = dedicatedPayouts('p1', undefined, [onOpening])
  t.same(none.counted, [])
  t.match(none.flags, [{ evidence: { reason: 'no_dedicated_account', payoutsCount: 1 } }])
})

t.test('a reading without the counterparty’s account agrees with one that has it; the fuller is kept whichever comes first', async (t) => {
  const full = credit('R1', 100, '2026-03-05')
  const thin = credit('R1', 100, '2026-03-05', { counterpartyAccountNo: '', counterpartyName: '' })
  t.same(settleMovements([thin, full]).lines, [full])
  t.same(settleMovements([full, thin]).lines, [full])
  t.throws(() => settleMovements([thin, full, { ...full, counterpartyAccountNo: '999' }]), { code: 'movement_ref_conflict' }, 'two payers named: still a contradiction')
  t.throws(() => settleMovements([thin, { ...thin, amountFen: fen(101) }]), { code: 'movement_ref_conflict' }, 'the thin reading must agree on the rest')
})

t.test('a reading without a value date (no ValDt) agrees with one that gives it; the given one is kept whichever comes first', async (t) => {
  const dated = credit('R1', 100, '2026-03-07', { valueDate: '2026-03-09' })
  const undated = credit('R1', 100, '2026-03-07', { valueDateAssumed: true })
  t.same(settleMovements([undated, dated]).lines, [dated])
  t.same(settleMovements([dated, undated]).lines, [dated])
  // Each reading says what the other does not: the kept line has both.
  const thinDated = { ...dated, counterpartyAccountNo: '', counterpartyName: '' }
  t.same(settleMovements([undated, thinDated]).lines, [dated], 'the counterparty of the one, the value date of the other')
  t.same(settleMovements([thinDated, undated]).lines, settleMovements([undated, thinDated]).lines, 'in either order')
  t.throws(() => settleMovements([undated, dated, { ...dated, valueDate: '2026-03-10' }]), { code: 'movement_ref_conflict' }, 'two value dates given: still a contradiction')
  t.throws(() => settleMovements([undated, { ...dated, bookingDate: '2026-03-08' }]), { code: 'movement_ref_conflict' }, 'the booking date must still agree')
})
