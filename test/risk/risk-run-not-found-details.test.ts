/**
 * A ranking read before any risk index run answered 404 risk_run_not_found with only the month asked (null when none
 * was): nothing said whether any run had happened, or when one would. The reply now says the newest month with a run
 * (null: none yet) and the month the monthly timer runs next with the first day it may; the status stays 404.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { failure, startTestServer } from '../helpers/server.ts'
import { registerRegions } from './helpers/regions.ts'

t.test('no run yet: the reply says so and when the timer runs next', async (t) => {
  // 2 December, 10:00 in Shanghai: inside the timer's days (1st to 3rd), November not run yet.
  const clock = new ManualClock(Date.parse('2026-12-02T02:00:00Z'))
  const { api: admin } = await startTestServer(t, { clock })
  await registerRegions(admin, 162)

  const before = await failure(admin.get('/api/risk/projects'))
  t.match(before, { status: 404, code: 'risk_run_not_found', details: { month: null, newestRunMonth: null, nextTimerRun: { month: '2026-11', from: '2026-12-02' } } }, 'no run has happened; the timer runs November today')

  await admin.post('/api/risk/runs', { month: '2026-11' })
  t.match(
    await failure(admin.get('/api/risk/projects?month=2026-10')),
    { status: 404, code: 'risk_run_not_found', details: { month: '2026-10', newestRunMonth: '2026-11', nextTimerRun: { month: '2026-12', from: '2027-01-01' } } },
    'a month with no run: the newest that has one, and the timer next runs December from 1 January',
  )
})
