/**
 * A month with no approved payroll sheet has no wage ledger (工资支付台账): the 404 says so, for the project and month
 * asked, and where to see each team's sheet of the month, instead of speaking of a team and a version the caller never
 * named. (Found by review: it answered payroll_sheet_not_found, "No payroll sheet of this team and month has this version".)
 */
import t from 'tap'
import { MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { ApiError } from '../../simulators/api.ts'
import { startTestServer } from '../helpers/server.ts'

t.test('the ledger of a month nothing is approved for names the month, not a team version (Found by review.)', async (t) => {
  const { api } = await startTestServer(t)
  const site = await registerAccessSite(api, { tag: 'LE-1', regionCode: '330106', bankCode: '103331000011', seed: 911 })
  const refused = async (p: Promise<unknown>) => {
    const e = await p.then(() => undefined, (err: unknown) => err)
    if (!(e instanceof ApiError)) throw new Error('expected the request to fail')
    return { status: e.status, ...(e.body as { error: { code: string; message: string; details: unknown } }).error }
  }
  // Each request is made when its turn comes: one made early could fail before it is awaited (an unhandled rejection).
  for (const [how, request] of [
    ['GET', () => api.get(`/api/projects/${site.projectId}/payroll-ledger/${MONTH}?format=csv`)],
    ['reveal', () => api.post(`/api/projects/${site.projectId}/payroll-ledger/${MONTH}/reveal`, { purpose: '劳动监察调取台账' })],
  ] as const) {
    const e = await refused(request())
    t.match(e, { status: 404, code: 'payroll_ledger_not_found', details: { projectId: site.projectId, month: MONTH } }, `${how}: the ledger of the month is what is missing`)
    t.notMatch(e.message, /version/, `${how}: no version was asked for`)
    t.match(e.message, /approved/, `${how}: says what puts a month in the ledger`)
    t.match(e.message, /GET \/api\/projects\/\{id\}\/payroll-sheets\?month=YYYY-MM/, `${how}: and where each team's sheet of the month is seen`)
  }
})
