/**
 * Timesheet rules (考勤规则). Pure: a worker's raw punches, their corrections,
 * the enrolment and the project's policy in; worker-days out, each saying
 * which punches it used, how it paired them, and why any punch was not used.
 *
 * The steps, in order (the README's timesheet section explains each to a
 * labour manager):
 *   1. exclude: voided by a correction, clock_suspect and not accepted by a
 *      correction, or before entry / after exit (进退场);
 *   2. order by device time (ties: in, unknown, out, then id) — never by arrival;
 *   3. debounce: a punch within the window of the previous punch of its
 *      work date, in a compatible direction, repeats it;
 *   4. direction: gates say in or out; punches that cannot tell take it by
 *      order within their work date (first in, then alternating);
 *   5. pair: an in opens a shift, the next out within the maximum shift
 *      closes it; the shift belongs to the work date of its in (night shifts);
 *   6. each day's status from its pairs and unpaired punches, the policy for
 *      incomplete days, and any status a correction set.
 *
 * Every step looks at most one work date back or ahead, so a day is a
 * function of the punches of its own date and its two neighbours (see
 * inputDates): a late punch is settled by recomputing three days, and a month
 * by reading two days either side of it.
 */
import type { Direction } from '../punches/canonical.ts'
import { addDays, MINUTE_MS, workDateOf, type WorkDate } from '../kernel/time.ts'
import type { AttendancePolicy } from './policy.ts'
import { outsideOn, type EnrolmentBreak } from '../roster/spells.ts'

/** Why a device clock reading is not believed (设备时钟异常). */
export type ClockSuspect = 'ahead_of_receipt' | 'before_install'

/** A stored raw punch, as far as the rules need it. */
export interface RawPunch {
  id: number
  deviceId: string
  deviceTimeMs: number
  direction: Direction
  /** The work date of deviceTimeMs in the project's zone. */
  workDate: WorkDate
  clockSuspect: ClockSuspect | null
}

export type CorrectionKind = 'add_punch' | 'void_punch' | 'accept_punch' | 'set_status' | 'revoke'
export const CORRECTION_KINDS = ['add_punch', 'void_punch', 'accept_punch', 'set_status', 'revoke'] as const satisfies readonly CorrectionKind[]
export type SetStatus = 'present' | 'half_day' | 'absent'
export const SET_STATUSES = ['present', 'half_day', 'absent'] as const satisfies readonly SetStatus[]

/** A labour manager's correction to a worker-day (考勤更正): append-only, with author and reason. */
export interface Correction {
  id: string
  /** The worker-day it was made on. */
  workDate: WorkDate
  kind: CorrectionKind
  /** void_punch, accept_punch */
  punchId: number | null
  /** add_punch */
  atMs: number | null
  direction: 'in' | 'out' | null
  /** set_status */
  status: SetStatus | null
  /** revoke: the correction it withdraws */
  revokesId: string | null
  reason: string
  author: string
  createdAtMs: number
}

export interface EnrolmentDates {
  entryDate: WorkDate
  exitDate: WorkDate | null
  /** Exits a return (再次进场) followed: the days between each and its return are outside (src/roster/spells.ts). */
  breaks?: readonly EnrolmentBreak[]
}

export interface WorkerInput {
  workerId: string
  enrolment: EnrolmentDates
  /** Punches of at least inputDates(from, to); more are harmless. */
  punches: readonly RawPunch[]
  corrections: readonly Correction[]
}

export type PunchUse = 'paired' | 'unpaired' | 'debounced' | 'excluded'
export type PunchReason =
  /** unpaired: an in with no punch after it within the maximum shift */
  | 'no_out'
  /** unpaired: an out with no open in before it */
  | 'no_in'
  /** unpaired: an in followed, within the maximum shift, by another in */
  | 'followed_by_in'
  /** debounced: repeats the punch before it */
  | 'repeat'
  | 'voided'
  | 'before_entry'
  | 'after_exit'
  | 'clock_suspect'

export type DirectionRule = 'device' | 'order' | 'correction'

export interface DayPunch {
  /** The raw punch, or null for a punch a correction added. */
  punchId: number | null
  correctionId: string | null
  atMs: number
  deviceDirection: Direction
  /** The direction the rules settled on; null when the punch was not used. */
  direction: 'in' | 'out' | null
  directionRule: DirectionRule | null
  use: PunchUse
  reason: PunchReason | null
  clockSuspect: ClockSuspect | null
}

/** How a pair's directions were known: both from devices, both by order, or one of each. */
export type PairRule = 'direction' | 'order' | 'mixed'

export interface Pair {
  inAtMs: number
  outAtMs: number
  minutes: number
  rule: PairRule
  inPunchId: number | null
  outPunchId: number | null
  /** True when either end is a punch a correction added. */
  fromCorrection: boolean
}

export type DayStatus = 'present' | 'half_day' | 'incomplete' | 'absent'
export type Decision = 'pairs' | 'policy_count_day' | 'policy_count_half' | 'policy_needs_review' | 'no_counted_punches' | 'correction'
export type ReviewReason = 'incomplete' | 'over_24h' | 'clock_suspect'

export const DAY_MINUTES = 24 * 60
/**
 * Half of the statutory working day (劳动法 Art. 36: eight hours a day): the most a day a manager set to half a day
 * counts as worked, whatever its pairs say.
 */
export const HALF_DAY_MINUTES = 4 * 60

export interface WorkerDay {
  workerId: string
  workDate: WorkDate
  status: DayStatus
  /** Days credited, in halves: 2 a full day, 1 a half, 0 none. Halves keep pay arithmetic in integers. */
  creditHalves: number
  decidedBy: Decision
  workedMinutes: number
  needsReview: boolean
  reviewReasons: ReviewReason[]
  pairs: Pair[]
  punches: DayPunch[]
  /** Ids of the corrections that shaped this day. */
  corrections: string[]
  /** True when any figure of the day comes from a correction. */
  fromCorrections: boolean
}

/** The work dates whose punches decide the days from..to: two before (debounce and the previous day's last in) and one after (the last in's out). */
export function inputDates(from: WorkDate, to: WorkDate): { from: WorkDate; to: WorkDate } {
  return { from: addDays(from, -2), to: addDays(to, 1) }
}

interface Entry {
  punchId: number | null
  correctionId: string | null
  t: number
  raw: Direction
  workDate: WorkDate
  clockSuspect: ClockSuspect | null
  excluded: PunchReason | null
  /** Dated before the entry or after the exit: such a day can be neither credited nor corrected. */
  outsideEnrolment: boolean
  /** Set by debounce: the entry this one repeats. */
  repeats: Entry | null
  dir: 'in' | 'out' | null
  dirRule: DirectionRule | null
  use: PunchUse
  reason: PunchReason | null
  /** The work date whose day lists this entry. */
  day: WorkDate
}

const rank = (d: Direction): number => (d === 'in' ? 0 : d === 'unknown' ? 1 : 2)

function compareEntries(a: Entry, b: Entry): number {
  if (a.t !== b.t) return a.t - b.t
  const r = rank(a.raw) - rank(b.raw)
  if (r !== 0) return r
  // Device punches before added ones, then by id: stable whatever order they arrived in.
  if (a.punchId !== null && b.punchId !== null) return a.punchId - b.punchId
  if (a.punchId !== null) return -1
  if (b.punchId !== null) return 1
  return (a.correctionId as string) < (b.correctionId as string) ? -1 : 1
}

const compatible = (a: Direction, b: Direction): boolean => a === b || a === 'unknown' || b === 'unknown'

/**
 * The worker-days from..to (inclusive) that have anything to show: a punch,
 * or a correction. Days with nothing are absent from the result.
 */
export function buildWorkerDays(input: WorkerInput, policy: AttendancePolicy, timeZone: string, from: WorkDate, to: WorkDate): WorkerDay[] {
  const revoked = new Set<string>()
  for (const c of input.corrections) if (c.kind === 'revoke' && c.revokesId) revoked.add(c.revokesId)
  const active = input.corrections.filter((c) => !revoked.has(c.id) && c.kind !== 'revoke')
  // Every correction naming a punch, not the last: the day lists them all, whatever order they are read in.
  const voided = new Map<number, string[]>()
  const accepted = new Map<number, string[]>()
  const note = (m: Map<number, string[]>, punchId: number, id: string): void => {
    const list = m.get(punchId)
    if (list) list.push(id)
    else m.set(punchId, [id])
  }
  for (const c of active) {
    if (c.kind === 'void_punch' && c.punchId !== null) note(voided, c.punchId, c.id)
    if (c.kind === 'accept_punch' && c.punchId !== null) note(accepted, c.punchId, c.id)
  }

  // Before the entry, after an exit (the last, or one a return followed, up to the return).
  const outsideEnrolment = (date: WorkDate): PunchReason | null => outsideOn(input.enrolment, date)

  const entries: Entry[] = []
  const seen = new Set<number>()
  for (const p of input.punches) {
    if (seen.has(p.id)) continue
    seen.add(p.id)
    const excluded: PunchReason | null = voided.has(p.id)
      ? 'voided'
      : // A clock that is not believed says nothing about the date either: it is a suspect reading before it is out of enrolment.
        p.clockSuspect !== null && !accepted.has(p.id)
        ? 'clock_suspect'
        : outsideEnrolment(p.workDate)
    entries.push(entry(p.id, null, p.deviceTimeMs, p.direction, p.workDate, p.clockSuspect, excluded, outsideEnrolment(p.workDate) !== null))
  }
  for (const c of active) {
    if (c.kind !== 'add_punch' || c.atMs === null || c.direction === null) continue
    const date = workDateOf(c.atMs, timeZone)
    const outside = outsideEnrolment(date)
    entries.push(entry(null, c.id, c.atMs, c.direction, date, null, outside, outside !== null))
  }
  entries.sort(compareEntries)

  // Debounce: compare with the punch just before, so a burst collapses into its first punch. Only within a work
  // date: a burst then never reaches past its date, and a day stays a function of its neighbours.
  const debounceMs = policy.debounceMinutes * MINUTE_MS
  const kept: Entry[] = []
  let prev: Entry | null = null
  for (const e of entries) {
    if (e.excluded) continue
    // Compatible with the burst's first punch too: a face tap (no direction) between a gate's in and its out must not
    // make the out a repeat of the in.
    if (prev && prev.workDate === e.workDate && e.t - prev.t < debounceMs && compatible(prev.raw, e.raw) && compatible((prev.repeats ?? prev).raw, e.raw)) {
      e.use = 'debounced'
      e.reason = 'repeat'
      e.repeats = prev.repeats ?? prev
    } else {
      kept.push(e)
    }
    prev = e
  }

  // Direction: devices that know it; by order within the work date for those that do not.
  let lastDate = ''
  let lastDir: 'in' | 'out' | null = null
  for (const e of kept) {
    if (e.workDate !== lastDate) {
      lastDate = e.workDate
      lastDir = null
    }
    if (e.raw === 'unknown') {
      e.dir = lastDir === 'in' ? 'out' : 'in'
      e.dirRule = 'order'
    } else {
      e.dir = e.raw
      e.dirRule = e.correctionId !== null ? 'correction' : 'device'
    }
    lastDir = e.dir
  }

  // Pairing: an in opens a shift; the next out within the maximum shift closes it, on the in's work date.
  const maxShiftMs = policy.maxShiftMinutes * MINUTE_MS
  const pairs: Array<{ open: Entry; close: Entry }> = []
  let open: Entry | null = null
  const unpaired = (e: Entry, reason: PunchReason): void => {
    e.use = 'unpaired'
    e.reason = reason
  }
  for (const e of kept) {
    if (e.dir === 'in') {
      // Another in within a shift's length says the out was missed; days later, only that no out came.
      if (open) unpaired(open, e.t - open.t <= maxShiftMs ? 'followed_by_in' : 'no_out')
      open = e
    } else if (open && e.t - open.t <= maxShiftMs) {
      open.use = e.use = 'paired'
      e.day = open.day
      pairs.push({ open, close: e })
      open = null
    } else {
      // What comes after the maximum shift cannot matter to the in: a day never depends on punches two dates away.
      if (open) unpaired(open, 'no_out')
      open = null
      unpaired(e, 'no_in')
    }
  }
  if (open) unpaired(open, 'no_out')
  for (const e of entries) if (e.repeats) e.day = e.repeats.day

  // Days
  const byDay = new Map<WorkDate, { entries: Entry[]; pairs: Array<{ open: Entry; close: Entry }> }>()
  const dayOf = (d: WorkDate): { entries: Entry[]; pairs: Array<{ open: Entry; close: Entry }> } => {
    let g = byDay.get(d)
    if (!g) byDay.set(d, (g = { entries: [], pairs: [] }))
    return g
  }
  for (const e of entries) if (e.day >= from && e.day <= to) dayOf(e.day).entries.push(e)
  for (const p of pairs) if (p.open.day >= from && p.open.day <= to) dayOf(p.open.day).pairs.push(p)
  const correctionsByDay = new Map<WorkDate, Correction[]>()
  for (const c of input.corrections) {
    if (c.workDate < from || c.workDate > to) continue
    dayOf(c.workDate)
    const list = correctionsByDay.get(c.workDate)
    if (list) list.push(c)
    else correctionsByDay.set(c.workDate, [c])
  }

  const days: WorkerDay[] = []
  for (const [date, g] of byDay) {
    days.push(dayFrom(input.workerId, date, g.entries, g.pairs, correctionsByDay.get(date) ?? [], revoked, voided, accepted, policy, outsideEnrolment(date) !== null))
  }
  days.sort((a, b) => (a.workDate < b.workDate ? -1 : 1))
  return days
}

function entry(
  punchId: number | null,
  correctionId: string | null,
  t: number,
  raw: Direction,
  workDate: WorkDate,
  clockSuspect: ClockSuspect | null,
  excluded: PunchReason | null,
  outsideEnrolment: boolean,
): Entry {
  return {
    punchId,
    correctionId,
    t,
    raw,
    workDate,
    clockSuspect,
    excluded,
    outsideEnrolment,
    repeats: null,
    dir: null,
    dirRule: null,
    use: excluded ? 'excluded' : 'paired',
    reason: excluded,
    day: workDate,
  }
}

function dayFrom(
  workerId: string,
  workDate: WorkDate,
  entries: Entry[],
  pairEntries: Array<{ open: Entry; close: Entry }>,
  dayCorrections: Correction[],
  revoked: Set<string>,
  voided: Map<number, string[]>,
  accepted: Map<number, string[]>,
  policy: AttendancePolicy,
  /** Before the entry or after the exit: punches there are excluded already, and so is a status set before the exit was known. */
  outside: boolean,
): WorkerDay {
  const pairs: Pair[] = pairEntries.map(({ open, close }) => ({
    inAtMs: open.t,
    outAtMs: close.t,
    minutes: Math.floor((close.t - open.t) / MINUTE_MS),
    rule: open.dirRule === 'order' && close.dirRule === 'order' ? 'order' : open.dirRule !== 'order' && close.dirRule !== 'order' ? 'direction' : 'mixed',
    inPunchId: open.punchId,
    outPunchId: close.punchId,
    fromCorrection: open.correctionId !== null || close.correctionId !== null,
  }))
  pairs.sort((a, b) => a.inAtMs - b.inAtMs)
  const punches: DayPunch[] = entries.map((e) => ({
    punchId: e.punchId,
    correctionId: e.correctionId,
    atMs: e.t,
    deviceDirection: e.raw,
    direction: e.use === 'paired' || e.use === 'unpaired' ? e.dir : null,
    directionRule: e.use === 'paired' || e.use === 'unpaired' ? e.dirRule : null,
    use: e.use,
    reason: e.reason,
    clockSuspect: e.clockSuspect,
  }))

  const summed = pairs.reduce((n, p) => n + p.minutes, 0)
  const reviewReasons: ReviewReason[] = []
  // Pairs of one day never overlap, but the last may run past midnight: a day is credited 24 h at most, and a day that claims more is looked at.
  if (summed > DAY_MINUTES) reviewReasons.push('over_24h')
  // Not on a day outside the enrolment: it could not be credited there, no correction may be dated there, and a
  // review nobody can close would hold the month's confirmation for good. The reading is still listed, excluded.
  if (entries.some((e) => e.reason === 'clock_suspect' && !e.outsideEnrolment)) reviewReasons.push('clock_suspect')
  const hasUnpaired = entries.some((e) => e.use === 'unpaired')

  let status: DayStatus
  let creditHalves: number
  let decidedBy: Decision
  if (hasUnpaired) {
    status = 'incomplete'
    switch (policy.incompleteDay) {
      case 'count_day':
        creditHalves = 2
        decidedBy = 'policy_count_day'
        break
      case 'count_half':
        creditHalves = 1
        decidedBy = 'policy_count_half'
        break
      case 'needs_review':
        creditHalves = 0
        decidedBy = 'policy_needs_review'
        reviewReasons.push('incomplete')
        break
    }
  } else if (pairs.length > 0) {
    status = 'present'
    creditHalves = 2
    decidedBy = 'pairs'
  } else {
    status = 'absent'
    creditHalves = 0
    decidedBy = 'no_counted_punches'
  }

  // The newest status a manager set decides the day; it settles anything that was waiting for review.
  // A status set while the day was inside the enrolment says nothing once the exit is recorded before it: the worker
  // had left, and a day after leaving is never credited (the correction stays listed on the day).
  const setters = outside ? [] : dayCorrections.filter((c) => c.kind === 'set_status' && c.status !== null && !revoked.has(c.id))
  const setter = setters.sort((a, b) => a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : 1)).at(-1)
  if (setter) {
    status = setter.status as SetStatus
    creditHalves = status === 'present' ? 2 : status === 'half_day' ? 1 : 0
    decidedBy = 'correction'
    reviewReasons.length = 0
  }

  // Worked minutes follow the decision, not only the pairs: a day a manager set absent has none (the pair was not
  // this worker's time on site), a half day the pairs' minutes up to half the statutory day (a four-hour pair stays
  // four hours: halving it again would underpay hourly terms); present keeps them all.
  const pairedMinutes = Math.min(summed, DAY_MINUTES)
  const workedMinutes = !setter ? pairedMinutes : status === 'absent' ? 0 : status === 'half_day' ? Math.min(pairedMinutes, HALF_DAY_MINUTES) : pairedMinutes

  const corrections = new Set<string>()
  for (const c of dayCorrections) corrections.add(c.id)
  for (const e of entries) {
    if (e.correctionId) corrections.add(e.correctionId)
    if (e.punchId !== null) for (const id of [...(voided.get(e.punchId) ?? []), ...(accepted.get(e.punchId) ?? [])]) corrections.add(id)
  }
  const fromCorrections = setter !== undefined || pairs.some((p) => p.fromCorrection) || entries.some((e) => e.punchId !== null && (voided.has(e.punchId) || accepted.has(e.punchId)))

  return {
    workerId,
    workDate,
    status,
    creditHalves,
    decidedBy,
    workedMinutes,
    needsReview: reviewReasons.length > 0,
    reviewReasons,
    pairs,
    punches,
    corrections: [...corrections].sort(),
    fromCorrections,
  }
}

/** A worker's month (月考勤), folded from their days. */
export interface WorkerMonth {
  workerId: string
  creditHalves: number
  daysPresent: number
  daysHalf: number
  daysIncomplete: number
  daysAbsent: number
  daysNeedingReview: number
  daysCorrected: number
  workedMinutes: number
  days: WorkerDay[]
}

export function foldMonth(workerId: string, days: readonly WorkerDay[]): WorkerMonth {
  const m: WorkerMonth = {
    workerId,
    creditHalves: 0,
    daysPresent: 0,
    daysHalf: 0,
    daysIncomplete: 0,
    daysAbsent: 0,
    daysNeedingReview: 0,
    daysCorrected: 0,
    workedMinutes: 0,
    days: [...days],
  }
  for (const d of days) {
    m.creditHalves += d.creditHalves
    m.workedMinutes += d.workedMinutes
    if (d.needsReview) m.daysNeedingReview++
    if (d.fromCorrections) m.daysCorrected++
    switch (d.status) {
      case 'present':
        m.daysPresent++
        break
      case 'half_day':
        m.daysHalf++
        break
      case 'incomplete':
        m.daysIncomplete++
        break
      case 'absent':
        m.daysAbsent++
        break
    }
  }
  return m
}

/** Days credited as text for people: halves 43 → "21.5". */
export function creditText(halves: number): string {
  return halves % 2 === 0 ? String(halves / 2) : `${(halves - 1) / 2}.5`
}
