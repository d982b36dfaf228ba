/**
 * A bank's integration engineer checks a delimited result file with `npm run bank-file` before sending it. The file
 * has one misspelt header (收款帐号 for 收款账号, a common variant character). The upload names the column that is
 * wrong (unknown_column 收款帐号, missing_column payee_card): the engineer can fix it. The CLI, which README says banks
 * use "to check a file before sending it, and to see why a file was refused", answers only `unknown_format` with
 * "Name the format on upload if it is one of them": it does not say what is wrong, and naming the format is not the
 * fix. README: "A text file no format claims is read as the delimited layout (its faults say what that layout lacks)
 * ... The upload, the watched folder and `npm run bank-file` give the same code."
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { main } from '../../src/cli/bank-file.ts'
import { capturedOutput } from '../../src/cli/output.ts'
import { MONTH, createKey, registerAccessSite } from '../access/helpers/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

const FILE =
  '序号|收款帐号|收款人|金额|状态|银行流水号|入账日期|失败原因\n' +
  '1|6217000000000000123|张伟|8050.00|成功|ABC20261110000001|2026-11-08|\n'

t.test('a delimited file with a misspelt header: the CLI names the faults the upload names', async (t) => {
  const { api } = await startTestServer(t)
  const site = await registerAccessSite(api, { tag: 'RV-CLI', regionCode: '330106', bankCode: '103331000011', seed: 7101 })
  const bank = api.as((await createKey(api, 'bank RV', 'bank', { bankCode: '103331000011' })).key)
  const upload = await failure(bank.request('POST', `/api/projects/${site.projectId}/payout-files?period=${MONTH}`, Buffer.from(FILE), 'text/plain'))
  t.equal(upload.code, 'payout_file_invalid')
  const uploadCodes = new Set((upload.details as { errors: Array<{ code: string }> }).errors.map((e) => e.code))
  t.ok(uploadCodes.has('unknown_column'), 'the upload names the misspelt column')

  const dir = t.testdir({})
  const path = join(dir, 'result.txt')
  writeFileSync(path, FILE)
  const io = capturedOutput()
  const code = main([path], io)
  t.equal(code, 1, 'refused')
  const report = JSON.parse(io.stdout()) as { format: string | null; errors: Array<{ code: string; message: string }> }
  const cliCodes = new Set(report.errors.map((e) => e.code))
  t.same([...cliCodes].sort(), [...uploadCodes].sort(), 'the CLI gives the same faults as the upload')
  t.notOk(cliCodes.has('unknown_format'), 'not "in no format": the file is the delimited layout with one misspelt column')
})
