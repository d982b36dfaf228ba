/**
 * (Found by review.) The bureau's overview counted a worker who left and came back (再次进场) by the enrolment's first
 * entry and the exit in force alone: after the return there is no exit, so a month spent wholly away between the exit
 * and the return counted them on the roster (the month due's headcount, and who was paid of it), the project as under
 * construction in that month's incidence, and a worker away today (a return recorded ahead) as on site. Now each
 * counts the worker in the months of their spells only.
 *
 * The worker: entered 2026-09-01, exited 2026-09-30, back on 2026-11-02: on site in September and November, away all
 * of October. Pay day the 10th. A return is recorded once it has happened now (date_in_future otherwise,
 * test/roster/future-exit-return.test.ts), but one recorded ahead before that rule is still read by its date: the
 * return is recorded with the clock on 2 November, and the overview read on 20 October.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { sql } from 'drizzle-orm'
import { projects } from '../../src/db/schema/index.ts'
import { createKey, postPayoutFile, registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

const SEED = 4711

t.test('a worker away all of October is not on the roster in October', async (t) => {
  const clock = new ManualClock(Date.parse('2026-10-20T02:00:00Z'))
  const { api, services } = await startTestServer(t, { clock })
  const site = await registerAccessSite(api, { tag: 'OV-BRK', regionCode: '330106', bankCode: '103331000011', seed: SEED })
  const E = `/api/projects/${site.projectId}/enrolments/${site.enrolmentId}`
  await api.post(`${E}/exit`, { exitDate: '2026-09-30' })
  // On 20 October the worker is away, back on 2 November: the return on the enrolment as if recorded ahead.
  clock.set(Date.parse('2026-11-02T02:00:00Z'))
  await api.post(`${E}/return`, { returnDate: '2026-11-02' })
  clock.set(Date.parse('2026-10-20T02:00:00Z'))
  const within = sql`${projects.id} = ${site.projectId}`
  const roster = async (): Promise<string | undefined> => {
    const o = await services.oversight.project(site.projectId)
    return o.projects[0]?.systems.find((s) => s.key === 'real_name')?.evidence.find((x) => x.label === '在场实名登记人数')?.value
  }
  const dueMonth = async (): Promise<unknown> => (await services.oversight.ledgerRiskFacts(within, clock.nowMs(), 10))[0]?.facts.dueMonth

  // 20 October: away today; the month due is September, when they were on site.
  t.equal(await roster(), '0', 'away today (between the exit and the return recorded ahead): not on site')
  t.same(await dueMonth(), { workers: 1, paidWorkers: 0 }, 'September, a month on site: on the roster')

  // 20 November: back on site; the month due is October, spent away.
  clock.set(Date.parse('2026-11-20T02:00:00Z'))
  // October's bank file pays the worker's card (and a card that is nobody's).
  const bank = api.as((await createKey(api, 'bank OV-BRK', 'bank', { bankCode: '103331000011' })).key)
  await postPayoutFile(bank, api, site, SEED)
  t.equal(await roster(), '1', 'back on site')
  t.same(await dueMonth(), { workers: 0, paidWorkers: 0 }, 'October, spent away: not on the roster, nor counted paid though their card was')
  const incidence = (await services.oversight.project(site.projectId)).incidence
  const under = Object.fromEntries(incidence.filter((m) => m.month >= '2026-08').map((m) => [m.month, m.underConstruction]))
  t.same(under, { '2026-08': 0, '2026-09': 1, '2026-10': 0, '2026-11': 1 }, 'under construction in the months someone was on site only')
})
