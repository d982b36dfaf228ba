/**
 * Properties of the timesheet rules over generated workers: a few workers'
 * punches over ten days around a month end, gates and face terminals, double
 * taps, suspect clocks, corrections (with revokes), any policy within its
 * bounds and any enrolment dates.
 */
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import t from 'tap'
import { holds } from '../helpers/property.ts'
import type { Direction } from '../../src/punches/canonical.ts'
import { addDays, parseLocalDateTime, workDateOf, type WorkDate } from '../../src/kernel/time.ts'
import { INCOMPLETE_DAY_POLICIES, POLICY_BOUNDS, type AttendancePolicy } from '../../src/timesheets/policy.ts'
import {
  buildWorkerDays,
  inputDates,
  SET_STATUSES,
  type ClockSuspect,
  type Correction,
  type CorrectionKind,
  type RawPunch,
  type WorkerDay,
  type WorkerInput,
} from '../../src/timesheets/rules.ts'

const TZ = 'Asia/Shanghai'
const MIN = 60_000
const FIRST = '2026-10-27'
const SPAN = 10
/** The ten work dates punches fall on, across the October/November boundary. */
const DATES: WorkDate[] = Array.from({ length: SPAN }, (_, i) => addDays(FIRST, i))
const LAST = DATES[SPAN - 1]!
const START_MS = parseLocalDateTime(`${FIRST} 00:00:00`, TZ)!
/** A range wide enough that every punch's day (a night shift's out, a repeat's first punch) lies inside it. */
const WIDE = { from: addDays(FIRST, -2), to: addDays(LAST, 2) }

const direction = fc.constantFrom<Direction>('in', 'out', 'unknown')
const minuteOfSpan = fc.integer({ min: 0, max: SPAN * 24 * 60 - 1 })

/** What a worker did: shifts (in/out by gate, face or both), stray punches, repeats of punches, suspect clocks, corrections. */
const planArb = fc.record({
  shifts: fc.array(
    fc.record({
      start: minuteOfSpan,
      minutes: fc.oneof(fc.integer({ min: 1, max: 12 * 60 }), fc.integer({ min: 12 * 60, max: 26 * 60 })),
      second: fc.integer({ min: 0, max: 59 }),
      devices: fc.constantFrom('gate', 'face', 'gate_in_face_out', 'face_in_gate_out'),
      drop: fc.constantFrom('none', 'none', 'none', 'in', 'out'),
    }),
    { maxLength: 8 },
  ),
  strays: fc.array(fc.record({ minute: minuteOfSpan, second: fc.integer({ min: 0, max: 59 }), direction }), { maxLength: 6 }),
  repeats: fc.array(fc.record({ of: fc.nat(), afterSeconds: fc.oneof(fc.integer({ min: 0, max: 150 }), fc.integer({ min: 0, max: 3600 })), direction: fc.option(direction) }), { maxLength: 8 }),
  suspects: fc.array(fc.record({ of: fc.nat(), why: fc.constantFrom<ClockSuspect>('ahead_of_receipt', 'before_install') }), { maxLength: 3 }),
  corrections: fc.array(
    fc.record({
      kind: fc.constantFrom<CorrectionKind>('add_punch', 'add_punch', 'void_punch', 'accept_punch', 'accept_punch', 'set_status', 'revoke'),
      date: fc.integer({ min: 0, max: SPAN - 1 }),
      /** void_punch, accept_punch: which punch; revoke: which earlier correction */
      target: fc.nat(),
      /** void_punch, accept_punch: on the punch's own work date, or on another day */
      onPunchDate: fc.boolean(),
      minute: minuteOfSpan,
      direction: fc.constantFrom<'in' | 'out'>('in', 'out'),
      status: fc.constantFrom(...SET_STATUSES),
      created: fc.integer({ min: 0, max: 4 }),
    }),
    { maxLength: 6 },
  ),
  entry: fc.integer({ min: -3, max: SPAN }),
  stay: fc.option(fc.integer({ min: 0, max: SPAN + 2 }), { freq: 2 }),
})
type Plan = typeof planArb extends fc.Arbitrary<infer P> ? P : never

const policyArb: fc.Arbitrary<AttendancePolicy> = fc.record({
  debounceMinutes: fc.oneof(fc.constantFrom(0, 1, 2, 5), fc.integer(POLICY_BOUNDS.debounceMinutes)),
  maxShiftMinutes: fc.oneof(fc.constantFrom(60, 12 * 60, 16 * 60, 24 * 60), fc.integer(POLICY_BOUNDS.maxShiftMinutes)),
  incompleteDay: fc.constantFrom(...INCOMPLETE_DAY_POLICIES),
  clockAheadMinutes: fc.integer(POLICY_BOUNDS.clockAheadMinutes),
})

/**
 * A worker from a plan. With oneCorrectionPerPunch, no punch is named by two
 * void_punch or two accept_punch corrections (the narrower shuffle property; the wider one allows both).
 */
function workerOf(workerId: string, plan: Plan, idBase: number, oneCorrectionPerPunch: boolean): WorkerInput {
  const punches: RawPunch[] = []
  const add = (ms: number, dir: Direction): void => {
    punches.push({ id: idBase + punches.length, deviceId: dir === 'unknown' ? 'face' : 'gate', deviceTimeMs: ms, direction: dir, workDate: workDateOf(ms, TZ), clockSuspect: null })
  }
  for (const s of plan.shifts) {
    const inMs = START_MS + s.start * MIN + s.second * 1000
    const inDir = s.devices === 'gate' || s.devices === 'gate_in_face_out' ? 'in' : 'unknown'
    const outDir = s.devices === 'gate' || s.devices === 'face_in_gate_out' ? 'out' : 'unknown'
    if (s.drop !== 'in') add(inMs, inDir)
    if (s.drop !== 'out') add(inMs + s.minutes * MIN, outDir)
  }
  for (const p of plan.strays) add(START_MS + p.minute * MIN + p.second * 1000, p.direction)
  const made = punches.length
  for (const r of plan.repeats) {
    if (made === 0) break
    const of = punches[r.of % made]!
    add(of.deviceTimeMs + r.afterSeconds * 1000, r.direction ?? of.direction)
  }
  for (const s of plan.suspects) {
    if (punches.length === 0) break
    const p = punches[s.of % punches.length]!
    p.clockSuspect = s.why
  }

  const corrections: Correction[] = []
  const named = new Set<string>()
  plan.corrections.forEach((c, i) => {
    const base: Correction = {
      id: `c${String(i).padStart(2, '0')}`,
      workDate: DATES[c.date]!,
      kind: c.kind,
      punchId: null,
      atMs: null,
      direction: null,
      status: null,
      revokesId: null,
      reason: '更正',
      author: '劳资员',
      createdAtMs: START_MS + c.created * MIN,
    }
    switch (c.kind) {
      case 'add_punch':
        corrections.push({ ...base, atMs: START_MS + c.minute * MIN, direction: c.direction })
        break
      case 'void_punch':
      case 'accept_punch': {
        // Mostly a real punch, sometimes one the worker does not have.
        const p = punches.length > 0 ? punches[c.target % (punches.length + 1)] : undefined
        const punchId = p?.id ?? idBase + 999
        if (oneCorrectionPerPunch && named.has(`${c.kind}:${punchId}`)) break
        named.add(`${c.kind}:${punchId}`)
        corrections.push({ ...base, punchId, workDate: c.onPunchDate && p ? p.workDate : base.workDate })
        break
      }
      case 'set_status':
        corrections.push({ ...base, status: c.status })
        break
      case 'revoke':
        corrections.push({ ...base, revokesId: corrections.length > 0 ? corrections[c.target % corrections.length]!.id : 'c-none' })
        break
    }
  })

  const entryDate = addDays(FIRST, plan.entry)
  return { workerId, enrolment: { entryDate, exitDate: plan.stay === null ? null : addDays(entryDate, plan.stay) }, punches, corrections }
}

const workersArb = (oneCorrectionPerPunch = false): fc.Arbitrary<WorkerInput[]> =>
  fc.array(planArb, { minLength: 1, maxLength: 3 }).map((plans) => plans.map((plan, i) => workerOf(`w${i + 1}`, plan, (i + 1) * 1000, oneCorrectionPerPunch)))

const scenarioArb = fc.record({ workers: workersArb(), policy: policyArb })

/** A seeded shuffle (mulberry32), so a failing case prints a seed that reproduces it. */
function shuffle<T>(xs: readonly T[], seed: number): T[] {
  let a = seed >>> 0
  const rnd = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  const out = [...xs]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

const wide = (w: WorkerInput, policy: AttendancePolicy): WorkerDay[] => buildWorkerDays(w, policy, TZ, WIDE.from, WIDE.to)

/** TIMESHEET_PROPERTY_RUNS=5000 for a longer search. */
const RUNS = { numRuns: Number(process.env.TIMESHEET_PROPERTY_RUNS ?? 300) }

t.test('order of arrival never changes the timesheet', async (t) => {
  holds(
    t,
    'shuffling punches and corrections (one void/accept per punch)',
    fc.property(fc.record({ workers: workersArb(true), policy: policyArb }), fc.integer(), ({ workers, policy }, seed) =>
      workers.every((w) => isDeepStrictEqual(wide({ ...w, punches: shuffle(w.punches, seed), corrections: shuffle(w.corrections, seed + 1) }, policy), wide(w, policy))),
    ),
    RUNS,
  )
  holds(
    t,
    'shuffling punches',
    fc.property(scenarioArb, fc.integer(), ({ workers, policy }, seed) => workers.every((w) => isDeepStrictEqual(wide({ ...w, punches: shuffle(w.punches, seed) }, policy), wide(w, policy)))),
    RUNS,
  )
  holds(
    t,
    'shuffling corrections, even two void_punch (or accept_punch) naming one punch on different days',
    fc.property(scenarioArb, fc.integer(), ({ workers, policy }, seed) => workers.every((w) => isDeepStrictEqual(wide({ ...w, corrections: shuffle(w.corrections, seed) }, policy), wide(w, policy)))),
    RUNS,
  )
})

t.test('a punch delivered twice counts once', async (t) => {
  holds(
    t,
    'duplicating punches',
    fc.property(scenarioArb, fc.array(fc.nat(), { maxLength: 10 }), fc.integer(), ({ workers, policy }, picks, seed) =>
      workers.every((w) => {
        if (w.punches.length === 0) return true
        const again = picks.map((i) => w.punches[i % w.punches.length]!)
        return isDeepStrictEqual(wide({ ...w, punches: shuffle([...w.punches, ...again], seed) }, policy), wide(w, policy))
      }),
    ),
    RUNS,
  )
})

/** Days from..to built piecewise, each piece from the punches of its inputDates only, against one build from every punch. */
const localityArb = fc.record({
  workers: workersArb(),
  policy: policyArb,
  range: fc.tuple(fc.integer({ min: -2, max: SPAN + 1 }), fc.integer({ min: -2, max: SPAN + 1 })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const),
  cuts: fc.uniqueArray(fc.integer({ min: -1, max: SPAN + 1 }), { maxLength: 4 }),
})

function piecewise(w: WorkerInput, policy: AttendancePolicy, from: number, to: number, cuts: number[]): WorkerDay[] {
  // Each cut ends a piece: pieces [from..c1], [c1+1..c2], ..., [..to].
  const ends = [...cuts.filter((c) => c >= from && c < to), to].sort((a, b) => a - b)
  const days: WorkerDay[] = []
  let start = from
  for (const end of ends) {
    const a = addDays(FIRST, start)
    const b = addDays(FIRST, end)
    const need = inputDates(a, b)
    const punches = w.punches.filter((p) => p.workDate >= need.from && p.workDate <= need.to)
    days.push(...buildWorkerDays({ ...w, punches }, policy, TZ, a, b))
    start = end + 1
  }
  return days
}

t.test('a day is a function of the punches of inputDates', async (t) => {
  holds(
    t,
    'days built piecewise from inputDates equal one build from every punch',
    fc.property(localityArb, ({ workers, policy, range: [from, to], cuts }) =>
      workers.every((w) => isDeepStrictEqual(piecewise(w, policy, from, to, cuts), buildWorkerDays(w, policy, TZ, addDays(FIRST, from), addDays(FIRST, to)))),
    ),
    RUNS,
  )
})

t.test('figures stay in their bounds', async (t) => {
  holds(
    t,
    'workedMinutes in 0..1440, creditHalves in {0,1,2}, needsReview iff review reasons',
    fc.property(scenarioArb, ({ workers, policy }) =>
      workers.every((w) =>
        wide(w, policy).every(
          (d) =>
            Number.isInteger(d.workedMinutes) &&
            d.workedMinutes >= 0 &&
            d.workedMinutes <= 1440 &&
            [0, 1, 2].includes(d.creditHalves) &&
            d.needsReview === d.reviewReasons.length > 0 &&
            // A status set by correction decides the minutes too: absent none, half day the pairs' up to four hours.
            d.workedMinutes ===
              (d.decidedBy === 'correction' && d.status === 'absent'
                ? 0
                : d.decidedBy === 'correction' && d.status === 'half_day'
                  ? Math.min(240, d.pairs.reduce((n, p) => n + p.minutes, 0))
                  : Math.min(1440, d.pairs.reduce((n, p) => n + p.minutes, 0))) &&
            d.reviewReasons.includes('over_24h') === (d.decidedBy !== 'correction' && d.pairs.reduce((n, p) => n + p.minutes, 0) > 1440),
        ),
      ),
    ),
    RUNS,
  )
})

t.test('every punch is accounted for exactly once', async (t) => {
  holds(
    t,
    'each raw punch and each standing added punch is listed on exactly one day, with its use and reason',
    fc.property(scenarioArb, ({ workers, policy }) =>
      workers.every((w) => {
        const listed = wide(w, policy).flatMap((d) => d.punches)
        const byPunch = new Map<number, number>()
        const byCorrection = new Map<string, number>()
        for (const p of listed) {
          if (p.punchId !== null) byPunch.set(p.punchId, (byPunch.get(p.punchId) ?? 0) + 1)
          if (p.correctionId !== null) byCorrection.set(p.correctionId, (byCorrection.get(p.correctionId) ?? 0) + 1)
          const explained = p.use === 'paired' ? p.reason === null && p.direction !== null : p.use === 'debounced' ? p.reason === 'repeat' && p.direction === null : p.reason !== null
          if (!explained) return false
        }
        const revoked = new Set(w.corrections.filter((c) => c.kind === 'revoke').map((c) => c.revokesId))
        const added = w.corrections.filter((c) => c.kind === 'add_punch' && !revoked.has(c.id)).map((c) => c.id)
        return (
          byPunch.size === new Set(w.punches.map((p) => p.id)).size &&
          w.punches.every((p) => byPunch.get(p.id) === 1) &&
          byCorrection.size === added.length &&
          added.every((id) => byCorrection.get(id) === 1)
        )
      }),
    ),
    RUNS,
  )
})

t.test('pairs', async (t) => {
  holds(
    t,
    'an in before its out, within the maximum shift, no two pairs of a worker overlapping',
    fc.property(scenarioArb, ({ workers, policy }) =>
      workers.every((w) => {
        const days = wide(w, policy)
        const pairs = days.flatMap((d) => d.pairs)
        for (const d of days) {
          for (let i = 1; i < d.pairs.length; i++) if (d.pairs[i - 1]!.inAtMs > d.pairs[i]!.inAtMs) return false
          for (const p of d.pairs) {
            if (!(p.inAtMs <= p.outAtMs && p.outAtMs - p.inAtMs <= policy.maxShiftMinutes * MIN)) return false
            if (p.minutes !== Math.floor((p.outAtMs - p.inAtMs) / MIN)) return false
            // The pair is on its in's work date.
            if (workDateOf(p.inAtMs, TZ) !== d.workDate) return false
          }
        }
        pairs.sort((a, b) => a.inAtMs - b.inAtMs)
        for (let i = 1; i < pairs.length; i++) if (pairs[i - 1]!.outAtMs > pairs[i]!.inAtMs) return false
        return true
      }),
    ),
    RUNS,
  )
})

t.test('status follows the pairs unless a correction set it', async (t) => {
  holds(
    t,
    'present: a pair and nothing unpaired; incomplete: something unpaired; absent: nothing counted; credit by policy',
    fc.property(scenarioArb, ({ workers, policy }) =>
      workers.every((w) =>
        wide(w, policy).every((d) => {
          const unpaired = d.punches.some((p) => p.use === 'unpaired')
          const counted = d.punches.some((p) => p.use === 'paired' || p.use === 'unpaired')
          const inside = d.workDate >= w.enrolment.entryDate && (w.enrolment.exitDate === null || d.workDate <= w.enrolment.exitDate)
          const setBy = inside && w.corrections.some((c) => c.kind === 'set_status' && c.workDate === d.workDate && !w.corrections.some((r) => r.kind === 'revoke' && r.revokesId === c.id))
          if (setBy) return d.decidedBy === 'correction' && d.fromCorrections && d.creditHalves === { present: 2, half_day: 1, absent: 0, incomplete: -1 }[d.status]
          switch (d.status) {
            case 'present':
              return d.pairs.length > 0 && !unpaired && d.creditHalves === 2
            case 'incomplete':
              return unpaired && d.creditHalves === { count_day: 2, count_half: 1, needs_review: 0 }[policy.incompleteDay] && (policy.incompleteDay !== 'needs_review' || (d.needsReview && d.reviewReasons.includes('incomplete')))
            case 'absent':
              return !counted && d.pairs.length === 0 && d.creditHalves === 0
            case 'half_day':
              return false
          }
        }),
      ),
    ),
    RUNS,
  )
})
