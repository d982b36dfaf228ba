/**
 * A project's attendance policy (考勤规则设置). Each figure has a default a
 * site can keep, and bounds that keep the rules meaningful: a maximum shift
 * over 23 h could let an in pair with an out two work dates later.
 */
export type IncompleteDayPolicy = 'count_day' | 'count_half' | 'needs_review'
export const INCOMPLETE_DAY_POLICIES = ['count_day', 'count_half', 'needs_review'] as const satisfies readonly IncompleteDayPolicy[]

export interface AttendancePolicy {
  /** Repeated punches closer than this collapse into the first (防重复打卡). 0 turns it off. */
  debounceMinutes: number
  /** An in pairs only with an out at most this long after it (最长班次). */
  maxShiftMinutes: number
  /** What an incomplete day (an in without an out, or the reverse) counts as until corrected. */
  incompleteDay: IncompleteDayPolicy
  /** Device time further ahead of our receipt than this marks the punch clock_suspect. */
  clockAheadMinutes: number
}

export const DEFAULT_POLICY: AttendancePolicy = {
  debounceMinutes: 2,
  maxShiftMinutes: 16 * 60,
  incompleteDay: 'needs_review',
  clockAheadMinutes: 10,
}

export const POLICY_BOUNDS = {
  debounceMinutes: { min: 0, max: 60 },
  /**
   * 23 h at most: a shift then always ends on the next work date at the latest, even across a 23-hour day where
   * the zone keeps daylight saving, which keeps every day a function of its neighbours.
   */
  maxShiftMinutes: { min: 60, max: 23 * 60 },
  clockAheadMinutes: { min: 1, max: 24 * 60 },
} as const
