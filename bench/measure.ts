/**
 * What the benchmarks that report a heap peak share: a measure that takes a full collection first (so the peak starts
 * from what is live, not from the garbage of opening a service), then samples heapUsed while the work runs, and the
 * figures' formatting. The npm scripts run tsx without --expose-gc, so the flag is set at run time and gc is taken
 * from a new context.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** The heap is sampled this often while a measure runs (the event loop turns at every database round trip). */
export const HEAP_SAMPLE_MS = 20

export interface Measure {
  ms: number
  /** heapUsed at the start (after a full collection) and its highest sample while the measure ran. */
  heapStart: number
  heapPeak: number
}

setFlagsFromString('--expose-gc')
const collect = runInNewContext('gc') as () => void

export async function measured<T>(fn: () => Promise<T>): Promise<Measure & { value: T }> {
  collect()
  const heapStart = process.memoryUsage().heapUsed
  let heapPeak = heapStart
  const sample = (): void => {
    const h = process.memoryUsage().heapUsed
    if (h > heapPeak) heapPeak = h
  }
  const timer = setInterval(sample, HEAP_SAMPLE_MS)
  const started = performance.now()
  try {
    const value = await fn()
    const ms = performance.now() - started
    sample()
    return { ms, heapStart, heapPeak, value }
  } finally {
    clearInterval(timer)
  }
}

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
export const mb = (bytes: number): string => `${fmt(bytes / 1_048_576)} MB`
export const seconds = (ms: number): string => (ms / 1000).toFixed(2)
