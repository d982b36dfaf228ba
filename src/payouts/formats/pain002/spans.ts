/**
 * Transactions parsed a batch at a time. fast-xml-parser builds the whole tree in memory, ≈ 20 KB of heap per
 * TxInfAndSts (measured: a 100,000-transaction report of 58 MB took 2 GB), so a report's transactions are cut out
 * of the (already validated) text, the skeleton that is left is parsed with a placeholder in each one's place, and the
 * transactions are parsed `PAIN002_BATCH_TRANSACTIONS` at a time as the walk reaches them: the heap then holds the
 * skeleton, the lines read so far, and one batch (measured on the same report: 350 MB of heap once read, against
 * 1.2 GB; the time is the parser's either way, ≈ 50 µs a transaction on this machine under load).
 *
 * The cut is made only where it is certain: no comment, CDATA section or processing instruction after the prolog
 * (where "</TxInfAndSts>" could be text), and start tags without attributes (the schema gives them none). Any other
 * file is parsed whole, as before.
 */
import { all, at, attribute } from '../../../kernel/xml.ts'
import { parser } from './xml.ts'

/** Transactions per parse: large enough that the parser's per-call cost vanishes, small enough to stay a few MB. */
export const PAIN002_BATCH_TRANSACTIONS = 500

const PLACEHOLDER = 'wl-span'

interface Span {
  start: number
  end: number
}

export interface Transactions {
  /** The text to parse for everything but the transactions (the whole text when it was not cut). */
  skeleton: string
  /** The transaction a node of the skeleton stands for (the node itself when the text was not cut); undefined when its batch cannot be read. */
  resolve(node: unknown): unknown
}

const whole = (xml: string): Transactions => ({ skeleton: xml, resolve: (node) => node })

/** Where the transactions are, or undefined when the text is not one to cut safely. */
function spansOf(xml: string, expected: number): Span[] | undefined {
  const prologEnd = xml.indexOf('?>')
  const body = xml.startsWith('<?xml') && prologEnd >= 0 ? prologEnd + 2 : 0
  if (xml.indexOf('<!--', body) >= 0 || xml.indexOf('<![CDATA[', body) >= 0 || xml.indexOf('<?', body) >= 0) return undefined
  const spans: Span[] = []
  const start = /<((?:[\w.-]+:)?)TxInfAndSts\s*(\/?)>/g
  for (let m = start.exec(xml); m !== null; m = start.exec(xml)) {
    const [tag, prefix = '', selfClosing] = m
    if (selfClosing === '/') {
      spans.push({ start: m.index, end: m.index + tag.length })
      continue
    }
    const close = new RegExp(`</${prefix.replace(/\./g, '\\.')}TxInfAndSts\\s*>`, 'g')
    close.lastIndex = start.lastIndex
    const c = close.exec(xml)
    if (c === null) return undefined
    spans.push({ start: m.index, end: c.index + c[0].length })
    start.lastIndex = c.index + c[0].length
  }
  // A start tag the strict pattern missed (one with attributes) means the cut would not be exact.
  return spans.length === expected ? spans : undefined
}

/** `expected`: the transactions' start tags counted in the text, for the check that the cut found every one. */
export function cutTransactions(xml: string, expected: number, batch = PAIN002_BATCH_TRANSACTIONS): Transactions {
  if (expected === 0) return whole(xml)
  const spans = spansOf(xml, expected)
  if (spans === undefined) return whole(xml)
  const parts: string[] = []
  let from = 0
  for (const [k, s] of spans.entries()) {
    parts.push(xml.slice(from, s.start), `<TxInfAndSts ${PLACEHOLDER}="${k}"/>`)
    from = s.end
  }
  parts.push(xml.slice(from))
  let cached: { from: number; nodes: unknown[] | undefined } | undefined
  const batchOf = (k: number): unknown[] | undefined => {
    const first = k - (k % batch)
    if (cached?.from !== first) {
      const text = `<WlBatch>${spans
        .slice(first, first + batch)
        .map((s) => xml.slice(s.start, s.end))
        .join('')}</WlBatch>`
      let nodes: unknown[] | undefined
      try {
        nodes = all(at(parser.parse(text), 'WlBatch'), 'TxInfAndSts')
      } catch {
        nodes = undefined
      }
      cached = { from: first, nodes }
    }
    return cached.nodes
  }
  return {
    skeleton: parts.join(''),
    resolve(node) {
      const k = Number(attribute(node, PLACEHOLDER))
      if (!Number.isInteger(k) || k < 0 || k >= spans.length) return node
      const nodes = batchOf(k)
      return nodes === undefined || nodes.length !== Math.min(batch, spans.length - (k - (k % batch))) ? undefined : nodes[k % batch]
    },
  }
}
