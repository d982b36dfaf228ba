/**
 * Properties of the camt evidence reader: whatever the bytes (random, or the real samples and a built batch mutated),
 * it returns typed faults or a file, never both and never an exception; its one-pass walk builds what
 * fast-xml-parser's XMLParser builds, and the statement module, reading the whole tree with it, finds the same booked
 * payments (the auditors: second readings that must agree); and on any well-formed statement, 001.02 and 001.08 read
 * alike and the lines account for every entry.
 */
import { readFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import t from 'tap'
import { parseCamt } from '../../../src/account/statements/camt.ts'
import { treeParser } from '../../../src/kernel/xml.ts'
import { readCamtEvidence } from '../../../src/payouts/formats/camt/read.ts'
import { scanXml } from '../../../src/payouts/formats/camt/scan.ts'
import { EVIDENCE_ERRORS_MAX, type EvidenceParse } from '../../../src/payouts/formats/evidence.ts'
import { camt, type CamtEntry } from '../../account/fixtures/camt-cny.ts'
import { holds } from '../../helpers/property.ts'
import { answerOf, mutate, mutations, typedFaults } from './helpers/mutations.ts'

const sample = (name: string): Buffer => readFileSync(new URL(`../fixtures/bank/${name}`, import.meta.url))
const SAMPLES = ['iso20022.camt054.v2.xml', 'iso20022.camt054.v8-with-UETR.xml', 'iso20022.camt053.v2.minimal.xml'].map(sample)

const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`
const BATCH = Buffer.from(
  camt({
    kind: '054',
    version: '08',
    account: '19045101040012345',
    entries: [
      { ref: 'B-1', amount: yuan(6000), cd: 'DBIT', booking: '2026-12-05', batch: ['10.00', '20.00', '30.00'], counterpartyName: '工人', counterpartyAccount: '6222020200112233445' },
      { ref: 'R-1', amount: '10.00', cd: 'CRDT', reversal: true, txRef: 'B-1/1', booking: '2026-12-06', counterpartyName: '工人', counterpartyAccount: '6222020200112233445' },
    ],
  }),
)

/** Either a file and no faults, or faults and no file; each fault typed and placed. */
function wellFormed(r: EvidenceParse): boolean {
  if (r.file !== undefined) return r.errors.length === 0
  return typedFaults(r.errors) && r.errors.length <= EVIDENCE_ERRORS_MAX
}

const neverThrows = (bytes: Uint8Array): boolean => wellFormed(answerOf(() => readCamtEvidence(Buffer.from(bytes))))

/** Bits a mutation splices in: markup, entity and section openers, a Latin-1 byte and a hanzi. */
const FRAGMENTS = ['<', '>', '&', '"', '</Ntry>', '<Ntry>', '<![CDATA[', '<!--', ']]>', '<?', '\u00ff', '工']
const mutation = mutations(FRAGMENTS, { deleteMax: 200 })

t.test('random bytes: faults only, never an exception', async (t) => {
  holds(t, 'random bytes', fc.property(fc.uint8Array({ maxLength: 4096 }), neverThrows), { numRuns: 500 })
  holds(
    t,
    'random text after an XML declaration and a camt root',
    fc.property(fc.string({ maxLength: 500 }), (s) =>
      neverThrows(Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><Document><BkToCstmrDbtCdtNtfctn>${s}</BkToCstmrDbtCdtNtfctn></Document>`)),
    ),
    { numRuns: 500 },
  )
})

t.test('the real samples and a built batch, mutated: a file or faults, never both, never an exception', async (t) => {
  for (const [i, base] of [...SAMPLES, BATCH].entries()) {
    holds(t, `mutations of file ${i + 1}`, fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => ms.every((m) => neverThrows(mutate(base, m)))), { numRuns: 300 })
  }
})

const REPEATED = new Set(['Stmt', 'Ntfctn', 'Ntry', 'NtryDtls', 'TxDtls', 'Bal', 'Ustrd', 'Strd', 'AdrLine', 'AddtlInf'])
const xmlParser = treeParser({ attributes: true, trimValues: true, repeated: REPEATED })
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v))
const walked = (xml: string): unknown => {
  const r = scanXml(xml, { repeated: REPEATED, close: () => false })
  return 'root' in r ? plain(r.root['Document']) : r
}

const entryArb = fc.record({
  ref: fc.stringMatching(/^[A-Z]{2}\d{4}$/),
  fen: fc.integer({ min: 1, max: 10_000_000 }),
  cd: fc.constantFrom('CRDT', 'DBIT'),
  reversal: fc.option(fc.boolean(), { nil: undefined }),
  status: fc.constantFrom('BOOK', 'BOOK', 'BOOK', 'PDNG', 'INFO'),
  batch: fc.option(fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 2, maxLength: 6 }), { nil: undefined }),
  day: fc.integer({ min: 1, max: 28 }),
})
type GenEntry = typeof entryArb extends fc.Arbitrary<infer T> ? T : never
const entries = fc.uniqueArray(entryArb, { maxLength: 12, selector: (e) => e.ref })
const toEntries = (es: readonly GenEntry[]): CamtEntry[] =>
  es.map((e) => ({
    ref: e.ref,
    amount: yuan(e.batch === undefined ? e.fen : e.batch.reduce((s, f) => s + f, 0)),
    cd: e.cd,
    ...(e.reversal === undefined ? {} : { reversal: e.reversal }),
    status: e.status,
    booking: `2026-12-${String(e.day).padStart(2, '0')}`,
    ...(e.batch === undefined ? {} : { batch: e.batch.map(yuan) }),
    counterpartyName: '张三',
    counterpartyAccount: '6222020200112233445',
    endToEndId: `E-${e.ref}`,
  }))

t.test('the one-pass walk builds what XMLParser builds', async (t) => {
  for (const [i, bytes] of SAMPLES.entries()) t.same(walked(bytes.toString('utf8')), plain((xmlParser.parse(bytes.toString('utf8')) as Record<string, unknown>)['Document']), `sample ${i + 1}`)
  holds(
    t,
    'generated statements and notifications, both versions',
    fc.property(entries, fc.constantFrom('053' as const, '054' as const), fc.constantFrom('02' as const, '08' as const), (es, kind, version) => {
      const xml = camt({ kind, version, account: '19045101040012345', entries: toEntries(es) })
      return isDeepStrictEqual(walked(xml), plain((xmlParser.parse(xml) as Record<string, unknown>)['Document']))
    }),
    { numRuns: 200 },
  )
})

t.test('any well-formed notification: lines account for every entry, and 001.02 reads as 001.08', async (t) => {
  holds(
    t,
    'lines, sums and ignored counts',
    fc.property(entries, fc.constantFrom('053' as const, '054' as const), (es, kind) => {
      const read = (version: '02' | '08') => readCamtEvidence(Buffer.from(camt({ kind, version, account: '19045101040012345', entries: toEntries(es) })))
      const v8 = read('08')
      const v2 = read('02')
      if (v8.file === undefined || v2.file === undefined) return false
      const txCount = (e: GenEntry) => e.batch?.length ?? 1
      const amountOf = (e: GenEntry) => e.batch?.reduce((s, f) => s + f, 0) ?? e.fen
      const booked = es.filter((e) => e.status === 'BOOK')
      const payments = booked.filter((e) => e.cd === 'DBIT' && e.reversal !== true)
      const pending = es.filter((e) => e.status === 'PDNG' && e.cd === 'DBIT' && e.reversal !== true)
      const returns = booked.filter((e) => e.cd === 'CRDT' && e.reversal === true)
      const lines = v8.file.lines
      const sum = (status: string) => lines.filter((l) => l.status === status).reduce((s, l) => s + (l.amountFen ?? 0), 0)
      const ignoredExpected =
        es.filter((e) => e.status === 'INFO').length + es.filter((e) => e.status !== 'INFO' && !(e.cd === 'DBIT' && e.reversal !== true) && !(e.status === 'BOOK' && e.cd === 'CRDT' && e.reversal === true)).reduce((s, e) => s + txCount(e), 0)
      return (
        JSON.stringify(v2.file.lines) === JSON.stringify(lines) &&
        sum('booked') === payments.reduce((s, e) => s + amountOf(e), 0) &&
        sum('pending') === pending.reduce((s, e) => s + amountOf(e), 0) &&
        sum('returned') === returns.reduce((s, e) => s + amountOf(e), 0) &&
        lines.length === [...payments, ...pending, ...returns].reduce((s, e) => s + txCount(e), 0) &&
        v8.file.ignored.count === ignoredExpected
      )
    }),
    { numRuns: 300 },
  )
})

t.test('auditor: the statement module (XMLParser, whole tree) reads the same payments from the same file', async (t) => {
  holds(
    t,
    'booked debits: amount, EndToEndId, payee, bank reference and dates agree',
    fc.property(entries, fc.constantFrom('053' as const, '054' as const), fc.constantFrom('02' as const, '08' as const), (es, kind, version) => {
      const xml = camt({ kind, version, account: '19045101040012345', entries: toEntries(es) })
      const statement = parseCamt(xml)
      const evidence = readCamtEvidence(Buffer.from(xml))
      if (statement.statement === undefined || statement.errors.length > 0 || evidence.file === undefined) return false
      const fromStatement = statement.statement.lines
        .filter((l) => l.direction === 'debit' && l.reversalOf === undefined && !es.some((e) => e.reversal === true && l.bankRef.startsWith(e.ref)))
        .map((l) => [l.bankRef, l.amountFen, l.endToEndId ?? null, l.counterpartyAccountNo, l.counterpartyName, l.bookingDate, l.valueDate])
      const fromEvidence = evidence.file.lines
        .filter((l) => l.status === 'booked')
        .map((l) => [l.bankRef, l.amountFen, l.endToEndId, l.payeeCard, l.payeeName, l.bookingDate, l.valueDate])
      return isDeepStrictEqual(fromEvidence, fromStatement)
    }),
    { numRuns: 300 },
  )
})
