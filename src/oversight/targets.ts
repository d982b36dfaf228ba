/**
 * The county's month against the 无欠薪 targets (issue 15), as the bureau reviews whether it is "without arrears":
 *
 * - arrears on at most 3% of the projects under construction (the overview's incidence: projects with an arrears case
 *   open at the month's end ÷ projects with someone enrolled in the month);
 * - no group incident: no major incident of 10 or more workers (src/risk/clues.ts MAJOR_INCIDENT_HEADCOUNT);
 * - no case of ¥5 million or more (MAJOR_INCIDENT_FEN);
 * - clues closed within their limits: none of the month's clues late on either clock (src/risk/clue-figures.ts).
 *
 * An incident counts in the month it became major (the bureau's zone): that is when its 2-hour report clock ran. A
 * clue counts in the month it was received, as its figures do. The share is compared in whole numbers (arrears ×
 * 10,000 against the target's basis points × projects), so exactly 3% is met whatever a float would make of it.
 *
 * Pure: the caller reads the overview's incidence, the region's incidents and its clue figures.
 */
import { MAJOR_INCIDENT_FEN, MAJOR_INCIDENT_HEADCOUNT } from '../risk/clues.ts'
import type { ClueMonthFigures } from '../risk/clue-figures.ts'
import { workDateOf, type Month } from '../kernel/time.ts'
import { ARREARS_INCIDENCE_TARGET, type IncidenceMonth } from './service.ts'

/** The share target in basis points (1/10,000): 3% is 300. */
export const ARREARS_SHARE_TARGET_BP = Math.round(ARREARS_INCIDENCE_TARGET * 10_000)

export interface TargetIncident {
  id: string
  projectId: string | null
  headcount: number
  amountFen: number
  becameMajorAtMs: number
}

export interface TargetInputs {
  month: Month
  /** The overview's incidence of the month; undefined when the month is outside the months it holds. */
  incidence: IncidenceMonth | undefined
  /** The region's major incidents (any month: the ones of `month` are picked here). */
  incidents: readonly TargetIncident[]
  /** The region's clue figures of the month of receipt; undefined when no clue was received in it. */
  clues: ClueMonthFigures | undefined
  timeZone: string
}

/** met: true or false; null when there is nothing to judge (no figures held for the month, no project under way). */
export type Verdict = boolean | null

export interface MonthTargets {
  month: Month
  arrearsShare: { verdict: Verdict; underConstruction: number | null; withArrears: number | null; /** Basis points, rounded down. */ shareBp: number | null; targetBp: number }
  groupIncidents: { verdict: Verdict; threshold: number; incidents: TargetIncident[] }
  largeCases: { verdict: Verdict; thresholdFen: number; incidents: TargetIncident[] }
  cluesInTime: { verdict: Verdict; received: number; closedInTime: number; late: number; openInTime: number }
  /** No target judged was missed (a target with nothing to judge does not count either way). */
  allMet: boolean
}

export function monthTargets(i: TargetInputs): MonthTargets {
  const inc = i.incidence
  const judged = inc !== undefined && inc.underConstruction > 0
  const arrearsShare: MonthTargets['arrearsShare'] = {
    verdict: judged ? inc.withArrears * 10_000 <= ARREARS_SHARE_TARGET_BP * inc.underConstruction : null,
    underConstruction: inc?.underConstruction ?? null,
    withArrears: inc?.withArrears ?? null,
    shareBp: judged ? Math.floor((inc.withArrears * 10_000) / inc.underConstruction) : null,
    targetBp: ARREARS_SHARE_TARGET_BP,
  }
  const ofMonth = i.incidents
    .filter((x) => workDateOf(x.becameMajorAtMs, i.timeZone).slice(0, 7) === i.month)
    .sort((a, b) => a.becameMajorAtMs - b.becameMajorAtMs || (a.id < b.id ? -1 : 1))
  const group = ofMonth.filter((x) => x.headcount >= MAJOR_INCIDENT_HEADCOUNT)
  const large = ofMonth.filter((x) => x.amountFen >= MAJOR_INCIDENT_FEN)
  const c = i.clues ?? { received: 0, closedInTime: 0, late: 0, openInTime: 0 }
  const out = {
    month: i.month,
    arrearsShare,
    groupIncidents: { verdict: group.length === 0, threshold: MAJOR_INCIDENT_HEADCOUNT, incidents: group },
    largeCases: { verdict: large.length === 0, thresholdFen: MAJOR_INCIDENT_FEN, incidents: large },
    cluesInTime: { verdict: c.late === 0, received: c.received, closedInTime: c.closedInTime, late: c.late, openInTime: c.openInTime },
  }
  return { ...out, allMet: ![arrearsShare.verdict, out.groupIncidents.verdict, out.largeCases.verdict, out.cluesInTime.verdict].includes(false) }
}
