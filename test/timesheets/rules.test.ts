/**
 * The timesheet rules (考勤规则), one example per rule: what a labour manager
 * would check by hand. Properties over generated inputs are in
 * rules.property.test.ts, an independent second implementation in auditor.test.ts.
 */
import t from 'tap'
import type { Direction } from '../../src/punches/canonical.ts'
import { addDays, parseLocalDateTime, workDateOf, type WorkDate } from '../../src/kernel/time.ts'
import { DEFAULT_POLICY, type AttendancePolicy } from '../../src/timesheets/policy.ts'
import {
  buildWorkerDays,
  creditText,
  foldMonth,
  inputDates,
  type ClockSuspect,
  type Correction,
  type CorrectionKind,
  type EnrolmentDates,
  type RawPunch,
  type WorkerDay,
  type WorkerInput,
} from '../../src/timesheets/rules.ts'

const TZ = 'Asia/Shanghai'
const MIN = 60_000

const at = (local: string): number => {
  const ms = parseLocalDateTime(local, TZ)
  if (ms === undefined) throw new Error(`not a local time: ${local}`)
  return ms
}

let nextPunchId = 1
function punch(local: string, direction: Direction, clockSuspect: ClockSuspect | null = null): RawPunch {
  const ms = at(local)
  return { id: nextPunchId++, deviceId: direction === 'unknown' ? 'face-1' : 'gate-1', deviceTimeMs: ms, direction, workDate: workDateOf(ms, TZ), clockSuspect }
}

let nextCorrection = 1
function correction(kind: CorrectionKind, workDate: WorkDate, fields: Partial<Correction> = {}): Correction {
  const n = nextCorrection++
  return {
    id: `c${String(n).padStart(3, '0')}`,
    workDate,
    kind,
    punchId: null,
    atMs: null,
    direction: null,
    status: null,
    revokesId: null,
    reason: '补卡',
    author: '劳资员',
    createdAtMs: at('2026-11-02 09:00:00') + n * MIN,
    ...fields,
  }
}

const ENROLLED: EnrolmentDates = { entryDate: '2026-01-01', exitDate: null }

function worker(punches: RawPunch[], corrections: Correction[] = [], enrolment: EnrolmentDates = ENROLLED): WorkerInput {
  return { workerId: 'w1', enrolment, punches, corrections }
}

function build(input: WorkerInput, policy: Partial<AttendancePolicy> = {}, from = '2026-10-01', to = '2026-10-31', timeZone = TZ): WorkerDay[] {
  return buildWorkerDays(input, { ...DEFAULT_POLICY, ...policy }, timeZone, from, to)
}

function dayOf(days: WorkerDay[], date: WorkDate): WorkerDay {
  const d = days.find((x) => x.workDate === date)
  if (!d) throw new Error(`no day ${date} in ${days.map((x) => x.workDate).join(',')}`)
  return d
}

/** What each listed punch became, by punch id (or correction id for added punches). */
const uses = (d: WorkerDay): Record<string, string> =>
  Object.fromEntries(d.punches.map((p) => [p.punchId !== null ? String(p.punchId) : `+${p.correctionId}`, p.reason ? `${p.use}:${p.reason}` : p.use]))

const sorted = <T>(xs: readonly T[]): T[] => [...xs].sort()

t.test('gate day with a lunch break: two pairs by device direction', async (t) => {
  const ps = [punch('2026-10-08 07:00:00', 'in'), punch('2026-10-08 12:00:00', 'out'), punch('2026-10-08 13:00:00', 'in'), punch('2026-10-08 17:30:00', 'out')]
  const days = build(worker(ps))
  t.equal(days.length, 1)
  const d = dayOf(days, '2026-10-08')
  t.equal(d.workerId, 'w1')
  t.equal(d.status, 'present')
  t.equal(d.creditHalves, 2)
  t.equal(d.decidedBy, 'pairs')
  t.equal(d.workedMinutes, 300 + 270)
  t.equal(d.needsReview, false)
  t.same(d.reviewReasons, [])
  t.same(
    d.pairs.map((p) => [p.inAtMs, p.outAtMs, p.minutes, p.rule, p.inPunchId, p.outPunchId, p.fromCorrection]),
    [
      [at('2026-10-08 07:00:00'), at('2026-10-08 12:00:00'), 300, 'direction', ps[0]!.id, ps[1]!.id, false],
      [at('2026-10-08 13:00:00'), at('2026-10-08 17:30:00'), 270, 'direction', ps[2]!.id, ps[3]!.id, false],
    ],
  )
  t.same(
    d.punches.map((p) => [p.direction, p.directionRule, p.use]),
    [
      ['in', 'device', 'paired'],
      ['out', 'device', 'paired'],
      ['in', 'device', 'paired'],
      ['out', 'device', 'paired'],
    ],
  )
  t.same(d.corrections, [])
  t.equal(d.fromCorrections, false)
  // Minutes are whole minutes of each pair, rounded down.
  const [s] = build(worker([punch('2026-10-09 07:00:40', 'in'), punch('2026-10-09 07:30:39', 'out')]))
  t.equal(s!.workedMinutes, 29)
})

t.test('face terminal (direction unknown): paired by order within the work date', async (t) => {
  // Arrival order does not matter: the rules order by device time.
  const four = [punch('2026-10-08 17:31:00', 'unknown'), punch('2026-10-08 07:01:00', 'unknown'), punch('2026-10-08 13:02:00', 'unknown'), punch('2026-10-08 12:00:00', 'unknown')]
  const d = dayOf(build(worker(four)), '2026-10-08')
  t.equal(d.status, 'present')
  t.equal(d.pairs.length, 2)
  t.same(
    d.pairs.map((p) => [p.rule, p.minutes]),
    [
      ['order', 299],
      ['order', 269],
    ],
  )
  t.equal(d.workedMinutes, 568)
  t.same(
    d.punches.map((p) => [p.atMs, p.direction, p.directionRule]),
    [
      [at('2026-10-08 07:01:00'), 'in', 'order'],
      [at('2026-10-08 12:00:00'), 'out', 'order'],
      [at('2026-10-08 13:02:00'), 'in', 'order'],
      [at('2026-10-08 17:31:00'), 'out', 'order'],
    ],
  )

  const three = [punch('2026-10-09 07:00:00', 'unknown'), punch('2026-10-09 12:00:00', 'unknown'), punch('2026-10-09 17:30:00', 'unknown')]
  const e = dayOf(build(worker(three)), '2026-10-09')
  t.equal(e.status, 'incomplete')
  t.equal(e.pairs.length, 1)
  t.equal(e.workedMinutes, 300)
  t.same(uses(e), { [three[0]!.id]: 'paired', [three[1]!.id]: 'paired', [three[2]!.id]: 'unpaired:no_out' })

  // Order restarts each work date: the first unknown of a date is an in even if yesterday ended on an in.
  const two = [punch('2026-10-10 07:00:00', 'unknown'), punch('2026-10-11 06:00:00', 'unknown'), punch('2026-10-11 17:00:00', 'unknown')]
  const days = build(worker(two), { maxShiftMinutes: 24 * 60 })
  t.same(uses(dayOf(days, '2026-10-10')), { [two[0]!.id]: 'unpaired:followed_by_in' })
  t.equal(dayOf(days, '2026-10-11').status, 'present')
})

t.test('mixed gate and face terminal', async (t) => {
  const ps = [punch('2026-10-08 07:00:00', 'in'), punch('2026-10-08 17:30:00', 'unknown')]
  const d = dayOf(build(worker(ps)), '2026-10-08')
  t.equal(d.status, 'present')
  t.same(
    d.pairs.map((p) => [p.rule, p.minutes]),
    [['mixed', 630]],
  )
  t.same(
    d.punches.map((p) => [p.direction, p.directionRule]),
    [
      ['in', 'device'],
      ['out', 'order'],
    ],
  )
  // Face in the morning, gate out at night.
  const qs = [punch('2026-10-09 07:00:00', 'unknown'), punch('2026-10-09 17:00:00', 'out')]
  const e = dayOf(build(worker(qs)), '2026-10-09')
  t.same(
    e.pairs.map((p) => [p.rule, p.minutes]),
    [['mixed', 600]],
  )
  // A gate out resets the order: the unknown after it is an in.
  const rs = [punch('2026-10-10 07:00:00', 'unknown'), punch('2026-10-10 12:00:00', 'out'), punch('2026-10-10 13:00:00', 'unknown'), punch('2026-10-10 17:00:00', 'unknown')]
  const f = dayOf(build(worker(rs)), '2026-10-10')
  t.equal(f.status, 'present')
  t.same(
    f.pairs.map((p) => [p.rule, p.minutes]),
    [
      ['mixed', 300],
      ['order', 240],
    ],
  )
})

t.test('debounce: repeated punches collapse into the first', async (t) => {
  t.test('a double tap one minute apart', async (t) => {
    const ps = [punch('2026-10-08 07:00:00', 'in'), punch('2026-10-08 07:01:00', 'in'), punch('2026-10-08 17:00:00', 'out')]
    const d = dayOf(build(worker(ps)), '2026-10-08')
    t.equal(d.status, 'present')
    t.equal(d.workedMinutes, 600)
    t.same(uses(d), { [ps[0]!.id]: 'paired', [ps[1]!.id]: 'debounced:repeat', [ps[2]!.id]: 'paired' })
    const tap = d.punches.find((p) => p.punchId === ps[1]!.id)
    t.equal(tap?.direction, null, 'a debounced punch settles no direction')
    t.equal(tap?.directionRule, null)
    // A face terminal's repeat is compatible with a gate's in.
    const qs = [punch('2026-10-09 07:00:00', 'in'), punch('2026-10-09 07:00:30', 'unknown'), punch('2026-10-09 17:00:00', 'out')]
    t.same(uses(dayOf(build(worker(qs)), '2026-10-09')), { [qs[0]!.id]: 'paired', [qs[1]!.id]: 'debounced:repeat', [qs[2]!.id]: 'paired' })
  })

  t.test('an in then an out one minute apart are not a repeat', async (t) => {
    const ps = [punch('2026-10-08 07:00:00', 'in'), punch('2026-10-08 07:01:00', 'out')]
    const d = dayOf(build(worker(ps)), '2026-10-08')
    t.equal(d.status, 'present')
    t.equal(d.workedMinutes, 1)
    t.same(uses(d), { [ps[0]!.id]: 'paired', [ps[1]!.id]: 'paired' })
  })

  t.test('a face tap between a gate in and a gate out does not make the out a repeat of the in', async (t) => {
    // Gate in, face terminal (no direction) a minute later, gate out 90 s after that: each within the window of the
    // punch before it, but an out is never a repeat of a burst that began with an in.
    const ps = [
      punch('2026-10-08 07:00:00', 'in'),
      punch('2026-10-08 07:01:00', 'unknown'),
      punch('2026-10-08 07:02:30', 'out'),
      punch('2026-10-08 07:30:00', 'in'),
      punch('2026-10-08 17:00:00', 'out'),
    ]
    const d = dayOf(build(worker(ps)), '2026-10-08')
    t.same(uses(d), { [ps[0]!.id]: 'paired', [ps[1]!.id]: 'debounced:repeat', [ps[2]!.id]: 'paired', [ps[3]!.id]: 'paired', [ps[4]!.id]: 'paired' })
    t.equal(d.status, 'present')
    t.equal(d.workedMinutes, 2 + 570)
  })

  t.test('the window is strict: two minutes apart is a new punch under the 2-minute default', async (t) => {
    const ps = [punch('2026-10-08 07:00:00', 'in'), punch('2026-10-08 07:02:00', 'in'), punch('2026-10-08 17:00:00', 'out')]
    t.same(uses(dayOf(build(worker(ps)), '2026-10-08')), { [ps[0]!.id]: 'unpaired:followed_by_in', [ps[1]!.id]: 'paired', [ps[2]!.id]: 'paired' })
  })

  t.test('debounceMinutes 0 turns it off', async (t) => {
    const ps = [punch('2026-10-08 07:00:00', 'in'), punch('2026-10-08 07:01:00', 'in'), punch('2026-10-08 17:00:00', 'out')]
    const d = dayOf(build(worker(ps), { debounceMinutes: 0 }), '2026-10-08')
    t.equal(d.status, 'incomplete')
    t.same(uses(d), { [ps[0]!.id]: 'unpaired:followed_by_in', [ps[1]!.id]: 'paired', [ps[2]!.id]: 'paired' })
    // Even punches at the same instant both count.
    const qs = [punch('2026-10-09 07:00:00', 'in'), punch('2026-10-09 07:00:00', 'in')]
    t.same(uses(dayOf(build(worker(qs), { debounceMinutes: 0 }), '2026-10-09')), { [qs[0]!.id]: 'unpaired:followed_by_in', [qs[1]!.id]: 'unpaired:no_out' })
  })

  t.test('a burst of taps a minute apart over ten minutes collapses into its first', async (t) => {
    const burst = Array.from({ length: 11 }, (_, i) => punch(`2026-10-08 07:${String(i).padStart(2, '0')}:00`, 'unknown'))
    const out = punch('2026-10-08 17:00:00', 'unknown')
    const d = dayOf(build(worker([out, ...burst].reverse())), '2026-10-08')
    t.equal(d.status, 'present')
    t.same(
      d.pairs.map((p) => [p.inPunchId, p.outPunchId, p.minutes]),
      [[burst[0]!.id, out.id, 600]],
    )
    t.equal(d.punches.filter((p) => p.use === 'debounced' && p.reason === 'repeat').length, 10)
    t.equal(d.punches.length, 12)
  })

  t.test('a repeat is listed on the day of the punch it repeats', async (t) => {
    // A night shift's out double-tapped just after 06:00 next morning: both on the night's day.
    const ps = [punch('2026-10-08 20:00:00', 'in'), punch('2026-10-09 06:00:00', 'out'), punch('2026-10-09 06:00:40', 'out')]
    const days = build(worker(ps))
    t.same(
      days.map((d) => d.workDate),
      ['2026-10-08'],
    )
    t.same(uses(dayOf(days, '2026-10-08')), { [ps[0]!.id]: 'paired', [ps[1]!.id]: 'paired', [ps[2]!.id]: 'debounced:repeat' })
  })

  t.test('an excluded punch neither repeats nor is repeated', async (t) => {
    const ps = [punch('2026-10-08 07:00:00', 'in'), punch('2026-10-08 07:01:00', 'in', 'ahead_of_receipt'), punch('2026-10-08 07:02:30', 'in'), punch('2026-10-08 17:00:00', 'out')]
    const d = dayOf(build(worker(ps)), '2026-10-08')
    t.same(uses(d), { [ps[0]!.id]: 'unpaired:followed_by_in', [ps[1]!.id]: 'excluded:clock_suspect', [ps[2]!.id]: 'paired', [ps[3]!.id]: 'paired' })
  })
})

t.test('night shift: the pair belongs to the work date of its in', async (t) => {
  const ps = [punch('2026-10-08 20:00:00', 'in'), punch('2026-10-09 06:00:00', 'out')]
  const days = build(worker(ps))
  t.same(
    days.map((d) => d.workDate),
    ['2026-10-08'],
    'Oct 9 has no day of its own',
  )
  const d = dayOf(days, '2026-10-08')
  t.equal(d.status, 'present')
  t.equal(d.workedMinutes, 600)
  t.same(
    d.punches.map((p) => p.punchId),
    [ps[0]!.id, ps[1]!.id],
  )

  // With a day shift of its own on Oct 9 (after the night), Oct 9 is a day again.
  const more = [...ps, punch('2026-10-09 20:00:00', 'in'), punch('2026-10-10 06:00:00', 'out')]
  const ds = build(worker(more))
  t.same(
    ds.map((x) => [x.workDate, x.status, x.workedMinutes]),
    [
      ['2026-10-08', 'present', 600],
      ['2026-10-09', 'present', 600],
    ],
  )
})

t.test('night shift across the month end belongs to Oct 31', async (t) => {
  const ps = [punch('2026-10-31 20:00:00', 'in'), punch('2026-11-01 06:00:00', 'out')]
  const october = build(worker(ps), {}, '2026-10-01', '2026-10-31')
  t.same(
    october.map((d) => [d.workDate, d.status, d.workedMinutes]),
    [['2026-10-31', 'present', 600]],
  )
  const november = build(worker(ps), {}, '2026-11-01', '2026-11-30')
  t.same(november, [], 'November shows nothing of it')
  t.same(inputDates('2026-10-01', '2026-10-31'), { from: '2026-09-29', to: '2026-11-01' })
})

t.test('maximum shift', async (t) => {
  // 2026-10-05 is a Monday: in 07:00, the next out at 08:00 on Tuesday, 25 h later.
  const ps = [punch('2026-10-05 07:00:00', 'in'), punch('2026-10-06 08:00:00', 'out')]
  for (const maxShiftMinutes of [DEFAULT_POLICY.maxShiftMinutes, 24 * 60]) {
    const days = build(worker(ps), { maxShiftMinutes })
    const mon = dayOf(days, '2026-10-05')
    const tue = dayOf(days, '2026-10-06')
    t.same(uses(mon), { [ps[0]!.id]: 'unpaired:no_out' }, `max ${maxShiftMinutes}`)
    t.same(uses(tue), { [ps[1]!.id]: 'unpaired:no_in' }, `max ${maxShiftMinutes}`)
    t.equal(mon.status, 'incomplete')
    t.equal(tue.status, 'incomplete')
    t.equal(mon.workedMinutes + tue.workedMinutes, 0)
  }
  // A 16.5 h shift: too long under the 16 h default, fine under 17 h.
  const qs = [punch('2026-10-08 07:00:00', 'in'), punch('2026-10-08 23:30:00', 'out')]
  t.equal(dayOf(build(worker(qs)), '2026-10-08').status, 'incomplete')
  const long = dayOf(build(worker(qs), { maxShiftMinutes: 17 * 60 }), '2026-10-08')
  t.equal(long.status, 'present')
  t.equal(long.workedMinutes, 990)
  // The maximum itself is allowed.
  const rs = [punch('2026-10-09 07:00:00', 'in'), punch('2026-10-09 23:00:00', 'out')]
  t.equal(dayOf(build(worker(rs)), '2026-10-09').workedMinutes, 16 * 60)
})

t.test('a missing out: incomplete, never absent, credited by the policy', async (t) => {
  const ps = [punch('2026-10-08 07:00:00', 'in')]
  const expected = {
    count_day: { creditHalves: 2, decidedBy: 'policy_count_day', needsReview: false, reviewReasons: [] },
    count_half: { creditHalves: 1, decidedBy: 'policy_count_half', needsReview: false, reviewReasons: [] },
    needs_review: { creditHalves: 0, decidedBy: 'policy_needs_review', needsReview: true, reviewReasons: ['incomplete'] },
  } as const
  for (const incompleteDay of ['count_day', 'count_half', 'needs_review'] as const) {
    const d = dayOf(build(worker(ps), { incompleteDay }), '2026-10-08')
    t.equal(d.status, 'incomplete', incompleteDay)
    t.not(d.status, 'absent')
    t.equal(d.workedMinutes, 0)
    t.same(uses(d), { [ps[0]!.id]: 'unpaired:no_out' })
    t.same({ creditHalves: d.creditHalves, decidedBy: d.decidedBy, needsReview: d.needsReview, reviewReasons: d.reviewReasons }, expected[incompleteDay], incompleteDay)
  }
  // A face terminal's single punch is an in without an out.
  const face = dayOf(build(worker([punch('2026-10-09 07:00:00', 'unknown')])), '2026-10-09')
  t.equal(face.status, 'incomplete')
  t.not(face.creditHalves, 2, 'never a full day under needs_review')
  // Missing the lunch out: the morning in is followed by another in.
  const qs = [punch('2026-10-10 07:00:00', 'in'), punch('2026-10-10 13:00:00', 'in'), punch('2026-10-10 17:30:00', 'out')]
  const lunch = dayOf(build(worker(qs)), '2026-10-10')
  t.equal(lunch.status, 'incomplete')
  t.equal(lunch.creditHalves, 0)
  t.equal(lunch.workedMinutes, 270, 'the pair it has still counts its minutes')
  t.same(uses(lunch), { [qs[0]!.id]: 'unpaired:followed_by_in', [qs[1]!.id]: 'paired', [qs[2]!.id]: 'paired' })
})

t.test('an in followed by another in', async (t) => {
  // Within a shift's length the out was missed; later than that, only that no out came.
  const ps = [punch('2026-10-08 07:00:00', 'in'), punch('2026-10-09 07:00:00', 'in'), punch('2026-10-09 17:00:00', 'out')]
  t.same(uses(dayOf(build(worker(ps)), '2026-10-08')), { [ps[0]!.id]: 'unpaired:no_out' }, '24 h later, 16 h shifts')
  t.same(uses(dayOf(build(worker(ps), { maxShiftMinutes: 24 * 60 }), '2026-10-08')), { [ps[0]!.id]: 'unpaired:followed_by_in' }, '24 h later, 24 h shifts')
  t.equal(dayOf(build(worker(ps)), '2026-10-09').status, 'present')
})

t.test('an out with no in', async (t) => {
  const ps = [punch('2026-10-08 17:00:00', 'out')]
  const d = dayOf(build(worker(ps)), '2026-10-08')
  t.equal(d.status, 'incomplete')
  t.same(uses(d), { [ps[0]!.id]: 'unpaired:no_in' })
  t.equal(d.punches[0]?.direction, 'out')
  t.equal(d.punches[0]?.directionRule, 'device')
  t.equal(d.creditHalves, 0)
})

t.test('clock_suspect punches are excluded until a correction accepts them', async (t) => {
  const ps = [punch('2026-10-08 07:00:00', 'in'), punch('2026-10-08 17:00:00', 'out', 'ahead_of_receipt')]
  const d = dayOf(build(worker(ps)), '2026-10-08')
  t.equal(d.status, 'incomplete')
  t.same(uses(d), { [ps[0]!.id]: 'unpaired:no_out', [ps[1]!.id]: 'excluded:clock_suspect' })
  t.same(sorted(d.reviewReasons), ['clock_suspect', 'incomplete'])
  t.equal(d.needsReview, true)
  const suspect = d.punches.find((p) => p.punchId === ps[1]!.id)
  t.equal(suspect?.clockSuspect, 'ahead_of_receipt')
  t.equal(suspect?.direction, null)

  // Only suspect punches on the day: absent, but still looked at.
  const lone = dayOf(build(worker([punch('2026-10-09 07:00:00', 'in', 'before_install')])), '2026-10-09')
  t.equal(lone.status, 'absent')
  t.equal(lone.decidedBy, 'no_counted_punches')
  t.same(lone.reviewReasons, ['clock_suspect'])
  t.equal(lone.needsReview, true)

  const accept = correction('accept_punch', '2026-10-08', { punchId: ps[1]!.id })
  const e = dayOf(build(worker(ps, [accept])), '2026-10-08')
  t.equal(e.status, 'present')
  t.equal(e.workedMinutes, 600)
  t.same(e.reviewReasons, [])
  t.same(e.corrections, [accept.id])
  t.equal(e.fromCorrections, true)
  t.same(uses(e), { [ps[0]!.id]: 'paired', [ps[1]!.id]: 'paired' })
})

t.test('punches before entry or after exit (进退场) are excluded', async (t) => {
  const enrolment = { entryDate: '2026-10-10', exitDate: '2026-10-20' }
  const ps = [
    punch('2026-10-09 07:00:00', 'in'),
    punch('2026-10-09 17:00:00', 'out'),
    punch('2026-10-10 07:00:00', 'in'),
    punch('2026-10-10 17:00:00', 'out'),
    punch('2026-10-20 07:00:00', 'in'),
    punch('2026-10-20 17:00:00', 'out'),
    punch('2026-10-21 07:00:00', 'in'),
    punch('2026-10-21 17:00:00', 'out'),
  ]
  const days = build(worker(ps, [], enrolment))
  t.same(
    days.map((d) => [d.workDate, d.status, d.creditHalves, d.decidedBy]),
    [
      ['2026-10-09', 'absent', 0, 'no_counted_punches'],
      ['2026-10-10', 'present', 2, 'pairs'],
      ['2026-10-20', 'present', 2, 'pairs'],
      ['2026-10-21', 'absent', 0, 'no_counted_punches'],
    ],
  )
  t.same(uses(dayOf(days, '2026-10-09')), { [ps[0]!.id]: 'excluded:before_entry', [ps[1]!.id]: 'excluded:before_entry' })
  t.same(uses(dayOf(days, '2026-10-21')), { [ps[6]!.id]: 'excluded:after_exit', [ps[7]!.id]: 'excluded:after_exit' })
  // A night shift starting on the exit date keeps its out on the next morning: the out is judged by its own work date.
  const night = [punch('2026-10-20 20:00:00', 'in'), punch('2026-10-21 06:00:00', 'out')]
  const n = build(worker(night, [], enrolment))
  t.same(uses(dayOf(n, '2026-10-20')), { [night[0]!.id]: 'unpaired:no_out' })
  t.same(uses(dayOf(n, '2026-10-21')), { [night[1]!.id]: 'excluded:after_exit' })
})

t.test('a status set before the exit was known credits nothing once the exit is recorded before that day', async (t) => {
  // The gate was down on the 25th and the manager set it present; later the exit is recorded as the 20th.
  const set = correction('set_status', '2026-10-25', { status: 'present' })
  const before = dayOf(build(worker([], [set], { entryDate: '2026-10-01', exitDate: null })), '2026-10-25')
  t.match(before, { status: 'present', creditHalves: 2, decidedBy: 'correction' })
  const after = dayOf(build(worker([], [set], { entryDate: '2026-10-01', exitDate: '2026-10-20' })), '2026-10-25')
  t.match(after, { status: 'absent', creditHalves: 0, decidedBy: 'no_counted_punches' })
  t.same(after.corrections, [set.id], 'the correction stays listed on the day')
  // Before the entry just the same.
  const early = dayOf(build(worker([], [set], { entryDate: '2026-10-26', exitDate: null })), '2026-10-25')
  t.equal(early.creditHalves, 0)
})

t.test('corrections (考勤更正)', async (t) => {
  const day = '2026-10-08'
  const ps = [punch('2026-10-08 07:00:00', 'in')]

  t.test('add_punch fills a missing out', async (t) => {
    const add = correction('add_punch', day, { atMs: at('2026-10-08 17:30:00'), direction: 'out' })
    const d = dayOf(build(worker(ps, [add])), day)
    t.equal(d.status, 'present')
    t.equal(d.creditHalves, 2)
    t.equal(d.workedMinutes, 630)
    t.equal(d.pairs.length, 1)
    t.equal(d.pairs[0]?.fromCorrection, true)
    t.equal(d.pairs[0]?.inPunchId, ps[0]!.id)
    t.equal(d.pairs[0]?.outPunchId, null)
    t.equal(d.pairs[0]?.rule, 'direction')
    t.equal(d.fromCorrections, true)
    t.same(d.corrections, [add.id])
    const added = d.punches.find((p) => p.correctionId === add.id)
    t.same(added && { punchId: added.punchId, direction: added.direction, directionRule: added.directionRule, use: added.use }, { punchId: null, direction: 'out', directionRule: 'correction', use: 'paired' })
  })

  t.test('void_punch removes a punch', async (t) => {
    const qs = [punch('2026-10-09 07:00:00', 'in'), punch('2026-10-09 08:00:00', 'in'), punch('2026-10-09 17:00:00', 'out')]
    t.equal(dayOf(build(worker(qs)), '2026-10-09').status, 'incomplete')
    const v = correction('void_punch', '2026-10-09', { punchId: qs[0]!.id })
    const d = dayOf(build(worker(qs, [v])), '2026-10-09')
    t.equal(d.status, 'present')
    t.equal(d.workedMinutes, 540)
    t.same(uses(d), { [qs[0]!.id]: 'excluded:voided', [qs[1]!.id]: 'paired', [qs[2]!.id]: 'paired' })
    t.same(d.corrections, [v.id])
    t.equal(d.fromCorrections, true)
  })

  t.test('set_status overrides the day', async (t) => {
    const half = correction('set_status', day, { status: 'half_day' })
    const d = dayOf(build(worker(ps, [half])), day)
    t.equal(d.status, 'half_day')
    t.equal(d.creditHalves, 1)
    t.equal(d.decidedBy, 'correction')
    t.equal(d.needsReview, false)
    t.same(d.reviewReasons, [])
    t.equal(d.fromCorrections, true)
    t.same(uses(d), { [ps[0]!.id]: 'unpaired:no_out' }, 'the punches still say what they were')
    // The newest set_status wins, whatever order the corrections come in.
    const present = correction('set_status', day, { status: 'present' })
    const absent = correction('set_status', day, { status: 'absent' })
    for (const cs of [
      [half, present, absent],
      [absent, present, half],
    ]) {
      const e = dayOf(build(worker(ps, cs)), day)
      t.same([e.status, e.creditHalves], ['absent', 0])
      t.same(e.corrections, sorted([half.id, present.id, absent.id]))
    }
    // A day with no punches at all, given a status by a correction.
    const off = correction('set_status', '2026-10-12', { status: 'present' })
    const f = dayOf(build(worker([], [off])), '2026-10-12')
    t.same([f.status, f.creditHalves, f.decidedBy, f.workedMinutes], ['present', 2, 'correction', 0])
  })

  t.test('revoke withdraws a correction', async (t) => {
    const add = correction('add_punch', day, { atMs: at('2026-10-08 17:30:00'), direction: 'out' })
    const half = correction('set_status', day, { status: 'half_day' })
    const r1 = correction('revoke', day, { revokesId: add.id })
    const d = dayOf(build(worker(ps, [add, r1])), day)
    t.equal(d.status, 'incomplete')
    t.equal(d.pairs.length, 0)
    t.notOk(
      d.punches.some((p) => p.correctionId === add.id),
      'the withdrawn punch is gone',
    )
    t.same(d.corrections, sorted([add.id, r1.id]), 'both are still listed on the day')
    const r2 = correction('revoke', day, { revokesId: half.id })
    const e = dayOf(build(worker(ps, [add, half, r2])), day)
    t.same([e.status, e.creditHalves, e.decidedBy], ['present', 2, 'pairs'])
    const v = correction('void_punch', day, { punchId: ps[0]!.id })
    const r3 = correction('revoke', day, { revokesId: v.id })
    t.same(uses(dayOf(build(worker(ps, [v, r3])), day)), { [ps[0]!.id]: 'unpaired:no_out' })
  })

  t.test('an added punch before entry is excluded like any other', async (t) => {
    const add = correction('add_punch', '2026-10-09', { atMs: at('2026-10-09 17:00:00'), direction: 'out' })
    const d = dayOf(build(worker([], [add], { entryDate: '2026-10-10', exitDate: null })), '2026-10-09')
    t.same(uses(d), { [`+${add.id}`]: 'excluded:before_entry' })
    t.equal(d.status, 'absent')
  })
})

t.test('a day is credited 24 h at most', async (t) => {
  const ps = [punch('2026-10-08 00:00:00', 'in'), punch('2026-10-08 12:00:00', 'out'), punch('2026-10-08 12:05:00', 'in'), punch('2026-10-09 03:00:00', 'out')]
  const days = build(worker(ps), { maxShiftMinutes: 16 * 60 })
  t.same(
    days.map((d) => d.workDate),
    ['2026-10-08'],
  )
  const d = dayOf(days, '2026-10-08')
  t.same(
    d.pairs.map((p) => p.minutes),
    [720, 895],
  )
  t.equal(d.workedMinutes, 1440)
  t.equal(d.status, 'present')
  t.same(d.reviewReasons, ['over_24h'])
  t.equal(d.needsReview, true)
})

t.test('work dates are reckoned in the project time zone', async (t) => {
  const ms = Date.UTC(2026, 9, 8, 16, 30)
  t.equal(workDateOf(ms, TZ), '2026-10-09')
  t.equal(workDateOf(ms, 'UTC'), '2026-10-08')
  const p: RawPunch = { id: nextPunchId++, deviceId: 'gate-1', deviceTimeMs: ms, direction: 'in', workDate: workDateOf(ms, TZ), clockSuspect: null }
  t.same(
    build(worker([p])).map((d) => d.workDate),
    ['2026-10-09'],
  )
  // A punch a correction adds takes its work date from the zone the rules are given.
  const add = correction('add_punch', '2026-10-09', { atMs: ms, direction: 'in' })
  const shanghai = build(worker([], [add]))
  t.ok(dayOf(shanghai, '2026-10-09').punches.some((x) => x.correctionId === add.id))
  const utc = build(worker([], [add]), {}, '2026-10-01', '2026-10-31', 'UTC')
  t.ok(dayOf(utc, '2026-10-08').punches.some((x) => x.correctionId === add.id))
})

t.test('days with nothing are left out; the range is inclusive', async (t) => {
  const ps = [punch('2026-10-01 07:00:00', 'in'), punch('2026-10-01 17:00:00', 'out'), punch('2026-10-03 07:00:00', 'in'), punch('2026-10-03 17:00:00', 'out')]
  t.same(
    build(worker(ps), {}, '2026-10-01', '2026-10-03').map((d) => d.workDate),
    ['2026-10-01', '2026-10-03'],
  )
  t.same(
    build(worker(ps), {}, '2026-10-02', '2026-10-02'),
    [],
  )
})

t.test('a month folded from its days', async (t) => {
  const half = correction('set_status', '2026-10-07', { status: 'half_day' })
  const ps: RawPunch[] = []
  // Oct 1..21 present 07:00-17:00 (600 min each), Oct 22 only an in (incomplete), Oct 23 only a suspect punch (absent).
  for (let i = 0; i < 21; i++) {
    const date = addDays('2026-10-01', i)
    ps.push(punch(`${date} 07:00:00`, 'in'), punch(`${date} 17:00:00`, 'out'))
  }
  ps.push(punch('2026-10-22 07:00:00', 'in'), punch('2026-10-23 07:00:00', 'in', 'ahead_of_receipt'))
  const days = build(worker(ps, [half]), { incompleteDay: 'count_half' })
  const m = foldMonth('w1', days)
  t.same(
    { ...m, days: m.days.length },
    {
      workerId: 'w1',
      creditHalves: 20 * 2 + 1 + 1,
      daysPresent: 20,
      daysHalf: 1,
      daysIncomplete: 1,
      daysAbsent: 1,
      daysNeedingReview: 1,
      daysCorrected: 1,
      workedMinutes: 20 * 600 + 240, // the half day set by correction counts its pair up to four hours
      days: 23,
    },
  )
  t.equal(creditText(m.creditHalves), '21')
  t.equal(creditText(43), '21.5')
  t.equal(creditText(44), '22')
  t.equal(creditText(1), '0.5')
  t.equal(creditText(0), '0')
})

/** Corners the property tests found: each once broke locality or order independence. */
t.test('corners found by the properties', async (t) => {
  /** The punches a build of from..to is promised to need. */
  const needed = (ps: RawPunch[], from: WorkDate, to: WorkDate): RawPunch[] => {
    const r = inputDates(from, to)
    return ps.filter((p) => p.workDate >= r.from && p.workDate <= r.to)
  }

  t.test('an out beyond the maximum shift, two days later, changes the last day of a month', async (t) => {
    // Oct 31 07:00 in (out missed), next punch Nov 2 08:00 out. The October timesheet is built from inputDates: up to Nov 1.
    const ps = [punch('2026-10-31 07:00:00', 'in'), punch('2026-11-02 08:00:00', 'out')]
    const fromAll = uses(dayOf(build(worker(ps)), '2026-10-31'))
    const fromNeeded = uses(dayOf(build(worker(needed(ps, '2026-10-01', '2026-10-31'))), '2026-10-31'))
    t.same(fromAll, { [ps[0]!.id]: 'unpaired:no_out' })
    t.same(fromNeeded, fromAll, "inputDates are enough for the in's reason")
  })

  t.test('a repeat burst longer than a day lists punches beyond inputDates', async (t) => {
    // A stuck face terminal reading the same worker every 50 minutes, from Oct 31 22:00 to Nov 2 01:00, under a 60-minute window.
    const burst: RawPunch[] = []
    for (let ms = at('2026-10-31 22:00:00'); ms <= at('2026-11-02 01:00:00'); ms += 50 * MIN) {
      const p = punch('2026-10-31 22:00:00', 'unknown')
      burst.push({ ...p, deviceTimeMs: ms, workDate: workDateOf(ms, TZ) })
    }
    const policy = { debounceMinutes: 60 }
    const october = build(worker(needed(burst, '2026-10-01', '2026-10-31')), policy, '2026-10-01', '2026-10-31')
    const november = build(worker(needed(burst, '2026-11-01', '2026-11-30')), policy, '2026-11-01', '2026-11-30')
    const listed = [...october, ...november].flatMap((d) => d.punches.map((p) => p.punchId))
    const lost = burst.filter((p) => !listed.includes(p.id)).map((p) => p.workDate)
    t.same(lost, [], 'every punch is on one month or the other')
    const all = build(worker(burst), policy, '2026-10-01', '2026-10-31')
    t.same(
      dayOf(all, '2026-10-31').punches.length,
      dayOf(october, '2026-10-31').punches.length,
      'October from inputDates equals October from every punch',
    )
  })

  t.test('the corrections a day lists do not depend on their order', async (t) => {
    const ps = [punch('2026-10-08 07:00:00', 'in'), punch('2026-10-08 17:00:00', 'out')]
    // Two managers void the same punch, one on the punch's day, one on the next.
    const a = correction('void_punch', '2026-10-08', { punchId: ps[0]!.id })
    const b = correction('void_punch', '2026-10-09', { punchId: ps[0]!.id })
    const one = dayOf(build(worker(ps, [a, b])), '2026-10-08')
    const other = dayOf(build(worker(ps, [b, a])), '2026-10-08')
    t.same(one.corrections, sorted([a.id, b.id]))
    t.same(other.corrections, one.corrections, 'same corrections listed')
  })
})
