/**
 * The risk index (src/risk/risk-index.ts) as a pure rule: its figures on a worked example, and the properties issue 15
 * asks of it — adding a negative signal never lowers a score; the explanation's parts sum to the score — with the
 * caps, the levels, and a formula applying only from its effective date.
 */
import t from 'tap'
import fc from 'fast-check'
import { fen, type Fen } from '../../src/kernel/money.ts'
import { formulaFor, RISK_FORMULAS, riskScore, riskScoreOfMonth, SCALE_TOP, scoreText, stepPoints, type RiskFormula, type RiskSignal } from '../../src/risk/risk-index.ts'
import { holds } from '../helpers/property.ts'

const F = RISK_FORMULAS[0]!

const money = fc.integer({ min: 0, max: 2_000_000_000 }).map((n): Fen => fen(n))
const signal: fc.Arbitrary<RiskSignal> = fc.oneof(
  fc.record({ kind: fc.constant('arrears_case' as const), caseId: fc.uuid(), amountFen: money, headcount: fc.integer({ min: 1, max: 200 }), overdueDays: fc.integer({ min: 0, max: 60 }) }),
  fc.record({ kind: fc.constant('funding_late' as const), periodId: fc.constantFrom('2026-10', '2026-11'), daysLate: fc.integer({ min: 0, max: 90 }), shortFen: money }),
  fc.integer({ min: 0, max: 500 }).chain((onRoster) => fc.record({ kind: fc.constant('unpaid_headcount' as const), unpaid: fc.integer({ min: 0, max: onRoster }), onRoster: fc.constant(onRoster) })),
  fc.record({ kind: fc.constant('sheet_missing' as const), teamId: fc.string({ minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('device_offline' as const), serial: fc.string({ minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('deposit_gap' as const), gap: fc.constantFrom('missing' as const, 'short' as const), shortFen: money }),
  fc.record({
    kind: fc.constant('outside' as const),
    signal: fc.constantFrom('tax_arrears' as const, 'social_insurance_arrears' as const, 'utility_arrears' as const, 'utility_cutoff' as const, 'lawsuit' as const, 'abnormal_operation' as const, 'work_stoppage' as const),
    severity: fc.constantFrom(1 as const, 2 as const, 3 as const),
    amountFen: fc.option(money, { nil: null }),
    source: fc.constantFrom('税务', '电力', '人社'),
    period: fc.constant('2026-11'),
  }),
  fc.record({ kind: fc.constant('credit_record' as const), recordId: fc.uuid(), employerName: fc.constantFrom('杭州某劳务有限公司', '某建设有限公司'), amountFen: money, recordedOn: fc.constantFrom('2026-06-01', '2026-12-10') }),
)
const signals = fc.array(signal, { maxLength: 40 })
/** Every formula there is: each must keep the rules. */
const formula = fc.constantFrom(...RISK_FORMULAS)

t.test('the formula: caps add up to the top of the scale; steps ascend with non-decreasing points', async (t) => {
  for (const f of RISK_FORMULAS) {
    t.equal(Object.values(f.caps).reduce((a, b) => a + b, 0), SCALE_TOP, `${f.version}: caps sum to ${SCALE_TOP}`)
    const tables = [f.arrears.amountYuan, f.arrears.headcount, f.arrears.overdueDays, f.funding.daysLate, f.funding.shortYuan, f.unpaidShareBp, f.deposit.shortYuan, f.outside.amountYuan, f.credit.amountYuan]
    for (const steps of tables) {
      for (let i = 1; i < steps.length; i++) t.ok(steps[i]![0] > steps[i - 1]![0] && steps[i]![1] >= steps[i - 1]![1], `${f.version}: step ${i} ascends`)
    }
    t.ok(f.levels.red > f.levels.yellow && f.levels.yellow > 0)
  }
  t.equal(stepPoints([[10, 5], [20, 9]], 9), 0)
  t.equal(stepPoints([[10, 5], [20, 9]], 10), 5)
  t.equal(stepPoints([[10, 5], [20, 9]], 1e9), 9)
})

t.test('a worked example: what raised the score and by how much', async (t) => {
  const s = riskScore(
    [
      { kind: 'arrears_case', caseId: 'c1', amountFen: fen(12_000_000), headcount: 12, overdueDays: 9 },
      { kind: 'unpaid_headcount', unpaid: 12, onRoster: 40 },
      { kind: 'outside', signal: 'social_insurance_arrears', severity: 2, amountFen: fen(35_000_000), source: '人社', period: '2026-11' },
      { kind: 'device_offline', serial: 'G-01' },
    ],
    F,
  )
  // Arrears: 40 per case + 40 (≥ ¥100,000) + 60 (≥ 10 workers) + 60 (past 7 days) = 200.
  // Unpaid: 30% of the roster (≥ 20%) = 100. Outside: 2 × 20 + 20 (social insurance) + 0 (under ¥1M) = 60. Devices: 10.
  t.same(
    s.parts.map((p) => [p.part, p.points]),
    [
      ['arrears', 200],
      ['unpaid', 100],
      ['devices', 10],
      ['outside', 60],
    ],
  )
  t.equal(s.points, 370)
  t.equal(scoreText(s.points), '37.0')
  t.equal(s.level, 'yellow')
  t.match(s.parts[0]!.reasons[0]!.why, '欠薪案件 ¥120000.00，12 人，超期 9 天')
  t.match(s.parts[3]!.reasons[0]!.why, '人社：欠缴社保（2026-11，2 级，¥350000.00）')
})

t.test('caps: a part stops at its cap, every signal still listed, the parts still summing', async (t) => {
  const many: RiskSignal[] = Array.from({ length: 8 }, (_, i) => ({ kind: 'arrears_case', caseId: `c${i}`, amountFen: fen(600_000_000), headcount: 40, overdueDays: 20 }))
  const s = riskScore(many, F)
  t.equal(s.parts[0]!.points, F.caps.arrears)
  t.equal(s.parts[0]!.reasons.length, 8, 'every case listed')
  t.equal(s.parts[0]!.reasons.reduce((a, r) => a + r.points, 0), F.caps.arrears)
  t.equal(s.level, 'yellow', 'arrears alone, however large, reach 35.0: red needs a second kind of trouble')
  t.equal(riskScore([...many, { kind: 'deposit_gap', gap: 'missing', shortFen: fen(0) }, { kind: 'unpaid_headcount', unpaid: 10, onRoster: 10 }], F).level, 'red')
})

t.test('properties', async (t) => {
  holds(
    t,
    'the explanation sums to the score: parts are the sums of their reasons, the score the sum of the parts, within the scale',
    fc.property(signals, formula, (ss, f) => {
      const s = riskScore(ss, f)
      const partsSum = s.parts.reduce((a, p) => a + p.points, 0)
      return (
        s.points === partsSum &&
        s.parts.every((p) => p.points === p.reasons.reduce((a, r) => a + r.points, 0) && p.points <= p.cap && p.reasons.every((r) => Number.isInteger(r.points) && r.points >= 0)) &&
        s.points >= 0 &&
        s.points <= SCALE_TOP &&
        s.parts.reduce((a, p) => a + p.reasons.length, 0) === ss.length
      )
    }),
  )
  holds(
    t,
    'adding a negative signal never lowers a score (nor its level)',
    fc.property(signals, signal, fc.nat(), formula, (ss, extra, at, f) => {
      const before = riskScore(ss, f)
      const i = ss.length === 0 ? 0 : at % (ss.length + 1)
      const after = riskScore([...ss.slice(0, i), extra, ...ss.slice(i)], f)
      const rank = { green: 0, yellow: 1, red: 2 }
      return after.points >= before.points && rank[after.level] >= rank[before.level]
    }),
  )
  holds(
    t,
    'the order of the signals does not change the score or its explanation',
    fc.property(signals.chain((ss) => fc.tuple(fc.constant(ss), fc.shuffledSubarray(ss, { minLength: ss.length, maxLength: ss.length }))), ([a, b]) => {
      const x = riskScore(a, F)
      const y = riskScore(b, F)
      return x.points === y.points && JSON.stringify(x.parts.map((p) => p.reasons.map((r) => [r.why, r.points]))) === JSON.stringify(y.parts.map((p) => p.reasons.map((r) => [r.why, r.points])))
    }),
  )
})

t.test('credit records count from formula 2026.2 (December 2026 on); under 2026.1 they are listed with 0 points', async (t) => {
  const record: RiskSignal = { kind: 'credit_record', recordId: 'r1', employerName: '杭州某劳务有限公司', amountFen: fen(20_000_000), recordedOn: '2026-12-10' }
  const november = riskScoreOfMonth([record], '2026-11-30')!
  t.same([november.formula, november.points, november.parts.map((p) => [p.part, p.points, p.reasons.length])], ['2026.1', 0, [['credit', 0, 1]]])
  const december = riskScoreOfMonth([record], '2026-12-31')!
  // 50 a record + 15 for ¥200,000 (≥ ¥100,000).
  t.same([december.formula, december.points], ['2026.2', 65])
  t.match(december.parts[0]!.reasons[0]!.why, '信用记录：杭州某劳务有限公司 拖欠工资 ¥200000.00（2026-12-10 记录）')
})

t.test('a formula applies from its effective date: earlier months keep the formula they were scored by', async (t) => {
  const stricter: RiskFormula = { ...F, version: '2027.1', effectiveFrom: '2027-01-01', sheetPerTeam: 60, caps: { ...F.caps, sheets: 100, devices: 0 } }
  const formulas = [F, stricter]
  const ss: RiskSignal[] = [{ kind: 'sheet_missing', teamId: 't1' }]
  t.equal(formulaFor('2025-12-31', formulas), undefined, 'no formula before the first')
  t.equal(riskScoreOfMonth(ss, '2025-12-31', formulas), undefined)
  t.same([riskScoreOfMonth(ss, '2026-12-31', formulas)?.formula, riskScoreOfMonth(ss, '2026-12-31', formulas)?.points], ['2026.1', 20], 'December 2026: the formula then in force')
  t.same([riskScoreOfMonth(ss, '2027-01-31', formulas)?.formula, riskScoreOfMonth(ss, '2027-01-31', formulas)?.points], ['2027.1', 60], 'January 2027: the new one')
  t.equal(Object.values(stricter.caps).reduce((a, b) => a + b, 0), SCALE_TOP, 'the new formula keeps the scale')
})
