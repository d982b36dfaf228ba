/**
 * Properties of the case life cycle over any history:
 * - whatever order a month's result files arrive in, each arrival reconciled (the real reconcile) and applied, the
 *   cases end the same: the same live cases with the same figures, and every other case resolved;
 * - a return after success reopens exactly one case, the worker's arrears;
 * - a run (or the clock) applied twice appends nothing the second time, after any history of runs and actions.
 */
import fc from 'fast-check'
import t from 'tap'
import { holds } from '../helpers/property.ts'
import { fen } from '../../src/kernel/money.ts'
import { reconcile, type CardOwner, type DueLine, type PaidLine } from '../../src/payouts/reconcile.ts'
import { act, applyClock, applyRun, caseKey, foldCases, type CaseActor, type CaseEvent, type CaseRun, type FlagCase, type RunFlag } from '../../src/flags/cases.ts'

const PROJECT = 'p-1'
const MONTH = '2026-03'
const DAY_MS = 86_400_000
const T0 = Date.UTC(2026, 3, 16, 4) // 2026-04-16 12:00 in Shanghai
const MANAGER: CaseActor = { id: 'u-lm', role: 'labour_manager', label: 'chen.lm' }

function foldAll(events: readonly CaseEvent[]): FlagCase[] {
  const { cases, errors } = foldCases(events)
  if (errors.length > 0) throw new Error(`events do not fold: ${JSON.stringify(errors)}`)
  return cases
}

const run = (runId: string, atMs: number, flags: readonly RunFlag[], perWorker: CaseRun['perWorker'] = []): CaseRun => ({ runId, projectId: PROJECT, month: MONTH, atMs, flags, perWorker })

/** Applies a run to the log and returns the events it appended. */
function apply(log: CaseEvent[], r: CaseRun): CaseEvent[] {
  const { events } = applyRun(foldAll(log), r)
  log.push(...events)
  return events
}

// --- Any order of result files -----------------------------------------------------------------------------------

const WORKERS = ['w1', 'w2', 'w3', 'w4'].map((id, i) => ({ workerId: id, workerName: `工人${i + 1}`, cardNo: `62220202001100000${String(i + 1).padStart(2, '0')}` }))
const STRANGER_CARD = '6217999900000000001'

const monthArb = fc.record({
  due: fc.array(fc.integer({ min: 0, max: 8000 }), { minLength: WORKERS.length, maxLength: WORKERS.length }),
  lines: fc.array(
    fc.record({
      card: fc.constantFrom(...WORKERS.map((w) => w.cardNo), STRANGER_CARD),
      yuan: fc.integer({ min: 1, max: 8000 }),
      success: fc.boolean(),
      day: fc.integer({ min: 10, max: 20 }),
    }),
    { maxLength: 10 },
  ),
})

t.test('any order of result files ends with the same cases', async (t) => {
  holds(
    t,
    'final live cases equal, the rest resolved',
    fc.property(
      monthArb.chain((m) => fc.tuple(fc.constant(m), fc.shuffledSubarray([...m.lines.keys()], { minLength: m.lines.length }), fc.shuffledSubarray([...m.lines.keys()], { minLength: m.lines.length }))),
      ([m, orderA, orderB]) => {
        const due: DueLine[] = WORKERS.map((w, i) => ({ ...w, dueFen: fen((m.due[i] ?? 0) * 100), daysPresent: 20 }))
        const cardOwners = new Map<string, CardOwner>(WORKERS.map((w) => [w.cardNo, { workerId: w.workerId, workerName: w.workerName }]))
        const lines: PaidLine[] = m.lines.map((l, i) => ({
          lineId: `L${i}`,
          fileId: `F${i}`,
          lineNo: 2,
          payeeCard: l.card,
          payeeName: WORKERS.find((w) => w.cardNo === l.card)?.workerName ?? '包工头',
          amountFen: fen(l.yuan * 100),
          status: l.success ? 'success' : 'failed',
          bankRef: `B${i}`,
          valueDate: `2026-04-${l.day}`,
          failureReason: l.success ? null : '账户冻结',
        }))
        const finalOf = (order: number[]): { live: string; closed: string[] } => {
          const log: CaseEvent[] = []
          const arrived: PaidLine[] = []
          // A run before any file, then one per file as it arrives.
          for (let step = 0; step <= order.length; step++) {
            if (step > 0) arrived.push(lines[order[step - 1] as number] as PaidLine)
            const r = reconcile({ period: MONTH, payDate: '2026-04-15', due, payouts: [...arrived], cardOwners })
            apply(log, run(`r${step}`, T0 + step * DAY_MS, r.flags, r.perWorker))
          }
          const cases = foldAll(log)
          const live = cases.filter((c) => c.state === 'open').map((c) => [c.key, c.flagKind, c.dueFen, c.paidFen])
          return { live: JSON.stringify(live), closed: cases.filter((c) => c.state !== 'open').map((c) => c.state) }
        }
        const a = finalOf(orderA)
        const b = finalOf(orderB)
        return a.live === b.live && [...a.closed, ...b.closed].every((s) => s === 'resolved')
      },
    ),
    { numRuns: 150 },
  )
})

// --- A return after success --------------------------------------------------------------------------------------

const OTHER_KINDS = ['UNPAID', 'SHORTFALL', 'FAILED', 'LATE', 'PAYEE_NAME_MISMATCH', 'UNKNOWN_PAYEE', 'FUNDING_LATE', 'RETURNED']

const flagArb: fc.Arbitrary<RunFlag> = fc
  .record({
    kind: fc.constantFrom(...OTHER_KINDS),
    worker: fc.constantFrom('w2', 'w3', 'w4'),
    due: fc.option(fc.integer({ min: 0, max: 500_000 }), { nil: null }),
    paid: fc.option(fc.integer({ min: 0, max: 500_000 }), { nil: null }),
  })
  .map(({ kind, worker, due, paid }) => ({
    kind,
    workerId: kind === 'UNKNOWN_PAYEE' || kind === 'FUNDING_LATE' ? null : worker,
    payeeCard: kind === 'UNKNOWN_PAYEE' ? `62179999000000000${worker.slice(1)}` : null,
    dueFen: due === null ? null : fen(due),
    paidFen: paid === null ? null : fen(paid),
    evidence: { period: MONTH },
  }))

/** A run's flags: one per case key, as reconcile raises them. */
const flagsArb = fc.uniqueArray(flagArb, { selector: (f) => caseKey(PROJECT, MONTH, f), maxLength: 8 })

t.test('a return after success reopens exactly one case', async (t) => {
  holds(
    t,
    'one reopening, the worker’s arrears',
    fc.property(flagsArb, fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 1_000_000 }), fc.boolean(), (others, dueRaw, returnRaw, acknowledged) => {
      const dueFen = fen(dueRaw)
      const returnedFen = fen(Math.min(returnRaw, dueRaw))
      const log: CaseEvent[] = []
      apply(log, run('r1', T0, [...others, { kind: 'UNPAID', workerId: 'w1', payeeCard: null, dueFen, paidFen: fen(0), evidence: {} }]))
      const arrearsKey = caseKey(PROJECT, MONTH, { kind: 'UNPAID', workerId: 'w1', payeeCard: null, dueFen, paidFen: fen(0), evidence: {} })
      if (acknowledged) {
        const c = foldAll(log).find((x) => x.key === arrearsKey) as FlagCase
        const a = act(c, { type: 'acknowledge' }, MANAGER, T0 + 1000)
        if (a.ok) log.push(a.event)
      }
      apply(log, run('r2', T0 + DAY_MS, others, [{ workerId: 'w1', dueFen, paidFen: dueFen }]))
      const left = fen(dueRaw - returnedFen)
      const arrears: RunFlag = { kind: left === 0 ? 'UNPAID' : 'SHORTFALL', workerId: 'w1', payeeCard: null, dueFen, paidFen: left, evidence: {} }
      const returned: RunFlag = { kind: 'RETURNED', workerId: 'w1', payeeCard: null, dueFen, paidFen: left, evidence: { returnedFen } }
      const events = apply(log, run('r3', T0 + 5 * DAY_MS, [...others, returned, arrears]))
      const reopened = events.filter((e) => e.type === 'reopened')
      return reopened.length === 1 && reopened[0]?.caseKey === arrearsKey && foldAll(log).find((c) => c.key === arrearsKey)?.reopenings === 1
    }),
    { numRuns: 300 },
  )
})

// --- Idempotence -------------------------------------------------------------------------------------------------

type Step = { type: 'run'; flags: RunFlag[] } | { type: 'ack'; pick: number } | { type: 'dismiss'; pick: number } | { type: 'clock'; days: number }

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: flagsArb.map((flags): Step => ({ type: 'run', flags })) },
  fc.nat(20).map((pick): Step => ({ type: 'ack', pick })),
  fc.nat(20).map((pick): Step => ({ type: 'dismiss', pick })),
  fc.integer({ min: 0, max: 20 }).map((days): Step => ({ type: 'clock', days })),
)

t.test('a run or the clock applied twice appends nothing the second time', async (t) => {
  holds(
    t,
    'idempotent after any history',
    fc.property(fc.array(stepArb, { maxLength: 12 }), flagsArb, fc.integer({ min: 0, max: 40 }), (steps, lastFlags, clockDays) => {
      const log: CaseEvent[] = []
      let now = T0
      steps.forEach((s, i) => {
        now += DAY_MS
        const cases = foldAll(log)
        switch (s.type) {
          case 'run':
            apply(log, run(`r${i}`, now, s.flags))
            break
          case 'ack':
          case 'dismiss': {
            const c = cases[s.pick % Math.max(1, cases.length)]
            if (c === undefined) break
            const a = act(c, s.type === 'ack' ? { type: 'acknowledge' } : { type: 'dismiss', reason: 'explained' }, MANAGER, now)
            if (a.ok) log.push(a.event)
            break
          }
          case 'clock':
            log.push(...applyClock(cases, now + s.days * DAY_MS))
            break
        }
      })
      const last = run('last', now + DAY_MS, lastFlags)
      apply(log, last)
      if (applyRun(foldAll(log), last).events.length !== 0) return false
      const clockAt = now + clockDays * DAY_MS
      log.push(...applyClock(foldAll(log), clockAt))
      return applyClock(foldAll(log), clockAt).length === 0 && applyClock(foldAll(log), clockAt + DAY_MS).every((e) => e.type === 'escalated')
    }),
    { numRuns: 300 },
  )
})
