/**
 * The ledger's own risk signals of a project (src/risk/risk-index.ts), from the facts the bureau overview already
 * reads (src/oversight/service.ts): pure, so the overview scores every project without a query of its own.
 *
 * - Open arrears cases are grouped as the programme counts incidents, per project and pay month: one signal with
 *   the month's workers and amount, overdue by the oldest case's days past the 7-day clock.
 * - The unpaid share: workers on the roster in the month due with no paid bank line to their own card, once the month
 *   is due (a line to a labour boss's card, or a worker's second line, pays nobody else).
 * - The deposit: missing, or short by the required amount less what is in force.
 * Funding, sheets and devices are read by the monthly index run itself (src/risk/risk-runs.ts), as at the month's end.
 */
import { fen } from '../kernel/money.ts'
import type { RiskSignal } from './risk-index.ts'

export interface LedgerFacts {
  /** Live arrears cases (UNPAID family) with their pay month, amount short and episode age in days. */
  arrears: ReadonlyArray<{ caseId: string; month: string; shortFen: number; episodeAgeDays: number }>
  /** Workers on the roster in the month due, and how many of them a bank line paid; null when no month is due yet. */
  dueMonth: { workers: number; paidWorkers: number } | null
  deposit: { flags: readonly string[]; inForceFen: number; requiredFen: number | null }
}

/** The 7-day handling clock (src/flags/cases.ts CASE_CLOCKS): days past it count as overdue. */
const HANDLING_DAYS = 7

export function ledgerSignals(f: LedgerFacts): RiskSignal[] {
  const out: RiskSignal[] = []
  const incidents = new Map<string, { caseId: string; amountFen: number; headcount: number; oldest: number }>()
  for (const c of f.arrears) {
    const i = incidents.get(c.month) ?? { caseId: c.caseId, amountFen: 0, headcount: 0, oldest: 0 }
    i.amountFen += c.shortFen
    i.headcount += 1
    i.oldest = Math.max(i.oldest, c.episodeAgeDays)
    incidents.set(c.month, i)
  }
  for (const [month, i] of [...incidents].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push({ kind: 'arrears_case', caseId: `${month}:${i.caseId}`, amountFen: fen(i.amountFen), headcount: i.headcount, overdueDays: Math.max(0, i.oldest - HANDLING_DAYS) })
  }
  if (f.dueMonth && f.dueMonth.workers > 0) {
    const unpaid = Math.max(0, f.dueMonth.workers - f.dueMonth.paidWorkers)
    if (unpaid > 0) out.push({ kind: 'unpaid_headcount', unpaid, onRoster: f.dueMonth.workers })
  }
  if (f.deposit.flags.includes('DEPOSIT_MISSING')) out.push({ kind: 'deposit_gap', gap: 'missing', shortFen: fen(0) })
  else if (f.deposit.flags.includes('DEPOSIT_SHORT') && f.deposit.requiredFen !== null) {
    out.push({ kind: 'deposit_gap', gap: 'short', shortFen: fen(Math.max(0, f.deposit.requiredFen - f.deposit.inForceFen)) })
  }
  return out
}
