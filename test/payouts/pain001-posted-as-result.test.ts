/**
 * (Found by review.) The likeliest wrong file to post is our own instruction sent back. The service's pain.001 posted
 * as a result file was refused as `bad_delimiter` ("The header \"<?xml …\" contains neither \"|\" nor \",\""): the XML
 * fell through to the delimited reader, and the message sent the engineer looking for separators; `npm run bank-file`
 * said `unknown_format` for the same bytes, and the watched folder refused it as the upload did, while a CMB *request*
 * (NTAGCAPY) got a clear `request_not_result`. Now a pain.001 is refused as `request_not_result`, and any other XML
 * no result format reads as `unknown_format`, alike through HTTP, the CLI and the folder.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { bankFileReport } from '../../src/cli/bank-file.ts'
import { PayoutInboxFolder } from '../../src/payouts/inbox-folder.ts'
import { failure, tempDir } from '../helpers/server.ts'
import { MONTH, setUp } from './helpers/instructed-site.ts'

const quiet = { info: () => {}, warn: () => {}, error: () => {} }
const cliCodes = (bytes: Buffer): string[] => (bankFileReport(bytes, { fileName: 'file.xml' }).report.errors as Array<{ code: string }>).map((e) => e.code)

t.test('our own pain.001 posted back is refused as a request, alike by the upload, the CLI and the folder', async (t) => {
  const s = await setUp(t, 9103)
  const res = await s.api.fetch(`/api/projects/${s.site.projectId}/instructions/${s.instruction.id}/pain001`)
  t.equal(res.status, 200, 'the instruction as pain.001')
  const pain001 = Buffer.from(await res.arrayBuffer())

  const cli = bankFileReport(pain001, { fileName: 'instruction.xml' })
  t.equal(cli.exitCode, 1, 'the CLI refuses it')
  t.same(cliCodes(pain001), ['request_not_result'], 'as a request, not a result')
  t.match((cli.report.errors as Array<{ message: string }>)[0]?.message, /pain\.001.*not the bank's answer/)

  const f = await failure(s.post(pain001, 'application/xml'))
  const codes = (f.details as { errors?: Array<{ code: string }> }).errors?.map((e) => e.code) ?? [f.code]
  t.notOk(codes.includes('bad_delimiter'), 'the refusal is not about delimiters')
  t.same(codes, ['request_not_result'], 'the upload refuses it with the code the CLI prints')

  // The watched folder posts as the upload does.
  const root = tempDir(t, 'wl-inbox-pain001-')
  const month = join(root, s.site.projectId, MONTH)
  mkdirSync(month, { recursive: true })
  writeFileSync(join(month, 'instruction.xml'), pain001)
  const folder = new PayoutInboxFolder({ root, pollMs: 60_000, settleMs: 0, payouts: s.services.payouts, log: quiet })
  t.teardown(() => folder.stop())
  await folder.scan()
  t.same(await folder.scan(), { done: 0, rejected: 1, error: 0 }, 'the folder refuses it')
  const reason = JSON.parse(readFileSync(join(month, 'rejected', 'instruction.xml.reason.json'), 'utf-8')) as { code: string; details: { errors: Array<{ code: string }> } }
  t.match(reason, { code: 'payout_file_invalid' })
  t.same(
    reason.details.errors.map((e) => e.code),
    ['request_not_result'],
    'with the same code',
  )
})

t.test('XML in no result format is unknown_format, with its root named, not a delimiter fault', async (t) => {
  const s = await setUp(t, 9104)
  const xml = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<!-- a bank statement of some other kind -->\n<Statement><Account>755900008010306</Account></Statement>\n')
  t.same(cliCodes(xml), ['unknown_format'], 'the CLI')
  t.match((bankFileReport(xml, { fileName: 'x.xml' }).report.errors as Array<{ message: string }>)[0]?.message, /XML \(root element <Statement>\)/)
  const f = await failure(s.post(xml, 'application/xml'))
  t.same((f.details as { errors: Array<{ code: string }> }).errors.map((e) => e.code), ['unknown_format'], 'the upload')
  // A pain.001 under an ISO 20022 namespace prefix is still a pain.001.
  const prefixed = Buffer.from('<?xml version="1.0"?><p:Document xmlns:p="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><p:CstmrCdtTrfInitn/></p:Document>')
  t.same(cliCodes(prefixed), ['request_not_result'])
  // A text file in no format is still read as the delimited layout, whose faults name what it lacks.
  t.notSame(cliCodes(Buffer.from('hello\n')), ['request_not_result'])
})
