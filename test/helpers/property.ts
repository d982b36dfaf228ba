import fc from 'fast-check'
import type { Test } from 'tap'

/** Runs a fast-check property as one tap assertion, with the counterexample in the failure message. */
export function holds<Ts extends unknown[]>(t: Test, name: string, property: fc.IProperty<Ts>, params: fc.Parameters<Ts> = {}): void {
  const r = fc.check(property, params)
  if (r.failed) t.fail(`${name}: ${fc.defaultReportMessage(r) ?? 'failed'}`)
  else t.pass(name)
}
