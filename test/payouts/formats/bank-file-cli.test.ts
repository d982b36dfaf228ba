/**
 * `npm run bank-file` on real files: its JSON on stdout and its exit code, once as a user runs it (a child process),
 * the other cases through its main in-process. Other formats' parsers are written beside this one, so a pain.002
 * sample is only required to give a result or a refusal.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { main } from '../../../src/cli/bank-file.ts'
import { capturedOutput } from '../../../src/cli/output.ts'
import { cityBankTxt, fileNameDateCsv, SAMPLE_LINES } from './text-profile-samples.ts'

const CLI = fileURLToPath(new URL('../../../src/cli/bank-file.ts', import.meta.url))
const FIXTURES = new URL('../fixtures/', import.meta.url)
const SAMPLES = new URL('../fixtures/bank/', import.meta.url)

interface Run {
  code: number | null
  out: unknown
  stdout: string
  stderr: string
}

/**
 * The CLI's main in-process, with its output captured: what a child process would print and exit with, without
 * starting one per case (each costs a second of TypeScript loading). One case below runs the real child.
 */
function run(...args: string[]): Run {
  const io = capturedOutput()
  const code = main(args, io)
  return { code, out: parsed(io.stdout()), stdout: io.stdout(), stderr: io.stderr() }
}

/** `npm run bank-file` as a user runs it: a child process, its stdout and its exit code. */
function runChild(...args: string[]): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf-8', timeout: 60_000 })
  return { code: r.status, out: parsed(r.stdout), stdout: r.stdout, stderr: r.stderr }
}

function parsed(stdout: string): unknown {
  try {
    return stdout.trim() === '' ? undefined : JSON.parse(stdout)
  } catch {
    return undefined
  }
}

interface Report {
  file: string
  format: string | null
  read: boolean
  accountNo?: string | null
  lineCount?: number
  totals?: Array<{ status: string; currency: string; count: number; amountFen: number | null; amount: string | null; amountUnknownCount: number }>
  lines?: Array<{ payeeCard: string; amountFen: number; status: string; bankRef: string | null; reasonText: string | null }>
  errors?: Array<{ lineNo: number; field: string; code: string; message: string }>
}
const report = (r: Run): Report => {
  if (r.out === undefined) throw new Error(`no JSON on stdout: ${r.stdout} ${r.stderr}`)
  return r.out as Report
}

t.test('a delimited result file: exit 0, every line with the card as read, totals per status', async (t) => {
  const r = runChild(fileURLToPath(new URL('result-gbk-chinese-header.txt', FIXTURES)))
  t.equal(r.code, 0, r.stderr)
  const rep = report(r)
  t.equal(rep.format, 'delimited')
  t.equal(rep.read, true)
  t.equal(rep.lineCount, 4)
  t.match(rep.lines?.[2], { payeeCard: '6228480012345678901', amountFen: 280000, status: 'rejected', bankRef: 'ICBC20240215000003', reasonText: '户名不符' })
  t.same(rep.totals, [
    { status: 'booked', currency: 'CNY', count: 3, amountFen: 786075, amount: '7860.75', amountUnknownCount: 0 },
    { status: 'rejected', currency: 'CNY', count: 1, amountFen: 280000, amount: '2800.00', amountUnknownCount: 0 },
  ])
})

t.test('the profiles’ files: the city bank .txt, and the CSV whose date is its file name', async (t) => {
  const dir = t.testdir({})
  const txt = join(dir, 'result.txt')
  writeFileSync(txt, cityBankTxt(SAMPLE_LINES))
  const city = run(txt)
  t.equal(city.code, 0, city.stderr)
  t.equal(report(city).format, 'text:city-bank-txt')
  t.equal(report(city).accountNo, '6230580000012345678')
  t.same(report(city).lines?.map((l) => l.bankRef), ['20261130-DF202611300012-1', '20261130-DF202611300012-2', '20261130-DF202611300012-3', '20261130-DF202611300012-4'])

  const csv = join(dir, '代发结果_20261130.csv')
  writeFileSync(csv, fileNameDateCsv(SAMPLE_LINES))
  const dated = run(csv, '--format', 'text:filename-date-csv')
  t.equal(dated.code, 0, dated.stderr)
  t.same(report(dated).lines?.map((l) => l.status), ['booked', 'rejected', 'pending', 'returned'])

  const undated = join(dir, 'download.csv')
  writeFileSync(undated, fileNameDateCsv(SAMPLE_LINES))
  const refused = run(`--format=text:filename-date-csv`, undated)
  t.equal(refused.code, 1)
  t.same(report(refused).errors?.map((e) => e.code), ['no_file_date'])
})

t.test('a broken file: exit 1, the refusal with every line error, cards masked in messages', async (t) => {
  const r = run(fileURLToPath(new URL('result-broken.txt', FIXTURES)))
  t.equal(r.code, 1)
  const rep = report(r)
  t.equal(rep.read, false)
  t.equal(rep.format, 'delimited')
  t.ok((rep.errors?.length ?? 0) > 5)
  t.ok(rep.errors?.every((e) => /^[a-z_]+$/.test(e.code) && e.lineNo >= 0))
  t.notMatch(JSON.stringify(rep.errors), /\d{12,}/)
})

// Text no format claims is read as the delimited layout, as the upload reads it (README), so its fault says what that
// layout lacks: `hello` has no separator. It was `unknown_format` here while the upload said `bad_delimiter`.
t.test('a text file in no format: exit 1, read as the delimited layout as the upload reads it (bad_delimiter)', async (t) => {
  const dir = t.testdir({ 'notes.txt': 'hello\n' })
  const r = run(join(dir, 'notes.txt'))
  t.equal(r.code, 1)
  t.equal(report(r).format, null, 'no format claimed it')
  t.same(report(r).errors?.map((e) => e.code), ['bad_delimiter'])
})

t.test('a pain.002 sample: a result or a refusal, as JSON', async (t) => {
  const r = run(fileURLToPath(new URL('iso20022.pain.002.001.03.accepted-and-rejected-payments.xml', SAMPLES)))
  t.ok(r.code === 0 || r.code === 1, `exit ${r.code}`)
  const rep = report(r)
  t.equal(typeof rep.read, 'boolean')
  t.ok(rep.read ? Array.isArray(rep.lines) : (rep.errors?.length ?? 0) > 0)
})

t.test('usage: exit 2 with the usage on stderr and nothing on stdout', async (t) => {
  for (const args of [[], ['--format'], ['a', 'b'], ['--verbose', 'a'], ['a', '--format', 'no-such-format'], ['/no/such/file.txt']]) {
    const r = run(...args)
    t.equal(r.code, 2, args.join(' '))
    t.equal(r.stdout, '', args.join(' '))
    t.match(r.stderr, /bank-file/, args.join(' '))
  }
})
