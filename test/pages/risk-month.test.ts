/**
 * (Found by review.) the bureau's risk ranking and 无欠薪 targets take month=2026-13 (or 0000-00) and answer 200 with a page for a
 * month that does not exist — the targets page even rules on it — where the API answers 400 for the same month.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { DESK_NOW_MS, registerDeskSite } from './helpers/desk-site.ts'
import { getPage as get, signIn } from './helpers/http.ts'

t.test('a month that does not exist: 400 on the pages, as on the API', async (t) => {
  const { api, httpUrl: base } = await startTestServer(t, { clock: new ManualClock(DESK_NOW_MS) })
  const d = await registerDeskSite(api, { tag: 'RM', seed: 99 })
  const auditor = await signIn(base, d.logins.auditor)
  const apiAnswer = await api.fetch('/api/risk/projects?month=2026-13')
  t.equal(apiAnswer.status, 400, 'the API refuses month 2026-13')
  for (const path of ['/pages/oversight/risk?month=2026-13', '/pages/oversight/targets?month=2026-13', '/pages/oversight/targets?month=0000-00']) {
    const r = await get(base, path, auditor)
    t.equal(r.status, 400, path)
    t.notMatch(r.text, /无欠薪目标 · (2026-13|0000-00)/, 'no verdicts on a month that does not exist')
  }
})
