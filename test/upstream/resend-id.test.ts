/**
 * (Found by review.)
 * A resend naming a record id no record can have answers 404 upstream_record_not_found (or a 400) on both engines,
 * never a 500.
 */
import t from 'tap'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { failure, startTestServer } from '../helpers/server.ts'
import { creditCode } from '../helpers/upstream.ts'

t.test('a resend of an id beyond any record answers 4xx', async (t) => {
  const upstream = parseUpstreamConfig({
    provinces: { 33: { endpoint: 'http://127.0.0.1:9/open.api', appId: 'a', appSecret: 'Wl0Test5ecret0fThePlatform2026AB' } },
    projects: { 'UPR-1': {} },
    passMs: 3_600_000,
    sweepMs: 3_600_000,
    watchMs: 3_600_000,
  })
  const { api } = await startTestServer(t, { config: { upstream } })
  const cu = await api.post<{ id: string }>('/api/organisations', { kind: 'construction_unit', name: 'cu', creditCode: creditCode(901) })
  const gc = await api.post<{ id: string }>('/api/organisations', { kind: 'general_contractor', name: 'gc', creditCode: creditCode(902) })
  const p = await api.post<{ id: string }>('/api/projects', { siteCode: 'UPR-1', name: '工程', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1904510104000000001', name: '专户' } })
  for (const id of ['99999999999999999999', '9223372036854775808']) {
    const f = await failure(api.post(`/api/projects/${p.id}/upstream/records/${id}/resend`, {}))
    t.ok(f.status >= 400 && f.status < 500, `${id}: a 4xx (got ${f.status} ${f.code})`)
  }
})
