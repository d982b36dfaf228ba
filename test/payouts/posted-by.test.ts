/**
 * A payout file records who posted it: the authenticated caller. (Found by review: a file a bank posted with its API
 * key and no `postedBy` was stored with `postedBy: null`, though the caller was known.) A `postedBy` the caller gives
 * (the clerk who sent it) is kept beside the caller, never instead of it: a bank cannot post as someone else.
 */
import t from 'tap'
import { MONTH, createKey, registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

const HEADER = 'seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason'

t.test('postedBy is the caller, with the sender it names beside', async (t) => {
  const { api } = await startTestServer(t)
  const site = await registerAccessSite(api, { tag: 'PB-1', regionCode: '330106', bankCode: '103331000011', seed: 7201 })
  const created = await createKey(api, 'bank PB', 'bank', { bankCode: '103331000011' })
  const bank = api.as(created.key)
  const me = await bank.get<{ label: string }>('/api/me')
  t.equal(me.label, created.prefix, "a key's caller is its visible prefix")
  const file = (ref: string) => Buffer.from([HEADER, `1|6217000000000000123|张伟|100.00|success|${ref}|2026-10-08|`].join('\n'))
  const post = (ref: string, query = '') =>
    bank.request<{ file: { postedBy: string | null } }>('POST', `/api/projects/${site.projectId}/payout-files?period=${MONTH}${query}`, file(ref), 'text/plain')

  t.equal((await post('PB-A')).file.postedBy, created.prefix, 'no postedBy: the key that posted')
  t.equal((await post('PB-B', `&postedBy=${encodeURIComponent('出纳 李静')}`)).file.postedBy, `${created.prefix} (出纳 李静)`, 'a sender named: kept beside the key')
  t.equal((await post('PB-C', `&postedBy=${encodeURIComponent('admin')}`)).file.postedBy, `${created.prefix} (admin)`, 'claiming to be someone else: the key still recorded first')
  t.equal((await post('PB-D', `&postedBy=${encodeURIComponent(created.prefix)}`)).file.postedBy, created.prefix, 'its own name: once')
  const listed = await api.get<Array<{ postedBy: string | null }>>(`/api/projects/${site.projectId}/payout-files`)
  t.same(listed.map((f) => f.postedBy), [created.prefix, `${created.prefix} (出纳 李静)`, `${created.prefix} (admin)`, created.prefix], 'as stored')

  const refused = await bank.fetch(`/api/projects/${site.projectId}/payout-files?period=${MONTH}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello\n' })
  t.equal(refused.status, 422)
  const kept = await api.get<Array<{ sender: string | null }>>(`/api/rejected-inputs?projectId=${site.projectId}&reason=payout_file_invalid`)
  t.same(kept.map((k) => k.sender), [created.prefix], 'a refused file is kept with its caller too')
})
