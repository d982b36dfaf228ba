import t, { type Test } from 'tap'
import fc from 'fast-check'
import { spawnSync } from 'node:child_process'
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { XMLParser } from 'fast-xml-parser'
import { holds } from '../helpers/property.ts'
import {
  PAIN001_ATTEMPT_MAX,
  PAIN001_CHUNK_TRANSACTIONS,
  Pain001Refused,
  endToEndId,
  pain001Document,
  parseEndToEndId,
  writePain001,
  type Pain001Line,
  type Pain001Refusal,
} from '../../src/instructions/pain001.ts'
import { LIMITS } from '../../src/config/limits.ts'
import { Money, fen, formatYuan, type Fen } from '../../src/kernel/money.ts'
import { INSTRUCTION, line } from './helpers/instruction.ts'

const XSD = join(import.meta.dirname, '..', '..', 'schemas', 'iso20022', 'pain.001.001.09.xsd')


const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, isArray: (name) => name === 'CdtTrfTxInf' })

interface ParsedTx {
  PmtId: { EndToEndId: string }
  Amt: { InstdAmt: { '#text': string; '@_Ccy': string } }
  CdtrAgt: { FinInstnId: { Nm: string } }
  Cdtr: { Nm: string }
  CdtrAcct: { Id: { Othr: { Id: string } } }
}
interface Parsed {
  GrpHdr: { NbOfTxs: string; CtrlSum: string; InitgPty: { Nm: string } }
  PmtInf: { NbOfTxs: string; CtrlSum: string; PmtTpInf: { CtgyPurp: { Cd: string } }; DbtrAcct: { Id: { Othr: { Id: string } }; Ccy: string }; CdtTrfTxInf: ParsedTx[] }
}

function parse(xml: string): Parsed {
  return (parser.parse(xml) as { Document: { CstmrCdtTrfInitn: Parsed } }).Document.CstmrCdtTrfInitn
}

/** xmllint against the generic ISO XSD; a missing xmllint fails the test with what to install, never skips it. */
function xmllintAvailable(t: Test): boolean {
  const r = spawnSync('xmllint', ['--version'], { encoding: 'utf8' })
  if (r.error || r.status !== 0) {
    t.fail('xmllint not found: install libxml2-utils (Debian/Ubuntu: apt-get install -y libxml2-utils); the pain.001 schema check cannot run without it')
    return false
  }
  return true
}

/** Asserts that `fn` refuses the instruction for `reason`. */
function refused(t: Test, fn: () => unknown, reason: Pain001Refusal, message: string = reason): void {
  try {
    fn()
    t.fail(`${message}: not refused`)
  } catch (e) {
    if (e instanceof Pain001Refused) t.equal(e.reason, reason, `${message}: ${e.message}`)
    else throw e
  }
}

function validate(file: string): { ok: boolean; output: string } {
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' })
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` }
}

function collect(): { sink: Writable; text: () => string } {
  const parts: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      parts.push(chunk.toString('utf8'))
      cb()
    },
  })
  return { sink, text: () => parts.join('') }
}

t.test('a few lines validate against the generic ISO 20022 pain.001.001.09 XSD', async (t) => {
  if (!xmllintAvailable(t)) return
  const dir = t.testdir()
  const file = join(dir, 'instruction.xml')
  const lines = [line(1), line(2, { amountFen: fen(123_450) }), line(3, { attempt: 2 })]
  const out = createWriteStream(file)
  const totals = await writePain001(INSTRUCTION, lines, out)
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())))
  t.same(totals, { count: 3, totalFen: 100_001 + 123_450 + 100_003 })
  const v = validate(file)
  t.ok(v.ok, v.ok ? "xmllint: valid against the XSD" : `xmllint: ${v.output}`)
})

t.test('NbOfTxs and CtrlSum in GrpHdr and PmtInf, read back with XMLParser; SALA, CNY, domestic accounts', async (t) => {
  const lines = [line(1, { amountFen: fen(123_450) }), line(2, { amountFen: fen(1) }), line(3, { amountFen: fen(99_999_999) })]
  const doc = parse(pain001Document(INSTRUCTION, lines))
  for (const block of [doc.GrpHdr, doc.PmtInf]) {
    t.equal(block.NbOfTxs, '3')
    t.equal(block.CtrlSum, '1001234.50', '123450 + 1 + 99999999 fen')
  }
  t.equal(doc.PmtInf.PmtTpInf.CtgyPurp.Cd, 'SALA')
  t.same(doc.PmtInf.DbtrAcct, { Id: { Othr: { Id: '33050161123500000123' } }, Ccy: 'CNY' })
  t.same(
    doc.PmtInf.CdtTrfTxInf.map((tx) => [tx.Amt.InstdAmt['#text'], tx.Amt.InstdAmt['@_Ccy'], tx.CdtrAcct.Id.Othr.Id]),
    [
      ['1234.50', 'CNY', lines[0]!.cardNo],
      ['0.01', 'CNY', lines[1]!.cardNo],
      ['999999.99', 'CNY', lines[2]!.cardNo],
    ],
  )
})

t.test('EndToEndIds: ≤ 35 characters, unique per worker-month-attempt, stable, and read back to their worker-month-attempt', async (t) => {
  const lines = [line(1), line(2), line(3, { month: '2026-10', attempt: 3 }), line(4, { attempt: PAIN001_ATTEMPT_MAX })]
  const ids = parse(pain001Document(INSTRUCTION, lines)).PmtInf.CdtTrfTxInf.map((tx) => tx.PmtId.EndToEndId)
  t.equal(new Set(ids).size, ids.length, 'unique')
  for (const id of ids) t.ok(id.length <= 35, `${id} is at most 35 characters`)
  t.same(ids, lines.map((l) => endToEndId(l.workerId, l.month, l.attempt)), 'the same ids on a second writing')
  t.same(ids.map(parseEndToEndId), lines.map((l) => ({ workerId: l.workerId, month: l.month, attempt: l.attempt })))
  t.equal(parseEndToEndId('not-ours'), undefined)
  t.equal(parseEndToEndId('ZZZZZZZZZZZZZZZZZZZZZZZZZ-202611-01'), undefined, 'a number above 128 bits is not a worker id')

  holds(
    t,
    'distinct worker-month-attempts never share an EndToEndId, and each reads back',
    fc.property(fc.uuid(), fc.uuid(), fc.integer({ min: 2000, max: 2099 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: PAIN001_ATTEMPT_MAX }), (a, b, year, m, attempt) => {
      const month = `${year}-${String(m).padStart(2, '0')}`
      const idA = endToEndId(a, month, attempt)
      if (idA.length !== 35) return false
      const back = parseEndToEndId(idA)
      if (!back || back.workerId !== a.toLowerCase() || back.month !== month || back.attempt !== attempt) return false
      if (a.toLowerCase() !== b.toLowerCase() && endToEndId(b, month, attempt) === idA) return false
      return endToEndId(a, month, attempt === 1 ? 2 : 1) !== idA
    }),
  )
})

t.test('names with Chinese characters and XML specials are escaped and read back unchanged', async (t) => {
  const names = ['张三&李四', '<王五>', '赵"六"\'七\'', 'A&amp;B', '𠮷田 (CJK ext. B)']
  const lines = names.map((workerName, i) => line(i + 1, { workerName, cardBankName: `银行 & <${i}>` }))
  const gc = { ...INSTRUCTION, initiatingParty: { ...INSTRUCTION.initiatingParty, name: '之江 & <建设> 集团' } }
  const xml = pain001Document(gc, lines)
  t.notMatch(xml, /<王五>|张三&李四|A&amp;B</, 'no raw special in the text')
  t.match(xml, '张三&amp;李四')
  t.match(xml, '&lt;王五&gt;')
  const doc = parse(xml)
  t.equal(doc.GrpHdr.InitgPty.Nm, '之江 & <建设> 集团')
  t.same(doc.PmtInf.CdtTrfTxInf.map((tx) => tx.Cdtr.Nm), names)
  t.same(doc.PmtInf.CdtTrfTxInf.map((tx) => tx.CdtrAgt.FinInstnId.Nm), names.map((_, i) => `银行 & <${i}>`))
  if (!xmllintAvailable(t)) return
  const file = join(t.testdir(), 'names.xml')
  await writeFile(file, xml)
  const v = validate(file)
  t.ok(v.ok, v.ok ? "xmllint: valid against the XSD" : `xmllint: ${v.output}`)
})

t.test('a zero or negative amount is refused with a clear error, before anything is written', async (t) => {
  for (const amountFen of [0, -1, -123_450]) {
    const { sink, text } = collect()
    const err = await writePain001(INSTRUCTION, [line(1), line(2, { amountFen: fen(amountFen) })], sink).then(
      () => undefined,
      (e: unknown) => e,
    )
    t.ok(err instanceof Pain001Refused, `${amountFen} fen is refused`)
    t.equal((err as Pain001Refused).reason, 'amount_not_positive')
    t.match((err as Pain001Refused).message, /line 2 .*above zero/)
    t.equal(text(), '', 'nothing written')
  }
  refused(t, () => pain001Document(INSTRUCTION, [line(1, { amountFen: 12.5 as Fen })]), 'amount_not_positive', 'a fraction of a fen')
  refused(t, () => pain001Document(INSTRUCTION, [line(1, { amountFen: fen(LIMITS.payout_line_amount_fen_max + 1) })]), 'amount_above_max')
})

t.test('other refusals are named', async (t) => {
  refused(t, () => pain001Document(INSTRUCTION, []), 'no_lines')
  refused(t, () => pain001Document(INSTRUCTION, [line(1), line(1, { attempt: 2 })]), 'duplicate_worker_month', 'two attempts of one worker-month on one instruction would pay it twice')
  refused(t, () => pain001Document(INSTRUCTION, [line(1, { workerId: 'w-1' })]), 'invalid_worker_id')
  refused(t, () => pain001Document(INSTRUCTION, [line(1, { attempt: 0 })]), 'invalid_attempt')
  refused(t, () => pain001Document(INSTRUCTION, [line(1, { attempt: PAIN001_ATTEMPT_MAX + 1 })]), 'invalid_attempt')
  refused(t, () => pain001Document(INSTRUCTION, [line(1, { month: '2026-13' })]), 'invalid_month')
  refused(t, () => pain001Document(INSTRUCTION, [line(1, { cardNo: '6217 0015' })]), 'invalid_card_no')
  refused(t, () => pain001Document(INSTRUCTION, [line(1, { workerName: '' })]), 'invalid_worker_name')
  refused(t, () => pain001Document(INSTRUCTION, [line(1, { workerName: '张三 ' })]), 'invalid_worker_name', 'a space at the end would not match the card holder name')
  refused(t, () => pain001Document(INSTRUCTION, [line(1, { workerName: '张\u0001三' })]), 'invalid_worker_name', 'XML cannot carry a control character')
  refused(t, () => pain001Document(INSTRUCTION, [line(1, { workerName: '张'.repeat(141) })]), 'invalid_worker_name')
  refused(t, () => pain001Document({ ...INSTRUCTION, debtor: { ...INSTRUCTION.debtor, bankCode: '10533100001' } }, [line(1)]), 'invalid_bank_code')
  refused(t, () => pain001Document({ ...INSTRUCTION, debtor: { ...INSTRUCTION.debtor, accountNo: 'CN12345678901234' } }, [line(1)]), 'invalid_account_no')
  refused(t, () => pain001Document({ ...INSTRUCTION, initiatingParty: { ...INSTRUCTION.initiatingParty, creditCode: '91330106MA2H0X0X01' } }, [line(1)]), 'invalid_credit_code')
  refused(t, () => pain001Document({ ...INSTRUCTION, messageId: 'x'.repeat(36) }, [line(1)]), 'invalid_message_id')
  refused(t, () => pain001Document({ ...INSTRUCTION, requestedExecutionDate: '2026-02-30' }, [line(1)]), 'invalid_execution_date')
})

t.test('lines are read twice: a source that yields other lines the second time is caught', async (t) => {
  function* once(): Generator<Pain001Line> {
    yield line(1)
    yield line(2)
  }
  const { sink } = collect()
  const err = await writePain001(INSTRUCTION, once(), sink).then(
    () => undefined,
    (e: unknown) => e,
  )
  t.ok(err instanceof Pain001Refused && err.reason === 'lines_changed_between_passes', 'a one-shot generator')
  let reads = 0
  const shifting: Iterable<Pain001Line> = {
    *[Symbol.iterator]() {
      reads++
      yield line(1, { amountFen: fen(reads === 1 ? 100 : 200) })
    },
  }
  refused(t, () => pain001Document(INSTRUCTION, shifting), 'lines_changed_between_passes', 'an amount that changed')
})

t.test('more lines than one chunk: every transaction written once, the document still valid', async (t) => {
  if (!xmllintAvailable(t)) return
  const n = PAIN001_CHUNK_TRANSACTIONS * 2 + 7
  const lines = Array.from({ length: n }, (_, i) => line(i + 1))
  const file = join(t.testdir(), 'big.xml')
  const out = createWriteStream(file)
  const totals = await writePain001(INSTRUCTION, lines, out)
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())))
  t.equal(totals.count, n)
  const v = validate(file)
  t.ok(v.ok, v.ok ? "xmllint: valid against the XSD" : `xmllint: ${v.output}`)
  const doc = parse(readFileSync(file, 'utf8'))
  t.equal(doc.PmtInf.CdtTrfTxInf.length, n)
  t.equal(new Set(doc.PmtInf.CdtTrfTxInf.map((tx) => tx.PmtId.EndToEndId)).size, n)
})

const nameChars = fc.constantFrom('张', '王', '李', '𠮷', '&', '<', '>', '"', "'", 'a', 'Z', ' ', '·')
const arbLines = fc
  .uniqueArray(
    fc.record({
      workerId: fc.uuid(),
      month: fc.constantFrom('2026-10', '2026-11', '2026-12'),
      attempt: fc.integer({ min: 1, max: PAIN001_ATTEMPT_MAX }),
      workerName: fc.string({ unit: nameChars, minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s && s !== ''),
      cardNo: fc.stringMatching(/^\d{16,19}$/),
      cardBankName: fc.string({ unit: nameChars, minLength: 1, maxLength: 30 }).filter((s) => s.trim() === s && s !== ''),
      amountFen: fc.integer({ min: 1, max: LIMITS.payout_line_amount_fen_max }).map(fen),
    }),
    { minLength: 1, maxLength: 40, selector: (l) => `${l.workerId.toLowerCase()}|${l.month}` },
  )

t.test('property: CtrlSum is the sum of the amounts and NbOfTxs the count, for any list of lines', async (t) => {
  holds(
    t,
    'CtrlSum = Σ amounts, NbOfTxs = count, each InstdAmt its line, in GrpHdr and PmtInf',
    fc.property(arbLines, (lines) => {
      const doc = parse(pain001Document(INSTRUCTION, lines))
      const sum = lines.reduce((s, l) => s.plus(l.amountFen), new Money(0)).dividedBy(100).toFixed(2)
      const count = String(lines.length)
      if (doc.GrpHdr.CtrlSum !== sum || doc.PmtInf.CtrlSum !== sum) return false
      if (doc.GrpHdr.NbOfTxs !== count || doc.PmtInf.NbOfTxs !== count) return false
      const txs = doc.PmtInf.CdtTrfTxInf
      return txs.length === lines.length && txs.every((tx, i) => tx.Amt.InstdAmt['#text'] === formatYuan(lines[i]!.amountFen) && tx.Cdtr.Nm === lines[i]!.workerName)
    }),
  )
})

t.test('property: any list of lines gives a document the XSD accepts', async (t) => {
  if (!xmllintAvailable(t)) return
  const dir = t.testdir()
  let n = 0
  holds(
    t,
    'xmllint accepts it',
    fc.property(arbLines, (lines) => {
      const file = join(dir, `p${n++}.xml`)
      writeFileSync(file, pain001Document(INSTRUCTION, lines))
      return validate(file).ok
    }),
    { numRuns: 25 },
  )
})
