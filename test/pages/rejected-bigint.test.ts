/**
 * (Found by review.) On PostgreSQL, the desk's rejected-input pages answer 500 for an id or `before` cursor beyond bigint
 * (the schema bounds them below only); SQLite answers 200 / 404. A clear 4xx (or the empty page / 404) is expected.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { DESK_NOW_MS, registerDeskSite } from './helpers/desk-site.ts'
import { getPage as get, signIn } from './helpers/http.ts'

t.test('rejected inputs: an id past bigint is no 500', async (t) => {
  const { api, httpUrl: base } = await startTestServer(t, { clock: new ManualClock(DESK_NOW_MS) })
  const d = await registerDeskSite(api, { tag: 'RB', seed: 97 })
  const lm = await signIn(base, d.logins.labourManager)
  const desk = `/pages/projects/${d.site.projectId}/desk`
  for (const path of [`${desk}/rejected?before=9223372036854775808`, `${desk}/rejected/9223372036854775808`, `${desk}/rejected/99999999999999999999`]) {
    const r = await get(base, path, lm)
    t.ok(r.status < 500, `${path}: ${r.status}`)
  }
  for (const path of ['/api/rejected-inputs?after=9223372036854775808', '/api/rejected-inputs/99999999999999999999']) {
    const r = await api.fetch(path)
    t.equal(r.status, 400, `${path}: a malformed id, as any other`)
  }
})
