/** What the wage-terms and pay-line tests build their cases from. */
import { fen } from '../../../src/kernel/money.ts'
import { TermsError, type TermsVersion, type WageTerms } from '../../../src/payroll/terms.ts'

export const MONTH = '2026-11'

export function version(id: string, effectiveFrom: string, terms: WageTerms): TermsVersion {
  return { id, enrolmentId: 'e1', effectiveFrom, terms }
}

export const daily = (rate: number): WageTerms => ({ kind: 'daily', dailyRateFen: fen(rate) })

/** The code of the TermsError `fn` throws, or a failure note when it throws nothing or something else. */
export function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    return e instanceof TermsError ? e.code : `not a TermsError: ${String(e)}`
  }
  return 'no error'
}
