/**
 * `npm run bank-file` answers what the upload answers for a file no format claims. (Found by review.)
 *
 * A bank's integration engineer checks a delimited result file with `npm run bank-file` before sending it. The file
 * has one misspelt header (收款帐号 for 收款账号, a common variant character). The upload names the column that is
 * wrong (unknown_column 收款帐号, missing_column payee_card): the engineer can fix it. The CLI, which README says banks
 * use "to check a file before sending it, and to see why a file was refused", answered only `unknown_format` with
 * "Name the format on upload if it is one of them": it did not say what is wrong, and naming the format is not the
 * fix. README: "A text file no format claims is read as the delimited layout (its faults say what that layout lacks)
 * ... The upload, the watched folder and `npm run bank-file` give the same code."
 *
 * Our own GBK 代发 instruction file posted back by mistake got `unknown_format` from the CLI and a fault per line from
 * the upload (its batch line read as a header): both now say it is a request, not a result (`request_not_result`).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import iconv from 'iconv-lite'
import t, { type Test } from 'tap'
import { main } from '../../../src/cli/bank-file.ts'
import { capturedOutput } from '../../../src/cli/output.ts'
import { isAgencyFile, writeAgencyFile } from '../../../src/instructions/agency-file.ts'
import { AGENCY_FILE_PROFILES } from '../../../src/instructions/profiles/index.ts'
import { MONTH, createKey, registerAccessSite } from '../../access/helpers/site.ts'
import type { Api } from '../../../simulators/api.ts'
import { failure, startTestServer } from '../../helpers/server.ts'
import { INSTRUCTION, line } from '../../instructions/helpers/instruction.ts'

const FILE =
  '序号|收款帐号|收款人|金额|状态|银行流水号|入账日期|失败原因\n' +
  '1|6217000000000000123|张伟|8050.00|成功|ABC20261110000001|2026-11-08|\n'

interface Report {
  format: string | null
  read: boolean
  errors: Array<{ lineNo: number; field: string; code: string; message: string }>
}

/** The CLI's report on these bytes, as a bank runs it on the file it holds. */
function cli(t: Test, bytes: Buffer | string): { code: number; report: Report } {
  const dir = t.testdir({})
  const path = join(dir, 'result.txt')
  writeFileSync(path, bytes)
  const io = capturedOutput()
  const code = main([path], io)
  return { code, report: JSON.parse(io.stdout()) as Report }
}

async function uploadErrors(bank: Api, projectId: string, bytes: Buffer | string): Promise<Array<{ line: number; field?: string; code: string }>> {
  const upload = await failure(bank.request('POST', `/api/projects/${projectId}/payout-files?period=${MONTH}`, Buffer.from(bytes), 'text/plain'))
  if (upload.code !== 'payout_file_invalid') throw new Error(`refused as ${upload.code}`)
  return (upload.details as { errors: Array<{ line: number; field?: string; code: string }> }).errors
}

t.test('files no format claims: the CLI names the faults the upload names', async (t) => {
  const { api } = await startTestServer(t)
  const site = await registerAccessSite(api, { tag: 'RV-CLI', regionCode: '330106', bankCode: '103331000011', seed: 7101 })
  const bank = api.as((await createKey(api, 'bank RV', 'bank', { bankCode: '103331000011' })).key)

  t.test('a delimited file with a misspelt header', async (t) => {
    const upload = await uploadErrors(bank, site.projectId, FILE)
    const uploadCodes = new Set(upload.map((e) => e.code))
    t.ok(uploadCodes.has('unknown_column'), 'the upload names the misspelt column')
    const { code, report } = cli(t, FILE)
    t.equal(code, 1, 'refused')
    t.equal(report.read, false)
    t.same(
      report.errors.map((e) => [e.lineNo, e.field, e.code]),
      [
        [1, '收款帐号', 'unknown_column'],
        [1, 'payee_card', 'missing_column'],
      ],
    )
    t.same([...new Set(report.errors.map((e) => e.code))].sort(), [...uploadCodes].sort(), 'the CLI gives the same faults as the upload')
    t.notOk(report.errors.some((e) => e.code === 'unknown_format'), 'not "in no format": the file is the delimited layout with one misspelt column')
  })

  t.test('a text file of no layout at all: the delimited layout says what it lacks, both ways', async (t) => {
    const upload = await uploadErrors(bank, site.projectId, 'hello\n')
    const { report } = cli(t, 'hello\n')
    t.same(report.errors.map((e) => e.code), ['bad_delimiter'])
    t.same(upload.map((e) => e.code), ['bad_delimiter'])
  })

  for (const [name, profile] of Object.entries(AGENCY_FILE_PROFILES)) {
    t.test(`our own 代发 instruction file (${name}) sent back: a request, not a result, both ways`, async (t) => {
      const bytes = writeAgencyFile(profile, INSTRUCTION, [1, 2, 3].map((n) => line(n)))
      const upload = await uploadErrors(bank, site.projectId, bytes)
      t.same(upload.map((e) => e.code), ['request_not_result'], 'the upload: one fault, not one per line')
      const { code, report } = cli(t, bytes)
      t.equal(code, 1)
      t.same(report.errors.map((e) => e.code), ['request_not_result'])
      t.match(report.errors[0]?.message, new RegExp(`payment instruction \\(a 代发 file in the ${name} layout`))
    })
  }
})

t.test('the instruction layouts are recognised exactly: a line dropped or an amount changed is not ours', (t) => {
  for (const profile of Object.values(AGENCY_FILE_PROFILES)) {
    const decoded = iconv.decode(writeAgencyFile(profile, INSTRUCTION, [1, 2, 3].map((n) => line(n))), 'gbk')
    t.ok(isAgencyFile(profile, decoded), `${profile.id} as written`)
    const lines = decoded.split('\r\n')
    t.notOk(isAgencyFile(profile, [...lines.slice(0, -2), ...lines.slice(-1)].join('\r\n')), `${profile.id} with a payment line fewer than its 总笔数`)
    t.notOk(isAgencyFile(profile, decoded.replace('1000.01', '1000.0')), `${profile.id} with an amount that is no amount`)
    t.notOk(isAgencyFile(profile, FILE), `${profile.id}: a result file`)
    t.notOk(isAgencyFile(profile, ''), `${profile.id}: nothing`)
  }
  t.end()
})
