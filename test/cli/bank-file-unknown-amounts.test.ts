/**
 * (Found by review.) `npm run bank-file` on the public camt.054 sample (three booked TxDtls of one 200,000 SEK batch
 * entry, none with its own amount) printed the totals `booked, SEK, count 3, amountFen 0, amount "0.00"`, and all three
 * lines as `lineNo: 1`. The lines' amounts are unknown (null: the service takes them from our instructions), not zero;
 * a total of 0.00 for three booked payments told the engineer checking the file something false. Now the total is null
 * with the count of lines without an amount, and each line carries its place within the entry it shares a number with.
 */
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { bankFileReport, main } from '../../src/cli/bank-file.ts'
import { capturedOutput } from '../../src/cli/output.ts'

const SAMPLE = fileURLToPath(new URL('../payouts/fixtures/bank/iso20022.camt054.v2.xml', import.meta.url))

type Report = {
  lines: Array<{ lineNo: number; place: number | null; amountFen: number | null; bankRef: string | null }>
  totals: Array<{ status: string; count: number; amountFen: number | null; amount: string | null; amountUnknownCount: number }>
}

t.test('totals of lines without an amount do not read as 0.00', async (t) => {
  const io = capturedOutput()
  // The sample is in SEK: the upload refuses it (not_cny), and so does the command, still printing what it read.
  t.equal(main([SAMPLE], io), 1, 'refused as the upload refuses it')
  const rep = JSON.parse(io.stdout()) as Report & { errors: Array<{ code: string }> }
  t.ok(rep.errors.length > 0 && rep.errors.every((e) => e.code === 'not_cny'), 'for its currency alone')
  t.ok(rep.lines.length > 0 && rep.lines.every((l) => l.amountFen === null), 'the sample: lines whose amounts the file does not give')
  const booked = rep.totals.find((x) => x.status === 'booked')!
  t.equal(booked.count, 3, 'three booked payments')
  t.not(booked.amount, '0.00', 'their total is not printed as 0.00')
  t.not(booked.amountFen, 0, 'nor as 0 fen')
  t.match(booked, { amountFen: null, amount: null, amountUnknownCount: 3 }, 'unknown, and how many lines make it so')
})

t.test('the transactions of one batch entry are told apart: the entry number as stored, and each one’s place in it', async (t) => {
  const io = capturedOutput()
  main([SAMPLE], io)
  const rep = JSON.parse(io.stdout()) as Report
  t.same(
    rep.lines.map((l) => [l.lineNo, l.place]),
    [
      [1, 1],
      [1, 2],
      [1, 3],
    ],
  )
  t.equal(new Set(rep.lines.map((l) => `${l.lineNo}/${l.place}`)).size, rep.lines.length, 'no two lines alike')
})

t.test('a file whose lines state their amounts: the totals as before, lines alone at their number have no place', async (t) => {
  const text = ['seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason', '1|6217000000000000123|张伟|80.50|success|R1|2026-11-08|', '2|6217000000000000124|李娜|70.00|success|R2|2026-11-08|'].join('\n')
  const r = bankFileReport(Buffer.from(text), { fileName: 'result.txt' }).report as unknown as Report
  t.match(r.totals, [{ status: 'booked', count: 2, amountFen: 15050, amount: '150.50', amountUnknownCount: 0 }])
  t.same(
    r.lines.map((l) => [l.lineNo, l.place]),
    [
      [2, null],
      [3, null],
    ],
  )
})
