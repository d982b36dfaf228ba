/**
 * Properties of the pain.002 parser: whatever the bytes (random, or the real samples mutated), it answers with typed
 * faults or a file, never both and never an exception; a complete report written from any set of payments reads back
 * to exactly those payments, in UTF-8 or GBK, in the 001.03 or the 001.10 layout; a report that lists only some of
 * them reads those; and one fen changed anywhere under a control sum refuses the file.
 */
import { readFileSync, readdirSync } from 'node:fs'
import fc from 'fast-check'
import iconv from 'iconv-lite'
import t from 'tap'
import { Money } from '../../../src/kernel/money.ts'
import type { EvidenceStatus } from '../../../src/payouts/formats/evidence.ts'
import { parsePain002, type Pain002Parse } from '../../../src/payouts/formats/pain002/index.ts'
import { holds } from '../../helpers/property.ts'
import { answerOf, mutated, mutations, typedFaults } from './helpers/mutations.ts'

const SAMPLES = new URL('../fixtures/bank/', import.meta.url)
const samples = readdirSync(SAMPLES)
  .filter((f) => f.startsWith('iso20022.pain.002') && f.endsWith('.xml'))
  .map((f) => readFileSync(new URL(f, SAMPLES)))

/** The answer's shape, whatever the input: a file and no errors, or errors and no file. */
function wellFormedAnswer(r: Pain002Parse): boolean {
  if (r.file === undefined) return typedFaults(r.errors)
  return (
    r.errors.length === 0 &&
    r.file.details.length === r.file.lines.length &&
    r.file.lines.every((l) => l.lineNo >= 1 && ['booked', 'pending', 'rejected'].includes(l.status) && (l.amountFen === null || (Number.isSafeInteger(l.amountFen) && l.amountFen >= 0)))
  )
}

function answers(bytes: Buffer): boolean {
  const r = answerOf(() => parsePain002(bytes))
  // 'unreadable' is the safety net for what the XML library throws; a mutation reaching it is a fault not named yet.
  return wellFormedAnswer(r) && !r.errors.some((e) => e.code === 'unreadable')
}

t.test('random bytes: typed faults, never an exception', async (t) => {
  holds(t, 'random bytes', fc.property(fc.uint8Array({ maxLength: 2_000 }), (a) => answers(Buffer.from(a))), { numRuns: 500 })
  holds(
    t,
    'random text behind an XML declaration',
    fc.property(fc.constantFrom('UTF-8', 'GBK', 'GB18030', 'ISO-8859-1', 'utf8', 'EBCDIC'), fc.string({ maxLength: 500 }), (enc, body) => answers(Buffer.from(`<?xml version="1.0" encoding="${enc}"?>${body}`))),
    { numRuns: 300 },
  )
})

/** Bits of XML a mutation splices in: tags of the report, entities, control characters, numbers, statuses. */
const FRAGMENTS = ['<TxInfAndSts>', '</TxInfAndSts>', '<TxSts>RJCT</TxSts>', '<TxSts>ACSC</TxSts>', '<InstdAmt Ccy="EUR">1.005</InstdAmt>', '<NbOfTxsPerSts>', '&#x0;', '&amp;', '&lt;', '<![CDATA[x]]>', '<!DOCTYPE d [<!ENTITY a "aaaa">]>', '\u0000', '99999999999999999999', '-1', '<OrgnlNbOfTxs>0</OrgnlNbOfTxs>', '<Document>', '<CstmrPmtStsRpt>']

const mutation = mutations(FRAGMENTS)

t.test('the real samples mutated: typed faults or a file, never an exception, never both', async (t) => {
  t.ok(samples.length >= 6, 'the pain.002 samples are there')
  holds(
    t,
    'mutated samples',
    fc.property(fc.integer({ min: 0, max: samples.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, ms) => answers(mutated(samples[i] ?? Buffer.alloc(0), ms))),
    { numRuns: 1_000 },
  )
})

/** Payment statuses a transaction can carry, and what each is as evidence (the module's table). */
const TX_STATUSES: Record<string, EvidenceStatus> = {
  ACSC: 'booked',
  ACCC: 'booked',
  ACCP: 'pending',
  ACSP: 'pending',
  ACTC: 'pending',
  ACWC: 'pending',
  PDNG: 'pending',
  RCVD: 'pending',
  RJCT: 'rejected',
  CANC: 'rejected',
}

interface Payment {
  e2e: string
  status: string
  fen: number
  name: string
  card: string
  reasonCode: string | null
  reasonText: string | null
}

const GIVEN = [...'伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌']
const payment: fc.Arbitrary<Payment> = fc
  .record({
    status: fc.constantFrom(...Object.keys(TX_STATUSES)),
    fen: fc.integer({ min: 0, max: 5_000_000_00 }),
    name: fc.tuple(fc.constantFrom('张', '王', '李', '欧阳', '司马'), fc.array(fc.constantFrom(...GIVEN), { minLength: 1, maxLength: 2 })).map(([s, g]) => s + g.join('')),
    card: fc.stringMatching(/^62\d{14,17}$/),
    reasonCode: fc.constantFrom('AC04', 'AM04', 'AC01', 'NARR'),
    reasonText: fc.constantFrom('账户已销户', '余额不足', 'Account closed.', '户名不符'),
  })
  .map((p) => ({ ...p, e2e: '', reasonCode: TX_STATUSES[p.status] === 'rejected' ? p.reasonCode : null, reasonText: TX_STATUSES[p.status] === 'rejected' ? p.reasonText : null }))

const yuan = (fen: number): string => new Money(fen).div(100).toFixed(2)

interface Layout {
  version: '03' | '10'
  encoding: 'UTF-8' | 'GBK'
  /** How many of each block's payments the report lists (from the front); all when undefined. */
  listed?: number[]
}

/** A complete pain.002 of these blocks of payments: every count and control sum stated. */
function report(blocks: Payment[][], layout: Layout): Buffer {
  const v10 = layout.version === '10'
  const all = blocks.flat()
  const perStatus = (ps: Payment[]): string =>
    [...new Set(ps.map((p) => p.status))]
      .map((s) => {
        const of = ps.filter((p) => p.status === s)
        return `<NbOfTxsPerSts><DtldNbOfTxs>${of.length}</DtldNbOfTxs><DtldSts>${s}</DtldSts><DtldCtrlSum>${yuan(of.reduce((a, p) => a + p.fen, 0))}</DtldCtrlSum></NbOfTxsPerSts>`
      })
      .join('')
  const tx = (p: Payment): string =>
    `<TxInfAndSts><OrgnlEndToEndId>${p.e2e}</OrgnlEndToEndId><TxSts>${p.status}</TxSts>` +
    (p.reasonCode === null ? '' : `<StsRsnInf><Rsn><Cd>${p.reasonCode}</Cd></Rsn><AddtlInf>${p.reasonText ?? ''}</AddtlInf></StsRsnInf>`) +
    `<OrgnlTxRef><Amt><InstdAmt Ccy="CNY">${yuan(p.fen)}</InstdAmt></Amt>` +
    (v10 ? `<ReqdExctnDt><Dt>2026-12-10</Dt></ReqdExctnDt><Cdtr><Pty><Nm>${p.name}</Nm></Pty></Cdtr>` : `<ReqdExctnDt>2026-12-10</ReqdExctnDt><Cdtr><Nm>${p.name}</Nm></Cdtr>`) +
    `<CdtrAcct><Id><Othr><Id>${p.card}</Id></Othr></Id></CdtrAcct></OrgnlTxRef></TxInfAndSts>`
  const xml =
    `<?xml version="1.0" encoding="${layout.encoding}"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.${layout.version}"><CstmrPmtStsRpt>` +
    `<GrpHdr><MsgId>STS</MsgId><CreDtTm>2026-12-10T18:00:00</CreDtTm></GrpHdr>` +
    `<OrgnlGrpInfAndSts><OrgnlMsgId>WL</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><OrgnlNbOfTxs>${all.length}</OrgnlNbOfTxs><OrgnlCtrlSum>${yuan(all.reduce((a, p) => a + p.fen, 0))}</OrgnlCtrlSum><GrpSts>PART</GrpSts>${perStatus(all)}</OrgnlGrpInfAndSts>` +
    blocks
      .map(
        (ps, b) =>
          `<OrgnlPmtInfAndSts><OrgnlPmtInfId>B${b}</OrgnlPmtInfId><OrgnlNbOfTxs>${ps.length}</OrgnlNbOfTxs><OrgnlCtrlSum>${yuan(ps.reduce((a, p) => a + p.fen, 0))}</OrgnlCtrlSum><PmtInfSts>PART</PmtInfSts>${perStatus(ps)}` +
          `${ps.slice(0, layout.listed?.[b] ?? ps.length).map(tx).join('')}</OrgnlPmtInfAndSts>`,
      )
      .join('') +
    '</CstmrPmtStsRpt></Document>'
  return layout.encoding === 'GBK' ? iconv.encode(xml, 'gbk') : Buffer.from(xml, 'utf8')
}

const blocksArb = fc.array(fc.array(payment, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 }).map((bs) => bs.map((ps, b) => ps.map((p, i) => ({ ...p, e2e: `E-${b}-${i}` }))))
const layoutArb = fc.record({ version: fc.constantFrom('03' as const, '10' as const), encoding: fc.constantFrom('UTF-8' as const, 'GBK' as const) })

const expected = (blocks: Payment[][], listed?: number[]): unknown[] =>
  blocks.flatMap((ps, b) =>
    ps.slice(0, listed?.[b] ?? ps.length).map((p) => [p.e2e, `B${b}`, TX_STATUSES[p.status], p.fen, p.name, p.card, p.reasonCode, p.reasonText]),
  )
const got = (r: Pain002Parse): unknown[] => (r.file?.lines ?? []).map((l) => [l.endToEndId, l.paymentInfoId, l.status, l.amountFen, l.payeeName, l.payeeCard, l.reasonCode, l.reasonText])

t.test('a complete report reads back to exactly its payments', async (t) => {
  holds(
    t,
    'round trip',
    fc.property(blocksArb, layoutArb, (blocks, layout) => {
      const r = parsePain002(report(blocks, layout))
      if (r.errors.length > 0) throw new Error(JSON.stringify(r.errors))
      if (JSON.stringify(got(r)) !== JSON.stringify(expected(blocks))) throw new Error(`${JSON.stringify(got(r))} != ${JSON.stringify(expected(blocks))}`)
      return r.file?.group.complete === true && r.file.paymentInfos.every((p) => p.complete === true)
    }),
    { numRuns: 200 },
  )
})

t.test('a report that lists only some of its payments reads those, its counts as bounds', async (t) => {
  holds(
    t,
    'partial',
    fc.property(
      blocksArb.chain((blocks) => fc.tuple(fc.constant(blocks), fc.tuple(...blocks.map((ps) => fc.integer({ min: 0, max: ps.length }))))),
      layoutArb,
      ([blocks, listed], layout) => {
        const r = parsePain002(report(blocks, { ...layout, listed }))
        if (r.errors.length > 0) throw new Error(JSON.stringify(r.errors))
        return JSON.stringify(got(r)) === JSON.stringify(expected(blocks, listed))
      },
    ),
    { numRuns: 200 },
  )
})

t.test('one fen changed under a control sum refuses the file', async (t) => {
  holds(
    t,
    'one fen',
    fc.property(blocksArb, layoutArb, fc.nat(), fc.boolean(), (blocks, layout, which, up) => {
      const flat = blocks.flat()
      const target = flat[which % flat.length]
      if (target === undefined) return true
      // The amount on the transaction changes; every count and sum stays as the bank first wrote it.
      const honest = report(blocks, layout).toString('latin1')
      const changed = { ...target, fen: up || target.fen === 0 ? target.fen + 1 : target.fen - 1 }
      const needle = `<OrgnlEndToEndId>${target.e2e}</OrgnlEndToEndId>`
      const start = honest.indexOf(needle)
      const amountAt = honest.indexOf('<InstdAmt Ccy="CNY">', start)
      const end = honest.indexOf('</InstdAmt>', amountAt)
      const bytes = Buffer.from(honest.slice(0, amountAt) + `<InstdAmt Ccy="CNY">${yuan(changed.fen)}` + honest.slice(end), 'latin1')
      const r = parsePain002(bytes)
      return r.file === undefined && r.errors.some((e) => e.code === 'control_sum_mismatch')
    }),
    { numRuns: 200 },
  )
})

t.test('transactions parsed a batch at a time read the same as the file parsed whole', async (t) => {
  holds(
    t,
    'batches',
    fc.property(blocksArb, layoutArb, fc.integer({ min: 1, max: 7 }), fc.boolean(), (blocks, layout, batch, comment) => {
      let bytes = report(blocks, layout)
      // A comment makes the parser take the whole file in one piece: the same answer either way.
      if (comment) bytes = Buffer.concat([bytes.subarray(0, bytes.indexOf('<CstmrPmtStsRpt>')), Buffer.from('<!-- </TxInfAndSts> -->'), bytes.subarray(bytes.indexOf('<CstmrPmtStsRpt>'))])
      const batched = JSON.stringify(parsePain002(bytes, { batchTransactions: batch }))
      return batched === JSON.stringify(parsePain002(bytes, { batchTransactions: 1_000_000 })) && batched === JSON.stringify(parsePain002(bytes))
    }),
    { numRuns: 150 },
  )
})
