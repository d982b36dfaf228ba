/**
 * What the bank format property tests share: files damaged the ways files are (a byte changed, cut short, a slice
 * deleted, repeated or spliced in), and the check that a parser answered with faults a clerk can act on rather than
 * throwing. Each test keeps what is its format's own: the fragments worth splicing in, and what a read file must hold.
 */
import fc from 'fast-check'
import type { EvidenceFault } from '../../../../src/payouts/formats/evidence.ts'

export type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'cut'; at: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'repeat'; at: number; length: number }

/** Mutations that splice in the format's own `fragments` or random text; lengths deleted or repeated up to the maxima. */
export function mutations(fragments: readonly string[], { deleteMax = 40, repeatMax = 400 }: { deleteMax?: number; repeatMax?: number } = {}): fc.Arbitrary<Mutation> {
  return fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: deleteMax }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 20 })) }),
    fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: repeatMax }) }),
  )
}

export function mutate(bytes: Buffer, m: Mutation): Buffer {
  const at = bytes.length === 0 ? 0 : m.at % bytes.length
  switch (m.kind) {
    case 'flip': {
      const out = Buffer.from(bytes)
      if (out.length > 0) out[at] = m.value
      return out
    }
    case 'cut':
      return bytes.subarray(0, at)
    case 'delete':
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)])
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.text, 'utf-8'), bytes.subarray(at)])
    case 'repeat':
      return Buffer.concat([bytes.subarray(0, at + m.length), bytes.subarray(at)])
  }
}

/** The mutations applied one after the other. */
export const mutated = (seed: Buffer, ms: readonly Mutation[]): Buffer => ms.reduce(mutate, seed)

/** What the parse answered; an exception becomes a failure that says so, so fast-check reports it with the input. */
export function answerOf<R>(parse: () => R, who = 'the parser'): R {
  try {
    return parse()
  } catch (err) {
    throw new Error(`${who} threw: ${String(err)}`)
  }
}

/** Faults a clerk can act on: at least one, each with a snake_case code, a message, a field and a line (0: the file). */
export const typedFaults = (errors: readonly EvidenceFault[]): boolean =>
  errors.length > 0 && errors.every((e) => /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/.test(e.code) && e.message !== '' && e.field !== '' && Number.isInteger(e.lineNo) && e.lineNo >= 0)
