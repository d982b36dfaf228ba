/**
 * The project-level checks (issue 11) only read the month's tally: whatever the roster, the earlier months and the
 * day, they never change what is due or paid, the per-worker figures, the sheets paid in full, or any other flag —
 * except that PAID_TO_NON_WORKER stands instead of PAID_WITHOUT_ATTENDANCE for the same worker, never beside it.
 */
import { deepStrictEqual, ok } from 'node:assert/strict'
import fc from 'fast-check'
import t from 'tap'
import { caseSubject } from '../../src/flags/cases.ts'
import { fen } from '../../src/kernel/money.ts'
import { reconcile, type CardOwner, type DueLine, type EnrolmentSpan, type Flag, type PaidLine, type ReconcileInput } from '../../src/payouts/reconcile.ts'
import type { WorkerMonthPaid } from '../../src/flags/project-flags.ts'
import { holds } from '../helpers/property.ts'

const PERIOD = '2024-02'
const PAY_DATE = '2024-03-15'
/** Few names, so that namesakes and payments under another worker's name are common. */
const NAMES = ['张伟', '李娜', '王芳', '欧阳娜娜', '刘班长']
const DATES = ['2024-02-10', '2024-02-25', '2024-03-14', PAY_DATE, '2024-03-20']
const NEW_KINDS = new Set(['SHARED_CARD', 'PAID_TO_NON_WORKER', 'OVERSIZED', 'EXITED_UNSETTLED', 'GROUP_ARREARS', 'HEADCOUNT_GAP'])

const workerId = (i: number): string => `w${String(i).padStart(2, '0')}`
const workerCard = (i: number): string => `622202${String(i).padStart(10, '0')}`
const STRANGER = '6217990000000001'

interface Scenario {
  input: ReconcileInput
  enrolments: EnrolmentSpan[]
  paidEarlierInYear: WorkerMonthPaid[]
}

const workerArb = fc.record({
  name: fc.constantFrom(...NAMES),
  // undefined: enrolled but not on the month's timesheet
  dueFen: fc.option(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6_000_000 }), fc.integer({ min: 1, max: 6_000_000 })), { nil: undefined, freq: 4 }),
  days: fc.integer({ min: 0, max: 31 }),
  enrolled: fc.boolean(),
  exitDate: fc.option(fc.constantFrom('2024-01-20', '2024-02-05', '2024-02-27', '2024-03-03'), { nil: null }),
  earlierFen: fc.option(fc.integer({ min: 0, max: 32_000_000 }), { nil: undefined }),
})

// Small months, and months of ten or more workers, where a group in arrears can happen.
const scenarioArb: fc.Arbitrary<Scenario> = fc.oneof(fc.array(workerArb, { maxLength: 5 }), fc.array(workerArb, { minLength: 10, maxLength: 16 })).chain((workers) => {
  const cards = [...workers.map((_, i) => workerCard(i)), STRANGER]
  const payout = fc.record({
    card: fc.constantFrom(...cards),
    name: fc.constantFrom(...NAMES),
    amountFen: fc.oneof(fc.integer({ min: 1, max: 6_000_000 }), fc.constantFrom(...workers.map((w) => w.dueFen ?? 1).filter((d) => d > 0), 1)),
    status: fc.constantFrom('success' as const, 'success' as const, 'failed' as const, 'pending' as const, 'returned' as const),
    e2e: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
    valueDate: fc.constantFrom(...DATES),
  })
  return fc.record({ payouts: fc.array(payout, { maxLength: 30 }), asOf: fc.option(fc.constantFrom('2024-02-26', PAY_DATE, '2024-03-16', '2024-04-30'), { nil: undefined }) }).map(({ payouts, asOf }) => {
    const cardOwners = new Map<string, CardOwner>(workers.map((w, i) => [workerCard(i), { workerId: workerId(i), workerName: w.name }]))
    const due: DueLine[] = workers.flatMap((w, i) => (w.dueFen === undefined ? [] : [{ workerId: workerId(i), workerName: w.name, cardNo: workerCard(i), dueFen: fen(w.dueFen), daysPresent: w.days }]))
    const lines: PaidLine[] = payouts.map((p, n) => ({
      lineId: `L${String(n).padStart(4, '0')}`,
      fileId: 'F1',
      lineNo: n + 2,
      payeeCard: p.card,
      payeeName: p.name,
      amountFen: fen(p.amountFen),
      status: p.status,
      bankRef: `B${n}`,
      valueDate: p.valueDate,
      failureReason: p.status === 'failed' ? '账户冻结' : null,
      endToEndId: p.e2e === null ? null : `E${p.e2e}`,
      returnOf: p.status === 'returned' ? { endToEndId: p.e2e === null ? null : `E${p.e2e}`, bankRef: null } : null,
    }))
    const input: ReconcileInput = { period: PERIOD, payDate: PAY_DATE, due, payouts: lines, cardOwners, ...(asOf === undefined ? {} : { asOf }) }
    return {
      input,
      enrolments: workers.flatMap((w, i) => (w.enrolled ? [{ workerId: workerId(i), entryDate: '2024-01-02', exitDate: w.exitDate }] : [])),
      paidEarlierInYear: workers.flatMap((w, i) => (w.earlierFen === undefined ? [] : [{ workerId: workerId(i), month: '2024-01', paidFen: fen(w.earlierFen) }])),
    }
  })
})

const params = { numRuns: 400 }
const oldFlags = (flags: readonly Flag[]): Flag[] => flags.filter((f) => !NEW_KINDS.has(f.kind))

t.test('the new kinds never change due, paid, per-worker figures, settled sheets or the other flags', async (t) => {
  holds(
    t,
    'figures unchanged; PAID_TO_NON_WORKER only instead of PAID_WITHOUT_ATTENDANCE',
    fc.property(scenarioArb, ({ input, enrolments, paidEarlierInYear }) => {
      const before = reconcile(input)
      const after = reconcile({ ...input, enrolments, paidEarlierInYear })
      deepStrictEqual(after.totals, before.totals)
      deepStrictEqual(after.perWorker, before.perWorker)
      deepStrictEqual(after.sheetsPaidInFull, before.sheetsPaidInFull)
      const nonWorkers = new Set(after.flags.filter((f) => f.kind === 'PAID_TO_NON_WORKER').map((f) => f.workerId))
      const replaced = oldFlags(before.flags).filter((f) => !(f.kind === 'PAID_WITHOUT_ATTENDANCE' && nonWorkers.has(f.workerId)))
      deepStrictEqual(oldFlags(after.flags), replaced)
      for (const w of nonWorkers) ok(before.flags.some((f) => f.kind === 'PAID_WITHOUT_ATTENDANCE' && f.workerId === w), 'PAID_TO_NON_WORKER replaces a PAID_WITHOUT_ATTENDANCE')
      ok(!after.flags.some((f) => f.kind === 'PAID_WITHOUT_ATTENDANCE' && nonWorkers.has(f.workerId)), 'never both')
    }),
    params,
  )
})

const seen = new Set<string>()

t.test('the new kinds have the subjects the case keys expect, one case each, bounded evidence', async (t) => {
  holds(
    t,
    'subjects and bounds',
    fc.property(scenarioArb, ({ input, enrolments, paidEarlierInYear }) => {
      const r = reconcile({ ...input, enrolments, paidEarlierInYear })
      const fresh = r.flags.filter((f) => NEW_KINDS.has(f.kind))
      for (const f of fresh) {
        const { subject } = caseSubject(f)
        if (f.kind === 'SHARED_CARD') ok(subject.startsWith('card:'), subject)
        else if (f.kind === 'GROUP_ARREARS' || f.kind === 'HEADCOUNT_GAP') ok(subject === 'project', subject)
        else ok(subject.startsWith('worker:'), `${f.kind} ${subject}`)
        ok(JSON.stringify(f.evidence).length < 20_000, 'bounded')
        deepStrictEqual(JSON.parse(JSON.stringify(f.evidence)), f.evidence)
      }
      for (const f of fresh) seen.add(f.kind)
      const keys = fresh.map((f) => JSON.stringify([f.kind, caseSubject(f).subject]))
      ok(new Set(keys).size === keys.length, 'one flag per case key')
    }),
    params,
  )
  // The scenarios reach every new kind, or the properties above would hold of nothing.
  t.same([...seen].sort(), [...NEW_KINDS].sort(), 'every new kind raised in some scenario')
})

t.test('a roster whose cards are written with spaces reconciles as one written without', async (t) => {
  // The roster map is read as given when its cards have no spaces, and re-keyed by digits when they have: both ways
  // must find the same owners, so the same flags, figures and evidence.
  const spaced = (card: string): string => card.replace(/(\d{4})(?=\d)/g, '$1 ')
  holds(
    t,
    'same reconciliation',
    fc.property(scenarioArb, ({ input, enrolments, paidEarlierInYear }) => {
      const full = { ...input, enrolments, paidEarlierInYear }
      const written = { ...full, cardOwners: new Map([...input.cardOwners].map(([card, owner]) => [spaced(card), owner])) }
      deepStrictEqual(reconcile(written), reconcile(full))
    }),
    params,
  )
})
