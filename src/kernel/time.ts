/**
 * Time. Instants are stored as UTC epoch milliseconds; business days (work
 * dates 工作日期, pay months) are reckoned in the project's IANA time zone.
 * The clock is injected so tests and simulators control "now".
 */

export interface Clock {
  nowMs(): number
}

export const systemClock: Clock = { nowMs: () => Date.now() }

/** A clock a test or simulator moves by hand. */
export class ManualClock implements Clock {
  constructor(private ms: number) {}
  nowMs(): number {
    return this.ms
  }
  set(ms: number): void {
    this.ms = ms
  }
  advance(ms: number): void {
    this.ms += ms
  }
}

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai'
export const MINUTE_MS = 60_000
export const HOUR_MS = 60 * MINUTE_MS
export const DAY_MS = 24 * HOUR_MS

/** "YYYY-MM-DD" */
export type WorkDate = string
/** "YYYY-MM" */
export type Month = string

const MONTH_TEXT = /^(\d{4})-(0[1-9]|1[0-2])$/
const DATE_TEXT = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/
const LOCAL_DATE_TIME_TEXT = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/

const formatters = new Map<string, Intl.DateTimeFormat>()
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(timeZone, f)
  }
  return f
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone)
    return true
  } catch {
    return false
  }
}

interface LocalParts {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

export function localParts(instantMs: number, timeZone: string): LocalParts {
  const parts = formatter(timeZone).formatToParts(new Date(instantMs))
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value)
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') }
}

/** Offset of the zone from UTC at an instant, in ms (Asia/Shanghai: +8 h). */
function offsetMs(instantMs: number, timeZone: string): number {
  const p = localParts(instantMs, timeZone)
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)
  return asUtc - (instantMs - (instantMs % 1000))
}

const pad2 = (n: number): string => String(n).padStart(2, '0')

/** UTC hours whose zone offset is remembered, per zone; the map is cleared when full. */
const HOUR_OFFSETS_MAX = 50_000
/** Zone → UTC hour → the zone's offset throughout that hour, or NaN when it changes inside it. */
const hourOffsets = new Map<string, Map<number, number>>()

/**
 * The zone's offset throughout the UTC hour of an instant, or undefined when
 * it changes inside that hour. Offsets change at most once in an hour, so
 * equal offsets at both ends mean one offset throughout.
 */
function offsetThroughHour(instantMs: number, timeZone: string): number | undefined {
  let byHour = hourOffsets.get(timeZone)
  if (!byHour) hourOffsets.set(timeZone, (byHour = new Map()))
  const hour = Math.floor(instantMs / HOUR_MS)
  let offset = byHour.get(hour)
  if (offset === undefined) {
    const first = offsetMs(hour * HOUR_MS, timeZone)
    const last = offsetMs((hour + 1) * HOUR_MS - 1000, timeZone)
    offset = first === last ? first : NaN
    if (byHour.size >= HOUR_OFFSETS_MAX) byHour.clear()
    byHour.set(hour, offset)
  }
  return Number.isNaN(offset) ? undefined : offset
}

/**
 * The work date (in the zone) an instant falls on. Runs once per punch on the
 * ingest path: Intl's formatToParts costs about 7 µs, so the zone's offset is
 * looked up per UTC hour and the date is plain arithmetic.
 */
export function workDateOf(instantMs: number, timeZone: string): WorkDate {
  const offset = offsetThroughHour(instantMs, timeZone)
  if (offset !== undefined) return new Date(instantMs + offset).toISOString().slice(0, 10)
  const p = localParts(instantMs, timeZone)
  return `${p.year}-${pad2(p.month)}-${pad2(p.day)}`
}

/** "HH:MM:SS" of an instant in the zone. */
export function localTimeOf(instantMs: number, timeZone: string): string {
  const p = localParts(instantMs, timeZone)
  return `${pad2(p.hour)}:${pad2(p.minute)}:${pad2(p.second)}`
}

/**
 * The UTC instant of a wall-clock time in a zone. Devices that send local time
 * without a zone go through here. For a wall time that occurs twice (DST fall-back)
 * the earlier instant is taken; one that never occurs (spring-forward) is moved forward.
 */
export function zonedToUtcMs(
  wall: { year: number; month: number; day: number; hour: number; minute: number; second: number },
  timeZone: string,
): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second)
  // The zone's offset a day either side brackets any transition near this wall time.
  const before = offsetMs(asUtc - DAY_MS, timeZone)
  const after = offsetMs(asUtc + DAY_MS, timeZone)
  const candidates = [asUtc - before, asUtc - after].filter((t) => offsetMs(t, timeZone) === asUtc - t)
  if (candidates.length > 0) return Math.min(...candidates)
  // In a spring-forward gap: read the wall time with the offset before the jump, which lands after it.
  return asUtc - before
}

/** Parses "YYYY-MM-DD HH:MM[:SS]" as wall time in the zone. Undefined when it is not a real time. */
export function parseLocalDateTime(text: string, timeZone: string): number | undefined {
  const m = LOCAL_DATE_TIME_TEXT.exec(text.trim())
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number]
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined
  return zonedToUtcMs({ year, month, day, hour, minute, second }, timeZone)
}

/** An instant with its offset, ISO 8601: `2026-10-12T17:00:00+08:00`, `…Z`. */
const INSTANT_TEXT = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:[zZ]|[+-](\d{2}):(\d{2}))$/

/**
 * Epoch milliseconds of an instant written with its offset, or undefined when it is not one. The calendar is checked
 * first: Date.parse rolls 30 February over into March, which would store a punch on a day nobody meant.
 */
export function parseInstantText(text: string): number | undefined {
  const m = INSTANT_TEXT.exec(text)
  if (!m || !isWorkDate(m[1]!)) return undefined
  const [hour, minute, second, offsetHours, offsetMinutes] = m.slice(2, 7).map((x) => Number(x ?? 0)) as [number, number, number, number, number]
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 14 || offsetMinutes > 59) return undefined
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : ms
}

/** Whether text is written as an instant with its offset (valid or not): the other form is local time. */
export function looksLikeInstant(text: string): boolean {
  return INSTANT_TEXT.test(text)
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

export function isMonth(text: string): boolean {
  return MONTH_TEXT.test(text)
}

export function isWorkDate(text: string): boolean {
  const m = DATE_TEXT.exec(text)
  if (!m) return false
  return Number(m[3]) <= daysInMonth(Number(m[1]), Number(m[2]))
}

/** Every work date of a month, in order. */
export function datesOfMonth(month: Month): WorkDate[] {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const n = daysInMonth(y, m)
  return Array.from({ length: n }, (_, i) => `${month}-${pad2(i + 1)}`)
}

export function monthOf(date: WorkDate): Month {
  return date.slice(0, 7)
}

export function nextMonth(month: Month): Month {
  const [y, m] = month.split('-').map(Number) as [number, number]
  return m === 12 ? `${y + 1}-01` : `${y}-${pad2(m + 1)}`
}

/** UTC instants bounding a month in the zone: [startMs, endMs). */
export function monthBoundsMs(month: Month, timeZone: string): { startMs: number; endMs: number } {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const next = nextMonth(month).split('-').map(Number) as [number, number]
  return {
    startMs: zonedToUtcMs({ year: y, month: m, day: 1, hour: 0, minute: 0, second: 0 }, timeZone),
    endMs: zonedToUtcMs({ year: next[0], month: next[1], day: 1, hour: 0, minute: 0, second: 0 }, timeZone),
  }
}

/** A date in a month, clamped to the month's last day (pay day 31 in February is the 28th/29th). */
export function clampedDate(month: Month, day: number): WorkDate {
  const [y, m] = month.split('-').map(Number) as [number, number]
  return `${month}-${pad2(Math.min(day, daysInMonth(y, m)))}`
}

/** The work date n days after (or before, for negative n) a date. Calendar arithmetic: no zone is involved. */
export function addDays(date: WorkDate, n: number): WorkDate {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  const t = new Date(0)
  t.setUTCFullYear(y, m - 1, d + n)
  return t.toISOString().slice(0, 10)
}
