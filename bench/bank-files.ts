/**
 * Bank result files benchmark (issue 11's figure): "a 100,000-line result file (delimited and camt.054) parsed,
 * validated, stored and reconciled in < 2 s here, peak heap < 300 MB".
 *
 *   tsx bench/bank-files.ts [--db sqlite|postgres] [--lines 100000] [--teams 20]
 *
 * Setup (not timed): a project of --lines workers in --teams teams (roster rows in multi-row INSERTs), and for each of
 * two pay months every team's payroll sheet approved, every line confirmed by its worker (so the month is due from the
 * sheets and reconciliation raises no flag of its own making), the rows written straight into the tables.
 *
 * Measures, each on a service just opened, through `PayoutService.post` (what the upload route and the watched folder
 * call): detect, parse and validate the file whole, check its references against those held, store the file and its
 * lines, reconcile the month (read due from the approved sheets and every payout line of the month, raise flags,
 * carry them into the cases) — one transaction:
 *   - delimited: the ledger's own layout, UTF-8, one line per worker, for October;
 *   - camt.054.001.08: a bank's debit notification, one batch entry per team with one TxDtls per worker, for November.
 * Floor: the same number of payout-line rows written by the engine's bulk path alone (BulkInsert, in one transaction:
 * multi-row INSERTs on SQLite, COPY on PostgreSQL) into a month of the year before, on a service just opened: what
 * storing the lines costs with nothing read, parsed or checked.
 *
 * Heap: heapUsed sampled every 20 ms from a full collection (`--expose-gc` is set at start-up), peak and start.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../src/config/env.ts'
import { BulkInsert, insertInto } from '../src/db/rows.ts'
import { enrolments, payoutFiles, payoutLines, payrollLineAnswers, payrollSheetEvents, payrollSheetLines, payrollSheets, workers as workersTable } from '../src/db/schema/index.ts'
import { newId } from '../src/kernel/ids.ts'
import { formatYuan, fen } from '../src/kernel/money.ts'
import { ManualClock } from '../src/kernel/time.ts'
import { formatPayoutFile } from '../src/payouts/file-format.ts'
import type { PayoutLineRow } from '../src/payouts/repository.ts'
import { createServices, type Services } from '../src/services.ts'
import { creditCode, idNumber, personName } from '../simulators/identities.ts'
import { Rng } from '../simulators/random.ts'
import { engineOption, PgDatabases } from './databases.ts'
import { fmt, mb, measured, seconds, type Measure } from './measure.ts'
import { wholeNumberOption } from './options.ts'

const AIM_MS = 2_000
const AIM_HEAP_BYTES = 300 * 1_048_576
const TIME_ZONE = 'Asia/Shanghai'
/** After November's pay date: both months are reconciled as of a day when everything should have been paid. */
const NOW_MS = Date.UTC(2026, 11, 12, 2)
const ACCOUNT_NO = '19045101040066666'
const ROSTER_STATEMENT_ROWS = 500
const NET_FEN = (n: number): number => 600_000 + 100 * (n % 50)


function options() {
  const { values } = parseArgs({ options: { db: { type: 'string', default: 'sqlite' }, lines: { type: 'string', default: '100000' }, teams: { type: 'string', default: '20' } }, strict: true })
  return { db: engineOption(values.db), lines: wholeNumberOption('lines', values.lines, 1), teams: wholeNumberOption('teams', values.teams, 1) }
}
type Options = ReturnType<typeof options>

const open = (url: string): Promise<Services> => createServices({ ...loadConfig({}), databaseUrl: url, logLevel: 'warn' }, new ManualClock(NOW_MS))

interface Worker {
  workerId: string
  enrolmentId: string
  teamIndex: number
  name: string
  idNumber: string
  cardNo: string
  netFen: number
}

async function generate(url: string, opt: Options): Promise<{ projectId: string; workers: Worker[] }> {
  const services = await open(url)
  try {
    const { roster, db } = services
    const rng = new Rng(11)
    const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '基准代发建设单位', creditCode: creditCode(rng) })
    const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '基准代发总承包', creditCode: creditCode(rng) })
    const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '基准代发劳务分包', creditCode: creditCode(rng) })
    const project = await roster.createProject({
      siteCode: 'BENCH-BANK-01',
      name: '基准代发工程',
      regionCode: '330106',
      timeZone: TIME_ZONE,
      payDay: 10,
      constructionUnitId: cu.id,
      generalContractorId: gc.id,
      account: { bank: '中国农业银行', no: ACCOUNT_NO, name: '基准代发工程农民工工资专用账户' },
    })
    // The dedicated account registered: a bank notification names the account it debited, which must be this one.
    await services.account.registerAccount(project.id, { bank: '中国农业银行', bankCode: '103331000011', accountNo: ACCOUNT_NO, accountName: '基准代发工程农民工工资专用账户', openedOn: '2026-08-01', reason: '开户' }, 'bench', async () => true)
    const teamIds: string[] = []
    for (let i = 0; i < opt.teams; i++) teamIds.push((await roster.createTeam(project.id, { name: `班组${String(i + 1).padStart(3, '0')}`, employerId: sub.id })).id)
    const workers: Worker[] = []
    const workerRows: Array<typeof workersTable.$inferInsert> = []
    const enrolmentRows: Array<typeof enrolments.$inferInsert> = []
    const seen = new Set<string>()
    for (let i = 0; workers.length < opt.lines; i++) {
      const id = idNumber(rng, i + 1)
      if (seen.has(id)) continue
      seen.add(id)
      const n = workers.length
      const w: Worker = { workerId: newId(), enrolmentId: newId(), teamIndex: n % opt.teams, name: personName(rng), idNumber: id, cardNo: `6228480${String(n + 1).padStart(12, '0')}`, netFen: NET_FEN(n) }
      workers.push(w)
      const createdAtMs = Date.UTC(2026, 7, 1) + n
      workerRows.push({ id: w.workerId, name: w.name, idType: 'resident_id', idNumber: id, gender: Number(id[16]) % 2 === 1 ? 'male' : 'female', birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`, bankName: '中国农业银行', cardNo: w.cardNo, createdAtMs })
      enrolmentRows.push({ id: w.enrolmentId, projectId: project.id, workerId: w.workerId, teamId: teamIds[w.teamIndex]!, deviceUserId: `U${n + 1}`, dailyRateFen: 30_000, safetyTrained: true, entryDate: '2026-09-01', createdAtMs })
    }
    const lineInsert = new BulkInsert<typeof payrollSheetLines.$inferSelect>(payrollSheetLines)
    const answerInsert = new BulkInsert<typeof payrollLineAnswers.$inferSelect>(payrollLineAnswers)
    await db.tx(async (tx) => {
      for (let i = 0; i < workerRows.length; i += ROSTER_STATEMENT_ROWS) await tx.run(insertInto(workersTable, workerRows.slice(i, i + ROSTER_STATEMENT_ROWS)))
      for (let i = 0; i < enrolmentRows.length; i += ROSTER_STATEMENT_ROWS) await tx.run(insertInto(enrolments, enrolmentRows.slice(i, i + ROSTER_STATEMENT_ROWS)))
      // Every team's sheet of both months approved, every line confirmed: the month is due from the sheets.
      for (const period of ['2026-10', '2026-11']) {
        const payDate = period === '2026-10' ? '2026-11-10' : '2026-12-10'
        const atMs = Date.parse(`${payDate}T00:00:00Z`) - 5 * 86_400_000
        for (let t = 0; t < teamIds.length; t++) {
          const members = workers.filter((w) => w.teamIndex === t)
          const sheetId = newId()
          const lines = members.map((w, i) => ({
            id: newId(),
            sheetId,
            projectId: project.id,
            period,
            lineNo: i + 1,
            workerId: w.workerId,
            enrolmentId: w.enrolmentId,
            workerName: w.name,
            idNumber: w.idNumber,
            bankName: '中国农业银行',
            cardNo: w.cardNo,
            dayHalves: 44,
            workedMinutes: 0,
            payableFen: w.netFen,
            deductionsFen: 0,
            netFen: w.netFen,
            items: JSON.stringify({ payable: [{ kind: 'daily', amountFen: w.netFen }], deductions: [], heldPieceQuantities: [] }),
            minimumWage: null,
          }))
          const net = lines.reduce((s, l) => s + l.netFen, 0)
          await tx.run(
            insertInto(payrollSheets, [
              { id: sheetId, projectId: project.id, teamId: teamIds[t]!, period, version: 1, supersedesId: null, payDate, workerCount: lines.length, payableFen: net, deductionsFen: 0, netFen: net, basis: '{"bench":true}', madeBy: 'bench', madeAtMs: atMs },
            ]),
          )
          await lineInsert.run(tx, lines)
          await tx.run(insertInto(payrollSheetEvents, ['draft', 'sent', 'submitted', 'approved'].map((state, seq) => ({ id: newId(), sheetId, seq: seq + 1, state, actor: 'bench', reason: null, atMs: atMs + seq }))))
          await answerInsert.run(tx, lines.map((l) => ({ id: newId(), sheetId, lineId: l.id, workerId: l.workerId, decision: 'confirm' as const, channel: 'app', note: null, answeredAtMs: atMs + 10 })))
        }
      }
    })
    return { projectId: project.id, workers }
  } finally {
    await services.close()
  }
}

function delimitedFile(workers: readonly Worker[]): Buffer {
  return formatPayoutFile(
    workers.map((w, i) => ({ seq: i + 1, payeeCard: w.cardNo, payeeName: w.name, amountFen: fen(w.netFen), status: 'success' as const, bankRef: `ABC20261109${String(i + 1).padStart(8, '0')}`, valueDate: '2026-11-09', failureReason: null, payerAccountNo: null, endToEndId: null })),
    { encoding: 'utf-8', delimiter: '|', withTotals: true },
  )
}

function camt054(workers: readonly Worker[], teams: number): Buffer {
  const parts: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>BENCH-C54-1</MsgId><CreDtTm>2026-12-09T18:00:00+08:00</CreDtTm></GrpHdr>`,
    `<Ntfctn><Id>BENCH-N1</Id><CreDtTm>2026-12-09T18:00:00+08:00</CreDtTm><Acct><Id><Othr><Id>${ACCOUNT_NO}</Id></Othr></Id></Acct>`,
  ]
  for (let t = 0; t < teams; t++) {
    const members = workers.filter((w) => w.teamIndex === t)
    const total = members.reduce((s, w) => s + w.netFen, 0)
    parts.push(
      `<Ntry><Amt Ccy="CNY">${formatYuan(fen(total))}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-12-09</Dt></BookgDt><ValDt><Dt>2026-12-09</Dt></ValDt><AcctSvcrRef>BK${String(t + 1).padStart(4, '0')}</AcctSvcrRef><NtryDtls><Btch><NbOfTxs>${members.length}</NbOfTxs></Btch>`,
    )
    for (const w of members) {
      parts.push(
        `<TxDtls><Refs><AcctSvcrRef>TX${w.cardNo.slice(-12)}</AcctSvcrRef></Refs><Amt Ccy="CNY">${formatYuan(fen(w.netFen))}</Amt><RltdPties><Cdtr><Pty><Nm>${w.name}</Nm></Pty></Cdtr><CdtrAcct><Id><Othr><Id>${w.cardNo}</Id></Othr></Id></CdtrAcct></RltdPties></TxDtls>`,
      )
    }
    parts.push('</NtryDtls></Ntry>')
  }
  parts.push('</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>')
  return Buffer.from(parts.join(''), 'utf-8')
}



async function post(url: string, projectId: string, period: string, bytes: Buffer, filename: string) {
  const services = await open(url)
  try {
    return await measured(() => services.payouts.post({ projectId, period, bytes, filename, postedBy: 'bench' }))
  } finally {
    await services.close()
  }
}

/**
 * The floor's rows go to a month of the year before. In the measured months' year they would be an earlier month
 * holding lines no post wrote a bound for (payout_month_bounds), which OVERSIZED's year rule reads line by line on
 * every measured post: a cost of the floor, not of a real year, whose months are stored by posts.
 */
const FLOOR_PERIOD = '2025-09'

/** The floor: the same number of payout-line rows, stored by the engine's bulk path alone in one transaction. */
async function floor(url: string, projectId: string, workers: readonly Worker[]): Promise<Measure> {
  const services = await open(url)
  try {
    const fileId = newId()
    const lineInsert = new BulkInsert<PayoutLineRow>(payoutLines)
    return await measured(async () => {
      const rows: PayoutLineRow[] = workers.map((w, i) => ({
        id: newId(),
        fileId,
        projectId,
        period: FLOOR_PERIOD,
        lineNo: i + 2,
        seq: i + 1,
        payeeCard: w.cardNo,
        payeeName: w.name,
        amountFen: w.netFen,
        status: 'success',
        bankRef: `FLOOR${i + 1}`,
        valueDate: '2026-10-09',
        failureReason: null,
        payerAccountNo: null,
        endToEndId: null,
        reasonCode: null,
        returnOfEndToEndId: null,
        returnOfBankRef: null,
        uetr: null,
      }))
      await services.db.tx(async (tx) => {
        await tx.run(
          insertInto(payoutFiles, [
            { id: fileId, projectId, period: FLOOR_PERIOD, sha256: 'f'.repeat(64), filename: 'floor', encoding: 'utf-8', lineCount: rows.length, successCount: rows.length, successFen: 0, failedCount: 0, failedFen: 0, postedBy: 'bench', postedAtMs: NOW_MS },
          ]),
        )
        await lineInsert.run(tx, rows)
      })
    })
  } finally {
    await services.close()
  }
}

async function main(): Promise<void> {
  const opt = options()
  const pg = opt.db === 'postgres' ? new PgDatabases() : undefined
  const dir = pg ? undefined : mkdtempSync(join(tmpdir(), 'wage-ledger-bank-files-'))
  const url = pg ? (await pg.create('bankfiles')).url : `file:${join(dir!, 'bank-files.db')}`
  let failed = false
  try {
    const started = performance.now()
    const { projectId, workers } = await generate(url, opt)
    const delimited = delimitedFile(workers)
    const camt = camt054(workers, opt.teams)
    console.log(`setup: ${fmt(opt.lines)} workers in ${opt.teams} teams, two months of approved sheets, in ${seconds(performance.now() - started)} s; files: delimited ${mb(delimited.length)}, camt.054 ${mb(camt.length)}`)

    const f = await floor(url, projectId, workers)
    const d = await post(url, projectId, '2026-10', delimited, 'bench-delimited.txt')
    const c = await post(url, projectId, '2026-11', camt, 'bench-camt054.xml')
    const where = opt.db === 'sqlite' ? 'one SQLite file' : 'one PostgreSQL database'
    console.log('')
    console.log(`bank result files of ${fmt(opt.lines)} lines, in ${where}: parsed, validated, stored and reconciled (PayoutService.post)`)
    console.log(`  floor (bulk write)   ${seconds(f.ms)} s   heap peak ${mb(f.heapPeak)} (from ${mb(f.heapStart)})`)
    for (const [name, m] of [
      ['delimited', d],
      ['camt.054', c],
    ] as const) {
      const ok = m.ms < AIM_MS && m.heapPeak < AIM_HEAP_BYTES
      console.log(`  ${name.padEnd(20)} ${seconds(m.ms)} s   × floor ${(m.ms / f.ms).toFixed(2)}   heap peak ${mb(m.heapPeak)} (from ${mb(m.heapStart)})   aim < 2 s and < 300 MB: ${ok ? 'PASS' : 'FAIL'}`)
      console.log(`  ${''.padEnd(20)} ${m.value.outcome}, ${fmt(m.value.file.lineCount)} lines (${m.value.file.format}), ${m.value.reconciliation?.flags.length ?? 0} flags`)
    }
    const checks: Array<[string, boolean]> = [
      [`both files stored with every line (${fmt(d.value.file.lineCount)}, ${fmt(c.value.file.lineCount)})`, d.value.file.lineCount === opt.lines && c.value.file.lineCount === opt.lines],
      ['every worker paid in full: no flag in either month', (d.value.reconciliation?.flags.length ?? -1) === 0 && (c.value.reconciliation?.flags.length ?? -1) === 0],
    ]
    console.log('')
    for (const [what, ok] of checks) {
      console.log(`  ${ok ? 'ok    ' : 'FAILED'} ${what}`)
      if (!ok) failed = true
    }
  } finally {
    if (pg) await pg.dropAll()
    if (dir) rmSync(dir, { recursive: true, force: true })
  }
  if (failed) process.exitCode = 1
}

await main()
