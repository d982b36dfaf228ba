/**
 * A bank that dates its result files only in their names (text:filename-date-csv): a file uploaded without its name,
 * or under a name with no date, is refused no_file_date with a message saying how to give the name (`?filename=` on
 * the upload) and the name shape read (…_YYYYMMDD.csv, …_YYYYMMDD_<batch>.csv). (Found by review: the message said to
 * "upload the file under the name the bank gave it", which an HTTP upload has no way to do but the query parameter.)
 */
import t from 'tap'
import { cardNumber } from '../../simulators/identities.ts'
import { MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

t.test('no_file_date tells how to give the file name and what name is read (Found by review.)', async (t) => {
  const { api } = await startTestServer(t)
  const site = await registerAccessSite(api, { tag: 'NFD-1', regionCode: '330106', bankCode: '103331000011', seed: 931 })
  const csv = ['序号,收款账号,收款户名,金额,处理结果,失败原因', `1,${cardNumber(931)},张伟,3000.00,成功,`, '合计笔数,1,合计金额,3000.00'].join('\r\n') + '\r\n'
  const post = async (query: string) => {
    const res = await api.fetch(`/api/projects/${site.projectId}/payout-files?period=${MONTH}&format=text:filename-date-csv${query}`, { method: 'POST', body: Buffer.from(csv, 'utf-8'), headers: { 'content-type': 'text/csv' } })
    return { status: res.status, body: (await res.json()) as { error: { code: string; details: { errors: Array<{ code: string; field: string; message: string }> } } } }
  }

  for (const [what, query] of [
    ['no name given', ''],
    ['a name without a date', `&filename=${encodeURIComponent('download.csv')}`],
  ] as const) {
    const { status, body } = await post(query)
    t.equal(status, 422, `${what}: refused`)
    const fault = body.error.details.errors.find((e) => e.code === 'no_file_date')
    t.ok(fault, `${what}: no_file_date`)
    t.match(fault?.message, /\?filename=/, `${what}: names the query parameter that carries the file's name`)
    t.match(fault?.message, /YYYYMMDD/, `${what}: and the shape of the date in it`)
    t.match(fault?.message, /代发结果_20261130\.csv/, `${what}: with an example`)
  }
  const { status } = await post(`&filename=${encodeURIComponent('代发结果_20261130.csv')}`)
  t.not(status, 422, 'the name as the bank gave it is read')
})
