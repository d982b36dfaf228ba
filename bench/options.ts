/** Command-line options the benchmarks share. */

/** A whole-number option (`--runs 3`, `--messages 100_000`): refused with the option named when it is not one or below min. */
export function wholeNumberOption(name: string, raw: string | undefined, min = 1): number {
  const n = Number(String(raw).replaceAll('_', ''))
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}, got "${raw}"`)
  return n
}
