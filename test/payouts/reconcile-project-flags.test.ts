/**
 * The project-level checks (issue 11) raised by the pure reconciliation: SHARED_CARD, PAID_TO_NON_WORKER, OVERSIZED,
 * EXITED_UNSETTLED, GROUP_ARREARS and HEADCOUNT_GAP, each through reconcile(), with the subject the case key rules
 * expect (src/flags/cases.ts caseSubject) and evidence bounded by flag_evidence_lines_max.
 */
import fc from 'fast-check'
import t from 'tap'
import { LIMITS } from '../../src/config/limits.ts'
import { caseSubject } from '../../src/flags/cases.ts'
import { fen } from '../../src/kernel/money.ts'
import { holds } from '../helpers/property.ts'
import { bookedByCard, cardPeaks, reconcile, type CardOwner, type DueLine, type EnrolmentSpan, type Flag, type PaidLine, type ReconcileInput } from '../../src/payouts/reconcile.ts'

const PERIOD = '2024-02'
const PAY_DATE = '2024-03-15'
const ZHANG = { workerId: 'w-zhang', workerName: '张伟', cardNo: '6222020200110000001' }
const LI = { workerId: 'w-li', workerName: '李娜', cardNo: '6222020200110000002' }
const WANG = { workerId: 'w-wang', workerName: '王芳', cardNo: '6222020200110000003' }
/** A second 张伟: a name two workers bear says nothing about whom a payment was for. */
const ZHANG2 = { workerId: 'w-zhang-2', workerName: '张伟', cardNo: '6222020200110000004' }
/** The team leader: enrolled, never punches. */
const LEADER = { workerId: 'w-leader', workerName: '刘班长', cardNo: '6222020200110000009' }
const BOSS_CARD = '6217999900000000001'
type W = typeof ZHANG

const due = (w: W, yuan: number, daysPresent = 22): DueLine => ({ ...w, dueFen: fen(Math.round(yuan * 100)), daysPresent })

let next = 0
function paid(card: string, name: string, yuan: number, extra: Partial<PaidLine> = {}): PaidLine {
  next++
  return {
    lineId: `L${String(next).padStart(5, '0')}`,
    fileId: 'F1',
    lineNo: next + 1,
    payeeCard: card,
    payeeName: name,
    amountFen: fen(Math.round(yuan * 100)),
    status: 'success',
    bankRef: `B${next}`,
    valueDate: '2024-03-14',
    failureReason: null,
    ...extra,
  }
}

const owners = (...ws: W[]): Map<string, CardOwner> => new Map(ws.map((w) => [w.cardNo, { workerId: w.workerId, workerName: w.workerName }]))
const ALL = owners(ZHANG, LI, WANG, ZHANG2, LEADER)
const enrolled = (...ws: W[]): EnrolmentSpan[] => ws.map((w) => ({ workerId: w.workerId, entryDate: '2024-01-02', exitDate: null }))

function run(d: DueLine[], p: PaidLine[], extra: Partial<ReconcileInput> = {}) {
  return reconcile({ period: PERIOD, payDate: PAY_DATE, due: d, payouts: p, cardOwners: ALL, ...extra })
}

const of = (flags: Flag[], kind: string): Flag[] => flags.filter((f) => f.kind === kind)

t.test('SHARED_CARD: one card paid under two workers’ names; the card is the subject', async (t) => {
  const r = run([due(ZHANG, 5000), due(LI, 4000)], [paid(ZHANG.cardNo, '张伟', 5000), paid(ZHANG.cardNo, '李娜', 4000)])
  const [f, ...rest] = of(r.flags, 'SHARED_CARD')
  t.same(rest, [], 'one flag per card')
  t.match(f, { workerId: null, payeeCard: ZHANG.cardNo, dueFen: null, paidFen: 900000, evidence: { period: PERIOD, payeeCard: '****0001', workerCount: 2 } })
  t.same(
    (f?.evidence.workers as Array<{ workerId: string }>).map((w) => w.workerId),
    ['w-li', 'w-zhang'],
  )
  t.same(caseSubject(f!), { subject: `card:${ZHANG.cardNo}`, scope: null })
  t.notMatch(JSON.stringify(f?.evidence), new RegExp(ZHANG.cardNo), 'the card masked in evidence')
  t.ok(of(r.flags, 'UNPAID').some((x) => x.workerId === 'w-li'), "Li's own card got nothing: UNPAID as before")

  t.same(of(run([due(LI, 4000)], [paid(LI.cardNo, '李娜', 2000), paid(LI.cardNo, '张伟', 2000)]).flags, 'SHARED_CARD'), [], 'a name two workers bear is no second worker')
  t.same(of(run([due(ZHANG, 5000)], [paid(ZHANG.cardNo, '张卫', 5000)]).flags, 'SHARED_CARD'), [], 'a misspelt name is the owner’s')
  t.same(of(run([due(ZHANG, 5000)], [paid(ZHANG.cardNo, '张伟', 2500), paid(ZHANG.cardNo, '张伟', 2500)]).flags, 'SHARED_CARD'), [])

  const boss = run([due(LI, 4000), due(WANG, 3000)], [paid(BOSS_CARD, '李娜', 4000), paid(BOSS_CARD, '王芳', 3000)])
  t.same(
    boss.flags.filter((x) => x.payeeCard === BOSS_CARD).map((x) => x.kind),
    ['UNKNOWN_PAYEE', 'SHARED_CARD'],
    "a labour boss's card paid for two workers: a stranger's card, and one card for two workers",
  )

  const returned = paid(ZHANG.cardNo, '李娜', 4000, { endToEndId: 'E-R' })
  const back = paid(ZHANG.cardNo, '李娜', 4000, { status: 'returned', returnOf: { endToEndId: 'E-R', bankRef: null } })
  t.same(of(run([due(ZHANG, 5000)], [paid(ZHANG.cardNo, '张伟', 5000), returned, back]).flags, 'SHARED_CARD'), [], 'a returned payment paid nobody')
})

t.test('SHARED_CARD evidence is bounded', async (t) => {
  const many: W[] = Array.from({ length: LIMITS.flag_evidence_lines_max + 5 }, (_, i) => ({ workerId: `w-${String(i).padStart(3, '0')}`, workerName: `工人${i}`, cardNo: `62220202001200${String(i).padStart(5, '0')}` }))
  const r = reconcile({ period: PERIOD, payDate: PAY_DATE, due: [], payouts: many.map((w) => paid(BOSS_CARD, w.workerName, 100)), cardOwners: owners(...many) })
  const [f] = of(r.flags, 'SHARED_CARD')
  t.equal(f?.evidence.workerCount, many.length)
  t.equal((f?.evidence.workers as unknown[]).length, LIMITS.flag_evidence_lines_max)
})

t.test('PAID_TO_NON_WORKER: paid to someone on the roster with no attendance, instead of PAID_WITHOUT_ATTENDANCE', async (t) => {
  const lines = [paid(LEADER.cardNo, '刘班长', 3000), paid(LEADER.cardNo, '刘班长', 1000)]
  const before = run([due(ZHANG, 5000)], [paid(ZHANG.cardNo, '张伟', 5000), ...lines])
  t.same(before.flags.map((f) => [f.kind, f.workerId]), [['PAID_WITHOUT_ATTENDANCE', 'w-leader']], 'without enrolments: as before')

  const r = run([due(ZHANG, 5000)], [paid(ZHANG.cardNo, '张伟', 5000), ...lines], { enrolments: [...enrolled(ZHANG, LEADER), { workerId: 'w-leader', entryDate: '2023-06-01', exitDate: null }] })
  t.same(r.flags.map((f) => [f.kind, f.workerId]), [['PAID_TO_NON_WORKER', 'w-leader']], 'never both')
  const [f] = r.flags
  t.match(f, { payeeCard: LEADER.cardNo, dueFen: null, paidFen: 400000, evidence: { period: PERIOD, onTimesheet: false, onPayrollSheet: false, payeeNames: ['刘班长'], linesTotal: { count: 2, amountFen: 400000 } } })
  t.same(caseSubject(f!), { subject: 'worker:w-leader', scope: null })
  t.same(r.totals, before.totals, 'the same money')
  t.same(r.perWorker, before.perWorker)

  const onTimesheet = run([due(ZHANG, 0, 0)], [paid(ZHANG.cardNo, '张伟', 100)], { enrolments: enrolled(ZHANG) })
  t.same(onTimesheet.flags.map((f) => f.kind), ['PAID_WITHOUT_ATTENDANCE'], 'on the timesheet, due nothing: PAID_WITHOUT_ATTENDANCE stays')
  const stranger = run([], [paid(BOSS_CARD, '刘老板', 100)], { enrolments: enrolled(ZHANG) })
  t.same(stranger.flags.map((f) => f.kind), ['UNKNOWN_PAYEE'], 'a card no enrolled person owns stays UNKNOWN_PAYEE')
})

t.test('OVERSIZED: over ¥50,000 in the month, or the year crossing ¥300,000 this month', async (t) => {
  const month = run([due(ZHANG, 60000)], [paid(ZHANG.cardNo, '张伟', 50000.01), paid(ZHANG.cardNo, '张伟', 9999.99)])
  const [f] = of(month.flags, 'OVERSIZED')
  t.match(f, { workerId: 'w-zhang', payeeCard: ZHANG.cardNo, dueFen: null, paidFen: 6_000_000, evidence: { period: PERIOD, rules: ['month'], monthYuan: '60000.00' } })
  t.same(caseSubject(f!), { subject: 'worker:w-zhang', scope: null })
  t.same(of(run([due(ZHANG, 50000)], [paid(ZHANG.cardNo, '张伟', 50000)]).flags, 'OVERSIZED'), [], 'exactly ¥50,000 is not over')

  const earlier = [{ workerId: 'w-zhang', month: '2024-01', paidFen: fen(29_000_000) }]
  const year = run([due(ZHANG, 20000)], [paid(ZHANG.cardNo, '张伟', 20000)], { paidEarlierInYear: earlier })
  t.match(of(year.flags, 'OVERSIZED'), [{ workerId: 'w-zhang', evidence: { rules: ['year'], yearToDateFen: 31_000_000 } }])
  t.same(of(run([due(ZHANG, 20000)], [paid(ZHANG.cardNo, '张伟', 20000)], { paidEarlierInYear: [{ workerId: 'w-zhang', month: '2024-01', paidFen: fen(30_000_001) }] }).flags, 'OVERSIZED'), [], 'crossed before: flagged then, not again')
  t.same(of(run([due(ZHANG, 20000)], [paid(ZHANG.cardNo, '张伟', 20000)], { paidEarlierInYear: [{ workerId: 'w-zhang', month: '2023-12', paidFen: fen(29_000_000) }] }).flags, 'OVERSIZED'), [], 'last year does not count')
  t.same(of(run([due(ZHANG, 20000)], [paid(ZHANG.cardNo, '张伟', 20000)], { paidEarlierInYear: [{ workerId: 'w-zhang', month: PERIOD, paidFen: fen(29_000_000) }] }).flags, 'OVERSIZED'), [], 'this month comes from its own lines only')
  t.throws(() => run([], [], { paidEarlierInYear: [{ workerId: 'w', month: '2024-1', paidFen: fen(1) }] }), RangeError)
})

t.test('EXITED_UNSETTLED: left this month, not paid the month in full by exit + 3 days', async (t) => {
  const exited: EnrolmentSpan[] = [{ workerId: 'w-zhang', entryDate: '2024-01-02', exitDate: '2024-02-20' }, ...enrolled(LI)]
  const lines = [paid(ZHANG.cardNo, '张伟', 3000, { valueDate: '2024-02-22' })]
  const r = run([due(ZHANG, 5000), due(LI, 0, 0)], lines, { enrolments: exited, asOf: '2024-02-24' })
  const [f] = of(r.flags, 'EXITED_UNSETTLED')
  t.match(f, { workerId: 'w-zhang', payeeCard: ZHANG.cardNo, dueFen: 500000, paidFen: 300000, evidence: { period: PERIOD, exitDate: '2024-02-20', deadline: '2024-02-23', shortFen: 200000, payeeCard: '****0001' } })
  t.same(caseSubject(f!), { subject: 'worker:w-zhang', scope: null })
  t.same(of(run([due(ZHANG, 5000)], lines, { enrolments: exited, asOf: '2024-02-23' }).flags, 'EXITED_UNSETTLED'), [], 'not before the deadline has passed')
  t.same(of(run([due(ZHANG, 5000)], lines, { enrolments: exited }).flags, 'EXITED_UNSETTLED'), [], 'no asOf, no deadline')
  t.same(of(run([due(ZHANG, 5000)], lines, { asOf: '2024-03-30' }).flags, 'EXITED_UNSETTLED'), [], 'no enrolments, no exits')
  const settled = [...lines, paid(ZHANG.cardNo, '张伟', 2000, { valueDate: '2024-02-25' })]
  t.same(of(run([due(ZHANG, 5000)], settled, { enrolments: exited, asOf: '2024-02-26' }).flags, 'EXITED_UNSETTLED'), [], 'settled (late) resolves it')
  const march: EnrolmentSpan[] = [{ workerId: 'w-zhang', entryDate: '2024-01-02', exitDate: '2024-03-02' }]
  t.same(of(run([due(ZHANG, 5000)], lines, { enrolments: march, asOf: '2024-03-30' }).flags, 'EXITED_UNSETTLED'), [], "another month's exit is that month's")
  const bad: EnrolmentSpan[] = [{ workerId: 'w-zhang', entryDate: '2024-01-02', exitDate: '2024-02-31' }]
  t.same(of(run([due(ZHANG, 5000)], lines, { enrolments: bad, asOf: '2024-03-30' }).flags, 'EXITED_UNSETTLED'), [], 'a malformed exit date is skipped, not thrown')
})

t.test('GROUP_ARREARS: ten or more workers short, once the pay date has passed; the project is the subject', async (t) => {
  const crew: W[] = Array.from({ length: 25 }, (_, i) => ({ workerId: `w-${String(i).padStart(2, '0')}`, workerName: `工人${i}`, cardNo: `62220202001300${String(i).padStart(5, '0')}` }))
  const cardOwners = owners(...crew)
  const go = (n: number, asOf?: string) =>
    reconcile({ period: PERIOD, payDate: PAY_DATE, due: crew.map((w) => due(w, 1000)), payouts: crew.slice(n).map((w) => paid(w.cardNo, w.workerName, 1000)), cardOwners, ...(asOf === undefined ? {} : { asOf }) })
  const [f] = of(go(10, '2024-03-16').flags, 'GROUP_ARREARS')
  t.match(f, { workerId: null, payeeCard: null, dueFen: 1_000_000, paidFen: 0, evidence: { period: PERIOD, workerCount: 10, threshold: 10, unpaidCount: 10, shortFen: 1_000_000 } })
  t.same(caseSubject(f!), { subject: 'project', scope: null })
  t.same(of(go(9, '2024-03-16').flags, 'GROUP_ARREARS'), [], 'nine is not a group')
  t.same(of(go(10, PAY_DATE).flags, 'GROUP_ARREARS'), [], 'on the pay date nobody is in arrears yet')
  t.same(of(go(10).flags, 'GROUP_ARREARS'), [], 'no asOf')
  const all = of(go(25, '2024-03-16').flags, 'GROUP_ARREARS')[0]
  t.equal(all?.evidence.workerCount, 25)
  t.equal((all?.evidence.workers as unknown[]).length, LIMITS.flag_evidence_lines_max, 'evidence bounded')
})

t.test('HEADCOUNT_GAP: 10% or more of the workers with attendance without a payout, after the pay date', async (t) => {
  const crew: W[] = Array.from({ length: 20 }, (_, i) => ({ workerId: `w-${String(i).padStart(2, '0')}`, workerName: `工人${i}`, cardNo: `62220202001400${String(i).padStart(5, '0')}` }))
  const go = (unpaid: number, asOf: string, extraDue: DueLine[] = []) =>
    reconcile({ period: PERIOD, payDate: PAY_DATE, due: [...crew.map((w) => due(w, 1000)), ...extraDue], payouts: crew.slice(unpaid).map((w) => paid(w.cardNo, w.workerName, 1000)), cardOwners: owners(...crew), asOf })
  const [f] = of(go(2, '2024-03-16').flags, 'HEADCOUNT_GAP')
  t.match(f, { workerId: null, payeeCard: null, dueFen: null, paidFen: null, evidence: { period: PERIOD, attendedCount: 20, withoutPayoutCount: 2, workers: [{ workerId: 'w-00' }, { workerId: 'w-01' }] } })
  t.same(caseSubject(f!), { subject: 'project', scope: null })
  t.same(of(go(1, '2024-03-16').flags, 'HEADCOUNT_GAP'), [], '1 of 20 is 5%')
  t.same(of(go(2, PAY_DATE).flags, 'HEADCOUNT_GAP'), [], 'not before the pay date has passed')
  const idle = { workerId: 'w-idle', workerName: '闲', cardNo: '6222020200149999999' }
  t.equal(of(go(2, '2024-03-16', [due(idle, 0, 0)]).flags, 'HEADCOUNT_GAP')[0]?.evidence.attendedCount, 20, 'a timesheet line with no day present is no attendance')
})

t.test('kinds in the documented order, whatever order the lines come in', async (t) => {
  const input: ReconcileInput = {
    period: PERIOD,
    payDate: PAY_DATE,
    due: [due(ZHANG, 60000), due(LI, 4000)],
    payouts: [paid(ZHANG.cardNo, '张伟', 60000), paid(ZHANG.cardNo, '李娜', 10), paid(LEADER.cardNo, '刘班长', 100)],
    cardOwners: ALL,
    enrolments: [{ workerId: 'w-zhang', entryDate: '2024-01-02', exitDate: '2024-02-10' }, ...enrolled(LI, LEADER)],
    asOf: '2024-03-20',
  }
  const r = reconcile(input)
  const kinds: string[] = r.flags.map((f) => f.kind)
  for (const k of ['SHARED_CARD', 'PAID_TO_NON_WORKER', 'OVERSIZED', 'HEADCOUNT_GAP']) t.ok(kinds.includes(k), k)
  t.same(kinds.slice(kinds.indexOf('SHARED_CARD')), ['SHARED_CARD', 'PAID_TO_NON_WORKER', 'OVERSIZED', 'HEADCOUNT_GAP'])
  t.same(reconcile({ ...input, payouts: [...input.payouts].reverse(), enrolments: [...(input.enrolments ?? [])].reverse() }), r)
})

t.test('bookedByCard: each payment once, net of returns, failures and pending left out', async (t) => {
  const lines = [
    paid(ZHANG.cardNo, '张伟', 100, { endToEndId: 'E1', bankRef: 'pain:1' }),
    paid(ZHANG.cardNo, '张伟', 100, { endToEndId: 'E1', bankRef: 'camt:1' }),
    paid(ZHANG.cardNo, '张伟', 50),
    paid(LI.cardNo, '李娜', 70, { endToEndId: 'E2' }),
    paid(LI.cardNo, '李娜', 70, { status: 'returned', returnOf: { endToEndId: 'E2', bankRef: null } }),
    paid(WANG.cardNo, '王芳', 30, { status: 'failed' }),
    paid(WANG.cardNo, '王芳', 30, { status: 'pending' }),
  ]
  t.same([...bookedByCard(lines)], [[ZHANG.cardNo, 15000]])
})

t.test('cardPeaks: the most one card received, in successful lines and in all, reports and spaces included', async (t) => {
  const spaced = ZHANG.cardNo.replace(/(\d{4})/g, '$1 ').trim()
  const lines = [
    paid(ZHANG.cardNo, '张伟', 100, { endToEndId: 'E1', bankRef: 'pain:1' }),
    paid(ZHANG.cardNo, '张伟', 100, { endToEndId: 'E1', bankRef: 'camt:1' }),
    paid(spaced, '张伟', 50),
    paid(LI.cardNo, '李娜', 300, { status: 'failed' }),
    paid(WANG.cardNo, '王芳', 200),
  ]
  t.same(cardPeaks(lines), { success: 25000, any: 30000 }, "successful: Zhang's card, both reports of E1 and the spaced card counted; in all: Li's failed line")
  t.same(cardPeaks([]), { success: 0, any: 0 })
})

t.test('cardPeaks bounds what bookedByCard gives any card of the same lines, and what any card was sent', async (t) => {
  const cards = [ZHANG.cardNo, LI.cardNo, `${WANG.cardNo.slice(0, 4)} ${WANG.cardNo.slice(4)}`, WANG.cardNo]
  const line = fc.record({
    card: fc.constantFrom(...cards),
    fen: fc.integer({ min: 1, max: LIMITS.payout_line_amount_fen_max }),
    status: fc.constantFrom<PaidLine['status']>('success', 'failed', 'pending', 'returned'),
    e2e: fc.option(fc.constantFrom('E1', 'E2', 'E3'), { nil: undefined }),
  })
  holds(
    t,
    'no card booked more than the peak',
    fc.property(fc.array(line, { maxLength: 30 }), (specs) => {
      const lines = specs.map((s) =>
        paid(s.card, '某', s.fen / 100, {
          amountFen: fen(s.fen),
          status: s.status,
          ...(s.e2e === undefined ? {} : { endToEndId: s.e2e }),
          ...(s.status === 'returned' && s.e2e !== undefined ? { returnOf: { endToEndId: s.e2e, bankRef: null } } : {}),
        }),
      )
      const peak = cardPeaks(lines)
      const sent = new Map<string, number>()
      for (const l of lines) sent.set(l.payeeCard.replace(/\s/g, ''), (sent.get(l.payeeCard.replace(/\s/g, '')) ?? 0) + l.amountFen)
      return [...bookedByCard(lines).values()].every((booked) => Math.abs(booked) <= peak.success) && [...sent.values()].every((n) => n <= peak.any)
    }),
  )
})
