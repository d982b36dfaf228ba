/**
 * (Found by review: a bank's integration engineer's walkthrough.) `npm run bank-file` printed `"read": true` and exit
 * 0 for camt.054 files the upload then refused whole: a payment in USD (`not_cny`), a booking of ¥2,000,000.00
 * (`amount_too_large`, "whatever the format"), a transaction naming neither the payee's account nor our EndToEndId
 * (`no_payee`). The parser accepts them; the upload's next step (src/payouts/evidence-lines.ts) refuses them, and the
 * command stopped at the parser. README: "A file the service would refuse prints "read": false and every fault
 * found"; "the upload, the watched folder and npm run bank-file give the same codes". The command now adds the
 * faults of that step that need nothing of the ledger, with the same codes as the upload; what only the ledger knows
 * (our EndToEndIds, references already posted, the payment a return names by its bank reference) is still the
 * upload's alone.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { main } from '../../../src/cli/bank-file.ts'
import { capturedOutput } from '../../../src/cli/output.ts'
import { camt054 } from '../../helpers/camt054.ts'
import { failure } from '../../helpers/server.ts'
import { setUp } from '../helpers/instructed-site.ts'

interface Report {
  read: boolean
  errors?: Array<{ lineNo: number; field: string | null; code: string; message: string }>
  lines?: unknown[]
}

function cli(t: Test, xml: string): { code: number; report: Report } {
  const dir = t.testdir({})
  const path = join(dir, 'camt054.xml')
  writeFileSync(path, xml)
  const io = capturedOutput()
  const code = main([path], io)
  return { code, report: JSON.parse(io.stdout()) as Report }
}

const ACCOUNT = '755900008010306'
const booking = (ref: string, ccy: string, yuan: string, parties: string): string =>
  `<Ntry><Amt Ccy="${ccy}">${yuan}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-09</Dt></BookgDt><ValDt><Dt>2026-11-09</Dt></ValDt><AcctSvcrRef>${ref}</AcctSvcrRef><NtryDtls><TxDtls><Refs><AcctSvcrRef>${ref}</AcctSvcrRef></Refs><Amt Ccy="${ccy}">${yuan}</Amt>${parties}</TxDtls></NtryDtls></Ntry>`
const party = (card: string): string => `<RltdPties><Cdtr><Pty><Nm>张伟</Nm></Pty></Cdtr><CdtrAcct><Id><Othr><Id>${card}</Id></Othr></Id></CdtrAcct></RltdPties>`

t.test('faults of a read file that need no ledger: the command names those the upload names', async (t) => {
  const s = await setUp(t, 7311)
  const card = s.workers[0]!.cardNo
  const cases: Array<[string, string, string]> = [
    ['a payment in USD', 'not_cny', camt054('C54-LF-1', ACCOUNT, booking('BK-LF-1', 'USD', '100.00', party(card)))],
    ['a booking above the per-line maximum', 'amount_too_large', camt054('C54-LF-2', ACCOUNT, booking('BK-LF-2', 'CNY', '2000000.00', party(card)))],
    ['a transaction naming no payee and no EndToEndId', 'no_payee', camt054('C54-LF-3', ACCOUNT, booking('BK-LF-3', 'CNY', '100.00', ''))],
  ]
  for (const [what, code, xml] of cases) {
    const upload = await failure(s.post(xml))
    t.equal(upload.code, 'payout_file_invalid', `${what}: the upload refuses it`)
    const uploaded = (upload.details as { errors: Array<{ line: number; field?: string; code: string }> }).errors
    t.same(uploaded.map((e) => e.code), [code], `${what}: the upload's fault`)
    const { code: exit, report } = cli(t, xml)
    t.equal(exit, 1, `${what}: the command exits 1`)
    t.equal(report.read, false, `${what}: "read": false`)
    t.same(
      (report.errors ?? []).map((e) => [e.lineNo, e.field, e.code]),
      uploaded.map((e) => [e.line, e.field ?? null, e.code]),
      `${what}: the same line, field and code as the upload`,
    )
    t.ok(Array.isArray(report.lines) && report.lines.length === 1, `${what}: the line as read is still shown`)
  }
  t.equal((await s.api.get<unknown[]>(`/api/projects/${s.site.projectId}/payout-files`)).length, 0, 'nothing was stored')
})

t.test('what only the ledger knows stays the upload\'s: the command reads these files', async (t) => {
  // A report naming only our EndToEndId (amount and card from our instruction), and a reversal naming its payment by
  // the bank's reference alone: the command cannot tell whether they are ours or on file.
  const byId = camt054(
    'C54-LF-4',
    ACCOUNT,
    `<Ntry><Amt Ccy="CNY">100.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-09</Dt></BookgDt><AcctSvcrRef>BK-LF-4</AcctSvcrRef><NtryDtls><TxDtls><Refs><AcctSvcrRef>BK-LF-4</AcctSvcrRef><EndToEndId>SOMEONE-202610-01</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>`,
  )
  const reversal = camt054(
    'C54-LF-5',
    ACCOUNT,
    `<Ntry><Amt Ccy="CNY">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-30</Dt></BookgDt><AcctSvcrRef>BK-LF-6</AcctSvcrRef><NtryDtls><TxDtls><Refs><AcctSvcrRef>BK-LF-1</AcctSvcrRef></Refs><Amt Ccy="CNY">100.00</Amt></TxDtls></NtryDtls></Ntry>`,
  )
  for (const xml of [byId, reversal]) {
    const { code, report } = cli(t, xml)
    t.equal(code, 0, JSON.stringify(report.errors ?? []))
    t.equal(report.read, true)
  }
})
