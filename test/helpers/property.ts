import fc from 'fast-check'

/** Runs a fast-check property as one tap assertion, with the counterexample in the failure message. */
export function holds(t: { ok(value: unknown, message?: string): void; fail(message: string): void }, name: string, property: fc.IRawProperty<unknown[]>, params: fc.Parameters<unknown[]> = {}): void {
  const r = fc.check(property, params)
  if (r.failed) t.fail(`${name}: ${fc.defaultReportMessage(r) ?? 'failed'}`)
  else t.ok(true, name)
}
