/**
 * The credit rules as data (src/risk/credit-rules.ts): the version in force on a date, a record's term counted in
 * calendar months (a month's end kept), its state on a date, and when a repair may be granted.
 */
import t from 'tap'
import { addMonthsToDate, creditRecordState, creditRuleOn, expiresOn, repairCheck, type CreditRule } from '../../src/risk/credit-rules.ts'

const RULES: CreditRule[] = [
  { version: 'v1', effectiveFrom: '2000-01-01', expiresAfterMonths: 36, repairAfterPaidMonths: 12, source: 'first' },
  { version: 'v2', effectiveFrom: '2027-01-01', expiresAfterMonths: 24, repairAfterPaidMonths: 6, source: 'second' },
]

t.test('the rule in force on a date; a later version applies only from its date', async (t) => {
  t.equal(creditRuleOn('2026-12-31', RULES).version, 'v1')
  t.equal(creditRuleOn('2027-01-01', RULES).version, 'v2')
  t.equal(creditRuleOn('2026-12-10').version, 'credit-2026.1', 'the shipped table covers today')
})

t.test('months are calendar months; a day past the shorter month is its last', async (t) => {
  t.equal(addMonthsToDate('2026-12-10', 36), '2029-12-10')
  t.equal(addMonthsToDate('2027-01-31', 1), '2027-02-28')
  t.equal(addMonthsToDate('2027-01-31', 13), '2028-02-29', 'a leap year')
  t.equal(addMonthsToDate('2026-11-30', 3), '2027-02-28')
  t.equal(expiresOn('2026-12-10', RULES[0]!), '2029-12-10')
})

t.test("a record's state on a date", async (t) => {
  const r = { recordedOn: '2026-12-10', ruleVersion: 'v1', repairedOn: null, expiredOn: null }
  t.equal(creditRecordState(r, '2026-12-09', RULES), 'not_yet')
  t.equal(creditRecordState(r, '2026-12-10', RULES), 'active')
  t.equal(creditRecordState(r, '2029-12-09', RULES), 'active', 'the last day of its term')
  t.equal(creditRecordState(r, '2029-12-10', RULES), 'expired', 'by its rule, whether or not the sweep has run')
  t.equal(creditRecordState({ ...r, repairedOn: '2028-01-05' }, '2028-01-04', RULES), 'active')
  t.equal(creditRecordState({ ...r, repairedOn: '2028-01-05' }, '2028-01-05', RULES), 'repaired')
  // Recorded under v1 before v2 came: v1's term still governs it.
  t.equal(creditRecordState(r, '2029-01-01', RULES), 'active')
})

t.test('repair: after the rule’s months from paying in full, only while active and with no record made since the payment', async (t) => {
  const r = { recordedOn: '2026-12-10', ruleVersion: 'v1', repairedOn: null, expiredOn: null }
  t.same(repairCheck(r, '2027-01-15', '2028-01-14', RULES), { ok: false, refusal: { code: 'too_early', repairableOn: '2028-01-15' } })
  t.same(repairCheck(r, '2027-01-15', '2028-01-15', RULES), { ok: true })
  t.same(repairCheck(r, '2028-02-01', '2028-01-15', RULES), { ok: false, refusal: { code: 'paid_in_future' } })
  t.same(repairCheck({ ...r, repairedOn: '2028-01-15' }, '2027-01-15', '2028-02-01', RULES), { ok: false, refusal: { code: 'not_active', state: 'repaired' } })
  t.same(repairCheck(r, '2027-01-15', '2029-12-10', RULES), { ok: false, refusal: { code: 'not_active', state: 'expired' } })
  const v2 = { ...r, recordedOn: '2027-03-01', ruleVersion: 'v2' }
  t.same(repairCheck(v2, '2027-04-01', '2027-10-01', RULES), { ok: true }, 'v2: six months')
  const others = [{ id: 'older', recordedOn: '2026-01-05' }, { id: 'later', recordedOn: '2027-06-01' }, { id: 'newer', recordedOn: '2027-03-01' }]
  t.same(repairCheck(r, '2027-01-15', '2028-01-15', RULES, undefined, others), { ok: false, refusal: { code: 'newer_record', recordId: 'newer', recordedOn: '2027-03-01' } }, 'a record made after the payment: the first one named')
  t.same(repairCheck(r, '2027-01-15', '2028-01-15', RULES, undefined, [others[0]!]), { ok: true }, 'one made before the payment does not refuse it')
})
