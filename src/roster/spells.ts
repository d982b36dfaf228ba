/**
 * An enrolment's spells on site (进场 … 退场, 再次进场 … 退场): a worker who left after one phase and came back for the
 * next keeps the one enrolment, and each return (再次进场) closes a break between two spells. The enrolment holds its
 * first entry date, the exit in force of its last spell (null while on site) and its breaks, oldest first: each an
 * exit and the return that followed it. A day is within the enrolment when it is on or after the entry date, on or
 * before the exit (if any), and inside no break: the days strictly between an exit and its return are days of a
 * worker who had left, as the days after a last exit are.
 *
 * Pure: no I/O. The returns themselves are recorded, append-only, in `enrolment_returns`.
 */

/** An exit and the return that followed it: the days strictly between the two are outside the enrolment. */
export interface EnrolmentBreak {
  exitDate: string
  returnDate: string
}

/** What the rules read of an enrolment's dates; `breaks` absent is none (an enrolment never left and returned). */
export interface EnrolmentSpells {
  entryDate: string
  exitDate: string | null
  breaks?: readonly EnrolmentBreak[]
}

/** One stretch on site: from an entry or a return to the exit that ended it (null: still on site). */
export interface Spell {
  entryDate: string
  exitDate: string | null
}

/** Whether the worker was enrolled on the project on `date` (YYYY-MM-DD). */
export function enrolledOn(e: EnrolmentSpells, date: string): boolean {
  if (date < e.entryDate || (e.exitDate !== null && date > e.exitDate)) return false
  return !(e.breaks ?? []).some((b) => b.exitDate < date && date < b.returnDate)
}

/** Why `date` is outside the enrolment, or null when it is within: before the first entry, or after an exit. */
export function outsideOn(e: EnrolmentSpells, date: string): 'before_entry' | 'after_exit' | null {
  if (date < e.entryDate) return 'before_entry'
  return enrolledOn(e, date) ? null : 'after_exit'
}

/** Whether the worker was enrolled on any day from `first` to `last` (inclusive). */
export function enrolledBetween(e: EnrolmentSpells, first: string, last: string): boolean {
  return spellsOf(e).some((s) => s.entryDate <= last && (s.exitDate === null || s.exitDate >= first))
}

/** The spells, oldest first: the first from the entry date, each next from a return. */
export function spellsOf(e: EnrolmentSpells): Spell[] {
  const spells: Spell[] = []
  let from = e.entryDate
  for (const b of e.breaks ?? []) {
    spells.push({ entryDate: from, exitDate: b.exitDate })
    from = b.returnDate
  }
  spells.push({ entryDate: from, exitDate: e.exitDate })
  return spells
}

/**
 * The stretches on which anyone was on site, from the spells of many enrolments: overlapping ones made one, oldest
 * first. What a project-wide "someone was enrolled in the month" asks, without walking each enrolment for each month.
 */
export function unionOfSpells(spells: readonly Spell[]): Spell[] {
  const sorted = [...spells].sort((a, b) => (a.entryDate < b.entryDate ? -1 : a.entryDate > b.entryDate ? 1 : 0))
  const out: Spell[] = []
  for (const s of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && (last.exitDate === null || s.entryDate <= last.exitDate)) {
      if (last.exitDate !== null && (s.exitDate === null || s.exitDate > last.exitDate)) last.exitDate = s.exitDate
    } else {
      out.push({ ...s })
    }
  }
  return out
}

/** The entry date of the last spell: the entry date, or the date of the last return. */
export function lastEntryOf(e: EnrolmentSpells): string {
  const breaks = e.breaks ?? []
  return breaks.length === 0 ? e.entryDate : (breaks[breaks.length - 1] as EnrolmentBreak).returnDate
}

/** The exit that ended the first spell: the exit in force when the worker never returned. */
export function firstExitOf(e: EnrolmentSpells): string | null {
  return e.breaks?.[0]?.exitDate ?? e.exitDate
}

/** Every exit recorded in force, oldest first: each break's, then the last spell's if it has ended. */
export function exitsOf(e: EnrolmentSpells): string[] {
  const exits = (e.breaks ?? []).map((b) => b.exitDate)
  if (e.exitDate !== null) exits.push(e.exitDate)
  return exits
}

/**
 * The exit of the month (YYYY-MM) the worker's wages are settled by (退场结清), or null: the last exit dated in the
 * month, unless a return followed it within the month. An exit a return followed in a later month keeps its
 * deadline, as any exit: the spell it ended is paid in full by then. One followed by a return in the same month
 * does not: the month's wages include days worked after it, which fall due on the pay date like anyone's.
 */
export function settlementExitIn(e: EnrolmentSpells, month: string): string | null {
  const spells = spellsOf(e)
  for (let i = spells.length - 1; i >= 0; i--) {
    const exit = spells[i]?.exitDate ?? null
    if (exit === null || exit.slice(0, 7) !== month) continue
    const next = spells[i + 1]
    return next !== undefined && next.entryDate.slice(0, 7) === month ? null : exit
  }
  return null
}

/** Why a spell's dates are out of order: a return not after its exit, or an exit before the entry of its spell. */
export type SpellOrderProblem = { code: 'return_before_exit'; exitDate: string; returnDate: string } | { code: 'exit_before_entry'; entryDate: string; exitDate: string }

/**
 * Why the enrolment with its break number `index` (0 the oldest) replaced by `corrected` would be out of order, or
 * null when the spells keep theirs: the exit on or after the entry (or return) that began its spell, the return after
 * that exit, and the return on or before the exit that ends the spell it begins (none while on site). Spells stay
 * apart and in order, so nothing else can overlap.
 */
export function breakCorrectionProblem(e: EnrolmentSpells, index: number, corrected: EnrolmentBreak): SpellOrderProblem | null {
  const breaks = e.breaks ?? []
  const spellEntry = index === 0 ? e.entryDate : (breaks[index - 1] as EnrolmentBreak).returnDate
  if (corrected.exitDate < spellEntry) return { code: 'exit_before_entry', entryDate: spellEntry, exitDate: corrected.exitDate }
  if (corrected.returnDate <= corrected.exitDate) return { code: 'return_before_exit', exitDate: corrected.exitDate, returnDate: corrected.returnDate }
  const nextExit = index + 1 < breaks.length ? (breaks[index + 1] as EnrolmentBreak).exitDate : e.exitDate
  if (nextExit !== null && nextExit < corrected.returnDate) return { code: 'exit_before_entry', entryDate: corrected.returnDate, exitDate: nextExit }
  return null
}

/** The breaks with number `index` replaced by `corrected`, oldest first. */
export function withBreak(e: EnrolmentSpells, index: number, corrected: EnrolmentBreak): EnrolmentBreak[] {
  return (e.breaks ?? []).map((b, i) => (i === index ? { exitDate: corrected.exitDate, returnDate: corrected.returnDate } : b))
}
