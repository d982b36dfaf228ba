/**
 * Properties of the CMB 代发 format: whatever the bytes (random, or the real samples and synthetic answers mutated), it
 * answers with typed faults or a file, never both and never an exception, and never quotes a payee's card whole; a
 * batch written from any set of payments, as 前置机 XML (UTF-8 or GBK), as the JSON API's answer or as the push notice,
 * reads back to exactly those payments; one fen changed under the batch's totals refuses the file; and the returns of
 * any of the paid lines name exactly those lines.
 */
import { readFileSync, readdirSync } from 'node:fs'
import fc from 'fast-check'
import iconv from 'iconv-lite'
import t from 'tap'
import { Money } from '../../../src/kernel/money.ts'
import type { EvidenceParse, EvidenceStatus } from '../../../src/payouts/formats/evidence.ts'
import { cmbAgencyFormat, type CmbPaymentEvidence } from '../../../src/payouts/formats/cmb/index.ts'
import { holds } from '../../helpers/property.ts'
import { answerOf, mutated, mutations, typedFaults } from './helpers/mutations.ts'

const SAMPLES = new URL('../fixtures/bank/', import.meta.url)
const samples = readdirSync(SAMPLES)
  .filter((f) => f.startsWith('cmb-yqzl.') && f.endsWith('.xml'))
  .map((f) => readFileSync(new URL(f, SAMPLES)))

const parse = (bytes: Buffer): EvidenceParse => cmbAgencyFormat.parse(bytes, {})
const lines = (r: EvidenceParse): CmbPaymentEvidence[] => (r.file?.lines ?? []) as CmbPaymentEvidence[]

/** The answer's shape, whatever the input: a file and no errors, or errors and no file; no card quoted whole. */
function answers(bytes: Buffer, cards: readonly string[] = []): boolean {
  const r = answerOf(() => parse(bytes))
  if (r.errors.some((e) => cards.some((c) => e.message.includes(c)))) throw new Error(`a card quoted whole: ${JSON.stringify(r.errors)}`)
  // The parser's last-resort catch answers `unreadable`: a fault of the parser, not of the file.
  if (r.errors.some((e) => e.code === 'unreadable')) throw new Error(`the parser failed: ${JSON.stringify(r.errors)}`)
  if (r.file === undefined) return typedFaults(r.errors)
  return (
    r.errors.length === 0 &&
    r.file.format === 'cmb-agency' &&
    r.file.lines.every((l) => l.lineNo >= 1 && ['booked', 'pending', 'rejected', 'returned'].includes(l.status) && l.amountFen !== null && Number.isSafeInteger(l.amountFen) && l.amountFen > 0)
  )
}

t.test('random bytes: typed faults, never an exception', async (t) => {
  holds(t, 'random bytes', fc.property(fc.uint8Array({ maxLength: 2_000 }), (a) => answers(Buffer.from(a))), { numRuns: 500 })
  holds(
    t,
    'random text behind an XML declaration and the root',
    fc.property(fc.constantFrom('UTF-8', 'GBK', 'GB18030', 'gb2312', 'ISO-8859-1', 'EBCDIC'), fc.string({ maxLength: 500 }), (enc, body) =>
      answers(Buffer.from(`<?xml version="1.0" encoding="${enc}"?><CMBSDKPGK><INFO><FUNNAM>NTAGDINF</FUNNAM><RETCOD>0</RETCOD></INFO>${body}</CMBSDKPGK>`)),
    ),
    { numRuns: 300 },
  )
  holds(t, 'random JSON', fc.property(fc.json(), (j) => answers(Buffer.from(j))), { numRuns: 300 })
  holds(
    t,
    'random values under the JSON API’s records',
    fc.property(fc.array(fc.dictionary(fc.constantFrom('trxseq', 'accnbr', 'trsamt', 'stscod', 'trsdat', 'reqnbr', 'rtnflg', 'sucnum', 'constructor', '__proto__'), fc.jsonValue()), { maxLength: 4 }), fc.jsonValue(), (ds, agc) =>
      answers(Buffer.from(JSON.stringify({ msgtyp: 'x', msgdat: { agcInfo: agc, detailInfo: ds } }))) && answers(Buffer.from(JSON.stringify({ response: { head: { resultcode: 'SUC0000' }, body: { bb6bpdqyz1: agc, bb6bpdqyz2: ds } } }))),
    ),
    { numRuns: 300 },
  )
})

interface Payment {
  code: string
  fen: number
  name: string
  card: string
}

/** The status codes of NTAGCDTLY1 / bb6bpdqyz2 and of the notice, and what each is as evidence (the module's table). */
const DETAIL: Record<string, EvidenceStatus> = { S: 'booked', E: 'rejected', C: 'rejected', A: 'pending', I: 'pending' }
const NOTICE: Record<string, EvidenceStatus> = { S: 'booked', E: 'rejected', A: 'pending' }

const GIVEN = [...'伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌']
const payment = (codes: Record<string, EvidenceStatus>): fc.Arbitrary<Payment> =>
  fc.record({
    code: fc.constantFrom(...Object.keys(codes)),
    fen: fc.oneof(fc.integer({ min: 1, max: 10_000_000_000 }), fc.constantFrom(1, 29, 57, 100, 10_000_000_000)),
    name: fc.tuple(fc.constantFrom('张', '王', '李', '欧阳', '司马'), fc.array(fc.constantFrom(...GIVEN), { minLength: 1, maxLength: 2 })).map(([s, g]) => s + g.join('')),
    card: fc.stringMatching(/^62\d{14,17}$/),
  })

const yuan = (fen: number): string => new Money(fen).div(100).toFixed(2)
const seq = (i: number): string => String(i + 1).padStart(8, '0')
const REQNBR = '0001153882'
const PAYER = '755900008010306'

/** The batch record as CMB states it: counts and sums of all and of the paid lines; RTNFLG S once final, else none. */
function batchFields(ps: Payment[], final: boolean): Record<string, string> {
  const paid = ps.filter((p) => p.code === 'S')
  return {
    ACCNBR: PAYER,
    CCYNBR: '10',
    REQNBR,
    REQSTA: final ? 'FIN' : 'BNK',
    RTNFLG: final ? 'S' : '',
    TRSNUM: String(ps.length).padStart(6, '0'),
    TOTAMT: yuan(ps.reduce((s, p) => s + p.fen, 0)),
    SUCNUM: String(paid.length).padStart(6, '0'),
    SUCAMT: yuan(paid.reduce((s, p) => s + p.fen, 0)),
    YURREF: 'WL202612-T01',
  }
}
const isFinal = (ps: Payment[]): boolean => ps.every((p) => p.code !== 'A' && p.code !== 'I')

function ntagdinf(ps: Payment[], encoding: 'UTF-8' | 'GBK'): Buffer {
  const el = (tag: string, f: Record<string, string>): string => `<${tag}>${Object.entries(f).map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</${tag}>`
  const text =
    `<?xml version="1.0" encoding="${encoding}"?><CMBSDKPGK><INFO><DATTYP>2</DATTYP><ERRMSG></ERRMSG><FUNNAM>NTAGDINF</FUNNAM><RETCOD>0</RETCOD></INFO>` +
    el('NTAGCINQZ', batchFields(ps, isFinal(ps))) +
    ps.map((p, i) => el('NTAGCDTLY1', { TRXSEQ: seq(i), ACCNBR: p.card, ACCNAM: p.name, TRSAMT: yuan(p.fen), STSCOD: p.code, ...(p.code === 'E' ? { ERRCOD: 'CMB1003', ERRDSP: '客户名失配' } : {}) })).join('') +
    '</CMBSDKPGK>'
  return encoding === 'GBK' ? iconv.encode(text, 'gbk') : Buffer.from(text, 'utf8')
}

const lowerKeys = (f: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(f).map(([k, v]) => [k.toLowerCase(), v]))

function bb6(ps: Payment[]): Buffer {
  const details = ps.map((p, i) => ({ trxseq: seq(i), accnbr: p.card, accnam: p.name, trsamt: yuan(p.fen), stscod: p.code, ...(p.code === 'E' ? { errcod: 'CMB1003', errtxt: '客户名失配' } : {}) }))
  return Buffer.from(JSON.stringify({ response: { head: { funcode: 'BB6BPDQY', resultcode: 'SUC0000' }, body: { bb6bpdqyz1: [lowerKeys(batchFields(ps, isFinal(ps)))], bb6bpdqyz2: details } } }))
}

/** The notice writes amounts and counts as JSON numbers: written here as CMB would, from their decimal text. */
function notice(ps: Payment[]): Buffer {
  const b = batchFields(ps, true)
  const agc = `{"accnbr":"${PAYER}","reqnbr":"${REQNBR}","rtnflg":"${isFinal(ps) ? 'S' : ''}","sucamt":${b.SUCAMT},"sucnum":${Number(b.SUCNUM)},"totamt":${b.TOTAMT},"trsnum":${ps.length},"yurref":"WL202612-T01"}`
  const details = ps.map((p, i) => `{"trxseq":"${seq(i)}","accnbr":"${p.card}","accnam":"${p.name}","trsamt":${yuan(p.fen)},"stscod":"${p.code}"}`).join(',')
  return Buffer.from(`{"msgtyp":"NCDRSLT","msgdat":{"agcInfo":${agc},"detailInfo":[${details}]}}`)
}

/** The notice carries no error code; the other layouts give CMB1003 on a failed line. */
const expected = (ps: Payment[], codes: Record<string, EvidenceStatus>, errcod: string | null = 'CMB1003'): unknown[] =>
  ps.map((p, i) => [codes[p.code], p.fen, p.card, p.name, `${REQNBR}/${seq(i)}`, 'WL202612-T01', PAYER, p.code === 'E' ? errcod : null])
const got = (r: EvidenceParse): unknown[] => lines(r).map((l) => [l.status, l.amountFen, l.payeeCard, l.payeeName, l.bankRef, l.paymentInfoId, l.payerAccountNo, l.reasonCode])

const batchOf = (codes: Record<string, EvidenceStatus>) => fc.array(payment(codes), { minLength: 1, maxLength: 12 })

t.test('a whole batch reads back to exactly its payments, in every layout', async (t) => {
  const check = (r: EvidenceParse, want: unknown[]): boolean => {
    if (r.errors.length > 0) throw new Error(JSON.stringify(r.errors))
    if (JSON.stringify(got(r)) !== JSON.stringify(want)) throw new Error(`${JSON.stringify(got(r))} != ${JSON.stringify(want)}`)
    return true
  }
  holds(t, 'NTAGDINF, UTF-8 and GBK', fc.property(batchOf(DETAIL), fc.constantFrom('UTF-8' as const, 'GBK' as const), (ps, enc) => check(parse(ntagdinf(ps, enc)), expected(ps, DETAIL))), { numRuns: 200 })
  holds(t, 'BB6BPDQY', fc.property(batchOf(DETAIL), (ps) => check(parse(bb6(ps)), expected(ps, DETAIL))), { numRuns: 200 })
  holds(t, 'the push notice, numbers as JSON numbers', fc.property(batchOf(NOTICE), (ps) => check(parse(notice(ps)), expected(ps, NOTICE, null))), { numRuns: 200 })
})

t.test('one fen changed on any line under the batch’s totals refuses the file', async (t) => {
  holds(
    t,
    'one fen',
    fc.property(batchOf(DETAIL), fc.nat(), fc.constantFrom(1, -1), fc.constantFrom('xml' as const, 'bb6' as const), (ps, at, delta, layout) => {
      const i = at % ps.length
      const changed = ps.map((p, j) => (j === i ? { ...p, fen: p.fen + delta } : p))
      if (changed[i]!.fen < 1 || changed[i]!.fen > 10_000_000_000) return true
      // The totals stay those of the batch as sent; one line now says otherwise.
      const honest = batchFields(ps, isFinal(ps))
      const bytes = layout === 'xml' ? ntagdinf(changed, 'UTF-8') : bb6(changed)
      const text = bytes.toString('utf8')
      const lied = layout === 'xml' ? text.replace(/<TOTAMT>[^<]*<\/TOTAMT>/, `<TOTAMT>${honest.TOTAMT}</TOTAMT>`) : text.replace(/"totamt":"[^"]*"/, `"totamt":"${honest.TOTAMT}"`)
      const r = parse(Buffer.from(lied))
      return r.file === undefined && r.errors.some((e) => e.code === 'total_mismatch')
    }),
    { numRuns: 300 },
  )
})

t.test('the returns of any paid lines name exactly those lines', async (t) => {
  holds(
    t,
    'returns link back',
    fc.property(
      batchOf(DETAIL).chain((ps) => fc.tuple(fc.constant(ps), fc.subarray(ps.flatMap((p, i) => (p.code === 'S' ? [i] : []))))),
      ([ps, returned]) => {
        const paid = lines(parse(ntagdinf(ps, 'GBK')))
        const rfd =
          '<?xml version="1.0" encoding="UTF-8"?><CMBSDKPGK><INFO><FUNNAM>NTAGDRFD</FUNNAM><RETCOD>0</RETCOD></INFO>' +
          returned
            .map((i) => `<NTAGDRFDZ1><REQNBR>${REQNBR}</REQNBR><BTHDTL>${String(i + 1)}</BTHDTL><EACNBR>${ps[i]!.card}</EACNBR><TRSAMT>${yuan(ps[i]!.fen)}</TRSAMT><TRSDAT>20261220</TRSDAT><STSCOD>E</STSCOD><RTNCOD>002</RTNCOD><YURREF>WL202612-T01</YURREF></NTAGDRFDZ1>`)
            .join('') +
          '</CMBSDKPGK>'
        const back = lines(parse(Buffer.from(rfd)))
        if (back.length !== returned.length) return false
        return back.every((r, k) => {
          const undone = paid.filter((p) => p.bankRef === r.returnOf?.bankRef)
          return r.status === 'returned' && undone.length === 1 && undone[0] === paid[returned[k]!] && undone[0]?.status === 'booked' && undone[0].amountFen === r.amountFen && r.bankRef !== undone[0].bankRef
        })
      },
    ),
    { numRuns: 200 },
  )
})

/** Bits a mutation splices in: records, fields, statuses, amounts, entities, control characters. */
const FRAGMENTS = ['<NTAGCDTLY1>', '</NTAGCDTLY1>', '<STSCOD>X</STSCOD>', '<STSCOD>S</STSCOD>', '<TRSAMT>1.005</TRSAMT>', '<RETCOD>-9</RETCOD>', '<NTAGDINFY1><REQNBR>1</REQNBR></NTAGDINFY1>', '&#x0;', '&amp;', '<![CDATA[x]]>', '<!DOCTYPE d [<!ENTITY a "aaaa">]>', '\u0000', '99999999999999999999', '-1', '"trsamt":1e999', '"stscod":null', '{', ']', '"__proto__":{}', '\\u0000']

const mutation = mutations(FRAGMENTS)

t.test('the real samples and synthetic answers mutated: typed faults or a file, never an exception, never both', async (t) => {
  t.equal(samples.length, 5, 'the CMB samples are there')
  holds(
    t,
    'mutated samples',
    fc.property(fc.integer({ min: 0, max: samples.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, ms) => answers(mutated(samples[i] ?? Buffer.alloc(0), ms))),
    { numRuns: 1_000 },
  )
  holds(
    t,
    'mutated synthetic answers',
    fc.property(batchOf(DETAIL), fc.constantFrom('utf8', 'gbk', 'bb6', 'notice'), fc.array(mutation, { minLength: 1, maxLength: 4 }), (ps, layout, ms) => {
      const bytes = layout === 'utf8' ? ntagdinf(ps, 'UTF-8') : layout === 'gbk' ? ntagdinf(ps, 'GBK') : layout === 'bb6' ? bb6(ps) : notice(ps.map((p) => (p.code === 'C' || p.code === 'I' ? { ...p, code: 'A' } : p)))
      return answers(
        mutated(bytes, ms),
        ps.map((p) => p.card),
      )
    }),
    { numRuns: 1_000 },
  )
})
