/**
 * README promises an access-log row for every read of personal data (found by review). GET …/flags/{month} is logged
 * (policy personal), but POST …/reconciliations/{month} answers the very same flags (workers' names, masked cards,
 * disputes, sheet lines) and wrote no row: who read the month's flags this way could not be shown from the log. The
 * route is now personal as the flags listing is: each call is written, the labour manager's (whose reply carries the
 * flags) and the bank's (whose reply carries the run's figures only, as the payout-file post it makes is logged).
 */
import t from 'tap'
import { q } from '../../src/db/database.ts'
import { createKey, createLogin, logIn, MONTH, postPayoutFile, registerAccessSite } from './helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

t.test('a reconciliation reply with flags is written to the access log like the flags listing', async (t) => {
  const { api: admin, services } = await startTestServer(t)
  const site = await registerAccessSite(admin, { tag: 'REV-RL', regionCode: '330106', bankCode: '103331000011', seed: 9104 })
  const bank = admin.as((await createKey(admin, 'bank 103', 'bank', { bankCode: '103' })).key)
  await postPayoutFile(bank, admin, site, 9104)
  await createLogin(admin, 'lm.rev.rl', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = admin.as(await logIn(admin, 'lm.rev.rl'))
  const rowsOf = async (route: string): Promise<Array<{ role: string; action: string; status: number }>> => {
    await services.accessLog.idle()
    return services.db.all(q(`SELECT role AS "role", action AS "action", status AS "status" FROM access_log WHERE route = ? AND role <> 'admin' ORDER BY id`, route))
  }

  const listed = await lm.get<{ flags: unknown[] }>(`/api/projects/${site.projectId}/flags/${MONTH}`)
  t.ok(listed.flags.length > 0, 'the month has flags')
  t.match(await rowsOf('/api/projects/:projectId/flags/:month'), [{ role: 'labour_manager', action: 'read', status: 200 }], 'the listing is logged')

  const byLm = await lm.post<{ flags: unknown[] }>(`/api/projects/${site.projectId}/reconciliations/${MONTH}`, {})
  const byBank = await bank.post<{ flags: unknown[] }>(`/api/projects/${site.projectId}/reconciliations/${MONTH}`, {})
  t.ok(byLm.flags.length > 0, "the labour manager's reply carries the flags")
  t.equal(byBank.flags.length, 0, "the bank's carries none (it may not read flags)")
  const runs = await rowsOf('/api/projects/:projectId/reconciliations/:month')
  t.match(runs, [{ role: 'labour_manager', status: 201 }, { role: 'bank', status: 201 }], `each run is logged with its caller (rows: ${JSON.stringify(runs)})`)
  t.equal(runs.length, 2)
})
