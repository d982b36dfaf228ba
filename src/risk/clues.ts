/**
 * Complaint clues (欠薪线索) on their clocks, and major incidents (issue 15). Pure: steps and instants are given.
 *
 * A clue is received (from the worker's page, entered by staff from the 12333 hotline, or imported), checked where it
 * was received, then routed: to the construction bureau (住建) when the cause is a failure of real-name management or
 * illegal contracting — those are the bureau's to fix, and the same case checks the contracting behind it (一案双查) —
 * or to the human resources and social security bureau (人社) otherwise. The seeds' clocks (Hangzhou, 2024):
 * - **routing**: a clue the bureau must have goes to it within 7 days of receipt;
 * - **resolution**: the bureau resolves it within 15 days of receiving it.
 * "Within N days" counts calendar days in the project's time zone: a clue received on the 1st is due to be routed by
 * the end of the 8th (24:00 local), and is overdue from 00:00 on the 9th, whatever the hour it came in. Weekends and
 * month ends count like any day (the notice gives no working-day rule); a clue received on 25 February is due on
 * 4 March, or 3 March in a leap year.
 *
 * A major incident: a case reaching 10 or more workers, or ¥5,000,000 or more, from the moment it does, with 2 hours
 * to report it (the programme's targets: no group incident, no case of ¥5M or more, major incidents reported within
 * 2 hours).
 */
import type { Fen } from '../kernel/money.ts'
import { addDays, HOUR_MS, workDateOf, zonedToUtcMs, type WorkDate } from '../kernel/time.ts'

export type ClueChannel = 'worker_page' | 'hotline_12333' | 'import'
export type ClueCause = 'real_name_failure' | 'illegal_contracting' | 'other'

export type ClueStep =
  | { type: 'received'; channel: ClueChannel; atMs: number; actor: string }
  | { type: 'checked'; cause: ClueCause; atMs: number; actor: string; note: string }
  | { type: 'routed'; to: 'construction_bureau' | 'hrss_bureau'; atMs: number; actor: string }
  /** The bureau's receipt: its 15-day clock starts on this day. */
  | { type: 'bureau_received'; atMs: number; actor: string }
  | { type: 'resolved'; atMs: number; actor: string; outcome: string }

export type ClueState = 'received' | 'checked' | 'routed' | 'at_bureau' | 'resolved'

export interface ClueRefusal {
  code: 'clue_step_order'
  reason: string
}

export const ROUTING_DAYS = 7
export const RESOLUTION_DAYS = 15

/** Where a clue whose check found this cause goes: the bureau for what real-name management and contracting cause. */
export const routeFor = (cause: ClueCause): 'construction_bureau' | 'hrss_bureau' => (cause === 'other' ? 'hrss_bureau' : 'construction_bureau')

const NEXT: Readonly<Record<ClueState | 'new', ReadonlyArray<ClueStep['type']>>> = {
  new: ['received'],
  received: ['checked'],
  checked: ['routed'],
  routed: ['bureau_received', 'resolved'],
  at_bureau: ['resolved'],
  resolved: [],
}

const stateAfter = (s: ClueStep): ClueState => (s.type === 'bureau_received' ? 'at_bureau' : s.type)

/**
 * The clue's state after its steps, or the first step out of order (a route before the check, a route to the bureau
 * the check's cause does not send it to, a step earlier than the one before it). Steps are kept as given: a refused
 * one is the caller's to reject before storing.
 */
export function clueState(steps: readonly ClueStep[]): { ok: true; state: ClueState } | { ok: false; refusal: ClueRefusal; at: number } {
  let state: ClueState | 'new' = 'new'
  let cause: ClueCause | undefined
  let routedTo: 'construction_bureau' | 'hrss_bureau' | undefined
  let lastMs = -Infinity
  for (const [i, s] of steps.entries()) {
    const refuse = (reason: string) => ({ ok: false as const, refusal: { code: 'clue_step_order' as const, reason }, at: i })
    if (!NEXT[state].includes(s.type)) return refuse(`${s.type} cannot follow ${state}`)
    if (s.atMs < lastMs) return refuse(`${s.type} is dated before the step it follows`)
    if (s.type === 'checked') cause = s.cause
    if (s.type === 'routed' && cause !== undefined && s.to !== routeFor(cause)) return refuse(`a clue checked as ${cause} goes to the ${routeFor(cause)}, not the ${s.to}`)
    // Only the construction bureau's receipt starts the 15-day clock; 人社's handling runs on its own rules.
    if (s.type === 'bureau_received' && cause !== undefined && routeFor(cause) !== 'construction_bureau') return refuse('only a clue routed to the construction bureau is received there')
    if (s.type === 'routed') routedTo = s.to
    // Resolved straight from the route only where 人社 handles it: the bureau's 15 days start on its receipt, and a
    // clue resolved without one would count as closed in time on a clock that never ran.
    if (s.type === 'resolved' && state === 'routed' && routedTo === 'construction_bureau') return refuse('a clue routed to the construction bureau is resolved there: record its receipt (bureau_received) first')
    lastMs = s.atMs
    state = stateAfter(s)
  }
  return state === 'new' ? { ok: false, refusal: { code: 'clue_step_order', reason: 'a clue starts with its receipt' }, at: 0 } : { ok: true, state }
}

export interface ClueClock {
  clock: 'routing' | 'resolution'
  startedOn: WorkDate
  /** The last day on which the step is in time. */
  dueOn: WorkDate
  /** The instant it becomes overdue: 00:00 local on the day after dueOn. */
  overdueAtMs: number
  /** Met when the step was taken (its instant), else undefined. */
  metAtMs: number | undefined
  /** True when taken after overdueAtMs, or not taken and now is past it. */
  overdue: boolean
  /** Whole calendar days left until dueOn (negative once overdue), undefined once met. */
  daysLeft: number | undefined
}

const startOfDayMs = (date: WorkDate, timeZone: string): number => {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  return zonedToUtcMs({ year, month, day, hour: 0, minute: 0, second: 0 }, timeZone)
}

const daysBetween = (a: WorkDate, b: WorkDate): number => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000)

function clockOf(clock: ClueClock['clock'], startMs: number, days: number, metAtMs: number | undefined, nowMs: number, timeZone: string): ClueClock {
  const startedOn = workDateOf(startMs, timeZone)
  const dueOn = addDays(startedOn, days)
  const overdueAtMs = startOfDayMs(addDays(dueOn, 1), timeZone)
  return {
    clock,
    startedOn,
    dueOn,
    overdueAtMs,
    metAtMs,
    overdue: (metAtMs ?? nowMs) >= overdueAtMs,
    daysLeft: metAtMs === undefined ? daysBetween(workDateOf(nowMs, timeZone), dueOn) : undefined,
  }
}

/**
 * The clue's clocks at `nowMs`: routing from receipt (met by the route to the construction bureau; a clue the check
 * sends to 人社 stops it too, as it is no longer the bureau's to receive), and resolution from the bureau's receipt
 * (met by the resolution). A clock not yet started is not listed.
 */
export function clueClocks(steps: readonly ClueStep[], nowMs: number, timeZone: string): ClueClock[] {
  const received = steps.find((s) => s.type === 'received')
  if (!received) return []
  const routed = steps.find((s) => s.type === 'routed')
  const out = [clockOf('routing', received.atMs, ROUTING_DAYS, routed?.atMs, nowMs, timeZone)]
  const atBureau = steps.find((s) => s.type === 'bureau_received')
  if (atBureau) out.push(clockOf('resolution', atBureau.atMs, RESOLUTION_DAYS, steps.find((s) => s.type === 'resolved')?.atMs, nowMs, timeZone))
  return out
}

export const MAJOR_INCIDENT_HEADCOUNT = 10
/** ¥5,000,000 in fen. */
export const MAJOR_INCIDENT_FEN = 500_000_000
export const INCIDENT_REPORT_MS = 2 * HOUR_MS

/** Why a case is a major incident, or undefined when it is not (yet). */
export function majorIncident(c: { headcount: number; amountFen: Fen }): { reasons: Array<'headcount' | 'amount'> } | undefined {
  const reasons: Array<'headcount' | 'amount'> = []
  if (c.headcount >= MAJOR_INCIDENT_HEADCOUNT) reasons.push('headcount')
  if (c.amountFen >= MAJOR_INCIDENT_FEN) reasons.push('amount')
  return reasons.length > 0 ? { reasons } : undefined
}

/** The report clock of an incident that became major at `becameMajorAtMs`: due 2 hours after, overdue once past. */
export function incidentReportClock(becameMajorAtMs: number, reportedAtMs: number | undefined, nowMs: number): { dueAtMs: number; overdue: boolean; met: boolean } {
  const dueAtMs = becameMajorAtMs + INCIDENT_REPORT_MS
  return { dueAtMs, met: reportedAtMs !== undefined && reportedAtMs <= dueAtMs, overdue: (reportedAtMs ?? nowMs) > dueAtMs }
}
